"""The evidence checks of a report about to be sent (services/evidence.py), on a migrated
database holding the demo data, with photos ingested from real image bytes; and the
calibration of the perceptual-hash threshold on real pictures."""

from __future__ import annotations

import io
import itertools
import random
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import imagehash
import pytest
from PIL import Image
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.demo import load_demo_data
from core.geo import haversine_km
from core.settings import Settings
from models import drafts
from models.activities import OTHER
from models.agencies import Agency
from models.db import make_engine, make_sessionmaker
from models.drafts import DraftActivity, DraftPhoto
from models.flags import FlagKind, warnings
from models.regions import Village
from models.reports import (
    Report,
    ReportVersion,
    new_draft,
    phash_band_keys,
    phash_distance,
    submit,
)
from models.users import Role, User
from services import evidence
from services.photos import PhotoStore, StoredPhoto, perceptual_hash
from tests.conftest import JAKARTA, TEST_NOW
from tests.realphotos import (
    camera_exif,
    heic,
    jpeg_bytes,
    phone_photo,
    photograph,
    relief,
    telegram_photo,
)

SETTINGS = Settings(_env_file=None, TELEGRAM_BOT_TOKEN=None)
VISIT = date(2026, 11, 24)
# Majalangu's centroid (demo/regions.csv) and places at known distances from it.
CENTRE = (-7.158257, 109.434955)
NEAR = (-7.1600, 109.4360)  # about 0.2 km
FAR_20_KM = (-7.158257 + 20 / 111.2, 109.434955)  # 20 km due north


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[AsyncSession]:
    await load_demo_data(db_url)
    engine = make_engine(db_url)
    try:
        async with make_sessionmaker(engine)() as session:
            yield session
    finally:
        await engine.dispose()


@pytest.fixture
def store(tmp_path: Path) -> PhotoStore:
    return PhotoStore(tmp_path / "photos", tz=JAKARTA)


_keys = itertools.count(1)


def ingest(store: PhotoStore, data: bytes, *, source: str = "photo") -> DraftPhoto:
    """A photo as the form stores it in a draft, from bytes ingested by the store."""
    key = f"k{next(_keys)}"
    stored: StoredPhoto = store.ingest(
        data, key=f"report-1/act-a/{key}", keep_original=source == "document"
    )
    return DraftPhoto(
        telegram_file_unique_id=key,
        source=source,
        sha256=stored.sha256,
        archive_path=stored.archive_path,
        thumb_path=stored.thumb_path,
        width=stored.width,
        height=stored.height,
        taken_at=stored.taken_at,
        exif_latitude=stored.latitude,
        exif_longitude=stored.longitude,
        phash=stored.phash,
        original_path=stored.original_path,
        archive_sha256=stored.archive_sha256,
    )


def fake_photo(sha256: str, phash: str, *, source: str = "photo") -> DraftPhoto:
    return DraftPhoto(
        telegram_file_unique_id=sha256[:8],
        source=source,
        sha256=sha256,
        archive_path=f"x/{sha256[:8]}.jpg",
        thumb_path=f"x/{sha256[:8]}.thumb.jpg",
        width=800,
        height=600,
        phash=phash,
    )


async def staff(session: AsyncSession, telegram_id: int = 2001, agency: str = "Bappeda") -> User:
    found = await session.scalar(select(Agency).where(Agency.short_name == agency))
    assert found is not None
    user = User(
        telegram_id=telegram_id,
        full_name=f"Staff {telegram_id}",
        role=Role.STAFF,
        agency_id=found.id,
        language="id",
    )
    session.add(user)
    await session.flush()
    return user


async def village(session: AsyncSession, name: str = "Majalangu") -> Village:
    found = await session.scalar(select(Village).where(Village.name == name))
    assert found is not None
    return found


async def draft(
    session: AsyncSession,
    user: User,
    photos: list[DraftPhoto],
    *,
    where: tuple[float, float] | None = NEAR,
    visit: date = VISIT,
    village_name: str = "Majalangu",
    activity: str = "pbi_jkn",
    activity_other: str | None = None,
    **location: Any,
) -> Report:
    """A complete draft, flushed (it has its id), ready to be checked or sent."""
    assert user.agency_id is not None
    report = new_draft(session, user_id=user.id, agency_id=user.agency_id)
    report.village = await village(session, village_name)
    report.visit_date = visit
    if where is not None:
        report.latitude, report.longitude = where
        report.location_accuracy = location.get("accuracy", 12.0)
        report.location_forwarded = location.get("forwarded", False)
        report.location_live = False
    activities = [
        DraftActivity(
            strategy="pengurangan_beban",
            activity=activity,
            activity_other=activity_other,
            households=12,
            people=40,
            description="Pendataan calon penerima.",
            photos=photos,
        )
    ]
    report.draft_activities = drafts.dump(activities)
    await session.flush()
    return report


