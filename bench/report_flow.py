"""Many field staff filing a report at the same moment, against a bare PTB echo bot.

Run: .venv/bin/python bench/report_flow.py [--users N] [--photos K] [--database URL]
                                          [--send-rate R] [--chat-send-rate R] [--no-fairness]

N simulated staff (default 200) file reports through the real Dampingan application, which
runs on a fresh database (SQLite in a temporary folder; or a throwaway database created on
the PostgreSQL server of --database and dropped afterwards) against the local Bot API
sandbox, flood limits off: this measures the bot, not Telegram. Each bot runs in a process
of its own (bench/flow_bot.py); the sandbox and the simulated people run in this one. The
same people then do the same with a bare python-telegram-bot echo bot, for a baseline.

In each bot's process, one after another:
1. Run 1, the whole flow at once: everyone files one full report (/lapor, village, date,
   strategy, activity, households, people, description, an album of K photos (default 3),
   done, location, send). Latency per step.
2. Run 2, the same report in phases of one kind each: everyone does the text and tap steps
   up to the photo question; then everyone sends the album; then everyone does the text
   and tap steps after it up to the summary; then everyone presses "send" (the one update
   that writes the report itself and its confirmation, shown apart). As the phases do not
   overlap, the bot process's CPU time, its SQL statements and commits, and the sandbox's
   API calls of a phase belong to its kind: the per-update cost by kind, against the echo
   bot doing the same.
3. Fairness (Dampingan only): half the people (every second one) send albums of ten photos
   while the other half keep doing text and tap steps: /lapor up to the photo question, then
   /batal, again and again until the last album is counted (they send no photos, and a
   cancelled draft leaves nothing behind). Then the same people do the same number of rounds
   while nobody sends albums (the album senders wait at their photo question, as they do
   before their album in the first phase). Then the album senders finish their reports.
Memory: the bot process's resident set size after start-up and after each run; run 1 and
run 2 each finish N reports, so their difference shows whether memory grows per report.
Run 3 repeats run 1 exactly (its photos too, so each is answered as reused, and its figures
are not in the tables). The growth from run 2 to run 3 says whether memory keeps growing
once the high-water marks of run 2's phases (everyone's album at once) are reached; from
run 1 to run 3, two runs of the same shape, it includes those marks.
Last, the cost of ingesting one 12-megapixel camera JPEG (bench/photo_ingest.py).

How it measures:
- Latency of a step: from the person's action (just before the update is queued) to the
  moment the sandbox received the bot's answer in that chat: the next bot message; for the
  album, Dampingan's status message once it counts all K photos (the echo bot's K-th reply);
  for the location, the summary.
- Waiting: a sandbox listener wakes only the chat concerned, and taps queue their callback
  query directly (`Person._press`). `SandboxUser.next_message` and `press` wake or poll for
  every waiting person on every change in the sandbox: with hundreds of people that harness
  work costs more than the echo bot itself (figures in bench/README.md).
- The echo bot keeps PTB's defaults (updates processed one at a time), which was its
  fastest setting here; see bench/README.md. It answers each photo and the location with a
  short text, without downloading anything.
- The rest of the machine: the CPU time of this process (sandbox and people) and, with a
  PostgreSQL server on this machine, of its processes, per update of each kind: they run
  on the same cores as the bot.
- Photos: users send 1280x960 JPEGs (the size Telegram delivers) from a pool made up
  front, every photo of runs 1 and 2 distinct (a photo of another report is flagged, with a
  message to the person, which no real run has for every photo); Telegram's re-encoding of
  each pool image into photo sizes is done once up front too (`PreEncodedFiles`), so
  neither image generation nor Telegram's work is timed.

Figures only: speed is never asserted. A report or photo missing from the database, or a
person whose flow broke, is a correctness failure: printed loudly, and the exit status is 1.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import math
import os
import pstats
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from PIL import Image, ImageChops

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg
from flow_bot import (
    ECHO_BUTTON,
    LOCATION_REPLY,
    PHOTO_REPLY,
    PRESSED,
    LogTally,
    Snapshot,
    install_tally,
)
from photo_ingest import photo_like_jpeg, timings_ms
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

import migrations
from bot.demo import load_demo_data
from core.settings import Settings
from models.agencies import Agency, active_villages
from models.db import UPDATES_IN_FLIGHT, make_engine, make_sessionmaker
from models.reports import Photo, Report, ReportActivity, ReportStatus
from models.users import Role, User
from sandbox import ChatEvent, Sandbox, SandboxUser
from sandbox.files import FileStore, encode_photo_sizes
from services.photos import PhotoStore

JSONDict = dict[str, Any]

BOT_SCRIPT = Path(__file__).resolve().with_name("flow_bot.py")
TOKEN = "123456789:BENCH-token-for-the-sandbox"
ADMIN_ID = 1001
FIRST_STAFF_ID = 700_001
PHOTO_SIZE = (1280, 960)
POOL_SIZE = 30
MAX_PHOTOS = 10  # per activity in the form, and per album on Telegram
FAIR_PHOTOS = 10  # the album of each album sender in the fairness run
LIFTED_CHAT_RATE = 100.0  # the most DAMPINGAN_CHAT_SEND_RATE allows
ALBUM_TIMEOUT_FACTOR = 3  # an album may take this many step time-outs
MiB = 1024 * 1024
TZ = ZoneInfo("Asia/Jakarta")

# What every staff member answers, with the button texts of tests/e2e/test_report.py.
BACK = "◀️ Kembali"
STRATEGY = "1. Pengurangan beban pengeluaran masyarakat"
ACTIVITY = "PBI JKN (iuran BPJS Kesehatan)"
HOUSEHOLDS, PEOPLE = "12", "40"
DESCRIPTION = "Pendataan 12 KK calon penerima PBI JKN di RT 03."
SEND = "✅ Kirim"
LATITUDE, LONGITUDE, ACCURACY = -7.1234, 109.3456, 12.5

STEPS = (
    "lapor", "village", "date", "strategy", "activity", "households", "people",
    "description", "photos", "done", "location", "send",
)  # fmt: skip

# Phases (names are also the labels of the bots' log records).
RUN1 = "run 1: whole flow"
RUN2_BEFORE = "run 2: text and taps up to the photos"
RUN2_PHOTOS = "run 2: albums"
RUN2_AFTER = "run 2: text and taps after the photos"
RUN2_SEND = "run 2: send"
RUN3 = "run 3: whole flow again"
FAIR_SETUP = "fairness: album senders reach the photo question"
FAIR_ALBUMS = "fairness: text people while others send albums"
FAIR_QUIET = "fairness: text people, no albums"
FAIR_FINISH = "fairness: album senders finish their reports"


def log(line: str) -> None:
    """Progress, on stderr so that stdout holds the figures only."""
    print(f"[{time.strftime('%H:%M:%S')}] {line}", file=sys.stderr, flush=True)


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (as photo_ingest.p95): a value that was actually measured."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def rss_now() -> int:
    """This process's resident set size, bytes."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


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


