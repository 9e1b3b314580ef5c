"""Typhoon tracks: the CMA best-track text format, IBTrACS-style CSV, and a design track for planning.

Every reader returns the same track form, an ``xarray.Dataset`` on ``time`` (datetime64[ns], UTC)::

    latitude                  degrees_north   centre latitude
    longitude                 degrees_east    centre longitude
    central_pressure          Pa              minimum sea-level pressure at the centre (NaN where unknown)
    max_wind_speed            m s-1           maximum sustained 10 m wind, averaged over attribute
                                              ``averaging_period`` (seconds; CMA: 120). NaN where unknown
    radius_of_maximum_wind    m               NaN where the source does not give it
    translation_eastward      m s-1           velocity of the centre (centred differences along the track)
    translation_northward     m s-1

plus ``intensity_category`` (int8) for CMA tracks. Units are converted to SI here, once. ``complete_track`` turns a
track into what ``meteo.typhoon_wind.typhoon_wind_field`` needs (10-minute winds, R_max estimated where missing).

CMA format (CMA-STI Best Track Dataset, file CHYYYYBST.txt, described at typhoon.gov.cn/en/data/detail.php?id=44;
the header layout was read there, the data-line fields were read in the same page's sample lines and in a public
parser, MiniUFO's ``parseCMA``)::

    66666 BBBB  CCC DDDD EEEE F G NAME...              IIIIIIII      header: indicator, international number,
                                                                     number of data lines, serial number, Chinese
                                                                     number, end flag, record interval (h), name,
                                                                     date of the latest revision
    YYYYMMDDHH I LAT LON PRES WND [OWD]                               data: time (UTC), intensity category,
                                                                     latitude and longitude in 0.1 degree,
                                                                     pressure hPa, 2-minute mean max wind m/s

Fields are read by whitespace, not column position. Bad values raise ``InputError`` naming the file, line, column,
value and what is allowed.
"""

from __future__ import annotations

import csv
import math
import os
from pathlib import Path

import numpy as np
import xarray as xr

from twin.constants import EARTH_RADIUS  # mean Earth radius (GRS 80 R1), for the spherical track geometry [m]
from twin.errors import InputError, MissingInputError, Unshown
from twin.textfiles import read_text

from .typhoon import rmax_willoughby_2006
from .typhoon_wind import convert_to_10min_mean, gradient_to_surface_factor_mcconochie_2004

__all__ = [
    "CMA_INTENSITY_CATEGORIES",
    "EARTH_RADIUS",
    "IBTRACS_COLUMNS",
    "complete_track",
    "design_typhoon_track",
    "make_track",
    "read_cma_best_track",
    "read_ibtracs_csv",
]

# CMA intensity category codes in the best-track data lines (GB/T 19201-2006 grades; 9 = extratropical). Read in
# the project notes §4.4 and MiniUFO's parser; the code list on the CMA page itself was not read in full.
CMA_INTENSITY_CATEGORIES = {
    0: "weaker than tropical depression, or unknown",
    1: "tropical depression (TD)",
    2: "tropical storm (TS)",
    3: "severe tropical storm (STS)",
    4: "typhoon (TY)",
    5: "severe typhoon (STY)",
    6: "super typhoon (SuperTY)",
    9: "extratropical transition",
}

_CMA_FLAG_MEANINGS = ("below_tropical_depression_or_unknown tropical_depression tropical_storm severe_tropical_storm "
                      "typhoon severe_typhoon super_typhoon extratropical_transition")


_KNOT = 1852.0 / 3600.0  # [m/s] exact (international nautical mile per hour)
_NAUTICAL_MILE = 1852.0  # [m] exact

# IBTrACS-style CSV: the minimal column set read. ISO_TIME is UTC "YYYY-MM-DD HH:MM:SS"; the second line of an
# IBTrACS file holds units and is skipped when its ISO_TIME is blank. Pressure is taken from the first of the
# pressure columns that is not blank on each row; wind in knots (WMO_WIND: the reporting agency's averaging period,
# see WMO_AGENCY in the file); USA_RMW in nautical miles.
IBTRACS_COLUMNS = {
    "required": ("ISO_TIME", "LAT", "LON"),
    "pressure": ("WMO_PRES", "USA_PRES"),
    "wind": ("WMO_WIND", "USA_WIND"),
    "radius_of_maximum_wind": ("USA_RMW",),
    "storm": ("SID",),
}

