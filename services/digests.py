"""Building the digest: what the weekly job sends to coordinators and /ringkasan shows.

A kecamatan coordinator gets their kecamatan, a regency coordinator the whole regency:
a text (split to fit Telegram's 4,096 characters), a chart of the last weeks, a map of the
week's visits, a collage of the week's photos and a spreadsheet of the week's reports.
Figures come from models/digests.py; pictures and the spreadsheet are drawn in a thread.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from core.context import DampinganApplication
from core.i18n import Raw, long_date, number, short_date
from models.activities import OTHER, Strategy, activity_names
from models.digests import DigestData, DigestPhoto, Period, digest_data, week_of
from models.flags import FlagKind
from models.reports import ReviewStatus
from models.users import Role, User
from services.delivery import Part
from services.text import fit_caption, split_message

if TYPE_CHECKING:
    # Imported for its types only: the module loads matplotlib (see _render_files).
    from services.digest_map import MapImage

_LOG = logging.getLogger(__name__)
IDLE_DAYS = 14


def last_full_week(day: date) -> Period:
    """The Monday-to-Sunday week before the one containing `day`."""
    return week_of(day - timedelta(days=7))


def scope_of(user: User) -> int | None:
    """The kecamatan a person's digest covers; None for the whole regency."""
    return user.kecamatan_id if user.role is Role.KECAMATAN_COORDINATOR else None


@dataclass(frozen=True)
class Labels:
    """Everything language-dependent that the drawings need."""

    lang: str
    strategy: dict[str, str]
    activity: dict[str, str]
    # The spreadsheet's review status and flag columns.
    review: dict[str, str] = field(default_factory=dict)
    flag: dict[str, str] = field(default_factory=dict)


def _change(current: int, before: int, lang: str) -> Raw:
    difference = current - before
    arrow = "▲" if difference > 0 else "▼" if difference < 0 else "="
    return Raw(f"{arrow} {number(abs(difference), lang)}")


def _scope(app: DampinganApplication, data: DigestData, lang: str) -> str:
    t = app.translator
    return (
        t(lang, "digest-scope-kecamatan", kecamatan=data.kecamatan)
        if data.kecamatan
        else t(lang, "digest-scope-regency")
    )


def digest_text(app: DampinganApplication, data: DigestData, lang: str) -> str:
    """The digest's message text (one string; `split_message` cuts it to size)."""
    t = app.translator
    scope = _scope(app, data, lang)
    now, before = data.current, data.previous
    strategies = [
        t(
            lang,
            "digest-strategy-line",
            strategy=t(lang, f"strategy-short-{s.value}"),
            visits=number(now.strategy(s.value).visits, lang),
            households=number(now.strategy(s.value).households, lang),
            before=number(before.strategy(s.value).visits, lang),
        )
        for s in Strategy
    ]
    villages = [
        t(
            lang,
            "digest-village-line",
            village=row.village,
            kecamatan=row.kecamatan,
            agencies=", ".join(row.agencies) or "—",
            visits=number(row.visits, lang),
            last=short_date(row.last_visit, lang) if row.last_visit else t(lang, "digest-never"),
        )
        for row in data.villages
    ]
    idle = [
        t(
            lang,
            "digest-idle-line",
            agency=idle.agency,
            villages=", ".join(idle.villages),
            last=short_date(idle.last_visit, lang) if idle.last_visit else t(lang, "digest-never"),
        )
        for idle in data.idle_agencies
    ]
    header = t(
        lang,
        "digest-header",
        scope=scope,
        start=long_date(data.period.start, lang),
        end=long_date(data.period.end, lang),
        visits=number(now.visits, lang),
        visits_before=number(before.visits, lang),
        visits_change=_change(now.visits, before.visits, lang),
        households=number(now.households, lang),
        households_before=number(before.households, lang),
        households_change=_change(now.households, before.households, lang),
        people=number(now.people, lang),
        photos=number(now.photos, lang),
        photos_before=number(before.photos, lang),
    )
    # Sections are joined here, not inside one Fluent message: Fluent caps a placeable at
    # 1,000 characters, and a regency has 223 villages.
    sections = [
        header,
        _review_section(app, data, lang),
        "\n".join([t(lang, "digest-title-strategies"), *strategies]),
        "\n".join(
            [t(lang, "digest-title-villages"), *(villages or [t(lang, "digest-no-villages")])]
        ),
        "\n".join(
            [
                t(lang, "digest-title-idle", idle_days=data.idle_days),
                *(idle or [t(lang, "digest-no-idle")]),
            ]
        ),
    ]
    return "\n\n".join(sections)


def _review_section(app: DampinganApplication, data: DigestData, lang: str) -> str:
    """Where the period's reports stand with the coordinators, and their evidence flags."""
    t = app.translator
    review, flags = data.review, data.flags
    lines = [
        t(lang, "digest-title-review"),
        t(
            lang,
            "digest-review-line",
            verified=number(review.verified, lang),
            waiting=number(review.waiting, lang),
            needs_correction=number(review.needs_correction, lang),
        ),
        t(lang, "digest-flags-line", flagged=number(flags.flagged, lang)),
        *(
            t(
                lang,
                "digest-flag-line",
                flag=Raw(t(lang, f"digest-flag-{kind.value}")),
                reports=number(count, lang),
                count=count,
            )
            for kind, count in flags.warnings
        ),
        *(
            t(lang, f"digest-flag-info-{kind.value}", reports=number(count, lang), count=count)
            for kind, count in flags.informational
        ),
    ]
    return "\n".join(lines)


