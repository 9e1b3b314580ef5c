r"""Tank depletion over time: the release rate falls as the liquid head or the gas pressure falls.

The vessel's remaining mass m(t) is integrated with ``scipy.integrate.solve_ivp`` (dm/dt = −Q(m)), with a terminal
event when the releasable inventory is gone: the liquid above the hole is drained (the liquid below it stays), or
the gas is down to ambient pressure. The rate models are those of :mod:`dispersion.source_terms.orifice` (HJ 169-2018 Eqs. (F.1), (F.2)–(F.5)).
Mass is conserved by construction: released(t) = m(0) − m(t), and m is kept within [0, m(0)] and non-increasing.

Model assumptions, stated:

* liquid: a prismatic vertical tank (constant horizontal section), the hole ``hole_height`` above the tank bottom
  (default 0: at the bottom); only the liquid above the hole drains (head = level − hole_height) and the outflow
  stops when the level reaches the hole, the liquid below it staying in the tank; constant head-space pressure
  (a vented or pressure-padded tank), constant C_d;
* gas: ideal gas in a fixed volume, isothermal (slow blow-down, heat from the walls) or adiabatic (isentropic:
  P ∝ ρ^κ, fast blow-down), constant C_d.

Checks against analytic solutions (tests): Torricelli's draining time
t_e = (A_t / (C_d A_h)) √(2/g) (√(h₀ + H) − √H), H = (P − P₀)/(ρ g), h₀ = initial level − hole height, and the
isothermal choked blow-down
P(t) = P(0) exp(−t/τ), τ = M V / (R T c) with Q = c P.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from scipy.integrate import solve_ivp

from dispersion.source_terms._checks import checked, lookup
from dispersion.source_terms.orifice import gas_release_rate, liquid_release_rate
from twin.constants import GAS_CONSTANT, STANDARD_PRESSURE
from twin.constants import STANDARD_GRAVITY as GRAVITY
from twin.errors import InputError

__all__ = ["LiquidTank", "GasTank", "TankDepletion", "tank_depletion", "torricelli_emptying_time"]

_GAS_PROCESSES = {"isothermal": "isothermal", "adiabatic": "adiabatic"}


@dataclass(frozen=True)
class LiquidTank:
    """A vertical prismatic tank leaking liquid through a hole in its wall ``hole_height`` above the tank bottom.

    liquid_mass: all the liquid in the tank [kg] (level = liquid_mass / (liquid_density × cross_section_area) [m]),
    liquid_density [kg/m³], cross_section_area of the tank [m²], hole_area [m²], discharge_coefficient [-] (e.g. from
    ``liquid_discharge_coefficient_hj169``), headspace_pressure and ambient_pressure absolute [Pa] (head-space
    pressure held constant), hole_height of the hole above the tank bottom [m], in [0, initial level): only the
    liquid above it drains (head = level − hole_height, HJ 169-2018 Eq. (F.1)'s h); the rest stays in the tank.
    A hole at or above the liquid level is in the vapour space: a gas release (GasTank), not this model.
    """

    liquid_mass: float
    liquid_density: float
    cross_section_area: float
    hole_area: float
    discharge_coefficient: float
    headspace_pressure: float = STANDARD_PRESSURE
    ambient_pressure: float = STANDARD_PRESSURE
    hole_height: float = 0.0


@dataclass(frozen=True)
class GasTank:
    """A fixed volume of ideal gas leaking through a hole.

    volume [m³], pressure (initial, absolute) [Pa], temperature (initial) [K], molar_mass [kg/mol],
    heat_capacity_ratio κ [-], hole_area [m²], discharge_coefficient [-], ambient_pressure [Pa],
    process "isothermal" or "adiabatic".
    """

    volume: float
    pressure: float
    temperature: float
    molar_mass: float
    heat_capacity_ratio: float
    hole_area: float
    discharge_coefficient: float = 1.0
    ambient_pressure: float = STANDARD_PRESSURE
    process: str = "isothermal"


class TankDepletion(NamedTuple):
    """Result of :func:`tank_depletion`; arrays share the ``time`` axis.

    time [s]; release_rate [kg/s] (the rate at that state; 0 after ``empty_time``); released_mass cumulative [kg];
    remaining_mass in the vessel [kg]; releasable_inventory [kg] (liquid above the hole, or gas above ambient
    pressure); empty_time [s] when the releasable inventory ran out (nan if not within the duration). A liquid tank
    whose head-space pressure is below ambient stops leaking while liquid remains above the hole: the event then
    does not fire and the released total stays below the inventory.
    """

    time: np.ndarray
    release_rate: np.ndarray
    released_mass: np.ndarray
    remaining_mass: np.ndarray
    releasable_inventory: float
    empty_time: float


def torricelli_emptying_time(liquid_head, cross_section_area, hole_area, discharge_coefficient,
                             overpressure_head=0.0):
    r"""Analytic draining time of a prismatic tank (Torricelli with C_d and a constant over-pressure head H).

    .. math:: t_e = \frac{A_t}{C_d A_h}\sqrt{\frac{2}{g}}\left(\sqrt{h_0 + H} - \sqrt{H}\right)

    liquid_head h₀ [m], cross_section_area A_t [m²], hole_area A_h [m²], discharge_coefficient C_d [-],
    overpressure_head H = (P − P₀)/(ρ g) [m] → t_e [s].
    """
    where = "torricelli_emptying_time"
    h0 = checked(where, "liquid_head", liquid_head, low_inclusive=True, unit="m")
    at = checked(where, "cross_section_area", cross_section_area, unit="m²")
    ah = checked(where, "hole_area", hole_area, unit="m²")
    cd = checked(where, "discharge_coefficient", discharge_coefficient, high=1.0)
    big_h = checked(where, "overpressure_head", overpressure_head, low_inclusive=True, unit="m")
    return float(at / (cd * ah) * np.sqrt(2.0 / GRAVITY) * (np.sqrt(h0 + big_h) - np.sqrt(big_h)))


def _liquid_model(tank: LiquidTank):
    where = "LiquidTank"
    m0 = float(checked(where, "liquid_mass", tank.liquid_mass, low_inclusive=True, unit="kg"))
    rho = float(checked(where, "liquid_density", tank.liquid_density, unit="kg/m³"))
    section = float(checked(where, "cross_section_area", tank.cross_section_area, unit="m²"))
    level = m0 / (rho * section)
    hole_height = float(checked(where, "hole_height", tank.hole_height, low_inclusive=True, unit="m"))
    if m0 > 0.0 and not hole_height < level:
        raise InputError.field(where, "hole_height", tank.hole_height,
                               f">= 0 m and below the initial liquid level {level:.6g} m (a hole at or above the "
                               f"level is in the vapour space: a gas release, GasTank / tank_gas_hole)")
    m_end = min(rho * section * hole_height, m0)  # the liquid below the hole never drains

    def rate(mass):
        head = np.maximum(mass - m_end, 0.0) / (rho * section)  # level − hole_height [m]
        return np.asarray(liquid_release_rate(tank.hole_area, rho, tank.headspace_pressure, tank.ambient_pressure,
                                              head, discharge_coefficient=tank.discharge_coefficient))

    # releasable inventory: the liquid above the hole; "empty" when it is drained down to the hole
    return m0, m0 - m_end, m_end, rate


def _gas_model(tank: GasTank):
    where = "GasTank"
    volume = float(checked(where, "volume", tank.volume, unit="m³"))
    p0 = float(checked(where, "pressure", tank.pressure, unit="Pa (absolute)"))
    t0 = float(checked(where, "temperature", tank.temperature, unit="K"))
    molar = float(checked(where, "molar_mass", tank.molar_mass, unit="kg/mol"))
    kappa = float(checked(where, "heat_capacity_ratio", tank.heat_capacity_ratio, low=1.0))
    p_amb = float(checked(where, "ambient_pressure", tank.ambient_pressure, unit="Pa (absolute)"))
    process = lookup(where, "process", _GAS_PROCESSES, tank.process)
    m0 = p0 * molar * volume / (GAS_CONSTANT * t0)

    def state(mass):
        fraction = np.maximum(mass, 0.0) / m0
        if process == "isothermal":
            return p0 * fraction, np.full_like(fraction, t0)
        return p0 * fraction**kappa, t0 * fraction ** (kappa - 1.0)

    if p0 <= p_amb:
        m_end = m0
    elif process == "isothermal":
        m_end = m0 * p_amb / p0
    else:
        m_end = m0 * (p_amb / p0) ** (1.0 / kappa)

    def rate(mass):
        pressure, temperature = state(np.asarray(mass, dtype=np.float64))
        safe_p = np.maximum(pressure, 1e-300)
        safe_t = np.maximum(temperature, 1e-300)
        q = np.asarray(gas_release_rate(tank.hole_area, safe_p, safe_t, molar, kappa, p_amb,
                                        discharge_coefficient=tank.discharge_coefficient))
        return np.where(pressure > p_amb, q, 0.0)

    return m0, m0 - m_end, m_end, rate


def tank_depletion(tank: LiquidTank | GasTank, *, duration: float = 86400.0, output_interval: float | None = None,
                   rtol: float = 1e-8) -> TankDepletion:
    """Integrate the release from ``tank`` until the releasable inventory is gone or ``duration`` has passed.

    Parameters
    ----------
    tank : LiquidTank or GasTank
        The vessel and the hole.
    duration : float, default 86400
        Longest time simulated. [s]
    output_interval : float, optional
        Spacing of the returned times [s]; by default the solver's own steps. The end time is always included.
    rtol : float, default 1e-8
        Relative tolerance of ``solve_ivp``.

    Returns
    -------
    TankDepletion
        Times [s], release rate [kg/s], cumulative released mass [kg], remaining mass [kg], releasable inventory
        [kg], time the inventory ran out [s] (nan if it did not within ``duration``).
    """
    if isinstance(tank, LiquidTank):
        m0, releasable, m_end, rate = _liquid_model(tank)
    elif isinstance(tank, GasTank):
        m0, releasable, m_end, rate = _gas_model(tank)
    else:
        raise InputError.field("tank_depletion", "tank", type(tank).__name__, "a LiquidTank or a GasTank")
    duration = float(checked("tank_depletion", "duration", duration, unit="s"))
    if output_interval is not None:
        output_interval = float(checked("tank_depletion", "output_interval", output_interval, unit="s"))

    # the event fires when the releasable mass left is below a tiny fraction of it; the remainder (≤ 1e-10 of the
    # inventory) is counted as released at that instant, so "run to empty" releases exactly the inventory
    tolerance = 1e-10 * releasable

    # The solver integrates the releasable mass left, y = m − m_end (→ 0 when empty), so its relative tolerance
    # applies to what is still to drain, not to the liquid below the hole (or the gas left at ambient pressure).
    def empty(_t, y):
        return y[0] - tolerance

    empty.terminal = True
    empty.direction = -1

    if releasable <= 0.0 or float(rate(m0)) <= 0.0:
        times = np.array([0.0, duration])
        remaining = np.array([m0, m0])
        empty_time = 0.0 if releasable <= 0.0 else float("nan")
    else:
        solution = solve_ivp(lambda _t, y: -rate(y + m_end), (0.0, duration), [releasable], method="RK45",
                             events=empty, dense_output=True, rtol=rtol, atol=1e-12 * releasable)
        t_stop = float(solution.t[-1])
        emptied = solution.status == 1
        empty_time = t_stop if emptied else float("nan")
        if output_interval is None:
            times = solution.t
        else:
            times = np.append(np.arange(0.0, t_stop, output_interval), t_stop)
            times = np.unique(times)
        remaining = m_end + (solution.sol(times)[0] if output_interval is not None else solution.y[0])
        remaining = np.minimum.accumulate(np.clip(remaining, m_end, m0))
        remaining[0] = m0
        if emptied:
            remaining[-1] = m_end
    release = np.asarray(rate(remaining), dtype=np.float64)
    if np.isfinite(empty_time):
        release = np.where(times >= empty_time, 0.0, release) if empty_time > 0.0 else np.zeros_like(release)
    return TankDepletion(np.asarray(times, dtype=np.float64), release, m0 - remaining, remaining, float(releasable),
                         float(empty_time))
