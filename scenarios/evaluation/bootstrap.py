"""Bootstrap confidence intervals of the performance measures, and the comparison of two model configurations.

The BOOT package (Chang & Hanna 2004, §3.2 and §6; ``chang2004``) resamples the observed–predicted pairs with
replacement, computes every measure on each resample, and reports 95 % confidence limits of each measure and of the
*difference* of a measure between two models, the difference being significant when its interval excludes zero;
both models are resampled on the same draws so that the pairs stay paired.

ParkTwin's choices here:

* **Blocks.** Hourly series are autocorrelated, so single hours are not independent draws. The pairs are cut into
  blocks — ``block_hours`` consecutive hours of one station (the moving-block idea of Künsch 1989, non-overlapping
  here) — and whole blocks are drawn with replacement until as many blocks as there are are drawn
  (block length 1 = BOOT's resampling of single pairs). A tracer experiment's blocks are its runs.
* **Interval.** The percentile interval: the 2.5th and 97.5th percentiles of the resampled values (Efron &
  Tibshirani 1993, §13.3).
* **Seed.** ``numpy.random.default_rng(seed)``: the same seed gives the same intervals.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from scenarios.evaluation.statistics import MEASURES, performance_measures
from twin.errors import InputError

__all__ = ["block_ids", "bootstrap_measures", "compare_models", "DEFAULT_RESAMPLES", "DEFAULT_SEED"]

DEFAULT_RESAMPLES = 1000
DEFAULT_SEED = 20040602  # any fixed number; the publication date of Chang & Hanna (2004), for remembering it


def block_ids(station: np.ndarray, hour_index: np.ndarray, block_hours: int) -> np.ndarray:
    """Block number of each pair: consecutive ``block_hours`` hours of one station share a block. [-]"""
    if block_hours < 1:
        raise InputError.field("evaluation", "block_hours", block_hours, "an integer >= 1")
    keys = np.stack([np.asarray(station, dtype=np.int64), np.asarray(hour_index, dtype=np.int64) // block_hours])
    _, ids = np.unique(keys, axis=1, return_inverse=True)
    return ids.ravel()


def _draws(blocks: np.ndarray, resamples: int, seed: int) -> list[np.ndarray]:
    """Pair indices of each resample: whole blocks drawn with replacement, as many as there are."""
    members = [np.flatnonzero(blocks == b) for b in range(int(blocks.max()) + 1)]
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(members), size=(resamples, len(members)))
    return [np.concatenate([members[b] for b in row]) for row in picks]


def _interval(samples: np.ndarray) -> tuple[float, float]:
    finite = samples[np.isfinite(samples)]
    if finite.size == 0:
        return float("nan"), float("nan")
    low, high = np.percentile(finite, [2.5, 97.5])
    return float(low), float(high)


def bootstrap_measures(observed, predicted, blocks, *, threshold: float, resamples: int = DEFAULT_RESAMPLES,
                       seed: int = DEFAULT_SEED) -> dict[str, dict[str, float]]:
    """Each measure with its 95 % percentile interval: ``{"FB": {"value", "low", "high"}, ...}``."""
    return _bootstrap(lambda idx: performance_measures(observed[idx], predicted[idx], threshold=threshold),
                      np.asarray(blocks), len(observed), resamples, seed)


def compare_models(observed, predicted_a, predicted_b, blocks, *, threshold: float,
                   resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED) -> dict[str, dict[str, float]]:
    """Difference A − B of each measure with its 95 % interval on the same resamples, and whether it is significant
    (the interval excludes 0): ``{"FB": {"value", "low", "high", "significant"}, ...}``."""
    def difference(idx):
        a = performance_measures(observed[idx], predicted_a[idx], threshold=threshold)
        b = performance_measures(observed[idx], predicted_b[idx], threshold=threshold)
        return {name: a[name] - b[name] for name in MEASURES}

    table = _bootstrap(difference, np.asarray(blocks), len(observed), resamples, seed)
    for row in table.values():
        row["significant"] = bool(np.isfinite(row["low"]) and (row["low"] > 0 or row["high"] < 0))
    return table


def _bootstrap(measure: Callable[[np.ndarray], dict[str, float]], blocks: np.ndarray, n: int, resamples: int,
               seed: int) -> dict[str, dict[str, float]]:
    if blocks.shape != (n,):
        raise InputError.field("evaluation", "blocks", blocks.shape, f"one block number per pair ({n})")
    if resamples < 100:
        raise InputError.field("evaluation", "resamples", resamples, "at least 100 bootstrap resamples")
    value = measure(np.arange(n))
    samples = {name: np.empty(resamples) for name in MEASURES}
    for k, idx in enumerate(_draws(blocks, resamples, seed)):
        try:
            drawn = measure(idx)
        except InputError:  # a resample of fewer than 2 pairs: no measure
            drawn = {name: np.nan for name in MEASURES}
        for name in MEASURES:
            samples[name][k] = drawn[name]
    out = {}
    for name in MEASURES:
        low, high = _interval(samples[name])
        out[name] = {"value": value[name], "low": low, "high": high}
    return out
