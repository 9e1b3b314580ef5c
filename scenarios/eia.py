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

import csv
import json
import logging
from dataclasses import dataclass
from datetime import timezone
from pathlib import Path

import numpy as np
import xarray as xr

from scenarios.eia_stats import (MIN_DAYS_ANNUAL, annual_mean, assessment_level, hj663_percentile,
                                 protection_distance, running_mean_max, screening_percentage)
from scenarios.progress import Stages
from scenarios.spec import EiaScenario, canonical_json
from twin.atomic import write_text_atomic
from twin.errors import InputError
from twin.park import Park
from twin.standards import AVERAGING_HOURS, Standard, screening_hourly_limit, standards_for

__all__ = ["EiaSetup", "prepare_eia", "run_eia_scenario", "read_background"]

log = logging.getLogger("parktwin")
_UG = 1e9  # kg m-3 → µg m-3 (reports)


@dataclass
class EiaSetup:
    """Everything a year run needs, prepared once (also used by ``scenarios.caps_run``)."""

    scenario: EiaScenario
    park: Park
    met: xr.Dataset
    pollutants: list[str]
    gx: np.ndarray
    gy: np.ndarray
    receptors: object  # dispersion.plume.ReceptorSet: the grid (row-major) then the sensitive receptors
    n_grid: int
    stacks: object  # dispersion.plume.StackSet
    hours: object  # dispersion.plume.SourceHours
    options: object  # dispersion.plume.PlumeOptions (statistics only, daily means kept)
    factors: np.ndarray  # (H, S) schedule factors [-]
    day_index: np.ndarray  # (H,) 0-based local day of each hour
    background: dict[str, np.ndarray]  # pollutant → (H,) hourly background [kg m-3]


def read_background(spec, pollutants: list[str], times: np.ndarray, base_dir: Path, where: str) -> dict:
    """Hourly background per pollutant [kg m-3] on the weather's hours (UTC datetime64): from ``spec.hourly_csv``
    (one row per hour, every model hour present) or ``spec.constant`` [µg/m³]; 0 where none is given."""
    out = {key: np.full(times.size, spec.constant.get(key, 0.0) * 1e-9) for key in pollutants}
    if spec.hourly_csv is None:
        return out
    from meteo.weather import to_utc_datetime64

    path = base_dir / spec.hourly_csv
    if not path.is_file():
        from twin.errors import MissingInputError

        raise MissingInputError(f"{where}: background.hourly_csv {str(path)!r} does not exist")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(line for line in handle if not line.startswith("#")))
    if not rows or "time" not in rows[0]:
        raise InputError.field(f"{path.name}", "header", list(rows[0]) if rows else [], "a 'time' column")
    stamps = np.array([to_utc_datetime64(r["time"], where=path.name, field="time")[()] for r in rows])
    position = {t: i for i, t in enumerate(stamps.astype("datetime64[h]"))}
    wanted = times.astype("datetime64[h]")
    missing = [t for t in wanted if t not in position]
    if missing:
        raise InputError.field(path.name, "time", f"{len(missing)} model hours missing, first {missing[0]}Z",
                               "one row for every hour of the weather period")
    index = np.array([position[t] for t in wanted])
    for key in pollutants:
        column = f"{key}_ug_m3"
        if column not in rows[0]:
            continue
        values = np.empty(len(rows))
        for line, row in enumerate(rows, start=2):
            try:
                values[line - 2] = float(row[column])
            except (TypeError, ValueError):
                raise InputError(f"{path.name} line {line}: {column} must be a number >= 0 (µg/m³), got "
                                 f"{row[column]!r}") from None
        if np.any(values < 0) or not np.all(np.isfinite(values)):
            raise InputError.field(path.name, column, float(np.nanmin(values)), "finite values >= 0 µg/m³")
        out[key] = values[index] * 1e-9
    return out


