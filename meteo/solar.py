"""Solar declination and elevation after GB/T 3840-91 Appendix B, written for UTC input.

GB/T 3840-91 (制定地方大气污染物排放标准的技术方法) Appendix B classifies stability from the solar elevation
angle, which it computes from latitude, longitude and **Beijing time** with a Fourier series for the declination
and no equation-of-time term (Eq. B1):

    h0 = arcsin[ sin φ sin δ + cos φ cos δ cos(15 t + λ − 300) ]        (angles in degrees, t Beijing time in hours)

    δ  = [0.006918 − 0.39912 cos θ0 + 0.070257 sin θ0 − 0.006758 cos 2θ0
          + 0.000907 sin 2θ0 − 0.002697 cos 3θ0 + 0.001480 sin 3θ0] · 180/π,   θ0 = 360 d_n / 365 (degrees)

with d_n the day number in the year, 0, 1, 2, …, 364. Beijing time is UTC+8, so
15 t_BJ + λ − 300 = 15 t_UTC + λ − 180 = 15 (t_LMST − 12), the hour angle from local mean solar time
t_LMST = t_UTC + λ/15. Writing the formula for UTC input therefore reproduces the standard exactly for every
longitude and every offset the user's files were written in.

Sources (secondary copies of the standard's text, read through the search tool): the Appendix B summary at
http://biz.doczj.com/doc/2813192176.html and https://360docs.net/doc/5516883465.html; the same equations in a
university lecture (hezhiquan.com, Yan'an University) and in the VB code of Artoko/myrisk
(`RiskSystem/Safety/泄漏和扩散模型/tools.vb`). All print the cos θ0 coefficient as **0.39912**, whereas Spencer
(1971), from whom the series comes, and NOAA's "General Solar Position Calculations" use 0.399912. We follow the
standard's text; the two differ in δ by at most 0.045°.
"""

from __future__ import annotations

import numpy as np

from .checks import as_utc_datetime64, check_range, float_array

__all__ = [
    "GB3840_DECLINATION_COEFFICIENTS",
    "local_mean_solar_time",
    "solar_declination_gb3840",
    "solar_elevation_gb3840",
]

# GB/T 3840-91 Appendix B, declination series (coefficients of 1, cos θ, sin θ, cos 2θ, sin 2θ, cos 3θ, sin 3θ;
# result in radians). 0.39912 as printed in the standard's text (Spencer 1971 has 0.399912, see module docstring).
GB3840_DECLINATION_COEFFICIENTS = (0.006918, -0.39912, 0.070257, -0.006758, 0.000907, -0.002697, 0.001480)

_NANOSECONDS_PER_HOUR = 3_600_000_000_000
_NANOSECONDS_PER_DAY = 24 * _NANOSECONDS_PER_HOUR


def solar_declination_gb3840(day_of_year):
    """Solar declination from the Fourier series of GB/T 3840-91 Appendix B.

    Parameters
    ----------
    day_of_year : array_like
        The standard's day number d_n, **zero-based**: 0 on 1 January, 1 on 2 January, …, 364 (365 on
        31 December of a leap year). Fractional values are accepted. [day]

    Returns
    -------
    numpy.ndarray or float
        Solar declination δ, positive north. [deg]

    Notes
    -----
    δ = (180/π) Σ (a_k cos kθ0 + b_k sin kθ0), k = 0…3, θ0 = 2π d_n / 365 **in radians** (the standard writes
    θ0 = 360 d_n/365 in degrees; feeding degrees to a radian cosine is the classic bug in copies of this formula).
    Coefficients: ``GB3840_DECLINATION_COEFFICIENTS`` (GB/T 3840-91 Appendix B, Eq. B1 and the formula below it).

    References
    ----------
    GB/T 3840-91, Appendix B (B1); Spencer, J. W. (1971), Fourier series representation of the position of the
    sun, Search 2(5), 172.
    """
    where = "solar_declination_gb3840"
    day = float_array(day_of_year, where=where, field="day_of_year")
    check_range(day, where=where, field="day_of_year", allowed="in [0, 366) (zero-based day number d_n)",
                lower=0.0, upper=366.0, upper_inclusive=False)
    theta = 2.0 * np.pi * day / 365.0  # radians
    a0, a1, b1, a2, b2, a3, b3 = GB3840_DECLINATION_COEFFICIENTS
    declination = (
        a0
        + a1 * np.cos(theta) + b1 * np.sin(theta)
        + a2 * np.cos(2.0 * theta) + b2 * np.sin(2.0 * theta)
        + a3 * np.cos(3.0 * theta) + b3 * np.sin(3.0 * theta)
    )
    result = np.degrees(declination)
    return result if result.ndim else float(result)


