"""How long the weekly digests take to build on a year of a whole regency's reports.

Run: .venv/bin/python bench/digest_build.py [--reports 30000] [--database URL]

The build half of bench/digest.py (`digest.py --skip-send` prints the same), kept runnable on
its own; digest.py imports the synthetic year and the measurements from here.

Builds a fresh database (SQLite in a temporary folder; or a throwaway database created on
the PostgreSQL server of --database and dropped afterwards) holding one synthetic year: the
regency's 14 kecamatan and 223 villages (from ../shared/data/pemalang_regions.csv when it is
there, made-up names otherwise), 60 agencies adopting every village (a third of them by two
agencies), 300 staff, `--reports` submitted reports spread over the past 365 days with one or
two activities each and three photo rows per report (no files), plus a few drafts. Rows are
inserted in bulk and the tables analysed, as on a server that has been running (PostgreSQL's
autovacuum; for SQLite the bot's nightly maintenance job, whose time is printed).

Then it builds the digest of the last full week for each kecamatan and for the regency,
timing each and counting its SQL statements, and times the attachments of the regency digest
(chart, map, collage of nine small generated photos, spreadsheet). Figures only, no
assertions.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
from PIL import Image
from sqlalchemy import event, insert, or_, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import migrations
from models import reports
from models.activities import Strategy
from models.agencies import Agency, Assignment
from models.db import make_engine, make_sessionmaker, refresh_statistics
from models.digests import (
    XLSX_COLUMNS,
    DigestData,
    DigestPhoto,
    Period,
    count_statements,
    digest_data,
    week_of,
)
from models.regions import Kecamatan, Village, VillageKind
from models.reports import (
    Photo,
    PhotoPhashBand,
    Report,
    ReportActivity,
    ReportStatus,
    phash_band_keys,
    phash_distance,
)
from models.users import Role, User
from services.digest_map import MapImage, MapLabels, map_png
from services.digest_media import chart_png, collage_jpeg, reports_xlsx
from services.evidence import SIMILAR_LOOKBACK, SIMILAR_PHASH_BITS
from services.imports import import_regions

REGIONS_CSV = Path(__file__).resolve().parents[2] / "shared" / "data" / "pemalang_regions.csv"
KECAMATAN = 14
VILLAGES = 223
AGENCIES = 60
STAFF_PER_AGENCY = 5
PHOTOS_PER_REPORT = 3
DAYS = 365
CHUNK = 5_000
STRATEGIES = [s.value for s in Strategy]
# The bot's default time zone: its "today" decides the digest's week.
TZ = ZoneInfo("Asia/Jakarta")
ACTIVITIES = ["bantuan_sosial", "jaminan_kesehatan", "pelatihan_kerja", "rumah_layak", "other"]


def log(line: str) -> None:
    print(line, flush=True)


# -- the database --------------------------------------------------------------------------


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


# -- synthetic data ------------------------------------------------------------------------


async def load_regions(session: AsyncSession) -> str:
    """The real regions when the shared data folder is there, made-up ones otherwise."""
    if REGIONS_CSV.exists():
        await import_regions(session, REGIONS_CSV)
        await session.commit()
        return REGIONS_CSV.name
    per_kecamatan, extra = divmod(VILLAGES, KECAMATAN)
    for k in range(KECAMATAN):
        kecamatan = Kecamatan(code=f"99.01.{k + 1:02d}", name=f"Kecamatan {k + 1:02d}")
        session.add(kecamatan)
        await session.flush()
        for v in range(per_kecamatan + (1 if k < extra else 0)):
            session.add(
                Village(
                    code=f"99.01.{k + 1:02d}.{2001 + v}",
                    name=f"Desa {k + 1:02d}-{v + 1:02d}",
                    kind=VillageKind.DESA,
                    kecamatan_id=kecamatan.id,
                )
            )
    await session.commit()
    return "synthetic names"


async def insert_rows(session: AsyncSession, table: Any, rows: Sequence[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        await session.execute(insert(table), list(rows[start : start + CHUNK]))


@dataclass
class Loaded:
    source: str
    kecamatan: list[tuple[int, str]]
    reports: int
    activities: int
    photos: int
    seconds: float
    # SQLite's ANALYZE by the nightly job's code (nothing on PostgreSQL: done in the load).
    statistics_ms: float


async def load_data(engine: AsyncEngine, reports: int, today: date, seed: int = 1) -> Loaded:
    rng = random.Random(seed)
    started = time.perf_counter()
    async with make_sessionmaker(engine)() as session:
        source = await load_regions(session)
        kecamatan = [
            (k_id, name)
            for k_id, name in await session.execute(
                select(Kecamatan.id, Kecamatan.name).order_by(Kecamatan.code)
            )
        ]
        villages = list(await session.scalars(select(Village.id).order_by(Village.code)))
        now = datetime.now(UTC)

        await insert_rows(
            session,
            Agency,
            [
                {
                    "id": a,
                    "name": f"Perangkat Daerah {a:02d}",
                    "short_name": f"PD{a:02d}",
                    "kind": "dinas",
                    "active": True,
                }
                for a in range(1, AGENCIES + 1)
            ],
        )
        # Every village adopted by one agency, every third one by a second agency too.
        pairs = [(i % AGENCIES + 1, v) for i, v in enumerate(villages)]
        pairs += [((i + 7) % AGENCIES + 1, v) for i, v in enumerate(villages) if i % 3 == 0]
        await insert_rows(
            session,
            Assignment,
            [
                {
                    "agency_id": a,
                    "village_id": v,
                    "starts_on": today - timedelta(days=400),
                    "ends_on": None,
                }
                for a, v in pairs
            ],
        )
        staff: dict[int, list[int]] = {}
        user_rows = []
        for a in range(1, AGENCIES + 1):
            for s in range(STAFF_PER_AGENCY):
                user_id = (a - 1) * STAFF_PER_AGENCY + s + 1
                staff.setdefault(a, []).append(user_id)
                user_rows.append(
                    {
                        "id": user_id,
                        "telegram_id": 700_000_000 + user_id,
                        "full_name": f"Petugas {user_id:03d}",
                        "role": Role.STAFF,
                        "agency_id": a,
                        "language": "id",
                        "active": True,
                        "created_at": now,
                    }
                )
        await insert_rows(session, User, user_rows)

        report_rows: list[dict[str, Any]] = []
        activity_rows: list[dict[str, Any]] = []
        photo_rows: list[dict[str, Any]] = []
        band_rows: list[dict[str, Any]] = []
        # Their own generator: the reports and activities stay those of earlier runs.
        hashes = random.Random(seed + 1)
        activity_id = photo_id = 0
        drafts = max(reports // 100, 1)
        for report_id in range(1, reports + drafts + 1):
            agency_id, village_id = rng.choice(pairs)
            visit = today - timedelta(days=rng.randrange(DAYS))
            submitted = report_id <= reports
            moment = datetime.combine(visit, clock(2), UTC) + timedelta(minutes=rng.randrange(600))
            report_rows.append(
                {
                    "id": report_id,
                    "reference": f"LPR-{visit.year}-{report_id:06d}" if submitted else None,
                    "status": ReportStatus.SUBMITTED if submitted else ReportStatus.DRAFT,
                    "user_id": rng.choice(staff[agency_id]),
                    "agency_id": agency_id,
                    "village_id": village_id,
                    "visit_date": visit,
                    "latitude": -7.0 + rng.random() / 5,
                    "longitude": 109.3 + rng.random() / 5,
                    "form_state": {},
                    "created_at": moment,
                    "updated_at": moment,
                    "submitted_at": moment + timedelta(hours=1) if submitted else None,
                }
            )
            count = 1 if rng.random() < 0.5 else 2
            ids = []
            for position, strategy in enumerate(rng.sample(STRATEGIES, count)):
                activity_id += 1
                ids.append(activity_id)
                activity = rng.choice(ACTIVITIES)
                activity_rows.append(
                    {
                        "id": activity_id,
                        "report_id": report_id,
                        "position": position,
                        "strategy": strategy,
                        "activity": activity,
                        "activity_other": "Kerja bakti" if activity == "other" else None,
                        "households": rng.randint(1, 40),
                        "people": rng.randint(1, 150),
                        "description": "Kunjungan dan pendataan keluarga sasaran.",
                    }
                )
            for k in range(PHOTOS_PER_REPORT if submitted else 0):
                photo_id += 1
                key = f"reports/{report_id}/{k}"
                phash = f"{hashes.getrandbits(64):016x}"
                band_rows += (
                    {"key": b, "photo_id": photo_id, "phash": phash}
                    for b in phash_band_keys(phash)
                )
                photo_rows.append(
                    {
                        "id": photo_id,
                        "activity_id": ids[k % len(ids)],
                        "telegram_file_unique_id": f"U{photo_id}",
                        "source": "photo",
                        "sha256": f"{photo_id:064x}",
                        "archive_path": f"{key}.jpg",
                        "thumb_path": f"{key}.thumb.jpg",
                        "width": 1280,
                        "height": 960,
                        "phash": phash,
                        "created_at": moment,
                    }
                )
        await insert_rows(session, Report, report_rows)
        await insert_rows(session, ReportActivity, activity_rows)
        await insert_rows(session, Photo, photo_rows)
        await insert_rows(session, PhotoPhashBand, band_rows)
        await session.commit()
    async with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            # The rows above carry their own ids, which PostgreSQL's sequences do not see:
            # move them past, so that rows added later (coordinators, by digest.py) get
            # fresh ids as on a server that has been running.
            for table in ("agency", "app_user", "report", "report_activity", "photo"):
                await conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
            # Planner statistics, as autovacuum keeps them on a running server.
            await conn.execute(text("ANALYZE"))
        await conn.commit()
    analysed = time.perf_counter()
    async with make_sessionmaker(engine)() as session:
        # SQLite's, as the bot's nightly maintenance job refreshes them.
        await refresh_statistics(session)
    return Loaded(
        source=source,
        kecamatan=kecamatan,
        reports=reports,
        activities=len(activity_rows),
        photos=len(photo_rows),
        seconds=analysed - started,
        statistics_ms=(time.perf_counter() - analysed) * 1000,
    )


# -- measuring -----------------------------------------------------------------------------


@dataclass
class Build:
    name: str
    ms: float
    statements: int
    data: DigestData
    slowest: list[tuple[float, str]]


@contextlib.contextmanager
def statement_times(engine: AsyncEngine) -> Iterator[list[tuple[float, str]]]:
    """(ms, first words of the SQL) of each statement run meanwhile."""
    found: list[tuple[float, str]] = []
    started: list[float] = []

    def before(*args: Any) -> None:
        started.append(time.perf_counter())

    def after(*args: Any) -> None:
        sql = " ".join(str(args[2]).split())
        found.append(((time.perf_counter() - started.pop()) * 1000, sql))

    sync = engine.sync_engine
    event.listen(sync, "before_cursor_execute", before)
    event.listen(sync, "after_cursor_execute", after)
    try:
        yield found
    finally:
        event.remove(sync, "before_cursor_execute", before)
        event.remove(sync, "after_cursor_execute", after)


async def build(
    engine: AsyncEngine, name: str, kecamatan_id: int | None, period: Period, today: date
) -> Build:
    async with make_sessionmaker(engine)() as session:
        # Check a connection out first: connecting is not the digest's work.
        await session.execute(text("SELECT 1"))
        with count_statements(engine) as counter, statement_times(engine) as times:
            started = time.perf_counter()
            data = await digest_data(
                session, kecamatan_id=kecamatan_id, period=period, today=today
            )
            elapsed = (time.perf_counter() - started) * 1000
    return Build(name, elapsed, counter.count, data, sorted(times, reverse=True))


async def measure_reuse(engine: AsyncEngine, today: date, runs: int = 5) -> str:
    """The photo reuse check of one photo against the year (models.reports.photos_alike and
    the comparison in Python), beside the query it replaced: every photo of the year with a
    pHash, read and compared. Median of `runs`, on a photo 3 bits from one of the year."""
    since = datetime.combine(today, clock(12), TZ) - SIMILAR_LOOKBACK
    async with make_sessionmaker(engine)() as session:
        first = await session.scalar(select(Photo.phash).where(Photo.id == 1))
        assert first is not None
        mine, digest = f"{int(first, 16) ^ 0b10101:016x}", "f" * 64
        scan = (
            select(Photo.sha256, Photo.phash, Report.reference)
            .join(ReportActivity, ReportActivity.id == Photo.activity_id)
            .join(Report, Report.id == ReportActivity.report_id)
            .where(
                or_(
                    Photo.sha256 == digest,
                    Photo.phash.is_not(None) & (Report.submitted_at >= since),
                ),
                Report.status == ReportStatus.SUBMITTED,
            )
            .order_by(Report.submitted_at, Report.id)
        )

        async def banded() -> list[Any]:
            return await reports.photos_alike(session, [digest], [mine], since=since, exclude=[])

        async def full() -> list[Any]:
            return list((await session.execute(scan)).all())

        figures = []
        for query in (banded, full):
            times: list[float] = []
            for _ in range(runs):
                started = time.perf_counter()
                rows = await query()
                similar = [r for r in rows if phash_distance(r[1], mine) <= SIMILAR_PHASH_BITS]
                times.append((time.perf_counter() - started) * 1000)
            figures.append((statistics.median(times), len(rows), len(similar)))
    (ms, read, found), (full_ms, full_read, full_found) = figures
    return (
        f"reuse check of one photo against the year: {ms:.1f} ms, {read:,} rows returned "
        "(the band's candidates compared first); "
        f"full scan as before: {full_ms:.1f} ms, {full_read:,} rows "
        f"(similar photos found: {found} and {full_found})"
    )


# The plan SQLite took for the form's reads before migration 0009: the index on `status`
# alone, which holds every draft and every sent report of the year under two keys. Made
# again for the baseline and dropped after it.
_STATUS_INDEX = "bench_report_status"


@contextlib.asynccontextmanager
async def status_led(engine: AsyncEngine, session: AsyncSession) -> AsyncIterator[None]:
    """Every statement on `report` through an index on `status` alone (SQLite's INDEXED
    BY), as SQLite planned them before the composite indexes: the baseline of
    `measure_lookups`."""

    def rewrite(_conn: Any, _cursor: Any, sql: str, params: Any, *_args: Any) -> Any:
        forced = rf"\1 report INDEXED BY {_STATUS_INDEX}"
        return re.sub(r"\b(FROM|JOIN) report(?= )", forced, sql), params

    await session.execute(text(f"CREATE INDEX {_STATUS_INDEX} ON report (status)"))
    await session.commit()
    event.listen(engine.sync_engine, "before_cursor_execute", rewrite, retval=True)
    try:
        yield
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", rewrite)
        await session.execute(text(f"DROP INDEX {_STATUS_INDEX}"))
        await session.commit()


async def measure_lookups(engine: AsyncEngine, samples: int = 100) -> list[str]:
    """The two reads of the year's report rows on the form's path: a person with their
    draft (every update) and the check for other reports of the same village, day and
    activity (every send). Median of `samples` different people and visits; on SQLite also
    through the status index, as planned before migration 0009, in the same run."""
    async with make_sessionmaker(engine)() as session:
        people = list(
            await session.scalars(
                select(User.telegram_id)
                .join(Report, Report.user_id == User.id)
                .where(Report.status == ReportStatus.DRAFT)
                .limit(samples)
            )
        )
        visits = (
            await session.execute(
                select(
                    Report.agency_id, Report.village_id, Report.visit_date, ReportActivity.activity
                )
                .join(ReportActivity, ReportActivity.report_id == Report.id)
                .where(Report.status == ReportStatus.SUBMITTED)
                .limit(samples)
            )
        ).all()

        async def person(telegram_id: int) -> object:
            return await reports.person_and_draft(session, telegram_id)

        async def same(visit: Any) -> object:
            agency_id, village_id, day, activity = visit
            return await reports.same_visits(
                session,
                agency_id=agency_id,
                village_id=village_id,
                visit_date=day,
                activities=[activity],
                exclude=[],
            )

        async def median_ms(read: Callable[[Any], Any], keys: Sequence[Any]) -> float:
            await read(keys[0])  # statement compiled and cached before the clock
            times = []
            for key in keys:
                started = time.perf_counter()
                await read(key)
                times.append((time.perf_counter() - started) * 1000)
            return statistics.median(times)

        lines = []
        for name, read, keys in (
            ("a person and their draft", person, people),
            ("same village, day and activity", same, visits),
        ):
            ms = await median_ms(read, keys)
            line = f"{name:<32}{ms:7.2f} ms"
            if engine.dialect.name == "sqlite":
                async with status_led(engine, session):
                    before = await median_ms(read, keys)
                line += f"; through the status index {before:.2f} ms ({before / ms:.1f}x)"
            lines.append(line)
    return lines


def timed(function: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = function()
    return (time.perf_counter() - started) * 1000, result


def write_photos(photos: Iterable[DigestPhoto], root: Path, seed: int = 9) -> int:
    """Writes a plain 1280x960 JPEG (the size the photo rows say) at each photo's archive
    path under `root`, for the collage; returns how many files it wrote. The synthetic rows
    have no files otherwise."""
    rng = random.Random(seed)
    written = 0
    for photo in photos:
        target = root / photo.archive_path
        if target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        Image.new("RGB", (1280, 960), colour).save(target, "JPEG", quality=85)
        written += 1
    return written


def media(data: DigestData, folder: Path) -> list[tuple[str, float, str]]:
    """Times the four attachments of a digest; the collage gets nine small generated JPEGs
    at the paths of the digest's photos."""
    write_photos(data.photos, folder)

    chart_ms, chart = timed(
        lambda: chart_png(
            data,
            title="Kunjungan per minggu",
            series_labels={},
            week_label=lambda day: day.strftime("%d/%m"),
        )
    )
    map_ms, drawn = timed(
        lambda: map_png(
            data.map,
            labels=MapLabels(
                title="Peta kunjungan",
                strategy={},
                several="Beberapa strategi",
                at_location="Lokasi",
                at_village="Pusat desa",
                visits="Kunjungan",
            ),
        )
    )
    collage_ms, collage = timed(
        lambda: collage_jpeg(
            data.photos,
            open_photo=folder.joinpath,
            label=lambda p: f"{p.village} · {p.visit_date:%d/%m}",
        )
    )
    xlsx_ms, xlsx = timed(
        lambda: reports_xlsx(
            data,
            headers=list(XLSX_COLUMNS),
            sheet_title="Laporan",
            strategy_label=str,
            activity_label=str,
        )
    )

    def size(content: object) -> str:
        if not isinstance(content, bytes):
            return "-"
        if content.startswith((b"\x89PNG", b"\xff\xd8")):
            with Image.open(io.BytesIO(content)) as image:
                return f"{len(content) / 1024:.0f} KiB, {image.width}x{image.height}"
        return f"{len(content) / 1024:.0f} KiB, {len(data.rows)} rows"

    return [
        ("chart_png", chart_ms, size(chart)),
        ("map_png", map_ms, size(drawn.png if isinstance(drawn, MapImage) else None)),
        ("collage_jpeg", collage_ms, size(collage)),
        ("reports_xlsx", xlsx_ms, size(xlsx)),
    ]


