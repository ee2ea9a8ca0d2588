"""`dampingan demo`: the real bot on the built-in Telegram sandbox, in a terminal chat.

Everything is local: SQLite under `<data dir>/demo`, the demo data set from `demo/`, and a
sandbox Bot API server on 127.0.0.1. No Telegram token is needed.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from pydantic import SecretStr

from core.settings import Settings

DEMO_DATA = Path(__file__).resolve().parent.parent / "demo"
DEMO_TOKEN = "100000001:DEMO-sandbox-token"
# Simulated Telegram accounts the person at the keyboard can act as (`/as NAME`).
ADMIN_ID = 1001
PERSONAS = {
    "admin": (ADMIN_ID, "Rina", "id"),
    "staff": (2001, "Budi", "id"),
    "coordinator": (3001, "Sari", "id"),
    "guest": (4001, "Guest", "en"),
}


async def run_demo(
    base: Settings,
    *,
    input_fn: Callable[[str], str] = input,
    output: TextIO = sys.stdout,
    media_dir: Path | None = None,
) -> int:
    """Prepares the demo database, starts sandbox and bot, and hands over to the terminal
    (the person at the keyboard, or a script: tests/test_demo.py walks the README's tour)."""
    from bot.app import build_application, start_polling, stop_polling
    from bot.cli import prepare_database
    from sandbox import Sandbox
    from sandbox.terminal import PersonaSpec, run_terminal

    data_dir = base.data_dir / "demo"
    settings = base.model_copy(
        update={"data_dir": data_dir, "database_url": None, "admin_ids": frozenset({ADMIN_ID})}
    )
    data_dir.mkdir(parents=True, exist_ok=True)
    # The terminal is the demo's screen; the bot's log goes to a file beside the database.
    logging.basicConfig(
        filename=data_dir / "bot.log",
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    prepare_database(settings)
    await load_demo_data(settings.database_url_or_default)

    # The demo database outlives a run and remembers processed update ids; like Telegram,
    # number the updates of each run past the previous run's.
    first_update = int(time.time())
    async with Sandbox(
        token=DEMO_TOKEN, bot_username="dampingan_demo_bot", first_update_id=first_update
    ) as sandbox:
        settings = settings.model_copy(
            # model_copy does not validate: give the field its real type.
            update={"telegram_bot_token": SecretStr(DEMO_TOKEN), "telegram_api_url": sandbox.url}
        )
        application = build_application(settings)
        await start_polling(application, poll_timeout=1)
        try:
            await run_terminal(
                sandbox,
                {
                    name: PersonaSpec(user_id, first_name, lang)
                    for name, (user_id, first_name, lang) in PERSONAS.items()
                },
                initial="admin",
                input_fn=input_fn,
                output=output,
                media_dir=media_dir,
            )
        finally:
            await stop_polling(application)
    return 0


async def load_demo_data(database_url: str) -> None:
    """Imports the demo regions, agencies, assignments and kecamatan outlines (idempotent)."""
    from models.db import make_engine, make_sessionmaker
    from services.imports import ImportKind, import_file

    files: tuple[tuple[ImportKind, str], ...] = (
        ("regions", "regions.csv"),
        ("agencies", "agencies.csv"),
        ("assignments", "assignments.csv"),
        # After the regions: outlines are matched to kecamatan by code.
        ("boundaries", "boundaries.geojson"),
    )
    engine = make_engine(database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            for kind, name in files:
                await import_file(session, kind, DEMO_DATA / name)
                await session.commit()
    finally:
        await engine.dispose()
