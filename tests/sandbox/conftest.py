"""Fixtures for the sandbox's own tests: a strict sandbox, a PTB Bot and a tiny Application."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from telegram import Bot, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from sandbox import Sandbox
from sandbox.testing import application_builder, polling

TOKEN = "123456:TEST-sandbox-token"
API_JSON = Path(__file__).resolve().parents[2] / ".." / "shared" / "telegram-bot-api" / "api.json"

AnyApp = Application[Any, Any, Any, Any, Any, Any]


def spec_or_skip() -> Path:
    """The shared api.json, or a skip that says why."""
    if not API_JSON.is_file():
        pytest.skip(f"{API_JSON} is absent: Bot API validation cannot be tested")
    return API_JSON


def png(width: int = 64, height: int = 48, color: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A small PNG image."""
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    """A strict sandbox validated against api.json when the shared folder is present."""
    spec = API_JSON if API_JSON.is_file() else None
    async with Sandbox(token=TOKEN, spec_path=spec, long_poll_max=0.3) as sb:
        yield sb
    # Every test ends without calls Telegram would refuse and without invalid results;
    # a test that provokes such errors on purpose clears them.
    assert sb.errors == [], sb.errors


@pytest.fixture
async def bot(sandbox: Sandbox) -> AsyncIterator[Bot]:
    """A PTB Bot talking to the sandbox over HTTP."""
    async with Bot(
        TOKEN, base_url=f"{sandbox.url}/bot", base_file_url=f"{sandbox.url}/file/bot"
    ) as ptb_bot:
        yield ptb_bot


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Echoes text back in bold, with a Yes/No keyboard."""
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup

    assert update.effective_message is not None
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Ya", callback_data="yes"),
                InlineKeyboardButton("Tidak", callback_data="no"),
            ]
        ]
    )
    await update.effective_message.reply_text(
        f"<b>echo</b> {update.effective_message.text}", parse_mode="HTML", reply_markup=keyboard
    )


async def _answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers a button and edits the message to show the choice."""
    query = update.callback_query
    assert query is not None
    await query.answer(f"chose {query.data}")
    await query.edit_message_text(f"You chose {query.data}")


async def _menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Shows a reply keyboard with a location button."""
    from telegram import KeyboardButton, ReplyKeyboardMarkup

    assert update.effective_message is not None
    keyboard = ReplyKeyboardMarkup(
        [["Kirim laporan"], [KeyboardButton("Lokasi saya", request_location=True)]],
        one_time_keyboard=True,
    )
    await update.effective_message.reply_text("Pilih:", reply_markup=keyboard)


async def _photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reports the photo sizes and media group it received."""
    message = update.effective_message
    assert message is not None
    sizes = ",".join(f"{p.width}x{p.height}" for p in message.photo)
    await message.reply_text(f"photo {sizes} group={message.media_group_id}")


@pytest.fixture
async def echo_app(sandbox: Sandbox) -> AsyncIterator[AnyApp]:
    """A real Application polling the sandbox: echoes text, answers buttons, reports photos.

    Callback data other than yes/no/stale is left unanswered on purpose.
    """
    app = application_builder(sandbox).build()
    app.add_handler(CommandHandler("start", _echo))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, _echo))
    app.add_handler(MessageHandler(filters.PHOTO, _photo))
    app.add_handler(CommandHandler("menu", _menu))
    app.add_handler(CallbackQueryHandler(_answer, pattern="^(yes|no|stale)$"))
    async with polling(app):
        yield app
