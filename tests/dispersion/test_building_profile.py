"""BPIP-PRIME building dimensions and GEP heights (dispersion.building_profile): EPA's BPIPPRM 04274 runs on two of
its user's-guide test cases and on the demo park, hand-worked cases, invariances and bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st
from shapely.geometry import Polygon

from dispersion.building_profile import BPIP_DIRECTIONS, BuildingProfiles, Tier, building_profiles
from tests.bpip_reference import DIMENSIONS, read_bpip_input, read_bpip_output
from twin.errors import InputError

DATA = Path(__file__).resolve().parents[1] / "data" / "bpip"
FIELDS = dict(zip(DIMENSIONS, ("height", "width", "length", "xbadj", "ybadj")))
PRINTED = 0.01  # [m] BPIPPRM prints two decimals of single-precision values (its turned coordinates lose ~0.2 mm)


@pytest.mark.parametrize("case", ["A1P", "A5p", "demo"])
def test_matches_bpipprm(case):
    """Every dimension of every stack and direction, and the GEP formula heights, as BPIPPRM printed them.
    A1P: one building, plant north 210°; A5p: three 3-tier buildings, 10 stacks (BPIP user's guide test case 2);
    demo: the demo park's 343 buildings and 117 stacks (tools/bpip_deck.py)."""
    names, stacks, tiers = read_bpip_input(DATA / case / "BPIP.INP")
    ref, gep = read_bpip_output(DATA / case / "BPIP.OUT")
    ours = building_profiles(stacks[:, 0], stacks[:, 1], stacks[:, 2], tiers)
    assert set(ref) == set(names)
    for i, name in enumerate(names):
        for key, field in FIELDS.items():
            np.testing.assert_allclose(getattr(ours, field)[i], ref[name][key], rtol=0, atol=PRINTED,
                                       err_msg=f"{case} {name} {key}")
        assert ours.gep_formula[i] == pytest.approx(gep[name], abs=PRINTED), name
    if case == "demo":  # the park is one where downwash matters: most stacks see a structure
        assert (ours.height > 0).any(axis=1).sum() > 90


def _box(x0, x1, y0, y1):
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=float)


@pytest.mark.kernel
def test_one_building_by_hand():
    """A 20 m block 40 m wide (x −20…20) and 20 m deep (y 0…20); a stack 30 m north of it, 10 m east of its axis.
    L = 20 m, H + 1.5 L = 50 m. Flow to the north (360°): the stack is 30 m downwind of the lee face, XBADJ = −50
    (upwind face 50 m upwind of it), YBADJ = 10. Flow to the south (180°): the stack is 30 m upwind, inside the
    2 L upwind reach of the PRIME region: XBADJ = +30, YBADJ = −10 (turned frame). Flow to the east (90°): the
    stack is beyond the region's side (0.5 L = 10 m past the 20 m projected half-width... the north side, y 30 > 20 + 10)."""
    tier = Tier(corners=_box(-20, 20, 0, 20), height=20.0, building=0)
    p = building_profiles([10.0], [50.0], [0.0], [tier])
    north, south, east = 35, 17, 8
    assert (p.height[0, north], p.width[0, north], p.length[0, north]) == pytest.approx((20, 40, 20))
    assert (p.xbadj[0, north], p.ybadj[0, north]) == pytest.approx((-50, 10))
    assert (p.height[0, south], p.width[0, south], p.length[0, south]) == pytest.approx((20, 40, 20))
    assert (p.xbadj[0, south], p.ybadj[0, south]) == pytest.approx((30, -10))
    assert p.height[0, east] == 0.0 and p.width[0, east] == 0.0
    assert p.gep_formula[0] == pytest.approx(50.0)
    assert p.gep_structure_height[0] == pytest.approx(20.0) and p.gep_structure_width[0] == pytest.approx(40.0)
    assert p.gep_stack_height[0] == 65.0
    assert p.wake_height()[0, north] == pytest.approx(50.0)
    far = building_profiles([10.0], [500.0], [0.0], [tier])
    assert not far.height.any() and far.gep_formula[0] == 0.0


@pytest.mark.kernel
def test_base_elevations_enter_the_wake_height():
    """A building standing 30 m higher than the stack base: H + z_b − z_s + 1.5 L = 20 + 30 + 30."""
    tier = Tier(corners=_box(-20, 20, 0, 20), height=20.0, building=0, base=30.0)
    p = building_profiles([10.0], [50.0], [0.0], [tier])
    assert p.gep_formula[0] == pytest.approx(80.0)


