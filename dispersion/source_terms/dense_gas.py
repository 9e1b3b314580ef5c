r"""Dense-gas flag by the Richardson-number criteria of HJ 169-2018 Appendix G.2.

HJ 169-2018 chooses the atmospheric model by the release's Richardson number: SLAB (dense gas) when the release is
dense, AFTOX (neutral / light gas) otherwise. ParkTwin's Gaussian plume and puff are neutral-gas models, so a dense
verdict sends the leak to the dense-gas model (``dispersion.dense_gas``, the SLAB equations; the choice is made in
``scenarios.leak.dispersion``).

Source
------
.. [HJ169] HJ 169-2018, Appendix G.2.1: continuous release, Eq. (G.2); instantaneous release, Eq. (G.3);
   continuous vs instantaneous by T = 2X/U_r, Eq. (G.4). Equation numbers and the variable names (X, U_r, T_d,
   ρ_rel, ρ_a, Q, D_rel, Q_t) were read from a public implementation of the standard. The Ri formulas and the
   thresholds (continuous: dense if Ri ≥ 1/6; instantaneous: dense if Ri > 0.04) are those widely quoted from the
   standard but were NOT checked against the primary text here: unverified (docs/unverified.md).

.. math::

   Ri_{cont} = \frac{1}{U_r}\left[\frac{g (ρ_{rel} - ρ_a)}{ρ_a} \frac{Q}{ρ_{rel} D_{rel}}\right]^{1/3}, \qquad
   Ri_{inst} = \frac{g (Q_t/ρ_{rel})^{1/3}}{U_r^2} \frac{ρ_{rel} - ρ_a}{ρ_a}

A release lighter than air gives Ri ≤ 0 (the cube root of a negative number is taken as negative): never dense.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from dispersion.source_terms._checks import checked, out
from twin.constants import STANDARD_GRAVITY as GRAVITY  # HJ 169-2018 fixes no more digits of g
from twin.errors import InputError

__all__ = [
    "RICHARDSON_DENSE_CONTINUOUS_HJ169",
    "RICHARDSON_DENSE_INSTANTANEOUS_HJ169",
    "DenseGasVerdict",
    "travel_time_hj169",
    "is_continuous_release",
    "richardson_number_continuous",
    "richardson_number_instantaneous",
    "is_dense_gas",
]

RICHARDSON_DENSE_CONTINUOUS_HJ169 = 1.0 / 6.0  # HJ 169-2018 G.2.1: continuous release dense if Ri >= 1/6 [unverified]
RICHARDSON_DENSE_INSTANTANEOUS_HJ169 = 0.04  # HJ 169-2018 G.2.1: instantaneous release dense if Ri > 0.04 [unverified]
_RELEASE_KINDS_ZH = {"continuous": "连续排放", "instantaneous": "瞬时排放"}  # HJ 169-2018 G.2.1 terms
_SIGNS = {">=": "≥", ">": ">"}  # the relations as the Chinese sentence prints them


class DenseGasVerdict(NamedTuple):
    """Outcome of :func:`is_dense_gas`."""

    dense: bool  # True: dense gas, the neutral-gas (Gaussian) models are outside their validity
    richardson_number: float  # Ri of the criterion applied [-]
    threshold: float  # the HJ 169-2018 threshold compared with [-]
    release_kind: str  # "continuous" or "instantaneous"
    travel_time: float  # T = 2X/U_r [s]
    message: str  # one sentence for outputs and reports
    message_zh: str  # the same sentence in Chinese (重质气体, 理查德森数), with the same numbers


def travel_time_hj169(distance, wind_speed):
    """T = 2X/U_r (HJ 169-2018 Eq. (G.4)): travel time to the receptor. X [m], U_r (10 m wind) [m/s] → T [s]."""
    x = checked("travel_time_hj169", "distance", distance, unit="m")
    u = checked("travel_time_hj169", "wind_speed", wind_speed, unit="m/s")
    return out(2.0 * x / u)


def is_continuous_release(release_duration, distance, wind_speed) -> bool:
    """HJ 169-2018 G.2.1: continuous if the release lasts longer than T = 2X/U_r, else instantaneous.

    release_duration T_d [s], distance X from the release to the receptor [m], wind_speed U_r at 10 m [m/s].
    """
    duration = float(checked("is_continuous_release", "release_duration", release_duration, unit="s"))
    return duration > travel_time_hj169(distance, wind_speed)


def richardson_number_continuous(release_rate, release_density, ambient_density, source_diameter, wind_speed):
    r"""Richardson number of a continuous release, HJ 169-2018 Eq. (G.2) (formula above).

    Parameters
    ----------
    release_rate : array_like
        Q. [kg/s]
    release_density : array_like
        Initial density of the released material ρ_rel. [kg/m³]
    ambient_density : array_like
        Air density ρ_a. [kg/m³]
    source_diameter : array_like
        Source (pool, jet) diameter D_rel. [m]
    wind_speed : array_like
        10 m wind speed U_r. [m/s]

    Returns
    -------
    numpy.ndarray or float
        Ri. [-]
    """
    where = "richardson_number_continuous"
    q = checked(where, "release_rate", release_rate, low_inclusive=True, unit="kg/s")
    rho = checked(where, "release_density", release_density, unit="kg/m³")
    rho_a = checked(where, "ambient_density", ambient_density, unit="kg/m³")
    d = checked(where, "source_diameter", source_diameter, unit="m")
    u = checked(where, "wind_speed", wind_speed, unit="m/s")
    return out(np.cbrt(GRAVITY * (rho - rho_a) / rho_a * q / (rho * d)) / u)


def richardson_number_instantaneous(released_mass, release_density, ambient_density, wind_speed):
    r"""Richardson number of an instantaneous release, HJ 169-2018 Eq. (G.3) (formula above).

    Parameters
    ----------
    released_mass : array_like
        Q_t. [kg]
    release_density : array_like
        ρ_rel. [kg/m³]
    ambient_density : array_like
        ρ_a. [kg/m³]
    wind_speed : array_like
        10 m wind speed U_r. [m/s]

    Returns
    -------
    numpy.ndarray or float
        Ri. [-]
    """
    where = "richardson_number_instantaneous"
    m = checked(where, "released_mass", released_mass, low_inclusive=True, unit="kg")
    rho = checked(where, "release_density", release_density, unit="kg/m³")
    rho_a = checked(where, "ambient_density", ambient_density, unit="kg/m³")
    u = checked(where, "wind_speed", wind_speed, unit="m/s")
    return out(GRAVITY * np.cbrt(m / rho) / u**2 * (rho - rho_a) / rho_a)


def is_dense_gas(*, release_density, ambient_density, wind_speed, distance, release_duration,
                 release_rate=None, source_diameter=None, released_mass=None) -> DenseGasVerdict:
    """Apply the HJ 169-2018 G.2.1 criteria: choose continuous or instantaneous by T = 2X/U_r, then compare Ri.

    Scalars only. Units as in the functions above: densities [kg/m³], wind_speed [m/s], distance X [m],
    release_duration T_d [s], release_rate [kg/s] and source_diameter [m] (continuous), released_mass [kg]
    (instantaneous; defaults to release_rate × release_duration when not given).
    """
    travel = travel_time_hj169(distance, wind_speed)
    continuous = is_continuous_release(release_duration, distance, wind_speed)
    if continuous:
        if release_rate is None or source_diameter is None:
            raise InputError.field("is_dense_gas", "release_rate/source_diameter", (release_rate, source_diameter),
                                   "both given for a continuous release (T_d > 2X/U_r)")
        ri = richardson_number_continuous(release_rate, release_density, ambient_density, source_diameter,
                                          wind_speed)
        threshold, kind, relation = RICHARDSON_DENSE_CONTINUOUS_HJ169, "continuous", ">="
        dense = ri >= threshold
    else:
        if released_mass is None:
            if release_rate is None:
                    raise InputError.field("is_dense_gas", "released_mass", None,
                                       "given (or release_rate) for an instantaneous release (T_d <= 2X/U_r)")
            released_mass = float(release_rate) * float(release_duration)
        ri = richardson_number_instantaneous(released_mass, release_density, ambient_density, wind_speed)
        threshold, kind, relation = RICHARDSON_DENSE_INSTANTANEOUS_HJ169, "instantaneous", ">"
        dense = ri > threshold
    if dense:
        message = (f"dense gas: {kind} release, Ri = {ri:.3g} {relation} {threshold:.3g} (HJ 169-2018 G.2.1); the "
                   f"neutral-gas Gaussian model is outside its validity here: a dense-gas model applies (HJ 169 names SLAB)")
        message_zh = (f"重质气体：{_RELEASE_KINDS_ZH[kind]}，理查德森数 Ri = {ri:.3g} {_SIGNS[relation]} {threshold:.3g}"
                      f"（HJ 169-2018 G.2.1）；中性气体高斯模型在此超出其适用范围，应采用重质气体模型（HJ 169 推荐 SLAB 模型）")
    else:
        message = (f"neutral or light gas: {kind} release, Ri = {ri:.3g}, not {relation} {threshold:.3g} "
                   f"(HJ 169-2018 G.2.1); a neutral-gas model applies (HJ 169 names AFTOX)")
        message_zh = (f"中性或轻质气体：{_RELEASE_KINDS_ZH[kind]}，理查德森数 Ri = {ri:.3g}，不满足 Ri {_SIGNS[relation]} "
                      f"{threshold:.3g}（HJ 169-2018 G.2.1）；适用中性气体模型（HJ 169 推荐 AFTOX 模型）")
    return DenseGasVerdict(bool(dense), float(ri), float(threshold), kind, float(travel), message, message_zh)
