"""The meteorology figures of an EIA report (PNG, matplotlib): the wind rose and the stability-class frequencies.

Plain arrays in (``meteo.climatology.meteorology_summary`` computes them; ``viz`` does not import ``meteo``), drawn on
a ``Figure`` inside the CJK ``rc_context`` as the maps are, written atomically. Labels in the report's language.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from twin.atomic import atomic_output
from viz.fonts import cjk_rc_params

__all__ = ["build_wind_rose", "render_wind_rose", "build_stability_frequencies", "render_stability_frequencies",
           "METEOROLOGY_WORDS"]

METEOROLOGY_WORDS = {
    "en": {"rose": "Wind rose (direction the wind blows from), {hours} h", "calm": "calm (< {calm_below:g} m/s) "
           "{calm:.1f} %", "speed": "{low:g}–{high:g} m/s", "speed_top": "≥ {low:g} m/s", "frequency": "frequency [%]",
           "stability": "Stability-class frequencies, {hours} h", "class": "Pasquill–Gifford class"},
    "zh": {"rose": "风向玫瑰图（风的来向），{hours} 小时", "calm": "静风（< {calm_below:g} m/s）{calm:.1f} %",
           "speed": "{low:g}–{high:g} m/s", "speed_top": "≥ {low:g} m/s", "frequency": "频率 [%]",
           "stability": "大气稳定度频率，{hours} 小时", "class": "稳定度（P-G 分类）"},
}


def _speed_labels(edges: Sequence[float], words: dict) -> list[str]:
    labels = [words["speed"].format(low=low, high=high) for low, high in zip(edges[:-1], edges[1:])]
    return labels + [words["speed_top"].format(low=edges[-1])]


def render_wind_rose(rose: np.ndarray, calm: float, speed_edges: Sequence[float], sector_names: Sequence[str],
                     path: str | os.PathLike, *, hours: int, calm_below: float, language: str = "zh",
                     dpi: int = 120) -> Path:
    """The wind rose of :func:`build_wind_rose` written as a PNG at ``path`` (atomically); return the path."""
    with matplotlib.rc_context(cjk_rc_params()):
        fig = build_wind_rose(rose, calm, speed_edges, sector_names, hours=hours, calm_below=calm_below,
                              language=language, dpi=dpi)
        with atomic_output(path) as temporary:
            fig.savefig(temporary, dpi=dpi, format="png", bbox_inches="tight", pad_inches=0.15)
    return Path(path)


def build_wind_rose(rose: np.ndarray, calm: float, speed_edges: Sequence[float], sector_names: Sequence[str], *,
                    hours: int, calm_below: float, language: str = "zh", dpi: int = 120) -> Figure:
    """A stacked polar bar per sector (north up, clockwise), one colour per speed class, the calm share written in
    the centre; ``rose`` (sectors, speed classes) shares of all hours [-], ``calm`` share [-], ``calm_below`` [m/s].
    The figure (:func:`render_wind_rose` saves it; tests inspect it)."""
    words = METEOROLOGY_WORDS[language]
    n_sectors = len(sector_names)
    angles = np.deg2rad(np.arange(n_sectors) * 360.0 / n_sectors)
    width = 2 * np.pi / n_sectors * 0.9
    colours = matplotlib.colormaps["viridis"](np.linspace(0.15, 0.95, len(speed_edges)))
    with matplotlib.rc_context(cjk_rc_params()):
        fig = Figure(figsize=(6.4, 6.6), dpi=dpi, layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot(projection="polar")
        ax.set_theta_zero_location("N")
        ax.set_theta_direction(-1)
        bottom = np.zeros(n_sectors)
        for k, label in enumerate(_speed_labels(speed_edges, words)):
            ax.bar(angles, 100.0 * rose[:, k], width=width, bottom=bottom, color=colours[k], edgecolor="white",
                   linewidth=0.4, label=label)
            bottom += 100.0 * rose[:, k]
        ax.set_xticks(angles)
        ax.set_xticklabels(sector_names, fontsize=8)
        ax.tick_params(axis="y", labelsize=7)
        ax.set_rlabel_position(100)
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g} %"))
        ax.text(0.5, 0.5, words["calm"].format(calm=100.0 * calm, calm_below=calm_below), transform=ax.transAxes,
                ha="center", va="center", fontsize=8, bbox={"facecolor": "white", "alpha": 0.8, "linewidth": 0})
        ax.set_title(words["rose"].format(hours=hours), fontsize=11)
        fig.legend(loc="outside lower center", ncols=len(speed_edges), fontsize=8, frameon=False)
    return fig


def render_stability_frequencies(shares: np.ndarray, labels: Sequence[str], path: str | os.PathLike, *, hours: int,
                                 language: str = "zh", dpi: int = 120) -> Path:
    """The bars of :func:`build_stability_frequencies` written as a PNG at ``path`` (atomically); return the path."""
    with matplotlib.rc_context(cjk_rc_params()):
        fig = build_stability_frequencies(shares, labels, hours=hours, language=language, dpi=dpi)
        with atomic_output(path) as temporary:
            fig.savefig(temporary, dpi=dpi, format="png")
    return Path(path)


def build_stability_frequencies(shares: np.ndarray, labels: Sequence[str], *, hours: int, language: str = "zh",
                                dpi: int = 120) -> Figure:
    """A bar per stability class with its share of the hours [%] written on it; ``shares`` [-] in ``labels`` order.
    The figure (:func:`render_stability_frequencies` saves it; tests inspect it)."""
    words = METEOROLOGY_WORDS[language]
    with matplotlib.rc_context(cjk_rc_params()):
        fig = Figure(figsize=(6.0, 3.6), dpi=dpi, layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        bars = ax.bar(list(labels), 100.0 * np.asarray(shares), color="#4c78a8")
        ax.bar_label(bars, labels=[f"{100.0 * s:.1f} %" for s in shares], fontsize=8, padding=2)
        ax.set_ylabel(words["frequency"])
        ax.set_xlabel(words["class"])
        ax.set_ylim(0, max(5.0, 115.0 * float(np.max(shares))))
        ax.set_title(words["stability"].format(hours=hours), fontsize=11)
    return fig
