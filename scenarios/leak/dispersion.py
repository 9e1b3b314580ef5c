r"""Which dispersion model a leak runs, and the dense-gas model's fields at the leak's receptors.

HJ 169-2018 Appendix G chooses the atmospheric model of a toxic release by its Richardson number: the dense-gas
model (SLAB) when the release is heavier than air enough to slump, a neutral or light-gas model (AFTOX: Gaussian)
otherwise. :func:`choose_dispersion_model` applies that rule (``dispersion.source_terms.dense_gas.is_dense_gas``) with
the density of what actually leaves the hole:

* a two-phase jet carries its liquid as aerosol, so its density is that of the vapour + droplet mixture
  (the homogeneous-mixture density, Ermak 1990 §2, SLAB's source density with liquid fraction ``cmed0``):
  1/ρ_mix = (1 − f_l)/ρ_v + f_l/ρ_l, f_l the aerosol mass fraction [-], ρ_v the vapour at the boiling point and
  ambient pressure [kg/m³], ρ_l the liquid [kg/m³];
* the vapour of a pool or of a flashing liquid leaves at the boiling point when the liquid boils below the air
  temperature (a cold, refrigerated-pool vapour), else at the air temperature (ideal gas, ρ = p M / (R T));
* a gas from a vessel or line and a ``direct`` release leave at the air temperature (ideal gas).

A scenario can force either model (``dispersion_model: dense`` or ``passive``); ``auto`` applies the rule.

The dense model is the SLAB formulation (``dispersion.dense_gas``; Ermak 1990, UCRL-MA-105607) on the first period of
the leak's weather (it is a constant-weather model; the plan says so). The leak's source term maps onto SLAB's
source types (:func:`slab_inputs`): a pool (or a flashing liquid that forms one) is SLAB's evaporating pool, a
two-phase or gas jet is SLAB's horizontal jet expanded to ambient pressure, a ``direct`` release a gentle area
source. SLAB takes one constant rate: the peak airborne rate for the time that releases the airborne mass
(``released / peak``), which keeps both the mass and the worst rate (a conservative reading of a tank that drains).

The light branch lifts the puffs of a release lighter than air with Briggs' buoyant rise
(``dispersion.puff``), using the buoyancy flux of the release (Briggs 1975, Eq. 12 as written for a volume flux):

.. math:: F = \frac{g}{\pi} \dot V \left(1 - \frac{ρ_{rel}}{ρ_a}\right) \quad [m^4/s^3], \qquad \dot V = Q/ρ_{rel}

References
----------
.. [HJ169] HJ 169-2018 *Technical guidelines for environmental risk assessment on projects*, Appendix G.2.1.
.. [Ermak1990] D. L. Ermak, *User's Manual for SLAB: An Atmospheric Dispersion Model for Denser-than-Air
   Releases*, UCRL-MA-105607, Lawrence Livermore National Laboratory, 1990.
.. [Briggs1975] G. A. Briggs, "Plume rise predictions", in *Lectures on Air Pollution and Environmental Impact
   Analyses*, American Meteorological Society, 1975, pp. 59–111.
.. [Wieringa1992] J. Wieringa, "Updating the Davenport roughness classification", *J. Wind Eng. Ind. Aerodyn.*
   41 (1992) 357–368.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import xarray as xr

from dispersion.dense_gas import SlabMet, SlabOptions, SlabRelease, run_slab, slab_concentration
from dispersion.puff import run_puff
from dispersion.source_terms import is_dense_gas
from scenarios.common.impact import running_mean
from twin.constants import AIR_MOLAR_MASS, GAS_CONSTANT, ZERO_CELSIUS
from twin.constants import STANDARD_GRAVITY as GRAVITY
from twin.errors import InputError
from viz.wording import sentence, term, terms

__all__ = ["DispersionChoice", "LeakAir", "leak_air", "hole_area", "disperse_leak", "cloud_paths", "wind_axes",
           "CONSTANT_WEATHER_DISTANCE_LIMIT", "choose_dispersion_model", "release_density", "slab_inputs", "run_dense_leak",
           "ROUGHNESS_BY_LAND_USE", "AIR_MOLAR_MASS"]

# Aerodynamic roughness length [m] by land use when the scenario gives none: "roughly open" (0.1 m) and "closed"
# (1.0 m) of the Davenport classification as revised by Wieringa (1992), Table 1.
ROUGHNESS_BY_LAND_USE = {"rural": 0.1, "urban": 1.0}
# A `direct` release has no momentum and no pool: SLAB's area source with the vapour leaving at 0.1 m/s — the upward
# vapour velocity of SLAB's own evaporating-pool example (Ermak 1990, example problem 1: 0.1017 m/s).
DIRECT_VAPOUR_VELOCITY = 0.1  # [m/s]
_TWO_PHASE = ("tank_two_phase_hole", "pipe_two_phase")
_GAS = ("tank_gas_hole", "pipe_gas")
_POOL = ("tank_liquid_hole", "liquid_spill", "pipe_liquid")

MODEL_NAMES_EN = terms("dispersion_model", "en")  # the wording catalogue's model names (viz.wording)
MODEL_NAMES_ZH = terms("dispersion_model", "zh")


@dataclass(frozen=True)
class DispersionChoice:
    """The model a leak runs and why.

    model: "slab" (dense gas) or "gaussian_puff" (neutral or light gas); forced: the scenario chose it;
    richardson_number, threshold [-], release_kind ("continuous"/"instantaneous") of the HJ 169 rule;
    release_density, ambient_density [kg/m³] (the release's includes its aerosol); release_temperature [K];
    liquid_fraction [-] (aerosol mass fraction); buoyancy_flux [m⁴/s³] (> 0 lifts the puffs of a light release);
    rule, rule_zh: one sentence each.
    """

    model: str
    forced: bool
    richardson_number: float
    threshold: float
    release_kind: str
    release_density: float
    ambient_density: float
    release_temperature: float
    liquid_fraction: float
    buoyancy_flux: float
    rule: str
    rule_zh: str

    @property
    def dense(self) -> bool:
        return self.model == "slab"


def _liquid_fraction(term) -> float:
    """Aerosol mass fraction of a two-phase release [-] from its airborne split; 0 for anything else."""
    aerosol = float(term.split.get("two_phase_aerosol", 0.0))
    vapour = float(term.split.get("two_phase_vapour", 0.0))
    return aerosol / (aerosol + vapour) if aerosol + vapour > 0 else 0.0


def release_density(term, chemical, *, air_temperature: float, pressure: float) -> tuple[float, float, float]:
    """(density [kg/m³], temperature [K], liquid fraction [-]) of the released material as it leaves the source,
    at ambient pressure [Pa] (module docstring): the vapour–aerosol mixture of a two-phase jet, the cold vapour of a
    boiling pool, else the gas at the air temperature [K]."""
    if chemical.molar_mass is None:
        raise InputError.field(f"substance {chemical.key!r}", "molar_mass", None, "a molar mass in twin/chemicals.csv "
                               "(the dense-gas rule needs the release's density)")
    molar = chemical.molar_mass * 1e-3
    boiling = chemical.boiling_point
    cold = term.model in _TWO_PHASE + _POOL and boiling is not None and boiling < air_temperature
    temperature = float(boiling) if cold else float(air_temperature)
    vapour = pressure * molar / (GAS_CONSTANT * temperature)
    fraction = _liquid_fraction(term) if term.model in _TWO_PHASE else 0.0
    if fraction > 0.0:
        if chemical.liquid_density_kg_m3 is None:
            raise InputError.field(f"substance {chemical.key!r}", "liquid_density_kg_m3", None,
                                   "a liquid density in twin/chemicals.csv (the two-phase jet's aerosol)")
        return 1.0 / ((1.0 - fraction) / vapour + fraction / chemical.liquid_density_kg_m3), temperature, fraction
    return vapour, temperature, 0.0


def choose_dispersion_model(term, chemical, *, forced: str, wind_speed: float, air_temperature: float,
                            pressure: float, distance: float = 1000.0) -> DispersionChoice:
    """The HJ 169-2018 G.2.1 choice for the airborne source term ``term`` (leak_source.AirborneSourceTerm) in a
    10 m wind [m/s] at ``distance`` X [m] (T = 2X/U_r), or the model ``forced`` ("dense", "passive"; "auto" applies
    the rule)."""
    if forced not in ("auto", "dense", "passive"):
        raise InputError.field("scenario", "dispersion_model", forced, "one of auto, dense, passive")
    rho, temperature, fraction = release_density(term, chemical, air_temperature=air_temperature, pressure=pressure)
    rho_air = pressure * AIR_MOLAR_MASS / (GAS_CONSTANT * air_temperature)
    duration = float(term.rate_times[-1] - term.rate_times[0])
    peak = max(float(term.rates.max()), 1e-12)
    verdict = is_dense_gas(release_density=rho, ambient_density=rho_air, wind_speed=max(wind_speed, 0.1),
                           distance=distance, release_duration=duration, release_rate=peak,
                           source_diameter=max(term.source_diameter or 0.1, 0.01), released_mass=term.released)
    model = {"dense": "slab", "passive": "gaussian_puff"}.get(forced, "slab" if verdict.dense else "gaussian_puff")
    missing = missing_dense_properties(chemical, temperature, fraction) if model == "slab" else []
    if missing:
        model = "gaussian_puff"
    light = rho < rho_air
    flux = GRAVITY / math.pi * (peak / rho) * (1.0 - rho / rho_air) if (light and model == "gaussian_puff") else 0.0
    rule, rule_zh = (_choice_rule(language, rho=rho, rho_air=rho_air, celsius=temperature - ZERO_CELSIUS,
                                  fraction=fraction, verdict=message, forced=forced, model=model, missing=missing,
                                  key=chemical.key, flux=flux)
                     for language, message in (("en", verdict.message), ("zh", verdict.message_zh)))
    return DispersionChoice(model=model, forced=forced != "auto", richardson_number=verdict.richardson_number,
                            threshold=verdict.threshold, release_kind=verdict.release_kind, release_density=rho,
                            ambient_density=rho_air, release_temperature=temperature, liquid_fraction=fraction,
                            buoyancy_flux=flux, rule=rule, rule_zh=rule_zh)


PROPERTY_NAMES_ZH = terms("chemical_property", "zh")


def _choice_rule(language: str, *, rho: float, rho_air: float, celsius: float, fraction: float, verdict: str,
                 forced: str, model: str, missing: list[str], key: str, flux: float) -> str:
    """The model choice explained in ``language`` ('en' or 'zh'), wording from viz.wording ('dispersion_rule.*').

    Parameters
    ----------
    rho, rho_air : densities of the release and of the air [kg/m³]
    celsius : release temperature [°C]
    fraction : aerosol mass fraction of the release [1]
    verdict : the dense-gas verdict (Richardson number) in ``language``
    forced : the scenario's dispersion_model ('auto', 'dense' or 'passive')
    model : the model run ('slab' or 'gaussian_puff')
    missing : twin/chemicals.csv columns the dense model lacks (then Gaussian puffs run instead)
    key : the substance's key in twin/chemicals.csv
    flux : Briggs buoyancy flux of a light release [m⁴/s³] (0: not buoyant)

    Returns
    -------
    The sentence.
    """
    aerosol = sentence("dispersion_rule.aerosol", language, fraction=fraction) if fraction > 0 else ""
    what = sentence("dispersion_rule.what", language, rho=rho, celsius=celsius, aerosol=aerosol, rho_air=rho_air,
                    verdict=verdict)
    if forced == "auto":
        rule = sentence("dispersion_rule.auto", language, what=what, model=term(f"dispersion_choice.{model}", language))
    else:
        rule = sentence("dispersion_rule.forced", language, what=what, forced=forced,
                        model=term(f"dispersion_model.{model}", language))
    if missing:
        names = term("separator.list", language).join(terms("chemical_property", language)[m] for m in missing)
        rule += sentence("dispersion_rule.missing", language, names=names, substance_key=repr(key))
    if flux > 0:
        rule += sentence("dispersion_rule.buoyant", language, flux=flux)
    return rule
# Properties SLAB reads for the released substance, by twin/chemicals.csv column.
DENSE_PROPERTIES = ("heat_capacity_ratio", "heat_of_vaporization_j_kg", "liquid_heat_capacity_j_kg_k",
                    "liquid_density_kg_m3", "boiling_point")
# Stand-ins for an isothermal vapour that cannot condense (released at the air temperature, above its boiling point,
# no aerosol): SLAB's heat capacity then only weighs a temperature difference that is zero, and the liquid's
# properties enter only once the vapour condenses, which it cannot — so these values do not change the result
# (tests/scenarios/test_leak_dispersion.py checks it). They are used only when the table has no value.
_ISOTHERMAL_VAPOUR_STAND_INS = {"heat_capacity_ratio": 1.3, "heat_of_vaporization_j_kg": 4.0e5,
                                "liquid_heat_capacity_j_kg_k": 2000.0, "liquid_density_kg_m3": 1000.0}


def missing_dense_properties(chemical, release_temperature: float, liquid_fraction: float) -> list[str]:
    """twin/chemicals.csv columns the dense model needs for this release and the table lacks: none are needed
    beyond the boiling point for a vapour above its boiling point without aerosol (it cannot condense)."""
    if chemical.boiling_point is None:
        return ["boiling_point"]
    can_condense = liquid_fraction > 0 or release_temperature < chemical.boiling_point
    if not can_condense:
        return []
    return [name for name in DENSE_PROPERTIES if getattr(chemical, name) is None]


def _property_or_stand_in(chemical, column: str) -> float:
    value = getattr(chemical, column)
    return float(value) if value is not None else _ISOTHERMAL_VAPOUR_STAND_INS[column]


def _vapour_heat_capacity(chemical) -> float:
    """Ideal-gas c_p = κ R / ((κ − 1) M) [J/(kg K)] from the heat-capacity ratio κ [-] and molar mass M [kg/mol]."""
    kappa = _property_or_stand_in(chemical, "heat_capacity_ratio")
    if chemical.molar_mass is None:
        raise InputError.field(f"substance {chemical.key!r}", "heat_capacity_ratio", kappa,
                               "a heat-capacity ratio and molar mass in twin/chemicals.csv (the dense-gas model "
                               "needs the vapour's heat capacity)")
    return kappa * GAS_CONSTANT / ((kappa - 1.0) * chemical.molar_mass * 1e-3)


def _required(chemical, column: str, what: str) -> float:
    value = getattr(chemical, column)
    if value is None:
        raise InputError.field(f"substance {chemical.key!r}", column, None,
                               f"a value in twin/chemicals.csv: the dense-gas model needs the {what}")
    return float(value)


def slab_inputs(term, chemical, choice: DispersionChoice, *, release_height: float, hole_area: float | None,
                wind_speed: float, stability: int, air_temperature: float, relative_humidity: float,
                roughness: float, pressure: float, averaging_time: float, max_distance: float):
    """(SlabRelease, SlabMet, SlabOptions) of a leak (module docstring for the mapping).

    release_height [m]; hole_area [m²] of the hole or break (jets), None for pools; wind_speed at 10 m [m/s];
    stability 0..5 (A..F); air_temperature [K]; relative_humidity [%]; roughness z0 [m]; pressure [Pa];
    averaging_time SLAB's tav [s]; max_distance SLAB's xffm [m].
    """
    missing = missing_dense_properties(chemical, choice.release_temperature, choice.liquid_fraction)
    if missing:
        raise InputError.field(f"substance {chemical.key!r}", missing[0], None,
                               "a value in twin/chemicals.csv: the dense-gas model needs it for a release that can "
                               "condense")
    molar = chemical.molar_mass * 1e-3
    peak = float(term.rates.max())
    if not peak > 0:
        raise InputError.field("source_term", "airborne rate", peak, "> 0 kg/s for the dense-gas model")
    duration = max(float(term.released) / peak, 1.0)
    boiling = _required(chemical, "boiling_point", "normal boiling point")
    vapour_density = pressure * molar / (GAS_CONSTANT * choice.release_temperature)
    if term.model in _POOL:
        diameter = term.source_diameter or 1.0
        source_type, area, height = "evaporating_pool", math.pi * diameter**2 / 4.0, 0.0
    elif term.model in _TWO_PHASE + _GAS:
        if hole_area is None or not hole_area > 0:
            raise InputError.field("source_term", "hole_diameter", hole_area, "> 0 m for a jet")
        # Expansion to ambient pressure (momentum balance over the expansion zone, TNO Yellow Book CPR 14E §2.5.3.6,
        # unverified): Q u_e = Q u_0 + (p_0 − p_a) A_0 with the orifice velocity u_0 = Q/(ρ_0 A_0). Without the
        # orifice state here we take the limit the flashing jet reaches — the exit area at the mixture density
        # moving at the speed of sound of the vapour at the release temperature (a choked jet's exit velocity).
        sound = math.sqrt(_property_or_stand_in(chemical, "heat_capacity_ratio") * GAS_CONSTANT * choice.release_temperature / molar)
        source_type, height = "horizontal_jet", max(release_height, 0.0)
        area = max(peak / (choice.release_density * sound), hole_area)
    else:  # direct: a gentle area source of vapour at the release temperature
        source_type, height = "evaporating_pool", 0.0
        area = peak / (vapour_density * DIRECT_VAPOUR_VELOCITY)
    release = SlabRelease(
        source_type=source_type, molecular_weight=molar, vapour_heat_capacity=_vapour_heat_capacity(chemical),
        boiling_temperature=boiling, liquid_mass_fraction=choice.liquid_fraction,
        heat_of_vaporization=_property_or_stand_in(chemical, "heat_of_vaporization_j_kg"),
        liquid_heat_capacity=_property_or_stand_in(chemical, "liquid_heat_capacity_j_kg_k"),
        liquid_density=_property_or_stand_in(chemical, "liquid_density_kg_m3"),
        saturation_pressure_b=None, saturation_pressure_c=0.0,
        source_temperature=choice.release_temperature, rate=peak, source_area=area, duration=duration,
        instantaneous_mass=0.0, height=height)
    met = SlabMet(roughness=roughness, wind_height=10.0, wind_speed=max(wind_speed, 0.5),
                  air_temperature=air_temperature, relative_humidity=relative_humidity,
                  stability_class=float(stability) + 1.0, ambient_pressure=pressure)
    options = SlabOptions(averaging_time=averaging_time, max_distance=max_distance, heights=(1.5,))
    return release, met, options


def wind_axes(x, y, source_x: float, source_y: float, wind_from_direction: float, grid_bearing: float):
    """(downwind distance, crosswind offset) [m] of points (x, y) [m, park grid] from the source for a wind from
    ``wind_from_direction`` [degree from true north]; ``grid_bearing`` [degree] turns true north into grid north."""
    towards = math.radians(wind_from_direction + 180.0 + grid_bearing)
    ex, ey = math.sin(towards), math.cos(towards)
    dx, dy = np.asarray(x) - source_x, np.asarray(y) - source_y
    return dx * ex + dy * ey, -dx * ey + dy * ex


def run_dense_leak(slab_result, *, downwind, crosswind, height, sampling_step: float, n_steps: int,
                   averaging_windows, output_times, series_receptors, molar_mass: float, air_temperature: float,
                   pressure: float) -> xr.Dataset:
    """The dense model's statistics at receptors, in the shape of ``dispersion.puff.run_puff``'s result.

    downwind, crosswind [m] (see :func:`wind_axes`), height above ground [m] of each receptor; the series are SLAB's
    time-averaged concentrations (tav = the sampling step) at the middle of each sampling interval,
    t_k = (k − ½)·Δt, k = 1..n_steps, converted from volume fraction to mass concentration at the air's temperature
    and pressure, c = x_v p M / (R T) [kg m-3]; molar_mass [kg/mol], air_temperature [K], pressure [Pa].
    ``peak``: the largest sample; ``dose``: Σ c Δt [kg s m-3]; ``max_mean_<w>s``: the largest trailing mean over
    w seconds with zero before the release (``scenarios.common.impact.running_mean``); ``snapshot``; ``series``.
    """
    times = sampling_step * (np.arange(1, n_steps + 1) - 0.5)
    to_mass = pressure * molar_mass / (GAS_CONSTANT * air_temperature)
    downwind = np.asarray(downwind, dtype=np.float64)
    crosswind = np.asarray(crosswind, dtype=np.float64)
    height = np.broadcast_to(np.asarray(height, dtype=np.float64), downwind.shape)
    series = np.zeros((downwind.size, n_steps))
    reached = downwind > 0.0
    index = np.flatnonzero(reached)
    for start in range(0, index.size, 8192):  # bounded memory: 8192 receptors × n_steps at a time
        chunk = index[start:start + 8192]
        values = slab_concentration(slab_result, downwind[chunk, None], crosswind[chunk, None], height[chunk, None],
                                    times[None, :])
        series[chunk] = np.nan_to_num(np.asarray(values, dtype=np.float64), nan=0.0, posinf=0.0) * to_mass
    if np.any(series < 0):
        series = np.maximum(series, 0.0)
    data = {"peak": (("receptor",), series.max(axis=1, initial=0.0), {"units": "kg m-3"}),
            "dose": (("receptor",), series.sum(axis=1) * sampling_step, {"units": "kg s m-3"})}
    for window in averaging_windows:
        data[f"max_mean_{int(window)}s"] = (("receptor",),
                                            running_mean(series, sampling_step, window).max(axis=1, initial=0.0),
                                            {"units": "kg m-3"})
    steps = [int(round(t / sampling_step)) - 1 for t in output_times]
    data["snapshot"] = (("output_time", "receptor"), series[:, steps].T.copy() if steps else
                        np.zeros((0, downwind.size)), {"units": "kg m-3"})
    series_receptors = np.asarray(series_receptors, dtype=np.int64)
    data["series"] = (("series_receptor", "time"), series[series_receptors], {"units": "kg m-3"})
    return xr.Dataset(data, coords={"time": sampling_step * np.arange(1, n_steps + 1),
                                    "output_time": np.asarray(output_times, dtype=float),
                                    "series_receptor": series_receptors})


# Constant weather (a preset, or the dense model's first hour) holds only so far: ALOHA, which planners know, stops its
# threat zones at 10 km and follows a release for at most 60 min for the same reason (ALOHA User's Manual, EPA/NOAA
# 2007, "ALOHA's limitations"; wording unverified). ParkTwin stops a zone at 10 km under constant weather and says so.
CONSTANT_WEATHER_DISTANCE_LIMIT = 10_000.0  # [m]


def cloud_paths(met, *, source_x: float, source_y: float, release_start: float, release_end: float,
                simulation_end: float, grid_bearing: float) -> list[np.ndarray]:
    """Tracks (polylines [m]) of the cloud's centre released at the start, middle and end of the release, moved by
    the piecewise-constant wind of ``met`` (PuffMet) until ``simulation_end`` [s]; one track when the weather is
    constant (they coincide)."""
    starts = [release_start] if met.times.size == 1 else sorted({release_start, 0.5 * (release_start + release_end),
                                                                  release_end})
    tracks = []
    for tau in starts:
        marks = np.unique(np.concatenate([[tau], met.times[(met.times > tau) & (met.times < simulation_end)],
                                          [simulation_end]]))
        if marks.size < 2:
            continue
        k = met.at(marks[:-1])
        towards = np.deg2rad(met.wind_from_direction[k] + 180.0 + grid_bearing)
        dt = np.diff(marks)
        east = np.concatenate([[0.0], np.cumsum(met.wind_speed[k] * np.sin(towards) * dt)])
        north = np.concatenate([[0.0], np.cumsum(met.wind_speed[k] * np.cos(towards) * dt)])
        tracks.append(np.column_stack([source_x + east, source_y + north]))
    return tracks


@dataclass(frozen=True)
class LeakAir:
    """The air a leak disperses in, for the dense model: air_temperature [K], relative_humidity [%], roughness z0
    [m], pressure [Pa]."""

    air_temperature: float
    relative_humidity: float
    roughness: float
    pressure: float


# Relative humidity of the dense model's air [%]: HJ 169-2018 §9's worst case (50 %); the hourly weather files
# carry none.
DEFAULT_RELATIVE_HUMIDITY = 50.0


def leak_air(scenario, park, air_temperature: float, pressure: float) -> LeakAir:
    """The air of a leak's dense model: air temperature [K], 50 % relative humidity, the scenario's
    ``surface_roughness`` or the park's land use's [m] (``ROUGHNESS_BY_LAND_USE``), pressure [Pa]."""
    roughness = scenario.surface_roughness or ROUGHNESS_BY_LAND_USE[park.spec.land_use]
    return LeakAir(air_temperature=air_temperature, relative_humidity=DEFAULT_RELATIVE_HUMIDITY,
                   roughness=roughness, pressure=pressure)


def hole_area(scenario, source) -> float | None:
    """Area [m²] of the scenario's hole (or of the pipe's bore for a full-bore rupture); None without one."""
    diameter = scenario.source_term.hole_diameter
    if diameter is None and getattr(scenario.source_term, "failure", "hole") == "full_bore_rupture":
        diameter = getattr(source, "diameter", None)
    return None if diameter is None else math.pi * float(diameter) ** 2 / 4.0


def disperse_leak(choice: DispersionChoice, term, chemical, *, release, receptors, met, options, series_receptors,
                  air: LeakAir, hole: float | None):
    """The leak's concentrations at ``receptors`` by the chosen model, as ``dispersion.puff.run_puff`` returns them.

    Gaussian puffs: ``release`` (PuffRelease) lifted by the choice's buoyancy flux, in the hourly ``met``. Dense gas:
    SLAB on the first period of ``met`` (10 m wind, class), its cloud laid along that wind from the release point,
    flat terrain (SLAB's), the same sampling step, windows and snapshots as the puffs (tav = the sampling step).
    hole: the hole's area [m²] (jets).
    """
    if not choice.dense:
        lifted = replace(release, buoyancy_flux=choice.buoyancy_flux) if choice.buoyancy_flux > 0 else release
        return run_puff(lifted, receptors, met, options, series_receptors=series_receptors)

    n_steps = int(round(options.duration / options.sampling_step))
    slab_release, slab_met, slab_options = slab_inputs(
        term, chemical, choice, release_height=release.height, hole_area=hole, wind_speed=float(met.wind_speed[0]),
        stability=int(met.stability[0]), air_temperature=air.air_temperature,
        relative_humidity=air.relative_humidity, roughness=air.roughness, pressure=air.pressure,
        averaging_time=options.sampling_step, max_distance=_reach(receptors, release))
    result = run_slab(slab_release, slab_met, slab_options)
    downwind, crosswind = wind_axes(receptors.x, receptors.y, release.x, release.y, float(met.wind_from_direction[0]),
                                    options.true_north_grid_bearing)
    return run_dense_leak(result, downwind=downwind, crosswind=crosswind, height=receptors.height,
                          sampling_step=options.sampling_step, n_steps=n_steps,
                          averaging_windows=options.averaging_windows, output_times=options.output_times,
                          series_receptors=series_receptors, molar_mass=chemical.molar_mass * 1e-3,
                          air_temperature=air.air_temperature, pressure=air.pressure)


def _reach(receptors, release) -> float:
    """SLAB's last distance [m]: the farthest receptor, at least 1 km."""
    return float(max(1.05 * np.hypot(receptors.x - release.x, receptors.y - release.y).max(initial=0.0), 1000.0))