_TRACK_ATTRS = {
    "latitude": {"standard_name": "latitude", "units": "degrees_north", "long_name": "cyclone centre latitude"},
    "longitude": {"standard_name": "longitude", "units": "degrees_east", "long_name": "cyclone centre longitude"},
    "central_pressure": {"units": "Pa", "long_name": "minimum sea-level pressure at the cyclone centre"},
    "max_wind_speed": {"units": "m s-1", "long_name": "maximum sustained 10 m wind speed"},
    "radius_of_maximum_wind": {"units": "m", "long_name": "radius of maximum wind"},
    "translation_eastward": {"units": "m s-1", "long_name": "eastward velocity of the cyclone centre"},
    "translation_northward": {"units": "m s-1", "long_name": "northward velocity of the cyclone centre"},
}


def _translation_velocity(time: np.ndarray, latitude: np.ndarray, longitude: np.ndarray):
    """Centre velocity by centred differences (one-sided at the ends) on a sphere of radius EARTH_RADIUS. [m/s]"""
    n = time.size
    if n < 2:
        return np.zeros(n), np.zeros(n)
    seconds = (time - time[0]).astype("timedelta64[ns]").astype(np.float64) * 1e-9
    lat = np.radians(latitude)
    lon = np.unwrap(np.radians(longitude))
    east = np.gradient(lon, seconds) * EARTH_RADIUS * np.cos(lat)
    north = np.gradient(lat, seconds) * EARTH_RADIUS
    return east, north


def make_track(time, latitude, longitude, central_pressure, max_wind_speed=None, radius_of_maximum_wind=None,
               *, averaging_period=600, attrs=None, where="track") -> xr.Dataset:
    """Build a track Dataset (the form described in the module docstring) from SI arrays.

    Parameters
    ----------
    time : array_like of datetime64
        UTC times, strictly increasing.
    latitude, longitude : array_like
        Centre position. [degree]
    central_pressure : array_like
        [Pa]
    max_wind_speed : array_like, optional
        Maximum sustained 10 m wind averaged over ``averaging_period``. [m/s]
    radius_of_maximum_wind : array_like, optional
        [m]
    averaging_period : int, default 600
        Averaging period of ``max_wind_speed``. [s]
    attrs : dict, optional
        Global attributes (source, storm name, ...).
    where : str
        Names the track in error messages.

    Returns
    -------
    xarray.Dataset
    """
    t = np.asarray(time, dtype="datetime64[ns]")
    n = t.size
    if n == 0:
        raise InputError.field(where, "time", "[]", "at least one track point")
    if n > 1 and not np.all(np.diff(t) > np.timedelta64(0, "ns")):
        raise InputError.field(where, "time", str(t), "strictly increasing")

    def column(values, name):
        if values is None:
            return np.full(n, np.nan)
        out = np.asarray(values, dtype=np.float64).reshape(-1)
        if out.size != n:
            raise InputError.field(where, name, f"{out.size} values", f"{n} values, one per time")
        return out

    lat = column(latitude, "latitude")
    lon = column(longitude, "longitude")
    if not np.all((lat >= -90) & (lat <= 90)):
        raise InputError.field(where, "latitude", lat.tolist(), "in [-90, 90] degree")
    east, north = _translation_velocity(t, lat, lon)
    data = {
        "latitude": lat,
        "longitude": lon,
        "central_pressure": column(central_pressure, "central_pressure"),
        "max_wind_speed": column(max_wind_speed, "max_wind_speed"),
        "radius_of_maximum_wind": column(radius_of_maximum_wind, "radius_of_maximum_wind"),
        "translation_eastward": east,
        "translation_northward": north,
    }
    ds = xr.Dataset({k: ("time", v, dict(_TRACK_ATTRS[k])) for k, v in data.items()}, coords={"time": t})
    ds["max_wind_speed"].attrs["averaging_period"] = int(averaging_period)
    ds.attrs.update(attrs or {})
    return ds


def _read_lines(path) -> tuple[str, list[str]]:
    path = os.fspath(path)
    if not Path(path).is_file():
        raise MissingInputError(f"typhoon track {path!r}: file not found")
    return path, read_text(path, f"typhoon track {path!r}").splitlines()


