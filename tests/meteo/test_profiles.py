"""Wind power law (ISC3), GB/T 3840-91 mixing height and the EPA calm threshold."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from meteo.profiles import (
    ISC3_WIND_PROFILE_EXPONENTS,
    apply_calm_threshold,
    mixing_height_gb3840,
    wind_speed_power_law,
)
from twin.errors import InputError

# ISC3 Vol. II §1.1.3 / EPA-454/R-99-005 §6.2.5 default exponents, as published.
PUBLISHED_EXPONENTS = {
    "rural": {"A": 0.07, "B": 0.07, "C": 0.10, "D": 0.15, "E": 0.35, "F": 0.55},
    "urban": {"A": 0.15, "B": 0.15, "C": 0.20, "D": 0.25, "E": 0.30, "F": 0.30},
}


@pytest.mark.parametrize("land_use", ["rural", "urban"])
@pytest.mark.parametrize("code, label", list(enumerate("ABCDEF")))
def test_exponent_table_and_power_law_at_100_m(land_use, code, label):
    p = PUBLISHED_EXPONENTS[land_use][label]
    assert ISC3_WIND_PROFILE_EXPONENTS[land_use][code] == p
    # Analytic: u(100 m) = u10 · 10^p.
    assert wind_speed_power_law(3.0, 100.0, code, land_use) == pytest.approx(3.0 * 10.0**p, rel=1e-12)


def test_below_10_m_isc3_uses_the_anemometer_speed():
    # ISC3 WSADJ: stack height < 10 m and anemometer at 10 m → u_ref unchanged (wind constant below 10 m).
    assert wind_speed_power_law(4.0, 3.0, 5, "rural") == 4.0
    # Anemometer above 10 m: the profile is evaluated at 10 m.
    assert wind_speed_power_law(4.0, 3.0, 5, "rural", reference_height=20.0) == pytest.approx(
        4.0 * (10.0 / 20.0) ** 0.55)
    # Anemometer below 10 m (6 m), stack below 10 m: measured speed used.
    assert wind_speed_power_law(4.0, 8.0, 3, "urban", reference_height=6.0) == 4.0


def test_power_law_broadcasts_over_hours():
    u = wind_speed_power_law(np.array([2.0, 2.0]), 50.0, np.array([0, 5], dtype=np.int8), "rural")
    assert u == pytest.approx([2.0 * 5**0.07, 2.0 * 5**0.55])


@given(u=st.floats(0, 30), z1=st.floats(0, 500), dz=st.floats(0, 500), code=st.integers(0, 5),
       land_use=st.sampled_from(["rural", "urban"]), z_ref=st.floats(2, 60))
@settings(max_examples=100, deadline=None)
def test_power_law_monotonic_in_height(u, z1, dz, code, land_use, z_ref):
    low = wind_speed_power_law(u, z1, code, land_use, reference_height=z_ref)
    high = wind_speed_power_law(u, z1 + dz, code, land_use, reference_height=z_ref)
    assert high >= low * (1 - 1e-12)


def test_power_law_errors_list_valid_keys():
    with pytest.raises(InputError, match=r"land_use must be one of \['rural', 'urban'\], got 'suburban'"):
        wind_speed_power_law(2.0, 50.0, 3, "suburban")
    with pytest.raises(InputError, match="stability"):
        wind_speed_power_law(2.0, 50.0, 6, "rural")
    with pytest.raises(InputError, match="stability"):
        wind_speed_power_law(2.0, 50.0, "D", "rural")
    with pytest.raises(InputError, match="height"):
        wind_speed_power_law(2.0, -1.0, 3, "rural")


def test_mixing_height_formula_region_5():
    # Analytic from the formula: f = 2Ω sin 32°, h_D = 0.012·U/f, h_F = 0.70·√(U/f) (region 5, East China).
    f = 2 * 7.292e-5 * np.sin(np.radians(32.0))
    assert mixing_height_gb3840(3, 3.0, 32.0, 5) == pytest.approx(0.012 * 3.0 / f)
    assert mixing_height_gb3840(0, 2.0, 32.0, 5) == pytest.approx(0.056 * 2.0 / f)
    assert mixing_height_gb3840(5, 2.0, 32.0, 5) == pytest.approx(0.70 * np.sqrt(2.0 / f))
    assert mixing_height_gb3840(4, 2.0, 32.0, 5) == pytest.approx(1.66 * np.sqrt(2.0 / f))


def test_mixing_height_caps_wind_at_6_m_s_and_orders_by_class():
    assert mixing_height_gb3840(3, 9.0, 32.0, 5) == mixing_height_gb3840(3, 6.0, 32.0, 5)
    heights = mixing_height_gb3840(np.arange(6), 3.0, 32.0, 5)
    assert np.all(np.diff(heights) < 0)  # A deepest … F shallowest (a_s, b_s decrease with stability)


def test_mixing_height_errors():
    with pytest.raises(InputError, match=r"region must be one of \[1, 2, 3, 4, 5, 6, 7\], got 8"):
        mixing_height_gb3840(3, 3.0, 32.0, 8)
    with pytest.raises(InputError, match="latitude"):
        mixing_height_gb3840(3, 3.0, 0.2, 5)
    with pytest.raises(InputError, match="wind_speed_10m"):
        mixing_height_gb3840(3, -3.0, 32.0, 5)


@given(u=st.lists(st.floats(0, 50), min_size=1, max_size=30), threshold=st.floats(0.1, 3))
@settings(max_examples=100, deadline=None)
def test_calm_reset_never_lowers_the_speed(u, threshold):
    wind = np.array(u)
    model, flag = apply_calm_threshold(wind, threshold)
    assert np.all(model >= wind)
    assert np.all(model >= threshold)
    assert np.array_equal(flag.astype(bool), wind < threshold)
    assert np.array_equal(model[flag == 0], wind[flag == 0])


def test_calm_threshold_epa_default():
    # EPA-454/R-99-005 §6.9: < 1 m/s → 1 m/s, flagged; 1 m/s itself is not a calm.
    model, flag = apply_calm_threshold([0.0, 0.4, 1.0, 2.5])
    assert model.tolist() == [1.0, 1.0, 1.0, 2.5]
    assert flag.tolist() == [1, 1, 0, 0] and flag.dtype == np.int8
    with pytest.raises(InputError, match="wind_speed"):
        apply_calm_threshold([-1.0])
