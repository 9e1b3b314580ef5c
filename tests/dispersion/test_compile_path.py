"""Same run, same numbers, whether the kernels were just compiled or loaded from Numba's cache (issue 13 item 3).

A flood run with freshly compiled kernels and the same run with cache-loaded kernels once differed by up to 9.5 cm
(271 against 270 steps), the plume kernel by 1e-16 relative: the fastmath flags (contract, reassoc, afn) in
``dispersion._math_kernels.KERNEL_OPTIONS`` let LLVM produce different code on the two paths. Each run here is a
separate interpreter: the first with an empty ``NUMBA_CACHE_DIR`` (every kernel compiled), the second loading
what the first wrote; the arrays must be identical to the bit.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from numba import config

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]

# A small park flood (sea bed, sea wall, rain, a rising stage: every flood kernel and both source paths), the
# serial plume kernel (hourly fields and statistics; the parallel one doubles the compile time, ~20 s here) and the
# serial AERMOD kernel (a convective and a stable hour, tabulated), their
# arrays saved to the .npz named on the command line. About 20 s on a quiet 2-core machine, 30 s on a busy one.
PROBE = """
import sys
import numpy as np
from dispersion.flood import FloodGrid, FloodOptions, run_flood
from dispersion.plume import PlumeOptions, ReceptorSet, SourceHours, StackSet, evaluate_plume

ny, nx, dx = 24, 30, 10.0
z = np.empty((ny, nx))
z[:8] = -6.0
z[8] = 4.5
z[8, 12:15] = 1.0
z[9:] = (1.0 + 0.02 * dx * np.arange(ny - 9))[:, None] + 0.3 * np.sin(np.arange(nx) / 3.0)[None, :]
stage_mask = np.zeros((ny, nx), bool)
stage_mask[:4] = True
open_ = np.ones((ny, nx), bool)
open_[15:17, 5:8] = False
grid = FloodGrid(x=np.arange(nx) * dx, y=np.arange(ny) * dx, z=z, manning=0.03, open_=open_,
                 ks=np.where(z > 2.0, 1e-6, 0.0), psi_dtheta=0.1, stage_mask=stage_mask)
initial = np.where(z < 0.0, 0.5 - z, 0.0)
flood = run_flood(grid, output_times=[900.0, 1800.0], rain=lambda t0, t1: 80e-3 / 3600.0,
                  stage=lambda t: 0.5 + 2.0 * t / 1800.0, initial_depth=initial, options=FloodOptions(threads=1))

rng = np.random.default_rng(5)
n_stacks, n_hours, n_receptors = 3, 6, 400
stacks = StackSet(ids=tuple(f"S{i}" for i in range(n_stacks)), x=rng.uniform(-300, 300, n_stacks),
                  y=rng.uniform(-300, 300, n_stacks), base_elevation=np.zeros(n_stacks),
                  height=np.full(n_stacks, 30.0), inner_diameter=np.ones(n_stacks),
                  exit_velocity=np.full(n_stacks, 10.0), exit_temperature=np.full(n_stacks, 400.0))
receptors = ReceptorSet(x=rng.uniform(-3000, 3000, n_receptors), y=rng.uniform(-3000, 3000, n_receptors),
                        height=np.zeros(n_receptors), ground_elevation=np.zeros(n_receptors))
to = np.deg2rad(rng.uniform(0, 360, n_hours) + 180.0)
effective_height = rng.uniform(20, 200, (n_hours, n_stacks))
hours = SourceHours(wind_to_x=np.sin(to), wind_to_y=np.cos(to), mixing_height=np.full(n_hours, 800.0),
                    stability=rng.integers(0, 6, n_hours), day=np.zeros(n_hours, np.int64),
                    stack_wind_speed=np.full((n_hours, n_stacks), 3.0), effective_height=effective_height,
                    rise=np.zeros_like(effective_height), bid_variance=np.zeros_like(effective_height))
rates = rng.uniform(0, 1, (1, n_hours, n_stacks))
fields = evaluate_plume(stacks, rates, receptors, hours, PlumeOptions(parallel=False), substances=["s0"])

from dispersion.aermod import aermod_hours
from tests.dispersion.test_aermod import make_hour
from tests.dispersion.test_aermod_kernel import weather_of

met = weather_of([make_hour(length=-60.0, direction=200.0), make_hour(length=40.0, speed=2.0, direction=20.0)])
aermod = aermod_hours(stacks, receptors, met, rates[0, :2], parallel=False)

np.savez(sys.argv[1], flood_depth=flood.depth, flood_qx=flood.qx, flood_qy=flood.qy,
         flood_max_speed=flood.max_speed, flood_steps=flood.steps, aermod=aermod,
         **{f"plume_{name}": np.asarray(value[1]) for name, value in fields.items()})
"""


def _probe(out: Path, cache: Path) -> dict:
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache), "PYTHONPATH": str(ROOT)}
    env.pop("NUMBA_DISABLE_JIT", None)
    subprocess.run([sys.executable, "-c", PROBE, str(out)], env=env, check=True, cwd=ROOT, timeout=300)
    with np.load(out) as arrays:
        return {name: arrays[name] for name in arrays.files}


@pytest.mark.skipif(config.DISABLE_JIT, reason="compiled code only")
def test_fresh_compile_and_cache_load_give_identical_arrays(tmp_path):
    cache = tmp_path / "numba_cache"
    fresh = _probe(tmp_path / "fresh.npz", cache)  # empty cache: every kernel compiled
    assert any(cache.rglob("*.nbi")), "the first run wrote no Numba cache"
    loaded = _probe(tmp_path / "loaded.npz", cache)  # the same kernels loaded from that cache
    assert fresh.keys() == loaded.keys() and any(name.startswith("plume_") for name in fresh) and "aermod" in fresh
    assert fresh["aermod"].max() > 0.0
    for name in fresh:
        np.testing.assert_array_equal(loaded[name], fresh[name], err_msg=name)
