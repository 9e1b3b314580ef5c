"""AERMOD's boundary-layer profiles (meteo/aermod_profiles.py): limits and continuity that follow from the
formulas (EPA-454/R-03-004 §4.1), and the grid helpers."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from meteo.aermod_profiles import (
    AERMOD_GRID_HEIGHTS,
    AERMOD_G_OVER_CP,
    AERMOD_VON_KARMAN,
    interpolate_profile,
    layer_average,
    potential_temperature_gradient_profile,
    potential_temperature_profile,
    psi_m_stable,
    psi_m_unstable,
    sigma_v_profile,
    sigma_w_profile,
    similarity_wind_speed,
    wind_speed_profile,
)

Z = AERMOD_GRID_HEIGHTS


def test_grid_is_aermods_87_levels():
    assert Z.size == 87 and Z[0] == 0.0 and Z[-1] == 5000.0 and np.all(np.diff(Z) > 0)


def test_neutral_limit_is_the_log_law():
    # |L| → ∞: ψm → 0 on both sides, u = (u*/κ) ln(z/z0) (analytic)
    z = np.array([2.0, 10.0, 50.0, 200.0])
    for length in (1e10, -1e10):
        u = similarity_wind_speed(z, 0.4, length, 0.1)
        np.testing.assert_allclose(u, 0.4 / AERMOD_VON_KARMAN * np.log(z / 0.1), rtol=1e-5)


def test_psi_functions_vanish_at_zero_and_have_the_right_sign():
    assert psi_m_unstable(0.0, -50.0) == pytest.approx(0.0, abs=1e-12)
    assert psi_m_stable(0.0, 50.0) == pytest.approx(0.0, abs=1e-12)
    assert psi_m_unstable(100.0, -50.0) > 0.0  # unstable: wind grows more slowly than the log law
    assert psi_m_stable(100.0, 50.0) < 0.0  # stable: faster


@settings(max_examples=50, deadline=None)
@given(ustar=st.floats(0.05, 1.0), length=st.sampled_from([-500.0, -20.0, 20.0, 500.0]),
       z0=st.floats(0.01, 0.5), speed=st.floats(0.5, 15.0), zi=st.floats(50.0, 3000.0))
def test_wind_profile_matches_the_observation_and_is_continuous(ustar, length, z0, speed, zi):
    zref = 10.0
    args = dict(reference_wind_speed=[speed], reference_height=[zref], friction_velocity=[ustar],
                obukhov_length=[length], roughness_length=[z0], mixing_height=[zi])
    at_ref = wind_speed_profile(np.array([zref]), **args)[0, 0]
    assert at_ref == pytest.approx(speed, rel=1e-9)
    # continuity at 7 z0 (linear part meets the log part) and at zi (constant above)
    for edge in (7.0 * z0, zi):
        below, above = wind_speed_profile(np.array([edge * (1 - 1e-7), edge * (1 + 1e-7)]), **args)[0]
        assert below == pytest.approx(above, rel=1e-5)
    profile = wind_speed_profile(Z, **args)[0]
    assert np.all(profile >= 0.01) and np.all(np.isfinite(profile))


def test_sigma_w_tends_to_1_3_ustar_at_the_ground_when_not_convective():
    # MFD Eq. 37: σwml = 1.3 u* (1 − z/zi)^½ → 1.3 u* at z = 0; the residual part vanishes there
    sw = sigma_w_profile(np.array([0.0, 1.0]), friction_velocity=[0.3], convective_velocity_scale=[np.nan],
                         convective_mixing_height=[np.nan], mixing_height=[800.0],
                         wind_speed_at_mixing_height=[8.0], convective=[False])[0]
    assert sw[0] == pytest.approx(1.3 * 0.3, rel=1e-12)
    assert sw[1] == pytest.approx(np.hypot(1.3 * 0.3 * np.sqrt(1 - 1 / 800), 0.02 * 8.0 / 800), rel=1e-12)


def test_sigma_w_convective_parts():
    ws, zic = 2.0, 1000.0
    sw = sigma_w_profile(np.array([50.0, 500.0, 1500.0]), friction_velocity=[0.3], convective_velocity_scale=[ws],
                         convective_mixing_height=[zic], mixing_height=[zic], wind_speed_at_mixing_height=[5.0],
                         convective=[True])[0]
    mech = lambda z: np.hypot(0.02 * 5.0 * min(1, z / zic), 1.3 * 0.3 * np.sqrt(max(1 - z / zic, 0)))  # noqa: E731
    assert sw[0] == pytest.approx(np.sqrt(1.6 * (0.05) ** (2 / 3) * ws ** 2 + mech(50.0) ** 2), rel=1e-12)
    assert sw[1] == pytest.approx(np.sqrt(0.35 * ws ** 2 + mech(500.0) ** 2), rel=1e-12)
    assert sw[2] == pytest.approx(np.sqrt(0.35 * ws ** 2 * np.exp(-3.0) + mech(1500.0) ** 2), rel=1e-12)


def test_sigma_v_surface_values_and_residual():
    # σvm² = 3.6 u*² at the ground (MFD Eq. 39), min(3.6 u*², 0.25) at and above zim (Eq. 40); + 0.35 w*² (CBL)
    sv = sigma_v_profile(np.array([0.0, 400.0, 2000.0]), friction_velocity=[0.5, 0.5],
                         convective_velocity_scale=[np.nan, 1.5], convective_mixing_height=[np.nan, 1000.0],
                         mechanical_mixing_height=[400.0, 400.0], convective=[False, True])
    assert sv[0, 0] == pytest.approx(np.sqrt(3.6) * 0.5)
    assert sv[0, 1] == pytest.approx(0.5) and sv[0, 2] == pytest.approx(0.5)
    assert sv[1, 0] == pytest.approx(np.sqrt(3.6 * 0.25 + 0.35 * 2.25))
    assert sv[1, 2] == pytest.approx(np.sqrt(0.25 + 0.25))


def test_potential_temperature_profiles():
    gradient = potential_temperature_gradient_profile(
        Z, friction_velocity=[0.2, 0.4], obukhov_length=[50.0, -100.0], air_temperature=[270.0, 290.0],
        mixing_height=[200.0, 1000.0], gradient_above_mixing_height=[np.nan, 0.01], adjusted_ustar=True)
    assert np.all(gradient[0] >= 0.002)
    assert np.all(gradient[1][Z <= 1000.0] == 0.0)
    assert np.all(gradient[1][(Z > 1000.0) & (Z <= 1500.0)] == 0.01)
    assert np.all(gradient[1][Z > 1500.0] == 0.005)
    theta = potential_temperature_profile(Z, gradient, air_temperature=[270.0, 290.0], temperature_height=[2.0, 2.0])
    k = int(np.flatnonzero(Z == 2.0)[0])
    np.testing.assert_allclose(theta[:, k], [270.0 + AERMOD_G_OVER_CP * 2, 290.0 + AERMOD_G_OVER_CP * 2])
    np.testing.assert_allclose(np.diff(theta[1]), 0.5 * (gradient[1, 1:] + gradient[1, :-1]) * np.diff(Z))


def test_layer_average_of_a_linear_profile_is_its_midpoint_value():
    profile = 3.0 + 0.01 * Z
    bottom, top = np.array([0.5, 10.0, 333.0]), np.array([0.9, 250.0, 4444.0])
    np.testing.assert_allclose(layer_average(Z, profile, bottom, top), 3.0 + 0.01 * 0.5 * (bottom + top))
    np.testing.assert_allclose(interpolate_profile(Z, profile, Z), profile)
