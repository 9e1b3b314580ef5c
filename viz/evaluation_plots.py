"""Scatter and quantile–quantile plots of predicted against observed concentrations (PNG), with the 1:1 line and
the factor-of-two lines (Cp = 2 Co and Cp = Co / 2) that bound FAC2 (Chang & Hanna 2004, §3 and Fig. 2).

Drawn on a ``matplotlib.figure.Figure`` (no pyplot state) and written atomically.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from twin.atomic import atomic_output

__all__ = ["write_scatter_plot", "write_qq_plot"]


def _axes_with_factor_lines(values: np.ndarray, threshold: float, title: str, unit_label: str):
    positive = values[values > 0]
    low = max(float(positive.min()) if positive.size else threshold, threshold) / 2.0
    high = (float(positive.max()) if positive.size else 1.0) * 2.0
    figure = Figure(figsize=(5.5, 5.5), dpi=110)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    line = np.array([low, high])
    axes.plot(line, line, color="black", linewidth=1.0, label="1:1")
    axes.plot(line, 2 * line, color="grey", linestyle="--", linewidth=0.9, label="factor of 2 (FAC2 bounds)")
    axes.plot(line, line / 2, color="grey", linestyle="--", linewidth=0.9)
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlim(low, high)
    axes.set_ylim(low, high)
    axes.set_aspect("equal")
    axes.set_title(title, fontsize=10)
    axes.set_xlabel(f"observed [{unit_label}]")
    axes.set_ylabel(f"predicted [{unit_label}]")
    axes.grid(True, which="major", linewidth=0.3)
    return figure, axes


def _save(figure: Figure, path: Path) -> Path:
    with atomic_output(path) as temporary:
        figure.savefig(temporary, format="png")
    return Path(path)


def write_scatter_plot(path, observed, predicted, *, threshold: float, title: str, unit_label: str = "µg/m³",
                       predicted_b=None, labels: tuple[str, str] = ("model A", "model B")) -> Path:
    """Paired values, predicted against observed, log–log; values below ``threshold`` drawn at it."""
    observed = np.maximum(np.asarray(observed, dtype=float), threshold)
    series = [np.maximum(np.asarray(predicted, dtype=float), threshold)]
    if predicted_b is not None:
        series.append(np.maximum(np.asarray(predicted_b, dtype=float), threshold))
    figure, axes = _axes_with_factor_lines(np.concatenate([observed, *series]), threshold, title, unit_label)
    for values, label, marker in zip(series, labels, ("o", "^")):
        axes.scatter(observed, values, s=12, alpha=0.6, marker=marker, label=label)
    axes.legend(fontsize=8, loc="upper left")
    return _save(figure, path)


def write_qq_plot(path, observed, predicted, *, threshold: float, title: str, unit_label: str = "µg/m³",
                  predicted_b=None, labels: tuple[str, str] = ("model A", "model B")) -> Path:
    """Quantile–quantile plot: the sorted predicted values against the sorted observed values (unpaired)."""
    observed = np.sort(np.maximum(np.asarray(observed, dtype=float), threshold))
    series = [np.sort(np.maximum(np.asarray(predicted, dtype=float), threshold))]
    if predicted_b is not None:
        series.append(np.sort(np.maximum(np.asarray(predicted_b, dtype=float), threshold)))
    figure, axes = _axes_with_factor_lines(np.concatenate([observed, *series]), threshold, title, unit_label)
    for values, label, marker in zip(series, labels, ("o", "^")):
        axes.plot(observed, values, marker=marker, markersize=3, linestyle="none", label=label)
    axes.legend(fontsize=8, loc="upper left")
    return _save(figure, path)
