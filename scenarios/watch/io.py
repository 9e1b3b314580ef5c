"""Instrument readings dropped in a folder: CSV or JSON lines, one reading per row, read once at the boundary.

A readings file is ``*.csv`` (a header row, then one reading per row; lines starting with ``#`` are comments) or
``*.jsonl`` (one JSON object per line), with the fields::

    time         ISO 8601 with a UTC offset (or Z): 2026-07-15T08:30:00+08:00 — a time without one is refused
    risk_source  the id of a risk source in park.yaml (T-CL01)
    quantity     level | pressure | temperature | gas
    value        a number
    unit         level: % ; pressure: Pa, kPa, MPa, bar (absolute) ; temperature: K, degC ; gas: ppm, ppb

Units are converted once, here, to those of :data:`twin.thresholds.QUANTITIES` (%, Pa, K, ppm). Every malformed
field is an InputError naming the file, the line, the field, the value and what is allowed. Files whose names start
with ``.`` or that end otherwise (a ``.part`` being written) are not readings: drop a file by writing it under
another name and renaming it.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from twin.errors import InputError
from twin.textfiles import read_text
from twin.thresholds import QUANTITIES
from twin.units import UnitError, to_si

__all__ = ["READING_SUFFIXES", "Reading", "read_readings", "reading_files"]

READING_SUFFIXES = (".csv", ".jsonl")
FIELDS = ("time", "risk_source", "quantity", "value", "unit")
# Units of the quantities pint does not convert the way an instrument means them: '%' of the safe capacity, and
# ppm/ppb by volume (pint reads ppm as the plain number 1e-6).
_FIXED_UNITS = {"level": {"%": 1.0, "percent": 1.0},
                "gas": {"ppm": 1.0, "ppmv": 1.0, "ppb": 1e-3, "ppbv": 1e-3}}
_PINT_UNITS = {"pressure": ("Pa", "Pa, kPa, MPa or bar (absolute)"), "temperature": ("K", "K or degC")}


@dataclass(frozen=True)
class Reading:
    """One instrument reading: ``value`` in the quantity's unit of :data:`twin.thresholds.QUANTITIES`."""

    time: datetime  # UTC, aware
    risk_source: str
    quantity: str
    value: float
    as_read: str  # the value and unit as the file gave them, for the log
    file: str
    line: int


def reading_files(folder: Path) -> list[Path]:
    """The readings files in ``folder`` (not its sub-folders), in name order."""
    return sorted(p for p in Path(folder).iterdir()
                  if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in READING_SUFFIXES)


def read_readings(path: str | Path) -> list[Reading]:
    """The readings of one file (module docstring), in file order."""
    path = Path(path)
    text = read_text(path)
    if path.suffix.lower() == ".csv":
        lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1)
                 if line.strip() and not line.lstrip().startswith("#")]
        if not lines:
            return []
        rows = csv.reader(io.StringIO("\n".join(line for _, line in lines)))
        header = [name.strip() for name in next(rows)]
        missing = [name for name in FIELDS if name not in header]
        unknown = [name for name in header if name not in FIELDS]
        if missing or unknown:
            raise InputError.field(f"{path.name} line {lines[0][0]}", "header", ",".join(header),
                                   f"the columns {', '.join(FIELDS)} (order free)")
        records = []
        for (number, _), row in zip(lines[1:], rows):
            if len(row) != len(header):
                raise InputError.field(f"{path.name} line {number}", "row", f"{len(row)} fields",
                                       f"{len(header)} fields, as the header")
            records.append((number, dict(zip(header, (cell.strip() for cell in row)))))
    else:
        records = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError:
                record = None
            if not isinstance(record, dict):
                raise InputError.field(f"{path.name} line {number}", "line", line[:60],
                                       f"one JSON object with {', '.join(FIELDS)}")
            unknown = sorted(set(record) - set(FIELDS))
            if unknown:
                raise InputError.field(f"{path.name} line {number}", "field", unknown[0],
                                       f"one of {', '.join(FIELDS)}")
            records.append((number, record))
    return [_reading(record, path.name, number) for number, record in records]


def _reading(record: dict, name: str, number: int) -> Reading:
    where = f"{name} line {number}"
    for field in FIELDS:
        if record.get(field) in (None, ""):
            raise InputError.field(where, field, record.get(field), "given (every reading has "
                                   + ", ".join(FIELDS) + ")")
    time = _utc(str(record["time"]), where)
    quantity = str(record["quantity"]).strip()
    if quantity not in QUANTITIES:
        raise InputError.field(where, "quantity", quantity, f"one of {', '.join(QUANTITIES)}")
    try:
        value = float(record["value"])
    except (TypeError, ValueError):
        value = math.nan
    if not math.isfinite(value):
        raise InputError.field(where, "value", record["value"], "a finite number")
    unit = str(record["unit"]).strip()
    if quantity in _FIXED_UNITS:
        factors = _FIXED_UNITS[quantity]
        if unit not in factors:
            raise InputError.field(where, "unit", unit, f"for {quantity}: one of {', '.join(factors)}")
        converted = value * factors[unit]
    else:
        si_unit, allowed = _PINT_UNITS[quantity]
        if unit.lower() in ("barg", "psig", "kpag", "mpag"):
            raise InputError.field(where, "unit", unit, f"an absolute pressure unit ({allowed}); a gauge "
                                   "pressure must be converted to absolute first")
        try:
            converted = float(to_si([value], unit, si_unit)[0])
        except UnitError:
            raise InputError.field(where, "unit", unit, f"for {quantity}: {allowed}") from None
    return Reading(time=time, risk_source=str(record["risk_source"]).strip(), quantity=quantity, value=converted,
                   as_read=f"{value:g} {unit}", file=name, line=number)


def _utc(text: str, where: str) -> datetime:
    """An ISO 8601 time with its offset, as an aware UTC datetime."""
    text = text.strip()
    try:
        moment = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise InputError.field(where, "time", text, "ISO 8601 with a UTC offset, e.g. 2026-07-15T08:30:00+08:00 "
                                                    "(a time without one could be any zone)")
    return moment.astimezone(timezone.utc)
