"""Building wakes in an EIA run: which stacks stand in a building's wake, in how many hours, and the BPIP-PRIME
cards to run AERMOD with PRIME on the same park.

AERMOD applies PRIME downwash to a stack in every hour whose flow sector has building dimensions (AERMOD's WAKFLG,
since version 11059); the structure's wake matters most while the stack is below its wake-effect height H + 1.5 L.
Neither of ParkTwin's dispersion modes models building downwash yet, so an EIA run (either mode) counts those
hours per stack (``dispersion.building_profile``: the park's buildings as BPIP-PRIME sees them, the hour's flow
direction at the stack as AERMOD's 10° sector), says so in its summary and report, and writes the
direction-specific dimensions in AERMOD's ``SO BUILDHGT / BUILDWID / BUILDLEN / XBADJ / YBADJ`` form
(EPA-454/B-03-001, AERMOD user's guide, SO pathway), so the same park can be run in AERMOD with PRIME.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import shapely

from dispersion.building_profile import BuildingProfiles, Tier, building_profiles, park_tiers
from dispersion.plume import RELEASE_CODES
from twin.atomic import write_text_atomic

__all__ = ["building_wakes", "wake_note_fields", "write_building_cards", "write_park_building_profiles", "write_bpip_profiles",
           "BUILDING_CARDS"]

AERMOD_ID_LENGTH = 12  # AERMOD's SRCID is CHARACTER*12 (modules.f)
BUILDING_CARDS = (("BUILDHGT", "height"), ("BUILDWID", "width"), ("BUILDLEN", "length"), ("XBADJ", "xbadj"),
                  ("YBADJ", "ybadj"))


def building_wakes(setup) -> tuple[BuildingProfiles, dict]:
    """The park's building profiles for the run's stacks (``setup.building_profiles``, computed once by
    ``scenarios.eia.setup.prepare_eia``) and a summary: per stack below a wake-effect height in some
    valid hour, its id, height, GEP stack height and the valid hours with a structure / below its wake height;
    ``downwash_modelled``: the run applies PRIME (AERMOD mode with ``model.building_downwash``, the stacks carry
    their profiles). Volume and area sources (after the stacks in ``setup.stacks``) have no downwash and are not
    counted."""
    stacks, hours, profiles = setup.stacks, setup.hours, setup.building_profiles
    n_h, n_s = np.shape(hours.valid)[0], len(stacks.ids)
    flow = np.degrees(np.arctan2(hours.wind_to_x, hours.wind_to_y))  # [° towards, clockwise from grid north]
    finite = np.isfinite(flow)  # a missing hour's direction may be NaN: it is not counted
    sector = BuildingProfiles.sector(np.where(finite, flow, 0.0))
    sector = np.broadcast_to(sector[:, None] if sector.ndim == 1 else sector, (n_h, n_s))
    finite = np.broadcast_to(finite[:, None] if finite.ndim == 1 else finite, (n_h, n_s))
    column = np.arange(n_s)[None, :]
    point = np.asarray(stacks.release) < RELEASE_CODES["volume"]  # not a volume or area source
    valid = np.asarray(hours.valid, dtype=bool)[:, None] & finite & point[None, :]
    with_structure = ((profiles.height[column, sector] > 0.0) & valid).sum(axis=0)
    below = ((np.asarray(stacks.height)[None, :] < profiles.wake_height()[column, sector]) & valid).sum(axis=0)
    n_valid = int(np.asarray(hours.valid, dtype=bool).sum())
    rows = [{"id": stacks.ids[s], "height_m": float(stacks.height[s]),
             "gep_stack_height_m": round(float(profiles.gep_stack_height[s]), 2),
             "hours_with_structure": int(with_structure[s]), "hours_below_wake_height": int(below[s])}
            for s in np.argsort(-below, kind="stable") if below[s] > 0]
    summary = {"downwash_modelled": stacks.buildings is not None, "valid_hours": n_valid,
               "stacks_with_structures": int(np.count_nonzero(with_structure)),
               "stacks_below_wake_height": len(rows),
               "stacks_below_gep_height": int(np.count_nonzero(point & (np.asarray(stacks.height) <
                                                                        profiles.gep_formula))),
               "stacks": rows}
    return profiles, summary


def wake_note_fields(wakes: dict | None) -> dict | None:
    """The numbers every building-wake warning quotes (summary, report, caps): the stacks below a wake height, the
    one most often below it, its hours and the valid hours — None when there is nothing to warn of."""
    if not wakes or not wakes["stacks_below_wake_height"]:
        return None
    most = wakes["stacks"][0]
    return {"stacks": wakes["stacks_below_wake_height"], "most": most["id"], "hours": most["hours_below_wake_height"],
            "valid": wakes["valid_hours"], "modelled": bool(wakes.get("downwash_modelled"))}


def write_building_cards(profiles: BuildingProfiles, stack_ids, path: Path, *, north: str = "park grid north") -> Path:
    """AERMOD's SO building cards of every stack (six values a line, 10°…360°) [m], written atomically."""
    lines = ["** Direction-specific building dimensions (BPIP-PRIME rules, ParkTwin dispersion.building_profile); "
             f"flow directions 10..360 deg, {north}", "** paste into the SO pathway of an AERMOD deck"]
    unusable = [str(sid) for sid in stack_ids if len(str(sid)) > AERMOD_ID_LENGTH or not str(sid).isascii()
                or any(ch.isspace() for ch in str(sid))]
    if unusable:  # AERMOD's SRCID is CHARACTER*12, read as one blank-delimited field
        lines.append(f"** note: AERMOD takes source IDs of at most {AERMOD_ID_LENGTH} ASCII characters without "
                     f"blanks; give these shorter IDs in the deck: {', '.join(unusable)}")
    for s, sid in enumerate(stack_ids):
        for card, field in BUILDING_CARDS:
            values = getattr(profiles, field)[s]
            for row in range(6):
                lines.append(f"SO {card:<8} {sid:<8}" + "".join(f"{v:8.2f}" for v in values[6 * row:6 * row + 6]))
    return write_text_atomic(path, "\n".join(lines) + "\n")


