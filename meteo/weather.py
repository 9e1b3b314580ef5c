"""The Weather data model: an ``xarray.Dataset`` on dimension ``time`` (datetime64[ns], UTC) with CF names.

Required variables (all on ``time``)::

    wind_speed                   m s-1    10 m, 10-minute or hourly mean (attribute ``height`` = 10.0 m)
    wind_from_direction          degree   meteorological: direction the wind blows FROM, 0 = north, clockwise
    air_temperature              K
    cloud_area_fraction          1        total cloud, 0..1
    low_cloud_area_fraction      1        low cloud, 0..1, ≤ total

Optional::

    ceiling_height                        m   base of the lowest layer covering > half the sky; inf = none
    atmosphere_boundary_layer_thickness   m   mixing height; NaN = not known (``prepare_dispersion_met`` fills it)
    surface_air_pressure                  Pa

``prepare_dispersion_met`` adds what the dispersion layer reads: ``solar_elevation_angle``, ``stability_class``
(int8 codes 0..5, CF flags), ``stability_label``, ``model_wind_speed`` and ``calm_flag``.
"""

from __future__ import annotations

import datetime as _dt
from typing import Literal

import numpy as np
import xarray as xr

from twin.errors import InputError, MeteoCoverageError

from .checks import float_array
from .profiles import (
    GB3840_MIXING_HEIGHT_REGIONS,
    ISC3_WIND_PROFILE_EXPONENTS,
    STEADY_STATE_CALM_THRESHOLD,
    apply_calm_threshold,
    mixing_height_gb3840,
)
from .solar import solar_elevation_gb3840
from .stability import CLASS_LABELS, stability_gb3840, stability_turner, turner_is_daytime

__all__ = [
    "OPTIONAL_VARIABLES",
    "REQUIRED_VARIABLES",
    "WEATHER_VARIABLE_ATTRS",
    "make_weather",
    "prepare_dispersion_met",
    "select_period",
    "to_utc_datetime64",
    "validate_weather",
]

WIND_MEASUREMENT_HEIGHT = 10.0  # [m]

WEATHER_VARIABLE_ATTRS = {
    "wind_speed": {"standard_name": "wind_speed", "units": "m s-1", "height": WIND_MEASUREMENT_HEIGHT,
                   "long_name": "wind speed at 10 m above ground"},
    "wind_from_direction": {"standard_name": "wind_from_direction", "units": "degree",
                            "long_name": "direction the wind blows from, clockwise from north, at 10 m"},
    "air_temperature": {"standard_name": "air_temperature", "units": "K", "long_name": "near-surface air temperature"},
    "cloud_area_fraction": {"standard_name": "cloud_area_fraction", "units": "1", "long_name": "total cloud cover"},
    "low_cloud_area_fraction": {"standard_name": "low_type_cloud_area_fraction", "units": "1",
                                "long_name": "low cloud cover"},
    "ceiling_height": {"units": "m",
                       "long_name": "ceiling: base of the lowest cloud layer covering more than half the sky, above "
                                    "ground (inf where there is none)"},
    "atmosphere_boundary_layer_thickness": {"standard_name": "atmosphere_boundary_layer_thickness", "units": "m",
                                            "long_name": "mixing height"},
    "surface_air_pressure": {"standard_name": "surface_air_pressure", "units": "Pa", "long_name": "station pressure"},
}
REQUIRED_VARIABLES = ("wind_speed", "wind_from_direction", "air_temperature", "cloud_area_fraction",
                      "low_cloud_area_fraction")
OPTIONAL_VARIABLES = ("ceiling_height", "atmosphere_boundary_layer_thickness", "surface_air_pressure")

# name: (lower, upper, allowed text, allow NaN, allow inf). Plausibility bounds for surface observations.
_RANGES = {
    "wind_speed": (0.0, 100.0, "in [0, 100] m s-1", False, False),
    "wind_from_direction": (0.0, 360.0, "in [0, 360] degree", False, False),
    "air_temperature": (173.15, 343.15, "in [173.15, 343.15] K (−100 … 70 °C)", False, False),
    "cloud_area_fraction": (0.0, 1.0, "in [0, 1]", False, False),
    "low_cloud_area_fraction": (0.0, 1.0, "in [0, 1]", False, False),
    "ceiling_height": (0.0, None, ">= 0 m, or inf for no ceiling", False, True),
    "atmosphere_boundary_layer_thickness": (1.0, 10000.0, "in [1, 10000] m, or NaN where unknown", True, False),
    "surface_air_pressure": (50000.0, 110000.0, "in [50000, 110000] Pa", False, False),
}
MAX_TIME_STEP = np.timedelta64(1, "h")  # hourly or finer


