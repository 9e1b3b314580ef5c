"""AERMOD's point-source physics as scalar Numba functions: profiles, plume rise, σ's and the stable-type plume at one
downwind distance (the convective plume: :mod:`dispersion._aermod_convective`; F_z at a height and the terrain
weight: :mod:`dispersion._aermod_vertical`; the parts the kernels tabulate: :mod:`dispersion._aermod_plume`). The formulation and its sources are in :mod:`dispersion.aermod`; equation numbers
("MFD Eq. n") are those of Cimorelli et al. (2004), *AERMOD: Description of Model Formulation*, EPA-454/R-03-004.
Details the MFD leaves open follow the AERMOD program and are listed in ``docs/unverified.md`` ("AERMOD
formulation"). The slow NumPy oracle of every function here is ``tests/dispersion/aermod_oracle.py``.

Units throughout: distances and heights [m], speeds and σ_v, σ_w [m s⁻¹], temperatures [K], gradients [K m⁻¹],
N [s⁻¹], F_b [m⁴ s⁻³], F_m [m⁴ s⁻²]. A profile is a (Z, 5) table of (wind speed, σ_v, σ_w, dθ/dz, θ) on the
heights (Z,) with its slopes and running integrals (built by :func:`dispersion.aermod.profile_tables`).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from dispersion._aermod_vertical import SQRT_2, state_weight, vertical_stable, vertical_stable_at
from dispersion._math_kernels import KERNEL_OPTIONS
from dispersion.plume_rise import CAPPED_EXIT_VELOCITY
from meteo.aermod_profiles import AERMOD_G_OVER_CP, AERMOD_GRAVITY

GRAVITY = AERMOD_GRAVITY  # [m s-2] g as the AERMOD program has it (docs/unverified.md)
G_OVER_CP = AERMOD_G_OVER_CP  # [K m-1] g/c_p, the dry adiabatic lapse rate as AERMOD has it (MFD §4.1.4)
BETA_1 = 0.6  # entrainment coefficient of the direct CBL plume (MFD §5.6.1; Briggs 1984)
BETA_2 = 0.4  # buoyancy-induced dispersion coefficient (MFD §5.5.2, σ_b = β2 Δh/√2)
ALPHA_R = 1.4  # indirect source α_r (MFD §5.6.1; docs/unverified.md)
LAMBDA_Y = 2.3  # indirect source λ_y (MFD §5.6.1; docs/unverified.md)
A_E = 0.1  # indirect source a_e (MFD §5.6.1; docs/unverified.md)
MINIMUM_FLUX = 1e-10  # F_b and F_m floors (AERMOD program; docs/unverified.md)
MINIMUM_SIGMA_V = 0.2  # [m s-1] σv floor (MFD §4.1.6.2)
MINIMUM_SIGMA_V_OVER_U = 0.05  # σv/u floor (AERMOD SVUMIN; docs/unverified.md)
MINIMUM_SIGMA_W = 0.02  # [m s-1] σw floor (AERMOD SWMIN; docs/unverified.md)
MINIMUM_WIND_SPEED = 0.2828  # [m s-1] effective-wind floor √2·0.2 (AERMOD WSMIN; docs/unverified.md)
HALF_WIDTH_SIGMAS = 2.15  # plume half-depth in σ_z (MFD Eqs. 43, 68)
URBAN_GRADIENT_ABOVE_ZI = 0.005  # [K m-1] dθ/dz above the urban layer in its penetration test (AERMOD DISTF)
RANDOM_PLUME_TIME_SCALE = 24.0 * 3600.0  # [s] T_r of the meander weight (AERMOD BIGT; docs/unverified.md)
VOLUME_RELEASE = 3  # stack_state's release code of a volume source (dispersion.plume.RELEASE_CODES["volume"])
AREA_RELEASE = 4  # and of an area source (RELEASE_CODES["area"]): released like a volume source, σ_y0 = 0


class Hour(NamedTuple):
    """One hour's weather inside the kernel: profile tables and scalars (units in the module docstring)."""

    heights: np.ndarray  # (Z,) profile heights [m]
    rows: np.ndarray  # (Z, 5) profile values
    slopes: np.ndarray  # (Z, 5) d(value)/dz on [z_k, z_k+1] (last row 0)
    integrals: np.ndarray  # (Z, 5) ∫_0^z_k value dz
    stable: bool  # L > 0
    friction_velocity: float
    convective_velocity_scale: float  # w* (0 when stable)
    obukhov_length: float
    mixing_height: float  # z_i
    mechanical_mixing_height: float  # z_im
    mean_wind_speed: float  # ū over 0..z_i
    mean_sigma_w: float  # σ̄_w over 0..z_i
    theta_at_zi: float
    gradient_above_zi: float
    urban: bool  # an urban source's stable layer (AERMOD URBSTAB: stable hour or morning transition, URBANOPT)
    decay: float  # first-order decay coefficient ψ = ln 2/T_½ [s-1] (0: none)
    levels: np.ndarray  # int64 (B,): the level at or below each bucket of the heights (dispersion.aermod.weather_levels)
    level_scale: float  # buckets per metre


