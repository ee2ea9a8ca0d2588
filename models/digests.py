"""The figures of the weekly digest: one kecamatan, or the whole regency, over one period.

`digest_data` runs a fixed number of statements whatever the amount of data (ten today):
every figure is aggregated by the database with GROUP BY, and only columns are selected, so
no ORM object (and none of the models' joined relationships) is loaded. Two lists are read
row by row instead: the period's visits with their review status and evidence flags (flags
are a JSON list per report, which neither database can count by kind portably; the map draws
each visit anyway) and the villages in scope with their centroids (the map's base layer).
The result is made of frozen dataclasses holding plain values, safe to hand to a worker
thread that draws the chart, the map or writes the spreadsheet.

Only submitted reports count, placed on their visit date (not the day they were sent). A
kecamatan digest counts the reports whose village lies in that kecamatan. A report row holds
the latest version of the report (earlier versions live whole in `report_version`), so a
corrected report counts once, with its latest figures, village and date.

Daily groups are summed into periods and weeks in Python rather than bucketed in SQL: a report
has one visit date, so the sums are exact, and the SQL stays the same on SQLite and PostgreSQL
(date arithmetic differs between them, and PostgreSQL refuses a GROUP BY on a CASE whose bound
parameters differ from the SELECT's).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, Literal, NamedTuple

from sqlalchemy import ColumnElement, and_, case, distinct, event, func, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from core.geo import haversine_km
from models.activities import Strategy
from models.agencies import Agency, Assignment
from models.flags import INFORMATIONAL, FlagKind, kinds
from models.regions import Kecamatan, Village
from models.reports import Photo, Report, ReportActivity, ReportStatus, ReviewStatus
from models.users import User

__all__ = [
    "STRATEGIES",
    "XLSX_COLUMNS",
    "DigestData",
    "DigestPhoto",
    "Figures",
    "FlagFigures",
    "IdleAgency",
    "MapArea",
    "MapData",
    "MapVillage",
    "MapVisit",
    "Period",
    "ReviewFigures",
    "Series",
    "SeriesWeek",
    "StatementCounter",
    "StrategyFigures",
    "VillageRow",
    "XlsxRow",
    "count_statements",
    "digest_data",
    "previous",
    "week_of",
]

# The three strategies in the Inpres's order: every digest shows all of them, zeros included.
STRATEGIES: tuple[str, ...] = tuple(strategy.value for strategy in Strategy)

# The spreadsheet's columns, in order (XlsxRow's fields); the caller passes one header each.
XLSX_COLUMNS: tuple[str, ...] = (
    "reference",
    "visit_date",
    "submitted_at",
    "village",
    "kecamatan",
    "agency",
    "staff",
    "strategy",
    "activity",
    "activity_other",
    "households",
    "people",
    "description",
    "photos",
    "latitude",
    "longitude",
    "version",
    "review_status",
    "distance_km",
    "flags",
)


@dataclass(frozen=True)
class Period:
    """A span of visit dates, both ends included."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"period ends ({self.end}) before it starts ({self.start})")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


def week_of(day: date) -> Period:
    """The Monday-to-Sunday week containing `day`."""
    start = day - timedelta(days=day.weekday())
    return Period(start, start + timedelta(days=6))


def previous(period: Period) -> Period:
    """The period of the same length that ends the day before `period` starts."""
    end = period.start - timedelta(days=1)
    return Period(end - timedelta(days=period.days - 1), end)


@dataclass(frozen=True)
class StrategyFigures:
    strategy: str
    # Reports with at least one activity of this strategy: a visit serving two strategies
    # counts once under each, so these do not add up to the total of visits.
    visits: int
    households: int


@dataclass(frozen=True)
class Figures:
    """What happened in one period."""

    visits: int
    households: int
    people: int
    photos: int
    strategies: tuple[StrategyFigures, ...]

    def strategy(self, key: str) -> StrategyFigures:
        for figures in self.strategies:
            if figures.strategy == key:
                return figures
        raise KeyError(key)


