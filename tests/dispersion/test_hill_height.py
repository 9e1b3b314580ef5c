"""AERMAP's receptor hill-height scale (dispersion.hill_height) against a slow NumPy oracle and an analytic hill."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dispersion.hill_height import receptor_hill_heights
from twin.errors import InputError

pytestmark = pytest.mark.kernel  # also run with NUMBA_DISABLE_JIT (the kernel as plain Python)


def oracle(rx, ry, rz, tx, ty, elevation, slope=0.1):
    """Every node against every receptor, no ordering tricks: max z_n over z_n − z_r ≥ slope·d, floored at z_r."""
    mesh_x, mesh_y = np.meshgrid(tx, ty)
    out = np.empty(len(rx))
    for r in range(len(rx)):
        distance = np.hypot(mesh_x - rx[r], mesh_y - ry[r])
        passes = np.isfinite(elevation) & (elevation - rz[r] >= slope * distance)
        out[r] = max(rz[r], elevation[passes].max()) if passes.any() else rz[r]
    return out


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_rec=st.integers(1, 30), voids=st.booleans())
def test_kernel_equals_the_oracle(seed, n_rec, voids):
    rng = np.random.default_rng(seed)
    tx, ty = np.arange(25) * 40.0, np.arange(20) * 40.0
    elevation = rng.uniform(0, 60, (20, 25)) + np.add.outer(ty, tx) * rng.uniform(0, 0.08)
    if voids:
        elevation[rng.uniform(size=elevation.shape) < 0.2] = np.nan
    rx, ry = rng.uniform(-200, 1200, n_rec), rng.uniform(-200, 1000, n_rec)
    rz = rng.uniform(0, 80, n_rec)
    np.testing.assert_array_equal(receptor_hill_heights(rx, ry, rz, tx, ty, elevation),
                                  oracle(rx, ry, rz, tx, ty, elevation))


def test_a_cone_hill_by_hand():
    # A cone 100 m high on flat ground at 0 m, z = 100 (1 − s/1000) at s [m] from its top (a 10 % flank):
    # - a receptor on the ground 2000 m from the top: a flank node at s needs 100 − 0.1 s ≥ 0.1 (2000 − s), i.e.
    #   100 ≥ 200 — no node passes, h_c = the receptor's 0 m;
    # - a receptor on the flank 500 m from the top (z_r = 50 m): the top rises 50 m in 500 m = 10 %, h_c = 100 m;
    # - a steeper cone (radius 400 m) seen from the ground 900 m away: 100 m in 900 m > 10 %, h_c = 100 m.
    x = np.arange(-2500.0, 2501.0, 10.0)
    mesh_x, mesh_y = np.meshgrid(x, x)
    radius = np.hypot(mesh_x, mesh_y)
    wide = np.maximum(0.0, 100.0 * (1 - radius / 1000.0))
    steep = np.maximum(0.0, 100.0 * (1 - radius / 400.0))
    heights = receptor_hill_heights([2000.0, 500.0], [0.0, 0.0], [0.0, 50.0], x, x, wide)
    assert heights[0] == pytest.approx(0.0, abs=1e-9)
    assert heights[1] == pytest.approx(100.0)
    assert receptor_hill_heights([900.0], [0.0], [0.0], x, x, steep)[0] == pytest.approx(100.0)


def test_never_below_the_receptor_and_bad_shapes_refused():
    x = np.arange(5) * 100.0
    flat = np.zeros((5, 5))
    assert receptor_hill_heights([200.0], [200.0], [30.0], x, x, flat)[0] == 30.0
    with pytest.raises(InputError, match="terrain elevation"):
        receptor_hill_heights([0.0], [0.0], [0.0], x, x, np.zeros((4, 5)))
