"""Leak ensemble products: exceedance probabilities, percentiles, receptor arrival distributions, maps and plan.

From the member files of :mod:`scenarios.leak.ensemble` (N members):

* per threshold c* (HJ 169-2018 Appendix H endpoint-1/-2, AEGL/ERPG where twin/chemicals.csv has them; all 60-min
  values compared with the maximum 60-min running mean, as in the deterministic run): the exceedance probability
  on the grid P(C̄₆₀ > c*) = (1/N) Σ_k 1[C̄₆₀,k > c*] — the Monte Carlo estimate, standard error sqrt(p(1−p)/N)
  (:func:`scenarios.common.ensemble.exceedance_probability`) — and the 50/90/99th percentiles over members of the maximum
  60-min mean (linear interpolation between order statistics, :func:`scenarios.common.ensemble.percentile_fields`);
* per receptor: P(endpoint-1), P(endpoint-2) (fraction of members whose 60-min running mean there exceeds it at
  least once), every member's endpoint-2 arrival time (NaN when never reached) and the 10/50/90th percentiles of
  the arrival among the members that reach it (:func:`arrival_percentiles`), and the expected people affected
  E = P(endpoint-2) × population at residential areas, schools and hospitals (summed over them, the forecast's
  :func:`scenarios.common.impact.risk_score`);
* ``ensemble.nc`` (CF-1.11: member-level receptor data on the ``realization`` dimension, derived fields as their own
  variables without it), ``receptor_probabilities.csv`` / ``.json``, ``ensemble.json`` (everything the plan shows,
  with the member parameter table), ``probability_endpoint2.png`` (contours at 0.1/0.5/0.9 over the park),
  ``probability_contours.geojson`` (RFC 7946, WGS84: where P(endpoint-2) ≥ 0.1/0.5/0.9) and the plan section
  ``plan_ensemble.html`` (self-contained, map embedded) in the scenario's language.
"""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import timezone
from pathlib import Path

import numpy as np
import xarray as xr

from scenarios.common.ensemble import exceedance_probability, percentile_fields
from scenarios.common.impact import PROBABILITY_LEVELS, SENSITIVE_KINDS, people_mask, risk_score
from scenarios.common.spec import canonical_json
from scenarios.common.times import local_text
from scenarios.common.views import map_view, outline_layer
from scenarios.common.zones import ThreatZone, farthest_distance, threat_zone, write_zones_geojson
from scenarios.leak.assessment import threshold_name_zh
from scenarios.leak.outputs import RECEPTOR_KINDS_ZH
from scenarios.leak.threat_map import release_point, wind_band
from twin.atomic import write_text_atomic
from twin.errors import InputError
from twin.schema import (geographic_coord, geographic_coordinates, grid_mapping_variable, percentile_coord,
                         projected_xy_coords, realization_coord)
from twin.store import Provenance, write_netcdf
from viz import FieldLayer, render_map
from viz.ensemble_plan import render_ensemble_plan
from viz.views import (
    EnsembleContour,
    EnsemblePlanView,
    EnsembleReceptor,
    EnsembleThreshold,
    ReleasedRange,
    plain,
)
from viz.wording import sentence, terms

__all__ = ["arrival_percentiles", "load_members", "write_leak_ensemble_outputs", "FIELD_PERCENTILES",
           "ARRIVAL_PERCENTILES"]

FIELD_PERCENTILES = (50.0, 90.0, 99.0)
ARRIVAL_PERCENTILES = (10.0, 50.0, 90.0)
# The Chinese plan's words for the perturbed parameters, their distributions and units (the English plan shows the
# scenario file's names).
PERTURBATIONS_ZH = terms("perturbation", "zh")  # from the reports' wording catalogue (viz.wording)
DISTRIBUTION_WORDS_ZH = terms("distribution_word", "zh")
UNITS_ZH = terms("unit", "zh")
PERTURBATION_UNITS = {"wind_direction_offset": "degree", "stability_shift": "class", "wind_speed_factor": "1",
                      "mixing_height_factor": "1", "emission_factor": "1", "hole_diameter_factor": "1"}


