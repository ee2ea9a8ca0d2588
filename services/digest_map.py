"""The digest's map: kecamatan shaded by the period's visits, each visit a point.

A pure function of `MapData` and of the labels the caller passes (already translated), like
the other attachments in services/digest_media.py: matplotlib's object API on the Agg canvas,
never `pyplot`, so it can run in a worker thread. No tiles and no geometry library: the
boundaries are GeoJSON polygons drawn as patches, in lon/lat scaled so that a kilometre is as
long east-west as north-south (at Pemalang's latitude the difference is under 1 %, but the
scaling costs nothing and keeps the shapes right anywhere).

One point per visit (per report, not per activity): the shading counts visits, and a report
serving two strategies is one visit; such a point gets its own colour ("several
strategies"). A point sits at the location shared with the report; without one (or with one
off the map, e.g. shared from the office 40 km away and already flagged), at its village's
centroid, drawn hollow so the reader can tell the two apart. Several points on the same spot
are fanned out around it, so each visit stays visible and countable.
"""

from __future__ import annotations

import io
import math
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Literal

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.colors import LinearSegmentedColormap, Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import PathPatch
from matplotlib.path import Path
from matplotlib.patheffects import withStroke
from matplotlib.ticker import FuncFormatter, MaxNLocator

from models.digests import STRATEGIES, MapData, MapVisit

__all__ = ["MAP_SIZE", "SEVERAL", "MapImage", "MapLabels", "PlottedPoint", "map_png"]

# Pixels: square, as the regency is about as tall as it is wide; a phone shows it full width.
MAP_SIZE = (1200, 1200)
_DPI = 100
# The key of a visit serving more than one strategy.
SEVERAL = "several"
# The chart's Okabe-Ito colours for the three strategies (services/digest_media.py), so a
# strategy has one colour in every picture of the digest; reddish purple for "several".
_STRATEGY_COLOURS = dict(zip(STRATEGIES, ("#0072B2", "#E69F00", "#009E73"), strict=True))
_SEVERAL_COLOUR = "#CC79A7"
_OTHER_COLOUR = "#555555"
# Greys for the shading: no hue of the points, and dark labels stay readable on the darkest.
_SHADES = LinearSegmentedColormap.from_list("visits", ["#f6f6f6", "#8f8f8f"])
_VILLAGE_DOT = "#b5b5b5"
_EDGE = "#5a5a5a"
_HALO = [withStroke(linewidth=3, foreground="white")]

Placement = Literal["location", "village", "kecamatan"]


@dataclass(frozen=True)
class MapLabels:
    """The words on the map, in the reader's language."""

    title: str
    # Strategy key -> its short name.
    strategy: Mapping[str, str]
    several: str
    at_location: str
    at_village: str
    # The colour bar's title.
    visits: str


@dataclass(frozen=True)
class PlottedPoint:
    report_id: int
    lon: float
    lat: float
    # A strategy key, or SEVERAL.
    key: str
    placed: Placement


@dataclass(frozen=True)
class MapImage:
    png: bytes
    # Where each visit was drawn, in report order.
    points: tuple[PlottedPoint, ...]
    # Visit markers counted in the figure itself before it was saved (a check on `points`:
    # every point placed was really drawn, once).
    markers: int
    # Visits with no position at all (no location, no village centroid): not on the map.
    unplaced: tuple[int, ...]


# -- geometry ------------------------------------------------------------------------------

Ring = list[tuple[float, float]]


def _ring(raw: Any) -> Ring | None:
    if not isinstance(raw, list) or len(raw) < 4:
        return None
    ring: Ring = []
    for position in raw:
        if (
            not isinstance(position, list | tuple)
            or len(position) < 2
            or not all(isinstance(c, int | float) for c in position[:2])
        ):
            return None
        ring.append((float(position[0]), float(position[1])))
    return ring


