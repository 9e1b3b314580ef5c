"""``parktwin caps``: the total-emission cap of one pollutant for an EIA scenario's park and year of weather.

Constraint receptors: a coarse grid (``caps.receptor_spacing``) over the scenario's grid extent — outside the park
boundary unless ``include_inside_boundary`` (GB 3095-2012 applies to ambient air; most of the area inside the
boundary is enterprises' premises) — plus every sensitive and fence receptor. Constraint families (see
``scenarios.eia.caps``): the annual mean and every valid daily mean from stored transfer matrices; every 1-h value (or
8-h running mean) from the plume kernel itself, whose hourly rows at a receptor are computed when row generation
first needs that receptor. Daily constraints hold every day, which is stricter than the HJ 663 percentile the
standard judges; the verification re-run at the proposed caps therefore reports the percentile statistics, on the
constraint receptors and on the scenario's finer grid, so the analyst sees what margin the stricter form left.

Outputs: ``caps.csv`` (per stack: current and capped rate in g/s and t/yr), ``caps.json``, ``caps.html`` (caps,
binding receptors and periods, verification, A-value cross-check) and ``run.json`` last.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import shapely

from dispersion.no2_chemistry import is_nox
from dispersion.point_sources import decay_half_life, evaluate_point_sources
from dispersion.transfer import source_responses, subset_hours, subset_stacks
from scenarios.common.models import park_receptors
from scenarios.common.progress import Stages
from scenarios.common.results import check_writable, output_folder, slug, write_manifest
from scenarios.eia.caps import (
    SECONDS_PER_YEAR,
    CapResult,
    ConstraintFamily,
    a_value_cap,
    equal_proportion_cap,
    matrix_family,
    solve_cap,
)
from scenarios.common.times import local_text
from scenarios.eia.buildings import building_wakes, wake_note_fields
from scenarios.eia.setup import EiaSetup, daily_background, prepare_eia, year_statistics
from scenarios.eia.spec import EiaScenario
from scenarios.spec import load_scenario
from twin.atomic import atomic_output, write_text_atomic
from twin.errors import InputError, ParkTwinError
from twin.standards import AVERAGING_HOURS, standards_for
from viz.report import render_report

__all__ = ["run_caps", "run_caps_file", "constraint_receptors", "kernel_family", "period_label",
           "caps_report_view"]

log = logging.getLogger("parktwin")
_UG = 1e9
RESPONSE_BATCH_VALUES = 1 << 25  # doubles of one batch of hourly source responses (H × S × receptors; 256 MiB)
CAPS_HOURLY_BYTES = 1 << 30  # the hourly transfer matrices at the constraint receptors are kept up to this size


def constraint_receptors(setup: EiaSetup, spacing: float, include_inside: bool):
    """(ReceptorSet, labels): a coarse grid over the scenario's grid extent (outside the boundary unless asked)
    followed by every sensitive receptor."""

    park = setup.park
    gx = np.arange(setup.gx[0], setup.gx[-1] + 1e-6, spacing)
    gy = np.arange(setup.gy[0], setup.gy[-1] + 1e-6, spacing)
    mesh_x, mesh_y = (m.ravel() for m in np.meshgrid(gx, gy))
    boundary = park.boundary_polygon()
    if boundary is not None and not include_inside:
        keep = ~shapely.covers(boundary, shapely.points(mesh_x, mesh_y))
        mesh_x, mesh_y = mesh_x[keep], mesh_y[keep]
    sensitive = park.receptor_points()
    x = np.concatenate([mesh_x, sensitive.x])
    y = np.concatenate([mesh_y, sensitive.y])
    labels = [f"grid ({px:.0f}, {py:.0f})" for px, py in zip(mesh_x, mesh_y)]
    labels += [f"{name} ({rid})" for rid, name in zip(sensitive.ids, sensitive.names)]
    receptors = park_receptors(park, x, y, setup.scenario.grid.receptor_height,
                               hill_heights=setup.options.terrain == "elevated")
    return receptors, labels


def _window_means(hourly: np.ndarray, window: int) -> np.ndarray:
    """Running means of ``window`` hours along axis 0 (window 1: the values themselves)."""
    if window == 1:
        return hourly
    cumulative = np.concatenate([np.zeros((1, *hourly.shape[1:])), np.cumsum(hourly, axis=0)])
    return (cumulative[window:] - cumulative[:-window]) / window


def period_label(start, window: int, utc_offset_hours: float) -> str:
    """How the report names an hourly constraint's period: its start in local time with the offset (people read it),
    e.g. '2025-07-25 14:00 +08:00', or '8 h from 2025-07-25 14:00 +08:00'. ``start`` is UTC (datetime64)."""
    label = local_text(start, utc_offset_hours)
    return label if window == 1 else f"{window} h from {label}"


def kernel_family(setup: EiaSetup, stacks, hours, receptors, options, factors: np.ndarray, window: int,
                  capacity_per_hour: np.ndarray, seed_receptors: np.ndarray, name: str,
                  hourly: np.ndarray | None = None) -> ConstraintFamily:
    """Rows = every ``window``-hour running mean at every receptor, evaluated by the plume kernel.

    ``evaluate(q)`` runs the kernel at rates q × factors over all hours at all constraint receptors; ``rows`` computes
    the per-source hourly series at the receptors it needs, those it does not have yet in one run (a batch of up to
    ``RESPONSE_BATCH_VALUES`` numbers; cached: H × S numbers per receptor). With ``hourly`` (H, S, R), the hourly
    transfer matrices at the constraint receptors (:func:`dispersion.transfer.source_responses`), both come from it
    (Σ_s q_s A[h, s, r]: the kernel's values to rounding, the model being linear in the rates) and no run is made.
    """
    n_hours, n_src = factors.shape
    n_rec = receptors.x.size
    n_t = n_hours - window + 1
    hourly_options = replace(options, store_hourly=True, store_daily=False)
    # the transfer matrices carry the substance's half-life as "unit"; the whole-field runs name it "q"
    decaying = replace(hourly_options, half_life={"q": options.half_life["unit"]} if "unit" in options.half_life
                       else {})
    per_receptor: dict[int, np.ndarray] = {}
    times = setup.met["time"].values.astype("datetime64[m]")

    def fill(wanted) -> None:  # the series of the receptors not yet computed, a batch at a time (one run each)
        missing = [r for r in dict.fromkeys(int(r) for r in wanted) if r not in per_receptor]
        if hourly is not None:
            for r in missing:
                per_receptor[r] = _window_means(np.ascontiguousarray(hourly[:, :, r]), window)
            return
        batch = max(1, RESPONSE_BATCH_VALUES // max(n_hours * n_src, 1))
        for first in range(0, len(missing), batch):
            some = np.array(missing[first:first + batch], dtype=np.int64)
            matrices = source_responses(stacks, receptors.subset(some), hours, hourly_options, factors)
            for k, r in enumerate(some):
                per_receptor[int(r)] = _window_means(np.ascontiguousarray(matrices.hourly[:, :, k]), window)

    def series(r: int) -> np.ndarray:  # (n_t, S) window means of each source's unit response at receptor r
        fill([r])
        return per_receptor[r]

    def evaluate(q: np.ndarray) -> np.ndarray:
        if hourly is not None:
            return _window_means(np.einsum("hsr,s->hr", hourly, np.asarray(q, dtype=np.float64)), window).reshape(-1)
        rates = (factors * np.asarray(q)[None, :] * 1e-3)[None]
        fields = evaluate_point_sources(stacks, rates, receptors, hours, decaying, substances=["q"])
        return _window_means(fields["q"][1], window).reshape(-1)  # row = t·R + r

    def rows(indices: np.ndarray) -> np.ndarray:
        fill(np.asarray(indices) % n_rec)
        return np.array([series(int(i) % n_rec)[int(i) // n_rec] for i in indices]).reshape(len(indices), n_src)

    def describe(i: int) -> tuple[str, int]:
        t = i // n_rec
        return period_label(times[t], window, setup.park.spec.utc_offset_hours), i % n_rec

    seeds = []
    fill(np.unique(seed_receptors))
    for r in np.unique(seed_receptors):
        values = series(int(r))
        pressure = values / np.maximum(capacity_per_hour[:n_t, None], 1e-300)
        for s in range(n_src):
            seeds.append(int(np.argmax(pressure[:, s])) * n_rec + int(r))
    capacity = np.repeat(capacity_per_hour[:n_t], n_rec)
    return ConstraintFamily(name=name, n_rows=n_t * n_rec, capacity=capacity, evaluate=evaluate, rows=rows,
                            describe=describe, seed_rows=np.unique(np.array(seeds, dtype=np.int64)))


def run_caps(scenario: EiaScenario, *, base_dir: Path, out_dir: Path, command_line: str = "",
             where: str = "scenario") -> dict:
    """Solve the cap of ``scenario.caps`` and write caps.csv/json/html and run.json into ``out_dir``."""
    spec = scenario.caps
    if spec is None:
        raise InputError.field(where, "caps", None, "a caps: block (pollutant, rule, safety_factor, ...)")
    stages = Stages(5, f"{scenario.name} caps")
    try:
        with stages.stage("park and weather"):
            scenario = scenario.model_copy(update={"pollutants": [spec.pollutant]})
            setup = prepare_eia(scenario, base_dir=base_dir, where=where)
            check_writable(out_dir)
        park, key = setup.park, spec.pollutant
        nominal_all = park.emission_rates(key, include_fugitive=True)
        index = np.flatnonzero(nominal_all > 0)
        sources = park.emission_sources()
        ids = [sources[i].id for i in index]
        for stack_id in spec.weights:
            if stack_id not in ids:
                raise InputError.field(f"{where}: caps.weights", "stack id", stack_id,
                                       f"a stack or volume source emitting {key} ({', '.join(ids[:8])}, ...)")
        nominal = nominal_all[index]
        factors = setup.factors[:, index]
        stacks = subset_stacks(setup.stacks, index)
        hours = subset_hours(setup.hours, source_index=index)
        half_life = decay_half_life(key, setup.options)  # AERMOD mode, urban park: SO2's 4 h unless given
        options = replace(setup.options, half_life={"unit": half_life} if half_life else {}, store_hourly=False,
                          store_daily=True)
        receptors, labels = constraint_receptors(setup, spec.receptor_spacing, spec.include_inside_boundary)
        # the hourly matrices too when they fit: the hourly constraints then need no further run
        keep_hours = factors.size * receptors.x.size * 8 <= CAPS_HOURLY_BYTES
        with stages.stage(f"transfer matrices ({index.size} stacks x {receptors.x.size} receptors"
                          f"{', hourly' if keep_hours else ''})"):
            transfer = source_responses(stacks, receptors, hours, replace(options, store_hourly=keep_hours), factors)
        with stages.stage("linear program"):
            families = []
            bg_daily = daily_background(setup, key)
            valid = ~np.all(np.isnan(transfer.daily), axis=(1, 2))
            day_labels = [str(d) for d in np.datetime64(int(setup.hours.day[0]), "D")
                          + np.arange(transfer.daily.shape[0]).astype("timedelta64[D]")]
            seed_receptors = np.argmax(transfer.max_1h, axis=1)
            for standard in standards_for(key):
                limit = spec.safety_factor * standard.limit(scenario.grade)
                if standard.averaging == "annual" and options.hour_rules == "aermod":  # mean over valid hours
                    families.append(matrix_family("annual", transfer.period_mean[None], limit - bg_daily.mean(),
                                                  ["period"]))
                elif standard.averaging == "annual":
                    annual = transfer.daily[valid].mean(axis=0)[None]
                    families.append(matrix_family("annual", annual, limit - bg_daily[valid].mean(), ["year"]))
                elif standard.averaging == "24h":
                    families.append(matrix_family("24h", transfer.daily, (limit - bg_daily)[:, None], day_labels))
                else:
                    window = AVERAGING_HOURS[standard.averaging]
                    bg = _window_means(setup.background[key], window)
                    families.append(kernel_family(setup, stacks, hours, receptors, options, factors, window,
                                                  limit - bg, seed_receptors, standard.averaging, transfer.hourly))
            tau = factors.mean(axis=0) * SECONDS_PER_YEAR * 1e-6
            lower = spec.technical_minimum_fraction * nominal
            upper = None if spec.upper_bound_factor is None else spec.upper_bound_factor * nominal
            if spec.rule == "equal_proportion":
                result = equal_proportion_cap(families, tau, nominal, lower=lower, source_ids=ids,
                                              max_factor=np.inf if spec.upper_bound_factor is None
                                              else spec.upper_bound_factor)
            else:
                weights = np.array([spec.weights.get(i, 1.0) for i in ids])
                result = solve_cap(families, tau, lower=lower, upper=upper, weights=weights, source_ids=ids)
        with stages.stage("verification re-run at the caps"):
            verification = _verify(setup, key, index, result, receptors, labels, families) if spec.verify else None
        with stages.stage("tables"):
            report = _report(setup, spec, key, index, nominal, tau, result, labels, verification, families)
            paths = _write(out_dir, setup, report)

            paths["manifest"] = write_manifest(out_dir, scenario, paths)
    finally:
        stages.close()
    return report


def _verify(setup: EiaSetup, key: str, index: np.ndarray, result: CapResult, receptors, labels, families) -> dict:
    """Re-run the model at the caps: every family at the constraint receptors (must hold), and the standard's own
    statistics (HJ 663 percentile, annual mean, 1-h/8-h maxima) with background on the scenario's finer grid."""
    q = np.zeros(len(setup.stacks.ids))
    q[index] = result.rates
    worst = {}
    for family in families:
        excess_ratio = (family.evaluate(result.rates) - family.capacity) / np.abs(family.capacity).max()
        worst[family.name] = float(np.nanmax(excess_ratio))
    rates = (setup.factors * q[None, :] * 1e-3)[None]
    # the hours at the sensitive receptors from the same run (in the AERMOD mode; the screening mode runs them apart)
    fields = evaluate_point_sources(setup.stacks, rates, setup.receptors, setup.hours,
                                    replace(setup.options, store_hourly=False), substances=[key],
                                    hourly_at=np.arange(setup.n_grid, setup.receptors.x.size))
    stats = year_statistics(setup, key, fields, fields.pop(key)[1])
    checks = []
    for averaging, item in stats.items():
        total = item["total"]
        finite = np.isfinite(total)
        i = int(np.nanargmax(np.where(finite, total, -np.inf)))
        checks.append({"averaging": averaging, "statistic": item["statistic"], "limit_ug_m3": item["limit"] * _UG,
                       "max_total_ug_m3": float(total[i]) * _UG, "percent_of_limit": 100 * float(total[i]) / item["limit"],
                       "at": "grid" if i < setup.n_grid else "sensitive receptor",
                       "complies": bool(total[i] <= item["limit"] * (1 + 1e-9)),
                       "bound_only": averaging == "1h" and i < setup.n_grid and bool(np.ptp(setup.background[key]) > 0)})
    return {"constraint_rows_max_excess_of_capacity_scale": worst, "standard_checks": checks}


def _report(setup, spec, key, index, nominal, tau, result: CapResult, labels, verification, families) -> dict:
    park = setup.park
    sources = []
    for k, s in enumerate(index):
        stack = park.emission_sources()[s]
        sources.append({"id": stack.id, "name": stack.name, "enterprise": stack.enterprise,
                        "grade": stack.enterprise_grade, "current_g_s": float(nominal[k]),
                        "current_t_yr": float(nominal[k] * tau[k]), "cap_g_s": float(result.rates[k]),
                        "cap_t_yr": float(result.tonnes[k]),
                        "ratio": float(result.rates[k] / nominal[k]) if nominal[k] > 0 else None})
    binding = [{"family": f, "period": p, "receptor": labels[r], "dual_t_yr_per_ug_m3": d * 1e-9}
               for f, p, r, d in result.binding[:30]]
    a_value = None
    annual = [s for s in standards_for(key) if s.averaging == "annual"]
    if spec.a_value is not None:
        boundary = park.boundary_polygon()
        area = spec.a_value_area_km2 or (boundary.area / 1e6 if boundary is not None else None)
        if area is None:
            raise InputError.field("caps", "a_value_area_km2", None, "an area [km²] (the park has no boundary)")
        if annual:
            background = float(daily_background(setup, key).mean())
            limit = annual[0].limit(setup.scenario.grade)
            total = a_value_cap(spec.a_value, limit * 1e6, [area], annual_background=background * 1e6)
            a_value = {"a_value": spec.a_value, "area_km2": area, "annual_limit_mg_m3": limit * 1e6,
                       "annual_background_mg_m3": background * 1e6, "total_t_yr": total,
                       "lp_total_t_yr": result.total_tonnes, "ratio_lp_to_a_value": result.total_tonnes / total}
        else:
            a_value = {"skipped": f"{key} has no annual limit in GB 3095-2012; the A-value method needs one"}
    current_total = float((nominal * tau).sum())
    return {"scenario": setup.scenario.name, "park": park.spec.name, "pollutant": key, "rule": spec.rule,
            "method": result.method, "safety_factor": spec.safety_factor, "grade": setup.scenario.grade,
            "upper_bound_factor": spec.upper_bound_factor,
            "technical_minimum_fraction": spec.technical_minimum_fraction, "hours": int(setup.met.sizes["time"]),
            "constraint_receptors": len(labels), "families": {f.name: f.n_rows for f in families},
            "rows_in_final_lp": result.rows_used, "iterations": result.iterations,
            "current_total_t_yr": current_total, "cap_total_t_yr": result.total_tonnes,
            "sources": sources, "binding": binding, "verification": verification, "a_value": a_value,
            "dispersion": setup.options.dispersion, "building_wakes": _capped_wakes(setup, index),
            "no2_conversion": _caps_no2(setup, key)}


def _caps_no2(setup, key: str) -> str | None:
    """How a cap of NOx (as NO2) treats NO2: the linear program needs concentrations linear in the rates, so every
    µg of NOx is NO2 ("full"); with the scenario's ARM2 or OLM (ratio ≤ 1 every hour) the caps are then
    conservative."""
    if not is_nox(key):
        return None
    if setup.options.no2_conversion != "full":  # ARM2's ratio ≤ its maximum ≤ 1; OLM's ≤ its equilibrium ≤ 1
        return (f"full: the caps take every µg of NOx as NO2 (a linear program); the EIA run's "
                f"{setup.options.no2_conversion.upper()} makes less NO2 of it, so these caps are conservative")
    return "full"


def _capped_wakes(setup, index) -> dict | None:
    """The EIA run's building-wake counts (``scenarios.eia.buildings``) of the capped stacks, or None for a park
    without buildings: transfer matrices without building downwash make a cap too lenient near those stacks."""
    if not setup.park.buildings:
        return None
    _, wakes = building_wakes(setup)
    capped = {setup.stacks.ids[s] for s in index}
    rows = [row for row in wakes["stacks"] if row["id"] in capped]
    return {**wakes, "stacks": rows, "stacks_below_wake_height": len(rows)}


def _write(out_dir: Path, setup, report: dict) -> dict[str, Path]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["stack_id", "stack_name", "enterprise", "grade", "current_g_s", "current_t_yr", "cap_g_s",
                     "cap_t_yr", "cap_over_current"])
    for s in report["sources"]:
        writer.writerow([s["id"], s["name"], s["enterprise"], s["grade"] or "", f"{s['current_g_s']:.6g}",
                         f"{s['current_t_yr']:.6g}", f"{s['cap_g_s']:.6g}", f"{s['cap_t_yr']:.6g}",
                         "" if s["ratio"] is None else f"{s['ratio']:.4f}"])
    writer.writerow(["TOTAL", "", "", "", "", f"{report['current_total_t_yr']:.6g}", "",
                     f"{report['cap_total_t_yr']:.6g}", ""])
    with atomic_output(out_dir / "caps.csv") as temporary:
        temporary.write_text(buffer.getvalue(), encoding="utf-8-sig")
    paths = {"caps_csv": out_dir / "caps.csv",
             "caps_json": write_text_atomic(out_dir / "caps.json",
                                            json.dumps(report, ensure_ascii=False, indent=2) + "\n")}

    paths["caps_html"] = render_report(caps_report_view(report, setup.scenario.language),
                                       out_dir / "caps.html")
    return paths


