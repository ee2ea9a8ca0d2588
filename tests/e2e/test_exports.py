"""/ekspor end to end: an admin's XLSX of the whole regency, a kecamatan coordinator's own
kecamatan only (spreadsheet and photo ZIP), the filters (typed dates, kecamatan, agency,
strategy, review status) each read back from the file, staff refused, forged buttons refused.

The clock stands on Wednesday 25 November 2026: "this month" is November 2026.
"""

from __future__ import annotations

import csv
import io
import threading
import time
import zipfile
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from handlers import exports
from models.agencies import Agency
from models.audit import AuditEntry
from models.regions import Kecamatan
from models.reports import Photo, Report, ReportStatus, ReviewStatus
from sandbox import SandboxUser
from sandbox.server import JSONDict
from services.exports import write_photo_zips
from tests.e2e.conftest import ADMIN_ID, Harness
from tests.e2e.factories import add_agency, add_staff
from tests.e2e.flows import buttons, caught_up
from tests.e2e.test_digests import add_coordinator, files, report

TAMAN = 3001
STAFF = 2001
NOVEMBER = "20261101:20261130"
PERIODS = ["Bulan ini", "Bulan lalu", "Tahun ini", "🗓 Tanggal lain (ketik)"]
XLSX, CSV = "Lembar kerja (XLSX)", "CSV"


async def world(h: Harness) -> None:
    """Bappeda's staff: Asemdoyong (Taman) on 3 November, verified, two activities of
    strategies 1 and 3 and two photos; Majalangu (Watukumpul) on 20 November, strategy 2,
    waiting for review, one photo, made Dinas Kesehatan's; last month's report; a draft."""
    await add_staff(h, STAFF, "Bappeda")
    await add_coordinator(h, TAMAN, "Taman")
    await report(
        h,
        "Asemdoyong",
        date(2026, 11, 3),
        [("pengurangan_beban", 12), ("pengurangan_kantong_kemiskinan", 3)],
        photos=2,
        location=(-6.8554, 109.4281),
        review=ReviewStatus.VERIFIED,
    )
    majalangu = await report(
        h,
        "Majalangu",
        date(2026, 11, 20),
        [("peningkatan_pendapatan", 7)],
        photos=1,
        review=ReviewStatus.SUBMITTED,
    )
    # Last month, and a draft: neither is in this month's export.
    await report(h, "Asemdoyong", date(2026, 10, 28), [("pengurangan_beban", 5)])
    await report(
        h, "Asemdoyong", date(2026, 11, 24), [("pengurangan_beban", 99)], status=ReportStatus.DRAFT
    )
    async with h.db() as session:
        dinkes = await session.scalar(select(Agency.id).where(Agency.name == "Dinas Kesehatan"))
        await session.execute(
            update(Report).where(Report.id == majalangu).values(agency_id=dinkes)
        )
        await session.commit()


async def ids(h: Harness) -> dict[str, int]:
    """Kecamatan and agency ids by name, for forged buttons."""
    async with h.db() as session:
        found = {k.name: k.id for k in await session.scalars(select(Kecamatan))}
        found |= {a.label: a.id for a in await session.scalars(select(Agency))}
        return found


def sheets(data: bytes) -> tuple[list[tuple[object, ...]], dict[object, object]]:
    """The first sheet's rows (no header) and the filters sheet as label -> value."""
    workbook = load_workbook(io.BytesIO(data))
    rows = list(workbook.worksheets[0].iter_rows(min_row=2, values_only=True))
    used = {row[0]: row[1] for row in workbook.worksheets[2].iter_rows(values_only=True)}
    return rows, used


def sheet_rows(data: bytes) -> list[tuple[object, ...]]:
    return sheets(data)[0]


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))[1:]


def village_households(rows: list[tuple[object, ...]]) -> list[tuple[object, object]]:
    return [(r[8], r[14]) for r in rows]


async def command(h: Harness, user: SandboxUser, text: str) -> JSONDict:
    """Sends a command; returns the bot's latest message once it is idle."""
    await user.send_text(text)
    return await caught_up(h.sandbox, user)


