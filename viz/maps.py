"""2D concentration map (PNG) with matplotlib: field on a log colour scale over terrain, park features and receptors.

Drawn on a ``matplotlib.figure.Figure`` (no pyplot, so no global figure state) inside an ``rc_context`` that puts the
CJK font first, so Chinese names render and nothing leaks into the caller's matplotlib settings.
"""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib import patheffects
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.collections import PolyCollection
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Polygon, Rectangle
from matplotlib.ticker import FuncFormatter, MaxNLocator
from matplotlib.text import Text
from matplotlib.transforms import Bbox, offset_copy

from twin.atomic import atomic_output
from viz.fonts import cjk_rc_params
from viz.model import RECEPTOR_STYLE, AssetLayer, FieldLayer, MapView, ReceptorLayer, TerrainLayer
from viz.threat_map import (
    HALO,
    LABEL_FIRST_GID,
    LABEL_GID,
    RELEASE_GID,
    draw_outline,
    draw_release,
    draw_threat_zones,
    draw_wind_band,
)

__all__ = ["render_map", "build_map", "label_boxes", "release_marker_boxes", "text_only_box", "field_colormap", "LIMIT_GID"]

LIMIT_GID = "parktwin:limit"  # the limit isopleth's contour set (a group of that id in an SVG)

_HALO = HALO
_MAX_LABELLED_STACKS = 20
_NOTE_SIZE = 7.0  # [points]


def field_colormap(band_count: int) -> ListedColormap:
    """``band_count`` colours from pale yellow to dark red (YlOrRd without its near-white end); over = darkest."""
    base = matplotlib.colormaps["YlOrRd"]
    colours = base(np.linspace(0.18, 1.0, band_count))
    colormap = ListedColormap(colours, name="parktwin_field")
    return colormap.with_extremes(over=base(1.0) * np.array([0.6, 0.6, 0.6, 1.0]))


def format_value(value: float) -> str:
    """A concentration for a label: 1,440 / 23.5 / 0.047 (no exponent notation for the usual range)."""
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 1e-3:
        return f"{value:.3g}"
    return f"{value:.2e}"


def _nice_length(target: float) -> float:
    """Largest 1-2-5 × 10^k length not above ``target``. [m]"""
    exponent = np.floor(np.log10(target))
    return max(m * 10.0**exponent for m in (1.0, 2.0, 5.0) if m * 10.0**exponent <= target)


_LIGHT_AZIMUTH = np.deg2rad(315.0)  # light from the north-west, the cartographic convention
_LIGHT_ALTITUDE = np.deg2rad(45.0)


def _illumination(x: np.ndarray, y: np.ndarray, elevation: np.ndarray) -> np.ndarray:
    """Lambert illumination n·l of the ground (1 = facing the light, sin(altitude) = flat ground).

    x, y : increasing grid axes. [m]   elevation : (ny, nx). [m]
    """
    slope_north, slope_east = np.gradient(elevation, y, x)
    normal = np.stack([-slope_east, -slope_north, np.ones_like(elevation)])
    normal /= np.linalg.norm(normal, axis=0)
    light = np.array([np.sin(_LIGHT_AZIMUTH) * np.cos(_LIGHT_ALTITUDE),
                      np.cos(_LIGHT_AZIMUTH) * np.cos(_LIGHT_ALTITUDE), np.sin(_LIGHT_ALTITUDE)])
    return np.tensordot(light, normal, axes=1)


