"""ParkTwin layer 3: dispersion physics — coefficients, plume rise, the steady plume (kernels in ``_*_kernels``).

``import dispersion`` stays light: the Numba kernels are compiled or loaded from cache on the first run — from a
cache keyed by the kernels' sources (:mod:`dispersion._kernel_cache`), set here before any kernel is decorated.
"""

from dispersion._kernel_cache import key_numba_cache

key_numba_cache()

from dispersion.aermod import AermodResult, run_aermod  # noqa: E402 (after the cache is keyed)
from dispersion.coefficients import (
    SIGMA_MODELS,
    power_law_segments,
    sigma,
    sigma_briggs_rural,
    sigma_briggs_urban,
    sigma_gb13201,
    sigma_pasquill_gifford_isc3,
    sigma_y_linear_bound,
)
from dispersion.plume import (
    SIGMA_MODEL_NAMES,
    PlumeOptions,
    ReceptorSet,
    SourceHours,
    StackSet,
    evaluate_plume,
    run_plume,
    source_hours,
)
from dispersion.puff import PuffMet, PuffOptions, PuffRelease, puff_states, run_puff
from dispersion.plume_rise import (
    BriggsRise,
    buoyancy_flux,
    buoyancy_induced_dispersion,
    momentum_flux,
    plume_rise_briggs,
    plume_rise_briggs_gradual,
    stack_tip_downwash,
)

__all__ = [
    "AermodResult",
    "run_aermod",
    "SIGMA_MODELS",
    "SIGMA_MODEL_NAMES",
    "power_law_segments",
    "sigma",
    "sigma_briggs_rural",
    "sigma_briggs_urban",
    "sigma_gb13201",
    "sigma_pasquill_gifford_isc3",
    "sigma_y_linear_bound",
    "PlumeOptions",
    "ReceptorSet",
    "SourceHours",
    "StackSet",
    "evaluate_plume",
    "run_plume",
    "source_hours",
    "BriggsRise",
    "buoyancy_flux",
    "buoyancy_induced_dispersion",
    "momentum_flux",
    "plume_rise_briggs",
    "plume_rise_briggs_gradual",
    "stack_tip_downwash",
    "PuffMet",
    "PuffOptions",
    "PuffRelease",
    "puff_states",
    "run_puff",
]
