"""Weekly digests on a synthetic regency year: build times, and a fan-out under Telegram's limits.

How long each digest takes to build on a year of a whole regency's reports, and how hundreds
of them go out through the sandbox with Telegram's limits switched on.

Run: .venv/bin/python bench/digest.py [--reports 30000] [--coordinators 500] [--database URL]
                                      [--skip-build] [--skip-send] [--send-timeout 600]

Data (bench/digest_build.py): a fresh database (SQLite in a temporary folder, or a throwaway
database created on the PostgreSQL server of --database and dropped afterwards) holding one
synthetic year: 14 kecamatan, 223 villages, 60 agencies, 300 staff, --reports submitted reports
with one or two activities and three photo rows each.

Build (digest_build.py's measurement): the digest of the last full week for each kecamatan
and for the regency, timed with its SQL statements; the regency digest's attachments timed.

Send: --coordinators coordinators join the same database (every tenth a regency coordinator,
the others spread over the 14 kecamatan; every thirteenth reads English) and their chats are
opened in the sandbox, which enforces Telegram's limits (about one message a second per chat
and 30 a second overall, with bursts; beyond them it answers 429 with retry_after). The real
application (build_application + start_polling, settings at Telegram's defaults) runs the
real jobs.digests.send_digests once for the last full week. Then:
- messages: the bot's sendMessage/sendPhoto/sendDocument calls the sandbox accepted, timed
  when they reached the chat (after the sandbox's flood check);
- refused calls by status (429 above all, split by the sandbox limit that refused them),
  retries (calls beyond one per distinct part and chat), duplicates (a part accepted twice
  in one chat);
- correctness: every coordinator's chat must hold exactly the parts of their digest, in order
  (compared with build_parts for their scope and language, built again after the run), and
  the delivery log must say sent with every part. Anything else is printed with `!!!` and
  the exit status is 1.

Photos: the synthetic photo rows have no files. The script writes a plain 1280x960 JPEG into
the bot's photo store for each photo a digest shows (up to nine per scope), so every collage
is drawn and sent. Telegram's re-encoding of a sent photo into its sizes (Pillow, in the
sandbox, in this process) is done once per distinct image: a scope's chart and collage go to
every coordinator of that scope, and the work is Telegram's, not the bot's.

Figures only: speed is never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import itertools
import logging
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from digest_build import (
    TZ,
    Loaded,
    database,
    describe,
    load_data,
    measure_builds,
    measure_reuse,
    print_builds,
    write_photos,
)
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine, make_url

import migrations
from bot.app import build_application, start_polling, stop_polling
from core.context import DampinganApplication
from core.settings import Settings
from jobs.digests import KIND, send_digests
from models.db import DELIVERIES_IN_FLIGHT, make_engine, make_sessionmaker
from models.deliveries import Delivery, DeliveryStatus
from models.digests import DigestPhoto, Period, digest_data
from models.users import Role, User
from sandbox import ChatEvent, RecordedRequest, Sandbox
from sandbox.files import FileStore, Upload, encode_photo_sizes
from sandbox.server import ApiError
from services.delivery import FanOutResult, Outcome, Part
from services.digests import IDLE_DAYS, build_parts, last_full_week

TOKEN = "123456789:BENCH-token-for-the-sandbox"
FIRST_COORDINATOR_ID = 800_000_001
REGENCY_EVERY = 10  # every tenth coordinator covers the whole regency
ENGLISH_EVERY = 13  # every thirteenth reads English (a regency one now and then)
SENDING = ("sendMessage", "sendPhoto", "sendDocument")
TELEGRAM_RATE = 30  # messages a second, overall
SLICE = 10.0  # seconds per line of the rate-over-time figures

Key = tuple[int | None, str]  # (kecamatan id, None for the regency; language)


def log(line: str) -> None:
    """Progress, on stderr so that stdout holds the figures only."""
    print(f"[{time.strftime('%H:%M:%S')}] {line}", file=sys.stderr, flush=True)


# --- coordinators --------------------------------------------------------------------------


@dataclass(frozen=True)
class Coordinator:
    telegram_id: int
    kecamatan_id: int | None  # None: regency coordinator
    language: str

    @property
    def key(self) -> Key:
        """The digest they get: jobs.digests builds one per scope and language."""
        return (self.kecamatan_id, self.language)


def plan_coordinators(count: int, kecamatan: Sequence[tuple[int, str]]) -> list[Coordinator]:
    planned = []
    next_kecamatan = 0
    for i in range(count):
        language = "en" if i % ENGLISH_EVERY == ENGLISH_EVERY - 1 else "id"
        kecamatan_id = None
        if i % REGENCY_EVERY != REGENCY_EVERY - 1:
            kecamatan_id = kecamatan[next_kecamatan % len(kecamatan)][0]
            next_kecamatan += 1
        planned.append(Coordinator(FIRST_COORDINATOR_ID + i, kecamatan_id, language))
    return planned


async def add_coordinators(url: str, planned: Sequence[Coordinator]) -> list[int]:
    """Adds the coordinators; returns the Telegram ids of the staff already there."""
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            session.add_all(
                User(
                    telegram_id=c.telegram_id,
                    full_name=f"Koordinator {n + 1:03d}",
                    role=Role.REGENCY_COORDINATOR
                    if c.kecamatan_id is None
                    else Role.KECAMATAN_COORDINATOR,
                    kecamatan_id=c.kecamatan_id,
                    language=c.language,
                )
                for n, c in enumerate(planned)
            )
            await session.commit()
            return list(
                await session.scalars(select(User.telegram_id).where(User.role == Role.STAFF))
            )
    finally:
        await engine.dispose()


async def collage_photos(
    url: str, loaded: Loaded, period: Period, today: date
) -> list[DigestPhoto]:
    """The photos the digests of every scope show (those need files for the collage)."""
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            photos: list[DigestPhoto] = []
            for kecamatan_id in [None, *(k_id for k_id, _ in loaded.kecamatan)]:
                data = await digest_data(
                    session,
                    kecamatan_id=kecamatan_id,
                    period=period,
                    today=today,
                    idle_days=IDLE_DAYS,
                )
                photos.extend(data.photos)
            return photos
    finally:
        await engine.dispose()


# --- the sandbox's side --------------------------------------------------------------------


class SharedEncodingFiles(FileStore):
    """The sandbox's file store, with Telegram's re-encoding of a photo into its sizes done
    once per distinct image. Every photo sent still gets its own file ids."""

    def __init__(self) -> None:
        super().__init__()
        self._encoded: dict[bytes, tuple[bytes, list[tuple[bytes, int, int]]]] = {}
        self.encodings = 0
        self.reused = 0

    async def add_photo(
        self, image_bytes: bytes, *, keep_original: bool = False
    ) -> list[dict[str, Any]]:
        fingerprint = hashlib.sha256(image_bytes).digest()
        cached = self._encoded.get(fingerprint)
        if cached is None:
            encoded = await asyncio.to_thread(encode_photo_sizes, image_bytes)
            cached = self._encoded.setdefault(fingerprint, (image_bytes, encoded))
            self.encodings += 1
        else:
            self.reused += 1
        original, encoded = cached
        sizes: list[dict[str, Any]] = []
        stored_sizes = []
        for jpeg, width, height in encoded:
            stored = self.add(
                jpeg, kind="photo", extension="jpg", mime_type="image/jpeg",
                width=width, height=height, original=original if keep_original else None,
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


class FloodSandbox(Sandbox):
    """The sandbox, noting which of its limits refused each call it answered with 429."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.refusals: list[tuple[float, str]] = []  # (perf_counter, "per chat" or "overall")

    def _check_flood(self, chat_id: int) -> None:
        try:
            super()._check_flood(chat_id)
        except ApiError:
            # Sandbox._check_flood: a refusal by the chat's own bucket leaves it without a
            # token; one by the overall bucket gives the chat's token back.
            own = self._chat_buckets[chat_id].tokens < 1
            self.refusals.append((time.perf_counter(), "per chat" if own else "overall"))
            raise


