"""Corrections end to end, through the sandbox: a report sent back by a coordinator is
opened from /riwayat, changed and resent as version 2 under the same reference, with every
version kept; the digest counts the latest version only; the author may correct within 24
hours unless verified; others' and forged buttons are refused; an open draft comes first;
a restart in the middle of a correction keeps it."""

from __future__ import annotations

import os
from datetime import timedelta

from sqlalchemy import func, select

from core.clock import Clock
from jobs.maintenance import sweep_orphaned_photos
from models.audit import AuditEntry
from models.digests import digest_data, week_of
from models.reports import (
    Photo,
    Report,
    ReportActivity,
    ReportStatus,
    ReportVersion,
    ReviewAction,
    ReviewStatus,
)
from sandbox import SandboxUser
from sandbox.server import JSONDict
from tests.conftest import TEST_NOW
from tests.e2e.conftest import Harness
from tests.e2e.factories import add_staff, draft_activities, jpeg
from tests.e2e.flows import (
    STAFF,
    answer,
    buttons,
    caught_up,
    fill_until_photos,
    finish_from_photos,
    press,
)

VISIT = TEST_NOW.date()
CHANGES = "KK: 12 → 14; foto: +1"
REPLACED = "foto: +1, \u22121"  # one added, one removed (a minus sign)


async def send_report(h: Harness, user: SandboxUser) -> tuple[int, str]:
    """One activity, 12 households, one photo; returns the report's id and reference."""
    await fill_until_photos(h.sandbox, user)
    await user.send_photo(jpeg(seed=1))
    summary = await finish_from_photos(h.sandbox, user)
    sent = await press(h.sandbox, user, summary, "✅ Kirim")
    assert "Laporan terkirim" in sent["text"]
    async with h.db() as session:
        report = await session.scalar(
            select(Report).where(Report.status == ReportStatus.SUBMITTED)
        )
        assert report is not None and report.reference is not None
        assert report.reference in sent["text"]
        return report.id, report.reference


async def send_back(h: Harness, report_id: int, comment: str) -> None:
    """What a coordinator's "needs correction" does (the review itself is tested elsewhere)."""
    async with h.db() as session:
        report = await session.get(Report, report_id)
        assert report is not None
        report.review_status = ReviewStatus.NEEDS_CORRECTION
        session.add(
            ReviewAction(
                report_id=report_id,
                version=report.version,
                reviewer_id=report.user_id,
                action=ReviewStatus.NEEDS_CORRECTION,
                comment=comment,
            )
        )
        await session.commit()


async def versions_in_history(h: Harness, user: SandboxUser, reference: str) -> JSONDict:
    """/riwayat, then the report's details; returns the message listing its versions."""
    listing = await answer(user, "/riwayat")
    await user.press(listing, reference)
    # The versions come before the photos: everything is read, the versions returned.
    await caught_up(h.sandbox, user)
    return next(m for m in reversed(user.inbox) if "Versi laporan" in str(m.get("text")))


async def households_in_digest(h: Harness) -> tuple[int, int]:
    """(visits, households) of the visit's week, as the weekly digest counts them."""
    async with h.db() as session:
        data = await digest_data(session, kecamatan_id=None, period=week_of(VISIT), today=VISIT)
    return data.current.visits, data.current.households


async def open_correction(h: Harness, user: SandboxUser, report_id: int | str) -> JSONDict:
    """Presses the button a coordinator's message carries; returns the bot's reply."""
    await user.press_data(user.last_message()["message_id"], f"rp:fix:{report_id}")
    return await caught_up(h.sandbox, user)


async def drafts(h: Harness) -> list[Report]:
    async with h.db() as session:
        return list(
            (
                await session.scalars(select(Report).where(Report.status == ReportStatus.DRAFT))
            ).all()
        )


