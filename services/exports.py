"""Exports of the reports (/ekspor and `dampingan export`): XLSX, CSV, GeoJSON and photo ZIPs.

`load_export` reads everything from the database (models/exports.py) together with the
labels in the reader's language; the `*_bytes` functions and `write_photo_zips` are CPU and
disk work on plain values, so the bot runs them in a worker thread.

Text typed by field staff never becomes a formula:
- every string cell of the workbook is stored as text (openpyxl would otherwise store
  "=HYPERLINK(...)" as a formula);
- a CSV cell has no type, and Excel (which the CSV's byte order mark is for) evaluates a cell
  starting with `=`, `+`, `-`, `@`, a tab or a carriage return as a formula ("CSV injection").
  Following OWASP's advice, such a *text* value is written with a single quote in front
  (`'=HYPERLINK(...)`, `'-1`), which Excel shows as the text itself. Numbers are never
  prefixed: a latitude in Pemalang is -6.9 and stays a number. Readers other than a
  spreadsheet see the quote; that is the price of a file that is safe to double-click;
- the GeoJSON keeps the text as typed: QGIS and other GIS readers evaluate nothing, and its
  values are typed JSON (strings are strings).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.i18n import Translator
from models.activities import OTHER, Strategy, activity_names
from models.agencies import Agency
from models.exports import ExportFilter, ExportPhoto, ExportRow, export_rows
from models.flags import FlagKind
from models.regions import Kecamatan
from models.reports import ReviewStatus

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

__all__ = [
    "COLUMNS",
    "PART_LIMIT",
    "PHOTO_COLUMNS",
    "Export",
    "ExportFormat",
    "PhotoZips",
    "csv_bytes",
    "csv_cell",
    "geojson_bytes",
    "load_export",
    "render",
    "write_photo_zips",
    "xlsx_bytes",
]

# Telegram bots upload documents of up to 50 MB; a part stays a little under.
PART_LIMIT = 49 * 1024 * 1024


class ExportFormat(StrEnum):
    XLSX = "xlsx"
    CSV = "csv"
    GEOJSON = "geojson"
    PHOTOS = "photos"


# The first sheet's (and the CSV's, and the GeoJSON properties') columns, in order; each is
# headed by `export-col-<key>` in locales/*/exports.ftl.
COLUMNS: tuple[str, ...] = (
    "reference",
    "version",
    "review_status",
    "submitted_at",
    "visit_date",
    "kecamatan_code",
    "kecamatan",
    "village_code",
    "village",
    "agency",
    "author",
    "strategy",
    "activity",
    "activity_other",
    "households",
    "people",
    "description",
    "latitude",
    "longitude",
    "distance_km",
    "photos",
    "flags",
)
# The photo sheet's columns (`export-photo-col-<key>`).
PHOTO_COLUMNS: tuple[str, ...] = (
    "reference",
    "file",
    "sha256",
    "taken_at",
    "exif_latitude",
    "exif_longitude",
)

_DATE_FORMAT = "yyyy-mm-dd"
_DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
_COUNT_FORMAT = "#,##0"
_DEGREES_FORMAT = "0.000000"
_KM_FORMAT = "0.00"
_FORMATS = {
    "visit_date": _DATE_FORMAT,
    "submitted_at": _DATETIME_FORMAT,
    "taken_at": _DATETIME_FORMAT,
    "households": _COUNT_FORMAT,
    "people": _COUNT_FORMAT,
    "photos": _COUNT_FORMAT,
    "latitude": _DEGREES_FORMAT,
    "longitude": _DEGREES_FORMAT,
    "exif_latitude": _DEGREES_FORMAT,
    "exif_longitude": _DEGREES_FORMAT,
    "distance_km": _KM_FORMAT,
}
_FIXED_WIDTHS = {
    "visit_date": 12,
    "submitted_at": 17,
    "taken_at": 17,
    "latitude": 12,
    "longitude": 12,
    "exif_latitude": 12,
    "exif_longitude": 12,
}
_MAX_WIDTH = 60


@dataclass(frozen=True)
class Export:
    """An export's data and everything language-dependent needed to write it."""

    rows: tuple[ExportRow, ...]
    photos: tuple[ExportPhoto, ...]
    lang: str
    headers: tuple[str, ...]
    photo_headers: tuple[str, ...]
    sheet_titles: tuple[str, str, str]
    # The third sheet: (label, value) lines describing the filters.
    filter_lines: tuple[tuple[str, str], ...]
    made_at_label: str
    strategy: dict[str, str] = field(default_factory=dict)
    activity: dict[str, str] = field(default_factory=dict)
    review: dict[str, str] = field(default_factory=dict)
    flag: dict[str, str] = field(default_factory=dict)


