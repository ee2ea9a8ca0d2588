"""The three strategies of Inpres 4/2022 and the catalogue of activities under each.

Strategies are fixed by the Inpres, so they are an enum (their names and explanations live
in `locales/`). Activities are data: the catalogue is seeded by a migration from
`../shared/data/strategies.md` examples and an admin may change it without a release.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from sqlalchemy import String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, str_enum


class Strategy(StrEnum):
    PENGURANGAN_BEBAN = "pengurangan_beban"
    PENINGKATAN_PENDAPATAN = "peningkatan_pendapatan"
    PENGURANGAN_KANTONG = "pengurangan_kantong_kemiskinan"


class ActivityType(Base):
    __tablename__ = "activity_type"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    strategy: Mapped[Strategy] = mapped_column(str_enum(Strategy, 40), index=True)
    name_id: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_id


# The "other" choice is not a catalogue row: its text is typed by the person.
OTHER = "other"


async def activities_for(session: AsyncSession, strategy: Strategy) -> Sequence[ActivityType]:
    stmt = (
        select(ActivityType)
        .where(ActivityType.strategy == strategy, ActivityType.active)
        .order_by(ActivityType.position, ActivityType.id)
    )
    return (await session.scalars(stmt)).all()


async def get_activity(session: AsyncSession, key: str) -> ActivityType | None:
    return await session.scalar(select(ActivityType).where(ActivityType.key == key))


async def activity_names(session: AsyncSession, lang: str) -> dict[str, str]:
    """Key -> name in `lang` of every catalogue activity, retired ones included (old reports
    still name them)."""
    rows = await session.scalars(select(ActivityType))
    return {activity.key: activity.name(lang) for activity in rows}