async def test_sent_back_report_is_corrected_into_version_2(
    harness: Harness, clock: Clock
) -> None:
    h = harness
    await add_staff(h, STAFF)
    user = h.user(STAFF, "Budi")
    report_id, reference = await send_report(h, user)
    await send_back(h, report_id, "Jumlah KK seharusnya 14, fotonya kurang.")
    # Days later: only the coordinator's request allows a correction now.
    clock.advance(timedelta(days=3))

    history = await versions_in_history(h, user, reference)
    assert "perlu perbaikan" in history["text"]
    assert "Jumlah KK seharusnya 14" in history["text"]
    assert "v1 · dikirim" in history["text"]
    summary = await press(h.sandbox, user, history, "✏️ Perbaiki")
    assert f"Periksa perbaikan {reference}" in summary["text"]
    assert "versi 1 → 2" in summary["text"] and "tidak ada perubahan" in summary["text"]
    assert "12 KK" in summary["text"] and "Majalangu" in summary["text"]
    assert "✅ Kirim" in buttons(summary)

    edit_menu = await press(h.sandbox, user, summary, "✏️ Ubah")
    await press(h.sandbox, user, edit_menu, "Penerima ")
    await answer(user, "14")
    summary = await answer(user, "40")
    assert "14 KK" in summary["text"] and "KK: 12 → 14" in summary["text"]
    edit_menu = await press(h.sandbox, user, summary, "✏️ Ubah")
    ask_photos = await press(h.sandbox, user, edit_menu, "Foto ")
    assert "Sudah diterima: 1 foto" in ask_photos["text"]
    await user.send_photo(jpeg(seed=2))
    received = await caught_up(h.sandbox, user)
    assert "2 foto diterima" in received["text"]
    summary = await press(h.sandbox, user, received, "✅ Selesai (2 foto)")
    assert CHANGES in summary["text"]

    # While the correction is a draft, the digest still counts the version sent.
    assert await households_in_digest(h) == (1, 12)

    sent = await press(h.sandbox, user, summary, "✅ Kirim")
    assert "Perbaikan terkirim" in sent["text"]
    assert reference in sent["text"] and "versi 2" in sent["text"] and CHANGES in sent["text"]

    async with h.db() as session:
        assert await session.scalar(select(func.count()).select_from(Report)) == 1
        report = await session.get(Report, report_id)
        assert report is not None
        assert (report.reference, report.version) == (reference, 2)
        assert report.review_status is ReviewStatus.RESUBMITTED
        # The latest version's time (the 24-hour window and the history's order read it).
        assert report.submitted_at is not None
        assert abs(report.submitted_at - clock.now()) < timedelta(minutes=1)
        activities = (
            await session.scalars(
                select(ReportActivity).where(ReportActivity.report_id == report_id)
            )
        ).all()
        assert [a.households for a in activities] == [14]
        photos = (await session.scalars(select(Photo).order_by(Photo.id))).all()
        assert len(photos) == 2
        versions = (
            await session.scalars(select(ReportVersion).order_by(ReportVersion.version))
        ).all()
        assert [v.version for v in versions] == [1, 2]
        assert [v.content["activities"][0]["households"] for v in versions] == [12, 14]
        assert [len(v.content["activities"][0]["photos"]) for v in versions] == [1, 2]
        # The first sending's time stays with version 1.
        assert versions[1].submitted_at - versions[0].submitted_at > timedelta(days=2)
        audit = (
            await session.scalars(
                select(AuditEntry).where(AuditEntry.action == "report.corrected")
            )
        ).all()
        assert [(a.target, a.details) for a in audit] == [(reference, {"version": 2})]
        for photo in photos:
            assert h.app.photo_store.path(photo.archive_path).is_file()

    # The digest counts the latest version only: one visit, 14 households.
    assert await households_in_digest(h) == (1, 14)

    listing = await answer(user, "/riwayat")
    assert "v2 · ⏳ perbaikan menunggu pemeriksaan" in listing["text"]
    history = await versions_in_history(h, user, reference)
    assert "v1 · dikirim" in history["text"]
    assert "v2 · dikirim" in history["text"] and CHANGES in history["text"]
    # Just sent again: the author may still correct it within 24 hours.
    assert "✏️ Perbaiki" in buttons(history)


async def test_self_correction_within_24_hours_only_and_never_once_verified(
    harness: Harness, clock: Clock
) -> None:
    h = harness
    await add_staff(h, STAFF)
    user = h.user(STAFF, "Budi")
    report_id, reference = await send_report(h, user)
    history = await versions_in_history(h, user, reference)
    assert "menunggu pemeriksaan" in history["text"]
    summary = await press(h.sandbox, user, history, "✏️ Perbaiki")
    assert f"Periksa perbaikan {reference}" in summary["text"]

    # A photo added, then the correction cancelled: the added file goes, the sent one stays.
    edit_menu = await press(h.sandbox, user, summary, "✏️ Ubah")
    await press(h.sandbox, user, edit_menu, "Foto ")
    await user.send_photo(jpeg(seed=7))
    received = await caught_up(h.sandbox, user)
    async with h.db() as session:
        [activity] = await draft_activities(session)
        copied, added = activity.photos
    summary = await press(h.sandbox, user, received, "✅ Selesai (2 foto)")
    confirm = await press(h.sandbox, user, summary, "✖️ Batal")
    assert "Laporan yang sudah terkirim tetap" in confirm["text"]
    cancelled = await press(h.sandbox, user, confirm, "Ya, buang")
    assert "Perbaikan dibatalkan" in cancelled["text"]
    store = h.app.photo_store
    assert store.path(copied.archive_path).is_file() and store.path(copied.thumb_path).is_file()
    assert not store.path(added.archive_path).exists()
    assert await drafts(h) == []
    async with h.db() as session:
        report = await session.get(Report, report_id)
        assert report is not None and report.version == 1
        assert await session.scalar(select(func.count()).select_from(Photo)) == 1

    # 25 hours after sending, unasked: refused, and no draft is made.
    clock.advance(timedelta(hours=25))
    refusal = await open_correction(h, user, report_id)
    assert "lebih dari 24 jam" in refusal["text"] and reference in refusal["text"]
    assert await drafts(h) == []
    history = await versions_in_history(h, user, reference)
    assert "✏️ Perbaiki" not in buttons(history)

    # Within the 24 hours but verified by a coordinator: refused as well.
    clock.advance(timedelta(hours=-24))
    async with h.db() as session:
        report = await session.get(Report, report_id)
        assert report is not None
        report.review_status = ReviewStatus.VERIFIED
        await session.commit()
    refusal = await open_correction(h, user, report_id)
    assert "sudah diverifikasi" in refusal["text"]
    assert await drafts(h) == []


