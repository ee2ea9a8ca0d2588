"""Many field staff filing a report at the same moment, against a bare PTB echo bot.

Run: .venv/bin/python bench/report_flow.py [--users N] [--photos K] [--database URL]

N simulated staff (default 200) each file one full report through the real Dampingan
application, all at once: /lapor, village, date, strategy, activity, households, people,
description, an album of K photos (default 3), done, continue, location, send. The bot runs
on a fresh database (SQLite in a temporary folder; or a throwaway database created on the
PostgreSQL server of --database and dropped afterwards) against the local Bot API sandbox,
flood limits off: this measures the bot, not Telegram. Then a bare python-telegram-bot echo
bot is driven by the same N people sending the same number of updates of the same kinds
(texts and button taps; photos and the location become texts), for a baseline. Last, the
cost of ingesting one 12-megapixel camera JPEG (bench/photo_ingest.py) is measured.

How it measures:
- Latency of a step: from the person's action (just before the update is queued) to the
  moment the sandbox received the bot's answer in that chat: the next bot message; for the
  album, the status message once it counts all K photos; for the location, the summary
  (which follows the "location saved" line).
- Waiting: a sandbox listener wakes only the chat concerned, and taps queue their callback
  query directly (`Person._press`). `SandboxUser.next_message` and `press` wake or poll for
  every waiting person on every change in the sandbox: with hundreds of people that harness
  work costs more than the echo bot itself (figures in bench/README.md).
- The echo bot keeps PTB's defaults (updates processed one at a time), which was its
  fastest setting here; see bench/README.md.
- Photos: users send distinct 1280x960 JPEGs (the size Telegram delivers) from a pool made
  up front; Telegram's re-encoding of each pool image into photo sizes is done once up front
  too (`PreEncodedFiles`), so neither image generation nor Telegram's work is timed.
- Everything (sandbox, bot, people) shares one process and event loop; photo ingest and
  SQLite run in worker threads.

Figures only: speed is never asserted. A report or photo missing from the database, or a
person whose flow broke, is a correctness failure: printed loudly, and the exit status is 1.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import logging
import math
import random
import shutil
import statistics
import sys
import tempfile
import time
import traceback
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from PIL import Image, ImageChops

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg
from photo_ingest import photo_like_jpeg, timings_ms
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine, make_url
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, ContextTypes, MessageHandler, filters

import migrations
from bot.app import build_application, start_polling, stop_polling
from bot.demo import load_demo_data
from core.context import DampinganApplication
from core.settings import Settings
from models.agencies import Agency, active_villages
from models.db import make_engine, make_sessionmaker
from models.reports import Photo, Report, ReportActivity, ReportStatus
from models.users import Role, User
from sandbox import ChatEvent, Sandbox, SandboxUser
from sandbox.files import FileStore, encode_photo_sizes
from sandbox.testing import application_builder, polling
from services.photos import PhotoStore

JSONDict = dict[str, Any]

TOKEN = "123456789:BENCH-token-for-the-sandbox"
ADMIN_ID = 1001
FIRST_STAFF_ID = 700_001
PHOTO_SIZE = (1280, 960)
POOL_SIZE = 30
MAX_PHOTOS = 10  # per activity in the form, and per album on Telegram
TZ = ZoneInfo("Asia/Jakarta")

# What every staff member answers, with the button texts of tests/e2e/test_report.py.
BACK = "◀️ Kembali"
STRATEGY = "1. Pengurangan beban pengeluaran masyarakat"
ACTIVITY = "PBI JKN (iuran BPJS Kesehatan)"
HOUSEHOLDS, PEOPLE = "12", "40"
DESCRIPTION = "Pendataan 12 KK calon penerima PBI JKN di RT 03."
CONTINUE = "Lanjut ▶️"
SEND = "✅ Kirim"
LATITUDE, LONGITUDE, ACCURACY = -7.1234, 109.3456, 12.5

STEPS = (
    "lapor", "village", "date", "strategy", "activity", "households", "people",
    "description", "photos", "done", "continue", "location", "send",
)  # fmt: skip


def log(line: str) -> None:
    """Progress, on stderr so that stdout holds the figures only."""
    print(f"[{time.strftime('%H:%M:%S')}] {line}", file=sys.stderr, flush=True)


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (as photo_ingest.p95): a value that was actually measured."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


# --- photos ----------------------------------------------------------------------------


def phone_photo(seed: int) -> bytes:
    """A distinct 1280x960 JPEG that compresses like a photo (~240 KB once re-encoded)."""
    rng = random.Random(seed)
    width, height = PHOTO_SIZE

    def colour_field(step: int) -> Image.Image:
        size = (width // step, height // step)
        cells = Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))
        return cells.resize(PHOTO_SIZE, Image.Resampling.BICUBIC)

    # Large soft shapes, some mid-frequency texture, and sensor grain.
    picture = Image.blend(colour_field(80), colour_field(10), 0.3)
    grain = Image.effect_noise(PHOTO_SIZE, 2)
    picture = ImageChops.add(picture, Image.merge("RGB", [grain] * 3), scale=1.0, offset=-128)
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


class PreEncodedFiles(FileStore):
    """The sandbox's file store, with Telegram's re-encoding of known images done up front.

    Every photo sent still gets its own file ids, as on Telegram; only the Pillow work,
    which is Telegram's and not the bot's, is taken out of the measured run.
    """

    def __init__(self) -> None:
        super().__init__()
        self._encoded: dict[bytes, list[tuple[bytes, int, int]]] = {}

    def prepare(self, images: Sequence[bytes]) -> None:
        """Re-encodes each image into Telegram's photo sizes, in worker threads."""
        with ThreadPoolExecutor(max_workers=4) as pool:
            for image, sizes in zip(images, pool.map(encode_photo_sizes, images), strict=True):
                self._encoded[image] = sizes

    async def add_photo(
        self, image_bytes: bytes, *, keep_original: bool = False
    ) -> list[dict[str, Any]]:
        encoded = self._encoded.get(image_bytes)
        if encoded is None or keep_original:
            return await super().add_photo(image_bytes, keep_original=keep_original)
        sizes: list[dict[str, Any]] = []
        stored_sizes = []
        for jpeg, width, height in encoded:
            stored = self.add(
                jpeg, kind="photo", extension="jpg", mime_type="image/jpeg",
                width=width, height=height,
            )  # fmt: skip
            stored_sizes.append(stored)
            sizes.append(
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "file_size": stored.size,
                    "width": width,
                    "height": height,
                }
            )
        for stored in stored_sizes:
            stored.photo_group = sizes
        return sizes


