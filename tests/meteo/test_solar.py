"""Solar declination and elevation (GB/T 3840-91 Appendix B) against analytic cases and NOAA's formula."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from meteo.solar import local_mean_solar_time, solar_declination_gb3840, solar_elevation_gb3840
from twin.errors import InputError


def _standard_elevation_beijing_time(day_number, beijing_hours, latitude, longitude):
    """Eq. B1 exactly as the standard writes it: Beijing time t in hours, θ0 = 360 d_n/365 in degrees."""
    theta = np.radians(360.0 * day_number / 365.0)
    declination = (0.006918 - 0.39912 * np.cos(theta) + 0.070257 * np.sin(theta) - 0.006758 * np.cos(2 * theta)
                   + 0.000907 * np.sin(2 * theta) - 0.002697 * np.cos(3 * theta) + 0.001480 * np.sin(3 * theta))
    phi = np.radians(latitude)
    sine = (np.sin(phi) * np.sin(declination)
            + np.cos(phi) * np.cos(declination) * np.cos(np.radians(15 * beijing_hours + longitude - 300)))
    return np.degrees(np.arcsin(sine))


def _noaa_elevation(time_utc, latitude, longitude):
    """NOAA GMD "General Solar Position Calculations" (Spencer 1971 series + equation of time), test-only oracle."""
    times = np.asarray(time_utc, dtype="datetime64[ns]")
    day_of_year = (times.astype("datetime64[D]") - times.astype("datetime64[Y]").astype("datetime64[D]")).astype(
        int) + 1
    hours = (times - times.astype("datetime64[D]")).astype("timedelta64[s]").astype(float) / 3600.0
    years = times.astype("datetime64[Y]").astype(int) + 1970
    days_in_year = np.where((years % 4 == 0) & ((years % 100 != 0) | (years % 400 == 0)), 366, 365)
    gamma = 2 * np.pi / days_in_year * (day_of_year - 1 + (hours - 12) / 24)
    eqtime = 229.18 * (0.000075 + 0.001868 * np.cos(gamma) - 0.032077 * np.sin(gamma)
                       - 0.014615 * np.cos(2 * gamma) - 0.040849 * np.sin(2 * gamma))
    declination = (0.006918 - 0.399912 * np.cos(gamma) + 0.070257 * np.sin(gamma) - 0.006758 * np.cos(2 * gamma)
                   + 0.000907 * np.sin(2 * gamma) - 0.002697 * np.cos(3 * gamma) + 0.00148 * np.sin(3 * gamma))
    true_solar_minutes = hours * 60 + eqtime + 4 * longitude
    hour_angle = np.radians(true_solar_minutes / 4 - 180)
    phi = np.radians(latitude)
    cos_zenith = np.sin(phi) * np.sin(declination) + np.cos(phi) * np.cos(declination) * np.cos(hour_angle)
    return 90.0 - np.degrees(np.arccos(np.clip(cos_zenith, -1, 1)))


def test_declination_uses_radians_and_standard_coefficients():
    # d_n = 0 (1 January): δ = (180/π)(0.006918 − 0.39912 + 0.006758·(−1) … ) evaluated at θ0 = 0 (analytic).
    expected = np.degrees(0.006918 - 0.39912 - 0.006758 - 0.002697)
    assert solar_declination_gb3840(0) == pytest.approx(expected, abs=1e-12)


def test_declination_solstices_and_equinox():
    days = np.arange(0, 365)
    declination = solar_declination_gb3840(days)
    # June solstice ~21 June (d_n 171) with δ ≈ +23.44°; December solstice ~21 December (d_n 354) δ ≈ −23.44°
    # (astronomical values; the 3-harmonic series is good to ~0.1–0.2°).
    assert 169 <= int(np.argmax(declination)) <= 173
    assert declination.max() == pytest.approx(23.44, abs=0.25)
    assert 352 <= int(np.argmin(declination)) <= 357
    assert declination.min() == pytest.approx(-23.44, abs=0.25)
    # March equinox ~20 March (d_n 78): δ changes sign between d_n 77 and 80.
    crossing = int(np.flatnonzero((declination[:-1] < 0) & (declination[1:] >= 0))[0])
    assert 77 <= crossing <= 80


def test_declination_rejects_day_out_of_range():
    with pytest.raises(InputError, match="day_of_year"):
        solar_declination_gb3840(366)
    with pytest.raises(InputError, match="day_of_year"):
        solar_declination_gb3840(-1)


@pytest.mark.parametrize("latitude", [-40.0, 0.0, 23.0, 31.9, 53.0])
@pytest.mark.parametrize("date", ["2026-01-15", "2026-03-21", "2026-06-21", "2026-10-01"])
def test_solar_noon_elevation_is_90_minus_lat_minus_declination(latitude, date):
    longitude = 121.5
    # Local mean solar noon at 121.5°E is 12:00 − 121.5/15 h = 03:54 UTC (analytic).
    noon = np.datetime64(f"{date}T03:54:00", "ns")
    day_number = (np.datetime64(date, "D") - np.datetime64(date[:4] + "-01-01", "D")).astype(int)
    declination = solar_declination_gb3840(day_number)
    elevation = solar_elevation_gb3840(noon, latitude, longitude)
    assert elevation == pytest.approx(90.0 - abs(latitude - declination), abs=1e-9)


@given(offset_minutes=st.integers(min_value=0, max_value=6 * 60), day=st.integers(min_value=1, max_value=28),
       latitude=st.floats(min_value=-60, max_value=60))
@settings(max_examples=60, deadline=None)
def test_morning_and_afternoon_symmetric_about_local_noon(offset_minutes, day, latitude):
    noon = np.datetime64(f"2026-05-{day:02d}T04:00:00", "ns")  # local mean noon at 120°E
    delta = np.timedelta64(offset_minutes, "m")
    morning = solar_elevation_gb3840(noon - delta, latitude, 120.0)
    afternoon = solar_elevation_gb3840(noon + delta, latitude, 120.0)
    assert morning == pytest.approx(afternoon, abs=1e-9)


def test_equator_six_hours_from_noon_is_on_horizon():
    # φ = 0, hour angle ±90° → sin h0 = 0 for any δ (analytic).
    times = np.array(["2026-03-20T22:00", "2026-06-21T10:00", "2026-12-21T22:00"], dtype="datetime64[ns]")
    assert np.allclose(solar_elevation_gb3840(times, 0.0, 120.0), 0.0, atol=1e-9)


def test_equals_standard_formula_in_beijing_time_at_120E():
    times = np.arange(np.datetime64("2026-01-01T00:00"), np.datetime64("2027-01-01T00:00"),
                      np.timedelta64(1, "h")).astype("datetime64[ns]")
    beijing = times + np.timedelta64(8, "h")
    day_number = (beijing.astype("datetime64[D]") - np.datetime64("2026-01-01", "D")).astype(int)
    hours = (beijing - beijing.astype("datetime64[D]")).astype("timedelta64[m]").astype(float) / 60.0
    expected = _standard_elevation_beijing_time(day_number, hours, 31.9, 120.0)
    assert np.allclose(solar_elevation_gb3840(times, 31.9, 120.0), expected, atol=1e-9)


def test_other_longitudes_match_standard_while_sun_is_up():
    # At 108°E the standard still uses Beijing time; the hour angle is identical, only the date used for δ
    # can differ, and only near local midnight.
    times = np.arange(np.datetime64("2026-01-01T00:00"), np.datetime64("2027-01-01T00:00"),
                      np.timedelta64(1, "h")).astype("datetime64[ns]")
    beijing = times + np.timedelta64(8, "h")
    day_number = (beijing.astype("datetime64[D]") - np.datetime64("2026-01-01", "D")).astype(int)
    hours = (beijing - beijing.astype("datetime64[D]")).astype("timedelta64[m]").astype(float) / 60.0
    expected = _standard_elevation_beijing_time(day_number, hours, 30.0, 108.0)
    ours = solar_elevation_gb3840(times, 30.0, 108.0)
    up = expected > -30.0
    assert np.allclose(ours[up], expected[up], atol=1e-9)


def test_max_difference_to_noaa_spencer_in_daylight():
    # Published comparison (notes §5.1): GB formula vs NREL SPA over a year at 30N 121E, max |Δ| 3.3°, mean 1.1°.
    # Against NOAA/Spencer (with equation of time) we measure the same order; the difference comes from the
    # equation of time (±16 min ≈ ±4° of hour angle) and is largest in mid-morning/mid-afternoon.
    times = np.arange(np.datetime64("2026-01-01T00:00"), np.datetime64("2027-01-01T00:00"),
                      np.timedelta64(1, "h")).astype("datetime64[ns]")
    ours = solar_elevation_gb3840(times, 30.0, 121.0)
    noaa = _noaa_elevation(times, 30.0, 121.0)
    daylight = noaa > 0
    difference = np.abs(ours - noaa)[daylight]
    assert difference.max() < 4.0  # measured 3.39° hourly (3.50° at 10-min steps), 2026, 30N 121E
    assert difference.mean() < 1.5  # measured 1.1°


def test_local_mean_solar_time_shifts_by_longitude():
    t = np.datetime64("2026-07-01T00:00", "ns")
    assert local_mean_solar_time(t, 120.0) == np.datetime64("2026-07-01T08:00", "ns")
    assert local_mean_solar_time(t, -90.0) == np.datetime64("2026-06-30T18:00", "ns")


def test_elevation_input_errors():
    t = np.datetime64("2026-07-01T00:00", "ns")
    with pytest.raises(InputError, match="latitude"):
        solar_elevation_gb3840(t, 91.0, 120.0)
    with pytest.raises(InputError, match="longitude"):
        solar_elevation_gb3840(t, 30.0, 200.0)
    with pytest.raises(InputError, match="time_utc"):
        solar_elevation_gb3840("2026-07-01", 30.0, 120.0)
