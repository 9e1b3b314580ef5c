"""The Numba plume kernel against published values, analytic limits, its NumPy oracle and physical properties.

Marked ``kernel``: the suite runs these a second time with ``NUMBA_DISABLE_JIT=1`` (Makefile ``test``).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numba import config

from dispersion._math_kernels import exp_fast
from dispersion.plume import PlumeOptions, ReceptorSet, SourceHours, StackSet, evaluate_plume
from tests.dispersion.plume_oracle import plume_oracle
from twin.errors import InputError

pytestmark = pytest.mark.kernel

NO_LID = 1e30
EXAMPLES = 8 if config.DISABLE_JIT else 60
hypothesis_settings = settings(max_examples=EXAMPLES, deadline=None,
                               suppress_health_check=[HealthCheck.too_slow])


def make_stacks(x, y, base=None, height=None) -> StackSet:
    x = np.atleast_1d(np.asarray(x, float))
    n = x.size
    return StackSet(
        ids=tuple(f"S{i}" for i in range(n)), x=x, y=np.atleast_1d(np.asarray(y, float)),
        base_elevation=np.zeros(n) if base is None else np.asarray(base, float),
        height=np.full(n, 30.0) if height is None else np.asarray(height, float),
        inner_diameter=np.ones(n), exit_velocity=np.full(n, 10.0), exit_temperature=np.full(n, 400.0),
    )


def make_receptors(x, y, height=None, ground=None) -> ReceptorSet:
    x = np.asarray(x, float)
    return ReceptorSet(x=x, y=np.asarray(y, float),
                       height=np.zeros(x.size) if height is None else np.asarray(height, float),
                       ground_elevation=np.zeros(x.size) if ground is None else np.asarray(ground, float))


def make_hours(direction_from, stability, wind_speed, effective_height, mixing_height, bid=None, day=None,
               valid=None):
    """SourceHours from per-hour (H,) and per-(hour, stack) (H, S) arrays."""
    direction_from = np.atleast_1d(np.asarray(direction_from, float))
    n_hours = direction_from.size
    effective_height = np.asarray(effective_height, float).reshape(n_hours, -1)
    to = np.deg2rad(direction_from + 180.0)
    return SourceHours(
        wind_to_x=np.sin(to), wind_to_y=np.cos(to),
        mixing_height=np.asarray(np.broadcast_to(mixing_height, (n_hours,)), float).copy(),
        stability=np.asarray(np.broadcast_to(stability, (n_hours,)), np.int64).copy(),
        day=np.zeros(n_hours, np.int64) if day is None else np.asarray(day, np.int64),
        stack_wind_speed=np.asarray(np.broadcast_to(wind_speed, effective_height.shape), float).copy(),
        effective_height=effective_height.copy(),
        rise=np.zeros_like(effective_height),
        bid_variance=np.zeros_like(effective_height) if bid is None else np.asarray(bid, float).reshape(
            effective_height.shape).copy(),
        valid=None if valid is None else np.asarray(valid, bool),
    )


def run_kernel(stacks, rates, receptors, hours, options, decay_half_life=None):
    """Kernel fields via evaluate_plume: (hourly (H, P, R), max_1h, max_24h, mean) like the oracle."""
    n_sub = rates.shape[0]
    names = [f"s{p}" for p in range(n_sub)]
    if decay_half_life:
        options = PlumeOptions(**{**options.__dict__, "half_life": {name: decay_half_life for name in names}})
    fields = evaluate_plume(stacks, rates, receptors, hours, options, substances=names)
    stats = [np.stack([fields[f"{name}_{stat}"][1] for name in names]) for stat in ("max_1h", "max_24h",
                                                                                      "period_mean")]
    hourly = np.stack([fields[name][1] for name in names], axis=1) if options.store_hourly else None
    return hourly, *stats


def test_exp_fast_accuracy():
    # Reference: numpy.exp (correctly rounded to ~0.5 ulp); the bound is the one documented in _math_kernels.
    x = np.linspace(-50.0, 0.0, 2001)
    mine = np.array([exp_fast(v) for v in x])
    assert np.max(np.abs(mine / np.exp(x) - 1.0)) <= 2e-15
    x = np.linspace(-500.0, 0.0, 2001)
    mine = np.array([exp_fast(v) for v in x])
    assert np.max(np.abs(mine / np.exp(x) - 1.0)) <= 3e-14
    # Below e^-500 the result is flushed to exactly 0 (no subnormal products downstream).
    assert all(exp_fast(v) == 0.0 for v in (-500.001, -700.0, -1e6))


@pytest.mark.parametrize("distance, expected_ug_m3", [(500.0, 632.8), (1000.0, 923.2)])
def test_ground_level_centreline_reference(distance, expected_ug_m3):
    # Issue #2 reference: Q = 100 g/s, u = 5 m/s, h_e = 50 m, Briggs rural class D, ground-level centreline,
    # C = Q/(π u σy σz) exp(-h_e²/2σz²) (Turner 1970 AP-26 Eq. 3.2 at y = z = 0), Briggs (1973) σ.
    stacks = make_stacks([0.0], [0.0], height=[50.0])
    receptors = make_receptors([distance], [0.0])
    hours = make_hours(270.0, 3, 5.0, [[50.0]], NO_LID)  # wind from the west: plume along +x
    rates = np.full((1, 1, 1), 0.1)  # 100 g/s = 0.1 kg/s
    options = PlumeOptions(sigma_model="briggs_rural", terrain="flat", parallel=False)
    hourly, *_ = run_kernel(stacks, rates, receptors, hours, options)
    assert hourly[0, 0, 0] * 1e9 == pytest.approx(expected_ug_m3, abs=0.06)


def test_lid_images_approach_well_mixed():
    # As σz/L grows the image sum (ISC3 Eq. 1-50) must approach the well-mixed form (ISC3 Eq. 1-52): by Poisson
    # summation their ratio is 1 + 2·exp(-π²σz²/2L²)·cos(...) + …, i.e. < 1e-5 apart at σz = 1.6 L.
    lid = 100.0
    distances = np.linspace(2000.0, 20000.0, 200)  # Briggs D: σz/L from 0.6 to 2.15
    stacks = make_stacks([0.0], [0.0], height=[40.0])
    receptors = make_receptors(distances, np.zeros_like(distances))
    hours = make_hours(270.0, 3, 4.0, [[50.0]], lid)
    rates = np.full((1, 1, 1), 1.0)
    options = PlumeOptions(sigma_model="briggs_rural", terrain="flat", parallel=False)
    hourly, *_ = run_kernel(stacks, rates, receptors, hours, options)
    sigma_y = 0.08 * distances / np.sqrt(1 + 0.0001 * distances)  # Briggs (1973) rural D
    sigma_z = 0.06 * distances / np.sqrt(1 + 0.0015 * distances)
    well_mixed = 1.0 / (math.sqrt(2 * math.pi) * 4.0 * sigma_y * lid)
    ratio = sigma_z / lid
    gap = np.abs(hourly[0, 0] / well_mixed - 1.0)
    below = (ratio > 0.8) & (ratio <= 1.6)
    assert below.sum() > 10
    # Monotone approach (within fp noise), and already < 2e-5 just below the switch at 1.6 L.
    assert np.all(np.diff(gap[below]) <= 1e-12 + 1e-9 * gap[below][:-1])
    assert gap[below & (ratio > 1.5)].max() < 2e-5
    assert gap[ratio > 1.6].max() < 1e-13  # the well-mixed form itself beyond the switch


@st.composite
def plume_cases(draw):
    n_src = draw(st.integers(1, 3))
    n_rec = draw(st.integers(1, 40))
    n_hours = draw(st.integers(1, 30))
    seed = draw(st.integers(0, 2**32 - 1))
    model = draw(st.sampled_from(["briggs_rural", "briggs_urban", "pasquill_gifford_isc3", "gb13201"]))
    rng = np.random.default_rng(seed)
    stacks = make_stacks(rng.uniform(-500, 500, n_src), rng.uniform(-500, 500, n_src),
                         base=rng.uniform(0, 20, n_src), height=rng.uniform(10, 100, n_src))
    receptors = make_receptors(rng.uniform(-4000, 4000, n_rec), rng.uniform(-4000, 4000, n_rec),
                               height=rng.choice([0.0, 1.5, 10.0], n_rec), ground=rng.uniform(0, 80, n_rec))
    hours = make_hours(
        rng.uniform(0, 360, n_hours), rng.integers(0, 6, n_hours), rng.uniform(1, 10, (n_hours, n_src)),
        rng.uniform(5, 400, (n_hours, n_src)), rng.uniform(150, 2000, n_hours),
        bid=rng.uniform(0, 2000, (n_hours, n_src)), day=np.arange(n_hours) // 8,
        valid=rng.uniform(size=n_hours) > draw(st.sampled_from([0.0, 0.3, 1.0])),  # calm/missing hours
    )
    rates = rng.uniform(0, 1, (draw(st.integers(1, 3)), n_hours, n_src))
    terrain = draw(st.sampled_from(["simple", "flat"]))
    options = PlumeOptions(sigma_model=model, terrain=terrain, cull=False, parallel=draw(st.booleans()),
                           min_hours_per_day=6, tile_size=draw(st.sampled_from([300.0, 1000.0, 5000.0])),
                           hour_rules=draw(st.sampled_from(["screening", "aermod"])))
    return stacks, rates, receptors, hours, options


@hypothesis_settings
@given(plume_cases(), st.sampled_from([None, 3600.0]))
def test_kernel_equals_numpy_oracle(case, half_life):
    stacks, rates, receptors, hours, options = case
    decay = math.log(2) / half_life if half_life else 0.0
    expected = plume_oracle(stacks, rates, receptors, hours, options, decay=decay, min_hours_per_day=6)
    got = run_kernel(stacks, rates, receptors, hours, options, decay_half_life=half_life)
    scale = max(expected[0].max(), 1e-300)
    # exp_fast flushes e^x to 0 below x = -500: contributions under ~1e-200 kg m-3 are dropped by design.
    for mine, reference in zip(got, expected):
        np.testing.assert_allclose(mine, reference, rtol=1e-9, atol=1e-12 * scale + 1e-200)


def test_culling_changes_little_on_a_realistic_grid():
    # Tile culling drops only contributions beyond 6 σ_y (≤ e^-18 of the axis value): checked on a dense grid.
    rng = np.random.default_rng(7)
    gx, gy = np.meshgrid(np.linspace(-2500, 2500, 81), np.linspace(-2500, 2500, 81))
    receptors = make_receptors(gx.ravel(), gy.ravel(), ground=rng.uniform(0, 30, gx.size))
    stacks = make_stacks(rng.uniform(-1500, 1500, 12), rng.uniform(-1500, 1500, 12), height=rng.uniform(20, 90, 12))
    n = 6 if config.DISABLE_JIT else 24  # hours (as plain Python, 24 take 18 s)
    hours = make_hours(rng.uniform(0, 360, n), rng.integers(0, 6, n), rng.uniform(1, 8, (n, 12)),
                       rng.uniform(20, 300, (n, 12)), rng.uniform(300, 1500, n), bid=rng.uniform(0, 500, (n, 12)))
    rates = rng.uniform(0, 1, (2, n, 12))
    dense = run_kernel(stacks, rates, receptors, hours, PlumeOptions(cull=False))
    culled = run_kernel(stacks, rates, receptors, hours, PlumeOptions(cull=True))
    for a, b in zip(dense, culled):
        np.testing.assert_allclose(b, a, rtol=0, atol=1e-8 * a.max())


def test_serial_and_parallel_kernels_agree_bitwise():
    rng = np.random.default_rng(3)
    receptors = make_receptors(rng.uniform(-3000, 3000, 500), rng.uniform(-3000, 3000, 500))
    stacks = make_stacks(rng.uniform(-500, 500, 4), rng.uniform(-500, 500, 4))
    hours = make_hours(rng.uniform(0, 360, 10), rng.integers(0, 6, 10), 3.0, rng.uniform(20, 200, (10, 4)), 800.0)
    rates = rng.uniform(0, 1, (1, 10, 4))
    a = run_kernel(stacks, rates, receptors, hours, PlumeOptions(parallel=True))
    b = run_kernel(stacks, rates, receptors, hours, PlumeOptions(parallel=False))
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


@hypothesis_settings
@given(plume_cases(), st.floats(0.01, 1000.0))
def test_linear_in_emission_rate_and_non_negative(case, factor):
    stacks, rates, receptors, hours, options = case
    base = run_kernel(stacks, rates, receptors, hours, options)
    scaled = run_kernel(stacks, rates * factor, receptors, hours, options)
    for a, b in zip(base, scaled):
        assert np.all(np.nan_to_num(a) >= 0.0)
        np.testing.assert_allclose(b, a * factor, rtol=1e-12, atol=1e-300)  # subnormals round


@hypothesis_settings
@given(st.integers(0, 2**32 - 1), st.floats(0, 360), st.integers(0, 5),
       st.sampled_from(["briggs_rural", "briggs_urban", "pasquill_gifford_isc3", "gb13201"]))
def test_symmetric_across_the_plume_axis(seed, direction, stability, model):
    # Receptors mirrored across the plume axis (same downwind distance, opposite crosswind offset) see the same air.
    rng = np.random.default_rng(seed)
    along = rng.uniform(-1000, 5000, 30)
    across = rng.uniform(0, 1500, 30)
    to = np.deg2rad(direction + 180.0)
    ax, ay = np.sin(to), np.cos(to)  # along-wind unit vector; crosswind = (ay, -ax)
    x = np.r_[along * ax + across * ay, along * ax - across * ay]
    y = np.r_[along * ay - across * ax, along * ay + across * ax]
    ground = np.tile(rng.uniform(0, 40, 30), 2)
    receptors = make_receptors(x, y, ground=ground)
    stacks = make_stacks([0.0], [0.0], height=[40.0])
    hours = make_hours(direction, stability, 3.0, [[80.0]], 900.0, bid=[[300.0]])
    options = PlumeOptions(sigma_model=model, cull=False, parallel=False)
    hourly, *_ = run_kernel(stacks, np.ones((1, 1, 1)), receptors, hours, options)
    np.testing.assert_allclose(hourly[0, 0, :30], hourly[0, 0, 30:], rtol=1e-9, atol=1e-15 * hourly.max())


@hypothesis_settings
@given(plume_cases(), st.floats(0, 360), st.floats(-2000, 2000), st.floats(-2000, 2000))
def test_invariant_under_rotation_of_the_frame(case, angle, cx, cy):
    # Rotating sources, receptors and the wind together by the same angle changes nothing (no preferred axis).
    stacks, rates, receptors, hours, options = case
    phi = np.deg2rad(angle)

    def turn(x, y):  # clockwise by phi about (cx, cy), like a compass bearing
        dx, dy = x - cx, y - cy
        return cx + dx * np.cos(phi) + dy * np.sin(phi), cy - dx * np.sin(phi) + dy * np.cos(phi)

    sx, sy = turn(stacks.x, stacks.y)
    rx, ry = turn(receptors.x, receptors.y)
    turned_stacks = StackSet(stacks.ids, sx, sy, stacks.base_elevation, stacks.height, stacks.inner_diameter,
                             stacks.exit_velocity, stacks.exit_temperature)
    turned_receptors = make_receptors(rx, ry, receptors.height, receptors.ground_elevation)
    wx = hours.wind_to_x * np.cos(phi) + hours.wind_to_y * np.sin(phi)
    wy = -hours.wind_to_x * np.sin(phi) + hours.wind_to_y * np.cos(phi)
    turned_hours = SourceHours(wx, wy, hours.mixing_height, hours.stability, hours.day, hours.stack_wind_speed,
                               hours.effective_height, hours.rise, hours.bid_variance, hours.valid)
    base = run_kernel(stacks, rates, receptors, hours, options)
    turned = run_kernel(turned_stacks, rates, turned_receptors, turned_hours, options)
    scale = max(base[0].max(), 1e-300)
    for a, b in zip(base, turned):
        np.testing.assert_allclose(b, a, rtol=1e-7, atol=1e-10 * scale)


@hypothesis_settings
@given(plume_cases())
def test_daily_means_are_the_means_of_the_hourly_fields(case):
    # GB 3095-2012 Table 4: a daily mean needs >= min_hours_per_day hourly values; the cases give 8 hours a day,
    # except a last day of fewer hours, which must come out NaN when it has fewer than 6 valid hours. Calm or
    # missing hours (hours.valid False) are zero and not counted; AERMOD's rules divide every day's sum by
    # max(valid hours, 18).
    stacks, rates, receptors, hours, options = case
    options = PlumeOptions(**{**options.__dict__, "store_hourly": True, "store_daily": True})
    names = [f"s{p}" for p in range(rates.shape[0])]
    fields = evaluate_plume(stacks, rates, receptors, hours, options, substances=names)
    for p, name in enumerate(names):
        hourly = fields[name][1]
        daily = fields[f"{name}_daily"][1]
        assert daily.shape == (hours.day[-1] - hours.day[0] + 1, receptors.x.size)
        for d in range(daily.shape[0]):
            in_day = hours.day - hours.day[0] == d
            n_valid = int(np.sum(in_day & hours.valid))
            assert np.all(hourly[in_day & ~hours.valid] == 0.0)
            if options.hour_rules == "aermod":
                np.testing.assert_allclose(daily[d], hourly[in_day].sum(axis=0) / max(n_valid, 18), rtol=1e-12,
                                           atol=1e-300)
            elif n_valid >= options.min_hours_per_day:
                np.testing.assert_allclose(daily[d], hourly[in_day].sum(axis=0) / n_valid, rtol=1e-12, atol=1e-300)
            else:
                assert np.all(np.isnan(daily[d]))
        np.testing.assert_array_equal(np.nanmax(daily, axis=0) if np.isfinite(daily).any() else daily[0],
                                      fields[f"{name}_max_24h"][1])


def test_aermod_hour_rules_by_hand():
    # One stack, one receptor straight downwind, the same weather every hour: every valid hour gives the same c.
    # Day 0: 24 hours, 12 of them calm/missing; day 1: 24 valid hours. AERMOD's rules (dispersion.plume docstring):
    # day 0's mean = 12 c / max(12, 18) = 2c/3, day 1's = c; period mean = 36 c / 36 valid hours = c.
    # The screening rules with min_hours_per_day = 20 give no mean for day 0 (12 < 20 valid hours).
    stacks = make_stacks([0.0], [0.0], height=[50.0])
    receptors = make_receptors([800.0], [0.0])
    valid = np.ones(48, bool)
    valid[:12] = False
    hours = make_hours(np.full(48, 270.0), 3, 5.0, np.full((48, 1), 50.0), NO_LID, day=np.arange(48) // 24,
                       valid=valid)
    rates = np.full((1, 48, 1), 0.1)
    aermod = PlumeOptions(terrain="flat", parallel=False, hour_rules="aermod")
    hourly, max_1h, max_24h, mean = run_kernel(stacks, rates, receptors, hours, aermod)
    c = hourly[12, 0, 0]
    assert c > 0 and np.all(hourly[:12] == 0.0)
    fields = evaluate_plume(stacks, rates, receptors, hours, replace(aermod, store_daily=True), substances=["s"])
    np.testing.assert_allclose(fields["s_daily"][1][:, 0], [2.0 * c / 3.0, c], rtol=1e-12)
    assert mean[0, 0] == pytest.approx(c, rel=1e-12)
    screening = PlumeOptions(terrain="flat", parallel=False, hour_rules="screening", store_daily=True)
    fields = evaluate_plume(stacks, rates, receptors, hours, screening, substances=["s"])
    assert np.isnan(fields["s_daily"][1][0, 0]) and fields["s_daily"][1][1, 0] == pytest.approx(c, rel=1e-12)


def test_valid_hours_from_the_weather_flags():
    import xarray as xr

    from dispersion.plume import valid_hours
    met = xr.Dataset({"aermet_hour_flag": ("time", np.array([0, 1, 2, 0], np.int8)),
                      "calm_flag": ("time", np.array([0, 0, 0, 1], np.int8))})
    assert valid_hours(met, "aermod").tolist() == [True, False, False, True]  # AERMET's own flags win
    assert valid_hours(met.drop_vars("aermet_hour_flag"), "aermod").tolist() == [True, True, True, False]
    assert valid_hours(met, "screening").all()
    with pytest.raises(InputError, match="hour_rules"):
        PlumeOptions(hour_rules="isc3")
