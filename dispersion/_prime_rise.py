"""PRIME's numerical plume rise: mass, momentum and energy of the plume element along its path, in the wind cut by
the building's wake and along the mean streamlines over and behind the building (scalar Numba functions;
:mod:`dispersion._prime_kernels` puts PRIME together).

Source: Schulman, Strimaitis & Scire (2000), *J. Air & Waste Manage. Assoc.* 50:378–390 ("PRIME Eq. n"): the
conservation laws Eqs. 17–21 (after Zhang & Ghoniem 1993), the wake's entrainment Eqs. 22–23, the wake's wind
Eqs. 24–26, the streamlines Eqs. 13–16; the integration (a predictor–corrector in 1 m steps of path), the distance to
final rise and the path kept as 50 points as AERMOD v21112 codes it (prime.f numrise, zmet; "as coded", listed in
``docs/unverified.md``).

Units: lengths [m], speeds [m s⁻¹], temperatures [K], densities [kg m⁻³], F_b [m⁴ s⁻³].
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from dispersion._aermod_physics import G_OVER_CP, GRAVITY, MINIMUM_WIND_SPEED, level_of
from dispersion._math_kernels import KERNEL_OPTIONS
from dispersion._prime_sigmas import (MAX_STEPS, TRAJECTORY, sigma_y_ambient, sigma_z_ambient, wake_growth,
                                      wake_sigmas)
from dispersion._prime_wake import WAKE_GROWTH_CAP, position, streamline_slope, wake_at, wake_speed

# Plume rise (PRIME Eqs. 17–21)
ALPHA = 0.11  # entrainment along the plume (Eq. 17; Hoult & Weil 1972)
BETA = 0.6  # entrainment normal to it
RADIATION = 9.1e-11  # R_p [kg m-2 K-3 s-1] (Eq. 21)
LOWEST = 0.001  # [m] lowest plume height (as coded, zmin)
PATH_STEP = 1.0  # [m] step along the plume path (as coded, ds)
PATH_LENGTH = 5000.0  # [m] longest path integrated (as coded, slast)
INCLINATION_IN_WAKE = 0.349065850398866  # [rad] 20°: a plume rising more steeply does not count as caught (as coded)
CAPPED_DIAMETER_FACTOR = 2.0  # a rain cap doubles the initial plume diameter (as coded, POINTCAP)


@njit(**KERNEL_OPTIONS)
def ambient_at(hour, density, z):
    """(u, ρ_a, T_a, du/dz, dθ/dz) at height z for the plume-rise integration: the profiles and the air ``density``
    on their heights (:func:`dispersion.aermod.air_density_profile`) linear between levels, u ≥ 0.2828 m/s, du/dz
    the level's slope, T_a = θ − (g/c_p) z (as coded, zmet)."""
    k = level_of(hour, z)  # profile_at's interpolation, inlined to locate the level once
    z0, z1 = hour.heights[k], hour.heights[k + 1]
    dz = z - z0
    r, sl = hour.rows, hour.slopes
    u = r[k, 0] + sl[k, 0] * dz
    tg = r[k, 3] + sl[k, 3] * dz
    theta = r[k, 4] + sl[k, 4] * dz
    rho = density[k] + (density[k + 1] - density[k]) * dz / (z1 - z0)
    return max(u, MINIMUM_WIND_SPEED), rho, theta - G_OVER_CP * z, sl[k, 0], tg


@njit(**KERNEL_OPTIONS)
def _wind_here(b, hour, density, xb, yb, zb, ipos, here):
    """Ambient values at zb and the wind speed and shear inside the wake (PRIME Eq. 24); ``here`` the wake at xb
    (:func:`dispersion._prime_wake.wake_at`)."""
    ua0, ra, ta, dudz0, dpdz = ambient_at(hour, density, zb)
    ufac, dufac = 1.0, 0.0
    if ipos < 4:
        ufac, dufac = wake_speed(b, xb, yb, zb, here)
    return ufac * ua0, ra, ta, ufac * dudz0 + dufac * ua0, dpdz


@njit(**KERNEL_OPTIONS)
def _rates(r, usc, u, w, phi, den, tp, ua, dudz, ra, dpdz, ta, drdxa):
    """d/ds of (ρ U_sc r², ρ U_sc r² (u − U_a), ρ U_sc r² w, ρ U_sc r² (T − T_a), z, x) (PRIME Eqs. 17–22)."""
    mass = 2.0 * r * ra * (ALPHA * abs(usc - ua * u / usc) + BETA * abs(ua * math.sin(phi)))
    mass = max(mass, 2.0 * r * ra * ua * drdxa)
    return (mass, -(r * r * den * w) * dudz, GRAVITY * r * r * (ra - den),
            -(r * r * den * w) * dpdz - RADIATION * r * (tp ** 4 - ta ** 4), w / usc, u / usc)