def _draw_terrain(ax, terrain: TerrainLayer) -> None:
    """Hillshade in grey, sea/no-data in pale blue, and thin labelled elevation contours."""
    elevation = terrain.elevation
    missing = ~np.isfinite(elevation)
    filled = np.where(missing, np.nanmin(elevation), elevation)
    dx = float(np.mean(np.diff(terrain.x)))
    dy = float(np.mean(np.diff(terrain.y)))
    extent = (terrain.x[0] - dx / 2, terrain.x[-1] + dx / 2, terrain.y[0] - dy / 2, terrain.y[-1] + dy / 2)
    relief = float(filled.max() - filled.min())
    # Shade exaggerated so that a relief of 2 % of the map width shows: coastal parks are nearly flat.
    exaggeration = 1.0 if relief <= 0 else float(np.clip(0.02 * (extent[1] - extent[0]) / relief, 1.0, 20.0))
    relief_shade = _illumination(terrain.x, terrain.y, filled * exaggeration) - np.sin(_LIGHT_ALTITUDE)
    # Relief only: slopes facing away from the light darken, slopes facing it lighten; flat ground stays untouched,
    # so the field colours above keep their hue.
    overlay = np.zeros(filled.shape + (4,))
    overlay[..., :3] = (relief_shade > 0)[..., None]
    overlay[..., 3] = np.clip(np.abs(relief_shade) * 1.5, 0.0, 0.45)
    ax.imshow(overlay, extent=extent, origin="lower", zorder=0, interpolation="bilinear")
    if missing.any():
        water = np.ma.masked_where(~missing, np.ones_like(filled))
        ax.imshow(water, extent=extent, origin="lower", cmap=ListedColormap(["#cfe3f2"]), zorder=0.5,
                  interpolation="nearest")
    if relief > 0:
        step = _nice_length(relief / 6)
        levels = np.arange(np.ceil(filled.min() / step) * step, filled.max() + step / 2, step)
        lines = ax.contour(terrain.x, terrain.y, np.ma.masked_array(elevation, missing), levels=levels,
                           colors="#8c6d46", linewidths=0.5, alpha=0.7, zorder=1)
        ax.clabel(lines, fontsize=6, fmt=lambda v: f"{v:g} m", inline=True)


def _draw_field(fig, ax, field: FieldLayer) -> list:
    """Filled log-banded contours (values <= 0 or below the lowest level stay transparent) and a colour bar."""
    levels = field.contour_levels()
    if levels is None:
        return []
    values = np.ma.masked_where(~(np.isfinite(field.values) & (field.values > 0)), field.values)
    colormap = field_colormap(len(levels) - 1)
    norm = BoundaryNorm(levels, ncolors=colormap.N)  # above the top level: the colormap's "over" colour
    extend = "max" if values.max() > levels[-1] else "neither"
    filled = ax.contourf(field.x, field.y, values, levels=levels, cmap=colormap, norm=norm, extend=extend,
                         alpha=0.78, zorder=2)
    ax.contour(field.x, field.y, values, levels=levels, colors="#3b1a08", linewidths=0.35, alpha=0.5, zorder=2.1)
    colourbar = fig.colorbar(filled, ax=ax, shrink=0.85, pad=0.02, ticks=levels, spacing="uniform",
                             format=FuncFormatter(lambda v, _: f"{v:g}"))
    colourbar.set_label(f"{field.title} [{field.units}]")
    colourbar.ax.tick_params(labelsize=8)
    colourbar.ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: format_value(v)))
    row, column = np.unravel_index(np.nanargmax(np.where(values.mask, -np.inf, field.values)), field.values.shape)
    peak = float(field.values[row, column])
    ax.plot(field.x[column], field.y[row], marker="X", color="black", markeredgecolor="white", markersize=9,
            zorder=6)
    label = ax.annotate(f"max {format_value(peak)} {field.units}", (field.x[column], field.y[row]), xytext=(8, -4),
                        textcoords="offset points", fontsize=8, zorder=7, path_effects=_HALO)
    label.set_gid(_LABEL_FIRST)  # placed first, never hidden (_declutter)
    handles = [Line2D([], [], marker="X", color="black", markeredgecolor="white", linestyle="", markersize=8,
                      label="最大值 maximum")]
    return handles + _draw_limit(ax, field, values, peak)


def _draw_limit(ax, field: FieldLayer, values, peak: float) -> list:
    """The limit as a bold dashed isopleth with its legend entry; a legend line saying it is not reached if so."""
    if field.limit is None:
        return []
    name = field.limit_label or f"limit {format_value(field.limit)} {field.units}"
    if peak < field.limit:
        return [Line2D([], [], color="none", label=f"{name}: not reached (max {100 * peak / field.limit:.0f} %)")]
    isopleth = ax.contour(field.x, field.y, values, levels=[field.limit], colors="black", linewidths=1.8,
                          linestyles="--", zorder=2.2)
    isopleth.set_gid(LIMIT_GID)
    return [Line2D([], [], color="black", linewidth=1.8, linestyle="--", label=name)]


