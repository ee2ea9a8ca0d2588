"""Evidence checks end to end, through the sandbox, with real pictures: a photo used again
(the same bytes, and the same picture re-encoded by Telegram) is flagged and the person is
told at once; far and forwarded locations and last year's EXIF are flagged; a clean report is
not; HEIC files are taken with their position, broken ones refused as corrupt; originals of
files are kept as long as their report and no longer."""

from __future__ import annotations

import hashlib
import os
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from PIL import Image
from sqlalchemy import select

from core.clock import Clock
from jobs.maintenance import sweep_orphaned_photos
from models.flags import warnings
from models.reports import Photo, Report
from sandbox import SandboxUser
from sandbox.server import JSONDict
from services.photos import Swept
from tests.conftest import JAKARTA
from tests.e2e.conftest import Harness
from tests.e2e.factories import add_staff, draft_activities
from tests.e2e.flows import (
    STAFF,
    answer,
    buttons,
    caught_up,
    fill_until_photos,
    press,
    refused,
    today,
)
from tests.realphotos import (
    camera_exif,
    heic,
    jpeg_bytes,
    phone_photo,
    photograph,
    relief,
    telegram_photo,
)

# Majalangu's centroid is (-7.158257, 109.434955) (demo/regions.csv).
NEAR = (-7.1600, 109.4360)  # about 0.2 km from it
FAR_20_KM = (-7.158257 + 20 / 111.2, 109.434955)  # 20 km due north
REFERENCE = re.compile(r"LPR-\d{4}-\d{6}")


async def told(h: Harness, user: SandboxUser, sending: Any) -> list[str]:
    """Sends something; returns the texts of everything the bot answered."""
    before = len(user.inbox)
    await sending
    await caught_up(h.sandbox, user)
    return [str(m.get("text", "")) for m in user.inbox[before:]]


async def send_report(
    h: Harness,
    user: SandboxUser,
    *,
    at: tuple[float, float] = NEAR,
    forwarded: bool = False,
    accuracy: float = 10.0,
) -> str:
    """From the photo step: done, the location, send. Returns the report's reference."""
    status = await caught_up(h.sandbox, user)
    done = next(b for b in buttons(status) if b.startswith("✅ Selesai"))
    ask_location = await press(h.sandbox, user, status, done)
    assert "Bagikan lokasi" in ask_location["text"]
    await user.send_location(*at, horizontal_accuracy=accuracy, forwarded=forwarded)
    summary = await user.next_message()
    assert "Periksa laporan" in summary["text"]
    sent = await press(h.sandbox, user, summary, "✅ Kirim")
    assert "Laporan terkirim" in sent["text"]
    found = REFERENCE.search(sent["text"])
    assert found is not None
    return found.group()


async def flags_of(h: Harness, reference: str) -> list[dict[str, Any]]:
    async with h.db() as session:
        report = await session.scalar(select(Report).where(Report.reference == reference))
        assert report is not None
        return list(report.flags or [])


def kinds(flags: list[dict[str, Any]]) -> list[str]:
    return [f["kind"] for f in flags]


async def test_a_photo_used_again_is_flagged_and_the_person_told_at_once(
    harness: Harness,
) -> None:
    h = harness
    await add_staff(h, STAFF)
    user = h.user(STAFF, "Budi")
    original = phone_photo()

    await fill_until_photos(h.sandbox, user)
    first_texts = await told(h, user, user.send_photo(original))
    assert not any("sudah dipakai" in t or "mirip" in t for t in first_texts)
    first = await send_report(h, user)

    # The same photo again: Telegram's re-encoding of the same picture gives the same bytes.
    await fill_until_photos(h.sandbox, user)
    texts = await told(h, user, user.send_photo(original))
    assert f"Foto ini sudah dipakai di {first}" in texts[0]
    assert "1 foto diterima" in texts[-1]  # kept; the person goes on
    second = await send_report(h, user)
    assert {"kind": "photo_reused", "reference": first, "match": "same"} in await flags_of(
        h, second
    )

    # The picture forwarded once more: re-encoded again, other bytes, the same picture.
    await fill_until_photos(h.sandbox, user)
    texts = await told(h, user, user.send_photo(telegram_photo(original)))
    assert f"Foto ini sangat mirip dengan foto di {first}" in texts[0]
    assert "1 foto diterima" in texts[-1]
    third = await send_report(h, user)
    flags = await flags_of(h, third)
    assert {"kind": "photo_reused", "reference": first, "match": "similar"} in flags
    # The same visit (village, date, activity) as the first too.
    assert {"kind": "duplicate_visit", "reference": first} in flags

    async with h.db() as session:
        digests = (await session.scalars(select(Photo.sha256).order_by(Photo.id))).all()
    assert digests[0] == digests[1] != digests[2]


async def test_far_and_forwarded_locations_are_flagged(harness: Harness) -> None:
    h = harness
    await add_staff(h, STAFF)
    user = h.user(STAFF, "Budi")
    await fill_until_photos(h.sandbox, user)
    await told(h, user, user.send_photo(phone_photo()))
    reference = await send_report(h, user, at=FAR_20_KM, forwarded=True)

    flags = await flags_of(h, reference)
    [far] = [f for f in flags if f["kind"] == "location_far"]
    assert 19.9 <= far["km"] <= 20.1
    assert "location_forwarded" in kinds(flags)


