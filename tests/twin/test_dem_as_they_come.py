"""DEMs as they come: a DEM in another CRS is reprojected to the park CRS, voids are filled, what was done is noted;
DEMs that cannot be used credibly are refused with exit 65 (twin/dem_io.py, twin/dem_regrid.py)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pyproj
import pytest
import rasterio
import xarray as xr
from rasterio.transform import Affine

from tests.twin.park_factory import CELL, EPSG, NX, NY, X0, Y0, small_terrain, write_bundle
from twin.errors import InputError
from twin.inputs import input_notes, recording_inputs
from twin.io import load_park
from twin.store import Provenance
from twin.dem_io import read_dem, write_dem_geotiff
from twin.dem_regrid import MAX_FILL_DISTANCE

PARK_CRS = pyproj.CRS.from_epsg(EPSG)
TO_LONLAT = pyproj.Transformer.from_crs(PARK_CRS, "EPSG:4326", always_xy=True)

# An SRTM-like 1" tile in EPSG:4326 over the demo park (centre 121.30 E, 32.40 N; twin/demo.py), and a plane in
# longitude/latitude on it: z = 10 + 800 (lon - 121.3) + 1200 (lat - 32.4) [m] (0.9 % east, 1.1 % north).
ARCSEC = 1.0 / 3600.0
LON0, LAT0 = 121.22, 32.47  # north-west outer corner [degrees]
TILE_NX, TILE_NY = 576, 504  # 0.16° x 0.14°: about 15 km x 15.5 km


def lonlat_plane(lon, lat):
    return 10.0 + 800.0 * (np.asarray(lon) - 121.3) + 1200.0 * (np.asarray(lat) - 32.4)


def tile_centres() -> tuple[np.ndarray, np.ndarray]:
    lon = LON0 + ARCSEC * (np.arange(TILE_NX) + 0.5)
    lat = LAT0 - ARCSEC * (np.arange(TILE_NY) + 0.5)  # row 0 = north
    return lon, lat


def write_geotiff(path, z, transform, crs, *, nodata=None, dtype="float64"):
    with rasterio.open(path, "w", driver="GTiff", width=z.shape[1], height=z.shape[0], count=1, dtype=dtype,
                       crs=crs, transform=transform, nodata=nodata, compress="deflate") as dataset:
        dataset.write(z.astype(dtype), 1)
    return path


def write_lonlat_tile(path, z=None, crs_override=None, **kwargs):
    lon, lat = tile_centres()
    z = lonlat_plane(lon[None, :], lat[:, None]) if z is None else z
    crs = "EPSG:4326" if crs_override is None else crs_override
    return write_geotiff(path, z, Affine(ARCSEC, 0.0, LON0, 0.0, -ARCSEC, LAT0), crs, **kwargs)


def test_a_lonlat_plane_is_reproduced_on_the_park_grid(tmp_path):
    """(a) Analytic check. Bilinear interpolation is exact on a plane, and the plane is one in lon/lat, so every
    cell centre of the park grid must hold the plane's value at its own lon/lat (pyproj, independent of GDAL):
    1 mm allows float rounding and the warp's 0.001-cell transformer tolerance (about 0.03 mm here). A half-cell
    shift of the grid would be off by ~0.15 m, GDAL's default tolerance by up to 3 cm."""
    terrain = read_dem(write_lonlat_tile(tmp_path / "srtm.tif"), PARK_CRS)
    gx, gy = np.meshgrid(terrain.x, terrain.y)
    lon, lat = TO_LONLAT.transform(gx, gy)
    np.testing.assert_allclose(terrain.elevation, lonlat_plane(lon, lat), rtol=0, atol=1e-3)
    # Between centres the park grid's own bilinear interpolation: exact to the plane's curvature in x/y (tiny).
    rng = np.random.default_rng(7)
    px = rng.uniform(terrain.x[0], terrain.x[-1], 500)
    py = rng.uniform(terrain.y[0], terrain.y[-1], 500)
    np.testing.assert_allclose(terrain.elevation_at(px, py), lonlat_plane(*TO_LONLAT.transform(px, py)), atol=1e-3)
    # The cell: 1" is 26.1 m east-west and 30.8 m north-south at 32.4° N; the smaller, to 2 significant figures.
    assert terrain.resolution == pytest.approx((26.0, 26.0))
    assert np.all(np.mod(terrain.x, 26.0) == 0) and np.all(np.mod(terrain.y, 26.0) == 0)
    # The grid lies inside the tile's footprint and covers most of it (a lon/lat tile is turned ~0.7° in EPSG:4549).
    lon, lat = TO_LONLAT.transform(gx, gy)
    west, east = tile_centres()[0][[0, -1]]
    north, south = tile_centres()[1][[0, -1]]
    assert lon.min() >= west and lon.max() <= east and lat.min() >= south and lat.max() <= north
    xmin, ymin, xmax, ymax = terrain.bounds
    tile_area = (TILE_NX * 26.1) * (TILE_NY * 30.8)
    assert (xmax - xmin) * (ymax - ymin) > 0.95 * tile_area
    assert terrain.note.startswith("DEM reprojected from EPSG:4326 to EPSG:4549 by bilinear resampling (GDAL "
                                   "warp) onto ")
    assert "cells of 26 m (a source cell is 26.1 m × 30.8 m there" in terrain.note


