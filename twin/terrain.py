"""The park's terrain: a regular grid of ground elevations in the park CRS, read from GeoTIFF or NetCDF.

DEMs are taken as they come:

* GeoTIFF is read with rasterio (GDAL), NetCDF with xarray. A DEM in another CRS than the park's (SRTM in EPSG:4326,
  a UTM tile) is reprojected onto a north-up grid in the park CRS by bilinear resampling (:func:`_reproject`).
* Voids — the file's nodata value, NaN, SRTM's void flag -32768 — are filled on the DEM's own grid by
  inverse-distance weighted interpolation from the void's edges, GDAL FillNodata (:func:`_fill_voids`); a DEM whose
  voids are too large to fill credibly is refused.
* What was done is logged, kept as ``Terrain.note`` and noted for the run (:func:`twin.inputs.note_input`: run.json
  ``input_notes`` and the NetCDF attribute ``input_notes``), e.g. "DEM reprojected from EPSG:4326 to EPSG:4549 by
  bilinear resampling (GDAL warp) onto 480 × 420 cells of 26 m …; 1,234 void cells (0.3 %) filled by
  inverse-distance-weighted interpolation …".

References: D. Shepard (1968), "A two-dimensional interpolation function for irregularly-spaced data", Proc. 23rd ACM
National Conference, 517–524 (inverse distance weighting); GDAL, GDALFillNodata() (gdal.org, "four direction conic
search … using inverse distance weighting"); H. I. Reuter, A. Nelson, A. Jarvis (2007), "An evaluation of
void-filling interpolation methods for SRTM data", Int. J. Geographical Information Science 21(9):983–1008,
doi:10.1080/13658810601169899; NASA/JPL SRTM Topography documentation (voids flagged -32768).

Written DEMs (:func:`write_dem_geotiff`) are plain GeoTIFF tags written with tifffile (OGC GeoTIFF 1.1, 19-008r4),
byte-identical from run to run.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyproj
import tifffile
from scipy import ndimage

from twin import geo
from twin.errors import InputError, MissingInputError, ParkTwinError
from twin.inputs import note_input, record_input
from twin.limits import check_memory
from twin.atomic import atomic_output

__all__ = ["Terrain", "read_dem", "write_dem_geotiff", "DEM_SUFFIXES", "MAX_VOID_FRACTION", "MAX_FILL_DISTANCE"]

_LOG = logging.getLogger("parktwin")

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

SRTM_VOID = -32768.0  # SRTM's void flag (the int16 minimum), a void even where the file does not declare it [m]
MAX_VOID_FRACTION = 0.25  # voids above this share of the DEM's cells are refused, not filled (see _fill_voids)
MAX_FILL_DISTANCE = 300.0  # a void cell farther than this from valid data is refused, not filled [m]
RESAMPLING_TOLERANCE = 0.001  # error allowed to GDAL's approximate transformer when warping [source cells]

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


def read_dem(path: str | Path, crs: pyproj.CRS | None = None, *, where: str | None = None) -> Terrain:
    """Read a DEM from GeoTIFF (``.tif``/``.tiff``) or NetCDF (``.nc``/``.nc4``) onto a grid in the park CRS.

    A DEM in another CRS is reprojected (:func:`_reproject`); its voids are filled (:func:`_fill_voids`); what was
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
    return _onto_park_grid(raster, crs, path, where)


@dataclass
class _Raster:
    """A DEM as read, before anything is changed: ascending cell centres in its own CRS, voids as NaN."""

    x: np.ndarray  # (nx,) cell-centre x (easting or longitude)
    y: np.ndarray  # (ny,) cell-centre y (northing or latitude)
    z: np.ndarray  # (ny, nx) elevation [m], NaN = void
    crs: pyproj.CRS | None  # None: the file names none


def _crs_name(crs: pyproj.CRS) -> str:
    code = crs.to_epsg()
    return f"EPSG:{code}" if code is not None else repr(crs.name)


