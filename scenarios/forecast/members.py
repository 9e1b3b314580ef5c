"""The forecast ensemble's members of each risk source: the central ``leak`` scenario, the receptor grid, the
members' shared context, and computing each member into its own file.

:func:`source_members` builds one assessed source's :class:`SourceContext` (and writes its ``scenario.yaml``);
:func:`run_members` computes every member not finished yet on Dask (threads or a ``dask.distributed`` scheduler)
with the serial puff kernel, each written atomically to ``<ID>/members/member_NNNN.npz`` (:func:`member_file`), so a
killed batch resumes.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import dask
import numpy as np
import yaml

from dispersion.plume import ReceptorSet
from dispersion.puff import PuffOptions, PuffRelease
from scenarios.common.batch import JsonLinesLog, sha256_file
from scenarios.common.ensemble import EnsembleSpec, expand_members, perturb_weather
from scenarios.common.grids import true_north_grid_bearing
from scenarios.common.impact import Threshold, receptor_impacts
from scenarios.common.members import cluster_client, member_finished
from scenarios.common.models import puff_met
from scenarios.common.spec import WeatherSpec, canonical_json
from scenarios.forecast.rules import RELEASE_RULE, ReleaseRule
from scenarios.leak.assessment import endpoint2_name, toxic_thresholds
from scenarios.leak.dispersion import ROUGHNESS_BY_LAND_USE, LeakAir, choose_dispersion_model, disperse_leak, hole_area
from scenarios.leak.ensemble import warm_puff_kernel
from scenarios.leak.source import airborne_source_term
from scenarios.leak.spec import LeakScenario
from twin.atomic import atomic_output, write_text_atomic
from twin.constants import STANDARD_PRESSURE

__all__ = ["SourceContext", "source_members", "run_members", "member_file", "forecast_weather_spec"]

@dataclass(frozen=True)
class SourceContext:
    """What every member of one risk source needs (picklable: arrays and small dataclasses)."""

    source_id: str
    digest: str
    release: object
    receptors: object
    met: object  # the prepared forecast slice (xarray Dataset)
    options: object
    n_grid: int
    grid_distance: np.ndarray
    thresholds: tuple
    endpoint1: str | None
    endpoint2: str
    members: tuple
    member_dir: Path
    term: object = None  # scenarios.leak.source.AirborneSourceTerm of the central member
    chemical: object = None
    air: object = None  # scenarios.leak.dispersion.LeakAir
    hole: float | None = None  # hole area [m²] (jets)


def source_members(park, park_yaml: Path, forecast_nc: Path, forecast_sha: str, cycle_time: datetime, work: Path,
                    source, chemical, rule: ReleaseRule, *, start: datetime, met, sim_steps: int, receptors_all,
                    sensitive, ensemble: EnsembleSpec, grid_size: float, grid_spacing: float):
    """(source, chemical, gx, gy, central source term, SourceContext) of one assessed source; writes its
    scenario.yaml."""
    scenario = _central_scenario(park_yaml, forecast_nc, cycle_time, source, rule, start, sim_steps, grid_size,
                                 grid_spacing)
    source_dir = work / source.id
    source_dir.mkdir(parents=True, exist_ok=True)

    write_text_atomic(source_dir / "scenario.yaml",
                      f"# Central member of the forecast cycle {cycle_time:%Y%m%d%H} for {source.id}: "
                      f"{RELEASE_RULE}.\n# Run alone with `parktwin run scenario.yaml`.\n"
                      + yaml.safe_dump(scenario.model_dump(mode="json"), sort_keys=False, allow_unicode=True))
    term = airborne_source_term(scenario, source, chemical, ambient_pressure=STANDARD_PRESSURE,
                                air_temperature=float(met["air_temperature"].values[0]),
                                wind_speed=float(met["model_wind_speed"].values[0]),
                                stability=int(met["stability_class"].values[0]))
    release = PuffRelease(source.x, source.y, float(park.terrain.elevation_at(source.x, source.y)),
                          scenario.source_term.release_height, term.rate_times, term.rates)
    gx, gy, mx, my, receptors = _source_grid(park, source, receptors_all, sensitive, grid_size, grid_spacing)
    steps = int(round(sim_steps * 3600.0 / scenario.sampling_step))
    options = PuffOptions(sigma_model=f"briggs_{park.spec.land_use}", puff_interval=scenario.puff_interval,
                          sampling_step=scenario.sampling_step, duration=steps * scenario.sampling_step,
                          averaging_windows=(3600.0,), output_times=(),
                          true_north_grid_bearing=true_north_grid_bearing(park, source.x, source.y),
                          parallel=False)  # members are the parallel unit (docs/architecture.md)
    temperature = float(met["air_temperature"].values[0])
    thresholds = tuple(toxic_thresholds(chemical, temperature, STANDARD_PRESSURE))
    names = [n for n, _ in thresholds]
    sha, digest = _member_digest(scenario, park_yaml, forecast_sha, ensemble)
    return (source, chemical, gx, gy, term, SourceContext(
        source_id=source.id, digest=digest, release=release, receptors=receptors, met=met, options=options,
        n_grid=mx.size, grid_distance=np.hypot(mx.ravel() - source.x, my.ravel() - source.y),
        thresholds=thresholds, endpoint1=next((n for n in names if "endpoint-1" in n), None),
        endpoint2=endpoint2_name(thresholds), members=tuple(expand_members(ensemble, sha)),
        member_dir=source_dir / "members", term=term, chemical=chemical,
        air=LeakAir(air_temperature=temperature, relative_humidity=50.0,
                    roughness=ROUGHNESS_BY_LAND_USE[park.spec.land_use], pressure=STANDARD_PRESSURE),
        hole=hole_area(scenario, source)))


def _central_scenario(park_yaml: Path, forecast_nc: Path, cycle_time: datetime, source, rule: ReleaseRule,
                      start: datetime, sim_steps: int, grid_size: float, grid_spacing: float) -> LeakScenario:
    """The ``leak`` scenario of one source's central member (written as its scenario.yaml)."""
    pool = rule.model == "liquid_spill"
    return LeakScenario.model_validate({
        "kind": "leak", "name": f"forecast-{cycle_time:%Y%m%d%H}-{source.id}", "park": str(park_yaml.resolve()),
        "risk_source": source.id,
        "source_term": {"model": rule.model, "rate": rule.rate, "duration": rule.duration,
                        "release_height": 0.0 if pool else 1.0},
        # A pool evaporates for the whole followed window (conservative); a jet stops with the isolation.
        "start": start.isoformat(), "duration_limit": sim_steps * 3600.0 if pool else rule.duration,
        "simulation_hours": sim_steps,
        "meteorology": {"weather": forecast_weather_spec(forecast_nc.resolve(), start, sim_steps + 1).model_dump()},
        "grid": {"size": [grid_size, grid_size], "spacing": grid_spacing}, "language": "en"})


