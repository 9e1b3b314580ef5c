"""Typhoon ensembles: P(flooded) per warehouse and tank, the spread of first-flooded times, a flood-probability map.

Members perturb the track (cross-track offsets of the whole track), the central pressure, the forward speed and the
rain (``TyphoonEnsembleSpec``), sampled by Latin hypercube with the same reproducible design as the plume ensembles
(``scenarios.common.ensemble.expand_members``: the same scenario hash and seed give the same members, whatever runs them).

Execution: members run one after another, each flood using all cores through the kernel's Numba threads (a flood
member is a large, parallel job; running members side by side on Dask threads would nest parallelism). Each member
writes its folder ``members/member_NNNN/`` with ``run.json`` last; a re-run skips members whose ``run.json`` holds
the member scenario's SHA-256, so a killed batch resumes where it stopped.

Outputs: ``ensemble.json`` (members and their parameters; per asset P(flooded), P(escalated), the 10/50/90th
percentiles of the first-flooded time among flooded members), ``flood_probability.nc`` (per cell the fraction of
members whose maximum depth exceeds ``flooded_depth_m``) and ``flood_probability.png``.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import xarray as xr

from scenarios.common.ensemble import expand_members
from scenarios.common.spec import canonical_json, scenario_hash
from scenarios.common.views import map_view
from scenarios.typhoon.run import run_typhoon_scenario
from scenarios.typhoon.spec import TyphoonScenario
from twin.atomic import write_text_atomic
from twin.errors import InputError
from twin.io import load_park
from twin.schema import grid_mapping_variable, projected_xy_coords
from twin.store import FLOOD_PROCESSING_LEVEL, Provenance, write_netcdf
from viz import FieldLayer, render_map

__all__ = ["member_scenario", "run_typhoon_ensemble"]

log = logging.getLogger("parktwin")


def member_scenario(scenario: TyphoonScenario, parameters: dict[str, float]) -> TyphoonScenario:
    """The scenario of one member: the perturbations applied, the ensemble and triggered-release blocks removed
    (members answer P(flooded); a release is run on the deterministic scenario)."""
    track = scenario.track
    updates: dict = {}
    if hasattr(track, "landfall_offset_km"):
        east, north = track.landfall_offset_km
        track = track.model_copy(update={
            "landfall_offset_km": (east + parameters.get("track_offset_east_km", 0.0),
                                   north + parameters.get("track_offset_north_km", 0.0)),
            "central_pressure_hpa": track.central_pressure_hpa + parameters.get("central_pressure_delta_hpa", 0.0),
            "forward_speed": track.forward_speed * parameters.get("forward_speed_factor", 1.0)})
        updates["track"] = track
    elif any(k in parameters for k in ("track_offset_east_km", "track_offset_north_km",
                                       "central_pressure_delta_hpa", "forward_speed_factor")):
        raise InputError.field("typhoon ensemble", "perturbations", sorted(parameters),
                               "only rain_scale_factor for a track read from a file")
    updates["rain_scale"] = scenario.rain_scale * parameters.get("rain_scale_factor", 1.0)
    updates["ensemble"] = None
    updates["triggered_leak"] = None
    return scenario.model_copy(update=updates)


def _finished(folder: Path, digest: str) -> bool:
    try:
        return json.loads((folder / "run.json").read_text(encoding="utf-8"))["scenario_config_sha256"] == digest
    except (OSError, ValueError, KeyError):
        return False


def run_typhoon_ensemble(scenario: TyphoonScenario, *, base_dir: Path, out_dir: Path,
                         where: str = "scenario") -> dict:
    """Run (or resume) every member and write the ensemble products; return the ensemble summary."""
    spec = scenario.ensemble
    if spec is None:
        raise InputError.field(where, "ensemble", None, "an ensemble: block (members, seed, perturbations)")
    members = expand_members(spec, scenario_hash(scenario))
    out_dir.mkdir(parents=True, exist_ok=True)
    computed = 0
    summaries = []
    max_depths = []
    for member in members:
        member_spec = member_scenario(scenario, member.parameters)
        folder = out_dir / "members" / f"member_{member.index:04d}"
        digest = scenario_hash(member_spec)
        if not _finished(folder, digest):
            log.info("%s: member %d/%d", scenario.name, member.index + 1, len(members))
            run_typhoon_scenario(member_spec, base_dir=base_dir, out_dir=folder, where=where, render=False)
            computed += 1
        summaries.append(json.loads((folder / "assets.json").read_text(encoding="utf-8")))
        with xr.open_dataset(folder / "flood.nc") as ds:
            max_depths.append(ds["max_water_depth"].values.astype(np.float64))
            x, y = ds["x"].values, ds["y"].values
        log.info("%d/%d members done", member.index + 1, len(members))
    probability = np.mean(np.stack(max_depths) > spec.flooded_depth_m, axis=0)
    assets: dict[str, dict] = {}
    for summary in summaries:
        for event in summary["assets"]:
            entry = assets.setdefault(event["id"], {"name": event["name"], "kind": event["kind"], "flooded": [],
                                                    "escalated": [], "first_flooded": []})
            entry["flooded"].append(bool(event["flooded"]))
            entry["escalated"].append(bool(event.get("escalated", False)))
            if event["flooded"]:
                entry["first_flooded"].append(np.datetime64(event["first_flooded_utc"][:-1]))
    table = []
    for asset_id, entry in assets.items():
        row = {"id": asset_id, "name": entry["name"], "kind": entry["kind"],
               "p_flooded": float(np.mean(entry["flooded"])), "p_escalated": float(np.mean(entry["escalated"]))}
        if entry["first_flooded"]:
            base = min(entry["first_flooded"])
            minutes = np.array([(t - base) / np.timedelta64(1, "m") for t in entry["first_flooded"]])
            for p in (10, 50, 90):
                row[f"first_flooded_p{p}_utc"] = str(base + np.timedelta64(int(round(np.percentile(minutes, p))),
                                                                           "m")) + "Z"
        table.append(row)
    table.sort(key=lambda r: -r["p_flooded"])
    result = {"scenario": scenario.name, "members": len(members), "computed_now": computed,
              "member_parameters": [{"index": m.index, **m.parameters} for m in members],
              "flooded_depth_m": spec.flooded_depth_m, "assets": table}
    _write(out_dir, scenario, x, y, probability, result, base_dir)
    return result


def _write(out_dir: Path, scenario: TyphoonScenario, x, y, probability, result, base_dir: Path) -> None:
    park = load_park(base_dir / scenario.park)
    ds = xr.Dataset(
        {"crs": grid_mapping_variable(park.spec.epsg),
         "flood_probability": (("y", "x"), probability,
                               {"long_name": f"fraction of members whose maximum flood depth exceeds "
                                             f"{result['flooded_depth_m']} m", "units": "1",
                                "grid_mapping": "crs", "coverage_content_type": "modelResult"})},
        coords=projected_xy_coords(x, y, park.spec.epsg, order="yx"))
    write_netcdf(ds, out_dir / "flood_probability.nc",
                 Provenance(scenario_config=canonical_json(scenario), command_line="parktwin ensemble",
                            extra_attrs={"scenario_id": scenario.name, "park_name": park.spec.name,
                                         "processing_level": FLOOD_PROCESSING_LEVEL}),
                 title=f"ParkTwin typhoon flood ensemble: {scenario.name}",
                 summary=f"Probability of flooding over {result['members']} members.",
                 keywords=["flood", "typhoon", "ensemble", "probability"])

    layer = FieldLayer(x=x, y=y, values=np.where(probability > 0, probability, np.nan), units="-",
                       title=f"积水概率 P(depth > {result['flooded_depth_m']} m)",
                       levels=(0.1, 0.3, 0.5, 0.7, 0.9))
    render_map(map_view(park, layer, title=f"{park.spec.name} — {scenario.name} ensemble",
                        notes=(f"{result['members']} members",)), out_dir / "flood_probability.png")
    write_text_atomic(out_dir / "ensemble.json", json.dumps(result, ensure_ascii=False, indent=2) + "\n")


def run_cli(scenario: TyphoonScenario, scenario_path: Path, out_dir: Path, *, scheduler: str | None = None,
            workers: int | None = None) -> str:
    """The registry's ensemble of ``kind: typhoon`` (``parktwin ensemble``): flood members one after another, each
    on all cores (no nested threads: ``scheduler`` and ``workers`` do not apply); say what was done."""
    summary = run_typhoon_ensemble(scenario, base_dir=scenario_path.parent, out_dir=out_dir, where=scenario_path.name)
    return (f"{summary['members']} members ({summary['computed_now']} computed now); P(flooded): "
            + ", ".join(f"{a['id']} {a['p_flooded']:.2f}" for a in summary["assets"][:5]) + f"; outputs in {out_dir}")
