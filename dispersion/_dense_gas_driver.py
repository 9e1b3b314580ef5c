"""SLAB integration driver (Numba): atmosphere and source set-up, the steady-plume and puff integrators with SLAB's
step control, the plume-to-puff transition and the 61 stored stations.

Ermak (1990), UCRL-MA-105607: §2.1 (the two modes: steady plume for a continuous release, integrated in x; transient
puff for instantaneous and finished finite-duration releases, integrated in t), §2.2 (source types), §2.5 (the
ambient atmosphere). The integration scheme (three sub-steps per stored station times ncalc, four stages per step
with stage increments Δ/2, Δ/2, Δ and the Runge–Kutta average Δ(f1 + 2f2 + 2f3 + f4)/6 for the last one;
geometric step growth) is as implemented in the SLAB program (main program).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from dispersion._dense_gas_kernels import (
    SQRT3, ambient_wind, entrainment_and_fluxes, normalised_wind, plume_apply_increments, plume_slope,
    plume_speed_and_shape, puff_apply_increments, puff_slope, puff_speed_and_shape, wind_profile,
)
from dispersion._dense_gas_source import (
    SOURCE_POOL_SETUP_STATIONS, horizontal_jet_setup, instantaneous_setup, jet_initial_state,
    pool_initial_state, pool_resize, vertical_jet_setup,
)
from dispersion._dense_gas_state import *  # noqa: F403 (slot names)
from dispersion._dense_gas_thermo import (
    GAS_CONSTANT, GRAVITY, KERNEL_ACCURATE, VON_KARMAN, WATER_SATURATION_A, WATER_SATURATION_B,
    humid_air_properties, mixture_thermodynamics,
)

@njit(**KERNEL_ACCURATE)
def stability_to_inverse_length(z0, stab):
    """1/L [1/m] for a Pasquill–Gifford class number stab (1–6, fractions allowed) and roughness z0 [m] (the
    Golder-type curves fitted as power laws, as implemented in the SLAB program, main program)."""
    al1, al2, al3, en2, eni, dln, alm = _stability_curve(z0)
    stb = stab - 4.0
    astb = abs(stb)
    if astb < 2.0:
        aal = al1 * astb ** en2
    elif astb < 3.5:
        aal = al1 * astb ** (eni + dln / (1.0 + (astb - 2.0) * (astb - 2.0)))
    else:
        aal = alm
    return aal if stb >= 0.0 else -aal


@njit(**KERNEL_ACCURATE)
def inverse_length_to_stability(z0, ala):
    """Inverse of :func:`stability_to_inverse_length`: the class number (1–6) for 1/L [1/m] and z0 [m]."""
    al1, al2, al3, en2, eni, dln, alm = _stability_curve(z0)
    aal = abs(ala)
    if aal < al2:
        astb = (aal / al1) ** (1.0 / en2)
    elif aal < alm:
        ral = (aal - al2) / (al3 - al2)
        astb = (aal / al1) ** (1.0 / (eni + dln / (1.0 + ral * ral)))
    else:
        astb = 3.5
    return 4.0 + (astb if ala >= 0.0 else -astb)


@njit(**KERNEL_ACCURATE)
def _stability_curve(z0):
    """|1/L| at one, two and three classes from neutral as power laws of z0, and the exponents joining them."""
    al1 = 0.0081 / z0 ** 0.3044
    if z0 > 0.0111:
        al2 = 0.0385 / z0 ** 0.1715
        al3 = 0.0875 / z0 ** 0.1028
    else:
        al2 = al1 + 0.0137 / z0 ** 0.1715 + 0.0218
        al3 = al2 + 0.0557
    en2 = math.log(al2 / al1) / math.log(2.0)
    en3 = math.log(al3 / al1) / math.log(3.0)
    eni = en3 + en3 - en2
    dln = en2 - eni
    alm = al1 * 3.5 ** (eni + dln / 3.25)
    return al1, al2, al3, en2, eni, dln, alm


@njit(**KERNEL_ACCURATE)
def setup_atmosphere(inp, p):
    """Ambient parameters into p: 1/L and class, mixing height h_mx = 130·2^(3 − (stab − 4)) [m], the wind-profile
    constants, u* = k u_a/u(z_a), the humid-air properties and the side-entrainment coefficient
    α_h = 0.08·((τ0 exp(0)… )/900)^0.2 (Ermak 1990 §2.5; constants as implemented in the SLAB program)."""
    z0 = inp[I_Z0]
    if inp[I_STAB] == 0.0:
        ala = inp[I_ALA]
        stab = inverse_length_to_stability(z0, ala)
    else:
        stab = inp[I_STAB]
        ala = stability_to_inverse_length(z0, stab)
    stb = stab - 4.0
    p[P_STB] = stb
    p[P_ALA] = ala
    ta = inp[I_TA]
    cmwa, cmdaa, cpaa, wmae = humid_air_properties(ta, inp[I_RH])
    p[P_UA_INPUT] = inp[I_UA]
    p[P_TA], p[P_CMWA], p[P_CMDAA], p[P_CPAA], p[P_WMAE] = ta, cmwa, cmdaa, cpaa, wmae
    p[P_RHOA] = wmae * inp[I_PA] / (GAS_CONSTANT * ta)
    tau0, tav0 = 10.0, 900.0
    p[P_AFA] = 0.08 * ((tau0 * math.exp(0.0)) / tav0) ** 0.2
    zl = math.exp(-0.8 * stb) if stb < 0.0 else 1.0 + 0.8 * stb
    z_ref = max(inp[I_ZA], 3.0)
    ala0 = ala * (1.0 + z_ref / zl)
    hmx = 130.0 * 2.0 ** (3.0 - stb)
    p[P_ZL], p[P_ALA0], p[P_HMX], p[P_Z0] = zl, ala0, hmx, z0
    if stb < 0.0:
        phimi = 1.0 / math.sqrt(math.sqrt(1.0 - 16.0 * zl * ala0))
        p[P_PHIMI] = phimi
        p[P_PHGAM] = -8.0 * ala0 / (1.0 - phimi)
    # parabola below z_t = e·z0 matching value and slope of the similarity profile
    zt = 2.71828183 * z0
    uf = wind_profile(zt, z0, ala0, zl, hmx, zt, 1.0 / zt, 0.0)
    if ala0 < 0.0:
        phmi = 1.0 / math.sqrt(math.sqrt(1.0 - 16.0 * zl * ala0))
        gu = -8.0 * ala0 / (1.0 - phmi)
        phm = phmi + (1.0 - phmi) / math.sqrt(1.0 + gu * zt)
    else:
        phm = 1.0 + 5.0 * ala0 * zt / (1.0 + zt / zl)
    ufp = phm * (1.0 - zt / hmx) / zt
    p[P_ZT] = zt
    p[P_CU1] = (2.0 * uf - zt * ufp) / zt
    p[P_CU2] = (zt * ufp - uf) / (zt * zt)
    p[P_USTAR] = 1.0  # normalised_wind does not need u*
    ustar = VON_KARMAN * inp[I_UA] / normalised_wind(p, inp[I_ZA])
    p[P_USTAR] = ustar
    u2 = ambient_wind(p, 2.0)
    p[P_TFFM] = inp[I_XFFM] / u2
    p[P_CF0] = ustar / u2
    p[P_RCF] = math.sqrt(p[P_CF0] / 0.086)
    p[P_URF] = normalised_wind(p, 4.0)
    return stab


@njit(**KERNEL_ACCURATE)
def _store(p, s, rec, i):
    """Copy the cloud state into stored station i (SLAB's 'store')."""
    rec[i, R_X] = s[S_X]
    rec[i, R_BB] = s[S_BB]
    rec[i, R_B] = s[S_B]
    rec[i, R_VG] = s[S_VG]
    rec[i, R_CM] = s[S_CM]
    rec[i, R_CMDA] = (1.0 - s[S_CM]) * p[P_CMDAA]
    rec[i, R_T] = s[S_T]
    rec[i, R_RHO] = s[S_RHO]
    rec[i, R_U] = s[S_U]
    rec[i, R_H] = s[S_H]
    rec[i, R_CV] = s[S_CV]
    rec[i, R_BETA] = s[S_BETA]
    rec[i, R_W] = s[S_W]
    rec[i, R_V] = s[S_V]
    rec[i, R_CMW] = s[S_CMW]
    rec[i, R_CMWV] = s[S_CMWV]
    rec[i, R_CMEV] = s[S_CMEV]
    rec[i, R_UA] = s[S_UAB]
    rec[i, R_WC] = s[S_WC]
    rec[i, R_ZC] = s[S_ZC]
    rec[i, R_QINT] = s[S_QINT]
    rec[i, R_TIM] = s[S_TIM]
    rec[i, R_BBX] = s[S_BBX]
    rec[i, R_BX] = s[S_BX]
    rec[i, R_BETAX] = s[S_BETAX]
    rec[i, R_UG] = s[S_UG]
    rec[i, R_VX] = s[S_VX]


@njit(**KERNEL_ACCURATE)
def _advance_step_start(s):
    """The stage state becomes the start of the next step (the Fortran's '…0 = …' block)."""
    s[S_HTP_OLD] = s[S_HTP]
    s[S_R_OLD] = s[S_R]
    s[S_BB_OLD] = s[S_BB]
    s[S_B_OLD] = s[S_B]
    s[S_BBV_OLD] = s[S_BBV]
    s[S_BV_OLD] = s[S_BV]
    s[S_RHO_OLD] = s[S_RHO]
    s[S_H_OLD] = s[S_H]
    s[S_VG_OLD] = s[S_VG]
    s[S_WC_OLD] = s[S_WC]
    s[S_ZC_OLD] = s[S_ZC]
    s[S_T_OLD] = s[S_T]
    s[S_U_OLD] = s[S_U]
    s[S_UAB_OLD] = s[S_UAB]
    s[S_UBS2_OLD] = s[S_UBS2]
    s[S_CM_OLD] = s[S_CM]
    s[S_CMW_OLD] = s[S_CMW]
    s[S_CMWV_OLD] = s[S_CMWV]
    s[S_CMEV_OLD] = s[S_CMEV]
    s[S_CP_OLD] = s[S_CP]


@njit(**KERNEL_ACCURATE)
def plume_step(p, s, dx, f, acc, dy, track_keval):
    """One steady-plume step of length dx [m]: four stages (x + dx/2, x + dx/2, x + dx) each evaluating the slope,
    the new state, thermodynamics, speed/shape and entrainment; the last stage uses the RK4 average."""
    acc[:11] = 0.0
    half = 0.5 * dx
    stage_step = (half, half, dx)
    weights = (dx / 6.0, dx / 3.0, dx / 3.0, dx / 6.0)
    for k in range(4):
        if track_keval:
            s[S_KEVAL] = k + 1.0
        plume_slope(p, s, f)
        for j in range(11):
            acc[j] += weights[k] * f[j]
            dy[j] = acc[j] if k == 3 else stage_step[k] * f[j]
        if k < 3:
            s[S_XN] = s[S_X] + stage_step[k]
        plume_apply_increments(s, dy, p)
        mixture_thermodynamics(p, s)
        plume_speed_and_shape(p, s)
        entrainment_and_fluxes(p, s)
        if track_keval:
            s[S_DBT] += s[S_DBBX]
    s[S_X] = s[S_XN]
    _advance_step_start(s)


@njit(**KERNEL_ACCURATE)
def _plume_momentum_carry(p, s):
    """Momentum flux carried into the next step: r u − r (1 − m_s) u_ab + α_g g (ρ − ρ_a) B h²/2."""
    srug = 0.5 * s[S_ALFG] * GRAVITY * (s[S_RHO] - p[P_RHOA]) * s[S_BB] * s[S_H] * s[S_H]
    s[S_SRU0] = s[S_R] * s[S_U] - s[S_R] * (1.0 - s[S_CM]) * s[S_UAB] + srug
    s[S_QINT_OLD] = s[S_QINT]


@njit(**KERNEL_ACCURATE)
def puff_step(p, s, dt, f, acc, dy):
    """One transient-puff step of duration dt [s] (same four-stage scheme as :func:`plume_step`)."""
    acc[:15] = 0.0
    half = 0.5 * dt
    stage_step = (half, half, dt)
    weights = (dt / 6.0, dt / 3.0, dt / 3.0, dt / 6.0)
    for k in range(4):
        puff_slope(p, s, f)
        for j in range(15):
            acc[j] += weights[k] * f[j]
            dy[j] = acc[j] if k == 3 else stage_step[k] * f[j]
        if k < 3:
            s[S_TIMN] = s[S_TIM] + stage_step[k]
        puff_apply_increments(s, dy, p)
        mixture_thermodynamics(p, s)
        puff_speed_and_shape(p, s)
        entrainment_and_fluxes(p, s)
    s[S_X] = s[S_XN]
    s[S_TIM] = s[S_TIMN]
    _advance_step_start(s)
    s[S_BBX_OLD] = s[S_BBX]
    s[S_BBVX_OLD] = s[S_BBVX]
    s[S_BX_OLD] = s[S_BX]
    s[S_BVX_OLD] = s[S_BVX]
    s[S_UG_OLD] = s[S_UG]
    s[S_SRU0] = s[S_R] * (s[S_U] - (1.0 - s[S_CM]) * s[S_UAB])


@njit(**KERNEL_ACCURATE)
def enter_puff_mode(p, s):
    """Plume → puff transition once the released mass in the plume reaches half the continuous release: the cloud
    becomes a puff holding the whole release, r = Q t_sd/(4 m_s), with half-length B_x = r/(ρ B h) (Ermak 1990
    §2.1, finite-duration releases); fluxes are rescaled from per-length to per-puff."""
    s[S_IDPF] = 2.0
    s[S_RHO_OLD] = s[S_RHO]
    s[S_R] = 0.25 * p[P_QS] * p[P_TSD] / s[S_CM]
    s[S_R_OLD] = s[S_R]
    s[S_RMI] = 0.0
    bbx = s[S_R] / (s[S_RHO] * s[S_BB] * s[S_H])
    s[S_BBX] = bbx
    s[S_BBX_OLD] = bbx
    s[S_BBVX] = bbx
    s[S_BBVX_OLD] = bbx
    s[S_BX] = 0.9999 * bbx
    s[S_BX_OLD] = s[S_BX]
    s[S_BVX] = s[S_BX]
    s[S_BVX_OLD] = s[S_BX]
    s[S_BETAX] = math.sqrt(bbx * bbx - s[S_BX] * s[S_BX]) / SQRT3
    s[S_SRU0] = s[S_R] * (s[S_U] - (1.0 - s[S_CM]) * s[S_UAB])
    s[S_FV] *= bbx
    s[S_FU] *= bbx
    s[S_FW] *= bbx
    s[S_FUG] *= bbx
    s[S_FT] *= bbx
    s[S_UG] = (s[S_BB] / bbx) * s[S_VG]
    s[S_UG_OLD] = s[S_UG]
    s[S_CM_OLD] = s[S_CM]
    s[S_CMW_OLD] = s[S_CMW]
    s[S_CMWV_OLD] = s[S_CMWV]
    s[S_CMEV_OLD] = s[S_CMEV]
    s[S_CP_OLD] = s[S_CP]
    s[S_T_OLD] = s[S_T]


@njit(**KERNEL_ACCURATE)
def _geometric_first_step(total, n_steps, n_decades):
    """First step of n geometric steps growing by γ = 10^(decades/n) that add up to total."""
    gam = 10.0 ** (n_decades / n_steps)
    return gam, (gam - 1.0) * total / (gam ** n_steps - 1.0)


@njit(**KERNEL_ACCURATE)
def run_puff_stations(p, s, rec, first, dt, gam, work):
    """Integrate the puff in time and store stations first … 60 (0-based)."""
    nssm = int(p[P_NSSM])
    f, acc, dy = work[0], work[1], work[2]
    for i in range(first, N_STATIONS):
        for _ in range(nssm):
            if s[S_TIM] < p[P_TSD]:
                s[S_WSS] = p[P_WS]
                s[S_XSTR] = s[S_H] / p[P_CF0]
            else:
                s[S_WSS] = 0.0
            puff_step(p, s, dt, f, acc, dy)
            dt = gam * dt
        rec[i, R_XCC] = s[S_X]
        rec[i, R_TCC] = s[S_TIM]
        _store(p, s, rec, i)


@njit(**KERNEL_ACCURATE)
def run_near_field(p, s, rec, first, out, work):
    """Steady-plume integration from station first−1 to the last station; switches to puff mode when the plume
    holds half the continuous release. Returns nothing; out[O_NXTR] records the switch station (1-based)."""
    nssm = int(p[P_NSSM])
    f, acc, dy = work[0], work[1], work[2]
    x_start = rec[first - 1, R_X]
    s[S_WSS] = 0.0
    if p[P_XFFM] < 2.0 * x_start:
        p[P_XFFM] = 2.0 * x_start
    n_steps = nssm * (N_STATIONS - first)
    decades = math.log10(p[P_XFFM] / x_start - 1.0) + 1.0
    gam, dx = _geometric_first_step(p[P_XFFM] - x_start, n_steps, decades)
    half_release = 0.5 * p[P_QTCS]
    for i in range(first, N_STATIONS):
        for _ in range(nssm):
            plume_step(p, s, dx, f, acc, dy, False)
            if s[S_HTP] > s[S_H] or not (s[S_RHO] > p[P_RHOA]):
                s[S_ALFG] = 0.0
            else:
                s[S_ALFG] = 0.25
            _plume_momentum_carry(p, s)
            dx = gam * dx
        rec[i, R_XCC] = s[S_X]
        rec[i, R_TCC] = 2.0 * s[S_QINT] / p[P_QS]
        _store(p, s, rec, i)
        if s[S_QINT] >= half_release:
            out[O_NXTR] = i + 1.0
            dt = dx / s[S_U]
            enter_puff_mode(p, s)
            rec[i, R_BBX] = s[S_BBX]
            rec[i, R_BX] = s[S_BX]
            rec[i, R_BETAX] = s[S_BETAX]
            rec[i, R_UG] = s[S_UG]
            run_puff_stations(p, s, rec, i + 1, dt, gam, work)
            return


@njit(**KERNEL_ACCURATE)
def run_pool_source(p, s, rec, work):
    """Evaporating pool (idspl 1): integrate the steady plume across the pool (11 stations from −b_se to b_se),
    re-sizing the effective pool half-width b_se until the gravity current leaving the pool is consistent
    (≤ 20 passes, relative tolerance 5e-4; as implemented in the SLAB program, main program). Returns True when
    the pool releases more than half its mass before the cloud leaves it (then SLAB treats it as a short
    evaporating pool, idspl 4)."""
    nssm = int(p[P_NSSM])
    f, acc, dy = work[0], work[1], work[2]
    n_steps = nssm * (SOURCE_POOL_SETUP_STATIONS - 1)
    passes = -1.0
    bmax = 0.0
    bmin = 0.0
    while True:
        passes += 1.0
        s[S_DBT] = 0.0
        dx = pool_initial_state(p, s, rec, n_steps)
        for i in range(1, SOURCE_POOL_SETUP_STATIONS):
            for _ in range(nssm):
                plume_step(p, s, dx, f, acc, dy, True)
                _plume_momentum_carry(p, s)
            _store(p, s, rec, i)
            s[S_XSTR] = s[S_H] / p[P_CF0]
        if passes < 0.5 and s[S_UTST] < 2.0:
            break
        if passes > 20.0:
            break
        bse, bmin, bmax, converged = pool_resize(p, s, rec, bmin, bmax)
        if converged:
            passes = 20.0
        p[P_BSE] = bse
    return s[S_QINT] > 0.5 * p[P_QTCS]


@njit(**KERNEL_ACCURATE)
def steady_arrival_times(p, rec, nxtr):
    """Time of the maximum and along-wind extent at the steady-plume stations (SLAB maps the steady part onto a
    cloud of duration t_sd travelling from the source; as implemented in the SLAB program, main program)."""
    xcc0, bxs0, tsd = p[P_XCC0], p[P_BXS0], p[P_TSD]
    last = N_STATIONS - 1
    if nxtr > N_STATIONS:
        xptr = (0.5 * p[P_QTCS] / rec[last, R_QINT]) * (rec[last, R_X] - rec[0, R_X]) + rec[0, R_X]
        bxtr = bxs0 + xptr - xcc0
        n_steady = N_STATIONS
    else:
        xptr = rec[nxtr - 1, R_X]
        bxtr = rec[nxtr - 1, R_BBX]
        n_steady = nxtr - 1
    if n_steady > 0:
        txt = xptr - xcc0 - xcc0
        txb = txt + xptr
        bxr = (bxtr - bxs0) / (xptr - xcc0)
        for i in range(n_steady):
            rec[i, R_TIM] = tsd * (rec[i, R_X] + txt) / txb
            bbx = bxs0 + bxr * (rec[i, R_XCC] - xcc0)
            rec[i, R_BBX] = bbx
            rec[i, R_BX] = 0.9999 * bbx
            rec[i, R_BETAX] = math.sqrt(bbx * bbx - rec[i, R_BX] * rec[i, R_BX]) / SQRT3
    if p[P_IDSPL] == 1.0:
        for i in range(5):
            rec[i, R_TIM] = rec[10 - i, R_TIM]


@njit(**KERNEL_ACCURATE)
def run_slab_kernel(inp, p, s, rec, out):
    """Whole SLAB run for one release and one met case: fills p (parameters), rec (61 stations × R_COUNT) and
    out (scalars). out[O_STATUS] = 0 on success, 1 if the source is above the mixing layer, 2 if the state became
    non-finite (a release outside the model's range).
    Why it is long: it is the SLAB main program's sequence (atmosphere, source, integration to the end, averaging)
    in the program's order, so that it can be checked against it step by step; each step is its own function.
    """
    p[:] = 0.0
    s[:] = 0.0
    rec[:, :] = 0.0
    out[:] = 0.0
    work = np.zeros((3, 15))
    stab = setup_atmosphere(inp, p)
    out[O_STAB] = stab
    out[O_ALA] = p[P_ALA]
    p[P_NSSM] = 3.0 * inp[I_NCALC]
    p[P_XFFM] = inp[I_XFFM]
    p[P_SPAW] = WATER_SATURATION_A
    p[P_SPBW] = WATER_SATURATION_B
    for name_in, name_p in ((I_WMS, P_WMS), (I_CPS, P_CPS), (I_TBP, P_TBP), (I_DHE, P_DHE), (I_CPSL, P_CPSL),
                            (I_RHOSL, P_RHOSL), (I_SPB, P_SPB), (I_SPC, P_SPC), (I_TS, P_TS), (I_QS, P_QS),
                            (I_AREA, P_AREA), (I_TSD, P_TSD), (I_QTIS, P_QTIS), (I_HS, P_HS), (I_IDSPL, P_IDSPL)):
        p[name_p] = inp[name_in]
    if p[P_SPB] < 0.0:  # default: Clausius–Clapeyron with the heat of vaporisation at the boiling point
        p[P_SPB] = p[P_DHE] * p[P_WMS] / GAS_CONSTANT
        p[P_SPC] = 0.0
    p[P_SPA] = p[P_SPB] / (p[P_TBP] + p[P_SPC])
    liquid_fraction = inp[I_CMED0]
    if p[P_TS] < p[P_TBP]:
        p[P_TS] = p[P_TBP]
    if liquid_fraction > 0.0:
        p[P_TS] = p[P_TBP]
    p[P_BS] = 0.5 * math.sqrt(p[P_AREA])
    out[O_USTAR] = p[P_USTAR]
    out[O_HMX] = p[P_HMX]
    out[O_RHOA] = p[P_RHOA]
    if p[P_HS] > p[P_HMX] - p[P_BS]:
        out[O_STATUS] = 1.0
        return
    s[S_ALFG] = 0.25
    s[S_UTST] = 1.0
    out[O_NXTR] = N_STATIONS + 1.0
    p[P_TGON] = 1.0
    p[P_QTCS] = p[P_QS] * p[P_TSD]
    pa = inp[I_PA]
    p[P_RHOS] = p[P_WMS] * pa / (GAS_CONSTANT * p[P_TS])
    out[O_RHOS] = p[P_RHOS]
    kind = int(p[P_IDSPL])
    puff_first = -1
    if kind == 1:
        p[P_WS] = p[P_QS] / (p[P_RHOS] * p[P_AREA])
        p[P_BSE] = p[P_BS]
        p[P_QTIS] = 0.0
        p[P_HS] = 0.0
        s[S_TIM] = p[P_TSD]
        liquid_fraction = 0.0
        if run_pool_source(p, s, rec, work):
            p[P_IDSPL] = 4.0
            kind = 4
        else:
            p[P_BXS0] = p[P_BSE]
            p[P_XCC0] = 0.0
            for i in range(SOURCE_POOL_SETUP_STATIONS):
                rec[i, R_XCC] = 0.5 * (p[P_BSE] + rec[i, R_X])
            qs = p[P_QS]
            rec[0, R_TCC] = 2.0 * rec[5, R_QINT] / qs
            for i in range(1, 6):
                rec[2 * i - 1, R_TCC] = (rec[4 + i, R_QINT] + rec[5 + i, R_QINT]) / qs
                rec[2 * i, R_TCC] = 2.0 * rec[5 + i, R_QINT] / qs
            run_near_field(p, s, rec, SOURCE_POOL_SETUP_STATIONS, out, work)
    elif kind == 2:
        horizontal_jet_setup(p, s, rec, liquid_fraction)
        jet_initial_state(p, s, rec)
        run_near_field(p, s, rec, 1, out, work)
    elif kind == 3:
        n_rise, puff_first, dt, gam = vertical_jet_setup(p, s, rec, liquid_fraction, out)
        if n_rise == 0:  # buoyant or momentum plume: continue as a lifted horizontal plume
            jet_initial_state(p, s, rec)
            run_near_field(p, s, rec, 1, out, work)
        elif puff_first < 0:
            run_near_field(p, s, rec, n_rise, out, work)
        else:
            run_puff_stations(p, s, rec, puff_first, dt, gam, work)
    if kind == 4:
        dt, gam = instantaneous_setup(p, s, rec, liquid_fraction)
        out[O_NXTR] = 1.0
        run_puff_stations(p, s, rec, 1, dt, gam, work)
    steady_arrival_times(p, rec, int(out[O_NXTR]))
    out[O_IDSPL] = p[P_IDSPL]
    out[O_BS] = p[P_BS]
    out[O_US] = p[P_US]
    out[O_WS] = p[P_WS]
    out[O_HS] = p[P_HS]
    out[O_TSD] = p[P_TSD]
    for i in range(N_STATIONS):
        for j in range(R_COUNT):
            if not math.isfinite(rec[i, j]):
                out[O_STATUS] = 2.0
                return
