"""Typhoon radial profiles (Holland 1980, Holland et al. 2010) and estimates of their parameters.

One function per published model, named after its source (docs/architecture.md). SI inside: Pa, m, m/s, s; degrees only for
latitude. The 10 m wind field built from these profiles is in ``meteo.typhoon_wind``; tracks in
``meteo.typhoon_tracks``.

Sources and what was read (see each docstring):

* Holland, G. J. (1980): An analytic model of the wind and pressure profiles in hurricanes. Mon. Wea. Rev. 108,
  1212–1218. Eq. 2 (pressure), Eq. 3 (gradient wind) and Eq. 4 (cyclostrophic wind) as numbered and reproduced
  on the ADCIRC wiki page "Generalized Asymmetric Holland Model"; with A = R_max^B and B = ρ e V_max² / Δp (same
  page, unnumbered). The paper itself was not read.
* Holland, G. J., J. I. Belanger and A. Fritz (2010): A revised model for radial profiles of hurricane winds.
  Mon. Wea. Rev. 138, 4393–4401. The profile v = v_m [(R_m/r)^b_s exp(1 − (R_m/r)^b_s)]^x with x = 0.5 inside
  R_m and x linear in r outside: form read in two public implementations (Delft Dashboard ``holland2010_v02.m``
  and a Python port of it) and the project notes, not in the paper; **equation numbers not verified**.
* Holland, G. J. (2008): A revised hurricane pressure–wind model. Mon. Wea. Rev. 136, 3432–3445: the surface b_s
  estimate, as coded in Delft Dashboard ``holland2010_v02.m``; **equation number not verified**.
* Willoughby, H. E., R. W. R. Darling and M. E. Rahn (2006): Parametric representation of the primary hurricane
  vortex. Part II. Mon. Wea. Rev. 134, 1102–1120, **Eq. 7a** (R_max from V_max and latitude), as documented by the
  R package ``stormwindmodel`` (function ``will7a``); the paper itself was not read.
"""

from __future__ import annotations

import math

import numpy as np

from twin.errors import InputError

from .checks import finite_array, float_if_scalar, positive_array
from .profiles import EARTH_ANGULAR_VELOCITY

__all__ = [
    "AIR_DENSITY_HOLLAND_1980",
    "coriolis_parameter",
    "holland_1980",
    "holland_1980_pressure",
    "holland_2008_bs",
    "holland_2010",
    "holland_2010_xn",
    "holland_b_from_vmax",
    "holland_vmax_cyclostrophic",
    "rmax_willoughby_2006",
]

# Air density used by Holland (1980) for the gradient level; the same 1.15 kg m-3 is the default of public Holland
# implementations (hurricane_tools ``holland80``, CLIMADA, Delft Dashboard). [kg m-3]
AIR_DENSITY_HOLLAND_1980 = 1.15


_RATIO_CAP = 700.0  # (R_m/r)^B beyond this gives exp(-700) ~ 1e-304: the profile is 0 to double precision


def _ratio_power(r: np.ndarray, rmax, b) -> np.ndarray:
    """(R_m / r)^B, capped so that r -> 0 gives a zero profile instead of inf * 0."""
    with np.errstate(divide="ignore", over="ignore"):
        ratio = np.where(r > 0, (rmax / np.where(r > 0, r, 1.0)) ** b, _RATIO_CAP)
    return np.minimum(ratio, _RATIO_CAP)


def coriolis_parameter(latitude):
    """Coriolis parameter f = 2 Ω sin φ.

    Parameters
    ----------
    latitude : array_like
        Latitude. [degree]

    Returns
    -------
    float or numpy.ndarray
        Coriolis parameter, positive in the Northern Hemisphere. [s-1]
    """
    lat = finite_array(latitude, "latitude", "coriolis_parameter")
    return float_if_scalar(2.0 * EARTH_ANGULAR_VELOCITY * np.sin(np.radians(lat)))


