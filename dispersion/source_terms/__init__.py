"""Release source terms (layer 3, NumPy/SciPy): how fast a hazardous substance leaves its containment.

=======================  ============================================================  ==========================
model                    source                                                        module
=======================  ============================================================  ==========================
liquid through a hole    HJ 169-2018 Eq. (F.1), Table F.1 (C_d by shape and Re)         :mod:`.orifice`
gas through a hole       HJ 169-2018 Eqs. (F.2)–(F.5) (choked / subsonic, Y)           :mod:`.orifice`
two-phase flashing       HJ 169-2018 Eqs. (F.6)–(F.8)                                  :mod:`.orifice`
pool spread, evaporation HJ 169-2018 Eqs. (F.9)–(F.12), Tables F.2–F.3; CCPS 1999      :mod:`.pool`
tank depletion           the orifice models integrated over time (solve_ivp)           :mod:`.tank`
pipe break               orifice rate at operating pressure until isolation            :mod:`.pipe`
airborne from a spill    flash + pool evaporation series; two-phase jet all airborne   :mod:`.spill`
dense-gas flag           HJ 169-2018 Appendix G.2.1 (Richardson number)                :mod:`.dense_gas`
=======================  ============================================================  ==========================

SI everywhere: absolute pressures [Pa], temperatures [K], masses [kg], lengths [m], times [s], rates [kg/s].
"""

from dispersion.source_terms.dense_gas import (
    RICHARDSON_DENSE_CONTINUOUS_HJ169,
    RICHARDSON_DENSE_INSTANTANEOUS_HJ169,
    DenseGasVerdict,
    is_continuous_release,
    is_dense_gas,
    richardson_number_continuous,
    richardson_number_instantaneous,
    travel_time_hj169,
)
from dispersion.source_terms.orifice import (
    GAS_DISCHARGE_COEFFICIENT_HJ169,
    HOLE_SHAPES,
    LIQUID_DISCHARGE_COEFFICIENT_HJ169,
    TWO_PHASE_CRITICAL_PRESSURE_FRACTION_HJ169,
    TWO_PHASE_DISCHARGE_COEFFICIENT_HJ169,
    critical_pressure_ratio,
    flash_fraction,
    gas_flow_coefficient,
    gas_release_rate,
    liquid_discharge_coefficient_hj169,
    liquid_release_rate,
    two_phase_mixture_density,
    two_phase_release_rate,
)
from dispersion.source_terms.pipe import (
    ISOLATION_TIME_WITH_EMERGENCY_SYSTEM_HJ169,
    ISOLATION_TIME_WITHOUT_EMERGENCY_SYSTEM_HJ169,
    PipeOutflow,
    full_bore_hole_area,
    pipe_outflow,
)
from dispersion.source_terms.pool import (
    GROUND_THERMAL_PROPERTIES_HJ169,
    MASS_TRANSFER_COEFFICIENTS_HJ169,
    PoolEvaporation,
    flash_evaporation_rate,
    heat_transfer_evaporated_mass,
    heat_transfer_evaporation_rate,
    mass_transfer_evaporation_rate,
    pool_evaporation_rate,
    pool_radius_gravity_spreading,
    pool_radius_limit,
)
from dispersion.source_terms.spill import PoolConditions, SpillSeries, flash_and_pool_series, two_phase_series
from dispersion.source_terms.tank import GasTank, LiquidTank, TankDepletion, tank_depletion, torricelli_emptying_time

__all__ = [
    "HOLE_SHAPES",
    "LIQUID_DISCHARGE_COEFFICIENT_HJ169",
    "GAS_DISCHARGE_COEFFICIENT_HJ169",
    "TWO_PHASE_DISCHARGE_COEFFICIENT_HJ169",
    "TWO_PHASE_CRITICAL_PRESSURE_FRACTION_HJ169",
    "liquid_discharge_coefficient_hj169",
    "liquid_release_rate",
    "critical_pressure_ratio",
    "gas_flow_coefficient",
    "gas_release_rate",
    "flash_fraction",
    "two_phase_mixture_density",
    "two_phase_release_rate",
    "GROUND_THERMAL_PROPERTIES_HJ169",
    "MASS_TRANSFER_COEFFICIENTS_HJ169",
    "PoolEvaporation",
    "pool_radius_gravity_spreading",
    "pool_radius_limit",
    "flash_evaporation_rate",
    "heat_transfer_evaporation_rate",
    "heat_transfer_evaporated_mass",
    "mass_transfer_evaporation_rate",
    "pool_evaporation_rate",
    "LiquidTank",
    "GasTank",
    "TankDepletion",
    "tank_depletion",
    "torricelli_emptying_time",
    "ISOLATION_TIME_WITH_EMERGENCY_SYSTEM_HJ169",
    "ISOLATION_TIME_WITHOUT_EMERGENCY_SYSTEM_HJ169",
    "PipeOutflow",
    "full_bore_hole_area",
    "pipe_outflow",
    "PoolConditions",
    "SpillSeries",
    "flash_and_pool_series",
    "two_phase_series",
    "RICHARDSON_DENSE_CONTINUOUS_HJ169",
    "RICHARDSON_DENSE_INSTANTANEOUS_HJ169",
    "DenseGasVerdict",
    "travel_time_hj169",
    "is_continuous_release",
    "richardson_number_continuous",
    "richardson_number_instantaneous",
    "is_dense_gas",
]
