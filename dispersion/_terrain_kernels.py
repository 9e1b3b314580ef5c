"""Numba kernel of AERMAP's receptor hill-height scale (the wrapper and the method: ``dispersion/hill_height.py``).

Plain arrays in, the ``out`` array written, no checks. The DEM nodes come sorted by elevation, highest first, so
the first node that passes a receptor's 10 % slope test is the highest that does, and the scan stops there — or
where the nodes sink below the receptor, which none of the rest can pass.
"""

from __future__ import annotations

import math

from numba import njit, prange

from dispersion._math_kernels import KERNEL_OPTIONS

__all__ = ["hill_heights_parallel"]


@njit(parallel=True, **KERNEL_OPTIONS)
def hill_heights_parallel(receptor_x, receptor_y, receptor_elevation, node_x, node_y, node_elevation, slope, out):
    """For each receptor r: out[r] = the highest node elevation z_n with z_n − z_r ≥ slope · distance(r, n), and at
    least z_r.

    receptor_x, receptor_y, receptor_elevation : (R,) [m]; node_x, node_y, node_elevation : (N,) DEM nodes sorted by
    elevation, highest first [m]; slope : the test's rise over run (AERMAP: 0.1) [-]; out : (R,) [m].
    """
    for r in prange(receptor_x.shape[0]):
        xr, yr, zr = receptor_x[r], receptor_y[r], receptor_elevation[r]
        best = zr
        for n in range(node_x.shape[0]):
            rise = node_elevation[n] - zr
            if rise < 0.0:
                break  # every later node is lower still
            if rise >= slope * math.hypot(node_x[n] - xr, node_y[n] - yr):
                best = max(best, node_elevation[n])
                break
        out[r] = best
