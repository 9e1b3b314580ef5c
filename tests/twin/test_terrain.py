"""Terrain grid, bilinear elevation, GeoTIFF round trip and the NetCDF DEM reader."""

from __future__ import annotations

import numpy as np
import pyproj
import pytest
import tifffile
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.twin.park_factory import CELL, EPSG, NX, NY, X0, Y0, small_terrain
from twin.errors import InputError, MissingInputError
from twin.dem_io import read_dem, write_dem_geotiff
from twin.terrain import Terrain

PARK_CRS = pyproj.CRS.from_epsg(EPSG)


def test_geotiff_round_trip(tmp_path):
    terrain = small_terrain()
    path = write_dem_geotiff(tmp_path / "dem.tif", terrain, EPSG)
    back = read_dem(path, PARK_CRS)
    np.testing.assert_array_equal(back.x, terrain.x)
    np.testing.assert_array_equal(back.y, terrain.y)
    np.testing.assert_allclose(back.elevation, terrain.elevation, atol=1e-5)  # stored as float32
    assert not list(tmp_path.glob("*.part*"))  # written atomically, no leftovers


def test_geotiff_tags_follow_the_geotiff_standard(tmp_path):
    """What GDAL needs: pixel scale, one tiepoint at the north-west outer corner, projected EPSG, metres."""
    path = write_dem_geotiff(tmp_path / "dem.tif", small_terrain(), EPSG)
    with tifffile.TiffFile(path) as tif:
        tags = tif.pages[0].geotiff_tags
        raster = tif.pages[0].asarray()
    assert tags["ProjectedCSTypeGeoKey"] == EPSG
    assert int(tags["GTModelTypeGeoKey"]) == 1 and int(tags["GTRasterTypeGeoKey"]) == 1
    assert int(tags["ProjLinearUnitsGeoKey"]) == 9001
    assert list(tags["ModelPixelScale"]) == [CELL, CELL, 0.0]
    assert list(tags["ModelTiepoint"]) == [0, 0, 0, X0 - CELL / 2, Y0 + CELL * (NY - 0.5), 0]
    assert raster.shape == (NY, NX) and raster[0, 0] > raster[-1, 0]  # row 0 is north (z rises to the north)


def test_geotiff_in_another_projected_crs_is_reprojected(tmp_path):
    """A DEM in EPSG:4549 read for a park in UTM 51N (EPSG:32651) is warped onto a UTM grid, no longer refused: the
    plane z = 2 + 0.01 (x - X0) + 0.02 (y - Y0) of EPSG:4549 is found at UTM points (the truth: the point moved to
    EPSG:4549 with pyproj). Bilinear interpolation is exact on a plane, so the tolerance is float32 storage."""
    path = write_dem_geotiff(tmp_path / "dem.tif", small_terrain(), EPSG)
    utm = pyproj.CRS.from_epsg(32651)
    terrain = read_dem(path, utm)
    assert terrain.note.startswith("DEM reprojected from EPSG:4549 to EPSG:32651 by bilinear resampling")
    gx, gy = np.meshgrid(terrain.x, terrain.y)
    x, y = pyproj.Transformer.from_crs(utm, PARK_CRS, always_xy=True).transform(gx, gy)
    np.testing.assert_allclose(terrain.elevation, 2 + 0.01 * (x - X0) + 0.02 * (y - Y0), atol=1e-4)
    # the UTM grid lies inside the EPSG:4549 footprint of cell centres and fills most of it
    assert x.min() >= X0 - 1e-6 and x.max() <= X0 + CELL * (NX - 1) + 1e-6
    assert y.min() >= Y0 - 1e-6 and y.max() <= Y0 + CELL * (NY - 1) + 1e-6
    assert terrain.x.size * terrain.y.size * terrain.resolution[0] ** 2 > 0.8 * (NX - 1) * (NY - 1) * CELL ** 2


def test_rotated_geotiff_is_refused(tmp_path):
    path = tmp_path / "rotated.tif"
    matrix = (CELL, 5.0, 0, X0, 5.0, -CELL, 0, Y0, 0, 0, 0, 0, 0, 0, 0, 1.0)
    tifffile.imwrite(path, np.zeros((4, 4), np.float32), extratags=[(34264, "d", 16, matrix, True)])
    with pytest.raises(InputError, match="north-up"):
        read_dem(path, PARK_CRS)