class Stack(NamedTuple):
    """One stack in one hour (:func:`stack_state`)."""

    hs: float  # stack height
    hsp: float  # release height after stack-tip downwash h_s'
    u_s: float  # effective values at stack top (floored)
    sv_s: float
    sw_s: float
    tg_s: float  # dθ/dz and θ at stack top
    pt_s: float
    n_s: float  # N at stack top (stable-type plume), else 1e-10
    fb: float
    fm: float
    final: float  # final rise Δh_f
    xmax: float  # distance to final rise x_f
    elevated: bool  # stable-type plume (stable hour, or stack at or above z_i)
    penetrated: float  # penetrated fraction 1 − f_p (CBL)
    he3: float  # height of the penetrated source h_ep
    x_mixed: float  # x_m = z_i ū/σ̄_w
    x_final: float  # where the centroid starts to move to z_i/2
    critical_rise: float  # direct rise at x_final
    sy0: float  # initial σ_y0 and σ_z0 of a volume source [m] (0 for a stack)
    sz0: float


@njit(**KERNEL_OPTIONS)
def initial_sum(a, b, initial):
    """√(a² + b² + σ_0²): a plume σ with a volume source's initial σ_0 [m] (AERMOD RMSSIG, SY = (SYB² + SYAMB² +
    VSIGY²)^½ and SZ alike; the same value as ``quadrature_sum(a, b)`` for a stack, σ_0 = 0)."""
    return math.sqrt(a * a + b * b + initial * initial)


@njit(**KERNEL_OPTIONS)
def quadrature_sum(a, b):
    """(a² + b²)^½, the sum in quadrature of two σ's [m] (MFD Eq. 75: ambient and buoyancy-induced
    spread combined), as AERMOD writes it (DSQRT(A*A + B*B)): σ's are far from overflow, and libm's hypot, careful about
    it, was 7 % of a year's table fill (perf, 2026-12-07)."""
    return math.sqrt(a * a + b * b)


# ----------------------------------------------------------------------------------------------------------------
# Profiles (AERMOD LOCATE/GINTRP linear interpolation, ANYAVG layer averages)
# ----------------------------------------------------------------------------------------------------------------

@njit(**KERNEL_OPTIONS)
def level_of(hour, z):
    """Index k with heights[k] ≤ z < heights[k+1], clipped to [0, Z − 2] (the last interval extrapolates; 0 for
    NaN), from the hour's buckets (:func:`dispersion.aermod.weather_levels`): the bucket's level, then a step up or
    down — in a constant few operations where a binary search took 23 ns for random heights on the 87 levels (1 %
    of the reference deck's time, where consecutive heights are close and the search's branches mostly
    predicted)."""
    heights = hour.heights
    n = heights.shape[0]
    if not z >= heights[1]:  # also NaN
        return 0
    if z >= heights[n - 2]:
        return n - 2
    k = hour.levels[min(int(z * hour.level_scale), hour.levels.shape[0] - 1)]
    while heights[k] > z:
        k -= 1
    while heights[k + 1] <= z:
        k += 1
    return k


@njit(**KERNEL_OPTIONS)
def profile_at(hour, z):
    """(u, σ_v, σ_w, dθ/dz, θ) at height z, linear in z."""
    k = level_of(hour, z)
    dz = z - hour.heights[k]
    r, s = hour.rows, hour.slopes
    return (r[k, 0] + s[k, 0] * dz, r[k, 1] + s[k, 1] * dz, r[k, 2] + s[k, 2] * dz, r[k, 3] + s[k, 3] * dz,
            r[k, 4] + s[k, 4] * dz)


@njit(**KERNEL_OPTIONS)
def _layer(hour, kt, dt, kb, db, j):
    """∫ of column j between the heights heights[kb] + db and heights[kt] + dt."""
    r, s, c = hour.rows, hour.slopes, hour.integrals
    return c[kt, j] + dt * (r[kt, j] + 0.5 * s[kt, j] * dt) - (c[kb, j] + db * (r[kb, j] + 0.5 * s[kb, j] * db))