_CAPS_WORDS = {
    "zh": {"title": "大气污染物允许排放总量 — {pollutant} — {scenario}", "subtitle": "{park} · ParkTwin 总量控制",
           "total": "1. 允许排放总量",
           "total_note": "{pollutant}：现状 {current:.4g} t/a → 允许排放总量 {cap:.4g} t/a（{method}；规则 {rule}；限值 × "
                         "{safety:g}，GB 3095-2012 {grade} 级；约束受体 {receptors} 个，{hours} 小时；约束行：{families}；"
                         "{iterations} 次迭代后最终线性规划 {rows} 行）。",
           "total_columns": ["排气筒", "企业", "绩效分级", "现状 (g/s)", "现状 (t/a)", "允许 (g/s)", "允许 (t/a)",
                             "允许 / 现状"],
           "binding": "2. 起约束作用的受体与时段",
           "binding_note": "最优解中达到限值的约束，按影响由大到小排列（对偶值：每增加 1 µg/m³ 环境容量可增加的总量 t/a）。",
           "binding_columns": ["平均时间", "时段（当地时间）", "受体", "对偶值 (t/a 每 µg/m³)"],
           "verification": "3. 复核：按允许排放量重新计算（含背景）",
           "verification_note": "约束行相对环境容量的最大超出比例（≤ 0 表示全部满足）：{excess}",
           "verification_columns": ["平均时间", "统计量", "最大叠加值 (µg/m³)", "限值 (µg/m³)", "占标率 (%)", "位置",
                                    "达标"],
           "bound": "（上限）", "yes": "是", "no": "否", "a_value": "4. A 值法校核",
           "a_value_text": "GB/T 3840-91 A 值法：Q = A (C − Cb) S / √S = {a:g} × ({limit:.3g} − {background:.3g}) mg/m³ × "
                           "√{area:.3g} km² = {total:.4g} t/a（全区）；线性规划给出的排气筒总量为其 {ratio:.2f} 倍。",
           "wakes": "{stacks} 个参与分配的排气筒在部分小时低于建筑物尾流高度（H + 1.5L，BPIP-PRIME 规则；最多为 {most}，"
                    "{hours}/{valid} 小时）。传递矩阵未计建筑物下洗（AERMOD 会计算 PRIME），这些排气筒附近的允许量可能偏宽。",
           "wakes_prime": "{stacks} 个参与分配的排气筒在部分小时低于建筑物尾流高度（H + 1.5L，BPIP-PRIME 规则；最多为 "
                          "{most}，{hours}/{valid} 小时），传递矩阵已按 AERMOD 的 PRIME 算法计入建筑物下洗。",
           "footer": "线性规划由 HiGHS 按行生成精确求解；传递矩阵来自各排气筒的{model}。",
           "model_screening": "稳态高斯烟羽（估算模式）", "model_aermod": "AERMOD 模式"},
    "en": {"title": "Allowable total emission — {pollutant} — {scenario}", "subtitle": "{park} · ParkTwin total-emission cap",
           "total": "1. Allowable total emission",
           "total_note": "{pollutant}: current {current:.4g} t/yr → cap {cap:.4g} t/yr ({method}; rule {rule}; limits × "
                         "{safety:g}, GB 3095-2012 grade {grade}; {receptors} constraint receptors, {hours} h; rows: "
                         "{families}; {rows} rows in the final LP after {iterations} iterations).",
           "total_columns": ["Stack", "Enterprise", "Grade", "Current (g/s)", "Current (t/yr)", "Cap (g/s)",
                             "Cap (t/yr)", "Cap / current"],
           "binding": "2. Binding receptors and periods",
           "binding_note": "Constraints at their limit in the optimum, strongest first (dual value: t/yr of total cap "
                           "gained per µg/m³ of extra room).",
           "binding_columns": ["Averaging", "Period (local time)", "Receptor", "Dual (t/yr per µg/m³)"],
           "verification": "3. Verification: full re-run at the caps (background included)",
           "verification_note": "Largest excess over capacity at the constraint rows (fraction of the capacity scale; "
                                "≤ 0 means every row holds): {excess}",
           "verification_columns": ["Averaging", "Statistic", "Max total (µg/m³)", "Limit (µg/m³)", "% of limit",
                                    "Where", "Complies"],
           "bound": " (bound)", "yes": "yes", "no": "no", "a_value": "4. A-value cross-check",
           "a_value_text": "GB/T 3840-91 A-value method: Q = A (C − Cb) S / √S = {a:g} × ({limit:.3g} − "
                           "{background:.3g}) mg/m³ × √{area:.3g} km² = {total:.4g} t/yr for the whole area; the LP "
                           "cap of the stacks is {ratio:.2f} × that.",
           "wakes": "{stacks} of the capped stacks stand below a building's wake height (H + 1.5 L, BPIP-PRIME rules) "
                    "in some hours (most: {most}, {hours} of {valid} h). The transfer matrices have no building "
                    "downwash (AERMOD would apply PRIME), so near those stacks the cap can be too lenient.",
           "wakes_prime": "{stacks} of the capped stacks stand below a building's wake height (H + 1.5 L, BPIP-PRIME "
                          "rules) in some hours (most: {most}, {hours} of {valid} h); the transfer matrices include "
                          "AERMOD's PRIME building downwash.",
           "footer": "Linear program solved with HiGHS by row generation (exact); transfer matrices from the {model} "
                     "of every stack.",
           "model_screening": "steady Gaussian plume (screening mode)", "model_aermod": "AERMOD mode"},
}


