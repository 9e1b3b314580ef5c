"""Deterministic synthetic hourly weather for a coastal East-China site (demo park, tests, benchmarks).

Not a climatology: the numbers below are round values chosen to *look like* coastal East China near 32°N
(mild winters, hot humid summers, a monsoon wind reversal, a daytime sea breeze); none is taken from a cited
data set. Use observed station data for any real assessment.

Model (all random draws from one ``numpy.random.Generator(PCG64(seed))`` in a fixed order):

* Temperature: seasonal mean 16.5 °C + 12 °C cos(2π(doy − 205)/365) (coldest late January ≈ 4.5 °C, warmest late
  July ≈ 28.5 °C), a diurnal cosine peaking at 14:30 local mean solar time with amplitude 3.5 °C × (1 − 0.5 cloud),
  plus AR(1) weather noise (σ 1.5 °C, lag-1 0.98 per hour).
* Wind = synoptic vector + breeze vector. The synoptic vector is a seasonal prevailing wind of 2.5 m/s from
  340° (NNW, winter monsoon, mid-January) turning through ENE (spring/autumn) to 150° (SSE, summer monsoon,
  mid-July), plus Gaussian AR(1) fluctuations of each component (σ 2.0 m/s, lag-1 0.97 per hour, i.e. ~1.5 day
  memory), scaled by a diurnal factor (0.75 at night to 1.1 at 13 h: stable nights are calmer). The sum of a
  mean vector and Gaussian components gives Rice-distributed, Weibull-like speeds and, at night, calms < 1 m/s.
  The breeze is a sea breeze from 100° (the coast faces the sea to the east) between 09 and 19 h, up to 1.8 m/s
  × (1 − 0.6 cloud), stronger in the warm season; and a 0.6 m/s land breeze from 280° between 21 and 07 h.
  Speeds are capped at 10 m/s.
* Cloud: total cover = clip(μ + 0.35 z, 0, 1) with z AR(1) (lag-1 0.96 per hour) and μ from 0.55 (winter) to
  0.70 (summer, plum rains), rounded to whole tenths as observed. Low cloud = floor(total tenths × r) with r a
  persistent random share (so low ≤ total always).
* Ceiling: where total cover > 5/10, 300–2000 m if low cloud > 5/10, else 2500–6500 m; elsewhere no ceiling (inf).
* Pressure: 1013.25 hPa + 9 hPa cos(2π(doy − 15)/365) (winter high, summer low) + AR(1) noise (σ 4 hPa).

Times are hourly from ``start``; local times (diurnal and seasonal cycles) are local mean solar time at
``longitude``, which within China is within about an hour of the clock.
"""

from __future__ import annotations

import datetime as _dt

import numpy as np
import xarray as xr

from twin.constants import STANDARD_PRESSURE, ZERO_CELSIUS
from twin.errors import InputError

from .solar import local_mean_solar_time
from .weather import make_weather, to_utc_datetime64

__all__ = ["synthetic_weather"]

_CELSIUS_TO_KELVIN = ZERO_CELSIUS
_WINTER_WIND_FROM_DEG = 340.0
_SUMMER_WIND_FROM_DEG = 150.0  # turning clockwise from 340° through ENE to 150° (170° of turn)
_PREVAILING_SPEED = 2.5  # [m/s]
_SYNOPTIC_SIGMA = 2.0  # [m/s]
_SEA_BREEZE_FROM_DEG = 100.0
_LAND_BREEZE_FROM_DEG = 280.0
_MAX_SPEED = 10.0  # [m/s]


def _start_time(start, utc_offset_hours: float) -> np.datetime64:
    """UTC start; a string or datetime without an offset is read as local clock time at ``utc_offset_hours``."""
    where = "synthetic_weather"
    if isinstance(start, str):
        try:
            parsed = _dt.datetime.fromisoformat(start.strip())
        except ValueError:
            raise InputError.field(where, "start", start, "an ISO 8601 time, e.g. 2026-07-01T00:00+08:00") from None
        start = parsed
    if isinstance(start, _dt.datetime) and start.tzinfo is None:
        start = start.replace(tzinfo=_dt.timezone(_dt.timedelta(hours=utc_offset_hours)))
    return to_utc_datetime64(start, where=where, field="start")[()]


