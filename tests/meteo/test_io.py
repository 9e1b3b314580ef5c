"""Station CSV reader and writer."""

import numpy as np
import pytest

from meteo.io import read_station_csv, write_station_csv
from meteo.synthetic import synthetic_weather
from twin.errors import InputError, MissingInputError

GOOD = """# station 58362 (illustrative), hourly
time,wind_speed_m_s,wind_direction_deg,air_temperature_C,total_cloud_tenths,low_cloud_tenths,ceiling_height_m,mixing_height_m,pressure_hPa
2026-07-01T08:00+08:00,2.5,135,28.5,3,1,inf,,1005.2
2026-07-01T09:00+08:00,0.4,140,29.0,7,6,1200,900,1005.0
2026-07-01T10:00+08:00,3.1,150,30.2,10,10,600,,1004.8
"""


def _write(tmp_path, text, name="station.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_read_converts_to_si_and_utc(tmp_path):
    ds = read_station_csv(_write(tmp_path, GOOD))
    assert ds["time"].values[0] == np.datetime64("2026-07-01T00:00", "ns")  # 08:00+08:00 → 00:00 UTC
    assert ds["air_temperature"].values == pytest.approx([301.65, 302.15, 303.35])  # °C + 273.15
    assert ds["cloud_area_fraction"].values == pytest.approx([0.3, 0.7, 1.0])  # tenths / 10
    assert ds["low_cloud_area_fraction"].values == pytest.approx([0.1, 0.6, 1.0])
    assert ds["surface_air_pressure"].values == pytest.approx([100520.0, 100500.0, 100480.0])  # hPa × 100
    assert np.isinf(ds["ceiling_height"].values[0])
    mixing = ds["atmosphere_boundary_layer_thickness"].values
    assert np.isnan(mixing[0]) and mixing[1] == 900.0


def test_kelvin_column_accepted(tmp_path):
    text = "time,wind_speed_m_s,wind_direction_deg,air_temperature_K,total_cloud_tenths,low_cloud_tenths\n" \
           "2026-01-05T00:00Z,4.0,350,276.5,2,0\n"
    ds = read_station_csv(_write(tmp_path, text))
    assert ds["air_temperature"].values[0] == 276.5
    assert "ceiling_height" not in ds


def test_missing_file(tmp_path):
    with pytest.raises(MissingInputError, match="nope.csv"):
        read_station_csv(tmp_path / "nope.csv")


def test_unknown_column_lists_allowed(tmp_path):
    text = GOOD.replace("pressure_hPa", "pressure_mbar")
    with pytest.raises(InputError, match=r"line 2: column must be one of \['time', .*'pressure_hPa'\], "
                                         r"got 'pressure_mbar'"):
        read_station_csv(_write(tmp_path, text))


@pytest.mark.parametrize(
    "old, new, match",
    [
        ("2.5,135", "fast,135", r"station\.csv' line 3: wind_speed_m_s must be a number in \[0, 100\] \(m/s\), "
                                r"got 'fast'"),
        ("2.5,135", "-2.5,135", r"line 3: wind_speed_m_s .* got '-2.5'"),
        (",7,6,", ",7,8,", r"line 4: low_cloud_tenths must be .*not above total_cloud_tenths, got '8'"),
        (",3,1,", ",13,1,", r"line 3: total_cloud_tenths must be a number in \[0, 10\]"),
        ("2026-07-01T09:00+08:00", "2026-07-01T09:00", r"line 4: time must be an ISO 8601 time with a UTC offset"),
        ("2026-07-01T09:00+08:00", "2026-07-01T07:00+08:00", r"line 4: time must be strictly after"),
        (",600,,", ",-600,,", r"line 5: ceiling_height_m must be a number >= 0"),
        ("1005.0", "", r"line 4: pressure_hPa"),
    ],
)
def test_malformed_row_names_file_line_column_value_and_allowed(tmp_path, old, new, match):
    with pytest.raises(InputError, match=match):
        read_station_csv(_write(tmp_path, GOOD.replace(old, new, 1)))


def test_header_problems(tmp_path):
    no_temperature = "time,wind_speed_m_s,wind_direction_deg,total_cloud_tenths,low_cloud_tenths\n"
    with pytest.raises(InputError, match="exactly one of"):
        read_station_csv(_write(tmp_path, no_temperature))
    both = "time,wind_speed_m_s,wind_direction_deg,air_temperature_C,air_temperature_K,total_cloud_tenths," \
           "low_cloud_tenths\n"
    with pytest.raises(InputError, match="exactly one of"):
        read_station_csv(_write(tmp_path, both))
    with pytest.raises(InputError, match="missing"):
        read_station_csv(_write(tmp_path, "time,wind_speed_m_s,air_temperature_C\n"))
    with pytest.raises(InputError, match="at least one observation row"):
        read_station_csv(_write(tmp_path, GOOD.splitlines()[1] + "\n"))
    with pytest.raises(InputError, match="number of cells"):
        read_station_csv(_write(tmp_path, GOOD + "2026-07-01T11:00+08:00,3.0\n"))


def test_round_trip_synthetic_year_slice(tmp_path):
    original = synthetic_weather("2026-01-01T00:00+08:00", 72, latitude=31.9, longitude=121.5, seed=7)
    original["atmosphere_boundary_layer_thickness"] = (
        "time", np.where(np.arange(72) % 3 == 0, np.nan, 750.0),
        {"standard_name": "atmosphere_boundary_layer_thickness", "units": "m"})
    path = write_station_csv(tmp_path / "out" / "station.csv", original)
    assert path.exists() and not list(path.parent.glob("*.part*"))
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[1].startswith("2026-01-01T00:00:00+08:00,")
    back = read_station_csv(path)
    assert np.array_equal(back["time"].values, original["time"].values)
    for name in ("wind_speed", "wind_from_direction", "air_temperature", "cloud_area_fraction",
                 "low_cloud_area_fraction", "ceiling_height", "surface_air_pressure",
                 "atmosphere_boundary_layer_thickness"):
        assert np.allclose(back[name].values, original[name].values, rtol=1e-9, atol=1e-9, equal_nan=True), name


def test_write_with_utc_offset_zero(tmp_path):
    original = synthetic_weather("2026-07-01T00:00Z", 3, latitude=31.9, longitude=121.5, seed=1)
    path = write_station_csv(tmp_path / "utc.csv", original, utc_offset_hours=0)
    assert path.read_text(encoding="utf-8").splitlines()[1].startswith("2026-07-01T00:00:00+00:00,")
    assert np.array_equal(read_station_csv(path)["time"].values, original["time"].values)


# --- the files people have (issue 13, item 7) ----------------------------------------------------------------------

CHINESE = GOOD.replace("# station 58362 (illustrative), hourly", "# 气象站 58362（示例），逐时观测")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_utf8_with_or_without_bom_and_gbk_read_the_same(tmp_path, encoding):
    """Excel on a Chinese Windows saves CSV as GBK: it ended in a traceback and exit 70."""
    path = tmp_path / f"station-{encoding}.csv"
    path.write_bytes(CHINESE.encode(encoding))
    reference = read_station_csv(_write(tmp_path, CHINESE))
    ds = read_station_csv(path)
    for name in reference.data_vars:
        np.testing.assert_array_equal(ds[name].values, reference[name].values)


@pytest.mark.parametrize("data, match", [
    (CHINESE.encode("utf-16"), "got UTF-16 or UTF-32"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "must be a text file, got binary data"),
    (b"time,wind\n\xff\xfe\xfd\xfc\x80\x80\n", "neither"),
])
def test_utf16_and_binary_files_are_bad_input_not_a_crash(tmp_path, data, match):
    path = tmp_path / "station.csv"
    path.write_bytes(data)
    with pytest.raises(InputError, match=match) as caught:
        read_station_csv(path)
    assert caught.value.exit_code == 65 and "station.csv" in str(caught.value)


def test_a_cell_over_the_csv_field_limit_is_bad_input(tmp_path):
    huge = GOOD.replace("1005.2", '"' + "9" * 200_000 + '"')
    with pytest.raises(InputError, match="line 3: not a readable CSV row") as caught:
        read_station_csv(_write(tmp_path, huge))
    assert caught.value.exit_code == 65


# --- missing hours (issue 13, item 7): an error by default, a stated fill on request ---------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

GAPPY = """time,wind_speed_m_s,wind_direction_deg,air_temperature_C,total_cloud_tenths,low_cloud_tenths,pressure_hPa
2026-07-01T08:00+08:00,2.0,350,28.0,3,1,1005.0
2026-07-01T10:00+08:00,4.0,10,30.0,7,6,1003.0
2026-07-01T11:00+08:00,,20,31.0,7,6,1003.0
2026-07-01T12:00+08:00,3.0,30,31.0,2,2,1002.0
"""


def test_a_missing_hour_is_an_error_that_names_the_option(tmp_path):
    """A row absent (09:00) or an empty cell (11:00) is a missing hour: refused by default, with the way out named."""
    with pytest.raises(InputError, match=r"line 3: time .*weather\.fill_missing_hours.*'2026-07-01T10:00\+08:00'"):
        read_station_csv(_write(tmp_path, GAPPY))
    no_gap = GAPPY.replace("2026-07-01T10:00", "2026-07-01T09:00", 1).replace("2026-07-01T11:00", "2026-07-01T10:00")
    no_gap = no_gap.replace("2026-07-01T12:00", "2026-07-01T11:00")
    with pytest.raises(InputError, match=r"line 4: wind_speed_m_s .*missing hour.*fill_missing_hours.*, got ''"):
        read_station_csv(_write(tmp_path, no_gap))


def test_single_missing_hours_are_interpolated_or_persisted_and_stated(tmp_path):
    ds = read_station_csv(_write(tmp_path, GAPPY), fill_missing_hours=1)
    assert ds["time"].values[1] == np.datetime64("2026-07-01T01:00", "ns") and ds.sizes["time"] == 5
    assert ds["wind_speed"].values == pytest.approx([2.0, 3.0, 4.0, 3.5, 3.0])  # linear in time
    assert ds["wind_from_direction"].values == pytest.approx([350.0, 0.0, 10.0, 20.0, 30.0])  # shorter arc, via north
    assert ds["air_temperature"].values[1] == pytest.approx(29.0 + 273.15)
    assert ds["surface_air_pressure"].values[1] == pytest.approx(100400.0)
    assert ds["cloud_area_fraction"].values[1] == 0.3 and ds["low_cloud_area_fraction"].values[1] == 0.1  # persisted
    assert list(ds["station_hour_flag"].values) == [0, 1, 0, 1, 0]
    assert ds.attrs["missing_hours_filled"] == 2
    assert "1 h from 2026-07-01T01:00 UTC" in ds.attrs["comment"] and "EPA-454/R-99-005" in ds.attrs["comment"]


def test_runs_longer_than_allowed_and_runs_at_the_ends_are_refused(tmp_path):
    two = GAPPY.replace("2026-07-01T10:00+08:00,4.0", "2026-07-01T11:00+08:00,4.0").replace(
        "2026-07-01T11:00+08:00,,", "2026-07-01T12:00+08:00,5.0,").replace("2026-07-01T12:00+08:00,3.0",
                                                                         "2026-07-01T13:00+08:00,3.0")
    with pytest.raises(InputError, match=r"wind_speed_m_s must be runs of at most weather\.fill_missing_hours = 1 h"
                                         r".*got 'missing for 2 h from 2026-07-01T01:00 UTC'"):
        read_station_csv(_write(tmp_path, two), fill_missing_hours=1)
    assert read_station_csv(_write(tmp_path, two), fill_missing_hours=2).attrs["missing_hours_filled"] == 2
    first_empty = GAPPY.replace("08:00+08:00,2.0", "08:00+08:00,", 1)
    with pytest.raises(InputError, match="observed hours on both sides"):
        read_station_csv(_write(tmp_path, first_empty), fill_missing_hours=1)
    with pytest.raises(InputError, match=r"fill_missing_hours must be a whole number of hours in \[0, 24\]"):
        read_station_csv(_write(tmp_path, GAPPY), fill_missing_hours=25)


def test_a_quarter_with_less_than_90_percent_observed_is_refused_even_when_fillable(tmp_path):
    """EPA-454/R-99-005 §5.3.2: fills do not count toward the 90 % completeness of a regulatory data set."""
    weather = synthetic_weather("2026-01-01T00:00+08:00", 2200, latitude=31.9, longitude=121.5, seed=3)
    path = write_station_csv(tmp_path / "year.csv", weather)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = lines[:2] + [line for i, line in enumerate(lines[2:-1]) if i % 8 != 0] + lines[-1:]  # 12.5 % gone
    path.write_text("".join(kept), encoding="utf-8")
    with pytest.raises(InputError, match=r"at least 90% of the hours observed"):
        read_station_csv(path, fill_missing_hours=1)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), drop=st.sets(st.integers(1, 46), max_size=12))
