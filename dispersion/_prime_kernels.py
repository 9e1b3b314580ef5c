"""PRIME building downwash for ParkTwin's AERMOD mode: scalar Numba functions, one stack-hour at a time.

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

from dispersion._aermod_physics import (G_OVER_CP, GRAVITY, MINIMUM_SIGMA_V, MINIMUM_SIGMA_V_OVER_U,
                                        MINIMUM_SIGMA_W, MINIMUM_WIND_SPEED, locate, profile_at, profile_average)
from dispersion._aermod_plume import decay_factor
from dispersion._aermod_vertical import EXP_LIMIT, SQRT_2PI, gauss
from dispersion._math_kernels import KERNEL_OPTIONS

# Wake turbulence and deficit (PRIME Eqs. 26–30 and the text after Eq. 30)
NEUTRAL_INTENSITY_Z = 0.06  # i_zN
NEUTRAL_INTENSITY_Y = 0.08  # i_yN
LEE_WALL_FACTOR = 1.7  # the wake's σ at the lee wall is 1.7 σ_N (Eq. 27)
DEFICIT = 0.7  # ΔU_0/U_0 (Eqs. 26, 30)
DECAY_POWER = 2.0 / 3.0  # the deficit and excess turbulence decay as (ξ/R)^(−2/3) (Eq. 27)
AMBIENT_REACHED = 1.3  # the wake's intensity counts as ambient at 1.3× the ambient one (as coded, afac)
WAKE_GROWTH_CAP = 15.0  # the eddy-diffusivity growth ends at most 15 R behind the building (text after Eq. 32)
# Plume rise (PRIME Eqs. 17–21)
ALPHA = 0.11  # entrainment along the plume (Eq. 17; Hoult & Weil 1972)
BETA = 0.6  # entrainment normal to it
RADIATION = 9.1e-11  # R_p [kg m-2 K-3 s-1] (Eq. 21)
LOWEST = 0.001  # [m] lowest plume height (as coded, zmin)
PATH_STEP = 1.0  # [m] step along the plume path (as coded, ds)
PATH_LENGTH = 5000.0  # [m] longest path integrated (as coded, slast)
MAX_STEPS = 5000  # steps kept (as coded, mxnw)
TRAJECTORY = 50  # points the path is kept as (as coded, mxntr)
INCLINATION_IN_WAKE = 0.349065850398866  # [rad] 20°: a plume rising more steeply does not count as caught (as coded)
CAPPED_DIAMETER_FACTOR = 2.0  # a rain cap doubles the initial plume diameter (as coded, POINTCAP)
NEAR_NEUTRAL = 0.5  # AERMOD's terrain weight in the wake (PRMCALC, "wake is near neutral")
_TINY_SIGMA = 1e-5
_RT2PI = math.sqrt(2.0 * math.pi)
_RT2BYPI = math.sqrt(2.0 / math.pi)


class Building(NamedTuple):
    """The structure of one stack's flow sector and its wake scales (PRIME Eqs. 1–2)."""

    height: float  # H
    width: float  # W, projected across the wind
    length: float  # L, along the wind
    xbadj: float  # along-wind distance from the stack to the upwind face's centre
    ybadj: float  # cross-wind distance from the stack to the upwind face's centre
    scale: float  # R
    cavity_length: float  # L_R, from the lee wall
    roof_cavity: float  # L_C = 0.9 R: the roof cavity reattaches when L_C < L
    cavity_height: float  # H_R = H + 0.22 R
    u_building: float  # ambient wind speed at H (unfloored grid value)
    u_stack: float  # AERMOD's stack-top wind speed (floored)


class Ambient(NamedTuple):
    """PRIME's effective ambient values, averaged over 0..H_W(15 R) and floored (AERMOD PRMCALC)."""

    u: float
    sv: float
    sw: float
    tg: float


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
def building_scales(height, width, length, xbadj, ybadj, u_building, u_stack):
    """:class:`Building` from H, W, L, XBADJ, YBADJ [m] and the wind speeds at H and stack top (PRIME Eqs. 1–2: R
    with B_L ≤ 8 B_s; L_R with L/H in [0.3, 3]; the exponent 0.3 of L/H lowered linearly to 0 as W/H falls from 1 to
    0.33, as coded)."""
    hh, ww = height, width
    if hh > 8.0 * ww:
        hh = 8.0 * ww
    if ww > 8.0 * hh:
        ww = 8.0 * hh
    r = min(hh, ww) ** (2.0 / 3.0) * max(hh, ww) ** (1.0 / 3.0)
    rw = width / height
    rl = min(max(length / height, 0.3), 3.0)
    exponent = 0.3 if rw >= 1.0 else max(0.0, 0.3 * (rw - 0.33) / 0.67)
    lr = 1.8 * width / (rl ** exponent * (1.0 + 0.24 * rw))
    return Building(height, width, length, xbadj, ybadj, r, lr, 0.9 * r, height + 0.22 * r, u_building, u_stack)


@njit(**KERNEL_OPTIONS)
def wake_dimensions(x, h, w, r):
    """Wake height H_W = 1.2 R (x/R + (H/1.2 R)³)^⅓ (PRIME Eq. 11) and half-width W/2 + (R/3)(x/R)^⅓ (Eq. 12) at x
    from the upwind face; 0 upwind of it."""
    if x <= 0.0:
        return 0.0, 0.0
    xr = x / r
    return 1.2 * r * np.cbrt(xr + (h / (1.2 * r)) ** 3), 0.5 * w + (r / 3.0) * np.cbrt(xr)


@njit(**KERNEL_OPTIONS)
def cavity_dimensions(b, x):
    """Height H_C and half-width W_C of the near-wake cavity at x from the upwind face (PRIME Eqs. 3–8); 0 outside
    0 ≤ x < L + L_R."""
    h, w, el, r, lr, hr = b.height, b.width, b.length, b.scale, b.cavity_length, b.cavity_height
    if x >= el + lr or x < 0.0:
        return 0.0, 0.0
    if x <= r:
        ycav = (0.5 * w + r / 3.0) - (x - r) ** 2 / (3.0 * r)
    else:
        ycav = (0.5 * w + r / 3.0) * math.sqrt(1.0 - ((x - r) / (el + lr - r)) ** 2)
    zcav = 0.0
    if b.roof_cavity < el:  # the roof cavity reattaches
        if x <= el:
            zcav = h
        else:
            zcav = h * math.sqrt(1.0 - ((x - el) / lr) ** 2)
    else:
        if x <= 0.5 * r:
            zcav = hr + 4.0 * (x - 0.5 * r) ** 2 * (h - hr) / (r * r)
        else:
            zcav = hr * math.sqrt(1.0 - ((x - 0.5 * r) / (el + lr - 0.5 * r)) ** 2)
    return zcav, ycav


