"""The demo's chlorine leak end to end: zones, impacts, response level and the emergency-plan draft."""

from __future__ import annotations

import json
import math
import shutil

import numpy as np
import pytest
import shapely
import xarray as xr
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import shape

from scenarios.leak.assessment import RESPONSE_RULES, protective_action, response_level
from scenarios.leak.run import run_leak_scenario
from scenarios.spec import load_scenario
from twin.errors import InputError
from viz.plan import render_plan
from viz.views import LeakPlanView


@pytest.fixture(scope="module")
def leak(demo):
    return demo.root / "leak"


def test_the_leak_writes_every_output(leak):
    names = sorted(p.name for p in leak.iterdir())
    assert names == ["impacts.json", "leak.nc", "map.png", "plan.html", "run.json", "scene.glb", "scene.png",
                     "zones.geojson"]


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


def test_the_english_template_renders_the_same_view(leak, tmp_path):
    view = json.loads((leak / "impacts.json").read_text(encoding="utf-8")) | {"language": "en"}
    html = render_plan(view, tmp_path / "plan_en.html", map_png=leak / "map.png").read_text(encoding="utf-8")
    assert "Emergency plan draft" in html and "Response level" in html and "突发" not in html
    assert html.count("data:image/png;base64,") == 1


def visible_text(html: str) -> str:
    """What a reader of the page sees: without <style> and <script> (the embedded font and CSS), data: URIs (the
    embedded maps), comments and tags; entities decoded."""
    import html as html_module
    import re

    html = re.sub(r"<(style|script)\b.*?</\1\s*>", " ", html, flags=re.S | re.I)
    html = re.sub(r"<!--.*?-->", " ", html, flags=re.S)
    html = re.sub(r"data:[^\"'\s)]+", " ", html)
    return html_module.unescape(re.sub(r"<[^>]+>", " ", html))


# English a Chinese plan may show, each for a reason: proper names (the product; the AEGL and ERPG threshold families;
# the SLAB and AFTOX models HJ 169-2018 names; Holland's typhoon wind model) and the scenario-file key the grid-edge
# warning tells the user to change. Runs of 1-3 letters pass anyway: HJ, CAS, ISC3, C_d, F_v, Re, Ri, kg, mm, m/s,
# min, mg/m³, km², bar, ln, P(...). Names and ids from the scenario and park files (the scenario name, the source
# model id shown next to its Chinese name, risk-source, enterprise and receptor names) and the probit source's
# bibliographic title, kept in its original language, are added per plan by _allowed_english.
ALLOWED_ENGLISH_ZH = ("ParkTwin", "AEGL", "ERPG", "SLAB", "AFTOX", "Holland", "grid.size",
                      # ALOHA (whose 10 km limit the validity note cites), the authors of the dense-gas and rise models
                      "ALOHA", "Ermak", "Briggs",
                      # the 3D model's file name and format, and the programs that open it (proper names)
                      "scene.glb", "glTF", "Windows", "Blender")
PROBIT_TITLE = "TNO Purple Book, CPR 18E (Guidelines for quantitative risk assessment, 2005)"


def _allowed_english(view: dict) -> list[str]:
    names = [view["scenario"], view["park"], view["risk_source"], view["enterprise"], view.get("source_model", ""),
             PROBIT_TITLE, *(r["name"] for r in view["receptors"])]
    return sorted(filter(None, names), key=len, reverse=True) + list(ALLOWED_ENGLISH_ZH)


def english_words(html: str, allowed) -> list[str]:
    """Runs of four or more ASCII letters in the visible text, after removing the ``allowed`` strings."""
    import re

    text = visible_text(html)
    for words in allowed:
        text = text.replace(words, " ")
    return sorted(set(re.findall(r"[A-Za-z]{4,}", text)))


@pytest.mark.parametrize("plan, view", [("leak/plan.html", "leak/impacts.json"),
                                        ("typhoon/leak/plan.html", "typhoon/leak/impacts.json"),
                                        ("leak_ensemble/plan_ensemble.html", "leak_ensemble/ensemble.json")])
def test_the_chinese_plans_show_no_english_sentences(demo, plan, view):
    """A Chinese commander reads every line of the demo's Chinese plans (the leak, the typhoon's triggered leak and
    the leak ensemble): source term, weather, thresholds, receptor kinds, dense-gas verdict and probit wording are
    Chinese; only the allow-listed names remain."""
    view = json.loads((demo.root / view).read_text(encoding="utf-8"))
    assert view["language"] == "zh"
    html = (demo.root / plan).read_text(encoding="utf-8")
    assert english_words(html, _allowed_english(view)) == []
    # the check itself sees English: the view's English sentences rendered into the same page would fail it
    assert english_words(html + f"<p>{view['weather']}</p>", _allowed_english(view))


def test_the_chinese_typhoon_report_shows_no_english_sentences(demo):
    """The demo's typhoon plan section (language zh) in Chinese: boundary conditions, the assets table (kinds,
    substances, FD2320 hazard classes), actions, limits and footer. Allowed beyond ALLOWED_ENGLISH_ZH: the scenario
    name, the rain model's proper name (R-CLIPER) and the triggered leak's plan path the report points to."""
    import yaml

    scenario = yaml.safe_load((demo.root / "typhoon.yaml").read_text(encoding="utf-8"))
    assert scenario.get("language", "zh") == "zh"
    html = (demo.root / "typhoon" / "report.html").read_text(encoding="utf-8")
    allowed = [scenario["name"], "R-CLIPER", "leak/plan.html", *ALLOWED_ENGLISH_ZH]
    assert english_words(html, allowed) == []
    assert "对所有人员危险" in html or "对多数人员危险" in html or "对部分人员危险" in html or "低" in html
    assert english_words(html + "<p>move its contents out</p>", allowed)  # the check sees English


def test_the_plans_say_what_left_the_container_in_its_own_words(demo):
    """A tank's plan speaks of what left the tank and what is left in it; the typhoon's flooded warehouse (a direct
    release) only of what was released in the warehouse; the 3D model is pointed to next to the 3D picture."""
    tank = (demo.root / "leak" / "plan.html").read_text(encoding="utf-8")
    assert "泄漏出罐" in tank and "罐内剩余" in tank and "scene.glb" in tank
    assert (demo.root / "leak" / "scene.glb").stat().st_size > 0
    warehouse = (demo.root / "typhoon" / "leak" / "plan.html").read_text(encoding="utf-8")
    assert json.loads((demo.root / "typhoon" / "leak" / "impacts.json").read_text(encoding="utf-8"))[
        "container_kind"] == "warehouse"
    assert "仓库内泄漏" in warehouse and "罐内剩余" not in warehouse and "泄漏出罐" not in warehouse


