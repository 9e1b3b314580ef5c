"""What ``parktwin trace`` writes: the ranked table (CSV and JSON), the map of the likely source area (PNG, through
``viz.maps``) and the one-page brief in zh or en (``viz.report``'s table report, as the EIA report).

Rates are reported in g/s, concentrations in µg/m³, times as local time with the park's offset.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np

from scenarios.common.times import local_text
from twin.atomic import write_text_atomic

__all__ = ["ranking_rows", "write_ranking", "write_map", "write_brief", "WORDS"]

MAP_SMOOTHING = 80.0  # [m] radius of the Gaussian that draws a point candidate's probability on the map

# Every heading, column and sentence of the brief, per language; the same placeholders in both.
WORDS = {
    "zh": {
        "title": "{park}：VOC 溯源简报",
        "subtitle": "观测时段 {start} 至 {end}（{hours} 小时，{monitors} 个监测点，{observed} 个有效小时值，其中 {detected} 个高于检出限）",
        "ranking": "嫌疑源排序（单源假设的后验概率）",
        "columns": ["排名", "编号", "类型", "名称", "企业", "后验概率", "排放速率中位数 [g/s]", "90% 可信区间 [g/s]",
                    "NNLS 速率 [g/s]"],
        "method": ("方法：每个候选源单独排放恒定速率 q；观测与模拟之比服从对数正态分布（σ_ln = {sigma}），低于检出限的小时按删失处理，"
                   "并以 {eps:.0%} 的离群混合项防止单个小时否决真实源；q 取对数均匀先验 [{qmin:g}, {qmax:g}] g/s，"
                   "在速率网格上精确积分得到每个候选源的边际似然与后验概率。NNLS 为全部候选源同时拟合的非负最小二乘速率，可用于判断是否有多个源。"),
        "calm": "静风小时：{calm} 个，{calm_rule}。",
        "calm_drop": "未参与计算（羽流模式在静风时不适用）",
        "calm_use": "参与计算",
        "map": "可能源区分布图",
        "caveat": ("说明：结论以单源假设为前提；若 NNLS 同时给出多个显著速率，或第一名后验概率低于 50%，应补充监测或现场排查。"
                   "同一罐区内相距不足 {merge:g} m 的储罐合并为一个候选源。"),
        "kinds": {"stack": "排气筒", "tank": "储罐（组）", "warehouse": "仓库", "fugitive": "无组织排放源",
                  "area": "无组织面源网格"},
        "footer": "ParkTwin {version} · parktwin trace · 时间为当地时间（含时区偏移）",
        "map_title": "可能源区（后验概率）",
        "units": "% / ha",
    },
    "en": {
        "title": "{park}: VOC source-tracing brief",
        "subtitle": "Observed {start} to {end} ({hours} h, {monitors} monitors, {observed} hourly values, {detected} above the detection limit)",
        "ranking": "Suspects ranked (posterior probability, one source at a time)",
        "columns": ["Rank", "ID", "Kind", "Name", "Enterprise", "Posterior probability", "Rate, median [g/s]",
                    "90 % credible interval [g/s]", "NNLS rate [g/s]"],
        "method": ("Method: each candidate alone emits a constant rate q; the ratio of observed to modelled concentration is "
                   "log-normal (σ_ln = {sigma}); hours below the detection limit are censored, and a {eps:.0%} outlier "
                   "mixture keeps a single hour from vetoing the true source; q has a log-uniform prior on [{qmin:g}, "
                   "{qmax:g}] g/s, integrated exactly on a rate grid for each candidate's evidence and posterior "
                   "probability. NNLS fits all candidates at once (non-negative least squares): several clear NNLS rates "
                   "suggest more than one source."),
        "calm": "Calm hours: {calm}, {calm_rule}.",
        "calm_drop": "left out (the plume model does not hold in calms)",
        "calm_use": "used",
        "map": "Likely source area",
        "caveat": ("Caveat: the ranking assumes a single source; if NNLS gives several clear rates, or the first suspect's "
                   "probability is below 50 %, add monitoring or inspect on site. Tanks of one farm closer than "
                   "{merge:g} m are one candidate."),
        "kinds": {"stack": "stack", "tank": "tank (farm)", "warehouse": "warehouse", "fugitive": "fugitive source",
                  "area": "area cell"},
        "footer": "ParkTwin {version} · parktwin trace · times are local with their offset",
        "map_title": "Likely source area (posterior probability)",
        "units": "% / ha",
    },
}


def _g(value: float) -> str:
    return "" if not np.isfinite(value) else f"{value:.3g}"


def ranking_rows(candidates, posterior, nnls: np.ndarray) -> list[dict]:
    """One dict per candidate, most probable first (ties: park order)."""
    order = np.argsort(-posterior.probability, kind="stable")
    rows = []
    for rank, c in enumerate(order, start=1):
        cand = candidates.candidates[c]
        rows.append({"rank": rank, "id": cand.id, "kind": cand.kind, "name": cand.name, "enterprise": cand.enterprise,
                     "x_m": round(cand.x, 1), "y_m": round(cand.y, 1), "release_height_m": round(cand.height, 1),
                     "members": list(cand.members),
                     "probability": float(posterior.probability[c]),
                     "rate_median_g_s": float(posterior.rate_median[c]), "rate_low_g_s": float(posterior.rate_low[c]),
                     "rate_high_g_s": float(posterior.rate_high[c]), "rate_mode_g_s": float(posterior.rate_map[c]),
                     "nnls_rate_g_s": float(nnls[c]), "hours_reached": int(posterior.active_observations[c])})
    return rows


def write_ranking(out_dir: Path, rows: list[dict], summary: dict) -> tuple[Path, Path]:
    """ranking.csv (one row per candidate) and ranking.json (the summary and the same rows; NaN → null)."""
    columns = ["rank", "id", "kind", "name", "enterprise", "x_m", "y_m", "release_height_m", "probability",
               "rate_median_g_s", "rate_low_g_s", "rate_high_g_s", "rate_mode_g_s", "nnls_rate_g_s", "hours_reached"]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([f"{row[k]:.6g}" if isinstance(row[k], float) and np.isfinite(row[k]) else
                         "" if isinstance(row[k], float) else row[k] for k in columns])
    csv_path = write_text_atomic(out_dir / "ranking.csv", buffer.getvalue())

    def clean(value):
        if isinstance(value, float) and not np.isfinite(value):
            return None
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    json_path = write_text_atomic(out_dir / "ranking.json", json.dumps(clean({**summary, "candidates": rows}),
                                                                      ensure_ascii=False, indent=2) + "\n")
    return csv_path, json_path


def write_map(out_dir: Path, park, candidates, posterior, monitors, language: str, area_cell: float | None) -> Path:
    """map.png: the posterior probability spread over the park [% per hectare] (a point candidate as a Gaussian of
    MAP_SMOOTHING radius, an area cell over its square), the five most probable candidates named, the monitors."""
    from viz import FieldLayer, MapView, ReceptorLayer, StackLayer, render_map

    words = WORDS[language]
    x0, x1 = min(monitors.x.min(), min(c.x for c in candidates.candidates)), max(
        monitors.x.max(), max(c.x for c in candidates.candidates))
    y0, y1 = min(monitors.y.min(), min(c.y for c in candidates.candidates)), max(
        monitors.y.max(), max(c.y for c in candidates.candidates))
    pad = 400.0
    gx = np.arange(x0 - pad, x1 + pad, 40.0)  # [m] half the smoothing radius: the contours stay round
    gy = np.arange(y0 - pad, y1 + pad, 40.0)
    mx, my = np.meshgrid(gx, gy)
    density = np.zeros_like(mx)
    for c, cand in enumerate(candidates.candidates):
        p = posterior.probability[c]
        if p < 1e-6:
            continue
        if cand.kind == "area" and area_cell:
            inside = (np.abs(mx - cand.x) <= area_cell / 2) & (np.abs(my - cand.y) <= area_cell / 2)
            density += inside * p / (area_cell ** 2 / 1e4)
        else:
            r2 = (mx - cand.x) ** 2 + (my - cand.y) ** 2
            density += p * np.exp(-0.5 * r2 / MAP_SMOOTHING ** 2) / (2 * np.pi * MAP_SMOOTHING ** 2 / 1e4)
    order = np.argsort(-posterior.probability, kind="stable")[:5]
    top = [candidates.candidates[c] for c in order]
    view = MapView(
        title=words["map_title"], epsg=park.spec.epsg,
        field=FieldLayer(x=gx, y=gy, values=100.0 * density, units=words["units"], title=words["map_title"]),
        stacks=StackLayer(x=[c.x for c in top], y=[c.y for c in top], height=[c.height for c in top],
                          names=[f"{k + 1}. {c.id} {100 * posterior.probability[i]:.0f}%"
                                 for k, (c, i) in enumerate(zip(top, order))]),
        receptors=ReceptorLayer(names=list(monitors.ids), kinds=["other"] * len(monitors.ids),
                                points=list(zip(monitors.x.tolist(), monitors.y.tolist()))),
        bounds=(float(gx[0]), float(gx[-1]), float(gy[0]), float(gy[-1])))
    return render_map(view, out_dir / "map.png")


def write_brief(out_dir: Path, summary: dict, rows: list[dict], language: str, map_path: Path | None,
                version: str, top: int = 10) -> Path:
    """brief.html: the one-page brief in ``language`` (zh or en), the first ``top`` suspects."""
    from viz.report import render_report

    words = WORDS[language]
    offset = summary["utc_offset_hours"]
    method = words["method"].format(sigma=summary["sigma_ln"], eps=summary["outlier_fraction"],
                                    qmin=summary["rate_min_g_s"], qmax=summary["rate_max_g_s"])
    calm = words["calm"].format(calm=summary["calm_hours"],
                                calm_rule=words["calm_drop" if summary["calm_hours_rule"] == "drop" else "calm_use"])
    table_rows = [{"cells": [r["rank"], r["id"], words["kinds"][r["kind"]], r["name"], r["enterprise"],
                             f"{100 * r['probability']:.1f} %", _g(r["rate_median_g_s"]),
                             f"{_g(r['rate_low_g_s'])} – {_g(r['rate_high_g_s'])}" if np.isfinite(r["rate_low_g_s"])
                             else "—", _g(r["nnls_rate_g_s"])],
                   "flag": "exceed" if r["probability"] >= 0.5 else ""} for r in rows[:top]]
    view = {
        "language": language,
        "title": words["title"].format(park=summary["park"]),
        "subtitle": words["subtitle"].format(start=local_text(summary["start_utc"], offset),
                                             end=local_text(summary["end_utc"], offset), hours=summary["hours"],
                                             monitors=len(summary["monitors"]), observed=summary["observations"],
                                             detected=summary["detections"]),
        "sections": [
            {"heading": words["ranking"], "paragraphs": [{"text": method, "warn": False},
                                                          {"text": calm, "warn": False}],
             "columns": words["columns"], "rows": table_rows, "images": []},
            {"heading": words["map"], "paragraphs": [{"text": words["caveat"].format(merge=summary["merge_distance_m"]),
                                                      "warn": rows[0]["probability"] < 0.5}],
             "columns": [], "rows": [], "images": ["map"] if map_path is not None else []},
        ],
        "footer": words["footer"].format(version=version),
    }
    return render_report(view, out_dir / "brief.html", images={"map": map_path} if map_path else None)