def image_pool(count: int) -> list[bytes]:
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(phone_photo, range(count)))


# --- waiting for the bot ---------------------------------------------------------------


class FlowError(Exception):
    """A person's flow did not go as a real person's would: a correctness failure."""


class Arrivals:
    """Records when the bot's messages land in each chat, and wakes only that chat."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self._events: dict[int, asyncio.Event] = {}
        self._changed_at: dict[tuple[int, int], float] = {}
        self._cursor: dict[int, int] = {}
        sandbox.add_listener(self._on_event)

    def mark_read(self, user: SandboxUser) -> None:
        """Counts what the chat holds already (e.g. a reminder sent at start-up) as seen."""
        self._cursor[user.chat_id] = max((m["message_id"] for m in user.inbox), default=0)

    def _on_event(self, event: ChatEvent) -> None:
        if event.kind not in ("message", "edited") or event.message is None:
            return
        self._changed_at[(event.chat_id, event.message["message_id"])] = time.perf_counter()
        waiting = self._events.get(event.chat_id)
        if waiting is not None:
            waiting.set()

    async def wait(
        self,
        user: SandboxUser,
        timeout: float,  # noqa: ASYNC109
        until: Callable[[JSONDict], bool] | None = None,
    ) -> tuple[JSONDict, float]:
        """The next new bot message, or (with `until`) the first matching one in its current
        state; with the moment it got that state. Messages up to it count as seen."""
        event = self._events.setdefault(user.chat_id, asyncio.Event())
        cursor = self._cursor.get(user.chat_id, 0)
        try:
            async with asyncio.timeout(timeout):
                while True:
                    for message in user.inbox:
                        message_id = message["message_id"]
                        if until is None and message_id <= cursor:
                            continue
                        if until is None or until(message):
                            self._cursor[user.chat_id] = max(cursor, message_id)
                            return message, self._changed_at[(user.chat_id, message_id)]
                    # No await between the scan and clear(): no wake-up can be lost.
                    event.clear()
                    await event.wait()
        except TimeoutError:
            last = user.inbox[-1].get("text", "(no text)") if user.inbox else "(nothing)"
            raise FlowError(
                f"no answer within {timeout:.0f} s; last bot message: {last!r}"
            ) from None


@dataclass
class Person:
    """One simulated member of staff: acts, and times each step until the bot's answer."""

    user: SandboxUser
    arrivals: Arrivals
    timeout: float
    latencies: dict[str, float] = field(default_factory=dict)
    messages: int = 0  # texts, taps and the location
    photos: int = 0
    step: str = ""
    finished: bool = False

    @property
    def updates(self) -> int:
        return self.messages + self.photos

    async def text(self, step: str, text: str, expect: str) -> JSONDict:
        self.step, start = step, time.perf_counter()
        await self.user.send_text(text)
        self.messages += 1
        return await self._answer(start, expect)

    async def tap(self, step: str, message: JSONDict, button: str, expect: str) -> JSONDict:
        self.step, start = step, time.perf_counter()
        answered = self._press(message, button)
        self.messages += 1
        answer = await self._answer(start, expect)
        # Both bots answer the query before they send their message.
        if not answered.is_set():
            raise FlowError(f"the bot did not answer the callback query of {button!r}")
        return answer

    def _press(self, message: JSONDict, button: str) -> asyncio.Event:
        """Queues the callback query of an inline button, as SandboxUser.press does, minus
        its wait for the whole sandbox to settle: that polls every 20 ms per pending tap, and
        with hundreds of taps in flight cost the echo baseline about a tenth of its speed."""
        message_id = message["message_id"]
        shown = self.user.find(message_id) or {}
        rows = (shown.get("reply_markup") or {}).get("inline_keyboard", [])
        data = next(
            (b.get("callback_data") for r in rows for b in r if b.get("text") == button), None
        )
        if not isinstance(data, str):
            raise FlowError(f"no button {button!r}: {self.user.button_texts(message_id)}")
        sandbox = self.arrivals.sandbox
        query_id, pending = sandbox.new_callback(self.user)
        query = {
            "id": query_id,
            "from": self.user.as_user,
            "message": self.user.messages[message_id],
            "chat_instance": f"-{abs(hash((sandbox.bot_id, self.user.id))) % 10**18}",
            "data": data,
        }
        sandbox.enqueue("callback_query", query)
        return pending.answered

    async def location(self, step: str, expect: str) -> JSONDict:
        self.step, start = step, time.perf_counter()
        await self.user.send_location(LATITUDE, LONGITUDE, horizontal_accuracy=ACCURACY)
        self.messages += 1
        return await self._answer(start, expect, skip_others=True)

    async def album(self, step: str, images: Sequence[bytes], expect: str) -> JSONDict:
        self.step, start = step, time.perf_counter()
        if len(images) == 1:
            await self.user.send_photo(images[0])  # an album needs two
        else:
            await self.user.send_album(list[bytes | Path](images))
        self.photos += len(images)
        return await self._answer(start, expect, skip_others=True)

    async def burst(self, step: str, texts: Sequence[str]) -> JSONDict:
        """Several texts at once (the echo bot's album); done when all were echoed."""
        self.step, start = step, time.perf_counter()
        for text in texts:
            await self.user.send_text(text)
            self.messages += 1
        replies = [await self._answer(start, "") for _ in texts]
        if sorted(r.get("text", "") for r in replies) != sorted(texts):
            raise FlowError(f"{step}: echoes {[r.get('text') for r in replies]} for {texts}")
        return replies[-1]

    async def _answer(self, start: float, expect: str, *, skip_others: bool = False) -> JSONDict:
        until = (lambda m: expect in m.get("text", "")) if skip_others else None
        message, at = await self.arrivals.wait(self.user, self.timeout, until)
        if expect not in message.get("text", ""):
            raise FlowError(f"expected {expect!r}, the bot answered {message.get('text')!r}")
        self.latencies[self.step] = max(self.latencies.get(self.step, 0.0), at - start)
        return message


