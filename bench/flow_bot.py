"""The bot side of bench/report_flow.py: Dampingan or the bare echo bot, alone in a process.

report_flow.py starts this script with a JSON configuration as its only argument, and the
two talk over this process's stdin and stdout, one JSON object a line. The sandbox and the
simulated people stay in the parent: what is measured here (CPU time, SQL statements and
commits, memory) is the bot's alone.

- `{"cmd": "snapshot", "phase": name, "collect": bool}`: waits until the bot has no update
  in hand, then answers with a `Snapshot` (`collect`: memory read after a garbage
  collection); `name` labels the log records that follow, and starts or stops the profiler
  when the configuration asks for a profile of some phases.
- `{"cmd": "stop"}`: stops the bot, answers with a last snapshot and the log tally, exits.

The first line written is `{"ready": ...}` once the bot polls and its start-up jobs ran, or
`{"error": traceback}`.
"""

from __future__ import annotations

import asyncio
import contextlib
import cProfile
import dataclasses
import gc
import json
import logging
import os
import sys
import time
import traceback
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event
from sqlalchemy.engine import Engine
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

JSONDict = dict[str, Any]

# What the echo bot answers (report_flow.EchoScript waits for these).
ECHO_BUTTON, PRESSED, PHOTO_REPLY, LOCATION_REPLY = "OK", "pressed", "foto", "lokasi"
ECHO_KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton(ECHO_BUTTON, callback_data="ok")]])


@dataclass(frozen=True)
class Snapshot:
    """The bot process's counters at one moment (differences make the figures)."""

    cpu: float  # seconds of CPU time of the whole process, every thread (process_time)
    statements: int  # SQL statements sent to the database (before_cursor_execute)
    commits: int  # transactions committed (the engine's commit event)
    rss: int  # resident memory now, bytes
    peak_rss: int  # the most resident memory so far, bytes (VmHWM)
    objects: int = 0  # objects the garbage collector tracks (only read with `collect`)

    def to_json(self) -> JSONDict:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: JSONDict) -> Snapshot:
        return cls(**{f.name: data[f.name] for f in dataclasses.fields(cls)})


class LogTally(logging.Handler):
    """Counts log records by phase, level, logger and message; keeps one example of each.

    Attached at the root with level INFO; the root logger itself stays at WARNING, so the only
    INFO records that arrive are those of loggers set to INFO on purpose (the rate limiter's
    429 pauses and retries, counted with `count`)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.phase = "setup"
        self.counts: Counter[tuple[str, str, str, str]] = Counter()
        self.examples: dict[tuple[str, str, str, str], str] = {}

    def emit(self, record: logging.LogRecord) -> None:
        key = (self.phase, record.levelname, record.name, str(record.msg))
        self.counts[key] += 1
        if key not in self.examples:
            text = record.getMessage()
            if record.exc_info and record.exc_info[1] is not None:
                # The exception first: the message may hold a long repr of the update.
                error, trace = record.exc_info[1], traceback.extract_tb(record.exc_info[2])
                where = f" at {Path(trace[-1].filename).name}:{trace[-1].lineno}" if trace else ""
                text = f"{type(error).__name__}: {error}{where} <- {text}"
            self.examples[key] = text[:300]

    def problems(self) -> list[tuple[int, str]]:
        """Warnings and errors, most frequent first: (count, line)."""
        return [
            (count, f"{phase}: {level} {name}: {self.examples[key]}")
            for key, count in self.counts.most_common()
            for phase, level, name, _ in [key]
            if level != "INFO"
        ]

    def count(self, logger: str, fragment: str) -> int:
        """Records of `logger` whose message (the format string) contains `fragment`."""
        return sum(
            n for (_, _, name, msg), n in self.counts.items() if name == logger and fragment in msg
        )


def install_tally() -> LogTally:
    tally = LogTally()
    logging.getLogger().addHandler(tally)
    logging.getLogger().setLevel(logging.WARNING)
    # core/ratelimit.py logs a 429 pause and a retry at INFO: counted, never shown.
    logging.getLogger("core.ratelimit").setLevel(logging.INFO)
    return tally


def memory_status() -> dict[str, int]:
    """VmRSS (resident now) and VmHWM (the most resident so far) of this process, bytes.

    Not getrusage's ru_maxrss: Linux carries that over from the parent through fork and
    exec, so a child started by a 180 MiB parent starts with a peak of 180 MiB."""
    sizes = {}
    with open("/proc/self/status") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                sizes[name] = int(value.split()[0]) * 1024  # kB
    return sizes


class Counters:
    """SQL statements and commits of every engine in this process: only the bot's are here."""

    def __init__(self) -> None:
        self.statements = 0
        self.commits = 0
        event.listen(Engine, "before_cursor_execute", self._statement)
        event.listen(Engine, "commit", self._commit)

    def _statement(self, *_: object) -> None:
        self.statements += 1

    def _commit(self, *_: object) -> None:
        self.commits += 1

    def snapshot(self, *, collect: bool = False) -> Snapshot:
        """The counters now; with `collect`, memory is read after a garbage collection (which
        runs after the CPU time is read, so that it counts in no phase)."""
        cpu = time.process_time()
        objects = 0
        if collect:
            gc.collect()
            objects = len(gc.get_objects())
        memory = memory_status()
        return Snapshot(
            cpu, self.statements, self.commits, memory["VmRSS"], memory["VmHWM"], objects
        )


# --- the two bots ----------------------------------------------------------------------


