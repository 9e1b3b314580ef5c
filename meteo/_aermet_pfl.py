"""The AERMET profile file (``.PFL``): one profile of levels per surface-file hour → one padded array. Private to
``meteo``.

Layout, as AERMOD METEXT reads it (list-directed READ of 11 fields per level, until a level with top flag 1)::

    year month day hour height top-flag Wd Ws T(°C) sigma-theta sigma-w

What the reader requires (AERMOD's rule where a source is named, ParkTwin's otherwise):

* exactly 11 fields per line (AERMOD reads 11; a longer line is two joined, a shorter one truncated);
* year, month, day, hour and the top flag integers, the others finite numbers; heights > 0 m;
* the top flag 0 (a level below the top) or 1 (the top level, which closes the hour): another value is unknown;
* within an hour, one date and hour on every level and heights strictly increasing (ParkTwin: a repeated or
  out-of-order level is a damaged profile; AERMET writes the levels from the lowest up);
* the k-th profile is the k-th surface-file hour — no hour missing, added, repeated or out of order (AERMOD METEXT
  CMPDAT: error 456, date mismatch between the surface and the profile file). Hours may have different numbers of
  levels, as AERMOD allows.
"""

from __future__ import annotations

import numpy as np

from twin.errors import InputError

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

__all__ = ["AERMET_PFL_COLUMNS", "PROFILE_LEVEL_FIELDS", "read_pfl"]

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
    ("temperature", "a number (degree C; outside (-90, 90), e.g. 99, -99 or 999 = missing)"),
    ("sigma_theta", "a number (degree; 99 = missing)"),
    ("sigma_w", "a number (m s-1; 99 = missing)"),
)
# The last axis of read_pfl's array: height [m], top flag, Wd [degree], Ws [m s-1], T [°C], σθ [degree], σw [m s-1].
PROFILE_LEVEL_FIELDS = ("height", "top_flag", "wind_direction", "wind_speed", "temperature", "sigma_theta",
                        "sigma_w")
_INTEGER_COLUMNS = {0, 1, 2, 3, 5}
_N_FIELDS = len(AERMET_PFL_COLUMNS)


def read_pfl(path, sfc_starts: np.ndarray, sfc_lines: np.ndarray, sfc_where: str) -> np.ndarray:
    """Parse the profile file into a (surface hours, most levels, 7) array of :data:`PROFILE_LEVEL_FIELDS`, levels
    from the lowest, NaN where an hour has fewer levels than the most."""
    path, lines = read_lines(path, "profile")
    where = file_label("profile", path)
    fast = _fast_pfl(lines, sfc_starts)
    if fast is not None:
        return fast
    return _slow_pfl(lines, sfc_starts, sfc_lines, sfc_where, where)


