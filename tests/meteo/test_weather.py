"""Weather data model: construction, validation, derived dispersion variables, period selection."""

import datetime as dt

import numpy as np
import pytest
import xarray as xr

from meteo.profiles import mixing_height_gb3840
from meteo.stability import stability_gb3840
from meteo.solar import solar_elevation_gb3840
from meteo.weather import make_weather, prepare_dispersion_met, select_period, to_utc_datetime64, validate_weather
from twin.errors import InputError, MeteoCoverageError

LAT, LON = 31.9, 121.5


def _hours(n=24, start="2026-07-01T00:00"):
    return np.arange(np.datetime64(start), np.datetime64(start) + np.timedelta64(n, "h"),
                     np.timedelta64(1, "h")).astype("datetime64[ns]")


def _weather(n=24, **overrides):
    values = dict(
        time=_hours(n),
        wind_speed=np.linspace(0.2, 7.0, n),
        wind_from_direction=np.full(n, 135.0),
        air_temperature=np.full(n, 301.15),
        cloud_area_fraction=np.full(n, 0.3),
        low_cloud_area_fraction=np.full(n, 0.1),
        ceiling_height=np.full(n, np.inf),
    ) | overrides
    return make_weather(**values)


def test_make_weather_has_cf_names_units_and_utc_time():
    ds = _weather()
    assert ds["time"].dtype == np.dtype("datetime64[ns]")
    assert ds["wind_speed"].attrs["units"] == "m s-1" and ds["wind_speed"].attrs["height"] == 10.0
    assert ds["wind_from_direction"].attrs["standard_name"] == "wind_from_direction"
    assert ds["air_temperature"].attrs["units"] == "K"
    assert ds["cloud_area_fraction"].attrs["units"] == "1"


