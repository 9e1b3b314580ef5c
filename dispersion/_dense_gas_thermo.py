"""SLAB thermodynamics: humid ambient air and the adiabatic mixing of the cloud with aerosol and water (Numba).

Ermak (1990), UCRL-MA-105607, §2 "thermodynamics": the cloud is a mixture of dry air, water (vapour and liquid)
and the released material (vapour and liquid aerosol). Its enthalpy follows from mixing the entrained ambient air
with the released material plus the ground heat flux; the temperature and the vapour/liquid split follow from
local phase equilibrium with Antoine-type saturation curves p_sat/p_a = exp(A − B/(T + C)). The cloud density then
follows from the ideal-gas law for the vapour with the liquid volume added.

All functions are ``@njit(cache=True)`` without fastmath. They read the parameter array ``p`` and the state array
``s`` addressed by the names of :mod:`dispersion._dense_gas_state`.
"""

from __future__ import annotations

import math

from numba import njit

from dispersion._dense_gas_state import (
    P_CMWA, P_CPAA, P_CPS, P_CPSL, P_DHE, P_QS, P_BSE, P_RHOA, P_RHOSL, P_SPA, P_SPAW, P_SPB, P_SPBW,
    P_SPC, P_TA, P_TBP, P_TS, P_TSD, P_WMAE, P_WMS,
    S_CM, S_CM_OLD, S_CMEV, S_CMEV_OLD, S_CMW, S_CMW_OLD, S_CMWV, S_CMWV_OLD, S_CP, S_CP_OLD, S_CV, S_IDPF,
    S_R, S_R_OLD, S_RHO, S_RMI, S_SFT, S_T, S_T_OLD, S_TIMN, S_XN,
)

KERNEL_ACCURATE = dict(nogil=True, cache=True, error_model="numpy")  # no fastmath: results must match SLAB's

# Physical constants as SLAB sets them (UCRL-MA-105607 §3 lists air and water properties; values as in the program).
# Deliberately not twin.constants: the SLAB reference listings depend on SLAB's own R and dry-air M.
GAS_CONSTANT = 8.31431  # R [J/(mol K)], SLAB's (CODATA 2018: twin.constants.GAS_CONSTANT); the listings need it
GRAVITY = 9.80665  # g [m/s2]
VON_KARMAN = 0.41  # k [-]
AIR_MOLECULAR_WEIGHT = 0.02896  # dry air [kg/mol]
AIR_HEAT_CAPACITY = 1005.87  # dry air c_p [J/(kg K)]
WATER_MOLECULAR_WEIGHT = 0.01802  # [kg/mol]
WATER_LIQUID_DENSITY = 1000.0  # [kg/m3]
WATER_VAPOUR_HEAT_CAPACITY = 1846.0  # [J/(kg K)]
WATER_LIQUID_HEAT_CAPACITY = 4178.0  # [J/(kg K)]
WATER_HEAT_OF_VAPORISATION = 2441000.0  # at 298.2 K [J/kg]
WATER_REFERENCE_TEMPERATURE = 298.2  # temperature at which the latent heat above applies [K]
WATER_SATURATION_A = 15.08  # p_sat,w/p_a = exp(A_w − B_w/T) [-]
WATER_SATURATION_B = 5514.0  # [K]
STANDARD_PRESSURE = 101325.0  # SLAB's ambient pressure [Pa]


