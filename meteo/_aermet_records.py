"""Lines and fields of the AERMET files, shared by the surface (``_aermet_sfc``) and profile (``_aermet_pfl``) parsers.

Two ways to read a file's records: :func:`fast_table`, which turns every line into a row of floats at once and
gives up (returns None) at the first irregularity, and the line-by-line tools below (:func:`parse_record`,
:func:`local_date`, :func:`check_hour`), which the parsers fall back on to find the first fault and name its file,
line, field, value and what is allowed (``twin.errors.InputError.field``). Private to ``meteo``.
"""

from __future__ import annotations

import datetime as _dt
import re
from pathlib import Path

import numpy as np

from twin.errors import InputError, MissingInputError
from twin.inputs import record_input

__all__ = [
    "TWO_DIGIT_YEAR_PIVOT", "check_hour", "column_starts", "fast_table", "file_label", "hour_label",
    "local_date", "parse_record", "read_lines", "split_fields",
]

TWO_DIGIT_YEAR_PIVOT = 50  # 2-digit years: 50..99 → 1950..1999, 00..49 → 2000..2049 (AERMOD's default window)


def file_label(kind: str, path: Path) -> str:
    """How every message names the file: ``AERMET surface file '/path/X.SFC'``."""
    return f"AERMET {kind} file {str(path)!r}"


def read_lines(path, kind: str) -> tuple[Path, list[str]]:
    """The file's lines (ASCII; records its digest for ``run.json``); MissingInputError when it is not there."""
    path = Path(path)
    if not path.is_file():
        raise MissingInputError(f"{file_label(kind, path)}: file not found")
    try:
        text = path.read_text(encoding="ascii", errors="strict")
        record_input(path)
    except UnicodeDecodeError as error:
        raise InputError.field(file_label(kind, path), f"byte {error.start}",
                               repr(error.object[error.start:error.end]),
                               "plain ASCII text (an AERMET output file)") from None
    return path, text.splitlines()


def split_fields(line: str) -> list[str]:
    """The fields of a record: AERMOD reads the files with list-directed READ, so blanks and commas both separate."""
    return [token for token in re.split(r"[\s,]+", line.strip()) if token]


def parse_record(tokens, columns, integer_columns, *, where: str, line_number: int) -> list:
    """The first ``len(columns)`` fields as ints (``integer_columns``) or finite floats; an InputError naming the
    line, the column and its name for the first field that is neither."""
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
        return (1900 if year >= TWO_DIGIT_YEAR_PIVOT else 2000) + year
    if 1000 <= year <= 9999:
        return year
    raise InputError.field(where, label, year, "a 4-digit year, or 2 digits (50..99 → 19xx, 00..49 → 20xx)")


def local_date(year, month, day, *, where: str, line_number: int, first_column: int = 1) -> _dt.date:
    """The record's date; an InputError naming the year, month or day column that does not make one."""
    full = _full_year(year, where=where, label=f"line {line_number}, column {first_column} (year)")
    if not 1 <= month <= 12:
        raise InputError.field(where, f"line {line_number}, column {first_column + 1} (month)", month,
                               "an integer month 1..12")
    try:
        return _dt.date(full, month, day)
    except ValueError:
        raise InputError.field(where, f"line {line_number}, column {first_column + 2} (day)", day,
                               f"a day that exists in {full}-{month:02d}") from None


def check_hour(hour, *, where: str, line_number: int, column: int) -> None:
    if not 1 <= hour <= 24:
        raise InputError.field(where, f"line {line_number}, column {column} (hour)", hour,
                               "an integer hour 1..24 (hour ending, local standard time)")


def hour_label(local_start) -> str:
    """An hour as AERMET writes it: the start of an hour-ending period → ``'1999-01-01 hour 3'``."""
    end = np.datetime64(local_start, "h") + np.timedelta64(1, "h")
    day = (np.datetime64(local_start, "h")).astype("datetime64[D]")
    return f"{day} hour {int((end - day.astype('datetime64[h]')) / np.timedelta64(1, 'h'))}"


def fast_table(lines: list[str], first_line: int, minimum: int, maximum: int):
    """Every non-blank line's numeric fields as a float table (the first ``maximum``, or all when fewer), each row's
    line number, and the set of values of field ``maximum + 1`` (a flag column, when the lines have one) — when every
    line is plain: whitespace-separated, no header record, as many fields as the first line and at least
    ``minimum``, all the numeric ones finite numbers. None otherwise, and the line-by-line parser then finds and
    names the fault. Same values as that parser, several times faster."""
    rows: list[str] = []
    numbers: list[int] = []
    flags: set[str] = set()
    extend, append = rows.extend, numbers.append
    width = n_columns = 0
    for line_number, line in enumerate(lines, start=first_line):
        tokens = line.split()
        if not tokens:
            continue
        if not width:
            width = len(tokens)
            n_columns = min(width, maximum)
        if len(tokens) != width or width < minimum or ":" in line or "," in line:
            return None
        extend(tokens[:n_columns])
        if width > maximum:
            flags.add(tokens[maximum])
        append(line_number)
    if not numbers:
        return None
    try:
        table = np.array(rows, dtype=np.float64).reshape(len(numbers), n_columns)
    except ValueError:
        return None
    if not np.all(np.isfinite(table)):
        return None
    return table, np.asarray(numbers), flags


def column_starts(year: np.ndarray, month: np.ndarray, day: np.ndarray, hour: np.ndarray):
    """Whole-column version of :func:`local_date` and :func:`check_hour`: the local start of each hour-ending period
    (datetime64[h]) and each date (datetime64[D]), or None when any row has a bad year, month, day or hour."""
    if np.any(year < 0):
        return None
    year = np.where(year <= 99, np.where(year >= TWO_DIGIT_YEAR_PIVOT, 1900, 2000) + year, year)
    if np.any((year < 1000) | (year > 9999) | (month < 1) | (month > 12) | (day < 1) | (hour < 1) | (hour > 24)):
        return None
    first_of_month = ((year - 1970) * 12 + month - 1).astype("datetime64[M]").astype("datetime64[D]")
    date = first_of_month + (day - 1).astype("timedelta64[D]")
    if np.any(date.astype("datetime64[M]") != first_of_month.astype("datetime64[M]")):  # day beyond the month
        return None
    return date.astype("datetime64[h]") + (hour - 1).astype("timedelta64[h]"), date
