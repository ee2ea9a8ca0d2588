"""The bot's PostgreSQL engine fails the way the update scope expects: a database that
cannot be reached is an OperationalError, which the scope waits out; a bug is not. (Not
every driver does: asyncpg lets a refused socket through as Python's own error.)"""

from __future__ import annotations

import socket

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError

from core.context import database_unavailable
from models.db import make_engine
from tests.conftest import PG_SERVER_URL


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_a_refused_connection_is_an_operational_error() -> None:
    # libpq's parameters in the URL are the driver's to read (the migrations use it too).
    engine = make_engine(
        f"postgresql://postgres@127.0.0.1:{_closed_port()}/db?sslmode=disable&connect_timeout=3"
    )
    try:
        with pytest.raises(OperationalError) as raised:
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
    finally:
        await engine.dispose()
    assert database_unavailable(raised.value)


@pytest.mark.skipif(not PG_SERVER_URL, reason="needs PostgreSQL: DAMPINGAN_TEST_DATABASE_URL")
async def test_a_server_refusing_the_connection_is_an_operational_error_a_bad_query_not(
    db_url: str,
) -> None:
    engine = make_engine(f"{db_url}?sslmode=prefer&connect_timeout=5")
    try:
        async with engine.connect() as connection:
            with pytest.raises(DBAPIError) as bad_query:
                await connection.execute(text("SELECT no_such_column FROM app_user"))
        assert not database_unavailable(bad_query.value)
    finally:
        await engine.dispose()

    # The server answers, but refuses the connection (no such database): waited out like
    # any connection that fails, as a database restored under its old name comes back.
    missing = make_engine(db_url.rsplit("/", 1)[0] + "/dampingan_no_such_database")
    try:
        with pytest.raises(OperationalError) as refused:
            async with missing.connect():
                pass
    finally:
        await missing.dispose()
    assert database_unavailable(refused.value)
