"""Imports of regions, agencies and assignments: real files, bad files, XLSX, the demo set."""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Agency, Assignment, AuditEntry, Base, Kecamatan, Village, VillageKind
from models.agencies import active_villages, find_agency
from services.imports import (
    ErrorCode,
    ImportRejected,
    ImportResult,
    import_agencies,
    import_assignments,
    import_file,
    import_regions,
)
from tests.conftest import REPO, SHARED_DATA, TEST_NOW, shared_file

DEMO = REPO / "demo"
REGION_HEADER = "code,name,level,parent_code,kind,lat,lon\n"


async def count(session: AsyncSession, model: type[Base]) -> int:
    return await session.scalar(select(func.count()).select_from(model)) or 0


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def errors_of(rejected: pytest.ExceptionInfo[ImportRejected]) -> set[tuple[int | None, ErrorCode]]:
    return {(e.line, e.code) for e in rejected.value.result.errors}


async def village(session: AsyncSession, code: str) -> Village:
    found = await session.scalar(select(Village).where(Village.code == code))
    assert found is not None, code
    return found


async def load_demo(session: AsyncSession) -> None:
    for kind in ("regions", "agencies", "assignments"):
        await import_file(session, kind, DEMO / f"{kind}.csv")
        await session.commit()


# --- regions ----------------------------------------------------------------------------------


async def test_real_regions_import_and_reimport(session: AsyncSession) -> None:
    path = shared_file(SHARED_DATA / "pemalang_regions.csv")

    first = await import_file(session, "regions", path)
    await session.commit()

    assert (first.counts["kecamatan"].created, first.counts["villages"].created) == (14, 223)
    assert await count(session, Kecamatan) == 14
    assert await count(session, Village) == 223
    kinds = dict(
        (await session.execute(select(Village.kind, func.count()).group_by(Village.kind))).all()
    )
    assert kinds == {VillageKind.DESA: 212, VillageKind.KELURAHAN: 11}
    for name in ("Kuta", "Sarwodadi"):
        rows = (await session.scalars(select(Village).where(Village.name == name))).all()
        assert len(rows) == 2
        assert len({v.kecamatan_id for v in rows}) == 2
    sodong = await village(session, "33.27.03.2013")
    assert (sodong.name, sodong.kecamatan.name) == ("Sodong Basari", "Belik")

    second = await import_file(session, "regions", path)
    await session.commit()
    assert (second.created, second.updated, second.unchanged) == (0, 0, 237)
    assert await count(session, Kecamatan) == 14
    assert await count(session, Village) == 223
    audit = (await session.scalars(select(AuditEntry).order_by(AuditEntry.id))).all()
    assert [(a.action, a.target) for a in audit] == [("import.regions", path.name)] * 2
    assert audit[0].details["created"] == 237
    assert audit[1].details["created"] == audit[1].details["updated"] == 0


async def test_changed_row_updates_in_place(session: AsyncSession, tmp_path: Path) -> None:
    original = shared_file(SHARED_DATA / "pemalang_regions.csv")
    await import_regions(session, original)
    await session.commit()
    before = await village(session, "33.27.04.2010")
    village_id = before.id

    path = tmp_path / "regions.csv"
    shutil.copy(original, path)
    text = path.read_text(encoding="utf-8")
    assert text.count(",Majalangu,") == 1
    path.write_text(text.replace(",Majalangu,", ",Majalangu Baru,"), encoding="utf-8")

    result = await import_regions(session, path)
    await session.commit()

    assert result.counts["villages"].updated == 1
    assert (result.created, result.updated) == (0, 1)
    session.expire_all()
    after = await village(session, "33.27.04.2010")
    assert (after.id, after.name) == (village_id, "Majalangu Baru")
    assert await count(session, Village) == 223


