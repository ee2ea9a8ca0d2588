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


@pytest.mark.parametrize(
    "text",
    [
        "1" * 5000,
        "7/9/" + "2" * 5000,
        "a" * 5000,
        "\U0001f600" * 5000,
        "7 " + "." * 5000 + "x",
        "rabu, " * 800 + "7/9",
        "\u200b" * 5000,
        "\U0001f4c5 7/9/2026",
        "0000-01-01",
    ],
)
def test_huge_or_strange_dates_are_unreadable(text: str) -> None:
    assert refusal(text).code == "date-unreadable"


@pytest.mark.parametrize(
    "text",
    [
        "\u200e7/9/2026",  # a direction mark copied along with the date
        "\ufeff7/9/2026",
        "7/9/2026\u200b",
        "7\u00ad September 2026",
        "\uff17/\uff19/\uff12\uff10\uff12\uff16",  # full-width
        "\u0667/\u0669/\u0662\u0660\u0662\u0666",  # Arabic-Indic
    ],
)
def test_invisible_characters_and_other_digits_in_dates(text: str) -> None:
    assert visit(text) == date(2026, 9, 7)


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
        ("\u0661\u0662", 12),  # Arabic-Indic
        ("\ua9d1\ua9d2 KK", 12),  # Javanese
        ("\u0967\u0968", 12),  # Devanagari
        ("\u0661.\u0662\u0665\u0660", 1250),
        ("12\u200b", 12),
        ("\ufeff12 KK", 12),
        ("1\u200b2", 12),
        ("\u2060-0", 0),
        ("0" * 5000 + "5", 5),
        ("5.000", 5000),
        ("12 rumah tangga", 12),
        ("12 k.k.", 12),
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
        ("\u200b\u200b\u200b" * 10, "number-unreadable"),
        ("\u1369\u136a", "number-unreadable"),  # Ethiopic digits are not decimal digits
        ("1e5", "number-unreadable"),
        ("0x10", "number-unreadable"),
        # Once quadratic: the unit pattern started with \s*, tried at every space (0.2 s).
        ("1" + " " * 4000 + "x", "number-unreadable"),
        ("rumah" + " " * 4000 + "x", "number-unreadable"),
        ("12" + "kk" * 2000, "number-unreadable"),
        ("\U0001f600" * 5000, "number-unreadable"),
        ("-" + "9" * 5000, "number-negative"),
        ("1" * 5000 + ",5", "number-not-whole"),
        ("12" * 2500, "number-too-large"),
        ("9" * 4300, "number-too-large"),
        ("1" + ".000" * 1500, "number-too-large"),
        ("1" * 5000 + ",0", "number-too-large"),
        ("\uff11" * 5000, "number-too-large"),
        ("\u0661" * 5000, "number-too-large"),
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


