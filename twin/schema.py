"""Names, units and CF attributes of everything ParkTwin writes, in one place.

Gridded fields and receptor series are built here as ``xarray.Dataset`` objects that :func:`twin.store.write_netcdf`
writes as CF-1.11 + ACDD-1.3 NetCDF. Inside ParkTwin concentrations are SI (kg m-3); they are converted to the output
unit (µg m-3 by default) exactly once, in :func:`grid_dataset` and :func:`receptor_dataset`.

The CF coordinates of the scenario outputs are built here too, by :func:`crs` / :func:`grid_mapping_variable`
(the projected CRS and its grid mapping), :func:`projected_xy_coords` (grid x, y and 2-D lon, lat),
:func:`point_xy_coords` and :func:`station_coords` (stations, stacks), :func:`time_coord`, :func:`realization_coord`
and :func:`percentile_coord`; the scenario modules call them instead of writing coordinate attributes themselves.

Layout (CF-1.11 = Eaton et al., *NetCDF Climate and Forecast (CF) Metadata Conventions* v1.11, 2023):

* hourly field ``<key>``: ``(realization, time, z, y, x)`` grid, ``(station, time)`` receptors;
* statistics ``<key>_max_1h``, ``<key>_max_24h``, ``<key>_period_mean``: ``(realization, z, y, x)`` grid,
  ``(station,)`` receptors.

Statistics name the period they summarise with a scalar time coordinate (CF §7.3.3, last paragraph; Example 7.6):
``period`` with bounds ``period_bnds`` (cell_methods ``period: maximum`` / ``period: mean``), and, for the maximum of
daily means, the climatological time ``period_days`` with ``climatology = "period_days_climatology"`` and
``cell_methods = "period_days: mean within days period_days: maximum over days"`` — the form CF §7.4 defines for
"the maximum of daily values" (its Example 7.14: monthly maximum of daily precipitation totals). The "within/over"
words are defined only together with climatology bounds (CF §7.4), so the daily-mean statistic cannot use plain bounds.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pyproj
import xarray as xr

from twin.errors import InputError

__all__ = [
    "SCHEMA_VERSION",
    "STATISTICS",
    "CONCENTRATION_UNITS",
    "Substance",
    "variable_name",
    "concentration_attrs",
    "geographic_coordinates",
    "crs",
    "grid_mapping_variable",
    "projection_coord",
    "geographic_coord",
    "projected_xy_coords",
    "point_xy_coords",
    "station_coords",
    "time_coord",
    "realization_coord",
    "percentile_coord",
    "grid_dataset",
    "receptor_dataset",
]

SCHEMA_VERSION = "1.0.0"

# Names of dimensions and of the variables every ParkTwin file shares.
REALIZATION, TIME, Z, Y, X, STATION, BOUNDS_DIM = "realization", "time", "z", "y", "x", "station", "nv"
TIME_BOUNDS = "time_bnds"
GRID_MAPPING = "crs"
PERIOD, PERIOD_BOUNDS = "period", "period_bnds"
PERIOD_DAYS, PERIOD_DAYS_CLIMATOLOGY = "period_days", "period_days_climatology"

# Statistic name -> (cell_methods, the scalar time coordinate it names, words used in long_name).
_STATISTICS = {
    "max_1h": (f"{PERIOD}: maximum", PERIOD, "maximum over the period of the hourly"),
    "max_24h": (
        f"{PERIOD_DAYS}: mean within days {PERIOD_DAYS}: maximum over days",
        PERIOD_DAYS,
        "maximum over the period of the daily (24-hour) mean",
    ),
    "period_mean": (f"{PERIOD}: mean", PERIOD, "mean over the period of the"),
    # EIA statistics (HJ 2.2-2018, HJ 663-2013). CF has no cell method for percentiles (CF-1.11 Appendix E), so the
    # percentile statistics carry none and say what they are in long_name and comment.
    "max_8h": (f"{PERIOD}: maximum", PERIOD, "maximum over the period of the 8-hour running mean"),
    "annual_mean": (f"{PERIOD_DAYS}: mean within days {PERIOD_DAYS}: mean over days", PERIOD_DAYS,
                    "mean over the valid days of the daily (24-hour) mean (GB 3095-2012 annual mean)"),
    "p98_24h": (None, PERIOD_DAYS, "98th percentile (HJ 663-2013) over the period of the daily (24-hour) mean"),
    "p95_24h": (None, PERIOD_DAYS, "95th percentile (HJ 663-2013) over the period of the daily (24-hour) mean"),
}
STATISTICS = tuple(_STATISTICS)

# Output unit -> factor from kg m-3. µg m-3 is the default because the Chinese ambient air quality standard
# (GB 3095-2012) and the air EIA guideline (HJ 2.2-2018) state limits and report results in µg/m³; mg m-3 suits
# emergency products (AEGL/ERPG thresholds are in mg/m³).
CONCENTRATION_UNITS = {"ug m-3": 1.0e9, "mg m-3": 1.0e6, "kg m-3": 1.0}

_KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Substance:
    """What the output needs to know about a substance (the chemicals table holds the rest).

    key : short lowercase key, e.g. ``"sulfur_dioxide"``; names the output variables.
    long_name : English name, e.g. ``"sulfur dioxide"``.
    cas : CAS registry number, e.g. ``"7446-09-5"``, or None (mixtures such as PM10 or VOCs have none).
    cf_standard_name : ``mass_concentration_of_<X>_in_air`` when the CF standard-name table has one, else None
        (chlorine, hydrogen sulfide and most toxic gases have none in table v93).
    """

    key: str
    long_name: str
    cas: str | None = None
    cf_standard_name: str | None = None

    def __post_init__(self) -> None:
        where = f"substance {self.key!r}"
        if not isinstance(self.key, str) or not _KEY_PATTERN.match(self.key):
            raise InputError.field(where, "key", self.key, "lowercase letters, digits and '_', starting with a letter")
        if not self.long_name:
            raise InputError.field(where, "long_name", self.long_name, "a non-empty English name")
        name = self.cf_standard_name
        if name is not None and not (name.startswith("mass_concentration_of_") and name.endswith("_in_air")):
            raise InputError.field(where, "cf_standard_name", name, "None or 'mass_concentration_of_<X>_in_air'")


def variable_name(key: str, statistic: str | None = None) -> str:
    """Output variable name: ``sulfur_dioxide`` (hourly field) or ``sulfur_dioxide_max_24h`` (statistic)."""
    if statistic is None:
        return key
    _check_statistic(statistic, where=f"substance {key!r}")
    return f"{key}_{statistic}"


def concentration_attrs(substance: Substance, statistic: str | None = None, units: str = "ug m-3") -> dict:
    """CF/ACDD attributes of a concentration variable.

    ``standard_name`` only when CF has one; otherwise the ``long_name`` carries the CAS number. ``substance`` (the
    key) and ``cas_number`` are written on every concentration variable so that tools can find a substance the same
    way whether or not CF names it. ``statistic`` is one of :data:`STATISTICS` or None for the hourly field.
    """
    if units not in CONCENTRATION_UNITS:
        raise InputError.field(f"substance {substance.key!r}", "units", units, f"one of {sorted(CONCENTRATION_UNITS)}")
    name = substance.long_name
    if substance.cf_standard_name is None and substance.cas:
        name = f"{name} (CAS {substance.cas})"
    long_name = f"mass concentration of {name} in air"
    attrs: dict = {}
    if substance.cf_standard_name is not None:
        attrs["standard_name"] = substance.cf_standard_name
    if statistic is not None:
        _check_statistic(statistic, where=f"substance {substance.key!r}")
        cell_methods, _, words = _STATISTICS[statistic]
        long_name = f"{words} {long_name}"
        if cell_methods is not None:
            attrs["cell_methods"] = cell_methods
        else:
            attrs["comment"] = (f"{words}: sort the valid daily means X(1) <= ... <= X(n), k = 1 + (n - 1) p/100, "
                                "m_p = X(s) + (X(s+1) - X(s))(k - s), s the integer part of k (HJ 663-2013)")
    attrs.update(
        long_name=long_name,
        units=units,
        substance=substance.key,
        coverage_content_type="modelResult",
        grid_mapping=GRID_MAPPING,
    )
    if substance.cas:
        attrs["cas_number"] = substance.cas
    return attrs


def geographic_coordinates(x, y, crs_epsg: int) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude of projected points on the datum of ``crs_epsg`` (CGCS2000 for EPSG:4549).

    x, y : array_like — Easting and northing, broadcast against each other. [m]
    Returns (lon, lat) with the broadcast shape. [degrees_east], [degrees_north]
    """
    projected = crs(crs_epsg)
    transformer = pyproj.Transformer.from_crs(projected, projected.geodetic_crs, always_xy=True)
    x_b, y_b = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
    lon, lat = transformer.transform(x_b, y_b)
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)


