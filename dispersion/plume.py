"""Steady Gaussian plume of many stacks over hours: inputs checked here, the sums done in ``_plume_kernels``.

Physics (ISC3 short-term model, EPA-454/B-95-003b Vol. II §1.1, with the Briggs plume rise of §1.1.4):

    C(x, y, z) = Q / (2π u_s σ_y σ_z) · exp(−y² / 2σ_y²) · exp(−ψ x / u_s) · V(z)                       (ISC3 Eq. 1-1)
    V(z) = Σ_{n=−N..N} exp(−(z − h_e + 2nL)² / 2σ_z²) + exp(−(z + h_e + 2nL)² / 2σ_z²)                 (ISC3 Eq. 1-50)

with Q the emission rate [kg/s], u_s the wind speed at stack height [m/s] (power law, ≥ 1 m/s), x/y the downwind and
crosswind distances [m], σ_y/σ_z the dispersion coefficients [m] of the chosen model (with buoyancy-induced dispersion
σ_e² = σ² + (Δh/3.5)², ISC3 Eq. 1-45/1-46), h_e the effective height [m] (stack height after stack-tip downwash plus
Briggs final rise), L the mixing height [m], ψ = ln 2 / T½ the first-order decay rate [1/s].

* σ_z > 1.6 L: the well-mixed form C = Q / (√(2π) u_s σ_y L) · exp(−y²/2σ_y²) (ISC3 Eq. 1-52).
* Unstable or neutral air (A–D) with h_e > L: zero at receptors below the lid (ISC3 §1.1.6). Stable air (E, F):
  no lid (ISC3 treats the mixing height as unlimited in stable hours), only ground reflection.
* Simple terrain (ISC3 §1.1.6.1 simple terrain, "terrain truncation"): the plume height above a receptor is
  h_e − min(z_r − z_s, h_s), z_r the receptor's ground elevation, z_s the stack base, h_s the physical stack height,
  and never below 0.
* Receptors closer than 1 m downwind, or upwind, get nothing from that source (ISC3).

Hour rules (``PlumeOptions.hour_rules``), the statistics' treatment of calm and missing hours:

* ``"screening"`` (ParkTwin's screening modes): every hour is modelled — a calm hour at the steady-state wind floor
  (``model_wind_speed``, 1 m/s) with the last direction, a filled missing hour as filled; a daily mean needs
  ``min_hours_per_day`` hours and divides by the hours it has; the period mean divides by all hours.
* ``"aermod"``: calm and missing hours are not modelled — their concentration is zero and they are left out of
  every average (EPA's calms policy: EPA-454/R-99-005 §6.2.3, "nullify concentration estimates for calm conditions
  and adjust short-term and annual average concentrations"); a 24-h mean is the day's sum divided by
  max(valid hours, 18) (CALMPRO, EPA-901/9-84-001, 1984, as AERMOD applies it; listed in docs/unverified.md) and
  exists for every day; the period mean divides by the number of valid hours. Calm: AERMET's Ws = 0
  (``aermet_hour_flag`` 1), or ``calm_flag`` for other weather; missing: ``aermet_hour_flag`` 2.

Every array crossing into the kernel is float64/int64 and C-contiguous; receptors are re-ordered into tiles for the
kernel and returned in the caller's order.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Literal

import numpy as np
import xarray as xr

from dispersion.no2_chemistry import (ARM2_DEFAULT_MAXIMUM, ARM2_DEFAULT_MINIMUM, NO2_CONVERSIONS, OLM_EQUILIBRIUM,
                                      Arm2)
from dispersion.coefficients import ISC3_PG_SIGMA_Y, SIGMA_MODEL_NAMES, power_law_segments, sigma_y_linear_bound
from dispersion import plume_rise as rise
from dispersion.source_sets import RELEASE_CODES, VOLUME_SIGMA_LIMIT, ReceptorSet, StackSet, checked_buildings
from dispersion.tiles import automatic_tile_size, build_tiles, tiled_receptors
from meteo.profiles import wind_speed_power_law
from twin.errors import InputError

__all__ = [
    "RELEASE_CODES",
    "VOLUME_SIGMA_LIMIT",
    "StackSet",
    "checked_buildings",
    "ReceptorSet",
    "PlumeOptions",
    "SourceHours",
    "source_hours",
    "run_plume",
    "evaluate_plume",
    "rates_array",
    "valid_hours",
    "HOUR_RULES",
    "SIGMA_MODEL_NAMES",
]

_NO_LID = 1.0e30  # stands for an unlimited mixing height inside the kernel (no infinities cross into it)
_MIN_STACK_WIND_SPEED = 1.0  # [m/s] ISC3 floor on the stack-height wind speed
HOUR_RULES = ("screening", "aermod")
AERMOD_DAILY_DIVISOR_FLOOR = 18  # [h] a 24-h mean divides by max(valid hours, 18) (module docstring)


def rise_exit_conditions(stacks: "StackSet") -> tuple[np.ndarray, np.ndarray]:
    """The exit velocity [m s-1] and inner diameter [m] plume rise takes: as given for a vertical release; for a
    capped or horizontal one 0.001 m/s through the diameter that keeps the volume flow, d √(v/0.001), so the
    buoyancy flux is kept and the momentum lost (U.S. EPA Model Clearinghouse, 1993)."""
    sideways = stacks.release != RELEASE_CODES["vertical"]
    velocity = np.where(sideways, rise.CAPPED_EXIT_VELOCITY, stacks.exit_velocity)
    diameter = np.where(sideways, stacks.inner_diameter * np.sqrt(stacks.exit_velocity / rise.CAPPED_EXIT_VELOCITY),
                        stacks.inner_diameter)
    return velocity, diameter


def release_height(stacks: "StackSet", stack_speed: np.ndarray, tip_downwash: bool) -> np.ndarray:
    """Height [m] (H, S) the plume rises from: Briggs's stack-tip downwash (``rise.stack_tip_downwash``) with the
    exit velocity, or 0.001 m/s for a capped stack (whose downwash applies even without ``tip_downwash``, as
    AERMOD's POINTCAP); the stack height for a horizontal release or without ``tip_downwash``."""
    capped = stacks.release == RELEASE_CODES["capped"]
    velocity = np.where(capped, rise.CAPPED_EXIT_VELOCITY, stacks.exit_velocity)
    downwashed = rise.stack_tip_downwash(stacks.height, stacks.inner_diameter, velocity, stack_speed)
    applies = capped | (tip_downwash & (stacks.release == RELEASE_CODES["vertical"]))
    return np.where(applies, downwashed, np.broadcast_to(stacks.height, np.shape(stack_speed)))


@dataclass(frozen=True)
class PlumeOptions:
    """Model choices of a plume run, all explicit (nothing is inferred from the data).

    sigma_model : one of SIGMA_MODEL_NAMES; averaging_time : averaging time of the concentrations [h] (used by the
    GB/T 13201 sampling-time correction); stack_tip_downwash, buoyancy_induced_dispersion : ISC3 options;
    terrain : "simple" (ISC3 terrain truncation) or "flat", or with dispersion "aermod" "flat" or "elevated"
    (AERMOD's two plume states; the receptors need hill heights); half_life : first-order decay half-life per substance
    [s] (absent = no decay); true_north_grid_bearing : bearing of true north on the grid at the site [degree
    clockwise from grid north] (wind directions are from true north; on a Gauss–Krüger grid away from the central
    meridian, grid and true north differ by the meridian convergence); utc_offset_hours : local time offset used
    to cut calendar days for daily means [h]; min_hours_per_day : hours a day needs for a valid daily mean
    (GB 3095-2012 Table 4: at least 20 hourly values); store_hourly : keep hourly fields (else statistics only);
    store_daily : also return the daily means (day, receptor), which percentile statistics (HJ 663-2013) need;
    cull : skip receptor tiles upwind or beyond 6 σ_y; parallel : Numba threads over receptor tiles (False inside
    Dask workers); tile_size : side of the square receptor tiles [m] (None: about 100 receptors a tile, long enough
    for vectorised loops, small enough to cull well); hour_rules : "screening" or "aermod", how calm and missing
    hours enter the statistics (module docstring; under "aermod" ``min_hours_per_day`` is not used: every day has a
    24-h mean); dispersion : "screening" (this module's Gaussian plume with ``sigma_model``) or "aermod" (AERMOD's
    formulation, ``dispersion.aermod``, through ``dispersion.point_sources``: flat or elevated terrain, AERMOD's
    hour rules and an AERMET weather dataset; an urban ``land_use`` is AERMOD's urban option for every stack, with
    ``urban_population`` [persons] and ``urban_roughness`` [m], and SO2 then decays with AERMOD's 4-h half-life
    unless ``half_life`` gives one); no2_conversion : how NOx emitted as NO2 (``dispersion.no2_chemistry.NOX_KEYS``)
    becomes NO2 at the receptors — "full" (every µg, AERMOD without an NO2 option) or, with dispersion "aermod",
    "arm2" (AERMOD's Ambient Ratio Method 2 on each receptor's hourly total, bounded by ``arm2_ratios`` (minimum,
    maximum) [-], AERMOD's ARMRATIO, default 0.5 and 0.9) or "olm" (AERMOD's Ozone Limiting Method, with the hours'
    ozone of ``SourceHours.ozone``, each source's in-stack NO2/NOx ratio
    ``olm_in_stack_ratios`` [-] by id or else ``olm_in_stack_ratio``, and the equilibrium ratio ``olm_equilibrium``
    [-]; ``olm_grouped`` False: each source on its own, AERMOD's OLM without OLMGROUP;
    :mod:`dispersion.no2_chemistry`).
    """

    sigma_model: str = "briggs_rural"
    land_use: Literal["rural", "urban"] = "rural"
    averaging_time: float = 1.0
    stack_tip_downwash: bool = True
    buoyancy_induced_dispersion: bool = True
    terrain: Literal["simple", "flat", "elevated"] = "simple"
    half_life: Mapping[str, float] = field(default_factory=dict)
    true_north_grid_bearing: float = 0.0
    utc_offset_hours: float = 8.0
    min_hours_per_day: int = 20
    store_hourly: bool = True
    store_daily: bool = False
    cull: bool = True
    parallel: bool = True
    tile_size: float | None = None
    hour_rules: Literal["screening", "aermod"] = "screening"
    dispersion: Literal["screening", "aermod"] = "screening"
    urban_population: float | None = None
    urban_roughness: float = 1.0
    no2_conversion: Literal["full", "arm2", "olm"] = "full"
    arm2_ratios: tuple[float, float] = (ARM2_DEFAULT_MINIMUM, ARM2_DEFAULT_MAXIMUM)
    olm_in_stack_ratio: float | None = None
    olm_in_stack_ratios: Mapping[str, float] = field(default_factory=dict)
    olm_equilibrium: float = OLM_EQUILIBRIUM
    olm_grouped: bool = True

    def __post_init__(self) -> None:
        if self.dispersion not in ("screening", "aermod"):
            raise InputError.field("plume options", "dispersion", self.dispersion, "screening or aermod")
        if self.dispersion == "aermod":
            for name, value, allowed in (("hour_rules", self.hour_rules, ("aermod",)),
                                         ("terrain", self.terrain, ("flat", "elevated"))):
                if value not in allowed:
                    raise InputError.field("plume options (dispersion aermod)", name, value,
                                           f"{' or '.join(allowed)} (AERMOD mode: flat or elevated terrain, "
                                           "AERMOD's hour rules)")
            if not self.buoyancy_induced_dispersion:
                raise InputError.field("plume options (dispersion aermod)", "buoyancy_induced_dispersion", False,
                                       "true (AERMOD's σ_b = β2 Δh/√2 is part of its formulation, with no option "
                                       "to leave it out)")
            if self.land_use == "urban" and self.urban_population is None:
                raise InputError.field("plume options (dispersion aermod)", "urban_population", None,
                                       "the population of the urban area [persons] for AERMOD's urban option "
                                       "(the park's land_use is urban)")
        if self.urban_population is not None and (self.dispersion != "aermod" or self.land_use != "urban"):
            raise InputError.field("plume options", "urban_population", self.urban_population,
                                   "only with dispersion aermod and an urban park (AERMOD's urban option)")
        if self.no2_conversion not in NO2_CONVERSIONS:
            raise InputError.field("plume options", "no2_conversion", self.no2_conversion, f"one of {NO2_CONVERSIONS}")
        if self.no2_conversion != "full" and self.dispersion != "aermod":
            raise InputError.field("plume options", "no2_conversion", self.no2_conversion,
                                   "'full' with the screening plume (ARM2 and OLM are AERMOD's NO2 options: "
                                   "dispersion aermod)")
        if self.no2_conversion == "arm2":
            Arm2(*self.arm2_ratios)  # raises, naming the bound
        for name, value in [("olm_in_stack_ratio", self.olm_in_stack_ratio),
                            *((f"olm_in_stack_ratios[{k!r}]", v) for k, v in self.olm_in_stack_ratios.items())]:
            if value is not None and not 0.0 <= value <= 1.0:
                raise InputError.field("plume options", name, value, "an in-stack NO2/NOx ratio in [0, 1]")
        if not 0.0 < self.olm_equilibrium <= 1.0:
            raise InputError.field("plume options", "olm_equilibrium", self.olm_equilibrium, "a ratio in (0, 1]")
        if self.hour_rules not in HOUR_RULES:
            raise InputError.field("plume options", "hour_rules", self.hour_rules, f"one of {HOUR_RULES}")
        if self.sigma_model not in SIGMA_MODEL_NAMES:
            raise InputError.field("plume options", "sigma_model", self.sigma_model, f"one of {SIGMA_MODEL_NAMES}")
        if self.land_use not in ("rural", "urban"):
            raise InputError.field("plume options", "land_use", self.land_use, "'rural' or 'urban'")
        if self.terrain not in ("simple", "flat") and self.dispersion != "aermod":
            raise InputError.field("plume options", "terrain", self.terrain,
                                   "'simple' or 'flat' ('elevated' is AERMOD's terrain: dispersion 'aermod')")
        if self.tile_size is not None and not self.tile_size > 0:
            raise InputError.field("plume options", "tile_size", self.tile_size, "> 0 m or None (automatic)")
        for key, value in self.half_life.items():
            if not value > 0:
                raise InputError.field("plume options", f"half_life[{key!r}]", value, "> 0 s")


@dataclass(frozen=True)
class SourceHours:
    """Everything hoisted per hour (H,) and per (hour, source) (H, S) before the receptor loop.

    wind_to_x, wind_to_y : unit vector the wind blows towards, in grid axes [-]; mixing_height [m] (1e30 = no lid);
    stability [0..5]; day : local calendar-day number of each hour; stack_wind_speed : u_s [m/s];
    effective_height : h_e above the stack base [m]; rise : Briggs final rise Δh [m];
    bid_variance : (Δh/3.5)² [m²] (0 when buoyancy-induced dispersion is off); valid : the hour is modelled (False:
    a calm or missing hour under AERMOD's hour rules, zero and left out of averages); aermod : the AERMOD mode's
    weather (``dispersion.aermod.aermod_weather``) when ``PlumeOptions.dispersion`` is "aermod", else None;
    ozone, ozone_missing : (H,) the hours' ozone [µg m-3] and its missing hours for the AERMOD mode's OLM
    (``dispersion.no2_chemistry.olm_ozone``), else None.
    """

    wind_to_x: np.ndarray
    wind_to_y: np.ndarray
    mixing_height: np.ndarray
    stability: np.ndarray
    day: np.ndarray
    stack_wind_speed: np.ndarray
    effective_height: np.ndarray
    rise: np.ndarray
    bid_variance: np.ndarray
    valid: np.ndarray | None = None
    aermod: object | None = None
    ozone: np.ndarray | None = None
    ozone_missing: np.ndarray | None = None

    def __post_init__(self) -> None:
        valid = np.ones(np.shape(self.day), dtype=bool) if self.valid is None else self.valid
        object.__setattr__(self, "valid", np.ascontiguousarray(valid, dtype=bool))


def valid_hours(met: xr.Dataset, hour_rules: str) -> np.ndarray:
    """(H,) bool: the hours the model evaluates under ``hour_rules`` (module docstring): all of them under
    "screening"; under "aermod" none that is calm (``aermet_hour_flag`` 1, or ``calm_flag`` for weather that is not
    from AERMET) or missing (``aermet_hour_flag`` 2)."""
    n_hours = met.sizes["time"]
    if hour_rules == "screening":
        return np.ones(n_hours, dtype=bool)
    if "aermet_hour_flag" in met:
        return np.asarray(met["aermet_hour_flag"].values) == 0
    if "calm_flag" in met:
        return np.asarray(met["calm_flag"].values) == 0
    return np.ones(n_hours, dtype=bool)


def source_hours(stacks: StackSet, met: xr.Dataset, options: PlumeOptions) -> SourceHours:
    """Hoist the per-hour and per-(hour, stack) quantities: wind vector, lid, plume rise, stack-height wind.

    ``met`` is a prepared weather dataset (``meteo.prepare_dispersion_met``): ``model_wind_speed`` [m/s] at 10 m
    (calms already reset), ``wind_from_direction`` [degree from true north], ``air_temperature`` [K],
    ``stability_class`` [0..5], ``atmosphere_boundary_layer_thickness`` [m].
    """
    if stacks.has_volumes:
        k = int(np.flatnonzero(stacks.release >= RELEASE_CODES["volume"])[0])
        kind = "volume" if stacks.release[k] == RELEASE_CODES["volume"] else "area"
        raise InputError.field(f"stack {stacks.ids[k]!r}", "release", kind,
                               "a stack (vertical, capped or horizontal): the screening plume has no volume or area "
                               "sources; model them with dispersion: aermod")
    for name in ("model_wind_speed", "wind_from_direction", "air_temperature", "stability_class",
                 "atmosphere_boundary_layer_thickness"):
        if name not in met:
            raise InputError.field("weather", name, "missing", "present (run meteo.prepare_dispersion_met first)")
    wind_speed = np.asarray(met["model_wind_speed"].values, dtype=np.float64)
    direction = np.asarray(met["wind_from_direction"].values, dtype=np.float64)
    temperature = np.asarray(met["air_temperature"].values, dtype=np.float64)
    stability = np.asarray(met["stability_class"].values).astype(np.int64)
    lid = np.asarray(met["atmosphere_boundary_layer_thickness"].values, dtype=np.float64)
    if np.any((stability < 0) | (stability > 5)):
        raise InputError.field("weather", "stability_class", int(stability.min()), "codes 0..5 (A..F)")
    if np.any(wind_speed <= 0):
        raise InputError.field("weather", "model_wind_speed", float(wind_speed.min()), "> 0 m/s")

    # Wind "from" θ (clockwise from true north) blows towards θ + 180°; turn true bearings into grid bearings.
    bearing_to = np.deg2rad(direction + 180.0 + options.true_north_grid_bearing)
    wind_to_x = np.sin(bearing_to)
    wind_to_y = np.cos(bearing_to)
    mixing_height = np.where(stability >= 4, _NO_LID, lid)

    local = met["time"].values.astype("datetime64[ns]") + np.timedelta64(int(options.utc_offset_hours * 3600), "s")
    day = local.astype("datetime64[D]").astype(np.int64)

    stack_speed = np.maximum(
        wind_speed_power_law(wind_speed[:, None], stacks.height[None, :], stability[:, None], options.land_use),
        _MIN_STACK_WIND_SPEED,
    )
    released = release_height(stacks, stack_speed, options.stack_tip_downwash)
    velocity, diameter = rise_exit_conditions(stacks)
    final = rise.plume_rise_briggs(
        exit_velocity=velocity,
        inner_diameter=diameter,
        exit_temperature=stacks.exit_temperature,
        ambient_temperature=temperature[:, None],
        wind_speed=stack_speed,
        stability=stability[:, None],
    )
    plume_rise = np.asarray(final.rise, dtype=np.float64)
    bid = (plume_rise / 3.5) ** 2 if options.buoyancy_induced_dispersion else np.zeros_like(plume_rise)
    return SourceHours(
        wind_to_x=np.ascontiguousarray(wind_to_x),
        wind_to_y=np.ascontiguousarray(wind_to_y),
        mixing_height=np.ascontiguousarray(mixing_height, dtype=np.float64),
        stability=np.ascontiguousarray(stability),
        day=np.ascontiguousarray(day),
        stack_wind_speed=np.ascontiguousarray(stack_speed),
        effective_height=np.ascontiguousarray(released + plume_rise),
        rise=np.ascontiguousarray(plume_rise),
        bid_variance=np.ascontiguousarray(bid),
        valid=np.ascontiguousarray(valid_hours(met, options.hour_rules)),
    )


def _sigma_tables(options: PlumeOptions):
    """Pack the sigma model into the kernel's (6, K, 6) segment tables, modes and σ_y ≤ k·x bounds (fresh copies of
    tables built once per (model, averaging time): an ensemble member would otherwise spend 1.6 ms rebuilding them)."""
    return tuple(np.array(table, copy=True) for table in _sigma_tables_for(options.sigma_model, options.averaging_time))


@functools.lru_cache(maxsize=16)
def _sigma_tables_for(sigma_model: str, averaging_time: float):
    options = SimpleNamespace(sigma_model=sigma_model, averaging_time=averaging_time)
    per_class_y, per_class_z, mode_y, mode_z, bound = [], [], [], [], []
    for cls in range(6):
        if options.sigma_model == "pasquill_gifford_isc3":
            c, d = ISC3_PG_SIGMA_Y[cls]
            seg_y = np.array([[np.inf, c, d, 0.0, 0.0, np.inf]])
            mode_y.append(2)
        else:
            seg_y = power_law_segments(options.sigma_model, cls, "y", averaging_time=options.averaging_time)
            mode_y.append(0 if _is_briggs_form(seg_y) else 1)
        seg_z = power_law_segments(options.sigma_model, cls, "z", averaging_time=options.averaging_time)
        mode_z.append(0 if _is_briggs_form(seg_z) else 1)
        per_class_y.append(seg_y)
        per_class_z.append(seg_z)
        bound.append(sigma_y_linear_bound(options.sigma_model, cls, averaging_time=options.averaging_time))

    def pack(tables):
        width = max(t.shape[0] for t in tables)
        out = np.zeros((6, width, 6))
        for cls, table in enumerate(tables):
            out[cls, : table.shape[0]] = table
            out[cls, table.shape[0]:] = table[-1]
        # No infinities cross into the kernel: +inf bounds and caps become 1e300.
        return np.ascontiguousarray(np.minimum(out, 1e300)), np.array([t.shape[0] for t in tables], dtype=np.int64)

    sig_y, nseg_y = pack(per_class_y)
    sig_z, nseg_z = pack(per_class_z)
    return (sig_y, nseg_y, np.array(mode_y, dtype=np.int64), sig_z, nseg_z, np.array(mode_z, dtype=np.int64),
            np.array(bound, dtype=np.float64))


def _is_briggs_form(segments: np.ndarray) -> bool:
    """One segment, σ = a·x·(1 + b·x)^β with β ∈ {-1, -½, 0, ½} and no cap: the kernel's vectorised path."""
    if segments.shape[0] != 1:
        return False
    _, _, alpha, b, beta, cap = segments[0]
    return alpha == 1.0 and np.isinf(cap) and (b == 0.0 or beta in (-1.0, -0.5, 0.0, 0.5))


def run_plume(
    stacks: StackSet,
    emission_rates: Mapping[str, np.ndarray],
    receptors: ReceptorSet,
    met: xr.Dataset,
    options: PlumeOptions = PlumeOptions(),
) -> xr.Dataset:
    """Hourly concentrations and statistics of a steady Gaussian plume from every stack at every receptor.

    Parameters
    ----------
    stacks : StackSet
        The stacks (S of them).
    emission_rates : mapping substance key -> array_like
        Emission rate of each stack, shape (S,) constant or (H, S) per hour. [g/s]
    receptors : ReceptorSet
        The receptors (R of them).
    met : xarray.Dataset
        Prepared hourly weather (H hours), see :func:`source_hours`.
    options : PlumeOptions
        Model choices.

    Returns
    -------
    xarray.Dataset
        For each substance key: ``<key>`` (time, receptor) hourly mass concentration [kg m-3] (when
        ``store_hourly``), ``<key>_max_1h``, ``<key>_max_24h`` (NaN where no day has ``min_hours_per_day`` hours),
        ``<key>_period_mean`` (receptor) [kg m-3]; with ``store_daily``, ``<key>_daily`` (day, receptor) daily
        means [kg m-3] (NaN for days with fewer than ``min_hours_per_day`` hours) on the coordinate ``day``
        (local calendar dates); plus per-(time, stack) diagnostics ``effective_height`` [m] and
        ``stack_wind_speed`` [m/s].
    """
    hours = source_hours(stacks, met, options)
    rates = rates_array(emission_rates, *hours.effective_height.shape)
    fields = evaluate_plume(stacks, rates, receptors, hours, options, substances=list(emission_rates))
    data_vars = {name: (dims, values, {"units": "kg m-3"}) for name, (dims, values) in fields.items()}
    data_vars["effective_height"] = (("time", "stack"), hours.effective_height, {"units": "m"})
    data_vars["stack_wind_speed"] = (("time", "stack"), hours.stack_wind_speed, {"units": "m s-1"})
    coords = {"time": met["time"].values, "stack": list(stacks.ids), "receptor": np.arange(receptors.x.size)}
    if options.store_daily:
        coords["day"] = np.arange(hours.day[0], hours.day[-1] + 1).astype("datetime64[D]")
    return xr.Dataset(
        data_vars,
        coords=coords,
        attrs={"sigma_model": options.sigma_model, "land_use": options.land_use, "terrain": options.terrain},
    )


def rates_array(emission_rates: Mapping[str, np.ndarray], n_hours: int, n_src: int) -> np.ndarray:
    """(P, H, S) emission rates [kg/s] from a mapping of (S,) or (H, S) arrays [g/s]."""
    if not emission_rates:
        raise InputError.field("plume run", "emission_rates", {}, "at least one substance")
    rates = np.empty((len(emission_rates), n_hours, n_src))
    for p, (key, given) in enumerate(emission_rates.items()):
        values = np.asarray(given, dtype=np.float64)
        if values.shape not in ((n_src,), (n_hours, n_src)):
            raise InputError.field("plume run", f"emission_rates[{key!r}]", f"shape {values.shape}",
                                   f"shape ({n_src},) or ({n_hours}, {n_src})")
        if np.any(~np.isfinite(values)) or np.any(values < 0):
            raise InputError.field("plume run", f"emission_rates[{key!r}]", float(np.nanmin(values)), ">= 0 g/s")
        rates[p] = values * 1e-3  # g/s -> kg/s: concentrations come out in kg m-3 (SI)
    return rates


def evaluate_plume(
    stacks: StackSet,
    rates: np.ndarray,
    receptors: ReceptorSet,
    hours: SourceHours,
    options: PlumeOptions,
    substances: list[str] | None = None,
) -> dict[str, tuple[tuple[str, ...], np.ndarray]]:
    """Run the kernel on hoisted inputs: ``rates`` (P, H, S) [kg/s] → {name: (dims, array [kg m-3])}.

    Substances sharing a decay rate go through the kernel together (one geometry, P accumulations).
    """
    from dispersion import _plume_kernels as kernels  # deferred: compile/load cost

    n_sub, n_hours, n_src = rates.shape
    substances = substances or [f"substance_{p}" for p in range(n_sub)]
    order, tiles = build_tiles(receptors.x, receptors.y, options.tile_size or automatic_tile_size(receptors))
    terrain = options.terrain == "simple"
    tiled = tiled_receptors(receptors, order, terrain)
    stack_base = np.ascontiguousarray(stacks.base_elevation) if terrain else np.zeros(n_src)
    stack_arrays = kernels.Stacks(x=stacks.x, y=stacks.y, base_elevation=stack_base, height=stacks.height)
    sigmas = kernels.Sigmas(*_sigma_tables(options))
    stack_hours = kernels.StackHours(
        effective_height=hours.effective_height,
        dilution=np.ascontiguousarray(1.0 / (2.0 * math.pi * hours.stack_wind_speed)),
        inverse_wind_speed=np.ascontiguousarray(1.0 / hours.stack_wind_speed),
        buoyancy_variance=hours.bid_variance,
    )
    aermod_rules = options.hour_rules == "aermod"
    switches = kernels.Switches(cull=bool(options.cull), store_hourly=bool(options.store_hourly),
                                min_hours_per_day=0 if aermod_rules else options.min_hours_per_day,
                                daily_divisor_floor=AERMOD_DAILY_DIVISOR_FLOOR if aermod_rules else 0)
    kernel = kernels.plume_parallel if options.parallel else kernels.plume_serial
    n_rec = tiled.x.size
    # Local calendar days as 0-based indices; the kernel writes each valid day's mean at its index.
    if np.any(np.diff(hours.day) < 0):
        raise InputError.field("plume run", "time", "not increasing", "hours in time order")
    day_index = np.ascontiguousarray(hours.day - hours.day[0]) if n_hours else np.zeros(0, dtype=np.int64)
    n_days = int(day_index[-1]) + 1 if n_hours else 0
    met = kernels.HourlyMet(wind_to_x=hours.wind_to_x, wind_to_y=hours.wind_to_y, mixing_height=hours.mixing_height,
                            stability=hours.stability, day=day_index, valid=hours.valid)
    back = np.empty_like(order)  # kernel order -> caller order
    back[order] = np.arange(order.size)

    decay_groups: dict[float, list[int]] = {}
    for p, key in enumerate(substances):
        half_life = options.half_life.get(key)
        decay_groups.setdefault(math.log(2.0) / half_life if half_life else 0.0, []).append(p)
    fields: dict[str, tuple[tuple[str, ...], np.ndarray]] = {}
    for decay, members in decay_groups.items():
        size = len(members)
        emissions = kernels.Emissions(rates=np.ascontiguousarray(rates[members]), decay_rate=float(decay))
        out = kernels.Outputs(
            hourly=np.zeros((n_hours, size, n_rec)) if options.store_hourly else np.zeros((0, 0, 0)),
            max_1h=np.zeros((size, n_rec)),
            daily=np.full((size, n_days, n_rec), -1.0),  # -1 marks "no valid daily mean"
            mean=np.zeros((size, n_rec)),
        )
        kernel(tiles, tiled, stack_arrays, met, stack_hours, emissions, sigmas, switches, out)
        hourly, max1h, daily, mean = out
        daily[daily < 0] = np.nan
        valid_day = ~np.all(np.isnan(daily[0]), axis=1) if n_rec else np.zeros(n_days, dtype=bool)
        for k, p in enumerate(members):
            key = substances[p]
            if options.store_hourly:
                fields[key] = (("time", "receptor"), hourly[:, k, back])
            fields[f"{key}_max_1h"] = (("receptor",), max1h[k, back])
            best = daily[k][valid_day].max(axis=0) if valid_day.any() else np.full(n_rec, np.nan)
            fields[f"{key}_max_24h"] = (("receptor",), best[back])
            if options.store_daily:
                fields[f"{key}_daily"] = (("day", "receptor"), daily[k][:, back])
            fields[f"{key}_period_mean"] = (("receptor",), mean[k, back])
    return fields
