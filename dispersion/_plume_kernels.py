"""Numba kernels of the steady Gaussian plume: sources × receptors × hours.

Plain arrays in, ``out`` arrays written, no Python objects, no checks (``dispersion/plume.py`` validates and prepares
every input). The physics is documented in :func:`dispersion.plume.run_plume`; this file is about doing it fast:

* per-(hour, source) work — plume rise, wind at stack height, 1/(2πu) — is hoisted into (H, S) arrays by the wrapper;
* receptors are sorted into square tiles; a tile that lies wholly upwind, or wholly beyond 6 σ_y (a conservative
  bound σ_y ≤ k·x plus the buoyancy-induced spread) of the plume axis, is skipped without touching its receptors;
* inside a tile, short branch-free loops over a scratch buffer (geometry, then one loop per image pair of the
  mixing-lid sum) that LLVM vectorises, with :func:`exp_fast` instead of the scalar libm ``exp``;
* tiles are dealt to groups; ``plume_parallel`` runs groups in a ``prange`` (one parallel region per run, never in
  the innermost loop), ``plume_serial`` runs them in order for use inside Dask threads (``nogil``); both call the
  same :func:`_plume_group`.

Arguments come in named tuples of plain arrays and scalars (:class:`dispersion.tiles.Tiles`,
:class:`dispersion.tiles.TiledReceptors`, :class:`Stacks`, :class:`HourlyMet`, :class:`StackHours`,
:class:`Emissions`, :class:`Sigmas`, :class:`Switches`, :class:`Outputs`), each field with its shape and unit below.

Statistics: ``HourlyMet.day`` holds each hour's 0-based local calendar-day index (hours in time order) and
``HourlyMet.valid`` whether the hour is modelled (0: a calm or missing hour under AERMOD's rules, which contributes
a concentration of zero and is left out of every average). At the end of each day with at least
``Switches.min_hours_per_day`` valid hours the kernel writes the daily mean — the day's sum divided by
max(valid hours, ``Switches.daily_divisor_floor``) — into ``Outputs.daily[p, day, receptor]`` and leaves days with
fewer hours untouched (the wrapper pre-fills −1, "no valid daily mean"). ``Outputs.max_1h`` and ``Outputs.mean``
(sum of hourly values / number of valid hours) are accumulated hour by hour.

Sigma encoding (per stability class c = 0..5 for A..F, per axis, ``Sigmas.y_segments`` / ``z_segments`` as ``sig``,
``y_mode`` / ``z_mode`` as ``mode``): ``sig[c, k, :] = [x_upper, a, alpha, b, beta, cap]``
means σ(x) = min(cap, a·x^alpha·(1 + b·x)^beta) for x ≤ x_upper (see ``dispersion.coefficients.power_law_segments``).
``mode[c]`` = 0: one segment with alpha = 1, beta ∈ {-1, -½, 0, ½}, no cap (Briggs form, vectorised fast path);
1: general piecewise power law; 2 (σ_y only): ISC3 Pasquill–Gifford, σ_y = 465.11628·X·tan(0.017453293·(c − d·ln X))
with X in km, ``sig[c, 0, 1:3] = (c, d)``.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit, prange

from dispersion._math_kernels import KERNEL_OPTIONS, exp_fast

__all__ = ["Stacks", "HourlyMet", "StackHours", "Emissions", "Sigmas", "Switches", "Outputs", "plume_parallel",
           "plume_serial", "sigma_eval"]

_SQRT_2PI = math.sqrt(2.0 * math.pi)
_MAX_IMAGES = 50
# Image pairs are added until exp(-d²/2σ²) < e^-37 ≈ 1e-16 for the nearest omitted image: d > 8.6 σ.
_IMAGE_CUTOFF_SIGMAS = 8.6


class Stacks(NamedTuple):
    """The stacks (S of them), float64 (S,)."""

    x: np.ndarray  # projected x of the stack [m]
    y: np.ndarray  # projected y of the stack [m]
    base_elevation: np.ndarray  # ground elevation at the stack z_s [m] (zeros for flat terrain)
    height: np.ndarray  # physical stack height h_s [m]


class HourlyMet(NamedTuple):
    """Per-hour weather (H hours, in time order), (H,) arrays."""

    wind_to_x: np.ndarray  # float64: x component of the unit vector the wind blows towards, grid axes [-]
    wind_to_y: np.ndarray  # float64: y component of that unit vector [-]
    mixing_height: np.ndarray  # float64: mixing height L [m] (1e30: no lid)
    stability: np.ndarray  # int64: stability class 0..5 (A..F)
    day: np.ndarray  # int64: 0-based local calendar-day index of the hour (non-decreasing)
    valid: np.ndarray  # bool: the hour is modelled (False: calm or missing, zero and left out of averages)


class StackHours(NamedTuple):
    """Per-(hour, stack) quantities hoisted by the wrapper, float64 (H, S)."""

    effective_height: np.ndarray  # effective height h_e above the stack base [m]
    dilution: np.ndarray  # 1 / (2π u_s), u_s the wind speed at stack height [s/m]
    inverse_wind_speed: np.ndarray  # 1 / u_s [s/m]
    buoyancy_variance: np.ndarray  # buoyancy-induced spread (Δh/3.5)² added to σ_y² and σ_z² [m²]


class Emissions(NamedTuple):
    """What is emitted: P substances sharing one decay rate."""

    rates: np.ndarray  # float64 (P, H, S): emission rate Q of each substance, hour and stack [kg/s]
    decay_rate: float  # first-order decay rate ψ = ln 2 / T½ [1/s] (0: no decay)


class Sigmas(NamedTuple):
    """The dispersion-coefficient model, per stability class c = 0..5 (encoding: module docstring)."""

    y_segments: np.ndarray  # float64 (6, K, 6): σ_y segments [x_upper m, a, alpha, b 1/m, beta, cap m]
    y_count: np.ndarray  # int64 (6,): segments in use per class (σ_y)
    y_mode: np.ndarray  # int64 (6,): 0 Briggs form, 1 general power law, 2 ISC3 Pasquill–Gifford (σ_y)
    z_segments: np.ndarray  # float64 (6, K, 6): σ_z segments, as y_segments
    z_count: np.ndarray  # int64 (6,): segments in use per class (σ_z)
    z_mode: np.ndarray  # int64 (6,): 0 Briggs form, 1 general power law (σ_z)
    y_slope_bound: np.ndarray  # float64 (6,): k with σ_y(x) ≤ k·x for every x, for tile culling [-]


class Switches(NamedTuple):
    """Run switches."""

    cull: bool  # skip tiles wholly beyond 6 σ_y of the plume axis
    store_hourly: bool  # write ``Outputs.hourly``
    min_hours_per_day: int  # valid hours a day needs for a daily mean [h]
    daily_divisor_floor: int  # a daily mean divides the day's sum by max(valid hours, this) [h] (0: valid hours)


class Outputs(NamedTuple):
    """Buffers the kernel writes, float64, receptors in kernel (tile) order."""

    hourly: np.ndarray  # (H, P, R) hourly concentration [kg m-3] ((0, 0, 0) when not stored)
    max_1h: np.ndarray  # (P, R) largest hourly concentration [kg m-3] (pre-filled 0)
    daily: np.ndarray  # (P, D, R) daily means [kg m-3] (pre-filled −1: no valid daily mean)
    mean: np.ndarray  # (P, R) period mean [kg m-3] (pre-filled 0)


class _Hour(NamedTuple):
    """One hour's weather as the tile loops use it (built inside the kernel)."""

    stability: int  # class 0..5
    mix: float  # mixing height L [m]
    ex: float  # unit vector the wind blows towards [-]
    ey: float
    fast: bool  # both sigmas in the Briggs form (vectorised path)
    y_mode: int  # sigma modes and segment counts of the class (module docstring)
    y_count: int
    z_mode: int
    z_count: int
    ay: float  # Briggs σ_y = ay·x·(1 + by·x)^bety and σ_z likewise [a: -, b: 1/m, beta: -]
    by: float
    bety: float
    az: float
    bz: float
    betz: float


