"""Wind speed with height, mixing-layer height and the calm threshold for steady-state models.

* ``wind_speed_power_law``: the ISC3 power law and its rule below 10 m — ISC3 User's Guide Vol. II,
  EPA-454/B-95-003b (1995), §1.1.3 "Wind Speed Profile" (short-term model). The section number is the one the
  weblakes mirror of Vol. II uses (§1.1.4 is plume rise, §1.1.5 the dispersion parameters), not §1.1.5 as first
  assumed; the guide's own table was not read. The exponents are the EPA regulatory defaults: the same numbers
  appear in the CALPUFF default PLX0 (rural), in a public WBGT code citing EPA-454/R-99-005 §6.2.5 (both sets)
  and in the CCPS (1999) rural set.
* ``mixing_height_gb3840``: the mixing-layer height formula of GB/T 3840-91 (also prescribed by GB/T 13201-91),
  h = a_s U10 / f for A–D and h = b_s (U10 / f)^½ for E–F, coefficients by region.
* ``apply_calm_threshold``: EPA's calm policy for steady-state Gaussian models, EPA-454/R-99-005 §6.9.
"""

from __future__ import annotations

import numpy as np

from twin.errors import InputError

from .checks import check_range, float_array
from .stability import CLASS_LABELS

__all__ = [
    "EARTH_ANGULAR_VELOCITY",
    "GB3840_MIXING_HEIGHT_COEFFICIENTS",
    "GB3840_MIXING_HEIGHT_MAX_WIND_SPEED",
    "GB3840_MIXING_HEIGHT_REGIONS",
    "ISC3_MINIMUM_PROFILE_HEIGHT",
    "ISC3_WIND_PROFILE_EXPONENTS",
    "STEADY_STATE_CALM_THRESHOLD",
    "apply_calm_threshold",
    "mixing_height_gb3840",
    "wind_speed_power_law",
]

# ISC3 default wind-profile exponents p for classes A..F (codes 0..5). ISC3 User's Guide Vol. II
# (EPA-454/B-95-003b) §1.1.3; same numbers as the CALPUFF default PLX0 (rural) and as cited from
# EPA-454/R-99-005 §6.2.5 in public code (see module docstring; the tables themselves were not read).
ISC3_WIND_PROFILE_EXPONENTS = {
    "rural": (0.07, 0.07, 0.10, 0.15, 0.35, 0.55),
    "urban": (0.15, 0.15, 0.20, 0.25, 0.30, 0.30),
}
# ISC3 holds the wind constant below 10 m: stack-top speeds use max(height, 10 m). Read in the ISC WSADJ routine
# ("Adjust Wind Speed -- Assume Wind Speed Constant Below 10 meters", R. Brode and J. Wang), as carried into
# SCIPUFF/AERMOD PRIME code (code-corpus ids 5616222101, 44542325254); not read in the guide's own text.
ISC3_MINIMUM_PROFILE_HEIGHT = 10.0  # [m]

# EPA-454/R-99-005 §6.9: winds below 1 m/s are reset to 1 m/s for steady-state Gaussian models, the hour flagged,
# the unaltered value kept for other uses. ISC3's WSADJ also never lets the stack-top speed fall below 1.0 m/s.
STEADY_STATE_CALM_THRESHOLD = 1.0  # [m/s]

EARTH_ANGULAR_VELOCITY = 7.292e-5  # Ω [rad/s], sidereal rotation rate (7.2921e-5 rad/s)

