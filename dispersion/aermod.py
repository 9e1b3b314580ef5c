"""AERMOD for point sources without building downwash (flat or elevated terrain, rural or urban): the driver of the
Numba kernels for a year of hours with AERMOD's rules, and what it validates and prepares.

Sources: Cimorelli et al. (2004), *AERMOD: Description of Model Formulation*, EPA-454/R-03-004 ("MFD", equation
numbers of that edition) and Cimorelli et al. (2005), *J. Appl. Meteor.* 44:682–693. Where the MFD leaves a detail
open the rule is the AERMOD program's (read in its calc1/calc2/sigmas/prise/iblval routines, not copied) and is
listed in ``docs/unverified.md`` ("AERMOD formulation"), which also says how the MFD equation numbers cited here
were checked against the 2004 edition's text and which parts are cited by section only (no number could be read).
Profiles: :mod:`meteo.aermod_profiles`; rise:
``dispersion._aermod_physics`` (MFD §5.6: F_b, F_m (Eq. 57), stack-tip downwash, the CBL direct (Eq. 91) and
indirect rise, penetration (§5.2, Eqs. 55–56), the stable rise while rising (Eq. 95), x_f (Eq. 96), the final rise
(Eq. 97) limited by the neutral (Eq. 98) and calm (Eq. 99) rise).

Flat terrain: the plume-state weight f of MFD Eq. 48 multiplies two identical states, so C = C_horizontal. Receptors
are at z = 0. Concentrations per source (Q [kg s⁻¹] → C [kg m⁻³]):

* **Stable hours** (L > 0), and convective hours for stacks at or above z_i (MFD §5.1 "injected" source):
  C_s = Q/ũ · F_y · F_z with F_z = Σ_n [g(z − h_es − 2n z_ieff) + g(z + h_es + 2n z_ieff)]/(√(2π) σ_zs)
  (MFD §5.3), h_es = h_s' + Δh_s, z_ieff = max(z_i, h_es + 2.15 σ_zs{h_es}) (MFD Eq. 68, the reflecting lid).
* **Convective hours** (L < 0, stack below z_i): the direct, indirect and penetrated sources (MFD §5.2, Eqs. 53–54):
  C_c = (1 − f_p)(C_d + C_r) + f_p C_p, with the bi-Gaussian vertical PDF of w: λ_{1,2}, a_{1,2}, b_{1,2} from
  the skewness S = w̄³/σ_w³ (w̄³ = 0.125 w*³, or 1.25 w*³ z/z_i near the ground) and R = 2 (MFD Eqs. 61–62 and
  the text after them);
  h_dj = h_s' + Δh_d + a_j w* x/ũ (MFD Eq. 60), h_rj = h_dj − Δh_i (MFD §5.2.2), σ_zj = α_b b_j w* x/ũ combined
  with the surface term and σ_b (MFD Eqs. 85–86); reflections at the ground and at z_i (direct: images +2n z_i,
  indirect: −2n z_i); the penetrated source is a stable-type Gaussian at h_ep (MFD Eq. 94) with its own lid
  (MFD §5.2.3).
* **σ_y**: ambient σ_ya = (σ_v/u) x/(1 + x/(2 u T_Lys))^0.3 with T_Lys = z_im/(156 σ_v) · max(h, 0.46)/0.46 for
  stable-type plumes and σ_ya = (σ_v/u) x/(1 + 78 (0.46/max(h_s, 0.46)) σ_v x/(u z_i))^0.3 (the constant ≥ 0.7) in
  the CBL (MFD Eqs. 77–78); buoyancy-induced σ_b = β2 Δh/√2 (MFD §5.5.2); σ² = σ_a² + σ_b² (MFD Eq. 75).
* **σ_z, stable**: σ_zes = σ_w t/(1 + σ_w t (1/(0.72 z) + N/(0.54 σ_w)))^½ (MFD Eq. 83, z = max(h_s, h_es)),
  σ_zgs = √(2/π) u* x/ũ (1 + 0.7 x/L)^{−1/3} (MFD Eq. 84), blended by h_es/z_i below z_i (MFD §5.5.1.2).
* **Meander** (MFD §5.4 as revised in Cimorelli et al. 2005 §4): C = f_r C_R + (1 − f_r) C_C, random plume
  F_y = 1/(2π r) at radial distance r, f_r = σ_r²/(σ_r² + σ_h²) written as
  (2σ_v² + ū²(1 − exp(−r/(ũ T_r))))/ũ², ū² = ũ² − 2σ_v², T_r = 24 h (the program's BIGT; docs/unverified.md).
* **Urban option** (URBANOPT, :class:`AermodUrban`; MFD §5.8): in stable hours and the morning transition an urban
  stack sees the urban boundary layer of :mod:`meteo.aermod_urban` — z_i = max(z_iuc, z_im), the urban u*, |L|, σ_v,
  σ_w and dθ/dz; σ_z without N there, and a plume reaching z_i partly penetrates it (``urban_stable_rise``).
* **Decay**: F_z × exp(−ψ x/ũ) (:func:`decay_coefficient`; SO2 from urban stacks: 4 h). **Release types**: capped
  and horizontal stacks (POINTCAP, POINTHOR) and NOSTD change the momentum flux and the release height only.
* **Effective parameters** ũ, σ̃_v, σ̃_w, dθ/dz̃ (MFD Eq. 43 and the text around it): first the values at the
  plume height, then their averages over [h − 2.15 σ_z, h] (stable) or [max(h_c − 2.15 σ̄_z, 0), min(h_c, z_i)]
  (CBL, h_c the height of the plume's centroid, which moves from the final-rise height to z_i/2 between x_f and the
  mixing distance x_m = z_i ū/σ̄_w). Stable plume rise iterates u and N between stack top and mid-rise (MFD §5.6.2).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

import numpy as np
import xarray as xr
from numba import config

from dispersion._aermod_kernels import Pairs, Receptors, Sources, Weather, aermod_parallel, aermod_serial, parts_at
from dispersion._aermod_area import AREA_NEAREST, polygon_area
from dispersion._aermod_table import KINK_MARGIN
from dispersion._aermod_physics import HALF_WIDTH_SIGMAS
from dispersion.aermod_weather import (AermodUrban, aermod_weather, air_density_profile, profile_tables,
                                      subset_weather, weather_levels)
from dispersion.no2_chemistry import Olm
from dispersion._kernel_cache import is_cached
from dispersion.plume import AERMOD_DAILY_DIVISOR_FLOOR, RELEASE_CODES, ReceptorSet, StackSet, checked_buildings
from twin.errors import InputError

__all__ = ["AermodResult", "AermodStatistics", "AermodTerrain", "AermodUrban", "URBAN_SO2_DECAY", "decay_coefficient",
           "TERRAIN_MODES", "run_aermod", "aermod_hours", "aermod_hours_and_responses", "aermod_statistics",
           "subset_weather", "aermod_weather", "aermod_sources", "profile_tables", "plume_parts", "TABLE_DENSITY",
           "TABLE_NEAREST", "air_density_profile", "weather_levels"]

log = logging.getLogger("parktwin.aermod")

TABLE_DENSITY = 16  # distances per decade of the tabulated path (log-spaced from x_0; the nodes do not depend on
#                     the farthest pair, so a subset of stacks or receptors sees the same table)
TABLE_NEAREST = 100.0  # [m] x_0, the first distance of the table; nearer pairs are evaluated exactly
HOURS_PER_BLOCK = 1024  # hours the kernel holds at once (H × R doubles of scratch)
URBAN_SO2_DECAY = 4.81e-5  # [s-1] ψ of SO2 from urban sources, a 4-h half-life (AERMOD's regulatory default, EPA
#                            Guideline on Air Quality Models, 40 CFR 51 App. W; AERMOD DECAY)
SO2_NAMES = ("so2", "sulfur_dioxide", "sulphur_dioxide", "7446-09-5")  # AERMOD's POLLUTID SO2 and the park's key
HALF_LIFE_CONSTANT = 0.693  # ψ = 0.693/T½ (ISC3 Eq. 1-8, EPA-454/B-95-003a, as AERMOD's HALFLIFE takes it)


def decay_coefficient(substance: str, half_life: float | None, urban: bool) -> float:
    """ψ [s-1] of ``substance`` (a name or key, ``SO2_NAMES`` are SO2): 0.693/T½ from its ``half_life`` [s] when given,
    else AERMOD's 4-h half-life for SO2 from urban sources (``URBAN_SO2_DECAY``), else 0 (AERMOD DECAY)."""
    if half_life is not None:
        return HALF_LIFE_CONSTANT / float(half_life)
    return URBAN_SO2_DECAY if urban and substance.strip().lower() in SO2_NAMES else 0.0