@njit(**KERNEL_OPTIONS)
def profile_average(hour, bottom, top):
    """(u, σ_v, σ_w, dθ/dz, θ) averaged over [bottom, top]: bottom ≥ 0.5 m, top ≥ 0.51 m, the value at the middle
    of an empty layer (AERMOD ANYAVG). The integral of the piecewise-linear profile from the running integrals."""
    bottom = max(bottom, 0.5)
    top = max(top, 0.51)
    depth = top - bottom
    if depth <= 1e-9:
        return profile_at(hour, 0.5 * (bottom + top))
    inv = 1.0 / depth
    kt = level_of(hour, top)
    kb = level_of(hour, bottom)
    dt = top - hour.heights[kt]
    db = bottom - hour.heights[kb]
    return (_layer(hour, kt, dt, kb, db, 0) * inv, _layer(hour, kt, dt, kb, db, 1) * inv,
            _layer(hour, kt, dt, kb, db, 2) * inv, _layer(hour, kt, dt, kb, db, 3) * inv,
            _layer(hour, kt, dt, kb, db, 4) * inv)


@njit(**KERNEL_OPTIONS)
def floors(u, sv, sw):
    """Floors on effective values: u ≥ 0.2828, σv ≥ max(0.2, 0.05 u), σw ≥ 0.02 m/s (AERMOD; docs/unverified.md)."""
    return max(u, MINIMUM_WIND_SPEED), max(max(sv, MINIMUM_SIGMA_V), MINIMUM_SIGMA_V_OVER_U * u), \
        max(sw, MINIMUM_SIGMA_W)


@njit(**KERNEL_OPTIONS)
def brunt_vaisala(gradient, theta):
    """N = (g/θ dθ/dz)^½, ≥ 1e-10 s⁻¹ (MFD Eq. 58)."""
    return max(math.sqrt(max(GRAVITY * gradient / theta, 0.0)), 1e-10)


# ----------------------------------------------------------------------------------------------------------------
# Plume rise (MFD §5.6)
# ----------------------------------------------------------------------------------------------------------------

@njit(**KERNEL_OPTIONS)
def convective_rise_direct(x, fb, fm, u):
    """Δh_d = (3 F_m x/(β1² u²) + 3 F_b x²/(2 β1² u³))^⅓ (MFD Eq. 91, §5.6.1; Briggs 1984)."""
    b2 = BETA_1 * BETA_1
    return np.cbrt(3.0 * fm * x / (b2 * u * u) + 3.0 * fb * x * x / (2.0 * b2 * u * u * u))


@njit(**KERNEL_OPTIONS)
def convective_rise_indirect(x, fb, u, zi, hsp, wstar):
    """Δh_i = (2 F_b z_i/(α_r u r_y r_z))^½ x/u, r_y r_z = r_h² + (a_e λ_y^{3/2}/4) w*² x²/u², r_h = β2 (z_i − h_s')
    (MFD §5.6.1)."""
    rh = BETA_2 * (zi - hsp)
    ryrz = rh * rh + 0.25 * A_E * LAMBDA_Y ** 1.5 * wstar * wstar * x * x / (u * u)
    return math.sqrt(2.0 * fb * zi / (ALPHA_R * u * ryrz)) * x / u


@njit(**KERNEL_OPTIONS)
def convective_final_distance(fb):
    """x_f = 49 F_b^{5/8} (F_b < 55) or 119 F_b^{2/5} (MFD §5.6.1, the ISC3 distance to final rise)."""
    return 119.0 * fb ** 0.4 if fb >= 55.0 else 49.0 * fb ** 0.625


@njit(**KERNEL_OPTIONS)
def stable_final_distance(fb, fm, u, n):
    """x_f = u arctan2(N' F_m, −F_b)/N', N' = 0.7 N (MFD Eq. 96)."""
    n_prime = 0.7 * n
    return u * math.atan2(fm * n_prime, -fb) / n_prime


@njit(**KERNEL_OPTIONS)
def _neutral_rise(fb, u, hsp, ustar):
    """1.2 L_n^{3/5} (h_s' + 1.2 L_n)^{2/5}, L_n = F_b/(u u*²) (MFD Eq. 98)."""
    length = fb / (u * ustar * ustar)
    return 1.2 * length ** 0.6 * (hsp + 1.2 * length) ** 0.4