# GB/T 3840-91 mixing-layer regions (地区) and coefficients a_s (classes A, B, C, D) and b_s (E, F).
# NOT read in the standard's own text: taken from two independent public implementations that agree where they
# overlap — a Fortran program for the GB/T 3840-91 A-value method (code-corpus id 29287687048, all 7 regions)
# and a Python climate-service module (id 20271525367, region 1 only). Both cap U10 at 6 m/s (below). Verify
# against the standard before relying on regions other than 1 and 5 in a regulatory report.
GB3840_MIXING_HEIGHT_REGIONS = {
    1: "Xinjiang, Tibet, Qinghai (新疆、西藏、青海)",
    2: "Heilongjiang, Jilin, Liaoning, Inner Mongolia north of the Yin Shan (黑龙江、吉林、辽宁、内蒙古阴山以北)",
    3: "Beijing, Tianjin, Hebei, Henan, Shandong (北京、天津、河北、河南、山东)",
    4: "Inner Mongolia south of the Yin Shan, Shanxi, Shaanxi north of the Qinling, Ningxia, Gansu north of the Wei"
       " (内蒙古阴山以南、山西、陕西秦岭以北、宁夏、甘肃渭河以北)",
    5: "Shanghai, Guangdong, Guangxi, Hunan, Hubei, Jiangsu, Zhejiang, Anhui, Hainan, Taiwan, Fujian, Jiangxi"
       " (上海、广东、广西、湖南、湖北、江苏、浙江、安徽、海南、台湾、福建、江西)",
    6: "Yunnan, Guizhou, Sichuan, Gansu south of the Wei, Shaanxi south of the Qinling"
       " (云南、贵州、四川、甘肃渭河以南、陕西秦岭以南)",
    7: "calm regions, annual mean wind < 1 m/s (静风区)",
}
GB3840_MIXING_HEIGHT_COEFFICIENTS = {  # region: (a_s A, a_s B, a_s C, a_s D, b_s E, b_s F)
    1: (0.090, 0.067, 0.041, 0.031, 1.66, 0.70),
    2: (0.073, 0.060, 0.041, 0.019, 1.66, 0.70),
    3: (0.073, 0.060, 0.041, 0.019, 1.66, 0.70),
    4: (0.073, 0.060, 0.041, 0.019, 1.66, 0.70),
    5: (0.056, 0.029, 0.020, 0.012, 1.66, 0.70),
    6: (0.073, 0.048, 0.031, 0.022, 1.66, 0.70),
    7: (0.090, 0.067, 0.041, 0.031, 1.66, 0.70),
}
GB3840_MIXING_HEIGHT_MAX_WIND_SPEED = 6.0  # [m/s] U10 above 6 m/s is taken as 6 m/s (both implementations)


def _stability_codes(stability, *, where: str) -> np.ndarray:
    allowed = f"integer codes 0..5 for classes {' '.join(CLASS_LABELS)}"
    codes = np.asarray(stability)
    if codes.dtype.kind not in "iu":
        raise InputError.field(where, "stability", stability, allowed)
    bad = (codes < 0) | (codes > 5)
    if bad.any():
        raise InputError.field(where, "stability", int(codes[bad].ravel()[0]), allowed)
    return codes.astype(np.int64)


def _lookup(table: dict, key, *, where: str, field: str):
    try:
        return table[key]
    except (KeyError, TypeError):
        raise InputError.field(where, field, key, f"one of {list(table)}") from None


def wind_speed_power_law(wind_speed_ref, height, stability, land_use, reference_height=10.0):
    """Wind speed at ``height`` from a reference-height wind by the ISC3 power law.

    Parameters
    ----------
    wind_speed_ref : array_like
        Wind speed measured at ``reference_height``. [m/s]
    height : array_like
        Height above ground where the speed is wanted (e.g. stack top). [m]
    stability : array_like of int
        Pasquill–Gifford code 0..5 (A..F).
    land_use : {"rural", "urban"}
        Selects the exponent set in ``ISC3_WIND_PROFILE_EXPONENTS``.
    reference_height : float, default 10.0
        Anemometer height. [m]

    Returns
    -------
    numpy.ndarray or float
        Wind speed at ``height``. [m/s]

    Notes
    -----
    u(z) = u_ref (max(z, 10 m) / z_ref)^p, except that below 10 m with an anemometer at or below 10 m the
    measured speed is used unchanged: ISC3 assumes the wind constant below 10 m (ISC3 Vol. II §1.1.3; WSADJ:
    z ≥ 10 → u_ref (z/z_ref)^p; else z_ref > 10 → u_ref (10/z_ref)^p; else u_ref). ISC3 then floors stack-top
    speeds at 1 m/s; here that is ``apply_calm_threshold``'s job, applied by the caller.
    """
    where = "wind_speed_power_law"
    exponents = np.asarray(_lookup(ISC3_WIND_PROFILE_EXPONENTS, land_use, where=where, field="land_use"))
    u_ref = float_array(wind_speed_ref, where=where, field="wind_speed_ref")
    check_range(u_ref, where=where, field="wind_speed_ref", allowed=">= 0 m/s and finite", lower=0.0)
    z = float_array(height, where=where, field="height")
    check_range(z, where=where, field="height", allowed=">= 0 m and finite", lower=0.0)
    z_ref = float_array(reference_height, where=where, field="reference_height")
    check_range(z_ref, where=where, field="reference_height", allowed="> 0 m and finite", lower=0.0,
                lower_inclusive=False)
    p = exponents[_stability_codes(stability, where=where)]

    below = z < ISC3_MINIMUM_PROFILE_HEIGHT
    profile_height = np.where(below, ISC3_MINIMUM_PROFILE_HEIGHT, z)
    factor = (profile_height / z_ref) ** p
    # Below 10 m with the anemometer at or below 10 m: the measured speed unchanged (WSADJ's last branch).
    factor = np.where(below & (z_ref <= ISC3_MINIMUM_PROFILE_HEIGHT), 1.0, factor)
    result = u_ref * factor
    return result if np.ndim(result) else float(result)


