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

Where the code is: this module runs the cycle (:func:`run_forecast`, the steps of one cycle, the release window);
:mod:`scenarios.forecast.rules` holds the release, start and ranking rules and the perturbations,
:mod:`scenarios.forecast.cycle` the cycle folder (settings, work folder, run.json, publishing),
:mod:`scenarios.forecast.members` the members of each source, :mod:`scenarios.forecast.outputs` the probabilities,
files, ranking and brief, and :mod:`scenarios.forecast.flood` the flood check.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from meteo.forecast import write_sample_forecast
from scenarios.common.batch import BatchLock, JsonLinesLog, sha256_file
from scenarios.common.ensemble import EnsembleSpec
from scenarios.common.impact import SENSITIVE_KINDS
from scenarios.common.ledger import record_folder
from scenarios.common.weather import load_weather
from scenarios.forecast.cycle import (
    ForecastResult,
    batch_settings,
    check_batch_arguments,
    cycle_finished,
    make_out_root,
    mark_finished,
    park_and_cycle,
    prepare_work,
    publish_cycle,
    published_result,
)
from scenarios.common.times import local_text
from scenarios.forecast.flood import flood_settings, flood_view, run_forecast_flood
from scenarios.forecast.members import forecast_weather_spec, run_members, source_members
from scenarios.forecast.outputs import ranked_sources, write_brief
from scenarios.forecast.rules import (
    FORECAST_PERTURBATIONS,
    START_RULE,
    release_rule,
    worst_start_hour,
)
from twin.atomic import write_text_atomic
from twin.errors import ParkTwinError
from twin.inputs import inputs_read
from twin.io import load_park
from viz.brief_view import BriefView, NotAssessed, ReleaseStart
from viz.wording import term

__all__ = ["run_forecast", "write_demo_sample_forecast"]

log = logging.getLogger("parktwin")


