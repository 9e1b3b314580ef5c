"""Read monitor observations once, at the boundary, into the dataset of :mod:`twin.observations` (SI inside).

Station CSV (one file per station, named ``<station id>.csv``; UTF-8 with or without BOM, or GBK/GB18030 as Excel
writes it on a Chinese Windows — ``twin.textfiles.read_text``). Lines starting with ``#`` are comments. The header:

* a time column, exactly one of ``time_start`` / ``time_end`` (the start or the end of each averaging period); its
  values are ISO 8601 with their offset (``2026-07-15T08:00+08:00``, ``2026-07-15 00:00Z``), or, in a column named
  ``time_start_utc`` / ``time_end_utc``, without offset and in UTC. A value without offset in the other columns is
  refused: local time must say its offset.
* concentration columns ``<substance>_<unit>`` (``so2_ug_m3``, ``nh3_ppb``, ``sulfur_dioxide_mg_m3``; units
  ``ug_m3``, ``mg_m3``, ``kg_m3``, ``ppb``, ``ppm``);
* optionally ``flag`` (codes of ``twin.observations.FLAG_CODES``).

The time step is 1 h (hourly means) or 1 min (averaged to hourly means with the 45-minute rule). Every error names
the file, the line, the column, the value and what is allowed.

CF NetCDF: a discrete-sampling-geometry ``timeSeries`` (CF-1.11 §9, orthogonal multidimensional array
representation): dims (station, time), ``station_id`` with ``cf_role = "timeseries_id"``, concentration variables
named by substance key (or carrying a ``substance`` attribute) with a ``units`` attribute, converted to kg m-3.
:func:`write_observations_netcdf` writes that layout.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import xarray as xr

from twin.atomic import atomic_output
from twin.chemicals import ChemicalTable, load_chemicals
from twin.errors import InputError, MissingInputError
from twin.inputs import record_input
from twin.observations import (
    FLAG_CODES,
    MISSING_TOKENS,
    TIME,
    VALID_FLAGS,
    hourly_means,
    merge_stations,
    observation_dataset,
    parse_column,
    to_kg_m3,
)
from twin.park import Park
from twin.textfiles import read_text
from twin.units import UnitError, to_si

__all__ = ["read_station_csv", "read_observations_netcdf", "read_observations", "write_observations_netcdf",
           "open_series_netcdf"]

_TIME_COLUMNS = {"time_start": (False, False), "time_end": (True, False),
                 "time_start_utc": (False, True), "time_end_utc": (True, True)}  # name -> (labels the end, UTC)
_HOUR = np.timedelta64(3600, "s")
_MINUTE = np.timedelta64(60, "s")
_FLAG_LOOKUP = {**{c: c for c in FLAG_CODES}, **{w.upper(): c for c, w in FLAG_CODES.items()}, "": "V"}


def _parse_time(text: str, utc_column: bool, where: str) -> np.datetime64:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"{where}: must be an ISO 8601 time such as '2026-07-15T08:00+08:00', got {text!r}") from None
    if moment.tzinfo is None:
        if not utc_column:
            raise InputError(f"{where}: must carry its UTC offset ('2026-07-15T08:00+08:00' or '...Z'), or the column "
                             f"must be named '*_utc', got {text!r}")
        moment = moment.replace(tzinfo=timezone.utc)
    utc = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return np.datetime64(utc, "s")


def _parse_value(text: str, where: str) -> float:
    token = text.strip()
    if token.lower() in MISSING_TOKENS:
        return np.nan
    try:
        value = float(token)
    except ValueError:
        raise InputError(f"{where}: must be a number, or empty / NaN / -999 for a missing value, got {text!r}") from None
    if not np.isfinite(value) or value < 0:
        raise InputError(f"{where}: must be a finite concentration >= 0 (or -999 for missing), got {text!r}")
    return value


def read_station_csv(path: str | Path, *, station_id: str | None = None, chemicals: ChemicalTable | None = None,
                     station_name: str | None = None, x: float = np.nan, y: float = np.nan,
                     height: float = np.nan) -> xr.Dataset:
    """One station's CSV as an observation dataset (one station; ``station_id`` defaults to the file's stem)."""
    path = Path(path)
    chemicals = chemicals or load_chemicals()
    station_id = station_id or path.stem
    text = read_text(path, where=path.name)
    lines = [(number, line) for number, line in enumerate(text.splitlines(), start=1)
             if line.strip() and not line.lstrip().startswith("#")]
    if len(lines) < 2:
        raise InputError.field(path.name, "contents", f"{len(lines)} non-comment lines", "a header and data rows")
    numbers = [number for number, _ in lines]
    rows = list(csv.reader(io.StringIO("\n".join(line for _, line in lines))))
    header = [h.strip() for h in rows[0]]
    header_line = numbers[0]
    time_columns = [i for i, h in enumerate(header) if h.lower() in _TIME_COLUMNS]
    if len(time_columns) != 1:
        raise InputError.field(f"{path.name}: line {header_line}", "time column", [header[i] for i in time_columns],
                               "exactly one of time_start, time_end, time_start_utc, time_end_utc")
    time_index = time_columns[0]
    labels_end, utc_column = _TIME_COLUMNS[header[time_index].lower()]
    flag_index = next((i for i, h in enumerate(header) if h.lower() == "flag"), None)
    columns: dict[int, tuple[str, str]] = {}
    for index, name in enumerate(header):
        if index in (time_index, flag_index):
            continue
        key, unit = parse_column(name, chemicals, f"{path.name}: line {header_line}")
        if any(k == key for k, _ in columns.values()):
            raise InputError.field(f"{path.name}: line {header_line}", "column", name, f"one column per substance "
                                   f"({key!r} appears twice)")
        columns[index] = (key, unit)
    if not columns:
        raise InputError.field(f"{path.name}: line {header_line}", "columns", header,
                               "at least one concentration column '<substance>_<unit>'")
    times = np.empty(len(rows) - 1, dtype="datetime64[s]")
    values = np.full((len(rows) - 1, len(columns)), np.nan)
    for r, (row, line) in enumerate(zip(rows[1:], numbers[1:])):
        if len(row) != len(header):
            raise InputError.field(f"{path.name}: line {line}", "number of fields", len(row),
                                   f"{len(header)} (as in the header)")
        times[r] = _parse_time(row[time_index], utc_column, f"{path.name}: line {line}, column {header[time_index]!r}")
        if flag_index is not None:
            flag = _FLAG_LOOKUP.get(row[flag_index].strip().upper())
            if flag is None:
                raise InputError.field(f"{path.name}: line {line}", "column 'flag'", row[flag_index],
                                       "empty or one of " + ", ".join(f"{c} ({w})" for c, w in FLAG_CODES.items()))
            if flag not in VALID_FLAGS:
                continue  # calibration, maintenance, invalid: the row is not used
        for c, index in enumerate(columns):
            values[r, c] = _parse_value(row[index], f"{path.name}: line {line}, column {header[index]!r}")
    steps = np.diff(times)
    if (steps <= np.timedelta64(0, "s")).any():
        bad = int(np.argmax(steps <= np.timedelta64(0, "s"))) + 1
        raise InputError.field(f"{path.name}: line {numbers[bad + 1]}, column {header[time_index]!r}", "time",
                               str(times[bad]), f"later than the row before ({times[bad - 1]} UTC)")
    step = np.timedelta64(int(np.median(steps.astype(np.int64))), "s") if steps.size else _HOUR
    if step not in (_HOUR, _MINUTE):
        raise InputError.field(path.name, "time step", f"{step.astype(np.int64)} s", "1 hour or 1 minute")
    starts = times - step if labels_end else times
    off_grid = (starts.astype(np.int64) % step.astype(np.int64)) != 0
    if off_grid.any():
        bad = int(np.argmax(off_grid))
        raise InputError.field(f"{path.name}: line {numbers[bad + 1]}, column {header[time_index]!r}", "time",
                               str(times[bad]), f"on whole {'hours' if step == _HOUR else 'minutes'} (UTC)")
    if step == _MINUTE:
        hours, means = hourly_means(starts, values)
    else:
        hours, means = starts.astype("datetime64[ns]"), values
    si = {key: to_kg_m3(means[:, c], unit, chemicals[key], f"{path.name}: column {header[index]!r}")[None, :]
          for c, (index, (key, unit)) in enumerate(columns.items())}
    return observation_dataset(station_id=[station_id], station_name=[station_name or station_id], x=[x], y=[y],
                               height=[height], time=hours, fields=si, chemicals=chemicals, sources=[str(path)])


def open_series_netcdf(path: Path, what: str, *, missing: str) -> xr.Dataset:
    """The whole NetCDF file ``path`` in memory, recorded as an input; ``missing`` is the message when it does not
    exist (exit 66), a file that does not open as NetCDF names ``what`` it must hold (exit 65)."""
    if not path.is_file():
        raise MissingInputError(missing)
    record_input(path)
    try:
        with xr.open_dataset(path) as opened:
            return opened.load()
    except (OSError, ValueError) as error:
        raise InputError(f"{path.name}: must be a NetCDF file of {what}, got one that cannot be read "
                         f"({type(error).__name__})") from None


def read_observations_netcdf(path: str | Path, chemicals: ChemicalTable | None = None) -> xr.Dataset:
    """A CF ``timeSeries`` NetCDF of station series as an observation dataset (units converted to kg m-3)."""
    path = Path(path)
    chemicals = chemicals or load_chemicals()
    ds = open_series_netcdf(path, "station time series", missing=f"{path.name}: file not found: {path}")
    if ds.attrs.get("featureType") != "timeSeries" or "station_id" not in ds:
        raise InputError.field(path.name, "featureType / station_id", ds.attrs.get("featureType"),
                               "a CF timeSeries (featureType = 'timeSeries') with a station_id variable")
    station_dim = ds["station_id"].dims[0]
    fields = {}
    for name, variable in ds.data_vars.items():
        key = str(variable.attrs.get("substance", name))
        if key not in chemicals or variable.dims != (station_dim, TIME):
            continue
        try:
            fields[key] = to_si(variable.values, variable.attrs.get("units"), "kg m-3")
        except UnitError as error:
            raise InputError.field(f"{path.name}: variable {name!r}", "units", variable.attrs.get("units"),
                                   f"a mass concentration unit such as 'ug m-3' ({error})") from None
    if not fields:
        raise InputError.field(path.name, "variables", list(ds.data_vars),
                               f"at least one (station, time) variable named by a substance key "
                               f"({', '.join(chemicals.keys())})")
    n = ds.sizes[station_dim]

    def column(name, default):
        return ds[name].values if name in ds else np.full(n, default)

    return observation_dataset(
        station_id=[str(s) for s in ds["station_id"].values],
        station_name=[str(s) for s in column("station_name", "")], x=column("x", np.nan), y=column("y", np.nan),
        height=column("height", np.nan), time=ds[TIME].values, fields=fields, chemicals=chemicals,
        sources=[str(path)])


def read_observations(paths, park: Park | None = None) -> xr.Dataset:
    """Observations from station CSV files, CF NetCDF files, or folders of them, merged into one dataset.

    With ``park``, every station must be one of its monitors (a CSV is named ``<monitor id>.csv``), its position and
    inlet height come from park.yaml, and it may only report the pollutants its monitor lists (when it lists any).
    """
    files: list[Path] = []
    for item in [paths] if isinstance(paths, (str, Path)) else list(paths):
        item = Path(item)
        if item.is_dir():
            files += sorted(p for p in item.iterdir() if p.suffix.lower() in (".csv", ".nc"))
        elif not item.exists():
            raise MissingInputError(f"observations: file not found: {item}")
        else:
            files.append(item)
    if not files:
        raise InputError.field("observations", "files", [str(p) for p in files], "at least one .csv or .nc file")
    chemicals = park.chemicals if park is not None else load_chemicals()
    monitors = {m.id: m for m in park.monitors} if park is not None else {}
    datasets = []
    for file in files:
        if file.suffix.lower() == ".nc":
            ds = read_observations_netcdf(file, chemicals)
        else:
            monitor = monitors.get(file.stem)
            if park is not None and monitor is None:
                raise InputError.field(f"{file.name}", "station (file name)", file.stem,
                                       f"the id of a monitor of park.yaml ({', '.join(monitors) or 'none declared'})")
            ds = read_station_csv(file, chemicals=chemicals, **({} if monitor is None else dict(
                station_name=monitor.name, x=monitor.x, y=monitor.y,
                height=np.nan if monitor.height is None else monitor.height)))
        if park is not None:
            ds = _with_park_positions(ds, monitors, file.name)
        datasets.append(ds)
    return merge_stations(datasets)


def _with_park_positions(ds: xr.Dataset, monitors: dict, where: str) -> xr.Dataset:
    ds = ds.copy()
    for s, station in enumerate(str(v) for v in ds["station_id"].values):
        monitor = monitors.get(station)
        if monitor is None:
            raise InputError.field(where, "station_id", station,
                                   f"the id of a monitor of park.yaml ({', '.join(monitors) or 'none declared'})")
        for key in ds.data_vars:
            if monitor.pollutants and key not in monitor.pollutants and np.isfinite(ds[key].values[s]).any():
                raise InputError.field(f"{where}: station {station!r}", "substance", key,
                                       f"one of those its monitor lists in park.yaml ({', '.join(monitor.pollutants)})")
        ds["station_name"].values[s] = monitor.name
        ds["x"].values[s], ds["y"].values[s] = monitor.x, monitor.y
        ds["height"].values[s] = np.nan if monitor.height is None else monitor.height
    return ds


def write_observations_netcdf(observations: xr.Dataset, path: str | Path) -> Path:
    """Write an observation dataset as a CF-1.11 ``timeSeries`` NetCDF (µg m-3, float64), atomically."""
    out = observations.copy()
    for key in list(out.data_vars):
        out[key] = out[key] * 1.0e9  # kg m-3 -> µg m-3, the unit of GB 3095-2012 tables
        out[key].attrs = {**observations[key].attrs, "units": "ug m-3"}
    out.attrs = {**observations.attrs, "Conventions": "CF-1.11", "featureType": "timeSeries"}
    encoding = {TIME: {"units": "seconds since 1970-01-01 00:00:00", "calendar": "standard", "dtype": "int64"}}
    for name in ("station_id", "station_name"):
        out[name] = out[name].astype(str)
    with atomic_output(path) as temporary:
        out.to_netcdf(temporary, encoding=encoding)
    return Path(path)

