"""Every reader, fuzzed (issue 13, "Bad input, everywhere").

Each reader gets a valid sample of its input, broken by hypothesis in the ways a new user and a hostile probe broke
them: a value replaced (by text, NaN, ±inf, 1e300, 1e400, a list, a mapping, a path, a unit), a key removed, the file
cut short, bytes flipped or inserted. Whatever comes in, the reader either returns a dataset whose numbers are finite
where they must be, or raises a ParkTwinError with exit 65, 66 or 73 whose message names the file — never another
exception (which the CLI turns into exit 70 with a traceback).

Readers: park.yaml (with its DEM and buildings), scenario files of every kind, station CSV, AERMET SFC, forecast
NetCDF, CMA and IBTrACS tracks, DEM GeoTIFF and NetCDF, buildings GeoJSON, and the CLI's options. The case counts are
kept small enough for CI (the whole module runs in well under a minute on two idle cores); raise them locally with
the environment variables at ``CASES``.
"""

from __future__ import annotations

import copy
import json
import math
import os
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meteo.aermet import read_aermet
from meteo.forecast import read_forecast_netcdf, write_sample_forecast
from meteo.io import read_station_csv
from meteo.typhoon_tracks import read_cma_best_track, read_ibtracs_csv
from scenarios.cli import main
from scenarios.spec import load_scenario
from tests.meteo.test_aermet import HEADER as SFC_HEADER
from tests.meteo.test_aermet import SFC_RECORDS
from tests.twin import park_factory
from twin.buildings import read_buildings
from twin.errors import ParkTwinError
from twin.io import load_park, park_crs
from twin.dem_io import read_dem, write_dem_geotiff

