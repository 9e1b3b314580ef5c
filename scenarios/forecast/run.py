"""``parktwin forecast``: the unattended nightly batch — each risk source's worst credible release, forecast weather.

What one cycle does (``run_forecast``):

1. **Lock** ``OUT/forecast.lock`` (PID + host). A second run while the first is alive exits 75 (retry later); a lock
   left by a dead PID on this host is taken over.
2. **Forecast**: :func:`meteo.forecast.read_forecast_netcdf` at the park centre (missing file: 75; malformed: 65).
   The **cycle** is the file's ``forecast_reference_time`` (variable or global attribute) when present, else its first
   time step — NWP files start at their analysis hour — in UTC, as ``YYYYMMDDHH``.
3. **Idempotence**: ``OUT/YYYYMMDDHH/run.json`` is written last; when it carries the same forecast-file SHA-256 and
   the same settings, the cycle is not recomputed (unless ``force``). Work happens in ``OUT/.YYYYMMDDHH.work/``
   (members written one file each, atomically, so a killed batch resumes) and the folder is renamed to
   ``OUT/YYYYMMDDHH`` only once complete: a killed batch never leaves a folder that looks finished.
4. **Credible-worst release of every risk source** (the rule, stated in every brief, :data:`RELEASE_RULE`):
   HJ 169-2018 Appendix E Table E.1 lists, for storage tanks, "the whole inventory released within 10 min"
   (5×10⁻⁶ /a, above the 10⁻⁶ /a below which HJ 169-2018 §8 calls an event extremely improbable), and the
   release time of a unit with emergency isolation is 10 min (30 min without; HJ 169-2018 Appendix F). [These
   clause numbers and frequencies are quoted from memory of the standard and were not re-checked against its text
   when this was written: verify before relying on them.] So: a **tank** releases
   its whole inventory [kg] at the constant rate inventory / 600 s for 600 s; a **pipe** (full-bore rupture) releases
   its segment hold-up (``inventory`` [kg]) over the same 10-min isolation time. A liquefied gas (stored above
   its normal boiling point, under pressure) is taken as all airborne (flash + aerosol, no rain-out credit: the
   conservative choice; the ``direct`` source term). A liquid stored below its normal boiling point (benzene) spills
   the same 10-min outflow into its bund (``bund_area`` of park.yaml; unbunded, it spreads down to 1 cm) and the
   pool evaporates by mass transfer (HJ 169-2018 Eq. F.12) in the wind and stability of the release hour, for the
   whole followed window (the ``liquid_spill`` source term; conservative: nobody covers the pool). A liquid without
   the properties the pool needs in twin/chemicals.csv (toluene today), substances above their boiling point but
   stored at ≤ 1.5 atm (they cannot be liquefied under their own vapour pressure: a solution such as 31 %
   hydrochloric acid, or a gas holder) and **warehouses** are *not* modelled, and the brief lists them as "not
   assessed" instead of inventing a rate. Each source's central scenario is written as a ``leak`` scenario file
   (:func:`scenarios.leak.source.airborne_source_term` gives the airborne rate).
5. **Release start** (:func:`worst_start_hour`): the forecast hour closest to the HJ 169-2018 §9 worst case
   (stability F, 1.5 m/s): the most stable Pasquill–Gifford class, ties broken by the lightest wind, then the
   earliest hour, among the hours that leave ``simulation_hours`` of forecast after the start.
6. **Ensemble**: members are Latin-hypercube samples (:func:`scenarios.common.ensemble.expand_members`) of the forecast's
   error in wind direction, wind speed and stability (:data:`FORECAST_PERTURBATIONS`, assumptions stated below),
   run on Dask (threads by default, or a ``dask.distributed`` scheduler address) with the serial puff kernel.
   P(endpoint-2 reached) at a receptor = fraction of members whose 60-min running mean there exceeds the HJ 169
   endpoint-2 value (Monte Carlo estimate, standard error sqrt(p(1-p)/N)).
7. **Flood** (:mod:`scenarios.forecast.flood`): the forecast's precipitation at the park centre against the
   rainstorm (暴雨) grades — ≥ 50 mm in 24 h or ≥ 30 mm in 12 h (GB/T 28592-2012 Table 1), ≥ 16 mm in 1 h (hourly
   grade, quoted, not verified), each configurable. When the rule fires, the park flood of ``kind: typhoon`` runs
   over the horizon with the forecast's gridded rain and the tide, and every risk source gets its flood events
   (``flood/flood.nc``, ``flood/assets.json``, ``flood/map.png``); either way ``summary.json`` has a ``flood`` block
   with the rule, the rain totals and the decision.
8. **Outputs** in the dated folder: per source ``<ID>/forecast.nc`` (P(endpoint-1/2) fields and percentiles of the
   maximum 60-min mean), ``<ID>/zones.geojson`` (endpoint zones of the 90th-percentile field and P(endpoint-2)
   contours), ``<ID>/map.png``, ``<ID>/scenario.yaml``; ``summary.json``; ``brief.html``; ``log.jsonl``; ``run.json``
   (last).

**Rank** (:func:`risk_score`): sources are ranked by the expected number of people at residential areas, schools and
hospitals above endpoint-2, Σ P_i × population_i, then by the largest probability at any sensitive receptor, then by
the median endpoint-2 distance.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import NamedTuple

import dask
import numpy as np
import xarray as xr
import yaml

from dispersion.plume import ReceptorSet
from dispersion.puff import PuffOptions, PuffRelease
from meteo.forecast import read_forecast_netcdf, write_sample_forecast
from scenarios.common.batch import BatchLock, JsonLinesLog, sha256_file
from scenarios.common.ensemble import (
    EnsembleSpec,
    exceedance_probability,
    expand_members,
    percentile_fields,
    perturb_weather,
)
from scenarios.common.grids import true_north_grid_bearing
from scenarios.common.impact import (
    PROBABILITY_LEVELS,
    SENSITIVE_KINDS,
    Threshold,
    people_mask,
    receptor_impacts,
    risk_score,
)
from scenarios.common.members import cluster_client, member_finished
from scenarios.common.models import puff_met
from scenarios.common.spec import WeatherSpec, canonical_json
from scenarios.common.views import map_view
from scenarios.common.weather import load_weather
from scenarios.common.zones import ThreatZone, farthest_distance, threat_zone, write_zones_geojson
from scenarios.forecast.flood import flood_settings, run_forecast_flood
from scenarios.leak.assessment import endpoint2_name, toxic_thresholds
from scenarios.leak.dispersion import ROUGHNESS_BY_LAND_USE, LeakAir, choose_dispersion_model, disperse_leak, hole_area
from scenarios.leak.ensemble import warm_puff_kernel
from scenarios.leak.source import airborne_source_term
from scenarios.leak.spec import LeakScenario
from twin.atomic import atomic_output, write_text_atomic
from twin.constants import STANDARD_PRESSURE
from twin.errors import InputError, OutputError, ParkTwinError
from twin.io import load_park
from twin.schema import grid_mapping_variable, percentile_coord, projected_xy_coords
from twin.store import Provenance, write_netcdf
from viz import FieldLayer, render_map
from viz.brief import render_brief
from viz.views import (
    BriefReceptor,
    BriefSource,
    BriefView,
    DistanceSpread,
    NotAssessed,
    ReleaseStart,
    SourceFiles,
)

__all__ = ["run_forecast", "ForecastResult", "worst_start_hour",
           "risk_score", "release_rule", "RELEASE_RULE", "ATMOSPHERIC_STORAGE_LIMIT", "FORECAST_PERTURBATIONS",
           "write_demo_sample_forecast"]

log = logging.getLogger("parktwin")

ISOLATED_RELEASE_TIME = 600.0  # [s] HJ 169-2018 Appendix F: release time of a unit with emergency isolation
# [Pa] at or below: not a liquefied gas under its own vapour pressure
ATMOSPHERIC_STORAGE_LIMIT = 1.5 * STANDARD_PRESSURE
RELEASE_RULE = ("tank: whole inventory released within 10 min (HJ 169-2018 Table E.1, 5e-6 /a); pipe: full-bore "
                "rupture, the segment hold-up released over the 10-min isolation time (HJ 169-2018 App. F); a "
                "liquefied gas is all airborne (no rain-out credit); a liquid stored below its boiling point spills "
                "into its bund (else spreads to 1 cm) and the pool evaporates by mass transfer (HJ 169 Eq. F.12) "
                "for the whole followed window; solutions or gases stored near atmospheric pressure (<= 1.5 atm) "
                "and warehouses are not assessed")
START_RULE = ("release at the forecast hour closest to the HJ 169-2018 worst case (F, 1.5 m/s): most stable class, "
              "then lightest wind, then earliest")
RANK_RULE = ("expected people above endpoint-2 at residential areas, schools and hospitals (sum of P x population), "
             "then the highest probability at any sensitive receptor, then the median endpoint-2 distance")
# Forecast-error perturbations of each member (assumptions, not values from a standard): day-1..3 10 m wind
# direction errors of NWP are typically a few tens of degrees and speed errors some 30 % (order of magnitude of the
# verification scores national centres publish); the stability class may be off by one.
FORECAST_PERTURBATIONS = {
    "wind_direction_offset": {"distribution": "normal", "mean": 0.0, "std": 20.0, "low": -60.0, "high": 60.0},
    "wind_speed_factor": {"distribution": "lognormal", "median": 1.0, "sigma_ln": 0.3},
    "stability_shift": {"distribution": "uniform", "low": -1.0, "high": 1.0},
}
def _forecast_cycle(path: Path, weather) -> datetime:
    """The forecast's reference time (UTC): ``forecast_reference_time`` variable or attribute, else the first step."""
    with xr.open_dataset(path, engine="netcdf4") as ds:
        if "forecast_reference_time" in ds.variables:
            value = np.asarray(ds["forecast_reference_time"].values).ravel()[0]
        elif "forecast_reference_time" in ds.attrs:
            try:
                value = np.datetime64(datetime.fromisoformat(str(ds.attrs["forecast_reference_time"]))
                                      .astimezone(timezone.utc).replace(tzinfo=None), "s")
            except ValueError as error:
                raise InputError.field(path.name, "forecast_reference_time", ds.attrs["forecast_reference_time"],
                                       "an ISO 8601 time with a UTC offset") from error
        else:
            value = weather["time"].values[0]
    seconds = int(np.datetime64(value, "s").astype(np.int64))
    return datetime.fromtimestamp(seconds - seconds % 3600, tz=timezone.utc)


