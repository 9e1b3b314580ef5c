"""PRIME building downwash for ParkTwin's AERMOD mode: one stack-hour's state and the value at a receptor (scalar
Numba functions; the wake in :mod:`dispersion._prime_wake`, the plume rise in :mod:`dispersion._prime_rise`, the
σ's in the wake in :mod:`dispersion._prime_sigmas`).

Source: Schulman, L.L., Strimaitis, D.G. & Scire, J.S. (2000), "Development and evaluation of the PRIME plume rise
and building downwash model", *J. Air & Waste Manage. Assoc.* 50:378–390 ("PRIME Eq. n" below), as AERMOD v21112
codes it (prime.f, and PRMCALC, PRMDELH, GAMCALC, PRM_PCHI of calc1.f/prise.f — read for what the paper leaves open:
the numerical scheme, the tabulations, the transitions; the code here is ParkTwin's own). Every detail taken from
the program rather than the paper is named "as coded" and listed in ``docs/unverified.md`` ("PRIME").

For one stack in one hour whose flow sector has a structure (BPIP-PRIME's BUILDHGT, BUILDWID, BUILDLEN, XBADJ,
YBADJ, :mod:`dispersion.building_profile`), and only when the hour is stable or the stack is not above z_i
(AERMOD PCALC), :func:`wake_state` does what AERMOD does once per stack-hour:

1. wake scales (PRIME Eqs. 1–2): R = B_s^⅔ B_L^⅓ (B_L ≤ 8 B_s), the roof cavity's length 0.9 R and height
   H_R = H + 0.22 R, the near-wake (cavity) length L_R = 1.8 W/((L/H)^0.3 (1 + 0.24 W/H));
2. effective ambient u, σ_v, σ_w, dθ/dz averaged from the ground to the wake height at 15 R (AERMOD PRMCALC);
3. the numerical plume rise (PRIME Eqs. 17–23: mass, momentum and energy of the plume element along its path, with
   the ambient wind cut by the wake deficit (Eqs. 24–26), the mean streamlines' ascent and descent over and behind
   the building (Eqs. 13–16), and the entrainment at least the wake's growth rate, Eq. 22), integrated by a
   predictor–corrector in steps of 1 m of path until the distance to final rise, then followed along the
   streamlines to 15 R behind the building, and kept as 50 (x, z) points;
4. the wake's σ_y and σ_z (PRIME Eqs. 27–32: growth with the wake turbulence intensity, the p.d.f. then the
   eddy-diffusivity regime, the ambient curves with a virtual source beyond) tabulated for the plume and for the
   cavity source from where the plume meets the wake, and the fraction f of the plume the near wake captures
   (Eq. 34 and the cap at the lee wall's f_z).

At a receptor (:func:`downwash`): the plume at its rise and wake σ's with mass (1 − f), the cavity sources
(PRIME Eqs. 33, 35, 37–40: mass f in the near wake and from the lee wall beyond, blended over ±15 % of L + L_R),
each a Gaussian at the stack-top wind speed with the ground (stable) or the ground and z_i (convective) as
reflectors, averaged between the receptor's height above the stack base and its flagpole (AERMOD's "near-neutral"
terrain weight ½); then AERMOD's blend C = γ C_PRIME + (1 − γ) C_AERMOD, γ = exp(−(x − σ_x)²/2σ_x²)·
exp(−(|y| − σ_y)²/2σ_y²)·exp(−(z − σ_z)²/2σ_z²) beyond the wake's length max(15 R, x_a), half-width and height
(each factor 1 inside) (AERMOD GAMCALC as coded).

Units: distances and heights [m], speeds [m s⁻¹], temperatures [K], densities [kg m⁻³], C/Q [s m⁻³].
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from dispersion._aermod_physics import (MINIMUM_SIGMA_V, MINIMUM_SIGMA_V_OVER_U, MINIMUM_SIGMA_W, MINIMUM_WIND_SPEED,
                                        level_of, profile_average)
from dispersion._aermod_plume import decay_factor
from dispersion._aermod_vertical import EXP_LIMIT, SQRT_2PI, vertical_stable_at
from dispersion._math_kernels import KERNEL_OPTIONS
from dispersion._prime_rise import plume_rise
from dispersion._prime_sigmas import TRAJECTORY, captured_fraction, trajectory_height, wake_sigmas, wake_table_sigmas
from dispersion._prime_wake import (WAKE_GROWTH_CAP, Ambient, Building, ambient_distances, building_scales,
                                    cavity_dimensions, position, wake_dimensions)

NEAR_NEUTRAL = 0.5  # AERMOD's terrain weight in the wake (PRMCALC, "wake is near neutral")


class Wake(NamedTuple):
    """One stack-hour's PRIME state (:func:`wake_state`)."""

    active: bool  # the blend applies (a structure in the sector; stable, or stack not above z_i)
    caught: bool  # the plume meets the wake (else PRIME's value is AERMOD's)
    building: Building
    ambient: Ambient
    hs: float
    trajectory: np.ndarray  # (2, TRAJECTORY): x from the stack, plume height above the stack base
    tables: np.ndarray  # (7, TRAJECTORY): x, σ_z, σ_y, dr/dx of the plume; x, σ_z, σ_y of the cavity source
    n_wake: int
    n_cavity: int
    virtual: np.ndarray  # (4,) virtual σ_z, σ_y of the plume, then of the cavity source
    captured: float  # f
    length: float  # the wake's length max(15 R, x_a) in AERMOD's blend weight γ
    parts: np.ndarray  # (6, 3) workspace of the receptor's plume and cavity-source parts


