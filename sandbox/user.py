"""A simulated Telegram user and their private chat with the bot.

Tests and the terminal act through this object: it sends what a person's phone would send
(updates with Telegram's shapes) and keeps what the phone would show (the bot's messages in
their current state, edits applied).
"""

from __future__ import annotations

import asyncio
import functools
import io
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image

from sandbox.formatting import find_bot_commands

if TYPE_CHECKING:
    from sandbox.server import Sandbox

__all__ = ["SandboxUser"]

JSONDict = dict[str, Any]

# The "someone else" a forwarded location comes from.
FORWARD_SENDER: JSONDict = {"id": 424242, "is_bot": False, "first_name": "Teman"}


@functools.cache
def _sticker_bytes() -> bytes:
    image = Image.new("RGBA", (512, 512), (255, 200, 0, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="WEBP")
    return buffer.getvalue()


# Enough of an MP4 header to look like one; the sandbox never plays it.
_FAKE_MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(2048)


async def _read(data: bytes | Path) -> bytes:
    return await asyncio.to_thread(data.read_bytes) if isinstance(data, Path) else data


def _buttons(markup: JSONDict | None, key: str) -> list[list[JSONDict]]:
    if not isinstance(markup, dict):
        return []
    rows = markup.get(key)
    return [row for row in rows if isinstance(row, list)] if isinstance(rows, list) else []


class SandboxUser:
    """One person talking to the bot in a private chat (chat id == user id)."""

    def __init__(
        self,
        sandbox: Sandbox,
        user_id: int,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "id",
    ) -> None:
        self._sandbox = sandbox
        self.id = user_id
        self.chat_id = user_id
        self.first_name = first_name
        self.as_user: JSONDict = {"id": user_id, "is_bot": False, "first_name": first_name}
        self.chat: JSONDict = {"id": user_id, "type": "private", "first_name": first_name}
        for key, value in (("last_name", last_name), ("username", username)):
            if value is not None:
                self.as_user[key] = value
                self.chat[key] = value
        if language_code is not None:
            self.as_user["language_code"] = language_code
        # The chat exists from the user's first message on; before that, sends fail.
        self.started = False
        # Every message in the chat (both sides) as the bot sees it, by message_id.
        self.messages: dict[int, JSONDict] = {}
        # The bot's messages as the phone shows them, in order, edits applied.
        self.inbox: list[JSONDict] = []
        # The user's own messages, in order.
        self.sent: list[JSONDict] = []
        # The reply keyboard the phone currently shows, and the message that set it.
        self.reply_keyboard: JSONDict | None = None
        self.reply_keyboard_message_id: int | None = None
        self._phone_markup: dict[int, JSONDict] = {}
        self._next_id = 1
        self._cursor = 0

    def __repr__(self) -> str:
        return f"SandboxUser({self.id}, {self.first_name!r})"

    # -- what the user sends ---------------------------------------------------------------

    async def send_text(self, text: str, *, reply_to: int | None = None) -> JSONDict:
        """Sends a text message (a leading /command gets its bot_command entity)."""
        content: JSONDict = {"text": text}
        entities = find_bot_commands(text)
        if entities:
            content["entities"] = entities
        return self._send(content, reply_to=reply_to)

    async def send_photo(
        self,
        image: bytes | Path,
        *,
        caption: str | None = None,
        media_group_id: str | None = None,
    ) -> JSONDict:
        """Sends a photo; Telegram's re-encoded sizes arrive, without EXIF.

        Raises ValueError (ImageError) for bytes that are not an image: a phone cannot send
        those as a photo. Send corrupt files with send_document instead.
        """
        sizes = await self._sandbox.files.add_photo(await _read(image))
        content: JSONDict = {"photo": sizes}
        if caption:
            content["caption"] = caption
        if media_group_id is not None:
            content["media_group_id"] = media_group_id
        return self._send(content)

    async def send_album(self, images: list[bytes | Path]) -> list[JSONDict]:
        """Sends several photos as one album: separate updates sharing a media_group_id."""
        group_id = str(secrets.randbelow(10**17) + 10**17)
        return [await self.send_photo(image, media_group_id=group_id) for image in images]

    async def send_document(
        self,
        data: bytes | Path,
        *,
        file_name: str,
        mime_type: str,
        caption: str | None = None,
    ) -> JSONDict:
        """Sends a file as a document: its bytes arrive unchanged (EXIF included)."""
        document = self._sandbox.files.add_document(
            await _read(data), file_name=file_name, mime_type=mime_type
        )
        content: JSONDict = {"document": document}
        if caption:
            content["caption"] = caption
        return self._send(content)

    async def send_sticker(self) -> JSONDict:
        """Sends a (plain yellow) sticker."""
        stored = self._sandbox.files.add(
            _sticker_bytes(), kind="sticker", extension="webp", mime_type="image/webp",
            width=512, height=512,
        )  # fmt: skip
        sticker = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "👍",
            "file_size": stored.size,
        }
        return self._send({"sticker": sticker})

    async def send_video(self) -> JSONDict:
        """Sends a small fake video message (3 s, 640x360)."""
        stored = self._sandbox.files.add(
            _FAKE_MP4, kind="video", extension="mp4", mime_type="video/mp4", width=640, height=360
        )
        video = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "width": 640,
            "height": 360,
            "duration": 3,
            "mime_type": "video/mp4",
            "file_size": stored.size,
        }
        return self._send({"video": video})

    async def send_location(
        self,
        latitude: float,
        longitude: float,
        *,
        horizontal_accuracy: float | None = None,
        live_period: int | None = None,
        forwarded: bool = False,
    ) -> JSONDict:
        """Shares a location; ``forwarded`` makes it a location forwarded from someone else."""
        location: JSONDict = {"latitude": float(latitude), "longitude": float(longitude)}
        if horizontal_accuracy is not None:
            location["horizontal_accuracy"] = float(horizontal_accuracy)
        if live_period is not None:
            location["live_period"] = live_period
        extra: JSONDict = {}
        if forwarded:
            extra["forward_origin"] = {
                "type": "user",
                "sender_user": FORWARD_SENDER,
                "date": int(time.time()) - 3600,
            }
        return self._send({"location": location}, extra=extra)

    async def send_contact(
        self,
        phone_number: str = "+6281234567890",
        *,
        first_name: str | None = None,
        own: bool = True,
    ) -> JSONDict:
        """Shares a contact: by default the user's own (as a request_contact button does)."""
        contact: JSONDict = {
            "phone_number": phone_number,
            "first_name": first_name or self.first_name,
        }
        if own:
            contact["user_id"] = self.id
        return self._send({"contact": contact})

    async def send_poll(
        self, question: str = "Rapat desa hari apa?", options: tuple[str, ...] = ("Senin", "Rabu")
    ) -> JSONDict:
        """Sends a poll (regular, anonymous, nobody has voted yet), as from the attach menu."""
        poll: JSONDict = {
            "id": str(secrets.randbelow(10**18)),
            "question": question,
            "options": [
                {"persistent_id": str(index), "text": text, "voter_count": 0}
                for index, text in enumerate(options)
            ],
            "total_voter_count": 0,
            "is_closed": False,
            "is_anonymous": True,
            "type": "regular",
            "allows_multiple_answers": False,
            "allows_revoting": True,
            "members_only": False,
        }
        return self._send({"poll": poll})

    async def edit_text(self, message: JSONDict | int, text: str) -> JSONDict:
        """Edits one of the user's own text messages (an edited_message update)."""
        message_id = message if isinstance(message, int) else message["message_id"]
        old = self.messages[message_id]
        if old["from"]["id"] != self.id or "text" not in old:
            raise ValueError(f"message {message_id} is not a text message of this user")
        new = {**old, "text": text, "edit_date": int(time.time())}
        new.pop("entities", None)
        entities = find_bot_commands(text)
        if entities:
            new["entities"] = entities
        self.messages[message_id] = new
        self._sandbox.enqueue("edited_message", new)
        return new

    async def press(self, message: JSONDict | int, button: str) -> JSONDict | None:
        """Presses a button (by its text, or an inline button by its callback_data).

        An inline button on the message's current state sends a callback query; the result is
        the bot's answerCallbackQuery parameters, or None if the bot did not answer before the
        sandbox settled. A button of the active reply keyboard sends its text as a message
        (its contact for request_contact); the result is that message.
        """
        message_id = message if isinstance(message, int) else int(message["message_id"])
        current = self.find(message_id)
        for row in _buttons(current.get("reply_markup") if current else None, "inline_keyboard"):
            for candidate in row:
                if button in (candidate.get("text"), candidate.get("callback_data")):
                    data = candidate.get("callback_data")
                    if not isinstance(data, str):
                        raise ValueError(
                            f"button {button!r} has no callback_data (it is {candidate!r})"
                        )
                    return await self._callback(message_id, data)
        for row in _buttons(self.reply_keyboard, "keyboard"):
            for candidate in row:
                if candidate.get("text") != button:
                    continue
                if candidate.get("request_location"):
                    raise ValueError(
                        f"button {button!r} shares a location: call send_location() instead"
                    )
                if candidate.get("request_contact"):
                    return await self.send_contact()
                return await self.send_text(button)
        raise LookupError(
            f"no button {button!r} on message {message_id}; inline buttons there: "
            f"{self.button_texts(message_id)}; reply keyboard: {self.keyboard_texts()}"
        )

    async def press_data(self, message_id: int, data: str) -> JSONDict | None:
        """Sends a callback query with arbitrary data (forged or stale buttons)."""
        return await self._callback(message_id, data)

    # -- what the phone shows ----------------------------------------------------------------

    # Waiting helpers take a timeout because that is the API tests use (see Sandbox.settle).
    async def next_message(self, timeout: float = 5.0) -> JSONDict:  # noqa: ASYNC109
        """The next bot message not yet returned here (new messages only, in order)."""
        return await self._wait(lambda m: True, timeout, new_only=True)

    async def wait_for(
        self,
        predicate: Callable[[JSONDict], bool],
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> JSONDict:
        """The first bot message (current state) matching ``predicate``, waiting for it.

        Messages up to the returned one count as seen by next_message.
        """
        return await self._wait(predicate, timeout, new_only=False)

    def last_message(self) -> JSONDict:
        """The latest bot message in this chat."""
        if not self.inbox:
            raise LookupError(f"the bot has sent nothing to {self!r} yet")
        return self.inbox[-1]

    def find(self, message_id: int) -> JSONDict | None:
        """The current state of a bot message in this chat, or None (e.g. deleted)."""
        for message in self.inbox:
            if message["message_id"] == message_id:
                return message
        return None

    def download(self, message: JSONDict, *, reencoded: bool = False) -> bytes:
        """The bytes of a message's file: the largest photo size, or the document etc.

        For a photo the bot uploaded this is the file exactly as the bot sent it, so a test can
        check what the bot produced (a QR code, a chart); ``reencoded=True`` gives the JPEG
        Telegram would serve instead. A user's photo only exists re-encoded, without EXIF.
        """
        file_id: str | None = None
        if message.get("photo"):
            largest = max(message["photo"], key=lambda s: s["width"] * s["height"])
            file_id = largest["file_id"]
        else:
            for key in ("document", "sticker", "video"):
                if isinstance(message.get(key), dict):
                    file_id = message[key]["file_id"]
                    break
        if file_id is None:
            raise ValueError(f"message {message.get('message_id')} has no file")
        stored = self._sandbox.files.get(file_id)
        if stored is None:
            raise KeyError(file_id)
        if stored.original is not None and not reencoded:
            return stored.original
        return stored.data

    def button_texts(self, message_id: int) -> list[list[str]]:
        """Texts of the inline buttons on a message's current state, by row."""
        current = self.find(message_id)
        rows = _buttons(current.get("reply_markup") if current else None, "inline_keyboard")
        return [[str(b.get("text")) for b in row] for row in rows]

    def keyboard_texts(self) -> list[list[str]]:
        """Texts of the reply keyboard the phone shows, by row."""
        return [
            [str(b.get("text")) for b in row] for row in _buttons(self.reply_keyboard, "keyboard")
        ]

    # -- used by the server ------------------------------------------------------------------

    def next_message_id(self) -> int:
        """Message ids count up per chat, shared by both sides as in a private chat."""
        message_id = self._next_id
        self._next_id += 1
        return message_id

    def view(self, message: JSONDict) -> JSONDict:
        """A bot message as the phone shows it: with a reply keyboard it carried, if any."""
        markup = self._phone_markup.get(message["message_id"])
        return {**message, "reply_markup": markup} if markup is not None else dict(message)

    def receive(self, message: JSONDict, markup: JSONDict | None) -> None:
        """Stores a new bot message and applies its reply-keyboard effect to the phone."""
        message_id = message["message_id"]
        self.messages[message_id] = message
        if markup is not None and "inline_keyboard" not in markup:
            self._phone_markup[message_id] = markup
            if "keyboard" in markup:
                self.reply_keyboard = markup
                self.reply_keyboard_message_id = message_id
            elif markup.get("remove_keyboard"):
                self.reply_keyboard = None
                self.reply_keyboard_message_id = None
        self.inbox.append(self.view(message))

    def replace(self, message: JSONDict) -> None:
        """Stores an edited bot message."""
        message_id = message["message_id"]
        self.messages[message_id] = message
        for index, shown in enumerate(self.inbox):
            if shown["message_id"] == message_id:
                self.inbox[index] = self.view(message)

    def delete(self, message_id: int) -> None:
        """Removes a message from the chat."""
        self.messages.pop(message_id, None)
        self.inbox = [m for m in self.inbox if m["message_id"] != message_id]
        self.sent = [m for m in self.sent if m["message_id"] != message_id]

    # -- internals -----------------------------------------------------------------------------

    def _send(
        self, content: JSONDict, *, reply_to: int | None = None, extra: JSONDict | None = None
    ) -> JSONDict:
        if self._sandbox.is_blocked(self.id):
            # A blocked bot's chat only offers "Restart", which unblocks it first.
            self._sandbox.unblock(self.id)
        message: JSONDict = {
            "message_id": self.next_message_id(),
            "from": self.as_user,
            "chat": self.chat,
            "date": int(time.time()),
        }
        if extra:
            message.update(extra)
        if reply_to is not None:
            target = self.messages.get(reply_to)
            if target is None:
                raise LookupError(f"no message {reply_to} in this chat to reply to")
            message["reply_to_message"] = {
                k: v for k, v in target.items() if k != "reply_to_message"
            }
        message.update(content)
        self.started = True
        self.messages[message["message_id"]] = message
        self.sent.append(message)
        self._sandbox.enqueue("message", message)
        return message

    async def _callback(self, message_id: int, data: str) -> JSONDict | None:
        query_id, pending = self._sandbox.new_callback(self)
        current = self.messages.get(message_id)
        shown: JSONDict
        if current is not None:
            shown = current
        else:
            shown = {"chat": self.chat, "message_id": message_id, "date": 0}
        self._sandbox.enqueue(
            "callback_query",
            {
                "id": query_id,
                "from": self.as_user,
                "message": shown,
                "chat_instance": f"-{abs(hash((self._sandbox.bot_id, self.id))) % 10**18}",
                "data": data,
            },
        )
        answered = asyncio.create_task(pending.answered.wait())
        settled = asyncio.create_task(self._sandbox.settle())
        try:
            await asyncio.wait({answered, settled}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (answered, settled):
                task.cancel()
            await asyncio.gather(answered, settled, return_exceptions=True)
        return pending.answer

    async def _wait(
        self,
        predicate: Callable[[JSONDict], bool],
        timeout: float,  # noqa: ASYNC109
        *,
        new_only: bool,
    ) -> JSONDict:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for message in self.inbox:
                if new_only and message["message_id"] <= self._cursor:
                    continue
                if predicate(message):
                    self._cursor = max(self._cursor, message["message_id"])
                    return message
            remaining = deadline - loop.time()
            if remaining <= 0:
                what = "new bot message" if new_only else "bot message matching the predicate"
                raise TimeoutError(
                    f"no {what} for {self!r} within {timeout} s "
                    f"({len(self.inbox)} in the chat).\n"
                    f"Recent requests:\n{self._sandbox.describe_recent()}"
                )
            await self._sandbox.wait_changed(remaining)
