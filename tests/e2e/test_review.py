"""Review by coordinators end to end: the queue and its card, verifying, sending a report
back with a comment (kept across a restart), scope and forged buttons, notifications."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from core import clock
from jobs import review_notices
from models import drafts
from models.audit import AuditEntry
from models.deliveries import Delivery, DeliveryStatus
from models.drafts import DraftActivity, DraftPhoto
from models.outbox import OutboxMessage
from models.regions import Kecamatan, Village
from models.reports import (
    Report,
    ReportActivity,
    ReportVersion,
    ReviewAction,
    ReviewStatus,
    new_draft,
    snapshot,
    submit,
)
from models.users import ReviewNotify, Role, User, get_user
from sandbox import SandboxUser
from sandbox.server import JSONDict
from services import outbox
from tests.conftest import JAKARTA, TEST_NOW
from tests.e2e.conftest import ADMIN_ID, Harness
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

WATUKUMPUL, TAMAN, WATUKUMPUL_2, REGENCY = 3101, 3102, 3103, 3104
# The form shares -7.1234, 109.3456; Majalangu's centre is -7.158257, 109.434955.
FORM_DISTANCE = "10,6 km dari desa"


async def add_coordinator(
    h: Harness, telegram_id: int, kecamatan: str | None, notify: ReviewNotify | None = None
) -> None:
    async with h.db() as session:
        kecamatan_id = None
        if kecamatan is not None:
            found = await session.scalar(select(Kecamatan).where(Kecamatan.name == kecamatan))
            assert found is not None
            kecamatan_id = found.id
        session.add(
            User(
                telegram_id=telegram_id,
                full_name=f"Koordinator {telegram_id}",
                role=Role.KECAMATAN_COORDINATOR if kecamatan else Role.REGENCY_COORDINATOR,
                kecamatan_id=kecamatan_id,
                language="id",
                review_notify=notify,
            )
        )
        await session.commit()
    h.sandbox.user(telegram_id, f"K{telegram_id}").started = True


async def sent_report(
    h: Harness,
    village: str,
    *,
    sent_at: datetime,
    photos: int = 2,
    households: int = 5,
    location: tuple[float, float] | None = (-7.16, 109.44),
) -> tuple[int, str]:
    """A report by staff 2001, sent through `submit` with photos in the bot's store that
    Telegram has no file id of (rows from before file ids were kept)."""
    async with h.db() as session:
        user = await get_user(session, STAFF)
        target = await session.scalar(select(Village).where(Village.name == village))
        assert user is not None and user.agency_id is not None and target is not None
        report = new_draft(session, user_id=user.id, agency_id=user.agency_id)
        await session.flush()
        stored = [
            h.app.photo_store.ingest(jpeg(seed=report.id * 10 + i), key=f"t/{report.id}/{i}")
            for i in range(photos)
        ]
        report.village_id = target.id
        report.visit_date = sent_at.astimezone(JAKARTA).date()
        if location is not None:
            report.latitude, report.longitude = location
        report.draft_activities = drafts.dump(
            [
                DraftActivity(
                    strategy="pengurangan_beban",
                    activity="pbi_jkn",
                    households=households,
                    people=households * 4,
                    description="Pendataan calon penerima PBI JKN.",
                    photos=[
                        DraftPhoto(
                            telegram_file_unique_id=f"u{report.id}-{i}",
                            source="photo",
                            sha256=s.sha256,
                            archive_path=s.archive_path,
                            thumb_path=s.thumb_path,
                            width=s.width,
                            height=s.height,
                        )
                        for i, s in enumerate(stored)
                    ],
                )
            ]
        )
        reference = submit(report, sent_at, JAKARTA)
        await session.commit()
        return report.id, reference


async def resubmit(h: Harness, report_id: int, *, households: int, sent_at: datetime) -> None:
    """What the author's correction does (the report form): the next version, kept whole."""
    async with h.db() as session:
        report = await session.scalar(
            select(Report)
            .where(Report.id == report_id)
            .options(selectinload(Report.activities).selectinload(ReportActivity.photos))
        )
        assert report is not None
        report.activities[0].households = households
        report.version += 1
        report.review_status = ReviewStatus.RESUBMITTED
        session.add(
            ReportVersion(
                report_id=report.id,
                version=report.version,
                user_id=report.user_id,
                submitted_at=sent_at,
                content=snapshot(report),
            )
        )
        await session.commit()