def run_forecast(park_yaml, forecast_nc, out_root, *, cycle: str | None = None, force: bool = False,
                 members: int = 20, hours: int = 24, scheduler: str | None = None, simulation_hours: float = 3.0,
                 grid_size: float = 20000.0, grid_spacing: float = 250.0, seed: int = 0, maps: bool = True,
                 heavy_rain_24h_mm=None, heavy_rain_12h_mm=None, heavy_rain_1h_mm=None,
                 flood_grid_spacing: float | None = None, flood_grid_size: float | None = None,
                 language: str = "zh", command_line: str = "") -> ForecastResult:
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
    language : str
        Language of the morning brief and of the texts of ``summary.json`` (rules, reasons, flood verdict): "zh"
        (default, as the leak plans and the EIA report) or "en". Its times are local with their offset either way.
    """
    park_yaml, forecast_nc, out_root = Path(park_yaml), Path(forecast_nc), Path(out_root)
    check_batch_arguments(members, hours, cycle, language)
    flood = flood_settings(heavy_rain_24h_mm=heavy_rain_24h_mm, heavy_rain_12h_mm=heavy_rain_12h_mm,
                           heavy_rain_1h_mm=heavy_rain_1h_mm, grid_spacing=flood_grid_spacing,
                           grid_size=flood_grid_size)

    journal = JsonLinesLog()
    make_out_root(out_root)
    settings = batch_settings(park_yaml, members=members, hours=hours, simulation_hours=simulation_hours,
                               grid_size=grid_size, grid_spacing=grid_spacing, seed=seed, maps=maps, flood=flood,
                               language=language)
    started = time.perf_counter()
    try:
        with BatchLock(out_root / "forecast.lock", journal):
            journal("info", "batch_started", pid=os.getpid(), forecast=str(forecast_nc), park=str(park_yaml),
                    settings={k: v for k, v in settings.items() if k not in ("perturbations", "rule")})
            park, cycle_time = park_and_cycle(park_yaml, forecast_nc, cycle)
            name = cycle_time.strftime("%Y%m%d%H")
            forecast_sha = sha256_file(forecast_nc)
            settings_sha = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()
            final = out_root / name
            work = out_root / f".{name}.work"
            if not force and cycle_finished(final, forecast_sha, settings_sha):
                journal.attach(final / "log.jsonl")
                journal("info", "cycle_already_finished", cycle=name, forecast_sha256=forecast_sha,
                        hint="use --force to recompute")
                return published_result(name, final, skipped=True)
            prepare_work(work, journal, name, forecast_sha, settings_sha, force)
            if not cycle_finished(work, forecast_sha, settings_sha):
                computed = _run_cycle(park, park_yaml, forecast_nc, forecast_sha, cycle_time, work, journal,
                                      members=int(members), hours=int(hours), simulation_hours=simulation_hours,
                                      grid_size=grid_size, grid_spacing=grid_spacing, seed=int(seed),
                                      scheduler=scheduler, maps=maps, flood=flood,
                                      park_sha=settings["park_sha256"], language=language)
                mark_finished(work, journal, name, forecast_nc, forecast_sha, settings_sha, settings, started,
                               computed, command_line, dem_note=park.terrain.note)
            else:
                computed = 0
            publish_cycle(work, final)
            journal.attach(final / "log.jsonl")
            journal("info", "cycle_published", cycle=name, folder=str(final))
            read = {str(p.resolve()): sha256_file(p) for p in (park_yaml, forecast_nc)}
            record_folder("forecast", final, name=name, utc_offset_hours=park.spec.utc_offset_hours,
                          inputs={**inputs_read(), **read},
                          details={"forecast_sha256": forecast_sha, "settings_sha256": settings_sha},
                          command_line=command_line or None)
            return published_result(name, final, skipped=False, computed_members=computed)
    except ParkTwinError as error:
        if journal.path is None:
            journal.attach(out_root / "forecast-log.jsonl")
        journal("error", "batch_failed", error=type(error).__name__, exit_code=error.exit_code, message=str(error))
        raise


def _run_cycle(park, park_yaml: Path, forecast_nc: Path, forecast_sha: str, cycle_time: datetime, work: Path,
               journal: JsonLinesLog, *, members: int, hours: int, simulation_hours: float, grid_size: float,
               grid_spacing: float, seed: int, scheduler: str | None, maps: bool, flood: dict,
               park_sha: str | None, language: str) -> int:
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
            skipped.append(NotAssessed(id=source.id, name=source.name,
                                       substance=chemical.name_zh if language == "zh" else chemical.name_en,
                                       reason=release_rule(source, chemical, language)))
            journal("info", "source_not_assessed", source=source.id, reason=rule)
            continue
        contexts.append(source_members(park, park_yaml, forecast_nc, forecast_sha, cycle_time, work, source,
                                        chemical, rule, start=start, met=met, sim_steps=sim_steps,
                                        receptors_all=receptors_all, sensitive=sensitive, ensemble=ensemble,
                                        grid_size=grid_size, grid_spacing=grid_spacing))

    computed = run_members(contexts, members, scheduler, journal)
    ranked = ranked_sources(park, contexts, receptors_all, sensitive, work, cycle_time, maps, journal, language)

    flood_block = run_forecast_flood(park, forecast_nc, cycle_time, hours, work, journal, settings=flood,
                                     forecast_sha=forecast_sha, park_sha=park_sha, maps=maps)
    offset = park.spec.utc_offset_hours  # what people read: local time with its offset; the UTC fields stay
    summary = BriefView(
        cycle=f"{cycle_time:%Y%m%d%H}", cycle_time_utc=cycle_time.isoformat(),
        cycle_time_local=local_text(cycle_time, offset), language=language, park=park.spec.name,
        forecast_file=forecast_nc.name, horizon_hours=hours, members=members,
        release_rule=term("forecast.release_rule", language), start_rule=term("forecast.start_rule", language),
        rank_rule=term("forecast.rank_rule", language),
        release_start=ReleaseStart(**start_weather), simulation_hours=sim_steps,
        perturbations=FORECAST_PERTURBATIONS, sources=ranked, not_assessed=tuple(skipped),
        flood=flood_view(flood_block, language, offset),
    )
    write_text_atomic(work / "summary.json", json.dumps(summary.to_dict(), indent=2, ensure_ascii=False) + "\n")
    write_brief(summary, park, work)
    return computed


def _release_window(park, forecast_nc: Path, cycle_time: datetime, hours: int, simulation_hours: float,
                    journal: JsonLinesLog):
    """(the prepared forecast from the release start on, the start [UTC], the hours followed, the start's weather
    for the brief): the whole window prepared once (stability classes, model wind, mixing height), then the worst
    start (:func:`worst_start_hour`)."""
    window = forecast_weather_spec(forecast_nc, cycle_time, hours)
    prepared = load_weather(window, forecast_nc.parent, park, forecast_nc.name)
    sim_steps = int(math.ceil(simulation_hours))
    usable = hours - sim_steps
    start_index = worst_start_hour(prepared["stability_class"].values, prepared["model_wind_speed"].values, usable)
    start = cycle_time + timedelta(hours=start_index)
    met = prepared.isel(time=slice(start_index, start_index + sim_steps + 1))
    classes = "ABCDEF"
    start_weather = {"start_utc": start.isoformat(), "start_local": local_text(start, park.spec.utc_offset_hours),
                     "stability": classes[int(met["stability_class"].values[0])],
                     "wind_speed_m_s": round(float(met["model_wind_speed"].values[0]), 2),
                     "wind_from_direction_deg": round(float(met["wind_from_direction"].values[0]))}
    journal("info", "release_start_chosen", rule=START_RULE, **start_weather)
    return met, start, sim_steps, start_weather


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
