"""The digest's map: drawn for the real 14 kecamatan of ../shared/data and for the demo data,
a PNG of the expected size with one point per visit (counted in the figure, not guessed from
pixels), with or without boundaries; and where each visit goes."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from itertools import pairwise

from PIL import Image
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.demo import load_demo_data
from models.activities import Strategy
from models.agencies import Agency
from models.digests import (
    STRATEGIES,
    DigestData,
    MapArea,
    MapData,
    MapVillage,
    MapVisit,
    Period,
    digest_data,
)
from models.regions import Kecamatan, Village
from models.reports import Report, ReportActivity, ReportStatus, ReviewStatus
from models.users import Role, User
from services.digest_map import MAP_SIZE, SEVERAL, MapImage, MapLabels, map_png
from services.imports import import_boundaries, import_regions
from tests.conftest import REPO, SHARED_DATA, shared_file

PERIOD = Period(date(2026, 11, 23), date(2026, 11, 29))
TODAY = date(2026, 11, 30)
BEBAN = Strategy.PENGURANGAN_BEBAN.value
PENDAPATAN = Strategy.PENINGKATAN_PENDAPATAN.value
KANTONG = Strategy.PENGURANGAN_KANTONG.value
LABELS = MapLabels(
    title="Peta kunjungan — Kabupaten Pemalang\n23-29 Nov 2026",
    strategy={BEBAN: "Beban pengeluaran", PENDAPATAN: "Pendapatan", KANTONG: "Kantong"},
    several="Beberapa strategi",
    at_location="Di lokasi yang dibagikan",
    at_village="Di pusat desa (tanpa lokasi)",
    visits="Kunjungan per kecamatan",
)


def check_png(drawn: MapImage | None, visits: int) -> MapImage:
    assert drawn is not None
    image = Image.open(io.BytesIO(drawn.png))
    image.load()
    assert (image.format, image.size) == ("PNG", MAP_SIZE)
    assert len(drawn.points) == visits
    # Every visit's marker really is in the figure, once.
    assert drawn.markers == visits
    assert len({p.report_id for p in drawn.points}) == visits
    return drawn


async def add_reports(session: AsyncSession, villages: list[str]) -> list[int]:
    """One report per village named (a village may repeat), cycling through the strategies;
    every third has a shared location 300 m from its village, every fifth two strategies."""
    agency = Agency(name="Tim uji peta", short_name="Uji")
    session.add(agency)
    await session.flush()
    user = User(
        telegram_id=2001, full_name="Budi", role=Role.STAFF, agency_id=agency.id, language="id"
    )
    session.add(user)
    await session.flush()
    ids = []
    for n, name in enumerate(villages):
        village = (await session.scalars(select(Village).where(Village.name == name))).first()
        assert village is not None and village.lat is not None and village.lon is not None, name
        strategies = [STRATEGIES[n % 3], *([STRATEGIES[(n + 1) % 3]] if n % 5 == 4 else [])]
        located = n % 3 == 0
        report = Report(
            reference=f"LPR-2026-{n + 1:06d}",
            status=ReportStatus.SUBMITTED,
            review_status=ReviewStatus.SUBMITTED,
            version=1,
            user_id=user.id,
            agency_id=agency.id,
            village_id=village.id,
            visit_date=date(2026, 11, 23 + n % 7),
            submitted_at=datetime(2026, 11, 29, 8, n % 60, tzinfo=UTC),
            latitude=village.lat + 0.002 if located else None,
            longitude=village.lon + 0.002 if located else None,
            form_state={},
            activities=[
                ReportActivity(position=i, strategy=s, activity="pbi_jkn", households=2)
                for i, s in enumerate(strategies)
            ],
        )
        session.add(report)
        await session.flush()
        ids.append(report.id)
    # Outside the period: never on the map.
    session.add(
        Report(
            reference="LPR-2026-999999",
            status=ReportStatus.SUBMITTED,
            user_id=user.id,
            agency_id=agency.id,
            village_id=report.village_id,
            visit_date=date(2026, 11, 16),
            form_state={},
            activities=[ReportActivity(position=0, strategy=BEBAN, households=1)],
        )
    )
    await session.commit()
    return ids


async def regency_and_kecamatan(
    session: AsyncSession, kecamatan: str
) -> tuple[DigestData, DigestData]:
    found = await session.scalar(select(Kecamatan).where(Kecamatan.name == kecamatan))
    assert found is not None
    regency = await digest_data(session, kecamatan_id=None, period=PERIOD, today=TODAY)
    one = await digest_data(session, kecamatan_id=found.id, period=PERIOD, today=TODAY)
    return regency, one


async def test_map_of_the_real_fourteen_kecamatan(session: AsyncSession) -> None:
    regions = shared_file(SHARED_DATA / "pemalang_regions.csv")
    outlines = shared_file(SHARED_DATA / "pemalang_kecamatan.geojson")
    await import_regions(session, regions)
    await session.commit()
    imported = await import_boundaries(session, outlines)
    await session.commit()
    assert imported.counts["boundaries"].updated == 14 and imported.unmatched == []
    # Visits in six kecamatan; Taman thrice (two in the same village: fanned out, both drawn).
    villages = [
        "Majalangu",
        "Beji",
        "Beji",
        "Asemdoyong",
        "Mojo",
        "Moga",
        "Tumbal",
        "Sodong Basari",
    ]
    await add_reports(session, villages)

    regency, taman = await regency_and_kecamatan(session, "Taman")
    assert len(regency.map.areas) == 14 and regency.map.has_boundaries
    assert sum(a.visits for a in regency.map.areas) == regency.current.visits == len(villages)
    assert {a.name: a.visits for a in regency.map.areas}["Taman"] == 3
    assert len(regency.map.villages) == 223

    drawn = check_png(
        map_png(regency.map, labels=LABELS, number=lambda n: f"{n:,}".replace(",", ".")),
        visits=len(villages),
    )
    placed = {p.report_id: p.placed for p in drawn.points}
    assert sorted(placed.values()).count("location") == 3  # every third report shared one
    assert set(placed.values()) == {"location", "village"}
    assert sum(p.key == SEVERAL for p in drawn.points) == 1  # the fifth report
    assert drawn.unplaced == ()
    beji = [p for p in drawn.points if p.report_id in (2, 3)]
    assert len({(p.lon, p.lat) for p in beji}) == 1  # the same place before fanning out

    drawn = check_png(map_png(taman.map, labels=LABELS, kecamatan_scope=True), visits=3)
    assert [a.name for a in taman.map.areas] == ["Taman"]


async def test_map_of_the_demo_data(db_url: str, session: AsyncSession) -> None:
    await load_demo_data(db_url)  # the demo's own outlines included
    areas = (await session.execute(select(Kecamatan.name, Kecamatan.boundary))).all()
    assert len(areas) == 4 and all(boundary for _, boundary in areas)
    await add_reports(session, ["Majalangu", "Semingkir", "Kreyo", "Beji", "Beji", "Mojo"])

    regency, randudongkal = await regency_and_kecamatan(session, "Randudongkal")
    assert regency.map.has_boundaries
    check_png(map_png(regency.map, labels=LABELS), visits=6)
    check_png(map_png(randudongkal.map, labels=LABELS, kecamatan_scope=True), visits=2)


def inside(lon: float, lat: float, ring: list[list[float]]) -> bool:
    """Ray casting: the test's own point-in-polygon, independent of the code under test."""
    result = False
    for (x0, y0), (x1, y1) in pairwise(ring):
        if (y0 > lat) != (y1 > lat) and lon < x0 + (lat - y0) * (x1 - x0) / (y1 - y0):
            result = not result
    return result