@pytest.mark.parametrize("text", ["12" * 2500, "1" + ".000" * 1500, "99999", "0005001"])
def test_an_oversized_number_is_refused_like_any_too_large_one(text: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_count(text, maximum=5000)

    assert (caught.value.code, caught.value.params) == ("number-too-large", {"maximum": 5000})


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


ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u180e", "\u2062"]
BLANKS = ["\u3164", "\u2800", "\u115f", "\u1160", "\uffa0"]


@pytest.mark.parametrize(
    "text",
    [
        "\u200b\u200b\u200b" * 10,
        "\ufeff" * 30,
        "".join(ZERO_WIDTH) * 5,
        "\u3164" * 30,  # Hangul filler
        "\u2800" * 30,  # blank Braille cell
        "".join(BLANKS) * 6,
        "\u200b \u200b\n\u2060\t\u3164 " * 10,
        "\ufe0f" * 30,  # variation selectors on nothing
        "\u034f" * 30,  # combining grapheme joiner
        "\u0301" * 30,  # accents on nothing
        "\U000e0041" * 30,  # tag characters without a flag
        "\u202e\u2066\u200e\u200f\u061c" * 6,  # direction controls
        " " * 30,
        "\u00a0\u3000\u2003\u202f" * 8,  # Unicode spaces
    ],
)
def test_a_text_of_nothing_visible_is_too_short(text: str) -> None:
    with pytest.raises(InputError) as caught:
        check_text(text, minimum=10, maximum=1000)

    assert caught.value.code == "text-too-short"
    assert caught.value.params == {"minimum": 10, "maximum": 1000, "length": 0}


def test_bom_before_one_letter_counts_one() -> None:
    with pytest.raises(InputError) as caught:
        check_text("\ufeff" + "a", minimum=3, maximum=10)

    assert caught.value.params["length"] == 1


@pytest.mark.parametrize("invisible", ZERO_WIDTH)
def test_invisible_characters_are_removed_and_not_counted(invisible: str) -> None:
    padded = invisible.join("Rapat RT") + invisible * 20

    with pytest.raises(InputError) as caught:
        check_text(padded, minimum=10, maximum=1000)

    assert caught.value.params["length"] == 8
    assert check_text(padded, minimum=8, maximum=1000) == "Rapat RT"


def test_blanks_read_as_spaces_and_a_run_of_spaces_counts_once() -> None:
    assert check_text("Rapat\u2800desa\u3164\u3164di balai", minimum=5, maximum=100) == (
        "Rapat desa  di balai"
    )
    with pytest.raises(InputError) as caught:
        check_text("ok" + "\u3164" * 20 + ".", minimum=10, maximum=100)
    assert caught.value.params["length"] == 4
    with pytest.raises(InputError) as caught:
        check_text("ok" + " " * 20 + "\n\n\n.", minimum=10, maximum=100)
    assert caught.value.params["length"] == 4


def test_accents_count_with_their_letter() -> None:
    decomposed = "Cafe\u0301 Posyandu"  # e + combining acute, composed to \u00e9 by NFC

    assert check_text(decomposed, minimum=13, maximum=100) == "Caf\u00e9 Posyandu"
    with pytest.raises(InputError):
        check_text("a\u0301\u0301\u0301\u0301\u0301\u0301", minimum=2, maximum=100)


@pytest.mark.parametrize(
    "emoji",
    [
        "\U0001f468\u200d\U0001f469\u200d\U0001f467",  # family
        "\U0001f3f3\ufe0f\u200d\U0001f308",  # rainbow flag
        "\U0001f469\U0001f3fd\u200d\U0001f4bb",  # woman technologist, medium skin
        "\u2764\ufe0f\u200d\U0001f525",  # heart on fire
        "\U0001f3c3\u200d\u2642\ufe0f",  # man running
        "\U0001f642\u200d\u2194\ufe0f",  # head shaking horizontally (Unicode 15.1)
        "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",  # Scotland
    ],
)
def test_emoji_sequences_keep_their_joiners_and_tags(emoji: str) -> None:
    text = f"Warga senang {emoji}"

    assert check_text(text, minimum=10, maximum=100) == text


def test_a_joiner_outside_an_emoji_is_removed() -> None:
    text = "\u200dRapat\u200d desa \U0001f600\u200d a\u200d\U0001f600\u200d"

    assert check_text(text, minimum=5, maximum=100) == "Rapat desa \U0001f600 a\U0001f600"


def test_the_maximum_counts_every_stored_character() -> None:
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # 5 characters stored

    with pytest.raises(InputError) as caught:
        check_text(family * 3, minimum=1, maximum=14)

    assert caught.value.code == "text-too-long"
    assert caught.value.params["length"] == 15
    assert check_text(family * 3, minimum=1, maximum=15) == family * 3


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


def test_invisible_characters_in_coordinates_are_ignored() -> None:
    assert parse_location_text("\u200e-7.05,\u200b 109.40\ufeff") == pytest.approx((-7.05, 109.40))