def polygons(geometry: Any) -> list[list[Ring]]:
    """The polygons (each an exterior ring and its holes) of a GeoJSON Polygon or
    MultiPolygon; [] for anything else. The importer checked the stored geometry; this only
    keeps a digest from failing on a row written some other way."""
    if not isinstance(geometry, dict):
        return []
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    if kind == "Polygon":
        raw_polygons = [coordinates]
    elif kind == "MultiPolygon" and isinstance(coordinates, list):
        raw_polygons = coordinates
    else:
        return []
    result: list[list[Ring]] = []
    for raw in raw_polygons:
        if not isinstance(raw, list) or not raw:
            continue
        rings = [_ring(r) for r in raw]
        if rings[0] is not None:
            result.append([r for r in rings if r is not None])
    return result


def _signed_area(ring: Ring) -> float:
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in pairwise(ring)) / 2


def _path(shapes: list[list[Ring]]) -> Path:
    """One compound path; exteriors counter-clockwise and holes clockwise, so matplotlib's
    non-zero fill leaves the holes empty whatever orientation the file used."""
    vertices: list[tuple[float, float]] = []
    codes: list[Any] = []
    for rings in shapes:
        for index, ring in enumerate(rings):
            clockwise = _signed_area(ring) < 0
            if clockwise == (index == 0):
                ring = ring[::-1]
            vertices.extend(ring)
            codes.extend([Path.MOVETO] + [Path.LINETO] * (len(ring) - 2) + [Path.CLOSEPOLY])
    return Path(vertices, codes)


@dataclass
class _Frame:
    """The lon/lat box the map shows."""

    west: float = math.inf
    east: float = -math.inf
    south: float = math.inf
    north: float = -math.inf

    def add(self, lon: float, lat: float) -> None:
        self.west, self.east = min(self.west, lon), max(self.east, lon)
        self.south, self.north = min(self.south, lat), max(self.north, lat)

    @property
    def empty(self) -> bool:
        return self.west > self.east

    def padded(self) -> _Frame:
        # A margin of a tenth, at least about a kilometre (one village alone is a point).
        dx = max((self.east - self.west) * 0.1, 0.01)
        dy = max((self.north - self.south) * 0.1, 0.01)
        return _Frame(self.west - dx, self.east + dx, self.south - dy, self.north + dy)

    def __contains__(self, point: object) -> bool:
        if not isinstance(point, tuple):
            return False
        lon, lat = point
        return bool(self.west <= lon <= self.east and self.south <= lat <= self.north)


def _known(lon: float | None, lat: float | None) -> tuple[float, float] | None:
    if lon is None or lat is None or not (math.isfinite(lon) and math.isfinite(lat)):
        return None
    return lon, lat


# -- placing the visits --------------------------------------------------------------------


def _key(visit: MapVisit) -> str:
    if len(visit.strategies) == 1:
        return visit.strategies[0]
    # Several strategies; or none, which the form never lets through: drawn all the same,
    # so every visit is on the map.
    return SEVERAL


def _place(data: MapData) -> tuple[_Frame, list[PlottedPoint], list[int]]:
    """The map's frame, where each visit goes (before fanning out) and the visits that
    cannot be placed."""
    frame = _Frame()
    for area in data.areas:
        for rings in polygons(area.boundary):
            for lon, lat in rings[0]:
                frame.add(lon, lat)
        if (centre := _known(area.lon, area.lat)) is not None:
            frame.add(*centre)
    villages = {v.village_id: v for v in data.villages}
    for village in data.villages:
        if (centre := _known(village.lon, village.lat)) is not None:
            frame.add(*centre)
    if frame.empty:
        # Nothing but the shared locations: they make the frame.
        for visit in data.visits:
            if (spot := _known(visit.longitude, visit.latitude)) is not None:
                frame.add(*spot)
    frame = frame.padded() if not frame.empty else frame
    centres = {a.kecamatan_id: _known(a.lon, a.lat) for a in data.areas}

    points: list[PlottedPoint] = []
    unplaced: list[int] = []
    for visit in sorted(data.visits, key=lambda v: v.report_id):
        spot = _known(visit.longitude, visit.latitude)
        placed: Placement = "location"
        if spot is None or spot not in frame:
            home = villages.get(visit.village_id or 0)
            spot = _known(home.lon, home.lat) if home else None
            placed = "village"
            if spot is None and home is not None:
                spot = centres.get(home.kecamatan_id)
                placed = "kecamatan"
        if spot is None:
            unplaced.append(visit.report_id)
            continue
        points.append(PlottedPoint(visit.report_id, spot[0], spot[1], _key(visit), placed))
    return frame, points, unplaced


