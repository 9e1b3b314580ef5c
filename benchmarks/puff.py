"""Puff model timings measured in one run (ratios, not tests).

    .venv/bin/python benchmarks/puff.py

1. Issue 11: the converged puff model with its defaults (automatic puff interval, 60-s sampling intervals) against
   the previous default (instantaneous puffs every 30 s sampled every 60 s, the model as of commit e32afad, loaded
   from git) on a close equivalent of the demo leak: a 200 × 200 grid of 40 m around the source, 10 kg/s for
   10 min at 1 m, followed for 60 min, 60-min means and 6 snapshots; class F at 1.5 m/s and class D at 5 m/s.
   Target: at most 2x.
2. Issue #3's case: a 60-minute release, followed for 6 hours, on a 400 × 400 receptor grid (25 m) with 36 output
   times (every 10 min, the sampling step) plus 50 receptor series; wind turning slowly (hourly changes). The
   NumPy side is the test oracle (`tests/dispersion/test_puff.py::oracle`): segment by segment, brute-force
   quadrature in time (10 Gauss–Legendre nodes per ⅛ σ_y of path), vectorised over receptors, numpy.exp, no
   culling; it is timed on a few segments and scaled — a brute-force check, not a rival implementation, so the
   ratio is large.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dispersion.plume import ReceptorSet  # noqa: E402
from dispersion.puff import PuffMet, PuffOptions, PuffRelease, PuffStates, puff_states, run_puff  # noqa: E402
from tests.dispersion.test_puff import oracle  # noqa: E402


REPO = Path(__file__).resolve().parents[1]
PREVIOUS = "e32afad"  # the last commit with instantaneous puffs


# The tile builder as the previous model called it (same tiles, the old attribute names).
_PREVIOUS_TILES = """
from types import SimpleNamespace

from dispersion.tiles import automatic_tile_size as _automatic_tile_size, build_tiles


def _build_tiles(x, y, tile_size):
    order, tiles = build_tiles(x, y, tile_size)
    return SimpleNamespace(order=order, tile_ptr=tiles.tile_ptr, tile_cx=tiles.center_x, tile_cy=tiles.center_y,
                           tile_rad=tiles.radius, group_ptr=tiles.group_ptr)
