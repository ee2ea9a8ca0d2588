"""`dampingan import boundaries`: kecamatan outlines from GeoJSON, matched by code."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import AuditEntry, Kecamatan
from services.imports import (
    ErrorCode,
    ImportRejected,
    import_boundaries,
    import_file,
    import_regions,
)
from tests.conftest import REPO, SHARED_DATA, shared_file
from tests.test_cli import run

DEMO = REPO / "demo"
SQUARE = [[109.3, -7.1], [109.4, -7.1], [109.4, -7.0], [109.3, -7.0], [109.3, -7.1]]


def feature(code: Any, geometry: Any = None, **properties: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {"code": code, **properties},
        "geometry": geometry
        if geometry is not None
        else {"type": "Polygon", "coordinates": [SQUARE]},
    }


def write(tmp_path: Path, document: Any, name: str = "outlines.geojson") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def collection(*features: Any) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


async def boundaries(session: AsyncSession) -> dict[str, Any]:
    rows = await session.execute(select(Kecamatan.name, Kecamatan.boundary))
    return dict(rows.all())


@pytest.fixture
async def demo_regions(session: AsyncSession) -> AsyncSession:
    await import_regions(session, DEMO / "regions.csv")
    await session.commit()
    return session


async def test_real_outlines_match_the_fourteen_kecamatan(session: AsyncSession) -> None:
    await import_regions(session, shared_file(SHARED_DATA / "pemalang_regions.csv"))
    await session.commit()
    path = shared_file(SHARED_DATA / "pemalang_kecamatan.geojson")

    first = await import_file(session, "boundaries", path)
    await session.commit()
    assert (first.counts["boundaries"].updated, first.unmatched, first.missing) == (14, [], [])
    assert first.summary() == (
        "boundaries: 14 matched (14 updated, 0 unchanged), 0 unmatched; "
        "every kecamatan has a boundary"
    )
    stored = await boundaries(session)
    assert len(stored) == 14 and all(b and b["type"] == "Polygon" for b in stored.values())
    source = json.loads(path.read_text(encoding="utf-8"))
    moga = next(f for f in source["features"] if f["properties"]["code"] == "33.27.01")
    assert stored["Moga"]["coordinates"] == moga["geometry"]["coordinates"]

    again = await import_file(session, "boundaries", path)
    await session.commit()
    assert (again.counts["boundaries"].updated, again.counts["boundaries"].unchanged) == (0, 14)
    audit = (await session.scalars(select(AuditEntry.action))).all()
    assert audit.count("import.boundaries") == 2


async def test_unknown_codes_are_listed_and_the_rest_imported(
    demo_regions: AsyncSession, tmp_path: Path
) -> None:
    session = demo_regions
    hole = [[109.33, -7.07], [109.34, -7.07], [109.34, -7.06], [109.33, -7.06], [109.33, -7.07]]
    path = write(
        tmp_path,
        collection(
            # Randudongkal as a MultiPolygon with a hole, positions with an altitude.
            feature(
                "33.27.07",
                {
                    "type": "MultiPolygon",
                    "coordinates": [[[[*p, 12.5] for p in SQUARE], hole]],
                    "bbox": [109.3, -7.1, 109.4, -7.0],
                },
            ),
            feature(" 33.27.09 "),
            feature("33.27.01", name="Moga: not in the demo"),
            feature("33.28.01", name="another kabupaten"),
        ),
    )
    result = await import_boundaries(session, path)
    await session.commit()
    assert result.counts["boundaries"].updated == 2
    assert result.unmatched == ["33.27.01", "33.28.01"]
    assert result.missing == ["Watukumpul", "Ulujami"]
    assert (
        "2 matched" in result.summary() and "2 unmatched (33.27.01, 33.28.01)" in result.summary()
    )
    assert "kecamatan without a boundary: Watukumpul, Ulujami" in result.summary()
    stored = await boundaries(session)
    # Altitudes and the bounding box are dropped; the hole is kept.
    assert stored["Randudongkal"] == {"type": "MultiPolygon", "coordinates": [[SQUARE, hole]]}
    assert stored["Taman"] == {"type": "Polygon", "coordinates": [SQUARE]}
    assert stored["Watukumpul"] is None


@pytest.mark.parametrize(
    ("content", "code", "words"),
    [
        ("{not json", ErrorCode.UNREADABLE, "could not be read as GeoJSON"),
        ('{"type": "\xff"}', ErrorCode.NOT_UTF8, "not UTF-8 text (bad byte at offset 10)"),
        ('{"type": "Feature"}', ErrorCode.NOT_FEATURE_COLLECTION, "top level is a Feature"),
        ("[1, 2]", ErrorCode.NOT_FEATURE_COLLECTION, "top level is a JSON list"),
        ('{"type": "FeatureCollection", "features": []}', ErrorCode.NO_FEATURES, "no features"),
    ],
)
async def test_a_file_that_is_not_a_feature_collection_is_refused(
    demo_regions: AsyncSession, tmp_path: Path, content: str, code: ErrorCode, words: str
) -> None:
    path = tmp_path / "broken.geojson"
    path.write_bytes(content.encode("latin-1") if code is ErrorCode.NOT_UTF8 else content.encode())
    with pytest.raises(ImportRejected) as rejected:
        await import_boundaries(demo_regions, path)
    [error] = rejected.value.result.errors
    assert error.code is code and words in str(error)


async def test_broken_features_refuse_the_whole_file(
    demo_regions: AsyncSession, tmp_path: Path
) -> None:
    session = demo_regions
    swapped = [[lat, lon] for lon, lat in SQUARE]
    open_ring = [*SQUARE[:-1], [109.35, -7.05]]
    path = write(
        tmp_path,
        collection(
            feature("33.27.04"),  # good, but the file is refused: not written
            feature("33.27.07", {"type": "Polygon", "coordinates": [swapped]}),
            feature("33.27.09", {"type": "Point", "coordinates": [109.4, -6.9]}),
            feature("33.27.13", {"type": "Polygon", "coordinates": [open_ring]}),
            feature(None),
            feature("33.27.04"),
            {"type": "Feature", "geometry": None},
            feature("33.27.99", {"type": "Polygon", "coordinates": [[[109.3, "x"]] * 4]}),
            feature("33.27.98", {"type": "Polygon", "coordinates": [SQUARE[:3]]}),
        ),
    )
    with pytest.raises(ImportRejected) as rejected:
        await import_boundaries(session, path)
    messages = [str(e) for e in rejected.value.result.errors]
    assert messages == [
        "Feature 2 (33.27.07): latitude 109.3 is outside -90..90 (are longitude and latitude "
        "swapped?).",
        "Feature 3 (33.27.09): its geometry is a Point, not a Polygon or MultiPolygon.",
        "Feature 4 (33.27.13): a ring does not end where it starts.",
        "Feature 5 has no kecamatan code: 'properties.code' must be text like 33.27.01.",
        "Feature 6: code '33.27.04' already appears in feature 1.",
        "Feature 7 is not a GeoJSON Feature with 'properties' and a 'geometry'.",
        'Feature 8 (33.27.99): the position [109.3, "x"] is not [longitude, latitude].',
        "Feature 9 (33.27.98): a ring has fewer than 4 positions.",
    ]
    await session.rollback()
    assert all(b is None for b in (await boundaries(session)).values())


async def test_a_file_matching_no_kecamatan_is_refused(
    demo_regions: AsyncSession, tmp_path: Path
) -> None:
    path = write(tmp_path, collection(feature("33.28.01"), feature("33.28.02")))
    with pytest.raises(ImportRejected) as rejected:
        await import_boundaries(demo_regions, path)
    [error] = rejected.value.result.errors
    assert error.code is ErrorCode.NO_MATCH
    assert "None of the 2 features" in str(error) and "import the regions first" in str(error)


def test_cli_imports_boundaries(tmp_path: Path) -> None:
    assert run(tmp_path, "import", "regions", str(DEMO / "regions.csv")).returncode == 0
    done = run(tmp_path, "import", "boundaries", str(DEMO / "boundaries.geojson"))
    assert done.returncode == 0, done.stderr
    assert "boundaries: 4 matched (4 updated, 0 unchanged), 0 unmatched" in done.stdout
    assert "every kecamatan has a boundary" in done.stdout

    broken = write(tmp_path, {"type": "Topology"}, "broken.json")
    refused = run(tmp_path, "import", "boundaries", str(broken))
    assert refused.returncode == 1
    assert "rejected, nothing was written" in refused.stdout
    assert "not a GeoJSON FeatureCollection" in refused.stdout