def inline_buttons(user: SandboxUser, message: JSONDict) -> list[str]:
    return [text for row in user.button_texts(message["message_id"]) for text in row]


async def report_flow(person: Person, images: Sequence[bytes], index: int) -> None:
    """One full report, every step of the form, as tests/e2e/test_report.py does it."""
    p, k = person, len(images)
    ask_village = await p.text("lapor", "/lapor", "Desa/kelurahan mana")
    villages = [b for b in inline_buttons(p.user, ask_village) if b != BACK]
    ask_date = await p.tap("village", ask_village, villages[index % len(villages)], "Tanggal")
    today = inline_buttons(p.user, ask_date)[0]
    ask_strategy = await p.tap("date", ask_date, today, "Strategi mana")
    ask_activity = await p.tap("strategy", ask_strategy, STRATEGY, "Kegiatan apa")
    await p.tap("activity", ask_activity, ACTIVITY, "keluarga (KK)")
    await p.text("households", HOUSEHOLDS, "orang/jiwa")
    await p.text("people", PEOPLE, "Uraikan")
    await p.text("description", DESCRIPTION, "Kirim foto")
    status = await p.album("photos", images, f"{k} foto diterima")
    ask_more = await p.tap("done", status, f"✅ Selesai ({k} foto)", "kegiatan lain")
    await p.tap("continue", ask_more, CONTINUE, "Bagikan lokasi")
    summary = await p.location("location", "Periksa laporan")
    await p.tap("send", summary, SEND, "Laporan terkirim")


