"""AERMET hours: calm and missing hours (AERMOD's rules), the wind and temperature level used, the checks on the
values the model needs, and the hours filled for the steady-state kernel. Private to ``meteo`` (``meteo.aermet``
documents the choices in its module docstring).
"""

from __future__ import annotations

import numpy as np

from twin.constants import ZERO_CELSIUS
from twin.errors import InputError

from ._aermet_records import hour_label
from ._aermet_sfc import AERMET_SFC_COLUMNS
from .weather import WIND_MEASUREMENT_HEIGHT

__all__ = ["check_missing_hours", "check_profile_temperatures", "check_usable_values", "PLAUSIBLE_KELVIN",
           "fill_hours", "missing_reasons", "pick_levels", "profile_levels", "profile_shape"]

# AERMOD PFLCNV's conversion of σθ to σv (Weber et al. 1977 as AERMOD codes it; docs/unverified.md)
_SIGMA_THETA_FACTOR = 0.073864  # AERMOD GSIGV
_MINIMUM_SIGMA_V = 0.2  # [m s-1] AERMOD SVMIN, the floor on a measured σv
_MINIMUM_SIGMA_W = 0.02  # [m s-1] AERMOD SWMIN, the floor on a measured σw

_CELSIUS_TO_KELVIN = ZERO_CELSIUS


PLAUSIBLE_KELVIN = (180.0, 340.0)  # [K] near-surface air temperatures outside this are a unit slip (°C), not weather


def _valid_profile_temperature(t_celsius: np.ndarray) -> np.ndarray:
    """A profile temperature AERMOD PFLCNV keeps: in (−90, 90) °C."""
    return (t_celsius > -90.0) & (t_celsius < 90.0)


def missing_reasons(sfc: dict) -> tuple[np.ndarray, np.ndarray]:
    """Calm flag and, per hour, the first SFC column that makes it missing ('' if none): AERMOD CHKCLM/CHKMSG."""
    ws, wd, temp = sfc["wind_speed"], sfc["wind_direction"], sfc["temperature"]
    length, zic, zim = sfc["obukhov_length"], sfc["convective_mixing_height"], sfc["mechanical_mixing_height"]
    ustar, wstar = sfc["friction_velocity"], sfc["convective_velocity_scale"]
    calm = ws == 0.0
    temperature_missing = (temp > 900.0) | (temp <= 0.0)
    checks = (  # AERMOD CHKMSG order
        ("wind_speed", (ws >= 90.0) | (ws < 0.0)),
        ("wind_direction", (wd > 900.0) | (wd <= -9.0)),
        ("temperature", temperature_missing),
        ("obukhov_length", length < -99990.0),
        ("convective_mixing_height", (length < 0.0) & ((zic > 90000.0) | (zic < 0.0))),
        ("mechanical_mixing_height", (zim > 90000.0) | (zim < 0.0)),
        ("friction_velocity", (ustar < 0.0) | (ustar >= 9.0)),
        ("convective_velocity_scale", (wstar < 0.0) & (length < 0.0) & (length > -99990.0)),
    )
    reason = np.full(ws.shape, "", dtype=object)
    for name, bad in reversed(checks):
        reason[bad & ~calm] = name
    reason[calm & temperature_missing] = "temperature"
    return calm, reason


def _persist_index(valid: np.ndarray) -> np.ndarray | None:
    """For each hour the index of the last valid hour at or before it (the first valid hour before that)."""
    if not valid.any():
        return None
    index = np.where(valid, np.arange(valid.size), -1)
    index = np.maximum.accumulate(index)
    return np.where(index < 0, int(np.flatnonzero(valid)[0]), index)