def _draw_receptors(ax, receptors: ReceptorLayer) -> list:
    """Polygons outlined and lightly filled by kind, points as markers, every receptor labelled by name."""
    kinds_with_polygons, kinds_with_points = set(), set()
    for index, (name, kind) in enumerate(zip(receptors.names, receptors.kinds)):
        colour, marker, _ = RECEPTOR_STYLE[kind]
        polygon, point = receptors.polygons[index], receptors.points[index]
        if polygon is not None:
            if kind != "fence":  # a fence line is outlined only: its fill would grey out the whole park
                ax.add_patch(Polygon(polygon, closed=True, facecolor=colour, alpha=0.15, edgecolor="none", zorder=3))
            ax.add_patch(Polygon(polygon, closed=True, facecolor="none", edgecolor=colour, linewidth=1.6, zorder=3))
            kinds_with_polygons.add(kind)
        if point is not None:
            ax.plot(*point, marker=marker, color=colour, markeredgecolor="white", markersize=9, zorder=5)
            kinds_with_points.add(kind)
        anchor = receptors.label_point(index)
        if point is not None:
            offset, ha, va = (7, 5), "left", "center"
        elif kind == "fence":
            offset, ha, va = (0, 4), "center", "bottom"
        else:
            offset, ha, va = (0, 0), "center", "center"
        label = ax.annotate(name, anchor, xytext=offset, textcoords="offset points", fontsize=9.5, color=colour,
                            ha=ha, va=va, zorder=7, path_effects=_HALO)
        label.set_gid(_LABEL)
    handles = []
    for kind, (colour, marker, label) in RECEPTOR_STYLE.items():
        if kind in kinds_with_polygons:
            fill = "none" if kind == "fence" else matplotlib.colors.to_rgba(colour, 0.15)
            handles.append(Patch(facecolor=fill, edgecolor=colour, label=label))
        elif kind in kinds_with_points:
            handles.append(Line2D([], [], marker=marker, color=colour, markeredgecolor="white", linestyle="",
                                  markersize=8, label=label))
    return handles


def _draw_scale_bar(ax, extent) -> None:
    """A two-segment black/white scale bar in the lower left, labelled in m or km."""
    xmin, xmax, ymin, ymax = extent
    length = _nice_length((xmax - xmin) / 5)
    height = (ymax - ymin) * 0.008
    x0, y0 = xmin + (xmax - xmin) * 0.04, ymin + (ymax - ymin) * 0.05
    ax.add_patch(Rectangle((x0 - length * 0.06, y0 - height * 1.5), length * 1.12, height * 6.2, facecolor="white",
                           alpha=0.8, edgecolor="none", zorder=8))
    for i in range(2):
        ax.add_patch(Rectangle((x0 + i * length / 2, y0), length / 2, height, facecolor="black" if i == 0 else "white",
                               edgecolor="black", linewidth=0.8, zorder=9))
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    ax.text(x0 + length / 2, y0 + height * 1.8, label, ha="center", va="bottom", fontsize=8, zorder=9)


def _draw_north_arrow(ax) -> None:
    """Grid north (the map's +y axis), which differs from true north by the meridian convergence."""
    ax.annotate("N", xy=(0.95, 0.965), xytext=(0.95, 0.86), xycoords="axes fraction", ha="center", va="center",
                fontsize=12, zorder=9, path_effects=_HALO,
                arrowprops=dict(arrowstyle="-|>,head_width=0.35,head_length=0.7", color="black", linewidth=1.6))
    ax.text(0.95, 0.83, "坐标北\ngrid north", transform=ax.transAxes, ha="center", va="top", fontsize=6, zorder=9,
            path_effects=_HALO)


