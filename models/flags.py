"""The evidence flags a sent report can carry (computed by services/evidence.py).

A flag is stored as a small JSON object on the report and on its version:
``{"kind": "<FlagKind>", ...details}``. Details by kind:

- ``location_missing``: —
- ``location_far``: ``km`` (float, distance of the shared location to the village's centre)
- ``location_forwarded``: —
- ``location_inaccurate``: ``accuracy_m`` (float)
- ``photo_reused``: ``reference`` (the other report), ``match`` ("same" bytes or "similar"
  picture by perceptual hash)
- ``photo_exif_time``: ``days`` (int, capture time's distance to the visit date)
- ``photo_exif_far``: ``km`` (float)
- ``duplicate_visit``: ``reference`` (the other report)
- ``no_exif``: — (informational: every photo was sent compressed, none carries metadata)

Each kind's text is `flag-<kind>` in locales/*/evidence.ftl, with the details as arguments.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class FlagKind(StrEnum):
    LOCATION_MISSING = "location_missing"
    LOCATION_FAR = "location_far"
    LOCATION_FORWARDED = "location_forwarded"
    LOCATION_INACCURATE = "location_inaccurate"
    PHOTO_REUSED = "photo_reused"
    PHOTO_EXIF_TIME = "photo_exif_time"
    PHOTO_EXIF_FAR = "photo_exif_far"
    DUPLICATE_VISIT = "duplicate_visit"
    NO_EXIF = "no_exif"


# Shown, but not counted as a warning in digests and review queues.
INFORMATIONAL = frozenset({FlagKind.NO_EXIF})


def flag(kind: FlagKind, **details: Any) -> dict[str, Any]:
    return {"kind": kind.value, **details}


def kinds(flags: list[dict[str, Any]] | None) -> list[FlagKind]:
    """The kinds of the stored flags, unknown ones (of a newer release) left out."""
    known = {k.value for k in FlagKind}
    return [FlagKind(f["kind"]) for f in flags or [] if f.get("kind") in known]


def warnings(flags: list[dict[str, Any]] | None) -> list[FlagKind]:
    """The kinds that count as warnings (not informational)."""
    return [k for k in kinds(flags) if k not in INFORMATIONAL]
