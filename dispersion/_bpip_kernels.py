"""Numba kernels of the building-profile method (the wrapper, the method and its sources:
``dispersion/building_profile.py``).

Plain arrays in, the ``out_*`` arrays written, no checks. Coordinates are in a local frame (the wrapper subtracts an
origin near the park). A "tier" is one flat-roofed block of a building: a footprint polygon (corners in order, not
closed) and a height above the building's base. Directions are flow vectors (the direction the wind blows towards),
measured clockwise from north; for a direction a the frame is turned so that the flow runs along +y:

    x' = x cos a − y sin a,    y' = y cos a + x sin a                       (x east, y north [m])

so x' is crosswind and y' downwind. Each stack is independent of the others (its own loop iteration), so the result
does not depend on the thread count.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from dispersion._math_kernels import KERNEL_OPTIONS

__all__ = ["tier_gaps", "gap_segments", "building_profiles_parallel", "GEP_STEPS", "BPIP_SECTORS"]

GEP_STEPS = 1440  # GEP search directions: every quarter degree
BPIP_SECTORS = 36  # the model's directions: every 10°
TIE = 0.001  # [m] wake-effect heights closer than this are equal (the narrower structure wins)
BETWEEN = -0.001  # [m²] a foot of a perpendicular is on a side when |P1P2|² − |P1F|² − |P2F|² exceeds this


@njit(**KERNEL_OPTIONS)
def _foot(x1, y1, x2, y2, xp, yp):
    """Foot (xi, yi) of the perpendicular from (xp, yp) to the line through (x1, y1)–(x2, y2), its length [m], and
    |P1P2|² − |P1F|² − |P2F|² [m²], which is ≥ 0 when the foot lies on the side."""
    if x1 != x2 and y1 != y2:
        slope = (y2 - y1) / (x2 - x1)
        xi = (yp + xp / slope - y1 + x1 * slope) / (slope + 1.0 / slope)
        yi = y1 + (xi - x1) * slope
    elif y1 == y2:
        xi, yi = xp, y1
    else:
        xi, yi = x1, yp
    dist = math.sqrt((yi - yp) ** 2 + (xi - xp) ** 2)
    a1 = (x1 - xi) ** 2 + (y1 - yi) ** 2 + (x2 - xi) ** 2 + (y2 - yi) ** 2
    a2 = (x1 - x2) ** 2 + (y1 - y2) ** 2
    return xi, yi, dist, a2 - a1


@njit(**KERNEL_OPTIONS)
def _downwind_within(x1, y1, x2, y2, reach, xs, ys):
    """In the turned frame: is the stack (xs, ys) straight downwind of the segment (x1, y1)–(x2, y2) (xs between the
    ends' x') and no more than ``reach`` [m] beyond it?"""
    if xs < min(x1, x2) or xs > max(x1, x2):
        return False
    if x1 == x2:
        if xs != x1:
            return False
        d1 = ys - y1
        d2 = ys - y2
        return (0.0 <= d1 <= reach) or (0.0 <= d2 <= reach)
    yi = y2 + (xs - x2) * (y1 - y2) / (x1 - x2)
    dist = ys - yi
    return 0.0 <= dist <= reach


@njit(**KERNEL_OPTIONS)
def tier_gaps(corner_x, corner_y, tier_start, tier_building, pair_a, pair_b, out):
    """The least distance between tiers a and b of different buildings [m]: over corner-to-corner distances and the
    perpendiculars from a corner of one to a side of the other whose foot lies on that side.

    corner_x, corner_y : (C,) corners of all tiers [m]; tier_start : (T+1,) offsets of each tier's corners;
    tier_building : (T,); pair_a, pair_b : (P,) tier indices; out : (P,) [m] (10⁶ for tiers of one building).
    """
    for p in range(pair_a.shape[0]):
        a, b = pair_a[p], pair_b[p]
        best = 1.0e6
        if tier_building[a] != tier_building[b]:
            na = tier_start[a + 1] - tier_start[a]
            nb = tier_start[b + 1] - tier_start[b]
            for k in range(na):
                x11 = corner_x[tier_start[a] + k]
                y11 = corner_y[tier_start[a] + k]
                x12 = corner_x[tier_start[a] + (k + 1) % na]
                y12 = corner_y[tier_start[a] + (k + 1) % na]
                for kk in range(nb):
                    x21 = corner_x[tier_start[b] + kk]
                    y21 = corner_y[tier_start[b] + kk]
                    x22 = corner_x[tier_start[b] + (kk + 1) % nb]
                    y22 = corner_y[tier_start[b] + (kk + 1) % nb]
                    best = min(best, math.sqrt((x11 - x21) ** 2 + (y11 - y21) ** 2))
                    _, _, dist, between = _foot(x21, y21, x22, y22, x11, y11)
                    if between > BETWEEN:
                        best = min(best, dist)
                    _, _, dist, between = _foot(x11, y11, x12, y12, x21, y21)
                    if between > BETWEEN:
                        best = min(best, dist)
        out[p] = best


@njit(**KERNEL_OPTIONS)
def _extent(corner_x, corner_y, start, stop, cos_a, sin_a):
    """(x'min, x'max, y'min, y'max) of a tier's corners in the frame turned to direction a [m]."""
    xmin = ymin = 1.0e300
    xmax = ymax = -1.0e300
    for k in range(start, stop):
        xr = corner_x[k] * cos_a - corner_y[k] * sin_a
        yr = corner_y[k] * cos_a + corner_x[k] * sin_a
        xmin = min(xmin, xr)
        xmax = max(xmax, xr)
        ymin = min(ymin, yr)
        ymax = max(ymax, yr)
    return xmin, xmax, ymin, ymax