@njit(**KERNEL_OPTIONS)
def position(b, x, y, z):
    """Where (x, y, z) is (from the upwind face's centre): 1 inside the building, 2 in the near-wake cavity, 3 in the
    far wake, 4 outside (as coded, AERMOD prime.f POSITION: the building with a skin of 2e-5 of its size, the
    cavity of Eqs. 3–8 as coded there, the wake of Eqs. 11–12)."""
    h = b.height
    if h <= 0.0 or x <= 0.0:
        return 4
    ypos = abs(y)
    r = b.scale
    wby2 = 0.5 * b.width
    skin = 0.99998
    if x / b.length < skin and z / h < skin and ypos / wby2 < skin:
        return 1
    el, lr, hr = b.length, b.cavity_length, b.cavity_height
    inz = False
    if b.roof_cavity < el:
        if x < el:
            inz = z <= h
        elif x < el + lr:
            inz = z <= h * math.sqrt(1.0 - ((x - el) / lr) ** 2)
    else:
        if x <= 0.5 * r:
            inz = z <= hr + 4.0 * (x - 0.5 * r) ** 2 * (h - hr) / (r * r)
        elif x < el + lr:
            inz = z <= hr * math.sqrt(1.0 - ((x - 0.5 * r) / (el + lr - 0.5 * r)) ** 2)
    iny = False
    if x <= r:
        iny = ypos <= (wby2 + r / 3.0) - (x - r) ** 2 / (3.0 * r)
    elif x < el + lr:
        iny = ypos <= (wby2 + r / 3.0) * math.sqrt(1.0 - ((x - r) / (el + lr - r)) ** 2)
    if inz and iny:
        return 2
    hwake, wwake = wake_dimensions(x, h, b.width, r)
    if z <= hwake and ypos <= wwake:
        return 3
    return 4


@njit(**KERNEL_OPTIONS)
def streamline_slope(b, x, y, z):
    """dz/dx of the mean streamlines at (x, y, z) from the upwind face's centre (PRIME Eqs. 13–16 at z ≤ H, with
    the decay factors above H, and linear to zero between W/2 and W/2 + R/3 across the wind; as coded: below H in
    region D and beyond it, the slope falls as ((z − 0)/H)^e with e = 0.3, × (H/2W)² when H ≥ 2W, and in region E
    the slope at the start of the region decays as R/(x − (L + L_R − R)))."""
    h, w, el, r, lr, hr = b.height, b.width, b.length, b.scale, b.cavity_length, b.cavity_height
    if h <= 0.0:
        return 0.0
    hbyw = h / w
    expzg = 0.3
    if hbyw >= 2.0:
        expzg *= (0.5 * hbyw) ** 2
    slope = 0.0
    if x < -r:
        slope = 0.0
    elif x < 0.0:
        zslope = 2.0 * (hr - h) * (x + r) / (r * r)
        if z > h:
            slope = zslope / ((z - h + r) / r) ** 3
        elif r <= h:
            slope = 0.0 if z <= 0.67 * h else zslope
        else:
            slope = 0.0 if z <= 0.67 * (2.0 * h - r) else zslope
    elif x <= 0.5 * r:
        zslope = -(hr - h) * 4.0 / r * (2.0 * x / r - 1.0)
        slope = zslope if z <= h else zslope / ((z - h + r) / r) ** 3
    elif x <= el + lr:
        zslope = (hr - h) * (r - 2.0 * x) / (el - 0.5 * r + lr) ** 2
        if z > h:
            slope = zslope / ((z - h + r) / r)
        elif z <= 0.0:
            slope = 0.0
        else:
            slope = zslope * (z / h) ** expzg
    else:
        zslope = -2.0 * (hr - h) / (el - 0.5 * r + lr) / ((x - (el + lr - r)) / r)
        if z > h:
            slope = zslope / ((z - h + r) / r)
        elif z <= 0.0:
            slope = 0.0
        else:
            slope = zslope * (z / h) ** expzg
    ypos = abs(y)
    if ypos > 0.5 * w + r / 3.0:
        return 0.0
    if ypos <= 0.5 * w:
        return slope
    return slope * (1.0 + (3.0 / r) * (0.5 * w - ypos))


@njit(**KERNEL_OPTIONS)
def wake_speed(b, x, y, z):
    """(U_w/U_a, d(U_w/U_a)/dz) in the wake at (x, y, z) from the upwind face's centre (PRIME Eqs. 24–26: F_c
    in the cavity, linear to 1 at H_W; the deficit ΔU_0/U_0 decays as ((x − L + R)/R)^(−2/3) behind the lee wall,
    grows linearly from 0 over the roof, and falls linearly to 0 over the outer R/3 of the wake's half-width, as
    coded); (1, 0) outside the wake."""
    zcav, _ = cavity_dimensions(b, x)
    hwake, wwake = wake_dimensions(x, b.height, b.width, b.scale)
    yabs = abs(y)
    if z >= hwake or yabs >= wwake:
        return 1.0, 0.0
    ymin = max(0.5 * b.width, wwake - b.scale / 3.0)
    du = DEFICIT
    ydiff = wwake - ymin
    if yabs > ymin and ydiff > 0.0:
        du = DEFICIT * (1.0 - (yabs - ymin) / ydiff)
    xml = max(0.0, x - b.length)
    du *= ((xml + b.scale) / b.scale) ** (-DECAY_POWER)
    if x < b.length:
        du *= x / b.length
    ucbyua = max(0.0, 1.0 - 2.0 * hwake * du / (hwake + zcav))
    dufac = 0.0
    if z > zcav:
        dufac = (1.0 - ucbyua) / (hwake - zcav)
    return max(0.01, ucbyua + dufac * (min(z, hwake) - zcav)), dufac


