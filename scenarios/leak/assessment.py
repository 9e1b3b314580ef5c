"""A toxic leak's threat assessment: thresholds, threat zones, receptor impacts, response level and validity.

Thresholds are compared with running means over their averaging time: the HJ 169-2018 Appendix H endpoints and
the AEGL/ERPG values are 60-minute values, so zones and impacts use the maximum 60-min running mean (never an
instantaneous peak). AEGL/ERPG values in ppm are converted to mass concentrations at the scenario's air temperature
and pressure (ideal gas). Here: the thresholds (:func:`toxic_thresholds`), the zones of each and how they were
measured (:func:`leak_threat_zones`), the lethality probit constants, the graded response level
(:func:`response_level`) and protective action (:func:`protective_action`), and how far the answer holds
(:func:`validity_text`). :mod:`scenarios.leak.run` runs these steps; :mod:`scenarios.leak.outputs` writes them.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from scenarios.common.impact import ProbitCoefficients, people_mask
from scenarios.common.zones import ThreatZone, farthest_distance, limit_to_distance, threat_zone, transect_extent
from scenarios.leak.dispersion import CONSTANT_WEATHER_DISTANCE_LIMIT, cloud_paths
from viz.wording import sentence, term, terms

__all__ = ["AVERAGING_TIME", "RESPONSE_RULES", "RESPONSE_RULES_ZH", "SHELTER_IF_ARRIVAL_WITHIN", "LeakAssessment",
           "toxic_thresholds", "threshold_name_zh", "endpoint2_name", "response_level", "protective_action",
           "leak_response_level", "probit_coefficients", "worst_reached", "tail_travel", "leak_threat_zones",
           "validity_text"]

AVERAGING_TIME = 3600.0  # HJ 169 Appendix H endpoints and AEGL-60 min / ERPG: 60-minute values [s]

# ParkTwin's default grading rule (to be aligned with each park's own emergency plan), stated in every report; its
# wording, and the Chinese plan's words for the HJ 169-2018 Appendix H thresholds (毒性终点浓度; AEGL and ERPG are
# proper names and keep theirs), come from the wording catalogue (viz.wording).
RESPONSE_RULES = tuple((level, term(f"response_rule.{level}", "en")) for level in ("I", "II", "III", "IV"))
RESPONSE_RULES_ZH = terms("response_rule", "zh")
THRESHOLD_NAMES_ZH = terms("threshold", "zh")
SHELTER_IF_ARRIVAL_WITHIN = 1800.0  # [s] too little time to move people out before the cloud arrives


def toxic_thresholds(chemical, temperature: float, pressure: float) -> list[tuple[str, float]]:
    """(name, value [kg m-3]) for every 60-min threshold the chemicals table holds for the substance."""
    found = []
    for name, attribute in (("HJ 169 endpoint-1", "hj169_endpoint1_mg_m3"), ("HJ 169 endpoint-2", "hj169_endpoint2_mg_m3")):
        value = getattr(chemical, attribute)
        if value is not None:
            found.append((name, value * 1e-6))  # mg/m3 -> kg/m3
    for name, attribute in (("AEGL-1 (60 min)", "aegl1_60min_ppm"), ("AEGL-2 (60 min)", "aegl2_60min_ppm"),
                            ("AEGL-3 (60 min)", "aegl3_60min_ppm"), ("ERPG-1", "erpg1_ppm"), ("ERPG-2", "erpg2_ppm"),
                            ("ERPG-3", "erpg3_ppm")):
        value = getattr(chemical, attribute, None)
        if value is not None:
            found.append((name, float(chemical.ppm_to_kg_m3(value, temperature, pressure))))
    return found


def threshold_name_zh(name: str) -> str:
    """The Chinese plan's name of a threshold of :func:`toxic_thresholds`: 毒性终点浓度-1/-2, AEGL/ERPG unchanged."""
    return THRESHOLD_NAMES_ZH.get(name, name)