GB16297_RADIUS = 200.0  # [m] GB 16297-1996 §7.1 (quoted from memory, docs/unverified.md)
GB16297_MARGIN = 5.0  # [m] the stack top at least this far above those buildings


def tallest_nearby_building(park, arrays=None, tiers: list[Tier] | None = None) -> np.ndarray:
    """(S,) the highest roof of the park's buildings within 200 m of each stack (footprint distance), as a height
    above the stack's base [m] (roof elevation = the building's base on the DEM + its height), NaN where none —
    GB 16297-1996 §7.1 asks a stack to stand at least 5 m above the buildings within a 200 m radius (else its
    emission-rate limit is tightened by 50 %)."""
    arrays = park.stack_arrays() if arrays is None else arrays
    tiers = park_tiers(park) if tiers is None else tiers
    out = np.full(len(park.stacks), np.nan)
    if not tiers:
        return out
    polygons = [b.footprint for b in park.buildings]
    roofs = np.array([t.base + t.height for t in tiers])
    tree = shapely.STRtree(polygons)
    s_idx, b_idx = tree.query(shapely.points(arrays["x"], arrays["y"]), predicate="dwithin",
                              distance=GB16297_RADIUS)
    for s, b in zip(s_idx, b_idx):
        top = roofs[b] - float(arrays["base_elevation"][s])
        out[s] = top if np.isnan(out[s]) else max(out[s], top)
    return out


def _gep_rows(names, heights: np.ndarray, profiles: BuildingProfiles) -> list[dict]:
    """The GEP columns of ``gep.csv`` per stack: height, the GEP formula height and the structure giving it, the GEP
    stack height, and whether the stack is below the formula height."""
    return [{"stack_id": name, "height_m": f"{heights[i]:g}",
             "gep_formula_height_m": f"{profiles.gep_formula[i]:.2f}",
             "gep_structure_height_m": f"{profiles.gep_structure_height[i]:.2f}",
             "gep_structure_width_m": f"{profiles.gep_structure_width[i]:.2f}",
             "gep_stack_height_m": f"{profiles.gep_stack_height[i]:.2f}",
             "below_gep_formula_height": "yes" if heights[i] < profiles.gep_formula[i] else "no"}
            for i, name in enumerate(names)]


