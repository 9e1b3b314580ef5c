"""meteo.most_common_conditions: the HJ 169-2018 most common conditions of a year of hourly weather.

Reference values are constructed by hand: a year whose class counts, winds, directions and daily maxima are set,
so the mode, the mean non-calm wind, the most frequent sector and the mean daily maximum are known exactly.
"""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from meteo import most_common_conditions
from twin.errors import InputError


def _year(stability, wind, direction, temperature, mixing=None, start="2025-01-01T00:00"):
    hours = len(stability)
    time = np.datetime64(start, "ns") + np.arange(hours).astype("timedelta64[h]")
    mixing = np.full(hours, 800.0) if mixing is None else mixing
    return xr.Dataset({"stability_class": ("time", np.asarray(stability, dtype=np.int8)),
                       "wind_speed": ("time", np.asarray(wind, float)),
                       "wind_from_direction": ("time", np.asarray(direction, float)),
                       "air_temperature": ("time", np.asarray(temperature, float)),
                       "atmosphere_boundary_layer_thickness": ("time", np.asarray(mixing, float))},
                      coords={"time": time})


def test_a_constructed_year_gives_its_mode_mean_wind_sector_and_daily_maximum():
    hours = 8760
    index = np.arange(hours)
    stability = np.where(index % 2 == 0, 3, np.where(index % 4 == 1, 4, 5))  # D 50 %, E 25 %, F 25 %
    # D hours: every 10th of them calm (0.3 m/s < 0.5, ranks 0, 10, ...), the others 2 m/s at odd and 4 m/s at even
    # ranks: per ten ranks, five at 2 m/s and four at 4 m/s stay → mean 26/9 m/s
    d_rank = np.cumsum(stability == 3) - 1
    wind = np.where(stability == 3, np.where(d_rank % 10 == 0, 0.3, np.where(d_rank % 2 == 1, 2.0, 4.0)), 1.0)
    # directions of the D hours: 60 % from 92° (sector E, 90°), 40 % from 181° (sector S, 180°)
    direction = np.where(d_rank % 5 < 3, 92.0, 181.0)
    # temperature: 280 K all day except one hour at 280 + day-of-year/100 K (daily maxima known)
    day = index // 24
    temperature = np.where(index % 24 == 14, 280.0 + day / 100.0, 280.0)
    mixing = np.where(stability == 3, 500.0 + (index % 7) * 100.0, 100.0)
    common = most_common_conditions(_year(stability, wind, direction, temperature, mixing), utc_offset_hours=0.0)
    chosen = (stability == 3) & (wind >= 0.5)
    assert common.stability == 3 and common.stability_frequency == pytest.approx(0.5)
    assert common.wind_speed == pytest.approx(wind[chosen].mean())  # the 0.3 m/s calms excluded
    assert common.wind_speed == pytest.approx(26.0 / 9.0)
    assert common.wind_from_direction == 90.0  # 92° lies in the E sector, [78.75°, 101.25°)
    assert common.direction_frequency == pytest.approx(np.mean(direction[chosen] == 92.0))
    assert common.air_temperature == pytest.approx(280.0 + np.arange(365).mean() / 100.0)  # mean of daily maxima
    assert common.mixing_height == pytest.approx(np.median(mixing[chosen]))
    assert common.calm_hours == int((wind < 0.5).sum()) and common.hours == hours
    assert "stability D (50.0 % of 8760 h)" in common.describe()
    assert "大气稳定度 D 类（占 8760 h 的 50.0 %）" in common.describe_zh()  # the Chinese plan's wording
    import re

    numbers = re.compile(r"\d+(?:\.\d+)?")
    assert set(numbers.findall(common.describe())) == set(numbers.findall(common.describe_zh()))


def test_daily_maxima_are_taken_over_local_days_and_partial_days_are_left_out():
    """A UTC series started at 16:00 UTC is local midnight at UTC+8: whole local days. Read as UTC, the first and
    last days are partial and dropped; the maxima of local and UTC days differ when the warm hour straddles."""
    hours = 8760
    index = np.arange(hours)
    # warm hour at local 23:00 (UTC 15:00) on even local days: local days alternate 290 and 280 K maxima
    local_day = index // 24
    temperature = np.where((index % 24 == 23) & (local_day % 2 == 0), 290.0, 280.0)
    year = _year(np.full(hours, 3), np.full(hours, 2.0), np.zeros(hours), temperature, start="2024-12-31T16:00")
    local = most_common_conditions(year, utc_offset_hours=8.0)
    assert local.air_temperature == pytest.approx(np.mean(np.where(np.arange(365) % 2 == 0, 290.0, 280.0)))
    utc = most_common_conditions(year, utc_offset_hours=0.0)
    assert utc.air_temperature != pytest.approx(local.air_temperature)


def test_less_than_a_year_or_an_all_calm_class_is_refused_with_the_field_named():
    with pytest.raises(InputError, match=r"hours must be >= 8760 hourly records.*got 8759"):
        most_common_conditions(_year(np.full(8759, 3), np.full(8759, 2.0), np.zeros(8759), np.full(8759, 280.0)),
                               utc_offset_hours=8.0, where="climatology")
    with pytest.raises(InputError, match=r"wind_speed.*calm"):
        most_common_conditions(_year(np.full(8760, 5), np.full(8760, 0.2), np.zeros(8760), np.full(8760, 280.0)),
                               utc_offset_hours=8.0)
