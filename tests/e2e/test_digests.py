"""Weekly digests end to end: figures, attachments, splitting, exactly-once delivery."""

from __future__ import annotations

import asyncio
import io
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import select, update

from jobs.digests import send_digests
from jobs.schedule import catch_up
from models.agencies import Agency, Assignment
from models.deliveries import Delivery, DeliveryStatus
from models.regions import Kecamatan, Village, VillageKind
from models.reports import Photo, Report, ReportActivity, ReportStatus, ReportVersion, ReviewStatus
from models.users import Role, User, get_user
from sandbox import SandboxUser
from sandbox.server import JSONDict
from services.digest_map import MAP_SIZE
from tests.e2e.conftest import Harness
from tests.e2e.factories import add_staff, jpeg
from tests.e2e.flows import answer, caught_up

JAKARTA = ZoneInfo("Asia/Jakarta")
MONDAY = datetime(2026, 11, 30, 7, 0, tzinfo=JAKARTA)  # the digest covers 23-29 November
TAMAN_COORDINATOR, REGENCY_COORDINATOR = 3001, 3002


async def add_coordinator(
    h: Harness, telegram_id: int, kecamatan: str | None, language: str = "id"
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
                language=language,
            )
        )
        await session.commit()
    h.sandbox.user(telegram_id, f"K{telegram_id}").started = True  # has talked to the bot


async def report(
    h: Harness,
    village: str,
    visit: date,
    activities: list[tuple[str, int]],
    *,
    photos: int = 0,
    status: ReportStatus = ReportStatus.SUBMITTED,
    review: ReviewStatus | None = None,
    flags: list[dict[str, Any]] | None = None,
    location: tuple[float, float] | None = None,
) -> int:
    """A report by Bappeda staff 2001, with real photo files in the bot's photo store."""
    async with h.db() as session:
        user = await get_user(session, 2001)
        target = await session.scalar(select(Village).where(Village.name == village))
        assert user is not None and user.agency_id is not None and target is not None
        row = Report(
            user_id=user.id,
            agency_id=user.agency_id,
            village_id=target.id,
            status=status,
            visit_date=visit,
            submitted_at=datetime.combine(visit, time(15), tzinfo=JAKARTA),
            review_status=review,
            version=1 if status is ReportStatus.SUBMITTED else 0,
            flags=flags,
            latitude=location[0] if location else None,
            longitude=location[1] if location else None,
            activities=[
                ReportActivity(position=i, strategy=s, activity="pbi_jkn", households=n, photos=[])
                for i, (s, n) in enumerate(activities)
            ],
        )
        session.add(row)
        await session.flush()
        row.reference = f"LPR-2026-{row.id:06d}"
        for index in range(photos):
            stored = h.app.photo_store.ingest(
                jpeg(seed=row.id * 10 + index), key=f"t/{row.id}/{index}"
            )
            row.activities[0].photos.append(
                Photo(
                    telegram_file_unique_id=f"u{row.id}-{index}",
                    source="photo",
                    sha256=stored.sha256,
                    archive_path=stored.archive_path,
                    thumb_path=stored.thumb_path,
                    width=stored.width,
                    height=stored.height,
                )
            )
        await session.commit()
        return row.id


async def world(h: Harness) -> None:
    await add_staff(h, 2001, "Bappeda")
    await add_coordinator(h, TAMAN_COORDINATOR, "Taman")
    await add_coordinator(h, REGENCY_COORDINATOR, None, language="en")
    await report(
        h,
        "Asemdoyong",
        date(2026, 11, 24),
        [("pengurangan_beban", 12), ("pengurangan_kantong_kemiskinan", 3)],
        photos=2,
    )
    await report(h, "Majalangu", date(2026, 11, 26), [("peningkatan_pendapatan", 7)], photos=1)
    await report(h, "Asemdoyong", date(2026, 11, 17), [("pengurangan_beban", 5)])  # week before
    await report(
        h, "Asemdoyong", date(2026, 11, 25), [("pengurangan_beban", 99)], status=ReportStatus.DRAFT
    )


def texts(user: SandboxUser) -> list[str]:
    return [str(m["text"]) for m in user.inbox if "text" in m]


def files(user: SandboxUser, kind: str) -> list[JSONDict]:
    return [m for m in user.inbox if kind in m]


