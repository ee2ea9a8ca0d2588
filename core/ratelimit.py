"""Every Bot API call of the bot passes here: Telegram's limits kept, its failures survived.

- **Overall pace**: at most `send_rate` calls a second that address a chat (Telegram allows
  about 30 messages a second).
- **Per chat**: messages to one private chat are paced at `chat_rate` a second after a small
  burst (Telegram: about one a second). A chat with more calls waiting than `max_waiting`
  (someone flooding the bot) gets no more answers until its queue drains (`ChatFlooded`),
  so one person can never use up the allowance everyone shares.
- **429**: every call waits until `retry_after` has passed, then the call is retried. The
  pause is a deadline, not an event that any finishing call could set again: PTB's
  AIORateLimiter ends such a pause early when a call already in flight completes
  (python-telegram-bot#5338).
- **5xx, time-outs, network errors**: retried with backoff. A time-out can come after
  Telegram acted, so a retried `sendMessage` may arrive twice; the form is built so that a
  repeated question is harmless (see handlers/report/form.py).

`getUpdates` is left alone: the poller has its own backoff, and a long poll must not wait
behind the pace of outgoing messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine, Sequence
from datetime import timedelta
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError
from telegram.ext import BaseRateLimiter

_LOG = logging.getLogger(__name__)
JSONDict = dict[str, Any]
Result = bool | JSONDict | list[JSONDict]

# The share of `send_rate` the overall pace uses, so bursts stay under Telegram's limit.
OVERALL_MARGIN = 0.9
# Waits before the retries of a call that met a server error or a time-out, in seconds.
BACKOFF: Sequence[float] = (0.5, 1, 2, 4, 8)
# A 429 is waited out this many times for one call before it is given up.
MAX_RETRY_AFTER = 6
# Telegram's limit in groups (20 a minute); the bot works in private chats, but a group
# that adds it is answered within the rules too.
GROUP_RATE, GROUP_PERIOD = 20, 60.0
CHAT_BURST = 3


class ChatFlooded(TelegramError):
    """More calls are waiting for one chat than it may have: this one is dropped."""


class TelegramRateLimiter(BaseRateLimiter[int]):
    """Pacing, 429 pauses and retries for every call the bot makes (see the module doc)."""

    def __init__(
        self,
        *,
        send_rate: float,
        chat_rate: float,
        max_waiting: int = 8,
        backoff: Sequence[float] = BACKOFF,
    ) -> None:
        # A bucket of a whole second's allowance lets 30 calls out in one instant, and a
        # sliding window at Telegram then sees more than 30 in a second (429s in the
        # digest bench). A fifth of a second's worth, slightly under the limit, keeps any
        # second within it.
        self._overall = AsyncLimiter(max(1.0, send_rate * OVERALL_MARGIN / 5), 0.2)
        self._chat_rate = chat_rate
        self._chats: dict[int, AsyncLimiter] = {}
        self._waiting: dict[int, int] = {}
        self._max_waiting = max_waiting
        self._backoff = tuple(backoff)
        self._halt_until = 0.0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Result:
        if endpoint == "getUpdates":
            return await callback(*args, **kwargs)
        chat_id = _chat_id(data.get("chat_id"))
        paced = chat_id is not None and endpoint.startswith(("send", "copy", "forward"))
        if paced and chat_id is not None:
            if self._waiting.get(chat_id, 0) >= self._max_waiting:
                raise ChatFlooded(f"too many messages waiting for chat {chat_id}")
            self._waiting[chat_id] = self._waiting.get(chat_id, 0) + 1
        try:
            return await self._with_retries(callback, args, kwargs, endpoint, chat_id, paced)
        finally:
            if paced and chat_id is not None:
                self._waiting[chat_id] -= 1
                if not self._waiting[chat_id]:
                    del self._waiting[chat_id]
                    limiter = self._chats.get(chat_id)
                    # Keep the limiter while it still remembers recent sends.
                    if limiter is not None and limiter.has_capacity(limiter.max_rate):
                        del self._chats[chat_id]

    async def _with_retries(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        chat_id: int | None,
        paced: bool,
    ) -> Result:
        failures = 0
        pauses = 0
        while True:
            try:
                return await self._once(callback, args, kwargs, chat_id, paced)
            except RetryAfter as exc:
                pauses += 1
                if pauses > MAX_RETRY_AFTER:
                    raise
                wait = _seconds(exc.retry_after) + 0.1
                _LOG.info("%s: 429, every call waits %.1f s", endpoint, wait)
                loop = asyncio.get_running_loop()
                self._halt_until = max(self._halt_until, loop.time() + wait)
            except BadRequest:
                raise  # the request itself is wrong: the same again cannot succeed
            except NetworkError as exc:  # 5xx, time-outs, connection errors
                if failures >= len(self._backoff):
                    raise
                delay = self._backoff[failures]
                failures += 1
                _LOG.info("%s failed (%s); retry %d in %s s", endpoint, exc, failures, delay)
                await asyncio.sleep(delay)

    async def _once(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        chat_id: int | None,
        paced: bool,
    ) -> Result:
        chat_limit = self._chat_limiter(chat_id) if paced and chat_id is not None else None
        async with chat_limit or contextlib.nullcontext():
            await self._wait_out_pause()
            if chat_id is not None:
                async with self._overall:
                    await self._wait_out_pause()
                    return await callback(*args, **kwargs)
            return await callback(*args, **kwargs)

    async def _wait_out_pause(self) -> None:
        # A deadline polled after each sleep, deliberately not an Event: a 429 that comes in
        # meanwhile moves the deadline, and nothing else can end the pause (see #5338).
        loop = asyncio.get_running_loop()
        while (remaining := self._halt_until - loop.time()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(remaining)

    def _chat_limiter(self, chat_id: int) -> AsyncLimiter:
        limiter = self._chats.get(chat_id)
        if limiter is None:
            if chat_id < 0:
                limiter = AsyncLimiter(GROUP_RATE, GROUP_PERIOD)
            else:
                limiter = AsyncLimiter(CHAT_BURST, CHAT_BURST / self._chat_rate)
            self._chats[chat_id] = limiter
        return limiter


def _chat_id(value: object) -> int | None:
    try:
        return int(str(value)) if value is not None else None
    except ValueError:
        return None  # an @channel username: not paced per chat


def _seconds(value: object) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(str(value))
