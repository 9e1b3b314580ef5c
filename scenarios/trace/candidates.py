"""The suspects of a trace: the park's stacks, its tanks and warehouses, its declared fugitive sources (park.yaml's
volume and area sources) and unlisted area sources on a grid, with the transfer array (hour × candidate × monitor)
that says what each would give at each monitor per 1 g/s.

Every candidate is made of point releases that :func:`dispersion.transfer.source_responses` runs through the same
plume kernel as the EIA's stacks:

* a stack is itself (plume rise, downwash, as in the EIA run);
* a tank or a warehouse is a ground-level release: points ``GROUND_RELEASE_HEIGHT`` above ground with a vanishing
  exit flux (0.1 m across, 0.01 m/s, at 273.15 K: the Briggs rise is below a centimetre), spread over a
  warehouse's footprint every ``AREA_POINT_SPACING`` metres at most; tanks of the same kind closer than
  ``merge_distance`` (a tank farm, tanks 20–30 m apart) form one candidate — monitors kilometres away cannot tell
  them apart, and a ranking that split their probability between neighbours would hide the farm behind another
  source;
* a declared fugitive source is such passive releases at its own release height: a volume source's over the square
  of side 4.3 σ_y0 it stands for (AERMOD User's Guide, EPA-454/B-03-001, Table 3-1: σ_y0 = side/4.3), an area
  source's over its polygon, every ``AREA_POINT_SPACING`` metres at most (at least one point, its centre), a
  release at the ground 1 m up (``LOWEST_RELEASE_HEIGHT``); its own σ_z0 is not modelled (the screening plume has no
  initial σ's) — a suspect, not an EIA value;
* an area cell of the grid (an unlisted source: a leaking flange, a wastewater basin) is a square of 3 × 3 such
  ground-level points, each emitting 1/9 of the cell's rate: the midpoint rule of the area integral of the point
  kernel, whose error falls as the monitor moves beyond a few sub-cell widths (not compared with ISC3's area-source
  integration; docs/unverified.md).

The transfer of a candidate is the weighted sum of its points' columns: ``responses = point_responses @ weights``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from dispersion.plume import PlumeOptions, ReceptorSet, StackSet
from dispersion.point_sources import point_source_hours
from dispersion.transfer import source_responses
from twin.errors import InputError
from twin.park import Park

__all__ = ["Candidate", "CandidateSet", "park_candidates", "candidate_responses", "GROUND_RELEASE_HEIGHT",
           "CANDIDATE_KINDS", "DEFAULT_KINDS"]

GROUND_RELEASE_HEIGHT = 2.0  # [m] a tank's breathing vent or a warehouse's doors; not a measured value
AREA_POINT_SPACING = 25.0  # [m] largest spacing of the points that stand for a warehouse footprint
CANDIDATE_KINDS = ("stack", "tank", "warehouse", "fugitive", "area")
DEFAULT_KINDS = ("stack", "tank", "warehouse", "fugitive")
VOLUME_SIDE_SIGMAS = 4.3  # a volume source's side / σ_y0 (AERMOD User's Guide Table 3-1)
LOWEST_RELEASE_HEIGHT = 1.0  # [m] a fugitive source released at the ground (a pond) is modelled 1 m up: the
# screening plume needs a release height above the ground; not a measured value
_GROUND = {"inner_diameter": 0.1, "exit_velocity": 0.01, "exit_temperature": 273.15}  # a passive release


@dataclass(frozen=True)
class Candidate:
    """One suspect: id, kind (CANDIDATE_KINDS), name, enterprise, its centre (x, y) [m] and release height above
    ground [m]; ``members`` the park ids it stands for (the tanks of a farm)."""

    id: str
    kind: str
    name: str
    enterprise: str
    x: float
    y: float
    height: float
    members: tuple[str, ...]


@dataclass(frozen=True)
class CandidateSet:
    """The candidates, the point releases that make them up (``points``), and ``weights`` (P, C): candidate c's
    unit emission is Σ_p weights[p, c] × point p at 1 g/s."""

    candidates: tuple[Candidate, ...]
    points: StackSet
    weights: np.ndarray

    @property
    def ids(self) -> list[str]:
        return [c.id for c in self.candidates]


def _ground_points(park: Park, xs: list[float], ys: list[float], heights: list[float]) -> dict:
    x, y = np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64)
    n = x.size
    return {"x": x, "y": y, "base_elevation": np.asarray(park.terrain.elevation_at(x, y), dtype=np.float64),
            "height": np.asarray(heights, dtype=np.float64), **{k: np.full(n, v) for k, v in _GROUND.items()}}


def _polygon_points(vertices) -> list[tuple[float, float]]:
    """Points filling the polygon every ``AREA_POINT_SPACING`` metres at most (cell centres inside it), or its
    centroid when none falls inside (a thin or small outline)."""
    from shapely.geometry import Point, Polygon

    outline = Polygon(vertices)
    inside = [p for p in _box_points(vertices) if outline.contains(Point(p))]
    return inside or [(outline.centroid.x, outline.centroid.y)]


def _box_points(vertices) -> list[tuple[float, float]]:
    """The centres of a grid over the outline's bounding box, cells at most ``AREA_POINT_SPACING`` metres a side."""
    ring = np.asarray(vertices, dtype=np.float64)
    (x0, y0), (x1, y1) = ring.min(axis=0), ring.max(axis=0)
    nx, ny = (max(int(np.ceil(span / AREA_POINT_SPACING)), 1) for span in (x1 - x0, y1 - y0))
    return [(x0 + (i + 0.5) * (x1 - x0) / nx, y0 + (j + 0.5) * (y1 - y0) / ny) for j in range(ny) for i in range(nx)]