class _Source(NamedTuple):
    """One stack in one hour (built inside the kernel)."""

    x: float  # stack position [m]
    y: float
    base: float  # ground elevation at the stack [m]
    stack_height: float  # physical stack height [m]
    h_eff: float  # effective height above the stack base [m]
    q: float  # 1/(2π u_s) [s/m]
    b2: float  # buoyancy-induced variance [m²]
    spread: float  # its square root [m]
    k_dec: float  # decay per metre of travel ψ/u_s [1/m]


class _Scratch(NamedTuple):
    """Per-receptor work buffers of one tile (length: the widest tile of the group)."""

    lateral: np.ndarray  # −y²/2σ_y² − ψx/u_s [-]
    inv_var_y: np.ndarray  # 1/σ_y² [1/m²]
    inv_var_z: np.ndarray  # 1/σ_z² [1/m²]
    height: np.ndarray  # plume height above the receptor's ground after terrain truncation [m]
    amp: np.ndarray  # q/(σ_y σ_z) [s/m³], 0 for receptors upwind or closer than 1 m
    vert: np.ndarray  # V(z), the image sum [-]
    unit: np.ndarray  # concentration per unit emission rate [s/m³]


@njit(inline="always", **KERNEL_OPTIONS)
def _briggs_ratio(u, beta):
    """(numerator, denominator) of u**(2·beta) for beta in {-1, -1/2, 0, 1/2}: no pow, no division, no sqrt.

    The squared Briggs sigma a²x²(1 + bx)^(2β) is then a ratio of polynomials, so the kernel can form 1/σ² for both
    axes and the amplitude 1/(σ_y σ_z) with one division and one square root per receptor (divisions and square
    roots, not exponentials, dominate the geometry pass otherwise).
    """
    if beta > 0.25:
        return u, 1.0
    if beta > -0.25:
        return 1.0, 1.0
    if beta > -0.75:
        return 1.0, u
    return 1.0, u * u


