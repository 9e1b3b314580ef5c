"""SLAB physics kernels (Numba): wind profile, the right-hand sides ("slopes") of the steady-plume and transient-puff
conservation equations, the cloud speed/shape closure and the entrainment and surface fluxes.

Reference: D. L. Ermak, *User's Manual for SLAB: An Atmospheric Dispersion Model for Denser-than-Air Releases*,
UCRL-MA-105607, LLNL 1990 ("Ermak (1990)" below). §2 gives the layer-averaged conservation equations: the steady
plume is integrated in the downwind distance x, the puff in time t. Where an equation or constant is only known
from the public-domain SLAB program it says "as implemented in the SLAB program (subroutine …)" and is listed in
``docs/unverified.md``.

The state lives in the flat arrays ``p`` (parameters) and ``s`` (cloud state) of :mod:`dispersion._dense_gas_state`;
every function is ``@njit(cache=True)`` without fastmath (results must not depend on re-association).
"""

from __future__ import annotations

import math

from numba import njit

from dispersion._dense_gas_state import (
    P_AFA, P_ALA, P_ALA0, P_BSE, P_CU1, P_CU2, P_HMX, P_IDSPL, P_PHGAM, P_PHIMI, P_QS, P_QTCS, P_RCF,
    P_RHOA, P_STB, P_TA, P_TGON, P_TSD, P_URF, P_USTAR, P_WS, P_Z0, P_ZL, P_ZT,
    S_ALFG, S_B, S_B_OLD, S_BB, S_BB_OLD, S_BBV, S_BBV_OLD, S_BBVX, S_BBVX_OLD, S_BBX, S_BBX_OLD, S_BETA,
    S_BETAX, S_BV, S_BV_OLD, S_BVX, S_BVX_OLD, S_BX, S_BX_OLD, S_CM, S_CP, S_DBBX, S_FT, S_FU, S_FUG, S_FV, S_FW,
    S_G, S_GW, S_GX, S_H, S_H_OLD, S_HTP, S_HTP_OLD, S_IDPF, S_KEVAL, S_QINT, S_QINT_OLD, S_R, S_R_OLD, S_RHO,
    S_RHO_OLD, S_SFT, S_SFU, S_SFX, S_SFY, S_SFZ, S_SRU0, S_T, S_TIM, S_TIMN, S_U, S_U_OLD, S_UAB, S_UAB_OLD,
    S_UBS2, S_UBS2_OLD, S_UG, S_UG_OLD, S_UTC3, S_UTM3, S_UTST, S_V, S_VG, S_VG_OLD, S_VX, S_W, S_WC, S_WC_OLD,
    S_WSS, S_X, S_XN, S_XSTR, S_ZC, S_ZC_OLD,
)
from dispersion._dense_gas_thermo import GRAVITY, KERNEL_ACCURATE, VON_KARMAN

SQRT3 = math.sqrt(3.0)
# Entrainment and friction constants of SLAB (Ermak 1990 §2.4 names them; values as in the SLAB program).
ENTRAIN_TOP = 1.5  # α₁ (aa): vertical entrainment coefficient [-]
FRICTION_NEUTRAL = 0.086  # cf00: reference friction coefficient for the side-entrainment scaling [-]
SIDE_GROWTH = 0.0004  # σ_b (sigb): side-entrainment width dependence [1/m]
JET_SHEAR = 0.02  # cf1: friction coefficient of the jet/ambient velocity difference [-]
RICHARDSON_CRITICAL = 0.025  # cri: buoyancy term of the top-entrainment stability function [-]
HEAT_TRANSFER = 0.14  # cth: free-convection ground heat-transfer coefficient [-]
GRAVITY_SPREAD_CROSS = 0.75  # alfgv: gravity-spreading force coefficient [-]
SOURCE_FRICTION = 0.05  # cws: source-velocity contribution to the cloud's friction velocity [-]
REFERENCE_HEIGHT = 4.0  # hrf: reference height of the entrainment velocity scaling [m]


