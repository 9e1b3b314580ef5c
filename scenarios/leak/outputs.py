"""What a toxic leak's run hands over: the emergency plan's typed view, leak.nc, the map, 3D scene and plan draft,
and the summary for the terminal.

:func:`leak_plan_view` fills :class:`viz.views.LeakPlanView` from the run's inputs (:mod:`scenarios.leak.inputs`)
and assessment (:mod:`scenarios.leak.assessment`); :func:`write_leak_netcdf` writes the concentrations, doses,
source term and probits as CF-1.11 NetCDF; :func:`render_leak` draws the map, the scene (PNG and glTF) and the plan
draft; :func:`summary_text` gives the few lines printed at the end of a run.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

import numpy as np
import xarray as xr

from scenarios.common.impact import NOT_AVAILABLE, ProbitCoefficients
from scenarios.common.spec import canonical_json
from scenarios.common.times import local_text
from scenarios.common.views import map_view
from scenarios.leak.assessment import (
    RESPONSE_RULES,
    RESPONSE_RULES_ZH,
    SHELTER_IF_ARRIVAL_WITHIN,
    LeakAssessment,
    protective_action,
    threshold_name_zh,
    worst_reached,
)
from scenarios.leak.dispersion import MODEL_NAMES_EN, MODEL_NAMES_ZH
from scenarios.leak.inputs import LeakInputs
from scenarios.leak.source import SOURCE_MODELS_ZH
from scenarios.leak.spec import LeakScenario
from scenarios.leak.threat_map import ZONE_FAMILIES, chosen_zone_names, threat_map_view
from twin.chemicals import ppm_at_25c
from twin.schema import grid_mapping_variable, projected_xy_coords, time_coord
from twin.store import Provenance, write_netcdf
from viz import FieldLayer, render_map, render_scene
from viz.gltf import export_scene_gltf
from viz.plan import render_plan
from viz.views import LeakPlanView, PlanReceptor, PlanZone
from viz.wording import sentence, terms

__all__ = ["RECEPTOR_KINDS_ZH", "leak_plan_view", "summary_text", "write_leak_netcdf", "render_leak"]

# The Chinese plan's words for park.yaml's receptor kinds (the wording catalogue, viz.wording).
RECEPTOR_KINDS_ZH = terms("receptor_kind", "zh")


def leak_plan_view(scenario: LeakScenario, inputs: LeakInputs, assessment: LeakAssessment, gx: np.ndarray,
                   gy: np.ndarray) -> LeakPlanView:
    """The plan's typed view: source term, zones, receptors, response level, model choice and validity; ``gx``, ``gy``
    [m] are the receptor grid's nodes."""
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
        start=local_text(scenario.start, park.spec.utc_offset_hours), weather=inputs.weather_text, weather_zh=inputs.weather_zh,
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
        zones=_plan_zones(assessment, gx, gy, chemical.molar_mass),
        grid_extent_m=(float(gx[-1] - gx[0]), float(gy[-1] - gy[0])),
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


def _plan_receptors(inputs: LeakInputs, assessment: LeakAssessment, start_local) -> list[PlanReceptor]:
    """The plan's rows of the park's receptors, the first reached first (then the highest peak)."""
    receptors_all, source = inputs.receptors_all, inputs.source
    thresholds, impact, probits, endpoint2 = (assessment.thresholds, assessment.impact, assessment.probits,
                                              assessment.endpoint2)
    rows = []
    for i, rid in enumerate(receptors_all.ids):
        arrival = impact.arrival_time[i]
        worst = worst_reached(thresholds, impact, i)
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


def _plan_zones(assessment: LeakAssessment, gx: np.ndarray, gy: np.ndarray,
                molar_mass: float | None) -> tuple[PlanZone, ...]:
    """The plan's rows of the threat zones, each level in mg/m³ and in ppm at 25 °C (planners read AEGL and ERPG
    in ppm)."""
    notes = assessment.zone_notes

    def ppm(level: float) -> float | None:
        return float(f"{float(ppm_at_25c(level, molar_mass)):.3g}") if molar_mass else None

    return tuple(PlanZone(name=z.name, name_zh=threshold_name_zh(z.name), level_mg_m3=round(z.level, 3),
                          area_km2=round(z.area / 1e6, 3),
                          farthest_m=round(z.farthest_distance),
                          reaches_grid_edge=_touches_edge(z.polygon, gx, gy),
                          max_width_m=round(notes[z.name]["width"], 1),
                          from_transect=notes[z.name]["from_transect"],
                          limited_at_m=notes[z.name]["limited_at"],
                          note=notes[z.name]["note"], note_zh=notes[z.name]["note_zh"], level_ppm=ppm(z.level))
                 for z in assessment.zones)


