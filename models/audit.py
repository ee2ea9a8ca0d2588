"""Append-only audit log of administrative actions."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import String, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, TelegramId, utcnow
from models.users import User


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


def _of(actor: int | None) -> Any:
    stmt = select(AuditEntry)
    if actor is not None:
        stmt = stmt.where(AuditEntry.actor_telegram_id == actor)
    return stmt


async def page(
    session: AsyncSession, *, offset: int, limit: int, actor: int | None = None
) -> tuple[Sequence[AuditEntry], bool]:
    """The entries of one page, newest first, and whether an older page follows."""
    stmt = (
        _of(actor)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .offset(offset)
        .limit(limit + 1)
    )
    rows = (await session.scalars(stmt)).all()
    return rows[:limit], len(rows) > limit


async def recent_actors(session: AsyncSession, limit: int = 8) -> list[int]:
    """The Telegram ids of the people who acted last, the latest first."""
    stmt = (
        select(AuditEntry.actor_telegram_id, func.max(AuditEntry.at).label("last"))
        .where(AuditEntry.actor_telegram_id.is_not(None))
        .group_by(AuditEntry.actor_telegram_id)
        .order_by(func.max(AuditEntry.at).desc(), AuditEntry.actor_telegram_id)
        .limit(limit)
    )
    return [actor for actor, _last in await session.execute(stmt) if actor is not None]


async def since(session: AsyncSession, moment: datetime) -> Sequence[AuditEntry]:
    """Every entry at or after `moment`, oldest first (the CLI's listing)."""
    stmt = select(AuditEntry).where(AuditEntry.at >= moment).order_by(AuditEntry.at, AuditEntry.id)
    return (await session.scalars(stmt)).all()


async def actor_names(session: AsyncSession, actors: Collection[int]) -> dict[int, str]:
    """The names of the actors who have a user row (a removed user keeps only the id)."""
    if not actors:
        return {}
    rows = await session.execute(
        select(User.telegram_id, User.full_name).where(User.telegram_id.in_(list(actors)))
    )
    return {int(telegram_id): str(name) for telegram_id, name in rows}


def describe(details: dict[str, Any], limit: int = 160) -> str:
    """The details as `key=value, ...`, cut to `limit` characters."""
    text = ", ".join(f"{key}={value}" for key, value in sorted(details.items()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


# /impor keeps the received file between its two steps as an audit entry of this action.
FILE_RECEIVED = "import.file_received"
# A file sent with /impor that was rejected; it may be tried again as another kind.
IMPORT_REJECTED = "import.telegram_rejected"


def imported_file(entry_id: int, name: str) -> str:
    """The target of an import of the file received as entry `entry_id`: "#<id> <name>"."""
    return f"#{entry_id} {name}"[:200]


async def received_file(session: AsyncSession, entry_id: int, actor: int) -> AuditEntry | None:
    """The file `actor` sent for an import (entry `entry_id`), if it is theirs."""
    entry = await session.get(AuditEntry, entry_id)
    if entry is None or entry.action != FILE_RECEIVED or entry.actor_telegram_id != actor:
        return None
    return entry


async def file_imported(session: AsyncSession, entry_id: int) -> bool:
    """Whether the received file `entry_id` was imported already: an import entry
    ("import.<kind>") names it as "#<id> <file name>"."""
    stmt = select(AuditEntry.id).where(
        AuditEntry.action.like("import.%"),
        AuditEntry.action.not_in((FILE_RECEIVED, IMPORT_REJECTED)),
        AuditEntry.target.like(f"#{entry_id} %"),
    )
    return (await session.scalar(stmt.limit(1))) is not None