@pytest.mark.parametrize("flag", ["declared nodata -9999", "SRTM -32768 undeclared", "NaN"])
def test_a_small_void_in_a_plane_is_filled(tmp_path, flag):
    """(b) A 5 x 4-cell hole in the tilted plane of the park factory (z = 2 + 0.01 dx + 0.02 dy, park CRS; 1.12 m
    of change per 50-m cell) is filled by inverse distance weighting from its edges. IDW is a weighted mean of edge
    values, so it is not exact on a plane: its error is bounded by the change over the distance to the values it
    averages (up to 3.2 cells here). Required: within the change across 1.5 cells (1.68 m) — a nearest-value fill
    is off by 2 cells' change (2.2 m) in the hole's middle rows, an unfilled or zero-filled hole by 10 m or more —
    and valid cells untouched."""
    terrain = small_terrain()
    z = terrain.elevation[::-1].copy()  # north-up
    hole = (slice(6, 10), slice(8, 13))
    nodata = None
    if flag.startswith("declared"):
        z[hole], nodata = -9999.0, -9999.0
    elif flag.startswith("SRTM"):
        z[hole] = -32768.0
    else:
        z[hole] = np.nan
    transform = Affine(CELL, 0.0, X0 - CELL / 2, 0.0, -CELL, Y0 + CELL * (NY - 0.5))
    path = write_geotiff(tmp_path / "dem.tif", z, transform, f"EPSG:{EPSG}", nodata=nodata)
    back = read_dem(path, PARK_CRS)
    np.testing.assert_array_equal(back.x, terrain.x)
    np.testing.assert_array_equal(back.y, terrain.y)
    filled = np.zeros(z.shape, bool)
    filled[hole] = True
    filled = filled[::-1]
    error = np.abs(back.elevation - terrain.elevation)
    assert error[filled].max() < 1.5 * np.hypot(0.01, 0.02) * CELL, error[filled].max()
    assert error[~filled].max() < 1e-9
    assert back.note == ("20 void cells (6.25 % of 320) filled by inverse-distance-weighted interpolation from the "
                         "void edges (GDAL FillNodata, no smoothing; largest distance to valid data 100 m)")


