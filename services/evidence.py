"""The evidence checks of a report about to be sent: where it was sent from, whether its
photos were used before or were taken elsewhere or at another time, whether the same visit
was already reported. The result is a list of flags (models/flags.py) stored with the report
and its version; a flag never stops a report from being sent.

The checks read the draft (`report.draft`) and the village, date and location on the row;
"another report" is any sent report but this one and the one it corrects (a correction's
photos and visit are those of the report it corrects).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from core.geo import haversine_km
from core.settings import Settings
from models import reports
from models.activities import OTHER
from models.drafts import DraftActivity, DraftPhoto
from models.flags import FlagKind, flag
from models.regions import Village

# Defined with the band keys it sizes (models.reports.phash_band_keys); named here too.
from models.reports import SIMILAR_PHASH_BITS as SIMILAR_PHASH_BITS
from models.reports import Report

# How far back a similar picture is looked for (the same bytes are found at any age).
SIMILAR_LOOKBACK = timedelta(days=365)
# A photo sent as a file whose capture date is further than this from the visit date.
EXIF_TIME_DAYS = 2
# Telegram's horizontal accuracy (radius of uncertainty) beyond which a place is doubtful.
INACCURATE_M = 100.0

Match = Literal["same", "similar"]


@dataclass(frozen=True)
class Reuse:
    """A photo of this report that is also a photo of another sent report."""

    reference: str
    match: Match


async def check(
    session: AsyncSession, report: Report, *, settings: Settings, now: datetime
) -> list[dict[str, Any]]:
    """The flags of `report` as it is about to be sent (a draft, or a correction's draft)."""
    village = await _village(session, report)
    activities = report.draft
    photos = [photo for activity in activities for photo in activity.photos]
    flags = _location_flags(report, village, settings.max_distance_km)
    for found in await photo_reuse(session, report, photos, now=now):
        flags.append(flag(FlagKind.PHOTO_REUSED, reference=found.reference, match=found.match))
    flags.extend(_metadata_flags(photos, report.visit_date, village, settings))
    flags.extend(
        flag(FlagKind.DUPLICATE_VISIT, reference=reference)
        for reference in await _same_visits(session, report, activities)
    )
    if photos and not any(_has_exif(photo) for photo in photos):
        flags.append(flag(FlagKind.NO_EXIF))
    return flags


async def photo_reuse(
    session: AsyncSession, report: Report, photos: Sequence[DraftPhoto], *, now: datetime
) -> list[Reuse]:
    """The other sent reports that hold one of `photos`: the same bytes (at any age), or the
    same picture by perceptual hash (sent in the last 12 months). One entry per report,
    "same" before "similar", the earliest report first."""
    digests = {photo.sha256 for photo in photos}
    hashes = [photo.phash for photo in photos if photo.phash]
    rows = await reports.photos_alike(
        session, digests, hashes, since=now - SIMILAR_LOOKBACK, exclude=_exclude(report)
    )
    found: dict[str, Match] = {}
    for digest, _phash, reference in rows:
        if digest in digests:
            found.setdefault(reference, "same")
    # Every other row is a photo within SIMILAR_PHASH_BITS (photos_alike compares them).
    for _digest, _phash, reference in rows:
        found.setdefault(reference, "similar")
    ranked = sorted(found.items(), key=lambda item: item[1] != "same")
    return [Reuse(reference, match) for reference, match in ranked]


def _exclude(report: Report) -> Collection[int]:
    return [i for i in (report.id, report.corrects_id) if i is not None]


async def _village(session: AsyncSession, report: Report) -> Village | None:
    if report.village_id is None:
        return None
    # From the session's identity map when the form loaded it (no query then).
    return await session.get(Village, report.village_id)


def _centre(village: Village | None) -> tuple[float, float] | None:
    if village is None or village.lat is None or village.lon is None:
        return None
    return village.lat, village.lon


def _location_flags(
    report: Report, village: Village | None, max_km: float
) -> list[dict[str, Any]]:
    if report.latitude is None or report.longitude is None:
        return [flag(FlagKind.LOCATION_MISSING)]
    flags = []
    centre = _centre(village)
    if centre is not None:
        km = haversine_km(report.latitude, report.longitude, *centre)
        if km > max_km:
            flags.append(flag(FlagKind.LOCATION_FAR, km=round(km, 1)))
    if report.location_forwarded:
        flags.append(flag(FlagKind.LOCATION_FORWARDED))
    accuracy = report.location_accuracy
    if accuracy is not None and accuracy > INACCURATE_M:
        flags.append(flag(FlagKind.LOCATION_INACCURATE, accuracy_m=round(accuracy)))
    return flags


def _metadata_flags(
    photos: Sequence[DraftPhoto], visit: date | None, village: Village | None, settings: Settings
) -> list[dict[str, Any]]:
    """The furthest capture date and position among the photos sent as files (a compressed
    photo carries neither)."""
    files = [photo for photo in photos if photo.source == "document"]
    flags = []
    if visit is not None:
        days = [_days_apart(p.taken_at, visit, settings.tz) for p in files if p.taken_at]
        worst = max(days, default=0)
        if worst > EXIF_TIME_DAYS:
            flags.append(flag(FlagKind.PHOTO_EXIF_TIME, days=worst))
    centre = _centre(village)
    if centre is not None:
        distances = [
            haversine_km(p.exif_latitude, p.exif_longitude, *centre)
            for p in files
            if p.exif_latitude is not None and p.exif_longitude is not None
        ]
        furthest = max(distances, default=0.0)
        if furthest > settings.max_distance_km:
            flags.append(flag(FlagKind.PHOTO_EXIF_FAR, km=round(furthest, 1)))
    return flags


def _days_apart(taken: datetime, visit: date, tz: tzinfo) -> int:
    # The capture time is an instant: its date is the regency's, like the visit date.
    local = taken.astimezone(tz) if taken.tzinfo is not None else taken
    return abs((local.date() - visit).days)


def _has_exif(photo: DraftPhoto) -> bool:
    return photo.taken_at is not None or photo.exif_latitude is not None


async def _same_visits(
    session: AsyncSession, report: Report, activities: Sequence[DraftActivity]
) -> list[str]:
    """The other sent reports of the same agency, village, date and activity (an activity
    outside the list counts as the same when its name is)."""
    if report.village_id is None or report.visit_date is None:
        return []
    wanted = {_visit_key(a.activity, a.activity_other) for a in activities if a.activity}
    found = await reports.same_visits(
        session,
        agency_id=report.agency_id,
        village_id=report.village_id,
        visit_date=report.visit_date,
        activities={activity for activity, _ in wanted if activity is not None},
        exclude=_exclude(report),
    )
    references = [ref for ref, activity, other in found if _visit_key(activity, other) in wanted]
    return list(dict.fromkeys(references))


def _visit_key(activity: str | None, other: str | None) -> tuple[str | None, str | None]:
    # "Other" activities are told apart by their name, as typed (case and spaces aside).
    if activity != OTHER or not other:
        return activity, None
    return activity, " ".join(other.casefold().split())
