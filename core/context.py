"""The typed callback context and the one place where a database session is opened.

`DampinganApplication.process_update` opens an `UpdateScope` around every update; the
session inside it is created on first use and closed (rolled back if uncommitted) when
the update is done. Handlers reach it as `context.session` and never build their own.

The update is marked handled in the update inbox (models/updates.py) by the handler's
first commit, in the same transaction as what the handler wrote: "handled" and "written"
cannot disagree, and a handler that finds its update already handled cannot commit at all.
An update that wrote nothing is marked on its own after the handlers ran.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session
from telegram import Update
from telegram.ext import Application, CallbackContext, ExtBot

from core import clock
from core.concurrency import PerChatUpdateProcessor
from core.i18n import Raw, Translator
from core.settings import Settings

if TYPE_CHECKING:
    from models.schedules import ScheduleKind
    from models.users import User
    from services.photos import PhotoStore

# Marks an update handled inside the given (sync) session's transaction; False when it was
# handled already. Provided by the wiring (models.updates.mark_handled): this layer does
# not import the models.
UpdateMarker = Callable[[Session, int, datetime], bool]


class UpdateAlreadyHandled(Exception):
    """Raised from a commit whose update was handled before: nothing of it is written."""


@dataclass
class UpdateScope:
    """Per-update state: the database session and the person behind the update."""

    sessionmaker: async_sessionmaker[AsyncSession]
    _session: AsyncSession | None = None
    user: User | None = None
    language: str | None = None
    # The update being handled, marked handled with the handler's first commit.
    update_id: int | None = None
    marker: UpdateMarker | None = None
    # How many times this update was tried before (after the database was unreachable).
    attempt: int = 0
    # Set when a handler of this update met an unreachable database: it is tried again.
    database_unavailable: bool = False
    _mark_pending: bool = False
    handled: bool = False
    # Set by a handler whose commit itself records the update as handled (the form's draft
    # keeps the id of the last update it took; a sent report, that of the press that sent
    # it): the inbox mark is then written later, in a batch (`lazy_marks`, flushed by the
    # poller), sparing a statement per answer.
    lazy_mark: bool = False
    lazy_marks: set[int] | None = None
    # The person's unfinished report, read with the person by the gate (handlers/access.py).
    draft: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            if self.update_id is not None and self.marker is not None:
                # The commit hooks (`_session_hook`) find the scope in the session's info:
                # listeners on each new session cost more than the rest of opening it.
                self._session = self.sessionmaker(info={_SCOPE_INFO: self})
            else:
                self._session = self.sessionmaker()
        return self._session

    def _mark(self, session: Session) -> None:
        # At commit time rather than at the start, so that a handler which only reads never
        # opens a write transaction (SQLite holds one writer at a time).
        if self.handled or self._mark_pending:
            return
        assert self.update_id is not None and self.marker is not None
        if self.lazy_mark and self.lazy_marks is not None:
            self._mark_pending = True
            return
        if not self.marker(session, self.update_id, clock.now()):
            raise UpdateAlreadyHandled(self.update_id)
        self._mark_pending = True

    def _marked(self, session: Session) -> None:
        if self._mark_pending:
            self.handled, self._mark_pending = True, False
            if self.lazy_mark and self.lazy_marks is not None:
                assert self.update_id is not None
                self.lazy_marks.add(self.update_id)

    def _unmarked(self, session: Session) -> None:
        self._mark_pending = self.lazy_mark = False

    async def mark_handled(self) -> None:
        """Marks the update handled in a transaction of its own (the handlers wrote nothing,
        or failed after telling the person)."""
        if self.handled or self.update_id is None or self.marker is None:
            return
        session = self.session
        await session.rollback()  # whatever a failed handler left half done
        try:
            await session.connection()
            await session.commit()  # the commit hook writes the mark
        except UpdateAlreadyHandled:
            await session.rollback()
            self.handled = True

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session.info.pop(_SCOPE_INFO, None)
            self._session = None


# The key of the update scope in the info of the session it opened (see `_session_hook`).
_SCOPE_INFO = "dampingan_update_scope"


def _session_hook(method: Callable[[UpdateScope, Session], None]) -> Callable[[Session], None]:
    def hook(session: Session) -> None:
        scope = session.info.get(_SCOPE_INFO)
        if scope is not None:
            method(scope, session)

    return hook


# Once for every session of the process; a session that no update scope opened for an update
# (a job's, a test's, a tool's) has no scope in its info and is left alone.
event.listen(Session, "before_commit", _session_hook(UpdateScope._mark))
event.listen(Session, "after_commit", _session_hook(UpdateScope._marked))
event.listen(Session, "after_rollback", _session_hook(UpdateScope._unmarked))


_LOG = logging.getLogger(__name__)
_SCOPE: ContextVar[UpdateScope | None] = ContextVar("dampingan_update_scope", default=None)


def database_unavailable(error: BaseException) -> bool:
    """Whether `error` says the database could not be reached (or SQLite was busy), as
    opposed to a bug: such an update is tried again once the database answers."""
    if isinstance(error, DBAPIError):
        return error.connection_invalidated or type(error).__name__ in (
            "OperationalError",
            "InterfaceError",
        )
    return isinstance(error, SQLAlchemyError) and type(error).__name__ == "TimeoutError"


# Waits between attempts of an update while the database is away, in seconds: quick at
# first (SQLite busy for a moment), then every 15 seconds, for about ten minutes. After that
# the update stays unhandled in the inbox and is handled at the next start.
RETRY_DELAYS = (0.5, 1, 2, 4, 8, *([15] * 39))


class DampinganApplication(Application[Any, Any, Any, Any, Any, Any]):
    """PTB's Application plus the objects every handler needs and the per-update scope."""

    settings: Settings
    sessionmaker: async_sessionmaker[AsyncSession]
    translator: Translator
    photo_store: PhotoStore
    update_marker: UpdateMarker | None = None
    # Applies a changed weekly schedule at once; None where this process runs no jobs
    # (DAMPINGAN_SCHEDULED_JOBS=false: the process that does picks the change up itself).
    on_schedule_changed: Callable[[ScheduleKind, int, time], None] | None = None
    # Fetched from Telegram and stored, not yet handed to the update queue (the poller).
    in_hand: int = 0
    # Updates handled whose inbox mark is still to be written (see UpdateScope.lazy_mark).
    lazy_marks: set[int]

    @property
    def busy(self) -> bool:
        """Whether updates fetched from Telegram are still queued or being handled."""
        processor = self.update_processor
        processor_busy = isinstance(processor, PerChatUpdateProcessor) and processor.busy
        return self.in_hand > 0 or processor_busy or not self.update_queue.empty()

    def backlog(self, chat_id: int) -> int:
        """Updates of `chat_id` waiting behind the one being handled."""
        processor = self.update_processor
        if isinstance(processor, PerChatUpdateProcessor):
            return processor.waiting_behind(chat_id)
        return 0

    def after_quiet(
        self, chat_id: int, seconds: float, answer: Callable[[], Awaitable[object]]
    ) -> bool:
        """Hands `answer` to the update processor, to be sent once `chat_id` has sent
        nothing more for `seconds` (see PerChatUpdateProcessor.after_quiet); False where
        the processor cannot, and the caller answers at once."""
        processor = self.update_processor
        if isinstance(processor, PerChatUpdateProcessor):
            processor.after_quiet(chat_id, seconds, answer)
            return True
        return False

    @property
    def clock(self) -> clock.Clock:
        """The clock every handler and job reads "now" from (tests move it)."""
        return clock.current()

    async def process_update(self, update: object) -> None:
        update_id = update.update_id if isinstance(update, Update) else None
        for attempt, delay in enumerate((*RETRY_DELAYS, None)):
            async with self.scope(update_id, attempt=attempt) as scope:
                await super().process_update(update)
                if not scope.database_unavailable:
                    await self._finish(scope)
                    return
            if delay is None or not self.running:
                break
            _LOG.warning("update %s: database unavailable; trying again in %s s", update_id, delay)
            await asyncio.sleep(delay)
        _LOG.error("update %s left unhandled in the inbox for the next start", update_id)

    async def _finish(self, scope: UpdateScope) -> None:
        """Marks an update that wrote nothing as handled; waits out a database outage."""
        for delay in (*RETRY_DELAYS, None):
            try:
                await scope.mark_handled()
                return
            except SQLAlchemyError as error:
                if delay is None or not database_unavailable(error) or not self.running:
                    _LOG.error("update %s could not be marked handled: %s", scope.update_id, error)
                    return
                await asyncio.sleep(delay)

    def scope(self, update_id: int | None = None, *, attempt: int = 0) -> _ScopeManager:
        """Opens a scope for an update or a job run (jobs get one session per run too)."""
        return _ScopeManager(
            UpdateScope(
                self.sessionmaker,
                update_id=update_id,
                marker=self.update_marker if update_id is not None else None,
                attempt=attempt,
                lazy_marks=self.lazy_marks if update_id is not None else None,
            )
        )