def variant(base: bytes, seed: int) -> bytes:
    """Another photo made from `base`: new large soft shapes over its texture and grain. The
    shapes set the low frequencies the perceptual hash looks at, so the bot does not take it
    for the base or for another variant; far cheaper than a new base."""
    rng = random.Random(seed)
    size = (PHOTO_SIZE[0] // 80, PHOTO_SIZE[1] // 80)
    shapes = Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))
    with Image.open(io.BytesIO(base)) as opened:
        picture = Image.blend(
            opened.convert("RGB"), shapes.resize(PHOTO_SIZE, Image.Resampling.BICUBIC), 0.6
        )
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


def image_pool(count: int) -> list[bytes]:
    """`count` distinct photos: up to POOL_SIZE bases, then variants of them."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        bases = list(pool.map(phone_photo, range(min(count, POOL_SIZE))))
        others = pool.map(lambda i: variant(bases[i % len(bases)], i), range(len(bases), count))
        return bases + list(others)


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
        """The next new bot message, or (with `until`) the first new one that matches in its
        current state (an edited status message counts once it matches); with the moment it
        got that state. Messages up to it count as seen."""
        event = self._events.setdefault(user.chat_id, asyncio.Event())
        cursor = self._cursor.get(user.chat_id, 0)
        try:
            async with asyncio.timeout(timeout):
                while True:
                    for message in user.inbox:
                        message_id = message["message_id"]
                        if message_id <= cursor:
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


@dataclass(frozen=True)
class Timed:
    """One step of one person: how long the bot took to answer it."""

    phase: str
    step: str
    seconds: float
    started: float  # perf_counter


@dataclass
class Person:
    """One simulated member of staff: acts, and times each step until the bot's answer.

    The same person goes through every phase of a bot's run; `phase` labels what they do."""

    user: SandboxUser
    arrivals: Arrivals
    index: int
    timeout: float
    timings: list[Timed] = field(default_factory=list)
    updates: Counter[str] = field(default_factory=Counter)  # sent, by phase
    phase: str = ""
    step: str = ""
    last: JSONDict = field(default_factory=dict)  # the bot's message the next tap goes to
    broken: bool = False  # a flow failed: the person takes no part in later phases
    rounds: int = 0  # fairness: rounds of text steps done while albums were sent

    async def text(self, step: str, text: str, expect: str) -> JSONDict:
        self.step, start = step, time.perf_counter()
        await self.user.send_text(text)
        self.updates[self.phase] += 1
        return await self._answer(start, expect)

    async def tap(self, step: str, message: JSONDict, button: str, expect: str) -> JSONDict:
        self.step, start = step, time.perf_counter()
        answered = self._press(message, button)
        self.updates[self.phase] += 1
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
        self.updates[self.phase] += 1
        return await self._answer(start, expect, skip_others=True)

    async def album(
        self, step: str, images: Sequence[bytes], expect: str, *, replies: int = 1
    ) -> JSONDict:
        """Sends the photos as one album; done when `replies` answers containing `expect`
        came (the first new message that contains it, edits applied, when `replies` is 1)."""
        self.step, start = step, time.perf_counter()
        if len(images) == 1:
            await self.user.send_photo(images[0])  # an album needs two
        else:
            await self.user.send_album(list[bytes | Path](images))
        self.updates[self.phase] += len(images)
        timeout = self.timeout * ALBUM_TIMEOUT_FACTOR
        if replies == 1:
            return await self._answer(start, expect, skip_others=True, timeout=timeout)
        for _ in range(replies):
            message, at = await self._wait(expect, skip_others=False, timeout=timeout)
        self._record(start, at)
        return message

    async def _answer(
        self,
        start: float,
        expect: str,
        *,
        skip_others: bool = False,
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> JSONDict:
        message, at = await self._wait(expect, skip_others=skip_others, timeout=timeout)
        self._record(start, at)
        return message

    async def _wait(
        self,
        expect: str,
        *,
        skip_others: bool,
        timeout: float | None,  # noqa: ASYNC109
    ) -> tuple[JSONDict, float]:
        until = (lambda m: expect in m.get("text", "")) if skip_others else None
        message, at = await self.arrivals.wait(self.user, timeout or self.timeout, until)
        if expect not in message.get("text", ""):
            raise FlowError(f"expected {expect!r}, the bot answered {message.get('text')!r}")
        return message, at

    def _record(self, start: float, at: float) -> None:
        self.timings.append(Timed(self.phase, self.step, at - start, start))


def inline_buttons(user: SandboxUser, message: JSONDict) -> list[str]:
    return [text for row in user.button_texts(message["message_id"]) for text in row]


# --- what each bot is told -------------------------------------------------------------


class Script:
    """The steps of a report as one bot takes them, in the parts the phases use."""

    name = ""

    async def to_photos(self, p: Person) -> None:
        """/lapor and every text and tap step up to the photo question."""
        raise NotImplementedError

    async def album(self, p: Person, images: Sequence[bytes]) -> None:
        raise NotImplementedError

    async def after_photos(self, p: Person, photos: int) -> None:
        """Done, location (up to the summary)."""
        raise NotImplementedError

    async def send(self, p: Person) -> None:
        raise NotImplementedError

    async def cancel(self, p: Person) -> None:
        raise NotImplementedError

    async def whole(self, p: Person, images: Sequence[bytes]) -> None:
        await self.to_photos(p)
        await self.album(p, images)
        await self.after_photos(p, len(images))
        await self.send(p)

    async def finish(self, p: Person, photos: int) -> None:
        await self.after_photos(p, photos)
        await self.send(p)


class DampinganScript(Script):
    """One full report, every step of the form, as tests/e2e/test_report.py does it."""

    name = "Dampingan"

    async def to_photos(self, p: Person) -> None:
        ask_village = await p.text("lapor", "/lapor", "Desa/kelurahan mana")
        villages = [b for b in inline_buttons(p.user, ask_village) if b != BACK]
        village = villages[p.index % len(villages)]
        ask_date = await p.tap("village", ask_village, village, "Tanggal")
        today = inline_buttons(p.user, ask_date)[0]
        ask_strategy = await p.tap("date", ask_date, today, "Strategi mana")
        ask_activity = await p.tap("strategy", ask_strategy, STRATEGY, "Kegiatan apa")
        await p.tap("activity", ask_activity, ACTIVITY, "keluarga (KK)")
        await p.text("households", HOUSEHOLDS, "orang/jiwa")
        await p.text("people", PEOPLE, "Uraikan")
        p.last = await p.text("description", DESCRIPTION, "Kirim foto")

    async def album(self, p: Person, images: Sequence[bytes]) -> None:
        # One status message per album, sent by its last photo; done when it counts them all.
        p.last = await p.album("photos", images, f"{len(images)} foto diterima")

    async def after_photos(self, p: Person, photos: int) -> None:
        await p.tap("done", p.last, f"✅ Selesai ({photos} foto)", "Bagikan lokasi")
        p.last = await p.location("location", "Periksa laporan")

    async def send(self, p: Person) -> None:
        await p.tap("send", p.last, SEND, "Laporan terkirim")

    async def cancel(self, p: Person) -> None:
        await p.text("cancel", "/batal", "dibatalkan")


class EchoScript(Script):
    """The same kinds of updates in the same order: texts where Dampingan gets texts, taps
    where it gets taps, the same albums and the same location."""

    name = "echo"

    async def to_photos(self, p: Person) -> None:
        reply = await p.text("lapor", "/lapor", "/lapor")
        for step in ("village", "date", "strategy", "activity"):
            reply = await p.tap(step, reply, ECHO_BUTTON, PRESSED)
        await p.text("households", HOUSEHOLDS, HOUSEHOLDS)
        await p.text("people", PEOPLE, PEOPLE)
        p.last = await p.text("description", DESCRIPTION, DESCRIPTION)

    async def album(self, p: Person, images: Sequence[bytes]) -> None:
        p.last = await p.album("photos", images, PHOTO_REPLY, replies=len(images))

    async def after_photos(self, p: Person, photos: int) -> None:
        await p.tap("done", p.last, ECHO_BUTTON, PRESSED)
        p.last = await p.location("location", LOCATION_REPLY)

    async def send(self, p: Person) -> None:
        await p.tap("send", p.last, ECHO_BUTTON, PRESSED)

    async def cancel(self, p: Person) -> None:
        await p.text("cancel", "/batal", "/batal")


# --- the bot in its own process --------------------------------------------------------


@dataclass
class Final:
    """What the bot process says when it stops."""

    snapshot: Snapshot
    problems: list[tuple[int, str]]  # log warnings and errors: (count, line)
    pauses_429: int  # the rate limiter's 429 pauses
    retries: int  # the rate limiter's retries of 5xx, time-outs and network errors


class BotProcess:
    """bench/flow_bot.py running one bot; asked for its counters between phases."""

    def __init__(self, process: asyncio.subprocess.Process, ready: JSONDict) -> None:
        self.process = process
        self.pid: int = ready["pid"]
        self.start_up: float = ready["ready"]  # seconds from the script's start to polling
        self.settings: JSONDict = ready["settings"]

    @classmethod
    async def start(cls, config: JSONDict) -> BotProcess:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(BOT_SCRIPT),
            json.dumps(config),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=64 * MiB,
        )
        return cls(process, await cls._read(process))

    @staticmethod
    async def _read(process: asyncio.subprocess.Process) -> JSONDict:
        assert process.stdout is not None
        line = await process.stdout.readline()
        if not line:
            raise RuntimeError(f"the bot process ended (status {await process.wait()})")
        answer: JSONDict = json.loads(line)
        if "error" in answer:
            raise RuntimeError(f"the bot process failed:\n{answer['error']}")
        return answer

    async def _ask(self, command: JSONDict) -> JSONDict:
        assert self.process.stdin is not None
        self.process.stdin.write((json.dumps(command) + "\n").encode())
        await self.process.stdin.drain()
        return await self._read(self.process)

    async def snapshot(self, phase: str, *, collect: bool = False) -> Snapshot:
        """The bot's counters once it holds no update; `phase` labels its log from now on;
        `collect` runs a garbage collection before memory is read (after the CPU time)."""
        answer = await self._ask({"cmd": "snapshot", "phase": phase, "collect": collect})
        return Snapshot.from_json(answer["snapshot"])

    async def stop(self) -> Final:
        answer = await self._ask({"cmd": "stop"})
        await self.process.wait()
        return Final(
            Snapshot.from_json(answer["snapshot"]),
            [(count, line) for count, line in answer["problems"]],
            answer["pauses_429"],
            answer["retries"],
        )

    def kill(self) -> None:
        if self.process.returncode is None:
            self.process.kill()


