"""Receptor grids in the park's projected CRS and the bearing of true north on them."""

from __future__ import annotations

import numpy as np

from scenarios.common.spec import GridSpec
from twin.errors import InputError
from twin.park import Park

__all__ = ["grid_axes", "true_north_grid_bearing"]


def grid_axes(grid: GridSpec, park: Park) -> tuple[np.ndarray, np.ndarray]:
    """Easting and northing [m] of the receptor grid's columns and rows (centred on the stacks by default)."""
    if grid.centre is not None:
        cx, cy = grid.centre
    else:
        stacks = park.stack_arrays()
        if stacks["x"].size == 0:
            raise InputError.field(f"park {park.spec.name!r}", "stacks", [], "at least one stack for a plume run")
        cx, cy = float(stacks["x"].mean()), float(stacks["y"].mean())
    spacing = grid.spacing
    nx = int(grid.size[0] // spacing) + 1
    ny = int(grid.size[1] // spacing) + 1
    # Round the origin to the spacing so that grids of the same park line up run after run.
    x0 = np.round((cx - (nx - 1) * spacing / 2) / spacing) * spacing
    y0 = np.round((cy - (ny - 1) * spacing / 2) / spacing) * spacing
    return x0 + spacing * np.arange(nx), y0 + spacing * np.arange(ny)


def true_north_grid_bearing(park: Park, x: float, y: float) -> float:
    """Grid bearing of true north at (x, y) [degree clockwise from grid north] (minus the meridian convergence).

    Computed from the CRS itself: the grid vector from (x, y) to a point 0.01° of latitude further north.
    """
    lon, lat = park.to_lonlat(x, y)
    nx_, ny_ = park.from_lonlat(lon, lat + 0.01)
    return float(np.degrees(np.arctan2(nx_ - x, ny_ - y)))
