"""Updates of different people run concurrently; one person's updates run in order.

PTB's own choice is all-or-nothing: sequential processing lets one person's photo download
hold up everyone, while plain concurrent processing breaks a conversation whose album
photos or quick taps would race each other. A lock per chat gives both.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from models.db import UPDATES_IN_FLIGHT


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Serialises updates per chat (FIFO), with at most `max_concurrent_updates` in flight."""

    def __init__(self, max_concurrent_updates: int = UPDATES_IN_FLIGHT) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _chat_key(update)
        if key is None:
            await coroutine
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            # asyncio.Lock wakes waiters in arrival order, and updates arrive in order.
            async with lock:
                await coroutine
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:
                del self._waiting[key]
                del self._locks[key]

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
