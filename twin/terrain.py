"""The park's terrain: a regular grid of ground elevations, read from GeoTIFF or NetCDF.

GeoTIFF is read with tifffile (no GDAL): the three GeoTIFF tags ModelPixelScale (33550), ModelTiepoint (33922) and
GeoKeyDirectory (34735) are enough for the north-up DEMs parks deliver (GeoTIFF 1.1, OGC 19-008r4, sections 7.1-7.4).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyproj
import tifffile

from twin.errors import InputError, MissingInputError
from twin.inputs import record_input
from twin.limits import check_memory
from twin.atomic import atomic_output

__all__ = ["Terrain", "read_dem", "write_dem_geotiff", "DEM_SUFFIXES"]

DEM_SUFFIXES = (".tif", ".tiff", ".nc", ".nc4")

# GeoTIFF tag and key numbers (OGC GeoTIFF 1.1, 19-008r4, tables in section 7 and annex B).
TAG_MODEL_PIXEL_SCALE = 33550
TAG_MODEL_TIEPOINT = 33922
TAG_MODEL_TRANSFORMATION = 34264
TAG_GEO_KEY_DIRECTORY = 34735
TAG_GDAL_NODATA = 42113
KEY_MODEL_TYPE = 1024  # 1 projected, 2 geographic
KEY_RASTER_TYPE = 1025  # 1 PixelIsArea, 2 PixelIsPoint
KEY_GEOGRAPHIC_TYPE = 2048
KEY_PROJECTED_CS_TYPE = 3072
KEY_PROJ_LINEAR_UNITS = 3076
LINEAR_UNIT_METRE = 9001
USER_DEFINED = 32767

_ELEVATION_NAMES = ("elevation", "dem", "z")
_METRE_UNITS = ("m", "metre", "metres", "meter", "meters")


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
    """

    x: np.ndarray
    y: np.ndarray
    elevation: np.ndarray

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


def read_dem(path: str | Path, crs: pyproj.CRS | None = None, *, where: str | None = None) -> Terrain:
    """Read a DEM in the park's CRS from GeoTIFF (``.tif``/``.tiff``) or NetCDF (``.nc``/``.nc4``).

    Parameters
    ----------
    path : path-like
        The DEM file.
    crs : pyproj.CRS, optional
        The park CRS. When the file names its own EPSG code and it differs, an InputError names both.
    where : str, optional
        How messages name the file (defaults to the file name).
    """
    path = Path(path)
    where = where or path.name
    if not path.is_file():
        raise MissingInputError(f"{where}: DEM file not found: {path}")
    record_input(path)
    suffix = path.suffix.lower()
    if suffix in (".tif", ".tiff"):
        return _read_geotiff(path, crs, where)
    if suffix in (".nc", ".nc4"):
        return _read_netcdf(path, crs, where)
    raise InputError.field(where, "file suffix", suffix, f"one of {', '.join(DEM_SUFFIXES)}")


def _park_epsg(crs: pyproj.CRS | None) -> int | None:
    return None if crs is None else crs.to_epsg()


def _geokeys(values: tuple[int, ...]) -> dict[int, int]:
    """Inline (SHORT) keys of a GeoKeyDirectory: header (version, revision, minor, count) then 4-tuples."""
    keys: dict[int, int] = {}
    count = values[3]
    for n in range(count):
        key_id, location, _count, value = values[4 + 4 * n: 8 + 4 * n]
        if location == 0:
            keys[key_id] = value
    return keys