def pick_levels(sfc: dict, profiles: np.ndarray | None, usable: np.ndarray):
    """Per hour: wind speed, direction and height, temperature [K], and whether the wind came from the PFL.

    ``profiles``: ``read_pfl``'s (hours, levels, 7) array (height, top flag, Wd, Ws, T [°C], σθ, σw; NaN-padded)
    or None.
    """
    speed = sfc["wind_speed"].copy()
    direction = sfc["wind_direction"].copy()
    height = sfc["wind_reference_height"].copy()
    temperature = sfc["temperature"].copy()
    from_profile = np.zeros(speed.shape, dtype=bool)
    if profiles is None:
        return speed, direction, height, temperature, from_profile
    target = WIND_MEASUREMENT_HEIGHT
    z, wd, ws, t_celsius = profiles[:, :, 0], profiles[:, :, 2], profiles[:, :, 3], profiles[:, :, 4]
    rows = np.arange(z.shape[0])
    # AERMOD PFLCNV's missing rules; the nearest valid level to 10 m (the first of equals), ties go to the profile.
    wind_ok = (ws > 0.0) & (ws < 90.0) & (wd >= 0.0) & (wd <= 360.0) & usable[:, None]
    distance = np.where(wind_ok, np.abs(z - target), np.inf)
    k = np.argmin(distance, axis=1)
    take = wind_ok.any(axis=1) & (distance[rows, k] <= np.abs(height - target))
    speed = np.where(take, ws[rows, k], speed)
    direction = np.where(take, wd[rows, k], direction)
    height = np.where(take, z[rows, k], height)
    from_profile = take
    temperature_ok = _valid_profile_temperature(t_celsius) & usable[:, None]
    distance = np.where(temperature_ok, np.abs(z - target), np.inf)
    k = np.argmin(distance, axis=1)
    take = temperature_ok.any(axis=1) & (distance[rows, k] <= np.abs(sfc["temperature_height"] - target))
    temperature = np.where(take, t_celsius[rows, k] + _CELSIUS_TO_KELVIN, temperature)  # PFL °C → K, once, here
    return speed, direction, height, temperature, from_profile


def profile_levels(profiles: np.ndarray) -> dict:
    """The profile file's levels as AERMOD PFLCNV converts them, (hours, levels) arrays with NaN where missing:
    ``height`` [m]; ``wind_speed`` [m s-1] (missing outside [0, 90], and with the direction when both are 0);
    ``wind_from_direction`` [degree] (0 with a wind becomes 360; missing outside [0, 900]); ``air_temperature``
    [K] (from °C in (−90, 90)); ``sigma_v`` [m s-1] from σθ in [0, 99) degree and a wind > 0,
    σv = σθ u (1 − ε²)^½ with ε = sin σθ (1 − 0.073864 σθ) [σθ in radians], ≥ 0.2; ``sigma_w`` [m s-1] in [0, 90],
    ≥ 0.02."""
    height, wd, ws, t, sa, sw = (profiles[:, :, c].copy() for c in (0, 2, 3, 4, 5, 6))
    with np.errstate(invalid="ignore"):
        ws = np.where((ws < 0.0) | (ws > 90.0), np.nan, ws)
        wd = np.where((ws > 0.0) & (wd == 0.0), 360.0, wd)
        wd = np.where((wd > 900.0) | (wd < 0.0), np.nan, wd)
        both_zero = (ws == 0.0) & (wd == 0.0)
        ws = np.where(both_zero, np.nan, ws)
        wd = np.where(both_zero, np.nan, wd)
        radians = np.deg2rad(sa)
        epsilon = np.sin(radians) * (1.0 - _SIGMA_THETA_FACTOR * radians)
        sigma_v = np.where((ws > 0.0) & (sa >= 0.0) & (sa < 99.0),
                           np.maximum(radians * ws * np.sqrt(1.0 - epsilon * epsilon), _MINIMUM_SIGMA_V), np.nan)
        sigma_w = np.where((sw >= 0.0) & (sw <= 90.0), np.maximum(sw, _MINIMUM_SIGMA_W), np.nan)
        temperature = np.where(_valid_profile_temperature(t), t + _CELSIUS_TO_KELVIN, np.nan)
    return {"height": height, "wind_speed": ws, "wind_from_direction": wd, "air_temperature": temperature,
            "sigma_v": sigma_v, "sigma_w": sigma_w}


