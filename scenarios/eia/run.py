"""``kind: eia`` — a year of hourly weather over every stack: HJ 2.2-2018 statistics, transfer matrices, episodes.

What an EIA analyst gets (``parktwin eia SCENARIO.yaml``):

* ``eia.nc``: on the receptor grid, per pollutant, the park's contribution — maximum 1-h value, the HJ 663-2013
  percentile of the daily means (98th SO2/NO2, 95th PM10/PM2.5/CO), the maximum daily mean and the annual mean
  (mean of the valid daily means, GB 3095-2012 Table 4) — statistics only, never hourly fields of a year;
* ``eia_receptors.nc``: the same at every sensitive and fence receptor;
* ``transfer.nc``: each stack's unit-emission response at the sensitive receptors (hourly, daily, annual);
* ``eia_summary.csv`` and ``eia_summary.html``: the HJ 2.2 screening percentage Pmax and assessment level, the
  contribution + background at every sensitive receptor against the GB 3095-2012 limit of the area's grade, the
  grid maximum, the atmospheric protection distance, and — when the scenario has a ``heavy_pollution`` block — the
  relief that grade-dependent emergency cuts bring at each receptor; maps of the annual-mean and percentile fields.

Background (HJ 2.2-2018 §8.8: contribution + current background): a constant per pollutant or an hourly series.
Daily and annual statistics add the daily background means to the daily contributions (exact). The 1-h and 8-h
statistics are exact at the sensitive receptors (hourly series are kept there); on the grid, where only the
maximum is kept, the 1-h total is bounded by max(contribution) + max(background), which the report labels.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timezone
from pathlib import Path

import numpy as np

from dispersion.no2_chemistry import is_nox
from dispersion.point_sources import evaluate_point_sources
from dispersion.transfer import fields_and_responses, subset_hours
from scenarios.common.progress import Stages
from scenarios.common.results import RunResult, check_writable, output_folder, slug, write_manifest
from scenarios.common.spec import canonical_json
from scenarios.eia.buildings import building_wakes, wake_note_fields, write_building_cards
from scenarios.eia.caps_run import CapVerificationError, failed_checks, run_caps
from scenarios.eia.caps_run import text_summary as caps_text
from scenarios.eia.outputs import write_eia_netcdf, write_eia_report, write_transfer_netcdf
from scenarios.eia.setup import EiaSetup, prepare_eia, source_count, year_statistics
from scenarios.eia.spec import EiaScenario
from scenarios.eia.stats import (
    MIN_DAYS_ANNUAL,
    assessment_level,
    protection_distance,
    screening_percentage,
)
from scenarios.spec import load_scenario
from twin.errors import InputError
from twin.limits import check_memory
from twin.standards import AVERAGING_HOURS, Standard, screening_hourly_limit

__all__ = ["run_eia_scenario", "run_eia", "run_eia_file", "text_summary"]

log = logging.getLogger("parktwin")
_UG = 1e9  # kg m-3 → µg m-3 (reports)
# [m] relief of the receptors' ground and the stack bases above which a flat-terrain AERMOD run says that AERMOD's
# regulatory default is elevated terrain (ParkTwin's choice of a notice threshold; AERMOD itself has none)
FLAT_TERRAIN_RELIEF_NOTICE_M = 10.0


def check_eia_memory(scenario: EiaScenario, setup, where: str) -> None:
    """Refuse up front (exit 65) a year run whose fields would not fit in memory: daily means of every receptor
    and pollutant, and with ``hourly_fields`` every hour (float64); and so its transfer matrices (each source at each
    sensitive receptor, every day or with ``transfer_hourly`` every hour)."""
    receptors, hours, pollutants = setup.receptors.x.size, setup.met.sizes["time"], len(setup.pollutants)
    days = -(-hours // 24)
    kept = hours + days if scenario.hourly_fields else days
    check_memory(8.0 * receptors * kept * pollutants,
                 f"{'hourly and daily' if scenario.hourly_fields else 'daily'} fields of {receptors:,} receptors × "
                 f"{kept:,} {'hours and days' if scenario.hourly_fields else 'days'} × {pollutants} pollutants",
                 f"{where}: grid, weather.hours, hourly_fields",
                 "use a coarser grid, fewer hours or hourly_fields: false")
    sources, sensitive = setup.stacks.x.size, receptors - setup.n_grid
    steps = hours if scenario.transfer_hourly else days
    check_memory(8.0 * steps * sources * sensitive,
                 f"transfer matrices of {sources:,} sources × {sensitive:,} sensitive receptors × {steps:,} "
                 f"{'hours' if scenario.transfer_hourly else 'days'}", f"{where}: transfer_hourly, weather.hours",
                 "use transfer_hourly: false or fewer hours")


def run_eia_scenario(scenario: EiaScenario, *, base_dir: Path, out_dir: Path, command_line: str = "",
                     where: str = "scenario") -> dict:
    """Run the year, write every output into ``out_dir`` (``run.json`` last) and return the summary dict."""
    stages = Stages(5 + (scenario.heavy_pollution is not None), scenario.name)
    try:
        with stages.stage("park and weather"):
            setup = prepare_eia(scenario, base_dir=base_dir, where=where)
            check_eia_memory(scenario, setup, where)
            check_writable(out_dir)
        park, pollutants = setup.park, setup.pollutants
        n_hours = setup.met.sizes["time"]
        with stages.stage(f"year run and transfer matrices ({source_count(park)} x {setup.receptors.x.size} "
                          f"receptors x {n_hours} h)"):
            rates = np.stack([park.emission_rates(k, include_fugitive=True)[None, :] * setup.factors * 1e-3
                              for k in pollutants])
            emitting = np.flatnonzero(np.any(rates.sum(axis=1) > 0, axis=0))
            # the hours at the sensitive receptors (exact 1-h/8-h totals with an hourly background) and each emitting
            # source's response there, from the year run itself in the AERMOD mode
            fields, hourly, transfer = fields_and_responses(
                setup.stacks, rates, setup.receptors, setup.hours,
                replace(setup.options, store_hourly=scenario.hourly_fields), pollutants,
                at=np.arange(setup.n_grid, setup.receptors.x.size), factors=setup.factors, sources=emitting,
                response_options=replace(setup.options, store_hourly=scenario.transfer_hourly, store_daily=True,
                                         half_life={}))
            stats = {k: year_statistics(setup, k, fields, hourly[k]) for k in pollutants}
        episode = None
        if scenario.heavy_pollution is not None:
            with stages.stage("heavy-pollution episode"):
                episode = heavy_pollution_relief(setup, scenario.heavy_pollution, where)
        with stages.stage("screening and protection distance"):
            summary = summarise(setup, stats, {k: fields[f"{k}_max_1h"][1] for k in pollutants}, episode)
            profiles = None
            if park.buildings:  # where AERMOD's PRIME applies: modelled in the AERMOD mode, else a warning
                profiles, summary["building_wakes"] = building_wakes(setup)
        with stages.stage("NetCDF"):
            paths = write_eia_netcdf(setup, stats, fields, out_dir, canonical_json(scenario), command_line)
            paths["transfer"] = write_transfer_netcdf(setup, transfer, emitting, out_dir, canonical_json(scenario),
                                                      command_line)
        with stages.stage("tables and maps"):
            paths.update(write_eia_report(setup, stats, summary, out_dir))
            if profiles is not None:
                paths["building_cards"] = write_building_cards(  # the stacks' (volume sources have no downwash)
                    profiles, setup.stacks.ids[:len(park.stacks)], out_dir / "aermod_building_cards.txt")

            paths["manifest"] = write_manifest(out_dir, scenario, paths)
    finally:
        stages.close()
    return summary


def heavy_pollution_relief(setup: EiaSetup, spec, where: str) -> dict:
    """Concentrations over the episode with and without the grade-dependent cuts; relief = base − cut.

    Each stack's rates are multiplied by 1 − cut[grade of its enterprise] during the episode (``ungraded`` for
    stacks without a grade). Returns per pollutant the episode maximum 1-h and maximum daily mean, base and cut, at
    every sensitive receptor and the grid maximum. [kg m-3]
    """

    times = setup.met["time"].values.astype("datetime64[ns]")
    start = np.datetime64(spec.start.astimezone(timezone.utc).replace(tzinfo=None), "ns")
    pick = np.flatnonzero((times >= start) & (times < start + np.timedelta64(spec.hours, "h")))
    if pick.size != spec.hours:
        raise InputError.field(f"{where}: heavy_pollution", "start/hours",
                               f"{spec.start.isoformat()}, {spec.hours} h",
                               f"a period inside the weather ({np.datetime_as_string(times[0], 'm')}Z to "
                               f"{np.datetime_as_string(times[-1], 'm')}Z)")
    cut = np.array([spec.cuts.get(s.enterprise_grade or "ungraded", spec.cuts.get("ungraded", 0.0))
                    for s in setup.park.emission_sources()])
    hours = subset_hours(setup.hours, pick)
    options = replace(setup.options, min_hours_per_day=min(setup.options.min_hours_per_day, 20))
    result: dict = {"hours": int(spec.hours), "start": spec.start.isoformat(), "cuts": dict(spec.cuts),
                    "stacks_by_grade": {}, "pollutants": {}}
    for grade in ("A", "B", "C", "D", None):
        result["stacks_by_grade"][grade or "ungraded"] = sum(1 for s in setup.park.emission_sources()
                                                             if s.enterprise_grade == grade)
    base_rates = np.stack([setup.park.emission_rates(k, include_fugitive=True)[None, :] * setup.factors[pick] * 1e-3
                           for k in setup.pollutants])
    fields = {}
    for label, factor in (("base", 1.0), ("cut", 1.0 - cut)):
        fields[label] = evaluate_point_sources(setup.stacks, base_rates * factor, setup.receptors, hours, options,
                                       substances=setup.pollutants)
    n_grid = setup.n_grid
    for key in setup.pollutants:
        entry = {}
        for stat in ("max_1h", "max_24h"):
            base = fields["base"][f"{key}_{stat}"][1]
            after = fields["cut"][f"{key}_{stat}"][1]
            entry[stat] = {"base": base[n_grid:], "cut": after[n_grid:],
                           "grid_base": float(np.nanmax(base[:n_grid])) if np.isfinite(base[:n_grid]).any() else np.nan,
                           "grid_cut": float(np.nanmax(after[:n_grid])) if np.isfinite(after[:n_grid]).any() else np.nan}
        base_tonnes = float((base_rates[setup.pollutants.index(key)]).sum() * 3600 * 1e-3)
        entry["emission_cut_fraction"] = float(
            (base_rates[setup.pollutants.index(key)] * cut).sum() * 3600 * 1e-3 / base_tonnes) if base_tonnes else 0.0
        result["pollutants"][key] = entry
    return result


def summarise(setup: EiaSetup, stats: dict, max_hourly: dict[str, np.ndarray], episode: dict | None) -> dict:
    """The numbers of the report: screening, receptors vs limits, grid maxima, protection distance, episode."""
    park, n_grid = setup.park, setup.n_grid
    sensitive = park.receptor_points()
    boundary = park.boundary_polygon()
    gx_mesh, gy_mesh = np.meshgrid(setup.gx, setup.gy)
    summary: dict = {"scenario": setup.scenario.name, "park": park.spec.name, "grade": setup.scenario.grade,
                     "hours": int(setup.met.sizes["time"]), "grid_spacing_m": setup.scenario.grid.spacing,
                     "hour_rules": setup.options.hour_rules, "pollutants": {}}
    if setup.options.dispersion == "aermod":  # the model as run: terrain, and a site tower's levels
        summary["aermod"] = {"terrain": setup.options.terrain,
                             "profile_levels": int(setup.met.attrs.get("aermet_profile_most_wind_levels", 0)),
                             "measured_turbulence_hours": int(setup.met.attrs.get("aermet_profile_turbulence_hours",
                                                                                  0))}
        if setup.options.land_use == "urban":  # AERMOD's urban option: its population, SO2's 4-h half-life
            summary["aermod"]["urban_population"] = float(setup.options.urban_population)
        relief = float(np.ptp(np.concatenate([setup.receptors.ground_elevation, setup.stacks.base_elevation])))
        if setup.options.terrain == "flat" and relief > FLAT_TERRAIN_RELIEF_NOTICE_M:
            summary["aermod"]["flat_terrain_relief_m"] = relief
    if any(is_nox(key) for key in setup.pollutants):  # how the NOx emitted as NO2 became NO2
        summary["no2_conversion"] = {"method": setup.options.no2_conversion}
        if setup.options.no2_conversion == "arm2":
            summary["no2_conversion"]["arm2_ratios"] = [float(v) for v in setup.options.arm2_ratios]
        elif setup.options.no2_conversion == "olm":  # the ratios it ran with and what became of the ozone hours
            options = setup.options
            summary["no2_conversion"].update(
                in_stack_ratio=options.olm_in_stack_ratio, in_stack_ratios=dict(options.olm_in_stack_ratios),
                equilibrium_ratio=float(options.olm_equilibrium), group="all" if options.olm_grouped else "none",
                ozone_hours=dict(setup.ozone_counts or {}))
    if setup.options.hour_rules == "aermod":  # AERMOD's rules: the hours left out, counted
        summary["calm_hours"] = int(setup.met.attrs.get("calm_hours", 0))
        summary["missing_hours"] = int(setup.met.attrs.get("missing_hours", 0))
    for key, per in stats.items():
        chem = park.chemicals[key]
        c0, how = screening_hourly_limit(key, setup.scenario.grade)
        entry: dict = {"name_zh": chem.name_zh, "name_en": chem.name_en, "screening": {}, "limits": [],
                       "protection_distance_m": 0.0}
        # Screening: the largest 1-h contribution anywhere on the grid against C0 (HJ 2.2-2018 §5.3.2; C0 is the
        # 1-h limit or its 8-h/24-h/annual substitute).
        max_1h = max_hourly[key]
        p_max = screening_percentage(float(np.nanmax(max_1h[:n_grid])), c0)
        entry["screening"] = {"cmax_1h_ug_m3": float(np.nanmax(max_1h[:n_grid])) * _UG, "c0_ug_m3": c0 * _UG,
                              "c0_basis": how, "pmax_percent": p_max, "level": assessment_level(p_max)}
        exceed_outside = np.zeros(n_grid, dtype=bool)
        for averaging, item in per.items():
            standard: Standard = item["standard"]
            limit = item["limit"]
            grid_total = item["total"][:n_grid]
            finite = np.isfinite(grid_total)
            grid_best = int(np.nanargmax(np.where(finite, grid_total, -np.inf))) if finite.any() else -1
            receptors = []
            for i, rid in enumerate(sensitive.ids):
                c = float(item["contribution"][n_grid + i])
                t = float(item["total"][n_grid + i])
                receptors.append({"id": rid, "name": sensitive.names[i], "kind": sensitive.kinds[i],
                                  "contribution_ug_m3": c * _UG, "total_ug_m3": t * _UG,
                                  "percent_of_limit": 100.0 * t / limit, "complies": bool(t <= limit)})
            limit_entry = {
                "averaging": averaging, "statistic": item["statistic"], "limit_ug_m3": limit * _UG,
                "source": standard.source, "receptors": receptors,
                "grid_max_total_ug_m3": float(grid_total[grid_best]) * _UG if grid_best >= 0 else None,
                "grid_max_contribution_ug_m3": float(np.nanmax(item["contribution"][:n_grid])) * _UG
                if np.isfinite(item["contribution"][:n_grid]).any() else None,
                "grid_max_at": [float(gx_mesh.ravel()[grid_best]), float(gy_mesh.ravel()[grid_best])]
                if grid_best >= 0 else None,
                "grid_total_is_bound": averaging == "1h" and bool(np.ptp(setup.background[key]) > 0),
                "grid_percent_of_limit": 100.0 * float(grid_total[grid_best]) / limit if grid_best >= 0 else None,
            }
            if "valid_days" in item:
                limit_entry["valid_days"] = item["valid_days"]
                limit_entry["valid_annual_mean"] = item["valid_days"] >= MIN_DAYS_ANNUAL
            entry["limits"].append(limit_entry)
            # Protection distance: the project's short-term contribution above the limit outside the fence.
            if averaging == "1h":
                exceed_outside |= item["contribution"][:n_grid] > limit
            elif averaging == "24h":
                exceed_outside |= item["max_daily"][:n_grid] > limit
        if boundary is not None:
            distance, index = protection_distance(gx_mesh.ravel(), gy_mesh.ravel(), exceed_outside, boundary)
            entry["protection_distance_m"] = distance
            entry["protection_distance_at"] = ([float(gx_mesh.ravel()[index]), float(gy_mesh.ravel()[index])]
                                               if index >= 0 else None)
        else:
            entry["protection_distance_m"] = None
        summary["pollutants"][key] = entry
    if episode is not None:
        summary["heavy_pollution"] = _episode_summary(setup, episode)
    return summary


def _episode_summary(setup: EiaSetup, episode: dict) -> dict:
    sensitive = setup.park.receptor_points()
    out = {k: v for k, v in episode.items() if k != "pollutants"}
    out["pollutants"] = {}
    for key, entry in episode["pollutants"].items():
        rows = []
        for i, rid in enumerate(sensitive.ids):
            rows.append({"id": rid, "name": sensitive.names[i],
                         **{f"{stat}_{label}_ug_m3": float(entry[stat][label][i]) * _UG
                            for stat in ("max_1h", "max_24h") for label in ("base", "cut")}})
        out["pollutants"][key] = {
            "emission_cut_percent": 100.0 * entry["emission_cut_fraction"], "receptors": rows,
            "grid": {f"{stat}_{label}_ug_m3": entry[stat][f"grid_{label}"] * _UG
                     for stat in ("max_1h", "max_24h") for label in ("base", "cut")}}
    return out


AVERAGING_ORDER = tuple(AVERAGING_HOURS)


def text_summary(summary: dict) -> str:
    """A few lines for the terminal: screening level, worst receptor per limit, protection distance."""
    lines = [f"EIA: {summary['scenario']} — {summary['park']}, {summary['hours']} h, GB 3095-2012 grade "
             f"{'I' if summary['grade'] == 1 else 'II'}"]
    if "aermod" in summary:
        model = summary["aermod"]
        lines.append(f"  AERMOD mode: {model['terrain']} terrain, profile levels {model['profile_levels']}, "
                     f"measured turbulence in {model['measured_turbulence_hours']} h")
        if "flat_terrain_relief_m" in model:
            lines.append(f"  note: the park's terrain varies by {model['flat_terrain_relief_m']:.0f} m and this run "
                         "treats it as flat; AERMOD's regulatory default is elevated terrain (model.terrain: elevated)")
    note = wake_note_fields(summary.get("building_wakes"))
    if note and note["modelled"]:
        lines.append(f"  PRIME building downwash: {note['stacks']} stacks stand below a building's wake height "
                     f"(H + 1.5 L, BPIP-PRIME) in some hours (most: {note['most']}, {note['hours']} of "
                     f"{note['valid']} h); aermod_building_cards.txt has the cards to check it with AERMOD")
    elif note:
        lines.append(f"  note: {note['stacks']} stacks stand below a building's wake height "
                     f"(H + 1.5 L, BPIP-PRIME) in some hours (most: {note['most']}, "
                     f"{note['hours']} of {note['valid']} h); AERMOD would apply PRIME "
                     "building downwash there, which this run does not (model.dispersion: aermod applies it) — near "
                     "those stacks the values can be too low (aermod_building_cards.txt has the cards to run AERMOD "
                     "with it)")
    conversion = summary.get("no2_conversion")
    if conversion is not None:  # how the NOx declared as NO2 became NO2
        method = conversion["method"]
        if method == "arm2":
            lines.append("  NO2 from NOx: ARM2 (hourly NO2/NOx ratio {:g}–{:g})".format(*conversion["arm2_ratios"]))
        elif method == "olm":
            ozone = conversion["ozone_hours"]
            together = "every source in one plume" if conversion["group"] == "all" else "each source on its own"
            lines.append(f"  NO2 from NOx: OLM, {together} (equilibrium ratio "
                         f"{conversion['equilibrium_ratio']:g}); ozone: {ozone.get('missing', 0)} hours missing, "
                         f"{ozone.get('filled', 0)} of them filled, {ozone.get('raised', 0)} stable hours raised")
        else:
            lines.append("  NO2 from NOx: all of the NOx taken as NO2")
    if summary.get("hour_rules") == "aermod":
        lines.append(f"  AERMOD hour rules: {summary['calm_hours']} calm and {summary['missing_hours']} missing hours "
                     "left out (zero, not counted in averages; 24-h means over max(valid hours, 18))")
    for key, entry in summary["pollutants"].items():
        s = entry["screening"]
        lines.append(f"  {key}: Pmax {s['pmax_percent']:.2f} % (Cmax {s['cmax_1h_ug_m3']:.4g} µg/m³, C0 "
                     f"{s['c0_ug_m3']:.4g} = {s['c0_basis']}) → level {s['level']}; protection distance "
                     f"{entry['protection_distance_m'] if entry['protection_distance_m'] is not None else '—'} m")
        for limit in entry["limits"]:
            worst = max(limit["receptors"], key=lambda r: r["percent_of_limit"], default=None)
            grid = limit["grid_percent_of_limit"]
            lines.append(f"    {limit['averaging']:>6} {limit['statistic']:<12} limit {limit['limit_ug_m3']:g} µg/m³: "
                         f"grid max {grid:.1f} % of limit" if grid is not None else
                         f"    {limit['averaging']:>6} {limit['statistic']:<12} limit {limit['limit_ug_m3']:g} µg/m³")
            if worst is not None:
                lines[-1] += (f"; worst receptor {worst['name']} {worst['total_ug_m3']:.4g} µg/m³ "
                              f"({worst['percent_of_limit']:.1f} %)")
            if limit.get("valid_annual_mean") is False:
                lines[-1] += (f"; not a valid annual mean: {limit['valid_days']} valid daily means, GB 3095-2012 "
                              f"Table 4 asks for {MIN_DAYS_ANNUAL}")
    return "\n".join(lines)


def run_eia_file(path: str | Path, out_dir: str | Path | None = None, command_line=None) -> str:
    """``parktwin eia``: validate the scenario file (kind: eia), run it, return the terminal summary."""
    path = Path(path)
    scenario = load_scenario(path)
    if scenario.kind != "eia":
        raise InputError.field(path.name, "kind", scenario.kind, "'eia' for parktwin eia")
    out = Path(out_dir) if out_dir is not None else path.parent / "results" / slug(scenario.name)
    with output_folder(out, kind="eia", details={"scenario_kind": "eia"}):
        summary = run_eia_scenario(scenario, base_dir=path.parent, out_dir=out,
                                   command_line=" ".join(command_line or ["parktwin", "eia", str(path)]),
                                   where=path.name)
    return text_summary(summary) + f"\nOutputs in {out.resolve()}"


def run_eia(scenario: EiaScenario, *, base_dir: Path, out_dir: Path, command_line: list[str] | str = "",
            where: str = "scenario") -> RunResult:
    """The registry's runner of ``kind: eia``: the year run, then the caps when the scenario asks for them."""
    text = text_summary(run_eia_scenario(scenario, base_dir=base_dir, out_dir=out_dir, command_line=command_line,
                                         where=where))
    paths = {"netcdf": out_dir / "eia.nc", "summary": out_dir / "eia_summary.html",
             "transfer": out_dir / "transfer.nc"}
    if scenario.caps is not None:
        caps_out = out_dir / "caps"
        report = run_caps(scenario, base_dir=base_dir, out_dir=caps_out, command_line=command_line, where=where)
        text += "\n" + caps_text(report)
        if failed_checks(report):
            raise CapVerificationError(text)
        paths["caps"] = caps_out / "caps.html"
    return RunResult(out_dir=out_dir, paths=paths, summary_text=text)
