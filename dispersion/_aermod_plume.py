"""The y-independent parts of a stack's plume at one distance — F_z/ũ and σ_y of the direct (stable-type or
convective direct + indirect) and penetrated sources and the meander weight f_r — at the ground or at a receptor
height with AERMOD's two terrain states (scalar Numba functions, :mod:`dispersion._aermod_kernels` calls them).
Decay: ``decay_factor``. Meander: Cimorelli et al. (2004), *AERMOD: Description of Model Formulation*,
EPA-454/R-03-004, §5.4, as revised in Cimorelli et al. (2005), *J. Appl. Meteor.* 44:682–693 §4.
"""

from __future__ import annotations

import math

from numba import njit

from dispersion._aermod_convective import convective_parts, convective_parts_at
from dispersion._aermod_physics import (RANDOM_PLUME_TIME_SCALE, stable_gradual_rise, stable_parts_at,
                                        stable_parts_risen)
from dispersion._math_kernels import KERNEL_OPTIONS


@njit(**KERNEL_OPTIONS)
def meander_weight(u, sv, radial):
    """Random-plume weight f_r = (2σ_v² + ū²(1 − exp(−r/(ũ T_r))))/ũ², ū² = ũ² − 2σ_v², ≤ 1 (MFD §5.4 as
    revised in Cimorelli et al. 2005 §4)."""
    mean2 = u * u - 2.0 * sv * sv
    mean = math.sqrt(max(mean2, 0.0)) if mean2 >= 0.01 else 0.1
    random = 2.0 * sv * sv + mean * mean * (1.0 - math.exp(-(radial / u) / RANDOM_PLUME_TIME_SCALE))
    return min(random / (u * u), 1.0)


@njit(**KERNEL_OPTIONS)
def decay_factor(decay, distance, u):
    """D = exp(−ψ x/ũ), ψ [s⁻¹] the first-order decay coefficient, x [m] the distance, ũ [m s⁻¹] the effective wind
    (of the direct plume in the CBL), not below e⁻⁵⁰ (ISC3 Eq. 1-8, EPA-454/B-95-003a; AERMOD DECAY); 1 when
    ψ = 0."""
    if decay <= 0.0:
        return 1.0
    return math.exp(max(-decay * distance / u, -50.0))


@njit(**KERNEL_OPTIONS)
def plume_parts(x, st, hour):
    """The y-independent parts of a stack's plume at distance x at the ground: (F_z/ũ, σ_y, F_z3/ũ3, σ_y3, f_r) — the
    direct (stable-type or convective direct + indirect) and the penetrated parts and the meander weight f_r at
    r = x (for a penetrated plume (1 − f_p) f_r,d + f_p f_r,p, AERMOD PCALC)."""
    if st.elevated:
        return stable_plume_parts(x, stable_gradual_rise(x, st, hour), st, hour)
    vertical, sy, u, sv, vertical_3, sy3, u3, sv3 = convective_parts(x, st, hour)
    weight = meander_weight(u, sv, x)
    if st.penetrated > 0.0:
        weight = (1.0 - st.penetrated) * weight + st.penetrated * meander_weight(u3, sv3, x)
    d = decay_factor(hour.decay, x, u)
    return vertical * d, sy, vertical_3 * d, sy3, weight


@njit(**KERNEL_OPTIONS)
def stable_plume_parts(x, dh, st, hour):
    """:func:`plume_parts` of a stable-type plume (``st.elevated``) whose rise Δh_s at x [m] is given."""
    vertical, sy, u, sv = stable_parts_risen(x, dh, st, hour)
    return vertical * decay_factor(hour.decay, x, u), sy, 0.0, 1.0, meander_weight(u, sv, x)


@njit(**KERNEL_OPTIONS)
def plume_parts_at(x, st, hour, wrap, lift, hill, ground):
    """:func:`plume_parts` at a receptor ``wrap`` above the stack base and ``lift`` above its own ground, whose
    ground and hill-height scale are ``ground`` and ``hill`` above the stack base [m] (MFD Eq. 48: each F_z is the
    f-weighted sum of the horizontal and the terrain-following state)."""
    if st.elevated:
        vertical, sy, u, sv = stable_parts_at(x, st, hour, wrap, lift, hill, ground)
        return vertical * decay_factor(hour.decay, x, u), sy, 0.0, 1.0, meander_weight(u, sv, x)
    vertical, sy, u, sv, vertical_3, sy3, u3, sv3 = convective_parts_at(x, st, hour, wrap, lift)
    weight = meander_weight(u, sv, x)
    if st.penetrated > 0.0:
        weight = (1.0 - st.penetrated) * weight + st.penetrated * meander_weight(u3, sv3, x)
    d = decay_factor(hour.decay, x, u)
    return vertical * d, sy, vertical_3 * d, sy3, weight