async def test_weekly_digest_figures_and_attachments(harness: Harness) -> None:
    h = harness
    await world(h)
    result = await send_digests(h.app, MONDAY)
    await h.sandbox.settle()
    assert set(result.outcomes.values()) == {"sent"}

    taman = h.sandbox.user(TAMAN_COORDINATOR)
    [text] = texts(taman)
    assert "Ringkasan Dampingan — Kecamatan Taman" in text
    assert "Senin, 23 November 2026 \u2013 Minggu, 29 November 2026" in text
    assert "Kunjungan: 1 (periode sebelumnya 1, = 0)" in text
    assert "Keluarga dijangkau: 15 (sebelumnya 5, ▲ 10)" in text
    assert "Beban pengeluaran: 1 kunjungan, 12 KK" in text
    assert "Kantong kemiskinan: 1 kunjungan, 3 KK" in text
    assert "Pendapatan: 0 kunjungan, 0 KK" in text
    assert "Asemdoyong (Taman) — Bappeda: 1 kunjungan, terakhir 24 Nov 2026" in text
    assert "Beji (Taman) — Dinsos KBPP: 0 kunjungan, terakhir belum pernah" in text
    assert "Dinsos KBPP (Beji)" in text  # no visit for 14 days: escalated
    assert "Majalangu" not in text  # another kecamatan

    chart, drawn, collage = files(taman, "photo")
    assert Image.open(io.BytesIO(taman.download(chart))).format == "PNG"
    picture = Image.open(io.BytesIO(taman.download(drawn)))
    assert (picture.format, picture.size) == ("PNG", MAP_SIZE)
    assert "Peta 1 kunjungan" in str(drawn["caption"])
    assert Image.open(io.BytesIO(taman.download(collage))).format == "JPEG"
    assert "2 foto" in str(collage["caption"])
    [document] = files(taman, "document")
    sheet = load_workbook(io.BytesIO(taman.download(document))).active
    assert sheet is not None
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 2  # one per activity of the week's one Taman report
    assert {row[10] for row in rows} == {12, 3}

    regency = h.sandbox.user(REGENCY_COORDINATOR)
    [text] = texts(regency)
    assert "Dampingan digest — Kabupaten Pemalang" in text
    assert "Visits: 2 (previous period 1, ▲ 1)" in text
    assert "Households reached: 22" in text
    sheet = load_workbook(io.BytesIO(regency.download(files(regency, "document")[0]))).active
    assert sheet is not None and sheet.max_row == 1 + 3

    # Again (a restart, a catch-up): nothing new for anyone.
    before = (len(taman.inbox), len(regency.inbox))
    await send_digests(h.app, MONDAY)
    await h.sandbox.settle()
    assert (len(taman.inbox), len(regency.inbox)) == before


async def test_long_digest_is_split_at_line_breaks(harness: Harness) -> None:
    h = harness
    await world(h)
    async with h.db() as session:
        taman = await session.scalar(select(Kecamatan).where(Kecamatan.name == "Taman"))
        bappeda = await session.scalar(select(Agency).where(Agency.short_name == "Bappeda"))
        assert taman is not None and bappeda is not None
        for n in range(150):
            village = Village(
                code=f"33.27.09.{3000 + n}",
                name=f"Desa Contoh Nomor {n:03d}",
                kind=VillageKind.DESA,
                kecamatan_id=taman.id,
            )
            session.add(village)
            await session.flush()
            session.add(Assignment(agency_id=bappeda.id, village_id=village.id))
        await session.commit()
    await send_digests(h.app, MONDAY)
    await h.sandbox.settle()
    parts = texts(h.sandbox.user(TAMAN_COORDINATOR))
    assert len(parts) >= 3
    assert all(len(part) <= 4096 for part in parts)
    joined = "\n".join(parts)
    for n in range(150):  # every village line whole, in exactly one part
        line = f"Desa Contoh Nomor {n:03d} (Taman) — Bappeda: 0 kunjungan, terakhir belum pernah"
        assert sum(line in part for part in parts) == 1, line
    assert joined.count("Ringkasan Dampingan") == 1


async def test_restart_in_the_middle_of_a_fan_out_sends_each_digest_once(
    harness: Harness,
) -> None:
    h = harness
    # Telegram's pace is not under test here; the sandbox has no flood limits.
    h.settings = h.settings.model_copy(update={"send_rate": 100.0, "chat_send_rate": 50.0})
    await h.restart()
    await world(h)
    coordinators = range(4000, 4300)
    async with h.db() as session:
        for telegram_id in coordinators:
            session.add(
                User(
                    telegram_id=telegram_id,
                    full_name=f"K{telegram_id}",
                    role=Role.REGENCY_COORDINATOR,
                    language="id",
                )
            )
        await session.commit()
    for telegram_id in coordinators:
        h.sandbox.user(telegram_id).started = True

    fan_out = asyncio.create_task(send_digests(h.app, MONDAY))
    # Polls the sandbox's record: it has no event for "n documents sent".
    while len(h.sandbox.calls("sendDocument")) < 100:  # noqa: ASYNC110
        await asyncio.sleep(0.01)
    fan_out.cancel()  # the bot goes down mid-way
    await asyncio.gather(fan_out, return_exceptions=True)
    # Parts already in flight finish and are recorded (jobs/delivery.py shields them).
    await h.sandbox.settle()
    await h.restart()
    sent_before_restart = len(h.sandbox.calls("sendDocument"))
    assert 100 <= sent_before_restart < 300
    await send_digests(h.app, MONDAY)
    await h.sandbox.settle()

    for telegram_id in coordinators:
        user = h.sandbox.user(telegram_id)
        assert len(texts(user)) == 1, telegram_id
        assert len(files(user, "photo")) == 3, telegram_id  # chart, map and collage
        assert len(files(user, "document")) == 1, telegram_id
    async with h.db() as session:
        statuses = (await session.scalars(select(Delivery.status))).all()
        assert len(statuses) == 302 and set(statuses) == {DeliveryStatus.SENT}