class LogTally(logging.Handler):
    """Counts log records by phase, level, logger and message; keeps one example of each."""

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
                text = f"{type(record.exc_info[1]).__name__}: {record.exc_info[1]} <- {text}"
            self.examples[key] = text[:240]

    def count(self, logger: str, fragment: str) -> int:
        """Records of `logger` whose message (the format string) contains `fragment`."""
        return sum(
            n for (_, _, name, msg), n in self.counts.items() if name == logger and fragment in msg
        )


@contextlib.contextmanager
def counting_statements() -> Iterator[list[int]]:
    """SQL statements run by any engine meanwhile (the bot's), in a one-item list."""
    count = [0]

    def before(*_: object) -> None:
        count[0] += 1

    event.listen(Engine, "before_cursor_execute", before)
    try:
        yield count
    finally:
        event.remove(Engine, "before_cursor_execute", before)


# --- the run -------------------------------------------------------------------------------


@dataclass
class SendRun:
    """What happened while the real application sent the digests."""

    coordinators: list[Coordinator]
    settings: Settings
    start_up: float
    start_up_calls: Counter[str]
    wall: float = 0.0
    timed_out: bool = False
    result: FanOutResult | None = None
    error: str | None = None
    started_at: float = 0.0  # perf_counter when send_digests was called
    # (perf_counter, chat id) of every message as it reached a chat.
    posted: list[tuple[float, int]] = field(default_factory=list)
    requests: list[RecordedRequest] = field(default_factory=list)
    inbox: dict[int, int] = field(default_factory=dict)  # chat id -> messages in it
    expected: dict[Key, list[Part]] = field(default_factory=dict)
    deliveries: dict[int, tuple[DeliveryStatus, int]] = field(default_factory=dict)
    statements: int = 0
    sandbox_errors: list[str] = field(default_factory=list)
    refusals: list[tuple[float, str]] = field(default_factory=list)  # 429s: when, which limit
    photos_written: int = 0
    photos_shown: int = 0
    encoded: tuple[int, int] = (0, 0)  # photo re-encodings, sends that reused one


