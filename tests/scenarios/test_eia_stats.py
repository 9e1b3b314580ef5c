"""EIA statistics against hand-computed series (HJ 663-2013, HJ 2.2-2018, GB 3095-2012)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon

from scenarios.eia.stats import (
    annual_mean,
    assessment_level,
    hj663_percentile,
    protection_distance,
    running_mean_max,
    screening_percentage,
)
from twin.standards import screening_hourly_limit, standards_for


def hj663_by_hand(values, p):
    """HJ 663-2013 as written: sort ascending, k = 1 + (n-1)p%, s = int(k), m = X(s) + (X(s+1) - X(s))(k - s)."""
    xs = sorted(values)
    k = 1 + (len(xs) - 1) * p / 100.0
    s = int(math.floor(k))
    if s >= len(xs):
        return xs[-1]
    return xs[s - 1] + (xs[s] - xs[s - 1]) * (k - s)


def test_hj663_percentile_hand_computed():
    # {3, 4, 8, 2, 5, 4}: sorted 2 3 4 4 5 8; k = 1 + 5 × 0.9 = 5.5; m = 5 + (8 − 5) × 0.5 = 6.5 (by hand).
    assert hj663_percentile([3, 4, 8, 2, 5, 4], 90) == pytest.approx(6.5, abs=1e-12)
    # 365 daily means 1..365: 98th → k = 1 + 364 × 0.98 = 357.72, m = 357 + 0.72 = 357.72.
    assert hj663_percentile(np.arange(1.0, 366.0), 98) == pytest.approx(357.72, abs=1e-9)
    # Invalid days (NaN) are left out: the same as the series without them.
    assert hj663_percentile([3, np.nan, 4, 8, 2, 5, 4], 90) == pytest.approx(6.5, abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0, 1e3, allow_nan=False), min_size=1, max_size=400), st.floats(0, 100))
def test_hj663_percentile_matches_the_standard_formula(values, p):
    assert hj663_percentile(values, p) == pytest.approx(hj663_by_hand(values, p), rel=1e-12, abs=1e-12)


def test_percentile_per_receptor_column():
    daily = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0], [np.nan, np.nan]])
    np.testing.assert_allclose(hj663_percentile(daily, 50), [2.0, 20.0])


def test_running_mean_max_by_hand():
    hourly = np.array([0, 0, 8, 8, 8, 8, 8, 8, 8, 8, 0, 0], dtype=float)
    assert running_mean_max(hourly, 1) == 8.0
    assert running_mean_max(hourly, 8) == 8.0  # hours 2..9 are all 8
    assert running_mean_max(hourly, 10) == pytest.approx(64 / 10)  # any 10-hour window holds at most eight 8s


def test_annual_mean_skips_invalid_days():
    daily = np.array([[1.0], [np.nan], [3.0]])
    mean, n_valid = annual_mean(daily)
    assert n_valid == 2 and mean[0] == pytest.approx(2.0)


def test_screening_level_thresholds():
    # HJ 2.2-2018 Table 2: ≥ 10 % level 1, [1, 10) level 2, < 1 % level 3.
    assert [assessment_level(p) for p in (10.0, 9.99, 1.0, 0.99, 0.0)] == [1, 2, 2, 3, 3]
    c0, how = screening_hourly_limit("sulfur_dioxide")
    assert c0 == pytest.approx(500e-9) and how == "1h limit"  # GB 3095-2012 SO2 1-h grade II 500 µg/m³
    c0, how = screening_hourly_limit("pm10")
    assert c0 == pytest.approx(450e-9) and how.startswith("3")  # 3 × the 150 µg/m³ 24-h limit (HJ 2.2 §5.3.2.1)
    assert screening_percentage(50e-9, 500e-9) == pytest.approx(10.0)


def test_gb3095_limits_and_percentiles():
    so2 = {s.averaging: s for s in standards_for("sulfur_dioxide")}
    assert so2["24h"].grade_2 == pytest.approx(150e-9) and so2["24h"].percentile == 98.0
    pm25 = {s.averaging: s for s in standards_for("pm2_5")}
    assert pm25["annual"].grade_2 == pytest.approx(35e-9) and pm25["24h"].percentile == 95.0
    with pytest.raises(Exception, match="chlorine"):
        standards_for("chlorine")


def test_protection_distance_from_the_fence():
    fence = Polygon([(0, 0), (100, 0), (100, 100), (0, 100)])
    x = np.array([50.0, 130.0, 160.0, -40.0, 300.0])
    y = np.array([50.0, 50.0, 50.0, 50.0, 50.0])
    exceeds = np.array([True, True, False, True, False])
    distance, index = protection_distance(x, y, exceeds, fence)
    assert distance == pytest.approx(40.0) and index == 3  # (-40, 50) is 40 m west of the fence; (130, 50) is 30 m
    assert protection_distance(x, y, np.array([True, False, False, False, False]), fence) == (0.0, -1)
