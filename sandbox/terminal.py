"""A terminal chat with the bot through the sandbox, as a phone would show it.

The person at the keyboard acts as one of several simulated Telegram users ("personas") and can
switch between them; messages for the others wait until switched to. This is a developer and
training tool, so its own few texts are hard-coded here in English and Indonesian.
"""

from __future__ import annotations

import asyncio
import io
import mimetypes
import re
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from PIL import Image

from sandbox.formatting import render_ansi
from sandbox.server import ChatEvent, Sandbox
from sandbox.user import SandboxUser

__all__ = ["HELP", "PersonaSpec", "run_terminal"]

JSONDict = dict[str, Any]

HELP = """\
Type a message and press Enter to send it; bot commands too (/start).
Ketik pesan lalu Enter untuk mengirim; perintah bot juga (/start).
  1, 2, ...          press a button of the latest message with buttons / tekan tombol
                     (a larger number is sent as text; 'TEXT sends TEXT as it is, e.g. '1)
  -7.05,109.4        share a location / kirim lokasi
  /photo PATH        send a photo / kirim foto
  /album PATH PATH   send photos as one album / kirim beberapa foto sekaligus
  /file PATH         send a file as a document / kirim berkas
  /sticker  /video  /contact   send a sticker, a video, your phone number
  /as NAME           act as someone else / ganti orang
  https://t.me/BOT?start=X   open an invitation link / buka tautan undangan
  /botmenu           the command menu Telegram shows / menu perintah
  /who               list the people / daftar orang
  /?                 this help / bantuan ini
  /quit              end (or Ctrl-D) / keluar"""

# Opening a deep link in Telegram sends "/start <payload>" to the bot.
_DEEP_LINK = re.compile(r"^\s*(?:https?://)?t\.me/(\w+)\?start=([A-Za-z0-9_-]{1,64})\s*$")
_LOCATION = re.compile(r"^\s*(-?\d{1,3}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*$")


@dataclass(frozen=True)
class PersonaSpec:
    """A simulated Telegram user the person at the keyboard can act as."""

    user_id: int
    first_name: str
    language_code: str | None = "id"
    last_name: str | None = None
    username: str | None = None


@dataclass(frozen=True)
class _Button:
    text: str
    inline: bool
    data: JSONDict