def _same_crs(a: pyproj.CRS, b: pyproj.CRS) -> bool:
    code_a, code_b = a.to_epsg(), b.to_epsg()
    if code_a is not None and code_b is not None:
        return code_a == code_b
    return a.equals(b, ignore_axis_order=True)


def _metre_axes(crs: pyproj.CRS) -> bool:
    return all(axis.unit_name in ("metre", "meter") for axis in crs.axis_info[:2])


def _onto_park_grid(raster: _Raster, crs: pyproj.CRS | None, path: Path, where: str) -> Terrain:
    """Fill the voids of ``raster`` on its own grid, then reproject it to ``crs`` when its CRS differs."""
    if raster.x.size < 2 or raster.y.size < 2:
        raise InputError.field(where, "raster size", f"{raster.y.size} × {raster.x.size} cells",
                               "at least 2 × 2 cells")
    notes: list[str] = []
    source = raster.crs
    if source is not None and source.is_compound:  # SRTM's 'WGS 84 + EGM96 height': heights are read as they are
        source = source.sub_crs_list[0]
        raster = _Raster(raster.x, raster.y, raster.z, source)
    if source is None and crs is not None:
        notes.append(f"the file names no CRS: read as the park CRS {_crs_name(crs)}")
    if source is not None and crs is None and not (source.is_projected and _metre_axes(source)):
        raise InputError(f"{where}: DEM CRS {_crs_name(source)} ({source.name}) must be a projected CRS in metres "
                         "when no park CRS is given to reproject it to")
    reproject = source is not None and crs is not None and not _same_crs(source, crs)
    if reproject:
        _uniform_spacing(raster, where)  # fail before the work of filling
    z, fill_note = _fill_voids(raster, where)
    if fill_note:
        notes.append(fill_note)
    x, y = raster.x, raster.y
    if reproject:
        x, y, z, warp_note = _reproject(_Raster(x, y, z, source), crs, where)
        notes.insert(0, warp_note)
    note = "; ".join(notes)
    if note:
        _LOG.info("%s: %s", where, note)
        note_input(path, note)
    try:
        return Terrain(x=x, y=y, elevation=z, note=note)
    except InputError as exc:
        raise InputError(f"{where}: {exc}") from None


def _uniform_spacing(raster: _Raster, where: str) -> tuple[float, float]:
    """(dx, dy) of a regular grid; InputError when the cell centres are not evenly spaced."""
    spacing = []
    for name, axis in (("x", raster.x), ("y", raster.y)):
        step = (axis[-1] - axis[0]) / (axis.size - 1)
        if not np.allclose(np.diff(axis), step, rtol=1e-6, atol=0.0):
            raise InputError.field(where, f"{name} spacing", "irregular",
                                   "evenly spaced cell centres for the DEM to be reprojected to the park CRS")
        spacing.append(float(step))
    return spacing[0], spacing[1]