def _read_geotiff(path: Path, crs: pyproj.CRS | None, where: str) -> Terrain:
    try:
        with tifffile.TiffFile(path) as tif:
            page = tif.pages[0]
            tags = {tag.code: tag.value for tag in page.tags.values()}
            check_memory(float(np.prod(page.shape, dtype=np.float64)) * 8.0,  # read, then held as float64
                         f"the raster's {' × '.join(map(str, page.shape))} cells (from its header)", where,
                         "cut or resample the DEM to the park's area")
            data = page.asarray()
    except InputError:
        raise
    except (tifffile.TiffFileError, OSError, ValueError, zlib.error) as exc:  # zlib: a truncated deflate stream
        raise InputError(f"{where}: not a readable GeoTIFF ({exc})") from None
    if TAG_MODEL_TRANSFORMATION in tags:
        raise InputError(f"{where}: rotated/sheared rasters (ModelTransformationTag) are not supported; "
                         "the DEM must be north-up (warp it, e.g. with gdalwarp)")
    if TAG_MODEL_PIXEL_SCALE not in tags or TAG_MODEL_TIEPOINT not in tags:
        raise InputError(f"{where}: missing GeoTIFF georeferencing (ModelPixelScaleTag 33550 and ModelTiepointTag "
                         "33922 are required)")
    if data.ndim == 3 and data.shape[0] == 1:
        data = data[0]
    if data.ndim != 2:
        raise InputError.field(where, "raster shape", data.shape, "one band (rows, columns)")
    scale = tuple(float(v) for v in tags[TAG_MODEL_PIXEL_SCALE])
    tiepoint = tuple(float(v) for v in tags[TAG_MODEL_TIEPOINT])
    if len(tiepoint) != 6:
        raise InputError.field(where, "ModelTiepointTag", f"{len(tiepoint) // 6} tiepoints", "exactly one tiepoint")
    if scale[0] <= 0 or scale[1] <= 0:
        raise InputError.field(where, "ModelPixelScaleTag", scale[:2], "positive (x, y) pixel sizes of a north-up DEM")
    keys = _geokeys(tuple(int(v) for v in tags.get(TAG_GEO_KEY_DIRECTORY, (1, 1, 0, 0))))
    if keys.get(KEY_MODEL_TYPE) == 2:
        code = keys.get(KEY_GEOGRAPHIC_TYPE)
        raise InputError(f"{where}: DEM is in a geographic CRS (EPSG:{code}); reproject it to the park CRS "
                         f"EPSG:{_park_epsg(crs)} in metres")
    file_epsg = keys.get(KEY_PROJECTED_CS_TYPE)
    park_epsg = _park_epsg(crs)
    if file_epsg not in (None, USER_DEFINED) and park_epsg is not None and file_epsg != park_epsg:
        raise InputError(f"{where}: DEM CRS EPSG:{file_epsg} differs from the park CRS EPSG:{park_epsg}; "
                         "reproject the DEM or correct park.yaml epsg")
    units = keys.get(KEY_PROJ_LINEAR_UNITS)
    if units not in (None, LINEAR_UNIT_METRE):
        raise InputError.field(where, "ProjLinearUnitsGeoKey", units, f"{LINEAR_UNIT_METRE} (metre)")
    elevation = data.astype(np.float64)
    nodata = tags.get(TAG_GDAL_NODATA)
    if nodata is not None:
        try:
            elevation[elevation == float(str(nodata).strip("\x00 "))] = np.nan
        except ValueError:
            pass
    rows, columns = elevation.shape
    i0, j0, _, x0, y0, _ = tiepoint
    offset = 0.0 if keys.get(KEY_RASTER_TYPE) == 2 else 0.5  # PixelIsPoint: tiepoint is a centre, else a corner
    x = x0 + (np.arange(columns) - i0 + offset) * scale[0]
    y_rows = y0 - (np.arange(rows) - j0 + offset) * scale[1]  # row 0 is the northern edge
    try:
        return Terrain(x=x, y=y_rows[::-1], elevation=elevation[::-1])
    except InputError as exc:
        raise InputError(f"{where}: {exc}") from None


