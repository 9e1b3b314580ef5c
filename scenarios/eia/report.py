"""The EIA report (``eia_summary.html``) in one language, zh or en (the scenario's ``language:``), with the tables and
figures an HJ 2.2-2018 report carries: the source parameters, the meteorology (wind rose, stability-class
frequencies, mixing heights), the screening level, the contribution + background at every sensitive receptor
against GB 3095-2012, the protection distance, the heavy-pollution episode, and the maps.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from shapely.geometry import Polygon

from dispersion.no2_chemistry import is_nox
from meteo.aermet import is_tower_profile
from meteo.climatology import (HJ2_2_CALM_BELOW, SECTOR_NAMES, WIND_ROSE_SPEED_EDGES, MeteorologySummary,
                               meteorology_summary)
from meteo.stability import CLASS_LABELS
from scenarios.common.times import local_text
from scenarios.eia.buildings import wake_note_fields
from scenarios.eia.stats import MIN_DAYS_ANNUAL
from twin.constants import ZERO_CELSIUS
from viz.meteorology import render_stability_frequencies, render_wind_rose

__all__ = ["eia_report_view", "meteorology_figures", "LIMIT_WORDS", "WORDS"]

LIMIT_WORDS = {"1h": {"zh": "1 小时平均", "en": "1-h mean"}, "8h": {"zh": "8 小时平均", "en": "8-h mean"},
               "24h": {"zh": "24 小时平均", "en": "24-h mean"}, "annual": {"zh": "年平均", "en": "annual mean"}}

WAKE_ROWS = 20  # stacks listed in the report's building-wake appendix (all are in eia_summary.json)

# Every heading, column and sentence of the report, per language; the same placeholders in both.
WORDS = {
    "zh": {
        "title": "大气环境影响预测与评价 — {scenario}",
        "subtitle": "{park} · {hours} 小时 · GB 3095-2012 {grade} 级 · ParkTwin",
        "footer": "ParkTwin 年度预测；各排气筒的{model}贡献；百分位数按 HJ 663-2013；限值按 GB 3095-2012"
                  "（twin/air_quality_standards.csv）。",
        "model_screening": "稳态高斯烟羽（估算模式）",
        "model_aermod": "AERMOD 模式（AERMET 气象，{terrain}{profile}）",
        "terrain_flat": "平坦地形",
        "terrain_elevated": "复杂地形，山体高度由园区 DEM 计算",
        "profile_tower": "，{levels} 层观测塔廓线",
        "urban_option": "，城市选项（人口 {population:,.0f}）",
        "no2_full": "；NO2 按 NOx 全部转化计",
        "no2_arm2": "；NO2 由 NOx 按 ARM2 换算（逐时 NO2/NOx 比值 {minimum:g}–{maximum:g}）",
        "no2_olm": "；NO2 由 NOx 按臭氧限制法（OLM，{group}）换算（逐时背景臭氧，NO2/NOx 平衡比 {equilibrium:g}）",
        "olm_all": "各源合为一个烟羽",
        "olm_none": "各源分别计算",
        "flat_with_relief": "园区地形高差 {relief:.0f} m，本次按平坦地形计算；AERMOD 法规默认为复杂地形"
                            "（model.terrain: elevated）。",
        "building_wakes": "{stacks} 个排气筒在部分小时低于建筑物尾流高度（H + 1.5L，按 BPIP-PRIME 规则；最多为 {most}，"
                          "{hours}/{valid} 小时）。AERMOD 在这些小时会计算 PRIME 建筑物下洗，本次计算未考虑"
                          "（估算模式不计下洗；AERMOD 模式见 model.dispersion: aermod 及 model.building_downwash），"
                          "这些排气筒附近的浓度可能偏低；aermod_building_cards.txt 给出可直接用于 AERMOD 的建筑物参数。",
        "building_wakes_prime": "{stacks} 个排气筒在部分小时低于建筑物尾流高度（H + 1.5L，按 BPIP-PRIME 规则；最多为 "
                                "{most}，{hours}/{valid} 小时），本次按 AERMOD 的 PRIME 算法计算了建筑物下洗；"
                                "aermod_building_cards.txt 给出同一组建筑物参数，可用 AERMOD 复核。",
        "sources": "1. 污染源参数",
        "sources_note": "点源（排气筒）参数与正常工况排放速率，取自园区模型 park.yaml；坐标为园区坐标系 EPSG:{epsg}。",
        "sources_columns": ["编号", "名称", "企业", "X (m)", "Y (m)", "底部海拔 (m)", "高度 (m)", "内径 (m)",
                            "烟气流速 (m/s)", "烟气温度 (°C)"],
        "volume_sources": "1. 污染源参数（体源）",
        "volume_sources_note": "体源（无组织排放）参数与正常工况排放速率，按 AERMOD 的 VOLUME 源计算（无抬升、无建筑物下洗；"
                               "距源中心 2.15σy0 + 1 m 以内不计）。",
        "volume_sources_columns": ["编号", "名称", "企业", "X (m)", "Y (m)", "底部海拔 (m)", "排放高度 (m)",
                                   "初始横向扩散参数 σy0 (m)", "初始垂向扩散参数 σz0 (m)"],
        "area_sources": "1. 污染源参数（面源）",
        "area_sources_note": "面源（无组织排放）参数与正常工况排放速率（整个面源的排放量），按 AERMOD 的 AREA/AREAPOLY/"
                             "AREACIRC/LINE 源计算（对面源积分，无抬升、无建筑物下洗、不计水平摆动）；坐标为面源形心。",
        "area_sources_columns": ["编号", "名称", "企业", "形心 X (m)", "形心 Y (m)", "底部海拔 (m)", "排放高度 (m)",
                                 "面积 (m²)", "形状", "初始垂向扩散参数 σz0 (m)"],
        "area_rectangle": "矩形 {x_length:g} m × {y_length:g} m，顺时针转 {angle:g}°",
        "area_polygon": "多边形，{count} 个顶点",
        "area_circle": "近圆形，半径 {radius:g} m，{count} 边形",
        "area_line": "线源，长 {length:g} m、宽 {width:g} m",
        "rate_column": "{name} (g/s)",
        "meteorology": "2. 气象条件",
        "meteorology_note": "{hours} 小时逐时气象：静风（10 m 风速 < {calm_below:g} m/s）占 {calm:.1f} %，非静风平均风速 "
                            "{wind:.2f} m/s；最多风向 {sector}（{sector_share:.1f} %）。",
        "meteorology_columns": ["稳定度", "频率 (%)", "平均风速 (m/s)", "混合层高度 P10 (m)", "P50 (m)", "P90 (m)"],
        "screening": "3. 估算与评价等级（HJ 2.2-2018 §5.3）",
        "screening_note": "Pmax = Cmax / C0 × 100 %；Pmax ≥ 10 % 为一级，1 % ≤ Pmax < 10 % 为二级，Pmax < 1 % 为三级。"
                          "Cmax 为本年度预测网格上最大的 1 小时贡献浓度（HJ 2.2 用估算模型求得）。",
        "screening_columns": ["污染物", "Cmax (µg/m³)", "C0 (µg/m³)", "C0 依据", "Pmax (%)", "评价等级"],
        "results": "4. 叠加背景后的预测结果（GB 3095-2012 {grade} 级）",
        "results_note": "网格点的 1 小时叠加值在逐时背景下为上限（最大贡献 + 最大背景）；敏感点数值为逐时精确叠加。",
        "results_columns": ["污染物", "平均时间", "统计量", "预测点", "贡献值 (µg/m³)", "背景值 (µg/m³)",
                            "叠加值 (µg/m³)", "标准限值 (µg/m³)", "占标率 (%)", "达标"],
        "grid_maximum": "网格最大值",
        "yes": "是", "no": "否",
        "not_annual": "不适用：有效日均值 {days} 个，年平均需 ≥ {needed} 个（GB 3095-2012 表 4）",
        "distance": "5. 大气环境防护距离",
        "distance_note": "厂界外园区短期（1 小时或 24 小时）贡献浓度超过限值的最远距离（HJ 2.2-2018 §8.8.5）。",
        "distance_coarse": "网格间距为 {spacing:g} m；HJ 2.2 要求厂界附近不大于 50 m：使用该距离前请加密网格。",
        "distance_columns": ["污染物", "距离 (m)", "最远点 (x, y)"],
        "episode": "6. 重污染天气应急减排",
        "wakes": "附：位于建筑物尾流中的排气筒",
        "wakes_note": "按 BPIP-PRIME 规则：有效小时中，烟流方向上有建筑物（AERMOD 会计算 PRIME 下洗）及排气筒低于其尾流"
                      "高度 H + 1.5L 的小时数，按后者排序，列前 {shown} 个（共 {stacks} 个）；GEP 烟囱高度为 "
                      "max(65 m, H + 1.5L)。",
        "wakes_columns": ["排气筒", "高度 (m)", "GEP 烟囱高度 (m)", "有建筑物的小时", "低于尾流高度的小时"],
        "episode_note": "应急时段 {start} 起 {hours} 小时。按企业绩效分级的减排比例 — {cuts}；各级排气筒数 — {counts}。"
                        "应急期间排放削减：{reductions}。",
        "episode_columns": ["污染物", "预测点", "减排前最大 1 小时 (µg/m³)", "减排后", "减排前最大日均 (µg/m³)",
                            "减排后"],
        "hour_rules": "按 AERMOD 规则：{calm} 个静风小时和 {missing} 个缺测小时不参与计算与平均；日均值除以 max(有效小时数, 18)。",
    },
    "en": {
        "title": "Air quality impact prediction and assessment — {scenario}",
        "subtitle": "{park} · {hours} h · GB 3095-2012 grade {grade} · ParkTwin",
        "footer": "ParkTwin EIA year run; contributions of every stack from the {model}; percentiles per "
                  "HJ 663-2013; limits per GB 3095-2012 (twin/air_quality_standards.csv).",
        "model_screening": "steady Gaussian plume (screening mode)",
        "model_aermod": "AERMOD formulation (AERMET weather, {terrain}{profile})",
        "terrain_flat": "flat terrain",
        "terrain_elevated": "elevated terrain, hill heights from the park DEM",
        "profile_tower": ", site-tower profile of {levels} levels",
        "urban_option": ", urban option (population {population:,.0f})",
        "no2_full": "; NO2 taken as all of the NOx",
        "no2_arm2": "; NO2 from NOx by ARM2 (hourly NO2/NOx ratio {minimum:g}–{maximum:g})",
        "no2_olm": "; NO2 from NOx by the ozone limiting method (OLM, {group}; hourly background ozone, equilibrium "
                   "NO2/NOx ratio {equilibrium:g})",
        "olm_all": "every source in one plume",
        "olm_none": "each source on its own",
        "flat_with_relief": "The park's terrain varies by {relief:.0f} m and this run treats it as flat; AERMOD's "
                            "regulatory default is elevated terrain (model.terrain: elevated).",
        "building_wakes": "{stacks} stacks stand below a building's wake height (H + 1.5 L, BPIP-PRIME rules) in "
                          "some hours (most: {most}, {hours} of {valid} h). AERMOD would apply PRIME building "
                          "downwash in those hours, which this run does not (the screening mode has none; the AERMOD "
                          "mode applies it: model.dispersion: aermod, model.building_downwash), so near those stacks "
                          "the values can be too low; aermod_building_cards.txt has the building cards to run AERMOD "
                          "with it.",
        "building_wakes_prime": "{stacks} stacks stand below a building's wake height (H + 1.5 L, BPIP-PRIME rules) "
                                "in some hours (most: {most}, {hours} of {valid} h); this run applies AERMOD's PRIME "
                                "building downwash there. aermod_building_cards.txt has the same building cards to "
                                "check it with AERMOD.",
        "sources": "1. Source parameters",
        "sources_note": "Point sources (stacks) and their normal-operation emission rates, from the park model "
                        "park.yaml; coordinates in the park's CRS EPSG:{epsg}.",
        "sources_columns": ["ID", "Name", "Enterprise", "X (m)", "Y (m)", "Base elevation (m)", "Height (m)",
                            "Inner diameter (m)", "Exit velocity (m/s)", "Exit temperature (°C)"],
        "volume_sources": "1. Source parameters (volume sources)",
        "volume_sources_note": "Volume sources (fugitive emissions) and their normal-operation emission rates, "
                               "modelled as AERMOD's VOLUME sources (no plume rise, no building downwash; nothing "
                               "within 2.15 σy0 + 1 m of the centre).",
        "volume_sources_columns": ["ID", "Name", "Enterprise", "X (m)", "Y (m)", "Base elevation (m)",
                                   "Release height (m)", "Initial σy0 (m)", "Initial σz0 (m)"],
        "area_sources": "1. Source parameters (area sources)",
        "area_sources_note": "Area sources (fugitive emissions) and their normal-operation emission rates (the whole "
                             "area's), modelled as AERMOD's AREA/AREAPOLY/AREACIRC/LINE sources (integrated over the "
                             "area, no plume rise, no building downwash, no meander); coordinates of the centroid.",
        "area_sources_columns": ["ID", "Name", "Enterprise", "Centroid X (m)", "Centroid Y (m)", "Base elevation (m)",
                                 "Release height (m)", "Area (m²)", "Shape", "Initial σz0 (m)"],
        "area_rectangle": "rectangle {x_length:g} m × {y_length:g} m, turned {angle:g}° clockwise",
        "area_polygon": "polygon, {count} vertices",
        "area_circle": "circle of radius {radius:g} m, {count}-sided",
        "area_line": "line {length:g} m long, {width:g} m wide",
        "rate_column": "{name} (g/s)",
        "meteorology": "2. Meteorology",
        "meteorology_note": "{hours} hours of hourly weather: calm (10 m wind < {calm_below:g} m/s) {calm:.1f} %, mean "
                            "non-calm wind {wind:.2f} m/s; most frequent direction {sector} ({sector_share:.1f} %).",
        "meteorology_columns": ["Stability class", "Frequency (%)", "Mean wind (m/s)", "Mixing height P10 (m)",
                                "P50 (m)", "P90 (m)"],
        "screening": "3. Screening and assessment level (HJ 2.2-2018 §5.3)",
        "screening_note": "Pmax = Cmax / C0 × 100 %; level 1 if Pmax ≥ 10 %, level 2 if 1 % ≤ Pmax < 10 %, level 3 "
                          "if Pmax < 1 %. Cmax is the largest 1-h contribution on the grid of this year run (HJ 2.2 "
                          "uses a screening model for it).",
        "screening_columns": ["Pollutant", "Cmax (µg/m³)", "C0 (µg/m³)", "C0 basis", "Pmax (%)", "Level"],
        "results": "4. Contribution + background vs GB 3095-2012 grade {grade}",
        "results_note": "Grid 1-h totals with an hourly background are an upper bound (max contribution + max "
                        "background); receptor values are exact.",
        "results_columns": ["Pollutant", "Averaging", "Statistic", "Receptor", "Contribution (µg/m³)",
                            "Background (µg/m³)", "Total (µg/m³)", "Limit (µg/m³)", "% of limit", "Complies"],
        "grid_maximum": "grid maximum",
        "yes": "yes", "no": "no",
        "not_annual": "n/a: {days} valid daily means, an annual mean needs ≥ {needed} (GB 3095-2012 Table 4)",
        "distance": "5. Atmospheric protection distance",
        "distance_note": "Largest distance beyond the park boundary at which the park's short-term (1-h or 24-h) "
                         "contribution exceeds the limit (HJ 2.2-2018 §8.8.5).",
        "distance_coarse": "The grid spacing is {spacing:g} m; HJ 2.2 asks for ≤ 50 m near the boundary: refine the "
                           "grid before using this distance.",
        "distance_columns": ["Pollutant", "Distance (m)", "Farthest point (x, y)"],
        "episode": "6. Heavy-pollution episode: grade-dependent cuts",
        "wakes": "Appendix: stacks in buildings' wakes (BPIP-PRIME rules)",
        "wakes_note": "Valid hours with a building in the stack's flow direction (AERMOD would apply PRIME downwash) "
                      "and hours with the stack below that building's wake height H + 1.5 L, sorted by the latter: "
                      "the first {shown} of {stacks} stacks. GEP stack height: max(65 m, H + 1.5 L).",
        "wakes_columns": ["Stack", "Height (m)", "GEP stack height (m)", "Hours with a building",
                          "Hours below the wake height"],
        "episode_note": "Episode from {start}, {hours} h. Cuts by enterprise grade — {cuts}; stacks per grade — "
                        "{counts}. Emission cut over the episode: {reductions}.",
        "episode_columns": ["Pollutant", "Receptor", "Max 1-h before (µg/m³)", "after", "Max daily before (µg/m³)",
                            "after"],
        "hour_rules": "AERMOD's hour rules: {calm} calm and {missing} missing hours are left out of the model and its "
                      "averages; daily means divide by max(valid hours, 18).",
    },
}


def _fmt(value, digits: int) -> str:
    if value is None or not np.isfinite(value):
        return "—"
    return f"{value:.{digits}g}"


def meteorology_figures(setup, out_dir: Path, language: str, met: MeteorologySummary | None = None
                        ) -> dict[str, Path]:
    """The wind rose and the stability-class frequencies of the run's weather (PNG), for the report; ``met`` is
    its :func:`meteo.climatology.meteorology_summary` when the caller has it already."""
    summary = met if met is not None else meteorology_summary(setup.met)
    return {
        "wind_rose": render_wind_rose(summary.rose, summary.calm, WIND_ROSE_SPEED_EDGES, SECTOR_NAMES,
                                      out_dir / "wind_rose.png", hours=summary.hours, calm_below=HJ2_2_CALM_BELOW,
                                      language=language),
        "stability": render_stability_frequencies(summary.stability, CLASS_LABELS, out_dir / "stability.png",
                                                  hours=summary.hours, language=language),
    }


def _source_sections(setup, words: dict, language: str) -> list[dict]:
    """The stacks' table (点源参数表), and the volume sources' (体源参数表) and area sources' (面源参数表) when the
    park has any."""
    park = setup.park
    arrays = park.stack_arrays(include_fugitive=True)
    rates = {key: park.emission_rates(key, include_fugitive=True) for key in setup.pollutants}
    names = {key: (park.chemicals[key].name_zh if language == "zh" else park.chemicals[key].name_en)
             for key in setup.pollutants}
    rate_columns = [words["rate_column"].format(name=names[key]) for key in setup.pollutants]
    rows, volume_rows, area_rows = [], [], []
    n_stacks, n_volumes = len(park.stacks), len(park.volume_sources)
    for i, source in enumerate(park.emission_sources()):
        enterprise = source.enterprise if language == "zh" else (source.enterprise_en or source.enterprise)
        cells = [source.id, source.name, enterprise, f"{arrays['x'][i]:.1f}", f"{arrays['y'][i]:.1f}",
                 f"{arrays['base_elevation'][i]:.1f}", f"{arrays['height'][i]:g}"]
        if i < n_stacks:
            cells += [f"{arrays['inner_diameter'][i]:g}", f"{arrays['exit_velocity'][i]:g}",
                      f"{arrays['exit_temperature'][i] - ZERO_CELSIUS:.1f}"]
            table = rows
        elif i < n_stacks + n_volumes:
            cells += [f"{arrays['initial_sigma_y'][i]:g}", f"{arrays['initial_sigma_z'][i]:g}"]
            table = volume_rows
        else:
            outline = Polygon(source.vertices())
            shape = _area_shape(source, words)
            cells += [f"{outline.area:.0f}", shape, f"{arrays['initial_sigma_z'][i]:g}"]
            table = area_rows
        table.append({"cells": cells + [_fmt(rates[key][i], 4) for key in setup.pollutants]})
    sections = [{"heading": words["sources"],
                 "paragraphs": [{"text": words["sources_note"].format(epsg=park.spec.epsg)}],
                 "columns": words["sources_columns"] + rate_columns, "rows": rows}]
    if volume_rows:
        sections.append({"heading": words["volume_sources"], "paragraphs": [{"text": words["volume_sources_note"]}],
                         "columns": words["volume_sources_columns"] + rate_columns, "rows": volume_rows})
    if area_rows:
        sections.append({"heading": words["area_sources"], "paragraphs": [{"text": words["area_sources_note"]}],
                         "columns": words["area_sources_columns"] + rate_columns, "rows": area_rows})
    return sections


def _meteorology_section(setup, summary: dict, words: dict, images: dict, met: MeteorologySummary | None) -> dict:
    met = met if met is not None else meteorology_summary(setup.met)
    by_sector = met.rose.sum(axis=1)
    sector = int(np.argmax(by_sector))
    paragraphs = [{"text": words["meteorology_note"].format(
        hours=met.hours, calm_below=HJ2_2_CALM_BELOW, calm=100.0 * met.calm, wind=met.mean_wind_speed,
        sector=SECTOR_NAMES[sector], sector_share=100.0 * by_sector[sector])}]
    if summary.get("hour_rules") == "aermod":
        paragraphs.append({"text": words["hour_rules"].format(calm=summary["calm_hours"],
                                                              missing=summary["missing_hours"])})
    rows = [{"cells": [CLASS_LABELS[c], f"{100.0 * met.stability[c]:.1f}", _fmt(met.stability_wind_speed[c], 3),
                       *[_fmt(v, 4) for v in met.mixing_height[c]]]} for c in range(6)]
    return {"heading": words["meteorology"], "paragraphs": paragraphs, "columns": words["meteorology_columns"],
            "rows": rows, "images": [name for name in ("wind_rose", "stability") if name in images]}


def _results_rows(summary: dict, words: dict, language: str) -> list[dict]:
    rows = []
    for key, entry in summary["pollutants"].items():
        for limit in entry["limits"]:
            averaging = LIMIT_WORDS[limit["averaging"]][language]
            candidates = [(words["grid_maximum"], limit["grid_max_contribution_ug_m3"], limit["grid_max_total_ug_m3"],
                           limit["grid_percent_of_limit"])] if limit["grid_max_total_ug_m3"] is not None else []
            candidates += [(f"{r['name']} ({r['id']})", r["contribution_ug_m3"], r["total_ug_m3"],
                            r["percent_of_limit"]) for r in limit["receptors"]]
            for where, c, t, pct in candidates:
                background = t - c if c is not None and t is not None else None
                complies = "—" if pct is None else words["yes" if pct <= 100 else "no"]
                if limit.get("valid_annual_mean") is False:  # a period too short for GB 3095's annual mean
                    complies = words["not_annual"].format(days=limit["valid_days"], needed=MIN_DAYS_ANNUAL)
                rows.append({"cells": [key, averaging, limit["statistic"], where, _fmt(c, 4), _fmt(background, 4),
                                       _fmt(t, 4), _fmt(limit["limit_ug_m3"], 4), _fmt(pct, 3), complies],
                             "flag": "exceed" if pct is not None and pct > 100 else ""})
    return rows


def _episode_section(setup, episode: dict, words: dict) -> dict:
    rows = []
    for key, entry in episode["pollutants"].items():
        for r in [{"name": words["grid_maximum"], "id": "", **entry["grid"]}, *entry["receptors"]]:
            rows.append({"cells": [key, f"{r['name']} {r['id']}".strip(), _fmt(r["max_1h_base_ug_m3"], 4),
                                   _fmt(r["max_1h_cut_ug_m3"], 4), _fmt(r["max_24h_base_ug_m3"], 4),
                                   _fmt(r["max_24h_cut_ug_m3"], 4)]})
    cuts = ", ".join(f"{g}: {100 * c:.0f} %" for g, c in episode["cuts"].items())
    counts = ", ".join(f"{g}: {n}" for g, n in episode["stacks_by_grade"].items())
    reductions = ", ".join(f"{k} {v['emission_cut_percent']:.1f} %" for k, v in episode["pollutants"].items())
    start = local_text(episode["start"], setup.park.spec.utc_offset_hours)
    return {"heading": words["episode"],
            "paragraphs": [{"text": words["episode_note"].format(start=start, hours=episode["hours"], cuts=cuts,
                                                                 counts=counts, reductions=reductions)}],
            "columns": words["episode_columns"], "rows": rows}


def eia_report_view(setup, summary: dict, images: dict, language: str = "zh",
                    met: MeteorologySummary | None = None) -> dict:
    """The report's view (``viz.report``) in ``language`` ("zh" or "en"); ``images`` names the PNGs to place;
    ``met``: the weather's summary when the caller has it already (else computed here)."""
    words = WORDS[language]
    grade = "I" if summary["grade"] == 1 else "II"
    sections = [*_source_sections(setup, words, language), _meteorology_section(setup, summary, words, images, met)]
    rows = []
    for key, entry in summary["pollutants"].items():
        s = entry["screening"]
        name = entry["name_zh"] if language == "zh" else entry["name_en"]
        rows.append({"cells": [f"{name} {key}", _fmt(s["cmax_1h_ug_m3"], 4), _fmt(s["c0_ug_m3"], 4), s["c0_basis"],
                               f"{s['pmax_percent']:.2f}", s["level"]]})
    sections.append({"heading": words["screening"], "paragraphs": [{"text": words["screening_note"]}],
                     "columns": words["screening_columns"], "rows": rows})
    maps = [name for name in images if name not in ("wind_rose", "stability")]
    notes = [{"text": words["results_note"], "warn": False}]
    relief = summary.get("aermod", {}).get("flat_terrain_relief_m")
    if relief is not None:
        notes.append({"text": words["flat_with_relief"].format(relief=relief), "warn": True})
    wakes = summary.get("building_wakes")
    note = wake_note_fields(wakes)
    if note:
        notes.append({"text": words["building_wakes_prime" if note["modelled"] else "building_wakes"].format(**note),
                      "warn": not note["modelled"]})
    sections.append({"heading": words["results"].format(grade=grade), "paragraphs": notes,
                     "columns": words["results_columns"], "rows": _results_rows(summary, words, language),
                     "images": maps})
    rows = []
    for key, entry in summary["pollutants"].items():
        distance = entry["protection_distance_m"]
        rows.append({"cells": [key, "—" if distance is None else f"{distance:.0f}",
                               str(entry.get("protection_distance_at") or "—")]})
    paragraphs = [{"text": words["distance_note"]}]
    if summary["grid_spacing_m"] > 50:
        paragraphs.append({"text": words["distance_coarse"].format(spacing=summary["grid_spacing_m"]), "warn": True})
    sections.append({"heading": words["distance"], "paragraphs": paragraphs, "columns": words["distance_columns"],
                     "rows": rows})
    if summary.get("heavy_pollution") is not None:
        sections.append(_episode_section(setup, summary["heavy_pollution"], words))
    if note:
        shown = wakes["stacks"][:WAKE_ROWS]
        sections.append({"heading": words["wakes"], "paragraphs": [{"text": words["wakes_note"].format(
            shown=len(shown), stacks=wakes["stacks_below_wake_height"])}], "columns": words["wakes_columns"],
            "rows": [{"cells": [row["id"], f"{row['height_m']:g}", f"{row['gep_stack_height_m']:.1f}",
                                str(row["hours_with_structure"]), str(row["hours_below_wake_height"])]}
                     for row in shown]})
    return {"language": language, "title": words["title"].format(scenario=summary["scenario"]),
            "subtitle": words["subtitle"].format(park=summary["park"], hours=summary["hours"], grade=grade),
            "footer": words["footer"].format(model=model_label(setup, words)), "sections": sections}