def _padded(levels: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """(levels, 7) rows, hour k ending at row ``ends[k]`` → (hours, most levels, 7), NaN-padded."""
    counts = np.diff(np.concatenate([[-1], ends]))
    if np.all(counts == counts[0]):
        return levels.reshape(ends.size, int(counts[0]), levels.shape[1])
    hour_of_level = np.repeat(np.arange(ends.size), counts)
    within = np.arange(levels.shape[0]) - (ends - counts + 1)[hour_of_level]
    padded = np.full((ends.size, int(counts.max()), levels.shape[1]), np.nan)  # absent levels: NaN, never valid
    padded[hour_of_level, within] = levels
    return padded


def _fast_pfl(lines: list[str], sfc_starts: np.ndarray) -> np.ndarray | None:
    """The profiles by :func:`fast_table` with every check of :func:`_slow_pfl` done on whole columns (11 fields,
    integers, dates, hours, top flags 0/1 closing each hour, heights > 0 and increasing, one profile per surface
    hour in its order); None when any fails."""
    parsed = fast_table(lines, 1, _N_FIELDS, _N_FIELDS)
    if parsed is None or parsed[2]:  # parsed[2]: values of a 12th field
        return None
    table = parsed[0]
    integers = table[:, sorted(_INTEGER_COLUMNS)]
    if np.any((integers != np.round(integers)) | (np.abs(integers) > 1e9)):
        return None
    year, month, day, hour = table[:, :4].astype(np.int64).T
    height, top = table[:, 4], table[:, 5]
    if np.any(((top != 0) & (top != 1)) | (height <= 0.0)) or top[-1] != 1:
        return None
    if np.any((top[:-1] == 0) & (np.diff(height) <= 0.0)):  # a level not above the one below it, same hour
        return None
    found = column_starts(year, month, day, hour)
    if found is None:
        return None
    starts = found[0]
    ends = np.flatnonzero(top == 1)
    if ends.size != sfc_starts.size:
        return None
    hour_of_level = np.repeat(np.arange(ends.size), np.diff(np.concatenate([[-1], ends])))
    if np.any(starts != sfc_starts[hour_of_level]):
        return None
    return _padded(np.column_stack([height, top, table[:, 6:11]]), ends)


def _slow_pfl(lines, sfc_starts, sfc_lines, sfc_where: str, where: str) -> np.ndarray:
    """Line by line: the first fault raises an InputError naming its line, column (field) and value."""
    rows: list[list[float]] = []
    ends: list[int] = []
    opened: dict = {}  # local start → line that opened its profile
    current = None  # (local start, first line) of the open hour
    last_line = 0
    for line_number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        tokens = split_fields(line)
        _check_field_count(tokens, where=where, line_number=line_number)
        values = parse_record(tokens, AERMET_PFL_COLUMNS, _INTEGER_COLUMNS, where=where, line_number=line_number)
        year, month, day, hour, height, top_flag = values[:6]
        date = local_date(year, month, day, where=where, line_number=line_number)
        check_hour(hour, where=where, line_number=line_number, column=4)
        if top_flag not in (0, 1):
            raise InputError.field(where, f"line {line_number}, column 6 (top_flag)", top_flag,
                                   AERMET_PFL_COLUMNS[5][1])
        if height <= 0.0:
            raise InputError.field(where, f"line {line_number}, column 5 (height)", height, "> 0 m")
        start = np.datetime64(date, "h") + np.timedelta64(hour - 1, "h")
        got = f"{date.isoformat()} hour {hour}"
        if current is None:
            _check_next_hour(start, got, len(ends), opened, sfc_starts, sfc_lines, sfc_where, where=where,
                             line_number=line_number)
            current = (start, line_number)
            opened[start] = line_number
        elif start != current[0]:
            raise InputError.field(where, f"line {line_number}, columns 1-4 (date and hour)", got,
                                   f"{hour_label(current[0])}, the hour of line {current[1]}, until a level with "
                                   "top_flag 1 closes it (the hour's top level is missing)")
        elif height <= rows[-1][0]:
            raise InputError.field(where, f"line {line_number}, column 5 (height)", height,
                                   f"above {rows[-1][0]:g} m, the level of line {last_line} (the levels of an hour "
                                   "from the lowest up, each once)")
        rows.append([height, float(top_flag), *values[6:11]])
        last_line = line_number
        if top_flag == 1:
            ends.append(len(rows) - 1)
            current = None
    if current is not None:
        raise InputError.field(where, f"line {last_line}, column 6 (top_flag)", 0,
                               f"1 on the last level of each hour (the hour opened at line {current[1]} is not "
                               "closed when the file ends)")
    if len(ends) != sfc_starts.size:
        k = len(ends)
        raise InputError.field(where, f"line {last_line + 1} (end of file), columns 1-4 (date and hour)",
                               "the end of the file",
                               f"{hour_label(sfc_starts[k])}, the hour of surface-file line {int(sfc_lines[k])}: one "
                               f"profile per surface-file hour, {sfc_starts.size} in all, this file has {k} "
                               f"({sfc_where})")
    return _padded(np.asarray(rows, dtype=np.float64), np.asarray(ends))


def _check_field_count(tokens: list[str], *, where: str, line_number: int) -> None:
    n = len(tokens)
    if n < _N_FIELDS:
        name, allowed = AERMET_PFL_COLUMNS[n]
        raise InputError.field(where, f"line {line_number}, column {n + 1} ({name})", "nothing",
                               f"{allowed}: a level has {_N_FIELDS} fields, this one {n}")
    if n > _N_FIELDS:
        raise InputError.field(where, f"line {line_number}, column {_N_FIELDS + 1} (beyond sigma_w)",
                               tokens[_N_FIELDS],
                               f"nothing: a level has {_N_FIELDS} fields, this one {n} (two lines joined?)")


def _check_next_hour(start, got: str, k: int, opened: dict, sfc_starts, sfc_lines, sfc_where: str, *, where: str,
                     line_number: int) -> None:
    """The profile opened at ``line_number`` must be the k-th surface hour (AERMOD METEXT CMPDAT)."""
    if k < sfc_starts.size and start == sfc_starts[k]:
        return
    label = f"line {line_number}, columns 1-4 (date and hour)"
    if k >= sfc_starts.size:
        raise InputError.field(where, label, got, f"no further hour: the surface file's last hour "
                                                  f"({hour_label(sfc_starts[-1])}) is at line {int(sfc_lines[-1])} "
                                                  f"({sfc_where})")
    if start in opened:
        got = f"{got} a second time (its profile began at line {opened[start]})"
    raise InputError.field(where, label, got,
                           f"{hour_label(sfc_starts[k])}, the hour of surface-file line {int(sfc_lines[k])}: one "
                           f"profile per surface-file hour, in its order (that hour is missing here, or the profiles "
                           f"are out of order) ({sfc_where})")
