"""AERMET output (AERMOD's meteorology: surface ``.SFC`` and profile ``.PFL`` files) → prepared dispersion met.

``read_aermet`` returns the dataset ``meteo.weather.prepare_dispersion_met`` produces — ``model_wind_speed``,
``wind_speed``, ``wind_from_direction``, ``air_temperature``, ``stability_class``, ``stability_label``,
``calm_flag``, ``atmosphere_boundary_layer_thickness`` (same names, units and attributes) — plus the AERMET
boundary-layer scalars, so a year of AERMET met drives the hourly Gaussian plume directly.

File formats (free format, whitespace- or comma-separated; AERMOD's METEXT reads both with list-directed READ)::

    SFC line 1   header: latitude, longitude (e.g. "42.750N  73.800W"), UA_ID:, SF_ID:, OS_ID:, VERSION: …
    SFC records  year month day julian-day hour H u* w* VPTG zic zim L z0 Bowen albedo Ws Wd zref T ztemp [more]
    PFL records  year month day hour height top-flag Wd Ws T(°C) sigma-theta sigma-w   (one line per level;
                 top-flag 1 closes the hour)

Columns as AERMOD reads them (AERMOD METEXT, the free-format READ of the surface and profile files, read in the
AERMOD source, code-corpus id 11124066477); years of 2 or 4 digits; hours 1..24 "hour ending" in local standard
time. Units: H [W m-2], u*, w*, Ws [m s-1], VPTG [K m-1], zic, zim, L, z0, zref, ztemp [m], Wd [degree], T [K]
in the SFC, [°C] in the PFL. AERMET user's guide: EPA-454/B-03-002 and its updates (not read here).

Choices, all ParkTwin's unless a source is named:

* **Time axis**: the *start* of the hour-ending averaging period, in UTC: hour h of local day d covers
  (h−1, h] local standard time and is stamped d + (h−1) h − ``utc_offset_hours``. Hour 24 of day d (which ends at
  00:00 of d+1) is stamped 23:00 of d local, so a local day's 24 hours fall on that day, as the kernel's daily
  means (``dispersion.plume``, local calendar day of each stamp) and the EIA outputs ("start of the hour (UTC)")
  expect.
* **Calm and missing hours**: AERMOD's rules (METEXT CHKCLM and CHKMSG). Calm: Ws = 0. Missing (non-calm hours
  only): Ws ≥ 90 or < 0; Wd > 900 or ≤ −9; T > 900 or ≤ 0 K; L < −99990; zic > 90000 or < 0 when L < 0;
  zim > 90000 or < 0; u* < 0 or ≥ 9; w* < 0 when −99990 < L < 0. A calm hour with a missing temperature is missing
  too (the plume-rise formula needs T every hour). Missing hours raise InputError unless ``fill_missing=True``,
  which persists the previous complete hour (a convention for short gaps; HJ 2.2-2018's own gap rules were not
  read). Calm hours are kept (the steady-state calm policy of ``apply_calm_threshold``, EPA-454/R-99-005 §6.9);
  AERMET leaves their u*, w*, L, zic, zim, H missing, so they take those and the wind direction from the last
  non-calm hour (the first one, for calms that open the file); ``aermet_hour_flag`` marks every filled hour.
* **Wind at 10 m**: the measurement (SFC reference wind or a PFL level, below) nearest 10 m above ground is moved
  to 10 m with the neutral logarithmic profile, u(10) = u(z) ln(10/z0) / ln(z/z0) (from u(z) = (u*/κ) ln(z/z0);
  Stull 1988, *An Introduction to Boundary Layer Meteorology*, §9.7 [equation number to verify]). AERMOD itself
  profiles with Monin–Obukhov similarity (EPA-454/R-03-004); the neutral form is exact at z = 10 m and changes a
  6.1 m anemometer's wind by 10–20 % for common z0. The ISC3 power law of ``meteo.profiles`` is not used because
  AERMET gives z0 and L rather than a class-and-land-use exponent.
* **Profile file**: when given, each hour's wind (speed and direction) and temperature come from the candidate
  level nearest 10 m among the SFC reference height and the PFL levels with valid data (ties go to the PFL); a PFL
  level's wind is valid when 0 < Ws < 90 and 0 ≤ Wd ≤ 360, its temperature when −90 < T < 90 °C (AERMOD PFLCNV's
  missing rules). Calm and missing status always come from the SFC record, as in AERMOD.
* **Stability**: ``meteo.stability.stability_from_obukhov`` (Golder 1972) from L and z0.
* **Mixing height**: convective hours (L < 0) zi = max(zic, zim), otherwise zi = zim (AERMOD model formulation,
  Cimorelli et al., EPA-454/R-03-004 (2004), §3 [section and equation number to verify]; the rule read in AERMOD
  METEXT SET_METDATA, which also caps zic and zim at 4000 m and floors zi at 1 m — applied here too).
* |L| < 1 m is set to ±1 m (sign of L; L = 0 takes the sign opposite to H), as AERMOD METQA does.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
from pathlib import Path

import numpy as np
import xarray as xr

from twin.constants import ZERO_CELSIUS
from twin.errors import InputError, MissingInputError, Unshown
from twin.inputs import record_input

from .profiles import STEADY_STATE_CALM_THRESHOLD, apply_calm_threshold
from .solar import solar_elevation_gb3840
from .stability import CLASS_LABELS, GOLDER_1972_ROUGHNESS_RANGE, stability_from_obukhov
from .weather import WEATHER_VARIABLE_ATTRS, WIND_MEASUREMENT_HEIGHT

__all__ = ["AERMET_PFL_COLUMNS", "AERMET_SFC_COLUMNS", "AERMET_VARIABLE_ATTRS", "read_aermet"]

# SFC columns read (AERMOD METEXT's non-deposition READ: the first 20 fields); later fields are not read.
AERMET_SFC_COLUMNS = (
    ("year", "an integer year (4 digits, or 2 digits: 50..99 → 19xx, 00..49 → 20xx)"),
    ("month", "an integer month 1..12"),
    ("day", "an integer day of the month"),
    ("julian_day", "the integer day of the year of year/month/day"),
    ("hour", "an integer hour 1..24 (hour ending, local standard time)"),
    ("sensible_heat_flux", "a number (W m-2; -999 = missing)"),
    ("friction_velocity", "a number (m s-1; -9 = missing)"),
    ("convective_velocity_scale", "a number (m s-1; -9 = missing)"),
    ("potential_temperature_gradient_above_mixing_height", "a number (K m-1; -9 = missing)"),
    ("convective_mixing_height", "a number (m; -999 = missing)"),
    ("mechanical_mixing_height", "a number (m; -999 = missing)"),
    ("obukhov_length", "a number (m; -99999 = missing)"),
    ("roughness_length", "a number (m)"),
    ("bowen_ratio", "a number"),
    ("albedo", "a number"),
    ("wind_speed", "a number (m s-1; 0 = calm, 999 = missing)"),
    ("wind_direction", "a number (degree; 999 = missing)"),
    ("wind_reference_height", "a number (m)"),
    ("temperature", "a number (K; 999 = missing)"),
    ("temperature_height", "a number (m)"),
)
# PFL columns (AERMOD METEXT's profile READ).
AERMET_PFL_COLUMNS = (
    ("year", "an integer year (2 or 4 digits)"),
    ("month", "an integer month 1..12"),
    ("day", "an integer day of the month"),
    ("hour", "an integer hour 1..24"),
    ("height", "a number > 0 (m)"),
    ("top_flag", "0 (a level below the top) or 1 (the top level: last line of the hour)"),
    ("wind_direction", "a number (degree; 999 = missing)"),
    ("wind_speed", "a number (m s-1; 999 = missing)"),
    ("temperature", "a number (degree C; 99 or 999 = missing)"),
    ("sigma_theta", "a number (degree; 99 = missing)"),
    ("sigma_w", "a number (m s-1; 99 = missing)"),
)
_SFC_INTEGER_COLUMNS = 5
_PFL_INTEGER_COLUMNS = {0, 1, 2, 3, 5}
_CELSIUS_TO_KELVIN = ZERO_CELSIUS
# AERMOD METEXT SET_METDATA: "Limit ZI to 4000 meters" (zic and zim) and a 1 m floor on the mixing height.
AERMOD_MIXING_HEIGHT_CAP = 4000.0  # [m]
AERMOD_MIXING_HEIGHT_FLOOR = 1.0  # [m]
AERMOD_MINIMUM_ABS_OBUKHOV_LENGTH = 1.0  # [m], AERMOD METQA
_TWO_DIGIT_YEAR_PIVOT = 50  # 2-digit years: 50..99 → 1950..1999, 00..49 → 2000..2049

AERMET_VARIABLE_ATTRS = {
    "obukhov_length": {"standard_name": "atmosphere_obukhov_length", "units": "m",
                       "long_name": "Obukhov length (AERMET), negative when convective"},
    "friction_velocity": {"standard_name": "magnitude_of_surface_friction_velocity_in_air", "units": "m s-1",
                          "long_name": "surface friction velocity u* (AERMET)"},
    "convective_velocity_scale": {"units": "m s-1",
                                  "long_name": "convective velocity scale w* (AERMET); NaN in stable hours"},
    "surface_roughness_length": {"standard_name": "surface_roughness_length_for_momentum_in_air", "units": "m",
                                 "long_name": "surface roughness length z0 used for the 10 m wind and the class"},
    "sensible_heat_flux": {"standard_name": "surface_upward_sensible_heat_flux", "units": "W m-2",
                           "long_name": "surface sensible heat flux H (AERMET), positive upward"},
    "reference_wind_speed": {"standard_name": "wind_speed", "units": "m s-1",
                             "long_name": "wind speed as measured at reference_wind_height (before the 10 m "
                                          "conversion)"},
    "reference_wind_height": {"units": "m", "long_name": "height above ground of the wind measurement used"},
    "convective_mixing_height": {"units": "m", "long_name": "convective mixing height zic (AERMET), in [1, 4000] m "
                                                          "as AERMOD uses it; NaN when missing (stable hours)"},
    "mechanical_mixing_height": {"units": "m", "long_name": "mechanical mixing height zim (AERMET), in [1, 4000] m "
                                                          "as AERMOD uses it"},
    "potential_temperature_gradient_above_mixing_height": {
        "units": "K m-1", "long_name": "vertical potential temperature gradient in the 500 m above the convective "
                                       "mixing height (AERMET VPTG); NaN when missing (stable hours)"},
    "reference_air_temperature": {"standard_name": "air_temperature", "units": "K",
                                  "long_name": "air temperature of the SFC record (AERMOD's reference temperature)"},
    "reference_air_temperature_height": {"units": "m", "long_name": "height above ground of "
                                                                    "reference_air_temperature"},
    "aermet_hour_flag": {"long_name": "how the hour's values were obtained",
                         "flag_values": np.array([0, 1, 2], dtype=np.int8),
                         "flag_meanings": "observed calm_filled_from_previous_non_calm_hour "
                                          "missing_filled_from_previous_complete_hour"},
}


def _where(kind: str, path: Path) -> str:
    return f"AERMET {kind} file {str(path)!r}"


def _read_lines(path, kind: str) -> tuple[Path, list[str]]:
    path = Path(path)
    if not path.is_file():
        raise MissingInputError(f"{_where(kind, path)}: file not found")
    try:
        text = path.read_text(encoding="ascii", errors="strict")
        record_input(path)
    except UnicodeDecodeError as error:
        raise InputError.field(_where(kind, path), f"byte {error.start}", repr(error.object[error.start:error.end]),
                               "plain ASCII text (an AERMET output file)") from None
    return path, text.splitlines()


def _tokens(line: str) -> list[str]:
    return [token for token in re.split(r"[\s,]+", line.strip()) if token]


def _parse_record(tokens, columns, integer_columns, *, where: str, line_number: int) -> list:
    values = []
    for k, (name, allowed) in enumerate(columns):
        token = tokens[k]
        label = f"line {line_number}, column {k + 1} ({name})"
        if k in integer_columns:
            try:
                values.append(int(token))
            except ValueError:
                raise InputError.field(where, label, token, allowed) from None
        else:
            try:
                number = float(token)
            except ValueError:
                number = np.nan
            if not np.isfinite(number):
                raise InputError.field(where, label, token, allowed)
            values.append(number)
    return values


def _full_year(year: int, *, where: str, label: str) -> int:
    if 0 <= year <= 99:
        return (1900 if year >= _TWO_DIGIT_YEAR_PIVOT else 2000) + year
    if 1000 <= year <= 9999:
        return year
    raise InputError.field(where, label, year, "a 4-digit year, or 2 digits (50..99 → 19xx, 00..49 → 20xx)")


def _local_date(year, month, day, *, where: str, line_number: int, first_column: int = 1) -> _dt.date:
    full = _full_year(year, where=where, label=f"line {line_number}, column {first_column} (year)")
    if not 1 <= month <= 12:
        raise InputError.field(where, f"line {line_number}, column {first_column + 1} (month)", month,
                               "an integer month 1..12")
    try:
        return _dt.date(full, month, day)
    except ValueError:
        raise InputError.field(where, f"line {line_number}, column {first_column + 2} (day)", day,
                               f"a day that exists in {full}-{month:02d}") from None


def _check_hour(hour, *, where: str, line_number: int, column: int) -> None:
    if not 1 <= hour <= 24:
        raise InputError.field(where, f"line {line_number}, column {column} (hour)", hour,
                               "an integer hour 1..24 (hour ending, local standard time)")


def _parse_header(line: str, *, where: str) -> dict:
    """Latitude, longitude and AERMET version from the SFC header (line 1)."""
    tokens = _tokens(line)
    allowed = "the AERMET header: latitude and longitude with N/S and E/W (e.g. '42.750N 73.800W'), station ids"
    if ":" not in line or len(tokens) < 2:
        raise InputError.field(where, "line 1 (header)", Unshown(line.strip()), allowed)
    coordinates = []
    for k, (token, positive, negative, limit) in enumerate(((tokens[0], "N", "S", 90.0),
                                                            (tokens[1], "E", "W", 180.0))):
        match = re.fullmatch(r"([0-9]+(?:\.[0-9]*)?)([NSEWnsew])", token)
        name = ("latitude", "longitude")[k]
        if not match or match.group(2).upper() not in (positive, negative) or float(match.group(1)) > limit:
            raise InputError.field(where, f"line 1, column {k + 1} ({name})", token,
                                   f"degrees followed by {positive} or {negative}, at most {limit:g}")
        value = float(match.group(1))
        coordinates.append(-value if match.group(2).upper() == negative else value)
    version = re.search(r"VERSION:\s*(\S+)(.*)$", line)
    return {"latitude": coordinates[0], "longitude": coordinates[1],
            "version": version.group(1) if version else "unknown",
            "options": " ".join(version.group(2).split()) if version else ""}


def _fast_table(lines: list[str], first_line: int, n_columns: int) -> tuple[np.ndarray, np.ndarray] | None:
    """The first ``n_columns`` fields of every non-blank line as a float table, and each row's line number, when
    every line is plain (whitespace-separated, no header record, enough finite fields); None otherwise, and the
    line-by-line parser then finds and names the fault. Same values as that parser, 10-20x faster."""
    rows, numbers = [], []
    for line_number, line in enumerate(lines, start=first_line):
        tokens = line.split()
        if not tokens:
            continue
        if len(tokens) < n_columns or ":" in line or "," in line:
            return None
        rows.append(tokens[:n_columns])
        numbers.append(line_number)
    if not rows:
        return None
    try:
        table = np.array(rows, dtype=np.float64)
    except ValueError:
        return None
    if not np.all(np.isfinite(table)):
        return None
    return table, np.asarray(numbers)


def _fast_sfc(lines: list[str]) -> dict | None:
    """The surface records by :func:`_fast_table` with every check of :func:`_read_sfc` done on whole columns
    (integers, dates, day of the year, hours 1..24, one record per hour in order); None when any fails."""
    parsed = _fast_table(lines[1:], 2, len(AERMET_SFC_COLUMNS))
    if parsed is None:
        return None
    table, numbers = parsed
    head = table[:, :_SFC_INTEGER_COLUMNS]
    if np.any(head != np.round(head)):
        return None
    year, month, day, julian_day, hour = head.astype(np.int64).T
    if np.any(year < 0):
        return None
    year = np.where(year <= 99, np.where(year >= _TWO_DIGIT_YEAR_PIVOT, 1900, 2000) + year, year)
    if np.any((year < 1000) | (year > 9999) | (month < 1) | (month > 12) | (day < 1) | (hour < 1) | (hour > 24)):
        return None
    first_of_month = ((year - 1970) * 12 + month - 1).astype("datetime64[M]").astype("datetime64[D]")
    date = first_of_month + (day - 1).astype("timedelta64[D]")
    if np.any(date.astype("datetime64[M]") != first_of_month.astype("datetime64[M]")):  # day beyond the month
        return None
    if np.any(julian_day != (date - date.astype("datetime64[Y]")).astype(np.int64) + 1):
        return None
    starts = date.astype("datetime64[h]") + (hour - 1).astype("timedelta64[h]")
    if np.any(np.diff(starts) != np.timedelta64(1, "h")):
        return None
    columns = {name: np.ascontiguousarray(table[:, k])
               for k, (name, _) in enumerate(AERMET_SFC_COLUMNS) if k >= _SFC_INTEGER_COLUMNS}
    columns["line"] = numbers
    columns["local_start"] = starts
    return columns


def _read_sfc(path) -> tuple[Path, dict, dict]:
    """Parse the surface file: header, and per-record columns (numpy arrays), line numbers and local starts."""
    path, lines = _read_lines(path, "surface")
    where = _where("surface", path)
    if not lines:
        raise InputError.field(where, "line 1 (header)", "", "the AERMET header line, then one record per hour")
    header = _parse_header(lines[0], where=where)
    fast = _fast_sfc(lines)
    if fast is not None:
        return path, header, fast
    records, line_numbers, starts = [], [], []
    minimum = len(AERMET_SFC_COLUMNS)
    for line_number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        if ":" in line:  # AERMOD METEXT: a colon marks a header record (years concatenated into one file)
            continue
        tokens = _tokens(line)
        if len(tokens) < minimum:
            name, allowed = AERMET_SFC_COLUMNS[len(tokens)]
            raise InputError.field(where, f"line {line_number}, column {len(tokens) + 1} ({name})", "nothing",
                                   f"{allowed}: a record has at least {minimum} fields, this one {len(tokens)}")
        values = _parse_record(tokens, AERMET_SFC_COLUMNS, range(_SFC_INTEGER_COLUMNS), where=where,
                               line_number=line_number)
        year, month, day, julian_day, hour = values[:5]
        date = _local_date(year, month, day, where=where, line_number=line_number)
        if julian_day != date.timetuple().tm_yday:
            raise InputError.field(where, f"line {line_number}, column 4 (julian_day)", julian_day,
                                   f"{date.timetuple().tm_yday}, the day of the year of {date.isoformat()}")
        _check_hour(hour, where=where, line_number=line_number, column=5)
        start = np.datetime64(date, "h") + np.timedelta64(hour - 1, "h")  # start of the hour-ending period
        if starts and start - starts[-1] != np.timedelta64(1, "h"):
            raise InputError.field(
                where, f"line {line_number}, columns 1-5 (date and hour)", f"{date.isoformat()} hour {hour}",
                f"{_hour_label(starts[-1] + np.timedelta64(1, 'h'))}, the hour after line {line_numbers[-1]}'s "
                "(every hour, in order)")
        records.append(values[_SFC_INTEGER_COLUMNS:])
        line_numbers.append(line_number)
        starts.append(start)
    if not records:
        raise InputError.field(where, "records", 0, "at least one hourly record after the header")
    table = np.asarray(records, dtype=np.float64)
    columns = {name: table[:, k - _SFC_INTEGER_COLUMNS]
               for k, (name, _) in enumerate(AERMET_SFC_COLUMNS) if k >= _SFC_INTEGER_COLUMNS}
    columns["line"] = np.asarray(line_numbers)
    columns["local_start"] = np.asarray(starts, dtype="datetime64[h]")
    return path, header, columns


def _fast_pfl(lines: list[str], sfc_starts: np.ndarray) -> list[np.ndarray] | None:
    """The profiles by :func:`_fast_table` with every check of :func:`_read_pfl` done on whole columns (integers,
    dates, hours, top flags 0/1 closing each hour, heights > 0, one profile per surface hour in its order); None
    when any fails."""
    parsed = _fast_table(lines, 1, len(AERMET_PFL_COLUMNS))
    if parsed is None:
        return None
    table, _ = parsed
    integers = table[:, sorted(_PFL_INTEGER_COLUMNS)]
    if np.any(integers != np.round(integers)):
        return None
    year, month, day, hour = table[:, :4].astype(np.int64).T
    top = table[:, 5]
    if np.any(year < 0):
        return None
    year = np.where(year <= 99, np.where(year >= _TWO_DIGIT_YEAR_PIVOT, 1900, 2000) + year, year)
    if np.any((year < 1000) | (year > 9999) | (month < 1) | (month > 12) | (day < 1) | (hour < 1) | (hour > 24)
              | ((top != 0) & (top != 1)) | (table[:, 4] <= 0.0)) or top[-1] != 1:
        return None
    first_of_month = ((year - 1970) * 12 + month - 1).astype("datetime64[M]").astype("datetime64[D]")
    date = first_of_month + (day - 1).astype("timedelta64[D]")
    if np.any(date.astype("datetime64[M]") != first_of_month.astype("datetime64[M]")):
        return None
    starts = date.astype("datetime64[h]") + (hour - 1).astype("timedelta64[h]")
    ends = np.flatnonzero(top == 1)
    if ends.size != sfc_starts.size:
        return None
    hour_of_level = np.repeat(np.arange(ends.size), np.diff(np.concatenate([[-1], ends])))
    if np.any(starts != sfc_starts[hour_of_level]):
        return None
    levels = np.column_stack([table[:, 4], top, table[:, 6:9]])
    return np.split(levels, ends[:-1] + 1)


def _read_pfl(path, sfc_starts: np.ndarray, sfc_lines: np.ndarray, sfc_where: str) -> list[np.ndarray]:
    """Parse the profile file into one (levels, 5) array per SFC hour: height, top flag, Wd, Ws, T [°C]."""
    path, lines = _read_lines(path, "profile")
    where = _where("profile", path)
    fast = _fast_pfl(lines, sfc_starts)
    if fast is not None:
        return fast
    hours: list[np.ndarray] = []
    levels: list[list[float]] = []
    current = None  # (local start, first line) of the open hour
    last_line = 0
    minimum = len(AERMET_PFL_COLUMNS)
    for line_number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        tokens = _tokens(line)
        if len(tokens) < minimum:
            name, allowed = AERMET_PFL_COLUMNS[len(tokens)]
            raise InputError.field(where, f"line {line_number}, column {len(tokens) + 1} ({name})", "nothing",
                                   f"{allowed}: a level has {minimum} fields, this one {len(tokens)}")
        values = _parse_record(tokens, AERMET_PFL_COLUMNS, _PFL_INTEGER_COLUMNS, where=where,
                               line_number=line_number)
        year, month, day, hour, height, top_flag = values[:6]
        date = _local_date(year, month, day, where=where, line_number=line_number)
        _check_hour(hour, where=where, line_number=line_number, column=4)
        if top_flag not in (0, 1):
            raise InputError.field(where, f"line {line_number}, column 6 (top_flag)", top_flag,
                                   AERMET_PFL_COLUMNS[5][1])
        if height <= 0.0:
            raise InputError.field(where, f"line {line_number}, column 5 (height)", height, "> 0 m")
        start = np.datetime64(date, "h") + np.timedelta64(hour - 1, "h")
        if current is None:
            k = len(hours)
            if k >= sfc_starts.size or start != sfc_starts[k]:
                expected = ("no further hour: the surface file ends at line "
                            f"{int(sfc_lines[-1])}" if k >= sfc_starts.size else
                            f"the hour of surface-file line {int(sfc_lines[k])} ({_hour_label(sfc_starts[k])})")
                raise InputError.field(where, f"line {line_number}, columns 1-4 (date and hour)",
                                       f"{date.isoformat()} hour {hour}", f"{expected} ({sfc_where})")
            current = (start, line_number)
        elif start != current[0]:
            raise InputError.field(where, f"line {line_number}, columns 1-4 (date and hour)",
                                   f"{date.isoformat()} hour {hour}",
                                   f"the hour of line {current[1]} until a level with top_flag 1 closes it")
        levels.append([height, float(top_flag), *values[6:9]])
        last_line = line_number
        if top_flag == 1:
            hours.append(np.asarray(levels, dtype=np.float64))
            levels, current = [], None
    if current is not None:
        raise InputError.field(where, f"line {last_line}, column 6 (top_flag)", 0,
                               f"1 on the last level of each hour (the hour opened at line {current[1]} is not "
                               "closed when the file ends)")
    if len(hours) != sfc_starts.size:
        raise InputError.field(where, "hours", len(hours),
                               f"{sfc_starts.size}, one profile per surface-file hour ({sfc_where})")
    return hours


def _hour_label(local_start) -> str:
    end = np.datetime64(local_start, "h") + np.timedelta64(1, "h")
    day = (np.datetime64(local_start, "h")).astype("datetime64[D]")
    return f"{day} hour {int((end - day.astype('datetime64[h]')) / np.timedelta64(1, 'h'))}"


def _missing_reasons(sfc: dict) -> tuple[np.ndarray, np.ndarray]:
    """Calm flag and, per hour, the first SFC column that makes it missing ('' if none): AERMOD CHKCLM/CHKMSG."""
    ws, wd, temp = sfc["wind_speed"], sfc["wind_direction"], sfc["temperature"]
    length, zic, zim = sfc["obukhov_length"], sfc["convective_mixing_height"], sfc["mechanical_mixing_height"]
    ustar, wstar = sfc["friction_velocity"], sfc["convective_velocity_scale"]
    calm = ws == 0.0
    temperature_missing = (temp > 900.0) | (temp <= 0.0)
    checks = (  # AERMOD CHKMSG order
        ("wind_speed", (ws >= 90.0) | (ws < 0.0)),
        ("wind_direction", (wd > 900.0) | (wd <= -9.0)),
        ("temperature", temperature_missing),
        ("obukhov_length", length < -99990.0),
        ("convective_mixing_height", (length < 0.0) & ((zic > 90000.0) | (zic < 0.0))),
        ("mechanical_mixing_height", (zim > 90000.0) | (zim < 0.0)),
        ("friction_velocity", (ustar < 0.0) | (ustar >= 9.0)),
        ("convective_velocity_scale", (wstar < 0.0) & (length < 0.0) & (length > -99990.0)),
    )
    reason = np.full(ws.shape, "", dtype=object)
    for name, bad in reversed(checks):
        reason[bad & ~calm] = name
    reason[calm & temperature_missing] = "temperature"
    return calm, reason


def _persist_index(valid: np.ndarray) -> np.ndarray | None:
    """For each hour the index of the last valid hour at or before it (the first valid hour before that)."""
    if not valid.any():
        return None
    index = np.where(valid, np.arange(valid.size), -1)
    index = np.maximum.accumulate(index)
    return np.where(index < 0, int(np.flatnonzero(valid)[0]), index)


def _pick_levels(sfc: dict, profiles: list[np.ndarray] | None, usable: np.ndarray):
    """Per hour: wind speed, direction and height, temperature [K], and whether the wind came from the PFL."""
    speed = sfc["wind_speed"].copy()
    direction = sfc["wind_direction"].copy()
    height = sfc["wind_reference_height"].copy()
    temperature = sfc["temperature"].copy()
    from_profile = np.zeros(speed.shape, dtype=bool)
    if profiles is None:
        return speed, direction, height, temperature, from_profile
    target = WIND_MEASUREMENT_HEIGHT
    n_levels = max(level.shape[0] for level in profiles)
    if all(level.shape[0] == n_levels for level in profiles):
        padded = np.stack(profiles)
    else:
        padded = np.full((len(profiles), n_levels, 5), np.nan)  # absent levels: NaN, never valid
        for i, level in enumerate(profiles):
            padded[i, :level.shape[0]] = level
    z, wd, ws, t_celsius = padded[:, :, 0], padded[:, :, 2], padded[:, :, 3], padded[:, :, 4]
    rows = np.arange(z.shape[0])
    # AERMOD PFLCNV's missing rules; the nearest valid level to 10 m (the first of equals), ties go to the profile.
    wind_ok = (ws > 0.0) & (ws < 90.0) & (wd >= 0.0) & (wd <= 360.0) & usable[:, None]
    distance = np.where(wind_ok, np.abs(z - target), np.inf)
    k = np.argmin(distance, axis=1)
    take = wind_ok.any(axis=1) & (distance[rows, k] <= np.abs(height - target))
    speed = np.where(take, ws[rows, k], speed)
    direction = np.where(take, wd[rows, k], direction)
    height = np.where(take, z[rows, k], height)
    from_profile = take
    temperature_ok = (t_celsius > -90.0) & (t_celsius < 90.0) & usable[:, None]
    distance = np.where(temperature_ok, np.abs(z - target), np.inf)
    k = np.argmin(distance, axis=1)
    take = temperature_ok.any(axis=1) & (distance[rows, k] <= np.abs(sfc["temperature_height"] - target))
    temperature = np.where(take, t_celsius[rows, k] + _CELSIUS_TO_KELVIN, temperature)  # PFL °C → K, once, here
    return speed, direction, height, temperature, from_profile


def _check_usable_values(sfc, roughness, height, direction, usable, where, z0_override) -> None:
    """Values AERMOD only warns about but ParkTwin needs: z0 > 0, z0 < zref and 10 m, 0 ≤ Wd ≤ 360."""
    columns = {name: k + 1 for k, (name, _) in enumerate(AERMET_SFC_COLUMNS)}
    hint = "" if z0_override is not None else " (or pass z0_override)"
    for i in np.flatnonzero(usable):
        line = int(sfc["line"][i])
        if z0_override is None and not 0.0 < roughness[i] < WIND_MEASUREMENT_HEIGHT:
            raise InputError.field(where, f"line {line}, column {columns['roughness_length']} (roughness_length)",
                                   float(roughness[i]), f"> 0 m and below 10 m{hint}")
        if sfc["wind_speed"][i] > 0.0 and not height[i] > roughness[i]:
            raise InputError.field(where, f"line {line}, column {columns['wind_reference_height']} "
                                          "(wind_reference_height)", float(height[i]),
                                   f"> z0 = {roughness[i]:g} m (the logarithmic wind profile){hint}")
        if sfc["wind_speed"][i] > 0.0 and not 0.0 <= direction[i] <= 360.0:
            raise InputError.field(where, f"line {line}, column {columns['wind_direction']} (wind_direction)",
                                   float(direction[i]), "in [0, 360] degree, or 999 for missing")


def read_aermet(
    sfc_path: str | os.PathLike,
    pfl_path: str | os.PathLike | None = None,
    *,
    utc_offset_hours: float,
    z0_override: float | None = None,
    fill_missing: bool = False,
) -> xr.Dataset:
    """Read an AERMET surface file (and optionally its profile file) into prepared dispersion met.

    Parameters
    ----------
    sfc_path : path
        AERMET surface file (``.SFC``), AERMET v11059 or later column layout (the first 20 fields are read).
    pfl_path : path, optional
        The matching profile file (``.PFL``); one profile per SFC hour, in the same order.
    utc_offset_hours : float
        Offset of the files' local standard time from UTC (+8 for China). [h]
    z0_override : float, optional
        Roughness length used instead of the file's hourly z0 for the 10 m wind and the stability class. [m]
    fill_missing : bool, default False
        Persist the previous complete hour into hours with AERMET missing codes (a convention for short gaps)
        instead of raising InputError.

    Returns
    -------
    xarray.Dataset
        On ``time`` (UTC, datetime64[ns], start of each hour-ending period): ``model_wind_speed`` [m s-1] (10 m,
        calm-reset), ``wind_speed`` [m s-1] (10 m, not reset), ``wind_from_direction`` [degree],
        ``air_temperature`` [K], ``stability_class`` (int8 0..5, CF flags), ``stability_label``, ``calm_flag``
        (int8), ``atmosphere_boundary_layer_thickness`` [m], ``solar_elevation_angle`` [degree] (at the site of
        the header), ``obukhov_length`` [m], ``friction_velocity`` [m s-1], ``convective_velocity_scale``
        [m s-1] (NaN in stable hours), ``surface_roughness_length`` [m], ``sensible_heat_flux`` [W m-2],
        ``reference_wind_speed`` [m s-1] and ``reference_wind_height`` [m] (the measurement used), and
        ``aermet_hour_flag`` (0 observed, 1 calm filled, 2 missing filled). Choices and sources: module docstring.

    Raises
    ------
    MissingInputError
        A file does not exist.
    InputError
        A malformed line (the message names file, line, column and what is allowed), hours out of order or
        skipped, a profile that does not match the surface hours, or missing hours without ``fill_missing``.
    """
    _check_options(utc_offset_hours, z0_override)
    path, header, sfc = _read_sfc(sfc_path)
    where = _where("surface", path)
    profiles = None
    if pfl_path is not None:
        profiles = _read_pfl(pfl_path, sfc["local_start"], sfc["line"], where)

    calm, reason = _missing_reasons(sfc)
    missing = reason != ""
    _check_missing_hours(sfc, reason, fill_missing, where)

    fields, from_profile = _hourly_fields(sfc, profiles, missing, calm, z0_override, where)
    fields, from_profile, flag = _fill_hours(fields, from_profile, missing, where)
    return _dataset(fields, from_profile, flag, sfc["local_start"], header, utc_offset_hours=utc_offset_hours,
                    z0_override=z0_override, sources=(path, pfl_path))


def _hourly_fields(sfc: dict, profiles, missing: np.ndarray, calm: np.ndarray, z0_override, where: str):
    """Per hour, the values the model uses: wind and temperature levels (``_pick_levels``), z0, the AERMET scalars.

    Returns a dict of arrays (speed [m s-1], direction [degree], height [m], temperature [K], roughness [m],
    length [m], ustar, wstar [m s-1], zic, zim [m], heat [W m-2]) and whether each hour's wind came from the PFL.
    """
    usable = ~missing & ~calm
    speed, direction, height, temperature, from_profile = _pick_levels(sfc, profiles, usable)
    n_hours = sfc["line"].size
    roughness = np.full(n_hours, float(z0_override)) if z0_override is not None else sfc["roughness_length"].copy()
    _check_usable_values(sfc, roughness, height, direction, ~missing, where, z0_override)
    fields = {
        "speed": speed, "direction": direction, "height": height, "temperature": temperature,
        "roughness": roughness, "length": sfc["obukhov_length"].copy(), "ustar": sfc["friction_velocity"].copy(),
        "wstar": sfc["convective_velocity_scale"].copy(), "zic": sfc["convective_mixing_height"].copy(),
        "zim": sfc["mechanical_mixing_height"].copy(), "heat": sfc["sensible_heat_flux"].copy(),
        "vptg": sfc["potential_temperature_gradient_above_mixing_height"].copy(),
        "sfc_temperature": sfc["temperature"].copy(), "sfc_temperature_height": sfc["temperature_height"].copy(),
    }
    return fields, from_profile


def _dataset(fields: dict, from_profile, flag, local_start, header: dict, *, utc_offset_hours, z0_override,
             sources) -> xr.Dataset:
    """The prepared-met dataset on UTC ``time`` from the filled hourly fields (variables, attributes: read_aermet)."""
    path, pfl_path = sources
    calm = fields["speed"] == 0.0
    length = _obukhov_length_aermod(fields["length"], fields["heat"])
    offset = np.timedelta64(int(round(utc_offset_hours * 60)), "m")
    times = (local_start.astype("datetime64[m]") - offset).astype("datetime64[ns]")  # local standard → UTC
    data_vars = {
        **_weather_variables(fields, length, calm, times, header),
        **_aermet_variables(fields, length, calm, flag),
    }
    time_attrs = {"standard_name": "time", "axis": "T", "long_name": "start of the hour (UTC)",
                  "comment": f"AERMET hour h (hour ending, local standard time UTC{utc_offset_hours:+g} h) of day d is "
                             "stamped d + (h-1) h, converted to UTC"}
    dataset = xr.Dataset(data_vars, coords={"time": ("time", times, time_attrs)})
    dataset.attrs.update({
        "source": f"AERMET surface file {path.name} (AERMET version {header['version']})"
                  + (f" and profile file {Path(pfl_path).name}" if pfl_path is not None else ""),
        "site_latitude": header["latitude"], "site_longitude": header["longitude"],
        "utc_offset_hours": float(utc_offset_hours),
        "aermet_calm_hours": int(np.sum(flag == 1)), "aermet_filled_missing_hours": int(np.sum(flag == 2)),
        "aermet_profile_wind_hours": int(np.sum(from_profile & (flag == 0))),
        "roughness_length_source": "z0_override" if z0_override is not None else "AERMET hourly z0",
        "aermet_options": header.get("options", ""),
    })
    return dataset


def _check_options(utc_offset_hours, z0_override) -> None:
    """The keyword arguments of ``read_aermet``: a UTC offset in [-14, 14] h, and z0_override None or in (0, 10) m."""
    where_call = "read_aermet"
    if isinstance(utc_offset_hours, bool) or not isinstance(utc_offset_hours, (int, float)) \
            or not -14.0 <= utc_offset_hours <= 14.0:
        raise InputError.field(where_call, "utc_offset_hours", utc_offset_hours, "a number of hours in [-14, 14]")
    if z0_override is not None and (isinstance(z0_override, bool) or not isinstance(z0_override, (int, float))
                                    or not 0.0 < z0_override < WIND_MEASUREMENT_HEIGHT):
        raise InputError.field(where_call, "z0_override", z0_override, "None, or a roughness length in (0, 10) m")


def _check_missing_hours(sfc: dict, reason: np.ndarray, fill_missing: bool, where: str) -> None:
    """Refuse missing hours (listing the first five) unless ``fill_missing``; refuse a file with no complete hour."""
    n_hours = sfc["line"].size
    missing = reason != ""
    if missing.any() and not fill_missing:
        first = np.flatnonzero(missing)[:5]
        listed = "; ".join(f"line {int(sfc['line'][i])} ({_hour_label(sfc['local_start'][i])}: {reason[i]} = "
                           f"{sfc[reason[i]][i]:g})" for i in first)
        raise InputError(f"{where}: every hour must be complete for the steady-state model (AERMOD's missing-value "
                         f"rules), got {int(missing.sum())} of {n_hours} hours missing: {listed}"
                         f"{' …' if missing.sum() > first.size else ''}. Repair the file or pass fill_missing=True "
                         "to persist the previous complete hour")
    if missing.all():
        raise InputError.field(where, "hours", f"all {n_hours} missing", "at least one complete hour to persist")


def _fill_hours(fields: dict, from_profile: np.ndarray, missing: np.ndarray, where: str):
    """Persist the previous complete hour into missing hours, and the last non-calm hour's state into calm hours.

    Returns the filled ``fields``, ``from_profile`` and the ``aermet_hour_flag`` (0 observed, 1 calm filled,
    2 missing filled). AERMET leaves a calm hour's direction and boundary-layer scalars missing (module docstring).
    """
    n_hours = missing.size
    flag = np.zeros(n_hours, dtype=np.int8)
    # Missing hours: the whole previous complete hour (calm or not), persisted.
    source = _persist_index(~missing)
    fields = {name: values[source] for name, values in fields.items()}
    from_profile = from_profile[source]
    flag[missing] = 2
    # Calm hours: direction and boundary-layer scalars from the last non-calm hour (AERMET leaves them missing).
    calm = fields["speed"] == 0.0
    if calm.any():
        source = _persist_index(~calm)
        if source is None:
            raise InputError.field(where, "wind_speed", f"0 (calm) in all {n_hours} hours",
                                   "at least one non-calm hour to take the boundary-layer state from")
        for name in ("direction", "length", "ustar", "wstar", "zic", "zim", "heat", "vptg"):
            fields[name] = np.where(calm, fields[name][source], fields[name])
        flag[calm & (flag == 0)] = 1
    return fields, from_profile, flag


def _obukhov_length_aermod(length: np.ndarray, heat: np.ndarray) -> np.ndarray:
    """AERMOD METQA: |L| ≥ 1 m; L = 0 takes the sign opposite to the heat flux H. [m]"""
    small = np.abs(length) < AERMOD_MINIMUM_ABS_OBUKHOV_LENGTH
    sign = np.where(length != 0.0, np.sign(length), -np.sign(heat))
    sign = np.where(sign == 0.0, 1.0, sign)
    return np.where(small, sign * AERMOD_MINIMUM_ABS_OBUKHOV_LENGTH, length)


def _wind_at_10m(speed: np.ndarray, height: np.ndarray, roughness: np.ndarray, calm: np.ndarray) -> np.ndarray:
    """Wind at 10 m by the neutral logarithmic profile: u(10) = u(z) ln(10/z0)/ln(z/z0) (module docstring). [m s-1]

    ``speed`` [m s-1] measured at ``height`` [m] over roughness length ``roughness`` [m]; 0 in ``calm`` hours.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.log(WIND_MEASUREMENT_HEIGHT / roughness) / np.log(height / roughness)
    return np.where(calm, 0.0, speed * np.where(height == WIND_MEASUREMENT_HEIGHT, 1.0, factor))


