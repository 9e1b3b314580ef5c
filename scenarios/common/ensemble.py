"""Ensemble definition: uncertain inputs sampled by Latin hypercube, every member reproducible (pure, no I/O).

A member is fully defined by (scenario hash, ensemble size, member index): the design is regenerated from a seed
derived from the scenario's SHA-256 and the ensemble's own seed, so any worker, on any machine, re-creates exactly the
parameters of member k without talking to the others. Latin hypercube sampling (McKay, Beckman & Conover 1979,
Technometrics 21(2):239–245) stratifies each parameter into N equal-probability bins with one member per bin, so a
small ensemble still spans each range; ``scipy.stats.qmc.LatinHypercube`` draws the design.

Perturbations (all explicit, none inferred):

* ``wind_direction_offset`` [degree] added to every hour's wind direction;
* ``wind_speed_factor`` [-] multiplying the wind speed (calms are re-applied after);
* ``stability_shift`` [classes] added to the Pasquill–Gifford class code and clipped to A..F;
* ``mixing_height_factor`` [-] multiplying the mixing height;
* ``emission_factor`` [-] multiplying every emission (or release) rate;
* ``hole_diameter_factor`` [-] multiplying the hole of a leak's tank model (``kind: leak`` only,
  :class:`LeakEnsembleSpec`; see :mod:`scenarios.leak.ensemble`).

Each is ``uniform(low, high)``, ``normal(mean, std)`` (optionally truncated) or ``lognormal(median, sigma_ln)``,
mapped from the hypercube's uniform margins by the inverse CDF.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator
from scipy import stats
from scipy.stats import qmc

from twin.errors import InputError

__all__ = ["PerturbationSpec", "EnsembleSpec", "LeakEnsembleSpec", "Member", "expand_members", "member_seed",
           "PERTURBATION_NAMES", "LEAK_PERTURBATION_NAMES", "perturb_weather",
           "exceedance_probability", "percentile_fields"]

PERTURBATION_NAMES = ("wind_direction_offset", "wind_speed_factor", "stability_shift", "mixing_height_factor",
                      "emission_factor")
# A leak's release is perturbed where its uncertainty lives: the given rate of a ``direct`` release, or the hole of a
# tank model (the rate then follows from the orifice equations and the tank's depletion, mass conserved).
LEAK_PERTURBATION_NAMES = ("wind_direction_offset", "wind_speed_factor", "stability_shift", "mixing_height_factor",
                           "emission_factor", "hole_diameter_factor")


class PerturbationSpec(BaseModel):
    """One uncertain parameter and its distribution."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    distribution: Literal["uniform", "normal", "lognormal"]
    low: float | None = Field(None, description="uniform: lower bound; normal: optional truncation")
    high: float | None = Field(None, description="uniform: upper bound; normal: optional truncation")
    mean: float | None = Field(None, description="normal: mean")
    std: float | None = Field(None, gt=0, description="normal: standard deviation")
    median: float | None = Field(None, gt=0, description="lognormal: median")
    sigma_ln: float | None = Field(None, gt=0, description="lognormal: standard deviation of the logarithm")

    @model_validator(mode="after")
    def _check(self) -> "PerturbationSpec":
        needed = {"uniform": ("low", "high"), "normal": ("mean", "std"), "lognormal": ("median", "sigma_ln")}
        missing = [name for name in needed[self.distribution] if getattr(self, name) is None]
        if missing:
            raise ValueError(f"a {self.distribution} perturbation needs {', '.join(missing)}")
        if self.low is not None and self.high is not None and not self.low < self.high:
            raise ValueError(f"low must be < high, got low={self.low}, high={self.high}")
        return self

    def quantile(self, u: np.ndarray) -> np.ndarray:
        """Map uniform margins u in (0, 1) to this distribution (inverse CDF)."""
        if self.distribution == "uniform":
            return self.low + (self.high - self.low) * u
        if self.distribution == "lognormal":
            return self.median * np.exp(self.sigma_ln * stats.norm.ppf(u))
        low = -np.inf if self.low is None else (self.low - self.mean) / self.std
        high = np.inf if self.high is None else (self.high - self.mean) / self.std
        return stats.truncnorm.ppf(u, low, high, loc=self.mean, scale=self.std)


class EnsembleSpec(BaseModel):
    """``ensemble:`` block of a scenario file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    members: int = Field(gt=0, le=100_000, description="number of members")
    seed: int = Field(0, ge=0, description="ensemble seed (combined with the scenario hash)")
    perturbations: dict[str, PerturbationSpec] = Field(default_factory=dict)
    thresholds_ug_m3: dict[str, list[float]] = Field(
        default_factory=dict, description="per substance, concentration thresholds [µg/m³] whose exceedance "
                                          "probability is mapped (e.g. GB 3095-2012 1-h limits)")

    @model_validator(mode="after")
    def _names(self) -> "EnsembleSpec":
        unknown = sorted(set(self.perturbations) - set(PERTURBATION_NAMES))
        if unknown:
            raise ValueError(f"unknown perturbation {unknown[0]!r}; allowed: {', '.join(PERTURBATION_NAMES)}")
        return self


class LeakEnsembleSpec(BaseModel):
    """``ensemble:`` block of a ``kind: leak`` scenario (run with ``parktwin ensemble``).

    Thresholds are not listed here: a leak is judged against the substance's own 60-min values (HJ 169-2018
    Appendix H endpoints, AEGL/ERPG where twin/chemicals.csv holds them), exactly as the deterministic run.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    members: int = Field(gt=0, le=10_000, description="number of members")
    seed: int = Field(0, ge=0, description="ensemble seed (combined with the scenario hash)")
    perturbations: dict[str, PerturbationSpec] = Field(
        default_factory=dict,
        description=f"any of {', '.join(LEAK_PERTURBATION_NAMES)}: wind direction offset [degree], factors on the "
                    "wind speed and the mixing height [-], stability shift [classes], and the release: "
                    "emission_factor [-] on the rate of a direct release, hole_diameter_factor [-] on the hole of "
                    "a tank model")

    @model_validator(mode="after")
    def _names(self) -> "LeakEnsembleSpec":
        unknown = sorted(set(self.perturbations) - set(LEAK_PERTURBATION_NAMES))
        if unknown:
            raise ValueError(f"unknown perturbation {unknown[0]!r}; allowed: {', '.join(LEAK_PERTURBATION_NAMES)}")
        for name, perturbation in sorted(self.perturbations.items()):
            # A factor multiplies a positive quantity: its distribution must stay above 0 (lognormal always does).
            if name.endswith("_factor") and perturbation.distribution != "lognormal" and not (
                    perturbation.low is not None and perturbation.low > 0):
                raise ValueError(f"perturbation {name!r}: a {perturbation.distribution} factor needs low > 0 "
                                 f"(or distribution lognormal), got low={perturbation.low}")
        return self