@njit(**KERNEL_ACCURATE)
def wind_profile(z, z0, ala0, zl, hmx, zt, cu1, cu2):
    """Normalised ambient wind u(z)·k/u* [-] (Ermak 1990 §2.5, similarity profile with a mixing-layer correction).

    Below z_t = e·z0 a parabola cu1·z + cu2·z² joins the profile smoothly (as implemented in the SLAB program,
    function uafn). Above it, for stable/neutral air (1/L₀ ≥ 0)
        ln(z/z0) − (z − z0)/h_mx + 5·(1/L₀)·z_l·[(1 + z_l/h_mx)·ln((z + z_l)/(z0 + z_l)) − (z − z0)/h_mx],
    and for unstable air the integrated φ_m = φ_mi + (1 − φ_mi)/sqrt(1 + γ z), φ_mi = (1 − 16 z_l/L₀)^(−1/4),
    γ = −8/(L₀(1 − φ_mi)). z, z0, z_l, h_mx, z_t [m]; ala0 = 1/L₀ [1/m].
    """
    if z < zt:
        return cu1 * z + cu2 * z * z
    if ala0 < 0.0:
        phmi = 1.0 / math.sqrt(math.sqrt(1.0 - 16.0 * zl * ala0))
        gus = -8.0 * ala0 / (1.0 - phmi)
        xu = math.sqrt(1.0 + gus * z)
        xu0 = math.sqrt(1.0 + gus * z0)
        return (math.log(z / z0) - phmi * (z - z0) / hmx
                - 2.0 * (1.0 - phmi) * (math.log((1.0 + xu) / (1.0 + xu0))
                                        - (math.sqrt(xu) - math.sqrt(xu0)) / (gus * hmx)))
    return (math.log(z / z0) - (z - z0) / hmx
            + 5.0 * ala0 * zl * ((1.0 + zl / hmx) * math.log((z + zl) / (z0 + zl)) - (z - z0) / hmx))


@njit(**KERNEL_ACCURATE)
def normalised_wind(p, z):
    """u(z)·k/u* for the run's atmosphere (see :func:`wind_profile`)."""
    return wind_profile(z, p[P_Z0], p[P_ALA0], p[P_ZL], p[P_HMX], p[P_ZT], p[P_CU1], p[P_CU2])


@njit(**KERNEL_ACCURATE)
def ambient_wind(p, z):
    """Ambient wind speed u_a(z) = (u*/k)·u(z)·k/u* [m/s]."""
    return (p[P_USTAR] / VON_KARMAN) * normalised_wind(p, z)


@njit(**KERNEL_ACCURATE)
def layer_averaged_wind(p, top):
    """Ambient wind averaged over 0 … top [m] by Simpson's rule on five panels [m/s] (as in the SLAB program)."""
    dh = top / 5.0
    z_mid = -0.5 * dh
    z_edge = 0.0
    total = 0.0
    u_edge = 0.0
    for _ in range(5):
        z_mid += dh
        z_edge += dh
        u_edge = normalised_wind(p, z_edge)
        total += 4.0 * normalised_wind(p, z_mid) + 2.0 * u_edge
    return (p[P_USTAR] / VON_KARMAN) * (total - u_edge) / 30.0


@njit(**KERNEL_ACCURATE)
def stability_factor(p):
    """Stability multiplier of the horizontal (side) entrainment: 1 − 10·√(cf0/cf00)/L (unstable) or
    1/(1 + 10·√(cf0/cf00)/L) (stable) [-] (as implemented in the SLAB program, subroutine entran)."""
    ala = p[P_ALA]
    if ala < 0.0:
        return 1.0 - p[P_RCF] * 10.0 * ala
    return 1.0 / (1.0 + p[P_RCF] * 10.0 * ala)


@njit(**KERNEL_ACCURATE)
def side_entrainment(p, uab, half_width, delu):
    """Side entrainment velocity v [m/s] (Ermak 1990 §2.4): ambient turbulence
    v_a = α_h·u_a/(1 + (σ_b/2α_h)·B/√3), α_h = afa·stability, combined with the jet shear term k·α₁·Δu:
    v = sqrt(v_a² + cf1·(α₁ k Δu)²)."""
    atot = p[P_AFA] * stability_factor(p)
    va = atot * uab / (1.0 + (0.5 * SIDE_GROWTH / atot) * half_width / SQRT3)
    vjp = ENTRAIN_TOP * VON_KARMAN * delu
    return math.sqrt(va * va + JET_SHEAR * vjp * vjp)


