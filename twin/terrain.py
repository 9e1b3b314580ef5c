"""The park's terrain: ground elevations on a regular grid of cell centres in the park CRS.

:class:`Terrain` holds the grid (checked: ascending centres, finite elevations), its bounds and the bilinear ground
elevation at any point. DEM files are read onto it by :func:`twin.dem_io.read_dem` (GeoTIFF or NetCDF, in any CRS:
voids filled and reprojected by :mod:`twin.dem_regrid`) and written by :func:`twin.dem_io.write_dem_geotiff`;
``Terrain.note`` says what was done to the file.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.errors import InputError

__all__ = ["Terrain"]


@dataclass(frozen=True, eq=False)
class Terrain:
    """Ground elevation on a regular grid of cell centres.

    Parameters
    ----------
    x : ndarray, shape (nx,)
        Cell-centre eastings, strictly ascending. [m]
    y : ndarray, shape (ny,)
        Cell-centre northings, strictly ascending. [m]
    elevation : ndarray, shape (ny, nx)
        Ground elevation above the vertical datum. [m]
    note : str
        What was done to the DEM file to get this grid (reprojection, void filling), '' when it was read as it is.
    """

    x: np.ndarray
    y: np.ndarray
    elevation: np.ndarray
    note: str = ""

    def __post_init__(self) -> None:
        x = np.ascontiguousarray(self.x, dtype=np.float64)
        y = np.ascontiguousarray(self.y, dtype=np.float64)
        elevation = np.ascontiguousarray(self.elevation, dtype=np.float64)
        if x.ndim != 1 or y.ndim != 1 or x.size < 2 or y.size < 2:
            raise InputError.field("DEM", "x/y", (x.shape, y.shape), "1-D coordinate arrays of at least 2 cells")
        if elevation.shape != (y.size, x.size):
            raise InputError.field("DEM", "elevation shape", elevation.shape, f"(ny, nx) = {(y.size, x.size)}")
        for name, axis in (("x", x), ("y", y)):
            if not np.all(np.isfinite(axis)) or np.any(np.diff(axis) <= 0):
                raise InputError.field("DEM", name, f"{axis[:3]}...", "finite, strictly ascending cell centres [m]")
        bad = int(np.count_nonzero(~np.isfinite(elevation)))
        if bad:
            raise InputError.field("DEM", "elevation", f"{bad} nodata/NaN cells", "finite in every cell (fill sea or "
                                   "voids with a surface elevation first) [m]")
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", y)
        object.__setattr__(self, "elevation", elevation)
        for array in (x, y, elevation):
            array.flags.writeable = False

    @property
    def resolution(self) -> tuple[float, float]:
        """Mean cell size (dx, dy). [m]"""
        return float((self.x[-1] - self.x[0]) / (self.x.size - 1)), float((self.y[-1] - self.y[0]) / (self.y.size - 1))

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """Outer cell edges (xmin, ymin, xmax, ymax). [m]"""
        dx0, dx1 = self.x[1] - self.x[0], self.x[-1] - self.x[-2]
        dy0, dy1 = self.y[1] - self.y[0], self.y[-1] - self.y[-2]
        return (float(self.x[0] - dx0 / 2), float(self.y[0] - dy0 / 2),
                float(self.x[-1] + dx1 / 2), float(self.y[-1] + dy1 / 2))

    def contains(self, x: np.ndarray | float, y: np.ndarray | float) -> np.ndarray:
        """True where the point (x, y) [m] lies inside the DEM's outer cell edges."""
        xmin, ymin, xmax, ymax = self.bounds
        x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        return (x >= xmin) & (x <= xmax) & (y >= ymin) & (y <= ymax)

    def elevation_at(self, x: np.ndarray | float, y: np.ndarray | float, *, clamp: bool = False) -> np.ndarray | float:
        """Ground elevation at points by bilinear interpolation between cell centres.

        Within the half cell between the outermost centre and the outer edge the edge value is held.

        Parameters
        ----------
        x, y : array_like
            Easting and northing of the points. [m]
        clamp : bool
            Return the nearest edge value for points outside the DEM instead of raising.

        Returns
        -------
        Elevation [m]; a float for scalar input, else an array shaped like the broadcast of x and y.

        Raises
        ------
        InputError
            A point lies outside the DEM (the message names the first such point) and ``clamp`` is False.
        """
        scalar = np.ndim(x) == 0 and np.ndim(y) == 0
        xq, yq = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
        if not clamp:
            inside = self.contains(xq, yq)
            if not np.all(inside):
                index = np.unravel_index(int(np.argmin(inside)), inside.shape) if inside.ndim else ()
                xmin, ymin, xmax, ymax = self.bounds
                raise InputError(
                    f"point ({float(xq[index]):.1f}, {float(yq[index]):.1f}) m is outside the DEM: x must be within "
                    f"{xmin:.1f}..{xmax:.1f} m and y within {ymin:.1f}..{ymax:.1f} m")
        ix, tx = _bracket(self.x, xq)
        iy, ty = _bracket(self.y, yq)
        z = self.elevation
        value = ((1 - ty) * ((1 - tx) * z[iy, ix] + tx * z[iy, ix + 1])
                 + ty * ((1 - tx) * z[iy + 1, ix] + tx * z[iy + 1, ix + 1]))
        return float(value) if scalar else value


def _bracket(centres: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lower cell index and fractional position in [0, 1] of each query between ascending centres."""
    i = np.clip(np.searchsorted(centres, q, side="right") - 1, 0, centres.size - 2)
    t = np.clip((q - centres[i]) / (centres[i + 1] - centres[i]), 0.0, 1.0)
    return i, t


