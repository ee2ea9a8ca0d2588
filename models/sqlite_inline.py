"""SQLite for the async engine without a thread per connection.

aiosqlite gives every connection its own thread and runs each call there: a statement
costs three or four round trips (cursor, execute, fetchall, close), each a queue put, a
thread wake-up and a future resolved through the event loop. For the bot's statements,
which SQLite answers in tens of microseconds from the page cache, those trips cost more
than the statements themselves (measured in bench/report_flow.py: see the README).

Here the same surface that SQLAlchemy's aiosqlite adapter calls (SQLAlchemy's
`AsyncIODBAPIConnection` protocol, given to `create_async_engine(async_creator=...)`) runs
each call directly on the event loop's thread: the coroutines finish without suspending.

Why blocking the loop is acceptable here: writers never wait inside SQLite, because the
session takes the process's asyncio write lock before its first write (models/db.py), so
SQLite's busy handler only runs when another process writes (the CLI, a restore), for as
long as that process's transaction lasts. Readers never wait in WAL mode. The one piece of
disk work left on the loop is SQLite's automatic checkpoint, which a commit runs once the
log has grown by about 4 MB: it syncs the database file, a pause of 6-8 ms measured here
(bench/sqlite_driver.py prints it), while with aiosqlite every writer waited for it anyway
behind the write lock. A long read (a digest's or an export's rows for a year) now holds
the loop for SQLite's part of it too; turning those rows into objects held it before as
well, and that part is the larger (bench/digest_build.py: a regency's digest 66 ms).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Coroutine, Iterable
from typing import Any

from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import URL


class InlineCursor:
    """aiosqlite's cursor calls, answered at once from a sqlite3 cursor."""

    __slots__ = ("_cursor",)

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Any = None) -> InlineCursor:
        if parameters is None:
            self._cursor.execute(sql)
        else:
            self._cursor.execute(sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> InlineCursor:
        self._cursor.executemany(sql, parameters)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(self._cursor.arraysize if size is None else size)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()


class InlineConnection:
    """aiosqlite's connection calls, answered at once from a sqlite3 connection."""

    __slots__ = ("_connection",)

    def __init__(self, connection: sqlite3.Connection) -> None:
        # SQLAlchemy's aiosqlite adapter reads `_connection` (aiosqlite's own name for the
        # sqlite3 connection) to tell an open connection from a closed one.
        self._connection: sqlite3.Connection | None = connection

    def _open(self) -> sqlite3.Connection:
        if self._connection is None:
            # The message aiosqlite gives, which the adapter turns into OperationalError.
            raise ValueError("no active connection")
        return self._connection

    @property
    def isolation_level(self) -> str | None:
        return self._open().isolation_level

    def cursor(self) -> InlineCursor:
        return InlineCursor(self._open().cursor())

    async def commit(self) -> None:
        self._open().commit()

    async def rollback(self) -> None:
        self._open().rollback()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._open().create_function(*args, **kwargs)

    async def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def stop(self) -> None:
        """What the adapter calls to terminate a connection it gave up on."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def connector(url: URL) -> Callable[[], Coroutine[Any, Any, InlineConnection]]:
    """The `async_creator` for an engine on this SQLite URL. The URL is read as SQLAlchemy
    reads it for sqlite3 (the path, `?timeout=`, `?uri=true` with `mode=ro` and the like),
    so the bot and the migrations open the same database the same way."""
    args, options = SQLiteDialect_pysqlite().create_connect_args(url)
    (database,) = args
    # check_same_thread off: the pool may close a connection from a garbage collector's
    # finaliser on another thread; every statement runs on the loop's.
    kwargs: dict[str, Any] = {**options, "check_same_thread": False}

    async def connect() -> InlineConnection:
        return InlineConnection(sqlite3.connect(database, **kwargs))

    return connect