def test_fill_keeps_observed_hours_and_stays_between_neighbours(tmp_path_factory, seed, drop):
    """Property: every observed value is unchanged, every filled value of an interpolated column lies between the
    hours either side, and exactly the dropped hours are flagged (isolated drops only, as fill_missing_hours=1)."""
    drop = {i for i in drop if i - 1 not in drop}  # isolated hours
    tmp_path = tmp_path_factory.mktemp("fill")
    weather = synthetic_weather("2026-03-01T00:00+08:00", 48, latitude=31.9, longitude=121.5, seed=seed)
    path = write_station_csv(tmp_path / "full.csv", weather)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:2] + [line for i, line in enumerate(lines[2:], 1) if i not in drop]),
                    encoding="utf-8")
    filled = read_station_csv(path, fill_missing_hours=1)
    flag = filled["station_hour_flag"].values
    assert set(np.flatnonzero(flag)) == drop
    for name in ("wind_speed", "air_temperature", "surface_air_pressure"):
        got, want = filled[name].values, weather[name].values
        np.testing.assert_allclose(got[flag == 0], want[flag == 0], rtol=1e-9)
        for i in drop:
            low, high = sorted((want[i - 1], want[i + 1]))
            assert low - 1e-9 <= got[i] <= high + 1e-9, (name, i)
    assert np.all(filled["low_cloud_area_fraction"].values <= filled["cloud_area_fraction"].values)
