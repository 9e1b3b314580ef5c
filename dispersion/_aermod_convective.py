"""AERMOD's convective plume (a stack below z_i in a convective hour) at one downwind distance, as scalar Numba
functions: the bi-Gaussian PDF of w, the direct, indirect and penetrated sources' heights, σ's and effective
parameters, and their F_z at a receptor height. Equation numbers ("MFD Eq. n") are those of Cimorelli et al. (2004),
*AERMOD: Description of Model Formulation*, EPA-454/R-03-004; the formulation and its sources are in
:mod:`dispersion.aermod`, profiles and plume rise in :mod:`dispersion._aermod_physics`, F_z at a height in
:mod:`dispersion._aermod_vertical`. Units as in :mod:`dispersion._aermod_physics`.
"""

from __future__ import annotations

import math

from numba import njit

from dispersion._aermod_physics import (BETA_2, HALF_WIDTH_SIGMAS, MINIMUM_SIGMA_V_OVER_U, convective_rise_direct,
                                        convective_rise_indirect, floors, initial_sum, profile_at,
                                        profile_average, quadrature_sum, reflection_height)
from dispersion._aermod_vertical import SQRT_2, vertical_convective_at, vertical_stable_at
from dispersion._math_kernels import KERNEL_OPTIONS


@njit(**KERNEL_OPTIONS)
def bigaussian_pdf(center, surface, sw, hour):
    """Bi-Gaussian PDF of w (MFD Eqs. 53, 61–62 and the text after them), R = 2: (λ1, λ2, a1, a2, b1, b2), a and b
    in units of w*."""
    wstar = hour.convective_velocity_scale
    w3 = 1.25 * wstar ** 3 * center / hour.mixing_height if surface else 0.125 * wstar ** 3
    skew = w3 / sw ** 3
    r = 2.0
    alpha = (1.0 + r * r) / (1.0 + 3.0 * r * r)
    beta = 1.0 + r * r
    root = math.sqrt(alpha * alpha * skew * skew + 4.0 / beta)
    a1 = (sw / wstar) * 0.5 * (alpha * skew + root)
    a2 = (sw / wstar) * 0.5 * (alpha * skew - root)
    lam1 = a2 / (a2 - a1)
    return lam1, 1.0 - lam1, a1, a2, r * a1, -r * a2


@njit(**KERNEL_OPTIONS)
def convective_sigmas(x, dh1, center, surface, u_d, sv_d, b1, b2, u3, sv3, sw3, dh3, st, hour):
    """σ_y, σ_z1, σ_z2 of the direct/indirect sources and σ_y3, σ_z3, σ_b3 of the penetrated one (MFD Eqs. 77,
    85-86); a volume source's initial σ_y0, σ_z0 added in quadrature to the first three (AERMOD VDIS, RMSSIG)."""
    zi, wstar = hour.mixing_height, hour.convective_velocity_scale
    he3, p = st.he3, st.penetrated
    ratio = max(MINIMUM_SIGMA_V_OVER_U, sv_d / u_d)
    alpha_y = max(78.0 * (0.46 / max(st.hs, 0.46)), 0.7)
    sya = ratio * x / (1.0 + alpha_y * ratio * x / zi) ** 0.3
    if surface:
        alpha_b = 0.6 + 0.4 * center / (0.1 * zi)
        surf = 0.5 * (1.0 - 10.0 * center / zi) * (hour.friction_velocity / u_d) ** 2 * x * x / abs(hour.obukhov_length)
    else:
        alpha_b, surf = 1.0, 0.0
    if p < 1.0:
        sz1 = quadrature_sum(alpha_b * b1 * wstar * x / u_d, surf)
        sz2 = quadrature_sum(alpha_b * b2 * wstar * x / u_d, surf)
    else:
        sz1, sz2 = 1.0, 1.0
    szb = BETA_2 * dh1 / SQRT_2
    ratio3 = max(MINIMUM_SIGMA_V_OVER_U, sv3 / u3)
    tl3 = (hour.mechanical_mixing_height / (156.0 * sv3)) * (max(he3, 0.46) / 0.46)
    sya3 = ratio3 * x / (1.0 + x / (2.0 * u3 * tl3)) ** 0.3
    t3 = x / u3
    sza3 = sw3 * t3 / math.sqrt(1.0 + sw3 * t3 / (0.72 * max(he3, 1e-4)))
    szb3 = BETA_2 * p * dh3 / SQRT_2
    return (initial_sum(szb, sya, st.sy0), initial_sum(szb, sz1, st.sz0), initial_sum(szb, sz2, st.sz0),
            quadrature_sum(szb3, sya3), quadrature_sum(szb3, sza3), szb3)


