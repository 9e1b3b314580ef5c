"""Numba kernels of the steady Gaussian plume: sources × receptors × hours.

Plain arrays in, ``out`` arrays written, no Python objects, no checks (``dispersion/plume.py`` validates and prepares
every input). The physics is documented in :func:`dispersion.plume.run_plume`; this file is about doing it fast:

* per-(hour, source) work — plume rise, wind at stack height, 1/(2πu) — is hoisted into (H, S) arrays by the wrapper;
* receptors are sorted into square tiles; a tile that lies wholly upwind, or wholly beyond 6 σ_y (a conservative
  bound σ_y ≤ k·x plus the buoyancy-induced spread) of the plume axis, is skipped without touching its receptors;
* inside a tile, short branch-free loops over a scratch buffer (geometry, then one loop per image pair of the
  mixing-lid sum) that LLVM vectorises, with :func:`exp_fast` instead of the scalar libm ``exp``;
* tiles are dealt to groups; ``plume_parallel`` runs groups in a ``prange`` (one parallel region per run, never in
  the innermost loop), ``plume_serial`` runs them in order for use inside Dask threads (``nogil``).

Statistics: ``day`` holds each hour's 0-based local calendar-day index (hours in time order); at the end of each
day with at least ``min_hours_day`` hours the kernel writes the daily mean into ``out_daily[p, day, receptor]`` and
leaves days with fewer hours untouched (the wrapper pre-fills −1, "no valid daily mean"). ``out_max1h`` and
``out_mean`` (sum of hourly values / number of hours) are accumulated hour by hour.

Sigma encoding (per stability class c = 0..5 for A..F, per axis): ``sig[c, k, :] = [x_upper, a, alpha, b, beta, cap]``
means σ(x) = min(cap, a·x^alpha·(1 + b·x)^beta) for x ≤ x_upper (see ``dispersion.coefficients.power_law_segments``).
``mode[c]`` = 0: one segment with alpha = 1, beta ∈ {-1, -½, 0, ½}, no cap (Briggs form, vectorised fast path);
1: general piecewise power law; 2 (σ_y only): ISC3 Pasquill–Gifford, σ_y = 465.11628·X·tan(0.017453293·(c − d·ln X))
with X in km, ``sig[c, 0, 1:3] = (c, d)``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from dispersion._math_kernels import KERNEL_OPTIONS, exp_fast

__all__ = ["plume_parallel", "plume_serial", "sigma_eval"]

_SQRT_2PI = math.sqrt(2.0 * math.pi)
_MAX_IMAGES = 50
# Image pairs are added until exp(-d²/2σ²) < e^-37 ≈ 1e-16 for the nearest omitted image: d > 8.6 σ.
_IMAGE_CUTOFF_SIGMAS = 8.6


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


@njit(**KERNEL_OPTIONS)
def _plume_group(
    group, group_ptr, tile_ptr, tile_cx, tile_cy, tile_rad,
    rx, ry, rz, rzt, z_max,
    sx, sy, sbase, shs,
    ex, ey, lid, stab, day,
    he, qfac, inv_u, bid, rates, decay,
    sig_y, nseg_y, mode_y, sig_z, nseg_z, mode_z, ky,
    cull, store_hourly, min_hours_day,
    out_hourly, out_max1h, out_daily, out_mean,
):
    first_tile = group_ptr[group]
    end_tile = group_ptr[group + 1]
    r0 = tile_ptr[first_tile]
    n_rec = tile_ptr[end_tile] - r0
    n_sub = rates.shape[0]
    n_hours = ex.shape[0]
    n_src = sx.shape[0]
    width = 0
    for tile in range(first_tile, end_tile):
        width = max(width, tile_ptr[tile + 1] - tile_ptr[tile])

    acc = np.zeros((n_sub, n_rec))
    day_sum = np.zeros((n_sub, n_rec))
    day_count = 0
    current_day = day[0]
    lateral = np.empty(width)
    inv_var_y = np.empty(width)
    inv_var_z = np.empty(width)
    height = np.empty(width)
    amp = np.empty(width)
    vert = np.empty(width)
    unit = np.empty(width)
    inv_hours = 1.0 / n_hours
    ground_only = z_max == 0.0  # every receptor at z = 0: the ±h images coincide pairwise, half the exponentials

    for t in range(n_hours):
        acc[:, :] = 0.0
        cls = stab[t]
        mix = lid[t]
        ext = ex[t]
        eyt = ey[t]
        fast = mode_y[cls] == 0 and mode_z[cls] == 0
        ay = sig_y[cls, 0, 1]
        by = sig_y[cls, 0, 3]
        bety = sig_y[cls, 0, 4]
        az = sig_z[cls, 0, 1]
        bz = sig_z[cls, 0, 3]
        betz = sig_z[cls, 0, 4]
        for s in range(n_src):
            h_eff = he[t, s]
            if cls < 4 and h_eff > mix:
                continue  # plume above the mixing lid in unstable/neutral air: zero at the ground (ISC3)
            q = qfac[t, s]
            b2 = bid[t, s]
            spread = math.sqrt(b2)
            k_dec = decay * inv_u[t, s]
            xs = sx[s]
            ys = sy[s]
            base = sbase[s]
            hstack = shs[s]
            for tile in range(first_tile, end_tile):
                dxc = tile_cx[tile] - xs
                dyc = tile_cy[tile] - ys
                xc = dxc * ext + dyc * eyt
                yc = dyc * ext - dxc * eyt
                rad = tile_rad[tile]
                x_hi = xc + rad
                if x_hi <= 1.0:
                    continue  # the whole tile is upwind
                if cull and abs(yc) - rad > 6.0 * (ky[cls] * x_hi + spread):
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
                if fast:
                    for j in range(n):
                        dx = tx[j] - xs
                        dy = ty[j] - ys
                        x = dx * ext + dy * eyt
                        y = dy * ext - dx * eyt
                        xp = max(x, 1.0)
                        num_y, den_y = _briggs_ratio(1.0 + by * xp, bety)
                        num_z, den_z = _briggs_ratio(1.0 + bz * xp, betz)
                        ax = ay * xp
                        az_ = az * xp
                        var_y = ax * ax * num_y + b2 * den_y  # σ_y² · den_y (σ_y² incl. buoyancy spread)
                        var_z = az_ * az_ * num_z + b2 * den_z
                        inv = 1.0 / (var_y * var_z)
                        ivy = den_y * var_z * inv  # 1/σ_y²
                        ivz = den_z * var_y * inv  # 1/σ_z²
                        lateral[j] = -0.5 * y * y * ivy - k_dec * xp
                        inv_var_y[j] = ivy
                        inv_var_z[j] = ivz
                        height[j] = max(h_eff - min(tzt[j] - base, hstack), 0.0)
                        amp[j] = q * math.sqrt(den_y * den_z * inv) if x > 1.0 else 0.0  # q/(σ_y σ_z)
                else:
                    for j in range(n):
                        dx = tx[j] - xs
                        dy = ty[j] - ys
                        x = dx * ext + dy * eyt
                        y = dy * ext - dx * eyt
                        xp = max(x, 1.0)
                        syv = sigma_eval(mode_y[cls], sig_y[cls], nseg_y[cls], xp)
                        szv = sigma_eval(mode_z[cls], sig_z[cls], nseg_z[cls], xp)
                        ivy = 1.0 / (syv * syv + b2)
                        ivz = 1.0 / (szv * szv + b2)
                        lateral[j] = -0.5 * y * y * ivy - k_dec * xp
                        inv_var_y[j] = ivy
                        inv_var_z[j] = ivz
                        height[j] = max(h_eff - min(tzt[j] - base, hstack), 0.0)
                        amp[j] = q * math.sqrt(ivy * ivz) if x > 1.0 else 0.0
                # Vertical spread range inside this tile (sigma_z grows with x).
                x_lo = max(xc - rad, 1.0)
                sz_hi = _sigma_at(fast, az, bz, betz, mode_z[cls], sig_z[cls], nseg_z[cls], x_hi)
                sz_lo = _sigma_at(fast, az, bz, betz, mode_z[cls], sig_z[cls], nseg_z[cls], x_lo)
                sz_hi = math.sqrt(sz_hi * sz_hi + b2)
                sz_lo = math.sqrt(sz_lo * sz_lo + b2)
                # Receptors with σ_z > 1.6 L take the well-mixed form (ISC3):
                # C = Q / (sqrt(2 pi) u σ_y L) exp(-y²/2σ_y²) = q · sqrt(2 pi) / L · (1/σ_y) · exp(lateral).
                mixed_limit = 1.0 / (1.6 * mix) ** 2  # σ_z > 1.6 L  <=>  1/σ_z² < mixed_limit
                if sz_lo > 1.6 * mix:
                    wm = q * _SQRT_2PI / mix
                    for j in range(n):
                        unit[j] = wm * math.sqrt(inv_var_y[j]) * exp_fast(lateral[j]) if amp[j] > 0.0 else 0.0
                else:
                    # Pass 2: ground reflection (n = 0) and, when σ_z reaches the lid, image pairs ±2nL.
                    if ground_only:
                        for j in range(n):
                            hj = height[j]
                            vert[j] = 2.0 * exp_fast(lateral[j] - 0.5 * hj * hj * inv_var_z[j])
                    else:
                        for j in range(n):
                            zr = tz[j]
                            d1 = zr - height[j]
                            d2 = zr + height[j]
                            w = 0.5 * inv_var_z[j]
                            vert[j] = exp_fast(lateral[j] - d1 * d1 * w) + exp_fast(lateral[j] - d2 * d2 * w)
                    n_images = 0
                    if _IMAGE_CUTOFF_SIGMAS * sz_hi > 2.0 * mix - h_eff - z_max:
                        n_images = min(
                            int(math.ceil((_IMAGE_CUTOFF_SIGMAS * sz_hi + h_eff + z_max) / (2.0 * mix))), _MAX_IMAGES
                        )
                    for m in range(1, n_images + 1):
                        shift = 2.0 * m * mix
                        if ground_only:
                            # z = 0: (-h - s)² = (h + s)² and (h - s)² = (-h + s)²: two distinct terms, each twice.
                            for j in range(n):
                                hj = height[j]
                                w = 0.5 * inv_var_z[j]
                                lat = lateral[j]
                                d1 = hj + shift
                                d2 = hj - shift
                                vert[j] += 2.0 * (exp_fast(lat - d1 * d1 * w) + exp_fast(lat - d2 * d2 * w))
                        else:
                            for j in range(n):
                                zr = tz[j]
                                hj = height[j]
                                w = 0.5 * inv_var_z[j]
                                lat = lateral[j]
                                d1 = zr - hj - shift
                                d2 = zr + hj - shift
                                d3 = zr - hj + shift
                                d4 = zr + hj + shift
                                vert[j] += (
                                    exp_fast(lat - d1 * d1 * w)
                                    + exp_fast(lat - d2 * d2 * w)
                                    + exp_fast(lat - d3 * d3 * w)
                                    + exp_fast(lat - d4 * d4 * w)
                                )
                    for j in range(n):
                        unit[j] = amp[j] * vert[j]
                    if sz_hi > 1.6 * mix:
                        # Part of the tile is well mixed: switch those receptors to the well-mixed form.
                        wm = q * _SQRT_2PI / mix
                        for j in range(n):
                            if inv_var_z[j] < mixed_limit and amp[j] > 0.0:
                                unit[j] = wm * math.sqrt(inv_var_y[j]) * exp_fast(lateral[j])
                # Pass 3: scale the unit-emission field by each substance's rate and accumulate.
                offset = i0 - r0
                for p in range(n_sub):
                    rate = rates[p, t, s]
                    if rate != 0.0:
                        acc_tile = acc[p, offset:offset + n]
                        for j in range(n):
                            acc_tile[j] += rate * unit[j]
        # End of hour: statistics, and the hourly field when asked for (views: see the tile loop).
        if day[t] != current_day:
            if day_count >= min_hours_day:
                inv_count = 1.0 / day_count
                for p in range(n_sub):
                    daily = out_daily[p, current_day, r0:r0 + n_rec]
                    sums = day_sum[p]
                    for j in range(n_rec):
                        daily[j] = sums[j] * inv_count
            day_sum[:, :] = 0.0
            day_count = 0
            current_day = day[t]
        day_count += 1
        for p in range(n_sub):
            values = acc[p]
            peak = out_max1h[p, r0:r0 + n_rec]
            total = out_mean[p, r0:r0 + n_rec]
            sums = day_sum[p]
            for j in range(n_rec):
                value = values[j]
                peak[j] = max(peak[j], value)
                total[j] += value * inv_hours
                sums[j] += value
            if store_hourly:
                out_hourly[t, p, r0:r0 + n_rec] = values
    if day_count >= min_hours_day:
        inv_count = 1.0 / day_count
        for p in range(n_sub):
            daily = out_daily[p, current_day, r0:r0 + n_rec]
            sums = day_sum[p]
            for j in range(n_rec):
                daily[j] = sums[j] * inv_count


@njit(parallel=True, **KERNEL_OPTIONS)
def plume_parallel(
    group_ptr, tile_ptr, tile_cx, tile_cy, tile_rad,
    rx, ry, rz, rzt, z_max,
    sx, sy, sbase, shs,
    ex, ey, lid, stab, day,
    he, qfac, inv_u, bid, rates, decay,
    sig_y, nseg_y, mode_y, sig_z, nseg_z, mode_z, ky,
    cull, store_hourly, min_hours_day,
    out_hourly, out_max1h, out_daily, out_mean,
):
    """All groups of receptor tiles in parallel (one parallel region; use outside Dask)."""
    for group in prange(group_ptr.shape[0] - 1):
        _plume_group(
            group, group_ptr, tile_ptr, tile_cx, tile_cy, tile_rad,
            rx, ry, rz, rzt, z_max, sx, sy, sbase, shs, ex, ey, lid, stab, day,
            he, qfac, inv_u, bid, rates, decay, sig_y, nseg_y, mode_y, sig_z, nseg_z, mode_z, ky,
            cull, store_hourly, min_hours_day, out_hourly, out_max1h, out_daily, out_mean,
        )


@njit(**KERNEL_OPTIONS)
def plume_serial(
    group_ptr, tile_ptr, tile_cx, tile_cy, tile_rad,
    rx, ry, rz, rzt, z_max,
    sx, sy, sbase, shs,
    ex, ey, lid, stab, day,
    he, qfac, inv_u, bid, rates, decay,
    sig_y, nseg_y, mode_y, sig_z, nseg_z, mode_z, ky,
    cull, store_hourly, min_hours_day,
    out_hourly, out_max1h, out_daily, out_mean,
):
    """All groups in order, releasing the GIL: the kernel for Dask threads (never nested parallelism)."""
    for group in range(group_ptr.shape[0] - 1):
        _plume_group(
            group, group_ptr, tile_ptr, tile_cx, tile_cy, tile_rad,
            rx, ry, rz, rzt, z_max, sx, sy, sbase, shs, ex, ey, lid, stab, day,
            he, qfac, inv_u, bid, rates, decay, sig_y, nseg_y, mode_y, sig_z, nseg_z, mode_z, ky,
            cull, store_hourly, min_hours_day, out_hourly, out_max1h, out_daily, out_mean,
        )
