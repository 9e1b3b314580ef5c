"""The embedded demo park: a fictional national-level coastal chemical park in East China (滨海化工园区).

Everything is generated in code from one fixed seed (numpy ``Generator(PCG64(DEMO_SEED))``), so two builds write
byte-identical files and nothing is downloaded. The park lies on the Jiangsu coast near Rudong (~32.4°N 121.3°E) in
CGCS2000 / 3-degree Gauss-Kruger CM 120E (EPSG:4549):

* terrain: a coastal plain at 2-6 m, a low hill range in the west rising to 60-120 m, a river crossing the domain
  to the sea in the east, tidal flats and the sea behind a sea wall, and a depression holding the hazardous-waste
  warehouse (危废仓库);
* 82 enterprises with 1-2 stacks each, tank farms of chlorine, ammonia, hydrogen sulfide, hydrochloric acid and
  benzene, pipes, buildings;
* three residential areas, two water-source protection zones, a school, a hospital, fence-line receptors and
  monitoring stations within 5 km of the park centre.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from twin import geo
from twin._demo_industry import PARK_U, PARK_V, WAREHOUSE_UV, industry, risk_sources
from twin._demo_surroundings import coastline_u, river_v, surroundings
from twin._demo_water import demo_river
from twin.io import write_park_bundle
from twin.park import ParkSpec
from twin.terrain import Terrain

__all__ = ["build_demo_park", "DEMO_CENTRE_LONLAT", "DEMO_EPSG", "DEMO_SEED", "demo_terrain"]

DEMO_CENTRE_LONLAT = (121.30, 32.40)  # (longitude, latitude) of the park centre [degrees], WGS84 / CGCS2000
DEMO_EPSG = 4549  # CGCS2000 / 3-degree Gauss-Kruger CM 120E
DEMO_SEED = 20240601
DEM_HALF_WIDTH = 6000.0  # the DEM covers 12 km x 12 km around the centre [m]
DEM_CELL = 40.0  # [m]


def demo_terrain(rng: np.random.Generator, cx: float, cy: float) -> Terrain:
    """Coastal plain, western hills, river valley, tidal flat, sea and the warehouse depression."""
    axis = np.arange(-DEM_HALF_WIDTH + DEM_CELL / 2, DEM_HALF_WIDTH, DEM_CELL)
    u, v = np.meshgrid(axis, axis)
    coarse_axis = np.linspace(-DEM_HALF_WIDTH - 1000, DEM_HALF_WIDTH + 1000, 15)
    coarse = Terrain(coarse_axis, coarse_axis, rng.uniform(-1.0, 1.0, (15, 15)))
    noise = coarse.elevation_at(u, v)
    plain = 4.0 + 1.6 * noise  # 2.4-5.6 m coastal plain
    ridge_height = 90.0 + 30.0 * np.sin(v / 2300.0) + 8.0 * noise  # 60-120 m crest
    hills = ridge_height * np.exp(-(((u + 5000.0) / 1100.0) ** 2))
    valley = np.exp(-(((v - river_v(u)) / 450.0) ** 2))
    z = plain + hills * (1.0 - 0.85 * valley)
    coast = coastline_u(v)
    flat = np.clip((u - (coast - 400.0)) / 400.0, 0.0, 1.0)  # tidal flat ramps down to ~1 m at the shore
    z = z * (1.0 - flat) + 1.0 * flat
    sea = u > coast
    z[sea] = -0.5 - 0.004 * (u[sea] - coast[sea])  # sea bed below mean sea level
    channel = (np.abs(v - river_v(u)) < 45.0) & ~sea
    z[channel] = np.minimum(z[channel], -1.0)  # river bed
    du, dv = u - WAREHOUSE_UV[0], v - WAREHOUSE_UV[1]
    z -= 2.6 * np.exp(-(du ** 2 + dv ** 2) / 260.0 ** 2)  # low-lying area around the warehouse
    return Terrain(x=np.round(cx + axis, 3), y=np.round(cy + axis, 3), elevation=np.round(z, 2))




def demo_centre_xy() -> tuple[float, float]:
    """:data:`DEMO_CENTRE_LONLAT` in EPSG:4549, rounded to 10 m. [m]"""
    x, y = geo.transformer("EPSG:4326", f"EPSG:{DEMO_EPSG}").transform(*DEMO_CENTRE_LONLAT)
    return round(x, -1), round(y, -1)


def build_demo_park(folder: str | Path) -> Path:
    """Generate the demo park bundle into ``folder`` and return the path of its ``park.yaml``.

    Deterministic: the same files, byte for byte, on every call (one seeded PCG64 stream, fixed rounding).
    """
    rng = np.random.Generator(np.random.PCG64(DEMO_SEED))
    cx, cy = demo_centre_xy()
    terrain = demo_terrain(rng, cx, cy)
    enterprises, stacks, buildings = industry(rng, cx, cy)
    around = surroundings(rng, cx, cy, DEM_HALF_WIDTH)
    spec = ParkSpec(
        schema_version=1, name="滨海化工园区", name_en="Binhai Coastal Chemical Industry Park (fictional demo)",
        epsg=DEMO_EPSG, utc_offset_hours=8.0, land_use="rural", dem="dem.tif", buildings="buildings.geojson",
        buildings_crs="EPSG:4326", stacks=stacks, risk_sources=risk_sources(enterprises, cx, cy),
        receptors=around.receptors, monitors=around.monitors, flood_defences=around.flood_defences,
        water_bodies=around.water_bodies, rivers=[demo_river(river_v, cx, cy)],
        boundary=[(round(cx + u, 1), round(cy + v, 1)) for u, v in
                  ((PARK_U[0], PARK_V[0]), (PARK_U[1], PARK_V[0]), (PARK_U[1], PARK_V[1]), (PARK_U[0], PARK_V[1]))],
    )
    return write_park_bundle(folder, spec, terrain, [*buildings, *around.buildings])
