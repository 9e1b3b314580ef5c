"""SLAB source set-up (Numba): the initial cloud of each source type (Ermak 1990, UCRL-MA-105607, §2.2 "source
types"): evaporating pool (idspl 1), horizontal jet (2), vertical jet or stack with plume rise (3), instantaneous or
short evaporating pool (4). Each function writes the cloud state s and station 0 (and the plume-rise stations of a
dense vertical jet) of rec.
"""

from __future__ import annotations

import math

from numba import njit

from dispersion._dense_gas_kernels import (
    ENTRAIN_TOP, JET_SHEAR, SQRT3, ambient_wind, layer_averaged_wind, normalised_wind, side_entrainment,
    stability_factor,
)
from dispersion._dense_gas_state import *  # noqa: F403 (slot names)
from dispersion._dense_gas_thermo import (
    AIR_HEAT_CAPACITY, GRAVITY, KERNEL_ACCURATE, VON_KARMAN, mixture_thermodynamics,
)

SOURCE_POOL_SETUP_STATIONS = 11
POOL_RESIZE_TOLERANCE = 0.0005  # sctst: relative change of b_se that ends the pool re-sizing [-]


@njit(**KERNEL_ACCURATE)
def _two_phase_density(p, liquid_fraction, temperature):
    """Density of released vapour + liquid aerosol at T [kg/m3]: ρ = ρ_a T_a/(α T + β T_a),
    α = (M_ae/M_s)(1 − m_l), β = (ρ_a/ρ_l) m_l (Ermak 1990 §2.3)."""
    alfm = (p[P_WMAE] / p[P_WMS]) * (1.0 - liquid_fraction)
    betm = (p[P_RHOA] / p[P_RHOSL]) * liquid_fraction
    return p[P_RHOA] * p[P_TA] / (alfm * temperature + betm * p[P_TA])


@njit(**KERNEL_ACCURATE)
def _pure_release_composition(p, s, rec, liquid_fraction):
    """Step-start composition of pure released material (m_s = 1, no water) with liquid fraction m_l."""
    s[S_T_OLD] = p[P_TS]
    rec[0, R_T] = p[P_TS]
    s[S_CM_OLD] = 1.0
    rec[0, R_CM] = 1.0
    rec[0, R_CV] = 1.0
    s[S_CMW_OLD] = 0.0
    s[S_CMWV_OLD] = 0.0
    s[S_CMEV_OLD] = 1.0 - liquid_fraction
    rec[0, R_CMEV] = 1.0 - liquid_fraction
    s[S_CP_OLD] = (1.0 - liquid_fraction) * p[P_CPS] + liquid_fraction * p[P_CPSL]


@njit(**KERNEL_ACCURATE)
def _clamped_centre(p, zc, h):
    """Centre height limited to h_mx − h/2 [m]."""
    return min(zc, p[P_HMX] - 0.5 * h)