async def sent(session: AsyncSession, report: Report, at: datetime = TEST_NOW) -> str:
    report.flags = await evidence.check(session, report, settings=SETTINGS, now=at)
    reference = submit(report, at, JAKARTA)
    await session.flush()
    return reference


async def check(session: AsyncSession, report: Report) -> list[dict[str, Any]]:
    return await evidence.check(session, report, settings=SETTINGS, now=TEST_NOW)


def kinds(flags: list[dict[str, Any]]) -> list[str]:
    return [f["kind"] for f in flags]


# -- the pHash threshold, on real pictures --------------------------------------------------


def test_phash_threshold_tells_a_recompressed_photo_from_a_different_picture(
    store: PhotoStore,
) -> None:
    original = phone_photo()
    same_picture = {
        "sent as a photo (Telegram's re-encoding)": telegram_photo(original),
        "forwarded again (re-encoded twice)": telegram_photo(telegram_photo(original)),
        "stored rotated with EXIF orientation": phone_photo(
            photograph().transpose(Image.Transpose.ROTATE_90), exif=camera_exif(orientation=6)
        ),
        "as HEIC": heic(),
    }
    different = {
        "a relief of measured elevations": jpeg_bytes(relief()),
        "that relief re-encoded by Telegram": telegram_photo(jpeg_bytes(relief())),
        "the top of the photograph": jpeg_bytes(photograph().crop((0, 0, 512, 300))),
        "the bottom of the photograph": jpeg_bytes(photograph().crop((0, 300, 512, 600))),
    }
    reference = store.ingest(original, key="ref").phash
    for label, data in same_picture.items():
        distance = phash_distance(reference, store.ingest(data, key="same").phash)
        assert distance <= evidence.SIMILAR_PHASH_BITS, (label, distance)
    hashes = {label: store.ingest(data, key="other").phash for label, data in different.items()}
    for label, phash in hashes.items():
        # Far beyond the threshold, not just past it: no false alarm from a near miss.
        assert phash_distance(reference, phash) > 3 * evidence.SIMILAR_PHASH_BITS, label
    for (a, ha), (b, hb) in itertools.combinations(hashes.items(), 2):
        if "relief" in a and "relief" in b:
            continue  # the same picture twice
        assert phash_distance(ha, hb) > 3 * evidence.SIMILAR_PHASH_BITS, (a, b)


def test_our_phash_is_imagehash_phash_without_numpy() -> None:
    """services.photos computes imagehash.phash without NumPy or SciPy: the same bits."""
    pictures = [
        photograph(),
        photograph().rotate(30),
        relief(),
        Image.open(io.BytesIO(telegram_photo(phone_photo()))),
    ]
    for picture in pictures:
        assert perceptual_hash(picture) == str(imagehash.phash(picture))
    # And the bot itself loads neither for it.
    probe = (
        "import sys\n"
        "from services.photos import perceptual_hash\n"
        "from PIL import Image\n"
        "perceptual_hash(Image.new('RGB', (64, 48), 'green'))\n"
        "assert 'scipy' not in sys.modules, 'scipy loaded'\n"
        "assert 'numpy' not in sys.modules, 'numpy loaded'\n"
    )
    subprocess.run([sys.executable, "-c", probe], check=True, cwd=Path(__file__).parents[1])


# -- a clean report ---------------------------------------------------------------------------


async def test_clean_report_has_no_flag(db: AsyncSession, store: PhotoStore) -> None:
    user = await staff(db)
    on_the_day = datetime(2026, 11, 24, 9, 30)
    photos = [
        ingest(
            store,
            phone_photo(exif=camera_exif(taken=on_the_day, position=NEAR)),
            source="document",
        ),
        ingest(store, telegram_photo(jpeg_bytes(relief()))),
    ]
    report = await draft(db, user, photos)

    assert await check(db, report) == []


# -- location -----------------------------------------------------------------------------------


