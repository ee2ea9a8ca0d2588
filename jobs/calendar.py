"""Indonesian national holidays and joint leave days (cuti bersama), from `holidays`."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import holidays


@lru_cache(maxsize=8)
def _year(year: int) -> holidays.HolidayBase:
    # "government" adds the cuti bersama days, when offices are closed too.
    return holidays.country_holidays(
        "ID", years=year, categories=("public", "government"), language="id"
    )


def holiday_name(day: date) -> str | None:
    """The holiday's Indonesian name, or None on a working day."""
    name = _year(day.year).get(day)
    return str(name) if name else None


def is_holiday(day: date) -> bool:
    return holiday_name(day) is not None