# --------------------------------------------------------------------------------------------------- coordinates
# Every CF coordinate ParkTwin writes is built by one of these functions, so that the wording of a coordinate's
# attributes is decided here once. Each returns what ``xarray.Dataset`` takes for a variable, a
# ``(dims, values, attrs)`` tuple, or a dict of them keyed by variable name (in the order they are written).

# Projected axis -> (standard_name, long_name of the grid products, CF axis).
_PROJECTION = {X: ("projection_x_coordinate", "easting", "X"), Y: ("projection_y_coordinate", "northing", "Y")}
# Geographic coordinate -> (standard_name = long_name of the grid products, units).
_GEOGRAPHIC = {"lon": ("longitude", "degrees_east"), "lat": ("latitude", "degrees_north")}


def crs(crs_epsg: int) -> pyproj.CRS:
    """The projected CRS of EPSG code ``crs_epsg``, the CRS every ParkTwin output is written in.

    Parameters
    ----------
    crs_epsg : int
        EPSG code of a projected CRS in metres, e.g. 4549 (CGCS2000 / 3-degree Gauss-Kruger CM 120E).

    Returns
    -------
    pyproj.CRS

    Raises
    ------
    InputError
        Naming ``crs_epsg`` when the code is unknown to PROJ or not a projected CRS.
    """
    allowed = "an EPSG code of a projected CRS in metres"
    try:
        projected = pyproj.CRS.from_epsg(int(crs_epsg))
    except (pyproj.exceptions.CRSError, TypeError, ValueError):
        raise InputError.field("output", "crs_epsg", crs_epsg, allowed) from None
    if not projected.is_projected:
        raise InputError.field("output", "crs_epsg", crs_epsg, allowed)
    return projected


