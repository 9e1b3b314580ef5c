"""The tracer's inputs, read once at the boundary (µg/m³ → kg m-3 here, SI inside).

Monitors come from park.yaml's ``monitors:`` (:func:`monitors_from_park`) or a monitors CSV, and their series from
the observation files of ``twin.observations_io`` — one station CSV per monitor (``<id>.csv``, units in the header)
or a CF NetCDF of station time series (:func:`observed_from_dataset`) — or from the tracer's own observed CSV. The
two CSVs (docs/trace.md):

``monitors.csv`` — one row per monitor::

    id,x,y,height,detection_limit_ug_m3
    F01,621100.0,3585350.0,3.0,1.0

x, y in the park's CRS [m]; height of the inlet above ground [m]; detection limit [µg/m³] (optional column, default
given on the command line). Lines starting with ``#`` are comments.

``observed.csv`` — one row per hour, one column per monitor id (any subset of the monitors, any order)::

    time,F01,F02
    2025-07-01T00:00:00+08:00,12.5,<1
    2025-07-01T01:00:00+08:00,,>200

time: ISO 8601 with an explicit UTC offset (the hour the value stands for, as the weather's time stamps); values in
µg/m³: a number, empty or ``NA`` (missing), ``<X`` (below X: a detection limit), ``>X`` (above X: an exceedance
reported without its value). A number below the monitor's detection limit counts as ``<DL``. Hours must be
consecutive and unique.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import timezone
from pathlib import Path

import numpy as np

from dispersion.source_inversion import Observations
from meteo.weather import to_utc_datetime64
from twin.errors import InputError
from twin.inputs import record_input
from twin.textfiles import read_text

__all__ = ["Monitors", "ObservedSeries", "read_monitors_csv", "read_observed_csv", "write_monitors_csv",
           "write_observed_csv", "monitors_from_park", "observed_from_dataset", "is_tracer_csv", "UG_M3",
           "DEFAULT_INLET_HEIGHT"]

DEFAULT_INLET_HEIGHT = 3.0  # [m] inlet of a park.yaml monitor whose height is not stated (a fence-line sampler)

UG_M3 = 1e-9  # 1 µg/m³ in kg m-3: input and report unit, converted here


@dataclass(frozen=True)
class Monitors:
    """ids; x, y [m]; height above ground [m]; detection_limit [kg m-3]; all (M,)."""

    ids: tuple[str, ...]
    x: np.ndarray
    y: np.ndarray
    height: np.ndarray
    detection_limit: np.ndarray


@dataclass(frozen=True)
class ObservedSeries:
    """times (H,) datetime64[ns] UTC, hourly and consecutive; observations (H, M) in the monitors' order [kg m-3]."""

    times: np.ndarray
    observations: Observations


def _rows(path: Path, what: str) -> tuple[list[dict], list[int]]:
    """The rows of a CSV (comment and blank lines skipped) and each row's line number in the file."""
    text = read_text(path, f"{what} {path.name}")
    record_input(path)
    kept = [(number, line) for number, line in enumerate(io.StringIO(text, newline=""), start=1)
            if line.strip() and not line.lstrip().startswith("#")]
    try:
        rows = list(csv.DictReader(line for _, line in kept))
    except csv.Error as error:
        raise InputError(f"{path.name}: not a readable CSV ({error})") from None
    if not rows:
        raise InputError.field(path.name, "rows", 0, f"a header and at least one row ({what})")
    return rows, [number for number, _ in kept[1:]]


def _number(path: Path, line: int, column: str, text: str | None, allowed: str) -> float:
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise InputError(f"{path.name} line {line}: {column} must be {allowed}, got {text!r}") from None
    if not np.isfinite(value):
        raise InputError(f"{path.name} line {line}: {column} must be {allowed}, got {text!r}")
    return value