async def test_location_flags(db: AsyncSession) -> None:
    user = await staff(db)
    photo = [fake_photo("a" * 64, "0" * 16)]

    missing = await draft(db, user, list(photo), where=None)
    assert FlagKind.LOCATION_MISSING in kinds(await check(db, missing))

    far = await draft(db, user, list(photo), where=FAR_20_KM)
    [found] = [f for f in await check(db, far) if f["kind"] == FlagKind.LOCATION_FAR]
    assert found == {"kind": "location_far", "km": round(haversine_km(*FAR_20_KM, *CENTRE), 1)}
    assert 19.9 <= found["km"] <= 20.1

    forwarded = await draft(db, user, list(photo), forwarded=True)
    assert FlagKind.LOCATION_FORWARDED in kinds(await check(db, forwarded))

    vague = await draft(db, user, list(photo), accuracy=150.4)
    assert {"kind": "location_inaccurate", "accuracy_m": 150} in await check(db, vague)

    precise = await draft(db, user, list(photo), accuracy=100.0)
    assert not {k for k in kinds(await check(db, precise)) if k.startswith("location")}


async def test_distance_limit_comes_from_the_settings(db: AsyncSession) -> None:
    user = await staff(db)
    # About 2.2 km from the centre: fine at the default 3 km, far at 2 km.
    report = await draft(db, user, [fake_photo("a" * 64, "0" * 16)], where=(-7.138, 109.434955))
    assert FlagKind.LOCATION_FAR not in kinds(await check(db, report))
    strict = Settings(_env_file=None, TELEGRAM_BOT_TOKEN=None, DAMPINGAN_MAX_DISTANCE_KM=2)
    flags = await evidence.check(db, report, settings=strict, now=TEST_NOW)
    assert FlagKind.LOCATION_FAR in kinds(flags)


# -- reused photos ----------------------------------------------------------------------------


async def test_same_bytes_and_same_picture_are_flagged(
    db: AsyncSession, store: PhotoStore
) -> None:
    user = await staff(db)
    original = phone_photo()
    first = await draft(db, user, [ingest(store, original, source="document")])
    earlier = await sent(db, first, at=TEST_NOW - timedelta(days=30))

    same_bytes = await draft(db, user, [ingest(store, original, source="document")])
    assert {"kind": "photo_reused", "reference": earlier, "match": "same"} in await check(
        db, same_bytes
    )

    # The same picture sent as a photo: other bytes, the same pHash.
    recompressed = ingest(store, telegram_photo(original))
    assert recompressed.sha256 != first.activities[0].photos[0].sha256
    similar = await draft(db, user, [recompressed])
    assert {"kind": "photo_reused", "reference": earlier, "match": "similar"} in await check(
        db, similar
    )

    other_picture = await draft(db, user, [ingest(store, jpeg_bytes(relief()))])
    assert FlagKind.PHOTO_REUSED not in kinds(await check(db, other_picture))


async def test_one_flag_per_other_report_the_same_bytes_first(db: AsyncSession) -> None:
    user = await staff(db)
    a = await sent(db, await draft(db, user, [fake_photo("a" * 64, "ffff0000ffff0000")]))
    b = await sent(db, await draft(db, user, [fake_photo("b" * 64, "0000ffff0000ffff")]))
    report = await draft(
        db,
        user,
        [
            # Nearly the picture of `a` (2 bits off), and the very bytes of `b` twice.
            fake_photo("c" * 64, "ffff0000ffff0003"),
            fake_photo("b" * 64, "0000ffff0000ffff"),
            replace(fake_photo("b" * 64, "0000ffff0000ffff"), telegram_file_unique_id="again"),
        ],
    )
    reused = [f for f in await check(db, report) if f["kind"] == FlagKind.PHOTO_REUSED]
    assert reused == [
        {"kind": "photo_reused", "reference": b, "match": "same"},
        {"kind": "photo_reused", "reference": a, "match": "similar"},
    ]


async def test_similar_pictures_are_looked_for_a_year_back_same_bytes_forever(
    db: AsyncSession,
) -> None:
    user = await staff(db)
    long_ago = TEST_NOW - timedelta(days=400)
    old = await sent(
        db, await draft(db, user, [fake_photo("a" * 64, "1234567812345678")]), long_ago
    )
    similar = await draft(db, user, [fake_photo("d" * 64, "1234567812345679")])
    assert FlagKind.PHOTO_REUSED not in kinds(await check(db, similar))
    same = await draft(db, user, [fake_photo("a" * 64, "1234567812345678")])
    assert {"kind": "photo_reused", "reference": old, "match": "same"} in await check(db, same)


