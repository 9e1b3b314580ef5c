"""Scenario files: what to run, on which park, with which weather and model choices.

A scenario file is YAML validated by pydantic (``extra="forbid"``: a misspelt key is an error, not a silent
default). ``kind`` selects the scenario type; this module holds the steady-plume kind (``kind: plume``), the
foundation that leak, typhoon, annual and forecast kinds extend. Paths inside the file are relative to the file.
``parktwin schema scenario`` prints the JSON Schema so editors can validate files as users type.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_serializer, model_validator

from scenarios.ensemble import EnsembleSpec, LeakEnsembleSpec, PerturbationSpec
from twin.errors import InputError
from twin.validation import load_yaml, parse_model

__all__ = ["PlumeScenario", "LeakScenario", "EiaScenario", "TyphoonScenario", "DesignTrackSpec", "TideSpec", "CapsSpec", "HeavyPollutionSpec", "BackgroundSpec", "SourceTermSpec", "LeakMeteorologySpec", "WeatherSpec", "GridSpec", "ModelSpec", "OutputSpec", "load_scenario",
           "scenario_json_schema", "canonical_json", "scenario_hash"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DesignTrackSpec(_Strict):
    """A straight design typhoon ("a super typhoon making landfall 20 km south of the park")."""

    landfall_offset_km: tuple[float, float] = Field(description="landfall point relative to the park centre "
                                                                "(east, north) [km]")
    landfall_time: datetime = Field(description="ISO 8601 with an explicit UTC offset")
    heading_deg: float = Field(ge=0, lt=360, description="direction of motion, clockwise from north [degree]")
    forward_speed: float = Field(gt=0, le=30, description="translation speed [m/s]")
    central_pressure_hpa: float = Field(gt=850, lt=1010, description="central pressure [hPa]")
    rmax_km: float = Field(gt=0, le=200, description="radius of maximum wind [km]")
    max_wind_speed: float | None = Field(None, gt=0, description="10-min mean maximum 10 m wind [m/s] "
                                                                 "(default: from the pressure deficit)")

    @field_serializer("landfall_time")
    def _utc(self, value: datetime) -> str:
        return value.astimezone(timezone.utc).isoformat() if value.tzinfo is not None else value.isoformat()


class TrackFileSpec(_Strict):
    """An observed or forecast track from a file (CMA best track or IBTrACS-style CSV)."""

    file: str = Field(description="track file, relative to the scenario file")
    format: Literal["cma", "ibtracs"] = Field(description="cma: CHYYYYBST.txt; ibtracs: IBTrACS-style CSV")
    storm: str | None = Field(None, description="storm name or number in the file (default: the only storm)")
    averaging_period: int | None = Field(None, gt=0, description="averaging period of the file's winds [s] "
                                                                  "(CMA: 120; IBTrACS: required)")


class WeatherSpec(_Strict):
    """Where the hourly weather comes from."""

    source: Literal["station_csv", "forecast_netcdf", "synthetic", "typhoon", "aermet"] = Field(
        description="station_csv: an hourly station CSV (meteo.read_station_csv); forecast_netcdf: a weather "
                    "forecast NetCDF read at the park (meteo.read_forecast_netcdf; not there yet = retry later); "
                    "synthetic: the deterministic coastal East-China generator (meteo.synthetic_weather); typhoon: "
                    "the 10 m wind of the typhoon_track's Holland vortex at the park (neutral class D); aermet: an "
                    "AERMET surface file (path) and optional profile file (pfl_path), stability from the Obukhov "
                    "length (Golder 1972) and mixing height from zic/zim (meteo.read_aermet); hours in the park's "
                    "utc_offset_hours")
    typhoon_track: DesignTrackSpec | TrackFileSpec | None = Field(None, description="source typhoon: the track")
    path: str | None = Field(None, description="station CSV, forecast NetCDF or AERMET .SFC path, relative to the "
                                               "scenario file")
    pfl_path: str | None = Field(None, description="source aermet: the matching AERMET .PFL profile file, "
                                                   "relative to the scenario file (optional)")
    aermet_fill_missing: bool = Field(False, description="source aermet: persist the previous complete hour into "
                                                         "hours AERMET marks missing (otherwise they are an error)")
    start: datetime = Field(description="first hour, ISO 8601 with an explicit UTC offset, e.g. "
                                        "2026-07-15T00:00:00+08:00")
    hours: int = Field(24, gt=0, le=8784, description="number of hourly steps [h]")
    seed: int = Field(20261124, ge=0, description="random seed of the synthetic generator")
    stability_method: Literal["gb3840", "turner"] = Field(
        "gb3840", description="Pasquill–Gifford class method: GB/T 3840-91 (default for Chinese parks) or "
                              "Turner (1964) net-radiation index")

    @field_serializer("start")
    def _start_in_utc(self, start: datetime) -> str:
        """Serialised in UTC, so the same instant written with another offset hashes the same."""
        return start.astimezone(timezone.utc).isoformat() if start.tzinfo is not None else start.isoformat()

    @model_validator(mode="after")
    def _check(self) -> "WeatherSpec":
        if self.start.tzinfo is None:
            raise ValueError(f"start must carry an explicit UTC offset (e.g. +08:00), got {self.start.isoformat()}")
        if self.source in ("station_csv", "forecast_netcdf", "aermet") and not self.path:
            raise ValueError(f"path is required when source is {self.source!r}")
        if self.source != "aermet" and (self.pfl_path is not None or self.aermet_fill_missing):
            raise ValueError(f"pfl_path and aermet_fill_missing apply to source 'aermet' only, not {self.source!r}")
        if (self.source == "typhoon") != (self.typhoon_track is not None):
            raise ValueError("typhoon_track is required when source is 'typhoon', and only then")
        return self


class GridSpec(_Strict):
    """The Cartesian receptor grid [m, park CRS]."""

    centre: tuple[float, float] | None = Field(None, description="grid centre (x, y) [m]; default: the centroid "
                                                                 "of the park's stacks")
    size: tuple[float, float] = Field((5000.0, 5000.0), description="grid extent (east-west, north-south) [m]")
    spacing: float = Field(25.0, gt=0, description="receptor spacing [m]")
    receptor_height: float = Field(0.0, ge=0, description="receptor height above ground [m] (0 = ground level, "
                                                           "as HJ 2.2-2018 predicts ground-level concentrations)")

    @model_validator(mode="after")
    def _check(self) -> "GridSpec":
        if min(self.size) <= 0:
            raise ValueError(f"size must be > 0 m in both directions, got {self.size}")
        count = (int(self.size[0] // self.spacing) + 1) * (int(self.size[1] // self.spacing) + 1)
        if count > 4_000_000:
            raise ValueError(f"size/spacing give {count} receptors; at most 4,000,000 are allowed")
        return self


class ModelSpec(_Strict):
    """Explicit model choices (nothing is inferred from the data)."""

    sigma: Literal["briggs_rural", "briggs_urban", "pasquill_gifford_isc3", "gb13201"] | None = Field(
        None, description="dispersion coefficients; default briggs_rural or briggs_urban from the park's land_use")
    terrain: Literal["simple", "flat"] = Field("simple", description="ISC3 simple-terrain truncation, or flat")
    stack_tip_downwash: bool = True
    buoyancy_induced_dispersion: bool = True
    half_life: dict[str, float] = Field(default_factory=dict,
                                        description="first-order decay half-life per substance [s]")


class OutputSpec(_Strict):
    hourly_fields: bool = Field(True, description="write hourly fields (else statistics only)")
    maps: bool = Field(True, description="render the 2D map PNGs and the 3D scene PNG")


class PlumeScenario(_Strict):
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
                                                            "(run with scenarios.ensemble_run.run_ensemble)")


# Source-term models by the kind of risk source they describe (scenarios.leak_source checks the risk source's kind).
TANK_MODELS = ("tank_liquid_hole", "tank_gas_hole", "tank_two_phase_hole")
PIPE_MODELS = ("pipe_liquid", "pipe_gas", "pipe_two_phase")


class SourceTermSpec(_Strict):
    """How the substance leaves its containment and what becomes airborne (see dispersion.source_terms).

    Physical properties default to twin/chemicals.csv (each with its source); a value given here overrides the table,
    and a property neither gives is an error naming the field when the model needs it.
    """

    model: Literal["direct", "tank_liquid_hole", "tank_gas_hole", "tank_two_phase_hole", "liquid_spill",
                   "pipe_liquid", "pipe_gas", "pipe_two_phase"] = Field(
        description="direct: a given airborne rate; tank_liquid_hole: liquid through a hole below the liquid level "
                    "(HJ 169 Eq. F.1) with tank depletion; airborne = flash vapour (superheated liquid, HJ 169 Eqs. "
                    "F.9-F.10) + evaporation of the pool the rest forms (heat transfer if it boils at ambient "
                    "temperature, Eq. F.11, else mass transfer, Eq. F.12); tank_gas_hole: vapour through a hole "
                    "(HJ 169 Eqs. F.2-F.5); tank_two_phase_hole: flashing two-phase jet of a liquefied gas under "
                    "pressure (HJ 169 Eqs. F.6-F.8), all of it airborne (vapour + liquid as aerosol); "
                    "liquid_spill: liquid poured out at rate for duration (a tank emptying into its bund, a "
                    "tanker spill), airborne = flash vapour + pool evaporation as for tank_liquid_hole. "
                    "The tank_* models need a risk source of kind tank. pipe_liquid, pipe_gas, pipe_two_phase: a "
                    "break in a risk source of kind pipe (failure: hole or full_bore_rupture), the same equations "
                    "(F.1 then flash + pool; F.2-F.5 all airborne; F.6-F.8 all airborne) at the line's constant "
                    "operating pressure until duration_limit (the isolation time) or until the pipe's inventory "
                    "(the isolable segment plus the inflow before isolation) is released")
    failure: Literal["hole", "full_bore_rupture"] = Field(
        "hole", description="pipe models: hole (a hole of hole_diameter in the wall) or full_bore_rupture (the "
                            "pipe broken across: a circular hole of the pipe's inner diameter)")
    hole_height: float = Field(0.0, ge=0, description="tank_liquid_hole, tank_two_phase_hole: height of the hole "
                                                      "above the tank bottom [m]; only the liquid above it is "
                                                      "released, the rest stays in the tank; it must be below the "
                                                      "initial liquid level (a hole in the vapour space is "
                                                      "tank_gas_hole)")
    rate: float | None = Field(None, gt=0, description="direct: airborne rate; liquid_spill: liquid outflow [kg/s]")
    duration: float | None = Field(None, gt=0, description="direct, liquid_spill: release duration [s]")
    hole_diameter: float | None = Field(None, gt=0, description="tank models, pipe models with failure hole: "
                                                                "equivalent hole diameter [m]; full_bore_rupture: "
                                                                "omit it (or give the pipe's inner diameter)")
    hole_shape: Literal["circular", "triangular", "rectangular"] = "circular"
    liquid_density: float | None = Field(None, gt=0, description="liquid and two-phase models: liquid density "
                                                                 "[kg/m3]; default: twin/chemicals.csv")
    liquid_heat_capacity: float | None = Field(None, gt=0, description="liquid and two-phase models: liquid "
                                                                       "specific heat [J/(kg K)]; default: "
                                                                       "twin/chemicals.csv")
    heat_of_vaporization: float | None = Field(None, gt=0, description="liquid and two-phase models: latent heat "
                                                                       "of vaporization [J/kg]; default: "
                                                                       "twin/chemicals.csv")
    boiling_temperature: float | None = Field(None, gt=0, description="liquid model: normal boiling point [K]; "
                                                                      "default: twin/chemicals.csv")
    vapour_pressure: float | None = Field(None, gt=0, description="liquid model, pool below its boiling point: "
                                                                  "vapour pressure at the air temperature [Pa]; "
                                                                  "default: the DIPPR-101 correlation of "
                                                                  "twin/chemicals.csv")
    two_phase_boiling_temperature: float | None = Field(
        None, gt=0, description="tank_two_phase_hole: boiling temperature T_c at the critical pressure P_c = 0.55 P "
                                "[K]; default: from the DIPPR-101 vapour pressure of twin/chemicals.csv")
    heat_capacity_ratio: float | None = Field(None, gt=1, description="tank_gas_hole: cp/cv of the gas [-]; "
                                                                      "default: twin/chemicals.csv")
    pool_minimum_thickness: float = Field(0.01, gt=0, le=1, description="tank_liquid_hole: an unbunded pool "
                                                                        "spreads no thinner than this [m]")
    ground: Literal["concrete", "soil_8pct_water", "dry_open_ground", "wet_ground", "gravel"] = Field(
        "concrete", description="tank_liquid_hole: ground under the pool (HJ 169 Table F.2)")
    release_height: float = Field(1.0, ge=0, description="height of the release above ground [m]")

    @model_validator(mode="after")
    def _check(self) -> "SourceTermSpec":
        full_bore = self.failure == "full_bore_rupture"
        if self.model in ("direct", "liquid_spill"):
            needed = ("rate", "duration")
        else:  # tank and pipe models: a hole, unless the pipe is broken across (its diameter is the hole)
            needed = () if full_bore and self.model in PIPE_MODELS else ("hole_diameter",)
        missing = [name for name in needed if getattr(self, name) is None]
        if missing:
            raise ValueError(f"source term {self.model!r} needs {', '.join(missing)}")
        if full_bore and self.model not in PIPE_MODELS:
            raise ValueError(f"failure 'full_bore_rupture' applies to the pipe models ({', '.join(PIPE_MODELS)}), "
                             f"got model {self.model!r}")
        if full_bore and self.hole_shape != "circular":
            raise ValueError(f"failure 'full_bore_rupture' is a circular hole of the pipe's inner diameter: "
                             f"hole_shape must be 'circular', got {self.hole_shape!r}")
        if self.hole_height > 0.0 and self.model not in ("tank_liquid_hole", "tank_two_phase_hole"):
            raise ValueError(f"hole_height applies to tank_liquid_hole and tank_two_phase_hole only, got "
                             f"{self.hole_height} m for model {self.model!r}")
        return self


class LeakMeteorologySpec(_Strict):
    """A preset of HJ 169-2018 §9 — the worst case (F, 1.5 m/s, 25 °C, 50 % RH) or the most common local conditions
    of a year of weather — or hourly weather for the event itself."""

    preset: Literal["hj169_worst", "hj169_most_common"] | None = Field(
        None, description="hj169_worst: stability F, 1.5 m/s at 10 m, 25 °C, 50 % relative humidity; "
                          "hj169_most_common: the most common conditions of the climatology (at least a year of "
                          "local hourly weather): the most frequent stability class, that class's mean non-calm "
                          "10 m wind (calm < 0.5 m/s), the mean daily maximum temperature (meteo.most_common_conditions)")
    wind_from_direction: float | Literal["most_frequent"] | None = Field(
        None, description="preset only: wind direction [degree from north], or most_frequent (hj169_most_common: "
                          "the most frequent 22.5° sector of the class's non-calm hours); default: blowing towards "
                          "the nearest residential area, school or hospital (the most unfavourable direction)")
    climatology: WeatherSpec | None = Field(None, description="hj169_most_common only: the local hourly weather "
                                                              "(at least 8,760 hours) the conditions come from")
    weather: WeatherSpec | None = None

    @model_validator(mode="after")
    def _check(self) -> "LeakMeteorologySpec":
        if (self.preset is None) == (self.weather is None):
            raise ValueError("exactly one of preset or weather is required")
        if (self.preset == "hj169_most_common") != (self.climatology is not None):
            raise ValueError(f"climatology (a year of local hourly weather) is required with preset "
                             f"'hj169_most_common', and only then; got preset {self.preset!r}")
        if isinstance(self.wind_from_direction, float) and not 0.0 <= self.wind_from_direction < 360.0:
            raise ValueError(f"wind_from_direction must be in [0, 360) degrees or 'most_frequent', got "
                             f"{self.wind_from_direction}")
        if self.wind_from_direction == "most_frequent" and self.preset != "hj169_most_common":
            raise ValueError(f"wind_from_direction 'most_frequent' needs preset 'hj169_most_common', got preset "
                             f"{self.preset!r}")
        if self.climatology is not None and self.climatology.hours < 8760:
            raise ValueError(f"climatology.hours must be >= 8760 (at least one year of hourly weather, HJ 169-2018), "
                             f"got {self.climatology.hours}")
        return self


class LeakScenario(_Strict):
    """``kind: leak`` — a toxic release from one of the park's risk sources, followed by Gaussian puffs."""

    schema_version: Literal[1] = 1
    kind: Literal["leak"]
    name: str = Field(min_length=1)
    park: str = Field(description="park.yaml path, relative to the scenario file")
    risk_source: str = Field(description="id of the risk source in park.yaml")
    source_term: SourceTermSpec
    start: datetime = Field(description="start of the release, ISO 8601 with an explicit UTC offset")
    duration_limit: float = Field(3600.0, gt=0, description="the release is stopped after this time [s]")
    simulation_hours: float = Field(3.0, gt=0, le=72, description="how long the cloud is followed [h]")
    meteorology: LeakMeteorologySpec
    grid: GridSpec = GridSpec(size=(10000.0, 10000.0), spacing=50.0)
    sigma: Literal["briggs_rural", "briggs_urban", "pasquill_gifford_isc3", "gb13201"] | None = None
    dispersion_model: Literal["auto", "dense", "passive"] = Field(
        "auto", description="auto: the HJ 169-2018 G.2.1 Richardson-number rule chooses the dense-gas model (SLAB "
                            "equations) or Gaussian puffs (neutral or light gas, buoyant rise); dense or passive "
                            "forces one")
    surface_roughness: float | None = Field(
        None, gt=0, le=3.0, description="aerodynamic roughness length z0 of the dense-gas model [m]; default by the "
                                        "park's land use: rural 0.1, urban 1.0 (Wieringa 1992)")
    puff_interval: Annotated[float, Field(gt=0)] | Literal["auto"] = Field(
        "auto", description="one puff every ... [s]; auto: puffs at most half a σ_y (at 50 m) apart "
                            "(dispersion.puff.automatic_puff_interval)")
    sampling_step: float = Field(60.0, gt=0, description="concentrations averaged over intervals of ... [s]")
    output_step: float = Field(600.0, gt=0, description="grid snapshots every ... [s]")
    language: Literal["zh", "en"] = Field("zh", description="language of the emergency-plan draft")
    ensemble: LeakEnsembleSpec | None = Field(None, description="optional ensemble of perturbed members "
                                                                "(run with parktwin ensemble)")

    @model_validator(mode="after")
    def _check_ensemble_release(self) -> "LeakScenario":
        """The release perturbation must fit the source term: a rate factor needs a given rate, a hole factor a hole."""
        perturbations = self.ensemble.perturbations if self.ensemble is not None else {}
        if "emission_factor" in perturbations and self.source_term.model != "direct":
            raise ValueError(f"ensemble.perturbations.emission_factor applies to source_term.model 'direct' only, "
                             f"got {self.source_term.model!r}; use hole_diameter_factor for a tank model")
        if "hole_diameter_factor" in perturbations and self.source_term.hole_diameter is None:
            raise ValueError(f"ensemble.perturbations.hole_diameter_factor needs a source term with a hole_diameter "
                             f"(the tank models, the pipe models with failure 'hole'), got source_term.model "
                             f"{self.source_term.model!r}; use emission_factor for a direct release")
        if "hole_diameter_factor" in perturbations and self.source_term.failure == "full_bore_rupture":
            raise ValueError("ensemble.perturbations.hole_diameter_factor does not apply to failure "
                             "'full_bore_rupture' (the hole is the pipe's inner diameter)")
        return self

    @model_validator(mode="after")
    def _check(self) -> "LeakScenario":
        if self.start.tzinfo is None:
            raise ValueError(f"start must carry an explicit UTC offset (e.g. +08:00), got {self.start.isoformat()}")
        for name in ("output_step", "duration_limit"):
            steps = getattr(self, name) / self.sampling_step
            if name == "output_step" and abs(steps - round(steps)) > 1e-9:
                raise ValueError(f"output_step must be a multiple of sampling_step {self.sampling_step} s, "
                                 f"got {self.output_step}")
        return self

    @field_serializer("start")
    def _start_in_utc(self, start: datetime) -> str:
        return start.astimezone(timezone.utc).isoformat() if start.tzinfo is not None else start.isoformat()


