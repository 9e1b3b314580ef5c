"""The leak's inputs: the direction a preset blows, hourly weather and its coverage of the release, the most
common conditions preset, and the receptor grid."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import xarray as xr
import yaml

from scenarios.leak.run import run_leak_scenario
from scenarios.spec import load_scenario
from tests.scenarios.conftest import XDIST_GROUP
from twin.errors import InputError

pytestmark = pytest.mark.xdist_group(XDIST_GROUP)  # uses the demo: on the demo's worker, which runs it once


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
