"""kind: typhoon end to end on the demo park: the low-lying hazardous-waste warehouse floods; the budget closes."""

from __future__ import annotations

import json
from dataclasses import replace
import shutil

import numpy as np
import pytest
import xarray as xr

from dispersion.flood import SCHEME_LIMITS
from scenarios.run import run_scenario_file
from tests.scenarios.conftest import XDIST_GROUP

pytestmark = pytest.mark.xdist_group(XDIST_GROUP)

SCENARIO = """\
schema_version: 1
kind: typhoon
name: test-typhoon
park: park/park.yaml
track:
  landfall_offset_km: [0, -20]
  landfall_time: "2026-09-15T06:00:00+08:00"
  heading_deg: 330
  forward_speed: 6.0
  central_pressure_hpa: 935
  rmax_km: 30
start: "2026-09-15T00:00:00+08:00"
hours: {hours}
rain_scale: 2.0
grid_spacing: 80
language: en
"""


@pytest.fixture(scope="module")
def typhoon_run(demo, tmp_path_factory):
    root = tmp_path_factory.mktemp("typhoon")
    shutil.copytree(demo.park_dir, root / "park")
    (root / "typhoon.yaml").write_text(SCENARIO.format(hours=8) + TRIGGERED, encoding="utf-8")
    result = run_scenario_file(root / "typhoon.yaml", root / "out")
    return root, result


TRIGGERED = """\
triggered_leak:
  risk_source: W-HW01
  source_term: {model: direct, rate: 2.0, duration: 1800, release_height: 0.5}
  simulation_hours: 1
  grid: {size: [4000, 4000], spacing: 100}
"""


def test_a_flooded_warehouse_triggers_a_release_in_the_typhoon_wind(typhoon_run):
    # The natech chain: W-HW01 floods → its toluene is released from that minute, dispersed with the storm's wind.
    root, _ = typhoon_run
    summary = json.loads((root / "out" / "assets.json").read_text(encoding="utf-8"))
    warehouse = next(e for e in summary["assets"] if e["id"] == "W-HW01")
    leak = summary["triggered_leak"]
    assert leak["triggered"] and leak["start_utc"] == warehouse["first_flooded_utc"]
    assert leak["released_kg"] == pytest.approx(2.0 * 1800)  # direct: rate x duration
    impacts = json.loads((root / "out" / "leak" / "impacts.json").read_text(encoding="utf-8"))
    assert impacts["substance_key"] == "toluene" and "typhoon" in impacts["weather"]
    assert impacts["response_level"] == leak["response_level"]
    for name in ("plan.html", "leak.nc", "zones.geojson", "run.json"):
        assert (root / "out" / "leak" / name).is_file(), name
    assert "Secondary release" in (root / "out" / "report.html").read_text(encoding="utf-8")


def test_the_plan_and_the_summary_read_in_local_time(typhoon_run):
    # Issue 14: a duty officer reading "22:30Z" as local time acts 8 h late. Every time people read (report.html,
    # the printed summary) is the park's local time with its offset; the UTC fields stay for machines.
    import re

    from scenarios.common.times import local_text

    root, result = typhoon_run
    summary = json.loads((root / "out" / "assets.json").read_text(encoding="utf-8"))
    warehouse = next(e for e in summary["assets"] if e["id"] == "W-HW01")
    assert warehouse["first_flooded_local"] == local_text(warehouse["first_flooded_utc"], 8.0)
    assert warehouse["first_flooded_local"].endswith("+08:00")
    assert summary["landfall_local"] == "2026-09-15 06:00 +08:00"  # the track's landfall_time, as written
    report = (root / "out" / "report.html").read_text(encoding="utf-8")
    for text in (report, result.summary_text):
        assert warehouse["first_flooded_local"] in text
        assert not re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z", text), "a UTC time people read"
    assert "(local time)" in report and "(UTC)" not in report


