"""A DEM as read, onto the park's grid: voids filled, then reprojected to the park CRS.

* A DEM in another CRS than the park's (SRTM in EPSG:4326, a UTM tile) is reprojected onto a north-up grid in the
  park CRS by bilinear resampling (:func:`_reproject`).
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
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyproj
from scipy import ndimage

from twin import geo
from twin.errors import InputError, ParkTwinError
from twin.inputs import note_input
from twin.limits import check_memory
from twin.terrain import Terrain

__all__ = ["Raster", "onto_park_grid", "SRTM_VOID", "MAX_VOID_FRACTION", "MAX_FILL_DISTANCE", "RESAMPLING_TOLERANCE"]

_LOG = logging.getLogger("parktwin")

SRTM_VOID = -32768.0  # SRTM's void flag (the int16 minimum), a void even where the file does not declare it [m]
MAX_VOID_FRACTION = 0.25  # voids above this share of the DEM's cells are refused, not filled (see _fill_voids)
MAX_FILL_DISTANCE = 300.0  # a void cell farther than this from valid data is refused, not filled [m]
RESAMPLING_TOLERANCE = 0.001  # error allowed to GDAL's approximate transformer when warping [source cells]


@dataclass
class Raster:
    """A DEM as read, before anything is changed: ascending cell centres in its own CRS, voids as NaN."""

    x: np.ndarray  # (nx,) cell-centre x (easting or longitude)
    y: np.ndarray  # (ny,) cell-centre y (northing or latitude)
    z: np.ndarray  # (ny, nx) elevation [m], NaN = void
    crs: pyproj.CRS | None  # None: the file names none


def onto_park_grid(raster: Raster, crs: pyproj.CRS | None, path: Path, where: str) -> Terrain:
    """Fill the voids of ``raster`` on its own grid, then reproject it to ``crs`` when its CRS differs."""
    if raster.x.size < 2 or raster.y.size < 2:
        raise InputError.field(where, "raster size", f"{raster.y.size} × {raster.x.size} cells",
                               "at least 2 × 2 cells")
    notes: list[str] = []
    source = raster.crs
    if source is not None and source.is_compound:  # SRTM's 'WGS 84 + EGM96 height': heights are read as they are
        source = source.sub_crs_list[0]
        raster = Raster(raster.x, raster.y, raster.z, source)
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
        x, y, z, warp_note = _reproject(Raster(x, y, z, source), crs, where)
        notes.insert(0, warp_note)
    note = "; ".join(notes)
    if note:
        _LOG.info("%s: %s", where, note)
        note_input(path, note)
    try:
        return Terrain(x=x, y=y, elevation=z, note=note)
    except InputError as exc:
        raise InputError(f"{where}: {exc}") from None


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


def _uniform_spacing(raster: Raster, where: str) -> tuple[float, float]:
    """(dx, dy) of a regular grid; InputError when the cell centres are not evenly spaced."""
    spacing = []
    for name, axis in (("x", raster.x), ("y", raster.y)):
        step = (axis[-1] - axis[0]) / (axis.size - 1)
        if not np.allclose(np.diff(axis), step, rtol=1e-6, atol=0.0):
            raise InputError.field(where, f"{name} spacing", "irregular",
                                   "evenly spaced cell centres for the DEM to be reprojected to the park CRS")
        spacing.append(float(step))
    return spacing[0], spacing[1]


def _cell_metres(raster: Raster) -> tuple[float, float]:
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


def _fill_voids(raster: Raster, where: str) -> tuple[np.ndarray, str]:
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


def _reproject(raster: Raster, crs: pyproj.CRS, where: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
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