def profile_shape(levels: dict | None, usable: np.ndarray, local_start: np.ndarray) -> dict:
    """What of the profile file a one-level model leaves out, as dataset attributes: the most valid wind and
    temperature levels in a usable hour, the hours with a measured σθ or σw, and the first hour (local standard
    time) of each, from :func:`profile_levels`' ``levels`` (None: no profile file)."""
    shape = {"aermet_profile_most_wind_levels": 0, "aermet_profile_most_temperature_levels": 0,
             "aermet_profile_turbulence_hours": 0}
    if levels is None:
        return shape
    with np.errstate(invalid="ignore"):
        wind = (np.isfinite(levels["wind_speed"]) | np.isfinite(levels["wind_from_direction"])) & usable[:, None]
        temperature = np.isfinite(levels["air_temperature"]) & usable[:, None]
        turbulence = (np.isfinite(levels["sigma_v"]) | np.isfinite(levels["sigma_w"])) & usable[:, None]
    for name, valid in (("wind", wind), ("temperature", temperature)):
        counts = valid.sum(axis=1)
        shape[f"aermet_profile_most_{name}_levels"] = int(counts.max(initial=0))
        if counts.max(initial=0) > 1:
            shape[f"aermet_profile_first_{name}_profile_hour"] = hour_label(local_start[int(np.argmax(counts > 1))])
    hours = turbulence.any(axis=1)
    shape["aermet_profile_turbulence_hours"] = int(hours.sum())
    if hours.any():
        shape["aermet_profile_first_turbulence_hour"] = hour_label(local_start[int(np.argmax(hours))])
    return shape


def check_usable_values(sfc, roughness, height, direction, usable, where, z0_override) -> None:
    """Values AERMOD only warns about but ParkTwin needs, in hours that are not missing: z0 > 0, z0 < zref and
    10 m, 0 <= Wd <= 360. The first offending line raises (checked on whole columns, then named)."""
    columns = {name: k + 1 for k, (name, _) in enumerate(AERMET_SFC_COLUMNS)}
    hint = "" if z0_override is not None else " (or pass z0_override)"
    windy = usable & (sfc["wind_speed"] > 0.0)
    bad_roughness = usable & ~((roughness > 0.0) & (roughness < WIND_MEASUREMENT_HEIGHT)) if z0_override is None \
        else np.zeros_like(usable)
    bad_height = windy & ~(height > roughness)
    bad_direction = windy & ~((direction >= 0.0) & (direction <= 360.0))
    temperature = sfc["temperature"]
    bad_temperature = usable & ~((temperature >= PLAUSIBLE_KELVIN[0]) & (temperature <= PLAUSIBLE_KELVIN[1]))
    bad = bad_roughness | bad_height | bad_direction | bad_temperature
    if not bad.any():
        return
    i = int(np.argmax(bad))
    line = int(sfc["line"][i])
    if bad_temperature[i]:
        hint = " (in degrees Celsius? the surface file holds kelvin)" if -90.0 < temperature[i] < 60.0 else ""
        raise InputError.field(where, f"line {line}, column {columns['temperature']} (temperature)",
                               float(temperature[i]), f"a temperature in [{PLAUSIBLE_KELVIN[0]:g}, "
                                                      f"{PLAUSIBLE_KELVIN[1]:g}] K, or 999 for missing{hint}")
    if bad_roughness[i]:
        raise InputError.field(where, f"line {line}, column {columns['roughness_length']} (roughness_length)",
                               float(roughness[i]), f"> 0 m and below 10 m{hint}")
    if bad_height[i]:
        raise InputError.field(where, f"line {line}, column {columns['wind_reference_height']} "
                                      "(wind_reference_height)", float(height[i]),
                               f"> z0 = {roughness[i]:g} m (the logarithmic wind profile){hint}")
    raise InputError.field(where, f"line {line}, column {columns['wind_direction']} (wind_direction)",
                           float(direction[i]), "in [0, 360] degree, or 999 for missing")


