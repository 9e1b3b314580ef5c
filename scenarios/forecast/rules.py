"""The nightly batch's rules, pure functions of the park and the forecast: each risk source's credible-worst release
(:func:`release_rule`, :data:`RELEASE_RULE`), the release start closest to the HJ 169-2018 §9 worst case
(:func:`worst_start_hour`, :data:`START_RULE`), the ranking rule (:data:`RANK_RULE`) and the forecast-error
perturbations of the members (:data:`FORECAST_PERTURBATIONS`). The reasons for each rule, and what of it was not
checked against the standard, are in the docstring of :mod:`scenarios.forecast.run`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from twin.constants import STANDARD_PRESSURE
from twin.errors import InputError
from viz.wording import sentence, term

__all__ = ["ISOLATED_RELEASE_TIME", "ATMOSPHERIC_STORAGE_LIMIT", "RELEASE_RULE", "START_RULE", "RANK_RULE",
           "FORECAST_PERTURBATIONS", "POOL_PROPERTIES", "ReleaseRule", "release_rule", "worst_start_hour"]

ISOLATED_RELEASE_TIME = 600.0  # [s] HJ 169-2018 Appendix F: release time of a unit with emergency isolation

# [Pa] at or below: not a liquefied gas under its own vapour pressure
ATMOSPHERIC_STORAGE_LIMIT = 1.5 * STANDARD_PRESSURE

# The rules as every brief states them (English here, as run.json and the NetCDF record them; the brief's language
# from the wording catalogue, viz.wording 'forecast.*').
RELEASE_RULE = term("forecast.release_rule", "en")
START_RULE = term("forecast.start_rule", "en")
RANK_RULE = term("forecast.rank_rule", "en")


# Forecast-error perturbations of each member (assumptions, not values from a standard): day-1..3 10 m wind
# direction errors of NWP are typically a few tens of degrees and speed errors some 30 % (order of magnitude of the
# verification scores national centres publish); the stability class may be off by one.
FORECAST_PERTURBATIONS = {
    "wind_direction_offset": {"distribution": "normal", "mean": 0.0, "std": 20.0, "low": -60.0, "high": 60.0},
    "wind_speed_factor": {"distribution": "lognormal", "median": 1.0, "sigma_ln": 0.3},
    "stability_shift": {"distribution": "uniform", "low": -1.0, "high": 1.0},
}


class ReleaseRule(NamedTuple):
    """The credible-worst release of a risk source: outflow rate [kg/s] for duration [s], and the ``kind: leak``
    source-term model that turns it into an airborne rate (``direct``: all of it; ``liquid_spill``: a pool)."""

    rate: float
    duration: float
    model: str


# Chemicals-table columns the pool of a liquid_spill needs (scenarios.leak.source): density, latent heat, molar
# mass and the DIPPR-101 vapour pressure (mass-transfer evaporation below the boiling point, HJ 169 Eq. F.12).
POOL_PROPERTIES = ("liquid_density_kg_m3", "heat_of_vaporization_j_kg", "molar_mass", "vapour_pressure_dippr101")


def release_rule(risk_source, chemical, language: str = "en") -> ReleaseRule | str:
    """The credible-worst release of ``risk_source`` (:data:`RELEASE_RULE`), or the reason why it is not assessed
    (a string in ``language``, 'en' or 'zh': the brief's)."""
    substance = chemical.name_zh if language == "zh" else chemical.name_en
    if risk_source.kind == "warehouse":
        return term("forecast.not_assessed.warehouse", language)
    if chemical.hj169_endpoint2_mg_m3 is None:
        return sentence("forecast.not_assessed.no_endpoint", language, key=chemical.key)
    if chemical.boiling_point is not None and chemical.boiling_point > risk_source.temperature:
        # The inventory spills in 10 min into the bund (or spreads unbunded) and the pool evaporates: the
        # liquid_spill source term of kind: leak, which needs the liquid's properties.
        missing = [name for name in POOL_PROPERTIES if getattr(chemical, name, None) is None]
        if missing:
            return sentence("forecast.not_assessed.pool", language, substance=substance,
                            temperature=risk_source.temperature, boiling=chemical.boiling_point,
                            missing=", ".join(missing))
        return ReleaseRule(risk_source.inventory / ISOLATED_RELEASE_TIME, ISOLATED_RELEASE_TIME, "liquid_spill")
    if chemical.boiling_point is not None and risk_source.pressure <= ATMOSPHERIC_STORAGE_LIMIT:
        # Above its normal boiling point a pure substance stays liquid only under (at least) its vapour pressure,
        # which exceeds one atmosphere: a "tank" of it near ambient pressure holds a solution (hydrochloric acid,
        # ammonia water) or a gas holder — neither is a liquefied gas flashing on release.
        return sentence("forecast.not_assessed.solution", language, substance=substance,
                        boiling=chemical.boiling_point, pressure=risk_source.pressure)
    return ReleaseRule(risk_source.inventory / ISOLATED_RELEASE_TIME, ISOLATED_RELEASE_TIME, "direct")


def worst_start_hour(stability: np.ndarray, wind_speed: np.ndarray, usable: int) -> int:
    """Index of the hour closest to the HJ 169-2018 §9 worst case among the first ``usable`` hours.

    stability : Pasquill–Gifford class code per hour, 0 = A … 5 = F. wind_speed : model wind speed [m/s].
    The most stable class wins, then the lightest wind, then the earliest hour.
    """
    stability = np.asarray(stability)[:usable]
    wind_speed = np.asarray(wind_speed, dtype=np.float64)[:usable]
    if stability.size == 0:
        raise InputError.field("forecast", "hours", usable, "at least one usable release hour")
    order = np.lexsort((np.arange(stability.size), wind_speed, -stability.astype(np.int64)))
    return int(order[0])