def test_triggered_release_rules_without_a_flood_run():
    # Unit checks of run_triggered_leak on hand-made asset events: dry asset → nothing run; bad id / trigger named.
    from pathlib import Path as _Path
    from types import SimpleNamespace

    import yaml

    from scenarios.typhoon.run import run_triggered_leak
    from scenarios.typhoon.spec import TyphoonScenario
    from twin.errors import InputError

    data = yaml.safe_load(SCENARIO.format(hours=8) + TRIGGERED)
    scenario = TyphoonScenario.model_validate(data)
    park = SimpleNamespace(risk_sources=[SimpleNamespace(id="W-HW01"), SimpleNamespace(id="T-01")])
    dry = [{"id": "W-HW01", "flooded": False}]
    assert run_triggered_leak(scenario, park, dry, base_dir=_Path("."), out_dir=_Path("unused")) == {
        "risk_source": "W-HW01", "trigger": "flooded", "triggered": False}
    with pytest.raises(InputError, match="risk_source must be a risk source.*T-01.*got 'W-HW01'"):
        run_triggered_leak(scenario, park, [{"id": "T-01"}], base_dir=_Path("."), out_dir=_Path("unused"))
    reactive = scenario.model_copy(update={"triggered_leak": scenario.triggered_leak.model_copy(
        update={"trigger": "water_at_unit"})})
    with pytest.raises(InputError, match="trigger.*no water-reactive.*water_at_unit"):
        run_triggered_leak(reactive, park, dry, base_dir=_Path("."), out_dir=_Path("unused"))


def test_the_low_warehouse_floods_and_is_first_in_the_log(typhoon_run):
    root, result = typhoon_run
    summary = json.loads((root / "out" / "assets.json").read_text(encoding="utf-8"))
    first = summary["assets"][0]
    assert first["id"] == "W-HW01" and first["flooded"]  # the demo's warehouse sits in a DEM depression
    assert first["peak_water_above_floor_m"] > first["sill_height_m"]
    assert "W-HW01" in result.summary_text
    # Landfall at 06:00+08 = 22:00Z; a negative lead time means the warehouse floods before landfall.
    assert first["lead_time_from_landfall_h"] == pytest.approx(
        (np.datetime64(first["first_flooded_utc"][:-1]) - np.datetime64("2026-09-14T22:00")) / np.timedelta64(1, "h"),
        abs=0.01)  # reported to 0.01 h
    assert abs(summary["budget_relative_error"]) < 1e-9
    assert summary["peak_sea_level_m"] > 1.0  # tide + inverse barometer + set-up at the coast


def test_flood_netcdf_and_report(typhoon_run):
    root, _ = typhoon_run
    with xr.open_dataset(root / "out" / "flood.nc") as ds:
        assert ds.attrs["scheme_limits"] == SCHEME_LIMITS  # where the local inertial scheme holds, in the file
        assert ds["water_depth"].dims == ("time", "y", "x")
        assert ds["max_water_depth"].attrs["standard_name"] == "flood_water_thickness"
        assert float(ds["water_depth"].min()) >= 0.0
        np.testing.assert_allclose(ds["max_water_depth"].values, np.maximum(ds["water_depth"].max("time").values,
                                                                          ds["max_water_depth"].values), rtol=1e-6)
    html = (root / "out" / "report.html").read_text(encoding="utf-8")
    assert "W-HW01" in html and "data:image/png;base64," in html and "move its contents out" in html
    budget = (root / "out" / "flood_budget.csv").read_text(encoding="utf-8").splitlines()
    assert budget[0].startswith("time_s,rain_m3") and len(budget) == 1 + 8 * 6  # every 10 minutes for 8 h
    assert (root / "out" / "run.json").is_file()