def check_profile_temperatures(sfc: dict, profiles: np.ndarray, usable: np.ndarray, where: str) -> None:
    """A profile temperature AERMOD PFLCNV would drop as missing although it is not a missing code (±99, ±999 and
    beyond; EPA's AERMET2.PFL of the AERMOD test cases writes −99.00): outside (−90, 90) °C, e.g. kelvin written
    into the °C column — AERMOD would silently run without the level. The first such level (in an hour that is not
    missing) raises, named by its hour and height."""
    t = profiles[:, :, 4]
    code = np.isclose(np.abs(t), 99.0) | (np.abs(t) >= 900.0) | ~np.isfinite(t)
    bad = ~code & ~_valid_profile_temperature(t) & usable[:, None]
    if not bad.any():
        return
    hour, level = (int(v) for v in np.argwhere(bad)[0])
    hint = " (in kelvin? the profile file holds degrees Celsius)" if 180.0 <= t[hour, level] <= 340.0 else ""
    raise InputError.field(where, f"the profile of {hour_label(sfc['local_start'][hour])} (surface-file line "
                                  f"{int(sfc['line'][hour])}), level {profiles[hour, level, 0]:g} m, column 9 "
                                  "(temperature)", float(t[hour, level]),
                           f"a temperature in (-90, 90) degree C, or ±99 / ±999 for missing{hint}")


def check_missing_hours(sfc: dict, reason: np.ndarray, fill_missing: bool, where: str) -> None:
    """Refuse missing hours (listing the first five) unless ``fill_missing``; refuse a file with no complete hour."""
    n_hours = sfc["line"].size
    missing = reason != ""
    if missing.any() and not fill_missing:
        first = np.flatnonzero(missing)[:5]
        listed = "; ".join(f"line {int(sfc['line'][i])} ({hour_label(sfc['local_start'][i])}: {reason[i]} = "
                           f"{sfc[reason[i]][i]:g})" for i in first)
        raise InputError(f"{where}: every hour must be complete for the steady-state model (AERMOD's missing-value "
                         f"rules), got {int(missing.sum())} of {n_hours} hours missing: {listed}"
                         f"{' …' if missing.sum() > first.size else ''}. Repair the file or pass fill_missing=True "
                         "to persist the previous complete hour")
    if missing.all():
        raise InputError.field(where, "hours", f"all {n_hours} missing", "at least one complete hour to persist")


def fill_hours(fields: dict, from_profile: np.ndarray, missing: np.ndarray, where: str):
    """Persist the previous complete hour into missing hours, and the last non-calm hour's state into calm hours.

    Returns the filled ``fields``, ``from_profile`` and the ``aermet_hour_flag`` (0 observed, 1 calm filled,
    2 missing filled). AERMET leaves a calm hour's direction and boundary-layer scalars missing (module docstring).
    """
    n_hours = missing.size
    flag = np.zeros(n_hours, dtype=np.int8)
    # Missing hours: the whole previous complete hour (calm or not), persisted.
    source = _persist_index(~missing)
    fields = {name: values[source] for name, values in fields.items()}
    from_profile = from_profile[source]
    flag[missing] = 2
    # Calm hours: direction and boundary-layer scalars from the last non-calm hour (AERMET leaves them missing).
    calm = fields["speed"] == 0.0
    if calm.any():
        source = _persist_index(~calm)
        if source is None:
            raise InputError.field(where, "wind_speed", f"0 (calm) in all {n_hours} hours",
                                   "at least one non-calm hour to take the boundary-layer state from")
        for name in ("direction", "length", "ustar", "wstar", "zic", "zim", "heat", "vptg"):
            fields[name] = np.where(calm, fields[name][source], fields[name])
        flag[calm & (flag == 0)] = 1
    return fields, from_profile, flag


