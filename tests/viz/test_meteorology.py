"""The EIA report's meteorology figures as pictures: the wind rose shows its sectors, speed classes and calm share and
draws the prevailing wind on the side it blows from; the stability figure names every class with its share."""

from __future__ import annotations

import numpy as np
import pytest

from meteo.climatology import HJ2_2_CALM_BELOW, SECTOR_NAMES, WIND_ROSE_SPEED_EDGES
from meteo.stability import CLASS_LABELS
from viz.meteorology import (
    build_stability_frequencies,
    build_wind_rose,
    render_stability_frequencies,
    render_wind_rose,
)

from ._png import read_png


def _east_rose() -> tuple[np.ndarray, float]:
    """Shares of all hours (16 sectors, 5 speed classes) [-]: 60 % from the east (sector 4), 3.5 % from each of N,
    NNE, NE, ENE, ESE, WSW, W, WNW, NW and NNW, 5 % calm; never from SE, SSE, S or SSW."""
    rose = np.zeros((16, 5))
    rose[4] = [0.10, 0.15, 0.20, 0.10, 0.05]  # E: 60 %
    for sector in (0, 1, 2, 3, 5, 12, 13, 14, 15):
        rose[sector, 0] = 0.035  # 9 × 3.5 % = 31.5 %
    rose[11, 1] = 0.035  # WSW: total 60 + 31.5 + 3.5 = 95 %, calm 5 %
    return rose, 0.05


def test_the_wind_rose_names_its_sectors_speed_classes_and_calm_share():
    rose, calm = _east_rose()
    fig = build_wind_rose(rose, calm, WIND_ROSE_SPEED_EDGES, SECTOR_NAMES, hours=8760,
                          calm_below=HJ2_2_CALM_BELOW, language="en")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == list(SECTOR_NAMES)
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["0.5–2 m/s", "2–3 m/s", "3–5 m/s", "5–8 m/s", "≥ 8 m/s"]
    texts = [t.get_text() for t in ax.texts]
    assert "calm (< 0.5 m/s) 5.0 %" in texts
    assert ax.get_title() == "Wind rose (direction the wind blows from), 8760 h"
    # North up and clockwise: the east sector's bar points to +90° on the compass.
    assert ax.get_theta_offset() == pytest.approx(np.pi / 2) and ax.get_theta_direction() == -1
    tops = {}
    for bar in ax.patches:
        theta = round(float(np.rad2deg(bar.get_x() + bar.get_width() / 2)) % 360.0, 3)
        tops[theta] = max(tops.get(theta, 0.0), bar.get_y() + bar.get_height())
    assert tops[90.0] == pytest.approx(60.0) and max(tops, key=tops.get) == 90.0
    chinese = build_wind_rose(rose, calm, WIND_ROSE_SPEED_EDGES, SECTOR_NAMES, hours=8760,
                              calm_below=HJ2_2_CALM_BELOW, language="zh")
    assert "静风（< 0.5 m/s）5.0 %" in [t.get_text() for t in chinese.axes[0].texts]


def test_the_rendered_wind_rose_draws_the_prevailing_wind_on_its_side(tmp_path):
    rose, calm = _east_rose()
    path = render_wind_rose(rose, calm, WIND_ROSE_SPEED_EDGES, SECTOR_NAMES, tmp_path / "wind_rose.png",
                            hours=8760, calm_below=HJ2_2_CALM_BELOW, language="zh")
    pixels = read_png(path).astype(int)
    red, green, blue = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    # Viridis bars (0.15–0.95 of the map): saturated, unlike the white paper, black text and grey grid.
    coloured = (np.max(pixels, axis=2) - np.min(pixels, axis=2)) > 60
    rows, columns = np.nonzero(coloured)
    assert rows.size > 2000
    middle = pixels.shape[1] / 2
    east, west = np.sum(columns > middle + 40), np.sum(columns < middle - 40)
    assert east > 5 * west  # 60 % from the east against 3.5 % from each western sector
    assert np.sum((green > red) & (blue > red) & coloured) > 500  # the blue-green classes are present
    assert sorted(p.name for p in tmp_path.iterdir()) == ["wind_rose.png"]


def test_the_stability_figure_names_every_class_with_its_share(tmp_path):
    shares = np.array([0.05, 0.10, 0.15, 0.40, 0.20, 0.10])
    fig = build_stability_frequencies(shares, CLASS_LABELS, hours=480, language="en")
    ax = fig.axes[0]
    fig.canvas.draw()
    assert [t.get_text() for t in ax.get_xticklabels()] == list(CLASS_LABELS)
    assert [t.get_text() for t in ax.texts] == ["5.0 %", "10.0 %", "15.0 %", "40.0 %", "20.0 %", "10.0 %"]
    assert [bar.get_height() for bar in ax.patches] == pytest.approx(100.0 * shares)
    assert ax.get_ylabel() == "frequency [%]" and ax.get_title() == "Stability-class frequencies, 480 h"
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in ax.texts]
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    pixels = read_png(render_stability_frequencies(shares, CLASS_LABELS, tmp_path / "stability.png", hours=480,
                                                   language="zh"))
    bar_blue = np.all(np.abs(pixels.astype(int) - [0x4C, 0x78, 0xA8]) < 12, axis=2)
    columns = np.nonzero(bar_blue.any(axis=0))[0]
    heights = [int(bar_blue[:, c].sum()) for c in columns]
    assert len(columns) > 100 and max(heights) > 4 * min(h for h in heights if h > 0)  # D (40 %) over A (5 %)