async def start_up_done(app: DampinganApplication, sandbox: Sandbox, seconds: float) -> None:
    """Waits for the bot's start-up work: the refresh of every person's command menu (one
    setMyCommands each, in a job started at once), then a quiet sandbox."""
    try:
        async with asyncio.timeout(seconds):
            while True:
                async with app.sessionmaker() as session:
                    stale = await session.scalar(
                        select(func.count())
                        .select_from(User)
                        .where(User.active, User.menu_signature.is_(None))
                    )
                if not stale:
                    break
                await asyncio.sleep(0.25)
            await sandbox.settle(quiet=0.5, timeout=seconds)
    except TimeoutError:
        log(f"start-up work not done within {seconds:.0f} s; sending anyway")


async def expected_parts(
    app: DampinganApplication, keys: set[Key], period: Period, today: date
) -> dict[Key, list[Part]]:
    """Each digest as build_parts makes it (the same code and data as during the run)."""
    expected = {}
    for key in sorted(keys, key=lambda k: (k[0] is None, k[0] or 0, k[1])):
        async with app.scope() as scope:
            expected[key] = await build_parts(
                app, scope.session, kecamatan_id=key[0], period=period, today=today, lang=key[1]
            )
    return expected


async def delivery_log(
    app: DampinganApplication, period: Period
) -> dict[int, tuple[DeliveryStatus, int]]:
    """Telegram id -> (status, parts sent) of this week's digest deliveries."""
    async with app.sessionmaker() as session:
        rows = await session.execute(
            select(User.telegram_id, Delivery.status, Delivery.parts_sent)
            .join(User, User.id == Delivery.user_id)
            .where(Delivery.kind == KIND, Delivery.period == period.start.isoformat())
        )
        return {telegram_id: (status, parts) for telegram_id, status, parts in rows}


