"""Tests of the CF coordinate builders of twin.schema (crs, grid mapping, x/y/lon/lat, time, realization, stations)."""

from __future__ import annotations

import numpy as np
import pyproj
import pytest
import xarray as xr

from twin import schema
from twin.errors import InputError

EPSG = 4549  # CGCS2000 / 3-degree Gauss-Kruger CM 120E
X = 600000.0 + 100.0 * np.arange(4)
Y = 3590000.0 + 100.0 * np.arange(3)
TIME = np.datetime64("2025-07-01T01:00", "ns") + np.arange(3) * np.timedelta64(1, "h")


# ------------------------------------------------------------------------------------------------ crs


@pytest.mark.parametrize("epsg", [4549, 32650, 27700])
def test_crs_round_trips_to_the_epsg_code(epsg):
    assert schema.crs(epsg).to_epsg() == epsg
    _, _, attrs = schema.grid_mapping_variable(epsg)
    assert pyproj.CRS.from_cf(attrs).to_epsg() == epsg  # the written grid mapping names the same CRS


@pytest.mark.parametrize("bad", [4490, 4326, 999999, "EPSG:4549", None])
def test_crs_rejects_what_is_not_a_projected_epsg_code_and_names_the_field(bad):
    with pytest.raises(InputError, match=r"crs_epsg must be an EPSG code of a projected CRS in metres, got"):
        schema.crs(bad)


def test_private_crs_is_gone():
    assert not hasattr(schema, "_crs")
    assert "crs" in schema.__all__


def test_grid_mapping_variable():
    dims, value, attrs = schema.grid_mapping_variable(EPSG)
    assert dims == () and value == 0 and np.asarray(value).dtype == np.int32
    assert attrs["grid_mapping_name"] == "transverse_mercator"
    assert attrs["longitude_of_central_meridian"] == 120.0 and attrs["false_easting"] == 500000.0
    assert "crs_wkt" in attrs
    assert np.asarray(schema.grid_mapping_variable(EPSG, dtype=np.int64)[1]).dtype == np.int64


# ------------------------------------------------------------------------------------------------ grids


def test_projected_grid_coordinates_are_cf():
    coords = schema.projected_xy_coords(X, Y, EPSG)
    assert list(coords) == ["x", "y", "lon", "lat"]
    assert coords["x"] == ("x", X, {"standard_name": "projection_x_coordinate", "units": "m", "axis": "X"})
    assert coords["y"][0] == "y" and coords["y"][2] == {"standard_name": "projection_y_coordinate", "units": "m",
                                                         "axis": "Y"}
    assert coords["lon"][0] == ("y", "x") and coords["lon"][1].shape == (Y.size, X.size)
    assert coords["lon"][2] == {"standard_name": "longitude", "units": "degrees_east"}
    assert coords["lat"][2] == {"standard_name": "latitude", "units": "degrees_north"}
    lon, lat = schema.geographic_coordinates(X[2], Y[1], EPSG)
    assert coords["lon"][1][1, 2] == pytest.approx(lon) and coords["lat"][1][1, 2] == pytest.approx(lat)


def test_projected_grid_options():
    coords = schema.projected_xy_coords(X, Y, EPSG, order="yx", long_names=True)
    assert list(coords) == ["y", "x", "lat", "lon"]
    assert coords["x"][2] == {"standard_name": "projection_x_coordinate", "long_name": "easting", "units": "m",
                              "axis": "X"}
    assert coords["lat"][2]["long_name"] == "latitude" and coords["lon"][2]["long_name"] == "longitude"
    without = schema.projected_xy_coords(X, Y, axis=False)
    assert list(without) == ["x", "y"] and "axis" not in without["x"][2]  # no CRS: no lon/lat
    given = schema.projected_xy_coords(X, Y, EPSG, lon=np.zeros((3, 4)), lat=np.ones((3, 4)))
    assert (given["lon"][1] == 0).all() and (given["lat"][1] == 1).all()


def test_builders_make_a_dataset_xarray_accepts():
    ds = xr.Dataset({"crs": schema.grid_mapping_variable(EPSG),
                     "field": (("realization", "time", "y", "x"), np.zeros((2, 3, 3, 4)), {"grid_mapping": "crs"})},
                    coords={"realization": schema.realization_coord(2), "time": schema.time_coord(TIME),
                            **schema.projected_xy_coords(X, Y, EPSG)})
    assert ds["x"].attrs["axis"] == "X" and ds["time"].attrs["axis"] == "T"
    assert set(ds.coords) == {"realization", "time", "x", "y", "lon", "lat"}
    assert ds["realization"].values.tolist() == [0, 1]