def _footprint_points(source) -> list[tuple[float, float]]:
    return _box_points(source.footprint) if source.footprint else [(source.x, source.y)]


def _tank_groups(tanks: list, merge_distance: float) -> list[list]:
    """Tanks linked by chains of neighbours closer than ``merge_distance`` with the same substance, in park order."""
    groups: list[list] = []
    for tank in tanks:
        near = [g for g in groups if g[0].substance == tank.substance
                and min(np.hypot(tank.x - t.x, tank.y - t.y) for t in g) < merge_distance]
        if near:
            near[0].append(tank)
            for other in near[1:]:
                near[0].extend(other)
                groups.remove(other)
        else:
            groups.append([tank])
    return groups


def park_candidates(park: Park, *, kinds: tuple[str, ...] = DEFAULT_KINDS,
                    area_cell: float | None = None, merge_distance: float = 60.0) -> CandidateSet:
    """The park's candidates of the given ``kinds`` (CANDIDATE_KINDS; "area" needs ``area_cell``, the side of the
    grid's square cells [m], laid over the park boundary's bounding box, cells whose centre is inside the boundary)."""
    for kind in kinds:
        if kind not in CANDIDATE_KINDS:
            raise InputError.field("trace", "candidate kinds", kind, f"one of {CANDIDATE_KINDS}")
    if "area" in kinds and not (area_cell is not None and area_cell > 0):
        raise InputError.field("trace", "area_cell", area_cell, "> 0 m when area candidates are asked for")
    if not merge_distance >= 0:
        raise InputError.field("trace", "merge_distance", merge_distance, ">= 0 m")
    candidates: list[Candidate] = []
    columns: list[list[tuple[int, float]]] = []  # per candidate: (point index, weight)
    stack_part: dict | None = None
    ground_x: list[float] = []
    ground_y: list[float] = []
    ground_height: list[float] = []
    n_stacks = 0
    if "stack" in kinds and park.stacks:
        stack_part = park.stack_arrays()
        n_stacks = len(park.stacks)
        for k, s in enumerate(park.stacks):
            candidates.append(Candidate(s.id, "stack", s.name, s.enterprise, s.x, s.y, s.height, (s.id,)))
            columns.append([(k, 1.0)])

    def add_ground(candidate: Candidate, points: list[tuple[float, float]]) -> None:
        first = n_stacks + len(ground_x)
        for px, py in points:
            ground_x.append(px)
            ground_y.append(py)
            ground_height.append(max(candidate.height, LOWEST_RELEASE_HEIGHT))
        candidates.append(candidate)
        columns.append([(first + k, 1.0 / len(points)) for k in range(len(points))])

    if "tank" in kinds:
        tanks = [r for r in park.risk_sources if r.kind == "tank"]
        for group in _tank_groups(tanks, merge_distance):
            ids = tuple(t.id for t in group)
            label = ids[0] if len(ids) == 1 else f"{ids[0]}–{ids[-1]}" if len(ids) > 2 else "+".join(ids)
            name = group[0].name if len(ids) == 1 else f"{group[0].name} …（{len(ids)}）"
            add_ground(Candidate(label, "tank", name, group[0].enterprise, float(np.mean([t.x for t in group])),
                                 float(np.mean([t.y for t in group])), GROUND_RELEASE_HEIGHT, ids),
                       [(t.x, t.y) for t in group])
    if "warehouse" in kinds:
        for w in (r for r in park.risk_sources if r.kind == "warehouse"):
            add_ground(Candidate(w.id, "warehouse", w.name, w.enterprise, w.x, w.y, GROUND_RELEASE_HEIGHT, (w.id,)),
                       _footprint_points(w))
    if "fugitive" in kinds:
        for v in park.volume_sources:
            half = 0.5 * VOLUME_SIDE_SIGMAS * v.initial_sigma_y
            square = [(v.x - half, v.y - half), (v.x - half, v.y + half), (v.x + half, v.y + half),
                      (v.x + half, v.y - half)]
            add_ground(Candidate(v.id, "fugitive", v.name, v.enterprise, v.x, v.y, v.release_height, (v.id,)),
                       _box_points(square) if half > 0.0 else [(v.x, v.y)])
        for a in park.area_sources:
            add_ground(Candidate(a.id, "fugitive", a.name, a.enterprise, a.x, a.y, a.release_height, (a.id,)),
                       _polygon_points(a.vertices()))
    if "area" in kinds:
        _add_area_cells(park, float(area_cell), add_ground)
    if not candidates:
        raise InputError.field("trace", "candidates", "none", f"a park with sources of the kinds {list(kinds)}")
    parts = []
    if stack_part is not None:
        parts.append(stack_part)
    if ground_x:
        parts.append(_ground_points(park, ground_x, ground_y, ground_height))
    arrays = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    arrays["release"] = np.concatenate([park.stack_release_codes() if stack_part is not None else np.zeros(0, int),
                                        np.zeros(len(ground_x), dtype=np.int64)])  # ground points: vertical
    point_ids = tuple([s.id for s in park.stacks] if stack_part is not None else []) + tuple(
        f"ground{k}" for k in range(len(ground_x)))
    weights = np.zeros((point_ids.__len__(), len(candidates)))
    for c, column in enumerate(columns):
        for p, w in column:
            weights[p, c] = w
    return CandidateSet(candidates=tuple(candidates), points=StackSet(ids=point_ids, **arrays), weights=weights)


