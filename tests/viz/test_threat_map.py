"""The threat-zone map's layers on a synthetic view: named zones with mg/m³ and ppm on the map and in the legend,
rounded levels, the release, the wind band, the park's outline (only what it has), and no two labels overlapping."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace

import numpy as np
import pytest

from twin.errors import InputError
from viz.threat_layers import ParkOutlineLayer, ReleasePoint, ThreatZoneBand, ThreatZoneLayer, WindBand
from viz.threat_map import significant, zone_label_text, zone_legend_text

from ._png import read_png
from .conftest import X0, Y0, synthetic_view

FIGSIZE, DPI = (8.0, 7.0), 80
SOURCE = (X0 + 1500.0, Y0 + 1200.0)


def _ellipse(length: float, width: float) -> np.ndarray:
    """A zone elongated towards the north-east from the source (wind from the south-west). [m]"""
    t = np.linspace(0.0, 2.0 * np.pi, 60)
    along, across = length / 2 * (1 + np.cos(t)), width / 2 * np.sin(t)
    return np.column_stack([SOURCE[0] + (along - across) / np.sqrt(2), SOURCE[1] + (along + across) / np.sqrt(2)])


def threat_view(*, outline: bool = True, three: bool = True):
    # Chlorine, M = 70.906 g/mol: AEGL-3/2/1 (60 min) 20 / 2.0 / 0.50 ppm at 25 °C as mg/m³ (ppm × M / 24.45).
    bands = [ThreatZoneBand("AEGL-3 (60 min)", 57.9987, 20.0, [[_ellipse(900.0, 200.0)]], 900.0),
             ThreatZoneBand("AEGL-2 (60 min)", 5.79987, 2.0, [[_ellipse(1800.0, 420.0)]], 1800.0)]
    if three:
        bands.append(ThreatZoneBand("AEGL-1 (60 min)", 1.44997, 0.5, [[_ellipse(2600.0, 700.0)]], 2600.0))
    layer = ThreatZoneLayer(zones=bands, title="氯气 chlorine: threat zones")
    park_outline = ParkOutlineLayer(
        boundary=np.array([[X0 + 700, Y0 + 500], [X0 + 2600, Y0 + 500], [X0 + 2600, Y0 + 1900], [X0 + 700, Y0 + 1900]]),
        defences=[("海堤", "sea_wall", np.array([[X0 + 4700, Y0 + 200], [X0 + 4750, Y0 + 3800]]))],
        water=[("南河", "river", np.array([[X0, Y0 + 300], [X0 + 4600, Y0 + 300], [X0 + 4600, Y0 + 380],
                                          [X0, Y0 + 380]]))])
    view = synthetic_view(with_field=False)
    return replace(view, threat_zones=layer, release=ReleasePoint("液氯储罐 T-CL01", *SOURCE),
                   wind_band=WindBand(x=SOURCE[0], y=SOURCE[1], from_direction=225.0, lower=-22.5, upper=22.5,
                                      radius=2600.0, basis="默认 default, 3.2 m/s"),
                   outline=park_outline if outline else None)


@pytest.mark.parametrize("value, expected", [(57.9643, "58"), (5.79643, "5.8"), (8.69465, "8.69"),
                                             (2.89822, "2.9"), (1.44911, "1.45"), (0.5, "0.5"), (1100.0, "1,100"),
                                             (13000.0, "13,000"), (0.0123456, "0.0123"), (20.0, "20")])
def test_levels_are_rounded_to_three_significant_figures(value, expected):
    assert significant(value) == expected


def test_labels_and_legend_say_name_mg_and_ppm():
    assert zone_label_text("AEGL-2 (60 min)", 5.79987, 2.0) == "AEGL-2 (60 min)\n5.8 mg/m³ = 2 ppm"
    assert zone_legend_text("ERPG-2", 8.7, 3.0) == "ERPG-2: 8.7 mg/m³ = 3 ppm"
    assert zone_legend_text("X", 1.0, None, reached=False) == "X: 1 mg/m³ — 未达到 not reached"


def test_zones_must_come_most_severe_first_and_at_most_three():
    low = ThreatZoneBand("endpoint-2", 5.8, 2.0, [])
    high = ThreatZoneBand("endpoint-1", 58.0, 20.0, [])
    with pytest.raises(InputError, match="most severe"):
        ThreatZoneLayer(zones=[low, high])
    with pytest.raises(InputError, match="1 to 3"):
        ThreatZoneLayer(zones=[high, low, low, low])
    with pytest.raises(InputError, match="lower <= 0 <= upper"):
        WindBand(x=0, y=0, from_direction=90.0, lower=5.0, upper=10.0, radius=10.0, basis="")


def test_every_zone_is_named_on_the_map_with_mg_and_ppm_and_no_labels_overlap():
    from viz.maps import build_map, label_boxes

    fig = build_map(threat_view(), dpi=DPI, figsize=FIGSIZE)
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.texts if t.get_visible()]
    for name, levels in (("AEGL-3 (60 min)", "58 mg/m³ = 20 ppm"), ("AEGL-2 (60 min)", "5.8 mg/m³ = 2 ppm"),
                         ("AEGL-1 (60 min)", "1.45 mg/m³ = 0.5 ppm")):
        assert f"{name}\n{levels}" in texts
    assert "液氯储罐 T-CL01" in texts and "南河" in texts and "海堤" in texts
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[:3] == ["AEGL-3 (60 min): 58 mg/m³ = 20 ppm", "AEGL-2 (60 min): 5.8 mg/m³ = 2 ppm",
                          "AEGL-1 (60 min): 1.45 mg/m³ = 0.5 ppm"]
    for entry in ("泄漏源 release: 液氯储罐 T-CL01", "风向范围 wind band ±22° (默认 default, 3.2 m/s)",
                  "厂界 park boundary", "海堤 sea wall", "河流 river"):
        assert entry in legend, entry
    boxes = label_boxes(fig, ax)
    for i, box in enumerate(boxes):  # no text overlaps another: zone labels, names, north arrow, scale, wind
        assert not any(box.overlaps(other) for other in boxes[i + 1:]), texts[i]
    gids = {p.get_gid() for p in ax.patches} | {line.get_gid() for line in ax.lines}
    assert {"parktwin:zone:0", "parktwin:zone:1", "parktwin:zone:2", "parktwin:wind-band", "parktwin:boundary",
            "parktwin:defence", "parktwin:water", "parktwin:release"} <= gids


def test_no_label_covers_the_release_star_even_when_the_maximum_sits_on_it():
    # A forecast probability map has its maximum (100 %) at the release: the maximum's label was drawn over the star.
    from viz.maps import build_map, release_marker_boxes, text_only_box

    view = synthetic_view()
    field = view.field
    values = np.zeros_like(field.values)
    row, column = np.unravel_index(np.argmin(np.hypot(*np.meshgrid(field.x - SOURCE[0], field.y - SOURCE[1]))),
                                   values.shape)
    values[row, column] = 100.0
    values[max(row - 3, 0):row + 4, max(column - 3, 0):column + 4] += 10.0
    peak_view = replace(view, field=replace(field, values=values, levels=None))
    x, y = float(field.x[column]), float(field.y[row])
    probe = build_map(replace(peak_view, release=ReleasePoint("液氯储罐 T-CL01", x, y)), dpi=DPI, figsize=FIGSIZE)
    metres_per_pixel = 1.0 / (probe.axes[0].transData.transform((x + 1.0, y))[0]
                              - probe.axes[0].transData.transform((x, y))[0])
    # the star 40 px right of the maximum: where the maximum's label goes by default (8 pt right of its anchor)
    release = ReleasePoint("液氯储罐 T-CL01", x + 40.0 * metres_per_pixel, y)
    fig = build_map(replace(peak_view, release=release), dpi=DPI, figsize=FIGSIZE)
    ax = fig.axes[0]
    stars = release_marker_boxes(fig, ax)
    assert len(stars) == 1
    texts = [t for t in ax.texts if t.get_visible() and t.get_text()]
    assert any(t.get_text().startswith("max") for t in texts) and "液氯储罐 T-CL01" in [t.get_text() for t in texts]
    renderer = fig.canvas.get_renderer()
    for text in texts:  # the texts themselves (a leader line may end at the star)
        assert not text_only_box(text, renderer).overlaps(stars[0]), text.get_text()


def test_the_wind_band_opens_downwind_of_the_release():
    from viz.maps import build_map

    fig = build_map(threat_view(), dpi=DPI, figsize=FIGSIZE)
    wedge = next(p for p in fig.axes[0].patches if p.get_gid() == "parktwin:wind-band")
    # Wind from 225° (SW) blows towards 45° (NE): math angles 90 − (45 ± 22.5) = 22.5° … 67.5°.
    assert (wedge.theta1, wedge.theta2) == pytest.approx((22.5, 67.5))
    assert wedge.center == pytest.approx(SOURCE) and wedge.r == pytest.approx(2600.0)


def test_a_park_without_outline_draws_none_and_says_nothing_of_it():
    from viz.maps import build_map

    fig = build_map(threat_view(outline=False, three=False), dpi=DPI, figsize=FIGSIZE)
    ax = fig.axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert not any(word in " ".join(legend) for word in ("厂界 park boundary", "sea wall", "river"))
    assert not any(str(a.get_gid()).startswith(("parktwin:boundary", "parktwin:defence", "parktwin:water"))
                   for a in [*ax.patches, *ax.lines])
    assert sum(str(p.get_gid()).startswith("parktwin:zone:") for p in ax.patches) == 2


def test_the_svg_keeps_texts_and_named_layers(tmp_path):
    from viz.maps import render_map

    path = render_map(threat_view(), tmp_path / "map.svg", dpi=DPI, figsize=FIGSIZE)
    root = ET.parse(path).getroot()
    texts = {"".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")}
    # Framed labels stay text; haloed names (drawn through a path effect) become outlines, so the release is found
    # by its legend entry here (and by its label in the test above).
    for line in ("AEGL-3 (60 min)", "58 mg/m³ = 20 ppm", "AEGL-1 (60 min): 1.45 mg/m³ = 0.5 ppm",
                 "泄漏源 release: 液氯储罐 T-CL01", "厂界 park boundary"):
        assert line in texts, line
    ids = {element.get("id") for element in root.iter()}
    assert {"parktwin:wind-band", "parktwin:boundary", "parktwin:zone:0"} <= ids
    png = read_png(render_map(threat_view(), tmp_path / "map.png", dpi=DPI, figsize=FIGSIZE))
    assert png.shape == (FIGSIZE[1] * DPI, FIGSIZE[0] * DPI, 3)