def test_the_chinese_plan_states_the_english_plan_s_numbers(leak):
    """Each translated sentence of impacts.json carries every number of its English counterpart."""
    view = json.loads((leak / "impacts.json").read_text(encoding="utf-8"))
    for english, chinese in [("source_term", "source_term_zh"), ("source_rule", "source_rule_zh"),
                             ("weather", "weather_zh"), ("dense_gas_message", "dense_gas_message_zh"),
                             ("probit_equation", "probit_equation_zh")]:
        assert _numbers(view[english]) <= _numbers(view[chinese]), (view[english], view[chinese])
    assert [z["name_zh"] for z in view["zones"][:2]] == ["毒性终点浓度-1", "毒性终点浓度-2"]
    assert {r["kind"]: r["kind_zh"] for r in view["receptors"]} == {
        "residential": "居民区", "fence": "厂界", "school": "学校", "water_source": "饮用水水源保护区",
        "hospital": "医院"}
    assert view["receptors"][0]["level_zh"] == "毒性终点浓度-1"  # the reached village, graded in Chinese
    html = (leak / "plan.html").read_text(encoding="utf-8")
    for text in (view["source_term_zh"], view["weather_zh"], view["dense_gas_message_zh"], "理查德森数", "闪蒸",
                 "热量蒸发", "最不利气象条件", PROBIT_TITLE):
        assert text in visible_text(html), text


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


def test_a_park_without_receptors_is_told_to_give_a_direction_then_runs(demo, tmp_path):
    """'receptors: []' validated, then crashed (argmin of nothing, exit 70): the preset aims the wind at the nearest
    residential area, school or hospital. Without one, the direction must be given (65); with it, the run completes
    and reaches nobody (issue 13, 'Bad input, everywhere')."""
    shutil.copytree(demo.root / "park", tmp_path / "park")
    park = yaml.safe_load((tmp_path / "park" / "park.yaml").read_text(encoding="utf-8"))
    park["receptors"] = []
    (tmp_path / "park" / "park.yaml").write_text(yaml.safe_dump(park, allow_unicode=True), encoding="utf-8")
    scenario = yaml.safe_load((demo.root / "leak.yaml").read_text(encoding="utf-8"))
    scenario.update(grid={"size": [6000, 6000], "spacing": 100}, simulation_hours=1)
    (tmp_path / "leak.yaml").write_text(yaml.safe_dump(scenario, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InputError, match=r"wind_from_direction must be a direction .*park\.yaml has none") as caught:
        run_leak_scenario(load_scenario(tmp_path / "leak.yaml"), base_dir=tmp_path, out_dir=tmp_path / "out")
    assert caught.value.exit_code == 65
    scenario["meteorology"]["wind_from_direction"] = 90.0
    (tmp_path / "leak.yaml").write_text(yaml.safe_dump(scenario, allow_unicode=True), encoding="utf-8")
    view = run_leak_scenario(load_scenario(tmp_path / "leak.yaml"), base_dir=tmp_path, out_dir=tmp_path / "out")
    assert view.to_dict()["receptors"] == [] or all(not r["arrival"] for r in view.to_dict()["receptors"])


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


@pytest.mark.parametrize("weather_start, hours, problem", [
    ("2026-07-15T05:00:00+08:00", 6, "does not cover the release's start"),   # starts 3 h after the release
    ("2026-07-15T02:00:00+08:00", 1, "does not cover the 3 h"),               # ends 1 h after it
])
def test_leak_weather_that_does_not_cover_the_release_is_refused(demo, tmp_path, weather_start, hours, problem):
    """Issue 13 B: a release at 02:00 with weather from 05:00 used to run on the 05:00 weather as if it were 02:00's
    (exit 0, 1,496 m instead of 1,929 m). Weather must cover the release's start and the followed time: exit 65 for
    weather that is not a forecast (waiting will not make it cover more)."""
    import shutil

    import yaml

    from scenarios.run import run_scenario_file
    from twin.errors import MeteoCoverageError

    shutil.copytree(demo.root / "park", tmp_path / "park")
    scenario = yaml.safe_load((demo.root / "leak.yaml").read_text(encoding="utf-8"))
    scenario["start"] = "2026-07-15T02:00:00+08:00"
    scenario["meteorology"] = {"weather": {"source": "synthetic", "start": weather_start, "hours": hours}}
    scenario["grid"] = {"size": [6000, 6000], "spacing": 200}
    scenario["simulation_hours"] = 3
    (tmp_path / "leak.yaml").write_text(yaml.safe_dump(scenario, allow_unicode=True), encoding="utf-8")
    with pytest.raises(MeteoCoverageError, match=problem) as error:
        run_scenario_file(tmp_path / "leak.yaml", tmp_path / "out")
    assert "leak.yaml" in str(error.value) and "meteorology.weather" in str(error.value)
    assert error.value.exit_code == 65


def test_a_release_within_an_hour_uses_that_hour_s_weather_from_its_start():
    """Weather from 02:00 and a release at 02:30: the 02:00 hour holds from the release's start (t = 0) for 30 min,
    the 03:00 hour from t = 1,800 s."""
    from datetime import datetime, timedelta, timezone

    from scenarios.leak.weather import release_met

    times = np.datetime64("2026-07-14T18:00") + np.arange(5) * np.timedelta64(1, "h")  # 02:00 +08:00, in UTC
    prepared = xr.Dataset({"model_wind_speed": ("time", np.arange(1.0, 6.0)),
                           "wind_from_direction": ("time", np.full(5, 90.0)),
                           "stability_class": ("time", np.full(5, 3)),
                           "atmosphere_boundary_layer_thickness": ("time", np.full(5, 800.0))},
                          coords={"time": times.astype("datetime64[ns]")})

    class _Scenario:
        start = datetime(2026, 7, 15, 2, 30, tzinfo=timezone(timedelta(hours=8)))
        simulation_hours = 2.0

    met = release_met(prepared, _Scenario(), "test")
    assert met.times.tolist() == [0.0, 1800.0, 5400.0, 9000.0, 12600.0]
    assert met.wind_speed.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]
    _Scenario.start = datetime(2026, 7, 15, 4, 30, tzinfo=timezone(timedelta(hours=8)))
    assert release_met(prepared, _Scenario(), "test").wind_speed.tolist() == [3.0, 4.0, 5.0]
    _Scenario.start = datetime(2026, 7, 15, 5, 30, tzinfo=timezone(timedelta(hours=8)))
    with pytest.raises(Exception, match="does not cover the 2 h"):
        release_met(prepared, _Scenario(), "test")