@dataclass(frozen=True)
class VillageRow:
    """An assisted village in scope, visited or not."""

    village_id: int
    village: str
    kecamatan: str
    agencies: tuple[str, ...]
    visits: int
    last_visit: date | None


@dataclass(frozen=True)
class IdleAgency:
    """An agency assigned to villages in scope with no visit in scope for too long.

    In a kecamatan digest only its visits in that kecamatan count: an agency busy elsewhere
    is still idle for the coordinator whose villages it neglects.
    """

    agency_id: int
    agency: str
    # Its assisted villages in scope.
    villages: tuple[str, ...]
    # Its last visit in scope up to `today` (to any village there, assisted or not).
    last_visit: date | None


@dataclass(frozen=True)
class SeriesWeek:
    start: date
    values: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.values)


@dataclass(frozen=True)
class Series:
    """Visits per week; `values` of each week line up with `keys`.

    A kecamatan digest splits the visits by strategy (keys are `Strategy` values, and a visit
    serving two strategies counts under both); the regency digest splits them by kecamatan
    (keys are kecamatan names).
    """

    by: Literal["strategy", "kecamatan"]
    keys: tuple[str, ...]
    weeks: tuple[SeriesWeek, ...]


@dataclass(frozen=True)
class DigestPhoto:
    photo_id: int
    report_id: int
    archive_path: str
    thumb_path: str
    village: str
    visit_date: date


@dataclass(frozen=True)
class XlsxRow:
    """One activity of a report, as the spreadsheet lists it (see `XLSX_COLUMNS`)."""

    reference: str | None
    visit_date: date
    submitted_at: datetime | None
    village: str
    kecamatan: str
    agency: str
    staff: str
    strategy: str | None
    activity: str | None
    activity_other: str | None
    households: int | None
    people: int | None
    description: str | None
    photos: int
    latitude: float | None
    longitude: float | None
    # The evidence of the report's latest version: the coordinators' verdict, the shared
    # location's distance to the village's centre, and the kinds of its flags.
    version: int = 1
    review_status: str | None = None
    distance_km: float | None = None
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReviewFigures:
    """Where the period's reports stand with the coordinators (each report once, as its
    latest version stands)."""

    verified: int = 0
    # Submitted or resubmitted and not yet reviewed again; a row from before reviews
    # existed (no status) is waiting too.
    waiting: int = 0
    needs_correction: int = 0


@dataclass(frozen=True)
class FlagFigures:
    """The period's reports carrying evidence flags (models/flags.py), counted per report:
    a report with two reused photos counts once under `photo_reused`."""

    # Reports with at least one warning (informational flags do not make a report flagged).
    flagged: int = 0
    # Warning kinds with their number of reports, in FlagKind's order; kinds at 0 left out.
    warnings: tuple[tuple[FlagKind, int], ...] = ()
    # Informational kinds (every photo sent compressed), shown apart from the warnings.
    informational: tuple[tuple[FlagKind, int], ...] = ()


@dataclass(frozen=True)
class MapArea:
    """A kecamatan in scope, as the map draws it."""

    kecamatan_id: int
    code: str
    name: str
    # The official centroid (for the label); None when the regions file had none.
    lat: float | None
    lon: float | None
    # GeoJSON geometry (Polygon or MultiPolygon, lon/lat) from `dampingan import boundaries`.
    boundary: dict[str, Any] | None
    visits: int


@dataclass(frozen=True)
class MapVillage:
    """A village in scope with its centroid and the period's visits."""

    village_id: int
    name: str
    kecamatan_id: int
    lat: float | None
    lon: float | None
    visits: int


@dataclass(frozen=True)
class MapVisit:
    """One report of the period: one point on the map."""

    report_id: int
    village_id: int | None
    # The location shared with the report, if any.
    latitude: float | None
    longitude: float | None
    # The distinct strategies of its activities, in the Inpres's order.
    strategies: tuple[str, ...]