@njit(**KERNEL_OPTIONS)
def wake_intensity(x, b, amb):
    """Turbulence intensities (i_z, i_y) in the wake at x from the upwind face (PRIME Eq. 30 with ξ = x − L + R,
    the ambient i_0 = σ/u taken at most i_N; linear from the ambient value over the roof, as coded)."""
    ambz = amb.sw / amb.u
    amby = amb.sv / amb.u
    farz = min(NEUTRAL_INTENSITY_Z, ambz)
    fary = min(NEUTRAL_INTENSITY_Y, amby)
    xml = max(0.0, x - b.length)
    xfac = 1.0 / (((xml + b.scale) / b.scale) ** DECAY_POWER - DEFICIT)
    tiz = farz * (1.0 + ((LEE_WALL_FACTOR * NEUTRAL_INTENSITY_Z / farz - 1.0) + DEFICIT) * xfac)
    tiy = fary * (1.0 + ((LEE_WALL_FACTOR * NEUTRAL_INTENSITY_Y / fary - 1.0) + DEFICIT) * xfac)
    if x < b.length:
        frac = x / b.length
        tiz = ambz + frac * (tiz - ambz)
        tiy = amby + frac * (tiy - amby)
    return tiz, tiy


@njit(**KERNEL_OPTIONS)
def ambient_distances(b, amb, capped):
    """Distances (x_az, x_ay) from the upwind face where the wake's intensity (Eq. 30) has fallen to 1.3× the ambient
    one (or to the ambient one, if larger), capped at L + 15 R when ``capped`` (text after Eq. 32; AERMOD wake_xa,
    and wake_xa2 without the cap for GAMCALC)."""
    ambz = amb.sw / amb.u
    amby = amb.sv / amb.u
    farz = min(NEUTRAL_INTENSITY_Z, ambz)
    fary = min(NEUTRAL_INTENSITY_Y, amby)
    fartz = max(ambz, AMBIENT_REACHED * farz)
    farty = max(amby, AMBIENT_REACHED * fary)
    x0 = b.length / b.scale - 1.0
    xaz = x0 + (DEFICIT + (LEE_WALL_FACTOR * NEUTRAL_INTENSITY_Z - farz * (1.0 - DEFICIT)) / (fartz - farz)) ** 1.5
    xay = x0 + (DEFICIT + (LEE_WALL_FACTOR * NEUTRAL_INTENSITY_Y - fary * (1.0 - DEFICIT)) / (farty - fary)) ** 1.5
    if capped:
        cap = b.length / b.scale + WAKE_GROWTH_CAP
        xaz, xay = min(cap, xaz), min(cap, xay)
    return b.scale * xaz, b.scale * xay


@njit(**KERNEL_OPTIONS)
def _wake_sigma(x, xd, xold, turbz, turby, szold, syold, b, zk, yk):
    """One step of the wake's σ_z, σ_y from xold to x (PRIME Eq. 31–32): dσ/dx = i before x_d (the p.d.f. region, a
    near wake's length behind where the plume met the wake), dσ²/dx = k i H_W(x) (k fixed at x_d by continuity)
    after. Returns (zk, yk, σ_z, σ_y, dσ_z/dx)."""
    htwake, hwwake = wake_dimensions(x, b.height, b.width, b.scale)
    fwwake = 2.0 * hwwake
    delx = x - xold
    if x < xd:
        return zk, yk, szold + delx * turbz, syold + delx * turby, turbz
    if xold > xd:
        sz = math.sqrt(szold * szold + delx * zk * turbz * htwake)
        sy = math.sqrt(syold * syold + delx * yk * turby * fwwake)
        return zk, yk, sz, sy, (sz - szold) / delx
    sigzd = szold + (xd - xold) * turbz
    sigyd = syold + (xd - xold) * turby
    zk = 2.0 * sigzd / htwake
    yk = 2.0 * sigyd / fwwake
    rest = x - xd
    sz = math.sqrt(sigzd * sigzd + rest * zk * turbz * htwake)
    sy = math.sqrt(sigyd * sigyd + rest * yk * turby * fwwake)
    return zk, yk, sz, sy, (sz - szold) / delx


@njit(**KERNEL_OPTIONS)
def cavity_initial_sigmas(b, sy_capture):
    """σ_z and σ_y of the cavity source at the lee wall (PRIME Eqs. 33, 35: the width W_B′ = W between H/3 and
    3 H, at least the plume's top-hat width √(2π) σ_y (≤ W); σ_yc = W_B′/√(2π); σ_zc by C_N = C_F at the lee wall:
    √(2/π) (U_b/U_s) H_c/3 with H_c = H, or H_R when the roof cavity does not reattach)."""
    wcapt = min(_RT2PI * sy_capture, b.width)
    wscale = min(b.width, 3.0 * b.height)
    wscale = max(wscale, b.height / 3.0)
    wscale = max(wscale, wcapt)
    hcav = b.height if b.roof_cavity < b.length else b.cavity_height
    return _RT2BYPI * (b.u_building / b.u_stack) * hcav / 3.0, wscale / _RT2PI


@njit(**KERNEL_OPTIONS)
def sigma_y_ambient(x, z, hour, amb):
    """Ambient σ_y at x from the source for a plume at height z with PRIME's effective values (MFD Eqs. 77–79 in
    stable hours, with T_Ly from z_im; in convective ones (σ_v/u) x/(1 + β (σ_v/u) x/z_i)^0.3 with
    β = max(78 · 0.46/max(z, 0.46), 0.7), MFD Eq. 80 as AERMOD's SIGYPR codes it)."""
    ratio = max(MINIMUM_SIGMA_V_OVER_U, amb.sv / amb.u)
    if hour.stable:
        time_scale = (hour.mechanical_mixing_height / (156.0 * amb.sv)) * (max(z, 0.46) / 0.46)
        return ratio * x / (1.0 + x / (2.0 * amb.u * time_scale)) ** 0.3
    beta = max(78.0 * (0.46 / max(z, 0.46)), 0.7)
    return ratio * x / (1.0 + beta * ratio * x / hour.mixing_height) ** 0.3


