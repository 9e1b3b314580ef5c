"""AERMET output (AERMOD's meteorology: surface ``.SFC`` and profile ``.PFL`` files) → prepared dispersion met.

``read_aermet`` returns the dataset ``meteo.weather.prepare_dispersion_met`` produces — ``model_wind_speed``,
``wind_speed``, ``wind_from_direction``, ``air_temperature``, ``stability_class``, ``stability_label``,
``calm_flag``, ``atmosphere_boundary_layer_thickness`` (same names, units and attributes) — plus the AERMET
boundary-layer scalars, so a year of AERMET met drives the hourly Gaussian plume directly.

File formats (free format, whitespace- or comma-separated; AERMOD's METEXT reads both with list-directed READ)::

    SFC line 1   header: latitude, longitude (e.g. "42.750N  73.800W"), UA_ID:, SF_ID:, OS_ID:, VERSION: …
    SFC records  year month day julian-day hour H u* w* VPTG zic zim L z0 Bowen albedo Ws Wd zref T ztemp [more]
    PFL records  year month day hour height top-flag Wd Ws T(°C) sigma-theta sigma-w   (one line per level;
                 top-flag 1 closes the hour)

Columns as AERMOD reads them (AERMOD METEXT, the free-format READ of the surface and profile files, read in the
AERMOD source, code-corpus id 11124066477); years of 2 or 4 digits; hours 1..24 "hour ending" in local standard
time. Units: H [W m-2], u*, w*, Ws [m s-1], VPTG [K m-1], zic, zim, L, z0, zref, ztemp [m], Wd [degree], T [K]
in the SFC, [°C] in the PFL. AERMET user's guide: EPA-454/B-03-002 and its updates (not read here).

The parsers live in ``meteo._aermet_sfc`` and ``meteo._aermet_pfl`` (each docstring lists what its file must be:
a damaged header, record, level, flag or hour sequence raises InputError naming the file, the line, the field,
the value and what is allowed), on the shared line tools of ``meteo._aermet_records``; the hour rules below are
``meteo._aermet_hours``. This module assembles the dataset.

Choices, all ParkTwin's unless a source is named:

* **Time axis**: the *start* of the hour-ending averaging period, in UTC: hour h of local day d covers
  (h−1, h] local standard time and is stamped d + (h−1) h − ``utc_offset_hours``. Hour 24 of day d (which ends at
  00:00 of d+1) is stamped 23:00 of d local, so a local day's 24 hours fall on that day, as the kernel's daily
  means (``dispersion.plume``, local calendar day of each stamp) and the EIA outputs ("start of the hour (UTC)")
  expect.
* **Calm and missing hours**: AERMOD's rules (METEXT CHKCLM and CHKMSG). Calm: Ws = 0. Missing (non-calm hours
  only): Ws ≥ 90 or < 0; Wd > 900 or ≤ −9; T > 900 or ≤ 0 K; L < −99990; zic > 90000 or < 0 when L < 0;
  zim > 90000 or < 0; u* < 0 or ≥ 9; w* < 0 when −99990 < L < 0. A calm hour with a missing temperature is missing
  too (the plume-rise formula needs T every hour). Missing hours raise InputError unless ``fill_missing=True``,
  which persists the previous complete hour (a convention for short gaps; HJ 2.2-2018's own gap rules were not
  read). Calm hours are kept (the steady-state calm policy of ``apply_calm_threshold``, EPA-454/R-99-005 §6.9);
  AERMET leaves their u*, w*, L, zic, zim, H missing, so they take those and the wind direction from the last
  non-calm hour (the first one, for calms that open the file); ``aermet_hour_flag`` marks every filled hour.
* **Wind at 10 m**: the measurement (SFC reference wind or a PFL level, below) nearest 10 m above ground is moved
  to 10 m with the neutral logarithmic profile, u(10) = u(z) ln(10/z0) / ln(z/z0) (from u(z) = (u*/κ) ln(z/z0);
  Stull 1988, *An Introduction to Boundary Layer Meteorology*, §9.7 [equation number to verify]). AERMOD itself
  profiles with Monin–Obukhov similarity (EPA-454/R-03-004); the neutral form is exact at z = 10 m and changes a
  6.1 m anemometer's wind by 10–20 % for common z0. The ISC3 power law of ``meteo.profiles`` is not used because
  AERMET gives z0 and L rather than a class-and-land-use exponent.
* **Profile file**: when given, each hour's wind (speed and direction) and temperature come from the candidate
  level nearest 10 m among the SFC reference height and the PFL levels with valid data (ties go to the PFL); a PFL
  level's wind is valid when 0 < Ws < 90 and 0 ≤ Wd ≤ 360, its temperature when −90 < T < 90 °C (AERMOD PFLCNV's
  missing rules). Calm and missing status always come from the SFC record, as in AERMOD. The dataset's attributes
  say what a one-level model leaves out: ``aermet_profile_most_wind_levels``, ``..._most_temperature_levels`` and
  ``..._turbulence_hours`` (measured σθ or σw), with the first such hour. A site tower (more than one level, or
  measured turbulence) also keeps its levels as AERMOD reads them: ``profile_height``, ``profile_wind_speed``,
  ``profile_wind_from_direction``, ``profile_air_temperature``, ``profile_sigma_v``, ``profile_sigma_w`` on
  (time, profile_level), NaN where missing, and the SFC record's own wind (``aermet_sfc_wind_*``), for
  ``meteo.aermod_tower``. The screening modes still take the level nearest 10 m.
* **Stability**: ``meteo.stability.stability_from_obukhov`` (Golder 1972) from L and z0.
* **Mixing height**: convective hours (L < 0) zi = max(zic, zim), otherwise zi = zim (AERMOD model formulation,
  Cimorelli et al., EPA-454/R-03-004 (2004), §3 [section and equation number to verify]; the rule read in AERMOD
  METEXT SET_METDATA, which also caps zic and zim at 4000 m and floors zi at 1 m — applied here too).
* |L| < 1 m is set to ±1 m (sign of L; L = 0 takes the sign opposite to H), as AERMOD METQA does.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import xarray as xr

from twin.errors import InputError

from ._aermet_hours import (check_missing_hours, check_profile_temperatures, check_usable_values, fill_hours,
                            missing_reasons, pick_levels, profile_levels, profile_shape)
from ._aermet_pfl import AERMET_PFL_COLUMNS, read_pfl
from ._aermet_records import file_label
from ._aermet_sfc import AERMET_SFC_COLUMNS, read_sfc
from .profiles import STEADY_STATE_CALM_THRESHOLD, apply_calm_threshold
from .solar import solar_elevation_gb3840
from .stability import CLASS_LABELS, GOLDER_1972_ROUGHNESS_RANGE, stability_from_obukhov
from .weather import WEATHER_VARIABLE_ATTRS, WIND_MEASUREMENT_HEIGHT

__all__ = ["AERMET_PFL_COLUMNS", "AERMET_SFC_COLUMNS", "AERMET_VARIABLE_ATTRS", "is_tower_profile", "read_aermet"]

# AERMOD METEXT SET_METDATA: "Limit ZI to 4000 meters" (zic and zim) and a 1 m floor on the mixing height.
AERMOD_MIXING_HEIGHT_CAP = 4000.0  # [m]
AERMOD_MIXING_HEIGHT_FLOOR = 1.0  # [m]
AERMOD_MINIMUM_ABS_OBUKHOV_LENGTH = 1.0  # [m], AERMOD METQA

AERMET_VARIABLE_ATTRS = {
    "obukhov_length": {"standard_name": "atmosphere_obukhov_length", "units": "m",
                       "long_name": "Obukhov length (AERMET), negative when convective"},
    "friction_velocity": {"standard_name": "magnitude_of_surface_friction_velocity_in_air", "units": "m s-1",
                          "long_name": "surface friction velocity u* (AERMET)"},
    "convective_velocity_scale": {"units": "m s-1",
                                  "long_name": "convective velocity scale w* (AERMET); NaN in stable hours"},
    "surface_roughness_length": {"standard_name": "surface_roughness_length_for_momentum_in_air", "units": "m",
                                 "long_name": "surface roughness length z0 used for the 10 m wind and the class"},
    "sensible_heat_flux": {"standard_name": "surface_upward_sensible_heat_flux", "units": "W m-2",
                           "long_name": "surface sensible heat flux H (AERMET), positive upward"},
    "reference_wind_speed": {"standard_name": "wind_speed", "units": "m s-1",
                             "long_name": "wind speed as measured at reference_wind_height (before the 10 m "
                                          "conversion)"},
    "reference_wind_height": {"units": "m", "long_name": "height above ground of the wind measurement used"},
    "convective_mixing_height": {"units": "m", "long_name": "convective mixing height zic (AERMET), in [1, 4000] m "
                                                          "as AERMOD uses it; NaN when missing (stable hours)"},
    "mechanical_mixing_height": {"units": "m", "long_name": "mechanical mixing height zim (AERMET), in [1, 4000] m "
                                                          "as AERMOD uses it"},
    "potential_temperature_gradient_above_mixing_height": {
        "units": "K m-1", "long_name": "vertical potential temperature gradient in the 500 m above the convective "
                                       "mixing height (AERMET VPTG); NaN when missing (stable hours)"},
    "reference_air_temperature": {"standard_name": "air_temperature", "units": "K",
                                  "long_name": "air temperature of the SFC record (AERMOD's reference temperature)"},
    "reference_air_temperature_height": {"units": "m", "long_name": "height above ground of "
                                                                    "reference_air_temperature"},
    "aermet_hour_flag": {"long_name": "how the hour's values were obtained",
                         "flag_values": np.array([0, 1, 2], dtype=np.int8),
                         "flag_meanings": "observed calm_filled_from_previous_non_calm_hour "
                                          "missing_filled_from_previous_complete_hour"},
}


def read_aermet(
    sfc_path: str | os.PathLike,
    pfl_path: str | os.PathLike | None = None,
    *,
    utc_offset_hours: float,
    z0_override: float | None = None,
    fill_missing: bool = False,
) -> xr.Dataset:
    """Read an AERMET surface file (and optionally its profile file) into prepared dispersion met.

    Parameters
    ----------
    sfc_path : path
        AERMET surface file (``.SFC``), AERMET v11059 or later column layout (the first 20 fields are read).
    pfl_path : path, optional
        The matching profile file (``.PFL``); one profile per SFC hour, in the same order.
    utc_offset_hours : float
        Offset of the files' local standard time from UTC (+8 for China). [h]
    z0_override : float, optional
        Roughness length used instead of the file's hourly z0 for the 10 m wind and the stability class. [m]
    fill_missing : bool, default False
        Persist the previous complete hour into hours with AERMET missing codes (a convention for short gaps)
        instead of raising InputError.

    Returns
    -------
    xarray.Dataset
        On ``time`` (UTC, datetime64[ns], start of each hour-ending period): ``model_wind_speed`` [m s-1] (10 m,
        calm-reset), ``wind_speed`` [m s-1] (10 m, not reset), ``wind_from_direction`` [degree],
        ``air_temperature`` [K], ``stability_class`` (int8 0..5, CF flags), ``stability_label``, ``calm_flag``
        (int8), ``atmosphere_boundary_layer_thickness`` [m], ``solar_elevation_angle`` [degree] (at the site of
        the header), ``obukhov_length`` [m], ``friction_velocity`` [m s-1], ``convective_velocity_scale``
        [m s-1] (NaN in stable hours), ``surface_roughness_length`` [m], ``sensible_heat_flux`` [W m-2],
        ``reference_wind_speed`` [m s-1] and ``reference_wind_height`` [m] (the measurement used), and
        ``aermet_hour_flag`` (0 observed, 1 calm filled, 2 missing filled). Choices and sources: module docstring.

    Raises
    ------
    MissingInputError
        A file does not exist.
    InputError
        A malformed line (the message names file, line, column and what is allowed), hours out of order or
        skipped, a profile that does not match the surface hours, or missing hours without ``fill_missing``.
    """
    _check_options(utc_offset_hours, z0_override)
    path, header, sfc = read_sfc(sfc_path)
    where = file_label("surface", path)
    profiles = None
    if pfl_path is not None:
        profiles = read_pfl(pfl_path, sfc["local_start"], sfc["line"], where)

    calm, reason = missing_reasons(sfc)
    missing = reason != ""
    check_missing_hours(sfc, reason, fill_missing, where)
    if profiles is not None:
        check_profile_temperatures(sfc, profiles, ~missing, file_label("profile", Path(pfl_path)))

    fields, from_profile = _hourly_fields(sfc, profiles, missing, calm, z0_override, where)
    fields, from_profile, flag = fill_hours(fields, from_profile, missing, where)
    dataset = _dataset(fields, from_profile, flag, sfc["local_start"], header, utc_offset_hours=utc_offset_hours,
                       z0_override=z0_override, sources=(path, pfl_path))
    levels = profile_levels(profiles) if profiles is not None else None
    shape = profile_shape(levels, ~missing & ~calm, sfc["local_start"])
    dataset.attrs.update(shape)
    if is_tower_profile(shape):
        dataset = dataset.assign(_tower_variables(levels, sfc))
    return dataset


def is_tower_profile(attrs) -> bool:
    """Whether a dataset's (or :func:`profile_shape`'s) attributes describe a site tower: more than one valid wind or
    temperature level in an hour, or measured turbulence."""
    return (int(attrs.get("aermet_profile_most_wind_levels", 0)) > 1
            or int(attrs.get("aermet_profile_most_temperature_levels", 0)) > 1
            or int(attrs.get("aermet_profile_turbulence_hours", 0)) > 0)


def _tower_variables(levels: dict, sfc: dict) -> dict:
    """The profile file's levels on (time, profile_level) as AERMOD reads them (``profile_levels``), and the SFC
    record's own reference wind (AERMOD's UREF, UREFHT, WDREF, which scale its similarity profiles)."""
    dims = ("time", "profile_level")
    attrs = {
        "height": {"units": "m", "long_name": "height of the profile level above ground (AERMET PFL)"},
        "wind_speed": {"standard_name": "wind_speed", "units": "m s-1"},
        "wind_from_direction": {"standard_name": "wind_from_direction", "units": "degree"},
        "air_temperature": {"standard_name": "air_temperature", "units": "K"},
        "sigma_v": {"units": "m s-1", "long_name": "lateral turbulence σv from the measured σθ (AERMOD PFLCNV)"},
        "sigma_w": {"units": "m s-1", "long_name": "measured vertical turbulence σw"},
    }
    out = {f"profile_{name}": (dims, values, {**attrs[name], "comment": "NaN where missing (AERMOD PFLCNV rules)"})
           for name, values in levels.items()}
    out["aermet_sfc_wind_speed"] = ("time", sfc["wind_speed"].copy(),
                                    {"units": "m s-1", "long_name": "the SFC record's reference wind speed (UREF)"})
    out["aermet_sfc_wind_height"] = ("time", sfc["wind_reference_height"].copy(),
                                     {"units": "m", "long_name": "the SFC record's wind height (UREFHT)"})
    out["aermet_sfc_wind_from_direction"] = ("time", sfc["wind_direction"].copy(),
                                             {"units": "degree",
                                              "long_name": "the SFC record's wind direction (WDREF)"})
    return out


def _hourly_fields(sfc: dict, profiles, missing: np.ndarray, calm: np.ndarray, z0_override, where: str):
    """Per hour, the values the model uses: wind and temperature levels (``pick_levels``), z0, the AERMET scalars.

    Returns a dict of arrays (speed [m s-1], direction [degree], height [m], temperature [K], roughness [m],
    length [m], ustar, wstar [m s-1], zic, zim [m], heat [W m-2]) and whether each hour's wind came from the PFL.
    """
    usable = ~missing & ~calm
    speed, direction, height, temperature, from_profile = pick_levels(sfc, profiles, usable)
    n_hours = sfc["line"].size
    roughness = np.full(n_hours, float(z0_override)) if z0_override is not None else sfc["roughness_length"].copy()
    check_usable_values(sfc, roughness, height, direction, ~missing, where, z0_override)
    fields = {
        "speed": speed, "direction": direction, "height": height, "temperature": temperature,
        "roughness": roughness, "length": sfc["obukhov_length"].copy(), "ustar": sfc["friction_velocity"].copy(),
        "wstar": sfc["convective_velocity_scale"].copy(), "zic": sfc["convective_mixing_height"].copy(),
        "zim": sfc["mechanical_mixing_height"].copy(), "heat": sfc["sensible_heat_flux"].copy(),
        "vptg": sfc["potential_temperature_gradient_above_mixing_height"].copy(),
        "sfc_temperature": sfc["temperature"].copy(), "sfc_temperature_height": sfc["temperature_height"].copy(),
    }
    return fields, from_profile


def _dataset(fields: dict, from_profile, flag, local_start, header: dict, *, utc_offset_hours, z0_override,
             sources) -> xr.Dataset:
    """The prepared-met dataset on UTC ``time`` from the filled hourly fields (variables, attributes: read_aermet)."""
    path, pfl_path = sources
    calm = fields["speed"] == 0.0
    length = _obukhov_length_aermod(fields["length"], fields["heat"])
    offset = np.timedelta64(int(round(utc_offset_hours * 60)), "m")
    times = (local_start.astype("datetime64[m]") - offset).astype("datetime64[ns]")  # local standard → UTC
    data_vars = {
        **_weather_variables(fields, length, calm, times, header),
        **_aermet_variables(fields, length, calm, flag),
    }
    time_attrs = {"standard_name": "time", "axis": "T", "long_name": "start of the hour (UTC)",
                  "comment": f"AERMET hour h (hour ending, local standard time UTC{utc_offset_hours:+g} h) of day d is "
                             "stamped d + (h-1) h, converted to UTC"}
    dataset = xr.Dataset(data_vars, coords={"time": ("time", times, time_attrs)})
    dataset.attrs.update({
        "source": f"AERMET surface file {path.name} (AERMET version {header['version']})"
                  + (f" and profile file {Path(pfl_path).name}" if pfl_path is not None else ""),
        "site_latitude": header["latitude"], "site_longitude": header["longitude"],
        "utc_offset_hours": float(utc_offset_hours),
        "aermet_calm_hours": int(np.sum(flag == 1)), "aermet_filled_missing_hours": int(np.sum(flag == 2)),
        "aermet_profile_wind_hours": int(np.sum(from_profile & (flag == 0))),
        "roughness_length_source": "z0_override" if z0_override is not None else "AERMET hourly z0",
        "aermet_options": header.get("options", ""),
    })
    return dataset


def _check_options(utc_offset_hours, z0_override) -> None:
    """The keyword arguments of ``read_aermet``: a UTC offset in [-14, 14] h, and z0_override None or in (0, 10) m."""
    where_call = "read_aermet"
    if isinstance(utc_offset_hours, bool) or not isinstance(utc_offset_hours, (int, float)) \
            or not -14.0 <= utc_offset_hours <= 14.0:
        raise InputError.field(where_call, "utc_offset_hours", utc_offset_hours, "a number of hours in [-14, 14]")
    if z0_override is not None and (isinstance(z0_override, bool) or not isinstance(z0_override, (int, float))
                                    or not 0.0 < z0_override < WIND_MEASUREMENT_HEIGHT):
        raise InputError.field(where_call, "z0_override", z0_override, "None, or a roughness length in (0, 10) m")


def _obukhov_length_aermod(length: np.ndarray, heat: np.ndarray) -> np.ndarray:
    """AERMOD METQA: |L| ≥ 1 m; L = 0 takes the sign opposite to the heat flux H. [m]"""
    small = np.abs(length) < AERMOD_MINIMUM_ABS_OBUKHOV_LENGTH
    sign = np.where(length != 0.0, np.sign(length), -np.sign(heat))
    sign = np.where(sign == 0.0, 1.0, sign)
    return np.where(small, sign * AERMOD_MINIMUM_ABS_OBUKHOV_LENGTH, length)


def _wind_at_10m(speed: np.ndarray, height: np.ndarray, roughness: np.ndarray, calm: np.ndarray) -> np.ndarray:
    """Wind at 10 m by the neutral logarithmic profile: u(10) = u(z) ln(10/z0)/ln(z/z0) (module docstring). [m s-1]

    ``speed`` [m s-1] measured at ``height`` [m] over roughness length ``roughness`` [m]; 0 in ``calm`` hours.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.log(WIND_MEASUREMENT_HEIGHT / roughness) / np.log(height / roughness)
    return np.where(calm, 0.0, speed * np.where(height == WIND_MEASUREMENT_HEIGHT, 1.0, factor))


