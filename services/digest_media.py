"""The digest's attachments: a chart of the last weeks, a collage of the week's photos and a
spreadsheet of the week's reports.

Pure functions of `DigestData` and of the labels the caller passes (every word shown comes
from the caller, already translated). They are CPU work, so the caller runs them in a thread:
the chart uses matplotlib's object API on the Agg canvas, never `pyplot`, whose global state
is not thread-safe.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, tzinfo
from functools import cache
from pathlib import Path
from typing import Any

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from PIL import Image, ImageDraw, ImageFont, ImageOps

from models.digests import XLSX_COLUMNS, DigestData, DigestPhoto, XlsxRow

__all__ = [
    "CHART_SIZE",
    "COLLAGE_TILE",
    "chart_png",
    "collage_jpeg",
    "reports_xlsx",
]

# -- chart ---------------------------------------------------------------------------------

# Pixels; a phone shows it full width, so text is set large.
CHART_SIZE = (1200, 700)
_DPI = 100
# Colour-blind-safe (Okabe-Ito) for the three strategies and a few kecamatan; tab20 beyond.
_PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")


def _plain(text: str) -> str:
    """Text shown literally: matplotlib would read a pair of '$' as a formula."""
    return text.replace("$", r"\$")


def _colours(count: int) -> list[Any]:
    if count <= len(_PALETTE):
        return list(_PALETTE[:count])
    cmap = matplotlib.colormaps["tab20"]
    return [cmap(i % 20) for i in range(count)]


def chart_png(
    data: DigestData,
    *,
    title: str,
    series_labels: Mapping[str, str],
    week_label: Callable[[date], str],
    number: Callable[[int], str] = str,
) -> bytes:
    """Stacked bars of visits per week (by strategy or by kecamatan, as `data.series` is
    split), with each week's total on top. `series_labels` names the keys in the legend (a
    key without a label shows as itself); `number` formats the figures (e.g. "1.250")."""
    series = data.series
    weeks = series.weeks
    width, height = CHART_SIZE
    figure = Figure(figsize=(width / _DPI, height / _DPI), dpi=_DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()

    positions = list(range(len(weeks)))
    bottoms = [0] * len(weeks)
    for index, (key, colour) in enumerate(
        zip(series.keys, _colours(len(series.keys)), strict=True)
    ):
        values = [week.values[index] for week in weeks]
        axes.bar(
            positions,
            values,
            bottom=bottoms,
            width=0.7,
            color=colour,
            edgecolor="white",
            linewidth=1,
            label=_plain(series_labels.get(key, key)),
        )
        bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]

    top = max(bottoms, default=0)
    for position, total in zip(positions, bottoms, strict=True):
        if total:
            axes.annotate(
                number(total),
                (position, total),
                xytext=(0, 4),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=16,
                fontweight="bold",
            )
    # Room above the tallest bar for its total; an empty chart still gets a 0-1 axis
    # instead of matplotlib's default -0.05..0.05.
    axes.set_ylim(0, max(top, 1) * 1.18)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: number(int(value))))
    axes.set_xticks(positions, [_plain(week_label(week.start)) for week in weeks])
    axes.tick_params(axis="both", labelsize=15, length=0)
    axes.grid(axis="y", color="#dddddd", linewidth=1)
    axes.set_axisbelow(True)
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    axes.set_title(_plain(title), fontsize=22, fontweight="bold", loc="left", pad=14)
    if series.keys:
        axes.legend(
            loc="upper center",
            bbox_to_anchor=(0.5, -0.08),
            ncols=min(len(series.keys), 3 if series.by == "strategy" else 5),
            fontsize=15,
            frameon=False,
        )

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=_DPI)
    return buffer.getvalue()


# -- collage -------------------------------------------------------------------------------

# Pixels per tile, gap included: nine photos make a 1200x1200 JPEG.
COLLAGE_TILE = 400
_GAP = 6
_BACKGROUND = (32, 32, 32)
_MAX_PHOTOS = 9


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A scalable font: matplotlib's DejaVu Sans Bold (always installed with it, and it has
    the accents of Indonesian names), else Pillow's own, else its small bitmap font."""
    bundled = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans-Bold.ttf"
    try:
        return ImageFont.truetype(bundled, size)
    except OSError:
        pass
    try:
        # Needs FreeType; raises ImportError without it.
        return ImageFont.load_default(size=size)
    except (ImportError, OSError):
        return ImageFont.load_default()


