"""ParkTwin's AERMOD kernels (dispersion/_aermod_physics.py, _aermod_convective.py, _aermod_plume.py, _aermod_kernels.py, driver dispersion/aermod.py)
against their NumPy oracle (tests/dispersion/aermod_oracle.py), their properties, their reproducibility, and the
AERMOD v24142 reference deck (tests/data/aermod, README there) for a whole year."""

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dispersion import aermod as A
from dispersion._aermod_kernels import Weather
from dispersion.plume import ReceptorSet, StackSet
from tests.dispersion.aermod_oracle_hours import hour_concentration
from tests.dispersion.test_aermod import make_hour, receptors_grid, stacks


def weather_of(hours) -> Weather:
    """The kernel's weather from oracle hours (tests.dispersion.test_aermod.make_hour)."""
    rows = np.stack([np.stack([h.wind_speed, h.sigma_v, h.sigma_w, h.gradient, h.theta], axis=-1) for h in hours])
    slopes, integrals = A.profile_tables(hours[0].heights, rows)
    scalar = lambda name: np.array([float(getattr(h, name)) for h in hours])  # noqa: E731
    direction = np.deg2rad(scalar("wind_from_direction_grid"))
    return Weather(heights=np.asarray(hours[0].heights, dtype=float), rows=rows, slopes=slopes, integrals=integrals,
                   valid=np.ones(len(hours), dtype=bool), friction_velocity=scalar("friction_velocity"),
                   convective_velocity_scale=scalar("convective_velocity_scale"),
                   obukhov_length=scalar("obukhov_length"), mixing_height=scalar("mixing_height"),
                   mechanical_mixing_height=scalar("mechanical_mixing_height"),
                   mean_wind_speed=scalar("mean_wind_speed"), mean_sigma_w=scalar("mean_sigma_w"),
                   theta_at_zi=scalar("theta_at_zi"), gradient_above_zi=scalar("gradient_above_zi"),
                   wind_from_sin=np.sin(direction), wind_from_cos=np.cos(direction),
                   **_direction_profile(hours), urban=np.array([bool(getattr(h, "urban", False)) for h in hours]),
                   density=A.air_density_profile(hours[0].heights, np.stack([h.theta for h in hours]),
                                                 np.array([float(h.theta[0]) for h in hours])),
                   **A.weather_levels(hours[0].heights))


def _direction_profile(hours) -> dict:
    """The per-stack directions of oracle hours that carry a direction profile (a site tower), else none."""
    profiles = [h.wind_from_direction_profile for h in hours]
    if all(p is None for p in profiles):
        return {"veering": np.zeros(len(hours), dtype=bool), "direction_profile": np.zeros((len(hours), 1))}
    veering = np.array([p is not None for p in profiles])
    rows = np.stack([p if p is not None else np.full(hours[0].heights.size, h.wind_from_direction_grid)
                     for p, h in zip(profiles, hours)])
    return {"veering": veering, "direction_profile": rows}


@pytest.mark.kernel
@settings(max_examples=60, deadline=None)
@given(ratio=st.floats(0.05, 6.0), height=st.floats(0.0, 1.0), lid=st.floats(50.0, 3000.0))
def test_reflected_vertical_term_is_the_image_sum_in_both_of_its_forms(ratio, height, lid):
    # σ_z < 0.7 lid: the images summed directly; wider: the Poisson-summation form. Both equal the oracle's image sum
    # (truncated at a term < 5e-7 of the total).
    from dispersion._aermod_vertical import vertical_stable
    from tests.dispersion.aermod_oracle import _vertical_stable

    sz, he = ratio * lid, height * lid
    expected = _vertical_stable(np.array([sz]), np.array([he]), np.array([lid]))[0]
    assert vertical_stable(sz, he, lid) == pytest.approx(expected, rel=2e-6)


HOURS = st.builds(
    make_hour,
    ustar=st.floats(0.05, 0.8), length=st.sampled_from([-10.0, -80.0, -500.0, 15.0, 80.0, 600.0]),
    wstar=st.floats(0.3, 2.5), zi=st.floats(60.0, 2500.0), zim=st.floats(40.0, 1500.0), speed=st.floats(0.5, 12.0),
    direction=st.floats(0.0, 360.0))