async def filters_screen(h: Harness, user: SandboxUser, period: str = "Bulan ini") -> JSONDict:
    """/ekspor and a period; returns the filters screen."""
    periods = await command(h, user, "/ekspor")
    assert buttons(periods) == PERIODS
    await user.press(periods, period)
    screen = await caught_up(h.sandbox, user)
    assert "Ekspor laporan" in screen["text"], screen["text"]
    return screen


async def edited(h: Harness, user: SandboxUser, message: JSONDict) -> JSONDict:
    """`message` as it stands once the bot is idle (the flow edits one message)."""
    await h.sandbox.settle()
    return user.messages[message["message_id"]]


async def pick(
    h: Harness, user: SandboxUser, screen: JSONDict, change: str, value: str
) -> JSONDict:
    """On the filters screen, changes one filter; returns the filters screen again."""
    await user.press(screen, change)
    listed = await edited(h, user, screen)
    await user.press(listed, value)
    again = await edited(h, user, screen)
    assert "Ekspor laporan" in again["text"], again["text"]
    return again


async def produce(h: Harness, user: SandboxUser, screen: JSONDict, fmt: str) -> bytes:
    """Presses a format; returns the file sent."""
    before = len(files(user, "document"))
    await user.press(screen, fmt)
    await user.wait_for(lambda m: "document" in m and len(files(user, "document")) > before, 20)
    await h.sandbox.settle()
    return user.download(files(user, "document")[-1])


async def test_admin_exports_the_regency_as_xlsx(harness: Harness) -> None:
    h = harness
    await world(h)
    admin = h.user(ADMIN_ID, "Admin")
    screen = await filters_screen(h, admin)
    text = screen["text"]
    assert "Periode kunjungan: 1 Nov 2026 \u2013 30 Nov 2026" in text
    assert "Kecamatan: Seluruh kabupaten" in text and "Perangkat daerah: Semua" in text
    assert "Strategi: Semua" in text and "Status tinjauan: Semua" in text
    assert buttons(screen) == [
        "🗓 Periode",
        "📍 Kecamatan",
        "🏛 Perangkat daerah",
        "🎯 Strategi",
        "🔎 Status tinjauan",
        XLSX,
        CSV,
        "Titik peta (GeoJSON)",
        "Foto (ZIP)",
    ]
    await admin.press(screen, XLSX)
    document = await admin.wait_for(lambda m: "document" in m, timeout=20)
    assert document["document"]["file_name"] == "laporan-2026-11-01-2026-11-30.xlsx"
    assert "3 baris" in document["caption"]
    rows, used = sheets(admin.download(document))
    # Asemdoyong's two activities, then Majalangu's one; the October report and the draft
    # are left out.
    assert village_households(rows) == [("Asemdoyong", 12), ("Asemdoyong", 3), ("Majalangu", 7)]
    assert used["Kunjungan dari"] == "2026-11-01" and used["Kunjungan sampai"] == "2026-11-30"
    assert used["Kecamatan"] == "Semua" and used["Perangkat daerah"] == "Semua"
    await h.sandbox.settle()
    assert "Ekspor terkirim" in admin.messages[screen["message_id"]]["text"]