@njit(inline="always", **KERNEL_OPTIONS)
def _sigma_at(fast, a, b, beta, mode, seg, nseg, x):
    """σ [m] at x [m]: the Briggs form without pow when ``fast``, else the general :func:`sigma_eval`."""
    if fast:
        num, den = _briggs_ratio(1.0 + b * x, beta)
        return a * x * math.sqrt(num / den)
    return sigma_eval(mode, seg, nseg, x)


@njit(**KERNEL_OPTIONS)
def sigma_eval(mode, seg, nseg, x):
    """σ [m] at downwind distance x [m] for one class and axis (scalar, any mode)."""
    if mode == 2:
        xk = x * 1e-3
        theta = 0.017453293 * (seg[0, 1] - seg[0, 2] * math.log(xk))
        return 465.11628 * xk * math.tan(theta)
    k = 0
    while k < nseg - 1 and x > seg[k, 0]:
        k += 1
    value = seg[k, 1] * math.pow(x, seg[k, 2])
    if seg[k, 3] != 0.0:
        value *= math.pow(1.0 + seg[k, 3] * x, seg[k, 4])
    return min(value, seg[k, 5])



@njit(inline="always", **KERNEL_OPTIONS)
def _hour_weather(met, sigmas, t):
    """The :class:`_Hour` of hour ``t``."""
    cls = met.stability[t]
    fast = sigmas.y_mode[cls] == 0 and sigmas.z_mode[cls] == 0  # (a local: Numba takes no control flow in kwargs)
    return _Hour(
        stability=cls, mix=met.mixing_height[t], ex=met.wind_to_x[t], ey=met.wind_to_y[t], fast=fast,
        y_mode=sigmas.y_mode[cls], y_count=sigmas.y_count[cls], z_mode=sigmas.z_mode[cls], z_count=sigmas.z_count[cls],
        ay=sigmas.y_segments[cls, 0, 1], by=sigmas.y_segments[cls, 0, 3], bety=sigmas.y_segments[cls, 0, 4],
        az=sigmas.z_segments[cls, 0, 1], bz=sigmas.z_segments[cls, 0, 3], betz=sigmas.z_segments[cls, 0, 4],
    )


