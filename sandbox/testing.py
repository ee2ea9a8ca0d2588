"""Helpers for driving a python-telegram-bot Application against a Sandbox in tests and demos."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from telegram.ext import Application, ApplicationBuilder

from sandbox.server import Sandbox

__all__ = ["application_builder", "polling"]


def application_builder(sandbox: Sandbox) -> ApplicationBuilder:  # type: ignore[type-arg]
    """An ApplicationBuilder with the sandbox's token and URLs already set."""
    return (
        ApplicationBuilder()
        .token(sandbox.token)
        .base_url(f"{sandbox.url}/bot")
        .base_file_url(f"{sandbox.url}/file/bot")
    )


@asynccontextmanager
async def polling(
    app: Application[Any, Any, Any, Any, Any, Any],
) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    """Runs ``app`` with long polling for the duration of the block.

    The same order as ``Application.run_polling`` (post_init, start, then post_stop and
    post_shutdown), but inside the caller's event loop, where the sandbox also runs.
    """
    await app.initialize()
    try:
        if app.post_init is not None:
            await app.post_init(app)
        assert app.updater is not None, "build the Application with an Updater"
        await app.updater.start_polling(poll_interval=0.0)
        await app.start()
        try:
            yield app
        finally:
            if app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
            if app.post_stop is not None:
                await app.post_stop(app)
    finally:
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)