async def report_through_form(h: Harness, staff: SandboxUser) -> tuple[int, str]:
    """Staff 2001 reports a visit to Majalangu with an album of two photos."""
    await fill_until_photos(h.sandbox, staff)
    await staff.send_album([jpeg(seed=1), jpeg(seed=2)])
    await caught_up(h.sandbox, staff)
    summary = await finish_from_photos(h.sandbox, staff)
    await staff.press(summary, "✅ Kirim")
    await h.sandbox.settle()
    async with h.db() as session:
        report = await session.scalar(select(Report).order_by(Report.id.desc()).limit(1))
        assert report is not None and report.reference is not None
        return report.id, report.reference


def card(user: SandboxUser) -> JSONDict:
    """The latest review card in the chat."""
    return next(m for m in reversed(user.inbox) if "Tinjauan laporan" in str(m.get("text")))


async def open_queue(h: Harness, user: SandboxUser) -> JSONDict:
    """/tinjau; returns the card shown (everything before it counts as read)."""
    await user.send_text("/tinjau")
    await caught_up(h.sandbox, user)
    return card(user)


def albums(h: Harness, chat_id: int) -> list[list[JSONDict]]:
    """The media of every sendMediaGroup call to `chat_id`."""
    found = []
    for call in h.sandbox.calls("sendMediaGroup"):
        if int(call.params["chat_id"]) == chat_id:
            media = call.params["media"]
            found.append(json.loads(media) if isinstance(media, str) else media)
    return found


async def test_kecamatan_coordinator_reviews_and_verifies(harness: Harness) -> None:
    h = harness
    await add_staff(h, STAFF)
    await add_coordinator(h, WATUKUMPUL, "Watukumpul")
    staff = h.user(STAFF, "Budi")
    form_id, form_ref = await report_through_form(h, staff)
    async with h.db() as session:
        report = await session.get(Report, form_id)
        assert report is not None
        # What the evidence checks store (services/evidence.py).
        report.flags = [{"kind": "location_far", "km": 10.58}, {"kind": "no_exif"}]
        await session.commit()
    # An older report whose photos Telegram has no id of: the archive copies are uploaded.
    old_id, old_ref = await sent_report(h, "Majalangu", sent_at=TEST_NOW - timedelta(days=1))

    coordinator = h.user(WATUKUMPUL)
    await coordinator.send_text("/tinjau")
    await h.sandbox.settle()
    first = card(coordinator)
    assert old_ref in first["text"] and "Menunggu tinjauan: 2 laporan" in first["text"]
    [uploaded] = albums(h, WATUKUMPUL)
    assert len(uploaded) == 2 and all(m["media"].startswith("attach://") for m in uploaded)
    assert buttons(first) == [
        "✅ Terverifikasi",
        "✏️ Perlu perbaikan",
        "⏭ Lewati",
        "📍 Lokasi",
        "🖼 Foto asli",
        "⚙️ Pemberitahuan",
    ]

    # Next: the form's report, oldest first; its album reuses Telegram's file ids.
    await coordinator.press(first, "⏭ Lewati")
    await h.sandbox.settle()
    second = card(coordinator)
    text = second["text"]
    assert f"Tinjauan laporan {form_ref} · versi 1" in text
    assert "Desa: Majalangu, Kec. Watukumpul" in text
    assert "Instansi: Bappeda" in text and "Pelapor: Staff 2001" in text
    assert "PBI JKN (iuran BPJS Kesehatan)" in text and "12 KK · 40 jiwa" in text
    assert "Pendataan 12 KK calon penerima PBI JKN di RT 03." in text
    assert "-7.12340, 109.34560" in text and FORM_DISTANCE in text, text
    assert "📍 Lokasi 10,6 km dari pusat desa" in text
    assert "Semua foto dikirim terkompresi (tanpa waktu dan lokasi pengambilan)" in text
    assert "Menunggu tinjauan: 2 laporan" in text
    by_id = albums(h, WATUKUMPUL)[-1]
    assert len(by_id) == 2 and not any(m["media"].startswith("attach://") for m in by_id)

    # The location on request, as a Telegram location.
    await coordinator.press(second, "📍 Lokasi")
    await h.sandbox.settle()
    location = coordinator.last_message()["location"]
    assert (location["latitude"], location["longitude"]) == pytest.approx((-7.1234, 109.3456))

    # Originals on request: the photos as files.
    await coordinator.press(second, "🖼 Foto asli")
    await h.sandbox.settle()
    documents = [m for m in coordinator.inbox if "document" in m]
    assert len(documents) == 2
    assert documents[0]["document"]["file_name"] == f"{form_ref}-1.jpg"

    answered = await coordinator.press(second, "✅ Terverifikasi")
    assert answered is not None and answered.get("text") == "Terverifikasi"
    await h.sandbox.settle()
    said = [str(m.get("text")) for m in coordinator.inbox]
    assert f"✅ Laporan {form_ref} terverifikasi." in said
    assert buttons(coordinator.find(second["message_id"]) or {}) == []  # the card is done
    after = card(coordinator)
    assert old_ref in after["text"] and "Menunggu tinjauan: 1 laporan" in after["text"]

    async with h.db() as session:
        report = await session.get(Report, form_id)
        assert report is not None and report.review_status is ReviewStatus.VERIFIED
        [action] = (await session.scalars(select(ReviewAction))).all()
        coordinator_row = await get_user(session, WATUKUMPUL)
        assert coordinator_row is not None
        assert (action.report_id, action.version, action.action, action.reviewer_id) == (
            form_id,
            1,
            ReviewStatus.VERIFIED,
            coordinator_row.id,
        )
        entry = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "review.verified")
        )
        assert entry is not None and entry.actor_telegram_id == WATUKUMPUL
        assert entry.target == form_ref
        other = await session.get(Report, old_id)
        assert other is not None and other.review_status is ReviewStatus.SUBMITTED

    # A second press on the verified card is refused, nothing recorded twice.
    again = await coordinator.press_data(second["message_id"], f"rv:v:{form_id}:1")
    assert again is not None and "sudah ditinjau" in again["text"]
    async with h.db() as session:
        assert await session.scalar(select(func.count()).select_from(ReviewAction)) == 1