@njit(**KERNEL_ACCURATE)
def humid_air_properties(air_temperature, relative_humidity):
    """Water mass fraction, heat capacity and molecular weight of humid ambient air.

    p_w/p_a = (rh/100)·exp(A_w − B_w/T_a) (water partial-pressure ratio),
    m_w = M_w·r/(M_a + (M_w − M_a)·r)              (water mass fraction, [-]),
    c_pa = (1 − m_w)·c_p,air + m_w·c_p,wv          [J/(kg K)],
    M_ae = M_a·M_w/(M_w + (M_a − M_w)·m_w)          [kg/mol].
    As implemented in the SLAB program (main program, ambient set-up). Returns (m_w, 1 − m_w, c_pa, M_ae).
    """
    ratio = 0.01 * relative_humidity * math.exp(WATER_SATURATION_A - WATER_SATURATION_B / air_temperature)
    water = WATER_MOLECULAR_WEIGHT * ratio / (AIR_MOLECULAR_WEIGHT + (WATER_MOLECULAR_WEIGHT - AIR_MOLECULAR_WEIGHT) * ratio)
    dry = 1.0 - water
    heat_capacity = dry * AIR_HEAT_CAPACITY + water * WATER_VAPOUR_HEAT_CAPACITY
    molecular_weight = AIR_MOLECULAR_WEIGHT * WATER_MOLECULAR_WEIGHT / (
        WATER_MOLECULAR_WEIGHT + (AIR_MOLECULAR_WEIGHT - WATER_MOLECULAR_WEIGHT) * water)
    return water, dry, heat_capacity, molecular_weight


@njit(**KERNEL_ACCURATE)
def released_mass_fraction(p, s):
    """Mass fraction of released material m_s = (mass released so far)/(cloud mass) [-].

    Puff: m_s = (r_i + Q·min(t, t_sd)/4)/r, r a quarter of the puff mass [kg] (r_i the instantaneous part).
    Plume: m_s = (Q/2)/r with r half the cloud mass flux [kg/s]; over the pool (x < b_se) the source has only
    released Q·(b_se + x)/(2 b_se) so far (Ermak 1990, §2.2, the area source).
    """
    if s[S_IDPF] == 2.0:
        released = 0.25 * p[P_QS] * min(s[S_TIMN], p[P_TSD])
        return (s[S_RMI] + released) / s[S_R]
    if s[S_XN] > p[P_BSE]:
        return 0.5 * p[P_QS] / s[S_R]
    return 0.25 * p[P_QS] * (p[P_BSE] + s[S_XN]) / p[P_BSE] / s[S_R]


@njit(**KERNEL_ACCURATE)
def _saturation_ratio(spa, spb, spc, temperature):
    """p_sat/p_a = exp(A − B/(T + C)) [-] (Ermak 1990, §2, saturation pressure)."""
    return math.exp(spa - spb / (temperature + spc))


