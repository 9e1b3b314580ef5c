"""The typed view models of the reports: every field required, exact JSON round trip, errors instead of blanks."""

from __future__ import annotations

import dataclasses
import inspect
import json
import re

import pytest

from viz.brief import render_brief
from viz.plan import render_plan
from viz.templating import render_template
from viz.ensemble_plan import render_ensemble_plan
from viz.brief_view import BriefReceptor, BriefSource, BriefView, DistanceSpread, NotAssessed, ReleaseStart, SourceFiles
from viz.views import (
    EnsembleContour,
    EnsemblePlanView,
    EnsembleReceptor,
    EnsembleThreshold,
    LeakPlanView,
    PlanReceptor,
    PlanZone,
    ReleasedRange,
    ReportParagraph,
    ReportRow,
    ReportSection,
    ReportView,
)


def _zone(**changes) -> dict:
    return {"name": "HJ 169 endpoint-2", "name_zh": "毒性终点浓度-2", "level_mg_m3": 5.8, "area_km2": 1.25,
            "farthest_m": 2400, "reaches_grid_edge": False, "max_width_m": 310.5, "from_transect": False,
            "limited_at_m": None, "note": "", "note_zh": "", "level_ppm": None, **changes}


def _receptor(**changes) -> dict:
    return {"id": "R1", "name": "东村", "kind": "residential", "kind_zh": "居民区", "population": 120,
            "distance_m": 1500, "arrival": "02:31", "arrival_minutes": 31, "peak_mg_m3": 12.5,
            "minutes_above_endpoint2": 40, "level": "HJ 169 endpoint-2", "level_zh": "毒性终点浓度-2",
            "action": "evacuate", "probit": 3.27, "probability_of_death": 0.0416, **changes}


def leak_view_dict(**changes) -> dict:
    """A complete impacts.json-like dict, keys in the order the leak run writes them."""
    rules = [["I", "endpoint-1 reached"], ["II", "endpoint-2 reached"]]
    return {
        "scenario": "test-leak", "park": "测试园区", "language": "en", "substance": "chlorine",
        "substance_key": "chlorine", "cas": "7782-50-5", "risk_source": "Tank (T1)", "enterprise": "Acme",
        "start": "2026-07-15 02:00 +0800", "weather": "stability F, 1.5 m/s", "weather_zh": "F 类，1.5 m/s",
        "source_term": "liquid through a hole", "source_model": "tank_liquid_hole", "source_rule": "",
        "source_term_zh": "液体经孔流出", "source_model_zh": "储罐液相孔口泄漏", "source_rule_zh": "",
        "airborne_split_kg": {"flash": 10.5, "pool_evaporation": 20.0}, "outflow_kg": 100.0,
        "remaining_pool_kg": 69.5, "remaining_tank_kg": 900.0, "container_kind": "tank",
        "probit_source": "not available", "probit_equation": "not available", "probit_source_zh": "not available",
        "probit_equation_zh": "not available", "released_kg": 30.5, "release_minutes": 10.0,
        "peak_rate_kg_s": 0.051, "zones": [_zone()], "grid_extent_m": [6000.0, 6000.0],
        "receptors": [_receptor(), _receptor(id="R2", arrival=None, arrival_minutes=None, probit=None,
                                             action="none")],
        "response_level": "II", "response_rule": "endpoint-2 reached", "response_rules": rules,
        "response_rule_zh": "达到终点-2", "response_rules_zh": [["I", "终点-1"], ["II", "终点-2"]],
        "evacuation_distance_m": 2400, "dense_gas": False, "dense_gas_message": "light", "dense_gas_message_zh": "轻",
        "dispersion_model": "gaussian_puff", "dispersion_model_zh": "高斯烟团模型",
        "dispersion_model_en": "Gaussian puffs", "dispersion_model_forced": False, "richardson_number": 0.01,
        "richardson_threshold": 0.1667, "release_kind": "continuous", "release_density_kg_m3": 1.2,
        "ambient_density_kg_m3": 1.18, "aerosol_fraction": 0.0, "buoyancy_flux_m4_s3": 0.0,
        "dispersion_rule": "light gas", "dispersion_rule_zh": "轻质气体", "validity": "hourly weather",
        "validity_zh": "逐时气象", "shelter_rule_minutes": 30.0, "population_reached": {"HJ 169 endpoint-2": 120},
        "averaging": "60 min", **changes}


