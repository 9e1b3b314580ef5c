"""The AERMET surface file (``.SFC``): its header and hourly records → numpy columns. Private to ``meteo``.

Layout, as AERMOD METEXT reads it (list-directed READ of the header line and of each record; AERMOD source,
METEXT and its CHKDAT/CHKCLM/CHKMSG checks)::

    line 1    header: latitude, longitude ("61.217N  149.833W"), UA_ID:, SF_ID:, OS_ID:, VERSION: <AERMET version>,
              then the processing options (ADJ_U*, CCVR_Sub, TEMP_Sub …)
    records   year month day julian-day hour | H u* w* VPTG zic zim L z0 Bowen albedo | Ws Wd zref T ztemp
              | ipcode pamt rh pres ccvr | wind-data flag, substitution flag   (fields 1-27)

What the reader requires (AERMOD's rule where a source is named, ParkTwin's otherwise):

* line 1 is the header, with a latitude and longitude and a ``VERSION:`` (AERMOD METEXT stops with error 395 on a
  header record without one); a later header record (years concatenated into one file: AERMOD METEXT takes a line
  with a colon for one) must name the same version (METEXT error 395 on mixed versions);
* at least 20 fields per record (METEXT error 495, "Non-DEP"), and every record as many fields as the first one —
  ParkTwin's rule: AERMET writes the same fields every hour, and a shorter or longer line is a truncated or a joined
  one (AERMOD's list-directed READ would run on into the next record);
* fields 1-5 and 21, 25 integers, fields 6-20 and 22-24 finite numbers (AERMOD reads 25 fields; 21-25 are not used
  by this reader but a field there that is not a number is a damaged record);
* field 26, when present, the wind-data source/adjustment flag of AERMET 11059 and later: a flag AERMOD METEXT
  recognises — beginning with NAD (not adjusted) or ADJ (u* adjusted), or MMIF-OS, MIFF-Mod, PROG-OS, PROG-Mod;
  field 27 (the substitution flag) is not checked;
* one record per hour, in order, no hour twice or skipped (AERMOD METEXT CHKDAT: error 450, record out of sequence).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from twin.errors import InputError, Unshown

from ._aermet_records import (
    check_hour,
    column_starts,
    fast_table,
    file_label,
    hour_label,
    local_date,
    parse_record,
    read_lines,
    split_fields,
)

__all__ = ["AERMET_SFC_COLUMNS", "AERMET_SFC_LATER_COLUMNS", "parse_header", "read_sfc"]

# SFC columns read (AERMOD METEXT's non-deposition READ: the first 20 fields are the ones the model uses).
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
# Fields 21-27 of AERMET 11059 and later (AERMOD METEXT reads 21-25 and looks for the flag of 26); checked, not used.
AERMET_SFC_LATER_COLUMNS = (
    ("precipitation_code", "an integer (the precipitation code)"),
    ("precipitation_rate", "a number (mm h-1)"),
    ("relative_humidity", "a number (percent)"),
    ("station_pressure", "a number (mb)"),
    ("cloud_cover", "an integer (cloud cover, tenths)"),
    ("wind_data_flag", "the wind-data flag: NAD or ADJ, alone or with a source suffix (e.g. NAD-SFC, ADJ-SFC), "
                       "MMIF-OS, MIFF-Mod, PROG-OS or PROG-Mod (the flags AERMOD recognises)"),
    ("substitution_flag", "the substitution flag (e.g. NoSubs)"),
)
_INTEGER_COLUMNS = {0, 1, 2, 3, 4, 20, 24}
_N_USED = len(AERMET_SFC_COLUMNS)  # 20
_N_NUMERIC = _N_USED + 5  # 25: the fields AERMOD's free-format READ takes
_WIND_DATA_FLAG = re.compile(r"(?:NAD|ADJ)(?:-[A-Za-z0-9]+)?|MMIF-OS|MIFF-Mod|PROG-OS|PROG-Mod")
_ALL_COLUMNS = AERMET_SFC_COLUMNS + AERMET_SFC_LATER_COLUMNS


def parse_header(line: str, *, where: str) -> dict:
    """Latitude, longitude [degree], AERMET version and options from the SFC header (line 1)."""
    tokens = split_fields(line)
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
    version = _header_version(line)
    if version is None:
        raise InputError.field(where, "line 1 (header), field VERSION:", "no 'VERSION:' followed by a version",
                               "the AERMET version that wrote the file, e.g. 'VERSION: 24142' (AERMOD refuses a "
                               "surface file header without one)")
    options = re.search(r"VERSION:\s*\S+(.*)$", line)
    return {"latitude": coordinates[0], "longitude": coordinates[1], "version": version,
            "options": " ".join(options.group(1).split())}


def _header_version(line: str) -> str | None:
    match = re.search(r"VERSION:\s*(\S+)", line)
    return match.group(1) if match else None


def read_sfc(path) -> tuple[Path, dict, dict]:
    """Parse the surface file: header, and per-record columns (numpy arrays: the 15 numeric fields 6-20 by name),
    ``line`` (line numbers) and ``local_start`` (start of each hour-ending period, local standard time)."""
    path, lines = read_lines(path, "surface")
    where = file_label("surface", path)
    if not lines:
        raise InputError.field(where, "line 1 (header)", "", "the AERMET header line, then one record per hour")
    header = parse_header(lines[0], where=where)
    fast = _fast_sfc(lines)
    if fast is not None:
        return path, header, fast
    return path, header, _slow_sfc(lines, header, where)


def _fast_sfc(lines: list[str]) -> dict | None:
    """The surface records by :func:`fast_table` with every check of :func:`_slow_sfc` done on whole columns
    (integers, flags, dates, day of the year, hours 1..24, one record per hour in order); None when any fails."""
    parsed = fast_table(lines[1:], 2, _N_USED, _N_NUMERIC)
    if parsed is None:
        return None
    table, numbers, flags = parsed
    integers = table[:, sorted(k for k in _INTEGER_COLUMNS if k < table.shape[1])]
    if np.any((integers != np.round(integers)) | (np.abs(integers) > 1e9)) \
            or not all(_WIND_DATA_FLAG.fullmatch(flag) for flag in flags):
        return None
    year, month, day, julian_day, hour = table[:, :5].astype(np.int64).T
    found = column_starts(year, month, day, hour)
    if found is None:
        return None
    starts, date = found
    if np.any(julian_day != (date - date.astype("datetime64[Y]")).astype(np.int64) + 1):
        return None
    if np.any(np.diff(starts) != np.timedelta64(1, "h")):
        return None
    columns = {name: np.ascontiguousarray(table[:, k]) for k, (name, _) in enumerate(AERMET_SFC_COLUMNS) if k >= 5}
    columns["line"] = numbers
    columns["local_start"] = starts
    return columns


def _slow_sfc(lines: list[str], header: dict, where: str) -> dict:
    """Line by line: the first fault raises an InputError naming its line, column (field) and value."""
    records, line_numbers, starts = [], [], []
    seen: dict = {}  # local start → line number
    width = first_line = 0
    for line_number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        if ":" in line:  # AERMOD METEXT: a colon marks a header record (years concatenated into one file)
            version = _header_version(line)
            if version != header["version"]:
                raise InputError.field(where, f"line {line_number} (header record), field VERSION:",
                                       version or "no version",
                                       f"{header['version']}, the version of line 1 (AERMOD stops on a surface "
                                       "file whose years were written by different AERMET versions)")
            continue
        tokens = split_fields(line)
        width, first_line = (width, first_line) if width else (len(tokens), line_number)
        _check_field_count(tokens, width, first_line, where=where, line_number=line_number)
        n_numeric = min(len(tokens), _N_NUMERIC)
        values = parse_record(tokens, _ALL_COLUMNS[:n_numeric], _INTEGER_COLUMNS, where=where,
                              line_number=line_number)
        if len(tokens) > _N_NUMERIC and not _WIND_DATA_FLAG.fullmatch(tokens[_N_NUMERIC]):
            name, allowed = AERMET_SFC_LATER_COLUMNS[_N_NUMERIC - _N_USED]
            raise InputError.field(where, f"line {line_number}, column {_N_NUMERIC + 1} ({name})",
                                   tokens[_N_NUMERIC], allowed)
        year, month, day, julian_day, hour = values[:5]
        date = local_date(year, month, day, where=where, line_number=line_number)
        if julian_day != date.timetuple().tm_yday:
            raise InputError.field(where, f"line {line_number}, column 4 (julian_day)", julian_day,
                                   f"{date.timetuple().tm_yday}, the day of the year of {date.isoformat()}")
        check_hour(hour, where=where, line_number=line_number, column=5)
        start = np.datetime64(date, "h") + np.timedelta64(hour - 1, "h")  # start of the hour-ending period
        if starts and start - starts[-1] != np.timedelta64(1, "h"):
            expected = starts[-1] + np.timedelta64(1, "h")
            got = (f"{date.isoformat()} hour {hour} a second time (first at line {seen[start]})" if start in seen
                   else f"{date.isoformat()} hour {hour}")
            raise InputError.field(where, f"line {line_number}, columns 1-5 (date and hour)", got,
                                   f"{hour_label(expected)}, the hour after line {line_numbers[-1]}'s (every hour "
                                   "once, in order: AERMOD stops on a record out of sequence)")
        seen[start] = line_number
        records.append(values[5:_N_USED])
        line_numbers.append(line_number)
        starts.append(start)
    if not records:
        raise InputError.field(where, "records", 0, "at least one hourly record after the header")
    table = np.asarray(records, dtype=np.float64)
    columns = {name: table[:, k - 5] for k, (name, _) in enumerate(AERMET_SFC_COLUMNS) if k >= 5}
    columns["line"] = np.asarray(line_numbers)
    columns["local_start"] = np.asarray(starts, dtype="datetime64[h]")
    return columns


def _check_field_count(tokens: list[str], width: int, first_line: int, *, where: str, line_number: int) -> None:
    """At least 20 fields (AERMOD METEXT), and as many as the first record (ParkTwin: module docstring)."""
    n = len(tokens)
    if n < _N_USED:
        name, allowed = AERMET_SFC_COLUMNS[n]
        raise InputError.field(where, f"line {line_number}, column {n + 1} ({name})", "nothing",
                               f"{allowed}: a record has at least {_N_USED} fields, this one {n}")
    if n < width:
        name, allowed = _ALL_COLUMNS[n] if n < len(_ALL_COLUMNS) else (f"beyond {_ALL_COLUMNS[-1][0]}", "a field")
        raise InputError.field(where, f"line {line_number}, column {n + 1} ({name})", "nothing",
                               f"{allowed}: every record has the {width} fields of line {first_line}, this one {n} "
                               "(a truncated line?)")
    if n > width:
        name = _ALL_COLUMNS[width][0] if width < len(_ALL_COLUMNS) else f"beyond {_ALL_COLUMNS[-1][0]}"
        raise InputError.field(where, f"line {line_number}, column {width + 1} ({name})", tokens[width],
                               f"nothing: every record has the {width} fields of line {first_line}, this one {n} "
                               "(two lines joined?)")