def arrival_percentiles(arrival_times: np.ndarray, percentiles=ARRIVAL_PERCENTILES) -> np.ndarray:
    """Percentiles of the arrival time [s] over the members that are reached, per receptor.

    arrival_times : (members, receptors) [s], NaN where a member never reaches the receptor.
    Returns (len(percentiles), receptors) [s]: ``numpy.percentile`` (linear interpolation between order statistics)
    of the finite arrivals of each receptor; NaN for a receptor no member reaches. A conditional distribution: it
    says *when*, given that the cloud comes; P(endpoint-2) says *whether*.
    """
    arrival_times = np.asarray(arrival_times, dtype=np.float64)
    if arrival_times.ndim != 2:
        raise InputError.field("leak ensemble", "arrival_times", f"shape {arrival_times.shape}",
                               "(members, receptors)")
    out = np.full((len(percentiles), arrival_times.shape[1]), np.nan)
    for k in range(arrival_times.shape[1]):
        reached = arrival_times[:, k][np.isfinite(arrival_times[:, k])]
        if reached.size:
            out[:, k] = np.percentile(reached, percentiles)
    return out


def load_members(paths: list[Path]) -> dict[str, np.ndarray]:
    """Stack the member files (in the order given) along the member axis: field (N, y, x) [kg m-3], receptor_peak
    (N, R) [kg m-3], time_above (N, thresholds, R) [s], arrival (N, R) [s], released (N,) [kg]."""
    stacks: dict[str, list] = {"field": [], "receptor_peak": [], "time_above": [], "arrival": [], "released": []}
    for path in paths:
        with xr.open_dataset(path, engine="netcdf4") as member:
            stacks["field"].append(member["max_mean_60min"].values[0].astype(np.float64))
            stacks["receptor_peak"].append(member["receptor_max_mean_60min"].values[0].astype(np.float64))
            stacks["time_above"].append(member["time_above"].values[0].astype(np.float64))
            stacks["arrival"].append(member["arrival_time"].values[0].astype(np.float64))
            stacks["released"].append(float(member["released_mass"].values[0]))
    return {name: np.stack(values) if name != "released" else np.array(values) for name, values in stacks.items()}


def write_leak_ensemble_outputs(context, paths: list[Path]) -> tuple[dict, dict]:
    """Aggregate the members of ``context`` (:class:`scenarios.leak.ensemble.LeakEnsembleContext`) and write every
    product into ``context.out_dir``; return (summary, {product: path}), the summary as the plain dict
    ``ensemble.json`` holds (:meth:`viz.views.EnsemblePlanView.to_dict` of the typed view the plan is drawn from)."""
    out_dir = Path(context.out_dir)
    data = load_members(paths)
    names = [name for name, _ in context.thresholds]
    values = np.array([value for _, value in context.thresholds])  # [kg m-3]
    field = data["field"]
    grid_probability = np.stack([exceedance_probability(field, value) for value in values])  # (T, y, x)
    field_percentiles = percentile_fields(field, FIELD_PERCENTILES)  # (3, y, x) [kg m-3]
    receptor_probability = np.mean(data["time_above"] > 0, axis=0)  # (T, R)
    arrivals = arrival_percentiles(data["arrival"])  # (3, R) [s]
    receptors = context.receptors_all
    population = np.asarray(receptors.population, dtype=np.float64)
    people = people_mask(receptors.kinds)
    endpoint2 = names.index(context.endpoint2)
    endpoint1 = names.index(context.endpoint1) if context.endpoint1 else None
    expected = receptor_probability[endpoint2] * population * people  # [persons]

    # P(endpoint-2) contours on the grid: 10 / 50 / 90 %.
    p2 = grid_probability[endpoint2]
    source = context.source
    contours = []
    for level in PROBABILITY_LEVELS:
        polygon = threat_zone(context.gx, context.gy, p2, level - 1e-9)  # {P >= level}: k/N hits the level exactly
        contours.append(ThreatZone(sentence("ensemble.contour", "en", endpoint=context.endpoint2, level=level),
                                   level, "1", polygon, polygon.area,
                                   farthest_distance(polygon, source.x, source.y)))
    contour_path = write_zones_geojson(out_dir / "probability_contours.geojson", contours, context.park.to_lonlat)

    rows = _receptor_rows(context, names, receptor_probability, data["arrival"], arrivals, expected, endpoint1,
                          endpoint2)
    summary = _summary(context, data, rows, contours,
                       risk_score(receptor_probability[endpoint2], population, people))
    nc_path = _write_netcdf(out_dir / "ensemble.nc", context, names, values, data, grid_probability,
                            field_percentiles, receptor_probability, arrivals, expected)
    csv_path = write_text_atomic(out_dir / "receptor_probabilities.csv", _csv([row.to_dict() for row in rows]))
    json_path = write_text_atomic(out_dir / "receptor_probabilities.json",
                                  json.dumps(plain(rows), ensure_ascii=False, indent=2) + "\n")
    map_path = _render_map(out_dir / "probability_endpoint2.png", context, p2)
    summary_path = write_text_atomic(out_dir / "ensemble.json",
                                     json.dumps(summary.to_dict(), ensure_ascii=False, indent=2) + "\n")

    plan_path = render_ensemble_plan(summary, out_dir / "plan_ensemble.html", map_png=map_path)
    return summary.to_dict(), {"netcdf": nc_path, "csv": csv_path, "json": json_path, "summary": summary_path,
                     "map": map_path, "contours": contour_path, "plan": plan_path}


