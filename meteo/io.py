"""Hourly station CSV ↔ Weather dataset.

The file has one header row naming each column **with its unit**, then one row per observation; lines starting
with ``#`` are comments. Columns (order free)::

    time                 required  ISO 8601 with a UTC offset, e.g. 2026-07-01T08:00+08:00 (or Z)
    wind_speed_m_s       required  10 m wind speed [m/s]
    wind_direction_deg   required  direction the wind blows from, clockwise from north [degree]
    air_temperature_C    required, or air_temperature_K (exactly one of the two)
    total_cloud_tenths   required  total cloud [tenths, 0..10]
    low_cloud_tenths     required  low cloud [tenths, 0..10]
    ceiling_height_m     optional  [m]; "inf" where there is no ceiling
    mixing_height_m      optional  [m]; empty where unknown (filled later by prepare_dispersion_met)
    pressure_hPa         optional  station pressure [hPa]

Units are converted to SI once, here (°C → K, tenths → fraction, hPa → Pa).

Missing hours
-------------
A missing hour is a whole hour absent from an hourly file (two rows more than 1 h apart) or an empty cell of a
required column. By default either is an error naming the line and the hour. ``read_station_csv(path,
fill_missing_hours=N)`` (scenario field ``weather.fill_missing_hours``) fills runs of at most ``N`` consecutive missing
hours per column and refuses longer ones:

* EPA's *Meteorological Monitoring Guidance for Regulatory Modeling Applications* (EPA-454/R-99-005, 2000, §6.8):
  "data bases with isolated one-hour gaps should be filled with estimates based on persistence or linear
  interpolation"; longer gaps need application-specific procedures. Atkinson & Lee (1992, *Procedures for
  Substituting Values for Missing NWS Meteorological Data for Use in Regulatory Air Quality Models*, US EPA) make
  the substitution objective for single isolated hours only and leave longer runs to a meteorologist's judgement:
  hence ``N`` = 1 is the setting to use without further review; a larger ``N`` is the user's judgement and is
  written into the dataset's note.
* Which of the two per variable is ParkTwin's choice: wind speed, air temperature, pressure and a known mixing height
  are interpolated linearly in time between the hours either side; the wind direction along the shorter arc between
  them; total and low cloud and the ceiling persist from the previous hour (they are class-like observations,
  which interpolation would invent), with low cloud kept at or below total cloud. A run at the start or end of the
  file has no hour on one side and is an error.
* Substitution does not count toward completeness: a file of at least a quarter's length (2,160 h) with less than
  90 % of its hours observed is refused, EPA-454/R-99-005 §5.3.2's completeness criterion for regulatory modelling
  ("90 % ... on a quarterly basis"; applied here over the whole file).
* The filled hours are stated: the dataset's ``missing_hours_filled`` attribute counts them and its ``comment`` says
  which columns, how and over which hours; ``station_hour_flag`` (0 observed, 1 filled) marks them.
"""

from __future__ import annotations

import csv
import io
import math
import os
from pathlib import Path

import numpy as np
import xarray as xr

from twin.constants import ZERO_CELSIUS
from twin.errors import InputError, MissingInputError, Unshown
from twin.textfiles import read_text
from twin.atomic import atomic_output

from .weather import MAX_TIME_STEP, make_weather, to_utc_datetime64, validate_weather

__all__ = ["STATION_CSV_COLUMNS", "read_station_csv", "write_station_csv"]

