"""A tiny, valid park bundle for the twin tests (written into a tmp folder), and ways to break it."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import yaml

from twin.dem_io import write_dem_geotiff
from twin.terrain import Terrain

EPSG = 4549
X0, Y0 = 600000.0, 3580000.0  # south-west cell centre of the test DEM [m]
CELL = 50.0  # [m]
NX, NY = 20, 16


def small_terrain() -> Terrain:
    """A tilted plane z = 2 + 0.01 (x - X0) + 0.02 (y - Y0) [m] on 20 x 16 cells of 50 m."""
    x = X0 + CELL * np.arange(NX)
    y = Y0 + CELL * np.arange(NY)
    z = 2.0 + 0.01 * (x[None, :] - X0) + 0.02 * (y[:, None] - Y0)
    return Terrain(x=x, y=y, elevation=z)


def small_spec() -> dict:
    """park.yaml contents as a dict (deep-copied on every call so tests may mutate it)."""
    spec = {
        "schema_version": 1,
        "name": "测试园区",
        "name_en": "Test park",
        "epsg": EPSG,
        "land_use": "rural",
        "dem": "dem.tif",
        "buildings": "buildings.geojson",
        "stacks": [
            {"id": "S01", "name": "1#锅炉烟囱", "enterprise": "华瑞化工有限公司", "x": X0 + 300, "y": Y0 + 200,
             "height": 60.0, "inner_diameter": 2.0, "exit_velocity": 15.0, "exit_temperature": 400.0,
             "emissions": {"sulfur_dioxide": 2.5, "nitrogen_dioxide": 4.0}},
            {"id": "S02", "name": "2#排气筒", "enterprise": "华瑞化工有限公司", "x": X0 + 500, "y": Y0 + 400,
             "base_elevation": 9.0, "height": 25.0, "inner_diameter": 0.8, "exit_velocity": 10.0,
             "exit_temperature": 320.0, "emissions": {"vocs": 0.3, "sulfur_dioxide": 0.0}},
        ],
        "risk_sources": [
            {"id": "T01", "name": "液氯储罐", "enterprise": "氯碱公司", "kind": "tank", "substance": "chlorine",
             "inventory": 30000.0, "pressure": 7.8e5, "temperature": 298.15, "x": X0 + 400, "y": Y0 + 300,
             "sill_height": 1.2},
        ],
        "receptors": [
            {"id": "R01", "name": "东港小学", "kind": "school", "population": 800, "point": [X0 + 800, Y0 + 600]},
            {"id": "R02", "name": "东港村居民区", "kind": "residential", "population": 3000,
             "polygon": [[X0 + 100, Y0 + 600], [X0 + 300, Y0 + 600], [X0 + 300, Y0 + 700], [X0 + 100, Y0 + 700]]},
        ],
        "monitors": [{"id": "M01", "name": "园区站", "x": X0 + 450, "y": Y0 + 350,
                      "pollutants": ["sulfur_dioxide", "chlorine"]}],
    }
    return copy.deepcopy(spec)


def buildings_geojson() -> dict:
    """One WGS84 building near the park (heights in m)."""
    from pyproj import Transformer

    to_lonlat = Transformer.from_crs(f"EPSG:{EPSG}", "EPSG:4326", always_xy=True)
    corners = [(X0 + 200, Y0 + 100), (X0 + 260, Y0 + 100), (X0 + 260, Y0 + 140), (X0 + 200, Y0 + 140),
               (X0 + 200, Y0 + 100)]
    ring = [list(to_lonlat.transform(x, y)) for x, y in corners]
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": "B1", "properties": {"name": "主厂房", "height": 18.0},
         "geometry": {"type": "Polygon", "coordinates": [ring]}},
    ]}


def write_bundle(folder: Path, spec: dict | None = None, *, with_dem: bool = True) -> Path:
    """Write park.yaml (+ dem.tif, buildings.geojson) into ``folder``; return the park.yaml path."""
    folder.mkdir(parents=True, exist_ok=True)
    spec = small_spec() if spec is None else spec
    if with_dem:
        write_dem_geotiff(folder / "dem.tif", small_terrain(), EPSG)
    (folder / "buildings.geojson").write_text(json.dumps(buildings_geojson(), ensure_ascii=False), encoding="utf-8")
    path = folder / "park.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path