@njit(inline="always", **KERNEL_OPTIONS)
def _source_hour(stacks, stack_hours, decay_rate, t, s):
    """The :class:`_Source` of stack ``s`` in hour ``t``."""
    b2 = stack_hours.buoyancy_variance[t, s]
    return _Source(
        x=stacks.x[s], y=stacks.y[s], base=stacks.base_elevation[s], stack_height=stacks.height[s],
        h_eff=stack_hours.effective_height[t, s], q=stack_hours.dilution[t, s], b2=b2, spread=math.sqrt(b2),
        k_dec=decay_rate * stack_hours.inverse_wind_speed[t, s],
    )


@njit(inline="always", **KERNEL_OPTIONS)
def _receptor_briggs(hour, src, rx, ry, rzt):
    """Pass 1 at one receptor (rx, ry) [m] with ground elevation ``rzt`` [m], Briggs form (no pow, one division,
    one square root): (lateral exponent −y²/2σ_y² − ψx/u_s, 1/σ_y² [1/m²], 1/σ_z² [1/m²], plume height above the
    receptor's ground after terrain truncation [m], amplitude q/(σ_y σ_z) [s/m³], 0 upwind or within 1 m)."""
    dx = rx - src.x
    dy = ry - src.y
    x = dx * hour.ex + dy * hour.ey
    y = dy * hour.ex - dx * hour.ey
    xp = max(x, 1.0)
    num_y, den_y = _briggs_ratio(1.0 + hour.by * xp, hour.bety)
    num_z, den_z = _briggs_ratio(1.0 + hour.bz * xp, hour.betz)
    ax = hour.ay * xp
    az_ = hour.az * xp
    var_y = ax * ax * num_y + src.b2 * den_y  # σ_y² · den_y (σ_y² incl. buoyancy spread)
    var_z = az_ * az_ * num_z + src.b2 * den_z
    inv = 1.0 / (var_y * var_z)
    ivy = den_y * var_z * inv  # 1/σ_y²
    ivz = den_z * var_y * inv  # 1/σ_z²
    lateral = -0.5 * y * y * ivy - src.k_dec * xp
    height = max(src.h_eff - min(rzt - src.base, src.stack_height), 0.0)
    amp = src.q * math.sqrt(den_y * den_z * inv) if x > 1.0 else 0.0  # q/(σ_y σ_z)
    return lateral, ivy, ivz, height, amp


@njit(inline="always", **KERNEL_OPTIONS)
def _receptor_general(hour, src, seg_y, seg_z, rx, ry, rzt):
    """Pass 1 at one receptor, any sigma model (:func:`sigma_eval`): the same quantities as
    :func:`_receptor_briggs`."""
    dx = rx - src.x
    dy = ry - src.y
    x = dx * hour.ex + dy * hour.ey
    y = dy * hour.ex - dx * hour.ey
    xp = max(x, 1.0)
    syv = sigma_eval(hour.y_mode, seg_y, hour.y_count, xp)
    szv = sigma_eval(hour.z_mode, seg_z, hour.z_count, xp)
    ivy = 1.0 / (syv * syv + src.b2)
    ivz = 1.0 / (szv * szv + src.b2)
    lateral = -0.5 * y * y * ivy - src.k_dec * xp
    height = max(src.h_eff - min(rzt - src.base, src.stack_height), 0.0)
    amp = src.q * math.sqrt(ivy * ivz) if x > 1.0 else 0.0
    return lateral, ivy, ivz, height, amp


@njit(inline="always", **KERNEL_OPTIONS)
def _well_mixed(q, mix, inv_var_y, lateral):
    """Well-mixed concentration per unit emission once σ_z > 1.6 L (ISC3 Eq. 1-52) [s/m³]:
    C = Q / (sqrt(2 pi) u σ_y L) exp(-y²/2σ_y²) = q · sqrt(2 pi) / L · (1/σ_y) · exp(lateral)."""
    return q * _SQRT_2PI / mix * math.sqrt(inv_var_y) * exp_fast(lateral)


@njit(inline="always", **KERNEL_OPTIONS)
def _image_pair_count(sz_hi, mix, h_eff, z_max):
    """Image pairs ±2nL needed for a tile whose largest σ_z is ``sz_hi`` [m]: until 8.6 σ_z, at most 50."""
    n_images = 0
    if _IMAGE_CUTOFF_SIGMAS * sz_hi > 2.0 * mix - h_eff - z_max:
        n_images = min(int(math.ceil((_IMAGE_CUTOFF_SIGMAS * sz_hi + h_eff + z_max) / (2.0 * mix))), _MAX_IMAGES)
    return n_images