STATION_CSV_COLUMNS = (
    "time",
    "wind_speed_m_s",
    "wind_direction_deg",
    "air_temperature_C",
    "air_temperature_K",
    "total_cloud_tenths",
    "low_cloud_tenths",
    "ceiling_height_m",
    "mixing_height_m",
    "pressure_hPa",
)
_REQUIRED = ("time", "wind_speed_m_s", "wind_direction_deg", "total_cloud_tenths", "low_cloud_tenths")
_ALLOWED_TEXT = {
    "time": "an ISO 8601 time with a UTC offset, e.g. 2026-07-01T08:00+08:00",
    "wind_speed_m_s": "a number in [0, 100] (m/s)",
    "wind_direction_deg": "a number in [0, 360] (degree, direction the wind comes from)",
    "air_temperature_C": "a number in [-100, 70] (degree Celsius)",
    "air_temperature_K": "a number in [173.15, 343.15] (kelvin)",
    "total_cloud_tenths": "a number in [0, 10] (tenths of sky)",
    "low_cloud_tenths": "a number in [0, 10] (tenths of sky), not above total_cloud_tenths",
    "ceiling_height_m": "a number >= 0 (m), or inf for no ceiling",
    "mixing_height_m": "a number in [1, 10000] (m), or empty where unknown",
    "pressure_hPa": "a number in [500, 1100] (hPa)",
}
# Per-cell bounds in the file's units, so that a bad value is reported with its line number.
_BOUNDS = {
    "wind_speed_m_s": (0.0, 100.0),
    "wind_direction_deg": (0.0, 360.0),
    "air_temperature_C": (-100.0, 70.0),
    "air_temperature_K": (173.15, 343.15),
    "total_cloud_tenths": (0.0, 10.0),
    "low_cloud_tenths": (0.0, 10.0),
    "ceiling_height_m": (0.0, math.inf),
    "mixing_height_m": (1.0, 10000.0),
    "pressure_hPa": (500.0, 1100.0),
}
_CELSIUS_TO_KELVIN = ZERO_CELSIUS
_PA_PER_HPA = 100.0


def _parse_number(text: str, *, column: str, where: str, empty_is_missing: bool = False) -> float:
    cell = text.strip()
    if cell == "" and column == "mixing_height_m":
        return math.nan  # unknown: prepare_dispersion_met fills it
    if cell == "" and empty_is_missing:
        return math.nan  # a missing hour of this column, filled by _fill_missing_hours
    if cell == "":
        raise InputError.field(where, column, text, f"{_ALLOWED_TEXT[column]} (an empty cell is a missing hour: "
                               "set weather.fill_missing_hours to fill short gaps)")
    try:
        value = float(cell)
    except ValueError:
        raise InputError.field(where, column, text, _ALLOWED_TEXT[column]) from None
    lower, upper = _BOUNDS[column]
    infinite_ok = column == "ceiling_height_m" and value == math.inf
    if math.isnan(value) or (math.isinf(value) and not infinite_ok) or not lower <= value <= upper:
        raise InputError.field(where, column, text, _ALLOWED_TEXT[column])
    return value


def _check_header(header: list[str], where: str) -> None:
    if "time" not in header:  # not a station CSV at all: its line is not quoted (it may be any file)
        raise InputError.field(where, "header", Unshown(header),
                               f"a header row naming columns from {list(STATION_CSV_COLUMNS)}, 'time' among them")
    for name in header:
        if name not in STATION_CSV_COLUMNS:
            raise InputError.field(where, "column", name, f"one of {list(STATION_CSV_COLUMNS)}")
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise InputError.field(where, "column", duplicates[0], "named once")
    missing = [name for name in _REQUIRED if name not in header]
    if missing:
        raise InputError.field(where, "columns", header, f"to include {list(_REQUIRED)}; missing {missing}")
    temperatures = [name for name in ("air_temperature_C", "air_temperature_K") if name in header]
    if len(temperatures) != 1:
        raise InputError.field(where, "columns", header,
                               "to include exactly one of ['air_temperature_C', 'air_temperature_K']")


