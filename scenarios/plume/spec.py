"""``kind: plume`` in a scenario file: hourly steady Gaussian plumes of every stack of the park."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from scenarios.common.ensemble import EnsembleSpec
from scenarios.common.spec import GridSpec, ModelSpec, StrictModel, WeatherSpec

__all__ = ["OutputSpec", "PlumeScenario"]


class OutputSpec(StrictModel):
    hourly_fields: bool = Field(True, description="write hourly fields (else statistics only)")
    maps: bool = Field(True, description="render the 2D map PNGs and the 3D scene PNG")


class PlumeScenario(StrictModel):
    """``kind: plume`` — hourly steady Gaussian plumes of every stack of the park."""

    schema_version: Literal[1] = 1
    kind: Literal["plume"]
    name: str = Field(min_length=1, description="scenario name, used in titles and file names")
    park: str = Field(description="park.yaml path, relative to the scenario file")
    weather: WeatherSpec
    grid: GridSpec = GridSpec()
    model: ModelSpec = ModelSpec()
    pollutants: list[str] | None = Field(None, description="substance keys to model; default: all the stacks emit")
    output: OutputSpec = OutputSpec()
    ensemble: EnsembleSpec | None = Field(None, description="optional ensemble of perturbed members "
                                                            "(run with scenarios.plume.ensemble.run_ensemble)")

    @model_validator(mode="after")
    def _screening_only(self) -> "PlumeScenario":
        if self.model.dispersion != "screening":
            raise ValueError("model.dispersion: kind: plume runs the screening plume only; AERMOD mode is "
                             "kind: eia (a year of AERMET weather over every stack)")
        return self