def _mixing_height_aermod(zic: np.ndarray, zim: np.ndarray, length: np.ndarray) -> np.ndarray:
    """AERMOD SET_METDATA: zic, zim capped at 4000 m; zi = max(zic, zim) when L < 0, else zim; zi ≥ 1 m. [m]"""
    zic = np.minimum(zic, AERMOD_MIXING_HEIGHT_CAP)
    zim = np.minimum(zim, AERMOD_MIXING_HEIGHT_CAP)
    return np.maximum(np.where(length < 0.0, np.maximum(zic, zim), zim), AERMOD_MIXING_HEIGHT_FLOOR)


def _weather_variables(fields: dict, length: np.ndarray, calm: np.ndarray, times: np.ndarray, header: dict) -> dict:
    """The variables of ``meteo.weather.prepare_dispersion_met`` (same names, units and attributes), from AERMET."""
    z0 = fields["roughness"]
    wind_10m = _wind_at_10m(fields["speed"], fields["height"], z0, calm)
    model_wind, calm_flag = apply_calm_threshold(wind_10m)
    codes = np.atleast_1d(stability_from_obukhov(length, z0)).astype(np.int8)
    labels = np.asarray(list(CLASS_LABELS))[codes]
    mixing = _mixing_height_aermod(fields["zic"], fields["zim"], length)
    elevation = np.atleast_1d(np.asarray(solar_elevation_gb3840(times, header["latitude"], header["longitude"]),
                                         dtype=np.float64))

    wind_attrs = dict(WEATHER_VARIABLE_ATTRS["wind_speed"])
    wind_attrs["comment"] = ("AERMET reference wind (or the profile level nearest 10 m) moved to 10 m by the neutral "
                             "logarithmic profile u(10) = u(z) ln(10/z0)/ln(z/z0); 0 in calm hours")
    direction_attrs = dict(WEATHER_VARIABLE_ATTRS["wind_from_direction"])
    direction_attrs["comment"] = "calm hours carry the direction of the last non-calm hour (aermet_hour_flag 1)"
    mixing_attrs = dict(WEATHER_VARIABLE_ATTRS["atmosphere_boundary_layer_thickness"])
    mixing_attrs["comment"] = ("AERMET: max(zic, zim) when L < 0, else zim; zic, zim capped at 4000 m, zi >= 1 m "
                               "(AERMOD model formulation EPA-454/R-03-004; AERMOD METEXT SET_METDATA)")
    return {
        "wind_speed": ("time", wind_10m, wind_attrs),
        "wind_from_direction": ("time", fields["direction"], direction_attrs),
        "air_temperature": ("time", fields["temperature"], dict(WEATHER_VARIABLE_ATTRS["air_temperature"])),
        "solar_elevation_angle": ("time", elevation, {
            "standard_name": "solar_elevation_angle", "units": "degree",
            "comment": "GB/T 3840-91 Appendix B Eq. B1 (no equation of time, no refraction), at the start of the "
                       "hour, at the AERMET header's latitude and longitude"}),
        "stability_class": ("time", codes, {
            "long_name": "Pasquill-Gifford stability class", "flag_values": np.arange(6, dtype=np.int8),
            "flag_meanings": " ".join(CLASS_LABELS), "method": "golder1972",
            "references": "Golder (1972), Boundary-Layer Meteorol. 3:47-58, Fig. 4: 1/L = a + b log10(z0) as "
                          "fitted in Seinfeld & Pandis; nearest class in 1/L, z0 clipped to "
                          f"{GOLDER_1972_ROUGHNESS_RANGE} m"}),
        "stability_label": ("time", labels.astype(str), {"long_name": "stability class letter (Golder 1972)"}),
        "model_wind_speed": ("time", np.atleast_1d(model_wind), {
            "standard_name": "wind_speed", "units": "m s-1", "height": WIND_MEASUREMENT_HEIGHT,
            "long_name": "10 m wind speed for steady-state models",
            "comment": f"speeds below {STEADY_STATE_CALM_THRESHOLD} m/s reset to {STEADY_STATE_CALM_THRESHOLD} m/s "
                       "(EPA-454/R-99-005 section 6.9); raw value in wind_speed"}),
        "calm_flag": ("time", np.atleast_1d(calm_flag), {
            "long_name": "calm hour (wind below the steady-state threshold, reset)",
            "flag_values": np.array([0, 1], dtype=np.int8), "flag_meanings": "not_calm calm"}),
        "atmosphere_boundary_layer_thickness": ("time", mixing, mixing_attrs),
    }