@njit(**KERNEL_OPTIONS)
def stable_rise(x, fb, fm, u, n, hsp, ustar, final):
    """Stable rise while rising, 2.66 (F_b/(N² u))^⅓ [N' F_m/F_b sin(N'x/u) + 1 − cos(N'x/u)]^⅓ (MFD Eq. 95), limited
    by ``final`` and the neutral rise (Eq. 98). The neutral rise 1.2 L_n^{3/5} (h_s' + 1.2 L_n)^{2/5} is at least
    1.2^{7/5} L_n (h_s' ≥ 0), so where 1.29 L_n already exceeds the rest it cannot be the minimum and its two powers
    are skipped (the same value; with the arctan skipped in ``_gradual``, 2000 hours of the reference deck's stable
    rises took 1.32 s instead of 1.72 s)."""
    n_prime = 0.7 * n
    term_a = fb / (n * n * u)
    term_b = n_prime * fm / fb
    phase = n_prime * x / u
    bracket = term_b * math.sin(phase) + 1.0 - math.cos(phase)
    if bracket <= 0.0:
        bracket = term_b * math.sin(phase)
    rise = min(2.66 * np.cbrt(term_a * bracket), final)
    length = fb / (u * ustar * ustar)
    if 1.29 * length >= rise:  # 1.2^1.4 = 1.2907
        return rise
    return min(rise, _neutral_rise(fb, u, hsp, ustar))


@njit(**KERNEL_OPTIONS)
def stable_final_rise(fb, fm, u, n, hsp, ustar):
    """Final stable rise 2.66 (F_b/(N² u))^⅓ (MFD Eq. 97), limited by the neutral rise (Eq. 98), the calm rise
    4 F_b^¼ N^{-3/4} (Eq. 99) and the direct CBL rise at the CBL distance to final rise (MFD §5.6.2)."""
    n2 = n * n
    rise = 2.66 * np.cbrt(fb / (n2 * u))
    unstable = convective_rise_direct(convective_final_distance(fb), fb, fm, u)
    calm = 4.0 * fb ** 0.25 / n2 ** 0.375
    return min(min(min(rise, _neutral_rise(fb, u, hsp, ustar)), unstable), calm)


@njit(**KERNEL_OPTIONS)
def urban_stable_rise(rise, fb, u, hs, hsp, zi, theta_at_zi):
    """Final rise Δh of a plume in the urban stable layer z_i = max(z_iuc, z_im) (URBANOPT): a plume that would
    reach z_i partly penetrates it as a CBL plume does (MFD Eqs. 55–56 with N² = g/θ(z_i) · 0.005 K/m above z_i):
    P_s = F_b/(u N² (z_i − h_s')³), Δh_eq/Δh_h = (2.6³ P_s + (2/3)³)^⅓, f_p from it; Δh = Δh_eq/Δh_h (z_i − h_s')
    when all of it penetrates, ¾ (z_i − h_s') Δh_eq/Δh_h + ½ (z_i − h_s') when part does, else unchanged (the MFD's
    1.25 z_i cap as AERMOD has revised it since v15181, DISTF; only for a stack below z_i, h_s < z_i, as since
    v22112). [m]; F_b [m⁴ s⁻³], u [m s⁻¹], h_s and h_s' (after tip downwash) [m]."""
    if hs >= zi or hsp + rise < zi:
        return rise
    depth = zi - hsp
    ps = fb / (u * (GRAVITY / theta_at_zi * URBAN_GRADIENT_ABOVE_ZI) * depth * depth * depth)
    ratio = np.cbrt(17.576 * ps + 0.296296)
    if ratio < 2.0 / 3.0:
        return rise
    if ratio >= 2.0:
        return ratio * depth
    return 0.75 * depth * ratio + 0.5 * depth


@njit(**KERNEL_OPTIONS)
def stack_tip_downwash(hs, diameter, velocity, u):
    """h_s' = h_s + 2 D (w_s/u − 1.5) when w_s < 1.5 u, else h_s (Briggs 1974; MFD §5.6), floored at 0."""
    if velocity < 1.5 * u:
        return max(hs + 2.0 * diameter * (velocity / u - 1.5), 0.0)
    return max(hs, 0.0)


