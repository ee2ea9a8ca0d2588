"""Broadcasts: an admin's message to everyone of a role in a scope.

The row is the conversation's state while the admin composes it (status "draft", `step`
says what is asked next), then the job's work order once confirmed ("sending"): who gets
it is fixed at confirmation as pending rows in the delivery log (kind "broadcast", period
the broadcast's id), so a restart resumes the same list and nobody gets it twice.

Audience (decided here, documented in handlers/broadcast.py): staff of a kecamatan are
those whose agency has an active assignment in one of its villages; kecamatan coordinators
of a kecamatan are that kecamatan's; regency coordinators and admins are regency-wide, so
a kecamatan scope does not narrow them (they are asked no scope). "Everyone" is every
active person; the sending admin is never a recipient (they saw the preview).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, ForeignKey, String, Text, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, str_enum, utcnow
from models.deliveries import Delivery, DeliveryStatus
from models.users import Role, User, staff_working_in

KIND = "broadcast"


class BroadcastStatus(StrEnum):
    DRAFT = "draft"
    SENDING = "sending"
    DONE = "done"
    CANCELLED = "cancelled"


class Step(StrEnum):
    """What the draft asks for next."""

    AUDIENCE = "audience"
    SCOPE = "scope"
    MESSAGE = "message"
    CONFIRM = "confirm"


class Audience(StrEnum):
    STAFF = "staff"
    KECAMATAN = "kecamatan"
    REGENCY = "regency"
    EVERYONE = "everyone"


class Broadcast(Base):
    __tablename__ = "broadcast"

    id: Mapped[int] = mapped_column(primary_key=True)
    admin_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    status: Mapped[BroadcastStatus] = mapped_column(
        str_enum(BroadcastStatus, 16), default=BroadcastStatus.DRAFT, index=True
    )
    step: Mapped[Step] = mapped_column(str_enum(Step, 16), default=Step.AUDIENCE)
    audience: Mapped[Audience | None] = mapped_column(str_enum(Audience, 16))
    # None: the whole regency.
    kecamatan_id: Mapped[int | None] = mapped_column(ForeignKey("kecamatan.id"))
    text: Mapped[str | None] = mapped_column(Text)
    # The photo as Telegram stores it; downloaded once when the broadcast is sent.
    photo_file_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


def period(broadcast: Broadcast) -> str:
    """The broadcast's key in the delivery log."""
    return str(broadcast.id)


async def draft_of(session: AsyncSession, admin: User) -> Broadcast | None:
    """The admin's broadcast being composed, if any."""
    stmt = (
        select(Broadcast)
        .where(Broadcast.admin_id == admin.id, Broadcast.status == BroadcastStatus.DRAFT)
        .order_by(Broadcast.id.desc())
        .limit(1)
    )
    return await session.scalar(stmt)


async def sending(session: AsyncSession) -> Sequence[Broadcast]:
    """Confirmed broadcasts not finished (a restart resumes them)."""
    stmt = select(Broadcast).where(Broadcast.status == BroadcastStatus.SENDING)
    return (await session.scalars(stmt.order_by(Broadcast.id))).all()


async def recipients(session: AsyncSession, broadcast: Broadcast, today: date) -> Sequence[User]:
    """Active people the broadcast is for (never its admin)."""
    kecamatan_id = broadcast.kecamatan_id
    kecamatan_coordinator: ColumnElement[bool] = User.role == Role.KECAMATAN_COORDINATOR
    staff: ColumnElement[bool] = User.role == Role.STAFF
    if kecamatan_id is not None:
        kecamatan_coordinator = kecamatan_coordinator & (User.kecamatan_id == kecamatan_id)
        staff = staff_working_in(kecamatan_id, today)
    who: ColumnElement[bool]
    match broadcast.audience:
        case Audience.STAFF:
            who = staff
        case Audience.KECAMATAN:
            who = kecamatan_coordinator
        case Audience.REGENCY:
            who = User.role == Role.REGENCY_COORDINATOR
        case _:
            who = or_(staff, kecamatan_coordinator) if kecamatan_id is not None else true()
    stmt = select(User).where(User.active, User.id != broadcast.admin_id, who).order_by(User.id)
    return (await session.scalars(stmt)).all()


def add_deliveries(session: AsyncSession, broadcast: Broadcast, users: Sequence[User]) -> None:
    """Fixes who gets the broadcast: one pending delivery row each (the caller commits)."""
    session.add_all(
        Delivery(kind=KIND, period=period(broadcast), user_id=user.id) for user in users
    )


async def pending_recipients(session: AsyncSession, broadcast: Broadcast) -> Sequence[User]:
    """Active people whose copy has not been sent yet."""
    stmt = (
        select(User)
        .join(Delivery, Delivery.user_id == User.id)
        .where(
            Delivery.kind == KIND,
            Delivery.period == period(broadcast),
            Delivery.status == DeliveryStatus.PENDING,
            User.active,
        )
        .order_by(User.id)
    )
    return (await session.scalars(stmt)).all()


async def held_until(
    session: AsyncSession, broadcast: Broadcast, now: datetime
) -> datetime | None:
    """When the last lease another sender holds on a waiting row ends (None: no lease)."""
    return await session.scalar(
        select(func.max(Delivery.claimed_until)).where(
            Delivery.kind == KIND,
            Delivery.period == period(broadcast),
            Delivery.status == DeliveryStatus.PENDING,
            Delivery.claimed_until > now,
        )
    )


async def tally(session: AsyncSession, broadcast: Broadcast) -> dict[DeliveryStatus, int]:
    """How many deliveries are in each status."""
    rows = await session.execute(
        select(Delivery.status, func.count())
        .where(Delivery.kind == KIND, Delivery.period == period(broadcast))
        .group_by(Delivery.status)
    )
    return {status: count for status, count in rows.all()}
