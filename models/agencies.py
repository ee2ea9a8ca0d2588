"""Agencies (perangkat daerah) and the villages they adopt."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import ColumnElement, ForeignKey, String, UniqueConstraint, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base
from models.regions import Village


class Agency(Base):
    __tablename__ = "agency"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    short_name: Mapped[str | None] = mapped_column(String(50))
    # dinas, badan, sekretariat, inspektorat, satuan, kecamatan ... (free text from the import).
    kind: Mapped[str] = mapped_column(String(30), default="")
    active: Mapped[bool] = mapped_column(default=True)

    assignments: Mapped[list[Assignment]] = relationship(back_populates="agency")

    @property
    def label(self) -> str:
        return self.short_name or self.name


class Assignment(Base):
    """An agency's adoption of a village, active from `starts_on` to `ends_on` (null: open)."""

    __tablename__ = "assignment"
    __table_args__ = (UniqueConstraint("agency_id", "village_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), index=True)
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]

    agency: Mapped[Agency] = relationship(back_populates="assignments", lazy="joined")
    village: Mapped[Village] = relationship(lazy="joined")


async def list_agencies(session: AsyncSession) -> Sequence[Agency]:
    return (await session.scalars(select(Agency).where(Agency.active).order_by(Agency.name))).all()


async def get_agency(session: AsyncSession, agency_id: int) -> Agency | None:
    return await session.get(Agency, agency_id)


async def find_agency(session: AsyncSession, name_or_short: str) -> Agency | None:
    """Finds an agency by full or short name, ignoring case and surrounding spaces."""
    key = name_or_short.strip().lower()
    agencies = (await session.scalars(select(Agency))).all()
    for agency in agencies:
        if agency.name.lower() == key or (agency.short_name or "").lower() == key:
            return agency
    return None


async def active_villages(session: AsyncSession, agency_id: int, on: date) -> Sequence[Village]:
    """Villages an agency is assigned to on a given day, in name order."""
    stmt = (
        select(Village)
        .join(Assignment, Assignment.village_id == Village.id)
        .where(
            Assignment.agency_id == agency_id,
            or_(Assignment.starts_on.is_(None), Assignment.starts_on <= on),
            or_(Assignment.ends_on.is_(None), Assignment.ends_on >= on),
        )
        .order_by(Village.name)
        .distinct()
    )
    return (await session.scalars(stmt)).unique().all()


# -- assignments managed from Telegram (/tugas) ---------------------------------------------


def _open_on(on: date) -> list[ColumnElement[bool]]:
    return [
        or_(Assignment.starts_on.is_(None), Assignment.starts_on <= on),
        or_(Assignment.ends_on.is_(None), Assignment.ends_on >= on),
    ]


async def current_assignments(
    session: AsyncSession, agency_id: int, on: date
) -> Sequence[Assignment]:
    """An agency's assignments running on a day, in kecamatan and village order."""
    stmt = (
        select(Assignment)
        .join(Village, Assignment.village_id == Village.id)
        .where(Assignment.agency_id == agency_id, *_open_on(on))
        .order_by(Village.kecamatan_id, Village.name)
    )
    return (await session.scalars(stmt)).unique().all()


async def get_assignment(session: AsyncSession, assignment_id: int) -> Assignment | None:
    return await session.get(Assignment, assignment_id)


async def villages_to_assign(
    session: AsyncSession, agency_id: int, kecamatan_id: int, on: date
) -> Sequence[Village]:
    """A kecamatan's villages the agency is not assigned to on a day, in name order."""
    running = select(Assignment.village_id).where(Assignment.agency_id == agency_id, *_open_on(on))
    stmt = (
        select(Village)
        .where(Village.kecamatan_id == kecamatan_id, Village.id.not_in(running))
        .order_by(Village.name)
    )
    return (await session.scalars(stmt)).unique().all()


async def assign_village(
    session: AsyncSession, agency_id: int, village_id: int, on: date
) -> Assignment:
    """Assigns a village from `on`. One row per agency and village (a unique constraint), so
    an ended assignment is opened again rather than added twice."""
    assignment = await session.scalar(
        select(Assignment).where(
            Assignment.agency_id == agency_id, Assignment.village_id == village_id
        )
    )
    if assignment is None:
        assignment = Assignment(agency_id=agency_id, village_id=village_id)
        session.add(assignment)
    assignment.starts_on = on
    assignment.ends_on = None
    return assignment