def _fan_out(points: list[PlottedPoint], step: float) -> list[PlottedPoint]:
    """Points sharing a spot spread on a sunflower spiral around it (`step` apart, in
    degrees of longitude), the first nearest: deterministic, and dense groups stay round."""
    groups: dict[tuple[float, float], list[int]] = defaultdict(list)
    for index, point in enumerate(points):
        groups[(round(point.lon, 6), round(point.lat, 6))].append(index)
    spread = list(points)
    golden = math.pi * (3 - math.sqrt(5))
    for members in groups.values():
        if len(members) < 2:
            continue
        for n, index in enumerate(members):
            point = points[index]
            radius = step * math.sqrt(n + 0.5)
            spread[index] = PlottedPoint(
                point.report_id,
                point.lon + radius * math.cos(n * golden),
                point.lat + radius * math.sin(n * golden),
                point.key,
                point.placed,
            )
    return spread


# -- drawing -------------------------------------------------------------------------------


def _plain(text: str) -> str:
    """Text shown literally: matplotlib would read a pair of '$' as a formula."""
    return text.replace("$", r"\$")


def _colour(key: str) -> str:
    if key == SEVERAL:
        return _SEVERAL_COLOUR
    return _STRATEGY_COLOURS.get(key, _OTHER_COLOUR)