def test_the_dict_round_trip_is_exact_in_content_and_key_order():
    data = leak_view_dict()
    view = LeakPlanView.from_dict(data)
    assert isinstance(view.zones[0], PlanZone) and isinstance(view.receptors[1], PlanReceptor)
    assert view.to_dict() == data
    assert json.dumps(view.to_dict(), ensure_ascii=False, indent=2) == json.dumps(data, ensure_ascii=False, indent=2)


def test_every_field_is_documented_in_the_class_source():
    for cls in (LeakPlanView, PlanZone, PlanReceptor, EnsemblePlanView, EnsembleReceptor, EnsembleContour,
                EnsembleThreshold, ReleasedRange, ReportView, ReportSection, ReportParagraph, ReportRow, BriefView,
                BriefSource, BriefReceptor, DistanceSpread, SourceFiles, ReleaseStart, NotAssessed):
        source = inspect.getsource(cls)
        for field in dataclasses.fields(cls):
            line = f"    {field.name}: "
            assert line in source, (cls.__name__, field.name)
            after = source.split(line, 1)[1].splitlines()[1].strip()
            assert after.startswith('"""') and len(after) > 10, (cls.__name__, field.name)


@pytest.mark.parametrize("missing", ["weather_zh", "zones", "averaging"])
def test_a_missing_field_fails_at_construction(missing):
    data = leak_view_dict()
    del data[missing]
    with pytest.raises(TypeError, match=missing):
        LeakPlanView.from_dict(data)


def test_a_misspelt_field_fails_at_construction():
    data = leak_view_dict()
    data["evacuation_distance"] = data.pop("evacuation_distance_m")
    with pytest.raises(TypeError, match="evacuation_distance"):
        LeakPlanView.from_dict(data)
    with pytest.raises(TypeError, match="farthest"):
        LeakPlanView.from_dict(leak_view_dict(zones=[{k: v for k, v in _zone().items() if k != "farthest_m"}]))
    with pytest.raises(TypeError, match="kind_zh"):
        PlanReceptor(**{k: v for k, v in _receptor().items() if k != "kind_zh"})


def test_views_are_frozen():
    view = LeakPlanView.from_dict(leak_view_dict())
    with pytest.raises(dataclasses.FrozenInstanceError):
        view.response_level = "I"


@pytest.mark.parametrize("language, words", [("en", ["Emergency plan draft", "Level II", "2400 m", "Gaussian puffs"]),
                                             ("zh", ["突发环境事件应急预案", "II 级", "2400 m", "居民区"])])
def test_the_plan_renders_from_the_typed_view_as_it_did_from_the_dict(tmp_path, language, words):
    """The template gives the same page for the dataclass as for the plain dict it used to receive; render_plan takes
    either (a dict is checked into the typed view first)."""
    data = leak_view_dict(language=language)
    typed = render_template(f"plan_{language}.html", v=LeakPlanView.from_dict(data), map_png=None, scene_png=None)
    assert typed == render_template(f"plan_{language}.html", v=data, map_png=None, scene_png=None)
    for word in words:
        assert word in typed
    written = render_plan(data, tmp_path / "plan.html").read_text(encoding="utf-8")
    assert all(word in written for word in words)


def test_a_view_dict_missing_a_field_does_not_render(tmp_path):
    data = leak_view_dict()
    del data["validity"]
    with pytest.raises(TypeError, match="validity"):
        render_plan(data, tmp_path / "plan.html")
    assert not (tmp_path / "plan.html").exists()


