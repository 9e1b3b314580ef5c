"""AERMET's hours as the AERMOD kernels take them (:class:`dispersion._aermod_kernels.Weather`): AERMOD's profiles
of every hour (:mod:`meteo.aermod_profiles`, a site tower's through :mod:`meteo.aermod_tower`), the hour's scalars,
the valid hours under the hour rules, the wind turned onto grid north, the urban option's layer
(:class:`AermodUrban`, :mod:`meteo.aermod_urban`), the air density PRIME's rise needs, and a subset of hours.
Sources: as :mod:`dispersion.aermod` (Cimorelli et al. 2004, EPA-454/R-03-004; the AERMOD program where the MFD is
silent, ``docs/unverified.md``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from dispersion._aermod_kernels import Weather
from dispersion.plume import valid_hours
from meteo.aermet import is_tower_profile
from meteo.aermod_profiles import AERMOD_G_OVER_CP, AERMOD_GRAVITY, aermod_profiles
from meteo.aermod_tower import tower_profiles
from meteo.aermod_urban import URBAN_DEFAULT_ROUGHNESS, urban_layer, urban_profiles
from twin.errors import InputError

__all__ = ["AermodUrban", "aermod_weather", "air_density_profile", "profile_tables", "subset_weather",
           "weather_levels"]

_MINIMUM_GRADIENT_ABOVE_ZI = 0.005  # [K m-1] dθ/dz above z_i when AERMET gives none or less (AERMOD; unverified.md)


@dataclass(frozen=True)
class AermodUrban:
    """AERMOD's urban option (URBANOPT, every stack urban): the city's ``population`` [persons] and its roughness
    ``roughness`` [m] (AERMOD's default 1 m); ``morning_transition``: convective hours whose convective mixing
    height is still below the urban layer's keep it (AERMOD's default; False is its NOURBTRAN).
    :mod:`meteo.aermod_urban` has the formulation."""

    population: float
    roughness: float = URBAN_DEFAULT_ROUGHNESS
    morning_transition: bool = True

    def __post_init__(self) -> None:
        if not (np.isfinite(self.population) and 100.0 <= self.population <= 5.0e7):
            raise InputError.field("AERMOD urban option", "population", self.population,
                                   "the urban area's population, 100 .. 50,000,000 persons (below ~91 the "
                                   "urban-rural temperature difference of AERMOD's fit is negative)")
        if not (np.isfinite(self.roughness) and 0.001 <= self.roughness <= 5.0):
            raise InputError.field("AERMOD urban option", "roughness", self.roughness,
                                   "the urban roughness length, 0.001 .. 5 m (AERMOD's default 1 m)")


def profile_tables(heights: np.ndarray, rows: np.ndarray):
    """Slopes per metre and running integrals from the ground of profile rows (H, Z, 5) on ``heights`` (Z,)."""
    dz = np.diff(heights)
    slopes = np.zeros_like(rows)
    slopes[:, :-1] = np.diff(rows, axis=1) / dz[None, :, None]
    integrals = np.zeros_like(rows)
    integrals[:, 1:] = np.cumsum(0.5 * (rows[:, 1:] + rows[:, :-1]) * dz[None, :, None], axis=1)
    return slopes, integrals


def aermod_weather(met: xr.Dataset, *, true_north_grid_bearing: float = 0.0, hour_rules: str = "aermod",
                   urban: AermodUrban | None = None) -> Weather:
    """The kernel's weather from an AERMET dataset (``meteo.read_aermet``): AERMOD's profiles of every hour
    (:func:`meteo.aermod_profiles.aermod_profiles`), the scalars, the valid hours under ``hour_rules``, and the wind
    direction turned from true north onto grid north by ``true_north_grid_bearing`` [degree]. With ``urban``
    (:class:`AermodUrban`) the hours of the urban stable layer (:mod:`meteo.aermod_urban`) carry what AERMOD's PCALC
    swaps in for an urban source: the urban σ_v, σ_w, dθ/dz and θ profiles, z_i = max(z_iuc, z_im), the urban u*
    and |L_u| (with the rural hour's sign, which decides the plume type)."""
    for name in ("convective_mixing_height", "mechanical_mixing_height", "reference_air_temperature",
                 "friction_velocity", "obukhov_length", "wind_from_direction"):
        if name not in met:
            raise InputError.field("AERMOD weather", name, "missing", "an AERMET dataset from meteo.read_aermet")
    _check_aermet(met)
    profiles = tower_profiles(met) if is_tower_profile(met.attrs) else aermod_profiles(met)
    get = lambda name: np.ascontiguousarray(met[name].values, dtype=np.float64)  # noqa: E731
    ustar, length, zi = get("friction_velocity"), get("obukhov_length"), get("atmosphere_boundary_layer_thickness")
    zim = get("mechanical_mixing_height")
    layer = None
    density = air_density_profile(profiles.heights, profiles.potential_temperature, get("reference_air_temperature"))
    if urban is not None:
        temperature = get("reference_air_temperature")
        layer = urban_layer(population=urban.population, urban_roughness=urban.roughness, friction_velocity=ustar,
                            obukhov_length=length, air_temperature=temperature,
                            surface_roughness=get("surface_roughness_length"),
                            convective_mixing_height=get("convective_mixing_height"), mechanical_mixing_height=zim,
                            morning_transition=urban.morning_transition)
        profiles = urban_profiles(profiles, layer, air_temperature=temperature,
                                  temperature_height=get("reference_air_temperature_height"))
        on = layer.active
        ustar = np.where(on, layer.friction_velocity, ustar)
        length = np.where(on, np.copysign(np.abs(layer.obukhov_length), length), length)
        zi = np.where(on, np.maximum(layer.mixing_height, zim), zi)
    rows = np.ascontiguousarray(np.stack([profiles.wind_speed, profiles.sigma_v, profiles.sigma_w,
                                          profiles.potential_temperature_gradient,
                                          profiles.potential_temperature], axis=-1))
    slopes, integrals = profile_tables(profiles.heights, rows)
    wstar = get("convective_velocity_scale")
    above = np.maximum(np.nan_to_num(get("potential_temperature_gradient_above_mixing_height"),
                                     nan=_MINIMUM_GRADIENT_ABOVE_ZI), _MINIMUM_GRADIENT_ABOVE_ZI)
    direction = np.deg2rad(np.nan_to_num(get("wind_from_direction")) + true_north_grid_bearing)
    return Weather(heights=np.ascontiguousarray(profiles.heights, dtype=np.float64), rows=rows, slopes=slopes,
                   integrals=integrals, valid=np.ascontiguousarray(valid_hours(met, hour_rules)),
                   friction_velocity=np.ascontiguousarray(ustar),
                   convective_velocity_scale=np.where(np.isfinite(wstar), wstar, 0.0),
                   obukhov_length=np.ascontiguousarray(length), mixing_height=np.ascontiguousarray(zi),
                   mechanical_mixing_height=zim,
                   mean_wind_speed=np.ascontiguousarray(profiles.mean_wind_speed, dtype=np.float64),
                   mean_sigma_w=np.ascontiguousarray(profiles.mean_sigma_w, dtype=np.float64),
                   theta_at_zi=np.ascontiguousarray(profiles.potential_temperature_at_zi, dtype=np.float64),
                   gradient_above_zi=above, wind_from_sin=np.sin(direction), wind_from_cos=np.cos(direction),
                   **_direction_profile(profiles, true_north_grid_bearing),
                   urban=np.zeros(length.shape, dtype=bool) if layer is None else np.ascontiguousarray(layer.active),
                   density=density, **weather_levels(profiles.heights))


def weather_levels(heights) -> dict:
    """The ``levels`` and ``level_scale`` fields of :class:`Weather` (and of the kernel's hour) on the profile
    ``heights`` (Z,) [m], strictly increasing: the buckets of :func:`dispersion._aermod_physics.level_of`, width w
    the smallest spacing (at least 1/65536 of the span: at most 65536 buckets), bucket b = [b·w, (b + 1)·w) from
    0 to heights[Z − 2], each holding the level at or below its lower edge (clipped to [0, Z − 2]); ``level_scale``
    the buckets per metre."""
    heights = np.asarray(heights, dtype=np.float64)
    top = max(float(heights[-2]), 1e-9)
    width = max(float(np.diff(heights).min()), top / 65536.0)
    edges = np.arange(int(np.ceil(top / width)) + 1) * width
    levels = np.clip(np.searchsorted(heights, edges, side="right") - 1, 0, heights.size - 2)
    return {"levels": np.ascontiguousarray(levels, dtype=np.int64), "level_scale": 1.0 / width}


def air_density_profile(heights, theta, air_temperature) -> np.ndarray:
    """Air density [kg m-3] (H, Z) on ``heights`` (Z,) [m] from the potential temperature ``theta`` (H, Z) [K] and
    the surface air temperature (H,) [K]: ρ = 1.2 (T_0/T) exp(−g z/(R T̄)), T = θ − (g/c_p) z, T̄ = (T + T_0)/2
    (hydrostatic, ideal gas, R = 287.026 J kg-1 K-1; as AERMOD's GRDDEN codes it, from the rural profile also for an
    urban source — PRIME's plume rise, :mod:`dispersion._prime_kernels`)."""
    z = np.asarray(heights, dtype=np.float64)[None, :]
    t0 = np.asarray(air_temperature, dtype=np.float64)[:, None]
    t = np.asarray(theta, dtype=np.float64) - AERMOD_G_OVER_CP * z
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = 1.2 * (t0 / t) * np.exp(-AERMOD_GRAVITY * z / (287.026 * 0.5 * (t + t0)))
    return np.ascontiguousarray(np.where(np.isfinite(rho), rho, 1.2))


def _direction_profile(profiles, bearing: float) -> dict:
    """The kernel's per-stack directions: a site tower's direction grid turned onto grid north, every hour veering
    (AERMOD takes each stack's direction at mid-rise from the grid); else none."""
    n_hours = profiles.wind_speed.shape[0]
    if profiles.wind_from_direction is None:
        return {"veering": np.zeros(n_hours, dtype=bool), "direction_profile": np.zeros((n_hours, 1))}
    return {"veering": np.ones(n_hours, dtype=bool),
            "direction_profile": np.ascontiguousarray(profiles.wind_from_direction + bearing, dtype=np.float64)}


def _check_aermet(met: xr.Dataset) -> None:
    """What this mode cannot run as AERMOD would: a dataset whose attributes say site tower without the tower's
    levels (built by hand, or subset without its ``profile_*`` variables — refused rather than profiled from one
    level), and a surface file processed with both ADJ_U* and BULKRN."""
    where = f"AERMOD weather ({met.attrs.get('source', 'AERMET dataset')})"
    if is_tower_profile(met.attrs) and "profile_height" not in met:
        raise InputError.field(where, "profile_height",
                               "missing", "the tower's levels as meteo.read_aermet keeps them (profile_* variables): "
                               "the profile file has several levels or measured turbulence")
    options = str(met.attrs.get("aermet_options", "")).split()
    if "ADJ_U*" in options and "BULKRN" in options:
        raise InputError.field(where, "AERMET options (surface file header)", " ".join(options),
                               "not both ADJ_U* and BULKRN: AERMOD then takes the stable θ* from the cloud cover "
                               "(its TGINIT, SFC column 25), which ParkTwin does not read; process the met without "
                               "BULKRN, or without ADJ_U*")


_SHARED = ("heights", "levels", "level_scale")  # Weather's fields that are not per hour


def subset_weather(weather: Weather, hours) -> Weather:
    """``weather`` at some hours (a slice or an index array in time order; the heights and their buckets are
    shared)."""
    return Weather(*(value if name in _SHARED else np.ascontiguousarray(value[hours])
                     for name, value in zip(Weather._fields, weather)))