# ------------------------------------------------------------------------------------------------ rules (pure)


class ReleaseRule(NamedTuple):
    """The credible-worst release of a risk source: outflow rate [kg/s] for duration [s], and the ``kind: leak``
    source-term model that turns it into an airborne rate (``direct``: all of it; ``liquid_spill``: a pool)."""

    rate: float
    duration: float
    model: str


# Chemicals-table columns the pool of a liquid_spill needs (scenarios.leak.source): density, latent heat, molar
# mass and the DIPPR-101 vapour pressure (mass-transfer evaporation below the boiling point, HJ 169 Eq. F.12).
POOL_PROPERTIES = ("liquid_density_kg_m3", "heat_of_vaporization_j_kg", "molar_mass", "vapour_pressure_dippr101")


def release_rule(risk_source, chemical) -> ReleaseRule | str:
    """The credible-worst release of ``risk_source`` (:data:`RELEASE_RULE`), or the reason why it is not assessed
    (a string)."""
    if risk_source.kind == "warehouse":
        return "warehouse: packaged goods, no release rule yet (not assessed)"
    if chemical.hj169_endpoint2_mg_m3 is None:
        return f"{chemical.key}: no HJ 169-2018 endpoint-2 value in twin/chemicals.csv (not assessed)"
    if chemical.boiling_point is not None and chemical.boiling_point > risk_source.temperature:
        # The inventory spills in 10 min into the bund (or spreads unbunded) and the pool evaporates: the
        # liquid_spill source term of kind: leak, which needs the liquid's properties.
        missing = [name for name in POOL_PROPERTIES if getattr(chemical, name, None) is None]
        if missing:
            return (f"{chemical.name_en} stored below its boiling point ({risk_source.temperature:.0f} K < "
                    f"{chemical.boiling_point:.0f} K): an evaporating pool, but twin/chemicals.csv lacks "
                    f"{', '.join(missing)} for it (not assessed)")
        return ReleaseRule(risk_source.inventory / ISOLATED_RELEASE_TIME, ISOLATED_RELEASE_TIME, "liquid_spill")
    if chemical.boiling_point is not None and risk_source.pressure <= ATMOSPHERIC_STORAGE_LIMIT:
        # Above its normal boiling point a pure substance stays liquid only under (at least) its vapour pressure,
        # which exceeds one atmosphere: a "tank" of it near ambient pressure holds a solution (hydrochloric acid,
        # ammonia water) or a gas holder — neither is a liquefied gas flashing on release.
        return (f"{chemical.name_en} above its boiling point ({chemical.boiling_point:.0f} K) but stored near "
                f"atmospheric pressure ({risk_source.pressure:.0f} Pa): a solution or gas holder, whose release is "
                f"an evaporating pool or a small vapour volume, no source term for it yet (not assessed)")
    return ReleaseRule(risk_source.inventory / ISOLATED_RELEASE_TIME, ISOLATED_RELEASE_TIME, "direct")