async def test_bad_regions_file_is_rejected_whole(session: AsyncSession, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "bad.csv",
        REGION_HEADER
        + "33.27,Kabupaten Pemalang,kabupaten,,,-7.036804,109.395173\n"  # 2
        + "33.27.04,Watukumpul,kecamatan,33.27,,-7.160235,109.456500\n"  # 3
        + "33.27.04.2010,Majalangu,desa,33.27.04,desa,-7.158257,109.434955\n"  # 4 good
        + "33.27.04.20X1,Bad Code,desa,33.27.04,desa,-7.1,109.4\n"  # 5
        + "33.27.15.2001,Orphan,desa,33.27.15,desa,-7.1,109.4\n"  # 6
        + "33.27.04.2012,Watukumpul,desa,33.27.04,desa,200,109.419598\n"  # 7
        + "33.27.04.2010,Majalangu Lagi,desa,33.27.04,desa,-7.1,109.4\n"  # 8
        + "33.27.04.2013,Gapura,dusun,33.27.04,desa,-7.120645,109.430236\n"  # 9
        + "33.27.04.2014,Majakerta,desa,33.27.09,desa,-7.140731,109.402204\n"  # 10
        + "33.27.04.2015,Wisnu,desa,33.27.04,dukuh,-7.117682,109.378026\n"  # 11
        + "33.27.04.2011,,desa,33.27.04,desa,-7.186024,109.413966\n",  # 12
    )

    with pytest.raises(ImportRejected) as rejected:
        await import_regions(session, path)

    assert errors_of(rejected) == {
        (5, ErrorCode.BAD_CODE),
        (6, ErrorCode.UNKNOWN_PARENT),
        (7, ErrorCode.OUT_OF_RANGE),
        (8, ErrorCode.DUPLICATE),
        (9, ErrorCode.UNKNOWN_LEVEL),
        (10, ErrorCode.CODE_PARENT_MISMATCH),
        (11, ErrorCode.UNKNOWN_KIND),
        (12, ErrorCode.REQUIRED),
    }
    messages = [str(e) for e in rejected.value.result.errors]
    assert "Line 7: 'lat' value 200 is outside -90..90." in messages
    assert "Line 8: 'code' value '33.27.04.2010' already appears on line 4." in messages
    assert "Line 6: Parent kecamatan '33.27.15' is neither" in "\n".join(messages)
    assert not session.new and not session.dirty
    await session.commit()
    assert await count(session, Kecamatan) == 0
    assert await count(session, Village) == 0
    assert await count(session, AuditEntry) == 0


async def test_rejected_file_leaves_previous_rows(session: AsyncSession, tmp_path: Path) -> None:
    await import_regions(session, DEMO / "regions.csv")
    await session.commit()
    path = write(
        tmp_path,
        "mixed.csv",
        REGION_HEADER
        + "33.27.04.2010,Majalangu Baru,desa,33.27.04,desa,-7.158257,109.434955\n"
        + "33.27.04.2099,Baru,desa,33.27.04,desa,-7.1,190\n",
    )

    with pytest.raises(ImportRejected) as rejected:
        await import_regions(session, path)

    assert errors_of(rejected) == {(3, ErrorCode.OUT_OF_RANGE)}
    await session.commit()
    session.expire_all()
    assert (await village(session, "33.27.04.2010")).name == "Majalangu"
    assert await count(session, Village) == 20


async def test_village_of_a_bad_kecamatan_row_gets_no_second_error(
    session: AsyncSession, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "regions.csv",
        REGION_HEADER
        + "33.27.04,Watukumpul,kecamatan,33.27,,-97.1,109.4\n"
        + "33.27.04.2010,Majalangu,desa,33.27.04,desa,-7.158257,109.434955\n",
    )

    with pytest.raises(ImportRejected) as rejected:
        await import_regions(session, path)

    assert errors_of(rejected) == {(2, ErrorCode.OUT_OF_RANGE)}
    assert await count(session, Village) == 0


async def test_village_under_kecamatan_already_in_database(
    session: AsyncSession, tmp_path: Path
) -> None:
    await import_regions(session, DEMO / "regions.csv")
    await session.commit()
    path = write(
        tmp_path, "more.csv", REGION_HEADER + "33.27.04.2011,Tambi,desa,33.27.04,desa,,\n"
    )

    result = await import_regions(session, path)
    await session.commit()

    assert result.counts["villages"].created == 1
    tambi = await village(session, "33.27.04.2011")
    assert (tambi.kecamatan.name, tambi.lat, tambi.lon) == ("Watukumpul", None, None)