def test_the_most_common_conditions_preset_runs_the_year_s_most_frequent_class(demo, tmp_path):
    """preset hj169_most_common: the class, wind and temperature of the run are those meteo.most_common_conditions
    finds in the same synthetic year, and wind_from_direction most_frequent sends the cloud the way that year's
    class mostly blows (centre of the 60-min field within 30° of downwind of the sector centre)."""
    import shutil

    import yaml

    from meteo import CLASS_LABELS, most_common_conditions
    from scenarios.common.spec import WeatherSpec
    from scenarios.common.weather import load_weather
    from scenarios.run import run_scenario_file
    from twin.io import load_park

    shutil.copytree(demo.root / "park", tmp_path / "park")
    scenario = yaml.safe_load((demo.root / "leak.yaml").read_text(encoding="utf-8"))
    climatology = {"source": "synthetic", "start": "2025-01-01T00:00:00+08:00", "hours": 8760}
    scenario["meteorology"] = {"preset": "hj169_most_common", "climatology": climatology,
                               "wind_from_direction": "most_frequent"}
    scenario["grid"] = {"size": [6000, 6000], "spacing": 100}
    scenario["simulation_hours"] = 1
    (tmp_path / "leak.yaml").write_text(yaml.safe_dump(scenario, allow_unicode=True), encoding="utf-8")
    run_scenario_file(tmp_path / "leak.yaml", tmp_path / "out")
    view = json.loads((tmp_path / "out" / "impacts.json").read_text(encoding="utf-8"))

    park = load_park(tmp_path / "park" / "park.yaml")

    common = most_common_conditions(load_weather(WeatherSpec(**climatology), tmp_path, park, "test"),
                                    utc_offset_hours=park.spec.utc_offset_hours)
    assert "most common conditions" in view["weather"]
    assert f"stability {CLASS_LABELS[common.stability]}" in view["weather"]
    assert f"mean non-calm wind {common.wind_speed:.2f} m/s" in view["weather"]
    assert f"wind from {common.wind_from_direction:.0f}°" in view["weather"]
    with xr.open_dataset(tmp_path / "out" / "leak.nc", engine="netcdf4") as ds:
        field = ds["max_mean_60min"].values.astype(float)
        x, y = np.meshgrid(ds["x"].values, ds["y"].values)
    source = next(r for r in yaml.safe_load((tmp_path / "park" / "park.yaml").read_text(encoding="utf-8"))[
        "risk_sources"] if r["id"] == scenario["risk_source"])
    cx, cy = (field * x).sum() / field.sum() - source["x"], (field * y).sum() / field.sum() - source["y"]
    towards = np.degrees(np.arctan2(cx, cy)) % 360.0
    assert abs((towards - (common.wind_from_direction + 180.0) + 180.0) % 360.0 - 180.0) < 30.0


def test_the_most_common_preset_needs_a_year_of_climatology():
    from scenarios.leak.spec import LeakMeteorologySpec

    with pytest.raises(ValueError, match="climatology .* is required with preset 'hj169_most_common'"):
        LeakMeteorologySpec(preset="hj169_most_common")
    with pytest.raises(ValueError, match="climatology.hours must be >= 8760.*got 24"):
        LeakMeteorologySpec(preset="hj169_most_common", climatology={"source": "synthetic", "hours": 24,
                                                                     "start": "2025-01-01T00:00:00+08:00"})
    with pytest.raises(ValueError, match="'most_frequent' needs preset 'hj169_most_common'"):
        LeakMeteorologySpec(preset="hj169_worst", wind_from_direction="most_frequent")
    with pytest.raises(ValueError, match=r"wind_from_direction must be in \[0, 360\)"):
        LeakMeteorologySpec(preset="hj169_worst", wind_from_direction=400.0)


def test_the_report_states_the_source_model_the_split_and_the_mass_balance(leak):
    view = json.loads((leak / "impacts.json").read_text(encoding="utf-8"))
    assert view["source_model"] == "tank_liquid_hole" and "pool" in view["source_rule"]
    split = view["airborne_split_kg"]
    assert set(split) == {"flash", "pool_evaporation"} and split["flash"] > 0 and split["pool_evaporation"] > 0
    # airborne + pool left + tank left = the 60 t inventory of T-CL01 (each figure rounded to 0.1 kg)
    total = split["flash"] + split["pool_evaporation"] + view["remaining_pool_kg"] + view["remaining_tank_kg"]
    assert total == pytest.approx(60000.0, abs=0.5)
    assert view["released_kg"] == pytest.approx(split["flash"] + split["pool_evaporation"], abs=0.2)
    assert view["released_kg"] < view["outflow_kg"]  # the pool left at the duration limit never became airborne
    with xr.open_dataset(leak / "leak.nc", engine="netcdf4") as ds:
        rate = ds["airborne_release_rate"]
        assert rate.attrs["source_term_model"] == "tank_liquid_hole"
        # the peak airborne rate reported (and given to the dense-gas check) is the airborne series' peak
        assert view["peak_rate_kg_s"] == pytest.approx(float(rate.max()), abs=1e-3)
        probability = ds["probability_of_death"].values
        assert ds["receptor_id"].size == probability.size and np.all((probability >= 0) & (probability <= 1))


def test_receptors_carry_probit_and_probability_of_death(leak):
    view = json.loads((leak / "impacts.json").read_text(encoding="utf-8"))
    assert "Purple Book" in view["probit_source"] and view["probit_equation"].startswith("Y = -6.35 + 0.5 ln")
    for row in view["receptors"]:
        assert 0.0 <= row["probability_of_death"] <= 1.0
        assert row["probit"] is None or isinstance(row["probit"], float)
    html = (leak / "plan.html").read_text(encoding="utf-8")
    for text in ("源项模型", "闪蒸", "液池蒸发", "死亡概率", "概率单位", "Purple Book"):
        assert text in html, text