@dataclass(frozen=True)
class AermodResult:
    """Statistics of a run (R,) [kg m-3]: highest 1-h, highest 24-h, period mean; daily means (D, R); valid hours;
    the hourly field (H, R) when asked for."""

    max_1h: np.ndarray
    max_24h: np.ndarray
    period_mean: np.ndarray
    daily: np.ndarray
    valid_hours: int
    hourly: np.ndarray | None = None


def aermod_sources(stacks: StackSet, stack_tip_downwash: bool = True, buildings=None) -> Sources:
    """The kernel's stacks from a :class:`dispersion.plume.StackSet` (flat terrain: the base elevation is unused);
    ``stack_tip_downwash`` False is AERMOD's NOSTD; capped and horizontal releases (``stacks.release``) are
    AERMOD's POINTCAP and POINTHOR; ``buildings`` the stacks' BPIP-PRIME profiles
    (:class:`dispersion.building_profile.BuildingProfiles`, AERMOD's BUILDHGT … YBADJ cards) for PRIME downwash,
    None: ``stacks.buildings`` (None there too: none)."""
    f = lambda a: np.ascontiguousarray(a, dtype=np.float64)  # noqa: E731
    if buildings is None and stacks.buildings is not None:
        building = stacks.buildings  # (S, 36, 5), checked by StackSet
    else:
        building = building_array(buildings, stacks.x.size)
    volume = stacks.release >= RELEASE_CODES["volume"]  # volume and area sources
    if volume.any():  # no buoyancy, momentum or building downwash (AERMOD VCALC, ACALC: WAKE = .FALSE.)
        building = np.where(volume[:, None, None], 0.0, building)
    sigma_y0 = np.where(volume, stacks.initial_sigma_y, 0.0)
    area = stacks.release == RELEASE_CODES["area"]
    if area.any():
        vertices = np.where(np.isfinite(stacks.area_vertices), stacks.area_vertices, 0.0)
        count = np.where(area, np.isfinite(stacks.area_vertices).all(axis=2).sum(axis=1), 0)
        size = np.array([polygon_area(vertices[s], int(count[s])) if area[s] else 0.0 for s in range(area.size)])
    else:
        vertices, count, size = np.zeros((stacks.x.size, 1, 2)), np.zeros(stacks.x.size, dtype=np.int64), \
            np.zeros(stacks.x.size)
    return Sources(x=f(stacks.x), y=f(stacks.y), height=f(stacks.height),
                   diameter=f(np.where(volume, 1.0, stacks.inner_diameter)),
                   velocity=f(np.where(volume, 1.0, stacks.exit_velocity)),
                   temperature=f(np.where(volume, 293.15, stacks.exit_temperature)),
                   tip_downwash=np.full(stacks.x.size, bool(stack_tip_downwash)),
                   release=np.ascontiguousarray(stacks.release, dtype=np.int64), building=f(building),
                   sigma_y0=f(sigma_y0), sigma_z0=f(np.where(volume, stacks.initial_sigma_z, 0.0)),
                   # receptors nearer than 1 m get nothing, and within 2.15 σ_y0 + 0.99 m of a volume source (AERMOD
                   # PCALC's DISTR < 0.99 m as ParkTwin has long held it at 1 m; VCALC's XRAD = 2.15 σ_y0)
                   exclusion=f(np.where(volume, HALF_WIDTH_SIGMAS * sigma_y0 + 0.99, 1.0)),
                   vertices=f(vertices), vertex_count=np.ascontiguousarray(count, dtype=np.int64), area=f(size),
                   area_nodes=np.array([AREA_NEAREST, 10.0 * AREA_NEAREST]))  # set by area_nodes() for a run


