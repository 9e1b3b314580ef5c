"""Puff kernel against a NumPy implementation of the same puff model, measured in one run (a ratio, not a test).

    .venv/bin/python benchmarks/puff.py

Issue #3's case: a 60-minute release with 1-minute puffs, followed for 6 hours, on a 400 × 400 receptor grid
(25 m) with 36 output times (every 10 min, the sampling step) plus 50 receptor series; wind turning slowly
(hourly changes). The NumPy side is the test oracle (`tests/dispersion/test_puff.py::oracle`): puff by puff,
vectorised over receptors, numpy.exp, no culling; it is timed on a slice of the steps and scaled.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dispersion.plume import ReceptorSet  # noqa: E402
from dispersion.puff import PuffMet, PuffOptions, PuffRelease, PuffStates, puff_states, run_puff  # noqa: E402
from tests.dispersion.test_puff import oracle  # noqa: E402


def main() -> None:
    axis = (np.arange(400) - 199.5) * 25.0
    gx, gy = np.meshgrid(axis + 3000.0, axis)
    rec = ReceptorSet(x=gx.ravel(), y=gy.ravel(), height=np.zeros(gx.size), ground_elevation=np.zeros(gx.size))
    hours = np.arange(7) * 3600.0
    met = PuffMet(times=hours, wind_speed=np.array([2.0, 2.5, 3.0, 2.5, 2.0, 1.5, 1.5]),
                  wind_from_direction=np.array([250.0, 260.0, 270.0, 275.0, 285.0, 290.0, 300.0]),
                  stability=np.array([5, 5, 4, 3, 3, 4, 5]), mixing_height=np.full(7, 800.0))
    release = PuffRelease(0.0, 0.0, 0.0, 2.0, np.array([0.0, 3600.0]), np.array([5.0]))
    series = np.linspace(0, gx.size - 1, 50).astype(np.int64)
    options = PuffOptions(puff_interval=60.0, sampling_step=600.0, duration=6 * 3600.0,
                          averaging_windows=(600.0, 3600.0), output_times=tuple(600.0 * np.arange(1, 37)),
                          terrain="flat", parallel=True)
    states = puff_states(release, met, options)
    run_puff(release, rec, met, options, series_receptors=series, states=states)  # compile / load the kernel
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        run_puff(release, rec, met, options, series_receptors=series, states=states)
        runs.append(time.perf_counter() - started)
    kernel = min(runs)
    steps = 6
    subset = PuffStates(**{k: (v[-steps:] if np.ndim(v) else v) for k, v in states.__dict__.items()})
    started = time.perf_counter()
    oracle(subset, rec, 0.0, 2.0, terrain=False)
    numpy_seconds = (time.perf_counter() - started) * states.times.size / steps
    evaluations = states.times.size * states.x.shape[1] * rec.x.size
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    print(f"{states.x.shape[1]} puffs x {rec.x.size} receptors x {states.times.size} steps = {evaluations:.3e} "
          f"puff-receptor evaluations (+ 50 series, 36 snapshots, 10-min and 60-min running means)")
    print(f"  NumPy (last {steps} steps timed, scaled)  {numpy_seconds:9.3f} s")
    print(f"  kernel, {os.cpu_count()} threads            {kernel:9.3f} s   x{numpy_seconds / kernel:.1f}")


if __name__ == "__main__":
    main()