# ---------------------------------------------------------------------------------------------------------------
# right-hand sides
# ---------------------------------------------------------------------------------------------------------------
@njit(**KERNEL_ACCURATE)
def plume_slope(p, s, f):
    """d/dx of the steady-plume variables (Ermak 1990 §2.2, steady-state plume equations), into f[0:11].

    f0  d r/dx   = ρ_a·√3·(v·h + w·B) + Q/(4 b_se) over the pool     (half mass flux, [kg/(s m)])
    f1  d B_v/dx = (√3 (ρ_a/ρ) v + v_g)/u                              (half-width growth by entrainment + slumping)
    f2  d b_v/dx = v_g·b/(u·B)
    f3  crosswind gravity force α_v·g·(ρ − ρ_a)·h²,  f9 its surface friction F_v
    f4  heat flux F_T,  f5 along-wind momentum flux F_u
    f6  vertical buoyancy −g·(ρ − ρ_a)·B·h,  f10 vertical friction F_w
    f7  d z_c/dx = w_c/u,  f8 released mass 2ρ B h m_s (SLAB's time-of-arrival integral)
    """
    rhoa = p[P_RHOA]
    rho, h, bb, u = s[S_RHO], s[S_H], s[S_BB], s[S_U]
    source = 0.0 if s[S_X] >= p[P_BSE] else 0.25 * p[P_QS] / p[P_BSE]
    f[0] = rhoa * SQRT3 * (s[S_V] * h + s[S_W] * bb) + source
    f[1] = (SQRT3 * (rhoa / rho) * s[S_V] + s[S_VG]) / u
    f[2] = (s[S_VG] * s[S_B]) / (u * bb)
    f[3] = GRAVITY_SPREAD_CROSS * GRAVITY * (rho - rhoa) * h * h
    f[4] = s[S_FT]
    f[5] = s[S_FU]
    f[6] = -GRAVITY * (rho - rhoa) * bb * h
    f[7] = s[S_WC] / u
    f[8] = 2.0 * rho * bb * h * s[S_CM]
    f[9] = s[S_FV]
    f[10] = s[S_FW]


@njit(**KERNEL_ACCURATE)
def puff_slope(p, s, f):
    """d/dt of the transient-puff variables (Ermak 1990 §2.2, puff equations), into f[0:15].

    f0  d r/dt = ρ_a √3 ((v_x B + v B_x) h + w B B_x) + Q/4 while t < t_sd  (quarter mass [kg/s])
    f1  d x/dt = u − (Q/4r)·x  (the centre of mass of a growing cloud lags the front)
    f2,f3 half-width B_v and b_v; f4,f5 half-length B_vx and b_vx (entrainment + gravity slumping)
    f6,f7 crosswind and along-wind gravity forces α_v g (ρ − ρ_a) h²·(B_x, B); f12,f13 their friction
    f8 heat flux, f9 along-wind momentum flux, f10 vertical buoyancy −g(ρ − ρ_a) B B_x h, f14 its friction
    f11 d z_c/dt = w_c
    Also sets the source velocity felt by entrainment (w_s while the source is on).
    """
    rhoa = p[P_RHOA]
    rho, h, bb, bbx, r = s[S_RHO], s[S_H], s[S_BB], s[S_BBX], s[S_R]
    if s[S_TIM] >= p[P_TSD]:
        source = 0.0
        s[S_WSS] = 0.0
        lag = 0.0
    else:
        source = 0.25 * p[P_QS]
        s[S_WSS] = p[P_WS]
        lag = source / r if r > 0.0 else 0.0
    f[0] = rhoa * SQRT3 * ((s[S_VX] * bb + s[S_V] * bbx) * h + s[S_W] * bb * bbx) + source
    f[1] = s[S_U] - lag * s[S_X]
    f[2] = SQRT3 * (rhoa / rho) * s[S_V] + s[S_VG]
    f[3] = (s[S_VG] * s[S_B]) / bb
    f[4] = SQRT3 * (rhoa / rho) * s[S_VX] + s[S_UG]
    f[5] = (s[S_UG] * s[S_BX]) / bbx
    force = GRAVITY_SPREAD_CROSS * GRAVITY * (rho - rhoa) * h * h
    f[6] = force * bbx
    f[7] = force * bb
    f[8] = s[S_FT]
    f[9] = s[S_FU]
    f[10] = -GRAVITY * (rho - rhoa) * bb * bbx * h
    f[11] = s[S_WC]
    f[12] = s[S_FV]
    f[13] = s[S_FUG]
    f[14] = s[S_FW]


