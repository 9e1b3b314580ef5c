"""Area sources of ParkTwin's AERMOD (AERMOD's AREA and AREAPOLY): the plume of every point of a polygon that emits
uniformly, integrated over the polygon, as scalar Numba functions (:mod:`dispersion._aermod_kernels` calls them per
receptor).

Formulation (the AERMOD program's, ACALC/AREAIN/PSIDE/PLUMEF, after the ISC3 area algorithm, U.S. EPA 1995, *User's
Guide for the ISC3 Dispersion Models*, EPA-454/B-95-003b, Vol. II, its area source): a receptor sees each upwind point
of the area as a coherent plume released at h_s with no rise (F_b = F_m = 0, :func:`dispersion._aermod_physics.
volume_state` with σ_y0 = 0 and the area's σ_z0), no meander (the random plume is not applied to area sources) and
no building downwash. With u the distance upwind of the receptor and v the crosswind offset,

    C/q = ∫∫ F_z(u)/ũ(u) · exp(−v²/2σ_y²(u))/(√(2π) σ_y(u)) dv du
        = Σ_sides ∫_{u_k}^{u_k+1} F_z(u)/ũ(u) · Φ(v_k(u)/σ_y(u)) du      (|·| of the sum),

q the emission per unit area [kg s⁻¹ m⁻²], Φ the standard normal distribution and v_k(u) the side's crosswind
offset at u: the crosswind integral of the Gaussian across each chord of the polygon is a difference of Φ's, and
summed along the boundary (both ends of every chord lie on a side) it becomes one integral per side. The polygon is
clipped to u ≥ 1.01 m (AERMOD AREAIN's UCRIT: the part downwind of the receptor, or within a metre upwind,
contributes nothing), sides shorter than 0.01 m in u are skipped (AREAIN).

Numerics (ParkTwin's, not AERMOD's Romberg with 1 % tolerance and its 0.1-σ table of Φ): each side is integrated in
ln u by 5-point Gauss–Legendre on panels at most 1/32 of a decade wide and across which v/σ_y changes by at most ½
(judged at the side's ends and middle, |v/σ_y| clipped to 4) — of Φ − 1 instead of Φ when most of the polygon
lies where Φ ≈ 1 (the same sum over a closed polygon, without the cancellation) —, F_z/ũ and σ_y taken from a
table of the source's plume on distances log-spaced from 1 m (16 a decade, interpolated in ln x: ``area_table``) or,
for a receptor above the ground or in elevated terrain, from a table of the plume at that receptor's height (AERMOD's
two plume states, :func:`dispersion._aermod_plume.plume_parts_at`) on the distances the clipped polygon spans, 64 a
decade (``_receptor_table``: a ground-level source seen from a receptor some metres up bends ln F_z more than the
ground-level table's 16 a decade follow) — or, without tabulation, evaluated exactly at each point. A receptor more
than 8 σ_y to one side of every point of the clipped polygon gets nothing without integrating (``_BESIDE``: most
receptors in most hours; 2.9× faster on the area deck, the same values to 1e-18 of the largest).

Units: lengths [m], F_z/ũ [s m⁻²], the returned C/q [s m⁻¹] (times q [kg s⁻¹ m⁻²] a concentration [kg m⁻³]).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from dispersion._aermod_plume import plume_parts, plume_parts_at
from dispersion._math_kernels import KERNEL_OPTIONS

__all__ = ["AREA_NEAREST", "UPWIND_CLIP", "RECEPTOR_TABLE_DENSITY", "area_table", "area_value", "polygon_area",
           "receptor_table_rows"]

AREA_NEAREST = 1.0  # [m] the first distance of an area source's table
UPWIND_CLIP = 1.01  # [m] the polygon is clipped to u ≥ this (AERMOD AREAIN's UCRIT)
_SHORT_SIDE = 0.01  # [m] sides shorter than this in u are skipped (AERMOD AREAIN)
_PANELS_PER_DECADE = 32.0
_NORMAL_STEP = 0.5  # most change of v/σ_y [σ] across one panel
_MOST_PANELS = 400  # per side
_SATURATED = 4.0  # |v/σ_y| beyond which Φ is taken as turned (for the panel count only)
_BESIDE = 8.0  # a receptor this many σ_y(u_max) to one side of every point of the area gets nothing (Φ < 7e-16)
_TINY = 1e-300
# 5-point Gauss–Legendre on [−1, 1] (Abramowitz & Stegun 1964, Table 25.4)
_GL_NODES = np.array([-0.9061798459386640, -0.5384693101056831, 0.0, 0.5384693101056831, 0.9061798459386640])
_GL_WEIGHTS = np.array([0.2369268850561891, 0.4786286704993665, 0.5688888888888889, 0.4786286704993665,
                        0.2369268850561891])
_SQRT_HALF = math.sqrt(0.5)
RECEPTOR_TABLE_DENSITY = 64  # distances a decade of a receptor's own table (above the ground or in elevated terrain)
_RECEPTOR_STEP = math.log(10.0) / RECEPTOR_TABLE_DENSITY


@njit(**KERNEL_OPTIONS)
def polygon_area(vertices, count):
    """Area [m²] of the simple polygon of ``count`` vertices (``vertices`` (V, 2) [m], not repeated at the end), by
    the shoelace formula."""
    twice = 0.0
    for k in range(count):
        x1, y1 = vertices[k, 0], vertices[k, 1]
        x2, y2 = vertices[(k + 1) % count, 0], vertices[(k + 1) % count, 1]
        twice += x1 * y2 - x2 * y1
    return 0.5 * abs(twice)


@njit(**KERNEL_OPTIONS)
def area_table(table, nodes, st, hour):
    """ln F_z/ũ and ln σ_y of the area source's coherent plume at the ground at ``nodes`` (K,) [m] into ``table``
    (K, 2) (:func:`dispersion._aermod_plume.plume_parts`; a part below 1e-300 is held at ln 1e-300)."""
    for k in range(nodes.shape[0]):
        v, sy, _, _, _ = plume_parts(nodes[k], st, hour)
        table[k, 0] = math.log(max(v, _TINY))
        table[k, 1] = math.log(max(sy, _TINY))


@njit(**KERNEL_OPTIONS)
def receptor_table_rows(farthest):
    """Rows a receptor's table needs for distances up to ``farthest`` [m] (``area_value``'s ``local`` scratch)."""
    return int(math.ceil(math.log(max(farthest, 10.0)) / _RECEPTOR_STEP)) + 3


@njit(**KERNEL_OPTIONS)
def _receptor_table(local, near, far, st, hour, wrap, lift, hill, ground):
    """ln F_z/ũ and ln σ_y of the source's coherent plume at the receptor's height (``plume_parts_at``'s arguments)
    on the distances 10^(k/64) m from the last at or below ``near`` to the first at or beyond ``far`` [m], into the
    first rows of ``local``; returns (ln of the first distance, step in ln x, rows) for :func:`_row`."""
    first = int(math.floor(math.log(near) / _RECEPTOR_STEP))
    rows = min(max(int(math.ceil(math.log(far) / _RECEPTOR_STEP)) - first + 1, 2), local.shape[0])
    for k in range(rows):
        v, sy, _, _, _ = plume_parts_at(math.exp((first + k) * _RECEPTOR_STEP), st, hour, wrap, lift, hill, ground)
        local[k, 0] = math.log(max(v, _TINY))
        local[k, 1] = math.log(max(sy, _TINY))
    return first * _RECEPTOR_STEP, _RECEPTOR_STEP, rows


@njit(**KERNEL_OPTIONS)
def _row(lu, table, origin, step):
    """Row k and weight w of ln u = ``lu`` in the table (linear in ln x, held at its ends)."""
    position = min(max((lu - origin) / step, 0.0), table.shape[0] - 1 - 1e-9)
    k = int(position)
    return k, position - k


@njit(**KERNEL_OPTIONS)
def _parts(u, lu, table, origin, step, st, hour, exact, wrap, lift, hill, ground):
    """(F_z/ũ, σ_y) at distance u (ln u = ``lu``): from the table (linear in ln x) or, ``exact``, evaluated at the
    receptor's height with both plume states."""
    if exact:
        v, sy, _, _, _ = plume_parts_at(u, st, hour, wrap, lift, hill, ground)
        return v, sy
    k, w = _row(lu, table, origin, step)
    return (math.exp(table[k, 0] + w * (table[k + 1, 0] - table[k, 0])),
            math.exp(table[k, 1] + w * (table[k + 1, 1] - table[k, 1])))


@njit(**KERNEL_OPTIONS)
def _sigma_y(u, lu, table, origin, step, st, hour, exact, wrap, lift, hill, ground):
    """σ_y [m] at distance u [m] (ln u = ``lu``), as :func:`_parts` gives it, without F_z/ũ from the table."""
    if exact:
        _, sy, _, _, _ = plume_parts_at(u, st, hour, wrap, lift, hill, ground)
        return sy
    k, w = _row(lu, table, origin, step)
    return math.exp(table[k, 1] + w * (table[k + 1, 1] - table[k, 1]))


@njit(**KERNEL_OPTIONS)
def _side(ua, va, ub, vb, table, origin, step, st, hour, exact, wrap, lift, hill, ground, complement):
    """∫_{ua}^{ub} F_z/ũ(u) Φ(v(u)/σ_y(u)) du along one side (v linear in u; signed, ub < ua allowed), or with
    ``complement`` ∫ F_z/ũ(u) (Φ(v/σ_y) − 1) du = −∫ F_z/ũ Φ(−v/σ_y) du, by Gauss–Legendre in ln u on panels
    ≤ 1/32 decade and across which v/σ_y changes by ≤ ½ (judged at three points)."""
    la, lb = math.log(ua), math.log(ub)
    n = max(1, int(math.ceil(abs(lb - la) / (math.log(10.0) / _PANELS_PER_DECADE))))
    # and at most half a σ_y of change in v/σ_y a panel where Φ turns (a side near the receptor's line): the change
    # judged at the ends and the middle (in ln u), v/σ_y clipped to ±4 (Φ within 3e-5 of 0 or 1 beyond)
    slope = (vb - va) / (ub - ua)
    lm = 0.5 * (la + lb)
    um = math.exp(lm)
    sy_a = _sigma_y(ua, la, table, origin, step, st, hour, exact, wrap, lift, hill, ground)
    sy_m = _sigma_y(um, lm, table, origin, step, st, hour, exact, wrap, lift, hill, ground)
    sy_b = _sigma_y(ub, lb, table, origin, step, st, hour, exact, wrap, lift, hill, ground)
    za = min(max(va / sy_a, -_SATURATED), _SATURATED)
    zm = min(max((va + (um - ua) * slope) / sy_m, -_SATURATED), _SATURATED)
    zb = min(max(vb / sy_b, -_SATURATED), _SATURATED)
    turn = abs(zm - za) + abs(zb - zm)
    n = max(n, min(int(math.ceil(turn / _NORMAL_STEP)), _MOST_PANELS))
    width = (lb - la) / n
    total = 0.0
    for p in range(n):
        centre = la + (p + 0.5) * width
        for g in range(5):
            lu = centre + 0.5 * width * _GL_NODES[g]
            u = math.exp(lu)
            f, sy = _parts(u, lu, table, origin, step, st, hour, exact, wrap, lift, hill, ground)
            if f <= 0.0:
                continue
            v = va + (u - ua) * slope
            if complement:
                cdf = -0.5 * math.erfc(v / sy * _SQRT_HALF)
            else:
                cdf = 0.5 * math.erfc(-v / sy * _SQRT_HALF)
            total += _GL_WEIGHTS[g] * f * cdf * u  # du = u d(ln u)
    return 0.5 * width * total


@njit(**KERNEL_OPTIONS)
def area_value(rx, ry, vertices, count, sn, cs, table, origin, step, st, hour, exact, wrap, lift, hill, ground,
               clipped, local):
    """C/q [s m⁻¹] at the receptor (rx, ry) [m] of the polygon ``vertices`` (``count`` of them) in the wind of
    sin/cos ``sn``, ``cs`` (the direction it blows from, clockwise from grid north), the side integrals of the module
    docstring on the polygon clipped to u ≥ 1.01 m; ``clipped`` (2·count + 2, 2) scratch. ``exact``: every point
    at the receptor's height (``wrap``, ``lift``, ``hill``, ``ground`` as ``plume_parts_at`` takes them) — from the
    receptor's own table in ``local`` (R, 2) when it has rows (:func:`receptor_table_rows`), else point by point;
    not ``exact``: from the ground-level ``table``."""
    n = 0
    for k in range(count + 1):
        i = k % count
        j = (k + 1) % count
        if k == count:
            break
        # the receptor as seen from the vertex: u upwind distance, v crosswind offset (the pairs' x and y)
        dxa, dya = rx - vertices[i, 0], ry - vertices[i, 1]
        dxb, dyb = rx - vertices[j, 0], ry - vertices[j, 1]
        ua, va = -(dxa * sn + dya * cs), dxa * cs - dya * sn
        ub, vb = -(dxb * sn + dyb * cs), dxb * cs - dyb * sn
        if ua >= UPWIND_CLIP:
            clipped[n, 0], clipped[n, 1] = ua, va
            n += 1
        if (ua >= UPWIND_CLIP) != (ub >= UPWIND_CLIP):
            clipped[n, 0] = UPWIND_CLIP
            clipped[n, 1] = va + (UPWIND_CLIP - ua) * (vb - va) / (ub - ua)
            n += 1
    if n < 3:
        return 0.0
    # Over a closed polygon Σ ∫ F_z/ũ du = 0, so the sides may integrate Φ − 1 instead of Φ: the same sum, but
    # where most of the polygon lies at v/σ_y ≫ 1 (Φ ≈ 1: a receptor beside the area) the sides' integrals of Φ are
    # large and cancel, leaving their quadrature error (≈ 1e-4 of each) as the value; those of Φ − 1 are small.
    side_sum, v_low, v_high, near, far = 0.0, clipped[0, 1], clipped[0, 1], clipped[0, 0], clipped[0, 0]
    for k in range(n):
        side_sum += clipped[k, 1]
        v_low, v_high = min(v_low, clipped[k, 1]), max(v_high, clipped[k, 1])
        near, far = min(near, clipped[k, 0]), max(far, clipped[k, 0])
    complement = side_sum > 0.0
    # A receptor well to one side of the whole (clipped) polygon: every point's crosswind offset |v| (linear along
    # each side, so bounded by the vertices') exceeds 8 σ_y at the farthest distance, the widest the plume gets
    # (σ_y grows with u), and every point's Φ − 1 (or Φ) is below 7e-16: nothing to integrate.
    if v_low > 0.0 or v_high < 0.0:
        if exact:
            _, sy_far, _, _, _ = plume_parts_at(far, st, hour, wrap, lift, hill, ground)
        else:
            sy_far = _sigma_y(far, math.log(far), table, origin, step, st, hour, False, wrap, lift, hill, ground)
        if min(abs(v_low), abs(v_high)) > _BESIDE * sy_far:
            return 0.0
    if exact and local.shape[0] >= 2:  # the receptor's own table on the distances the clipped polygon spans
        origin, step, rows = _receptor_table(local, near, far, st, hour, wrap, lift, hill, ground)
        table, exact = local[:rows], False
    total = 0.0
    for k in range(n):
        ua, va = clipped[k, 0], clipped[k, 1]
        ub, vb = clipped[(k + 1) % n, 0], clipped[(k + 1) % n, 1]
        if abs(ua - ub) < _SHORT_SIDE:
            continue
        total += _side(ua, va, ub, vb, table, origin, step, st, hour, exact, wrap, lift, hill, ground, complement)
    return abs(total)