async def test_drafts_and_the_corrected_report_do_not_count(db: AsyncSession) -> None:
    user = await staff(db)
    other = await staff(db, 2002)
    photo = fake_photo("a" * 64, "1234567812345678")
    # Another person's unsent draft holds the same photo: not a report yet.
    await draft(db, other, [photo])
    first = await draft(db, user, [photo])
    assert FlagKind.PHOTO_REUSED not in kinds(await check(db, first))
    await sent(db, first)
    # A correction of `first` keeps its photos and its visit: neither is a reuse.
    correction = await draft(db, user, [photo])
    correction.corrects_id = first.id
    flags = await check(db, correction)
    assert FlagKind.PHOTO_REUSED not in kinds(flags)
    assert FlagKind.DUPLICATE_VISIT not in kinds(flags)


# -- photo metadata ---------------------------------------------------------------------------


async def test_capture_time_far_from_the_visit_is_flagged(
    db: AsyncSession, store: PhotoStore
) -> None:
    user = await staff(db)
    last_year = ingest(
        store,
        phone_photo(exif=camera_exif(taken=datetime(2025, 11, 20, 8, 0), position=NEAR)),
        source="document",
    )
    report = await draft(db, user, [last_year])
    assert {"kind": "photo_exif_time", "days": 369} in await check(db, report)

    two_days = ingest(
        store,
        phone_photo(relief(), exif=camera_exif(taken=datetime(2026, 11, 22, 23, 0))),
        source="document",
    )
    three_days = replace(two_days, taken_at=datetime(2026, 11, 27, 0, 30, tzinfo=JAKARTA))
    assert FlagKind.PHOTO_EXIF_TIME not in kinds(
        await check(db, await draft(db, user, [two_days]))
    )
    assert {"kind": "photo_exif_time", "days": 3} in await check(
        db, await draft(db, user, [three_days])
    )


async def test_capture_place_far_from_the_village_is_flagged(
    db: AsyncSession, store: PhotoStore
) -> None:
    user = await staff(db)
    elsewhere = ingest(
        store,
        phone_photo(exif=camera_exif(taken=datetime(2026, 11, 24, 8, 0), position=FAR_20_KM)),
        source="document",
    )
    flags = await check(db, await draft(db, user, [elsewhere]))
    [found] = [f for f in flags if f["kind"] == FlagKind.PHOTO_EXIF_FAR]
    assert 19.9 <= found["km"] <= 20.1


async def test_all_photos_compressed_is_only_informational(
    db: AsyncSession, store: PhotoStore
) -> None:
    user = await staff(db)
    report = await draft(db, user, [ingest(store, telegram_photo(phone_photo()))])
    flags = await check(db, report)
    assert flags == [{"kind": "no_exif"}]
    assert warnings(flags) == []


# -- duplicate visits ---------------------------------------------------------------------------


async def test_the_same_visit_reported_twice_is_flagged(db: AsyncSession) -> None:
    user = await staff(db)
    colleague = await staff(db, 2002)  # same agency, another person
    first = await sent(db, await draft(db, user, [fake_photo("a" * 64, "0f" * 8)]))

    again = await draft(db, colleague, [fake_photo("b" * 64, "f0" * 8)])
    assert {"kind": "duplicate_visit", "reference": first} in await check(db, again)

    other_day = await draft(db, user, [fake_photo("c" * 64, "00" * 8)], visit=date(2026, 11, 23))
    other_activity = await draft(db, user, [fake_photo("d" * 64, "ff" * 8)], activity="pkh")
    other_village = await draft(
        db, user, [fake_photo("e" * 64, "33" * 8)], village_name="Pagergunung"
    )
    for report in (other_day, other_activity, other_village):
        assert FlagKind.DUPLICATE_VISIT not in kinds(await check(db, report))


