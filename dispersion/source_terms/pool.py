r"""Pool spreading and evaporation: flash, heat-transfer and mass-transfer parts (HJ 169-2018 Appendix F.1.4).

Sources
-------
.. [HJ169] HJ 169-2018, Appendix F.1.4: F.1.4.1 flash evaporation, Eqs. (F.9)–(F.10); F.1.4.2 heat-transfer
   evaporation, Eq. (F.11) and Table F.2 (ground properties); F.1.4.3 mass-transfer evaporation, Eq. (F.12) and
   Table F.3 ((n, α) by stability); Eq. (F.13) total evaporated mass. Inherited from HJ/T 169-2004 Appendix A.1.
.. [CCPS] CCPS (1999). Guidelines for Consequence Analysis of Chemical Releases, AIChE, §2.3.2 (pool spread: the
   gravity-inertia solutions for an instantaneous spill r = (8 g V/π)^{1/4} t^{1/2} and for a constant spill rate
   r = (32 g V̇/π)^{1/4} t^{3/4}). Equation numbers were not seen here.

Stability is given as the integer code 0..5 for Pasquill–Gifford A..F (project convention).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

import numpy as np

from dispersion.source_terms._checks import as_array, checked, lookup, out
from dispersion.source_terms.orifice import flash_fraction
from twin.constants import GAS_CONSTANT
from twin.constants import STANDARD_GRAVITY as GRAVITY  # HJ 169-2018 fixes no more digits of g
from twin.errors import InputError

__all__ = [
    "GROUND_THERMAL_PROPERTIES_HJ169",
    "MASS_TRANSFER_COEFFICIENTS_HJ169",
    "STABILITY_CATEGORY_HJ169",
    "PoolEvaporation",
    "pool_radius_gravity_spreading",
    "pool_radius_limit",
    "flash_evaporation_rate",
    "heat_transfer_evaporation_rate",
    "heat_transfer_evaporated_mass",
    "mass_transfer_evaporation_rate",
    "pool_evaporation_rate",
]

# HJ 169-2018 Table F.2 (from HJ/T 169-2004): ground thermal conductivity λ [W/(m K)] and thermal diffusivity
# α [m²/s]. Values as reproduced in exam-preparation material for HJ/T 169-2004 ("表2-10 某些地面的热传递性质") and,
# except wet ground, in a public implementation of HJ/T 169-2004; the primary table was not seen here. For wet
# ground the two secondary sources disagree (α = 3.3e-7 in the reproduced table, 2.5e-7 in the code): 3.3e-7 is used
# and is unverified.
GROUND_THERMAL_PROPERTIES_HJ169: Mapping[str, tuple[float, float]] = MappingProxyType({
    "concrete": (1.1, 1.29e-7),          # 水泥
    "soil_8pct_water": (0.9, 4.3e-7),    # 土地（含水 8 %）
    "dry_open_ground": (0.3, 2.3e-7),    # 干阔土地
    "wet_ground": (0.6, 3.3e-7),         # 湿地 [unverified: 2.5e-7 elsewhere]
    "gravel": (2.5, 11.0e-7),            # 砂砾地
})

# HJ 169-2018 Table F.3: mass-transfer evaporation coefficients (n [-], α [-]) by atmospheric stability
# (unstable A, B / neutral D / stable E, F). Values as coded by two public implementations of the standard; the
# primary table was not seen here: unverified (docs/unverified.md).
MASS_TRANSFER_COEFFICIENTS_HJ169: Mapping[str, tuple[float, float]] = MappingProxyType({
    "unstable": (0.2, 3.846e-3),
    "neutral": (0.25, 4.685e-3),
    "stable": (0.3, 5.285e-3),
})
# Pasquill–Gifford code → Table F.3 row. Class C (2) has no row in Table F.3: asking for it is an InputError, the
# caller chooses ("unstable" or "neutral") explicitly.
STABILITY_CATEGORY_HJ169: Mapping[int, str] = MappingProxyType(
    {0: "unstable", 1: "unstable", 3: "neutral", 4: "stable", 5: "stable"})


class PoolEvaporation(NamedTuple):
    """Evaporation rates of a pool [kg/s]: flash Q₁, heat transfer Q₂, mass transfer Q₃, and their sum ``total``."""

    flash: np.ndarray | float
    heat_transfer: np.ndarray | float
    mass_transfer: np.ndarray | float
    total: np.ndarray | float


def pool_radius_gravity_spreading(time, liquid_density, *, spilled_mass=None, spill_rate=None):
    r"""Radius of an unconfined pool spreading under gravity ([CCPS] §2.3.2).

    Instantaneous spill of mass m: :math:`r = (t/β)^{1/2}, β = \sqrt{π ρ / (8 g m)}`;
    constant spill rate ṁ: :math:`r = (t/β)^{3/4}, β = (π ρ / (32 g ṁ))^{1/3}`. Give exactly one of ``spilled_mass``
    and ``spill_rate``. Cap the result with :func:`pool_radius_limit` (bund or minimum thickness).

    Parameters
    ----------
    time : array_like
        Time since the spill began t. [s]
    liquid_density : array_like
        ρ. [kg/m³]
    spilled_mass : array_like, optional
        m, for an instantaneous spill. [kg]
    spill_rate : array_like, optional
        ṁ, for a continuous spill. [kg/s]

    Returns
    -------
    numpy.ndarray or float
        Pool radius r. [m]
    """
    where = "pool_radius_gravity_spreading"
    t = checked(where, "time", time, low_inclusive=True, unit="s")
    rho = checked(where, "liquid_density", liquid_density, unit="kg/m³")
    if (spilled_mass is None) == (spill_rate is None):
        raise InputError.field(where, "spilled_mass/spill_rate", (spilled_mass, spill_rate), "exactly one given")
    if spilled_mass is not None:
        m = checked(where, "spilled_mass", spilled_mass, unit="kg")
        beta = np.sqrt(np.pi * rho / (8.0 * GRAVITY * m))
        return out(np.sqrt(t / beta))
    rate = checked(where, "spill_rate", spill_rate, unit="kg/s")
    beta = np.cbrt(np.pi * rho / (32.0 * GRAVITY * rate))
    return out((t / beta) ** 0.75)


def pool_radius_limit(liquid_mass, liquid_density, *, bund_area=None, minimum_thickness=0.01):
    r"""Largest pool radius: the bund's equivalent radius √(S/π), or the radius at which the liquid is spread to its
    minimum thickness, √(m/(π ρ h_min)), whichever is smaller. HJ 169-2018 §8.2.2.1 takes the bund area as the
    upper limit of the pool; the 1 cm minimum thickness is a common screening choice (a public HJ/T 169-2004
    implementation uses it), not a value of the standard.

    Parameters
    ----------
    liquid_mass : array_like
        Liquid in the pool m. [kg]
    liquid_density : array_like
        ρ. [kg/m³]
    bund_area : array_like, optional
        Area inside the bund S. [m²]
    minimum_thickness : array_like, default 0.01
        h_min. [m]

    Returns
    -------
    numpy.ndarray or float
        r_max. [m]
    """
    where = "pool_radius_limit"
    m = checked(where, "liquid_mass", liquid_mass, low_inclusive=True, unit="kg")
    rho = checked(where, "liquid_density", liquid_density, unit="kg/m³")
    h = checked(where, "minimum_thickness", minimum_thickness, unit="m")
    radius = np.sqrt(m / (np.pi * rho * h))
    if bund_area is not None:
        radius = np.minimum(radius, np.sqrt(checked(where, "bund_area", bund_area, unit="m²") / np.pi))
    return out(radius)


def flash_evaporation_rate(release_rate, heat_capacity, storage_temperature, boiling_temperature,
                           heat_of_vaporization):
    r"""Flash evaporation rate Q₁ = F_v Q_L, F_v = C_p (T_T − T_b)/H_v (HJ 169-2018 Eqs. (F.9)–(F.10)).

    HJ 169 writes Q₁ = F_v W_T / t₁ (total spilled mass over the flash time); with W_T / t₁ the release rate the two
    are the same.

    Parameters
    ----------
    release_rate : array_like
        Liquid release rate Q_L. [kg/s]
    heat_capacity : array_like
        Liquid specific heat C_p. [J/(kg K)]
    storage_temperature : array_like
        Storage temperature T_T. [K]
    boiling_temperature : array_like
        Normal boiling temperature T_b. [K]
    heat_of_vaporization : array_like
        H_v. [J/kg]

    Returns
    -------
    numpy.ndarray or float
        Q₁. [kg/s]
    """
    rate = checked("flash_evaporation_rate", "release_rate", release_rate, low_inclusive=True, unit="kg/s")
    return out(rate * as_array(flash_fraction(heat_capacity, storage_temperature, boiling_temperature,
                                              heat_of_vaporization)))


def _ground(where: str, ground, thermal_conductivity, thermal_diffusivity):
    if thermal_conductivity is not None or thermal_diffusivity is not None:
        if thermal_conductivity is None or thermal_diffusivity is None:
            raise InputError.field(where, "thermal_conductivity/thermal_diffusivity",
                                   (thermal_conductivity, thermal_diffusivity), "both given, or neither (use ground)")
        return (checked(where, "thermal_conductivity", thermal_conductivity, unit="W/(m K)"),
                checked(where, "thermal_diffusivity", thermal_diffusivity, unit="m²/s"))
    return lookup(where, "ground", GROUND_THERMAL_PROPERTIES_HJ169, ground)


def heat_transfer_evaporation_rate(pool_area, ground_temperature, boiling_temperature, heat_of_vaporization, time, *,
                                   ground="concrete", thermal_conductivity=None, thermal_diffusivity=None):
    r"""Evaporation of a boiling pool fed by heat conducted from the ground (HJ 169-2018 Eq. (F.11), Table F.2).

    .. math:: Q_2 = \frac{λ S (T_0 - T_b)}{H \sqrt{π α t}}

    (semi-infinite ground suddenly cooled to T_b at its surface). 0 when T₀ ≤ T_b. The rate falls as t^{-1/2}.

    Parameters
    ----------
    pool_area : array_like
        Pool area S. [m²]
    ground_temperature : array_like
        Ground (ambient) temperature T₀. [K]
    boiling_temperature : array_like
        T_b. [K]
    heat_of_vaporization : array_like
        H. [J/kg]
    time : array_like
        Time since the pool formed t, > 0. [s]
    ground : str, default "concrete"
        Key of GROUND_THERMAL_PROPERTIES_HJ169, unless both properties below are given.
    thermal_conductivity : array_like, optional
        λ. [W/(m K)]
    thermal_diffusivity : array_like, optional
        α. [m²/s]

    Returns
    -------
    numpy.ndarray or float
        Q₂. [kg/s]
    """
    where = "heat_transfer_evaporation_rate"
    conductivity, diffusivity = _ground(where, ground, thermal_conductivity, thermal_diffusivity)
    area = checked(where, "pool_area", pool_area, low_inclusive=True, unit="m²")
    t0 = checked(where, "ground_temperature", ground_temperature, unit="K")
    tb = checked(where, "boiling_temperature", boiling_temperature, unit="K")
    h = checked(where, "heat_of_vaporization", heat_of_vaporization, unit="J/kg")
    t = checked(where, "time", time, unit="s")
    return out(conductivity * area * np.maximum(t0 - tb, 0.0) / (h * np.sqrt(np.pi * diffusivity * t)))


def heat_transfer_evaporated_mass(pool_area, ground_temperature, boiling_temperature, heat_of_vaporization, time,
                                  **ground):
    r"""Mass evaporated by ground heat between 0 and t: the exact integral of Eq. (F.11), 2 Q₂(t) t. [kg]

    HJ 169-2018 Eq. (F.13) writes the heat-transfer mass as Q₂ t₂, half of this integral; use
    ``heat_transfer_evaporation_rate(...) * t`` to reproduce the standard's number. Arguments as
    :func:`heat_transfer_evaporation_rate`.
    """
    rate = as_array(heat_transfer_evaporation_rate(pool_area, ground_temperature, boiling_temperature,
                                                   heat_of_vaporization, time, **ground))
    return out(2.0 * rate * as_array(time))


def _mass_transfer_row(where: str, stability):
    if isinstance(stability, str):
        return lookup(where, "stability", MASS_TRANSFER_COEFFICIENTS_HJ169, stability)
    if isinstance(stability, (bool, np.bool_)) or not isinstance(stability, (int, np.integer)):
        raise InputError.field(where, "stability", stability, "an integer code 0..5 (A..F) or one of "
                               f"{sorted(MASS_TRANSFER_COEFFICIENTS_HJ169)}")
    if int(stability) == 2:
        raise InputError.field(where, "stability", 2, "not class C: HJ 169-2018 Table F.3 has no row for C; pass "
                               "'unstable' or 'neutral' explicitly")
    category = lookup(where, "stability", STABILITY_CATEGORY_HJ169, int(stability))
    return MASS_TRANSFER_COEFFICIENTS_HJ169[category]


def mass_transfer_evaporation_rate(vapour_pressure, molar_mass, ambient_temperature, wind_speed, pool_radius,
                                   stability):
    r"""Evaporation of a non-boiling pool driven by the wind (HJ 169-2018 Eq. (F.12), Table F.3).

    .. math:: Q_3 = α \frac{p M}{R T_0} u^{(2-n)/(2+n)} r^{(4+n)/(2+n)}

    Parameters
    ----------
    vapour_pressure : array_like
        Vapour pressure of the liquid at the pool surface p. [Pa]
    molar_mass : array_like
        M. [kg/mol]
    ambient_temperature : array_like
        T₀. [K]
    wind_speed : array_like
        Wind speed u (HJ 169 takes the 10 m wind). [m/s]
    pool_radius : array_like
        r. [m]
    stability : int or {"unstable", "neutral", "stable"}
        Pasquill–Gifford code 0..5 (A, B → unstable; D → neutral; E, F → stable; C has no row and is refused),
        or the Table F.3 row by name.

    Returns
    -------
    numpy.ndarray or float
        Q₃. [kg/s]
    """
    where = "mass_transfer_evaporation_rate"
    n, alpha = _mass_transfer_row(where, stability)
    p = checked(where, "vapour_pressure", vapour_pressure, low_inclusive=True, unit="Pa")
    m = checked(where, "molar_mass", molar_mass, unit="kg/mol")
    t0 = checked(where, "ambient_temperature", ambient_temperature, unit="K")
    u = checked(where, "wind_speed", wind_speed, unit="m/s")
    r = checked(where, "pool_radius", pool_radius, low_inclusive=True, unit="m")
    return out(alpha * p * m / (GAS_CONSTANT * t0) * u ** ((2.0 - n) / (2.0 + n)) * r ** ((4.0 + n) / (2.0 + n)))


def pool_evaporation_rate(*, release_rate, heat_capacity, storage_temperature, boiling_temperature,
                          heat_of_vaporization, pool_radius, ambient_temperature, time, vapour_pressure, molar_mass,
                          wind_speed, stability, ground="concrete", thermal_conductivity=None,
                          thermal_diffusivity=None) -> PoolEvaporation:
    r"""Flash + heat-transfer + mass-transfer evaporation of a pool (HJ 169-2018 F.1.4, Eqs. (F.9)–(F.12)).

    Q₁ from :func:`flash_evaporation_rate` (``release_rate`` × F_v), Q₂ from
    :func:`heat_transfer_evaporation_rate` on the pool area π r² (T₀ is taken as the ground temperature), Q₃ from
    :func:`mass_transfer_evaporation_rate`. HJ 169 adds the three; the sum is returned as ``total``. Arguments and
    units as in those functions ([kg/s], [J/(kg K)], [K], [J/kg], [m], [s], [Pa], [kg/mol], [m/s]).

    Returns
    -------
    PoolEvaporation
        (flash, heat_transfer, mass_transfer, total). [kg/s]
    """
    q1 = as_array(flash_evaporation_rate(release_rate, heat_capacity, storage_temperature, boiling_temperature,
                                         heat_of_vaporization))
    radius = checked("pool_evaporation_rate", "pool_radius", pool_radius, low_inclusive=True, unit="m")
    q2 = as_array(heat_transfer_evaporation_rate(np.pi * radius**2, ambient_temperature, boiling_temperature,
                                                 heat_of_vaporization, time, ground=ground,
                                                 thermal_conductivity=thermal_conductivity,
                                                 thermal_diffusivity=thermal_diffusivity))
    q3 = as_array(mass_transfer_evaporation_rate(vapour_pressure, molar_mass, ambient_temperature, wind_speed, radius,
                                                 stability))
    return PoolEvaporation(out(q1), out(q2), out(q3), out(q1 + q2 + q3))