@njit(**KERNEL_OPTIONS)
def stack_state(hour, hs, diameter, velocity, exit_temperature, tip_downwash, release, sy0, sz0):
    """Everything AERMOD computes once per stack and hour (rise, penetration, centroid distances); without
    ``tip_downwash`` the release height is the stack height (AERMOD's NOSTD). ``release`` 1 (capped, AERMOD
    POINTCAP) or 2 (horizontal, POINTHOR): the momentum flux of 0.001 m/s at the same flow (F_b kept), and the
    stack-tip downwash of 0.001 m/s for a capped stack (even under NOSTD), none for a horizontal one (AERMOD
    FLUXES, PCALC; U.S. EPA Model Clearinghouse 1993). ``release`` 3 (a volume source, AERMOD VOLUME): no
    buoyancy, momentum or rise at the release height h_s, and the initial σ_y0, σ_z0 [m] (:func:`volume_state`);
    ``release`` 4 (an area source, AERMOD AREA): the same with σ_y0 = 0 (AERMOD ADISY; the area is integrated over,
    :mod:`dispersion._aermod_area`)."""
    zi = hour.mixing_height
    ustar = hour.friction_velocity
    raw_u, raw_sv, raw_sw, tg_s, pt_s = profile_at(hour, hs)
    u_s, sv_s, sw_s = floors(raw_u, raw_sv, raw_sw)
    if release == VOLUME_RELEASE or release == AREA_RELEASE:
        return volume_state(hour, hs, u_s, sv_s, sw_s, tg_s, pt_s, sy0, sz0)
    ta = pt_s - G_OVER_CP * hs  # temperature at stack top from θ (MFD §4.1.4)
    elevated = hour.stable or hs >= zi
    ts = max(exit_temperature, ta)
    fb = max(0.25 * velocity * diameter * diameter * GRAVITY * (ts - ta) / ts, MINIMUM_FLUX)  # MFD Eq. 57
    momentum_velocity = velocity if release == 0 else CAPPED_EXIT_VELOCITY
    fm = max(0.25 * velocity * momentum_velocity * diameter * diameter * ta / ts, MINIMUM_FLUX)  # Briggs; MFD §5.6
    if release == 1:
        hsp = stack_tip_downwash(hs, diameter, CAPPED_EXIT_VELOCITY, u_s)
    elif release == 0 and tip_downwash:
        hsp = stack_tip_downwash(hs, diameter, velocity, u_s)
    else:
        hsp = max(hs, 0.0)
    n_s = brunt_vaisala(tg_s, pt_s) if (elevated and tg_s > 0.0) else 1e-10
    final = stable_final_rise(fb, fm, u_s, n_s, hsp, ustar)
    if elevated and hour.urban:
        final = urban_stable_rise(final, fb, u_s, hs, hsp, zi, hour.theta_at_zi)
    xmax = stable_final_distance(fb, fm, u_s, n_s)
    if elevated:  # u and N iterated between stack top and mid-rise, ≤ 5 passes, 1 % (MFD §5.6.2)
        for k in range(5):
            u_m, sv_m, _, tg_m, pt_m = profile_at(hour, hsp + 0.5 * final)
            u_m = max(u_m, MINIMUM_WIND_SPEED)
            u_p = 0.5 * (u_s + u_m)
            n_p = brunt_vaisala(0.5 * (tg_s + tg_m), 0.5 * (pt_s + pt_m))
            new = stable_final_rise(fb, fm, u_p, n_p, hsp, ustar)
            if hour.urban:
                new = urban_stable_rise(new, fb, u_p, hs, hsp, zi, hour.theta_at_zi)
            xmax = stable_final_distance(fb, fm, u_p, n_p)
            converged = abs((final - new) / new) < 0.01
            if k == 4 and not converged:
                new = 0.5 * (new + final)
            final = new
            if converged:
                break
    else:  # CBL: final rise at the ISC3 distance (MFD §5.6.1)
        xmax = convective_final_distance(fb)
        final = convective_rise_direct(xmax, fb, fm, u_s)
    # Penetration of the CBL top (MFD §5.2, Eqs. 55–56), CBL stacks only
    depth = max(zi - hsp, 1e-6)
    release = min(hsp, zi - 1e-6)
    nh2 = GRAVITY / hour.theta_at_zi * hour.gradient_above_zi
    ps = fb / (u_s * nh2 * (zi - release) ** 3)
    ratio = np.cbrt(17.576 * ps + 0.296296)  # Δh_eq/(z_i − h_s') = (2.6³ P_s + (2/3)³)^⅓
    if elevated or ratio < 2.0 / 3.0:
        penetrated = 0.0
    elif ratio > 2.0:
        penetrated = 1.0
    else:
        penetrated = 1.5 - 1.0 / ratio
    depth = zi - (zi - depth)  # as the oracle forms it, to the last bit
    if penetrated >= 1.0:
        he3 = hsp + ratio * depth
    else:
        he3 = hsp + (0.75 * depth * ratio + 0.5 * depth)
    # Centroid of the CBL plume: from the final-rise height at x_f to z_i/2 at x_m = z_i ū/σ̄_w (MFD, after Eq. 43)
    x_mixed = zi * hour.mean_wind_speed / hour.mean_sigma_w
    if x_mixed < 1.25 * xmax:
        x_final = 0.8 * x_mixed
        critical = convective_rise_direct(x_final, fb, fm, u_s)
    else:
        x_final = xmax
        critical = final
    return Stack(hs, hsp, u_s, sv_s, sw_s, tg_s, pt_s, n_s, fb, fm, final, xmax, elevated, penetrated, he3, x_mixed,
                 x_final, critical, 0.0, 0.0)