def grid_mapping_variable(crs_epsg: int, *, dtype=np.int32) -> tuple:
    """The CF grid mapping variable (CF §5.6) of :func:`crs`, written as ``crs`` (:data:`GRID_MAPPING`).

    Parameters
    ----------
    crs_epsg : int
        EPSG code of the projected CRS. [1]
    dtype : numpy integer type
        Type of the variable's (meaningless) scalar value; ``np.int32`` for new outputs. The leak, forecast and plume
        ensemble products have always written ``np.int64``.

    Returns
    -------
    tuple
        ``((), dtype(0), attrs)`` with the attributes of ``pyproj.CRS.to_cf`` (``grid_mapping_name``, ``crs_wkt``,
        ellipsoid and projection parameters).
    """
    return (), dtype(0), crs(crs_epsg).to_cf()


def projection_coord(which: str, values, dims: str | tuple | None = None, *, long_name: str | None = None,
                     axis: bool = True) -> tuple:
    """Easting (``which="x"``) or northing (``which="y"``) in the projected CRS.

    Parameters
    ----------
    which : {"x", "y"}
        The projected axis; gives ``standard_name`` projection_x_coordinate / projection_y_coordinate.
    values : array_like
        Easting or northing, written unchanged. [m]
    dims : str or tuple, optional
        Dimensions of ``values``; by default ``which`` itself (a CF coordinate variable of a grid).
    long_name : str, optional
        Written when given ("easting" / "northing" in the grid products).
    axis : bool
        Write ``axis = "X"`` / ``"Y"`` (CF §4; for coordinate variables of a grid, not for point positions).

    Returns
    -------
    tuple
        ``(dims, values, attrs)`` with ``units = "m"``.
    """
    if which not in _PROJECTION:
        raise InputError.field("coordinate", "which", which, f"one of {sorted(_PROJECTION)}")
    standard_name, _, cf_axis = _PROJECTION[which]
    attrs = {"standard_name": standard_name, **_named(long_name), "units": "m"}
    if axis:
        attrs["axis"] = cf_axis
    return (which if dims is None else dims), values, attrs


def geographic_coord(which: str, values, dims: str | tuple, *, long_name: str | None = None) -> tuple:
    """Longitude (``which="lon"``) or latitude (``which="lat"``), an auxiliary coordinate (CF §5.2).

    Parameters
    ----------
    which : {"lon", "lat"}
        The coordinate; gives ``standard_name`` longitude / latitude and units degrees_east / degrees_north.
    values : array_like
        Longitude or latitude on the datum of the projected CRS, written unchanged. [degrees_east], [degrees_north]
    dims : str or tuple
        Dimensions of ``values``, ``("y", "x")`` on a grid, the station dimension for points.
    long_name : str, optional
        Written when given ("longitude" / "latitude" in the grid products).

    Returns
    -------
    tuple
        ``(dims, values, attrs)``.
    """
    if which not in _GEOGRAPHIC:
        raise InputError.field("coordinate", "which", which, f"one of {sorted(_GEOGRAPHIC)}")
    standard_name, units = _GEOGRAPHIC[which]
    return dims, values, {"standard_name": standard_name, **_named(long_name), "units": units}


