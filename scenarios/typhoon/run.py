"""``kind: typhoon`` — a typhoon's rain and sea level flood the park; which warehouses and tanks take water, when.

Chain (each link cited where it is defined):

1. Track: a straight design typhoon (``meteo.typhoon_tracks.design_typhoon_track``), interpolated linearly in time.
2. Rain on every cell from the distance to the centre: R-CLIPER or IPET (``meteo.typhoon_rain``), × ``rain_scale``.
3. Sea level in the sea cells (the stage boundary): harmonic tide + inverse barometer from the Holland (1980)
   pressure at the coast + Dean–Dalrymple wind set-up from the onshore component of the 10 m wind there
   (``meteo.typhoon_wind.typhoon_wind_field``).
4. The flood grid (``scenarios.typhoon.flood``, shared with the nightly forecast): the park DEM sampled at
   ``grid_spacing`` (bilinear), flood defences (sea wall, levees) burned in
   with max-aggregation along their crest lines, buildings as blocked cells, paved cells inside the park boundary
   (no infiltration, sewer drainage at ``drainage_mm_h``), Green–Ampt soil outside, sea cells as stage cells.
5. The local inertial flood (``dispersion.flood.run_flood``).
6. Assets: a warehouse floods when the water level on the ring of open cells around its footprint exceeds its floor
   plus sill (floor = ``floor_elevation`` or the DEM at its position); per asset the first flooded time, the peak
   depth above the floor, the time above the sill, maximum speed and FD2320 hazard class there, and the lead time
   from the typhoon's landfall. Tanks get a flotation check: a full tank floats when the water outside reaches
   h = m_contents / (ρ_w A) (shell mass neglected, so the real depth is larger for a full tank; an emptied tank
   floats much earlier — the report says so, because emptying tanks before a typhoon is the common mistake).

Outputs: ``flood.nc`` (CF grid: depth every ``output_minutes``, maximum depth, maximum speed, maximum hazard rating,
arrival time), ``assets.json`` (the ranked event log), ``flood_budget.csv``, ``map.png`` (maximum depth, assets),
``report.html`` (typhoon section of the emergency-plan draft: timeline and actions), and ``run.json`` last.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import math
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import Point, Polygon

from dispersion.flood import HAZARD_CLASSES, hazard_class
from scenarios.common.progress import Stages
from scenarios.common.results import RunResult, check_writable, write_manifest
from scenarios.common.spec import canonical_json
from scenarios.common.storm import Storm
from scenarios.common.times import local_text
from scenarios.common.views import asset_layer, map_view
from scenarios.leak.run import run_leak_scenario
from scenarios.leak.spec import LeakScenario
from scenarios.typhoon.flood import (check_flood_memory, depth_layer, flood_dataset, park_flood_grid,
                                      run_park_flood)
from scenarios.typhoon.spec import TyphoonScenario
from twin.atomic import atomic_output, write_text_atomic
from twin.chemicals import load_chemicals
from twin.errors import InputError
from twin.io import load_park
from twin.store import FLOOD_PROCESSING_LEVEL, Provenance, write_netcdf
from viz import render_map, render_scene
from viz.report import render_report
from viz.views import ReportParagraph, ReportRow, ReportSection, ReportView
from viz.wording import sentence, term, terms

__all__ = ["run_typhoon_scenario", "build_flood_grid", "asset_events"]

log = logging.getLogger("parktwin")
WATER_DENSITY = 1000.0  # fresh flood water [kg m-3]


def build_flood_grid(park, scenario: TyphoonScenario):
    """(FloodGrid, water-body mask) on the scenario's domain, from the park bundle (see module docstring, step 4;
    the set-up is :func:`scenarios.typhoon.flood.park_flood_grid`, shared with the nightly forecast)."""
    return park_flood_grid(park, grid_spacing=scenario.grid_spacing, grid_size=scenario.grid_size,
                           manning_paved=scenario.manning_paved, manning_ground=scenario.manning_ground,
                           drainage_mm_h=scenario.drainage_mm_h, soil_ks_mm_h=scenario.soil_ks_mm_h,
                           soil_psi_dtheta_m=scenario.soil_psi_dtheta_m)


def asset_events(park, grid, result, times_s: np.ndarray, start: np.datetime64, landfall: np.datetime64) -> list:
    """Per risk source: flooded or not, first flooded time, peak depth above the floor, hours above the sill, max
    speed and hazard around it, lead time from landfall; tanks also their flotation depth. Ranked by first
    flooded time (never-flooded last, by the smallest margin to flooding)."""

    gx, gy = np.meshgrid(grid.x, grid.y)
    eta = result.depth + grid.z[None]
    offset = park.spec.utc_offset_hours  # times people read: local, with the offset
    events = []
    step_hours = float(np.diff(np.r_[0.0, times_s]).mean()) / 3600.0
    for source in park.risk_sources:
        shape = Polygon(source.footprint) if source.footprint else Point(source.x, source.y).buffer(
            max(grid.dx, (source.diameter or 0.0) / 2))
        ring = shape.buffer(1.5 * grid.dx).difference(shape)
        cells = shapely.contains_xy(ring, gx, gy) & (grid.open_ != 0) & (grid.stage_mask == 0)
        if not cells.any():
            continue
        floor = (source.floor_elevation if source.floor_elevation is not None
                 else float(park.terrain.elevation_at(source.x, source.y)))
        threshold = floor + source.sill_height
        # Water level on the ring: only cells holding water count (a dry cell on higher ground is not a level).
        ring_depth = result.depth[:, cells]
        level = np.where(ring_depth > 0.005, eta[:, cells], -np.inf).max(axis=1)
        wet = level > threshold
        peak = float(level.max() - floor) if np.isfinite(level.max()) else 0.0
        entry = {"id": source.id, "name": source.name, "kind": source.kind, "substance": source.substance,
                 "enterprise": source.enterprise, "floor_elevation_m": round(floor, 3),
                 "sill_height_m": source.sill_height, "flooded": bool(wet.any()),
                 "peak_water_above_floor_m": round(max(peak, 0.0), 3),
                 "margin_to_flooding_m": (round(float(threshold - level.max()), 3) if np.isfinite(level.max())
                                          else None),
                 "max_speed_m_s": round(float(result.max_speed[cells].max()), 3)}
        hazard = float(result.max_hazard[cells].max())
        klass = int(hazard_class(np.array([hazard]))[0])
        entry["hazard_rating"] = round(hazard, 3)
        entry["hazard_class"] = HAZARD_CLASSES[klass][1] if klass >= 0 else "dry"
        if wet.any():
            first = start + np.timedelta64(int(times_s[int(np.argmax(wet))]), "s")
            entry["first_flooded_utc"] = str(first.astype("datetime64[m]")) + "Z"
            entry["first_flooded_local"] = local_text(first, offset)
            entry["hours_above_sill"] = round(float(wet.sum()) * step_hours, 2)
            entry["lead_time_from_landfall_h"] = round(float((first - landfall) / np.timedelta64(1, "m")) / 60, 2)
        if source.water_reactive:
            touched = ring_depth.max(axis=1) > 0.005
            entry["water_reactive"] = True
            if touched.any():
                # GHS H260/H261 contents: water at the door is already the emergency, sill or not.
                entry["escalated"] = True
                water_at = start + np.timedelta64(int(times_s[int(np.argmax(touched))]), "s")
                entry["water_at_unit_utc"] = str(water_at.astype("datetime64[m]")) + "Z"
                entry["water_at_unit_local"] = local_text(water_at, offset)
        if source.kind == "tank" and source.diameter:
            area = math.pi * source.diameter**2 / 4
            entry["flotation_depth_full_m"] = round(source.inventory / (WATER_DENSITY * area), 2)
        events.append(entry)
    events.sort(key=lambda e: (not (e["flooded"] or e.get("escalated", False)),
                               e.get("first_flooded_utc", e.get("water_at_unit_utc", "")),
                               e["margin_to_flooding_m"] if e["margin_to_flooding_m"] is not None else math.inf))
    return events


def run_triggered_leak(scenario: TyphoonScenario, park, events: list, *, base_dir: Path, out_dir: Path,
                       where: str = "scenario") -> dict:
    """The release of ``scenario.triggered_leak`` (a natech event): when its asset floods (or, for water-reactive
    contents, when water first reaches it), run a ``kind: leak`` scenario from that moment with the typhoon's 10 m
    wind at the park (``weather.source: typhoon``, neutral class D) into ``out_dir``. Returns what the summary and
    the report say of it; nothing is run when the asset stays dry."""

    spec = scenario.triggered_leak
    event = next((e for e in events if e["id"] == spec.risk_source), None)
    if event is None:
        ids = ", ".join(r.id for r in park.risk_sources)
        raise InputError.field(f"{where}: triggered_leak", "risk_source", spec.risk_source,
                               f"a risk source of the park the flood grid covers ({ids})")
    if spec.trigger == "water_at_unit" and not event.get("water_reactive"):
        raise InputError.field(f"{where}: triggered_leak", "trigger", spec.trigger,
                               f"'flooded' ({spec.risk_source} holds no water-reactive contents)")
    when = event.get("first_flooded_utc") if spec.trigger == "flooded" else event.get("water_at_unit_utc")
    out = {"risk_source": spec.risk_source, "trigger": spec.trigger, "triggered": when is not None}
    if when is None:
        return out
    start = datetime.fromisoformat(when.replace("Z", "+00:00"))
    hours = math.ceil(spec.simulation_hours) + 1
    leak = LeakScenario(
        kind="leak", name=f"{scenario.name}-{spec.risk_source}-release", park=scenario.park,
        risk_source=spec.risk_source, source_term=spec.source_term, start=start, duration_limit=spec.duration_limit,
        simulation_hours=spec.simulation_hours, grid=spec.grid, language=scenario.language,
        meteorology={"weather": {"source": "typhoon", "typhoon_track": scenario.track, "start": start,
                                 "hours": hours}})
    view = run_leak_scenario(leak, base_dir=base_dir, out_dir=out_dir, where=f"{where}: triggered_leak")
    out.update({"start_utc": when, "start_local": local_text(when, park.spec.utc_offset_hours), "folder": out_dir.name, "response_level": view.response_level,
                "response_rule": view.response_rule, "response_rule_zh": view.response_rule_zh,
                "released_kg": view.released_kg,
                "evacuation_distance_m": view.evacuation_distance_m,
                "receptors_reached": [r.id for r in view.receptors if r.arrival_minutes is not None]})
    return out


def run_typhoon_scenario(scenario: TyphoonScenario, *, base_dir: Path, out_dir: Path, command_line: str = "",
                         where: str = "scenario", render: bool = True) -> dict:
    """Run the typhoon flood and write every output into ``out_dir`` (``run.json`` last); return the summary.

    ``render`` False skips the map, scene and report (ensemble members: the ensemble draws its own products)."""
    stages = Stages(5 + (scenario.triggered_leak is not None), scenario.name)
    try:
        with stages.stage("park and flood grid"):
            park = load_park(base_dir / scenario.park)
            check_writable(out_dir)
            check_flood_memory(scenario.grid_size, scenario.grid_spacing, scenario.hours, scenario.output_minutes,
                               f"{where}: grid_size/grid_spacing/hours/output_minutes")
            grid, water = build_flood_grid(park, scenario)
            storm = Storm(park, scenario, base_dir)
            gx, gy = np.meshgrid(grid.x, grid.y)
            sea = grid.stage_mask.astype(bool)
            if sea.any():
                cx, cy = park.centre()
                distance = np.where(sea, np.hypot(gx - cx, gy - cy), np.inf)
                j, i = np.unravel_index(int(np.argmin(distance)), distance.shape)
                length = max(math.hypot(cx - gx[j, i], cy - gy[j, i]), 1.0)
                storm.coast = (float(gx[j, i]), float(gy[j, i]), (cx - gx[j, i]) / length, (cy - gy[j, i]) / length)
        with stages.stage(f"flood ({grid.shape[0]} x {grid.shape[1]} cells, {scenario.hours:g} h)"):
            result, times, levels = run_park_flood(grid, water, hours=scenario.hours,
                                                   output_minutes=scenario.output_minutes,
                                                   rain_at=storm.rain_field,
                                                   sea_level_at=lambda t: storm.sea_level(t)["total"])
        with stages.stage("assets"):
            events = asset_events(park, grid, result, times, storm.start, storm.landfall)
        offset = park.spec.utc_offset_hours
        summary = {"scenario": scenario.name, "park": park.spec.name, "start_utc": str(storm.start) + "Z",
                   "landfall_utc": str(storm.landfall.astype("datetime64[m]")) + "Z",
                   "start_local": local_text(storm.start, offset), "landfall_local": local_text(storm.landfall, offset),
                   "utc_offset_hours": offset, "hours": scenario.hours,
                   "rain_model": scenario.rain_model, "max_wind_speed_m_s": round(storm.vmax, 1),
                   "grid": {"cells": list(grid.shape), "spacing_m": grid.dx}, "steps": result.steps,
                   "peak_sea_level_m": round(max(levels.values()), 3) if levels else None,
                   "rain_total_m3": result.budget[-1]["rain_m3"],
                   "budget_relative_error": result.budget[-1]["relative_error"],
                   "assets": events, "flooded": [e["id"] for e in events if e["flooded"]]}
        if scenario.triggered_leak is not None:
            with stages.stage(f"triggered release from {scenario.triggered_leak.risk_source}"):
                summary["triggered_leak"] = run_triggered_leak(scenario, park, events, base_dir=base_dir,
                                                               out_dir=out_dir / "leak", where=where)
        with stages.stage("outputs"):
            paths = _write_outputs(out_dir, scenario, park, grid, water, result, times, storm, summary, command_line,
                                   render)

            paths["manifest"] = write_manifest(out_dir, scenario, paths)
    finally:
        stages.close()
    return summary


def _write_outputs(out_dir, scenario, park, grid, water, result, times, storm, summary, command_line,
                   render: bool = True) -> dict:
    ds = flood_dataset(park, grid, result, times, storm.start)
    provenance = Provenance(scenario_config=canonical_json(scenario), command_line=command_line,
                            extra_attrs={"scenario_id": scenario.name, "park_name": park.spec.name,
                                         "processing_level": FLOOD_PROCESSING_LEVEL})
    paths = {"netcdf": write_netcdf(
        ds, out_dir / "flood.nc", provenance, title=f"ParkTwin typhoon flood: {scenario.name} ({park.spec.name})",
        summary="Local inertial flood (Bates et al. 2010, de Almeida et al. 2012) of the park under a design typhoon's "
                "parametric rain and sea level: depth snapshots, maxima, hazard rating and arrival time.",
        keywords=["flood", "typhoon", "local inertial", "chemical industrial park"])}
    paths["assets"] = write_text_atomic(out_dir / "assets.json",
                                        json.dumps(summary, ensure_ascii=False, indent=2, default=float) + "\n")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    keys = list(result.budget[0])
    writer.writerow(keys)
    for row in result.budget:
        writer.writerow([f"{row[k]:.6g}" for k in keys])
    with atomic_output(out_dir / "flood_budget.csv") as temporary:
        temporary.write_text(buffer.getvalue(), encoding="utf-8")
    paths["budget"] = out_dir / "flood_budget.csv"
    if render:
        paths["map"], paths["scene"] = _map(out_dir, scenario, park, grid, result, water, summary["assets"])
        paths["report"] = _report(out_dir, scenario, summary, paths["map"])
    return paths


def _map(out_dir, scenario, park, grid, result, water, events) -> Path:
    layer = depth_layer(grid, result, water)
    view = map_view(park, layer, title=f"{park.spec.name} — {scenario.name}",
                    notes=(f"{scenario.hours:g} h, {scenario.rain_model} rain, cells {grid.dx:g} m; the sea and "
                           "permanent water are not shaded",))
    view = replace(view, assets=asset_layer(park, events, layer))
    path = out_dir / "map.png"
    scene = out_dir / "scene.png"

    # The 3D scene drapes the maximum flood depth over the terrain, buildings and stacks of the park.
    return render_map(view, path) or path, render_scene(view, scene) or scene


# Risk-unit kinds, FD2320 (Defra/EA 2006) flood hazard classes and rain models in Chinese (viz.wording)
_KIND_ZH = terms("asset_kind", "zh")
_HAZARD_ZH = terms("flood_hazard", "zh")
_RAIN_MODEL_ZH = terms("rain_model", "zh")


def _report(out_dir, scenario, summary, map_png) -> Path:
    """Write the typhoon plan section (``report.html``) in the scenario's language; wording from viz.wording."""
    language = "zh" if scenario.language == "zh" else "en"
    zh = language == "zh"
    kinds = _KIND_ZH if zh else {}
    chemicals = load_chemicals()
    substances = {chemical.key: chemical.name_zh for chemical in chemicals} if zh else {}
    hazards = _HAZARD_ZH if zh else {}
    dry = hazards.get("dry", "dry")
    rows = []
    actions = []
    for e in summary["assets"]:
        rows.append(ReportRow(cells=(f"{e['name']} ({e['id']})", kinds.get(e["kind"], e["kind"]),
                                     substances.get(e["substance"], e["substance"]),
                                     e.get("first_flooded_local", "—"), f"{e['peak_water_above_floor_m']:.2f}",
                                     e.get("hours_above_sill", 0.0), hazards.get(e["hazard_class"], e["hazard_class"]),
                                     e.get("lead_time_from_landfall_h", "—"),
                                     dry if e["margin_to_flooding_m"] is None else f"{e['margin_to_flooding_m']:+.2f}"),
                              flag="exceed" if e["flooded"] else ""))
        if e.get("escalated"):
            actions.append(ReportParagraph(sentence("typhoon.action.water_reactive", language, name=e["name"],
                                                    id=e["id"], water_at=e["water_at_unit_local"]), warn=True))
        if e["flooded"]:
            actions.append(ReportParagraph(sentence(
                "typhoon.action.flooded", language, name=e["name"], id=e["id"],
                substance=substances.get(e["substance"], e["substance"]), first_flooded=e["first_flooded_local"],
                peak=e["peak_water_above_floor_m"]), warn=True))
    leak = summary.get("triggered_leak")
    if leak and leak["triggered"]:
        reached = ", ".join(leak["receptors_reached"]) or term("typhoon.none_reached", language)
        rule = leak.get("response_rule_zh", leak["response_rule"]) if zh else leak["response_rule"]
        actions.insert(0, ReportParagraph(sentence(
            "typhoon.action.secondary_release", language, risk_source=leak["risk_source"], start=leak["start_local"],
            released_kg=leak["released_kg"], level=leak["response_level"], rule=rule,
            distance=leak["evacuation_distance_m"], reached=reached, folder=leak["folder"]), warn=True))
    elif leak:
        actions.append(ReportParagraph(sentence("typhoon.action.stays_dry", language, risk_source=leak["risk_source"])))
    grid = summary["grid"]
    rain_model = _RAIN_MODEL_ZH.get(summary["rain_model"], summary["rain_model"]) if zh else summary["rain_model"]
    boundary = sentence("typhoon.boundary", language, landfall=summary["landfall_local"],
                        max_wind=summary["max_wind_speed_m_s"], rain_model=rain_model,
                        peak_sea_level=summary["peak_sea_level_m"], hours=summary["hours"], start=summary["start_local"],
                        cells_x=grid["cells"][0], cells_y=grid["cells"][1], spacing=grid["spacing_m"],
                        budget=summary["budget_relative_error"])
    headings = terms("typhoon_heading", language)
    sections = (
        ReportSection(heading=headings["boundary"], paragraphs=(ReportParagraph(boundary),)),
        ReportSection(heading=headings["timeline"], columns=tuple(terms("typhoon_column", language).values()),
                      rows=tuple(rows), images=("map", "scene")),
        ReportSection(heading=headings["actions"],
                      paragraphs=tuple(actions) or (ReportParagraph(term("typhoon.action.no_flooding", language)),)),
        ReportSection(heading=headings["limits"], paragraphs=(ReportParagraph(term("typhoon.limits", language)),)),
    )
    view = ReportView(language=scenario.language, title=sentence("typhoon.title", language, scenario=scenario.name),
                      subtitle=f"{summary['park']} · ParkTwin", sections=sections,
                      footer=term("typhoon.footer", language))
    return render_report(view, out_dir / "report.html",
                         images={"map": map_png, "scene": map_png.with_name("scene.png")})