@njit(**KERNEL_OPTIONS)
def volume_state(hour, hs, u_s, sv_s, sw_s, tg_s, pt_s, sy0, sz0):
    """The :class:`Stack` of a volume source released at h_s [m] with initial σ_y0, σ_z0 [m], given the floored
    values at h_s (AERMOD VCALC: F_b = F_m = 0, no stack-tip downwash, h_s' = h_s, no rise (Δh_f = x_f = 0), no
    penetration of z_i (f_p = 1), the CBL centroid moving from h_s at x = 0 to z_i/2 at x_m = z_i ū/σ̄_w; MFD, the
    text after Eq. 43, and §5.6 with the rise set to zero). Its σ's add σ_y0 and σ_z0 in quadrature
    (:func:`initial_sum`)."""
    elevated = hour.stable or hs >= hour.mixing_height
    n_s = brunt_vaisala(tg_s, pt_s) if (elevated and tg_s > 0.0) else 1e-10
    x_mixed = hour.mixing_height * hour.mean_wind_speed / hour.mean_sigma_w
    return Stack(hs, hs, u_s, sv_s, sw_s, tg_s, pt_s, n_s, 0.0, 0.0, 0.0, 0.0, elevated, 0.0, hs, x_mixed, 0.0, 0.0,
                 sy0, sz0)


# ----------------------------------------------------------------------------------------------------------------
# Stable-type plume at one distance
# ----------------------------------------------------------------------------------------------------------------

@njit(**KERNEL_OPTIONS)
def _gradual(x, st, hour, u, n):
    """Eq. 95 at min(x, x_f(u, N)) (AERMOD DELTAH/SBLRIS). x_f = u arctan2(N' F_m, −F_b)/N' is at least u (π/2)/N'
    (F_b ≥ 0, F_m ≥ 0: the angle is in [π/2, π]), so below 1.57 u/N' the distance is x itself, without arctan."""
    if x * (0.7 * n) < 1.57 * u:
        x_rise = x
    else:
        x_rise = min(x, stable_final_distance(st.fb, st.fm, u, n))
    return stable_rise(x_rise, st.fb, st.fm, u, n, st.hsp, hour.friction_velocity, st.final)


@njit(**KERNEL_OPTIONS)
def _rise_pass(x, d, k, st, hour):
    """Pass k ≥ 1 of the stable gradual rise at x from the last value d: u and N at mid-rise h_s' + d/2 averaged
    with the stack top's, Eq. 95 again; returns (Δh, finished) — finished when converged to 0.1 % after at least five
    passes (Δh ≥ 1e-5 m), or after ten with the mean of the last two (AERMOD DELTAH)."""
    u_m, _, _, tg_m, pt_m = profile_at(hour, st.hsp + 0.5 * d)
    u_m = max(u_m, MINIMUM_WIND_SPEED)
    n_p = brunt_vaisala(0.5 * (st.tg_s + tg_m), 0.5 * (st.pt_s + pt_m))
    new = _gradual(x, st, hour, 0.5 * (st.u_s + u_m), n_p)
    if new > 0.0 and abs((d - new) / new) < 0.001 and k >= 5:
        return max(new, 1e-5), True
    if k == 10:
        return 0.5 * (new + d), True
    return new, False


@njit(**KERNEL_OPTIONS)
def stable_gradual_rise(x, st, hour):
    """Δh_s at x (MFD Eq. 95), u and N iterated between stack top and mid-rise (5..10 passes, 0.1 %,
    :func:`_rise_pass`), capped by the direct CBL rise at x and the final rise (MFD §5.6.2)."""
    if x >= st.xmax:
        return st.final
    d = _gradual(x, st, hour, st.u_s, st.n_s)
    for k in range(1, 11):
        d, finished = _rise_pass(x, d, k, st, hour)
        if finished:
            break
    return _capped_rise(x, d, st)


@njit(**KERNEL_OPTIONS)
def _capped_rise(x, d, st):
    """The iterated stable rise d at x capped by the direct CBL rise at x and the final rise (AERMOD DELTAH)."""
    return min(min(d, convective_rise_direct(x, st.fb, st.fm, st.u_s)), st.final)