def map_png(
    data: MapData,
    *,
    labels: MapLabels,
    number: Callable[[int], str] = str,
    kecamatan_scope: bool = False,
) -> MapImage | None:
    """The map as a PNG of MAP_SIZE pixels; None when there is nothing to draw (no
    boundary, no centroid and no located visit). `kecamatan_scope` labels the villages
    (a kecamatan's map) instead of only the kecamatan (the regency's)."""
    frame, points, unplaced = _place(data)
    if frame.empty:
        return None
    width, height = MAP_SIZE
    figure = Figure(figsize=(width / _DPI, height / _DPI), dpi=_DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.set_axis_off()
    middle = (frame.south + frame.north) / 2
    # Equirectangular: a degree of longitude is cos(latitude) as long as one of latitude.
    axes.set_aspect(1 / math.cos(math.radians(middle)), adjustable="box")
    axes.set_xlim(frame.west, frame.east)
    axes.set_ylim(frame.south, frame.north)

    top = max((area.visits for area in data.areas), default=0)
    shading = Normalize(vmin=0, vmax=max(top, 1))
    shaded = False
    for area in data.areas:
        shapes = polygons(area.boundary)
        if not shapes:
            continue
        # One kecamatan alone has nothing to be compared with: outlined, lightly filled.
        shaded = not kecamatan_scope
        axes.add_patch(
            PathPatch(
                _path(shapes),
                facecolor=_SHADES(shading(area.visits) if shaded else 0.0),
                edgecolor=_EDGE,
                linewidth=1.2,
                zorder=1,
            )
        )

    dots = [c for v in data.villages if (c := _known(v.lon, v.lat)) is not None]
    if dots:
        axes.scatter(
            [lon for lon, _ in dots],
            [lat for _, lat in dots],
            s=10 if kecamatan_scope else 6,
            color=_VILLAGE_DOT,
            linewidths=0,
            zorder=2,
        )
    if kecamatan_scope:
        for village in data.villages:
            if (centre := _known(village.lon, village.lat)) is not None:
                axes.annotate(
                    _plain(village.name)
                    + (f" ({number(village.visits)})" if village.visits else ""),
                    centre,
                    xytext=(0, -9),
                    textcoords="offset points",
                    ha="center",
                    va="top",
                    fontsize=10,
                    color="#444444",
                    path_effects=_HALO,
                    zorder=3,
                )
    else:
        for area in data.areas:
            centre = _known(area.lon, area.lat)
            if centre is None and (shapes := polygons(area.boundary)):
                ring = shapes[0][0]
                centre = (sum(x for x, _ in ring) / len(ring), sum(y for _, y in ring) / len(ring))
            if centre is not None:
                axes.annotate(
                    f"{_plain(area.name)}\n{number(area.visits)}",
                    centre,
                    ha="center",
                    va="center",
                    fontsize=13,
                    fontweight="bold",
                    color="#222222",
                    path_effects=_HALO,
                    zorder=3,
                )

    # About three quarters of a marker's width on a map whose longer side is ~900 pixels.
    spread = _fan_out(points, step=max(frame.east - frame.west, frame.north - frame.south) * 0.012)
    keys_drawn: list[str] = []
    for key in (*STRATEGIES, SEVERAL, *sorted({p.key for p in spread} - {*STRATEGIES, SEVERAL})):
        for hollow in (False, True):
            group = [p for p in spread if p.key == key and (p.placed != "location") == hollow]
            if not group:
                continue
            if key not in keys_drawn:
                keys_drawn.append(key)
            colour = _colour(key)
            axes.scatter(
                [p.lon for p in group],
                [p.lat for p in group],
                s=110,
                facecolors="white" if hollow else colour,
                edgecolors=colour if hollow else "white",
                linewidths=2.4 if hollow else 1.2,
                zorder=5 if hollow else 4,
                gid=f"visits:{key}:{'hollow' if hollow else 'filled'}",
            )

    # On the figure, not the axes: the axes narrow to keep the map's proportions, and a
    # title aligned on them would run off the picture.
    figure.suptitle(_plain(labels.title), x=0.02, ha="left", fontsize=22, fontweight="bold")
    legend = [
        Line2D(
            [],
            [],
            linestyle="none",
            marker="o",
            markersize=12,
            markerfacecolor=_colour(key),
            markeredgecolor="white",
            label=_plain(labels.several if key == SEVERAL else labels.strategy.get(key, key)),
        )
        for key in (*STRATEGIES, *(k for k in keys_drawn if k not in STRATEGIES))
    ]
    placements = {p.placed != "location" for p in points}
    if False in placements:
        legend.append(_style(labels.at_location, hollow=False))
    if True in placements:
        legend.append(_style(labels.at_village, hollow=True))
    figure.legend(handles=legend, loc="outside lower center", ncols=3, fontsize=14, frameon=False)
    if shaded:
        bar = figure.colorbar(
            ScalarMappable(norm=shading, cmap=_SHADES),
            ax=axes,
            orientation="vertical",
            shrink=0.5,
            pad=0.01,
        )
        bar.set_label(_plain(labels.visits), fontsize=14)
        bar.ax.tick_params(labelsize=13)
        bar.ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
        bar.ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: number(int(value))))

    markers = 0
    for collection in axes.collections:
        if str(collection.get_gid() or "").startswith("visits:"):
            markers += len(list(collection.get_offsets()))  # type: ignore[arg-type]
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=_DPI)
    return MapImage(
        png=buffer.getvalue(), points=tuple(points), markers=markers, unplaced=tuple(unplaced)
    )


def _style(label: str, *, hollow: bool) -> Line2D:
    return Line2D(
        [],
        [],
        linestyle="none",
        marker="o",
        markersize=12,
        markerfacecolor="white" if hollow else "#777777",
        markeredgecolor="#777777" if hollow else "white",
        markeredgewidth=2.4 if hollow else 1.2,
        label=_plain(label),
    )
