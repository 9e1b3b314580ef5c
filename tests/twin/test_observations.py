"""Monitor observations at the boundary: station CSV (UTF-8, GBK), units, flags, missing values, 1-min averaging,
CF NetCDF round trip, and errors that name the file, the line, the column, the value and what is allowed."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from twin.chemicals import load_chemicals
from twin.errors import InputError
from twin.observations import MINIMUM_MINUTES_PER_HOUR, hourly_means
from twin.observations_io import read_observations, read_observations_netcdf, read_station_csv, \
    write_observations_netcdf
from twin.park import Monitor

HOURLY = """# 园区管委会监测站 (park office station) — hourly means, hour-ending local time
time_end,so2_ug_m3,no2_ppb,co_mg_m3,flag
2026-07-15T09:00+08:00,12.5,10,0.8,V
2026-07-15T10:00+08:00,-999,NaN,,
2026-07-15T11:00+08:00,15,20,0.9,C
2026-07-15T12:00+08:00,16,21,1.0,M
2026-07-15T13:00+08:00,17,22,1.1,invalid
2026-07-15T14:00+08:00,18,,1.2,valid
"""


def _write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_hourly_csv_in_utf8_and_gbk(tmp_path, encoding):
    ds = read_station_csv(_write(tmp_path, "M01.csv", HOURLY, encoding))
    assert list(ds["station_id"].values) == ["M01"]
    # hour-ending 09:00+08:00 is the hour starting 08:00 local = 00:00 UTC
    assert ds["time"].values[0] == np.datetime64("2026-07-15T00:00", "ns")
    assert ds.sizes["time"] == 6
    so2 = ds["sulfur_dioxide"].values[0]
    assert so2[0] == pytest.approx(12.5e-9)  # µg/m³ -> kg m-3
    assert np.isnan(so2[1])  # -999
    assert np.isnan(so2[2:5]).all()  # calibration, maintenance, invalid rows dropped
    assert so2[5] == pytest.approx(18e-9)
    assert ds["carbon_monoxide"].values[0, 0] == pytest.approx(0.8e-6)  # mg/m³ -> kg m-3
    assert np.isnan(ds["carbon_monoxide"].values[0, 1])  # empty cell


def test_ppb_to_mass_by_hand(tmp_path):
    text = "time_start_utc,so2_ppb,nh3_ppm\n2026-07-15T00:00,10,1\n2026-07-15T01:00,0,0\n"
    ds = read_station_csv(_write(tmp_path, "M02.csv", text))
    # c = χ p M / (R T): 10e-9 × 101325 Pa × 0.0640638 kg/mol / (8.314462618 J/(mol K) × 298.15 K)
    #   = 10e-9 × 6491.264... / 2478.9570... = 2.61855e-8 kg m-3 = 26.186 µg/m³ (SO2, M = 64.0638 g/mol)
    assert ds["sulfur_dioxide"].values[0, 0] == pytest.approx(26.1855e-9, rel=1e-5)
    # 1 ppm NH3 (M = 17.0305 g/mol): 17.0305 × 101325 / (8.314462618 × 298.15) mg/m³ = 0.69610 mg/m³
    assert ds["ammonia"].values[0, 0] == pytest.approx(0.69610e-6, rel=1e-4)


def test_one_minute_file_averages_hours_with_enough_minutes(tmp_path):
    start = np.datetime64("2026-07-15T00:00")
    lines = ["time_start,so2_ug_m3"]
    for minute in range(180):
        t = start + np.timedelta64(minute, "m")
        hour = minute // 60
        value = "" if (hour == 1 and minute % 60 >= 40) or (hour == 2 and minute % 60 >= 45) else f"{hour + 1}"
        lines.append(f"{t}Z,{value}")
    ds = read_station_csv(_write(tmp_path, "M03.csv", "\n".join(lines) + "\n"))
    values = ds["sulfur_dioxide"].values[0] * 1e9
    assert ds.sizes["time"] == 3
    assert values[0] == pytest.approx(1.0)  # 60 valid minutes
    assert np.isnan(values[1])  # 40 valid minutes < 45: the hour is dropped
    assert values[2] == pytest.approx(3.0)  # exactly 45 valid minutes is enough
    assert MINIMUM_MINUTES_PER_HOUR == 45


def test_hourly_means_of_several_columns():
    minutes = np.datetime64("2026-01-01T00:00") + np.arange(120) * np.timedelta64(1, "m")
    values = np.stack([np.arange(120.0), np.full(120, 2.0)], axis=1)
    hours, means = hourly_means(minutes, values)
    assert hours.size == 2 and means.shape == (2, 2)
    assert means[0, 0] == pytest.approx(29.5) and means[1, 0] == pytest.approx(89.5)


@pytest.mark.parametrize("text, expected", [
    ("time_start,so2_ug_m3\n2026-07-15T08:00,1\n2026-07-15T09:00,1\n",
     ["M09.csv", "line 2", "'time_start'", "UTC offset", "'2026-07-15T08:00'"]),
    ("time_start,so2_ug_m3\n2026-07-15T08:00Z,1\n2026-07-15T09:00Z,abc\n",
     ["M09.csv", "line 3", "'so2_ug_m3'", "number", "'abc'"]),
    ("time_start,so2_ug_m3\n2026-07-15T08:00Z,1\n2026-07-15T09:00Z,-5\n",
     ["M09.csv", "line 3", ">= 0", "'-5'"]),
    ("time_start,so2_ug_m3,flag\n2026-07-15T08:00Z,1,X\n2026-07-15T09:00Z,1,V\n",
     ["M09.csv", "line 2", "'flag'", "calibration", "'X'"]),
    ("time_start,so2_furlongs\n2026-07-15T08:00Z,1\n2026-07-15T09:00Z,1\n",
     ["M09.csv", "line 1", "so2_furlongs", "ug_m3"]),
    ("time_start,pm10_ppb\n2026-07-15T08:00Z,1\n2026-07-15T09:00Z,1\n",
     ["M09.csv", "pm10_ppb", "molar mass"]),
    ("time_start,so2_ug_m3\n2026-07-15T08:00Z,1\n2026-07-15T08:00Z,1\n",
     ["M09.csv", "line 3", "later than"]),
    ("time_start,so2_ug_m3\n2026-07-15T08:00Z,1\n2026-07-15T08:10Z,1\n",
     ["M09.csv", "time step", "1 hour or 1 minute"]),
    ("so2_ug_m3\n1\n2\n", ["M09.csv", "line 1", "time_start, time_end"]),
])
def test_errors_name_file_line_column_value_and_what_is_allowed(tmp_path, text, expected):
    with pytest.raises(InputError) as raised:
        read_station_csv(_write(tmp_path, "M09.csv", text))
    for part in expected:
        assert part in str(raised.value)


def test_netcdf_round_trip_is_a_cf_timeseries(tmp_path):
    ds = read_station_csv(_write(tmp_path, "M01.csv", HOURLY))
    path = write_observations_netcdf(ds, tmp_path / "obs.nc")
    import xarray as xr

    with xr.open_dataset(path) as raw:
        assert raw.attrs["featureType"] == "timeSeries"
        assert raw["station_id"].attrs["cf_role"] == "timeseries_id"
        assert raw["sulfur_dioxide"].attrs["units"] == "ug m-3"
    back = read_observations_netcdf(path)
    for key in ("sulfur_dioxide", "nitrogen_dioxide", "carbon_monoxide"):
        np.testing.assert_allclose(back[key].values, ds[key].values, rtol=1e-12)
    assert (back["time"].values == ds["time"].values).all()
    assert list(back["station_id"].values) == ["M01"]


def test_park_monitors_give_positions_and_limit_pollutants(tmp_path):
    park = SimpleNamespace(chemicals=load_chemicals(), monitors=[
        Monitor(id="M01", name="园区站", x=500.0, y=800.0, height="10 m",
                pollutants=["sulfur_dioxide", "nitrogen_dioxide", "carbon_monoxide"]),
        Monitor(id="M02", name="村站", x=0.0, y=0.0, pollutants=["ammonia"])])
    folder = tmp_path / "obs"
    folder.mkdir()
    _write(folder, "M01.csv", HOURLY)
    ds = read_observations(folder, park)
    assert ds["x"].values[0] == 500.0 and ds["height"].values[0] == 10.0 and ds["station_name"].values[0] == "园区站"
    _write(folder, "M02.csv", "time_start,so2_ug_m3\n2026-07-15T08:00Z,1\n2026-07-15T09:00Z,1\n")
    with pytest.raises(InputError, match="M02.*ammonia.*sulfur_dioxide"):
        read_observations(folder, park)
    (folder / "M02.csv").unlink()
    _write(folder, "M07.csv", "time_start,so2_ug_m3\n2026-07-15T08:00Z,1\n2026-07-15T09:00Z,1\n")
    with pytest.raises(InputError, match="M07.*M01, M02"):
        read_observations(folder, park)


def test_two_stations_merge_on_the_union_of_hours(tmp_path):
    a = _write(tmp_path, "A.csv", "time_start,so2_ug_m3\n2026-07-15T00:00Z,1\n2026-07-15T01:00Z,2\n")
    b = _write(tmp_path, "B.csv", "time_start,nh3_ug_m3\n2026-07-15T01:00Z,5\n2026-07-15T02:00Z,6\n")
    ds = read_observations([a, b])
    assert ds.sizes == {"station": 2, "time": 3}
    np.testing.assert_allclose(ds["sulfur_dioxide"].values * 1e9, [[1, 2, np.nan], [np.nan] * 3])
    np.testing.assert_allclose(ds["ammonia"].values * 1e9, [[np.nan] * 3, [np.nan, 5, 6]])