class _Terminal:
    def __init__(
        self,
        sandbox: Sandbox,
        personas: dict[str, PersonaSpec],
        initial: str,
        output: TextIO,
        media_dir: Path | None,
    ) -> None:
        if initial not in personas:
            raise ValueError(f"unknown initial persona {initial!r}; known: {sorted(personas)}")
        self.sandbox = sandbox
        self.personas = personas
        self.users: dict[str, SandboxUser] = {
            name: sandbox.user(
                spec.user_id,
                spec.first_name,
                last_name=spec.last_name,
                username=spec.username,
                language_code=spec.language_code,
            )
            for name, spec in personas.items()
        }
        self.name_by_chat = {user.chat_id: name for name, user in self.users.items()}
        self.current = initial
        self.unread: dict[str, list[ChatEvent]] = {name: [] for name in personas}
        self.output = output
        isatty = getattr(output, "isatty", None)
        self.ansi = bool(isatty and isatty())
        # Created on the first file the bot sends, so that a session without files leaves none.
        self._media_dir = media_dir

    @property
    def user(self) -> SandboxUser:
        return self.users[self.current]

    def write(self, text: str = "") -> None:
        self.output.write(text + "\n")
        self.output.flush()

    # -- showing the bot's side -----------------------------------------------------------------

    def on_event(self, event: ChatEvent) -> None:
        """Shows an event for the current persona now, keeps the others' for later."""
        name = self.name_by_chat.get(event.chat_id)
        if name is None or event.kind == "action":
            return
        if name == self.current:
            self.show(event)
        else:
            self.unread[name].append(event)

    def show(self, event: ChatEvent) -> None:
        if event.kind == "answer" and event.data:
            text = event.data.get("text")
            if text:
                label = "alert" if event.data.get("show_alert") else "info"
                self.write(f"  ({label}) {text}")
            return
        message = event.message
        if message is None:
            return
        if event.kind == "deleted":
            preview = (message.get("text") or message.get("caption") or "").splitlines()
            first = preview[0][:40] if preview else "media"
            self.write(f"-- {self.sandbox.bot_first_name} deleted a message: {first!r}")
            return
        self.write(self.render(message, edited=event.kind == "edited"))

    def render(self, message: JSONDict, *, edited: bool = False) -> str:
        """A bot message as lines of text: header, content, numbered buttons."""
        stamp = time.strftime("%H:%M", time.localtime(message.get("edit_date") or message["date"]))
        header = f"── {stamp} {self.sandbox.bot_first_name}:" + (" (edited)" if edited else "")
        lines = [self._bold(header)]
        reply = message.get("reply_to_message")
        if isinstance(reply, dict):
            quoted = (reply.get("text") or reply.get("caption") or "…").splitlines()[0][:50]
            lines.append(f"  ↪ {quoted}")
        lines.extend(self._media_lines(message))
        if message.get("text"):
            lines.append(render_ansi(message["text"], message.get("entities"), ansi=self.ansi))
        if message.get("caption"):
            lines.append(
                render_ansi(message["caption"], message.get("caption_entities"), ansi=self.ansi)
            )
        lines.extend(self._button_lines(message))
        return "\n".join(lines)

    def _bold(self, text: str) -> str:
        return f"\x1b[1m{text}\x1b[22m" if self.ansi else text

    def _media_lines(self, message: JSONDict) -> list[str]:
        if message.get("photo"):
            largest = max(message["photo"], key=lambda s: s["width"] * s["height"])
            data = self.user_for(message).download(message)
            path = self._save(message, data, _image_extension(data))
            return [f"[photo {largest['width']}x{largest['height']}, saved to {path}]"]
        document = message.get("document")
        if isinstance(document, dict):
            data = self.user_for(message).download(message)
            name = document.get("file_name") or f"file_{message['message_id']}"
            path = self._save(message, data, Path(name).suffix.lstrip(".") or "bin", name)
            return [f"[document {name}, {_size(len(data))}, saved to {path}]"]
        location = message.get("location")
        if isinstance(location, dict):
            return [f"[location {location['latitude']}, {location['longitude']}]"]
        for key in ("sticker", "video", "contact"):
            if key in message:
                return [f"[{key}]"]
        return []

    def user_for(self, message: JSONDict) -> SandboxUser:
        return self.users[self.name_by_chat[message["chat"]["id"]]]

    @property
    def media_dir(self) -> Path:
        if self._media_dir is None:
            self._media_dir = Path(tempfile.mkdtemp(prefix="dampingan-sandbox-"))
        return self._media_dir

    def _save(self, message: JSONDict, data: bytes, extension: str, name: str = "") -> Path:
        # A small synchronous write: listeners are plain callbacks, and files are small.
        stem = f"{message['chat']['id']}_{message['message_id']}"
        path = self.media_dir / (f"{stem}_{name}" if name else f"{stem}.{extension}")
        path.write_bytes(data)
        return path

    def _button_lines(self, message: JSONDict) -> list[str]:
        markup = message.get("reply_markup")
        if not isinstance(markup, dict):
            return []
        lines: list[str] = []
        number = 0
        rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
        for row in rows:
            cells = []
            for button in row:
                number += 1
                text = button.get("text", "?")
                if button.get("url"):
                    text += " ↗"
                if button.get("request_location"):
                    text += " 📍"
                cells.append(f"[{number}] {text}")
            lines.append("  " + "  ".join(cells))
        if "keyboard" in markup and lines:
            lines.insert(0, "  keyboard / papan tombol:")
        if markup.get("force_reply"):
            lines.append("  (the bot asks for a reply / bot meminta balasan)")
        return lines

    # -- acting as the user -------------------------------------------------------------------

    def buttons(self) -> tuple[JSONDict | None, list[_Button]]:
        """The latest message that still shows buttons, and its buttons numbered from 1."""
        user = self.user
        for message in reversed(user.inbox):
            markup = message.get("reply_markup")
            if not isinstance(markup, dict):
                continue
            if markup.get("inline_keyboard"):
                rows = markup["inline_keyboard"]
                return message, [_Button(str(b.get("text")), True, b) for row in rows for b in row]
            if "keyboard" in markup and user.reply_keyboard_message_id == message["message_id"]:
                rows = markup["keyboard"]
                return message, [
                    _Button(str(b.get("text")), False, b) for row in rows for b in row
                ]
        return None, []

    async def handle(self, line: str) -> bool:
        """Acts on one input line; returns False to end the session."""
        command, _, rest = line.partition(" ")
        rest = rest.strip()
        if command in ("/quit", "/exit"):
            return False
        if command == "/?":
            self.write(HELP)
        elif command == "/who":
            self.who()
        elif command == "/as":
            self.switch(rest)
        elif command in ("/photo", "/album", "/file"):
            await self.send_files(command, rest.split())
        elif command == "/sticker":
            await self.user.send_sticker()
        elif command == "/video":
            await self.user.send_video()
        elif command == "/contact":
            await self.user.send_contact()
        elif command == "/botmenu":
            self.menu()
        elif link := _DEEP_LINK.match(line):
            await self.user.send_text(f"/start {link.group(2)}")
        elif line.startswith("'"):
            await self.user.send_text(line[1:])
        elif line.isdigit():
            await self.press(int(line))
        elif match := _LOCATION.match(line):
            await self.user.send_location(float(match.group(1)), float(match.group(2)))
        else:
            await self.user.send_text(line)
        return True

    async def press(self, number: int) -> None:
        message, buttons = self.buttons()
        if message is None or not 1 <= number <= len(buttons):
            # Not a button: the bot may have asked for a number (households, a date).
            await self.user.send_text(str(number))
            return
        button = buttons[number - 1]
        if button.inline:
            if button.data.get("url"):
                self.write(f"  (opens / membuka {button.data['url']})")
            elif "callback_data" in button.data:
                await self.user.press(message, str(button.data["callback_data"]))
            else:
                self.write("  (the sandbox cannot use this kind of button)")
        elif button.data.get("request_location"):
            self.write("  type a location as lat,lon / ketik lokasi, contoh -6.89,109.38")
        else:
            await self.user.press(message, button.text)

    async def send_files(self, command: str, paths: list[str]) -> None:
        files, missing = await asyncio.to_thread(_existing_files, paths)
        if not files or missing:
            self.write(f"  file not found / berkas tidak ada: {' '.join(missing) or '(none)'}")
            return
        try:
            if command == "/photo":
                await self.user.send_photo(files[0])
            elif command == "/album":
                await self.user.send_album(list(files))
            else:
                mime = mimetypes.guess_type(files[0].name)[0] or "application/octet-stream"
                await self.user.send_document(files[0], file_name=files[0].name, mime_type=mime)
        except ValueError as exc:
            self.write(f"  cannot send / tidak bisa dikirim: {exc}")

    def menu(self) -> None:
        """Shows the commands Telegram's menu button would list for the current person."""
        user = self.user
        commands = self.sandbox.menu_for(user.id, user.as_user.get("language_code"))
        if not commands:
            self.write("(no menu / tidak ada menu)")
        for command in commands:
            self.write(f"  /{command['command']} — {command['description']}")

    def who(self) -> None:
        for name, spec in self.personas.items():
            marker = "*" if name == self.current else " "
            unread = len(self.unread[name])
            extra = f"  {unread} new" if unread else ""
            self.write(
                f" {marker} {name:<12} {spec.first_name} (id {spec.user_id}, "
                f"{spec.language_code or '-'}){extra}"
            )

    def switch(self, wanted: str) -> None:
        name = self._find_persona(wanted)
        if name is None:
            self.write(f"  unknown person / orang tidak dikenal: {wanted!r}; /who lists them")
            return
        self.current = name
        spec = self.personas[name]
        self.write(f"Now / sekarang: {spec.first_name} ({name}, id {spec.user_id})")
        pending, self.unread[name] = self.unread[name], []
        if pending:
            count = sum(1 for e in pending if e.kind == "message")
            self.write(f"{count} new message{'s' if count != 1 else ''} / pesan baru:")
            for event in pending:
                self.show(event)

    def _find_persona(self, wanted: str) -> str | None:
        key = wanted.strip().lower()
        if not key:
            return None
        for name, spec in self.personas.items():
            if key in (name.lower(), spec.first_name.lower(), str(spec.user_id)):
                return name
        matches = [name for name in self.personas if name.lower().startswith(key)]
        return matches[0] if len(matches) == 1 else None

    async def settle(self) -> None:
        """Lets the bot answer before the next prompt, so replies do not split the prompt."""
        try:
            await self.sandbox.settle(quiet=0.3, timeout=5.0)
        except TimeoutError:
            self.write("  (no answer yet: is the bot running? / belum ada jawaban)")


