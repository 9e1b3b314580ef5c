"""Leak ensembles: the probability that a toxic cloud's endpoint-2 zone reaches a school, and when it would arrive.

A ``kind: leak`` scenario with an ``ensemble:`` block (:class:`scenarios.common.ensemble.LeakEnsembleSpec`) is run as N
members. Each member is the deterministic leak (:func:`scenarios.leak.run.run_leak_scenario`'s weather, source term,
receptor grid and Gaussian puffs, built by the same functions of :mod:`scenarios.leak.inputs`) with its own perturbed
inputs:

* ``wind_direction_offset`` [degree], ``wind_speed_factor`` [-], ``stability_shift`` [classes] and
  ``mixing_height_factor`` [-], applied to the leak's weather by :func:`scenarios.common.ensemble.perturb_weather` (the
  same rules as the plume ensembles, including its 1 m/s floor on the scaled wind speed);
* the release: ``emission_factor`` [-] multiplies the rate of a ``direct`` release; ``hole_diameter_factor`` [-]
  multiplies the hole of a tank model, whose airborne rate then follows from the orifice equations, the tank's
  depletion and (liquid) the flash and pool evaporation in the member's own weather
  (:func:`scenarios.leak.source.airborne_source_term`, HJ 169-2018 Appendix F), so mass stays balanced.

Members are a Latin hypercube (McKay, Beckman & Conover 1979) drawn by :func:`scenarios.common.ensemble.expand_members`:
member k is re-created from (scenario SHA-256, ensemble seed, k) alone, on any worker.

Execution follows docs/architecture.md "parallelism has one owner": members run on Dask with the serial ``nogil`` puff kernel
(local threads by default, or a ``dask.distributed`` scheduler address); the kernel is compiled once before the
fan-out. Each member writes ``members/member_0007.nc`` atomically (``.part`` then ``os.replace``, by
:func:`twin.store.write_netcdf`) carrying its own digest (scenario hash + index); a re-run skips members whose
finished file matches. Aggregation (probabilities, percentiles, arrival distributions, maps, plan) is in
:mod:`scenarios.leak.ensemble_outputs`.
"""

from __future__ import annotations

import functools
import json
import logging
import os
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import xarray as xr

from dispersion.plume import ReceptorSet
from dispersion.puff import PuffMet, PuffRelease, run_puff
from scenarios.common.ensemble import Member, expand_members, perturb_weather
from scenarios.common.impact import Threshold, receptor_impacts
from scenarios.common.members import compute_members, member_config, member_digest, member_path, worker_context
from scenarios.common.spec import scenario_hash
from scenarios.leak.assessment import AVERAGING_TIME, endpoint2_name, toxic_thresholds
from scenarios.leak.dispersion import MODEL_NAMES_EN, choose_dispersion_model, disperse_leak, hole_area, leak_air
from scenarios.leak.ensemble_outputs import write_leak_ensemble_outputs
from scenarios.leak.inputs import AMBIENT_PRESSURE, leak_receptors, leak_source_and_chemical, puff_options, release_term
from scenarios.leak.spec import LeakScenario
from scenarios.leak.weather import leak_meteorology
from scenarios.spec import load_scenario
from twin.errors import InputError
from twin.io import load_park
from twin.schema import projected_xy_coords, realization_coord
from twin.store import Provenance, finished_output_matches, write_netcdf

__all__ = ["LeakEnsembleContext", "LeakEnsembleResult", "load_leak_context", "perturb_puff_met",
           "member_scenario", "run_leak_member", "run_leak_member_from_file", "run_leak_ensemble"]

log = logging.getLogger("parktwin")


@dataclass(frozen=True)
class LeakEnsembleContext:
    """What every member shares, built once per process: the park, the risk source, the unperturbed weather, the
    receptor grid (gx, gy [m]) followed by the park's receptors, the 60-min thresholds [kg m-3], the serial puff
    options and the members."""

    scenario: LeakScenario
    scenario_sha256: str
    scenario_path: Path
    out_dir: Path
    park: object
    source: object
    chemical: object
    met: object  # dispersion.puff.PuffMet
    air_temperature: float
    weather_text: str
    weather_zh: str  # weather_text in Chinese, for the Chinese plan
    gx: np.ndarray
    gy: np.ndarray
    receptors: object  # dispersion.plume.ReceptorSet: grid (row-major), then receptors_all
    receptors_all: object  # twin.park.ReceptorPoints
    thresholds: tuple[tuple[str, float], ...]
    endpoint1: str | None
    endpoint2: str
    options: object  # dispersion.puff.PuffOptions, parallel=False
    release: object  # the unperturbed PuffRelease (warms the kernel)
    air: object  # scenarios.leak.dispersion.LeakAir: the dense model's air
    members: tuple[Member, ...]

    @property
    def n_grid(self) -> int:
        return self.gx.size * self.gy.size


