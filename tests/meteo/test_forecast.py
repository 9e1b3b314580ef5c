"""Forecast NetCDF reader: CF names and model names, interpolation at the site, retry-later vs fix-the-input."""

from __future__ import annotations

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
