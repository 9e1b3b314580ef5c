"""Numba kernel of the Gaussian puff model: integrated puff segments × receptors × sampling intervals.

Plain arrays in, ``out`` arrays written, no checks (``dispersion/puff.py`` prepares everything). The wrapper cuts
every puff's path into straight segments per sampling interval (see :func:`dispersion.puff.puff_states`); this
kernel sums, for each interval k, the time-integrated concentration of every segment of k at every receptor:

    C̄_k(r) = Σ_seg q · √(π/2) (σ_y/d) [erf(a/√2σ_y) − erf((a − d)/√2σ_y)] · exp(−c²/2σ_y²) · V(z) / ((2π)^{3/2} σ_y² σ_z)

(the CALPUFF integrated puff, Scire et al. 2000 §2.1.2), q = the puff's mass × the segment's share of the interval
[kg], d = its length [m], a and c the receptor's distances along and across it [m]. σ_y and σ_z are taken at the
receptor's position along the segment, f = a/d (linear in f between the segment's ends, extrapolated beyond them,
never below half the smaller end value): the slender-plume evaluation, so that a steady release gives the steady
plume whatever the segment layout; the height is interpolated at f clamped to [0, 1]. V(z) is the ground-reflection
and mixing-lid image sum (well mixed, M/(2π σ_y² L) times the same horizontal factor, once σ_z > 1.6 L), with the ISC3
simple-terrain truncation of the height. A receptor farther than 6.5 σ_y (the larger end's) from the segment gets
nothing from it (e^-21). A segment shorter than 1e-6 σ_y is a puff at rest at its middle (the limit d → 0).

Same tiling and culling as the plume kernel (``_plume_kernels``): receptors sorted into tiles, tiles into groups; a
group, then a tile, is skipped for a segment when it lies beyond 6.5 σ_y (the larger end's) of the segment. Each
receptor belongs to one group and one thread, and its sum runs over the segments in the wrapper's order: the result
does not depend on the number of threads.

Per interval the kernel updates, per receptor: the peak interval mean, the dose (Σ mean × Δt, the exact time
integral), the maximum running mean over each averaging window (a ring buffer of the last ``window`` interval
means; the window's mean is taken at every interval, so a window reaching before the start counts zeros there and a
simulation shorter than the window gives dose / window), snapshots at the output intervals, and the full series at
the receptors flagged as sensitive.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from dispersion._math_kernels import KERNEL_OPTIONS, exp_fast

__all__ = ["puff_parallel", "puff_serial", "erf_difference"]

_INV_TWO_PI_THREE_HALVES = 1.0 / (2.0 * math.pi) ** 1.5
_SQRT_HALF_PI = math.sqrt(0.5 * math.pi)
_INV_SQRT2 = 1.0 / math.sqrt(2.0)
_CUTOFF_SIGMAS = 6.5
_MAX_IMAGES = 50
_AT_REST = 1.0e-6  # a segment shorter than this × σ_y is a puff at rest


@njit(**KERNEL_OPTIONS)
def erf_difference(upper, lower):
    """erf(upper) − erf(lower) for upper ≥ lower, through erfc on either tail (no cancellation). [dimensionless]"""
    if upper > 6.0:  # erf(upper) = 1 to 2e-17 (erfc(6) = 2.2e-17): one erfc instead of two
        return 2.0 if lower < -6.0 else math.erfc(lower)
    if lower < -6.0:  # erf(lower) = −1 likewise
        return math.erfc(-upper)
    if lower >= 0.0:
        return math.erfc(lower) - math.erfc(upper)
    if upper <= 0.0:
        return math.erfc(-upper) - math.erfc(-lower)
    return math.erf(upper) - math.erf(lower)


@njit(**KERNEL_OPTIONS)
def _segment_distance(px, py, ax, ay, ex, ey, length):
    """Distance [m] from (px, py) to the segment from (ax, ay) along the unit vector (ex, ey) over ``length``."""
    qx = px - ax
    qy = py - ay
    along = min(max(qx * ex + qy * ey, 0.0), length)
    return math.hypot(qx - along * ex, qy - along * ey)


@njit(**KERNEL_OPTIONS)
def _puff_group(
    group, group_ptr, tile_ptr, tile_cx, tile_cy, tile_rad,
    rx, ry, rz, rzt, z_max, base, stack_height,
    step_ptr, sx0, sy0, sx1, sy1, ssy0, ssy1, ssz0, ssz1, sh0, sh1, smass, slid,
    dt, windows, snapshot_index, series_index,
    out_snapshots, out_series, out_peak, out_dose, out_window_max,
):
    first_tile = group_ptr[group]
    end_tile = group_ptr[group + 1]
    r0 = tile_ptr[first_tile]
    n_rec = tile_ptr[end_tile] - r0
    n_steps = step_ptr.shape[0] - 1
    n_windows = windows.shape[0]
    # The group's bounding circle (for a first, coarse cull).
    x_lo = 1e300
    x_hi = -1e300
    y_lo = 1e300
    y_hi = -1e300
    for tile in range(first_tile, end_tile):
        x_lo = min(x_lo, tile_cx[tile] - tile_rad[tile])
        x_hi = max(x_hi, tile_cx[tile] + tile_rad[tile])
        y_lo = min(y_lo, tile_cy[tile] - tile_rad[tile])
        y_hi = max(y_hi, tile_cy[tile] + tile_rad[tile])
    group_cx = 0.5 * (x_lo + x_hi)
    group_cy = 0.5 * (y_lo + y_hi)
    group_rad = 0.5 * math.hypot(x_hi - x_lo, y_hi - y_lo)
    acc = np.zeros(n_rec)
    longest = 1
    for w in range(n_windows):
        longest = max(longest, windows[w])
    ring = np.zeros((n_windows, longest, n_rec))
    running = np.zeros((n_windows, n_rec))
    ground_only = z_max == 0.0

    for t in range(n_steps):
        acc[:] = 0.0
        for seg in range(step_ptr[t], step_ptr[t + 1]):
            q = smass[seg]
            if q <= 0.0:
                continue
            ax = sx0[seg]
            ay = sy0[seg]
            dxs = sx1[seg] - ax
            dys = sy1[seg] - ay
            length = math.hypot(dxs, dys)
            a_sy = ssy0[seg]
            d_sy = ssy1[seg] - a_sy
            a_sz = ssz0[seg]
            d_sz = ssz1[seg] - a_sz
            a_h = sh0[seg]
            d_h = sh1[seg] - a_h
            sy_hi = max(a_sy, ssy1[seg])
            sz_hi = max(a_sz, ssz1[seg])
            h_hi = max(a_h, sh1[seg])
            moving = length > _AT_REST * min(a_sy, ssy1[seg])
            if moving:
                ex = dxs / length
                ey = dys / length
            else:  # at rest at the middle, with the mean σ and height
                ax = ax + 0.5 * dxs
                ay = ay + 0.5 * dys
                length = 0.0
                ex = 0.0
                ey = 0.0
                a_sy = a_sy + 0.5 * d_sy
                a_sz = a_sz + 0.5 * d_sz
                a_h = a_h + 0.5 * d_h
                d_sy = 0.0
                d_sz = 0.0
                d_h = 0.0
            inv_length = 1.0 / length if moving else 0.0
            sy_lo = 0.5 * min(a_sy, a_sy + d_sy)
            sz_lo = 0.5 * min(a_sz, a_sz + d_sz)
            mix = slid[seg]
            reach = _CUTOFF_SIGMAS * sy_hi
            if _segment_distance(group_cx, group_cy, ax, ay, ex, ey, length) - group_rad > reach:
                continue
            # σ_z is extrapolated beyond the segment's ends: the largest within reach sets the lid images.
            sz_hi = max(sz_hi, a_sz + (1.0 + reach * inv_length) * d_sz, a_sz - reach * inv_length * d_sz)
            n_images = 0
            if _CUTOFF_SIGMAS * sz_hi > 2.0 * mix - h_hi - z_max:
                n_images = min(int(math.ceil((_CUTOFF_SIGMAS * sz_hi + h_hi + z_max) / (2.0 * mix))), _MAX_IMAGES)
            for tile in range(first_tile, end_tile):
                if _segment_distance(tile_cx[tile], tile_cy[tile], ax, ay, ex, ey, length) - tile_rad[tile] > reach:
                    continue  # the whole tile is beyond 6.5 sigma of this segment
                i0 = tile_ptr[tile]
                n = tile_ptr[tile + 1] - i0
                offset = i0 - r0
                for j in range(n):
                    qx = rx[i0 + j] - ax
                    qy = ry[i0 + j] - ay
                    along = qx * ex + qy * ey
                    across = qx * ey - qy * ex if moving else math.hypot(qx, qy)
                    excess = max(-along, along - length, 0.0)
                    if across * across + excess * excess > reach * reach:
                        continue  # beyond 6.5 σ_y of the segment: dropped (part of the model, not of the tiling)
                    f = along * inv_length  # the receptor's position along the segment, 0 at A and 1 at B
                    sy = max(a_sy + f * d_sy, sy_lo)
                    sz = max(a_sz + f * d_sz, sz_lo)
                    f = min(max(f, 0.0), 1.0)
                    inv_var_y = 1.0 / (sy * sy)
                    if moving:
                        c = _INV_SQRT2 / sy
                        horizontal = (_SQRT_HALF_PI * sy * inv_length * erf_difference(along * c, (along - length) * c)
                                      * exp_fast(-0.5 * across * across * inv_var_y))
                    else:
                        horizontal = exp_fast(-0.5 * (qx * qx + qy * qy) * inv_var_y)
                    if horizontal == 0.0:
                        continue
                    hj = max(a_h + f * d_h - min(rzt[i0 + j] - base, stack_height), 0.0)
                    if sz > 1.6 * mix:
                        # σ_z > 1.6 L: uniform below the lid, M/(2π σ_y² L) × the horizontal factor (plume Eq. 1-52)
                        acc[offset + j] += q * inv_var_y / (2.0 * math.pi * mix) * horizontal
                        continue
                    w_z = 0.5 / (sz * sz)
                    amplitude = q * _INV_TWO_PI_THREE_HALVES * inv_var_y / sz * horizontal
                    zr = rz[i0 + j]
                    if ground_only:
                        vertical = 2.0 * exp_fast(-hj * hj * w_z)
                    else:
                        d1 = zr - hj
                        d2 = zr + hj
                        vertical = exp_fast(-d1 * d1 * w_z) + exp_fast(-d2 * d2 * w_z)
                    for m in range(1, n_images + 1):
                        shift = 2.0 * m * mix
                        d1 = zr - hj - shift
                        d2 = zr + hj - shift
                        d3 = zr - hj + shift
                        d4 = zr + hj + shift
                        vertical += (exp_fast(-d1 * d1 * w_z) + exp_fast(-d2 * d2 * w_z)
                                     + exp_fast(-d3 * d3 * w_z) + exp_fast(-d4 * d4 * w_z))
                    acc[offset + j] += amplitude * vertical
        # Statistics of this sampling interval.
        peak = out_peak[r0:r0 + n_rec]
        dose = out_dose[r0:r0 + n_rec]
        for j in range(n_rec):
            value = acc[j]
            peak[j] = max(peak[j], value)
            dose[j] += value * dt
        for w in range(n_windows):
            length_w = windows[w]
            slot = t % length_w
            best = out_window_max[w, r0:r0 + n_rec]
            old = ring[w, slot]
            total = running[w]
            for j in range(n_rec):
                total[j] += acc[j] - old[j]
                old[j] = acc[j]
                best[j] = max(best[j], total[j] / length_w)  # zeros before t = 0 (see the module docstring)
        k = snapshot_index[t]
        if k >= 0:
            out_snapshots[k, r0:r0 + n_rec] = acc
        for j in range(n_rec):
            s = series_index[r0 + j]
            if s >= 0:
                out_series[s, t] = acc[j]


@njit(parallel=True, **KERNEL_OPTIONS)
def puff_parallel(group_ptr, tile_ptr, tile_cx, tile_cy, tile_rad, rx, ry, rz, rzt, z_max, base, stack_height,
                  step_ptr, sx0, sy0, sx1, sy1, ssy0, ssy1, ssz0, ssz1, sh0, sh1, smass, slid,
                  dt, windows, snapshot_index, series_index,
                  out_snapshots, out_series, out_peak, out_dose, out_window_max):
    """All receptor-tile groups in parallel (one parallel region; use outside Dask)."""
    for group in prange(group_ptr.shape[0] - 1):
        _puff_group(group, group_ptr, tile_ptr, tile_cx, tile_cy, tile_rad, rx, ry, rz, rzt, z_max, base,
                    stack_height, step_ptr, sx0, sy0, sx1, sy1, ssy0, ssy1, ssz0, ssz1, sh0, sh1, smass, slid,
                    dt, windows, snapshot_index, series_index,
                    out_snapshots, out_series, out_peak, out_dose, out_window_max)


@njit(**KERNEL_OPTIONS)
def puff_serial(group_ptr, tile_ptr, tile_cx, tile_cy, tile_rad, rx, ry, rz, rzt, z_max, base, stack_height,
                step_ptr, sx0, sy0, sx1, sy1, ssy0, ssy1, ssz0, ssz1, sh0, sh1, smass, slid,
                dt, windows, snapshot_index, series_index,
                out_snapshots, out_series, out_peak, out_dose, out_window_max):
    """All groups in order, releasing the GIL: the kernel for Dask threads."""
    for group in range(group_ptr.shape[0] - 1):
        _puff_group(group, group_ptr, tile_ptr, tile_cx, tile_cy, tile_rad, rx, ry, rz, rzt, z_max, base,
                    stack_height, step_ptr, sx0, sy0, sx1, sy1, ssy0, ssy1, ssz0, ssz1, sh0, sh1, smass, slid,
                    dt, windows, snapshot_index, series_index,
                    out_snapshots, out_series, out_peak, out_dose, out_window_max)
