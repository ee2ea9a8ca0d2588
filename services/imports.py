"""Imports of regions, agencies and assignments from CSV or XLSX files, and of kecamatan
boundaries from GeoJSON (the operator's CLI).

Every import validates the whole file before it touches the session: a file with any bad line
is rejected whole (`ImportRejected`, listing every bad line), so an operator never ends up with
half a file in the database. A good file is applied as an upsert keyed on the official code (or
the agency's name, or the agency-village pair): re-importing it changes nothing, a changed row is
updated in place and keeps its id. Nothing is ever deleted: reports point at villages and
agencies, and a file that merely omits a row is not a request to remove it.

The caller owns the transaction: these functions add to the session and never commit.
"""

from __future__ import annotations

import asyncio
import csv
import json
import math
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from models.activities import OTHER, ActivityType, Strategy
from models.agencies import Agency, Assignment
from models.audit import record
from models.regions import Kecamatan, Village, VillageKind

ImportKind = Literal["regions", "agencies", "assignments", "activities", "boundaries"]

__all__ = [
    "Counts",
    "ErrorCode",
    "ImportError_",
    "ImportKind",
    "ImportRejected",
    "ImportResult",
    "import_activities",
    "import_agencies",
    "import_assignments",
    "import_boundaries",
    "import_file",
    "import_regions",
]


class ErrorCode(StrEnum):
    """Why a line (or the file) was refused; `ImportError_.params` fills in the details."""

    UNSUPPORTED_FORMAT = "unsupported_format"
    UNREADABLE = "unreadable"
    NOT_UTF8 = "not_utf8"
    EMPTY_FILE = "empty_file"
    NO_ROWS = "no_rows"
    MISSING_COLUMN = "missing_column"
    DUPLICATE_COLUMN = "duplicate_column"
    EXTRA_VALUES = "extra_values"
    REQUIRED = "required"
    TOO_LONG = "too_long"
    UNKNOWN_LEVEL = "unknown_level"
    UNKNOWN_KIND = "unknown_kind"
    UNKNOWN_STRATEGY = "unknown_strategy"
    BAD_KEY = "bad_key"
    BAD_CODE = "bad_code"
    CODE_PARENT_MISMATCH = "code_parent_mismatch"
    UNKNOWN_PARENT = "unknown_parent"
    SECOND_KABUPATEN = "second_kabupaten"
    OTHER_KABUPATEN = "other_kabupaten"
    BAD_NUMBER = "bad_number"
    OUT_OF_RANGE = "out_of_range"
    DUPLICATE = "duplicate"
    DUPLICATE_SHORT_NAME = "duplicate_short_name"
    UNKNOWN_AGENCY = "unknown_agency"
    AMBIGUOUS_AGENCY = "ambiguous_agency"
    UNKNOWN_VILLAGE = "unknown_village"
    DUPLICATE_ASSIGNMENT = "duplicate_assignment"
    BAD_DATE = "bad_date"
    DATE_ORDER = "date_order"
    NOT_FEATURE_COLLECTION = "not_feature_collection"
    NO_FEATURES = "no_features"
    BAD_FEATURE = "bad_feature"
    BAD_FEATURE_CODE = "bad_feature_code"
    DUPLICATE_FEATURE = "duplicate_feature"
    BAD_GEOMETRY = "bad_geometry"
    NO_MATCH = "no_match"