@njit(**KERNEL_OPTIONS)
def _on_roof(corner_x, corner_y, start, stop, xs, ys):
    """Is the stack inside the tier's footprint (or on one of its corners)? The winding angle of the corners seen
    from the stack is ±360° inside, 0 outside."""
    total = 0.0
    n = stop - start
    for k in range(n):
        ax = corner_x[start + k] - xs
        ay = corner_y[start + k] - ys
        if ax == 0.0 and ay == 0.0:
            return True
        bx = corner_x[start + (k + 1) % n] - xs
        by = corner_y[start + (k + 1) % n] - ys
        step = math.degrees(math.atan2(bx, by) - math.atan2(ax, ay))
        if step <= -180.0:
            step += 360.0
        if step > 180.0:
            step -= 360.0
        total += step
    return abs(360.0 - abs(total)) < 0.02


@njit(**KERNEL_OPTIONS)
def _sides_reach(corner_x, corner_y, start, stop, cos_a, sin_a, reach, xs, ys):
    """Is the stack (turned frame) within ``reach`` straight downwind of one of the tier's sides?"""
    n = stop - start
    for k in range(n):
        i1 = start + k
        i2 = start + (k + 1) % n
        x1 = corner_x[i1] * cos_a - corner_y[i1] * sin_a
        y1 = corner_y[i1] * cos_a + corner_x[i1] * sin_a
        x2 = corner_x[i2] * cos_a - corner_y[i2] * sin_a
        y2 = corner_y[i2] * cos_a + corner_x[i2] * sin_a
        if _downwind_within(x1, y1, x2, y2, reach, xs, ys):
            return True
    return False