# Examples per reader: kept fast for CI (derandomized: the same cases every run); PARKTWIN_FUZZ_CASES=2000 with
# PARKTWIN_FUZZ_RANDOM=1 searches further on a developer's machine.
CASES = int(os.environ.get("PARKTWIN_FUZZ_CASES", "150"))
FUZZ = settings(max_examples=CASES, deadline=None, derandomize=not os.environ.get("PARKTWIN_FUZZ_RANDOM"),
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
ALLOWED_EXIT_CODES = {65, 66, 73}
DATA = Path(__file__).parent / "meteo" / "data"

# Values a user or a probe put where a number, a name or a list belonged.
HOSTILE_TEXT = ["", " ", "nan", "NaN", "inf", "-inf", "1e400", "-1e400", "1e300", "-1e300", "1e-300", "0", "-1",
                "abc", "25 degC", "1.0 MPa", "50 °C", "10 km/h", "../../../../etc/passwd", "/etc/passwd", "~",
                "a" * 300, "2026-13-45T99:00+08:00", "null", "[]", "{}", "∞", "١٢٣", "\x00", "1,5", "0x10"]
hostile_values = st.one_of(
    st.none(), st.booleans(), st.integers(-10**30, 10**30),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(HOSTILE_TEXT), st.text(max_size=12),
    st.lists(st.one_of(st.integers(-5, 5), st.floats(allow_nan=True)), max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers(-3, 3), max_size=2),
)


def expect_clean(call, path: Path | None = None):
    """Run ``call``: its result, or None when it refused the input the way the CLI reports bad input."""
    try:
        return call()
    except ParkTwinError as error:
        assert error.exit_code in ALLOWED_EXIT_CODES, f"exit {error.exit_code}: {error}"
        if path is not None:
            assert path.name in str(error), f"the message does not name {path.name}: {error}"
        return None


# ------------------------------------------------------------------------------------------- structured documents

def leaf_paths(node, prefix=()):
    """Every path to a value in a nested dict/list document (the places a mutation can hit)."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield prefix + (key,)
            yield from leaf_paths(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield prefix + (index,)
            yield from leaf_paths(value, prefix + (index,))


@st.composite
def mutated_document(draw, document):
    """``document`` with one to three values replaced by hostile ones or removed."""
    document = copy.deepcopy(document)
    for _ in range(draw(st.integers(1, 3))):
        paths = list(leaf_paths(document))
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = document
        for key in path[:-1]:
            parent = parent[key]
        if isinstance(parent, dict) and draw(st.booleans()) and draw(st.booleans()):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(hostile_values)
    return document


@st.composite
def mutated_text(draw, text: str):
    """``text`` cut short, with a line dropped or doubled, a token replaced, or characters inserted."""
    kind = draw(st.sampled_from(["cut", "token", "insert", "line", "token", "token"]))
    if kind == "cut":
        return text[:draw(st.integers(0, len(text)))]
    if kind == "insert":
        at = draw(st.integers(0, len(text)))
        return text[:at] + draw(st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=8))) + text[at:]
    lines = text.splitlines(keepends=True)
    if kind == "line":
        index = draw(st.integers(0, len(lines) - 1))
        return "".join(lines[:index] + (lines[index:index + 1] * draw(st.sampled_from([0, 2]))) + lines[index + 1:])
    index = draw(st.integers(0, len(lines) - 1))
    separator = "," if "," in lines[index] else " "
    tokens = lines[index].rstrip("\n").split(separator)
    at = draw(st.integers(0, len(tokens) - 1))
    tokens[at] = draw(st.sampled_from(HOSTILE_TEXT))
    lines[index] = separator.join(tokens) + "\n"
    return "".join(lines)


@st.composite
def mutated_bytes(draw, data: bytes):
    """``data`` truncated, or with a few bytes flipped or inserted."""
    kind = draw(st.sampled_from(["cut", "flip", "insert"]))
    if kind == "cut":
        return data[:draw(st.integers(0, len(data) - 1))]
    data = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data) - 1))
        if kind == "flip":
            data[at] ^= draw(st.integers(1, 255))
        else:
            data[at:at] = draw(st.binary(min_size=1, max_size=4))
    return bytes(data)


# ------------------------------------------------------------------------------------------------ the readers

@pytest.fixture(scope="module")
def park_bundle(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz-park")
    park_factory.write_bundle(folder)
    return folder


@FUZZ
@given(data=st.data())
def test_park_yaml(park_bundle, data):
    spec = data.draw(mutated_document(park_factory.small_spec()))
    path = park_bundle / "park-fuzz.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    park = expect_clean(lambda: load_park(path), path)
    if park is not None:
        for stack in park.spec.stacks:
            assert all(math.isfinite(v) for v in (stack.height, stack.inner_diameter, stack.exit_velocity,
                                                  stack.exit_temperature))


@FUZZ
@given(data=st.data())
def test_park_yaml_text(park_bundle, data):
    text = yaml.safe_dump(park_factory.small_spec(), allow_unicode=True, sort_keys=False)
    path = park_bundle / "park-text.yaml"
    path.write_text(data.draw(mutated_text(text)), encoding="utf-8")
    expect_clean(lambda: load_park(path), path)


@pytest.fixture(scope="module")
def demo_scenarios(tmp_path_factory):
    from scenarios.demo import write_demo

    files = write_demo(tmp_path_factory.mktemp("fuzz-demo"))
    return {name: yaml.safe_load(path.read_text(encoding="utf-8")) | {"__path": str(path)}
            for name, path in files.items() if name not in ("park", "weather")}


@FUZZ
@given(data=st.data())
def test_scenario_files_of_every_kind(demo_scenarios, data):
    name = data.draw(st.sampled_from(sorted(demo_scenarios)))
    document = {key: value for key, value in demo_scenarios[name].items() if key != "__path"}
    path = Path(demo_scenarios[name]["__path"]).with_name(f"fuzz-{name}.yaml")
    path.write_text(yaml.safe_dump(data.draw(mutated_document(document)), allow_unicode=True), encoding="utf-8")
    expect_clean(lambda: load_scenario(path), path)


STATION = """time,wind_speed_m_s,wind_direction_deg,air_temperature_C,total_cloud_tenths,low_cloud_tenths,ceiling_height_m,mixing_height_m,pressure_hPa
2026-07-01T08:00+08:00,2.5,135,28.5,3,1,inf,,1005.2
2026-07-01T09:00+08:00,0.4,140,29.0,7,6,1200,900,1005.0
2026-07-01T10:00+08:00,3.1,150,30.2,10,10,600,,1004.8
2026-07-01T11:00+08:00,3.4,155,30.9,9,8,650,1100,1004.6
"""
WEATHER_VARIABLES = ("wind_speed", "wind_from_direction", "air_temperature", "cloud_area_fraction",
                     "low_cloud_area_fraction")


def assert_finite_weather(ds):
    for name in WEATHER_VARIABLES:
        assert np.all(np.isfinite(ds[name].values)), name
    assert np.all(ds["wind_speed"].values >= 0)


@FUZZ
@given(data=st.data(), fill=st.sampled_from([0, 0, 1, 3]))
def test_station_csv(tmp_path_factory, data, fill):
    path = tmp_path_factory.mktemp("csv") / "station.csv"
    encoding = data.draw(st.sampled_from(["utf-8", "utf-8", "gb18030", "utf-16"]))
    path.write_bytes(data.draw(mutated_text(STATION)).encode(encoding, errors="replace"))
    ds = expect_clean(lambda: read_station_csv(path, fill_missing_hours=fill), path)
    if ds is not None:
        assert_finite_weather(ds)


@FUZZ
@given(data=st.data(), fill=st.booleans())
def test_aermet_sfc(tmp_path_factory, data, fill):
    path = tmp_path_factory.mktemp("sfc") / "T.SFC"
    path.write_text(data.draw(mutated_text("\n".join([SFC_HEADER, *SFC_RECORDS]) + "\n")), encoding="utf-8")
    ds = expect_clean(lambda: read_aermet(path, utc_offset_hours=8.0, fill_missing=fill), path)
    if ds is not None:
        assert np.all(np.isfinite(ds["wind_speed"].values)) and np.all(ds["wind_speed"].values >= 0)


@pytest.fixture(scope="module")
def sample_forecast(tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzz-forecast") / "sample.nc"
    write_sample_forecast(path, start="2026-07-15T00:00+00:00", hours=6, longitude=121.5, latitude=31.9)
    with xr.open_dataset(path, engine="netcdf4") as ds:
        return ds.load()


@st.composite
def mutated_forecast(draw, ds: xr.Dataset):
    ds = ds.copy(deep=True)
    names = sorted(map(str, ds.variables))
    for _ in range(draw(st.integers(1, 3))):
        name = draw(st.sampled_from(names))
        if name not in ds.variables:
            continue
        kind = draw(st.sampled_from(["value", "units", "drop", "value"]))
        if kind == "drop" and name not in ds.dims:
            ds = ds.drop_vars(name)
        elif kind == "units":
            ds[name].attrs["units"] = draw(st.sampled_from(["", "km/h", "%", "degF", "hPa", "furlongs",
                                                            "hours since 1970-01-01", "1"]))
        elif ds[name].dtype.kind == "f":
            values = ds[name].values.copy()
            index = draw(st.integers(0, values.size - 1))
            values.flat[index] = draw(st.sampled_from([np.nan, np.inf, -np.inf, 1e300, -1e300, 0.0, -1.0]))
            ds[name] = (ds[name].dims, values, ds[name].attrs)
    return ds


@FUZZ
@given(data=st.data())
def test_forecast_netcdf(sample_forecast, tmp_path_factory, data):
    path = tmp_path_factory.mktemp("nc") / "forecast.nc"
    try:
        data.draw(mutated_forecast(sample_forecast)).to_netcdf(path, engine="netcdf4")
    except (ValueError, TypeError):  # a mutation xarray itself cannot write (not the reader's business)
        return
    ds = expect_clean(lambda: read_forecast_netcdf(path, longitude=121.5, latitude=31.9), path)
    if ds is not None:
        assert_finite_weather(ds)


@FUZZ
@given(data=st.data(), which=st.sampled_from(["cma", "ibtracs"]))
def test_typhoon_tracks(tmp_path_factory, data, which):
    sample = DATA / ("cma_constructed_sample.txt" if which == "cma" else "ibtracs_constructed_sample.csv")
    path = tmp_path_factory.mktemp("track") / sample.name
    path.write_text(data.draw(mutated_text(sample.read_text(encoding="utf-8"))), encoding="utf-8")
    reader = read_cma_best_track if which == "cma" else read_ibtracs_csv
    track = expect_clean(lambda: reader(path), path)
    if track is not None:
        for name in track.data_vars:
            values = np.asarray(track[name].values)
            if values.dtype.kind == "f" and name in ("latitude", "longitude", "lat", "lon"):
                assert np.all(np.isfinite(values)), name


@pytest.fixture(scope="module")
def dem_bytes(tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzz-dem") / "dem.tif"
    write_dem_geotiff(path, park_factory.small_terrain(), park_factory.EPSG)
    return path.read_bytes()


@FUZZ
@given(data=st.data())
def test_dem_geotiff(dem_bytes, tmp_path_factory, data):
    path = tmp_path_factory.mktemp("tif") / "dem.tif"
    path.write_bytes(data.draw(mutated_bytes(dem_bytes)))
    terrain = expect_clean(lambda: read_dem(path, park_crs(park_factory.EPSG, "fuzz")), path)
    if terrain is not None:
        assert np.all(np.isfinite(terrain.elevation))


@FUZZ
@given(data=st.data())
def test_buildings_geojson(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("geojson") / "buildings.geojson"
    document = data.draw(mutated_document(park_factory.buildings_geojson()))
    path.write_text(json.dumps(document, allow_nan=True), encoding="utf-8")
    buildings = expect_clean(lambda: read_buildings(path, park_crs(park_factory.EPSG, "fuzz")), path)
    for building in buildings or []:
        assert math.isfinite(building.height) and building.height > 0


# ---------------------------------------------------------------------------------------------- CLI options

FORECAST_OPTIONS = ["--members", "--hours", "--cycle", "--grid-spacing", "--grid-size", "--scheduler",
                    "--flood-grid-spacing", "--flood-grid-size", "--heavy-rain-1h-mm"]


@FUZZ
@given(option=st.sampled_from(FORECAST_OPTIONS),
       value=st.one_of(st.sampled_from(HOSTILE_TEXT + ["tcp://127.0.0.1:1", "-5", "0", "1e9", "nan"]),
                       st.floats(allow_nan=True, allow_infinity=True).map(repr), st.text(max_size=10)))
def test_cli_forecast_options(park_bundle, tmp_path_factory, option, value):
    """Options checked before any work: a bad value is usage (2) or bad input (65), never a traceback (70). The
    forecast file does not exist, so a good value ends as 'not there yet' (75) without running anything."""
    out = tmp_path_factory.mktemp("cli")
    try:
        code = main(["forecast", str(park_bundle / "park.yaml"), str(out / "not-yet.nc"), "--out", str(out / "o"),
                     option, value])
    except SystemExit as done:  # argparse: usage error
        code = done.code
    assert code in (2, 65, 66, 75), f"{option} {value!r}: exit {code}"
