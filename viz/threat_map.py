"""Drawing a threat-zone map's own layers on a map's axes (called by :func:`viz.maps.build_map`).

In the manner of ALOHA's threat-zone printout that emergency planners know: up to three named zones filled red /
orange / yellow, each labelled on the map with its name and its level in mg/m³ and ppm (the legend says the same);
the release point named; the wind arrow (drawn by :mod:`viz.maps`) and a dashed wedge for the uncertainty of the wind
direction; and, under them, the park's boundary (厂界), flood defences (sea wall) and rivers when the park has them.
Every label is a ``parktwin:label*`` text, so :func:`viz.maps.build_map` places it without overlap.
"""

from __future__ import annotations

import math

import matplotlib
import numpy as np
from matplotlib import patheffects
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch, Polygon, Wedge
from matplotlib.path import Path as MplPath

from viz.threat_layers import THREAT_ZONE_COLOURS, ParkOutlineLayer, ReleasePoint, ThreatZoneLayer, WindBand

__all__ = ["significant", "zone_label_text", "zone_legend_text", "draw_threat_zones", "draw_release",
           "draw_wind_band", "draw_outline", "LABEL_GID", "LABEL_FIRST_GID", "HALO", "ZONE_GID", "WIND_BAND_GID",
           "BOUNDARY_GID", "DEFENCE_GID", "WATER_GID", "RELEASE_GID"]

HALO = [patheffects.withStroke(linewidth=2.5, foreground="white")]
LABEL_GID = "parktwin:label"  # a name placed by viz.maps' declutter
LABEL_FIRST_GID = "parktwin:label-first"  # ... placed before the others and never hidden
ZONE_GID = "parktwin:zone"  # + ":<index>" (0 = most severe)
WIND_BAND_GID = "parktwin:wind-band"
BOUNDARY_GID = "parktwin:boundary"
DEFENCE_GID = "parktwin:defence"
WATER_GID = "parktwin:water"
RELEASE_GID = "parktwin:release"

_ZONE_EDGES = ("#7f0000", "#a63603", "#8c6d00")  # darker edges of the red / orange / yellow zones
_BOUNDARY_COLOUR = "#6a3d9a"
_DEFENCE_STYLE = {"sea_wall": ("#4d3319", 3.0, "海堤 sea wall"), "levee": ("#6b4c2a", 2.2, "堤防 levee"),
                  "bund": ("#8c6d46", 1.6, "围堰 bund")}
_WATER_COLOUR = ("#a6cee3", "#3f7fb0")  # fill, edge
_WATER_WORDS = {"river": "河流 river", "canal": "运河 canal", "lake": "湖泊 lake", "sea": "海域 sea"}


def significant(value: float, digits: int = 3) -> str:
    """``value`` rounded to ``digits`` significant figures, written without exponent or trailing zeros:
    57.9643 → "58", 5.79643 → "5.8", 0.5 → "0.5", 1100 → "1,100", 0.0123456 → "0.0123"."""
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    exponent = math.floor(math.log10(abs(value)))
    rounded = round(value, digits - 1 - exponent)
    decimals = max(0, digits - 1 - exponent)
    text = f"{rounded:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _levels_text(level_mg_m3: float, level_ppm: float | None) -> str:
    text = f"{significant(level_mg_m3)} mg/m³"
    return text + (f" = {significant(level_ppm)} ppm" if level_ppm is not None else "")


def zone_label_text(name: str, level_mg_m3: float, level_ppm: float | None) -> str:
    """A zone's label on the map: its name, then its level in mg/m³ and ppm."""
    return f"{name}\n{_levels_text(level_mg_m3, level_ppm)}"


def zone_legend_text(name: str, level_mg_m3: float, level_ppm: float | None, reached: bool = True) -> str:
    """A zone's legend entry: the same name and levels on one line (and "not reached" when it is empty)."""
    return f"{name}: {_levels_text(level_mg_m3, level_ppm)}" + ("" if reached else " — 未达到 not reached")


