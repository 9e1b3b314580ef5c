"""Closed-form river water-quality formulas: first-order decay in plug flow, complete mixing at an outfall, the
Streeter–Phelps dissolved-oxygen sag and its critical point, and the mixing-zone length of a side outfall.

Plain NumPy on scalars or arrays; SI units throughout (concentrations kg m-3, flows m3 s-1, rates s-1, lengths m,
times s). HJ 2.3-2018 (环境影响评价技术导则 地表水环境), Appendix E, names these methods for rivers (the one-dimensional
steady water-quality model, the complete-mixing model, the Streeter–Phelps model, the mixing-process length); its
equation numbers were not verified against the standard's text (docs/unverified.md), so the textbook sources are
cited for each formula.
"""

from __future__ import annotations

import numpy as np

from twin.constants import STANDARD_GRAVITY

__all__ = ["plug_flow_decay", "complete_mix", "streeter_phelps_deficit", "streeter_phelps_critical",
           "lateral_mixing_fischer", "mixing_length_side_outfall", "mixing_length_hj_2018",
           "segment_capacity"]


def plug_flow_decay(c0, rate, distance, velocity):
    """Concentration after ``distance`` of steady one-dimensional advection with first-order decay.

    C(x) = C0 exp(−K x / u)  — the steady plug-flow solution (longitudinal dispersion neglected), Chapra (1997),
    *Surface Water-Quality Modeling*, Lecture 9 (plug-flow reactor) and Lecture 11 (rivers).

    Parameters
    ----------
    c0 : concentration at x = 0 (after mixing). [kg m-3]
    rate : K, first-order decay rate. [s-1]
    distance : x ≥ 0 downstream. [m]
    velocity : u, mean velocity. [m/s]

    Returns
    -------
    C(x). [kg m-3]
    """
    return np.asarray(c0) * np.exp(-np.asarray(rate) * np.asarray(distance) / np.asarray(velocity))


def complete_mix(c_river, q_river, c_effluent, q_effluent):
    """Flow-weighted concentration just below an outfall once mixed across the section.

    C = (Q C_h + q C_p) / (Q + q)  — mass balance at a junction (Chapra 1997, Lecture 11; the complete-mixing model
    of HJ 2.3-2018 Appendix E).

    Parameters
    ----------
    c_river, q_river : upstream concentration [kg m-3] and flow [m3/s].
    c_effluent, q_effluent : effluent concentration [kg m-3] and flow [m3/s].

    Returns
    -------
    Mixed concentration. [kg m-3]
    """
    return (np.asarray(q_river) * c_river + np.asarray(q_effluent) * c_effluent) / (np.asarray(q_river) + q_effluent)


