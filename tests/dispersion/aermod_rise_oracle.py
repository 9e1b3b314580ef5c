"""The NumPy oracle of AERMOD's plume rise (dispersion/_aermod_physics.py), vectorised (every argument broadcasts).

Sources: Cimorelli et al. (2004), *AERMOD: Description of Model Formulation*, EPA-454/R-03-004 ("MFD", §5.6,
equation numbers of that edition) and Cimorelli et al. (2005), *J. Appl. Meteor.* 44:682–693. Details the MFD
leaves open are those of the AERMOD program (read, not copied; ``docs/unverified.md``, "AERMOD formulation").

=============================================================  ==========================================
buoyancy and momentum fluxes F_b, F_m (MFD Eq. 57; Briggs)     :func:`buoyancy_flux`, :func:`momentum_flux`
stack-tip downwash (Briggs 1974)                               :func:`release_height_after_downwash`
CBL direct rise, Briggs 2/3 law, β1 = 0.6 (MFD Eq. 91)       :func:`convective_rise_direct`
CBL indirect-source rise Δh_i (MFD §5.6.1)                     :func:`convective_rise_indirect`
distance to final rise x_f in the CBL (MFD §5.6.1, ISC3 form)  :func:`convective_final_distance`
penetration: Δh_eq, P_s and f_p (MFD Eqs. 55–56)               :func:`penetration`
stable rise while rising (MFD Eq. 95), x_f (Eq. 96),           :func:`stable_rise`, :func:`stable_final_distance`,
final rise (Eq. 97), neutral (Eq. 98) and calm (Eq. 99) limits :func:`stable_final_rise`
=============================================================  ==========================================

Equation numbers: those of the MFD's 2004 edition, checked against its text (``docs/unverified.md``); the
indirect-source rise is cited by section only (its number could not be read).

Units: F_b [m⁴ s⁻³], F_m [m⁴ s⁻²], distances and heights [m], speeds [m s⁻¹], N [s⁻¹], temperatures [K].
"""

from __future__ import annotations

import numpy as np

from dispersion.plume_rise import stack_tip_downwash
from meteo.aermod_profiles import AERMOD_GRAVITY

__all__ = [
    "BETA_1",
    "BETA_2",
    "buoyancy_flux",
    "momentum_flux",
    "release_height_after_downwash",
    "convective_rise_direct",
    "convective_rise_indirect",
    "convective_final_distance",
    "penetration",
    "penetrated_rise",
    "stable_rise",
    "stable_final_distance",
    "stable_final_rise",
]

BETA_1 = 0.6  # entrainment coefficient of the direct CBL plume (MFD §5.6.1; Briggs 1984)
BETA_2 = 0.4  # buoyancy-induced dispersion coefficient (MFD §5.5.2, σ_b = β2 Δh/√2)
_ALPHA_R = 1.4  # indirect source: α_r (MFD §5.6.1; docs/unverified.md)
_LAMBDA_Y = 2.3  # indirect source: λ_y (MFD §5.6.1; docs/unverified.md)
_A_E = 0.1  # indirect source: a_e (MFD §5.6.1; docs/unverified.md)
_MINIMUM_FLUX = 1e-10  # F_b and F_m floors of the AERMOD program (docs/unverified.md)


def buoyancy_flux(exit_velocity, inner_diameter, exit_temperature, ambient_temperature):
    """F_b = g w_s r_s² (T_s − T_a)/T_s (MFD Eq. 57), T_s raised to T_a, ≥ 1e-10. [m⁴ s⁻³]

    exit_velocity [m s⁻¹]; inner_diameter [m]; exit_temperature, ambient_temperature [K].
    """
    ts = np.maximum(exit_temperature, ambient_temperature)
    flux = 0.25 * exit_velocity * inner_diameter ** 2 * AERMOD_GRAVITY * (ts - ambient_temperature) / ts
    return np.maximum(flux, _MINIMUM_FLUX)


def momentum_flux(exit_velocity, inner_diameter, exit_temperature, ambient_temperature):
    """F_m = w_s² r_s² T_a/T_s (Briggs; MFD §5.6), T_s raised to T_a, ≥ 1e-10. [m⁴ s⁻²]"""
    ts = np.maximum(exit_temperature, ambient_temperature)
    return np.maximum(0.25 * exit_velocity ** 2 * inner_diameter ** 2 * ambient_temperature / ts, _MINIMUM_FLUX)


def release_height_after_downwash(stack_height, inner_diameter, exit_velocity, wind_speed):
    """Stack height after stack-tip downwash h_s' (Briggs 1974, as AERMOD applies it: MFD §5.6), floored at 0. [m]"""
    return np.maximum(stack_tip_downwash(stack_height, inner_diameter, exit_velocity, wind_speed), 0.0)


def convective_rise_direct(distance, buoyancy_flux, momentum_flux, wind_speed):
    """Δh_d = (3 F_m x/(β1² u²) + 3 F_b x²/(2 β1² u³))^⅓ (MFD Eq. 91, §5.6.1; Briggs 1984), β1 = 0.6. [m]

    distance x [m]; wind_speed u at stack height [m s⁻¹].
    """
    b2 = BETA_1 * BETA_1
    u = wind_speed
    return np.cbrt(3.0 * momentum_flux * distance / (b2 * u * u)
                   + 3.0 * buoyancy_flux * distance * distance / (2.0 * b2 * u * u * u))