async def test_needs_correction_with_comment_survives_restart(harness: Harness) -> None:
    h = harness
    await add_staff(h, STAFF)
    await add_coordinator(h, WATUKUMPUL, "Watukumpul")
    staff = h.user(STAFF, "Budi")
    staff.started = True
    report_id, reference = await sent_report(h, "Majalangu", sent_at=TEST_NOW, photos=1)

    coordinator = h.user(WATUKUMPUL)
    shown = await open_queue(h, coordinator)
    assert reference in shown["text"] and "Menunggu tinjauan: 1 laporan" in shown["text"]
    assert h.sandbox.calls("sendPhoto"), "a single photo is sent on its own"

    prompt = await press(h.sandbox, coordinator, shown, "✏️ Perlu perbaikan")
    assert f"Apa yang perlu diperbaiki pada laporan {reference}" in prompt["text"]
    assert "terlalu pendek" in (await answer(coordinator, "oke"))["text"]
    await coordinator.send_photo(jpeg(seed=5))
    assert "Ketik komentar" in (await coordinator.next_message())["text"]

    # The step is in the database: a restarted bot still takes the next text as the comment.
    await h.restart()
    comment = "Foto KK tidak terbaca, mohon kirim ulang."
    await coordinator.send_text(comment)
    await caught_up(h.sandbox, coordinator)
    assert any(
        f"Laporan {reference} dikembalikan" in str(m.get("text")) for m in coordinator.inbox
    )
    assert "Tidak ada laporan yang menunggu tinjauan" in coordinator.last_message()["text"]

    request = next(m for m in staff.inbox if "perlu diperbaiki" in str(m.get("text")))
    assert comment in request["text"] and reference in request["text"]
    assert request["reply_markup"]["inline_keyboard"] == [
        [{"text": "✏️ Perbaiki laporan", "callback_data": f"rp:fix:{report_id}"}]
    ]
    async with h.db() as session:
        report = await session.get(Report, report_id)
        assert report is not None and report.review_status is ReviewStatus.NEEDS_CORRECTION
        [action] = (await session.scalars(select(ReviewAction))).all()
        assert action.action is ReviewStatus.NEEDS_CORRECTION and action.comment == comment
        assert await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "review.needs_correction")
        )

    # The step is over: text is no longer a comment; the old card is refused.
    assert "tidak memahami" in (await answer(coordinator, "halo"))["text"]
    refused = await coordinator.press_data(shown["message_id"], f"rv:v:{report_id}:1")
    assert refused is not None and "sudah ditinjau" in refused["text"]

    # The author corrects it: version 2 is back in the queue, with what changed.
    await resubmit(h, report_id, households=7, sent_at=TEST_NOW + timedelta(hours=1))
    corrected = await open_queue(h, coordinator)
    assert f"{reference} · versi 2 (dikirim ulang)" in corrected["text"]
    assert "Perubahan dari versi 1: KK: 5 → 7" in corrected["text"]
    stale = await coordinator.press_data(shown["message_id"], f"rv:c:{report_id}:1")
    assert stale is not None and "sudah berubah" in stale["text"]
    await coordinator.press(corrected, "✅ Terverifikasi")
    await h.sandbox.settle()
    async with h.db() as session:
        actions = (await session.scalars(select(ReviewAction).order_by(ReviewAction.id))).all()
        assert [(a.version, a.action) for a in actions] == [
            (1, ReviewStatus.NEEDS_CORRECTION),
            (2, ReviewStatus.VERIFIED),
        ]