def _iso(time) -> str:
    return f"{np.datetime_as_string(np.datetime64(time, 'ns'), unit='m')}Z"


def to_utc_datetime64(value, *, where: str = "time", field: str = "time") -> np.ndarray:
    """Times as datetime64[ns] in UTC.

    Accepts numpy datetime64 values (taken as UTC, ParkTwin's convention), timezone-aware ``datetime`` objects and
    ISO 8601 strings **with** an offset or ``Z`` (``"2026-07-01T08:00+08:00"``), alone or in a sequence. A string or
    ``datetime`` without an offset raises InputError: local clock times are never guessed.
    """
    array = np.asarray(value)
    if np.issubdtype(array.dtype, np.datetime64):
        return array.astype("datetime64[ns]")
    flat = array.ravel()
    out = np.empty(flat.shape, dtype="datetime64[ns]")
    for i, item in enumerate(flat):
        label = field if array.ndim == 0 else f"{field}[{i}]"
        if isinstance(item, np.datetime64):
            out[i] = item.astype("datetime64[ns]")
            continue
        if isinstance(item, str):
            text = item
            try:
                item = _dt.datetime.fromisoformat(text.strip())
            except ValueError:
                item = None
            if item is None or item.utcoffset() is None:
                raise InputError.field(where, label, text,
                                       "an ISO 8601 time with a UTC offset, e.g. 2026-07-01T08:00+08:00")
        if not isinstance(item, _dt.datetime) or item.utcoffset() is None:
            raise InputError.field(where, label, str(item),
                                   "a datetime64 in UTC, a timezone-aware datetime or an ISO 8601 time with an offset")
        utc = item.astimezone(_dt.timezone.utc).replace(tzinfo=None)
        out[i] = np.datetime64(utc, "ns")
    return out.reshape(array.shape)


def make_weather(time, wind_speed, wind_from_direction, air_temperature, cloud_area_fraction,
                 low_cloud_area_fraction, **optional) -> xr.Dataset:
    """Build and validate a Weather dataset from arrays in SI units.

    Parameters
    ----------
    time : array_like
        Observation times (see ``to_utc_datetime64``), strictly increasing, at most one hour apart.
    wind_speed : array_like
        10 m wind speed. [m/s]
    wind_from_direction : array_like
        Direction the wind blows from, clockwise from north. [deg]
    air_temperature : array_like
        Air temperature. [K]
    cloud_area_fraction, low_cloud_area_fraction : array_like
        Total and low cloud cover. [1, 0..1]
    **optional
        ``ceiling_height`` [m], ``atmosphere_boundary_layer_thickness`` [m], ``surface_air_pressure`` [Pa].
    """
    where = "make_weather"
    unknown = sorted(set(optional) - set(OPTIONAL_VARIABLES))
    if unknown:
        raise InputError.field(where, "optional variable", unknown[0], f"one of {list(OPTIONAL_VARIABLES)}")
    times = np.atleast_1d(to_utc_datetime64(time, where=where))
    values = {
        "wind_speed": wind_speed,
        "wind_from_direction": wind_from_direction,
        "air_temperature": air_temperature,
        "cloud_area_fraction": cloud_area_fraction,
        "low_cloud_area_fraction": low_cloud_area_fraction,
    } | optional
    data_vars = {}
    for name, value in values.items():
        array = np.atleast_1d(float_array(value, where=where, field=name))
        if array.shape != times.shape:
            raise InputError.field(where, f"{name} length", array.shape,
                                   f"one value per time, shape {times.shape}")
        data_vars[name] = ("time", array, dict(WEATHER_VARIABLE_ATTRS[name]))
    dataset = xr.Dataset(data_vars, coords={"time": ("time", times, {"standard_name": "time", "axis": "T",
                                                                      "long_name": "time (UTC)"})})
    return validate_weather(dataset, where)