def projected_xy_coords(x, y, crs_epsg: int | None = None, *, order: str = "xy", long_names: bool = False,
                        axis: bool = True, lon=None, lat=None) -> dict:
    """The coordinates of a projected grid: ``x``, ``y`` and, with a CRS, 2-D ``lon``, ``lat`` on ``(y, x)``.

    Parameters
    ----------
    x, y : array_like
        1-D, strictly monotonic cell-centre easting / northing, written unchanged. [m]
    crs_epsg : int, optional
        EPSG code of the projected CRS; when given, ``lon`` and ``lat`` of every cell are added (computed with
        :func:`geographic_coordinates` unless passed). Without it the grid has no geographic coordinates.
    order : {"xy", "yx"}
        ``"xy"``: x, y, lon, lat; ``"yx"``: y, x, lat, lon (the order of the variables in the file and in each data
        variable's ``coordinates`` attribute).
    long_names : bool
        Write long_name easting, northing, longitude, latitude.
    axis : bool
        Write ``axis`` on x and y.
    lon, lat : array_like, optional
        2-D (y, x) geographic coordinates already computed. [degrees_east], [degrees_north]

    Returns
    -------
    dict
        Variable name -> ``(dims, values, attrs)``.
    """
    if order not in ("xy", "yx"):
        raise InputError.field("grid", "order", order, "'xy' or 'yx'")
    for values, name in ((x, X), (y, Y)):
        _axis(values, name)
    coords = {
        name: projection_coord(name, values, long_name=_PROJECTION[name][1] if long_names else None, axis=axis)
        for name, values in ((X, x), (Y, y))
    }
    if crs_epsg is not None:
        if lon is None or lat is None:
            lon, lat = geographic_coordinates(np.asarray(x)[np.newaxis, :], np.asarray(y)[:, np.newaxis], crs_epsg)
        coords.update(_geographic_pair(lon, lat, (Y, X), long_names))
    names = [X, Y, "lon", "lat"] if order == "xy" else [Y, X, "lat", "lon"]
    return {name: coords[name] for name in names if name in coords}


def point_xy_coords(x, y, crs_epsg: int, dim: str, *, names: tuple[str, str, str, str] = ("x", "y", "lon", "lat"),
                    long_names: tuple[str, str, str, str] | None = None) -> dict:
    """Positions of points (stations, stacks): easting, northing, longitude and latitude along ``dim``.

    Parameters
    ----------
    x, y : array_like
        1-D easting / northing of the points in ``crs_epsg``, written unchanged. [m]
    crs_epsg : int
        EPSG code of the projected CRS; longitude and latitude are computed with :func:`geographic_coordinates`.
    dim : str
        The points' dimension, e.g. ``"station"``.
    names : tuple of 4 str
        Variable names of easting, northing, longitude, latitude.
    long_names : tuple of 4 str, optional
        Their long_name attributes; none are written by default.

    Returns
    -------
    dict
        Variable name -> ``(dims, values, attrs)``, in the order of ``names``; x and y carry no ``axis`` (CF §4
        gives axis to coordinate variables, and points are not a grid).
    """
    if np.ndim(x) != 1 or np.shape(x) != np.shape(y):
        raise InputError.field(f"points along {dim!r}", "shape of x and y", (np.shape(x), np.shape(y)),
                               "two 1-D arrays of the same length")
    if len(names) != 4 or (long_names is not None and len(long_names) != 4):
        raise InputError.field(f"points along {dim!r}", "names", (names, long_names), "4 names (x, y, lon, lat)")
    titles = long_names if long_names is not None else (None,) * 4
    lon, lat = geographic_coordinates(x, y, crs_epsg)
    return {
        names[0]: projection_coord(X, x, dim, long_name=titles[0], axis=False),
        names[1]: projection_coord(Y, y, dim, long_name=titles[1], axis=False),
        names[2]: geographic_coord("lon", lon, dim, long_name=titles[2]),
        names[3]: geographic_coord("lat", lat, dim, long_name=titles[3]),
    }