@njit(**KERNEL_OPTIONS)
def plume_rise(w, hour, density, h, reff, texit, wexit, release, xtr, ztr):
    """PRIME's numerical plume rise (PRIME Eqs. 17–26; module docstring, step 3) for a stack of height h, radius reff,
    exit temperature texit and velocity wexit (``release`` 1 capped: twice the radius and the flow's horizontal
    momentum, 2 horizontal). Fills the path (xtr, ztr) (TRAJECTORY,) and the wake tables of ``w`` where the plume
    meets the wake; returns (met the wake, x from the upwind face where it did, its σ_z, σ_y there)."""
    b = w.building
    xbadj, ybadj = b.xbadj, b.ybadj
    xt = np.empty(MAX_STEPS + 1)
    zt = np.empty(MAX_STEPS + 1)
    caught = False
    n_wake = 1
    xbi = szi = syi = 0.0
    x = y = 0.0
    z = max(h, LOWEST)
    s = 0.0
    r = reff
    u = 0.000002
    wv = wexit
    tp = texit
    drdxa = 0.0
    ds = PATH_STEP
    zcumul = 0.0
    r15src = xbadj + (b.length + WAKE_GROWTH_CAP * b.scale)
    xb, yb, zb = x - xbadj, y - ybadj, max(z, LOWEST)
    # the wake at xb (its dimensions, cavity and deficit decay: two cube roots and a power), kept while xb stays: a
    # step asks at its start x three times, and its end x is the next step's start
    at_x = xb
    here = wake_at(b, xb)
    ipos = position(b, xb, yb, zb, here[0], here[1])
    ua, ra, ta, dudz, dpdz = _wind_here(b, hour, density, xb, yb, zb, ipos, here)
    deltat = max(tp - ta, 0.0)
    fdum = wv * r * r / tp
    fb = GRAVITY * fdum * deltat
    if release == 1:
        r = CAPPED_DIAMETER_FACTOR * reff
        u = wexit / CAPPED_DIAMETER_FACTOR ** 2
        wv = 0.001
    elif release == 2:
        u = wexit
        wv = 0.001
    uam = max(ua, 1.0)
    wbyu = max(1.0, wv / uam)
    xmaxm = 8.0 * r * wbyu * (1.0 + 3.0 / wbyu) ** 2
    if fb <= 0.0:
        xmax = xmaxm
        znf = 6.0 * r * wv / uam
    elif fb < 55.0:
        xmax = max(xmaxm, 49.0 * fb ** 0.625)
        znf = 21.425 * fb ** 0.75 / uam
    else:
        xmax = 119.0 * fb ** 0.4
        znf = 38.71 * fb ** 0.6 / uam
    ds = min(ds, 0.5 * max(0.1, znf))
    usc = math.sqrt(u * u + wv * wv)
    phi = math.atan(wv / u)
    den = ra * ta / texit
    f1 = den * usc * r * r
    f = np.array([f1, f1 * (u - ua), f1 * wv, f1 * (tp - ta), z, x])
    ft = np.empty(6)
    nn = 0
    nnp = 1
    zc = z
    while True:
        xb, yb, zb = x - xbadj, y - ybadj, max(z + zcumul, LOWEST)
        if xb != at_x:
            at_x = xb
            here = wake_at(b, xb)
        dzstrm = 0.0
        ipos = position(b, xb, yb, zb, here[0], here[1])
        if ipos > 2 and x <= r15src:
            dzstrm = streamline_slope(b, xb, yb, zb) * (u / usc) * ds
        k1 = _rates(r, usc, u, wv, phi, den, tp, ua, dudz, ra, dpdz, ta, drdxa)
        for i in range(6):
            ft[i] = f[i] + k1[i] * ds
        u, wv, usc, tp, den, r, phi, z, x = _unlump(ft, ua, ta, ra)  # the predictor
        zb = max(z + zcumul + dzstrm, LOWEST)
        ipos = position(b, xb, yb, zb, here[0], here[1])  # at the step's start x (as coded)
        ua, ra, ta, dudz, dpdz = _wind_here(b, hour, density, xb, yb, zb, ipos, here)
        k2 = _rates(r, usc, u, wv, phi, den, tp, ua, dudz, ra, dpdz, ta, drdxa)
        for i in range(6):
            f[i] = ft[i] + 0.5 * (k2[i] - k1[i]) * ds
        u, wv, usc, tp, den, r, phi, z, x = _unlump(f, ua, ta, ra)  # the corrector
        zcumul += dzstrm
        zc = max(z + zcumul, LOWEST)
        xb, yb, zb = x - xbadj, y - ybadj, zc
        at_x = xb
        here = wake_at(b, xb)
        ipos = position(b, xb, yb, zb, here[0], here[1])
        finished = False
        if x < 0.0:
            x = 0.0
            s += ds
            nnp -= 1
        else:
            if phi <= INCLINATION_IN_WAKE and ipos < 4:
                if not caught:
                    caught = True
                    xbi = xb
                    szi, syi, n_wake = _meet_wake(w, hour, h, x, z, xtr, ztr)
                drdxa = wake_growth(x, w.tables, n_wake)
            s += ds
            nn = nnp
            if nn > MAX_STEPS:
                nn = MAX_STEPS
                finished = True
            else:
                xt[nn], zt[nn] = x, zc
                finished = x >= xmax
        if not finished:
            ua, ra, ta, dudz, dpdz = _wind_here(b, hour, density, xb, yb, zb, ipos, here)
            nnp += 1
            finished = wv < 0.0
            if not finished:
                if ds < PATH_STEP:
                    ds = min(PATH_STEP, 2.0 * ds)
                finished = s >= PATH_LENGTH
        if finished:
            break
    xfin, zfin = x, zc
    # beyond the final rise: follow the streamlines to 15 R behind the building
    x15r = r15src - xfin
    if x15r > 0.0 and nn >= 1:
        dx15r = max(ds, x15r / (MAX_STEPS - nn))
        n15r = min(int(x15r / dx15r), MAX_STEPS - nn)
        for i in range(nn + 1, nn + n15r + 1):
            xbb = xt[i - 1] - xbadj
            xbe = xbb + dx15r
            yb = y - ybadj
            zb = zt[i - 1]
            dzdx = 0.0
            ipos = position(b, xbb, yb, zb)
            if ipos > 2:
                dzdx = 0.5 * (streamline_slope(b, xbb, yb, zb) + streamline_slope(b, xbe, yb, zb))
            xt[i] = xt[i - 1] + dx15r
            zt[i] = max(LOWEST, zt[i - 1] + dzdx * dx15r)
            zcumul += dzdx * dx15r
            if not caught and ipos < 4:
                caught = True
                xbi = xt[i] - xbadj
                szi, syi, n_wake = _meet_wake(w, hour, h, xt[i], zt[i] - zcumul, xtr, ztr)
        nn += n15r
        xfin, zfin = xt[nn], zt[nn]
    _thin_path(xt, zt, nn, xfin, zfin, xtr, ztr)
    return caught, n_wake, xbi, szi, syi


