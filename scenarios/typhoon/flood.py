"""The park flood set-up shared by ``kind: typhoon`` and the nightly forecast batch.

Both flood the same park the same way; only the forcing differs (a typhoon's rain and sea level, or a forecast's
gridded rain and the tide). What is shared:

* :func:`park_flood_grid` — the flood grid from the park bundle: the DEM sampled at ``grid_spacing`` (bilinear), flood
  defences (sea wall, levees) burned in with max-aggregation along their crest lines, buildings as blocked cells,
  paved cells inside the park boundary (no infiltration, sewer drainage at ``drainage_mm_h``), Green–Ampt soil
  outside, sea cells as stage cells. Defaults: :data:`FLOOD_GRID_DEFAULTS`, those of ``kind: typhoon``.
* :class:`GriddedRain` — a gridded rain rate [m s-1] on (time, latitude, longitude), bilinear at the flood cells.
* :func:`run_park_flood` — the local inertial flood (:func:`dispersion.flood.run_flood`) with rain and stage
  forcing sampled in 5-minute slots, water bodies filled to the initial stage.
* :func:`flood_dataset`, :func:`depth_layer` — the CF grid written as ``flood.nc`` and the maximum-depth map layer.
"""

from __future__ import annotations

from collections.abc import Callable

import logging
import math
import time

import numpy as np
import shapely
import xarray as xr
from shapely.geometry import Polygon

from dispersion.flood import SCHEME_LIMITS, FloodGrid, FloodOptions, run_flood
from scenarios.typhoon.spec import TyphoonScenario
from twin.limits import check_memory
from twin.schema import grid_mapping_variable, projected_xy_coords, time_coord
from viz import FieldLayer

__all__ = ["FLOOD_GRID_DEFAULTS", "park_flood_grid", "run_park_flood", "flood_dataset",
           "depth_layer", "FORCING_SLOT", "check_flood_memory"]

log = logging.getLogger("parktwin")

FORCING_SLOT = 300.0  # [s] rain and stage are held constant over 5-minute slots (sampled at the slot's middle)


def _typhoon_defaults() -> dict:
    """The flood-grid defaults of ``kind: typhoon`` (``scenarios.spec.TyphoonScenario``), read from its fields so
    the two never drift apart."""
    names = ("grid_spacing", "grid_size", "manning_paved", "manning_ground", "drainage_mm_h", "soil_ks_mm_h",
             "soil_psi_dtheta_m")
    return {name: TyphoonScenario.model_fields[name].default for name in names}


FLOOD_GRID_DEFAULTS = _typhoon_defaults()

# Whole-grid float64 arrays a flood run holds at once besides its snapshots: the grid's elevation, Manning n, masks,
# drainage and soil fields, the state (depth, two face fluxes), the Green-Ampt infiltrated depth, rain, the running
# maxima and arrival times, and the kernels' scratch (counted from dispersion.flood and this module: about 30).
_FLOOD_WORKING_ARRAYS = 30
_SNAPSHOT_FIELDS = 1  # depth at every output time (float64)


def check_flood_memory(grid_size: tuple[float, float], grid_spacing: float, hours: float, output_minutes: float,
                       where: str) -> None:
    """Refuse (exit 65, before any allocation) a flood whose grid and snapshots need more than the memory limit
    (:func:`twin.limits.check_memory`): cells × (working arrays + snapshots) × 8 bytes.

    grid_size : domain (east-west, north-south) [m]; grid_spacing : cell side [m]; hours : simulated time [h];
    output_minutes : snapshot interval [min].
    """
    nx = math.floor(grid_size[0] / grid_spacing) + 1
    ny = math.floor(grid_size[1] / grid_spacing) + 1
    snapshots = math.floor(hours * 60.0 / output_minutes) + 1
    check_memory(8.0 * nx * ny * (_FLOOD_WORKING_ARRAYS + _SNAPSHOT_FIELDS * snapshots),
                 f"a flood grid of {nx:,} × {ny:,} cells with {snapshots:,} depth snapshots", where,
                 "a smaller grid_size, a larger grid_spacing or a longer output_minutes")


