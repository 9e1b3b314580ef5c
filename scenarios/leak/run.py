"""Run a toxic-leak scenario: source term → puffs → threat zones, receptor impacts, response level, plan draft.

Thresholds are compared with running means over their averaging time: the HJ 169-2018 Appendix H endpoints and
the AEGL/ERPG values are 60-minute values, so zones and impacts use the maximum 60-min running mean (never an
instantaneous peak). AEGL/ERPG values in ppm are converted to mass concentrations at the scenario's air temperature
and pressure (ideal gas).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
from datetime import timedelta, timezone
from pathlib import Path

import numpy as np
import xarray as xr

from dispersion.plume import ReceptorSet
from dispersion.puff import PuffMet, PuffOptions, PuffRelease
from meteo import most_common_conditions
from scenarios.common.grids import true_north_grid_bearing
from scenarios.common.impact import (NOT_AVAILABLE, PEOPLE_KINDS, ProbitCoefficients, Threshold, no_people_to_aim_at,
                                     people_mask, receptor_impacts, receptor_probits)
from scenarios.common.models import puff_met
from scenarios.common.results import RunResult, check_writable, write_manifest
from scenarios.common.spec import canonical_json
from scenarios.common.storm import utc64
from scenarios.common.views import map_view
from scenarios.common.weather import coverage_error, load_weather
from scenarios.common.zones import (
    ThreatZone,
    farthest_distance,
    limit_to_distance,
    threat_zone,
    transect,
    transect_extent,
    write_zones_geojson,
)
from scenarios.leak.dispersion import (
    CONSTANT_WEATHER_DISTANCE_LIMIT,
    MODEL_NAMES_EN,
    MODEL_NAMES_ZH,
    choose_dispersion_model,
    cloud_paths,
    disperse_leak,
    hole_area,
    leak_air,
)
from scenarios.leak.source import SOURCE_MODELS_ZH, airborne_source_term
from scenarios.leak.spec import LeakScenario
from twin.atomic import write_text_atomic
from twin.constants import STANDARD_PRESSURE
from twin.errors import InputError, MeteoCoverageError, NumericalStabilityError
from twin.io import load_park
from twin.limits import check_memory
from twin.schema import grid_mapping_variable, projected_xy_coords, time_coord
from twin.store import Provenance, write_netcdf
from viz import FieldLayer, render_map, render_scene
from viz.gltf import export_scene_gltf
from viz.plan import render_plan
from viz.views import LeakPlanView, PlanReceptor, PlanZone
from viz.wording import sentence, term, terms

__all__ = ["run_leak_scenario", "response_level", "protective_action", "summary_text", "RESPONSE_RULES",
           "RECEPTOR_KINDS_ZH", "threshold_name_zh"]

log = logging.getLogger("parktwin")

HJ169_WORST = {"wind_speed": 1.5, "stability": 5, "air_temperature": 298.15, "relative_humidity": 0.5}  # HJ 169 §9
# [Pa] air pressure of the release: thresholds' ppm conversion, gas densities, orifices
AMBIENT_PRESSURE = STANDARD_PRESSURE
AVERAGING_TIME = 3600.0  # HJ 169 Appendix H endpoints and AEGL-60 min / ERPG: 60-minute values [s]
# ParkTwin's default grading rule (to be aligned with each park's own emergency plan), stated in every report; its
# wording, and the Chinese plan's words for park.yaml's receptor kinds and for the HJ 169-2018 Appendix H thresholds
# (毒性终点浓度; AEGL and ERPG are proper names and keep theirs), come from the wording catalogue (viz.wording).
RESPONSE_RULES = tuple((level, term(f"response_rule.{level}", "en")) for level in ("I", "II", "III", "IV"))
RESPONSE_RULES_ZH = terms("response_rule", "zh")
RECEPTOR_KINDS_ZH = terms("receptor_kind", "zh")
THRESHOLD_NAMES_ZH = terms("threshold", "zh")
SHELTER_IF_ARRIVAL_WITHIN = 1800.0  # [s] too little time to move people out before the cloud arrives


def toxic_thresholds(chemical, temperature: float, pressure: float) -> list[tuple[str, float]]:
    """(name, value [kg m-3]) for every 60-min threshold the chemicals table holds for the substance."""
    found = []
    for name, attribute in (("HJ 169 endpoint-1", "hj169_endpoint1_mg_m3"), ("HJ 169 endpoint-2", "hj169_endpoint2_mg_m3")):
        value = getattr(chemical, attribute)
        if value is not None:
            found.append((name, value * 1e-6))  # mg/m3 -> kg/m3
    for name, attribute in (("AEGL-1 (60 min)", "aegl1_60min_ppm"), ("AEGL-2 (60 min)", "aegl2_60min_ppm"),
                            ("AEGL-3 (60 min)", "aegl3_60min_ppm"), ("ERPG-1", "erpg1_ppm"), ("ERPG-2", "erpg2_ppm"),
                            ("ERPG-3", "erpg3_ppm")):
        value = getattr(chemical, attribute, None)
        if value is not None:
            found.append((name, float(chemical.ppm_to_kg_m3(value, temperature, pressure))))
    return found


def threshold_name_zh(name: str) -> str:
    """The Chinese plan's name of a threshold of :func:`toxic_thresholds`: 毒性终点浓度-1/-2, AEGL/ERPG unchanged."""
    return THRESHOLD_NAMES_ZH.get(name, name)


def response_level(reached_people_endpoint1: bool, reached_people_endpoint2: bool,
                   beyond_fence_endpoint2: bool) -> tuple[str, str]:
    """Graded response level and the rule that produced it (:data:`RESPONSE_RULES`)."""
    if reached_people_endpoint1:
        return RESPONSE_RULES[0]
    if reached_people_endpoint2:
        return RESPONSE_RULES[1]
    if beyond_fence_endpoint2:
        return RESPONSE_RULES[2]
    return RESPONSE_RULES[3]