# rtol 1e-7: compiled, the kernel equals the oracle to ~1e-15; run as plain Python (NUMBA_DISABLE_JIT=1) scalar cbrt
# and hypot differ from NumPy's in the last bit, which the rise iteration's stopping test can carry to ~1e-8.
@pytest.mark.kernel
@settings(max_examples=6, deadline=None)
@given(hour=HOURS)
def test_without_stack_tip_downwash_the_kernel_equals_the_numpy_oracle(hour):
    # AERMOD's NOSTD: the release height is the stack height; slow stacks (w_s < 1.5 u) then differ from the default.
    src, rec = stacks(3, seed=2), receptors_grid(800.0, 2400.0)
    src = StackSet(ids=src.ids, x=src.x, y=src.y, base_elevation=src.base_elevation, height=src.height,
                   inner_diameter=src.inner_diameter, exit_velocity=np.array([0.5, 3.0, 15.0]),
                   exit_temperature=src.exit_temperature)
    rates = np.array([[1.0, 0.3, 2.0]])
    ours = A.aermod_hours(src, rec, weather_of([hour]), rates, tabulate=False, parallel=False,
                          stack_tip_downwash=False)[0]
    oracle = hour_concentration(src, rec, hour, emission_rate=rates[0], stack_tip_downwash=False)
    np.testing.assert_allclose(ours, oracle, rtol=1e-7, atol=1e-12 * oracle.max())
    default = A.aermod_hours(src, rec, weather_of([hour]), rates, tabulate=False, parallel=False)[0]
    assert np.abs(default - ours).max() > 1e-6 * ours.max()  # the 0.5 m/s stack is downwashed by default


@pytest.mark.kernel
@settings(max_examples=12, deadline=None)
@given(hour=HOURS)
def test_every_pair_kernel_equals_the_numpy_oracle(hour):
    src, rec = stacks(3, seed=2), receptors_grid(800.0, 2400.0)
    rates = np.array([[1.0, 0.3, 2.0]])
    ours = A.aermod_hours(src, rec, weather_of([hour]), rates, tabulate=False, parallel=False)[0]
    oracle = hour_concentration(src, rec, hour, emission_rate=rates[0])
    assert np.all(np.isfinite(ours)) and np.all(ours >= 0.0)
    np.testing.assert_allclose(ours, oracle, rtol=1e-7, atol=1e-12 * oracle.max())


@pytest.mark.kernel
@settings(max_examples=12, deadline=None)
@given(hour=HOURS, veer=st.floats(-0.5, 0.5), base=st.floats(0.0, 360.0))
@example(hour=make_hour(length=80.0, speed=3.0), veer=0.3, base=355.0)  # turns through north between stacks
def test_a_veering_wind_turns_each_stack_as_the_oracle_does(hour, veer, base):
    """A site tower's direction profile (degrees a metre): each stack's plume takes the direction at mid-rise; the
    kernel equals the oracle, and stacks of different heights see different directions."""
    import dataclasses

    profile = (base + veer * np.minimum(hour.heights, 500.0)) % 360.0
    veering = dataclasses.replace(hour, wind_from_direction_profile=profile)
    src, rec = stacks(3, seed=2), receptors_grid(800.0, 2400.0)
    rates = np.array([[1.0, 0.3, 2.0]])
    ours = A.aermod_hours(src, rec, weather_of([veering]), rates, tabulate=False, parallel=False)[0]
    oracle = hour_concentration(src, rec, veering, emission_rate=rates[0])
    np.testing.assert_allclose(ours, oracle, rtol=1e-7, atol=1e-12 * oracle.max())
    fast = A.aermod_hours(src, rec, weather_of([veering]), rates)[0]
    assert np.abs(fast - ours).max() <= 0.04 * ours.max()