def test_flood_dataset_states_the_schemes_limits():
    # flood.nc (typhoon and forecast both write flood_dataset) carries dispersion.flood.SCHEME_LIMITS as a global
    # attribute: Froude < ~0.5, gradually varied flow (de Almeida & Bates 2013), not dam breaks or oscillations.
    from types import SimpleNamespace

    from dispersion.flood import FloodGrid, run_flood
    from scenarios.typhoon.flood import flood_dataset

    x = 500_000.0 + np.arange(4) * 50.0
    y = 3_400_000.0 + np.arange(3) * 50.0
    grid = FloodGrid(x=x, y=y, z=np.zeros((3, 4)), manning=0.03)
    result = run_flood(grid, output_times=[60.0], rain=lambda t0, t1: 1e-5)
    park = SimpleNamespace(spec=SimpleNamespace(epsg=32651), terrain=SimpleNamespace(note=""))
    ds = flood_dataset(park, grid, result, np.array([60.0]), np.datetime64("2026-09-15T00:00"))
    assert ds.attrs["scheme_limits"] == SCHEME_LIMITS
    for needed in ("Froude", "0.5", "de Almeida & Bates 2013", "49:4833", "Stoker", "Thacker"):
        assert needed in SCHEME_LIMITS, needed


def test_a_track_file_drives_the_same_chain(demo, tmp_path):
    # An IBTrACS-style CSV (ISO_TIME, LAT, LON, WMO_PRES [hPa], WMO_WIND [kt], USA_RMW [nmi]) passing 0.2° west of the
    # park, read by meteo.typhoon_tracks.read_ibtracs_csv and completed to 10-min winds (averaging period given).
    shutil.copytree(demo.park_dir, tmp_path / "park")
    lines = ["SID,ISO_TIME,LAT,LON,WMO_PRES,WMO_WIND,USA_RMW"]
    for k, hour in enumerate(range(0, 13, 3)):
        lines.append(f"2026258N30121,2026-09-14 {hour:02d}:00:00,{31.6 + 0.2 * k:.2f},121.10,950,80,20")
    (tmp_path / "track.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    text = SCENARIO.format(hours=3).replace(
        """track:
  landfall_offset_km: [0, -20]
  landfall_time: "2026-09-15T06:00:00+08:00"
  heading_deg: 330
  forward_speed: 6.0
  central_pressure_hpa: 935
  rmax_km: 30""", """track: {file: track.csv, format: ibtracs, averaging_period: 600}""").replace(
        'start: "2026-09-15T00:00:00+08:00"', 'start: "2026-09-14T11:00:00+08:00"')
    (tmp_path / "typhoon.yaml").write_text(text, encoding="utf-8")
    run_scenario_file(tmp_path / "typhoon.yaml", tmp_path / "out")
    summary = json.loads((tmp_path / "out" / "assets.json").read_text(encoding="utf-8"))
    assert summary["landfall_utc"].startswith("2026-09-14T12:00")  # closest approach: 31.6 + 4 x 0.2 = 32.4 N, 12 UTC
    assert summary["rain_total_m3"] > 0 and abs(summary["budget_relative_error"]) < 1e-9


def test_typhoon_wind_drives_a_plume_run(demo, tmp_path):
    # weather.source: typhoon — the Holland vortex's 10 m wind at the park feeds the plume kernel: winds are strong
    # (above 15 m/s near landfall for a 935 hPa storm 20 km away) and the stability is neutral (D) throughout.
    from scenarios.common.weather import load_weather
    from scenarios.spec import load_scenario
    from twin.io import load_park

    shutil.copytree(demo.park_dir, tmp_path / "park")
    (tmp_path / "plume.yaml").write_text("""\
schema_version: 1
kind: plume
name: typhoon-wind-plume
park: park/park.yaml
weather:
  source: typhoon
  start: "2026-09-15T02:00:00+08:00"
  hours: 8
  typhoon_track: {landfall_offset_km: [0, -20], landfall_time: "2026-09-15T06:00:00+08:00", heading_deg: 330,
                  forward_speed: 6.0, central_pressure_hpa: 935, rmax_km: 30}
grid: {size: [4000, 4000], spacing: 200}
pollutants: [sulfur_dioxide]
output: {maps: false}
""", encoding="utf-8")
    scenario = load_scenario(tmp_path / "plume.yaml")
    met = load_weather(scenario.weather, tmp_path, load_park(tmp_path / "park" / "park.yaml"), "plume.yaml")
    assert met.sizes["time"] == 8
    assert float(met["wind_speed"].max()) > 15.0
    assert set(np.unique(met["stability_class"].values)) == {3}
    result = run_scenario_file(tmp_path / "plume.yaml", tmp_path / "out")
    assert (tmp_path / "out" / "plume.nc").is_file() and "sulfur" in result.summary_text.lower()