def station_coords(station_id: Sequence[str], station_name: Sequence[str], dim: str = STATION) -> dict:
    """Identifier and name of each station of a CF ``timeSeries`` (CF §9.5, ``cf_role = "timeseries_id"``).

    Parameters
    ----------
    station_id : sequence of str
        Unique identifiers of the stations (receptors).
    station_name : sequence of str
        Their names (may be Chinese), one per station.
    dim : str
        The station dimension.

    Returns
    -------
    dict
        ``{"station_id": ..., "station_name": ...}``, variable name -> ``(dims, values, attrs)``, string values.
    """
    ids = [str(s) for s in station_id]
    if len(set(ids)) != len(ids):
        raise InputError.field("receptors", "station_id", ids, "unique identifiers")
    names = _strings(station_name, len(ids), "station_name")
    return {
        "station_id": (dim, np.array(ids, dtype=object), {"long_name": "receptor identifier",
                                                           "cf_role": "timeseries_id"}),
        "station_name": (dim, names, {"long_name": "receptor name"}),
    }


def time_coord(values, dim: str | None = TIME, *, long_name: str | None = "time (UTC)", axis: bool = True,
               units_metadata: bool = True, bounds: str | None = None, climatology: str | None = None) -> tuple:
    """A time coordinate, 1-D along ``dim`` or scalar (``dim=None``, CF §7.3.3).

    Parameters
    ----------
    values : numpy.datetime64 or array of them
        UTC times, written unchanged; units and calendar are set by :func:`twin.store.write_netcdf`.
    dim : str or None
        The time dimension; None for a scalar coordinate.
    long_name : str or None
        Written when not None.
    axis : bool
        Write ``axis = "T"``.
    units_metadata : bool
        Write ``units_metadata = "leap_seconds: none"`` (CF-1.11 §4.4.3: UTC without leap seconds).
    bounds, climatology : str, optional
        Name of the cell bounds (CF §7.1) or climatology bounds (CF §7.4) variable.

    Returns
    -------
    tuple
        ``(dims, values, attrs)`` with ``standard_name = "time"``.
    """
    if not np.issubdtype(np.asarray(values).dtype, np.datetime64):
        raise InputError.field("output", "time", np.asarray(values).dtype, "numpy datetime64 values (UTC)")
    attrs = {"standard_name": "time", **_named(long_name)}
    if axis:
        attrs["axis"] = "T"
    if units_metadata:
        attrs["units_metadata"] = "leap_seconds: none"
    if bounds is not None:
        attrs["bounds"] = bounds
    if climatology is not None:
        attrs["climatology"] = climatology
    return (() if dim is None else dim), values, attrs


def realization_coord(members: int | Sequence[int], *, long_name: str | None = "ensemble member number") -> tuple:
    """The ensemble member coordinate ``realization`` (CF standard name realization).

    Parameters
    ----------
    members : int or sequence of int
        The number of members (numbered 0, 1, ...) or the members' numbers, written unchanged. [1]
    long_name : str or None
        Written when not None.

    Returns
    -------
    tuple
        ``("realization", values, attrs)`` with ``units = "1"``.
    """
    values = np.arange(members) if isinstance(members, (int, np.integer)) else np.asarray(members)
    if values.ndim != 1 or not np.issubdtype(values.dtype, np.integer) or (values < 0).any():
        raise InputError.field("output", "realization", members, "a number of members or 1-D member numbers >= 0")
    attrs = {"standard_name": "realization", **_named(long_name), "units": "1"}
    return REALIZATION, values, attrs


def percentile_coord(values, dim: str = "percentile") -> tuple:
    """The percentiles over ensemble members a statistic is given at (CF has no standard name for them).

    Parameters
    ----------
    values : array_like
        1-D percentiles in [0, 100], written unchanged. [percent]
    dim : str
        The percentile dimension.

    Returns
    -------
    tuple
        ``(dim, values, {"long_name": "percentile", "units": "percent"})``.
    """
    array = np.asarray(values)
    if array.ndim != 1 or not np.issubdtype(array.dtype, np.number) or ((array < 0) | (array > 100)).any():
        raise InputError.field("output", dim, values, "1-D percentiles in [0, 100]")
    return dim, values, {"long_name": "percentile", "units": "percent"}


