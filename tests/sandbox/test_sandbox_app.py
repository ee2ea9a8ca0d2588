"""A real PTB Application polling the sandbox, driven by simulated users."""

from __future__ import annotations

import pytest

from sandbox import Sandbox
from tests.sandbox.conftest import AnyApp, png


async def test_echo_buttons_and_edits(sandbox: Sandbox, echo_app: AnyApp) -> None:
    rina = sandbox.user(1001, "Rina")
    await rina.send_text("/start")
    reply = await rina.next_message()
    assert reply["text"] == "echo /start"
    assert reply["entities"] == [{"type": "bold", "offset": 0, "length": 4}]
    assert rina.button_texts(reply["message_id"]) == [["Ya", "Tidak"]]

    answer = await rina.press(reply, "Ya")
    assert answer is not None and answer["text"] == "chose yes"
    await sandbox.settle()
    edited = rina.find(reply["message_id"])
    assert edited is not None and edited["text"] == "You chose yes" and "edit_date" in edited
    assert "reply_markup" not in edited  # the edit dropped the keyboard
    # The edit is not a new message.
    with pytest.raises(TimeoutError, match=r"(?s)Recent requests:.*editMessageText"):
        await rina.next_message(timeout=0.2)
    assert sandbox.errors == []


async def test_callback_data_can_be_pressed_by_value_or_forged(
    sandbox: Sandbox, echo_app: AnyApp
) -> None:
    rina = sandbox.user(1001, "Rina")
    await rina.send_text("halo")
    reply = await rina.next_message()
    answer = await rina.press(reply["message_id"], "no")
    assert answer is not None and answer["text"] == "chose no"
    # A forged button the bot ignores: press_data returns None once the sandbox settles.
    assert await rina.press_data(reply["message_id"], "something-else") is None
    answer = await rina.press_data(reply["message_id"], "stale")
    assert answer is not None and answer["callback_query_id"]
    with pytest.raises(LookupError, match="no button 'Maybe'"):
        await rina.press(reply, "Maybe")


async def test_reply_keyboard_buttons_send_their_text(sandbox: Sandbox, echo_app: AnyApp) -> None:
    rina = sandbox.user(1001, "Rina")
    await rina.send_text("/menu")
    menu = await rina.next_message()
    assert menu["reply_markup"]["keyboard"][0] == [{"text": "Kirim laporan"}]
    assert rina.keyboard_texts() == [["Kirim laporan"], ["Lokasi saya"]]
    sent = await rina.press(menu, "Kirim laporan")
    assert sent is not None and sent["text"] == "Kirim laporan"
    assert (await rina.next_message())["text"] == "echo Kirim laporan"
    with pytest.raises(ValueError, match="send_location"):
        await rina.press(menu, "Lokasi saya")


async def test_album_updates_share_a_media_group(sandbox: Sandbox, echo_app: AnyApp) -> None:
    budi = sandbox.user(2001, "Budi")
    sent = await budi.send_album([png(), png(900, 1200), png(10, 10)])
    group = sent[0]["media_group_id"]
    assert {m["media_group_id"] for m in sent} == {group}
    replies = [(await budi.next_message())["text"] for _ in sent]
    assert replies == [
        f"photo 64x48 group={group}",
        f"photo 68x90,240x320,600x800,900x1200 group={group}",
        f"photo 10x10 group={group}",
    ]


async def test_wait_for_and_settle(sandbox: Sandbox, echo_app: AnyApp) -> None:
    rina = sandbox.user(1001, "Rina")
    for word in ("satu", "dua", "tiga"):
        await rina.send_text(word)
    found = await rina.wait_for(lambda m: m.get("text") == "echo dua")
    assert found["text"] == "echo dua"
    # wait_for consumed messages up to the one it returned.
    assert (await rina.next_message())["text"] == "echo tiga"
    await sandbox.settle()
    assert [m["text"] for m in rina.inbox] == ["echo satu", "echo dua", "echo tiga"]
    assert rina.last_message()["text"] == "echo tiga"
    assert [r.ok for r in sandbox.calls("sendMessage")] == [True, True, True]


async def test_settle_explains_a_bot_that_is_not_polling(sandbox: Sandbox) -> None:
    await sandbox.user(1001, "Rina").send_text("anyone?")
    with pytest.raises(TimeoutError, match="1 update\\(s\\) not fetched"):
        await sandbox.settle(timeout=0.2)