@njit(**KERNEL_ACCURATE)
def mixture_thermodynamics(p, s):
    """Temperature, phase split, heat capacity and density of the cloud after one integration stage.

    Inputs read from ``s``: the stage's r and the step-start state (r0, m_s0, water and vapour fractions, c_p0,
    T0) and the stage's integrated ground heat flux (s[S_SFT]). Writes m_s, m_v (gas volume fraction), the water
    and released-vapour fractions, c_p, T and ρ.

    Energy balance (mixing enthalpy, Ermak 1990 §2.3):
        E = (1 − m_s)·c_pa·T_a + m_s·c_ps·T_s + (r0/r)·(c_p0·T0 − (1 − m_s0)·c_pa·T_a − m_s0·c_ps·T_s + F_T)
    with F_T the step's ground heat limited so it cannot overshoot T_a (as implemented in the SLAB program,
    subroutine thermo). Without phase change T = E/c_p. Latent heats are referred to 0 K:
    L_s0 = L_s + T_b (c_psl − c_ps), L_w0 = L_w + 298.2 (c_pwl − c_pwv). With phase change the temperature T* solves
        T* = (E + L_w0·(m_wv,frozen − m_wv(T*)) + L_s0·(m_sv,frozen − m_sv(T*)))/c_p(T*)
    by Newton's method, where the equilibrium vapour fractions are m_v = α·f/(1 − f), f = p_sat(T)/p_a and α the
    mass of the other gases per mole (Raoult-type equilibrium of a pure liquid). Finally
        ρ = ρ_a·T_a/(α_m·T + β_m·T_a),  α_m = M_ae·Σ m_k/M_k (gases),  β_m = ρ_a·(m_wl/ρ_wl + m_sl/ρ_sl).
    Why it is long: it follows one step of the SLAB program in the order of Ermak (1990)'s equations, so that it
    can be checked line by line against the manual; split, that correspondence would be lost.
    """
    wms = p[P_WMS]
    wmae = p[P_WMAE]
    cps = p[P_CPS]
    cpsl = p[P_CPSL]
    spa, spb, spc = p[P_SPA], p[P_SPB], p[P_SPC]
    spaw, spbw = p[P_SPAW], p[P_SPBW]
    ta = p[P_TA]
    cmwa = p[P_CMWA]

    cm = released_mass_fraction(p, s)
    cv = (wmae * cm) / (wms + (wmae - wms) * cm)
    r, r0 = s[S_R], s[S_R_OLD]
    cm0, cp0, t0 = s[S_CM_OLD], s[S_CP_OLD], s[S_T_OLD]
    carried = r0 / r  # fraction of the cloud that was already in it at the step start

    cmw = (1.0 - cm) * cmwa
    cmda = (1.0 - cm) * (1.0 - cmwa)
    # vapour fractions if nothing condensed or evaporated during the step ("frozen" composition)
    cmwv_frozen = cmw + carried * (s[S_CMWV_OLD] - s[S_CMW_OLD])
    cmev_frozen = cm + carried * (s[S_CMEV_OLD] - cm0)
    cmwv = cmwv_frozen
    cmev = cmev_frozen

    latent_s0 = p[P_DHE] + p[P_TBP] * (cpsl - cps)
    latent_w0 = WATER_HEAT_OF_VAPORISATION + WATER_REFERENCE_TEMPERATURE * (
        WATER_LIQUID_HEAT_CAPACITY - WATER_VAPOUR_HEAT_CAPACITY)
    cp = (cmda * AIR_HEAT_CAPACITY + cmwv * WATER_VAPOUR_HEAT_CAPACITY + (cmw - cmwv) * WATER_LIQUID_HEAT_CAPACITY
          + cmev * cps + (cm - cmev) * cpsl)

    sft = s[S_SFT]
    if sft == 0.0:
        ground_heat = 0.0
    else:
        ground_heat = -cp0 * (t0 - ta) * abs(sft) / (abs(sft) + r0 * cp0 * abs(t0 - ta))
    enthalpy = ((1.0 - cm) * p[P_CPAA] * ta + cm * cps * p[P_TS]
                + carried * (cp0 * t0 - (1.0 - cm0) * p[P_CPAA] * ta - cm0 * cps * p[P_TS] + ground_heat))
    t = enthalpy / cp

    alfm = wmae * (cmda / AIR_MOLECULAR_WEIGHT + cmwv / WATER_MOLECULAR_WEIGHT + cmev / wms)
    fft = _saturation_ratio(spa, spb, spc, t)
    ggt = math.exp(spaw - spbw / t)
    partial_w = (wmae * cmw) / (alfm * WATER_MOLECULAR_WEIGHT)
    partial_s = (wmae * cm) / (alfm * wms)

    # all-vapour flags: the phase stays all vapour when it was so and the saturation ratio exceeds the partial pressure
    all_vapour_s = (s[S_CMEV_OLD] == cm0) and (fft > partial_s)
    all_vapour_w = (s[S_CMWV_OLD] == s[S_CMW_OLD]) and (ggt > partial_w)

    if not (all_vapour_s and all_vapour_w):
        if not all_vapour_s:
            t, fft, ggt = _first_guess_with_evaporation(
                t, fft, cp, cm, cmev_frozen, cmda, cmwv, latent_s0, wms, spa, spb, spc, spaw, spbw, p[P_TBP])
        t, cmev, cmwv, cp, alfm = _equilibrium_phase_split(
            t, fft, ggt, enthalpy, cm, cmw, cmda, cmev_frozen, cmwv_frozen, all_vapour_s, all_vapour_w,
            latent_s0, latent_w0, wms, wmae, cps, cpsl, spa, spb, spc, spaw, spbw)

    liquid_volume = (p[P_RHOA] / WATER_LIQUID_DENSITY) * (cmw - cmwv) + (p[P_RHOA] / p[P_RHOSL]) * (cm - cmev)
    s[S_RHO] = p[P_RHOA] * ta / (alfm * t + liquid_volume * ta)
    s[S_T] = t
    s[S_CM] = cm
    s[S_CV] = cv
    s[S_CMW] = cmw
    s[S_CMWV] = cmwv
    s[S_CMEV] = cmev
    s[S_CP] = cp


