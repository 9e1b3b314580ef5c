"""Flood kernel throughput against Landlab's OverlandFlow on the same DEM, rain and Manning n, in one run.

    .venv/bin/python benchmarks/flood.py [--quick]

Landlab is an optional benchmark dependency: ``pip install "landlab>=2.9" "requireit==0.8.0"`` (on Python 3.11
Landlab's requireit 0.9 does not import; pyproject extra ``bench``).

Common case (a synthetic case of this project): a 2 km × 2 km slope, z = 0.001 x + 0.0005 y + 0.05 sin(x/137)
cos(y/91) [m], Manning n = 0.03, uniform rain of 100 mm/h for 1800 s on a dry start, closed edges, θ = 0.8, α = 0.7;
both codes run the de Almeida et al. (2012) local inertial scheme. Landlab's grid of N × N nodes has (N − 2)² core
cells (its perimeter nodes are closed boundaries); ParkTwin runs exactly those core cells.

Busy core (issue 13 item 4): the same wet 300 × 300 grid run quiet and then beside one busy process (a pure-Python
loop, as another job on the machine would be), with the automatic thread choice and with the threads forced; the
ratio busy / quiet of the automatic choice is the cost of a busy core (target ≤ 1.5×; forced two threads showed 8.6×
on a typhoon run).

Printed: cell-steps per second of each code on that case (ParkTwin as it runs by default — one thread below
dispersion.flood.SERIAL_BELOW_CELLS cells — and forced onto 2 threads), their ratios, the maximum depths
and stored volumes; then ParkTwin alone on a 2000 × 2000 grid (4 million cells, everything wet) — target ≥ 1e8
cell-steps/s on this machine, and ≥ 10× Landlab.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dispersion.flood import SERIAL_BELOW_CELLS, FloodGrid, FloodOptions, run_flood  # noqa: E402

RAIN = 100e-3 / 3600.0  # [m/s]
DURATION = 1800.0  # [s]


def surface(n_nodes: int, dx: float) -> np.ndarray:
    coords = np.arange(n_nodes) * dx
    x, y = np.meshgrid(coords, coords)
    return 0.001 * x + 0.0005 * y + 0.05 * np.sin(x / 137.0) * np.cos(y / 91.0)


def run_landlab(n_nodes: int, dx: float):
    from landlab import RasterModelGrid
    from landlab.components import OverlandFlow

    grid = RasterModelGrid((n_nodes, n_nodes), xy_spacing=dx)
    grid.add_field("topographic__elevation", surface(n_nodes, dx).ravel(), at="node")
    grid.add_zeros("surface_water__depth", at="node")
    grid.set_closed_boundaries_at_grid_edges(True, True, True, True)
    flow = OverlandFlow(grid, mannings_n=0.03, theta=0.8, alpha=0.7, rainfall_intensity=RAIN, h_init=1e-5)
    cores = grid.core_nodes.size
    started = time.perf_counter()
    t, steps = 0.0, 0
    while t < DURATION - 1e-9:
        dt = min(flow.calc_time_step(), DURATION - t)
        flow.run_one_step(dt=dt)
        t += dt
        steps += 1
    seconds = time.perf_counter() - started
    depth = grid.at_node["surface_water__depth"].reshape(n_nodes, n_nodes)[1:-1, 1:-1]
    return seconds, steps, cores, depth


def run_parktwin(n_nodes: int, dx: float, threads: int | None):
    z = surface(n_nodes, dx)[1:-1, 1:-1]
    axis = np.arange(1, n_nodes - 1) * dx
    grid = FloodGrid(x=axis, y=axis, z=z, manning=0.03)
    options = FloodOptions(theta=0.8, alpha=0.7, hmin=1e-5, dt_max=1e9, threads=threads)
    run_flood(grid, output_times=[1.0], rain=lambda t0, t1: RAIN, options=options)  # load/compile the kernels
    started = time.perf_counter()
    result = run_flood(grid, output_times=[DURATION], rain=lambda t0, t1: RAIN, options=options)
    seconds = time.perf_counter() - started
    return seconds, result.steps, z.size, result.depth[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller grids")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} before the run")
    n_nodes, dx = (102, 20.0) if args.quick else (202, 10.0)
    area = dx * dx
    rain_volume = RAIN * DURATION * area * (n_nodes - 2) ** 2
    print(f"\ncommon case: {(n_nodes - 2)}² cells at {dx:g} m, 100 mm/h for {DURATION:g} s "
          f"(rain volume {rain_volume:,.0f} m³)")
    rows = [(f"ParkTwin, automatic ({'1 thread' if (n_nodes - 2) ** 2 < SERIAL_BELOW_CELLS else '2 threads'})",
             *run_parktwin(n_nodes, dx, None)),
            ("ParkTwin, 2 threads", *run_parktwin(n_nodes, dx, 2))]
    try:
        landlab = ("Landlab OverlandFlow", *run_landlab(n_nodes, dx))
    except ImportError as error:
        landlab = None
        print(f"  Landlab not installed ({error}); pip install 'landlab>=2.9' 'requireit==0.8.0'")
    print(f"  {'':28s} {'seconds':>8s} {'steps':>6s} {'cell-steps/s':>13s} {'max depth m':>12s} {'volume m³':>11s}")
    for label, seconds, steps, cells, depth in rows + ([landlab] if landlab else []):
        print(f"  {label:28s} {seconds:8.3f} {steps:6d} {cells * steps / seconds:13.3e} {depth.max():12.4f} "
              f"{depth.sum() * area:11.1f}")
    if landlab:
        _, s2, n2, c2, d2 = landlab
        for label, s1, n1, c1, d1 in rows:
            print(f"  {label} / Landlab: {(c1 * n1 / s1) / (c2 * n2 / s2):.1f} x in cell-steps/s, {s2 / s1:.1f} x in "
                  f"wall time ({n1} vs {n2} steps: ParkTwin's CFL bound includes the rain the step adds)")
        d1 = rows[0][4]
        print(f"  max depth {d1.max():.4f} vs {d2.max():.4f} m; volume vs rain {d1.sum() * area / rain_volume - 1:+.2e}"
              f" / {d2.sum() * area / rain_volume - 1:+.2e}; depth RMSE between codes "
              f"{np.sqrt(np.mean((d1 - d2) ** 2)) * 1000:.2f} mm")

    size = 500 if args.quick else 2000
    z = surface(size, 1.0)
    axis = np.arange(size) * 1.0
    grid = FloodGrid(x=axis, y=axis, z=z, manning=0.03)
    wet = np.full((size, size), 0.05)
    options = FloodOptions(theta=0.8, alpha=0.7, hmin=1e-3, dt_max=1e9)
    run_flood(grid, output_times=[0.05], initial_depth=wet, options=options)
    timings = []
    for duration in (30.0, 90.0):  # the difference of two runs removes the set-up (allocating ~20 arrays)
        started = time.perf_counter()
        result = run_flood(grid, output_times=[duration], initial_depth=wet, rain=lambda t0, t1: RAIN,
                           options=options)
        timings.append((time.perf_counter() - started, result.steps))
    (short_s, short_n), (long_s, long_n) = timings
    whole = size * size * long_n / long_s
    steady = size * size * (long_n - short_n) / (long_s - short_s)
    print(f"\n{size} x {size} cells (all wet), {long_n} steps in {long_s:.3f} s: {whole:.3e} cell-steps/s with set-up; "
          f"{steady:.3e} cell-steps/s per step (difference of a {short_n}- and a {long_n}-step run; "
          f"target >= 1e8: {'met' if steady >= 1e8 else 'NOT met'})")


def busy_core(quick: bool) -> None:
    """Quiet vs busy wall time of one flood run, automatic threads and forced ones (module docstring)."""
    import subprocess

    n = 200 if quick else 300
    z = surface(n, 5.0)
    axis = np.arange(n) * 5.0
    grid = FloodGrid(x=axis, y=axis, z=z, manning=0.03)
    wet = np.full((n, n), 0.5)
    duration = 900.0 if quick else 1800.0

    def timed(threads):
        options = FloodOptions(theta=0.8, alpha=0.7, hmin=1e-3, dt_max=1e9, threads=threads)
        run_flood(grid, output_times=[1.0], initial_depth=wet, options=options)  # load the kernels
        started = time.perf_counter()
        result = run_flood(grid, output_times=[duration], initial_depth=wet, rain=lambda t0, t1: RAIN,
                           options=options)
        return time.perf_counter() - started, result.steps

    print(f"\nbusy core: {n} x {n} wet cells, {duration:g} s simulated, {os.cpu_count()} cores")
    quiet = {label: timed(threads) for label, threads in (("automatic", None), ("2 threads", 2), ("1 thread", 1))}
    hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.5)
        busy = {label: timed(threads) for label, threads in (("automatic", None), ("2 threads", 2), ("1 thread", 1))}
    finally:
        hog.kill()
        hog.wait()
    print(f"  {'':12s} {'quiet s':>8s} {'busy s':>8s} {'busy/quiet':>11s}")
    for label in quiet:
        print(f"  {label:12s} {quiet[label][0]:8.2f} {busy[label][0]:8.2f} {busy[label][0] / quiet[label][0]:10.2f}x")
    ratio = busy["automatic"][0] / quiet["automatic"][0]
    print(f"  automatic threads: a busy core costs {ratio:.2f}x (target <= 1.5x: {'met' if ratio <= 1.5 else 'NOT met'})")


if __name__ == "__main__":
    main()
    busy_core("--quick" in sys.argv)