def test_times_with_offsets_are_converted_to_utc():
    assert to_utc_datetime64("2026-07-01T08:00+08:00") == np.datetime64("2026-07-01T00:00", "ns")
    aware = dt.datetime(2026, 7, 1, 8, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert to_utc_datetime64(aware) == np.datetime64("2026-07-01T00:00", "ns")
    with pytest.raises(InputError, match="offset"):
        to_utc_datetime64("2026-07-01T08:00")
    with pytest.raises(InputError, match="offset"):
        to_utc_datetime64(dt.datetime(2026, 7, 1, 8))


@pytest.mark.parametrize(
    "override, match",
    [
        (dict(wind_speed=np.r_[np.full(5, 2.0), -1.0, np.full(18, 2.0)]),
         r"wind_speed at 2026-07-01T05:00Z \(index 5\) must be in \[0, 100\] m s-1, got -1.0"),
        (dict(air_temperature=np.r_[np.full(3, 300.0), np.nan, np.full(20, 300.0)]),
         r"air_temperature at 2026-07-01T03:00Z \(index 3\) must be .*got nan"),
        (dict(cloud_area_fraction=np.full(24, 1.2)), "cloud_area_fraction at 2026-07-01T00:00Z"),
        (dict(low_cloud_area_fraction=np.full(24, 0.5)), r"low_cloud_area_fraction .* must be <= cloud_area"),
        (dict(wind_from_direction=np.full(24, 400.0)), "wind_from_direction"),
        (dict(ceiling_height=np.full(24, np.nan)), "ceiling_height"),
        (dict(wind_speed=np.ones(5)), "wind_speed length"),
        (dict(time=_hours(24)[::-1]), r"time\[1\] must be strictly after"),
        (dict(time=np.r_[_hours(12), _hours(12, "2026-07-02T00:00")]), r"time\[12\] must be .*at most 1 h"),
        (dict(typo_height=np.ones(24)), "optional variable must be one of"),
    ],
)
def test_validation_errors_name_variable_time_and_value(override, match):
    with pytest.raises(InputError, match=match):
        _weather(**override)


def test_validate_weather_checks_units_and_required_variables():
    ds = _weather()
    bad_units = ds.copy()
    bad_units["air_temperature"] = bad_units["air_temperature"].assign_attrs(units="degC")
    with pytest.raises(InputError, match="air_temperature units must be 'K', got 'degC'"):
        validate_weather(bad_units, "station 'S1'")
    with pytest.raises(InputError, match="missing"):
        validate_weather(ds.drop_vars("wind_speed"))
    with pytest.raises(InputError, match="xarray.Dataset"):
        validate_weather({"wind_speed": 1})
    # NaN mixing height means "unknown": allowed.
    validate_weather(_weather(atmosphere_boundary_layer_thickness=np.full(24, np.nan)))


def test_prepare_gb3840_matches_the_building_blocks():
    ds = _weather()
    met = prepare_dispersion_met(ds, latitude=LAT, longitude=LON, stability_method="gb3840", land_use="rural")
    elevation = solar_elevation_gb3840(ds["time"].values, LAT, LON)
    codes, labels = stability_gb3840(ds["wind_speed"].values, elevation, 3.0, 1.0)
    assert np.array_equal(met["stability_class"].values, codes)
    assert met["stability_class"].dtype == np.int8
    assert met["stability_label"].values.tolist() == labels.tolist()
    assert met["stability_class"].attrs["flag_meanings"] == "A B C D E F"
    assert met["stability_class"].attrs["flag_values"].tolist() == [0, 1, 2, 3, 4, 5]
    assert np.allclose(met["solar_elevation_angle"].values, elevation)
    assert met.attrs["land_use"] == "rural"
    # the input is not modified
    assert "stability_class" not in ds


def test_prepare_calm_reset_keeps_raw_wind():
    met = prepare_dispersion_met(_weather(), latitude=LAT, longitude=LON, stability_method="gb3840",
                                 land_use="urban")
    raw = met["wind_speed"].values
    assert np.array_equal(met["model_wind_speed"].values, np.maximum(raw, 1.0))
    assert np.array_equal(met["calm_flag"].values, (raw < 1.0).astype(np.int8))
    assert met["calm_flag"].values.sum() > 0


def test_prepare_fills_only_missing_mixing_heights():
    given = np.full(24, np.nan)
    given[:6] = 850.0
    met = prepare_dispersion_met(_weather(atmosphere_boundary_layer_thickness=given), latitude=LAT, longitude=LON,
                                 stability_method="gb3840", land_use="rural")
    mixing = met["atmosphere_boundary_layer_thickness"].values
    assert np.all(mixing[:6] == 850.0)
    expected = mixing_height_gb3840(met["stability_class"].values[6:], met["model_wind_speed"].values[6:], LAT, 5)
    assert np.allclose(mixing[6:], expected)
    assert "18 of 24 values filled" in met["atmosphere_boundary_layer_thickness"].attrs["comment"]


def test_prepare_turner_needs_ceiling_and_gives_letters():
    with_ceiling = prepare_dispersion_met(_weather(), latitude=LAT, longitude=LON, stability_method="turner",
                                          land_use="rural")
    labels = with_ceiling["stability_label"].values
    assert set(labels.tolist()) <= set("ABCDEF")
    assert [("ABCDEF".index(label)) for label in labels] == with_ceiling["stability_class"].values.tolist()
    with pytest.raises(InputError, match="ceiling_height .* present for stability_method 'turner'"):
        prepare_dispersion_met(_weather().drop_vars("ceiling_height"), latitude=LAT, longitude=LON,
                               stability_method="turner", land_use="rural")


@pytest.mark.parametrize("kwargs, match", [
    (dict(stability_method="pasquill"), "stability_method must be one of"),
    (dict(land_use="suburban"), "land_use must be one of"),
    (dict(mixing_height_region=9), "mixing_height_region must be one of"),
])
def test_prepare_rejects_unknown_choices(kwargs, match):
    arguments = dict(latitude=LAT, longitude=LON, stability_method="gb3840", land_use="rural") | kwargs
    with pytest.raises(InputError, match=match):
        prepare_dispersion_met(_weather(), **arguments)


def test_prepared_dataset_writes_to_netcdf(tmp_path):
    met = prepare_dispersion_met(_weather(), latitude=LAT, longitude=LON, stability_method="gb3840",
                                 land_use="rural")
    path = tmp_path / "met.nc"
    met.to_netcdf(path)
    with xr.open_dataset(path) as back:
        assert back["stability_label"].values.tolist() == met["stability_label"].values.tolist()
        assert back["stability_class"].dtype == np.int8


def test_select_period_inclusive_and_with_offsets():
    ds = _weather()
    part = select_period(ds, "2026-07-01T10:00+08:00", "2026-07-01T13:00+08:00")
    assert part["time"].values[0] == np.datetime64("2026-07-01T02:00", "ns")
    assert part.sizes["time"] == 4


def test_select_period_outside_coverage_names_both_ranges():
    ds = _weather()
    with pytest.raises(MeteoCoverageError,
                       match=r"requested 2026-07-01T20:00Z to 2026-07-02T02:00Z, available 2026-07-01T00:00Z to "
                             r"2026-07-01T23:00Z"):
        select_period(ds, np.datetime64("2026-07-01T20:00"), np.datetime64("2026-07-02T02:00"))


def test_select_period_gap_is_a_coverage_error():
    ds = _weather()
    gappy = xr.concat([ds.isel(time=slice(0, 5)), ds.isel(time=slice(9, 24))], dim="time")
    with pytest.raises(MeteoCoverageError, match="gap from 2026-07-01T04:00Z to 2026-07-01T09:00Z"):
        select_period(gappy, np.datetime64("2026-07-01T02:00"), np.datetime64("2026-07-01T12:00"))
    with pytest.raises(InputError, match="end"):
        select_period(ds, np.datetime64("2026-07-01T05:00"), np.datetime64("2026-07-01T02:00"))


def test_package_exports_resolve():
    import meteo

    for name in meteo.__all__:
        assert hasattr(meteo, name), name


def test_a_shortfall_is_retry_later_for_a_forecast_and_bad_input_for_a_file():
    """Issue 13, 7: a station CSV shorter than the period exited 75, so cron retried it forever."""
    from scenarios.common.spec import WeatherSpec
    from scenarios.common.weather import coverage_error
    from twin.errors import WeatherFileCoverageError

    assert coverage_error(WeatherSpec(source="forecast_netcdf", path="f.nc", start="2026-07-01T00:00+08:00",
                                      hours=3)).exit_code == 75
    for source in ("station_csv", "aermet"):
        assert coverage_error(WeatherSpec(source=source, path="w", start="2026-07-01T00:00+08:00",
                                          hours=3)) is WeatherFileCoverageError
    with pytest.raises(WeatherFileCoverageError, match="does not cover the period") as caught:
        select_period(_weather(), np.datetime64("2026-07-01T20:00"), np.datetime64("2026-07-02T02:00"),
                      error=WeatherFileCoverageError)
    assert caught.value.exit_code == 65