@njit(**KERNEL_ACCURATE)
def _first_guess_with_evaporation(t, fft, cp, cm, cmev_frozen, cmda, cmwv, latent_s0, wms, spa, spb, spc,
                                  spaw, spbw, tbp):
    """Linearised temperature drop when aerosol evaporates: solves the quadratic of the linearised saturation curve
    f(T) ≈ f + f'·ΔT in the energy balance (as implemented in the SLAB program, subroutine thermo); the drop is not
    larger than evaporating all remaining liquid would give. Returns (T, f_s(T), f_w(T))."""
    slope = (spb * fft) / ((t + spc) * (t + spc))
    if fft > 1.0:
        fft = 1.0 + spa * (t - tbp) / (tbp + spc)
        slope = spa / (tbp + spc)
    others = wms * (cmda / AIR_MOLECULAR_WEIGHT + cmwv / WATER_MOLECULAR_WEIGHT)
    half_b = 0.5 * ((1.0 - fft) / slope + (latent_s0 / cp) * (others + cmev_frozen))
    c = latent_s0 * (others - (1.0 - fft) * cmev_frozen) / (cp * slope)
    drop = half_b - math.sqrt(half_b * half_b + c)
    drop_all = latent_s0 * (cmev_frozen - cm) / cp
    t = t + max(drop_all, drop)
    return t, _saturation_ratio(spa, spb, spc, t), math.exp(spaw - spbw / t)


@njit(**KERNEL_ACCURATE)
def _equilibrium_vapour(is_all_vapour, total, others, ratio, temperature, a, b, c):
    """Equilibrium vapour mass fraction of one condensable and its temperature derivative.

    m_v = α f/(1 − f) while f < m/(m + α) (liquid present); above, the curve is continued linearly from the
    dew-point temperature T_d, f(T_d) = m/(m + α), so that Newton's method sees a smooth function.
    """
    if is_all_vapour:
        return total, 0.0
    dew_ratio = total / (total + others)
    if ratio < dew_ratio:
        vapour = others * ratio / (1.0 - ratio)
        return vapour, b * vapour / ((1.0 - ratio) * (temperature + c) * (temperature + c))
    dew_t = b / (a - math.log(dew_ratio)) - c
    derivative = b * total / ((1.0 - dew_ratio) * (dew_t + c) * (dew_t + c))
    return derivative * (temperature - dew_t) + total, derivative