@njit(**KERNEL_OPTIONS)
def stable_gradual_rises(distances, st, hour, out, work, finished):
    """:func:`stable_gradual_rise` at every one of ``distances`` (N,) [m] into ``out`` (N,), the same values, with
    the passes of all distances interleaved (``work`` (N,) float64 and ``finished`` (N,) bool as scratch): each pass
    depends on the last, and one distance at a time left the processor waiting on every pass's cube root and sine;
    side by side the passes of different distances overlap (a year's stable rises 20 % faster)."""
    n = distances.shape[0]
    left = 0
    for i in range(n):
        finished[i] = distances[i] >= st.xmax
        if finished[i]:
            out[i] = st.final
        else:
            work[i] = _gradual(distances[i], st, hour, st.u_s, st.n_s)
            left += 1
    k = 0
    while left > 0:
        k += 1
        for i in range(n):
            if finished[i]:
                continue
            work[i], finished[i] = _rise_pass(distances[i], work[i], k, st, hour)
            if finished[i]:
                left -= 1
                out[i] = _capped_rise(distances[i], work[i], st)


@njit(**KERNEL_OPTIONS)
def _sigma_z_elevated(sw, t, z, n):
    """σ_zes = σ_w t/(1 + σ_w t (1/(0.72 z) + N/(0.54 σ_w)))^½ (MFD Eq. 83)."""
    return sw * t / math.sqrt(1.0 + sw * t * (1.0 / (0.72 * z) + n / (0.54 * sw)))


@njit(**KERNEL_OPTIONS)
def _sigma_z_surface(x, u, hour):
    """σ_zgs = √(2/π) u* x/ũ (1 + 0.7 x/L)^{−1/3} in stable hours, else 0 (MFD Eq. 84)."""
    if not hour.stable:
        return 0.0
    return math.sqrt(2.0 / math.pi) * hour.friction_velocity * (x / u) * \
        (1.0 + 0.7 * x / hour.obukhov_length) ** (-1.0 / 3.0)


@njit(**KERNEL_OPTIONS)
def sigma_z_stable(x, he, u, sw, n, st, hour):
    """Ambient σ_z of the stable-type plume: Eqs. 83 and 84 blended by h_es/z_i below z_i (MFD §5.5.1.2)."""
    z = max(max(st.hs, he), 1e-4)
    elevated = _sigma_z_elevated(sw, x / u, z, n)
    zi = hour.mixing_height
    if he >= zi:
        return elevated
    weight = min(he / zi, 1.0)
    return (1.0 - weight) * _sigma_z_surface(x, u, hour) + weight * elevated


@njit(**KERNEL_OPTIONS)
def sigma_y_stable(x, he, u, sv, hour):
    """σ_ya = (σ_v/u) x/(1 + x/(2 u T_Lys))^0.3, T_Lys = z_im/(156 σ_v) · max(h, 0.46)/0.46 (MFD Eqs. 77–78)."""
    ratio = max(MINIMUM_SIGMA_V_OVER_U, sv / u)
    time_scale = (hour.mechanical_mixing_height / (156.0 * sv)) * (max(he, 0.46) / 0.46)
    return ratio * x / (1.0 + x / (2.0 * u * time_scale)) ** 0.3


@njit(**KERNEL_OPTIONS)
def reflection_height(he, x, szb, initial, st, hour):
    """z_ieff = max(z_i, h + 2.15 σ_z{h}) with σ_z from the values at h and the initial σ_z0 ``initial`` [m] (MFD
    Eq. 68; AERMOD REFL_HT)."""
    u, sv, sw, tg, theta = profile_at(hour, he)
    u, sv, sw = floors(u, sv, sw)
    sz = sigma_z_stable(x, he, u, sw, brunt_vaisala(tg, theta), st, hour)
    return max(hour.mixing_height, he + HALF_WIDTH_SIGMAS * initial_sum(szb, sz, initial))


@njit(**KERNEL_OPTIONS)
def stable_geometry(x, st, hour, zr):
    """Stable-type plume at downwind distance x for a receptor ``zr`` above the stack base (it bounds the layer of
    the effective parameters, AERMOD IBLVAL): (h_e, σ_z, z_ieff [m], ũ, σ_y [m], σ̃_v [m s⁻¹], z_free [m]) —
    z_free the highest receptor height whose layer, and so every value here, is the ground receptor's."""
    return stable_layer(x, stable_gradual_rise(x, st, hour), st, hour, zr)


