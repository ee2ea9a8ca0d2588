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
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

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

    def waiting_behind(self, chat_id: int) -> int:
        """How many updates of `chat_id` wait behind the one being handled (a backlog that
        only a flood builds up: a person waits for the answer, an album is at most ten)."""
        return max(self._waiting.get(chat_id, 0) - 1, 0)

    @property
    def busy(self) -> bool:
        """Whether any update handed to the processor is still waiting or running."""
        return self._pending > 0

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        self._pending += 1
        try:
            key = _chat_key(update)
            if key is None:
                async with self._slots:
                    await coroutine
                return
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
        pass


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
