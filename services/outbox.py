"""Sending what the outbox holds (models/outbox.py): messages that must arrive once.

A sender queues the message in the transaction that makes it due (a report's
confirmation is queued with the submission), then calls `deliver`; a job calls `flush` at
start-up and every minute for whatever a crash or an unreachable Telegram left behind.
Each message is claimed (committed) before it is sent and marked sent right after, so two
senders never both send it. A handler that sends what it queued right after its commit
queues it claimed already (`queue`, then `deliver_claimed`): the commit that queues it is
its claim, and a crash after it leaves a lease that `flush` takes over (its holder is gone)
or waits out. The one case that can repeat a message is a crash, or a time-out after
Telegram acted, between the send and the commit that records it.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot, InlineKeyboardMarkup, ReplyKeyboardRemove
from telegram.error import BadRequest, Forbidden, TelegramError

from core.clock import now
from core.context import DampinganApplication
from core.lease import holder, is_gone
from models import outbox
from models.outbox import OutboxMessage

_LOG = logging.getLogger(__name__)
# Longer than one send with all its retries takes; a claim older than this was abandoned
# by a sender that died, and the message is free again.
LEASE = timedelta(minutes=2)
# Older unsent messages are dropped from the retries: the moment has passed.
KEEP_TRYING = timedelta(hours=24)


# A message queued claimed is sent on that claim while the claim is this fresh: its lease
# then still covers a whole send, as a claim taken right before the send does. An older one
# (the calls before it were slow) is renewed first.
FRESH = timedelta(seconds=10)


def queue(
    session: AsyncSession, chat_id: int, text: str, reply_markup: dict[str, Any] | None = None
) -> OutboxMessage:
    """Queues a message that the caller sends itself with `deliver_claimed` once it has
    committed: claimed by this process in the same INSERT, so no sender takes it meanwhile
    and the send needs no claim of its own."""
    return outbox.add(
        session,
        chat_id,
        text,
        reply_markup,
        claimed_by=holder(),
        claimed_until=now() + LEASE,
    )


async def deliver(session: AsyncSession, bot: Bot, message_id: int) -> bool:
    """Sends one queued message unless another sender has it; True once it is sent.

    Commits the session (the claim must be visible before the call to Telegram)."""
    message = await outbox.get(session, message_id)
    if message is None or message.sent_at is not None:
        return False
    gone = message.claimed_by if is_gone(message.claimed_by) else None
    return await _claim_and_send(session, bot, message, take_over=gone)


async def deliver_claimed(session: AsyncSession, bot: Bot, message: OutboxMessage) -> bool:
    """Sends a message queued with `queue` (committed: the caller's commit was its claim);
    True once it is sent. Commits the session."""
    claimed_until = message.claimed_until
    if claimed_until is None or claimed_until - now() < LEASE - FRESH:
        return await _claim_and_send(session, bot, message, renew=message.attempts)
    return await _send(session, bot, message)


async def _claim_and_send(
    session: AsyncSession,
    bot: Bot,
    message: OutboxMessage,
    *,
    take_over: str | None = None,
    renew: int | None = None,
) -> bool:
    claimed = await outbox.claim(
        session, message.id, holder(), now(), LEASE, take_over=take_over, renew=renew
    )
    await session.commit()
    if not claimed:
        return False
    await session.refresh(message)
    return await _send(session, bot, message)


async def _send(session: AsyncSession, bot: Bot, message: OutboxMessage) -> bool:
    """Sends a message this sender holds, then records it sent (or gives it back)."""
    markup = _markup(message.reply_markup, bot)
    try:
        await bot.send_message(message.chat_id, message.text, reply_markup=markup)
    except (Forbidden, BadRequest) as exc:
        # The person blocked the bot, or the message cannot be sent at all: trying again
        # would fail the same way.
        _LOG.warning("outbox message %s dropped: %s", message.id, exc)
    except TelegramError as exc:
        _LOG.warning("outbox message %s not sent yet: %s", message.id, exc)
        await outbox.release(session, message.id)
        await session.commit()
        return False
    await outbox.mark_sent(session, message.id, now())
    await session.commit()
    return True


async def flush(application: DampinganApplication) -> int:
    """Sends every message still waiting (each in its own session); returns how many."""
    async with application.scope() as scope:
        waiting = [m.id for m in await outbox.unsent(scope.session, now() - KEEP_TRYING)]
    sent = 0
    for message_id in waiting:
        async with application.scope() as scope:
            if await deliver(scope.session, application.bot, message_id):
                sent += 1
    if waiting:
        _LOG.info("outbox: %d of %d waiting message(s) sent", sent, len(waiting))
    return sent


def _markup(
    data: dict[str, Any] | None, bot: Bot
) -> InlineKeyboardMarkup | ReplyKeyboardRemove | None:
    """The stored reply markup: inline buttons, or the removal of a reply keyboard."""
    if not data:
        return None
    if data.get("remove_keyboard"):
        return ReplyKeyboardRemove.de_json(data, bot)
    return InlineKeyboardMarkup.de_json(data, bot)