def _csv_text(rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]) if rows else ["stack_id"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def write_park_building_profiles(park_file: Path, out_dir: Path) -> tuple[dict[str, Path], list[dict]]:
    """``parktwin buildings``: a park's stacks among its buildings — ``gep.csv`` and ``gep.geojson`` (RFC 7946
    points, WGS84, the same fields as numbers) (per stack: height, the GEP
    formula height H + 1.5 L and the structure giving it, the regulatory GEP stack height max(65 m, ·), how many of
    the 36 flow directions have a structure and how many leave the stack below its wake height) and
    ``aermod_building_cards.txt``; and the GB 16297-1996 §7.1 check, the tallest building within 200 m and
    whether the stack stands 5 m above it (:func:`tallest_nearby_building`). Returns the paths and the rows."""
    from twin.io import load_park

    park = load_park(park_file)
    arrays = park.stack_arrays()
    tiers = park_tiers(park)
    profiles = building_profiles(arrays["x"], arrays["y"], arrays["base_elevation"], tiers,
                                 where=f"{park.root / park.spec.buildings}")
    heights = np.asarray(arrays["height"], dtype=np.float64)
    wake = profiles.wake_height()
    nearby = tallest_nearby_building(park, arrays, tiers)
    rows = []
    for i, (stack, gep) in enumerate(zip(park.stacks, _gep_rows([s.id for s in park.stacks], heights, profiles))):
        rows.append({"stack_id": stack.id, "name": stack.name, **gep,
                     "directions_with_structure": int(np.count_nonzero(profiles.height[i] > 0.0)),
                     "directions_below_wake_height": int(np.count_nonzero(heights[i] < wake[i])),
                     "tallest_building_within_200m_m": "" if np.isnan(nearby[i]) else f"{nearby[i]:.2f}",
                     "gb16297_5m_above_buildings": "" if np.isnan(nearby[i]) else
                     ("yes" if heights[i] >= nearby[i] + GB16297_MARGIN else "no")})
    lon, lat = park.to_lonlat(np.asarray(arrays["x"], dtype=np.float64), np.asarray(arrays["y"], dtype=np.float64))
    features = [{"type": "Feature",
                 "geometry": {"type": "Point", "coordinates": [round(float(lon[i]), 7), round(float(lat[i]), 7)]},
                 "properties": {**row, "height_m": float(row["height_m"]),
                                **{key: (float(row[key]) if row[key] != "" else None) for key in row
                                   if key.endswith("_m") and key != "height_m"}}}
                for i, row in enumerate(rows)]
    geojson = json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False) + "\n"
    paths = {"gep": write_text_atomic(out_dir / "gep.csv", _csv_text(rows)),
             "gep_geojson": write_text_atomic(out_dir / "gep.geojson", geojson),
             "building_cards": write_building_cards(profiles, [s.id for s in park.stacks],
                                                    out_dir / "aermod_building_cards.txt")}
    return paths, rows


def write_bpip_profiles(input_file: Path, out_dir: Path) -> tuple[dict[str, Path], list[dict]]:
    """``parktwin bpip``: BPIP-PRIME's work on a BPIP input file (``dispersion.bpip_input``) — ``bpip_cards.txt``
    (AERMOD's SO building cards of every stack) and ``gep.csv`` (per stack: height, the GEP formula height
    H + 1.5 L relative to its base and the structure giving it, the GEP stack height max(65 m, ·)). Returns the paths
    and the rows."""
    from dispersion.bpip_input import read_bpip_input

    bpip = read_bpip_input(input_file)
    profiles = building_profiles(bpip.stack_x, bpip.stack_y, bpip.stack_base, bpip.tiers,
                                 where=f"BPIP input {str(input_file)!r}")
    rows = _gep_rows(bpip.names, bpip.stack_height, profiles)
    paths = {"gep": write_text_atomic(out_dir / "gep.csv", _csv_text(rows)),
             "building_cards": write_building_cards(profiles, bpip.names, out_dir / "bpip_cards.txt",
                                                    north="true north")}
    return paths, rows
