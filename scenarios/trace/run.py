"""``parktwin trace``: which of the park's sources explains what the monitors saw, and at what rate.

Steps: read the park, the monitors and the observed series (:mod:`scenarios.trace.io`); the hourly weather of the
observed hours from a station CSV (``scenarios.common.weather.load_weather``, as every kind reads it); the candidates
and their transfer array (:mod:`scenarios.trace.candidates`); the single-source posterior and the NNLS rates
(:mod:`dispersion.source_inversion`); then ranking.csv, ranking.json, map.png, brief.html and run.json (last).

The method and its choices are in docs/trace.md.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import Field, field_validator

from scenarios.common.spec import StrictModel

__all__ = ["TraceSettings", "run_trace"]

log = logging.getLogger("parktwin")


class TraceSettings(StrictModel):
    """The settings of one trace (what run.json hashes): the input files and the model choices."""

    name: str = "trace"
    park: str = Field(description="park.yaml")
    weather: str = Field(description="hourly station CSV covering the observed hours (meteo.read_station_csv)")
    monitors: str | None = Field(None, description="monitors CSV: id,x,y,height[,detection_limit_ug_m3]; None = "
                                                   "park.yaml's monitors:")
    observed: tuple[str, ...] = Field(description="the tracer's observed CSV (time, one column per monitor [µg/m³]), "
                                                  "or station CSVs / CF NetCDF files / folders of twin.observations_io")
    pollutant: str | None = Field(None, description="substance key of the observation files to trace (default: the "
                                                    "only one they hold)")
    language: Literal["zh", "en"] = "zh"
    sigma_ln: float = Field(0.3, gt=0, description="standard deviation of ln(observed / modelled) [-]")
    rate_min: float = Field(1e-4, gt=0, description="lower bound of the log-uniform rate prior [g/s]")
    rate_max: float = Field(1e4, gt=0, description="upper bound of the log-uniform rate prior [g/s]")
    outlier_fraction: float = Field(0.01, ge=0, lt=1, description="ε of the outlier mixture [-]")
    detection_limit_ug_m3: float = Field(1.0, gt=0, description="detection limit of monitors without their own [µg/m³]")
    kinds: tuple[Literal["stack", "tank", "warehouse", "fugitive", "area"], ...] = ("stack", "tank", "warehouse",
                                                                                     "fugitive")
    area_cell: float | None = Field(None, gt=0, description="side of the area-source grid cells [m]")
    merge_distance: float = Field(60.0, ge=0, description="tanks closer than this are one candidate [m]")
    calm_hours: Literal["drop", "use"] = "drop"
    fill_missing_hours: int = Field(0, ge=0, le=24, description="weather CSV gaps filled, as weather: blocks do [h]")

    @field_validator("observed", mode="before")
    @classmethod
    def _one_or_more(cls, value):
        return (value,) if isinstance(value, (str, Path)) else tuple(str(v) for v in value)


def run_trace(settings: TraceSettings, out_dir: Path) -> dict:
    """Run one trace into ``out_dir`` (inside :func:`scenarios.common.results.output_folder`) and return the
    summary (also in ranking.json); the timings of its parts are in ``summary["timings_s"]``."""
    from dispersion.plume import ReceptorSet
    from dispersion.source_inversion import InversionOptions, Observations, nnls_rates, single_source_posterior
    from scenarios.common.models import plume_options
    from scenarios.common.results import output_folder, write_manifest
    from scenarios.common.spec import ModelSpec, WeatherSpec
    from scenarios.common.times import local_text
    from scenarios.common.weather import load_weather
    from scenarios.trace.candidates import candidate_responses, park_candidates
    from scenarios.trace.io import (
        is_tracer_csv,
        monitors_from_park,
        observed_from_dataset,
        read_monitors_csv,
        read_observed_csv,
    )
    from twin.observations_io import read_observations
    from scenarios.trace.outputs import ranking_rows, write_brief, write_map, write_ranking
    from twin.errors import InputError
    from twin.io import load_park
    from twin.store import parktwin_version

    if "area" in settings.kinds and settings.area_cell is None:
        raise InputError.field("trace", "--area-cell", None, "a cell side > 0 m when area candidates are asked for")
    if settings.rate_max <= settings.rate_min:
        raise InputError.field("trace", "--rate-range MAX", settings.rate_max, f"> MIN ({settings.rate_min} g/s)")
    timings: dict[str, float] = {}
    started = time.perf_counter()
    with output_folder(out_dir, "trace"):
        park = load_park(Path(settings.park))
        if settings.monitors is None:  # park.yaml's monitors:
            monitors = monitors_from_park(park, default_detection_limit_ug_m3=settings.detection_limit_ug_m3,
                                          where=f"trace: {Path(settings.park).name}")
        else:
            monitors = read_monitors_csv(settings.monitors,
                                         default_detection_limit_ug_m3=settings.detection_limit_ug_m3)
        if len(settings.observed) == 1 and is_tracer_csv(settings.observed[0]):
            series = read_observed_csv(settings.observed[0], monitors)
        else:  # station CSVs or CF NetCDF of twin.observations_io (units in the files, SI on reading)
            dataset = read_observations(settings.observed, park if settings.monitors is None else None)
            series = observed_from_dataset(dataset, monitors, settings.pollutant, "trace: --observed")
        first = datetime.fromtimestamp(series.times[0].astype("datetime64[s]").astype(np.int64), tz=timezone.utc)
        spec = WeatherSpec(source="station_csv", path=str(Path(settings.weather).resolve()), start=first,
                           hours=series.times.size, fill_missing_hours=settings.fill_missing_hours)
        met = load_weather(spec, Path("."), park, f"trace: --weather {Path(settings.weather).name}")
        timings["read"] = time.perf_counter() - started

        started = time.perf_counter()
        candidates = park_candidates(park, kinds=settings.kinds, area_cell=settings.area_cell,
                                     merge_distance=settings.merge_distance)
        receptors = ReceptorSet(x=monitors.x, y=monitors.y, height=monitors.height,
                                ground_elevation=np.asarray(park.terrain.elevation_at(monitors.x, monitors.y),
                                                            dtype=np.float64))
        options = plume_options(ModelSpec(), park, monitors.x, monitors.y, store_hourly=True)
        responses = candidate_responses(candidates, receptors, met, options)
        timings["transfer"] = time.perf_counter() - started

        started = time.perf_counter()
        calm = np.asarray(met["calm_flag"].values, dtype=bool) if "calm_flag" in met else np.zeros(met.sizes["time"],
                                                                                                     bool)
        lower, upper = series.observations.lower.copy(), series.observations.upper.copy()
        if settings.calm_hours == "drop":
            lower[calm], upper[calm] = np.nan, np.nan
        observations = Observations(lower=lower, upper=upper)
        inversion = InversionOptions(sigma_ln=settings.sigma_ln, rate_min=settings.rate_min,
                                     rate_max=settings.rate_max, outlier_fraction=settings.outlier_fraction)
        posterior = single_source_posterior(responses, observations, inversion)
        nnls, residual = nnls_rates(responses, observations)
        timings["inference"] = time.perf_counter() - started

        started = time.perf_counter()
        rows = ranking_rows(candidates, posterior, nnls)
        seen = ~np.isnan(observations.lower)
        summary = {
            "park": park.spec.name, "start_utc": str(series.times[0].astype("datetime64[s]")) + "Z",
            "end_utc": str(series.times[-1].astype("datetime64[s]")) + "Z", "hours": int(series.times.size),
            "utc_offset_hours": park.spec.utc_offset_hours,
            "start_local": local_text(series.times[0], park.spec.utc_offset_hours),
            "monitors": list(monitors.ids), "observations": int(seen.sum()),
            "detections": int(np.count_nonzero(observations.lower[seen] > 0)),
            "calm_hours": int(calm.sum()), "calm_hours_rule": settings.calm_hours,
            "sigma_ln": settings.sigma_ln, "outlier_fraction": settings.outlier_fraction,
            "rate_min_g_s": settings.rate_min, "rate_max_g_s": settings.rate_max,
            "credible_interval": posterior.credible, "merge_distance_m": settings.merge_distance,
            "candidate_kinds": list(settings.kinds), "area_cell_m": settings.area_cell,
            "nnls_weighted_residual": residual,
            "method": "single-source Bayesian posterior, exact on a rate grid (docs/trace.md); NNLS for comparison",
        }
        csv_path, json_path = write_ranking(out_dir, rows, {**summary, "timings_s": timings})
        map_path = write_map(out_dir, park, candidates, posterior, monitors, settings.language, settings.area_cell)
        brief = write_brief(out_dir, summary, rows, settings.language, map_path, parktwin_version())
        timings["outputs"] = time.perf_counter() - started
        write_manifest(out_dir, settings, {"ranking_csv": csv_path, "ranking_json": json_path, "map": map_path,
                                           "brief": brief})
    return {**summary, "timings_s": timings, "top": rows[:3]}