"""


def load_previous_model(commit: str = PREVIOUS):
    """dispersion/puff.py and _puff_kernels.py as of ``commit``, imported as ``_previous_puff`` from a temporary
    folder (its kernel compiled there), so both models run in this process on the same machine state."""
    folder = Path(tempfile.mkdtemp(prefix="previous_puff_"))
    for name, path in (("_previous_puff_kernels", "dispersion/_puff_kernels.py"), ("_previous_puff", "dispersion/puff.py")):
        source = subprocess.run(["git", "-C", str(REPO), "show", f"{commit}:{path}"], check=True, capture_output=True,
                                text=True).stdout
        source = source.replace("from dispersion._puff_kernels import", "from _previous_puff_kernels import")
        # The tile builder has moved from dispersion.plume's private names to dispersion.tiles (issue 15).
        source = source.replace("from dispersion.plume import SIGMA_MODEL_NAMES, ReceptorSet, _automatic_tile_size, "
                                "_build_tiles", "from dispersion.plume import SIGMA_MODEL_NAMES, ReceptorSet\n"
                                "from _previous_tiles import _automatic_tile_size, _build_tiles")
        (folder / f"{name}.py").write_text(source)
    (folder / "_previous_tiles.py").write_text(_PREVIOUS_TILES)
    sys.path.insert(0, str(folder))
    return importlib.import_module("_previous_puff")


def best_of(run, repeat: int = 5) -> float:
    run()  # compile / load the kernel
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def converged_against_previous_default() -> None:
    import dispersion.puff as current

    previous = load_previous_model()
    axis = (np.arange(200) - 99.5) * 40.0
    gx, gy = np.meshgrid(axis, axis)
    print("converged default / previous default (30-s instantaneous puffs, 60-s samples), demo-like leak "
          "(200 x 200 grid of 40 m, 10 kg/s for 10 min, 60 min, best of 5):")
    for cls, speed in ((5, 1.5), (3, 5.0)):
        seconds = {}
        for name, model, interval in (("previous", previous, 30.0), ("converged", current, None)):
            rec = ReceptorSet(x=gx.ravel(), y=gy.ravel(), height=np.full(gx.size, 1.5),
                              ground_elevation=np.zeros(gx.size))
            release = model.PuffRelease(0.0, 0.0, 0.0, 1.0, np.array([0.0, 600.0]), np.array([10.0]))
            met = model.PuffMet(times=np.array([0.0]), wind_speed=np.array([speed]),
                                wind_from_direction=np.array([250.0]), stability=np.array([cls]),
                                mixing_height=np.array([800.0]))
            options = model.PuffOptions(puff_interval=interval, sampling_step=60.0, duration=3600.0,
                                        averaging_windows=(3600.0,), output_times=tuple(600.0 * np.arange(1, 7)),
                                        terrain="flat", parallel=True)
            seconds[name] = best_of(lambda: model.run_puff(release, rec, met, options))
        print(f"  {'ABCDEF'[cls]} {speed:3.1f} m/s: previous {seconds['previous']:.3f} s, converged "
              f"{seconds['converged']:.3f} s   ratio {seconds['converged'] / seconds['previous']:.2f}")


def kernel_against_numpy() -> None:
    axis = (np.arange(400) - 199.5) * 25.0
    gx, gy = np.meshgrid(axis + 3000.0, axis)
    rec = ReceptorSet(x=gx.ravel(), y=gy.ravel(), height=np.zeros(gx.size), ground_elevation=np.zeros(gx.size))
    hours = np.arange(7) * 3600.0
    met = PuffMet(times=hours, wind_speed=np.array([2.0, 2.5, 3.0, 2.5, 2.0, 1.5, 1.5]),
                  wind_from_direction=np.array([250.0, 260.0, 270.0, 275.0, 285.0, 290.0, 300.0]),
                  stability=np.array([5, 5, 4, 3, 3, 4, 5]), mixing_height=np.full(7, 800.0))
    release = PuffRelease(0.0, 0.0, 0.0, 2.0, np.array([0.0, 3600.0]), np.array([5.0]))
    series = np.linspace(0, gx.size - 1, 50).astype(np.int64)
    options = PuffOptions(puff_interval=None, sampling_step=600.0, duration=6 * 3600.0,
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
    # The oracle on a handful of segments of the busiest interval, scaled by the number of segments.
    counts = np.diff(states.step_ptr)
    busiest = int(np.argmax(counts))
    chosen = states.step_ptr[busiest] + np.arange(min(20, counts[busiest]))
    subset = PuffStates(times=states.times[:1], step_ptr=np.array([0, chosen.size]),
                        **{k: getattr(states, k)[chosen] for k in ("x0", "y0", "x1", "y1", "sigma_y0", "sigma_y1",
                                                                    "sigma_z0", "sigma_z1", "height0", "height1",
                                                                    "mass", "weight", "mixing_height")})
    started = time.perf_counter()
    oracle(subset, rec, 0.0, 2.0, terrain=False)
    numpy_seconds = (time.perf_counter() - started) * states.x0.size / chosen.size
    print(f"kernel vs NumPy oracle: {states.x0.size} segments ({states.puffs} puffs, interval "
          f"{states.puff_interval:.2f} s) x {rec.x.size} receptors x {states.times.size} intervals "
          f"(+ 50 series, 36 snapshots, 10-min and 60-min running means)")
    print(f"  NumPy ({chosen.size} segments timed, scaled)  {numpy_seconds:9.3f} s")
    print(f"  kernel, {os.cpu_count()} threads               {kernel:9.3f} s   x{numpy_seconds / kernel:.1f}")


def main() -> None:
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    converged_against_previous_default()
    kernel_against_numpy()


if __name__ == "__main__":
    main()