@njit(**KERNEL_ACCURATE)
def pool_initial_state(p, s, rec, n_steps):
    """Cloud at the upwind pool edge x = −b_se (Ermak 1990 §2.2, evaporating pool): ambient air of zero depth;
    the first top-entrainment depth h_e solves h_e·(ln(1 + h_e/z0))² ≈ 3 z1 with z1 = √3 α₁ k³ u(4 m) Δx/u*
    (a surface-layer diffusion depth over one step; as implemented in the SLAB program). Returns Δx [m]."""
    bse = p[P_BSE]
    dx = (bse + bse) / n_steps
    s[S_X] = -bse
    rec[0, R_X] = -bse
    rec[0, R_TIM] = p[P_TSD]
    s[S_WSE] = p[P_WS] * p[P_BS] * p[P_BS] / (bse * bse)
    s[S_WSS] = p[P_WS]
    for k in (S_VG, S_VG_OLD, S_WC, S_WC_OLD, S_UG, S_UG_OLD, S_QINT, S_QINT_OLD, S_FV, S_FT, S_FU, S_FW):
        s[k] = 0.0
    for k in (S_BB, S_BB_OLD, S_BBV, S_BBV_OLD):
        s[k] = bse
    for k in (S_B, S_B_OLD, S_BV, S_BV_OLD):
        s[k] = 0.9 * bse
    rec[0, R_BB] = bse
    rec[0, R_B] = 0.9 * bse
    rec[0, R_BETA] = math.sqrt(bse * bse - 0.81 * bse * bse) / SQRT3
    s[S_RHO] = p[P_RHOA]
    s[S_RHO_OLD] = p[P_RHOA]
    rec[0, R_RHO] = p[P_RHOA]
    rec[0, R_CV] = 0.0
    s[S_CM_OLD] = 0.0
    rec[0, R_CM] = 0.0
    s[S_CMW_OLD] = p[P_CMWA]
    rec[0, R_CMW] = p[P_CMWA]
    s[S_CMWV_OLD] = p[P_CMWA]
    rec[0, R_CMWV] = p[P_CMWA]
    s[S_CMEV_OLD] = 0.0
    rec[0, R_CMEV] = 0.0
    rec[0, R_CMDA] = p[P_CMDAA]
    s[S_CP_OLD] = p[P_CPAA]
    s[S_T_OLD] = p[P_TA]
    rec[0, R_T] = p[P_TA]

    z0 = p[P_Z0]
    z1 = SQRT3 * ENTRAIN_TOP * VON_KARMAN ** 3 * p[P_URF] * dx / p[P_USTAR]
    z2 = (3.0 * z1 * z0 * z0) ** (1.0 / 3.0)
    fhz = math.log(1.0 + z2 / z0)
    he = (3.0 * z1) / (fhz * fhz)
    for _ in range(5):
        fhz = math.log(1.0 + he / z0)
        shz = he + z0
        residual = shz * fhz * fhz - 2.0 * shz * fhz + he + he - z1
        he = he - residual / (fhz * fhz)

    for k in (S_H, S_H_OLD, S_HTP, S_HTP_OLD):
        s[k] = 0.0
    rec[0, R_H] = 0.0
    uab = layer_averaged_wind(p, he)
    s[S_UAB] = uab
    s[S_UAB_OLD] = uab
    rec[0, R_UA] = 0.0
    s[S_U] = uab
    s[S_U_OLD] = uab
    rec[0, R_U] = 0.0
    s[S_R_OLD] = 0.0
    s[S_SRU0] = 0.0
    s[S_W] = uab * he / (SQRT3 * dx)
    rec[0, R_W] = s[S_W]
    s[S_V] = p[P_AFA] * stability_factor(p) * p[P_UA_INPUT]
    rec[0, R_V] = s[S_V]
    s[S_VX] = 0.0
    rec[0, R_VX] = 0.0
    return dx


@njit(**KERNEL_ACCURATE)
def pool_resize(p, s, rec, bmin, bmax):
    """New effective pool half-width b_se (bisection-like update, as implemented in the SLAB program, main
    program): if the gravity current widened the cloud on the pool (Σ dbbx > 0) b_se grows to
    sqrt(b_se (b_se + Σ dbbx)); otherwise it moves towards the width at which the gravity-current speed
    (27/8 α_g g Δρ r/(u_a³ ρ² (1 − m_s)³)) matches. Returns (b_se, b_min, b_max, converged)."""
    bse = p[P_BSE]
    dbt = s[S_DBT]
    if dbt != 0.0:
        bmin = bse
        new = math.sqrt(bse * (bse + dbt))
        if bmax != 0.0 and new >= bmax:
            new = 0.5 * (bmax + bse)
    else:
        bmax = bse
        last = SOURCE_POOL_SETUP_STATIONS - 1
        rho_end = rec[last, R_RHO]
        dcm = 1.0 - rec[last, R_CM]
        uab = s[S_UAB]
        new = (3.375 * s[S_ALFG] * GRAVITY * (rho_end - p[P_RHOA]) * s[S_R]
               / (uab * uab * uab * rho_end * rho_end * dcm * dcm * dcm) - rec[last, R_BB] + rec[0, R_BB])
        new = 0.5 * (bse + new)
        if new >= bmax:
            new = 0.5 * (bmin + bmax)
        elif new <= bmin:
            new = 0.5 * (bmin + bse)
    converged = abs(new - bse) / new <= POOL_RESIZE_TOLERANCE
    return new, bmin, bmax, converged


