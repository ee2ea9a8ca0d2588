"""Engines and session factories. Handlers never build these: `bot/` and the CLI do."""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Sequence
from typing import Any, cast

import aiosqlite
from sqlalchemy import event
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
)
from sqlalchemy.engine import URL, Dialect, Engine, make_url
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


class _CursorState:
    """What SQLAlchemy reads of a cursor after a statement, filled in by `_OneHopCursor`."""

    arraysize = 1

    def __init__(self) -> None:
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None

    def close(self) -> None:
        pass  # the SQLite cursor was closed in aiosqlite's thread, with the statement


def _run_statement(
    connection: Any, operation: Any, parameters: Any, many: bool
) -> tuple[Any, list[Any] | None, int, int | None]:
    # In aiosqlite's thread: a statement's cursor, its execution, its rows and the cursor's
    # close in one go, where SQLAlchemy's adapter makes each a round trip of its own.
    cursor = connection._conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else None
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class _OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """SQLAlchemy's aiosqlite cursor, one trip to aiosqlite's thread per statement.

    The stock adapter opens a cursor, executes, fetches the rows and closes the cursor in
    four trips between the event loop and the connection's thread: each a queue hand-off,
    a wake-up of the loop and a switch of the GIL, which cost more CPU than SQLite's own
    work on the bot's small statements. Same statements, same connection and transaction,
    same rows; only the trips are fewer."""

    __slots__ = ()
    # `close` is synchronous here: nothing is left to close in the thread.
    _awaitable_cursor_close = False

    def _make_new_cursor(self, connection: Any) -> Any:
        return _CursorState()

    def _aenter_cursor(self, cursor: Any) -> Any:
        return cursor

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        return await self._run(operation, parameters, many=False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
        return await self._run(operation, seq_of_parameters, many=True)

    async def _run(self, operation: Any, parameters: Any, *, many: bool) -> None:
        async with self._adapt_connection._execute_mutex:
            connection: Any = self._connection
            state = cast(_CursorState, self._cursor)
            (
                state.description,
                rows,
                state.rowcount,
                state.lastrowid,
            ) = await connection._execute(_run_statement, connection, operation, parameters, many)
            if rows is not None:
                self._rows = collections.deque(rows)


class _OneHopConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = _OneHopCursor

    def _idle(self) -> bool:
        # sqlite3 reads this flag without a thread check, and nothing runs on the connection
        # between SQLAlchemy's calls; its own commit and rollback do nothing when it is False.
        connection = self._connection._connection
        return connection is not None and not connection.in_transaction

    def rollback(self) -> None:
        # The pool "resets" every connection it gets back, also after a commit, and a
        # transaction that only read never began in SQLite (sqlite3 begins before a write):
        # no trip to the thread for what sqlite3 would not do.
        if not self._idle():
            super().rollback()

    def commit(self) -> None:
        if not self._idle():
            super().commit()


def _one_hop_connect(
    dialect: Dialect, _record: Any, cargs: tuple[Any, ...], cparams: dict[str, Any]
) -> _OneHopConnection:
    # The dialect's own connect (aiosqlite's thread made a daemon), then its connection
    # adapter swapped for the one whose cursors make one trip per statement.
    adapted = dialect.loaded_dbapi.connect(*cargs, **cparams)
    return _OneHopConnection(adapted.dbapi, adapted._connection)


# The adapter hooks `_OneHopCursor` overrides are those of SQLAlchemy 2.1's shared asyncio
# connector; with a SQLAlchemy (or aiosqlite) without them the stock adapter is kept.
_ONE_HOP = all(
    hasattr(AsyncAdapt_aiosqlite_cursor, name)
    for name in ("_make_new_cursor", "_aenter_cursor", "_execute_async", "_executemany_async")
) and hasattr(aiosqlite.Connection, "_execute")


# Every update in flight and every delivery in flight may hold a connection while it waits
# for Telegram; core/concurrency.py and services/delivery.py cap both so that together they
# stay below this (a PostgreSQL server allows 100 by default).
POOL_SIZE, POOL_OVERFLOW = 10, 50
MAX_CONNECTIONS = POOL_SIZE + POOL_OVERFLOW
UPDATES_IN_FLIGHT = 32
DELIVERIES_IN_FLIGHT = 24


def make_engine(url: str) -> AsyncEngine:
    target = async_url(url)
    engine = create_async_engine(
        target,
        pool_pre_ping=target.get_backend_name() != "sqlite",
        pool_size=POOL_SIZE,
        max_overflow=POOL_OVERFLOW,
    )
    if target.get_backend_name() == "sqlite":
        if _ONE_HOP:
            event.listen(engine.sync_engine, "do_connect", _one_hop_connect)
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