def worst_start_hour(stability: np.ndarray, wind_speed: np.ndarray, usable: int) -> int:
    """Index of the hour closest to the HJ 169-2018 §9 worst case among the first ``usable`` hours.

    stability : Pasquill–Gifford class code per hour, 0 = A … 5 = F. wind_speed : model wind speed [m/s].
    The most stable class wins, then the lightest wind, then the earliest hour.
    """
    stability = np.asarray(stability)[:usable]
    wind_speed = np.asarray(wind_speed, dtype=np.float64)[:usable]
    if stability.size == 0:
        raise InputError.field("forecast", "hours", usable, "at least one usable release hour")
    order = np.lexsort((np.arange(stability.size), wind_speed, -stability.astype(np.int64)))
    return int(order[0])


# --------------------------------------------------------------------------------------------------- members


@dataclass(frozen=True)
class _SourceContext:
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


def _member_file(context: _SourceContext, index: int) -> Path:
    return context.member_dir / f"member_{index:04d}.npz"


def _run_member(context: _SourceContext, index: int) -> str:
    """Compute member ``index`` of one source and write ``member_NNNN.npz`` atomically (skip a finished one)."""
    path = _member_file(context, index)
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


def _compute(tasks: list[tuple[_SourceContext, int]], scheduler: str | None, journal: JsonLinesLog) -> None:
    scheduler = scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS") or "threads"
    if scheduler in ("threads", "synchronous"):
        delayed = [dask.delayed(_run_member, pure=False)(context, index) for context, index in tasks]
        dask.compute(*delayed, scheduler=scheduler)
    else:
        from distributed import as_completed

        with cluster_client(scheduler) as client:
            futures = [client.submit(_run_member, context, index, pure=False, retries=3) for context, index in tasks]
            for done, _future in enumerate(as_completed(futures), start=1):
                if done % 50 == 0 or done == len(futures):
                    journal("info", "members_progress", done=done, total=len(futures))
            client.gather(futures)


# --------------------------------------------------------------------------------------------------- the batch


@dataclass
class ForecastResult:
    cycle: str
    folder: Path
    skipped: bool
    computed_members: int = 0
    summary: dict = field(default_factory=dict)