def local_mean_solar_time(time_utc, longitude):
    """Local mean solar time of ``time_utc`` at ``longitude``: t_UTC + λ/15 h, as datetime64[ns].

    Parameters
    ----------
    time_utc : array_like of datetime64
        Instants in UTC.
    longitude : float
        Longitude, positive east. [deg]
    """
    where = "local_mean_solar_time"
    times = as_utc_datetime64(time_utc, where=where)
    lon = float_array(longitude, where=where, field="longitude")
    check_range(lon, where=where, field="longitude", allowed="in [-180, 180] degrees", lower=-180.0, upper=180.0)
    shift = np.rint(lon * _NANOSECONDS_PER_HOUR / 15.0).astype(np.int64)  # λ/15 hours, in ns
    return times + shift.astype("timedelta64[ns]")


def solar_elevation_gb3840(time_utc, latitude, longitude):
    """Solar elevation angle by GB/T 3840-91 Appendix B (Eq. B1), for times given in UTC.

    Parameters
    ----------
    time_utc : array_like of datetime64
        Observation instants in UTC (datetime64 values carry no zone; ParkTwin keeps them in UTC).
    latitude : float or array_like
        Latitude φ, positive north. [deg]
    longitude : float or array_like
        Longitude λ, positive east. [deg]

    Returns
    -------
    numpy.ndarray or float
        Solar elevation h0 above the horizon (negative below it), no refraction. [deg]

    Notes
    -----
    sin h0 = sin φ sin δ + cos φ cos δ cos ω with the hour angle ω = 15 (t_LMST − 12) degrees, where
    t_LMST = t_UTC + λ/15 h is local mean solar time. This equals the standard's cos(15 t + λ − 300) with t in
    Beijing time (UTC+8) for every longitude, so the result does not depend on the offset a file was written in.
    The declination δ uses d_n of the **local mean solar date** (zero-based); at λ = 120°E that is the Beijing
    date, which the standard uses. Elsewhere the date changes at local mean midnight instead of Beijing midnight,
    which matters only when the sun is far below the horizon. Like the standard, no equation-of-time term: the
    elevation differs from NOAA/Spencer's formula (which has one) by up to about 4° in mid-morning or
    mid-afternoon (see tests/meteo/test_solar.py for the measured maximum).

    References
    ----------
    GB/T 3840-91, Appendix B, Eq. (B1).
    """
    where = "solar_elevation_gb3840"
    lat = float_array(latitude, where=where, field="latitude")
    check_range(lat, where=where, field="latitude", allowed="in [-90, 90] degrees", lower=-90.0, upper=90.0)
    lmst = local_mean_solar_time(time_utc, longitude)

    ns = lmst.astype(np.int64)  # nanoseconds since 1970-01-01T00:00 (local mean solar clock)
    years = lmst.astype("datetime64[Y]")
    day_number = (lmst.astype("datetime64[D]") - years.astype("datetime64[D]")).astype(np.int64)
    hours = np.mod(ns, _NANOSECONDS_PER_DAY) / _NANOSECONDS_PER_HOUR

    declination = np.radians(solar_declination_gb3840(day_number.astype(np.float64)))
    hour_angle = np.radians(15.0 * (hours - 12.0))
    phi = np.radians(lat)
    sine = np.sin(phi) * np.sin(declination) + np.cos(phi) * np.cos(declination) * np.cos(hour_angle)
    elevation = np.degrees(np.arcsin(np.clip(sine, -1.0, 1.0)))
    return elevation if np.ndim(elevation) else float(elevation)
