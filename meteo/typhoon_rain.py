"""Typhoon rain and coastal water level: the forcing of the flood kernel.

Rain rate at a point from the storm's intensity and the distance to its centre (parametric, symmetric, no
topography — a fallback when no radar QPE or forecast rain is available, and the same interface as gridded rain):

* R-CLIPER (Tuleya, DeMaria & Kuligowski 2007, Weather Forecast. 22:56–70, Table 2; Marks & DeMaria 2003):
  U = 1 + (V_m − 35)/33 with V_m the maximum sustained wind [kt]; T_0 = −1.10 + 3.96 U, T_m = −1.60 + 4.80 U
  [inch day-1]; r_m = 64.5 − 13.0 U, r_e = 150 − 16.0 U [km]; R = T_0 + (T_m − T_0) r/r_m for r ≤ r_m, else
  R = T_m exp(−(r − r_m)/r_e).
* IPET (Interagency Performance Evaluation Taskforce 2006, Vol. VIII, as used by Deltares cht-cyclones):
  R = 1.14 + 0.12 Δp [mm h-1] inside R_max, × exp(−0.3 (r − R_max)/R_max) outside (Δp in hPa).

Water level at the sea boundary (``stage``): astronomical tide (harmonic constituents) + inverse-barometer rise
Δη = Δp/(ρ_w g) (about 1 cm per hPa) + steady wind set-up over the shelf (Dean & Dalrymple 1991, *Water Wave
Mechanics for Engineers and Scientists*, §5.6: η = h[√(1 + 2 A x/L) − 1], A = n_b τ L/(ρ_w g h²) at the coast
x = L, τ = ρ_a C_d U₁₀², C_d = (0.75 + 0.067 U₁₀)·10⁻³ (Garratt 1977) capped at 2.5·10⁻³). These are screening
estimates, not a surge model; a user series (e.g. from a surge forecast) replaces them.
"""

from __future__ import annotations

import numpy as np

from twin.constants import STANDARD_GRAVITY
from twin.errors import InputError

__all__ = ["rcliper_rain_rate", "ipet_rain_rate", "TideConstituent", "astronomical_tide", "inverse_barometer",
           "wind_setup_dean_dalrymple", "KNOT", "SEAWATER_DENSITY"]

KNOT = 0.514444  # [m/s]
SEAWATER_DENSITY = 1025.0  # [kg m-3]
AIR_DENSITY = 1.15  # [kg m-3], near-surface air in a typhoon (warm, low pressure)
G = STANDARD_GRAVITY  # [m s-2]
_INCH_PER_DAY = 25.4 / 24.0 / 1000.0 / 3600.0  # inch/day → m/s


def rcliper_rain_rate(radius, max_wind_speed):
    """R-CLIPER symmetric rain rate (Tuleya et al. 2007, Table 2) [m s-1].

    radius : distance from the storm centre [m]; max_wind_speed : maximum sustained wind [m s-1] (the scheme's
    fit is in knots of 1-min wind; the conversion to knots is done here, the averaging period is the caller's).
    """
    r_km = np.asarray(radius, dtype=np.float64) / 1000.0
    vmax_kt = np.asarray(max_wind_speed, dtype=np.float64) / KNOT
    if np.any(r_km < 0) or np.any(~np.isfinite(r_km)):
        raise InputError.field("R-CLIPER", "radius", float(np.nanmin(r_km)) * 1000, ">= 0 m")
    if np.any(vmax_kt < 0) or np.any(~np.isfinite(vmax_kt)):
        raise InputError.field("R-CLIPER", "max_wind_speed", float(np.nanmin(vmax_kt)) * KNOT, ">= 0 m/s")
    u = 1.0 + (vmax_kt - 35.0) / 33.0
    t0 = -1.10 + 3.96 * u
    tm = -1.60 + 4.80 * u
    rm = 64.5 - 13.0 * u
    re = 150.0 - 16.0 * u
    inner = t0 + (tm - t0) * r_km / rm
    outer = tm * np.exp(-(r_km - rm) / re)
    rate = np.where(r_km <= rm, inner, outer)
    return np.maximum(rate, 0.0) * _INCH_PER_DAY


def ipet_rain_rate(radius, rmax, pressure_deficit):
    """IPET (2006) symmetric rain rate [m s-1]: radius and rmax [m], pressure_deficit p_n − p_c [Pa]."""
    r = np.asarray(radius, dtype=np.float64)
    rmax = np.asarray(rmax, dtype=np.float64)
    dp_hpa = np.asarray(pressure_deficit, dtype=np.float64) / 100.0
    if np.any(rmax <= 0):
        raise InputError.field("IPET rain", "rmax", float(np.min(rmax)), "> 0 m")
    if np.any(dp_hpa < 0):
        raise InputError.field("IPET rain", "pressure_deficit", float(np.min(dp_hpa)) * 100, ">= 0 Pa")
    core = 1.14 + 0.12 * dp_hpa  # [mm/h]
    rate = np.where(r < rmax, core, core * np.exp(-0.3 * (r - rmax) / rmax))
    return rate * 1e-3 / 3600.0