@njit(**KERNEL_OPTIONS)
def stable_layer(x, dh, st, hour, zr):
    """:func:`stable_geometry` from the rise Δh_s at x [m]: the effective parameters over the layer the receptor
    height ``zr`` bounds, the σ's and the lid (everything after the rise, which does not depend on ``zr``)."""
    he = max(st.hsp + dh, 0.0)
    u, sv, sw, tg, theta = profile_at(hour, he)
    u, sv, sw = floors(u, sv, sw)
    syb = BETA_2 * dh / SQRT_2
    # the urban stable layer is neutral for σ_z (MFD §5.8; AERMOD SIGZ — its lid, REFL_HT, keeps N)
    n = 0.0 if hour.urban else (brunt_vaisala(tg, theta) if tg > 0.0 else 1e-10)
    sz_h = initial_sum(syb, sigma_z_stable(x, he, u, sw, n, st, hour), st.sz0)
    if he <= 5.0 and zr <= 5.0:
        top, bottom = min(5.0, hour.mixing_height), 0.0
    elif he > zr:
        top, bottom = he, max(he - HALF_WIDTH_SIGMAS * sz_h, zr)
    else:
        top, bottom = min(he + HALF_WIDTH_SIGMAS * sz_h, zr), he
    u, sv, sw, tg, _ = profile_average(hour, bottom, top)
    u, sv, sw = floors(u, sv, sw)
    n = 0.0 if hour.urban else (brunt_vaisala(tg, theta) if tg > 0.0 else 1e-10)
    sy = initial_sum(syb, sigma_y_stable(x, he, u, sv, hour), st.sy0)
    sz = initial_sum(syb, sigma_z_stable(x, he, u, sw, n, st, hour), st.sz0)
    # z_ieff from the values at h_e (MFD Eq. 68): σ_z there is sz_h itself (the same N, brunt_vaisala's floor
    # included), except in the urban layer, where sz_h has N = 0 and the lid keeps N
    lid = reflection_height(he, x, syb, st.sz0, st, hour) if hour.urban else max(hour.mixing_height,
                                                                                  he + HALF_WIDTH_SIGMAS * sz_h)
    free = 5.0 if he <= 5.0 else max(he - HALF_WIDTH_SIGMAS * sz_h, 0.5)
    return he, sz, lid, u, sy, sv, free


@njit(**KERNEL_OPTIONS)
def stable_parts_risen(x, dh, st, hour):
    """Stable-type plume at downwind distance x at the ground, its rise Δh_s there given (:func:`stable_gradual_rise`,
    :func:`stable_gradual_rises`): (F_z/ũ [s m⁻²], σ_y [m], ũ, σ̃_v [m s⁻¹])."""
    he, sz, lid, u, sy, sv, _ = stable_layer(x, dh, st, hour, 0.0)
    return vertical_stable(sz, he, lid) / u, sy, u, sv


@njit(**KERNEL_OPTIONS)
def stable_parts_at(x, st, hour, wrap, lift, hill, ground):
    """Stable-type plume at downwind distance x at a receptor ``wrap`` above the stack base and ``lift`` above its
    own ground, whose ground and hill-height scale are ``ground`` and ``hill`` above the stack base [m]: the two
    plume states weighted by f (MFD Eq. 48, :mod:`dispersion._aermod_vertical`) — (f F_z{wrap}/ũ + (1 − f)
    F_z{lift}/ũ [s m⁻²], σ_y [m], ũ, σ̃_v [m s⁻¹])."""
    he, sz, lid, u, sy, sv, _ = stable_geometry(x, st, hour, wrap)
    return stable_vertical_at(he, sz, lid, u, wrap, lift, hill, ground, hour), sy, u, sv


@njit(**KERNEL_OPTIONS)
def stable_vertical_at(he, sz, lid, u, wrap, lift, hill, ground, hour):
    """f F_z{wrap}/ũ + (1 − f) F_z{lift}/ũ [s m⁻²] of a stable-type plume at ``he`` (σ_z ``sz``, lid ``lid``, ũ
    ``u``) at a receptor ``wrap`` above the stack base, ``lift`` above its ground, whose ground and hill-height scale
    are ``ground`` and ``hill`` above the stack base [m] (MFD Eq. 48)."""
    horizontal = vertical_stable_at(sz, he, lid, wrap)
    if wrap == lift:
        return horizontal / u
    f = state_weight(hour.stable, hour.heights, hour.rows, hill, ground, he, sz, lid)
    return (f * horizontal + (1.0 - f) * vertical_stable_at(sz, he, lid, lift)) / u
