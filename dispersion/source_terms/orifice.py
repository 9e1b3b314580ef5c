r"""Release rates through a hole in a vessel or pipe wall: liquid, gas (choked and subsonic), two-phase flashing.

Sources
-------
.. [HJ169] HJ 169-2018 建设项目环境风险评价技术导则 (Technical guidelines for environmental risk assessment on
   projects), Ministry of Ecology and Environment of China, Appendix F.1 "泄漏速率": F.1.1 liquid, Eq. (F.1) and
   Table F.1; F.1.2 gas, Eqs. (F.2)–(F.5); F.1.3 two-phase, Eqs. (F.6)–(F.8). The formulas are those of
   HJ/T 169-2004 Appendix A.1. Equation and table numbers were read from a public implementation of the standard
   (see the test module); the primary PDF was not available here.
.. [CCPS] CCPS (1999). Guidelines for Consequence Analysis of Chemical Releases. AIChE, New York, §2.1
   (discharge rate models).
.. [CL] Crowl, D. A. & Louvar, J. F. (2011). Chemical Process Safety: Fundamentals with Applications, 3rd ed.,
   Prentice Hall, Ch. 4 (source models): Bernoulli orifice flow and isentropic gas flow through holes.

Pressures are absolute [Pa] everywhere; temperatures [K]; hole areas [m²]; rates [kg/s].
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import numpy as np

from dispersion.source_terms._checks import as_array, checked, lookup, out
from twin.constants import GAS_CONSTANT, STANDARD_PRESSURE
from twin.constants import STANDARD_GRAVITY as GRAVITY  # HJ 169-2018 fixes no more digits of g
from twin.errors import InputError

__all__ = [
    "HOLE_SHAPES",
    "LIQUID_DISCHARGE_COEFFICIENT_HJ169",
    "GAS_DISCHARGE_COEFFICIENT_HJ169",
    "TWO_PHASE_DISCHARGE_COEFFICIENT_HJ169",
    "TWO_PHASE_CRITICAL_PRESSURE_FRACTION_HJ169",
    "REYNOLDS_NUMBER_BREAK_HJ169",
    "liquid_discharge_coefficient_hj169",
    "liquid_release_rate",
    "critical_pressure_ratio",
    "gas_flow_coefficient",
    "gas_release_rate",
    "flash_fraction",
    "two_phase_mixture_density",
    "two_phase_release_rate",
]

HOLE_SHAPES = ("circular", "triangular", "rectangular")

# HJ 169-2018 Table F.1: liquid discharge coefficient C_d by hole shape (圆形（多边形）/三角形/长方形) and by
# Reynolds number (Re > 100 | Re <= 100). Values as coded by two independent public implementations of the
# standard; the primary table was not seen here: unverified (docs/unverified.md).
REYNOLDS_NUMBER_BREAK_HJ169 = 100.0
LIQUID_DISCHARGE_COEFFICIENT_HJ169: Mapping[str, Mapping[str, float]] = MappingProxyType({
    "Re>100": MappingProxyType({"circular": 0.65, "triangular": 0.60, "rectangular": 0.55}),
    "Re<=100": MappingProxyType({"circular": 0.50, "triangular": 0.45, "rectangular": 0.40}),
})
# HJ 169-2018 note to Eq. (F.4): gas discharge coefficient C_d, circular 1.00, triangular 0.95, rectangular 0.90.
GAS_DISCHARGE_COEFFICIENT_HJ169: Mapping[str, float] = MappingProxyType(
    {"circular": 1.00, "triangular": 0.95, "rectangular": 0.90})
# HJ 169-2018 note to Eq. (F.6): two-phase discharge coefficient C_d = 0.8.
TWO_PHASE_DISCHARGE_COEFFICIENT_HJ169 = 0.8
# Two-phase critical pressure P_c = 0.55 P (HJ/T 169-2004 Appendix A.1 as reproduced in exam-preparation material;
# not seen in the primary text). HJ 169-2018 prints "P_C 取 0.55 Pa", read here (as by a public implementation of
# the standard) as a misprint of 0.55 P.
TWO_PHASE_CRITICAL_PRESSURE_FRACTION_HJ169 = 0.55


def liquid_discharge_coefficient_hj169(hole_shape: str, reynolds_number):
    """Liquid discharge coefficient C_d from HJ 169-2018 Table F.1.

    Parameters
    ----------
    hole_shape : {"circular", "triangular", "rectangular"}
        Shape of the hole (a polygon counts as circular in HJ 169).
    reynolds_number : array_like
        Reynolds number of the flow through the hole. [-]

    Returns
    -------
    numpy.ndarray or float
        C_d. [-]
    """
    where = "liquid_discharge_coefficient_hj169"
    high = lookup(where, "hole_shape", LIQUID_DISCHARGE_COEFFICIENT_HJ169["Re>100"], hole_shape)
    low = LIQUID_DISCHARGE_COEFFICIENT_HJ169["Re<=100"][hole_shape]
    reynolds = checked(where, "reynolds_number", reynolds_number, unit="(dimensionless)")
    return out(np.where(reynolds > REYNOLDS_NUMBER_BREAK_HJ169, high, low))


def liquid_release_rate(hole_area, liquid_density, pressure, ambient_pressure=STANDARD_PRESSURE, liquid_head=0.0, *,
                        discharge_coefficient=None, hole_shape=None, reynolds_number=None):
    r"""Liquid release through a hole: Bernoulli with a discharge coefficient (HJ 169-2018 Eq. (F.1); [CL] Ch. 4).

    .. math:: Q_L = C_d A \rho \sqrt{2 (P - P_0)/\rho + 2 g h}

    A negative driving head (ambient pressure above the liquid's) gives 0: nothing flows out.

    Parameters
    ----------
    hole_area : array_like
        Hole area A. [m²]
    liquid_density : array_like
        Liquid density ρ. [kg/m³]
    pressure : array_like
        Absolute pressure on the liquid surface inside the vessel P. [Pa]
    ambient_pressure : array_like, default 101325
        Absolute ambient pressure P₀. [Pa]
    liquid_head : array_like, default 0
        Height of the liquid surface above the hole h. [m]
    discharge_coefficient : array_like, optional
        C_d [-]. Give it, or give ``hole_shape`` and ``reynolds_number`` to take it from HJ 169-2018 Table F.1.
    hole_shape : {"circular", "triangular", "rectangular"}, optional
        For Table F.1.
    reynolds_number : array_like, optional
        For Table F.1. [-]

    Returns
    -------
    numpy.ndarray or float
        Mass release rate Q_L. [kg/s]
    """
    where = "liquid_release_rate"
    if discharge_coefficient is None:
        if hole_shape is None or reynolds_number is None:
            raise InputError.field(where, "discharge_coefficient", None,
                                   "given, or hole_shape and reynolds_number given (HJ 169-2018 Table F.1)")
        discharge_coefficient = liquid_discharge_coefficient_hj169(hole_shape, reynolds_number)
    cd = checked(where, "discharge_coefficient", discharge_coefficient, high=1.0, unit="(dimensionless)")
    area = checked(where, "hole_area", hole_area, low_inclusive=True, unit="m²")
    rho = checked(where, "liquid_density", liquid_density, unit="kg/m³")
    p = checked(where, "pressure", pressure, unit="Pa (absolute)")
    p0 = checked(where, "ambient_pressure", ambient_pressure, unit="Pa (absolute)")
    head = checked(where, "liquid_head", liquid_head, low_inclusive=True, unit="m")
    drive = np.maximum(2.0 * (p - p0) / rho + 2.0 * GRAVITY * head, 0.0)
    return out(cd * area * rho * np.sqrt(drive))


def critical_pressure_ratio(heat_capacity_ratio):
    r"""Critical (choking) pressure ratio (2/(κ+1))^{κ/(κ−1)} (HJ 169-2018 Eqs. (F.2)–(F.3); [CL] Ch. 4).

    The flow through the hole is choked (sonic) when P₀/P is at or below this ratio.

    Parameters
    ----------
    heat_capacity_ratio : array_like
        κ = C_p/C_v of the gas, > 1. [-]

    Returns
    -------
    numpy.ndarray or float
        (P₀/P)_critical. [-]
    """
    kappa = checked("critical_pressure_ratio", "heat_capacity_ratio", heat_capacity_ratio, low=1.0)
    return out((2.0 / (kappa + 1.0)) ** (kappa / (kappa - 1.0)))


def gas_flow_coefficient(pressure_ratio, heat_capacity_ratio):
    r"""Outflow coefficient Y of HJ 169-2018 Eq. (F.5): 1 for choked flow, otherwise

    .. math:: Y = r^{1/κ} \left[1 - r^{(κ-1)/κ}\right]^{1/2}
              \left[\frac{2}{κ-1}\left(\frac{κ+1}{2}\right)^{(κ+1)/(κ-1)}\right]^{1/2}, \quad r = P_0/P

    Y is continuous (= 1) at the critical ratio and 0 at r = 1; r ≥ 1 (no outflow) gives 0.

    Parameters
    ----------
    pressure_ratio : array_like
        r = P₀/P, ambient over vessel absolute pressure, >= 0. [-]
    heat_capacity_ratio : array_like
        κ, > 1. [-]

    Returns
    -------
    numpy.ndarray or float
        Y. [-]
    """
    where = "gas_flow_coefficient"
    ratio = checked(where, "pressure_ratio", pressure_ratio, low_inclusive=True)
    kappa = checked(where, "heat_capacity_ratio", heat_capacity_ratio, low=1.0)
    r = np.minimum(ratio, 1.0)
    subsonic = (r ** (1.0 / kappa) * np.sqrt(np.maximum(1.0 - r ** ((kappa - 1.0) / kappa), 0.0))
                * np.sqrt(2.0 / (kappa - 1.0) * ((kappa + 1.0) / 2.0) ** ((kappa + 1.0) / (kappa - 1.0))))
    choked = r <= (2.0 / (kappa + 1.0)) ** (kappa / (kappa - 1.0))
    return out(np.where(choked, 1.0, subsonic))


def gas_release_rate(hole_area, pressure, temperature, molar_mass, heat_capacity_ratio,
                     ambient_pressure=STANDARD_PRESSURE, *, discharge_coefficient=None, hole_shape="circular"):
    r"""Gas release through a hole, choked or subsonic (HJ 169-2018 Eqs. (F.2)–(F.5); [CL] Ch. 4).

    .. math:: Q_G = Y C_d A P \sqrt{\frac{M κ}{R T_G}\left(\frac{2}{κ+1}\right)^{(κ+1)/(κ-1)}}

    with Y from :func:`gas_flow_coefficient`. Choked flow does not depend on the ambient pressure.

    Parameters
    ----------
    hole_area : array_like
        Hole area A. [m²]
    pressure : array_like
        Absolute gas pressure in the vessel P. [Pa]
    temperature : array_like
        Gas temperature in the vessel T_G. [K]
    molar_mass : array_like
        Molar mass M. [kg/mol]
    heat_capacity_ratio : array_like
        κ = C_p/C_v, > 1. [-]
    ambient_pressure : array_like, default 101325
        Absolute ambient pressure P₀. [Pa]
    discharge_coefficient : array_like, optional
        C_d [-]; by default from ``hole_shape`` (HJ 169-2018 note to Eq. (F.4): 1.00 / 0.95 / 0.90).
    hole_shape : {"circular", "triangular", "rectangular"}, default "circular"

    Returns
    -------
    numpy.ndarray or float
        Mass release rate Q_G. [kg/s]
    """
    where = "gas_release_rate"
    if discharge_coefficient is None:
        discharge_coefficient = lookup(where, "hole_shape", GAS_DISCHARGE_COEFFICIENT_HJ169, hole_shape)
    cd = checked(where, "discharge_coefficient", discharge_coefficient, high=1.0, unit="(dimensionless)")
    area = checked(where, "hole_area", hole_area, low_inclusive=True, unit="m²")
    p = checked(where, "pressure", pressure, unit="Pa (absolute)")
    t = checked(where, "temperature", temperature, unit="K")
    m = checked(where, "molar_mass", molar_mass, unit="kg/mol")
    kappa = checked(where, "heat_capacity_ratio", heat_capacity_ratio, low=1.0, unit="(dimensionless)")
    p0 = checked(where, "ambient_pressure", ambient_pressure, low_inclusive=True, unit="Pa (absolute)")
    y = as_array(gas_flow_coefficient(p0 / p, kappa))
    choked_flux = np.sqrt(m * kappa / (GAS_CONSTANT * t) * (2.0 / (kappa + 1.0)) ** ((kappa + 1.0) / (kappa - 1.0)))
    return out(y * cd * area * p * choked_flux)


def flash_fraction(heat_capacity, temperature, boiling_temperature, heat_of_vaporization):
    r"""Fraction of a superheated liquid that flashes on release (HJ 169-2018 Eqs. (F.8) and (F.9); [CL] Ch. 4).

    .. math:: F_v = C_p (T - T_b) / H_v

    clipped to [0, 1]: a liquid below its boiling point does not flash. (The linearised form; it overestimates
    F_v for large superheat compared with the integrated form 1 − exp(−C_p (T − T_b)/H_v), [CL] Ch. 4.)

    Parameters
    ----------
    heat_capacity : array_like
        Liquid specific heat at constant pressure C_p. [J/(kg K)]
    temperature : array_like
        Liquid temperature before the release T. [K]
    boiling_temperature : array_like
        Boiling temperature at the pressure reached after the release T_b (HJ 169 two-phase: at the critical
        pressure, T_c; pool flash: at ambient pressure). [K]
    heat_of_vaporization : array_like
        Latent heat of vaporization H_v. [J/kg]

    Returns
    -------
    numpy.ndarray or float
        F_v. [-]
    """
    where = "flash_fraction"
    cp = checked(where, "heat_capacity", heat_capacity, unit="J/(kg K)")
    t = checked(where, "temperature", temperature, unit="K")
    tb = checked(where, "boiling_temperature", boiling_temperature, unit="K")
    hv = checked(where, "heat_of_vaporization", heat_of_vaporization, unit="J/kg")
    return out(np.clip(cp * (t - tb) / hv, 0.0, 1.0))


def two_phase_mixture_density(vapour_fraction, vapour_density, liquid_density):
    r"""Homogeneous two-phase density ρ_m = 1 / (F_v/ρ₁ + (1 − F_v)/ρ₂) (HJ 169-2018 Eqs. (F.6)–(F.8)).

    Parameters
    ----------
    vapour_fraction : array_like
        Mass fraction of vapour F_v, in [0, 1]. [-]
    vapour_density : array_like
        Vapour density ρ₁. [kg/m³]
    liquid_density : array_like
        Liquid density ρ₂. [kg/m³]

    Returns
    -------
    numpy.ndarray or float
        ρ_m. [kg/m³]
    """
    where = "two_phase_mixture_density"
    fv = checked(where, "vapour_fraction", vapour_fraction, low_inclusive=True, high=1.0)
    rho1 = checked(where, "vapour_density", vapour_density, unit="kg/m³")
    rho2 = checked(where, "liquid_density", liquid_density, unit="kg/m³")
    return out(1.0 / (fv / rho1 + (1.0 - fv) / rho2))


def two_phase_release_rate(hole_area, pressure, temperature, boiling_temperature_at_critical_pressure, heat_capacity,
                           heat_of_vaporization, vapour_density, liquid_density, *,
                           discharge_coefficient=TWO_PHASE_DISCHARGE_COEFFICIENT_HJ169, critical_pressure=None):
    r"""Two-phase flashing release through a hole (HJ 169-2018 Eqs. (F.6)–(F.8); HJ/T 169-2004 App. A.1).

    .. math:: Q_{LG} = C_d A \sqrt{2 \rho_m (P - P_c)}, \quad
              \rho_m = \frac{1}{F_v/\rho_1 + (1-F_v)/\rho_2}, \quad F_v = \frac{C_p (T_{LG} - T_c)}{H}

    Homogeneous equilibrium flow. HJ 169 says: if F_v > 1 the liquid flashes entirely and the gas formula applies
    (this function then raises InputError, pointing to :func:`gas_release_rate`); F_v < 0 is clipped to 0, where
    the formula is the liquid one with P − P_c as the driving pressure.

    Parameters
    ----------
    hole_area : array_like
        Hole area A. [m²]
    pressure : array_like
        Absolute pressure in the vessel P. [Pa]
    temperature : array_like
        Temperature of the two-phase mixture T_LG. [K]
    boiling_temperature_at_critical_pressure : array_like
        Boiling temperature of the liquid at the critical pressure T_c. [K]
    heat_capacity : array_like
        Specific heat of the mixture at constant pressure C_p. [J/(kg K)]
    heat_of_vaporization : array_like
        Latent heat H. [J/kg]
    vapour_density, liquid_density : array_like
        ρ₁, ρ₂. [kg/m³]
    discharge_coefficient : array_like, default 0.8 (HJ 169-2018 note to Eq. (F.6))
        C_d. [-]
    critical_pressure : array_like, optional
        P_c [Pa]; default 0.55 P (HJ/T 169-2004; see TWO_PHASE_CRITICAL_PRESSURE_FRACTION_HJ169).

    Returns
    -------
    numpy.ndarray or float
        Mass release rate Q_LG. [kg/s]
    """
    where = "two_phase_release_rate"
    cd = checked(where, "discharge_coefficient", discharge_coefficient, high=1.0, unit="(dimensionless)")
    area = checked(where, "hole_area", hole_area, low_inclusive=True, unit="m²")
    p = checked(where, "pressure", pressure, unit="Pa (absolute)")
    cp = checked(where, "heat_capacity", heat_capacity, unit="J/(kg K)")
    t = checked(where, "temperature", temperature, unit="K")
    tc = checked(where, "boiling_temperature_at_critical_pressure", boiling_temperature_at_critical_pressure, unit="K")
    hv = checked(where, "heat_of_vaporization", heat_of_vaporization, unit="J/kg")
    raw_fraction = cp * (t - tc) / hv
    if np.any(raw_fraction > 1.0):
        raise InputError.field(where, "flash fraction C_p (T_LG − T_c)/H", float(np.max(raw_fraction)),
                               "<= 1 (above 1 the liquid flashes entirely: use gas_release_rate, HJ 169-2018 F.1.3)")
    if critical_pressure is None:
        pc = TWO_PHASE_CRITICAL_PRESSURE_FRACTION_HJ169 * p
    else:
        pc = checked(where, "critical_pressure", critical_pressure, low_inclusive=True, unit="Pa (absolute)")
    rho_m = as_array(two_phase_mixture_density(np.clip(raw_fraction, 0.0, 1.0), vapour_density, liquid_density))
    return out(cd * area * np.sqrt(2.0 * rho_m * np.maximum(p - pc, 0.0)))
