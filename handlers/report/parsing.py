"""What people type into the report form: visit dates, counts, free text and coordinates.

Pure functions, no Telegram and no database. A refusal is an `InputError` whose `code` (and
`params`) the handler turns into a sentence in the person's language.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import date, timedelta

from babel.dates import get_day_names, get_month_names


class InputError(ValueError):
    """Typed input we cannot take; `code` names the problem, `params` fill the message."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code, params)
        self.code = code
        self.params = params


# -- invisible characters ----------------------------------------------------------------

# Characters that draw nothing yet are not format characters: the Hangul fillers and the
# blank Braille cell, pasted to make an empty answer look filled in. Read as spaces.
_BLANKS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
_ZWJ, _VS16 = "\u200d", "\ufe0f"
_BLACK_FLAG = "\U0001f3f4"
_TAGS = range(0xE0020, 0xE0080)


def _symbol(ch: str) -> bool:
    """An emoji or other symbol; Cn: an emoji newer than Python's Unicode tables."""
    category = unicodedata.category(ch)
    return ch not in _BLANKS and (category.startswith("S") or category == "Cn")


def _stays(ch: str, before: str, after: str) -> bool:
    """Whether `ch` is kept, `before` being the last kept character and `after` the next."""
    if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs", "Cf"):
        return True
    if ch == _ZWJ:
        # Man, joiner, woman, joiner, girl is the family emoji; white flag, VS16, joiner,
        # rainbow the rainbow flag.
        return bool(before and after) and (before == _VS16 or _symbol(before)) and _symbol(after)
    if ord(ch) in _TAGS:
        return before == _BLACK_FLAG or (before != "" and ord(before) in _TAGS)
    return False


def _clean(text: str) -> str:
    """Drops control and format characters (Unicode Cc, Cs, Cf), blanks become spaces.

    Every parser here starts with it: what cannot be seen is no part of any answer. Format
    characters are invisible: zero-width spaces, joiners and non-joiners, the word joiner,
    BOM, soft hyphen, direction marks, and the bidirectional overrides that would reorder
    what a reviewer sees. Lone surrogates (Cs) the database driver cannot encode.
    Two kinds are kept where an emoji is made of them: a joiner between two symbols and the
    tag characters after a black flag (the flags of Scotland, England and Wales).
    """
    kept: list[str] = []
    for index, ch in enumerate(text):
        if ch in _BLANKS:
            kept.append(" ")
        elif _stays(ch, kept[-1] if kept else "", text[index + 1 : index + 2]):
            kept.append(ch)
    return "".join(kept)


# -- dates -------------------------------------------------------------------------------


def _fold(word: str) -> str:
    """Lower case, no dots or apostrophes: "Sept." -> "sept", "Jum'at" -> "jumat"."""
    return re.sub(r"[.'\u2019`]", "", word.casefold())


def _names(getter: Callable[..., Mapping[int, str]], extra: dict[str, int]) -> dict[str, int]:
    table: dict[str, int] = {}
    for locale in ("id", "en"):
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for number, name in getter(width, context, locale=locale).items():
                    table[_fold(name)] = number
    table.update(extra)
    return table


# Spellings people use that CLDR does not list: old Indonesian spellings (Pebruari, Nopember),
# office abbreviations (Agt, Ags, Mrt) and English ones typed on Indonesian keyboards.
_MONTHS = _names(
    get_month_names,
    {
        "peb": 2,
        "pebruari": 2,
        "febuari": 2,
        "mrt": 3,
        "agt": 8,
        "ags": 8,
        "agus": 8,
        "agust": 8,
        "sept": 9,
        "okt": 10,
        "oct": 10,
        "nop": 11,
        "nopember": 11,
        "des": 12,
        "dec": 12,
    },
)
# Weekdays are only skipped, never checked against the date: the form shows the date back
# with its weekday for confirmation, and a typo in either half should not block the report.
_WEEKDAYS = _names(
    get_day_names,
    {"ahad": 6, "senen": 0, "tues": 1, "weds": 2, "thur": 3, "thurs": 3},
)
_RELATIVE_DAYS = {
    "hari ini": 0,
    "today": 0,
    "sekarang": 0,
    "kemarin": -1,
    "kemaren": -1,
    "yesterday": -1,
    "kemarin lusa": -2,
    # Not valid visit dates, but recognising them gives "in the future" instead of "unreadable".
    "besok": 1,
    "tomorrow": 1,
    "lusa": 2,
}
_PREFIX_WORDS = {"tanggal", "tgl"}

