"""Parsing what field staff type: visit dates, counts, free text, coordinates."""

from __future__ import annotations

from datetime import date

import pytest

from handlers.report.parsing import (
    InputError,
    check_text,
    parse_count,
    parse_location_text,
    parse_visit_date,
)

TODAY = date(2026, 11, 28)  # a Saturday (Sabtu)
MAX_AGE = 400


def visit(text: str, max_age_days: int = MAX_AGE) -> date:
    return parse_visit_date(text, today=TODAY, max_age_days=max_age_days)


def refusal(text: str, max_age_days: int = MAX_AGE) -> InputError:
    with pytest.raises(InputError) as caught:
        visit(text, max_age_days)
    return caught.value


# -- dates -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # numbers, day first
        ("7/9/2026", date(2026, 9, 7)),
        ("07-09-2026", date(2026, 9, 7)),
        ("7.9.2026", date(2026, 9, 7)),
        ("7/9/26", date(2026, 9, 7)),
        (" 7 / 9 / 2026 ", date(2026, 9, 7)),
        ("12/1/2026", date(2026, 1, 12)),
        ("2026-09-07", date(2026, 9, 7)),
        # month names: Indonesian, English, abbreviations, any case
        ("7 Sep 2026", date(2026, 9, 7)),
        ("7 September 2026", date(2026, 9, 7)),
        ("7 Sept 2026", date(2026, 9, 7)),
        ("7 sept. 2026", date(2026, 9, 7)),
        ("7-Sep-26", date(2026, 9, 7)),
        ("7 SEPTEMBER 2026", date(2026, 9, 7)),
        ("3 Januari 2026", date(2026, 1, 3)),
        ("3 jan 2026", date(2026, 1, 3)),
        ("3 Februari 2026", date(2026, 2, 3)),
        ("3 Feb 2026", date(2026, 2, 3)),
        ("3 Peb 2026", date(2026, 2, 3)),
        ("3 Pebruari 2026", date(2026, 2, 3)),
        ("3 Maret 2026", date(2026, 3, 3)),
        ("3 Mar 2026", date(2026, 3, 3)),
        ("3 March 2026", date(2026, 3, 3)),
        ("3 April 2026", date(2026, 4, 3)),
        ("3 Apr 2026", date(2026, 4, 3)),
        ("3 Mei 2026", date(2026, 5, 3)),
        ("3 May 2026", date(2026, 5, 3)),
        ("3 Juni 2026", date(2026, 6, 3)),
        ("3 Jun 2026", date(2026, 6, 3)),
        ("3 Juli 2026", date(2026, 7, 3)),
        ("3 Jul 2026", date(2026, 7, 3)),
        ("3 July 2026", date(2026, 7, 3)),
        ("3 Agustus 2026", date(2026, 8, 3)),
        ("3 Agu 2026", date(2026, 8, 3)),
        ("3 Agt 2026", date(2026, 8, 3)),
        ("3 Ags 2026", date(2026, 8, 3)),
        ("3 Aug 2026", date(2026, 8, 3)),
        ("3 August 2026", date(2026, 8, 3)),
        ("3 Oktober 2026", date(2026, 10, 3)),
        ("3 Okt 2026", date(2026, 10, 3)),
        ("3 Oct 2026", date(2026, 10, 3)),
        ("3 November 2026", date(2026, 11, 3)),
        ("3 Nov 2026", date(2026, 11, 3)),
        ("3 Nop 2025", date(2025, 11, 3)),
        ("3 Nopember 2025", date(2025, 11, 3)),
        ("3 Desember 2025", date(2025, 12, 3)),
        ("3 Des 2025", date(2025, 12, 3)),
        ("3 Dec 2025", date(2025, 12, 3)),
        ("3 December 2025", date(2025, 12, 3)),
        ("7th September 2026", date(2026, 9, 7)),
        ("Sep 7, 2026", date(2026, 9, 7)),
        # weekday and "tanggal" prefixes
        ("Rabu, 7 Oktober 2026", date(2026, 10, 7)),
        ("rabu 7/10/2026", date(2026, 10, 7)),
        ("Wednesday 7 Oct 2026", date(2026, 10, 7)),
        ("Wed, 7 Oct 2026", date(2026, 10, 7)),
        ("Jum'at, 2 Oktober 2026", date(2026, 10, 2)),
        ("tgl 7/9/2026", date(2026, 9, 7)),
        ("Tanggal 7 September 2026", date(2026, 9, 7)),
        ("Rabu, tgl. 7 Oktober 2026", date(2026, 10, 7)),
        # no year: the most recent such date that is not in the future
        ("7/9", date(2026, 9, 7)),
        ("7 Sep", date(2026, 9, 7)),
        ("28/11", TODAY),
        ("29/11", date(2025, 11, 29)),
        ("7 Des", date(2025, 12, 7)),
        ("1 Januari", date(2026, 1, 1)),
        # words
        ("hari ini", TODAY),
        ("Hari Ini", TODAY),
        ("today", TODAY),
        ("kemarin", date(2026, 11, 27)),
        ("Kemaren", date(2026, 11, 27)),
        ("yesterday", date(2026, 11, 27)),
        ("kemarin lusa", date(2026, 11, 26)),
    ],
)
def test_accepted_dates(text: str, expected: date) -> None:
    assert visit(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "abc",
        "31/2/2026",  # no such day
        "29/2/2026",  # 2026 is not a leap year
        "31/2",
        "32/1/2026",
        "7/13/2026",  # day first, so month 13: never silently read as 13 July
        "0/9/2026",
        "7 Foo 2026",
        "7/9/202",
        "7 9 2026",
        "2026",
        "Rabu",
    ],
)
def test_unreadable_dates(text: str) -> None:
    error = refusal(text)

    assert error.code == "date-unreadable"
    assert error.params == {}