async def send(
    args: argparse.Namespace,
    url: str,
    folder: Path,
    loaded: Loaded,
    due: datetime,
    tally: LogTally,
) -> SendRun:
    today = due.date()
    period = last_full_week(today)
    planned = plan_coordinators(args.coordinators, loaded.kecamatan)
    log(f"adding {len(planned)} coordinators")
    staff = await add_coordinators(url, planned)
    data_dir = folder / "data"
    shown = await collage_photos(url, loaded, period, today)
    files = SharedEncodingFiles()
    sandbox = FloodSandbox(token=TOKEN, flood_limits=True)
    async with sandbox:
        sandbox.files = files
        # Registered people have talked to the bot: their chats exist (their menus too).
        for telegram_id in staff:
            sandbox.user(telegram_id, "Petugas").started = True
        for c in planned:
            sandbox.user(c.telegram_id, "Koordinator").started = True
        settings = Settings(
            _env_file=None,
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_URL=sandbox.url,
            DATABASE_URL=url,
            DAMPINGAN_DATA_DIR=data_dir,
            # The digest is sent once, below, for a chosen week; no weekly job or catch-up.
            DAMPINGAN_SCHEDULED_JOBS=False,
        )
        written = write_photos(shown, settings.photos_dir)
        app = build_application(settings)
        log("starting the bot (menus of every registered person)")
        tally.phase = "start-up"
        started = time.perf_counter()
        await start_polling(app, poll_timeout=1)
        try:
            await start_up_done(app, sandbox, args.start_up_timeout)
            run = SendRun(
                planned,
                settings,
                time.perf_counter() - started,
                Counter(r.method for r in sandbox.requests if r.method != "getUpdates"),
                photos_written=written,
                photos_shown=len({p.photo_id for p in shown}),
            )
            await fan_out(run, app, sandbox, due, args.send_timeout, tally)
            tally.phase = "checking"
            log("building every digest again to check what each chat received")
            async with asyncio.timeout(args.send_timeout):
                run.expected = await expected_parts(app, {c.key for c in planned}, period, today)
            run.deliveries = await delivery_log(app, period)
            run.inbox = {c.telegram_id: len(sandbox.user(c.telegram_id).inbox) for c in planned}
            run.sandbox_errors = list(sandbox.errors)
            run.refusals = [(t - run.started_at, limit) for t, limit in sandbox.refusals]
            run.encoded = (files.encodings, files.reused)
            return run
        finally:
            tally.phase = "shutdown"
            await stop_polling(app)


async def fan_out(
    run: SendRun,
    app: DampinganApplication,
    sandbox: FloodSandbox,
    due: datetime,
    timeout: float,  # noqa: ASYNC109
    tally: LogTally,
) -> None:
    """One call of the real send_digests, timed, with every message's arrival recorded."""

    def arrived(event: ChatEvent) -> None:
        if event.kind == "message":
            run.posted.append((time.perf_counter(), event.chat_id))

    async def progress() -> None:
        while True:
            await asyncio.sleep(15)
            log(f"{len(run.posted)} messages sent")

    first_request = len(sandbox.requests)
    sandbox.refusals.clear()
    remove = sandbox.add_listener(arrived)
    reporter = asyncio.create_task(progress())
    log(f"send_digests for {len(run.coordinators)} coordinators")
    tally.phase = "send"
    try:
        with counting_statements() as statements:
            run.started_at = time.perf_counter()
            try:
                async with asyncio.timeout(timeout):
                    run.result = await send_digests(app, due)
            except TimeoutError:
                run.timed_out = True
            except Exception as exc:
                # Reported as a correctness failure with the figures, not as a traceback.
                run.error = f"{type(exc).__name__}: {exc}"
            run.wall = time.perf_counter() - run.started_at
            tally.phase = "after the fan-out"
            with contextlib.suppress(TimeoutError):
                await sandbox.settle(quiet=0.5, timeout=30)
        run.statements = statements[0]
    finally:
        reporter.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reporter
        remove()
    run.requests = [r for r in sandbox.requests[first_request:] if r.method != "getUpdates"]


# --- figures -------------------------------------------------------------------------------