def protective_action(arrival_time: float, time_above: float) -> str:
    """'evacuate', 'shelter' or 'none' for one receptor from the endpoint-2 arrival time and duration [s].

    Default rule (stated in the report): nothing when endpoint-2 is never reached; shelter in place when the cloud
    arrives within 30 min (no time to move people out safely); otherwise evacuate before it arrives.
    """
    if not np.isfinite(arrival_time) or time_above <= 0:
        return "none"
    return "shelter" if arrival_time <= SHELTER_IF_ARRIVAL_WITHIN else "evacuate"


def leak_source_and_chemical(scenario: LeakScenario, park, where: str):
    """The scenario's risk source in the park and the chemical it holds; InputError for an unknown id."""
    sources = {r.id: r for r in park.risk_sources}
    if scenario.risk_source not in sources:
        raise InputError.field(where, "risk_source", scenario.risk_source, f"one of {', '.join(sources)}")
    source = sources[scenario.risk_source]
    return source, park.chemicals[source.substance]


def release_term(scenario: LeakScenario, source, chemical, met, air_temperature: float):
    """The airborne source term (:func:`scenarios.leak.source.airborne_source_term`) in the weather ``met``
    [PuffMet] and air temperature [K]: the first period's 10 m wind [m/s] and stability class set a pool's
    evaporation, so an ensemble member with other weather evaporates at its own rate."""
    return airborne_source_term(scenario, source, chemical, ambient_pressure=AMBIENT_PRESSURE,
                                air_temperature=air_temperature, wind_speed=float(met.wind_speed[0]),
                                stability=int(met.stability[0]))


@dataclasses.dataclass(frozen=True)
class _LeakInputs:
    """What the leak's dispersion starts from: the park, the risk source and its chemical, the weather, the source
    term and the release it feeds, and the HJ 169-2018 G.2.1 dispersion model chosen for it."""

    park: object
    source: object
    chemical: object
    receptors_all: object  # the park's sensitive receptors (park.receptor_points())
    met: PuffMet
    air_temperature: float  # [K]
    pressure: float  # [Pa]
    weather_text: str
    weather_zh: str
    term: object  # scenarios.leak.source.AirborneSourceTerm
    release: PuffRelease
    choice: object  # scenarios.leak.dispersion's model choice
    constant_weather: bool


@dataclasses.dataclass(frozen=True)
class _LeakRun:
    """The receptors and what the dispersion model gave at them: the grid (``n_grid`` nodes, row-major), the park's
    receptors, then the transect ``line``; ``field`` is the grid's and ``along_line`` the transect's maximum 60-min
    running mean [kg m-3]."""

    gx: np.ndarray
    gy: np.ndarray
    options: PuffOptions
    n_grid: int
    line: object
    result: xr.Dataset
    field: np.ndarray
    along_line: np.ndarray


@dataclasses.dataclass(frozen=True)
class _LeakAssessment:
    """Thresholds, threat zones (and how each was measured), receptor impacts and probits, the response level and
    how far the answer holds."""

    thresholds: list
    zones: list
    zone_notes: dict
    impact: object
    probit: ProbitCoefficients | None
    probits: list
    endpoint2: str
    level: str
    rule: str
    validity: str
    validity_zh: str


def run_leak_scenario(scenario: LeakScenario, *, base_dir: Path, out_dir: Path, command_line="",
                      where: str = "scenario") -> LeakPlanView:
    """Run ``scenario`` and write its outputs into ``out_dir``; return the plan's typed view (``impacts.json`` holds
    its :meth:`~viz.views.LeakPlanView.to_dict`).

    The steps: the inputs (park, source, weather, source term, model: :func:`_leak_inputs`), the receptors, the
    memory check and the dispersion (:func:`_leak_dispersion`), zones, impacts and the response level
    (:func:`_leak_assessment`), then the outputs (zones, the plan's view, impacts.json, leak.nc, pictures, manifest).
    """
    inputs = _leak_inputs(scenario, base_dir, out_dir, where)
    run = _leak_dispersion(scenario, inputs, where)
    assessment = _leak_assessment(scenario, inputs, run)

    out_dir.mkdir(parents=True, exist_ok=True)
    zones_path = write_zones_geojson(out_dir / "zones.geojson", assessment.zones, inputs.park.to_lonlat)
    view = _leak_plan_view(scenario, inputs, run, assessment)
    _write_leak_outputs(out_dir, zones_path, scenario, inputs, run, assessment, view, command_line)
    return view


def _leak_inputs(scenario: LeakScenario, base_dir: Path, out_dir: Path, where: str) -> _LeakInputs:
    """The park, the risk source and its chemical (the output folder checked writable), the weather, the airborne
    source term and the dispersion model."""
    park = load_park(base_dir / scenario.park)
    source, chemical = leak_source_and_chemical(scenario, park, where)
    check_writable(out_dir)

    # Meteorology (piecewise constant) and the air the thresholds are converted at.
    receptors_all = park.receptor_points()
    met, air_temperature, weather_text, weather_zh = leak_meteorology(scenario, park, source, receptors_all,
                                                                      base_dir, where)
    pressure = AMBIENT_PRESSURE

    term = release_term(scenario, source, chemical, met, air_temperature)
    release = PuffRelease(source.x, source.y, float(park.terrain.elevation_at(source.x, source.y)),
                          scenario.source_term.release_height, term.rate_times, term.rates)
    # The model: HJ 169-2018 G.2.1 (Richardson number of what leaves the hole, aerosol included) or forced.
    choice = choose_dispersion_model(term, chemical, forced=scenario.dispersion_model,
                                     wind_speed=float(met.wind_speed[0]), air_temperature=air_temperature,
                                     pressure=pressure)
    constant_weather = scenario.meteorology.preset is not None or choice.dense
    return _LeakInputs(park=park, source=source, chemical=chemical, receptors_all=receptors_all, met=met,
                       air_temperature=air_temperature, pressure=pressure, weather_text=weather_text,
                       weather_zh=weather_zh, term=term, release=release, choice=choice,
                       constant_weather=constant_weather)


