"""The sandbox through PTB's real Bot over HTTP: shapes, errors and state, as on Telegram."""

from __future__ import annotations

import asyncio
import io
import json
from datetime import timedelta

import aiohttp
import pytest
from PIL import Image
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
)
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, RetryAfter

from sandbox import Sandbox
from tests.sandbox.conftest import TOKEN, png, spec_or_skip

NOT_MODIFIED = "Message is not modified"  # PTB capitalises Telegram's description


async def test_get_me_describes_the_bot(bot: Bot, sandbox: Sandbox) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (123456, "dampingan_bot", True)
    assert sandbox.calls("getMe")[0].ok


async def test_wrong_token_and_unknown_method(sandbox: Sandbox) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{sandbox.url}/botWRONG/getMe") as response:
            assert response.status == 401
            assert await response.json() == {
                "ok": False,
                "error_code": 401,
                "description": "Unauthorized",
            }
        async with http.get(f"{sandbox.url}/bot{TOKEN}/fooBar") as response:
            assert response.status == 404
            assert (await response.json())["description"] == "Not Found"
        # Method names are case-insensitive and the query string works as on Telegram.
        async with http.get(f"{sandbox.url}/bot{TOKEN}/GETME") as response:
            assert (await response.json())["result"]["id"] == 123456
    wrong = Bot("999:nope", base_url=f"{sandbox.url}/bot")
    with pytest.raises(InvalidToken):
        await wrong.get_me()


async def test_long_polling_redelivers_until_confirmed(bot: Bot, sandbox: Sandbox) -> None:
    user = sandbox.user(1001, "Rina")
    await user.send_text("/start abc")
    first = await bot.get_updates(timeout=0)
    again = await bot.get_updates(timeout=0)
    assert [u.update_id for u in first] == [u.update_id for u in again] == [1]
    message = first[0].message
    assert message is not None and message.text == "/start abc"
    assert message.entities[0].type == "bot_command" and message.entities[0].length == 6
    assert message.chat.id == 1001 and message.from_user is not None
    assert message.from_user.language_code == "id"

    await user.send_text("kedua")
    confirmed = await bot.get_updates(offset=2, timeout=0)
    assert [u.update_id for u in confirmed] == [2]
    assert await bot.get_updates(offset=3, timeout=0) == ()
    # Confirmed updates are gone for good.
    assert await bot.get_updates(timeout=0) == ()


async def test_long_poll_waits_for_an_update(bot: Bot, sandbox: Sandbox) -> None:
    user = sandbox.user(1001, "Rina")
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.05)
    assert not poll.done()
    await user.send_text("halo")
    updates = await asyncio.wait_for(poll, 1)
    assert updates[0].message is not None and updates[0].message.text == "halo"


async def test_send_edit_and_not_modified(bot: Bot, sandbox: Sandbox) -> None:
    user = sandbox.user(1001, "Rina")
    await user.send_text("hi")
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Ya", callback_data="y")]])
    sent = await bot.send_message(
        1001, "Halo <b>Rina</b> &amp; tim", parse_mode="HTML", reply_markup=keyboard
    )
    assert sent.text == "Halo Rina & tim"
    assert sent.entities[0].type == "bold" and (
        sent.entities[0].offset,
        sent.entities[0].length,
    ) == (5, 4)
    assert sent.reply_markup == keyboard
    assert sent.message_id == 2  # the user's message was 1 in this chat

    edited = await bot.edit_message_text(
        "Sudah", chat_id=1001, message_id=sent.message_id, reply_markup=keyboard
    )
    assert (
        isinstance(edited, type(sent)) and edited.text == "Sudah" and edited.edit_date is not None
    )
    with pytest.raises(BadRequest, match=NOT_MODIFIED):
        await bot.edit_message_text(
            "Sudah", chat_id=1001, message_id=sent.message_id, reply_markup=keyboard
        )
    # Editing without reply_markup removes the keyboard, as on Telegram.
    await bot.edit_message_text("Sudah", chat_id=1001, message_id=sent.message_id)
    assert user.inbox == [user.find(sent.message_id)]
    assert "reply_markup" not in user.inbox[0] and user.inbox[0]["text"] == "Sudah"
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", chat_id=1001, message_id=99)
    with pytest.raises(BadRequest, match="Message can't be edited"):
        await bot.edit_message_text("x", chat_id=1001, message_id=1)
    assert sandbox.errors == []


