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

Arguments come in named tuples of plain arrays and scalars (:class:`dispersion.tiles.Tiles`,
:class:`dispersion.tiles.TiledReceptors`, :class:`Release`, :class:`Segments`, :class:`Sampling`, :class:`Outputs`),
each field with its shape and unit below; ``puff_parallel`` and ``puff_serial`` call the same :func:`_puff_group`.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit, prange

from dispersion._math_kernels import KERNEL_OPTIONS, exp_fast

__all__ = ["Release", "Segments", "Sampling", "Outputs", "puff_parallel", "puff_serial", "erf_difference"]

_INV_TWO_PI_THREE_HALVES = 1.0 / (2.0 * math.pi) ** 1.5
_SQRT_HALF_PI = math.sqrt(0.5 * math.pi)
_INV_SQRT2 = 1.0 / math.sqrt(2.0)
_CUTOFF_SIGMAS = 6.5
_MAX_IMAGES = 50
_AT_REST = 1.0e-6  # a segment shorter than this × σ_y is a puff at rest


class Release(NamedTuple):
    """The release point, for the simple-terrain truncation of the puff height."""

    base_elevation: float  # ground elevation at the release [m] (0 for flat terrain)
    height: float  # release height above ground, the h_s of the truncation [m]


class Segments(NamedTuple):
    """The puffs' straight path segments (N of them), grouped by sampling interval; float64 (N,) unless stated."""

    step_ptr: np.ndarray  # int64 (T + 1,): the segments of interval k are step_ptr[k]:step_ptr[k + 1]
    x0: np.ndarray  # start A of the segment, projected x [m]
    y0: np.ndarray  # start A, projected y [m]
    x1: np.ndarray  # end B, projected x [m]
    y1: np.ndarray  # end B, projected y [m]
    sigma_y0: np.ndarray  # σ_y at A [m]
    sigma_y1: np.ndarray  # σ_y at B [m]
    sigma_z0: np.ndarray  # σ_z at A [m]
    sigma_z1: np.ndarray  # σ_z at B [m]
    height0: np.ndarray  # puff height above the release base at A [m]
    height1: np.ndarray  # puff height above the release base at B [m]
    mass: np.ndarray  # q = the puff's mass × the segment's share of the sampling interval [kg]
    mixing_height: np.ndarray  # mixing height L [m] (1e30: no lid)


class Sampling(NamedTuple):
    """The sampling intervals (T of them) and what is kept of them."""

    step: float  # sampling step Δt [s]
    windows: np.ndarray  # int64 (W,): averaging windows [sampling intervals]
    snapshot_index: np.ndarray  # int64 (T,): row of ``Outputs.snapshots`` for interval k, −1 for none
    series_index: np.ndarray  # int64 (R,): row of ``Outputs.series`` for each receptor (kernel order), −1 for none


class Outputs(NamedTuple):
    """Buffers the kernel writes, float64, receptors in kernel (tile) order; pre-filled with 0."""

    snapshots: np.ndarray  # (K, R): interval means at the output intervals [kg m-3]
    series: np.ndarray  # (N_series, T): interval means at the flagged receptors [kg m-3]
    peak: np.ndarray  # (R,): largest interval mean [kg m-3]
    dose: np.ndarray  # (R,): Σ interval mean × Δt [kg s m-3]
    window_max: np.ndarray  # (W, R): largest running mean over each window [kg m-3]


class _Segment(NamedTuple):
    """One segment as the receptor loop uses it (built inside the kernel)."""

    q: float  # mass [kg]
    ax: float  # start [m] (the middle for a puff at rest)
    ay: float
    ex: float  # unit vector along the segment [-] (0 at rest)
    ey: float
    length: float  # d [m] (0 at rest)
    inv_length: float  # 1/d [1/m] (0 at rest)
    moving: bool  # False: a puff at rest (d < 1e-6 σ_y)
    a_sy: float  # σ_y at the start [m] and its change over the segment [m]
    d_sy: float
    a_sz: float  # σ_z likewise [m]
    d_sz: float
    a_h: float  # height above the release base likewise [m]
    d_h: float
    sy_lo: float  # floors of the extrapolated σ_y, σ_z: half the smaller end value [m]
    sz_lo: float
    sy_hi: float  # larger end values of σ_y, σ_z and the height [m]
    sz_hi: float
    h_hi: float
    mix: float  # mixing height L [m]


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


@njit(inline="always", **KERNEL_OPTIONS)
def _group_circle(tiles, first_tile, end_tile):
    """Centre (x, y) [m] and radius [m] of a circle around every tile of a group (for a first, coarse cull)."""
    x_lo = 1e300
    x_hi = -1e300
    y_lo = 1e300
    y_hi = -1e300
    for tile in range(first_tile, end_tile):
        x_lo = min(x_lo, tiles.center_x[tile] - tiles.radius[tile])
        x_hi = max(x_hi, tiles.center_x[tile] + tiles.radius[tile])
        y_lo = min(y_lo, tiles.center_y[tile] - tiles.radius[tile])
        y_hi = max(y_hi, tiles.center_y[tile] + tiles.radius[tile])
    return 0.5 * (x_lo + x_hi), 0.5 * (y_lo + y_hi), 0.5 * math.hypot(x_hi - x_lo, y_hi - y_lo)