@njit(inline="always", **KERNEL_OPTIONS)
def _reflected_pair(lateral, inv_var_z, height, zr, ground_only):
    """The n = 0 terms of V(z) (ISC3 Eq. 1-50) times exp(lateral): source and ground image, for a receptor at
    ``zr`` [m] and a plume ``height`` [m] above its ground. At z = 0 the two terms coincide: one exponential, twice."""
    if ground_only:
        return 2.0 * exp_fast(lateral - 0.5 * height * height * inv_var_z)
    d1 = zr - height
    d2 = zr + height
    w = 0.5 * inv_var_z
    return exp_fast(lateral - d1 * d1 * w) + exp_fast(lateral - d2 * d2 * w)


@njit(inline="always", **KERNEL_OPTIONS)
def _image_pairs(lat, inv_var_z, hj, zr, shift, ground_only):
    """The ±``shift`` = ±2nL terms of V(z) (ISC3 Eq. 1-50) times exp(lat). At z = 0, (-h - s)² = (h + s)² and
    (h - s)² = (-h + s)²: two distinct terms, each twice."""
    w = 0.5 * inv_var_z
    if ground_only:
        d1 = hj + shift
        d2 = hj - shift
        return 2.0 * (exp_fast(lat - d1 * d1 * w) + exp_fast(lat - d2 * d2 * w))
    d1 = zr - hj - shift
    d2 = zr + hj - shift
    d3 = zr - hj + shift
    d4 = zr + hj + shift
    return (exp_fast(lat - d1 * d1 * w) + exp_fast(lat - d2 * d2 * w)
            + exp_fast(lat - d3 * d3 * w) + exp_fast(lat - d4 * d4 * w))