def _minutes(seconds: float) -> float | None:
    return None if not np.isfinite(seconds) else round(float(seconds) / 60.0, 1)


def _receptor_rows(context, names, probability, member_arrivals, arrivals, expected, endpoint1,
                   endpoint2) -> list[EnsembleReceptor]:
    """One row per sensitive receptor (residential, school, hospital, water source), most probable first."""
    receptors, source = context.receptors_all, context.source
    rows = []
    for i, kind in enumerate(receptors.kinds):
        if kind not in SENSITIVE_KINDS:
            continue
        reached = np.isfinite(member_arrivals[:, i])
        rows.append(EnsembleReceptor(
            id=receptors.ids[i], name=receptors.names[i], kind=kind,
            kind_zh=RECEPTOR_KINDS_ZH.get(kind, kind),
            population=int(receptors.population[i]),
            distance_m=round(math.hypot(receptors.x[i] - source.x, receptors.y[i] - source.y)),
            probability_endpoint1=None if endpoint1 is None else round(float(probability[endpoint1, i]), 4),
            probability_endpoint2=round(float(probability[endpoint2, i]), 4),
            probabilities={name: round(float(probability[k, i]), 4) for k, name in enumerate(names)},
            members_reached_endpoint2=int(reached.sum()),
            arrival_minutes_p10=_minutes(arrivals[0, i]), arrival_minutes_p50=_minutes(arrivals[1, i]),
            arrival_minutes_p90=_minutes(arrivals[2, i]),
            expected_people_endpoint2=round(float(expected[i]), 1),
        ))
    rows.sort(key=lambda r: (-r.probability_endpoint2, r.distance_m))
    return rows


def _csv(rows: list[dict]) -> str:
    columns = ["id", "name", "kind", "population", "distance_m", "probability_endpoint1", "probability_endpoint2",
               "members_reached_endpoint2", "arrival_minutes_p10", "arrival_minutes_p50", "arrival_minutes_p90",
               "expected_people_endpoint2"]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: "" if row[key] is None else row[key] for key in columns})
    return buffer.getvalue()


def _summary(context, data, rows, contours, expected_people: float) -> EnsemblePlanView:
    """What the plan section shows (the typed view: viz renders it, ``ensemble.json`` keeps its dict)."""
    scenario, park, chemical = context.scenario, context.park, context.chemical
    language = scenario.language
    parameter_names = sorted(scenario.ensemble.perturbations)
    sensitive = np.array([kind in SENSITIVE_KINDS for kind in context.receptors_all.kinds])
    members = []
    for member, released, arrival_row in zip(context.members, data["released"], data["arrival"]):
        members.append({"index": member.index, "seed": member.seed,
                        **{name: round(member.parameters[name], 4) for name in parameter_names},
                        "released_kg": round(float(released), 1),
                        "receptors_reached_endpoint2": int(np.isfinite(arrival_row[sensitive]).sum())})
    bound = 0.5 / math.sqrt(len(context.members))  # the Monte Carlo standard error at p = 0.5
    return EnsemblePlanView(
        scenario=scenario.name, park=park.spec.name, language=language,
        substance=chemical.name_zh if language == "zh" else chemical.name_en, cas=chemical.cas,
        risk_source=f"{context.source.name} ({context.source.id})", enterprise=context.source.enterprise,
        start=local_text(scenario.start, park.spec.utc_offset_hours), weather=context.weather_text,
        weather_zh=context.weather_zh,
        members=len(context.members), seed=scenario.ensemble.seed,
        scenario_sha256=context.scenario_sha256,
        perturbations={name: scenario.ensemble.perturbations[name].model_dump(exclude_none=True)
                       for name in parameter_names},
        parameter_names=tuple(parameter_names),
        parameter_units={name: PERTURBATION_UNITS[name] for name in parameter_names},
        parameter_names_zh={name: PERTURBATIONS_ZH.get(name, name) for name in parameter_names},
        parameter_units_zh={name: UNITS_ZH.get(PERTURBATION_UNITS[name], PERTURBATION_UNITS[name])
                            for name in parameter_names},
        perturbations_zh={name: _perturbation_zh(scenario.ensemble.perturbations[name]) for name in parameter_names},
        thresholds=tuple(EnsembleThreshold(name=name, name_zh=threshold_name_zh(name), mg_m3=round(value * 1e6, 4))
                         for name, value in context.thresholds),
        endpoint2=context.endpoint2, endpoint2_zh=threshold_name_zh(context.endpoint2), averaging="60 min",
        released_kg=ReleasedRange(min=round(float(data["released"].min()), 1),
                                  median=round(float(np.median(data["released"])), 1),
                                  max=round(float(data["released"].max()), 1)),
        probability_levels=tuple(PROBABILITY_LEVELS),
        contours=tuple(EnsembleContour(name=zone.name,
                                       name_zh=sentence("ensemble.contour", "zh",
                                                        endpoint=threshold_name_zh(context.endpoint2),
                                                        level=zone.level),
                                       level=zone.level, area_km2=round(zone.area / 1e6, 3),
                                       farthest_m=round(zone.farthest_distance)) for zone in contours),
        expected_people_endpoint2=round(expected_people, 1),
        standard_error_note=sentence("ensemble.standard_error", "en", bound=bound, members=len(context.members)),
        standard_error_note_zh=sentence("ensemble.standard_error", "zh", bound=bound, members=len(context.members)),
        receptors=tuple(rows), member_table=tuple(members),
    )


