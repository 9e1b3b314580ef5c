"""``kind: water`` in a scenario file: the water environmental capacity (水环境容量) of a park river — concentrations
along it at the design flow, the caps of every pollutant per outfall, and optionally an ensemble giving the
probability that a section fails its class at the current loads."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from scenarios.common.spec import StrictModel
from twin.units import described, quantity
from twin.water import CONCENTRATION

__all__ = ["WaterCapsSpec", "WaterEnsembleSpec", "WaterScenario"]


class WaterCapsSpec(StrictModel):
    """How the caps are set: a linear program over the outfalls' loads (scenarios.water.caps)."""

    rule: Literal["optimal", "equal_proportion"] = Field(
        "optimal", description="optimal: the largest (weighted) total load, by linear program (HiGHS); "
                               "equal_proportion: every outfall at the same multiple of its current load (both are "
                               "reported, this one is the cap)")
    safety_factor: float = Field(0.9, gt=0, le=1, description="maximum limits × this, the dissolved-oxygen minimum "
                                                             "÷ this (a margin kept back) [-]")
    upper_bound_factor: float | None = Field(None, gt=0, description="upper bound of each outfall's load as a "
                                                                     "multiple of its current load; null = none")
    technical_minimum_fraction: float = Field(0.0, ge=0, le=1, description="lower bound of each outfall's load as "
                                                                           "a fraction of its current load (an "
                                                                           "outfall is not closed by the program) "
                                                                           "[-]")
    weights: dict[str, float] = Field(default_factory=dict, description="objective weight per outfall id "
                                                                         "(default 1)")
    effluent_limits: dict[str, quantity(CONCENTRATION)] = Field(default_factory=dict, description=described(
        CONCENTRATION, "discharge-standard concentration per pollutant (e.g. GB 18918-2002 class 1A for a "
                       "municipal plant): no outfall's cap exceeds it × the outfall's flow; the report says which "
                       "caps it holds [kg m-3]"))


class WaterEnsembleSpec(StrictModel):
    """Perturbed design flow and decay rates (log-normal factors with median 1): the probability that each section
    fails its class at the current loads."""

    members: int = Field(200, ge=2, le=100_000, description="number of members")
    seed: int = Field(20261206, ge=0, description="random seed (numpy PCG64)")
    flow_sigma: float = Field(0.2, ge=0, le=2, description="standard deviation of ln(design-flow factor), one "
                                                          "factor for every reach [-]")
    decay_sigma: float = Field(0.3, ge=0, le=2, description="standard deviation of ln(decay-rate factor), one "
                                                           "factor per pollutant [-]")


class WaterScenario(StrictModel):
    """``kind: water`` — concentrations along a park river at its design flow, the caps per outfall (linear
    program, equal proportion, segment-method check) and, optionally, the probability of failing the class."""

    schema_version: Literal[1] = 1
    kind: Literal["water"]
    name: str = Field(min_length=1, description="scenario name, used in titles and file names")
    park: str = Field(description="park.yaml path, relative to the scenario file")
    river: str | None = Field(None, description="id of the park river (default: the park's only river)")
    pollutants: list[str] | None = Field(None, description="pollutants to cap; default: every pollutant the river "
                                                           "models")
    caps: WaterCapsSpec = WaterCapsSpec()
    spacing: float = Field(50.0, gt=0, le=5000, description="spacing of the profile along the river [m]")
    ensemble: WaterEnsembleSpec | None = Field(None, description="optional perturbed members (run with the "
                                                                 "scenario)")
    maps: bool = Field(True, description="render the longitudinal profile and the river map")
    language: Literal["zh", "en"] = Field("zh", description="language of caps.html and the figures")