# --- phases ----------------------------------------------------------------------------


@dataclass
class Cost:
    """What the bot spent on some updates: the figures of a phase, or of several."""

    updates: int = 0
    wall: float = 0.0
    cpu: float = 0.0  # seconds, the bot process
    parent_cpu: float = 0.0  # seconds, this process: the sandbox and the people
    server_cpu: float | None = None  # seconds, the PostgreSQL server's processes
    statements: int = 0
    commits: int = 0
    calls: Counter[str] = field(default_factory=Counter)  # API calls by method
    latencies: list[float] = field(default_factory=list)

    def __add__(self, other: Cost) -> Cost:
        return Cost(
            self.updates + other.updates,
            self.wall + other.wall,
            self.cpu + other.cpu,
            self.parent_cpu + other.parent_cpu,
            None
            if self.server_cpu is None or other.server_cpu is None
            else self.server_cpu + other.server_cpu,
            self.statements + other.statements,
            self.commits + other.commits,
            self.calls + other.calls,
            self.latencies + other.latencies,
        )

    @property
    def rate(self) -> float:
        return self.updates / self.wall if self.wall else 0.0

    def per_update(self, amount: float) -> float:
        return amount / self.updates if self.updates else 0.0


@dataclass
class Phase:
    """A crowd of people doing one part of the flow at the same time."""

    name: str
    people: list[Person]
    before: Snapshot
    after: Snapshot | None = None
    started: float = 0.0  # perf_counter
    # The rest of the machine over the same span: this process's CPU time, the server's.
    parent_cpu: tuple[float, float] = (0.0, 0.0)
    server_cpu: tuple[float | None, float | None] = (None, None)
    wall: float = 0.0  # from the start to the last answer
    finished: int = 0  # people whose flow went through
    failures: list[str] = field(default_factory=list)
    calls: Counter[str] = field(default_factory=Counter)  # API calls, getUpdates aside
    failed: Counter[str] = field(default_factory=Counter)  # failed calls by error

    @property
    def updates(self) -> int:
        return sum(p.updates[self.name] for p in self.people)

    def timings(self, step: str | None = None) -> list[Timed]:
        return [
            t
            for p in self.people
            for t in p.timings
            if t.phase == self.name and (step is None or t.step == step)
        ]

    def latencies(self, step: str | None = None) -> list[float]:
        return [t.seconds for t in self.timings(step)]

    @property
    def cost(self) -> Cost:
        after = self.after or self.before
        return Cost(
            self.updates,
            self.wall,
            after.cpu - self.before.cpu,
            self.parent_cpu[1] - self.parent_cpu[0],
            None
            if self.server_cpu[0] is None or self.server_cpu[1] is None
            else self.server_cpu[1] - self.server_cpu[0],
            after.statements - self.before.statements,
            after.commits - self.before.commits,
            Counter(self.calls),
            self.latencies(),
        )