def area_nodes(sources: Sources, receptors: Receptors, density: int) -> np.ndarray:
    """The distances of the area sources' tables (:mod:`dispersion._aermod_area`): 1 m · 10^(k/density) to the first
    node at or beyond the farthest (vertex, receptor) pair [m] (two nodes when there is no area source)."""
    if not (sources.vertex_count > 0).any():
        return np.array([AREA_NEAREST, 10.0 * AREA_NEAREST])
    farthest = 0.0
    for s in np.flatnonzero(sources.vertex_count > 0):
        corners = sources.vertices[s, :sources.vertex_count[s]]
        dx = receptors.x[None, :] - corners[:, 0, None]
        dy = receptors.y[None, :] - corners[:, 1, None]
        farthest = max(farthest, float(np.sqrt(dx * dx + dy * dy).max()))
    count = max(int(np.ceil(np.log10(max(farthest, 10.0) / AREA_NEAREST) * density - 1e-9)) + 1, 2)
    return AREA_NEAREST * 10.0 ** (np.arange(count) / density)


def building_array(buildings, n_stacks: int) -> np.ndarray:
    """(S, 36, 5) H, W, L, XBADJ, YBADJ per stack and 10° flow sector (10° … 360°) from
    :class:`dispersion.building_profile.BuildingProfiles`; zeros (no downwash) for None."""
    if buildings is None:
        return np.zeros((n_stacks, 36, 5))
    return checked_buildings(np.stack([buildings.height, buildings.width, buildings.length, buildings.xbadj,
                                       buildings.ybadj], axis=-1), n_stacks, "AERMOD run")


def _receptors(receptors: ReceptorSet) -> Receptors:
    return Receptors(x=np.ascontiguousarray(receptors.x, dtype=np.float64),
                     y=np.ascontiguousarray(receptors.y, dtype=np.float64),
                     flagpole=np.ascontiguousarray(receptors.height, dtype=np.float64))


TERRAIN_MODES = ("flat", "elevated")


@dataclass(frozen=True)
class AermodTerrain:
    """How the receptors meet the terrain (AERMOD's FLAT or ELEV option, MFD §5.1 Eq. 48).

    mode : "flat" — every receptor at its flagpole height z_p above a flat ground through the stack bases (one plume
    state); "elevated" — the receptor z_r = z_t + z_p above each stack's base, z_t its ground elevation minus the
    stack's base elevation, and both plume states weighted by the dividing streamline H_c from the receptor's
    hill-height scale. hill_heights : (R,) AERMAP's hill-height scale of each receptor [m above the datum of the
    elevations] (``dispersion.hill_height.receptor_hill_heights``), required when elevated.
    """

    mode: str = "flat"
    hill_heights: np.ndarray | None = None

    def check(self, receptors: ReceptorSet) -> None:
        if self.mode not in TERRAIN_MODES:
            raise InputError.field("AERMOD terrain", "mode", self.mode, " or ".join(TERRAIN_MODES))
        if self.mode == "flat":
            return
        if self.hill_heights is None:
            raise InputError.field("AERMOD terrain", "hill_heights", "missing",
                                   "each receptor's hill-height scale [m] (dispersion.hill_height)")
        hill = np.asarray(self.hill_heights, dtype=np.float64)
        if hill.shape != receptors.x.shape or not np.all(np.isfinite(hill)):
            raise InputError.field("AERMOD terrain", "hill_heights", f"shape {hill.shape}" if hill.shape !=
                                   receptors.x.shape else "a non-finite value", f"{receptors.x.size} finite heights")
        low = hill < receptors.ground_elevation - 0.01
        if low.any():
            j = int(np.flatnonzero(low)[0])
            raise InputError.field("AERMOD terrain", f"hill_heights[{j}]", float(hill[j]),
                                   f">= the receptor's ground elevation {receptors.ground_elevation[j]:g} m "
                                   "(AERMAP never sets a hill below its receptor)")