def test_gridded_rain_from_netcdf(demo, tmp_path):
    # rain_model: gridded — a CF NetCDF of precipitation_flux [kg m-2 s-1] on (time, lat, lon): 36 mm/h uniform
    # for 1 h over the domain, then nothing. Rain volume = 0.036 m x open-cell area, to rounding of the bilinear
    # interpolation of a uniform field (exact).
    shutil.copytree(demo.park_dir, tmp_path / "park")
    lat = np.linspace(32.2, 32.6, 9)
    lon = np.linspace(121.0, 121.6, 9)
    times = np.array(["2026-09-14T16:00", "2026-09-14T17:00", "2026-09-14T18:00"], dtype="datetime64[ns]")
    flux = np.zeros((3, 9, 9))
    flux[0] = 36.0 / 3600.0  # kg m-2 s-1 = mm/s
    xr.Dataset({"pr": (("time", "lat", "lon"), flux, {"standard_name": "precipitation_flux", "units": "kg m-2 s-1"})},
               coords={"time": times, "lat": ("lat", lat, {"standard_name": "latitude"}),
                       "lon": ("lon", lon, {"standard_name": "longitude"})}).to_netcdf(tmp_path / "rain.nc")
    text = SCENARIO.format(hours=2).replace("rain_scale: 2.0", "rain_scale: 1.0\nrain_model: gridded\n"
                                            "rain_file: rain.nc\nsurge: false")
    (tmp_path / "typhoon.yaml").write_text(text.replace('start: "2026-09-15T00:00:00+08:00"',
                                                        'start: "2026-09-15T00:00:00+08:00"'), encoding="utf-8")
    run_scenario_file(tmp_path / "typhoon.yaml", tmp_path / "out")
    summary = json.loads((tmp_path / "out" / "assets.json").read_text(encoding="utf-8"))
    with xr.open_dataset(tmp_path / "out" / "flood.nc") as ds:
        open_cells = int(np.isfinite(ds["ground_elevation"].values).sum())
    assert summary["rain_total_m3"] == pytest.approx(0.036 * 80.0 * 80.0 * open_cells, rel=0.02)


def test_water_reactive_contents_escalate_below_the_sill(demo, tmp_path):
    # A warehouse marked water_reactive (GHS H260/H261) escalates as soon as water stands at it, even when the
    # sill keeps the floor dry: raise W-HW01's sill far above any flood and mark it water-reactive.
    import yaml

    shutil.copytree(demo.park_dir, tmp_path / "park")
    park_yaml = tmp_path / "park" / "park.yaml"
    data = yaml.safe_load(park_yaml.read_text(encoding="utf-8"))
    for source in data["risk_sources"]:
        if source["id"] == "W-HW01":
            source["sill_height"] = 9.0
            source["water_reactive"] = True
    park_yaml.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (tmp_path / "typhoon.yaml").write_text(SCENARIO.format(hours=6), encoding="utf-8")
    run_scenario_file(tmp_path / "typhoon.yaml", tmp_path / "out")
    summary = json.loads((tmp_path / "out" / "assets.json").read_text(encoding="utf-8"))
    warehouse = next(e for e in summary["assets"] if e["id"] == "W-HW01")
    assert not warehouse["flooded"] and warehouse["escalated"] and warehouse["water_at_unit_utc"]
    assert summary["assets"][0]["id"] == "W-HW01"
    assert "no water for firefighting" in (tmp_path / "out" / "report.html").read_text(encoding="utf-8")


