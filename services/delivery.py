"""Sending to many people the way Telegram wants it, and exactly once per period.

The pace (about 30 messages a second overall, one a second per chat), 429 pauses and the
retries of server errors and time-outs belong to the bot's rate limiter
(core/ratelimit.py), which every call passes. Here: who gets what. A sender claims each
person's row in the delivery log with a lease before sending and records every part sent
(models/deliveries.py), so a restart resumes where it stopped and two runs of the same
digest (the start-up catch-up and the schedule, or two processes) never both send a part.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot, InlineKeyboardMarkup, InputFile
from telegram.error import BadRequest, Forbidden, TelegramError

from core.context import DampinganApplication
from core.lease import end_run, holder, is_gone
from models.base import utcnow
from models.db import DELIVERIES_IN_FLIGHT
from models.deliveries import Delivery, DeliveryStatus, claim, release, row_for
from models.users import User

_LOG = logging.getLogger(__name__)
# Longer than one part takes with all the rate limiter's retries and 429 pauses; renewed
# with every part. A sender that died leaves its rows to the next run after this.
LEASE = timedelta(minutes=5)


@dataclass(frozen=True)
class Part:
    """One message of a delivery: text, a photo or a document (with a caption)."""

    text: str | None = None
    photo: bytes | None = None
    document: bytes | None = None
    filename: str | None = None
    caption: str | None = None
    reply_markup: InlineKeyboardMarkup | None = None


class Outcome(StrEnum):
    SENT = "sent"
    ALREADY = "already"
    BLOCKED = "blocked"
    FAILED = "failed"


@dataclass
class FanOutResult:
    outcomes: dict[int, Outcome] = field(default_factory=dict)  # telegram id -> outcome

    def count(self, outcome: Outcome) -> int:
        return sum(1 for o in self.outcomes.values() if o is outcome)


PartsBuilder = Callable[[User], Awaitable[Sequence[Part]]]


class Deliverer:
    """Delivers parts to people, recording progress; one instance per run."""

    def __init__(self, application: DampinganApplication) -> None:
        self.app = application
        # Each run is its own sender: a second run meets this run's leases and skips.
        self.owner = holder(run=True)
        # As many people in flight as the overall rate can serve in a second (more would
        # only queue inside the rate limiter), leaving database connections for updates.
        in_flight = min(int(application.settings.send_rate), DELIVERIES_IN_FLIGHT)
        self._slots = asyncio.Semaphore(max(1, in_flight))

    async def fan_out(
        self, kind: str, period: str, users: Sequence[User], build: PartsBuilder
    ) -> FanOutResult:
        """Delivers to everyone concurrently (bounded); one failure stops no one else."""
        result = FanOutResult()

        async def one(user: User) -> None:
            async with self._slots:
                try:
                    outcome = await self.deliver(kind, period, user, build)
                except Exception:
                    # Anything unexpected (a database error) is this person's failure; it
                    # must not end the run while the others are still being sent.
                    _LOG.exception("delivery of %s %s to %s failed", kind, period, user.id)
                    outcome = Outcome.FAILED
                result.outcomes[user.telegram_id] = outcome

        tasks = [asyncio.ensure_future(one(user)) for user in users]
        try:
            await asyncio.gather(*tasks)
        except asyncio.CancelledError:
            # A cancelled gather ends with its first cancelled child (one still waiting for
            # a slot) while the others are still sending. Wait for those: the stop is over
            # only when every part in flight is recorded and every claim released, so the
            # next run (in this process, after a restart) can take the rows at once.
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            # This run is over: whatever it still holds is for the next run to take.
            end_run(self.owner)
            raise
        return result

    async def deliver(self, kind: str, period: str, user: User, build: PartsBuilder) -> Outcome:
        """Sends what `user` has not received yet of `kind` for `period`."""
        # Each delivery is its own task with its own session (one session per task).
        async with self.app.scope() as scope:
            session = scope.session
            delivery = await row_for(session, kind, period, user.id)
            if delivery.status in (DeliveryStatus.SENT, DeliveryStatus.BLOCKED):
                await session.commit()
                return Outcome.ALREADY
            gone = delivery.claimed_by if is_gone(delivery.claimed_by) else None
            claimed = await claim(session, delivery, self.owner, utcnow(), LEASE, take_over=gone)
            try:
                # Commit the claim (and end the read transaction): no connection is held
                # while waiting for Telegram, and the other sender sees the lease.
                await _settled(session.commit())
                if not claimed:
                    return Outcome.ALREADY
                return await self._send_rest(session, delivery, kind, period, user, build)
            except asyncio.CancelledError:
                # Stopping: free the row for the next run at once, not when the lease ends
                # (also when the stop came right after the claim was committed).
                if claimed:
                    with contextlib.suppress(Exception):
                        await _settled(release(session, delivery.id, self.owner))
                raise

    async def _send_rest(
        self,
        session: AsyncSession,
        delivery: Delivery,
        kind: str,
        period: str,
        user: User,
        build: PartsBuilder,
    ) -> Outcome:
        await session.refresh(delivery)  # another sender may have sent parts meanwhile
        if delivery.status is not DeliveryStatus.PENDING:
            return Outcome.ALREADY
        parts = await build(user)

        async def send_and_record(index: int) -> None:
            await send_part(self.app.bot, user.telegram_id, parts[index])
            delivery.parts_sent = index + 1
            delivery.claimed_until = utcnow() + LEASE
            if delivery.parts_sent == len(parts):
                _done(delivery, DeliveryStatus.SENT)
                delivery.sent_at = utcnow()
            await session.commit()

        try:
            for index in range(delivery.parts_sent, len(parts)):
                # A stop (cancellation) waits for the part in flight to be sent and recorded,
                # so a graceful restart never sends a part twice; only a hard kill during the
                # call can.
                await _settled(send_and_record(index))
        except Forbidden:
            _LOG.warning("%s blocked the bot; marked inactive", user.telegram_id)
            _done(delivery, DeliveryStatus.BLOCKED)
            db_user = await session.get(User, user.id)
            if db_user is not None:
                db_user.active = False
            await session.commit()
            return Outcome.BLOCKED
        except TelegramError as exc:
            # Given up for now (the rate limiter already retried): the row stays pending and
            # the next run resumes it; a request Telegram refuses is final.
            _LOG.error("delivery of %s %s to %s failed: %s", kind, period, user.id, exc)
            delivery.attempts += 1
            _done(delivery, DeliveryStatus.FAILED if isinstance(exc, BadRequest) else None)
            await session.commit()
            return Outcome.FAILED
        if delivery.sent_at is None:  # nothing was left to send
            _done(delivery, DeliveryStatus.SENT)
            delivery.sent_at = utcnow()
            await session.commit()
        return Outcome.SENT


def _done(delivery: Delivery, status: DeliveryStatus | None) -> None:
    """Ends this sender's claim, setting the final status if there is one."""
    delivery.claimed_by = delivery.claimed_until = None
    if status is not None:
        delivery.status = status