@njit(**KERNEL_ACCURATE)
def horizontal_jet_setup(p, s, rec, liquid_fraction):
    """Horizontal jet (idspl 2) at x = 1 m after depressurisation: ρ from the two-phase mixture at T_s, exit speed
    u_s = Q/(ρ A); a square cross-section B = b_s, h = 2B — or, for a jet near the ground (h_s ≤ h/2), a
    grounded half-section of the same area: B = (sqrt(h_s² + 2A) − h_s)/2, h = B + h_s."""
    rho = _two_phase_density(p, liquid_fraction, p[P_TS])
    s[S_RHO] = rho
    p[P_US] = p[P_QS] / (rho * p[P_AREA])
    s[S_ALFG] = 0.0
    bb = p[P_BS]
    h = bb + bb
    hs = p[P_HS]
    htp = hs + 0.5 * h
    if hs <= 0.5 * h:
        s[S_ALFG] = 0.25
        bb = 0.5 * (math.sqrt(hs * hs + 2.0 * p[P_AREA]) - hs)
        h = bb + hs
        htp = h
    hmx = p[P_HMX]
    if htp > hmx:
        htp = hmx
    if h > hmx:
        bb = h * bb / hmx
        h = hmx
    s[S_BB], s[S_H], s[S_HTP] = bb, h, htp
    p[P_WS] = 0.0
    p[P_QTIS] = 0.0
    _pure_release_composition(p, s, rec, liquid_fraction)
    p[P_BSE] = 1.0
    zc = _clamped_centre(p, hs, h)
    s[S_ZC] = zc
    s[S_ZC_OLD] = zc
    rec[0, R_ZC] = zc
    p[P_XCC0] = 1.0
    p[P_BXS0] = 0.0
    s[S_TIM] = p[P_TSD]


@njit(**KERNEL_ACCURATE)
def _jet_entrainment_start(p, s, u):
    """Top and side entrainment velocities of a jet cloud at its start (friction of the jet/wind shear)."""
    rhoa, rho, uab = p[P_RHOA], s[S_RHO], s[S_UAB]
    ustar2 = p[P_USTAR] * p[P_USTAR]
    delu = (rhoa / rho) * abs(uab - u)
    if s[S_HTP] > s[S_H]:
        s[S_UBS2_OLD] = ustar2
    else:
        umgs = (p[P_USTAR] / uab) * u
        s[S_UBS2_OLD] = umgs * umgs
    ustr2 = s[S_UBS2_OLD] + JET_SHEAR * delu * delu
    s[S_W] = (p[P_URF] / normalised_wind(p, s[S_HTP])) * ENTRAIN_TOP * VON_KARMAN * math.sqrt(ustr2)
    s[S_V] = side_entrainment(p, uab, s[S_BB], delu)


@njit(**KERNEL_ACCURATE)
def jet_initial_state(p, s, rec):
    """Jet cloud at x = 1 m (SLAB's horizontal-jet start, also used by a lifted buoyant stack plume)."""
    s[S_X] = 1.0
    rec[0, R_X] = 1.0
    rec[0, R_XCC] = 1.0
    rec[0, R_TCC] = 0.0
    rec[0, R_TIM] = p[P_TSD]
    s[S_WSE] = 0.0
    for k in (S_VG, S_VG_OLD, S_WC, S_WC_OLD, S_UG, S_UG_OLD, S_FU, S_FV, S_FW, S_FT, S_QINT, S_QINT_OLD):
        s[k] = 0.0
    bb = s[S_BB]
    for k in (S_BB_OLD, S_BBV, S_BBV_OLD):
        s[k] = bb
    for k in (S_B, S_B_OLD, S_BV, S_BV_OLD):
        s[k] = 0.9 * bb
    rec[0, R_BB] = bb
    rec[0, R_B] = 0.9 * bb
    rec[0, R_BETA] = math.sqrt(bb * bb - 0.81 * bb * bb) / SQRT3
    rec[0, R_RHO] = s[S_RHO]
    s[S_RHO_OLD] = s[S_RHO]
    rec[0, R_H] = s[S_H]
    s[S_H_OLD] = s[S_H]
    s[S_HTP_OLD] = s[S_HTP]
    uab = layer_averaged_wind(p, s[S_HTP])
    s[S_UAB] = uab
    s[S_UAB_OLD] = uab
    rec[0, R_UA] = uab
    us = p[P_US]
    s[S_U] = us
    s[S_U_OLD] = us
    rec[0, R_U] = us
    r0 = s[S_RHO] * us * bb * s[S_H]
    s[S_R_OLD] = r0
    srug = 0.5 * s[S_ALFG] * GRAVITY * (s[S_RHO] - p[P_RHOA]) * bb * s[S_H] * s[S_H]
    s[S_SRU0] = r0 * us + srug
    _jet_entrainment_start(p, s, us)
    rec[0, R_W] = s[S_W]
    rec[0, R_V] = s[S_V]
    s[S_VX] = 0.0
    rec[0, R_VX] = 0.0


