"""Direction-specific building dimensions for each stack, the way BPIP-PRIME computes them for AERMOD's PRIME
downwash, and each stack's GEP formula height.

Good-engineering-practice (GEP) stack height (U.S. 40 CFR 51.100(ii)(2)(ii); EPA, *Guideline for Determination of
Good Engineering Practice Stack Height*, EPA-450/4-80-023R, 1985):

    H_g = H + 1.5 L,    L = min(H, W)                                                  (all [m])

where H is the height of a nearby structure and W its projected width perpendicular to the wind; a structure is
nearby when the stack lies within 5 L downwind of it (40 CFR 51.100(jj)(1)). BPIP (EPA, *User's Guide to the
Building Profile Input Program*, EPA-454/R-93-038, 1993/1995) finds, over every direction (every quarter degree),
the structure that gives the largest H_g relative to the stack base (H + z_building − z_stack + 1.5 L), treating
tiers of different buildings closer than L as one structure (the combined group at the lower tier's height; its
width the extent of the group, and the stack nearby when it is within 5 L downwind of a member or of the
gap-filling structure between two members). The regulatory GEP stack height is max(65 m, H_g).

For PRIME (Schulman, Strimaitis & Scire 2000, *J. Air & Waste Manage. Assoc.* 50:378–390), BPIP-PRIME (EPA,
BPIPPRM version 04274, with its *Addendum to the ISC3 User's Guide*, EPRI 1997) then reports, for each of 36 flow
directions (10°…360°, the direction the wind blows towards, AERMOD's sector of the flow vector), the structure
with the largest wake-effect height H + 1.5 L among those (single tiers or groups) whose region of influence holds
the stack — 0.5 L beyond either side of the projected width and from 2 L upwind of the structure, downwind without
limit — and which were nearby the stack for some direction in the GEP search; its wake-effect height is capped at
the stack's H_g (then the GEP structure's height and width). For that structure it reports

* BUILDHGT H, BUILDWID W (projected width), BUILDLEN (projected along-wind length) [m];
* XBADJ: along-wind distance from the stack to the upwind face of the structure (negative when the stack is
  downwind of it); YBADJ: crosswind offset of the stack from the structure's centreline [m].

The selection rules (the 2 L / 0.5 L region, the tie of wake-effect heights within 1 mm going to the narrower
structure, the cap at H_g, corner-to-side gaps whose foot lies on the side) are read in BPIPPRM 04274 as coded
(public-domain source, read for the rules only); the tests compare with BPIPPRM runs (``tests/data/bpip/``).

A park building is one tier: its footprint (exterior ring) and height; its base elevation is the DEM's at its
footprint's representative point, a stack's its own (``base_elevation`` or the DEM's).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from twin.errors import InputError

__all__ = ["BuildingProfiles", "Tier", "building_profiles", "park_building_profiles", "park_tiers", "GEP_MINIMUM_HEIGHT",
           "BPIP_DIRECTIONS"]

GEP_MINIMUM_HEIGHT = 65.0  # [m] the GEP stack height is never below this (40 CFR 51.100(ii)(1))
BPIP_DIRECTIONS = np.arange(10.0, 361.0, 10.0)  # [°] flow vectors of the 36 sectors (towards, clockwise from north)


@dataclass(frozen=True)
class Tier:
    """One flat-roofed block of a building: ``corners`` (N, 2) in order [m] (the ring need not be closed),
    ``height`` above the building's base [m], ``building`` the building's index (tiers of one building are never
    combined with each other), ``base`` the building's base elevation [m]."""

    corners: np.ndarray
    height: float
    building: int
    base: float = 0.0


@dataclass(frozen=True)
class BuildingProfiles:
    """Per stack (rows, in the order given) and flow direction (columns, :data:`BPIP_DIRECTIONS`): the BPIP-PRIME
    structure dimensions (module docstring) — all 0 where no structure influences the stack — and the GEP values.

    height, width, length, xbadj, ybadj : (S, 36) [m]; gep_formula : (S,) the largest H + 1.5 L relative to the
    stack base, 0 if no structure is nearby [m]; gep_structure_height, gep_structure_width : (S,) H and W of that
    structure [m].
    """

    height: np.ndarray
    width: np.ndarray
    length: np.ndarray
    xbadj: np.ndarray
    ybadj: np.ndarray
    gep_formula: np.ndarray
    gep_structure_height: np.ndarray
    gep_structure_width: np.ndarray

    @property
    def gep_stack_height(self) -> np.ndarray:
        """The regulatory GEP stack height max(65 m, H + 1.5 L) of each stack [m]."""
        return np.maximum(GEP_MINIMUM_HEIGHT, self.gep_formula)

    def wake_height(self) -> np.ndarray:
        """(S, 36) the wake-effect height H + 1.5 min(H, W) of each direction's structure above its base, 0 where
        there is none [m] — a stack below it is in the structure's wake for that flow direction."""
        return np.where(self.height > 0.0, self.height + 1.5 * np.minimum(self.height, self.width), 0.0)

    @staticmethod
    def sector(flow_direction) -> np.ndarray:
        """Column index of a flow direction a [° towards, clockwise from north, the wind direction − 180°]: AERMOD's
        sector int(a/10 + 0.4999), 0 taken as 36 (PCALC): the nearest 10°, a direction half-way between two
        going to the lower one (the column of 10(k+1)° is k)."""
        a = np.mod(np.asarray(flow_direction, dtype=np.float64), 360.0)
        k = np.floor(a * 0.1 + 0.4999).astype(np.int64)
        return np.where(k == 0, 35, k - 1)