# English on purpose: these reach the operator's terminal through the CLI, not the bot's users.
_MESSAGES: dict[ErrorCode, str] = {
    ErrorCode.UNSUPPORTED_FORMAT: "{file} is neither a .csv nor a .xlsx file.",
    ErrorCode.UNREADABLE: "The file could not be read as {format}: {detail}.",
    ErrorCode.NOT_UTF8: "The file is not UTF-8 text (bad byte at offset {offset}).",
    ErrorCode.EMPTY_FILE: "The file is empty; it needs a header row and data rows.",
    ErrorCode.NO_ROWS: "The file has a header but no data rows.",
    ErrorCode.MISSING_COLUMN: "The header has no '{column}' column (expected: {expected}).",
    ErrorCode.DUPLICATE_COLUMN: "The header has the column '{column}' more than once.",
    ErrorCode.EXTRA_VALUES: (
        "The row has {count} values but the header has {columns} columns; "
        "does a value containing a comma lack its quotes?"
    ),
    ErrorCode.REQUIRED: "'{column}' is empty.",
    ErrorCode.TOO_LONG: "'{column}' is longer than {max} characters.",
    ErrorCode.UNKNOWN_LEVEL: "Level '{value}' is not one of {allowed}.",
    ErrorCode.UNKNOWN_KIND: "Kind '{value}' is not one of {allowed}.",
    ErrorCode.UNKNOWN_STRATEGY: "Strategy '{value}' is not one of {allowed}.",
    ErrorCode.BAD_KEY: (
        "Key '{value}' must be 1-40 lower-case letters, digits or underscores, and not 'other'."
    ),
    ErrorCode.BAD_CODE: "'{column}' value '{value}' is not a {level} code like {example}.",
    ErrorCode.CODE_PARENT_MISMATCH: "Code '{code}' does not belong under parent '{parent}'.",
    ErrorCode.UNKNOWN_PARENT: (
        "Parent kecamatan '{parent}' is neither in this file nor in the database."
    ),
    ErrorCode.SECOND_KABUPATEN: (
        "A second kabupaten row ('{code}'); only one kabupaten is supported "
        "(the first is on line {first_line})."
    ),
    ErrorCode.OTHER_KABUPATEN: (
        "'{code}' belongs to kabupaten '{found}', but the regions are those of kabupaten "
        "'{expected}'."
    ),
    ErrorCode.BAD_NUMBER: "'{column}' value '{value}' is not a number.",
    ErrorCode.OUT_OF_RANGE: "'{column}' value {value} is outside {min}..{max}.",
    ErrorCode.DUPLICATE: "'{column}' value '{value}' already appears on line {first_line}.",
    ErrorCode.DUPLICATE_SHORT_NAME: "Short name '{value}' is also that of agency '{other}'.",
    ErrorCode.UNKNOWN_AGENCY: "No agency is named or abbreviated '{value}'.",
    ErrorCode.AMBIGUOUS_AGENCY: "'{value}' matches more than one agency: {matches}.",
    ErrorCode.UNKNOWN_VILLAGE: "No village has the code '{value}'.",
    ErrorCode.DUPLICATE_ASSIGNMENT: (
        "'{agency}' is already assigned village '{village}' on line {first_line}."
    ),
    ErrorCode.BAD_DATE: "'{column}' value '{value}' is not a date like 2024-01-31.",
    ErrorCode.DATE_ORDER: "ends_on {ends_on} is before starts_on {starts_on}.",
    ErrorCode.NOT_FEATURE_COLLECTION: (
        "The file is not a GeoJSON FeatureCollection (its top level is {found})."
    ),
    ErrorCode.NO_FEATURES: "The FeatureCollection has no features.",
    ErrorCode.BAD_FEATURE: (
        "Feature {feature} is not a GeoJSON Feature with 'properties' and a 'geometry'."
    ),
    ErrorCode.BAD_FEATURE_CODE: (
        "Feature {feature} has no kecamatan code: 'properties.code' must be text like 33.27.01."
    ),
    ErrorCode.DUPLICATE_FEATURE: (
        "Feature {feature}: code '{code}' already appears in feature {first}."
    ),
    ErrorCode.BAD_GEOMETRY: "Feature {feature} ({code}): {problem}.",
    ErrorCode.NO_MATCH: (
        "None of the {count} features has the code of a kecamatan in the database "
        "(codes like {example}); import the regions first."
    ),
}


@dataclass(frozen=True)
class ImportError_:  # the underscore keeps the builtin ImportError unshadowed
    """One refused line: where (line 1 is the header; None for the whole file) and why."""

    line: int | None
    code: ErrorCode
    params: Mapping[str, str] = field(default_factory=dict)

    @property
    def message(self) -> str:
        """A complete English sentence for the operator (without the line number)."""
        return _MESSAGES[self.code].format(**self.params)

    def __str__(self) -> str:
        return self.message if self.line is None else f"Line {self.line}: {self.message}"


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class ImportResult:
    """What an import did (or would have done), per entity type, and what it refused."""

    kind: ImportKind
    source: str
    counts: dict[str, Counts] = field(default_factory=dict)
    errors: list[ImportError_] = field(default_factory=list)
    # Boundaries: codes of the file that match no kecamatan, and the kecamatan (names) left
    # without a boundary after the import.
    unmatched: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    @property
    def created(self) -> int:
        return sum(c.created for c in self.counts.values())

    @property
    def updated(self) -> int:
        return sum(c.updated for c in self.counts.values())

    @property
    def unchanged(self) -> int:
        return sum(c.unchanged for c in self.counts.values())

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        """One line for the operator: "villages: 223 created, 0 updated, 0 unchanged; ..."."""
        if self.kind == "boundaries":
            return self._boundaries_summary()
        return "; ".join(
            f"{entity}: {c.created} created, {c.updated} updated, {c.unchanged} unchanged"
            for entity, c in self.counts.items()
        )

    def _boundaries_summary(self) -> str:
        counts = self.counts["boundaries"]
        matched = counts.updated + counts.unchanged
        parts = [
            f"boundaries: {matched} matched ({counts.updated} updated, "
            f"{counts.unchanged} unchanged), {len(self.unmatched)} unmatched"
            + (f" ({', '.join(self.unmatched)})" if self.unmatched else "")
        ]
        if self.missing:
            parts.append(f"kecamatan without a boundary: {', '.join(self.missing)}")
        else:
            parts.append("every kecamatan has a boundary")
        return "; ".join(parts)