def _cell_metres(raster: _Raster) -> tuple[float, float]:
    """Ground size (dx, dy) of a cell at the DEM's centre [m]: geodesic lengths on the CRS's ellipsoid for a
    geographic CRS, else the spacing times the axis unit (metres assumed without a CRS)."""
    x, y = raster.x, raster.y
    dx = float((x[-1] - x[0]) / (x.size - 1))
    dy = float((y[-1] - y[0]) / (y.size - 1))
    crs = raster.crs
    if crs is None:
        return dx, dy
    if crs.is_geographic:
        geod = crs.get_geod() or pyproj.Geod(ellps="WGS84")
        lon, lat = float(x[x.size // 2]), float(y[y.size // 2])
        return (float(geod.inv(lon - dx / 2, lat, lon + dx / 2, lat)[2]),
                float(geod.inv(lon, lat - dy / 2, lon, lat + dy / 2)[2]))
    factor = crs.axis_info[0].unit_conversion_factor if crs.axis_info else 1.0
    return dx * factor, dy * factor


def _fill_voids(raster: _Raster, where: str) -> tuple[np.ndarray, str]:
    """The elevation with its voids filled, and a note of what was filled ('' when there were none).

    Voids are the cells the reader masked (the file's nodata value, NetCDF _FillValue), NaN, and SRTM's void flag
    -32768 also where the file does not declare it. They are filled on the DEM's own grid, before any reprojection,
    by GDAL FillNodata (rasterio.fill.fillnodata, no smoothing): each void cell gets an inverse-distance-weighted mean
    of the nearest valid cells found by a search in four directions from it — Shepard's (1968) inverse distance
    weighting applied from the void's edges. Reuter, Nelson & Jarvis (2007) compared void-filling interpolators on
    1,304 artificial SRTM voids: inverse distance weighting is among the best for small and medium voids in flat,
    low-lying terrain, where chemical parks mostly lie; no interpolator recovers large voids in relief.

    Refused (InputError), since an interpolated surface there would be a guess, not a measurement:

    * more than :data:`MAX_VOID_FRACTION` (25 %) of the DEM's cells are voids — most of the terrain would be made up;
    * a void cell lies more than :data:`MAX_FILL_DISTANCE` (300 m) from the nearest valid cell (a void more than
      600 m across): hills and hollows of that size steer plumes (ISC3 terrain truncation) and flood water, and
      inverse distance weighting bridges them with a smooth surface. Such voids need another DEM, or — for sea and
      lakes marked as nodata — the water-surface elevation.
    """
    z = raster.z
    void = ~np.isfinite(z) | (z == SRTM_VOID)
    count = int(np.count_nonzero(void))
    if not count:
        return z, ""
    fraction = count / z.size
    share = f"{100 * fraction:.3g} %"
    if fraction > MAX_VOID_FRACTION:
        raise InputError(f"{where}: {count:,} of the DEM's {z.size:,} cells ({share}) are voids (nodata, NaN or "
                         f"-32768); at most {MAX_VOID_FRACTION:.0%} can be filled credibly by interpolation: fill them "
                         "from another DEM, or cut the DEM to the area that has data")
    dx_m, dy_m = _cell_metres(raster)
    distance = ndimage.distance_transform_edt(void, sampling=(abs(dy_m), abs(dx_m)))
    worst = float(distance.max())
    if worst > MAX_FILL_DISTANCE:
        i, j = np.unravel_index(int(np.argmax(distance)), distance.shape)
        digits = 5 if raster.crs is not None and raster.crs.is_geographic else 1
        raise InputError(f"{where}: a void reaches {worst:,.0f} m from the nearest valid cell (at x = "
                         f"{raster.x[j]:.{digits}f}, y = {raster.y[i]:.{digits}f} in the DEM's CRS); voids are "
                         f"filled only up to {MAX_FILL_DISTANCE:.0f} m from valid data (at most "
                         f"{2 * MAX_FILL_DISTANCE:.0f} m across): "
                         "fill it from another DEM, or give sea and lakes marked as nodata their water-surface "
                         "elevation")
    from rasterio.fill import fillnodata  # local import: GDAL is loaded only when a DEM has voids or is warped

    # The conic search counts cells along rows, columns and diagonals: allow the diagonal of the largest distance.
    search = int(np.ceil(worst / min(abs(dx_m), abs(dy_m)) * np.sqrt(2.0))) + 1
    filled = fillnodata(np.where(void, np.nan, z), mask=(~void).astype(np.uint8), max_search_distance=search,
                        smoothing_iterations=0)
    left = int(np.count_nonzero(~np.isfinite(filled)))
    if left:
        raise InputError(f"{where}: {left:,} void cells could not be reached from valid cells within {search} cells "
                         "by GDAL FillNodata; fill the voids from another DEM")
    return np.asarray(filled, dtype=np.float64), (
        f"{count:,} void cells ({share} of {z.size:,}) filled by inverse-distance-weighted interpolation from the "
        f"void edges (GDAL FillNodata, no smoothing; largest distance to valid data {worst:.0f} m)")


def _nice_cell(size: float) -> float:
    """``size`` rounded down to two significant figures (26.17 m → 26 m, 926 m → 920 m)."""
    step = 10.0 ** (np.floor(np.log10(size)) - 1)
    return float(np.round(np.floor(size / step + 1e-9) * step, 10))


def _reproject(raster: _Raster, crs: pyproj.CRS, where: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """Warp a void-free ``raster`` onto a north-up grid in ``crs`` by bilinear resampling (rasterio / GDAL warp).

    * Cell size: the ground size of one source cell at the DEM's centre, measured in the park CRS (the lengths of
      one cell step along a row and along a column, transformed with PROJ), the smaller of the two rounded down to
      two significant figures — never coarser than the source (SRTM 1" at 32.4° N: 26.1 m × 30.8 m → 26 m).
    * Extent: the largest north-up rectangle of the park CRS inside the source's footprint (its outer ring of cell
      centres, transformed point by point), cells centred on multiples of the cell size. A lon/lat tile is a
      slightly turned quadrilateral in a projected CRS; cells beyond its edges would hold no data, so they are left
      out rather than extrapolated.
    * Bilinear resampling (GDAL warp, through rasterio's WarpedVRT) interpolates the four source cells around each
      target cell centre. The warp's approximate transformer is held to :data:`RESAMPLING_TOLERANCE` source cells:
      at GDAL's default 0.125 a 14 km SRTM tile is sampled up to 3 m off (3 cm on a 1 % slope); rasterio's
      ``reproject`` does not pass its ``tolerance`` to that transformer (1.4.4), WarpedVRT does. The warp options
      XSCALE = YSCALE = 1 keep GDAL's plain 2 × 2 bilinear kernel: the target is never coarser than the source, but
      GDAL would otherwise estimate a scale per chunk from the turned footprint, find it just below 1 and widen the
      kernel as for downsampling (4 cm off on a 2 % plane in tests/twin/test_terrain.py).
    """
    from rasterio.crs import CRS as RasterioCRS
    from rasterio.enums import Resampling
    from rasterio.errors import RasterioError
    from rasterio.io import MemoryFile
    from rasterio.transform import Affine
    from rasterio.vrt import WarpedVRT

    x, y, z, source = raster.x, raster.y, raster.z, raster.crs
    dx, dy = _uniform_spacing(raster, where)
    try:
        to_park = geo.transformer(source, crs)
        jc, ic = x.size // 2, y.size // 2
        px, py = to_park.transform([x[jc], x[jc] + dx, x[jc]], [y[ic], y[ic], y[ic] + dy])
        rows = np.unique(np.linspace(0, y.size - 1, min(y.size, 1001)).round().astype(int))
        cols = np.unique(np.linspace(0, x.size - 1, min(x.size, 1001)).round().astype(int))
        west = to_park.transform(np.full(rows.size, x[0]), y[rows])[0]
        east = to_park.transform(np.full(rows.size, x[-1]), y[rows])[0]
        south = to_park.transform(x[cols], np.full(cols.size, y[0]))[1]
        north = to_park.transform(x[cols], np.full(cols.size, y[-1]))[1]
    except pyproj.exceptions.ProjError as exc:
        raise InputError(f"{where}: DEM CRS {_crs_name(source)} cannot be transformed to the park CRS "
                         f"{_crs_name(crs)} ({exc})") from None
    corners = np.concatenate([px, py, west, east, south, north])
    if not np.all(np.isfinite(corners)):
        raise InputError(f"{where}: the DEM (x {x[0]:.6g}..{x[-1]:.6g}, y {y[0]:.6g}..{y[-1]:.6g} in "
                         f"{_crs_name(source)}) lies where the park CRS {_crs_name(crs)} is not defined; it must "
                         "cover the park")
    along_row = float(np.hypot(px[1] - px[0], py[1] - py[0]))
    along_column = float(np.hypot(px[2] - px[0], py[2] - py[0]))
    cell = _nice_cell(min(along_row, along_column))
    x_first = np.ceil(west.max() / cell) * cell
    x_last = np.floor(east.min() / cell) * cell
    y_first = np.ceil(south.max() / cell) * cell
    y_last = np.floor(north.min() / cell) * cell
    nx = int(round((x_last - x_first) / cell)) + 1
    ny = int(round((y_last - y_first) / cell)) + 1
    if nx < 2 or ny < 2:
        raise InputError(f"{where}: the DEM's footprint in the park CRS {_crs_name(crs)} (x {west.max():.1f}.."
                         f"{east.min():.1f} m, y {south.max():.1f}..{north.min():.1f} m) holds fewer than 2 × 2 cells "
                         f"of {cell:g} m; it must cover the park")
    # the source copied into an in-memory GeoTIFF for GDAL, and the reprojected grid read back (float64)
    check_memory(8.0 * (float(x.size) * float(y.size) + 2.0 * float(nx) * float(ny)),
                 f"the reprojected grid's {ny} × {nx} cells of {cell:g} m", where, "cut the DEM to the park's area")
    try:
        with MemoryFile() as memory:
            with memory.open(driver="GTiff", width=x.size, height=y.size, count=1, dtype="float64",
                             crs=RasterioCRS.from_wkt(source.to_wkt()), nodata=np.nan,
                             transform=Affine(dx, 0.0, x[0] - dx / 2, 0.0, -dy, y[-1] + dy / 2)) as dataset:
                dataset.write(np.ascontiguousarray(z[::-1]), 1)  # row 0 = north
            with memory.open() as dataset, WarpedVRT(
                    dataset, crs=RasterioCRS.from_wkt(crs.to_wkt()), width=nx, height=ny, nodata=np.nan,
                    transform=Affine(cell, 0.0, x_first - cell / 2, 0.0, -cell, y_last + cell / 2),
                    resampling=Resampling.bilinear, tolerance=RESAMPLING_TOLERANCE, XSCALE=1, YSCALE=1) as warped:
                target = warped.read(1).astype(np.float64)
    except RasterioError as exc:
        raise InputError(f"{where}: the DEM could not be reprojected from {_crs_name(source)} to the park CRS "
                         f"{_crs_name(crs)} ({exc})") from None
    missing = int(np.count_nonzero(~np.isfinite(target)))
    if missing:  # every target centre lies inside the source's ring of centres: this is a bug, not the input's fault
        raise ParkTwinError(f"{where}: {missing} of {target.size} reprojected DEM cells got no value")
    note = (f"DEM reprojected from {_crs_name(source)} to {_crs_name(crs)} by bilinear resampling (GDAL warp) onto "
            f"{nx} × {ny} cells of {cell:g} m (a source cell is {along_row:.1f} m × {along_column:.1f} m there; "
            f"x {x_first - cell / 2:.0f}..{x_last + cell / 2:.0f} m, "
            f"y {y_first - cell / 2:.0f}..{y_last + cell / 2:.0f} m: the north-up rectangle inside the source's "
            "footprint)")
    x_out = x_first + cell * np.arange(nx)
    y_out = y_first + cell * np.arange(ny)
    return x_out, y_out, target[::-1].copy(), note


def _read_geotiff(path: Path, where: str) -> _Raster:
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
    return _Raster(x=x, y=y, z=np.ascontiguousarray(z), crs=crs)


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


def _read_netcdf(path: Path, where: str) -> _Raster:
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
    return _Raster(x=x, y=y, z=z, crs=crs)


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
