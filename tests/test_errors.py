"""The error log names an update, never what a person wrote."""

from __future__ import annotations

from telegram import CallbackQuery, Chat, Message, Update, User

from handlers.errors import describe

PERSON = User(2001, "Budi Santoso", is_bot=False)
CHAT = Chat(2001, "private")


def test_a_message_is_described_by_id_chat_and_kind_only() -> None:
    message = Message(7, date=None, chat=CHAT, from_user=PERSON, text="Rumah Bu Sari, RT 03")  # type: ignore[arg-type]
    text = describe(Update(41, message=message))
    assert text == "update 41 (chat 2001, message)"
    assert "Sari" not in text and "Budi" not in text


def test_a_button_press_and_other_objects() -> None:
    query = CallbackQuery("q1", PERSON, chat_instance="c", data="inv:secret-token")
    text = describe(Update(42, callback_query=query))
    assert text == "update 42 (chat None, callback_query)" and "secret" not in text
    assert describe("not an update") == "str"