async def test_telegram_refusals(bot: Bot, sandbox: Sandbox) -> None:
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(777, "hello")
    user = sandbox.user(1001, "Rina")
    await user.send_text("hi")
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(1001, "   ")
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(1001, "x" * 4097)
    # HTML tags do not count towards the limit.
    await bot.send_message(1001, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await bot.send_photo(1001, png(), caption="x" * 1025)
    with pytest.raises(BadRequest, match='Can\'t parse entities: unsupported start tag "nama"'):
        await bot.send_message(1001, "Halo <nama>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="can't find end tag corresponding to start tag b"):
        await bot.send_message(1001, "<b>tebal", parse_mode="HTML")
    with pytest.raises(BadRequest, match="Can't parse entities: character '&'"):
        await bot.send_message(1001, "Syarat & ketentuan", parse_mode="HTML")
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="d" * 65)]])
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(1001, "x", reply_markup=too_long)
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query("12345")
    assert sandbox.errors == []


async def test_blocked_user_gives_forbidden(bot: Bot, sandbox: Sandbox) -> None:
    user = sandbox.user(1001, "Rina")
    await user.send_text("hi")
    sandbox.block(1001)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(1001, "are you there?")
    updates = await bot.get_updates(timeout=0)
    member = updates[-1].my_chat_member
    assert member is not None and member.new_chat_member.status == "kicked"
    # Writing again restarts the bot, as the "Restart" button does.
    await user.send_text("/start")
    assert (await bot.send_message(1001, "welcome back")).text == "welcome back"


# PTB warns about RetryAfter.retry_after's coming type change whenever it builds the error.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_injected_failures_and_flood_limits(bot: Bot, sandbox: Sandbox) -> None:
    user = sandbox.user(1001, "Rina")
    await user.send_text("hi")
    sandbox.fail_next(
        "sendMessage", status=429, description="Too Many Requests: retry after 7", retry_after=7
    )
    # retry_after is seconds, or a timedelta once PTB_TIMEDELTA is on (bot/ opts in).
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(1001, "one")
    assert caught.value.retry_after in (7, timedelta(seconds=7))
    assert sandbox.requests[-1].response == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 7",
        "parameters": {"retry_after": 7},
    }
    await bot.send_message(1001, "two")  # the fault was used up

    sandbox.flood_limits = True
    with pytest.raises(RetryAfter) as caught:
        for number in range(10):
            await bot.send_message(1001, f"burst {number}")
    assert caught.value.retry_after in (1, timedelta(seconds=1))
    # A burst of three passes, then about one message per second.
    assert len([r for r in sandbox.calls("sendMessage") if r.ok]) == 1 + 3
    refused = sandbox.requests[-1]
    assert refused.status == 429
    assert refused.response is not None and refused.response["parameters"]["retry_after"] >= 1


async def test_commands_are_stored_per_scope_and_language(bot: Bot, sandbox: Sandbox) -> None:
    user = sandbox.user(1001, "Rina")
    await user.send_text("/start")
    await bot.set_my_commands(
        [BotCommand("start", "Mulai"), BotCommand("bantuan", "Bantuan")], language_code="id"
    )
    await bot.set_my_commands([BotCommand("start", "Start")], scope=BotCommandScopeChat(1001))
    assert sandbox.commands[('{"type":"default"}', "id")][1] == {
        "command": "bantuan",
        "description": "Bantuan",
    }
    chat_key = json.dumps({"chat_id": 1001, "type": "chat"}, separators=(",", ":"))
    assert sandbox.commands[(chat_key, "")] == [{"command": "start", "description": "Start"}]
    assert [c.command for c in await bot.get_my_commands(language_code="id")] == [
        "start",
        "bantuan",
    ]
    assert await bot.get_my_commands() == ()
    await bot.delete_my_commands(scope=BotCommandScopeChat(1001))
    assert (chat_key, "") not in sandbox.commands
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.set_my_commands([BotCommand("start", "x")], scope=BotCommandScopeChat(5))