async def test_demo_outlines_hold_their_villages(db_url: str, session: AsyncSession) -> None:
    await load_demo_data(db_url)
    kecamatan = {
        k_id: boundary
        for k_id, boundary in await session.execute(select(Kecamatan.id, Kecamatan.boundary))
    }
    villages = (await session.scalars(select(Village))).unique().all()
    assert len(villages) == 20
    for village in villages:
        assert village.lat is not None and village.lon is not None
        boundary = kecamatan[village.kecamatan_id]
        assert boundary is not None and boundary["type"] == "Polygon"
        assert inside(village.lon, village.lat, boundary["coordinates"][0]), village.name
        others = [b for k, b in kecamatan.items() if k != village.kecamatan_id and b]
        assert not any(inside(village.lon, village.lat, b["coordinates"][0]) for b in others)


async def test_without_boundaries_points_sit_over_village_centroids(
    session: AsyncSession,
) -> None:
    await import_regions(session, REPO / "demo" / "regions.csv")
    await session.commit()
    await add_reports(session, ["Majalangu", "Kreyo", "Beji", "Beji"])
    regency, _ = await regency_and_kecamatan(session, "Taman")
    assert not regency.map.has_boundaries
    drawn = check_png(map_png(regency.map, labels=LABELS), visits=4)
    assert [p.placed for p in drawn.points] == ["location", "village", "village", "location"]