def test_a_veering_wind_moves_a_coherent_plume():
    """In a stable 3 m/s hour (little meander) a direction turning 0.3°/m moves the field away from the one of a
    uniform wind from the lowest level: the per-stack direction is used, not the hour's."""
    import dataclasses

    hour = make_hour(length=80.0, speed=3.0, direction=10.0)
    veering = dataclasses.replace(hour, wind_from_direction_profile=10.0 + 0.3 * np.minimum(hour.heights, 500.0))
    src, rec = stacks(3, seed=2), receptors_grid(800.0, 2400.0)
    rates = np.array([[1.0, 0.3, 2.0]])
    turned = A.aermod_hours(src, rec, weather_of([veering]), rates, tabulate=False)[0]
    straight = A.aermod_hours(src, rec, weather_of([hour]), rates, tabulate=False)[0]
    assert np.abs(turned - straight).max() > 0.1 * straight.max()


@pytest.mark.kernel
@settings(max_examples=12, deadline=None)
@given(hour=HOURS)
def test_plume_parts_equal_the_oracle_at_every_distance(hour):
    from tests.dispersion.aermod_oracle import _parts, _random_weight, _stack_state

    src = stacks(2, seed=4)
    x = np.array([3.0, 40.0, 150.0, 700.0, 2500.0, 9000.0])
    state = _stack_state(src, hour)
    for s in range(2):
        ours = A.plume_parts(src, weather_of([hour]), 0, s, x)
        parts = _parts(x, {k: np.repeat(v[s:s + 1], x.size) for k, v in state.items()}, hour,
                       bool(state["elevated"][s]))
        oracle = np.stack([parts["vertical"], parts["sigma_y"], parts["vertical_3"], parts["sigma_y_3"],
                           _random_weight(parts, x)], axis=1)
        np.testing.assert_allclose(ours, oracle, rtol=1e-7, atol=1e-300)


@settings(max_examples=20, deadline=None, derandomize=True)
@given(hour=HOURS)
@example(hour=make_hour(ustar=0.5625, length=-10.0, wstar=0.5, zi=255.0, zim=74.0, speed=4.0, direction=6.0))
@example(hour=make_hour(ustar=0.25, length=15.0, wstar=1.0, zi=60.0, zim=40.0, speed=11.0, direction=3.0))
@example(hour=make_hour(ustar=0.25, length=15.0, wstar=1.0, zi=66.0, zim=40.0, speed=12.0, direction=4.0))
@example(hour=make_hour(ustar=0.1875, length=15.0, wstar=1.0, zi=71.0, zim=40.0, speed=11.0, direction=16.0))
@example(hour=make_hour(ustar=0.7818, length=-500.0, wstar=0.3109, zi=85.78, zim=425.8, speed=8.473,
                        direction=96.21))
def test_tabulated_path_is_within_four_percent_of_every_pair(hour):
    src, rec = stacks(5, seed=1), receptors_grid(250.0, 2500.0)
    rates = np.linspace(0.5, 2.0, 5)[None]
    weather = weather_of([hour])
    exact = A.aermod_hours(src, rec, weather, rates, tabulate=False)[0]
    fast = A.aermod_hours(src, rec, weather, rates)[0]
    # 16 nodes a decade, ln F_z quadratic through three nodes: over 400 random hours of these ranges the median
    # error is 0.23 % of the hour's maximum, the 99th percentile 1.3 %, the worst 3.3 % (the last example: a 86 m
    # convective layer, kinks of F_z near 300-450 m between nodes). The fourth example — a plume emerging from
    # a 71 m stable lid, where ln F_z bends strongly — was 4.1 % with straight lines (hypothesis found it in CI)
    # and is 0.3 % now. With the bends between nodes taken as such (_mark_kinks), over 1000 random hours (seed 7,
    # those whose largest value is above 1e-12 kg/m³): median 0.27 → 0.17 %, 99th percentile 1.5 → 1.1 %, worst
    # 2.3 % (unchanged); the last example stays 3.3 % (two bends within three nodes, which the test leaves to the
    # quadratic). Derandomized: a CI run tries the same hours as this one.
    assert np.abs(fast - exact).max() <= 0.04 * exact.max()