def _eia_pollutants(scenario: EiaScenario, park: Park, where: str) -> list[str]:
    emitted = park.pollutants()
    with_limits = []
    for key in emitted:
        try:
            standards_for(key)
            with_limits.append(key)
        except InputError:
            continue
    chosen = scenario.pollutants or with_limits
    for key in chosen:
        if key not in emitted:
            raise InputError.field(where, "pollutants", key, f"a substance the stacks emit ({', '.join(emitted)})")
        standards_for(key)  # raises, naming the pollutants that have limits
    if not chosen:
        raise InputError.field(where, "pollutants", [], "at least one emitted substance with a GB 3095 limit")
    return chosen


def prepare_eia(scenario: EiaScenario, *, base_dir: Path, where: str = "scenario") -> EiaSetup:
    """Load the park and weather, build receptors, stacks, schedules, background and the hoisted kernel inputs."""
    from dispersion.plume import PlumeOptions, ReceptorSet, StackSet, source_hours
    from scenarios.run import _load_weather, grid_axes, true_north_grid_bearing
    from twin.io import load_park

    park = load_park(base_dir / scenario.park)
    pollutants = _eia_pollutants(scenario, park, where)
    for key in scenario.background.constant:
        if key not in park.pollutants():
            raise InputError.field(f"{where}: background.constant", "pollutant", key,
                                   f"a substance the stacks emit ({', '.join(park.pollutants())})")
    met = _load_weather(scenario, base_dir, park, where)
    gx, gy = grid_axes(scenario, park)
    mesh_x, mesh_y = np.meshgrid(gx, gy)
    sensitive = park.receptor_points()
    rx = np.concatenate([mesh_x.ravel(), sensitive.x])
    ry = np.concatenate([mesh_y.ravel(), sensitive.y])
    receptors = ReceptorSet(x=rx, y=ry, height=np.full(rx.size, scenario.grid.receptor_height),
                            ground_elevation=np.asarray(park.terrain.elevation_at(rx, ry), dtype=np.float64))
    stacks = StackSet(ids=tuple(s.id for s in park.stacks), **park.stack_arrays())
    model = scenario.model
    options = PlumeOptions(
        sigma_model=model.sigma or f"briggs_{park.spec.land_use}", land_use=park.spec.land_use,
        terrain=model.terrain, stack_tip_downwash=model.stack_tip_downwash,
        buoyancy_induced_dispersion=model.buoyancy_induced_dispersion, half_life=dict(model.half_life),
        true_north_grid_bearing=true_north_grid_bearing(park, float(gx.mean()), float(gy.mean())),
        utc_offset_hours=park.spec.utc_offset_hours, store_hourly=False, store_daily=True)
    hours = source_hours(stacks, met, options)
    times = met["time"].values.astype("datetime64[ns]")
    return EiaSetup(
        scenario=scenario, park=park, met=met, pollutants=pollutants, gx=gx, gy=gy, receptors=receptors,
        n_grid=gx.size * gy.size, stacks=stacks, hours=hours, options=options,
        factors=park.schedule_factors(times), day_index=hours.day - hours.day[0],
        background=read_background(scenario.background, pollutants, times, base_dir, where))


def daily_background(setup: EiaSetup, key: str) -> np.ndarray:
    """(D,) daily means of the hourly background [kg m-3], on the kernel's local days."""
    n_days = int(setup.day_index[-1]) + 1
    sums = np.bincount(setup.day_index, weights=setup.background[key], minlength=n_days)
    counts = np.bincount(setup.day_index, minlength=n_days)
    return sums / np.maximum(counts, 1)