def park_flood_grid(park, *, grid_spacing: float, grid_size: tuple[float, float], manning_paved: float,
                    manning_ground: float, drainage_mm_h: float, soil_ks_mm_h: float, soil_psi_dtheta_m: float):
    """(FloodGrid, water-body mask) on a domain centred on the park (see the module docstring).

    Parameters
    ----------
    grid_spacing : cell side. [m]
    grid_size : domain (east-west, north-south). [m]
    manning_paved, manning_ground : Manning n inside / outside the park boundary. [s m^-1/3]
    drainage_mm_h : sewer design capacity inside the park as a rain rate. [mm/h]
    soil_ks_mm_h : Green–Ampt saturated conductivity outside the park. [mm/h]
    soil_psi_dtheta_m : Green–Ampt suction head × moisture deficit. [m]
    """

    spacing = float(grid_spacing)
    cx, cy = park.centre()
    nx = int(grid_size[0] // spacing)
    ny = int(grid_size[1] // spacing)
    x = cx + (np.arange(nx) - (nx - 1) / 2) * spacing
    y = cy + (np.arange(ny) - (ny - 1) / 2) * spacing
    gx, gy = np.meshgrid(x, y)
    z = np.asarray(park.terrain.elevation_at(gx.ravel(), gy.ravel(), clamp=True), dtype=np.float64).reshape(ny, nx)
    # Flood defences: sample each crest line every quarter cell and raise the cells it crosses to the crest.
    for defence in park.spec.flood_defences:
        line = shapely.LineString(defence.line)
        distances = np.arange(0.0, line.length + spacing / 4, spacing / 4)
        points = shapely.line_interpolate_point(line, distances)
        px, py = shapely.get_x(points), shapely.get_y(points)
        i = np.round((px - x[0]) / spacing).astype(int)
        j = np.round((py - y[0]) / spacing).astype(int)
        inside = (i >= 0) & (i < nx) & (j >= 0) & (j < ny)
        np.maximum.at(z, (j[inside], i[inside]), defence.crest_elevation)
    blocked = np.zeros(nx * ny, dtype=bool)
    for building in park.buildings:
        blocked |= shapely.contains_xy(building.footprint, gx.ravel(), gy.ravel())
    sea = np.zeros(nx * ny, dtype=bool)
    water = np.zeros(nx * ny, dtype=bool)
    for body in park.spec.water_bodies:
        covered = shapely.contains_xy(Polygon(body.polygon), gx.ravel(), gy.ravel())
        water |= covered
        if body.kind == "sea":
            sea |= covered
    boundary = park.boundary_polygon()
    paved = shapely.contains_xy(boundary, gx.ravel(), gy.ravel()) if boundary is not None else np.zeros_like(sea)
    shape = (ny, nx)
    manning = np.where(paved, manning_paved, manning_ground)
    ks = np.where(paved | water, 0.0, soil_ks_mm_h * 1e-3 / 3600.0)  # mm/h -> m/s
    drain = np.where(paved, drainage_mm_h * 1e-3 / 3600.0, 0.0)  # mm/h -> m/s
    grid = FloodGrid(x=x, y=y, z=z, manning=manning.reshape(shape), open_=(~blocked).reshape(shape),
                     ks=ks.reshape(shape), psi_dtheta=soil_psi_dtheta_m,
                     drain_capacity=drain.reshape(shape), stage_mask=(sea & ~blocked).reshape(shape))
    return grid, water.reshape(shape)


def run_park_flood(grid, water: np.ndarray, *, hours: float, output_minutes: float,
                   rain_at: Callable[[float, np.ndarray, np.ndarray], np.ndarray],
                   sea_level_at: Callable[[float], float]):
    """The flood of the park: ``(result, output times [s], stage levels by slot [m])``.

    rain_at(t, gx, gy) : rain rate at the cell centres at t seconds after the start [m s-1], held constant over
        :data:`FORCING_SLOT` slots. sea_level_at(t) : water level of the sea [m] — imposed in the stage cells (when
        the grid has any), and the level every water body starts at (depth max(level(0) − z, 0)).
    hours : simulated time [h]; output_minutes : depth snapshots every ... [min].
    """
    gx, gy = np.meshgrid(grid.x, grid.y)
    sea = grid.stage_mask.astype(bool)
    level0 = sea_level_at(0.0)
    initial = np.where(water & (grid.open_ != 0), np.maximum(level0 - grid.z, 0.0), 0.0)
    step = output_minutes * 60.0
    times = np.arange(step, hours * 3600.0 + 1e-6, step)
    cache: dict[int, np.ndarray] = {}

    def rain(t0: float, t1: float):  # piecewise constant over 5-minute slots
        slot = int(0.5 * (t0 + t1) // FORCING_SLOT)
        if slot not in cache:
            cache.clear()
            cache[slot] = rain_at(slot * FORCING_SLOT + FORCING_SLOT / 2, gx, gy)
        return cache[slot]

    levels: dict[int, float] = {}

    def stage(t: float) -> float:
        slot = int(t // FORCING_SLOT)
        if slot not in levels:
            levels[slot] = sea_level_at(slot * FORCING_SLOT + FORCING_SLOT / 2)
        return levels[slot]

    result = run_flood(grid, output_times=times, rain=rain, stage=stage if sea.any() else None,
                       initial_depth=initial, options=FloodOptions(dt_max=60.0), progress=_ProgressLog())
    return result, times, levels


class _ProgressLog:
    """A log line every ``dispersion.flood.PROGRESS_SECONDS`` of a long flood: simulated time [h], steps, threads
    and the wall time left at the rate so far (``run_flood``'s progress callback; one instance per run)."""

    def __init__(self) -> None:
        self.started = time.perf_counter()

    def __call__(self, t: float, t_end: float, steps: int, threads: int) -> None:
        rate = t / max(time.perf_counter() - self.started, 1e-9)  # simulated seconds per wall second
        left = (t_end - t) / rate if rate > 0 else math.inf
        log.info("flood: %.1f of %.1f h simulated, %d steps on %d thread(s), about %.0f s left",
                 t / 3600.0, t_end / 3600.0, steps, threads, left)


def flood_dataset(park, grid, result, times: np.ndarray, start: np.datetime64) -> xr.Dataset:
    """The flood as a CF dataset (``flood.nc``): depth snapshots, maximum depth, speed and hazard rating, arrival
    time and the ground elevation with the defences burned in, on the projected grid with lat/lon; the global
    attribute ``scheme_limits`` says where the local inertial scheme holds (:data:`dispersion.flood.SCHEME_LIMITS`)."""
    time = start + (times * 1e9).astype("timedelta64[ns]")
    common = {"grid_mapping": "crs", "coverage_content_type": "modelResult"}
    return xr.Dataset(
        {
            "crs": grid_mapping_variable(park.spec.epsg),
            "water_depth": (("time", "y", "x"), result.depth,
                            {"standard_name": "flood_water_thickness",
                             "long_name": "flood water depth", "units": "m", **common}),
            "max_water_depth": (("y", "x"), result.max_depth,
                                {"standard_name": "flood_water_thickness", "long_name": "maximum flood water depth",
                                 "units": "m", "cell_methods": "time: maximum", **common}),
            "max_flow_speed": (("y", "x"), result.max_speed,
                               {"standard_name": "flood_water_speed", "long_name": "maximum depth-averaged speed",
                                "units": "m s-1", "cell_methods": "time: maximum", **common}),
            "max_hazard_rating": (("y", "x"), result.max_hazard,
                                  {"long_name": "maximum DEFRA FD2320 flood hazard rating d (v + 0.5) + DF",
                                   "units": "1", "cell_methods": "time: maximum", **common}),
            "arrival_time": (("y", "x"), np.where(result.arrival >= 0, result.arrival, np.nan),
                             {"long_name": "time from the start until the depth first exceeds 0.01 m", "units": "s",
                              **common}),
            "ground_elevation": (("y", "x"), grid.z, {"standard_name": "ground_level_altitude",
                                                      "long_name": "ground elevation with flood defences burned in",
                                                      "units": "m", "grid_mapping": "crs",
                                                      **({"comment": park.terrain.note} if park.terrain.note
                                                         else {})}),
        },
        coords={"time": time_coord(time, long_name=None, units_metadata=False),
                **projected_xy_coords(grid.x, grid.y, park.spec.epsg, order="yx")},
        attrs={"scheme_limits": SCHEME_LIMITS})


def depth_layer(grid, result, water: np.ndarray | None = None):
    """The maximum flood depth as a map layer [m]: cells shallower than 1 cm, the sea (the stage cells) and the
    permanent water bodies ``water`` (a bool mask of the grid: sea, rivers, ponds) are transparent — the map shows
    flooding, not the sea's own depth."""
    permanent = np.zeros(result.max_depth.shape, dtype=bool) if water is None else np.asarray(water, dtype=bool)
    if grid.stage_mask is not None:
        permanent |= np.asarray(grid.stage_mask, dtype=bool)
    values = np.where((result.max_depth > 0.01) & ~permanent, result.max_depth, np.nan)
    return FieldLayer(x=grid.x, y=grid.y, values=values, units="m",
                      title="最大积水深度 maximum flood depth", levels=(0.05, 0.15, 0.3, 0.5, 1.0, 2.0))