@njit(**KERNEL_OPTIONS)
def sigma_z_ambient(x, z, hour, amb):
    """Ambient σ_z at x for a plume at height z with PRIME's effective values: stable, MFD Eq. 83 (N from PRIME's
    effective dθ/dz and θ at z; none in the urban stable layer) blended below z_i with the surface σ_z (Eq. 84) by
    z/z_i; convective, α_b σ_w x/u (α_b = 0.6 + 0.4 z/(0.1 z_i) below 0.1 z_i) with the surface term
    0.5 (1 − 10 z/z_i) (u*/u)² x²/|L| below 0.1 z_i in quadrature (MFD Eqs. 73–75 as AERMOD's SIGZPR, SZSFCLPR
    code them)."""
    zi = hour.mixing_height
    ustar = hour.friction_velocity
    if hour.stable:
        t = x / amb.u
        theta = profile_at(hour, z)[4]
        n = math.sqrt(max(GRAVITY * amb.tg / theta, 0.0))
        n = max(n, 1e-10)
        ztmp = max(z, 1e-4)
        if hour.urban:
            elevated = amb.sw * t / math.sqrt(1.0 + amb.sw * t * (1.0 / (0.72 * ztmp)))
        else:
            elevated = amb.sw * t / math.sqrt(1.0 + amb.sw * t * (1.0 / (0.72 * ztmp) + n / (0.54 * amb.sw)))
        if z < zi:
            surface = _RT2BYPI * ustar * t * (1.0 + 0.7 * x / hour.obukhov_length) ** (-1.0 / 3.0)
            weight = min(z / zi, 1.0)
            return (1.0 - weight) * surface + weight * elevated
        return elevated
    alpha = 1.0 if z >= 0.1 * zi else 0.6 + 0.4 * (z / (0.1 * zi))
    szad = alpha * amb.sw * x / amb.u
    surface = 0.0
    if z < 0.1 * zi:
        surface = 0.5 * (1.0 - 10.0 * (z / zi)) * (ustar / amb.u) ** 2 * (x * x / abs(hour.obukhov_length))
    return math.sqrt(szad * szad + surface * surface)


@njit(**KERNEL_OPTIONS)
def trajectory_height(x, xtr, ztr):
    """Plume height at x along the kept path, linear between points, the first point's before it and the last's
    beyond (as coded, numgrad)."""
    n = xtr.shape[0]
    if x >= xtr[n - 1]:
        return ztr[n - 1]
    for i in range(n - 2, -1, -1):
        if x >= xtr[i]:
            return ztr[i + 1] - (ztr[i + 1] - ztr[i]) * (xtr[i + 1] - x) / (xtr[i + 1] - xtr[i])
    return ztr[0]


@njit(**KERNEL_OPTIONS)
def _table_at(x, xs, values, n):
    """Linear interpolation in the first n points of a table (x within [xs[0], xs[n − 1]])."""
    for i in range(n - 2, -1, -1):
        if x >= xs[i]:
            fac = (xs[i + 1] - x) / (xs[i + 1] - xs[i])
            return values[i + 1] - (values[i + 1] - values[i]) * fac
    return values[0]


@njit(**KERNEL_OPTIONS)
def _height(follow, x, z, xtr, ztr):
    return trajectory_height(x, xtr, ztr) if follow else z


@njit(**KERNEL_OPTIONS)
def _keep(out, row, values, n_points, first, v0):
    """Thin a column of n_points steps, of which the first ``first`` precede the start, to at most TRAJECTORY points
    in out[row]: the start value v0, then evenly (up to twice as many) or with growing gaps (as coded), the last
    step last. Returns the count."""
    npw = n_points - first
    out[row, 0] = v0
    if npw >= TRAJECTORY:
        n = TRAJECTORY
        out[row, n - 1] = values[n_points - 1]
        if npw <= 2 * TRAJECTORY:
            deln = npw / n
            for i in range(2, n):
                out[row, i - 1] = values[int(i * deln) + first - 1]
        else:
            deln = 2.0 * (npw - TRAJECTORY) / (TRAJECTORY * (TRAJECTORY - 1))
            rn = 1.0
            for i in range(2, n):
                rn += 1.0 + (i - 1) * deln
                out[row, i - 1] = values[int(rn) + first - 1]
        return n
    for i in range(2, npw + 1):
        out[row, i - 1] = values[i + first - 1]
    return npw