def test_typhoon_ensemble_probabilities_and_resume(demo, tmp_path):
    # Three members (cross-track offset and rain factor by Latin hypercube): P(flooded) per asset is the fraction of
    # members in which it floods (checked against the members' own assets.json), and a re-run computes nothing.
    from scenarios.spec import load_scenario
    from scenarios.typhoon.ensemble import run_typhoon_ensemble

    shutil.copytree(demo.park_dir, tmp_path / "park")
    text = SCENARIO.format(hours=5).replace("grid_spacing: 80", "grid_spacing: 100") + """\
ensemble:
  members: 3
  seed: 7
  perturbations:
    track_offset_east_km: {distribution: uniform, low: -30, high: 30}
    rain_scale_factor: {distribution: uniform, low: 0.3, high: 1.2}
"""
    (tmp_path / "typhoon.yaml").write_text(text, encoding="utf-8")
    scenario = load_scenario(tmp_path / "typhoon.yaml")
    first = run_typhoon_ensemble(scenario, base_dir=tmp_path, out_dir=tmp_path / "ens")
    assert first["members"] == 3 and first["computed_now"] == 3
    flooded = [json.loads((tmp_path / "ens" / "members" / f"member_{i:04d}" / "assets.json").read_text(
        encoding="utf-8"))["flooded"] for i in range(3)]
    warehouse = next(a for a in first["assets"] if a["id"] == "W-HW01")
    assert warehouse["p_flooded"] == pytest.approx(sum("W-HW01" in f for f in flooded) / 3)
    with xr.open_dataset(tmp_path / "ens" / "flood_probability.nc") as ds:
        p = ds["flood_probability"].values
        assert p.min() >= 0 and p.max() <= 1 and set(np.unique(np.round(p * 3))) <= {0, 1, 2, 3}
    again = run_typhoon_ensemble(scenario, base_dir=tmp_path, out_dir=tmp_path / "ens")
    assert again["computed_now"] == 0 and again["assets"] == first["assets"]


def test_the_flood_map_leaves_the_sea_out_and_draws_the_assets(typhoon_run, demo):
    # Issue 14: the sea was coloured as flood (6.5 m there) and the warehouse the report is about was not drawn.
    from types import SimpleNamespace

    from scenarios.common.views import asset_layer, map_view
    from scenarios.typhoon.flood import depth_layer
    from twin.io import load_park
    from viz.maps import build_map

    grid = SimpleNamespace(x=np.arange(4.0) * 10, y=np.arange(3.0) * 10,
                           stage_mask=np.array([[1, 0, 0, 0]] * 3, dtype=bool))
    water = np.zeros((3, 4), dtype=bool)
    water[0, 3] = True  # a pond
    depth = np.full((3, 4), 2.0)
    depth[2, 2] = 0.005  # below 1 cm
    layer = depth_layer(grid, SimpleNamespace(max_depth=depth), water)
    assert np.isnan(layer.values[:, 0]).all() and np.isnan(layer.values[0, 3]) and np.isnan(layer.values[2, 2])
    assert np.count_nonzero(np.isfinite(layer.values)) == 12 - 3 - 1 - 1

    root, _ = typhoon_run
    summary = json.loads((root / "out" / "assets.json").read_text(encoding="utf-8"))
    park = load_park(root / "park" / "park.yaml")
    with xr.open_dataset(root / "out" / "flood.nc") as flood:
        from viz.model import FieldLayer
        field = FieldLayer(x=flood["x"].values, y=flood["y"].values, values=flood["max_water_depth"].values,
                           units="m", title="t")
    assets = asset_layer(park, summary["assets"], field)
    warehouse = next(i for i, name in enumerate(assets.names) if "W-HW01" in name)
    assert assets.flooded[warehouse]
    figure = build_map(replace(map_view(park, field, title="t"), assets=assets), dpi=60, figsize=(6.0, 5.0))
    texts = [t.get_text() for t in figure.axes[0].texts if t.get_visible()]
    assert assets.names[warehouse] in texts
    legend = [t.get_text() for t in figure.axes[0].get_legend().get_texts()]
    assert "进水的风险单元 risk unit flooded" in legend