def _leak_dispersion(scenario: LeakScenario, inputs: _LeakInputs, where: str) -> _LeakRun:
    """The receptors (refused up front when the outputs would not fit in memory) and the dispersion model's 60-min
    running means there; a NumericalStabilityError when any is not finite."""
    park, source, term, met, choice = inputs.park, inputs.source, inputs.term, inputs.met, inputs.choice
    # Receptors: a grid centred on the source, the sensitive receptors (their series are kept), then a transect
    # along and across the cloud's paths, fine enough for a zone of any width (zones.transect).
    gx, gy, receptors = leak_receptors(scenario, park, source, inputs.receptors_all)
    options = puff_options(scenario, park, source, parallel=True)
    n_grid = gx.size * gy.size
    n_receptors = receptors.x.size
    check_leak_memory(options, n_receptors, n_receptors - n_grid, where)
    paths = cloud_paths(met, source_x=source.x, source_y=source.y, release_start=float(term.rate_times[0]),
                        release_end=float(term.rate_times[-1]), simulation_end=options.duration,
                        grid_bearing=options.true_north_grid_bearing)
    line = transect(paths)
    receptors = _with_transect(receptors, line, park)
    series_index = np.arange(n_grid, n_receptors)
    result = disperse_leak(choice, term, inputs.chemical, release=inputs.release, receptors=receptors, met=met,
                           options=options, series_receptors=series_index,
                           air=leak_air(scenario, park, inputs.air_temperature, inputs.pressure),
                           hole=hole_area(scenario, source))
    means = result[f"max_mean_{int(AVERAGING_TIME)}s"].values
    if not np.all(np.isfinite(means)):  # NaN must never read as "below every threshold"
        raise NumericalStabilityError(
            f"{where}: the {AVERAGING_TIME / 60:g}-min mean concentration is not finite at "
            f"{int(np.sum(~np.isfinite(means)))} of {means.size} receptors ({choice.model}); no zone can be drawn")
    return _LeakRun(gx=gx, gy=gy, options=options, n_grid=n_grid, line=line, result=result,
                    field=means[:n_grid].reshape(gy.size, gx.size), along_line=means[n_receptors:])


def _leak_assessment(scenario: LeakScenario, inputs: _LeakInputs, run: _LeakRun) -> _LeakAssessment:
    """Threat zones of every threshold, the receptors' impacts and lethality probits, the response level and the
    validity text."""
    chemical, choice = inputs.chemical, inputs.choice
    thresholds = toxic_thresholds(chemical, inputs.air_temperature, inputs.pressure)
    if not thresholds:
        raise InputError.field(f"substance {chemical.key!r}", "thresholds", None,
                               "at least one HJ 169 endpoint or AEGL/ERPG value in twin/chemicals.csv")
    limit = CONSTANT_WEATHER_DISTANCE_LIMIT if inputs.constant_weather else None
    # The puff model follows the cloud for ``simulation_hours``; beyond where the cloud's tail (released last) is then,
    # the running means are still growing and a zone reaching there is a lower bound. SLAB's dense cloud is carried
    # to its end whatever the simulated time.
    complete_to = None if choice.dense else _tail_travel(inputs.met, inputs.source, inputs.term, run.options)
    zones, zone_notes = _zones(thresholds, run.gx, run.gy, run.field, run.line, run.along_line, inputs.source, limit,
                               complete_to)
    series = run.result["series"].values
    impact = receptor_impacts(series, scenario.sampling_step,
                              [Threshold(name, value, AVERAGING_TIME) for name, value in thresholds],
                              np.asarray(inputs.receptors_all.population), arrival_threshold=endpoint2_name(thresholds))
    probit = _probit_coefficients(chemical)
    probits = receptor_probits(series, scenario.sampling_step, probit)
    endpoint2 = endpoint2_name(thresholds)
    level, rule = _leak_response_level(thresholds, zones, impact, inputs.receptors_all, inputs.source)
    validity, validity_zh = _validity_text(inputs.constant_weather, choice, zones)
    if scenario.simulation_hours * 3600.0 < AVERAGING_TIME:
        validity, validity_zh = (sentence("validity.followed", language, window_min=AVERAGING_TIME / 60,
                                          asked_min=scenario.simulation_hours * 60) + text
                                 for text, language in ((validity, "en"), (validity_zh, "zh")))
    return _LeakAssessment(thresholds=thresholds, zones=zones, zone_notes=zone_notes, impact=impact, probit=probit,
                           probits=probits, endpoint2=endpoint2, level=level, rule=rule, validity=validity,
                           validity_zh=validity_zh)


def _leak_response_level(thresholds, zones, impact, receptors_all, source) -> tuple[str, str]:
    """:func:`response_level` of the run: endpoint-1/-2 reached at residential areas, schools or hospitals, or the
    endpoint-2 zone reaching beyond the farthest fence receptor."""
    endpoint1 = next((n for n, _ in thresholds if "endpoint-1" in n), None)
    endpoint2 = endpoint2_name(thresholds)
    people = people_mask(receptors_all.kinds)
    fence_mask = np.array([k == "fence" for k in receptors_all.kinds], dtype=bool)
    hit2 = impact.time_above[endpoint2] > 0
    hit1 = impact.time_above[endpoint1] > 0 if endpoint1 else np.zeros_like(hit2)
    beyond_fence = zones[[n for n, _ in thresholds].index(endpoint2)].farthest_distance > max(
        (math.hypot(receptors_all.x[i] - source.x, receptors_all.y[i] - source.y) for i in np.flatnonzero(fence_mask)),
        default=0.0)
    return response_level(bool(np.any(hit1 & people)), bool(np.any(hit2 & people)), beyond_fence)