@njit(**KERNEL_OPTIONS)
def wake_state(hour, density, sector_building, stack_height, diameter, velocity, exit_temperature, release,
               u_stack, stack_temperature, tables, virtual, trajectory, parts):
    """One stack-hour's :class:`Wake` (module docstring, steps 1–4) from the sector's (H, W, L, XBADJ, YBADJ)
    ``sector_building`` (5,), the stack (height, diameter, exit velocity and temperature [K], ``release`` 0/1/2),
    AERMOD's stack-top wind speed ``u_stack`` and ambient temperature ``stack_temperature`` [K], and the hour's air
    ``density`` on the profile heights (:func:`dispersion.aermod.air_density_profile`); ``tables`` (7, TRAJECTORY),
    ``virtual`` (4,), ``trajectory`` (2, TRAJECTORY) and ``parts`` (6, 3) are the caller's workspace (the Wake refers
    to them). Not active when the sector has no structure, or in a convective hour with the stack above z_i
    (AERMOD PCALC)."""
    hb, wb, lb = sector_building[0], sector_building[1], sector_building[2]
    amb = Ambient(1.0, 1.0, 1.0, 0.0)
    empty = Building(0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 1.0)
    if hb <= 1e-5 or wb <= 1e-5 or not (hour.stable or stack_height <= hour.mixing_height):
        return Wake(False, False, empty, amb, stack_height, trajectory, tables, 1, 1, virtual, 0.0, 0.0, parts)
    heights, rows = hour.heights, hour.rows
    kb = level_of(hour, hb)
    u_building = rows[kb, 0] + (rows[kb + 1, 0] - rows[kb, 0]) * (hb - heights[kb]) / (heights[kb + 1] - heights[kb])
    b = building_scales(hb, wb, lb, sector_building[3], sector_building[4], u_building, u_stack)
    top = 1.2 * b.scale * np.cbrt(WAKE_GROWTH_CAP + (hb / (1.2 * b.scale)) ** 3)
    if not hour.stable:
        top = min(top, hour.mixing_height)
    u, sv, sw, tg, _ = profile_average(hour, 0.0, top)
    sw = max(sw, MINIMUM_SIGMA_W)
    sv = max(max(sv, MINIMUM_SIGMA_V), MINIMUM_SIGMA_V_OVER_U * u)
    u = max(u, MINIMUM_WIND_SPEED)
    amb = Ambient(u, sv, sw, tg)
    tables[:, :] = 0.0
    virtual[:] = 0.0
    trajectory[:, :] = 0.0
    xaz, xay = ambient_distances(b, amb, False)
    length = max(WAKE_GROWTH_CAP * b.scale, max(xaz, xay))
    w = Wake(True, False, b, amb, stack_height, trajectory, tables, 1, 1, virtual, 0.0, length, parts)
    xtr, ztr = trajectory[0], trajectory[1]
    texit = max(exit_temperature, stack_temperature)
    caught, n_wake, xbi, szi, syi = plume_rise(w, hour, density, stack_height, 0.5 * diameter, texit,
                                               velocity, release, xtr, ztr)
    if not caught:
        return w
    w = Wake(True, n_wake > 1, b, amb, stack_height, trajectory, tables, n_wake, 1, virtual, 0.0, length, parts)
    fq = 0.0
    if xbi < b.length + b.cavity_length:
        fq = captured_fraction(w, hour, xbi, xtr, ztr)
    n_wake2, n_cavity = wake_sigmas(b, amb, hour, xbi, szi, syi, 0.0, xtr, ztr, True, tables, virtual)
    return Wake(True, n_wake > 1, b, amb, stack_height, trajectory, tables, n_wake2, n_cavity, virtual, fq, length,
                parts)