def _perturbation_zh(perturbation) -> str:
    """'分布 = 均匀分布，下限 = 0.6，上限 = 1.4': a PerturbationSpec in the Chinese plan's words."""
    words = DISTRIBUTION_WORDS_ZH
    return "，".join(f"{words.get(key, key)} = {words.get(value, value) if key == 'distribution' else value}"
                    for key, value in perturbation.model_dump(exclude_none=True).items())


def _write_netcdf(path, context, names, values, data, grid_probability, field_percentiles, receptor_probability,
                  arrivals, expected) -> Path:

    chemical, park = context.chemical, context.park
    gx, gy = context.gx, context.gy
    lon, lat = geographic_coordinates(gx[None, :], gy[:, None], park.spec.epsg)
    name = f"{chemical.name_en.lower()} in air (CAS {chemical.cas})"
    grid = {"grid_mapping": "crs", "coverage_content_type": "modelResult"}
    members = context.members
    variables = {
        # Derived fields (no realization dimension).
        "exceedance_probability": (("threshold", "y", "x"), grid_probability, {
            "long_name": f"probability over ensemble members that the maximum 60-minute running mean concentration "
                         f"of {name} exceeds the threshold", "units": "1", **grid}),
        "max_mean_60min_percentile": (("percentile", "y", "x"), field_percentiles * 1e6, {  # kg m-3 -> mg m-3
            "long_name": f"percentile over ensemble members of the maximum 60-minute running mean concentration "
                         f"of {name}", "units": "mg m-3", **grid}),
        "threshold_value": (("threshold",), values * 1e6, {"long_name": "60-minute threshold concentration",
                                                           "units": "mg m-3"}),
        "receptor_exceedance_probability": (("threshold", "receptor"), receptor_probability, {
            "long_name": "probability over ensemble members that the 60-minute running mean at the receptor "
                         "exceeds the threshold at least once", "units": "1"}),
        "arrival_time_percentile": (("arrival_percentile", "receptor"), arrivals, {
            "long_name": f"percentile of the {context.endpoint2} arrival time among the members that reach the "
                         f"receptor (NaN: none does)", "units": "s",
            "comment": "time after the release starts"}),
        "expected_people_affected": (("receptor",), expected, {
            "long_name": f"expected people above {context.endpoint2}: probability times population at residential "
                         f"areas, schools and hospitals", "units": "1"}),
        # Member-level data (realization dimension).
        "member_arrival_time": (("realization", "receptor"), data["arrival"], {
            "long_name": f"time after the release starts when the member's 60-minute running mean first exceeds "
                         f"{context.endpoint2} at the receptor (NaN: never)", "units": "s"}),
        "member_receptor_max_mean_60min": (("realization", "receptor"), data["receptor_peak"] * 1e6, {
            "long_name": f"member's maximum 60-minute running mean concentration of {name} at the receptor",
            "units": "mg m-3"}),
        "member_released_mass": (("realization",), data["released"], {
            "long_name": "airborne mass released by the member's source term", "units": "kg"}),
        "member_seed": (("realization",), np.array([m.seed for m in members], dtype=np.int64), {
            "long_name": "ensemble member's own random seed", "units": "1"}),
        "crs": grid_mapping_variable(park.spec.epsg, dtype=np.int64),
    }
    for parameter in sorted(context.scenario.ensemble.perturbations):
        variables[f"member_{parameter}"] = (("realization",), np.array([m.parameters[parameter] for m in members]), {
            "long_name": f"ensemble member's {parameter.replace('_', ' ')}", "units": PERTURBATION_UNITS[parameter]})
    receptors = context.receptors_all
    dataset = xr.Dataset(
        variables,
        coords={**projected_xy_coords(gx, gy),
                "lon": geographic_coord("lon", lon, ("y", "x"), long_name="longitude"),
                "lat": geographic_coord("lat", lat, ("y", "x"), long_name="latitude"),
                "realization": realization_coord([m.index for m in members], long_name=None),
                "percentile": percentile_coord(np.array(FIELD_PERCENTILES)),
                "arrival_percentile": percentile_coord(np.array(ARRIVAL_PERCENTILES), "arrival_percentile"),
                "threshold_name": ("threshold", np.array(names, dtype=str), {"long_name": "threshold"}),
                "receptor_id": ("receptor", np.array(receptors.ids, dtype=str),
                                {"long_name": "receptor id (park.yaml)"}),
                "receptor_population": ("receptor", np.asarray(receptors.population, dtype=np.float64),
                                        {"long_name": "people at the receptor", "units": "1"})},
    )
    for variable, (_, _, attrs) in variables.items():  # ACDD-1.3: what each variable is
        if variable != "crs":
            attrs.setdefault("coverage_content_type", "auxiliaryInformation"
                             if variable in ("threshold_value", "member_seed") or variable.endswith(("_factor",
                                                                                                   "_offset",
                                                                                                   "_shift"))
                             else "modelResult")
    float64 = [v for v, (_, array, _) in variables.items() if np.asarray(array).dtype.kind == "f"]  # seeds stay int64
    return write_netcdf(
        dataset, path,
        Provenance(scenario_config=canonical_json(context.scenario), command_line="parktwin ensemble",
                   extra_attrs={"scenario_id": context.scenario.name, "ensemble_size": len(members),
                                "release_start": context.scenario.start.astimezone(timezone.utc).isoformat()}),
        title=f"ParkTwin leak ensemble: {context.scenario.name}",
        summary=f"Exceedance probabilities, percentiles and endpoint-2 arrival distributions of {chemical.name_en} "
                f"released from {context.source.id} over {len(members)} perturbed members.",
        keywords=["toxic release", "ensemble", "probability", "emergency planning", "chemical industrial park"],
        float64=float64)


