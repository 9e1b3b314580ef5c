"""Plume kernel throughput against the NumPy oracle, measured in one run (ratios, never timed tests).

    .venv/bin/python benchmarks/plume.py [--quick]

Case (a): every demo-park stack × 40,000 receptors (200 × 200 at 25 m) × 24 h, hourly fields stored.
Case (b): 10 demo stacks × 10,000 receptors (100 × 100 at 50 m) × 8,760 h, statistics only (max 1-h, max daily
mean, period mean); the oracle runs a slice of the year (its rate per source-receptor-hour does not depend on the
number of hours) and the ratio compares rates.

Both use the demo park's stacks and a synthetic year of coastal East-China weather (GB/T 3840 stability), Briggs
rural coefficients, plume rise, buoyancy-induced dispersion, terrain and the mixing lid: the physics of a real run.
The kernel runs on all cores (Numba threads over receptor tiles), with and without tile culling.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dispersion.plume import PlumeOptions, ReceptorSet, StackSet, evaluate_plume, source_hours  # noqa: E402
from meteo import prepare_dispersion_met, synthetic_weather  # noqa: E402
from tests.dispersion.plume_oracle import plume_oracle  # noqa: E402
from twin.demo import build_demo_park  # noqa: E402
from twin.io import load_park  # noqa: E402


def _grid(park, n: int, spacing: float) -> ReceptorSet:
    cx = park.stack_arrays()["x"].mean()
    cy = park.stack_arrays()["y"].mean()
    axis = (np.arange(n) - (n - 1) / 2) * spacing
    mx, my = np.meshgrid(cx + axis, cy + axis)
    x, y = mx.ravel(), my.ravel()
    return ReceptorSet(x=x, y=y, height=np.zeros(x.size), ground_elevation=park.terrain.elevation_at(x, y))


def _stacks(park, count: int | None = None) -> tuple[StackSet, np.ndarray]:
    """The park's stacks (or its ``count`` tallest: the ones an EIA year run is about) and their indices."""
    arrays = park.stack_arrays()
    order = np.argsort(-arrays["height"])[:count] if count is not None else np.arange(arrays["x"].size)
    ids = tuple(park.stacks[i].id for i in order)
    return StackSet(ids=ids, **{k: v[order] for k, v in arrays.items()}), order


def _median_time(function, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller oracle slices (for a smoke run)")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="parktwin-bench-"))
    park = load_park(build_demo_park(folder / "park"))
    lon, lat = park.centre_lonlat()
    year = synthetic_weather("2025-01-01T00:00:00+08:00", 8760, latitude=lat, longitude=lon, seed=1)
    met_year = prepare_dispersion_met(year, latitude=lat, longitude=lon, stability_method="gb3840", land_use="rural")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} before the run")

    # Warm the JIT (and its cache) on a tiny case so that no timing below includes compilation.
    tiny = ReceptorSet(x=np.array([0.0, 100.0]), y=np.zeros(2), height=np.zeros(2), ground_elevation=np.zeros(2))
    small_stacks, _ = _stacks(park, 1)
    for parallel in (True, False):
        opts = PlumeOptions(parallel=parallel, store_hourly=True)
        hours = source_hours(small_stacks, met_year.isel(time=slice(0, 2)), opts)
        evaluate_plume(small_stacks, np.ones((1, 2, 1)), tiny, hours, opts)

    # ---- case (a) -------------------------------------------------------------------------------------------
    stacks, _ = _stacks(park)
    receptors = _grid(park, 200, 25.0)
    met = met_year.isel(time=slice(4704, 4728))  # 15 July, local day
    rates = np.stack([park.emission_rates(k) for k in ("sulfur_dioxide", "nitrogen_dioxide")])[:, None, :] * 1e-3
    rates = np.ascontiguousarray(np.broadcast_to(rates, (2, 24, len(stacks.ids))))
    srh = len(stacks.ids) * receptors.x.size * 24
    print(f"\n(a) {len(stacks.ids)} stacks x {receptors.x.size} receptors x 24 h = {srh:.3e} source-receptor-hours, "
          f"2 substances, hourly fields stored")
    rows = []
    for cull in (False, True):
        opts = PlumeOptions(cull=cull, parallel=True, store_hourly=True)
        hours = source_hours(stacks, met, opts)
        seconds = _median_time(lambda: evaluate_plume(stacks, rates, receptors, hours, opts), 5)
        rows.append((f"kernel, {'tile culling' if cull else 'no culling'}, {os.cpu_count()} threads", seconds))
    opts = PlumeOptions(cull=False, store_hourly=True)
    hours = source_hours(stacks, met, opts)
    oracle_hours = 6 if args.quick else 24
    sub_hours = hours.__class__(**{k: (v[:oracle_hours] if np.ndim(v) else v) for k, v in hours.__dict__.items()})
    started = time.perf_counter()
    plume_oracle(stacks, rates[:, :oracle_hours], receptors, sub_hours, opts)
    oracle_seconds = (time.perf_counter() - started) * 24 / oracle_hours
    _report(rows, oracle_seconds, srh, f"NumPy oracle ({oracle_hours} h timed, scaled to 24 h)")

    # ---- case (b) -------------------------------------------------------------------------------------------
    stacks, index = _stacks(park, 10)
    receptors = _grid(park, 100, 50.0)
    rates = park.emission_rates("sulfur_dioxide")[index] * 1e-3  # g/s -> kg/s
    rates = np.ascontiguousarray(np.broadcast_to(rates[None, None, :], (1, 8760, 10)))
    srh = 10 * receptors.x.size * 8760
    print(f"\n(b) 10 stacks x {receptors.x.size} receptors x 8760 h = {srh:.3e} source-receptor-hours, statistics only")
    rows = []
    for cull in (False, True):
        opts = PlumeOptions(cull=cull, parallel=True, store_hourly=False)
        hours = source_hours(stacks, met_year, opts)
        seconds = _median_time(lambda: evaluate_plume(stacks, rates, receptors, hours, opts), 3)
        rows.append((f"kernel, {'tile culling' if cull else 'no culling'}, {os.cpu_count()} threads", seconds))
    opts = PlumeOptions(cull=False, store_hourly=False)
    hours = source_hours(stacks, met_year, opts)
    slice_hours = 48 if args.quick else 240
    sub_hours = hours.__class__(**{k: (v[:slice_hours] if np.ndim(v) else v) for k, v in hours.__dict__.items()})
    started = time.perf_counter()
    plume_oracle(stacks, rates[:, :slice_hours], receptors, sub_hours, opts)
    oracle_seconds = (time.perf_counter() - started) * 8760 / slice_hours
    _report(rows, oracle_seconds, srh, f"NumPy oracle ({slice_hours} h timed, scaled to 8760 h)")


def _report(rows, oracle_seconds: float, srh: int, oracle_label: str) -> None:
    oracle_rate = srh / oracle_seconds
    print(f"  {'':44s} {'seconds':>9s} {'SRH/s':>11s} {'x oracle':>9s}")
    print(f"  {oracle_label:44s} {oracle_seconds:9.3f} {oracle_rate:11.3e} {1.0:9.1f}")
    for label, seconds in rows:
        rate = srh / seconds
        print(f"  {label:44s} {seconds:9.3f} {rate:11.3e} {rate / oracle_rate:9.1f}")


if __name__ == "__main__":
    main()
