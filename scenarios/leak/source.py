"""The airborne source term of a leak scenario: the spec's model, the risk source's data and the chemicals table.

Physical properties come from the scenario's ``source_term`` when given there, else from ``twin/chemicals.csv``
(each value with its source); a property that neither gives raises an InputError naming the field. Every model
returns the airborne rate as piecewise-constant steps plus the split by mechanism and the mass balance, so the
report states which model produced the rate and how much each part contributed.

A tank model on a pipe (or a pipe model on a tank) is an InputError naming the risk source's kind and the models it
takes: a line fed at constant pressure until isolation is not a vessel that empties.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from dispersion.source_terms import (
    GAS_DISCHARGE_COEFFICIENT_HJ169,
    TWO_PHASE_CRITICAL_PRESSURE_FRACTION_HJ169,
    GasTank,
    LiquidTank,
    PoolConditions,
    flash_and_pool_series,
    flash_fraction,
    full_bore_hole_area,
    gas_release_rate,
    liquid_discharge_coefficient_hj169,
    liquid_release_rate,
    pipe_outflow,
    tank_depletion,
    two_phase_release_rate,
    two_phase_series,
)
from scenarios.leak.spec import PIPE_MODELS, TANK_MODELS
from twin.chemicals import boiling_temperature, vapour_pressure
from twin.constants import GAS_CONSTANT
from twin.errors import InputError
from viz.wording import term, terms

__all__ = ["AirborneSourceTerm", "airborne_source_term", "TWO_PHASE_RULE", "POOL_RULE", "TWO_PHASE_RULE_ZH",
           "POOL_RULE_ZH", "SOURCE_MODELS_ZH", "C_CLASS_ROW"]

# The rules and labels in English and in the terms of HJ 169-2018 (闪蒸, 液池, 热量蒸发, 质量蒸发) for the Chinese plan
# come from the reports' wording catalogue (viz.wording).
TWO_PHASE_RULE = term("source_rule.two_phase", "en")
POOL_RULE = term("source_rule.pool", "en")
TWO_PHASE_RULE_ZH = term("source_rule.two_phase", "zh")
POOL_RULE_ZH = term("source_rule.pool", "zh")
SOURCE_MODELS_ZH = terms("source_model", "zh")
_HOLE_SHAPES_ZH = terms("hole_shape", "zh")
# HJ 169-2018 Table F.3 has no row for class C: ParkTwin uses the neutral row (larger α, the conservative choice).
C_CLASS_ROW = "neutral"
_TABLE_F3_ROW = {0: "unstable", 1: "unstable", 2: C_CLASS_ROW, 3: "neutral", 4: "stable", 5: "stable"}


@dataclass
class AirborneSourceTerm:
    """Airborne rate steps (rate_times: n + 1 edges [s], rates: n values [kg/s]), airborne total [kg], the model and
    a description, the split by mechanism [kg], the mass balance [kg] and rate series by mechanism [kg/s]."""

    rate_times: np.ndarray
    rates: np.ndarray
    released: float
    model: str
    description: str
    split: dict[str, float]
    outflow: float
    remaining_pool: float = 0.0
    remaining_tank: float = 0.0
    rule: str = ""
    series: dict[str, np.ndarray] = field(default_factory=dict)
    source_diameter: float | None = None  # D_rel of HJ 169 Eq. G.2 [m]: the hole, or the pool when there is one
    description_zh: str = ""  # the description in Chinese, with the same numbers (the Chinese plan shows it)
    rule_zh: str = ""  # the rule in Chinese


def _property(spec, chemical, name: str, column: str, unit: str) -> float:
    """The scenario's value for ``name``, else the table's ``column``, else an InputError naming both."""
    value = getattr(spec, name)
    if value is None:
        value = getattr(chemical, column)
    if value is None:
        raise InputError.field("source_term", name, None,
                               f"given in the scenario [{unit}] for model {spec.model!r}: twin/chemicals.csv has no "
                               f"{column} for substance {chemical.key!r}")
    return float(value)


def _table_f3_row(stability) -> str:
    """HJ 169-2018 Table F.3 row for a Pasquill–Gifford code 0..5 (A..F)."""
    try:
        return _TABLE_F3_ROW[int(stability)]
    except (KeyError, TypeError, ValueError):
        raise InputError.field("source_term", "stability", stability, "a Pasquill-Gifford code 0..5 (A..F)") from None


def _trim(times: np.ndarray, rates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Drop trailing steps with no airborne release (keep at least one step)."""
    active = np.flatnonzero(rates > 0.0)
    last = int(active[-1]) + 1 if active.size else 1
    return times[: last + 1], rates[:last]


