"""Ensemble throughput on Dask against a plain loop, measured in one run (ratios, never timed tests).

    .venv/bin/python benchmarks/ensemble.py [--members 40]

Every variant runs the same members of the demo park (117 stacks, 24 h, a 101 × 101 grid at 50 m, statistics only,
one member file each) into its own fresh folder:
plain Python loop · dask threads (2) · dask.distributed LocalCluster (2 worker processes × 1 thread).
Per-member overhead = (dask threads with ONE thread − plain loop) / members: what Dask adds to each member; and
the threaded scheduler's cost per task measured on 2000 no-op tasks.
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scenarios.plume.ensemble import _warm_kernels, load_context, run_member  # noqa: E402


def _scenario(folder: Path, members: int) -> Path:
    from meteo import synthetic_weather, write_station_csv
    from twin.demo import build_demo_park
    from twin.io import load_park

    park = load_park(build_demo_park(folder / "park"))
    lon, lat = park.centre_lonlat()
    write_station_csv(folder / "park" / "weather.csv",
                      synthetic_weather("2026-07-15T00:00:00+08:00", 24, latitude=lat, longitude=lon, seed=1))
    scenario = {
        "schema_version": 1, "kind": "plume", "name": "ensemble-benchmark", "park": "park/park.yaml",
        "weather": {"source": "station_csv", "path": "park/weather.csv", "start": "2026-07-15T00:00:00+08:00",
                    "hours": 24},
        "grid": {"size": [5000, 5000], "spacing": 50}, "pollutants": ["sulfur_dioxide"],
        "ensemble": {"members": members, "seed": 1, "perturbations": {
            "wind_direction_offset": {"distribution": "uniform", "low": -30, "high": 30},
            "emission_factor": {"distribution": "lognormal", "median": 1.0, "sigma_ln": 0.3}}},
    }
    path = folder / "scenario.yaml"
    path.write_text(yaml.safe_dump(scenario))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=40)
    args = parser.parse_args()
    import dask

    root = Path(tempfile.mkdtemp(prefix="parktwin-ens-bench-"))
    scenario = _scenario(root, args.members)
    n = args.members
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}; {n} members")

    def fresh(name: str):
        out = root / name
        shutil.rmtree(out, ignore_errors=True)
        context = load_context(scenario, out)
        _warm_kernels(context)
        return context

    results: dict[str, float] = {}

    def record(label: str, seconds: float) -> None:  # best of the repetitions: the least disturbed run
        results[label] = min(seconds, results.get(label, float("inf")))

    for repetition in range(2):
        context = fresh("loop")
        started = time.perf_counter()
        for i in range(n):
            run_member(context, i)
        record("plain loop", time.perf_counter() - started)

        for label, workers in (("dask threads, 1 thread", 1), ("dask threads, 2 threads", 2)):
            context = fresh(label.replace(" ", "_").replace(",", ""))
            member = functools.partial(run_member, context)  # as scenarios.plume.ensemble.run_ensemble builds its tasks
            tasks = [dask.delayed(member, pure=False)(i) for i in range(n)]
            started = time.perf_counter()
            dask.compute(*tasks, scheduler="threads", num_workers=workers)
            record(label, time.perf_counter() - started)

    from distributed import Client, LocalCluster

    from scenarios.plume.ensemble import run_member_from_file

    out = root / "distributed"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        client.run(lambda: os.environ.setdefault("NUMBA_NUM_THREADS", "1"))
        warm = client.map(run_member_from_file, [str(scenario)] * 2, [str(root / "warm")] * 2, [0, 1], pure=False)
        client.gather(warm)  # each worker loads the context and the kernels once, outside the timing
        for repetition in range(2):
            shutil.rmtree(out, ignore_errors=True)
            started = time.perf_counter()
            client.gather(client.map(run_member_from_file, [str(scenario)] * n, [str(out)] * n, list(range(n)),
                                     pure=False))
            record("distributed LocalCluster 2x1", time.perf_counter() - started)

    base = results["plain loop"]
    print(f"  {'variant':34s} {'seconds':>8s} {'members/s':>10s} {'x loop':>7s}")
    for label, seconds in results.items():
        print(f"  {label:34s} {seconds:8.3f} {n / seconds:10.2f} {base / seconds:7.2f}")
    overhead = (results["dask threads, 1 thread"] - base) / n
    print(f"  per-member Dask overhead (1 thread vs loop): {overhead * 1e3:.2f} ms; "
          f"a member takes {base / n * 1e3:.1f} ms in the loop")
    # The same on no-op tasks, where it is not lost in the members' own run-to-run noise.
    noop = [dask.delayed(lambda i: i, pure=False)(i) for i in range(2000)]
    started = time.perf_counter()
    dask.compute(*noop, scheduler="threads", num_workers=2)
    print(f"  Dask threads overhead per task (2000 no-op tasks): {(time.perf_counter() - started) / 2000 * 1e3:.3f} ms")


if __name__ == "__main__":
    main()