def _plan_receptors(inputs: _LeakInputs, assessment: _LeakAssessment, start_local) -> list[PlanReceptor]:
    """The plan's rows of the park's receptors, the first reached first (then the highest peak)."""
    receptors_all, source = inputs.receptors_all, inputs.source
    thresholds, impact, probits, endpoint2 = (assessment.thresholds, assessment.impact, assessment.probits,
                                              assessment.endpoint2)
    rows = []
    for i, rid in enumerate(receptors_all.ids):
        arrival = impact.arrival_time[i]
        worst = _worst_reached(thresholds, impact, i)
        rows.append(PlanReceptor(
            id=rid, name=receptors_all.names[i], kind=receptors_all.kinds[i],
            kind_zh=RECEPTOR_KINDS_ZH.get(receptors_all.kinds[i], receptors_all.kinds[i]),
            population=int(receptors_all.population[i]),
            distance_m=round(math.hypot(receptors_all.x[i] - source.x, receptors_all.y[i] - source.y)),
            arrival=None if not np.isfinite(arrival) else
            (start_local + timedelta(seconds=float(arrival))).strftime("%H:%M"),
            arrival_minutes=None if not np.isfinite(arrival) else round(float(arrival) / 60.0),
            peak_mg_m3=round(float(impact.peak[endpoint2][i]) * 1e6, 3),
            minutes_above_endpoint2=round(float(impact.time_above[endpoint2][i]) / 60.0),
            level=worst, level_zh=threshold_name_zh(worst),
            action=protective_action(float(arrival), float(impact.time_above[endpoint2][i])),
            probit=_rounded(probits[i]["probit"], 2),
            probability_of_death=_rounded(probits[i]["probability_of_death"], 4),
        ))
    rows.sort(key=lambda r: (r.arrival_minutes is None, r.arrival_minutes or 0, -r.peak_mg_m3))
    return rows


def _plan_zones(assessment: _LeakAssessment, gx: np.ndarray, gy: np.ndarray) -> tuple[PlanZone, ...]:
    """The plan's rows of the threat zones."""
    notes = assessment.zone_notes
    return tuple(PlanZone(name=z.name, name_zh=threshold_name_zh(z.name), level_mg_m3=round(z.level, 3),
                          area_km2=round(z.area / 1e6, 3),
                          farthest_m=round(z.farthest_distance),
                          reaches_grid_edge=_touches_edge(z.polygon, gx, gy),
                          max_width_m=round(notes[z.name]["width"], 1),
                          from_transect=notes[z.name]["from_transect"],
                          limited_at_m=notes[z.name]["limited_at"],
                          note=notes[z.name]["note"], note_zh=notes[z.name]["note_zh"]) for z in assessment.zones)


def _leak_plan_view(scenario: LeakScenario, inputs: _LeakInputs, run: _LeakRun,
                    assessment: _LeakAssessment) -> LeakPlanView:
    """The plan's typed view: source term, zones, receptors, response level, model choice and validity."""
    park, source, chemical, term, choice = inputs.park, inputs.source, inputs.chemical, inputs.term, inputs.choice
    probit, thresholds, zones, level = assessment.probit, assessment.thresholds, assessment.zones, assessment.level
    start_local = scenario.start.astimezone(timezone(timedelta(hours=park.spec.utc_offset_hours)))
    rows = _plan_receptors(inputs, assessment, start_local)
    duration = float(term.rate_times[-1] - term.rate_times[0])
    return LeakPlanView(
        scenario=scenario.name, park=park.spec.name, language=scenario.language,
        substance=chemical.name_zh if scenario.language == "zh" else chemical.name_en,
        substance_key=chemical.key, cas=chemical.cas,
        risk_source=f"{source.name} ({source.id})", enterprise=source.enterprise,
        start=start_local.strftime("%Y-%m-%d %H:%M %z"), weather=inputs.weather_text, weather_zh=inputs.weather_zh,
        source_term=term.description, source_model=term.model, source_rule=term.rule,
        source_term_zh=term.description_zh, source_model_zh=SOURCE_MODELS_ZH[term.model],
        source_rule_zh=term.rule_zh,
        airborne_split_kg={name: round(value, 1) for name, value in term.split.items()},
        outflow_kg=round(term.outflow, 1), remaining_pool_kg=round(term.remaining_pool, 1),
        remaining_tank_kg=round(term.remaining_tank, 1),
        container_kind=source.kind,  # tank: "tank left" is liquid still in it; pipe: the inventory not released
        probit_source=probit.source if probit else NOT_AVAILABLE,
        probit_equation=_probit_equation(probit, "en") if probit else NOT_AVAILABLE,
        probit_source_zh=(chemical.source_probit_zh or chemical.source_probit) if probit else NOT_AVAILABLE,
        probit_equation_zh=_probit_equation(probit, "zh") if probit else NOT_AVAILABLE,
        released_kg=round(term.released, 1),
        release_minutes=round(duration / 60.0, 1), peak_rate_kg_s=round(float(term.rates.max()), 3),
        zones=_plan_zones(assessment, run.gx, run.gy),
        grid_extent_m=(float(run.gx[-1] - run.gx[0]), float(run.gy[-1] - run.gy[0])),
        receptors=tuple(rows), response_level=level, response_rule=assessment.rule,
        response_rules=tuple(RESPONSE_RULES),
        response_rule_zh=RESPONSE_RULES_ZH[level],
        response_rules_zh=tuple((lv, RESPONSE_RULES_ZH[lv]) for lv, _ in RESPONSE_RULES),
        evacuation_distance_m=round(zones[[n for n, _ in thresholds].index(assessment.endpoint2)].farthest_distance),
        dense_gas=choice.dense, dense_gas_message=choice.rule, dense_gas_message_zh=choice.rule_zh,
        dispersion_model=choice.model, dispersion_model_zh=MODEL_NAMES_ZH[choice.model],
        dispersion_model_en=MODEL_NAMES_EN[choice.model],
        dispersion_model_forced=choice.forced, richardson_number=round(choice.richardson_number, 4),
        richardson_threshold=round(choice.threshold, 4), release_kind=choice.release_kind,
        release_density_kg_m3=round(choice.release_density, 4),
        ambient_density_kg_m3=round(choice.ambient_density, 4),
        aerosol_fraction=round(choice.liquid_fraction, 4), buoyancy_flux_m4_s3=round(choice.buoyancy_flux, 4),
        dispersion_rule=choice.rule, dispersion_rule_zh=choice.rule_zh,
        validity=assessment.validity, validity_zh=assessment.validity_zh,
        shelter_rule_minutes=SHELTER_IF_ARRIVAL_WITHIN / 60.0,
        population_reached=assessment.impact.population_reached,
        averaging="60 min",
    )


