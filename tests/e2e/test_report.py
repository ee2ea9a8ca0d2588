"""The visit report form end to end, through the sandbox: the happy path, albums, EXIF files,
back and edit, cancelling, wrong input at every step, forged buttons, and history."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from sqlalchemy import func, select

from models.reports import Photo, Report, ReportActivity, ReportStatus
from tests.conftest import JAKARTA
from tests.e2e.conftest import Harness
from tests.e2e.factories import (
    add_agency,
    add_staff,
    draft_activities,
    gps_exif,
    jpeg,
    photo_count,
)
from tests.e2e.flows import (
    MONTHS_ID,
    STAFF,
    answer,
    buttons,
    caught_up,
    fill_until_photos,
    finish_from_photos,
    press,
    refused,
    today,
)


async def test_full_report_with_album_and_file(harness: Harness) -> None:
    h = harness
    await add_staff(h, STAFF)
    user = h.user(STAFF, "Budi")
    await fill_until_photos(h.sandbox, user)

    # An album of 5 photos arrives as 5 updates with one media_group_id.
    await user.send_album([jpeg(seed=i) for i in range(5)])
    assert "5 foto diterima" in (await caught_up(h.sandbox, user))["text"]

    # A photo sent as a file keeps its EXIF: capture time and GPS are stored.
    taken = datetime(2026, 11, 20, 9, 30)
    await user.send_document(
        jpeg(1200, 900, seed=99, exif=gps_exif(-7.05, 109.4, taken)),
        file_name="IMG_0001.jpg",
        mime_type="image/jpeg",
    )
    assert "6 foto diterima" in (await caught_up(h.sandbox, user))["text"]

    summary = await finish_from_photos(h.sandbox, user)
    assert (
        "Majalangu" in summary["text"]
        and "12 KK" in summary["text"]
        and "40 jiwa" in summary["text"]
    )
    sent = await press(h.sandbox, user, summary, "✅ Kirim")
    assert "Laporan terkirim" in sent["text"]
    assert f"LPR-{today().year}-" in sent["text"]

    async with h.db() as session:
        report = await session.scalar(
            select(Report).where(Report.status == ReportStatus.SUBMITTED)
        )
        assert report is not None and report.reference in sent["text"]
        assert report.visit_date == today()
        assert (report.latitude, report.longitude, report.location_accuracy) == (
            -7.1234,
            109.3456,
            12.5,
        )
        assert report.location_live is False and report.location_forwarded is False
        photos = (await session.scalars(select(Photo).order_by(Photo.id))).all()
        assert len(photos) == 6
        assert [p.source for p in photos] == ["photo"] * 5 + ["document"]
        exif_photo = photos[-1]
        assert exif_photo.exif_latitude is not None and abs(exif_photo.exif_latitude + 7.05) < 1e-3
        assert (
            exif_photo.exif_longitude is not None and abs(exif_photo.exif_longitude - 109.4) < 1e-3
        )
        assert exif_photo.taken_at is not None
        assert exif_photo.taken_at.astimezone(JAKARTA).replace(tzinfo=None) == taken
        assert all(p.taken_at is None for p in photos[:5])  # Telegram strips EXIF from photos
        for photo in photos:
            assert h.app.photo_store.path(photo.archive_path).is_file()
            assert h.app.photo_store.path(photo.thumb_path).is_file()


async def test_two_activities_keep_their_own_photos(harness: Harness) -> None:
    h = harness
    await add_staff(h, STAFF)
    user = h.user(STAFF, "Budi")
    await fill_until_photos(h.sandbox, user)
    await user.send_photo(jpeg(seed=1))
    status = await caught_up(h.sandbox, user)
    ask_strategy = await press(h.sandbox, user, status, "\u2795 Tambah kegiatan lain")
    assert "Kegiatan 2" in ask_strategy["text"]
    ask_activity = await press(
        h.sandbox, user, ask_strategy, "3. Pengurangan kantong-kantong kemiskinan"
    )
    await press(h.sandbox, user, ask_activity, "Jamban / sanitasi")
    await answer(user, "3")
    await answer(user, "12")
    await answer(user, "Memeriksa pembangunan 3 jamban sehat.")
    await user.send_album([jpeg(seed=10), jpeg(seed=11)])
    await h.sandbox.settle()
    summary = await finish_from_photos(h.sandbox, user)
    assert "Kegiatan 2" in summary["text"] and "Jamban / sanitasi" in summary["text"]
    await press(h.sandbox, user, summary, "✅ Kirim")
    async with h.db() as session:
        activities = (
            await session.scalars(select(ReportActivity).order_by(ReportActivity.position))
        ).all()
        assert [a.strategy for a in activities] == [
            "pengurangan_beban",
            "pengurangan_kantong_kemiskinan",
        ]
        counts = [
            await session.scalar(
                select(func.count()).select_from(Photo).where(Photo.activity_id == a.id)
            )
            for a in activities
        ]
        assert counts == [1, 2]


async def test_wrong_input_at_every_step_keeps_the_draft(harness: Harness) -> None:
    h = harness
    await add_staff(h, STAFF)
    user = h.user(STAFF, "Budi")
    first_question = await answer(user, "/lapor")
    ask_village = await refused(h.sandbox, user, user.send_text("Majalangu"), "tombol")
    await press(h.sandbox, user, ask_village, "Pagergunung")

    tomorrow = today() + timedelta(days=1)
    await refused(h.sandbox, user, user.send_text(tomorrow.strftime("%d/%m/%Y")), "masa depan")
    old = today() - timedelta(days=45)
    await refused(h.sandbox, user, user.send_text(old.strftime("%d-%m-%Y")), "lebih dari 30 hari")
    await refused(h.sandbox, user, user.send_text("kapan-kapan"), "tidak dapat dibaca")
    await refused(h.sandbox, user, user.send_sticker(), "teks yang diketik")
    typed = today() - timedelta(days=2)
    ask_strategy = await answer(user, f"{typed.day} {MONTHS_ID[typed.month - 1]} {typed.year}")
    assert "Strategi" in ask_strategy["text"]

    ask_activity = await press(
        h.sandbox, user, ask_strategy, "2. Peningkatan pendapatan masyarakat"
    )
    await press(h.sandbox, user, ask_activity, "✏️ Lainnya…")
    await refused(h.sandbox, user, user.send_text("x" * 300), "terlalu panjang")
    await answer(user, "Pelatihan menjahit")
    await refused(h.sandbox, user, user.send_text("dua belas"), "sebagai angka")
    await refused(h.sandbox, user, user.send_text("-3"), "negatif")
    await refused(h.sandbox, user, user.send_text("2,5"), "bilangan bulat")
    await refused(h.sandbox, user, user.send_text("999999"), "terlalu besar")
    await answer(user, "7")
    await refused(h.sandbox, user, user.send_text("5"), "7 KK")
    await answer(user, "9")
    await refused(h.sandbox, user, user.send_text("a" * 5000), "paling banyak 1.000")
    await refused(h.sandbox, user, user.send_text("pendek"), "paling sedikit 10")
    await answer(user, "Pelatihan menjahit untuk 7 ibu rumah tangga.")

    # Photo step: a sticker, a video, a PDF, a corrupt JPEG: each refused, none stored.
    await refused(h.sandbox, user, user.send_sticker(), "Stiker")
    await refused(h.sandbox, user, user.send_video(), "Stiker, video")
    await refused(
        h.sandbox,
        user,
        user.send_document(
            b"%PDF-1.4 not an image", file_name="surat.pdf", mime_type="application/pdf"
        ),
        "bukan gambar",
    )
    await refused(
        h.sandbox,
        user,
        user.send_document(jpeg(seed=5)[:300], file_name="rusak.jpg", mime_type="image/jpeg"),
        "rusak",
    )
    async with h.db() as session:
        assert await photo_count(session) == 0
        draft = await session.scalar(select(Report).where(Report.status == ReportStatus.DRAFT))
        assert draft is not None and draft.visit_date == typed
        assert draft.form_state["step"] == "photos"
        [activity] = await draft_activities(session)
        assert (activity.activity_other, activity.households, activity.people) == (
            "Pelatihan menjahit",
            7,
            9,
        )
    await user.send_photo(jpeg(seed=6))
    assert "1 foto diterima" in (await user.next_message())["text"]
    # A button of an old message (the first village question) is refused; the draft stays.
    answer_ = await user.press(first_question, "Majalangu")
    assert answer_ is not None and answer_.get("show_alert") is True
    async with h.db() as session:
        draft = await session.scalar(select(Report).where(Report.status == ReportStatus.DRAFT))
        assert draft is not None and draft.village is not None
        assert draft.village.name == "Pagergunung"
        assert await photo_count(session) == 1


async def test_forged_village_of_another_agency_is_refused(harness: Harness) -> None:
    h = harness
    await add_staff(h, STAFF)
    user = h.user(STAFF, "Budi")
    ask_village = await answer(user, "/lapor")
    async with h.db() as session:
        from models.regions import Village

        foreign = await session.scalar(select(Village).where(Village.name == "Beji"))
        assert foreign is not None
    result = await user.press_data(ask_village["message_id"], f"rp:v:{foreign.id}")
    assert result is not None and result.get("show_alert") is True
    assert "bukan desa dampingan" in result.get("text", "")
    async with h.db() as session:
        draft = await session.scalar(select(Report).where(Report.status == ReportStatus.DRAFT))
        assert draft is not None and draft.village_id is None


async def test_back_and_change_from_summary(harness: Harness) -> None:
    h = harness
    await add_staff(h, STAFF)
    user = h.user(STAFF, "Budi")
    ask_photos = await fill_until_photos(h.sandbox, user)
    # Back from photos to the description, and on again.
    ask_description = await press(h.sandbox, user, ask_photos, "◀️ Kembali")
    assert "Uraikan" in ask_description["text"]
    await answer(user, "Uraian yang diperbaiki: 12 KK didaftarkan PBI JKN.")
    await user.send_photo(jpeg(seed=3))
    await user.next_message()
    summary = await finish_from_photos(h.sandbox, user)

    edit_menu = await press(h.sandbox, user, summary, "✏️ Ubah")
    ask_households = await press(h.sandbox, user, edit_menu, "Penerima ")
    assert "keluarga" in ask_households["text"]
    await answer(user, "15")
    summary2 = await answer(user, "50")
    assert "Periksa laporan" in summary2["text"] and "15 KK" in summary2["text"]

    edit_menu = await press(h.sandbox, user, summary2, "✏️ Ubah")
    ask_village = await press(h.sandbox, user, edit_menu, "Desa")
    summary3 = await press(h.sandbox, user, ask_village, "Asemdoyong")
    assert "Asemdoyong" in summary3["text"] and "15 KK" in summary3["text"]
    sent = await press(h.sandbox, user, summary3, "✅ Kirim")
    assert "Laporan terkirim" in sent["text"]


async def test_cancel_deletes_the_draft(harness: Harness) -> None:
    h = harness
    await add_staff(h, STAFF)
    user = h.user(STAFF, "Budi")
    await fill_until_photos(h.sandbox, user)
    await user.send_photo(jpeg(seed=4))
    await user.next_message()
    cancelled = await answer(user, "/batal")
    assert "dibatalkan" in cancelled["text"]
    async with h.db() as session:
        assert await session.scalar(select(func.count()).select_from(Report)) == 0
        assert await photo_count(session) == 0


async def test_staff_without_assignment_is_told_whom_to_ask(harness: Harness) -> None:
    h = harness
    await add_agency(h, "Dinas Perikanan")
    await add_staff(h, 2500, "Dinas Perikanan")
    user = h.user(2500, "Ikan")
    reply = await answer(user, "/lapor")
    assert "belum mempunyai desa" in reply["text"] and "Bappeda" in reply["text"]


async def test_history_lists_and_shows_reports(harness: Harness) -> None:
    h = harness
    await add_staff(h, STAFF)
    user = h.user(STAFF, "Budi")
    await fill_until_photos(h.sandbox, user)
    await user.send_album([jpeg(seed=20), jpeg(seed=21)])
    await h.sandbox.settle()
    summary = await finish_from_photos(h.sandbox, user)
    sent = await press(h.sandbox, user, summary, "✅ Kirim")
    listing = await answer(user, "/riwayat")
    reference = next(b for b in buttons(listing))
    assert reference in sent["text"] and "Majalangu" in listing["text"]
    await user.press(listing, reference)
    details = await user.next_message()
    assert reference in details["text"]
    await h.sandbox.settle()
    photos = [m for m in user.inbox if "photo" in m and reference in (m.get("caption") or "")]
    assert photos, "the album of the report was not sent"
    # Someone else's report cannot be opened with a forged button.
    await add_staff(h, 2002)
    other = h.user(2002, "Lain")
    async with h.db() as session:
        report_id = await session.scalar(select(Report.id))
    result = await other.press_data(1, f"rh:{report_id}") if other.inbox else None
    await other.send_text("/riwayat")
    await other.next_message()
    result = await other.press_data(other.last_message()["message_id"], f"rh:{report_id}")
    assert result is not None and result.get("show_alert") is True


async def test_simultaneous_submissions_both_land(harness: Harness) -> None:
    h = harness
    users = []
    for telegram_id in (2101, 2102):
        await add_staff(h, telegram_id)
        user = h.user(telegram_id, f"S{telegram_id}")
        await fill_until_photos(h.sandbox, user)
        await user.send_photo(jpeg(seed=telegram_id))
        await user.next_message()
        users.append((user, await finish_from_photos(h.sandbox, user)))
    await asyncio.gather(*(u.press(summary, "✅ Kirim") for u, summary in users))
    await h.sandbox.settle()
    async with h.db() as session:
        references = (
            await session.scalars(
                select(Report.reference).where(Report.status == ReportStatus.SUBMITTED)
            )
        ).all()
        assert len(references) == 2 and len(set(references)) == 2


async def test_photo_limits_and_bad_files_keep_received_photos(harness: Harness) -> None:
    h = harness
    await add_staff(h, STAFF)
    user = h.user(STAFF, "Budi")
    await fill_until_photos(h.sandbox, user)
    await user.send_album([jpeg(seed=30 + i) for i in range(10)])
    assert "10 foto diterima" in (await caught_up(h.sandbox, user))["text"]
    # An eleventh photo is refused with the reason, and the ten photos stay.
    await refused(h.sandbox, user, user.send_photo(jpeg(seed=99)), "batas maksimal")
    async with h.db() as session:
        assert await photo_count(session) == 10


async def test_oversized_and_corrupt_files_after_a_photo(harness: Harness) -> None:
    h = harness
    await add_staff(h, STAFF)
    user = h.user(STAFF, "Budi")
    await fill_until_photos(h.sandbox, user)
    await user.send_photo(jpeg(seed=40))
    await caught_up(h.sandbox, user)
    huge = b"\xff\xd8\xff\xe0" + bytes(21 * 1024 * 1024)
    await refused(
        h.sandbox,
        user,
        user.send_document(huge, file_name="besar.jpg", mime_type="image/jpeg"),
        "terlalu besar",
    )
    await refused(
        h.sandbox,
        user,
        user.send_document(b"\xff\xd8\xff\xe0garbage", file_name="x.jpg", mime_type="image/jpeg"),
        "rusak",
    )
    async with h.db() as session:
        assert await photo_count(session) == 1
    # No download of the oversized file was even attempted.
    assert all(
        (r.response or {}).get("result", {}).get("file_size", 0) < 20 * 1024 * 1024
        for r in h.sandbox.calls("getFile")
    )


async def test_user_text_cannot_inject_markup(harness: Harness) -> None:
    h = harness
    await add_staff(h, STAFF)
    user = h.user(STAFF, "Budi")
    await answer(user, "/lapor")
    ask_date = await press(h.sandbox, user, user.last_message(), "Majalangu")
    ask_strategy = await press(h.sandbox, user, ask_date, buttons(ask_date)[0])
    explained = await user.press(ask_strategy, "rp:s:info")  # the explain button
    assert explained is not None
    assert "Tiga strategi Inpres 4/2022" in (await user.next_message())["text"]
    ask_activity = await press(
        h.sandbox, user, ask_strategy, "1. Pengurangan beban pengeluaran masyarakat"
    )
    await press(h.sandbox, user, ask_activity, "✏️ Lainnya…")
    await answer(user, "<b>Bold</b> & <i>co</i>")
    await answer(user, "3")
    await answer(user, "5")
    await answer(user, "Uraian dengan <a href='x'>tautan</a> & *bintang* _garis_ `kode`.")
    await user.send_photo(jpeg(seed=50))
    summary = await finish_from_photos(h.sandbox, user)
    # Shown literally, not as formatting (and Telegram accepted the message).
    assert "<b>Bold</b> & <i>co</i>" in summary["text"]
    assert "<a href='x'>tautan</a> & *bintang*" in summary["text"]
    bold = [e for e in summary.get("entities", []) if e["type"] == "bold"]
    assert all(summary["text"][e["offset"] : e["offset"] + e["length"]] != "Bold" for e in bold)


async def test_form_in_english_and_only_for_staff(harness: Harness) -> None:
    h = harness
    await add_staff(h, 2600, language="en")
    user = h.user(2600, "Alex", language_code="en")
    ask_village = await answer(user, "/report")
    assert "Which village" in ask_village["text"]
    ask_date = await press(h.sandbox, user, ask_village, "Majalangu")
    assert "Date of the visit" in ask_date["text"] and "Today" in buttons(ask_date)[0]
    tomorrow = today() + timedelta(days=1)
    await refused(h.sandbox, user, user.send_text(tomorrow.strftime("%d/%m/%Y")), "future")

    admin = h.user(1001, "Rina")
    assert "hanya untuk petugas lapangan" in (await answer(admin, "/lapor"))["text"]


async def test_live_and_forwarded_locations_are_recorded_as_such(harness: Harness) -> None:
    h = harness
    await add_staff(h, STAFF)
    user = h.user(STAFF, "Budi")
    await fill_until_photos(h.sandbox, user)
    await user.send_photo(jpeg(seed=60))
    status = await caught_up(h.sandbox, user)
    await press(h.sandbox, user, status, buttons(status)[0])
    await user.send_location(-7.2, 109.3, live_period=900, forwarded=True)
    await caught_up(h.sandbox, user)
    async with h.db() as session:
        draft = await session.scalar(select(Report))
        assert draft is not None
        assert (draft.latitude, draft.longitude) == (-7.2, 109.3)
        assert draft.location_live is True and draft.location_forwarded is True
