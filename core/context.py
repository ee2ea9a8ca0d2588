"""The typed callback context and the one place where a database session is opened.

`DampinganApplication.process_update` opens an `UpdateScope` around every update; the
session inside it is created on first use and closed (rolled back if uncommitted) when
the update is done. Handlers reach it as `context.session` and never build their own.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session
from telegram import Update
from telegram.ext import Application, CallbackContext, ExtBot

from core import clock
from core.i18n import Raw, Translator
from core.settings import Settings
from models.updates import mark_processed, was_processed

if TYPE_CHECKING:
    from models.users import User
    from services.photos import PhotoStore


@dataclass
class UpdateScope:
    """Per-update state: the database session and the person behind the update."""

    sessionmaker: async_sessionmaker[AsyncSession]
    _session: AsyncSession | None = None
    user: User | None = None
    language: str | None = None
    # The update being handled: recorded as processed with the handler's first commit.
    update_id: int | None = None
    _marked: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            self._session = self.sessionmaker()
            if self.update_id is not None:
                sync = self._session.sync_session
                event.listen(sync, "before_commit", self._mark)
                event.listen(sync, "after_soft_rollback", self._unmark)
        return self._session

    def _mark(self, session: Session) -> None:
        # Added at commit time rather than at the start, so that a handler which only
        # reads never opens a write transaction (SQLite holds one writer at a time).
        if not self._marked and self.update_id is not None:
            mark_processed(session, self.update_id)  # type: ignore[arg-type]
            self._marked = True

    def _unmark(self, session: Session, previous_transaction: object) -> None:
        self._marked = False

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


_LOG = logging.getLogger(__name__)
_SCOPE: ContextVar[UpdateScope | None] = ContextVar("dampingan_update_scope", default=None)


class DampinganApplication(Application[Any, Any, Any, Any, Any, Any]):
    """PTB's Application plus the objects every handler needs and the per-update scope."""

    settings: Settings
    sessionmaker: async_sessionmaker[AsyncSession]
    translator: Translator
    photo_store: PhotoStore

    @property
    def busy(self) -> bool:
        """Whether updates fetched from Telegram are still queued or being handled."""
        processor_busy = bool(getattr(self.update_processor, "busy", False))
        return processor_busy or not self.update_queue.empty()

    @property
    def clock(self) -> clock.Clock:
        """The clock every handler and job reads "now" from (tests move it)."""
        return clock.current()

    async def process_update(self, update: object) -> None:
        update_id = update.update_id if isinstance(update, Update) else None
        async with self.scope(update_id) as scope:
            if update_id is not None and await was_processed(scope.session, update_id):
                # Redelivered after a crash: it was handled and committed already.
                _LOG.info("skipping update %s: already processed", update_id)
                return
            await scope.session.rollback()  # end the read transaction before handlers run
            await super().process_update(update)

    def scope(self, update_id: int | None = None) -> _ScopeManager:
        """Opens a scope for an update or a job run (jobs get one session per run too)."""
        return _ScopeManager(self.sessionmaker, update_id)


class _ScopeManager:
    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], update_id: int | None
    ) -> None:
        self._scope = UpdateScope(sessionmaker, update_id=update_id)

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