@dataclass(frozen=True)
class MapData:
    areas: tuple[MapArea, ...] = ()
    villages: tuple[MapVillage, ...] = ()
    visits: tuple[MapVisit, ...] = ()

    @property
    def has_boundaries(self) -> bool:
        return any(area.boundary for area in self.areas)


@dataclass(frozen=True)
class DigestData:
    period: Period
    previous_period: Period
    today: date
    # None for the regency digest.
    kecamatan: str | None
    current: Figures
    previous: Figures
    villages: tuple[VillageRow, ...]
    idle_days: int
    idle_agencies: tuple[IdleAgency, ...]
    series: Series
    photos: tuple[DigestPhoto, ...]
    rows: tuple[XlsxRow, ...]
    # Defaults keep hand-made data (tests, the bench) short.
    review: ReviewFigures = ReviewFigures()
    flags: FlagFigures = FlagFigures()
    map: MapData = MapData()


# -- counting statements -------------------------------------------------------------------


@dataclass
class StatementCounter:
    """SQL statements seen on an engine while `count_statements` was active."""

    count: int = 0
    statements: list[str] = field(default_factory=list)


@contextmanager
def count_statements(engine: AsyncEngine | Engine) -> Iterator[StatementCounter]:
    """Counts the statements sent to the database (tests and the bench check the digest
    costs a constant number of them, whatever the data)."""
    sync_engine = engine.sync_engine if isinstance(engine, AsyncEngine) else engine
    counter = StatementCounter()

    def before_cursor_execute(*args: Any) -> None:
        counter.count += 1
        counter.statements.append(str(args[2]))

    event.listen(sync_engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield counter
    finally:
        event.remove(sync_engine, "before_cursor_execute", before_cursor_execute)


# -- the digest ----------------------------------------------------------------------------


async def digest_data(
    session: AsyncSession,
    *,
    kecamatan_id: int | None,
    period: Period,
    today: date,
    idle_days: int = 14,
    weeks: int = 8,
    photo_limit: int = 9,
) -> DigestData:
    """Everything a coordinator's digest shows, for one kecamatan or (None) the regency.

    `today` decides which assignments are active (started, not ended, of an agency still
    active) and which agencies count as idle: those with no visit in the `idle_days` days
    ending `today` (with `idle_days=14`, a visit 13 days ago keeps an agency off the list and
    one 14 days ago does not). Raises LookupError for an unknown kecamatan.
    """
    if idle_days < 1 or weeks < 1:
        raise ValueError("idle_days and weeks must be positive")
    before = previous(period)
    last_week = week_of(period.end)
    first_week_start = last_week.start - timedelta(weeks=weeks - 1)

    kecamatan = await _kecamatan(session, kecamatan_id)
    if kecamatan_id is not None and not kecamatan:
        raise LookupError(f"no kecamatan with id {kecamatan_id}")

    by_strategy = await _strategy_days(session, kecamatan_id, Period(before.start, period.end))
    by_day = await _report_days(session, kecamatan_id, Period(before.start, period.end))
    assigned = await _assignments(session, kecamatan_id, today)
    visited = await _visits_by_village_agency(session, kecamatan_id, period, today)
    series_rows = await _series_days(
        session, kecamatan_id, Period(first_week_start, last_week.end)
    )
    photos = await _photos(session, kecamatan_id, period, photo_limit)
    rows = await _rows(session, kecamatan_id, period)
    visits = await _visits(session, kecamatan_id, period)
    places = await _villages(session, kecamatan_id)

    villages, idle = _villages_and_idle(assigned, visited, today, idle_days)
    review, flags = _review_and_flags(visits)
    return DigestData(
        period=period,
        previous_period=before,
        today=today,
        kecamatan=kecamatan[0].name if kecamatan_id is not None else None,
        current=_figures(period, by_strategy, by_day),
        previous=_figures(before, by_strategy, by_day),
        villages=villages,
        idle_days=idle_days,
        idle_agencies=idle,
        series=_series(kecamatan_id, kecamatan, villages, series_rows, first_week_start, weeks),
        photos=photos,
        rows=rows,
        review=review,
        flags=flags,
        map=_map(kecamatan, places, visits),
    )


def _submitted_in(period: Period) -> ColumnElement[bool]:
    return and_(
        Report.status == ReportStatus.SUBMITTED,
        Report.visit_date.between(period.start, period.end),
    )


def _in_kecamatan(kecamatan_id: int | None, *, joined: bool) -> list[ColumnElement[bool]]:
    """Conditions restricting reports to one kecamatan (none for the regency); `joined` says
    whether the statement already joins the report's village."""
    if kecamatan_id is None:
        return []
    if joined:
        return [Village.kecamatan_id == kecamatan_id]
    return [Report.village_id.in_(select(Village.id).where(Village.kecamatan_id == kecamatan_id))]


class _Kecamatan(NamedTuple):
    id: int
    code: str
    name: str
    lat: float | None
    lon: float | None
    boundary: dict[str, Any] | None


async def _kecamatan(session: AsyncSession, kecamatan_id: int | None) -> list[_Kecamatan]:
    """The kecamatan in scope (the one asked for, or all of them), with their geometry for
    the map (the boundary is deferred on the model: named here, it is read)."""
    stmt = select(
        Kecamatan.id,
        Kecamatan.code,
        Kecamatan.name,
        Kecamatan.lat,
        Kecamatan.lon,
        Kecamatan.boundary,
    ).order_by(Kecamatan.code)
    if kecamatan_id is not None:
        stmt = stmt.where(Kecamatan.id == kecamatan_id)
    return [_Kecamatan(*row) for row in await session.execute(stmt)]


async def _strategy_days(
    session: AsyncSession, kecamatan_id: int | None, span: Period
) -> list[tuple[date, str | None, int, int, int]]:
    """(day, strategy, reports, households, people) per visit day and strategy."""
    stmt = (
        select(
            Report.visit_date,
            ReportActivity.strategy,
            func.count(distinct(Report.id)),
            func.coalesce(func.sum(ReportActivity.households), 0),
            func.coalesce(func.sum(ReportActivity.people), 0),
        )
        .join(ReportActivity, ReportActivity.report_id == Report.id)
        .where(_submitted_in(span), *_in_kecamatan(kecamatan_id, joined=False))
        .group_by(Report.visit_date, ReportActivity.strategy)
    )
    return [
        (day, strategy, int(visits), int(households or 0), int(people or 0))
        for day, strategy, visits, households, people in await session.execute(stmt)
        if day is not None
    ]


async def _report_days(
    session: AsyncSession, kecamatan_id: int | None, span: Period
) -> dict[date, tuple[int, int]]:
    """Day -> (reports, photos)."""
    stmt = (
        select(Report.visit_date, func.count(distinct(Report.id)), func.count(Photo.id))
        .outerjoin(ReportActivity, ReportActivity.report_id == Report.id)
        .outerjoin(Photo, Photo.activity_id == ReportActivity.id)
        .where(_submitted_in(span), *_in_kecamatan(kecamatan_id, joined=False))
        .group_by(Report.visit_date)
    )
    return {
        day: (int(reports), int(photos))
        for day, reports, photos in await session.execute(stmt)
        if day is not None
    }


def _figures(
    period: Period,
    by_strategy: Sequence[tuple[date, str | None, int, int, int]],
    by_day: dict[date, tuple[int, int]],
) -> Figures:
    visits = dict.fromkeys(STRATEGIES, 0)
    households = dict.fromkeys(STRATEGIES, 0)
    total_households = total_people = 0
    for day, strategy, reports, hh, people in by_strategy:
        if day not in period:
            continue
        # Activities without a strategy (never in a submitted report today) still reached
        # people: they count in the totals, not under a strategy.
        total_households += hh
        total_people += people
        if strategy in visits:
            visits[strategy] += reports
            households[strategy] += hh
    return Figures(
        visits=sum(reports for day, (reports, _) in by_day.items() if day in period),
        households=total_households,
        people=total_people,
        photos=sum(photos for day, (_, photos) in by_day.items() if day in period),
        strategies=tuple(StrategyFigures(s, visits[s], households[s]) for s in STRATEGIES),
    )


@dataclass(frozen=True)
class _Assigned:
    village_id: int
    village: str
    kecamatan_code: str
    kecamatan: str
    agency_id: int
    agency: str


def _active_on(day: date) -> Any:
    return and_(
        Agency.active,
        or_(Assignment.starts_on.is_(None), Assignment.starts_on <= day),
        or_(Assignment.ends_on.is_(None), Assignment.ends_on >= day),
    )


async def _assignments(
    session: AsyncSession, kecamatan_id: int | None, today: date
) -> list[_Assigned]:
    """Every active (agency, village) pair in scope, with the names the digest shows."""
    stmt = (
        select(
            Village.id,
            Village.name,
            Kecamatan.code,
            Kecamatan.name,
            Agency.id,
            func.coalesce(Agency.short_name, Agency.name),
        )
        .select_from(Assignment)
        .join(Village, Village.id == Assignment.village_id)
        .join(Kecamatan, Kecamatan.id == Village.kecamatan_id)
        .join(Agency, Agency.id == Assignment.agency_id)
        .where(_active_on(today))
    )
    if kecamatan_id is not None:
        stmt = stmt.where(Village.kecamatan_id == kecamatan_id)
    return [_Assigned(*row) for row in await session.execute(stmt)]


async def _visits_by_village_agency(
    session: AsyncSession, kecamatan_id: int | None, period: Period, today: date
) -> list[tuple[int, int, int, date | None]]:
    """(village, agency, reports in the period, last visit up to today) for every pair that
    ever reported in scope; villages and idle agencies are both read from these rows."""
    in_period = case((Report.visit_date.between(period.start, period.end), 1), else_=0)
    stmt = (
        select(
            Report.village_id,
            Report.agency_id,
            func.sum(in_period),
            func.max(Report.visit_date),
        )
        .where(
            Report.status == ReportStatus.SUBMITTED,
            Report.visit_date <= today,
            *_in_kecamatan(kecamatan_id, joined=False),
        )
        .group_by(Report.village_id, Report.agency_id)
    )
    return [
        (village_id, agency_id, int(visits or 0), last)
        for village_id, agency_id, visits, last in await session.execute(stmt)
        if village_id is not None
    ]


def _villages_and_idle(
    assigned: Sequence[_Assigned],
    visited: Sequence[tuple[int, int, int, date | None]],
    today: date,
    idle_days: int,
) -> tuple[tuple[VillageRow, ...], tuple[IdleAgency, ...]]:
    village_visits: dict[int, int] = defaultdict(int)
    village_last: dict[int, date] = {}
    agency_last: dict[int, date] = {}
    for village_id, agency_id, visits, last in visited:
        village_visits[village_id] += visits
        if last is None:
            continue
        if village_id not in village_last or last > village_last[village_id]:
            village_last[village_id] = last
        if agency_id not in agency_last or last > agency_last[agency_id]:
            agency_last[agency_id] = last

    by_village: dict[int, list[_Assigned]] = defaultdict(list)
    by_agency: dict[int, list[_Assigned]] = defaultdict(list)
    for pair in assigned:
        by_village[pair.village_id].append(pair)
        by_agency[pair.agency_id].append(pair)

    villages = [
        VillageRow(
            village_id=village_id,
            village=pairs[0].village,
            kecamatan=pairs[0].kecamatan,
            agencies=tuple(sorted({p.agency for p in pairs}, key=str.casefold)),
            visits=village_visits.get(village_id, 0),
            last_visit=village_last.get(village_id),
        )
        for village_id, pairs in by_village.items()
    ]
    villages.sort(key=lambda v: (v.kecamatan.casefold(), v.village.casefold(), v.village_id))

    # A visit on this day or later keeps an agency off the list.
    fresh_from = today - timedelta(days=idle_days - 1)
    idle = [
        IdleAgency(
            agency_id=agency_id,
            agency=pairs[0].agency,
            villages=tuple(sorted({p.village for p in pairs}, key=str.casefold)),
            last_visit=agency_last.get(agency_id),
        )
        for agency_id, pairs in by_agency.items()
        if agency_id not in agency_last or agency_last[agency_id] < fresh_from
    ]
    # Longest silence first: never visited, then the oldest last visit.
    idle.sort(key=lambda a: (a.last_visit or date.min, a.agency.casefold(), a.agency_id))
    return tuple(villages), tuple(idle)


async def _series_days(
    session: AsyncSession, kecamatan_id: int | None, span: Period
) -> list[tuple[date, str | int | None, int]]:
    """(day, key, reports): keyed by strategy for a kecamatan, by kecamatan id for the
    regency."""
    if kecamatan_id is not None:
        by_strategy = (
            select(Report.visit_date, ReportActivity.strategy, func.count(distinct(Report.id)))
            .join(ReportActivity, ReportActivity.report_id == Report.id)
            .where(_submitted_in(span), *_in_kecamatan(kecamatan_id, joined=False))
            .group_by(Report.visit_date, ReportActivity.strategy)
        )
        rows: list[tuple[date | None, str | int | None, int]] = [
            (day, key, n) for day, key, n in await session.execute(by_strategy)
        ]
    else:
        by_kecamatan = (
            select(Report.visit_date, Village.kecamatan_id, func.count(Report.id))
            .join(Village, Village.id == Report.village_id)
            .where(_submitted_in(span))
            .group_by(Report.visit_date, Village.kecamatan_id)
        )
        rows = [(day, key, n) for day, key, n in await session.execute(by_kecamatan)]
    return [(day, key, int(n)) for day, key, n in rows if day is not None]


def _series(
    kecamatan_id: int | None,
    kecamatan: Sequence[_Kecamatan],
    villages: Sequence[VillageRow],
    rows: Sequence[tuple[date, str | int | None, int]],
    first_week_start: date,
    weeks: int,
) -> Series:
    starts = [first_week_start + timedelta(weeks=i) for i in range(weeks)]
    by: Literal["strategy", "kecamatan"]
    if kecamatan_id is not None:
        by = "strategy"
        keys = list(STRATEGIES)
        key_of: dict[str | int | None, str] = {s: s for s in STRATEGIES}
    else:
        by = "kecamatan"
        # Kecamatan with assisted villages or visits; the others would only crowd the legend.
        names = {k.id: k.name for k in kecamatan}
        shown = {v.kecamatan for v in villages} | {
            names[key] for _, key, n in rows if n and key in names
        }
        keys = [k.name for k in kecamatan if k.name in shown]
        key_of = {k_id: name for k_id, name in names.items()}
    index = {key: i for i, key in enumerate(keys)}
    counts = [[0] * len(keys) for _ in starts]
    for day, key, n in rows:
        week = (day - first_week_start).days // 7
        name = key_of.get(key)
        if 0 <= week < weeks and name is not None and name in index:
            counts[week][index[name]] += n
    return Series(
        by=by,
        keys=tuple(keys),
        weeks=tuple(SeriesWeek(start, tuple(c)) for start, c in zip(starts, counts, strict=True)),
    )


async def _photos(
    session: AsyncSession, kecamatan_id: int | None, period: Period, limit: int
) -> tuple[DigestPhoto, ...]:
    """Up to `limit` photos of the period: the first photo of each report, newest visits
    first, then second photos and so on, so the collage shows as many visits as it can."""
    rank = (
        func.row_number()
        .over(
            partition_by=Report.id,
            order_by=(ReportActivity.position, ReportActivity.id, Photo.id),
        )
        .label("rank")
    )
    ranked_stmt = (
        select(
            Photo.id.label("photo_id"),
            Report.id.label("report_id"),
            Photo.archive_path,
            Photo.thumb_path,
            Village.name.label("village"),
            Report.visit_date,
            Report.submitted_at,
            rank,
        )
        .select_from(Report)
        .join(ReportActivity, ReportActivity.report_id == Report.id)
        .join(Photo, Photo.activity_id == ReportActivity.id)
        .join(Village, Village.id == Report.village_id)
        .where(_submitted_in(period), *_in_kecamatan(kecamatan_id, joined=True))
    )
    ranked = ranked_stmt.subquery()
    stmt = (
        select(
            ranked.c.photo_id,
            ranked.c.report_id,
            ranked.c.archive_path,
            ranked.c.thumb_path,
            ranked.c.village,
            ranked.c.visit_date,
        )
        .order_by(
            ranked.c.rank,
            ranked.c.visit_date.desc(),
            ranked.c.submitted_at.desc(),
            ranked.c.report_id.desc(),
        )
        .limit(max(limit, 0))
    )
    # Untyped rows: the subquery's columns carry no Python types.
    result: Sequence[Any] = (await session.execute(stmt)).all()
    return tuple(DigestPhoto(*row) for row in result)


async def _rows(
    session: AsyncSession, kecamatan_id: int | None, period: Period
) -> tuple[XlsxRow, ...]:
    photo_count = (
        select(func.count(Photo.id))
        .where(Photo.activity_id == ReportActivity.id)
        .correlate(ReportActivity)
        .scalar_subquery()
    )
    stmt = (
        select(
            Report.reference,
            Report.visit_date,
            Report.submitted_at,
            Village.name,
            Kecamatan.name,
            func.coalesce(Agency.short_name, Agency.name),
            User.full_name,
            ReportActivity.strategy,
            ReportActivity.activity,
            ReportActivity.activity_other,
            ReportActivity.households,
            ReportActivity.people,
            ReportActivity.description,
            photo_count,
            Report.latitude,
            Report.longitude,
            Report.version,
            Report.review_status,
            Village.lat,
            Village.lon,
            Report.flags,
        )
        .select_from(Report)
        .join(ReportActivity, ReportActivity.report_id == Report.id)
        .join(Village, Village.id == Report.village_id)
        .join(Kecamatan, Kecamatan.id == Village.kecamatan_id)
        .join(Agency, Agency.id == Report.agency_id)
        .join(User, User.id == Report.user_id)
        .where(_submitted_in(period), *_in_kecamatan(kecamatan_id, joined=True))
        .order_by(
            Report.visit_date,
            Report.submitted_at,
            Report.id,
            ReportActivity.position,
            ReportActivity.id,
        )
    )
    # The first columns are those of XlsxRow, in its order; visit_date is never null here
    # (the WHERE clause bounds it), which the row's static type cannot say.
    result: Sequence[Any] = (await session.execute(stmt)).all()
    rows = []
    for *columns, version, review, village_lat, village_lon, flags in result:
        lat, lon = columns[-2], columns[-1]
        distance = (
            round(haversine_km(lat, lon, village_lat, village_lon), 1)
            if None not in (lat, lon, village_lat, village_lon)
            else None
        )
        rows.append(
            replace(
                XlsxRow(*columns),
                version=version,
                review_status=review.value if review is not None else None,
                distance_km=distance,
                flags=tuple(kind.value for kind in kinds(flags)),
            )
        )
    return tuple(rows)


# -- review, flags and the map -------------------------------------------------------------


class _Visit(NamedTuple):
    report_id: int
    village_id: int | None
    kecamatan_id: int | None
    latitude: float | None
    longitude: float | None
    review_status: ReviewStatus | None
    flags: list[dict[str, Any]] | None
    strategies: tuple[str, ...]


async def _visits(
    session: AsyncSession, kecamatan_id: int | None, period: Period
) -> tuple[_Visit, ...]:
    """The period's reports, one each, with what the review and flag counts and the map
    need. One row per activity comes back (for the strategies); the report's own columns
    are read from its first row."""
    stmt = (
        select(
            Report.id,
            Report.village_id,
            Village.kecamatan_id,
            Report.latitude,
            Report.longitude,
            Report.review_status,
            Report.flags,
            ReportActivity.strategy,
        )
        .select_from(Report)
        .outerjoin(Village, Village.id == Report.village_id)
        .outerjoin(ReportActivity, ReportActivity.report_id == Report.id)
        .where(_submitted_in(period), *_in_kecamatan(kecamatan_id, joined=True))
        .order_by(Report.id, ReportActivity.position, ReportActivity.id)
    )
    visits: dict[int, _Visit] = {}
    strategies: dict[int, set[str]] = defaultdict(set)
    for report_id, village_id, k_id, lat, lon, status, flags, strategy in await session.execute(
        stmt
    ):
        if report_id not in visits:
            visits[report_id] = _Visit(report_id, village_id, k_id, lat, lon, status, flags, ())
        if strategy is not None:
            strategies[report_id].add(strategy)

    def order(strategy: str) -> tuple[int, str]:
        # Unknown keys (none today) after the three known ones.
        known = strategy in STRATEGIES
        return (STRATEGIES.index(strategy) if known else len(STRATEGIES), strategy)

    return tuple(
        visit._replace(strategies=tuple(sorted(strategies[visit.report_id], key=order)))
        for visit in visits.values()
    )


def _review_and_flags(visits: Sequence[_Visit]) -> tuple[ReviewFigures, FlagFigures]:
    by_status: dict[ReviewStatus | None, int] = defaultdict(int)
    by_kind: dict[FlagKind, int] = defaultdict(int)
    flagged = 0
    for visit in visits:
        by_status[visit.review_status] += 1
        found = set(kinds(visit.flags))
        for kind in found:
            by_kind[kind] += 1
        if found - INFORMATIONAL:
            flagged += 1
    review = ReviewFigures(
        verified=by_status[ReviewStatus.VERIFIED],
        waiting=by_status[ReviewStatus.SUBMITTED]
        + by_status[ReviewStatus.RESUBMITTED]
        + by_status[None],
        needs_correction=by_status[ReviewStatus.NEEDS_CORRECTION],
    )
    flags = FlagFigures(
        flagged=flagged,
        warnings=tuple((k, by_kind[k]) for k in FlagKind if k not in INFORMATIONAL and by_kind[k]),
        informational=tuple(
            (k, by_kind[k]) for k in FlagKind if k in INFORMATIONAL and by_kind[k]
        ),
    )
    return review, flags


async def _villages(
    session: AsyncSession, kecamatan_id: int | None
) -> list[tuple[int, str, int, float | None, float | None]]:
    """(id, name, kecamatan, lat, lon) of every village in scope, assisted or not."""
    stmt = select(Village.id, Village.name, Village.kecamatan_id, Village.lat, Village.lon)
    if kecamatan_id is not None:
        stmt = stmt.where(Village.kecamatan_id == kecamatan_id)
    return [
        (v_id, name, k_id, lat, lon)
        for v_id, name, k_id, lat, lon in await session.execute(stmt.order_by(Village.code))
    ]


def _map(
    kecamatan: Sequence[_Kecamatan],
    villages: Sequence[tuple[int, str, int, float | None, float | None]],
    visits: Sequence[_Visit],
) -> MapData:
    per_kecamatan: dict[int | None, int] = defaultdict(int)
    per_village: dict[int | None, int] = defaultdict(int)
    for visit in visits:
        per_kecamatan[visit.kecamatan_id] += 1
        per_village[visit.village_id] += 1
    return MapData(
        areas=tuple(
            MapArea(k.id, k.code, k.name, k.lat, k.lon, k.boundary, per_kecamatan[k.id])
            for k in kecamatan
        ),
        villages=tuple(
            MapVillage(v_id, name, k_id, lat, lon, per_village[v_id])
            for v_id, name, k_id, lat, lon in villages
        ),
        visits=tuple(
            MapVisit(v.report_id, v.village_id, v.latitude, v.longitude, v.strategies)
            for v in visits
        ),
    )