async def test_comment_step_cancelled_or_overtaken(harness: Harness) -> None:
    h = harness
    await add_staff(h, STAFF)
    await add_coordinator(h, WATUKUMPUL, "Watukumpul")
    _report_id, reference = await sent_report(h, "Majalangu", sent_at=TEST_NOW)
    coordinator = h.user(WATUKUMPUL)
    await press(h.sandbox, coordinator, await open_queue(h, coordinator), "✏️ Perlu perbaikan")
    assert "Komentar dibatalkan" in (await answer(coordinator, "/batal"))["text"]
    assert "tidak memahami" in (await answer(coordinator, "Foto kurang jelas"))["text"]
    async with h.db() as session:
        assert await session.scalar(select(func.count()).select_from(ReviewAction)) == 0
    # Asked again; meanwhile a regency coordinator verifies it: the comment is not sent.
    shown = await open_queue(h, coordinator)
    assert reference in shown["text"]
    await press(h.sandbox, coordinator, shown, "✏️ Perlu perbaikan")
    await add_coordinator(h, REGENCY, None)
    regency = h.user(REGENCY)
    await regency.press(await open_queue(h, regency), "✅ Terverifikasi")
    await h.sandbox.settle()
    late = await answer(coordinator, "Foto kurang jelas, mohon diganti.")
    assert "sudah ditinjau orang lain" in late["text"]
    async with h.db() as session:
        actions = (await session.scalars(select(ReviewAction))).all()
        assert [a.action for a in actions] == [ReviewStatus.VERIFIED]
        # Nothing was queued for the author.
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