def test_a_mostly_void_dem_is_refused_with_its_void_fraction(tmp_path):
    """(c) 345 of 576 columns (59.9 % of the cells) void: refused (exit 65), the message names the file, the count,
    the fraction and the limit."""
    lon, lat = tile_centres()
    z = lonlat_plane(lon[None, :], lat[:, None])
    z[:, : int(0.6 * TILE_NX)] = -32768.0
    path = write_lonlat_tile(tmp_path / "srtm_voids.tif", z, nodata=-32768.0, dtype="int16")
    with pytest.raises(InputError) as caught:
        read_dem(path, PARK_CRS, where="park.yaml: dem 'srtm_voids.tif'")
    message = str(caught.value)
    assert caught.value.exit_code == 65
    assert message.startswith("park.yaml: dem 'srtm_voids.tif': 173,880 of the DEM's 290,304 cells (59.9 %) are voids "
                              "(nodata, NaN or -32768); at most 25% can be filled credibly by interpolation")


def test_a_void_wider_than_the_fill_distance_is_refused(tmp_path):
    """A void 800 m across (16 cells of 50 m; 5 % of the cells) reaches 400 m from valid data: more than the 300 m
    interpolation is trusted over, so refused even though the void fraction is small."""
    x = X0 + CELL * np.arange(80)
    y = Y0 + CELL * np.arange(80)
    z = np.full((80, 80), 5.0)
    z[30:46, 30:46] = np.nan
    transform = Affine(CELL, 0.0, x[0] - CELL / 2, 0.0, -CELL, y[-1] + CELL / 2)
    path = write_geotiff(tmp_path / "wide_void.tif", z, transform, f"EPSG:{EPSG}")
    with pytest.raises(InputError, match=r"wide_void.tif: a void reaches 400 m from the nearest valid cell \(at x = "
                                         r"601850.0, y = 3582050.0 in the DEM's CRS\); voids are filled only up to "
                                         r"300 m from valid data \(at most 600 m across\)") as caught:
        read_dem(path, PARK_CRS)
    assert caught.value.exit_code == 65
    assert MAX_FILL_DISTANCE == 300.0
    z[30:44, 30:44] = np.nan  # the same place, 14 cells (700 m) across: a cell 350 m from valid data: still refused
    z[44:46, :] = z[:, 44:46] = 5.0
    write_geotiff(path, z, transform, f"EPSG:{EPSG}")
    with pytest.raises(InputError, match="reaches 350 m"):
        read_dem(path, PARK_CRS)
    z[:] = 5.0
    z[30:42, 30:42] = np.nan  # 12 cells (600 m) across: 300 m at most, filled
    write_geotiff(path, z, transform, f"EPSG:{EPSG}")
    np.testing.assert_allclose(read_dem(path, PARK_CRS).elevation, 5.0)


def test_voids_of_a_lonlat_tile_are_filled_before_it_is_reprojected(tmp_path):
    """SRTM as it comes: -32768 voids, EPSG:4326 (float32 here, so the plane is not rounded). A 6 x 6-cell void is
    filled on the tile's own grid, then the tile is warped. The plane changes by 0.42 m per 1" cell (0.26 m east,
    0.33 m north); as in the test above the park grid must stay within the change across 1.5 cells (0.63 m), where
    a nearest-value fill is off by 3 cells' change (1.3 m) in the middle of the void."""
    lon, lat = tile_centres()
    z = lonlat_plane(lon[None, :], lat[:, None])
    z[250:256, 280:286] = -32768.0
    path = write_lonlat_tile(tmp_path / "srtm.tif", z, nodata=-32768.0, dtype="float32")
    terrain = read_dem(path, PARK_CRS)
    assert "; 36 void cells (0.0124 % of 290,304) filled by inverse-distance-weighted interpolation" in terrain.note
    gx, gy = np.meshgrid(terrain.x, terrain.y)
    truth = lonlat_plane(*TO_LONLAT.transform(gx, gy))
    assert np.abs(terrain.elevation - truth).max() < 1.5 * np.hypot(800 * ARCSEC, 1200 * ARCSEC)