async def load_export(
    session: AsyncSession, filters: ExportFilter, translator: Translator, lang: str
) -> Export:
    t = translator
    rows, photos = await export_rows(session, filters)
    every = t(lang, "export-filter-all")
    kecamatan: str = every
    if filters.kecamatan_id is not None:
        found = await session.get(Kecamatan, filters.kecamatan_id)
        kecamatan = f"{found.code} {found.name}" if found else str(filters.kecamatan_id)
    agency: str = every
    if filters.agency_id is not None:
        found_agency = await session.get(Agency, filters.agency_id)
        agency = found_agency.name if found_agency else str(filters.agency_id)
    strategy_names = {s.value: str(t(lang, f"strategy-short-{s.value}")) for s in Strategy}
    review_names = {s.value: str(t(lang, f"digest-xlsx-review-{s.value}")) for s in ReviewStatus}
    lines = (
        (t(lang, "export-filter-from"), filters.start.isoformat()),
        (t(lang, "export-filter-to"), filters.end.isoformat()),
        (t(lang, "export-filter-kecamatan"), kecamatan),
        (t(lang, "export-filter-agency"), agency),
        (
            t(lang, "export-filter-strategy"),
            strategy_names[filters.strategy.value] if filters.strategy else every,
        ),
        (
            t(lang, "export-filter-review"),
            review_names[filters.review_status.value] if filters.review_status else every,
        ),
    )
    return Export(
        rows=rows,
        photos=photos,
        lang=lang,
        headers=tuple(str(t(lang, f"export-col-{key}")) for key in COLUMNS),
        photo_headers=tuple(str(t(lang, f"export-photo-col-{key}")) for key in PHOTO_COLUMNS),
        sheet_titles=(
            str(t(lang, "export-sheet-reports")),
            str(t(lang, "export-sheet-photos")),
            str(t(lang, "export-sheet-filters")),
        ),
        filter_lines=tuple((str(label), str(value)) for label, value in lines),
        made_at_label=str(t(lang, "export-filter-made-at")),
        strategy=strategy_names,
        activity={
            **await activity_names(session, lang),
            OTHER: str(t(lang, "report-activity-other")),
        },
        review=review_names,
        flag={k.value: str(t(lang, f"digest-xlsx-flag-{k.value}")) for k in FlagKind},
    )


def _local(moment: datetime | None, tz: tzinfo) -> datetime | None:
    # Spreadsheets have no time zones: times are written as the reader's wall clock. SQLite
    # gives naive datetimes back; they are UTC.
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(tz).replace(tzinfo=None)


def _values(export: Export, row: ExportRow, tz: tzinfo) -> list[Any]:
    """The row's cells in COLUMNS' order, as real values (dates, numbers, text)."""
    return [
        row.reference,
        row.version,
        export.review.get(row.review_status, row.review_status) if row.review_status else None,
        _local(row.submitted_at, tz),
        row.visit_date,
        row.kecamatan_code,
        row.kecamatan,
        row.village_code,
        row.village,
        row.agency,
        row.author,
        export.strategy.get(row.strategy, row.strategy) if row.strategy else None,
        export.activity.get(row.activity, row.activity) if row.activity else None,
        row.activity_other,
        row.households,
        row.people,
        row.description,
        row.latitude,
        row.longitude,
        row.distance_km,
        row.photos,
        "; ".join(export.flag.get(kind, kind) for kind in row.flags) or None,
    ]