@njit(**KERNEL_OPTIONS)
def _vertical(sz, he, z, stable, zi):
    """F_z [m⁻¹] of a Gaussian at height he with σ_z at receptor height z: reflected at the ground only (stable; a lid
    infinitely high), or at the ground and z_i (convective; 0 above z_i) — AERMOD's VRTSBN and VRTSBL, which
    :func:`dispersion._aermod_vertical.vertical_stable_at` sums."""
    if stable:
        return vertical_stable_at(sz, he, math.inf, z)
    if z > zi:
        return 0.0
    return vertical_stable_at(sz, he, zi, z)


@njit(**KERNEL_OPTIONS)
def _cavity_sources(w, hour, xr, yr, zr, q, hh, yy, zz, szs, sys, hwake, wwake, szc_x, syc_x):
    """The plume's and the cavity source's parts at a receptor (x_r, y_r from the stack, z_r its flagpole): fills
    for the parts 1..3 (0: the plume, 1: the cavity source beyond the near wake, 2: within it) the mass fractions q,
    heights, cross-wind distances, receptor heights and σ's (index 0 set by the caller) and returns the first and
    last part to add (PRIME Eqs. 33, 35–40: inside the near wake its well-mixed source, weighted 1 → 0 over
    L + 0.85 L_R .. L + 1.15 L_R against the lee-wall source, the cavity source centred on the building but at most
    as far off-centre as the stack; as coded, cav_src); ``hwake``, ``wwake`` as in :func:`prime_value`, ``szc_x``,
    ``syc_x`` the cavity source's σ_z, σ_y at x_r (:func:`wake_table_sigmas`, which the caller has)."""
    b = w.building
    t = w.tables
    fq = w.captured
    szc0, syc0 = t[5, 0], t[6, 0]
    hh[1] = hh[2] = 0.0
    n1 = n2 = 0
    if fq <= 0.0:
        for i in (1, 2):
            q[i], yy[i], zz[i], szs[i], sys[i] = 0.0, yr, zr, szc0, syc0
    else:
        xrb, yrb = xr - b.xbadj, yr - b.ybadj
        ipos = position(b, xrb, yrb, zr, hwake, wwake)
        el, lr = b.length, b.cavity_length
        x115b = el + 1.15 * lr
        x85b = el + 0.85 * lr
        if xrb >= x115b:
            qc2, qc3, mode = 1.0, 0.0, 1
        elif xrb > x85b:
            qc2 = (xrb - x85b) / (x115b - x85b)
            qc3, mode = 1.0 - qc2, 3
        elif xrb > el:
            qc2, qc3, mode = 0.0, 1.0, 2
        else:
            qc2, qc3, mode = 0.0, max(0.0, xrb / el), 2
        if ipos == 4:
            qc2 = qc3 = 0.0
            for i in (1, 2):
                yy[i], zz[i], szs[i], sys[i] = yr, zr, szc0, syc0
        else:
            ybmax = 0.5 * (b.width - syc0 * SQRT_2PI)
            if ybmax <= 0.0:
                ycav = yrb
            else:
                ysb = -b.ybadj
                ycav = yrb - max(ysb, -ybmax) if ysb < 0.0 else yrb - min(ysb, ybmax)
            yy[1] = yy[2] = ycav
            if ipos <= 2:
                if mode == 3:
                    n1, n2 = 1, 2
                elif mode == 2:
                    n1, n2 = 2, 2
                else:
                    n1, n2 = 1, 1
                for i in range(n1, n2 + 1):
                    zz[i], szs[i], sys[i] = 0.0, szc0, syc0
                if (mode == 1 or mode == 3) and xr > 0.0:
                    szs[1], sys[1] = szc_x, syc_x
            else:
                n1, n2 = 0, 2
                if xrb >= el + lr:
                    zz[1] = zr
                else:
                    zcav, _ = cavity_dimensions(b, xrb)
                    zz[1] = max(0.0, zr - zcav)
                zz[2] = zz[1]
                szs[1] = szs[2] = szc0
                sys[1] = sys[2] = syc0
                if mode == 2:
                    qc2 = 0.0
                elif mode == 1:
                    szs[1], sys[1] = szc_x, syc_x
                    n2 = 1
                elif xr >= 0.0:
                    szs[1], sys[1] = szc_x, syc_x
        q[0] = 1.0 - fq
        q[1] = fq * qc2
        q[2] = fq * qc3
    if n1 == 0 and (xr <= 0.0 or fq == 1.0):
        n1 = 1
    return n1, n2