def holland_1980(radius, pressure_deficit, rmax, b, air_density=AIR_DENSITY_HOLLAND_1980, coriolis=0.0):
    """Gradient wind speed of the Holland (1980) vortex.

    Holland (1980) Eq. 3 with A = R_max^B::

        V_g(r) = sqrt( (B Δp / ρ) (R_m/r)^B exp(−(R_m/r)^B) + (r f / 2)² ) − r |f| / 2

    With f = 0 this is Eq. 4 (cyclostrophic wind), whose maximum sits exactly at r = R_m and equals
    ``holland_vmax_cyclostrophic`` = sqrt(B Δp / (ρ e)). |f| is used so the speed is the same in both hemispheres;
    the sense of rotation is set in ``typhoon_wind_field``.

    Parameters
    ----------
    radius : array_like
        Distance from the cyclone centre. [m]
    pressure_deficit : float
        Δp = environmental pressure − central pressure, > 0. [Pa]
    rmax : float
        Radius of maximum wind R_m, > 0. [m]
    b : float
        Holland shape parameter B, > 0 (typically 1.0–2.5 at gradient level). [1]
    air_density : float, default 1.15
        ρ. [kg m-3]
    coriolis : float, default 0.0
        Coriolis parameter f (see ``coriolis_parameter``). [s-1]

    Returns
    -------
    float or numpy.ndarray
        Gradient wind speed, ≥ 0; 0 at the centre. [m/s]
    """
    where = "holland_1980"
    r = finite_array(radius, "radius", where)
    if np.any(r < 0):
        raise InputError.field(where, "radius", float(r[r < 0].ravel()[0]), ">= 0 m")
    dp = positive_array(pressure_deficit, "pressure_deficit", where, "Pa")
    rm = positive_array(rmax, "rmax", where, "m")
    bb = positive_array(b, "b", where, "")
    rho = positive_array(air_density, "air_density", where, "kg m-3")
    f = np.abs(finite_array(coriolis, "coriolis", where))
    ratio_b = _ratio_power(r, rm, bb)
    term = bb * dp / rho * ratio_b * np.exp(-ratio_b)
    half_rf = 0.5 * r * f
    speed = np.sqrt(term + half_rf**2) - half_rf
    return float_if_scalar(np.maximum(speed, 0.0))


def holland_1980_pressure(radius, central_pressure, pressure_deficit, rmax, b):
    """Surface pressure of the Holland (1980) vortex, Eq. 2 with A = R_max^B::

        p(r) = p_c + Δp exp(−(R_m / r)^B)

    Parameters
    ----------
    radius : array_like
        Distance from the centre. [m]
    central_pressure : float
        p_c. [Pa]
    pressure_deficit : float
        Δp = p_n − p_c, > 0. [Pa]
    rmax : float
        R_m, > 0. [m]
    b : float
        B, > 0. [1]

    Returns
    -------
    float or numpy.ndarray
        Pressure, p_c at the centre rising to p_c + Δp far away. [Pa]
    """
    where = "holland_1980_pressure"
    r = finite_array(radius, "radius", where)
    pc = positive_array(central_pressure, "central_pressure", where, "Pa")
    dp = positive_array(pressure_deficit, "pressure_deficit", where, "Pa")
    rm = positive_array(rmax, "rmax", where, "m")
    bb = positive_array(b, "b", where, "")
    return float_if_scalar(pc + dp * np.exp(-_ratio_power(r, rm, bb)))


def holland_vmax_cyclostrophic(pressure_deficit, b, air_density=AIR_DENSITY_HOLLAND_1980):
    """Maximum cyclostrophic wind of the Holland (1980) vortex, V_m = sqrt(B Δp / (ρ e)).

    Follows from Holland (1980) Eq. 4 at r = R_m; B = ρ e V_m² / Δp is its inverse (``holland_b_from_vmax``).

    Parameters
    ----------
    pressure_deficit : array_like
        Δp. [Pa]
    b : array_like
        B. [1]
    air_density : float, default 1.15
        ρ. [kg m-3]

    Returns
    -------
    float or numpy.ndarray
        V_m. [m/s]
    """
    where = "holland_vmax_cyclostrophic"
    dp = positive_array(pressure_deficit, "pressure_deficit", where, "Pa")
    bb = positive_array(b, "b", where, "")
    rho = positive_array(air_density, "air_density", where, "kg m-3")
    return float_if_scalar(np.sqrt(bb * dp / (rho * math.e)))