def _compound_path(rings) -> MplPath:
    """One path of an exterior ring and its holes (even-odd filling leaves the holes open)."""
    vertices, codes = [], []
    for ring in rings:
        ring = np.asarray(ring)
        vertices.append(ring)
        codes.append(np.concatenate([[MplPath.MOVETO], np.full(len(ring) - 1, MplPath.LINETO)]))
    return MplPath(np.concatenate(vertices), np.concatenate(codes).astype(MplPath.code_type))


def _label_anchor(rings, release: ReleasePoint | None) -> np.ndarray:
    """Where a zone's label points: the zone's farthest exterior point from the release (the zone's own colour shows
    there, beyond the next more severe zone), else its exterior's first vertex."""
    exterior = np.asarray(rings[0])
    if release is None:
        return exterior[0]
    distance = np.hypot(exterior[:, 0] - release.x, exterior[:, 1] - release.y)
    return exterior[int(np.argmax(distance))]


def draw_threat_zones(ax, layer: ThreatZoneLayer, release: ReleasePoint | None) -> list:
    """The zones filled (the least severe first, so the most severe is on top), each labelled on the map with its
    name and levels; return their legend handles (most severe first)."""
    handles = []
    for index in reversed(range(len(layer.zones))):
        zone = layer.zones[index]
        colour, edge = THREAT_ZONE_COLOURS[index], _ZONE_EDGES[index]
        for k, rings in enumerate(zone.polygons):
            patch = PathPatch(_compound_path(rings), facecolor=colour, edgecolor=edge, linewidth=1.2, alpha=0.6,
                              zorder=2.0 + 0.01 * (len(layer.zones) - index))
            patch.set_gid(f"{ZONE_GID}:{index}")
            ax.add_patch(patch)
        if zone.reached:
            largest = max(zone.polygons, key=lambda rings: abs(_area(rings[0])))
            label = ax.annotate(zone_label_text(zone.name, zone.level_mg_m3, zone.level_ppm),
                                _label_anchor(largest, release), xytext=(8, -4), textcoords="offset points",
                                fontsize=8, zorder=7.5, ha="left", va="center",
                                bbox=dict(boxstyle="round,pad=0.25", facecolor=colour, edgecolor=edge, alpha=0.92,
                                          linewidth=0.8),
                                arrowprops=dict(arrowstyle="-", color=edge, linewidth=0.8, shrinkA=0, shrinkB=0))
            label.set_gid(LABEL_FIRST_GID)
    for index, zone in enumerate(layer.zones):
        handles.append(Patch(facecolor=matplotlib.colors.to_rgba(THREAT_ZONE_COLOURS[index], 0.6),
                             edgecolor=_ZONE_EDGES[index],
                             label=zone_legend_text(zone.name, zone.level_mg_m3, zone.level_ppm, zone.reached)))
    return handles


def _area(ring) -> float:
    ring = np.asarray(ring)
    return 0.5 * float(np.dot(ring[:-1, 0], ring[1:, 1]) - np.dot(ring[1:, 0], ring[:-1, 1]))


def draw_release(ax, release: ReleasePoint) -> list:
    """The leaking tank or pipe as a black star, named; return its legend handle."""
    marker = ax.plot(release.x, release.y, marker="*", color="black", markeredgecolor="white", markersize=15,
                     zorder=8, linestyle="")[0]
    marker.set_gid(RELEASE_GID)
    label = ax.annotate(release.name, (release.x, release.y), xytext=(-8, 6), textcoords="offset points",
                        fontsize=9.5, ha="right", zorder=8, path_effects=HALO,
                        arrowprops=dict(arrowstyle="-", color="black", linewidth=0.6, shrinkA=0, shrinkB=4))
    label.set_gid(LABEL_FIRST_GID)
    return [Line2D([], [], marker="*", color="black", markeredgecolor="white", linestyle="", markersize=12,
                   label=f"泄漏源 release: {release.name}")]