def forecast_weather_spec(path: Path, start: datetime, hours: int):
    return WeatherSpec(source="forecast_netcdf", path=str(path), start=start, hours=hours)


def _source_grid(park, source, receptors_all, sensitive, grid_size: float, grid_spacing: float):
    """(gx, gy, mx, my, ReceptorSet): the square grid centred on the source (nodes on multiples of the spacing,
    row-major), then the sensitive receptors, all at breathing height 1.5 m above the ground."""
    nx = int(grid_size // grid_spacing) + 1
    gx = np.round(source.x / grid_spacing) * grid_spacing + grid_spacing * (np.arange(nx) - (nx - 1) // 2)
    gy = np.round(source.y / grid_spacing) * grid_spacing + grid_spacing * (np.arange(nx) - (nx - 1) // 2)
    mx, my = np.meshgrid(gx, gy)
    rx = np.concatenate([mx.ravel(), receptors_all.x[sensitive]])
    ry = np.concatenate([my.ravel(), receptors_all.y[sensitive]])
    receptors = ReceptorSet(x=rx, y=ry, height=np.full(rx.size, 1.5),  # breathing height [m]
                            ground_elevation=np.asarray(park.terrain.elevation_at(rx, ry, clamp=True)))
    return gx, gy, mx, my, receptors


def _member_digest(scenario: LeakScenario, park_yaml: Path, forecast_sha: str, ensemble: EnsembleSpec):
    """(the scenario's SHA-256, the members' digest): members depend on what the files hold, not where they are, so
    the paths are replaced by the files' SHA-256."""
    identity = scenario.model_dump(mode="json")
    identity["park"] = sha256_file(park_yaml)
    identity["meteorology"]["weather"]["path"] = forecast_sha
    sha = hashlib.sha256(json.dumps(identity, sort_keys=True).encode("utf-8")).hexdigest()
    return sha, hashlib.sha256((sha + canonical_json(ensemble)).encode()).hexdigest()


def run_members(contexts, members: int, scheduler: str | None, journal: JsonLinesLog) -> int:
    """Compute every member not finished yet (a killed batch resumes); returns how many were computed."""
    tasks = [(context, i) for *_, context in contexts for i in range(members)]
    pending = [(c, i) for c, i in tasks if not member_finished(member_file(c, i), f"{c.digest}:{i}")]
    journal("info", "members_started", sources=len(contexts), members_per_source=members, total=len(tasks),
            to_compute=len(pending), scheduler=scheduler or "threads")
    if contexts:
        warm_puff_kernel(contexts[0][-1])
    _compute(pending, scheduler, journal)
    journal("info", "members_finished", computed=len(pending))
    return len(pending)


def _compute(tasks: list[tuple[SourceContext, int]], scheduler: str | None, journal: JsonLinesLog) -> None:
    scheduler = scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS") or "threads"
    if scheduler in ("threads", "synchronous"):
        delayed = [dask.delayed(_run_member, pure=False)(context, index) for context, index in tasks]
        dask.compute(*delayed, scheduler=scheduler)
    else:
        from distributed import as_completed

        with cluster_client(scheduler) as client:
            futures = [client.submit(_run_member, context, index, pure=False, retries=3) for context, index in tasks]
            for done, _future in enumerate(as_completed(futures, loop=client.loop), start=1):
                if done % 50 == 0 or done == len(futures):
                    journal("info", "members_progress", done=done, total=len(futures))
            client.gather(futures)


def member_file(context: SourceContext, index: int) -> Path:
    return context.member_dir / f"member_{index:04d}.npz"


def _run_member(context: SourceContext, index: int) -> str:
    """Compute member ``index`` of one source and write ``member_NNNN.npz`` atomically (skip a finished one)."""
    path = member_file(context, index)
    digest = f"{context.digest}:{index}"
    if member_finished(path, digest):
        return str(path)
    member = context.members[index]
    met = perturb_weather(context.met, member.parameters)
    member_met = puff_met(met)
    series_index = np.arange(context.n_grid, context.receptors.x.size)
    # The leak's own HJ 169-2018 model choice in this member's weather (a dense member runs dense).
    choice = choose_dispersion_model(context.term, context.chemical, forced="auto",
                                     wind_speed=float(member_met.wind_speed[0]),
                                     air_temperature=context.air.air_temperature, pressure=context.air.pressure)
    result = disperse_leak(choice, context.term, context.chemical, release=context.release,
                           receptors=context.receptors, met=member_met, options=context.options,
                           series_receptors=series_index, air=context.air, hole=context.hole)
    grid_max = np.nan_to_num(result["max_mean_3600s"].values[:context.n_grid])  # [kg m-3]
    thresholds = [Threshold(name, value, 3600.0) for name, value in context.thresholds]
    impact = receptor_impacts(result["series"].values, context.options.sampling_step, thresholds,
                              np.zeros(series_index.size), arrival_threshold=context.endpoint2)
    values = dict(context.thresholds)
    farthest = {}
    for name in (context.endpoint1, context.endpoint2):
        if name is not None:
            above = grid_max > values[name]
            farthest[name] = float(context.grid_distance[above].max()) if above.any() else 0.0
    with atomic_output(path) as temporary:
        with open(temporary, "wb") as handle:
            np.savez(handle, digest=np.array(digest), grid_max=grid_max,
                     receptor_peak=impact.peak[context.endpoint2],
                     reached2=impact.time_above[context.endpoint2] > 0,
                     reached1=(impact.time_above[context.endpoint1] > 0) if context.endpoint1
                     else np.zeros(series_index.size, bool),
                     arrival=impact.arrival_time,
                     farthest1=farthest.get(context.endpoint1, 0.0), farthest2=farthest[context.endpoint2],
                     parameters=np.array(json.dumps(member.parameters, sort_keys=True)),
                     dense=np.array(choice.dense), richardson_number=np.array(choice.richardson_number))
    return str(path)