def holland_b_from_vmax(max_wind_speed, pressure_deficit, air_density=AIR_DENSITY_HOLLAND_1980):
    """Holland (1980) shape parameter from the maximum wind: B = ρ e V_m² / Δp.

    V_m must be the gradient-level (or cyclostrophic) maximum wind: divide a surface best-track wind by the
    gradient-to-surface factor first.

    Parameters
    ----------
    max_wind_speed : array_like
        V_m. [m/s]
    pressure_deficit : array_like
        Δp. [Pa]
    air_density : float, default 1.15
        ρ. [kg m-3]

    Returns
    -------
    float or numpy.ndarray
        B. [1]
    """
    where = "holland_b_from_vmax"
    vm = positive_array(max_wind_speed, "max_wind_speed", where, "m/s")
    dp = positive_array(pressure_deficit, "pressure_deficit", where, "Pa")
    rho = positive_array(air_density, "air_density", where, "kg m-3")
    return float_if_scalar(rho * math.e * vm**2 / dp)


def holland_2008_bs(pressure_deficit, latitude, translation_speed, pressure_tendency=0.0):
    """Surface shape parameter b_s of Holland (2008), as coded in Delft Dashboard (equation number not verified)::

        b_s = −4.4e-5 Δp² + 0.01 Δp + 0.03 ∂p_c/∂t − 0.014 |φ| + 0.15 v_t^x + 1.0,   x = 0.6 (1 − Δp / 215)

    with Δp in hPa, ∂p_c/∂t in hPa/h, v_t in m/s (the empirical fit's own units; converted here from SI).

    Parameters
    ----------
    pressure_deficit : array_like
        Δp. [Pa]
    latitude : array_like
        φ. [degree]
    translation_speed : array_like
        Forward speed of the centre v_t, ≥ 0. [m/s]
    pressure_tendency : array_like, default 0.0
        ∂p_c/∂t. [Pa/s]

    Returns
    -------
    float or numpy.ndarray
        b_s. [1]
    """
    where = "holland_2008_bs"
    dp_hpa = positive_array(pressure_deficit, "pressure_deficit", where, "Pa") / 100.0  # Pa -> hPa for the fit
    lat = finite_array(latitude, "latitude", where)
    vt = finite_array(translation_speed, "translation_speed", where)
    if np.any(vt < 0):
        raise InputError.field(where, "translation_speed", float(vt[vt < 0].ravel()[0]), ">= 0 m/s")
    dpdt = finite_array(pressure_tendency, "pressure_tendency", where) * 3600.0 / 100.0  # Pa/s -> hPa/h
    x = 0.6 * (1.0 - dp_hpa / 215.0)
    bs = -4.4e-5 * dp_hpa**2 + 0.01 * dp_hpa + 0.03 * dpdt - 0.014 * np.abs(lat) + 0.15 * vt**x + 1.0
    return float_if_scalar(bs)