@settings(max_examples=15, deadline=None)
@given(hour=HOURS, scale=st.floats(0.01, 100.0))
def test_linear_in_emission_rate_and_additive_over_stacks(hour, scale):
    src, rec = stacks(3), receptors_grid(400.0)
    weather = weather_of([hour])
    rates = np.array([[1.0, 0.3, 2.0]])
    whole = A.aermod_hours(src, rec, weather, rates)[0]
    assert np.all(whole >= 0.0)
    np.testing.assert_allclose(A.aermod_hours(src, rec, weather, scale * rates)[0], scale * whole, rtol=1e-12)
    parts = sum(A.aermod_hours(src, rec, weather, np.where(np.arange(3) == s, rates, 0.0))[0] for s in range(3))
    np.testing.assert_allclose(parts, whole, rtol=1e-12, atol=1e-15 * whole.max())


def test_same_numbers_on_one_or_two_threads_and_serial():
    import numba

    hours = [make_hour(length=-50.0, direction=200.0), make_hour(length=60.0, speed=2.0, direction=10.0),
             make_hour(length=-300.0, zi=400.0, direction=95.0), make_hour(length=500.0, direction=300.0)]
    src, rec = stacks(6, seed=3), receptors_grid(300.0, 2400.0)
    rates = np.random.default_rng(0).uniform(0.1, 2.0, (4, 6))
    weather = weather_of(hours)
    serial = A.aermod_hours(src, rec, weather, rates, parallel=False)
    before = numba.get_num_threads()
    try:
        results = []
        for threads in (1, min(2, numba.config.NUMBA_NUM_THREADS)):
            numba.set_num_threads(threads)
            results.append(A.aermod_hours(src, rec, weather, rates))
    finally:
        numba.set_num_threads(before)
    assert serial.max() > 0.0
    for result in results:
        assert np.array_equal(result, serial)


def test_tabulation_converges_as_the_table_refines():
    hours = [make_hour(length=-80.0, direction=250.0), make_hour(length=40.0, speed=2.5, direction=20.0)]
    src, rec = stacks(4, seed=5), receptors_grid(200.0, 3000.0)
    rates = np.ones((2, 4))
    weather = weather_of(hours)
    exact = A.aermod_hours(src, rec, weather, rates, tabulate=False)
    errors = [np.abs(A.aermod_hours(src, rec, weather, rates, table_density=k) - exact).max() / exact.max()
              for k in (4, 8, 16, 32)]
    assert errors[-1] < 0.01
    assert all(b < a for a, b in zip(errors, errors[1:])), errors


@settings(max_examples=10, deadline=None)
@given(hour=HOURS)
def test_a_stacks_values_do_not_depend_on_the_other_stacks_of_the_run(hour):
    """Each stack fills its own table to its farthest pair and the bend test's margin (``Pairs.table_size``): a
    stack run alone gives the same values as in a run with a stack 9 km away (a table 13 nodes longer), to the
    last bits — what OLM source by source needs (each source run alone against the sum of the sources)."""
    near = stacks(2, seed=4)
    far = StackSet(ids=near.ids + ("FAR",), x=np.append(near.x, 9000.0), y=np.append(near.y, 0.0),
                   base_elevation=np.zeros(3), height=np.append(near.height, 40.0),
                   inner_diameter=np.append(near.inner_diameter, 1.0), exit_velocity=np.append(near.exit_velocity, 9.0),
                   exit_temperature=np.append(near.exit_temperature, 400.0))
    rec = receptors_grid(300.0, 2400.0)
    weather = weather_of([hour])
    alone = A.aermod_hours(near, rec, weather, np.array([[1.0, 0.7]]))[0]
    together = A.aermod_hours(far, rec, weather, np.array([[1.0, 0.7, 0.0]]))[0]
    np.testing.assert_allclose(together, alone, rtol=1e-13, atol=1e-30)