@njit(**KERNEL_OPTIONS)
def gap_segments(corner_x, corner_y, tier_start, tier_height, nbr_start, nbr_index, seg_start, out):
    """The candidate sides of the gap-filling structure between each tier c and each of its neighbours b (CSR entry
    n of ``nbr_index``): corner-to-corner segments, and perpendiculars from a corner of one to a side of the other
    whose foot lies on that side, no longer than c's height (the most L can be for a group with focal tier c). Their
    lengths do not depend on the direction, so they are found once. With ``out`` of zero rows only counts them:
    seg_start (N+1,) is filled with the offsets; else out (M, 5) gets x1, y1, x2, y2, length [m] per segment."""
    count_only = out.shape[0] == 0
    m = 0
    for c in range(tier_height.shape[0]):
        s1, e1 = tier_start[c], tier_start[c + 1]
        n1 = e1 - s1
        bound = tier_height[c]
        for n in range(nbr_start[c], nbr_start[c + 1]):
            if count_only:
                seg_start[n] = m
            b = nbr_index[n]
            s2, e2 = tier_start[b], tier_start[b + 1]
            n2 = e2 - s2
            for k in range(n1):
                x11, y11 = corner_x[s1 + k], corner_y[s1 + k]
                x12, y12 = corner_x[s1 + (k + 1) % n1], corner_y[s1 + (k + 1) % n1]
                for kk in range(n2):
                    x21, y21 = corner_x[s2 + kk], corner_y[s2 + kk]
                    x22, y22 = corner_x[s2 + (kk + 1) % n2], corner_y[s2 + (kk + 1) % n2]
                    dist = math.sqrt((x11 - x21) ** 2 + (y11 - y21) ** 2)
                    if dist <= bound:
                        if not count_only:
                            out[m, 0], out[m, 1], out[m, 2], out[m, 3], out[m, 4] = x11, y11, x21, y21, dist
                        m += 1
                    xi, yi, dist, between = _foot(x11, y11, x12, y12, x21, y21)
                    if dist <= bound and between > BETWEEN:
                        if not count_only:
                            out[m, 0], out[m, 1], out[m, 2], out[m, 3], out[m, 4] = x21, y21, xi, yi, dist
                        m += 1
                    xi, yi, dist, between = _foot(x21, y21, x22, y22, x11, y11)
                    if dist <= bound and between > BETWEEN:
                        if not count_only:
                            out[m, 0], out[m, 1], out[m, 2], out[m, 3], out[m, 4] = x11, y11, xi, yi, dist
                        m += 1
    if count_only:
        seg_start[seg_start.shape[0] - 1] = m
    return m


@njit(**KERNEL_OPTIONS)
def _gap_reach(segments, first, last, cos_a, sin_a, scale, reach, xs, ys):
    """Is the stack (turned frame) within ``reach`` downwind of a side of the gap-filling structure no longer than
    ``scale`` (L) [m] — segments ``first``..``last`` of :func:`gap_segments`?"""
    for g in range(first, last):
        if segments[g, 4] > scale or segments[g, 4] > reach:
            continue
        x1 = segments[g, 0] * cos_a - segments[g, 1] * sin_a
        y1 = segments[g, 1] * cos_a + segments[g, 0] * sin_a
        x2 = segments[g, 2] * cos_a - segments[g, 3] * sin_a
        y2 = segments[g, 3] * cos_a + segments[g, 2] * sin_a
        if _downwind_within(x1, y1, x2, y2, reach, xs, ys):
            return True
    return False


@njit(**KERNEL_OPTIONS)
def _group(c, n0, n1, nbr_index, nbr_gap, tier_height, width, top, strict, member):
    """Members of the structure group around focal tier c at common height ``top``: c itself, then each tier of
    c's combinable list no lower than ``top`` and closer to c than max(min(top, W_c), min(top, W_b)). Writes the
    list positions (0 = c, 1 + j = c's j-th neighbour) to ``member`` and returns their count."""
    member[0] = 0
    count = 1
    for j in range(n1 - n0):
        if not strict[j]:
            continue
        b = nbr_index[n0 + j]
        if tier_height[b] >= top:
            reach = max(min(top, width[c]), min(top, width[b]))
            if nbr_gap[n0 + j] < reach:
                member[count] = 1 + j
                count += 1
    return count