async def echo_flow(person: Person, photos: int) -> None:
    """The same kinds of updates in the same order: texts where Dampingan gets texts, a
    location or photos; taps where it gets taps."""
    p = person
    reply = await p.text("lapor", "/lapor", "/lapor")
    for step in ("village", "date", "strategy", "activity"):
        reply = await p.tap(step, reply, ECHO_BUTTON, PRESSED)
    await p.text("households", HOUSEHOLDS, HOUSEHOLDS)
    await p.text("people", PEOPLE, PEOPLE)
    await p.text("description", DESCRIPTION, DESCRIPTION)
    reply = await p.burst("photos", [f"foto {i + 1}" for i in range(photos)])
    reply = await p.tap("done", reply, ECHO_BUTTON, PRESSED)
    reply = await p.tap("continue", reply, ECHO_BUTTON, PRESSED)
    reply = await p.text("location", "lokasi", "lokasi")
    await p.tap("send", reply, ECHO_BUTTON, PRESSED)


# --- running many people at once -------------------------------------------------------


@dataclass
class Run:
    """What one bot did under the crowd."""

    name: str
    people: list[Person]
    wall: float = 0.0
    failures: list[str] = field(default_factory=list)
    statements: int = 0  # SQL statements executed by anyone during the run

    @property
    def updates(self) -> int:
        return sum(p.updates for p in self.people)

    def latencies(self, step: str | None = None) -> list[float]:
        return [
            seconds
            for p in self.people
            for name, seconds in p.latencies.items()
            if step is None or name == step
        ]


async def crowd(
    run: Run, flows: Sequence[Awaitable[None]], run_timeout: float, progress_every: float = 15.0
) -> None:
    """Runs every person's flow at the same time; a broken flow is recorded, not raised."""

    async def guarded(person: Person, flow: Awaitable[None]) -> None:
        try:
            await flow
            person.finished = True
        except Exception as exc:
            # Recorded and counted as a failure; the other people carry on.
            kind = "" if isinstance(exc, FlowError) else f"{type(exc).__name__}: "
            run.failures.append(f"user {person.user.id} at step {person.step!r}: {kind}{exc}")

    async def progress() -> None:
        while True:
            await asyncio.sleep(progress_every)
            done = sum(p.finished for p in run.people)
            log(f"{run.name}: {done}/{len(run.people)} done, {run.updates} updates sent")

    reporter = asyncio.create_task(progress())
    start = time.perf_counter()
    try:
        async with asyncio.timeout(run_timeout):
            await asyncio.gather(*(guarded(p, f) for p, f in zip(run.people, flows, strict=True)))
    except TimeoutError:
        stuck = [p for p in run.people if not p.finished]
        run.failures.extend(
            f"user {p.user.id} at step {p.step!r}: not done within {run_timeout:.0f} s"
            for p in stuck
        )
    finally:
        run.wall = time.perf_counter() - start
        reporter.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reporter


# --- the bot's log ---------------------------------------------------------------------