def caps_report_view(report: dict, language: str = "zh") -> dict:
    """The caps report (``viz.report``) in ``language``, "zh" or "en"."""
    words = _CAPS_WORDS[language]
    grade = "I" if report["grade"] == 1 else "II"
    note = words["total_note"].format(
        pollutant=report["pollutant"], current=report["current_total_t_yr"], cap=report["cap_total_t_yr"],
        method=report["method"], rule=report["rule"], safety=report["safety_factor"], grade=grade,
        receptors=report["constraint_receptors"], hours=report["hours"],
        families=", ".join(f"{k} {v:,}" for k, v in report["families"].items()), rows=report["rows_in_final_lp"],
        iterations=report["iterations"])
    paragraphs = [{"text": note}]
    note = wake_note_fields(report.get("building_wakes"))
    if note:
        paragraphs.append({"text": words["wakes_prime" if note["modelled"] else "wakes"].format(**note),
                           "warn": not note["modelled"]})
    sections = [{
        "heading": words["total"], "paragraphs": paragraphs, "columns": words["total_columns"],
        "rows": [{"cells": [f"{s['name']} ({s['id']})", s["enterprise"], s["grade"] or "—",
                            f"{s['current_g_s']:.4g}", f"{s['current_t_yr']:.4g}", f"{s['cap_g_s']:.4g}",
                            f"{s['cap_t_yr']:.4g}", "—" if s["ratio"] is None else f"{s['ratio']:.3f}"],
                  "flag": "exceed" if s["ratio"] is not None and s["ratio"] < 1 - 1e-6 else ""}
                 for s in report["sources"]]}]
    sections.append({
        "heading": words["binding"], "paragraphs": [{"text": words["binding_note"]}],
        "columns": words["binding_columns"],
        "rows": [{"cells": [b["family"], b["period"], b["receptor"], f"{b['dual_t_yr_per_ug_m3']:.4g}"]}
                 for b in report["binding"]]})
    verification = report["verification"]
    if verification is not None:
        excess = ", ".join(f"{k} {v:.2e}" for k, v in
                           verification["constraint_rows_max_excess_of_capacity_scale"].items())
        sections.append({
            "heading": words["verification"], "paragraphs": [{"text": words["verification_note"].format(excess=excess)}],
            "columns": words["verification_columns"],
            "rows": [{"cells": [c["averaging"], c["statistic"], f"{c['max_total_ug_m3']:.4g}",
                                f"{c['limit_ug_m3']:.4g}", f"{c['percent_of_limit']:.1f}",
                                c["at"] + (words["bound"] if c["bound_only"] else ""),
                                words["yes" if c["complies"] else "no"]],
                      "flag": "" if c["complies"] else "exceed"} for c in verification["standard_checks"]]})
    a_value = report["a_value"]
    if a_value is not None:
        text = (a_value["skipped"] if "skipped" in a_value else words["a_value_text"].format(
            a=a_value["a_value"], limit=a_value["annual_limit_mg_m3"], background=a_value["annual_background_mg_m3"],
            area=a_value["area_km2"], total=a_value["total_t_yr"], ratio=a_value["ratio_lp_to_a_value"]))
        sections.append({"heading": words["a_value"], "paragraphs": [{"text": text}]})
    return {"language": language,
            "title": words["title"].format(pollutant=report["pollutant"], scenario=report["scenario"]),
            "subtitle": words["subtitle"].format(park=report["park"]), "sections": sections,
            "footer": words["footer"].format(model=words[f"model_{report.get('dispersion', 'screening')}"])}