def airborne_source_term(scenario, risk_source, chemical, *, ambient_pressure: float,
                         air_temperature: float | None = None, wind_speed: float | None = None,
                         stability: int | None = None) -> AirborneSourceTerm:
    """Airborne release [kg/s] over time for ``scenario.source_term`` from ``risk_source`` (park.yaml) holding
    ``chemical``; ambient_pressure [Pa]. The weather at the start (air temperature [K], 10 m wind [m/s],
    Pasquill–Gifford code 0..5) sets the pool's evaporation: required for ``tank_liquid_hole``, ``liquid_spill`` and
    ``pipe_liquid`` only.

    The ``tank_*`` models need a risk source of kind ``tank`` (a vertical prismatic tank of its ``diameter``, the
    hole ``hole_height`` above the bottom), the ``pipe_*`` models one of kind ``pipe`` (a line at its operating
    ``pressure`` and ``temperature``, inner ``diameter``, ``inventory`` = the isolable segment plus the inflow
    before isolation): the same HJ 169-2018 Appendix F rates at the constant operating pressure until
    ``duration_limit`` (the isolation time) or the inventory is gone (:mod:`dispersion.source_terms.pipe`)."""
    spec = scenario.source_term
    limit = scenario.duration_limit
    if spec.model == "direct":
        duration = min(spec.duration, limit)
        released = spec.rate * duration
        return AirborneSourceTerm(np.array([0.0, duration]), np.array([spec.rate]), released, "direct",
                                  f"direct release {spec.rate:g} kg/s for {duration:g} s", {"direct": released},
                                  released, description_zh=f"按给定速率 {spec.rate:g} kg/s 直接释放 {duration:g} s")
    pool = spec.model in ("tank_liquid_hole", "liquid_spill", "pipe_liquid")
    if pool and (air_temperature is None or wind_speed is None or stability is None):
        raise InputError.field("airborne_source_term", "air_temperature/wind_speed/stability",
                               (air_temperature, wind_speed, stability), f"all given for {spec.model} (pool "
                                                                         "evaporation)")
    if spec.model == "liquid_spill":
        return _liquid(scenario, risk_source, chemical, None, ambient_pressure, air_temperature, wind_speed,
                       stability)
    hole_area = _hole_area(spec, risk_source)
    if spec.model in ("tank_gas_hole", "pipe_gas"):
        return _gas(scenario, risk_source, chemical, hole_area, ambient_pressure)
    if spec.model in ("tank_two_phase_hole", "pipe_two_phase"):
        return _two_phase(scenario, risk_source, chemical, hole_area)
    return _liquid(scenario, risk_source, chemical, hole_area, ambient_pressure, air_temperature, wind_speed,
                   stability)


