"""The delivery log: what each person was sent for each period, part by part.

A digest is several messages (text, chart, collage, spreadsheet). Each part sent is
committed before the next, so a bot restarted in the middle of a fan-out resumes each
person at the part after the last one sent, and a person who has it all gets nothing
again. The one case it cannot rule out is a crash during a single API call, after
Telegram delivered the message but before the commit: that part would go out twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import ForeignKey, String, UniqueConstraint, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, str_enum, utcnow


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    BLOCKED = "blocked"
    FAILED = "failed"


class Delivery(Base):
    __tablename__ = "delivery"
    __table_args__ = (UniqueConstraint("kind", "period", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    # The period's first day (ISO date): one reminder or digest per person per period.
    period: Mapped[str] = mapped_column(String(20), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    status: Mapped[DeliveryStatus] = mapped_column(
        str_enum(DeliveryStatus, 16), default=DeliveryStatus.PENDING
    )
    parts_sent: Mapped[int] = mapped_column(default=0)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    # A sender owns the row until `claimed_until` (a lease): two runs of the same digest
    # (the start-up catch-up and the schedule, or two processes) never send one part twice.
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None]


async def row_for(session: AsyncSession, kind: str, period: str, user_id: int) -> Delivery:
    """The person's delivery row for this period, created if new (and committed at once, so
    two senders racing for it end up with one row)."""
    stmt = select(Delivery).where(
        Delivery.kind == kind, Delivery.period == period, Delivery.user_id == user_id
    )
    found = await session.scalar(stmt)
    if found is not None:
        return found
    delivery = Delivery(kind=kind, period=period, user_id=user_id)
    session.add(delivery)
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        found = await session.scalar(stmt)
        assert found is not None
        return found
    return delivery


async def claim(
    session: AsyncSession,
    delivery: Delivery,
    owner: str,
    now: datetime,
    lease: timedelta,
    *,
    take_over: str | None = None,
) -> bool:
    """Takes a pending delivery for `owner` until `now + lease`, unless another sender holds
    an unexpired lease on it (`take_over` names a holder known to be gone). One UPDATE, so
    of two racing senders exactly one wins, on SQLite and PostgreSQL alike. The caller
    commits, then refreshes the row (another sender may have sent parts meanwhile)."""
    holders = [owner] if take_over is None else [owner, take_over]
    result = await session.execute(
        update(Delivery)
        .where(
            Delivery.id == delivery.id,
            Delivery.status == DeliveryStatus.PENDING,
            or_(
                Delivery.claimed_until.is_(None),
                Delivery.claimed_until < now,
                Delivery.claimed_by.in_(holders),
            ),
        )
        .values(claimed_by=owner, claimed_until=now + lease)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


async def release(session: AsyncSession, delivery_id: int, owner: str) -> None:
    """Ends `owner`'s lease on a row it did not finish, and commits: the next sender may
    take it at once."""
    await session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.claimed_by == owner)
        .values(claimed_by=None, claimed_until=None)
        .execution_options(synchronize_session=False)
    )
    await session.commit()


async def delivered_users(session: AsyncSession, kind: str, period: str) -> set[int]:
    """Users who already have everything of this period (or cannot be reached)."""
    rows = await session.scalars(
        select(Delivery.user_id).where(
            Delivery.kind == kind,
            Delivery.period == period,
            Delivery.status.in_([DeliveryStatus.SENT, DeliveryStatus.BLOCKED]),
        )
    )
    return set(rows)


async def for_period(session: AsyncSession, kind: str, period: str) -> Sequence[Delivery]:
    return (
        await session.scalars(
            select(Delivery).where(Delivery.kind == kind, Delivery.period == period)
        )
    ).all()


async def abandoned(session: AsyncSession, now: datetime, since: datetime) -> int:
    """Pending rows created after `since` that no sender holds any more (it stopped or
    died mid-way): how many there are."""
    rows = await session.scalars(
        select(Delivery.id).where(
            Delivery.status == DeliveryStatus.PENDING,
            Delivery.created_at >= since,
            or_(Delivery.claimed_until.is_(None), Delivery.claimed_until < now),
        )
    )
    return len(rows.all())