class LogTally(logging.Handler):
    """Counts warnings and errors by phase and message, keeping one example of each."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
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

    def lines(self) -> list[str]:
        return [
            f"{count:5d} x {phase}: {level} {name}: {self.examples[key]}"
            for key, count in self.counts.most_common()
            for phase, level, name, _ in [key]
        ]


# --- the database ----------------------------------------------------------------------


@contextlib.contextmanager
def database(server_url: str | None, folder: Path) -> Iterator[str]:
    """A fresh SQLite file, or a throwaway database on a PostgreSQL server (dropped after)."""
    if server_url is None:
        yield f"sqlite:///{folder / 'bench.sqlite3'}"
        return
    parsed = make_url(server_url)
    if parsed.get_backend_name() != "postgresql":
        raise SystemExit("--database takes a postgresql:// URL of a server (SQLite is default)")
    name = f"dampingan_bench_{uuid.uuid4().hex[:12]}"

    def admin() -> psycopg.Connection[Any]:
        return psycopg.connect(
            host=parsed.host or "127.0.0.1",
            port=parsed.port or 5432,
            user=parsed.username or "postgres",
            password=parsed.password,
            dbname=parsed.database or "postgres",
            autocommit=True,
        )

    with admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield parsed.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def load_data(db_url: str, users: int) -> list[str]:
    """Demo data, and `users` staff spread over the agencies that have several villages
    (so the village question is asked). Returns those agencies' names."""
    await load_demo_data(db_url)
    engine = make_engine(db_url)
    try:
        async with make_sessionmaker(engine)() as session:
            today = datetime.now(TZ).date()
            agencies = [
                agency
                for agency in (await session.scalars(select(Agency).order_by(Agency.id))).all()
                if len(await active_villages(session, agency.id, today)) > 1
            ]
            if not agencies:
                raise SystemExit("no demo agency has two or more villages")
            for i in range(users):
                session.add(
                    User(
                        telegram_id=FIRST_STAFF_ID + i,
                        full_name=f"Staff {i + 1}",
                        role=Role.STAFF,
                        agency_id=agencies[i % len(agencies)].id,
                        language="id",
                    )
                )
            await session.commit()
            return [agency.label for agency in agencies]
    finally:
        await engine.dispose()


@dataclass
class Stored:
    reports: int
    photos: int
    drafts: int


async def count_stored(db_url: str) -> Stored:
    engine = make_engine(db_url)
    try:
        async with make_sessionmaker(engine)() as session:
            submitted = Report.status == ReportStatus.SUBMITTED
            reports = await session.scalar(
                select(func.count()).select_from(Report).where(submitted)
            )
            photos = await session.scalar(
                select(func.count())
                .select_from(Photo)
                .join(ReportActivity, Photo.activity_id == ReportActivity.id)
                .join(Report, ReportActivity.report_id == Report.id)
                .where(submitted)
            )
            drafts = await session.scalar(
                select(func.count()).select_from(Report).where(Report.status == ReportStatus.DRAFT)
            )
            return Stored(reports or 0, photos or 0, drafts or 0)
    finally:
        await engine.dispose()


# --- the two bots ----------------------------------------------------------------------

ECHO_BUTTON, PRESSED = "OK", "pressed"
ECHO_KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton(ECHO_BUTTON, callback_data="ok")]])


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Sends the text back, with a button to tap next."""
    message = update.effective_message
    assert message is not None and message.text is not None
    await message.reply_text(message.text, reply_markup=ECHO_KEYBOARD)


async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers the tap and says so, with a button to tap next."""
    query, message = update.callback_query, update.effective_message
    assert query is not None and message is not None
    await query.answer()
    await message.reply_text(PRESSED, reply_markup=ECHO_KEYBOARD)


@dataclass
class ApiStats:
    calls: Counter[str]
    failed: Counter[str]
    sandbox_errors: int


def api_stats(sandbox: Sandbox, since: float) -> ApiStats:
    """The bot's API calls during the run (getUpdates aside), and those that failed."""
    calls: Counter[str] = Counter()
    failed: Counter[str] = Counter()
    for request in sandbox.requests:
        if request.method == "getUpdates" or request.time < since:
            continue
        calls[request.method] += 1
        if not request.ok:
            description = (request.response or {}).get("description", "?")
            failed[f"{request.method} {request.status} {description}"] += 1
    return ApiStats(calls, failed, len(sandbox.errors))


@dataclass
class StartUp:
    seconds: float
    calls: Counter[str]
    rate_limit: str


def rate_limit(app: DampinganApplication) -> str:
    """The bot's own pacing of its API calls, as configured in bot/app.py."""
    limiter = app.bot.rate_limiter
    if limiter is None:
        return "none"
    # AIORateLimiter keeps its overall aiolimiter.AsyncLimiter privately; read it for display.
    overall = getattr(limiter, "_base_limiter", None)
    rate, period = getattr(overall, "max_rate", None), getattr(overall, "time_period", None)
    shown = f" overall {rate:g} per {period:g} s" if rate and period else ""
    return f"{type(limiter).__name__}{shown}"


