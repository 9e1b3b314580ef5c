"""PRIME building downwash (``dispersion._prime_kernels`` with ``_prime_wake``, ``_prime_rise``, ``_prime_sigmas``):
its pieces against the equations of Schulman, Strimaitis & Scire (2000, *J. Air & Waste Manage. Assoc.* 50:378;
"Eq. n" below), written out here independently, the numerical plume rise against Briggs's bent-over plume,
properties of the blend, and the whole against AERMOD v21112 with PRIME on the decks ``tests/data/aermod/prime-cases``
(eight stacks by four buildings, the whole of 1999), ``prime-urban``, ``prime-terrain`` and ``prime-tower`` (the same
in the urban option, in elevated terrain, with a site tower); ``prime-demo`` (the demo park) is in
``test_aermod_buildings.py``.
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dispersion._prime_kernels as P
import dispersion._prime_rise as R
import dispersion._prime_sigmas as S
import dispersion._prime_wake as W
from dispersion._aermod_physics import G_OVER_CP, GRAVITY, Hour, convective_rise_direct
from dispersion.aermod import (AermodTerrain, AermodUrban, air_density_profile, decay_coefficient, profile_tables,
                               run_aermod, weather_levels)
from tests.aermod_reference import (WDROTATE, agreement, assert_agrees, read_building_cards, read_deck,
                                    reference_met)

CASES = Path(__file__).resolve().parents[1] / "data" / "aermod" / "prime-cases"
URBAN = CASES.parent / "prime-urban"
TERRAIN = CASES.parent / "prime-terrain"
TOWER = CASES.parent / "prime-tower"


def _hour(*, u=5.0, sv=0.5, sw=0.3, gradient=0.0, theta=293.15, stable=False, zi=1500.0, length=-1e4):
    """An hour with uniform profiles (units of ``dispersion._aermod_physics``)."""
    heights = np.concatenate([[0.0, 0.5, 1.0, 2.0, 5.0], np.arange(10.0, 5001.0, 10.0)])
    rows = np.empty((1, heights.size, 5))
    rows[0, :, 0], rows[0, :, 1], rows[0, :, 2], rows[0, :, 3] = u, sv, sw, gradient
    rows[0, :, 4] = theta + gradient * heights
    slopes, integrals = profile_tables(heights, rows)
    levels = weather_levels(heights)
    return Hour(heights, rows[0], slopes[0], integrals[0], stable, 0.4, 0.0 if stable else 1.5, length, zi, 800.0,
                u, sw, theta, 0.01, False, 0.0, levels["levels"], levels["level_scale"])


def _state(hour, building, *, hs=20.0, diameter=4.0, velocity=3.0, temperature=500.0, release=0):
    density = air_density_profile(hour.heights, hour.rows[None, :, 4], np.array([293.15]))[0]
    theta_s = hour.rows[0, 4] + hour.rows[0, 3] * hs
    return P.wake_state(hour, density, np.asarray(building, dtype=float), hs, diameter, velocity, temperature,
                        release, hour.rows[0, 0], theta_s - G_OVER_CP * hs, np.zeros((7, S.TRAJECTORY)),
                        np.zeros(4), np.zeros((2, S.TRAJECTORY)), np.zeros((6, 3)))


@pytest.mark.kernel
def test_wake_scales_are_eqs_1_and_2():
    for h, w, el in ((10.0, 40.0, 20.0), (10.0, 100.0, 5.0), (30.0, 10.0, 60.0), (20.0, 20.0, 20.0)):
        b = W.building_scales(h, w, el, 0.0, 0.0, 4.0, 5.0)
        small, large = min(h, w), min(max(h, w), 8.0 * min(h, w))  # B_L capped at 8 B_s
        assert b.scale == pytest.approx(small ** (2 / 3) * large ** (1 / 3), rel=1e-12)
        ratio = min(max(el / h, 0.3), 3.0)  # L/H outside [0.3, 3]: the nearer limit
        exponent = 0.3 if w >= h else max(0.0, 0.3 * (w / h - 0.33) / 0.67)  # W < H as coded (docs/unverified.md)
        assert b.cavity_length == pytest.approx(1.8 * w / (ratio ** exponent * (1.0 + 0.24 * w / h)), rel=1e-12)
        assert b.cavity_height == pytest.approx(h + 0.22 * b.scale) and b.roof_cavity == pytest.approx(0.9 * b.scale)


@pytest.mark.kernel
def test_wake_boundary_is_eqs_11_and_12_and_the_papers_cube():
    h = 10.0
    b = W.building_scales(h, h, h, 0.0, 0.0, 4.0, 5.0)  # a cube: R = H
    for x in (1.0, 10.0, 57.0, 200.0):
        height, half_width = W.wake_dimensions(x, h, h, b.scale)
        assert height == pytest.approx(1.2 * b.scale * (x / b.scale + (h / (1.2 * b.scale)) ** 3) ** (1 / 3))
        assert half_width == pytest.approx(h / 2 + b.scale / 3 * (x / b.scale) ** (1 / 3))
    # "1.4 building heights at one building height from the upwind face and 3.3 at twenty" (text after Eq. 11)
    assert W.wake_dimensions(h, h, h, b.scale)[0] / h == pytest.approx(1.4, abs=0.05)
    assert W.wake_dimensions(20 * h, h, h, b.scale)[0] / h == pytest.approx(3.3, abs=0.05)
    assert W.wake_dimensions(0.0, h, h, b.scale) == (0.0, 0.0)


@pytest.mark.kernel
def test_cavity_envelope_is_eqs_3_to_8():
    h, w, el = 10.0, 30.0, 20.0  # L > 0.9 R: the roof cavity reattaches (Eqs. 3-4)
    b = W.building_scales(h, w, el, 0.0, 0.0, 4.0, 5.0)
    r, lr = b.scale, b.cavity_length
    for x in (0.5 * el, el + 0.5 * lr, el + 0.99 * lr):
        zc, yc = W.cavity_dimensions(b, x)
        expected_z = h if x <= el else h * math.sqrt(1 - ((x - el) / lr) ** 2)
        expected_y = w / 2 + r / 3 - (x - r) ** 2 / (3 * r) if x <= r else \
            (w / 2 + r / 3) * math.sqrt(1 - ((x - r) / (el + lr - r)) ** 2)
        assert (zc, yc) == (pytest.approx(expected_z), pytest.approx(expected_y))
    assert W.cavity_dimensions(b, el + lr) == (0.0, 0.0)
    short = W.building_scales(h, w, 2.0, 0.0, 0.0, 4.0, 5.0)  # L < 0.9 R: no reattachment (Eqs. 5-6), H_R at R/2
    assert W.cavity_dimensions(short, 0.5 * short.scale)[0] == pytest.approx(short.cavity_height)
    assert W.cavity_dimensions(short, 0.0)[0] == pytest.approx(h)
    # where a point is: in the building, its cavity, its wake, outside
    assert W.position(b, 0.5 * el, 0.0, 0.5 * h) == 1
    assert W.position(b, el + 0.3 * lr, 0.0, 0.5 * h) == 2
    assert W.position(b, el + 3 * lr, 0.0, 1.2 * h) == 3
    assert W.position(b, el + 3 * lr, 0.0, 10 * h) == 4 and W.position(b, -1.0, 0.0, 0.0) == 4


@pytest.mark.kernel
def test_streamline_slopes_are_eqs_13_to_16_at_roof_height():
    h, w, el = 10.0, 20.0, 15.0
    b = W.building_scales(h, w, el, 0.0, 0.0, 4.0, 5.0)
    r, lr, hr = b.scale, b.cavity_length, b.cavity_height
    assert W.streamline_slope(b, -1.5 * r, 0.0, h) == 0.0  # region A
    x = -0.5 * r
    assert W.streamline_slope(b, x, 0.0, h) == pytest.approx(2 * (hr - h) * (x + r) / r ** 2)  # B
    x = 0.25 * r
    assert W.streamline_slope(b, x, 0.0, h) == pytest.approx(-4 * (hr - h) * (2 * x / r - 1) / r)  # C
    x = el
    assert W.streamline_slope(b, x, 0.0, h) == pytest.approx((hr - h) * (r - 2 * x) / (el + lr - r / 2) ** 2)  # D
    # above the roof the slope decays as (z/H)^-3 where streamlines rise, as (z/H)^-1 where they descend (as coded:
    # with (z - H + R)/R for z/H)
    assert W.streamline_slope(b, 0.25 * r, 0.0, h + r) == pytest.approx(W.streamline_slope(b, 0.25 * r, 0.0, h) / 8)
    assert W.streamline_slope(b, el, 0.0, h + r) == pytest.approx(W.streamline_slope(b, el, 0.0, h) / 2)
    # beyond W/2 + R/3 across the wind: none
    assert W.streamline_slope(b, el, w / 2 + r / 3 + 0.1, h) == 0.0


@pytest.mark.kernel
def test_wake_turbulence_and_deficit_are_eqs_26_to_30():
    hour = _hour(u=5.0, sv=0.2, sw=0.1)  # ambient i_z = 0.02 < i_zN = 0.06
    b = W.building_scales(10.0, 20.0, 10.0, 0.0, 0.0, 4.0, 5.0)
    amb = W.Ambient(5.0, 0.2, 0.1, 0.0)
    tiz, tiy = W.wake_intensity(b.length, b, amb)  # at the lee wall (Eq. 28)
    assert tiz == pytest.approx(1.7 * 0.06 / (1 - 0.7)) and tiy == pytest.approx(1.7 * 0.08 / (1 - 0.7))
    far = W.wake_intensity(b.length + 1e5 * b.scale, b, amb)  # far behind: the ambient intensity (Eq. 29)
    assert far[0] == pytest.approx(0.1 / 5.0, rel=5e-3) and far[1] == pytest.approx(0.2 / 5.0, rel=5e-3)
    # in the cavity at the lee wall, F_c = 1 − H_W (ΔU/U) / (½ (H_W + H_C)) (Eq. 26)
    hw, _ = W.wake_dimensions(b.length, b.height, b.width, b.scale)
    hc, _ = W.cavity_dimensions(b, b.length)
    here = W.wake_at(b, b.length)
    assert W.wake_speed(b, b.length, 0.0, 0.5 * hc, here)[0] == pytest.approx(1 - hw * 0.7 / (0.5 * (hw + hc)))
    assert W.wake_speed(b, b.length, 0.0, 1.01 * hw, here) == (1.0, 0.0)
    assert hour.stable is False


@pytest.mark.kernel
def test_numerical_rise_far_from_buildings_is_briggs_bent_over_plume():
    """Uniform wind, neutral: PRIME's integration of Eqs. 17-21 (β = 0.6) away from any wake follows the bent-over
    plume of the same entrainment, Δh = (3 F_m x/(β² u²) + 3 F_b x²/(2 β² u³))^⅓ (Briggs 1984; MFD §5.6.1), from a
    virtual point source r_0/β below the stack top, until its final rise (measured: within 3 % at 100-400 m)."""
    hour = _hour(u=5.0)
    far_away = (10.0, 10.0, 10.0, 1e5, 0.0)  # the building's upwind face 100 km downwind
    w = _state(hour, far_away)
    assert not w.caught
    xtr, ztr = w.trajectory
    ta = 293.15 - G_OVER_CP * 20.0
    fb = GRAVITY * 3.0 * 2.0 ** 2 * (500.0 - ta) / 500.0
    fm = 3.0 ** 2 * 2.0 ** 2 * ta / 500.0
    origin = 2.0 / R.BETA  # the plume's initial radius r_0 puts the point source r_0/β below the stack top
    for x in (100.0, 200.0, 300.0, 400.0):
        rise = S.trajectory_height(x, xtr, ztr) - 20.0
        assert rise + origin == pytest.approx(convective_rise_direct(x, fb, fm, 5.0), rel=0.04), x
    # the rise ends at x_f = 49 F_b^⅝ (F_b < 55, as coded): the path is level beyond, on to the building 100 km away
    final = 49.0 * fb ** 0.625
    level = ztr[(xtr > final) & (xtr < 9e4)]
    assert level.size and np.all(level == ztr[np.argmax(xtr > final)]) and np.all(np.diff(ztr[xtr < final]) > 0.0)


def _behind_a_block(stable=True, y_adj=0.0):
    hour = _hour(u=3.0, sv=0.3, sw=0.15, gradient=0.01 if stable else 0.0, stable=stable, length=50.0 if stable
                 else -50.0, zi=400.0 if stable else 1200.0)
    return hour, _state(hour, (15.0, 40.0, 20.0, -10.0, y_adj), hs=18.0, diameter=1.0, velocity=8.0,
                        temperature=330.0)


@pytest.mark.kernel
@pytest.mark.parametrize("stable", [True, False])
def test_a_short_stack_behind_a_block_meets_the_wake_and_the_cavity(stable):
    hour, w = _behind_a_block(stable)
    assert w.active and w.caught and 0.0 < w.captured <= 1.0 and w.n_wake > 1 and w.n_cavity > 1
    xs = w.tables[0, :w.n_wake]
    assert np.all(np.diff(xs) > 0) and np.all(np.diff(w.tables[1, :w.n_wake]) >= -1e-9)  # σ_z grows downwind
    # PRIME's value is positive downwind and symmetric about the building's centreline (YBADJ = 0)
    for x in (30.0, 80.0, 200.0, 700.0):
        for y in (0.0, 7.0, 25.0):
            left = P.prime_value(w, hour, x, y, 0.0, 0.0)
            assert left > 0.0 and left == pytest.approx(P.prime_value(w, hour, x, -y, 0.0, 0.0), rel=1e-12)


@settings(max_examples=40, deadline=None)
@given(x=st.floats(-50.0, 5000.0), y=st.floats(-500.0, 500.0), z=st.floats(0.0, 200.0),
       value=st.floats(0.0, 1e-3))
def test_the_blend_weight_and_the_blended_value(x, y, z, value):
    hour, w = _behind_a_block(True, y_adj=3.0)
    xb, yb = x - w.building.xbadj, y - w.building.ybadj
    gamma = P.blend_weight(w, xb, yb, z)
    assert 0.0 <= gamma <= 1.0
    height, half_width = W.wake_dimensions(xb, w.building.height, w.building.width, w.building.scale)
    if 0.0 < xb <= w.length and abs(yb) <= half_width and z <= height:
        assert gamma == 1.0
    if xb <= 0.0:
        assert gamma == 0.0 and P.downwash(value, w, hour, x, y, 0.0, z) == value
    blended = P.downwash(value, w, hour, x, y, 0.0, z)
    prime = P.prime_value(w, hour, x, y, 0.0, z)  # NaN: PRIME defers to AERMOD there
    lo, hi = sorted((value, prime if math.isfinite(prime) else value))
    assert lo * (1 - 1e-12) <= blended <= hi * (1 + 1e-12) and blended >= 0.0
    if gamma == 0.0:
        assert blended == value


def test_prime_cases_are_aermod_with_prime():
    """Eight stacks by four buildings (a wide block, a slender tower, a two-tier block, a round tank): on the roof,
    in the cavity, beside the tower, capped, horizontal, upwind, far from every building and above every wake; 396
    receptors from 25 m to 2 km, every fourth on a 1.5 m flagpole; the whole of 1999 (stable and convective hours).
    Measured 2026-12-07: worst receptor 0.01 % (period), 0.4 % (1-h), 0.2 % (24-h)."""
    deck = read_deck(CASES)
    result = run_aermod(deck.stacks, deck.rates_g_s * 1e-3, deck.receptors, reference_met(),
                        true_north_grid_bearing=-WDROTATE, utc_offset_hours=-9.0,
                        buildings=read_building_cards(deck, CASES))
    for name, ours in agreement(result, deck, CASES).items():
        assert_agrees(name, ours, fb=0.002, r=0.9999, max_ratio=0.005, worst=0.01)
    # and a linear one: twice the rates, twice the concentrations (the first week)
    met = reference_met().isel(time=slice(0, 168))
    buildings = read_building_cards(deck, CASES)
    once = run_aermod(deck.stacks, deck.rates_g_s * 1e-3, deck.receptors, met, true_north_grid_bearing=-WDROTATE,
                      buildings=buildings)
    twice = run_aermod(deck.stacks, deck.rates_g_s * 2e-3, deck.receptors, met, true_north_grid_bearing=-WDROTATE,
                       buildings=buildings)
    np.testing.assert_allclose(twice.max_1h, 2.0 * once.max_1h, rtol=1e-12)


def test_prime_cases_in_aermods_urban_option_are_aermod():
    """The same deck with every stack urban (URBANOPT 800 000; SO2's 4-h half-life): PRIME in the urban stable layer,
    with the air density from the rural profile as AERMOD computes it. Measured 2026-12-07: worst receptor 0.1 %
    (period), 0.2 % (1-h), 0.2 % (24-h)."""
    deck = read_deck(URBAN)
    result = run_aermod(deck.stacks, deck.rates_g_s * 1e-3, deck.receptors, reference_met(),
                        true_north_grid_bearing=-WDROTATE, utc_offset_hours=-9.0,
                        buildings=read_building_cards(deck, URBAN), urban=AermodUrban(800_000.0),
                        decay=decay_coefficient("SO2", None, urban=True))
    for name, ours in agreement(result, deck, URBAN).items():
        assert_agrees(name, ours, fb=0.002, r=0.9999, max_ratio=0.005, worst=0.01)


def test_prime_cases_in_elevated_terrain_are_aermod():
    """The same deck on a 40 m hill and a 2 % slope, AERMOD's elevated terrain (stacks, buildings and receptors at the
    landscape's elevations; hill heights from ParkTwin's AERMAP rule): PRIME's receptor heights above the stack base
    and above the ground, and its blend with both plume states. Measured 2026-12-07: worst receptor 0.05 % (period),
    0.4 % (1-h), 0.1 % (24-h)."""
    deck = read_deck(TERRAIN)
    result = run_aermod(deck.stacks, deck.rates_g_s * 1e-3, deck.receptors, reference_met(),
                        true_north_grid_bearing=-WDROTATE, utc_offset_hours=-9.0,
                        buildings=read_building_cards(deck, TERRAIN),
                        terrain=AermodTerrain("elevated", deck.hill_heights))
    for name, ours in agreement(result, deck, TERRAIN).items():
        assert_agrees(name, ours, fb=0.002, r=0.9999, max_ratio=0.005, worst=0.01)


def test_prime_cases_with_a_site_tower_are_aermod(tmp_path):
    """The same deck with the four-level site tower of ``tests/data/aermod/tower-profile`` (its wind veers with
    height: each stack's building sector from the wind at its top, its plume along the wind at mid-rise). Measured
    2026-12-07: worst receptor 0.1 % (period), 0.6 % (1-h), 0.1 % (24-h)."""
    from tools.aermod_tower_deck import TOWER as PFL, write_tower  # the file AERMOD read (not kept in git)

    write_tower(tmp_path)
    deck = read_deck(TOWER)
    result = run_aermod(deck.stacks, deck.rates_g_s * 1e-3, deck.receptors, reference_met(tmp_path / PFL),
                        true_north_grid_bearing=-WDROTATE, utc_offset_hours=-9.0,
                        buildings=read_building_cards(deck, TOWER))
    for name, ours in agreement(result, deck, TOWER).items():
        assert_agrees(name, ours, fb=0.002, r=0.9999, max_ratio=0.005, worst=0.01)


@pytest.mark.kernel
def test_building_profiles_of_the_wrong_shape_or_sign_are_refused_by_name():
    from dispersion.aermod import building_array
    from twin.errors import InputError

    good = np.zeros((2, 36))
    profiles = SimpleNamespace(height=good, width=good, length=good, xbadj=good, ybadj=good)
    assert building_array(profiles, 2).shape == (2, 36, 5)
    with pytest.raises(InputError, match=r"buildings.*\(3, 36, 5\)"):
        building_array(profiles, 3)
    with pytest.raises(InputError, match="H, W, L ≥ 0 m"):
        building_array(SimpleNamespace(height=good, width=good - 1.0, length=good, xbadj=good, ybadj=good), 2)