class BackgroundSpec(_Strict):
    """Background concentration added to the park's contribution (HJ 2.2-2018 §8.8: 叠加现状浓度)."""

    constant: dict[str, float] = Field(default_factory=dict, description="constant background per pollutant key "
                                                                          "[µg/m³]")
    hourly_csv: str | None = Field(None, description="hourly background series: CSV with a 'time' column (ISO 8601 "
                                                     "with offset) and one '<pollutant>_ug_m3' column per pollutant, "
                                                     "relative to the scenario file; overrides constant")

    @model_validator(mode="after")
    def _check(self) -> "BackgroundSpec":
        for key, value in self.constant.items():
            if not value >= 0:
                raise ValueError(f"constant[{key!r}] must be >= 0 µg/m³, got {value}")
        return self


class CapsSpec(_Strict):
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


class HeavyPollutionSpec(_Strict):
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


class EiaScenario(_Strict):
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
    maps: bool = Field(True, description="render maps of the annual-mean and percentile fields")
    hourly_fields: bool = Field(False, description="also write the hourly grid fields into eia.nc (a year on "
                                                   "40,000 receptors is 1.4 GB per pollutant in float32)")


class TideSpec(_Strict):
    mean_level: float = Field(0.0, description="mean sea level above the DEM datum [m]")
    constituents: list[tuple[str, float, float, float]] = Field(
        default_factory=lambda: [("M2", 1.5, 12.4206, 0.0), ("S2", 0.5, 12.0, 0.0)],
        description="harmonic constituents (name, amplitude [m], period [h], phase at the simulation start "
                    "[degree]); default: an illustrative semidiurnal East-China-Sea tide")