def _mixing_height_aermod(zic: np.ndarray, zim: np.ndarray, length: np.ndarray) -> np.ndarray:
    """AERMOD SET_METDATA: zic, zim capped at 4000 m; zi = max(zic, zim) when L < 0, else zim; zi ≥ 1 m. [m]"""
    zic = np.minimum(zic, AERMOD_MIXING_HEIGHT_CAP)
    zim = np.minimum(zim, AERMOD_MIXING_HEIGHT_CAP)
    return np.maximum(np.where(length < 0.0, np.maximum(zic, zim), zim), AERMOD_MIXING_HEIGHT_FLOOR)


def _weather_variables(fields: dict, length: np.ndarray, calm: np.ndarray, times: np.ndarray, header: dict) -> dict:
    """The variables of ``meteo.weather.prepare_dispersion_met`` (same names, units and attributes), from AERMET."""
    z0 = fields["roughness"]
    wind_10m = _wind_at_10m(fields["speed"], fields["height"], z0, calm)
    model_wind, calm_flag = apply_calm_threshold(wind_10m)
    codes = np.atleast_1d(stability_from_obukhov(length, z0)).astype(np.int8)
    labels = np.asarray(list(CLASS_LABELS))[codes]
    mixing = _mixing_height_aermod(fields["zic"], fields["zim"], length)
    elevation = np.atleast_1d(np.asarray(solar_elevation_gb3840(times, header["latitude"], header["longitude"]),
                                         dtype=np.float64))

    wind_attrs = dict(WEATHER_VARIABLE_ATTRS["wind_speed"])
    wind_attrs["comment"] = ("AERMET reference wind (or the profile level nearest 10 m) moved to 10 m by the neutral "
                             "logarithmic profile u(10) = u(z) ln(10/z0)/ln(z/z0); 0 in calm hours")
    direction_attrs = dict(WEATHER_VARIABLE_ATTRS["wind_from_direction"])
    direction_attrs["comment"] = "calm hours carry the direction of the last non-calm hour (aermet_hour_flag 1)"
    mixing_attrs = dict(WEATHER_VARIABLE_ATTRS["atmosphere_boundary_layer_thickness"])
    mixing_attrs["comment"] = ("AERMET: max(zic, zim) when L < 0, else zim; zic, zim capped at 4000 m, zi >= 1 m "
                               "(AERMOD model formulation EPA-454/R-03-004; AERMOD METEXT SET_METDATA)")
    return {
        "wind_speed": ("time", wind_10m, wind_attrs),
        "wind_from_direction": ("time", fields["direction"], direction_attrs),
        "air_temperature": ("time", fields["temperature"], dict(WEATHER_VARIABLE_ATTRS["air_temperature"])),
        "solar_elevation_angle": ("time", elevation, {
            "standard_name": "solar_elevation_angle", "units": "degree",
            "comment": "GB/T 3840-91 Appendix B Eq. B1 (no equation of time, no refraction), at the start of the "
                       "hour, at the AERMET header's latitude and longitude"}),
        "stability_class": ("time", codes, {
            "long_name": "Pasquill-Gifford stability class", "flag_values": np.arange(6, dtype=np.int8),
            "flag_meanings": " ".join(CLASS_LABELS), "method": "golder1972",
            "references": "Golder (1972), Boundary-Layer Meteorol. 3:47-58, Fig. 4: 1/L = a + b log10(z0) as "
                          "fitted in Seinfeld & Pandis; nearest class in 1/L, z0 clipped to "
                          f"{GOLDER_1972_ROUGHNESS_RANGE} m"}),
        "stability_label": ("time", labels.astype(str), {"long_name": "stability class letter (Golder 1972)"}),
        "model_wind_speed": ("time", np.atleast_1d(model_wind), {
            "standard_name": "wind_speed", "units": "m s-1", "height": WIND_MEASUREMENT_HEIGHT,
            "long_name": "10 m wind speed for steady-state models",
            "comment": f"speeds below {STEADY_STATE_CALM_THRESHOLD} m/s reset to {STEADY_STATE_CALM_THRESHOLD} m/s "
                       "(EPA-454/R-99-005 section 6.9); raw value in wind_speed"}),
        "calm_flag": ("time", np.atleast_1d(calm_flag), {
            "long_name": "calm hour (wind below the steady-state threshold, reset)",
            "flag_values": np.array([0, 1], dtype=np.int8), "flag_meanings": "not_calm calm"}),
        "atmosphere_boundary_layer_thickness": ("time", mixing, mixing_attrs),
    }