def _hole_area(spec, risk_source) -> float:
    """Hole area [m²] of a tank or pipe model, after checking that the model fits the risk source's kind: the hole
    of ``hole_diameter``, or for a full-bore rupture the pipe's inner cross-section π D²/4."""
    where = f"risk source {risk_source.id!r}"
    kind = getattr(risk_source, "kind", None)
    allowed = {"tank": TANK_MODELS, "pipe": PIPE_MODELS}
    for wanted, models in allowed.items():
        if spec.model in models and kind != wanted:
            fits = ", ".join(allowed.get(kind, ()) + ("direct", "liquid_spill"))
            raise InputError.field(where, "kind", kind, f"{wanted!r} for source_term.model {spec.model!r} "
                                                        f"(a {kind} risk source takes {fits})")
    if risk_source.diameter is None:
        raise InputError.field(where, "diameter", None,
                               f"a {kind} inner diameter [m] for the {spec.model} source term")
    if spec.failure == "full_bore_rupture":
        if spec.hole_diameter is not None and not math.isclose(spec.hole_diameter, risk_source.diameter,
                                                               rel_tol=1e-9):
            raise InputError.field("source_term", "hole_diameter", spec.hole_diameter,
                                   f"omitted or equal to the inner diameter of pipe {risk_source.id!r} "
                                   f"({risk_source.diameter:g} m) for failure 'full_bore_rupture'; use failure "
                                   f"'hole' for a smaller hole")
        return float(full_bore_hole_area(risk_source.diameter))
    if spec.model in PIPE_MODELS and not spec.hole_diameter <= risk_source.diameter:
        raise InputError.field("source_term", "hole_diameter", spec.hole_diameter,
                               f"<= the inner diameter of pipe {risk_source.id!r} ({risk_source.diameter:g} m); "
                               f"a break across the whole pipe is failure 'full_bore_rupture'")
    return math.pi * spec.hole_diameter**2 / 4.0


def _tank_section_and_level(spec, risk_source, density: float) -> tuple[float, float]:
    """(cross-section π D²/4 [m²], initial liquid level inventory / (ρ section) [m]) of a vertical prismatic tank,
    after checking that ``source_term.hole_height`` lies below that level."""
    section = math.pi * risk_source.diameter**2 / 4.0
    level = risk_source.inventory / (density * section)
    if not spec.hole_height < level:
        raise InputError.field("source_term", "hole_height", spec.hole_height,
                               f">= 0 m and below the initial liquid level {level:.3g} m of tank "
                               f"{risk_source.id!r} (inventory / (ρ π D²/4)); a hole in the vapour space is "
                               f"model tank_gas_hole")
    return section, level


def _hole_words(spec, risk_source) -> str:
    """'a 25 mm circular hole' or 'a full-bore rupture (100 mm inner diameter)' for the labels."""
    if spec.failure == "full_bore_rupture":
        return f"a full-bore rupture (circular hole of the {risk_source.diameter * 1000:g} mm inner diameter)"
    return f"a {spec.hole_diameter * 1000:g} mm {spec.hole_shape} hole"


def _hole_words_zh(spec, risk_source) -> str:
    """' 25 mm 圆形泄漏孔' or '全管径断裂处（按 100 mm 管道内径的圆形孔计）': :func:`_hole_words` in Chinese."""
    if spec.failure == "full_bore_rupture":
        return f"全管径断裂处（按 {risk_source.diameter * 1000:g} mm 管道内径的圆形孔计）"
    return f" {spec.hole_diameter * 1000:g} mm {_HOLE_SHAPES_ZH[spec.hole_shape]}泄漏孔"  # spaced from the text before


def _pipe_words(scenario, risk_source, rate: float, end: float) -> str:
    """What a pipe model assumed about the time: constant operating pressure until isolation or the inventory cap."""
    capped = end < scenario.duration_limit
    return (f"{rate:.4g} kg/s at the constant operating pressure {risk_source.pressure / 1e5:g} bar (a) (line fed "
            f"until isolation, no depletion) for {end:g} s: "
            + (f"the pipe's inventory ({risk_source.inventory:g} kg, segment + inflow before isolation) is released "
               f"before isolation at duration_limit {scenario.duration_limit:g} s" if capped else
               f"isolated at duration_limit {scenario.duration_limit:g} s"))


def _pipe_words_zh(scenario, risk_source, rate: float, end: float) -> str:
    """:func:`_pipe_words` in Chinese, with the same numbers."""
    capped = end < scenario.duration_limit
    return (f"泄漏速率 {rate:.4g} kg/s，管道维持运行压力 {risk_source.pressure / 1e5:g} bar（绝压）不变（隔离前持续供料，"
            f"不考虑压力衰减），持续 {end:g} s："
            + (f"管道存量（{risk_source.inventory:g} kg，含隔离管段及隔离前流入量）在 {scenario.duration_limit:g} s "
               f"隔离（泄漏持续时间上限）前已全部泄漏" if capped else
               f"于 {scenario.duration_limit:g} s 隔离（泄漏持续时间上限）"))