def _validate(where: str, stack_x, stack_y, stack_base, tiers: list[Tier]):
    sx, sy, sb = (np.ascontiguousarray(np.atleast_1d(v), dtype=np.float64) for v in (stack_x, stack_y, stack_base))
    if not sx.shape == sy.shape == sb.shape or sx.ndim != 1:
        raise InputError.field(where, "stacks", f"shapes {sx.shape}, {sy.shape}, {sb.shape}",
                               "three 1-D arrays of one length")
    if not (np.isfinite(sx).all() and np.isfinite(sy).all() and np.isfinite(sb).all()):
        raise InputError.field(where, "stacks", "a non-finite coordinate or base elevation", "finite values")
    for i, tier in enumerate(tiers):
        corners = np.asarray(tier.corners, dtype=np.float64)
        if corners.ndim != 2 or corners.shape[1] != 2 or corners.shape[0] < 3 or not np.isfinite(corners).all():
            raise InputError.field(where, f"tier {i} corners", f"shape {corners.shape}",
                                   "at least 3 finite (x, y) corners")
        if not (np.isfinite(tier.height) and tier.height >= 0.0):
            raise InputError.field(where, f"tier {i} height", tier.height, "a finite height of at least 0 m")
        if not np.isfinite(tier.base):
            raise InputError.field(where, f"tier {i} base", tier.base, "a finite elevation")
    return sx, sy, sb


def _open_ring(corners: np.ndarray) -> np.ndarray:
    corners = np.asarray(corners, dtype=np.float64)
    while corners.shape[0] > 3 and np.array_equal(corners[0], corners[-1]):
        corners = corners[:-1]
    keep = np.ones(corners.shape[0], dtype=bool)  # repeated consecutive corners make zero-length sides
    keep[1:] = np.any(np.diff(corners, axis=0) != 0.0, axis=1)
    return corners[keep]