@njit(**KERNEL_OPTIONS)
def wake_sigmas(b, amb, hour, xi, szi, syi, z, xtr, ztr, follow, tables, virtual):
    """Tabulate σ_z, σ_y and dr/dx = √(π/2) dσ_z/dx of the plume (from xi, where it meets the wake, with σ's szi, syi)
    and σ_z, σ_y of the cavity source (from the lee wall or xi) in steps of about 2 m until both wake regimes end
    (PRIME Eqs. 23, 27–32; the ambient curves beyond x_a with virtual σ's matching them there), at the fixed height z
    or (``follow``) along the path (xtr, ztr). Fills ``tables`` (7, TRAJECTORY) and ``virtual`` (4,); returns
    (n_wake, n_cavity) (as coded, wake_dfsn/wake_dfsn2). x in the tables is from the stack."""
    xbadj = b.xbadj
    xaz, xay = ambient_distances(b, amb, True)
    xamx = max(xaz, xay)
    xamn = min(xaz, xay)
    zxay = _height(follow, xay + xbadj, z, xtr, ztr)
    zxaz = _height(follow, xaz + xbadj, z, xtr, ztr)
    vsigy = vsigz = vsigyc = vsigzc = 0.0
    el, lr = b.length, b.cavity_length
    xcave = el + lr
    xbc = min(max(xi, el), xcave)
    xdc = xbc + lr
    szcav0, sycav0 = cavity_initial_sigmas(b, syi)
    lrevcav = xi < el
    n_cavity = 1
    tables[4, 0], tables[5, 0], tables[6, 0] = xbc + xbadj, szcav0, sycav0
    lcav = xi < xcave
    if not lcav:
        lrevcav = False
    n_wake = 1
    tables[0, 0], tables[1, 0], tables[2, 0], tables[3, 0] = xi + xbadj, szi, syi, 0.0
    lwak = xi < xamx
    if not lwak and not lcav:
        virtual[0], virtual[1], virtual[2], virtual[3] = vsigz, vsigy, vsigzc, vsigyc
        return n_wake, n_cavity
    xd = xi + lr
    dx = 2.0
    xlow, xhi = xi, xamx
    if lcav:
        xlow = min(xi, xbc)
        xhi = max(xamx, xcave)
    xrange = xhi - xlow + dx
    npts = min(int(xrange / dx + 0.5) + 1, MAX_STEPS - 1)
    dx = xrange / (npts - 1.0)
    dxi = 1.0 / dx
    nws = ncs = 0
    dist = np.empty(npts)
    asz = np.zeros(npts)
    asy = np.zeros(npts)
    dsz = np.zeros(npts)
    csz = np.zeros(npts)
    csy = np.zeros(npts)
    dist[0] = xlow + xbadj
    if lwak:
        asz[0], asy[0] = szi, syi
    if lcav:
        csz[0], csy[0] = szcav0, sycav0
    x = xlow
    zk = yk = zkc = ykc = 0.0
    for n in range(1, npts):
        xold = x
        x = x + dx
        dist[n] = dist[n - 1] + dx
        if lrevcav and xold >= el:  # a plume that met the wake over the roof: the cavity's width from its σ_y
            _, sycav0r = cavity_initial_sigmas(b, asy[n - 1])
            if sycav0r > sycav0:
                sycav0 = sycav0r
                tables[6, 0] = sycav0
                for ir in range(n):
                    csy[ir] = max(csy[ir], sycav0)
            lrevcav = False
        if lwak and xi >= x:
            asz[n], asy[n], dsz[n] = asz[n - 1], asy[n - 1], dsz[n - 1]
            nws = n + 1  # counts steps (the program's 1-based index)
        if lcav and xbc >= x:
            csz[n], csy[n] = szcav0, sycav0
            ncs = n + 1
        if xold > xamx:  # ambient growth with the virtual σ's
            if lwak and xi < x:
                vsigz = max(vsigz, szi)
                vsigy = max(vsigy, syi)
                zd = _height(follow, dist[n], z, xtr, ztr)
                asz[n] = math.hypot(sigma_z_ambient(dist[n], zd, hour, amb), vsigz)
                asy[n] = math.hypot(sigma_y_ambient(dist[n], zd, hour, amb), vsigy)
                dsz[n] = (asz[n] - asz[n - 1]) * dxi
            if lcav and xbc < x:
                vsigzc = max(vsigzc, szcav0)
                vsigyc = max(vsigyc, sycav0)
                csz[n] = math.hypot(sigma_z_ambient(dist[n], 0.0, hour, amb), vsigzc)
                csy[n] = math.hypot(sigma_y_ambient(dist[n], 0.0, hour, amb), vsigyc)
            continue
        if x < xamn:  # both in the wake regime
            tiz, tiy = wake_intensity(0.5 * (x + xold), b, amb)
            if lwak and xi <= x:
                zk, yk, asz[n], asy[n], dsz[n] = _wake_sigma(x, xd, xold, tiz, tiy, asz[n - 1], asy[n - 1], b,
                                                             zk, yk)
            if lcav and xbc <= x:
                zkc, ykc, csz[n], csy[n], _ = _wake_sigma(x, xdc, xold, tiz, tiy, csz[n - 1], csy[n - 1], b,
                                                          zkc, ykc)
                csz[n] = max(csz[n], szcav0)
            continue
        # σ_z
        if xold >= xaz:
            if lwak and xi <= x:
                vsigz = max(vsigz, szi)
                zd = _height(follow, dist[n], z, xtr, ztr)
                asz[n] = math.hypot(sigma_z_ambient(dist[n], zd, hour, amb), vsigz)
                dsz[n] = (asz[n] - asz[n - 1]) * dxi
            if lcav and xbc <= x:
                vsigzc = max(vsigzc, szcav0)
                csz[n] = math.hypot(sigma_z_ambient(dist[n], 0.0, hour, amb), vsigzc)
        elif x >= xaz:  # the step crosses x_az: grow in the wake to x_az, then match the ambient curve there
            tiz, tiy = wake_intensity(0.5 * (xaz + xold), b, amb)
            if lwak and xi <= xaz:
                zk, _, sigzxa, _, _ = _wake_sigma(xaz, xd, xold, tiz, tiy, asz[n - 1], asy[n - 1], b, zk, yk)
                sz = sigma_z_ambient(xaz + xbadj, zxaz, hour, amb)
                vsigz = math.sqrt(sigzxa * sigzxa - sz * sz) if sigzxa > sz else 0.0
                zd = _height(follow, dist[n], z, xtr, ztr)
                asz[n] = math.hypot(sigma_z_ambient(dist[n], zd, hour, amb), vsigz)
                dsz[n] = (asz[n] - asz[n - 1]) * dxi
            if lcav and xbc <= xaz:
                zkc, _, sigzxa, _, _ = _wake_sigma(xaz, xdc, xold, tiz, tiy, csz[n - 1], csy[n - 1], b, zkc, ykc)
                sz = sigma_z_ambient(xaz + xbadj, 0.0, hour, amb)
                vsigzc = math.sqrt(sigzxa * sigzxa - sz * sz) if sigzxa > sz else 0.0
                vsigzc = max(vsigzc, szcav0)
                csz[n] = math.hypot(sigma_z_ambient(dist[n], 0.0, hour, amb), vsigzc)
        else:
            tiz, tiy = wake_intensity(0.5 * (x + xold), b, amb)
            if lwak and xi <= x:
                zk, _, asz[n], _, dsz[n] = _wake_sigma(x, xd, xold, tiz, tiy, asz[n - 1], asy[n - 1], b, zk, yk)
            if lcav and xbc <= x:
                zkc, _, csz[n], _, _ = _wake_sigma(x, xdc, xold, tiz, tiy, csz[n - 1], csy[n - 1], b, zkc, ykc)
                csz[n] = max(csz[n], szcav0)
        # σ_y
        if xold >= xay:
            if lwak and xi <= x:
                zd = _height(follow, dist[n], z, xtr, ztr)
                vsigy = max(vsigy, syi)
                asy[n] = math.hypot(sigma_y_ambient(dist[n], zd, hour, amb), vsigy)
            if lcav and xbc <= x:
                vsigyc = max(vsigyc, sycav0)
                csy[n] = math.hypot(sigma_y_ambient(dist[n], 0.0, hour, amb), vsigyc)
        elif x >= xay:
            tiz, tiy = wake_intensity(0.5 * (xay + xold), b, amb)
            if lwak and xi <= xay:
                _, yk, _, sigyxa, _ = _wake_sigma(xay, xd, xold, tiz, tiy, asz[n - 1], asy[n - 1], b, zk, yk)
                sy = sigma_y_ambient(xay + xbadj, zxay, hour, amb)
                vsigy = math.sqrt(sigyxa * sigyxa - sy * sy) if sigyxa > sy else 0.0
                zd = _height(follow, dist[n], z, xtr, ztr)
                asy[n] = math.hypot(sigma_y_ambient(dist[n], zd, hour, amb), vsigy)
            if lcav and xbc <= xay:
                _, ykc, _, sigyxa, _ = _wake_sigma(xay, xdc, xold, tiz, tiy, csz[n - 1], csy[n - 1], b, zkc, ykc)
                sy = sigma_y_ambient(xay + xbadj, 0.0, hour, amb)
                vsigyc = math.sqrt(sigyxa * sigyxa - sy * sy) if sigyxa > sy else 0.0
                csy[n] = math.hypot(sigma_y_ambient(dist[n], 0.0, hour, amb), vsigyc)
        else:
            tiz, tiy = wake_intensity(0.5 * (x + xold), b, amb)
            if lwak and xi <= x:
                _, yk, _, asy[n], _ = _wake_sigma(x, xd, xold, tiz, tiy, asz[n - 1], asy[n - 1], b, zk, yk)
            if lcav and xbc <= x:
                _, ykc, _, csy[n], _ = _wake_sigma(x, xdc, xold, tiz, tiy, csz[n - 1], csy[n - 1], b, zkc, ykc)
    if lwak:
        dr = np.sqrt(np.pi / 2.0) * dsz
        n_wake = _keep(tables, 0, dist, npts, nws, xi + xbadj)
        _keep(tables, 1, asz, npts, nws, szi)
        _keep(tables, 2, asy, npts, nws, syi)
        _keep(tables, 3, dr, npts, nws, 0.0)
    if lcav:
        n_cavity = _keep(tables, 4, dist, npts, ncs, xbc + xbadj)
        _keep(tables, 5, csz, npts, ncs, szcav0)
        _keep(tables, 6, csy, npts, ncs, sycav0)
    virtual[0], virtual[1], virtual[2], virtual[3] = vsigz, vsigy, vsigzc, vsigyc
    return n_wake, n_cavity