@dataclass
class StartUp:
    seconds: float  # from starting the bot's process to a quiet sandbox
    in_process: float  # in the bot process, from its first line to polling
    calls: Counter[str]


@dataclass
class BotRun:
    """Everything one bot did, phase by phase, in its own process."""

    script: Script
    sandbox: Sandbox
    bot: BotProcess
    run_timeout: float
    server: bool = False  # the database is a PostgreSQL server on this machine
    people: list[Person] = field(default_factory=list)
    phases: dict[str, Phase] = field(default_factory=dict)
    start_up: StartUp | None = None
    memory: list[tuple[str, Snapshot]] = field(default_factory=list)
    final: Final | None = None
    fairness: Fairness | None = None
    parent_cpu: float = 0.0  # this process (sandbox and people) while the bot ran
    parent_rss: tuple[int, int] = (0, 0)  # this process: after the runs, peak

    @property
    def failures(self) -> list[str]:
        return [f"{name}: {line}" for name, ph in self.phases.items() for line in ph.failures]

    def cost(self, *names: str) -> Cost:
        total = Cost(server_cpu=0.0 if self.server else None)
        for name in names:
            if name in self.phases:
                total = total + self.phases[name].cost
        return total

    async def remember_memory(self, label: str) -> None:
        self.memory.append((label, await self.bot.snapshot("between phases", collect=True)))


async def run_phase(
    run: BotRun, name: str, people: Sequence[Person], flow: Callable[[Person], Awaitable[None]]
) -> Phase:
    """Everyone in `people` (who has not failed before) does `flow` at the same time."""
    active = [p for p in people if not p.broken]
    for p in active:
        p.phase = name
    phase = Phase(name, active, await run.bot.snapshot(name))
    server_before = server_cpu(run.server)
    parent_before = time.process_time()
    run.phases[name] = phase
    log(f"{run.script.name}: {name} ({len(active)} people)")
    since = time.time()
    phase.started = time.perf_counter()
    await crowd(run.script.name, phase, flow, run.run_timeout)
    # The bot's work after its last answer (e.g. recording that the question was asked)
    # belongs to this phase: the bot process waits until it holds no update.
    with contextlib.suppress(TimeoutError):
        await run.sandbox.settle(quiet=0.3, timeout=30)
    phase.after = await run.bot.snapshot("between phases")
    phase.parent_cpu = (parent_before, time.process_time())
    phase.server_cpu = (server_before, server_cpu(run.server))
    phase.calls, phase.failed = api_stats(run.sandbox, since, time.time())
    return phase


async def crowd(
    bot: str,
    phase: Phase,
    flow: Callable[[Person], Awaitable[None]],
    run_timeout: float,
    progress_every: float = 15.0,
) -> None:
    """Runs every person's flow at the same time; a broken flow is recorded, not raised."""
    done: list[Person] = []

    async def guarded(person: Person) -> None:
        try:
            await flow(person)
            done.append(person)
        except Exception as exc:
            # Recorded and counted as a failure; the other people carry on.
            person.broken = True
            kind = "" if isinstance(exc, FlowError) else f"{type(exc).__name__}: "
            phase.failures.append(f"user {person.user.id} at step {person.step!r}: {kind}{exc}")

    async def progress() -> None:
        while True:
            await asyncio.sleep(progress_every)
            log(f"{bot}: {len(done)}/{len(phase.people)} done, {phase.updates} updates sent")

    reporter = asyncio.create_task(progress())
    start = time.perf_counter()
    try:
        async with asyncio.timeout(run_timeout):
            await asyncio.gather(*(guarded(p) for p in phase.people))
    except TimeoutError:
        for p in phase.people:
            if p not in done and not p.broken:
                p.broken = True
                phase.failures.append(
                    f"user {p.user.id} at step {p.step!r}: not done within {run_timeout:.0f} s"
                )
    finally:
        phase.wall = time.perf_counter() - start
        phase.finished = len(done)
        reporter.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reporter


def api_stats(sandbox: Sandbox, since: float, until: float) -> tuple[Counter[str], Counter[str]]:
    """The bot's API calls in [since, until) (getUpdates aside), and those that failed."""
    calls: Counter[str] = Counter()
    failed: Counter[str] = Counter()
    for request in sandbox.requests:
        if request.method == "getUpdates" or not since <= request.time < until:
            continue
        calls[request.method] += 1
        if not request.ok:
            description = (request.response or {}).get("description", "?")
            failed[f"{request.method} {request.status} {description}"] += 1
    return calls, failed


# --- the runs --------------------------------------------------------------------------


def open_chats(sandbox: Sandbox, count: int) -> list[SandboxUser]:
    """The staff's chats with the bot, opened before (registered staff have used the bot), so
    that the menus set at start-up reach them as they would on Telegram."""
    users = [sandbox.user(FIRST_STAFF_ID + i, f"Staff{i + 1}") for i in range(count)]
    for user in users:
        user.started = True
    return users


def album_of(pool: Sequence[bytes], person: Person, k: int, *, run: int = 0) -> list[bytes]:
    """K photos from the pool: distinct across runs 1 and 2 (the pool is that large), so no
    photo is flagged as one of another report's; run 3 and the fairness run take run 1's again."""
    first = run * len(pool) // 2
    return [pool[(first + person.index * k + j) % len(pool)] for j in range(k)]