def test_the_english_plan_shows_probit_columns_and_not_available(leak, tmp_path):
    view = json.loads((leak / "impacts.json").read_text(encoding="utf-8")) | {"language": "en"}
    view["receptors"] = [r | {"probit": "not available", "probability_of_death": "not available"}
                         for r in view["receptors"]]
    view |= {"probit_source": "not available", "probit_equation": "not available"}
    html = render_plan(view, tmp_path / "plan_en.html", map_png=leak / "map.png").read_text(encoding="utf-8")
    assert "Probability of death" in html and "Source model" in html and "pool evaporation" in html
    assert html.count("not available") >= len(view["receptors"])


def _source_scenario(**source_term):
    from types import SimpleNamespace

    from scenarios.leak.spec import SourceTermSpec

    return SimpleNamespace(source_term=SourceTermSpec(**source_term), duration_limit=1800.0, sampling_step=60.0)


def _tank(**values):
    from types import SimpleNamespace

    return SimpleNamespace(**({"id": "T-1", "kind": "tank", "diameter": 4.0, "bund_area": None} | values))


WORST = {"ambient_pressure": 101325.0, "air_temperature": 298.15, "wind_speed": 1.5, "stability": 5}


def test_liquid_chlorine_flash_and_boiling_pool_conserve_mass():
    from scenarios.leak.source import airborne_source_term
    from twin.chemicals import load_chemicals

    term = airborne_source_term(_source_scenario(model="tank_liquid_hole", hole_diameter=0.025),
                                _tank(inventory=60000.0, pressure=7.8e5, temperature=298.15),
                                load_chemicals()["chlorine"], **WORST)
    assert term.split["flash"] == pytest.approx(0.190028 * term.outflow, rel=1e-5)  # F_v by hand, test_spill.py
    assert sum(term.split.values()) + term.remaining_pool + term.remaining_tank == pytest.approx(60000.0, rel=1e-12)
    assert float((term.rates * np.diff(term.rate_times)).sum()) == pytest.approx(term.released, rel=1e-12)
    assert "heat transfer" in term.description
    assert term.source_diameter > 1.0  # the dense-gas check sees the pool (tens of metres), not the 25 mm hole


def test_a_bunded_benzene_pool_evaporates_by_mass_transfer_only():
    from scenarios.leak.source import airborne_source_term
    from twin.chemicals import load_chemicals

    term = airborne_source_term(_source_scenario(model="tank_liquid_hole", hole_diameter=0.05),
                                _tank(inventory=800000.0, pressure=101325.0, temperature=298.15, diameter=12.0,
                                      bund_area=900.0), load_chemicals()["benzene"], **WORST)
    assert term.split["flash"] == 0.0 and term.split["pool_evaporation"] > 0.0  # 25 °C is below 80 °C: no flash
    assert "mass transfer" in term.description and "bund (900 m²)" in term.description
    assert sum(term.split.values()) + term.remaining_pool + term.remaining_tank == pytest.approx(800000.0, rel=1e-12)


def test_a_liquid_spill_into_a_bund_matches_the_same_pool_fed_by_a_hole():
    # liquid_spill: a given outflow (rate x duration, at most the inventory) feeds the same flash + pool model.
    # With the outflow equal to what the hole released, step by step, the pool and its evaporation are the same.
    from scenarios.leak.source import airborne_source_term
    from twin.chemicals import load_chemicals

    benzene = load_chemicals()["benzene"]
    tank = _tank(inventory=800000.0, pressure=101325.0, temperature=298.15, diameter=12.0, bund_area=900.0)
    spill = airborne_source_term(_source_scenario(model="liquid_spill", rate=800000.0 / 600.0, duration=600.0),
                                 tank, benzene, **WORST)
    assert spill.model == "liquid_spill" and "spilled at 1333.33 kg/s for 600 s" in spill.description
    assert spill.outflow == pytest.approx(800000.0, rel=1e-12)  # the whole inventory in 10 min (HJ 169 Table E.1)
    assert spill.split["flash"] == 0.0 and spill.split["pool_evaporation"] > 0.0
    assert sum(spill.split.values()) + spill.remaining_pool + spill.remaining_tank == pytest.approx(800000.0,
                                                                                                rel=1e-12)
    # Mass transfer (Eq. F.12) from the full 900 m² bund: the rate stops growing once the bund is covered.
    assert spill.rates[-1] == pytest.approx(spill.rates.max(), rel=1e-9)
    capped = airborne_source_term(_source_scenario(model="liquid_spill", rate=1000.0, duration=1e5), tank, benzene,
                                  **WORST)  # asks for more than the tank holds
    assert capped.outflow == pytest.approx(800000.0, rel=1e-12) and capped.outflow <= tank.inventory
    with pytest.raises(InputError, match="air_temperature/wind_speed/stability"):
        airborne_source_term(_source_scenario(model="liquid_spill", rate=1.0, duration=60.0), tank, benzene,
                             ambient_pressure=101325.0)


def test_two_phase_chlorine_follows_hj169_f6_and_is_all_airborne():
    import math

    from scenarios.leak.source import TWO_PHASE_RULE, airborne_source_term
    from twin.chemicals import boiling_temperature, load_chemicals

    chlorine = load_chemicals()["chlorine"]
    term = airborne_source_term(_source_scenario(model="tank_two_phase_hole", hole_diameter=0.025),
                                _tank(inventory=60000.0, pressure=7.8e5, temperature=298.15), chlorine, **WORST)
    # [HAND] HJ 169-2018 Eqs. F.6-F.8: P_c = 0.55 P, T_c = T_sat(P_c), F_v = C_p (T − T_c)/H, ρ₁ ideal gas at
    # (P_c, T_c), ρ_m = 1/(F_v/ρ₁ + (1 − F_v)/ρ₂), Q = 0.8 A √(2 ρ_m (P − P_c)).
    p, pc = 7.8e5, 0.55 * 7.8e5
    tc = boiling_temperature(chlorine, pc)
    fv = 927.1 * (298.15 - tc) / 287846.0
    rho1 = pc * 0.070906 / (8.314462618 * tc)
    rho_m = 1.0 / (fv / rho1 + (1.0 - fv) / 1393.9)
    rate = 0.8 * math.pi * 0.025**2 / 4.0 * math.sqrt(2.0 * rho_m * (p - pc))
    np.testing.assert_allclose(term.rates, rate, rtol=1e-12)
    assert term.split["two_phase_vapour"] == pytest.approx(fv * term.released, rel=1e-9)
    assert term.released == pytest.approx(rate * 1800.0, rel=1e-12) and term.released == term.outflow
    assert term.released + term.remaining_tank == pytest.approx(60000.0) and term.rule == TWO_PHASE_RULE