TYPHOON_PERTURBATIONS = ("track_offset_east_km", "track_offset_north_km", "central_pressure_delta_hpa",
                         "forward_speed_factor", "rain_scale_factor")


class TyphoonEnsembleSpec(_Strict):
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


class TriggeredLeakSpec(_Strict):
    """A release from an asset the flood reaches (a natech event), dispersed with the typhoon's own wind."""

    risk_source: str = Field(description="id of the risk source (in park.yaml) whose flooding triggers the release")
    trigger: Literal["flooded", "water_at_unit"] = Field(
        "flooded", description="flooded: the water level on the asset's perimeter passes its floor plus sill; "
                               "water_at_unit: the first water around it (water-reactive contents only)")
    source_term: SourceTermSpec
    duration_limit: float = Field(3600.0, gt=0, description="the release is stopped after this time [s]")
    simulation_hours: float = Field(3.0, gt=0, le=24, description="how long the cloud is followed [h]")
    grid: GridSpec = GridSpec(size=(10000.0, 10000.0), spacing=100.0)


class TyphoonScenario(_Strict):
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


Scenario = Annotated[PlumeScenario | LeakScenario | EiaScenario | TyphoonScenario, Field(discriminator="kind")]


class _ScenarioFile(BaseModel):
    scenario: Scenario