def test_leap_day_without_year_goes_back_to_the_last_leap_year() -> None:
    assert visit("29/2", max_age_days=1100) == date(2024, 2, 29)


def test_future_by_one_day_is_refused() -> None:
    error = refusal("29/11/2026")

    assert error.code == "date-future"
    assert error.params == {"today": TODAY}


@pytest.mark.parametrize("text", ["besok", "tomorrow", "1 Des 2026"])
def test_future_words_and_dates_are_refused_as_future(text: str) -> None:
    assert refusal(text).code == "date-future"


def test_exactly_max_age_is_accepted_and_one_more_day_refused() -> None:
    assert visit("29/9/2026", max_age_days=60) == date(2026, 9, 29)

    error = refusal("28/9/2026", max_age_days=60)

    assert error.code == "date-too-old"
    assert error.params == {"limit": date(2026, 9, 29), "days": 60}


def test_yearless_date_that_lands_too_far_back_is_too_old() -> None:
    # 7 December is in the future this year, so last year's, which is over 60 days ago.
    assert refusal("7 Des", max_age_days=60).code == "date-too-old"


def test_input_error_is_a_value_error_with_code() -> None:
    error = InputError("number-too-large", maximum=5)

    assert isinstance(error, ValueError)
    assert (error.code, error.params) == ("number-too-large", {"maximum": 5})


