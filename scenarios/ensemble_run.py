"""Run a plume scenario's ensemble on Dask: one file per member, resumable, then probabilities.

Parallelism has one owner (DESIGN.md): members run on Dask with the serial ``nogil`` kernel — local threads by
default, or a ``dask.distributed`` cluster given by its scheduler address (``tcp://host:8786``). Each member writes
``members/member_0007.npz`` atomically and returns its path; a re-run skips members whose finished file carries the
member's own SHA-256 (scenario + member index), so a killed worker or a killed batch loses nothing and duplicates
nothing. Nothing is held only in a worker's memory.

Member files are NumPy ``.npz`` work files, not NetCDF: writing a small CF file through xarray costs about as much
as the member's kernel (40 ms against 50 ms for the benchmark's member) and runs under the GIL and the process-wide
HDF5 lock, so threads could not overlap it. The CF product is written once at the end: ``members.nc`` holds every
member's statistics on the ``realization`` dimension, ``ensemble.nc`` the derived fields.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from scenarios.ensemble import Member, exceedance_probability, expand_members, percentile_fields, perturb_weather
from scenarios.spec import PlumeScenario, canonical_json, load_scenario, scenario_hash
from twin.errors import InputError

__all__ = ["EnsembleContext", "load_context", "member_path", "member_digest", "member_finished", "read_member",
           "compute_members",
           "run_member", "run_member_from_file",
           "run_ensemble", "EnsembleResult"]

log = logging.getLogger("parktwin")
PERCENTILES = (50.0, 90.0, 99.0)


@dataclass(frozen=True)
class EnsembleContext:
    """Everything members share, loaded once per process: park, weather, receptors, stacks, options, members."""

    scenario: PlumeScenario
    scenario_sha256: str
    out_dir: Path
    park: object
    met: object
    grid_x: np.ndarray
    grid_y: np.ndarray
    stacks: object
    receptors: object
    rates: dict
    options: object
    members: tuple[Member, ...]


def load_context(scenario_path: str | Path, out_dir: str | Path) -> EnsembleContext:
    """Validate the scenario and load what every member needs (the expensive, shared part)."""
    from dispersion.plume import PlumeOptions, ReceptorSet, StackSet
    from scenarios.run import _load_weather, grid_axes, true_north_grid_bearing
    from twin.io import load_park

    scenario_path = Path(scenario_path)
    scenario = load_scenario(scenario_path)
    if scenario.ensemble is None:
        raise InputError.field(scenario_path.name, "ensemble", None, "an ensemble block (members, perturbations)")
    base = scenario_path.parent
    park = load_park(base / scenario.park)
    pollutants = scenario.pollutants or park.pollutants()
    met = _load_weather(scenario, base, park, scenario_path.name)
    gx, gy = grid_axes(scenario, park)
    mx, my = np.meshgrid(gx, gy)
    receptors = ReceptorSet(x=mx.ravel(), y=my.ravel(), height=np.full(mx.size, scenario.grid.receptor_height),
                            ground_elevation=np.asarray(park.terrain.elevation_at(mx.ravel(), my.ravel())))
    stacks = StackSet(ids=tuple(s.id for s in park.stacks), **park.stack_arrays())
    model = scenario.model
    options = PlumeOptions(
        sigma_model=model.sigma or f"briggs_{park.spec.land_use}", land_use=park.spec.land_use,
        terrain=model.terrain, stack_tip_downwash=model.stack_tip_downwash,
        buoyancy_induced_dispersion=model.buoyancy_induced_dispersion, half_life=dict(model.half_life),
        true_north_grid_bearing=true_north_grid_bearing(park, float(gx.mean()), float(gy.mean())),
        utc_offset_hours=park.spec.utc_offset_hours,
        store_hourly=False,
        parallel=False,  # members are the parallel unit: never Numba threads inside Dask threads
    )
    sha = scenario_hash(scenario)
    return EnsembleContext(
        scenario=scenario, scenario_sha256=sha, out_dir=Path(out_dir), park=park, met=met, grid_x=gx, grid_y=gy,
        stacks=stacks, receptors=receptors, rates={key: park.emission_rates(key) for key in pollutants},
        options=options, members=tuple(expand_members(scenario.ensemble, sha)),
    )


def member_path(out_dir: Path, index: int, suffix: str = ".npz") -> Path:
    """Work file of member ``index`` (``.npz`` for plume members; the leak ensemble keeps ``.nc``)."""
    return Path(out_dir) / "members" / f"member_{index:04d}{suffix}"


STATISTICS = ("max_1h", "max_24h", "period_mean")


def member_finished(path: Path, digest: str) -> bool:
    """True if ``path`` is a complete member file carrying ``digest`` (a truncated or foreign file is not)."""
    import zipfile

    if not path.is_file():
        return False
    try:
        with np.load(path, allow_pickle=False) as data:
            return str(data["digest"]) == digest
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return False


def member_digest(scenario_sha256: str, index: int) -> str:
    """SHA-256 of the member's configuration (scenario hash + member index): what its file must carry."""
    return hashlib.sha256(_member_config(scenario_sha256, index).encode("utf-8")).hexdigest()