def _photo_values(photo: ExportPhoto, tz: tzinfo) -> list[Any]:
    return [
        photo.reference,
        photo.zip_name,
        photo.sha256,
        _local(photo.taken_at, tz),
        photo.exif_latitude,
        photo.exif_longitude,
    ]


def _text(value: str) -> str:
    # Control characters (pasted from other apps) make openpyxl refuse the whole workbook.
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return str(ILLEGAL_CHARACTERS_RE.sub("", value))


def _sheet(
    sheet: Worksheet,
    keys: Sequence[str],
    headers: Sequence[str],
    lines: Sequence[Sequence[Any]],
) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    widths = [len(header) + 2 for header in headers]
    for column, header in enumerate(headers, start=1):
        cell = sheet.cell(row=1, column=column, value=_text(header))
        cell.data_type = "s"
        cell.font = bold
    for number, values in enumerate(lines, start=2):
        for column, (key, value) in enumerate(zip(keys, values, strict=True), start=1):
            if isinstance(value, str):
                value = _text(value)
            cell = sheet.cell(row=number, column=column, value=value)
            if isinstance(value, str):
                # openpyxl stores any string starting with "=" as a formula.
                cell.data_type = "s"
                widths[column - 1] = max(widths[column - 1], len(value) + 2)
            elif isinstance(value, int | float) and not isinstance(value, bool):
                widths[column - 1] = max(widths[column - 1], len(f"{value:,}") + 2)
            if key in _FORMATS and value is not None:
                cell.number_format = _FORMATS[key]
    for column, key in enumerate(keys, start=1):
        width = max(widths[column - 1], _FIXED_WIDTHS.get(key, 0))
        sheet.column_dimensions[get_column_letter(column)].width = min(width, _MAX_WIDTH)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(keys))}{len(lines) + 1}"


def xlsx_bytes(export: Export, *, made_at: datetime, tz: tzinfo = UTC) -> bytes:
    """Three sheets: the rows, the photos, and the filters with the time it was made."""
    # Imported here: openpyxl brings NumPy, 28 MiB the bot needs only once someone exports.
    from openpyxl import Workbook

    workbook = Workbook()
    reports = workbook.active
    assert reports is not None
    reports.title = export.sheet_titles[0][:31]
    _sheet(reports, COLUMNS, export.headers, [_values(export, r, tz) for r in export.rows])
    photos = workbook.create_sheet(export.sheet_titles[1][:31])
    _sheet(
        photos, PHOTO_COLUMNS, export.photo_headers, [_photo_values(p, tz) for p in export.photos]
    )
    filters = workbook.create_sheet(export.sheet_titles[2][:31])
    for number, (label, value) in enumerate(export.filter_lines, start=1):
        for column, text in enumerate((label, value), start=1):
            filters.cell(row=number, column=column, value=_text(text)).data_type = "s"
    made = len(export.filter_lines) + 1
    filters.cell(row=made, column=1, value=_text(export.made_at_label)).data_type = "s"
    filters.cell(row=made, column=2, value=_local(made_at, tz)).number_format = _DATETIME_FORMAT
    filters.column_dimensions["A"].width = 24
    filters.column_dimensions["B"].width = 40
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _plain(value: Any) -> Any:
    """A value as text for CSV and GeoJSON: dates in ISO 8601, numbers as they are."""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    return value