@pytest.mark.kernel
def test_two_close_buildings_combine():
    """Two 30 m towers 10 m wide, 5 m apart (< L = 10 m): alone each gives H + 1.5 L = 45 m; together, 25 m wide,
    30 + 1.5 · 25 = 67.5 m, so for flow to the north the stack behind the first sees the pair. 30 m apart they stay
    apart. (Blocks wider than they are tall would not gain: L = H either way, and the narrower wins the tie.)"""
    a = Tier(corners=_box(-10, 0, 0, 20), height=30.0, building=0)
    b = Tier(corners=_box(5, 15, 0, 20), height=30.0, building=1)
    p = building_profiles([-5.0], [60.0], [0.0], [a, b])
    assert (p.height[0, 35], p.width[0, 35], p.ybadj[0, 35]) == pytest.approx((30.0, 25.0, -7.5))
    assert p.gep_formula[0] == pytest.approx(75.0)  # for oblique flow the pair is ≥ 30 m wide: L = H
    c = Tier(corners=_box(30, 40, 0, 20), height=30.0, building=1)
    q = building_profiles([-5.0], [60.0], [0.0], [a, c])
    assert (q.width[0, 35], q.ybadj[0, 35]) == pytest.approx((10.0, 0.0))
    assert q.gep_formula[0] < 30.0 + 1.5 * np.hypot(10.0, 20.0) + 1e-9  # one tower at its widest


def test_sector_follows_aermod():
    """int(a/10 + 0.4999), 0 → 36: 5° and 355° go to the lower sector, 5.01° to 10°."""
    k = BuildingProfiles.sector([0.0, 5.0, 5.01, 14.99, 15.0, 354.99, 355.0, 355.01, 359.9, 360.0, -10.0])
    np.testing.assert_array_equal(BPIP_DIRECTIONS[k], [360, 360, 10, 10, 10, 350, 350, 360, 360, 360, 350])


footprints = st.lists(
    st.tuples(st.floats(-150, 150), st.floats(-150, 150), st.floats(8, 60), st.floats(8, 60), st.floats(5, 45)),
    min_size=1, max_size=5)
stacks_xy = st.lists(st.tuples(st.floats(-250, 250), st.floats(-250, 250)), min_size=1, max_size=4)


@settings(max_examples=40, deadline=None)
@given(footprints, stacks_xy, st.floats(-1e4, 1e4), st.floats(-1e4, 1e4), st.floats(-50, 50))
def test_invariances(boxes, points, dx, dy, dz):
    """Moving everything (stacks, buildings, ground) together changes nothing; turning it 90° clockwise moves each
    direction's dimensions 90° on; a stack's dimensions do not depend on the other stacks."""
    tiers = [Tier(corners=_box(x, x + w, y, y + d), height=h, building=i) for i, (x, y, w, d, h) in enumerate(boxes)]
    # buildings apart (overlapping copies make exact ties of height and width, which turning breaks by rounding)
    assume(all(Polygon(a.corners).distance(Polygon(b.corners)) > 0.01 for k, a in enumerate(tiers)
               for b in tiers[k + 1:]))
    sx, sy = np.array(points, dtype=float).T
    sx, sy = sx + 0.1234567, sy + 0.7654321  # off the boxes' round corners: no stack exactly in line with a side
    p = building_profiles(sx, sy, np.zeros(sx.size), tiers)
    moved = building_profiles(sx + dx, sy + dy, np.full(sx.size, dz),
                              [Tier(corners=t.corners + [dx, dy], height=t.height, building=t.building, base=dz)
                               for t in tiers])
    turned = building_profiles(sy, -sx, np.zeros(sx.size),
                               [Tier(corners=t.corners[:, ::-1] * [1, -1], height=t.height, building=t.building)
                                for t in tiers])
    for field in FIELDS.values():
        np.testing.assert_allclose(getattr(moved, field), getattr(p, field), atol=1e-6)
        np.testing.assert_allclose(np.roll(getattr(turned, field), -9, axis=1), getattr(p, field), atol=1e-6)
    one = building_profiles(sx[:1], sy[:1], np.zeros(1), tiers)
    for field in FIELDS.values():
        np.testing.assert_array_equal(getattr(one, field)[0], getattr(p, field)[0])
    assert np.all(p.height >= 0) and np.all(p.width >= 0) and np.all(p.length >= 0)
    assert np.all(p.wake_height() <= np.maximum(p.gep_formula[:, None], 0) + 1e-9)