@njit(**KERNEL_ACCURATE)
def _clamp_centre_height(p, s):
    """0 ≤ z_c ≤ h_mx − h/2 [m]."""
    top = p[P_HMX] - 0.5 * s[S_H]
    if s[S_ZC] > top:
        s[S_ZC] = top
    if s[S_ZC] < 0.0:
        s[S_ZC] = 0.0


@njit(**KERNEL_ACCURATE)
def plume_apply_increments(s, dy, p):
    """State at a stage = step-start state + integrated increments dy (SLAB's 'solve')."""
    s[S_R] = s[S_R_OLD] + dy[0]
    s[S_BBV] = s[S_BBV_OLD] + dy[1]
    s[S_BV] = s[S_BV_OLD] + dy[2]
    s[S_G] = dy[3]
    s[S_SFT] = dy[4]
    s[S_SFU] = dy[5]
    s[S_GW] = dy[6]
    s[S_ZC] = s[S_ZC_OLD] + dy[7]
    _clamp_centre_height(p, s)
    s[S_QINT] = s[S_QINT_OLD] + dy[8]
    s[S_SFY] = dy[9]
    s[S_SFZ] = dy[10]


@njit(**KERNEL_ACCURATE)
def puff_apply_increments(s, dy, p):
    """State at a stage = step-start state + integrated increments dy (SLAB's 'solvepf')."""
    s[S_R] = s[S_R_OLD] + dy[0]
    s[S_XN] = s[S_X] + dy[1]
    s[S_BBV] = s[S_BBV_OLD] + dy[2]
    s[S_BV] = s[S_BV_OLD] + dy[3]
    s[S_BBVX] = s[S_BBVX_OLD] + dy[4]
    s[S_BVX] = s[S_BVX_OLD] + dy[5]
    s[S_G] = dy[6]
    s[S_GX] = dy[7]
    s[S_SFT] = dy[8]
    s[S_SFU] = dy[9]
    s[S_GW] = dy[10]
    s[S_ZC] = s[S_ZC_OLD] + dy[11]
    _clamp_centre_height(p, s)
    s[S_SFY] = dy[12]
    s[S_SFX] = dy[13]
    s[S_SFZ] = dy[14]


# ---------------------------------------------------------------------------------------------------------------
# closures: speed, shape, depth
# ---------------------------------------------------------------------------------------------------------------
@njit(**KERNEL_ACCURATE)
def _cloud_top(zc, h):
    """Cloud top [m]: z_c + h/2 for a lifted cloud, h for a grounded one."""
    half = 0.5 * h
    return zc + half if zc > half else h


@njit(**KERNEL_ACCURATE)
def _update_layer_wind(p, s, u_bottom):
    """Ambient wind averaged over the cloud depth, extended from the step start by Simpson's rule over the new
    part of the layer: u_ab = (H0·u_ab0 + (u(H0) + 4u(H½) + u(H))·(H − H0)/6)/H, not above u(H) [m/s]."""
    htp0, htp = s[S_HTP_OLD], s[S_HTP]
    u_mid = ambient_wind(p, 0.5 * (htp0 + htp))
    u_top = ambient_wind(p, htp)
    uab = (htp0 * s[S_UAB_OLD] + (u_bottom + 4.0 * u_mid + u_top) * (htp - htp0) / 6.0) / htp
    return uab, u_top


@njit(**KERNEL_ACCURATE)
def _friction_limited_momentum_change(s):
    """Along-wind surface-friction momentum change of the step, limited so it cannot reverse u − u_ab
    (as implemented in the SLAB program, subroutines eval/evalpf)."""
    sfu = s[S_SFU]
    if sfu == 0.0:
        return 0.0
    r0 = s[S_R_OLD]
    du = s[S_U_OLD] - s[S_UAB_OLD]
    return -r0 * du * abs(sfu) / (abs(sfu) + r0 * abs(du))


