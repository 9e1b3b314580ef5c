"""SLAB time-averaged concentration (Numba): the profile parameters at the stored stations and the concentration at
arbitrary points.

Ermak (1990), UCRL-MA-105607, §2.6 ("time-averaged concentration"): the instantaneous cloud has the profile
    c(x, y, z, t) = cc · [erf(x_a) − erf(x_b)] · [erf(y_a) − erf(y_b)] · [exp(−z_a²) + exp(−z_b²)],
    x_a,b = (x − x_c ± b_x)/(√2 β_x),  y_a,b = (y ± b)/(√2 β_c),  z_a,b = (z ∓ z_c)/(√2 σ)
with the crosswind edge parameter widened by meander for the averaging time t_av,
    β_c² = β² + (r_av² − 1)·σ_0²·r_jt²,  r_av = α(t_m)/α(0),  α(t) = 0.08·((t + τ0 e^(−t/τ0))/900)^0.2,
    t_m = min(t_cloud, t_av),  σ_0 = (2 α_h/σ_b)(sqrt(1 + σ_b (x − x_1)) − 1)
(r_jt < 1 reduces meander for a horizontal jet), and the along-wind factor averaged over t_av: for the steady plume
min(t_sd/t_av, 1); for a puff the exact average of the erf pair over a window u·t_av (as implemented in the SLAB
program, subroutine editcc). The vertical parameter is σ = (H − z_c)/√3 with H the cloud top.
All concentrations are volume fractions, capped at 1 as SLAB does.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from dispersion._dense_gas_kernels import SIDE_GROWTH, stability_factor
from dispersion._dense_gas_state import *  # noqa: F403 (slot names)
from dispersion._dense_gas_thermo import KERNEL_ACCURATE

SQRT2 = math.sqrt(2.0)
SQRT3 = math.sqrt(3.0)
SQRTPI = math.sqrt(math.pi)
MEANDER_TAU0 = 10.0  # τ0 [s]
MEANDER_REFERENCE_TIME = 900.0  # t_av0 [s]

# columns of the time-averaged table ta[i, ...]
(
    A_X, A_CC, A_B, A_BETAC, A_ZC, A_SIG, A_TCC, A_XCC, A_BX, A_BETAX, A_BBX, A_U, A_TIMP, A_TCLD, A_BBC,
    A_FCX, A_ZM, A_CMAX, A_STEADY,
    A_COUNT,
) = range(20)


@njit(**KERNEL_ACCURATE)
def _meander_coefficient(averaging_time):
    """α(t) = 0.08·((t + τ0 e^(−t/τ0))/900)^0.2 [-] (as implemented in the SLAB program)."""
    return 0.08 * ((averaging_time + MEANDER_TAU0 * math.exp(-averaging_time / MEANDER_TAU0))
                   / MEANDER_REFERENCE_TIME) ** 0.2


@njit(**KERNEL_ACCURATE)
def _erf_antiderivative(a):
    """F(a) = a·erf(a) + exp(−a²)/√π, so that ∫ erf = F (even in a)."""
    return a * math.erf(a) + math.exp(-a * a) / SQRTPI


@njit(**KERNEL_ACCURATE)
def along_wind_window(offset, half_window, bx, betax):
    """½·∫ [erf((s + b_x)/(√2β_x)) − erf((s − b_x)/(√2β_x))] ds/(√2β_x) over s ∈ [d − L, d + L] [-]: the puff's
    along-wind profile averaged over the window L = u t_av/2 centred a distance d = offset from the cloud centre.
    At d = 0 this is SLAB's F(e1) − F(e2), e1,2 = (b_x ± L)/(√2 β_x)."""
    k = SQRT2 * betax
    return 0.5 * (_erf_antiderivative((offset + half_window + bx) / k)
                  - _erf_antiderivative((offset - half_window + bx) / k)
                  - _erf_antiderivative((offset + half_window - bx) / k)
                  + _erf_antiderivative((offset - half_window - bx) / k))


@njit(**KERNEL_ACCURATE)
def _jet_meander_reduction(p, rec, i):
    """r_jt: meander reduction of a horizontal jet, from the momentum ratio r_m³ = ρ_a u_a (1 − m_s)/(ρ_s u_s m_s)
    (as implemented in the SLAB program, subroutine editcc)."""
    cm = rec[i, R_CM]
    rm3 = ((p[P_RHOA] * rec[i, R_UA] * (1.0 - cm)) / (p[P_RHOS] * p[P_US] * cm)) ** (1.0 / 3.0)
    if rm3 < 0.1:
        return 0.0
    rlg = math.log((1.0 - rm3 + rm3 * rm3) / ((1.0 + rm3) * (1.0 + rm3)))
    rit = math.atan((2.0 * rm3 - 1.0) / SQRT3) + math.atan(1.0 / SQRT3)
    return 1.0 - (2.0 / (3.0 * rm3 * rm3)) * (0.5 * rlg + SQRT3 * rit)


