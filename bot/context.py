"""The typed callback context and the one place where a database session is opened.

`DampinganApplication.process_update` opens an `UpdateScope` around every update; the
session inside it is created on first use and closed (rolled back if uncommitted) when
the update is done. Handlers reach it as `context.session` and never build their own.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import Application, CallbackContext, ExtBot

from bot.i18n import Raw, Translator
from bot.settings import Settings

if TYPE_CHECKING:
    from models.users import User


@dataclass
class UpdateScope:
    """Per-update state: the database session and the person behind the update."""

    sessionmaker: async_sessionmaker[AsyncSession]
    _session: AsyncSession | None = None
    user: User | None = None
    language: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            self._session = self.sessionmaker()
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


_SCOPE: ContextVar[UpdateScope | None] = ContextVar("dampingan_update_scope", default=None)


class DampinganApplication(Application[Any, Any, Any, Any, Any, Any]):
    """PTB's Application plus the objects every handler needs and the per-update scope."""

    settings: Settings
    sessionmaker: async_sessionmaker[AsyncSession]
    translator: Translator

    async def process_update(self, update: object) -> None:
        async with self.scope():
            await super().process_update(update)

    def scope(self) -> _ScopeManager:
        """Opens a scope for an update or a job run (jobs get one session per run too)."""
        return _ScopeManager(self.sessionmaker)


class _ScopeManager:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._scope = UpdateScope(sessionmaker)

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