async def test_kecamatan_coordinator_gets_only_their_kecamatan(harness: Harness) -> None:
    h = harness
    await world(h)
    coordinator = h.user(TAMAN, "Koordinator")
    # No kecamatan to choose: their own is shown, without a button to change it.
    screen = await filters_screen(h, coordinator)
    assert "Kecamatan: Taman" in screen["text"]
    assert "📍 Kecamatan" not in buttons(screen)
    await coordinator.press(screen, XLSX)
    document = await coordinator.wait_for(lambda m: "document" in m, timeout=20)
    rows = sheet_rows(coordinator.download(document))
    assert village_households(rows) == [("Asemdoyong", 12), ("Asemdoyong", 3)]

    # The photos of their kecamatan, as ZIP parts.
    screen = await filters_screen(h, coordinator)
    await coordinator.press(screen, "Foto (ZIP)")
    await h.sandbox.settle()
    zips = [
        m for m in files(coordinator, "document") if m["document"]["file_name"].endswith(".zip")
    ]
    assert len(zips) == 1
    with zipfile.ZipFile(io.BytesIO(coordinator.download(zips[0]))) as archive:
        names = sorted(archive.namelist())
    assert len(names) == 2 and all(n.endswith(("/1.jpg", "/2.jpg")) for n in names)
    assert (
        "2 foto terkirim dalam 1 berkas ZIP" in coordinator.messages[screen["message_id"]]["text"]
    )

    # Forged buttons: another kecamatan, the whole regency, or the kecamatan list, are refused.
    known = await ids(h)
    taman, watukumpul = known["Taman"], known["Watukumpul"]
    before = len(files(coordinator, "document"))
    for data in (
        f"ex:f:{NOVEMBER}:{watukumpul}:0:0:0:xlsx",
        f"ex:f:{NOVEMBER}:0:0:0:0:csv",
        f"ex:s:{NOVEMBER}:{watukumpul}:0:0:0",
        f"ex:K:{NOVEMBER}:{taman}:0:0:0:0",
        f"ex:P:{watukumpul}:0:0:0",
        "ex:d:0:0:0:0",
    ):
        forged = await coordinator.press_data(screen["message_id"], data)
        assert forged is not None and "di luar wilayah" in forged["text"], data
    # Values that exist nowhere, or periods the bot never offers.
    for data in (
        f"ex:f:{NOVEMBER}:{taman}:99999:0:0:xlsx",
        f"ex:f:20261201:20261231:{taman}:0:0:0:xlsx",  # starts in the future
        f"ex:f:20261130:20261101:{taman}:0:0:0:xlsx",  # ends before it starts
        f"ex:f:20200101:20261130:{taman}:0:0:0:xlsx",  # longer than two years
    ):
        forged = await coordinator.press_data(screen["message_id"], data)
        assert forged is not None and "tidak dikenal" in forged["text"], data
    for data in (
        "ex:f:someday:20261130:0:0:0:0:xlsx",
        f"ex:f:20261131:20261130:{taman}:0:0:0:xlsx",
        f"ex:f:{NOVEMBER}:x:0:0:0:xlsx",
        f"ex:f:{NOVEMBER}:{taman}:0:4:0:xlsx",
        f"ex:f:{NOVEMBER}:{taman}:0:0:5:xlsx",
        f"ex:f:{NOVEMBER}:{taman}:0:0:0:pdf",
        f"ex:f:{NOVEMBER}:{taman}:0:0:0",
        f"ex:s:{NOVEMBER}:{taman}:0:0:0:7",
        "ex:z",
    ):
        junk = await coordinator.press_data(screen["message_id"], data)
        assert junk is not None and "tidak berlaku" in junk["text"], data
    await h.sandbox.settle()
    assert len(files(coordinator, "document")) == before


async def test_staff_and_strangers_are_refused(harness: Harness) -> None:
    h = harness
    await world(h)
    staff = h.user(STAFF, "Budi")
    assert "Hanya admin dan koordinator" in (await command(h, staff, "/ekspor"))["text"]
    pressed = await staff.press_data(1, f"ex:f:{NOVEMBER}:0:0:0:0:xlsx")
    assert pressed is not None and "Hanya admin dan koordinator" in pressed["text"]
    stranger = h.user(9999, "Asing")
    assert "tautan undangan" in (await command(h, stranger, "/export"))["text"]
    await h.sandbox.settle()
    assert files(staff, "document") == [] and files(stranger, "document") == []


