"""End to end: the demo park with its DEM delivered as SRTM delivers it — EPSG:4326, 1", int16, -32768 voids — loads
and a plume run on it finishes, with what was done to the DEM in run.json and plume.nc; a short flood on the small
test park with such a DEM carries the note on its ground elevation (twin/dem_regrid.py)."""

from __future__ import annotations

import json

import numpy as np
import pyproj
import pytest
import rasterio
import xarray as xr
import yaml
from rasterio.crs import CRS
from rasterio.enums import Resampling
from rasterio.transform import Affine
from rasterio.warp import reproject

from scenarios.cli import main
from scenarios.common.results import read_manifest
from scenarios.demo import write_demo
from scenarios.typhoon.flood import FLOOD_GRID_DEFAULTS, flood_dataset, park_flood_grid, run_park_flood
from tests.twin.test_dem_as_they_come import write_lonlat_bundle
from twin.demo import DEMO_EPSG
from twin.io import load_park

ARCSEC = 1.0 / 3600.0


def srtm_like(park, path, margin: float = 300.0) -> int:
    """Write the park's DEM as an EPSG:4326 1" int16 tile inside its footprint, with a 4 x 4-cell -32768 void by the
    first stack; return the number of void cells."""
    terrain = park.terrain
    xmin, ymin, xmax, ymax = terrain.bounds
    to_lonlat = pyproj.Transformer.from_crs(park.crs, "EPSG:4326", always_xy=True)
    # the lon/lat rectangle inside the EPSG:4549 square, 300 m in from its edges
    edge = np.linspace(0.0, 1.0, 50)
    west = to_lonlat.transform(np.full(50, xmin + margin), ymin + margin + (ymax - ymin - 2 * margin) * edge)[0].max()
    east = to_lonlat.transform(np.full(50, xmax - margin), ymin + margin + (ymax - ymin - 2 * margin) * edge)[0].min()
    south = to_lonlat.transform(xmin + margin + (xmax - xmin - 2 * margin) * edge, np.full(50, ymin + margin))[1].max()
    north = to_lonlat.transform(xmin + margin + (xmax - xmin - 2 * margin) * edge, np.full(50, ymax - margin))[1].min()
    nx, ny = int((east - west) / ARCSEC), int((north - south) / ARCSEC)
    tile = np.zeros((ny, nx), np.float64)
    dx, dy = terrain.resolution
    reproject(np.ascontiguousarray(terrain.elevation[::-1]), tile,
              src_transform=Affine(dx, 0.0, xmin, 0.0, -dy, ymax), src_crs=CRS.from_epsg(DEMO_EPSG),
              dst_transform=Affine(ARCSEC, 0.0, west, 0.0, -ARCSEC, north), dst_crs=CRS.from_epsg(4326),
              resampling=Resampling.bilinear)
    z = np.round(tile).astype(np.int16)  # SRTM: whole metres
    lon, lat = to_lonlat.transform(park.stacks[0].x, park.stacks[0].y)
    col, row = int((lon - west) / ARCSEC), int((north - lat) / ARCSEC)
    z[row - 2: row + 2, col - 2: col + 2] = -32768
    with rasterio.open(path, "w", driver="GTiff", width=nx, height=ny, count=1, dtype="int16", crs="EPSG:4326",
                       transform=Affine(ARCSEC, 0.0, west, 0.0, -ARCSEC, north), nodata=-32768,
                       compress="deflate") as dataset:
        dataset.write(z, 1)
    return 16


@pytest.mark.slow
def test_a_demo_park_with_an_srtm_like_dem_loads_and_runs(tmp_path):
    files = write_demo(tmp_path)
    original = load_park(files["park"])
    dem = tmp_path / "park" / "dem.tif"
    voids = srtm_like(original, dem)

    park = load_park(files["park"])
    note = park.terrain.note
    assert note.startswith("DEM reprojected from EPSG:4326 to EPSG:4549 by bilinear resampling (GDAL warp) onto ")
    assert f"; {voids} void cells (" in note
    # The same ground within what whole metres and two bilinear resamplings allow, at every stack (the one beside
    # the void included): the coastal plain is 2-6 m, the hills 60-120 m.
    x = np.array([s.x for s in park.stacks])
    y = np.array([s.y for s in park.stacks])
    difference = np.abs(park.terrain.elevation_at(x, y) - original.terrain.elevation_at(x, y))
    assert np.median(difference) < 0.5 and difference.max() < 2.0, (np.median(difference), difference.max())

    scenario = yaml.safe_load(files["plume"].read_text(encoding="utf-8"))
    scenario["grid"]["spacing"] = 250
    scenario["pollutants"] = ["sulfur_dioxide"]
    scenario["weather"]["hours"] = 6
    files["plume"].write_text(yaml.safe_dump(scenario, allow_unicode=True, sort_keys=False), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(files["plume"]), "--out", str(out)]) == 0
    manifest = read_manifest(out)
    assert manifest["input_notes"] == {str(dem.resolve()): note}
    with xr.open_dataset(out / "plume.nc") as ds:
        assert json.loads(ds.attrs["input_notes"]) == {str(dem.resolve()): note}
        assert float(ds["sulfur_dioxide"].max()) > 0.0


@pytest.mark.slow
def test_a_flood_on_a_park_with_a_lonlat_dem_notes_it_on_the_ground_elevation(tmp_path):
    """Half an hour of 50 mm/h rain on the small test park whose DEM is a lon/lat tile: flood.nc's ground_elevation
    says how that ground was made."""
    park = load_park(write_lonlat_bundle(tmp_path))
    grid, water = park_flood_grid(park, **(FLOOD_GRID_DEFAULTS | {"grid_size": (800.0, 600.0), "grid_spacing": 50.0}))
    result, times, _ = run_park_flood(grid, water, hours=0.5, output_minutes=15.0,
                                      rain_at=lambda t, gx, gy: np.full(gx.shape, 50e-3 / 3600.0),
                                      sea_level_at=lambda t: -10.0)
    dataset = flood_dataset(park, grid, result, times, np.datetime64("2026-07-15T00:00"))
    assert dataset["ground_elevation"].attrs["comment"] == park.terrain.note
    assert park.terrain.note.startswith("DEM reprojected from EPSG:4326 to EPSG:4549")
    assert float(dataset["max_water_depth"].max()) > 0.0