@njit(inline="always", **KERNEL_OPTIONS)
def _segment(segments, seg):
    """The :class:`_Segment` of segment ``seg``; a segment shorter than 1e-6 σ_y becomes a puff at rest at its
    middle, with the mean σ and height."""
    ax = segments.x0[seg]
    ay = segments.y0[seg]
    dxs = segments.x1[seg] - ax
    dys = segments.y1[seg] - ay
    length = math.hypot(dxs, dys)
    a_sy = segments.sigma_y0[seg]
    d_sy = segments.sigma_y1[seg] - a_sy
    a_sz = segments.sigma_z0[seg]
    d_sz = segments.sigma_z1[seg] - a_sz
    a_h = segments.height0[seg]
    d_h = segments.height1[seg] - a_h
    sy_hi = max(a_sy, segments.sigma_y1[seg])
    sz_hi = max(a_sz, segments.sigma_z1[seg])
    h_hi = max(a_h, segments.height1[seg])
    moving = length > _AT_REST * min(a_sy, segments.sigma_y1[seg])
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
    inv_length = 1.0 / length if moving else 0.0  # (a local: Numba takes no control flow in keyword arguments)
    return _Segment(
        q=segments.mass[seg], ax=ax, ay=ay, ex=ex, ey=ey, length=length, inv_length=inv_length, moving=moving,
        a_sy=a_sy, d_sy=d_sy, a_sz=a_sz, d_sz=d_sz, a_h=a_h, d_h=d_h,
        sy_lo=0.5 * min(a_sy, a_sy + d_sy), sz_lo=0.5 * min(a_sz, a_sz + d_sz),
        sy_hi=sy_hi, sz_hi=sz_hi, h_hi=h_hi, mix=segments.mixing_height[seg],
    )


@njit(inline="always", **KERNEL_OPTIONS)
def _image_count(sg, reach, z_max):
    """Mixing-lid image pairs needed within ``reach`` [m] of the segment: σ_z is extrapolated beyond the segment's
    ends, and the largest within reach sets the count (images until 6.5 σ_z, at most 50)."""
    sz_hi = max(sg.sz_hi, sg.a_sz + (1.0 + reach * sg.inv_length) * sg.d_sz, sg.a_sz - reach * sg.inv_length * sg.d_sz)
    n_images = 0
    if _CUTOFF_SIGMAS * sz_hi > 2.0 * sg.mix - sg.h_hi - z_max:
        n_images = min(int(math.ceil((_CUTOFF_SIGMAS * sz_hi + sg.h_hi + z_max) / (2.0 * sg.mix))), _MAX_IMAGES)
    return n_images


@njit(inline="always", **KERNEL_OPTIONS)
def _vertical(zr, hj, w_z, mix, n_images, ground_only):
    """V(z): ground reflection and ``n_images`` mixing-lid image pairs, w_z = 1/2σ_z² [1/m²] (module docstring)."""
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
    return vertical


@njit(inline="always", **KERNEL_OPTIONS)
def _add_segment_to_tile(sg, reach, n_images, receptors, release, i0, n, ground_only, acc_tile):
    """Add one segment's interval-mean concentration at the ``n`` receptors from ``i0`` of a tile to ``acc_tile``."""
    for j in range(n):
        qx = receptors.x[i0 + j] - sg.ax
        qy = receptors.y[i0 + j] - sg.ay
        along = qx * sg.ex + qy * sg.ey
        across = qx * sg.ey - qy * sg.ex if sg.moving else math.hypot(qx, qy)
        excess = max(-along, along - sg.length, 0.0)
        if across * across + excess * excess > reach * reach:
            continue  # beyond 6.5 σ_y of the segment: dropped (part of the model, not of the tiling)
        f = along * sg.inv_length  # the receptor's position along the segment, 0 at A and 1 at B
        sy = max(sg.a_sy + f * sg.d_sy, sg.sy_lo)
        sz = max(sg.a_sz + f * sg.d_sz, sg.sz_lo)
        f = min(max(f, 0.0), 1.0)
        inv_var_y = 1.0 / (sy * sy)
        if sg.moving:
            c = _INV_SQRT2 / sy
            horizontal = (_SQRT_HALF_PI * sy * sg.inv_length * erf_difference(along * c, (along - sg.length) * c)
                          * exp_fast(-0.5 * across * across * inv_var_y))
        else:
            horizontal = exp_fast(-0.5 * (qx * qx + qy * qy) * inv_var_y)
        if horizontal == 0.0:
            continue
        hj = max(sg.a_h + f * sg.d_h - min(receptors.ground_elevation[i0 + j] - release.base_elevation,
                                             release.height), 0.0)
        if sz > 1.6 * sg.mix:
            # σ_z > 1.6 L: uniform below the lid, M/(2π σ_y² L) × the horizontal factor (plume Eq. 1-52)
            acc_tile[j] += sg.q * inv_var_y / (2.0 * math.pi * sg.mix) * horizontal
            continue
        amplitude = sg.q * _INV_TWO_PI_THREE_HALVES * inv_var_y / sz * horizontal
        acc_tile[j] += amplitude * _vertical(receptors.height[i0 + j], hj, 0.5 / (sz * sz), sg.mix, n_images,
                                             ground_only)