def grid_dataset(
    *,
    x,
    y,
    z,
    time,
    crs_epsg: int,
    lon,
    lat,
    fields: Mapping[str, np.ndarray | None],
    statistics: Mapping[str, Mapping[str, np.ndarray]],
    substances: Sequence[Substance] | Mapping[str, Substance],
    time_bounds=None,
    attrs: Mapping[str, object],
    realization: Sequence[int] | None = None,
    units: str = "ug m-3",
) -> xr.Dataset:
    """Gridded concentrations as a CF dataset.

    x, y : 1-D, strictly monotonic cell-centre easting / northing in the CRS ``crs_epsg``. [m]
    z : 1-D heights above ground. [m]
    time : 1-D, strictly increasing, UTC (numpy datetime64).
    lon, lat : 2-D (y, x) geographic coordinates, or None to compute them with :func:`geographic_coordinates`.
    fields : key -> hourly concentration (realization, time, z, y, x), or None to write no hourly field. [kg m-3]
    statistics : key -> {"max_1h" | "max_24h" | "period_mean": (realization, z, y, x)}. [kg m-3]
    time_bounds : (time, 2) start and end of each time step (UTC); required when ``statistics`` is not empty, as
        the statistics must say which period they cover.
    realization : ensemble member numbers (default 0, 1, ...).
    units : output concentration unit, one of :data:`CONCENTRATION_UNITS`.
    """
    x, y, z = (_axis(values, name) for values, name in ((x, X), (y, Y), (z, Z)))
    time, time_bounds = _time_axis(time, time_bounds, needs_bounds=bool(statistics))
    catalogue = _catalogue(substances, fields, statistics)
    first = next((np.shape(a) for a in _arrays(fields, statistics)), (1,))
    n_real = len(realization) if realization is not None else first[0]
    realization = np.arange(n_real) if realization is None else np.asarray(realization)
    if lon is None or lat is None:
        lon, lat = geographic_coordinates(x[np.newaxis, :], y[:, np.newaxis], crs_epsg)
    shape2d = (y.size, x.size)
    lon, lat = (_shaped(v, shape2d, name) for v, name in ((lon, "lon"), (lat, "lat")))

    coords = {
        REALIZATION: realization_coord(realization.astype(np.int32)),
        TIME: time_coord(time, bounds=None if time_bounds is None else TIME_BOUNDS),
        Z: (Z, z, _height_attrs(axis=True)),
        **projected_xy_coords(x, y, crs_epsg, order="yx", long_names=True, lon=lon, lat=lat),
    }
    factor = CONCENTRATION_UNITS[_check_units(units)]
    data_vars: dict = {GRID_MAPPING: grid_mapping_variable(crs_epsg)}
    field_shape = (realization.size, time.size, z.size, y.size, x.size)
    for key, values in fields.items():
        if values is not None:
            dims = (REALIZATION, TIME, Z, Y, X)
            data = _convert(values, dims, field_shape, f"fields[{key!r}]", factor)
            data_vars[variable_name(key)] = (dims, data, concentration_attrs(catalogue[key], None, units))
    stat_shape = (realization.size, z.size, y.size, x.size)
    for key, per_statistic in statistics.items():
        for statistic, values in per_statistic.items():
            name = variable_name(key, statistic)
            dims = (REALIZATION, Z, Y, X)
            data = _convert(values, dims, stat_shape, f"statistics[{key!r}][{statistic!r}]", factor)
            data_vars[name] = (dims, data, concentration_attrs(catalogue[key], statistic, units))
    _add_time_cells(coords, data_vars, time_bounds, statistics)
    return xr.Dataset(data_vars, coords, attrs=dict(attrs))