def load_leak_context(scenario_path: str | Path, out_dir: str | Path) -> LeakEnsembleContext:
    """Validate the scenario and build what every member needs (the shared, expensive part)."""
    scenario_path = Path(scenario_path)
    where = scenario_path.name
    scenario = load_scenario(scenario_path)
    if not isinstance(scenario, LeakScenario):
        raise InputError.field(where, "kind", scenario.kind, "'leak' for a leak ensemble")
    if scenario.ensemble is None:
        raise InputError.field(where, "ensemble", None, "an ensemble block (members, seed, perturbations)")
    base_dir = scenario_path.parent
    park = load_park(base_dir / scenario.park)
    source, chemical = leak_source_and_chemical(scenario, park, where)
    receptors_all = park.receptor_points()
    met, air_temperature, weather_text, weather_zh = leak_meteorology(scenario, park, source, receptors_all,
                                                                      base_dir, where)
    gx, gy, receptors = leak_receptors(scenario, park, source, receptors_all)
    thresholds = tuple(toxic_thresholds(chemical, air_temperature, AMBIENT_PRESSURE))
    if not thresholds:
        raise InputError.field(f"substance {chemical.key!r}", "thresholds", None,
                               "at least one HJ 169 endpoint or AEGL/ERPG value in twin/chemicals.csv")
    term = release_term(scenario, source, chemical, met, air_temperature)
    release = PuffRelease(source.x, source.y, float(park.terrain.elevation_at(source.x, source.y)),
                          scenario.source_term.release_height, term.rate_times, term.rates)
    sha = scenario_hash(scenario)
    return LeakEnsembleContext(
        scenario=scenario, scenario_sha256=sha, scenario_path=scenario_path, out_dir=Path(out_dir), park=park,
        source=source, chemical=chemical, met=met, air_temperature=air_temperature, weather_text=weather_text,
        weather_zh=weather_zh,
        gx=gx, gy=gy, receptors=receptors, receptors_all=receptors_all, thresholds=thresholds,
        endpoint1=next((name for name, _ in thresholds if "endpoint-1" in name), None),
        endpoint2=endpoint2_name(thresholds),
        options=puff_options(scenario, park, source, parallel=False, output_times=False),  # members: serial kernel
        release=release, air=leak_air(scenario, park, air_temperature, AMBIENT_PRESSURE),
        members=tuple(expand_members(scenario.ensemble, sha)))


def perturb_puff_met(met, parameters: dict[str, float]):
    """A member's PuffMet: :func:`scenarios.common.ensemble.perturb_weather` applied to the leak's piecewise-constant
    weather (direction turned [degree], speed scaled with the 1 m/s floor [m/s], stability class shifted and
    clipped to A..F, mixing height scaled [m]). The unperturbed ``met`` is returned when nothing applies."""

    if not parameters:
        return met
    weather = xr.Dataset({
        "wind_from_direction": ("time", np.asarray(met.wind_from_direction, dtype=np.float64)),
        "model_wind_speed": ("time", np.asarray(met.wind_speed, dtype=np.float64)),
        "stability_class": ("time", np.asarray(met.stability, dtype=np.int64)),
        "atmosphere_boundary_layer_thickness": ("time", np.asarray(met.mixing_height, dtype=np.float64)),
    })
    perturbed = perturb_weather(weather, parameters)
    return PuffMet(times=np.asarray(met.times, dtype=np.float64),
                   wind_speed=perturbed["model_wind_speed"].values.astype(np.float64),
                   wind_from_direction=perturbed["wind_from_direction"].values.astype(np.float64),
                   stability=perturbed["stability_class"].values.astype(np.int64),
                   mixing_height=perturbed["atmosphere_boundary_layer_thickness"].values.astype(np.float64))


def member_scenario(scenario: LeakScenario, parameters: dict[str, float], *,
                    pipe_diameter: float | None = None) -> LeakScenario:
    """The scenario of one member's release: rate × ``emission_factor`` (direct) or hole diameter ×
    ``hole_diameter_factor`` (tank and pipe models); the ensemble block removed. A hole in a pipe cannot be wider
    than the pipe: given ``pipe_diameter`` [m] (the risk source's inner diameter), a scaled hole beyond it becomes a
    full-bore rupture. Weather perturbations are applied to the weather itself (:func:`perturb_puff_met`)."""
    term = scenario.source_term
    updates = {}
    for name, field in (("emission_factor", "rate"), ("hole_diameter_factor", "hole_diameter")):
        if name in parameters:
            factor = parameters[name]
            if not factor > 0 or getattr(term, field) is None:
                raise InputError.field("leak ensemble member", name, factor,
                                       f"> 0, on a source term with a {field} (source_term.model {term.model!r})")
            updates[field] = getattr(term, field) * factor
    if pipe_diameter is not None and updates.get("hole_diameter", 0.0) >= pipe_diameter:
        updates.update(hole_diameter=None, failure="full_bore_rupture")
    return scenario.model_copy(update={"source_term": term.model_copy(update=updates), "ensemble": None})