# What makes Excel read a CSV cell as a formula (OWASP, "CSV Injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A CSV cell: text that a spreadsheet would evaluate gets a leading quote; numbers,
    dates and other text as they are."""
    if value is None:
        return ""
    if isinstance(value, str):
        return f"'{value}" if value.startswith(_FORMULA_START) else value
    return _plain(value)


def csv_bytes(export: Export, *, tz: tzinfo = UTC) -> bytes:
    """The first sheet as CSV, UTF-8 with a byte order mark so Excel reads it as UTF-8; text
    that would be a formula is quoted (see the module's docstring)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_cell(header) for header in export.headers])
    for row in export.rows:
        writer.writerow([csv_cell(v) for v in _values(export, row, tz)])
    return buffer.getvalue().encode("utf-8-sig")


def geojson_bytes(export: Export, *, tz: tzinfo = UTC) -> bytes:
    """The rows with a shared location as points (one feature per activity row, so each
    carries the same properties as a CSV line), for QGIS."""
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [row.longitude, row.latitude]},
            "properties": {
                header: _plain(value)
                for header, value in zip(export.headers, _values(export, row, tz), strict=True)
            },
        }
        for row in export.rows
        if row.latitude is not None and row.longitude is not None
    ]
    collection = {"type": "FeatureCollection", "features": features}
    return json.dumps(collection, ensure_ascii=False, indent=1).encode("utf-8")


def render(export: Export, fmt: ExportFormat, *, made_at: datetime, tz: tzinfo = UTC) -> bytes:
    """One file in `fmt` (not photos: see `write_photo_zips`)."""
    if fmt is ExportFormat.XLSX:
        return xlsx_bytes(export, made_at=made_at, tz=tz)
    if fmt is ExportFormat.CSV:
        return csv_bytes(export, tz=tz)
    if fmt is ExportFormat.GEOJSON:
        return geojson_bytes(export, tz=tz)
    raise ValueError(f"{fmt} is not a single file")


# -- photo ZIPs ----------------------------------------------------------------------------

# A stored ZIP entry costs its local header (30 bytes + name) and its central directory
# record (46 bytes + name) besides the data; the end record is 22 bytes. Rounded up, so a
# part never passes its limit.
_ENTRY_OVERHEAD = 30 + 46 + 64
_ZIP_OVERHEAD = 22 + 64


@dataclass(frozen=True)
class PhotoZips:
    parts: tuple[Path, ...]
    photos: int
    # ZIP names of photos whose archive file is gone (left out, and said so).
    missing: tuple[str, ...]


def write_photo_zips(
    photos: Sequence[ExportPhoto],
    *,
    open_photo: Callable[[str], Path],
    directory: Path,
    stem: str,
    limit: int = PART_LIMIT,
    progress: Callable[[int, int], None] | None = None,
) -> PhotoZips:
    """Writes the photos into `<directory>/<stem>-1.zip`, `-2.zip`, ... each a complete ZIP
    of at most `limit` bytes (JPEGs are stored as they are: compressing them gains nothing).
    `progress(done, total)` is called after each photo. Raises ValueError when one photo
    alone does not fit in a part."""
    directory.mkdir(parents=True, exist_ok=True)
    parts: list[Path] = []
    missing: list[str] = []
    current: zipfile.ZipFile | None = None
    size = 0
    written = 0
    try:
        for done, photo in enumerate(photos, start=1):
            try:
                path = open_photo(photo.archive_path)
                length = path.stat().st_size
            except (OSError, ValueError):
                missing.append(photo.zip_name)
                length = -1
            if length >= 0:
                cost = length + 2 * len(photo.zip_name.encode()) + _ENTRY_OVERHEAD
                if cost + _ZIP_OVERHEAD > limit:
                    raise ValueError(f"{photo.zip_name} ({length} bytes) exceeds the part limit")
                if current is None or size + cost > limit:
                    if current is not None:
                        current.close()
                    parts.append(directory / f"{stem}-{len(parts) + 1}.zip")
                    current = zipfile.ZipFile(parts[-1], "w", zipfile.ZIP_STORED)
                    size = _ZIP_OVERHEAD
                current.write(path, photo.zip_name)
                size += cost
                written += 1
            if progress is not None:
                progress(done, len(photos))
    finally:
        if current is not None:
            current.close()
    return PhotoZips(parts=tuple(parts), photos=written, missing=tuple(missing))