def test_grid_inputs_are_checked_and_named():
    with pytest.raises(InputError, match="order must be 'xy' or 'yx'"):
        schema.projected_xy_coords(X, Y, EPSG, order="zx")
    with pytest.raises(InputError, match="grid: x must be strictly monotonic"):
        schema.projected_xy_coords(X[[0, 2, 1, 3]], Y, EPSG)
    with pytest.raises(InputError, match="grid: y must be a non-empty 1-D array"):
        schema.projected_xy_coords(X, np.array([]), EPSG)
    with pytest.raises(InputError, match="crs_epsg must be"):
        schema.projected_xy_coords(X, Y, 4326)
    with pytest.raises(InputError, match="which must be one of"):
        schema.projection_coord("z", X)
    with pytest.raises(InputError, match="which must be one of"):
        schema.geographic_coord("longitude", X, "x")


# ------------------------------------------------------------------------------------------------ points


def test_point_coordinates():
    px, py = np.array([600310.0, 600500.0]), np.array([3590260.0, 3590100.0])
    coords = schema.point_xy_coords(px, py, EPSG, "station")
    assert list(coords) == ["x", "y", "lon", "lat"]
    assert coords["x"] == ("station", px, {"standard_name": "projection_x_coordinate", "units": "m"})  # no axis
    lon, lat = schema.geographic_coordinates(px, py, EPSG)
    assert np.array_equal(coords["lon"][1], lon) and np.array_equal(coords["lat"][1], lat)
    named = schema.point_xy_coords(px, py, EPSG, "source", names=("sx", "sy", "slon", "slat"),
                                   long_names=("stack easting", "stack northing", "stack longitude", "stack latitude"))
    assert list(named) == ["sx", "sy", "slon", "slat"]
    assert named["slat"][2] == {"standard_name": "latitude", "long_name": "stack latitude", "units": "degrees_north"}
    with pytest.raises(InputError, match="shape of x and y must be two 1-D arrays of the same length"):
        schema.point_xy_coords(px, py[:1], EPSG, "station")


def test_station_coordinates():
    coords = schema.station_coords(["R01", "R02"], ["化工园区第一小学", "村"])
    assert coords["station_id"][2] == {"long_name": "receptor identifier", "cf_role": "timeseries_id"}
    assert coords["station_id"][1].tolist() == ["R01", "R02"] and coords["station_name"][1][0] == "化工园区第一小学"
    with pytest.raises(InputError, match="station_id must be unique identifiers"):
        schema.station_coords(["R01", "R01"], ["a", "b"])
    with pytest.raises(InputError, match="station_name must be 2 values"):
        schema.station_coords(["R01", "R02"], ["a"])


# ------------------------------------------------------------------------------------------------ time, members


def test_time_coordinate():
    dims, values, attrs = schema.time_coord(TIME, bounds="time_bnds")
    assert dims == "time" and values is TIME
    assert attrs == {"standard_name": "time", "long_name": "time (UTC)", "axis": "T",
                     "units_metadata": "leap_seconds: none", "bounds": "time_bnds"}
    dims, _, attrs = schema.time_coord(TIME[0], None, long_name="period", axis=False, climatology="clim")
    assert dims == () and attrs == {"standard_name": "time", "long_name": "period",
                                    "units_metadata": "leap_seconds: none", "climatology": "clim"}
    assert schema.time_coord(TIME, long_name=None, axis=False, units_metadata=False)[2] == {"standard_name": "time"}
    with pytest.raises(InputError, match="output: time must be numpy datetime64 values"):
        schema.time_coord(np.arange(3.0))


def test_realization_coordinate():
    dims, values, attrs = schema.realization_coord(3)
    assert dims == "realization" and values.tolist() == [0, 1, 2]
    assert attrs == {"standard_name": "realization", "long_name": "ensemble member number", "units": "1"}
    _, values, attrs = schema.realization_coord([4, 7], long_name=None)
    assert values.tolist() == [4, 7] and attrs == {"standard_name": "realization", "units": "1"}
    for bad in ([0.5, 1.5], [[0, 1]], [-1]):
        with pytest.raises(InputError, match="output: realization must be"):
            schema.realization_coord(bad)


def test_percentile_coordinate():
    values = np.array([50.0, 90.0, 99.0])
    assert schema.percentile_coord(values) == ("percentile", values, {"long_name": "percentile", "units": "percent"})
    assert schema.percentile_coord(values, "arrival_percentile")[0] == "arrival_percentile"
    with pytest.raises(InputError, match="output: arrival_percentile must be 1-D percentiles in"):
        schema.percentile_coord([50.0, 150.0], "arrival_percentile")