@njit(**KERNEL_OPTIONS)
def convective_geometry(x, st, hour, zr):
    """Convective plume at downwind distance x: the direct source's heights h_d1, h_d2 [m], σ_z1, σ_z2 [m], λ1, λ2,
    the indirect offset Δh_i [m], ũ_d, σ_y [m], σ̃_v,d; the penetrated source's h_ep, σ_z3, z_ieff3 [m], ũ_3,
    σ_y3 [m], σ̃_v3 (speeds [m s⁻¹]); and the highest receptor heights z_free,d and z_free,3 [m] whose layers are
    the ground receptor's. ``zr``, the receptor's height above the stack base, bounds the layers of the effective
    parameters (AERMOD IBLVAL)."""
    zi, wstar = hour.mixing_height, hour.convective_velocity_scale
    hsp, p, he3 = st.hsp, st.penetrated, st.he3
    # centroid height (MFD, the text after Eq. 43)
    xt = max(x, 1.0)
    if xt < st.x_final:
        center = min(hsp + convective_rise_direct(xt, st.fb, st.fm, st.u_s), zi)
    elif xt >= st.x_mixed:
        center = 0.5 * zi
    else:
        start = min(hsp + st.critical_rise, zi)
        span = st.x_mixed - st.x_final
        center = start + (xt - st.x_final) / (span if span > 0.0 else 1.0) * (0.5 * zi - start)
    surface = center < 0.1 * zi
    dh1 = convective_rise_direct(x, st.fb, st.fm, st.u_s)
    dh2 = convective_rise_indirect(x, st.fb, st.u_s, zi, hsp, wstar)
    dh3 = he3 - hsp if p > 0.0 else 0.0
    # effective parameters: first guess at the centroid / penetrated height, then layer averages (MFD Eq. 43)
    _, _, _, _, b1, b2 = bigaussian_pdf(center, surface, st.sw_s, hour)
    if p < 1.0:
        u_d, sv_d, sw_d, _, _ = profile_at(hour, center)
        u_d, sv_d, sw_d = floors(u_d, sv_d, sw_d)
    else:
        u_d, sv_d, sw_d = st.u_s, st.sv_s, st.sw_s
    u3, sv3, sw3, _, _ = profile_at(hour, he3)
    u3, sv3, sw3 = floors(u3, sv3, sw3)
    _, sz1, sz2, _, sz3, _ = convective_sigmas(x, dh1, center, surface, u_d, sv_d, b1, b2, u3, sv3, sw3, dh3, st,
                                               hour)
    free_3 = max(he3 - HALF_WIDTH_SIGMAS * sz3, 0.5)
    free_d = 5.0 if center <= 5.0 else max(center - HALF_WIDTH_SIGMAS * 0.5 * (sz1 + sz2), 0.5)
    if p > 0.0:  # penetrated source: average over [max(h_ep − 2.15 σ_z3, z_r), h_ep] (or up to z_r above it)
        if he3 > zr:
            u3, sv3, sw3, _, _ = profile_average(hour, max(he3 - HALF_WIDTH_SIGMAS * sz3, zr), he3)
        else:
            u3, sv3, sw3, _, _ = profile_average(hour, he3, min(he3 + HALF_WIDTH_SIGMAS * sz3, zr))
        u3, sv3, sw3 = floors(u3, sv3, sw3)
    else:
        u3, sv3, sw3 = st.u_s, st.sv_s, st.sw_s
    if p < 1.0:  # direct source: average over [max(h_c − 2.15 σ̄_z, z_r), min(h_c, z_i)] (or up to z_r above it)
        if center <= 5.0 and zr <= 5.0:
            top, bottom = min(5.0, zi), 0.0
        elif center > zr:
            top, bottom = min(center, zi), max(center - HALF_WIDTH_SIGMAS * 0.5 * (sz1 + sz2), zr)
        else:
            top, bottom = min(min(center + HALF_WIDTH_SIGMAS * 0.5 * (sz1 + sz2), zr), zi), center
        if top > bottom:
            u_d, sv_d, sw_d, _, _ = profile_average(hour, bottom, top)
        else:
            u_d, sv_d, sw_d, _, _ = profile_at(hour, zi)
        u_d, sv_d, sw_d = floors(u_d, sv_d, sw_d)
    lam1, lam2, a1, a2, b1, b2 = bigaussian_pdf(center, surface, sw_d, hour)
    sy, sz1, sz2, sy3, sz3, szb3 = convective_sigmas(x, dh1, center, surface, u_d, sv_d, b1, b2, u3, sv3, sw3, dh3,
                                                     st, hour)
    hd1 = hsp + dh1 + a1 * wstar * x / u_d
    hd2 = hsp + dh1 + a2 * wstar * x / u_d
    lid3 = reflection_height(he3, x, szb3, 0.0, st, hour) if p > 0.0 else zi
    if p <= 0.0:
        sy3 = 1.0
    return hd1, hd2, sz1, sz2, lam1, lam2, dh2, u_d, sy, sv_d, max(he3, 0.0), sz3, lid3, u3, sy3, sv3, free_d, free_3


