"""The leak's threat-zone map: the zone family a scenario chooses, the wind band, and a picture test of a small
chlorine leak's map (the PNG the plan embeds, decoded, and the figure it was drawn from)."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import numpy as np
import pytest
import yaml

from scenarios.leak.threat_map import (
    chosen_zone_names,
    default_band_half_angle,
    direction_spread,
    wind_band,
)
from tests.scenarios.conftest import XDIST_GROUP
from twin.errors import InputError

pytestmark = pytest.mark.xdist_group(XDIST_GROUP)


def test_the_spread_of_directions_wraps_through_north():
    centre, lower, upper = direction_spread([350.0, 0.0, 10.0])
    assert centre == pytest.approx(0.0, abs=1e-9) or centre == pytest.approx(360.0)
    # Offsets −10, 0, +10: the 2.5th / 97.5th percentiles by linear interpolation are −9.5 and +9.5.
    assert (lower, upper) == pytest.approx((-9.5, 9.5))
    centre, lower, upper = direction_spread(np.full(20, 137.0))
    assert (centre, lower, upper) == pytest.approx((137.0, 0.0, 0.0))


def test_one_direction_gets_the_default_band_which_widens_in_light_wind():
    assert default_band_half_angle(5.0) == 22.5
    assert default_band_half_angle(1.5) == pytest.approx(45.0)  # 22.5 × 3 / 1.5
    assert default_band_half_angle(0.3) == 90.0
    band = wind_band([137.0], [1.5], 0.0, 0.0, 1000.0)
    assert (band.lower, band.upper) == pytest.approx((-45.0, 45.0)) and "default" in band.basis
    ensemble = wind_band([120.0, 130.0, 140.0, 150.0], [1.5], 0.0, 0.0, 1000.0, members=4)
    assert ensemble.from_direction == pytest.approx(135.0) and "4 members" in ensemble.basis
    assert ensemble.lower == pytest.approx(-14.25) and ensemble.upper == pytest.approx(14.25)


def test_the_zone_family_must_exist_for_the_substance():
    ammonia = ["HJ 169 endpoint-1", "HJ 169 endpoint-2", "AEGL-2 (60 min)", "AEGL-3 (60 min)"]
    assert chosen_zone_names("aegl", ammonia, "scenario") == ["AEGL-3 (60 min)", "AEGL-2 (60 min)"]
    assert chosen_zone_names("hj169", ammonia, "scenario") == ["HJ 169 endpoint-1", "HJ 169 endpoint-2"]
    with pytest.raises(InputError, match=r"threat_zones must be a family .* \['hj169', 'aegl'\], got 'erpg'"):
        chosen_zone_names("erpg", ammonia, "scenario")


@pytest.fixture(scope="module")
def small_leak(tmp_path_factory):
    """The demo's chlorine leak on a 6 km grid for one hour, with the MapView its map was drawn from."""
    import scenarios.leak.outputs as outputs
    from scenarios.demo import write_demo
    from scenarios.leak.run import run_leak_scenario
    from scenarios.spec import load_scenario

    root = tmp_path_factory.mktemp("threat_map")
    write_demo(root)
    scenario = yaml.safe_load((root / "leak.yaml").read_text(encoding="utf-8"))
    scenario.update(grid={"size": [6000, 6000], "spacing": 120}, simulation_hours=1, language="en")
    (root / "small.yaml").write_text(yaml.safe_dump(scenario, allow_unicode=True), encoding="utf-8")
    drawn = {}
    real = outputs.render_map

    def render_and_keep(view, path, **options):
        drawn[Path(path).name] = view
        return real(view, path, **options)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(outputs, "render_map", render_and_keep)
        plan = run_leak_scenario(load_scenario(root / "small.yaml"), base_dir=root, out_dir=root / "out")
    return root / "out", drawn["map.png"], plan


def test_the_plan_embeds_the_threat_zone_map_with_its_coloured_zones(small_leak):
    from tests.viz._png import read_png

    out, view, _ = small_leak
    html = (out / "plan.html").read_text(encoding="utf-8")
    embedded = [base64.b64decode(data) for data in re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", html)]
    assert (out / "map.png").read_bytes() in embedded  # the plan shows this very map
    pixels = read_png(out / "map.png").astype(int)
    # The red and orange zones, 60 % opaque over the map's paper colour #f4f1ea (the flat coastal plain).
    paper = np.array([0xF4, 0xF1, 0xEA])
    for colour in ("#d7301f", "#fc8d3c"):
        blended = 0.6 * np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)]) + 0.4 * paper
        assert np.sum(np.abs(pixels - blended).max(axis=2) < 20) > 500, colour


def test_the_map_names_each_zone_with_mg_and_ppm_the_source_and_draws_wind_band_and_boundary(small_leak):
    from viz.maps import build_map, label_boxes

    _, view, plan = small_leak
    fig = build_map(view)
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.texts if t.get_visible()]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    # Chlorine, M = 70.906 g/mol: endpoint-1 58 mg/m³ = 58 × 24.45 / 70.906 = 20.0 ppm; endpoint-2 5.8 → 2.0 ppm.
    for name, levels in (("毒性终点浓度-1 HJ 169 endpoint-1", "58 mg/m³ = 20 ppm"),
                         ("毒性终点浓度-2 HJ 169 endpoint-2", "5.8 mg/m³ = 2 ppm")):
        assert f"{name}\n{levels}" in texts, name
        assert f"{name}: {levels}" in legend, name
    assert [z.name for z in plan.zones][:2] == ["HJ 169 endpoint-1", "HJ 169 endpoint-2"]
    assert "液氯储罐 T-CL01" in texts and "泄漏源 release: 液氯储罐 T-CL01" in legend
    assert any(entry.startswith("风向范围 wind band ±45° (默认 default, 1.5 m/s)") for entry in legend)
    assert "厂界 park boundary" in legend
    assert not any(re.search(r"\d\.\d{4}", text) for text in texts + legend)  # no raw floats such as 57.9643
    kinds = {str(artist.get_gid()) for artist in [*ax.patches, *ax.lines]}
    assert {"parktwin:zone:0", "parktwin:zone:1", "parktwin:wind-band", "parktwin:boundary",
            "parktwin:release"} <= kinds
    boxes = label_boxes(fig, ax)
    assert len(boxes) >= 10
    for i, box in enumerate(boxes):
        assert not any(box.overlaps(other) for other in boxes[i + 1:]), texts[i] if i < len(texts) else i