def test_a_missing_property_names_the_field_and_the_substance():
    from scenarios.leak.source import airborne_source_term
    from twin.chemicals import load_chemicals
    from twin.errors import InputError

    hcl = load_chemicals()["hydrogen_chloride"]  # no liquid properties in the table
    tank = _tank(inventory=1000.0, pressure=4.7e6, temperature=298.15)
    with pytest.raises(InputError, match=r"source_term: liquid_density must be given in the scenario \[kg/m3\].*"
                                         r"'hydrogen_chloride'"):
        airborne_source_term(_source_scenario(model="tank_two_phase_hole", hole_diameter=0.02), tank, hcl, **WORST)
    with pytest.raises(InputError, match="liquid_heat_capacity"):
        airborne_source_term(_source_scenario(model="tank_two_phase_hole", hole_diameter=0.02, liquid_density=1190.0),
                             tank, hcl, **WORST)
    with pytest.raises(InputError, match="temperature must be above the boiling temperature at P_c"):
        airborne_source_term(_source_scenario(model="tank_two_phase_hole", hole_diameter=0.02),
                             _tank(inventory=1000.0, pressure=7.8e5, temperature=250.0),
                             load_chemicals()["chlorine"], **WORST)


def test_a_two_phase_leak_runs_end_to_end(demo, tmp_path):
    import shutil

    import yaml

    from scenarios.run import run_scenario_file

    shutil.copytree(demo.root / "park", tmp_path / "park")
    scenario = yaml.safe_load((demo.root / "leak.yaml").read_text(encoding="utf-8"))
    scenario["source_term"] = {"model": "tank_two_phase_hole", "hole_diameter": 0.025, "release_height": 1.0}
    scenario["grid"] = {"size": [6000, 6000], "spacing": 100}
    scenario["simulation_hours"] = 1
    (tmp_path / "leak.yaml").write_text(yaml.safe_dump(scenario, allow_unicode=True), encoding="utf-8")
    result = run_scenario_file(tmp_path / "leak.yaml", tmp_path / "out")
    view = json.loads((tmp_path / "out" / "impacts.json").read_text(encoding="utf-8"))
    assert view["source_model"] == "tank_two_phase_hole" and "aerosol" in view["source_rule"]
    assert set(view["airborne_split_kg"]) == {"two_phase_vapour", "two_phase_aerosol"}
    assert view["released_kg"] == pytest.approx(view["outflow_kg"]) and view["remaining_pool_kg"] == 0.0
    assert "two_phase_aerosol" in result.summary_text
    html = (tmp_path / "out" / "plan.html").read_text(encoding="utf-8")
    assert "两相流（液滴）" in html and "两相流规则" in html and "all of it is counted airborne" not in html


def _pipe(**values):
    from types import SimpleNamespace

    # P-CL01 of the demo park: a liquid-chlorine line, DN100 (0.1 m inner), 7.8 bar (a), 25 °C, 400 kg isolable
    return SimpleNamespace(**({"id": "P-CL01", "kind": "pipe", "diameter": 0.1, "bund_area": None,
                               "inventory": 400.0, "pressure": 7.8e5, "temperature": 298.15} | values))


def test_a_raised_hole_in_a_tank_releases_only_the_liquid_above_it():
    # Chlorine tank of 4 m diameter, 60 t: level = 60000 / (1393.9 π 2²) = 3.425 m. A 25 mm hole 1 m up: the
    # 1393.9 × π × 2² × 1 = 17,516 kg below it stay in the tank; the mass balance still closes exactly.
    from scenarios.leak.source import airborne_source_term
    from twin.chemicals import load_chemicals

    chlorine = load_chemicals()["chlorine"]
    below = 1393.9 * math.pi * 4.0 * 1.0
    scenario = _source_scenario(model="tank_liquid_hole", hole_diameter=0.1, hole_height=1.0)
    scenario.duration_limit = 7200.0  # long enough to drain to the hole
    term = airborne_source_term(scenario, _tank(inventory=60000.0, pressure=7.8e5, temperature=298.15), chlorine,
                                **WORST)
    assert term.remaining_tank == pytest.approx(below, rel=1e-9) and term.outflow == pytest.approx(60000.0 - below)
    assert sum(term.split.values()) + term.remaining_pool + term.remaining_tank == pytest.approx(60000.0, rel=1e-12)
    assert "1 m above the bottom" in term.description
    two_phase = airborne_source_term(_source_scenario(model="tank_two_phase_hole", hole_diameter=0.1,
                                                      hole_height=3.0), _tank(inventory=60000.0, pressure=7.8e5,
                                                                              temperature=298.15), chlorine, **WORST)
    assert two_phase.remaining_tank == pytest.approx(3.0 * below, rel=1e-9)  # 3 m of liquid below the hole
    assert two_phase.released + two_phase.remaining_tank == pytest.approx(60000.0, rel=1e-12)
    for model in ("tank_liquid_hole", "tank_two_phase_hole"):
        with pytest.raises(InputError, match=r"source_term: hole_height must be >= 0 m and below the initial liquid "
                                             r"level 3.43 m of tank 'T-1'.*tank_gas_hole, got 3.5"):
            airborne_source_term(_source_scenario(model=model, hole_diameter=0.025, hole_height=3.5),
                                 _tank(inventory=60000.0, pressure=7.8e5, temperature=298.15), chlorine, **WORST)