def table_nodes(sources: Sources, receptors: Receptors, density: int, nearest: float = TABLE_NEAREST) -> np.ndarray:
    """Distances x_k = x_0 · 10^(k/density), k = 0 .. K − 1, from x_0 = ``nearest`` to the first node at or beyond
    the farthest (stack, receptor) pair and ``KINK_MARGIN`` nodes more, which the test for a bend in the plume
    between two nodes reads (``dispersion._aermod_kernels._mark_kinks``; K ≥ 2 + the margin). [m]"""
    if not (isinstance(density, (int, np.integer)) and density >= 2):
        raise InputError.field("run_aermod", "table_density", density, "an integer ≥ 2 (distances per decade)")
    if not nearest >= 1.0:
        raise InputError.field("run_aermod", "table_nearest", nearest, "a distance ≥ 1 m")
    dx = receptors.x[None, :] - sources.x[:, None]
    dy = receptors.y[None, :] - sources.y[:, None]
    farthest = float(np.sqrt(dx * dx + dy * dy).max()) if dx.size else 0.0
    count = max(int(np.ceil(np.log10(max(farthest, nearest) / nearest) * density - 1e-9)) + 1, 2) + KINK_MARGIN
    return nearest * 10.0 ** (np.arange(count) / density)


def pair_geometry(sources: Sources, receptors: Receptors, nodes: np.ndarray, *, stacks: StackSet | None = None,
                  points: ReceptorSet | None = None, terrain: AermodTerrain = AermodTerrain()) -> Pairs:
    """Radial distance of every (stack, receptor) pair and its node and weight in the table: position
    p = clip((ln r − ln x_0)/step, 0, K − 1 − 1e-9), node ⌊p⌋, weight p − ⌊p⌋ (as the kernel's own lookup); and the
    receptor's height z_r, ground z_t and hill h_c above each stack's base (:class:`AermodTerrain`)."""
    dx = receptors.x[None, :] - sources.x[:, None]
    dy = receptors.y[None, :] - sources.y[:, None]
    radial = np.sqrt(dx * dx + dy * dy)
    origin = np.log(nodes[0])
    step = (np.log(nodes[-1]) - origin) / (nodes.size - 1)
    with np.errstate(divide="ignore"):
        position = np.clip((np.log(radial) - origin) / step, 0.0, nodes.size - 1 - 1e-9)
    node = position.astype(np.int64)
    shape = radial.shape
    if terrain.mode == "elevated":
        base = np.asarray(stacks.base_elevation, dtype=np.float64)[:, None]
        ground = np.asarray(points.ground_elevation, dtype=np.float64)[None, :] - base
        hill = np.asarray(terrain.hill_heights, dtype=np.float64)[None, :] - base
        wrap = ground + receptors.flagpole[None, :]
    else:
        ground = hill = np.zeros(shape)
        wrap = np.broadcast_to(receptors.flagpole[None, :], shape)
    c = np.ascontiguousarray
    wrap = c(wrap, dtype=np.float64)
    lifted = (wrap != 0.0) | (receptors.flagpole[None, :] != 0.0)
    # the kinds of dispersion._aermod_kernels.PAIR_KINDS: table, exact, lifted, none
    kind = np.where(radial < sources.exclusion[:, None], 3, np.where(radial < nodes[0], 1, np.where(lifted, 2, 0)))
    # within a kind by bearing from the stack: downwind receptors, and those inside the crosswind cut-off, then come
    # in runs whatever the wind, and the kernel's branches on them are better predicted (the pair loop 16.7 → 16.0 µs
    # a stack-hour on the reference deck)
    bearing = np.arctan2(dx, dy)
    order = np.lexsort((bearing, kind), axis=1)
    ends = np.stack([(kind <= k).sum(axis=1) for k in range(3)], axis=1)
    # the table kind by distance (the kernel's random-plume pass: the pairs of one table interval in a run)
    by_distance = np.lexsort((radial, kind != 0), axis=1)
    weight = position - node
    in_order = np.take_along_axis
    starts = np.stack([np.searchsorted(np.where(kind[s] == 0, node[s], nodes.size)[by_distance[s]],
                                       np.arange(nodes.size - 1)) for s in range(shape[0])]) if shape[0] else \
        np.zeros((0, nodes.size - 1), dtype=np.int64)
    # each stack's table: its farthest pair's interval, its end node and the kink test's margin beyond — so that a
    # stack's values do not depend on the other stacks of the run; the whole table where the geometry table is
    # filled too (lifted receptors)
    lifted_any = lifted.any(axis=1)
    size = np.where(lifted_any, nodes.size, np.minimum(node.max(axis=1, initial=0) + 2 + KINK_MARGIN, nodes.size))
    return Pairs(radial=radial, node=node, weight=weight, wrap=wrap,
                 ground=c(np.broadcast_to(ground, shape), dtype=np.float64),
                 hill=c(np.broadcast_to(hill, shape), dtype=np.float64), lifted=c(lifted_any),
                 order=c(order, dtype=np.int64), ends=c(ends, dtype=np.int64), by_distance=c(by_distance, dtype=np.int64),
                 distance_weight=c(in_order(weight, by_distance, axis=1)),
                 inverse_circle=c(1.0 / (2.0 * np.pi * np.maximum(in_order(radial, by_distance, axis=1), 1e-300))),
                 node_starts=c(starts, dtype=np.int64), table_size=c(size, dtype=np.int64))