def _read_rows(path: Path, fill: bool = False) -> dict[str, list]:
    """Parse the file into columns (file units), checking every cell with its line number.

    With ``fill`` a gap of whole hours between rows and an empty cell are accepted (NaN), for ``_fill_missing_hours``.
    """
    columns: dict[str, list] = {}
    header: list[str] | None = None
    handle = io.StringIO(read_text(path, f"station CSV {str(path)!r}"), newline="")
    reader = csv.reader(handle)
    try:
        for row in reader:
            where = f"station CSV {str(path)!r} line {reader.line_num}"
            if not row or row[0].lstrip().startswith("#") or all(cell.strip() == "" for cell in row):
                continue
            if header is None:
                header = [cell.strip() for cell in row]
                _check_header(header, where)
                columns = {name: [] for name in header}
                continue
            if len(row) != len(header):
                raise InputError.field(where, "number of cells", len(row), f"{len(header)} (one per header column)")
            for name, cell in zip(header, row):
                if name == "time":
                    time = to_utc_datetime64(cell.strip(), where=where, field="time")[()]
                    previous = columns["time"][-1] if columns["time"] else None
                    if previous is not None and not previous < time <= previous + MAX_TIME_STEP:
                        gap = previous is not None and time > previous and (time - previous) % MAX_TIME_STEP == 0
                        if not (fill and gap):
                            raise InputError.field(
                                where, "time", cell, "strictly after the previous row's time and at most 1 h later "
                                "(hourly or finer, in order)" + ("; whole missing hours can be filled with "
                                                                 "weather.fill_missing_hours" if gap else ""))
                    columns[name].append(time)
                else:
                    columns[name].append(_parse_number(cell, column=name, where=where, empty_is_missing=fill))
            if columns["low_cloud_tenths"][-1] > columns["total_cloud_tenths"][-1]:
                raise InputError.field(where, "low_cloud_tenths", row[header.index("low_cloud_tenths")],
                                       _ALLOWED_TEXT["low_cloud_tenths"])
    except csv.Error as error:  # e.g. a field over csv.field_size_limit() (131,072 characters), a NUL byte
        raise InputError(f"station CSV {str(path)!r} line {reader.line_num}: not a readable CSV row ({error})") from None
    if header is None:
        raise InputError.field(f"station CSV {str(path)!r}", "header", "absent",
                               f"a header row naming columns from {list(STATION_CSV_COLUMNS)}")
    if not columns["time"]:
        raise InputError.field(f"station CSV {str(path)!r}", "rows", 0, "at least one observation row")
    return columns


def read_station_csv(path: str | os.PathLike, *, fill_missing_hours: int = 0) -> xr.Dataset:
    """Read an hourly station CSV (format in the module docstring) into a validated Weather dataset.

    Parameters
    ----------
    path : path-like
        The CSV file.
    fill_missing_hours : int
        Longest run of missing hours per column that is filled (module docstring, "Missing hours"); 0 (default):
        any missing hour is an error. [h]

    Raises
    ------
    MissingInputError
        The file does not exist.
    InputError
        Unknown or missing column (the message lists the allowed ones), or a malformed row (the message names the
        file, line number, column, value and what is allowed).
    """
    path = Path(path)
    if not path.is_file():
        raise MissingInputError(f"station CSV {str(path)!r}: file not found")
    if not isinstance(fill_missing_hours, int) or not 0 <= fill_missing_hours <= MAX_FILL_HOURS:
        raise InputError.field(f"station CSV {str(path)!r}", "fill_missing_hours", fill_missing_hours,
                               f"a whole number of hours in [0, {MAX_FILL_HOURS}]")
    columns = _read_rows(path, fill=fill_missing_hours > 0)
    note, flag = "", None
    if fill_missing_hours > 0:
        columns, flag, note = _fill_missing_hours(columns, fill_missing_hours, f"station CSV {str(path)!r}")

    # Unit conversion to SI, once: °C → K, tenths of sky → fraction, hPa → Pa.
    if "air_temperature_C" in columns:
        temperature = np.asarray(columns["air_temperature_C"]) + _CELSIUS_TO_KELVIN
    else:
        temperature = np.asarray(columns["air_temperature_K"])
    optional = {}
    if "ceiling_height_m" in columns:
        optional["ceiling_height"] = np.asarray(columns["ceiling_height_m"])
    if "mixing_height_m" in columns:
        optional["atmosphere_boundary_layer_thickness"] = np.asarray(columns["mixing_height_m"])
    if "pressure_hPa" in columns:
        optional["surface_air_pressure"] = np.asarray(columns["pressure_hPa"]) * _PA_PER_HPA
    dataset = make_weather(
        time=np.asarray(columns["time"], dtype="datetime64[ns]"),
        wind_speed=np.asarray(columns["wind_speed_m_s"]),
        wind_from_direction=np.asarray(columns["wind_direction_deg"]),
        air_temperature=temperature,
        cloud_area_fraction=np.asarray(columns["total_cloud_tenths"]) / 10.0,
        low_cloud_area_fraction=np.asarray(columns["low_cloud_tenths"]) / 10.0,
        **optional,
    )
    dataset.attrs["source"] = f"station CSV {path.name}"
    if flag is not None:
        dataset["station_hour_flag"] = ("time", flag, {
            "long_name": "how the hour's values were obtained", "flag_values": np.array([0, 1], dtype="i1"),
            "flag_meanings": "observed filled_missing_hour"})
        dataset.attrs["missing_hours_filled"] = int(np.count_nonzero(flag))
        if note:
            dataset.attrs["comment"] = note
    return validate_weather(dataset, f"station CSV {str(path)!r}")