async def test_other_kabupaten_is_refused(session: AsyncSession, tmp_path: Path) -> None:
    await import_regions(session, DEMO / "regions.csv")
    await session.commit()
    path = write(
        tmp_path,
        "pekalongan.csv",
        REGION_HEADER
        + "33.26,Kabupaten Pekalongan,kabupaten,,,,\n"
        + "33.26.01,Kandangserang,kecamatan,33.26,,,\n",
    )

    with pytest.raises(ImportRejected) as rejected:
        await import_regions(session, path)

    assert errors_of(rejected) == {(2, ErrorCode.OTHER_KABUPATEN), (3, ErrorCode.OTHER_KABUPATEN)}
    assert await count(session, Kecamatan) == 4


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", {(None, ErrorCode.EMPTY_FILE)}),
        (REGION_HEADER, {(None, ErrorCode.NO_ROWS)}),
        (
            "code,name,level,parent_code,kind,lat\n33.27,X,kabupaten,,,1\n",
            {(1, ErrorCode.MISSING_COLUMN)},
        ),
        ("code,name,level,parent_code,kind,lat,lon,lat\n", {(1, ErrorCode.DUPLICATE_COLUMN)}),
        (
            REGION_HEADER + "33.27.04,Watu, kumpul,kecamatan,33.27,,1,2\n",
            {(2, ErrorCode.EXTRA_VALUES)},
        ),
    ],
    ids=["empty", "header-only", "missing-column", "duplicate-column", "unquoted-comma"],
)
async def test_file_level_problems(
    session: AsyncSession, tmp_path: Path, text: str, expected: set[tuple[int | None, ErrorCode]]
) -> None:
    path = write(tmp_path, "regions.csv", text)

    with pytest.raises(ImportRejected) as rejected:
        await import_regions(session, path)

    assert errors_of(rejected) == expected
    assert await count(session, Kecamatan) == 0


async def test_missing_column_is_named(session: AsyncSession, tmp_path: Path) -> None:
    path = write(tmp_path, "agencies.csv", "name,kind\nDinas Kesehatan,dinas\n")

    with pytest.raises(ImportRejected) as rejected:
        await import_agencies(session, path)

    [error] = rejected.value.result.errors
    assert error.line == 1
    assert error.params["column"] == "short_name"
    assert "'short_name'" in error.message
    assert await count(session, Agency) == 0


async def test_unsupported_and_undecodable_files(session: AsyncSession, tmp_path: Path) -> None:
    ods = write(tmp_path, "regions.ods", REGION_HEADER)
    latin1 = tmp_path / "agencies.csv"
    latin1.write_bytes("name,short_name,kind\nDinas Pariwisata Âlt,,dinas\n".encode("latin-1"))

    with pytest.raises(ImportRejected) as rejected:
        await import_regions(session, ods)
    assert errors_of(rejected) == {(None, ErrorCode.UNSUPPORTED_FORMAT)}
    with pytest.raises(ImportRejected) as rejected:
        await import_agencies(session, latin1)
    assert errors_of(rejected) == {(None, ErrorCode.NOT_UTF8)}
    assert await count(session, Agency) == 0


async def test_csv_with_bom_and_blank_lines(session: AsyncSession, tmp_path: Path) -> None:
    path = tmp_path / "agencies.csv"
    path.write_text(
        "\ufeffName,Short_Name,Kind\r\n\r\nDinas  Kesehatan ,,Dinas\r\n,,\r\n", encoding="utf-8"
    )

    result = await import_agencies(session, path)
    await session.commit()

    assert result.created == 1
    agency = await session.scalar(select(Agency))
    assert agency is not None
    assert (agency.name, agency.short_name, agency.kind) == ("Dinas Kesehatan", None, "dinas")


# --- agencies ---------------------------------------------------------------------------------


async def test_real_agencies_import_and_reimport(session: AsyncSession) -> None:
    path = shared_file(SHARED_DATA / "pemalang_agencies.csv")

    first = await import_file(session, "agencies", path)
    await session.commit()

    assert first.counts["agencies"].created == 33
    assert await count(session, Agency) == 33
    dinsos = await find_agency(session, "dinsos kbpp")
    assert dinsos is not None
    assert dinsos.name.startswith("Dinas Sosial, Pengendalian Penduduk, Keluarga Berencana,")
    assert await count(session, Agency) == 33

    second = await import_file(session, "agencies", path)
    await session.commit()
    assert (second.created, second.updated, second.unchanged) == (0, 0, 33)
    assert await count(session, Agency) == 33
    assert await count(session, AuditEntry) == 2