def receptor_dataset(
    *,
    station_id: Sequence[str],
    station_name: Sequence[str],
    kind: Sequence[str],
    population: Sequence[int],
    x,
    y,
    height,
    time,
    crs_epsg: int,
    fields: Mapping[str, np.ndarray | None],
    statistics: Mapping[str, Mapping[str, np.ndarray]],
    substances: Sequence[Substance] | Mapping[str, Substance],
    time_bounds=None,
    attrs: Mapping[str, object],
    units: str = "ug m-3",
) -> xr.Dataset:
    """Concentrations at the sensitive receptors as a CF discrete-sampling-geometry ``timeSeries`` (CF §9).

    station_id : unique identifiers (``cf_role = "timeseries_id"``); station_name may be Chinese.
    kind : receptor kind ("residential", "school", "water_source_protection_zone", ...).
    population : people at each receptor (0 for receptors where nobody lives). [1]
    x, y : receptor easting / northing in ``crs_epsg``. [m]
    height : receptor height above ground (scalar or per station). [m]
    fields : key -> hourly concentration (station, time), or None. [kg m-3]
    statistics : key -> {"max_1h" | "max_24h" | "period_mean": (station,)}. [kg m-3]
    Other arguments as in :func:`grid_dataset`.
    """
    stations = station_coords(station_id, station_name)
    n = len(station_id)
    where = "receptors"
    kind = _strings(kind, n, "kind")
    population = np.asarray(population)
    if population.shape != (n,) or not np.issubdtype(population.dtype, np.integer) or (population < 0).any():
        raise InputError.field(where, "population", population.tolist(), f"{n} integers >= 0")
    x, y = (_shaped(v, (n,), name, where) for v, name in ((x, "x"), (y, "y")))
    height = np.asarray(height, dtype=np.float64)
    height = _shaped(np.full(n, height) if height.ndim == 0 else height, (n,), "height", where)
    time, time_bounds = _time_axis(time, time_bounds, needs_bounds=bool(statistics))
    catalogue = _catalogue(substances, fields, statistics)
    lon, lat = geographic_coordinates(x, y, crs_epsg)

    coords = {
        TIME: time_coord(time, bounds=None if time_bounds is None else TIME_BOUNDS),
        **stations,
        "kind": (STATION, kind, {"long_name": "receptor kind"}),
        "population": (STATION, population.astype(np.int64),
                       {"long_name": "number of people at the receptor", "units": "1"}),
        X: projection_coord(X, x, STATION, long_name=_PROJECTION[X][1], axis=False),
        Y: projection_coord(Y, y, STATION, long_name=_PROJECTION[Y][1], axis=False),
        "height": (STATION, height, _height_attrs(axis=False)),
        **_geographic_pair(lon, lat, STATION, long_names=True, lat_first=True),
    }
    factor = CONCENTRATION_UNITS[_check_units(units)]
    data_vars: dict = {GRID_MAPPING: grid_mapping_variable(crs_epsg)}
    for key, values in fields.items():
        if values is not None:
            data = _convert(values, (STATION, TIME), (n, time.size), f"fields[{key!r}]", factor)
            data_vars[variable_name(key)] = ((STATION, TIME), data, concentration_attrs(catalogue[key], None, units))
    for key, per_statistic in statistics.items():
        for statistic, values in per_statistic.items():
            data = _convert(values, (STATION,), (n,), f"statistics[{key!r}][{statistic!r}]", factor)
            attrs_stat = concentration_attrs(catalogue[key], statistic, units)
            data_vars[variable_name(key, statistic)] = ((STATION,), data, attrs_stat)
    _add_time_cells(coords, data_vars, time_bounds, statistics)
    return xr.Dataset(data_vars, coords, attrs={**dict(attrs), "featureType": "timeSeries"})


# --------------------------------------------------------------------------------------------------- helpers


def _check_statistic(statistic: str, where: str) -> None:
    if statistic not in _STATISTICS:
        raise InputError.field(where, "statistic", statistic, f"one of {list(STATISTICS)}")


def _check_units(units: str) -> str:
    if units not in CONCENTRATION_UNITS:
        raise InputError.field("output", "units", units, f"one of {sorted(CONCENTRATION_UNITS)}")
    return units


def _axis(values, name: str) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1 or array.size == 0 or not np.isfinite(array).all():
        raise InputError.field("grid", name, np.shape(values), "a non-empty 1-D array of finite values")
    steps = np.diff(array)
    if not ((steps > 0).all() or (steps < 0).all()):
        raise InputError.field("grid", name, array.tolist()[:6], "strictly monotonic (CF §1.3 coordinate variable)")
    return array


def _shaped(values, shape: tuple, name: str, where: str = "grid") -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    if array.shape != shape:
        raise InputError.field(where, f"shape of {name}", array.shape, str(shape))
    return array


def _strings(values: Sequence[str], n: int, name: str) -> np.ndarray:
    if len(values) != n:
        raise InputError.field("receptors", name, f"{len(values)} values", f"{n} values (one per station)")
    return np.array([str(v) for v in values], dtype=object)


