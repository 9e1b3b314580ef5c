"""Run a toxic-leak scenario: source term → puffs → threat zones, receptor impacts, response level, plan draft.

:func:`run_leak_scenario` takes the steps in order: the inputs (:func:`scenarios.leak.inputs.leak_inputs`: park,
risk source, weather, source term, dispersion model), the dispersion at the receptors (:func:`_leak_dispersion`),
the threat assessment (:func:`_leak_assessment`, from the functions of :mod:`scenarios.leak.assessment`) and the
outputs (:mod:`scenarios.leak.outputs`, then the manifest). :func:`run_leak` is the registry's runner of
``kind: leak``.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path

import numpy as np
import xarray as xr

from dispersion.puff import PuffOptions
from scenarios.common.impact import Threshold, receptor_impacts, receptor_probits
from scenarios.common.results import RunResult, write_manifest
from scenarios.common.zones import transect, write_zones_geojson
from scenarios.leak.assessment import (
    AVERAGING_TIME,
    LeakAssessment,
    endpoint2_name,
    leak_response_level,
    leak_threat_zones,
    probit_coefficients,
    tail_travel,
    toxic_thresholds,
    validity_text,
)
from scenarios.leak.dispersion import CONSTANT_WEATHER_DISTANCE_LIMIT, cloud_paths, disperse_leak, hole_area, leak_air
from scenarios.leak.inputs import (
    LeakInputs,
    check_leak_memory,
    leak_inputs,
    leak_receptors,
    puff_options,
    with_transect,
)
from scenarios.leak.outputs import leak_plan_view, render_leak, summary_text, write_leak_netcdf
from scenarios.leak.spec import LeakScenario
from scenarios.leak.threat_map import chosen_zone_names
from twin.atomic import write_text_atomic
from twin.chemicals import STANDARD_PRESSURE, STANDARD_TEMPERATURE
from twin.errors import InputError, NumericalStabilityError
from viz.views import LeakPlanView
from viz.wording import sentence

__all__ = ["run_leak_scenario", "run_leak"]

log = logging.getLogger("parktwin")


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


def run_leak_scenario(scenario: LeakScenario, *, base_dir: Path, out_dir: Path, command_line="",
                      where: str = "scenario") -> LeakPlanView:
    """Run ``scenario`` and write its outputs into ``out_dir``; return the plan's typed view (``impacts.json`` holds
    its :meth:`~viz.views.LeakPlanView.to_dict`).

    The steps: the inputs (park, source, weather, source term, model: :func:`leak_inputs`), the receptors, the
    memory check and the dispersion (:func:`_leak_dispersion`), zones, impacts and the response level
    (:func:`_leak_assessment`), then the outputs (zones, the plan's view, impacts.json, leak.nc, pictures, manifest).
    """
    inputs = leak_inputs(scenario, base_dir, out_dir, where)
    # The map's zone family must exist for the substance: refused before the dispersion, not after it.
    standard = toxic_thresholds(inputs.chemical, STANDARD_TEMPERATURE, STANDARD_PRESSURE)
    chosen_zone_names(scenario.threat_zones, [name for name, _ in standard], where)
    run = _leak_dispersion(scenario, inputs, where)
    assessment = _leak_assessment(scenario, inputs, run)

    out_dir.mkdir(parents=True, exist_ok=True)
    zones_path = write_zones_geojson(out_dir / "zones.geojson", assessment.zones, inputs.park.to_lonlat)
    view = leak_plan_view(scenario, inputs, assessment, run.gx, run.gy)
    _write_leak_outputs(out_dir, zones_path, scenario, inputs, run, assessment, view, command_line)
    return view


def _leak_dispersion(scenario: LeakScenario, inputs: LeakInputs, where: str) -> _LeakRun:
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
    receptors = with_transect(receptors, line, park)
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


def _leak_assessment(scenario: LeakScenario, inputs: LeakInputs, run: _LeakRun) -> LeakAssessment:
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
    complete_to = None if choice.dense else tail_travel(inputs.met, inputs.source, inputs.term, run.options)
    zones, zone_notes = leak_threat_zones(thresholds, run.gx, run.gy, run.field, run.line, run.along_line,
                                          inputs.source, limit, complete_to)
    series = run.result["series"].values
    impact = receptor_impacts(series, scenario.sampling_step,
                              [Threshold(name, value, AVERAGING_TIME) for name, value in thresholds],
                              np.asarray(inputs.receptors_all.population), arrival_threshold=endpoint2_name(thresholds))
    probit = probit_coefficients(chemical)
    probits = receptor_probits(series, scenario.sampling_step, probit)
    endpoint2 = endpoint2_name(thresholds)
    level, rule = leak_response_level(thresholds, zones, impact, inputs.receptors_all, inputs.source)
    validity, validity_zh = validity_text(inputs.constant_weather, choice, zones)
    if scenario.simulation_hours * 3600.0 < AVERAGING_TIME:
        validity, validity_zh = (sentence("validity.followed", language, window_min=AVERAGING_TIME / 60,
                                          asked_min=scenario.simulation_hours * 60) + text
                                 for text, language in ((validity, "en"), (validity_zh, "zh")))
    return LeakAssessment(thresholds=thresholds, zones=zones, zone_notes=zone_notes, impact=impact, probit=probit,
                          probits=probits, endpoint2=endpoint2, level=level, rule=rule, validity=validity,
                          validity_zh=validity_zh)


def _write_leak_outputs(out_dir: Path, zones_path: Path, scenario: LeakScenario, inputs: LeakInputs, run: _LeakRun,
                        assessment: LeakAssessment, view: LeakPlanView, command_line) -> None:
    """impacts.json, leak.nc, the map, scene and plan, then the manifest (zones.geojson is already written)."""
    park = inputs.park
    write_text_atomic(out_dir / "impacts.json", json.dumps(view.to_dict(), ensure_ascii=False, indent=2) + "\n")
    write_leak_netcdf(out_dir / "leak.nc", scenario, park, run.gx, run.gy, run.result, run.n_grid, inputs.chemical,
                      command_line, term=inputs.term, receptor_ids=list(inputs.receptors_all.ids),
                      probits=assessment.probits, choice=inputs.choice)
    render_leak(out_dir, scenario, park, run.gx, run.gy, run.field, assessment.zones, view, inputs.met,
                chemical=inputs.chemical, source=inputs.source)

    write_manifest(out_dir, scenario, {"zones": zones_path, "impacts": out_dir / "impacts.json",
                                       "netcdf": out_dir / "leak.nc", "map": out_dir / "map.png",
                                       "scene": out_dir / "scene.png", "scene_gltf": out_dir / "scene.glb",
                                       "plan": out_dir / "plan.html"})


def run_leak(scenario: LeakScenario, *, base_dir: Path, out_dir: Path, command_line: list[str] | str = "",
             where: str = "scenario") -> RunResult:
    """The registry's runner of ``kind: leak``: :func:`run_leak_scenario`, its files and its printed summary."""
    view = run_leak_scenario(scenario, base_dir=base_dir, out_dir=out_dir, command_line=command_line, where=where)
    return RunResult(out_dir=out_dir, paths={"plan": out_dir / "plan.html", "zones": out_dir / "zones.geojson",
                                             "netcdf": out_dir / "leak.nc", "impacts": out_dir / "impacts.json"},
                     summary_text=summary_text(view))
