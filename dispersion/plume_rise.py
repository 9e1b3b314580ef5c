"""Briggs plume rise as implemented in ISC3, vectorised (every argument broadcasts).

Source: U.S. EPA (1995), User's Guide for the ISC3 Dispersion Models, Vol. II, EPA-454/B-95-003b, §1.1.4 [1]_,
which codes Briggs (1969, 1971, 1972, 1974, 1975, 1984). Section numbers below are ISC3's:

=========  ===============================================  ==============================
§1.1.4.1   stack-tip downwash (Briggs 1974)                 :func:`stack_tip_downwash`
§1.1.4.2   buoyancy and momentum fluxes                     :func:`buoyancy_flux`, :func:`momentum_flux`
§1.1.4.3   unstable/neutral crossover ΔT_c                  :func:`crossover_temperature_difference`
§1.1.4.4   unstable/neutral buoyant final rise              :func:`plume_rise_briggs` (regime 0)
§1.1.4.5   unstable/neutral momentum final rise (Eq. 1-16)  :func:`plume_rise_briggs` (regime 1)
§1.1.4.6   stability parameter s                            :func:`stability_parameter`
§1.1.4.7   stable crossover ΔT_c (Eq. 1-18)                 :func:`crossover_temperature_difference`
§1.1.4.8   stable buoyant final rise                        :func:`plume_rise_briggs` (regime 2)
§1.1.4.9   stable momentum final rise                       :func:`plume_rise_briggs` (regime 3)
§1.1.4.10  gradual rise, x < x_f (Eqs. 1-22 to 1-25)        :func:`plume_rise_briggs_gradual`,
                                                           :func:`plume_rise_briggs_buoyant` (F_b given)
§1.1.5.4   buoyancy-induced dispersion (Pasquill 1976)      :func:`buoyancy_induced_dispersion`
=========  ===============================================  ==============================

Equation numbers 1-16, 1-18, 1-23 and 1-25 were seen in a copy of the ISC3 text; the others (1-7 … 1-22, 1-24)
follow from ISC3's consecutive numbering and are marked "(numbering inferred)".

Beyond ISC3, one documented addition: in stable air the buoyant rise is limited by the calm-air rise
Δh = 4 F_b^{1/4} s^{-3/8} (Briggs 1975) — the windy formula grows without bound as u → 0; the limit binds only at
low wind (u ≲ 0.27 F_b^{1/4} s^{1/8}), and ``calm_stable_limit=False`` reproduces ISC3 exactly (regime 4 marks it).

Notes on ISC3 itself that users meet (tests in ``tests/dispersion/test_plume_rise.py`` pin them down):

* the final rise is not continuous in F_b at F_b = 55 m⁴/s³ (38.71 F_b^{3/5} gives 0.95 % less than
  21.425 F_b^{3/4} there);
* at the A–D crossover the rounded constants give steps below 1 %; at the E–F crossover the step can be large,
  because the stable momentum rise is capped by 3 d v_s/u and the stable buoyant rise is not (v_s 1 → 2 m/s with
  ΔT = 0.3 K, d = 1 m, u = 10 m/s, class F: 1.56 m → 0.60 m);
* in momentum-dominated stable air a hotter exit gives a *lower* rise (F_m ∝ T_a/T_s).

So the rise falls with wind speed everywhere, but grows with exit velocity and temperature only within a regime.
With the calm limit on, a momentum-dominated stable plume that turns buoyant-and-calm-limited can also step
down a few per cent.

References
----------
.. [1] U.S. EPA (1995). User's Guide for the Industrial Source Complex (ISC3) Dispersion Models, Vol. II:
   Description of Model Algorithms. EPA-454/B-95-003b, §1.1.4 and §1.1.5.4.
.. [2] Briggs, G. A. (1975). Plume rise predictions. In Lectures on Air Pollution and Environmental Impact
   Analyses, American Meteorological Society, pp. 59–111.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from enum import IntEnum
from types import MappingProxyType
from typing import NamedTuple

import numpy as np

from twin.errors import InputError

CAPPED_EXIT_VELOCITY = 0.001  # [m s-1] the exit velocity of a capped or horizontal release at the same flow (U.S. EPA
#                               Model Clearinghouse memorandum, 1993; AERMOD POINTCAP/POINTHOR; docs/unverified.md)

__all__ = [
    "CAPPED_EXIT_VELOCITY",
    "GRAVITY_ISC3",
    "DEFAULT_POTENTIAL_TEMPERATURE_GRADIENT",
    "BUOYANCY_FLUX_BREAK",
    "RiseRegime",
    "BriggsRise",
    "buoyancy_flux",
    "momentum_flux",
    "stack_tip_downwash",
    "stability_parameter",
    "crossover_temperature_difference",
    "plume_rise_briggs",
    "plume_rise_briggs_calm_stable",
    "plume_rise_briggs_gradual",
    "plume_rise_briggs_buoyant",
    "buoyancy_induced_dispersion",
]

GRAVITY_ISC3 = 9.80616  # [m/s²] the value ISC3 uses (not standard g = 9.80665, twin.constants)
BUOYANCY_FLUX_BREAK = 55.0  # [m⁴/s³] ISC3 §1.1.4.3–4: F_b < 55 and F_b ≥ 55 use different Briggs fits
# ISC3 §1.1.4.6: default ∂θ/∂z [K/m] for stable classes E (4) and F (5).
DEFAULT_POTENTIAL_TEMPERATURE_GRADIENT: Mapping[int, float] = MappingProxyType({4: 0.020, 5: 0.035})


class RiseRegime(IntEnum):
    """Which ISC3 branch gave the final rise."""

    BUOYANT_UNSTABLE = 0  # A–D, ΔT ≥ ΔT_c: 21.425 F_b^{3/4}/u or 38.71 F_b^{3/5}/u
    MOMENTUM_UNSTABLE = 1  # A–D, ΔT < ΔT_c: 3 d v_s / u
    BUOYANT_STABLE = 2  # E–F, ΔT ≥ ΔT_c: 2.6 (F_b / (u s))^{1/3}
    MOMENTUM_STABLE = 3  # E–F, ΔT < ΔT_c: min(1.5 (F_m / (u √s))^{1/3}, 3 d v_s / u)
    BUOYANT_STABLE_CALM = 4  # E–F buoyant, limited by the calm rise 4 F_b^{1/4} s^{-3/8} (Briggs 1975)


class BriggsRise(NamedTuple):
    """Final plume rise: ``rise`` Δh [m], ``distance_to_final_rise`` x_f [m], ``regime`` (RiseRegime codes)."""

    rise: np.ndarray
    distance_to_final_rise: np.ndarray
    regime: np.ndarray


# ---------------------------------------------------------------------------------------------- input checks


def _positive(where: str, name: str, value, unit: str) -> np.ndarray:
    array = np.asarray(value, dtype=np.float64)
    bad = ~(np.isfinite(array) & (array > 0.0))
    if np.any(bad):
        raise InputError.field(where, name, float(array[bad].flat[0]), f"a finite number > 0 {unit}")
    return array


def _classes(where: str, stability) -> np.ndarray:
    codes = np.asarray(stability)
    bad = ~np.isin(codes, range(6)) if codes.dtype.kind in "iuf" else np.ones(codes.shape, bool)
    if codes.dtype.kind == "b" or np.any(bad):
        raise InputError.field(where, "stability", codes[bad].flat[0].item() if np.any(bad) else stability,
                               "an integer code 0..5 (A..F)")
    return codes.astype(np.int64)


def _out(value: np.ndarray):
    return value[()] if value.ndim == 0 else value


# ------------------------------------------------------------------------------------------- small functions


def buoyancy_flux(exit_velocity, inner_diameter, exit_temperature, ambient_temperature):
    r"""Briggs buoyancy flux F_b = g v_s d_s² (T_s − T_a) / (4 T_s) (ISC3 §1.1.4.2, Eq. 1-8, numbering inferred).

    Negative when the exit gas is colder than the air.

    Parameters
    ----------
    exit_velocity : array_like
        Stack exit velocity v_s. [m/s]
    inner_diameter : array_like
        Inner stack-top diameter d_s. [m]
    exit_temperature : array_like
        Stack gas exit temperature T_s. [K]
    ambient_temperature : array_like
        Ambient air temperature T_a. [K]

    Returns
    -------
    numpy.ndarray or float
        F_b. [m⁴/s³]
    """
    vs, ds, ts, ta = (np.asarray(v, dtype=np.float64)
                      for v in (exit_velocity, inner_diameter, exit_temperature, ambient_temperature))
    return _out(np.asarray(GRAVITY_ISC3 * vs * ds**2 * (ts - ta) / (4.0 * ts)))


def momentum_flux(exit_velocity, inner_diameter, exit_temperature, ambient_temperature):
    r"""Momentum flux F_m = v_s² d_s² T_a / (4 T_s) (ISC3 §1.1.4.2, Eq. 1-9, numbering inferred).

    Parameters as :func:`buoyancy_flux` ([m/s], [m], [K], [K]).

    Returns
    -------
    numpy.ndarray or float
        F_m. [m⁴/s²]
    """
    vs, ds, ts, ta = (np.asarray(v, dtype=np.float64)
                      for v in (exit_velocity, inner_diameter, exit_temperature, ambient_temperature))
    return _out(np.asarray(vs**2 * ds**2 * ta / (4.0 * ts)))


def stack_tip_downwash(stack_height, inner_diameter, exit_velocity, wind_speed):
    r"""Stack height after stack-tip downwash (Briggs 1974; ISC3 §1.1.4.1, Eq. 1-7, numbering inferred).

    .. math:: h_s' = h_s + 2 d_s (v_s / u_s − 1.5) \text{ if } v_s < 1.5 u_s, \text{ else } h_s' = h_s

    Parameters
    ----------
    stack_height : array_like
        Physical stack height h_s. [m]
    inner_diameter : array_like
        Inner stack-top diameter d_s. [m]
    exit_velocity : array_like
        Stack exit velocity v_s. [m/s]
    wind_speed : array_like
        Wind speed at stack height u_s, > 0. [m/s]

    Returns
    -------
    numpy.ndarray or float
        h_s'. [m] (not floored: ISC3 lets a very low, slow stack go below its own height by up to 3 d_s)
    """
    hs, ds, vs = (np.asarray(v, dtype=np.float64) for v in (stack_height, inner_diameter, exit_velocity))
    us = _positive("stack_tip_downwash", "wind_speed", wind_speed, "m/s")
    return _out(np.asarray(np.where(vs < 1.5 * us, hs + 2.0 * ds * (vs / us - 1.5), hs + 0.0 * us)))


def stability_parameter(ambient_temperature, potential_temperature_gradient):
    r"""Stability parameter s = (g / T_a) ∂θ/∂z (ISC3 §1.1.4.6, Eq. 1-17, numbering inferred).

    Parameters
    ----------
    ambient_temperature : array_like
        Ambient air temperature T_a. [K]
    potential_temperature_gradient : array_like
        ∂θ/∂z; ISC3 defaults in ``DEFAULT_POTENTIAL_TEMPERATURE_GRADIENT`` (E 0.020, F 0.035). [K/m]

    Returns
    -------
    numpy.ndarray or float
        s. [1/s²]
    """
    ta = np.asarray(ambient_temperature, dtype=np.float64)
    gradient = np.asarray(potential_temperature_gradient, dtype=np.float64)
    return _out(np.asarray(GRAVITY_ISC3 * gradient / ta))


def crossover_temperature_difference(exit_velocity, inner_diameter, exit_temperature, ambient_temperature,
                                     stability, potential_temperature_gradient=None):
    r"""Temperature difference ΔT_c [K] above which the rise is buoyancy dominated (ISC3 §1.1.4.3 and §1.1.4.7).

    .. math::
        ΔT_c = 0.0297\,T_s v_s^{1/3} / d_s^{2/3}   \quad (A–D,\ F_b < 55;\ Eq. 1-10,\ numbering inferred)

        ΔT_c = 0.00575\,T_s v_s^{2/3} / d_s^{1/3}  \quad (A–D,\ F_b ≥ 55;\ Eq. 1-11,\ numbering inferred)

        ΔT_c = 0.019582\,T_s v_s \sqrt{s}          \quad (E–F;\ Eq. 1-18)

    Arguments as :func:`plume_rise_briggs`.
    """
    args = _prepare("crossover_temperature_difference", exit_velocity, inner_diameter, exit_temperature,
                    ambient_temperature, 1.0, stability, potential_temperature_gradient)
    return _out(_crossover(*args[:-1]))


def plume_rise_briggs_calm_stable(buoyancy_flux, stability_parameter):
    r"""Calm stable buoyant rise Δh = 4 F_b^{1/4} s^{-3/8} [m] (Briggs 1975 [2]_; not part of ISC3).

    Parameters
    ----------
    buoyancy_flux : array_like
        F_b, ≥ 0 (negative values give 0). [m⁴/s³]
    stability_parameter : array_like
        s, > 0. [1/s²]
    """
    fb = np.maximum(np.asarray(buoyancy_flux, dtype=np.float64), 0.0)
    s = _positive("plume_rise_briggs_calm_stable", "stability_parameter", stability_parameter, "1/s²")
    return _out(np.asarray(4.0 * fb**0.25 * s**-0.375))


def buoyancy_induced_dispersion(sigma, rise):
    r"""Buoyancy-induced dispersion σ_e = (σ² + (Δh / 3.5)²)^{1/2} (Pasquill 1976; ISC3 §1.1.5.4).

    Applies to σ_y and σ_z alike; Δh is the gradual rise before x_f and the final rise beyond.

    Parameters
    ----------
    sigma : array_like
        σ_y or σ_z from ambient turbulence. [m]
    rise : array_like
        Plume rise Δh. [m]

    Returns
    -------
    numpy.ndarray or float
        σ_e. [m]
    """
    sigma = np.asarray(sigma, dtype=np.float64)
    rise = np.asarray(rise, dtype=np.float64)
    return _out(np.asarray(np.sqrt(sigma**2 + (rise / 3.5) ** 2)))


# ------------------------------------------------------------------------------------------------ final rise


def _prepare(where, exit_velocity, inner_diameter, exit_temperature, ambient_temperature, wind_speed, stability,
             potential_temperature_gradient):
    vs = _positive(where, "exit_velocity", exit_velocity, "m/s")
    ds = _positive(where, "inner_diameter", inner_diameter, "m")
    ts = _positive(where, "exit_temperature", exit_temperature, "K")
    ta = _positive(where, "ambient_temperature", ambient_temperature, "K")
    us = _positive(where, "wind_speed", wind_speed, "m/s")
    cls = _classes(where, stability)
    stable = cls >= 4
    if potential_temperature_gradient is None:
        gradient = np.where(cls == 5, DEFAULT_POTENTIAL_TEMPERATURE_GRADIENT[5],
                            DEFAULT_POTENTIAL_TEMPERATURE_GRADIENT[4])
    else:
        gradient = np.asarray(potential_temperature_gradient, dtype=np.float64)
        stable_b, gradient_b = np.broadcast_arrays(stable, gradient)
        bad = stable_b & ~(np.isfinite(gradient_b) & (gradient_b > 0.0))
        if np.any(bad):
            raise InputError.field(where, "potential_temperature_gradient", float(gradient_b[bad].flat[0]),
                                   "a finite number > 0 K/m in stable classes E, F")
    vs, ds, ts, ta, us, stable, gradient = np.broadcast_arrays(vs, ds, ts, ta, us, stable, gradient)
    # s only matters in stable hours; elsewhere a harmless placeholder keeps the arithmetic finite.
    s = np.where(stable, GRAVITY_ISC3 * np.where(stable, gradient, 1.0) / ta, 1.0)
    fb = GRAVITY_ISC3 * vs * ds**2 * (ts - ta) / (4.0 * ts)
    return vs, ds, ts, ta, stable, s, fb, us


def _crossover(vs, ds, ts, ta, stable, s, fb):
    unstable_small = 0.0297 * ts * vs ** (1.0 / 3.0) / ds ** (2.0 / 3.0)
    unstable_large = 0.00575 * ts * vs ** (2.0 / 3.0) / ds ** (1.0 / 3.0)
    return np.where(stable, 0.019582 * ts * vs * np.sqrt(s),
                    np.where(fb < BUOYANCY_FLUX_BREAK, unstable_small, unstable_large))


def _final(vs, ds, ts, ta, stable, s, fb, us, calm_stable_limit):
    """Final rise, x_f and regime on broadcast arrays; also the momentum flux and the buoyant flag."""
    buoyant = (ts - ta) >= _crossover(vs, ds, ts, ta, stable, s, fb)
    fb_pos = np.maximum(fb, 0.0)
    fm = vs**2 * ds**2 * ta / (4.0 * ts)
    small = fb_pos < BUOYANCY_FLUX_BREAK
    momentum_unstable = 3.0 * ds * vs / us  # Eq. 1-16

    # A–D buoyant (§1.1.4.4): Eq. 1-12/1-13 (x_f) and 1-14/1-15 (Δh), numbering inferred.
    rise_bu = np.where(small, 21.425 * fb_pos**0.75, 38.71 * fb_pos**0.6) / us
    xf_bu = np.where(small, 49.0 * fb_pos**0.625, 119.0 * fb_pos**0.4)
    # A–D momentum: Δh from Eq. 1-16, x_f = ISC3's x_max for the gradual momentum rise (§1.1.4.10).
    xf_mu = np.where(fb > 0.0, xf_bu, 4.0 * ds * (vs + 3.0 * us) ** 2 / (vs * us))
    # E–F buoyant (§1.1.4.8): x_f = 2.0715 u/√s (Eq. 1-19), Δh = 2.6 (F_b/(u s))^{1/3} (Eq. 1-20), inferred.
    rise_bs = 2.6 * np.cbrt(fb_pos / (us * s))
    xf_bs = 2.0715 * us / np.sqrt(s)
    calm = 4.0 * fb_pos**0.25 * s**-0.375
    calm_binds = calm_stable_limit & (calm < rise_bs)
    # E–F momentum (§1.1.4.9): min of 1.5 (F_m/(u √s))^{1/3} (Eq. 1-21, inferred) and Eq. 1-16;
    # x_f = ISC3's x_max = π u / (2 √s) for the gradual stable momentum rise.
    rise_ms = np.minimum(1.5 * np.cbrt(fm / (us * np.sqrt(s))), momentum_unstable)
    xf_ms = 0.5 * math.pi * us / np.sqrt(s)

    rise = np.where(stable, np.where(buoyant, np.where(calm_binds, calm, rise_bs), rise_ms),
                    np.where(buoyant, rise_bu, momentum_unstable))
    xf = np.where(stable, np.where(buoyant, xf_bs, xf_ms), np.where(buoyant, xf_bu, xf_mu))
    regime = np.where(stable,
                      np.where(buoyant, np.where(calm_binds, RiseRegime.BUOYANT_STABLE_CALM,
                                                 RiseRegime.BUOYANT_STABLE), RiseRegime.MOMENTUM_STABLE),
                      np.where(buoyant, RiseRegime.BUOYANT_UNSTABLE, RiseRegime.MOMENTUM_UNSTABLE)).astype(np.int64)
    return rise, xf, regime, fm, buoyant


def plume_rise_briggs(exit_velocity, inner_diameter, exit_temperature, ambient_temperature, wind_speed, stability,
                      potential_temperature_gradient=None, *, calm_stable_limit: bool = True) -> BriggsRise:
    r"""Briggs final plume rise with ISC3's regime selection (ISC3 §1.1.4.3–§1.1.4.9).

    Buoyancy dominated when T_s − T_a ≥ ΔT_c (:func:`crossover_temperature_difference`), else momentum
    dominated (always so when T_s ≤ T_a). Final rise Δh and distance to it x_f:

    * A–D buoyant: Δh = 21.425 F_b^{3/4}/u, x_f = 49 F_b^{5/8} (F_b < 55); Δh = 38.71 F_b^{3/5}/u,
      x_f = 119 F_b^{2/5} (F_b ≥ 55).
    * A–D momentum: Δh = 3 d_s v_s / u (Eq. 1-16); x_f = the x_max ISC3 gives the gradual momentum rise:
      49 F_b^{5/8} or 119 F_b^{2/5} when F_b > 0, 4 d_s (v_s + 3u)² / (v_s u) when F_b ≤ 0.
    * E–F buoyant: Δh = 2.6 (F_b / (u s))^{1/3}, x_f = 2.0715 u / √s; with ``calm_stable_limit`` the lesser
      of this and the calm rise 4 F_b^{1/4} s^{-3/8} (Briggs 1975; regime 4 when the calm rise binds).
    * E–F momentum: Δh = min(1.5 (F_m / (u √s))^{1/3}, 3 d_s v_s / u); x_f = π u / (2 √s).

    Add the rise to :func:`stack_tip_downwash` (h_s') for the effective height.

    Parameters
    ----------
    exit_velocity : array_like
        Stack exit velocity v_s, > 0. [m/s]
    inner_diameter : array_like
        Inner stack-top diameter d_s, > 0. [m]
    exit_temperature : array_like
        Stack gas exit temperature T_s, > 0. [K]
    ambient_temperature : array_like
        Ambient air temperature T_a, > 0. [K]
    wind_speed : array_like
        Wind speed at stack height u, > 0 (ISC3 floors it at 1 m/s before this point). [m/s]
    stability : int or array_like of int
        Pasquill–Gifford class code 0..5 (A..F).
    potential_temperature_gradient : array_like, optional
        ∂θ/∂z in stable classes, > 0; None = ``DEFAULT_POTENTIAL_TEMPERATURE_GRADIENT`` (E 0.020, F 0.035).
        Ignored in classes A–D. [K/m]
    calm_stable_limit : bool, default True
        Limit the stable buoyant rise by the calm rise (False = ISC3 exactly).

    Returns
    -------
    BriggsRise
        ``rise`` Δh [m], ``distance_to_final_rise`` x_f [m], ``regime`` (:class:`RiseRegime` codes), all with
        the broadcast shape of the arguments.
    """
    vs, ds, ts, ta, stable, s, fb, us = _prepare("plume_rise_briggs", exit_velocity, inner_diameter,
                                                 exit_temperature, ambient_temperature, wind_speed, stability,
                                                 potential_temperature_gradient)
    rise, xf, regime, _, _ = _final(vs, ds, ts, ta, stable, s, fb, us, bool(calm_stable_limit))
    return BriggsRise(_out(rise), _out(xf), _out(regime))


def plume_rise_briggs_gradual(downwind_distance, exit_velocity, inner_diameter, exit_temperature,
                              ambient_temperature, wind_speed, stability, potential_temperature_gradient=None, *,
                              calm_stable_limit: bool = True):
    r"""Distance-dependent (gradual) plume rise Δh(x) [m] (ISC3 §1.1.4.10).

    For x < x_f, never above the final rise of :func:`plume_rise_briggs`; for x ≥ x_f the final rise:

    * buoyant (all classes): Δh = 1.60 F_b^{1/3} x^{2/3} / u (Briggs 1972; Eq. 1-22, numbering inferred);
    * momentum, A–D: Δh = [3 F_m x / (β_j² u²)]^{1/3} (Eq. 1-23), β_j = 1/3 + u / v_s (Eq. 1-24, inferred);
    * momentum, E–F: Δh = [3 F_m sin(x √s / u) / (β_j² u √s)]^{1/3} (Eq. 1-25).

    Parameters
    ----------
    downwind_distance : array_like
        Downwind distance x, ≥ 0. [m]
    exit_velocity, inner_diameter, exit_temperature, ambient_temperature, wind_speed, stability,
    potential_temperature_gradient, calm_stable_limit
        As :func:`plume_rise_briggs`.

    Returns
    -------
    numpy.ndarray or float
        Δh(x). [m]
    """
    where = "plume_rise_briggs_gradual"
    x = np.asarray(downwind_distance, dtype=np.float64)
    if np.any(~np.isfinite(x) | (x < 0.0)):
        raise InputError.field(where, "downwind_distance", float(x[~(np.isfinite(x) & (x >= 0.0))].flat[0]),
                               "a finite distance >= 0 m")
    vs, ds, ts, ta, stable, s, fb, us = _prepare(where, exit_velocity, inner_diameter, exit_temperature,
                                                 ambient_temperature, wind_speed, stability,
                                                 potential_temperature_gradient)
    final, xf, _, fm, buoyant = _final(vs, ds, ts, ta, stable, s, fb, us, bool(calm_stable_limit))
    x, final, xf, fm, buoyant, vs, us, stable, s, fb = np.broadcast_arrays(x, final, xf, fm, buoyant, vs, us,
                                                                          stable, s, fb)
    beta_j = 1.0 / 3.0 + us / vs
    buoyant_rise = 1.60 * np.cbrt(np.maximum(fb, 0.0) * x**2) / us
    momentum_unstable = np.cbrt(3.0 * fm * x / (beta_j**2 * us**2))
    # x < x_f = π u / (2 √s) keeps the sine's argument in [0, π/2).
    momentum_stable = np.cbrt(3.0 * fm * np.sin(x * np.sqrt(s) / us) / (beta_j**2 * us * np.sqrt(s)))
    gradual = np.where(buoyant, buoyant_rise, np.where(stable, momentum_stable, momentum_unstable))
    return _out(np.asarray(np.where(x < xf, np.minimum(gradual, final), final)))


# ------------------------------------------------------------------------------- rise from a given buoyancy flux


def plume_rise_briggs_buoyant(downwind_distance, buoyancy_flux, wind_speed, stability, ambient_temperature=293.15,
                              potential_temperature_gradient=None, *, calm_stable_limit: bool = True):
    r"""Buoyant rise Δh(x) [m] of a release whose buoyancy flux is known (a light or warm gas, no stack).

    The gradual "2/3 law" rise, limited to the buoyant final rise of the class:

    .. math::
        Δh(x) = \min\left(1.60\,F_b^{1/3} x^{2/3} / u,\ Δh_f\right)

    (Briggs 1975 [2]_ §3; ISC3 §1.1.4.10, Eq. 1-22, numbering inferred), with Δh_f the buoyancy-dominated final
    rise of :func:`plume_rise_briggs`: 21.425 F_b^{3/4}/u (F_b < 55) or 38.71 F_b^{3/5}/u (F_b ≥ 55) in classes
    A–D (ISC3 §1.1.4.4), 2.6 (F_b/(u s))^{1/3} in E–F (ISC3 §1.1.4.8), and with ``calm_stable_limit`` the lesser
    of that and the calm rise 4 F_b^{1/4} s^{-3/8} (Briggs 1975; :func:`plume_rise_briggs_calm_stable`). The
    2/3 law meets each final rise at ISC3's distance to final rise x_f (49 F_b^{5/8}, 119 F_b^{2/5},
    2.0715 u/√s), so the minimum is continuous. F_b ≤ 0 (a dense release) gives no rise.

    Parameters
    ----------
    downwind_distance : array_like
        Travel distance x from the release, ≥ 0. [m]
    buoyancy_flux : array_like
        F_b = g V̇ (1 − ρ/ρ_a)/π for a gas of density ρ released at V̇ [m³/s] into air of density ρ_a (Briggs 1975),
        or :func:`buoyancy_flux` for a stack. [m⁴/s³]
    wind_speed : array_like
        Wind speed u, > 0 (ISC3 floors it at 1 m/s before this point). [m/s]
    stability : int or array_like of int
        Pasquill–Gifford class code 0..5 (A..F).
    ambient_temperature : array_like, default 293.15
        T_a, for the stability parameter s in classes E–F. [K]
    potential_temperature_gradient : array_like, optional
        ∂θ/∂z in E–F; None = ``DEFAULT_POTENTIAL_TEMPERATURE_GRADIENT``. [K/m]
    calm_stable_limit : bool, default True
        Limit the stable rise by the calm rise (False = ISC3 exactly).

    Returns
    -------
    numpy.ndarray or float
        Δh(x). [m]
    """
    where = "plume_rise_briggs_buoyant"
    x = np.asarray(downwind_distance, dtype=np.float64)
    if np.any(~np.isfinite(x) | (x < 0.0)):
        raise InputError.field(where, "downwind_distance", float(x[~(np.isfinite(x) & (x >= 0.0))].flat[0]),
                               "a finite distance >= 0 m")
    us = _positive(where, "wind_speed", wind_speed, "m/s")
    ta = _positive(where, "ambient_temperature", ambient_temperature, "K")
    cls = _classes(where, stability)
    fb = np.maximum(np.asarray(buoyancy_flux, dtype=np.float64), 0.0)
    stable = cls >= 4
    if potential_temperature_gradient is None:
        gradient = np.where(cls == 5, DEFAULT_POTENTIAL_TEMPERATURE_GRADIENT[5],
                            DEFAULT_POTENTIAL_TEMPERATURE_GRADIENT[4])
    else:
        gradient = np.where(stable, np.asarray(potential_temperature_gradient, dtype=np.float64), 1.0)
    s = GRAVITY_ISC3 * gradient / ta  # ISC3 Eq. 1-17 (numbering inferred) [1/s²]
    final_unstable = np.where(fb < BUOYANCY_FLUX_BREAK, 21.425 * fb**0.75, 38.71 * fb**0.6) / us
    final_stable = 2.6 * np.cbrt(fb / (us * s))
    if calm_stable_limit:
        final_stable = np.minimum(final_stable, 4.0 * fb**0.25 * s**-0.375)
    final = np.where(stable, final_stable, final_unstable)
    gradual = 1.60 * np.cbrt(fb * x**2) / us
    return _out(np.asarray(np.minimum(gradual, final)))