def _statistics(setup: EiaSetup, key: str, fields: dict, hourly_sensitive: np.ndarray) -> dict:
    """Contribution and total statistics of ``key`` at every receptor: {averaging: {contribution, total, ...}}."""
    daily = fields[f"{key}_daily"][1]  # (D, R), NaN on days with < 20 hours
    background = setup.background[key]
    bg_daily = daily_background(setup, key)[:, None]
    out: dict[str, dict] = {}
    n_grid = setup.n_grid
    for standard in standards_for(key):
        limit = standard.limit(setup.scenario.grade)
        entry: dict = {"standard": standard, "limit": limit}
        if standard.averaging == "1h":
            contribution = fields[f"{key}_max_1h"][1]
            total = contribution + background.max()  # grid: a bound unless the background is constant
            total[n_grid:] = running_mean_max(hourly_sensitive + background[:, None], 1)
            entry.update(statistic="max_1h", contribution=contribution, total=total, exact_from=n_grid)
        elif standard.averaging == "8h":
            contribution = np.full(daily.shape[1], np.nan)
            total = np.full(daily.shape[1], np.nan)
            contribution[n_grid:] = running_mean_max(hourly_sensitive, 8)
            total[n_grid:] = running_mean_max(hourly_sensitive + background[:, None], 8)
            entry.update(statistic="max_8h", contribution=contribution, total=total, exact_from=n_grid)
        elif standard.averaging == "24h":
            p = standard.percentile or 100.0
            entry.update(statistic=f"p{p:g}_24h", percentile=p, contribution=hj663_percentile(daily, p),
                         total=hj663_percentile(daily + bg_daily, p), exact_from=0,
                         max_daily=np.nanmax(daily, axis=0) if np.isfinite(daily).any() else daily[0])
        else:
            contribution, n_valid = annual_mean(daily)
            valid = ~np.all(np.isnan(daily), axis=1)
            entry.update(statistic="annual_mean", contribution=contribution,
                         total=contribution + (bg_daily[valid].mean() if n_valid else np.nan), exact_from=0,
                         valid_days=n_valid)
        out[standard.averaging] = entry
    return out


def run_eia_scenario(scenario: EiaScenario, *, base_dir: Path, out_dir: Path, command_line: str = "",
                     where: str = "scenario") -> dict:
    """Run the year, write every output into ``out_dir`` (``run.json`` last) and return the summary dict."""
    from dispersion.plume import evaluate_plume
    from dispersion.transfer import source_responses
    from scenarios.run import _check_writable

    stages = Stages(6 + (scenario.heavy_pollution is not None), scenario.name)
    try:
        with stages.stage("park and weather"):
            setup = prepare_eia(scenario, base_dir=base_dir, where=where)
            _check_writable(out_dir)
        park, pollutants = setup.park, setup.pollutants
        n_hours = setup.met.sizes["time"]
        with stages.stage(f"year run ({len(park.stacks)} stacks x {setup.receptors.x.size} receptors x "
                          f"{n_hours} h)"):
            from dataclasses import replace

            rates = np.stack([park.emission_rates(k)[None, :] * setup.factors * 1e-3 for k in pollutants])
            fields = evaluate_plume(setup.stacks, rates, setup.receptors, setup.hours,
                                    replace(setup.options, store_hourly=scenario.hourly_fields),
                                    substances=pollutants)
            # Hourly series at the sensitive receptors only (exact 1-h/8-h totals with an hourly background).
            from dispersion.plume import ReceptorSet

            r = setup.receptors
            tail = slice(setup.n_grid, None)
            sensitive_set = ReceptorSet(x=r.x[tail], y=r.y[tail], height=r.height[tail],
                                        ground_elevation=r.ground_elevation[tail])
            hourly_fields = evaluate_plume(setup.stacks, rates, sensitive_set, setup.hours,
                                           replace(setup.options, store_hourly=True, store_daily=False),
                                           substances=pollutants)
            stats = {k: _statistics(setup, k, fields, hourly_fields[k][1]) for k in pollutants}
        with stages.stage("transfer matrices"):
            emitting = np.flatnonzero(np.any(rates.sum(axis=1) > 0, axis=0))
            from dispersion.transfer import subset_stacks, subset_hours

            transfer = source_responses(
                subset_stacks(setup.stacks, emitting), sensitive_set, subset_hours(setup.hours, source_index=emitting),
                replace(setup.options, store_hourly=scenario.transfer_hourly, store_daily=True, half_life={}),
                setup.factors[:, emitting])
        episode = None
        if scenario.heavy_pollution is not None:
            with stages.stage("heavy-pollution episode"):
                episode = heavy_pollution_relief(setup, scenario.heavy_pollution, where)
        with stages.stage("screening and protection distance"):
            summary = summarise(setup, stats, {k: fields[f"{k}_max_1h"][1] for k in pollutants}, episode)
        with stages.stage("NetCDF"):
            from scenarios.eia_outputs import write_eia_netcdf, write_transfer_netcdf

            paths = write_eia_netcdf(setup, stats, fields, out_dir, canonical_json(scenario), command_line)
            paths["transfer"] = write_transfer_netcdf(setup, transfer, emitting, out_dir, canonical_json(scenario),
                                                      command_line)
        with stages.stage("tables and maps"):
            from scenarios.eia_outputs import write_eia_report

            paths.update(write_eia_report(setup, stats, summary, out_dir))
            from scenarios.outputs import write_manifest

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
    from dataclasses import replace

    from dispersion.plume import evaluate_plume
    from dispersion.transfer import subset_hours

    times = setup.met["time"].values.astype("datetime64[ns]")
    start = np.datetime64(spec.start.astimezone(timezone.utc).replace(tzinfo=None), "ns")
    pick = np.flatnonzero((times >= start) & (times < start + np.timedelta64(spec.hours, "h")))
    if pick.size != spec.hours:
        raise InputError.field(f"{where}: heavy_pollution", "start/hours",
                               f"{spec.start.isoformat()}, {spec.hours} h",
                               f"a period inside the weather ({np.datetime_as_string(times[0], 'm')}Z to "
                               f"{np.datetime_as_string(times[-1], 'm')}Z)")
    cut = np.array([spec.cuts.get(s.enterprise_grade or "ungraded", spec.cuts.get("ungraded", 0.0))
                    for s in setup.park.stacks])
    hours = subset_hours(setup.hours, pick)
    options = replace(setup.options, min_hours_per_day=min(setup.options.min_hours_per_day, 20))
    result: dict = {"hours": int(spec.hours), "start": spec.start.isoformat(), "cuts": dict(spec.cuts),
                    "stacks_by_grade": {}, "pollutants": {}}
    for grade in ("A", "B", "C", "D", None):
        result["stacks_by_grade"][grade or "ungraded"] = sum(1 for s in setup.park.stacks if s.enterprise_grade == grade)
    base_rates = np.stack([setup.park.emission_rates(k)[None, :] * setup.factors[pick] * 1e-3
                           for k in setup.pollutants])
    fields = {}
    for label, factor in (("base", 1.0), ("cut", 1.0 - cut)):
        fields[label] = evaluate_plume(setup.stacks, base_rates * factor, setup.receptors, hours, options,
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
                     "pollutants": {}}
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


