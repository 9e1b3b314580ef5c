"""Synthetic coastal East-China weather: determinism, ranges, seasonal wind rose."""

import numpy as np
import pytest

from meteo.synthetic import synthetic_weather
from meteo.weather import prepare_dispersion_met, validate_weather
from twin.errors import InputError

SITE = dict(latitude=31.9, longitude=121.5)
SECTORS = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")


def _prevailing_sector(weather):
    direction = weather["wind_from_direction"].values
    sector = (np.floor((direction + 22.5) / 45.0).astype(int)) % 8
    return SECTORS[int(np.bincount(sector, minlength=8).argmax())]


def test_same_seed_same_weather_other_seed_differs():
    a = synthetic_weather("2026-07-01T00:00+08:00", 200, seed=11, **SITE)
    b = synthetic_weather("2026-07-01T00:00+08:00", 200, seed=11, **SITE)
    c = synthetic_weather("2026-07-01T00:00+08:00", 200, seed=12, **SITE)
    assert a.identical(b)
    assert not np.array_equal(a["wind_speed"].values, c["wind_speed"].values)


def test_start_without_offset_is_local_clock_time():
    weather = synthetic_weather("2026-07-01T08:00", 2, seed=0, **SITE)  # read at UTC+8
    assert weather["time"].values[0] == np.datetime64("2026-07-01T00:00", "ns")
    utc = synthetic_weather("2026-07-01T08:00", 2, seed=0, utc_offset_hours=0, **SITE)
    assert utc["time"].values[0] == np.datetime64("2026-07-01T08:00", "ns")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ranges_and_calms(seed):
    weather = synthetic_weather("2026-01-01T00:00+08:00", 24 * 120, seed=seed, **SITE)
    validate_weather(weather)
    speed = weather["wind_speed"].values
    assert speed.max() <= 10.0
    assert 0.01 < np.mean(speed < 1.0) < 0.25  # some calms, not mostly calm
    assert np.all(weather["low_cloud_area_fraction"].values <= weather["cloud_area_fraction"].values)
    tenths = 10 * weather["cloud_area_fraction"].values
    assert np.allclose(tenths, np.round(tenths))  # whole tenths, as observed
    celsius = weather["air_temperature"].values - 273.15
    assert -10.0 < celsius.min() and celsius.max() < 25.0  # January–April near 32°N


def test_diurnal_temperature_cycle_and_season():
    july = synthetic_weather("2026-07-01T00:00+08:00", 24 * 31, seed=3, **SITE)
    january = synthetic_weather("2026-01-01T00:00+08:00", 24 * 31, seed=3, **SITE)
    assert july["air_temperature"].mean() - january["air_temperature"].mean() > 15.0
    local_hour = (july["time"].dt.hour.values + 8) % 24
    t = july["air_temperature"].values
    assert t[local_hour == 14].mean() - t[local_hour == 4].mean() > 3.0  # afternoon warmer than pre-dawn


def test_prevailing_wind_by_season():
    # Coastal East China: winter monsoon from N/NW, summer monsoon from SE/S.
    winter = synthetic_weather("2026-12-01T00:00+08:00", 24 * 90, seed=5, **SITE)
    summer = synthetic_weather("2026-06-01T00:00+08:00", 24 * 92, seed=5, **SITE)
    assert _prevailing_sector(winter) in ("N", "NW")
    assert _prevailing_sector(summer) in ("SE", "S")


def test_sea_breeze_turns_summer_afternoon_wind_onshore():
    summer = synthetic_weather("2026-07-01T00:00+08:00", 24 * 62, seed=9, **SITE)
    local_hour = (summer["time"].dt.hour.values + 8) % 24
    direction = summer["wind_from_direction"].values
    onshore = (direction > 45.0) & (direction < 180.0)  # from the sea side (NE … S)
    assert onshore[local_hour == 14].mean() > onshore[local_hour == 2].mean()


def test_synthetic_weather_feeds_both_stability_methods():
    weather = synthetic_weather("2026-04-01T00:00+08:00", 96, seed=4, **SITE)
    for method in ("gb3840", "turner"):
        met = prepare_dispersion_met(weather, stability_method=method, land_use="rural", **SITE)
        assert set(np.unique(met["stability_class"].values)) <= set(range(6))


@pytest.mark.parametrize("kwargs, match", [
    (dict(hours=0), "hours"),
    (dict(hours=2.5), "hours"),
    (dict(seed=-1), "seed"),
    (dict(start="yesterday"), "start"),
])
def test_argument_errors(kwargs, match):
    arguments = dict(start="2026-07-01T00:00+08:00", hours=3, seed=1) | kwargs
    with pytest.raises(InputError, match=match):
        synthetic_weather(arguments.pop("start"), arguments.pop("hours"), **arguments, **SITE)