def read_monitors_csv(path: str | Path, *, default_detection_limit_ug_m3: float) -> Monitors:
    """The monitors of ``path`` (module docstring)."""
    path = Path(path)
    rows, numbers = _rows(path, "monitors")
    header = list(rows[0])
    for column in ("id", "x", "y", "height"):
        if column not in header:
            raise InputError.field(path.name, "header", header, "the columns id,x,y,height[,detection_limit_ug_m3]")
    ids, x, y, height, limit = [], [], [], [], []
    for line, row in zip(numbers, rows):
        name = (row["id"] or "").strip()
        if not name or name in ids:
            raise InputError(f"{path.name} line {line}: id must be a non-empty name not used before, got {name!r}")
        ids.append(name)
        x.append(_number(path, line, "x", row["x"], "an easting in the park CRS [m]"))
        y.append(_number(path, line, "y", row["y"], "a northing in the park CRS [m]"))
        h = _number(path, line, "height", row["height"], "the inlet height above ground >= 0 m")
        if h < 0:
            raise InputError(f"{path.name} line {line}: height must be >= 0 m above ground, got {h}")
        height.append(h)
        text = (row.get("detection_limit_ug_m3") or "").strip()
        dl = default_detection_limit_ug_m3 if not text else _number(path, line, "detection_limit_ug_m3", text,
                                                                     "> 0 µg/m³")
        if not dl > 0:
            raise InputError(f"{path.name} line {line}: detection_limit_ug_m3 must be > 0 µg/m³, got {dl}")
        limit.append(dl * UG_M3)  # µg/m³ → kg m-3 (SI inside)
    return Monitors(ids=tuple(ids), x=np.array(x), y=np.array(y), height=np.array(height),
                    detection_limit=np.array(limit))


def _cell(path: Path, line: int, column: str, text: str | None, limit: float) -> tuple[float, float]:
    """(lower, upper) [kg m-3] of one cell."""
    text = (text or "").strip()
    if text in ("", "NA", "NaN", "nan"):
        return np.nan, np.nan
    allowed = "a concentration >= 0 µg/m³, '<X', '>X', or empty/NA for missing"
    if text[0] in "<>":
        bound = _number(path, line, column, text[1:], allowed)
        if not bound > 0:
            raise InputError(f"{path.name} line {line}: {column} must be {allowed} with X > 0, got {text!r}")
        return (0.0, bound * UG_M3) if text[0] == "<" else (bound * UG_M3, np.inf)
    value = _number(path, line, column, text, allowed)
    if value < 0:
        raise InputError(f"{path.name} line {line}: {column} must be {allowed}, got {text!r}")
    value *= UG_M3  # µg/m³ → kg m-3 (SI inside)
    return (0.0, limit) if value < limit else (value, value)


def read_observed_csv(path: str | Path, monitors: Monitors) -> ObservedSeries:
    """The hourly series of ``path`` (module docstring) in the order of ``monitors``; a monitor without a column
    is missing throughout (and logged by the caller)."""
    path = Path(path)
    rows, numbers = _rows(path, "observed series")
    header = list(rows[0])
    if "time" not in header:
        raise InputError.field(path.name, "header", header, "a 'time' column and one column per monitor id")
    unknown = [c for c in header if c != "time" and c not in monitors.ids]
    if unknown:
        raise InputError.field(path.name, "header", unknown[0], f"'time' or a monitor id ({', '.join(monitors.ids)})")
    columns = [c for c in header if c != "time"]
    if not columns:
        raise InputError.field(path.name, "header", header, "at least one monitor column")
    times = np.array([to_utc_datetime64(row["time"], where=f"{path.name} line {line}", field="time")[()]
                      for line, row in zip(numbers, rows)]).astype("datetime64[ns]")
    steps = np.diff(times)
    if np.any(steps != np.timedelta64(1, "h")):
        bad = int(np.flatnonzero(steps != np.timedelta64(1, "h"))[0])
        raise InputError(f"{path.name} line {numbers[bad + 1]}: time must be one hour after the previous row (hourly, "
                         f"consecutive, no duplicates), got {rows[bad + 1]['time']!r} after {rows[bad]['time']!r}")
    lower = np.full((len(rows), len(monitors.ids)), np.nan)
    upper = np.full_like(lower, np.nan)
    for column in columns:
        m = monitors.ids.index(column)
        for k, (line, row) in enumerate(zip(numbers, rows)):
            lower[k, m], upper[k, m] = _cell(path, line, column, row[column], float(monitors.detection_limit[m]))
    return ObservedSeries(times=times, observations=Observations(lower=lower, upper=upper))


def write_monitors_csv(path: str | Path, ids, x, y, height, detection_limit_ug_m3=None) -> Path:
    """A monitors CSV that :func:`read_monitors_csv` reads (for twin experiments and examples)."""
    from twin.atomic import write_text_atomic

    lines = ["id,x,y,height" + (",detection_limit_ug_m3" if detection_limit_ug_m3 is not None else "")]
    for k, name in enumerate(ids):
        row = f"{name},{x[k]:.1f},{y[k]:.1f},{height[k]:g}"
        lines.append(row + (f",{np.broadcast_to(detection_limit_ug_m3, len(ids))[k]:g}"
                            if detection_limit_ug_m3 is not None else ""))
    return write_text_atomic(path, "\n".join(lines) + "\n")


