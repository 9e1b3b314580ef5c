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


def _parse_number(text: str, *, column: str, where: str) -> float:
    cell = text.strip()
    if cell == "" and column == "mixing_height_m":
        return math.nan  # unknown: prepare_dispersion_met fills it
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


def _read_rows(path: Path) -> dict[str, list]:
    """Parse the file into columns (file units), checking every cell with its line number."""
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
                        raise InputError.field(where, "time", cell, "strictly after the previous row's time and "
                                               "at most 1 h later (hourly or finer, in order)")
                    columns[name].append(time)
                else:
                    columns[name].append(_parse_number(cell, column=name, where=where))
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


def read_station_csv(path: str | os.PathLike) -> xr.Dataset:
    """Read an hourly station CSV (format in the module docstring) into a validated Weather dataset.

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
    columns = _read_rows(path)

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
    return validate_weather(dataset, f"station CSV {str(path)!r}")


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