def _member_release(context: LeakEnsembleContext, member: Member, met):
    """(PuffRelease, airborne source term, the member's scenario) of one member, in the member's weather ``met``."""
    pipe = context.source.diameter if context.source.kind == "pipe" else None
    scenario = member_scenario(context.scenario, member.parameters, pipe_diameter=pipe)

    term = release_term(scenario, context.source, context.chemical, met, context.air_temperature)
    return replace(context.release, rate_times=term.rate_times, rates=term.rates), term, scenario


def run_leak_member(context: LeakEnsembleContext, index: int) -> Path:
    """Compute member ``index`` and write ``members/member_NNNN.nc`` atomically, unless a finished file matches.

    The file holds, in double precision: ``max_mean_60min`` (realization, y, x) [kg m-3] on the grid;
    ``receptor_max_mean_60min`` (realization, receptor) [kg m-3]; ``time_above`` (realization, threshold,
    receptor) [s] (60-min running mean above each threshold); ``arrival_time`` (realization, receptor) [s after the
    release starts] when the endpoint-2 running mean is first exceeded, NaN when never; ``released_mass``
    (realization) [kg], the airborne total.
    """

    path = member_path(context.out_dir, index, ".nc")
    if finished_output_matches(path, member_digest(context.scenario_sha256, index)):
        return path
    member = context.members[index]
    met = perturb_puff_met(context.met, member.parameters)
    release, term, scenario = _member_release(context, member, met)
    released = float(term.released)
    n_grid = context.n_grid
    series_index = np.arange(n_grid, context.receptors.x.size)
    # Each member takes the HJ 169-2018 model choice of its own release and weather: a dense member runs dense.
    choice = choose_dispersion_model(term, context.chemical, forced=scenario.dispersion_model,
                                     wind_speed=float(met.wind_speed[0]), air_temperature=context.air_temperature,
                                     pressure=AMBIENT_PRESSURE)
    result = disperse_leak(choice, term, context.chemical, release=release, receptors=context.receptors, met=met,
                           options=context.options, series_receptors=series_index, air=context.air,
                           hole=hole_area(scenario, context.source))
    window = f"max_mean_{int(AVERAGING_TIME)}s"
    field = np.nan_to_num(result[window].values[:n_grid]).reshape(context.gy.size, context.gx.size)
    impact = receptor_impacts(result["series"].values, context.scenario.sampling_step,
                              [Threshold(name, value, AVERAGING_TIME) for name, value in context.thresholds],
                              np.zeros(series_index.size), arrival_threshold=context.endpoint2)
    names = [name for name, _ in context.thresholds]
    concentration = f"{context.chemical.name_en.lower()} in air (CAS {context.chemical.cas})"
    dataset = xr.Dataset(
        {
            "max_mean_60min": (("realization", "y", "x"), field[None], {
                "long_name": f"maximum 60-minute running mean concentration of {concentration}", "units": "kg m-3",
                "coverage_content_type": "modelResult"}),
            "receptor_max_mean_60min": (("realization", "receptor"), impact.peak[context.endpoint2][None], {
                "long_name": f"maximum 60-minute running mean concentration of {concentration} at the receptor",
                "units": "kg m-3", "coverage_content_type": "modelResult"}),
            "time_above": (("realization", "threshold", "receptor"),
                           np.stack([impact.time_above[name] for name in names])[None], {
                               "long_name": "time the 60-minute running mean exceeds the threshold", "units": "s",
                               "coverage_content_type": "modelResult"}),
            "arrival_time": (("realization", "receptor"), impact.arrival_time[None], {
                "long_name": f"time after the release starts when the 60-minute running mean first exceeds "
                             f"{context.endpoint2} (NaN: never)", "units": "s",
                "coverage_content_type": "modelResult"}),
            "released_mass": (("realization",), np.array([released]), {
                "long_name": "airborne mass released by the member's source term", "units": "kg",
                "coverage_content_type": "modelResult"}),
        },
        coords={"realization": realization_coord(np.array([index]), long_name=None),
                **projected_xy_coords(context.gx, context.gy),
                "receptor_id": ("receptor", np.array(context.receptors_all.ids, dtype=str),
                                {"long_name": "receptor id (park.yaml)"}),
                "threshold_name": ("threshold", np.array(names, dtype=str), {"long_name": "threshold"})},
    )
    provenance = Provenance(
        scenario_config=member_config(context.scenario_sha256, index),
        command_line=f"parktwin ensemble member {index}", random_seed=member.seed,
        extra_attrs={"scenario_id": context.scenario.name, "scenario_sha256": context.scenario_sha256,
                     "member_index": index, "member_parameters": json.dumps(member.parameters, sort_keys=True),
                     "source_term": term.description, "dispersion_model": choice.model,
                     "richardson_number": choice.richardson_number, "dispersion_rule": choice.rule})
    return write_netcdf(dataset, path, provenance,
                        title=f"ParkTwin leak ensemble member {index}: {context.scenario.name}",
                        summary=f"{MODEL_NAMES_EN[choice.model]}: 60-minute running means of member {index} with "
                                f"perturbed inputs {json.dumps(member.parameters, sort_keys=True)}.",
                        keywords=["toxic release", "ensemble", "dense gas" if choice.dense else "Gaussian puff",
                                  "chemical industrial park"],
                        float64=list(dataset.data_vars))


