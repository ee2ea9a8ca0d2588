"""Append-only audit log of administrative actions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, TelegramId, utcnow


class AuditEntry(Base):
    """One admin action. Rows are only ever inserted; nothing updates or deletes them."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # The Telegram id, not a foreign key: the trail must outlive the user row, and CLI
    # actions (imports) have no Telegram user at all.
    actor_telegram_id: Mapped[int | None] = mapped_column(TelegramId)
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(200))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


def record(
    session: AsyncSession,
    action: str,
    *,
    actor: int | None,
    target: str | None = None,
    **details: Any,
) -> AuditEntry:
    """Adds an audit entry to the session; the caller commits it with the action itself."""
    entry = AuditEntry(actor_telegram_id=actor, action=action, target=target, details=details)
    session.add(entry)
    return entry


async def recent(session: AsyncSession, limit: int = 50) -> Sequence[AuditEntry]:
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    return (await session.scalars(stmt)).all()
