"""Twin experiments for the tracer: a known candidate emits at a known rate, the transfer array makes the monitors'
series, noise and calm hours spoil them, and the tracer has to find the source and its rate again.

Used by the tests (the acceptance scores of ``parktwin trace``), by ``benchmarks/trace.py`` and by anyone who wants to
know what a monitor network can tell before installing it.

Noise: y = q · a · exp(σ ε), ε ~ N(0, 1) (multiplicative log-normal error, σ = 0.3 for "30 %"); values below the
detection limit are reported as such. Calm hours: the plume model says nothing useful in a calm (ISC3 and AERMOD set
calm hours to zero and leave them out, EPA-454/R-99-005 §6.2.3), so the twin replaces the calm hours' observations
by values drawn independently of the model (log-uniform between the detection limit and the series' maximum), which a
tracer that used them would be misled by.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dispersion.source_inversion import InversionOptions, Observations, single_source_posterior
from twin.park import Park

__all__ = ["fence_monitors", "synthetic_observations", "exceedances_only", "CaseResult", "run_twin_cases",
           "summarise_cases", "write_twin_case"]


def fence_monitors(park: Park, count: int = 8, height: float = 3.0) -> tuple[list[str], np.ndarray, np.ndarray,
                                                                                  np.ndarray]:
    """``count`` monitors evenly spaced along the park boundary (half a spacing from its first vertex): ids,
    x, y [m] and inlet height above ground [m]."""
    boundary = park.boundary_polygon()
    ring = boundary.exterior
    points = [ring.interpolate((k + 0.5) / count, normalized=True) for k in range(count)]
    ids = [f"F{k + 1:02d}" for k in range(count)]
    return (ids, np.array([p.x for p in points]), np.array([p.y for p in points]), np.full(count, float(height)))


def synthetic_observations(responses: np.ndarray, source: int, rate: float, rng: np.random.Generator, *,
                           sigma_ln: float, detection_limit: float, calm: np.ndarray | None = None) -> Observations:
    """Observations (H, M) [kg m-3] of candidate ``source`` emitting ``rate`` [g/s], with the module's noise and
    calm-hour treatment; ``calm`` (H,) bool marks the calm hours."""
    clean = rate * responses[:, source, :]
    noisy = clean * np.exp(sigma_ln * rng.standard_normal(clean.shape))
    if calm is not None and np.any(calm):
        top = max(float(noisy.max()), 10.0 * detection_limit)
        draws = np.exp(rng.uniform(np.log(detection_limit), np.log(top), size=(int(calm.sum()), clean.shape[1])))
        noisy[calm] = np.where(rng.random(draws.shape) < 0.5, draws, 0.0)  # a calm hour: above the limit or not
    return Observations.from_values(noisy, detection_limit)


def exceedances_only(observations: Observations, threshold: float) -> Observations:
    """What an alarm log keeps of a series: per hour only "above ``threshold``" (threshold, inf) or "not above"
    (0, threshold) [kg m-3]; missing stays missing. A value that is itself an interval straddling the threshold
    is taken by its lower bound."""
    missing = np.isnan(observations.lower)
    above = observations.lower > threshold
    lower = np.where(missing, np.nan, np.where(above, threshold, 0.0))
    upper = np.where(missing, np.nan, np.where(above, np.inf, threshold))
    return Observations(lower=lower, upper=upper)


@dataclass(frozen=True)
class CaseResult:
    """One twin case: the true candidate and rate [g/s], the true candidate's rank (1 = first), its posterior
    probability, its posterior median and credible interval [g/s]; the first-ranked candidate; the draws redone
    because the monitors did not see the release."""

    source: int
    rate: float
    rank: int
    probability: float
    median: float
    low: float
    high: float
    redraws: int
    first: int


def run_twin_cases(responses: np.ndarray, n_cases: int, seed: int, *, sigma_ln: float = 0.3,
                   detection_limit: float = 1e-9, rate_range: tuple[float, float] = (0.1, 100.0),
                   calm: np.ndarray | None = None, sources: np.ndarray | None = None,
                   drop_calm: bool = True, options: InversionOptions | None = None,
                   min_detections: int = 3, exceedance_threshold: float | None = None) -> list[CaseResult]:
    """``n_cases`` twin experiments on one transfer array (H, C, M): a source drawn uniformly from ``sources``
    (default all candidates) emits a rate log-uniform in ``rate_range`` [g/s]; the tracer sees the noisy series
    (calm hours dropped when ``drop_calm``, as ``parktwin trace`` does by default).

    A trace is asked for because the monitors saw something: a draw whose series has fewer than ``min_detections``
    values above the detection limit outside calm hours (a small release from a tall stack whose plume passes over
    every monitor) is drawn again, and the number of such redraws is kept in each result. With
    ``exceedance_threshold`` [kg m-3] the tracer sees only the hours above it (:func:`exceedances_only`), and a draw
    needs ``min_detections`` exceedances."""
    rng = np.random.Generator(np.random.PCG64(seed))
    options = options or InversionOptions(sigma_ln=sigma_ln)
    pool = np.arange(responses.shape[1]) if sources is None else np.asarray(sources)
    results = []
    usable = np.ones(responses.shape[0], dtype=bool) if calm is None else ~np.asarray(calm, dtype=bool)
    for _ in range(n_cases):
        redraws = -1
        while True:
            redraws += 1
            source = int(rng.choice(pool))
            rate = float(np.exp(rng.uniform(*np.log(rate_range))))
            observed = synthetic_observations(responses, source, rate, rng, sigma_ln=sigma_ln,
                                              detection_limit=detection_limit, calm=calm)
            if exceedance_threshold is not None:
                observed = exceedances_only(observed, exceedance_threshold)
            if np.count_nonzero((observed.lower > 0)[usable]) >= min_detections:
                break
        if drop_calm and calm is not None:
            lower, upper = observed.lower.copy(), observed.upper.copy()
            lower[calm], upper[calm] = np.nan, np.nan
            observed = Observations(lower=lower, upper=upper)
        posterior = single_source_posterior(responses, observed, options)
        order = np.argsort(-posterior.probability, kind="stable")
        rank = int(np.flatnonzero(order == source)[0]) + 1
        results.append(CaseResult(source=source, rate=rate, rank=rank,
                                  probability=float(posterior.probability[source]),
                                  median=float(posterior.rate_median[source]),
                                  low=float(posterior.rate_low[source]), high=float(posterior.rate_high[source]),
                                  redraws=redraws, first=int(order[0])))
    return results


def summarise_cases(results: list[CaseResult]) -> dict[str, float]:
    """The acceptance scores: fraction with the true source first, in the top three, its rate (posterior median)
    within a factor of 2, its credible interval covering the true rate; and the fraction first *and* within 2."""
    rank = np.array([r.rank for r in results])
    ratio = np.array([r.median / r.rate for r in results])
    covered = np.array([r.low <= r.rate <= r.high for r in results])
    within = (ratio >= 0.5) & (ratio <= 2.0)
    return {"cases": len(results), "top1": float(np.mean(rank == 1)), "top3": float(np.mean(rank <= 3)),
            "rate_within_factor_2": float(np.mean(within)), "interval_coverage": float(np.mean(covered)),
            "top1_and_rate_within_factor_2": float(np.mean((rank == 1) & within)),
            "median_abs_log10_rate_error": float(np.median(np.abs(np.log10(ratio)))),
            "undetected_draws": int(sum(r.redraws for r in results))}


def write_twin_case(folder, park_path, *, source_id: str, rate: float, seed: int = 0, hours: int = 168,
                    start: str = "2025-07-01T00:00:00+08:00", sigma_ln: float = 0.3,
                    detection_limit_ug_m3: float = 1.0, monitor_count: int = 8) -> dict:
    """Input files of one twin case for ``parktwin trace`` in ``folder``: weather.csv (a synthetic week),
    monitors.csv (``monitor_count`` fence-line monitors), observed.csv (``source_id`` emitting ``rate`` [g/s], the
    module's noise and calm hours). Returns their paths by the CLI option names."""
    from pathlib import Path

    from dispersion.plume import ReceptorSet
    from meteo import synthetic_weather, write_station_csv
    from scenarios.common.models import plume_options
    from scenarios.common.spec import ModelSpec, WeatherSpec
    from scenarios.common.weather import load_weather
    from scenarios.trace.candidates import candidate_responses, park_candidates
    from scenarios.trace.io import UG_M3, write_monitors_csv, write_observed_csv
    from twin.io import load_park

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    park = load_park(park_path)
    lon, lat = park.centre_lonlat()
    weather_path = write_station_csv(folder / "weather.csv", synthetic_weather(
        start, hours, latitude=lat, longitude=lon, seed=seed, utc_offset_hours=park.spec.utc_offset_hours),
        utc_offset_hours=park.spec.utc_offset_hours)
    spec = WeatherSpec(source="station_csv", path=str(weather_path), start=start, hours=hours)
    met = load_weather(spec, Path("."), park, "twin case")
    ids, x, y, height = fence_monitors(park, monitor_count)
    candidates = park_candidates(park)
    receptors = ReceptorSet(x=x, y=y, height=height,
                            ground_elevation=np.asarray(park.terrain.elevation_at(x, y), dtype=np.float64))
    responses = candidate_responses(candidates, receptors, met,
                                    plume_options(ModelSpec(), park, x, y, store_hourly=True))
    observed = synthetic_observations(responses, candidates.ids.index(source_id), rate,
                                      np.random.Generator(np.random.PCG64(seed)), sigma_ln=sigma_ln,
                                      detection_limit=detection_limit_ug_m3 * UG_M3,
                                      calm=np.asarray(met["calm_flag"].values, dtype=bool))
    return {"park": Path(park_path), "weather": weather_path,
            "monitors": write_monitors_csv(folder / "monitors.csv", ids, x, y, height, detection_limit_ug_m3),
            "observed": write_observed_csv(folder / "observed.csv", met["time"].values, ids, observed,
                                           park.spec.utc_offset_hours)}