def test_bad_input_names_the_field():
    good = Tier(corners=_box(0, 10, 0, 10), height=10.0, building=0)
    with pytest.raises(InputError, match="tier 1 corners"):
        building_profiles([0.0], [0.0], [0.0], [good, Tier(corners=np.array([[0, 0], [1, np.nan], [2, 2]]),
                                                             height=5.0, building=1)])
    with pytest.raises(InputError, match="tier 0 height"):
        building_profiles([0.0], [0.0], [0.0], [Tier(corners=_box(0, 10, 0, 10), height=-3.0, building=0)])
    with pytest.raises(InputError, match="stacks"):
        building_profiles([0.0, 1.0], [0.0], [0.0], [good])
    with pytest.raises(InputError, match="tier 0 corners.*2 distinct"):
        building_profiles([0.0], [0.0], [0.0], [Tier(corners=np.array([[0, 0], [5, 5], [5, 5], [0, 0]]),
                                                     height=5.0, building=0)])


def _one_tier_oracle(corners, height, base, xs, ys, zs):
    """BPIP-PRIME for one stack and one tier, written from the rules with shapely: the stack is nearby for flow
    direction a when it is on the roof or the 5 L segment straight upwind of it meets the footprint's outline."""
    from shapely.geometry import LineString, Point, Polygon

    outline = Polygon(corners)
    stack = Point(xs, ys)

    def frame(a_deg):
        a = np.radians(a_deg)
        cross = corners[:, 0] * np.cos(a) - corners[:, 1] * np.sin(a)
        along = corners[:, 1] * np.cos(a) + corners[:, 0] * np.sin(a)
        return a, cross.min(), cross.max(), along.min(), along.max()

    gep, gep_h, gep_w, nearby = 0.0, 0.0, 0.0, False
    for d in range(1, 1441):
        a, x0, x1, y0, y1 = frame(d * 0.25)
        w = x1 - x0
        scale = min(w, height)
        upwind = (xs - 5.0 * scale * np.sin(a), ys - 5.0 * scale * np.cos(a))
        if outline.covers(stack) or LineString([upwind, (xs, ys)]).intersects(outline.exterior):
            nearby = True
            hwe = height + base - zs + 1.5 * scale
            if hwe > gep or (hwe == gep and w < gep_w):
                gep, gep_h, gep_w = hwe, height, w
    out = np.zeros((5, 36))
    for k in range(36):
        a, x0, x1, y0, y1 = frame(10.0 * (k + 1))
        w = x1 - x0
        scale = min(w, height)
        xp = xs * np.cos(a) - ys * np.sin(a)
        yp = ys * np.cos(a) + xs * np.sin(a)
        if nearby and x0 - 0.5 * scale <= xp <= x1 + 0.5 * scale and yp >= y0 - 2.0 * scale:
            hwe = height + base - zs + 1.5 * scale
            if hwe > 0.001:
                out[:, k] = (height, w, y1 - y0, y0 - yp, xp - (x0 + 0.5 * w))
                if gep < hwe:
                    out[0, k], out[1, k] = gep_h, gep_w
    return out, gep


@pytest.mark.kernel
@settings(max_examples=25, deadline=None)
@given(st.floats(8, 80), st.floats(8, 80), st.floats(0, 90), st.floats(4, 50), st.floats(-5, 5),
       st.floats(-150, 150), st.floats(-150, 150))
def test_one_tier_matches_a_shapely_oracle(w, d, turn, height, base, xs, ys):
    """One turned rectangle and one stack: every dimension and the GEP height as the rules give them."""
    a = np.radians(turn)
    box = _box(-w / 2, w / 2, -d / 2, d / 2) @ np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    xs, ys = xs + 0.1234567, ys + 0.7654321
    p = building_profiles([xs], [ys], [0.0], [Tier(corners=box, height=height, building=0, base=base)])
    expected, gep = _one_tier_oracle(box, height, base, xs, ys, 0.0)
    assert p.gep_formula[0] == pytest.approx(gep, abs=1e-9)
    for row, field in enumerate(FIELDS.values()):
        np.testing.assert_allclose(getattr(p, field)[0], expected[row], atol=1e-9, err_msg=field)
