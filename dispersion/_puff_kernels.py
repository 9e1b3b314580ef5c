"""Numba kernel of the Gaussian puff model: puffs × receptors × sampling steps.

Plain arrays in, ``out`` arrays written, no checks (``dispersion/puff.py`` prepares everything). The puff states —
centre, σ_y (= σ_x), σ_z, effective height and mass at every sampling step — are computed by the wrapper; this
kernel only sums the puffs at the receptors, which is where the time goes. Same tiling, culling and fast ``exp`` as
the plume kernel (``_plume_kernels``): receptors sorted into tiles, a tile skipped for a puff when it lies beyond 6.5
σ_y of the puff centre, short vectorisable loops over each tile's views.

Per sampling step the kernel accumulates the instantaneous field and updates, per receptor: the peak
instantaneous value, the dose (time integral), the maximum running mean over each averaging window (a ring buffer
of the last ``window`` values), snapshots at the output steps, and the full series at the receptors flagged as
sensitive.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from dispersion._math_kernels import KERNEL_OPTIONS, exp_fast

__all__ = ["puff_parallel", "puff_serial"]

_INV_TWO_PI_THREE_HALVES = 1.0 / (2.0 * math.pi) ** 1.5
_CUTOFF_SIGMAS = 6.5
_MAX_IMAGES = 50


@njit(**KERNEL_OPTIONS)
def _puff_group(
    group, group_ptr, tile_ptr, tile_cx, tile_cy, tile_rad,
    rx, ry, rz, rzt, z_max, base, stack_height,
    px, py, psy, psz, ph, pmass, lid,
    dt, windows, snapshot_index, series_index,
    out_snapshots, out_series, out_peak, out_dose, out_window_max,
):
    first_tile = group_ptr[group]
    end_tile = group_ptr[group + 1]
    r0 = tile_ptr[first_tile]
    n_rec = tile_ptr[end_tile] - r0
    n_steps, n_puffs = px.shape
    n_windows = windows.shape[0]
    width = 0
    for tile in range(first_tile, end_tile):
        width = max(width, tile_ptr[tile + 1] - tile_ptr[tile])
    acc = np.zeros(n_rec)
    longest = 1
    for w in range(n_windows):
        longest = max(longest, windows[w])
    ring = np.zeros((n_windows, longest, n_rec))
    running = np.zeros((n_windows, n_rec))
    vert = np.empty(width)
    horiz = np.empty(width)
    height = np.empty(width)
    ground_only = z_max == 0.0

    for t in range(n_steps):
        acc[:] = 0.0
        mix = lid[t]
        for p in range(n_puffs):
            mass = pmass[t, p]
            if mass <= 0.0:
                continue  # not yet released, or gone
            xc = px[t, p]
            yc = py[t, p]
            sy = psy[t, p]
            sz = psz[t, p]
            h_eff = ph[t, p]
            inv_var_y = 1.0 / (sy * sy)
            w_z = 0.5 / (sz * sz)
            amplitude = mass * _INV_TWO_PI_THREE_HALVES * inv_var_y / sz
            reach = _CUTOFF_SIGMAS * sy
            well_mixed = sz > 1.6 * mix
            n_images = 0
            if not well_mixed and _CUTOFF_SIGMAS * sz > 2.0 * mix - h_eff - z_max:
                n_images = min(int(math.ceil((_CUTOFF_SIGMAS * sz + h_eff + z_max) / (2.0 * mix))), _MAX_IMAGES)
            for tile in range(first_tile, end_tile):
                if math.hypot(tile_cx[tile] - xc, tile_cy[tile] - yc) - tile_rad[tile] > reach:
                    continue  # the whole tile is beyond 6.5 sigma of this puff
                i0 = tile_ptr[tile]
                n = tile_ptr[tile + 1] - i0
                tx = rx[i0:i0 + n]
                ty = ry[i0:i0 + n]
                tz = rz[i0:i0 + n]
                tzt = rzt[i0:i0 + n]
                for j in range(n):
                    dx = tx[j] - xc
                    dy = ty[j] - yc
                    horiz[j] = -0.5 * (dx * dx + dy * dy) * inv_var_y
                    height[j] = max(h_eff - min(tzt[j] - base, stack_height), 0.0)
                if well_mixed:
                    # σ_z > 1.6 L: uniform below the lid, C = M/(2π σ_y² L) exp(-r²/2σ_y²) (as the plume's Eq. 1-52)
                    scale = mass * inv_var_y / (2.0 * math.pi * mix)
                    for j in range(n):
                        vert[j] = scale * exp_fast(horiz[j])
                else:
                    if ground_only:
                        for j in range(n):
                            hj = height[j]
                            vert[j] = 2.0 * amplitude * exp_fast(horiz[j] - hj * hj * w_z)
                    else:
                        for j in range(n):
                            d1 = tz[j] - height[j]
                            d2 = tz[j] + height[j]
                            vert[j] = amplitude * (exp_fast(horiz[j] - d1 * d1 * w_z)
                                                   + exp_fast(horiz[j] - d2 * d2 * w_z))
                    for m in range(1, n_images + 1):
                        shift = 2.0 * m * mix
                        for j in range(n):
                            zr = tz[j]
                            hj = height[j]
                            d1 = zr - hj - shift
                            d2 = zr + hj - shift
                            d3 = zr - hj + shift
                            d4 = zr + hj + shift
                            lat = horiz[j]
                            vert[j] += amplitude * (exp_fast(lat - d1 * d1 * w_z) + exp_fast(lat - d2 * d2 * w_z)
                                                    + exp_fast(lat - d3 * d3 * w_z) + exp_fast(lat - d4 * d4 * w_z))
                offset = i0 - r0
                acc_tile = acc[offset:offset + n]
                for j in range(n):
                    acc_tile[j] += vert[j]
        # Statistics of this sampling step.
        peak = out_peak[r0:r0 + n_rec]
        dose = out_dose[r0:r0 + n_rec]
        for j in range(n_rec):
            value = acc[j]
            peak[j] = max(peak[j], value)
            dose[j] += value * dt
        for w in range(n_windows):
            length = windows[w]
            slot = t % length
            best = out_window_max[w, r0:r0 + n_rec]
            old = ring[w, slot]
            total = running[w]
            for j in range(n_rec):
                total[j] += acc[j] - old[j]
                old[j] = acc[j]
                if t + 1 >= length:
                    best[j] = max(best[j], total[j] / length)
        k = snapshot_index[t]
        if k >= 0:
            out_snapshots[k, r0:r0 + n_rec] = acc
        for j in range(n_rec):
            s = series_index[r0 + j]
            if s >= 0:
                out_series[s, t] = acc[j]


@njit(parallel=True, **KERNEL_OPTIONS)
def puff_parallel(group_ptr, tile_ptr, tile_cx, tile_cy, tile_rad, rx, ry, rz, rzt, z_max, base, stack_height,
                  px, py, psy, psz, ph, pmass, lid, dt, windows, snapshot_index, series_index,
                  out_snapshots, out_series, out_peak, out_dose, out_window_max):
    """All receptor-tile groups in parallel (one parallel region; use outside Dask)."""
    for group in prange(group_ptr.shape[0] - 1):
        _puff_group(group, group_ptr, tile_ptr, tile_cx, tile_cy, tile_rad, rx, ry, rz, rzt, z_max, base,
                    stack_height, px, py, psy, psz, ph, pmass, lid, dt, windows, snapshot_index, series_index,
                    out_snapshots, out_series, out_peak, out_dose, out_window_max)


@njit(**KERNEL_OPTIONS)
def puff_serial(group_ptr, tile_ptr, tile_cx, tile_cy, tile_rad, rx, ry, rz, rzt, z_max, base, stack_height,
                px, py, psy, psz, ph, pmass, lid, dt, windows, snapshot_index, series_index,
                out_snapshots, out_series, out_peak, out_dose, out_window_max):
    """All groups in order, releasing the GIL: the kernel for Dask threads."""
    for group in range(group_ptr.shape[0] - 1):
        _puff_group(group, group_ptr, tile_ptr, tile_cx, tile_cy, tile_rad, rx, ry, rz, rzt, z_max, base,
                    stack_height, px, py, psy, psz, ph, pmass, lid, dt, windows, snapshot_index, series_index,
                    out_snapshots, out_series, out_peak, out_dose, out_window_max)
