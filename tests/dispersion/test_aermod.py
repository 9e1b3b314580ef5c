"""The NumPy oracle of ParkTwin's AERMOD (tests/dispersion/aermod_oracle.py, aermod_rise_oracle.py): analytic limits
and hypothesis properties of one hour. The kernels against this oracle and the AERMOD v24142 reference deck
(tests/data/aermod, README there): tests/dispersion/test_aermod_kernel.py."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dispersion.plume import ReceptorSet, StackSet
from meteo.aermod_profiles import (
    AERMOD_GRID_HEIGHTS,
    potential_temperature_gradient_profile,
    potential_temperature_profile,
    sigma_v_profile,
    sigma_w_profile,
    wind_speed_profile,
)
from tests.dispersion import aermod_rise_oracle as rise
from tests.dispersion.aermod_oracle import AermodHour, _vertical_convective, _vertical_stable
from tests.dispersion.aermod_oracle_hours import hour_concentration

Z = AERMOD_GRID_HEIGHTS


def make_hour(*, ustar=0.4, length=-100.0, wstar=1.5, zi=1000.0, zim=600.0, speed=5.0, direction=270.0,
              z0=0.1, temperature=290.0) -> AermodHour:
    """An hour built from the profile functions (convective when ``length`` < 0)."""
    convective = length < 0.0
    one = lambda v: np.array([v], dtype=float)  # noqa: E731
    wind = wind_speed_profile(Z, reference_wind_speed=one(speed), reference_height=one(10.0),
                              friction_velocity=one(ustar), obukhov_length=one(length), roughness_length=one(z0),
                              mixing_height=one(zi))[0]
    u_zi = float(np.interp(zi, Z, wind))
    sv = sigma_v_profile(Z, friction_velocity=one(ustar), convective_velocity_scale=one(wstar),
                         convective_mixing_height=one(zi), mechanical_mixing_height=one(zim),
                         convective=np.array([convective]))[0]
    sw = sigma_w_profile(Z, friction_velocity=one(ustar), convective_velocity_scale=one(wstar),
                         convective_mixing_height=one(zi), mixing_height=one(zi), wind_speed_at_mixing_height=one(u_zi),
                         convective=np.array([convective]))[0]
    gradient = potential_temperature_gradient_profile(
        Z, friction_velocity=one(ustar), obukhov_length=one(length), air_temperature=one(temperature),
        mixing_height=one(zi), gradient_above_mixing_height=one(0.01), adjusted_ustar=False)
    theta = potential_temperature_profile(Z, gradient, air_temperature=one(temperature), temperature_height=one(2.0))
    below = Z <= zi
    mean = lambda p: float(np.trapezoid(np.interp(np.append(Z[below], zi), Z, p), np.append(Z[below], zi)) / zi)  # noqa: E731
    return AermodHour(heights=Z, wind_speed=wind, sigma_v=sv, sigma_w=sw, gradient=gradient[0], theta=theta[0],
                      friction_velocity=ustar, convective_velocity_scale=wstar if convective else 0.0,
                      obukhov_length=length, mixing_height=zi, mechanical_mixing_height=zim, gradient_above_zi=0.01,
                      theta_at_zi=float(np.interp(zi, Z, theta[0])), mean_wind_speed=mean(wind), mean_sigma_w=mean(sw),
                      wind_from_direction_grid=direction)


def stacks(n=3, seed=0) -> StackSet:
    rng = np.random.default_rng(seed)
    return StackSet(ids=tuple(f"S{i}" for i in range(n)), x=rng.uniform(-300, 300, n), y=rng.uniform(-300, 300, n),
                    base_elevation=np.zeros(n), height=rng.uniform(15, 80, n), inner_diameter=rng.uniform(0.5, 2.5, n),
                    exit_velocity=rng.uniform(5, 20, n), exit_temperature=rng.uniform(300, 450, n))


def receptors_grid(spacing=200.0, half=2000.0) -> ReceptorSet:
    axis = np.arange(-half, half + spacing / 2, spacing)
    x, y = (a.ravel() for a in np.meshgrid(axis, axis))
    return ReceptorSet(x=x, y=y, height=np.zeros(x.size), ground_elevation=np.zeros(x.size))


# ---------------------------------------------------------------------------------------------------------------
# Analytic limits of the vertical terms
# ---------------------------------------------------------------------------------------------------------------

def test_stable_vertical_term_is_well_mixed_for_a_wide_plume():
    # Σ images with σz ≫ lid → 1/lid (the well-mixed limit of the stable F_z, MFD §5.3)
    lid = np.array([300.0])
    value = _vertical_stable(np.array([5000.0]), np.array([120.0]), lid)
    assert value[0] == pytest.approx(1.0 / lid[0], rel=1e-3)


def test_stable_vertical_term_near_source_is_the_reflected_gaussian():
    sz, he = np.array([20.0]), np.array([50.0])
    expected = 2.0 * np.exp(-0.5 * (50.0 / 20.0) ** 2) / (np.sqrt(2 * np.pi) * 20.0)
    assert _vertical_stable(sz, he, np.array([1000.0]))[0] == pytest.approx(expected, rel=1e-9)


def test_convective_vertical_terms_integrate_to_a_well_mixed_layer():
    # direct (images +2n zi, n ≥ 0) plus indirect (−2n zi, n ≥ 1) = all images of a reflected source: 1/zi far out
    zi = 800.0
    args = (np.array([300.0]), np.array([-150.0]), np.array([6000.0]), np.array([4000.0]), 0.4, 0.6, zi)
    total = _vertical_convective(*args, +1.0) + _vertical_convective(*args, -1.0)
    assert total[0] == pytest.approx(1.0 / zi, rel=1e-3)


def test_stable_rise_reaches_the_final_rise_at_xf():
    fb, fm, u, n = 50.0, 30.0, 3.0, 0.02
    xf = rise.stable_final_distance(fb, fm, u, n)
    final = 2.66 * (fb / (n * n * u)) ** (1 / 3)
    at_xf = rise.stable_rise(xf, fb, fm, u, n, release_height=30.0, friction_velocity=1e-3, final_rise=np.inf)
    # at x_f the bracket of Eq. 95 is 1 − cos + (N'Fm/Fb) sin; for N'Fm/Fb → 0 it is 2 (Eq. 97's 2.66·2^(1/3)/…)
    bracket = 0.7 * n * fm / fb * np.sin(0.7 * n * xf / u) + 1 - np.cos(0.7 * n * xf / u)
    assert at_xf == pytest.approx(final * bracket ** (1 / 3), rel=1e-12)
    assert bracket > 1.9


def test_penetration_fraction_limits():
    p, ratio = rise.penetration(np.array([1e-6, 1e5]), 5.0, mixing_height=500.0, release_height=50.0,
                                potential_temperature_at_zi=290.0, gradient_above_zi=0.01)
    assert p[0] == 0.0 and p[1] == 1.0


# ---------------------------------------------------------------------------------------------------------------
# One hour: hypothesis properties
# ---------------------------------------------------------------------------------------------------------------

HOURS = st.builds(
    make_hour,
    ustar=st.floats(0.05, 0.8), length=st.sampled_from([-10.0, -80.0, -500.0, 15.0, 80.0, 600.0]),
    wstar=st.floats(0.3, 2.5), zi=st.floats(60.0, 2500.0), zim=st.floats(40.0, 1500.0), speed=st.floats(0.5, 12.0),
    direction=st.floats(0.0, 360.0))


@settings(max_examples=25, deadline=None)
@given(hour=HOURS, scale=st.floats(0.01, 100.0))
def test_linear_in_emission_rate_and_non_negative(hour, scale):
    src, rec = stacks(), receptors_grid(400.0)
    rates = np.array([1.0, 0.3, 2.0])
    unit = hour_concentration(src, rec, hour)
    assert unit.shape == (3, rec.x.size)
    assert np.all(np.isfinite(unit)) and np.all(unit >= 0.0)
    np.testing.assert_allclose(hour_concentration(src, rec, hour, emission_rate=scale * rates), scale * (rates @ unit),
                               rtol=1e-12, atol=0)


@settings(max_examples=25, deadline=None)
@given(hour=HOURS)
def test_tabulated_path_matches_every_pair_evaluation(hour):
    # the tabulated path interpolates the same model in ln x: within 1 % of the hour's maximum
    src, rec = stacks(5, seed=1), receptors_grid(250.0, 2500.0)
    rates = np.linspace(0.5, 2.0, 5)
    exact = hour_concentration(src, rec, hour, emission_rate=rates)
    fast = hour_concentration(src, rec, hour, emission_rate=rates, tabulate=True)
    assert np.abs(fast - exact).max() <= 1e-2 * exact.max()


@settings(max_examples=25, deadline=None)
@given(hour=HOURS, downwind=st.floats(50.0, 3000.0), crosswind=st.floats(1.0, 800.0))
def test_symmetric_in_crosswind_distance(hour, downwind, crosswind):
    src = StackSet(ids=("S",), x=np.zeros(1), y=np.zeros(1), base_elevation=np.zeros(1), height=np.array([40.0]),
                   inner_diameter=np.array([1.5]), exit_velocity=np.array([12.0]), exit_temperature=np.array([400.0]))
    theta = np.deg2rad(hour.wind_from_direction_grid)
    along = -np.array([np.sin(theta), np.cos(theta)])  # the direction the wind blows to
    across = np.array([along[1], -along[0]])
    points = np.array([downwind * along + crosswind * across, downwind * along - crosswind * across])
    rec = ReceptorSet(x=points[:, 0], y=points[:, 1], height=np.zeros(2), ground_elevation=np.zeros(2))
    c = hour_concentration(src, rec, hour)[0]
    assert c[0] == pytest.approx(c[1], rel=1e-9, abs=1e-30)


def test_convective_ground_concentration_integrates_to_the_emission():
    # Far downwind in a CBL the coherent plume is well mixed: ∫ C dy ≈ Q/(ũ zi) with ũ the effective wind.
    # Random-plume weight is made negligible by a strong wind (f_r ≈ 2σv²/ũ²) and the crosswind integral is taken
    # on a line of receptors; the direct, indirect and penetrated sources together must carry the mass.
    hour = make_hour(ustar=0.6, length=-300.0, wstar=1.0, zi=600.0, zim=600.0, speed=12.0, direction=270.0)
    src = StackSet(ids=("S",), x=np.zeros(1), y=np.zeros(1), base_elevation=np.zeros(1), height=np.array([20.0]),
                   inner_diameter=np.array([0.5]), exit_velocity=np.array([5.0]), exit_temperature=np.array([300.0]))
    x = 15000.0
    y = np.linspace(-6000.0, 6000.0, 2401)
    rec = ReceptorSet(x=np.full(y.size, x), y=y, height=np.zeros(y.size), ground_elevation=np.zeros(y.size))
    c = hour_concentration(src, rec, hour)[0]
    integral = np.trapezoid(c, y)
    u_mixed = hour.mean_wind_speed
    assert integral * u_mixed * hour.mixing_height == pytest.approx(1.0, rel=0.25)