async def test_server_errors_and_429_are_retried(harness: Harness) -> None:
    h = harness
    await world(h)
    h.sandbox.fail_next("sendMessage", status=502, description="Bad Gateway")
    h.sandbox.fail_next(
        "sendPhoto", status=429, description="Too Many Requests: retry after 1", retry_after=1
    )
    result = await send_digests(h.app, MONDAY)
    await h.sandbox.settle()
    assert set(result.outcomes.values()) == {"sent"}
    for telegram_id in (TAMAN_COORDINATOR, REGENCY_COORDINATOR):
        user = h.sandbox.user(telegram_id)
        assert len(texts(user)) == 1 and len(files(user, "document")) == 1


async def test_summary_on_demand(harness: Harness) -> None:
    h = harness
    await world(h)
    coordinator = h.sandbox.user(TAMAN_COORDINATOR)
    await coordinator.send_text("/start")
    await caught_up(h.sandbox, coordinator)
    menu = await answer(coordinator, "/ringkasan")
    assert "periode apa" in menu["text"]
    await coordinator.press(menu, "Bulan ini")
    # Drawing the chart takes a moment: wait for the messages, not for a quiet spell.
    digest = await coordinator.wait_for(
        lambda m: "Ringkasan Dampingan" in str(m.get("text")), timeout=20
    )
    await coordinator.wait_for(lambda m: "document" in m, timeout=20)
    text = str(digest["text"])
    assert "Minggu, 1 November 2026 \u2013 Senin, 30 November 2026" in text
    assert "Kunjungan: 2" in text  # 17 and 24 November in Taman
    assert len(files(coordinator, "document")) == 1

    staff = h.sandbox.user(2001)
    assert "hanya untuk koordinator" in (await answer(staff, "/ringkasan"))["text"]


async def test_digest_missed_while_down_is_sent_once_on_return(harness: Harness) -> None:
    h = harness
    await world(h)
    # The bot was down on Monday 07:00 and comes back on Wednesday.
    wednesday = datetime(2026, 12, 2, 10, 0, tzinfo=JAKARTA)
    await catch_up(h.app, wednesday)
    await h.sandbox.settle()
    taman = h.sandbox.user(TAMAN_COORDINATOR)
    [text] = texts(taman)
    assert "23 November 2026" in text  # the week before that Monday
    await catch_up(h.app, wednesday)  # another restart the same day
    await h.sandbox.settle()
    assert len(texts(taman)) == 1
    # Twelve days later that digest is no longer due; the next one is.
    await catch_up(h.app, datetime(2026, 12, 8, 10, 0, tzinfo=JAKARTA))
    await h.sandbox.settle()
    assert "30 November 2026" in texts(taman)[-1] and len(texts(taman)) == 2


