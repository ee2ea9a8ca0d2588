"""What changed between two versions of a report, and distances for the evidence checks."""

from __future__ import annotations

import pytest

from core.geo import haversine_km
from core.i18n import Translator
from models.flags import FlagKind, flag, kinds, warnings
from services.versions import describe

BEFORE = {
    "village_id": 1,
    "visit_date": "2026-11-01",
    "latitude": -6.9,
    "longitude": 109.4,
    "activities": [{"households": 12, "people": None, "photos": [{"sha256": "a"}]}],
}


@pytest.fixture(scope="module")
def translator() -> Translator:
    return Translator("id")


def test_households_and_a_photo_added(translator: Translator) -> None:
    after = {
        **BEFORE,
        "activities": [
            {"households": 14, "people": None, "photos": [{"sha256": "a"}, {"sha256": "b"}]}
        ],
    }
    assert (
        describe(lambda k, **a: translator("id", k, **a), BEFORE, after) == "KK: 12 → 14; foto: +1"
    )
    assert (
        describe(lambda k, **a: translator("en", k, **a), BEFORE, after)
        == "households: 12 → 14; photos: +1"
    )


def test_village_date_location_and_photos_swapped(translator: Translator) -> None:
    after = {
        "village_id": 2,
        "visit_date": "2026-11-02",
        "latitude": -6.8,
        "longitude": 109.4,
        "activities": [{"households": 12, "people": None, "photos": [{"sha256": "c"}]}],
    }
    text = describe(
        lambda k, **a: translator("id", k, **a),
        BEFORE,
        after,
        village_names={1: "Majalangu", 2: "Kuta"},
    )
    assert text == (
        "desa: Majalangu → Kuta; tanggal: 2026-11-01 → 2026-11-02; lokasi diperbarui; "
        "foto: +1, \u22121"
    )


def test_no_change(translator: Translator) -> None:
    assert describe(lambda k, **a: translator("id", k, **a), BEFORE, BEFORE) == (
        "tidak ada perubahan isi"
    )


def test_haversine_matches_known_distances() -> None:
    # One degree of latitude is 111.2 km on the mean sphere.
    assert haversine_km(0, 0, 1, 0) == pytest.approx(111.195, abs=0.01)
    # Pemalang town to Randudongkal, about 26 km apart by the map.
    assert haversine_km(-6.8897, 109.3806, -7.1064, 109.3294) == pytest.approx(24.8, abs=0.5)
    assert haversine_km(-6.9, 109.4, -6.9, 109.4) == 0


def test_flag_kinds_skip_unknown_ones() -> None:
    stored = [
        flag(FlagKind.LOCATION_FAR, km=4.2),
        {"kind": "from_the_future"},
        flag(FlagKind.NO_EXIF),
    ]
    assert kinds(stored) == [FlagKind.LOCATION_FAR, FlagKind.NO_EXIF]
    assert warnings(stored) == [FlagKind.LOCATION_FAR]
    assert kinds(None) == []