def streeter_phelps_deficit(bod0, deficit0, deoxygenation, reaeration, time):
    """Dissolved-oxygen deficit D(t) below a point source of oxygen demand (Streeter & Phelps 1925).

    D(t) = k_d L0 / (k_a − k_d) · (e^(−k_d t) − e^(−k_a t)) + D0 e^(−k_a t)   (k_a ≠ k_d)
    D(t) = k_d L0 t e^(−k_a t) + D0 e^(−k_a t)                               (k_a = k_d, the limit)

    Chapra (1997), Lecture 21 (the Streeter–Phelps model), with the oxygen-demand removal rate equal to the
    deoxygenation rate (no settling).

    Parameters
    ----------
    bod0 : L0, oxygen demand at t = 0. [kg m-3]
    deficit0 : D0 = saturation − DO at t = 0. [kg m-3]
    deoxygenation : k_d. [s-1]
    reaeration : k_a. [s-1]
    time : t = x / u, travel time. [s]

    Returns
    -------
    D(t). [kg m-3]
    """
    kd, ka, t = np.asarray(deoxygenation, float), np.asarray(reaeration, float), np.asarray(time, float)
    same = np.isclose(ka, kd, rtol=1e-9, atol=0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        sag = np.where(same, kd * bod0 * t * np.exp(-ka * t),
                       kd * bod0 / np.where(same, 1.0, ka - kd) * (np.exp(-kd * t) - np.exp(-ka * t)))
    return sag + deficit0 * np.exp(-ka * t)


def streeter_phelps_critical(bod0: float, deficit0: float, deoxygenation: float,
                             reaeration: float) -> tuple[float, float]:
    """Time and size of the largest dissolved-oxygen deficit (the critical point of the sag).

    t_c = 1/(k_a − k_d) · ln[ k_a/k_d · (1 − D0 (k_a − k_d) / (k_d L0)) ],   D_c = (k_d / k_a) L0 e^(−k_d t_c)

    Chapra (1997), Lecture 21; t_c = 0 (the deficit only recovers) when the logarithm's argument is ≤ 1, and then
    D_c = D0.

    Returns
    -------
    (t_c [s], D_c [kg m-3]).
    """
    kd, ka = float(deoxygenation), float(reaeration)
    if bod0 <= 0 or kd <= 0:
        return 0.0, float(deficit0)
    if np.isclose(ka, kd, rtol=1e-9, atol=0.0):  # the limit k_a → k_d: t_c = (1 − D0/L0) / k_d
        t_c = max((1.0 - deficit0 / bod0) / kd, 0.0)
    else:
        argument = ka / kd * (1.0 - deficit0 * (ka - kd) / (kd * bod0))
        t_c = float(np.log(argument) / (ka - kd)) if argument > 1.0 else 0.0
    if t_c <= 0.0:
        return 0.0, float(deficit0)
    return t_c, float(streeter_phelps_deficit(bod0, deficit0, kd, ka, t_c))


def lateral_mixing_fischer(depth, slope):
    """Transverse mixing coefficient of a natural stream, E_y = 0.6 H u*, u* = √(g H I).

    Fischer, List, Koh, Imberger & Brooks (1979), *Mixing in Inland and Coastal Waters*, §5.1 (ε_t ≈ 0.6 d u*,
    ±50 %, for natural channels); the shear velocity of uniform flow u* = √(g R I) with the hydraulic radius R ≈ H
    for a wide channel.

    Parameters
    ----------
    depth : H, mean depth. [m]
    slope : I, water-surface slope. [-]

    Returns
    -------
    E_y. [m2/s]
    """
    return 0.6 * np.asarray(depth) * np.sqrt(STANDARD_GRAVITY * np.asarray(depth) * np.asarray(slope))


def mixing_length_side_outfall(width, offset, velocity, depth, slope):
    """Length of the mixing process below an outfall, L = (0.4 B − 0.6 a) B u / ((0.058 H + 0.0065 B) √(g H I)).

    The form of HJ/T 2.3-93 (环境影响评价技术导则 地面水环境) for an outfall at distance a from the bank (a = 0: a
    side outfall), whose denominator is a transverse mixing coefficient (0.058 H + 0.0065 B) √(g H I) fitted to
    river data (Fischer et al. 1979, Ch. 5). Equation number not verified (docs/unverified.md).

    Parameters
    ----------
    width : B, river width. [m]
    offset : a, distance of the outlet from the nearer bank, 0 ≤ a ≤ B/2. [m]
    velocity : u, mean velocity. [m/s]
    depth : H, mean depth. [m]
    slope : I, water-surface slope. [-]

    Returns
    -------
    L. [m]
    """
    width, offset = np.asarray(width, float), np.asarray(offset, float)
    mixing = (0.058 * np.asarray(depth) + 0.0065 * width) * np.sqrt(STANDARD_GRAVITY * np.asarray(depth) * slope)
    return (0.4 * width - 0.6 * offset) * width * np.asarray(velocity) / mixing


def mixing_length_hj_2018(width, offset, velocity, lateral_mixing):
    """Length of the mixing process, L_m = {0.11 + 0.7 [0.5 − a/B − 1.1 (0.5 − a/B)²]^½} u B² / E_y.

    The form HJ 2.3-2018 Appendix E gives for the mixing-process length (混合过程段长度); equation number and
    coefficients not verified against the standard's text (docs/unverified.md).

    Parameters
    ----------
    width : B. [m]
    offset : a, distance of the outlet from the nearer bank. [m]
    velocity : u. [m/s]
    lateral_mixing : E_y (e.g. :func:`lateral_mixing_fischer`). [m2/s]

    Returns
    -------
    L_m. [m]
    """
    ratio = 0.5 - np.asarray(offset, float) / np.asarray(width, float)
    return (0.11 + 0.7 * np.sqrt(np.maximum(ratio - 1.1 * ratio ** 2, 0.0))) * np.asarray(velocity) * \
        np.asarray(width, float) ** 2 / np.asarray(lateral_mixing)


def segment_capacity(limit, upstream, river_flow, effluent_flow, rate, distance, velocity):
    """Water environmental capacity of one outfall for a control section a distance x below it (segment method).

    A mass balance of the segment: the load W mixed into Q + q must decay to the limit C_s at x, with the upstream
    water at C_0:  C_s = (Q C_0 + W)/(Q + q) · e^(−K x/u), so

        W = C_s (Q + q) e^(K x/u) − C_0 Q                                     [kg/s]

    which, with C in mg/L, Q in m3/s, K in 1/d, x in m and u in m/s, is the customary
    W = 86.4 [C_s (Q + q) exp(K x / (86400 u)) − C_0 Q] in kg/d (1 g/s = 86.4 kg/d); derived here from
    :func:`complete_mix` and :func:`plug_flow_decay` (Chapra 1997, Lectures 9 and 11).

    Parameters
    ----------
    limit : C_s. [kg m-3]
    upstream : C_0 just above the outfall. [kg m-3]
    river_flow, effluent_flow : Q, q. [m3/s]
    rate : K. [s-1]
    distance : x from the outfall to the section. [m]
    velocity : u. [m/s]

    Returns
    -------
    W, negative when the upstream water alone breaks the limit. [kg/s]
    """
    return limit * (np.asarray(river_flow) + effluent_flow) * np.exp(np.asarray(rate) * distance / velocity) \
        - np.asarray(upstream) * river_flow