@dataclass
class RunningBot:
    busy: Callable[[], bool]  # updates fetched and not yet handled
    stop: Callable[[], Awaitable[None]]
    settings: JSONDict  # what the bot runs with, for the report


async def start_dampingan(config: JSONDict) -> RunningBot:
    """The real application, as `dampingan serve` builds it (scheduled jobs off)."""
    from bot.app import build_application, start_polling, stop_polling
    from core.settings import Settings

    settings = Settings(_env_file=None, **config["settings"])
    app = build_application(settings)
    await start_polling(app, poll_timeout=1)
    await start_up_jobs(app)

    async def stop() -> None:
        await stop_polling(app)

    return RunningBot(
        lambda: app.busy,
        stop,
        {"send_rate": settings.send_rate, "chat_send_rate": settings.chat_send_rate},
    )


async def start_up_jobs(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Waits until no job is due within seconds (the menu refresh starts at once) and the
    jobs have had a moment to begin; the parent then waits for a quiet sandbox."""
    queue = app.job_queue
    assert queue is not None
    soon = datetime.now(UTC) + timedelta(seconds=5)
    due = [job.next_t for job in queue.jobs() if job.next_t is not None and job.next_t < soon]
    wait = (max(due) - datetime.now(UTC)).total_seconds() if due else 0.0
    await asyncio.sleep(max(wait, 0.0) + 0.5)


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Sends the text back, with a button to tap next."""
    message = update.effective_message
    assert message is not None and message.text is not None
    await message.reply_text(message.text, reply_markup=ECHO_KEYBOARD)


async def echo_photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Says a photo came (nothing downloaded), with a button to tap next."""
    message = update.effective_message
    assert message is not None
    await message.reply_text(PHOTO_REPLY, reply_markup=ECHO_KEYBOARD)


async def echo_location(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Says a location came, with a button to tap next."""
    message = update.effective_message
    assert message is not None
    await message.reply_text(LOCATION_REPLY, reply_markup=ECHO_KEYBOARD)


async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers the tap and says so, with a button to tap next."""
    query, message = update.callback_query, update.effective_message
    assert query is not None and message is not None
    await query.answer()
    await message.reply_text(PRESSED, reply_markup=ECHO_KEYBOARD)


async def start_echo(config: JSONDict) -> RunningBot:
    """A bare PTB Application with PTB's defaults (updates one at a time, no rate limiter)."""
    url = config["api_url"]
    app = (
        ApplicationBuilder()
        .token(config["token"])
        .base_url(f"{url}/bot")
        .base_file_url(f"{url}/file/bot")
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.add_handler(MessageHandler(filters.PHOTO, echo_photo))
    app.add_handler(MessageHandler(filters.LOCATION, echo_location))
    app.add_handler(CallbackQueryHandler(pressed))
    updater = app.updater
    assert updater is not None
    # As sandbox.testing.polling does it.
    await app.initialize()
    await updater.start_polling(poll_interval=0.0)
    await app.start()

    async def stop() -> None:
        if updater.running:
            await updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()

    def busy() -> bool:
        processor = app.update_processor
        return not app.update_queue.empty() or processor.current_concurrent_updates > 0

    return RunningBot(busy, stop, {})


# --- the conversation with report_flow.py ----------------------------------------------


async def quiet(bot: RunningBot, timeout: float = 30.0) -> None:  # noqa: ASYNC109
    """Until the bot holds no update (the work after a step's answer, such as recording
    that the question was asked, belongs to the phase that caused it)."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(timeout):
            while bot.busy():  # noqa: ASYNC110 (nothing to wait on: PTB has no event)
                await asyncio.sleep(0.01)


async def serve(config: JSONDict, out: TextIO) -> None:
    def say(message: JSONDict) -> None:
        out.write(json.dumps(message) + "\n")
        out.flush()

    tally = install_tally()
    counters = Counters()
    started = time.perf_counter()
    try:
        start = start_dampingan if config["bot"] == "dampingan" else start_echo
        bot = await start(config)
    except Exception:
        say({"error": traceback.format_exc()})
        return
    say(
        {
            "ready": time.perf_counter() - started,
            "pid": os.getpid(),
            "settings": bot.settings,
            "snapshot": counters.snapshot(collect=True).to_json(),
        }
    )
    # Profiled (--profile): the event loop's thread, during the phases named in the config.
    profiler = cProfile.Profile() if config.get("profile") else None
    profiled = set(config.get("profile_phases", ()))
    while line := await asyncio.to_thread(sys.stdin.readline):
        command = json.loads(line)
        if command["cmd"] == "snapshot":
            await quiet(bot)
            tally.phase = command["phase"]
            snapshot = counters.snapshot(collect=bool(command.get("collect")))
            if profiler is not None:
                if tally.phase in profiled:
                    profiler.enable()
                else:
                    profiler.disable()
            say({"snapshot": snapshot.to_json()})
        elif command["cmd"] == "stop":
            break
    # Asked to stop, or the parent went away (end of stdin).
    tally.phase = "shutdown"
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(config["profile"])
    await bot.stop()
    say(
        {
            "snapshot": counters.snapshot(collect=True).to_json(),
            "problems": tally.problems(),
            "pauses_429": tally.count("core.ratelimit", "429, every call waits"),
            "retries": tally.count("core.ratelimit", "; retry "),
        }
    )


def main() -> None:
    # The protocol owns the real stdout; anything else printed goes to stderr.
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    asyncio.run(serve(json.loads(sys.argv[1]), out))


if __name__ == "__main__":
    main()