@contextlib.contextmanager
def counting_statements(run: Run) -> Iterator[None]:
    def count(*_: object) -> None:
        run.statements += 1

    event.listen(Engine, "before_cursor_execute", count)
    try:
        yield
    finally:
        event.remove(Engine, "before_cursor_execute", count)


def open_chats(sandbox: Sandbox, count: int) -> list[SandboxUser]:
    """The staff's chats with the bot, opened before (registered staff have used the bot), so
    that the menus set at start-up reach them as they would on Telegram."""
    users = [sandbox.user(FIRST_STAFF_ID + i, f"Staff{i + 1}") for i in range(count)]
    for user in users:
        user.started = True
    return users


def people(sandbox: Sandbox, users: Sequence[SandboxUser], step_timeout: float) -> list[Person]:
    arrivals = Arrivals(sandbox)
    for user in users:
        arrivals.mark_read(user)
    return [Person(user, arrivals, step_timeout) for user in users]


async def start_up_done(app: DampinganApplication, sandbox: Sandbox) -> None:
    """Waits for the bot's start-up work (the menu refresh): until no job is due within
    seconds, the jobs have had a moment to begin, and the sandbox was quiet for a second."""
    queue = app.job_queue
    assert queue is not None
    soon = datetime.now(UTC) + timedelta(seconds=5)
    due = [job.next_t for job in queue.jobs() if job.next_t is not None and job.next_t < soon]
    wait = (max(due) - datetime.now(UTC)).total_seconds() if due else 0.0
    await asyncio.sleep(max(wait, 0.0) + 0.5)
    try:
        await sandbox.settle(quiet=1.0, timeout=60)
    except TimeoutError:
        log("the bot was still busy a minute after start-up; starting the run anyway")


async def run_dampingan(
    args: argparse.Namespace,
    db_url: str,
    data_dir: Path,
    pool: Sequence[bytes],
    files: FileStore,
    tally: LogTally,
) -> tuple[Run, StartUp, ApiStats]:
    """The real application against its own sandbox, N people reporting at once."""
    async with Sandbox(token=TOKEN, strict=False, flood_limits=False) as sandbox:
        sandbox.files = files
        # A dict, so that this type-checks against versions of Settings without the field.
        overrides: dict[str, Any] = {}
        if args.send_rate is not None:
            overrides["DAMPINGAN_SEND_RATE"] = args.send_rate
        settings = Settings(
            _env_file=None,
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_URL=sandbox.url,
            DATABASE_URL=db_url,
            DAMPINGAN_DATA_DIR=data_dir,
            DAMPINGAN_ADMIN_IDS=str(ADMIN_ID),
            # Weekly reminders and digests (and their catch-up at start, which depends on the
            # day of the week) would reach the staff's chats in the middle of their reports.
            DAMPINGAN_SCHEDULED_JOBS=False,
            **overrides,
        )
        app = build_application(settings)
        users = open_chats(sandbox, args.users)
        started = time.perf_counter()
        await start_polling(app, poll_timeout=1)
        try:
            await start_up_done(app, sandbox)
            start_up = StartUp(
                time.perf_counter() - started, api_stats(sandbox, 0).calls, rate_limit(app)
            )
            run = Run("Dampingan", people(sandbox, users, args.step_timeout))
            k = args.photos
            # Distinct images within an album, rotating through the pool.
            flows = [
                report_flow(p, [pool[(i * k + j) % len(pool)] for j in range(k)], i)
                for i, p in enumerate(run.people)
            ]
            log(f"Dampingan: {args.users} people start their reports")
            tally.phase = "run"
            since = time.time()
            with counting_statements(run):
                await crowd(run, flows, args.run_timeout)
            tally.phase = "after the run"
            with contextlib.suppress(TimeoutError):
                await sandbox.settle(quiet=0.3, timeout=30)
            return run, start_up, api_stats(sandbox, since)
        finally:
            await stop_polling(app)


async def run_echo(args: argparse.Namespace) -> tuple[Run, ApiStats]:
    """A bare PTB Application (defaults: updates one at a time) against a fresh sandbox."""
    async with Sandbox(token=TOKEN, strict=False, flood_limits=False) as sandbox:
        app = application_builder(sandbox).build()
        app.add_handler(MessageHandler(filters.TEXT, echo))
        app.add_handler(CallbackQueryHandler(pressed))
        async with polling(app):
            users = open_chats(sandbox, args.users)
            run = Run("echo", people(sandbox, users, args.step_timeout))
            log(f"echo: {args.users} people start")
            since = time.time()
            await crowd(run, [echo_flow(p, args.photos) for p in run.people], args.run_timeout)
            with contextlib.suppress(TimeoutError):
                await sandbox.settle(quiet=0.3, timeout=30)
            return run, api_stats(sandbox, since)