@njit(**KERNEL_OPTIONS)
def wake_table_sigmas(w, hour, x, hstk, rise, bid):
    """(σ_z, σ_y) of the plume and (σ_zc, σ_yc) of the cavity source at x from the stack: from the tables where they
    reach, the ambient curves at hstk + rise before (with buoyancy-induced σ (rise/3.5) when ``bid``) and with the
    virtual σ's after (as coded, wake_xsig)."""
    t, amb, nw, nc, v = w.tables, w.ambient, w.n_wake, w.n_cavity, w.virtual
    if x <= 0.0:
        sz = sy = 0.0
    elif nw <= 1 or x < t[0, 0]:
        sz = sigma_z_ambient(x, hstk + rise, hour, amb)
        sy = sigma_y_ambient(x, hstk + rise, hour, amb)
        if bid:
            bidsq = (rise / 3.5) ** 2
            sz = math.sqrt(sz * sz + bidsq)
            sy = math.sqrt(sy * sy + bidsq)
    elif x > t[0, nw - 1]:
        sz = math.hypot(sigma_z_ambient(x, hstk + rise, hour, amb), v[0])
        sy = math.hypot(sigma_y_ambient(x, hstk + rise, hour, amb), v[1])
    else:
        sz = _table_at(x, t[0], t[1], nw)
        sy = _table_at(x, t[0], t[2], nw)
    if nc <= 1 or x < t[4, 0]:
        szc, syc = t[5, 0], t[6, 0]
    elif x > t[4, nc - 1]:
        szc = math.hypot(sigma_z_ambient(x, 0.0, hour, amb), v[2])
        syc = math.hypot(sigma_y_ambient(x, 0.0, hour, amb), v[3])
    else:
        szc = _table_at(x, t[4], t[5], nc)
        syc = _table_at(x, t[4], t[6], nc)
    return sz, sy, szc, syc


@njit(**KERNEL_OPTIONS)
def _fraction_between(centre, sigma, h1, h2):
    """Fraction of a Gaussian (centre, σ) between h1 and h2, ½|erf((h1 − c)/√2σ) − erf((h2 − c)/√2σ)|."""
    s = math.sqrt(2.0) * max(sigma, _TINY_SIGMA)
    return 0.5 * abs(math.erf((h1 - centre) / s) - math.erf((h2 - centre) / s))


@njit(**KERNEL_OPTIONS)
def captured_fraction(w, hour, xbi, xtr, ztr):
    """Fraction f of the plume the near wake captures (PRIME Eq. 34 and the text after it): the largest product of
    the fractions of the plume within the cavity's height (at most the fraction below H at the cavity's end) and
    half-width over the cavity's length from where the plume meets the wake, sampled in ≥ 5 steps of ≤ 10 m; at most
    the linear fall to 0 between L + 0.85 L_R and L + L_R when the plume meets the wake there (as coded, wake_fqc)."""
    b = w.building
    el, lr, h = b.length, b.cavity_length, b.height
    xbstart = max(xbi, el)
    xbend = el + lr
    xrange = 0.99 * (xbend - xbstart)
    yba = abs(b.ybadj)
    xend = xbend + b.xbadj
    nstep = max(5, int(1.0 + xrange / 10.0))
    xstep = xrange / nstep
    zplm = trajectory_height(xend, xtr, ztr)
    sz, _, _, _ = wake_table_sigmas(w, hour, xend, h, 0.0, False)
    fractz0 = _fraction_between(zplm, sz, h, -h)
    fq = 0.0
    for i in range(nstep + 1):
        xb = xbstart + i * xstep
        x = xb + b.xbadj
        zplm = trajectory_height(x, xtr, ztr)
        zcav, ycav = cavity_dimensions(b, xb)
        sz, sy, _, _ = wake_table_sigmas(w, hour, x, zplm, 0.0, False)
        fz = min(_fraction_between(zplm, sz, zcav, -zcav), fractz0)
        fract = fz * _fraction_between(yba, sy, ycav, -ycav)
        if fract > fq:
            fq = fract
    xb85 = el + 0.85 * lr
    if xbstart > xb85:
        fq = min(fq, max(0.0, 1.0 - (xbstart - xb85) / (xbend - xb85)))
    return fq


