"""Fault injection: Telegram failing, answering late, flooding and serving files slowly.

Calls go over raw HTTP where the exact status and timing matter, and through PTB's Bot where
what the bot's own request code does with the fault is the point.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from telegram import Bot
from telegram.error import NetworkError, TimedOut
from telegram.ext import AIORateLimiter, ExtBot

from sandbox import Sandbox, SandboxUser
from tests.sandbox.conftest import TOKEN, png

JSONDict = dict[str, Any]


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """A plain HTTP client, to see statuses and time-outs exactly."""
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def rina(sandbox: Sandbox) -> SandboxUser:
    """A user whose chat exists, so that the bot can write to her."""
    user = sandbox.user(1001, "Rina")
    await user.send_text("hi")
    return user


async def call(
    http: aiohttp.ClientSession,
    sandbox: Sandbox,
    method: str,
    *,
    read_timeout: float | None = None,
    **params: Any,
) -> tuple[int, JSONDict]:
    """Calls a Bot API method with a JSON body; returns the HTTP status and the body."""
    timeout = aiohttp.ClientTimeout(sock_read=read_timeout)
    async with http.post(
        f"{sandbox.url}/bot{TOKEN}/{method}", json=params, timeout=timeout
    ) as response:
        body: JSONDict = await response.json()
        return response.status, body


async def send(http: aiohttp.ClientSession, sandbox: Sandbox, text: str) -> int:
    """Sends a message to Rina; returns the HTTP status."""
    status, _ = await call(http, sandbox, "sendMessage", chat_id=1001, text=text)
    return status


BAD_GATEWAY: JSONDict = {"ok": False, "error_code": 502, "description": "Bad Gateway"}


async def test_random_failures_follow_the_rate_and_repeat_with_the_seed(
    http: aiohttp.ClientSession, sandbox: Sandbox, rina: SandboxUser
) -> None:
    sandbox.fail_randomly(0.3, seed=7)
    first = [await send(http, sandbox, f"a{n}") for n in range(200)]
    assert set(first) == {200, 502}
    # 60 expected; the seed fixes the outcome, the range only says the rate is honoured.
    assert 40 <= first.count(502) <= 80
    assert sandbox.calls("sendMessage")[0].response is not None
    failed = next(r for r in sandbox.calls("sendMessage") if not r.ok)
    assert failed.response == BAD_GATEWAY and failed.fault == "fail"
    # A refused call never reached the chat.
    assert len(rina.inbox) == first.count(200)
    assert sandbox.faults_injected == [("sendMessage", "fail")] * first.count(502)

    sandbox.fail_randomly(0.3, seed=7)
    again = [await send(http, sandbox, f"b{n}") for n in range(200)]
    assert again == first

    sandbox.fail_randomly(0)
    assert [await send(http, sandbox, f"c{n}") for n in range(20)] == [200] * 20


async def test_random_failures_take_a_status_and_a_method_list(
    http: aiohttp.ClientSession, sandbox: Sandbox, rina: SandboxUser
) -> None:
    sandbox.fail_randomly(
        1, status=500, description="Internal Server Error", methods=["sendChatAction"]
    )
    assert await send(http, sandbox, "ok") == 200
    status, body = await call(http, sandbox, "sendChatAction", chat_id=1001, action="typing")
    assert (status, body["description"]) == (500, "Internal Server Error")
    with pytest.raises(ValueError, match="unknown Bot API method"):
        sandbox.fail_randomly(0.5, methods=["sendMesage"])
    with pytest.raises(ValueError, match="between 0 and 1"):
        sandbox.fail_randomly(1.5)


async def test_failure_after_acting_delivers_and_answers_502(
    bot: Bot, sandbox: Sandbox, rina: SandboxUser
) -> None:
    sandbox.fail_randomly(1, after_acting=1)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(1001, "terkirim")
    # Telegram acted: the message is in the chat although the bot was told it failed.
    assert rina.last_message()["text"] == "terkirim"
    record = sandbox.calls("sendMessage")[-1]
    assert (record.status, record.response) == (502, BAD_GATEWAY)
    assert sandbox.faults_injected == [("sendMessage", "fail-after-acting")]
    assert "[fail-after-acting]" in sandbox.describe_recent()


async def test_failure_after_acting_mixes_with_plain_failures(
    http: aiohttp.ClientSession, sandbox: Sandbox, rina: SandboxUser
) -> None:
    sandbox.fail_randomly(0.5, after_acting=0.5, seed=3)
    statuses = [await send(http, sandbox, f"m{n}") for n in range(100)]
    kinds = [kind for _, kind in sandbox.faults_injected]
    assert statuses.count(502) == len(kinds)
    assert {"fail", "fail-after-acting"} <= set(kinds)
    # Delivered: every success and every failure after acting.
    assert len(rina.inbox) == statuses.count(200) + kinds.count("fail-after-acting")


async def test_late_answer_delivers_but_a_short_read_timeout_expires(
    bot: Bot, sandbox: Sandbox, rina: SandboxUser
) -> None:
    sandbox.answer_late(1, delay=0.8)
    with pytest.raises(TimedOut):
        await bot.send_message(1001, "lambat", read_timeout=0.2)
    assert rina.last_message()["text"] == "lambat"
    record = sandbox.calls("sendMessage")[-1]
    assert record.ok and record.fault == "late"
    # The held answer keeps the sandbox busy until it is sent.
    await bot.get_updates(timeout=0)  # Rina's "hi", which settle would wait for otherwise
    settling = asyncio.create_task(sandbox.settle(quiet=0.05))
    await asyncio.sleep(0.3)
    assert not settling.done()
    await asyncio.wait_for(settling, 2)

    # A patient client gets the answer.
    loop = asyncio.get_running_loop()
    started = loop.time()
    sent = await bot.send_message(1001, "sabar", read_timeout=5)
    assert sent.text == "sabar" and loop.time() - started >= 0.8
    assert sandbox.faults_injected == [("sendMessage", "late")] * 2

    sandbox.answer_late(0, delay=0)
    await bot.send_message(1001, "cepat", read_timeout=0.5)
    assert sandbox.errors == []


async def test_late_answers_follow_the_rate_and_the_methods(
    http: aiohttp.ClientSession, sandbox: Sandbox, rina: SandboxUser
) -> None:
    sandbox.answer_late(0.5, delay=0.2, methods=["sendChatAction"], seed=1)
    assert await send(http, sandbox, "tidak tertahan") == 200
    for _ in range(10):
        status, _ = await call(http, sandbox, "sendChatAction", chat_id=1001, action="typing")
        assert status == 200
    late = len(sandbox.faults_injected)
    assert 0 < late < 10
    assert set(sandbox.faults_injected) == {("sendChatAction", "late")}


async def test_flood_answers_429_and_counts_an_immediate_retry(
    http: aiohttp.ClientSession, sandbox: Sandbox, rina: SandboxUser
) -> None:
    sandbox.flood(0.5, retry_after=1)
    status, body = await call(http, sandbox, "sendMessage", chat_id=1001, text="satu")
    assert (status, body) == (
        429,
        {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 1",
            "parameters": {"retry_after": 1},
        },
    )
    assert sandbox.early_retries == 0
    assert await send(http, sandbox, "lagi") == 429  # at once: too early
    assert sandbox.early_retries == 1
    # The storm is over, but the pause the last 429 announced still runs.
    await asyncio.sleep(0.6)
    assert await send(http, sandbox, "masih terlalu cepat") == 200
    assert sandbox.early_retries == 2
    assert [r.early_retry for r in sandbox.calls("sendMessage")] == [False, True, True]
    assert "[early retry]" in sandbox.describe_recent()

    assert [a.method for a in sandbox.flood_answers] == ["sendMessage"] * 2
    first, second = sandbox.flood_answers
    assert second.at > first.at and first.retry_after == 1
    assert sandbox.faults_injected == [("sendMessage", "429")] * 2
    assert [m["text"] for m in rina.inbox] == ["masih terlalu cepat"]  # nothing carried out


async def test_a_client_that_waits_out_retry_after_is_not_early(
    http: aiohttp.ClientSession, sandbox: Sandbox, rina: SandboxUser
) -> None:
    sandbox.flood(1.2, retry_after=1)
    statuses = []
    for _ in range(3):
        status = await send(http, sandbox, "tunggu")
        statuses.append(status)
        if status == 429:
            await asyncio.sleep(1)
    # The second call still falls inside the storm; the third comes after it.
    assert statuses == [429, 429, 200]
    assert sandbox.early_retries == 0


async def test_flood_spares_other_methods_and_ends(
    http: aiohttp.ClientSession, sandbox: Sandbox, rina: SandboxUser
) -> None:
    sandbox.flood(5, retry_after=3, methods=["sendMessage"])
    assert await send(http, sandbox, "x") == 429
    status, _ = await call(http, sandbox, "sendChatAction", chat_id=1001, action="typing")
    assert status == 200
    assert sandbox.early_retries == 0  # the pause covers only the flooded method
    sandbox.flood(0)
    assert await send(http, sandbox, "y") == 200
    assert sandbox.early_retries == 1  # the storm ended, not the pause it announced


# PTB warns about RetryAfter.retry_after's coming type change whenever it builds the error.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_ptb_rate_limiter_waits_out_a_single_429(
    sandbox: Sandbox, rina: SandboxUser
) -> None:
    sandbox.flood(0.5, retry_after=1)
    async with ExtBot(
        TOKEN, base_url=f"{sandbox.url}/bot", rate_limiter=AIORateLimiter(max_retries=2)
    ) as bot:
        sent = await bot.send_message(1001, "akhirnya")
    assert sent.text == "akhirnya"
    assert [r.status for r in sandbox.calls("sendMessage")] == [429, 200]
    assert sandbox.early_retries == 0


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_early_retries_expose_ptb_5338(sandbox: Sandbox, rina: SandboxUser) -> None:
    """python-telegram-bot#5338: AIORateLimiter ends a 429 pause when any other request
    finishes. PTB 22.8 has the bug; if this fails after an upgrade, the bug is fixed."""
    async with ExtBot(
        TOKEN, base_url=f"{sandbox.url}/bot", rate_limiter=AIORateLimiter(max_retries=2)
    ) as bot:
        sandbox.flood(0.2, retry_after=1, methods=["sendMessage"])
        # A request still on its way when the 429 comes, finishing during the pause.
        sandbox.answer_late(1, delay=0.5, methods=["sendChatAction"])
        action = asyncio.create_task(bot.send_chat_action(1001, "typing"))
        first = asyncio.create_task(bot.send_message(1001, "satu"))
        await asyncio.sleep(0.1)  # the 429 has been answered; the limiter pauses
        second = asyncio.create_task(bot.send_message(1001, "dua"))
        await asyncio.gather(action, first, second)
    sent = sandbox.calls("sendMessage")
    assert [(r.params["text"], r.status, r.early_retry) for r in sent] == [
        ("satu", 429, False),
        ("dua", 200, True),  # let through when the chat action finished, 0.5 s into 1 s
        ("satu", 200, False),
    ]
    assert sandbox.early_retries == 1


async def test_get_updates_and_get_me_are_spared_unless_named(
    http: aiohttp.ClientSession, sandbox: Sandbox
) -> None:
    sandbox.fail_randomly(1)
    sandbox.answer_late(1, delay=5)
    sandbox.flood(5)
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert (await call(http, sandbox, "getUpdates", timeout=0))[0] == 200
    assert (await call(http, sandbox, "getMe"))[0] == 200
    assert loop.time() - started < 2
    assert sandbox.faults_injected == []

    sandbox.flood(0)
    sandbox.answer_late(0, delay=0)
    sandbox.fail_randomly(1, methods=["getUpdates"])
    assert await call(http, sandbox, "getUpdates", timeout=0) == (502, BAD_GATEWAY)
    assert sandbox.faults_injected == [("getUpdates", "fail")]


async def test_a_held_get_updates_keeps_the_sandbox_busy(
    http: aiohttp.ClientSession, sandbox: Sandbox
) -> None:
    user = sandbox.user(1001, "Rina")
    await user.send_text("hi")
    sandbox.answer_late(1, delay=0.5, methods=["getUpdates"])
    polling = asyncio.create_task(call(http, sandbox, "getUpdates", timeout=0))
    await asyncio.sleep(0.1)
    # Fetched, but the bot has not heard of the update yet.
    with pytest.raises(TimeoutError, match="1 call"):
        await sandbox.settle(quiet=0.05, timeout=0.2)
    status, body = await polling
    assert status == 200 and body["result"][0]["message"]["text"] == "hi"
    await sandbox.settle(quiet=0.05, timeout=1)


async def test_slow_downloads_hold_files_but_not_api_calls(
    bot: Bot, sandbox: Sandbox, rina: SandboxUser
) -> None:
    await rina.send_photo(png())
    updates = await bot.get_updates(timeout=0)
    message = updates[-1].message
    assert message is not None
    file = await bot.get_file(message.photo[-1].file_id)
    fast = await file.download_as_bytearray()

    sandbox.slow_downloads(0.6)
    loop = asyncio.get_running_loop()
    started = loop.time()
    download = asyncio.create_task(file.download_as_bytearray())
    await asyncio.sleep(0.05)
    # Someone else's button press is handled while the photo is still coming.
    await bot.send_message(1001, "tombol")
    assert not download.done()
    assert await download == fast and loop.time() - started >= 0.6
    assert sandbox.faults_injected == [("download", "slow-download")]

    sandbox.slow_downloads(0)
    started = loop.time()
    assert await file.download_as_bytearray() == fast
    assert loop.time() - started < 0.5


async def test_stopping_releases_held_answers(http: aiohttp.ClientSession) -> None:
    async with Sandbox(token=TOKEN) as sandbox:
        sandbox.answer_late(1, delay=30, methods=["getMe"])
        held = asyncio.create_task(call(http, sandbox, "getMe"))
        await asyncio.sleep(0.1)
        assert not held.done()
    status, body = await asyncio.wait_for(held, 2)
    assert status == 200 and body["result"]["username"] == "dampingan_bot"
