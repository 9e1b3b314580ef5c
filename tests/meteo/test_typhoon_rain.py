"""Typhoon rain (R-CLIPER, IPET) and coastal water level against hand-computed values of the cited formulas."""

from __future__ import annotations

import numpy as np
import pytest

from meteo.typhoon_rain import (KNOT, TideConstituent, astronomical_tide, inverse_barometer, ipet_rain_rate,
                                rcliper_rain_rate, wind_setup_dean_dalrymple)


def test_rcliper_by_hand():
    # V_m = 100 kt: U = 1 + 65/33 = 2.9697; T_m = -1.60 + 4.80 U = 12.654 inch/day = 13.39 mm/h at
    # r_m = 64.5 - 13.0 U = 25.89 km (Tuleya et al. 2007 Table 2).
    u = 1 + 65 / 33
    rm = (64.5 - 13.0 * u) * 1000
    peak = rcliper_rain_rate(rm, 100 * KNOT) * 3600e3
    assert peak == pytest.approx((-1.60 + 4.80 * u) * 25.4 / 24, rel=1e-12)
    assert peak == pytest.approx(13.39, abs=0.01)
    # Continuity at r_m and decay outside with the e-folding r_e = 150 - 16 U km.
    re = (150 - 16 * u) * 1000
    assert rcliper_rain_rate(rm + re, 100 * KNOT) == pytest.approx(rcliper_rain_rate(rm, 100 * KNOT) / np.e, rel=1e-9)
    assert rcliper_rain_rate(rm * (1 - 1e-9), 100 * KNOT) == pytest.approx(rcliper_rain_rate(rm, 100 * KNOT), rel=1e-6)


def test_ipet_by_hand():
    # dp = 75 hPa: 1.14 + 0.12 x 75 = 10.14 mm/h inside R_max.
    assert ipet_rain_rate(10e3, 30e3, 7500.0) * 3600e3 == pytest.approx(10.14, rel=1e-12)
    assert ipet_rain_rate(60e3, 30e3, 7500.0) * 3600e3 == pytest.approx(10.14 * np.exp(-0.3), rel=1e-12)


def test_water_level_pieces():
    assert inverse_barometer(7500.0) == pytest.approx(0.746, abs=1e-3)  # ~1 cm/hPa; 75 hPa -> 0.75 m
    # U = 40 m/s, L = 100 km, h = 20 m (~2.9 m): C_d capped 2.5e-3, tau = 1.15 x 2.5e-3 x 1600.
    tau = 1.15 * 2.5e-3 * 1600
    a = 1.15 * tau * 100e3 / (1025 * 9.80665 * 400)
    assert wind_setup_dean_dalrymple(40.0, 20.0, 100e3) == pytest.approx(20 * (np.sqrt(1 + 2 * a) - 1), rel=1e-12)
    assert 2.0 < wind_setup_dean_dalrymple(40.0, 20.0, 100e3) < 3.5
    m2 = TideConstituent("M2", 1.5, 12.4206)
    levels = astronomical_tide(np.array([0.0, 12.4206 * 1800.0, 12.4206 * 3600.0]), [m2], mean_level=0.2)
    np.testing.assert_allclose(levels, [1.7, -1.3, 1.7], atol=1e-12)
