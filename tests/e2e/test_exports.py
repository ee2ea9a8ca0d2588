"""/ekspor end to end: an admin's XLSX of the whole regency, a kecamatan coordinator's own
kecamatan only (spreadsheet and photo ZIP), staff refused, forged buttons refused.

The clock stands on Wednesday 25 November 2026: "this month" is November 2026.
"""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from handlers import exports
from models.regions import Kecamatan
from models.reports import Photo, ReportStatus
from services.exports import write_photo_zips
from tests.e2e.conftest import ADMIN_ID, Harness
from tests.e2e.factories import add_staff
from tests.e2e.flows import answer, buttons, caught_up
from tests.e2e.test_digests import add_coordinator, files, report

TAMAN = 3001
STAFF = 2001


async def world(h: Harness) -> None:
    await add_staff(h, STAFF, "Bappeda")
    await add_coordinator(h, TAMAN, "Taman")
    await report(
        h,
        "Asemdoyong",
        date(2026, 11, 3),
        [("pengurangan_beban", 12), ("pengurangan_kantong_kemiskinan", 3)],
        photos=2,
        location=(-6.8554, 109.4281),
    )
    await report(h, "Majalangu", date(2026, 11, 20), [("peningkatan_pendapatan", 7)], photos=1)
    # Last month, and a draft: neither is in this month's export.
    await report(h, "Asemdoyong", date(2026, 10, 28), [("pengurangan_beban", 5)])
    await report(
        h, "Asemdoyong", date(2026, 11, 24), [("pengurangan_beban", 99)], status=ReportStatus.DRAFT
    )


def sheet_rows(data: bytes) -> list[tuple[object, ...]]:
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    return list(sheet.iter_rows(min_row=2, values_only=True))


async def test_admin_exports_the_regency_as_xlsx(harness: Harness) -> None:
    h = harness
    await world(h)
    admin = h.user(ADMIN_ID, "Admin")
    periods = await answer(admin, "/ekspor")
    assert buttons(periods) == ["Bulan ini", "Bulan lalu", "Tahun ini"]
    await admin.press(periods, "Bulan ini")
    kecamatan = await caught_up(h.sandbox, admin)
    assert "Kecamatan mana" in kecamatan["text"]
    assert {"Seluruh kabupaten", "Taman", "Watukumpul"} <= set(buttons(kecamatan))
    await admin.press(kecamatan, "Seluruh kabupaten")
    formats = await caught_up(h.sandbox, admin)
    await admin.press(formats, "Lembar kerja (XLSX)")
    document = await admin.wait_for(lambda m: "document" in m, timeout=20)
    assert document["document"]["file_name"] == "laporan-2026-11-01-2026-11-30.xlsx"
    assert "3 baris" in document["caption"]
    rows = sheet_rows(admin.download(document))
    # Asemdoyong's two activities, then Majalangu's one; the October report and the draft
    # are left out.
    assert [(r[8], r[14]) for r in rows] == [
        ("Asemdoyong", 12),
        ("Asemdoyong", 3),
        ("Majalangu", 7),
    ]
    await h.sandbox.settle()
    assert "Ekspor terkirim" in admin.messages[formats["message_id"]]["text"]