def _draw_wind_arrow(ax, from_direction: float, speed: float | None) -> None:
    """An arrow pointing downwind (wind blows from ``from_direction``, degrees clockwise from north).

    The direction is drawn relative to the map's grid north; the meridian convergence (< 1-2° near a Gauss–Krüger
    central meridian) is ignored at this scale of symbol.
    """
    to_direction = np.deg2rad(from_direction + 180.0)
    unit = np.array([np.sin(to_direction), np.cos(to_direction)])  # (east, north) = screen (right, up)
    half_length = 17.0  # [points]
    centre = (0.08, 0.9)
    head, tail = (offset_copy(ax.transAxes, fig=ax.figure, x=sign * unit[0] * half_length,
                              y=sign * unit[1] * half_length, units="points") for sign in (1.0, -1.0))
    arrow = ax.annotate("", xy=centre, xycoords=head, xytext=centre, textcoords=tail, zorder=9,
                        arrowprops=dict(arrowstyle="-|>,head_width=0.4,head_length=0.8", color="#1f3b57",
                                        linewidth=2.2, shrinkA=0, shrinkB=0))
    arrow.arrow_patch.set_path_effects([patheffects.withStroke(linewidth=5, foreground="white")])
    label = f"风 wind from {from_direction:.0f}°"
    if speed is not None:
        label += f"\n{speed:.1f} m/s"
    ax.text(centre[0], centre[1] - 0.05, label, transform=ax.transAxes, ha="center", va="top", fontsize=7,
            zorder=9, path_effects=_HALO)


def render_map(
    view: MapView,
    path: str | os.PathLike,
    *,
    dpi: int = 150,
    figsize: tuple[float, float] | None = None,
) -> Path:
    """Render ``view`` as a map at ``path`` (written atomically) and return the path: PNG, or SVG / PDF by the
    path's suffix (an SVG keeps its texts as text and each named layer as a group with its ``parktwin:*`` id).

    dpi : resolution. [pixel/inch]
    figsize : (width, height) of the figure [inch]; the PNG is figsize × dpi pixels. Default: 10 inches wide and as
        tall as the map's aspect ratio needs (plus room for title, legend and notes), clamped to 6–14 inches.
    """
    suffix = Path(path).suffix.lower().lstrip(".")
    file_format = suffix if suffix in _MAP_FORMATS else "png"
    with matplotlib.rc_context({**cjk_rc_params(), "svg.fonttype": "none"}):
        fig = build_map(view, dpi=dpi, figsize=figsize)
        with atomic_output(path) as temporary:
            fig.savefig(temporary, dpi=dpi, format=file_format)
    return Path(path)


_MAP_FORMATS = ("png", "svg", "pdf")


