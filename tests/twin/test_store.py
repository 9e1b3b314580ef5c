"""Tests of twin.store: CF/ACDD compliance of written files, atomic writes, provenance, encoding."""

from __future__ import annotations

import hashlib
import json

import netCDF4
import numpy as np
import pytest
import shapely
import xarray as xr
from compliance_checker.runner import CheckSuite, ComplianceChecker
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.twin.test_schema import CHLORINE, SULFUR_DIOXIDE, make_grid, make_receptors
from twin import store
from twin.errors import InputError, MissingInputError

SCENARIO = {"kind": "leak", "substance": "chlorine", "tank": "T-101", "start": "2025-07-01T08:00:00+08:00", "名称": "液氯储罐泄漏"}
CHECKERS = ["cf:1.11", "acdd:1.3"]

# compliance-checker 6.1 announces its own deprecations (IOOS SOS checker, check signature); not ours to act on.
pytestmark = [
    pytest.mark.filterwarnings("ignore:The ioos_sos checker is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Passing the dataset to every single check is deprecated:DeprecationWarning"),
]


def provenance(**overrides) -> store.Provenance:
    kwargs = dict(
        scenario_config=json.dumps(SCENARIO, indent=2, ensure_ascii=False),
        command_line=["parktwin", "run", "leak.yaml"],
        random_seed=7,
        extra_attrs={"scenario_id": "leak-T101"},
    )
    kwargs.update(overrides)
    return store.Provenance(**kwargs)


def write(ds, path, **overrides):
    return store.write_netcdf(
        ds,
        path,
        overrides.pop("provenance", provenance()),
        title="ParkTwin test output",
        summary="Synthetic concentrations written by the ParkTwin test suite.",
        keywords=["air quality", "dispersion", "chemical park"],
        **overrides,
    )


@pytest.fixture(scope="module")
def checker_suite():
    suite = CheckSuite()
    suite.load_all_available_checkers()
    return suite


def high_priority_failures(path, report_path) -> dict[str, list[tuple[str, list[str]]]]:
    """Run compliance-checker (CF-1.11 and ACDD-1.3) and return the failed high-priority checks per checker."""
    ComplianceChecker.run_checker(
        str(path), CHECKERS, verbose=0, criteria="normal", output_filename=str(report_path), output_format="json"
    )
    report = json.loads(report_path.read_text())
    assert set(report) == set(CHECKERS), f"checker did not run: {report.keys()}"
    return {
        checker: [(item["name"], item["msgs"]) for item in result["high_priorities"] if item["value"][0] < item["value"][1]]
        for checker, result in report.items()
    }


def readable(failures) -> str:
    return "\n".join(f"{checker}: {name}: {msgs}" for checker, items in failures.items() for name, msgs in items)


# ---------------------------------------------------------------------------------------------- compliance


@pytest.mark.parametrize("builder", [make_grid, make_receptors], ids=["grid", "receptors"])
def test_files_with_cf_named_substances_pass_both_checkers(builder, checker_suite, tmp_path):
    path = write(builder(substances=[SULFUR_DIOXIDE]), tmp_path / "out.nc")
    failures = high_priority_failures(path, tmp_path / "report.json")
    assert failures == {"cf:1.11": [], "acdd:1.3": []}, readable(failures)


@pytest.mark.parametrize("builder", [make_grid, make_receptors], ids=["grid", "receptors"])
def test_a_substance_without_cf_name_misses_only_the_acdd_standard_name(builder, checker_suite, tmp_path):
    """Chlorine has no CF standard name; writing a made-up one would break CF §3.3. ACDD-1.3 "highly recommends" a
    standard_name on every variable, so exactly that item is reported for the chlorine variables, and nothing else."""
    ds = builder(substances=[SULFUR_DIOXIDE, CHLORINE])
    path = write(ds, tmp_path / "out.nc")
    failures = high_priority_failures(path, tmp_path / "report.json")
    chlorine = sorted(name for name in ds.data_vars if ds[name].attrs.get("substance") == "chlorine")
    expected = [(f'variable "{name}" missing the following attributes:', ["standard_name"]) for name in chlorine]
    assert failures["cf:1.11"] == [], readable(failures)
    assert sorted(failures["acdd:1.3"]) == expected, readable(failures)


