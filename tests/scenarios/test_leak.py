"""The demo's chlorine leak end to end: zones, impacts, response level and the emergency-plan draft."""

from __future__ import annotations

import json
import re
import shutil

import pytest
import xarray as xr
import yaml

from scenarios.leak.assessment import RESPONSE_RULES
from scenarios.leak.run import run_leak_scenario
from scenarios.spec import load_scenario
from tests.scenarios.conftest import XDIST_GROUP
from viz.views import LeakPlanView

pytestmark = pytest.mark.xdist_group(XDIST_GROUP)  # uses the demo: on the demo's worker, which runs it once


def test_the_leak_writes_every_output(leak):
    names = sorted(p.name for p in leak.iterdir())
    assert names == ["impacts.json", "leak.nc", "map.png", "plan.html", "run.json", "scene.glb", "scene.png",
                     "zones.geojson"]


def test_impacts_and_plan_tell_the_commander_what_to_do(leak):
    view = json.loads((leak / "impacts.json").read_text(encoding="utf-8"))
    assert view["released_kg"] <= 60000.0  # never more than the tank holds (T-CL01: 60 t)
    assert view["response_level"] in [level for level, _ in RESPONSE_RULES]
    reached = [r for r in view["receptors"] if r["arrival"]]
    assert reached and all(r["action"] in ("evacuate", "shelter") for r in reached)
    # Chlorine from a boiling pool is heavier than air: HJ 169-2018 G.2.1 chooses the dense-gas model, and says why.
    assert view["dense_gas"] and view["dispersion_model"] == "slab" and not view["dispersion_model_forced"]
    assert view["richardson_number"] >= view["richardson_threshold"] > 0
    assert view["release_density_kg_m3"] > view["ambient_density_kg_m3"]
    assert "HJ 169-2018 G.2.1" in view["dispersion_rule"] and "理查德森数" in view["dispersion_rule_zh"]
    assert view["validity"] and view["validity_zh"]
    with xr.open_dataset(leak / "leak.nc", engine="netcdf4") as ds:
        attrs = ds["airborne_release_rate"].attrs
        assert attrs["dispersion_model"] == "slab"
        assert attrs["richardson_number"] == pytest.approx(view["richardson_number"], abs=1e-4)
    html = (leak / "plan.html").read_text(encoding="utf-8")
    for text in ("突发环境事件应急预案", "响应级别", "敏感目标受影响情况", "疏散", reached[0]["name"],
                 "data:image/png;base64,", "SLAB"):
        assert text in html, text
    assert html.count("data:image/png;base64,") == 2  # map and 3D scene embedded: one self-contained file
    # The release's start as people read it: local time with its offset, the same form as every other plan time.
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} \+08:00", view["start"]) and view["start"] in html


def test_impacts_json_is_the_typed_view_s_dict(leak):
    """The demo leak's impacts.json reads back into the typed plan view, and that view's dict is the file, byte for
    byte (same keys, order and values)."""
    text = (leak / "impacts.json").read_text(encoding="utf-8")
    view = LeakPlanView.from_dict(json.loads(text))
    assert json.dumps(view.to_dict(), ensure_ascii=False, indent=2) + "\n" == text


def test_the_leak_run_returns_the_typed_view_impacts_json_holds(demo, tmp_path):
    """A demo-like leak (smaller grid, one hour) returns a LeakPlanView whose dict is what impacts.json holds."""
    shutil.copytree(demo.root / "park", tmp_path / "park")
    scenario = yaml.safe_load((demo.root / "leak.yaml").read_text(encoding="utf-8"))
    scenario["grid"] = {"size": [6000, 6000], "spacing": 100}
    scenario["simulation_hours"] = 1
    (tmp_path / "leak.yaml").write_text(yaml.safe_dump(scenario, allow_unicode=True), encoding="utf-8")
    view = run_leak_scenario(load_scenario(tmp_path / "leak.yaml"), base_dir=tmp_path, out_dir=tmp_path / "out")
    assert isinstance(view, LeakPlanView)
    assert json.loads((tmp_path / "out" / "impacts.json").read_text(encoding="utf-8")) == view.to_dict()


def test_receptors_carry_probit_and_probability_of_death(leak):
    view = json.loads((leak / "impacts.json").read_text(encoding="utf-8"))
    assert "Purple Book" in view["probit_source"] and view["probit_equation"].startswith("Y = -6.35 + 0.5 ln")
    for row in view["receptors"]:
        assert 0.0 <= row["probability_of_death"] <= 1.0
        assert row["probit"] is None or isinstance(row["probit"], float)
    html = (leak / "plan.html").read_text(encoding="utf-8")
    for text in ("源项模型", "闪蒸", "液池蒸发", "死亡概率", "概率单位", "Purple Book"):
        assert text in html, text