_WORD_PREFIX = re.compile(r"^([a-z'\u2019`.]+)[.,]?\s*(.*)$")
_ISO = re.compile(r"^(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})$")
_NUMERIC = re.compile(r"^(\d{1,2})\s*[-/.]\s*(\d{1,2})(?:\s*[-/.]\s*(\d{4}|\d{2}))?$")
_DAY_MONTH = re.compile(
    r"^(\d{1,2})(?:st|nd|rd|th)?[\s\-/.]*([a-z'\u2019`]+)\.?(?:[\s\-/.,]*(\d{4}|\d{2}))?$"
)
_MONTH_DAY = re.compile(
    r"^([a-z'\u2019`]+)\.?[\s\-/.]*(\d{1,2})(?:st|nd|rd|th)?(?:[\s,\-/.]+(\d{4}))?$"
)

# How far back to look for a year-less "29/2" that exists; 8 years always holds a leap year.
_YEARLESS_LOOKBACK = 8


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", _clean(text)).casefold()
    text = re.sub(r"\s+", " ", text).strip(" .,;")
    return text


def _strip_prefixes(text: str) -> str:
    """Drops a leading weekday and/or "tanggal"/"tgl" ("Rabu, tgl 7/9/2022")."""
    for _ in range(2):
        match = _WORD_PREFIX.match(text)
        if match is None:
            break
        word = _fold(match.group(1))
        if word not in _WEEKDAYS and word not in _PREFIX_WORDS:
            break
        text = match.group(2)
    return text


def _year(raw: str | None) -> int | None:
    if raw is None:
        return None
    # Two-digit years are this century: nobody reports a visit from 1922.
    return 2000 + int(raw) if len(raw) == 2 else int(raw)


def _calendar_date(year: int | None, month: int, day: int, today: date) -> date:
    if year is not None:
        try:
            return date(year, month, day)
        except ValueError:
            raise InputError("date-unreadable") from None
    # No year: the most recent such day that is not after today.
    for candidate_year in range(today.year, today.year - _YEARLESS_LOOKBACK, -1):
        try:
            candidate = date(candidate_year, month, day)
        except ValueError:
            continue
        if candidate <= today:
            return candidate
    raise InputError("date-unreadable")


def _read_date(text: str, today: date) -> date:
    if text in _RELATIVE_DAYS:
        return today + timedelta(days=_RELATIVE_DAYS[text])
    text = _strip_prefixes(text)
    if match := _ISO.match(text):
        iso_year, iso_month, iso_day = (int(part) for part in match.groups())
        return _calendar_date(iso_year, iso_month, iso_day, today)
    # Day first, always: 7/9/2022 is 7 September, as everywhere in Indonesia.
    if match := _NUMERIC.match(text):
        return _calendar_date(
            _year(match.group(3)), int(match.group(2)), int(match.group(1)), today
        )
    if (match := _DAY_MONTH.match(text)) and (month := _MONTHS.get(_fold(match.group(2)))):
        return _calendar_date(_year(match.group(3)), month, int(match.group(1)), today)
    if (match := _MONTH_DAY.match(text)) and (month := _MONTHS.get(_fold(match.group(1)))):
        return _calendar_date(_year(match.group(3)), month, int(match.group(2)), today)
    raise InputError("date-unreadable")