# An upload answered late would be retried as a time-out and arrive twice; give Telegram
# time to process it rather than PTB's default 5 seconds.
UPLOAD_READ_TIMEOUT = 30.0


async def send_part(bot: Bot, chat_id: int, part: Part) -> None:
    """Sends one part as the kind of message it is."""
    if part.photo is not None:
        await bot.send_photo(
            chat_id,
            part.photo,
            caption=part.caption,
            reply_markup=part.reply_markup,
            read_timeout=UPLOAD_READ_TIMEOUT,
        )
    elif part.document is not None:
        await bot.send_document(
            chat_id,
            InputFile(part.document, filename=part.filename),
            caption=part.caption,
            reply_markup=part.reply_markup,
            read_timeout=UPLOAD_READ_TIMEOUT,
        )
    else:
        assert part.text is not None
        await bot.send_message(chat_id, part.text, reply_markup=part.reply_markup)


async def _settled(work: Coroutine[Any, Any, None]) -> None:
    """Runs `work` to its end even if the caller is cancelled meanwhile (a stopping
    application may cancel more than once): a part sent is always recorded, a commit never
    cut in half. The work itself is bounded by the rate limiter's retries and time-outs."""
    step = asyncio.ensure_future(work)
    try:
        await asyncio.shield(step)
    except asyncio.CancelledError:
        while not step.done():
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(step)
        if not step.cancelled() and step.exception() is not None:
            _LOG.error("work in flight during a stop failed: %s", step.exception())
        raise


async def tell_admins_about_blocked(
    application: DampinganApplication, result: FanOutResult, users: Sequence[User]
) -> None:
    """Lists people who blocked the bot to every admin, in the admin's language."""
    from models.users import admins

    blocked = [u for u in users if result.outcomes.get(u.telegram_id) is Outcome.BLOCKED]
    if not blocked:
        return
    async with application.scope() as scope:
        recipients = await admins(scope.session)
    names = ", ".join(u.full_name for u in blocked)
    for admin in recipients:
        text = application.translator(
            admin.language, "delivery-blocked", count=len(blocked), names=names
        )
        try:
            await application.bot.send_message(admin.telegram_id, text)
        except (Forbidden, BadRequest) as exc:
            _LOG.warning("could not tell admin %s: %s", admin.telegram_id, exc)
