"""A draft's activities and photos, kept as one JSON document on its report row.

While a report is filled in, every answer changes it. As rows of three tables, reading the
draft took a SELECT per table and storing an answer an UPDATE per changed row; as one
document on the report row, reading the person with their draft is one SELECT and storing
an answer one UPDATE. At submission the document becomes `report_activity` and `photo`
rows (models/reports.py), which digests, exports and the history read.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from typing import Any


@dataclass
class DraftPhoto:
    telegram_file_unique_id: str
    # "photo" (re-encoded by Telegram, no EXIF) or "document" (original bytes).
    source: str
    sha256: str
    archive_path: str
    thumb_path: str
    width: int
    height: int
    taken_at: datetime | None = None
    exif_latitude: float | None = None
    exif_longitude: float | None = None
    file_id: str | None = None
    phash: str | None = None
    original_path: str | None = None
    archive_sha256: str | None = None

    @property
    def files(self) -> tuple[str, ...]:
        """Every file of the photo in the photo store: what removing the photo removes."""
        return tuple(
            dict.fromkeys(p for p in (self.archive_path, self.thumb_path, self.original_path) if p)
        )


@dataclass
class DraftActivity:
    # Names the activity's photo folder: positions shift when an activity is removed.
    key: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    strategy: str | None = None
    activity: str | None = None
    activity_other: str | None = None
    households: int | None = None
    people: int | None = None
    description: str | None = None
    photos: list[DraftPhoto] = field(default_factory=list)


DRAFT_PHOTO_FIELDS = tuple(f.name for f in fields(DraftPhoto))
_PHOTO_FIELDS = set(DRAFT_PHOTO_FIELDS)
_ACTIVITY_FIELDS = {f.name for f in fields(DraftActivity)} - {"photos"}


def _photo(data: dict[str, Any]) -> DraftPhoto:
    values = {k: v for k, v in data.items() if k in _PHOTO_FIELDS}
    if isinstance(values.get("taken_at"), str):
        values["taken_at"] = datetime.fromisoformat(values["taken_at"])
    return DraftPhoto(**values)


def parse(document: list[dict[str, Any]] | None) -> list[DraftActivity]:
    """The activities of a stored document (unknown keys of a newer version are ignored)."""
    return [
        DraftActivity(
            **{k: v for k, v in item.items() if k in _ACTIVITY_FIELDS},
            photos=[_photo(p) for p in item.get("photos") or []],
        )
        for item in document or []
    ]


def dump(activities: list[DraftActivity]) -> list[dict[str, Any]]:
    """The document to store (JSON types only)."""
    document = []
    for activity in activities:
        item = asdict(activity)
        for photo in item["photos"]:
            if isinstance(photo["taken_at"], datetime):
                photo["taken_at"] = photo["taken_at"].isoformat()
        document.append(item)
    return document
