"""Run a ``kind: water`` scenario: the river at its design flow, the caps of every pollutant per outfall, the
segment-method check, the mixing zones, and optionally the ensemble's probability of failing the class.

Also ``parktwin water-caps park.yaml``: the same with the defaults, for a park file (:func:`run_water_caps_file`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dispersion.river import RiverModel
from scenarios.common.progress import Stages
from scenarios.common.results import RunResult, check_writable, output_folder, slug, write_manifest
from scenarios.common.spec import canonical_json
from scenarios.water.caps import (
    cap_rows,
    equal_proportion_water_cap,
    segment_cross_check,
    solve_water_cap,
    tonnes_per_year,
)
from scenarios.water.outputs import write_water_outputs
from scenarios.water.spec import WaterScenario
from twin.errors import InputError
from twin.io import load_park
from twin.water import OXYGEN, River
from twin.water_standards import water_standard

__all__ = ["run_water", "run_water_caps_file", "water_report", "failure_probabilities", "text_summary",
           "check_water"]

_MG_L = 1e3  # kg m-3 → mg/L, for people
_PER_DAY = 86400.0


def _river_of(park, scenario: WaterScenario, where: str) -> tuple[int, River]:
    rivers = park.spec.rivers
    ids = [r.id for r in rivers]
    if not rivers:
        raise InputError.field(f"{where}: park {scenario.park!r}", "rivers", [], "at least one river with outfalls "
                                                                               "and control sections (park.yaml)")
    if scenario.river is None:
        if len(rivers) > 1:
            raise InputError.field(where, "river", None, f"one of the park's rivers ({', '.join(ids)})")
        return 0, rivers[0]
    if scenario.river not in ids:
        raise InputError.field(where, "river", scenario.river, f"one of the park's rivers ({', '.join(ids)})")
    return ids.index(scenario.river), rivers[ids.index(scenario.river)]


def check_water(scenario: WaterScenario, park, where: str) -> tuple[RiverModel, list[str]]:
    """The river model of ``scenario`` on ``park`` and the pollutants to cap, every reference checked (river id,
    pollutants, weight ids, the river's kinetics): what ``parktwin validate`` runs without solving."""
    index, river = _river_of(park, scenario, where)
    model = RiverModel(river, where=f"park.yaml: rivers[{index}]")
    pollutants = scenario.pollutants or list(model.pollutants)
    for key in pollutants:
        if key not in model.pollutants:
            raise InputError.field(where, "pollutants", key, f"a pollutant the river models "
                                                             f"({', '.join(model.pollutants)})")
    ids = [o.id for o in river.outfalls]
    for outfall_id in scenario.caps.weights:
        if outfall_id not in ids:
            raise InputError.field(f"{where}: caps.weights", "outfall id", outfall_id, f"one of {', '.join(ids)}")
    return model, pollutants


def water_report(scenario: WaterScenario, model: RiverModel, pollutants: list[str],
                 where: str) -> tuple[dict, dict[str, np.ndarray]]:
    """The caps report (a JSON-able dict) and the loads at the caps per pollutant [kg/s] (inputs checked by
    :func:`check_water`)."""
    river, spec = model.river, scenario.caps
    ids = [o.id for o in river.outfalls]
    weights = np.array([spec.weights.get(i, 1.0) for i in ids])
    current = model.current_loads()
    caps: dict[str, np.ndarray] = {}
    entries = []
    for key in pollutants:
        rows, notes = cap_rows(model, key, spec.safety_factor)
        lower = spec.technical_minimum_fraction * current[key]
        upper = None if spec.upper_bound_factor is None else spec.upper_bound_factor * current[key]
        if key in spec.effluent_limits:  # the discharge standard bounds each outfall: limit × effluent flow
            standard = spec.effluent_limits[key] * model.effluent_flow
            upper = standard if upper is None else np.minimum(upper, standard)
            lower = np.minimum(lower, standard)
        optimal = solve_water_cap(model, key, rows, lower=lower, upper=upper, weights=weights)
        ceiling = np.inf if upper is None else float(np.min(np.where(current[key] > 0, upper, np.inf)
                                                            / np.where(current[key] > 0, current[key], 1.0)))
        proportional = equal_proportion_water_cap(model, key, rows, current[key], max_factor=ceiling) \
            if np.any(current[key] > 0) else None
        chosen = optimal if spec.rule == "optimal" or proportional is None else proportional
        caps[key] = chosen.loads
        check = {c["outfall"]: c for c in segment_cross_check(model, key, spec.safety_factor)}
        entry = _pollutant_entry(model, key, rows, notes, current[key], chosen, optimal, proportional, check)
        for j, outfall in enumerate(entry["outfalls"]):  # a cap held by a bound, not by a section, says so
            at_lower = chosen.loads[j] <= lower[j] * (1 + 1e-9) and lower[j] > 0
            at_upper = upper is not None and chosen.loads[j] >= upper[j] * (1 - 1e-9)
            at_standard = at_upper and key in spec.effluent_limits and \
                upper[j] >= spec.effluent_limits[key] * model.effluent_flow[j] * (1 - 1e-12)
            outfall["held_by"] = ("technical minimum" if at_lower else "effluent limit" if at_standard
                                  else "upper bound" if at_upper else None)
        entries.append(entry)
    return {"scenario": scenario.name, "river": river.id, "river_name": river.name, "rule": spec.rule,
            "safety_factor": spec.safety_factor, "upper_bound_factor": spec.upper_bound_factor,
            "technical_minimum_fraction": spec.technical_minimum_fraction,
            "design_flow": [{"reach": r.id, "name": r.name, "design_flow_m3_s": r.design_flow,
                             "basis": r.design_flow_basis} for r in river.reaches],
            "pollutants": entries, "mixing_zones": _mixing_zones(model)}, caps


def _pollutant_entry(model, key, rows, notes, current, chosen, optimal, proportional, check) -> dict:
    river = model.river
    outfalls = []
    for j, outfall in enumerate(river.outfalls):
        segment = check[outfall.id]
        outfalls.append({
            "id": outfall.id, "name": outfall.name, "enterprise": outfall.enterprise,
            "flow_m3_d": outfall.flow * _PER_DAY, "current_mg_l": outfall.effluent.get(key, 0.0) * _MG_L,
            "current_t_yr": float(tonnes_per_year(current[j])), "cap_t_yr": float(tonnes_per_year(chosen.loads[j])),
            "cap_mg_l": float(chosen.loads[j] / outfall.flow * _MG_L),
            "cap_over_current": float(chosen.loads[j] / current[j]) if current[j] > 0 else None,
            "optimal_t_yr": float(tonnes_per_year(optimal.loads[j])),
            "equal_proportion_t_yr": None if proportional is None else float(tonnes_per_year(proportional.loads[j])),
            "segment_alone_t_yr": float(tonnes_per_year(segment["segment_kg_s"])),
            "lp_alone_t_yr": float(tonnes_per_year(segment["lp_alone_kg_s"])),
            "segment_section": segment["section"], "segment_relative_difference": segment["relative_difference"]})
    sections = []
    for i, row in enumerate(rows):
        section = river.control_sections[row.section]
        sections.append({"id": section.id, "name": section.name, "class": section.water_class,
                         "quantity": row.quantity, "sense": row.sense, "limit_mg_l": row.limit * _MG_L,
                         "current_mg_l": (row.base + row.response @ current) * _MG_L,
                         "at_caps_mg_l": float(chosen.values[i]) * _MG_L if chosen.values.size else None})
    binding = [{"section": river.control_sections[rows[i].section].id,
                "name": river.control_sections[rows[i].section].name,
                "class": river.control_sections[rows[i].section].water_class, "quantity": rows[i].quantity,
                "limit_mg_l": rows[i].limit * _MG_L,
                "dual_t_yr_per_mg_l": None if np.isnan(dual) else float(tonnes_per_year(dual) / _MG_L)}
               for i, dual in chosen.binding]
    return {"pollutant": key, "standard_source": water_standard(key).source, "method": chosen.method,
            "current_total_t_yr": float(tonnes_per_year(current.sum())),
            "cap_total_t_yr": float(tonnes_per_year(chosen.total)),
            "optimal_total_t_yr": float(tonnes_per_year(optimal.total)),
            "equal_proportion_total_t_yr": None if proportional is None else
            float(tonnes_per_year(proportional.total)),
            "outfalls": outfalls, "binding": binding, "sections": sections, "notes": notes}


def _mixing_zones(model: RiverModel) -> list[dict]:
    zones = []
    for zone in model.mixing_zones():
        longest = max((v for v in (zone.length_hjt_1993, zone.length_hj_2018) if v is not None), default=None)
        inside = [s.id for s, x in zip(model.river.control_sections, model.section_chainage)
                  if longest is not None and zone.distance < x < zone.distance + longest]
        zones.append({"outfall": zone.outfall, "chainage_m": zone.distance, "length_hjt_1993_m": zone.length_hjt_1993,
                      "length_hj_2018_m": zone.length_hj_2018, "sections_inside": inside})
    return zones


def failure_probabilities(scenario: WaterScenario, river: River, where: str) -> dict:
    """Probability that each section fails its class (its own GB 3838 limit, no safety factor) at the current loads
    when the design flow and the decay rates are perturbed (``scenario.ensemble``)."""
    spec = scenario.ensemble
    rng = np.random.Generator(np.random.PCG64(spec.seed))
    base = RiverModel(river, where=where)
    keys = [*base.pollutants, *([OXYGEN] if base.oxygen_demand else [])]
    fails = {(s.id, k): 0 for s in river.control_sections for k in keys
             if s.pollutants is None or k in s.pollutants}
    for _ in range(spec.members):
        flow_factor = float(np.exp(rng.normal(0.0, spec.flow_sigma)))
        decay = {k: float(np.exp(rng.normal(0.0, spec.decay_sigma))) for k in base.pollutants}
        values = RiverModel(river, where=where, flow_factor=flow_factor, decay_factor=decay).section_values()
        for s, section in enumerate(river.control_sections):
            for key in keys:
                if (section.id, key) not in fails:
                    continue
                standard = water_standard(key)
                limit = standard.limit(section.water_class)
                broken = values[key][s] < limit if standard.sense == "minimum" else values[key][s] > limit
                fails[(section.id, key)] += int(broken)
    return {"members": spec.members, "seed": spec.seed, "flow_sigma": spec.flow_sigma,
            "decay_sigma": spec.decay_sigma,
            "sections": [{"section": s, "quantity": k, "probability_of_failing_class": n / spec.members}
                         for (s, k), n in fails.items()]}


def run_water(scenario: WaterScenario, *, base_dir: Path, out_dir: Path, command_line: list[str] | str = "",
              where: str = "scenario") -> RunResult:
    """Run ``scenario`` and write water.nc, caps.csv/json/html, the profile and map PNGs and run.json (last)."""
    stages = Stages(4, scenario.name)
    try:
        with stages.stage("park"):
            park = load_park(base_dir / scenario.park)
            model, pollutants = check_water(scenario, park, where)
            river = model.river
            check_writable(out_dir)
        with stages.stage("river model and caps"):
            report, caps = water_report(scenario, model, pollutants, where)
            report["park"] = park.spec.name
            current = model.run(spacing=scenario.spacing)
            at_caps = model.run({**model.current_loads(), **caps}, distances=current.distance)
            report["oxygen_sag"] = None if current.sag is None else {
                "chainage_m": current.sag.distance, "oxygen_mg_l": current.sag.oxygen * _MG_L,
                "deficit_mg_l": current.sag.deficit * _MG_L, "critical_time_h": current.sag.critical_time / 3600}
        with stages.stage("ensemble"):
            report["ensemble"] = failure_probabilities(scenario, river, where) if scenario.ensemble else None
        with stages.stage("outputs"):
            paths = write_water_outputs(scenario, park, model, report, current, at_caps, out_dir,
                                        canonical_json(scenario), command_line)
            paths["manifest"] = write_manifest(out_dir, scenario, paths)
    finally:
        stages.close()
    return RunResult(out_dir=out_dir, paths=paths, summary_text=text_summary(report))


def text_summary(report: dict) -> str:
    """What the CLI prints: per pollutant the caps per outfall, the binding sections and the segment check."""
    lines = [f"Water environmental capacity of {report['river_name']} ({report['river']}), rule {report['rule']}, "
             f"safety factor {report['safety_factor']:g}"]
    for entry in report["pollutants"]:
        proportional = entry["equal_proportion_total_t_yr"]
        lines.append(f"{entry['pollutant']}: current {entry['current_total_t_yr']:.4g} t/yr -> cap "
                     f"{entry['cap_total_t_yr']:.4g} t/yr ({entry['method']}); equal proportion "
                     f"{'n/a' if proportional is None else format(proportional, '.4g')} t/yr")
        for o in entry["outfalls"]:
            lines.append(f"  {o['id']}: cap {o['cap_t_yr']:.4g} t/yr ({o['cap_mg_l']:.4g} mg/L at "
                         f"{o['flow_m3_d']:.0f} m3/d); alone: segment method {o['segment_alone_t_yr']:.4g}, LP "
                         f"{o['lp_alone_t_yr']:.4g} t/yr" + (f"; held by its {o['held_by']}" if o["held_by"] else ""))
        for b in entry["binding"]:
            lines.append(f"  binding: {b['section']} {b['name']} (class {b['class']}, {b['quantity']} "
                         f"{b['limit_mg_l']:.4g} mg/L)")
        lines += [f"  note: {n}" for n in entry["notes"]]
    for zone in report["mixing_zones"]:
        if zone["sections_inside"]:
            lines.append(f"warning: {', '.join(zone['sections_inside'])} inside the mixing zone of {zone['outfall']} "
                         f"(the 1-D complete-mixing value understates the near-bank concentration there)")
    if report.get("ensemble"):
        worst = max(report["ensemble"]["sections"], key=lambda s: s["probability_of_failing_class"])
        lines.append(f"ensemble ({report['ensemble']['members']} members): highest probability of failing the class "
                     f"{worst['probability_of_failing_class']:.0%} at {worst['section']} ({worst['quantity']})")
    return "\n".join(lines)


def run_water_caps_file(path: str | Path, out_dir: str | Path | None = None, command_line=None,
                        river: str | None = None) -> str:
    """``parktwin water-caps park.yaml``: the water caps of a park's river with the default settings."""
    path = Path(path)
    scenario = WaterScenario(kind="water", name=f"{path.parent.name or 'park'} water caps", park=path.name,
                             river=river)
    out = Path(out_dir) if out_dir is not None else path.parent / "results" / slug("water-caps")
    with output_folder(out, kind="water-caps", details={"scenario_kind": "water"}):
        result = run_water(scenario, base_dir=path.parent, out_dir=out,
                           command_line=" ".join(command_line or ["parktwin", "water-caps", str(path)]),
                           where=path.name)
    return result.summary_text + f"\nOutputs in {out.resolve()}"
