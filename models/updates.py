"""Telegram updates already handled, so a redelivered update changes nothing twice.

With long polling, a batch is confirmed only by the next getUpdates; a bot killed in
between gets the batch again on restart. The id is added in the same transaction as the
handler's first commit, so "handled" and "recorded" cannot disagree.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import BigInteger, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class ProcessedUpdate(Base):
    __tablename__ = "processed_update"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


async def was_processed(session: AsyncSession, update_id: int) -> bool:
    found = await session.scalar(
        select(ProcessedUpdate.update_id).where(ProcessedUpdate.update_id == update_id)
    )
    return found is not None


def mark_processed(session: AsyncSession, update_id: int) -> None:
    """Adds the marker to the session; it is written by the handler's commit."""
    session.add(ProcessedUpdate(update_id=update_id))


async def forget_older_than(session: AsyncSession, age: timedelta) -> int:
    """Telegram keeps undelivered updates for 24 hours; older markers are useless."""
    result = await session.execute(
        delete(ProcessedUpdate).where(ProcessedUpdate.received_at < utcnow() - age)
    )
    return int(getattr(result, "rowcount", 0) or 0)