@njit(**KERNEL_ACCURATE)
def _height_of_maximum(zc, sig):
    """Height z_m [m] of the maximum of exp(−(z − z_c)²/2σ²) + exp(−(z + z_c)²/2σ²): 0 unless z_c > σ, else the
    root of z = z_c·tanh(z z_c/σ²) by five Newton steps from z_c."""
    if zc <= sig:
        return 0.0
    zm = zc
    for _ in range(5):
        ezi = math.exp(-2.0 * zc * zm / (sig * sig))
        gzi = zc * (1.0 - ezi) / (1.0 + ezi)
        gzip = (4.0 * zc * zc / (sig * sig)) * ezi / ((1.0 + ezi) * (1.0 + ezi))
        zm = (gzi - zm * gzip) / (1.0 - gzip)
    return zm


@njit(**KERNEL_ACCURATE)
def vertical_factor(z, zc, sig):
    """exp(−(z − z_c)²/2σ²) + exp(−(z + z_c)²/2σ²) [-]; for σ = 0: 2 at z = 0 else 0."""
    if sig == 0.0:
        return 2.0 if z == 0.0 else 0.0
    return math.exp(-0.5 * (z - zc) * (z - zc) / (sig * sig)) + math.exp(-0.5 * (z + zc) * (z + zc) / (sig * sig))


@njit(**KERNEL_ACCURATE)
def crosswind_factor(y, b, betac):
    """erf((y + b)/(√2 β_c)) − erf((y − b)/(√2 β_c)) [-]."""
    return math.erf((y + b) / (SQRT2 * betac)) - math.erf((y - b) / (SQRT2 * betac))


@njit(**KERNEL_ACCURATE)
def time_averaged_table(p, rec, nxtr, tav, ta):
    """Fill ta[61, A_COUNT] with the time-averaged profile parameters at the stations (SLAB's 'editcc'):
    cloud duration, β_c, effective half-width b_bc = sqrt(b² + 3β_c²), σ, the along-wind factor at the time of the
    maximum (A_FCX), cc, the height of the maximum z_m and the centreline maximum concentration (A_CMAX)."""
    n = N_STATIONS
    tsd = p[P_TSD]
    if tav == 0.0:
        tav = 1.0
    u_first = rec[0, R_U] if rec[0, R_U] != 0.0 else 0.001
    tcld = np.empty(n)
    tcld[n - 1] = max(2.0 * rec[n - 1, R_BBX] / rec[n - 1, R_U], tsd)
    for i in range(n - 2, 0, -1):
        tcld[i] = max(tsd, min(tcld[i + 1], 2.0 * rec[i, R_BBX] / rec[i, R_U]))
    tcld[0] = tcld[1]
    asig = 2.0 * p[P_AFA] * stability_factor(p) / SIDE_GROWTH
    afa = p[P_AFA]
    for i in range(n):
        u = rec[i, R_U] if i > 0 else u_first
        rav = _meander_coefficient(min(tcld[i], tav)) / afa
        sig0 = asig * (math.sqrt(1.0 + SIDE_GROWTH * (rec[i, R_X] - rec[0, R_X])) - 1.0)
        rjt = _jet_meander_reduction(p, rec, i) if p[P_IDSPL] == 2.0 else 1.0
        betac = math.sqrt(rec[i, R_BETA] ** 2 + (rav * rav - 1.0) * sig0 * sig0 * rjt * rjt)
        b = rec[i, R_B]
        bbc = math.sqrt(b * b + 3.0 * betac * betac)
        h, zc = rec[i, R_H], rec[i, R_ZC]
        top = zc + 0.5 * h if zc > 0.5 * h else h
        sig = (top - zc) / SQRT3
        hdsig = SQRT3 if sig == 0.0 else h / sig
        bx, betax, bbx = rec[i, R_BX], rec[i, R_BETAX], rec[i, R_BBX]
        steady = i + 1 < nxtr
        if steady:
            fcx = 0.5 / (SQRT2 * SQRTPI) * rec[i, R_BB] * hdsig * min(tsd / tav, 1.0) * rec[i, R_CV] / b
        else:
            window = along_wind_window(0.0, 0.5 * u * tav, bx, betax)
            fcx = (0.5 / SQRTPI) * betax * bbx * rec[i, R_BB] * hdsig * window * rec[i, R_CV] / (bx * u * tav * b)
        denominator = 4.0 * SQRT2 * SQRTPI * bx * b * sig
        ta[i, A_CC] = bbx * bbc * h * rec[i, R_CV] / denominator if denominator != 0.0 else 0.0
        zm = _height_of_maximum(zc, sig)
        ta[i, A_X] = rec[i, R_X]
        ta[i, A_B] = b
        ta[i, A_BETAC] = betac
        ta[i, A_ZC] = zc
        ta[i, A_SIG] = sig
        ta[i, A_TCC] = rec[i, R_TCC]
        ta[i, A_XCC] = rec[i, R_XCC]
        ta[i, A_BX] = bx
        ta[i, A_BETAX] = betax
        ta[i, A_BBX] = bbx
        ta[i, A_U] = u
        ta[i, A_TIMP] = rec[i, R_TIM]
        ta[i, A_TCLD] = tcld[i]
        ta[i, A_BBC] = bbc
        ta[i, A_FCX] = fcx
        ta[i, A_ZM] = zm
        ta[i, A_CMAX] = min(fcx * crosswind_factor(0.0, b, betac) * vertical_factor(zm, zc, sig), 1.0)
        ta[i, A_STEADY] = 1.0 if steady else 0.0