async def test_typed_dates(harness: Harness) -> None:
    """Two typed dates, as a reply to the bot's question; bad answers are explained and the
    question stays answerable; the filters chosen before travel with it."""
    h = harness
    await world(h)
    admin = h.user(ADMIN_ID, "Admin")
    periods = await command(h, admin, "/ekspor")
    await admin.press(periods, "🗓 Tanggal lain (ketik)")
    question = await admin.next_message()
    assert (
        question["text"].startswith("📤🗓 #0.0.0.0 ") and "1-1-2026 31-3-2026" in question["text"]
    )
    assert question["reply_markup"]["force_reply"] is True
    for typed, reason in (
        ("besok lusa", "tidak terbaca"),
        ("1-11-2026", "tidak terbaca"),
        ("1-11-2026 31-13-2026", "tidak terbaca"),
        ("30-11-2026 1-11-2026", "sebelum tanggal awal"),
        ("1-12-2026 31-12-2026", "belum tiba"),
        ("26-11-2026 30-11-2026", "belum tiba"),
        ("1-1-2024 25-11-2026", "terlalu panjang"),
    ):
        await admin.send_text(typed, reply_to=question["message_id"])
        refusal = await admin.next_message()
        assert reason in refusal["text"], (typed, refusal["text"])
    await h.sandbox.settle()
    assert files(admin, "document") == []

    # October alone, with "s.d." between the dates.
    await admin.send_text("1-10-2026 s.d. 31-10-2026", reply_to=question["message_id"])
    screen = await admin.next_message()
    assert "Ekspor laporan" in screen["text"] and "Seluruh kabupaten" in screen["text"]
    data = await produce(h, admin, screen, XLSX)
    rows, used = sheets(data)
    assert village_households(rows) == [("Asemdoyong", 5)]
    assert used["Kunjungan dari"] == "2026-10-01" and used["Kunjungan sampai"] == "2026-10-31"
    assert files(admin, "document")[-1]["document"]["file_name"] == (
        "laporan-2026-10-01-2026-10-31.xlsx"
    )

    # One date a line, up to a day in the future (the first date is today at the latest);
    # the question is still answerable after an export. Strategy 1 chosen first, then the
    # period changed: the strategy stays.
    screen = await filters_screen(h, admin)
    screen = await pick(
        h, admin, screen, "🎯 Strategi", "1. Pengurangan beban pengeluaran masyarakat"
    )
    await admin.press(screen, "🗓 Periode")
    periods = await edited(h, admin, screen)
    await admin.press(periods, "🗓 Tanggal lain (ketik)")
    question = await admin.next_message()
    assert question["text"].startswith("📤🗓 #0.0.1.0 ")
    await admin.send_text("1-10-2026\n25-11-2026", reply_to=question["message_id"])
    screen = await admin.next_message()
    assert "Strategi: Beban pengeluaran" in screen["text"]
    lines = csv_rows(await produce(h, admin, screen, CSV))
    assert [(r[8], r[14]) for r in lines] == [("Asemdoyong", "5"), ("Asemdoyong", "12")]

    # Both exports are audited with their filters.
    async with h.db() as session:
        entries = list(
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "export"))
        )
    assert [e.details["start"] for e in entries] == ["2026-10-01", "2026-10-01"]
    assert entries[1].details["strategy"] == "pengurangan_beban"


