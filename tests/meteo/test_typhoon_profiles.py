"""Holland (1980) and Holland et al. (2010) radial profiles and parameter estimates (meteo.typhoon).

No published worked example with numbers (a table of V(r) for given Δp, R_max, B) was found with the search tools,
so the reference values below are analytic: the cyclostrophic peak V_m = sqrt(B Δp / (ρ e)) at r = R_max
(Holland 1980), gradient-wind balance between Eq. 2 (pressure) and Eq. 3 (wind), and the fitted formulas evaluated
by hand.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from meteo.typhoon import (
    AIR_DENSITY_HOLLAND_1980,
    coriolis_parameter,
    holland_1980,
    holland_1980_pressure,
    holland_2008_bs,
    holland_2010,
    holland_2010_xn,
    holland_b_from_vmax,
    holland_vmax_cyclostrophic,
    rmax_willoughby_2006,
)
from twin.errors import InputError

RHO = AIR_DENSITY_HOLLAND_1980


@pytest.mark.parametrize("rmax, b", [(20e3, 1.0), (30e3, 1.5), (60e3, 2.2)])
def test_cyclostrophic_peak_at_rmax_with_analytic_value(rmax, b):
    # Holland (1980): with f = 0 the maximum of Eq. 4 is at r = A^(1/B) = R_max and equals sqrt(B Δp / (ρ e)).
    dp = 7000.0
    step = 50.0
    radius = np.arange(0.0, 400e3 + step, step)
    speed = holland_1980(radius, dp, rmax, b)
    assert abs(radius[np.argmax(speed)] - rmax) <= step
    expected = math.sqrt(b * dp / (RHO * math.e))  # analytic, Holland (1980)
    assert speed.max() == pytest.approx(expected, rel=1e-6)
    assert holland_1980(rmax, dp, rmax, b) == pytest.approx(expected, rel=1e-12)
    assert holland_vmax_cyclostrophic(dp, b) == pytest.approx(expected, rel=1e-12)


def test_cyclostrophic_peak_hand_value():
    # Hand calculation: B = 1.5, Δp = 60 hPa, ρ = 1.15: sqrt(1.5 * 6000 / (1.15 * 2.718281828)) = 53.657 m/s.
    assert holland_vmax_cyclostrophic(6000.0, 1.5) == pytest.approx(53.657, abs=5e-4)


@pytest.mark.parametrize("latitude", [10.0, 25.0, 40.0])
def test_gradient_peak_near_rmax_with_coriolis(latitude):
    # With f > 0 the gradient-wind maximum moves slightly inside R_max: within 1 km (the grid step) for R_max = 30 km
    # and within 3 % in general for typhoon-sized vortices; the peak is below the cyclostrophic value.
    f = coriolis_parameter(latitude)
    step = 1000.0
    radius = np.arange(0.0, 400e3 + step, step)
    speed = holland_1980(radius, 6000.0, 30e3, 1.5, coriolis=f)
    assert abs(radius[np.argmax(speed)] - 30e3) <= step
    assert speed.max() < holland_vmax_cyclostrophic(6000.0, 1.5)


def test_gradient_wind_balances_the_holland_pressure_profile():
    # Gradient-wind balance V²/r + f V = (1/ρ) dp/dr ties Eq. 3 to Eq. 2: check it with a centred difference of p.
    dp, rmax, b, f = 8000.0, 35e3, 1.4, coriolis_parameter(22.0)
    radius = np.linspace(5e3, 300e3, 60)
    h = 1.0
    dpdr = (holland_1980_pressure(radius + h, 95000.0, dp, rmax, b)
            - holland_1980_pressure(radius - h, 95000.0, dp, rmax, b)) / (2 * h)
    v = holland_1980(radius, dp, rmax, b, coriolis=f)
    np.testing.assert_allclose(v**2 / radius + f * v, dpdr / RHO, rtol=1e-5)


def test_pressure_profile_limits():
    pc, dp = 92000.0, 9000.0
    assert holland_1980_pressure(0.0, pc, dp, 25e3, 1.6) == pc
    assert holland_1980_pressure(25e3, pc, dp, 25e3, 1.6) == pytest.approx(pc + dp / math.e)
    assert holland_1980_pressure(1e9, pc, dp, 25e3, 1.6) == pytest.approx(pc + dp, abs=1e-2)


def test_profile_is_continuous_across_rmax():
    rmax = 30e3
    eps = 1e-3  # 1 mm either side
    for f in (0.0, coriolis_parameter(30.0)):
        inside, outside = holland_1980(np.array([rmax - eps, rmax + eps]), 6000.0, rmax, 1.5, coriolis=f)
        assert abs(inside - outside) < 1e-6
    inside, outside = holland_2010(np.array([rmax - eps, rmax + eps]), 50.0, rmax, 1.4, xn=0.8, rn=300e3)
    assert abs(inside - outside) < 1e-6


def test_b_from_vmax_inverts_the_peak():
    # Holland (1980): B = ρ e V_m² / Δp is the inverse of V_m = sqrt(B Δp / (ρ e)).
    b = holland_b_from_vmax(55.0, 7000.0)
    assert holland_vmax_cyclostrophic(7000.0, b) == pytest.approx(55.0, rel=1e-12)
    assert b == pytest.approx(1.15 * math.e * 55.0**2 / 7000.0)


def test_holland_2010_peak_and_outer_fit():
    rmax, vm, bs = 30e3, 50.0, 1.4
    radius = np.arange(0.0, 400e3 + 100.0, 100.0)
    speed = holland_2010(radius, vm, rmax, bs, xn=0.7, rn=300e3)
    assert radius[np.argmax(speed)] == pytest.approx(rmax, abs=100.0)
    assert speed.max() == pytest.approx(vm, rel=1e-12)  # v(R_m) = v_m by construction
    xn = holland_2010_xn(vm, rmax, bs, 17.0, 300e3)
    assert holland_2010(300e3, vm, rmax, bs, xn=xn, rn=300e3) == pytest.approx(17.0, rel=1e-12)
    # x_n = 0.5 reproduces the Holland (1980) cyclostrophic shape scaled to v_m.
    h80 = holland_1980(radius, 6000.0, rmax, bs)
    np.testing.assert_allclose(holland_2010(radius, h80.max(), rmax, bs), h80, rtol=1e-10, atol=1e-12)


def test_holland_2008_bs_hand_value():
    # Δp = 50 hPa, φ = 20°, v_t = 5 m/s, no tendency: x = 0.6 (1 − 50/215) = 0.46047;
    # 5^0.46047 = 2.0982; b_s = −4.4e-5·2500 + 0.5 − 0.28 + 0.15·2.0982 + 1 = 1.4247 (hand calculation).
    assert holland_2008_bs(5000.0, 20.0, 5.0) == pytest.approx(1.4247, abs=1e-4)
    # A deepening centre (−2 hPa/h = −200 Pa / 3600 s) lowers b_s by 0.03·2 = 0.06.
    assert holland_2008_bs(5000.0, 20.0, 5.0, -200.0 / 3600.0) == pytest.approx(1.4247 - 0.06, abs=1e-4)


def test_rmax_willoughby_2006_eq_7a_hand_value():
    # Eq. 7a: 46.4 exp(−0.0155·40 + 0.0169·25) km = 46.4 exp(−0.1975) = 38.08 km.
    assert rmax_willoughby_2006(40.0, 25.0) == pytest.approx(38.08e3, rel=1e-3)
    assert rmax_willoughby_2006(60.0, 25.0) < rmax_willoughby_2006(40.0, 25.0)


def test_bad_inputs_name_the_argument():
    with pytest.raises(InputError, match="holland_1980: rmax must be > 0 m"):
        holland_1980(1000.0, 5000.0, -1.0, 1.5)
    with pytest.raises(InputError, match="pressure_deficit"):
        holland_1980(1000.0, 0.0, 30e3, 1.5)
    with pytest.raises(InputError, match="radius must be >= 0 m"):
        holland_1980(-5.0, 5000.0, 30e3, 1.5)
    with pytest.raises(InputError, match="rn must be a radius > rmax"):
        holland_2010(1000.0, 50.0, 30e3, 1.4, xn=0.8)


@settings(max_examples=60, deadline=None)
@given(
    dp=st.floats(500.0, 12000.0),
    rmax=st.floats(8e3, 120e3),
    b=st.floats(0.8, 2.5),
    latitude=st.floats(0.0, 45.0),
    radius=st.floats(0.0, 2e6),
)
def test_speed_non_negative_and_bounded(dp, rmax, b, latitude, radius):
    v = holland_1980(radius, dp, rmax, b, coriolis=coriolis_parameter(latitude))
    assert 0.0 <= v <= holland_vmax_cyclostrophic(dp, b) * (1 + 1e-12)


@settings(max_examples=40, deadline=None)
@given(dp=st.floats(500.0, 12000.0), rmax=st.floats(8e3, 120e3), b=st.floats(1.0, 2.5))
def test_decays_to_near_zero_far_away(dp, rmax, b):
    # Cyclostrophic (f = 0): V/V_m = sqrt(e x exp(−x)), x = (R_m/r)^B (Holland 1980 Eq. 4 over its peak), which at
    # r = 100 R_m is at most sqrt(e/100) = 0.165 (B = 1). With f (20°N) the gradient wind dies out: below 5 % of
    # V_m at 10 000 km even for the widest, weakest-B vortex drawn here.
    far = 100.0 * rmax
    ratio = holland_1980(far, dp, rmax, b) / holland_vmax_cyclostrophic(dp, b)
    x = (1.0 / 100.0) ** b
    assert ratio == pytest.approx(math.sqrt(math.e * x * math.exp(-x)), rel=1e-9)
    assert ratio < 0.17
    f = coriolis_parameter(20.0)
    assert holland_1980(1e7, dp, rmax, b, coriolis=f) < 0.05 * holland_vmax_cyclostrophic(dp, b)
    radii = np.linspace(rmax, 3e6, 200)
    assert np.all(np.diff(holland_1980(radii, dp, rmax, b, coriolis=f)) < 0)  # monotone decay outside R_max


@settings(max_examples=40, deadline=None)
@given(dp=st.floats(500.0, 6000.0), factor=st.floats(1.1, 4.0), rmax=st.floats(8e3, 120e3),
       b=st.floats(0.8, 2.5), radius=st.floats(1.0, 1e6))
def test_cyclostrophic_speed_scales_with_sqrt_pressure_deficit(dp, factor, rmax, b, radius):
    v1 = holland_1980(radius, dp, rmax, b)
    v2 = holland_1980(radius, dp * factor, rmax, b)
    assert v2 == pytest.approx(v1 * math.sqrt(factor), rel=1e-9, abs=1e-300)
