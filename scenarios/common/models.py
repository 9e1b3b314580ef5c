"""Model inputs built the same way by every kind: plume options from a ``model:`` block, the park's stacks, receptors
on a grid (plus the park's sensitive receptors), and the puff model's hourly weather."""

from __future__ import annotations

import numpy as np
import xarray as xr

from dispersion.plume import PlumeOptions, ReceptorSet, StackSet
from dispersion.puff import PuffMet
from scenarios.common.grids import true_north_grid_bearing
from scenarios.common.spec import ModelSpec
from twin.park import Park

__all__ = ["plume_options", "park_stacks", "grid_receptors", "park_receptors", "puff_met"]


def plume_options(model: ModelSpec, park: Park, gx: np.ndarray, gy: np.ndarray, **choices) -> PlumeOptions:
    """The steady-plume options of a scenario's ``model:`` block on the grid (gx, gy) [m]: dispersion coefficients
    (default Briggs for the park's land use), terrain, downwash, buoyancy-induced dispersion, decay, the bearing of
    true north at the grid's centre and the park's UTC offset; ``choices`` set the run's own (``store_hourly``,
    ``store_daily``, ``parallel`` …)."""
    return PlumeOptions(
        sigma_model=model.sigma or f"briggs_{park.spec.land_use}",
        land_use=park.spec.land_use,
        terrain=model.terrain,
        stack_tip_downwash=model.stack_tip_downwash,
        buoyancy_induced_dispersion=model.buoyancy_induced_dispersion,
        half_life=dict(model.half_life),
        true_north_grid_bearing=true_north_grid_bearing(park, float(gx.mean()), float(gy.mean())),
        utc_offset_hours=park.spec.utc_offset_hours,
        hour_rules=model.hour_rules,
        dispersion=model.dispersion,
        urban_population=model.urban_population,
        urban_roughness=model.urban_roughness,
        no2_conversion=model.no2_conversion,
        arm2_ratios=tuple(model.arm2_ratios),
        **({} if model.olm is None else dict(olm_in_stack_ratio=model.olm.in_stack_ratio,
                                             olm_in_stack_ratios=dict(model.olm.in_stack_ratios),
                                             olm_equilibrium=model.olm.equilibrium_ratio,
                                             olm_grouped=model.olm.group == "all")),
        **choices,
    )


def park_stacks(park: Park, include_fugitive: bool = False) -> StackSet:
    """Every stack of the park, in park.yaml order, then (``include_fugitive``) its volume sources (release
    "volume", which only the AERMOD mode models)."""
    return StackSet(ids=tuple(s.id for s in park.emission_sources(include_fugitive)),
                    **park.stack_arrays(include_fugitive), release=park.stack_release_codes(include_fugitive))


def grid_receptors(park: Park, gx: np.ndarray, gy: np.ndarray, height: float, *, sensitive: bool = True,
                   hill_heights: bool = False) -> ReceptorSet:
    """Receptors at ``height`` [m] above ground on the grid (row-major: y rows of x), followed — when ``sensitive`` —
    by the park's sensitive receptors (residential areas, schools …), with the terrain's ground elevation [m] (and
    hill heights, :func:`park_receptors`)."""
    mesh_x, mesh_y = np.meshgrid(gx, gy)
    rx, ry = mesh_x.ravel(), mesh_y.ravel()
    if sensitive:
        points = park.receptor_points()
        rx, ry = np.concatenate([rx, points.x]), np.concatenate([ry, points.y])
    return park_receptors(park, rx, ry, height, hill_heights=hill_heights)


def park_receptors(park: Park, x: np.ndarray, y: np.ndarray, height: float, *, hill_heights: bool = False
                   ) -> ReceptorSet:
    """Receptors at (x, y) [m], ``height`` [m] above the park's ground, with its elevation [m]; with
    ``hill_heights`` also AERMAP's hill-height scale of each from the park's DEM (``dispersion.hill_height``), which
    AERMOD's elevated terrain needs."""
    ground = np.asarray(park.terrain.elevation_at(x, y), dtype=np.float64)
    hill = None
    if hill_heights:
        from dispersion.hill_height import receptor_hill_heights  # deferred: compiles a kernel

        dem = park.terrain
        hill = receptor_hill_heights(x, y, ground, dem.x, dem.y, dem.elevation)
    return ReceptorSet(x=x, y=y, height=np.full(np.shape(x), height), ground_elevation=ground, hill_height=hill)


def puff_met(weather: xr.Dataset) -> PuffMet:
    """The puff model's hourly weather from prepared weather (``meteo.prepare_dispersion_met``): times in seconds
    after the first hour, model wind speed [m s-1], direction [degree from north], class index, mixing height [m]."""
    seconds = (weather["time"].values - weather["time"].values[0]) / np.timedelta64(1, "s")
    return PuffMet(times=seconds.astype(float), wind_speed=weather["model_wind_speed"].values.astype(float),
                   wind_from_direction=weather["wind_from_direction"].values.astype(float),
                   stability=weather["stability_class"].values.astype(np.int64),
                   mixing_height=weather["atmosphere_boundary_layer_thickness"].values.astype(float))