@njit(inline="always", **KERNEL_OPTIONS)
def _hour_field(t, hour, first_tile, end_tile, r0, tiles, receptors, stacks, stack_hours, emissions, sigmas,
                cull, ground_only, scratch, acc):
    """Hour ``t``'s concentration [kg m-3] of every substance at the group's receptors (from ``r0``) into ``acc``:
    for every stack and every tile not culled, pass 1 (geometry, per receptor), pass 2 (ground reflection and
    mixing-lid images, ISC3 Eq. 1-50, or the well-mixed form, Eq. 1-52) and pass 3 (rate × unit field).

    Why it is long: the tile loop is written out here rather than split into helpers taking arrays. Every array
    handed to a helper inside the tile loop costs a reference-count increment and decrement per tile, and
    splitting the passes that way made the kernel 7-10 % slower (benchmarks/plume.py). Arrays are taken out of
    their tuples once, above the loops; the helpers the loops call take scalars only.
    """
    tile_ptr, center_x, center_y, radius = tiles.tile_ptr, tiles.center_x, tiles.center_y, tiles.radius
    rx, ry, rz, rzt, z_max = receptors
    lateral, inv_var_y, inv_var_z, height, amp, vert, unit = scratch
    rates = emissions.rates
    seg_y = sigmas.y_segments[hour.stability]
    seg_z = sigmas.z_segments[hour.stability]
    k_y = sigmas.y_slope_bound[hour.stability]
    mix = hour.mix
    for s in range(stacks.x.shape[0]):
        src = _source_hour(stacks, stack_hours, emissions.decay_rate, t, s)
        if hour.stability < 4 and src.h_eff > mix:
            continue  # plume above the mixing lid in unstable/neutral air: zero at the ground (ISC3)
        for tile in range(first_tile, end_tile):
            dxc = center_x[tile] - src.x
            dyc = center_y[tile] - src.y
            xc = dxc * hour.ex + dyc * hour.ey
            yc = dyc * hour.ex - dxc * hour.ey
            rad = radius[tile]
            x_hi = xc + rad
            if x_hi <= 1.0:
                continue  # the whole tile is upwind
            if cull and abs(yc) - rad > 6.0 * (k_y * x_hi + src.spread):
                continue  # the whole tile is beyond 6 sigma_y of the axis
            i0 = tile_ptr[tile]
            n = tile_ptr[tile + 1] - i0
            # Views of this tile's receptors: indexing a view with the loop counter (known >= 0) spares the
            # negative-index wrap-around test that an offset index i0 + j carries, which keeps loops scalar.
            tx = rx[i0:i0 + n]
            ty = ry[i0:i0 + n]
            tz = rz[i0:i0 + n]
            tzt = rzt[i0:i0 + n]
            # Pass 1: geometry, sigmas, lateral exponent (vectorised in the fast path).
            if hour.fast:
                for j in range(n):
                    lateral[j], inv_var_y[j], inv_var_z[j], height[j], amp[j] = _receptor_briggs(
                        hour, src, tx[j], ty[j], tzt[j])
            else:
                for j in range(n):
                    lateral[j], inv_var_y[j], inv_var_z[j], height[j], amp[j] = _receptor_general(
                        hour, src, seg_y, seg_z, tx[j], ty[j], tzt[j])
            # Vertical spread range inside this tile (sigma_z grows with x).
            x_lo = max(xc - rad, 1.0)
            sz_hi = _sigma_at(hour.fast, hour.az, hour.bz, hour.betz, hour.z_mode, seg_z, hour.z_count, x_hi)
            sz_lo = _sigma_at(hour.fast, hour.az, hour.bz, hour.betz, hour.z_mode, seg_z, hour.z_count, x_lo)
            sz_hi = math.sqrt(sz_hi * sz_hi + src.b2)
            sz_lo = math.sqrt(sz_lo * sz_lo + src.b2)
            if sz_lo > 1.6 * mix:  # the whole tile is well mixed
                for j in range(n):
                    unit[j] = _well_mixed(src.q, mix, inv_var_y[j], lateral[j]) if amp[j] > 0.0 else 0.0
            else:
                # Pass 2: ground reflection (n = 0) and, when σ_z reaches the lid, image pairs ±2nL.
                # (ground_only is tested outside the receptor loops: a branch inside keeps them scalar.)
                if ground_only:
                    for j in range(n):
                        vert[j] = _reflected_pair(lateral[j], inv_var_z[j], height[j], 0.0, True)
                else:
                    for j in range(n):
                        vert[j] = _reflected_pair(lateral[j], inv_var_z[j], height[j], tz[j], False)
                for m in range(1, _image_pair_count(sz_hi, mix, src.h_eff, z_max) + 1):
                    shift = 2.0 * m * mix
                    if ground_only:
                        for j in range(n):
                            vert[j] += _image_pairs(lateral[j], inv_var_z[j], height[j], 0.0, shift, True)
                    else:
                        for j in range(n):
                            vert[j] += _image_pairs(lateral[j], inv_var_z[j], height[j], tz[j], shift, False)
                for j in range(n):
                    unit[j] = amp[j] * vert[j]
                if sz_hi > 1.6 * mix:
                    # Part of the tile is well mixed: switch those receptors to the well-mixed form.
                    mixed_limit = 1.0 / (1.6 * mix) ** 2  # σ_z > 1.6 L  <=>  1/σ_z² < mixed_limit
                    for j in range(n):
                        if inv_var_z[j] < mixed_limit and amp[j] > 0.0:
                            unit[j] = _well_mixed(src.q, mix, inv_var_y[j], lateral[j])
            # Pass 3: scale the unit-emission field by each substance's rate and accumulate.
            offset = i0 - r0
            for p in range(rates.shape[0]):
                rate = rates[p, t, s]
                if rate != 0.0:
                    acc_tile = acc[p, offset:offset + n]
                    for j in range(n):
                        acc_tile[j] += rate * unit[j]


@njit(inline="always", **KERNEL_OPTIONS)
def _write_daily_mean(daily_out, day_sum, day, day_count, switches, r0):
    """Daily mean of day ``day`` from the sums of its ``day_count`` valid hours, divided by max(day_count,
    ``daily_divisor_floor``), when it has at least ``min_hours_per_day`` valid hours (else the day is left
    untouched: −1, no valid daily mean)."""
    if day_count >= switches.min_hours_per_day:
        divisor = max(day_count, switches.daily_divisor_floor)
        inv_count = 1.0 / divisor if divisor > 0 else 0.0
        n_rec = day_sum.shape[1]
        for p in range(day_sum.shape[0]):
            daily = daily_out[p, day, r0:r0 + n_rec]
            sums = day_sum[p]
            for j in range(n_rec):
                daily[j] = sums[j] * inv_count


