"""Scenario files (scenarios/spec.py) and the checks a run makes before any physics (scenarios/run.py), in-process.

A scenario's hash identifies its meaning, not its spelling; a bad file is one InputError (exit 65) whose message
names the field, the value and what is allowed.
"""

from __future__ import annotations

import math

import pyproj
import pytest
import yaml

from scenarios.common.grids import true_north_grid_bearing
from scenarios.common.spec import scenario_hash
from scenarios.run import run_scenario_file
from scenarios.spec import load_scenario, scenario_json_schema
from tests.scenarios.conftest import XDIST_GROUP
from twin.errors import InputError, MissingInputError
from twin.io import load_park

pytestmark = pytest.mark.xdist_group(XDIST_GROUP)

MINIMAL = """\
kind: plume
name: night-check
park: park/park.yaml
weather:
  source: synthetic
  start: "2026-07-15T00:00:00+08:00"
"""


def write(tmp_path, text: str, name: str = "scenario.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problem(tmp_path, text: str) -> str:
    """The message of the InputError that loading ``text`` raises (and check its exit code: 65)."""
    with pytest.raises(InputError) as caught:
        load_scenario(write(tmp_path, text))
    assert caught.value.exit_code == 65
    return str(caught.value)


# ----------------------------------------------------------------------------------------------- hash


def test_the_hash_ignores_spelling_but_not_meaning(tmp_path):
    """Key order, comments, quoting and flow vs block style do not change the hash; defaults written out equal
    defaults left out; any changed value does. (The same instant with another UTC offset, 2026-07-14T16:00:00Z,
    does change it today: the offset is kept in the canonical JSON.)"""
    base = scenario_hash(load_scenario(write(tmp_path, MINIMAL, "a.yaml")))
    respelt = """\
# the same scenario, written differently
weather: {start: 2026-07-15T00:00:00+08:00, source: synthetic, hours: 24}
park: 'park/park.yaml'
name: "night-check"
kind: plume
grid: {spacing: 25.0}
"""
    assert scenario_hash(load_scenario(write(tmp_path, respelt, "b.yaml"))) == base
    for old, new in (("night-check", "night-check-2"), ("+08:00", "+09:00"), ("synthetic\n", "synthetic\n  seed: 1\n")):
        changed = write(tmp_path, MINIMAL.replace(old, new), "c.yaml")
        assert scenario_hash(load_scenario(changed)) != base, (old, new)


def test_the_demo_scenario_file_loads(demo):
    scenario = load_scenario(demo.scenario_yaml)
    assert scenario.name == "demo-24h-plume"
    assert scenario.weather.hours == 24 and scenario.grid.spacing == 25
    assert scenario.pollutants == ["sulfur_dioxide", "nitrogen_dioxide", "pm10"]
    assert len(scenario_hash(scenario)) == 64


def test_the_schema_documents_units():
    schema = scenario_json_schema()
    grid = schema["$defs"]["GridSpec"]["properties"]
    assert "[m]" in grid["spacing"]["description"]
    assert schema["$defs"]["WeatherSpec"]["additionalProperties"] is False


# ----------------------------------------------------------------------------------------------- bad files


def test_a_time_without_utc_offset(tmp_path):
    message = problem(tmp_path, MINIMAL.replace("+08:00", ""))
    assert "weather" in message and "start" in message and "2026-07-15T00:00:00" in message
    assert "UTC offset" in message


def test_station_csv_without_path(tmp_path):
    message = problem(tmp_path, MINIMAL.replace("synthetic", "station_csv"))
    assert "weather" in message and "path" in message and "station_csv" in message


def test_a_misspelt_nested_key_lists_the_allowed_ones(tmp_path):
    message = problem(tmp_path, MINIMAL + "grid:\n  spaceing: 50\n")
    assert "grid.spaceing" in message and "50" in message
    assert "spacing" in message.split("allowed fields:")[1]


def test_every_problem_is_reported_at_once(tmp_path):
    text = MINIMAL.replace("kind: plume", "kind: plum").replace('"2026-07-15T00:00:00+08:00"', "yesterday")
    message = problem(tmp_path, text + "grid:\n  spacing: -5\n")
    lines = message.splitlines()
    assert len(lines) >= 3, message
    for field, value in (("kind", "'plum'"), ("weather.start", "'yesterday'"), ("grid.spacing", "-5")):
        assert any(field in line and value in line for line in lines), (field, message)


def test_too_many_receptors(tmp_path):
    message = problem(tmp_path, MINIMAL + "grid:\n  size: [20000, 20000]\n  spacing: 5\n")
    assert "grid" in message and "16008001" in message and "4,000,000" in message


def test_malformed_yaml_gives_line_and_column(tmp_path):
    message = problem(tmp_path, MINIMAL + "grid: [unclosed\n")
    assert "line" in message and "column" in message


def test_a_missing_scenario_file(tmp_path):
    with pytest.raises(MissingInputError) as caught:
        load_scenario(tmp_path / "absent.yaml")
    assert caught.value.exit_code == 66 and "absent.yaml" in str(caught.value)


# ----------------------------------------------------------------------------------------------- checks before physics


def test_an_unknown_pollutant_lists_the_known_ones(bundle):
    bundle.edit_yaml(bundle.scenario_yaml, lambda data: data.update(pollutants=["unobtainium"]))
    with pytest.raises(InputError) as caught:
        run_scenario_file(bundle.scenario_yaml, bundle.root / "out")
    message = str(caught.value)
    assert "pollutants" in message and "'unobtainium'" in message and "sulfur_dioxide" in message
    assert not (bundle.root / "out").exists()


def test_a_pollutant_no_stack_emits_lists_the_emitted_ones(bundle):
    bundle.edit_yaml(bundle.scenario_yaml, lambda data: data.update(pollutants=["chlorine"]))
    with pytest.raises(InputError) as caught:
        run_scenario_file(bundle.scenario_yaml, bundle.root / "out")
    message = str(caught.value)
    assert "'chlorine'" in message and "emitted" in message
    assert "nitrogen_dioxide, pm10, sulfur_dioxide, vocs" in message  # what the demo stacks emit


def test_a_missing_station_csv_is_missing_input(bundle):
    bundle.weather_csv.unlink()
    with pytest.raises(MissingInputError) as caught:
        run_scenario_file(bundle.scenario_yaml, bundle.root / "out")
    assert caught.value.exit_code == 66 and "weather.csv" in str(caught.value)


def test_true_north_on_the_gauss_kruger_grid(demo):
    """East of the central meridian (120°E) in the northern hemisphere, meridians lean towards the central meridian
    as they go north, so true north lies west of grid north: a negative grid bearing. Its size is the meridian
    convergence, which PROJ computes independently from the projection's derivatives (pyproj Proj.get_factors)."""
    park = load_park(demo.park_yaml)
    x, y = park.centre()
    lon, lat = park.to_lonlat(x, y)
    convergence = pyproj.Proj(park.crs).get_factors(lon, lat).meridian_convergence  # [degree]
    bearing = true_north_grid_bearing(park, x, y)
    assert bearing < 0
    # 1e-3°: the function differences over 0.01° of latitude, over which the convergence changes by ~1e-4°.
    assert math.isclose(-bearing, abs(convergence), abs_tol=1e-3), (bearing, convergence)
    # Spherical transverse Mercator: tan γ = tan Δλ · sin φ gives 0.697° here; the ellipsoid changes it by < 1e-3°.
    spherical = math.degrees(math.atan(math.tan(math.radians(lon - 120.0)) * math.sin(math.radians(lat))))
    assert math.isclose(-bearing, spherical, abs_tol=1e-3), (bearing, spherical)


def test_yaml_dump_of_the_demo_scenario_round_trips(demo, tmp_path):
    """What `edit_yaml` (the tests' helper) writes back means the same scenario: the helper itself is sound."""
    data = yaml.safe_load(demo.scenario_yaml.read_text(encoding="utf-8"))
    copy = write(tmp_path, yaml.safe_dump(data, allow_unicode=True))
    (tmp_path / "park").symlink_to(demo.park_dir)
    assert scenario_hash(load_scenario(copy)) == scenario_hash(load_scenario(demo.scenario_yaml))


def test_a_plume_run_reads_a_forecast_file_and_waits_for_a_missing_one(demo, tmp_path):
    """weather.source: forecast_netcdf — the run reads the forecast at the park; a forecast not yet published is
    MeteoCoverageError (exit 75, retry later), not a data error."""
    import shutil

    import yaml

    from meteo.forecast import write_sample_forecast
    from scenarios.run import run_scenario_file
    from twin.errors import MeteoCoverageError

    shutil.copytree(demo.root / "park", tmp_path / "park")
    scenario = yaml.safe_load((demo.root / "scenario.yaml").read_text(encoding="utf-8"))
    scenario["weather"] = {"source": "forecast_netcdf", "path": "forecast.nc", "start": "2026-07-15T00:00:00+08:00",
                           "hours": 6}
    scenario["grid"] = {"size": [2000, 2000], "spacing": 100}
    scenario["output"] = {"maps": False}
    (tmp_path / "scenario.yaml").write_text(yaml.safe_dump(scenario, allow_unicode=True), encoding="utf-8")
    with pytest.raises(MeteoCoverageError, match="not there yet"):
        run_scenario_file(tmp_path / "scenario.yaml", tmp_path / "early")
    write_sample_forecast(tmp_path / "forecast.nc", start="2026-07-14T20:00:00+08:00", hours=24, longitude=121.3,
                          latitude=32.4)
    result = run_scenario_file(tmp_path / "scenario.yaml", tmp_path / "out")
    assert "6 h" in result.summary_text and (tmp_path / "out" / "plume.nc").is_file()


LEAK = """\
kind: leak
name: spill
park: park/park.yaml
risk_source: T-CL01
start: "2026-07-15T02:00:00+08:00"
meteorology:
  preset: hj169_worst
source_term:
  model: tank_two_phase_hole
  hole_diameter: 0.025
"""


def test_every_new_source_term_field_documents_its_unit():
    properties = scenario_json_schema()["$defs"]["SourceTermSpec"]["properties"]
    for name in ("liquid_density", "liquid_heat_capacity", "heat_of_vaporization", "boiling_temperature",
                 "vapour_pressure", "two_phase_boiling_temperature", "heat_capacity_ratio", "pool_minimum_thickness",
                 "hole_height"):
        assert "[" in properties[name]["description"], name
    assert "tank_two_phase_hole" in properties["model"]["description"]
    for model in ("pipe_liquid", "pipe_gas", "pipe_two_phase"):
        assert model in properties["model"]["enum"] and model in properties["model"]["description"]
    assert properties["failure"]["enum"] == ["hole", "full_bore_rupture"]
    assert "isolation" in properties["model"]["description"]


def test_the_two_phase_model_loads_and_bad_source_term_inputs_name_field_value_and_allowed(tmp_path):
    assert load_scenario(write(tmp_path, LEAK)).source_term.model == "tank_two_phase_hole"
    message = problem(tmp_path, LEAK.replace("  hole_diameter: 0.025\n", ""))
    assert "tank_two_phase_hole" in message and "hole_diameter" in message
    message = problem(tmp_path, LEAK + "  ground: marsh\n")
    assert "source_term.ground" in message and "marsh" in message and "concrete" in message
    message = problem(tmp_path, LEAK + "  liquid_heat_capacity: -5\n")
    assert "source_term.liquid_heat_capacity" in message and "got -5" in message and "a plausible liquid specific heat" in message


@pytest.mark.parametrize("line, field, allowed", [
    ("duration_limit: 1.0e12", "duration_limit", "a plausible isolation time"),
    ("sampling_step: 0.001", "sampling_step", "greater than or equal to 1"),
    ("output_step: 1.0e30", "output_step", "less than or equal to 259200"),
    ("puff_interval: 1.0e-9", "puff_interval", "greater than or equal to 0.1"),
])
def test_requests_that_would_run_for_ever_or_fill_the_memory_are_refused(tmp_path, line, field, allowed):
    """Issue 13 J: duration_limit 1e12 tried 124 GiB, sampling_step 0.001 ran for minutes, output_step 1e30
    crashed."""
    message = problem(tmp_path, LEAK + line + "\n")
    assert field in message and allowed in message


def test_source_terms_take_units_and_catch_slips(tmp_path):
    scenario = load_scenario(write(tmp_path, LEAK.replace("hole_diameter: 0.025", "hole_diameter: 25 mm")
                                   + "duration_limit: 30 min\n"))
    assert scenario.source_term.hole_diameter == pytest.approx(0.025)
    assert scenario.duration_limit == pytest.approx(1800.0)
    message = problem(tmp_path, LEAK.replace("hole_diameter: 0.025", "hole_diameter: 25"))
    assert "hole_diameter" in message and "did you mean '25 mm' or '25 cm'?" in message


def test_a_design_typhoon_of_1e30_m_per_s_is_refused():
    from scenarios.common.spec import DesignTrackSpec
    from twin.validation import parse_model

    design = dict(landfall_offset_km=(0, -20), landfall_time="2026-09-14T20:00:00+08:00", heading_deg=330,
                  forward_speed=5, central_pressure_hpa=930, rmax_km=30, max_wind_speed=1e30)
    with pytest.raises(InputError, match="max_wind_speed: Input should be less than or equal to 100"):
        parse_model(DesignTrackSpec, design, "typhoon.yaml: design_track")


def test_a_plume_run_over_the_memory_limit_is_refused_before_the_kernel(bundle, monkeypatch):
    monkeypatch.setenv("PARKTWIN_MAX_MEMORY_GIB", "0.001")
    with pytest.raises(InputError, match=r"hourly fields of [\d,]+ receptors × 24 h × \d pollutants need about "
                                         r"[\d.]+ GiB, more than the 0\.001 GiB allowed") as caught:
        run_scenario_file(bundle.scenario_yaml, bundle.root / "out")
    assert caught.value.exit_code == 65


def test_a_typhoon_flood_over_the_memory_limit_is_refused_before_the_grid(tmp_path):
    """grid_size has no upper bound of its own: 1,000 km at 2 m is 2.5e11 cells. The estimate refuses it (exit 65)
    before the DEM is resampled, and leaves no output folder behind (issue 13 J)."""
    import yaml

    from scenarios.demo import write_demo

    files = write_demo(tmp_path)
    typhoon = yaml.safe_load(files["typhoon"].read_text(encoding="utf-8"))
    typhoon.update(grid_size=[1_000_000.0, 1_000_000.0], grid_spacing=2.0)
    path = tmp_path / "typhoon-huge.yaml"
    path.write_text(yaml.safe_dump(typhoon, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InputError, match=r"a flood grid of 500,001 × 500,001 cells with \d+ depth snapshots need "
                                         r"about [\d,.]+ GiB, more than") as caught:
        run_scenario_file(path, tmp_path / "out")
    assert caught.value.exit_code == 65 and "grid_size" in str(caught.value)
    assert not (tmp_path / "out").exists()