def bot_config(args: argparse.Namespace, script: Script, api_url: str, db_url: str) -> JSONDict:
    if isinstance(script, EchoScript):
        return {"bot": "echo", "token": TOKEN, "api_url": api_url}
    profile: JSONDict = {}
    if args.profile is not None:
        profile = {
            "profile": str(args.profile),
            "profile_phases": [RUN2_BEFORE, RUN2_AFTER, RUN2_SEND],
        }
    settings: JSONDict = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": api_url,
        "DATABASE_URL": db_url,
        "DAMPINGAN_DATA_DIR": str(args.data_dir),
        "DAMPINGAN_ADMIN_IDS": str(ADMIN_ID),
        # Weekly reminders and digests (and their catch-up at start, which depends on the
        # day of the week) would reach the staff's chats in the middle of their reports.
        "DAMPINGAN_SCHEDULED_JOBS": False,
    }
    if args.send_rate is not None:
        settings["DAMPINGAN_SEND_RATE"] = args.send_rate
    if args.chat_send_rate is not None:
        settings["DAMPINGAN_CHAT_SEND_RATE"] = args.chat_send_rate
    return {"bot": "dampingan", "settings": settings, **profile}


async def run_bot(
    args: argparse.Namespace,
    script: Script,
    db_url: str,
    pool: Sequence[bytes],
    files: FileStore,
    tally: LogTally,
) -> BotRun:
    """One bot in its own process against its own sandbox: run 1, run 2 and (Dampingan)
    the fairness run."""
    async with Sandbox(token=TOKEN, strict=False, flood_limits=False) as sandbox:
        sandbox.files = files
        users = open_chats(sandbox, args.users)
        tally.phase = f"{script.name}: start-up"
        cpu, started = time.process_time(), time.perf_counter()
        bot = await BotProcess.start(bot_config(args, script, sandbox.url, db_url))
        try:
            try:
                await sandbox.settle(quiet=1.0, timeout=60)
            except TimeoutError:
                log("the bot was still busy a minute after start-up; starting the run anyway")
            run = BotRun(
                script, sandbox, bot, args.run_timeout, server=local_server(args.database)
            )
            calls = Counter(r.method for r in sandbox.requests if r.method != "getUpdates")
            run.start_up = StartUp(time.perf_counter() - started, bot.start_up, calls)
            await run.remember_memory("after start-up")
            arrivals = Arrivals(sandbox)
            for user in users:
                arrivals.mark_read(user)
            run.people = [
                Person(user, arrivals, i, args.step_timeout) for i, user in enumerate(users)
            ]
            k = args.photos
            tally.phase = f"{script.name}: runs"
            await run_phase(run, RUN1, run.people, lambda p: script.whole(p, album_of(pool, p, k)))
            await run.remember_memory("after run 1")
            await run_phase(run, RUN2_BEFORE, run.people, script.to_photos)
            await run_phase(
                run,
                RUN2_PHOTOS,
                run.people,
                lambda p: script.album(p, album_of(pool, p, k, run=1)),
            )
            await run_phase(run, RUN2_AFTER, run.people, lambda p: script.after_photos(p, k))
            await run_phase(run, RUN2_SEND, run.people, script.send)
            await run.remember_memory("after run 2")
            await run_phase(run, RUN3, run.people, lambda p: script.whole(p, album_of(pool, p, k)))
            await run.remember_memory("after run 3")
            if not args.no_fairness and isinstance(script, DampinganScript):
                run.fairness = await fairness(run, script, pool)
                await run.remember_memory("after the fairness run")
            tally.phase = f"{script.name}: stopping"
            run.final = await bot.stop()
            run.parent_cpu = time.process_time() - cpu
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
            run.parent_rss = (rss_now(), peak)
            return run
        finally:
            bot.kill()


@dataclass
class Fairness:
    """Text and tap steps of people who send no photos, with and without others' albums."""

    albums: int  # people sending an album
    texts: int  # people doing text and tap steps only
    albums_done: float  # seconds from the start of the phase to the last album counted
    during: list[float]  # latencies of the text steps begun before that
    after: list[float]  # latencies of the text steps of the same rounds begun after it


async def fairness(run: BotRun, script: Script, pool: Sequence[bytes]) -> Fairness:
    """Half the people send albums while the other half do text steps; then the same text
    steps with nobody sending albums (see the module docstring)."""
    senders = [p for p in run.people[::2] if not p.broken]
    texters = [p for p in run.people[1::2] if not p.broken]
    is_sender = {p.user.id for p in senders}
    await run_phase(run, FAIR_SETUP, senders, script.to_photos)
    albums_done = asyncio.Event()
    pending = {p.user.id for p in senders if not p.broken}
    if not pending:
        albums_done.set()
    done_at = 0.0

    async def send_album(p: Person) -> None:
        nonlocal done_at
        try:
            await script.album(p, album_of(pool, p, FAIR_PHOTOS))
        finally:
            pending.discard(p.user.id)
            if not pending and not albums_done.is_set():
                done_at = time.perf_counter()
                albums_done.set()

    async def text_rounds(p: Person) -> None:
        # At least one round; another as long as albums are still being counted.
        while True:
            await script.to_photos(p)
            await script.cancel(p)
            p.rounds += 1
            if albums_done.is_set():
                return

    async def with_albums(p: Person) -> None:
        await (send_album(p) if p.user.id in is_sender else text_rounds(p))

    busy = await run_phase(run, FAIR_ALBUMS, senders + texters, with_albums)

    async def same_rounds(p: Person) -> None:
        for _ in range(p.rounds):
            await script.to_photos(p)
            await script.cancel(p)

    await run_phase(run, FAIR_QUIET, texters, same_rounds)
    await run_phase(run, FAIR_FINISH, senders, lambda p: script.finish(p, FAIR_PHOTOS))
    texts = [t for t in busy.timings() if t.step != "photos"]
    end = done_at or time.perf_counter()
    return Fairness(
        len(senders),
        len(texters),
        end - busy.started,
        [t.seconds for t in texts if t.started < end],
        [t.seconds for t in texts if t.started >= end],
    )


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


def local_server(server_url: str | None) -> bool:
    """Whether --database names a PostgreSQL server on this machine, whose processes' CPU
    time can be read (it takes its share of the same cores as the bot)."""
    if server_url is None or not Path("/proc/self/stat").exists():
        return False
    return make_url(server_url).host in (None, "", "127.0.0.1", "localhost", "::1")


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def server_cpu(local: bool) -> float | None:
    """CPU seconds (user and system) of every PostgreSQL process on this machine now: the
    backends serving the bot, and the WAL writer and checkpointer that its commits keep busy.
    A backend that exits between two readings takes its time with it, so a difference is a
    lower bound (the bot's pool keeps its connections for the whole run)."""
    if not local:
        return None
    ticks = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdecimal():
            continue
        with contextlib.suppress(OSError):
            stat = (entry / "stat").read_text()
            # The command name sits in parentheses and may hold spaces: split after it.
            name = stat[stat.index("(") + 1 : stat.rindex(")")]
            if name == "postgres":
                fields = stat[stat.rindex(")") + 2 :].split()
                ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / _CLOCK_TICKS


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