MAX_FILL_HOURS = 24  # a longer fill is not weather any more; a day is the most the option allows [h]
_INTERPOLATED = ("wind_speed_m_s", "air_temperature_C", "air_temperature_K", "pressure_hPa", "mixing_height_m")
_PERSISTED = ("total_cloud_tenths", "low_cloud_tenths", "ceiling_height_m")
_COMPLETENESS = 0.90  # EPA-454/R-99-005 §5.3.2: 90 % of hours observed, for regulatory modelling [1]
_COMPLETENESS_MIN_HOURS = 2160  # the criterion is quarterly: applied to files of at least 90 days [h]


def _runs(missing: np.ndarray) -> list[tuple[int, int]]:
    """(first index, length) of every run of True in ``missing``."""
    edges = np.diff(np.concatenate(([0], missing.astype(np.int8), [0])))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return [(int(a), int(b - a)) for a, b in zip(starts, ends)]


def _fill_missing_hours(columns: dict[str, list], max_hours: int, where: str):
    """Put the rows on the full hourly axis and fill runs of at most ``max_hours`` missing hours per column.

    Returns the filled columns, the per-hour flag (1 where any column was filled) and the note that states it.
    Choices and sources: module docstring, "Missing hours".
    """
    times = np.asarray(columns["time"], dtype="datetime64[ns]")
    steps = np.diff(times)
    if steps.size and np.any(steps % MAX_TIME_STEP != np.timedelta64(0, "ns")):
        raise InputError.field(where, "time", "rows less than 1 h apart",
                               "whole hours between rows when weather.fill_missing_hours is set (it fills hours)")
    hours = np.arange(times[0], times[-1] + MAX_TIME_STEP, MAX_TIME_STEP)
    index = ((times - times[0]) // MAX_TIME_STEP).astype(np.int64)
    observed = np.zeros(hours.size, dtype=bool)
    observed[index] = True
    if hours.size >= _COMPLETENESS_MIN_HOURS and observed.mean() < _COMPLETENESS:
        raise InputError.field(where, "rows", f"{observed.sum()} of {hours.size} hours ({observed.mean():.1%})",
                               f"at least {_COMPLETENESS:.0%} of the hours observed for a file of "
                               f"{_COMPLETENESS_MIN_HOURS} h or more (EPA-454/R-99-005 §5.3.2); fills do not count")
    filled: dict[str, np.ndarray] = {"time": hours}
    flag = np.zeros(hours.size, dtype=np.int8)
    said: dict[str, list[str]] = {}  # run → the columns filled over it
    for name, values in columns.items():
        if name == "time":
            continue
        full = np.full(hours.size, np.nan)
        full[index] = np.asarray(values, dtype=float)
        missing = np.isnan(full)
        if name == "mixing_height_m":
            missing &= ~observed  # an empty mixing height is 'unknown' (filled later), a missing row is missing
        for first, length in _runs(missing):
            when = f"{length} h from {np.datetime_as_string(hours[first], unit='m')} UTC"
            if first == 0 or first + length == hours.size:
                raise InputError.field(where, name, f"missing for {when}",
                                       "observed hours on both sides of a missing run (trim the file's ends)")
            if length > max_hours:
                raise InputError.field(where, name, f"missing for {when}",
                                       f"runs of at most weather.fill_missing_hours = {max_hours} h; longer gaps "
                                       "need a meteorologist's substitution (Atkinson & Lee 1992)")
            before, after = full[first - 1], full[first + length]
            fraction = np.arange(1, length + 1) / (length + 1)
            if name == "wind_direction_deg":  # along the shorter arc, back into [0, 360)
                turn = (after - before + 180.0) % 360.0 - 180.0
                full[first:first + length] = (before + fraction * turn) % 360.0
            elif name in _INTERPOLATED and np.isfinite(before) and np.isfinite(after):
                full[first:first + length] = before + fraction * (after - before)
            else:  # clouds and ceiling persist; so does a quantity next to an unknown (NaN/inf) neighbour
                full[first:first + length] = before
            flag[first:first + length] = 1
            said.setdefault(when, []).append(name)
        filled[name] = full
    if "low_cloud_tenths" in filled:
        filled["low_cloud_tenths"] = np.minimum(filled["low_cloud_tenths"], filled["total_cloud_tenths"])
    note = ""
    if said:
        note = (f"{int(flag.sum())} missing hour(s) filled (runs of at most {max_hours} h): wind speed, temperature, "
                "pressure and mixing height interpolated linearly, wind direction along the shorter arc, clouds and "
                "ceiling persisted from the previous hour (EPA-454/R-99-005 §6.8; Atkinson & Lee 1992): "
                + "; ".join(f"{when} ({', '.join(names)})" for when, names in said.items()))
    return filled, flag, note


def _format(value: float) -> str:
    if math.isnan(value):
        return ""
    if math.isinf(value):
        return "inf"
    return format(value, ".10g")


def _format_time(time: np.datetime64, utc_offset_minutes: int) -> str:
    local = time + np.timedelta64(utc_offset_minutes, "m")
    text = np.datetime_as_string(local.astype("datetime64[s]"), unit="s")
    sign = "+" if utc_offset_minutes >= 0 else "-"
    return f"{text}{sign}{abs(utc_offset_minutes) // 60:02d}:{abs(utc_offset_minutes) % 60:02d}"


def write_station_csv(path: str | os.PathLike, weather: xr.Dataset, *, utc_offset_hours: float = 8.0) -> Path:
    """Write ``weather`` as a station CSV (the format ``read_station_csv`` reads), atomically.

    Times are written as local clock time at ``utc_offset_hours`` with that offset (default +08:00, China),
    temperature in °C, cloud in tenths, pressure in hPa; an unknown mixing height is an empty cell. Returns the
    final path.
    """
    validate_weather(weather, "write_station_csv")
    if not -14.0 <= utc_offset_hours <= 14.0:
        raise InputError.field("write_station_csv", "utc_offset_hours", utc_offset_hours, "in [-14, 14] hours")
    offset_minutes = int(round(utc_offset_hours * 60))
    header = ["time", "wind_speed_m_s", "wind_direction_deg", "air_temperature_C", "total_cloud_tenths",
              "low_cloud_tenths"]
    # SI → file units, once: K → °C, fraction → tenths, Pa → hPa.
    series = [
        weather["wind_speed"].values,
        weather["wind_from_direction"].values,
        weather["air_temperature"].values - _CELSIUS_TO_KELVIN,
        weather["cloud_area_fraction"].values * 10.0,
        weather["low_cloud_area_fraction"].values * 10.0,
    ]
    for name, column, scale in (("ceiling_height", "ceiling_height_m", 1.0),
                                ("atmosphere_boundary_layer_thickness", "mixing_height_m", 1.0),
                                ("surface_air_pressure", "pressure_hPa", 1.0 / _PA_PER_HPA)):
        if name in weather.data_vars:
            header.append(column)
            series.append(weather[name].values * scale)
    times = weather["time"].values.astype("datetime64[ns]")
    with atomic_output(path) as temporary:
        with open(temporary, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(header)
            for i, time in enumerate(times):
                writer.writerow([_format_time(time, offset_minutes), *(_format(float(s[i])) for s in series)])
    return Path(path)
