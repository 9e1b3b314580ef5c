"""``kind: typhoon`` in a scenario file: a track, rain and sea level, the flood grid, an optional ensemble and an
optional release triggered by flooding (a natech event)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Literal

from pydantic import Field, field_serializer, model_validator

from scenarios.common.ensemble import PerturbationSpec
from scenarios.common.spec import DesignTrackSpec, GridSpec, StrictModel, TrackFileSpec
from scenarios.leak.spec import SourceTermSpec

__all__ = ["TideSpec", "TYPHOON_PERTURBATIONS", "TyphoonEnsembleSpec", "TriggeredLeakSpec", "TyphoonScenario"]


class TideSpec(StrictModel):
    mean_level: float = Field(0.0, description="mean sea level above the DEM datum [m]")
    constituents: list[tuple[str, float, float, float]] = Field(
        default_factory=lambda: [("M2", 1.5, 12.4206, 0.0), ("S2", 0.5, 12.0, 0.0)],
        description="harmonic constituents (name, amplitude [m], period [h], phase at the simulation start "
                    "[degree]); default: an illustrative semidiurnal East-China-Sea tide")


TYPHOON_PERTURBATIONS = ("track_offset_east_km", "track_offset_north_km", "central_pressure_delta_hpa",
                         "forward_speed_factor", "rain_scale_factor")


class TyphoonEnsembleSpec(StrictModel):
    """``ensemble:`` block of a typhoon scenario: members perturbing the track, the intensity and the rain."""

    members: int = Field(gt=0, le=10_000, description="number of members")
    seed: int = Field(0, ge=0, description="ensemble seed (combined with the scenario hash)")
    perturbations: dict[str, PerturbationSpec] = Field(
        default_factory=dict, description=f"any of {', '.join(TYPHOON_PERTURBATIONS)}: cross-track offsets of the "
                                          "whole track [km], central-pressure change [hPa], factors on the forward "
                                          "speed and on the rain [-]")
    flooded_depth_m: float = Field(0.15, gt=0, description="a cell counts as flooded above this depth [m] (the "
                                                           "light/moderate class boundary of Chinese risk studies)")

    @model_validator(mode="after")
    def _names(self) -> "TyphoonEnsembleSpec":
        unknown = sorted(set(self.perturbations) - set(TYPHOON_PERTURBATIONS))
        if unknown:
            raise ValueError(f"unknown perturbation {unknown[0]!r}; allowed: {', '.join(TYPHOON_PERTURBATIONS)}")
        return self


class TriggeredLeakSpec(StrictModel):
    """A release from an asset the flood reaches (a natech event), dispersed with the typhoon's own wind."""

    risk_source: str = Field(description="id of the risk source (in park.yaml) whose flooding triggers the release")
    trigger: Literal["flooded", "water_at_unit"] = Field(
        "flooded", description="flooded: the water level on the asset's perimeter passes its floor plus sill; "
                               "water_at_unit: the first water around it (water-reactive contents only)")
    source_term: SourceTermSpec
    duration_limit: float = Field(3600.0, gt=0, description="the release is stopped after this time [s]")
    simulation_hours: float = Field(3.0, gt=0, le=24, description="how long the cloud is followed [h]")
    grid: GridSpec = GridSpec(size=(10000.0, 10000.0), spacing=100.0)


class TyphoonScenario(StrictModel):
    """``kind: typhoon`` — wind, rain and sea level from a track, a flood over the park, warehouses that flood."""

    schema_version: Literal[1] = 1
    kind: Literal["typhoon"]
    name: str = Field(min_length=1)
    park: str = Field(description="park.yaml path, relative to the scenario file")
    track: DesignTrackSpec | TrackFileSpec
    start: datetime = Field(description="start of the flood simulation, ISO 8601 with an explicit UTC offset")
    hours: float = Field(24.0, gt=0, le=96, description="simulated time [h]")
    rain_model: Literal["rcliper", "ipet", "gridded"] = Field(
        "rcliper", description="rcliper / ipet: parametric from the track; gridded: rain_file (radar QPE, forecast)")
    rain_file: str | None = Field(None, description="rain_model gridded: CF NetCDF of rain on (time, lat, lon), "
                                                    "relative to the scenario file")
    rain_scale: float = Field(1.0, gt=0, le=5, description="multiplies the parametric rain (orographic or "
                                                           "forecast adjustment) [-]")
    tide: TideSpec = TideSpec()
    surge: bool = Field(True, description="add the inverse barometer and the wind set-up to the tide")
    shelf_depth: float = Field(20.0, gt=0, description="mean depth of the shelf for the wind set-up [m]")
    shelf_width_km: float = Field(80.0, gt=0, description="width of the shelf for the wind set-up [km]")
    grid_spacing: float = Field(20.0, ge=2, le=200, description="flood grid cell size [m]")
    grid_size: tuple[float, float] = Field((10000.0, 10000.0), description="flood domain (east-west, "
                                                                           "north-south) centred on the park; "
                                                                           "include the sea boundary [m]")
    manning_paved: float = Field(0.02, gt=0, description="Manning n inside the park boundary [s m^-1/3]")
    manning_ground: float = Field(0.035, gt=0, description="Manning n outside [s m^-1/3]")
    drainage_mm_h: float = Field(30.0, ge=0, description="sewer design capacity inside the park as a rain "
                                                         "rate [mm/h]")
    soil_ks_mm_h: float = Field(3.4, ge=0, description="Green-Ampt K_s outside the park [mm/h] (loam, Rawls "
                                                       "et al. 1983)")
    soil_psi_dtheta_m: float = Field(0.027, ge=0, description="Green-Ampt suction head × moisture deficit [m]")
    output_minutes: float = Field(10.0, gt=0, le=180, description="depth snapshots and asset checks every ... [min]")
    language: Literal["zh", "en"] = "zh"
    ensemble: TyphoonEnsembleSpec | None = Field(None, description="optional ensemble (parktwin ensemble)")
    triggered_leak: TriggeredLeakSpec | None = Field(
        None, description="optional: when this asset floods, release its contents (a kind: leak run in leak/, with "
                          "the typhoon's wind at the park from the moment it floods)")

    @model_validator(mode="after")
    def _check(self) -> "TyphoonScenario":
        if self.start.tzinfo is None:
            raise ValueError(f"start must carry an explicit UTC offset (e.g. +08:00), got {self.start.isoformat()}")
        if (self.rain_model == "gridded") != (self.rain_file is not None):
            raise ValueError("rain_file is required when rain_model is 'gridded', and only then")
        if isinstance(self.track, DesignTrackSpec) and self.track.landfall_time.tzinfo is None:
            raise ValueError("track.landfall_time must carry an explicit UTC offset")
        return self

    @field_serializer("start")
    def _start_utc(self, value: datetime) -> str:
        return value.astimezone(timezone.utc).isoformat()