class ImportRejected(Exception):
    """The file had errors, so nothing of it was imported; `result.errors` lists them all."""

    def __init__(self, result: ImportResult) -> None:
        self.result = result
        lines = "\n".join(str(e) for e in result.errors)
        super().__init__(
            f"{result.source}: rejected, {len(result.errors)} error(s), nothing imported\n{lines}"
        )


# ---------------------------------------------------------------------------------------------
# Reading CSV and XLSX into rows of strings


@dataclass(frozen=True)
class _Row:
    line: int
    values: dict[str, str]

    def __getitem__(self, column: str) -> str:
        return self.values.get(column, "")


@dataclass
class _Table:
    columns: set[str]
    rows: list[_Row]
    errors: list[ImportError_]


def _clean(text: str) -> str:
    # Spreadsheets leave doubled and trailing spaces; names must still match.
    return " ".join(text.split())


def _cell_text(value: Any) -> str:
    """Text of an XLSX cell as an operator would have typed it in a CSV."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        # repr is the shortest text that round-trips: -7.138262, not -7.1382620000000001.
        return str(int(value)) if value.is_integer() else repr(value)
    return _clean(str(value))


def _csv_records(path: Path) -> Iterator[tuple[int, list[str]]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        start = 1
        for cells in reader:
            # A quoted value may span lines; report the line where the record starts.
            yield start, [_clean(c) for c in cells]
            start = reader.line_num + 1


def _xlsx_records(path: Path) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [_cell_text(c) for c in cells]
    finally:
        # Read-only workbooks keep the file open until closed.
        workbook.close()


def _records(path: Path) -> tuple[list[tuple[int, list[str]]], list[ImportError_]]:
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            return list(_csv_records(path)), []
        if suffix == ".xlsx":
            return list(_xlsx_records(path)), []
    except UnicodeDecodeError as exc:
        return [], [ImportError_(None, ErrorCode.NOT_UTF8, {"offset": str(exc.start)})]
    except (csv.Error, zipfile.BadZipFile, KeyError, ValueError) as exc:
        detail = {"format": suffix.lstrip(".").upper(), "detail": str(exc) or type(exc).__name__}
        return [], [ImportError_(None, ErrorCode.UNREADABLE, detail)]
    return [], [ImportError_(None, ErrorCode.UNSUPPORTED_FORMAT, {"file": path.name})]


def _read_table(path: Path, required: Sequence[str], optional: Sequence[str] = ()) -> _Table:
    """Reads the file (blocking; run in a thread) and checks its header."""
    records, errors = _records(path)
    if errors:
        return _Table(set(), [], errors)
    if not records or not any(records[0][1]):
        return _Table(set(), [], [ImportError_(None, ErrorCode.EMPTY_FILE)])

    header = [c.lower() for c in records[0][1]]
    while header and not header[-1]:  # spreadsheets pad the header with empty cells
        header.pop()
    expected = ", ".join([*required, *optional])
    for column in sorted({c for c in header if c and header.count(c) > 1}):
        errors.append(ImportError_(1, ErrorCode.DUPLICATE_COLUMN, {"column": column}))
    for column in required:
        if column not in header:
            params = {"column": column, "expected": expected}
            errors.append(ImportError_(1, ErrorCode.MISSING_COLUMN, params))
    if errors:
        return _Table(set(header), [], errors)

    rows: list[_Row] = []
    for line, cells in records[1:]:
        if not any(cells):
            continue  # blank lines, and the empty rows spreadsheets leave at the end
        if any(cells[len(header) :]):
            params = {"count": str(len(cells)), "columns": str(len(header))}
            errors.append(ImportError_(line, ErrorCode.EXTRA_VALUES, params))
            continue
        values = {name: cells[i] if i < len(cells) else "" for i, name in enumerate(header)}
        rows.append(_Row(line, values))
    if not rows and not errors:
        errors.append(ImportError_(None, ErrorCode.NO_ROWS))
    return _Table(set(header), rows, errors)


# ---------------------------------------------------------------------------------------------
# Field checks shared by the three imports


class _Checker:
    """Collects the errors of one file while its rows are parsed."""

    def __init__(self, errors: list[ImportError_]) -> None:
        self.errors = errors

    def add(self, line: int, code: ErrorCode, /, **params: object) -> None:
        self.errors.append(ImportError_(line, code, {k: str(v) for k, v in params.items()}))

    def text(self, row: _Row, column: str, max_length: int, *, required: bool = True) -> str:
        value = row[column]
        if not value and required:
            self.add(row.line, ErrorCode.REQUIRED, column=column)
        elif len(value) > max_length:
            self.add(row.line, ErrorCode.TOO_LONG, column=column, max=max_length)
        return value

    def number(self, row: _Row, column: str, low: float, high: float) -> float | None:
        value = row[column]
        if not value:
            return None
        try:
            # A decimal comma is what an Indonesian-locale spreadsheet writes.
            number = float(value.replace(",", ".") if "." not in value else value)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            self.add(row.line, ErrorCode.BAD_NUMBER, column=column, value=value)
            return None
        if not low <= number <= high:
            self.add(
                row.line, ErrorCode.OUT_OF_RANGE, column=column, value=value, min=low, max=high
            )
            return None
        return number

    def day(self, row: _Row, column: str) -> date | None:
        value = row[column]
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.add(row.line, ErrorCode.BAD_DATE, column=column, value=value)
            return None

    def once(self, seen: dict[str, int], key: str, row: _Row, column: str, value: str) -> bool:
        """False (and an error) when `key` was already seen on an earlier line."""
        if key in seen:
            self.add(
                row.line, ErrorCode.DUPLICATE, column=column, value=value, first_line=seen[key]
            )
            return False
        seen[key] = row.line
        return True


def _reject_if(result: ImportResult) -> None:
    if result.errors:
        result.errors.sort(key=lambda e: e.line or 0)
        raise ImportRejected(result)


# ---------------------------------------------------------------------------------------------
# Regions

# [0-9], not \d: \d also matches other scripts' digits, which no official code contains.
_CODE_FORMATS = {
    "kabupaten": (re.compile(r"[0-9]{2}\.[0-9]{2}"), "33.27"),
    "kecamatan": (re.compile(r"[0-9]{2}\.[0-9]{2}\.[0-9]{2}"), "33.27.01"),
    "desa": (re.compile(r"[0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[0-9]{4}"), "33.27.01.2001"),
}
_PARENT_LEVEL = {"kecamatan": "kabupaten", "desa": "kecamatan"}
REGION_COLUMNS = ("code", "name", "level", "parent_code", "kind", "lat", "lon")


@dataclass
class _Region:
    line: int
    level: str
    code: str
    name: str
    parent: str
    kind: VillageKind | None
    lat: float | None
    lon: float | None


def _parent_of(code: str) -> str:
    return code.rsplit(".", 1)[0]


def _parse_region(row: _Row, check: _Checker) -> _Region | None:
    """Checks one row on its own; None when it cannot be used at all."""
    errors_before = len(check.errors)
    level = row["level"].lower()
    code = row["code"]
    parent = row["parent_code"]
    name = check.text(row, "name", 100)
    lat = check.number(row, "lat", -90, 90)
    lon = check.number(row, "lon", -180, 180)
    kind: VillageKind | None = None

    if not level:
        check.add(row.line, ErrorCode.REQUIRED, column="level")
        return None
    if level not in _CODE_FORMATS:
        check.add(row.line, ErrorCode.UNKNOWN_LEVEL, value=level, allowed=", ".join(_CODE_FORMATS))
        return None
    pattern, example = _CODE_FORMATS[level]
    if not code:
        check.add(row.line, ErrorCode.REQUIRED, column="code")
    elif not pattern.fullmatch(code):
        check.add(
            row.line, ErrorCode.BAD_CODE, column="code", value=code, level=level, example=example
        )
    elif level in _PARENT_LEVEL:
        parent_level = _PARENT_LEVEL[level]
        parent_pattern, parent_example = _CODE_FORMATS[parent_level]
        if not parent:
            check.add(row.line, ErrorCode.REQUIRED, column="parent_code")
        elif not parent_pattern.fullmatch(parent):
            check.add(
                row.line,
                ErrorCode.BAD_CODE,
                column="parent_code",
                value=parent,
                level=parent_level,
                example=parent_example,
            )
        elif _parent_of(code) != parent:
            check.add(row.line, ErrorCode.CODE_PARENT_MISMATCH, code=code, parent=parent)
    if level == "desa":
        allowed = ", ".join(k.value for k in VillageKind)
        value = row["kind"].lower()
        if not value:
            check.add(row.line, ErrorCode.REQUIRED, column="kind")
        elif value not in set(VillageKind):
            check.add(row.line, ErrorCode.UNKNOWN_KIND, value=value, allowed=allowed)
        else:
            kind = VillageKind(value)
    if len(check.errors) > errors_before:
        return None
    return _Region(row.line, level, code, name, parent, kind, lat, lon)


async def import_regions(session: AsyncSession, path: Path) -> ImportResult:
    """Imports kecamatan and villages (desa/kelurahan) keyed on their Kemendagri codes.

    The kabupaten row is checked and otherwise ignored: there is one kabupaten and no table
    for it. A village's parent must be a kecamatan of the same file or of the database.
    """
    result = ImportResult("regions", path.name, {"kecamatan": Counts(), "villages": Counts()})
    table = await asyncio.to_thread(_read_table, path, REGION_COLUMNS)
    result.errors.extend(table.errors)
    _reject_if(result)

    kecamatan = {k.code: k for k in await session.scalars(select(Kecamatan))}
    villages = {v.code: v for v in (await session.scalars(select(Village))).unique()}

    check = _Checker(result.errors)
    seen: dict[str, int] = {}
    parsed: list[_Region] = []
    for row in table.rows:
        if row["code"] and not check.once(seen, row["code"], row, "code", row["code"]):
            continue
        region = _parse_region(row, check)
        if region is not None:
            parsed.append(region)

    # Cross-row checks: one kabupaten, and every parent known.
    kabupaten_rows = [r for r in parsed if r.level == "kabupaten"]
    for extra in kabupaten_rows[1:]:
        check.add(
            extra.line,
            ErrorCode.SECOND_KABUPATEN,
            code=extra.code,
            first_line=kabupaten_rows[0].line,
        )
    # The kabupaten is the database's if it has regions already, else the file's.
    candidates = [
        *sorted({_parent_of(code) for code in kecamatan}),
        *(r.code for r in kabupaten_rows),
        *(r.parent for r in parsed if r.level == "kecamatan"),
    ]
    expected = candidates[0] if candidates else None
    # Kecamatan rows with errors of their own count as present: their villages should not
    # get a second, misleading "unknown parent" error.
    file_kecamatan = {r["code"] for r in table.rows if r["level"].lower() == "kecamatan"}
    for region in parsed:
        if region.level in ("kabupaten", "kecamatan") and expected is not None:
            found = region.code if region.level == "kabupaten" else region.parent
            if found != expected:
                check.add(
                    region.line,
                    ErrorCode.OTHER_KABUPATEN,
                    code=region.code,
                    found=found,
                    expected=expected,
                )
        if (
            region.level == "desa"
            and region.parent not in file_kecamatan
            and region.parent not in kecamatan
        ):
            check.add(region.line, ErrorCode.UNKNOWN_PARENT, parent=region.parent)
    _reject_if(result)

    counts = result.counts["kecamatan"]
    for region in parsed:
        if region.level != "kecamatan":
            continue
        fields: dict[str, object] = {"name": region.name, "lat": region.lat, "lon": region.lon}
        existing = kecamatan.get(region.code)
        if existing is None:
            kecamatan[region.code] = Kecamatan(code=region.code, **fields)
            session.add(kecamatan[region.code])
            counts.created += 1
        elif _update(existing, fields):
            counts.updated += 1
        else:
            counts.unchanged += 1

    counts = result.counts["villages"]
    for region in parsed:
        if region.level != "desa":
            continue
        village_fields: dict[str, object] = {
            "name": region.name,
            "kind": region.kind,
            "lat": region.lat,
            "lon": region.lon,
            "kecamatan": kecamatan[region.parent],
        }
        village = villages.get(region.code)
        if village is None:
            session.add(Village(code=region.code, **village_fields))
            counts.created += 1
        elif _update(village, village_fields):
            counts.updated += 1
        else:
            counts.unchanged += 1

    return result


def _update(obj: object, fields: Mapping[str, object]) -> bool:
    """Sets the fields that differ; True when any did. Equal values are left untouched."""
    changed = False
    for name, value in fields.items():
        current = getattr(obj, name)
        # Identity for related objects: a loaded Kecamatan is the one in the identity map.
        if current is not value and current != value:
            setattr(obj, name, value)
            changed = True
    return changed


# ---------------------------------------------------------------------------------------------
# Agencies

AGENCY_COLUMNS = ("name", "short_name", "kind")


async def import_agencies(session: AsyncSession, path: Path) -> ImportResult:
    """Imports agencies (perangkat daerah), identified by name regardless of case.

    A short name may be empty, but when present it must belong to one agency only, counting
    the agencies already in the database: assignments look agencies up by either name.
    """
    result = ImportResult("agencies", path.name, {"agencies": Counts()})
    table = await asyncio.to_thread(_read_table, path, AGENCY_COLUMNS)
    result.errors.extend(table.errors)
    _reject_if(result)

    existing = {a.name.lower(): a for a in await session.scalars(select(Agency))}
    check = _Checker(result.errors)
    seen_names: dict[str, int] = {}
    seen_shorts: dict[str, int] = {}
    rows: list[tuple[_Row, str, str | None, str]] = []
    for row in table.rows:
        before = len(check.errors)
        name = check.text(row, "name", 200)
        short = check.text(row, "short_name", 50, required=False) or None
        kind = check.text(row, "kind", 30, required=False).lower()
        if name:
            check.once(seen_names, name.lower(), row, "name", name)
        if short:
            check.once(seen_shorts, short.lower(), row, "short_name", short)
        if len(check.errors) == before:
            rows.append((row, name, short, kind))

    # A short name may not name another agency, whether that one is in the file or only in
    # the database, or "Bappeda" would stop meaning one agency.
    owner: dict[str, str] = {}
    for known in existing.values():
        if known.name.lower() not in seen_names:
            for key in filter(None, (known.name, known.short_name)):
                owner.setdefault(key.lower(), known.name)
    for _, name, _, _ in rows:
        owner[name.lower()] = name
    for row, name, short, _ in rows:
        other = owner.get(short.lower()) if short else None
        if other is not None and other.lower() != name.lower():
            check.add(row.line, ErrorCode.DUPLICATE_SHORT_NAME, value=short, other=other)
    _reject_if(result)

    counts = result.counts["agencies"]
    for _, name, short, kind in rows:
        fields = {"name": name, "short_name": short, "kind": kind}
        agency = existing.get(name.lower())
        if agency is None:
            session.add(Agency(**fields))
            counts.created += 1
        elif _update(agency, fields):
            counts.updated += 1
        else:
            counts.unchanged += 1

    return result


# ---------------------------------------------------------------------------------------------
# Assignments

ASSIGNMENT_COLUMNS = ("agency", "village_code")
ASSIGNMENT_OPTIONAL = ("starts_on", "ends_on")


def _agency_index(agencies: Iterable[Agency]) -> dict[str, list[Agency]]:
    """Every lower-cased full and short name, with the agencies it could mean."""
    index: dict[str, list[Agency]] = {}
    for agency in agencies:
        for key in {k.lower() for k in (agency.name, agency.short_name) if k}:
            index.setdefault(key, []).append(agency)
    return index


async def import_assignments(session: AsyncSession, path: Path) -> ImportResult:
    """Imports which agency adopts which village, from agency names and village codes.

    `starts_on`/`ends_on` are optional ISO dates; an empty cell means open-ended. When the
    header has no such column, an existing assignment keeps the dates it has.
    """
    result = ImportResult("assignments", path.name, {"assignments": Counts()})
    table = await asyncio.to_thread(_read_table, path, ASSIGNMENT_COLUMNS, ASSIGNMENT_OPTIONAL)
    result.errors.extend(table.errors)
    _reject_if(result)

    index = _agency_index(await session.scalars(select(Agency)))
    villages = {v.code: v for v in (await session.scalars(select(Village))).unique()}
    existing = {
        (a.agency_id, a.village_id): a
        for a in (await session.scalars(select(Assignment))).unique()
    }

    check = _Checker(result.errors)
    seen: dict[tuple[int, int], int] = {}
    rows: list[tuple[Agency, Village, dict[str, date | None]]] = []
    for row in table.rows:
        before = len(check.errors)
        agency_key = check.text(row, "agency", 200)
        code = check.text(row, "village_code", 20)
        dates = {c: check.day(row, c) for c in ASSIGNMENT_OPTIONAL if c in table.columns}
        starts, ends = dates.get("starts_on"), dates.get("ends_on")
        if starts and ends and ends < starts:
            check.add(row.line, ErrorCode.DATE_ORDER, starts_on=starts, ends_on=ends)

        matches = index.get(agency_key.lower(), []) if agency_key else []
        if agency_key and not matches:
            check.add(row.line, ErrorCode.UNKNOWN_AGENCY, value=agency_key)
        elif len(matches) > 1:
            names = ", ".join(sorted(f"'{a.name}'" for a in matches))
            check.add(row.line, ErrorCode.AMBIGUOUS_AGENCY, value=agency_key, matches=names)
        village = villages.get(code) if code else None
        if code and village is None:
            check.add(row.line, ErrorCode.UNKNOWN_VILLAGE, value=code)
        if len(check.errors) > before or village is None:
            continue

        agency = matches[0]
        pair = (agency.id, village.id)
        if pair in seen:
            check.add(
                row.line,
                ErrorCode.DUPLICATE_ASSIGNMENT,
                agency=agency.label,
                village=code,
                first_line=seen[pair],
            )
            continue
        seen[pair] = row.line
        rows.append((agency, village, dates))
    _reject_if(result)

    counts = result.counts["assignments"]
    for agency, village, dates in rows:
        assignment = existing.get((agency.id, village.id))
        if assignment is None:
            session.add(Assignment(agency_id=agency.id, village_id=village.id, **dates))
            counts.created += 1
        elif _update(assignment, dates):
            counts.updated += 1
        else:
            counts.unchanged += 1

    return result


# ---------------------------------------------------------------------------------------------
# Activities: the catalogue the report form offers under each strategy

ACTIVITY_COLUMNS = ("key", "strategy", "name_id", "name_en")
ACTIVITY_OPTIONAL = ("active", "position")
_ACTIVITY_KEY = re.compile(r"^[a-z0-9_]{1,40}$")


async def import_activities(session: AsyncSession, path: Path) -> ImportResult:
    """Imports the activity catalogue, identified by key. `active` (yes/no, 1/0; default
    yes) retires an activity without deleting it: old reports still name it."""
    result = ImportResult("activities", path.name, {"activities": Counts()})
    table = await asyncio.to_thread(_read_table, path, ACTIVITY_COLUMNS, ACTIVITY_OPTIONAL)
    result.errors.extend(table.errors)
    _reject_if(result)

    existing = {a.key: a for a in await session.scalars(select(ActivityType))}
    check = _Checker(result.errors)
    seen: dict[str, int] = {}
    strategies = [s.value for s in Strategy]
    rows: list[dict[str, object]] = []
    for row in table.rows:
        before = len(check.errors)
        key = check.text(row, "key", 40).lower()
        if key and (not _ACTIVITY_KEY.match(key) or key == OTHER):
            check.add(row.line, ErrorCode.BAD_KEY, value=key)
        strategy = check.text(row, "strategy", 40).lower()
        if strategy and strategy not in strategies:
            check.add(
                row.line, ErrorCode.UNKNOWN_STRATEGY, value=strategy, allowed=", ".join(strategies)
            )
        name_id = check.text(row, "name_id", 120)
        name_en = check.text(row, "name_en", 120)
        active = row["active"].strip().lower() not in ("no", "n", "0", "false", "tidak")
        position = check.number(row, "position", 0, 10_000) if row["position"] else None
        if key:
            check.once(seen, key, row, "key", key)
        if len(check.errors) == before:
            fields: dict[str, object] = {
                "key": key,
                "strategy": Strategy(strategy),
                "name_id": name_id,
                "name_en": name_en,
                "active": active,
            }
            if position is not None:
                fields["position"] = int(position)
            rows.append(fields)
    _reject_if(result)

    counts = result.counts["activities"]
    for fields in rows:
        activity = existing.get(str(fields["key"]))
        if activity is None:
            session.add(ActivityType(**fields))
            counts.created += 1
        elif _update(activity, fields):
            counts.updated += 1
        else:
            counts.unchanged += 1
    return result


# ---------------------------------------------------------------------------------------------
# Kecamatan boundaries (GeoJSON)


def _read_geojson(path: Path) -> tuple[Any, list[ImportError_]]:
    """The parsed document, or why it cannot be read (blocking; run in a thread)."""
    try:
        # RFC 7946: GeoJSON is UTF-8 (a byte-order mark, as some editors write, is let pass).
        return json.loads(path.read_text(encoding="utf-8-sig")), []
    except UnicodeDecodeError as exc:
        return None, [ImportError_(None, ErrorCode.NOT_UTF8, {"offset": str(exc.start)})]
    except (json.JSONDecodeError, RecursionError) as exc:
        detail = {"format": "GeoJSON", "detail": str(exc) or type(exc).__name__}
        return None, [ImportError_(None, ErrorCode.UNREADABLE, detail)]


def _position_problem(position: Any) -> str | None:
    if (
        not isinstance(position, list)
        or len(position) < 2
        or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in position)
        or not all(math.isfinite(c) for c in position)
    ):
        return f"the position {json.dumps(position)[:40]} is not [longitude, latitude]"
    lon, lat = position[0], position[1]
    if not -90 <= lat <= 90:
        return f"latitude {lat} is outside -90..90 (are longitude and latitude swapped?)"
    if not -180 <= lon <= 180:
        return f"longitude {lon} is outside -180..180"
    return None


def _rings_problem(rings: Any) -> str | None:
    if not isinstance(rings, list) or not rings:
        return "a polygon has no rings"
    for ring in rings:
        if not isinstance(ring, list) or len(ring) < 4:
            return "a ring has fewer than 4 positions"
        for position in ring:
            if (problem := _position_problem(position)) is not None:
                return problem
        if ring[0][:2] != ring[-1][:2]:
            return "a ring does not end where it starts"
    return None


def _geometry_problem(geometry: Any) -> str | None:
    """Why `geometry` is not a usable GeoJSON Polygon or MultiPolygon (None if it is)."""
    if not isinstance(geometry, dict):
        return "it has no geometry"
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    if kind == "Polygon":
        return _rings_problem(coordinates)
    if kind == "MultiPolygon":
        if not isinstance(coordinates, list) or not coordinates:
            return "the MultiPolygon has no polygons"
        for polygon in coordinates:
            if (problem := _rings_problem(polygon)) is not None:
                return problem
        return None
    return f"its geometry is a {str(kind)[:30]}, not a Polygon or MultiPolygon"


def _stored_geometry(geometry: dict[str, Any]) -> dict[str, Any]:
    """The geometry as the map reads it: type and [lon, lat] positions only (altitudes,
    bounding boxes and foreign members dropped)."""

    def rings(polygon: list[Any]) -> list[Any]:
        return [[[float(p[0]), float(p[1])] for p in ring] for ring in polygon]

    if geometry["type"] == "Polygon":
        return {"type": "Polygon", "coordinates": rings(geometry["coordinates"])}
    return {"type": "MultiPolygon", "coordinates": [rings(p) for p in geometry["coordinates"]]}


async def import_boundaries(session: AsyncSession, path: Path) -> ImportResult:
    """Imports kecamatan boundaries from a GeoJSON FeatureCollection (the format of
    ../shared/data/pemalang_kecamatan.geojson): each feature's `properties.code` is a
    kecamatan's Kemendagri code, its geometry a Polygon or MultiPolygon in lon/lat.

    Features whose code matches no kecamatan are listed as unmatched and otherwise ignored
    (a province-wide file is fine); a file with any broken feature, or matching nothing at
    all, is rejected whole. Kecamatan absent from the file keep their boundary.
    """
    result = ImportResult("boundaries", path.name, {"boundaries": Counts()})
    document, errors = await asyncio.to_thread(_read_geojson, path)
    result.errors.extend(errors)
    _reject_if(result)
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        found = (
            f"a {str(document.get('type'))[:30]}"
            if isinstance(document, dict)
            else f"a JSON {type(document).__name__}"
        )
        result.errors.append(
            ImportError_(None, ErrorCode.NOT_FEATURE_COLLECTION, {"found": found})
        )
    elif not isinstance(document.get("features"), list) or not document["features"]:
        result.errors.append(ImportError_(None, ErrorCode.NO_FEATURES))
    _reject_if(result)

    geometries: dict[str, dict[str, Any]] = {}
    first_seen: dict[str, int] = {}
    for number, feature in enumerate(document["features"], start=1):
        where = {"feature": str(number)}
        properties = feature.get("properties") if isinstance(feature, dict) else None
        if (
            not isinstance(feature, dict)
            or feature.get("type") != "Feature"
            or not isinstance(properties, dict)
        ):
            result.errors.append(ImportError_(None, ErrorCode.BAD_FEATURE, where))
            continue
        code = properties.get("code")
        if not isinstance(code, str) or not code.strip():
            result.errors.append(ImportError_(None, ErrorCode.BAD_FEATURE_CODE, where))
            continue
        code = code.strip()
        if code in first_seen:
            params = {**where, "code": code, "first": str(first_seen[code])}
            result.errors.append(ImportError_(None, ErrorCode.DUPLICATE_FEATURE, params))
            continue
        first_seen[code] = number
        geometry = feature.get("geometry")
        if (problem := _geometry_problem(geometry)) is not None:
            params = {**where, "code": code, "problem": problem}
            result.errors.append(ImportError_(None, ErrorCode.BAD_GEOMETRY, params))
            continue
        assert isinstance(geometry, dict)
        geometries[code] = _stored_geometry(geometry)
    _reject_if(result)

    # The boundary column is deferred: ask for it, or each comparison would load it alone.
    kecamatan = {
        k.code: k
        for k in await session.scalars(
            select(Kecamatan).options(undefer(Kecamatan.boundary)).order_by(Kecamatan.code)
        )
    }
    result.unmatched = sorted(code for code in geometries if code not in kecamatan)
    if len(result.unmatched) == len(geometries):
        example = next(iter(kecamatan), "33.27.01")
        params = {"count": str(len(geometries)), "example": example}
        result.errors.append(ImportError_(None, ErrorCode.NO_MATCH, params))
    _reject_if(result)

    counts = result.counts["boundaries"]
    for code, geometry in geometries.items():
        if code not in kecamatan:
            continue
        if _update(kecamatan[code], {"boundary": geometry}):
            counts.updated += 1
        else:
            counts.unchanged += 1
    result.missing = [k.name for k in kecamatan.values() if k.boundary is None]
    return result


async def import_file(
    session: AsyncSession,
    kind: ImportKind,
    path: Path,
    *,
    actor: int | None = None,
    source: str | None = None,
) -> ImportResult:
    """Runs the import for `kind` and records it in the audit log: the single entry point of
    the command line (no actor) and of /impor (the admin, and the file as "#<id> <name>").
    One entry per import, written in the caller's transaction; a rejected import writes
    nothing, as its rollback would undo the entry anyway."""
    importers = {
        "regions": import_regions,
        "agencies": import_agencies,
        "assignments": import_assignments,
        "activities": import_activities,
        "boundaries": import_boundaries,
    }
    if kind not in importers:
        raise ValueError(f"unknown import kind {kind!r}; expected one of {', '.join(importers)}")
    result = await importers[kind](session, path)
    record(
        session,
        f"import.{kind}",
        actor=actor,
        target=(source or path.name)[:200],
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
    )
    return result
