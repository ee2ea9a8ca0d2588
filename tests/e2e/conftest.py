"""End-to-end harness: the real Application, over real HTTP, against the sandbox Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import build_application, start_polling, stop_polling
from bot.demo import load_demo_data
from core.context import DampinganApplication
from core.settings import Settings
from models.db import make_engine, make_sessionmaker
from sandbox import Sandbox, SandboxUser
from tests.conftest import API_JSON

TOKEN = "123456789:TEST-token-for-the-sandbox"
ADMIN_ID = 1001


class HasDatabase(Protocol):
    def db(self) -> AbstractAsyncContextManager[AsyncSession]: ...


@dataclass
class Database:
    """Sessions on the test database, for setting up and checking what the bot stored."""

    db_url: str

    @asynccontextmanager
    async def db(self) -> AsyncIterator[AsyncSession]:
        engine = make_engine(self.db_url)
        try:
            async with make_sessionmaker(engine)() as session:
                yield session
        finally:
            await engine.dispose()


@dataclass
class Harness:
    sandbox: Sandbox
    app: DampinganApplication
    settings: Settings
    db_url: str

    def user(
        self, user_id: int, first_name: str = "Test", language_code: str = "id"
    ) -> SandboxUser:
        return self.sandbox.user(user_id, first_name, language_code=language_code)

    def db(self) -> AbstractAsyncContextManager[AsyncSession]:
        """A separate session for assertions on what the bot stored."""
        return Database(self.db_url).db()

    async def restart(self) -> None:
        """Stops the application and starts a new one on the same database and sandbox."""
        await _stop(self.app)
        self.app = await _start(self.settings)


async def _start(settings: Settings) -> DampinganApplication:
    app = build_application(settings)
    await start_polling(app, poll_timeout=1)
    return app


async def _stop(app: DampinganApplication) -> None:
    await stop_polling(app)


@pytest.fixture
async def harness(db_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    """Sandbox + bot on a migrated database holding the demo data set; admin id 1001."""
    await load_demo_data(db_url)
    spec = API_JSON if API_JSON.exists() else None
    async with Sandbox(token=TOKEN, spec_path=spec, strict=True) as sandbox:
        settings = Settings(
            _env_file=None,
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_URL=sandbox.url,
            DATABASE_URL=db_url,
            DAMPINGAN_DATA_DIR=tmp_path / "data",
            DAMPINGAN_ADMIN_IDS=str(ADMIN_ID),
            # Weekly jobs are driven by the tests with a chosen clock, not by the wall clock.
            DAMPINGAN_SCHEDULED_JOBS=False,
            DAMPINGAN_CHAT_SEND_RATE=50,
        )
        app = await _start(settings)
        h = Harness(sandbox, app, settings, db_url)
        # settle() waits for the bot to finish what it fetched, not only for a quiet spell.
        sandbox.add_busy_probe(lambda: h.app.busy)
        try:
            yield h
        finally:
            await _stop(h.app)
        assert sandbox.errors == [], f"the bot sent what Telegram would refuse: {sandbox.errors}"