def _add_area_cells(park: Park, cell: float, add_ground) -> None:
    from shapely.geometry import Point

    boundary = park.boundary_polygon()
    if boundary is None:
        raise InputError.field("trace", "area candidates", "a park without a boundary",
                               "a park.yaml with boundary: (or three fence receptors) to lay the area grid on")
    x0, y0, x1, y1 = boundary.bounds
    nx, ny = max(int(np.ceil((x1 - x0) / cell)), 1), max(int(np.ceil((y1 - y0) / cell)), 1)
    offsets = (np.arange(3) - 1) * cell / 3.0
    for j in range(ny):
        for i in range(nx):
            cx, cy = x0 + (i + 0.5) * cell, y0 + (j + 0.5) * cell
            if not boundary.contains(Point(cx, cy)):
                continue
            label = f"A{j + 1:02d}-{i + 1:02d}"
            add_ground(Candidate(label, "area", f"area cell {label} ({cell:.0f} m)", "", cx, cy,
                                 GROUND_RELEASE_HEIGHT, ()),
                       [(cx + u, cy + v) for v in offsets for u in offsets])


def candidate_responses(candidates: CandidateSet, receptors: ReceptorSet, met: xr.Dataset,
                        options: PlumeOptions) -> np.ndarray:
    """(H, C, M) concentration at each monitor per 1 g/s from each candidate [kg m-3 per g s-1]: the points'
    transfer matrices (:func:`dispersion.transfer.source_responses`, hourly) combined by the candidates' weights."""
    if not options.store_hourly:
        raise InputError.field("trace", "plume options", "store_hourly=False", "store_hourly=True (hourly series)")
    hours = point_source_hours(candidates.points, met, options)
    transfer = source_responses(candidates.points, receptors, hours, options)
    return np.ascontiguousarray(np.einsum("hpm,pc->hcm", transfer.hourly, candidates.weights))
