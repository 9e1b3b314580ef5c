"""Statistics of an EIA year run (HJ 2.2-2018, HJ 663-2013, GB 3095-2012): pure functions on arrays.

Concentrations are in kg m-3 throughout (SI, as the kernel returns them); tables convert to µg/m³ for display.
"""

from __future__ import annotations

import warnings

import numpy as np
import shapely
from shapely.geometry import Polygon

from twin.errors import InputError

__all__ = ["hj663_percentile", "running_mean_max", "annual_mean", "screening_percentage", "assessment_level",
           "protection_distance", "MIN_DAYS_ANNUAL"]

MIN_DAYS_ANNUAL = 324  # GB 3095-2012 Table 4: an annual mean needs at least 324 daily means in the calendar year


def hj663_percentile(values: np.ndarray, percentile: float, axis: int = 0) -> np.ndarray:
    """The p-th percentile of a concentration series as HJ 663-2013 defines it (NaN entries are left out).

    HJ 663-2013 (环境空气质量评价技术规范, percentile calculation): sort the n values ascending, X(1) ≤ … ≤ X(n);
    k = 1 + (n − 1)·p/100; s = the integer part of k; m_p = X(s) + (X(s+1) − X(s))·(k − s). This is the
    "linear" (Hyndman–Fan type 7) definition, which ``numpy.nanpercentile(method="linear")`` computes.

    Parameters
    ----------
    values : array_like
        Series along ``axis`` (e.g. daily means [kg m-3]); NaN marks an invalid value (a day with < 20 hours).
    percentile : float
        p in [0, 100] (98 for SO2/NO2 daily means, 95 for PM10/PM2.5/CO, 90 for O3 8-h).
    """
    if not 0.0 <= percentile <= 100.0:
        raise InputError.field("percentile", "p", percentile, "a number in [0, 100]")
    values = np.asarray(values, dtype=np.float64)
    if values.shape[axis] == 0 or np.all(np.isnan(values)):
        return np.full(np.delete(values.shape, axis), np.nan) if values.ndim > 1 else np.float64(np.nan)
    # Invalid days are invalid at every receptor: drop those rows first, and use the plain (fast, vectorised)
    # percentile when no NaN is left; numpy's nanpercentile loops over columns in Python.
    moved = np.moveaxis(values, axis, 0)
    kept = moved[~np.all(np.isnan(moved.reshape(moved.shape[0], -1)), axis=1)]
    if kept.shape[0] and not np.isnan(kept).any():
        return np.percentile(kept, percentile, axis=0, method="linear")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns give NaN, which is what we want
        return np.nanpercentile(values, percentile, axis=axis, method="linear")


def running_mean_max(hourly: np.ndarray, window: int, axis: int = 0) -> np.ndarray:
    """Maximum over the series of the ``window``-hour running means (window = 1: the hourly maximum).

    GB 3095-2012 Table 4 defines the 8-h mean as the mean of 8 consecutive hourly values (at least 6 valid); with
    model output every hour is valid. Running windows do not cross the end of the series. [kg m-3]
    """
    hourly = np.moveaxis(np.asarray(hourly, dtype=np.float64), axis, 0)
    if window < 1 or window > hourly.shape[0]:
        raise InputError.field("running mean", "window", window, f"1..{hourly.shape[0]} hours")
    if window == 1:
        return hourly.max(axis=0)
    cumulative = np.concatenate([np.zeros((1, *hourly.shape[1:])), np.cumsum(hourly, axis=0)])
    return ((cumulative[window:] - cumulative[:-window]) / window).max(axis=0)


def annual_mean(daily: np.ndarray, axis: int = 0) -> tuple[np.ndarray, int]:
    """Annual mean as GB 3095-2012 Table 4 defines it: the mean of the valid daily means (NaN = invalid day).

    Returns (mean [kg m-3], number of valid days); fewer than :data:`MIN_DAYS_ANNUAL` valid days means the value is
    not a valid annual mean under GB 3095 (the caller says so in its report).
    """
    daily = np.moveaxis(np.asarray(daily, dtype=np.float64), axis, 0)
    valid = ~np.all(np.isnan(daily.reshape(daily.shape[0], -1)), axis=1) if daily.size else np.zeros(0, bool)
    n_valid = int(valid.sum())
    if n_valid == 0:
        return np.full(daily.shape[1:], np.nan), 0
    return daily[valid].mean(axis=0), n_valid


def screening_percentage(max_hourly: float, c0: float) -> float:
    """HJ 2.2-2018 Eq. (1): P_i = C_i / C_0i × 100 %, C_i the largest 1-h ground-level concentration [kg m-3],
    C_0i the 1-h standard (or its 8-h/24-h/annual substitute, see ``twin.standards.screening_hourly_limit``)."""
    if not c0 > 0:
        raise InputError.field("screening", "C0", c0, "> 0 kg m-3")
    return 100.0 * float(max_hourly) / float(c0)


def assessment_level(p_max: float) -> int:
    """HJ 2.2-2018 §5.3.3, Table 2: level 1 if Pmax ≥ 10 %, level 2 if 1 % ≤ Pmax < 10 %, level 3 if Pmax < 1 %."""
    if not p_max >= 0:
        raise InputError.field("screening", "Pmax", p_max, ">= 0 %")
    return 1 if p_max >= 10.0 else (2 if p_max >= 1.0 else 3)


def protection_distance(x: np.ndarray, y: np.ndarray, exceeds: np.ndarray, fence: Polygon) -> tuple[float, int]:
    """Atmospheric protection distance (大气环境防护距离, HJ 2.2-2018 §8.8.5): the largest distance from the fence
    line to a receptor outside the fence where the project's short-term contribution exceeds the limit.

    Parameters
    ----------
    x, y : array_like
        Receptor coordinates [m] (a grid fine enough to resolve it; HJ 2.2 asks for ≤ 50 m near the fence).
    exceeds : array_like of bool
        Whether each receptor's contribution exceeds the ambient limit.
    fence : shapely Polygon
        The park (or plant) boundary [m].

    Returns
    -------
    (distance [m], index of the receptor that sets it, or -1 when no receptor outside the fence exceeds: 0 m)
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    exceeds = np.asarray(exceeds, dtype=bool)
    if not (x.shape == y.shape == exceeds.shape):
        raise InputError.field("protection distance", "x, y, exceeds", (x.shape, y.shape, exceeds.shape),
                               "arrays of one shape")
    candidates = np.flatnonzero(exceeds)
    if candidates.size == 0:
        return 0.0, -1
    pts = shapely.points(x[candidates], y[candidates])
    outside = candidates[~shapely.covers(fence, pts)]
    if outside.size == 0:
        return 0.0, -1
    distances = shapely.distance(fence.exterior, shapely.points(x[outside], y[outside]))
    best = int(np.argmax(distances))
    return float(distances[best]), int(outside[best])