def load_scenario(path: str | Path) -> PlumeScenario | LeakScenario | EiaScenario | TyphoonScenario:
    """Read and validate a scenario YAML file (InputError names every bad field; MissingInputError if absent)."""
    path = Path(path)
    data = load_yaml(path, where=path.name)
    kind = data.get("kind")
    models = {"plume": PlumeScenario, "leak": LeakScenario, "eia": EiaScenario, "typhoon": TyphoonScenario}
    if kind not in models:
        # Report every problem at once: the kind, then what the rest of the file gets wrong as a plume scenario.
        problems = [str(InputError.field(path.name, "kind", kind, f"one of {', '.join(models)}"))]
        try:
            parse_model(PlumeScenario, {**data, "kind": "plume"}, where=path.name)
        except InputError as error:
            problems += str(error).splitlines()
        raise InputError("\n".join(problems))
    return parse_model(models[kind], data, where=path.name)


def scenario_json_schema() -> dict:
    """JSON Schema of a scenario file: one of the kinds, chosen by ``kind``."""
    definitions = _ScenarioFile.model_json_schema()["$defs"]
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "ParkTwin scenario",
            "oneOf": [{"$ref": "#/$defs/PlumeScenario"}, {"$ref": "#/$defs/LeakScenario"},
                      {"$ref": "#/$defs/EiaScenario"}, {"$ref": "#/$defs/TyphoonScenario"}],
            "discriminator": {"propertyName": "kind"}, "$defs": definitions}


def canonical_json(scenario: BaseModel) -> str:
    """The scenario as canonical JSON (sorted keys): what is hashed and stored in the outputs' provenance."""
    return json.dumps(scenario.model_dump(mode="json"), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def scenario_hash(scenario: BaseModel) -> str:
    return hashlib.sha256(canonical_json(scenario).encode("utf-8")).hexdigest()