@dataclass(frozen=True)
class Member:
    """One ensemble member: its index, its own random seed and its perturbed parameters."""

    index: int
    seed: int
    parameters: dict[str, float]


def _design_seed(scenario_sha256: str, ensemble_seed: int) -> np.random.SeedSequence:
    if len(scenario_sha256) != 64:
        raise InputError.field("ensemble", "scenario_sha256", scenario_sha256, "a 64-digit hexadecimal SHA-256")
    return np.random.SeedSequence([int(scenario_sha256, 16) % 2**128, ensemble_seed])


def member_seed(scenario_sha256: str, ensemble_seed: int, index: int) -> int:
    """A 63-bit seed for member ``index``'s own random draws, independent of every other member's."""
    child = np.random.SeedSequence(_design_seed(scenario_sha256, ensemble_seed).entropy, spawn_key=(1, index))
    return int(child.generate_state(2, dtype=np.uint32).view(np.uint64)[0] >> np.uint64(1))


def expand_members(spec: EnsembleSpec, scenario_sha256: str) -> list[Member]:
    """All members of the ensemble, in index order; the same inputs always give the same members."""
    names = sorted(spec.perturbations)
    parameters = np.zeros((spec.members, 0))
    if names:
        rng = np.random.default_rng(_design_seed(scenario_sha256, spec.seed))
        design = qmc.LatinHypercube(d=len(names), rng=rng).random(spec.members)
        design = np.clip(design, 1e-12, 1 - 1e-12)  # keep inverse CDFs finite
        parameters = np.column_stack([spec.perturbations[name].quantile(design[:, k]) for k, name in enumerate(names)])
    return [
        Member(index=i, seed=member_seed(scenario_sha256, spec.seed, i),
               parameters={name: float(parameters[i, k]) for k, name in enumerate(names)})
        for i in range(spec.members)
    ]


def exceedance_probability(values: np.ndarray, threshold: float) -> np.ndarray:
    """Fraction of members whose value exceeds ``threshold``: P(C > c*) per cell [-].

    values : (members, ...) array, e.g. the max 1-h concentration of each member at each receptor [kg m-3].
    The Monte Carlo estimate of the exceedance probability; its standard error is sqrt(p(1-p)/N).
    """
    values = np.asarray(values)
    if values.ndim < 1 or values.shape[0] == 0:
        raise InputError.field("ensemble", "values", f"shape {values.shape}", "(members, ...) with members >= 1")
    return np.mean(values > threshold, axis=0)


def percentile_fields(values: np.ndarray, percentiles=(50.0, 90.0, 99.0)) -> np.ndarray:
    """Percentiles over members (axis 0), linear interpolation between order statistics: (len(percentiles), ...)."""
    return np.percentile(np.asarray(values), percentiles, axis=0)


def perturb_weather(met, parameters: dict[str, float]):
    """A copy of prepared weather (``meteo.prepare_dispersion_met``) with a member's perturbations applied.

    Wind direction is turned by ``wind_direction_offset`` [degree]; the wind speed scaled by ``wind_speed_factor``
    and the steady-state calm floor (1 m/s, EPA-454/R-99-005 §6.9) re-applied to the model wind; the stability code
    shifted by round(``stability_shift``) and clipped to 0..5 (A..F); the mixing height scaled by
    ``mixing_height_factor``. The raw observations stay untouched in the copy's other variables.
    """
    out = met.copy()
    if "wind_direction_offset" in parameters:
        out["wind_from_direction"] = (met["wind_from_direction"] + parameters["wind_direction_offset"]) % 360.0
    if "wind_speed_factor" in parameters:
        factor = parameters["wind_speed_factor"]
        if not factor > 0:
            raise InputError.field("ensemble member", "wind_speed_factor", factor, "> 0")
        out["model_wind_speed"] = np.maximum(met["model_wind_speed"] * factor, 1.0)
    if "stability_shift" in parameters:
        shifted = np.clip(met["stability_class"].values + int(round(parameters["stability_shift"])), 0, 5)
        out["stability_class"] = (met["stability_class"].dims, shifted.astype(met["stability_class"].dtype),
                                  met["stability_class"].attrs)
    if "mixing_height_factor" in parameters:
        factor = parameters["mixing_height_factor"]
        if not factor > 0:
            raise InputError.field("ensemble member", "mixing_height_factor", factor, "> 0")
        out["atmosphere_boundary_layer_thickness"] = met["atmosphere_boundary_layer_thickness"] * factor
    return out
