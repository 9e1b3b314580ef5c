"""The Python API of ``docs/api.md``: the lazy ``scenarios`` facade, ``run_scenario`` from a dict, ``write_demo``,
and reading a run's results back (``scenarios.results``)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import xarray as xr

import scenarios
from scenarios.results import open_results, read_json_results
from scenarios.run import run_scenario
from tests.scenarios.conftest import cli_env
from twin.errors import InputError, MissingInputError


def test_import_scenarios_stays_light_and_every_public_name_resolves():
    code = ("import sys, scenarios; heavy = [m for m in ('numba', 'xarray', 'matplotlib', 'pyvista') "
            "if m in sys.modules]; assert not heavy, heavy; "
            "missing = [n for n in scenarios.__all__ if getattr(scenarios, n, None) is None]; "
            "assert not missing, missing; print(len(scenarios.__all__))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=cli_env(), timeout=120)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) == len(scenarios.__all__) >= 15


def test_the_facade_exports_the_defining_objects_and_nothing_else():
    from scenarios.spec import scenario_from_dict
    from twin.io import load_park

    assert scenarios.scenario_from_dict is scenario_from_dict and scenarios.load_park is load_park
    assert scenarios.InputError is InputError and scenarios.open_results is open_results
    assert {"load_park", "scenario_from_dict", "run_scenario", "open_results", "KINDS"} <= set(dir(scenarios))
    with pytest.raises(AttributeError, match="no attribute 'run_everything'"):
        scenarios.run_everything  # noqa: B018


def test_run_scenario_validates_a_dict_and_names_the_bad_field(tmp_path):
    with pytest.raises(InputError, match=r"my study.*hole_diameter"):
        run_scenario({"kind": "leak", "name": "x", "park": "park.yaml", "risk_source": "T1",
                      "source_term": {"model": "tank_liquid_hole"}, "start": "2026-07-15T02:00:00+08:00",
                      "meteorology": {"preset": "hj169_worst"}}, base_dir=tmp_path, out_dir=tmp_path / "out",
                     where="my study")


def test_run_scenario_relative_park_starts_from_base_dir(tmp_path):
    data = {"kind": "leak", "name": "x", "park": "no-such/park.yaml", "risk_source": "T1",
            "source_term": {"model": "direct", "rate": 1.0, "duration": 60.0}, "start": "2026-07-15T02:00:00+08:00",
            "meteorology": {"preset": "hj169_worst"}}
    with pytest.raises(MissingInputError, match="base_dir") as raised:
        run_scenario(data, base_dir=tmp_path, out_dir=tmp_path / "out")
    assert str(tmp_path / "no-such" / "park.yaml") in str(raised.value)
    assert not (tmp_path / "out").exists()  # nothing written before the inputs are found


def test_write_demo_writes_valid_scenarios_without_running_them(tmp_path):
    files = scenarios.write_demo(tmp_path)
    assert files["park"] == tmp_path / "park" / "park.yaml" and files["weather"].is_file()
    kinds = {name: scenarios.load_scenario(files[name]).kind
             for name in ("plume", "leak", "leak_ensemble", "eia", "typhoon", "ensemble", "water")}
    assert kinds == {"plume": "plume", "leak": "leak", "leak_ensemble": "leak", "eia": "eia", "typhoon": "typhoon",
                     "ensemble": "plume", "water": "water"}
    assert not (tmp_path / "results").exists() and not any(tmp_path.rglob("run.json"))


# ------------------------------------------------------------------------------------------- reading results


def _finished_run(folder, outputs, netcdf=("out.nc",)):
    folder.mkdir(parents=True, exist_ok=True)
    for name in netcdf:
        xr.Dataset({"c": (("y", "x"), np.arange(6.0).reshape(2, 3), {"units": "mg m-3"})}).to_netcdf(folder / name)
    (folder / "run.json").write_text(json.dumps({"scenario": "t", "outputs": outputs}), encoding="utf-8")


def test_open_results_reads_what_run_json_lists_nested_runs_included_members_not(tmp_path):
    _finished_run(tmp_path, {"netcdf": "out.nc", "impacts": "impacts.json", "map": "map.png"})
    (tmp_path / "impacts.json").write_text('{"zones": []}', encoding="utf-8")
    (tmp_path / "stray.nc").write_bytes(b"")  # not listed: not read
    _finished_run(tmp_path / "leak", {"netcdf": "leak.nc"}, netcdf=("leak.nc",))
    _finished_run(tmp_path / "members" / "member_0000", {"netcdf": "out.nc"})
    _finished_run(tmp_path / "T-CL01", ["forecast.nc"], netcdf=("forecast.nc",))  # a forecast cycle lists paths
    datasets = open_results(tmp_path, load=True)
    assert sorted(datasets) == ["T-CL01/forecast", "leak/leak", "out"]
    assert datasets["out"]["c"].attrs["units"] == "mg m-3" and float(datasets["leak/leak"]["c"].sum()) == 15.0
    with open_results(tmp_path)["out"] as lazy:
        assert lazy["c"].shape == (2, 3)
    assert read_json_results(tmp_path) == {"impacts": {"zones": []}}


def test_open_results_of_an_unfinished_or_broken_run_says_why(tmp_path):
    with pytest.raises(MissingInputError, match="no run.json"):
        open_results(tmp_path)
    (tmp_path / "run.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="run manifest"):
        open_results(tmp_path)
    (tmp_path / "run.json").write_text(json.dumps({"outputs": {"netcdf": "gone.nc"}}), encoding="utf-8")
    with pytest.raises(MissingInputError, match="gone.nc"):
        open_results(tmp_path)
    (tmp_path / "run.json").write_text(json.dumps({"outputs": 3}), encoding="utf-8")
    with pytest.raises(InputError, match="outputs must be"):
        open_results(tmp_path)