def run_leak_member_from_file(scenario_path: str, out_dir: str, index: int) -> str:
    """Task for a ``dask.distributed`` worker: only paths cross the wire; the context is built once per worker
    (and again only when the scenario file changes)."""
    context = worker_context(load_leak_context, scenario_path)
    return str(run_leak_member(replace(context, out_dir=Path(out_dir)), index))


@dataclass
class LeakEnsembleResult:
    member_paths: list[Path]
    computed: int
    summary: dict
    paths: dict


def run_leak_ensemble(scenario_path: str | Path, out_dir: str | Path, *, scheduler: str | None = None,
                      workers: int | None = None) -> LeakEnsembleResult:
    """Run every member of a leak scenario's ensemble (skipping finished ones), then write the ensemble products.

    scheduler : None or "threads" (local threads, default), "synchronous" (one after another), or the address of a
        running ``dask.distributed`` scheduler (``tcp://host:8786``; also read from ``DASK_SCHEDULER_ADDRESS``).
    workers : local threads (default: the number of cores).
    """


    scenario_path, out_dir = Path(scenario_path), Path(out_dir)
    if workers is not None and not int(workers) >= 1:
        raise InputError.field("ensemble", "workers", workers, "an integer >= 1")
    context = load_leak_context(scenario_path, out_dir)
    count = len(context.members)
    finished = sum(finished_output_matches(member_path(out_dir, i, ".nc"),
                                           member_digest(context.scenario_sha256, i)) for i in range(count))
    scheduler = scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS") or "threads"
    log.info("%s: %d members, %d already finished, scheduler %s", context.scenario.name, count, finished, scheduler)
    warm_puff_kernel(context)  # compile (or load) the serial kernel once: threads must not race to compile it
    paths = compute_members(functools.partial(run_leak_member, context), run_leak_member_from_file, scenario_path,
                            out_dir, count, scheduler=scheduler, workers=workers)
    summary, outputs = write_leak_ensemble_outputs(context, paths)
    return LeakEnsembleResult(member_paths=paths, computed=count - finished, summary=summary, paths=outputs)


def warm_puff_kernel(context) -> None:
    """Compile (or load from the cache) the serial puff kernel once before fan-out: threads must not race.

    ``context`` has the ``release`` (PuffRelease) and ``options`` (PuffOptions) of the members (a leak ensemble's or a
    forecast source's context)."""


    tiny = ReceptorSet(x=np.array([context.release.x + 100.0]), y=np.array([context.release.y]),
                       height=np.array([1.5]), ground_elevation=np.zeros(1))
    met = PuffMet(times=np.array([0.0]), wind_speed=np.array([2.0]), wind_from_direction=np.array([270.0]),
                  stability=np.array([3]), mixing_height=np.array([1000.0]))
    run_puff(context.release, tiny, met, replace(context.options, duration=120.0, averaging_windows=(60.0,),
                                                    output_times=()))


def run_cli(scenario: LeakScenario, scenario_path: Path, out_dir: Path, *, scheduler: str | None = None,
            workers: int | None = None) -> str:
    """The registry's ensemble of ``kind: leak`` (``parktwin ensemble``): puff or dense-gas members on Dask threads
    (serial kernels) or a ``dask.distributed`` cluster; say what was done."""
    leak = run_leak_ensemble(scenario_path, out_dir, scheduler=scheduler, workers=workers)
    return (f"{len(leak.member_paths)} members ({leak.computed} computed, the rest already finished); "
            f"P({leak.summary['endpoint2']}): "
            + ", ".join(f"{r['id']} {r['probability_endpoint2']:.2f}" for r in leak.summary["receptors"][:5])
            + f"; plan section {leak.paths['plan']}")