def test_a_lonlat_netcdf_dem_with_fill_values_is_reprojected_and_filled(tmp_path):
    """The NetCDF path too: a CF lat/lon DEM (no grid_mapping: WGS 84) with _FillValue voids (3 x 3 cells: within
    the change across 1.5 cells, as above)."""
    lon, lat = tile_centres()
    z = lonlat_plane(lon[None, :], lat[:, None]).astype(np.float32)
    z[100:103, 100:103] = np.nan
    xr.Dataset({"elevation": (("lat", "lon"), z, {"units": "m", "standard_name": "surface_altitude"})},
               coords={"lon": ("lon", lon, {"units": "degrees_east"}), "lat": ("lat", lat, {"units": "degrees_north"})}
               ).to_netcdf(tmp_path / "dem.nc", engine="netcdf4",
                           encoding={"elevation": {"_FillValue": -32768.0, "dtype": "float32"}})
    terrain = read_dem(tmp_path / "dem.nc", PARK_CRS)
    assert terrain.note.startswith("DEM reprojected from EPSG:4326 to EPSG:4549")
    assert "; 9 void cells (" in terrain.note
    gx, gy = np.meshgrid(terrain.x, terrain.y)
    np.testing.assert_allclose(terrain.elevation, lonlat_plane(*TO_LONLAT.transform(gx, gy)),
                               atol=1.5 * np.hypot(800 * ARCSEC, 1200 * ARCSEC))


def test_a_projected_netcdf_dem_in_another_crs_is_reprojected(tmp_path):
    """A NetCDF DEM whose grid mapping (crs_wkt) names UTM 51N, read for the EPSG:4549 park."""
    utm = pyproj.CRS.from_epsg(32651)
    ux, uy = pyproj.Transformer.from_crs(PARK_CRS, utm, always_xy=True).transform(X0 + 500.0, Y0 + 400.0)
    x = np.round(ux) + 30.0 * np.arange(-20, 21)
    y = np.round(uy) + 30.0 * np.arange(-20, 21)
    z = 3.0 + 0.01 * (x[None, :] - x[0]) + 0.02 * (y[:, None] - y[0])
    xr.Dataset({"dem": (("y", "x"), z, {"units": "m", "grid_mapping": "crs"}),
                "crs": ((), 0, {"crs_wkt": utm.to_wkt()})}, coords={"x": x, "y": y}
               ).to_netcdf(tmp_path / "dem.nc", engine="netcdf4")
    terrain = read_dem(tmp_path / "dem.nc", PARK_CRS)
    assert terrain.note.startswith("DEM reprojected from EPSG:32651 to EPSG:4549")
    gx, gy = np.meshgrid(terrain.x, terrain.y)
    sx, sy = pyproj.Transformer.from_crs(PARK_CRS, utm, always_xy=True).transform(gx, gy)
    # exact on a plane but for the warp's transformer tolerance, 0.001 cell x 30 m x 2.2 % = 0.7 mm
    np.testing.assert_allclose(terrain.elevation, 3.0 + 0.01 * (sx - x[0]) + 0.02 * (sy - y[0]), atol=1e-3)


def test_a_dem_in_the_park_crs_is_read_as_it_is_with_no_note(tmp_path):
    terrain = small_terrain()
    back = read_dem(write_dem_geotiff(tmp_path / "dem.tif", terrain, EPSG), PARK_CRS)
    np.testing.assert_allclose(back.elevation, terrain.elevation, atol=1e-5)
    assert back.note == ""
    with recording_inputs():
        read_dem(tmp_path / "dem.tif", PARK_CRS)
        assert input_notes() == {}


def test_what_was_done_is_logged_recorded_for_the_run_and_in_netcdf_attributes(tmp_path, caplog):
    path = write_lonlat_tile(tmp_path / "srtm.tif")
    with recording_inputs():
        with caplog.at_level("INFO", logger="parktwin"):
            terrain = read_dem(path, PARK_CRS, where="park.yaml: dem 'srtm.tif'")
        assert input_notes() == {str(path.resolve()): terrain.note}
        attrs = Provenance(scenario_config="{}", command_line="test").attrs()
    assert json.loads(attrs["input_notes"]) == {str(path.resolve()): terrain.note}
    assert f"park.yaml: dem 'srtm.tif': {terrain.note}" in caplog.messages
    assert input_notes() == {}  # outside a recording: nothing kept