def ensemble_view_dict(**changes) -> dict:
    """A complete ensemble.json-like dict, keys in the order the ensemble writes them."""
    names = ["wind_direction_offset"]
    return {
        "scenario": "test-ensemble", "park": "测试园区", "language": "en", "substance": "chlorine", "cas": "7782-50-5",
        "risk_source": "Tank (T1)", "enterprise": "Acme", "start": "2026-07-15 02:00 +0800", "weather": "F, 1.5 m/s",
        "weather_zh": "F 类", "members": 2, "seed": 7, "scenario_sha256": "ab" * 32,
        "perturbations": {"wind_direction_offset": {"distribution": "normal", "mean": 0.0, "std": 15.0}},
        "parameter_names": names, "parameter_units": {"wind_direction_offset": "degree"},
        "parameter_names_zh": {"wind_direction_offset": "风向偏移"}, "parameter_units_zh": {"wind_direction_offset": "°"},
        "perturbations_zh": {"wind_direction_offset": "分布 = 正态分布，均值 = 0.0，标准差 = 15.0"},
        "thresholds": [{"name": "HJ 169 endpoint-2", "name_zh": "毒性终点浓度-2", "mg_m3": 5.8}],
        "endpoint2": "HJ 169 endpoint-2", "endpoint2_zh": "毒性终点浓度-2", "averaging": "60 min",
        "released_kg": {"min": 10.0, "median": 12.5, "max": 15.0}, "probability_levels": [0.1, 0.5, 0.9],
        "contours": [{"name": "P(HJ 169 endpoint-2) >= 50%", "name_zh": "P（毒性终点浓度-2）≥ 50%", "level": 0.5,
                      "area_km2": 0.5, "farthest_m": 1200}],
        "expected_people_endpoint2": 60.0, "standard_error_note": "at most 0.35 with N = 2",
        "standard_error_note_zh": "不超过 0.35（N = 2）",
        "receptors": [{"id": "R1", "name": "东村", "kind": "residential", "kind_zh": "居民区", "population": 120,
                       "distance_m": 1500, "probability_endpoint1": None, "probability_endpoint2": 0.5,
                       "probabilities": {"HJ 169 endpoint-2": 0.5}, "members_reached_endpoint2": 1,
                       "arrival_minutes_p10": 20.0, "arrival_minutes_p50": 20.0, "arrival_minutes_p90": 20.0,
                       "expected_people_endpoint2": 60.0}],
        "member_table": [{"index": 0, "seed": 1, "wind_direction_offset": -3.2, "released_kg": 10.0,
                          "receptors_reached_endpoint2": 1},
                         {"index": 1, "seed": 2, "wind_direction_offset": 4.1, "released_kg": 15.0,
                          "receptors_reached_endpoint2": 0}],
        **changes}


def test_the_ensemble_view_round_trips_exactly_and_renders_as_from_the_dict(tmp_path):
    data = ensemble_view_dict()
    view = EnsemblePlanView.from_dict(data)
    assert isinstance(view.released_kg, ReleasedRange) and isinstance(view.receptors[0], EnsembleReceptor)
    assert json.dumps(view.to_dict(), ensure_ascii=False, indent=2) == json.dumps(data, ensure_ascii=False, indent=2)
    for language in ("en", "zh"):
        typed = render_template(f"plan_ensemble_{language}.html", v=dataclasses.replace(view, language=language),
                                map_png=None)
        assert typed == render_template(f"plan_ensemble_{language}.html", v=data | {"language": language},
                                        map_png=None)
    assert "Members and their parameters" in render_ensemble_plan(data, tmp_path / "e.html").read_text("utf-8")


def test_an_ensemble_view_missing_a_field_fails_at_construction():
    data = ensemble_view_dict()
    del data["standard_error_note_zh"]
    with pytest.raises(TypeError, match="standard_error_note_zh"):
        EnsemblePlanView.from_dict(data)
    rows = [{k: v for k, v in ensemble_view_dict()["receptors"][0].items() if k != "arrival_minutes_p90"}]
    with pytest.raises(TypeError, match="arrival_minutes_p90"):
        EnsemblePlanView.from_dict(ensemble_view_dict(receptors=rows))