@njit(parallel=True, **KERNEL_OPTIONS)
def building_profiles_parallel(corner_x, corner_y, tier_start, tier_height, tier_base, nbr_start, nbr_index,
                               nbr_gap, seg_start, segments, stack_x, stack_y, stack_base, local_start, local_index,
                               out_height, out_width, out_length, out_xbadj, out_ybadj, out_gep, out_gep_height,
                               out_gep_width):
    """Per stack: the GEP formula height over all directions and, for each 10° flow direction, the dimensions of
    the structure with the largest wake-effect height whose region of influence holds the stack.

    corner_x, corner_y : (C,) tier corners [m]; tier_start : (T+1,); tier_height : (T,) above the building base [m];
    tier_base : (T,) the building's base elevation [m]; nbr_start, nbr_index, nbr_gap : the tiers of other buildings
    near each tier (CSR, in tier order) and their least distance ``tier_gaps`` [m] — every pair closer than the
    larger of the two heights; seg_start, segments : :func:`gap_segments` of those pairs; stack_x, stack_y, stack_base
    : (S,) [m]; local_start, local_index : per stack (CSR, in
    tier order) every tier that can be a focal tier for it. out_height, out_width, out_length, out_xbadj, out_ybadj :
    (S, 36) [m], direction k = 10(k+1)°; out_gep : (S,) the largest H + 1.5 L relative to the stack base [m] (0 if
    none); out_gep_height, out_gep_width : (S,) the height and projected width of that structure [m].
    """
    n_tier = tier_height.shape[0]
    max_nbr = 0
    for t in range(n_tier):
        max_nbr = max(max_nbr, nbr_start[t + 1] - nbr_start[t])
    for s in prange(stack_x.shape[0]):
        xs0, ys0, zs = stack_x[s], stack_y[s], stack_base[s]
        l0, l1 = local_start[s], local_start[s + 1]
        n_local = l1 - l0
        roof = np.zeros(n_local, dtype=np.bool_)
        local_of = np.full(n_tier, -1, dtype=np.int64)  # a tier's position among the stack's local tiers, or −1
        for q in range(n_local):
            c = local_index[l0 + q]
            local_of[c] = q
            roof[q] = _on_roof(corner_x, corner_y, tier_start[c], tier_start[c + 1], xs0, ys0)
        single_in = np.zeros(n_local, dtype=np.bool_)
        group_in = np.zeros((n_local, max_nbr + 1), dtype=np.bool_)
        width = np.zeros(n_tier)
        xmin = np.zeros(n_tier)
        xmax = np.zeros(n_tier)
        ymin = np.zeros(n_tier)
        ymax = np.zeros(n_tier)
        done = np.zeros(n_tier, dtype=np.bool_)  # extents of this direction computed
        listed = np.zeros(max_nbr + 1, dtype=np.bool_)
        member = np.zeros(max_nbr + 1, dtype=np.int64)
        gep = 0.0
        gep_h = 0.0
        gep_w = 0.0
        mhwe = np.zeros(BPIP_SECTORS)
        # pass 0: GEP search every quarter degree; pass 1: the 36 model directions
        for stage in range(2):
            n_dir = GEP_STEPS if stage == 0 else BPIP_SECTORS
            for d in range(1, n_dir + 1):
                angle = math.radians(d * 0.25) if stage == 0 else math.radians(d * 10.0)
                cos_a, sin_a = math.cos(angle), math.sin(angle)
                xs = xs0 * cos_a - ys0 * sin_a
                ys = ys0 * cos_a + xs0 * sin_a
                done[:] = False
                # single tiers
                for q in range(n_local):
                    c = local_index[l0 + q]
                    a, b, e, f = _extent(corner_x, corner_y, tier_start[c], tier_start[c + 1], cos_a, sin_a)
                    xmin[c], xmax[c], ymin[c], ymax[c] = a, b, e, f
                    width[c] = b - a
                    done[c] = True
                    tw = b - a
                    ws = min(tw, tier_height[c])
                    hwe = tier_height[c] + tier_base[c] - zs + 1.5 * ws
                    if stage == 0:
                        if a <= xs <= b and ys >= e and (roof[q] or _sides_reach(
                                corner_x, corner_y, tier_start[c], tier_start[c + 1], cos_a, sin_a, 5.0 * ws, xs, ys)):
                            single_in[q] = True
                            if hwe > gep or (hwe == gep and tw < gep_w):
                                gep, gep_h, gep_w = hwe, tier_height[c], tw
                    elif single_in[q] and a - 0.5 * ws <= xs <= b + 0.5 * ws and ys >= e - 2.0 * ws:
                        _wake(s, d - 1, hwe, tier_height[c], tw, f - e, e - ys, xs - (a + 0.5 * tw), gep, gep_h,
                              gep_w, mhwe, out_height, out_width, out_length, out_xbadj, out_ybadj)
                # groups of nearby tiers of different buildings
                for q in range(n_local):
                    c = local_index[l0 + q]
                    n0, n1 = nbr_start[c], nbr_start[c + 1]
                    if n1 == n0:
                        continue
                    n_list = 0
                    for j in range(n1 - n0):
                        bb = nbr_index[n0 + j]
                        if not done[bb]:
                            a, b, e, f = _extent(corner_x, corner_y, tier_start[bb], tier_start[bb + 1], cos_a, sin_a)
                            xmin[bb], xmax[bb], ymin[bb], ymax[bb] = a, b, e, f
                            width[bb] = b - a
                            done[bb] = True
                        gap = nbr_gap[n0 + j]
                        listed[j] = gap < min(width[c], tier_height[c]) or gap < min(width[bb], tier_height[bb])
                        if listed[j]:
                            n_list += 1
                    if n_list == 0:
                        continue
                    focal_top = tier_height[c]
                    for t1 in range(n1 - n0 + 1):
                        if t1 == 0:
                            top = focal_top
                        else:
                            if not listed[t1 - 1]:
                                continue
                            top = tier_height[nbr_index[n0 + t1 - 1]]
                            if stage == 0 and not top < focal_top:
                                continue
                            if stage == 1 and not top <= focal_top:
                                continue
                        if stage == 1 and not group_in[q, t1]:
                            continue
                        count = _group(c, n0, n1, nbr_index, nbr_gap, tier_height, width, top, listed, member)
                        if count < 2:
                            continue
                        gx0, gx1, gy0, gy1 = xmin[c], xmax[c], ymin[c], ymax[c]
                        for m in range(1, count):
                            bb = nbr_index[n0 + member[m] - 1]
                            gx0 = min(gx0, xmin[bb])
                            gx1 = max(gx1, xmax[bb])
                            gy0 = min(gy0, ymin[bb])
                            gy1 = max(gy1, ymax[bb])
                        tw = gx1 - gx0
                        ws = min(tw, top)
                        hwe = top + tier_base[c] - zs + 1.5 * ws
                        if stage == 1:
                            if gx0 - 0.5 * ws <= xs <= gx1 + 0.5 * ws and ys >= gy0 - 2.0 * ws:
                                _wake(s, d - 1, hwe, top, tw, gy1 - gy0, gy0 - ys, xs - (gx0 + 0.5 * tw), gep, gep_h,
                                      gep_w, mhwe, out_height, out_width, out_length, out_xbadj, out_ybadj)
                            continue
                        if not (gx0 <= xs <= gx1 and ys >= gy0):
                            continue
                        reach = 5.0 * ws
                        hit = roof[q] or _sides_reach(corner_x, corner_y, tier_start[c], tier_start[c + 1], cos_a,
                                                      sin_a, reach, xs, ys)
                        m = 1
                        while not hit and m < count:
                            bb = nbr_index[n0 + member[m] - 1]
                            # a stack on bb's roof is within bb's own reach, so bb is then one of its local tiers
                            hit = (local_of[bb] >= 0 and roof[local_of[bb]]) or \
                                _sides_reach(corner_x, corner_y, tier_start[bb], tier_start[bb + 1], cos_a, sin_a,
                                             reach, xs, ys) or \
                                _gap_reach(segments, seg_start[n0 + member[m] - 1], seg_start[n0 + member[m]], cos_a,
                                           sin_a, ws, reach, xs, ys)
                            m += 1
                        if hit:
                            group_in[q, t1] = True
                            if hwe > gep or (hwe == gep and tw < gep_w):
                                gep, gep_h, gep_w = hwe, top, tw
        out_gep[s] = gep
        out_gep_height[s] = gep_h
        out_gep_width[s] = gep_w


@njit(**KERNEL_OPTIONS)
def _wake(s, k, hwe, height, width, length, xbadj, ybadj, gep, gep_h, gep_w, mhwe, out_height, out_width,
          out_length, out_xbadj, out_ybadj):
    """Keep the structure with the larger wake-effect height H + 1.5 L for stack s, direction k (the narrower one on
    a tie), but never above the stack's GEP formula height (then the GEP structure's height and width)."""
    if hwe - mhwe[k] > TIE or (abs(hwe - mhwe[k]) < TIE and width < out_width[s, k]):
        mhwe[k] = hwe
        _store(s, k, height, width, length, xbadj, ybadj, out_height, out_width, out_length, out_xbadj, out_ybadj)
    if gep < mhwe[k]:
        mhwe[k] = gep
        _store(s, k, gep_h, gep_w, length, xbadj, ybadj, out_height, out_width, out_length, out_xbadj, out_ybadj)


@njit(**KERNEL_OPTIONS)
def _store(s, k, height, width, length, xbadj, ybadj, out_height, out_width, out_length, out_xbadj, out_ybadj):
    out_height[s, k] = height
    out_width[s, k] = width
    out_length[s, k] = length
    out_xbadj[s, k] = xbadj
    out_ybadj[s, k] = ybadj