async def test_review_and_flag_counts_in_both_languages(harness: Harness) -> None:
    h = harness
    await world(h)  # two reports this week, never reviewed: waiting
    far: list[dict[str, Any]] = [{"kind": "location_far", "km": 21.5}, {"kind": "no_exif"}]
    await report(
        h,
        "Beji",
        date(2026, 11, 27),
        [("pengurangan_beban", 4)],
        review=ReviewStatus.VERIFIED,
        flags=far,
        location=(-6.95, 109.40),
    )
    reused = [{"kind": "photo_reused", "reference": "LPR-2026-000001", "match": "same"}]
    await report(
        h,
        "Asemdoyong",
        date(2026, 11, 28),
        [("peningkatan_pendapatan", 2)],
        review=ReviewStatus.NEEDS_CORRECTION,
        flags=[*reused, {"kind": "location_missing"}],
    )
    # Corrected to version 2 (the corrections flow writes the row and the version): 8
    # households instead of 3, counted once, as resent.
    corrected = await report(
        h,
        "Beji",
        date(2026, 11, 26),
        [("pengurangan_kantong_kemiskinan", 3)],
        review=ReviewStatus.RESUBMITTED,
        flags=reused,
    )
    async with h.db() as session:
        row = await session.get(Report, corrected)
        activity = await session.scalar(
            select(ReportActivity).where(ReportActivity.report_id == corrected)
        )
        assert row is not None and activity is not None and row.submitted_at is not None
        activity.households = 8
        row.version = 2
        for version in (1, 2):
            session.add(
                ReportVersion(
                    report_id=corrected,
                    version=version,
                    user_id=row.user_id,
                    submitted_at=row.submitted_at,
                    content={"activities": [{"households": 3 if version == 1 else 8}]},
                )
            )
        await session.commit()

    await send_digests(h.app, MONDAY)
    await h.sandbox.settle()

    taman = h.sandbox.user(TAMAN_COORDINATOR)
    [text] = texts(taman)
    # Taman this week: Asemdoyong 24th (waiting), Beji 27th (verified), Asemdoyong 28th
    # (needs correction), Beji 26th (resubmitted: waiting).
    assert "Kunjungan: 4" in text
    assert "Keluarga dijangkau: 29" in text  # 12 + 3 + 4 + 2 + 8
    assert "Tinjauan koordinator" in text
    assert "✅ Terverifikasi: 1 · ⏳ Menunggu tinjauan: 2 · ✏️ Perlu perbaikan: 1" in text
    assert "🚩 Laporan bertanda peringatan: 3" in text
    assert "• Lokasi tidak dibagikan: 1 laporan" in text
    assert "• Lokasi jauh dari desa: 1 laporan" in text
    assert "• Foto dipakai ulang: 2 laporan" in text
    assert "Kunjungan ganda" not in text  # kinds with no report are left out
    assert "1 laporan dengan semua foto terkompresi" in text
    drawn = files(taman, "photo")[1]
    assert "Peta 4 kunjungan" in str(drawn["caption"])

    regency = h.sandbox.user(REGENCY_COORDINATOR)
    [text] = texts(regency)
    assert "Visits: 5" in text  # and Majalangu in Watukumpul, waiting
    assert "✅ Verified: 1 · ⏳ Waiting for review: 3 · ✏️ Needs correction: 1" in text
    assert "🚩 Reports with warnings: 3" in text
    assert "• No location shared: 1 report\n" in text
    assert "• Location far from the village: 1 report\n" in text
    assert "• Reused photo: 2 reports" in text
    assert "1 report with every photo sent compressed" in text
    [document] = files(regency, "document")
    sheet = load_workbook(io.BytesIO(regency.download(document))).active
    assert sheet is not None
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    households = [row[10] for row in rows]
    assert sorted(households) == [2, 3, 4, 7, 8, 12]  # version 2's 8, not version 1's 3
    # The evidence columns: version, review status, distance to the village, flags.
    header = next(sheet.iter_rows(max_row=1, values_only=True))
    assert header[-4:] == (
        "Version",
        "Review status",
        "Distance to village (km)",
        "Evidence flags",
    )
    evidence = {(row[3], row[10]): row[-4:] for row in rows}
    version, status, distance, flags = evidence[("Beji", 4)]
    assert (version, status, flags) == (1, "Verified", "location far; all photos compressed")
    assert distance is not None and distance > 3
    assert evidence[("Beji", 8)][:2] == (2, "Waiting for review (corrected)")
    assert evidence[("Asemdoyong", 2)][3] == "photo reused; no location"


async def test_map_caption_without_boundaries_or_positions(harness: Harness) -> None:
    h = harness
    await world(h)
    async with h.db() as session:
        # No outlines imported; and Taman's Asemdoyong has no known position at all, so its
        # visit (no location shared) cannot be drawn.
        await session.execute(update(Kecamatan).values(boundary=None))
        await session.execute(
            update(Kecamatan).where(Kecamatan.name == "Taman").values(lat=None, lon=None)
        )
        await session.execute(
            update(Village).where(Village.name == "Asemdoyong").values(lat=None, lon=None)
        )
        await session.commit()
    await send_digests(h.app, MONDAY)
    await h.sandbox.settle()

    taman = h.sandbox.user(TAMAN_COORDINATOR)
    drawn = files(taman, "photo")[1]
    assert Image.open(io.BytesIO(taman.download(drawn))).size == MAP_SIZE
    assert str(drawn["caption"]) == (
        "🗺 Peta 1 kunjungan periode ini: satu titik per laporan, warna menurut strategi. "
        "Batas kecamatan belum tersedia; titik digambar di atas pusat desa. "
        "1 kunjungan tanpa lokasi dan tanpa titik desa tidak tampil di peta."
    )
    regency = h.sandbox.user(REGENCY_COORDINATOR)
    caption = str(files(regency, "photo")[1]["caption"])
    assert caption.startswith("🗺 Map of this period's 2 visits")
    assert "Kecamatan boundaries are not available yet" in caption
    assert "1 visits with neither a location nor a village position" in caption
