"""What changed between two sent versions of a report ("KK: 12 → 14; foto: +1").

Both the review card and the history show it; versions are the JSON documents of
`report_version.content` (models/reports.py `snapshot`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from core.i18n import Raw

# A message by key with arguments, in the reader's language (AppContext.t, or a translator
# bound to a language).
Translate = Callable[..., Raw]

_REPORT_FIELDS = ("village_id", "visit_date")
_ACTIVITY_FIELDS = ("strategy", "activity", "activity_other", "households", "people")


def changes(
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    *,
    village_names: Mapping[int, str] | None = None,
) -> list[tuple[str, dict[str, object]]]:
    """The changes as (message key, arguments), in the order of the form."""
    names = village_names or {}
    found: list[tuple[str, dict[str, object]]] = []
    if before.get("village_id") != after.get("village_id"):
        found.append(
            (
                "change-village",
                {
                    "old": names.get(before.get("village_id") or 0, "—"),
                    "new": names.get(after.get("village_id") or 0, "—"),
                },
            )
        )
    if before.get("visit_date") != after.get("visit_date"):
        found.append(
            ("change-date", {"old": before.get("visit_date"), "new": after.get("visit_date")})
        )
    if (before.get("latitude"), before.get("longitude")) != (
        after.get("latitude"),
        after.get("longitude"),
    ):
        found.append(("change-location", {}))
    old_acts: list[dict[str, Any]] = list(before.get("activities") or [])
    new_acts: list[dict[str, Any]] = list(after.get("activities") or [])
    if len(old_acts) != len(new_acts):
        found.append(("change-activities", {"old": len(old_acts), "new": len(new_acts)}))
    for n, (old, new) in enumerate(zip(old_acts, new_acts, strict=False), start=1):
        prefix: dict[str, object] = {"n": n if len(new_acts) > 1 else 0}
        if any(old.get(k) != new.get(k) for k in ("strategy", "activity", "activity_other")):
            found.append(("change-activity", prefix))
        for key, field in (("change-households", "households"), ("change-people", "people")):
            if old.get(field) != new.get(field):
                found.append(
                    (key, {**prefix, "old": _shown(old.get(field)), "new": _shown(new.get(field))})
                )
        if old.get("description") != new.get("description"):
            found.append(("change-description", prefix))
    old_photos = _photo_hashes(old_acts)
    new_photos = _photo_hashes(new_acts)
    added, removed = len(new_photos - old_photos), len(old_photos - new_photos)
    if added or removed:
        found.append(("change-photos", {"added": added, "removed": removed}))
    return found


def describe(
    t: Translate,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    *,
    village_names: Mapping[int, str] | None = None,
) -> Raw:
    """The changes in one line, or the "no change" text."""
    found = changes(before, after, village_names=village_names)
    if not found:
        return t("change-none")
    return Raw("; ".join(str(t(key, **args)) for key, args in found))


def _shown(value: object) -> object:
    return "—" if value is None else value


def _photo_hashes(activities: list[dict[str, Any]]) -> set[str]:
    return {p["sha256"] for a in activities for p in a.get("photos") or [] if p.get("sha256")}