def _member_config(scenario_sha256: str, index: int) -> str:
    return json.dumps({"scenario_sha256": scenario_sha256, "member": index}, sort_keys=True, separators=(",", ":"))


def run_member(context: EnsembleContext, index: int) -> Path:
    """Compute member ``index`` and write its file atomically, unless a finished file already matches."""
    from dispersion.plume import _rates_array, evaluate_plume, source_hours
    from twin.atomic import atomic_output

    path = member_path(context.out_dir, index)
    digest = member_digest(context.scenario_sha256, index)
    if member_finished(path, digest):
        return path
    member = context.members[index]
    met = perturb_weather(context.met, member.parameters)
    factor = member.parameters.get("emission_factor", 1.0)
    # run_plume without its xarray wrapping (3 ms a member, under the GIL): the statistics arrays are all we keep.
    hours = source_hours(context.stacks, met, context.options)
    rates = _rates_array({k: v * factor for k, v in context.rates.items()}, *hours.effective_height.shape)
    fields = evaluate_plume(context.stacks, rates, context.receptors, hours, context.options,
                            substances=list(context.rates))
    shape = (context.grid_y.size, context.grid_x.size)
    arrays = {f"{key}_{stat}": np.asarray(fields[f"{key}_{stat}"][1]).reshape(shape)
              for key in context.rates for stat in STATISTICS}
    with atomic_output(path) as temporary, open(temporary, "wb") as handle:
        np.savez(handle, digest=np.array(digest), seed=np.array(member.seed, dtype=np.int64),
                 parameters=np.array(json.dumps(member.parameters, sort_keys=True)), **arrays)
    return path


def read_member(path: Path) -> dict[str, np.ndarray]:
    """The arrays of a member file: statistics on (y, x) [kg m-3], ``digest``, ``seed``, ``parameters`` (JSON)."""
    with np.load(path, allow_pickle=False) as data:
        return {name: data[name] for name in data.files}


@functools.lru_cache(maxsize=4)
def _cached_context(loader, scenario_path: str, stamp: float):
    return loader(scenario_path, ".")


def worker_context(loader, scenario_path):
    """``loader(scenario_path, ".")`` once per worker process, again only when the scenario file changes (its
    modification time is part of the cache key): what the ``*_from_file`` tasks of both ensembles use."""
    return _cached_context(loader, str(scenario_path), os.stat(scenario_path).st_mtime)


def run_member_from_file(scenario_path: str, out_dir: str, index: int) -> str:
    """Task for a ``dask.distributed`` worker: only paths cross the wire; the context is loaded once per worker
    (and again only if the scenario file changes)."""
    context = worker_context(load_context, scenario_path)
    return str(run_member(replace(context, out_dir=Path(out_dir)), index))


def _warm_kernels(context: EnsembleContext) -> None:
    """Compile (or load from cache) the serial kernel once before fan-out: workers must not race to compile."""
    from dispersion.plume import ReceptorSet, run_plume

    tiny = ReceptorSet(x=np.array([0.0, 100.0]), y=np.zeros(2), height=np.zeros(2), ground_elevation=np.zeros(2))
    first = next(iter(context.rates))
    run_plume(context.stacks, {first: context.rates[first]}, tiny, context.met.isel(time=slice(0, 1)),
              replace(context.options, min_hours_per_day=1))


@dataclass
class EnsembleResult:
    member_paths: list[Path]
    probability_path: Path
    computed: int


def compute_members(run_local, run_from_file, scenario_path: Path, out_dir: Path, count: int, *,
                    scheduler: str | None = None, workers: int | None = None) -> list[Path]:
    """Run members 0..count-1 and return their files' paths, in member order.

    run_local(index) runs one member in this process: on Dask's local threads (``scheduler`` None or "threads";
    ``workers`` threads, default the number of cores) or one by one ("synchronous"). Any other ``scheduler`` (or
    ``DASK_SCHEDULER_ADDRESS``) is a ``dask.distributed`` address: there ``run_from_file(scenario_path, out_dir,
    index)`` runs, so only paths cross the wire, with 3 retries per member. The local callable should be a
    ``functools.partial`` of the shared context: Dask does not walk a partial's arguments per task.
    """
    import dask

    scheduler = scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS") or "threads"
    if scheduler in ("threads", "synchronous"):
        tasks = [dask.delayed(run_local, pure=False)(i) for i in range(count)]
        paths = list(dask.compute(*tasks, scheduler=scheduler, num_workers=workers or os.cpu_count()))
        log.info("%d/%d members done", count, count)
    else:
        from distributed import Client, as_completed

        with Client(scheduler, timeout="30s") as client:
            futures = client.map(run_from_file, [str(Path(scenario_path).resolve())] * count,
                                 [str(Path(out_dir).resolve())] * count, list(range(count)), retries=3, pure=False)
            for done, _future in enumerate(as_completed(futures), start=1):
                log.info("%d/%d members done", done, count)
            paths = client.gather(futures)
    return [Path(p) for p in paths]