@njit(**KERNEL_OPTIONS)
def _unlump(f, ua, ta, ra):
    """The plume element's (u, w, U_sc, T, ρ, r, φ, z, x) from the integrated (ρ U_sc r², ρ U_sc r² (u − U_a),
    ρ U_sc r² w, ρ U_sc r² (T − T_a), z, x) in ambient U_a, T_a, ρ_a (ρ T = ρ_a T_a; T at least T_a − 10 K, as
    coded)."""
    u = ua + f[1] / f[0]
    wv = f[2] / f[0]
    usc = math.sqrt(u * u + wv * wv)
    tp = max(ta + f[3] / f[0], ta - 10.0)
    den = ra * ta / tp
    return u, wv, usc, tp, den, math.sqrt(f[0] / (usc * den)), math.atan(wv / u), f[4], f[5]


@njit(**KERNEL_OPTIONS)
def _meet_wake(w, hour, h, x, z, xtr, ztr):
    """Where the plume (centre at x from the stack, height z) meets the wake: its σ_z, σ_y there — the ambient ones
    at its height with buoyancy-induced growth (rise/3.5)², only the latter at the stack — and the wake's σ tables
    from there at that fixed height (:func:`wake_sigmas`); returns (σ_z, σ_y, table length)."""
    bidsq = (max(0.0, z - max(h, LOWEST)) / 3.5) ** 2
    if x <= 0.0:
        szi = syi = math.sqrt(bidsq)
    else:
        szi = math.sqrt(sigma_z_ambient(x, z, hour, w.ambient) ** 2 + bidsq)
        syi = math.sqrt(sigma_y_ambient(x, z, hour, w.ambient) ** 2 + bidsq)
    n_wake, _ = wake_sigmas(w.building, w.ambient, hour, x - w.building.xbadj, szi, syi, z, xtr, ztr, False,
                            w.tables, w.virtual)
    return szi, syi, n_wake


@njit(**KERNEL_OPTIONS)
def _thin_path(xt, zt, nn, xfin, zfin, xtr, ztr):
    """The nn path points (1-based in xt, zt) as TRAJECTORY points: evenly or with growing gaps, the last the final
    point; fewer than TRAJECTORY points are padded with the final one (as coded, numrise)."""
    ntr = TRAJECTORY
    if nn > ntr:
        xtr[ntr - 1], ztr[ntr - 1] = xfin, zfin
        if nn <= 2 * ntr:
            deln = nn / ntr
            for i in range(1, ntr):
                jn = int(i * deln)
                xtr[i - 1], ztr[i - 1] = xt[jn], zt[jn]
        else:
            deln = 2.0 * (nn - ntr) / (ntr * (ntr - 1))
            rn = 0.0
            for i in range(1, ntr):
                rn += 1.0 + (i - 1) * deln
                jn = int(rn)
                xtr[i - 1], ztr[i - 1] = xt[jn], zt[jn]
    else:
        for i in range(1, nn + 1):
            xtr[i - 1], ztr[i - 1] = xt[i], zt[i]
        for i in range(nn + 1, ntr + 1):
            xtr[i - 1], ztr[i - 1] = xfin, zfin
