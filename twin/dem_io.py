"""DEM files: read a GeoTIFF or NetCDF DEM onto the park's grid, and write a DEM as GeoTIFF.

DEMs are taken as they come:

* GeoTIFF is read with rasterio (GDAL), NetCDF with xarray; a file that is not north-up, has more than one band, is
  not in metres or is larger than memory allows is refused, naming the file and what is allowed.
* The raster as read (:class:`twin.dem_regrid.Raster`) has its voids filled and is reprojected to the park CRS when
  its CRS differs (:func:`twin.dem_regrid.onto_park_grid`), what was done noted for the run.

Written DEMs (:func:`write_dem_geotiff`) are plain GeoTIFF tags written with tifffile (OGC GeoTIFF 1.1, 19-008r4),
byte-identical from run to run.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pyproj
import tifffile

from twin.atomic import atomic_output
from twin.dem_regrid import Raster, onto_park_grid
from twin.errors import InputError, MissingInputError
from twin.inputs import record_input
from twin.limits import check_memory
from twin.terrain import Terrain

__all__ = ["read_dem", "write_dem_geotiff", "DEM_SUFFIXES"]

DEM_SUFFIXES = (".tif", ".tiff", ".nc", ".nc4")

# GeoTIFF tag and key numbers written by write_dem_geotiff (OGC GeoTIFF 1.1, 19-008r4, section 7 and annex B).
TAG_MODEL_PIXEL_SCALE = 33550
TAG_MODEL_TIEPOINT = 33922
TAG_GEO_KEY_DIRECTORY = 34735
KEY_MODEL_TYPE = 1024  # 1 projected, 2 geographic
KEY_RASTER_TYPE = 1025  # 1 PixelIsArea, 2 PixelIsPoint
KEY_PROJECTED_CS_TYPE = 3072
KEY_PROJ_LINEAR_UNITS = 3076
LINEAR_UNIT_METRE = 9001

_ELEVATION_NAMES = ("elevation", "dem", "z")
_METRE_UNITS = ("m", "metre", "metres", "meter", "meters")


def read_dem(path: str | Path, crs: pyproj.CRS | None = None, *, where: str | None = None) -> Terrain:
    """Read a DEM from GeoTIFF (``.tif``/``.tiff``) or NetCDF (``.nc``/``.nc4``) onto a grid in the park CRS.

    A DEM in another CRS is reprojected and its voids are filled (:func:`twin.dem_regrid.onto_park_grid`); what was
    done is logged, kept in ``Terrain.note`` and noted for the run (:func:`twin.inputs.note_input`).

    Parameters
    ----------
    path : path-like
        The DEM file.
    crs : pyproj.CRS, optional
        The park CRS. Without it the DEM is kept in its own CRS, which must then be projected in metres.
    where : str, optional
        How messages name the file (defaults to the file name).

    Raises
    ------
    MissingInputError
        The file does not exist.
    InputError
        The file is not a readable DEM, is larger than memory allows, is not north-up, cannot be transformed to the
        park CRS, or has voids too large to fill (the message names the file, the field or value, and what is allowed).
    """
    path = Path(path)
    where = where or path.name
    if not path.is_file():
        raise MissingInputError(f"{where}: DEM file not found: {path}")
    record_input(path)
    suffix = path.suffix.lower()
    if suffix in (".tif", ".tiff"):
        raster = _read_geotiff(path, where)
    elif suffix in (".nc", ".nc4"):
        raster = _read_netcdf(path, where)
    else:
        raise InputError.field(where, "file suffix", suffix, f"one of {', '.join(DEM_SUFFIXES)}")
    return onto_park_grid(raster, crs, path, where)


def _read_geotiff(path: Path, where: str) -> Raster:
    import rasterio
    from rasterio.errors import RasterioError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", rasterio.errors.NotGeoreferencedWarning)
            with rasterio.open(path) as ds:
                if ds.driver != "GTiff":
                    raise InputError.field(where, "file format", f"{ds.driver} (as GDAL reads it)", "a GeoTIFF")
                check_memory(float(ds.height) * float(ds.width) * 8.0,  # read, then held as float64
                             f"the raster's {ds.height} × {ds.width} cells (from its header)", where,
                             "cut or resample the DEM to the park's area")
                transform = ds.transform
                _check_georeferencing(ds, transform, where)
                if ds.count != 1:
                    raise InputError.field(where, "number of raster bands", ds.count, "1 (one band of elevations)")
                unit = (ds.units[0] or "").strip()
                if unit and unit.lower() not in _METRE_UNITS:
                    raise InputError.field(where, "band unit", unit, "'m' (elevations in metres)")
                band = ds.read(1, masked=True)  # masked: the file's nodata value and internal mask
                scale, offset = ds.scales[0], ds.offsets[0]
                crs = None if ds.crs is None else pyproj.CRS.from_wkt(ds.crs.to_wkt())
    except InputError:
        raise
    except (RasterioError, OSError, ValueError, pyproj.exceptions.CRSError) as exc:
        raise InputError(f"{where}: not a readable GeoTIFF ({exc})") from None
    z = np.ma.filled(band.astype(np.float64), np.nan)
    if scale != 1.0 or offset != 0.0:
        z = z * scale + offset
    rows, columns = z.shape
    x = transform.c + transform.a * (np.arange(columns) + 0.5)
    y = transform.f + transform.e * (np.arange(rows) + 0.5)
    if transform.a < 0:
        x, z = x[::-1], z[:, ::-1]
    if transform.e < 0:  # the usual north-up layout: row 0 is the northern edge
        y, z = y[::-1], z[::-1]
    return Raster(x=x, y=y, z=np.ascontiguousarray(z), crs=crs)


def _check_georeferencing(ds, transform, where: str) -> None:
    if transform.b != 0 or transform.d != 0:
        raise InputError(f"{where}: rotated/sheared rasters (ModelTransformationTag) are not supported; "
                         "the DEM must be north-up (warp it, e.g. with gdalwarp)")
    if transform.is_identity or transform.a == 0 or transform.e == 0:
        if ds.gcps[0]:
            raise InputError(f"{where}: the DEM is georeferenced by ground control points only; warp it to a "
                             "north-up grid first (e.g. with gdalwarp)")
        raise InputError(f"{where}: missing GeoTIFF georeferencing (ModelPixelScaleTag 33550 and ModelTiepointTag "
                         "33922 are required)")
_X_NAMES, _Y_NAMES = ("x",), ("y",)
_LON_NAMES, _LAT_NAMES = ("lon", "longitude"), ("lat", "latitude")
_LON_UNITS = ("degrees_east", "degree_east", "degrees_e", "degree_e")
_LAT_UNITS = ("degrees_north", "degree_north", "degrees_n", "degree_n")


def _axis_kind(dataset, dim: str) -> str | None:
    """'x', 'y', 'lon' or 'lat' for a dimension, from its coordinate's name, standard_name or units (CF §4)."""
    attrs = dataset[dim].attrs if dim in dataset.variables else {}
    standard = attrs.get("standard_name")
    units = str(attrs.get("units", "")).lower()
    if dim in _X_NAMES or standard == "projection_x_coordinate":
        return "x"
    if dim in _Y_NAMES or standard == "projection_y_coordinate":
        return "y"
    if dim in _LON_NAMES or standard == "longitude" or units in _LON_UNITS:
        return "lon"
    if dim in _LAT_NAMES or standard == "latitude" or units in _LAT_UNITS:
        return "lat"
    return None