@njit(**KERNEL_ACCURATE)
def plume_speed_and_shape(p, s):
    """Steady plume: cloud speed u, half-widths B and b, depth h, top H and layer wind u_ab (SLAB's 'eval').

    The half-widths from entrainment (B_v, b_v) are scaled for the density change over the step
    (B = B_v·(ρ0 u0/ρ u)^γ, γ = h/(h + 2B), iterated), h = r/(ρ u B) from mass, and u solves the momentum
    balance with gravity spreading, u = u_t with the cubic u_t³ − u_t0 u_t² … (Ermak 1990 §2.2, the
    speed–depth coupling) solved by the trigonometric formula; when no positive root exists the plume is at the
    gravity-current limit and widens (B ← (27/4)(u_g³/u_t0³)·B, recorded in dbbx). Crosswind gravity-spreading
    velocity v_g and centre-height velocity w_c follow from the integrated forces with friction damping.
    Why it is long: it follows one step of the SLAB program in the order of Ermak (1990)'s equations, so that it
    can be checked line by line against the manual; split, that correspondence would be lost.
    """
    rhoa, hmx, bse = p[P_RHOA], p[P_HMX], p[P_BSE]
    rho, rho0, r, r0 = s[S_RHO], s[S_RHO_OLD], s[S_R], s[S_R_OLD]
    u0, uab0 = s[S_U_OLD], s[S_UAB_OLD]
    bb0, b0 = s[S_BB_OLD], s[S_B_OLD]
    dbbv = s[S_BBV] - s[S_BBV_OLD]
    dbv = s[S_BV] - s[S_BV_OLD]
    cm, zc, alfg = s[S_CM], s[S_ZC], s[S_ALFG]
    u_bottom = ambient_wind(p, s[S_HTP_OLD])

    u = u0
    bb = bb0 + dbbv
    b = b0 + dbv
    h = r / (rho * u * bb)
    rex = (rho0 / rho) ** (h / (h + bb + bb))
    uab = s[S_UAB]
    ut0 = 0.0
    utg3 = 0.0
    for _ in range(11):
        gex = h / (h + bb + bb)
        rex0 = rho0 * u0 / (rho * u) if u0 > uab0 else rho0 / rho
        rex = math.sqrt(rex * rex0 ** gex)
        bb = (bb0 + dbbv) * rex
        b = (b0 + dbv) * rex
        h = r / (rho * u * bb)
        if h > bb + bb:  # the cloud cannot be deeper than wide: square section
            bb = math.sqrt(r / (2.0 * rho * u))
            h = bb + bb
            rex = math.sqrt(rex0)
        s[S_HTP] = _cloud_top(zc, h)
        uab, _u_top = _update_layer_wind(p, s, u_bottom)
        if uab > _u_top:
            uab = _u_top

        ut0 = uab * (1.0 - cm) + (s[S_SRU0] + _friction_limited_momentum_change(s)) / r
        utg3 = alfg * GRAVITY * (rho - rhoa) * r / (2.0 * bb * rho * rho)
        if utg3 <= 0.0:
            ut2 = ut0
        else:
            utm3 = (2.0 / 27.0) * ut0 * ut0 * ut0
            utc3 = utg3 - utm3
            s[S_UTM3] = utm3
            s[S_UTC3] = utc3
            if utc3 > utm3:
                ut2 = min((ut0 + ut0) / 3.0, u0)
            else:
                angle = math.acos(-utc3 / utm3)
                ut2 = (ut0 + 2.0 * ut0 * math.cos(angle / 3.0)) / 3.0
        ut2 = (u * ut2 * ut2) ** 0.333333
        change = abs(u - ut2) / math.sqrt(u * ut2)
        u = ut2
        h = r / (rho * u * bb)
        if change < 0.001:
            break

    if h < zc + zc and alfg * rho > alfg * rhoa:  # a grounded dense cloud reaches the ground
        h = zc + zc
        u = r / (rho * bb * h)
    if h > hmx:
        h = hmx
    if zc > hmx - 0.5 * h:
        zc = hmx - 0.5 * h
    s[S_ZC] = zc
    s[S_HTP] = _cloud_top(zc, h)
    uab, u_top = _update_layer_wind(p, s, u_bottom)
    if uab > u_top:
        uab = u_top

    s[S_DBBX] = 0.0
    if s[S_UTC3] > s[S_UTM3] and s[S_KEVAL] == 4.0:
        s[S_UTST] = 3.0
        ratio = (27.0 / 4.0) * utg3 / (ut0 * ut0 * ut0)
        bb = ratio * bb
        b = ratio * b
        s[S_DBBX] = bb * (ratio - 1.0) / ratio
    s[S_U] = u
    s[S_H] = h
    s[S_BB] = bb
    s[S_B] = b
    s[S_UAB] = uab
    s[S_BETA] = math.sqrt(bb * bb - b * b) / SQRT3
    _plume_transverse_velocities(p, s)