def mixing_height_gb3840(stability, wind_speed_10m, latitude, region):
    """Mixing-layer height by GB/T 3840-91: h = a_s U10/f (A–D), h = b_s (U10/f)^½ (E–F).

    Parameters
    ----------
    stability : array_like of int
        Pasquill–Gifford code 0..5 (A..F); for GB intermediate classes pass the code of
        ``stability_gb3840`` (A~B → B, …), which is also what the implementations we read do.
    wind_speed_10m : array_like
        10 m wind speed U10; values above 6 m/s are taken as 6 m/s. [m/s]
    latitude : float
        Site latitude φ; the Coriolis parameter is f = 2 Ω sin φ. [deg]
    region : int
        GB/T 3840-91 region 1..7 (``GB3840_MIXING_HEIGHT_REGIONS``); the East-China coastal provinces
        (Shanghai, Jiangsu, Zhejiang, Fujian, Guangdong, …) are region 5.

    Returns
    -------
    numpy.ndarray or float
        Mixing-layer height h. [m]

    Notes
    -----
    a_s and b_s from ``GB3840_MIXING_HEIGHT_COEFFICIENTS`` (secondary sources, see there). U10 = 0 gives h = 0:
    callers that need a usable lid pass the calm-reset model wind (``apply_calm_threshold``).
    """
    where = "mixing_height_gb3840"
    coefficients = np.asarray(_lookup(GB3840_MIXING_HEIGHT_COEFFICIENTS, region, where=where, field="region"))
    codes = _stability_codes(stability, where=where)
    wind = float_array(wind_speed_10m, where=where, field="wind_speed_10m")
    check_range(wind, where=where, field="wind_speed_10m", allowed=">= 0 m/s and finite", lower=0.0)
    lat = float_array(latitude, where=where, field="latitude")
    check_range(lat, where=where, field="latitude",
                allowed="in [-90, 90] degrees and at least 1 degree from the equator (f = 2Ω sin φ ≠ 0)",
                lower=-90.0, upper=90.0)
    near_equator = np.abs(lat) < 1.0
    if near_equator.any():
        raise InputError.field(where, "latitude", float(lat[near_equator].ravel()[0]),
                               "at least 1 degree from the equator (f = 2Ω sin φ ≠ 0)")
    coriolis = 2.0 * EARTH_ANGULAR_VELOCITY * np.abs(np.sin(np.radians(lat)))
    u10 = np.minimum(wind, GB3840_MIXING_HEIGHT_MAX_WIND_SPEED)
    coefficient = coefficients[codes]
    height = np.where(codes <= 3, coefficient * u10 / coriolis, coefficient * np.sqrt(u10 / coriolis))
    return height if np.ndim(height) else float(height)


def apply_calm_threshold(wind_speed, threshold=STEADY_STATE_CALM_THRESHOLD):
    """Reset winds below ``threshold`` to ``threshold`` for steady-state models and flag those hours.

    Parameters
    ----------
    wind_speed : array_like
        Observed wind speed. [m/s]
    threshold : float, default 1.0
        Reset speed. [m/s]

    Returns
    -------
    model_wind_speed : numpy.ndarray
        max(wind_speed, threshold). [m/s]
    calm_flag : numpy.ndarray of int8
        1 where the wind was below the threshold, else 0.

    Notes
    -----
    EPA-454/R-99-005 §6.9: "EPA recommends that wind speeds less than 1 m/s be reset to 1 m/s for use in
    steady-state dispersion models; the unaltered data should be retained for use in non-steady-state modeling
    applications. Calms should be identified … by flagging the appropriate records." ISC3 applies the same 1 m/s
    floor to stack-top winds. The raw speed is not changed here; callers keep it (HJ 2.2-2018 practice for
    static-wind hours is not implemented: not read in a primary source).
    """
    where = "apply_calm_threshold"
    wind = float_array(wind_speed, where=where, field="wind_speed")
    check_range(wind, where=where, field="wind_speed", allowed=">= 0 m/s and finite", lower=0.0)
    limit = float_array(threshold, where=where, field="threshold")
    check_range(limit, where=where, field="threshold", allowed="> 0 m/s and finite", lower=0.0,
                lower_inclusive=False)
    calm = wind < limit
    return np.where(calm, limit, wind), calm.astype(np.int8)