def chat_of(request: RecordedRequest) -> int | None:
    value = request.params.get("chat_id")
    return value if isinstance(value, int) else None


def request_key(request: RecordedRequest) -> tuple[str, str]:
    """What a sending call carried, comparable with `part_key`."""
    if request.method == "sendMessage":
        return request.method, str(request.params.get("text"))
    caption = str(request.params.get("caption") or "")
    if request.method == "sendDocument":
        document = request.params.get("document")
        name = document.filename if isinstance(document, Upload) else "?"
        return request.method, f"{name} | {caption}"
    return request.method, caption


def part_key(part: Part) -> tuple[str, str]:
    if part.photo is not None:
        return "sendPhoto", part.caption or ""
    if part.document is not None:
        return "sendDocument", f"{part.filename} | {part.caption or ''}"
    return "sendMessage", part.text or ""


def busiest_window(times: Sequence[float], width: float = 1.0) -> tuple[int, float]:
    """The most events in any window [t, t + width) of sorted `times`, and its t."""
    best, at, end = 0, times[0] if times else 0.0, 0
    for start, moment in enumerate(times):
        while end < len(times) and times[end] < moment + width:
            end += 1
        if end - start > best:
            best, at = end - start, moment
    return best, at


def episodes(times: Sequence[float], gap: float = 2.0) -> str:
    """Sorted moments grouped into runs no more than `gap` apart: "3.1-4.0 (12), 75.2 (1)"."""
    groups: list[list[float]] = []
    for t in sorted(times):
        if groups and t - groups[-1][-1] <= gap:
            groups[-1].append(t)
        else:
            groups.append([t])
    return ", ".join(
        f"{g[0]:.1f}" + (f"-{g[-1]:.1f}" if len(g) > 1 else "") + f" ({len(g)})" for g in groups
    )


def most_at_once(spans: Sequence[tuple[float, float]]) -> int:
    """The most [first, last] intervals open at the same moment."""
    edges = sorted([(a, 1) for a, _ in spans] + [(b, -1) for _, b in spans])
    most = now = 0
    for _, step in edges:
        now += step
        most = max(most, now)
    return most


@dataclass
class Check:
    ok: int = 0
    problems: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)

    def fail(self, kind: str, example: str) -> None:
        self.problems[kind] += 1
        if len(self.examples) < 5:
            self.examples.append(example)


def check_chats(run: SendRun, accepted: dict[int, list[tuple[str, str]]]) -> Check:
    """Every coordinator got exactly their digest's parts, in order, and the log agrees."""
    check = Check()
    for c in run.coordinators:
        want = [part_key(p) for p in run.expected.get(c.key, [])]
        got = accepted.get(c.telegram_id, [])
        status, parts_sent = run.deliveries.get(c.telegram_id, (None, 0))
        where = f"chat {c.telegram_id} ({'regency' if c.kecamatan_id is None else 'kecamatan'})"
        if not want:
            check.fail("no expected digest", f"{where}: build_parts gave nothing")
        elif got != want or run.inbox.get(c.telegram_id) != len(want):
            kind = (
                "duplicates"
                if len(got) > len(set(got))
                else "incomplete"
                if got == want[: len(got)]
                else "wrong parts"
            )
            check.fail(
                kind,
                f"{where}: {len(got)} messages accepted, {run.inbox.get(c.telegram_id)} in the "
                f"chat, {len(want)} expected",
            )
        elif status is not DeliveryStatus.SENT or parts_sent != len(want):
            check.fail(
                "delivery log",
                f"{where}: log says {status} with {parts_sent} of {len(want)} parts",
            )
        else:
            check.ok += 1
    return check