async def test_kecamatan_coordinator_gets_only_their_kecamatan(harness: Harness) -> None:
    h = harness
    await world(h)
    coordinator = h.user(TAMAN, "Koordinator")
    periods = await answer(coordinator, "/ekspor")
    await coordinator.press(periods, "Bulan ini")
    # No kecamatan to choose: straight to the format.
    formats = await caught_up(h.sandbox, coordinator)
    assert "format apa" in formats["text"]
    await coordinator.press(formats, "Lembar kerja (XLSX)")
    document = await coordinator.wait_for(lambda m: "document" in m, timeout=20)
    rows = sheet_rows(coordinator.download(document))
    assert [(r[8], r[14]) for r in rows] == [("Asemdoyong", 12), ("Asemdoyong", 3)]

    # The photos of their kecamatan, as ZIP parts.
    periods = await answer(coordinator, "/ekspor")
    await coordinator.press(periods, "Bulan ini")
    formats = await caught_up(h.sandbox, coordinator)
    await coordinator.press(formats, "Foto (ZIP)")
    await h.sandbox.settle()
    zips = [
        m for m in files(coordinator, "document") if m["document"]["file_name"].endswith(".zip")
    ]
    assert len(zips) == 1
    with zipfile.ZipFile(io.BytesIO(coordinator.download(zips[0]))) as archive:
        names = sorted(archive.namelist())
    assert len(names) == 2 and all(n.endswith(("/1.jpg", "/2.jpg")) for n in names)
    assert (
        "2 foto terkirim dalam 1 berkas ZIP" in coordinator.messages[formats["message_id"]]["text"]
    )

    # Forged buttons: another kecamatan, or the whole regency, are refused.
    async with h.db() as session:
        watukumpul = await session.scalar(
            select(Kecamatan.id).where(Kecamatan.name == "Watukumpul")
        )
    before = len(files(coordinator, "document"))
    for data in (f"ex:f:this_month:{watukumpul}:xlsx", "ex:f:this_month:0:csv"):
        forged = await coordinator.press_data(formats["message_id"], data)
        assert forged is not None and "di luar wilayah" in forged["text"]
    for data in ("ex:f:someday:0:xlsx", "ex:f:this_month:x:xlsx", "ex:f:this_month:0:pdf", "ex:z"):
        junk = await coordinator.press_data(formats["message_id"], data)
        assert junk is not None and "tidak berlaku" in junk["text"], data
    await h.sandbox.settle()
    assert len(files(coordinator, "document")) == before


async def test_staff_and_strangers_are_refused(harness: Harness) -> None:
    h = harness
    await world(h)
    staff = h.user(STAFF, "Budi")
    assert "Hanya admin dan koordinator" in (await answer(staff, "/ekspor"))["text"]
    pressed = await staff.press_data(1, "ex:f:this_month:0:xlsx")
    assert pressed is not None and "Hanya admin dan koordinator" in pressed["text"]
    stranger = h.user(9999, "Asing")
    assert "tautan undangan" in (await answer(stranger, "/export"))["text"]
    await h.sandbox.settle()
    assert files(staff, "document") == [] and files(stranger, "document") == []


async def test_photo_parts_are_sent_one_by_one_with_progress(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = harness
    await world(h)
    # Parts small enough for one photo each, and packing slow enough to show progress.
    async with h.db() as session:
        paths = list(await session.scalars(select(Photo.archive_path)))
    biggest = max(h.app.photo_store.path(p).stat().st_size for p in paths)
    monkeypatch.setattr(exports, "PART_LIMIT", biggest + 400)
    monkeypatch.setattr(exports, "PROGRESS_EVERY", 0.05)

    def slow(*args: Any, progress: Callable[[int, int], None], **kwargs: Any) -> Any:
        def tick(done: int, total: int) -> None:
            progress(done, total)
            time.sleep(0.3)

        return write_photo_zips(*args, progress=tick, **kwargs)

    monkeypatch.setattr(exports, "write_photo_zips", slow)

    admin = h.user(ADMIN_ID, "Admin")
    periods = await answer(admin, "/ekspor")
    await admin.press(periods, "Bulan ini")
    await admin.press(await caught_up(h.sandbox, admin), "Seluruh kabupaten")
    formats = await caught_up(h.sandbox, admin)
    await admin.press(formats, "Foto (ZIP)")
    await admin.wait_for(lambda m: "berkas ZIP" in m.get("text", ""), timeout=20)
    await h.sandbox.settle()

    edits = [
        r.params["text"]
        for r in h.sandbox.calls("editMessageText")
        if r.params.get("message_id") == formats["message_id"]
    ]
    assert any(text.startswith("Mengemas foto:") for text in edits), edits
    assert edits[-1].startswith("3 foto terkirim dalam 3 berkas ZIP")
    parts = files(admin, "document")
    assert [p["caption"].rsplit("(", 1)[1] for p in parts] == [
        "bagian 1 dari 3)",
        "bagian 2 dari 3)",
        "bagian 3 dari 3)",
    ]
    names: list[str] = []
    for part in parts:
        data = admin.download(part)
        assert len(data) <= biggest + 400
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names += archive.namelist()
    assert len(names) == 3 and len(set(names)) == 3