def run_forecast(park_yaml, forecast_nc, out_root, *, cycle: str | None = None, force: bool = False,
                 members: int = 20, hours: int = 24, scheduler: str | None = None, simulation_hours: float = 3.0,
                 grid_size: float = 20000.0, grid_spacing: float = 250.0, seed: int = 0, maps: bool = True,
                 heavy_rain_24h_mm=None, heavy_rain_12h_mm=None, heavy_rain_1h_mm=None,
                 flood_grid_spacing: float | None = None, flood_grid_size: float | None = None,
                 command_line: str = "") -> ForecastResult:
    """Run the nightly forecast cycle of ``forecast_nc`` for the park ``park_yaml`` into ``out_root/YYYYMMDDHH``.

    Parameters
    ----------
    cycle : str, optional
        ``YYYYMMDDHH`` (UTC) expected; an InputError if the file's cycle differs. Default: the file's.
    force : bool
        Recompute a finished cycle.
    members : int
        Ensemble members per risk source, 1..1000.
    hours : int
        Forecast horizon searched for the release start, 24..72 [h].
    scheduler : str, optional
        "threads" (default), "synchronous" or a ``dask.distributed`` address (``tcp://host:8786``).
    simulation_hours : float
        How long each cloud is followed after the release start [h].
    grid_size, grid_spacing : float
        Square receptor grid centred on each source: side and spacing [m].
    heavy_rain_24h_mm, heavy_rain_12h_mm, heavy_rain_1h_mm : float or str, optional
        Heavy-rain thresholds of the flood rule [mm] (default 50 / 30 / 16: :mod:`scenarios.forecast.flood`).
    flood_grid_spacing, flood_grid_size : float, optional
        Flood grid cell size and square domain side [m] (default 50 m — ``scenarios.forecast.flood`` says why — and
        ``kind: typhoon``'s 10 km).
    """
    park_yaml, forecast_nc, out_root = Path(park_yaml), Path(forecast_nc), Path(out_root)
    _check_batch_arguments(members, hours, cycle)
    flood = flood_settings(heavy_rain_24h_mm=heavy_rain_24h_mm, heavy_rain_12h_mm=heavy_rain_12h_mm,
                           heavy_rain_1h_mm=heavy_rain_1h_mm, grid_spacing=flood_grid_spacing,
                           grid_size=flood_grid_size)

    journal = JsonLinesLog()
    _make_out_root(out_root)
    settings = _batch_settings(park_yaml, members=members, hours=hours, simulation_hours=simulation_hours,
                               grid_size=grid_size, grid_spacing=grid_spacing, seed=seed, maps=maps, flood=flood)
    started = time.perf_counter()
    try:
        with BatchLock(out_root / "forecast.lock", journal):
            journal("info", "batch_started", pid=os.getpid(), forecast=str(forecast_nc), park=str(park_yaml),
                    settings={k: v for k, v in settings.items() if k not in ("perturbations", "rule")})
            park, cycle_time = _park_and_cycle(park_yaml, forecast_nc, cycle)
            name = cycle_time.strftime("%Y%m%d%H")
            forecast_sha = sha256_file(forecast_nc)
            settings_sha = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()
            final = out_root / name
            work = out_root / f".{name}.work"
            if not force and _finished(final, forecast_sha, settings_sha):
                journal.attach(final / "log.jsonl")
                journal("info", "cycle_already_finished", cycle=name, forecast_sha256=forecast_sha,
                        hint="use --force to recompute")
                return _published_result(name, final, skipped=True)
            _prepare_work(work, journal, name, forecast_sha, settings_sha, force)
            if not _finished(work, forecast_sha, settings_sha):
                computed = _run_cycle(park, park_yaml, forecast_nc, forecast_sha, cycle_time, work, journal,
                                      members=int(members), hours=int(hours), simulation_hours=simulation_hours,
                                      grid_size=grid_size, grid_spacing=grid_spacing, seed=int(seed),
                                      scheduler=scheduler, maps=maps, flood=flood,
                                      park_sha=settings["park_sha256"])
                _mark_finished(work, journal, name, forecast_nc, forecast_sha, settings_sha, settings, started,
                               computed, command_line, dem_note=park.terrain.note)
            else:
                computed = 0
            _publish(work, final)
            journal.attach(final / "log.jsonl")
            journal("info", "cycle_published", cycle=name, folder=str(final))
            return _published_result(name, final, skipped=False, computed_members=computed)
    except ParkTwinError as error:
        if journal.path is None:
            journal.attach(out_root / "forecast-log.jsonl")
        journal("error", "batch_failed", error=type(error).__name__, exit_code=error.exit_code, message=str(error))
        raise


def _check_batch_arguments(members, hours, cycle) -> None:
    """InputError for a horizon outside 24..72 h, a member count outside 1..1000 or a cycle not YYYYMMDDHH."""
    if not 24 <= int(hours) <= 72:
        raise InputError.field("forecast", "hours", hours, "between 24 and 72 h")
    if not 1 <= int(members) <= 1000:
        raise InputError.field("forecast", "members", members, "between 1 and 1000")
    if cycle is not None and not (len(cycle) == 10 and cycle.isdigit()):
        raise InputError.field("forecast", "cycle", cycle, "YYYYMMDDHH (UTC), e.g. 2026071500")


def _make_out_root(out_root: Path) -> None:
    """Create the root of the dated cycle folders; an OutputError when it cannot be written."""
    try:
        out_root.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"output folder {str(out_root)!r} must be writable, got {error.strerror or error}") from error


def _batch_settings(park_yaml: Path, *, members, hours, simulation_hours, grid_size, grid_spacing, seed, maps,
                    flood: dict) -> dict:
    """The settings a finished cycle is recognised by (their SHA-256 is in run.json), recorded in run.json."""
    return {"members": int(members), "hours": int(hours), "simulation_hours": float(simulation_hours),
            "grid_size": float(grid_size), "grid_spacing": float(grid_spacing), "seed": int(seed),
            "perturbations": FORECAST_PERTURBATIONS, "park_sha256": sha256_file(park_yaml)
            if park_yaml.is_file() else None, "rule": RELEASE_RULE, "maps": bool(maps),
            "flood": flood}