def _gas(scenario, risk_source, chemical, hole_area, ambient_pressure) -> AirborneSourceTerm:
    spec = scenario.source_term
    if chemical.molar_mass is None:
        raise InputError.field(f"substance {chemical.key!r}", "molar_mass", None, "known for a gas release")
    kappa = _property(spec, chemical, "heat_capacity_ratio", "heat_capacity_ratio", "-")
    molar = chemical.molar_mass * 1e-3  # g/mol -> kg/mol
    if spec.model == "pipe_gas":
        # HJ 169-2018 Eqs. F.2-F.5 at the operating pressure and temperature, C_d from the note to Eq. F.4
        rate = float(gas_release_rate(hole_area, risk_source.pressure, risk_source.temperature, molar, kappa,
                                      ambient_pressure, hole_shape=spec.hole_shape))
        outflow = pipe_outflow(rate, risk_source.inventory, scenario.duration_limit, scenario.sampling_step)
        times, released, remaining = outflow.time, outflow.released_mass, float(outflow.remaining_mass[-1])
        cd = GAS_DISCHARGE_COEFFICIENT_HJ169[spec.hole_shape]
        label = (f"gas through {_hole_words(spec, risk_source)} in the pipe (HJ 169-2018 Eqs. F.2-F.5, C_d {cd:g} "
                 f"from the note to Eq. F.4), {_pipe_words(scenario, risk_source, rate, outflow.end_time)}; all "
                 f"airborne")
        label_zh = (f"气体经管道上的{_hole_words_zh(spec, risk_source)}喷出（HJ 169-2018 式 F.2～F.5，C_d {cd:g} 取自式 "
                    f"F.4 注），{_pipe_words_zh(scenario, risk_source, rate, outflow.end_time)}；全部进入大气")
    else:
        volume = risk_source.inventory * GAS_CONSTANT * risk_source.temperature / (risk_source.pressure * molar)
        tank = GasTank(volume=volume, pressure=risk_source.pressure, temperature=risk_source.temperature,
                       molar_mass=molar, heat_capacity_ratio=kappa, hole_area=hole_area,
                       ambient_pressure=ambient_pressure)
        depletion = tank_depletion(tank, duration=scenario.duration_limit, output_interval=scenario.sampling_step)
        times, released = depletion.time, depletion.released_mass
        keep = np.r_[True, np.diff(times) > 0]
        times, released = times[keep], released[keep]
        remaining = float(depletion.remaining_mass[-1])
        label = (f"gas through {_hole_words(spec, risk_source)} (HJ 169-2018 Eqs. F.2-F.5), vessel blowing down")
        label_zh = f"气体经{_hole_words_zh(spec, risk_source)}喷出（HJ 169-2018 式 F.2～F.5），容器压力逐渐降低"
    rates = np.diff(released) / np.diff(times)  # piecewise-constant rates holding the exact released mass
    total = float(released[-1])
    return AirborneSourceTerm(times, rates, total, spec.model, label, {"gas": total}, total,
                              remaining_tank=remaining, series={"gas": rates},
                              source_diameter=math.sqrt(4.0 * hole_area / math.pi), description_zh=label_zh)


class _LiquidOutflow(NamedTuple):
    """The liquid leaving the container: times [s] up to the duration limit, the liquid still in the tank or line
    at those times [kg], and how it flows, in English and Chinese."""

    times: np.ndarray
    tank_mass: np.ndarray
    words: str
    words_zh: str