# --- photo ingest ----------------------------------------------------------------------


@dataclass
class Ingest:
    megabytes: float
    median_ms: float
    p95_ms: float
    runs: int


def measure_ingest(count: int) -> Ingest:
    """PhotoStore.ingest on bench/photo_ingest.py's 12-megapixel camera JPEG."""
    data = photo_like_jpeg()
    with tempfile.TemporaryDirectory() as folder:
        store = PhotoStore(Path(folder), tz=TZ)

        def ingest(i: int) -> None:
            store.ingest(data, key=f"bench/photo-{i + 1}")

        times = timings_ms(ingest, count)
    return Ingest(len(data) / 1e6, statistics.median(times), percentile(times, 0.95), count)


# --- the report ------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.0f}"


def latency_columns(values: list[float]) -> str:
    if not values:
        return f"{'-':>8}{'-':>8}{'-':>8}"
    return ms(percentile(values, 0.5)) + ms(percentile(values, 0.95)) + ms(max(values))


def print_run_header(run: Run, users: int) -> None:
    per_person = run.updates / users if users else 0
    print(f"  wall time        {run.wall:8.1f} s")
    print(
        f"  updates          {run.updates:8d}  ({per_person:.0f} per person)  "
        f"-> {run.updates / run.wall:.1f} updates/s"
    )


def print_api(stats: ApiStats, updates: int) -> None:
    total = sum(stats.calls.values())
    calls = ", ".join(f"{method} {count}" for method, count in stats.calls.most_common())
    print(f"  API calls        {total:8d}  ({total / max(updates, 1):.2f} per update): {calls}")
    failed = sum(stats.failed.values())
    print(f"  failed API calls {failed:8d}")
    for line, count in stats.failed.most_common(5):
        print(f"    {count} x {line}")
    print(f"  sandbox errors   {stats.sandbox_errors:8d}")


def print_failures(run: Run) -> None:
    if not run.failures:
        return
    print(f"  !!! {len(run.failures)} of {len(run.people)} people could not finish:")
    for line in run.failures[:5]:
        print(f"  !!!   {line}")


@dataclass
class Results:
    dampingan: Run
    start_up: StartUp
    dampingan_api: ApiStats
    stored: Stored
    agencies: list[str]
    echo: Run
    echo_api: ApiStats


async def bench(args: argparse.Namespace, db_url: str, folder: Path, tally: LogTally) -> Results:
    log(f"loading the demo data and {args.users} staff")
    agencies = await load_data(db_url, args.users)
    log(f"making {POOL_SIZE} distinct {PHOTO_SIZE[0]}x{PHOTO_SIZE[1]} photos")
    pool = await asyncio.to_thread(image_pool, max(POOL_SIZE, args.photos))
    files = PreEncodedFiles()
    await asyncio.to_thread(files.prepare, pool)
    dampingan, start_up, dampingan_api = await run_dampingan(
        args, db_url, folder / "data", pool, files, tally
    )
    stored = await count_stored(db_url)
    tally.phase = "echo"
    echo_run, echo_api = await run_echo(args)
    return Results(dampingan, start_up, dampingan_api, stored, agencies, echo_run, echo_api)