def parse_visit_date(text: str, *, today: date, max_age_days: int) -> date:
    """The visit date typed as "7/9/2022", "7 Sep", "Rabu, 7 September 2022", "kemarin"...

    Raises InputError: "date-unreadable", "date-future" (params: today) or "date-too-old"
    (params: limit, the oldest date accepted, and days).
    """
    visit = _read_date(_normalise(text), today)
    if visit > today:
        raise InputError("date-future", today=today)
    limit = today - timedelta(days=max_age_days)
    if visit < limit:
        raise InputError("date-too-old", limit=limit, days=max_age_days)
    return visit


# -- counts ------------------------------------------------------------------------------

# The unit is looked for without the spaces before it (stripped afterwards): a pattern that
# starts with `\s*` is tried at every space of a long message, which takes quadratic time.
_COUNT_UNIT = re.compile(
    r"(?:kk|k\.k\.?|keluarga|families|family|rumah\s*tangga|ruta|households?|hh|"
    r"orang|org|jiwa|people|persons?|pax)\.?$"
)
_COUNT_BODY = re.compile(r"^([+-]?)\s*(\d+(?:[., ]\d+)*)$")
_GROUPED = re.compile(r"^\d{1,3}(?:([., ])\d{3})(?:\1\d{3})*$")


def _ascii_digits(text: str) -> str:
    """Decimal digits of any script (Unicode Nd) as 0-9: Arabic-Indic "١٢" and Javanese "꧑꧒"
    are 12. NFKC has already done this for full-width and other compatibility digits."""
    return "".join(
        str(unicodedata.decimal(ch)) if unicodedata.category(ch) == "Nd" else ch for ch in text
    )


def _whole_digits(body: str) -> str:
    """The digits of a whole number with thousands separators ("1.250", "1,250", "1 250")
    or a whole decimal ("12,0"), without the separators."""
    if body.isdigit():
        return body
    if _GROUPED.match(body):
        # Exactly three digits after each separator: thousands, whichever mark is used.
        return re.sub(r"[., ]", "", body)
    marks = [ch for ch in body if ch in "., "]
    decimal_mark = marks[-1]
    whole, _, fraction = body.rpartition(decimal_mark)
    if decimal_mark == " " or not (whole.isdigit() or _GROUPED.match(whole)):
        raise InputError("number-unreadable")
    if decimal_mark in whole:
        raise InputError("number-unreadable")
    if fraction.strip("0"):
        raise InputError("number-not-whole")
    return re.sub(r"[., ]", "", whole)


def parse_count(text: str, *, maximum: int) -> int:
    """A number of households or people: "12", "1.250", "12 KK", "30 orang".

    Raises InputError: "number-unreadable", "number-negative", "number-not-whole" or
    "number-too-large" (params: maximum).
    """
    cleaned = unicodedata.normalize("NFKC", _clean(text)).casefold().replace("\u2212", "-")
    cleaned = _ascii_digits(_COUNT_UNIT.sub("", cleaned.strip()).rstrip())
    match = _COUNT_BODY.match(cleaned)
    if match is None:
        raise InputError("number-unreadable")
    sign, body = match.groups()
    digits = _whole_digits(body).lstrip("0") or "0"
    if sign == "-" and digits != "0":
        raise InputError("number-negative")
    # Compared by length first: Python refuses int() of more than 4,300 digits, and a
    # number with more digits than the maximum is larger whatever they are.
    if len(digits) > len(str(maximum)) or int(digits) > maximum:
        raise InputError("number-too-large", maximum=maximum)
    return int(digits)


# -- free text ---------------------------------------------------------------------------

# What the minimum does not count: format characters (the few kept in emoji), and marks,
# which belong to the character before them (an accent, a variation selector).
_UNCOUNTED = frozenset({"Cf", "Mn", "Me"})


def _counted_length(text: str) -> int:
    """The length the minimum is about: a run of spaces or line breaks counts once, marks
    and the joiners of emoji not at all, so padding adds nothing."""
    squeezed = re.sub(r"\s+", " ", text)
    return sum(1 for ch in squeezed if unicodedata.category(ch) not in _UNCOUNTED)