def _time_axis(time, time_bounds, *, needs_bounds: bool) -> tuple[np.ndarray, np.ndarray | None]:
    time = np.asarray(time, dtype="datetime64[ns]")
    if time.ndim != 1 or time.size == 0 or (np.diff(time) <= np.timedelta64(0)).any():
        raise InputError.field("output", "time", np.shape(time), "a non-empty, strictly increasing 1-D array (UTC)")
    if time_bounds is None:
        if needs_bounds:
            raise InputError.field("output", "time_bounds", None, "a (time, 2) array when statistics are written")
        return time, None
    bounds = np.asarray(time_bounds, dtype="datetime64[ns]")
    if bounds.shape != (time.size, 2):
        raise InputError.field("output", "time_bounds", f"shape {bounds.shape}", f"shape {(time.size, 2)}")
    if not ((bounds[:, 0] < bounds[:, 1]).all() and (bounds[:, 0] <= time).all() and (time <= bounds[:, 1]).all()):
        raise InputError.field("output", "time_bounds", bounds[:3].tolist(), "start < end with each time inside its bounds")
    return time, bounds


def _catalogue(substances, fields, statistics) -> dict[str, Substance]:
    catalogue = dict(substances) if isinstance(substances, Mapping) else {s.key: s for s in substances}
    for key in [*fields, *statistics]:
        if key not in catalogue:
            raise InputError.field("output", "substance key", key, f"one of {sorted(catalogue)}")
    for key, per_statistic in statistics.items():
        for statistic in per_statistic:
            _check_statistic(statistic, where=f"statistics[{key!r}]")
    return catalogue


def _arrays(fields, statistics):
    yield from (a for a in fields.values() if a is not None)
    for per_statistic in statistics.values():
        yield from per_statistic.values()


def _convert(values, dims: tuple, shape: tuple, name: str, factor: float) -> np.ndarray:
    array = np.asarray(values)
    if array.shape != shape:
        raise InputError.field("output", f"shape of {name}", array.shape, f"{shape} {dims}".replace("'", ""))
    # The one unit conversion of the output: kg m-3 (SI inside ParkTwin) -> the output unit (µg m-3 by default,
    # the unit of GB 3095-2012 and HJ 2.2-2018). float32 keeps 7 significant digits, the precision written.
    return (np.asarray(array, dtype=np.float64) * factor).astype(np.float32)  # scale in f64, then round once


def _named(long_name: str | None) -> dict:
    return {} if long_name is None else {"long_name": long_name}


def _geographic_pair(lon, lat, dims, long_names: bool, lat_first: bool = False) -> dict:
    """``lon`` and ``lat`` auxiliary coordinates (long names "longitude", "latitude" when ``long_names``)."""
    pair = {name: geographic_coord(name, values, dims, long_name=_GEOGRAPHIC[name][0] if long_names else None)
            for name, values in (("lon", lon), ("lat", lat))}
    return {name: pair[name] for name in (("lat", "lon") if lat_first else ("lon", "lat"))}


def _height_attrs(*, axis: bool) -> dict:
    attrs = {"standard_name": "height", "long_name": "height above ground", "units": "m", "positive": "up"}
    return {**attrs, "axis": "Z"} if axis else attrs


def _add_time_cells(coords: dict, data_vars: dict, time_bounds, statistics) -> None:
    """Add ``time_bnds`` and the scalar period coordinates the statistics' cell_methods name (CF §7.1, §7.3, §7.4)."""
    if time_bounds is None:
        return
    data_vars[TIME_BOUNDS] = ((TIME, BOUNDS_DIM), time_bounds, {})
    start, end = time_bounds[0, 0], time_bounds[-1, 1]
    middle = start + (end - start) // 2
    used = {_STATISTICS[s][1] for per in statistics.values() for s in per}
    if PERIOD in used:
        coords[PERIOD] = time_coord(middle, None, long_name="period the statistics cover", axis=False,
                                    bounds=PERIOD_BOUNDS)
        data_vars[PERIOD_BOUNDS] = ((BOUNDS_DIM,), np.array([start, end]), {})
    if PERIOD_DAYS in used:
        long_name = "days over which daily means are taken (climatological time, CF section 7.4)"
        coords[PERIOD_DAYS] = time_coord(middle, None, long_name=long_name, axis=False,
                                         climatology=PERIOD_DAYS_CLIMATOLOGY)
        # CF needs no attributes here; these true ones are added because compliance-checker 6.1 recognises only the
        # climatology variable of the main time coordinate and otherwise checks this one as a data variable.
        climatology_attrs = {
            "standard_name": "time",
            "long_name": f"start of the first day and end of the last day of {PERIOD_DAYS}",
            "coverage_content_type": "coordinate",
            "units_metadata": "leap_seconds: none",
        }
        data_vars[PERIOD_DAYS_CLIMATOLOGY] = ((BOUNDS_DIM,), np.array([start, end]), climatology_attrs)
