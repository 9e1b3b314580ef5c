"""Figures of a river's water quality: the longitudinal profile with the GB 3838-2002 class limits, and the map of
the river coloured by the class it meets (drawn over :func:`viz.maps.build_map`'s base map).

Both take plain views (arrays and labels) that ``scenarios.water`` fills in; nothing here knows how the numbers
were made.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from twin.atomic import atomic_output
from viz.fonts import cjk_rc_params
from viz.maps import build_map
from viz.model import MapView

__all__ = ["ProfilePanel", "RiverProfileView", "render_river_profile", "RiverClassLayer", "render_river_map",
           "CLASS_COLOURS"]

# One colour per GB 3838-2002 class, blue (I) to red (V), dark red beyond class V (劣V): the colours Chinese
# water-quality bulletins use (I/II blue, III green, IV yellow, V orange, 劣V red), as hex.
CLASS_COLOURS = {"I": "#1f78b4", "II": "#33a2e0", "III": "#33a02c", "IV": "#e6c619", "V": "#f07b12",
                 "劣V": "#b2182b"}


@dataclass(frozen=True)
class ProfilePanel:
    """One quantity along the river: ``series`` label → values [mg/L] on the view's distance, and the class limits
    drawn as horizontal lines, ``limits`` class → value [mg/L]."""

    title: str
    series: dict[str, np.ndarray]
    limits: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class RiverProfileView:
    """A longitudinal profile: ``distance`` [km], one panel per quantity, outfalls and sections as (label, km)."""

    title: str
    distance: np.ndarray
    panels: Sequence[ProfilePanel]
    outfalls: Sequence[tuple[str, float]] = ()
    sections: Sequence[tuple[str, float]] = ()
    xlabel: str = "Distance from the upstream end [km]"
    ylabel: str = "mg/L"


def render_river_profile(view: RiverProfileView, path: str | os.PathLike, *, dpi: int = 120) -> Path:
    """Write the profile PNG at ``path`` (atomically) and return the path."""
    rows = len(view.panels)
    with matplotlib.rc_context(cjk_rc_params()):
        fig = Figure(figsize=(10.0, 2.6 * rows + 1.0), dpi=dpi, layout="constrained")
        FigureCanvasAgg(fig)
        axes = fig.subplots(rows, 1, sharex=True, squeeze=False)[:, 0]
        for ax, panel in zip(axes, view.panels):
            for (label, values), style in zip(panel.series.items(), ("-", "--", ":")):
                ax.plot(view.distance, values, style, color="#222222", linewidth=1.4, label=label)
            for water_class, value in panel.limits.items():
                ax.axhline(value, color=CLASS_COLOURS.get(water_class, "#888888"), linewidth=1.0, linestyle="-.")
                ax.annotate(f"{water_class}", (1.0, value), xycoords=("axes fraction", "data"), fontsize=7,
                            xytext=(3, 0), textcoords="offset points", va="center",
                            color=CLASS_COLOURS.get(water_class, "#888888"))
            for label, km in view.outfalls:
                ax.axvline(km, color="#8c510a", linewidth=0.8)
            for label, km in view.sections:
                ax.axvline(km, color="#01665e", linewidth=0.8, linestyle="--")
            ax.set_title(panel.title, fontsize=9, loc="left")
            ax.set_ylabel(view.ylabel, fontsize=8)
            ax.tick_params(labelsize=8)
            ax.legend(fontsize=7, loc="best")
        top = axes[0]
        for label, km in view.outfalls:
            top.annotate(label, (km, 1.0), xycoords=("data", "axes fraction"), fontsize=7, rotation=90,
                         va="bottom", ha="center", color="#8c510a")
        for label, km in view.sections:
            top.annotate(label, (km, 1.0), xycoords=("data", "axes fraction"), fontsize=7, rotation=90,
                         va="bottom", ha="center", color="#01665e")
        axes[-1].set_xlabel(view.xlabel, fontsize=9)
        fig.suptitle(view.title, fontsize=12)
        with atomic_output(path) as temporary:
            fig.savefig(temporary, dpi=dpi, format="png")
    return Path(path)


@dataclass(frozen=True)
class RiverClassLayer:
    """The river as points (x, y) [m] in order with the class met at each (a key of :data:`CLASS_COLOURS`), plus
    outfalls and sections as (label, x, y)."""

    x: np.ndarray
    y: np.ndarray
    classes: Sequence[str]
    outfalls: Sequence[tuple[str, float, float]] = ()
    sections: Sequence[tuple[str, float, float]] = ()
    legend_title: str = "GB 3838-2002"


def render_river_map(view: MapView, river: RiverClassLayer, path: str | os.PathLike, *, dpi: int = 120) -> Path:
    """The base map of ``view`` (terrain, park outline, receptors: :func:`viz.maps.build_map`) with the river
    coloured by class on top; written atomically as PNG."""
    with matplotlib.rc_context(cjk_rc_params()):
        fig = build_map(view, dpi=dpi)
        ax = fig.axes[0]
        points = np.column_stack([river.x, river.y])
        segments = np.stack([points[:-1], points[1:]], axis=1)
        colours = [CLASS_COLOURS.get(c, "#888888") for c in river.classes[1:]]
        ax.add_collection(LineCollection(segments, colors=colours, linewidths=4.0, zorder=6,
                                         capstyle="round"))
        for label, px, py in river.outfalls:
            ax.plot([px], [py], marker="v", color="#8c510a", markersize=8, zorder=7)
            ax.annotate(label, (px, py), xytext=(4, -12), textcoords="offset points", fontsize=7, color="#8c510a")
        for label, px, py in river.sections:
            ax.plot([px], [py], marker="s", color="#01665e", markersize=6, zorder=7)
            ax.annotate(label, (px, py), xytext=(4, 6), textcoords="offset points", fontsize=7, color="#01665e")
        present = [c for c in CLASS_COLOURS if c in set(river.classes)]
        handles = [Line2D([], [], color=CLASS_COLOURS[c], linewidth=4, label=c) for c in present]
        ax.add_artist(ax.legend(handles=handles, title=river.legend_title, loc="lower right", fontsize=7,
                                title_fontsize=7, framealpha=0.9))
        with atomic_output(path) as temporary:
            fig.savefig(temporary, dpi=dpi, format="png")
    return Path(path)
