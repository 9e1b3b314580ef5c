"""The forecast's products: each source's probabilities over its members, its files, the ranking and the brief.

:func:`ranked_sources` reads every source's member files, computes P(endpoint-1/2) on the grid and at the sensitive
receptors, percentiles of the maximum 60-min mean and the endpoint distances, writes ``<ID>/forecast.nc``,
``<ID>/zones.geojson`` and ``<ID>/map.png``, and ranks the sources by :data:`scenarios.forecast.rules.RANK_RULE`
(:func:`scenarios.common.impact.risk_score`); :func:`write_brief` renders ``brief.html``.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from pathlib import Path

import numpy as np
import xarray as xr

from scenarios.common.batch import JsonLinesLog
from scenarios.common.ensemble import exceedance_probability, percentile_fields
from scenarios.common.impact import PROBABILITY_LEVELS, people_mask, risk_score
from scenarios.common.views import map_view, outline_layer
from scenarios.common.zones import ThreatZone, farthest_distance, threat_zone, write_zones_geojson
from scenarios.forecast.members import SourceContext, member_file
from scenarios.forecast.rules import RELEASE_RULE
from scenarios.leak.threat_map import release_point
from twin.schema import grid_mapping_variable, percentile_coord, projected_xy_coords
from twin.store import Provenance, write_netcdf
from viz import FieldLayer, render_map
from viz.brief import render_brief
from viz.brief_view import BriefReceptor, BriefSource, BriefView, DistanceSpread, SourceFiles
from viz import wording

__all__ = ["ranked_sources", "write_brief"]

def ranked_sources(park, contexts, receptors_all, sensitive, work: Path, cycle_time: datetime, maps: bool,
                    journal: JsonLinesLog, language: str = "zh") -> tuple[BriefSource, ...]:
    """Every source's probabilities and outputs (:func:`_aggregate`; maps titled in ``language``), ranked by
    :data:`RANK_RULE`."""
    rows = []
    for source, chemical, gx, gy, term, context in contexts:
        rows.append(_aggregate(park, source, chemical, gx, gy, term, context, receptors_all, sensitive, work,
                               cycle_time, maps, language))
        journal("info", "source_done", source=source.id, score=rows[-1]["risk_score"],
                max_probability=rows[-1]["max_probability_endpoint2"])
    rows.sort(key=lambda r: (-r["risk_score"], -r["max_probability_endpoint2"], -r["endpoint2_distance_m"].p50))
    return tuple(BriefSource(**row, rank=rank) for rank, row in enumerate(rows, start=1))


def _aggregate(park, source, chemical, gx, gy, term, context: SourceContext, receptors_all, sensitive, work: Path,
               cycle_time: datetime, maps: bool, language: str) -> dict:
    """Probabilities over the members of one source; write its NetCDF, GeoJSON and map; return its summary row (the
    fields of :class:`viz.brief_view.BriefSource` but its rank, which the ranking of all sources gives)."""
    loaded = []
    for index in range(len(context.members)):
        with np.load(member_file(context, index)) as data:
            loaded.append({key: data[key] for key in data.files})
    shape = (gy.size, gx.size)
    grid = np.stack([m["grid_max"].reshape(shape) for m in loaded])  # (members, y, x) [kg m-3]
    values = dict(context.thresholds)
    p2 = exceedance_probability(grid, values[context.endpoint2])
    p1 = exceedance_probability(grid, values[context.endpoint1]) if context.endpoint1 else np.zeros(shape)
    percentiles = percentile_fields(grid, (50.0, 90.0))
    reached2 = np.mean(np.stack([m["reached2"] for m in loaded]), axis=0)
    reached1 = np.mean(np.stack([m["reached1"] for m in loaded]), axis=0)
    peaks = np.stack([m["receptor_peak"] for m in loaded])
    arrivals = np.stack([m["arrival"] for m in loaded])
    far2 = np.array([float(m["farthest2"]) for m in loaded])
    far1 = np.array([float(m["farthest1"]) for m in loaded])
    dense = np.array([bool(m["dense"]) if "dense" in m else False for m in loaded])
    source_dir = work / source.id

    receptor_rows = []
    for k, i in enumerate(sensitive):
        arrival = arrivals[:, k][np.isfinite(arrivals[:, k])]
        receptor_rows.append(BriefReceptor(
            id=receptors_all.ids[i], name=receptors_all.names[i], kind=receptors_all.kinds[i],
            population=int(receptors_all.population[i]),
            distance_m=round(math.hypot(receptors_all.x[i] - source.x, receptors_all.y[i] - source.y)),
            probability_endpoint2=round(float(reached2[k]), 4),
            probability_endpoint1=round(float(reached1[k]), 4),
            peak_60min_mg_m3_p90=round(float(np.percentile(peaks[:, k], 90.0)) * 1e6, 3),  # kg/m3 -> mg/m3
            earliest_arrival_minutes=None if arrival.size == 0 else round(float(arrival.min()) / 60.0),
        ))
    people = people_mask([receptors_all.kinds[i] for i in sensitive])
    population = np.array([receptors_all.population[i] for i in sensitive], dtype=float)
    score = risk_score(reached2, population, people)
    reached_rows = sorted((r for r in receptor_rows if r.probability_endpoint2 > 0),
                          key=lambda r: (-r.probability_endpoint2, r.distance_m))

    # Zones: the endpoints on the 90th-percentile field, and where P(endpoint-2) reaches 10/50/90 %.
    zones = []
    for name, value in context.thresholds:
        if "endpoint" in name:
            polygon = threat_zone(gx, gy, percentiles[1], value)
            zones.append(ThreatZone(f"{name} (90th percentile of members)", value * 1e6, "mg/m3", polygon,
                                    polygon.area, farthest_distance(polygon, source.x, source.y)))
    for level in PROBABILITY_LEVELS:
        polygon = threat_zone(gx, gy, p2, level - 1e-9)
        zones.append(ThreatZone(f"P(endpoint-2) >= {level:.0%}", level, "1", polygon, polygon.area,
                                farthest_distance(polygon, source.x, source.y)))
    write_zones_geojson(source_dir / "zones.geojson", zones, park.to_lonlat)
    _write_source_netcdf(source_dir / "forecast.nc", park, source, chemical, gx, gy, p1, p2, percentiles, context,
                         cycle_time)
    if maps:
        _render_map(source_dir / "map.png", park, source, chemical, gx, gy, p2, context, language)
    edge = gx[-1] - source.x
    return {
        "id": source.id, "name": source.name, "kind": source.kind, "enterprise": source.enterprise,
        "substance": chemical.name_en, "substance_zh": chemical.name_zh, "cas": chemical.cas,
        "released_kg": round(term.released, 1), "release_rate_kg_s": round(float(term.rates.max()), 3),
        "release_minutes": round(float(term.rate_times[-1] - term.rate_times[0]) / 60.0, 1),
        "endpoint1_mg_m3": float(f"{values[context.endpoint1] * 1e6:.6g}") if context.endpoint1 else None,
        "endpoint2_mg_m3": float(f"{values[context.endpoint2] * 1e6:.6g}"),  # kg m-3 -> mg m-3, no 109.99999
        "endpoint1_distance_m": DistanceSpread(p50=round(float(np.median(far1))), max=round(float(far1.max()))),
        "endpoint2_distance_m": DistanceSpread(p50=round(float(np.median(far2))), max=round(float(far2.max()))),
        "reaches_grid_edge": bool(far2.max() >= min(edge, source.x - gx[0]) - (gx[1] - gx[0])),
        "risk_score": round(score, 1), "max_probability_endpoint2": round(float(reached2.max(initial=0.0)), 4),
        # HJ 169-2018 G.2.1 per member: the share of members that ran the dense-gas model (SLAB equations).
        "dense_gas_member_fraction": round(float(dense.mean()), 4) if dense.size else 0.0,
        "receptors_reached": tuple(reached_rows), "receptors": tuple(receptor_rows),
        "files": SourceFiles(netcdf=f"{source.id}/forecast.nc", geojson=f"{source.id}/zones.geojson",
                             map=f"{source.id}/map.png" if maps else None, scenario=f"{source.id}/scenario.yaml"),
    }


def _write_source_netcdf(path: Path, park, source, chemical, gx, gy, p1, p2, percentiles, context, cycle_time):

    name = f"concentration of {chemical.name_en.lower()} in air (CAS {chemical.cas})"
    attrs = {"grid_mapping": "crs", "coverage_content_type": "modelResult"}
    grid = projected_xy_coords(gx, gy, park.spec.epsg)
    dataset = xr.Dataset(
        {
            "probability_endpoint2": (("y", "x"), p2.astype(np.float32), {
                "long_name": f"probability over ensemble members that the maximum 60-minute running mean {name} "
                             f"exceeds the HJ 169-2018 endpoint-2 value", "units": "1", **attrs}),
            "probability_endpoint1": (("y", "x"), p1.astype(np.float32), {
                "long_name": f"probability over ensemble members that the maximum 60-minute running mean {name} "
                             f"exceeds the HJ 169-2018 endpoint-1 value", "units": "1", **attrs}),
            "max_mean_60min_percentile": (("percentile", "y", "x"), (percentiles * 1e6).astype(np.float32), {
                "long_name": f"percentile over ensemble members of the maximum 60-minute running mean {name}",
                "units": "mg m-3", **attrs}),  # kg m-3 -> mg m-3 (HJ 169 Appendix H units)
            "crs": grid_mapping_variable(park.spec.epsg, dtype=np.int64),
        },
        coords={"x": grid["x"], "y": grid["y"],
                "percentile": percentile_coord(np.array([50.0, 90.0])),
                "lon": grid["lon"], "lat": grid["lat"]},
    )
    provenance = Provenance(scenario_config=json.dumps({"digest": context.digest, "cycle": f"{cycle_time:%Y%m%d%H}",
                                                        "risk_source": source.id}, sort_keys=True),
                            command_line="parktwin forecast",
                            extra_attrs={"ensemble_size": len(context.members), "release_rule": RELEASE_RULE})
    write_netcdf(dataset, path, provenance, title=f"ParkTwin nightly forecast {cycle_time:%Y%m%d%H}: {source.id}",
                 summary=f"Exceedance probabilities of the HJ 169-2018 endpoints for the credible-worst release "
                         f"of {chemical.name_en} from {source.id} in the forecast weather.",
                 keywords=["toxic release", "ensemble", "forecast", "chemical industrial park"])


def _render_map(path: Path, park, source, chemical, gx, gy, p2, context, language: str) -> None:
    # Bands 1-10-50-90-100 %; a certain exceedance (100 %) is drawn in the top band, not above it. Titled in the
    # brief's language, as the page it sits in.
    zh = language == "zh"
    name = chemical.name_zh if zh else chemical.name_en
    layer = FieldLayer(x=gx, y=gy, values=np.minimum(p2 * 100.0, 99.999), units="%",
                       levels=np.array([1.0, 10.0, 50.0, 90.0, 100.0]),
                       title=(f"{name}：超过毒性终点浓度-2 的概率 — {source.id}" if zh
                              else f"{name}: P(endpoint-2 reached) — {source.id}"))
    view = map_view(park, layer, title=f"{park.spec.name} — {source.id} {name}",
                    wind_from_direction=float(context.met["wind_from_direction"].values[0]),
                    wind_speed=float(context.met["model_wind_speed"].values[0]),
                    notes=(wording.term("forecast.release_rule", language).split("；" if zh else ";")[0],),
                    release=release_point(source),  # the source the probabilities are of, named on the map
                    outline=outline_layer(park, (float(gx[0]), float(gx[-1]), float(gy[0]), float(gy[-1]))))
    render_map(view, path)


def write_brief(summary: BriefView, park, work: Path) -> None:
    images = {row.id: work / row.files.map for row in summary.sources if row.files.map}
    flood_map = (summary.flood.get("files") or {}).get("map")
    if flood_map:
        images["flood/map"] = work / flood_map
    render_brief(summary, work / "brief.html", images=images)