def _park_and_cycle(park_yaml: Path, forecast_nc: Path, cycle: str | None):
    """(park, the forecast's cycle time [UTC]); an InputError when the cycle asked for is another."""
    park = load_park(park_yaml)

    lon, lat = park.centre_lonlat()
    weather = read_forecast_netcdf(forecast_nc, longitude=lon, latitude=lat)
    cycle_time = _forecast_cycle(forecast_nc, weather)
    name = cycle_time.strftime("%Y%m%d%H")
    if cycle is not None and cycle != name:
        raise InputError.field(forecast_nc.name, "forecast_reference_time", name,
                               f"the cycle asked for on the command line ({cycle})")
    return park, cycle_time


def _prepare_work(work: Path, journal: JsonLinesLog, name: str, forecast_sha: str, settings_sha: str,
                  force: bool) -> None:
    """The work folder of the cycle: started afresh when forced or left by another forecast file or other settings,
    else resumed; the journal goes to its log.jsonl from here on."""
    if force and work.exists():
        shutil.rmtree(work)
    if work.exists() and not _same_settings(work, forecast_sha, settings_sha):
        shutil.rmtree(work)  # a half-done cycle of another forecast file or other settings: start afresh
    work.mkdir(parents=True, exist_ok=True)
    (work / "settings.json").write_text(json.dumps({"forecast_sha256": forecast_sha,
                                                    "settings_sha256": settings_sha}), encoding="utf-8")
    journal.attach(work / "log.jsonl")
    journal("info", "cycle_started", cycle=name, forecast_sha256=forecast_sha, work=str(work),
            force=force, resumed=any(work.glob("*/members/*.npz")))