def holland_2010(radius, max_wind_speed, rmax, bs, xn=0.5, rn=None):
    """Surface wind profile of Holland, Belanger & Fritz (2010)::

        v(r) = v_m [ (R_m/r)^b_s exp(1 − (R_m/r)^b_s) ]^x
        x = 0.5                                          for r ≤ R_m
        x = 0.5 + (r − R_m)(x_n − 0.5)/(r_n − R_m)        for r > R_m

    With x_n = 0.5 (the default) the profile is the Holland (1980) cyclostrophic profile scaled to v_m.
    ``holland_2010_xn`` fits x_n to one outer wind observation v_n at r_n.

    Parameters
    ----------
    radius : array_like
        Distance from the centre, ≥ 0. [m]
    max_wind_speed : float
        v_m, the maximum (surface) wind. [m/s]
    rmax : float
        R_m. [m]
    bs : float
        b_s, > 0. [1]
    xn : float, default 0.5
        Exponent at r_n. [1]
    rn : float, optional
        Radius where x = x_n, > R_m; needed only when x_n ≠ 0.5. [m]

    Returns
    -------
    float or numpy.ndarray
        Wind speed, ≥ 0, with its maximum v_m at R_m. [m/s]
    """
    where = "holland_2010"
    r = finite_array(radius, "radius", where)
    if np.any(r < 0):
        raise InputError.field(where, "radius", float(r[r < 0].ravel()[0]), ">= 0 m")
    vm = positive_array(max_wind_speed, "max_wind_speed", where, "m/s")
    rm = positive_array(rmax, "rmax", where, "m")
    b = positive_array(bs, "bs", where, "")
    xn = float(finite_array(xn, "xn", where))
    if xn == 0.5:
        x = np.full_like(r, 0.5)
    else:
        if rn is None or not float(rn) > float(rm):
            raise InputError.field(where, "rn", rn, f"a radius > rmax = {float(rm)} m when xn != 0.5")
        x = np.where(r <= rm, 0.5, 0.5 + (r - rm) * (xn - 0.5) / (float(rn) - rm))
    ratio_b = _ratio_power(r, rm, b)
    core = ratio_b * np.exp(1.0 - ratio_b)
    return float_if_scalar(vm * core**x)


def holland_2010_xn(max_wind_speed, rmax, bs, outer_wind_speed, outer_radius):
    """Exponent x_n that makes the Holland et al. (2010) profile pass through (r_n, v_n).

    Solves v_n = v_m [ (R_m/r_n)^b_s exp(1 − (R_m/r_n)^b_s) ]^{x_n} for x_n (x(r_n) = x_n by construction).

    Parameters
    ----------
    max_wind_speed : float
        v_m. [m/s]
    rmax : float
        R_m. [m]
    bs : float
        b_s. [1]
    outer_wind_speed : float
        v_n, 0 < v_n < v_m. [m/s]
    outer_radius : float
        r_n > R_m. [m]

    Returns
    -------
    float
        x_n. [1]
    """
    where = "holland_2010_xn"
    vm = float(positive_array(max_wind_speed, "max_wind_speed", where, "m/s"))
    rm = float(positive_array(rmax, "rmax", where, "m"))
    b = float(positive_array(bs, "bs", where, ""))
    vn = float(positive_array(outer_wind_speed, "outer_wind_speed", where, "m/s"))
    rn = float(positive_array(outer_radius, "outer_radius", where, "m"))
    if vn >= vm:
        raise InputError.field(where, "outer_wind_speed", vn, f"< max_wind_speed = {vm} m/s")
    if rn <= rm:
        raise InputError.field(where, "outer_radius", rn, f"> rmax = {rm} m")
    ratio_b = (rm / rn) ** b
    return math.log(vn / vm) / (b * math.log(rm / rn) + 1.0 - ratio_b)


def rmax_willoughby_2006(max_wind_speed, latitude):
    """Radius of maximum wind from Willoughby, Darling & Rahn (2006) Eq. 7a::

        R_m [km] = 46.4 exp(−0.0155 V_m + 0.0169 |φ|)

    V_m is the gradient-level maximum wind [m/s] (the fit's units), so divide a surface wind by the
    gradient-to-surface factor first.

    Parameters
    ----------
    max_wind_speed : array_like
        Gradient-level maximum wind V_m. [m/s]
    latitude : array_like
        φ. [degree]

    Returns
    -------
    float or numpy.ndarray
        R_m. [m]
    """
    where = "rmax_willoughby_2006"
    vm = positive_array(max_wind_speed, "max_wind_speed", where, "m/s")
    lat = finite_array(latitude, "latitude", where)
    return float_if_scalar(1000.0 * 46.4 * np.exp(-0.0155 * vm + 0.0169 * np.abs(lat)))  # km -> m