async def test_scope_and_forged_buttons(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    h = harness
    await add_staff(h, STAFF)
    await add_coordinator(h, TAMAN, "Taman")
    watukumpul_id, _ = await sent_report(h, "Majalangu", sent_at=TEST_NOW - timedelta(hours=2))
    taman_id, taman_ref = await sent_report(h, "Asemdoyong", sent_at=TEST_NOW)

    coordinator = h.user(TAMAN)
    shown = await open_queue(h, coordinator)
    assert taman_ref in shown["text"] and "Menunggu tinjauan: 1 laporan" in shown["text"]
    assert "Kec. Taman" in shown["text"]

    # Another kecamatan's report by forged callback data: refused and logged.
    with caplog.at_level(logging.WARNING, logger="handlers.review"):
        refused = await coordinator.press_data(shown["message_id"], f"rv:v:{watukumpul_id}:1")
    assert refused is not None and "bukan wilayah tinjauan Anda" in refused["text"]
    assert any("may not review" in r.getMessage() for r in caplog.records)
    for action in ("c", "l", "o", "n"):
        forged = await coordinator.press_data(
            shown["message_id"], f"rv:{action}:{watukumpul_id}:1"
        )
        assert forged is not None and "bukan wilayah" in forged["text"]
    # Its own report with a wrong version: a stale card.
    stale = await coordinator.press_data(shown["message_id"], f"rv:v:{taman_id}:2")
    assert stale is not None and "sudah berubah" in stale["text"]
    # Garbage.
    junk = await coordinator.press_data(shown["message_id"], "rv:v:x:1")
    assert junk is not None and "tidak berlaku" in junk["text"]

    # Staff may not review, by command or by button.
    staff = h.user(STAFF, "Budi")
    assert "Hanya koordinator" in (await answer(staff, "/tinjau"))["text"]
    pressed = await staff.press_data(1, f"rv:v:{watukumpul_id}:1")
    assert pressed is not None and "Hanya koordinator" in pressed["text"]
    # Strangers are stopped at the gate.
    stranger = h.user(9999, "Asing")
    assert "tautan undangan" in (await answer(stranger, "/review"))["text"]

    # Regency coordinators and admins review everything.
    await add_coordinator(h, REGENCY, None)
    for everything in (h.user(REGENCY), h.user(ADMIN_ID)):
        assert "Menunggu tinjauan: 2 laporan" in (await open_queue(h, everything))["text"]

    async with h.db() as session:
        statuses = (await session.scalars(select(Report.review_status))).all()
        assert set(statuses) == {ReviewStatus.SUBMITTED}
        assert await session.scalar(select(func.count()).select_from(ReviewAction)) == 0


async def test_notification_settings(harness: Harness) -> None:
    h = harness
    await add_staff(h, STAFF)
    await add_coordinator(h, WATUKUMPUL, "Watukumpul")  # will choose "each"
    await add_coordinator(h, WATUKUMPUL_2, "Watukumpul")  # default: daily
    await add_coordinator(h, TAMAN, "Taman", notify=ReviewNotify.EACH)  # other kecamatan
    await add_coordinator(h, REGENCY, None)  # default: none

    coordinator = h.user(WATUKUMPUL)
    empty = await answer(coordinator, "/tinjau")
    assert "Tidak ada laporan" in empty["text"]
    settings = await press(h.sandbox, coordinator, empty, "⚙️ Pemberitahuan")
    assert "Ringkasan harian pukul 16.00" in settings["text"]
    await coordinator.press(settings, "Setiap laporan masuk")
    await h.sandbox.settle()
    assert "● Setiap laporan masuk" in buttons(coordinator.find(settings["message_id"]) or {})
    async with h.db() as session:
        row = await get_user(session, WATUKUMPUL)
        assert row is not None and row.review_notify is ReviewNotify.EACH

    staff = h.user(STAFF, "Budi")
    _form_id, reference = await report_through_form(h, staff)
    await outbox.flush(h.app)
    await h.sandbox.settle()
    notice = coordinator.last_message()
    assert f"Laporan baru menunggu tinjauan: {reference}" in notice["text"]
    for other in (WATUKUMPUL_2, TAMAN, REGENCY):
        assert h.sandbox.user(other).inbox == [], other
    await coordinator.press(notice, "🔎 Buka antrean tinjauan")
    await h.sandbox.settle()
    assert reference in card(coordinator)["text"]

    # 16:00: the "daily" coordinator hears how many wait, once even if the job runs twice.
    at_four = datetime.combine(TEST_NOW.date(), datetime.min.time(), tzinfo=JAKARTA)
    at_four += timedelta(hours=16)
    clock.current().set(at_four)
    await review_notices.send_daily(h.app, at_four)
    await review_notices.send_daily(h.app, at_four + timedelta(minutes=5))
    await h.sandbox.settle()
    daily = h.sandbox.user(WATUKUMPUL_2).inbox
    assert [m["text"] for m in daily] == ["📋 1 laporan menunggu tinjauan Anda."]
    assert buttons(daily[0]) == ["🔎 Buka antrean tinjauan"]
    for other in (TAMAN, REGENCY):
        assert h.sandbox.user(other).inbox == [], other
    assert not any("menunggu tinjauan Anda" in str(m.get("text")) for m in coordinator.inbox)
    async with h.db() as session:
        [delivery] = (await session.scalars(select(Delivery))).all()
        assert delivery.kind == "review_daily" and delivery.status is DeliveryStatus.SENT

    # Nothing waiting: no daily notice the next day.
    async with h.db() as session:
        report = await session.scalar(select(Report).where(Report.reference == reference))
        assert report is not None
        report.review_status = ReviewStatus.VERIFIED
        await session.commit()
    await review_notices.send_daily(h.app, at_four + timedelta(days=1))
    await h.sandbox.settle()
    assert len(h.sandbox.user(WATUKUMPUL_2).inbox) == 1


async def test_daily_job_is_scheduled_at_four_in_the_regency(harness: Harness) -> None:
    h = harness
    review_notices.schedule(h.app)
    assert h.app.job_queue is not None
    [job] = h.app.job_queue.get_jobs_by_name(review_notices.JOB_NAME)
    assert job.next_t is not None
    assert job.next_t.astimezone(JAKARTA).time() == datetime.min.time().replace(hour=16)
    for name in (review_notices.JOB_NAME, review_notices.CATCH_UP_JOB_NAME):
        for scheduled in h.app.job_queue.get_jobs_by_name(name):
            scheduled.schedule_removal()