def test_the_check_can_fail(checker_suite, tmp_path):
    ds = make_grid(substances=[SULFUR_DIOXIDE])
    ds["sulfur_dioxide"].attrs["standard_name"] = "mass_concentration_of_unobtainium_in_air"
    path = write(ds, tmp_path / "bogus.nc")
    failures = high_priority_failures(path, tmp_path / "report.json")
    messages = " ".join(" ".join(msgs) for _, msgs in failures["cf:1.11"])
    assert "mass_concentration_of_unobtainium_in_air" in messages, readable(failures)


# ---------------------------------------------------------------------------------------------- atomic writes


def test_a_failed_write_leaves_no_file(monkeypatch, tmp_path):
    def write_half_then_fail(self, path, *args, **kwargs):
        with open(path, "wb") as handle:
            handle.write(b"\x89HDF\r\n\x1a\n half a file")
        raise OSError("disk full")

    monkeypatch.setattr(xr.Dataset, "to_netcdf", write_half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        write(make_grid(), tmp_path / "member_0007.nc")
    assert list(tmp_path.iterdir()) == []


def test_a_successful_write_leaves_only_the_final_file(tmp_path):
    path = write(make_grid(), tmp_path / "member_0007.nc")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["member_0007.nc"]
    assert path == tmp_path / "member_0007.nc"


# ---------------------------------------------------------------------------------------------- provenance


def test_provenance_round_trip(tmp_path):
    path = write(make_grid(), tmp_path / "out.nc")
    with store.read_netcdf(path) as ds:
        attrs = dict(ds.attrs)
    # canonical JSON: sorted keys, no white space, UTF-8 as is; its SHA-256 computed here independently.
    canonical = json.dumps(SCENARIO, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert attrs["scenario_config"] == canonical
    assert json.loads(attrs["scenario_config"]) == SCENARIO
    assert attrs["scenario_config_sha256"] == hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    assert attrs["random_seed"] == 7
    assert attrs["scenario_id"] == "leak-T101"
    assert attrs["history"].endswith(" parktwin run leak.yaml")
    for name in ("parktwin_version", "numpy_version", "numba_version", "xarray_version", "netcdf4_version"):
        assert attrs[name] and attrs[name] != "not installed", name
    assert attrs["numpy_version"] == np.__version__
    assert attrs["source"] == f"parktwin {attrs['parktwin_version']}"


@settings(max_examples=30, deadline=None)
@given(st.dictionaries(st.text(max_size=5), st.integers() | st.text(max_size=5) | st.floats(allow_nan=False, allow_infinity=False), max_size=6))
def test_the_hash_ignores_key_order_and_white_space(config):
    reordered = dict(reversed(list(config.items())))
    first = store.Provenance(json.dumps(config), "cmd").scenario_config_sha256
    second = store.Provenance(json.dumps(reordered, indent=3, ensure_ascii=False), "cmd").scenario_config_sha256
    assert first == second


def test_provenance_inputs_are_checked(tmp_path):
    with pytest.raises(InputError, match="scenario_config must be a JSON document"):
        store.Provenance("{not json", "cmd")
    with pytest.raises(InputError, match="scenario_config must be a JSON document"):
        store.Provenance('{"rate": NaN}', "cmd")
    with pytest.raises(InputError, match="random_seed must be None or an integer >= 0, got -1"):
        store.Provenance("{}", "cmd", random_seed=-1)
    with pytest.raises(InputError, match="extra_attrs must be names other than the computed attributes"):
        write(make_grid(), tmp_path / "unused.nc", provenance=store.Provenance("{}", "cmd", extra_attrs={"title": "x"}))


def test_finished_output_matches(tmp_path):
    prov = provenance()
    path = write(make_grid(), tmp_path / "member_0001.nc", provenance=prov)
    assert store.finished_output_matches(path, prov.scenario_config_sha256)
    assert not store.finished_output_matches(path, provenance(scenario_config="{}").scenario_config_sha256)
    assert not store.finished_output_matches(tmp_path / "member_0002.nc", prov.scenario_config_sha256)
    broken = tmp_path / "member_0003.nc"
    broken.write_bytes(b"\x89HDF\r\n\x1a\n truncated")
    assert not store.finished_output_matches(broken, prov.scenario_config_sha256)


def test_rewriting_a_read_file_keeps_the_history_newest_first(tmp_path):
    first = write(make_grid(), tmp_path / "first.nc")
    with store.read_netcdf(first) as ds:
        second = write(ds.load(), tmp_path / "second.nc", provenance=provenance(command_line="parktwin merge"))
    with store.read_netcdf(second) as ds:
        lines = ds.attrs["history"].splitlines()
        assert lines[0].endswith(" parktwin merge") and lines[1].endswith(" parktwin run leak.yaml")
        assert ds["sulfur_dioxide_max_1h"].encoding["coordinates"] == "lat lon period"


def test_reading_a_missing_file_names_it(tmp_path):
    with pytest.raises(MissingInputError, match="nothing.nc"):
        store.read_netcdf(tmp_path / "nothing.nc")


# ---------------------------------------------------------------------------------------------- encoding


def test_encoding_of_data_and_coordinates(tmp_path):
    ds = make_grid(n_time=30)  # longer than a day: time chunks of 24
    ds["chlorine"][0, 0, 0, 0, 0] = np.nan
    path = write(ds, tmp_path / "out.nc", complevel=5)
    with netCDF4.Dataset(path) as nc:
        field = nc["chlorine"]
        assert field.dtype == np.float32
        assert field.chunking() == [1, 24, 1, Y_SIZE, X_SIZE]
        assert nc["chlorine_max_24h"].chunking() == [1, 1, Y_SIZE, X_SIZE]
        filters = field.filters()
        assert filters["zlib"] and filters["shuffle"] and filters["complevel"] == 5
        assert field._FillValue == np.float32(-9999.0)
        field.set_auto_mask(False)
        assert field[0, 0, 0, 0, 0] == np.float32(-9999.0)  # NaN is written as the fill value
        for name in ("x", "y", "z", "time", "lat", "lon", "realization", "time_bnds", "period_bnds"):
            assert "_FillValue" not in nc[name].ncattrs(), name
        time = nc["time"]
        assert time.units == "hours since 2025-07-01" and time.calendar == "proleptic_gregorian"
        assert time.units_metadata == "leap_seconds: none"
        np.testing.assert_array_equal(time[:3], [1.0, 2.0, 3.0])
        assert nc["sulfur_dioxide"].coordinates == "lat lon"  # the scalar period belongs to the statistics only
        assert nc["sulfur_dioxide_max_24h"].coordinates == "lat lon period_days"
        assert "coordinates" not in nc.ncattrs()
    with store.read_netcdf(path) as back:
        assert np.isnan(back["chlorine"].values[0, 0, 0, 0, 0])
        np.testing.assert_allclose(back["chlorine"].values[0, 1:], ds["chlorine"].values[0, 1:])
        np.testing.assert_array_equal(back["time"].values, ds["time"].values)


Y_SIZE, X_SIZE = make_grid().sizes["y"], make_grid().sizes["x"]


def test_discovery_attributes(tmp_path):
    ds = make_grid()
    path = write(ds, tmp_path / "out.nc")
    with store.read_netcdf(path) as back:
        attrs = back.attrs
    assert attrs["Conventions"] == "CF-1.11, ACDD-1.3"
    assert attrs["project"] == "ParkTwin" and attrs["institution"] == "ParkTwin test suite"
    assert attrs["standard_name_vocabulary"] == "CF Standard Name Table v93"
    assert attrs["keywords"] == "air quality, dispersion, chemical park"
    assert attrs["time_coverage_start"] == "2025-07-01T00:00:00Z" and attrs["time_coverage_end"] == "2025-07-01T03:00:00Z"
    assert attrs["time_coverage_duration"] == "PT3H" and attrs["time_coverage_resolution"] == "PT1H"
    assert attrs["geospatial_lat_min"] == pytest.approx(ds["lat"].values.min())
    assert attrs["geospatial_lon_max"] == pytest.approx(ds["lon"].values.max())
    assert attrs["geospatial_vertical_min"] == attrs["geospatial_vertical_max"] == 1.5
    # EPSG:4490 (CGCS2000 geographic) orders latitude first, so the WKT does too (ACDD geospatial_bounds).
    assert attrs["geospatial_bounds_crs"] == "EPSG:4490"
    bounds = shapely.from_wkt(attrs["geospatial_bounds"])
    centre = shapely.Point(float(ds["lat"].values[2, 3]), float(ds["lon"].values[2, 3]))
    assert bounds.contains(centre)
    assert attrs["id"].startswith("parktwin_") and " " not in attrs["id"]


@pytest.mark.parametrize(("hours", "expected"), [(3, "PT3H"), (24, "P1D"), (8760, "P365D"), (1.5, "PT1H30M"), (0, "PT0S")])
def test_iso_durations(hours, expected):
    assert store._iso_duration(np.timedelta64(int(hours * 3600), "s")) == expected
