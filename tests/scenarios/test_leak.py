"""The demo's chlorine leak end to end: zones, impacts, response level and the emergency-plan draft."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely
import xarray as xr
from shapely.geometry import shape

from scenarios.leak import RESPONSE_RULES, protective_action, response_level
from viz.plan import render_plan


@pytest.fixture(scope="module")
def leak(demo):
    return demo.root / "leak"


def test_the_leak_writes_every_output(leak):
    names = sorted(p.name for p in leak.iterdir())
    assert names == ["impacts.json", "leak.nc", "map.png", "plan.html", "run.json", "scene.png", "zones.geojson"]


def test_zones_are_rfc7946_and_agree_with_the_gridded_field(leak):
    collection = json.loads((leak / "zones.geojson").read_text(encoding="utf-8"))
    assert collection["type"] == "FeatureCollection" and "crs" not in collection
    with xr.open_dataset(leak / "leak.nc", engine="netcdf4") as ds:
        field = ds["max_mean_60min"].values.astype(float)  # mg m-3
        cell = float(ds["x"][1] - ds["x"][0]) * float(ds["y"][1] - ds["y"][0])
    for feature in collection["features"]:
        properties = feature["properties"]
        if feature["geometry"] is None:
            continue
        polygon = shape(feature["geometry"])
        assert polygon.is_valid
        for part in getattr(polygon, "geoms", [polygon]):
            assert shapely.LinearRing(part.exterior.coords).is_ccw  # RFC 7946 §3.1.6 right-hand rule
            assert all(not shapely.LinearRing(hole.coords).is_ccw for hole in part.interiors)
        lon, lat = np.asarray(polygon.exterior.coords if polygon.geom_type == "Polygon"
                              else polygon.geoms[0].exterior.coords).T
        assert np.all((lon > 120) & (lon < 123) & (lat > 31) & (lat < 34))  # WGS84 lon/lat near the park
        # The polygon's area (in the park CRS) matches the cells above the threshold to within the edge band.
        cells = (field >= properties["level"]).sum() * cell
        assert properties["area_m2"] == pytest.approx(cells, rel=0.05)


def test_impacts_and_plan_tell_the_commander_what_to_do(leak):
    view = json.loads((leak / "impacts.json").read_text(encoding="utf-8"))
    assert view["released_kg"] <= 60000.0  # never more than the tank holds (T-CL01: 60 t)
    assert view["response_level"] in [level for level, _ in RESPONSE_RULES]
    reached = [r for r in view["receptors"] if r["arrival"]]
    assert reached and all(r["action"] in ("evacuate", "shelter") for r in reached)
    assert view["dense_gas"]  # chlorine is heavier than air: the report must say the neutral model is stretched
    html = (leak / "plan.html").read_text(encoding="utf-8")
    for text in ("突发环境事件应急预案", "响应级别", "敏感目标受影响情况", "疏散", reached[0]["name"],
                 "data:image/png;base64,", "SLAB"):
        assert text in html, text
    assert html.count("data:image/png;base64,") == 2  # map and 3D scene embedded: one self-contained file


def test_the_english_template_renders_the_same_view(leak, tmp_path):
    view = json.loads((leak / "impacts.json").read_text(encoding="utf-8")) | {"language": "en"}
    html = render_plan(view, tmp_path / "plan_en.html", map_png=leak / "map.png").read_text(encoding="utf-8")
    assert "Emergency plan draft" in html and "Response level" in html and "突发" not in html
    assert html.count("data:image/png;base64,") == 1


def test_response_level_rules():
    assert response_level(True, True, True)[0] == "I"
    assert response_level(False, True, True)[0] == "II"
    assert response_level(False, False, True)[0] == "III"
    assert response_level(False, False, False)[0] == "IV"


def test_protective_action_rule():
    assert protective_action(float("nan"), 0.0) == "none"
    assert protective_action(600.0, 1200.0) == "shelter"  # arrives in 10 min: no time to evacuate safely
    assert protective_action(3600.0, 1200.0) == "evacuate"  # an hour ahead: move people out first


def test_a_receptor_reached_by_endpoint_1_is_graded_endpoint_1():
    from scenarios.impact import ReceptorImpact
    from scenarios.leak import _worst_reached

    thresholds = [("HJ 169 endpoint-1", 58e-6), ("HJ 169 endpoint-2", 5.8e-6), ("AEGL-2 (60 min)", 5.8e-6)]
    impact = ReceptorImpact(arrival_time=np.array([60.0, 60.0, np.nan]), peak={}, dose=np.zeros(3),
                            time_above={"HJ 169 endpoint-1": np.array([60.0, 0.0, 0.0]),
                                        "HJ 169 endpoint-2": np.array([600.0, 60.0, 0.0]),
                                        "AEGL-2 (60 min)": np.array([600.0, 60.0, 0.0])},
                            population_reached={})
    assert [_worst_reached(thresholds, impact, i) for i in range(3)] == [
        "HJ 169 endpoint-1", "HJ 169 endpoint-2", "—"]


def test_a_leak_in_hourly_weather_runs_and_follows_the_wind(demo, tmp_path):
    """The same leak in hourly synthetic weather (3 h from 02:00): the run completes, and the cloud goes where the
    wind blows — the centre of the 60-min-mean field lies downwind of the tank for the first hour's wind."""
    import shutil

    import yaml

    from scenarios.run import run_scenario_file

    shutil.copytree(demo.root / "park", tmp_path / "park")
    scenario = yaml.safe_load((demo.root / "leak.yaml").read_text(encoding="utf-8"))
    scenario["meteorology"] = {"weather": {"source": "synthetic", "start": "2026-07-15T02:00:00+08:00", "hours": 3}}
    scenario["grid"] = {"size": [6000, 6000], "spacing": 100}
    scenario["simulation_hours"] = 1
    (tmp_path / "leak.yaml").write_text(yaml.safe_dump(scenario, allow_unicode=True), encoding="utf-8")
    result = run_scenario_file(tmp_path / "leak.yaml", tmp_path / "out")
    assert "synthetic" in result.summary_text
    with xr.open_dataset(tmp_path / "out" / "leak.nc", engine="netcdf4") as ds:
        field = ds["max_mean_60min"].values.astype(float)
        x, y = np.meshgrid(ds["x"].values, ds["y"].values)
    from meteo import synthetic_weather

    weather = synthetic_weather("2026-07-15T02:00:00+08:00", 3, latitude=32.4, longitude=121.3, seed=20261124)
    came_from = float(weather["wind_from_direction"].values[0])
    source = next(r for r in yaml.safe_load((tmp_path / "park" / "park.yaml").read_text(encoding="utf-8"))[
        "risk_sources"] if r["id"] == "T-CL01")
    cx, cy = (field * x).sum() / field.sum() - source["x"], (field * y).sum() / field.sum() - source["y"]
    towards = np.degrees(np.arctan2(cx, cy)) % 360.0
    assert abs((towards - (came_from + 180.0) + 180.0) % 360.0 - 180.0) < 30.0  # grid vs true north < 1°