def building_profiles(stack_x, stack_y, stack_base, tiers: list[Tier], *,
                      where: str = "building profiles") -> BuildingProfiles:
    """BPIP-PRIME building dimensions and GEP values for each stack (module docstring).

    Parameters
    ----------
    stack_x, stack_y : (S,) stack positions in a projected CRS. [m]
    stack_base : (S,) ground elevation at each stack. [m]
    tiers : the structures, in order (ties are broken by it as BPIP does by its input order).
    where : names the input in error messages.
    """
    from dispersion._bpip_kernels import building_profiles_parallel, gap_segments, tier_gaps  # deferred: compile

    sx, sy, sb = _validate(where, stack_x, stack_y, stack_base, tiers)
    n_s, n_t = sx.size, len(tiers)
    shape = (n_s, 36)
    out = {name: np.zeros(shape) for name in ("height", "width", "length", "xbadj", "ybadj")}
    gep, gep_h, gep_w = np.zeros(n_s), np.zeros(n_s), np.zeros(n_s)
    if n_s == 0 or n_t == 0:
        return BuildingProfiles(**out, gep_formula=gep, gep_structure_height=gep_h, gep_structure_width=gep_w)
    rings = [_open_ring(t.corners) for t in tiers]
    for i, ring in enumerate(rings):
        if ring.shape[0] < 3:
            raise InputError.field(where, f"tier {i} corners", f"{ring.shape[0]} distinct corners",
                                   "at least 3 distinct (x, y) corners")
    origin = np.mean(np.concatenate(rings), axis=0)  # a local frame keeps the turned coordinates exact to ~1e-9 m
    corner_x = np.ascontiguousarray(np.concatenate([r[:, 0] for r in rings]) - origin[0])
    corner_y = np.ascontiguousarray(np.concatenate([r[:, 1] for r in rings]) - origin[1])
    tier_start = np.concatenate([[0], np.cumsum([r.shape[0] for r in rings])]).astype(np.int64)
    height = np.array([t.height for t in tiers], dtype=np.float64)
    base = np.array([t.base for t in tiers], dtype=np.float64)
    building = np.array([t.building for t in tiers], dtype=np.int64)
    polygons = shapely.polygons([shapely.linearrings(r) for r in rings])

    # tiers of other buildings that could ever be combined: gap < max of the two heights (L ≤ H)
    tree = shapely.STRtree(polygons)
    a_idx, b_idx = tree.query(polygons, predicate="dwithin", distance=float(height.max()))
    keep = (building[a_idx] != building[b_idx])
    a_idx, b_idx = a_idx[keep].astype(np.int64), b_idx[keep].astype(np.int64)
    gaps = np.empty(a_idx.size)
    tier_gaps(corner_x, corner_y, tier_start, building, a_idx, b_idx, gaps)
    near = gaps < np.maximum(height[a_idx], height[b_idx])
    order = np.lexsort((b_idx[near], a_idx[near]))
    nbr_a, nbr_b, nbr_gap = a_idx[near][order], b_idx[near][order], np.ascontiguousarray(gaps[near][order])
    nbr_start = np.searchsorted(nbr_a, np.arange(n_t + 1)).astype(np.int64)
    nbr_b = np.ascontiguousarray(nbr_b)
    seg_start = np.zeros(nbr_b.size + 1, dtype=np.int64)
    n_seg = gap_segments(corner_x, corner_y, tier_start, height, nbr_start, nbr_b, seg_start, np.empty((0, 5)))
    segments = np.empty((n_seg, 5))
    gap_segments(corner_x, corner_y, tier_start, height, nbr_start, nbr_b, np.zeros(nbr_b.size + 1, np.int64),
                 segments)

    # the tiers that can be a focal tier for a stack: a single tier within 5 H_c of it (5 L downwind of a side, or
    # on its roof); a group with focal tier c (L ≤ H_c) within 6 H_c (5 L beyond a side of the gap-filling
    # structure, itself within L of c) or 5 H_c beyond a member b (no more than H_c from c, and b's size across)
    spans = np.array([float(np.hypot(*np.ptp(r, axis=0))) for r in rings])
    reach = np.where(np.diff(nbr_start) > 0, 6.0 * height, 5.0 * height) + 1.0
    for c in np.flatnonzero(np.diff(nbr_start) > 0):
        reach[c] += spans[nbr_b[nbr_start[c]:nbr_start[c + 1]]].max()
    t_idx, s_idx = shapely.STRtree(shapely.points(sx, sy)).query(polygons, predicate="dwithin", distance=reach)
    order = np.lexsort((t_idx, s_idx))
    ls, lt = s_idx[order].astype(np.int64), t_idx[order].astype(np.int64)
    local_start = np.searchsorted(ls, np.arange(n_s + 1)).astype(np.int64)
    local_index = np.ascontiguousarray(lt)

    building_profiles_parallel(corner_x, corner_y, tier_start, height, base, nbr_start, nbr_b, nbr_gap, seg_start,
                               segments, np.ascontiguousarray(sx - origin[0]),
                               np.ascontiguousarray(sy - origin[1]), sb, local_start, local_index,
                               out["height"], out["width"], out["length"], out["xbadj"], out["ybadj"], gep, gep_h,
                               gep_w)
    return BuildingProfiles(**out, gep_formula=gep, gep_structure_height=gep_h, gep_structure_width=gep_w)


def park_tiers(park) -> list[Tier]:
    """The park's buildings as tiers, in the park's order: one per building (the exterior ring of its footprint),
    its base the DEM's elevation at the footprint's representative point [m]."""
    tiers = []
    for i, b in enumerate(park.buildings):
        point = b.footprint.representative_point()
        base = float(park.terrain.elevation_at(point.x, point.y, clamp=True))
        tiers.append(Tier(corners=np.asarray(b.footprint.exterior.coords), height=float(b.height), building=i,
                          base=base))
    return tiers


def park_building_profiles(park, stacks=None) -> BuildingProfiles:
    """:func:`building_profiles` of a loaded park's stacks (or the ``StackSet`` given) among its buildings
    (:func:`park_tiers`)."""
    if stacks is None:
        arrays = park.stack_arrays()
        sx, sy, sb = arrays["x"], arrays["y"], arrays["base_elevation"]
    else:
        sx, sy, sb = stacks.x, stacks.y, stacks.base_elevation
    return building_profiles(sx, sy, sb, park_tiers(park), where=f"{park.root / park.spec.buildings}")