def test_bad_table_settings_and_rates_are_named():
    from twin.errors import InputError

    src, rec = stacks(2), receptors_grid(1000.0)
    with pytest.raises(InputError, match="table_density"):
        A.aermod_hours(src, rec, weather_of([make_hour()]), np.ones((1, 2)), table_density=1)
    with pytest.raises(InputError, match="table_nearest"):
        A.aermod_hours(src, rec, weather_of([make_hour()]), np.ones((1, 2)), table_nearest=0.0)


def test_a_stack_on_a_receptor_adds_nothing_there_and_is_finite_around():
    src = StackSet(ids=("S",), x=np.zeros(1), y=np.zeros(1), base_elevation=np.zeros(1), height=np.array([30.0]),
                   inner_diameter=np.array([1.0]), exit_velocity=np.array([10.0]), exit_temperature=np.array([380.0]))
    rec = ReceptorSet(x=np.array([0.0, 0.5, 150.0]), y=np.array([0.0, 0.0, 0.0]), height=np.zeros(3),
                      ground_elevation=np.zeros(3))
    c = A.aermod_hours(src, rec, weather_of([make_hour(direction=270.0)]), np.ones((1, 1)))[0]
    assert c[0] == 0.0 and c[1] == 0.0 and np.isfinite(c[2]) and c[2] > 0.0


# ---------------------------------------------------------------------------------------------------------------
# The AERMOD reference deck: a whole year against AERMOD's own outputs (the targets)
# ---------------------------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_reference_deck_year_meets_the_agreement_targets():
    """Anchorage 1999, 117 stacks, 466 receptors, 8760 h: per receptor FAC2 ≥ 0.95, |FB| ≤ 0.1, r ≥ 0.9 for the
    period mean, the highest 1-h and the highest 24-h values, and the domain maxima within 10 % on the same
    receptor or a neighbour (≤ 250 m apart, the grid spacing)."""
    from tests.aermod_reference import WDROTATE, compare, read_deck, read_plot, reference_met

    deck = read_deck()
    met = reference_met()
    result = A.run_aermod(deck.stacks, deck.rates_g_s * 1e-3, deck.receptors, met, true_north_grid_bearing=-WDROTATE,
                          utc_offset_hours=-9.0)
    ours = {"period": result.period_mean * 1e9, "1h": result.max_1h * 1e9, "24h": result.max_24h * 1e9}
    for name, values in ours.items():
        stats = compare(read_plot(name, deck), values, deck.receptors.x, deck.receptors.y)
        assert stats["fac2"] >= 0.95 and abs(stats["fb"]) <= 0.1 and stats["r"] >= 0.9, (name, stats)
        assert abs(stats["max_ratio"] - 1.0) <= 0.1 and stats["max_distance_m"] <= 250.0, (name, stats)


LEVEL_GRIDS = (np.array([0.0, 0.5, 1.0, 2.0, 4.0, 8.0, 14.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0, 100.0,
                         120.0, 140.0, 160.0, 180.0, 200.0, 250.0, 300.0, 350.0, 400.0, 450.0, 500.0, 4900.0, 5000.0]),
               np.array([0.0, 0.3, 7.0, 7.1, 155.0, 1000.0, 3333.3]))


@settings(max_examples=300, deadline=None)
@given(grid=st.sampled_from(range(len(LEVEL_GRIDS))), z=st.floats(-10.0, 6000.0))
@example(grid=0, z=0.5)
@example(grid=0, z=4900.0)
@example(grid=1, z=7.1)
@example(grid=1, z=7.0999999999)
def test_the_level_buckets_give_the_binary_search_index(grid, z):
    """_aermod_physics.level_of: the k with heights[k] ≤ z < heights[k+1], clipped to [0, Z − 2], from the buckets of
    dispersion.aermod.weather_levels — on a grid, at its levels and just below them."""
    from dispersion._aermod_physics import Hour, level_of

    heights = LEVEL_GRIDS[grid]
    levels = A.weather_levels(heights)
    rows = np.zeros((heights.size, 5))
    hour = Hour(heights, rows, rows, rows, True, 0.3, 0.0, 50.0, 300.0, 300.0, 3.0, 0.3, 290.0, 0.005, False, 0.0,
                levels["levels"], levels["level_scale"])
    expected = int(np.clip(np.searchsorted(heights, z, side="right") - 1, 0, heights.size - 2))
    assert level_of(hour, z) == expected


