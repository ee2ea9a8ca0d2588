"""When reminders and digests go out: one row per kind, changed by admins with /jadwal."""

from __future__ import annotations

from datetime import datetime, time
from enum import StrEnum

from sqlalchemy import String, Time
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, TelegramId, utcnow


class ScheduleKind(StrEnum):
    REMINDER = "reminder"
    DIGEST = "digest"


# Python weekday numbers (0 = Monday). The programme's defaults: reminders on Friday
# morning leave a working day to report; the digest covers the week just ended.
DEFAULTS: dict[ScheduleKind, tuple[int, time]] = {
    ScheduleKind.REMINDER: (4, time(9, 0)),
    ScheduleKind.DIGEST: (0, time(7, 0)),
}


class Schedule(Base):
    __tablename__ = "schedule"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    weekday: Mapped[int]
    at: Mapped[time] = mapped_column(Time())
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_telegram_id: Mapped[int | None] = mapped_column(TelegramId)


async def get_schedule(session: AsyncSession, kind: ScheduleKind) -> tuple[int, time]:
    """(weekday, local time) of `kind`, the default when no admin has changed it."""
    row = await session.get(Schedule, kind.value)
    if row is None:
        return DEFAULTS[kind]
    return row.weekday, row.at


async def set_schedule(
    session: AsyncSession, kind: ScheduleKind, weekday: int, at: time, *, by: int
) -> None:
    """Stores a new schedule (the caller commits and reschedules the job)."""
    if not 0 <= weekday <= 6:
        raise ValueError(f"weekday {weekday} out of range")
    row = await session.get(Schedule, kind.value)
    if row is None:
        row = Schedule(kind=kind.value, weekday=weekday, at=at)
        session.add(row)
    row.weekday, row.at = weekday, at
    row.updated_at = utcnow()
    row.updated_by_telegram_id = by
