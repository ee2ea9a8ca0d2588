"""PostgreSQL goes away for ten seconds while people are in the form: they are told once
that their message waits, the bot reconnects by itself, and no answer is lost.

The database is reached through a TCP proxy that the test cuts and restores, so the shared
PostgreSQL server itself keeps running for the other tests.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.demo import load_demo_data
from core.settings import Settings
from sandbox import Sandbox
from tests.conftest import API_JSON, PG_SERVER_URL
from tests.e2e.conftest import ADMIN_ID, TOKEN, Database, Harness, _start, _stop
from tests.e2e.factories import add_staff, all_photos, draft_activities, jpeg
from tests.e2e.flows import STAFF, answer, buttons, fill_until_photos, press
from tests.e2e.tcp_proxy import TcpProxy

pytestmark = pytest.mark.skipif(
    not PG_SERVER_URL,
    reason="needs PostgreSQL: set DAMPINGAN_TEST_DATABASE_URL (.ci/run does)",
)
OUTAGE_SECONDS = 10
WAIT_NOTICE = "tidak dapat dihubungi"


@pytest.fixture
async def proxied(db_url: str, tmp_path: Path) -> AsyncIterator[tuple[Harness, TcpProxy]]:
    """The usual harness, with the bot's database connections going through a proxy."""
    await load_demo_data(db_url)
    target = make_url(db_url)
    async with TcpProxy(target.host or "127.0.0.1", target.port or 5432) as proxy:
        through = target.set(host="127.0.0.1", port=proxy.port)
        async with Sandbox(token=TOKEN, spec_path=API_JSON, strict=True) as sandbox:
            settings = Settings(
                _env_file=None,
                TELEGRAM_BOT_TOKEN=TOKEN,
                TELEGRAM_API_URL=sandbox.url,
                DATABASE_URL=through.render_as_string(hide_password=False),
                DAMPINGAN_DATA_DIR=tmp_path / "data",
                DAMPINGAN_ADMIN_IDS=str(ADMIN_ID),
                DAMPINGAN_SCHEDULED_JOBS=False,
                DAMPINGAN_CHAT_SEND_RATE=50,
            )
            h = Harness(sandbox, await _start(settings), settings, db_url)
            sandbox.add_busy_probe(lambda: h.app.busy)
            try:
                yield h, proxy
            finally:
                proxy.restore()
                await _stop(h.app)
            assert sandbox.errors == []


async def test_postgresql_away_for_ten_seconds_mid_form(
    proxied: tuple[Harness, TcpProxy], db_url: str
) -> None:
    h, proxy = proxied
    database = Database(db_url)
    await add_staff(database, STAFF)
    await add_staff(database, 2002)
    typist, photographer = h.user(STAFF, "Budi"), h.user(2002, "Sari")
    ask_date = await press(h.sandbox, typist, await answer(typist, "/lapor"), "Majalangu")
    ask_strategy = await press(h.sandbox, typist, ask_date, buttons(ask_date)[0])
    ask_activity = await press(
        h.sandbox, typist, ask_strategy, "1. Pengurangan beban pengeluaran masyarakat"
    )
    await press(h.sandbox, typist, ask_activity, "PBI JKN (iuran BPJS Kesehatan)")
    await fill_until_photos(h.sandbox, photographer)

    # A photo is being handled (its download is slow) when the database goes away: its
    # commit fails, and it is tried again later. An answer typed meanwhile cannot even be
    # stored: Telegram keeps it until it is.
    h.sandbox.slow_downloads(1.0)
    await photographer.send_photo(jpeg(seed=5))
    await asyncio.sleep(0.3)  # the photo's download has started
    proxy.cut()
    await typist.send_text("12")
    told_photographer = await photographer.wait_for(lambda m: WAIT_NOTICE in str(m.get("text")))
    told_typist = await typist.wait_for(lambda m: WAIT_NOTICE in str(m.get("text")))
    assert told_photographer and told_typist
    await asyncio.sleep(OUTAGE_SECONDS)
    h.sandbox.slow_downloads(0)
    proxy.restore()

    people_question = await typist.wait_for(
        lambda m: "orang/jiwa" in str(m.get("text")), timeout=40
    )
    assert people_question
    await photographer.wait_for(lambda m: "1 foto diterima" in str(m.get("text")), timeout=40)
    # Each was told once, not once per retry.
    for person in (typist, photographer):
        assert sum(WAIT_NOTICE in str(m.get("text")) for m in person.inbox) == 1
    ask_description = await answer(typist, "40")
    assert "Uraikan" in ask_description["text"]
    async with database.db() as session:
        activities = await draft_activities(session)
        # Both filled in 12 households and 40 people (the photographer before the outage).
        assert sorted((a.households, a.people) for a in activities) == [(12, 40), (12, 40)]
        assert len(await all_photos(session)) == 1


async def test_connections_that_died_while_idle_are_replaced_without_a_warning(
    proxied: tuple[Harness, TcpProxy], db_url: str
) -> None:
    """PostgreSQL restarted between two answers: every pooled connection is dead, and there
    is no ping before a connection is used (models/db.py). The first statement fails, the
    pool is recycled, and the answer is handled on the quick second try, unannounced."""
    h, proxy = proxied
    database = Database(db_url)
    await add_staff(database, STAFF)
    typist = h.user(STAFF, "Budi")
    ask_date = await press(h.sandbox, typist, await answer(typist, "/lapor"), "Majalangu")
    assert proxy.open_connections > 0
    proxy.cut()  # drops every open connection, as a restarted server does
    proxy.restore()
    ask_strategy = await press(h.sandbox, typist, ask_date, buttons(ask_date)[0])
    assert "strategi" in str(ask_strategy.get("text")).lower()
    assert not any(WAIT_NOTICE in str(m.get("text")) for m in typist.inbox)
