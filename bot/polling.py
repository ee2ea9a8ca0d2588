"""Long polling that confirms an update to Telegram only once it is stored.

`getUpdates(offset=N)` makes Telegram forget every update below N. PTB's Updater asks for
the next batch (confirming the last) as soon as it has queued the last one, so a bot killed
while handling a batch loses it. Here each batch is written to the update inbox first and
the next `getUpdates` call comes only after that commit. Updates a previous run stored but
did not handle are handled first, in order; an update Telegram delivers again after a crash
meets its row in the inbox and is not handled twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy.exc import SQLAlchemyError
from telegram import Update
from telegram.error import Conflict, NetworkError, RetryAfter, TelegramError

from core.aiohttp_request import UpdatesRequest
from core.context import RETRY_DELAYS, DampinganApplication, database_unavailable
from core.i18n import pick_language
from models import updates as inbox

_LOG = logging.getLogger(__name__)
# After a failed getUpdates: Telegram or the network is away; do not hammer it.
_POLL_BACKOFF = (1, 2, 4, 8, 15)


class Poller:
    """Fetches updates, stores them, hands the new ones to the application's queue."""

    def __init__(
        self,
        application: DampinganApplication,
        *,
        timeout: int,
        allowed_updates: list[str],
        as_sent: UpdatesRequest | None = None,
    ) -> None:
        self.app = application
        # The request getUpdates goes through, which keeps Telegram's JSON of each update
        # (stored as it is; without it, PTB's objects are turned back into dicts).
        self.as_sent = as_sent
        self.timeout = timeout
        self.allowed_updates = allowed_updates
        self._offset: int | None = None
        self._task: asyncio.Task[None] | None = None
        # Chats told during the current database outage that their message will wait.
        self._told: set[int] = set()

    async def start(self) -> None:
        """Queues what the last run left unhandled, then polls in the background."""
        await self._recover()
        self._task = asyncio.create_task(self._loop(), name="dampingan.poller")

    async def stop(self) -> None:
        """Stops polling and confirms the batches already stored (so they are not sent again)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._offset is not None:
            with contextlib.suppress(TelegramError):
                await self.app.bot.get_updates(offset=self._offset, timeout=0, limit=1)
        with contextlib.suppress(SQLAlchemyError):
            await self.write_lazy_marks()

    async def write_lazy_marks(self) -> None:
        """Writes the inbox marks of updates whose handlers recorded them in their own
        rows (core/context.py): in one statement, between two getUpdates calls."""
        marks = sorted(self.app.lazy_marks)
        if not marks:
            return
        async with self.app.sessionmaker() as session:
            await inbox.mark_many(session, marks, self.app.clock.now())
            await session.commit()
        self.app.lazy_marks.difference_update(marks)

    async def _recover(self) -> None:
        async with self.app.sessionmaker() as session:
            overtaken = await inbox.mark_overtaken(session, self.app.clock.now())
            await session.commit()
            rows = await inbox.unhandled(session)
        if overtaken:
            _LOG.info("%d update(s) of the previous run were handled already", overtaken)
        for row in rows:
            update = Update.de_json(row.payload, self.app.bot)
            if update is not None:
                await self.app.update_queue.put(update)
        if rows:
            _LOG.info("handling %d update(s) stored by the previous run", len(rows))

    async def _loop(self) -> None:
        failures = 0
        while True:
            try:
                batch = await self.app.bot.get_updates(
                    offset=self._offset,
                    timeout=self.timeout,
                    allowed_updates=self.allowed_updates,
                    read_timeout=self.timeout + 10,
                )
            except RetryAfter as exc:
                await asyncio.sleep(_seconds(exc.retry_after))
                continue
            except (NetworkError, Conflict) as exc:
                # Telegram unreachable, or another process polls the same token.
                delay = _POLL_BACKOFF[min(failures, len(_POLL_BACKOFF) - 1)]
                failures += 1
                _LOG.warning("getUpdates failed (%s); again in %s s", exc, delay)
                await asyncio.sleep(delay)
                continue
            failures = 0
            if batch:
                await self._take(batch)
            elif self.app.lazy_marks:
                with contextlib.suppress(SQLAlchemyError):
                    await self.write_lazy_marks()

    async def _take(self, batch: Sequence[Update]) -> None:
        self.app.in_hand += len(batch)
        try:
            new = await self._store(batch)
            for update in batch:
                if update.update_id in new:
                    await self.app.update_queue.put(update)
                else:
                    _LOG.info("update %s delivered again: already stored", update.update_id)
            self._offset = batch[-1].update_id + 1
        finally:
            self.app.in_hand -= len(batch)

    async def _store(self, batch: Sequence[Update]) -> set[int]:
        """Writes the batch to the inbox, waiting out a database outage (Telegram keeps the
        updates meanwhile, since they are not confirmed)."""
        as_sent = self.as_sent.take_updates() if self.as_sent is not None else {}
        rows = [
            (
                update.update_id,
                update.effective_chat.id if update.effective_chat else None,
                as_sent.get(update.update_id) or update.to_dict(),
            )
            for update in batch
        ]
        attempt = 0
        while True:
            try:
                marks = sorted(self.app.lazy_marks)
                async with self.app.sessionmaker() as session:
                    new = await inbox.store(session, rows, self.app.clock.now())
                    await inbox.mark_many(session, marks, self.app.clock.now())
                    await session.commit()
                self.app.lazy_marks.difference_update(marks)
                self._told.clear()
                return new
            except SQLAlchemyError as error:
                if not database_unavailable(error):
                    raise
                delay = RETRY_DELAYS[min(attempt, len(RETRY_DELAYS) - 1)]
                attempt += 1
                _LOG.warning("cannot store updates (%s); again in %s s", error, delay)
                if attempt > 1:
                    # Not at the first failure: that is usually a pooled connection that
                    # died while idle, mended by the next try (see handlers/errors.py).
                    await self._tell_to_wait(batch)
                await asyncio.sleep(delay)

    async def _tell_to_wait(self, batch: Sequence[Update]) -> None:
        """Tells each person once per outage that their message waits (it does: Telegram
        keeps it until it is stored)."""
        for update in batch:
            chat, user = update.effective_chat, update.effective_user
            if chat is None or chat.type != "private" or chat.id in self._told:
                continue
            self._told.add(chat.id)
            lang = pick_language(user.language_code if user else None, self.app.settings.language)
            with contextlib.suppress(TelegramError):
                await self.app.bot.send_message(
                    chat.id, self.app.translator(lang, "error-database-wait")
                )


def _seconds(value: object) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(str(value))