# -- where each visit goes ------------------------------------------------------------------


def area(k_id: int, lat: float | None, lon: float | None, boundary: object = None) -> MapArea:
    return MapArea(k_id, f"33.27.{k_id:02d}", f"K{k_id}", lat, lon, boundary, 0)  # type: ignore[arg-type]


def test_placement_and_strategy_colours() -> None:
    square = {
        "type": "MultiPolygon",
        "coordinates": [
            [
                [[109.0, -7.0], [109.2, -7.0], [109.2, -6.8], [109.0, -6.8], [109.0, -7.0]],
                # A hole, drawn clockwise or not: it must not break the drawing.
                [[109.05, -6.95], [109.1, -6.95], [109.1, -6.9], [109.05, -6.9], [109.05, -6.95]],
            ]
        ],
    }
    data = MapData(
        areas=(area(1, -6.9, 109.1, square),),
        villages=(
            MapVillage(10, "Desa A", 1, -6.85, 109.15, 3),
            MapVillage(11, "Desa B", 1, None, None, 1),
        ),
        visits=(
            MapVisit(1, 10, -6.851, 109.151, (BEBAN,)),  # shared, on the map
            MapVisit(2, 10, -6.2, 106.8, (PENDAPATAN,)),  # shared from Jakarta: off the map
            MapVisit(3, 10, None, None, (BEBAN, KANTONG)),  # no location, two strategies
            MapVisit(4, 11, None, None, (KANTONG,)),  # a village without centroid
            MapVisit(5, None, None, None, (KANTONG,)),  # nowhere at all
        ),
    )
    drawn = map_png(data, labels=LABELS, kecamatan_scope=True)
    assert drawn is not None
    assert [(p.report_id, p.placed, p.key) for p in drawn.points] == [
        (1, "location", BEBAN),
        (2, "village", PENDAPATAN),
        (3, "village", SEVERAL),
        (4, "kecamatan", KANTONG),
    ]
    assert (drawn.points[1].lon, drawn.points[1].lat) == (109.15, -6.85)
    assert drawn.markers == 4 and drawn.unplaced == (5,)
    assert Image.open(io.BytesIO(drawn.png)).size == MAP_SIZE


def test_nothing_to_draw() -> None:
    assert map_png(MapData(), labels=LABELS) is None
    lost = MapData(visits=(MapVisit(1, None, None, None, (BEBAN,)),))
    assert map_png(lost, labels=LABELS) is None
    # Only shared locations: they make the frame.
    alone = MapData(visits=(MapVisit(1, None, -6.9, 109.4, (BEBAN,)),))
    check_png(map_png(alone, labels=LABELS), visits=1)


def test_a_broken_stored_geometry_does_not_stop_the_digest() -> None:
    data = MapData(
        areas=(
            area(1, -6.9, 109.4, {"type": "Polygon", "coordinates": [[[1, 2]]]}),
            area(2, -7.0, 109.3, {"type": "Point", "coordinates": [109.3, -7.0]}),
        ),
        visits=(MapVisit(1, None, -6.9, 109.41, (BEBAN,)),),
    )
    check_png(map_png(data, labels=LABELS), visits=1)
