"""The update inbox: every update Telegram hands over is stored before it is confirmed.

With long polling, `getUpdates(offset=N)` tells Telegram to forget every update below N.
The poller stores a batch here first and confirms it only then, so an update is never
forgotten by Telegram before it is durably ours. A row is marked handled in the same
transaction as the handler's own writes; a bot killed in between finds it unhandled at
start-up and handles it then. An update Telegram delivers twice meets its own row and is
not dispatched again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, delete, exists, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, Session, aliased, mapped_column

from models.base import Base


class InboxUpdate(Base):
    __tablename__ = "update_inbox"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    # The update as Telegram sent it (Update.to_dict()), to handle it after a restart.
    payload: Mapped[dict[str, Any]]
    received_at: Mapped[datetime] = mapped_column(index=True)
    handled_at: Mapped[datetime | None] = mapped_column(index=True)
    # The chat it came from: a chat's updates are handled one after the other, so one that
    # is followed by a handled update of its chat was handled too (see `mark_overtaken`).
    chat_id: Mapped[int | None] = mapped_column(BigInteger, index=True)


async def store(
    session: AsyncSession,
    updates: Sequence[tuple[int, int | None, dict[str, Any]]],
    now: datetime,
) -> set[int]:
    """Stores a batch; returns the ids that were not stored before (the ones to handle)."""
    if not updates:
        return set()
    assert session.bind is not None
    dialect = session.bind.dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert(InboxUpdate)
        .values(
            [
                {
                    "update_id": update_id,
                    "chat_id": chat_id,
                    "payload": payload,
                    "received_at": now,
                }
                for update_id, chat_id, payload in updates
            ]
        )
        .on_conflict_do_nothing(index_elements=["update_id"])
        .returning(InboxUpdate.update_id)
    )
    return set((await session.scalars(stmt)).all())


async def mark_overtaken(session: AsyncSession, now: datetime) -> int:
    """Marks handled every unhandled update followed by a handled update of the same chat.
    Updates of one chat are handled in order, so such an update was handled: its mark was
    one of those written in a batch (`mark_many`) that a crash lost. Returns how many."""
    later = aliased(InboxUpdate)
    result = await session.execute(
        update(InboxUpdate)
        .where(
            InboxUpdate.handled_at.is_(None),
            InboxUpdate.chat_id.is_not(None),
            exists().where(
                later.chat_id == InboxUpdate.chat_id,
                later.update_id > InboxUpdate.update_id,
                later.handled_at.is_not(None),
            ),
        )
        .values(handled_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def unhandled(session: AsyncSession) -> Sequence[InboxUpdate]:
    """Updates stored but not handled (the bot stopped or died first), oldest first."""
    stmt = (
        select(InboxUpdate).where(InboxUpdate.handled_at.is_(None)).order_by(InboxUpdate.update_id)
    )
    return (await session.scalars(stmt)).all()


def mark_handled(session: Session, update_id: int, now: datetime) -> bool:
    """Marks an update handled inside the caller's transaction (a sync session: this runs
    from a commit hook). False if it was handled already: the caller must not commit."""
    result = session.execute(
        update(InboxUpdate)
        .where(InboxUpdate.update_id == update_id, InboxUpdate.handled_at.is_(None))
        .values(handled_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


async def mark_many(session: AsyncSession, update_ids: Sequence[int], now: datetime) -> None:
    """Marks updates handled whose handlers recorded that themselves (see
    core/context.py, `UpdateScope.lazy_mark`), in one statement."""
    if update_ids:
        await session.execute(
            update(InboxUpdate)
            .where(InboxUpdate.update_id.in_(update_ids), InboxUpdate.handled_at.is_(None))
            .values(handled_at=now)
            .execution_options(synchronize_session=False)
        )


async def forget_handled_before(session: AsyncSession, cutoff: datetime) -> int:
    """Telegram redelivers an update for at most 24 hours; older handled rows are useless."""
    result = await session.execute(
        delete(InboxUpdate).where(
            InboxUpdate.handled_at.is_not(None), InboxUpdate.received_at < cutoff
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