class CapVerificationError(ParkTwinError):
    """The caps fail their own verification re-run (a standard's statistic above its limit at the caps): the outputs
    are written and say so, and the command exits 65 so that no script takes the caps as valid."""

    exit_code = os.EX_DATAERR  # 65


def run_caps_file(path: str | Path, out_dir: str | Path | None = None, command_line=None) -> str:
    """``parktwin caps``: run the caps block of an eia scenario file; return the terminal summary."""
    path = Path(path)
    scenario = load_scenario(path)
    if scenario.kind != "eia":
        raise InputError.field(path.name, "kind", scenario.kind, "'eia' (with a caps: block) for parktwin caps")
    # The same folder as 'parktwin run eia.yaml' gives its caps: results/<name>/caps.
    out = Path(out_dir) if out_dir is not None else path.parent / "results" / slug(scenario.name) / "caps"
    with output_folder(out, kind="caps", details={"scenario_kind": "eia"}):
        report = run_caps(scenario, base_dir=path.parent, out_dir=out,
                          command_line=" ".join(command_line or ["parktwin", "caps", str(path)]), where=path.name)
    text = text_summary(report) + f"\nOutputs in {out.resolve()}"
    if failed_checks(report):
        raise CapVerificationError(text)
    return text


def failed_checks(report: dict) -> list[dict]:
    """The standard's checks the caps fail in their verification re-run (a 'bound' check — a grid point whose
    1-h value is only bounded by the background's maximum — is not a failure); [] when verified or not verified."""
    verification = report.get("verification")
    if verification is None:
        return []
    return [c for c in verification["standard_checks"] if not c["complies"] and not c["bound_only"]]


