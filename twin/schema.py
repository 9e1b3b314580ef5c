"""Names, units and CF attributes of everything ParkTwin writes, in one place.

Gridded fields and receptor series are built here as ``xarray.Dataset`` objects that :func:`twin.store.write_netcdf`
writes as CF-1.11 + ACDD-1.3 NetCDF. Inside ParkTwin concentrations are SI (kg m-3); they are converted to the output
unit (µg m-3 by default) exactly once, in :func:`grid_dataset` and :func:`receptor_dataset`.

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
    crs = _crs(crs_epsg)
    transformer = pyproj.Transformer.from_crs(crs, crs.geodetic_crs, always_xy=True)
    x_b, y_b = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
    lon, lat = transformer.transform(x_b, y_b)
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)


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
        REALIZATION: (REALIZATION, realization.astype(np.int32), _realization_attrs()),
        TIME: (TIME, time, _time_attrs(time_bounds is not None)),
        Z: (Z, z, _height_attrs(axis=True)),
        Y: (Y, y, {"standard_name": "projection_y_coordinate", "long_name": "northing", "units": "m", "axis": "Y"}),
        X: (X, x, {"standard_name": "projection_x_coordinate", "long_name": "easting", "units": "m", "axis": "X"}),
        "lat": ((Y, X), lat, {"standard_name": "latitude", "long_name": "latitude", "units": "degrees_north"}),
        "lon": ((Y, X), lon, {"standard_name": "longitude", "long_name": "longitude", "units": "degrees_east"}),
    }
    factor = CONCENTRATION_UNITS[_check_units(units)]
    data_vars: dict = {GRID_MAPPING: ((), np.int32(0), _crs(crs_epsg).to_cf())}
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
    station_id = [str(s) for s in station_id]
    n = len(station_id)
    if len(set(station_id)) != n:
        raise InputError.field("receptors", "station_id", station_id, "unique identifiers")
    where = "receptors"
    station_name, kind = (_strings(v, n, name) for v, name in ((station_name, "station_name"), (kind, "kind")))
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
        TIME: (TIME, time, _time_attrs(time_bounds is not None)),
        "station_id": (STATION, np.array(station_id, dtype=object), {"long_name": "receptor identifier", "cf_role": "timeseries_id"}),
        "station_name": (STATION, station_name, {"long_name": "receptor name"}),
        "kind": (STATION, kind, {"long_name": "receptor kind"}),
        "population": (STATION, population.astype(np.int64), {"long_name": "number of people at the receptor", "units": "1"}),
        "x": (STATION, x, {"standard_name": "projection_x_coordinate", "long_name": "easting", "units": "m"}),
        "y": (STATION, y, {"standard_name": "projection_y_coordinate", "long_name": "northing", "units": "m"}),
        "height": (STATION, height, _height_attrs(axis=False)),
        "lat": (STATION, lat, {"standard_name": "latitude", "long_name": "latitude", "units": "degrees_north"}),
        "lon": (STATION, lon, {"standard_name": "longitude", "long_name": "longitude", "units": "degrees_east"}),
    }
    factor = CONCENTRATION_UNITS[_check_units(units)]
    data_vars: dict = {GRID_MAPPING: ((), np.int32(0), _crs(crs_epsg).to_cf())}
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


def _crs(crs_epsg: int) -> pyproj.CRS:
    try:
        crs = pyproj.CRS.from_epsg(int(crs_epsg))
    except (pyproj.exceptions.CRSError, TypeError, ValueError):
        raise InputError.field("output", "crs_epsg", crs_epsg, "an EPSG code of a projected CRS in metres") from None
    if not crs.is_projected:
        raise InputError.field("output", "crs_epsg", crs_epsg, "an EPSG code of a projected CRS in metres")
    return crs


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


def _realization_attrs() -> dict:
    return {"standard_name": "realization", "long_name": "ensemble member number", "units": "1"}


def _height_attrs(*, axis: bool) -> dict:
    attrs = {"standard_name": "height", "long_name": "height above ground", "units": "m", "positive": "up"}
    return {**attrs, "axis": "Z"} if axis else attrs


def _time_attrs(has_bounds: bool) -> dict:
    # units and calendar are set by twin.store.write_netcdf (xarray encodes datetime64 with them).
    attrs = {"standard_name": "time", "long_name": "time (UTC)", "axis": "T", "units_metadata": "leap_seconds: none"}
    return {**attrs, "bounds": TIME_BOUNDS} if has_bounds else attrs


def _add_time_cells(coords: dict, data_vars: dict, time_bounds, statistics) -> None:
    """Add ``time_bnds`` and the scalar period coordinates the statistics' cell_methods name (CF §7.1, §7.3, §7.4)."""
    if time_bounds is None:
        return
    data_vars[TIME_BOUNDS] = ((TIME, BOUNDS_DIM), time_bounds, {})
    start, end = time_bounds[0, 0], time_bounds[-1, 1]
    middle = start + (end - start) // 2
    used = {_STATISTICS[s][1] for per in statistics.values() for s in per}
    time_attrs = {"standard_name": "time", "units_metadata": "leap_seconds: none"}
    if PERIOD in used:
        coords[PERIOD] = ((), middle, {**time_attrs, "long_name": "period the statistics cover", "bounds": PERIOD_BOUNDS})
        data_vars[PERIOD_BOUNDS] = ((BOUNDS_DIM,), np.array([start, end]), {})
    if PERIOD_DAYS in used:
        long_name = "days over which daily means are taken (climatological time, CF section 7.4)"
        coords[PERIOD_DAYS] = ((), middle, {**time_attrs, "long_name": long_name, "climatology": PERIOD_DAYS_CLIMATOLOGY})
        # CF needs no attributes here; these true ones are added because compliance-checker 6.1 recognises only the
        # climatology variable of the main time coordinate and otherwise checks this one as a data variable.
        climatology_attrs = {
            "standard_name": "time",
            "long_name": f"start of the first day and end of the last day of {PERIOD_DAYS}",
            "coverage_content_type": "coordinate",
            "units_metadata": "leap_seconds: none",
        }
        data_vars[PERIOD_DAYS_CLIMATOLOGY] = ((BOUNDS_DIM,), np.array([start, end]), climatology_attrs)