def mixed_sources() -> StackSet:
    """Three stacks (the first beside a building: PRIME), a volume source and a rectangular area source."""
    n = 5
    vertices = np.full((n, 4, 2), np.nan)
    vertices[4] = [[200.0, -100.0], [200.0, -60.0], [260.0, -60.0], [260.0, -100.0]]
    buildings = np.zeros((n, 36, 5))
    buildings[0, :, :3] = (25.0, 40.0, 30.0)  # H, W, L [m] in every sector, centred on the stack
    nan = np.nan
    return StackSet(ids=("S0", "S1", "S2", "V", "A"), x=np.array([0.0, -250.0, 300.0, -100.0, 230.0]),
                    y=np.array([0.0, 150.0, 200.0, -200.0, -80.0]), base_elevation=np.zeros(n),
                    height=np.array([30.0, 60.0, 45.0, 8.0, 2.0]), inner_diameter=np.array([1.0, 2.0, 1.5, nan, nan]),
                    exit_velocity=np.array([8.0, 15.0, 12.0, nan, nan]),
                    exit_temperature=np.array([360.0, 420.0, 390.0, nan, nan]),
                    release=np.array([0, 0, 1, 3, 4]), buildings=buildings,
                    initial_sigma_y=np.array([0.0, 0.0, 0.0, 4.0, 0.0]),
                    initial_sigma_z=np.array([0.0, 0.0, 0.0, 3.0, 1.0]), area_vertices=vertices)


@pytest.mark.parametrize("tabulate", [True, False])
def test_each_sources_response_is_its_own_run_and_the_field_is_unchanged(tabulate):
    """aermod_hours_and_responses keeps each source's own C/Q × weight at the tracked receptors from the run of the
    whole field (the tables built once a stack-hour): equal to the source run alone, with PRIME, a volume and an area
    source; the field itself equal to the run without responses; a source with a weight but no emission in an hour is
    run for its response and adds nothing; a weight of 0 gives none. The same on one thread or two."""
    import numba

    src = mixed_sources()
    rec = receptors_grid(250.0, 1500.0)
    hours = [make_hour(length=-60.0, direction=200.0), make_hour(length=80.0, speed=2.5, direction=30.0),
             make_hour(length=-400.0, zi=500.0, direction=110.0)]
    weather = weather_of(hours)
    rng = np.random.default_rng(3)
    rates = rng.uniform(0.2, 2.0, (2, 3, 5))
    rates[:, 1, 2] = 0.0  # S2 emits nothing in the second hour ...
    weights = rng.uniform(0.5, 1.5, (3, 5))
    weights[2, 1] = 0.0  # ... and S1 has no weight in the third
    tracked = np.array([3, 40, 77, 100, 168])
    kernel = dict(tabulate=tabulate)
    field, responses = A.aermod_hours_and_responses(src, rec, weather, rates, tracked=tracked, weights=weights,
                                                    **kernel)
    np.testing.assert_allclose(field, A.aermod_hours(src, rec, weather, rates, **kernel), rtol=1e-13, atol=1e-30)
    for s in range(5):
        alone = A.aermod_hours(src, rec, weather, np.where(np.arange(5) == s, 1.0, 0.0)[None, :].repeat(3, 0),
                               **kernel)
        np.testing.assert_allclose(responses[:, s], weights[:, [s]] * alone[:, tracked], rtol=1e-13, atol=1e-30)
    assert responses[1, 2].max() > 0.0 and responses[2, 1].max() == 0.0
    assert all(responses[:, s].max() > 0.0 for s in range(5))
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = A.aermod_hours_and_responses(src, rec, weather, rates, tracked=tracked, weights=weights, **kernel)
    finally:
        numba.set_num_threads(before)
    serial = A.aermod_hours_and_responses(src, rec, weather, rates, tracked=tracked, weights=weights,
                                          parallel=False, **kernel)
    for other in (one, serial):
        assert np.array_equal(other[0], field) and np.array_equal(other[1], responses)