def write_lonlat_bundle(folder):
    """The small test park (park_factory) with dem.tif replaced by an int16 lon/lat 1" tile of the lon/lat plane
    reaching 200 m beyond the factory's DEM, with a 3 x 3-cell -32768 void; return the park.yaml path."""
    park_yaml = write_bundle(folder, with_dem=False)
    lon, lat = TO_LONLAT.transform([X0 - 200.0, X0 + CELL * NX + 200.0], [Y0 - 200.0, Y0 + CELL * NY + 200.0])
    west, east, south, north = lon[0], lon[1], lat[0], lat[1]
    nx, ny = int((east - west) / ARCSEC), int((north - south) / ARCSEC)
    lon_c = west + ARCSEC * (np.arange(nx) + 0.5)
    lat_c = north - ARCSEC * (np.arange(ny) + 0.5)
    z = lonlat_plane(lon_c[None, :], lat_c[:, None])
    z[10:13, 10:13] = -32768.0
    write_geotiff(folder / "dem.tif", z, Affine(ARCSEC, 0.0, west, 0.0, -ARCSEC, north), "EPSG:4326",
                  nodata=-32768.0, dtype="int16")
    return park_yaml


def test_a_park_bundle_with_a_lonlat_dem_loads(tmp_path):
    """load_park with dem.tif replaced by a lon/lat tile over the small test park (voids included)."""
    park = load_park(write_lonlat_bundle(tmp_path))
    assert park.terrain.note.startswith("DEM reprojected from EPSG:4326 to EPSG:4549")
    assert "; 9 void cells" in park.terrain.note
    stack = park.stacks[0]
    truth = lonlat_plane(*TO_LONLAT.transform(stack.x, stack.y))
    assert park.terrain.elevation_at(stack.x, stack.y) == pytest.approx(truth, abs=1.0)  # int16: whole metres


# --- (d) what was refused before is still refused, cleanly (exit 65, the file named) ------------------------------

def test_a_truncated_deflate_geotiff_is_bad_input(tmp_path):
    """A real deflate GeoTIFF cut in the middle of its compressed strips: GDAL fails to read; exit 65, no traceback."""
    rng = np.random.default_rng(3)
    transform = Affine(CELL, 0.0, X0, 0.0, -CELL, Y0)
    path = write_geotiff(tmp_path / "cut.tif", rng.normal(5.0, 1.0, (200, 200)), transform, f"EPSG:{EPSG}")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match=r"^cut.tif: not a readable GeoTIFF \(") as caught:
        read_dem(path, PARK_CRS)
    assert caught.value.exit_code == 65


def test_a_tiff_without_georeferencing_is_refused(tmp_path):
    import tifffile

    tifffile.imwrite(tmp_path / "plain.tif", np.zeros((4, 4), np.float32))
    with pytest.raises(InputError, match=r"plain.tif: missing GeoTIFF georeferencing \(ModelPixelScaleTag 33550 and "
                                         r"ModelTiepointTag 33922 are required\)"):
        read_dem(tmp_path / "plain.tif", PARK_CRS)


def test_a_multi_band_raster_is_refused(tmp_path):
    path = tmp_path / "rgb.tif"
    with rasterio.open(path, "w", driver="GTiff", width=4, height=4, count=3, dtype="uint8", crs=f"EPSG:{EPSG}",
                       transform=Affine(CELL, 0.0, X0, 0.0, -CELL, Y0)) as dataset:
        dataset.write(np.zeros((3, 4, 4), np.uint8))
    with pytest.raises(InputError, match=r"rgb.tif: number of raster bands must be 1 \(one band of elevations\), "
                                         r"got 3"):
        read_dem(path, PARK_CRS)