@settings(max_examples=12, deadline=None)
@given(height_fraction=st.floats(0.0, 0.95), hole=st.floats(0.005, 0.15), limit=st.sampled_from([600.0, 3600.0]))
def test_a_raised_hole_conserves_the_tank_mass(height_fraction, hole, limit):
    # airborne (flash + pool evaporation) + pool left + tank left = inventory, for any hole height below the level;
    # the liquid below the hole (ρ π D²/4 × hole_height) never leaves the tank
    from scenarios.leak.source import airborne_source_term
    from twin.chemicals import load_chemicals

    level = 60000.0 / (1393.9 * math.pi * 4.0)
    scenario = _source_scenario(model="tank_liquid_hole", hole_diameter=hole, hole_height=height_fraction * level)
    scenario.duration_limit = limit
    term = airborne_source_term(scenario, _tank(inventory=60000.0, pressure=7.8e5, temperature=298.15),
                                load_chemicals()["chlorine"], **WORST)
    assert sum(term.split.values()) + term.remaining_pool + term.remaining_tank == pytest.approx(60000.0, rel=1e-12)
    below = 1393.9 * math.pi * 4.0 * height_fraction * level
    assert term.remaining_tank >= below - 1e-12 * 60000.0  # rounding of the level arithmetic only
    assert term.outflow + term.remaining_tank == pytest.approx(60000.0, rel=1e-12)


def test_liquid_pipe_rate_is_hj169_f1_at_the_operating_pressure_until_isolation():
    # [HAND] HJ 169-2018 Eq. F.1 without a liquid head, full bore of DN100: Q = 0.65 × π 0.1²/4 × √(2 ρ ΔP)
    # = 0.65 × 7.853982e-3 × √(2 × 1393.9 × 678675) = 222.1 kg/s; released = Q × min(t_iso, M/Q)
    from scenarios.leak.source import airborne_source_term
    from twin.chemicals import load_chemicals

    chlorine = load_chemicals()["chlorine"]
    rate = 0.65 * math.pi * 0.1**2 / 4.0 * math.sqrt(2.0 * 1393.9 * (7.8e5 - 101325.0))
    assert rate == pytest.approx(222.1, abs=0.05)
    big = _pipe(inventory=1e6)  # isolation comes first: 222 kg/s × 1800 s = 400 t < 1,000 t
    term = airborne_source_term(_source_scenario(model="pipe_liquid", failure="full_bore_rupture"), big, chlorine,
                                **WORST)
    assert term.model == "pipe_liquid" and term.outflow == pytest.approx(rate * 1800.0, rel=1e-12)
    assert term.remaining_tank == pytest.approx(1e6 - rate * 1800.0, rel=1e-9)
    assert sum(term.split.values()) + term.remaining_pool + term.remaining_tank == pytest.approx(1e6, rel=1e-12)
    for words in ("full-bore rupture", "constant operating pressure", "until isolation", "C_d 0.65 from Table F.1",
                  "isolated at duration_limit 1800 s"):
        assert words in term.description, words
    capped = airborne_source_term(_source_scenario(model="pipe_liquid", failure="full_bore_rupture"), _pipe(),
                                  chlorine, **WORST)  # 400 kg gone in 1.8 s: the inventory caps the release
    assert capped.outflow == 400.0 and "is released before isolation" in capped.description
    # a 10 mm hole: C_d and the Eq. F.1 rate scale with the hole area, (10/100)² of the full bore
    hole = airborne_source_term(_source_scenario(model="pipe_liquid", hole_diameter=0.01), big, chlorine, **WORST)
    assert hole.outflow == pytest.approx(rate * 0.01 * 1800.0, rel=1e-12) and "10 mm circular hole" in hole.description


def test_gas_and_two_phase_pipes_release_a_constant_rate_all_airborne():
    from scenarios.leak.source import airborne_source_term
    from twin.chemicals import load_chemicals

    chlorine = load_chemicals()["chlorine"]
    area = math.pi * 0.1**2 / 4.0
    # [HAND] HJ 169-2018 Eqs. F.2-F.5, choked (P0/P = 0.13 < 0.54), C_d 1.00, κ 1.325, M 0.070906 kg/mol, 298.15 K:
    # Q = C_d A P √(M κ/(R T) (2/(κ+1))^((κ+1)/(κ-1)))
    kappa = 1.325
    gas_rate = area * 7.8e5 * math.sqrt(0.070906 * kappa / (8.314462618 * 298.15)
                                        * (2.0 / (kappa + 1.0)) ** ((kappa + 1.0) / (kappa - 1.0)))
    gas = airborne_source_term(_source_scenario(model="pipe_gas", failure="full_bore_rupture"), _pipe(inventory=1e6),
                               chlorine, **WORST)
    np.testing.assert_allclose(gas.rates, gas_rate, rtol=1e-9)
    assert gas.released == pytest.approx(gas_rate * 1800.0, rel=1e-12) and gas.split == {"gas": gas.released}
    capped = airborne_source_term(_source_scenario(model="pipe_gas", failure="full_bore_rupture"), _pipe(), chlorine,
                                  **WORST)
    assert capped.released == 400.0 and capped.rate_times[-1] == pytest.approx(400.0 / gas_rate, rel=1e-12)
    # two-phase: the HJ 169 Eq. F.6 rate of the tank test, with the full-bore area, constant until the cap
    from dispersion.source_terms import two_phase_release_rate
    from twin.chemicals import boiling_temperature

    tc = boiling_temperature(chlorine, 0.55 * 7.8e5)
    rho1 = 0.55 * 7.8e5 * 0.070906 / (8.314462618 * tc)
    rate = two_phase_release_rate(area, 7.8e5, 298.15, tc, 927.1, 287846.0, rho1, 1393.9)
    term = airborne_source_term(_source_scenario(model="pipe_two_phase", failure="full_bore_rupture",
                                                 hole_diameter=0.1), _pipe(), chlorine, **WORST)
    np.testing.assert_allclose(term.rates, rate, rtol=1e-9)
    assert term.released == 400.0 == term.outflow and term.remaining_tank == 0.0  # 400 kg / 70 kg/s < 1800 s
    assert "full-bore rupture" in term.description and "all airborne" in term.description