async def test_a_file_with_last_years_exif_is_flagged(harness: Harness) -> None:
    h = harness
    await add_staff(h, STAFF)
    user = h.user(STAFF, "Budi")
    await fill_until_photos(h.sandbox, user)
    last_year = datetime(today().year - 1, 11, 20, 9, 0)
    exif = camera_exif(taken=last_year, position=NEAR)
    texts = await told(
        h,
        user,
        user.send_document(
            phone_photo(exif=exif), file_name="IMG_0412.jpg", mime_type="image/jpeg"
        ),
    )
    assert "1 foto diterima" in texts[-1]
    reference = await send_report(h, user)

    flags = await flags_of(h, reference)
    [old] = [f for f in flags if f["kind"] == "photo_exif_time"]
    assert old["days"] == (today() - last_year.date()).days > 300


async def test_a_clean_report_has_no_flag(harness: Harness) -> None:
    h = harness
    await add_staff(h, STAFF)
    user = h.user(STAFF, "Budi")
    await fill_until_photos(h.sandbox, user)
    on_the_day = datetime.combine(today(), datetime.min.time()).replace(hour=8)
    texts = await told(
        h,
        user,
        user.send_document(
            phone_photo(exif=camera_exif(taken=on_the_day, position=NEAR)),
            file_name="IMG_0413.jpg",
            mime_type="image/jpeg",
        ),
    )
    texts += await told(h, user, user.send_photo(jpeg_bytes(relief())))
    assert not any("sudah dipakai" in t or "mirip" in t for t in texts)
    reference = await send_report(h, user)

    flags = await flags_of(h, reference)
    assert flags == []
    assert warnings(flags) == []


async def test_the_file_tip_is_given_once(harness: Harness) -> None:
    h = harness
    await add_staff(h, STAFF)
    user = h.user(STAFF, "Budi")
    ask_photos = await fill_until_photos(h.sandbox, user)
    assert "sebagai file" in ask_photos["text"]
    # Asked again (a sticker is no photo): the question, without the tip.
    again = await refused(h.sandbox, user, user.send_sticker(), "Stiker")
    assert "Kirim foto" in again["text"] and "sebagai file" not in again["text"]
    resumed = await answer(user, "/lapor")
    assert "Melanjutkan" in resumed["text"]
    question = await caught_up(h.sandbox, user)
    assert "Kirim foto" in question["text"] and "sebagai file" not in question["text"]


async def test_heic_is_accepted_with_its_position_and_a_broken_one_refused(
    harness: Harness, clock: Clock
) -> None:
    h = harness
    await add_staff(h, STAFF)
    user = h.user(STAFF, "Budi")
    await fill_until_photos(h.sandbox, user)
    taken = datetime.combine(today(), datetime.min.time()).replace(hour=8)
    # Stored on its side with orientation 6, as an iPhone held upright writes it.
    sideways = photograph().transpose(Image.Transpose.ROTATE_90)
    data = heic(sideways, exif=camera_exif(taken=taken, position=NEAR, orientation=6))

    texts = await told(
        h, user, user.send_document(data, file_name="IMG_0414.HEIC", mime_type="image/heic")
    )
    assert "1 foto diterima" in texts[-1]
    await refused(
        h.sandbox,
        user,
        user.send_document(
            data[: len(data) // 2], file_name="IMG_0415.HEIC", mime_type="image/heic"
        ),
        "rusak",
    )
    async with h.db() as session:
        [activity] = await draft_activities(session)
    [photo] = activity.photos
    assert photo.source == "document"
    assert photo.exif_latitude is not None and abs(photo.exif_latitude - NEAR[0]) < 1e-4
    assert photo.exif_longitude is not None and abs(photo.exif_longitude - NEAR[1]) < 1e-4
    assert photo.taken_at is not None and photo.taken_at.astimezone(JAKARTA).hour == 8
    assert (photo.width, photo.height) == photograph().size  # upright again
    reference = await send_report(h, user)
    assert "photo_exif_far" not in kinds(await flags_of(h, reference))

    # The file as received is kept with the report: its SHA-256 checks out...
    async with h.db() as session:
        [row] = (await session.scalars(select(Photo))).all()
    assert row.original_path is not None and row.original_path.endswith(".orig.heic")
    kept = h.app.photo_store.open_archive(row.original_path).read_bytes()
    assert hashlib.sha256(kept).hexdigest() == row.sha256 == hashlib.sha256(data).hexdigest()
    archive = h.app.photo_store.open_archive(row.archive_path).read_bytes()
    assert hashlib.sha256(archive).hexdigest() == row.archive_sha256
    # ...and the nightly sweep of unreferenced files leaves it alone.
    _age(h.app.photo_store.root, clock, timedelta(days=40))
    assert await sweep_orphaned_photos(h.app) == Swept()
    assert h.app.photo_store.path(row.original_path).is_file()


async def test_cancelling_removes_the_kept_originals(harness: Harness) -> None:
    h = harness
    await add_staff(h, STAFF)
    user = h.user(STAFF, "Budi")
    await fill_until_photos(h.sandbox, user)
    exif = camera_exif(taken=datetime(2026, 11, 24, 8, 0), orientation=6)
    await told(
        h,
        user,
        user.send_document(
            phone_photo(exif=exif), file_name="IMG_0416.jpg", mime_type="image/jpeg"
        ),
    )
    async with h.db() as session:
        [activity] = await draft_activities(session)
    [photo] = activity.photos
    assert photo.original_path is not None
    files = [h.app.photo_store.path(p) for p in photo.files]
    assert len(files) == 3 and all(f.is_file() for f in files)

    cancelled: JSONDict = await answer(user, "/batal")
    assert "dibatalkan" in cancelled["text"]
    assert not any(f.exists() for f in files)


def _age(root: Path, clock: Clock, age: timedelta) -> None:
    """Makes every file under `root` look `age` old by the bot's clock."""
    stamp = (clock.now() - age).timestamp()
    for path in root.rglob("*"):
        if path.is_file():
            os.utime(path, (stamp, stamp))
