"""The terminal chat, driven by scripted input against the echo Application."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from pathlib import Path

from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.ext import CommandHandler

from sandbox import Sandbox
from sandbox.terminal import PersonaSpec, run_terminal
from sandbox.testing import application_builder, polling
from tests.sandbox.conftest import AnyApp, png

PERSONAS = {
    "admin": PersonaSpec(1001, "Rina", "id"),
    "staff": PersonaSpec(2001, "Budi", "id"),
}


def scripted(lines: list[str | Callable[[], None]]) -> Callable[[str], str]:
    """An input() replacement: returns the lines in order (calling callables), then EOF."""
    queue = list(lines)

    def fake_input(prompt: str) -> str:
        while queue:
            item = queue.pop(0)
            if isinstance(item, str):
                return item
            item()
        raise EOFError

    return fake_input


async def test_terminal_session(sandbox: Sandbox, echo_app: AnyApp, tmp_path: Path) -> None:
    photo = tmp_path / "kegiatan.png"
    photo.write_bytes(png(400, 300))
    loop = asyncio.get_running_loop()

    def bot_writes_to_budi() -> None:
        # Runs in the input thread while Rina is current: Budi's messages must wait.
        for text in ("pengingat 1", "pengingat 2"):
            asyncio.run_coroutine_threadsafe(echo_app.bot.send_message(2001, text), loop).result()

    output = io.StringIO()
    await run_terminal(
        sandbox,
        PERSONAS,
        initial="admin",
        input_fn=scripted(
            [
                "/as budi",
                "halo",
                "/as admin",
                "/start",
                "1",
                bot_writes_to_budi,
                f"/photo {photo}",
                "-7.05,109.4",
                "/who",
                "/as staff",
                "9",
                "'1",
                "/?",
                "/quit",
                "never read",
            ]
        ),
        output=output,
        media_dir=tmp_path,
    )
    shown = output.getvalue()
    assert "echo /start" in shown
    assert "[1] Ya  [2] Tidak" in shown
    assert "(info) chose yes" in shown
    assert "(edited)" in shown and "You chose yes" in shown
    assert "staff        Budi (id 2001, id)  2 new" in shown
    assert "2 new messages" in shown and "pengingat 2" in shown
    # Not a button number: sent as text, like a typed number; 'TEXT sends TEXT as it is.
    budi = sandbox.user(2001)
    assert [m.get("text") for m in budi.sent[-2:]] == ["9", "1"]
    assert "/album PATH PATH" in shown
    assert "photo 90x68,320x240,400x300 group=None" in shown
    rina = sandbox.user(1001)
    assert rina.sent[-1]["location"] == {"latitude": -7.05, "longitude": 109.4}
    assert sandbox.errors == []


async def test_terminal_shows_photos_and_keyboards(
    sandbox: Sandbox, echo_app: AnyApp, tmp_path: Path
) -> None:
    loop = asyncio.get_running_loop()
    image = png(80, 60)

    def bot_sends_a_photo() -> None:
        coroutine = echo_app.bot.send_photo(1001, image, caption="<b>Peta</b>", parse_mode="HTML")
        asyncio.run_coroutine_threadsafe(coroutine, loop).result()

    output = io.StringIO()
    await run_terminal(
        sandbox,
        PERSONAS,
        initial="admin",
        input_fn=scripted(["/menu", "1", bot_sends_a_photo, "/quit"]),
        output=output,
        media_dir=tmp_path,
    )
    shown = output.getvalue()
    assert "keyboard / papan tombol:\n  [1] Kirim laporan\n  [2] Lokasi saya 📍" in shown
    assert "echo Kirim laporan" in shown
    assert sandbox.user(1001).sent[-1]["text"] == "Kirim laporan"
    # Output is not a terminal: no ANSI codes, the caption's bold is plain text.
    photo_line = next(line for line in shown.splitlines() if line.startswith("[photo"))
    assert photo_line.startswith(f"[photo 80x60, saved to {tmp_path}")
    saved = Path(photo_line.removesuffix("]").rsplit(" ", 1)[1])
    assert await asyncio.to_thread(saved.read_bytes) == image
    assert "\nPeta\n" in shown and "\x1b[" not in shown


def test_persona_arguments_of_the_standalone_server() -> None:
    import argparse

    import pytest

    from sandbox.__main__ import parse_persona

    assert parse_persona("admin=1001:Rina:id") == ("admin", PersonaSpec(1001, "Rina", "id"))
    assert parse_persona("guest=4001:Guest") == ("guest", PersonaSpec(4001, "Guest", "id"))
    with pytest.raises(argparse.ArgumentTypeError, match="NAME=ID:FIRST_NAME"):
        parse_persona("rina")


async def test_terminal_opens_deep_links_and_shows_the_menu() -> None:
    """Pasting a t.me link sends /start <payload>, as a Telegram app does; /botmenu lists
    the commands set for this chat, falling back to the default scope."""
    received: list[str] = []

    async def start(update: Update, context: object) -> None:
        assert update.message and update.message.text
        received.append(update.message.text)
        await update.message.reply_text("hi")
        await update.get_bot().set_my_commands(
            [BotCommand("lapor", "Laporkan kunjungan")], scope=BotCommandScopeChat(2001)
        )

    output = io.StringIO()
    async with Sandbox(token="123:abc") as sandbox:
        app = application_builder(sandbox).build()
        app.add_handler(CommandHandler("start", start))
        async with polling(app):
            await sandbox.user(2001, "Budi").send_text("/ping")  # the chat exists
            await run_terminal(
                sandbox,
                {"staff": PersonaSpec(2001, "Budi")},
                initial="staff",
                input_fn=scripted(["https://t.me/any_bot?start=TOKEN_123", "/botmenu", "/quit"]),
                output=output,
            )
    assert received == ["/start TOKEN_123"]
    assert "/lapor — Laporkan kunjungan" in output.getvalue()