@njit(**KERNEL_ACCURATE)
def _momentum_plume_rise(p, hs, ws, uahs):
    """Momentum plume rise Δh_m [m] iterated three times (as implemented in the SLAB program)."""
    betu = 0.4 + 1.2 * uahs / ws
    hprm = 1.0363 * ws * p[P_BS] / (betu * math.sqrt(uahs * p[P_USTAR]))
    h67 = hprm ** 0.85714
    for _ in range(3):
        hprt = h67 * (hs + hprm) ** 0.14286
        hprm = (hs + 0.85714 * hprm) * hprt / (hs + hprm - 0.14286 * hprt)
    return hprm


@njit(**KERNEL_ACCURATE)
def vertical_jet_setup(p, s, rec, liquid_fraction, out):
    """Vertical jet or stack (idspl 3): plume rise, then either a dense-jet rise and fall interpolated over the
    first stations (n_rise > 0) or a buoyant/momentum plume lifted to h_s + Δh that continues as a lifted
    horizontal plume (n_rise = 0). Returns (n_rise, first puff station or −1, dt, γ)."""
    rhoa, hmx, bs = p[P_RHOA], p[P_HMX], p[P_BS]
    rho = _two_phase_density(p, liquid_fraction, p[P_TS])
    s[S_RHO] = rho
    s[S_RHO_OLD] = rho
    ws = p[P_QS] / (rho * p[P_AREA])
    p[P_WS] = ws
    p[P_US] = 0.0
    p[P_BSE] = 1.0
    p[P_QTIS] = 0.0
    p[P_XCC0] = 1.0
    p[P_BXS0] = 0.0
    s[S_TIM] = p[P_TSD]
    s[S_T_OLD] = p[P_TS]
    hs = p[P_HS]
    uahs = ambient_wind(p, max(hs, 1.0))
    hprm = _momentum_plume_rise(p, hs, ws, uahs)
    if rho > rhoa:
        return _dense_jet_rise(p, s, rec, liquid_fraction, hprm, uahs, out)
    # buoyant or momentum plume: final rise combines the two
    hprb = 1.7254 * GRAVITY * (rhoa - rho) * ws * bs * bs / (rhoa * uahs * p[P_USTAR] * p[P_USTAR])
    h35 = hprb ** 0.6
    for _ in range(3):
        hprt = h35 * (hs + hprb) ** 0.4
        hprb = (hs + 0.6 * hprb) * hprt / (hs + hprb - 0.4 * hprt)
    hs = hs + math.sqrt(hprb * hprb + hprm * hprm)
    if hs > hmx - bs:
        hs = hmx - bs
    p[P_HS] = hs
    us = ambient_wind(p, hs)
    p[P_US] = us
    p[P_WS] = 0.0
    s[S_RHO] = rhoa
    p[P_RHOS] = rhoa
    area = p[P_QS] / (rhoa * us)
    p[P_AREA] = area
    s[S_ALFG] = 0.0
    bb = max(0.5 * math.sqrt(area), bs)
    h = area / (bb + bb)
    htp = hs + 0.5 * h
    if hs < 0.5 * h:
        s[S_ALFG] = 0.25
        bb = h * bb / htp
        h = htp
    if htp > hmx:
        htp = hmx
    if h > hmx:
        bb = h * bb / hmx
        h = hmx
    s[S_BB], s[S_H], s[S_HTP] = bb, h, htp
    ts = (p[P_WMS] / p[P_WMAE]) * p[P_TA]  # the temperature at which the pure gas has the ambient density
    p[P_TS] = ts
    p[P_TBP] = 0.99 * min(ts, p[P_TA])
    p[P_SPA] = p[P_SPB] / (p[P_TBP] + p[P_SPC])
    p[P_SPAW] = p[P_SPBW] / p[P_TBP]
    _pure_release_composition(p, s, rec, 0.0)
    p[P_CPS] = (p[P_WMAE] / p[P_WMS]) * AIR_HEAT_CAPACITY
    s[S_CP_OLD] = p[P_CPS]
    zc = _clamped_centre(p, hs, h)
    s[S_ZC] = zc
    s[S_ZC_OLD] = zc
    rec[0, R_ZC] = zc
    p[P_TGON] = 0.0
    return 0, -1, 0.0, 1.0


