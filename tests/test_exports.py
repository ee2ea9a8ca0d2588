"""Exports of a small, fully known data set: XLSX, CSV and GeoJSON read back row by row, the
photo ZIP parts opened, and the `dampingan export` command.

The data set (demo regions and agencies): three submitted reports in June 2025 — R1 in
Semingkir (Randudongkal) with two activities and three photos and a formula-looking
description, R2 in Taman without a location, R3 in Kreyo corrected to version 2 — plus a
draft, a report outside the period, that must not show.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import subprocess
import sys
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.demo import load_demo_data
from core.i18n import Translator
from models.activities import Strategy
from models.agencies import Agency
from models.exports import ExportFilter
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
from services.exports import (
    COLUMNS,
    ExportFormat,
    csv_bytes,
    csv_cell,
    geojson_bytes,
    load_export,
    render,
    write_photo_zips,
    xlsx_bytes,
)
from tests.conftest import JAKARTA, REPO

BEBAN = Strategy.PENGURANGAN_BEBAN.value
PENDAPATAN = Strategy.PENINGKATAN_PENDAPATAN.value
JUNE = ExportFilter(date(2025, 6, 1), date(2025, 6, 30))
MADE_AT = datetime(2025, 7, 1, 2, 0, tzinfo=UTC)
MALICIOUS = ('=HYPERLINK("http://evil","x")', "+1", "-1", "@x")


@dataclass
class Data:
    photos_dir: Path
    kecamatan: dict[str, int]
    photo_bytes: dict[str, bytes]


def _jpeg(seed: int) -> bytes:
    buffer = io.BytesIO()
    # Noise-free but distinct pictures; sizes of a few kB.
    Image.new("RGB", (200 + seed, 150), (seed * 40 % 256, 90, 160)).save(buffer, "JPEG")
    return buffer.getvalue()


async def build(session: AsyncSession, db_url: str, photos_dir: Path) -> Data:
    await load_demo_data(db_url)
    villages = {v.name: v for v in (await session.scalars(select(Village))).unique()}
    kecamatan = {k.name: k.id for k in await session.scalars(select(Kecamatan))}
    agency = await session.scalar(select(Agency).where(Agency.name == "Dinas Kesehatan"))
    assert agency is not None
    staff = User(
        telegram_id=7001,
        full_name="Siti Aminah",
        role=Role.STAFF,
        agency_id=agency.id,
        language="id",
    )
    session.add(staff)
    await session.flush()
    photo_bytes: dict[str, bytes] = {}
    seed = 0

    def photos(reference: str, count: int) -> list[Photo]:
        nonlocal seed
        made = []
        for _ in range(count):
            seed += 1
            content = _jpeg(seed)
            rel = f"archive/{reference}-{seed}.jpg"
            (photos_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            (photos_dir / rel).write_bytes(content)
            photo_bytes[rel] = content
            made.append(
                Photo(
                    telegram_file_unique_id=f"u{seed}",
                    source="document",
                    sha256=hashlib.sha256(content).hexdigest(),
                    archive_sha256=hashlib.sha256(content).hexdigest(),
                    archive_path=rel,
                    thumb_path=rel,
                    width=200,
                    height=150,
                    taken_at=datetime(2025, 6, 10, 1, 30, tzinfo=UTC),
                    exif_latitude=-7.09,
                    exif_longitude=109.37,
                )
            )
        return made

    def report(
        reference: str,
        village: str,
        visit: date,
        activities: list[ReportActivity],
        *,
        location: tuple[float, float] | None,
        status: ReportStatus = ReportStatus.SUBMITTED,
        version: int = 1,
        review: ReviewStatus | None = ReviewStatus.SUBMITTED,
        flags: list[dict[str, object]] | None = None,
    ) -> Report:
        submitted = status is ReportStatus.SUBMITTED
        row = Report(
            reference=reference if submitted else None,
            status=status,
            user_id=staff.id,
            agency_id=agency.id,
            village_id=villages[village].id,
            visit_date=visit,
            latitude=location[0] if location else None,
            longitude=location[1] if location else None,
            form_state={},
            submitted_at=datetime(visit.year, visit.month, visit.day, 3, tzinfo=UTC)
            if submitted
            else None,
            version=version,
            review_status=review if submitted else None,
            flags=flags,
            activities=activities,
        )
        session.add(row)
        return row

    report(
        "LPR-2025-000001",
        "Semingkir",
        date(2025, 6, 10),
        [
            ReportActivity(
                position=0,
                strategy=BEBAN,
                activity="bantuan_sosial",
                households=10,
                people=30,
                description=MALICIOUS[0],
                photos=photos("LPR-2025-000001", 2),
            ),
            ReportActivity(
                position=1,
                strategy=PENDAPATAN,
                activity="other",
                activity_other="Kerja bakti",
                households=5,
                people=12,
                description="+1",
                photos=photos("LPR-2025-000001", 1),
            ),
        ],
        location=(-7.1035, 109.3697),
        flags=[{"kind": "photo_exif_time", "days": 3}],
    )
    report(
        "LPR-2025-000002",
        "Taman",
        date(2025, 6, 12),
        [
            ReportActivity(
                position=0,
                strategy=BEBAN,
                activity="bantuan_sosial",
                households=4,
                people=4,
                description="-1",
                photos=photos("LPR-2025-000002", 1),
            )
        ],
        location=None,
        review=ReviewStatus.VERIFIED,
        flags=[{"kind": "location_missing"}],
    )
    corrected = report(
        "LPR-2025-000003",
        "Kreyo",
        date(2025, 6, 14),
        [
            ReportActivity(
                position=0,
                strategy=BEBAN,
                activity="bantuan_sosial",
                households=9,
                people=27,
                description="@x",
                photos=photos("LPR-2025-000003", 1),
            )
        ],
        location=(-7.053, 109.2946),
        version=2,
        review=ReviewStatus.RESUBMITTED,
    )
    report(
        "LPR-2025-000004",
        "Kreyo",
        date(2025, 7, 2),
        [ReportActivity(position=0, strategy=BEBAN, households=1, people=1)],
        location=None,
    )
    report(
        "draft",
        "Kreyo",
        date(2025, 6, 15),
        [ReportActivity(position=0, strategy=BEBAN, households=99, people=99)],
        location=None,
        status=ReportStatus.DRAFT,
    )
    await session.flush()
    for version, households in ((1, 7), (2, 9)):
        session.add(
            ReportVersion(
                report_id=corrected.id,
                version=version,
                user_id=staff.id,
                submitted_at=datetime(2025, 6, 13 + version, 3, tzinfo=UTC),
                content={"activities": [{"households": households}]},
            )
        )
    await session.commit()
    return Data(photos_dir, kecamatan, photo_bytes)


@pytest.fixture
async def data(session: AsyncSession, db_url: str, tmp_path: Path) -> Data:
    return await build(session, db_url, tmp_path / "photos")


@pytest.fixture(scope="module")
def translator() -> Translator:
    return Translator("id")


EXPECTED = [
    # reference, version, kecamatan, village, households, people, description, photos
    ("LPR-2025-000001", 1, "Randudongkal", "Semingkir", 10, 30, MALICIOUS[0], 3),
    ("LPR-2025-000001", 1, "Randudongkal", "Semingkir", 5, 12, "+1", 3),
    ("LPR-2025-000002", 1, "Taman", "Taman", 4, 4, "-1", 1),
    ("LPR-2025-000003", 2, "Randudongkal", "Kreyo", 9, 27, "@x", 1),
]


def _key(values: Mapping[str, object]) -> tuple[object, ...]:
    return tuple(
        values[k]
        for k in (
            "reference",
            "version",
            "kecamatan",
            "village",
            "households",
            "people",
            "description",
            "photos",
        )
    )


async def test_xlsx_matches_the_reports_row_by_row(
    session: AsyncSession, data: Data, translator: Translator
) -> None:
    export = await load_export(session, JUNE, translator, "en")
    workbook = load_workbook(io.BytesIO(xlsx_bytes(export, made_at=MADE_AT, tz=JAKARTA)))
    reports, photos, filters = workbook.worksheets
    assert [s.title for s in workbook.worksheets] == ["Reports", "Photos", "Filters"]
    lines = list(reports.iter_rows(values_only=True))
    assert lines[0][0] == "Reference" and len(lines[0]) == len(COLUMNS)
    rows = [dict(zip(COLUMNS, line, strict=True)) for line in lines[1:]]
    assert [_key(r) for r in rows] == EXPECTED
    first = rows[0]
    assert first["visit_date"] == datetime(2025, 6, 10)
    # Sent at 03:00 UTC: 10:00 in Jakarta, a real date and time.
    assert first["submitted_at"] == datetime(2025, 6, 10, 10, 0)
    assert first["kecamatan_code"] == "33.27.07" and first["village_code"] == "33.27.07.2008"
    assert first["agency"] == "Dinas Kesehatan" and first["author"] == "Siti Aminah"
    assert first["strategy"] == "Spending" and rows[1]["activity_other"] == "Kerja bakti"
    assert first["review_status"] == "Waiting for review"
    assert rows[2]["review_status"] == "Verified"
    # 0.009 degrees of latitude south of the village centre: 1 km.
    assert first["distance_km"] == pytest.approx(1.0, abs=0.01)
    assert rows[2]["latitude"] is None and rows[2]["distance_km"] is None
    assert first["flags"] and rows[3]["flags"] is None
    assert reports.freeze_panes == "A2" and reports.auto_filter.ref == "A1:V5"
    # No cell is a formula: the malicious descriptions are text.
    for row in reports.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f"
    assert [r["description"] for r in rows] == list(MALICIOUS)

    photo_lines = list(photos.iter_rows(values_only=True))[1:]
    assert [(line[0], line[1]) for line in photo_lines] == [
        ("LPR-2025-000001", "LPR-2025-000001/1.jpg"),
        ("LPR-2025-000001", "LPR-2025-000001/2.jpg"),
        ("LPR-2025-000001", "LPR-2025-000001/3.jpg"),
        ("LPR-2025-000002", "LPR-2025-000002/1.jpg"),
        ("LPR-2025-000003", "LPR-2025-000003/1.jpg"),
    ]
    assert (
        photo_lines[0][2]
        == hashlib.sha256(data.photo_bytes[export.photos[0].archive_path]).hexdigest()
    )
    assert photo_lines[0][3] == datetime(2025, 6, 10, 8, 30)
    described = {line[0]: line[1] for line in filters.iter_rows(values_only=True)}
    assert described["Visits from"] == "2025-06-01" and described["Kecamatan"] == "All"
    assert described["Made at"] == datetime(2025, 7, 1, 9, 0)


async def test_csv_has_the_same_rows_with_a_bom(
    session: AsyncSession, data: Data, translator: Translator
) -> None:
    export = await load_export(session, JUNE, translator, "id")
    content = csv_bytes(export, tz=JAKARTA)
    assert content.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert lines[0][0] == "Nomor" and len(lines[0]) == len(COLUMNS)
    rows = [dict(zip(COLUMNS, line, strict=True)) for line in lines[1:]]
    # Descriptions that Excel would evaluate are quoted (see test_csv_text_is_never_a_formula).
    assert [_key(r) for r in rows] == [
        (*(str(v) for v in e[:6]), f"'{e[6]}", str(e[7])) for e in EXPECTED
    ]
    assert rows[0]["visit_date"] == "2025-06-10"
    assert rows[0]["submitted_at"] == "2025-06-10 10:00"
    assert render(export, ExportFormat.CSV, made_at=MADE_AT, tz=JAKARTA) == content


async def test_csv_text_is_never_a_formula(
    session: AsyncSession, data: Data, translator: Translator
) -> None:
    """Text starting with = + - @ gets a leading quote in the CSV (OWASP); numbers, negative
    latitudes included, stay numbers; the GeoJSON keeps the text as typed."""
    export = await load_export(session, JUNE, translator, "en")
    lines = list(csv.reader(io.StringIO(csv_bytes(export, tz=JAKARTA).decode("utf-8-sig"))))
    rows = [dict(zip(COLUMNS, line, strict=True)) for line in lines[1:]]
    assert [r["description"] for r in rows] == [
        '\'=HYPERLINK("http://evil","x")',
        "'+1",
        "'-1",
        "'@x",
    ]
    assert rows[0]["latitude"] == "-7.1035" and float(rows[0]["latitude"]) == -7.1035
    assert rows[0]["longitude"] == "109.3697"
    # Other text is untouched; a plain text starting otherwise is not quoted.
    assert rows[1]["activity_other"] == "Kerja bakti" and rows[0]["reference"] == "LPR-2025-000001"
    features = json.loads(geojson_bytes(export, tz=JAKARTA))["features"]
    assert [f["properties"]["Description"] for f in features] == [
        MALICIOUS[0],
        MALICIOUS[1],
        MALICIOUS[3],
    ]
    assert features[0]["properties"]["Latitude"] == -7.1035


def test_csv_quotes_tab_and_carriage_return_starts() -> None:
    """The other two characters OWASP names: a tab or a carriage return first."""
    assert csv_cell("\tx") == "'\tx"
    assert csv_cell("\r=1") == "'\r=1"
    assert csv_cell(-6.9) == -6.9
    assert csv_cell(-3) == -3
    assert csv_cell(None) == ""
    assert csv_cell("a=b") == "a=b"


async def test_filters_narrow_the_export(
    session: AsyncSession, data: Data, translator: Translator
) -> None:
    only = ExportFilter(JUNE.start, JUNE.end, kecamatan_id=data.kecamatan["Taman"])
    export = await load_export(session, only, translator, "en")
    assert [r.reference for r in export.rows] == ["LPR-2025-000002"]
    assert [p.zip_name for p in export.photos] == ["LPR-2025-000002/1.jpg"]
    income = ExportFilter(JUNE.start, JUNE.end, strategy=Strategy.PENINGKATAN_PENDAPATAN)
    export = await load_export(session, income, translator, "en")
    assert [(r.reference, r.households) for r in export.rows] == [("LPR-2025-000001", 5)]
    verified = ExportFilter(JUNE.start, JUNE.end, review_status=ReviewStatus.VERIFIED)
    export = await load_export(session, verified, translator, "en")
    assert [r.reference for r in export.rows] == ["LPR-2025-000002"]
    assert dict(export.filter_lines)["Review status"] == "Verified"


async def test_geojson_has_the_visit_points(
    session: AsyncSession, data: Data, translator: Translator
) -> None:
    export = await load_export(session, JUNE, translator, "en")
    collection = json.loads(geojson_bytes(export, tz=JAKARTA))
    assert collection["type"] == "FeatureCollection"
    features = collection["features"]
    # R2 has no location: left out; R1's two activities are two features at one point.
    assert [f["properties"]["Reference"] for f in features] == [
        "LPR-2025-000001",
        "LPR-2025-000001",
        "LPR-2025-000003",
    ]
    first = features[0]
    assert first["geometry"] == {"type": "Point", "coordinates": [109.3697, -7.1035]}
    assert first["properties"]["Description"] == MALICIOUS[0]
    assert first["properties"]["Households"] == 10
    assert first["properties"]["Visit date"] == "2025-06-10"
    assert set(first["properties"]) == set(export.headers)


async def test_photo_zip_parts_hold_every_photo_under_the_limit(
    session: AsyncSession, data: Data, translator: Translator, tmp_path: Path
) -> None:
    export = await load_export(session, JUNE, translator, "en")
    biggest = max(len(b) for b in data.photo_bytes.values())
    limit = biggest * 2 + 600
    seen: list[tuple[int, int]] = []
    result = write_photo_zips(
        export.photos,
        open_photo=lambda rel: data.photos_dir / rel,
        directory=tmp_path / "out",
        stem="foto",
        limit=limit,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert len(result.parts) >= 2 and result.photos == 5 and result.missing == ()
    assert seen[-1] == (5, 5)
    held: dict[str, bytes] = {}
    for part in result.parts:
        assert part.stat().st_size <= limit
        with zipfile.ZipFile(part) as archive:
            assert archive.testzip() is None
            for name in archive.namelist():
                held[name] = archive.read(name)
    assert {p.zip_name: data.photo_bytes[p.archive_path] for p in export.photos} == held

    # A missing file is left out and named; a part limit too small for one photo is refused.
    (data.photos_dir / export.photos[0].archive_path).unlink()
    result = write_photo_zips(
        export.photos,
        open_photo=lambda rel: data.photos_dir / rel,
        directory=tmp_path / "again",
        stem="foto",
        limit=limit,
    )
    assert result.missing == ("LPR-2025-000001/1.jpg",) and result.photos == 4
    with pytest.raises(ValueError):
        write_photo_zips(
            export.photos[1:],
            open_photo=lambda rel: data.photos_dir / rel,
            directory=tmp_path / "small",
            stem="foto",
            limit=100,
        )


def run_cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("DAMPINGAN_", "TELEGRAM_"))}
    env.update(DAMPINGAN_DATA_DIR=str(tmp_path / "data"), PYTHONPATH=str(REPO))
    env.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_cli_exports_each_format(tmp_path: Path) -> None:
    from models.db import make_engine, make_sessionmaker

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    assert run_cli(tmp_path, "db", "upgrade").returncode == 0
    url = f"sqlite:///{data_dir / 'dampingan.sqlite3'}"
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            await build(session, url, data_dir / "photos")
    finally:
        await engine.dispose()

    period = ("--from", "2025-06-01", "--to", "2025-06-30")
    done = run_cli(tmp_path, "export", "out.xlsx", "--format", "xlsx", *period)
    assert done.returncode == 0, done.stderr
    sheet = load_workbook(tmp_path / "out.xlsx").worksheets[0]
    assert sheet.max_row == 5 and "4" in done.stdout

    done = run_cli(
        tmp_path, "export", "taman.csv", "--format", "csv", *period, "--kecamatan", "33.27.09"
    )
    assert done.returncode == 0, done.stderr
    lines = list(csv.reader(io.StringIO((tmp_path / "taman.csv").read_text("utf-8-sig"))))
    assert [line[0] for line in lines[1:]] == ["LPR-2025-000002"]

    done = run_cli(
        tmp_path, "export", "pts.geojson", "--format", "geojson", *period, "--strategy", "2"
    )
    assert done.returncode == 0, done.stderr
    features = json.loads((tmp_path / "pts.geojson").read_text())["features"]
    assert len(features) == 1

    done = run_cli(tmp_path, "export", "zips", "--format", "photos", *period)
    assert done.returncode == 0, done.stderr
    parts = sorted((tmp_path / "zips").glob("*.zip"))
    assert len(parts) == 1
    with zipfile.ZipFile(parts[0]) as archive:
        assert len(archive.namelist()) == 5

    bad = run_cli(tmp_path, "export", "x.csv", "--format", "csv", *period, "--kecamatan", "99")
    assert bad.returncode == 1 and "99" in bad.stderr
    backwards = run_cli(
        tmp_path,
        "export",
        "x.csv",
        "--format",
        "csv",
        "--from",
        "2025-06-30",
        "--to",
        "2025-06-01",
    )
    assert backwards.returncode == 2

    # Each export that was written is in the audit log, with the shell (no one) as its actor.
    audit_lines = run_cli(tmp_path, "audit").stdout.splitlines()
    exports = [line for line in audit_lines if "| export.command_line |" in line]
    assert [line.split(" | ")[1:4] for line in exports] == [
        ["system", "export.command_line", "out.xlsx"],
        ["system", "export.command_line", "taman.csv"],
        ["system", "export.command_line", "pts.geojson"],
        ["system", "export.command_line", "zips"],
    ]
    assert "format=csv" in exports[1] and "rows=1" in exports[1]