@njit(**KERNEL_ACCURATE)
def _damped(integrated, r0, old, friction):
    """Velocity after a step from its integrated force with friction damping: e = r0|v0|/(r0|v0| + |F|),
    v = e·(G + r0 v0)/r (numerator only; divide by r). e = 1 when v0 = 0."""
    if old == 0.0:
        return integrated + r0 * old
    e = r0 * abs(old) / (r0 * abs(old) + abs(friction))
    return e * (integrated + r0 * old)


@njit(**KERNEL_ACCURATE)
def _damped_spreading(integrated, r0, old, friction):
    """As :func:`_damped` for a spreading velocity, with SLAB's damping e = r0 v0/(r0 v0 + |F|) that keeps the
    sign of v0 (as implemented in the SLAB program, subroutines eval/evalpf)."""
    if old == 0.0:
        return integrated
    e = r0 * old / (r0 * old + abs(friction))
    return e * (integrated + r0 * old)


@njit(**KERNEL_ACCURATE)
def _plume_transverse_velocities(p, s):
    """Gravity-spreading velocity v_g [m/s] and centre-height velocity w_c [m/s] of the steady plume."""
    r, r0, rho, rhoa = s[S_R], s[S_R_OLD], s[S_RHO], p[P_RHOA]
    wc0 = s[S_WC_OLD]
    grounded = s[S_HTP] <= s[S_H]
    if s[S_XN] > p[P_BSE]:
        if not grounded:
            s[S_VG] = 0.0
            s[S_WC] = _damped(s[S_GW], r0, wc0, s[S_SFZ]) / r
        elif rho > rhoa:
            if s[S_VG_OLD] == 0.0:
                s[S_VG_OLD] = -2.0 * wc0 * s[S_BB_OLD] / s[S_H_OLD]
                s[S_VG] = (s[S_G] + r0 * s[S_VG_OLD]) / r
            else:
                s[S_VG] = _damped_spreading(s[S_G], r0, s[S_VG_OLD], s[S_SFY]) / r
            s[S_WC] = -s[S_VG] * s[S_ZC] / s[S_BB]
        else:
            s[S_WC] = _damped(s[S_GW], r0, wc0, s[S_SFZ]) / r
            s[S_VG] = 0.0
    else:
        if rho > rhoa:
            s[S_VG] = _damped_spreading(s[S_G], r0, s[S_VG_OLD], s[S_SFY]) / r
        else:
            s[S_VG] = 0.0
        s[S_WC] = 0.0


@njit(**KERNEL_ACCURATE)
def puff_speed_and_shape(p, s):
    """Transient puff: half-width B, b, half-length B_x, b_x, depth h, speed u and spreading velocities
    (SLAB's 'evalpf'). Density change scales B and B_x by (ρ0/ρ)^γ with γ_y = B_x0 h0/(h0(B_x0 + B0) + 2 B0 B_x0),
    γ_x = (B0/B_x0) γ_y; h = r/(ρ B B_x); u = (1 − m_s) u_ab + (momentum + friction)/r (Ermak 1990 §2.2)."""
    rhoa, hmx = p[P_RHOA], p[P_HMX]
    rho, rho0, r, r0 = s[S_RHO], s[S_RHO_OLD], s[S_R], s[S_R_OLD]
    bb0, bbx0, h0 = s[S_BB_OLD], s[S_BBX_OLD], s[S_H_OLD]
    u_bottom = ambient_wind(p, s[S_HTP_OLD])
    gey = bbx0 * h0 / (h0 * (bbx0 + bb0) + 2.0 * bb0 * bbx0)
    gex = (bb0 / bbx0) * gey
    rey = (rho0 / rho) ** gey
    rex = (rho0 / rho) ** gex
    bb = (bb0 + s[S_BBV] - s[S_BBV_OLD]) * rey
    b = (s[S_B_OLD] + s[S_BV] - s[S_BV_OLD]) * rey
    bbx = (bbx0 + s[S_BBVX] - s[S_BBVX_OLD]) * rex
    bx = (s[S_BX_OLD] + s[S_BVX] - s[S_BVX_OLD]) * rex
    s[S_BB], s[S_B], s[S_BBX], s[S_BX] = bb, b, bbx, bx
    s[S_BETA] = math.sqrt(bb * bb - b * b) / SQRT3
    s[S_BETAX] = math.sqrt(bbx * bbx - bx * bx) / SQRT3
    h = r / (rho * bbx * bb)
    if h > hmx:
        h = hmx
    s[S_H] = h
    if s[S_ZC] > hmx - 0.5 * h:
        s[S_ZC] = hmx - 0.5 * h
    zc = s[S_ZC]
    s[S_HTP] = _cloud_top(zc, h)
    uab, _u_top = _update_layer_wind(p, s, u_bottom)
    s[S_UAB] = uab
    s[S_U] = (1.0 - s[S_CM]) * uab + (s[S_SRU0] + _friction_limited_momentum_change(s)) / r

    wc0 = s[S_WC_OLD]
    if s[S_HTP] > h:
        s[S_VG] = 0.0
        s[S_UG] = 0.0
        s[S_WC] = _damped(s[S_GW], r0, wc0, s[S_SFZ]) / r
    elif rho > rhoa:
        share = bb0 * bbx0 / (bb0 * bb0 + bbx0 * bbx0)
        if s[S_VG_OLD] == 0.0:
            if h0 > 0.0:
                s[S_VG_OLD] = -2.0 * share * bbx0 * wc0 / h0
            s[S_VG] = (s[S_G] + r0 * s[S_VG_OLD]) / r
        else:
            s[S_VG] = _damped_spreading(s[S_G], r0, s[S_VG_OLD], s[S_SFY]) / r
        if s[S_UG_OLD] == 0.0:
            if h0 > 0.0:
                s[S_UG_OLD] = -2.0 * share * bb0 * wc0 / h0
            s[S_UG] = (s[S_GX] + r0 * s[S_UG_OLD]) / r
        else:
            s[S_UG] = _damped_spreading(s[S_GX], r0, s[S_UG_OLD], s[S_SFX]) / r
        s[S_WC] = -(s[S_VG] / bb + s[S_UG] / bbx) * zc
    else:
        s[S_WC] = _damped(s[S_GW], r0, wc0, s[S_SFZ]) / r
        s[S_VG] = 0.0
        s[S_UG] = 0.0


