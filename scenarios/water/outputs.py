"""What a ``kind: water`` run writes: ``water.nc`` (CF-1.11: concentrations along the river on a ``distance`` axis,
current loads and loads at the caps), ``caps.csv`` / ``caps.json`` / ``caps.html`` (the shape of the air caps),
``profile.png`` (longitudinal profile with the class limits) and ``river_map.png`` / ``river_map_caps.png`` (the
river coloured by the class it meets at the current loads / at the caps). Every file is written atomically; concentrations go out in mg/L (what GB 3838-2002 states), flows
in m3/s, loads in t/yr.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import xarray as xr

from dispersion.river import RiverModel, RiverProfile
from scenarios.common.views import map_view, outline_layer
from scenarios.water.spec import WaterScenario
from twin.atomic import atomic_output, write_text_atomic
from twin.schema import grid_mapping_variable, point_xy_coords
from twin.store import Provenance, write_netcdf
from twin.water import OXYGEN
from twin.water_standards import WATER_CLASSES, water_standard
from viz.report import render_report
from viz.river import ProfilePanel, RiverClassLayer, RiverProfileView, render_river_map, render_river_profile

__all__ = ["write_water_outputs", "water_dataset", "water_caps_view", "class_along"]

_MG_L = 1e3  # kg m-3 → mg/L at the output boundary
_LONG_NAMES = {
    "cod": "chemical oxygen demand (COD) of river water",
    "bod5": "five-day biochemical oxygen demand (BOD5) of river water",
    "ammonia_nitrogen": "ammonia nitrogen (NH3-N) concentration in river water",
    "permanganate_index": "permanganate index (CODMn) of river water",
    "total_phosphorus": "total phosphorus (as P) concentration in river water",
    OXYGEN: "dissolved oxygen concentration in river water",
}
_NAMES_ZH = {"cod": "化学需氧量 COD", "bod5": "五日生化需氧量 BOD5", "ammonia_nitrogen": "氨氮 NH3-N",
             "permanganate_index": "高锰酸盐指数", "total_phosphorus": "总磷", OXYGEN: "溶解氧 DO"}


def water_dataset(park, model: RiverModel, current: RiverProfile, at_caps: RiverProfile) -> xr.Dataset:
    """The CF dataset: dims (loading, distance) and (section,)."""
    epsg = park.spec.epsg
    coords = {"distance": ("distance", current.distance, {"long_name": "distance along the river centreline from "
                                                                      "its upstream end", "units": "m"}),
              # CF §3.5 flags: an integer coordinate (a string one defeats CF tools' monotonicity checks)
              "loading": ("loading", np.array([0, 1], dtype=np.int32),
                          {"long_name": "outfall loads", "flag_values": np.array([0, 1], dtype=np.int32),
                           "flag_meanings": "current_effluent at_caps"}),
              **point_xy_coords(current.x, current.y, epsg, "distance",
                                long_names=("easting", "northing", "longitude", "latitude"))}
    data = {"crs": grid_mapping_variable(epsg),
            "river_discharge": ("distance", current.flow, {"standard_name": "water_volume_transport_in_river_channel",
                                                          "long_name": "river discharge at the design flow",
                                                          "units": "m3 s-1", "grid_mapping": "crs"}),
            "velocity": ("distance", current.velocity, {"long_name": "mean river velocity", "units": "m s-1",
                                                        "grid_mapping": "crs"}),
            "depth": ("distance", current.depth, {"long_name": "mean river depth", "units": "m",
                                                  "grid_mapping": "crs"}),
            "travel_time": ("distance", current.travel_time, {"long_name": "travel time from the upstream end",
                                                              "units": "s", "grid_mapping": "crs"})}
    for key in current.concentration:
        values = np.stack([current.concentration[key], at_caps.concentration[key]]) * _MG_L
        data[key] = (("loading", "distance"), values, {"long_name": _LONG_NAMES.get(key, key), "units": "mg L-1",
                                                       "grid_mapping": "crs", "coordinates": "x y lon lat"})
    sections = model.river.control_sections
    if sections:
        coords["section_id"] = ("section", np.array([s.id for s in sections], dtype=object),
                                {"long_name": "control section identifier", "cf_role": "timeseries_id"})
        data["section_distance"] = ("section", model.section_chainage, {"long_name": "chainage of the control "
                                                                                     "section", "units": "m"})
        data["section_class"] = ("section", np.array([s.water_class for s in sections], dtype=object),
                                 {"long_name": "GB 3838-2002 water-quality class the section must meet"})
    ds = xr.Dataset(data_vars=data, coords=coords)
    for name in ds.data_vars:
        if name != "crs":
            ds[name].attrs["coverage_content_type"] = "modelResult"  # ACDD-1.3
    return ds


def class_along(profile: RiverProfile) -> list[str]:
    """The best GB 3838-2002 class every modelled quantity meets at each profile point ('劣V' when none)."""
    classes = []
    for i in range(profile.distance.size):
        met = "劣V"
        for water_class in reversed(WATER_CLASSES):
            ok = True
            for key, values in profile.concentration.items():
                standard = water_standard(key)
                limit = standard.limit(water_class)
                ok &= values[i] >= limit if standard.sense == "minimum" else values[i] <= limit
            if ok:
                met = water_class
            else:
                break
        classes.append(met)
    return classes


def _write_csv(out_dir: Path, report: dict) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["pollutant", "outfall_id", "outfall_name", "enterprise", "flow_m3_d", "current_mg_l",
                     "current_t_yr", "cap_t_yr", "cap_mg_l", "cap_over_current", "optimal_t_yr",
                     "equal_proportion_t_yr", "segment_alone_t_yr", "lp_alone_t_yr"])
    for entry in report["pollutants"]:
        for o in entry["outfalls"]:
            writer.writerow([entry["pollutant"], o["id"], o["name"], o["enterprise"], f"{o['flow_m3_d']:.6g}",
                             f"{o['current_mg_l']:.6g}", f"{o['current_t_yr']:.6g}", f"{o['cap_t_yr']:.6g}",
                             f"{o['cap_mg_l']:.6g}",
                             "" if o["cap_over_current"] is None else f"{o['cap_over_current']:.4f}",
                             f"{o['optimal_t_yr']:.6g}",
                             "" if o["equal_proportion_t_yr"] is None else f"{o['equal_proportion_t_yr']:.6g}",
                             f"{o['segment_alone_t_yr']:.6g}", f"{o['lp_alone_t_yr']:.6g}"])
        writer.writerow([entry["pollutant"], "TOTAL", "", "", "", "", f"{entry['current_total_t_yr']:.6g}",
                         f"{entry['cap_total_t_yr']:.6g}", "", "", "", "", "", ""])
    with atomic_output(out_dir / "caps.csv") as temporary:
        temporary.write_text(buffer.getvalue(), encoding="utf-8-sig")
    return out_dir / "caps.csv"


def _name(key: str, language: str) -> str:
    return _NAMES_ZH.get(key, key) if language == "zh" else key


def _profile_view(scenario: WaterScenario, model: RiverModel, current: RiverProfile,
                  at_caps: RiverProfile) -> RiverProfileView:
    zh = scenario.language == "zh"
    used = sorted({s.water_class for s in model.river.control_sections}, key=WATER_CLASSES.index)
    panels = []
    for key in current.concentration:
        panels.append(ProfilePanel(
            title=_name(key, scenario.language),
            series={("现状排放" if zh else "current loads"): current.concentration[key] * _MG_L,
                    ("允许排放量" if zh else "at the caps"): at_caps.concentration[key] * _MG_L},
            limits={c: water_standard(key).limit(c) * _MG_L for c in used}))
    return RiverProfileView(
        title=f"{model.river.name} — {'沿程水质（设计流量）' if zh else 'water quality at design flow'}",
        distance=current.distance / 1000.0, panels=panels,
        outfalls=[(o.id, x / 1000.0) for o, x in zip(model.river.outfalls, model.outfall_chainage)],
        sections=[(f"{s.id} ({s.water_class})", x / 1000.0)
                  for s, x in zip(model.river.control_sections, model.section_chainage)],
        xlabel="距上游端距离 [km]" if zh else "Distance from the upstream end [km]")


def _map(scenario, park, model: RiverModel, current: RiverProfile, path: Path, at_caps: bool = False) -> Path:
    x, y = current.x, current.y
    margin = 1500.0
    extent = (float(x.min() - margin), float(x.max() + margin), float(y.min() - margin), float(y.max() + margin))
    zh = scenario.language == "zh"
    what = ("允许排放量下水质类别" if zh else "class met at the caps") if at_caps else \
        ("现状水质类别" if zh else "class met at current loads")
    view = map_view(park, None, title=f"{model.river.name} — {what}",
                    extent=extent, outline=outline_layer(park, extent),
                    notes=("GB 3838-2002; " + ("设计流量下一维稳态模型" if zh else "1-D steady model at design flow"),))
    layer = RiverClassLayer(x=x, y=y, classes=class_along(current),
                            outfalls=[(o.id, o.x, o.y) for o in model.river.outfalls],
                            sections=[(f"{s.id} ({s.water_class})", s.x, s.y) for s in model.river.control_sections],
                            legend_title="GB 3838-2002 类别" if zh else "GB 3838-2002 class")
    return render_river_map(view, layer, path)


def write_water_outputs(scenario: WaterScenario, park, model: RiverModel, report: dict, current: RiverProfile,
                        at_caps: RiverProfile, out_dir: Path, config_json: str, command_line) -> dict[str, Path]:
    """Write every output into ``out_dir``; return the paths by role."""
    provenance = Provenance(scenario_config=config_json, command_line=command_line,
                            extra_attrs={"scenario_id": scenario.name, "park_name": park.spec.name,
                                         "river_id": model.river.id})
    paths = {"netcdf": write_netcdf(
        water_dataset(park, model, current, at_caps), out_dir / "water.nc", provenance,
        title=f"ParkTwin river water quality: {scenario.name} ({model.river.name})",
        summary="Steady one-dimensional river water quality at the design flow (first-order decay, complete mixing "
                "at outfalls, Streeter-Phelps dissolved oxygen) for the current outfall loads and the loads at the "
                "water environmental capacity caps.",
        keywords=["water quality", "river", "water environmental capacity", "GB 3838-2002"])}
    paths["caps_csv"] = _write_csv(out_dir, report)
    paths["caps_json"] = write_text_atomic(out_dir / "caps.json", json.dumps(report, ensure_ascii=False, indent=2)
                                           + "\n")
    images = {}
    if scenario.maps:
        paths["profile"] = images["profile"] = render_river_profile(
            _profile_view(scenario, model, current, at_caps), out_dir / "profile.png")
        paths["river_map"] = images["river_map"] = _map(scenario, park, model, current, out_dir / "river_map.png")
        paths["river_map_caps"] = images["river_map_caps"] = _map(scenario, park, model, at_caps,
                                                                  out_dir / "river_map_caps.png", at_caps=True)
    paths["caps_html"] = render_report(water_caps_view(report, scenario.language, figures=tuple(images)),
                                       out_dir / "caps.html", images=images)
    return paths


_WORDS = {
    "zh": {"title": "水环境容量与允许排放量 — {river} — {scenario}", "subtitle": "{park} · ParkTwin 水环境容量测算",
           "caps": "{n}. {pollutant}：允许排放量",
           "caps_note": "现状 {current:.4g} t/a → 允许排放量 {cap:.4g} t/a（{method}；规则 {rule}；限值 × {safety:g}）；"
                        "线性规划最大总量 {optimal:.4g} t/a，等比例分配 {proportional} t/a。单独排放时的容量：段尾控制"
                        "公式与线性规划逐一对照。",
           "caps_columns": ["排口", "企业", "水量 (m³/d)", "现状 (mg/L)", "现状 (t/a)", "允许 (t/a)", "允许 (mg/L)",
                            "等比例 (t/a)", "单独：公式法 (t/a)", "单独：线性规划 (t/a)"],
           "binding": "起约束作用的断面：{items}", "sections": "断面：现状与允许排放量下的浓度",
           "section_columns": ["断面", "类别", "指标", "限值 (mg/L)", "现状 (mg/L)", "允许排放量下 (mg/L)"],
           "mixing": "混合过程段长度", "mixing_columns": ["排口", "HJ/T 2.3-93 式 (m)", "HJ 2.3-2018 式 (m)",
                                                         "段内断面（一维完全混合假定不成立）"],
           "ensemble": "设计流量与降解系数扰动：现状排放下断面超标概率",
           "ensemble_columns": ["断面", "指标", "超标概率"], "figures": "图件",
           "footer": "一维稳态水质模型（一级降解、排口完全混合、Streeter–Phelps 溶解氧）；线性规划由 HiGHS 求解。"},
    "en": {"title": "Water environmental capacity — {river} — {scenario}", "subtitle": "{park} · ParkTwin water caps",
           "caps": "{n}. {pollutant}: caps per outfall",
           "caps_note": "current {current:.4g} t/yr → cap {cap:.4g} t/yr ({method}; rule {rule}; limits × "
                        "{safety:g}); largest total by linear program {optimal:.4g} t/yr, equal proportion "
                        "{proportional} t/yr. Each outfall's capacity alone: segment formula against the LP.",
           "caps_columns": ["Outfall", "Enterprise", "Flow (m³/d)", "Current (mg/L)", "Current (t/yr)", "Cap (t/yr)",
                            "Cap (mg/L)", "Equal proportion (t/yr)", "Alone: segment (t/yr)", "Alone: LP (t/yr)"],
           "binding": "Binding sections: {items}", "sections": "Sections: current and at the caps",
           "section_columns": ["Section", "Class", "Quantity", "Limit (mg/L)", "Current (mg/L)", "At caps (mg/L)"],
           "mixing": "Mixing-zone lengths", "mixing_columns": ["Outfall", "HJ/T 2.3-93 form (m)", "HJ 2.3-2018 form (m)",
                                                              "Sections inside (1-D complete mixing does not hold)"],
           "ensemble": "Perturbed design flow and decay: probability of failing the class at the current loads",
           "ensemble_columns": ["Section", "Quantity", "Probability"], "figures": "Figures",
           "footer": "Steady 1-D river model (first-order decay, complete mixing at outfalls, Streeter–Phelps "
                     "dissolved oxygen); linear program solved with HiGHS."},
}


def _number(value) -> str:
    return "—" if value is None else f"{value:.4g}"


def water_caps_view(report: dict, language: str = "zh", figures: tuple[str, ...] = ()) -> dict:
    """The caps report (``viz.report``) in ``language``, with the named ``figures`` (profile, river_map)."""
    words = _WORDS[language]
    sections = []
    for n, entry in enumerate(report["pollutants"], start=1):
        note = words["caps_note"].format(current=entry["current_total_t_yr"], cap=entry["cap_total_t_yr"],
                                         method=entry["method"], rule=report["rule"], safety=report["safety_factor"],
                                         optimal=entry["optimal_total_t_yr"],
                                         proportional=_number(entry["equal_proportion_total_t_yr"]))
        binding = ", ".join(f"{b['section']} {b['name']} ({b['class']}, {b['quantity']})" for b in entry["binding"])
        paragraphs = [{"text": note}, {"text": words["binding"].format(items=binding or "—")}]
        paragraphs += [{"text": text, "warn": True} for text in entry["notes"]]
        sections.append({
            "heading": words["caps"].format(n=n, pollutant=_name(entry["pollutant"], language)),
            "paragraphs": paragraphs, "columns": words["caps_columns"],
            "rows": [{"cells": [f"{o['name']} ({o['id']})", o["enterprise"], f"{o['flow_m3_d']:.0f}",
                                _number(o["current_mg_l"]), _number(o["current_t_yr"]), _number(o["cap_t_yr"]),
                                _number(o["cap_mg_l"]), _number(o["equal_proportion_t_yr"]),
                                _number(o["segment_alone_t_yr"]), _number(o["lp_alone_t_yr"])],
                      "flag": "exceed" if o["cap_over_current"] is not None and o["cap_over_current"] < 1 - 1e-6
                      else ""} for o in entry["outfalls"]]})
    rows = [{"cells": [f"{s['name']} ({s['id']})", s["class"], _name(s["quantity"], language),
                       _number(s["limit_mg_l"]), _number(s["current_mg_l"]), _number(s["at_caps_mg_l"])],
             "flag": "exceed" if (s["current_mg_l"] > s["limit_mg_l"]) == (s["sense"] == "maximum") else ""}
            for entry in report["pollutants"] for s in entry["sections"]
            if s["quantity"] == entry["pollutant"] or s["quantity"] == OXYGEN]
    sections.append({"heading": words["sections"], "columns": words["section_columns"], "rows": rows})
    sections.append({"heading": words["mixing"], "columns": words["mixing_columns"],
                     "rows": [{"cells": [z["outfall"], _number(z["length_hjt_1993_m"]), _number(z["length_hj_2018_m"]),
                                         ", ".join(z["sections_inside"]) or "—"],
                               "flag": "exceed" if z["sections_inside"] else ""} for z in report["mixing_zones"]]})
    if report.get("ensemble"):
        sections.append({"heading": words["ensemble"], "columns": words["ensemble_columns"],
                         "rows": [{"cells": [s["section"], _name(s["quantity"], language),
                                             f"{s['probability_of_failing_class']:.1%}"]}
                                  for s in report["ensemble"]["sections"]]})
    if figures:
        sections.append({"heading": words["figures"], "images": list(figures)})
    return {"language": language, "title": words["title"].format(river=report["river_name"],
                                                                 scenario=report["scenario"]),
            "subtitle": words["subtitle"].format(park=report.get("park", "")), "sections": sections,
            "footer": words["footer"]}