def _probit_equation(probit: ProbitCoefficients, language: str) -> str:
    """The probit equation with the substance's constants, in ``language`` ('en' or 'zh')."""
    return sentence("probit.equation", language, a=probit.a, b=probit.b, n=probit.n)


def _rounded(value, digits: int):
    """Round numbers for the view; keep None and the 'not available' marker as they are."""
    return round(value, digits) if isinstance(value, float) else value


def _touches_edge(polygon, gx: np.ndarray, gy: np.ndarray) -> bool:
    """True when the zone reaches the border of the modelled grid: it extends further than the grid shows."""
    if polygon.is_empty:
        return False
    xmin, ymin, xmax, ymax = polygon.bounds
    tolerance = 0.5 * float(gx[1] - gx[0])
    return bool(xmin <= gx[0] + tolerance or xmax >= gx[-1] - tolerance or ymin <= gy[0] + tolerance
                or ymax >= gy[-1] - tolerance)


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
             f"Release start: {view.start}",
             f"Weather: {view.weather}",
             f"Response level {view.response_level}: {view.response_rule}",
             f"Evacuation distance (endpoint-2): {view.evacuation_distance_m} m"]
    lines += [f"  {z.name:<20s} {z.level_mg_m3:>10} mg/m3 ({z.level_ppm} ppm)  area {z.area_km2} km2  farthest {z.farthest_m} m"
              + ("  (reaches the grid edge: enlarge grid.size)" if z.reaches_grid_edge else "")
              for z in view.zones]
    reached = [r for r in view.receptors if r.arrival]
    lines.append(f"Receptors reached by endpoint-2: {len(reached)}")
    # arrivals as local time with the offset, like the release start (view.start, '2026-07-15 02:00 +08:00')
    start = datetime.fromisoformat(view.start.replace(" +", "+").replace(" -", "-"))
    offset_hours = start.utcoffset().total_seconds() / 3600.0
    lines += [f"  {r.name} ({r.kind}): arrival {local_text(start + timedelta(minutes=r.arrival_minutes), offset_hours)}"
              f" (+{r.arrival_minutes} min), peak {r.peak_mg_m3} mg/m3, {r.action}, "
              f"probability of death {r.probability_of_death}" for r in reached[:10]]
    lines.append(f"Model: {view.dispersion_model_en} — {view.dispersion_rule}")
    lines.append(f"Validity: {view.validity}")
    return "\n".join(lines)


def write_leak_netcdf(path, scenario, park, gx, gy, result, n_grid, chemical, command_line, *, term,
                      receptor_ids, probits, choice) -> None:
    """Write leak.nc: the grid's instantaneous concentrations, maximum 60-min running means and doses [mg m-3], the
    airborne source term with the model choice, and every receptor's probit and probability of death."""
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


def render_leak(out_dir, scenario, park, gx, gy, field, zones, view, met, *, chemical, source) -> None:
    """Draw map.png (the threat-zone map of the scenario's ``threat_zones`` family: :mod:`scenarios.leak.threat_map`),
    scene.png and scene.glb (the maximum 60-min mean ``field`` [kg m-3] in one band per threshold) and the plan
    draft plan.html into ``out_dir``."""
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
    names = chosen_zone_names(scenario.threat_zones, [z.name for z in zones], f"scenario {scenario.name!r}")
    missing = [n for n in ZONE_FAMILIES[scenario.threat_zones] if n not in names]
    notes = ((f"{', '.join(missing)}: 无数值 no value in twin/chemicals.csv",) if missing else ())
    threat_view = threat_map_view(park, zones, names, chemical, source=source, gx=gx, gy=gy, met=met,
                                  title=f"{park.spec.name} — {scenario.name}", substance=view.substance, notes=notes)
    render_map(threat_view, out_dir / "map.png")
    render_scene(mview, out_dir / "scene.png")
    export_scene_gltf(mview, out_dir / "scene.glb")
    render_plan(view, out_dir / "plan.html", map_png=out_dir / "map.png", scene_png=out_dir / "scene.png")