@njit(inline="always", **KERNEL_OPTIONS)
def _hour_statistics(acc, day_sum, t, inv_hours, store_hourly, r0, out):
    """Fold hour ``t``'s concentrations into the peak, the period mean and the day's sums (views: see
    :func:`_tile_unit_field`), and keep the hourly field when asked for."""
    n_rec = acc.shape[1]
    for p in range(acc.shape[0]):
        values = acc[p]
        peak = out.max_1h[p, r0:r0 + n_rec]
        total = out.mean[p, r0:r0 + n_rec]
        sums = day_sum[p]
        for j in range(n_rec):
            value = values[j]
            peak[j] = max(peak[j], value)
            total[j] += value * inv_hours
            sums[j] += value
        if store_hourly:
            out.hourly[t, p, r0:r0 + n_rec] = values


@njit(**KERNEL_OPTIONS)
def _plume_group(group, tiles, receptors, stacks, met, stack_hours, emissions, sigmas, switches, out):
    """Every hour of one group of receptor tiles: the hourly fields (:func:`_hour_field`) and their statistics."""
    first_tile = tiles.group_ptr[group]
    end_tile = tiles.group_ptr[group + 1]
    tile_ptr = tiles.tile_ptr
    r0 = tile_ptr[first_tile]
    n_rec = tile_ptr[end_tile] - r0
    n_sub = emissions.rates.shape[0]
    n_hours = met.wind_to_x.shape[0]
    width = 0
    for tile in range(first_tile, end_tile):
        width = max(width, tile_ptr[tile + 1] - tile_ptr[tile])

    acc = np.zeros((n_sub, n_rec))
    day_sum = np.zeros((n_sub, n_rec))
    day_count = 0
    current_day = met.day[0]
    scratch = _Scratch(np.empty(width), np.empty(width), np.empty(width), np.empty(width), np.empty(width),
                       np.empty(width), np.empty(width))
    n_valid = 0
    for t in range(n_hours):
        n_valid += met.valid[t]
    inv_hours = 1.0 / n_valid if n_valid > 0 else 0.0
    ground_only = receptors.max_height == 0.0  # every receptor at z = 0: the ±h images coincide pairwise

    for t in range(n_hours):
        acc[:, :] = 0.0
        if met.valid[t]:  # a calm or missing hour stays zero (AERMOD's rules)
            _hour_field(t, _hour_weather(met, sigmas, t), first_tile, end_tile, r0, tiles, receptors, stacks,
                        stack_hours, emissions, sigmas, switches.cull, ground_only, scratch, acc)
        # End of hour: close the previous day when this hour starts a new one, then the statistics.
        if met.day[t] != current_day:
            _write_daily_mean(out.daily, day_sum, current_day, day_count, switches, r0)
            day_sum[:, :] = 0.0
            day_count = 0
            current_day = met.day[t]
        if met.valid[t]:
            day_count += 1
        _hour_statistics(acc, day_sum, t, inv_hours, switches.store_hourly, r0, out)
    _write_daily_mean(out.daily, day_sum, current_day, day_count, switches, r0)


@njit(parallel=True, **KERNEL_OPTIONS)
def plume_parallel(tiles, receptors, stacks, met, stack_hours, emissions, sigmas, switches, out):
    """All groups of receptor tiles in parallel (one parallel region; use outside Dask)."""
    for group in prange(tiles.group_ptr.shape[0] - 1):
        _plume_group(group, tiles, receptors, stacks, met, stack_hours, emissions, sigmas, switches, out)


@njit(**KERNEL_OPTIONS)
def plume_serial(tiles, receptors, stacks, met, stack_hours, emissions, sigmas, switches, out):
    """All groups in order, releasing the GIL: the kernel for Dask threads (never nested parallelism)."""
    for group in range(tiles.group_ptr.shape[0] - 1):
        _plume_group(group, tiles, receptors, stacks, met, stack_hours, emissions, sigmas, switches, out)