def draw_wind_band(ax, band: WindBand) -> list:
    """The band of directions the cloud may take: a dashed wedge from the release, downwind; return its legend
    handle (which says where the band comes from)."""
    downwind = band.from_direction + 180.0  # [degree clockwise from north]
    # Matplotlib's wedge angles run counter-clockwise from east: θ = 90° − bearing.
    theta1 = (90.0 - (downwind + band.upper)) % 360.0
    theta2 = theta1 + (band.upper - band.lower)
    wedge = Wedge((band.x, band.y), band.radius, theta1, theta2, facecolor=(0.12, 0.23, 0.34, 0.04),
                  edgecolor="#1f3b57", linewidth=1.3, linestyle=(0, (5, 3)), zorder=2.6)
    wedge.set_gid(WIND_BAND_GID)
    ax.add_patch(wedge)
    width = (f"±{significant(band.upper, 2)}°" if abs(band.upper + band.lower) < 0.5
             else f"{significant(band.lower, 2)}°…+{significant(band.upper, 2)}°")
    return [Patch(facecolor=(0.12, 0.23, 0.34, 0.04), edgecolor="#1f3b57", linestyle="--",
                  label=f"风向范围 wind band {width} ({band.basis})")]


def draw_outline(ax, outline: ParkOutlineLayer) -> list:
    """Water bodies (filled blue, rivers named), flood defences (sea wall, levee, bund: thick lines, named) and the
    park boundary (厂界: a dash-dot line); return the legend handles of what the park has."""
    handles = []
    kinds = []
    for name, kind, ring in outline.water:
        patch = Polygon(ring, closed=True, facecolor=_WATER_COLOUR[0], edgecolor=_WATER_COLOUR[1], linewidth=0.8,
                        alpha=0.85, zorder=0.8)
        patch.set_gid(WATER_GID)
        ax.add_patch(patch)
        if kind in ("river", "canal") and name:
            inside = ring[len(ring) // 4]
            ax.annotate(name, inside, xytext=(0, 0), textcoords="offset points", fontsize=8,
                        color=_WATER_COLOUR[1], zorder=7, path_effects=HALO).set_gid(LABEL_GID)
        if kind not in kinds:
            kinds.append(kind)
    handles += [Patch(facecolor=_WATER_COLOUR[0], edgecolor=_WATER_COLOUR[1], label=_WATER_WORDS.get(k, k))
                for k in kinds]
    kinds = []
    for name, kind, line in outline.defences:
        colour, width, _ = _DEFENCE_STYLE.get(kind, _DEFENCE_STYLE["levee"])
        drawn = ax.plot(line[:, 0], line[:, 1], color=colour, linewidth=width, solid_capstyle="butt", zorder=3.4,
                        path_effects=[patheffects.withStroke(linewidth=width + 1.5, foreground="white")])[0]
        drawn.set_gid(DEFENCE_GID)
        if name:
            ax.annotate(name, line[len(line) // 2], xytext=(6, 0), textcoords="offset points", fontsize=8,
                        color=colour, zorder=7, path_effects=HALO).set_gid(LABEL_GID)
        if kind not in kinds:
            kinds.append(kind)
    handles += [Line2D([], [], color=_DEFENCE_STYLE.get(k, _DEFENCE_STYLE["levee"])[0],
                       linewidth=_DEFENCE_STYLE.get(k, _DEFENCE_STYLE["levee"])[1],
                       label=_DEFENCE_STYLE.get(k, _DEFENCE_STYLE["levee"])[2]) for k in kinds]
    if outline.boundary is not None:
        ring = np.vstack([outline.boundary, outline.boundary[:1]])
        drawn = ax.plot(ring[:, 0], ring[:, 1], color=_BOUNDARY_COLOUR, linewidth=1.8, linestyle="-.", zorder=3.5)[0]
        drawn.set_gid(BOUNDARY_GID)
        handles.append(Line2D([], [], color=_BOUNDARY_COLOUR, linewidth=1.8, linestyle="-.",
                              label="厂界 park boundary"))
    return handles
