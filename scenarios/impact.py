"""What a release does at each sensitive receptor: arrival, peak, time above thresholds, dose, people affected.

Thresholds carry their averaging time, and a concentration series is compared with its running mean over that
time — a 60-min AEGL or HJ 169 endpoint with 60-min means, never with instantaneous peaks (the mistake the notes
found in a pip peer, ``../shared/notes/dispersion.md`` §4.2). Pure functions on arrays, SI units.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from twin.errors import InputError

__all__ = ["Threshold", "ReceptorImpact", "running_mean", "receptor_impacts"]


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