def validate_weather(ds: xr.Dataset, where: str = "weather") -> xr.Dataset:
    """Check a Weather dataset and return it unchanged; raise InputError naming variable, time and value.

    Checks: required variables present, on ``time`` only, with the expected ``units``; times datetime64, strictly
    increasing and at most one hour apart; values within plausible ranges, no NaN (except the mixing height, where
    NaN means unknown); low cloud ≤ total cloud.
    """
    if not isinstance(ds, xr.Dataset):
        raise InputError.field(where, "weather", type(ds).__name__, "an xarray.Dataset")
    missing = [name for name in REQUIRED_VARIABLES if name not in ds.data_vars]
    if missing:
        raise InputError.field(where, "variables", sorted(ds.data_vars),
                               f"to include {list(REQUIRED_VARIABLES)}; missing {missing}")
    if "time" not in ds.coords or not np.issubdtype(ds["time"].dtype, np.datetime64):
        raise InputError.field(where, "time", "absent" if "time" not in ds.coords else str(ds["time"].dtype),
                               "a datetime64 coordinate (UTC)")
    times = ds["time"].values.astype("datetime64[ns]")
    if times.size == 0:
        raise InputError.field(where, "time", "[]", "at least one time")
    steps = np.diff(times)
    if steps.size:
        bad = np.flatnonzero((steps <= np.timedelta64(0, "ns")) | (steps > MAX_TIME_STEP))
        if bad.size:
            i = int(bad[0]) + 1
            raise InputError.field(where, f"time[{i}]", _iso(times[i]),
                                   f"strictly after time[{i - 1}] = {_iso(times[i - 1])} and at most 1 h later "
                                   "(hourly or finer, unique)")

    for name in (*REQUIRED_VARIABLES, *(n for n in OPTIONAL_VARIABLES if n in ds.data_vars)):
        variable = ds[name]
        if variable.dims != ("time",):
            raise InputError.field(where, f"{name} dimensions", variable.dims, "('time',)")
        expected_units = WEATHER_VARIABLE_ATTRS[name]["units"]
        if variable.attrs.get("units") != expected_units:
            raise InputError.field(where, f"{name} units", variable.attrs.get("units"), repr(expected_units))
        values = np.asarray(variable.values, dtype=np.float64)
        lower, upper, allowed, allow_nan, allow_inf = _RANGES[name]
        bad = np.flatnonzero(_out_of_range(values, lower, upper, allow_nan, allow_inf))
        if bad.size:
            i = int(bad[0])
            raise InputError.field(where, f"{name} at {_iso(times[i])} (index {i})", float(values[i]), allowed)

    total = ds["cloud_area_fraction"].values
    low = ds["low_cloud_area_fraction"].values
    above = np.flatnonzero(low > total + 1e-9)
    if above.size:
        i = int(above[0])
        raise InputError.field(where, f"low_cloud_area_fraction at {_iso(times[i])} (index {i})", float(low[i]),
                               f"<= cloud_area_fraction ({float(total[i])})")
    return ds


def _out_of_range(values, lower, upper, allow_nan, allow_inf) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        bad = np.isnan(values) if not allow_nan else np.zeros(values.shape, dtype=bool)
        if not allow_inf:
            bad |= np.isinf(values)
        if lower is not None:
            bad |= values < lower
        if upper is not None:
            bad |= values > upper
    return bad