class TideConstituent:
    """One harmonic constituent: amplitude [m], period [h], phase [degree] at t = 0."""

    def __init__(self, name: str, amplitude: float, period_hours: float, phase_deg: float = 0.0):
        if not amplitude >= 0 or not period_hours > 0:
            raise InputError.field(f"tide constituent {name!r}", "amplitude/period", (amplitude, period_hours),
                                   "amplitude >= 0 m and period > 0 h")
        self.name, self.amplitude, self.period_hours, self.phase_deg = name, amplitude, period_hours, phase_deg


def astronomical_tide(t_seconds, constituents, mean_level: float = 0.0):
    """η_tide(t) = z0 + Σ a_k cos(2π t/T_k − φ_k) [m] (harmonic prediction; Pugh 1987, *Tides, Surges and Mean
    Sea-Level*, Ch. 4). The principal periods: M2 12.4206 h, S2 12.0 h, K1 23.9345 h, O1 25.8193 h."""
    t = np.asarray(t_seconds, dtype=np.float64) / 3600.0
    level = np.full(t.shape, float(mean_level))
    for c in constituents:
        level = level + c.amplitude * np.cos(2 * np.pi * t / c.period_hours - np.deg2rad(c.phase_deg))
    return level


def inverse_barometer(pressure_deficit):
    """Static sea-level rise under a pressure deficit Δp [Pa]: Δη = Δp/(ρ_w g) [m] (≈ 0.99 cm per hPa)."""
    return np.asarray(pressure_deficit, dtype=np.float64) / (SEAWATER_DENSITY * G)


def wind_setup_dean_dalrymple(wind_speed_onshore, shelf_depth: float, shelf_width: float, n_b: float = 1.15):
    """Steady wind set-up at the coast over a shelf of constant depth h [m] and width L [m] for an onshore 10 m
    wind U [m s-1] (Dean & Dalrymple 1991 §5.6): η = h[√(1 + 2A) − 1], A = n_b τ L/(ρ_w g h²), τ = ρ_a C_d U²,
    C_d = (0.75 + 0.067 U)·10⁻³ (Garratt 1977) ≤ 2.5·10⁻³; n_b = 1.15–1.3 accounts for bottom stress. [m]
    Offshore winds give 0 here (set-down is not modelled)."""
    u = np.maximum(np.asarray(wind_speed_onshore, dtype=np.float64), 0.0)
    if not shelf_depth > 0 or not shelf_width > 0:
        raise InputError.field("wind set-up", "shelf_depth/shelf_width", (shelf_depth, shelf_width), "> 0 m")
    drag = np.minimum((0.75 + 0.067 * u) * 1e-3, 2.5e-3)
    stress = AIR_DENSITY * drag * u * u
    a = n_b * stress * shelf_width / (SEAWATER_DENSITY * G * shelf_depth**2)
    return shelf_depth * (np.sqrt(1.0 + 2.0 * a) - 1.0)


_RAIN_NAMES = {  # CF standard name → factor to m s-1
    "lwe_precipitation_rate": 1.0,  # [m s-1]
    "rainfall_rate": 1.0,  # [m s-1]
    "precipitation_flux": 1e-3,  # [kg m-2 s-1] of water (1000 kg m-3) → m s-1
    "rainfall_flux": 1e-3,
}


def read_gridded_rain(path):
    """Gridded rain (radar QPE or a forecast) from a CF NetCDF, as a rate [m s-1] on (time, latitude, longitude).

    The variable is found by its ``standard_name`` (lwe_precipitation_rate or rainfall_rate [m s-1],
    precipitation_flux or rainfall_flux [kg m-2 s-1]); the horizontal coordinates by their standard names
    ``latitude`` and ``longitude`` (1-D). Units are checked against the standard name. Each time stamp holds the mean
    rate over the following interval (until the next stamp).
    """
    import os

    import xarray as xr

    from twin.errors import MissingInputError

    if not os.path.isfile(path):
        raise MissingInputError(f"gridded rain {str(path)!r} does not exist")
    with xr.open_dataset(path) as ds:
        found = [name for name, var in ds.data_vars.items() if var.attrs.get("standard_name") in _RAIN_NAMES]
        if not found:
            raise InputError.field(str(path), "standard_name", sorted(ds.data_vars),
                                   f"a variable with standard_name one of {sorted(_RAIN_NAMES)}")
        var = ds[found[0]]
        standard = var.attrs["standard_name"]
        expected = "kg m-2 s-1" if _RAIN_NAMES[standard] == 1e-3 else "m s-1"
        if var.attrs.get("units") != expected:
            raise InputError.field(f"{path}: {found[0]}", "units", var.attrs.get("units"), f"{expected!r}")
        rename = {}
        for coord in var.coords:
            name = ds[coord].attrs.get("standard_name")
            if name in ("latitude", "longitude"):
                rename[coord] = name
        var = var.rename(rename)
        if set(var.dims) != {"time", "latitude", "longitude"}:
            raise InputError.field(f"{path}: {found[0]}", "dims", var.dims, "(time, latitude, longitude)")
        rate = (var.transpose("time", "latitude", "longitude") * _RAIN_NAMES[standard]).load()
    if np.any(rate.values < 0) or not np.all(np.isfinite(rate.values)):
        raise InputError.field(str(path), found[0], float(np.nanmin(rate.values)), "finite rates >= 0")
    rate.attrs = {"units": "m s-1", "source_variable": found[0]}
    return rate
