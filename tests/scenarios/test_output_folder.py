"""One run at a time per output folder, no stale "finished" marker, and a completion marker for ensembles
(issue 13 F): two runs into one folder both exited 70 or both exited 0 with only one run's files; a rerun killed
midway left the previous run's run.json beside its new files; ensembles wrote no run.json at all."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from scenarios.common.batch import BatchLockedError
from scenarios.common.results import LOCK_NAME, output_folder, read_manifest
from scenarios.registry import ScenarioKind
from scenarios.run import run_scenario_file
from tests.scenarios.conftest import XDIST_GROUP
from tests.scenarios.test_atomic import coarse, fail_half_way
from twin.errors import OutputError

pytestmark = pytest.mark.xdist_group(XDIST_GROUP)


def test_a_second_run_into_a_folder_in_use_is_retry_later(bundle):
    bundle.edit_yaml(bundle.scenario_yaml, coarse)
    out = bundle.root / "out"
    with output_folder(out):  # another run holds the folder
        with pytest.raises(BatchLockedError, match="another run is running and writing this folder") as caught:
            run_scenario_file(bundle.scenario_yaml, out)
        assert caught.value.exit_code == 75
        assert sorted(p.name for p in out.iterdir()) == [LOCK_NAME]  # nothing written by the refused run
    run_scenario_file(bundle.scenario_yaml, out)  # the folder is free again
    assert read_manifest(out) is not None and not (out / LOCK_NAME).exists()


def test_a_lock_left_by_a_dead_process_is_taken_over(bundle):
    bundle.edit_yaml(bundle.scenario_yaml, coarse)
    out = bundle.root / "out"
    out.mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (out / LOCK_NAME).write_text(json.dumps({"pid": int(dead.stdout), "host": os.uname().nodename,
                                              "started": "2026-12-05T00:00:00+00:00"}), encoding="utf-8")
    run_scenario_file(bundle.scenario_yaml, out)
    assert read_manifest(out) is not None and not (out / LOCK_NAME).exists()


def test_a_rerun_that_fails_midway_leaves_no_finished_marker(bundle, monkeypatch):
    import xarray as xr

    bundle.edit_yaml(bundle.scenario_yaml, coarse)
    out = bundle.root / "out"
    run_scenario_file(bundle.scenario_yaml, out)
    assert read_manifest(out) is not None
    fail_half_way(monkeypatch, xr.Dataset, "to_netcdf", lambda path: path.name.lstrip(".").startswith("receptors"))
    with pytest.raises(OutputError, match="No space left"):  # exit 73 (twin.atomic), not a traceback
        run_scenario_file(bundle.scenario_yaml, out)
    assert read_manifest(out) is None  # the old run.json went first: the folder no longer claims to be finished
    assert not (out / LOCK_NAME).exists()


def _fake_ensemble(scenario, scenario_path, out_dir, *, scheduler, workers):
    """An ensemble runner that writes two files and a member folder (for the registry's wrapper)."""
    (out_dir / "members").mkdir(exist_ok=True)
    (out_dir / "members" / "member_0000.npz").write_bytes(b"x")
    (out_dir / "ensemble.json").write_text("{}\n", encoding="utf-8")
    (out_dir / "probability.nc").write_bytes(b"CDF")
    if scenario.name == "dies":
        raise RuntimeError("killed")
    return "done"


def test_an_ensemble_writes_run_json_last_and_only_when_it_finishes(tmp_path):
    from types import SimpleNamespace

    from scenarios.plume.spec import PlumeScenario

    kind = ScenarioKind("plume", PlumeScenario, "x:y", f"{__name__}:_fake_ensemble", "test")
    scenario = SimpleNamespace(name="ok", model_dump=lambda **_: {"name": "ok"})
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("scenarios.common.results.scenario_hash", lambda s: "0" * 64)
        assert kind.run_ensemble(scenario, tmp_path / "s.yaml", tmp_path / "out", scheduler=None, workers=1) == "done"
        manifest = read_manifest(tmp_path / "out")
        assert manifest["outputs"] == {"ensemble.json": "ensemble.json", "probability.nc": "probability.nc"}
        scenario.name = "dies"
        with pytest.raises(RuntimeError):
            kind.run_ensemble(scenario, tmp_path / "s.yaml", tmp_path / "out", scheduler=None, workers=1)
    assert read_manifest(tmp_path / "out") is None and not (tmp_path / "out" / LOCK_NAME).exists()


def test_an_output_folder_that_is_a_file_or_read_only_is_exit_73(tmp_path):
    (tmp_path / "afile").write_text("x")
    with pytest.raises(OutputError) as caught:
        with output_folder(tmp_path / "afile"):
            pass
    assert caught.value.exit_code == 73
    if os.geteuid() != 0:  # root writes anywhere
        locked = tmp_path / "ro"
        locked.mkdir(mode=0o555)
        with pytest.raises(OutputError):
            with output_folder(locked / "out"):
                pass