def _ar1(rng: np.random.Generator, n: int, lag1: float) -> np.ndarray:
    """Stationary AR(1) series with unit variance and lag-1 correlation ``lag1``."""
    shocks = rng.standard_normal(n)
    series = np.empty(n)
    series[0] = shocks[0]
    innovation = np.sqrt(1.0 - lag1 * lag1)
    for i in range(1, n):
        series[i] = lag1 * series[i - 1] + innovation * shocks[i]
    return series


def _vector_from(direction_from_deg, speed):
    """(u, v) components [m/s] of a wind of ``speed`` blowing FROM ``direction_from_deg``."""
    theta = np.radians(direction_from_deg)
    return -speed * np.sin(theta), -speed * np.cos(theta)


def synthetic_weather(start, hours: int, *, latitude: float, longitude: float, seed: int,
                      utc_offset_hours: float = 8) -> xr.Dataset:
    """Hourly synthetic Weather for a coastal East-China site, deterministic for a given ``seed``.

    Parameters
    ----------
    start : str, datetime or numpy.datetime64
        First hour. ISO strings and datetimes with an offset are exact; without one they are read as local clock
        time at ``utc_offset_hours``; datetime64 is UTC.
    hours : int
        Number of hourly steps (1 … 87 600).
    latitude, longitude : float
        Site position; used for local solar time (and to document the site). [deg]
    seed : int
        Seed of the PCG64 generator; the same seed gives the same weather.
    utc_offset_hours : float, default 8
        Offset for a ``start`` without one (China Standard Time, UTC+8). [h]

    Returns
    -------
    xarray.Dataset
        Weather with ``wind_speed``, ``wind_from_direction``, ``air_temperature``, ``cloud_area_fraction``,
        ``low_cloud_area_fraction``, ``ceiling_height`` and ``surface_air_pressure`` (see ``meteo.weather``).
    """
    where = "synthetic_weather"
    if isinstance(hours, bool) or not isinstance(hours, (int, np.integer)) or not 1 <= hours <= 87_600:
        raise InputError.field(where, "hours", hours, "an integer in [1, 87600]")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError.field(where, "seed", seed, "an integer >= 0")
    if not -90.0 <= float(latitude) <= 90.0:
        raise InputError.field(where, "latitude", latitude, "in [-90, 90] degrees")
    n = int(hours)
    time = _start_time(start, utc_offset_hours) + np.arange(n) * np.timedelta64(1, "h")
    hour, day_of_year, summer = _solar_calendar(time, longitude)
    noise = _random_draws(seed, n)

    total_tenths, low_tenths = _cloud_cover_tenths(summer, noise)
    cloud = total_tenths / 10.0  # cloud first: it damps the diurnal temperature range and the sea breeze
    speed, direction_from = _wind(hour, summer, cloud, noise)
    temperature = _temperature(hour, day_of_year, cloud, noise)
    # Ceiling (Turner needs it) and pressure.
    ceiling = np.where(total_tenths > 5,
                       np.where(low_tenths > 5, 300.0 + 1700.0 * noise["ceiling_draw"],
                                2500.0 + 4000.0 * noise["ceiling_draw"]),
                       np.inf)
    pressure = (STANDARD_PRESSURE + 900.0 * np.cos(2.0 * np.pi * (day_of_year - 15.0) / 365.0)
                + 400.0 * noise["pressure"])

    weather = make_weather(
        time=time,
        wind_speed=speed,
        wind_from_direction=direction_from,
        air_temperature=temperature,
        cloud_area_fraction=cloud,
        low_cloud_area_fraction=low_tenths / 10.0,
        ceiling_height=ceiling,
        surface_air_pressure=pressure,
    )
    weather.attrs.update({
        "source": f"ParkTwin meteo.synthetic_weather(seed={int(seed)})",
        "comment": "synthetic coastal East-China weather for demonstrations and tests, not observations",
        "site_latitude": float(latitude),
        "site_longitude": float(longitude),
    })
    return weather


def _solar_calendar(time: np.ndarray, longitude: float):
    """Hour of the day [h] and day of the year [day] in local mean solar time, and the season weight (0 … 1)."""
    solar = local_mean_solar_time(time, longitude)
    hour = (solar - solar.astype("datetime64[D]")).astype("timedelta64[s]").astype(np.float64) / 3600.0
    day_of_year = (solar - solar.astype("datetime64[Y]")).astype("timedelta64[s]").astype(np.float64) / 86400.0
    summer = 0.5 * (1.0 - np.cos(2.0 * np.pi * (day_of_year - 15.0) / 365.0))  # 0 mid-January … 1 mid-July
    return hour, day_of_year, summer


