"""Engines and session factories. Handlers never build these: `bot/` and the CLI do."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def _normalise(url: str) -> URL:
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    return make_url(url)


def sync_url(url: str) -> URL:
    """The URL for synchronous tools (Alembic): psycopg 3 for PostgreSQL, pysqlite for SQLite."""
    parsed = _normalise(url)
    if parsed.get_backend_name() == "postgresql":
        return parsed.set(drivername="postgresql+psycopg")
    return parsed.set(drivername="sqlite")


def async_url(url: str) -> URL:
    """The URL for the bot: psycopg 3 (async) or aiosqlite."""
    parsed = _normalise(url)
    if parsed.get_backend_name() == "postgresql":
        return parsed.set(drivername="postgresql+psycopg")
    return parsed.set(drivername="sqlite+aiosqlite")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the digest job read while a report is written; busy_timeout makes two
    # writers queue instead of failing with "database is locked".
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str) -> AsyncEngine:
    target = async_url(url)
    engine = create_async_engine(target, pool_pre_ping=target.get_backend_name() != "sqlite")
    if target.get_backend_name() == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def add_sqlite_pragmas(engine: Engine) -> None:
    if engine.url.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