def _liquid(scenario, risk_source, chemical, hole_area, ambient_pressure, air_temperature, wind_speed,
            stability) -> AirborneSourceTerm:
    """A liquid leak: the outflow (:func:`_liquid_outflow`) flashes (when stored above its boiling point) and the
    rest forms a pool that evaporates by heat transfer (boiling) or mass transfer."""
    spec = scenario.source_term
    density = _property(spec, chemical, "liquid_density", "liquid_density_kg_m3", "kg/m3")
    boiling = _property(spec, chemical, "boiling_temperature", "boiling_point", "K")
    superheated = risk_source.temperature > boiling
    heat_of_vaporization = _property(spec, chemical, "heat_of_vaporization", "heat_of_vaporization_j_kg", "J/kg")
    fraction = 0.0
    if superheated:
        heat_capacity = _property(spec, chemical, "liquid_heat_capacity", "liquid_heat_capacity_j_kg_k", "J/(kg K)")
        fraction = float(flash_fraction(heat_capacity, risk_source.temperature, boiling, heat_of_vaporization))
    pool_boils = boiling < air_temperature
    pressure = None if pool_boils else _pool_vapour_pressure(spec, chemical, air_temperature)
    if chemical.molar_mass is None:
        raise InputError.field(f"substance {chemical.key!r}", "molar_mass", None, "known for pool evaporation")
    outflow = _liquid_outflow(scenario, risk_source, hole_area, density, ambient_pressure)
    pool = PoolConditions(liquid_density=density, boiling_temperature=boiling,
                          heat_of_vaporization=heat_of_vaporization, molar_mass=chemical.molar_mass * 1e-3,
                          ambient_temperature=air_temperature, wind_speed=wind_speed,
                          stability=_table_f3_row(stability), vapour_pressure=pressure,
                          bund_area=risk_source.bund_area, minimum_thickness=spec.pool_minimum_thickness,
                          ground=spec.ground)
    spill = flash_and_pool_series(outflow.times, outflow.tank_mass, fraction, pool)
    dt = np.diff(spill.time)
    split = {"flash": float((spill.flash * dt).sum()), "pool_evaporation": float((spill.pool_evaporation * dt).sum())}
    rate_times, rates = _trim(spill.time, spill.airborne)
    label, label_zh = _pool_labels(spec, risk_source, outflow, fraction, pool_boils)
    return AirborneSourceTerm(rate_times, rates, float(spill.airborne_mass[-1]), spec.model, label, split,
                              float(spill.inventory - spill.tank_mass[-1]),
                              remaining_pool=float(spill.pool_mass[-1]), remaining_tank=float(spill.tank_mass[-1]),
                              rule=POOL_RULE, description_zh=label_zh, rule_zh=POOL_RULE_ZH,
                              source_diameter=max(math.sqrt(4.0 * (hole_area or 0.0) / math.pi),
                                                  2.0 * float(spill.pool_radius.max())),
                              series={"flash": spill.flash, "pool_evaporation": spill.pool_evaporation,
                                      "airborne": spill.airborne, "time": spill.time})


def _pool_vapour_pressure(spec, chemical, air_temperature: float) -> float:
    """Vapour pressure [Pa] of a pool below its boiling point (it evaporates by mass transfer): the scenario's, else
    the chemicals table's DIPPR 101 correlation at the air temperature; an InputError when neither gives one."""
    pressure = spec.vapour_pressure if spec.vapour_pressure is not None else (
        vapour_pressure(chemical, air_temperature) if chemical.vapour_pressure_dippr101 is not None else None)
    if pressure is None:
        raise InputError.field("source_term", "vapour_pressure", None,
                               f"given in the scenario [Pa]: twin/chemicals.csv has no vapour_pressure_dippr101 "
                               f"for substance {chemical.key!r} (its pool evaporates by mass transfer)")
    return pressure