def _grid(count: int) -> tuple[int, int]:
    """(columns, rows): one row up to three photos, 2x2 for four, three columns beyond."""
    if count <= 3:
        return count, 1
    if count == 4:
        return 2, 2
    return 3, math.ceil(count / 3)


def _square(
    photo: DigestPhoto, open_photo: Callable[[str], Path], side: int
) -> Image.Image | None:
    """The photo cropped to a centred square of `side` pixels; None if no file can be read.

    The archive copy looks best; the thumbnail stands in when the archive is gone.
    """
    for relative in (photo.archive_path, photo.thumb_path):
        try:
            with Image.open(open_photo(relative)) as image:
                # JPEG decodes at 1/2, 1/4 or 1/8 scale directly: much less work for a tile.
                image.draft("RGB", (side, side))
                return ImageOps.fit(image.convert("RGB"), (side, side), Image.Resampling.LANCZOS)
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
            # Missing (FileNotFoundError), outside the store (ValueError) or unreadable.
            continue
    return None


def _ellipsis(draw: ImageDraw.ImageDraw, text: str, font: Any, width: float) -> str:
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _lines(draw: ImageDraw.ImageDraw, text: str, font: Any, width: float) -> list[str]:
    """`text` on one line, else wrapped at spaces onto two, the second shortened if need be."""
    text = " ".join(text.split())
    if draw.textlength(text, font=font) <= width:
        return [text]
    words = text.split(" ")
    first = words[0]
    taken = 1
    while taken < len(words) and draw.textlength(f"{first} {words[taken]}", font=font) <= width:
        first = f"{first} {words[taken]}"
        taken += 1
    rest = " ".join(words[taken:])
    lines = [_ellipsis(draw, first, font, width)]
    if rest:
        lines.append(_ellipsis(draw, rest, font, width))
    return lines