def prepare_dispersion_met(
    weather: xr.Dataset,
    *,
    latitude: float,
    longitude: float,
    stability_method: Literal["gb3840", "turner"],
    land_use: Literal["rural", "urban"],
    mixing_height_region: int = 5,
) -> xr.Dataset:
    """A copy of ``weather`` with the derived variables a steady-state dispersion model reads.

    Parameters
    ----------
    weather : xarray.Dataset
        Weather (see module docstring); validated first.
    latitude, longitude : float
        Site position (WGS84). [deg]
    stability_method : {"gb3840", "turner"}
        ``stability_gb3840`` (uses total and low cloud) or ``stability_turner`` (uses total cloud and
        ``ceiling_height``, which must then be present).
    land_use : {"rural", "urban"}
        Recorded as the dataset attribute ``land_use`` for the dispersion layer (wind-profile exponents and
        dispersion curves are chosen by it there).
    mixing_height_region : int, default 5
        GB/T 3840-91 region for the default mixing height; 5 = East-China coastal provinces (the demo park).

    Returns
    -------
    xarray.Dataset
        The input variables plus ``solar_elevation_angle`` [degree], ``stability_class`` (int8 0..5, CF flags),
        ``stability_label`` (GB labels incl. A~B, B~C, C~D; plain letters for Turner), ``model_wind_speed``
        [m s-1] (calms reset to 1 m/s, EPA-454/R-99-005 §6.9), ``calm_flag`` (int8 0/1) and
        ``atmosphere_boundary_layer_thickness`` [m], where user values are kept and missing ones (absent
        variable or NaN) are filled by ``mixing_height_gb3840`` from the stability code and the calm-reset wind
        (so a calm hour never yields a zero-thickness layer).
    """
    where = "prepare_dispersion_met"
    validate_weather(weather, where)
    _check_met_options(stability_method, land_use, mixing_height_region, where)

    times = weather["time"].values
    wind = weather["wind_speed"].values
    elevation = np.asarray(solar_elevation_gb3840(times, latitude, longitude), dtype=np.float64)
    codes, labels, method_reference = _stability_classes(weather, elevation, stability_method, latitude, longitude,
                                                         where)
    model_wind, calm = apply_calm_threshold(wind)
    default_mixing = np.atleast_1d(mixing_height_gb3840(codes, model_wind, latitude, mixing_height_region))

    out = weather.copy()
    out["solar_elevation_angle"] = ("time", elevation, {
        "standard_name": "solar_elevation_angle", "units": "degree",
        "comment": "GB/T 3840-91 Appendix B Eq. B1 (no equation of time, no refraction)"})
    out["stability_class"] = ("time", codes, {
        "long_name": "Pasquill-Gifford stability class", "flag_values": np.arange(6, dtype=np.int8),
        "flag_meanings": " ".join(CLASS_LABELS), "method": stability_method, "references": method_reference})
    out["stability_label"] = ("time", labels, {
        "long_name": "stability class as labelled by the method (GB/T 3840-91 intermediate classes kept)"})
    out["model_wind_speed"] = ("time", np.atleast_1d(model_wind), {
        "standard_name": "wind_speed", "units": "m s-1", "height": WIND_MEASUREMENT_HEIGHT,
        "long_name": "10 m wind speed for steady-state models",
        "comment": f"speeds below {STEADY_STATE_CALM_THRESHOLD} m/s reset to {STEADY_STATE_CALM_THRESHOLD} m/s "
                   "(EPA-454/R-99-005 section 6.9); raw value in wind_speed"})
    out["calm_flag"] = ("time", np.atleast_1d(calm), {
        "long_name": "calm hour (wind below the steady-state threshold, reset)",
        "flag_values": np.array([0, 1], dtype=np.int8), "flag_meanings": "not_calm calm"})
    out["atmosphere_boundary_layer_thickness"] = _mixing_height_variable(weather, default_mixing, mixing_height_region)
    out.attrs.update({"land_use": land_use, "site_latitude": float(latitude), "site_longitude": float(longitude)})
    return out


def _check_met_options(stability_method, land_use, mixing_height_region, where: str) -> None:
    """The choices of ``prepare_dispersion_met``: a known stability method, land use and GB/T 3840-91 region."""
    if stability_method not in ("gb3840", "turner"):
        raise InputError.field(where, "stability_method", stability_method, "one of ['gb3840', 'turner']")
    if land_use not in ISC3_WIND_PROFILE_EXPONENTS:
        raise InputError.field(where, "land_use", land_use, f"one of {list(ISC3_WIND_PROFILE_EXPONENTS)}")
    if mixing_height_region not in GB3840_MIXING_HEIGHT_REGIONS:
        raise InputError.field(where, "mixing_height_region", mixing_height_region,
                               f"one of {list(GB3840_MIXING_HEIGHT_REGIONS)}")