def print_results(args: argparse.Namespace, r: Results, ingest: Ingest, tally: LogTally) -> None:
    n, k = args.users, args.photos
    backend = "PostgreSQL" if args.database else "SQLite"
    d, e = r.dampingan, r.echo
    print(
        f"Dampingan report flow: {n} staff at once, one report each with an album of {k} "
        f"{PHOTO_SIZE[0]}x{PHOTO_SIZE[1]} photos; {backend}; staff of {', '.join(r.agencies)}"
    )
    calls = ", ".join(f"{m} {c}" for m, c in r.start_up.calls.most_common())
    print(f"  start-up         {r.start_up.seconds:8.1f} s  before the clock: {calls or 'none'}")
    print(f"  bot rate limiter {r.start_up.rate_limit:>8}")
    print_run_header(d, n)
    print(
        f"  {'latency per step, ms':<22}{'Dampingan p50':>16}{'p95':>8}{'max':>8}"
        f"{'echo p50':>14}{'p95':>8}{'max':>8}"
    )
    for step in (*STEPS, None):
        name = step or "all steps"
        print(
            f"    {name:<20}{latency_columns(d.latencies(step))}      "
            f"{latency_columns(e.latencies(step))}"
        )
    ok_reports = r.stored.reports == n
    ok_photos = r.stored.photos == n * k
    mark = {True: "ok", False: "!!! MISMATCH"}
    print(f"  reports stored   {r.stored.reports:8d}  expected {n:d}  {mark[ok_reports]}")
    print(f"  photos stored    {r.stored.photos:8d}  expected {n * k:d}  {mark[ok_photos]}")
    print(f"  drafts left      {r.stored.drafts:8d}")
    print_api(r.dampingan_api, d.updates)
    per_update = d.statements / max(d.updates, 1)
    print(f"  SQL statements   {d.statements:8d}  ({per_update:.2f} per update)")
    print_failures(d)

    print(
        f"Echo baseline: bare PTB Application (defaults: one update at a time), the same {n} "
        f"people x {e.updates // max(n, 1)} updates (texts and taps)"
    )
    print_run_header(e, n)
    print_api(r.echo_api, e.updates)
    print_failures(e)

    print("Ratios, Dampingan / echo")
    d_all, e_all = d.latencies(), e.latencies()
    if d.wall and e.wall and d_all and e_all:
        print(f"  updates/s        {(d.updates / d.wall) / (e.updates / e.wall):8.2f}x")
        for q in (0.5, 0.95):
            ratio = percentile(d_all, q) / percentile(e_all, q)
            print(f"  p{q * 100:.0f} latency      {ratio:8.2f}x")

    print(
        f"Photo ingest: PhotoStore.ingest of a 4000x3000 (12-megapixel) {ingest.megabytes:.1f} MB "
        f"JPEG: median {ingest.median_ms:.0f} ms, p95 {ingest.p95_ms:.0f} ms "
        f"({ingest.runs} runs)"
    )
    lines = tally.lines()
    print(f"Log warnings and errors: {sum(tally.counts.values())}")
    for line in lines[:10]:
        print(f"  {line}")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--users", type=int, default=200, help="staff at once (default 200)")
    parser.add_argument("--photos", type=int, default=3, help="photos per report (default 3)")
    parser.add_argument(
        "--database",
        metavar="URL",
        help="postgresql:// URL of a server to create (and drop) a throwaway database on; "
        "default: SQLite in a temporary folder",
    )
    parser.add_argument(
        "--send-rate",
        type=float,
        metavar="R",
        help="DAMPINGAN_SEND_RATE for the bot: its overall limit of messages a second "
        "(default: the bot's own, Telegram's 30); e.g. 1000 to see what the bot could do",
    )
    parser.add_argument(
        "--step-timeout", type=float, default=120, help="seconds to wait for one answer"
    )
    parser.add_argument(
        "--run-timeout", type=float, default=600, help="seconds for all people of one bot"
    )
    parser.add_argument(
        "--ingest-count", type=int, default=5, help="timed 12-megapixel ingests (default 5)"
    )
    args = parser.parse_args()
    if args.users < 1 or not 1 <= args.photos <= MAX_PHOTOS:
        parser.error(f"--users must be at least 1 and --photos between 1 and {MAX_PHOTOS}")
    if args.send_rate is not None and "send_rate" not in Settings.model_fields:
        parser.error("--send-rate: this version of the bot has no DAMPINGAN_SEND_RATE setting")

    started = time.perf_counter()
    tally = LogTally()
    logging.getLogger().addHandler(tally)
    logging.getLogger().setLevel(logging.WARNING)
    folder = Path(tempfile.mkdtemp(prefix="dampingan-bench-"))
    try:
        with database(args.database, folder) as db_url:
            log("migrating a fresh database")
            migrations.upgrade(db_url)
            results = asyncio.run(bench(args, db_url, folder, tally))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    tally.phase = "ingest"
    log("measuring the ingest of a 12-megapixel JPEG")
    ingest = measure_ingest(max(1, args.ingest_count))
    print_results(args, results, ingest, tally)
    print(f"Total time of this benchmark: {time.perf_counter() - started:.0f} s")

    failed = (
        results.stored.reports != args.users
        or results.stored.photos != args.users * args.photos
        or results.dampingan.failures
        or results.echo.failures
    )
    if failed:
        print("!!! CORRECTNESS FAILURE: see the lines marked !!! above", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