_CMA_FIELDS = (  # name, allowed text, check on the integer value
    ("time YYYYMMDDHH", "a UTC time YYYYMMDDHH", None),
    ("intensity category I", f"one of {list(CMA_INTENSITY_CATEGORIES)}", lambda v: v in CMA_INTENSITY_CATEGORIES),
    ("latitude LAT (0.1 degree N)", "an integer in [0, 900]", lambda v: 0 <= v <= 900),
    ("longitude LON (0.1 degree E)", "an integer in [0, 3600]", lambda v: 0 <= v <= 3600),
    ("pressure PRES (hPa)", "an integer in [850, 1100]", lambda v: 850 <= v <= 1100),
    ("wind WND (2-min mean, m/s)", "an integer in [0, 120]", lambda v: 0 <= v <= 120),
)


def _parse_cma_time(text: str) -> np.datetime64:
    if len(text) != 10 or not text.isdigit():
        raise ValueError(text)
    month, day, hour = int(text[4:6]), int(text[6:8]), int(text[8:10])
    if not (1 <= month <= 12 and 1 <= day <= 31 and 0 <= hour <= 23):
        raise ValueError(text)
    return np.datetime64(f"{text[:4]}-{text[4:6]}-{text[6:8]}T{text[8:10]}:00", "ns")


def _storm_labels(storms) -> list[str]:
    """'international/serial name' of each storm in a CMA file, for error messages."""
    return [f"{h[1]}/{h[3]}" + (f" {h[7]}" if len(h) > 7 else "") for _, h, _ in storms]


def read_cma_best_track(path, storm=None) -> xr.Dataset:
    """Read one storm from a CMA tropical-cyclone best-track file (CHYYYYBST.txt format).

    Parameters
    ----------
    path : str or path-like
        The text file.
    storm : str, optional
        International number (e.g. "0601"), serial number, China number or name of the storm; needed when the file
        holds more than one storm ("0000", an unassigned number, selects nothing).

    Returns
    -------
    xarray.Dataset
        Track on ``time`` with ``max_wind_speed`` the CMA 2-minute mean (attribute ``averaging_period`` = 120 s;
        convert with ``meteo.typhoon_wind.convert_to_10min_mean``), ``intensity_category`` and the header fields as
        attributes.
    """
    path, lines = _read_lines(path)
    storms = _cma_storms(path, lines)
    header_line, header, records = _choose_cma_storm(path, storms, storm)
    where_header = f"{path} line {header_line}"
    try:
        expected = int(header[2])
    except ValueError:
        raise InputError.field(where_header, "column 3 CCC (number of data lines)", header[2], "an integer") from None
    if expected != len(records):
        raise InputError.field(where_header, "column 3 CCC (number of data lines)", expected,
                               f"the number of data lines that follow ({len(records)})")
    values = _cma_values(path, records)

    time_name, cat_name, lat_name, lon_name, pres_name, wind_name = (f[0] for f in _CMA_FIELDS)
    attrs = {
        "source": f"CMA best track {os.path.basename(path)}",
        "international_number": header[1],
        "serial_number": header[3],
        "china_number": header[4],
        "storm_name": header[7] if len(header) > 7 else "",
    }
    track = make_track(
        values[time_name],
        np.asarray(values[lat_name]) / 10.0,  # 0.1 degree -> degree
        np.asarray(values[lon_name]) / 10.0,
        np.asarray(values[pres_name], dtype=np.float64) * 100.0,  # hPa -> Pa
        np.asarray(values[wind_name], dtype=np.float64),  # already m/s (2-minute mean)
        averaging_period=120,
        attrs=attrs,
        where=where_header,
    )
    track["intensity_category"] = ("time", np.asarray(values[cat_name], dtype=np.int8),
                                   {"long_name": "CMA intensity category",
                                    "flag_values": np.array(list(CMA_INTENSITY_CATEGORIES), dtype=np.int8),
                                    "flag_meanings": _CMA_FLAG_MEANINGS})
    return track