def test_tank_and_pipe_models_refuse_the_other_kind_and_bad_holes():
    from pydantic import ValidationError

    from scenarios.leak.source import airborne_source_term
    from scenarios.leak.spec import SourceTermSpec
    from twin.chemicals import load_chemicals

    chlorine = load_chemicals()["chlorine"]
    tank = _tank(inventory=60000.0, pressure=7.8e5, temperature=298.15)
    with pytest.raises(InputError, match=r"risk source 'P-CL01': kind must be 'tank' for source_term.model "
                                         r"'tank_two_phase_hole' \(a pipe risk source takes pipe_liquid, pipe_gas, "
                                         r"pipe_two_phase, direct, liquid_spill\), got 'pipe'"):
        airborne_source_term(_source_scenario(model="tank_two_phase_hole", hole_diameter=0.025), _pipe(), chlorine,
                             **WORST)
    with pytest.raises(InputError, match=r"risk source 'T-1': kind must be 'pipe' for source_term.model 'pipe_gas' "
                                         r"\(a tank risk source takes tank_liquid_hole, tank_gas_hole"):
        airborne_source_term(_source_scenario(model="pipe_gas", hole_diameter=0.025), tank, chlorine, **WORST)
    with pytest.raises(InputError, match=r"source_term: hole_diameter must be omitted or equal to the inner diameter "
                                         r"of pipe 'P-CL01' \(0.1 m\) for failure 'full_bore_rupture'.*got 0.05"):
        airborne_source_term(_source_scenario(model="pipe_gas", failure="full_bore_rupture", hole_diameter=0.05),
                             _pipe(), chlorine, **WORST)
    with pytest.raises(InputError, match=r"hole_diameter must be <= the inner diameter of pipe 'P-CL01'"):
        airborne_source_term(_source_scenario(model="pipe_gas", hole_diameter=0.2), _pipe(), chlorine, **WORST)
    with pytest.raises(InputError, match=r"risk source 'P-CL01': diameter must be a pipe inner diameter"):
        airborne_source_term(_source_scenario(model="pipe_gas", failure="full_bore_rupture"), _pipe(diameter=None),
                             chlorine, **WORST)
    for bad, message in [({"model": "tank_gas_hole", "hole_diameter": 0.02, "failure": "full_bore_rupture"},
                          "failure 'full_bore_rupture' applies to the pipe models"),
                         ({"model": "pipe_gas"}, "source term 'pipe_gas' needs hole_diameter"),
                         ({"model": "pipe_gas", "failure": "full_bore_rupture", "hole_shape": "triangular"},
                          "hole_shape must be 'circular'"),
                         ({"model": "tank_gas_hole", "hole_diameter": 0.02, "hole_height": 2.0},
                          "hole_height applies to tank_liquid_hole and tank_two_phase_hole only")]:
        with pytest.raises(ValidationError, match=message):
            SourceTermSpec(**bad)


def test_a_full_bore_pipe_rupture_runs_end_to_end(demo, tmp_path):
    """The demo's chlorine line P-CL01 (DN100, 7.8 bar (a), 400 kg isolable) breaks across; 10-min isolation.
    impacts.json must report the pipe model and the released mass: min(Q × 600 s, 400 kg) = 400 kg."""
    import shutil

    import yaml

    from scenarios.run import run_scenario_file

    shutil.copytree(demo.root / "park", tmp_path / "park")
    park = yaml.safe_load((tmp_path / "park" / "park.yaml").read_text(encoding="utf-8"))
    line = next(r for r in park["risk_sources"] if r["id"] == "P-CL01")
    assert line["kind"] == "pipe" and line["substance"] == "chlorine" and line["inventory"] == 400.0
    scenario = yaml.safe_load((demo.root / "leak.yaml").read_text(encoding="utf-8"))
    scenario["risk_source"] = "P-CL01"
    scenario["source_term"] = {"model": "pipe_two_phase", "failure": "hole", "hole_diameter": 0.008,
                               "release_height": 1.0}
    scenario["duration_limit"] = 600.0
    scenario["grid"] = {"size": [4000, 4000], "spacing": 100}
    scenario["simulation_hours"] = 0.5
    (tmp_path / "leak.yaml").write_text(yaml.safe_dump(scenario, allow_unicode=True), encoding="utf-8")
    run_scenario_file(tmp_path / "leak.yaml", tmp_path / "out")
    view = json.loads((tmp_path / "out" / "impacts.json").read_text(encoding="utf-8"))
    assert view["source_model"] == "pipe_two_phase"
    # [HAND] Eq. F.6 rate of an 8 mm hole = (8/100)² × the full-bore rate (69.98 kg/s) = 0.448 kg/s; × 600 s =
    # 268.7 kg < 400 kg: isolation stops the release
    from dispersion.source_terms import two_phase_release_rate
    from twin.chemicals import boiling_temperature, load_chemicals

    chlorine = load_chemicals()["chlorine"]
    tc = boiling_temperature(chlorine, 0.55 * 7.8e5)
    rate = two_phase_release_rate(math.pi * 0.008**2 / 4.0, 7.8e5, 298.15, tc, 927.1, 287846.0,
                                  0.55 * 7.8e5 * 0.070906 / (8.314462618 * tc), 1393.9)
    assert view["released_kg"] == pytest.approx(rate * 600.0, abs=0.1) and view["released_kg"] < 400.0
    assert view["remaining_tank_kg"] == pytest.approx(400.0 - rate * 600.0, abs=0.1)
    assert "constant operating pressure" in view["source_term"] and "isolated at duration_limit 600 s" in view[
        "source_term"]
    html = (tmp_path / "out" / "plan.html").read_text(encoding="utf-8")  # a line, not a tank, in the plan's words
    assert view["container_kind"] == "pipe" and "管道隔离后未泄漏" in html and "罐内剩余" not in html