def model_label(setup, words: dict) -> str:
    """The dispersion model as the report names it: the screening plume, or AERMOD with its terrain, — for a site
    tower's profile file — the number of levels it was gridded through, and its urban option's population; and,
    when NOx (as NO2) is among the pollutants, how it became NO2 (all of it, ARM2 with its ratio bounds, or OLM)."""
    no2 = ""
    if any(is_nox(key) for key in setup.pollutants):
        options = setup.options
        no2 = (words["no2_arm2"].format(minimum=options.arm2_ratios[0], maximum=options.arm2_ratios[1])
               if options.no2_conversion == "arm2" else
               words["no2_olm"].format(equilibrium=options.olm_equilibrium,
                                       group=words["olm_all" if options.olm_grouped else "olm_none"])
               if options.no2_conversion == "olm"
               else words["no2_full"])
    if setup.options.dispersion != "aermod":
        return words["model_screening"] + no2
    levels = int(setup.met.attrs.get("aermet_profile_most_wind_levels", 0))
    tower = is_tower_profile(setup.met.attrs)
    profile = words["profile_tower"].format(levels=levels) if tower else ""
    if setup.options.land_use == "urban":
        profile += words["urban_option"].format(population=setup.options.urban_population)
    return words["model_aermod"].format(terrain=words[f"terrain_{setup.options.terrain}"], profile=profile) + no2


def _area_shape(source, words: dict) -> str:
    """An area source's shape as park.yaml gives it (HJ 2.2's 矩形/多边形/近圆形面源 and 线源 parameters)."""
    if source.rectangle is not None:
        box = source.rectangle
        return words["area_rectangle"].format(x_length=box.x_length, y_length=box.y_length, angle=box.angle)
    if source.circle is not None:
        return words["area_circle"].format(radius=source.circle.radius, count=source.circle.vertices)
    if source.line is not None:
        (x1, y1), (x2, y2) = source.line.start, source.line.end
        return words["area_line"].format(length=round(math.hypot(x2 - x1, y2 - y1), 1), width=source.line.width)
    return words["area_polygon"].format(count=len(source.vertices()))