def expected_stored(run: BotRun, k: int) -> tuple[int, int]:
    """Reports and photos the Dampingan run should have left: one report per finished
    whole flow (runs 1 and 3), run 2 and album sender of the fairness run."""
    reports = photos = 0
    for name, per_report in ((RUN1, k), (RUN2_SEND, k), (RUN3, k), (FAIR_FINISH, FAIR_PHOTOS)):
        phase = run.phases.get(name)
        if phase is not None:
            reports += phase.finished
            photos += phase.finished * per_report
    return reports, photos


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


def ratio(a: float, b: float) -> str:
    return f"{a / b:7.2f}x" if a and b else f"{'-':>8}"


def print_settings(d: BotRun, e: BotRun, args: argparse.Namespace) -> None:
    s = d.bot.settings
    fields = Settings.model_fields
    send_rate, chat_rate = s.get("send_rate"), s.get("chat_send_rate")
    lifted = args.send_rate is not None and args.chat_send_rate == LIFTED_CHAT_RATE
    print(
        f"  processes        each bot in a process of its own (Dampingan pid {d.bot.pid}, echo "
        f"pid {e.bot.pid}); the sandbox and the people in this one (pid {os.getpid()})"
    )
    print(
        f"  bot rate limiter TelegramRateLimiter: DAMPINGAN_SEND_RATE {send_rate:g} a second "
        f"overall{' (the default)' if send_rate == fields['send_rate'].default else ''}, "
        f"DAMPINGAN_CHAT_SEND_RATE {chat_rate:g} a second per chat after a burst of 3"
        + (
            " (lifted with --send-rate: the per-chat pace applies to the bot's replies too)"
            if lifted
            else " (the default)"
            if chat_rate == fields["chat_send_rate"].default
            else ""
        )
    )
    print(
        f"  update slots     {UPDATES_IN_FLIGHT} at once in Dampingan (one at a time per chat); "
        "the echo bot one update at a time (PTB's default)"
    )
    for run in (d, e):
        assert run.start_up is not None
        calls = ", ".join(f"{m} {c}" for m, c in run.start_up.calls.most_common())
        print(
            f"  start-up         {run.script.name}: {run.start_up.seconds:.1f} s "
            f"({run.start_up.in_process:.1f} s of it building and starting the application), "
            f"before the clock: {calls or 'no calls'}"
        )


def print_run1(d: BotRun, e: BotRun, args: argparse.Namespace) -> None:
    n, k = args.users, args.photos
    dp, ep = d.phases[RUN1], e.phases[RUN1]
    print(f"\nRun 1, the whole flow at once: {n} people, one report each, albums of {k} photos")
    for phase, name in ((dp, "Dampingan"), (ep, "echo")):
        print(
            f"  {name:<16} {phase.wall:6.1f} s, {phase.updates} updates "
            f"({phase.updates / max(n, 1):.0f} per person) -> {phase.cost.rate:.1f} updates/s"
        )
    print(
        f"  {'latency per step, ms':<22}{'Dampingan p50':>16}{'p95':>8}{'max':>8}"
        f"{'echo p50':>14}{'p95':>8}{'max':>8}"
    )
    for step in (*STEPS, None):
        print(
            f"    {step or 'all steps':<20}{latency_columns(dp.latencies(step))}      "
            f"{latency_columns(ep.latencies(step))}"
        )
    d_all, e_all = dp.latencies(), ep.latencies()
    if d_all and e_all:
        print(
            f"  Dampingan / echo: updates/s {ratio(dp.cost.rate, ep.cost.rate).strip()}, "
            f"p50 latency {ratio(percentile(d_all, 0.5), percentile(e_all, 0.5)).strip()}, "
            f"p95 latency {ratio(percentile(d_all, 0.95), percentile(e_all, 0.95)).strip()}"
        )


KINDS = (
    ("text and tap steps", (RUN2_BEFORE, RUN2_AFTER, RUN2_SEND)),
    ("  without the send", (RUN2_BEFORE, RUN2_AFTER)),
    ("  the send", (RUN2_SEND,)),
    ("photo steps", (RUN2_PHOTOS,)),
    ("whole flow, in phases", (RUN2_BEFORE, RUN2_PHOTOS, RUN2_AFTER, RUN2_SEND)),
    ("whole flow, at once", (RUN1,)),
)


def p50_p95(values: list[float]) -> str:
    if not values:
        return "-"
    return f"{percentile(values, 0.5) * 1000:.0f}/{percentile(values, 0.95) * 1000:.0f}"


def print_machine_cpu(d: BotRun, e: BotRun) -> None:
    """Where the machine's CPU went per update, beside the bot: the sandbox and the people
    (this process) and, on a local PostgreSQL, the server; all share the same cores."""
    server = d.server
    print(
        f"  {'CPU ms per update':<22}{'Dampingan':>11}{'sandbox':>9}"
        + (f"{'PostgreSQL':>12}" if server else "")
        + f"{'echo':>9}{'sandbox':>9}"
        + (f"{'PostgreSQL':>12}" if server else "")
        + "   (sandbox: the stand-in and the people, this process)"
    )
    for label, names in KINDS:
        cells = []
        for run in (d, e):
            cost = run.cost(*names)
            cells.append(f"{cost.per_update(cost.cpu) * 1000:>9.2f}")
            cells.append(f"{cost.per_update(cost.parent_cpu) * 1000:>9.2f}")
            if server:
                value = cost.server_cpu
                cells.append(
                    f"{cost.per_update(value) * 1000:>12.2f}"
                    if value is not None
                    else f"{'-':>12}"
                )
        print(f"  {label:<22}  " + "".join(cells))