@njit(**KERNEL_OPTIONS)
def convective_parts(x, st, hour):
    """Convective plume at downwind distance x at the ground: (F_z/ũ of the direct+indirect sources times 1 − f_p,
    σ_y, ũ_d, σ̃_v,d; the same four of the penetrated source times f_p) — F_z/ũ [s m⁻²], σ_y [m], ũ, σ̃_v
    [m s⁻¹]."""
    return convective_parts_at(x, st, hour, 0.0, 0.0)


@njit(**KERNEL_OPTIONS)
def _convective_vertical(g, zi, p, z):
    """(1 − f_p)(F_zd + F_zr)/ũ_d and f_p F_z3/ũ_3 at height z above the stack base from :func:`convective_geometry`
    ``g`` (AERMOD CPLUME: the penetrated source reflected at its z_ieff below it, unbounded above)."""
    hd1, hd2, sz1, sz2, lam1, lam2, dh2, u_d, _, _, he3, sz3, lid3, u3, _, _, _, _ = g
    vertical = 0.0
    if p < 1.0:
        fz_d = vertical_convective_at(hd1, hd2, sz1, sz2, lam1, lam2, zi, 1.0, z)
        fz_r = vertical_convective_at(hd1 - dh2, hd2 - dh2, sz1, sz2, lam1, lam2, zi, -1.0, z)
        vertical = (1.0 - p) * (fz_d + fz_r) / u_d
    vertical_3 = 0.0
    if p > 0.0:
        vertical_3 = p * vertical_stable_at(sz3, he3, lid3, z) / u3
    return vertical, vertical_3


@njit(**KERNEL_OPTIONS)
def convective_parts_at(x, st, hour, wrap, lift):
    """:func:`convective_parts` at a receptor ``wrap`` above the stack base and ``lift`` above its own ground [m]:
    the two plume states with f = ½ (φ_p = 0 in convective hours, MFD §5.1)."""
    g = convective_geometry(x, st, hour, wrap)
    vertical, vertical_3 = convective_vertical_at(g, hour.mixing_height, st.penetrated, wrap, lift)
    return vertical, g[8], g[7], g[9], vertical_3, g[14], g[13], g[15]


@njit(**KERNEL_OPTIONS)
def convective_vertical_at(g, zi, p, wrap, lift):
    """(1 − f_p)(F_zd + F_zr)/ũ_d and f_p F_z3/ũ_3 [s m⁻²] of :func:`convective_geometry` ``g`` at a receptor
    ``wrap`` above the stack base and ``lift`` above its ground: the two plume states with f = ½ (MFD §5.1)."""
    vertical, vertical_3 = _convective_vertical(g, zi, p, wrap)
    if wrap != lift:
        v_lift, v3_lift = _convective_vertical(g, zi, p, lift)
        vertical = 0.5 * (vertical + v_lift)
        vertical_3 = 0.5 * (vertical_3 + v3_lift)
    return vertical, vertical_3
