"""Updates of different people run concurrently; one person's updates run in order.

PTB's own choice is all-or-nothing: sequential processing lets one person's photo download
hold up everyone, while plain concurrent processing breaks a conversation whose album
photos or quick taps would race each other. A lock per chat gives both.

An update first waits for its own chat, and only then for one of the shared slots: an
update queued behind its chat's earlier ones (ten album photos, or a flood from one person)
holds no slot that another person's update needs.

Photos and files also wait for one of a few heavy slots (`HEAVY_SLOTS`): downloading,
decoding and storing an image costs several times a typed answer's CPU, and with a hundred
albums arriving at once they would otherwise fill every slot and both cores, and the
people typing answers would wait behind them. Albums take a little longer instead.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

_LOG = logging.getLogger(__name__)
# PTB's own semaphore is taken before `do_process_update`, i.e. before the chat lock; it
# is made wide enough never to bind, and the real bound is `self._slots` below.
_UNBOUNDED = 1_000_000
# Photo and file updates handled at once (the machine has two cores).
HEAVY_SLOTS = 4


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Serialises updates per chat (FIFO); at most `max_running` run at once."""

    def __init__(self, max_running: int) -> None:
        super().__init__(_UNBOUNDED)
        self._slots = asyncio.Semaphore(max_running)
        self._heavy = asyncio.Semaphore(HEAVY_SLOTS)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}
        self._pending = 0
        # Answers waiting for their chat to go quiet (`after_quiet`), by chat; and every
        # such answer not finished yet, those being sent included.
        self._quiet: dict[int, asyncio.Task[None]] = {}
        self._answers: set[asyncio.Task[None]] = set()

    def waiting_behind(self, chat_id: int) -> int:
        """How many updates of `chat_id` wait behind the one being handled (a backlog that
        only a flood builds up: a person waits for the answer, an album is at most ten)."""
        return max(self._waiting.get(chat_id, 0) - 1, 0)

    @property
    def busy(self) -> bool:
        """Whether any update handed to the processor is still waiting or running, or an
        answer given to `after_quiet` is not sent yet."""
        return self._pending > 0 or bool(self._answers)

    def after_quiet(
        self, chat_id: int, seconds: float, answer: Callable[[], Awaitable[object]]
    ) -> None:
        """Runs `answer` once `seconds` pass without another update of `chat_id` arriving.
        An album's photos are separate updates that Telegram may deliver in more than one
        batch, so the last one handled is not always the album's last: the count is sent
        once the chat is quiet. An update that arrives meanwhile cancels the answer (its own
        handler answers instead), so the answer never comes after a newer one. It holds no
        slot while it waits."""
        previous = self._quiet.pop(chat_id, None)
        if previous is not None:
            previous.cancel()
        task = asyncio.create_task(
            self._answer_when_quiet(chat_id, seconds, answer), name=f"quiet-{chat_id}"
        )
        self._quiet[chat_id] = task
        self._answers.add(task)
        task.add_done_callback(self._answers.discard)

    async def _answer_when_quiet(
        self, chat_id: int, seconds: float, answer: Callable[[], Awaitable[object]]
    ) -> None:
        await asyncio.sleep(seconds)
        # From here on an arriving update no longer cancels it: a call half sent may
        # already have reached Telegram.
        self._quiet.pop(chat_id, None)
        try:
            await answer()
        except Exception:
            _LOG.exception("the answer to chat %s after its updates could not be sent", chat_id)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        self._pending += 1
        try:
            key = _chat_key(update)
            if key is None:
                async with self._slots:
                    await coroutine
                return
            pending = self._quiet.pop(key, None)
            if pending is not None:
                pending.cancel()
            lock = self._locks.setdefault(key, asyncio.Lock())
            self._waiting[key] = self._waiting.get(key, 0) + 1
            try:
                # asyncio.Lock wakes waiters in arrival order, and updates arrive in order.
                async with lock:
                    if _is_heavy(update):
                        async with self._heavy, self._slots:
                            await coroutine
                    else:
                        async with self._slots:
                            await coroutine
            finally:
                self._waiting[key] -= 1
                if not self._waiting[key]:
                    del self._waiting[key]
                    del self._locks[key]
        finally:
            self._pending -= 1

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        # Answers still waiting or being sent are finished: a fraction of a second away.
        await asyncio.gather(*self._answers, return_exceptions=True)


def _chat_key(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None


def _is_heavy(update: object) -> bool:
    """A photo or a file: downloaded and decoded if it is taken at all."""
    message = update.message if isinstance(update, Update) else None
    return message is not None and bool(message.photo or message.document)
