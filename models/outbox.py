"""Messages that must reach a person even if the bot dies right after deciding to send them.

The confirmation of a submitted report is written here in the same transaction as the
submission. It is sent at once, and marked sent; a bot killed in between finds it unsent
at start-up and sends it then. A lease (`claimed_until`) keeps two senders (the handler and
a start-up run, or two processes) from sending the same row at the same time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, Text, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, TelegramId, utcnow


class OutboxMessage(Base):
    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(TelegramId)
    text: Mapped[str] = mapped_column(Text)
    # An InlineKeyboardMarkup as Telegram's JSON, if the message has buttons.
    reply_markup: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None]
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(default=0)


def add(
    session: AsyncSession,
    chat_id: int,
    text: str,
    reply_markup: dict[str, Any] | None = None,
    *,
    claimed_by: str | None = None,
    claimed_until: datetime | None = None,
) -> OutboxMessage:
    """Queues a message in the caller's transaction; `claim` and send it after the commit.
    A sender that will send it itself right after the commit queues it claimed already
    (`claimed_by`, until `claimed_until`): the commit that queues it is then its claim."""
    message = OutboxMessage(
        chat_id=chat_id,
        text=text,
        reply_markup=reply_markup,
        claimed_by=claimed_by,
        claimed_until=claimed_until,
        attempts=0 if claimed_by is None else 1,
    )
    session.add(message)
    return message


async def claim(
    session: AsyncSession,
    message_id: int,
    owner: str,
    now: datetime,
    lease: timedelta,
    *,
    take_over: str | None = None,
    renew: int | None = None,
) -> bool:
    """Takes the message for sending until `now + lease`; False if it was sent or another
    sender holds it. `take_over` names a holder known to be gone, whose lease is taken over
    before it ends. `renew` is the `attempts` of a claim `owner` holds: it is taken again
    (its lease from `now`) unless another claim came in between (each claim counts up
    `attempts`). The caller commits before sending."""
    free = or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now)
    if take_over is not None:
        free = or_(free, OutboxMessage.claimed_by == take_over)
    if renew is not None:
        free = or_(free, (OutboxMessage.claimed_by == owner) & (OutboxMessage.attempts == renew))
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.sent_at.is_(None), free)
        .values(claimed_by=owner, claimed_until=now + lease, attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


async def mark_sent(session: AsyncSession, message_id: int, now: datetime) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(sent_at=now, claimed_by=None, claimed_until=None)
        .execution_options(synchronize_session=False)
    )


async def release(session: AsyncSession, message_id: int) -> None:
    """Gives a claimed message back (sending failed; a later run tries again)."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.sent_at.is_(None))
        .values(claimed_by=None, claimed_until=None)
        .execution_options(synchronize_session=False)
    )


async def unsent(session: AsyncSession, since: datetime) -> Sequence[OutboxMessage]:
    """Messages queued after `since` and not sent yet, oldest first."""
    stmt = (
        select(OutboxMessage)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.created_at >= since)
        .order_by(OutboxMessage.id)
    )
    return (await session.scalars(stmt)).all()


async def get(session: AsyncSession, message_id: int) -> OutboxMessage | None:
    return await session.get(OutboxMessage, message_id)