def _aermet_variables(fields: dict, length: np.ndarray, calm: np.ndarray, flag: np.ndarray) -> dict:
    """The AERMET boundary-layer scalars and the measurement used, with ``AERMET_VARIABLE_ATTRS``."""
    convective = length < 0.0
    wstar = np.where(convective & (fields["wstar"] >= 0.0), fields["wstar"], np.nan)  # w* only when convective
    # zic, zim as AERMOD METEXT SET_METDATA uses them: values in [0, 1) m raised to 1 m, capped at 4000 m; AERMET's
    # missing codes (< 0) become NaN (zic is missing in stable hours).
    zic = np.where(fields["zic"] >= 0.0, np.clip(fields["zic"], AERMOD_MIXING_HEIGHT_FLOOR, AERMOD_MIXING_HEIGHT_CAP),
                   np.nan)
    zim = np.where(fields["zim"] >= 0.0, np.clip(fields["zim"], AERMOD_MIXING_HEIGHT_FLOOR, AERMOD_MIXING_HEIGHT_CAP),
                   np.nan)
    vptg = np.where(fields["vptg"] > -9.0, fields["vptg"], np.nan)  # AERMET writes -9 when missing (stable hours)
    return {
        "obukhov_length": ("time", length, dict(AERMET_VARIABLE_ATTRS["obukhov_length"])),
        "friction_velocity": ("time", fields["ustar"], dict(AERMET_VARIABLE_ATTRS["friction_velocity"])),
        "convective_velocity_scale": ("time", wstar, dict(AERMET_VARIABLE_ATTRS["convective_velocity_scale"])),
        "surface_roughness_length": ("time", fields["roughness"],
                                     dict(AERMET_VARIABLE_ATTRS["surface_roughness_length"])),
        "sensible_heat_flux": ("time", fields["heat"], dict(AERMET_VARIABLE_ATTRS["sensible_heat_flux"])),
        "reference_wind_speed": ("time", np.where(calm, 0.0, fields["speed"]),
                                 dict(AERMET_VARIABLE_ATTRS["reference_wind_speed"])),
        "reference_wind_height": ("time", fields["height"], dict(AERMET_VARIABLE_ATTRS["reference_wind_height"])),
        "aermet_hour_flag": ("time", flag, dict(AERMET_VARIABLE_ATTRS["aermet_hour_flag"])),
        "convective_mixing_height": ("time", zic, dict(AERMET_VARIABLE_ATTRS["convective_mixing_height"])),
        "mechanical_mixing_height": ("time", zim, dict(AERMET_VARIABLE_ATTRS["mechanical_mixing_height"])),
        "potential_temperature_gradient_above_mixing_height": (
            "time", vptg, dict(AERMET_VARIABLE_ATTRS["potential_temperature_gradient_above_mixing_height"])),
        "reference_air_temperature": ("time", fields["sfc_temperature"],
                                      dict(AERMET_VARIABLE_ATTRS["reference_air_temperature"])),
        "reference_air_temperature_height": ("time", fields["sfc_temperature_height"],
                                             dict(AERMET_VARIABLE_ATTRS["reference_air_temperature_height"])),
    }