async def test_activities_outside_the_list_are_the_same_by_name(db: AsyncSession) -> None:
    user = await staff(db)
    first = await sent(
        db,
        await draft(
            db, user, [fake_photo("a" * 64, "0f" * 8)], activity=OTHER, activity_other="Posyandu"
        ),
    )
    same = await draft(
        db,
        user,
        [fake_photo("b" * 64, "f0" * 8)],
        activity=OTHER,
        activity_other="  posyandu ",
    )
    other = await draft(
        db, user, [fake_photo("c" * 64, "00" * 8)], activity=OTHER, activity_other="Pelatihan"
    )
    assert {"kind": "duplicate_visit", "reference": first} in await check(db, same)
    assert FlagKind.DUPLICATE_VISIT not in kinds(await check(db, other))


# -- stored with the report ---------------------------------------------------------------------


async def test_flags_are_stored_with_the_report_and_its_version(db: AsyncSession) -> None:
    user = await staff(db)
    report = await draft(db, user, [fake_photo("a" * 64, "0f" * 8)], where=None)
    await sent(db, report)
    await db.commit()
    version = await db.scalar(select(ReportVersion).where(ReportVersion.report_id == report.id))
    assert version is not None
    assert (
        kinds(version.flags or []) == kinds(report.flags or []) == ["location_missing", "no_exif"]
    )


# -- the pHash band keys: the indexed pre-filter of the similar-picture check ------------------


def _flipped(phash: str, bits: list[int]) -> str:
    value = int(phash, 16)
    for bit in bits:
        value ^= 1 << bit
    return f"{value:016x}"


def test_hashes_within_the_threshold_always_share_a_band_key() -> None:
    rng = random.Random(7)
    for _ in range(3000):
        mine = f"{rng.getrandbits(64):016x}"
        for flips in range(evidence.SIMILAR_PHASH_BITS + 1):
            other = _flipped(mine, rng.sample(range(64), flips))
            assert phash_distance(mine, other) == flips
            assert set(phash_band_keys(mine)) & set(phash_band_keys(other)), (mine, other)
    # The worst case: one bit off in every band but one leaves that one band to share.
    edges = [0, 9, 18, 27, 36, 45, 54]
    mine = "0123456789abcdef"
    for kept in range(7):
        other = _flipped(mine, [edge for band, edge in enumerate(edges) if band != kept])
        shared = set(phash_band_keys(mine)) & set(phash_band_keys(other))
        assert shared == {phash_band_keys(mine)[kept]}
    # One more bit may leave none: the pre-filter is sized for the threshold, not beyond.
    assert not set(phash_band_keys(mine)) & set(phash_band_keys(_flipped(mine, edges)))


def test_no_band_keys_without_a_hash_or_for_one_not_hex() -> None:
    assert phash_band_keys(None) == phash_band_keys("") == phash_band_keys("not hex") == []
    assert len(set(phash_band_keys("0000000000000000"))) == evidence.SIMILAR_PHASH_BITS + 1


async def test_the_band_keys_find_what_comparing_every_photo_of_the_year_found(
    db: AsyncSession,
) -> None:
    """Reports with pHashes 0 to 10 bits from the one checked, some older than a year, some
    without a pHash or with one not hex: flagged are exactly the reports of the year within
    the threshold (and the one with the same bytes at any age), as comparing every photo
    of the year with it found them."""
    rng = random.Random(11)
    user = await staff(db)
    mine = "8badf00ddeadbeef"
    expected: list[tuple[datetime, int, str]] = []
    for n in range(40):
        flips = rng.randrange(11)
        at = TEST_NOW - timedelta(days=rng.choice([1, 100, 364, 366, 500]))
        phash = rng.choice([_flipped(mine, rng.sample(range(64), flips))] * 8 + [None, "zz"])
        report = await draft(db, user, [replace(fake_photo(f"{n:064x}", ""), phash=phash)])
        reference = await sent(db, report, at)
        within = flips <= evidence.SIMILAR_PHASH_BITS and phash not in (None, "zz")
        if within and at >= TEST_NOW - evidence.SIMILAR_LOOKBACK:
            expected.append((at, report.id, reference))
    long_ago = TEST_NOW - timedelta(days=700)
    same = await sent(
        db, await draft(db, user, [fake_photo("f" * 64, "0000000000000000")]), long_ago
    )

    checked = await draft(db, user, [fake_photo("e" * 64, mine), fake_photo("f" * 64, "")])
    reused = await evidence.photo_reuse(db, checked, checked.draft[0].photos, now=TEST_NOW)
    assert expected and reused == [evidence.Reuse(same, "same")] + [
        evidence.Reuse(reference, "similar") for _, _, reference in sorted(expected)
    ]