def test_a_report_view_is_typed_and_its_dict_form_checked():
    view = ReportView.from_dict({"language": "en", "title": "T", "subtitle": "", "footer": "",
                                 "sections": [{"heading": "A", "rows": [{"cells": [1, "x"], "flag": "exceed"}],
                                               "paragraphs": [{"text": "p"}]}]})
    assert view.sections[0].rows[0] == ReportRow(cells=(1, "x"), flag="exceed")
    assert view.sections[0].paragraphs[0] == ReportParagraph(text="p", warn=False)
    with pytest.raises(TypeError, match="footer"):
        ReportView.from_dict({"language": "en", "title": "T", "subtitle": "", "sections": []})
    with pytest.raises(TypeError, match="paragraph"):
        ReportSection.from_dict({"heading": "A", "paragraph": [{"text": "misspelt key"}]})
    with pytest.raises(TypeError, match="heading"):
        ReportSection.from_dict({"paragraphs": [{"text": "no heading"}]})
    with pytest.raises(TypeError, match="warning"):
        ReportSection.from_dict({"heading": "A", "paragraphs": [{"text": "p", "warning": True}]})


def brief_view_dict(**changes) -> dict:
    """A complete summary.json-like dict of the nightly forecast, keys in the order the forecast writes them."""
    receptor = {"id": "R1", "name": "东村", "kind": "residential", "population": 120, "distance_m": 1500,
                "probability_endpoint2": 0.5, "probability_endpoint1": 0.25, "peak_60min_mg_m3_p90": 12.5,
                "earliest_arrival_minutes": 20}
    source = {"id": "T1", "name": "Tank", "kind": "tank", "enterprise": "Acme", "substance": "chlorine",
              "substance_zh": "氯气", "cas": "7782-50-5", "released_kg": 100.0, "release_rate_kg_s": 0.167,
              "release_minutes": 10.0, "endpoint1_mg_m3": 58.0, "endpoint2_mg_m3": 5.8,
              "endpoint1_distance_m": {"p50": 300, "max": 500}, "endpoint2_distance_m": {"p50": 900, "max": 1400},
              "reaches_grid_edge": False, "risk_score": 60.0, "max_probability_endpoint2": 0.5,
              "dense_gas_member_fraction": 0.0, "receptors_reached": [receptor], "receptors": [receptor],
              "files": {"netcdf": "T1/forecast.nc", "geojson": "T1/zones.geojson", "map": None,
                        "scenario": "T1/scenario.yaml"}, "rank": 1}
    return {"cycle": "2026071500", "cycle_time_utc": "2026-07-15T00:00:00+00:00",
            "cycle_time_local": "2026-07-15 08:00 +08:00", "language": "en", "park": "测试园区",
            "forecast_file": "f.nc", "horizon_hours": 24, "members": 4, "release_rule": "10-min release",
            "start_rule": "most stable hour", "rank_rule": "expected people",
            "release_start": {"start_utc": "2026-07-15T02:00:00+00:00", "start_local": "2026-07-15 10:00 +08:00",
                              "stability": "F", "wind_speed_m_s": 1.2,
                              "wind_from_direction_deg": 90},
            "simulation_hours": 3, "perturbations": {"wind_speed_factor": {"distribution": "lognormal"}},
            "sources": [source], "not_assessed": [{"id": "T2", "name": "Acid", "substance": "HCl", "reason": "liquid"}],
            "flood": {"rule": "24 h ≥ 50 mm", "rain": None, "triggered": False, "decision": "not triggered"},
            **changes}


def test_the_brief_view_round_trips_exactly_and_renders_as_from_the_dict(tmp_path):
    data = brief_view_dict()
    view = BriefView.from_dict(data)
    assert view.sources[0].endpoint2_distance_m == DistanceSpread(p50=900, max=1400)
    assert json.dumps(view.to_dict(), ensure_ascii=False, indent=2) == json.dumps(data, ensure_ascii=False, indent=2)
    words = {"kinds": {}, "asset_kinds": {}, "hazards": {}}
    typed = render_template("brief_en.html", v=view, images={}, **words)
    assert typed == render_template("brief_en.html", v=data, images={}, **words)
    assert "Not assessed" in typed and "东村 50 %" in typed


def test_a_brief_view_missing_or_misspelling_a_field_fails_at_construction():
    data = brief_view_dict()
    del data["rank_rule"]
    with pytest.raises(TypeError, match="rank_rule"):
        BriefView.from_dict(data)
    source = {**brief_view_dict()["sources"][0], "risk": 60.0}
    with pytest.raises(TypeError, match="risk"):
        BriefView.from_dict(brief_view_dict(sources=[source]))