class _ScopeManager:
    def __init__(self, scope: UpdateScope) -> None:
        self._scope = scope

    async def __aenter__(self) -> UpdateScope:
        self._token = _SCOPE.set(self._scope)
        return self._scope

    async def __aexit__(self, *exc: object) -> None:
        try:
            await self._scope.close()
        finally:
            _SCOPE.reset(self._token)


def current_scope() -> UpdateScope:
    scope = _SCOPE.get()
    if scope is None:
        raise RuntimeError("no update scope: database access outside an update or job")
    return scope


class AppContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """Callback context exposing settings, translations, the session and the current user."""

    @property
    def app(self) -> DampinganApplication:
        return self.application  # type: ignore[return-value]

    @property
    def settings(self) -> Settings:
        return self.app.settings

    @property
    def session(self) -> AsyncSession:
        return current_scope().session

    def now(self) -> datetime:
        """Now (aware, UTC) by the application's clock."""
        return self.app.clock.now()

    def today(self) -> date:
        """Today in the regency's time zone."""
        return self.app.clock.today(self.settings.tz)

    @property
    def user(self) -> User | None:
        return current_scope().user

    @property
    def lang(self) -> str:
        scope = current_scope()
        if scope.user is not None:
            return scope.user.language
        return scope.language or self.settings.language

    def t(self, key: str, **args: object) -> Raw:
        """The message `key` in the language of the person behind this update."""
        return self.app.translator(self.lang, key, **args)