def print_costs(d: BotRun, e: BotRun, args: argparse.Namespace) -> None:
    print(
        f"\nPer update, by kind: run 2 in phases of one kind (everyone's text and tap steps up "
        f"to the photo question, then everyone's album of {args.photos}, then everyone's steps "
        f"after it); 'at once' is run 1. CPU: the bot's process, every thread."
    )
    widths = (22, 8, 11, 8, 8, 11, 7, 8, 12, 10)
    header = (
        ("", "updates", "updates/s", "", "", "CPU ms", "", "", "p50/p95 ms", ""),
        ("kind", "each", "Dampingan", "echo", "D/echo", "Dampingan", "echo", "D/echo",
         "Dampingan", "echo"),
    )  # fmt: skip
    for row in header:
        print(
            "  "
            + row[0].ljust(widths[0])
            + "".join(c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True))
        )
    for label, names in KINDS:
        dc, ec = d.cost(*names), e.cost(*names)
        d_cpu, e_cpu = dc.per_update(dc.cpu) * 1000, ec.per_update(ec.cpu) * 1000
        cells = (
            str(dc.updates), f"{dc.rate:.1f}", f"{ec.rate:.1f}", ratio(dc.rate, ec.rate).strip(),
            f"{d_cpu:.2f}", f"{e_cpu:.2f}", ratio(d_cpu, e_cpu).strip(),
            p50_p95(dc.latencies), p50_p95(ec.latencies),
        )  # fmt: skip
        print(
            "  "
            + label.ljust(widths[0])
            + "".join(c.rjust(w) for c, w in zip(cells, widths[1:], strict=True))
        )
    print_machine_cpu(d, e)
    print(f"  {'':<22}{'SQL':>12}{'commits':>9}{'API calls':>11}")
    print(
        f"  {'kind':<22}{'statements':>12}{'':>9}{'Dampingan':>11}{'echo':>7}"
        "  Dampingan's by method"
    )
    for label, names in KINDS:
        dc, ec = d.cost(*names), e.cost(*names)
        calls = sum(dc.calls.values())
        methods = ", ".join(f"{m} {dc.per_update(c):.2f}" for m, c in dc.calls.most_common() if c)
        print(
            f"  {label:<22}{dc.per_update(dc.statements):>12.2f}{dc.per_update(dc.commits):>9.2f}"
            f"{dc.per_update(calls):>11.2f}{ec.per_update(ec.calls.total()):>7.2f}  {methods}"
        )
    print(
        "  (per update of that kind; the echo bot runs no SQL. An album's photos are updates "
        "too: each is downloaded, stored and counted in the status message.)"
    )


def print_memory(d: BotRun, e: BotRun, args: argparse.Namespace) -> None:
    print(
        "\nMemory of each bot's process after a garbage collection: resident set size (MiB) "
        "and objects the garbage collector tracks (thousands)"
    )
    print(f"  {'':<26}{'Dampingan':>10}{'objects':>9}{'echo':>8}{'objects':>9}")
    echo_memory = dict(e.memory)
    for label, snap in d.memory:
        other = echo_memory.get(label)
        cells = f"{other.rss / MiB:8.0f}{other.objects / 1000:9.0f}" if other else f"{'-':>8}"
        print(f"  {label:<26}{snap.rss / MiB:10.0f}{snap.objects / 1000:9.0f}{cells}")
    finals = [r.final.snapshot.peak_rss if r.final else 0 for r in (d, e)]
    print(f"  {'peak (VmHWM)':<26}{finals[0] / MiB:10.0f}{'':>9}{finals[1] / MiB:8.0f}")
    n = args.users
    for first, later, reports, what in (
        ("after run 1", "after run 2", n, f"run 1 to run 2 (each finishes {n} reports)"),
        ("after run 2", "after run 3", n, f"run 2 to run 3 (each finishes {n} reports)"),
        (
            "after run 1",
            "after run 3",
            2 * n,
            f"run 1 to run 3 (the same whole flow at once; {2 * n} reports in between)",
        ),
    ):
        growth = []
        for run in (d, e):
            memory = dict(run.memory)
            one, two = memory.get(first), memory.get(later)
            shown = "-"
            if one and two:
                shown = (
                    f"{(two.rss - one.rss) / reports / 1024:.0f} KiB and "
                    f"{round((two.objects - one.objects) / reports)} objects"
                )
            growth.append(f"{run.script.name} {shown}")
        print(f"  growth per report from {what}: " + ", ".join(growth))
    for run in (d, e):
        now, peak = run.parent_rss
        print(
            f"  this process (sandbox, people) during {run.script.name}: "
            f"{run.parent_cpu:.0f} s CPU; RSS {now / MiB:.0f} MiB after, peak {peak / MiB:.0f} MiB"
        )


def print_fairness(d: BotRun) -> None:
    f = d.fairness
    if f is None:
        return
    busy, quiet = d.phases[FAIR_ALBUMS], d.phases[FAIR_QUIET]
    alone = quiet.latencies()
    rounds = [p.rounds for p in quiet.people]
    print(
        f"\nFairness: the text and tap steps of {f.texts} people who send no photos (rounds of "
        f"/lapor up to the photo question, then /batal: 9 steps), while {f.albums} others each "
        f"send an album of {FAIR_PHOTOS} photos, against the same rounds with nobody sending "
        "albums"
    )
    print(f"  {'text and tap steps':<44}{'steps':>6}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}")
    for label, values in (
        ("begun while albums were coming in", f.during),
        ("begun after the last album was counted", f.after),
        ("the same rounds, nobody sending albums", alone),
    ):
        print(f"  {label:<44}{len(values):>6}{latency_columns(values)}")
    if f.during and alone:
        print(
            f"  {'ratio, while albums / nobody sending albums':<44}{'':>6}"
            f"{ratio(percentile(f.during, 0.5), percentile(alone, 0.5))}"
            f"{ratio(percentile(f.during, 0.95), percentile(alone, 0.95))}"
        )
    album_times = busy.latencies("photos")
    if album_times:
        print(
            f"  albums: {len(album_times)}, from the first photo to '{FAIR_PHOTOS} foto "
            f"diterima': p50 {percentile(album_times, 0.5):.1f} s, p95 "
            f"{percentile(album_times, 0.95):.1f} s, the last {f.albums_done:.1f} s after the "
            "start"
        )
    print(
        f"  rounds per text person: {min(rounds, default=0)}-{max(rounds, default=0)} (until "
        f"the last album was counted; the same number without albums); "
        f"{busy.cost.rate:.1f} and {quiet.cost.rate:.1f} updates/s in the two phases"
    )