# Fixed words of each brief template (headings and labels) that the other language's brief must not contain; the
# data (park, receptor and enterprise names from park.yaml) may be in either language.
BRIEF_WORDS = {"zh": ("风险排序", "未评估的风险源", "泄漏起始时间", "敏感目标", "内涝 — 暴雨判据", "排名"),
               "en": ("Ranking", "Not assessed", "Release start", "Receptor", "Flooding — heavy-rain rule", "Rank")}
ISO_UTC = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}|\d{2}:\d{2}(:\d{2})?Z\b|\bUTC\b")


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_brief_speaks_its_language_and_local_time_only(tmp_path, language):
    flood = {"rule": "r", "triggered": True, "decision": "d", "hours": 24,
             "rain": {"total_mm": 150.4, "windows": {
                 w: {"max_mm": 30.0, "window_start_utc": "2026-07-15T12:00Z",
                     "window_start_local": "2026-07-15 20:00 +08:00"} for w in ("24h", "12h", "1h")}},
             "start_utc": "2026-07-15T00:00Z", "start_local": "2026-07-15 08:00 +08:00",
             "grid": {"cells": [50, 50], "spacing_m": 200.0}, "rain_field": "rain", "sea_level": "tide",
             "flooded": [{"rank": 1, "id": "W1", "name": "Warehouse", "kind": "warehouse", "substance": "waste",
                          "enterprise": "Acme", "first_flooded_utc": "2026-07-15T13:30Z",
                          "first_flooded_local": "2026-07-15 21:30 +08:00", "hours_after_cycle_start": 13.5,
                          "peak_water_above_floor_m": 0.4, "hours_above_sill": 3.0, "hazard_class": "low"}],
             "water_reactive_wet": [{"id": "W1", "name": "Warehouse", "substance": "waste",
                                     "water_at_unit_utc": "2026-07-15T12:10Z",
                                     "water_at_unit_local": "2026-07-15 20:10 +08:00"}]}
    path = render_brief(brief_view_dict(language=language, flood=flood), tmp_path / "brief.html")
    html = path.read_text(encoding="utf-8")
    other = "en" if language == "zh" else "zh"
    assert all(word in html for word in BRIEF_WORDS[language]), language
    assert not [word for word in BRIEF_WORDS[other] if word in html]
    # every time the reader sees is local with its offset; none of the UTC stamps the view also holds
    for local in ("2026-07-15 08:00 +08:00", "2026-07-15 10:00 +08:00", "2026-07-15 20:00 +08:00",
                  "2026-07-15 21:30 +08:00", "2026-07-15 20:10 +08:00"):
        assert local in html
    assert not ISO_UTC.search(html), ISO_UTC.search(html)
    assert ("居民区" in html) == (language == "zh") and ("低" in html) == (language == "zh")  # kinds, hazard words


def test_a_brief_in_another_language_is_refused(tmp_path):
    with pytest.raises(ValueError, match="language must be one of en, zh, got 'fr'"):
        render_brief(brief_view_dict(language="fr"), tmp_path / "brief.html")


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_plan_gives_each_zone_in_mg_m3_and_ppm(language):
    """Issue 14: planners read AEGL and ERPG in ppm; each zone row carries both units (ppm at 25 °C), and a zone
    without a molar mass shows a dash, never a made-up number."""
    import re

    from twin.chemicals import ppm_at_25c

    ppm = float(f"{float(ppm_at_25c(5.8, 70.906)):.3g}")
    assert ppm == 2.0
    data = leak_view_dict(language=language, zones=[_zone(level_ppm=ppm), _zone(name="HJ 169 endpoint-1",
                                                                                 level_mg_m3=58.0)])
    page = render_template(f"plan_{language}.html", v=LeakPlanView.from_dict(data), map_png=None, scene_png=None)
    assert "ppm (25 °C)" in page
    rows = re.findall(r"<tr><td>[^<]*</td><td>([^<]*)</td><td>([^<]*)</td>", page)
    assert ("5.8", "2.0") in rows and ("58.0", "—") in rows, rows