def _read_netcdf(path: Path, crs: pyproj.CRS | None, where: str) -> Terrain:
    import xarray as xr  # local import: xarray is only needed for NetCDF DEMs

    try:
        # Explicit engine: with cfgrib installed, xarray's backend guessing loads eccodes, whose pip wheels (2.49/2.50,
        # seen on this project) bundle their own libproj and make later pyproj calls crash the interpreter.
        dataset = xr.open_dataset(path, engine="netcdf4")
    except (OSError, ValueError) as exc:
        raise InputError(f"{where}: not a readable NetCDF file ({exc})") from None
    with dataset:
        candidates = [name for name, var in dataset.data_vars.items()
                      if var.ndim == 2 and var.attrs.get("standard_name") == "surface_altitude"]
        candidates += [name for name in _ELEVATION_NAMES if name in dataset.data_vars and name not in candidates]
        if not candidates:
            raise InputError(f"{where}: no elevation variable; need a 2-D variable with standard_name "
                             f"'surface_altitude' or named one of {', '.join(_ELEVATION_NAMES)}, got variables "
                             f"{sorted(dataset.data_vars)}")
        var = dataset[candidates[0]]
        if set(var.dims) != {"x", "y"}:
            raise InputError.field(where, f"{var.name} dims", var.dims, "('y', 'x') with coordinates x and y [m]")
        var = var.transpose("y", "x")
        units = var.attrs.get("units")
        if units is not None and units not in _METRE_UNITS:
            raise InputError.field(where, f"{var.name} units", units, "'m'")
        _check_netcdf_crs(dataset, var, crs, where)
        if "x" not in var.coords or "y" not in var.coords:
            raise InputError(f"{where}: {var.name} needs coordinate variables x and y (cell centres, m)")
        var = var.sortby("x").sortby("y")  # descending y (north-up order) is allowed
        x, y, z = var["x"].values, var["y"].values, var.values
    try:
        return Terrain(x=x, y=y, elevation=z)
    except InputError as exc:
        raise InputError(f"{where}: {exc}") from None


def _check_netcdf_crs(dataset, var, crs: pyproj.CRS | None, where: str) -> None:
    mapping = var.attrs.get("grid_mapping") or var.encoding.get("grid_mapping")
    if crs is None or not mapping or mapping not in dataset.variables:
        return
    attrs = dataset[mapping].attrs
    wkt = attrs.get("crs_wkt") or attrs.get("spatial_ref")
    if not wkt:
        return
    file_epsg = pyproj.CRS.from_wkt(wkt).to_epsg()
    if file_epsg is not None and file_epsg != crs.to_epsg():
        raise InputError(f"{where}: DEM CRS EPSG:{file_epsg} differs from the park CRS EPSG:{crs.to_epsg()}; "
                         "reproject the DEM or correct park.yaml epsg")


def write_dem_geotiff(path: str | Path, terrain: Terrain, epsg: int) -> Path:
    """Write ``terrain`` as a north-up float32 GeoTIFF (deflate) that GDAL and :func:`read_dem` both read.

    Georeferencing (OGC GeoTIFF 1.1): ModelPixelScale (dx, dy, 0), one ModelTiepoint mapping raster (0, 0) to the
    north-west outer corner, and GeoKeys GTModelType = projected, GTRasterType = PixelIsArea,
    ProjectedCSType = ``epsg``, ProjLinearUnits = metre.
    """
    dx, dy = terrain.resolution
    if not (np.allclose(np.diff(terrain.x), dx, rtol=1e-9) and np.allclose(np.diff(terrain.y), dy, rtol=1e-9)):
        raise InputError.field("DEM", "grid spacing", "irregular", "uniform cell size to be written as GeoTIFF")
    xmin, _, _, ymax = terrain.bounds
    geokeys = (1, 1, 0, 4,
               KEY_MODEL_TYPE, 0, 1, 1,
               KEY_RASTER_TYPE, 0, 1, 1,
               KEY_PROJECTED_CS_TYPE, 0, 1, int(epsg),
               KEY_PROJ_LINEAR_UNITS, 0, 1, LINEAR_UNIT_METRE)
    extratags = [
        (TAG_MODEL_PIXEL_SCALE, "d", 3, (dx, dy, 0.0), True),
        (TAG_MODEL_TIEPOINT, "d", 6, (0.0, 0.0, 0.0, xmin, ymax, 0.0), True),
        (TAG_GEO_KEY_DIRECTORY, "H", len(geokeys), geokeys, True),
    ]
    raster = np.ascontiguousarray(terrain.elevation[::-1], dtype=np.float32)  # row 0 = north
    with atomic_output(path) as temporary:
        tifffile.imwrite(temporary, raster, compression="zlib", extratags=extratags, metadata=None,
                         software="ParkTwin")
    return Path(path)