@njit(**KERNEL_OPTIONS)
def prime_value(w, hour, x, y, flagpole, height, hwake=-1.0, wwake=-1.0):
    """PRIME's C/Q [s m⁻³] at a receptor x, y from the stack (downwind, crosswind), ``flagpole`` above its ground and
    ``height`` above the stack base; NaN where PRIME gives AERMOD's own value (the plume does not meet the wake, or
    rises above z_i in a convective hour). ``hwake``, ``wwake``: the wake's dimensions at the receptor's distance
    from the upwind face when the caller has them (negative: computed where needed)."""
    if not w.caught:
        return math.nan
    hs = w.hs
    xtr, ztr = w.trajectory[0], w.trajectory[1]
    rise = (trajectory_height(x, xtr, ztr) if x < xtr[TRAJECTORY - 1] else ztr[TRAJECTORY - 1]) - hs
    he = max(0.0, hs + rise)
    if not hour.stable and he >= hour.mixing_height:
        return math.nan
    sz, sy, szc, syc = wake_table_sigmas(w, hour, x, hs, rise, True)  # the cavity's σ's at x: those of its source
    q, hh, yy, zz, szs, sys = w.parts[0], w.parts[1], w.parts[2], w.parts[3], w.parts[4], w.parts[5]
    q[0], hh[0], yy[0], zz[0], szs[0], sys[0] = 1.0, he, y, flagpole, sz, sy
    n1, n2 = _cavity_sources(w, hour, x, y, flagpole, q, hh, yy, zz, szs, sys, hwake, wwake, szc, syc)
    d = decay_factor(hour.decay, x, w.ambient.u)
    zi = hour.mixing_height
    u = w.building.u_stack
    total = 0.0
    for i in range(n1, n2 + 1):
        if q[i] == 0.0:
            continue
        arg = -(yy[i] * yy[i]) / (2.0 * sys[i] * sys[i])
        if arg <= EXP_LIMIT:
            total = 0.0  # as coded: a part beyond the crosswind cut-off clears the sum (AERMOD PRMCALC)
            continue
        fy = math.exp(arg) / (SQRT_2PI * sys[i])
        wrap = _vertical(szs[i], hh[i], height, hour.stable, zi)
        lift = wrap if height == zz[i] else _vertical(szs[i], hh[i], zz[i], hour.stable, zi)
        total += q[i] * fy * (NEAR_NEUTRAL * wrap + (1.0 - NEAR_NEUTRAL) * lift) / u * d
    return total


@njit(**KERNEL_OPTIONS)
def blend_weight(w, xb, yb, height, hwake=-1.0, wwake=-1.0):
    """AERMOD's weight γ of PRIME's value at a receptor xb, yb from the upwind face's centre and ``height`` above the
    stack base: 1 within the wake's length max(15 R, x_a) (x_a uncapped), half-width and height (PRIME Eqs. 11–12),
    a Gaussian fall with those as σ's beyond, 0 upwind (as coded, GAMCALC). ``hwake``, ``wwake``: the wake's
    dimensions at xb when the caller has them (negative: computed here)."""
    if xb <= 0.0:
        return 0.0
    b = w.building
    if hwake < 0.0:
        hwake, wwake = wake_dimensions(xb, b.height, b.width, b.scale)
    length = w.length
    ax = 0.0 if xb <= length else -((xb - length) ** 2) / (2.0 * length * length)
    ay = 0.0 if abs(yb) <= wwake else -((abs(yb) - wwake) ** 2) / (2.0 * wwake * wwake)
    az = 0.0 if height <= hwake else -((height - hwake) ** 2) / (2.0 * hwake * hwake)
    if ax > EXP_LIMIT and ay > EXP_LIMIT and az > EXP_LIMIT:
        return math.exp(ax) * math.exp(ay) * math.exp(az)
    return 0.0


@njit(inline="always", **KERNEL_OPTIONS)
def downwash(value, w, hour, x, y, flagpole, height):
    """AERMOD's hourly C/Q at a receptor with building downwash: γ C_PRIME + (1 − γ) C_AERMOD, ``value`` the
    AERMOD value without downwash; unchanged where the stack-hour has no wake, γ = 0, or PRIME defers to AERMOD
    (AERMOD PCALC, PRMCALC, GAMCALC)."""
    if not w.active:
        return value
    b = w.building
    xb, yb = x - b.xbadj, y - b.ybadj
    if xb <= 0.0:  # γ = 0 upwind of the building
        return value
    hwake, wwake = wake_dimensions(xb, b.height, b.width, b.scale)  # once for γ, the position and the cavity
    gamma = blend_weight(w, xb, yb, height, hwake, wwake)
    if gamma <= 0.0:
        return value
    if position(b, xb, yb, flagpole, hwake, wwake) == 4 and x <= 0.0:
        return value
    prime = prime_value(w, hour, x, y, flagpole, height, hwake, wwake)
    if math.isnan(prime):
        return value
    return gamma * prime + (1.0 - gamma) * value