def build_map(view: MapView, *, dpi: int = 150, figsize: tuple[float, float] | None = None) -> Figure:
    """The map's figure, laid out and with its labels placed (:func:`render_map` saves it; tests inspect it)."""
    extent = view.extent()
    with matplotlib.rc_context(cjk_rc_params()):
        fig = Figure(figsize=figsize or (10.0, 8.0), dpi=dpi, layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        ax.set_facecolor("#f4f1ea")
        handles = []
        if view.terrain is not None:
            _draw_terrain(ax, view.terrain)
        outline_handles = draw_outline(ax, view.outline) if view.outline is not None else []
        if view.field is not None:
            handles += _draw_field(fig, ax, view.field)
            ax.set_title(view.field.title, fontsize=10)
        if view.threat_zones is not None:
            handles += draw_threat_zones(ax, view.threat_zones, view.release)
            if view.field is None:
                ax.set_title(view.threat_zones.title, fontsize=10)
        if view.wind_band is not None:
            handles += draw_wind_band(ax, view.wind_band)
        if view.release is not None:
            handles += draw_release(ax, view.release)
        handles += outline_handles  # after the zones, the release and the wind band: what the map is about first
        if view.receptors is not None:
            handles += _draw_receptors(ax, view.receptors)
        handles += _draw_buildings_and_stacks(ax, view)
        if view.assets is not None:
            handles += _draw_assets(ax, view.assets)
        ax.set_xlim(extent[0], extent[1])
        ax.set_ylim(extent[2], extent[3])
        ax.set_aspect("equal")
        _draw_north_arrow(ax)
        _draw_scale_bar(ax, extent)
        if view.wind_from_direction is not None:
            _draw_wind_arrow(ax, view.wind_from_direction, view.wind_speed)
        ax.set_xlabel(f"Easting [m]  (EPSG:{view.epsg})")
        ax.set_ylabel(f"Northing [m]  (EPSG:{view.epsg})")
        ax.ticklabel_format(useOffset=False, style="plain")
        ax.xaxis.set_major_locator(MaxNLocator(5))
        ax.yaxis.set_major_locator(MaxNLocator(6))
        ax.tick_params(labelsize=8)
        fig.suptitle(view.title, fontsize=15)
        _size_legend_and_notes(fig, ax, view, handles, figsize, extent)
        fig.canvas.draw()  # the layout first: label boxes are measured on the final axes
        _declutter(fig, ax)
    return fig


_LABEL = LABEL_GID  # a name placed by _declutter
_LABEL_FIRST = LABEL_FIRST_GID  # ... placed before the others and never hidden
_LABEL_ASSET = "parktwin:label-asset"  # ... placed right after the maximum (what a flood report is about)
_LABEL_OFFSETS = ((8, -4), (8, 6), (-8, 6), (-8, -12), (0, 10), (0, -14), (14, -1), (-14, -1), (10, 14),
                  (-10, 14), (10, -18), (-10, -18))  # [points] candidate offsets from a label's anchor


def _declutter(fig, ax) -> None:
    """Place the map's labels so that no two overlap: the maximum's first, then the others in drawing order; each
    takes the first candidate offset (:data:`_LABEL_OFFSETS`, tried after its own) whose box inside the axes clears
    the boxes placed so far, and a label no offset clears is hidden (a crowded cluster of fence points keeps the
    names that fit; the legend still names the kind)."""
    renderer = fig.canvas.get_renderer()
    ranks = {_LABEL_FIRST: 0, _LABEL_ASSET: 1, _LABEL: 2}
    labels = [t for t in ax.texts if t.get_visible() and t.get_gid() in ranks]
    labels.sort(key=lambda t: ranks[t.get_gid()])  # stable: drawing order otherwise
    frame = ax.get_window_extent(renderer)
    # What stays where it is: the north arrow, the scale bar, the wind text, contour labels — and the release's star,
    # which a label (the maximum's, which sits on it in a forecast probability map) must not cover.
    placed = [_text_box(t, renderer) for t in ax.texts
              if t.get_visible() and t.get_gid() not in ranks and t.get_text()]
    stars = release_marker_boxes(fig, ax)  # only the text itself must clear them: a leader line may end at a star
    for label in labels:
        own = tuple(label.xyann)
        for offset in (own, *(o for o in _LABEL_OFFSETS if o != own)):
            label.xyann = offset
            box = _padded(_text_box(label, renderer))
            inside = frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
            if inside and not any(box.overlaps(other) for other in placed) and _clears(label, renderer, stars):
                placed.append(box)
                break
        else:
            if label.get_gid() == _LABEL_FIRST and _place_far(label, renderer, frame, placed, stars):
                continue
            label.xyann = own
            if label.get_gid() == _LABEL_FIRST:
                placed.append(_text_box(label, renderer))
            else:
                label.set_visible(False)


# Farther candidates [points] for a label that must be shown (a threat zone's, the release's): rings of 16 directions
# at 30 to 240 points from the anchor; such a label keeps a thin leader line to its anchor.
_FAR_OFFSETS = tuple((round(r * np.cos(a)), round(r * np.sin(a))) for r in (30.0, 50.0, 75.0, 110.0, 160.0, 240.0)
                     for a in np.deg2rad(np.arange(0.0, 360.0, 22.5)))


def _clears(label, renderer, stars) -> bool:
    """True when the text of ``label`` (without its leader line) covers none of the ``stars`` boxes."""
    if not stars:
        return True
    box = _padded(text_only_box(label, renderer))
    return not any(box.overlaps(star) for star in stars)


def text_only_box(label, renderer):
    """The window box of a label's text and frame, without an annotation's leader line."""
    box = Text.get_window_extent(label, renderer)
    patch = label.get_bbox_patch()
    if patch is None:
        return box
    label.update_bbox_position_size(renderer)
    return Bbox.union([box, patch.get_window_extent(renderer)])


def _place_far(label, renderer, frame, placed, stars=()) -> bool:
    """Try :data:`_FAR_OFFSETS` for ``label``; keep the first clear one (True) or leave it unplaced (False)."""
    for offset in _FAR_OFFSETS:
        label.xyann = offset
        box = _padded(_text_box(label, renderer))
        inside = frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
        if inside and not any(box.overlaps(other) for other in placed) and _clears(label, renderer, stars):
            placed.append(box)
            return True
    return False


def release_marker_boxes(fig, ax) -> list:
    """The window boxes of the release's star marker(s) (gid ``parktwin:release``): a square of the marker's size."""
    boxes = []
    for line in ax.lines:
        if line.get_gid() != RELEASE_GID or not line.get_visible():
            continue
        half = 0.5 * line.get_markersize() * fig.dpi / 72.0  # [pixel]
        for x, y in ax.transData.transform(np.column_stack([line.get_xdata(), line.get_ydata()])):
            boxes.append(Bbox([[x - half, y - half], [x + half, y + half]]))
    return boxes


def label_boxes(fig, ax) -> list:
    """The window boxes of the visible texts on a map's axes — names, the maximum, the north arrow, the scale bar,
    the wind, contour labels (for tests: no name may overlap another text)."""
    renderer = fig.canvas.get_renderer()
    return [_text_box(t, renderer) for t in ax.texts if t.get_visible() and t.get_text()]


def _padded(box):
    """A label's box with room around it: 4 % / 8 % of its size and 1.5 pixels more each way (a text measured again
    after the layout can come out a pixel taller)."""
    box = box.expanded(1.04, 1.08)
    return Bbox.from_extents(box.x0 - 1.5, box.y0 - 1.5, box.x1 + 1.5, box.y1 + 1.5)


def _text_box(text, renderer):
    """A text's window box, including its framed background when it has one (a threat zone's label)."""
    box = text.get_window_extent(renderer)
    patch = text.get_bbox_patch()
    if patch is None:
        return box
    text.update_bbox_position_size(renderer)
    return Bbox.union([box, patch.get_window_extent(renderer)])


_ASSET_COLOURS = {True: "#b2182b", False: "#2b2b2b"}  # flooded / dry


def _draw_assets(ax, assets: AssetLayer) -> list:
    """Risk units outlined (red when the flood reaches them), each named; return their legend handles."""
    for name, point, ring, flooded in zip(assets.names, assets.points, assets.footprints, assets.flooded):
        colour = _ASSET_COLOURS[flooded]
        if ring is not None:
            ax.add_patch(Polygon(ring, closed=True, facecolor="none", edgecolor=colour, linewidth=2.2, zorder=5.5))
        else:
            ax.plot(*point, marker="D", color=colour, markeredgecolor="white", markersize=8, zorder=5.5)
        label = ax.annotate(name, point, xytext=(8, -4), textcoords="offset points", fontsize=8.5, color=colour,
                            fontweight="bold" if flooded else "normal", zorder=7, path_effects=_HALO)
        label.set_gid(_LABEL_ASSET)
    present = sorted(set(assets.flooded), reverse=True)
    words = {True: "进水的风险单元 risk unit flooded", False: "未进水的风险单元 risk unit dry"}
    return [Patch(facecolor="none", edgecolor=_ASSET_COLOURS[f], linewidth=2.2, label=words[f]) for f in present]


def _draw_buildings_and_stacks(ax, view: MapView) -> list:
    """Building footprints and stacks (named when there are few); return their legend handles."""
    handles = []
    if view.buildings is not None:
        ax.add_collection(PolyCollection(view.buildings.footprints, facecolors="#5e5e5e", edgecolors="#1e1e1e",
                                         linewidths=0.4, zorder=4))
        handles.append(Patch(facecolor="#5e5e5e", edgecolor="#1e1e1e", label="建筑 building"))
    if view.stacks is not None:
        stacks = view.stacks
        ax.scatter(stacks.x, stacks.y, s=22, marker="o", c="black", edgecolors="white", linewidths=0.8, zorder=5)
        if stacks.names and len(stacks.names) <= _MAX_LABELLED_STACKS:
            for x, y, name in zip(stacks.x, stacks.y, stacks.names):
                ax.annotate(name, (x, y), xytext=(4, -9), textcoords="offset points", fontsize=6, zorder=6,
                            path_effects=_HALO).set_gid(_LABEL)
        handles.append(Line2D([], [], marker="o", color="black", markeredgecolor="white", linestyle="",
                              markersize=6, label="排气筒 stack"))
    if view.volume_sources is not None and view.volume_sources.x.size:
        volumes = view.volume_sources
        ax.scatter(volumes.x, volumes.y, s=30, marker="s", c="#8c510a", edgecolors="white", linewidths=0.8,
                   zorder=5)
        if volumes.names and len(volumes.names) <= _MAX_LABELLED_STACKS:
            for x, y, name in zip(volumes.x, volumes.y, volumes.names):
                ax.annotate(name, (x, y), xytext=(4, -9), textcoords="offset points", fontsize=6, zorder=6,
                            path_effects=_HALO).set_gid(_LABEL)
        handles.append(Line2D([], [], marker="s", color="#8c510a", markeredgecolor="white", linestyle="",
                              markersize=6, label="体源 volume source"))
    if view.area_sources is not None and view.area_sources.outlines:
        areas = view.area_sources
        ax.add_collection(PolyCollection(areas.outlines, facecolors="none", edgecolors="#8c510a", linewidths=1.2,
                                         hatch="////", zorder=5))
        if areas.names and len(areas.names) <= _MAX_LABELLED_STACKS:
            for outline, name in zip(areas.outlines, areas.names):
                x, y = np.mean(outline, axis=0)
                ax.annotate(name, (x, y), xytext=(4, -9), textcoords="offset points", fontsize=6, zorder=6,
                            path_effects=_HALO).set_gid(_LABEL)
        handles.append(Patch(facecolor="none", edgecolor="#8c510a", hatch="////", label="面源 area source"))
    return handles


def _legend_text_width(text: str, size: float = 8.0) -> float:
    """Estimated width [inch] of a legend text at ``size`` points."""
    return sum(size if ord(c) >= 0x2E80 else 0.55 * size for c in text) / 72.0


def _size_legend_and_notes(fig, ax, view: MapView, handles: list, figsize, extent) -> None:
    """Size the figure (when ``figsize`` [inch] is None) for the map ``extent`` [m], put the legend below the axes
    and the notes at the bottom."""
    width = figsize[0] if figsize is not None else 10.0
    # A legend entry needs its handle and text: about 1.9 inches for the usual short names, more for a threat zone's
    # "name: level mg/m³ = level ppm" (text estimated at 0.55 em per Latin and 1 em per CJK character, 8 points).
    longest = max((_legend_text_width(h.get_label()) for h in handles), default=1.9)
    columns = max(1, min(len(handles), int(0.95 * width / max(1.9, longest + 0.5))))
    legend_rows = int(np.ceil(len(handles) / columns))
    if figsize is None:
        # 7.6 inches of map width beside the colour bar; the rest is title, axis labels, legend and notes.
        aspect = (extent[3] - extent[2]) / (extent[1] - extent[0])
        height = 7.6 * aspect + 1.55 + 0.25 * (view.field is not None) + 0.22 * legend_rows
        figsize = (10.0, float(np.clip(height + 0.14 * len(view.notes), 6.0, 14.0)))
        fig.set_size_inches(figsize)
    if handles:
        # Below the tick labels and the x label (a fixed distance in points, whatever the size of the axes). An
        # axes legend, unlike an "outside" figure legend, respects the strip reserved for the notes.
        below_labels = offset_copy(ax.transAxes, fig=fig, y=-34.0, units="points")
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), bbox_transform=below_labels,
                  ncols=columns, fontsize=8, frameon=False, handletextpad=0.4, columnspacing=1.2)
    if view.notes:
        # Reserve a strip at the bottom for the notes; the constrained layout fits everything else above it.
        strip = (len(view.notes) * _NOTE_SIZE * 1.35 + 6.0) / (figsize[1] * 72.0)
        fig.get_layout_engine().set(rect=(0.0, strip, 1.0, 1.0 - strip))
        fig.text(0.01, 0.004, "\n".join(view.notes), ha="left", va="bottom", fontsize=_NOTE_SIZE,
                 color="#444444")
