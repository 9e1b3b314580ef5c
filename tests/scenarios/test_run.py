"""End to end: the outputs of `parktwin demo` (its 24-h plume scenario on the demo park), run once per session.

Checks the files a user gets: CF-1.11/ACDD-1.3 NetCDF with the documented layout and provenance, statistics that
agree with the hourly fields, PNG maps and scene, and a summary whose numbers agree with the NetCDF.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import xarray as xr
from compliance_checker.runner import CheckSuite
from PIL import Image

from scenarios.common.spec import canonical_json, scenario_hash
from scenarios.spec import load_scenario
from tests.scenarios.conftest import XDIST_GROUP
from tests.twin.test_store import high_priority_failures, readable
from twin.chemicals import load_chemicals

pytestmark = [
    pytest.mark.xdist_group(XDIST_GROUP),
    # compliance-checker 6.1 announces its own deprecations; not ours to act on (as in tests/twin/test_store.py).
    pytest.mark.filterwarnings("ignore:The ioos_sos checker is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Passing the dataset to every single check is deprecated:DeprecationWarning"),
]

POLLUTANTS = ("sulfur_dioxide", "nitrogen_dioxide", "pm10")  # scenarios/demo.py: the demo scenario's pollutants
STATISTICS = ("max_1h", "max_24h", "period_mean")
HOURS = 24  # scenarios/demo.py: DEMO_HOURS
GRID_SIDE = 201  # 5000 m / 25 m + 1 receptors per side (the demo scenario's grid)
SENSITIVE_RECEPTORS = 25  # the demo park's receptors (twin/_demo_surroundings.py)
FILES = ("plume.nc", "receptors.nc", "monitors.nc", "summary.txt", "summary.json", "scene.png", "scene.glb", "run.json",
         *(f"map_{key}.png" for key in POLLUTANTS))


@pytest.fixture(scope="module")
def plume(demo):
    with xr.open_dataset(demo.results / "plume.nc", engine="netcdf4") as ds:
        yield ds.load()


@pytest.fixture(scope="module")
def stations(demo):
    with xr.open_dataset(demo.results / "receptors.nc", engine="netcdf4") as ds:
        yield ds.load()


@pytest.fixture(scope="module")
def scenario(demo):
    return load_scenario(demo.scenario_yaml)


# ----------------------------------------------------------------------------------------------- files


def test_the_demo_writes_every_output_and_no_part_file(demo):
    assert sorted(p.name for p in demo.results.iterdir()) == sorted(FILES)
    leftovers = [str(p) for p in demo.root.rglob("*") if ".part" in p.name]
    assert leftovers == [], leftovers
    for name in FILES:
        assert (demo.results / name).stat().st_size > 0, name


def test_the_demo_prints_the_summary(demo):
    summary = (demo.results / "summary.txt").read_text(encoding="utf-8")
    assert summary.strip() in demo.cli.stdout
    assert f"Outputs in {demo.root.resolve()}" in demo.cli.stdout


@pytest.mark.parametrize("name", ["results/plume.nc", "results/receptors.nc", "results/monitors.nc",
                                  "ensemble/members.nc"])
def test_netcdf_passes_cf_and_acdd_checks(demo, name, tmp_path):
    CheckSuite().load_all_available_checkers()
    failures = high_priority_failures(demo.root / name, tmp_path / "report.json")
    assert failures == {"cf:1.11": [], "acdd:1.3": []}, readable(failures)


# ----------------------------------------------------------------------------------------------- NetCDF content


def test_grid_file_layout(plume, scenario):
    for key in POLLUTANTS:
        assert plume[key].dims == ("realization", "time", "z", "y", "x")
        assert plume[key].attrs["units"] == "ug m-3"
        assert plume[key].dtype == np.float32
        for stat in STATISTICS:
            assert plume[f"{key}_{stat}"].dims == ("realization", "z", "y", "x")
            assert plume[f"{key}_{stat}"].attrs["units"] == "ug m-3"
    assert dict(plume.sizes) | {"nv": 2} == {"realization": 1, "time": HOURS, "z": 1, "y": GRID_SIDE,
                                             "x": GRID_SIDE, "nv": 2}
    assert np.all(np.diff(plume["x"].values) == scenario.grid.spacing)
    assert np.all(np.diff(plume["y"].values) == scenario.grid.spacing)
    # 24 hour-beginning steps from the scenario start, 2026-07-15 00:00 +08:00 = 2026-07-14 16:00 UTC.
    expected = np.datetime64("2026-07-14T16:00", "ns") + np.arange(HOURS) * np.timedelta64(1, "h")
    np.testing.assert_array_equal(plume["time"].values, expected)
    assert plume["z"].values.tolist() == [scenario.grid.receptor_height]


def test_grid_is_centred_on_the_stacks(plume, demo):
    from twin.io import load_park

    stacks = load_park(demo.park_yaml).stack_arrays()
    spacing = float(plume["x"][1] - plume["x"][0])
    # scenarios/run.py grid_axes: the default centre is the stacks' centroid, origin rounded to the spacing.
    assert abs(float(plume["x"].mean()) - stacks["x"].mean()) <= spacing
    assert abs(float(plume["y"].mean()) - stacks["y"].mean()) <= spacing


def test_receptor_file_layout(stations, demo):
    from twin.io import load_park

    park = load_park(demo.park_yaml)
    assert stations.sizes["station"] == SENSITIVE_RECEPTORS
    assert stations["station_id"].values.tolist() == [r.id for r in park.receptors]
    for key in POLLUTANTS:
        assert stations[key].dims == ("station", "time")
        assert stations[key].attrs["units"] == "ug m-3"
        assert stations[f"{key}_max_1h"].dims == ("station",)


@pytest.mark.parametrize("name", ["plume.nc", "receptors.nc"])
def test_provenance_is_the_scenario_and_its_hash(demo, scenario, name):
    with xr.open_dataset(demo.results / name, engine="netcdf4") as ds:
        attrs = dict(ds.attrs)
    assert attrs["scenario_config_sha256"] == scenario_hash(scenario)
    assert attrs["scenario_config"] == canonical_json(scenario)
    assert json.loads(attrs["scenario_config"]) == scenario.model_dump(mode="json")
    assert attrs["scenario_id"] == "demo-24h-plume"


@pytest.mark.parametrize("name", ["plume", "stations"])
def test_statistics_agree_with_the_hourly_fields(name, request):
    """max_1h is the maximum over the hours; with 24 hours of one local day, max_24h and period_mean are the mean of
    the hours (GB 3095-2012: a daily mean needs >= 20 valid hours). Both are stored as float32, so they agree to
    float32 precision."""
    ds = request.getfixturevalue(name)
    for key in POLLUTANTS:
        hourly = ds[key].values.astype(np.float64)
        axis = ds[key].dims.index("time")
        scale = float(hourly.max())
        assert scale > 0, f"{key}: the demo field is all zero"
        max_1h = ds[f"{key}_max_1h"].values.astype(np.float64)
        np.testing.assert_allclose(max_1h, hourly.max(axis=axis).reshape(max_1h.shape), rtol=1e-6, atol=0)
        mean = hourly.mean(axis=axis).reshape(max_1h.shape)
        for stat in ("max_24h", "period_mean"):
            np.testing.assert_allclose(ds[f"{key}_{stat}"].values, mean, rtol=1e-5, atol=1e-6 * scale,
                                       err_msg=f"{key}_{stat}")


# ----------------------------------------------------------------------------------------------- summary and pictures


def test_summary_names_each_pollutant_and_its_highest_1h_value(demo, plume):
    text = (demo.results / "summary.txt").read_text(encoding="utf-8")
    chemicals = load_chemicals()
    blocks = text.split("\n\n")
    for key in POLLUTANTS:
        chem = chemicals[key]
        block = next((b for b in blocks if b.startswith(f"{chem.name_en} ({chem.name_zh})")), None)
        assert block is not None, f"no block for {chem.name_en} in:\n{text}"
        match = re.search(r"highest 1-h mean\s+([0-9.]+)", block)
        assert match, block
        highest = float(plume[f"{key}_max_1h"].max())
        assert abs(float(match.group(1)) - highest) <= 0.01, (key, match.group(1), highest)


def test_summary_json_agrees_with_the_netcdf(demo, plume, stations):
    data = json.loads((demo.results / "summary.json").read_text(encoding="utf-8"))
    assert sorted(data["pollutants"]) == sorted(POLLUTANTS)
    ids = stations["station_id"].values.tolist()
    for key in POLLUTANTS:
        entry = data["pollutants"][key]
        field = plume[f"{key}_max_1h"].isel(realization=0, z=0)
        np.testing.assert_allclose(entry["max_1h"]["value_ug_m3"], float(field.max()), rtol=1e-6)
        # ... and the place it names is where the NetCDF holds that value.
        at = field.sel(x=entry["max_1h"]["x"], y=entry["max_1h"]["y"])
        np.testing.assert_allclose(float(at), float(field.max()), rtol=1e-6)
        station_max = dict(zip(ids, stations[f"{key}_max_1h"].values.astype(float)))
        assert set(entry["receptors"]) == set(ids)
        for station, value in entry["receptors"].items():
            np.testing.assert_allclose(value, station_max[station], rtol=1e-6, atol=1e-9, err_msg=station)


@pytest.mark.parametrize("name", ["scene.png", *(f"map_{key}.png" for key in POLLUTANTS)])
def test_pictures_are_pngs_with_content(demo, name):
    with Image.open(demo.results / name) as image:
        assert image.format == "PNG"
        image.load()  # a truncated file fails here
        pixels = np.asarray(image.convert("RGB")).astype(np.uint32)
    height, width, _ = pixels.shape
    assert width >= 800 and height >= 600, (width, height)
    packed = (pixels[..., 0] << 16) | (pixels[..., 1] << 8) | pixels[..., 2]  # one integer per colour: fast unique
    colours, counts = np.unique(packed, return_counts=True)
    assert len(colours) > 200, f"{name}: only {len(colours)} colours"
    assert counts.max() < 0.9 * height * width, f"{name}: one colour covers {counts.max() / (height * width):.0%}"


def test_run_json_marks_the_finished_run_with_its_scenario_hash(demo):
    from scenarios.common.results import read_manifest
    from scenarios.common.spec import scenario_hash
    from scenarios.spec import load_scenario

    manifest = read_manifest(demo.results)
    assert manifest is not None
    assert manifest["scenario_config_sha256"] == scenario_hash(load_scenario(demo.scenario_yaml))
    assert set(manifest["outputs"].values()) == set(FILES) - {"run.json"}


def test_the_demo_runs_the_leak_as_an_ensemble(demo):
    # 50 members of the chlorine leak (wind direction, speed, hole size): probabilities, arrival spread, plan.
    import json

    out = demo.root / "leak_ensemble"
    assert len(list((out / "members").glob("member_*.nc"))) == 50  # leak members stay NetCDF
    for name in ("ensemble.nc", "plan_ensemble.html", "probability_endpoint2.png", "probability_contours.geojson",
                 "receptor_probabilities.csv"):
        assert (out / name).is_file(), name
    receptors = json.loads((out / "receptor_probabilities.json").read_text(encoding="utf-8"))
    probabilities = [r["probability_endpoint2"] for r in receptors]
    assert all(0.0 <= p <= 1.0 for p in probabilities)
    # The wind spread is ±15°: the residential area in the worst-case direction is reached by some members, not all.
    assert any(0.0 < p < 1.0 for p in probabilities)
    for r in receptors:  # the count and the probability say the same thing
        assert r["members_reached_endpoint2"] == round(r["probability_endpoint2"] * 50)


def test_monitor_series_are_the_plume_at_the_monitors_and_feed_parktwin_evaluate(demo, tmp_path):
    """monitors.nc holds the hourly plume at each monitor of park.yaml (station_id = monitor id), and ``parktwin
    evaluate`` pairs it with observations: observations made equal to 2 × the model's series give MG = 2 exactly
    (MG = exp(<ln Co − ln Cp>)) and FB = 2/3 ((2 − 1)/(0.5·3))."""
    from scenarios.cli import main
    from twin.io import load_park

    park = load_park(demo.park_yaml)
    with xr.open_dataset(demo.results / "monitors.nc", engine="netcdf4") as ds:
        monitors = ds.load()
    assert monitors.attrs["featureType"] == "timeSeries"
    assert list(monitors["station_id"].values) == [m.id for m in park.monitors]
    series = monitors["sulfur_dioxide"].values  # (station, time) µg m-3
    station = int(np.argmax(series.max(axis=1)))  # the monitor the plumes reach most
    hours = np.flatnonzero(series[station] > 0.01)
    assert hours.size >= 2
    times = monitors["time"].values
    lines = ["time_start_utc,so2_ug_m3"] + [f"{str(times[h])[:16]},{2 * series[station, h]:.9g}" for h in hours]
    observed = tmp_path / f"{monitors['station_id'].values[station]}.csv"
    observed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "evaluation"
    assert main(["evaluate", "--observed", str(observed), "--predicted", str(demo.results / "monitors.nc"),
                 "--out", str(out), "--threshold", "0.001", "--resamples", "100"]) == 0
    entry = json.loads((out / "evaluation.json").read_text(encoding="utf-8"))["substances"]["sulfur_dioxide"]
    assert entry["n_pairs"] == hours.size
    assert entry["model_a"]["MG"]["value"] == pytest.approx(2.0, rel=1e-6)
    assert entry["model_a"]["FB"]["value"] == pytest.approx(2 / 3, rel=1e-6)