def run_ensemble(scenario_path: str | Path, out_dir: str | Path, *, scheduler: str | None = None,
                 workers: int | None = None) -> EnsembleResult:
    """Run every member (skipping finished ones), then write ``ensemble.nc`` with probabilities and percentiles.

    scheduler : None or "threads" (local threads, default), "synchronous" (one by one, for debugging), or the
        address of a running ``dask.distributed`` scheduler (``tcp://host:8786``; also read from
        ``DASK_SCHEDULER_ADDRESS``). workers : local threads (default: the number of cores).
    """
    scenario_path = Path(scenario_path)
    out_dir = Path(out_dir)
    context = load_context(scenario_path, out_dir)
    count = len(context.members)
    before = {i for i in range(count)
              if member_finished(member_path(out_dir, i), member_digest(context.scenario_sha256, i))}
    _warm_kernels(context)
    paths = compute_members(functools.partial(run_member, context), run_member_from_file, scenario_path, out_dir,
                            count, scheduler=scheduler, workers=workers)
    members = [read_member(path) for path in paths]  # read once, for both products
    _write_members_netcdf(context, members)
    probability = _write_probabilities(context, members)
    return EnsembleResult(member_paths=paths, probability_path=probability, computed=count - len(before))


def _write_members_netcdf(context: EnsembleContext, members: list[dict[str, np.ndarray]]) -> Path:
    """members.nc: every member's statistics on the ``realization`` dimension (CF-1.11, ACDD-1.3), with the
    member parameters and seeds; written once, atomically, from the member work files."""
    from twin.schema import grid_dataset
    from twin.store import Provenance, write_netcdf
    from scenarios.outputs import _substance, _time_bounds

    statistics = {key: {stat: np.stack([m[f"{key}_{stat}"] for m in members])[:, None]
                        for stat in STATISTICS} for key in context.rates}
    dataset = grid_dataset(
        x=context.grid_x, y=context.grid_y, z=np.array([context.scenario.grid.receptor_height]),
        time=context.met["time"].values, crs_epsg=context.park.spec.epsg, lon=None, lat=None,
        fields={key: None for key in context.rates}, statistics=statistics,
        substances=[_substance(context.park, key) for key in context.rates], time_bounds=_time_bounds(context.met),
        attrs={}, realization=list(range(len(members))))
    # The member parameters and seeds are auxiliary coordinates of the realization axis (CF §5), not measured
    # quantities: no standard name exists for "wind-direction offset of member k".
    units = {"wind_direction_offset": "degree", "stability_shift": "1"}
    labels = {f"member_{name}": (("realization",), np.array([m.parameters[name] for m in context.members]),
                                 {"long_name": f"ensemble member's {name.replace('_', ' ')}",
                                  "units": units.get(name, "1")})
              for name in sorted(context.scenario.ensemble.perturbations)}
    labels["member_seed"] = (("realization",), np.array([int(m["seed"]) for m in members], dtype=np.int64),
                             {"long_name": "ensemble member's own random seed", "units": "1"})
    dataset = dataset.assign_coords(labels)
    provenance = Provenance(scenario_config=canonical_json(context.scenario), command_line="parktwin ensemble",
                            extra_attrs={"scenario_id": context.scenario.name, "ensemble_size": len(members)})
    return write_netcdf(dataset, context.out_dir / "members.nc", provenance,
                        title=f"ParkTwin ensemble members: {context.scenario.name}",
                        summary="Statistics of every ensemble member (perturbed weather and emissions) on the "
                                "realization dimension; probabilities and percentiles are in ensemble.nc.",
                        keywords=["ensemble", "dispersion", "chemical industrial park"],
                        float64=[f"member_{name}" for name in context.scenario.ensemble.perturbations])