@njit(**KERNEL_ACCURATE)
def _equilibrium_phase_split(t, fft, ggt, enthalpy, cm, cmw, cmda, cmev_frozen, cmwv_frozen, all_vapour_s,
                             all_vapour_w, latent_s0, latent_w0, wms, wmae, cps, cpsl, spa, spb, spc, spaw, spbw):
    """Newton iteration for the equilibrium temperature and vapour fractions (≤ 2 phase-flag passes of ≤ 15
    iterations, tolerance 0.001 K as in the SLAB program, subroutine thermo). Returns (T, m_sv, m_wv, c_p, α_m)."""
    cmev = cmev_frozen
    cmwv = cmwv_frozen
    cp = 0.0
    alfm = 0.0
    for _pass in range(2):
        t_star = t
        cmwv_s = cmwv
        cmev_s = cmev
        recycle = False
        for _it in range(15):
            others_s = wms * (cmda / AIR_MOLECULAR_WEIGHT + min(cmwv_s, cmw) / WATER_MOLECULAR_WEIGHT)
            cmev_s, d_cmev = _equilibrium_vapour(all_vapour_s, cm, others_s, fft, t_star, spa, spb, spc)
            others_w = WATER_MOLECULAR_WEIGHT * (cmda / AIR_MOLECULAR_WEIGHT + min(cmev_s, cm) / wms)
            cmwv_s, d_cmwv = _equilibrium_vapour(all_vapour_w, cmw, others_w, ggt, t_star, spaw, spbw, 0.0)
            cmwv_m = min(cmwv_s, cmw)
            cmev_m = min(cmev_s, cm)
            cp_star = (cmda * AIR_HEAT_CAPACITY + cmwv_m * WATER_VAPOUR_HEAT_CAPACITY
                       + (cmw - cmwv_m) * WATER_LIQUID_HEAT_CAPACITY + cmev_m * cps + (cm - cmev_m) * cpsl)
            t_balance = (enthalpy + latent_w0 * (cmwv_frozen - cmwv_s) + latent_s0 * (cmev_frozen - cmev_s)) / cp_star
            residual = t_star - t_balance
            latent_w = latent_w0 + t_balance * (WATER_VAPOUR_HEAT_CAPACITY - WATER_LIQUID_HEAT_CAPACITY)
            latent_s = latent_s0 + t_balance * (cps - cpsl)
            derivative = 1.0 + (latent_w * d_cmwv + latent_s * d_cmev) / cp_star
            t_next = t_star - residual / derivative
            change = abs(t_next - t_balance)
            t_star = t_next
            fft = _saturation_ratio(spa, spb, spc, t_star)
            ggt = math.exp(spaw - spbw / t_star)
            if change < 0.001:
                break

        alfm = wmae * (cmda / AIR_MOLECULAR_WEIGHT + min(cmwv_s, cmw) / WATER_MOLECULAR_WEIGHT
                       + min(cmev_s, cm) / wms)
        if all_vapour_s:
            cmev = cm
        else:
            candidate = alfm * wms * fft / wmae
            if candidate > cm:
                cmev = cm
                all_vapour_s = True
                if not all_vapour_w:
                    recycle = True
            else:
                cmev = candidate
        if all_vapour_w:
            cmwv = cmw
        else:
            candidate = alfm * WATER_MOLECULAR_WEIGHT * ggt / wmae
            if candidate > cmw:
                cmwv = cmw
                all_vapour_w = True
                if not all_vapour_s:
                    recycle = True
            else:
                cmwv = candidate

        alfm = (cmda / AIR_MOLECULAR_WEIGHT + cmwv / WATER_MOLECULAR_WEIGHT + cmev / wms) * wmae
        cp = (cmda * AIR_HEAT_CAPACITY + cmwv * WATER_VAPOUR_HEAT_CAPACITY + (cmw - cmwv) * WATER_LIQUID_HEAT_CAPACITY
              + cmev * cps + (cm - cmev) * cpsl)
        t = (enthalpy + latent_w0 * (cmwv_frozen - cmwv) + latent_s0 * (cmev_frozen - cmev)) / cp

        if all_vapour_s:
            fft = _saturation_ratio(spa, spb, spc, t)
            if alfm * wms * fft / wmae < cm:
                all_vapour_s = False
                recycle = True
        if all_vapour_w:
            ggt = math.exp(spaw - spbw / t)
            if alfm * WATER_MOLECULAR_WEIGHT * ggt / wmae < cmw:
                all_vapour_w = False
                recycle = True
        if not recycle:
            break
    return t, cmev, cmwv, cp, alfm