@njit(**KERNEL_ACCURATE)
def _interpolate(ta, i, w, col):
    return ta[i, col] + w * (ta[i + 1, col] - ta[i, col])


@njit(**KERNEL_ACCURATE)
def _snapshot_at_time(ta, time):
    """Cloud centre x_c(t), half-length b_x(t) and edge β_x(t) at time t [s], interpolated linearly in the
    stations' times (SLAB's 't, xc(t), bx(t), betax(t)' columns); after the last station the centre moves on at
    the last cloud speed."""
    n = ta.shape[0]
    if time <= ta[0, A_TCC]:
        return ta[0, A_XCC], ta[0, A_BX], ta[0, A_BETAX]
    if time >= ta[n - 1, A_TCC]:
        return (ta[n - 1, A_XCC] + ta[n - 1, A_U] * (time - ta[n - 1, A_TCC]), ta[n - 1, A_BX],
                ta[n - 1, A_BETAX])
    i = 0
    while ta[i + 1, A_TCC] < time:
        i += 1
    span = ta[i + 1, A_TCC] - ta[i, A_TCC]
    w = (time - ta[i, A_TCC]) / span if span > 0.0 else 1.0
    return _interpolate(ta, i, w, A_XCC), _interpolate(ta, i, w, A_BX), _interpolate(ta, i, w, A_BETAX)


@njit(**KERNEL_ACCURATE)
def _along_wind_share(x, time, half_window, ta):
    """½∫ [erf((s + b_x)/(√2β_x)) − erf((s − b_x)/(√2β_x))] ds [m] over the averaging window around x for the
    cloud snapshot at time t (see :func:`along_wind_window`); 0 while the snapshot has no length."""
    xc, bx, betax = _snapshot_at_time(ta, time)
    if bx <= 0.0:
        return 0.0
    betax = max(betax, 1e-9 * bx)
    return along_wind_window(x - xc, half_window, bx, betax) * SQRT2 * betax  # ½∫ erf pair ds [m]


@njit(**KERNEL_ACCURATE)
def concentration_points(ta, tav, x, y, z, t, use_time, out):
    """Time-averaged volume fraction at points (x, y, z) [m] and times t [s] (flat arrays of equal length).

    Between stations the profile parameters are interpolated linearly in x, the along-wind factor at the time of
    the maximum (SLAB's value) log-linearly (it spans decades). Without use_time that maximum over time is
    returned. With use_time it is scaled by W(t)/W(t_max) ≤ 1, W the along-wind erf pair of the cloud snapshot at
    time t (x_c(t), b_x(t), β_x(t)) averaged over a window u·t_av: 0 before the cloud arrives, a plateau while a
    plume covers the point, the passage of the puff after the release ends. Points upwind of the first station
    get 0.
    """
    n = ta.shape[0]
    for k in range(x.size):
        xk = x[k]
        if xk < ta[0, A_X]:
            out[k] = 0.0
            continue
        i = 0
        while i < n - 2 and ta[i + 1, A_X] < xk:
            i += 1
        span = ta[i + 1, A_X] - ta[i, A_X]
        w = (xk - ta[i, A_X]) / span if span > 0.0 else 0.0
        if w > 1.0:
            w = 1.0
        f0, f1 = ta[i, A_FCX], ta[i + 1, A_FCX]
        if f0 > 0.0 and f1 > 0.0:
            fcx = math.exp(math.log(f0) + w * (math.log(f1) - math.log(f0)))
        else:
            fcx = f0 + w * (f1 - f0)
        b = _interpolate(ta, i, w, A_B)
        betac = _interpolate(ta, i, w, A_BETAC)
        zc = _interpolate(ta, i, w, A_ZC)
        sig = _interpolate(ta, i, w, A_SIG)
        shape = 1.0
        if use_time:
            half = 0.5 * _interpolate(ta, i, w, A_U) * tav
            at_max = _along_wind_share(xk, _interpolate(ta, i, w, A_TIMP), half, ta)
            now = _along_wind_share(xk, t[k], half, ta)
            shape = min(now / at_max, 1.0) if at_max > 0.0 else 0.0
        value = fcx * shape * crosswind_factor(y[k], b, betac) * vertical_factor(z[k], zc, sig)
        out[k] = min(max(value, 0.0), 1.0)