def _liquid_outflow(scenario, risk_source, hole_area, density: float, ambient_pressure: float) -> _LiquidOutflow:
    """The outflow of the spec's model: a given spill rate (no hole), a pipe at its operating pressure, or a tank
    depleting through its hole; all to the duration limit (the pool goes on evaporating after the outflow stops)."""
    spec = scenario.source_term
    cd = float(liquid_discharge_coefficient_hj169(spec.hole_shape, 1e5))  # Table F.1, turbulent (Re > 100) row
    if hole_area is None:  # liquid_spill: a given outflow rate for a given time, at most the inventory
        return _spill_outflow(scenario, risk_source)
    if spec.model == "pipe_liquid":
        return _pipe_liquid_outflow(scenario, risk_source, hole_area, density, ambient_pressure, cd)
    return _tank_liquid_outflow(scenario, risk_source, hole_area, density, ambient_pressure, cd)


def _spill_outflow(scenario, risk_source) -> _LiquidOutflow:
    """liquid_spill: the given rate for the given time (within the duration limit), at most the inventory."""
    spec = scenario.source_term
    step = scenario.sampling_step
    spilled = min(spec.rate * min(spec.duration, scenario.duration_limit), risk_source.inventory)
    times = np.unique(np.concatenate([np.arange(0.0, scenario.duration_limit, step),
                                      [min(spilled / spec.rate, scenario.duration_limit),
                                       scenario.duration_limit]]))
    tank_mass = np.maximum(spilled - spec.rate * times, 0.0)
    return _LiquidOutflow(times, tank_mass, f"liquid spilled at {spec.rate:g} kg/s for {spec.duration:g} s",
                          f"液体以 {spec.rate:g} kg/s 的速率泄漏 {spec.duration:g} s")


def _pipe_liquid_outflow(scenario, risk_source, hole_area, density: float, ambient_pressure: float,
                         cd: float) -> _LiquidOutflow:
    """pipe_liquid: HJ 169-2018 Eq. F.1 at the line's operating pressure (no liquid head in a pipe), held until
    isolation; an InputError when the line is not above the ambient pressure."""
    spec = scenario.source_term
    step = scenario.sampling_step
    rate = float(liquid_release_rate(hole_area, density, risk_source.pressure, ambient_pressure,
                                     discharge_coefficient=cd))
    if not rate > 0.0:
        raise InputError.field(f"risk source {risk_source.id!r}", "pressure", risk_source.pressure,
                               f"above the ambient pressure ({ambient_pressure:g} Pa) for liquid to flow out "
                               f"of the pipe")
    line = pipe_outflow(rate, risk_source.inventory, scenario.duration_limit, step)
    # Extend to the duration limit: the pool goes on evaporating after the outflow stops.
    times = np.unique(np.concatenate([line.time, np.arange(0.0, scenario.duration_limit, step),
                                      [scenario.duration_limit]]))
    tank_mass = np.interp(times, line.time, line.remaining_mass)
    outflow = (f"liquid through {_hole_words(spec, risk_source)} in the pipe (HJ 169-2018 Eq. F.1, C_d {cd:g} "
               f"from Table F.1, Re > 100), {_pipe_words(scenario, risk_source, rate, line.end_time)}")
    outflow_zh = (f"液体经管道上的{_hole_words_zh(spec, risk_source)}流出（HJ 169-2018 式 F.1，C_d {cd:g} 取自表 F.1，"
                  f"Re > 100），{_pipe_words_zh(scenario, risk_source, rate, line.end_time)}")
    return _LiquidOutflow(times, tank_mass, outflow, outflow_zh)