def _render_map(path: Path, context, p2: np.ndarray) -> Path:
    """P(endpoint-2) over the park, bands and contour lines at 0.1 / 0.5 / 0.9 (a planner reads "the 50 % line
    reaches the school", not one deterministic line)."""
    chemical = context.chemical
    layer = FieldLayer(x=context.gx, y=context.gy, values=np.where(p2 > 0, p2, np.nan), units="P",
                       levels=np.array([*PROBABILITY_LEVELS, 1.0]),
                       title=f"{chemical.name_zh} {chemical.name_en}: P(终点浓度-2 endpoint-2 reached, 60 min)")
    met, source = context.met, context.source
    single = met.wind_from_direction.size == 1
    # The band of directions the cloud may take: every member's directions (the unperturbed weather turned by the
    # member's wind_direction_offset, as scenarios.common.ensemble.perturb_weather turns it).
    directions = np.concatenate([np.asarray(met.wind_from_direction, dtype=np.float64)
                                 + m.parameters.get("wind_direction_offset", 0.0) for m in context.members]) % 360.0
    radius = 0.3 * min(float(context.gx[-1] - context.gx[0]), float(context.gy[-1] - context.gy[0]))
    view = map_view(context.park, layer, title=f"{context.park.spec.name} — {context.scenario.name}",
                    wind_from_direction=float(met.wind_from_direction[0]) if single else None,
                    wind_speed=float(met.wind_speed[0]) if single else None,
                    notes=(f"{len(context.members)} members; contours P = 0.1, 0.5, 0.9",),
                    release=release_point(source),
                    wind_band=wind_band(directions, met.wind_speed, float(source.x), float(source.y), radius,
                                        members=len(context.members)),
                    outline=outline_layer(context.park, (float(context.gx[0]), float(context.gx[-1]),
                                                         float(context.gy[0]), float(context.gy[-1]))))
    render_map(view, path)
    return Path(path)
