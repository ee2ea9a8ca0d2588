"""The whole evidence loop through the real application, nothing set in the database by
hand: staff report a visit (the evidence checks flag it), a coordinator who wants each
report hears of it at once, sends it back with a comment, the author opens it from the
coordinator's message, corrects it and sends version 2, the coordinator hears of that,
sees what changed, and verifies it."""

from __future__ import annotations

from sqlalchemy import select

from models.reports import Report, ReportVersion, ReviewAction, ReviewStatus
from models.users import ReviewNotify
from tests.e2e.conftest import Harness
from tests.e2e.factories import add_staff, jpeg
from tests.e2e.flows import (
    STAFF,
    answer,
    buttons,
    caught_up,
    fill_until_photos,
    finish_from_photos,
    press,
)
from tests.e2e.test_review import WATUKUMPUL, add_coordinator, card


async def test_report_sent_back_corrected_and_verified(harness: Harness) -> None:
    h = harness
    await add_staff(h, STAFF)
    await add_coordinator(h, WATUKUMPUL, "Watukumpul", ReviewNotify.EACH)
    staff = h.user(STAFF, "Budi")
    coordinator = h.user(WATUKUMPUL)

    # Staff: one activity, 12 households, one photo, a location 10.6 km from Majalangu.
    await fill_until_photos(h.sandbox, staff)
    await staff.send_photo(jpeg(seed=1))
    summary = await finish_from_photos(h.sandbox, staff)
    sent = await press(h.sandbox, staff, summary, "✅ Kirim")
    assert "Laporan terkirim" in sent["text"]
    async with h.db() as session:
        report = await session.scalar(select(Report))
        assert report is not None and report.reference is not None
        reference, report_id = report.reference, report.id
        # The evidence checks ran at sending: far from the village, no EXIF.
        assert [f["kind"] for f in report.flags or []] == ["location_far", "no_exif"]

    # The coordinator hears of it at once, and opens the queue from the notice.
    await h.sandbox.settle()
    notice = next(m for m in coordinator.inbox if reference in str(m.get("text")))
    await coordinator.press(notice, buttons(notice)[0])
    await h.sandbox.settle()
    first = card(coordinator)
    assert f"{reference} · versi 1" in first["text"]
    assert "📍 Lokasi 10,6 km dari pusat desa" in first["text"]

    # Sent back with a comment.
    await press(h.sandbox, coordinator, first, "✏️ Perlu perbaikan")
    await answer(coordinator, "Jumlah KK seharusnya 14, mohon diperbaiki.")

    # The author opens the report from the coordinator's message and corrects it.
    await h.sandbox.settle()
    request = next(m for m in staff.inbox if "Jumlah KK seharusnya 14" in str(m.get("text")))
    await staff.press(request, "✏️ Perbaiki laporan")
    correction = await caught_up(h.sandbox, staff)
    assert f"Periksa perbaikan {reference}" in correction["text"]
    edit_menu = await press(h.sandbox, staff, correction, "✏️ Ubah")
    await press(h.sandbox, staff, edit_menu, "Penerima ")
    await answer(staff, "14")
    summary = await answer(staff, "40")
    assert "KK: 12 → 14" in summary["text"]
    resent = await press(h.sandbox, staff, summary, "✅ Kirim")
    assert "Perbaikan terkirim" in resent["text"] and "versi 2" in resent["text"]

    # The coordinator hears of version 2, sees what changed, and verifies it.
    await h.sandbox.settle()
    notices = [m for m in coordinator.inbox if reference in str(m.get("text"))]
    assert any("versi 2" in str(m.get("text")) for m in notices)
    await coordinator.send_text("/tinjau")
    await caught_up(h.sandbox, coordinator)
    second = card(coordinator)
    assert f"{reference} · versi 2" in second["text"]
    assert "KK: 12 → 14" in second["text"]
    await coordinator.press(second, "✅ Terverifikasi")
    await h.sandbox.settle()

    async with h.db() as session:
        report = await session.get(Report, report_id)
        assert report is not None
        assert (report.version, report.review_status) == (2, ReviewStatus.VERIFIED)
        versions = (
            await session.scalars(
                select(ReportVersion)
                .where(ReportVersion.report_id == report_id)
                .order_by(ReportVersion.version)
            )
        ).all()
        assert [v.content["activities"][0]["households"] for v in versions] == [12, 14]
        assert all(v.flags for v in versions), "each version keeps its own checks"
        actions = (await session.scalars(select(ReviewAction).order_by(ReviewAction.id))).all()
        assert [(a.version, a.action) for a in actions] == [
            (1, ReviewStatus.NEEDS_CORRECTION),
            (2, ReviewStatus.VERIFIED),
        ]