async def labels_for(session: AsyncSession, app: DampinganApplication, lang: str) -> Labels:
    t = app.translator
    return Labels(
        lang=lang,
        strategy={s.value: t(lang, f"strategy-short-{s.value}") for s in Strategy},
        activity={**await activity_names(session, lang), OTHER: t(lang, "report-activity-other")},
        review={s.value: t(lang, f"digest-xlsx-review-{s.value}") for s in ReviewStatus},
        flag={k.value: t(lang, f"digest-xlsx-flag-{k.value}") for k in FlagKind},
    )


@dataclass(frozen=True)
class Rendered:
    """The digest's attachments; no map when there is nothing to draw, no collage when no
    photo file can be read."""

    chart: bytes
    map: MapImage | None
    collage: bytes | None
    xlsx: bytes


def _render_files(
    data: DigestData,
    labels: Labels,
    texts: Mapping[str, str],
    open_photo: Callable[[str], Path],
    tz: tzinfo,
) -> Rendered:
    """The chart, the map, the collage and the spreadsheet: CPU work, run in a thread."""
    # matplotlib and openpyxl cost the bot ~60 MB and a second at start-up; most days no
    # digest is drawn, so they are loaded when the first one is.
    from services.digest_map import MapLabels, map_png
    from services.digest_media import chart_png, collage_jpeg, reports_xlsx

    lang = labels.lang
    series_labels = (
        labels.strategy if data.series.by == "strategy" else {k: k for k in data.series.keys}
    )
    chart = chart_png(
        data,
        title=texts["chart_title"],
        series_labels=series_labels,
        week_label=lambda day: short_date(day, lang),
        number=lambda value: number(value, lang),
    )

    def photo_label(photo: DigestPhoto) -> str:
        return f"{photo.village} · {short_date(photo.visit_date, lang)}"

    collage = collage_jpeg(data.photos, open_photo=open_photo, label=photo_label)
    xlsx = reports_xlsx(
        data,
        headers=texts["headers"].split("|"),
        sheet_title=texts["sheet"],
        strategy_label=lambda key: labels.strategy.get(key, key),
        activity_label=lambda key: labels.activity.get(key, key),
        review_label=lambda status: labels.review.get(status, status),
        flag_label=lambda kind: labels.flag.get(kind, kind),
        tz=tz,
    )
    drawn = map_png(
        data.map,
        labels=MapLabels(
            title=texts["map_title"],
            strategy=labels.strategy,
            several=texts["map_several"],
            at_location=texts["map_at_location"],
            at_village=texts["map_at_village"],
            visits=texts["map_shading"],
        ),
        number=lambda value: number(value, lang),
        kecamatan_scope=data.kecamatan is not None,
    )
    return Rendered(chart=chart, map=drawn, collage=collage, xlsx=xlsx)


async def build_parts(
    app: DampinganApplication,
    session: AsyncSession,
    *,
    kecamatan_id: int | None,
    period: Period,
    today: date,
    lang: str,
) -> list[Part]:
    """A whole digest, ready to send: text parts, chart, collage, spreadsheet."""
    data = await digest_data(
        session, kecamatan_id=kecamatan_id, period=period, today=today, idle_days=IDLE_DAYS
    )
    labels = await labels_for(session, app, lang)
    t = app.translator
    texts = {
        "chart_title": t(lang, f"digest-chart-title-{data.series.by}"),
        "headers": t(lang, "digest-xlsx-headers"),
        "sheet": t(lang, "digest-xlsx-sheet"),
        # Drawn, not sent as HTML: names and dates are passed unescaped.
        "map_title": t(
            lang,
            "digest-map-title",
            scope=Raw(_scope(app, data, lang)),
            start=Raw(short_date(data.period.start, lang)),
            end=Raw(short_date(data.period.end, lang)),
        ),
        "map_shading": t(lang, "digest-map-shading"),
        "map_several": t(lang, "digest-map-several"),
        "map_at_location": t(lang, "digest-map-at-location"),
        "map_at_village": t(lang, "digest-map-at-village"),
    }
    rendered = await asyncio.to_thread(
        _render_files, data, labels, texts, app.photo_store.path, app.settings.tz
    )
    parts = [Part(text=piece) for piece in split_message(digest_text(app, data, lang))]
    caption, rest = fit_caption(t(lang, "digest-chart-caption", weeks=len(data.series.weeks)))
    parts.append(Part(photo=rendered.chart, caption=caption))
    if rest:
        parts.append(Part(text=rest))
    if rendered.map is not None:
        parts.extend(_map_parts(app, data, rendered.map, lang))
    if rendered.collage is not None:
        parts.append(
            Part(
                photo=rendered.collage,
                caption=t(lang, "digest-collage-caption", count=len(data.photos)),
            )
        )
    scope_name = (data.kecamatan or "kabupaten").lower().replace(" ", "-")
    parts.append(
        Part(
            document=rendered.xlsx,
            filename=f"dampingan-{scope_name}-{period.start.isoformat()}.xlsx",
            caption=t(lang, "digest-xlsx-caption", rows=len(data.rows)),
        )
    )
    return parts


def _map_parts(
    app: DampinganApplication, data: DigestData, drawn: MapImage, lang: str
) -> list[Part]:
    """The map with its caption: what it shows, and what it could not."""
    t = app.translator
    notes = [t(lang, "digest-map-caption", visits=number(len(data.map.visits), lang))]
    if not data.map.has_boundaries:
        notes.append(t(lang, "digest-map-no-boundaries"))
    if drawn.unplaced:
        notes.append(t(lang, "digest-map-unplaced", count=number(len(drawn.unplaced), lang)))
    caption, rest = fit_caption(" ".join(notes))
    parts = [Part(photo=drawn.png, caption=caption)]
    if rest:
        parts.append(Part(text=rest))
    return parts
