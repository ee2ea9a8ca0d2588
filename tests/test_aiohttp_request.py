"""The bot's HTTP client for the Bot API (core/aiohttp_request.py): what it sends, and how
its time-outs and failures reach python-telegram-bot. The end-to-end tests run every call
of the bot through it against the sandbox; these pin the edges one at a time."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import BodyPartReader, web
from aiohttp.test_utils import TestServer
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import NetworkError, TimedOut

from core.aiohttp_request import AiohttpRequest, UpdatesRequest

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Handler], Awaitable[str]]]:
    servers: list[TestServer] = []

    async def get_me(_request: web.Request) -> web.Response:
        return _ok(ME)

    async def start(handler: Handler) -> str:
        app = web.Application()
        # Bot.initialize asks getMe: answered here, every other method by `handler`.
        app.router.add_route("*", "/{token}/getMe", get_me)
        app.router.add_route("*", "/{tail:.*}", handler)
        server = TestServer(app)
        await server.start_server()
        servers.append(server)
        return str(server.make_url("/"))

    yield start
    for server in servers:
        await server.close()


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


ME = {"id": 7, "is_bot": True, "first_name": "Dampingan", "username": "dampbot"}
MESSAGE = {"message_id": 1, "date": 0, "chat": {"id": 42, "type": "private"}}


def _bot(base: str, request: AiohttpRequest) -> Bot:
    return Bot("123:abc", base_url=base + "bot", request=request)


async def test_parameters_and_files_arrive_as_telegram_expects(
    serve: Callable[[Handler], Awaitable[str]],
) -> None:
    seen: list[tuple[str, dict[str, Any]]] = []

    async def handler(request: web.Request) -> web.Response:
        fields: dict[str, Any] = {}
        if request.content_type == "multipart/form-data":
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                assert isinstance(part, BodyPartReader)
                content = bytes(await part.read())
                fields[part.name or ""] = (
                    (part.filename, content) if part.filename else content.decode()
                )
        else:
            fields = dict(await request.post())
        seen.append((request.content_type, fields))
        return _ok(MESSAGE)

    base = await serve(handler)
    bot = _bot(base, AiohttpRequest(pool_size=4, read_timeout=5, write_timeout=5))
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Ya", callback_data="ya")]])
    await bot.initialize()
    try:
        sent = await bot.send_message(chat_id=42, text="halo", reply_markup=keyboard)
        await bot.send_document(chat_id=42, document=b"ringkasan", filename="r.xlsx")
    finally:
        await bot.shutdown()
    assert sent.chat.id == 42  # the answer parsed by PTB
    (form_type, form), (upload_type, uploaded) = seen
    assert form_type == "application/x-www-form-urlencoded"
    assert (form["chat_id"], form["text"]) == ("42", "halo")
    assert json.loads(form["reply_markup"]) == keyboard.to_dict()
    assert upload_type == "multipart/form-data"
    assert uploaded["chat_id"] == "42"
    assert uploaded["document"] == ("r.xlsx", b"ringkasan")


async def test_telegrams_errors_reach_the_bot_as_with_httpx(
    serve: Callable[[Handler], Awaitable[str]],
) -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.json_response(
            {"ok": False, "error_code": 502, "description": "Bad Gateway"}, status=502
        )

    base = await serve(handler)
    async with _bot(base, AiohttpRequest(pool_size=4, read_timeout=5, write_timeout=5)) as bot:
        assert bot.username == "dampbot"
        # A 5xx is PTB's NetworkError, which the rate limiter retries (core/ratelimit.py).
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.send_message(chat_id=42, text="halo")


async def test_a_late_answer_times_out_and_an_upload_is_given_its_write_time(
    serve: Callable[[Handler], Awaitable[str]],
) -> None:
    async def handler(request: web.Request) -> web.Response:
        await request.read()
        await asyncio.sleep(0.6)
        return _ok(MESSAGE)

    base = await serve(handler)
    request = AiohttpRequest(
        pool_size=4, read_timeout=0.2, write_timeout=0.2, media_write_timeout=3
    )
    bot = _bot(base, request)
    await bot.initialize()
    try:
        with pytest.raises(TimedOut):
            await bot.send_message(chat_id=42, text="halo")
        # The same wait is within a file's read time plus its media write time.
        await bot.send_photo(chat_id=42, photo=b"not really a jpeg")
        # A time-out the caller gives wins over the defaults (the long poll does this).
        await bot.send_message(chat_id=42, text="halo", read_timeout=3)
    finally:
        await bot.shutdown()


async def test_a_full_pool_times_out_without_sending(
    serve: Callable[[Handler], Awaitable[str]],
) -> None:
    arrived: list[str] = []
    first_arrived, release = asyncio.Event(), asyncio.Event()

    async def handler(request: web.Request) -> web.Response:
        arrived.append((await request.post())["text"])  # type: ignore[arg-type]
        first_arrived.set()
        await release.wait()
        return _ok(MESSAGE)

    base = await serve(handler)
    request = AiohttpRequest(
        pool_size=1, read_timeout=5, write_timeout=5, pool_timeout=0.2, connect_timeout=0.2
    )
    bot = _bot(base, request)
    await bot.initialize()
    try:
        first = asyncio.create_task(bot.send_message(chat_id=42, text="satu"))
        await first_arrived.wait()
        with pytest.raises(TimedOut, match="not\\* sent"):
            await bot.send_message(chat_id=42, text="dua")
        release.set()
        assert (await first).message_id == 1
        assert arrived == ["satu"]
    finally:
        release.set()
        await bot.shutdown()


async def test_no_server_is_a_network_error_and_a_closed_request_says_so() -> None:
    request = AiohttpRequest(pool_size=1, read_timeout=1, write_timeout=1)
    await request.initialize()
    try:
        # Port 9 (discard) is closed on the test machines: the connection is refused.
        with pytest.raises(NetworkError, match="aiohttp"):
            await request.do_request("http://127.0.0.1:9/bot1/getMe", "POST")
    finally:
        await request.shutdown()
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request("http://127.0.0.1:9/bot1/getMe", "POST")
    # PTB initialises a request again after a shutdown (an application restarted).
    await request.initialize()
    await request.shutdown()


async def test_the_proxy_named_by_the_environment_is_used_except_for_no_proxy(
    serve: Callable[[Handler], Awaitable[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    through_proxy: list[str] = []

    async def proxy(request: web.Request) -> web.Response:
        # A forward proxy gets the whole address of the request it relays.
        through_proxy.append(str(request.url))
        return _ok(MESSAGE)

    proxy_url = await serve(proxy)
    monkeypatch.setenv("HTTP_PROXY", proxy_url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    async with Bot(
        "123:abc",
        base_url="http://api.telegram.invalid/bot",
        request=AiohttpRequest(pool_size=1, read_timeout=5, write_timeout=5),
    ) as bot:
        # getMe (Bot.initialize) is answered by the fixture's route on the same server.
        assert bot.username == "dampbot"
        await bot.send_message(chat_id=42, text="halo")
    assert through_proxy == ["http://api.telegram.invalid/bot123:abc/sendMessage"]

    # NO_PROXY: the same proxy variable, but this host is reached directly.
    async def direct(_request: web.Request) -> web.Response:
        return _ok(MESSAGE)

    direct_url = await serve(direct)
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # refused, were it used
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    async with _bot(
        direct_url, AiohttpRequest(pool_size=1, read_timeout=5, write_timeout=5)
    ) as bot:
        assert (await bot.send_message(chat_id=42, text="halo")).message_id == 1
    assert len(through_proxy) == 1


async def test_the_updates_request_keeps_each_update_as_telegram_sent_it(
    serve: Callable[[Handler], Awaitable[str]],
) -> None:
    sent = [
        {
            "update_id": 10,
            "message": {
                "message_id": 5,
                "date": 1796000000,
                "chat": {"id": 42, "type": "private", "first_name": "Siti"},
                "from": {"id": 42, "is_bot": False, "first_name": "Siti"},
                "text": "12",
                # A field this version of PTB does not know: kept in the stored JSON too.
                "future_field": {"a": [1, 2]},
            },
        },
        {
            "update_id": 11,
            "callback_query": {
                "id": "q1",
                "chat_instance": "c",
                "data": "village:7",
                "from": {"id": 42, "is_bot": False, "first_name": "Siti"},
            },
        },
    ]

    async def handler(request: web.Request) -> web.Response:
        return _ok(sent)

    base = await serve(handler)
    updates_request = UpdatesRequest(pool_size=1, read_timeout=5, write_timeout=5)
    bot = Bot(
        "123:abc",
        base_url=base + "bot",
        request=AiohttpRequest(pool_size=1, read_timeout=5, write_timeout=5),
        get_updates_request=updates_request,
    )
    async with bot:
        updates = await bot.get_updates()
    assert [u.update_id for u in updates] == [10, 11]
    assert updates[0].message is not None and updates[0].message.text == "12"
    # PTB built its objects from copies: the kept JSON is exactly what was sent.
    assert updates_request.take_updates() == {10: sent[0], 11: sent[1]}
    assert updates_request.take_updates() == {}