def check_text(text: str, *, minimum: int, maximum: int) -> str:
    """Cleaned free text: no control, format or blank characters, at most two blank lines
    in a row, stripped.

    The minimum counts what a person sees (see `_counted_length`); the maximum counts every
    character stored, as the database column does. Raises InputError "text-too-short" or
    "text-too-long" (params: minimum, maximum, length).
    """
    text = unicodedata.normalize("NFC", text)
    text = re.sub(r"\r\n?|[\u2028\u2029\x85]", "\n", text)
    text = _clean(text)
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    # Three newlines make two blank lines; anything longer is collapsed to that.
    text = re.sub(r"\n{4,}", "\n\n\n", text).strip()
    counted = _counted_length(text)
    if counted < minimum:
        raise InputError("text-too-short", minimum=minimum, maximum=maximum, length=counted)
    if len(text) > maximum:
        raise InputError("text-too-long", minimum=minimum, maximum=maximum, length=len(text))
    return text


# -- coordinates -------------------------------------------------------------------------

# Both numbers need decimals: "7,5" could be one Indonesian number, and a whole degree
# (111 km) locates no village anyway.
_DOT_PAIR = re.compile(r"^([+-]?\d{1,3}\.\d+)\s*(?:[,;]\s*|\s+)([+-]?\d{1,3}\.\d+)$")
# Indonesian decimal commas: "-7,05 109,40" or "-7,05; 109,40" or "-7,05, 109,40".
_COMMA_PAIR = re.compile(r"^([+-]?\d{1,3},\d+)(?:\s*;\s*|\s*,\s+|\s+)([+-]?\d{1,3},\d+)$")
# "7,05 LS 109,40 BT" (Lintang Selatan, Bujur Timur) or "7.05 S, 109.40 E".
_HEMISPHERE_PAIR = re.compile(
    r"^(\d{1,2}(?:[.,]\d+)?)\s*°?\s*(ls|lu|s|n|u)\.?[\s,;]*"
    r"(\d{1,3}(?:[.,]\d+)?)\s*°?\s*(bt|bb|e|w|t|b)\.?$"
)
# A map link pasted instead: ".../@-7.0512,109.4012,15z" or "?q=-7.05,109.40".
_LINK_PAIR = re.compile(r"[@=/](-?\d{1,2}\.\d+),\s*(-?\d{1,3}\.\d+)")


def _number(raw: str) -> float:
    return float(raw.replace(",", "."))


def _pair(text: str) -> tuple[float, float] | None:
    if match := _DOT_PAIR.match(text):
        return _number(match.group(1)), _number(match.group(2))
    if match := _COMMA_PAIR.match(text):
        return _number(match.group(1)), _number(match.group(2))
    if match := _HEMISPHERE_PAIR.match(text):
        lat, lat_ref, lon, lon_ref = match.groups()
        lat_sign = -1.0 if lat_ref in ("ls", "s") else 1.0
        lon_sign = -1.0 if lon_ref in ("bb", "w", "b") else 1.0
        return lat_sign * _number(lat), lon_sign * _number(lon)
    if match := _LINK_PAIR.search(text):
        return _number(match.group(1)), _number(match.group(2))
    return None


def parse_location_text(text: str) -> tuple[float, float]:
    """(latitude, longitude) typed by hand, e.g. "-7.05, 109.40"; raises "location-unreadable".

    Latitude comes first, as every map app shows it; a swapped pair is refused by the range
    check rather than guessed.
    """
    cleaned = unicodedata.normalize("NFKC", _clean(text)).casefold().replace("\u2212", "-")
    cleaned = re.sub(r"\s+", " ", cleaned).strip(" .;()[]")
    pair = _pair(cleaned)
    if pair is None:
        raise InputError("location-unreadable")
    latitude, longitude = pair
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        raise InputError("location-unreadable")
    if not (-90.0 <= latitude <= 90.0 and -180.0 <= longitude <= 180.0):
        raise InputError("location-unreadable")
    # 0,0 is what a form or a phone without a fix produces, not a village.
    if latitude == 0.0 and longitude == 0.0:
        raise InputError("location-unreadable")
    return latitude, longitude
