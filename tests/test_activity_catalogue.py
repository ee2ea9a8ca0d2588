"""The activity catalogue is data an admin changes with an import, without a release."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from models.activities import Strategy, activities_for, activity_names
from services.imports import ImportRejected, import_file


async def test_seeded_catalogue_covers_the_three_strategies(session: AsyncSession) -> None:
    for strategy in Strategy:
        assert len(await activities_for(session, strategy)) >= 5
    names = await activity_names(session, "id")
    assert names["pbi_jkn"].startswith("PBI JKN") and names["jamban"] == "Jamban / sanitasi"


async def test_import_adds_renames_and_retires(session: AsyncSession, tmp_path: Path) -> None:
    csv = tmp_path / "activities.csv"
    csv.write_text(
        "key,strategy,name_id,name_en,active\n"
        "posbindu,pengurangan_beban,Posbindu lansia,Elderly health post,yes\n"
        "pkh,pengurangan_beban,PKH (Program Keluarga Harapan),PKH,no\n"
        "jamban,pengurangan_kantong_kemiskinan,Jamban sehat,Healthy latrines,\n"
    )
    result = await import_file(session, "activities", csv)
    await session.commit()
    assert (result.created, result.updated) == (1, 2)
    keys = [a.key for a in await activities_for(session, Strategy.PENGURANGAN_BEBAN)]
    assert "posbindu" in keys and "pkh" not in keys
    assert (await activity_names(session, "en"))["pkh"] == "PKH"  # old reports keep a name
    again = await import_file(session, "activities", csv)
    assert (again.created, again.updated) == (0, 0)


async def test_bad_rows_reject_the_whole_file(session: AsyncSession, tmp_path: Path) -> None:
    csv = tmp_path / "activities.csv"
    csv.write_text(
        "key,strategy,name_id,name_en\n"
        "ok_one,peningkatan_pendapatan,Satu,One\n"
        "Bad Key,peningkatan_pendapatan,Dua,Two\n"
        "other,peningkatan_pendapatan,Tiga,Three\n"
        "tiga,bansos,Tiga,Three\n"
    )
    with pytest.raises(ImportRejected) as rejected:
        await import_file(session, "activities", csv)
    assert [e.line for e in rejected.value.result.errors] == [3, 4, 5]
    assert "ok_one" not in await activity_names(session, "id")