def _write_leak_outputs(out_dir: Path, zones_path: Path, scenario: LeakScenario, inputs: _LeakInputs, run: _LeakRun,
                        assessment: _LeakAssessment, view: LeakPlanView, command_line) -> None:
    """impacts.json, leak.nc, the map, scene and plan, then the manifest (zones.geojson is already written)."""
    park = inputs.park
    write_text_atomic(out_dir / "impacts.json", json.dumps(view.to_dict(), ensure_ascii=False, indent=2) + "\n")
    _write_leak_netcdf(out_dir / "leak.nc", scenario, park, run.gx, run.gy, run.result, run.n_grid, inputs.chemical,
                       command_line, term=inputs.term, receptor_ids=list(inputs.receptors_all.ids),
                       probits=assessment.probits, choice=inputs.choice)
    _render(out_dir, scenario, park, run.gx, run.gy, run.field, assessment.zones, view, inputs.met)

    write_manifest(out_dir, scenario, {"zones": zones_path, "impacts": out_dir / "impacts.json",
                                       "netcdf": out_dir / "leak.nc", "map": out_dir / "map.png",
                                       "scene": out_dir / "scene.png", "scene_gltf": out_dir / "scene.glb",
                                       "plan": out_dir / "plan.html"})


def leak_meteorology(scenario: LeakScenario, park, source, receptors_all, base_dir: Path, where: str):
    """(PuffMet, air temperature [K], description, the description in Chinese) of the leak's weather: a preset of
    HJ 169-2018 §9 — the worst case (F, 1.5 m/s, 25 °C) or the most common conditions of a year of local weather —
    blowing towards the nearest residential area, school or hospital unless a direction is given; or the prepared
    hourly weather (piecewise constant per hour)."""
    spec = scenario.meteorology
    if spec.preset is not None:
        direction = spec.wind_from_direction
        if spec.preset == "hj169_worst":
            speed, stability, temperature = (HJ169_WORST["wind_speed"], HJ169_WORST["stability"],
                                             HJ169_WORST["air_temperature"])
            mixing_height = 1e30
            text, text_zh = term("weather.hj169_worst", "en"), term("weather.hj169_worst", "zh")
        else:
            climate = load_weather(spec.climatology, base_dir, park,
                                    f"{where}: meteorology.climatology")
            common = most_common_conditions(climate, utc_offset_hours=park.spec.utc_offset_hours,
                                            where=f"{where}: meteorology.climatology")
            speed, stability, temperature = common.wind_speed, common.stability, common.air_temperature
            mixing_height = common.mixing_height
            if direction == "most_frequent":
                direction = common.wind_from_direction
            path = spec.climatology.path
            text, text_zh = (sentence("weather.most_common", language, hours=common.hours, conditions=conditions,
                                      mixing_height=mixing_height,
                                      source=sentence("weather.most_common.file", language, path=path) if path
                                      else term("weather.most_common.synthetic", language))
                             for language, conditions in (("en", common.describe()), ("zh", common.describe_zh())))
        if direction is None:  # the most unfavourable direction: towards the nearest residential area/school/hospital
            people = [i for i, kind in enumerate(receptors_all.kinds) if kind in PEOPLE_KINDS]
            if not people:
                raise no_people_to_aim_at(where)
            distances = [math.hypot(receptors_all.x[i] - source.x, receptors_all.y[i] - source.y) for i in people]
            target = people[int(np.argmin(distances))]
            bearing = math.degrees(math.atan2(receptors_all.x[target] - source.x, receptors_all.y[target] - source.y))
            direction = (bearing + 180.0) % 360.0
        met = PuffMet(times=np.array([0.0]), wind_speed=np.array([speed]),
                      wind_from_direction=np.array([float(direction)]), stability=np.array([stability]),
                      mixing_height=np.array([mixing_height]))
        return met, temperature, *(sentence("weather.wind_from", language, text=words, direction=direction)
                                   for words, language in ((text, "en"), (text_zh, "zh")))

    spec = spec.weather
    prepared = load_weather(spec, base_dir, park, where)
    met = _release_met(prepared, scenario, f"{where}: meteorology.weather", coverage_error(spec))
    methods = {"en": spec.stability_method,
               "zh": _STABILITY_METHODS_ZH.get(spec.stability_method, spec.stability_method)}
    weather_text, weather_zh = (
        sentence("weather.typhoon", language, start=spec.start.isoformat()) if spec.source == "typhoon" else
        sentence("weather.hourly", language, method=methods[language],
                 source=sentence("weather.hourly.file", language, path=spec.path) if spec.path
                 else term("weather.hourly.synthetic", language))
        for language in ("en", "zh"))
    return met, float(prepared["air_temperature"].values[0]), weather_text, weather_zh

def _release_met(prepared, scenario: LeakScenario, where: str, error=MeteoCoverageError) -> PuffMet:
    """The hourly weather from the hour holding the release's start, timed in seconds after that start (hour k
    holds [t_k, t_k + 1 h)). The weather must cover the release's start and the whole followed time
    (:func:`followed_seconds`): a gap raises ``error`` (:func:`scenarios.common.weather.coverage_error`: exit 65
    for a weather file, 75 for a forecast), never weather stretched over hours it does not describe."""
    times = prepared["time"].values.astype("datetime64[ns]")
    start = utc64(scenario.start)
    end = start + np.timedelta64(int(round(followed_seconds(scenario))), "s")
    hour = np.timedelta64(3600, "s")
    first = int(np.searchsorted(times, start, side="right")) - 1
    if first < 0 or times[first] + hour <= start:
        raise error(f"{where}: the weather ({_iso(times[0])} to {_iso(times[-1] + hour)} UTC) does not "
                                 f"cover the release's start {scenario.start.isoformat()}; give weather from the "
                                 f"release's hour on")
    if times[-1] + hour < end or np.any(np.diff(times[first:]) != hour):
        raise error(f"{where}: the weather ({_iso(times[first])} to {_iso(times[-1] + hour)} UTC) does "
                                 f"not cover the {followed_seconds(scenario) / 3600:g} h the cloud is followed after "
                                 f"the release's start {scenario.start.isoformat()} in consecutive hours; give "
                                 f"weather to {_iso(end)} UTC or shorten simulation_hours")
    met = puff_met(prepared.isel(time=slice(first, None)))
    seconds = met.times - (start - times[first]) / np.timedelta64(1, "s")
    seconds[0] = 0.0  # the release's hour holds from the release's start
    return dataclasses.replace(met, times=seconds)