def _existing_files(paths: list[str]) -> tuple[list[Path], list[str]]:
    files = [Path(p).expanduser() for p in paths]
    return files, [str(p) for p in files if not p.is_file()]


def _image_extension(data: bytes) -> str:
    try:
        detected = Image.open(io.BytesIO(data)).format
    except Exception:
        return "bin"
    return {"JPEG": "jpg"}.get(detected or "", (detected or "bin").lower())


def _size(count: int) -> str:
    return f"{count} B" if count < 1024 else f"{count / 1024:.1f} KB"


async def run_terminal(
    sandbox: Sandbox,
    personas: dict[str, PersonaSpec],
    *,
    initial: str,
    input_fn: Callable[[str], str] = input,
    output: TextIO = sys.stdout,
    media_dir: Path | None = None,
) -> None:
    """Chats with the bot in the terminal until /quit or end of input.

    ``input_fn`` is called with the prompt in a worker thread so that the bot keeps running
    while the person types; it raises EOFError at the end of input, like ``input``. Photos
    and documents the bot sends are saved in ``media_dir`` (default: a new temporary folder)
    so the person can open them.
    """
    terminal = _Terminal(sandbox, personas, initial, output, media_dir)
    remove = sandbox.add_listener(terminal.on_event)
    spec = personas[initial]
    terminal.write(
        f"Dampingan sandbox: you are {spec.first_name} ({initial}). "
        "Type /? for help / ketik /? untuk bantuan."
    )
    try:
        while True:
            try:
                line = await asyncio.to_thread(input_fn, f"{terminal.current}> ")
            except EOFError:
                break
            line = line.strip()
            if not line:
                continue
            before = sandbox.last_update_id
            if not await terminal.handle(line):
                break
            if sandbox.last_update_id != before:  # something went to the bot
                await terminal.settle()
    finally:
        remove()
        saved = f" Files the bot sent are in {terminal._media_dir}." if terminal._media_dir else ""
        terminal.write(f"Bye / sampai jumpa.{saved}")