# ---------------------------------------------------------------------------------------------------------------
# entrainment and surface fluxes
# ---------------------------------------------------------------------------------------------------------------
@njit(**KERNEL_ACCURATE)
def _phi_heat(height, inverse_length):
    """Stability function φ(z/L): (1 − 16 z/L)^(−1/2) unstable, 1 + 5 z/L stable (Ermak 1990 §2.4)."""
    if inverse_length < 0.0:
        return 1.0 / math.sqrt(1.0 - 16.0 * height * inverse_length)
    return 1.0 + 5.0 * height * inverse_length


@njit(**KERNEL_ACCURATE)
def entrainment_and_fluxes(p, s):
    """Top entrainment w, side entrainment v, along-wind entrainment v_x and the surface fluxes F_u, F_ug, F_v,
    F_w, F_T (SLAB's 'entran'; Ermak 1990 §2.4).

    Top: w = (u_a(4 m)/u_a(H))·α₁·k·u*_c·[(1 − H/h_mx)/φ(H/L_c) + …] with the cloud friction velocity
    u*_c² = u*_b² + cf1(Δu² + v_g'²) + u*_T², the convective part u*_T² = (c_th g (T_g − T) v_h h/T̄)^(2/3)
    for a ground-heated cloud, and the cloud Obukhov length 1/L_c = (u*²/L_H + c_ri g (ρ − ρ_a)/ρ)/u*_c².
    Fluxes: F_u = −ρ(B (u*_u² − u*²) − (B + h) cf1 |Δu|Δu) on the ground, F_T = ρ B v_h c_p (T_g − T).
    Why it is long: it follows one step of the SLAB program in the order of Ermak (1990)'s equations, so that it
    can be checked line by line against the manual; split, that correspondence would be lost.
    """
    rhoa, uastr, hmx = p[P_RHOA], p[P_USTAR], p[P_HMX]
    rho, u, uab, h, htp, bb, t = s[S_RHO], s[S_U], s[S_UAB], s[S_H], s[S_HTP], s[S_BB], s[S_T]
    grounded = not (htp > h)
    ubar = 0.5 * s[S_UG]
    urho = ubar * rhoa / rho
    vbar = 0.5 * s[S_VG]
    vrho = vbar * rhoa / rho
    delu = (uab - u) * (rhoa / rho)
    cf = uastr / uab
    umgs = cf * u
    ugmgs = cf * ubar
    vmgs = cf * vbar
    shear2 = JET_SHEAR * (delu * delu + vrho * vrho)

    if not grounded:
        ubs2 = uastr * uastr + shear2
    else:
        ubs2 = umgs * umgs + vmgs * vmgs + SOURCE_FRICTION * s[S_WSS] * uab
    # the source-induced friction relaxes to the local value over x_str = h/cf0 after the source
    idspl = p[P_IDSPL]
    if idspl == 1.0 and s[S_XN] > p[P_BSE]:
        ubs2 = ubs2 + (s[S_UBS2_OLD] - ubs2) * math.exp((p[P_BSE] - s[S_XN]) / s[S_XSTR])
    if idspl == 4.0 and p[P_QS] * s[S_TIMN] > p[P_QTCS]:
        ubs2 = ubs2 + (s[S_UBS2_OLD] - ubs2) * math.exp((p[P_TSD] - s[S_TIMN]) * u / s[S_XSTR])
    s[S_UBS2] = ubs2
    vh = cf * math.sqrt(ubs2)
    tg = p[P_TGON] * p[P_TA] + (1.0 - p[P_TGON]) * t
    convective2 = 0.0
    if grounded and tg > t:
        convective2 = (HEAT_TRANSFER * GRAVITY * (tg - t) * vh * h / (0.5 * (tg + t))) ** (2.0 / 3.0)

    ustr2 = ubs2 + shear2 + convective2
    ustr = math.sqrt(ustr2)
    buoyancy = RICHARDSON_CRITICAL * GRAVITY * (rho - rhoa) / rho
    if buoyancy < 0.0:
        buoyancy = 0.0
    inverse_length = (p[P_ALA0] / (1.0 + htp / p[P_ZL]) * uastr * uastr + buoyancy) / ustr2
    phi_top = _phi_heat(htp, inverse_length)
    lid_top = 1.0 - htp / hmx
    lid_bottom = 0.0
    phi_bottom = 1.0
    if htp > 1.01 * h:  # lifted cloud: its bottom entrains too
        bottom = htp - h
        lid_bottom = 1.0 - bottom / hmx
        phi_bottom = _phi_heat(bottom, inverse_length)
    s[S_W] = (p[P_URF] / normalised_wind(p, htp)) * ENTRAIN_TOP * VON_KARMAN * ustr * (
        lid_top / phi_top + lid_bottom / phi_bottom)

    s[S_V] = side_entrainment(p, uab, bb, delu)
    # along-wind entrainment: ambient part with the puff length plus the shear of the wind over the cloud depth
    zc = s[S_ZC]
    sig = 0.5 * h / SQRT3 if zc > 0.5 * h else (h - zc) / SQRT3
    zrf = zc + 0.5 * sig
    if p[P_STB] < 0.0:
        phmr = p[P_PHIMI] + (1.0 - p[P_PHIMI]) / math.sqrt(1.0 + p[P_PHGAM] * zrf)
    else:
        phmr = 1.0 + 5.0 * p[P_ALA0] * zrf / (1.0 + zrf / p[P_ZL])
    vxs = 0.6 * uastr * (zrf / (zrf + p[P_Z0])) * phmr * (1.0 - zrf / hmx) / VON_KARMAN
    atot = p[P_AFA] * stability_factor(p)
    vax = atot * uab / (1.0 + (0.5 * SIDE_GROWTH / atot) * s[S_BBX] / SQRT3)
    s[S_VX] = math.sqrt(vax * vax + vxs * vxs)

    umhs2 = JET_SHEAR * abs(delu) * delu
    ugmhs2 = JET_SHEAR * abs(urho) * urho
    vmhs2 = JET_SHEAR * abs(vrho) * vrho
    wmhs2 = JET_SHEAR * abs(s[S_WC]) * s[S_WC]
    rhoef = rho * s[S_BBX] if s[S_IDPF] == 2.0 else rho
    if not grounded:
        s[S_FU] = rhoef * (bb + bb + h) * umhs2
        s[S_FUG] = 0.0
        s[S_FV] = 0.0
        s[S_FW] = -rhoef * h * wmhs2
        s[S_FT] = 0.0
    else:
        s[S_FU] = -rhoef * (bb * (umgs * umgs - uastr * uastr) - (bb + h) * umhs2)
        s[S_FUG] = -rhoef * bb * (ugmgs * ugmgs + ugmhs2)
        s[S_FV] = -rhoef * bb * (vmgs * vmgs + vmhs2)
        s[S_FW] = 0.0
        s[S_FT] = rhoef * bb * vh * s[S_CP] * (tg - t)