def summary_json(summary: dict) -> str:
    return json.dumps(summary, ensure_ascii=False, indent=2, default=float) + "\n"


def write_summary_json(out_dir: Path, summary: dict) -> Path:
    return write_text_atomic(out_dir / "eia_summary.json", summary_json(summary))


AVERAGING_ORDER = tuple(AVERAGING_HOURS)


def text_summary(summary: dict) -> str:
    """A few lines for the terminal: screening level, worst receptor per limit, protection distance."""
    lines = [f"EIA: {summary['scenario']} — {summary['park']}, {summary['hours']} h, GB 3095-2012 grade "
             f"{'I' if summary['grade'] == 1 else 'II'}"]
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
    return "\n".join(lines)


def run_eia_file(path: str | Path, out_dir: str | Path | None = None, command_line=None) -> str:
    """``parktwin eia``: validate the scenario file (kind: eia), run it, return the terminal summary."""
    from scenarios.run import _slug
    from scenarios.spec import load_scenario

    path = Path(path)
    scenario = load_scenario(path)
    if scenario.kind != "eia":
        raise InputError.field(path.name, "kind", scenario.kind, "'eia' for parktwin eia")
    out = Path(out_dir) if out_dir is not None else path.parent / "results" / _slug(scenario.name)
    summary = run_eia_scenario(scenario, base_dir=path.parent, out_dir=out,
                               command_line=" ".join(command_line or ["parktwin", "eia", str(path)]),
                               where=path.name)
    return text_summary(summary) + f"\nOutputs in {out.resolve()}"
