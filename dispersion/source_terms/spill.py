r"""What becomes airborne when a tank leaks liquid: flash vapour plus evaporation of the pool the rest forms, or a
two-phase jet taken as airborne whole (HJ 169-2018 Appendix F.1.3–F.1.4).

Liquid through a hole (``tank_liquid_hole``; the same for ``pipe_liquid``, whose outflow is constant until
isolation), per time step of the tank outflow (mass ΔM leaving the tank):

* flash: F_v ΔM becomes vapour at once, F_v = C_p (T − T_b)/H_v for a superheated liquid (storage temperature above
  the normal boiling point), 0 otherwise (HJ 169-2018 Eqs. (F.9)–(F.10), :func:`.orifice.flash_fraction`);
* the rest, (1 − F_v) ΔM, falls into a pool. The pool's radius is the smaller of the gravity-spreading radius of the
  liquid spilled so far (CCPS 1999 §2.3.2, instantaneous-spill form, :func:`.pool.pool_radius_gravity_spreading`)
  and the limit set by the bund area or by the minimum thickness (:func:`.pool.pool_radius_limit`);
* the pool evaporates by **heat transfer** from the ground when the liquid boils at the ambient temperature
  (T_b < T₀; HJ 169-2018 Eq. (F.11), integrated exactly over each step for the area of that step, the time counted
  from the first liquid in the pool), otherwise by **mass transfer** into the wind (HJ 169-2018 Eq. (F.12), Table
  F.3). One mechanism or the other, never both: the choice is the liquid's boiling point against T₀;
* the pool keeps evaporating after the outflow stops, until it is gone or the time series ends (the caller's
  duration limit); what is left then is reported as the remaining pool.

Mass is conserved exactly by construction: airborne(t) + pool(t) + tank(t) = inventory at every time.

Two-phase release (``tank_two_phase_hole``): HJ 169-2018 F.1.3 gives the release rate Q_LG of a flashing two-phase
jet from a liquefied gas under pressure and takes Q_LG as the rate into the air. The rule used here, stated in every
report: **all of Q_LG is airborne** — the vapour fraction F_v Q_LG as vapour and the liquid fraction (1 − F_v) Q_LG
as fine aerosol carried with the cloud (no rain-out, no pool). The rate is constant while liquid remains (the tank is
held at its storage pressure by boiling).

All inputs SI: [s], [kg], [kg/s], [K], [Pa], [m], [m/s], [J/kg], [kg/mol].
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from dispersion.source_terms._checks import checked
from dispersion.source_terms.pool import (
    heat_transfer_evaporated_mass,
    mass_transfer_evaporation_rate,
    pool_radius_gravity_spreading,
    pool_radius_limit,
)
from twin.errors import InputError

__all__ = ["PoolConditions", "SpillSeries", "flash_and_pool_series", "two_phase_series"]


@dataclass(frozen=True)
class PoolConditions:
    """The pool's liquid and surroundings.

    liquid_density [kg/m³]; boiling_temperature (normal) [K]; heat_of_vaporization [J/kg]; molar_mass [kg/mol];
    ambient_temperature (air and ground) [K]; vapour_pressure at the ambient temperature [Pa] (needed only for a
    liquid below its boiling point); wind_speed at 10 m [m/s]; stability: HJ 169 Table F.3 row "unstable",
    "neutral" or "stable"; bund_area [m²] or None; minimum_thickness [m]; ground: key of
    GROUND_THERMAL_PROPERTIES_HJ169.
    """

    liquid_density: float
    boiling_temperature: float
    heat_of_vaporization: float
    molar_mass: float
    ambient_temperature: float
    wind_speed: float
    stability: str
    vapour_pressure: float | None = None
    bund_area: float | None = None
    minimum_thickness: float = 0.01
    ground: str = "concrete"

    @property
    def boiling(self) -> bool:
        """True when the liquid boils at the ambient temperature: heat-transfer evaporation applies."""
        return self.boiling_temperature < self.ambient_temperature


class SpillSeries(NamedTuple):
    """Airborne source term on the step edges ``time`` [s] (n + 1 values).

    Rates hold over each of the n steps [kg/s]: outflow (leaving the tank), flash, pool_evaporation, two_phase_vapour,
    two_phase_aerosol and airborne (their sum). Masses at the edges [kg]: pool_mass, pool_radius [m], tank_mass
    (liquid left in the tank, including any below a raised hole that never drains; for a pipe, what of its
    inventory cap was not released), airborne_mass (cumulative). inventory [kg] is tank_mass at 0.
    """

    time: np.ndarray
    outflow: np.ndarray
    flash: np.ndarray
    pool_evaporation: np.ndarray
    two_phase_vapour: np.ndarray
    two_phase_aerosol: np.ndarray
    airborne: np.ndarray
    pool_mass: np.ndarray
    pool_radius: np.ndarray
    tank_mass: np.ndarray
    airborne_mass: np.ndarray
    inventory: float


def _step_evaporation(pool: PoolConditions, mass: float, spilled: float, age_start: float, age_end: float) -> tuple:
    """Mass evaporated [kg] over one step from a pool of ``mass`` (after this step's inflow), and its radius [m]."""
    spread = float(pool_radius_gravity_spreading(age_end, pool.liquid_density, spilled_mass=spilled))
    limit = float(pool_radius_limit(mass, pool.liquid_density, bund_area=pool.bund_area,
                                    minimum_thickness=pool.minimum_thickness))
    radius = min(spread, limit)
    if pool.boiling:
        area = np.pi * radius**2

        def evaporated(age):
            if age <= 0.0:
                return 0.0
            return float(heat_transfer_evaporated_mass(area, pool.ambient_temperature, pool.boiling_temperature,
                                                       pool.heat_of_vaporization, age, ground=pool.ground))

        amount = evaporated(age_end) - evaporated(age_start)
    else:
        rate = mass_transfer_evaporation_rate(pool.vapour_pressure, pool.molar_mass, pool.ambient_temperature,
                                              pool.wind_speed, radius, pool.stability)
        amount = float(rate) * (age_end - age_start)
    return min(max(amount, 0.0), mass), radius


def flash_and_pool_series(time, tank_mass, flash_fraction: float, pool: PoolConditions) -> SpillSeries:
    """Flash vapour and pool evaporation from a tank's liquid outflow (module docstring: the model and its rules):
    flash by HJ 169-2018 Eqs. (F.9)–(F.10), pool spreading by CCPS (1999) §2.3.2, evaporation by HJ 169-2018
    Eq. (F.11) (boiling pool, heat transfer) or Eq. (F.12) with Table F.3 (mass transfer).

    Parameters
    ----------
    time : array_like
        Step edges, increasing, starting at 0. [s]
    tank_mass : array_like
        Liquid left in the tank at each edge, non-increasing (e.g. ``tank_depletion(...).remaining_mass`` held
        constant after the tank stops, which includes the liquid below a raised hole; or a pipe's
        ``pipe_outflow(...).remaining_mass``): only its decrease is outflow. [kg]
    flash_fraction : float
        F_v of the outflow, in [0, 1] (:func:`.orifice.flash_fraction`). [-]
    pool : PoolConditions
        Pool liquid and surroundings.

    Returns
    -------
    SpillSeries
    """
    where = "flash_and_pool_series"
    time = checked(where, "time", time, low=0.0, low_inclusive=True, unit="s")
    tank = checked(where, "tank_mass", tank_mass, low=0.0, low_inclusive=True, unit="kg")
    fraction = float(checked(where, "flash_fraction", flash_fraction, low=0.0, low_inclusive=True, high=1.0))
    if time.ndim != 1 or time.size < 2 or tank.shape != time.shape or time[0] != 0.0 or np.any(np.diff(time) <= 0):
        raise InputError.field(where, "time/tank_mass", f"{time.shape}/{tank.shape}",
                               "equal-length 1-D arrays (>= 2 values), time increasing from 0")
    if np.any(np.diff(tank) > 0):
        raise InputError.field(where, "tank_mass", "increasing somewhere", "non-increasing (the tank only empties)")
    if not pool.boiling and pool.vapour_pressure is None:
        raise InputError.field(where, "vapour_pressure", None, "given [Pa] for a liquid below its boiling point "
                                                               "(mass-transfer evaporation, HJ 169-2018 Eq. F.12)")
    steps = time.size - 1
    outflow_mass = tank[:-1] - tank[1:]
    flash_mass = fraction * outflow_mass
    evaporated = np.zeros(steps)
    pool_mass = np.zeros(steps + 1)
    radius = np.zeros(steps + 1)
    spilled, started = 0.0, None
    for k in range(steps):
        inflow = outflow_mass[k] - flash_mass[k]
        mass = pool_mass[k] + inflow
        spilled += inflow
        if started is None and inflow > 0.0:
            started = time[k]
        if mass > 0.0 and started is not None:
            evaporated[k], radius[k + 1] = _step_evaporation(pool, mass, spilled, time[k] - started,
                                                             time[k + 1] - started)
        pool_mass[k + 1] = mass - evaporated[k]
    dt = np.diff(time)
    airborne = (flash_mass + evaporated) / dt
    zeros = np.zeros(steps)
    return SpillSeries(time, outflow_mass / dt, flash_mass / dt, evaporated / dt, zeros, zeros, airborne, pool_mass,
                       radius, tank, np.concatenate([[0.0], np.cumsum(flash_mass + evaporated)]), float(tank[0]))


def two_phase_series(release_rate: float, flash_fraction: float, inventory: float, duration: float,
                     step: float) -> SpillSeries:
    """Constant two-phase release Q_LG until the inventory is gone or ``duration`` ends; all of it airborne.

    Parameters
    ----------
    release_rate : float
        Q_LG from :func:`.orifice.two_phase_release_rate` (HJ 169-2018 Eq. (F.6)). [kg/s]
    flash_fraction : float
        F_v of the jet (the vapour part), in [0, 1]. [-]
    inventory : float
        Liquid in the tank. [kg]
    duration : float
        Longest release (the scenario's duration limit). [s]
    step : float
        Spacing of the returned edges (the last edge is the end of the release). [s]

    Returns
    -------
    SpillSeries
        two_phase_vapour = F_v Q_LG and two_phase_aerosol = (1 − F_v) Q_LG; no flash, pool or pool evaporation.
    """
    where = "two_phase_series"
    rate = float(checked(where, "release_rate", release_rate, unit="kg/s"))
    fraction = float(checked(where, "flash_fraction", flash_fraction, low=0.0, low_inclusive=True, high=1.0))
    mass = float(checked(where, "inventory", inventory, unit="kg"))
    limit = float(checked(where, "duration", duration, unit="s"))
    step = float(checked(where, "step", step, unit="s"))
    end = min(limit, mass / rate)
    time = np.unique(np.append(np.arange(0.0, end, step), end))
    tank = np.maximum(mass - rate * time, 0.0)
    if mass / rate <= limit:
        tank[-1] = 0.0  # emptied: exactly the inventory left the tank
    steps = time.size - 1
    outflow = (tank[:-1] - tank[1:]) / np.diff(time)
    zeros = np.zeros(steps)
    return SpillSeries(time, outflow, zeros, zeros, fraction * outflow, (1.0 - fraction) * outflow, outflow.copy(),
                       np.zeros(steps + 1), np.zeros(steps + 1), tank, mass - tank, mass)
