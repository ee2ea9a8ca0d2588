"""The bot's HTTP client for the Bot API (core/aiohttp_request.py, on aiohttp) against
python-telegram-bot's own HTTPXRequest, in the same run: CPU of this process per
`Bot.send_message`, one call at a time and 32 at once (the bot's updates in flight).

The answering server runs in a process of its own, so only the client's work is counted:
PTB building the request and parsing the answer, and the HTTP library.

    .venv/bin/python bench/http_client.py [--calls 3000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import socket
import sys
import time
from pathlib import Path

from aiohttp import web
from telegram import Bot
from telegram.request import BaseRequest, HTTPXRequest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.aiohttp_request import AiohttpRequest

ME = {"id": 7, "is_bot": True, "first_name": "Dampingan", "username": "dampbot"}
MESSAGE = {
    "message_id": 1,
    "date": 0,
    "chat": {"id": 42, "type": "private", "first_name": "Siti"},
    "text": "Pilih desa yang dikunjungi. " * 8,
}


def _serve(port: int) -> None:
    async def answer(request: web.Request) -> web.Response:
        await request.read()
        result = ME if request.path.endswith("/getMe") else MESSAGE
        return web.json_response({"ok": True, "result": result}, dumps=json.dumps)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _request(name: str) -> BaseRequest:
    if name == "httpx":  # what ApplicationBuilder builds by default
        return HTTPXRequest(connection_pool_size=256, read_timeout=10, write_timeout=10)
    return AiohttpRequest(pool_size=256, read_timeout=10, write_timeout=10)


async def _measure(name: str, port: int, calls: int, at_once: int) -> float:
    bot = Bot("123:abc", base_url=f"http://127.0.0.1:{port}/bot", request=_request(name))
    async with bot:

        async def worker(count: int) -> None:
            for _ in range(count):
                await bot.send_message(chat_id=42, text="Pilih desa yang dikunjungi.")

        await asyncio.gather(*(worker(20) for _ in range(at_once)))  # warm the pool
        started = time.process_time()
        await asyncio.gather(*(worker(calls // at_once) for _ in range(at_once)))
        return (time.process_time() - started) / (calls // at_once * at_once) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000)
    args = parser.parse_args()
    port = _free_port()
    server = multiprocessing.Process(target=_serve, args=(port,), daemon=True)
    server.start()
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        print(f"CPU of this process per Bot.send_message, ms ({args.calls} calls; in turns)")
        for at_once in (1, 32):
            best: dict[str, float] = {}
            for name in ("httpx", "aiohttp", "httpx", "aiohttp"):
                cpu = asyncio.run(_measure(name, port, args.calls, at_once))
                best[name] = min(cpu, best.get(name, cpu))
                print(f"  {at_once:2} at once  {name:<8} {cpu:.3f}")
            ratio = best["aiohttp"] / best["httpx"]
            print(f"  {at_once:2} at once, best of two: aiohttp {best['aiohttp']:.3f} ms,", end="")
            print(f" httpx {best['httpx']:.3f} ms: {ratio:.2f}x")
    finally:
        server.terminate()


if __name__ == "__main__":
    main()