def plume_parts(stacks: StackSet, weather: Weather, hour: int, stack: int, distances, *,
                decay: float = 0.0) -> np.ndarray:
    """(N, 5) y-independent plume parts (F_z/ũ [s m-2], σ_y [m], F_z3/ũ3 [s m-2], σ_y3 [m], f_r [-]) of one stack
    in one hour at ``distances`` [m] (F_z with the decay ``decay`` [s-1]) — the kernel's own function, for tests
    and diagnostics."""
    return parts_at(aermod_sources(stacks), weather, int(hour), int(stack),
                    np.ascontiguousarray(distances, dtype=np.float64), float(decay))


def aermod_hours(stacks: StackSet, receptors: ReceptorSet, weather: Weather, rates, *, tabulate: bool = True,
                 table_density: int = TABLE_DENSITY, table_nearest: float = TABLE_NEAREST,
                 parallel: bool = True, terrain: AermodTerrain = AermodTerrain(), decay: float = 0.0,
                 stack_tip_downwash: bool = True, buildings=None) -> np.ndarray:
    """The hourly concentration [kg m-3] at the receptors (their flagpole heights; ``terrain``: flat or elevated,
    :class:`AermodTerrain`) of ``weather``'s hours (:func:`aermod_weather`; hours not valid are 0) from ``rates``
    [kg s-1]: (H, S) → (H, R), or (P, H, S) of P substances → (H, P, R), all decaying with ``decay`` ψ [s-1]
    (:func:`decay_coefficient`), with Briggs's stack-tip downwash unless ``stack_tip_downwash`` is False (AERMOD's
    NOSTD), and PRIME downwash from ``buildings`` (:func:`aermod_sources`) — the kernel without the statistics (see
    :func:`run_aermod`)."""
    rates = np.asarray(rates, dtype=np.float64)
    single = rates.ndim == 2
    out, _ = aermod_hours_and_responses(
        stacks, receptors, weather, rates[None] if single else rates, tabulate=tabulate, table_density=table_density,
        table_nearest=table_nearest, parallel=parallel, terrain=terrain, decay=decay,
        stack_tip_downwash=stack_tip_downwash, buildings=buildings)
    return out[:, 0] if single else out