@njit(**KERNEL_ACCURATE)
def _dense_jet_rise(p, s, rec, liquid_fraction, hprm, uahs, out):
    """Dense vertical jet: rise Δh = Δh_m Δh_d/sqrt(Δh_d² + Δh_m²) with the dense-jet rise
    Δh_d = 1.32 d (w_s/u · ρ/ρ_a · Fr²)^(1/3), touch-down distance x_pr = 0.435 Δh³/((w_s/u)² (ρ/ρ_a) d²) and the
    centreline dilution at touch-down (as implemented in the SLAB program, main program); the stations up to
    x_pr are interpolated (rise on a circle, depth and widths linear, dilution quadratic).
    Why it is long: it is the SLAB program's dense-jet set-up (main program) in the order of its equations — rise,
    touch-down dilution, the state at touch-down, the rise stations, the switch to a puff — and each part reads the
    locals the one before computed, so that it can be checked line by line against the program; split, that
    correspondence would be lost.
    """
    rhoa, hmx, bs, qs, tsd = p[P_RHOA], p[P_HMX], p[P_BS], p[P_QS], p[P_TSD]
    rho, ws, hs = s[S_RHO], p[P_WS], p[P_HS]
    ds = 4.0 * bs / math.sqrt(math.pi)
    fr2 = ws * ws / (GRAVITY * ds * (rho - rhoa) / rhoa)
    sgs = rho / rhoa
    rwus = ws / uahs
    hprd = 1.32 * ds * (rwus * sgs * fr2) ** 0.3333
    hpr = hprm * hprd / math.sqrt(hprd * hprd + hprm * hprm)
    if hs + hpr > hmx:
        hpr = hmx - hs
    xpr = 0.435 * hpr * hpr * hpr / (rwus * rwus * sgs * ds * ds)
    cvpk = min(1.69 * rwus / (hpr / ds) ** 1.85, 0.99)
    cv = (0.5236 * (1.0 - cvpk) + cvpk) * cvpk
    wms, wmae = p[P_WMS], p[P_WMAE]
    cm = wms * cv / (wmae + (wms - wmae) * cv)
    s[S_R_OLD] = 0.5 * qs
    s[S_R] = 0.5 * qs / cm
    s[S_CM_OLD] = 1.0
    s[S_CMEV_OLD] = 1.0 - liquid_fraction
    s[S_CMW_OLD] = 0.0
    s[S_CMWV_OLD] = 0.0
    s[S_CP_OLD] = (1.0 - liquid_fraction) * p[P_CPS] + liquid_fraction * p[P_CPSL]
    s[S_XN] = 1.0 + xpr
    s[S_SFT] = 0.0
    mixture_thermodynamics(p, s)
    rho = s[S_RHO]
    cm = s[S_CM]

    n_rise = min(int(2.0 + xpr / (bs + bs)), SOURCE_POOL_SETUP_STATIONS)
    dxpr = xpr / (n_rise - 1.0)
    zcr = hs + hpr
    uab = ambient_wind(p, zcr)
    s[S_UAB] = uab
    s[S_UAB_OLD] = uab
    cfpr = 3.0 * (2.0 + xpr / bs) * JET_SHEAR
    cmpr = math.sqrt((1.0 - cm) * (1.0 - cm) + 4.0 * cm * cfpr)
    u = 0.5 * uab / (1.0 - cfpr) * (1.0 - cm - cfpr - cfpr + cmpr)
    s[S_U] = u
    s[S_U_OLD] = u
    ar = qs / (rho * u * cm)
    am = qs / (rho * u)
    hft = 2.4 + 1.6 / (1.0 + (xpr * xpr) / (100.0 * bs * bs))
    bb = max(math.sqrt(ar / hft), bs)
    bsm = 0.9 * bs
    b = max(0.9 * math.sqrt(am / hft), bsm)
    h = ar / (bb + bb)
    htp = zcr + 0.5 * h
    s[S_ALFG] = 0.0
    if 0.5 * h > zcr:
        bb = h * bb / htp
        b = h * b / htp
        h = htp
        s[S_ALFG] = 0.25
    if htp > hmx:
        htp = hmx
    if h > hmx:
        bb = h * bb / hmx
        b = h * b / hmx
        h = hmx
    for k in (S_BB, S_BB_OLD, S_BBV, S_BBV_OLD):
        s[k] = bb
    for k in (S_B, S_B_OLD, S_BV, S_BV_OLD):
        s[k] = b
    s[S_H], s[S_H_OLD], s[S_HTP], s[S_HTP_OLD] = h, h, htp, htp
    zc = _clamped_centre(p, zcr, h)
    s[S_ZC], s[S_ZC_OLD] = zc, zc
    s[S_RHO_OLD] = rho
    s[S_T_OLD] = s[S_T]
    hs0 = bs + bs if ws > u else (bs + bs) * ws / u

    rtcm = (1.0 - cm) / cm
    for i in range(n_rise):
        x = 1.0 + i * dxpr
        xir = (x - 1.0) / xpr
        xiz = (x - 1.0 - xpr) / xpr
        rec[i, R_X] = x
        rec[i, R_UA] = uab
        rec[i, R_U] = u * math.sqrt(xir)
        rec[i, R_WC] = ws * (u - rec[i, R_U]) / u
        rec[i, R_H] = hs0 + (h - hs0) * xir
        rec[i, R_ZC] = min(hs + hpr * math.sqrt(1.0 - xiz * xiz), hmx - 0.5 * rec[i, R_H])
        rec[i, R_BB] = bs + (bb - bs) * xir
        rec[i, R_B] = bsm + (b - bsm) * xir
        rec[i, R_BETA] = math.sqrt(rec[i, R_BB] ** 2 - rec[i, R_B] ** 2) / SQRT3
        tcc = 2.0 * (x - 1.0) / u
        rec[i, R_TCC] = tcc
        rec[i, R_XCC] = x
        if tcc < tsd:
            s[S_QINT] = 0.5 * qs * tcc
            rec[i, R_QINT] = s[S_QINT]
        else:
            out[O_NXTR] = min(out[O_NXTR], i + 1.0)
            s[S_QINT] = 0.5 * p[P_QTCS]
            s[S_TIM] = tcc
            rec[i, R_TIM] = tcc
            rec[i, R_BBX] = 0.5 * u * tsd
            rec[i, R_BX] = 0.9999 * rec[i, R_BBX]
            rec[i, R_BETAX] = math.sqrt(rec[i, R_BBX] ** 2 - rec[i, R_BX] ** 2) / SQRT3
        s[S_QINT_OLD] = s[S_QINT]
        cmp = 1.0 / (1.0 + xir * xir * rtcm)
        rec[i, R_CM] = cmp
        rec[i, R_CV] = wmae * cmp / (wms + (wmae - wms) * cmp)
        rec[i, R_CMDA] = (1.0 - cmp) * p[P_CMDAA]
        rec[i, R_CMW] = (1.0 - cmp) * p[P_CMWA]
        for k in (R_RHO, R_T, R_CMEV, R_CMWV, R_W, R_V):
            rec[i, k] = -1.0  # not computed along the rise (SLAB prints −1)
    last = n_rise - 1
    rec[last, R_RHO] = rho
    rec[last, R_T] = s[S_T]
    rec[last, R_CMWV] = s[S_CMWV]
    rec[last, R_CMEV] = s[S_CMEV]
    s[S_CM_OLD] = cm
    s[S_CMEV_OLD] = s[S_CMEV]
    s[S_CMW_OLD] = s[S_CMW]
    s[S_CMWV_OLD] = s[S_CMWV]
    s[S_CP_OLD] = s[S_CP]
    s[S_X] = rec[last, R_X]
    s[S_WSE] = 0.0
    for k in (S_VG, S_VG_OLD, S_WC, S_WC_OLD, S_UG, S_UG_OLD, S_FU, S_FV, S_FW, S_FT):
        s[k] = 0.0
    s[S_R_OLD] = s[S_R]
    srug = 0.5 * s[S_ALFG] * GRAVITY * (rho - rhoa) * bb * h * h
    s[S_SRU0] = s[S_R] * (u - (1.0 - cm) * uab) + srug
    _jet_entrainment_start(p, s, u)
    rec[last, R_W] = s[S_W]
    rec[last, R_V] = s[S_V]
    if s[S_QINT] < 0.5 * p[P_QTCS]:
        return n_rise, -1, 0.0, 1.0
    # the whole release is airborne before touch-down: continue as a puff
    s[S_IDPF] = 2.0
    r = 0.25 * qs * tsd / cm
    s[S_R], s[S_R_OLD], s[S_RMI] = r, r, 0.0
    bbx = r / (rho * bb * h)
    for k in (S_BBX, S_BBX_OLD, S_BBVX, S_BBVX_OLD):
        s[k] = bbx
    for k in (S_BX, S_BX_OLD, S_BVX, S_BVX_OLD):
        s[k] = 0.9999 * bbx
    s[S_SRU0] = r * (u - (1.0 - cm) * uab)
    s[S_FUG] = 0.0
    x_start = rec[last, R_X]
    if p[P_XFFM] < 2.0 * x_start:
        p[P_XFFM] = 2.0 * x_start
    decades = float(int(math.log10(p[P_XFFM] / x_start - 1.0) + 1.0))  # SLAB truncates to whole decades here
    n_steps = p[P_NSSM] * (N_STATIONS - n_rise)
    gam = 10.0 ** (decades / n_steps)
    dx = (gam - 1.0) * (p[P_XFFM] - x_start) / (gam ** n_steps - 1.0)
    return n_rise, n_rise, dx / u, gam