@njit(**KERNEL_OPTIONS)
def ambient_at(hour, density, z):
    """(u, ρ_a, T_a, du/dz, dθ/dz) at height z for the plume-rise integration: the profiles and the air ``density``
    on their heights (:func:`dispersion.aermod.air_density_profile`) linear between levels, u ≥ 0.2828 m/s, du/dz
    the level's slope, T_a = θ − (g/c_p) z (as coded, zmet)."""
    k = locate(hour.heights, z)  # profile_at's interpolation, inlined to locate the level once
    z0, z1 = hour.heights[k], hour.heights[k + 1]
    dz = z - z0
    r, sl = hour.rows, hour.slopes
    u = r[k, 0] + sl[k, 0] * dz
    tg = r[k, 3] + sl[k, 3] * dz
    theta = r[k, 4] + sl[k, 4] * dz
    rho = density[k] + (density[k + 1] - density[k]) * dz / (z1 - z0)
    return max(u, MINIMUM_WIND_SPEED), rho, theta - G_OVER_CP * z, sl[k, 0], tg


@njit(**KERNEL_OPTIONS)
def _wind_here(b, hour, density, xb, yb, zb, ipos):
    """Ambient values at zb and the wind speed and shear inside the wake (PRIME Eq. 24)."""
    ua0, ra, ta, dudz0, dpdz = ambient_at(hour, density, zb)
    ufac, dufac = 1.0, 0.0
    if ipos < 4:
        ufac, dufac = wake_speed(b, xb, yb, zb)
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
    ipos = position(b, xb, yb, zb)
    ua, ra, ta, dudz, dpdz = _wind_here(b, hour, density, xb, yb, zb, ipos)
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
        dzstrm = 0.0
        ipos = position(b, xb, yb, zb)
        if ipos > 2 and x <= r15src:
            dzstrm = streamline_slope(b, xb, yb, zb) * (u / usc) * ds
        k1 = _rates(r, usc, u, wv, phi, den, tp, ua, dudz, ra, dpdz, ta, drdxa)
        for i in range(6):
            ft[i] = f[i] + k1[i] * ds
        # unlump the predictor
        u = ua + ft[1] / ft[0]
        wv = ft[2] / ft[0]
        usc = math.sqrt(u * u + wv * wv)
        tp = max(ta + ft[3] / ft[0], ta - 10.0)
        den = ra * ta / tp
        r = math.sqrt(ft[0] / (usc * den))
        phi = math.atan(wv / u)
        z, x = ft[4], ft[5]
        zb = max(z + zcumul + dzstrm, LOWEST)
        ipos = position(b, xb, yb, zb)  # at the step's start x (as coded)
        ua, ra, ta, dudz, dpdz = _wind_here(b, hour, density, xb, yb, zb, ipos)
        k2 = _rates(r, usc, u, wv, phi, den, tp, ua, dudz, ra, dpdz, ta, drdxa)
        for i in range(6):
            f[i] = ft[i] + 0.5 * (k2[i] - k1[i]) * ds
        u = ua + f[1] / f[0]
        wv = f[2] / f[0]
        usc = math.sqrt(u * u + wv * wv)
        tp = max(ta + f[3] / f[0], ta - 10.0)
        den = ra * ta / tp
        r = math.sqrt(f[0] / (usc * den))
        phi = math.atan(wv / u)
        z, x = f[4], f[5]
        zcumul += dzstrm
        zc = max(z + zcumul, LOWEST)
        xb, yb, zb = x - xbadj, y - ybadj, zc
        ipos = position(b, xb, yb, zb)
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
                    bidsq = (max(0.0, z - max(h, LOWEST)) / 3.5) ** 2
                    if x <= 0.0:
                        szi = syi = math.sqrt(bidsq)
                    else:
                        szi = math.sqrt(sigma_z_ambient(x, z, hour, w.ambient) ** 2 + bidsq)
                        syi = math.sqrt(sigma_y_ambient(x, z, hour, w.ambient) ** 2 + bidsq)
                    n_wake, _ = wake_sigmas(b, w.ambient, hour, xbi, szi, syi, z, xtr, ztr, False, w.tables,
                                            w.virtual)
                drdxa = _wake_growth(x, w.tables, n_wake)
            s += ds
            nn = nnp
            if nn > MAX_STEPS:
                nn = MAX_STEPS
                finished = True
            else:
                xt[nn], zt[nn] = x, zc
                finished = x >= xmax
        if not finished:
            ua, ra, ta, dudz, dpdz = _wind_here(b, hour, density, xb, yb, zb, ipos)
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
                xw = xt[i]
                zw = zt[i] - zcumul
                xbi = xw - xbadj
                bidsq = (max(0.0, zw - max(h, LOWEST)) / 3.5) ** 2
                szi = math.sqrt(sigma_z_ambient(xw, zw, hour, w.ambient) ** 2 + bidsq)
                syi = math.sqrt(sigma_y_ambient(xw, zw, hour, w.ambient) ** 2 + bidsq)
                n_wake, _ = wake_sigmas(b, w.ambient, hour, xbi, szi, syi, zw, xtr, ztr, False, w.tables,
                                        w.virtual)
        nn += n15r
        xfin, zfin = xt[nn], zt[nn]
    _thin_path(xt, zt, nn, xfin, zfin, xtr, ztr)
    return caught, n_wake, xbi, szi, syi


