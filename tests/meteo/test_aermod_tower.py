"""AERMOD's profiles through a site tower's levels (meteo.aermod_tower): the gridding rules by hand, properties, and
the one-level case equal to the similarity profiles of meteo.aermod_profiles."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from meteo.aermod_tower import EXACT_LEVEL_TOLERANCE, grid_direction, grid_through_levels, observed_gradients, tower_theta_star

Z = np.array([0.0, 5.0, 10.0, 50.0, 100.0, 150.0])
NAN = np.nan


def _linear_reference(z):
    """A reference profile v_ref(z) = 1 + z/10 (any hour)."""
    return 1.0 + np.asarray(z) / 10.0


def test_levels_are_taken_interpolated_through_the_reference_and_extended_by_ratio():
    heights = np.array([[10.05, 30.0, 100.0]])
    values = np.array([[4.0, NAN, 8.0]])  # the 30 m level is missing and skipped
    fallback = np.full((1, Z.size), -1.0)
    grid = grid_through_levels(Z, heights, values, _linear_reference, fallback)[0]
    ref = _linear_reference
    assert grid[2] == 4.0  # 10 m is within 0.1 m of the 10.05 m level: taken as is
    assert grid[4] == 8.0
    # 50 m, between 10.05 and 100 m: I(v) · v_ref(50) / I(v_ref)
    t = (50.0 - 10.05) / (100.0 - 10.05)
    expected = (4.0 + t * 4.0) * ref(50.0) / (ref(10.05) + t * (ref(100.0) - ref(10.05)))
    assert grid[3] == pytest.approx(expected, rel=1e-14)
    # below the lowest and above the highest level: the ratio to the reference from that level
    assert grid[1] == pytest.approx(4.0 * ref(5.0) / ref(10.05), rel=1e-14)
    assert grid[5] == pytest.approx(8.0 * ref(150.0) / ref(100.0), rel=1e-14)
    # an hour without a valid level takes the fallback
    empty = grid_through_levels(Z, heights, np.full((1, 3), NAN), _linear_reference, fallback)[0]
    np.testing.assert_array_equal(empty, fallback[0])


@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.floats(0.1, 30.0), min_size=3, max_size=3),
       tops=st.floats(20.0, 140.0))
@example(values=[1.0, 2.0, 1.0], tops=93.125)  # the middle level at 50.0625 m, within 0.1 m of the 50 m grid height
def test_with_a_constant_reference_the_grid_is_the_piecewise_linear_observation(values, tops):
    heights = np.array([[7.0, 0.5 * (7.0 + tops), tops]])
    observed = np.array([values])
    grid = grid_through_levels(Z, heights, observed, lambda z: np.ones_like(z), np.zeros((1, Z.size)))[0]
    expected = np.interp(Z, heights[0], observed[0])  # np.interp holds the end values, as the ratio 1 does
    # a grid height within EXACT_LEVEL_TOLERANCE of a level takes that level's value (AERMOD GRDWS)
    near = np.abs(Z[:, None] - heights[0][None, :]) <= EXACT_LEVEL_TOLERANCE
    expected = np.where(near.any(axis=1), observed[0][near.argmax(axis=1)], expected)
    np.testing.assert_allclose(grid, expected, rtol=1e-12)
    assert grid.min() >= min(values) - 1e-12 and grid.max() <= max(values) + 1e-12


def test_direction_turns_through_the_smaller_angle_and_holds_beyond_the_levels():
    heights = np.array([[10.0, 50.0], [10.0, 50.0], [10.0, 50.0]])
    directions = np.array([[350.0, 30.0], [30.0, 350.0], [NAN, NAN]])
    grid = grid_direction(Z, heights, directions, np.array([200.0, 200.0, 720.0]))
    # hour 0 at 10 m 350°, at 50 m 30° (through north): 5 m holds 350, 100 m holds 30
    assert grid[0, 1] == 350.0 and grid[0, 4] == 30.0 and grid[0, 2] == 350.0 and grid[0, 3] == 30.0
    heights2 = np.array([[0.0, 100.0]])
    middle = grid_direction(np.array([50.0]), heights2, np.array([[350.0, 30.0]]), np.array([0.0]))
    assert middle[0, 0] == pytest.approx(10.0)  # 350 → 390 halfway is 370, kept in (0, 360]
    back = grid_direction(np.array([50.0]), heights2, np.array([[30.0, 350.0]]), np.array([0.0]))
    assert back[0, 0] == pytest.approx(10.0)
    np.testing.assert_array_equal(grid[2], 360.0)  # no level: the SFC direction, 720 → kept in (0, 360]


def test_observed_gradients_pair_consecutive_valid_levels():
    heights = np.array([[2.0, 10.0, 50.0, 100.0]])
    temperature = np.array([[280.0, NAN, 281.0, 280.5]])  # the 10 m level is missing
    middle, gradient = observed_gradients(heights, temperature, stable=np.array([True]))
    assert middle[0, 0] == 26.0 and middle[0, 1] == 75.0 and np.isnan(middle[0, 2])
    assert gradient[0, 0] == pytest.approx(1.0 / 48.0 + 0.00977)
    assert gradient[0, 1] == pytest.approx(0.002)  # −0.01 + g/cp < 0.002: floored in a stable hour
    _, convective = observed_gradients(heights, temperature, stable=np.array([False]))
    assert convective[0, 1] == pytest.approx(-0.5 / 50.0 + 0.00977)


def test_theta_star_from_the_first_observed_gradient_above_z0_up_to_100_m():
    middle = np.array([[26.0, 75.0], [0.05, 60.0], [150.0, NAN]])
    gradient = np.array([[0.03, 0.02], [0.1, 0.02], [0.03, NAN]])
    theta = tower_theta_star(middle, gradient, roughness_length=np.array([0.1, 0.1, 0.1]),
                             obukhov_length=np.array([50.0, 50.0, 50.0]), stable=np.array([True, True, True]))
    assert theta[0] == pytest.approx(0.03 * 0.4 * 26.0 / (1.0 + 5.0 * 26.0 / 50.0))
    assert theta[1] == pytest.approx(0.02 * 0.4 * 60.0 / (1.0 + 5.0 * 60.0 / 50.0))  # 0.05 m is below z0
    assert np.isnan(theta[2])  # above 100 m: the similarity θ*


def test_one_level_hours_of_a_tower_equal_the_similarity_profiles(tmp_path):
    """The reference PFL (one 7 m level) with a second level in one hour is a tower file: its other hours through
    the tower path equal the profiles of aermod_profiles, which AERMOD's own outputs validate
    (tests/dispersion/test_aermod_kernel.py); the hour with two levels differs."""
    from meteo import read_aermet
    from meteo.aermod_profiles import aermod_profiles
    from meteo.aermod_tower import tower_profiles
    from tests.aermod_reference import REFERENCE

    sfc, pfl = REFERENCE / "ANCH-99_ADJU.SFC", REFERENCE / "ANCH-99_ADJU.PFL"
    lines = pfl.read_text().splitlines()
    fields = lines[5].split()
    second = " ".join(fields[:4] + ["100.0", "1", "200.0", "9.00", "-12.00", "99.00", "99.00"])
    lines[5] = " ".join(fields[:5] + ["0"] + fields[6:])
    (tmp_path / "TOWER.PFL").write_text("\n".join(lines[:6] + [second] + lines[6:]) + "\n")
    hours = slice(0, 1500)
    met = read_aermet(sfc, pfl, utc_offset_hours=-9.0, fill_missing=True).isel(time=hours)
    tower = read_aermet(sfc, tmp_path / "TOWER.PFL", utc_offset_hours=-9.0, fill_missing=True).isel(time=hours)
    assert tower.attrs["aermet_profile_most_wind_levels"] == 2 and "profile_height" in tower
    one, through = aermod_profiles(met), tower_profiles(tower)
    observed = met["aermet_hour_flag"].values == 0
    assert observed[5]
    others = observed & (np.arange(observed.size) != 5)
    for name in ("wind_speed", "sigma_v", "sigma_w", "potential_temperature_gradient", "potential_temperature"):
        np.testing.assert_allclose(getattr(through, name)[others], getattr(one, name)[others], rtol=1e-12,
                                   err_msg=name)
    direction = through.wind_from_direction[others]
    np.testing.assert_array_equal(direction.max(axis=1), direction.min(axis=1))  # one level: no veering
    assert through.wind_speed[5, 15] != one.wind_speed[5, 15]  # 100 m: the second level's 9 m/s
    assert through.wind_speed[5, 15] == 9.0 and through.wind_from_direction[5, 15] == 200.0
