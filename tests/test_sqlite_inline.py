"""The bot's SQLite engine: statements run on the event loop's thread (no thread per
connection), behave as SQLAlchemy's aiosqlite engine does for transactions and errors, and
wait for another process's write instead of failing."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError, OperationalError

from models.db import make_engine


async def test_statements_run_on_the_loops_thread_without_starting_threads(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")

    def register(dbapi_connection: object, _record: object) -> None:
        # thread_id() in SQL answers the thread that runs the statement.
        dbapi_connection.create_function("thread_id", 0, threading.get_ident)  # type: ignore[attr-defined]

    event.listen(engine.sync_engine, "connect", register)
    threads_before = set(threading.enumerate())
    try:
        async with engine.connect() as connection:
            ran_on = (await connection.execute(text("SELECT thread_id()"))).scalar_one()
            mode = (await connection.execute(text("PRAGMA journal_mode"))).scalar_one()
        assert ran_on == threading.get_ident()
        # The pragmas of models/db.py are applied to these connections too.
        assert mode == "wal"
        assert set(threading.enumerate()) == threads_before
    finally:
        await engine.dispose()


async def test_commit_rollback_and_errors_as_with_any_driver(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"))
            await connection.execute(text("INSERT INTO t VALUES (1, 'kept')"))
        async with engine.connect() as connection:
            await connection.execute(text("INSERT INTO t VALUES (2, 'rolled back')"))
            await connection.rollback()
            with pytest.raises(IntegrityError):
                await connection.execute(text("INSERT INTO t VALUES (1, 'twice')"))
            await connection.rollback()
            with pytest.raises(OperationalError, match="no such table"):
                await connection.execute(text("SELECT * FROM missing"))
        async with engine.connect() as connection:
            rows = (await connection.execute(text("SELECT id, v FROM t"))).all()
            many = await connection.execute(
                text("INSERT INTO t VALUES (:id, :v)"), [{"id": 3, "v": "a"}, {"id": 4, "v": "b"}]
            )
            assert many.rowcount == 2
            # A connection dropped by the pool (as after an error it cannot recover from)
            # is closed, and the next checkout opens a new one.
            await connection.invalidate()
        assert rows == [(1, "kept")]
        async with engine.connect() as connection:
            count = (await connection.execute(text("SELECT count(*) FROM t"))).scalar_one()
        assert count == 1
    finally:
        await engine.dispose()


async def test_a_write_waits_for_another_process_and_then_succeeds(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY)"))
        # Another writer (the CLI, say) holds SQLite's write lock for a while.
        other = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO t VALUES (1)")
        released = threading.Event()

        def release() -> None:
            time.sleep(0.3)
            other.execute("COMMIT")
            released.set()

        thread = threading.Thread(target=release)
        thread.start()
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO t VALUES (2)"))
        thread.join()
        other.close()
        # The busy handler waited for the other commit instead of failing.
        assert released.is_set()
        async with engine.connect() as connection:
            ids = (await connection.execute(text("SELECT id FROM t ORDER BY id"))).scalars().all()
        assert ids == [1, 2]
    finally:
        await engine.dispose()


async def test_the_urls_options_are_honoured_as_for_the_migrations(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    writable = make_engine(f"sqlite:///{path}")
    try:
        async with writable.begin() as connection:
            await connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY)"))
    finally:
        await writable.dispose()
    # `mode=ro` reaches sqlite3 (as a URI filename): reading works, writing is refused.
    read_only = make_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    try:
        async with read_only.connect() as connection:
            assert (await connection.execute(text("SELECT count(*) FROM t"))).scalar_one() == 0
            with pytest.raises(OperationalError, match="readonly"):
                await connection.execute(text("INSERT INTO t VALUES (1)"))
    finally:
        await read_only.dispose()