def _tank_liquid_outflow(scenario, risk_source, hole_area, density: float, ambient_pressure: float,
                         cd: float) -> _LiquidOutflow:
    """A tank's liquid through its hole below the liquid level (HJ 169-2018 Eq. F.1), the tank depleting."""
    spec = scenario.source_term
    step = scenario.sampling_step
    section, level = _tank_section_and_level(spec, risk_source, density)
    tank = LiquidTank(liquid_mass=risk_source.inventory, liquid_density=density, cross_section_area=section,
                      hole_area=hole_area, discharge_coefficient=cd, headspace_pressure=risk_source.pressure,
                      ambient_pressure=ambient_pressure, hole_height=spec.hole_height)
    depletion = tank_depletion(tank, duration=scenario.duration_limit, output_interval=step)
    # Extend to the duration limit: the pool goes on evaporating after the outflow stops.
    times = np.unique(np.concatenate([depletion.time, np.arange(0.0, scenario.duration_limit, step),
                                      [scenario.duration_limit]]))
    tank_mass = np.interp(times, depletion.time, depletion.remaining_mass)
    where = "at the bottom" if spec.hole_height == 0.0 else (
        f"{spec.hole_height:g} m above the bottom (the liquid below it stays in the tank)")
    outflow = (f"liquid through {_hole_words(spec, risk_source)} {where}, below the liquid level "
               f"({level:.3g} m) (HJ 169-2018 Eq. F.1, C_d {cd:g} from Table F.1, Re > 100), tank depleting")
    where_zh = "位于罐底" if spec.hole_height == 0.0 else (
        f"位于罐底以上 {spec.hole_height:g} m 处（孔以下的液体留在罐内）")
    outflow_zh = (f"液体经{_hole_words_zh(spec, risk_source)}流出，泄漏孔{where_zh}，在液面（{level:.3g} m）以下"
                  f"（HJ 169-2018 式 F.1，C_d {cd:g} 取自表 F.1，Re > 100），储罐液位随泄漏下降")
    return _LiquidOutflow(times, tank_mass, outflow, outflow_zh)


def _pool_labels(spec, risk_source, outflow: _LiquidOutflow, fraction: float, pool_boils: bool) -> tuple[str, str]:
    """The source term's description in English and Chinese: the outflow, the flash fraction, how the pool
    evaporates and what limits it."""
    mechanism = "heat transfer (boiling pool)" if pool_boils else "mass transfer (pool below its boiling point)"
    label = (f"{outflow.words}; airborne = flash vapour (F_v = {fraction:.3f}, "
             f"Eqs. F.9-F.10) + pool evaporation by {mechanism}"
             + (f", pool limited by the bund ({risk_source.bund_area:g} m²)" if risk_source.bund_area else
                f", unbunded pool down to {spec.pool_minimum_thickness * 1000:g} mm"))
    mechanism_zh = "热量蒸发（沸腾液池）" if pool_boils else "质量蒸发（液池温度低于沸点）"
    label_zh = (f"{outflow.words_zh}；进入大气量 = 闪蒸蒸气（F_v = {fraction:.3f}，式 F.9～F.10）+ 液池{mechanism_zh}"
                + (f"，液池面积受围堰限制（{risk_source.bund_area:g} m²）" if risk_source.bund_area else
                   f"，无围堰，液池扩展至最小液层厚度 {spec.pool_minimum_thickness * 1000:g} mm"))
    return label, label_zh