def convective_rise_indirect(distance, buoyancy_flux, wind_speed, *, mixing_height, release_height,
                             convective_velocity_scale):
    """Δh_i = (2 F_b z_i/(α_r u r_y r_z))^½ x/u (MFD §5.6.1) with r_y r_z = r_h² + (a_e λ_y^{3/2}/4) w*² x²/u²,
    r_h = β2 (z_i − h_s') (MFD §5.6.1); the indirect source's rise that delays its return into the CBL. [m]"""
    u = wind_speed
    rh = BETA_2 * (mixing_height - release_height)
    ryrz = rh * rh + 0.25 * _A_E * _LAMBDA_Y ** 1.5 * convective_velocity_scale ** 2 * distance ** 2 / (u * u)
    return np.sqrt(2.0 * buoyancy_flux * mixing_height / (_ALPHA_R * u * ryrz)) * distance / u


def convective_final_distance(buoyancy_flux):
    """x_f = 49 F_b^{5/8} (F_b < 55) or 119 F_b^{2/5} (MFD §5.6.1, the ISC3 distance to final rise). [m]"""
    return np.where(buoyancy_flux >= 55.0, 119.0 * buoyancy_flux ** 0.4, 49.0 * buoyancy_flux ** 0.625)


def penetration(buoyancy_flux, wind_speed, *, mixing_height, release_height, potential_temperature_at_zi,
                gradient_above_zi):
    """Penetration of the convective mixed layer: P_s = F_b/(u N_h² (z_i − h_s')³) with N_h² = (g/θ(z_i)) dθ/dz
    above z_i, Δh_eq/(z_i − h_s') = (2.6³ P_s + (2/3)³)^⅓ (MFD Eq. 56), and the fraction f_p
    that stays in the CBL = 0 when Δh_eq/(z_i − h_s') > 2, 1 when < 2/3, else 1.5 − (z_i − h_s')/Δh_eq
    (MFD Eq. 55). Returns (penetrated fraction 1 − f_p, Δh_eq/(z_i − h_s')) [-]."""
    nh2 = AERMOD_GRAVITY / potential_temperature_at_zi * gradient_above_zi
    depth = mixing_height - release_height
    ps = buoyancy_flux / (wind_speed * nh2 * depth ** 3)
    ratio = np.cbrt(17.576 * ps + 0.296296)
    penetrated = np.where(ratio < 2.0 / 3.0, 0.0, np.where(ratio > 2.0, 1.0, 1.5 - 1.0 / ratio))
    return penetrated, ratio


def penetrated_rise(penetrated_fraction, ratio, *, mixing_height, release_height):
    """Height gain of the penetrated source h_ep − h_s' (MFD Eq. 94): Δh_eq when the plume penetrates fully,
    else (z_i − h_s') (3/4 Δh_eq/(z_i − h_s') + 1/2). [m]"""
    depth = mixing_height - release_height
    return np.where(penetrated_fraction >= 1.0, ratio * depth, 0.75 * depth * ratio + 0.5 * depth)


def stable_rise(distance, buoyancy_flux, momentum_flux, wind_speed, brunt_vaisala, *, release_height,
                friction_velocity, final_rise):
    """Stable rise while rising (MFD Eq. 95, Weil 1988):
    Δh = 2.66 (F_b/(N² u))^⅓ [N' F_m/F_b sin(N' x/u) + 1 − cos(N' x/u)]^⅓, N' = 0.7 N,
    limited by the neutral rise 1.2 L_n^{3/5} (h_s' + 1.2 L_n)^{2/5}, L_n = F_b/(u u*²) (MFD Eq. 98) and by
    ``final_rise`` [m]. distance [m] ≤ x_f; u [m s⁻¹]; N [s⁻¹]. [m]"""
    n_prime = 0.7 * brunt_vaisala
    u = wind_speed
    term_a = buoyancy_flux / (brunt_vaisala * brunt_vaisala * u)
    term_b = n_prime * momentum_flux / buoyancy_flux
    phase = n_prime * distance / u
    bracket = term_b * np.sin(phase) + 1.0 - np.cos(phase)
    rise = 2.66 * np.cbrt(term_a * np.where(bracket > 0.0, bracket, term_b * np.sin(phase)))
    neutral_length = buoyancy_flux / (u * friction_velocity ** 2)
    neutral = 1.2 * neutral_length ** 0.6 * (release_height + 1.2 * neutral_length) ** 0.4
    return np.minimum(np.minimum(rise, final_rise), neutral)


def stable_final_distance(buoyancy_flux, momentum_flux, wind_speed, brunt_vaisala):
    """x_f = u arctan2(N' F_m, −F_b)/N', N' = 0.7 N (MFD Eq. 96: the first maximum of Eq. 95). [m]"""
    n_prime = 0.7 * brunt_vaisala
    return wind_speed * np.arctan2(momentum_flux * n_prime, -buoyancy_flux) / n_prime


def stable_final_rise(buoyancy_flux, momentum_flux, wind_speed, brunt_vaisala, *, release_height,
                      friction_velocity):
    """Final stable rise: 2.66 (F_b/(N² u))^⅓ (MFD Eq. 97), limited by the neutral rise (Eq. 98), the calm rise
    4 F_b^¼ N^{-3/4} (Eq. 99) and the unstable (direct CBL) rise at the CBL distance to final rise (MFD §5.6.2,
    "limited by a calculation of the unstable rise"). [m]"""
    u = wind_speed
    n2 = brunt_vaisala * brunt_vaisala
    rise = 2.66 * np.cbrt(buoyancy_flux / (n2 * u))
    neutral_length = buoyancy_flux / (u * friction_velocity ** 2)
    neutral = 1.2 * neutral_length ** 0.6 * (release_height + 1.2 * neutral_length) ** 0.4
    unstable = convective_rise_direct(convective_final_distance(buoyancy_flux), buoyancy_flux, momentum_flux, u)
    calm = 4.0 * buoyancy_flux ** 0.25 / n2 ** 0.375
    return np.minimum(np.minimum(np.minimum(rise, neutral), unstable), calm)
