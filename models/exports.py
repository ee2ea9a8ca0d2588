"""The export query: the latest version of each submitted report, one row per activity, and
its photos, under the filters of an export (/ekspor and `dampingan export`).

A report row holds the latest version of the report (earlier versions live whole in
`report_version`), so reading `report` and its activities exports each report once, as it
stands now. Like the digest (models/digests.py), only columns are selected, and the result
is made of frozen dataclasses holding plain values, safe to hand to a worker thread that
writes the files.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.geo import haversine_km
from models.activities import Strategy
from models.agencies import Agency
from models.flags import kinds
from models.regions import Kecamatan, Village
from models.reports import Photo, Report, ReportActivity, ReportStatus, ReviewStatus
from models.users import User

__all__ = [
    "ExportFilter",
    "ExportPhoto",
    "ExportRow",
    "export_rows",
]


@dataclass(frozen=True)
class ExportFilter:
    """What an export covers: visit dates from `start` to `end` (both included), and
    optionally one kecamatan, one agency, one strategy (only its activities are listed) and
    one review status."""

    start: date
    end: date
    kecamatan_id: int | None = None
    agency_id: int | None = None
    strategy: Strategy | None = None
    review_status: ReviewStatus | None = None

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"period ends ({self.end}) before it starts ({self.start})")


@dataclass(frozen=True)
class ExportRow:
    """One activity of a report (the columns of services/exports.COLUMNS)."""

    report_id: int
    reference: str
    version: int
    review_status: str | None
    submitted_at: datetime | None
    visit_date: date
    kecamatan_code: str
    kecamatan: str
    village_code: str
    village: str
    agency: str
    author: str
    strategy: str | None
    activity: str | None
    activity_other: str | None
    households: int | None
    people: int | None
    description: str | None
    latitude: float | None
    longitude: float | None
    distance_km: float | None
    # The report's photos (all its activities): a report's photo folder in the ZIP.
    photos: int
    flags: tuple[str, ...]


@dataclass(frozen=True)
class ExportPhoto:
    """One photo of an exported report; `number` is its place in the report (1, 2, ...),
    which names it in the ZIP: `<reference>/<number>.jpg`."""

    reference: str
    number: int
    archive_path: str
    sha256: str
    taken_at: datetime | None
    exif_latitude: float | None
    exif_longitude: float | None

    @property
    def zip_name(self) -> str:
        return f"{self.reference}/{self.number}.jpg"


def _conditions(filters: ExportFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [
        Report.status == ReportStatus.SUBMITTED,
        Report.reference.is_not(None),
        Report.visit_date.between(filters.start, filters.end),
    ]
    if filters.kecamatan_id is not None:
        conditions.append(Village.kecamatan_id == filters.kecamatan_id)
    if filters.agency_id is not None:
        conditions.append(Report.agency_id == filters.agency_id)
    if filters.review_status is not None:
        conditions.append(Report.review_status == filters.review_status)
    return conditions


async def export_rows(
    session: AsyncSession, filters: ExportFilter
) -> tuple[tuple[ExportRow, ...], tuple[ExportPhoto, ...]]:
    """The rows and the photos of an export, in visit order (two statements)."""
    conditions = _conditions(filters)
    photo_count = (
        select(func.count(Photo.id))
        .join(ReportActivity, ReportActivity.id == Photo.activity_id)
        .where(ReportActivity.report_id == Report.id)
        .correlate(Report)
        .scalar_subquery()
    )
    activity_conditions = list(conditions)
    if filters.strategy is not None:
        activity_conditions.append(ReportActivity.strategy == filters.strategy.value)
    order = (Report.visit_date, Report.submitted_at, Report.id)
    stmt = (
        select(
            Report.id,
            Report.reference,
            Report.version,
            Report.review_status,
            Report.submitted_at,
            Report.visit_date,
            Kecamatan.code,
            Kecamatan.name,
            Village.code,
            Village.name,
            func.coalesce(Agency.short_name, Agency.name),
            User.full_name,
            ReportActivity.strategy,
            ReportActivity.activity,
            ReportActivity.activity_other,
            ReportActivity.households,
            ReportActivity.people,
            ReportActivity.description,
            Report.latitude,
            Report.longitude,
            Village.lat,
            Village.lon,
            photo_count,
            Report.flags,
        )
        .select_from(Report)
        .join(ReportActivity, ReportActivity.report_id == Report.id)
        .join(Village, Village.id == Report.village_id)
        .join(Kecamatan, Kecamatan.id == Village.kecamatan_id)
        .join(Agency, Agency.id == Report.agency_id)
        .join(User, User.id == Report.user_id)
        .where(*activity_conditions)
        .order_by(*order, ReportActivity.position, ReportActivity.id)
    )
    result: Sequence[Any] = (await session.execute(stmt)).all()
    rows = []
    for row in result:
        (*head, lat, lon, village_lat, village_lon, photos, flags) = row
        distance = (
            round(haversine_km(lat, lon, village_lat, village_lon), 2)
            if None not in (lat, lon, village_lat, village_lon)
            else None
        )
        review = head[3]
        head[3] = review.value if review is not None else None
        flag_kinds = tuple(kind.value for kind in kinds(flags))
        # The selected columns are ExportRow's fields, in its order.
        fields: list[Any] = [*head, lat, lon, distance, photos, flag_kinds]
        rows.append(ExportRow(*fields))

    exported = {row.report_id for row in rows}
    photo_stmt = (
        select(
            Report.id,
            Report.reference,
            Photo.archive_path,
            func.coalesce(Photo.archive_sha256, Photo.sha256),
            Photo.taken_at,
            Photo.exif_latitude,
            Photo.exif_longitude,
        )
        .select_from(Photo)
        .join(ReportActivity, ReportActivity.id == Photo.activity_id)
        .join(Report, Report.id == ReportActivity.report_id)
        .join(Village, Village.id == Report.village_id)
        .where(*conditions)
        .order_by(*order, ReportActivity.position, ReportActivity.id, Photo.id)
    )
    photos_out = []
    numbers: dict[int, int] = {}
    photo_result: Sequence[Any] = (await session.execute(photo_stmt)).all()
    for report_id, reference, *rest in photo_result:
        # A strategy filter can leave a report out entirely; its photos go with it.
        if report_id not in exported:
            continue
        numbers[report_id] = numbers.get(report_id, 0) + 1
        photos_out.append(ExportPhoto(reference, numbers[report_id], *rest))
    return tuple(rows), tuple(photos_out)
