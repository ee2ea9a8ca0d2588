"""Engines and session factories. Handlers never build these: `bot/` and the CLI do."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from models import sqlite_inline


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
    # In WAL mode NORMAL syncs the log at checkpoints only, not at every commit: a commit
    # survives the bot being killed (the log is in the operating system's hands), and only
    # a power cut or an operating-system crash can undo the last commits (SQLite's own
    # advice for WAL). The write lock is then not held across an fsync per answer.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA foreign_keys=ON")
    # Each pooled connection keeps its own page cache (2 MiB by default), and up to
    # MAX_CONNECTIONS are open under load: 256 KiB each. In WAL mode a connection's cache
    # is dropped anyway whenever another connection has written since its last read, and
    # the pages are then read again from the operating system's cache.
    cursor.execute("PRAGMA cache_size=-256")
    cursor.close()


# Every update in flight and every delivery in flight may hold a connection while it waits
# for Telegram; core/concurrency.py and services/delivery.py cap both so that together they
# stay below this (a PostgreSQL server allows 100 by default).
POOL_SIZE, POOL_OVERFLOW = 10, 50
MAX_CONNECTIONS = POOL_SIZE + POOL_OVERFLOW
UPDATES_IN_FLIGHT = 32
DELIVERIES_IN_FLIGHT = 24


def make_engine(url: str) -> AsyncEngine:
    target = async_url(url)
    if target.get_backend_name() != "sqlite":
        # Connections for every update in flight stay open between bursts: an overflow
        # connection is closed when returned, and opening one (with its prepared
        # statements) cost more than the update it served. No pre-ping: it was one more
        # round trip to the server for every update; a connection that died meanwhile
        # fails one statement instead, SQLAlchemy then recycles the whole pool, and the
        # update is handled again (tests/e2e/test_database_outage.py). Recycling after
        # half an hour keeps connections from outliving an idle-connection timeout of a
        # firewall in between.
        return create_async_engine(
            target,
            pool_pre_ping=False,
            pool_recycle=1800,
            pool_size=UPDATES_IN_FLIGHT,
            max_overflow=MAX_CONNECTIONS - UPDATES_IN_FLIGHT,
        )
    engine = create_async_engine(
        target,
        async_creator=sqlite_inline.connector(target),
        pool_size=POOL_SIZE,
        max_overflow=POOL_OVERFLOW,
    )
    event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def add_sqlite_pragmas(engine: Engine) -> None:
    if engine.url.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)


class _SQLiteSession(AsyncSession):
    """Writes one transaction at a time. SQLite has a single writer, and with an async
    driver a transaction's statements and its COMMIT are separate hops through the event
    loop: under load, the writer holding SQLite's lock waits for the loop while the others
    give up with "database is locked". Here a session takes an asyncio lock when it starts
    writing (flush, or an UPDATE/DELETE/INSERT statement) and gives it back when the
    transaction ends, so writers queue in asyncio and SQLite never has to make them wait.
    Autoflush is off (see make_sessionmaker): every write goes through these methods."""

    write_lock: asyncio.Lock
    _writing = False

    async def _start_writing(self) -> None:
        if not self._writing:
            await self.write_lock.acquire()
            self._writing = True

    def _stop_writing(self) -> None:
        if self._writing:
            self._writing = False
            self.write_lock.release()

    async def flush(self, objects: Sequence[Any] | None = None) -> None:
        await self._start_writing()
        await super().flush(objects)

    async def execute(self, statement: Any, *args: Any, **kwargs: Any) -> Any:
        if getattr(statement, "is_dml", False):
            await self._start_writing()
        return await super().execute(statement, *args, **kwargs)

    async def commit(self) -> None:
        await self._start_writing()
        try:
            await super().commit()
        finally:
            self._stop_writing()

    async def rollback(self) -> None:
        try:
            await super().rollback()
        finally:
            self._stop_writing()

    async def close(self) -> None:
        try:
            await super().close()
        finally:
            self._stop_writing()


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep objects usable after commit and write only when told to (no
    autoflush), the same on both databases."""
    if engine.dialect.name != "sqlite":
        return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
    # One lock per engine: engines are made inside the event loop that uses them.
    session_class = type("SQLiteSession", (_SQLiteSession,), {"write_lock": asyncio.Lock()})
    return async_sessionmaker(
        engine, expire_on_commit=False, autoflush=False, class_=session_class
    )


async def refresh_statistics(session: AsyncSession) -> None:
    """Planner statistics for SQLite, which keeps none unless ANALYZE runs (PostgreSQL's
    autovacuum keeps its own). Without them SQLite plans from the indexes alone: a week's
    digest then read a year's sent reports (bench/digest_build.py: all digests 0.8 s, with
    statistics 0.4 s; ANALYZE itself about 0.1 s on that year). ANALYZE writes, so it takes
    the write lock like any writer, and commits here: a connection reads the statistics
    when it opens and plans with those it has, so the pool's connections are then replaced
    (those in use as they are returned)."""
    if not isinstance(session, _SQLiteSession):
        return
    await session._start_writing()
    await session.execute(text("ANALYZE"))
    await session.commit()
    engine = session.bind
    assert isinstance(engine, AsyncEngine)
    await engine.dispose()