def _stability_classes(weather: xr.Dataset, elevation: np.ndarray, stability_method: str, latitude: float,
                       longitude: float, where: str) -> tuple[np.ndarray, np.ndarray, str]:
    """Stability codes (int8 0..5), labels and the method's reference, by GB/T 3840-91 or Turner (1964).

    ``elevation`` is the solar elevation angle [degree]; cloud cover is converted from CF fractions to the tables'
    tenths of sky here, once.
    """
    times = weather["time"].values
    wind = weather["wind_speed"].values
    total_tenths = 10.0 * weather["cloud_area_fraction"].values  # CF fraction → tenths of sky, the tables' unit
    low_tenths = 10.0 * weather["low_cloud_area_fraction"].values
    if stability_method == "gb3840":
        codes, labels = stability_gb3840(wind, elevation, total_tenths, np.minimum(low_tenths, total_tenths))
        method_reference = "GB/T 3840-91 Appendix B, Tables B1 and B2 (A~B→B, B~C→C, C~D→D)"
    else:
        if "ceiling_height" not in weather.data_vars:
            raise InputError.field(where, "ceiling_height", "absent",
                                   "present for stability_method 'turner' (inf where there is no ceiling)")
        daytime = turner_is_daytime(times, latitude, longitude)
        codes = stability_turner(wind, elevation, total_tenths, weather["ceiling_height"].values, daytime)
        labels = np.asarray(list(CLASS_LABELS))[codes]
        method_reference = "Turner (1964), EPA-454/R-99-005 section 6.4.1, Tables 6-4 to 6-6 (G merged into F)"
    return np.atleast_1d(codes).astype(np.int8), np.atleast_1d(labels).astype(str), method_reference


def _mixing_height_variable(weather: xr.Dataset, default_mixing: np.ndarray, mixing_height_region: int) -> tuple:
    """``atmosphere_boundary_layer_thickness`` [m]: the user's values, NaN or absent ones from ``default_mixing``."""
    if "atmosphere_boundary_layer_thickness" in weather.data_vars:
        given = weather["atmosphere_boundary_layer_thickness"].values
        mixing = np.where(np.isnan(given), default_mixing, given)
        filled = int(np.isnan(given).sum())
    else:
        mixing, filled = default_mixing, default_mixing.size
    attrs = dict(WEATHER_VARIABLE_ATTRS["atmosphere_boundary_layer_thickness"])
    attrs["comment"] = (f"{filled} of {mixing.size} values filled by GB/T 3840-91 mixing-layer formula, region "
                        f"{mixing_height_region}, from stability_class and model_wind_speed; others as given")
    return ("time", mixing, attrs)


def select_period(ds: xr.Dataset, start, end, *, where: str = "weather",
                  error: type[MeteoCoverageError] = MeteoCoverageError) -> xr.Dataset:
    """The part of ``ds`` from ``start`` to ``end`` (both inclusive); MeteoCoverageError if not covered.

    Parameters
    ----------
    ds : xarray.Dataset
        Weather on ``time``.
    start, end
        Period bounds (datetime64 in UTC, aware ``datetime`` or ISO 8601 with offset).
    where : str
        What the weather is (a file name), used as the prefix of messages.
    error : MeteoCoverageError or a subclass
        What a shortfall raises: MeteoCoverageError (exit 75, retry later) for a forecast not yet published,
        :class:`twin.errors.WeatherFileCoverageError` (exit 65) for a file that will not grow (station CSV, AERMET).

    Raises
    ------
    MeteoCoverageError
        ``error``, if the period starts before the first or ends after the last time of ``ds``, or if the weather
        has a gap longer than one hour inside it. The message names the requested and the available ranges.
    """
    start64 = to_utc_datetime64(start, where=where, field="start")[()]
    end64 = to_utc_datetime64(end, where=where, field="end")[()]
    if end64 < start64:
        raise InputError.field(where, "end", _iso(end64), f"not before start {_iso(start64)}")
    times = ds["time"].values.astype("datetime64[ns]")
    requested = f"requested {_iso(start64)} to {_iso(end64)}"
    if times.size == 0:
        raise error(f"{where}: weather covers no time at all; {requested}")
    available = f"available {_iso(times[0])} to {_iso(times[-1])}"
    if start64 < times[0] or end64 > times[-1]:
        raise error(f"{where}: weather does not cover the period; {requested}, {available}")
    selected = ds.sel(time=slice(start64, end64))
    inside = selected["time"].values.astype("datetime64[ns]")
    edges = np.concatenate([[start64], inside, [end64]])
    gaps = np.flatnonzero(np.diff(edges) > MAX_TIME_STEP)
    if gaps.size:
        i = int(gaps[0])
        raise error(f"{where}: weather has a gap from {_iso(edges[i])} to {_iso(edges[i + 1])} "
                                 f"(more than 1 h); {requested}, {available}")
    return selected