def _two_phase(scenario, risk_source, chemical, hole_area) -> AirborneSourceTerm:
    spec = scenario.source_term
    density = _property(spec, chemical, "liquid_density", "liquid_density_kg_m3", "kg/m3")
    heat_capacity = _property(spec, chemical, "liquid_heat_capacity", "liquid_heat_capacity_j_kg_k", "J/(kg K)")
    heat_of_vaporization = _property(spec, chemical, "heat_of_vaporization", "heat_of_vaporization_j_kg", "J/kg")
    if chemical.molar_mass is None:
        raise InputError.field(f"substance {chemical.key!r}", "molar_mass", None, "known for a two-phase release")
    critical_pressure = TWO_PHASE_CRITICAL_PRESSURE_FRACTION_HJ169 * risk_source.pressure
    t_c = spec.two_phase_boiling_temperature
    if t_c is None:
        if chemical.vapour_pressure_dippr101 is None:
            raise InputError.field("source_term", "two_phase_boiling_temperature", None,
                                   f"given in the scenario [K]: twin/chemicals.csv has no vapour_pressure_dippr101 "
                                   f"for substance {chemical.key!r}")
        t_c = boiling_temperature(chemical, critical_pressure)
    if not t_c < risk_source.temperature:
        raise InputError.field(f"risk source {risk_source.id!r}", "temperature", risk_source.temperature,
                               f"above the boiling temperature at P_c = 0.55 P ({t_c:.1f} K) for a flashing "
                               f"two-phase release (a liquefied gas under pressure); use "
                               f"{'pipe_liquid' if spec.model == 'pipe_two_phase' else 'tank_liquid_hole'}")
    vapour_density = critical_pressure * chemical.molar_mass * 1e-3 / (GAS_CONSTANT * t_c)  # ideal gas at P_c, T_c
    rate = float(two_phase_release_rate(hole_area, risk_source.pressure, risk_source.temperature, t_c, heat_capacity,
                                        heat_of_vaporization, vapour_density, density))
    fraction = float(flash_fraction(heat_capacity, risk_source.temperature, t_c, heat_of_vaporization))
    jet = (f"two-phase flashing jet through {_hole_words(spec, risk_source)}"
           + (" in the pipe" if spec.model == "pipe_two_phase" else "")
           + f" (HJ 169-2018 Eqs. F.6-F.8, C_d 0.8 from the note to Eq. F.6, P_c = 0.55 P, T_c = {t_c:.1f} K, "
             f"F_v = {fraction:.3f}), ")
    jet_zh = (f"两相流闪蒸喷射，经{'管道上的' if spec.model == 'pipe_two_phase' else ''}{_hole_words_zh(spec, risk_source)}"
              f"喷出（HJ 169-2018 式 F.6～F.8，C_d 0.8 取自式 F.6 注，P_c = 0.55 P，T_c = {t_c:.1f} K，"
              f"F_v = {fraction:.3f}），")
    below_hole = 0.0
    if spec.model == "pipe_two_phase":
        spill = two_phase_series(rate, fraction, risk_source.inventory, scenario.duration_limit,
                                 scenario.sampling_step)
        end = float(spill.time[-1])
        label = f"{jet}{_pipe_words(scenario, risk_source, rate, end)}; all airborne (vapour + aerosol)"
        label_zh = f"{jet_zh}{_pipe_words_zh(scenario, risk_source, rate, end)}；全部进入大气（蒸气 + 液滴）"
    else:
        # The rate does not depend on the head (HJ 169 F.1.3 is pressure-driven); only the liquid above the hole
        # leaves, the rest stays in the tank (the vapour's mass neglected in the level).
        section, _ = _tank_section_and_level(spec, risk_source, density)
        below_hole = density * section * spec.hole_height
        spill = two_phase_series(rate, fraction, risk_source.inventory - below_hole, scenario.duration_limit,
                                 scenario.sampling_step)
        where = "" if spec.hole_height == 0.0 else (
            f", hole {spec.hole_height:g} m above the bottom ({below_hole:.4g} kg below it stays in the tank)")
        label = f"{jet}{rate:.3g} kg/s while liquid remains above the hole{where}; all airborne (vapour + aerosol)"
        where_zh = "" if spec.hole_height == 0.0 else (
            f"，泄漏孔位于罐底以上 {spec.hole_height:g} m（孔以下 {below_hole:.4g} kg 液体留在罐内）")
        label_zh = (f"{jet_zh}孔以上仍有液体期间泄漏速率 {rate:.3g} kg/s{where_zh}；全部进入大气（蒸气 + 液滴）")
    dt = np.diff(spill.time)
    split = {"two_phase_vapour": float((spill.two_phase_vapour * dt).sum()),
             "two_phase_aerosol": float((spill.two_phase_aerosol * dt).sum())}
    return AirborneSourceTerm(spill.time, spill.airborne, float(spill.airborne_mass[-1]), spec.model,
                              label, split, float(spill.airborne_mass[-1]),
                              remaining_tank=float(spill.tank_mass[-1]) + below_hole, rule=TWO_PHASE_RULE,
                              description_zh=label_zh, rule_zh=TWO_PHASE_RULE_ZH,
                              source_diameter=math.sqrt(4.0 * hole_area / math.pi),
                              series={"two_phase_vapour": spill.two_phase_vapour,
                                      "two_phase_aerosol": spill.two_phase_aerosol, "airborne": spill.airborne,
                                      "time": spill.time})