def _mark_finished(work: Path, journal: JsonLinesLog, name: str, forecast_nc: Path, forecast_sha: str,
                   settings_sha: str, settings: dict, started: float, computed: int, command_line: str, *,
                   dem_note: str | None = None) -> None:
    """Journal the finished cycle and write run.json, last: it marks the cycle finished. ``dem_note``: what was done
    to the park's DEM to use it (reprojected, voids filled; ``twin.terrain``), or None."""
    elapsed = time.perf_counter() - started
    journal("info", "cycle_finished", cycle=name, seconds=round(elapsed, 2), computed_members=computed)

    outputs = sorted(str(p.relative_to(work)) for p in work.rglob("*")
                     if p.is_file() and "members" not in p.parts and p.name != "settings.json")
    write_text_atomic(work / "run.json", json.dumps({  # written last: marks a finished cycle
        "cycle": name, "forecast_file": str(forecast_nc.resolve()), "forecast_sha256": forecast_sha,
        "settings_sha256": settings_sha, "settings": settings, "seconds": round(elapsed, 2),
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command_line": command_line, "dem_note": dem_note or None, "outputs": outputs}, indent=2,
        ensure_ascii=False) + "\n")


def _published_result(name: str, final: Path, *, skipped: bool, computed_members: int = 0) -> ForecastResult:
    """The ForecastResult of the published cycle folder ``final`` (its summary.json)."""
    return ForecastResult(cycle=name, folder=final, skipped=skipped, computed_members=computed_members,
                          summary=json.loads((final / "summary.json").read_text(encoding="utf-8")))


def _finished(folder: Path, forecast_sha: str, settings_sha: str) -> bool:
    try:
        marker = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return marker.get("forecast_sha256") == forecast_sha and marker.get("settings_sha256") == settings_sha


def _same_settings(work: Path, forecast_sha: str, settings_sha: str) -> bool:
    try:
        recorded = json.loads((work / "settings.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return recorded == {"forecast_sha256": forecast_sha, "settings_sha256": settings_sha}


def _publish(work: Path, final: Path) -> None:
    """Rename the finished work folder to its dated name; an older finished folder is moved aside, then deleted."""
    old = None
    if final.exists():
        old = final.with_name(f".{final.name}.old.{os.getpid()}")
        os.replace(final, old)
    os.replace(work, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _run_cycle(park, park_yaml: Path, forecast_nc: Path, forecast_sha: str, cycle_time: datetime, work: Path,
               journal: JsonLinesLog, *, members: int, hours: int, simulation_hours: float, grid_size: float,
               grid_spacing: float, seed: int, scheduler: str | None, maps: bool, flood: dict,
               park_sha: str | None) -> int:
    """Build every source's scenario and members, run them, aggregate, write the outputs. Returns members computed."""
    met, start, sim_steps, start_weather = _release_window(park, forecast_nc, cycle_time, hours, simulation_hours,
                                                           journal)
    receptors_all = park.receptor_points()
    sensitive = [i for i, kind in enumerate(receptors_all.kinds) if kind in SENSITIVE_KINDS]
    ensemble = EnsembleSpec(members=members, seed=seed, perturbations=FORECAST_PERTURBATIONS)
    contexts, skipped = [], []
    for source in park.risk_sources:
        chemical = park.chemicals[source.substance]
        rule = release_rule(source, chemical)
        if isinstance(rule, str):
            skipped.append(NotAssessed(id=source.id, name=source.name, substance=chemical.name_en, reason=rule))
            journal("info", "source_not_assessed", source=source.id, reason=rule)
            continue
        contexts.append(_source_members(park, park_yaml, forecast_nc, forecast_sha, cycle_time, work, source,
                                        chemical, rule, start=start, met=met, sim_steps=sim_steps,
                                        receptors_all=receptors_all, sensitive=sensitive, ensemble=ensemble,
                                        grid_size=grid_size, grid_spacing=grid_spacing))

    computed = _run_members(contexts, members, scheduler, journal)
    ranked = _ranked_sources(park, contexts, receptors_all, sensitive, work, cycle_time, maps, journal)

    flood_block = run_forecast_flood(park, forecast_nc, cycle_time, hours, work, journal, settings=flood,
                                     forecast_sha=forecast_sha, park_sha=park_sha, maps=maps)
    summary = BriefView(
        cycle=f"{cycle_time:%Y%m%d%H}", cycle_time_utc=cycle_time.isoformat(), park=park.spec.name,
        forecast_file=forecast_nc.name, horizon_hours=hours, members=members,
        release_rule=RELEASE_RULE, start_rule=START_RULE, rank_rule=RANK_RULE,
        release_start=ReleaseStart(**start_weather), simulation_hours=sim_steps,
        perturbations=FORECAST_PERTURBATIONS, sources=ranked, not_assessed=tuple(skipped),
        flood={k: v for k, v in flood_block.items() if k not in ("assets", "digest")},
    )
    write_text_atomic(work / "summary.json", json.dumps(summary.to_dict(), indent=2, ensure_ascii=False) + "\n")
    _write_brief(summary, park, work)
    return computed


def _release_window(park, forecast_nc: Path, cycle_time: datetime, hours: int, simulation_hours: float,
                    journal: JsonLinesLog):
    """(the prepared forecast from the release start on, the start [UTC], the hours followed, the start's weather
    for the brief): the whole window prepared once (stability classes, model wind, mixing height), then the worst
    start (:func:`worst_start_hour`)."""
    window = _weather_spec(forecast_nc, cycle_time, hours)
    prepared = load_weather(window, forecast_nc.parent, park, forecast_nc.name)
    sim_steps = int(math.ceil(simulation_hours))
    usable = hours - sim_steps
    start_index = worst_start_hour(prepared["stability_class"].values, prepared["model_wind_speed"].values, usable)
    start = cycle_time + timedelta(hours=start_index)
    met = prepared.isel(time=slice(start_index, start_index + sim_steps + 1))
    classes = "ABCDEF"
    start_weather = {"start_utc": start.isoformat(), "stability": classes[int(met["stability_class"].values[0])],
                     "wind_speed_m_s": round(float(met["model_wind_speed"].values[0]), 2),
                     "wind_from_direction_deg": round(float(met["wind_from_direction"].values[0]))}
    journal("info", "release_start_chosen", rule=START_RULE, **start_weather)
    return met, start, sim_steps, start_weather


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
        "meteorology": {"weather": _weather_spec(forecast_nc.resolve(), start, sim_steps + 1).model_dump()},
        "grid": {"size": [grid_size, grid_size], "spacing": grid_spacing}, "language": "en"})


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


def _source_members(park, park_yaml: Path, forecast_nc: Path, forecast_sha: str, cycle_time: datetime, work: Path,
                    source, chemical, rule: ReleaseRule, *, start: datetime, met, sim_steps: int, receptors_all,
                    sensitive, ensemble: EnsembleSpec, grid_size: float, grid_spacing: float):
    """(source, chemical, gx, gy, central source term, _SourceContext) of one assessed source; writes its
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
    return (source, chemical, gx, gy, term, _SourceContext(
        source_id=source.id, digest=digest, release=release, receptors=receptors, met=met, options=options,
        n_grid=mx.size, grid_distance=np.hypot(mx.ravel() - source.x, my.ravel() - source.y),
        thresholds=thresholds, endpoint1=next((n for n in names if "endpoint-1" in n), None),
        endpoint2=endpoint2_name(thresholds), members=tuple(expand_members(ensemble, sha)),
        member_dir=source_dir / "members", term=term, chemical=chemical,
        air=LeakAir(air_temperature=temperature, relative_humidity=50.0,
                    roughness=ROUGHNESS_BY_LAND_USE[park.spec.land_use], pressure=STANDARD_PRESSURE),
        hole=hole_area(scenario, source)))


def _run_members(contexts, members: int, scheduler: str | None, journal: JsonLinesLog) -> int:
    """Compute every member not finished yet (a killed batch resumes); returns how many were computed."""
    tasks = [(context, i) for *_, context in contexts for i in range(members)]
    pending = [(c, i) for c, i in tasks if not member_finished(_member_file(c, i), f"{c.digest}:{i}")]
    journal("info", "members_started", sources=len(contexts), members_per_source=members, total=len(tasks),
            to_compute=len(pending), scheduler=scheduler or "threads")
    if contexts:
        warm_puff_kernel(contexts[0][-1])
    _compute(pending, scheduler, journal)
    journal("info", "members_finished", computed=len(pending))
    return len(pending)


def _ranked_sources(park, contexts, receptors_all, sensitive, work: Path, cycle_time: datetime, maps: bool,
                    journal: JsonLinesLog) -> tuple[BriefSource, ...]:
    """Every source's probabilities and outputs (:func:`_aggregate`), ranked by :data:`RANK_RULE`."""
    rows = []
    for source, chemical, gx, gy, term, context in contexts:
        rows.append(_aggregate(park, source, chemical, gx, gy, term, context, receptors_all, sensitive, work,
                               cycle_time, maps))
        journal("info", "source_done", source=source.id, score=rows[-1]["risk_score"],
                max_probability=rows[-1]["max_probability_endpoint2"])
    rows.sort(key=lambda r: (-r["risk_score"], -r["max_probability_endpoint2"], -r["endpoint2_distance_m"].p50))
    return tuple(BriefSource(**row, rank=rank) for rank, row in enumerate(rows, start=1))


def _weather_spec(path: Path, start: datetime, hours: int):
    return WeatherSpec(source="forecast_netcdf", path=str(path), start=start, hours=hours)


def _aggregate(park, source, chemical, gx, gy, term, context: _SourceContext, receptors_all, sensitive, work: Path,
               cycle_time: datetime, maps: bool) -> dict:
    """Probabilities over the members of one source; write its NetCDF, GeoJSON and map; return its summary row (the
    fields of :class:`viz.views.BriefSource` but its rank, which the ranking of all sources gives)."""
    loaded = []
    for index in range(len(context.members)):
        with np.load(_member_file(context, index)) as data:
            loaded.append({key: data[key] for key in data.files})
    shape = (gy.size, gx.size)
    grid = np.stack([m["grid_max"].reshape(shape) for m in loaded])  # (members, y, x) [kg m-3]
    values = dict(context.thresholds)
    p2 = exceedance_probability(grid, values[context.endpoint2])
    p1 = exceedance_probability(grid, values[context.endpoint1]) if context.endpoint1 else np.zeros(shape)
    percentiles = percentile_fields(grid, (50.0, 90.0))
    reached2 = np.mean(np.stack([m["reached2"] for m in loaded]), axis=0)
    reached1 = np.mean(np.stack([m["reached1"] for m in loaded]), axis=0)
    peaks = np.stack([m["receptor_peak"] for m in loaded])
    arrivals = np.stack([m["arrival"] for m in loaded])
    far2 = np.array([float(m["farthest2"]) for m in loaded])
    far1 = np.array([float(m["farthest1"]) for m in loaded])
    dense = np.array([bool(m["dense"]) if "dense" in m else False for m in loaded])
    source_dir = work / source.id

    receptor_rows = []
    for k, i in enumerate(sensitive):
        arrival = arrivals[:, k][np.isfinite(arrivals[:, k])]
        receptor_rows.append(BriefReceptor(
            id=receptors_all.ids[i], name=receptors_all.names[i], kind=receptors_all.kinds[i],
            population=int(receptors_all.population[i]),
            distance_m=round(math.hypot(receptors_all.x[i] - source.x, receptors_all.y[i] - source.y)),
            probability_endpoint2=round(float(reached2[k]), 4),
            probability_endpoint1=round(float(reached1[k]), 4),
            peak_60min_mg_m3_p90=round(float(np.percentile(peaks[:, k], 90.0)) * 1e6, 3),  # kg/m3 -> mg/m3
            earliest_arrival_minutes=None if arrival.size == 0 else round(float(arrival.min()) / 60.0),
        ))
    people = people_mask([receptors_all.kinds[i] for i in sensitive])
    population = np.array([receptors_all.population[i] for i in sensitive], dtype=float)
    score = risk_score(reached2, population, people)
    reached_rows = sorted((r for r in receptor_rows if r.probability_endpoint2 > 0),
                          key=lambda r: (-r.probability_endpoint2, r.distance_m))

    # Zones: the endpoints on the 90th-percentile field, and where P(endpoint-2) reaches 10/50/90 %.
    zones = []
    for name, value in context.thresholds:
        if "endpoint" in name:
            polygon = threat_zone(gx, gy, percentiles[1], value)
            zones.append(ThreatZone(f"{name} (90th percentile of members)", value * 1e6, "mg/m3", polygon,
                                    polygon.area, farthest_distance(polygon, source.x, source.y)))
    for level in PROBABILITY_LEVELS:
        polygon = threat_zone(gx, gy, p2, level - 1e-9)
        zones.append(ThreatZone(f"P(endpoint-2) >= {level:.0%}", level, "1", polygon, polygon.area,
                                farthest_distance(polygon, source.x, source.y)))
    write_zones_geojson(source_dir / "zones.geojson", zones, park.to_lonlat)
    _write_source_netcdf(source_dir / "forecast.nc", park, source, chemical, gx, gy, p1, p2, percentiles, context,
                         cycle_time)
    if maps:
        _render_map(source_dir / "map.png", park, source, chemical, gx, gy, p2, context)
    edge = gx[-1] - source.x
    return {
        "id": source.id, "name": source.name, "kind": source.kind, "enterprise": source.enterprise,
        "substance": chemical.name_en, "substance_zh": chemical.name_zh, "cas": chemical.cas,
        "released_kg": round(term.released, 1), "release_rate_kg_s": round(float(term.rates.max()), 3),
        "release_minutes": round(float(term.rate_times[-1] - term.rate_times[0]) / 60.0, 1),
        "endpoint1_mg_m3": float(f"{values[context.endpoint1] * 1e6:.6g}") if context.endpoint1 else None,
        "endpoint2_mg_m3": float(f"{values[context.endpoint2] * 1e6:.6g}"),  # kg m-3 -> mg m-3, no 109.99999
        "endpoint1_distance_m": DistanceSpread(p50=round(float(np.median(far1))), max=round(float(far1.max()))),
        "endpoint2_distance_m": DistanceSpread(p50=round(float(np.median(far2))), max=round(float(far2.max()))),
        "reaches_grid_edge": bool(far2.max() >= min(edge, source.x - gx[0]) - (gx[1] - gx[0])),
        "risk_score": round(score, 1), "max_probability_endpoint2": round(float(reached2.max(initial=0.0)), 4),
        # HJ 169-2018 G.2.1 per member: the share of members that ran the dense-gas model (SLAB equations).
        "dense_gas_member_fraction": round(float(dense.mean()), 4) if dense.size else 0.0,
        "receptors_reached": tuple(reached_rows), "receptors": tuple(receptor_rows),
        "files": SourceFiles(netcdf=f"{source.id}/forecast.nc", geojson=f"{source.id}/zones.geojson",
                             map=f"{source.id}/map.png" if maps else None, scenario=f"{source.id}/scenario.yaml"),
    }


def _write_source_netcdf(path: Path, park, source, chemical, gx, gy, p1, p2, percentiles, context, cycle_time):

    name = f"concentration of {chemical.name_en.lower()} in air (CAS {chemical.cas})"
    attrs = {"grid_mapping": "crs", "coverage_content_type": "modelResult"}
    grid = projected_xy_coords(gx, gy, park.spec.epsg)
    dataset = xr.Dataset(
        {
            "probability_endpoint2": (("y", "x"), p2.astype(np.float32), {
                "long_name": f"probability over ensemble members that the maximum 60-minute running mean {name} "
                             f"exceeds the HJ 169-2018 endpoint-2 value", "units": "1", **attrs}),
            "probability_endpoint1": (("y", "x"), p1.astype(np.float32), {
                "long_name": f"probability over ensemble members that the maximum 60-minute running mean {name} "
                             f"exceeds the HJ 169-2018 endpoint-1 value", "units": "1", **attrs}),
            "max_mean_60min_percentile": (("percentile", "y", "x"), (percentiles * 1e6).astype(np.float32), {
                "long_name": f"percentile over ensemble members of the maximum 60-minute running mean {name}",
                "units": "mg m-3", **attrs}),  # kg m-3 -> mg m-3 (HJ 169 Appendix H units)
            "crs": grid_mapping_variable(park.spec.epsg, dtype=np.int64),
        },
        coords={"x": grid["x"], "y": grid["y"],
                "percentile": percentile_coord(np.array([50.0, 90.0])),
                "lon": grid["lon"], "lat": grid["lat"]},
    )
    provenance = Provenance(scenario_config=json.dumps({"digest": context.digest, "cycle": f"{cycle_time:%Y%m%d%H}",
                                                        "risk_source": source.id}, sort_keys=True),
                            command_line="parktwin forecast",
                            extra_attrs={"ensemble_size": len(context.members), "release_rule": RELEASE_RULE})
    write_netcdf(dataset, path, provenance, title=f"ParkTwin nightly forecast {cycle_time:%Y%m%d%H}: {source.id}",
                 summary=f"Exceedance probabilities of the HJ 169-2018 endpoints for the credible-worst release "
                         f"of {chemical.name_en} from {source.id} in the forecast weather.",
                 keywords=["toxic release", "ensemble", "forecast", "chemical industrial park"])


def _render_map(path: Path, park, source, chemical, gx, gy, p2, context) -> None:
    # Bands 1-10-50-90-100 %; a certain exceedance (100 %) is drawn in the top band, not above it.
    layer = FieldLayer(x=gx, y=gy, values=np.minimum(p2 * 100.0, 99.999), units="%",
                       levels=np.array([1.0, 10.0, 50.0, 90.0, 100.0]),
                       title=f"{chemical.name_zh}: P(终点浓度-2) P(endpoint-2 reached) — {source.id}")
    view = map_view(park, layer, title=f"{park.spec.name} — {source.id} {chemical.name_en}",
                    wind_from_direction=float(context.met["wind_from_direction"].values[0]),
                    wind_speed=float(context.met["model_wind_speed"].values[0]),
                    notes=(RELEASE_RULE.split(";")[0],))
    render_map(view, path)


def _write_brief(summary: BriefView, park, work: Path) -> None:
    images = {row.id: work / row.files.map for row in summary.sources if row.files.map}
    flood_map = (summary.flood.get("files") or {}).get("map")
    if flood_map:
        images["flood/map"] = work / flood_map
    render_brief(summary, work / "brief.html", images=images)


def write_demo_sample_forecast(park_yaml, path, *, start: str | None = None, hours: int = 72, seed: int = 0,
                               rain: str = "dry") -> Path:
    """The sample forecast for a park (default: the demo's): :func:`meteo.forecast.write_sample_forecast` around
    the park centre, starting at ``start`` (ISO 8601 with offset; default: 00 UTC today), ``hours`` long; ``rain``
    "dry" (a light shower, below the heavy-rain rule) or "wet" (a rain band crossing the park: the flood runs)."""
    park = load_park(park_yaml)
    lon, lat = park.centre_lonlat()
    if start is None:
        today = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
        start = today.isoformat()
    return write_sample_forecast(path, start=start, hours=hours, longitude=lon, latitude=lat, seed=seed, rain=rain)