def _aermet_variables(fields: dict, length: np.ndarray, calm: np.ndarray, flag: np.ndarray) -> dict:
    """The AERMET boundary-layer scalars and the measurement used, with ``AERMET_VARIABLE_ATTRS``."""
    convective = length < 0.0
    wstar = np.where(convective & (fields["wstar"] >= 0.0), fields["wstar"], np.nan)  # w* only when convective
    # zic, zim as AERMOD METEXT SET_METDATA uses them: values in [0, 1) m raised to 1 m, capped at 4000 m; AERMET's
    # missing codes (< 0) become NaN (zic is missing in stable hours).
    zic = np.where(fields["zic"] >= 0.0, np.clip(fields["zic"], AERMOD_MIXING_HEIGHT_FLOOR, AERMOD_MIXING_HEIGHT_CAP),
                   np.nan)
    zim = np.where(fields["zim"] >= 0.0, np.clip(fields["zim"], AERMOD_MIXING_HEIGHT_FLOOR, AERMOD_MIXING_HEIGHT_CAP),
                   np.nan)
    vptg = np.where(fields["vptg"] > -9.0, fields["vptg"], np.nan)  # AERMET writes -9 when missing (stable hours)
    return {
        "obukhov_length": ("time", length, dict(AERMET_VARIABLE_ATTRS["obukhov_length"])),
        "friction_velocity": ("time", fields["ustar"], dict(AERMET_VARIABLE_ATTRS["friction_velocity"])),
        "convective_velocity_scale": ("time", wstar, dict(AERMET_VARIABLE_ATTRS["convective_velocity_scale"])),
        "surface_roughness_length": ("time", fields["roughness"],
                                     dict(AERMET_VARIABLE_ATTRS["surface_roughness_length"])),
        "sensible_heat_flux": ("time", fields["heat"], dict(AERMET_VARIABLE_ATTRS["sensible_heat_flux"])),
        "reference_wind_speed": ("time", np.where(calm, 0.0, fields["speed"]),
                                 dict(AERMET_VARIABLE_ATTRS["reference_wind_speed"])),
        "reference_wind_height": ("time", fields["height"], dict(AERMET_VARIABLE_ATTRS["reference_wind_height"])),
        "aermet_hour_flag": ("time", flag, dict(AERMET_VARIABLE_ATTRS["aermet_hour_flag"])),
        "convective_mixing_height": ("time", zic, dict(AERMET_VARIABLE_ATTRS["convective_mixing_height"])),
        "mechanical_mixing_height": ("time", zim, dict(AERMET_VARIABLE_ATTRS["mechanical_mixing_height"])),
        "potential_temperature_gradient_above_mixing_height": (
            "time", vptg, dict(AERMET_VARIABLE_ATTRS["potential_temperature_gradient_above_mixing_height"])),
        "reference_air_temperature": ("time", fields["sfc_temperature"],
                                      dict(AERMET_VARIABLE_ATTRS["reference_air_temperature"])),
        "reference_air_temperature_height": ("time", fields["sfc_temperature_height"],
                                             dict(AERMET_VARIABLE_ATTRS["reference_air_temperature_height"])),
    }