async def test_someone_elses_or_a_forged_button_is_refused(harness: Harness) -> None:
    h = harness
    await add_staff(h, STAFF)
    await add_staff(h, 2002)
    author = h.user(STAFF, "Budi")
    report_id, _ = await send_report(h, author)
    await send_back(h, report_id, "Mohon diperbaiki.")
    other = h.user(2002, "Lain")
    await answer(other, "/riwayat")
    for data in (str(report_id), "999999", "abc", "1x", ""):
        refusal = await open_correction(h, other, data)
        assert "tidak ditemukan di antara laporan Anda" in refusal["text"], data
    assert await drafts(h) == []


async def test_an_open_draft_comes_first(harness: Harness) -> None:
    h = harness
    await add_staff(h, STAFF)
    user = h.user(STAFF, "Budi")
    report_id, reference = await send_report(h, user)
    await send_back(h, report_id, "Mohon diperbaiki.")
    ask_village = await answer(user, "/lapor")
    assert "Desa/kelurahan mana" in ask_village["text"]

    await user.press_data(ask_village["message_id"], f"rp:fix:{report_id}")
    await h.sandbox.settle()
    told = [m["text"] for m in user.inbox[-2:]]
    assert "masih mengisi laporan lain" in told[0] and "/batal" in told[0]
    assert "Desa/kelurahan mana" in told[1], "the open question is asked again"
    [draft] = await drafts(h)
    assert draft.corrects_id is None

    await answer(user, "/batal")
    summary = await open_correction(h, user, report_id)
    assert f"Periksa perbaikan {reference}" in summary["text"]
    # The same button again shows the correction where it stands, without a second draft.
    again = await open_correction(h, user, report_id)
    assert f"Periksa perbaikan {reference}" in again["text"]
    [draft] = await drafts(h)
    assert draft.corrects_id == report_id


async def test_a_restart_in_the_middle_of_a_correction_keeps_it(harness: Harness) -> None:
    h = harness
    await add_staff(h, STAFF)
    user = h.user(STAFF, "Budi")
    report_id, reference = await send_report(h, user)
    await send_back(h, report_id, "Mohon diperbaiki.")
    summary = await open_correction(h, user, report_id)
    edit_menu = await press(h.sandbox, user, summary, "✏️ Ubah")
    await press(h.sandbox, user, edit_menu, "Penerima ")
    ask_people = await answer(user, "14")
    assert "orang/jiwa" in ask_people["text"]

    await h.restart()
    summary = await answer(user, "40")
    assert f"Periksa perbaikan {reference}" in summary["text"]
    assert "KK: 12 → 14" in summary["text"]
    sent = await press(h.sandbox, user, summary, "✅ Kirim")
    assert "Perbaikan terkirim" in sent["text"] and "versi 2" in sent["text"]
    async with h.db() as session:
        report = await session.get(Report, report_id)
        assert report is not None and report.version == 2
    assert await drafts(h) == []
    assert await households_in_digest(h) == (1, 14)


async def test_a_photo_replaced_in_a_correction_stays_for_version_1(
    harness: Harness, clock: Clock
) -> None:
    h = harness
    await add_staff(h, STAFF)
    user = h.user(STAFF, "Budi")
    report_id, _ = await send_report(h, user)
    async with h.db() as session:
        [first] = (await session.scalars(select(Photo))).all()
    summary = await open_correction(h, user, report_id)
    edit_menu = await press(h.sandbox, user, summary, "✏️ Ubah")
    ask_photos = await press(h.sandbox, user, edit_menu, "Foto ")
    cleared = await press(h.sandbox, user, ask_photos, "🗑 Hapus foto kegiatan ini")
    assert "Sudah diterima: 0 foto" in cleared["text"]
    await user.send_photo(jpeg(seed=5))
    received = await caught_up(h.sandbox, user)
    summary = await press(h.sandbox, user, received, "✅ Selesai (1 foto)")
    assert REPLACED in summary["text"]
    sent = await press(h.sandbox, user, summary, "✅ Kirim")
    assert "Perbaikan terkirim" in sent["text"] and REPLACED in sent["text"]

    store = h.app.photo_store
    async with h.db() as session:
        [second] = (await session.scalars(select(Photo))).all()
    assert second.sha256 != first.sha256
    # Version 1 still points at its photo: neither the correction nor the nightly sweep of
    # files no row points at may delete it.
    files = [
        store.path(p) for photo in (first, second) for p in (photo.archive_path, photo.thumb_path)
    ]
    for path in files:
        # Written long ago by the test clock, so the sweep looks at them at all.
        moment = (clock.now() - timedelta(days=40)).timestamp()
        os.utime(path, (moment, moment))
    swept = await sweep_orphaned_photos(h.app)
    assert swept.files == 0
    for photo in (first, second):
        assert store.path(photo.archive_path).is_file()
        assert store.path(photo.thumb_path).is_file()