def _read_netcdf(path: Path, where: str) -> Raster:
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
        kinds = {_axis_kind(dataset, dim): dim for dim in var.dims}
        if var.ndim == 2 and {"x", "y"} <= kinds.keys():
            xdim, ydim, geographic = kinds["x"], kinds["y"], False
        elif var.ndim == 2 and {"lon", "lat"} <= kinds.keys():
            xdim, ydim, geographic = kinds["lon"], kinds["lat"], True
        else:
            raise InputError.field(where, f"{var.name} dims", var.dims, "('y', 'x') with coordinates x and y [m], or "
                                   "('lat', 'lon') with coordinates in degrees")
        units = var.attrs.get("units")
        if units is not None and units not in _METRE_UNITS:
            raise InputError.field(where, f"{var.name} units", units, "'m'")
        if xdim not in var.coords or ydim not in var.coords:
            raise InputError(f"{where}: {var.name} needs coordinate variables {ydim} and {xdim} (cell centres, "
                             f"{'degrees' if geographic else 'm'})")
        crs = _netcdf_crs(dataset, var, geographic, where)
        var = var.transpose(ydim, xdim).sortby(xdim).sortby(ydim)  # descending y (north-up order) is allowed
        x = np.asarray(var[xdim].values, dtype=np.float64)
        y = np.asarray(var[ydim].values, dtype=np.float64)
        z = np.asarray(var.values, dtype=np.float64)  # _FillValue / missing_value decoded to NaN (voids)
    for name, axis in ((xdim, x), (ydim, y)):
        if axis.size < 2 or not np.all(np.isfinite(axis)) or np.any(np.diff(axis) <= 0):
            raise InputError.field(where, f"coordinate {name}", f"{axis[:3]}...", "at least 2 finite, distinct "
                                   "cell centres")
    return Raster(x=x, y=y, z=z, crs=crs)


def _netcdf_crs(dataset, var, geographic: bool, where: str) -> pyproj.CRS | None:
    """The CRS of a NetCDF DEM: its grid mapping (crs_wkt, spatial_ref or CF grid-mapping parameters, CF §5.6);
    without one, WGS 84 for lat/lon axes and none (the park CRS) for x/y axes."""
    mapping = var.attrs.get("grid_mapping") or var.encoding.get("grid_mapping")
    crs = None
    if mapping and mapping in dataset.variables:
        attrs = dataset[mapping].attrs
        wkt = attrs.get("crs_wkt") or attrs.get("spatial_ref")
        try:
            if wkt:
                crs = pyproj.CRS.from_wkt(wkt)
            elif "grid_mapping_name" in attrs:
                crs = pyproj.CRS.from_cf(dict(attrs))
        except pyproj.exceptions.CRSError as exc:
            raise InputError.field(where, f"grid mapping {mapping!r}", f"not a CRS PROJ can read ({exc})",
                                   "a crs_wkt, spatial_ref or CF grid-mapping parameters") from None
    if geographic:
        if crs is None:
            return pyproj.CRS.from_epsg(4326)
        return crs.geodetic_crs if crs.is_projected else crs
    return crs


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