def from_the_bound(report: dict) -> bool:
    """Every stack's cap sits at its upper bound: the cap is the bound, not what the air quality allows."""
    factor = report.get("upper_bound_factor")
    ratios = [s["ratio"] for s in report["sources"] if s["ratio"] is not None]
    return factor is not None and bool(ratios) and all(r >= factor * (1 - 1e-6) for r in ratios)


def text_summary(report: dict) -> str:
    lines = [f"VERIFICATION FAILED: at the caps the {c['averaging']} {c['statistic']} reaches "
             f"{c['percent_of_limit']:.1f} % of its limit ({c['at']}) — these caps do not keep the air within the "
             f"standard; do not use them" for c in failed_checks(report)]
    if from_the_bound(report):
        lines.append(f"Every stack sits at its upper bound (upper_bound_factor {report['upper_bound_factor']:g} x "
                     f"its current rate): this cap comes from the bound, not from air quality")
    lines += [f"Cap of {report['pollutant']} ({report['method']}): current {report['current_total_t_yr']:.4g} t/yr "
              f"-> cap {report['cap_total_t_yr']:.4g} t/yr over {len(report['sources'])} stacks"]
    for b in report["binding"][:5]:
        lines.append(f"  binding: {b['family']} {b['period']} at {b['receptor']}")
    if report["verification"] is not None:
        for c in report["verification"]["standard_checks"]:
            lines.append(f"  check {c['averaging']:>6} {c['statistic']:<12} {c['percent_of_limit']:.1f} % of limit "
                         f"({c['at']}{', bound' if c['bound_only'] else ''})")
    note = wake_note_fields(report.get("building_wakes"))
    if note and note["modelled"]:
        lines.append(f"  PRIME building downwash in the transfer matrices: {note['stacks']} capped stacks stand below "
                     "a building's wake height in some hours")
    elif note:
        lines.append(f"  note: {note['stacks']} capped stacks stand below a building's wake height "
                     "in some hours; the transfer matrices have no building downwash (AERMOD would apply PRIME), so "
                     "near them the cap can be too lenient")
    if report["a_value"] is not None and "total_t_yr" in report["a_value"]:
        lines.append(f"  A-value method (GB/T 3840-91): {report['a_value']['total_t_yr']:.4g} t/yr for the area")
    return "\n".join(lines)
