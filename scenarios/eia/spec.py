"""``kind: eia`` in a scenario file: a year of hourly weather over every stack (HJ 2.2-2018 statistics, transfer
matrices, optional total-emission caps and heavy-pollution episode)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Literal

from pydantic import Field, field_serializer, model_validator

from scenarios.common.spec import GridSpec, ModelSpec, StrictModel, WeatherSpec

__all__ = ["BackgroundSpec", "CapsSpec", "HeavyPollutionSpec", "EiaScenario"]


class BackgroundSpec(StrictModel):
    """Background concentration added to the park's contribution (HJ 2.2-2018 §8.8: 叠加现状浓度)."""

    constant: dict[str, float] = Field(default_factory=dict, description="constant background per pollutant key "
                                                                          "[µg/m³]")
    hourly_csv: str | None = Field(None, description="hourly background series: CSV with a 'time' column (ISO 8601 "
                                                     "with offset) and one '<pollutant>_ug_m3' column per pollutant, "
                                                     "relative to the scenario file; overrides constant — a pollutant "
                                                     "without its column must have a constant (used, and logged)")

    @model_validator(mode="after")
    def _check(self) -> "BackgroundSpec":
        for key, value in self.constant.items():
            if not value >= 0:
                raise ValueError(f"constant[{key!r}] must be >= 0 µg/m³, got {value}")
        return self


class CapsSpec(StrictModel):
    """Total-emission cap of one pollutant (``parktwin caps``): a linear program over the stacks' rates."""

    pollutant: str = Field(description="substance key with a GB 3095-2012 limit")
    rule: Literal["optimal", "equal_proportion"] = Field(
        "optimal", description="optimal: maximise the (weighted) total; equal_proportion: every stack at the same "
                               "fraction of its current rate")
    safety_factor: float = Field(0.9, gt=0, le=1, description="limits are multiplied by this [-]")
    upper_bound_factor: float | None = Field(1.0, gt=0, description="upper bound of each stack as a multiple of "
                                                                    "its current rate; null = no upper bound")
    technical_minimum_fraction: float = Field(0.0, ge=0, le=1, description="lower bound of each stack as a "
                                                                           "fraction of its current rate [-]")
    weights: dict[str, float] = Field(default_factory=dict, description="objective weight per stack id "
                                                                         "(default 1)")
    receptor_spacing: float = Field(500.0, gt=0, description="spacing of the constraint grid [m] (plus every "
                                                             "sensitive and fence receptor)")
    include_inside_boundary: bool = Field(False, description="also constrain grid receptors inside the park "
                                                             "boundary (ambient standards apply outside the fence)")
    a_value: float | None = Field(None, gt=0, description="GB/T 3840-91 A value for the A-value cross-check "
                                                          "[10^4 km² yr-1]; null = skip it")
    a_value_area_km2: float | None = Field(None, gt=0, description="control area [km²]; default: the park "
                                                                   "boundary's area")
    verify: bool = Field(True, description="re-run the model at the caps and check every statistic, percentiles "
                                           "included")


class HeavyPollutionSpec(StrictModel):
    """A heavy-pollution-weather episode: stacks cut by their enterprise's A/B/C/D performance grade."""

    start: datetime = Field(description="start of the episode, ISO 8601 with an explicit UTC offset")
    hours: int = Field(72, gt=0, le=744, description="length of the episode [h]")
    cuts: dict[Literal["A", "B", "C", "D", "ungraded"], float] = Field(
        default_factory=lambda: {"A": 0.0, "B": 0.3, "C": 0.5, "D": 1.0, "ungraded": 0.3},
        description="fraction of the emissions cut per grade [0..1]: A exempt, B proportional, C and D stricter "
                    "(D = stop). Defaults are assumptions to be set by the local emergency plan, not values from "
                    "a standard")

    @model_validator(mode="after")
    def _check(self) -> "HeavyPollutionSpec":
        if self.start.tzinfo is None:
            raise ValueError(f"start must carry an explicit UTC offset (e.g. +08:00), got {self.start.isoformat()}")
        for grade, cut in self.cuts.items():
            if not 0.0 <= cut <= 1.0:
                raise ValueError(f"cuts[{grade!r}] must be in [0, 1], got {cut}")
        return self

    @field_serializer("start")
    def _start_in_utc(self, start: datetime) -> str:
        return start.astimezone(timezone.utc).isoformat() if start.tzinfo is not None else start.isoformat()


class EiaScenario(StrictModel):
    """``kind: eia`` — a year (or any period) of hourly weather over every stack: HJ 2.2 statistics, transfer
    matrices, optional total-emission cap and heavy-pollution episode."""

    schema_version: Literal[1] = 1
    kind: Literal["eia"]
    name: str = Field(min_length=1)
    park: str = Field(description="park.yaml path, relative to the scenario file")
    weather: WeatherSpec
    grid: GridSpec = GridSpec(size=(5000.0, 5000.0), spacing=100.0)
    model: ModelSpec = ModelSpec()
    pollutants: list[str] | None = Field(None, description="substance keys; default: every emitted substance "
                                                           "with a GB 3095-2012 / HJ 2.2-2018 limit")
    grade: Literal[1, 2] = Field(2, description="GB 3095-2012 grade of the area: 1 (class-1 areas) or 2")
    background: BackgroundSpec = BackgroundSpec()
    transfer_hourly: bool = Field(True, description="write hourly transfer matrices at the sensitive receptors")
    caps: CapsSpec | None = None
    heavy_pollution: HeavyPollutionSpec | None = None
    maps: bool = Field(True, description="render maps of the annual-mean and percentile fields, the wind rose and "
                                         "the stability-class frequencies")
    language: Literal["zh", "en"] = Field("zh", description="language of the report (eia_summary.html), its maps "
                                                            "and figures")
    hourly_fields: bool = Field(False, description="also write the hourly grid fields into eia.nc (a year on "
                                                   "40,000 receptors is 1.4 GB per pollutant in float32)")

    @model_validator(mode="after")
    def _aermod_needs_aermet(self) -> "EiaScenario":
        if self.model.dispersion == "aermod" and self.weather.source != "aermet":
            raise ValueError(f"model.dispersion: aermod needs weather.source: aermet (an AERMET .SFC file and its "
                             f".PFL, which carry u*, w*, L and the mixing heights AERMOD uses), got "
                             f"weather.source: {self.weather.source}")
        return self