def _cma_storms(path: str, lines: list[str]) -> list:
    """The storms of a CMA file: (header line number, header fields, [(line number, tokens) of its data lines])."""
    storms = []
    for number, line in enumerate(lines, start=1):
        tokens = line.split()
        if not tokens:
            continue
        if tokens[0] == "66666":
            if len(tokens) < 7:
                raise InputError.field(f"{path} line {number}", "header", line,
                                       "'66666 BBBB CCC DDDD EEEE F G NAME DATE' (at least 7 fields)")
            storms.append((number, tokens, []))
        elif not storms:
            raise InputError.field(f"{path} line {number}", "first record", Unshown(line), "a '66666' header line")
        else:
            storms[-1][2].append((number, tokens))
    if not storms:
        raise InputError.field(path, "content", "no '66666' header line", "at least one storm")
    return storms


def _choose_cma_storm(path: str, storms: list, storm):
    """The storm named ``storm`` (international, serial or China number, or name); the only one if None."""
    def names(header):
        return {header[1], header[3], header[4], header[7] if len(header) > 7 else ""} - {"", "0000"}

    if storm is None:
        if len(storms) > 1:
            raise InputError.field(path, "storm", None, f"one of the storms in the file: {_storm_labels(storms)}")
        return storms[0]
    matches = [s for s in storms if str(storm) in names(s[1])]
    if not matches:
        raise InputError.field(path, "storm", storm, f"one of {_storm_labels(storms)}")
    return matches[0]


def _cma_values(path: str, records: list) -> dict[str, list]:
    """The data lines' six columns, checked against ``_CMA_FIELDS`` (in CMA units: 0.1 degree, hPa, m/s)."""
    values = {name: [] for name, _, _ in _CMA_FIELDS}
    for number, tokens in records:
        where = f"{path} line {number}"
        if len(tokens) < 6:
            raise InputError.field(where, "data line", " ".join(tokens),
                                   "'YYYYMMDDHH I LAT LON PRES WND' (6 fields)")
        for column, (name, allowed, check) in enumerate(_CMA_FIELDS):
            text = tokens[column]
            try:
                value = _parse_cma_time(text) if check is None else int(text)
            except ValueError:
                raise InputError.field(where, f"column {column + 1} {name}", text, allowed) from None
            if check is not None and not check(value):
                raise InputError.field(where, f"column {column + 1} {name}", text, allowed)
            values[name].append(value)
    return values


def read_ibtracs_csv(path, storm=None) -> xr.Dataset:
    """Read one storm from an IBTrACS-style CSV (columns in ``IBTRACS_COLUMNS``).

    Parameters
    ----------
    path : str or path-like
        The CSV file (header row; an IBTrACS units row is skipped).
    storm : str, optional
        SID of the storm; needed when the file holds more than one.

    Returns
    -------
    xarray.Dataset
        Track on ``time``; ``max_wind_speed`` converted from knots, ``averaging_period`` left at 0 ("agency
        dependent": IBTrACS WMO_WIND keeps the reporting agency's period, e.g. CMA 2 min, JMA 10 min).
    """
    path, lines = _read_lines(path)
    index, rows = _ibtracs_rows(path, lines)
    sids = sorted({row[index["SID"]] for _, row in rows}) if "SID" in index else []
    if storm is None and len(sids) > 1:
        raise InputError.field(path, "storm", None, f"one of the SIDs in the file: {sids}")
    if storm is not None:
        if str(storm) not in sids:
            raise InputError.field(path, "storm", storm, f"one of {sids}")
        rows = [(n, r) for n, r in rows if r[index["SID"]] == str(storm)]

    time, lat, lon, pres, wind, rmw = [], [], [], [], [], []
    for number, row in rows:
        where = f"{path} line {number}"
        text = row[index["ISO_TIME"]]
        try:
            time.append(np.datetime64(text.replace(" ", "T"), "ns"))
        except ValueError:
            raise InputError.field(where, "column ISO_TIME", text, "a UTC time 'YYYY-MM-DD HH:MM:SS'") from None
        for column, low, high, out in (("LAT", -90, 90, lat), ("LON", -180, 360, lon)):
            value = _ibtracs_number(where, column, row[index[column]], low, high, "degree")
            if math.isnan(value):
                raise InputError.field(where, f"column {column}", "", f"a number in [{low}, {high}] degree")
            out.append(value)
        pres.append(_ibtracs_first(where, row, index, IBTRACS_COLUMNS["pressure"], 850, 1100, "hPa")
                    * 100.0)  # hPa -> Pa
        wind.append(_ibtracs_first(where, row, index, IBTRACS_COLUMNS["wind"], 0, 250, "kt") * _KNOT)  # kt -> m/s
        rmw.append(_ibtracs_first(where, row, index, IBTRACS_COLUMNS["radius_of_maximum_wind"], 1, 500, "nmile")
                   * _NAUTICAL_MILE)  # nautical mile -> m
    if not time:
        raise InputError.field(path, "data rows", 0, "at least one track point")
    attrs = {"source": f"IBTrACS-style CSV {os.path.basename(path)}", "storm_id": sids[0] if len(sids) == 1 else
             str(storm or "")}
    return make_track(time, lat, lon, pres, wind, rmw, averaging_period=0, attrs=attrs, where=path)


