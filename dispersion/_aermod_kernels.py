"""Numba kernels of ParkTwin's AERMOD: hours × stacks × receptors (physics: :mod:`dispersion._aermod_physics`,
formulation and sources: :mod:`dispersion.aermod`, which validates and prepares every input).

Per hour and stack the y-independent parts of the plume — F_z/ũ and σ_y of the direct (or stable-type) and of the
penetrated source, and the meander weight f_r — are evaluated on ``K`` distances x_k = exp(k·step), log-spaced
from x_0 to the farthest (stack, receptor) pair, and interpolated in ln x at each receptor's downwind distance x
(coherent plume) and radial distance r (random plume): ln σ_y and f_r linearly, ln F_z by the quadratic through
three nodes (``_quadratic``, stored per interval with everything else a pair needs, ``_fill_intervals``), and an
interval where a part bends abruptly by the lower or higher of the quadratics from either side (``_mark_kinks``);
each stack's table reaches its own farthest pair and ``KINK_MARGIN`` nodes more (``Pairs.table_size``):

    C/Q = f_r(r) (F_z + F_z3)(r)/(2π r) + (1 − f_r(r)) [F_y(y; σ_y) F_z/ũ + F_y(y; σ_y3) F_z3/ũ3](x),

F_y the Gaussian (MFD Eq. 103) and 1/(2π r) the random plume (MFD Eq. 104). A part that underflows (< 1e-300)
at either neighbouring node is zero between them. Distances below x_0 are evaluated exactly, and
``tabulate=False`` evaluates every pair exactly. Receptors above the ground or the stack base read the
plume's geometry table instead (:mod:`dispersion._aermod_geometry`).
Substances share the geometry: ``rates`` (P, H, S) give ``out`` (H, P, R).

Building downwash: a stack whose flow sector (of the wind at its top) has a structure (``Sources.building``, the
BPIP-PRIME profiles) gets its PRIME state once per hour (:func:`dispersion._prime_kernels.wake_state`); its row is
then computed without downwash into a row of its own and blended receptor by receptor with PRIME's value
(:func:`dispersion._prime_kernels.downwash`), so the per-pair loop of the other stacks is untouched.

Hours are independent: :func:`aermod_parallel` runs them in a ``prange`` and writes each hour's rows of
``out`` (H, P, R); the statistics are summed afterwards in hour order, so the numbers do not depend on the thread
count. :func:`aermod_serial` runs the same per-hour function in order (``nogil``) for Dask threads.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit, prange

from dispersion._aermod_geometry import GEOMETRY_COLUMNS, fill_geometry, geometry_parts
from dispersion._aermod_area import area_table, area_value, receptor_table_rows
from dispersion._aermod_physics import G_OVER_CP, Hour, stable_gradual_rises, stack_state
from dispersion._aermod_plume import plume_parts, plume_parts_at, stable_plume_parts
from dispersion._aermod_vertical import EXP_LIMIT, SQRT_2PI, gauss
from dispersion._prime_kernels import downwash, wake_state
from dispersion._prime_sigmas import TRAJECTORY
from dispersion._math_kernels import KERNEL_OPTIONS, exp_fast

__all__ = ["Sources", "Receptors", "Pairs", "Weather", "aermod_parallel", "aermod_serial", "parts_at"]

_TINY = 1e-300
_LOG_TINY = math.log(_TINY)
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
def _fill_table(table, nodes, rises, st, hour):
    """The parts of one stack at every node: ln F_z/ũ, ln σ_y, ln F_z3/ũ3, ln σ_y3, f_r, σ_y itself (the bound
    of the crosswind cut-off) and ln (F_z/ũ + F_z3/ũ3); ``rises`` the stable-type plume's rise at the nodes
    (``stable_gradual_rises``, unused in the CBL). Returns whether the penetrated part is non-zero anywhere."""
    penetrated = False
    for k in range(nodes.shape[0]):
        if st.elevated:
            v, sy, v3, sy3, fr = stable_plume_parts(nodes[k], rises[k], st, hour)
        else:
            v, sy, v3, sy3, fr = plume_parts(nodes[k], st, hour)
        table[k, 0] = math.log(max(v, _TINY))
        table[k, 1] = math.log(max(sy, _TINY))
        table[k, 4] = fr
        table[k, 5] = sy
        if v3 > 0.0:
            table[k, 2] = math.log(max(v3, _TINY))
            table[k, 6] = math.log(max(v + v3, _TINY))
        else:  # the same values without the logarithms
            table[k, 2] = _LOG_TINY
            table[k, 6] = table[k, 0]
        table[k, 3] = 0.0 if sy3 == 1.0 else math.log(max(sy3, _TINY))
        penetrated = penetrated or v3 > 0.0
    return penetrated


@njit(**KERNEL_OPTIONS)
def _quadratic(table, k, c, out, o):
    """ln F_z on interval k of column ``c`` (at ln x_k + w · step, w in [0, 1)) as a + b w + c w² into
    out[o:o + 3]: the quadratic through nodes k − 1, k, k + 1 (0, 1, 2 in the first interval), ten times closer than
    the straight line where the plume emerges from a lid or rises to the ground and ln F_z bends strongly (an
    elevated plume in a shallow stable layer: 1.6 % → 0.15 % of the stack's largest F_z at 16 nodes a decade); the
    straight line when a neighbouring node underflowed, a = −∞ (F_z = 0) when one of the interval's two did (then
    F_z is zero or negligible there)."""
    lo = table[k, c]
    hi = table[k + 1, c]
    if min(lo, hi) <= _LOG_TINY + 1.0:
        out[o], out[o + 1], out[o + 2] = -math.inf, 0.0, 0.0
        return
    centre = max(k, 1)
    if centre + 1 >= table.shape[0] or min(table[centre - 1, c], table[centre + 1, c]) <= _LOG_TINY + 1.0:
        out[o], out[o + 1], out[o + 2] = lo, hi - lo, 0.0
        return
    before, middle, after = table[centre - 1, c], table[centre, c], table[centre + 1, c]
    slope = 0.5 * (after - before)
    curve = 0.5 * (after - 2.0 * middle + before)
    shift = k - centre  # t = w + shift: 0, or −1 in the first interval
    out[o] = middle + shift * slope + shift * shift * curve
    out[o + 1] = slope + 2.0 * shift * curve
    out[o + 2] = curve


INTERVAL_COLUMNS = 16
CROSSWIND_CUTOFF = 6.5  # coherent plume evaluated where |y| < 6.5 max(σ_y, σ_y3): beyond, exp(−y²/2σ²) < 7e-10
# Kinks (``_mark_kinks``): the parts a pair needs, as groups (table column, place in an interval row, quadratic or
# linear there): ln F_z/ũ, ln F_z3/ũ3, ln (F_z/ũ + F_z3/ũ3), ln σ_y, f_r, ln σ_y3.
KINK_GROUPS = ((0, 0, True), (2, 3, True), (6, 6, True), (1, 9, False), (4, 11, False), (3, 13, False))
KINK_COLUMNS = 7 * len(KINK_GROUPS) + 1  # per group left a, b, c, right a, b, c, mode; last: the interval has one
KINK_TOLERANCE = 0.005  # one-step extrapolation miss taken as a bend: 0.5 % in a logarithm, 0.005 in f_r
KINK_MARGIN = 3  # nodes the bend test reads beyond an interval (j + 1 … j + 3)


@njit(**KERNEL_OPTIONS)
def _fill_intervals(intervals, table, penetrated):
    """Per interval k of the table, everything a pair needs without branching: ln F_z/ũ, ln F_z3/ũ3 and
    ln (F_z/ũ + F_z3/ũ3) (the random plume's) as quadratics in w (``_quadratic``), ln σ_y, f_r and ln σ_y3 as
    value and slope, and the crosswind cut-off ``CROSSWIND_CUTOFF`` · max(σ_y, σ_y3) of the interval's two
    nodes."""
    for k in range(intervals.shape[0]):
        row = intervals[k]
        _quadratic(table, k, 0, row, 0)
        if penetrated:
            _quadratic(table, k, 2, row, 3)
            _quadratic(table, k, 6, row, 6)
        else:
            row[3], row[4], row[5] = -math.inf, 0.0, 0.0
            row[6], row[7], row[8] = row[0], row[1], row[2]
        row[9], row[10] = table[k, 1], table[k + 1, 1] - table[k, 1]
        row[11], row[12] = table[k, 4], table[k + 1, 4] - table[k, 4]
        row[13], row[14] = table[k, 3], table[k + 1, 3] - table[k, 3]
        widest = max(table[k, 5], table[k + 1, 5])
        if penetrated:
            widest = max(widest, math.exp(max(table[k, 3], table[k + 1, 3])))
        row[15] = CROSSWIND_CUTOFF * widest


@njit(**KERNEL_OPTIONS)
def _mark_kinks(intervals, kinks, table, penetrated, nodes, st, hour, probe):
    """Where a part bends abruptly between two nodes — the plume's rise or its effective-parameter layer stops
    changing (the layer reaches the ground or z_i), the CBL centroid starts for z_i/2 — the quadratic through three
    nodes across the bend misses by up to several percent (6 % of an hour's value on EPA's Albany tower week). On
    each side of such a bend the part is smooth, so there it is the lower (a bend down) or the higher (a bend up)
    of the two quadratics extrapolated from either side, nodes j − 2 … j and j + 1 … j + 3 for a bend in interval j
    (each passes through its end of the interval, so the pair is exact at both nodes).

    A bend in interval j of a group's column T (``KINK_GROUPS``) is taken when (i) the quadratic through j − 2 … j
    extrapolated to j + 1 and the one through j + 1 … j + 3 extrapolated back to j both miss by more than
    ``KINK_TOLERANCE``, to the same side — for equal steps T(j + 1) ≈ 3 T_j − 3 T_{j−1} + T_{j−2} and
    T(j) ≈ 3 T_{j+1} − 3 T_{j+2} + T_{j+3} — and (ii) at the interval's middle the pair is nearer the part itself
    (evaluated there, ``_probe``: one plume evaluation per candidate interval) than the interval's own quadratic
    (a part that is steep but smooth, a plume coming down to the ground, keeps its quadratic). Interval j then
    takes every group from ``kinks[j]`` (``_kinked``); interval j + 1's quadratic of the group becomes the one
    through j + 1 … j + 3, which does not reach across the bend. Measured (1000 random hours of the kernel tests'
    ranges, error of the hour's largest value): median 0.27 → 0.17 %, 99th percentile 1.5 → 1.1 %; Albany's
    hourly values above 5 % of the largest, 99th percentile 2.0 → 1.2 %."""
    n = table.shape[0]
    kinks[:, KINK_COLUMNS - 1] = 0.0
    probe[:, 7] = 0.0  # (K − 1, 8): the parts at each interval's middle once evaluated, and whether they are
    for g in range(len(KINK_GROUPS)):
        c, o, quadratic = KINK_GROUPS[g]
        if (c == 2 or c == 3) and not penetrated:
            continue
        j = 2
        while j <= n - 4:
            if quadratic and table[j - 2:j + 4, c].min() <= _LOG_TINY + 1.0:  # F_z underflows near
                j += 1
                continue
            miss_left = table[j + 1, c] - (3.0 * table[j, c] - 3.0 * table[j - 1, c] + table[j - 2, c])
            miss_right = table[j, c] - (3.0 * table[j + 1, c] - 3.0 * table[j + 2, c] + table[j + 3, c])
            if not (abs(miss_left) > KINK_TOLERANCE and abs(miss_right) > KINK_TOLERANCE
                    and (miss_left > 0.0) == (miss_right > 0.0)):
                j += 1
                continue
            # the two one-sided quadratics in interval j's w: about node j − 1 (t = w + 1) and j + 2 (t = w − 2)
            left, right, middle = table[j - 2, c], table[j - 1, c], table[j, c]
            slope, curve = 0.5 * (middle - left), 0.5 * (middle - 2.0 * right + left)
            la, lb, lc = right + slope + curve, slope + 2.0 * curve, curve
            first, second, third = table[j + 1, c], table[j + 2, c], table[j + 3, c]
            slope, curve = 0.5 * (third - first), 0.5 * (third - 2.0 * second + first)
            ra, rb, rc = second - 2.0 * slope + 4.0 * curve, slope - 4.0 * curve, curve
            mode = 1.0 if miss_left < 0.0 else 2.0  # 1: the lower of the two, 2: the higher
            # (ii) at the interval's middle, against the part itself
            if probe[j, 7] == 0.0:
                _probe(probe[j], math.sqrt(nodes[j] * nodes[j + 1]), st, hour)
                probe[j, 7] = 1.0
            truth = probe[j, c]
            bent = la + 0.5 * (lb + 0.5 * lc)
            other = ra + 0.5 * (rb + 0.5 * rc)
            bent = min(bent, other) if mode == 1.0 else max(bent, other)
            row = intervals[j]
            plain = row[o] + 0.5 * (row[o + 1] + 0.5 * row[o + 2]) if quadratic else row[o] + 0.5 * row[o + 1]
            if abs(bent - truth) < abs(plain - truth):
                _kink_interval(intervals, kinks, table, penetrated, j)
                row = kinks[j]
                b = 7 * g
                row[b], row[b + 1], row[b + 2], row[b + 3], row[b + 4], row[b + 5] = la, lb, lc, ra, rb, rc
                row[b + 6] = mode
                if quadratic:  # interval j + 1 from nodes j + 1 … j + 3 (t = w − 1 about node j + 2)
                    nxt = intervals[j + 1]
                    nxt[o] = second - slope + curve
                    nxt[o + 1] = slope - 2.0 * curve
                    nxt[o + 2] = curve
                    if kinks[j + 1, KINK_COLUMNS - 1] == 1.0:  # that interval has a bend of another group
                        kinks[j + 1, b], kinks[j + 1, b + 1], kinks[j + 1, b + 2] = nxt[o], nxt[o + 1], nxt[o + 2]
                j += 3
            else:
                j += 1


@njit(**KERNEL_OPTIONS)
def _probe(out, x, st, hour):
    """The table's columns (``_fill_table``) at one distance x [m], into ``out[:7]``."""
    v, sy, v3, sy3, fr = plume_parts(x, st, hour)
    out[0] = math.log(max(v, _TINY))
    out[1] = math.log(max(sy, _TINY))
    out[2] = math.log(max(v3, _TINY)) if v3 > 0.0 else _LOG_TINY
    out[3] = 0.0 if sy3 == 1.0 else math.log(max(sy3, _TINY))
    out[4] = fr
    out[5] = sy
    out[6] = math.log(max(v + v3, _TINY)) if v3 > 0.0 else out[0]


@njit(**KERNEL_OPTIONS)
def _kink_interval(intervals, kinks, table, penetrated, j):
    """Make ``kinks[j]`` interval j's own parts (mode 0: the interval row's polynomial as its left one) unless it
    already holds them."""
    row = kinks[j]
    if row[KINK_COLUMNS - 1] == 1.0:
        return
    row[KINK_COLUMNS - 1] = 1.0
    source = intervals[j]
    for g in range(len(KINK_GROUPS)):
        _, o, quadratic = KINK_GROUPS[g]
        b = 7 * g
        row[b] = source[o]
        row[b + 1] = source[o + 1]
        row[b + 2] = source[o + 2] if quadratic else 0.0
        row[b + 3], row[b + 4], row[b + 5], row[b + 6] = 0.0, 0.0, 0.0, 0.0


@njit(**KERNEL_OPTIONS)
def _kinked(row, g, w):
    """Group g's value at weight w in an interval with a bend (``_mark_kinks``): the lower or the higher of its two
    quadratics, or its one polynomial."""
    b = 7 * g
    left = row[b] + w * (row[b + 1] + w * row[b + 2])
    mode = row[b + 6]
    if mode == 0.0:
        return left
    right = row[b + 3] + w * (row[b + 4] + w * row[b + 5])
    return min(left, right) if mode == 1.0 else max(left, right)


@njit(**KERNEL_OPTIONS)
def _random_plume(values, s, intervals, kinks, pairs, n_table):
    """The random plume f_r (F_z/ũ + F_z3/ũ3)/(2π r) [s m⁻³] (MFD Eq. 104 with the meander weight of Eqs. 102–105 as
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
        if kinks[k, KINK_COLUMNS - 1] == 1.0:  # a bend in the interval (_mark_kinks)
            for i in range(lo, hi):
                w = weight[i]
                values[i] = _kinked(kinks[k], 4, w) * exp_fast(_kinked(kinks[k], 2, w)) * inverse[i]
            continue
        row = intervals[k]
        a, b, c, f, g = row[6], row[7], row[8], row[11], row[12]
        for i in range(lo, hi):
            w = weight[i]
            values[i] = (f + w * g) * exp_fast(a + w * (b + w * c)) * inverse[i]


@njit(**KERNEL_OPTIONS)
def _tabulated_stack(rows, q, s, st, hour, intervals, kinks, geometry, penetrated, origin, step, last, sources,
                     receptors, pairs, sn, cs, values):
    """Add stack ``s`` (rate ``q``) to ``row`` from its interval table (``_fill_intervals``). The radial distance r
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
            fr = _kinked(kinks[node], 4, pairs.weight[s, j])
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
                coherent = _coherent(_kinked(bent, 0, wx), _kinked(bent, 3, wx), y)
                if penetrated:
                    coherent += _coherent(_kinked(bent, 1, wx), _kinked(bent, 5, wx), y)
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
    """F_y(y; σ_y) F_z/ũ [s m-3] (MFD Eq. 103) from ln F_z/ũ and ln σ_y as tabulated: exp(ln F_z/ũ − ln σ_y −
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
def _add_with_wake(rows, q, values, wake, hour, s, sources, receptors, pairs, sn, cs):
    """rows[p, j] += q[p] · (stack ``s``'s C/Q ``values`` (R,) at receptor j with building downwash), for the
    receptors at least 1 m from the stack (nearer: none, AERMOD's rule)."""
    for j in range(values.shape[0]):
        if pairs.radial[s, j] >= sources.exclusion[s]:
            _add(rows, q, j, _with_wake(values[j], wake, hour, s, j, sources, receptors, pairs, sn, cs))


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
    """Add area source ``s`` in hour ``h`` (``rates`` (P, H, S) [kg s-1] the whole area's) at every receptor
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
        q[p] = rates[p, h, s] / sources.area[s]  # [kg s-1 m-2]
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
def _one_hour(h, sources, receptors, pairs, weather, rates, nodes, tabulate, decay, rows):
    """Hour ``h`` of every substance into ``rows`` (P, R) [kg m-3] from ``rates`` (P, H, S) [kg s-1], the substances
    sharing the decay coefficient ``decay`` [s-1]."""
    rows[:, :] = 0.0
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
    for s in range(sources.x.shape[0]):
        emitting = False
        for p in range(rates.shape[0]):
            q[p] = rates[p, h, s]
            emitting = emitting or q[p] != 0.0
        if not emitting:
            continue
        if sources.vertex_count[s] > 0:  # an area source
            _area_source(rows, rates, s, sources, receptors, pairs, weather, h, hour, tabulate)
            continue
        st = _stack(sources, s, hour)
        sn, cs = stack_direction(weather, h, st) if weather.veering[h] else (sn_hour, cs_hour)
        wake = _stack_wake(sources, s, st, weather, h, hour, sn_hour, cs_hour, workspace)
        if tabulate:
            size = pairs.table_size[s]
            if st.elevated:
                stable_gradual_rises(nodes[:size], st, hour, rises[:size], rise_work[:size], rise_done[:size])
            penetrated = _fill_table(table[:size], nodes[:size], rises[:size], st, hour)
            _fill_intervals(intervals[:size - 1], table[:size], penetrated)
            _mark_kinks(intervals[:size - 1], kinks[:size - 1], table[:size], penetrated, nodes[:size], st, hour,
                        probe[:size - 1])
            if pairs.lifted[s]:
                fill_geometry(geometry, nodes, rises, st, hour)
            if wake.active:  # C/Q without downwash into a row of its own, then blended (the hot loop unchanged)
                alone[0, :] = 0.0
                _tabulated_stack(alone, unit, s, st, hour, intervals, kinks, geometry, penetrated, origin, step,
                                 last, sources, receptors, pairs, sn, cs, values)
                _add_with_wake(rows, q, alone[0], wake, hour, s, sources, receptors, pairs, sn, cs)
            else:
                _tabulated_stack(rows, q, s, st, hour, intervals, kinks, geometry, penetrated, origin, step, last,
                                 sources, receptors, pairs, sn, cs, values)
        else:
            for j in range(receptors.x.shape[0]):
                value = _exact_pair(s, j, st, hour, sources, receptors, pairs, sn, cs)
                if wake.active and pairs.radial[s, j] >= sources.exclusion[s]:
                    value = _with_wake(value, wake, hour, s, j, sources, receptors, pairs, sn, cs)
                _add(rows, q, j, value)


@njit(parallel=True, **KERNEL_OPTIONS)
def aermod_parallel(sources, receptors, pairs, weather, rates, nodes, tabulate, decay, out):
    """Every hour in a ``prange``: ``out`` (H, P, R) [kg m-3] from ``rates`` (P, H, S) [kg s-1] of P substances
    that decay alike (``decay`` ψ [s-1], 0: none); ``nodes`` (K,) the table distances [m] (log-spaced from x_0)."""
    for h in prange(out.shape[0]):
        _one_hour(h, sources, receptors, pairs, weather, rates, nodes, tabulate, decay, out[h])


@njit(**KERNEL_OPTIONS)
def aermod_serial(sources, receptors, pairs, weather, rates, nodes, tabulate, decay, out):
    """Every hour in order, releasing the GIL (for Dask threads)."""
    for h in range(out.shape[0]):
        _one_hour(h, sources, receptors, pairs, weather, rates, nodes, tabulate, decay, out[h])