@njit(**KERNEL_OPTIONS)
def _wake_growth(x, tables, n_wake):
    """dr/dx of the wake's growth at x from the stack (PRIME Eq. 23), 0 outside the table (as coded, wake_drdx)."""
    if n_wake <= 1 or x > tables[0, n_wake - 1] or x < tables[0, 0]:
        return 0.0
    return _table_at(x, tables[0], tables[3], n_wake)


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
    kb = locate(heights, hb)
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
    """F_z [m⁻¹] of a Gaussian at height he with σ_z at receptor height z: reflected at the ground (stable), or at the
    ground and z_i (convective, ≤ 100 image pairs until the last adds < 1e-6 of the sum; 0 above z_i) (as coded,
    AERMOD VRTSBN and VRTSBL)."""
    a = -0.5 / (sz * sz)
    if stable:
        if z == 0.0:
            return 2.0 * gauss(a * he * he) / (SQRT_2PI * sz)
        het = max(he, he - z)
        return (gauss(a * (z - het) ** 2) + gauss(a * (z + het) ** 2)) / (SQRT_2PI * sz)
    if z == 0.0:
        v = gauss(a * he * he)
        total = 0.0
        for i in range(1, 101):
            two = 2.0 * i * zi
            t = gauss(a * (two - he) ** 2) + gauss(a * (two + he) ** 2)
            total += t
            if abs(t) <= 5e-7 * abs(total):
                break
        return 2.0 * (v + total) / (SQRT_2PI * sz)
    if z > zi:
        return 0.0
    het = max(he, he - z)
    zit = max(zi, zi - z)
    v = gauss(a * (z - het) ** 2) + gauss(a * (z + het) ** 2)
    total = 0.0
    for i in range(1, 101):
        two = 2.0 * i * zit
        t = (gauss(a * (z - (two - het)) ** 2) + gauss(a * (z + (two - het)) ** 2)
             + gauss(a * (z - (two + het)) ** 2) + gauss(a * (z + (two + het)) ** 2))
        total += t
        if abs(t) <= 1e-6 * abs(total):
            break
    return (v + total) / (SQRT_2PI * sz)


@njit(**KERNEL_OPTIONS)
def _cavity_sources(w, hour, xr, yr, zr, q, hh, yy, zz, szs, sys):
    """The plume's and the cavity source's parts at a receptor (x_r, y_r from the stack, z_r its flagpole): fills
    for the parts 1..3 (0: the plume, 1: the cavity source beyond the near wake, 2: within it) the mass fractions q,
    heights, cross-wind distances, receptor heights and σ's (index 0 set by the caller) and returns the first and
    last part to add (PRIME Eqs. 33, 35–40: inside the near wake its well-mixed source, weighted 1 → 0 over
    L + 0.85 L_R .. L + 1.15 L_R against the lee-wall source, the cavity source centred on the building but at most
    as far off-centre as the stack; as coded, cav_src)."""
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
        ipos = position(b, xrb, yrb, zr)
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
            ybmax = 0.5 * (b.width - syc0 * _RT2PI)
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
                    _, _, szs[1], sys[1] = wake_table_sigmas(w, hour, xr, 0.0, 0.0, False)
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
                    _, _, szs[1], sys[1] = wake_table_sigmas(w, hour, xr, 0.0, 0.0, False)
                    n2 = 1
                elif xr >= 0.0:
                    _, _, szs[1], sys[1] = wake_table_sigmas(w, hour, xr, 0.0, 0.0, False)
        q[0] = 1.0 - fq
        q[1] = fq * qc2
        q[2] = fq * qc3
    if n1 == 0 and (xr <= 0.0 or fq == 1.0):
        n1 = 1
    return n1, n2


@njit(**KERNEL_OPTIONS)
def prime_value(w, hour, x, y, flagpole, height):
    """PRIME's C/Q [s m⁻³] at a receptor x, y from the stack (downwind, crosswind), ``flagpole`` above its ground and
    ``height`` above the stack base; NaN where PRIME gives AERMOD's own value (the plume does not meet the wake, or
    rises above z_i in a convective hour)."""
    if not w.caught:
        return math.nan
    hs = w.hs
    xtr, ztr = w.trajectory[0], w.trajectory[1]
    rise = (trajectory_height(x, xtr, ztr) if x < xtr[TRAJECTORY - 1] else ztr[TRAJECTORY - 1]) - hs
    he = max(0.0, hs + rise)
    if not hour.stable and he >= hour.mixing_height:
        return math.nan
    sz, sy, _, _ = wake_table_sigmas(w, hour, x, hs, rise, True)
    q, hh, yy, zz, szs, sys = w.parts[0], w.parts[1], w.parts[2], w.parts[3], w.parts[4], w.parts[5]
    q[0], hh[0], yy[0], zz[0], szs[0], sys[0] = 1.0, he, y, flagpole, sz, sy
    n1, n2 = _cavity_sources(w, hour, x, y, flagpole, q, hh, yy, zz, szs, sys)
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
def blend_weight(w, xb, yb, height):
    """AERMOD's weight γ of PRIME's value at a receptor xb, yb from the upwind face's centre and ``height`` above the
    stack base: 1 within the wake's length max(15 R, x_a) (x_a uncapped), half-width and height (PRIME Eqs. 11–12),
    a Gaussian fall with those as σ's beyond, 0 upwind (as coded, GAMCALC)."""
    if xb <= 0.0:
        return 0.0
    b = w.building
    hwake, wwake = wake_dimensions(xb, b.height, b.width, b.scale)
    length = w.length
    ax = 0.0 if xb <= length else -((xb - length) ** 2) / (2.0 * length * length)
    ay = 0.0 if abs(yb) <= wwake else -((abs(yb) - wwake) ** 2) / (2.0 * wwake * wwake)
    az = 0.0 if height <= hwake else -((height - hwake) ** 2) / (2.0 * hwake * hwake)
    if ax > EXP_LIMIT and ay > EXP_LIMIT and az > EXP_LIMIT:
        return math.exp(ax) * math.exp(ay) * math.exp(az)
    return 0.0


@njit(**KERNEL_OPTIONS)
def downwash(value, w, hour, x, y, flagpole, height):
    """AERMOD's hourly C/Q at a receptor with building downwash: γ C_PRIME + (1 − γ) C_AERMOD, ``value`` the
    AERMOD value without downwash; unchanged where the stack-hour has no wake, γ = 0, or PRIME defers to AERMOD
    (AERMOD PCALC, PRMCALC, GAMCALC)."""
    if not w.active:
        return value
    xb, yb = x - w.building.xbadj, y - w.building.ybadj
    gamma = blend_weight(w, xb, yb, height)
    if gamma <= 0.0:
        return value
    if position(w.building, xb, yb, flagpole) == 4 and x <= 0.0:
        return value
    prime = prime_value(w, hour, x, y, flagpole, height)
    if math.isnan(prime):
        return value
    return gamma * prime + (1.0 - gamma) * value