def _ibtracs_rows(path: str, lines: list[str]) -> tuple[dict[str, int], list]:
    """Column index by header name, and the (line number, cells) of the data rows (blank and units rows skipped)."""
    reader = csv.reader(lines)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise InputError.field(path, "header", "empty file", "a header row naming the columns") from None
    missing = [c for c in IBTRACS_COLUMNS["required"] if c not in header]
    if missing:
        raise InputError.field(f"{path} line 1", "header", Unshown(header), f"a row with the columns {missing}")
    index = {name: header.index(name) for name in header}
    rows = []
    for number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        row = [cell.strip() for cell in row] + [""] * (len(header) - len(row))
        if number == 2 and not row[index["ISO_TIME"]]:
            continue  # IBTrACS units row
        rows.append((number, row))
    return index, rows


def _ibtracs_number(where: str, column: str, text: str, low, high, unit: str) -> float:
    """``text`` as a number in [low, high] ``unit``; NaN when blank."""
    if text == "":
        return math.nan
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (low <= value <= high):
        raise InputError.field(where, f"column {column}", text, f"a number in [{low}, {high}] {unit} or blank")
    return value


def _ibtracs_first(where: str, row: list[str], index: dict[str, int], columns, low, high, unit: str) -> float:
    """The first non-blank of ``columns`` present in the file (agencies in IBTRACS_COLUMNS order); NaN if none."""
    for column in columns:
        if column in index:
            value = _ibtracs_number(where, column, row[index[column]], low, high, unit)
            if not math.isnan(value):
                return value
    return math.nan


def design_typhoon_track(landfall_lon, landfall_lat, heading_deg, forward_speed, central_pressure, rmax,
                         start_hours_before, end_hours_after, step, *, landfall_time="2000-01-01T00:00",
                         max_wind_speed=None) -> xr.Dataset:
    """A straight design track at constant speed and intensity through a landfall point.

    The centre moves along the great circle through the landfall point with initial bearing ``heading_deg``
    (spherical direct problem on a sphere of radius ``EARTH_RADIUS``)::

        φ(t) = asin( sin φ0 cos δ + cos φ0 sin δ cos θ ),   δ = v t / R
        λ(t) = λ0 + atan2( sin θ sin δ cos φ0, cos δ − sin φ0 sin φ(t) )

    Intensity is held constant (no filling after landfall: a conservative planning choice).

    Parameters
    ----------
    landfall_lon, landfall_lat : float
        Landfall point. [degree]
    heading_deg : float
        Direction of motion, clockwise from north. [degree]
    forward_speed : float
        Translation speed, > 0. [m/s]
    central_pressure : float
        [Pa]
    rmax : float
        Radius of maximum wind, > 0. [m]
    start_hours_before, end_hours_after : float
        Track span around landfall, ≥ 0. [h]
    step : float
        Time step, > 0. [h]
    landfall_time : str or datetime64, default "2000-01-01T00:00"
        UTC time of landfall.
    max_wind_speed : float, optional
        10-minute mean maximum 10 m wind. [m/s]

    Returns
    -------
    xarray.Dataset
        Track (module docstring form), landfall at ``time == landfall_time``.
    """
    where = "design typhoon"
    checks = (("forward_speed", forward_speed, "m/s"), ("rmax", rmax, "m"), ("step", step, "h"),
              ("central_pressure", central_pressure, "Pa"))
    for name, value, unit in checks:
        if not (np.isfinite(float(value)) and float(value) > 0):
            raise InputError.field(where, name, value, f"> 0 {unit}")
    for name, value in (("start_hours_before", start_hours_before), ("end_hours_after", end_hours_after)):
        if not (np.isfinite(float(value)) and float(value) >= 0):
            raise InputError.field(where, name, value, ">= 0 h")
    if not -90 < float(landfall_lat) < 90:
        raise InputError.field(where, "landfall_lat", landfall_lat, "in (-90, 90) degree")
    try:
        t0 = np.datetime64(landfall_time, "ns")
    except ValueError:
        raise InputError.field(where, "landfall_time", landfall_time, "an ISO 8601 UTC time") from None
    n_before = int(math.floor(float(start_hours_before) / float(step) + 1e-9))
    n_after = int(math.floor(float(end_hours_after) / float(step) + 1e-9))
    hours = np.arange(-n_before, n_after + 1) * float(step)
    seconds = hours * 3600.0
    delta = float(forward_speed) * seconds / EARTH_RADIUS  # signed angular distance
    lat0, lon0, theta = (math.radians(float(v)) for v in (landfall_lat, landfall_lon, heading_deg))
    lat = np.arcsin(math.sin(lat0) * np.cos(delta) + math.cos(lat0) * np.sin(delta) * math.cos(theta))
    lon = lon0 + np.arctan2(math.sin(theta) * np.sin(delta) * math.cos(lat0),
                            np.cos(delta) - math.sin(lat0) * np.sin(lat))
    time = t0 + np.round(seconds * 1e9).astype("timedelta64[ns]")
    n = hours.size
    return make_track(
        time, np.degrees(lat), np.degrees(lon), np.full(n, float(central_pressure)),
        None if max_wind_speed is None else np.full(n, float(max_wind_speed)), np.full(n, float(rmax)),
        averaging_period=600,
        attrs={"source": "design typhoon (straight track, constant intensity)",
               "landfall_time": str(t0.astype("datetime64[s]")) + "Z",
               "landfall_longitude": float(landfall_lon), "landfall_latitude": float(landfall_lat)},
        where=where,
    )


