"""Ensemble execution: same members whatever the scheduler, resumable, and safe when a Dask worker dies."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from scenarios.common.members import member_path
from scenarios.plume.ensemble import read_member, run_ensemble
from tests.scenarios.conftest import XDIST_GROUP

pytestmark = pytest.mark.xdist_group(XDIST_GROUP)  # uses the demo: on the demo's worker, which runs it once

MEMBERS = 8


def ensemble_block(data, members=MEMBERS):
    data["grid"] = {"size": [2000, 2000], "spacing": 50}  # 41 x 41: members of ~0.1 s
    data["ensemble"] = {
        "members": members, "seed": 11,
        "perturbations": {"wind_direction_offset": {"distribution": "uniform", "low": -25.0, "high": 25.0},
                          "emission_factor": {"distribution": "lognormal", "median": 1.0, "sigma_ln": 0.3}},
        "thresholds_ug_m3": {"sulfur_dioxide": [5.0, 20.0]},
    }


def member_arrays(out: Path, count: int) -> list[np.ndarray]:
    arrays = []
    for index in range(count):
        member = read_member(member_path(out, index))
        arrays.append(np.stack([member[name] for name in sorted(member) if name.endswith("_max_1h")]))
    return arrays


def test_threads_and_synchronous_give_bit_identical_members_and_a_rerun_only_fills_gaps(bundle):
    bundle.edit_yaml(bundle.scenario_yaml, ensemble_block)
    threaded = run_ensemble(bundle.scenario_yaml, bundle.root / "threads", scheduler="threads", workers=2)
    serial = run_ensemble(bundle.scenario_yaml, bundle.root / "sync", scheduler="synchronous")
    assert threaded.computed == serial.computed == MEMBERS
    for a, b in zip(member_arrays(bundle.root / "threads", MEMBERS), member_arrays(bundle.root / "sync", MEMBERS)):
        np.testing.assert_array_equal(a, b)

    # Resume: remove one member's file, re-run: only that member is computed, and it comes back identical.
    before = member_arrays(bundle.root / "threads", MEMBERS)
    stamps = {i: member_path(bundle.root / "threads", i).stat().st_mtime_ns for i in range(MEMBERS)}
    member_path(bundle.root / "threads", 3).unlink()
    again = run_ensemble(bundle.scenario_yaml, bundle.root / "threads")
    assert again.computed == 1
    for i in range(MEMBERS):
        if i != 3:
            assert member_path(bundle.root / "threads", i).stat().st_mtime_ns == stamps[i]
    for a, b in zip(before, member_arrays(bundle.root / "threads", MEMBERS)):
        np.testing.assert_array_equal(a, b)

    with xr.open_dataset(threaded.probability_path, engine="netcdf4") as probability:
        p = probability["sulfur_dioxide_max_1h_exceedance_probability"].values
        assert p.shape == (2, 41, 41) and np.all((p >= 0) & (p <= 1))
        assert np.all(p[1] <= p[0])  # exceeding the higher threshold implies exceeding the lower one
        assert set(np.unique(p * MEMBERS).round(9)) <= set(float(k) for k in range(MEMBERS + 1))
        # The members are listed with their parameters, as the per-member files record them.
        offsets = probability["member_wind_direction_offset"].values
        assert offsets.shape == (MEMBERS,) and np.all(np.abs(offsets) <= 25.0)
        member = read_member(member_path(bundle.root / "threads", 5))
        assert json.loads(str(member["parameters"]))["wind_direction_offset"] == offsets[5]
    # members.nc: every member's statistics on the realization dimension, equal to the member files.
    with xr.open_dataset(bundle.root / "threads" / "members.nc", engine="netcdf4") as members:
        field = members["sulfur_dioxide_max_1h"]
        assert field.dims[0] == "realization" and field.sizes["realization"] == MEMBERS
        for index in range(MEMBERS):
            raw = read_member(member_path(bundle.root / "threads", index))["sulfur_dioxide_max_1h"]
            expected = (raw.astype(np.float64) * 1e9).astype(np.float32)  # kg m-3 -> ug m-3, float32
            np.testing.assert_array_equal(field.values[index].reshape(raw.shape), expected)
        np.testing.assert_array_equal(members["member_wind_direction_offset"].values, offsets)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(args: list[str], log: Path) -> subprocess.Popen:
    env = {**os.environ, "NUMBA_NUM_THREADS": "1", "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    return subprocess.Popen(args, stdout=log.open("w"), stderr=subprocess.STDOUT, env=env,
                            start_new_session=True)


def test_a_killed_dask_worker_loses_and_duplicates_nothing(bundle, tmp_path):
    """A real scheduler and two worker processes on loopback; one worker is SIGKILLed mid-run."""
    members = 12
    bundle.edit_yaml(bundle.scenario_yaml, lambda data: ensemble_block(data, members))
    dask_cli = str(Path(sys.executable).with_name("dask"))
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    processes = [_start([dask_cli, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                        tmp_path / "scheduler.log")]
    try:
        time.sleep(2.0)
        for k in range(2):
            processes.append(_start([dask_cli, "worker", address, "--nthreads", "1", "--no-dashboard",
                                     "--name", f"w{k}"], tmp_path / f"worker{k}.log"))
        out = bundle.root / "distributed"
        victim = processes[1]

        def kill_when_started() -> None:  # runs beside the ensemble: kill a worker once members are landing
            deadline = time.time() + 120
            while time.time() < deadline:
                if any((out / "members").glob("member_*.npz")):
                    os.killpg(victim.pid, signal.SIGKILL)
                    return
                time.sleep(0.05)

        import threading

        killer = threading.Thread(target=kill_when_started, daemon=True)
        killer.start()
        result = run_ensemble(bundle.scenario_yaml, out, scheduler=address)
        killer.join(timeout=5)
        assert victim.poll() is not None, "the worker was not killed during the run"
        assert result.computed == members
        assert sorted(p.name for p in (out / "members").iterdir()) == [f"member_{i:04d}.npz" for i in range(members)]

        local = run_ensemble(bundle.scenario_yaml, bundle.root / "local", scheduler="threads")
        for a, b in zip(member_arrays(out, members), member_arrays(bundle.root / "local", members)):
            np.testing.assert_array_equal(a, b)
        assert local.computed == members
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def test_a_sigkilled_batch_leaves_only_complete_members_and_resumes_with_the_missing_ones(bundle, tmp_path):
    """`parktwin ensemble` is SIGKILLed once members are landing; finished files are complete, none is half-written,
    and the re-run computes exactly the missing members, giving the same numbers as an uninterrupted run."""
    from tests.scenarios.conftest import PARKTWIN, cli_env

    members = 16
    bundle.edit_yaml(bundle.scenario_yaml, lambda data: ensemble_block(data, members))
    out = bundle.root / "killed"
    process = subprocess.Popen([str(PARKTWIN), "ensemble", str(bundle.scenario_yaml), "--out", str(out),
                                "--workers", "1"], env=cli_env(), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 120
    def finished_names() -> list[str]:
        return sorted(p.name for p in (out / "members").glob("member_*.npz") if ".part" not in p.name)

    while time.time() < deadline and len(finished_names()) < 3:
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    finished = finished_names()
    assert 3 <= len(finished) < members, finished
    for name in finished:  # every file that carries a final name opens and reads completely
        assert set(read_member(out / "members" / name)) >= {"digest", "seed", "parameters", "sulfur_dioxide_max_1h"}
    assert not (out / "ensemble.nc").exists()

    resumed = run_ensemble(bundle.scenario_yaml, out, scheduler="threads", workers=1)
    assert resumed.computed == members - len(finished)
    clean = run_ensemble(bundle.scenario_yaml, bundle.root / "clean", scheduler="threads")
    assert clean.computed == members
    for a, b in zip(member_arrays(out, members), member_arrays(bundle.root / "clean", members)):
        np.testing.assert_array_equal(a, b)


# --- an unreachable or vanishing cluster (issue 13, 'Bad input, everywhere': --scheduler tcp://127.0.0.1:1) --------

def test_an_unreachable_scheduler_is_retry_later_and_a_bad_address_is_bad_input():
    import pytest

    from scenarios.common.members import cluster_client
    from twin.errors import InputError, SchedulerUnavailableError

    started = time.perf_counter()
    with pytest.raises(SchedulerUnavailableError, match=r"--scheduler tcp://127.0.0.1:1: cannot reach") as caught:
        with cluster_client("tcp://127.0.0.1:1", timeout="2s"):
            pass
    assert caught.value.exit_code == 75 and time.perf_counter() - started < 30
    with pytest.raises(InputError, match="dask.distributed address") as caught:
        with cluster_client("not an address", timeout="2s"):
            pass
    assert caught.value.exit_code == 65


def test_a_cluster_that_goes_away_mid_run_is_retry_later():
    """Workers killed or the scheduler gone while members run: distributed raises KilledWorker, CommClosedError or
    CancelledError from gather; each is exit 75 naming the address, not a traceback."""
    import pytest
    from distributed import LocalCluster
    from distributed.comm.core import CommClosedError
    from distributed.scheduler import KilledWorker

    from scenarios.common.members import cluster_client
    from twin.errors import SchedulerUnavailableError

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        for error in (KilledWorker("member-3", "tcp://w:1", 3), CommClosedError("in <TCP>: Stream is closed")):
            with pytest.raises(SchedulerUnavailableError, match=r"went away mid-run .*retry later") as caught:
                with cluster_client(cluster.scheduler_address) as client:
                    assert client.submit(sum, [1, 2]).result() == 3  # a working cluster first
                    raise error
            assert caught.value.exit_code == 75


def test_a_client_whose_close_fails_leaves_dask_as_it_was(monkeypatch):
    """A distributed Client sets dask's global scheduler to "dask.distributed" and resets it only when its close
    completes; a lost cluster can break the close, and every later xarray write of the process would then ask for
    the gone client. cluster_client puts the setting back whatever happened."""
    import dask
    import distributed
    import pytest
    from distributed.comm.core import CommClosedError

    from scenarios.common.members import cluster_client
    from twin.errors import SchedulerUnavailableError

    class CloseFails:
        def __init__(self, address, timeout, **options):
            dask.config.set(scheduler="dask.distributed")  # as distributed.Client.__init__ does

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            raise CommClosedError("in <TCP>: Stream is closed")  # the close did not complete

    monkeypatch.setattr(distributed, "Client", CloseFails)
    before = dask.config.get("scheduler", None)
    try:
        with pytest.raises(SchedulerUnavailableError, match="went away mid-run"):
            with cluster_client("tcp://10.0.0.5:8786"):
                pass
        assert dask.config.get("scheduler", None) == before
    finally:
        dask.config.set(scheduler=before)  # never leave the setting to the next test, even when this one fails
