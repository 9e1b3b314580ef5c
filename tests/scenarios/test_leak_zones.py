"""The leak's threat assessment: zones on the map and along the transect, zones cut short by the simulated time,
the response level, the protective action and the most severe endpoint reached at a receptor."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely
import xarray as xr
from shapely.geometry import shape

from scenarios.leak.assessment import protective_action, response_level
from tests.scenarios.conftest import XDIST_GROUP

pytestmark = pytest.mark.xdist_group(XDIST_GROUP)  # uses the demo: on the demo's worker, which runs it once


def test_zones_are_rfc7946_and_agree_with_the_gridded_field(leak):
    collection = json.loads((leak / "zones.geojson").read_text(encoding="utf-8"))
    assert collection["type"] == "FeatureCollection" and "crs" not in collection
    measured = {z["name"]: z for z in json.loads((leak / "impacts.json").read_text(encoding="utf-8"))["zones"]}
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
        zone = measured[properties["name"]]
        if zone["limited_at_m"] is not None:  # stopped at the constant-weather limit: the polygon stops there too
            assert properties["farthest_distance_m"] <= zone["limited_at_m"] + 1.0
        elif not zone["from_transect"]:
            # The polygon's area (in the park CRS) matches the cells above the threshold to within the edge band.
            cells = (field >= properties["level"]).sum() * cell
            assert properties["area_m2"] == pytest.approx(cells, rel=0.05)


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
    from scenarios.common.impact import ReceptorImpact
    from scenarios.leak.assessment import worst_reached

    thresholds = [("HJ 169 endpoint-1", 58e-6), ("HJ 169 endpoint-2", 5.8e-6), ("AEGL-2 (60 min)", 5.8e-6)]
    impact = ReceptorImpact(arrival_time=np.array([60.0, 60.0, np.nan]), peak={}, dose=np.zeros(3),
                            time_above={"HJ 169 endpoint-1": np.array([60.0, 0.0, 0.0]),
                                        "HJ 169 endpoint-2": np.array([600.0, 60.0, 0.0]),
                                        "AEGL-2 (60 min)": np.array([600.0, 60.0, 0.0])},
                            population_reached={})
    assert [worst_reached(thresholds, impact, i) for i in range(3)] == [
        "HJ 169 endpoint-1", "HJ 169 endpoint-2", "—"]


@pytest.mark.parametrize("hours, zone_name, open_ended", [(1.0, "HJ 169 endpoint-2", True),
                                                          (4.0, "HJ 169 endpoint-1", False)])
def test_a_zone_cut_short_by_the_simulated_time_is_a_lower_bound(demo, tmp_path, hours, zone_name, open_ended):
    """The demo leak (30 min of release, F at 1.5 m/s) as passive puffs: after 1 h the cloud's tail is 2.7 km out
    and endpoint-2 (5.8 mg/m³) is still reached beyond it, so its distance is a lower bound and the note says so in
    both languages; after 4 h the tail is 18.9 km out, the whole cloud has passed endpoint-1's zone (13 km) and no
    such note is written."""
    import shutil

    import yaml

    from scenarios.run import run_scenario_file

    shutil.copytree(demo.root / "park", tmp_path / "park")
    scenario = yaml.safe_load((demo.root / "leak.yaml").read_text(encoding="utf-8"))
    scenario["dispersion_model"] = "passive"
    scenario["grid"] = {"size": [30000, 30000], "spacing": 500}
    scenario["simulation_hours"] = hours
    (tmp_path / "leak.yaml").write_text(yaml.safe_dump(scenario, allow_unicode=True), encoding="utf-8")
    run_scenario_file(tmp_path / "leak.yaml", tmp_path / "out")
    view = json.loads((tmp_path / "out" / "impacts.json").read_text(encoding="utf-8"))
    zone = next(z for z in view["zones"] if z["name"] == zone_name)
    tail_km = 1.5 * (hours * 3600.0 - 60.0 * view["release_minutes"]) / 1000.0
    if open_ended:
        assert zone["farthest_m"] > tail_km * 1000.0
        assert f"cloud's tail is at {tail_km:.1f} km" in zone["note"] or f"{tail_km:.1f} km, where the cloud's tail" \
            in zone["note"]
        assert "烟云尾部" in zone["note_zh"]
    else:
        assert "tail" not in zone["note"] and "烟云尾部" not in zone["note_zh"]


@pytest.mark.parametrize("model", ["passive", "auto"])
def test_a_leak_simulated_for_less_than_the_averaging_window_still_has_its_zones(demo, tmp_path, model):
    """Issue 13 A: with simulation_hours 0.5 the 60-min running mean used to be NaN everywhere and NaN read as "not
    exceeded": zones of area 0 and "evacuation distance 0 m" while the cloud stood at 987 mg/m³. The cloud is now
    followed for the averaging window at least, the plan says so, and the zones match a 1-h run."""
    import shutil

    import yaml

    from scenarios.run import run_scenario_file

    shutil.copytree(demo.root / "park", tmp_path / "park")
    scenario = yaml.safe_load((demo.root / "leak.yaml").read_text(encoding="utf-8"))
    scenario["dispersion_model"] = model
    scenario["grid"] = {"size": [12000, 12000], "spacing": 200}
    views = {}
    for hours in (0.5, 1.0):
        scenario["simulation_hours"] = hours
        (tmp_path / f"leak{hours}.yaml").write_text(yaml.safe_dump(scenario, allow_unicode=True), encoding="utf-8")
        run_scenario_file(tmp_path / f"leak{hours}.yaml", tmp_path / f"out{hours}")
        views[hours] = json.loads((tmp_path / f"out{hours}" / "impacts.json").read_text(encoding="utf-8"))
    short, hour = views[0.5], views[1.0]
    assert short["evacuation_distance_m"] > 1000
    assert short["evacuation_distance_m"] == hour["evacuation_distance_m"]
    assert [z["farthest_m"] for z in short["zones"]] == [z["farthest_m"] for z in hour["zones"]]
    assert all(z["area_km2"] > 0 for z in short["zones"])
    assert "followed for 60 min" in short["validity"] and "跟踪 60 分钟" in short["validity_zh"]
    assert "followed for" not in hour["validity"]