def endpoint2_name(thresholds) -> str:
    """The name of the HJ 169 endpoint-2 threshold of ``thresholds`` (else AEGL-2, else the first)."""
    names = [n for n, _ in thresholds]
    return next((n for n in names if "endpoint-2" in n), next((n for n in names if "AEGL-2" in n), names[0]))


def response_level(reached_people_endpoint1: bool, reached_people_endpoint2: bool,
                   beyond_fence_endpoint2: bool) -> tuple[str, str]:
    """Graded response level and the rule that produced it (:data:`RESPONSE_RULES`)."""
    if reached_people_endpoint1:
        return RESPONSE_RULES[0]
    if reached_people_endpoint2:
        return RESPONSE_RULES[1]
    if beyond_fence_endpoint2:
        return RESPONSE_RULES[2]
    return RESPONSE_RULES[3]


def protective_action(arrival_time: float, time_above: float) -> str:
    """'evacuate', 'shelter' or 'none' for one receptor from the endpoint-2 arrival time and duration [s].

    Default rule (stated in the report): nothing when endpoint-2 is never reached; shelter in place when the cloud
    arrives within 30 min (no time to move people out safely); otherwise evacuate before it arrives.
    """
    if not np.isfinite(arrival_time) or time_above <= 0:
        return "none"
    return "shelter" if arrival_time <= SHELTER_IF_ARRIVAL_WITHIN else "evacuate"


@dataclasses.dataclass(frozen=True)
class LeakAssessment:
    """Thresholds, threat zones (and how each was measured), receptor impacts and probits, the response level and
    how far the answer holds."""

    thresholds: list
    zones: list
    zone_notes: dict
    impact: object
    probit: ProbitCoefficients | None
    probits: list
    endpoint2: str
    level: str
    rule: str
    validity: str
    validity_zh: str


def leak_response_level(thresholds, zones, impact, receptors_all, source) -> tuple[str, str]:
    """:func:`response_level` of the run: endpoint-1/-2 reached at residential areas, schools or hospitals, or the
    endpoint-2 zone reaching beyond the farthest fence receptor."""
    endpoint1 = next((n for n, _ in thresholds if "endpoint-1" in n), None)
    endpoint2 = endpoint2_name(thresholds)
    people = people_mask(receptors_all.kinds)
    fence_mask = np.array([k == "fence" for k in receptors_all.kinds], dtype=bool)
    hit2 = impact.time_above[endpoint2] > 0
    hit1 = impact.time_above[endpoint1] > 0 if endpoint1 else np.zeros_like(hit2)
    beyond_fence = zones[[n for n, _ in thresholds].index(endpoint2)].farthest_distance > max(
        (math.hypot(receptors_all.x[i] - source.x, receptors_all.y[i] - source.y) for i in np.flatnonzero(fence_mask)),
        default=0.0)
    return response_level(bool(np.any(hit1 & people)), bool(np.any(hit2 & people)), beyond_fence)


def probit_coefficients(chemical) -> ProbitCoefficients | None:
    """The lethality probit constants of twin/chemicals.csv, or None when the table has none for the substance."""
    values = (chemical.probit_a, chemical.probit_b, chemical.probit_n)
    if any(value is None for value in values):
        return None
    return ProbitCoefficients(*values, source=chemical.source_probit)


def worst_reached(thresholds, impact, index: int) -> str:
    """The most severe HJ 169 endpoint reached at receptor ``index`` (endpoint-1 before endpoint-2), or '—'."""
    for name in sorted((n for n, _ in thresholds if "endpoint" in n)):  # "endpoint-1" sorts before "endpoint-2"
        if impact.time_above[name][index] > 0:
            return name
    return "—"


