"""Sending to many people the way Telegram wants it, and exactly once per period.

Overall pace (about 30 messages a second) and 429 answers are handled by PTB's
AIORateLimiter on the bot (see bot/app.py); private chats are not covered by it, so each
chat gets its own limiter here (about one message a second). Server errors and time-outs
are retried with backoff. Progress is recorded per part in the delivery log
(models/deliveries.py), so a restart resumes where it stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

from aiolimiter import AsyncLimiter
from telegram import Bot, InlineKeyboardMarkup, InputFile
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from core.context import DampinganApplication
from models.base import utcnow
from models.db import DELIVERIES_IN_FLIGHT
from models.deliveries import DeliveryStatus, claim
from models.users import User

_LOG = logging.getLogger(__name__)


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

    def __init__(
        self, application: DampinganApplication, *, retries: int = 4, backoff: float = 1.0
    ) -> None:
        self.app = application
        self.retries = retries
        self.backoff = backoff
        self._per_chat = application.settings.chat_send_rate
        self._limiters: dict[int, AsyncLimiter] = {}
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

        await asyncio.gather(*(one(user) for user in users))
        return result

    async def deliver(self, kind: str, period: str, user: User, build: PartsBuilder) -> Outcome:
        """Sends what `user` has not received yet of `kind` for `period`."""
        # Each delivery is its own task with its own session (one session per task).
        async with self.app.scope() as scope:
            session = scope.session
            delivery = await claim(session, kind, period, user.id)
            # End the read transaction: no connection is held while waiting for Telegram.
            await session.commit()
            if delivery.status in (DeliveryStatus.SENT, DeliveryStatus.BLOCKED):
                return Outcome.ALREADY
            parts = await build(user)

            async def send_and_record(index: int) -> None:
                await self._send(user.telegram_id, parts[index])
                delivery.parts_sent = index + 1
                await session.commit()

            try:
                for index in range(delivery.parts_sent, len(parts)):
                    # A stop (cancellation) waits for the part in flight to be recorded, so
                    # a graceful restart never sends a part twice; only a hard kill during
                    # the call can.
                    step = asyncio.ensure_future(send_and_record(index))
                    try:
                        await asyncio.shield(step)
                    except asyncio.CancelledError:
                        await _finish(step)
                        raise
            except Forbidden:
                _LOG.warning("%s blocked the bot; marked inactive", user.telegram_id)
                delivery.status = DeliveryStatus.BLOCKED
                db_user = await session.get(User, user.id)
                if db_user is not None:
                    db_user.active = False
                await session.commit()
                return Outcome.BLOCKED
            except (NetworkError, RetryAfter) as exc:
                # Given up for now: the row stays pending and the next run resumes it.
                _LOG.error("delivery of %s %s to %s failed: %s", kind, period, user.id, exc)
                delivery.attempts += 1
                if isinstance(exc, BadRequest):
                    delivery.status = DeliveryStatus.FAILED
                await session.commit()
                return Outcome.FAILED
            delivery.status = DeliveryStatus.SENT
            delivery.sent_at = utcnow()
            await session.commit()
            return Outcome.SENT

    def _limiter(self, chat_id: int) -> AsyncLimiter:
        limiter = self._limiters.get(chat_id)
        if limiter is None:
            limiter = AsyncLimiter(1, 1 / self._per_chat)
            self._limiters[chat_id] = limiter
        return limiter

    async def _send(self, chat_id: int, part: Part) -> None:
        """One API call, paced for its chat, retried on time-outs and server errors."""
        for attempt in range(self.retries + 1):
            async with self._limiter(chat_id):
                try:
                    await self._call(chat_id, part)
                    return
                except (BadRequest, Forbidden):
                    raise  # the request itself is wrong, or the person is gone
                except RetryAfter as exc:
                    # The rate limiter retries 429s itself; one that still comes through
                    # is waited out here like any other transient error.
                    if attempt == self.retries:
                        raise
                    await asyncio.sleep(_seconds(exc.retry_after))
                except NetworkError:  # 5xx, time-outs, connection errors
                    if attempt == self.retries:
                        raise
                    await asyncio.sleep(self.backoff * 2**attempt)

    async def _call(self, chat_id: int, part: Part) -> None:
        await send_part(self.app.bot, chat_id, part)


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


async def _finish(step: asyncio.Future[None]) -> None:
    """Waits for a part in flight to be sent and recorded, even through repeated
    cancellation (a stopping application may cancel more than once); the step itself is
    bounded by its retries and time-outs."""
    while not step.done():
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.shield(step)
    if not step.cancelled() and step.exception() is not None:
        _LOG.error("part in flight during a stop failed: %s", step.exception())


def _seconds(value: object) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(str(value))


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