async def test_agency_matched_by_name_ignoring_case(session: AsyncSession, tmp_path: Path) -> None:
    await import_agencies(session, DEMO / "agencies.csv")
    await session.commit()
    bappeda = await find_agency(session, "Bappeda")
    assert bappeda is not None
    path = write(
        tmp_path,
        "agencies.csv",
        "name,short_name,kind\nBADAN PERENCANAAN PEMBANGUNAN DAERAH,Bappeda,badan\n",
    )

    result = await import_agencies(session, path)
    await session.commit()

    assert (result.created, result.updated) == (0, 1)
    await session.refresh(bappeda)
    assert bappeda.name == "BADAN PERENCANAAN PEMBANGUNAN DAERAH"
    assert await count(session, Agency) == 6


async def test_short_names_must_be_unique(session: AsyncSession, tmp_path: Path) -> None:
    await import_agencies(session, DEMO / "agencies.csv")
    await session.commit()
    path = write(
        tmp_path,
        "agencies.csv",
        "name,short_name,kind\n"
        "Badan Lain,Bappeda,badan\n"  # 2: taken by an agency only in the database
        "Dinas A,DA,dinas\n"  # 3
        "Dinas B,da,dinas\n"  # 4: same short name as line 3
        "dinas a,,dinas\n",  # 5: same name as line 3
    )

    with pytest.raises(ImportRejected) as rejected:
        await import_agencies(session, path)

    assert errors_of(rejected) == {
        (2, ErrorCode.DUPLICATE_SHORT_NAME),
        (4, ErrorCode.DUPLICATE),
        (5, ErrorCode.DUPLICATE),
    }
    assert await count(session, Agency) == 6