@dataclass
class Traffic:
    """The fan-out as the sandbox saw it."""

    sends: list[RecordedRequest]  # every sendMessage/sendPhoto/sendDocument call
    accepted: dict[int, list[tuple[str, str]]]  # chat -> parts accepted, in order
    times: list[float]  # seconds after the call of each message to a coordinator, sorted
    by_chat: dict[int, list[float]]
    others: int  # messages to chats that are not coordinators'

    @classmethod
    def of(cls, run: SendRun) -> Traffic:
        coordinators = {c.telegram_id for c in run.coordinators}
        sends = [r for r in run.requests if r.method in SENDING]
        accepted: dict[int, list[tuple[str, str]]] = defaultdict(list)
        for r in sends:
            chat = chat_of(r)
            if r.ok and chat is not None:
                accepted[chat].append(request_key(r))
        by_chat: dict[int, list[float]] = defaultdict(list)
        for t, chat in run.posted:
            if chat in coordinators:
                by_chat[chat].append(t - run.started_at)
        return cls(
            sends=sends,
            accepted=accepted,
            times=sorted(t for ts in by_chat.values() for t in ts),
            by_chat=by_chat,
            others=sum(1 for _, chat in run.posted if chat not in coordinators),
        )

    @property
    def retries(self) -> int:
        """Calls beyond one per distinct part and chat."""
        return len(self.sends) - len({(chat_of(r), request_key(r)) for r in self.sends})

    @property
    def duplicates(self) -> int:
        return sum(len(parts) - len(set(parts)) for parts in self.accepted.values())


def print_setup(run: SendRun) -> None:
    s, people = run.settings, run.coordinators
    regency = sum(c.kecamatan_id is None for c in people)
    english = sum(c.language == "en" for c in people)
    print(
        f"\nSending: {len(people)} coordinators ({len(people) - regency} kecamatan, "
        f"{regency} regency; {english} in English), sandbox flood limits ON"
    )
    fields = Settings.model_fields
    defaults = (s.send_rate, s.chat_send_rate) == (
        fields["send_rate"].default,
        fields["chat_send_rate"].default,
    )
    print(
        f"  bot settings     DAMPINGAN_SEND_RATE {s.send_rate:g}, DAMPINGAN_CHAT_SEND_RATE "
        f"{s.chat_send_rate:g} ({'the defaults' if defaults else '!!! NOT the defaults'}); "
        f"services/delivery.py: {min(int(s.send_rate), DELIVERIES_IN_FLIGHT)} deliveries in flight"
    )
    calls = ", ".join(f"{m} {n}" for m, n in run.start_up_calls.most_common())
    print(f"  start-up         {run.start_up:8.1f} s  before the clock: {calls}")
    # The collage is the digest's one JPEG (the chart and the map are PNGs).
    collages = sum(
        any(p.photo is not None and p.photo.startswith(b"\xff\xd8") for p in parts)
        for parts in run.expected.values()
    )
    print(
        f"  collage photos   {run.photos_written} plain 1280x960 JPEGs written into the photo "
        f"store for the {run.photos_shown} photos the digests show (other photo rows have no "
        f"file); collage in {collages} of {len(run.expected)} digests"
    )
    regency_parts = {k[1]: len(v) for k, v in run.expected.items() if k[0] is None}
    kecamatan_parts = Counter(len(v) for k, v in run.expected.items() if k[0] is not None)
    print(
        f"  digests built    {len(run.expected)} (one per scope and language); parts: regency "
        + ", ".join(f"{lang} {n}" for lang, n in sorted(regency_parts.items()))
        + "; kecamatan "
        + ", ".join(f"{n} x{count}" for n, count in sorted(kecamatan_parts.items()))
    )


