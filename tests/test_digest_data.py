"""The digest's figures on a small, fully known data set, in kecamatan and regency scope.

Today is Monday 16 June 2025 and the digest covers the week before (9-15 June); the previous
week is 2-8 June. The demo data assigns, among others, Dinas Kesehatan to Semingkir and Kreyo
and Disnaker to Kalitorong in Randudongkal; the tests add Disperkim in Randudongkal village
(never visited), an ended and a future assignment that must not show, and reports on chosen
dates, plus drafts, a report dated after today and reports elsewhere that must not count.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.demo import load_demo_data
from core.i18n import Translator
from models.activities import Strategy
from models.agencies import Agency, Assignment
from models.digests import (
    STRATEGIES,
    DigestData,
    FlagFigures,
    Period,
    ReviewFigures,
    count_statements,
    digest_data,
    previous,
    week_of,
)
from models.flags import INFORMATIONAL, FlagKind
from models.regions import Kecamatan, Village
from models.reports import (
    Photo,
    Report,
    ReportActivity,
    ReportStatus,
    ReportVersion,
    ReviewStatus,
)
from models.users import Role, User

TODAY = date(2025, 6, 16)
PERIOD = Period(date(2025, 6, 9), date(2025, 6, 15))
BEBAN = Strategy.PENGURANGAN_BEBAN.value
PENDAPATAN = Strategy.PENINGKATAN_PENDAPATAN.value
KANTONG = Strategy.PENGURANGAN_KANTONG.value

# (strategy, households, people, photos)
Act = tuple[str | None, int | None, int | None, int]


@dataclass
class World:
    """Ids of what the data set holds, by name."""

    session: AsyncSession
    kecamatan: dict[str, int] = field(default_factory=dict)
    villages: dict[str, int] = field(default_factory=dict)
    agencies: dict[str, int] = field(default_factory=dict)
    staff: dict[str, int] = field(default_factory=dict)
    references: dict[str, str] = field(default_factory=dict)
    counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def load(self) -> None:
        s = self.session
        self.kecamatan = {k.name: k.id for k in await s.scalars(select(Kecamatan))}
        self.villages = {v.name: v.id for v in (await s.scalars(select(Village))).unique()}
        self.agencies = {a.short_name or a.name: a.id for a in await s.scalars(select(Agency))}
        for label, agency_id in self.agencies.items():
            user = User(
                telegram_id=5000 + agency_id,
                full_name=f"Staff of {label}",
                role=Role.STAFF,
                agency_id=agency_id,
                language="id",
            )
            s.add(user)
            await s.flush()
            self.staff[label] = user.id

    def assign(
        self, agency: str, village: str, starts: date | None, ends: date | None = None
    ) -> None:
        self.session.add(
            Assignment(
                agency_id=self.agencies[agency],
                village_id=self.villages[village],
                starts_on=starts,
                ends_on=ends,
            )
        )

    def report(
        self,
        name: str,
        agency: str,
        village: str,
        visit: date,
        *activities: Act,
        status: ReportStatus = ReportStatus.SUBMITTED,
    ) -> Report:
        n = next(self.counter)
        reference = f"LPR-2025-{n:06d}" if status is ReportStatus.SUBMITTED else None
        report = Report(
            reference=reference,
            status=status,
            user_id=self.staff[agency],
            agency_id=self.agencies[agency],
            village_id=self.villages[village],
            visit_date=visit,
            latitude=-7.0 - n / 1000,
            longitude=109.3 + n / 1000,
            form_state={},
            submitted_at=(
                datetime.combine(visit, datetime.min.time(), UTC) + timedelta(hours=3, minutes=n)
                if status is ReportStatus.SUBMITTED
                else None
            ),
            activities=[
                ReportActivity(
                    position=position,
                    strategy=strategy,
                    activity="other" if position else "bantuan_sosial",
                    activity_other="Kerja bakti" if position else None,
                    households=households,
                    people=people,
                    description=f"{name} activity {position}",
                    photos=[
                        Photo(
                            telegram_file_unique_id=f"{name}-{position}-{k}",
                            source="photo",
                            sha256=f"{n:032d}{position:016d}{k:016d}",
                            archive_path=f"r{n}/{position}-{k}.jpg",
                            thumb_path=f"r{n}/{position}-{k}.thumb.jpg",
                            width=1600,
                            height=1200,
                        )
                        for k in range(photos)
                    ],
                )
                for position, (strategy, households, people, photos) in enumerate(activities)
            ],
        )
        self.session.add(report)
        if reference is not None:
            self.references[name] = reference
        return report


@pytest.fixture
async def world(db_url: str, session: AsyncSession) -> World:
    await load_demo_data(db_url)
    w = World(session)
    await w.load()
    d = date
    # Randudongkal village gets a second-time agency that never visits it; Mangli's assignment
    # has ended and Bappeda's in Randudongkal village starts after today: neither shows.
    w.assign("Disperkim", "Randudongkal", d(2025, 1, 1))
    w.assign("Disnaker", "Mangli", d(2024, 1, 1), d(2025, 1, 1))
    w.assign("Bappeda", "Randudongkal", d(2025, 7, 1))

    # Randudongkal, this week.
    w.report(
        "R1",
        "Dinas Kesehatan",
        "Semingkir",
        d(2025, 6, 10),
        (BEBAN, 10, 30, 2),
        (PENDAPATAN, 5, 12, 1),
    )
    w.report("R2", "Dinas Kesehatan", "Kreyo", d(2025, 6, 12), (BEBAN, 7, 20, 1))
    w.report("R3", "Dinas Kesehatan", "Semingkir", d(2025, 6, 13), (KANTONG, 3, 9, 0))
    # Mangli is not assisted, but the visit is in the kecamatan: it counts.
    w.report("RM", "Dinas Kesehatan", "Mangli", d(2025, 6, 11), (PENDAPATAN, 4, 4, 1))
    # Randudongkal, the week before, and the week before that.
    w.report("R4", "Dinas Kesehatan", "Kreyo", d(2025, 6, 3), (BEBAN, 2, 5, 1))
    w.report("R5", "Disnaker", "Kalitorong", d(2025, 6, 1), (PENDAPATAN, 6, 6, 0))
    # Drafts never count, not even for the last visit.
    w.report(
        "D1",
        "Dinas Kesehatan",
        "Kreyo",
        d(2025, 6, 14),
        (BEBAN, 100, 100, 3),
        status=ReportStatus.DRAFT,
    )
    w.report(
        "D2",
        "Disnaker",
        "Kalitorong",
        d(2025, 6, 10),
        (BEBAN, 100, 100, 0),
        status=ReportStatus.DRAFT,
    )
    # Elsewhere in the regency.
    w.report("W1", "Bappeda", "Majalangu", d(2025, 6, 10), (BEBAN, 50, 150, 2))
    w.report("T1", "Dinsos KBPP", "Beji", d(2025, 6, 14), (KANTONG, 20, 60, 1))
    w.report("T2", "Bappeda", "Asemdoyong", d(2025, 6, 5), (PENDAPATAN, 8, 16, 0))
    w.report("U1", "Disperkim", "Mojo", d(2025, 6, 14), (PENDAPATAN, 1, 2, 0))
    # Dated after today (a typo the form would refuse): in no period and no last visit.
    w.report("F1", "Bappeda", "Pagergunung", d(2025, 6, 20), (BEBAN, 9, 9, 1))
    # Long ago: outside the eight weeks of the chart, but a last visit all the same.
    w.report("OLD", "Dinsos KBPP", "Tlagasana", d(2024, 12, 2), (KANTONG, 1, 1, 1))
    await session.commit()
    return w


async def build(w: World, kecamatan: str | None) -> DigestData:
    kecamatan_id = None if kecamatan is None else w.kecamatan[kecamatan]
    return await digest_data(w.session, kecamatan_id=kecamatan_id, period=PERIOD, today=TODAY)


def test_week_of_and_previous() -> None:
    assert week_of(date(2025, 6, 16)) == Period(date(2025, 6, 16), date(2025, 6, 22))
    assert week_of(date(2025, 6, 15)) == PERIOD
    assert week_of(date(2025, 6, 9)) == PERIOD
    assert previous(PERIOD) == Period(date(2025, 6, 2), date(2025, 6, 8))
    month = Period(date(2025, 3, 1), date(2025, 3, 31))
    assert previous(month) == Period(date(2025, 1, 29), date(2025, 2, 28))
    assert previous(month).days == 31
    assert date(2025, 6, 9) in PERIOD and date(2025, 6, 16) not in PERIOD
    with pytest.raises(ValueError):
        Period(date(2025, 6, 2), date(2025, 6, 1))


async def test_kecamatan_figures(world: World) -> None:
    data = await build(world, "Randudongkal")
    assert data.kecamatan == "Randudongkal"
    assert data.period == PERIOD
    assert data.previous_period == Period(date(2025, 6, 2), date(2025, 6, 8))

    now = data.current
    assert (now.visits, now.households, now.people, now.photos) == (4, 29, 75, 5)
    assert [(f.strategy, f.visits, f.households) for f in now.strategies] == [
        (BEBAN, 2, 17),
        (PENDAPATAN, 2, 9),
        (KANTONG, 1, 3),
    ]
    assert now.strategy(KANTONG).households == 3

    before = data.previous
    assert (before.visits, before.households, before.people, before.photos) == (1, 2, 5, 1)
    assert [(f.strategy, f.visits, f.households) for f in before.strategies] == [
        (BEBAN, 1, 2),
        (PENDAPATAN, 0, 0),
        (KANTONG, 0, 0),
    ]


async def test_kecamatan_villages_and_idle_agencies(world: World) -> None:
    data = await build(world, "Randudongkal")
    assert [
        (v.village, v.kecamatan, v.agencies, v.visits, v.last_visit) for v in data.villages
    ] == [
        ("Kalitorong", "Randudongkal", ("Disnaker",), 0, date(2025, 6, 1)),
        ("Kreyo", "Randudongkal", ("Dinas Kesehatan",), 1, date(2025, 6, 12)),
        ("Randudongkal", "Randudongkal", ("Disperkim",), 0, None),
        ("Semingkir", "Randudongkal", ("Dinas Kesehatan",), 2, date(2025, 6, 13)),
    ]
    # Disperkim visited Mojo two days ago, but never its village here: idle for this
    # kecamatan. Disnaker's last visit was 15 days ago; Dinas Kesehatan's 3 days ago.
    assert data.idle_days == 14
    assert [(a.agency, a.villages, a.last_visit) for a in data.idle_agencies] == [
        ("Disperkim", ("Randudongkal",), None),
        ("Disnaker", ("Kalitorong",), date(2025, 6, 1)),
    ]


async def test_idle_boundary(world: World) -> None:
    # The 14 days up to 14 June are 1-14 June: Disnaker's visit on the 1st still counts.
    k = world.kecamatan["Randudongkal"]
    on_14th = await digest_data(
        world.session, kecamatan_id=k, period=PERIOD, today=date(2025, 6, 14)
    )
    assert "Disnaker" not in [a.agency for a in on_14th.idle_agencies]
    on_15th = await digest_data(
        world.session, kecamatan_id=k, period=PERIOD, today=date(2025, 6, 15)
    )
    assert "Disnaker" in [a.agency for a in on_15th.idle_agencies]
    # The 3 days up to the 16th are 14-16 June: Dinas Kesehatan's visit on the 13th is too old.
    shorter = await digest_data(
        world.session, kecamatan_id=k, period=PERIOD, today=TODAY, idle_days=3
    )
    assert [(a.agency, a.last_visit) for a in shorter.idle_agencies] == [
        ("Disperkim", None),
        ("Disnaker", date(2025, 6, 1)),
        ("Dinas Kesehatan", date(2025, 6, 13)),
    ]


async def test_kecamatan_series(world: World) -> None:
    data = await build(world, "Randudongkal")
    series = data.series
    assert series.by == "strategy"
    assert series.keys == STRATEGIES
    assert [w.start for w in series.weeks] == [
        date(2025, 4, 21) + timedelta(weeks=i) for i in range(8)
    ]
    assert [w.values for w in series.weeks] == [
        (0, 0, 0),
        (0, 0, 0),
        (0, 0, 0),
        (0, 0, 0),
        (0, 0, 0),
        (0, 1, 0),  # R5 on Sunday 1 June
        (1, 0, 0),  # R4
        (2, 2, 1),  # R1 (two strategies), R2, R3, RM
    ]
    assert series.weeks[-1].total == 5

    fewer = await digest_data(
        world.session,
        kecamatan_id=world.kecamatan["Randudongkal"],
        period=PERIOD,
        today=TODAY,
        weeks=2,
    )
    assert [w.values for w in fewer.series.weeks] == [(1, 0, 0), (2, 2, 1)]


async def test_kecamatan_photos_and_rows(world: World) -> None:
    data = await build(world, "Randudongkal")
    # One per report first, newest visit first; then the second photos.
    refs = {ref: name for name, ref in world.references.items()}
    photos = data.photos
    assert [(p.village, p.visit_date) for p in photos] == [
        ("Kreyo", date(2025, 6, 12)),
        ("Mangli", date(2025, 6, 11)),
        ("Semingkir", date(2025, 6, 10)),
        ("Semingkir", date(2025, 6, 10)),
        ("Semingkir", date(2025, 6, 10)),
    ]
    assert photos[2].archive_path.endswith("/0-0.jpg")
    assert photos[3].archive_path.endswith("/0-1.jpg")
    assert photos[4].archive_path.endswith("/1-0.jpg")
    assert photos[4].thumb_path.endswith("/1-0.thumb.jpg")
    assert len({p.photo_id for p in photos}) == 5

    rows = data.rows
    assert [
        (refs[r.reference or ""], r.visit_date, r.village, r.strategy, r.households, r.photos)
        for r in rows
    ] == [
        ("R1", date(2025, 6, 10), "Semingkir", BEBAN, 10, 2),
        ("R1", date(2025, 6, 10), "Semingkir", PENDAPATAN, 5, 1),
        ("RM", date(2025, 6, 11), "Mangli", PENDAPATAN, 4, 1),
        ("R2", date(2025, 6, 12), "Kreyo", BEBAN, 7, 1),
        ("R3", date(2025, 6, 13), "Semingkir", KANTONG, 3, 0),
    ]
    first, second = rows[0], rows[1]
    assert first.kecamatan == "Randudongkal"
    assert first.agency == "Dinas Kesehatan"
    assert first.staff == "Staff of Dinas Kesehatan"
    assert (first.activity, first.activity_other) == ("bantuan_sosial", None)
    assert (second.activity, second.activity_other) == ("other", "Kerja bakti")
    assert (first.people, second.people) == (30, 12)
    assert first.description == "R1 activity 0"
    assert first.submitted_at is not None and first.submitted_at.tzinfo is not None
    assert first.submitted_at.date() == date(2025, 6, 10)
    assert first.latitude is not None and first.longitude is not None
    assert first.latitude == pytest.approx(-7.001)
    assert first.longitude == pytest.approx(109.301)


async def test_regency(world: World) -> None:
    data = await build(world, None)
    assert data.kecamatan is None
    now = data.current
    assert (now.visits, now.households, now.people, now.photos) == (7, 100, 287, 8)
    assert [(f.visits, f.households) for f in now.strategies] == [(3, 67), (3, 10), (2, 23)]
    before = data.previous
    assert (before.visits, before.households, before.people, before.photos) == (2, 10, 21, 1)
    assert [(f.visits, f.households) for f in before.strategies] == [(1, 2), (1, 8), (0, 0)]

    assert [(v.kecamatan, v.village, v.visits, v.last_visit) for v in data.villages] == [
        ("Randudongkal", "Kalitorong", 0, date(2025, 6, 1)),
        ("Randudongkal", "Kreyo", 1, date(2025, 6, 12)),
        ("Randudongkal", "Randudongkal", 0, None),
        ("Randudongkal", "Semingkir", 2, date(2025, 6, 13)),
        ("Taman", "Asemdoyong", 0, date(2025, 6, 5)),
        ("Taman", "Beji", 1, date(2025, 6, 14)),
        ("Ulujami", "Mojo", 1, date(2025, 6, 14)),
        ("Ulujami", "Pagergunung", 0, None),
        ("Watukumpul", "Majalangu", 1, date(2025, 6, 10)),
        ("Watukumpul", "Tlagasana", 0, date(2024, 12, 2)),
    ]
    # Bappeda adopts three villages in three kecamatan.
    assert {v.village: v.agencies for v in data.villages}["Majalangu"] == ("Bappeda",)
    # Regency-wide, Disperkim's visit to Mojo counts; Dinsos KBPP's Tlagasana is quiet but
    # Beji was visited two days ago.
    assert [(a.agency, a.last_visit) for a in data.idle_agencies] == [
        ("Disnaker", date(2025, 6, 1)),
    ]

    series = data.series
    assert series.by == "kecamatan"
    assert series.keys == ("Watukumpul", "Randudongkal", "Taman", "Ulujami")
    assert [w.values for w in series.weeks[-3:]] == [(0, 1, 0, 0), (0, 1, 1, 0), (1, 4, 1, 1)]
    assert all(w.total == 0 for w in series.weeks[:-3])

    assert len(data.rows) == 8
    assert {r.kecamatan for r in data.rows} == {"Randudongkal", "Taman", "Ulujami", "Watukumpul"}
    assert [p.village for p in data.photos][:4] == ["Beji", "Kreyo", "Mangli", "Majalangu"]
    assert len(data.photos) == 8


async def test_other_kecamatan_and_empty_period(world: World) -> None:
    taman = await build(world, "Taman")
    assert (taman.current.visits, taman.previous.visits) == (1, 1)
    assert [v.village for v in taman.villages] == ["Asemdoyong", "Beji"]
    assert taman.idle_agencies == ()

    quiet = await digest_data(
        world.session,
        kecamatan_id=world.kecamatan["Taman"],
        period=Period(date(2025, 1, 6), date(2025, 1, 12)),
        today=date(2025, 1, 13),
    )
    assert quiet.current.visits == quiet.previous.visits == 0
    assert [f.visits for f in quiet.current.strategies] == [0, 0, 0]
    assert quiet.photos == () and quiet.rows == ()
    assert all(w.values == (0, 0, 0) for w in quiet.series.weeks)
    assert {a.agency for a in quiet.idle_agencies} == {"Bappeda", "Dinsos KBPP"}


async def test_unknown_kecamatan(world: World) -> None:
    with pytest.raises(LookupError):
        await digest_data(world.session, kecamatan_id=999_999, period=PERIOD, today=TODAY)


async def add_busy_week(w: World, reports: int, offset: int) -> None:
    """`reports` visits with two photos each, spread over the period and the assisted
    villages of Randudongkal."""
    villages = ["Semingkir", "Kreyo", "Kalitorong"]
    agencies = ["Dinas Kesehatan", "Dinas Kesehatan", "Disnaker"]
    for i in range(offset, offset + reports):
        w.report(
            f"B{i}",
            agencies[i % 3],
            villages[i % 3],
            PERIOD.start + timedelta(days=i % 7),
            (STRATEGIES[i % 3], 1, 2, 2),
        )
    await w.session.commit()


async def statements(w: World, kecamatan_id: int | None) -> tuple[int, DigestData]:
    engine = w.session.bind
    assert isinstance(engine, AsyncEngine)
    with count_statements(engine) as counter:
        data = await digest_data(w.session, kecamatan_id=kecamatan_id, period=PERIOD, today=TODAY)
    return counter.count, data


async def test_statement_count_is_constant(world: World) -> None:
    k = world.kecamatan["Randudongkal"]
    # Warm the connection, so first-connect queries of the driver are not counted.
    await digest_data(world.session, kecamatan_id=k, period=PERIOD, today=TODAY)

    await add_busy_week(world, 10, 0)
    small = [(await statements(world, scope))[0] for scope in (k, None)]
    await add_busy_week(world, 190, 10)
    (large_kecamatan, _), (large_regency, data) = [
        await statements(world, scope) for scope in (k, None)
    ]
    assert data.current.visits == 7 + 200
    assert small == [large_kecamatan, large_regency]
    assert max(small) <= 10, small

    # Nine photos at most, one per report while there are enough reports, newest first.
    photos = data.photos
    assert len(photos) == 9
    assert len({p.report_id for p in photos}) == 9
    assert [p.visit_date for p in photos] == sorted((p.visit_date for p in photos), reverse=True)
    assert photos[0].visit_date == PERIOD.end


# -- review status, evidence flags, the map's data ------------------------------------------


def flagged(*kinds: str) -> list[dict[str, object]]:
    return [{"kind": kind, "detail": n} for n, kind in enumerate(kinds)]


async def set_review(
    w: World, name: str, status: ReviewStatus | None, flags: list[dict[str, object]] | None
) -> Report:
    report = await w.session.scalar(select(Report).where(Report.reference == w.references[name]))
    assert report is not None
    report.review_status = status
    report.flags = flags
    return report


async def test_review_status_and_flags_are_counted_per_report(world: World) -> None:
    w = world
    await set_review(w, "R1", ReviewStatus.VERIFIED, flagged("location_far", "no_exif"))
    # Two reused photos in one report: one report under photo_reused. A kind of a newer
    # release is left out.
    await set_review(
        w, "R2", ReviewStatus.NEEDS_CORRECTION, flagged("photo_reused", "photo_reused", "x_new")
    )
    # Only informational: not a flagged report.
    await set_review(w, "R3", ReviewStatus.RESUBMITTED, flagged("no_exif"))
    await set_review(w, "RM", ReviewStatus.SUBMITTED, flagged("location_missing", "photo_reused"))
    # Elsewhere, and the week before: not in Randudongkal's week.
    await set_review(w, "W1", ReviewStatus.VERIFIED, flagged("duplicate_visit"))
    await set_review(w, "R4", ReviewStatus.VERIFIED, flagged("duplicate_visit"))
    await w.session.commit()

    data = await build(w, "Randudongkal")
    assert data.review == ReviewFigures(verified=1, waiting=2, needs_correction=1)
    assert data.flags == FlagFigures(
        flagged=3,
        warnings=(
            (FlagKind.LOCATION_MISSING, 1),
            (FlagKind.LOCATION_FAR, 1),
            (FlagKind.PHOTO_REUSED, 2),
        ),
        informational=((FlagKind.NO_EXIF, 2),),
    )

    regency = await build(w, None)
    # T1 and U1 were never reviewed (no status: waiting, like a report of before reviews).
    assert regency.review == ReviewFigures(verified=2, waiting=4, needs_correction=1)
    assert regency.flags.flagged == 4
    assert dict(regency.flags.warnings)[FlagKind.DUPLICATE_VISIT] == 1


async def test_a_corrected_report_counts_once_with_its_latest_figures(world: World) -> None:
    w = world
    before = await build(w, "Randudongkal")
    report = await set_review(w, "R2", ReviewStatus.RESUBMITTED, flagged("location_missing"))
    # Version 1 as it was sent, then the correction: 7 households became 9, the visit moved
    # to Semingkir. The row holds the latest version; both are kept in report_version.
    user_id = report.user_id
    first = ReportVersion(
        report_id=report.id,
        version=1,
        user_id=user_id,
        submitted_at=datetime(2025, 6, 12, 3, tzinfo=UTC),
        content={"village_id": w.villages["Kreyo"], "activities": [{"households": 7}]},
    )
    second = ReportVersion(
        report_id=report.id,
        version=2,
        user_id=user_id,
        submitted_at=datetime(2025, 6, 13, 3, tzinfo=UTC),
        content={"village_id": w.villages["Semingkir"], "activities": [{"households": 9}]},
        flags=flagged("location_missing"),
    )
    w.session.add_all([first, second])
    activity = await w.session.scalar(
        select(ReportActivity).where(ReportActivity.report_id == report.id)
    )
    assert activity is not None
    activity.households = 9
    report.version = 2
    report.village_id = w.villages["Semingkir"]
    # A correction being filled in is a draft of its own: it never counts.
    w.report(
        "C2",
        "Dinas Kesehatan",
        "Kreyo",
        date(2025, 6, 12),
        (BEBAN, 500, 500, 0),
        status=ReportStatus.DRAFT,
    ).corrects_id = report.id
    await w.session.commit()

    after = await build(w, "Randudongkal")
    assert after.current.visits == before.current.visits == 4
    assert after.current.households == before.current.households + 2
    assert after.current.strategy(BEBAN).households == 19
    assert after.review.waiting == 4 and after.flags.warnings == ((FlagKind.LOCATION_MISSING, 1),)
    assert len([r for r in after.rows if r.reference == w.references["R2"]]) == 1
    visits = {v.village: v.visits for v in after.villages}
    assert (visits["Kreyo"], visits["Semingkir"]) == (0, 3)
    assert len(after.map.visits) == 4
    assert {v.village_id for v in after.map.visits if v.report_id == report.id} == {
        w.villages["Semingkir"]
    }


async def test_map_data(world: World) -> None:
    w = world
    regency = await build(w, None)
    areas = {a.name: a for a in regency.map.areas}
    assert set(areas) == {"Watukumpul", "Randudongkal", "Taman", "Ulujami"}
    assert {name: a.visits for name, a in areas.items()} == {
        "Watukumpul": 1,
        "Randudongkal": 4,
        "Taman": 1,
        "Ulujami": 1,
    }
    assert all(a.lat is not None and a.lon is not None for a in areas.values())
    # One visit per report, its strategies in the Inpres's order.
    assert len(regency.map.visits) == regency.current.visits == 7
    r1 = next(v for v in regency.map.visits if v.report_id == 1)
    assert r1.strategies == (BEBAN, PENDAPATAN)
    assert len(regency.map.villages) == 20
    assert sum(v.visits for v in regency.map.villages) == 7

    kecamatan = await build(w, "Taman")
    assert [a.name for a in kecamatan.map.areas] == ["Taman"]
    assert len(kecamatan.map.villages) == 5
    assert [v.strategies for v in kecamatan.map.visits] == [(KANTONG,)]


def test_every_flag_kind_has_its_digest_text() -> None:
    # The digest builds these keys from the kinds (services/digests.py): a kind added to
    # models/flags.py needs its line in locales/*/digest.ftl.
    translator = Translator("id")
    for kind in FlagKind:
        key = f"digest-flag-info-{kind}" if kind in INFORMATIONAL else f"digest-flag-{kind}"
        for lang in ("id", "en"):
            assert key in translator.keys[lang], (lang, key)