def _write_probabilities(context: EnsembleContext, members: list[dict[str, np.ndarray]]) -> Path:
    """ensemble.nc: per substance, P(max 1-h > threshold) per threshold, and percentiles over members."""
    import xarray as xr

    from twin.atomic import atomic_output
    from twin.schema import CONCENTRATION_UNITS, geographic_coordinates

    thresholds = context.scenario.ensemble.thresholds_ug_m3
    data_vars = {}
    maxima = {key: [] for key in context.rates}
    for member in members:
        for key in context.rates:  # kg m-3 in the work file -> ug m-3 rounded to float32, exactly as members.nc
            ug = (member[f"{key}_max_1h"].astype(np.float64) * CONCENTRATION_UNITS["ug m-3"]).astype(np.float32)
            maxima[key].append(ug.astype(np.float64))
    for key, values in maxima.items():
        stack = np.stack(values)
        levels = np.asarray(thresholds.get(key, []), dtype=np.float64)
        if levels.size:
            probability = np.stack([exceedance_probability(stack, level) for level in levels])
            data_vars[f"{key}_max_1h_exceedance_probability"] = (
                (f"{key}_threshold", "y", "x"), probability,
                {"long_name": f"probability that the maximum 1-h mean concentration of {key} exceeds the threshold",
                 "units": "1", "grid_mapping": "crs", "coverage_content_type": "modelResult"})
            data_vars[f"{key}_threshold"] = ((f"{key}_threshold",), levels,
                                             {"long_name": f"{key} concentration threshold", "units": "ug m-3"})
        data_vars[f"{key}_max_1h_percentile"] = (
            ("percentile", "y", "x"), percentile_fields(stack, PERCENTILES),
            {"long_name": f"percentile over ensemble members of the maximum 1-h mean concentration of {key}",
             "units": "ug m-3", "grid_mapping": "crs", "coverage_content_type": "modelResult"})
    units = {"wind_direction_offset": "degree", "stability_shift": "1"}
    for name in sorted(context.scenario.ensemble.perturbations):  # the members and their parameters, listed
        data_vars[f"member_{name}"] = (
            ("realization",), np.array([m.parameters[name] for m in context.members]),
            {"long_name": f"ensemble member's {name.replace('_', ' ')}", "units": units.get(name, "1")})
    data_vars["member_seed"] = (("realization",), np.array([m.seed for m in context.members], dtype=np.int64),
                                {"long_name": "ensemble member's own random seed", "units": "1"})
    lon, lat = geographic_coordinates(context.grid_x[None, :], context.grid_y[:, None], context.park.spec.epsg)
    import pyproj

    dataset = xr.Dataset(
        data_vars,
        coords={"x": ("x", context.grid_x, {"standard_name": "projection_x_coordinate", "units": "m"}),
                "y": ("y", context.grid_y, {"standard_name": "projection_y_coordinate", "units": "m"}),
                "percentile": ("percentile", np.array(PERCENTILES), {"long_name": "percentile", "units": "percent"}),
                "realization": ("realization", np.arange(len(context.members)),
                                {"standard_name": "realization", "units": "1"}),
                "lon": (("y", "x"), lon, {"standard_name": "longitude", "units": "degrees_east"}),
                "lat": (("y", "x"), lat, {"standard_name": "latitude", "units": "degrees_north"})},
        attrs={"Conventions": "CF-1.11", "title": f"ParkTwin ensemble probabilities: {context.scenario.name}",
               "ensemble_size": len(members), "scenario_config_sha256": context.scenario_sha256,
               "scenario_config": canonical_json(context.scenario)},
    )
    dataset["crs"] = ((), 0, pyproj.CRS.from_epsg(context.park.spec.epsg).to_cf())
    path = context.out_dir / "ensemble.nc"
    with atomic_output(path) as temporary:
        dataset.to_netcdf(temporary, engine="netcdf4")
    _draw_probability_maps(context, dataset)
    return path


def _draw_probability_maps(context: EnsembleContext, dataset) -> None:
    """probability_<key>_<threshold>.png: exceedance probability with contours at 0.1, 0.3, 0.5, 0.7, 0.9 — a
    planner reads "the 50 % line reaches the school", not one deterministic line."""
    from scenarios.views import map_view
    from viz import FieldLayer, render_map

    for key in context.rates:
        name = f"{key}_max_1h_exceedance_probability"
        if name not in dataset:
            continue
        chem = context.park.chemicals[key]
        for k, level in enumerate(dataset[f"{key}_threshold"].values):
            values = dataset[name].values[k]
            layer = FieldLayer(x=context.grid_x, y=context.grid_y, values=np.where(values > 0, values, np.nan),
                               units="P", levels=(0.1, 0.3, 0.5, 0.7, 0.9),
                               title=f"{chem.name_zh} {chem.name_en}: P(最大小时浓度 max 1-h > {level:g} µg/m³)")
            view = map_view(context.park, layer, title=f"{context.park.spec.name} — {context.scenario.name}",
                            notes=(f"{len(context.members)} members",))
            render_map(view, context.out_dir / f"probability_{key}_{level:g}.png")
