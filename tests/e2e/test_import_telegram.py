"""/impor: an admin sends a CSV/XLSX file, picks its kind, and gets what was imported."""

from __future__ import annotations

import io

from openpyxl import Workbook
from sqlalchemy import func, select

from models.agencies import Agency
from models.audit import AuditEntry
from tests.e2e.conftest import ADMIN_ID, Harness
from tests.e2e.factories import add_staff

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def _agencies(harness: Harness) -> int:
    async with harness.db() as session:
        return int(await session.scalar(select(func.count()).select_from(Agency)) or 0)


async def test_an_admin_imports_agencies_from_a_file(harness: Harness) -> None:
    admin = harness.user(ADMIN_ID, "Rina")
    await admin.send_text("/impor")
    assert "CSV atau XLSX" in (await admin.next_message())["text"]
    before = await _agencies(harness)

    good = (
        "name,short_name,kind\n"
        "Badan Perencanaan Pembangunan Daerah,Bappeda,badan\n"  # already there, unchanged
        "Dinas Perikanan,Diskan,dinas\n"
    )
    await admin.send_document(good.encode(), file_name="dinas.csv", mime_type=CSV)
    question = await admin.next_message()
    assert "dinas.csv" in question["text"]
    assert admin.button_texts(question["message_id"]) == [
        ["Wilayah", "Dinas"],
        ["Penugasan", "Kegiatan"],
    ]
    await admin.press(question, "Dinas")
    await harness.sandbox.settle()
    done = admin.find(question["message_id"])
    assert done is not None and "diimpor" in done["text"]
    assert "1 ditambah, 0 diubah, 1 tetap" in done["text"]
    assert await _agencies(harness) == before + 1
    # Pressed again: already imported, nothing more.
    answer = await admin.press_data(
        question["message_id"], question["reply_markup"]["inline_keyboard"][0][1]["callback_data"]
    )
    assert answer is not None and answer.get("show_alert") is True
    assert await _agencies(harness) == before + 1
    async with harness.db() as session:
        entries = (
            await session.scalars(
                select(AuditEntry)
                .where(
                    AuditEntry.actor_telegram_id == ADMIN_ID, AuditEntry.action.like("import.%")
                )
                .order_by(AuditEntry.id)
            )
        ).all()
    # The file received, then exactly one entry for the import, naming the admin and the file.
    assert [e.action for e in entries] == ["import.file_received", "import.agencies"]
    entry = entries[1]
    assert entry.target == f"#{entries[0].id} dinas.csv"
    assert entry.details == {"created": 1, "updated": 0, "unchanged": 1}


async def test_a_bad_file_lists_its_lines_and_writes_nothing(harness: Harness) -> None:
    admin = harness.user(ADMIN_ID, "Rina", language_code="en")
    before = await _agencies(harness)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["name", "short_name", "kind"])
    sheet.append(["Dinas Baru", "DB", "dinas"])
    for _n in range(25):
        sheet.append(["", "", "dinas"])  # 25 bad lines: name is required
    data = io.BytesIO()
    book.save(data)
    await admin.send_document(data.getvalue(), file_name="agencies.xlsx", mime_type=XLSX)
    question = await admin.next_message()
    await admin.press(question, "Agencies")
    await harness.sandbox.settle()
    text = (admin.find(question["message_id"]) or {})["text"]
    assert "rejected, nothing was saved" in text and "25 problems" in text
    assert "Line 3: 'name' is empty." in text and "Line 22:" in text and "Line 23:" not in text
    assert "… and 5 more." in text
    assert await _agencies(harness) == before


async def test_others_cannot_import_and_forged_buttons_are_refused(harness: Harness) -> None:
    await add_staff(harness, 2001)
    staff = harness.user(2001, "Budi")
    await staff.send_text("/impor")
    assert "hanya untuk admin" in (await staff.next_message())["text"]
    await staff.send_document(
        b"name,short_name,kind\nX,X,dinas\n", file_name="a.csv", mime_type=CSV
    )
    assert "hanya untuk admin" in (await staff.next_message())["text"]
    answer = await staff.press_data(1, "imp:1:agencies")
    assert answer is not None and answer.get("show_alert") is True

    admin = harness.user(ADMIN_ID, "Rina")
    await admin.send_document(
        b"name,short_name,kind\nX,X,dinas\n", file_name="a.csv", mime_type=CSV
    )
    question = await admin.next_message()
    for forged in ("imp:x:agencies", "imp:999999:agencies", "imp:1:boundaries", "imp:1"):
        answer = await admin.press_data(question["message_id"], forged)
        assert answer is not None and answer.get("show_alert") is True, forged
    async with harness.db() as session:
        assert (
            await session.scalar(
                select(func.count()).select_from(Agency).where(Agency.name == "X")
            )
            == 0
        )