def complete_track(track: xr.Dataset, *, exposure="at_sea", averaging_period=None) -> xr.Dataset:
    """Make a track ready for ``typhoon_wind_field``: 10-minute winds and a radius of maximum wind everywhere.

    1. ``max_wind_speed`` is converted to a 10-minute mean with ``convert_to_10min_mean`` from its
       ``averaging_period`` attribute (CMA: 120 s). IBTrACS tracks carry 0 ("agency dependent"): pass
       ``averaging_period`` explicitly.
    2. Missing ``radius_of_maximum_wind`` is estimated by Willoughby et al. (2006) Eq. 7a
       (``rmax_willoughby_2006``) from the gradient-level maximum wind V_s / K(V_g), K the McConochie et al.
       (2004) surface factor, and the latitude. The attribute ``source`` of the variable says which points were
       estimated.

    Parameters
    ----------
    track : xarray.Dataset
        A track as returned by the readers.
    exposure : str, default "at_sea"
        Key of ``AVERAGING_FACTORS_TO_10MIN``.
    averaging_period : int, optional
        Averaging period of ``max_wind_speed``, overriding the attribute. [s]

    Returns
    -------
    xarray.Dataset
        A new track; ``max_wind_speed`` has ``averaging_period`` = 600.
    """
    out = track.copy(deep=True)
    period = averaging_period if averaging_period is not None else out.max_wind_speed.attrs.get("averaging_period")
    wind = np.asarray(convert_to_10min_mean(np.nan_to_num(out.max_wind_speed.values, nan=0.0), period, exposure),
                      dtype=np.float64)
    wind = np.where(np.isnan(out.max_wind_speed.values), np.nan, wind)
    out["max_wind_speed"].values = wind
    out["max_wind_speed"].attrs["averaging_period"] = 600
    rmax = out.radius_of_maximum_wind.values.copy()
    missing = np.isnan(rmax) & np.isfinite(wind) & (wind > 0)
    if missing.any():
        gradient = wind[missing] / 0.8
        for _ in range(20):  # V_g = V_s / K(V_g): fixed point, K varies slowly with V_g
            gradient = wind[missing] / np.asarray(gradient_to_surface_factor_mcconochie_2004(gradient))
        rmax[missing] = rmax_willoughby_2006(gradient, out.latitude.values[missing])
        out["radius_of_maximum_wind"].values = rmax
        out["radius_of_maximum_wind"].attrs["source"] = (
            f"{int(missing.sum())} of {rmax.size} points estimated by Willoughby et al. (2006) Eq. 7a")
    return out
