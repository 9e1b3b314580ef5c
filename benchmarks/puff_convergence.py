"""Convergence of the puff model's 60-min means (issue 11): a table, measured in one run (not a test).

    .venv/bin/python benchmarks/puff_convergence.py

Per class (A–F) and wind speed (0.5, 1.5, 5, 15, 40 m/s), a steady 1-m release of 30 min followed for 60 min
(Briggs rural, no terrain, lid 1000 m in A–D), receptors on the centreline and 0.5, 1 and 2 σ_y off it from 50 m
to 5 km. Columns: the automatic puff interval; the largest relative change of a 60-min mean when the puff interval
and the sampling step are both halved; the largest relative difference between the defaults (automatic interval,
60 s) and a reference with a quarter of both (and a quarter of the σ interpolation tolerance); the defaults'
centreline ratio to the steady plume at 1 km (the 60-min mean of a 30-min release: half the plume once the cloud
has passed). Receptors beyond u × 1 h (where only the tail of a cloud front still on its way arrives, e^-80 at
0.5 m/s) and means below 1e-6 of the case's largest are left out of the relative measures.
"""

from __future__ import annotations

import math
import sys
import time

from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dispersion.coefficients import sigma  # noqa: E402
from dispersion.plume import ReceptorSet  # noqa: E402
from dispersion.puff import PuffMet, PuffOptions, PuffRelease, automatic_puff_interval, run_puff  # noqa: E402

CLASSES = "ABCDEF"
SPEEDS = (0.5, 1.5, 5.0, 15.0, 40.0)
DISTANCES = np.array([50.0, 70.0, 100.0, 150.0, 200.0, 300.0, 500.0, 700.0, 1000.0, 1500.0, 2000.0, 3000.0, 5000.0])
FLOOR = 1e-6  # means below this fraction of the case's largest are left out
OFFSETS = np.array([0.0, 0.5, 1.0, 2.0])  # in σ_y at the receptor's distance


def case(cls: int, speed: float, height: float = 1.0, release_seconds: float = 1800.0, buoyancy_flux: float = 0.0):
    """(release, met, receptors, distance and offset of each receptor) of one convergence case."""
    met = PuffMet(times=np.array([0.0]), wind_speed=np.array([speed]), wind_from_direction=np.array([270.0]),
                  stability=np.array([cls]), mixing_height=np.array([1000.0]))
    release = PuffRelease(0.0, 0.0, 0.0, height, np.array([0.0, release_seconds]), np.array([1.0]),
                          buoyancy_flux=buoyancy_flux)
    sy = sigma("briggs_rural", DISTANCES, cls)[0]
    d, o = np.meshgrid(DISTANCES, OFFSETS, indexing="ij")
    y = o * sy[:, None]
    rec = ReceptorSet(x=d.ravel(), y=y.ravel(), height=np.zeros(d.size), ground_elevation=np.zeros(d.size))
    return release, met, rec, d.ravel(), o.ravel()


def means(release, met, rec, interval, step, tolerance=0.005):
    options = PuffOptions(puff_interval=interval, sampling_step=step, duration=3600.0, averaging_windows=(3600.0,),
                          terrain="flat", parallel=True, interpolation_tolerance=tolerance)
    return run_puff(release, rec, met, options)["max_mean_3600s"].values


def relative_change(a: np.ndarray, b: np.ndarray, distance: np.ndarray, reached: float) -> float:
    """Largest |a − b| / max(a, b) over receptors from 50 m to ``reached`` [m] above FLOOR of the case's largest."""
    used = ((np.maximum(a, b) > FLOOR * max(a.max(), b.max())) & (distance > 50.0 - 1e-9)
            & (distance <= reached))
    return float(np.max(np.abs(a[used] - b[used]) / np.maximum(a[used], b[used]), initial=0.0))


def convergence_row(cls: int, speed: float, **kwargs) -> dict:
    release, met, rec, distance, offset = case(cls, speed, **kwargs)
    auto = automatic_puff_interval(release, met, PuffOptions(sampling_step=60.0, duration=3600.0))
    reached = speed * 3600.0  # beyond, only the tail of a cloud front still on its way
    default = means(release, met, rec, None, 60.0)
    halved = means(release, met, rec, auto / 2, 30.0)
    reference = means(release, met, rec, auto / 4, 15.0, tolerance=0.005 / 4)
    at_1km = (distance == 1000.0) & (offset == 0.0)
    sy, sz = sigma("briggs_rural", 1000.0, cls)
    h = release.height
    plume = 1.0 / (math.pi * speed * sy * sz) * math.exp(-0.5 * (h / sz) ** 2) * 1800.0 / 3600.0
    return {"class": CLASSES[cls], "speed": speed, "interval": auto,
            "halving": relative_change(default, halved, distance, reached),
            "default_vs_reference": relative_change(default, reference, distance, reached),
            "plume_ratio_1km": float(default[at_1km][0] / plume)}


def main() -> None:
    started = time.perf_counter()
    print("class  wind [m/s]  auto interval [s]  halving change  default vs reference  1 km / steady plume")
    worst = 0.0
    for cls in range(6):
        for speed in SPEEDS:
            row = convergence_row(cls, speed)
            worst = max(worst, row["halving"], row["default_vs_reference"])
            print(f"{row['class']:>5}  {speed:10.1f}  {row['interval']:17.4f}  {100 * row['halving']:13.3f}%  "
                  f"{100 * row['default_vs_reference']:19.3f}%  {row['plume_ratio_1km']:19.4f}")
    print(f"largest change: {100 * worst:.3f} % ({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