def print_checks(
    d: BotRun, e: BotRun, stored: Stored, expected: tuple[int, int], tally: LogTally
) -> None:
    print()
    mark = {True: "ok", False: "!!! MISMATCH"}
    reports, photos = expected
    for name, got, want in (
        ("reports", stored.reports, reports),
        ("photos", stored.photos, photos),
    ):
        print(f"  {name} stored {got:11d}  expected {want:d}  {mark[got == want]}")
    print(f"  drafts left      {stored.drafts:8d}  expected 0  {mark[stored.drafts == 0]}")
    for run in (d, e):
        failed: Counter[str] = Counter()
        for phase in run.phases.values():
            failed.update(phase.failed)
        print(f"  {run.script.name}: failed API calls {sum(failed.values())}")
        for line, count in failed.most_common(5):
            print(f"    {count} x {line}")
        if run.final is not None and isinstance(run.script, DampinganScript):
            print(
                f"  {run.script.name}: rate limiter 429 pauses {run.final.pauses_429}, "
                f"retries {run.final.retries}"
            )
        print(f"  {run.script.name}: sandbox errors {len(run.sandbox.errors)}")
        if run.failures:
            print(f"  !!! {run.script.name}: {len(run.failures)} flows could not finish:")
            for line in run.failures[:5]:
                print(f"  !!!   {line}")
    problems = [(n, f"bench: {line}") for n, line in tally.problems()]
    for run in (d, e):
        if run.final is not None:
            problems += [(n, f"{run.script.name}: {line}") for n, line in run.final.problems]
    print(f"Log warnings and errors: {sum(n for n, _ in problems)}")
    for count, line in sorted(problems, key=lambda x: -x[0])[:10]:
        print(f"  {count:5d} x {line}")


def print_profile(path: Path) -> None:
    """The functions of Dampingan's event loop that took the most time of their own."""
    out = io.StringIO()
    pstats.Stats(str(path), stream=out).sort_stats("tottime").print_stats(20)
    lines = out.getvalue().splitlines()
    start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    print(
        f"Profile of Dampingan's event loop in run 2's text and tap phases ({path}; threads "
        "such as aiosqlite's and photo ingest are not in it), by own time:"
    )
    for line in lines[start:]:
        if line.strip():
            print(f"  {line}")


def print_results(
    args: argparse.Namespace,
    d: BotRun,
    e: BotRun,
    stored: Stored,
    agencies: list[str],
    ingest: Ingest,
    tally: LogTally,
) -> None:
    backend = "PostgreSQL" if args.database else "SQLite"
    print(
        f"Dampingan report flow: {args.users} staff at once; {backend}; photos "
        f"{PHOTO_SIZE[0]}x{PHOTO_SIZE[1]}; staff of {', '.join(agencies)}"
    )
    print_settings(d, e, args)
    print_run1(d, e, args)
    print_costs(d, e, args)
    print_memory(d, e, args)
    print_fairness(d)
    print_checks(d, e, stored, expected_stored(d, args.photos), tally)
    if args.profile is not None and args.profile.exists():
        print_profile(args.profile)
    print(
        f"Photo ingest: PhotoStore.ingest of a 4000x3000 (12-megapixel) {ingest.megabytes:.1f} MB "
        f"JPEG: median {ingest.median_ms:.0f} ms, p95 {ingest.p95_ms:.0f} ms "
        f"({ingest.runs} runs)"
    )


# --- main ------------------------------------------------------------------------------


@dataclass
class Results:
    dampingan: BotRun
    echo: BotRun
    stored: Stored
    agencies: list[str]


async def bench(args: argparse.Namespace, db_url: str, tally: LogTally) -> Results:
    log(f"loading the demo data and {args.users} staff")
    agencies = await load_data(db_url, args.users)
    # Runs 1 and 2 each send an album per person: every photo of both is distinct.
    count = max(POOL_SIZE, 2 * args.users * args.photos, FAIR_PHOTOS)
    log(f"making {count} distinct {PHOTO_SIZE[0]}x{PHOTO_SIZE[1]} photos")
    pool = await asyncio.to_thread(image_pool, count)
    files = PreEncodedFiles()
    await asyncio.to_thread(files.prepare, pool)
    dampingan = await run_bot(args, DampinganScript(), db_url, pool, files, tally)
    stored = await count_stored(db_url)
    echo = await run_bot(args, EchoScript(), db_url, pool, files, tally)
    return Results(dampingan, echo, stored, agencies)


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
        help="DAMPINGAN_SEND_RATE for the bot: its overall limit of calls a second "
        "(default: the bot's own, Telegram's 30); e.g. 1000 to see what the bot could do. "
        f"Also lifts DAMPINGAN_CHAT_SEND_RATE to {LIFTED_CHAT_RATE:g} unless given",
    )
    parser.add_argument(
        "--chat-send-rate",
        type=float,
        metavar="R",
        help="DAMPINGAN_CHAT_SEND_RATE for the bot: its pace per chat after a burst of 3 "
        f"(default: the bot's own, 1; {LIFTED_CHAT_RATE:g} with --send-rate)",
    )
    parser.add_argument(
        "--no-fairness", action="store_true", help="skip the fairness run (albums vs text)"
    )
    parser.add_argument(
        "--step-timeout",
        type=float,
        default=120,
        help=f"seconds to wait for one answer (an album: {ALBUM_TIMEOUT_FACTOR} times this)",
    )
    parser.add_argument(
        "--run-timeout", type=float, default=600, help="seconds for one phase of one bot"
    )
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="FILE",
        help="write a cProfile of Dampingan's event loop during run 2's text and tap phases "
        "to FILE (read it with python -m pstats FILE); makes those phases slower",
    )
    parser.add_argument(
        "--ingest-count", type=int, default=5, help="timed 12-megapixel ingests (default 5)"
    )
    args = parser.parse_args()
    if args.users < 2 or not 1 <= args.photos <= MAX_PHOTOS:
        parser.error(f"--users must be at least 2 and --photos between 1 and {MAX_PHOTOS}")
    if args.send_rate is not None and args.chat_send_rate is None:
        args.chat_send_rate = LIFTED_CHAT_RATE

    started = time.perf_counter()
    tally = install_tally()
    folder = Path(tempfile.mkdtemp(prefix="dampingan-bench-"))
    args.data_dir = folder / "data"
    try:
        with database(args.database, folder) as db_url:
            log("migrating a fresh database")
            migrations.upgrade(db_url)
            results = asyncio.run(bench(args, db_url, tally))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    tally.phase = "ingest"
    log("measuring the ingest of a 12-megapixel JPEG")
    ingest = measure_ingest(max(1, args.ingest_count))
    d, e = results.dampingan, results.echo
    print_results(args, d, e, results.stored, results.agencies, ingest, tally)
    print(f"Total time of this benchmark: {time.perf_counter() - started:.0f} s")

    reports, photos = expected_stored(d, args.photos)
    stored = results.stored
    failed = (
        (stored.reports, stored.photos, stored.drafts) != (reports, photos, 0)
        or d.failures
        or e.failures
    )
    if failed:
        print("!!! CORRECTNESS FAILURE: see the lines marked !!! above", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
