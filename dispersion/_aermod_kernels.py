"""Numba kernels of ParkTwin's AERMOD: hours × stacks × receptors (physics: :mod:`dispersion._aermod_physics`,
formulation and sources: :mod:`dispersion.aermod`, which validates and prepares every input).

Per hour and stack the y-independent parts of the plume — F_z/ũ and σ_y of the direct (or stable-type) and of the
penetrated source, and the meander weight f_r — are evaluated on ``K`` distances x_k = exp(k·step), log-spaced
from x_0 to the farthest (stack, receptor) pair, and interpolated in ln x at each receptor's downwind distance x
(coherent plume) and radial distance r (random plume): ln σ_y and f_r linearly, ln F_z by the quadratic through
three nodes (``dispersion._aermod_table``, stored per interval with everything else a pair needs, ``fill_intervals``), and an
interval where a part bends abruptly by the lower or higher of the quadratics from either side (``mark_kinks``);
each stack's table reaches its own farthest pair and ``KINK_MARGIN`` nodes more (``Pairs.table_size``):

    C/Q = f_r(r) (F_z + F_z3)(r)/(2π r) + (1 − f_r(r)) [F_y(y; σ_y) F_z/ũ + F_y(y; σ_y3) F_z3/ũ3](x),

F_y the Gaussian and 1/(2π r) the random plume (MFD §5.4). A part that underflows (< 1e-300)
at either neighbouring node is zero between them. Distances below x_0 are evaluated exactly, and
``tabulate=False`` evaluates every pair exactly. Receptors above the ground or the stack base read the
plume's geometry table instead (:mod:`dispersion._aermod_geometry`).
Substances share the geometry: ``rates`` (P, H, S) give ``out`` (H, P, R).

Building downwash: a stack whose flow sector (of the wind at its top) has a structure (``Sources.building``, the
BPIP-PRIME profiles) gets its PRIME state once per hour (:func:`dispersion._prime_kernels.wake_state`); its row is
then computed without downwash into a row of its own and blended receptor by receptor with PRIME's value
(:func:`dispersion._prime_kernels.downwash`), so the per-pair loop of the other stacks is untouched.

Transfer matrices: a run may also keep each source's own C/Q (times a weight per stack-hour: its emission factor) at
a few receptors (``tracked``) into ``responses`` (H, S, T). Such a stack-hour is computed into a row of its own and
added to the substances' rows afterwards, like a downwashed one, so its tables — the costly part of a stack-hour —
serve both the field and the transfer matrices.

Hours are independent: :func:`aermod_parallel` runs them in a ``prange`` and writes each hour's rows of ``out``
(H, P, R) and ``responses``; the statistics are summed afterwards in hour order, so the numbers do not depend on the
thread count. :func:`aermod_serial` runs the same per-hour function in order (``nogil``) for Dask threads.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit, prange

from dispersion._aermod_geometry import GEOMETRY_COLUMNS, fill_geometry, geometry_parts
from dispersion._aermod_table import INTERVAL_COLUMNS, KINK_COLUMNS, fill_intervals, fill_table, kinked, mark_kinks
from dispersion._aermod_area import area_table, area_value, receptor_table_rows
from dispersion._aermod_physics import G_OVER_CP, Hour, stable_gradual_rises, stack_state
from dispersion._aermod_plume import plume_parts, plume_parts_at
from dispersion._aermod_vertical import EXP_LIMIT, SQRT_2PI, gauss
from dispersion._prime_kernels import downwash, wake_state
from dispersion._prime_sigmas import TRAJECTORY
from dispersion._math_kernels import KERNEL_OPTIONS, exp_fast

__all__ = ["Sources", "Receptors", "Pairs", "Weather", "aermod_parallel", "aermod_serial", "parts_at"]

_TWO_PI = 2.0 * math.pi


class Sources(NamedTuple):
    """The stacks, float64 (S,)."""

    x: np.ndarray  # grid x [m]
    y: np.ndarray  # grid y [m]
    height: np.ndarray  # stack height above ground [m]
    diameter: np.ndarray  # inner diameter [m]
    velocity: np.ndarray  # exit velocity [m s-1]
    temperature: np.ndarray  # exit temperature [K]
    tip_downwash: np.ndarray  # bool: Briggs's stack-tip downwash (False: AERMOD's NOSTD)
    release: np.ndarray  # int64: 0 vertical, 1 capped (POINTCAP), 2 horizontal (POINTHOR), 3 volume (VOLUME)
    building: np.ndarray  # (S, 36, 5) BPIP-PRIME H, W, L, XBADJ, YBADJ per 10° flow sector (zeros: no downwash)
    sigma_y0: np.ndarray  # initial σ_y0 and σ_z0 of a volume source [m] (0 for a stack)
    sigma_z0: np.ndarray
    exclusion: np.ndarray  # [m] receptors nearer than this get nothing: 1 m, a volume source's 2.15 σ_y0 + 0.99 m
    vertices: np.ndarray  # (S, V, 2) an area source's polygon [m] (its first vertex_count rows; zeros otherwise)
    vertex_count: np.ndarray  # int64 (S,): 0 for a stack or a volume source
    area: np.ndarray  # (S,) an area source's area [m²] (its rate per m² is its rate / area; 0 otherwise)
    area_nodes: np.ndarray  # (K_a,) the distances of the area sources' tables [m] (dispersion._aermod_area)


class Receptors(NamedTuple):
    """The receptors, float64 (R,)."""

    x: np.ndarray  # grid x [m]
    y: np.ndarray  # grid y [m]
    flagpole: np.ndarray  # height above local ground z_p [m]


class Pairs(NamedTuple):
    """The fixed geometry of every (stack, receptor) pair, (S, R): radial distance [m] and its place in the table,
    ln r = ln x_node + weight · step, node 0 below the first node (:func:`dispersion.aermod.pair_geometry`); the
    receptor's height z_r, ground z_t and hill-height scale h_c above the stack base (flat terrain: z_r = z_p,
    z_t = h_c = 0); and each stack's receptors ordered by the way their pairs are evaluated, so that the loop over
    the common kind has no branch to the others (``PAIR_KINDS``)."""

    radial: np.ndarray  # float64 [m]
    node: np.ndarray  # int64, 0 .. K − 2
    weight: np.ndarray  # float64 in [0, 1)
    wrap: np.ndarray  # z_r [m], the height of the horizontal plume state's receptor
    ground: np.ndarray  # z_t [m]
    hill: np.ndarray  # h_c [m]
    lifted: np.ndarray  # bool (S,): the stack has a receptor above the ground or its base (a geometry table)
    order: np.ndarray  # int64 (S, R): receptor indices, kind by kind in PAIR_KINDS' order, by bearing within a kind
    ends: np.ndarray  # int64 (S, 3): where the first three kinds end in ``order`` (the fourth is not evaluated)
    by_distance: np.ndarray  # int64 (S, R): the table kind's receptors (the first ends[s, 0]) by distance, then any
    distance_weight: np.ndarray  # float64 (S, R): their weights in the table, in that order
    inverse_circle: np.ndarray  # float64 (S, R): their 1/(2π r) [m-1], in that order
    node_starts: np.ndarray  # int64 (S, K - 1): where each table interval's pairs start in by_distance
    table_size: np.ndarray  # int64 (S,): the nodes its table fills (the farthest pair's and KINK_MARGIN more)


# How a pair is evaluated (dispersion.aermod.pair_geometry sorts them): from the table at the ground (r ≥ x_0, the
# receptor at the stack base's height and on the ground), exactly (1 m ≤ r < x_0), from the table with the receptor
# above the ground or the stack base (r ≥ x_0, _terrain_pair), not at all (r < 1 m: no plume at the stack).
PAIR_KINDS = ("table", "exact", "lifted", "none")


class Weather(NamedTuple):
    """The hours (H), profiles on ``heights`` (Z,) and per-hour scalars (H,) (units: ``_aermod_physics``)."""

    heights: np.ndarray  # (Z,) [m]
    rows: np.ndarray  # (H, Z, 5) wind speed, σ_v, σ_w, dθ/dz, θ
    slopes: np.ndarray  # (H, Z, 5) per metre on [z_k, z_k+1] (last row 0)
    integrals: np.ndarray  # (H, Z, 5) ∫_0^z_k
    valid: np.ndarray  # bool (H,): modelled (False: calm or missing, left zero)
    friction_velocity: np.ndarray
    convective_velocity_scale: np.ndarray  # w* (0 when stable)
    obukhov_length: np.ndarray
    mixing_height: np.ndarray
    mechanical_mixing_height: np.ndarray
    mean_wind_speed: np.ndarray
    mean_sigma_w: np.ndarray
    theta_at_zi: np.ndarray
    gradient_above_zi: np.ndarray
    wind_from_sin: np.ndarray  # sin and cos of the direction the wind blows from, clockwise from grid north
    wind_from_cos: np.ndarray
    veering: np.ndarray  # bool (H,): the direction varies with height (a site tower), each stack takes its own
    direction_profile: np.ndarray  # (H, Z) [degree from grid north] where veering, else (H, 1) unused
    urban: np.ndarray  # bool (H,): the urban stable layer (URBANOPT; the rows and scalars above are then urban)
    density: np.ndarray  # (H, Z) air density on the heights [kg m-3] (PRIME's plume rise; dispersion.aermod)
    levels: np.ndarray  # int64 (B,) and buckets per metre: the heights' buckets (dispersion.aermod.weather_levels)
    level_scale: float


@njit(**KERNEL_OPTIONS)
def _hour(weather, h, decay):
    return Hour(weather.heights, weather.rows[h], weather.slopes[h], weather.integrals[h],
                weather.obukhov_length[h] > 0.0, weather.friction_velocity[h], weather.convective_velocity_scale[h],
                weather.obukhov_length[h], weather.mixing_height[h], weather.mechanical_mixing_height[h],
                weather.mean_wind_speed[h], weather.mean_sigma_w[h], weather.theta_at_zi[h],
                weather.gradient_above_zi[h], weather.urban[h], decay, weather.levels, weather.level_scale)


@njit(**KERNEL_OPTIONS)
def _stack(sources, s, hour):
    return stack_state(hour, sources.height[s], sources.diameter[s], sources.velocity[s], sources.temperature[s],
                       sources.tip_downwash[s], sources.release[s], sources.sigma_y0[s], sources.sigma_z0[s])


@njit(**KERNEL_OPTIONS)
def stack_direction(weather, h, st):
    """sin and cos of the direction the wind blows from for one stack: the direction profile at mid-rise,
    z_mid = min(4000 m, h_s + Δh_f/2), linear between grid levels through the smaller angle (AERMOD PCALC,
    "transport wind direction using midpoint between stack height and final plume height")."""
    return _direction_at(weather, h, min(4000.0, st.hs + 0.5 * st.final))


@njit(**KERNEL_OPTIONS)
def _direction_at(weather, h, z):
    """sin and cos of the direction profile of hour h at height z, linear between grid levels through the smaller
    angle."""
    heights = weather.heights
    k = 0
    while k < heights.shape[0] - 2 and heights[k + 1] <= z:
        k += 1
    below = weather.direction_profile[h, k]
    above = weather.direction_profile[h, k + 1]
    if above - below < -180.0:
        above += 360.0
    elif above - below > 180.0:
        above -= 360.0
    direction = below if below == above else below + (z - heights[k]) * (above - below) / (heights[k + 1] - heights[k])
    radians = direction * (math.pi / 180.0)
    return math.sin(radians), math.cos(radians)


@njit(**KERNEL_OPTIONS)
def parts_at(sources, weather, h, s, distances, decay):
    """(N, 5) parts (F_z/ũ, σ_y, F_z3/ũ3, σ_y3, f_r) of stack ``s`` in hour ``h`` at ``distances`` (N,) [m] with
    the decay coefficient ``decay`` [s-1]."""
    hour = _hour(weather, h, decay)
    st = _stack(sources, s, hour)
    out = np.empty((distances.shape[0], 5))
    for i in range(distances.shape[0]):
        out[i, 0], out[i, 1], out[i, 2], out[i, 3], out[i, 4] = plume_parts(distances[i], st, hour)
    return out


@njit(**KERNEL_OPTIONS)
def _pair(vertical, sy, vertical_3, sy3, weight_r, random_vertical, y, r):
    """C/Q of one pair from the parts at x (coherent) and at r (random, f_r and F_z + F_z3)."""
    coherent = 0.0
    if vertical > 0.0:
        coherent += gauss(-(y * y) / (2.0 * sy * sy)) / (SQRT_2PI * sy) * vertical
    if vertical_3 > 0.0:
        coherent += gauss(-(y * y) / (2.0 * sy3 * sy3)) / (SQRT_2PI * sy3) * vertical_3
    return weight_r * random_vertical / (_TWO_PI * r) + (1.0 - weight_r) * coherent


@njit(**KERNEL_OPTIONS)
def _random_plume(values, s, intervals, kinks, pairs, n_table):
    """The random plume f_r (F_z/ũ + F_z3/ũ3)/(2π r) [s m⁻³] (MFD §5.4 with the meander weight as
    revised in Cimorelli et al. 2005 §4) of stack ``s``'s table pairs into ``values`` (n_table,), in their order by
    distance (``Pairs.by_distance``): the pairs of one table interval in a run share its row, so the inner loop has
    no gather and compiles to packed arithmetic (``exp_fast``)."""
    starts = pairs.node_starts[s]
    weight, inverse = pairs.distance_weight[s], pairs.inverse_circle[s]
    for k in range(starts.shape[0]):
        lo = starts[k]
        hi = starts[k + 1] if k + 1 < starts.shape[0] else n_table
        if hi <= lo:
            continue
        if kinks[k, KINK_COLUMNS - 1] == 1.0:  # a bend in the interval (mark_kinks)
            for i in range(lo, hi):
                w = weight[i]
                values[i] = kinked(kinks[k], 4, w) * exp_fast(kinked(kinks[k], 2, w)) * inverse[i]
            continue
        row = intervals[k]
        a, b, c, f, g = row[6], row[7], row[8], row[11], row[12]
        for i in range(lo, hi):
            w = weight[i]
            values[i] = (f + w * g) * exp_fast(a + w * (b + w * c)) * inverse[i]


@njit(**KERNEL_OPTIONS)
def _tabulated_stack(rows, q, s, st, hour, intervals, kinks, geometry, penetrated, origin, step, last, sources,
                     receptors, pairs, sn, cs, values):
    """Add stack ``s`` (rate ``q``) to ``row`` from its interval table (``fill_intervals``). The radial distance r
    and its node and weight are fixed for the run (``pairs``); the coherent plume is evaluated only where
    |y| < 6.5 σ_y(r) — beyond, its Gaussian is below 7e-10 of its centreline because σ_y(x) ≤ σ_y(r) for x ≤ r
    (the penetrated plume's σ_y3 included). Pairs
    nearer than the first node x_0 are evaluated exactly; receptors above the ground or the stack base from the
    geometry table (:func:`_terrain_pair`). One loop per kind of pair (``Pairs.order``), and for the common kind one
    pass for the random plume, every pair, in order of distance (:func:`_random_plume`), and one for the coherent
    plume, in order of bearing (its branches on downwind and cut-off then come in runs): with ``_add`` inlined, the
    pair loop took 13.6 µs a stack-hour of the reference deck instead of 16.0 in one pass (``values`` (R,) is the
    scratch of the first)."""
    order, ends = pairs.order[s], pairs.ends[s]
    n_table = ends[0]
    _random_plume(values, s, intervals, kinks, pairs, n_table)
    by_distance = pairs.by_distance[s]
    for i in range(n_table):
        _add(rows, q, by_distance[i], values[i])
    x0 = math.exp(origin)
    for i in range(n_table):  # the coherent plume at the ground, r ≥ x_0: the table alone
        j = order[i]
        dx = receptors.x[j] - sources.x[s]
        dy = receptors.y[j] - sources.y[s]
        x = -(dx * sn + dy * cs)
        if x < 1.0:
            continue
        y = dx * cs - dy * sn
        node = pairs.node[s, j]
        row = intervals[node]
        bound = row[15]
        if y * y >= bound * bound:
            continue
        if kinks[node, KINK_COLUMNS - 1] == 1.0:
            fr = kinked(kinks[node], 4, pairs.weight[s, j])
        else:
            fr = row[11] + pairs.weight[s, j] * row[12]
        if x < x0:
            v, sy, v3, sy3, _ = plume_parts(x, st, hour)
            _add(rows, q, j, (1.0 - fr) * _pair(v, sy, v3, sy3, 0.0, 0.0, y, pairs.radial[s, j]))
        else:
            position = min(max((math.log(x) - origin) / step, 0.0), last)
            kx = int(position)
            wx = position - kx
            if kinks[kx, KINK_COLUMNS - 1] == 1.0:
                bent = kinks[kx]
                coherent = _coherent(kinked(bent, 0, wx), kinked(bent, 3, wx), y)
                if penetrated:
                    coherent += _coherent(kinked(bent, 1, wx), kinked(bent, 5, wx), y)
            else:
                near = intervals[kx]
                coherent = _coherent(near[0] + wx * (near[1] + wx * near[2]), near[9] + wx * near[10], y)
                if penetrated:
                    coherent += _coherent(near[3] + wx * (near[4] + wx * near[5]), near[13] + wx * near[14], y)
            _add(rows, q, j, (1.0 - fr) * coherent)
    for i in range(ends[0], ends[1]):  # 1 m ≤ r < x_0: exactly
        j = order[i]
        _add(rows, q, j, _exact_pair(s, j, st, hour, sources, receptors, pairs, sn, cs))
    for i in range(ends[1], ends[2]):  # above the ground or the stack base: the geometry table
        j = order[i]
        k = pairs.node[s, j]
        _add(rows, q, j, _terrain_pair(s, j, k, pairs.weight[s, j], pairs.radial[s, j], intervals[k, 15], st, hour,
                                       geometry, origin, step, last, sources, receptors, pairs, sn, cs))


@njit(**KERNEL_OPTIONS)
def _coherent(log_vertical, log_sy, y):
    """F_y(y; σ_y) F_z/ũ [s m-3] (MFD §5.4) from ln F_z/ũ and ln σ_y as tabulated: exp(ln F_z/ũ − ln σ_y −
    y²/2σ_y²)/√(2π), zero where exp(−y²/2σ_y²) < e^−50 (``gauss``'s rule) — two exponentials where the values
    themselves take three and two divisions (the coherent pairs were two thirds of the per-pair time)."""
    spread = 0.5 * y * y * math.exp(-2.0 * log_sy)
    if spread >= -EXP_LIMIT:
        return 0.0
    return math.exp(log_vertical - log_sy - spread) / SQRT_2PI


@njit(inline="always", **KERNEL_OPTIONS)
def _with_wake(value, wake, hour, s, j, sources, receptors, pairs, sn, cs):
    """A pair's C/Q with building downwash (:func:`dispersion._prime_kernels.downwash`; ``value`` without it)."""
    dx = receptors.x[j] - sources.x[s]
    dy = receptors.y[j] - sources.y[s]
    return downwash(value, wake, hour, -(dx * sn + dy * cs), dx * cs - dy * sn, receptors.flagpole[j],
                    pairs.wrap[s, j])


@njit(**KERNEL_OPTIONS)
def _apply_wake(values, wake, hour, s, sources, receptors, pairs, sn, cs):
    """Stack ``s``'s C/Q ``values`` (R,) in place with building downwash, and zero at the receptors nearer than 1 m
    (AERMOD's rule: none there)."""
    for j in range(values.shape[0]):
        if pairs.radial[s, j] >= sources.exclusion[s]:
            values[j] = _with_wake(values[j], wake, hour, s, j, sources, receptors, pairs, sn, cs)
        else:
            values[j] = 0.0


@njit(**KERNEL_OPTIONS)
def _add_row(rows, q, values):
    """rows[p, j] += q[p] · values[j] for every substance p and receptor j."""
    for p in range(q.shape[0]):
        if q[p] != 0.0:
            for j in range(values.shape[0]):
                rows[p, j] += q[p] * values[j]


@njit(**KERNEL_OPTIONS)
def _stack_wake(sources, s, st, weather, h, hour, sn, cs, workspace):
    """The stack-hour's PRIME state (:func:`dispersion._prime_kernels.wake_state`) from the structure of the flow
    sector of the wind at stack top (AERMOD WAKFLG, METINI: sector int(AFV/10 + 0.4999), 0 → 36, AFV the direction the
    wind blows towards)."""
    if weather.veering[h]:
        sn, cs = _direction_at(weather, h, st.hs)
    towards = math.degrees(math.atan2(sn, cs)) - 180.0
    if towards < 0.0:
        towards += 360.0
    sector = int(towards * 0.1 + 0.4999)
    if sector == 0:
        sector = 36
    return wake_state(hour, workspace[4], sources.building[s, sector - 1], st.hs, sources.diameter[s],
                      sources.velocity[s], sources.temperature[s], sources.release[s], st.u_s,
                      st.pt_s - G_OVER_CP * st.hs, workspace[0], workspace[1], workspace[2], workspace[3])


@njit(**KERNEL_OPTIONS)
def _terrain_pair(s, j, k, w, r, bound, st, hour, geometry, origin, step, last, sources, receptors, pairs, sn, cs):
    """C/Q of a pair whose receptor is above the ground or the stack base: the random plume at r and the coherent
    plume at x from the geometry table (both plume states, ``geometry_parts``), exactly where the table is not
    usable, below x_0 (coherent part) or the whole pair when the random part is not."""
    wrap, lift = pairs.wrap[s, j], receptors.flagpole[j]
    hill, ground = pairs.hill[s, j], pairs.ground[s, j]
    usable, rv, _, rv3, _, fr = geometry_parts(geometry, k, w, r, st, hour, wrap, lift, hill, ground)
    if not usable:
        return _exact_pair(s, j, st, hour, sources, receptors, pairs, sn, cs)
    value = fr * (rv + rv3) / (_TWO_PI * r)
    dx = receptors.x[j] - sources.x[s]
    dy = receptors.y[j] - sources.y[s]
    x = -(dx * sn + dy * cs)
    if x >= 1.0:
        y = dx * cs - dy * sn
        if y * y < bound * bound:
            usable = False
            if x >= math.exp(origin):
                position = min(max((math.log(x) - origin) / step, 0.0), last)
                kx = int(position)
                usable, v, sy, v3, sy3, _ = geometry_parts(geometry, kx, position - kx, x, st, hour, wrap, lift,
                                                            hill, ground)
            if not usable:
                v, sy, v3, sy3, _ = plume_parts_at(x, st, hour, wrap, lift, hill, ground)
            value += (1.0 - fr) * _pair(v, sy, v3, sy3, 0.0, 0.0, y, r)
    return value


@njit(**KERNEL_OPTIONS)
def _area_source(rows, rates, s, sources, receptors, pairs, weather, h, hour, tabulate):
    """Add area source ``s`` in hour ``h`` (``rates`` (P,) [kg s-1] the whole area's) at every receptor
    (:func:`dispersion._aermod_area.area_value`): from its table of the plume at the ground, from a table of its
    own for a receptor above the ground or the stack base, or exactly at each integration point when not
    ``tabulate``. Apart from the point sources' loop, which it would otherwise slow (3 % on the reference deck when
    inlined there)."""
    st = _stack(sources, s, hour)
    if weather.veering[h]:
        sn, cs = stack_direction(weather, h, st)
    else:
        sn, cs = weather.wind_from_sin[h], weather.wind_from_cos[h]
    q = np.empty(rates.shape[0])
    for p in range(q.shape[0]):
        q[p] = rates[p] / sources.area[s]  # [kg s-1 m-2]
    nodes = sources.area_nodes
    table = np.empty((nodes.shape[0], 2))
    clipped = np.empty((2 * sources.vertices.shape[1] + 2, 2))
    local = np.empty((receptor_table_rows(nodes[nodes.shape[0] - 1]) if tabulate else 0, 2))
    origin = math.log(nodes[0])
    step = (math.log(nodes[nodes.shape[0] - 1]) - origin) / (nodes.shape[0] - 1)
    if tabulate:
        area_table(table, nodes, st, hour)
    vertices, count = sources.vertices[s], sources.vertex_count[s]
    for j in range(receptors.x.shape[0]):
        wrap, lift = pairs.wrap[s, j], receptors.flagpole[j]
        exact = (not tabulate) or wrap != 0.0 or lift != 0.0
        value = area_value(receptors.x[j], receptors.y[j], vertices, count, sn, cs, table, origin, step, st, hour,
                           exact, wrap, lift, pairs.hill[s, j], pairs.ground[s, j], clipped, local)
        if value > 0.0:
            _add(rows, q, j, value)


@njit(inline="always", **KERNEL_OPTIONS)
def _add(rows, q, j, value):
    """rows[p, j] += q[p] · value for every substance p."""
    for p in range(q.shape[0]):
        rows[p, j] += q[p] * value


@njit(**KERNEL_OPTIONS)
def _exact_pair(s, j, st, hour, sources, receptors, pairs, sn, cs):
    """C/Q of one pair, every part evaluated at its own distance (at the receptor's height and with both plume
    states when it is above the ground or the stack base)."""
    dx = receptors.x[j] - sources.x[s]
    dy = receptors.y[j] - sources.y[s]
    x = -(dx * sn + dy * cs)
    y = dx * cs - dy * sn
    r = math.hypot(x, y)
    if r < sources.exclusion[s]:
        return 0.0
    wrap, lift = pairs.wrap[s, j], receptors.flagpole[j]
    v = sy = v3 = sy3 = 0.0
    if wrap == 0.0 and lift == 0.0:
        rv, _, rv3, _, fr = plume_parts(r, st, hour)
        if x >= 1.0:
            v, sy, v3, sy3, _ = plume_parts(x, st, hour)
    else:
        hill, ground = pairs.hill[s, j], pairs.ground[s, j]
        rv, _, rv3, _, fr = plume_parts_at(r, st, hour, wrap, lift, hill, ground)
        if x >= 1.0:
            v, sy, v3, sy3, _ = plume_parts_at(x, st, hour, wrap, lift, hill, ground)
    return _pair(v, sy, v3, sy3, fr, rv + rv3, y, r)


@njit(**KERNEL_OPTIONS)
def _one_hour(h, sources, receptors, pairs, weather, rates, nodes, tabulate, decay, tracked, weights, rows,
              responses):
    """Hour ``h`` of every substance into ``rows`` (P, R) [kg m-3] from ``rates`` (P, H, S) [kg s-1], the substances
    sharing the decay coefficient ``decay`` [s-1]; and each source's own C/Q times ``weights[h, s]`` at the receptors
    ``tracked`` (T,) into ``responses`` (S, T) (T = 0: none), from the same stack-hour tables."""
    rows[:, :] = 0.0
    responses[:, :] = 0.0
    if not weather.valid[h]:
        return
    hour = _hour(weather, h, decay)
    sn_hour, cs_hour = weather.wind_from_sin[h], weather.wind_from_cos[h]
    n_nodes = nodes.shape[0]
    origin = math.log(nodes[0])
    step = (math.log(nodes[n_nodes - 1]) - origin) / (n_nodes - 1)
    last = n_nodes - 1 - 1e-9
    table = np.empty((n_nodes, 7))
    intervals = np.empty((n_nodes - 1, INTERVAL_COLUMNS))
    kinks = np.zeros((n_nodes - 1, KINK_COLUMNS))
    probe = np.empty((n_nodes - 1, 8))
    geometry = np.empty((n_nodes, GEOMETRY_COLUMNS))
    rises, rise_work, rise_done = np.empty(n_nodes), np.empty(n_nodes), np.empty(n_nodes, dtype=np.bool_)
    q = np.empty(rates.shape[0])
    # PRIME's workspace of a stack-hour: tables, virtual σ's, path, a receptor's parts; the hour's density profile
    workspace = (np.zeros((7, TRAJECTORY)), np.zeros(4), np.zeros((2, TRAJECTORY)), np.zeros((6, 3)),
                 weather.density[h])
    alone = np.zeros((1, receptors.x.shape[0]))
    values = np.empty(receptors.x.shape[0])
    unit = np.ones(1)
    tracking = tracked.shape[0] > 0
    for s in range(sources.x.shape[0]):
        emitting = False
        for p in range(rates.shape[0]):
            q[p] = rates[p, h, s]
            emitting = emitting or q[p] != 0.0
        tracked_here = tracking and weights[h, s] != 0.0
        if not (emitting or tracked_here):
            continue
        if sources.vertex_count[s] > 0:  # an area source
            if tracked_here:
                alone[0, :] = 0.0
                _area_source(alone, unit, s, sources, receptors, pairs, weather, h, hour, tabulate)
                _keep_response(responses, s, alone[0], tracked, weights[h, s])
                _add_row(rows, q, alone[0])
            else:
                _area_source(rows, q, s, sources, receptors, pairs, weather, h, hour, tabulate)
            continue
        st = _stack(sources, s, hour)
        sn, cs = stack_direction(weather, h, st) if weather.veering[h] else (sn_hour, cs_hour)
        wake = _stack_wake(sources, s, st, weather, h, hour, sn_hour, cs_hour, workspace)
        # C/Q into a row of its own when it is wanted alone (downwash blended receptor by receptor, or the source's
        # response kept), else straight into ``rows`` (the hot loop unchanged)
        apart = wake.active or tracked_here
        target, scale = (alone, unit) if apart else (rows, q)
        if apart:
            alone[0, :] = 0.0
        if tabulate:
            size = pairs.table_size[s]
            if st.elevated:
                stable_gradual_rises(nodes[:size], st, hour, rises[:size], rise_work[:size], rise_done[:size])
            penetrated = fill_table(table[:size], nodes[:size], rises[:size], st, hour)
            fill_intervals(intervals[:size - 1], table[:size], penetrated)
            mark_kinks(intervals[:size - 1], kinks[:size - 1], table[:size], penetrated, nodes[:size], st, hour,
                        probe[:size - 1])
            if pairs.lifted[s]:
                fill_geometry(geometry, nodes, rises, st, hour)
            _tabulated_stack(target, scale, s, st, hour, intervals, kinks, geometry, penetrated, origin, step, last,
                             sources, receptors, pairs, sn, cs, values)
        else:
            for j in range(receptors.x.shape[0]):
                _add(target, scale, j, _exact_pair(s, j, st, hour, sources, receptors, pairs, sn, cs))
        if apart:
            if wake.active:
                _apply_wake(alone[0], wake, hour, s, sources, receptors, pairs, sn, cs)
            if tracked_here:
                _keep_response(responses, s, alone[0], tracked, weights[h, s])
            _add_row(rows, q, alone[0])


@njit(**KERNEL_OPTIONS)
def _keep_response(responses, s, values, tracked, weight):
    """responses[s, t] = weight · values[tracked[t]]: source ``s``'s C/Q (R,) at the tracked receptors."""
    for t in range(tracked.shape[0]):
        responses[s, t] = weight * values[tracked[t]]


@njit(parallel=True, **KERNEL_OPTIONS)
def aermod_parallel(sources, receptors, pairs, weather, rates, nodes, tabulate, decay, tracked, weights, out,
                    responses):
    """Every hour in a ``prange``: ``out`` (H, P, R) [kg m-3] from ``rates`` (P, H, S) [kg s-1] of P substances
    that decay alike (``decay`` ψ [s-1], 0: none); ``nodes`` (K,) the table distances [m] (log-spaced from x_0);
    ``responses`` (H, S, T) each source's C/Q [s m-3] times ``weights`` (H, S) at the receptors ``tracked`` (T,)
    (T = 0: none)."""
    for h in prange(out.shape[0]):
        _one_hour(h, sources, receptors, pairs, weather, rates, nodes, tabulate, decay, tracked, weights, out[h],
                  responses[h])


@njit(**KERNEL_OPTIONS)
def aermod_serial(sources, receptors, pairs, weather, rates, nodes, tabulate, decay, tracked, weights, out,
                  responses):
    """Every hour in order, releasing the GIL (for Dask threads)."""
    for h in range(out.shape[0]):
        _one_hour(h, sources, receptors, pairs, weather, rates, nodes, tabulate, decay, tracked, weights, out[h],
                  responses[h])