def _label(tile: Image.Image, text: str) -> Image.Image:
    """`text` in white on a dark band along the bottom of the tile (two lines at most)."""
    side = tile.width
    line_height = max(side // 12, 12)
    font = _font(max(line_height * 3 // 4, 10))
    padding = line_height // 2
    draw = ImageDraw.Draw(tile)
    lines = _lines(draw, text, font, side - 2 * padding) if text.strip() else []
    if not lines:
        return tile
    band = line_height * len(lines) + padding
    overlay = Image.new("RGBA", tile.size, (0, 0, 0, 0))
    ImageDraw.Draw(overlay).rectangle((0, side - band, side, side), fill=(0, 0, 0, 170))
    labelled = Image.alpha_composite(tile.convert("RGBA"), overlay)
    draw = ImageDraw.Draw(labelled)
    for index, line in enumerate(lines):
        left, top, _, bottom = draw.textbbox((0, 0), line, font=font)
        # Each line centred vertically in its own slot of the band.
        slot = side - band + padding // 2 + index * line_height
        y = slot + (line_height - (bottom - top)) / 2 - top
        draw.text((padding - left, y), line, font=font, fill=(255, 255, 255))
    return labelled.convert("RGB")


def collage_jpeg(
    photos: Sequence[DigestPhoto],
    *,
    open_photo: Callable[[str], Path],
    label: Callable[[DigestPhoto], str],
    tile: int = COLLAGE_TILE,
) -> bytes | None:
    """Up to nine photos in a grid of square tiles (3x3 for nine, smaller for fewer), each
    labelled; photos whose files are missing are left out; None when none is left.

    `open_photo` turns a stored relative path into a file path (PhotoStore.path);
    `label` gives the tile's caption (village and date, in the reader's language).
    """
    side = tile - _GAP
    tiles: list[Image.Image] = []
    for photo in photos:
        if len(tiles) == _MAX_PHOTOS:
            break
        square = _square(photo, open_photo, side)
        if square is not None:
            tiles.append(_label(square, label(photo)))
    if not tiles:
        return None
    columns, rows = _grid(len(tiles))
    canvas = Image.new("RGB", (columns * tile, rows * tile), _BACKGROUND)
    for index, picture in enumerate(tiles):
        row, column = divmod(index, columns)
        canvas.paste(picture, (column * tile + _GAP // 2, row * tile + _GAP // 2))
    buffer = io.BytesIO()
    canvas.save(buffer, "JPEG", quality=85, optimize=True)
    return buffer.getvalue()


# -- spreadsheet ---------------------------------------------------------------------------

_DATE_FORMAT = "yyyy-mm-dd"
_DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
_COUNT_FORMAT = "#,##0"
_DEGREES_FORMAT = "0.000000"
_FORMATS = {
    "visit_date": _DATE_FORMAT,
    "submitted_at": _DATETIME_FORMAT,
    "households": _COUNT_FORMAT,
    "people": _COUNT_FORMAT,
    "photos": _COUNT_FORMAT,
    "latitude": _DEGREES_FORMAT,
    "longitude": _DEGREES_FORMAT,
}
# Widths (characters) for columns whose text length says nothing about how they display.
_FIXED_WIDTHS = {"visit_date": 12, "submitted_at": 17, "latitude": 12, "longitude": 12}
_MAX_WIDTH = 60
# Characters Excel refuses in a sheet's name (which is also at most 31 characters long).
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _sheet_title(title: str) -> str:
    cleaned = _SHEET_TITLE_FORBIDDEN.sub(" ", title).strip().strip("'")
    return cleaned[:31] or "Sheet1"


def _values(
    row: XlsxRow,
    tz: tzinfo,
    strategy_label: Callable[[str], str],
    activity_label: Callable[[str], str],
    review_label: Callable[[str], str],
    flag_label: Callable[[str], str],
) -> list[object]:
    # Excel has no time zones: the time is written as the reader's wall clock.
    submitted = row.submitted_at.astimezone(tz).replace(tzinfo=None) if row.submitted_at else None
    return [
        row.reference,
        row.visit_date,
        submitted,
        row.village,
        row.kecamatan,
        row.agency,
        row.staff,
        strategy_label(row.strategy) if row.strategy else None,
        # "other" is labelled too (e.g. "Lainnya"); the text typed is the next column.
        activity_label(row.activity) if row.activity else None,
        row.activity_other,
        row.households,
        row.people,
        row.description,
        row.photos,
        row.latitude,
        row.longitude,
        row.version,
        review_label(row.review_status) if row.review_status else None,
        row.distance_km,
        "; ".join(flag_label(kind) for kind in row.flags) or None,
    ]


def reports_xlsx(
    data: DigestData,
    *,
    headers: Sequence[str],
    sheet_title: str,
    strategy_label: Callable[[str], str],
    activity_label: Callable[[str], str],
    review_label: Callable[[str], str] = str,
    flag_label: Callable[[str], str] = str,
    tz: tzinfo = UTC,
) -> bytes:
    """The period's reports, one row per activity, as an .xlsx workbook.

    `headers` names the columns of `models.digests.XLSX_COLUMNS`, in that order. Dates and
    times are real Excel dates (submission times in `tz`), figures are numbers, and text typed
    by field staff is always stored as text, never as a formula.
    """
    if len(headers) != len(XLSX_COLUMNS):
        raise ValueError(f"{len(XLSX_COLUMNS)} headers expected, got {len(headers)}")
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _sheet_title(sheet_title)

    bold = Font(bold=True)
    widths = [len(str(header)) + 2 for header in headers]
    for column, header in enumerate(headers, start=1):
        cell = sheet.cell(row=1, column=column, value=_text(header))
        cell.font = bold
        cell.alignment = Alignment(vertical="center")

    for line, row in enumerate(data.rows, start=2):
        for column, (key, value) in enumerate(
            zip(
                XLSX_COLUMNS,
                _values(row, tz, strategy_label, activity_label, review_label, flag_label),
                strict=True,
            ),
            start=1,
        ):
            if isinstance(value, str):
                value = _text(value)
            cell = sheet.cell(row=line, column=column, value=value)
            if isinstance(value, str):
                # openpyxl stores any string starting with "=" as a formula; staff text
                # such as "=HYPERLINK(...)" must stay text.
                cell.data_type = "s"
                widths[column - 1] = max(widths[column - 1], len(value) + 2)
            elif isinstance(value, int | float) and not isinstance(value, bool):
                widths[column - 1] = max(widths[column - 1], len(f"{value:,}") + 2)
            if key in _FORMATS and value is not None:
                cell.number_format = _FORMATS[key]

    for column, key in enumerate(XLSX_COLUMNS, start=1):
        width = max(widths[column - 1], _FIXED_WIDTHS.get(key, 0))
        sheet.column_dimensions[get_column_letter(column)].width = min(width, _MAX_WIDTH)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(XLSX_COLUMNS))}{len(data.rows) + 1}"

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _text(value: str) -> str:
    # Control characters (pasted from other apps) make openpyxl refuse the whole workbook.
    return str(ILLEGAL_CHARACTERS_RE.sub("", value))
