"""``python -m sandbox``: the sandbox Bot API as a standalone server, with the terminal chat.

For a bot running in another process (``TELEGRAM_API_URL=http://127.0.0.1:8081``), e.g. to
train staff on the real bot. ``dampingan demo`` runs bot and sandbox in one process instead.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging

from sandbox.server import Sandbox
from sandbox.terminal import PersonaSpec, run_terminal

DEFAULT_TOKEN = "100000001:SANDBOX-token"


def parse_persona(text: str) -> tuple[str, PersonaSpec]:
    """Parses ``NAME=ID:FIRST_NAME[:LANGUAGE]``, e.g. ``admin=1001:Rina:id``."""
    name, _, rest = text.partition("=")
    parts = rest.split(":")
    if not name or len(parts) < 2 or not parts[0].isdigit():
        raise argparse.ArgumentTypeError(f"expected NAME=ID:FIRST_NAME[:LANGUAGE], got {text!r}")
    language = parts[2] if len(parts) > 2 else "id"
    return name, PersonaSpec(int(parts[0]), parts[1], language)


async def serve(args: argparse.Namespace) -> None:
    """Runs the sandbox until the terminal session ends (or forever with --no-terminal)."""
    sandbox = Sandbox(
        token=args.token,
        bot_username=args.bot_username,
        strict=not args.lenient,
        flood_limits=args.flood_limits,
        long_poll_max=25.0,  # a separate bot process: poll like Telegram, not like a test
    )
    await sandbox.start(args.host, args.port)
    try:
        print(f"Bot API sandbox at {sandbox.url}")
        print(f"  TELEGRAM_API_URL={sandbox.url} TELEGRAM_BOT_TOKEN={args.token}")
        if args.no_terminal:
            await asyncio.Event().wait()
        personas = dict(args.persona or [parse_persona("me=1001:Test:id")])
        await run_terminal(sandbox, personas, initial=next(iter(personas)))
        if sandbox.errors:
            print("Calls Telegram would refuse:", *sandbox.errors, sep="\n  ")
    finally:
        await sandbox.stop()


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--bot-username", default="dampingan_bot")
    parser.add_argument(
        "--persona",
        action="append",
        type=parse_persona,
        help="NAME=ID:FIRST_NAME[:LANGUAGE]; repeat for several people (the first is active)",
    )
    parser.add_argument("--no-terminal", action="store_true", help="serve only")
    parser.add_argument("--lenient", action="store_true", help="no api.json validation")
    parser.add_argument("--flood-limits", action="store_true", help="enforce ~1 msg/s per chat")
    logging.basicConfig(level=logging.WARNING)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(parser.parse_args()))


if __name__ == "__main__":
    main()