@njit(inline="always", **KERNEL_OPTIONS)
def _interval_statistics(acc, t, r0, ring, running, sampling, out):
    """Fold interval ``t``'s means ``acc`` of the group's receptors (from ``r0``) into the peak, the dose, the
    running means over each window (``ring`` holds the last window's means, ``running`` their sums), the snapshot
    and the series."""
    n_rec = acc.shape[0]
    peak = out.peak[r0:r0 + n_rec]
    dose = out.dose[r0:r0 + n_rec]
    for j in range(n_rec):
        value = acc[j]
        peak[j] = max(peak[j], value)
        dose[j] += value * sampling.step
    for w in range(sampling.windows.shape[0]):
        length_w = sampling.windows[w]
        slot = t % length_w
        best = out.window_max[w, r0:r0 + n_rec]
        old = ring[w, slot]
        total = running[w]
        for j in range(n_rec):
            total[j] += acc[j] - old[j]
            old[j] = acc[j]
            best[j] = max(best[j], total[j] / length_w)  # zeros before t = 0 (see the module docstring)
    k = sampling.snapshot_index[t]
    if k >= 0:
        out.snapshots[k, r0:r0 + n_rec] = acc
    for j in range(n_rec):
        s = sampling.series_index[r0 + j]
        if s >= 0:
            out.series[s, t] = acc[j]


@njit(**KERNEL_OPTIONS)
def _puff_group(group, tiles, receptors, release, segments, sampling, out):
    """Every sampling interval, segment and tile of one group of receptor tiles: the interval means and their
    statistics."""
    first_tile = tiles.group_ptr[group]
    end_tile = tiles.group_ptr[group + 1]
    r0 = tiles.tile_ptr[first_tile]
    n_rec = tiles.tile_ptr[end_tile] - r0
    n_steps = segments.step_ptr.shape[0] - 1
    n_windows = sampling.windows.shape[0]
    group_cx, group_cy, group_rad = _group_circle(tiles, first_tile, end_tile)
    acc = np.zeros(n_rec)
    longest = 1
    for w in range(n_windows):
        longest = max(longest, sampling.windows[w])
    ring = np.zeros((n_windows, longest, n_rec))
    running = np.zeros((n_windows, n_rec))
    ground_only = receptors.max_height == 0.0

    for t in range(n_steps):
        acc[:] = 0.0
        for seg in range(segments.step_ptr[t], segments.step_ptr[t + 1]):
            if segments.mass[seg] <= 0.0:
                continue
            sg = _segment(segments, seg)
            reach = _CUTOFF_SIGMAS * sg.sy_hi
            if _segment_distance(group_cx, group_cy, sg.ax, sg.ay, sg.ex, sg.ey, sg.length) - group_rad > reach:
                continue
            n_images = _image_count(sg, reach, receptors.max_height)
            for tile in range(first_tile, end_tile):
                if (_segment_distance(tiles.center_x[tile], tiles.center_y[tile], sg.ax, sg.ay, sg.ex, sg.ey,
                                      sg.length) - tiles.radius[tile] > reach):
                    continue  # the whole tile is beyond 6.5 sigma of this segment
                i0 = tiles.tile_ptr[tile]
                n = tiles.tile_ptr[tile + 1] - i0
                _add_segment_to_tile(sg, reach, n_images, receptors, release, i0, n, ground_only,
                                     acc[i0 - r0:i0 - r0 + n])
        _interval_statistics(acc, t, r0, ring, running, sampling, out)


@njit(parallel=True, **KERNEL_OPTIONS)
def puff_parallel(tiles, receptors, release, segments, sampling, out):
    """All receptor-tile groups in parallel (one parallel region; use outside Dask)."""
    for group in prange(tiles.group_ptr.shape[0] - 1):
        _puff_group(group, tiles, receptors, release, segments, sampling, out)


@njit(**KERNEL_OPTIONS)
def puff_serial(tiles, receptors, release, segments, sampling, out):
    """All groups in order, releasing the GIL: the kernel for Dask threads."""
    for group in range(tiles.group_ptr.shape[0] - 1):
        _puff_group(group, tiles, receptors, release, segments, sampling, out)
