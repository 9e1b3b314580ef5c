"""What a release does at each sensitive receptor: arrival, peak, time above thresholds, dose, people affected.

Thresholds carry their averaging time, and a concentration series is compared with its running mean over that
time — a 60-min AEGL or HJ 169 endpoint with 60-min means, never with instantaneous peaks (a mistake found on this
project in the PyPI package deepsafety, whose toxic registry gives 10-min AEGLs of chlorine and hydrogen sulfide as
60-min values). Pure functions on arrays, SI units.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from twin.errors import InputError

__all__ = ["Threshold", "ReceptorImpact", "running_mean", "receptor_impacts", "ProbitCoefficients", "toxic_load",
           "probit_value", "death_probability", "receptor_probits", "NOT_AVAILABLE",
           "SENSITIVE_KINDS", "PEOPLE_KINDS", "PROBABILITY_LEVELS", "risk_score", "people_mask", "no_people_to_aim_at"]

NOT_AVAILABLE = "not available"  # what a report shows when a substance has no probit constants from a citable source


@dataclass(frozen=True)
class Threshold:
    """name (e.g. "HJ 169 endpoint-2"), value [kg m-3] and averaging_time [s] it applies to."""

    name: str
    value: float
    averaging_time: float


@dataclass(frozen=True)
class ReceptorImpact:
    """Per receptor: arrival [s] (first time the arrival threshold's running mean exceeds it; NaN = never), peak
    running mean per threshold [kg m-3], time above each threshold [s], dose [kg s m-3], and the population of
    receptors reached by each threshold."""

    arrival_time: np.ndarray
    peak: dict[str, np.ndarray]
    time_above: dict[str, np.ndarray]
    dose: np.ndarray
    population_reached: dict[str, int]


def running_mean(series: np.ndarray, step: float, window: float) -> np.ndarray:
    """Trailing running mean over ``window`` [s] of series sampled every ``step`` [s] (last axis): the mean of the
    last window/step samples, with the samples before the start taken as 0 (nothing had been released)."""
    length = int(round(window / step))
    if length < 1 or abs(length * step - window) > 1e-9 * window:
        raise InputError.field("impact", "averaging_time", window, f"a positive multiple of the step {step} s")
    padded = np.concatenate([np.zeros(series.shape[:-1] + (length,)), series], axis=-1)
    cumulative = np.cumsum(padded, axis=-1)
    return (cumulative[..., length:] - cumulative[..., :-length]) / length


def receptor_impacts(series: np.ndarray, step: float, thresholds: Sequence[Threshold], population: np.ndarray,
                     arrival_threshold: str) -> ReceptorImpact:
    """Impacts from concentration series (receptors, steps) [kg m-3] sampled every ``step`` [s] (sample k at
    (k + 1)·step). ``arrival_threshold`` names the threshold whose first exceedance is the arrival (HJ 169: the
    endpoint-2 concentration)."""
    series = np.asarray(series, dtype=np.float64)
    population = np.asarray(population)
    if series.ndim != 2 or population.shape != (series.shape[0],):
        raise InputError.field("impact", "series/population", f"{series.shape}/{population.shape}",
                               "(receptors, steps) and (receptors,)")
    names = [t.name for t in thresholds]
    if arrival_threshold not in names:
        raise InputError.field("impact", "arrival_threshold", arrival_threshold, f"one of {names}")
    times = step * np.arange(1, series.shape[1] + 1)
    peak, above, reached, arrival = {}, {}, {}, None
    for threshold in thresholds:
        mean = running_mean(series, step, threshold.averaging_time)
        exceeded = mean > threshold.value
        peak[threshold.name] = mean.max(axis=1, initial=0.0)
        above[threshold.name] = exceeded.sum(axis=1) * step
        reached[threshold.name] = int(population[exceeded.any(axis=1)].sum())
        if threshold.name == arrival_threshold:
            first = np.argmax(exceeded, axis=1)
            arrival = np.where(exceeded.any(axis=1), times[first], np.nan)
    return ReceptorImpact(arrival_time=arrival, peak=peak, time_above=above, dose=series.sum(axis=1) * step,
                          population_reached=reached)


@dataclass(frozen=True)
class ProbitCoefficients:
    """Lethality probit Y = a + b ln(Σ Cⁿ Δt) with C in mg/m³ and Δt in min (TNO Purple Book CPR 18E form, as
    HJ 169-2018 Appendix I writes it); ``source`` names the table the constants came from."""

    a: float
    b: float
    n: float
    source: str


def toxic_load(series: np.ndarray, step: float, exponent: float) -> np.ndarray:
    """Toxic load Σ Cⁿ Δt per receptor (TNO Purple Book CPR 18E, lethal toxicity; HJ 169-2018 Appendix I).

    Parameters
    ----------
    series : numpy.ndarray
        Concentrations (receptors, steps), sample k holding over ((k)·step, (k + 1)·step]. [kg m-3]
    step : float
        Sampling step Δt. [s]
    exponent : float
        n, > 0. [-]

    Returns
    -------
    numpy.ndarray
        Σ Cⁿ Δt. [(mg m-3)ⁿ min]
    """
    if not step > 0 or not exponent > 0:
        raise InputError.field("toxic_load", "step/exponent", (step, exponent), "both > 0 (s, -)")
    concentration = np.maximum(np.asarray(series, dtype=np.float64), 0.0) * 1e6  # kg m-3 -> mg m-3 (probit units)
    minutes = step / 60.0  # s -> min: the probit constants are defined for time in minutes
    return (concentration**exponent).sum(axis=-1) * minutes


def probit_value(series: np.ndarray, step: float, coefficients: ProbitCoefficients) -> np.ndarray:
    """Probit Y = a + b ln(Σ Cⁿ Δt) per receptor (the lethality probit of the TNO Purple Book CPR 18E and of
    HJ 169-2018 Appendix I), C in mg/m³ and Δt in min (converted here from the SI series [kg m-3] and step [s]).
    No exposure gives −inf. Arguments as :func:`toxic_load`; returns Y [-]."""
    load = toxic_load(series, step, coefficients.n)
    with np.errstate(divide="ignore"):
        return coefficients.a + coefficients.b * np.log(load)


def death_probability(probit) -> np.ndarray:
    """Probability of death P = Φ(Y − 5), Φ the standard normal distribution function (Finney 1971, Probit
    Analysis; TNO Purple Book CPR 18E). Y = −inf (no exposure) gives 0. [-]"""
    return ndtr(np.asarray(probit, dtype=np.float64) - 5.0)


def receptor_probits(series: np.ndarray, step: float, coefficients: ProbitCoefficients | None) -> list[dict]:
    """Per receptor {"probit": Y or None (no exposure), "probability_of_death": P} from concentration series
    (receptors, steps) [kg m-3] sampled every ``step`` [s] (:func:`probit_value`, :func:`death_probability`); with no
    coefficients both are :data:`NOT_AVAILABLE` — a report must never show a number the table cannot back."""
    series = np.asarray(series, dtype=np.float64)
    if coefficients is None:
        return [{"probit": NOT_AVAILABLE, "probability_of_death": NOT_AVAILABLE} for _ in range(series.shape[0])]
    probits = probit_value(series, step, coefficients)
    probabilities = death_probability(probits)
    return [{"probit": float(y) if np.isfinite(y) else None, "probability_of_death": float(p)}
            for y, p in zip(probits, probabilities)]


SENSITIVE_KINDS = ("residential", "school", "hospital", "water_source")


PEOPLE_KINDS = ("residential", "school", "hospital")


def people_mask(kinds: Sequence[str]) -> np.ndarray:
    """True where a receptor kind is one of :data:`PEOPLE_KINDS`; a boolean array even for no receptors (an empty
    list would make a float array that cannot be combined with ``&``)."""
    return np.array([kind in PEOPLE_KINDS for kind in kinds], dtype=bool)


def no_people_to_aim_at(where: str) -> InputError:
    """The error of a leak preset that aims the wind at the nearest residential area, school or hospital on a park
    that has none (raised by the run and by ``parktwin validate``)."""
    return InputError.field(f"{where}: meteorology", "wind_from_direction", None,
                            f"a direction [degree] (or most_frequent with a climatology): the preset aims the wind at "
                            f"the nearest receptor of kind {sorted(PEOPLE_KINDS)}, and park.yaml has none")


PROBABILITY_LEVELS = (0.1, 0.5, 0.9)


def risk_score(probabilities: np.ndarray, population: np.ndarray, people: np.ndarray) -> float:
    """Expected people above endpoint-2: Σ P_i × population_i over residential areas, schools and hospitals."""
    return float(np.sum(np.asarray(probabilities) * np.asarray(population) * np.asarray(people, dtype=bool)))
