"""AERMOD's urban boundary layer (the ``URBANOPT`` option): the night-time urban heat island's convective-like layer
and the profiles an urban source sees in it.

Source: Cimorelli et al. (2004), *AERMOD: Description of Model Formulation*, EPA-454/R-03-004 ("MFD"), §5.8
("Adjustments for the urban boundary layer"), after Oke (1973, 1982): at night (L > 0) the rural stable layer that
flows over a city is heated from below by the urban-rural temperature difference ΔT_u-r, an upward heat flux
H_u = α ρ c_p ΔT_u-r u* (α = 0.03) builds a mixed layer of depth z_iuc = z_iuo (P/P_0)^¼ whose convective velocity
scale w*_u = (g H_u z_iuc/(ρ c_p T))^⅓ adds σ_v² = 0.35 w*_u² and the convective σ_w² of the CBL to the rural
turbulence, and the potential-temperature gradient is small below z_iuc. Where the MFD leaves a detail open the rule
is the one of the AERMOD program (public domain; routines URBCALC, GRDURBAN, GRDPTURB, read, not copied), each
listed in ``docs/unverified.md`` ("AERMOD urban option"):

* ΔT_u-r = 12 K · (0.1 ln(P/P_0) + 1), P_0 = 2·10⁶ (the MFD's fit 0.1046 ln(P/P_0) + 0.9983, rounded);
* z_iuo = 400 m (the MFD's first edition had 500 m);
* the urban u* from equating the convective σ_w of w*_u with the mechanical 1.3 u* (1 − z/z_i)^½ at
  z = 7 max(z0_urban, z0), never below the rural u*; the urban Obukhov length L_u = −T u*_u³/(κ g H_u/(ρ c_p));
* the morning transition: in a convective hour whose convective mixing height is still below z_iuc the urban
  source keeps the urban layer (AERMOD's default since v15181; ``NOURBTRAN`` switches it off);
* σ_v above z_iuc: the variance linear from 0.35 w*_u² at z_iuc to min(0.35 w*_u², 0.25) at 1.2 z_iuc, then
  min(√0.35 w*_u, 0.5); σ_w: 1.6 (z/z_iuc)^⅔ w*_u² below 0.1 z_iuc, 0.35 w*_u² to z_iuc, decaying as
  exp(−6 (z − z_iuc)/z_iuc) above; each added in quadrature to the rural profile; dθ/dz = 10⁻⁵ K/m up to z_iuc.

Units: heights and lengths [m], speeds [m s⁻¹], temperatures [K], kinematic heat flux [K m s⁻¹], population
[persons]. Arrays are (H,) per hour, profiles (H, Z).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from meteo.aermod_profiles import AERMOD_GRAVITY, AERMOD_VON_KARMAN, AermodProfiles, potential_temperature_profile

__all__ = ["URBAN_REFERENCE_POPULATION", "URBAN_DEFAULT_ROUGHNESS", "UrbanLayer", "urban_layer", "urban_profiles"]

URBAN_REFERENCE_POPULATION = 2.0e6  # P_0 [persons] (MFD §5.8)
URBAN_MAX_TEMPERATURE_DIFFERENCE = 12.0  # ΔT_u-r at P_0 [K] (MFD §5.8, after Oke 1973)
URBAN_HEAT_FLUX_COEFFICIENT = 0.03  # α of H_u = α ρ c_p ΔT u* (MFD §5.8)
URBAN_REFERENCE_MIXING_HEIGHT = 400.0  # z_iuo [m] (AERMOD URBCALC since 2002; MFD §5.8: 500 m)
URBAN_DEFAULT_ROUGHNESS = 1.0  # [m] z0 of the urban area when URBANOPT gives none (AERMOD)
URBAN_LAYER_GRADIENT = 1.0e-5  # [K m-1] dθ/dz inside the urban layer (AERMOD GRDURBAN; MFD §5.8 "small positive")


@dataclass(frozen=True)
class UrbanLayer:
    """The urban layer of every hour (H,): ``active`` where an urban source takes it (stable hours, and convective
    hours of the morning transition); ``mixing_height`` z_iuc, ``convective_velocity_scale`` w*_u,
    ``friction_velocity`` u*_u, ``obukhov_length`` L_u (< 0) — NaN where not active."""

    active: np.ndarray
    mixing_height: np.ndarray
    convective_velocity_scale: np.ndarray
    friction_velocity: np.ndarray
    obukhov_length: np.ndarray


def urban_layer(*, population: float, urban_roughness: float, friction_velocity, obukhov_length, air_temperature,
                surface_roughness, convective_mixing_height, mechanical_mixing_height,
                morning_transition: bool = True) -> UrbanLayer:
    """The urban layer per hour (MFD §5.8; AERMOD URBCALC) from the city's ``population`` [persons], its roughness
    ``urban_roughness`` [m] and the rural hour: u* [m s-1], L [m], the reference air temperature [K], the rural
    z0 [m], z_ic and z_im [m]. Convective hours take the layer only while z_ic ≤ z_iuc (``morning_transition``);
    an hour without an upward urban heat flux (u* = 0) keeps its rural values. ``population`` must exceed
    P_0 e⁻¹⁰ ≈ 91 persons, where ΔT_u-r reaches 0."""
    ustar = np.asarray(friction_velocity, dtype=np.float64)
    length = np.asarray(obukhov_length, dtype=np.float64)
    temperature = np.asarray(air_temperature, dtype=np.float64)
    z0 = np.asarray(surface_roughness, dtype=np.float64)
    zim = np.asarray(mechanical_mixing_height, dtype=np.float64)
    zic = np.asarray(convective_mixing_height, dtype=np.float64)
    ratio = float(population) / URBAN_REFERENCE_POPULATION
    difference = URBAN_MAX_TEMPERATURE_DIFFERENCE * (0.1 * np.log(ratio) + 1.0)
    depth = URBAN_REFERENCE_MIXING_HEIGHT * ratio ** 0.25
    stable = length > 0.0
    flux = URBAN_HEAT_FLUX_COEFFICIENT * difference * ustar  # kinematic H_u/(ρ c_p) [K m s-1]
    transition = morning_transition & (length < 0.0) & ~(np.nan_to_num(zic, nan=np.inf) > depth)
    active = (stable | transition) & (np.nan_to_num(flux) > 0.0)  # no heat flux (u* = 0, a calm): the rural hour
    with np.errstate(invalid="ignore", divide="ignore"):
        wstar = np.cbrt(AERMOD_GRAVITY / temperature * flux * depth)
        height = 7.0 * np.maximum(urban_roughness, z0)
        equivalent = wstar * np.sqrt(1.6 * (height / depth) ** (2.0 / 3.0)) / (
            1.3 * np.sqrt(1.0 - height / np.maximum(depth, zim)))
        ustar_u = np.maximum(ustar, equivalent)
        length_u = -(temperature * ustar_u ** 3) / (AERMOD_VON_KARMAN * AERMOD_GRAVITY * flux)
    nan = np.full(ustar.shape, np.nan)
    return UrbanLayer(active=active, mixing_height=np.where(active, depth, nan),
                      convective_velocity_scale=np.where(active, wstar, nan),
                      friction_velocity=np.where(active, ustar_u, nan), obukhov_length=np.where(active, length_u, nan))


def urban_profiles(profiles: AermodProfiles, layer: UrbanLayer, *, air_temperature,
                   temperature_height) -> AermodProfiles:
    """The profiles an urban source sees (AERMOD GRDURBAN, GRDPTURB): in the hours where ``layer`` is active σ_v and
    σ_w gain the urban convective parts in quadrature, dθ/dz is 10⁻⁵ K/m up to z_iuc, θ is integrated again from
    the reference temperature [K] at ``temperature_height`` [m]; the wind and the mixed-layer values (u and θ at
    z_i, the 0..z_i means, taken with the rural z_i as AERMOD does) are the rural ones. Other hours unchanged."""
    z = np.asarray(profiles.heights, dtype=np.float64)[None, :]
    on = layer.active[:, None]
    zi = np.where(layer.active, layer.mixing_height, 1.0)[:, None]
    wstar = np.where(layer.active, layer.convective_velocity_scale, 0.0)[:, None]
    mixed = 0.35 * wstar ** 2
    top = 1.2 * zi
    sv2 = np.where(z <= zi, mixed, np.where(z <= top, mixed + (z - zi) / (top - zi) * (np.minimum(mixed, 0.25) - mixed),
                                            np.minimum(np.sqrt(mixed), 0.5) ** 2))
    arg = np.minimum(-6.0 * (z - zi) / zi, 0.0)
    sw2 = np.where(z <= 0.1 * zi, 1.6 * (z / zi) ** (2.0 / 3.0) * wstar ** 2,
                   np.where(z <= zi, mixed, mixed * np.exp(arg)))
    sigma_v = np.where(on, np.sqrt(profiles.sigma_v ** 2 + sv2), profiles.sigma_v)
    sigma_w = np.where(on, np.sqrt(profiles.sigma_w ** 2 + sw2), profiles.sigma_w)
    gradient = np.where(on & (z <= zi), URBAN_LAYER_GRADIENT, profiles.potential_temperature_gradient)
    theta = potential_temperature_profile(profiles.heights, gradient, air_temperature=air_temperature,
                                          temperature_height=temperature_height)
    theta = np.where(on, theta, profiles.potential_temperature)
    return replace(profiles, sigma_v=sigma_v, sigma_w=sigma_w, potential_temperature_gradient=gradient,
                   potential_temperature=theta)