def run_typhoon(scenario: TyphoonScenario, *, base_dir: Path, out_dir: Path, command_line: list[str] | str = "",
                where: str = "scenario") -> RunResult:
    """The registry's runner of ``kind: typhoon``: :func:`run_typhoon_scenario`, its files and a few printed lines."""
    summary = run_typhoon_scenario(scenario, base_dir=base_dir, out_dir=out_dir, command_line=command_line,
                                   where=where)
    out = out_dir
    lines = [f"Typhoon {scenario.name}: landfall {summary['landfall_local']}, peak sea level "
             f"{summary['peak_sea_level_m']} m, flooded: {', '.join(summary['flooded']) or 'none'}"]
    for event in summary["assets"][:5]:
        lines.append(f"  {event['id']} {event['name']}: "
                     + (f"floods at {event['first_flooded_local']}, {event['peak_water_above_floor_m']:.2f} m above "
                        f"the floor" if event["flooded"] else
                        ("no water around it" if event["margin_to_flooding_m"] is None else
                         f"stays dry ({event['margin_to_flooding_m']:.2f} m below its sill)")))
    paths = {"netcdf": out / "flood.nc", "report": out / "report.html", "assets": out / "assets.json"}
    leak = summary.get("triggered_leak")
    if leak and leak["triggered"]:
        lines.append(f"  secondary release from {leak['risk_source']} at {leak['start_local']}: response level "
                     f"{leak['response_level']}, endpoint-2 reaches {', '.join(leak['receptors_reached']) or 'no receptor'}"
                     f" (plan: {out / leak['folder'] / 'plan.html'})")
        paths["leak_plan"] = out / leak["folder"] / "plan.html"
    elif leak:
        lines.append(f"  {leak['risk_source']} stays dry: no secondary release")
    return RunResult(out_dir=out, paths=paths, summary_text="\n".join(lines))