def write_observed_csv(path: str | Path, times: np.ndarray, ids, observations: Observations,
                       utc_offset_hours: float) -> Path:
    """An observed CSV that :func:`read_observed_csv` reads: local times with their offset, µg/m³, ``<DL`` for the
    intervals (0, DL), ``>X`` for (X, inf), empty for missing."""
    from scenarios.common.times import local_zone
    from twin.atomic import write_text_atomic

    zone = local_zone(utc_offset_hours)
    lines = ["# unit: ug/m3 (hourly means); time: the hour's start, local time with its offset", "time," + ",".join(ids)]
    for h, t in enumerate(np.asarray(times).astype("datetime64[s]")):
        moment = t.astype(object).replace(tzinfo=timezone.utc).astimezone(zone)
        cells = []
        for m in range(len(ids)):
            lo, up = observations.lower[h, m], observations.upper[h, m]
            if np.isnan(lo):
                cells.append("")
            elif lo == up:
                cells.append(f"{lo / UG_M3:.6g}")
            elif lo == 0:
                cells.append(f"<{up / UG_M3:.6g}")
            else:
                cells.append(f">{lo / UG_M3:.6g}")
        lines.append(moment.isoformat() + "," + ",".join(cells))
    return write_text_atomic(path, "\n".join(lines) + "\n")


def monitors_from_park(park, *, default_detection_limit_ug_m3: float, where: str = "park.yaml") -> Monitors:
    """The park's ``monitors:`` as the tracer's monitors: an unstated inlet height is ``DEFAULT_INLET_HEIGHT``."""
    if not park.monitors:
        raise InputError.field(where, "monitors", [], "at least one monitor (or give --monitors CSV)")
    return Monitors(ids=tuple(m.id for m in park.monitors),
                    x=np.array([m.x for m in park.monitors], dtype=np.float64),
                    y=np.array([m.y for m in park.monitors], dtype=np.float64),
                    height=np.array([DEFAULT_INLET_HEIGHT if m.height is None else m.height for m in park.monitors],
                                    dtype=np.float64),
                    detection_limit=np.full(len(park.monitors), default_detection_limit_ug_m3 * UG_M3))


def is_tracer_csv(path: str | Path) -> bool:
    """True for the tracer's own observed CSV (a ``time`` column), False for a station CSV of
    ``twin.observations_io`` (``time_start``/``time_end`` or ``*_utc`` columns with units in the header)."""
    path = Path(path)
    if path.is_dir() or path.suffix.lower() != ".csv":
        return False
    lines = (line for line in read_text(path).splitlines() if line.strip() and not line.lstrip().startswith("#"))
    header = next(csv.reader(lines), [])
    return "time" in [h.strip() for h in header]


def observed_from_dataset(observations, monitors: Monitors, pollutant: str | None, where: str) -> ObservedSeries:
    """The tracer's series from a ``twin.observations`` dataset (station, time) [kg m-3]: the stations matched to
    the monitors by id, the substance ``pollutant`` (or the only one present), the hours from the first to the last
    observed one (missing hours NaN), values below a monitor's detection limit as '<DL'."""
    from twin.observations import observed_substances

    present = observed_substances(observations)
    if pollutant is None:
        if len(present) != 1:
            raise InputError.field(where, "--pollutant", None, f"one of the observed substances ({', '.join(present)})")
        pollutant = present[0]
    if pollutant not in present:
        raise InputError.field(where, "--pollutant", pollutant, f"an observed substance ({', '.join(present)})")
    stations = [str(s) for s in observations["station_id"].values]
    unknown = [s for s in stations if s not in monitors.ids]
    if unknown:
        raise InputError.field(where, "station", unknown[0], f"a monitor id ({', '.join(monitors.ids)})")
    times = observations["time"].values.astype("datetime64[ns]")
    if times.size == 0:
        raise InputError.field(where, "time", "no hours", "at least one observed hour")
    hours = np.arange(times.min(), times.max() + np.timedelta64(1, "h"), np.timedelta64(1, "h"))
    values = np.full((hours.size, len(monitors.ids)), np.nan)
    index = ((times - hours[0]) // np.timedelta64(1, "h")).astype(np.int64)
    data = np.asarray(observations[pollutant].transpose("time", "station").values, dtype=np.float64)
    for k, station in enumerate(stations):
        values[index, monitors.ids.index(station)] = data[:, k]
    limit = monitors.detection_limit[None, :]
    below = np.isfinite(values) & (values < limit)
    lower = np.where(below, 0.0, values)
    upper = np.where(below, np.broadcast_to(limit, values.shape), values)
    return ObservedSeries(times=hours.astype("datetime64[ns]"), observations=Observations(lower=lower, upper=upper))