async def test_bot_uploads_a_png_and_the_user_downloads_it(bot: Bot, sandbox: Sandbox) -> None:
    user = sandbox.user(1001, "Rina")
    await user.send_text("hi")
    image = png(1600, 900)
    sent = await bot.send_photo(1001, image, caption="<i>peta</i>", parse_mode="HTML")
    assert [(p.width, p.height) for p in sent.photo] == [
        (90, 51),
        (320, 180),
        (800, 450),
        (1280, 720),
    ]
    assert sent.caption == "peta" and sent.caption_entities[0].type == "italic"
    shown = await user.next_message()
    assert user.download(shown) == image  # what the bot sent, byte for byte
    served = Image.open(io.BytesIO(user.download(shown, reencoded=True)))
    assert (served.format, served.size) == ("JPEG", (1280, 720))
    # Sending again by file_id reuses the stored photo.
    again = await bot.send_photo(1001, sent.photo[-1].file_id)
    assert again.photo[-1].file_unique_id == sent.photo[-1].file_unique_id

    document = await bot.send_document(1001, b"id,nama\n1,Rina\n", filename="data.csv")
    assert document.document is not None and document.document.file_name == "data.csv"
    assert user.download(user.last_message()) == b"id,nama\n1,Rina\n"
    with pytest.raises(BadRequest, match="Image_process_failed"):
        await bot.send_photo(1001, b"not an image at all")
    assert sandbox.errors == []


async def test_bot_sends_an_album(bot: Bot, sandbox: Sandbox) -> None:
    user = sandbox.user(1001, "Rina")
    await user.send_text("hi")
    media = [InputMediaPhoto(png(), caption="satu"), InputMediaPhoto(png(color=(0, 0, 255)))]
    messages = await bot.send_media_group(1001, media)
    assert len(messages) == 2 and messages[0].media_group_id == messages[1].media_group_id
    assert [m.get("caption") for m in user.inbox] == ["satu", None]
    assert sandbox.calls("sendMediaGroup")[0].attachments  # the files came as attach:// parts


async def test_user_photo_loses_exif_but_a_document_keeps_it(bot: Bot, sandbox: Sandbox) -> None:
    exif = Image.Exif()
    exif[0x010F] = "KameraDesa"  # Make
    buffer = io.BytesIO()
    Image.new("RGB", (2000, 1500), (10, 120, 40)).save(buffer, format="JPEG", exif=exif)
    original = buffer.getvalue()

    user = sandbox.user(1001, "Rina")
    await user.send_photo(original, caption="Kegiatan")
    await user.send_document(original, file_name="foto.jpg", mime_type="image/jpeg")
    photo_update, document_update = await bot.get_updates(timeout=0)

    assert photo_update.message is not None and document_update.message is not None
    sizes = photo_update.message.photo
    assert [(p.width, p.height) for p in sizes] == [(90, 68), (320, 240), (800, 600), (1280, 960)]
    largest = await (await bot.get_file(sizes[-1].file_id)).download_as_bytearray()
    assert Image.open(io.BytesIO(largest)).getexif() == {}
    assert photo_update.message.caption == "Kegiatan"

    document = document_update.message.document
    assert document is not None and document.mime_type == "image/jpeg"
    kept = await (await bot.get_file(document.file_id)).download_as_bytearray()
    assert bytes(kept) == original
    assert Image.open(io.BytesIO(kept)).getexif()[0x010F] == "KameraDesa"
    with pytest.raises(BadRequest, match="Invalid file_id"):
        await bot.get_file("nope")