async def test_agency_strategy_and_review_filters(harness: Harness) -> None:
    """Each filter, chosen with the buttons, leaves exactly the matching reports in the file;
    the filters sheet names them."""
    h = harness
    await world(h)
    admin = h.user(ADMIN_ID, "Admin")

    # Agency: the list offers every active agency and "all".
    screen = await filters_screen(h, admin)
    await admin.press(screen, "🏛 Perangkat daerah")
    listed = await edited(h, admin, screen)
    assert "Perangkat daerah mana" in listed["text"]
    assert buttons(listed)[0] == "✅ Semua perangkat daerah"
    assert {"Bappeda", "Dinas Kesehatan", "Disnaker", "◀️ Kembali"} <= set(buttons(listed))
    await admin.press(listed, "Dinas Kesehatan")
    screen = await edited(h, admin, listed)
    assert "Perangkat daerah: Dinas Kesehatan" in screen["text"]
    rows, used = sheets(await produce(h, admin, screen, XLSX))
    assert village_households(rows) == [("Majalangu", 7)]
    assert {r[9] for r in rows} == {"Dinas Kesehatan"}
    assert used["Perangkat daerah"] == "Dinas Kesehatan"

    # Strategy, on top of the agency: Dinas Kesehatan has nothing under strategy 1.
    screen = await pick(
        h, admin, screen, "🎯 Strategi", "1. Pengurangan beban pengeluaran masyarakat"
    )
    await admin.press(screen, XLSX)
    await h.sandbox.settle()
    assert "Tidak ada laporan terkirim" in admin.messages[screen["message_id"]]["text"]

    # Strategy 3 alone: only Asemdoyong's second activity.
    screen = await filters_screen(h, admin)
    screen = await pick(
        h, admin, screen, "🎯 Strategi", "3. Pengurangan kantong-kantong kemiskinan"
    )
    assert "Strategi: Kantong kemiskinan" in screen["text"]
    rows, used = sheets(await produce(h, admin, screen, XLSX))
    assert village_households(rows) == [("Asemdoyong", 3)]
    assert used["Strategi"] == "Kantong kemiskinan"

    # Review status: verified leaves Asemdoyong; waiting leaves Majalangu.
    screen = await filters_screen(h, admin)
    await admin.press(screen, "🔎 Status tinjauan")
    listed = await edited(h, admin, screen)
    assert buttons(listed) == [
        "✅ Semua status",
        "Menunggu tinjauan",
        "Terverifikasi",
        "Perlu perbaikan",
        "Menunggu tinjauan (perbaikan)",
        "◀️ Kembali",
    ]
    await admin.press(listed, "Terverifikasi")
    screen = await edited(h, admin, listed)
    lines = csv_rows(await produce(h, admin, screen, CSV))
    assert [(r[8], r[14], r[2]) for r in lines] == [
        ("Asemdoyong", "12", "Terverifikasi"),
        ("Asemdoyong", "3", "Terverifikasi"),
    ]
    screen = await pick(h, admin, screen, "🔎 Status tinjauan", "Menunggu tinjauan")
    rows, used = sheets(await produce(h, admin, screen, XLSX))
    assert village_households(rows) == [("Majalangu", 7)]
    assert used["Status tinjauan"] == "Menunggu tinjauan"

    # Kecamatan, from the list; the current choice is marked.
    screen = await filters_screen(h, admin)
    screen = await pick(h, admin, screen, "📍 Kecamatan", "Watukumpul")
    await admin.press(screen, "📍 Kecamatan")
    listed = await edited(h, admin, screen)
    assert "✅ Watukumpul" in buttons(listed) and "Seluruh kabupaten" in buttons(listed)
    await admin.press(listed, "◀️ Kembali")
    screen = await edited(h, admin, listed)
    assert "Kecamatan: Watukumpul" in screen["text"]
    rows, used = sheets(await produce(h, admin, screen, XLSX))
    assert village_households(rows) == [("Majalangu", 7)]
    assert used["Kecamatan"] == "33.27.04 Watukumpul"

    async with h.db() as session:
        details = [
            e.details
            for e in await session.scalars(
                select(AuditEntry).where(AuditEntry.action == "export").order_by(AuditEntry.id)
            )
        ]
    known = await ids(h)
    assert details[0]["agency_id"] == known["Dinas Kesehatan"]
    assert details[1]["strategy"] == "pengurangan_beban" and details[1]["rows"] == 0
    assert details[3]["review_status"] == "verified"
    assert details[-1]["kecamatan_id"] == known["Watukumpul"]

    # Forged: an agency or kecamatan that does not exist.
    for data in (f"ex:s:{NOVEMBER}:0:99999:0:0", f"ex:f:{NOVEMBER}:99999:0:0:0:csv"):
        forged = await admin.press_data(screen["message_id"], data)
        assert forged is not None and "tidak dikenal" in forged["text"], data


