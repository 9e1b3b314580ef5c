"""PRIME's building wake: its scales, the cavity and wake boundaries, where a point is, the mean streamlines' slope,
the wind deficit and the turbulence intensity in the wake (scalar Numba functions; :mod:`dispersion._prime_kernels`
puts PRIME together).

Source: Schulman, L.L., Strimaitis, D.G. & Scire, J.S. (2000), *J. Air & Waste Manage. Assoc.* 50:378–390 ("PRIME
Eq. n"): wake scales Eqs. 1–2, cavity Eqs. 3–8, wake boundary Eqs. 11–12, streamline slopes Eqs. 13–16, wind deficit
Eqs. 24–26, turbulence intensity Eqs. 27–30; what the paper leaves open as AERMOD v21112 codes it (prime.f; "as
coded", listed in ``docs/unverified.md``). Distances are along the wind from the upwind face's centre, y across it,
z above the stack base.

Units: lengths [m], speeds [m s⁻¹], intensities and ratios [-].
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from dispersion._math_kernels import KERNEL_OPTIONS

# Wake turbulence and deficit (PRIME Eqs. 26–30 and the text after Eq. 30)
NEUTRAL_INTENSITY_Z = 0.06  # i_zN
NEUTRAL_INTENSITY_Y = 0.08  # i_yN
LEE_WALL_FACTOR = 1.7  # the wake's σ at the lee wall is 1.7 σ_N (Eq. 27)
DEFICIT = 0.7  # ΔU_0/U_0 (Eqs. 26, 30)
DECAY_POWER = 2.0 / 3.0  # the deficit and excess turbulence decay as (ξ/R)^(−2/3) (Eq. 27)
AMBIENT_REACHED = 1.3  # the wake's intensity counts as ambient at 1.3× the ambient one (as coded, afac)
WAKE_GROWTH_CAP = 15.0  # the eddy-diffusivity growth ends at most 15 R behind the building (text after Eq. 32)


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
def position(b, x, y, z, hwake=-1.0, wwake=-1.0):
    """Where (x, y, z) is (from the upwind face's centre): 1 inside the building, 2 in the near-wake cavity, 3 in the
    far wake, 4 outside (as coded, AERMOD prime.f POSITION: the building with a skin of 2e-5 of its size, the
    cavity of Eqs. 3–8 as coded there, the wake of Eqs. 11–12). ``hwake``, ``wwake``: the wake's dimensions at x
    when the caller has them (:func:`wake_dimensions`; negative: computed here when needed)."""
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
    if hwake < 0.0:
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
    else:  # over the roof's second half and the near wake (region D), then beyond it (region E)
        if x <= el + lr:
            zslope = (hr - h) * (r - 2.0 * x) / (el - 0.5 * r + lr) ** 2
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
def wake_at(b, x):
    """What the wake's wind at x from the upwind face depends on besides y and z: the wake's height and half-width
    (:func:`wake_dimensions`), the cavity's height (:func:`cavity_dimensions`) and the deficit's decay
    ((x − L + R)/R)^(−2/3) behind the lee wall (PRIME Eq. 27) — once per distance for :func:`wake_speed`, whose
    plume-rise callers ask at the same x several times."""
    zcav, _ = cavity_dimensions(b, x)
    hwake, wwake = wake_dimensions(x, b.height, b.width, b.scale)
    xml = max(0.0, x - b.length)
    return hwake, wwake, zcav, ((xml + b.scale) / b.scale) ** (-DECAY_POWER)


@njit(**KERNEL_OPTIONS)
def wake_speed(b, x, y, z, here):
    """(U_w/U_a, d(U_w/U_a)/dz) in the wake at (x, y, z) from the upwind face's centre (PRIME Eqs. 24–26: F_c
    in the cavity, linear to 1 at H_W; the deficit ΔU_0/U_0 decays as ((x − L + R)/R)^(−2/3) behind the lee wall,
    grows linearly from 0 over the roof, and falls linearly to 0 over the outer R/3 of the wake's half-width, as
    coded); (1, 0) outside the wake. ``here``: :func:`wake_at` (b, x)."""
    hwake, wwake, zcav, decay = here
    yabs = abs(y)
    if z >= hwake or yabs >= wwake:
        return 1.0, 0.0
    ymin = max(0.5 * b.width, wwake - b.scale / 3.0)
    du = DEFICIT
    ydiff = wwake - ymin
    if yabs > ymin and ydiff > 0.0:
        du = DEFICIT * (1.0 - (yabs - ymin) / ydiff)
    du *= decay
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