async def test_small_photos_are_not_upscaled_and_big_files_are_refused(
    bot: Bot, sandbox: Sandbox
) -> None:
    user = sandbox.user(1001, "Rina")
    await user.send_photo(png(60, 40))
    await user.send_document(
        b"\0" * (20 * 1024 * 1024 + 1), file_name="besar.bin", mime_type="application/octet-stream"
    )
    photo, big = await bot.get_updates(timeout=0)
    assert photo.message is not None and [(p.width, p.height) for p in photo.message.photo] == [
        (60, 40)
    ]
    assert big.message is not None and big.message.document is not None
    with pytest.raises(BadRequest, match="File is too big"):
        await bot.get_file(big.message.document.file_id)
    with pytest.raises(ValueError, match="not a decodable image"):
        await user.send_photo(b"corrupt")


async def test_strict_mode_refuses_parameters_telegram_does_not_know(
    bot: Bot, sandbox: Sandbox
) -> None:
    spec_or_skip()
    user = sandbox.user(1001, "Rina")
    await user.send_text("hi")
    with pytest.raises(BadRequest, match=r"(?i)unknown parameter 'colour' for sendMessage"):
        await bot.send_message(1001, "x", api_kwargs={"colour": "red"})
    assert sandbox.errors == ["sendMessage: unknown parameter 'colour' for sendMessage"]
    sandbox.errors.clear()


async def test_lenient_sandbox_accepts_what_telegram_tolerates() -> None:
    async with Sandbox(token=TOKEN, strict=False) as sandbox:
        bot = Bot(TOKEN, base_url=f"{sandbox.url}/bot")
        async with bot:
            user = sandbox.user(5, "Lina")
            await user.send_text("hi")
            sent = await bot.send_message(5, "Syarat & ketentuan", parse_mode="HTML")
            assert sent.text == "Syarat & ketentuan"
            # Without strict mode, unknown parameters are recorded, not refused.
            await bot.send_message(5, "x", api_kwargs={"colour": "red"})
            assert sandbox.calls("sendMessage")[-1].params["colour"] == "red"
            assert sandbox.errors == []


async def test_update_filters_offsets_and_competing_pollers(bot: Bot, sandbox: Sandbox) -> None:
    user = sandbox.user(1001, "Rina")
    for text in ("a", "b", "c"):
        await user.send_text(text)
    # A negative offset keeps only the last updates.
    assert [u.update_id for u in await bot.get_updates(offset=-1, timeout=0)] == [3]
    await user.send_text("d")
    only_callbacks = await bot.get_updates(offset=4, timeout=0, allowed_updates=["callback_query"])
    assert only_callbacks == ()  # the message update was dropped, never to be delivered
    await bot.get_updates(timeout=0, allowed_updates=[])  # back to the default kinds

    # A second poller (another process with the same token) terminates the waiting poll.
    # PTB's Bot serialises its own getUpdates calls, hence the plain HTTP request.
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.05)
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{sandbox.url}/bot{TOKEN}/getUpdates") as response,
    ):
        assert response.status == 200
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await first

    await user.send_text("e")
    await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates(timeout=0) == ()


async def test_other_methods_bots_use(bot: Bot, sandbox: Sandbox) -> None:
    user = sandbox.user(1001, "Rina")
    question = await user.send_text("di mana?")
    events: list[str] = []
    sandbox.add_listener(lambda event: events.append(event.kind))

    await bot.send_chat_action(1001, "typing")
    located = await bot.send_location(
        1001, -7.05, 109.4, reply_to_message_id=question["message_id"]
    )
    assert located.location is not None and located.location.latitude == -7.05
    assert located.reply_to_message is not None and located.reply_to_message.text == "di mana?"
    with pytest.raises(BadRequest, match="Message to be replied not found"):
        await bot.send_message(1001, "x", reply_to_message_id=999)

    photo = await bot.send_photo(1001, png(), caption="lama")
    await bot.edit_message_caption(1001, photo.message_id, caption="baru")
    assert user.find(photo.message_id) is not None
    assert user.last_message()["caption"] == "baru"
    with pytest.raises(BadRequest, match="There is no text in the message to edit"):
        await bot.edit_message_text("x", chat_id=1001, message_id=photo.message_id)
    assert await bot.delete_message(1001, photo.message_id)
    assert user.find(photo.message_id) is None
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(1001, photo.message_id)

    await bot.set_my_description("Laporan desa", language_code="id")
    assert (await bot.get_my_description("id")).description == "Laporan desa"
    assert await bot.log_out() is True
    assert events == ["action", "message", "message", "edited", "deleted"]
    assert sandbox.errors == []