# -- counts ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", 12),
        (" 12 ", 12),
        ("0", 0),
        ("012", 12),
        ("1.250", 1250),
        ("1,250", 1250),
        ("1 250", 1250),
        ("12.500.000", 12_500_000),
        ("12 KK", 12),
        ("12kk", 12),
        ("12 orang", 12),
        ("12 Orang", 12),
        ("12 org", 12),
        ("12 jiwa", 12),
        ("12 people", 12),
        ("1.250 jiwa", 1250),
        ("12,0", 12),
        ("1.250,00", 1250),
        ("+5", 5),
        ("\uff11\uff12", 12),  # full-width digits from some keyboards
    ],
)
def test_accepted_counts(text: str, expected: int) -> None:
    assert parse_count(text, maximum=20_000_000) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "number-unreadable"),
        ("dua belas", "number-unreadable"),
        ("12 ekor", "number-unreadable"),
        ("12-15", "number-unreadable"),
        ("1.2.3", "number-unreadable"),
        ("1.250.5", "number-unreadable"),
        ("12 5", "number-unreadable"),
        ("KK", "number-unreadable"),
        ("-3", "number-negative"),
        ("\u22123 orang", "number-negative"),
        ("2,5", "number-not-whole"),
        ("2.5", "number-not-whole"),
        ("0,5 KK", "number-not-whole"),
        ("1.25", "number-not-whole"),
        ("1.250,5", "number-not-whole"),
    ],
)
def test_refused_counts(text: str, code: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_count(text, maximum=5000)

    assert caught.value.code == code


def test_count_above_maximum_is_too_large_and_maximum_itself_is_fine() -> None:
    assert parse_count("5.000", maximum=5000) == 5000

    with pytest.raises(InputError) as caught:
        parse_count("5001", maximum=5000)

    assert caught.value.code == "number-too-large"
    assert caught.value.params == {"maximum": 5000}


# -- free text ---------------------------------------------------------------------------


def test_text_is_stripped_and_cleaned() -> None:
    raw = "  Penyuluhan\x00 gizi\u202e balita\r\n\tdi posyandu\x07  \n"

    assert check_text(raw, minimum=5, maximum=100) == "Penyuluhan gizi balita\n\tdi posyandu"


def test_more_than_two_blank_lines_collapse_to_two() -> None:
    raw = "Satu\n\n\n\n\n\nDua\n\nTiga\n\n\nEmpat\n \n \n \n \nLima"

    assert check_text(raw, minimum=1, maximum=100) == (
        "Satu\n\n\nDua\n\nTiga\n\n\nEmpat\n\n\nLima"
    )


def test_emoji_and_accents_survive() -> None:
    text = "Kegiatan 👨‍👩‍👧 berjalan lancar, café"

    assert check_text(text, minimum=1, maximum=100) == text


def test_text_too_short_counts_after_cleaning() -> None:
    with pytest.raises(InputError) as caught:
        check_text("  ok \x00\x00\x00  ", minimum=3, maximum=10)

    assert caught.value.code == "text-too-short"
    assert caught.value.params == {"minimum": 3, "maximum": 10, "length": 2}


def test_text_too_long() -> None:
    with pytest.raises(InputError) as caught:
        check_text("x" * 11, minimum=1, maximum=10)

    assert caught.value.code == "text-too-long"
    assert caught.value.params == {"minimum": 1, "maximum": 10, "length": 11}
    assert check_text("x" * 10, minimum=1, maximum=10) == "x" * 10


# -- coordinates -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("-7.05, 109.40", (-7.05, 109.40)),
        ("-7.05,109.4", (-7.05, 109.4)),
        ("-7.05 109.4", (-7.05, 109.4)),
        ("-7.05; 109.4", (-7.05, 109.4)),
        ("(-7.05, 109.40)", (-7.05, 109.40)),
        ("-7,05 109,40", (-7.05, 109.40)),
        ("-7,05; 109,40", (-7.05, 109.40)),
        ("-7,05, 109,40", (-7.05, 109.40)),
        ("7,05 LS 109,40 BT", (-7.05, 109.40)),
        ("7.05° S, 109.40° E", (-7.05, 109.40)),
        ("https://www.google.com/maps/@-7.0512,109.4012,15z", (-7.0512, 109.4012)),
        ("https://maps.google.com/?q=-7.05,109.40", (-7.05, 109.40)),
        ("\u22127.05, 109.40", (-7.05, 109.40)),
    ],
)
def test_accepted_locations(text: str, expected: tuple[float, float]) -> None:
    assert parse_location_text(text) == pytest.approx(expected)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Desa Banjarmulya",
        "-7.05",
        "-7,05",  # one Indonesian decimal number, not a pair
        "7, 109",  # whole degrees locate nothing
        "109.40, -7.05",  # swapped: latitude 109 does not exist
        "-97.05, 109.40",
        "-7.05, 190.40",
        "0.0, 0.0",
        "-7.05, 109.40, 12",
    ],
)
def test_unreadable_locations(text: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_location_text(text)

    assert caught.value.code == "location-unreadable"