def describe(loaded: Loaded) -> str:
    return (
        f"data: {len(loaded.kecamatan)} kecamatan ({loaded.source}), {AGENCIES} agencies, "
        f"{AGENCIES * STAFF_PER_AGENCY} staff, {loaded.reports:,} submitted reports, "
        f"{loaded.activities:,} activities, {loaded.photos:,} photos; "
        f"loaded in {loaded.seconds:.1f} s; planner statistics (SQLite: the nightly job's "
        f"ANALYZE) {loaded.statistics_ms:.0f} ms"
    )


async def measure_builds(
    engine: AsyncEngine, loaded: Loaded, period: Period, today: date
) -> list[Build]:
    """Every kecamatan digest, then the regency's (last), each timed with its statements."""
    # One untimed build warms the engine (dialect setup, statement caches).
    await build(engine, "warm-up", None, period, today)
    builds = [await build(engine, name, k_id, period, today) for k_id, name in loaded.kecamatan]
    builds.append(await build(engine, "REGENCY", None, period, today))
    return builds


def print_builds(builds: Sequence[Build], folder: Path) -> None:
    """The table of builds, the slowest statements, and the regency digest's attachments
    (timed here; their photos are written under `folder`)."""
    regency = builds[-1]
    log(f"{'digest':<22}{'ms':>9}{'SQL':>6}{'reports':>9}{'rows':>7}{'villages':>10}")
    for b in builds:
        log(
            f"{b.name:<22}{b.ms:>9.1f}{b.statements:>6}{b.data.current.visits:>9}"
            f"{len(b.data.rows):>7}{len(b.data.villages):>10}"
        )
    kecamatan_ms = [b.ms for b in builds[:-1]]
    log(
        f"\nall {len(builds)} digests: {sum(b.ms for b in builds):.0f} ms; kecamatan median "
        f"{statistics.median(kecamatan_ms):.1f} ms, max {max(kecamatan_ms):.1f} ms; "
        f"statements per digest: {sorted({b.statements for b in builds})}"
    )

    log("\nslowest statements of the regency digest:")
    for ms, sql in regency.slowest[:4]:
        log(f"  {ms:7.1f} ms  {sql[:110]}")
    log("slowest statements of the busiest kecamatan digest:")
    busiest = max(builds[:-1], key=lambda b: b.data.current.visits)
    for ms, sql in busiest.slowest[:4]:
        log(f"  {ms:7.1f} ms  {sql[:110]}")

    log("\nattachments of the regency digest:")
    for name, ms, what in media(regency.data, folder):
        log(f"  {name:<14}{ms:>8.1f} ms  {what}")


async def run(url: str, reports: int, folder: Path) -> None:
    today = datetime.now(TZ).date()
    period = week_of(today - timedelta(days=7))
    engine = make_engine(url)
    try:
        loaded = await load_data(engine, reports, today)
        log(describe(loaded))
        log(f"digest of {period.start} .. {period.end}, today {today} ({TZ.key})\n")
        print_builds(await measure_builds(engine, loaded, period, today), folder / "photos")
        log("\n" + await measure_reuse(engine, today))
        log("\nreads of the form against the year (median per read):")
        for line in await measure_lookups(engine):
            log("  " + line)
    finally:
        await engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--reports", type=int, default=30_000)
    parser.add_argument("--database", help="postgresql:// URL of a server (default: SQLite)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, database(args.database, Path(tmp)) as url:
        log(f"database: {make_url(url).get_backend_name()}")
        migrations.upgrade(url)
        asyncio.run(run(url, args.reports, Path(tmp)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
