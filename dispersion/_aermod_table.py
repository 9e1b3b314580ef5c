"""The per-stack-hour distance table of ParkTwin's AERMOD kernels (:mod:`dispersion._aermod_kernels`, which
interpolates from it at every pair): the y-independent plume parts at the nodes x_k (``fill_table``), per interval the
polynomials a pair needs without branching (``fill_intervals``: ln F_z by the quadratic through three nodes, ln σ_y
and f_r linearly), and the intervals where a part bends abruptly between two nodes (``mark_kinks``, ``kinked``).
Numerics only: the parts themselves are :func:`dispersion._aermod_plume.plume_parts` (MFD equations cited there).
"""

from __future__ import annotations

import math

from numba import njit

from dispersion._aermod_plume import plume_parts, stable_plume_parts
from dispersion._math_kernels import KERNEL_OPTIONS

__all__ = ["CROSSWIND_CUTOFF", "INTERVAL_COLUMNS", "KINK_COLUMNS", "KINK_GROUPS", "KINK_MARGIN", "KINK_TOLERANCE",
           "fill_intervals", "fill_table", "kinked", "mark_kinks"]

_TINY = 1e-300
_LOG_TINY = math.log(_TINY)


@njit(**KERNEL_OPTIONS)
def fill_table(table, nodes, rises, st, hour):
    """The parts of one stack at every node: ln F_z/ũ, ln σ_y, ln F_z3/ũ3, ln σ_y3, f_r, σ_y itself (the bound
    of the crosswind cut-off) and ln (F_z/ũ + F_z3/ũ3); ``rises`` the stable-type plume's rise at the nodes
    (``stable_gradual_rises``, unused in the CBL). Returns whether the penetrated part is non-zero anywhere."""
    penetrated = False
    for k in range(nodes.shape[0]):
        if st.elevated:
            v, sy, v3, sy3, fr = stable_plume_parts(nodes[k], rises[k], st, hour)
        else:
            v, sy, v3, sy3, fr = plume_parts(nodes[k], st, hour)
        _store_parts(table[k], v, sy, v3, sy3, fr)
        penetrated = penetrated or v3 > 0.0
    return penetrated


@njit(**KERNEL_OPTIONS)
def _store_parts(row, v, sy, v3, sy3, fr):
    """One node's table columns (``fill_table``) from its parts into ``row`` (7,)."""
    row[0] = math.log(max(v, _TINY))
    row[1] = math.log(max(sy, _TINY))
    row[4] = fr
    row[5] = sy
    if v3 > 0.0:
        row[2] = math.log(max(v3, _TINY))
        row[6] = math.log(max(v + v3, _TINY))
    else:  # the same values without the logarithms
        row[2] = _LOG_TINY
        row[6] = row[0]
    row[3] = 0.0 if sy3 == 1.0 else math.log(max(sy3, _TINY))


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
def fill_intervals(intervals, table, penetrated):
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
def mark_kinks(intervals, kinks, table, penetrated, nodes, st, hour, probe):
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
    takes every group from ``kinks[j]`` (``kinked``); interval j + 1's quadratic of the group becomes the one
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
                _kink_interval(intervals, kinks, j)
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
    """The table's columns (``fill_table``) at one distance x [m], into ``out[:7]``."""
    v, sy, v3, sy3, fr = plume_parts(x, st, hour)
    _store_parts(out, v, sy, v3, sy3, fr)


@njit(**KERNEL_OPTIONS)
def _kink_interval(intervals, kinks, j):
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
def kinked(row, g, w):
    """Group g's value at weight w in an interval with a bend (``_mark_kinks``): the lower or the higher of its two
    quadratics, or its one polynomial."""
    b = 7 * g
    left = row[b] + w * (row[b + 1] + w * row[b + 2])
    mode = row[b + 6]
    if mode == 0.0:
        return left
    right = row[b + 3] + w * (row[b + 4] + w * row[b + 5])
    return min(left, right) if mode == 1.0 else max(left, right)