def aermod_hours_and_responses(stacks: StackSet, receptors: ReceptorSet, weather: Weather, rates, *,
                               tracked=None, weights=None, tabulate: bool = True,
                               table_density: int = TABLE_DENSITY, table_nearest: float = TABLE_NEAREST,
                               parallel: bool = True, terrain: AermodTerrain = AermodTerrain(),
                               decay: float = 0.0, stack_tip_downwash: bool = True,
                               buildings=None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`aermod_hours` of ``rates`` (P, H, S) → (H, P, R), and from the same run each source's own response at
    the receptors ``tracked`` (T,) (indices into ``receptors``): its C/Q [s m-3] times ``weights`` (H, S) → (H, S, T)
    (a stack whose weight is not 0 is run in that hour even where none of the P substances is emitted). Its tables
    (plume rise, σ's, PRIME's wake) are built once per stack-hour for both, which is what a transfer matrix at a few
    receptors beside a whole-field run would otherwise build again. ``tracked`` None: T = 0."""
    if not (np.isfinite(decay) and decay >= 0.0):
        raise InputError.field("AERMOD run", "decay", decay, "a decay coefficient ≥ 0 s-1")
    terrain.check(receptors)
    rates = np.ascontiguousarray(rates, dtype=np.float64)
    n_hours, n_src = weather.valid.size, rates.shape[2]
    tracked = np.zeros(0, dtype=np.int64) if tracked is None else np.ascontiguousarray(tracked, dtype=np.int64)
    if tracked.size and (tracked.min() < 0 or tracked.max() >= receptors.x.size):
        raise InputError.field("AERMOD run", "tracked receptors", f"{tracked.min()}..{tracked.max()}",
                               f"indices 0..{receptors.x.size - 1}")
    if weights is None:
        weights = np.zeros((n_hours, n_src))
    weights = np.ascontiguousarray(np.broadcast_to(np.asarray(weights, dtype=np.float64), (n_hours, n_src)))
    sources, points = aermod_sources(stacks, stack_tip_downwash, buildings), _receptors(receptors)
    nodes = table_nodes(sources, points, table_density, table_nearest)
    sources = sources._replace(area_nodes=area_nodes(sources, points, table_density))
    out = np.empty((n_hours, rates.shape[0], points.x.size))
    responses = np.empty((n_hours, n_src, tracked.size))
    kernel = aermod_parallel if parallel else aermod_serial
    if not is_cached(kernel):
        log.info("compiling ParkTwin's AERMOD kernels, once for this version (about a minute and a quarter on two "
                 "cores); later runs load them from %s", config.CACHE_DIR)
    pairs = pair_geometry(sources, points, nodes, stacks=stacks, points=receptors, terrain=terrain)
    kernel(sources, points, pairs, weather, rates, nodes, bool(tabulate), float(decay), tracked, weights, out,
           responses)
    return out, responses


@dataclass(frozen=True)
class AermodStatistics:
    """Statistics of P substances over a run [kg m-3]: max_1h, period_mean (P, R); daily (P, D, R) — a day's sum over
    max(valid hours, 18); hourly (H, P, R) when kept (at the receptors ``hourly_at`` when given); valid_hours; and
    ``responses``, each source's own response at the tracked receptors as statistics of the same shape with the
    sources for the substances and the tracked receptors for the receptors (S, T), when asked for."""

    max_1h: np.ndarray
    period_mean: np.ndarray
    daily: np.ndarray
    valid_hours: int
    hourly: np.ndarray | None = None
    responses: "AermodStatistics | None" = None


class _Reduction:
    """AERMOD's hour rules over blocks of hours (H, P, R) in hour order: the highest hour, each day's sum, the sum of
    the valid hours, and the hours themselves when kept (at the receptors ``keep_at``, or all)."""

    def __init__(self, n_hours: int, n_sub: int, n_rec: int, day: np.ndarray, keep: bool, keep_at=None):
        n_days = int(day[-1]) + 1 if n_hours else 0
        self.day, self.keep_at = day, keep_at
        self.daily_sum = np.zeros((n_sub, n_days, n_rec))
        self.total = np.zeros((n_sub, n_rec))
        self.best = np.zeros((n_sub, n_rec))
        kept = n_rec if keep_at is None else len(keep_at)
        self.every = np.zeros((n_hours, n_sub, kept)) if keep else None

    def add(self, start: int, out: np.ndarray) -> None:
        stop = start + out.shape[0]
        for p in range(out.shape[1]):
            np.add.at(self.daily_sum[p], self.day[start:stop], out[:, p])
        self.total += out.sum(axis=0)
        np.maximum(self.best, out.max(axis=0), out=self.best)
        if self.every is not None:
            self.every[start:stop] = out if self.keep_at is None else out[:, :, self.keep_at]

    def statistics(self, valid: np.ndarray, responses=None) -> AermodStatistics:
        daily_count = np.bincount(self.day[valid], minlength=self.daily_sum.shape[1]).astype(np.float64)
        n_valid = int(valid.sum())
        return AermodStatistics(
            max_1h=self.best, period_mean=self.total / max(n_valid, 1),
            daily=self.daily_sum / np.maximum(daily_count, AERMOD_DAILY_DIVISOR_FLOOR)[None, :, None],
            valid_hours=n_valid, hourly=self.every, responses=responses)


RESPONSE_BLOCK_VALUES = 1 << 24  # doubles of one block's source responses (H × S × T; 128 MiB)


def aermod_statistics(stacks: StackSet, receptors: ReceptorSet, weather: Weather, rates, day, *,
                      keep_hourly: bool = False, tabulate: bool = True, table_density: int = TABLE_DENSITY,
                      table_nearest: float = TABLE_NEAREST, parallel: bool = True, progress=None,
                      terrain: AermodTerrain = AermodTerrain(), decay=0.0,
                      stack_tip_downwash: bool = True, buildings=None, no2=None, hourly_at=None,
                      responses_at=None, response_weights=None, response_decay: float = 0.0,
                      keep_response_hours: bool = False) -> AermodStatistics:
    """Run the kernel over ``weather``'s hours in blocks and reduce with AERMOD's hour rules: ``rates`` (P, H, S)
    [kg s-1]; ``day`` (H,) 0-based local calendar day of each hour (non-decreasing); ``decay`` ψ [s-1], one for all
    or (P,) one per substance (substances that decay alike share a kernel run); ``stack_tip_downwash`` False is
    AERMOD's NOSTD; ``no2`` None, or (P,) per substance None or an NO2 method of :mod:`dispersion.no2_chemistry`
    (``Arm2``, ``Olm`` with ``ozone`` over these H hours): that substance is NOx as NO2 and its hourly totals become
    NO2 before every statistic (and in ``hourly``; OLM's emitted NO2, Σ ISR_s C_s, is a further substance of the
    same kernel run). The sums run in hour order, so the numbers do not depend on the thread count.

    ``keep_hourly`` keeps the hours at every receptor, or at the receptors ``hourly_at`` (indices) when given.
    ``responses_at`` (T,) receptor indices: also each source's own response there, its C/Q with the decay
    ``response_decay`` ψ [s-1] and no NO2 chemistry times ``response_weights`` (H, S) [kg s-1] (a transfer matrix,
    kg m-3), reduced by the same rules into ``responses`` (its hours kept with ``keep_response_hours``), from the
    same stack-hour tables as the substances (:func:`aermod_hours_and_responses`; the run that carries them is the
    substances' with that decay, or one of their own when none has it)."""
    rates = np.ascontiguousarray(rates, dtype=np.float64)
    n_sub, n_hours, n_src = rates.shape
    no2 = list(no2) if no2 is not None else [None] * n_sub
    if len(no2) != n_sub:
        raise InputError.field("AERMOD run", "no2", f"{len(no2)} entries", f"one per substance ({n_sub})")
    decay = np.broadcast_to(np.asarray(decay, dtype=np.float64), (n_sub,))
    # OLM, every source in one plume: each such substance's emitted NO2 (its rates × the sources' in-stack ratios)
    # is run alongside it; each source on its own: the substance is run source by source (_olm_source_by_source)
    primary = {p: n_sub + k for k, p in enumerate(p for p, method in enumerate(no2)
                                                  if isinstance(method, Olm) and method.grouped)}
    alone = [p for p, method in enumerate(no2) if isinstance(method, Olm) and not method.grouped]
    for p in [*alone, *primary]:
        if no2[p].ozone.shape != (n_hours,) or no2[p].in_stack.shape != (rates.shape[2],):
            raise InputError.field("AERMOD run", "OLM ozone / in-stack ratios",
                                   f"{no2[p].ozone.shape} / {no2[p].in_stack.shape}",
                                   f"({n_hours},) hours / ({rates.shape[2]},) sources")
    if primary:
        rates = np.concatenate([rates, np.stack([rates[p] * no2[p].in_stack[None, :] for p in primary])])
        decay = np.concatenate([decay, decay[list(primary)]])
    groups = [(float(psi), np.setdiff1d(np.flatnonzero(decay == psi), alone)) for psi in np.unique(decay)]
    groups = [(psi, members) for psi, members in groups if members.size]
    tracking = responses_at is not None
    if tracking:
        responses_at = np.asarray(responses_at, dtype=np.int64)
        response_weights = np.broadcast_to(np.asarray(response_weights, dtype=np.float64), (n_hours, n_src))
        response_decay = float(response_decay)
        if not any(psi == response_decay for psi, _ in groups):  # no substance decays so: a run of their own
            groups.append((response_decay, np.zeros(0, dtype=np.int64)))
    day = np.asarray(day, dtype=np.int64)
    n_rec = receptors.x.size
    hourly_at = None if hourly_at is None else np.asarray(hourly_at, dtype=np.int64)
    reduction = _Reduction(n_hours, n_sub, n_rec, day, keep_hourly, hourly_at)
    sources = _Reduction(n_hours, n_src, responses_at.size, day, keep_response_hours) if tracking else None
    block_hours = HOURS_PER_BLOCK
    if tracking:
        block_hours = max(1, min(block_hours, RESPONSE_BLOCK_VALUES // max(n_src * responses_at.size, 1)))
    kernel = dict(tabulate=tabulate, table_density=table_density, table_nearest=table_nearest,
                  parallel=parallel, terrain=terrain, stack_tip_downwash=stack_tip_downwash, buildings=buildings)
    for start in range(0, n_hours, block_hours):
        stop = min(start + block_hours, n_hours)
        block = subset_weather(weather, slice(start, stop))
        out = np.empty((stop - start, rates.shape[0], n_rec))
        for psi, members in groups:
            carry = tracking and psi == response_decay  # one group: the decays are unique
            out_group, responses = aermod_hours_and_responses(
                stacks, receptors, block, rates[members, start:stop] if members.size else
                np.zeros((0, stop - start, n_src)), tracked=responses_at if carry else None,
                weights=response_weights[start:stop] if carry else None, decay=psi, **kernel)
            out[:, members] = out_group
            if carry:
                sources.add(start, responses)
        for p in alone:
            out[:, p] = _olm_source_by_source(no2[p], stacks, receptors, block, rates[p, start:stop],
                                              slice(start, stop), decay=float(decay[p]), **kernel)
        for p, method in enumerate(no2):  # the hour's NOx of every source at each receptor → NO2
            if p in alone:
                continue
            if isinstance(method, Olm):
                out[:, p] = method.convert(out[:, p], out[:, primary[p]], slice(start, stop))
            elif method is not None:
                out[:, p] = method.convert(out[:, p])
        reduction.add(start, out[:, :n_sub])
        if progress is not None:
            progress(stop, n_hours)
    valid = weather.valid
    return reduction.statistics(valid, sources.statistics(valid) if tracking else None)


def _olm_source_by_source(olm: Olm, stacks: StackSet, receptors: ReceptorSet, block: Weather, rates, hours, *,
                          decay: float, buildings=None, **kernel) -> np.ndarray:
    """AERMOD's OLM without OLMGROUP: each emitting source run on its own (the kernel's table does not depend on the
    other sources, so its values are those of the joint run), its NO2 from its own NOx and in-stack ratio with the
    hours' whole ozone, summed: (h, R) [kg m-3] from ``rates`` (h, S) [kg s-1] of hours ``hours`` of ``olm``."""
    if buildings is not None:  # the profiles onto the stacks, so that each source takes its own
        stacks = replace(stacks, buildings=building_array(buildings, stacks.x.size))
    total = np.zeros((rates.shape[0], receptors.x.size))
    for s in np.flatnonzero(np.any(rates > 0.0, axis=0)):
        one = aermod_hours(stacks.subset([s]), receptors, block, np.ascontiguousarray(rates[:, [s]]), decay=decay,
                           **kernel)
        total += olm.convert(one, olm.in_stack[s] * one, hours)
    return total


def run_aermod(stacks: StackSet, emission_rates, receptors: ReceptorSet, met: xr.Dataset, *,
               true_north_grid_bearing: float = 0.0, utc_offset_hours: float = 0.0, tabulate: bool = True,
               table_density: int = TABLE_DENSITY, table_nearest: float = TABLE_NEAREST, parallel: bool = True,
               hourly: bool = False, progress=None, terrain: AermodTerrain = AermodTerrain(),
               urban: AermodUrban | None = None, decay: float = 0.0,
               stack_tip_downwash: bool = True, buildings=None, no2=None) -> AermodResult:
    """Every hour of the AERMET dataset ``met`` (``meteo.read_aermet``) at every receptor from every stack, with
    AERMOD's hour rules (``dispersion.plume`` module docstring): calm and missing hours are zero and left out; a
    day's 24-h mean is its sum over max(valid hours, 18); the period mean is over the valid hours.

    emission_rates : (S,) or (H, S) [kg s-1]; true_north_grid_bearing [degree] added to AERMET's directions;
    utc_offset_hours [h] cuts local calendar days; tabulate : the tabulated path (module docstring of
    :mod:`dispersion._aermod_kernels`; up to a few % from the exact value where the plume bends between nodes,
    docs/scenarios/eia.md) or every pair exactly (AERMOD's own values, about AERMOD's time);
    table_density : its distances per decade; table_nearest : its first distance x_0 [m] (nearer pairs
    exactly); parallel : hours in a Numba ``prange`` (False inside Dask threads: the serial, GIL-free kernel);
    hourly : also return the (H, R) hourly field as ``result.hourly``; progress : optional callable(hours done,
    n_hours); terrain : flat (AERMOD's FLAT) or elevated with the receptors' hill heights (ELEV),
    :class:`AermodTerrain`; urban : AERMOD's urban option for every stack (:class:`AermodUrban`), None: rural;
    decay : ψ [s-1] (:func:`decay_coefficient`: SO2 from urban stacks takes AERMOD's 4-h half-life);
    stack_tip_downwash : False is AERMOD's NOSTD; buildings : the stacks' BPIP-PRIME profiles
    (:class:`dispersion.building_profile.BuildingProfiles`) for AERMOD's PRIME building downwash
    (:mod:`dispersion._prime_kernels`), None: none; no2 : the rates are NOx as NO2 and the results NO2 by AERMOD's
    ARM2 or OLM (:class:`dispersion.no2_chemistry.Arm2`, ``Olm`` with the ozone of ``met``'s hours), None: the
    rates' own substance. Receptors are at their flagpole heights ``receptors.height``.
    """
    terrain.check(receptors)
    n_hours = met.sizes["time"]
    rates = np.asarray(emission_rates, dtype=np.float64)
    if rates.ndim == 1:
        rates = np.broadcast_to(rates, (n_hours, rates.size))
    if rates.shape != (n_hours, stacks.x.size):
        raise InputError.field("run_aermod", "emission_rates", rates.shape,
                               f"(S,) or (H, S) = ({n_hours}, {stacks.x.size}) kg/s")
    if not np.all(np.isfinite(rates)) or np.any(rates < 0.0):
        raise InputError.field("run_aermod", "emission_rates", "negative or not finite", "finite rates ≥ 0 kg/s")
    weather = aermod_weather(met, true_north_grid_bearing=true_north_grid_bearing, urban=urban)
    local = met["time"].values.astype("datetime64[ns]") + np.timedelta64(int(round(utc_offset_hours * 3600)), "s")
    day = local.astype("datetime64[D]").astype(np.int64)
    stats = aermod_statistics(stacks, receptors, weather, rates[None], day - day[0] if n_hours else day,
                              keep_hourly=hourly, tabulate=tabulate, table_density=table_density,
                              table_nearest=table_nearest, parallel=parallel, progress=progress, terrain=terrain,
                              decay=decay, stack_tip_downwash=stack_tip_downwash, buildings=buildings,
                              no2=None if no2 is None else [no2])
    return AermodResult(max_1h=stats.max_1h[0], max_24h=stats.daily[0].max(axis=0) if stats.daily.shape[1]
                        else np.zeros(receptors.x.size), period_mean=stats.period_mean[0], daily=stats.daily[0],
                        valid_hours=stats.valid_hours, hourly=None if stats.hourly is None else stats.hourly[:, 0])