def test_a_geographic_geotiff_needs_the_park_crs(tmp_path):
    """A lon/lat GeoTIFF (tags written by hand, as a GeoTIFF 1.1 reader sees them) is reprojected to the park CRS;
    read without one it is refused: there is no CRS in metres to put it in."""
    path = tmp_path / "lonlat.tif"
    keys = (1, 1, 0, 2, 1024, 0, 1, 2, 2048, 0, 1, 4326)
    tifffile.imwrite(path, np.full((8, 8), 7.5, np.float32), extratags=[
        (33550, "d", 3, (0.001, 0.001, 0.0), True), (33922, "d", 6, (0, 0, 0, 121.0, 32.5, 0), True),
        (34735, "H", len(keys), keys, True)])
    terrain = read_dem(path, PARK_CRS)
    assert terrain.note.startswith("DEM reprojected from EPSG:4326 to EPSG:4549")
    np.testing.assert_allclose(terrain.elevation, 7.5)
    with pytest.raises(InputError, match=r"lonlat.tif: DEM CRS EPSG:4326 \(WGS 84\) must be a projected CRS in "
                                         r"metres when no park CRS is given"):
        read_dem(path)


def test_missing_and_unknown_dem_files(tmp_path):
    with pytest.raises(MissingInputError):
        read_dem(tmp_path / "none.tif", PARK_CRS)
    other = tmp_path / "dem.asc"
    other.write_text("ncols 2\n")
    with pytest.raises(InputError, match=r"file suffix must be one of .tif, .tiff, .nc, .nc4, got '.asc'"):
        read_dem(other, PARK_CRS)


def _netcdf(path, name="height", standard_name="surface_altitude", descending=True):
    terrain = small_terrain()
    y = terrain.y[::-1] if descending else terrain.y
    z = terrain.elevation[::-1] if descending else terrain.elevation
    attrs = {"units": "m"} | ({"standard_name": standard_name} if standard_name else {})
    xr.Dataset({name: (("y", "x"), z, attrs)}, coords={"x": terrain.x, "y": y}).to_netcdf(path, engine="netcdf4")
    return terrain


def test_netcdf_reader_with_descending_y(tmp_path):
    terrain = _netcdf(tmp_path / "dem.nc")
    back = read_dem(tmp_path / "dem.nc", PARK_CRS)
    np.testing.assert_array_equal(back.y, terrain.y)
    np.testing.assert_array_equal(back.elevation, terrain.elevation)


def test_netcdf_reader_finds_variable_by_name(tmp_path):
    terrain = _netcdf(tmp_path / "dem.nc", name="elevation", standard_name=None, descending=False)
    np.testing.assert_array_equal(read_dem(tmp_path / "dem.nc", PARK_CRS).elevation, terrain.elevation)


def test_netcdf_without_elevation_lists_variables(tmp_path):
    _netcdf(tmp_path / "dem.nc", name="temperature", standard_name=None)
    with pytest.raises(InputError, match=r"no elevation variable.*got variables \['temperature'\]"):
        read_dem(tmp_path / "dem.nc", PARK_CRS)


def test_elevation_outside_the_dem_names_the_point():
    terrain = small_terrain()
    with pytest.raises(InputError, match=r"point \(599000.0, 3580100.0\) m is outside the DEM: x must be within "
                                         r"599975.0..600975.0 m"):
        terrain.elevation_at([X0, X0 - 1000.0], [Y0, Y0 + 100.0])
    # clamp=True holds the edge value instead
    assert terrain.elevation_at(X0 - 1000.0, Y0, clamp=True) == pytest.approx(2.0)


def test_invalid_grids_are_refused():
    with pytest.raises(InputError, match="strictly ascending"):
        Terrain(x=np.array([0.0, 0.0, 1.0]), y=np.arange(2.0), elevation=np.zeros((2, 3)))
    with pytest.raises(InputError, match="nodata"):
        Terrain(x=np.arange(2.0), y=np.arange(2.0), elevation=np.array([[0, 1], [np.nan, 1]]))


@settings(max_examples=60, deadline=None)
@given(u=st.floats(0.0, 1.0), v=st.floats(0.0, 1.0))
def test_bilinear_is_exact_on_a_plane(u, v):
    """Analytic check: bilinear interpolation reproduces any plane exactly (z = 2 + 0.01 dx + 0.02 dy)."""
    terrain = small_terrain()
    x = X0 + u * CELL * (NX - 1)
    y = Y0 + v * CELL * (NY - 1)
    assert terrain.elevation_at(x, y) == pytest.approx(2 + 0.01 * (x - X0) + 0.02 * (y - Y0), abs=1e-9)


def test_bilinear_midpoint_of_a_cell_is_the_mean_of_its_corners():
    z = np.array([[0.0, 1.0], [10.0, 30.0]])
    terrain = Terrain(x=np.array([0.0, 10.0]), y=np.array([0.0, 10.0]), elevation=z)
    assert terrain.elevation_at(5.0, 5.0) == pytest.approx(z.mean())
    assert isinstance(terrain.elevation_at(5.0, 5.0), float)
    assert terrain.elevation_at(np.array([[0.0, 10.0]]), np.array([[10.0, 0.0]])).tolist() == [[10.0, 1.0]]
