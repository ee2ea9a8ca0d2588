"""Shared fixtures: a fresh migrated database per test, on SQLite or PostgreSQL.

`DAMPINGAN_TEST_DATABASE_URL` (a postgresql:// URL of a server, any database) switches the
whole suite to PostgreSQL; each test then gets its own throwaway database on that server.
Without it every test gets a SQLite file under its tmp_path.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

import migrations
from core import clock as clocks
from core.clock import Clock
from models.db import make_engine, make_sessionmaker

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SHARED_DATA = SHARED / "data"
API_JSON = SHARED / "telegram-bot-api" / "api.json"
PG_SERVER_URL = os.environ.get("DAMPINGAN_TEST_DATABASE_URL")
JAKARTA = ZoneInfo("Asia/Jakarta")
# Every test starts at this moment unless it moves the clock itself: an ordinary Wednesday,
# no holiday near it. Nothing may depend on the day the suite happens to run.
TEST_NOW = datetime(2026, 11, 25, 10, 0, tzinfo=JAKARTA)


@pytest.fixture(autouse=True)
def clock() -> Clock:
    """The process's clock, set to TEST_NOW (and ticking on from there) for this test."""
    return clocks.install(Clock(TEST_NOW))


def shared_file(path: Path) -> Path:
    """Returns a file from ../shared, or skips the test saying what is missing."""
    if not path.exists():
        pytest.skip(f"{path} is absent: this test needs the project's shared data folder")
    return path


def _pg_admin(url: str) -> object:
    import psycopg

    parsed = make_url(url)
    return psycopg.connect(
        host=parsed.host or "127.0.0.1",
        port=parsed.port or 5432,
        user=parsed.username or "postgres",
        password=parsed.password,
        dbname="postgres",
        autocommit=True,
    )


@pytest.fixture
def empty_db_url(tmp_path: Path) -> Iterator[str]:
    """URL of a new, empty database (no tables)."""
    if not PG_SERVER_URL:
        yield f"sqlite:///{tmp_path / 'test.sqlite3'}"
        return
    name = f"dampingan_t_{uuid.uuid4().hex[:12]}"
    with _pg_admin(PG_SERVER_URL) as conn:  # type: ignore[attr-defined]
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(PG_SERVER_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with _pg_admin(PG_SERVER_URL) as conn:  # type: ignore[attr-defined]
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def db_url(empty_db_url: str) -> str:
    """URL of a new database migrated to the newest revision."""
    migrations.upgrade(empty_db_url)
    return empty_db_url


@pytest.fixture
async def session(db_url: str) -> AsyncIterator[AsyncSession]:
    engine = make_engine(db_url)
    try:
        async with make_sessionmaker(engine)() as s:
            yield s
    finally:
        await engine.dispose()