def print_pace(run: SendRun, traffic: Traffic) -> None:
    outcomes = Counter(run.result.outcomes.values()) if run.result else Counter()
    print(
        "  digests          "
        + ", ".join(f"{o.value} {outcomes.get(o, 0)}" for o in Outcome)
        + (" !!! TIMED OUT" if run.timed_out else "")
        + (f" !!! {run.error}" if run.error else "")
    )
    sent = Counter(r.method for r in traffic.sends if r.ok)
    total = sum(sent.values())
    print(
        f"  messages sent    {total:8d}  ("
        + ", ".join(f"{m} {sent[m]}" for m in SENDING)
        + f"); {total / len(run.coordinators):.2f} per digest"
        + (f"; {traffic.others} to other chats" if traffic.others else "")
    )
    print(f"  wall time        {run.wall:8.1f} s  (send_digests, from the call to its return)")
    times, by_chat = traffic.times, traffic.by_chat
    if not times:
        return
    span = times[-1] - times[0]
    rate = len(times) / run.wall
    print(
        f"  first / last     {times[0]:8.1f} s / {times[-1]:.1f} s after the call "
        f"(the first digests are built before anything goes out)"
    )
    print(
        f"  overall rate     {rate:8.1f} msg/s over the wall time "
        f"({rate / TELEGRAM_RATE:.0%} of Telegram's {TELEGRAM_RATE}/s); "
        f"{len(times) / span if span else 0:.1f} msg/s from first to last message"
    )
    busiest, at = busiest_window(times)
    print(f"  busiest second   {busiest:8d} messages  (the window from {at:.1f} s)")
    per_chat = [busiest_window(ts)[0] for ts in by_chat.values()]
    worst = max(per_chat)
    gaps = [b - a for ts in by_chat.values() for a, b in itertools.pairwise(ts)]
    print(
        f"  per chat         max {worst} message(s) in any 1-s window ({per_chat.count(worst)} "
        f"chats); gaps between a chat's messages: min {min(gaps, default=0):.2f} s, "
        f"median {statistics.median(gaps) if gaps else 0:.2f} s"
    )
    spans = [(ts[0], ts[-1]) for ts in by_chat.values()]
    durations = [b - a for a, b in spans]
    print(
        f"  chats at once    {most_at_once(spans):8d}  (most chats between their first and "
        f"last message); one digest took median {statistics.median(durations):.1f} s, "
        f"max {max(durations):.1f} s"
    )
    slices = Counter(int(t // SLICE) for t in times)
    print(
        f"  msg/s per {SLICE:.0f} s   "
        + " ".join(f"{slices.get(i, 0) / SLICE:.1f}" for i in range(int(times[-1] // SLICE) + 1))
    )


def print_refusals(run: SendRun, traffic: Traffic, tally: LogTally) -> None:
    refused = [r for r in traffic.sends if not r.ok]
    too_many = [r for r in refused if r.status == 429]
    retry_after = Counter(
        ((r.response or {}).get("parameters") or {}).get("retry_after") for r in too_many
    )
    shown = ", ".join(f"{k} s x{n}" for k, n in sorted(retry_after.items(), key=str))
    limits = Counter(limit for _, limit in run.refusals)
    print(
        f"  429 answers      {len(too_many):8d}  (by the sandbox's per-chat limit "
        f"{limits['per chat']}, overall limit {limits['overall']})"
        + (f"; retry_after: {shown}" if shown else "")
    )
    if run.refusals:
        print(f"    when: {episodes([t for t, _ in run.refusals])} s after the call")
    reasons = Counter(
        f"{r.method} {r.status} {(r.response or {}).get('description', '?')}" for r in refused
    )
    for line, count in reasons.most_common(5):
        print(f"    {count} x {line}")
    pauses = tally.count("core.ratelimit", "429, every call waits")
    retries = tally.count("core.ratelimit", "; retry ")
    print(
        f"  retries          {traffic.retries:8d}  (calls beyond one per part and chat; the bot's "
        f"rate limiter logged {pauses} 429 pauses, each retried, and {retries} retries of "
        f"5xx/time-outs)"
    )
    print(f"  duplicates       {traffic.duplicates:8d}  (a part accepted twice in one chat)")
    outcomes = Counter(run.result.outcomes.values()) if run.result else Counter()
    failed = outcomes.get(Outcome.FAILED, 0) + outcomes.get(Outcome.BLOCKED, 0)
    print(f"  failures         {failed:8d}  (digests failed or blocked)")
    per_digest = run.statements / len(run.coordinators)
    print(
        f"  SQL statements   {run.statements:8d}  ({per_digest:.1f} per digest, "
        f"during the fan-out)"
    )
    encoded, reused = run.encoded
    print(
        f"  sandbox          {encoded} photo re-encodings (once per distinct image, twice when "
        f"two sends race), {reused} sends reused one; {len(run.sandbox_errors)} errors "
        f"(what Telegram would refuse)"
    )
    for problem in run.sandbox_errors[:3]:
        print(f"    !!! {problem[:200]}")


def print_log(tally: LogTally) -> None:
    problems = [(key, n) for key, n in tally.counts.most_common() if key[1] != "INFO"]
    print(f"Log warnings and errors: {sum(n for _, n in problems)}")
    for key, n in problems[:8]:
        phase, level, name, _ = key
        print(f"  {n:5d} x {phase}: {level} {name}: {tally.examples[key]}")


def print_send(run: SendRun, tally: LogTally) -> bool:
    """The figures of the fan-out; returns whether every digest arrived exactly once."""
    traffic = Traffic.of(run)
    print_setup(run)
    print_pace(run, traffic)
    print_refusals(run, traffic, tally)
    check = check_chats(run, traffic.accepted)
    everyone = len(run.coordinators)
    print(
        f"  exactly one complete digest per coordinator: {check.ok} of {everyone}"
        + ("  ok" if check.ok == everyone else "  !!! CORRECTNESS FAILURE")
    )
    for kind, count in check.problems.most_common():
        print(f"  !!! {count} x {kind}")
    for example in check.examples:
        print(f"  !!!   {example}")
    print_log(tally)
    sent = run.result.count(Outcome.SENT) if run.result else 0
    return check.ok == everyone and sent == everyone and not run.timed_out and not run.error


# --- main ----------------------------------------------------------------------------------


async def bench(args: argparse.Namespace, url: str, folder: Path, tally: LogTally) -> bool:
    due = datetime.now(TZ)
    today = due.date()
    period = last_full_week(today)
    engine = make_engine(url)
    try:
        log(f"loading a synthetic year: {args.reports:,} reports")
        loaded = await load_data(engine, args.reports, today)
        print(describe(loaded), flush=True)
        print(f"digest of {period.start} .. {period.end}, today {today} ({TZ.key})\n")
        if not args.skip_build:
            log("building every digest")
            print_builds(await measure_builds(engine, loaded, period, today), folder / "build")
            print("\n" + await measure_reuse(engine, today), flush=True)
    finally:
        await engine.dispose()
    if args.skip_send:
        return True
    run = await send(args, url, folder, loaded, due, tally)
    return print_send(run, tally)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--reports", type=int, default=30_000, help="default 30,000")
    parser.add_argument(
        "--coordinators", type=int, default=500, help="digests to send (default 500)"
    )
    parser.add_argument(
        "--database",
        metavar="URL",
        help="postgresql:// URL of a server to create (and drop) a throwaway database on; "
        "default: SQLite in a temporary folder",
    )
    parser.add_argument("--skip-build", action="store_true", help="no build timings")
    parser.add_argument("--skip-send", action="store_true", help="no sending")
    parser.add_argument(
        "--send-timeout", type=float, default=600, help="seconds for send_digests (600)"
    )
    parser.add_argument(
        "--start-up-timeout", type=float, default=120, help="seconds for the bot's start-up"
    )
    args = parser.parse_args()
    if args.reports < 1 or args.coordinators < 1:
        parser.error("--reports and --coordinators must be at least 1")

    tally = LogTally()
    logging.getLogger().addHandler(tally)
    logging.getLogger().setLevel(logging.WARNING)
    # Counted, not shown: core/ratelimit.py's 429 pauses and retries (logged at INFO).
    logging.getLogger("core.ratelimit").setLevel(logging.INFO)
    started = time.perf_counter()
    folder = Path(tempfile.mkdtemp(prefix="dampingan-digest-"))
    try:
        with database(args.database, folder) as url:
            print(f"database: {make_url(url).get_backend_name()}", flush=True)
            migrations.upgrade(url)
            ok = asyncio.run(bench(args, url, folder, tally))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"Total time of this benchmark: {time.perf_counter() - started:.0f} s")
    if not ok:
        print("!!! CORRECTNESS FAILURE: see the lines marked !!! above", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