async def test_a_long_agency_list_is_paged(harness: Harness) -> None:
    """More agencies than a page holds: "next" and "previous", and a pick from page 2."""
    h = harness
    await world(h)
    for number in range(1, 13):
        await add_agency(h, f"Dinas Uji {number:02d}")
    admin = h.user(ADMIN_ID, "Admin")
    screen = await filters_screen(h, admin)
    await admin.press(screen, "🏛 Perangkat daerah")
    first = await edited(h, admin, screen)
    labels = buttons(first)
    # "All", a page of 12, next, back: 6 + 12 = 18 agencies on two pages.
    assert len(labels) == 1 + exports.PER_PAGE + 2
    assert labels[-2:] == ["Berikutnya ▶️", "◀️ Kembali"]
    await admin.press(first, "Berikutnya ▶️")
    second = await edited(h, admin, screen)
    labels = buttons(second)
    assert len(labels) == 1 + 6 + 2 and labels[-2:] == ["◀️ Sebelumnya", "◀️ Kembali"]
    assert not set(labels[1:-2]) & set(buttons(first)[1:-2])
    await admin.press(second, labels[-3])
    again = await edited(h, admin, screen)
    assert f"Perangkat daerah: {labels[-3]}" in again["text"]
    # A page that does not exist is a stale button.
    junk = await admin.press_data(screen["message_id"], f"ex:A:{NOVEMBER}:0:0:0:0:5")
    assert junk is not None and "tidak berlaku" in junk["text"]


async def test_kecamatan_coordinator_and_an_agency(harness: Harness) -> None:
    """Agencies are regency-wide: a kecamatan coordinator may pick any, and still gets only
    their own kecamatan's reports of it."""
    h = harness
    await world(h)
    coordinator = h.user(TAMAN, "Koordinator")
    screen = await filters_screen(h, coordinator)
    screen = await pick(h, coordinator, screen, "🏛 Perangkat daerah", "Bappeda")
    assert "Kecamatan: Taman" in screen["text"] and "Perangkat daerah: Bappeda" in screen["text"]
    rows = sheet_rows(await produce(h, coordinator, screen, XLSX))
    assert village_households(rows) == [("Asemdoyong", 12), ("Asemdoyong", 3)]
    # Dinas Kesehatan reported only in Watukumpul: nothing for Taman.
    screen = await pick(h, coordinator, screen, "🏛 Perangkat daerah", "Dinas Kesehatan")
    await coordinator.press(screen, XLSX)
    await h.sandbox.settle()
    assert "Tidak ada laporan terkirim" in coordinator.messages[screen["message_id"]]["text"]

    # Typed dates: the question carries their kecamatan; a tampered one is refused.
    known = await ids(h)
    periods = await command(h, coordinator, "/ekspor")
    await coordinator.press(periods, "🗓 Tanggal lain (ketik)")
    question = await coordinator.next_message()
    assert question["text"].startswith(f"📤🗓 #{known['Taman']}.0.0.0 ")
    await coordinator.send_text("1-11-2026 25-11-2026", reply_to=question["message_id"])
    screen = await coordinator.next_message()
    assert "Kecamatan: Taman" in screen["text"]
    rows = sheet_rows(await produce(h, coordinator, screen, XLSX))
    assert village_households(rows) == [("Asemdoyong", 12), ("Asemdoyong", 3)]


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

    # The packing holds after its first photo until someone else has been answered: were it
    # run on the event loop, that answer could never come and the wait would run out.
    other_answered = threading.Event()

    def slow(*args: Any, progress: Callable[[int, int], None], **kwargs: Any) -> Any:
        def tick(done: int, total: int) -> None:
            progress(done, total)
            if not other_answered.wait(timeout=30):
                raise AssertionError("nobody else was answered while the photos were packed")
            time.sleep(0.1)

        return write_photo_zips(*args, progress=tick, **kwargs)

    monkeypatch.setattr(exports, "write_photo_zips", slow)

    admin = h.user(ADMIN_ID, "Admin")
    staff = h.user(STAFF, "Staf")
    formats = await filters_screen(h, admin)
    await admin.press(formats, "Foto (ZIP)")
    # Someone else's message while the photos are being packed is answered at once: the
    # packing runs in a worker thread and holds only the admin's own chat.
    await admin.wait_for(lambda m: m.get("text", "").startswith("Mengemas foto:"), timeout=20)
    await staff.send_text("/bantuan")
    assert "/lapor" in (await staff.next_message(timeout=20))["text"]
    other_answered.set()
    await admin.wait_for(lambda m: "berkas ZIP" in m.get("text", ""), timeout=40)
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