@njit(**KERNEL_ACCURATE)
def instantaneous_setup(p, s, rec, liquid_fraction):
    """Instantaneous or short evaporating pool (idspl 4): a cylinder of the released mass over the source area,
    h = M/(ρ A), integrated in time with geometric steps spanning t_ffm = x_ffm/u(2 m) over 3·ncalc·61 steps.
    Returns (Δt0 [s], γ).
    Why it is long: it is the SLAB program's set-up of an instantaneous source (main program) in the program's
    order — composition and density, the geometric time steps, the initial widths, the first top-entrainment
    depth — setting every state variable the time integration starts from, so that it can be checked line by line
    against the program; split, that correspondence would be lost.
    """
    p[P_WS] = p[P_QS] / (p[P_RHOS] * p[P_AREA])
    bs = p[P_BS]
    p[P_BSE] = bs
    if p[P_QTIS] == 0.0:
        liquid_fraction = 0.0
    _pure_release_composition(p, s, rec, liquid_fraction)
    rec[0, R_CMW] = 0.0
    rec[0, R_CMWV] = 0.0
    rec[0, R_CMDA] = 0.0
    rho = _two_phase_density(p, liquid_fraction, p[P_TS])
    s[S_RHO] = rho
    s[S_RHO_OLD] = rho
    rec[0, R_RHO] = rho
    h = p[P_QTIS] / (rho * p[P_AREA])
    p[P_HS] = h
    p[P_US] = 0.0
    s[S_ZC] = 0.0
    s[S_ZC_OLD] = 0.0
    rec[0, R_ZC] = 0.0
    s[S_IDPF] = 2.0
    s[S_TIM] = 0.0

    n_steps = p[P_NSSM] * N_STATIONS
    tffm = p[P_TFFM]
    if tffm > 0.1 * (n_steps - 1.0):
        gam = (10.0 * tffm / (n_steps - 1.0)) ** (1.0 / (n_steps - 2.0))
        gmd = 1.0 + 0.02 / (gam - 0.98)
        for _ in range(5):
            gam = (10.0 * tffm * gmd * (gam - 1.0) + 1.0) ** (1.0 / (n_steps - 1.0))
            gmd = 1.0
        dt = (gam - 1.0) * tffm / (gam ** (n_steps - 1.0) - 1.0)
    else:
        gam = 1.0
        dt = 0.1

    s[S_X] = 0.0
    rec[0, R_X] = 0.0
    rec[0, R_TIM] = 0.0
    s[S_WSE] = p[P_WS]
    for k in (S_VG, S_VG_OLD, S_UG, S_UG_OLD, S_WC, S_WC_OLD, S_QINT, S_QINT_OLD, S_FV, S_FT, S_FU, S_FW, S_FUG):
        s[k] = 0.0
    for k in (S_BB, S_BB_OLD, S_BBV, S_BBV_OLD, S_BBX, S_BBX_OLD, S_BBVX, S_BBVX_OLD):
        s[k] = bs
    for k in (S_B, S_B_OLD, S_BV, S_BV_OLD, S_BX, S_BX_OLD, S_BVX, S_BVX_OLD):
        s[k] = 0.9 * bs
    for k in (R_BB, R_BBX):
        rec[0, k] = bs
    for k in (R_B, R_BX):
        rec[0, k] = 0.9 * bs
    beta = math.sqrt(bs * bs - 0.81 * bs * bs) / SQRT3
    rec[0, R_BETA] = beta
    rec[0, R_BETAX] = beta

    # first top-entrainment depth over one time step: (h_e + z0) ln(1 + h_e/z0) − h_e = z1, z1 = √3 α₁ k² u(4) Δt
    z0 = p[P_Z0]
    z1 = SQRT3 * ENTRAIN_TOP * VON_KARMAN * VON_KARMAN * p[P_URF] * dt
    z2 = math.sqrt(2.0 * z1 * z0)
    he = (2.0 * z2) / math.log(1.0 + z2 / z0)
    for _ in range(5):
        fhz = math.log(1.0 + he / z0)
        he = he - ((he + z0) * fhz - he - z1) / fhz
    s[S_W] = he / (SQRT3 * dt)
    s[S_V] = 0.0
    s[S_VX] = 0.0
    for k in (S_H, S_H_OLD, S_HTP, S_HTP_OLD):
        s[k] = h
    rec[0, R_H] = h
    s[S_U] = 0.0
    s[S_U_OLD] = 0.0
    rec[0, R_U] = 0.0
    uab = 0.0
    if h > 0.0:
        uab = layer_averaged_wind(p, h)
        s[S_UAB] = uab
        s[S_W] = (p[P_URF] / normalised_wind(p, h)) * ENTRAIN_TOP * VON_KARMAN * p[P_USTAR]
        atot = p[P_AFA] * stability_factor(p)
        va = atot * uab / (1.0 + (0.5 * 0.0004 / atot) * bs / SQRT3)
        delu = uab * (p[P_RHOA] / rho)
        s[S_V] = side_entrainment(p, uab, bs, delu)
        s[S_VX] = va
    s[S_UAB] = uab
    s[S_UAB_OLD] = uab
    rec[0, R_UA] = uab
    rec[0, R_W] = s[S_W]
    rec[0, R_V] = s[S_V]
    rec[0, R_VX] = s[S_VX]
    s[S_R_OLD] = 0.25 * p[P_QTIS]
    s[S_RMI] = s[S_R_OLD]
    s[S_SRU0] = 0.0
    return dt, gam