def test_a_dem_in_feet_is_refused(tmp_path):
    path = tmp_path / "feet.tif"
    with rasterio.open(path, "w", driver="GTiff", width=4, height=4, count=1, dtype="float32", crs=f"EPSG:{EPSG}",
                       transform=Affine(CELL, 0.0, X0, 0.0, -CELL, Y0)) as dataset:
        dataset.write(np.zeros((1, 4, 4), np.float32))
        dataset.units = ("ft",)
    with pytest.raises(InputError, match=r"feet.tif: band unit must be 'm' \(elevations in metres\), got 'ft'"):
        read_dem(path, PARK_CRS)


def test_a_png_named_tif_is_refused(tmp_path):
    path = tmp_path / "picture.tif"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rasterio.errors.NotGeoreferencedWarning)  # a picture: no georeferencing
        with rasterio.open(path.with_suffix(".png"), "w", driver="PNG", width=4, height=4, count=1,
                           dtype="uint8") as dataset:
            dataset.write(np.zeros((1, 4, 4), np.uint8))
    path.write_bytes(path.with_suffix(".png").read_bytes())
    with pytest.raises(InputError, match=r"picture.tif: file format must be a GeoTIFF, got 'PNG \(as GDAL reads "
                                         r"it\)'"):
        read_dem(path, PARK_CRS)


def test_a_dem_far_from_the_park_crs_area_is_refused(tmp_path):
    """A tile on the other side of the Earth: PROJ gives no finite park coordinates; refused, not a traceback."""
    transform = Affine(ARCSEC, 0.0, -60.0, 0.0, -ARCSEC, -20.0)
    path = write_geotiff(tmp_path / "far.tif", np.full((10, 10), 5.0), transform, "EPSG:4326")
    with pytest.raises(InputError, match=r"far.tif: ") as caught:
        read_dem(path, PARK_CRS)
    assert caught.value.exit_code == 65


def test_a_compound_crs_is_taken_by_its_horizontal_part(tmp_path):
    """SRTM is distributed as 'WGS 84 + EGM96 height' (EPSG:4326+5773): reprojected from EPSG:4326, heights as they
    are; a park-CRS DEM with a vertical datum attached is the park CRS and is read as it is, with no note."""
    compound = rasterio.crs.CRS.from_wkt(pyproj.CRS("EPSG:4326+5773").to_wkt())
    terrain = read_dem(write_lonlat_tile(tmp_path / "srtm.tif", crs_override=compound), PARK_CRS)
    assert terrain.note.startswith("DEM reprojected from EPSG:4326 to EPSG:4549")
    gx, gy = np.meshgrid(terrain.x, terrain.y)
    np.testing.assert_allclose(terrain.elevation, lonlat_plane(*TO_LONLAT.transform(gx, gy)), atol=1e-3)
    park_compound = rasterio.crs.CRS.from_wkt(pyproj.CRS(f"EPSG:{EPSG}+5773").to_wkt())
    transform = Affine(CELL, 0.0, X0 - CELL / 2, 0.0, -CELL, Y0 + CELL * (NY - 0.5))
    path = write_geotiff(tmp_path / "dem.tif", small_terrain().elevation[::-1], transform, park_compound)
    back = read_dem(path, PARK_CRS)
    assert back.note == ""
    np.testing.assert_allclose(back.elevation, small_terrain().elevation)


def test_a_single_row_dem_is_refused(tmp_path):
    path = write_geotiff(tmp_path / "row.tif", np.full((1, 6), 4.0), Affine(CELL, 0.0, X0, 0.0, -CELL, Y0),
                         f"EPSG:{EPSG}")
    with pytest.raises(InputError, match=r"row.tif: raster size must be at least 2 × 2 cells, got '1 × 6 cells'"):
        read_dem(path, PARK_CRS)