async def test_callback_answers_are_single_use(bot: Bot, sandbox: Sandbox) -> None:
    user = sandbox.user(1001, "Rina")
    await user.send_text("hi")
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Ya", callback_data="y")]])
    shown = await bot.send_message(1001, "Lanjut?", reply_markup=keyboard)
    await bot.get_updates(offset=2, timeout=0)  # confirm the message update

    press = asyncio.create_task(user.press(shown.message_id, "Ya"))
    (update,) = await bot.get_updates(offset=2, timeout=1)
    query = update.callback_query
    assert query is not None and query.data == "y" and query.message is not None
    assert query.message.message_id == shown.message_id
    await bot.answer_callback_query(query.id, text="Oke", show_alert=True)
    assert await press == {"callback_query_id": query.id, "text": "Oke", "show_alert": True}
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(query.id)


async def test_every_kind_of_user_message_has_telegrams_shape(bot: Bot, sandbox: Sandbox) -> None:
    user = sandbox.user(1001, "Rina", last_name="Wati", username="rinawati")
    first = await user.send_text("/lapor")
    await user.send_sticker()
    await user.send_video()
    await user.send_contact()
    await user.send_location(-6.9, 109.38, horizontal_accuracy=12.5, live_period=900)
    await user.send_location(-6.9, 109.38, forwarded=True)
    await user.send_text("balasan", reply_to=first["message_id"])
    await user.edit_text(first, "/lapor ulang")
    updates = await bot.get_updates(timeout=0)  # the sandbox fixture checks them against api.json

    messages = [u.message or u.edited_message for u in updates]
    assert all(m is not None for m in messages)
    sticker, video, contact, live, forwarded, reply, edited = messages[1:]
    assert sticker is not None and sticker.sticker is not None and sticker.sticker.emoji == "👍"
    assert video is not None and video.video is not None
    assert (video.video.width, video.video.mime_type) == (640, "video/mp4")
    assert contact is not None and contact.contact is not None and contact.contact.user_id == 1001
    assert live is not None and live.location is not None
    # (to_dict, because PTB warns about the coming type change of live_period.)
    assert live.location.to_dict()["live_period"] == 900
    assert live.location.horizontal_accuracy == 12.5
    assert forwarded is not None and forwarded.forward_origin is not None
    assert reply is not None and reply.reply_to_message is not None
    assert reply.reply_to_message.text == "/lapor"
    assert edited is not None and updates[-1].edited_message is not None
    assert edited.text == "/lapor ulang" and edited.edit_date is not None
    assert edited.chat.username == "rinawati" and edited.chat.last_name == "Wati"
    sticker_file = await bot.get_file(sticker.sticker.file_id)
    assert (await sticker_file.download_as_bytearray())[:4] == b"RIFF"


async def test_json_and_form_bodies_are_accepted(sandbox: Sandbox) -> None:
    user = sandbox.user(1001, "Rina")
    await user.send_text("hi")
    markup = {"inline_keyboard": [[{"text": "Ya", "callback_data": "y"}]]}
    async with aiohttp.ClientSession() as http:
        body = {"chat_id": "1001", "text": "json", "reply_markup": markup}
        async with http.post(f"{sandbox.url}/bot{TOKEN}/sendMessage", json=body) as response:
            assert (await response.json())["result"]["reply_markup"] == markup
        form = {"chat_id": "1001", "text": "form", "reply_markup": json.dumps(markup)}
        async with http.post(f"{sandbox.url}/bot{TOKEN}/sendMessage", data=form) as response:
            assert (await response.json())["result"]["text"] == "form"
    assert [m["text"] for m in user.inbox] == ["json", "form"]
    assert sandbox.calls("sendMessage")[0].params["chat_id"] == 1001  # decoded