async def test_xlsx_agencies(session: AsyncSession, tmp_path: Path) -> None:
    with (DEMO / "agencies.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append([cell or None for cell in row])
    path = tmp_path / "agencies.xlsx"
    workbook.save(path)

    result = await import_agencies(session, path)
    await session.commit()

    assert result.created == 6
    assert await count(session, Agency) == 6
    dinsos = await find_agency(session, "Dinsos KBPP")
    assert dinsos is not None and dinsos.name == rows[5][0]
    # The same data as CSV is the same data: nothing to change.
    again = await import_agencies(session, DEMO / "agencies.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 6)


async def test_xlsx_regions_with_numeric_cells(session: AsyncSession, tmp_path: Path) -> None:
    with (DEMO / "regions.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(rows[0])
    for row in rows[1:]:
        # As a spreadsheet holds them: coordinates are numbers, empty cells are empty.
        sheet.append([cell or None for cell in row[:5]] + [float(row[5]), float(row[6])])
    path = tmp_path / "regions.xlsx"
    workbook.save(path)

    result = await import_regions(session, path)
    await session.commit()

    assert (result.counts["kecamatan"].created, result.counts["villages"].created) == (4, 20)
    again = await import_regions(session, DEMO / "regions.csv")
    assert (again.created, again.updated) == (0, 0)
    assert (await village(session, "33.27.04.2010")).lat == -7.158257


# --- assignments ------------------------------------------------------------------------------


async def test_assignment_errors(session: AsyncSession, tmp_path: Path) -> None:
    await import_regions(session, DEMO / "regions.csv")
    await import_agencies(session, DEMO / "agencies.csv")
    # An agency whose full name is another's short name: "Disnaker" can mean either.
    session.add(Agency(name="Disnaker", kind="dinas"))
    await session.commit()
    path = write(
        tmp_path,
        "assignments.csv",
        "agency,village_code,starts_on,ends_on\n"
        "Bappeda,33.27.04.2010,2022-09-07,\n"  # 2 good
        "Dinas Pariwisata,33.27.04.2012,,\n"  # 3 unknown agency
        "Disperkim,33.27.09.2999,,\n"  # 4 unknown village
        "disnaker,33.27.07.2016,,\n"  # 5 ambiguous
        "Dinas Kesehatan,33.27.07.2008,7/9/2022,\n"  # 6 not ISO
        "badan perencanaan pembangunan daerah,33.27.04.2010,,\n"  # 7 same pair as line 2
        "Disperkim,33.27.13.2017,2024-01-01,2023-12-31\n",  # 8 ends before it starts
    )

    with pytest.raises(ImportRejected) as rejected:
        await import_assignments(session, path)

    assert errors_of(rejected) == {
        (3, ErrorCode.UNKNOWN_AGENCY),
        (4, ErrorCode.UNKNOWN_VILLAGE),
        (5, ErrorCode.AMBIGUOUS_AGENCY),
        (6, ErrorCode.BAD_DATE),
        (7, ErrorCode.DUPLICATE_ASSIGNMENT),
        (8, ErrorCode.DATE_ORDER),
    }
    ambiguous = next(e for e in rejected.value.result.errors if e.line == 5)
    assert "'Dinas Tenaga Kerja'" in ambiguous.message and "'Disnaker'" in ambiguous.message
    assert await count(session, Assignment) == 0


async def test_assignments_import_update_and_reimport(
    session: AsyncSession, tmp_path: Path
) -> None:
    await import_regions(session, DEMO / "regions.csv")
    await import_agencies(session, DEMO / "agencies.csv")
    await session.commit()
    text = (
        "agency,village_code,starts_on,ends_on\n"
        "Bappeda,33.27.04.2010,2022-09-07,\n"
        "dinas kesehatan,33.27.07.2008,,2024-12-31\n"
    )
    path = write(tmp_path, "assignments.csv", text)

    first = await import_assignments(session, path)
    await session.commit()
    second = await import_assignments(session, path)
    await session.commit()

    assert first.created == 2
    assert (second.created, second.updated, second.unchanged) == (0, 0, 2)
    assert await count(session, Assignment) == 2

    write(tmp_path, "assignments.csv", text.replace("2022-09-07,", "2022-09-07,2024-12-31"))
    third = await import_assignments(session, path)
    await session.commit()
    assert (third.created, third.updated, third.unchanged) == (0, 1, 1)
    session.expire_all()
    ends = await session.scalars(select(Assignment.ends_on))
    assert set(ends) == {date(2024, 12, 31)}

    # Without the date columns, existing assignments keep their dates.
    write(tmp_path, "bare.csv", "agency,village_code\nBappeda,33.27.04.2010\n")
    fourth = await import_assignments(session, tmp_path / "bare.csv")
    await session.commit()
    assert (fourth.updated, fourth.unchanged) == (0, 1)
    assert await count(session, Assignment) == 2


# --- demo data and dispatch -------------------------------------------------------------------


async def test_demo_data_imports_cleanly(session: AsyncSession) -> None:
    await load_demo(session)

    assert await count(session, Kecamatan) == 4
    assert await count(session, Village) == 20
    assert await count(session, Agency) == 6
    assert await count(session, Assignment) == 9
    bappeda = await find_agency(session, "Bappeda")
    assert bappeda is not None
    villages = await active_villages(session, bappeda.id, TEST_NOW.date())
    assert [v.name for v in villages] == ["Asemdoyong", "Majalangu", "Pagergunung"]
    assert [v.kecamatan.name for v in villages] == ["Taman", "Watukumpul", "Ulujami"]
    assert await active_villages(session, bappeda.id, date(2022, 9, 6)) == []
    beji = await village(session, "33.27.09.1016")
    assert beji.kind is VillageKind.KELURAHAN
    actions = (await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id))).all()
    assert actions == ["import.regions", "import.agencies", "import.assignments"]

    await load_demo(session)  # idempotent
    assert await count(session, Assignment) == 9
    assert await count(session, Village) == 20


async def test_import_file_dispatches_and_refuses_unknown_kinds(session: AsyncSession) -> None:
    result = await import_file(session, "agencies", DEMO / "agencies.csv")
    await session.commit()
    assert isinstance(result, ImportResult)
    assert result.kind == "agencies"
    assert result.summary() == "agencies: 6 created, 0 updated, 0 unchanged"
    assert await count(session, Agency) == 6

    with pytest.raises(ValueError, match="unknown import kind"):
        await import_file(session, "users", DEMO / "agencies.csv")  # type: ignore[arg-type]
