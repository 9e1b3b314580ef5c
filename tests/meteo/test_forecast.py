"""Forecast NetCDF reader: CF names and model names, interpolation at the site, retry-later vs fix-the-input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from meteo.forecast import read_forecast_netcdf, write_sample_forecast
from meteo.synthetic import synthetic_weather
from twin.errors import InputError, MeteoCoverageError

LON, LAT = 121.3, 32.4
START = "2026-07-15T00:00:00+08:00"


@pytest.fixture
def sample(tmp_path):
    return write_sample_forecast(tmp_path / "forecast.nc", start=START, hours=36, longitude=LON, latitude=LAT, seed=5)


def test_the_site_series_is_the_generators_weather(sample):
    weather = read_forecast_netcdf(sample, longitude=LON, latitude=LAT)
    truth = synthetic_weather(START, 36, latitude=LAT, longitude=LON, seed=5)
    assert weather.sizes["time"] == 36
    np.testing.assert_array_equal(weather["time"].values, truth["time"].values)
    # At the grid node of the site the fields are the generator's, to float32 storage precision.
    np.testing.assert_allclose(weather["wind_speed"].values, truth["wind_speed"].values, rtol=1e-5, atol=1e-5)
    turn = (weather["wind_from_direction"].values - truth["wind_from_direction"].values + 180.0) % 360.0 - 180.0
    assert np.abs(turn[truth["wind_speed"].values > 0.2]).max() < 1e-3
    np.testing.assert_allclose(weather["air_temperature"].values, truth["air_temperature"].values, atol=1e-4)
    assert np.all(weather["atmosphere_boundary_layer_thickness"].values >= 300.0)


def test_bilinear_interpolation_between_grid_nodes(sample):
    # The sample's temperature falls 0.6 K per 0.1° eastward, linearly: half a grid step (0.025°) east of the site
    # the bilinear value is exactly 0.15 K lower (a linear field is reproduced exactly by bilinear interpolation).
    at_site = read_forecast_netcdf(sample, longitude=LON, latitude=LAT)["air_temperature"].values
    east = read_forecast_netcdf(sample, longitude=LON + 0.025, latitude=LAT + 0.01)["air_temperature"].values
    np.testing.assert_allclose(at_site - east, 0.15, atol=2e-4)


def test_model_names_without_standard_names_are_recognised(sample, tmp_path):
    with xr.open_dataset(sample, engine="netcdf4") as ds:
        era5 = ds.load()
    for name in era5.data_vars:
        era5[name].attrs.pop("standard_name", None)
    era5 = era5.rename({"lat": "latitude", "lon": "longitude"})
    era5.to_netcdf(tmp_path / "era5.nc", engine="netcdf4")
    a = read_forecast_netcdf(sample, longitude=LON, latitude=LAT)
    b = read_forecast_netcdf(tmp_path / "era5.nc", longitude=LON, latitude=LAT)
    np.testing.assert_array_equal(a["wind_speed"].values, b["wind_speed"].values)


def test_a_forecast_not_there_yet_is_retry_later(tmp_path):
    with pytest.raises(MeteoCoverageError, match="not there yet") as caught:
        read_forecast_netcdf(tmp_path / "2026111800.nc", longitude=LON, latitude=LAT)
    assert caught.value.exit_code == 75


def test_a_malformed_forecast_is_fix_the_input(sample, tmp_path):
    with xr.open_dataset(sample, engine="netcdf4") as ds:
        broken = ds.load().drop_vars("u10")
    broken.to_netcdf(tmp_path / "broken.nc", engine="netcdf4")
    with pytest.raises(InputError, match="no variable for u10.*eastward_wind") as caught:
        read_forecast_netcdf(tmp_path / "broken.nc", longitude=LON, latitude=LAT)
    assert caught.value.exit_code == 65
    with pytest.raises(InputError, match="inside the forecast grid"):
        read_forecast_netcdf(sample, longitude=LON + 5.0, latitude=LAT)
    (tmp_path / "junk.nc").write_text("not netcdf")
    with pytest.raises(InputError, match="not a readable NetCDF"):
        read_forecast_netcdf(tmp_path / "junk.nc", longitude=LON, latitude=LAT)


def test_precipitation_is_read_as_a_rate_field_in_m_per_s(tmp_path):
    from meteo.forecast import read_forecast_precipitation

    wet = write_sample_forecast(tmp_path / "wet.nc", start=START, hours=24, longitude=LON, latitude=LAT, rain="wet")
    rate = read_forecast_precipitation(wet)
    assert rate.dims == ("time", "latitude", "longitude") and rate.attrs["units"] == "m s-1"
    # The band peaks at 30 mm/h over the site 12 h after the start (meteo.forecast.SAMPLE_RAIN_BAND).
    assert float(rate.sel(latitude=LAT, longitude=LON).isel(time=12)) * 3.6e6 == pytest.approx(30.0, rel=1e-5)
    with xr.open_dataset(wet, engine="netcdf4") as ds:
        gfs = ds.load()
    gfs = gfs.rename({"pr": "PRATE_surface"})
    gfs["PRATE_surface"].attrs = {"units": "mm h-1"}
    gfs["PRATE_surface"] = gfs["PRATE_surface"] * 3600.0  # kg m-2 s-1 -> mm h-1
    gfs["PRATE_surface"].attrs = {"units": "mm h-1"}
    gfs.to_netcdf(tmp_path / "gfs.nc", engine="netcdf4")
    np.testing.assert_allclose(read_forecast_precipitation(tmp_path / "gfs.nc").values, rate.values, rtol=1e-6)
    gfs["PRATE_surface"].attrs = {"units": "inch/h"}
    gfs.to_netcdf(tmp_path / "inches.nc", engine="netcdf4")
    with pytest.raises(InputError, match="PRATE_surface: units must be one of .*kg m-2 s-1.*got 'inch/h'"):
        read_forecast_precipitation(tmp_path / "inches.nc")
    assert read_forecast_precipitation(gfs.drop_vars("PRATE_surface").to_netcdf(tmp_path / "none.nc") or
                                       tmp_path / "none.nc") is None
    with pytest.raises(InputError, match="rain must be one of dry, wet"):
        write_sample_forecast(tmp_path / "x.nc", start=START, hours=2, longitude=LON, latitude=LAT, rain="monsoon")


def _rewritten(sample, tmp_path, name, change) -> "Path":
    """The sample forecast with ``change(ds)`` applied, written to ``tmp_path / name``."""
    with xr.open_dataset(sample, engine="netcdf4") as ds:
        edited = ds.load()
    change(edited)
    edited.to_netcdf(tmp_path / name, engine="netcdf4")
    return tmp_path / name


def test_forecast_units_are_read_not_assumed(sample, tmp_path):
    """Issue 13 D: cloud cover in % was clipped to 1 and winds in km/h were used as m/s."""

    def restate(ds):
        for name, factor, units in (("u10", 3.6, "km h-1"), ("v10", 3.6, "km/h"), ("tcc", 100.0, "%"),
                                    ("lcc", 100.0, "percent")):
            variable = next(v for v in ds.data_vars.values() if v.name == name or
                            v.attrs.get("standard_name") == {"u10": "eastward_wind", "v10": "northward_wind",
                                                             "tcc": "cloud_area_fraction",
                                                             "lcc": "low_type_cloud_area_fraction"}[name])
            ds[variable.name] = variable * factor
            ds[variable.name].attrs = {**variable.attrs, "units": units}
        t2 = next(v for v in ds.data_vars.values() if v.attrs.get("standard_name") == "air_temperature")
        ds[t2.name] = t2 - 273.15
        ds[t2.name].attrs = {**t2.attrs, "units": "degC"}

    def partly_cloudy(ds):  # the sample is overcast; a ramp 0..1 makes the % check mean something
        for standard_name in ("cloud_area_fraction", "low_type_cloud_area_fraction"):
            name = next(v.name for v in ds.data_vars.values() if v.attrs.get("standard_name") == standard_name)
            ramp = np.linspace(0.0, 1.0, ds.sizes["time"]).reshape((-1,) + (1,) * (ds[name].ndim - 1))
            ds[name].values = np.broadcast_to(ramp, ds[name].shape).astype(ds[name].dtype)

    sample = _rewritten(sample, tmp_path, "partly.nc", partly_cloudy)
    restated = _rewritten(sample, tmp_path, "restated.nc", restate)
    a = read_forecast_netcdf(sample, longitude=LON, latitude=LAT)
    b = read_forecast_netcdf(restated, longitude=LON, latitude=LAT)
    for name in ("wind_speed", "air_temperature", "cloud_area_fraction", "low_cloud_area_fraction"):
        np.testing.assert_allclose(b[name].values, a[name].values, rtol=1e-5, atol=1e-4, err_msg=name)
    assert a["cloud_area_fraction"].values[1:-1].max() < 1.0  # the cloud was not all 1


@pytest.mark.parametrize("units, match", [(None, "units must be a unit of m s-1"), ("m", "not a unit of m s-1"),
                                          ("furlongs per fortnight", "unknown unit")])
def test_a_wind_without_a_speed_unit_is_refused(sample, tmp_path, units, match):
    def drop(ds):
        name = next(v.name for v in ds.data_vars.values() if v.attrs.get("standard_name") == "eastward_wind")
        ds[name].attrs = {k: v for k, v in ds[name].attrs.items() if k != "units"} | (
            {"units": units} if units else {})

    with pytest.raises(InputError, match=match) as caught:
        read_forecast_netcdf(_rewritten(sample, tmp_path, "nounits.nc", drop), longitude=LON, latitude=LAT)
    assert caught.value.exit_code == 65


def test_values_outside_their_plausible_range_are_refused(sample, tmp_path):
    def corrupt(ds):
        name = next(v.name for v in ds.data_vars.values() if v.attrs.get("standard_name") == "air_temperature")
        ds[name][5] = 1e30

    with pytest.raises(InputError, match=r"at 2026-07-14T21:00Z: t2 must be finite and within 180\.\.340 K"):
        read_forecast_netcdf(_rewritten(sample, tmp_path, "hot.nc", corrupt), longitude=LON, latitude=LAT)


def test_a_time_without_units_is_refused_not_read_as_1970(sample, tmp_path):
    def strip(ds):
        ds["time"] = ("time", np.arange(ds.sizes["time"], dtype=np.int64))

    with pytest.raises(InputError, match="a CF time coordinate with units"):
        read_forecast_netcdf(_rewritten(sample, tmp_path, "notime.nc", strip), longitude=LON, latitude=LAT)