CHROMIUM_FLAGS = ["--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]  # a closed network: no background connections


def test_the_plan_renders_in_a_browser_with_maps_and_chinese_glyphs(leak, tmp_path):
    """Opened as a commander would open it: Debian's Chromium (``make test`` installs it), driven by Playwright.
    The embedded maps must decode, and every Chinese character of the title and of the first table must be drawn
    by the font embedded in the file (Chrome DevTools' CSS.getPlatformFontsForNode names the font that drew each
    glyph) — this machine has no Chinese system font, so without the embedded subset they would be boxes."""
    import shutil

    from playwright.sync_api import sync_playwright

    from viz.fonts import CJK_FAMILY

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "the browser test needs Debian's chromium package (make test installs it)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 1000})
            page.goto((leak / "plan.html").as_uri(), wait_until="load")
            images = page.eval_on_selector_all(
                "img", "els => els.map(e => [e.complete, e.naturalWidth, e.naturalHeight])")
            assert len(images) >= 2 and all(done and w > 200 and h > 200 for done, w, h in images), images
            cdp = page.context.new_cdp_session(page)
            cdp.send("DOM.enable")
            cdp.send("CSS.enable")
            root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
            checked = 0
            for selector in ("h1", "h2", "table th", "table td"):
                node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
                text = page.inner_text(selector)
                chinese = sum(1 for c in text if ord(c) > 0x2E7F)  # CJK punctuation and ideographs
                fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
                embedded = sum(f["glyphCount"] for f in fonts if f["isCustomFont"]
                               and f["familyName"].startswith(CJK_FAMILY))
                assert embedded >= chinese > 0 or chinese == 0, (selector, text, fonts)
                checked += chinese
            assert checked > 20
            page.screenshot(path=str(tmp_path / "plan.png"), full_page=True)
        finally:
            browser.close()
    assert (tmp_path / "plan.png").stat().st_size > 100_000  # a page of text and maps, not a blank


def _numbers(text: str) -> set[str]:
    """The numbers a sentence states, as written (same rounding): '3.43', '169', '0.190', '1.752e+04'."""
    import re

    text = text.replace("mg/m3", "mg/m³")  # the same unit: the Chinese plan writes the superscript
    return set(re.findall(r"\d+(?:\.\d+)?(?:e[+-]\d+)?", text))


_ZH_SOURCE_CASES = {  # one case per model and wording branch of scenarios.leak.source
    "direct": ({"model": "direct", "rate": 2.0, "duration": 600.0}, "tank", {}, "chlorine"),
    "tank_liquid_hole, boiling, unbunded": ({"model": "tank_liquid_hole", "hole_diameter": 0.025}, "tank", {},
                                            "chlorine"),
    "tank_liquid_hole, raised hole, bund": (
        {"model": "tank_liquid_hole", "hole_diameter": 0.05, "hole_height": 1.0}, "tank",
        {"inventory": 800000.0, "pressure": 101325.0, "diameter": 12.0, "bund_area": 900.0}, "benzene"),
    "liquid_spill": ({"model": "liquid_spill", "rate": 800000.0 / 600.0, "duration": 600.0}, "tank",
                     {"inventory": 800000.0, "pressure": 101325.0, "diameter": 12.0, "bund_area": 900.0}, "benzene"),
    "tank_gas_hole": ({"model": "tank_gas_hole", "hole_diameter": 0.02}, "tank", {"inventory": 1000.0}, "chlorine"),
    "tank_two_phase_hole, raised hole": ({"model": "tank_two_phase_hole", "hole_diameter": 0.025, "hole_height": 1.0},
                                         "tank", {}, "chlorine"),
    "pipe_liquid, full bore, inventory first": ({"model": "pipe_liquid", "failure": "full_bore_rupture"}, "pipe", {},
                                                "chlorine"),
    "pipe_liquid, hole, isolated": ({"model": "pipe_liquid", "hole_diameter": 0.01}, "pipe", {"inventory": 1e6},
                                    "chlorine"),
    "pipe_gas, triangular hole": ({"model": "pipe_gas", "hole_diameter": 0.02, "hole_shape": "triangular"}, "pipe",
                                  {"inventory": 1e6}, "chlorine"),
    "pipe_two_phase, full bore": ({"model": "pipe_two_phase", "failure": "full_bore_rupture"}, "pipe", {},
                                  "chlorine"),
}


@pytest.mark.parametrize("case", sorted(_ZH_SOURCE_CASES))
def test_the_chinese_source_term_states_the_same_numbers_as_the_english(case):
    """The Chinese plan's 源项 and rule: every number of the English sentence, written the same way, and no English
    word (the HJ 169-2018 symbols C_d, F_v, P_c, T_c, Q_LG, Re and the units are shorter than four letters)."""
    import re

    from scenarios.leak.source import airborne_source_term
    from twin.chemicals import load_chemicals

    source_term, kind, values, substance = _ZH_SOURCE_CASES[case]
    if kind == "tank":  # the demo's T-CL01 unless the case says otherwise
        risk_source = _tank(**({"inventory": 60000.0, "pressure": 7.8e5, "temperature": 298.15} | values))
    else:  # the demo's P-CL01
        risk_source = _pipe(**values)
    term = airborne_source_term(_source_scenario(**source_term), risk_source, load_chemicals()[substance], **WORST)
    assert term.description_zh and term.description_zh != term.description
    assert _numbers(term.description) <= _numbers(term.description_zh), (term.description, term.description_zh)
    assert not re.findall(r"[A-Za-z]{4,}", term.description_zh), term.description_zh  # "bar", "kg", "mm": units
    assert bool(term.rule) == bool(term.rule_zh) and _numbers(term.rule) <= _numbers(term.rule_zh)
    assert not re.findall(r"[A-Za-z]{4,}", term.rule_zh), term.rule_zh


def test_the_leak_grid_follows_grid_centre_when_given(demo):
    """Issue 13 D: a leak's ``grid.centre`` was ignored (the grid was always centred on the source)."""
    from scenarios.leak.inputs import leak_receptors
    from twin.io import load_park

    scenario = load_scenario(demo.root / "leak.yaml")
    park = load_park(demo.park_dir / "park.yaml")
    source = next(s for s in park.spec.risk_sources if s.id == scenario.risk_source)
    receptors_all = park.receptor_points()
    small = scenario.grid.model_copy(update={"size": (2000.0, 1000.0), "spacing": 100.0})
    gx, gy, _ = leak_receptors(scenario.model_copy(update={"grid": small}), park, source, receptors_all)
    assert (gx.size, gy.size) == (21, 11)
    assert (gx.mean(), gy.mean()) == pytest.approx((round(source.x / 100) * 100, round(source.y / 100) * 100))
    moved = small.model_copy(update={"centre": (source.x + 1500.0, source.y - 700.0)})
    gx, gy, receptors = leak_receptors(scenario.model_copy(update={"grid": moved}), park, source, receptors_all)
    assert (gx.mean(), gy.mean()) == pytest.approx((round((source.x + 1500) / 100) * 100,
                                                     round((source.y - 700) / 100) * 100))
    assert receptors.x.size == gx.size * gy.size + len(receptors_all.x)