def tail_travel(met, source, term, options) -> float:
    """How far [m] along its track the cloud's tail — the part released last — has gone when the simulation ends."""
    end = float(term.rate_times[-1])
    tracks = cloud_paths(met, source_x=source.x, source_y=source.y, release_start=end, release_end=end,
                         simulation_end=options.duration, grid_bearing=options.true_north_grid_bearing)
    return float(np.hypot(*np.diff(tracks[0], axis=0).T).sum()) if tracks else 0.0


def leak_threat_zones(thresholds, gx, gy, field, line, along_line, source, limit, complete_to=None):
    """ThreatZones (level in mg/m³) and, per zone name, how it was measured: the map grid's contour for the shape,
    the transect (zones.transect) for the distance, width and — where the zone is narrower than two cells — the area;
    stopped at ``limit`` [m] from the source under constant weather (None: not stopped). A zone reaching beyond
    ``complete_to`` [m] (where the cloud's tail is when the simulation ends; None: the model carries the cloud to its
    end) is a lower bound, and its note says so."""
    spacing = float(gx[1] - gx[0])
    zones, notes = [], {}
    for name, value in thresholds:
        polygon = threat_zone(gx, gy, field, value)
        extent = transect_extent(line, along_line, value, source.x, source.y)
        grid_distance = farthest_distance(polygon, source.x, source.y)
        distance = max(grid_distance, extent.farthest_distance)
        narrow = extent.width < 2.0 * spacing and extent.farthest_distance > 0
        area = extent.area if (narrow or polygon.is_empty) and extent.area > 0 else polygon.area
        from_transect = distance > grid_distance + 0.5 * spacing or (narrow and extent.area > polygon.area)
        note = note_zh = ""
        if from_transect:
            note, note_zh = (sentence("zone_note.narrow", language, spacing=spacing, width=extent.width)
                             for language in ("en", "zh"))
        limited_at = None
        open_ended = complete_to is not None and distance > complete_to + 0.5 * spacing
        if limit is not None and distance > limit:
            polygon = limit_to_distance(polygon, source.x, source.y, limit)
            area = min(area, polygon.area) if not polygon.is_empty else area * limit / distance
            limited_at = limit
            note, note_zh = ((text + term("separator.clause", language) if text else "")
                             + (sentence("zone_note.limited_open", language, limit_km=limit / 1000,
                                         distance_km=distance / 1000, tail_km=complete_to / 1000) if open_ended
                                else sentence("zone_note.limited", language, limit_km=limit / 1000,
                                              distance_km=distance / 1000))
                             for text, language in ((note, "en"), (note_zh, "zh")))
            distance = limit
        elif open_ended:
            note, note_zh = ((text + term("separator.clause", language) if text else "")
                             + sentence("zone_note.open_ended", language, distance_km=distance / 1000,
                                        tail_km=complete_to / 1000)
                             for text, language in ((note, "en"), (note_zh, "zh")))
        zones.append(ThreatZone(name, value * 1e6, "mg/m3", polygon, area, distance))
        notes[name] = {"width": extent.width, "from_transect": bool(from_transect), "limited_at": limited_at,
                       "note": note, "note_zh": note_zh}
    return zones, notes


def validity_text(constant_weather: bool, choice, zones) -> tuple[str, str]:
    """How far and how long the answer holds, in English and Chinese (wording: viz.wording 'validity.*')."""
    if not constant_weather:
        return term("validity.hourly", "en"), term("validity.hourly", "zh")
    limit_km = CONSTANT_WEATHER_DISTANCE_LIMIT / 1000
    stopped = [z.name for z in zones if z.farthest_distance >= CONSTANT_WEATHER_DISTANCE_LIMIT]
    texts = []
    for language, names in (("en", stopped), ("zh", [threshold_name_zh(n) for n in stopped])):
        model = term("validity.dense_gas_weather" if choice.dense else "validity.preset_weather", language)
        text = sentence("validity.constant", language, model=model, limit_km=limit_km)
        if names:
            text += sentence("validity.stopped", language, names=term("separator.list", language).join(names))
        texts.append(text)
    return texts[0], texts[1]