def _random_draws(seed: int, n: int) -> dict[str, np.ndarray]:
    """Every random series, drawn from one PCG64 generator in a fixed order (the order fixes the numbers)."""
    rng = np.random.Generator(np.random.PCG64(seed))
    return {
        "gust_u": _ar1(rng, n, 0.97),
        "gust_v": _ar1(rng, n, 0.97),
        "temperature": _ar1(rng, n, 0.98),
        "cloud": _ar1(rng, n, 0.96),
        "low_share": _ar1(rng, n, 0.95),
        "ceiling_draw": rng.uniform(size=n),
        "pressure": _ar1(rng, n, 0.99),
    }


def _cloud_cover_tenths(summer: np.ndarray, noise: dict) -> tuple[np.ndarray, np.ndarray]:
    """Total and low cloud cover [tenths], whole tenths as observed, low ≤ total (module docstring)."""
    total_fraction = np.clip(0.55 + 0.15 * summer + 0.35 * noise["cloud"], 0.0, 1.0)
    total_tenths = np.floor(10.0 * total_fraction + 0.5)
    low_share = np.clip(0.45 + 0.3 * noise["low_share"], 0.0, 1.0)
    return total_tenths, np.floor(total_tenths * low_share)


def _wind(hour: np.ndarray, summer: np.ndarray, cloud: np.ndarray, noise: dict) -> tuple[np.ndarray, np.ndarray]:
    """Wind speed [m/s] and direction it blows from [degree]: seasonal prevailing + persistent fluctuations,
    diurnally modulated, plus sea/land breeze; capped at 10 m/s (module docstring)."""
    prevailing_from = np.mod(_WINTER_WIND_FROM_DEG + summer * np.mod(
        _SUMMER_WIND_FROM_DEG - _WINTER_WIND_FROM_DEG, 360.0), 360.0)
    mean_u, mean_v = _vector_from(prevailing_from, _PREVAILING_SPEED)
    diurnal = 0.75 + 0.35 * np.maximum(0.0, np.sin(np.pi * (hour - 7.0) / 12.0))
    synoptic_u = diurnal * (mean_u + _SYNOPTIC_SIGMA * noise["gust_u"])
    synoptic_v = diurnal * (mean_v + _SYNOPTIC_SIGMA * noise["gust_v"])
    sea = np.where((hour > 9.0) & (hour < 19.0), np.sin(np.pi * (hour - 9.0) / 10.0), 0.0)
    sea_speed = 1.8 * sea * (1.0 - 0.6 * cloud) * (0.5 + 0.5 * summer)
    land_phase = np.mod(hour - 21.0, 24.0)
    land_speed = 0.6 * np.where(land_phase < 10.0, np.sin(np.pi * land_phase / 10.0), 0.0)
    sea_u, sea_v = _vector_from(_SEA_BREEZE_FROM_DEG, sea_speed)
    land_u, land_v = _vector_from(_LAND_BREEZE_FROM_DEG, land_speed)
    u = synoptic_u + sea_u + land_u
    v = synoptic_v + sea_v + land_v
    speed = np.hypot(u, v)
    scale = np.where(speed > _MAX_SPEED, _MAX_SPEED / np.maximum(speed, 1e-12), 1.0)
    speed = speed * scale
    direction_from = np.mod(np.degrees(np.arctan2(-u, -v)), 360.0)
    return speed, direction_from


def _temperature(hour: np.ndarray, day_of_year: np.ndarray, cloud: np.ndarray, noise: dict) -> np.ndarray:
    """Air temperature [K]: seasonal and diurnal cosines plus AR(1) noise (module docstring)."""
    seasonal_celsius = 16.5 + 12.0 * np.cos(2.0 * np.pi * (day_of_year - 205.0) / 365.0)
    diurnal_celsius = 3.5 * (1.0 - 0.5 * cloud) * np.cos(2.0 * np.pi * (hour - 14.5) / 24.0)
    return seasonal_celsius + diurnal_celsius + 1.5 * noise["temperature"] + _CELSIUS_TO_KELVIN  # °C → K, here