def _iso(moment: np.datetime64) -> str:
    return str(np.datetime_as_string(moment, unit="m"))


def leak_receptors(scenario: LeakScenario, park, source, receptors_all):
    """(gx [m], gy [m], ReceptorSet): the grid centred on ``grid.centre`` when the scenario gives one, else on the
    source (row-major, y then x; nodes on multiples of the spacing), then the park's receptors, all at breathing
    height 1.5 m above the ground."""
    spacing = scenario.grid.spacing
    cx, cy = scenario.grid.centre if scenario.grid.centre is not None else (source.x, source.y)
    nx = int(scenario.grid.size[0] // spacing) + 1
    ny = int(scenario.grid.size[1] // spacing) + 1
    gx = np.round(cx / spacing) * spacing + spacing * (np.arange(nx) - (nx - 1) // 2)
    gy = np.round(cy / spacing) * spacing + spacing * (np.arange(ny) - (ny - 1) // 2)
    mx, my = np.meshgrid(gx, gy)
    rx = np.concatenate([mx.ravel(), receptors_all.x])
    ry = np.concatenate([my.ravel(), receptors_all.y])
    receptors = ReceptorSet(x=rx, y=ry, height=np.full(rx.size, 1.5),  # breathing height [m]
                            ground_elevation=np.asarray(park.terrain.elevation_at(rx, ry, clamp=True)))
    return gx, gy, receptors


def check_leak_memory(options: PuffOptions, n_receptors: int, n_series: int, where: str) -> None:
    """Refuse up front (exit 65) a leak whose kernel outputs would not fit in memory: a snapshot row per output time
    and the peak, dose and window maxima for every receptor, a series per sampling step for the sensitive ones
    (``dispersion.puff``'s Outputs, float64)."""
    steps = math.ceil(options.duration / options.sampling_step)
    per_receptor = len(options.output_times) + 2 + len(options.averaging_windows)
    check_memory(8.0 * (n_receptors * per_receptor + n_series * steps),
                 f"{n_receptors:,} receptors × {len(options.output_times):,} snapshots and {n_series:,} series × "
                 f"{steps:,} sampling steps", f"{where}: grid, output_step, sampling_step, simulation_hours",
                 "use a coarser grid, a longer output_step or sampling_step, or a shorter simulation")


def followed_seconds(scenario: LeakScenario) -> float:
    """How long [s] the cloud is followed: ``simulation_hours``, raised to the thresholds' averaging window (60 min)
    when shorter — a running mean over a window longer than the simulation does not exist, and a shorter simulation
    would show no zone at all while the cloud is still there."""
    return max(scenario.simulation_hours * 3600.0, AVERAGING_TIME)


def puff_options(scenario: LeakScenario, park, source, *, parallel: bool, output_times: bool = True):
    """PuffOptions of the leak: 60-min running means, snapshots every output_step (unless ``output_times`` is
    False), Numba threads only when ``parallel`` (never inside an ensemble's Dask threads). The cloud is followed for
    ``simulation_hours`` but never less than the averaging window (:func:`followed_seconds`)."""
    steps = int(math.ceil(followed_seconds(scenario) / scenario.sampling_step - 1e-9))
    snapshots = tuple(scenario.output_step * np.arange(1, int(steps * scenario.sampling_step
                                                              // scenario.output_step) + 1))
    return PuffOptions(
        sigma_model=scenario.sigma or f"briggs_{park.spec.land_use}", puff_interval=scenario.puff_interval,
        sampling_step=scenario.sampling_step, duration=steps * scenario.sampling_step,
        averaging_windows=(AVERAGING_TIME,), output_times=snapshots if output_times else (),
        true_north_grid_bearing=true_north_grid_bearing(park, source.x, source.y), parallel=parallel)


def summary_text(view: LeakPlanView) -> str:
    """A few lines for the terminal and the morning shift: level, zones, first receptors reached."""
    lines = [f"ParkTwin leak — {view.scenario} — {view.park}",
             f"{view.risk_source}: {view.substance}, {view.released_kg} kg in {view.release_minutes} min "
             f"({view.source_term})",
             "Airborne split: " + ", ".join(f"{name} {value} kg" for name, value in view.airborne_split_kg.items())
             + f" (model {view.source_model}; outflow {view.outflow_kg} kg, pool left "
               f"{view.remaining_pool_kg} kg, "
               + (f"not released (line isolated) {view.remaining_tank_kg} kg)" if view.container_kind == "pipe"
                  else f"tank left {view.remaining_tank_kg} kg)"),
             f"Weather: {view.weather}",
             f"Response level {view.response_level}: {view.response_rule}",
             f"Evacuation distance (endpoint-2): {view.evacuation_distance_m} m"]
    lines += [f"  {z.name:<20s} {z.level_mg_m3:>10} mg/m3  area {z.area_km2} km2  farthest {z.farthest_m} m"
              + ("  (reaches the grid edge: enlarge grid.size)" if z.reaches_grid_edge else "")
              for z in view.zones]
    reached = [r for r in view.receptors if r.arrival]
    lines.append(f"Receptors reached by endpoint-2: {len(reached)}")
    lines += [f"  {r.name} ({r.kind}): arrival {r.arrival}, peak {r.peak_mg_m3} mg/m3, {r.action}, "
              f"probability of death {r.probability_of_death}" for r in reached[:10]]
    lines.append(f"Model: {view.dispersion_model_en} — {view.dispersion_rule}")
    lines.append(f"Validity: {view.validity}")
    return "\n".join(lines)


def _probit_coefficients(chemical) -> ProbitCoefficients | None:
    """The lethality probit constants of twin/chemicals.csv, or None when the table has none for the substance."""
    values = (chemical.probit_a, chemical.probit_b, chemical.probit_n)
    if any(value is None for value in values):
        return None
    return ProbitCoefficients(*values, source=chemical.source_probit)


def _probit_equation(probit: ProbitCoefficients, language: str) -> str:
    """The probit equation with the substance's constants, in ``language`` ('en' or 'zh')."""
    return sentence("probit.equation", language, a=probit.a, b=probit.b, n=probit.n)


def _rounded(value, digits: int):
    """Round numbers for the view; keep None and the 'not available' marker as they are."""
    return round(value, digits) if isinstance(value, float) else value


def _worst_reached(thresholds, impact, index: int) -> str:
    """The most severe HJ 169 endpoint reached at receptor ``index`` (endpoint-1 before endpoint-2), or '—'."""
    for name in sorted((n for n, _ in thresholds if "endpoint" in n)):  # "endpoint-1" sorts before "endpoint-2"
        if impact.time_above[name][index] > 0:
            return name
    return "—"


def _touches_edge(polygon, gx: np.ndarray, gy: np.ndarray) -> bool:
    """True when the zone reaches the border of the modelled grid: it extends further than the grid shows."""
    if polygon.is_empty:
        return False
    xmin, ymin, xmax, ymax = polygon.bounds
    tolerance = 0.5 * float(gx[1] - gx[0])
    return bool(xmin <= gx[0] + tolerance or xmax >= gx[-1] - tolerance or ymin <= gy[0] + tolerance
                or ymax >= gy[-1] - tolerance)


def endpoint2_name(thresholds) -> str:
    names = [n for n, _ in thresholds]
    return next((n for n in names if "endpoint-2" in n), next((n for n in names if "AEGL-2" in n), names[0]))


_STABILITY_METHODS_ZH = terms("stability_method", "zh")



def _with_transect(receptors, line, park):
    """``receptors`` with the transect's points appended (breathing height 1.5 m)."""
    x = np.concatenate([receptors.x, line.x])
    y = np.concatenate([receptors.y, line.y])
    ground = np.asarray(park.terrain.elevation_at(line.x, line.y, clamp=True)) if line.x.size else np.zeros(0)
    return ReceptorSet(x=x, y=y, height=np.full(x.size, 1.5),
                       ground_elevation=np.concatenate([receptors.ground_elevation, ground]))


def _tail_travel(met, source, term, options) -> float:
    """How far [m] along its track the cloud's tail — the part released last — has gone when the simulation ends."""
    end = float(term.rate_times[-1])
    tracks = cloud_paths(met, source_x=source.x, source_y=source.y, release_start=end, release_end=end,
                         simulation_end=options.duration, grid_bearing=options.true_north_grid_bearing)
    return float(np.hypot(*np.diff(tracks[0], axis=0).T).sum()) if tracks else 0.0


def _zones(thresholds, gx, gy, field, line, along_line, source, limit, complete_to=None):
    """ThreatZones (level in mg/m³) and, per zone name, how it was measured: the map grid's contour for the shape,
    the transect (zones.transect) for the distance, width and — where the zone is narrower than two cells — the area;
    stopped at ``limit`` [m] from the source under constant weather (None: not stopped). A zone reaching beyond
    ``complete_to`` [m] (where the cloud's tail is when the simulation ends; None: the model carries the cloud to its
    end) is a lower bound, and its note says so."""
    spacing = float(gx[1] - gx[0])
    zones, notes = [], {}
    for name, value in thresholds:
        polygon = threat_zone(gx, gy, field, value)
        extent = transect_extent(line, along_line, value, source.x, source.y)
        grid_distance = farthest_distance(polygon, source.x, source.y)
        distance = max(grid_distance, extent.farthest_distance)
        narrow = extent.width < 2.0 * spacing and extent.farthest_distance > 0
        area = extent.area if (narrow or polygon.is_empty) and extent.area > 0 else polygon.area
        from_transect = distance > grid_distance + 0.5 * spacing or (narrow and extent.area > polygon.area)
        note = note_zh = ""
        if from_transect:
            note, note_zh = (sentence("zone_note.narrow", language, spacing=spacing, width=extent.width)
                             for language in ("en", "zh"))
        limited_at = None
        open_ended = complete_to is not None and distance > complete_to + 0.5 * spacing
        if limit is not None and distance > limit:
            polygon = limit_to_distance(polygon, source.x, source.y, limit)
            area = min(area, polygon.area) if not polygon.is_empty else area * limit / distance
            limited_at = limit
            note, note_zh = ((text + term("separator.clause", language) if text else "")
                             + (sentence("zone_note.limited_open", language, limit_km=limit / 1000,
                                         distance_km=distance / 1000, tail_km=complete_to / 1000) if open_ended
                                else sentence("zone_note.limited", language, limit_km=limit / 1000,
                                              distance_km=distance / 1000))
                             for text, language in ((note, "en"), (note_zh, "zh")))
            distance = limit
        elif open_ended:
            note, note_zh = ((text + term("separator.clause", language) if text else "")
                             + sentence("zone_note.open_ended", language, distance_km=distance / 1000,
                                        tail_km=complete_to / 1000)
                             for text, language in ((note, "en"), (note_zh, "zh")))
        zones.append(ThreatZone(name, value * 1e6, "mg/m3", polygon, area, distance))
        notes[name] = {"width": extent.width, "from_transect": bool(from_transect), "limited_at": limited_at,
                       "note": note, "note_zh": note_zh}
    return zones, notes


def _validity_text(constant_weather: bool, choice, zones) -> tuple[str, str]:
    """How far and how long the answer holds, in English and Chinese (wording: viz.wording 'validity.*')."""
    if not constant_weather:
        return term("validity.hourly", "en"), term("validity.hourly", "zh")
    limit_km = CONSTANT_WEATHER_DISTANCE_LIMIT / 1000
    stopped = [z.name for z in zones if z.farthest_distance >= CONSTANT_WEATHER_DISTANCE_LIMIT]
    texts = []
    for language, names in (("en", stopped), ("zh", [threshold_name_zh(n) for n in stopped])):
        model = term("validity.dense_gas_weather" if choice.dense else "validity.preset_weather", language)
        text = sentence("validity.constant", language, model=model, limit_km=limit_km)
        if names:
            text += sentence("validity.stopped", language, names=term("separator.list", language).join(names))
        texts.append(text)
    return texts[0], texts[1]


def _write_leak_netcdf(path, scenario, park, gx, gy, result, n_grid, chemical, command_line, *, term,
                       receptor_ids, probits, choice) -> None:

    shape = (gy.size, gx.size)
    units = "mg m-3"  # emergency products: thresholds are in mg/m3 (HJ 169 Appendix H)
    name = f"concentration of {chemical.name_en.lower()} in air (CAS {chemical.cas})"
    snapshots = result["snapshot"].values[:, :n_grid].reshape(-1, *shape) * 1e6  # kg m-3 -> mg m-3
    start = np.datetime64(scenario.start.astimezone(timezone.utc).replace(tzinfo=None), "ns")
    times = start + (result["output_time"].values * 1e9).astype("timedelta64[ns]")

    dataset = xr.Dataset(
        {
            "concentration": (("time", "y", "x"), snapshots.astype(np.float32),
                              {"long_name": f"instantaneous {name}", "units": units, "grid_mapping": "crs"}),
            "max_mean_60min": (("y", "x"), (result["max_mean_3600s"].values[:n_grid].reshape(shape) * 1e6)
                               .astype(np.float32),
                               {"long_name": f"maximum 60-minute running mean {name}", "units": units,
                                "grid_mapping": "crs"}),
            "dose": (("y", "x"), (result["dose"].values[:n_grid].reshape(shape) * 1e6).astype(np.float32),
                     {"long_name": f"time-integrated {name}", "units": "mg s m-3", "grid_mapping": "crs"}),
            "crs": grid_mapping_variable(park.spec.epsg, dtype=np.int64),
            "airborne_release_rate": (("release_step",), term.rates.astype(np.float64),
                                      {"long_name": f"airborne release rate of {chemical.name_en.lower()} (source "
                                                    f"model {term.model})", "units": "kg s-1",
                                       "coverage_content_type": "modelResult",
                                       "source_term_model": term.model, "source_term": term.description,
                                       "source_term_rule": term.rule,
                                       **{f"airborne_{name}_kg": value for name, value in term.split.items()},
                                       "outflow_kg": term.outflow, "remaining_pool_kg": term.remaining_pool,
                                       "remaining_tank_kg": term.remaining_tank,
                                       # The HJ 169-2018 G.2.1 model choice (scenarios.leak.dispersion).
                                       "dispersion_model": choice.model,
                                       "dispersion_model_forced": int(choice.forced),
                                       "richardson_number": choice.richardson_number,
                                       "richardson_threshold": choice.threshold,
                                       "release_kind": choice.release_kind,
                                       "release_density_kg_m3": choice.release_density,
                                       "aerosol_fraction": choice.liquid_fraction,
                                       "dispersion_rule": choice.rule}),
            "release_step_start": (("release_step",), term.rate_times[:-1].astype(np.float64),
                                   {"long_name": "start of the release step after the release began", "units": "s",
                                    "coverage_content_type": "coordinate"}),
            "probit": (("receptor",), np.array([_nan_if_missing(p["probit"]) for p in probits], dtype=np.float64),
                       {"long_name": "lethality probit Y = a + b ln(sum C^n dt), C in mg m-3, dt in min",
                        "units": "1", "comment": "NaN: no exposure, or no probit constants for the substance",
                        "coverage_content_type": "modelResult",
                        "probit_source": chemical.source_probit}),
            "probability_of_death": (("receptor",), np.array([_nan_if_missing(p["probability_of_death"])
                                                              for p in probits], dtype=np.float64),
                                     {"long_name": "probability of death P = Phi(Y - 5) at the receptor",
                                      "units": "1", "comment": "NaN: no probit constants for the substance",
                                      "coverage_content_type": "modelResult"}),
        },
        coords={"time": time_coord(times, long_name=None, axis=False, units_metadata=False),
                **projected_xy_coords(gx, gy, park.spec.epsg),
                "receptor_id": (("receptor",), np.array(receptor_ids, dtype=str),
                                {"long_name": "sensitive receptor id (park.yaml)"})},
    )
    write_netcdf(dataset, path, Provenance(scenario_config=canonical_json(scenario), command_line=command_line),
                 title=f"ParkTwin toxic leak: {scenario.name}",
                 summary=(f"{'Dense-gas (SLAB equations)' if choice.dense else 'Gaussian-puff'} concentrations of "
                          f"{chemical.name_en} released from {scenario.risk_source}. {choice.rule}"),
                 keywords=["toxic release", "emergency planning", "dense gas" if choice.dense else "Gaussian puff",
                           "chemical industrial park"])


def _nan_if_missing(value) -> float:
    return float(value) if isinstance(value, float) else float("nan")


def _render(out_dir, scenario, park, gx, gy, field, zones, view, met) -> None:
    levels = []
    for level in sorted(z.level for z in zones):  # one colour band per distinct threshold (58 and 57.96 are one)
        if not levels or level > levels[-1] * 1.02:
            levels.append(level)
    levels = np.array(levels)
    layer = FieldLayer(x=gx, y=gy, values=field * 1e6, units="mg/m³", levels=levels,
                       title=f"{view.substance}: 最大 60 分钟平均浓度 maximum 60-min mean")
    wind = float(met.wind_from_direction[0]) if met.wind_from_direction.size == 1 else None
    mview = map_view(park, layer, title=f"{park.spec.name} — {scenario.name}", wind_from_direction=wind,
                     wind_speed=float(met.wind_speed[0]) if wind is not None else None,
                     notes=(f"威胁区 threat zones: {', '.join(z.name for z in zones)}",))
    render_map(mview, out_dir / "map.png")
    render_scene(mview, out_dir / "scene.png")
    export_scene_gltf(mview, out_dir / "scene.glb")
    render_plan(view, out_dir / "plan.html", map_png=out_dir / "map.png", scene_png=out_dir / "scene.png")


def run_leak(scenario: LeakScenario, *, base_dir: Path, out_dir: Path, command_line: list[str] | str = "",
             where: str = "scenario") -> RunResult:
    """The registry's runner of ``kind: leak``: :func:`run_leak_scenario`, its files and its printed summary."""
    view = run_leak_scenario(scenario, base_dir=base_dir, out_dir=out_dir, command_line=command_line, where=where)
    return RunResult(out_dir=out_dir, paths={"plan": out_dir / "plan.html", "zones": out_dir / "zones.geojson",
                                             "netcdf": out_dir / "leak.nc", "impacts": out_dir / "impacts.json"},
                     summary_text=summary_text(view))
