"""``kind: leak`` in a scenario file: a toxic release from one of the park's risk sources (source term, meteorology,
dispersion model, grid, plan language, optional ensemble)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Literal

from pydantic import Field, field_serializer, model_validator

from dispersion.coefficients import SIGMA_MODEL_NAMES
from scenarios.common.ensemble import LeakEnsembleSpec
from scenarios.common.spec import GridSpec, StrictModel, WeatherSpec
from twin.units import Plausible, described, quantity

__all__ = ["TANK_MODELS", "PIPE_MODELS", "SourceTermSpec", "LeakMeteorologySpec", "LeakScenario"]


# Source-term models by the kind of risk source they describe (scenarios.leak.source checks the risk source's kind).
TANK_MODELS = ("tank_liquid_hole", "tank_gas_hole", "tank_two_phase_hole")
PIPE_MODELS = ("pipe_liquid", "pipe_gas", "pipe_two_phase")

# Plausible ranges of the leak's physical inputs (twin.units): bare numbers are SI, a string may carry its unit
# ('25 mm', '30 min', '36 t/h'); a value outside its range names the unit it was probably meant in.
RATE = Plausible("kg s-1", 1e-6, 1e5, "release rate", ("t/h", "kg/h"), example="36 t/h")
RELEASE_DURATION = Plausible("s", 1.0, 7 * 86400.0, "release duration", ("min", "h"), example="30 min")
HOLE_DIAMETER = Plausible("m", 5e-4, 5.0, "hole diameter", ("mm", "cm"), example="25 mm")
LIQUID_DENSITY = Plausible("kg m-3", 100.0, 25000.0, "liquid density", ("g/cm**3",), example="1.4 g/cm**3")
HEAT_CAPACITY = Plausible("J kg-1 K-1", 100.0, 1e5, "liquid specific heat", ("kJ/kg/K",), example="0.93 kJ/kg/K")
LATENT_HEAT = Plausible("J kg-1", 1e4, 1e7, "latent heat of vaporization", ("kJ/kg",), example="288 kJ/kg")
BOILING_TEMPERATURE = Plausible("K", 20.0, 1000.0, "boiling point", ("degC",), example="-34 degC")
VAPOUR_PRESSURE = Plausible("Pa", 1e-6, 1e8, "vapour pressure", example="3.8 kPa")
RELEASE_HEIGHT = Plausible("m", 0.0, 300.0, "release height")
DURATION_LIMIT = Plausible("s", 1.0, 7 * 86400.0, "isolation time", ("min", "h"), example="30 min")

class SourceTermSpec(StrictModel):
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
    rate: quantity(RATE) | None = Field(None, description=described(
        RATE, "direct: airborne rate; liquid_spill: liquid outflow [kg/s]"))
    duration: quantity(RELEASE_DURATION) | None = Field(None, description=described(
        RELEASE_DURATION, "direct, liquid_spill: release duration [s]"))
    hole_diameter: quantity(HOLE_DIAMETER) | None = Field(None, description=described(
        HOLE_DIAMETER, "tank models, pipe models with failure hole: equivalent hole diameter [m]; full_bore_rupture: omit it (or give the pipe's inner diameter)"))
    hole_shape: Literal["circular", "triangular", "rectangular"] = "circular"
    liquid_density: quantity(LIQUID_DENSITY) | None = Field(None, description=described(
        LIQUID_DENSITY, "liquid and two-phase models: liquid density [kg/m3]; default: twin/chemicals.csv"))
    liquid_heat_capacity: quantity(HEAT_CAPACITY) | None = Field(None, description=described(
        HEAT_CAPACITY, "liquid and two-phase models: liquid specific heat [J/(kg K)]; default: twin/chemicals.csv"))
    heat_of_vaporization: quantity(LATENT_HEAT) | None = Field(None, description=described(
        LATENT_HEAT, "liquid and two-phase models: latent heat of vaporization [J/kg]; default: twin/chemicals.csv"))
    boiling_temperature: quantity(BOILING_TEMPERATURE) | None = Field(None, description=described(
        BOILING_TEMPERATURE, "liquid model: normal boiling point [K]; default: twin/chemicals.csv"))
    vapour_pressure: quantity(VAPOUR_PRESSURE) | None = Field(None, description=described(
        VAPOUR_PRESSURE, "liquid model, pool below its boiling point: vapour pressure at the air temperature [Pa]; default: the DIPPR-101 correlation of twin/chemicals.csv"))
    two_phase_boiling_temperature: quantity(BOILING_TEMPERATURE) | None = Field(
        None, description="tank_two_phase_hole: boiling temperature T_c at the critical pressure P_c = 0.55 P "
                                "[K]; default: from the DIPPR-101 vapour pressure of twin/chemicals.csv")
    heat_capacity_ratio: float | None = Field(None, gt=1, description="tank_gas_hole: cp/cv of the gas [-]; "
                                                                      "default: twin/chemicals.csv")
    pool_minimum_thickness: float = Field(0.01, gt=0, le=1, description="tank_liquid_hole: an unbunded pool "
                                                                        "spreads no thinner than this [m]")
    ground: Literal["concrete", "soil_8pct_water", "dry_open_ground", "wet_ground", "gravel"] = Field(
        "concrete", description="tank_liquid_hole: ground under the pool (HJ 169 Table F.2)")
    release_height: quantity(RELEASE_HEIGHT) = Field(1.0, description=described(
        RELEASE_HEIGHT, "height of the release above ground [m]"))

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


class LeakMeteorologySpec(StrictModel):
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
        if self.climatology is not None and self.climatology.hours is not None and self.climatology.hours < 8760:
            raise ValueError(f"climatology.hours must be >= 8760 (at least one year of hourly weather, HJ 169-2018), "
                             f"got {self.climatology.hours}")
        return self


class LeakScenario(StrictModel):
    """``kind: leak`` — a toxic release from one of the park's risk sources, followed by Gaussian puffs."""

    schema_version: Literal[1] = 1
    kind: Literal["leak"]
    name: str = Field(min_length=1)
    park: str = Field(description="park.yaml path, relative to the scenario file")
    risk_source: str = Field(description="id of the risk source in park.yaml")
    source_term: SourceTermSpec
    start: datetime = Field(description="start of the release, ISO 8601 with an explicit UTC offset")
    duration_limit: quantity(DURATION_LIMIT) = Field(3600.0, description=described(
        DURATION_LIMIT, "the release is stopped after this time [s]"))
    simulation_hours: float = Field(3.0, gt=0, le=72, description="how long the cloud is followed [h]")
    meteorology: LeakMeteorologySpec
    grid: GridSpec = GridSpec(size=(10000.0, 10000.0), spacing=50.0)
    sigma: Literal[SIGMA_MODEL_NAMES] | None = None
    dispersion_model: Literal["auto", "dense", "passive"] = Field(
        "auto", description="auto: the HJ 169-2018 G.2.1 Richardson-number rule chooses the dense-gas model (SLAB "
                            "equations) or Gaussian puffs (neutral or light gas, buoyant rise); dense or passive "
                            "forces one")
    surface_roughness: float | None = Field(
        None, gt=0, le=3.0, description="aerodynamic roughness length z0 of the dense-gas model [m]; default by the "
                                        "park's land use: rural 0.1, urban 1.0 (Wieringa 1992)")
    puff_interval: Annotated[float, Field(ge=0.1, le=3600)] | Literal["auto"] = Field(
        "auto", description="one puff every ... [s]; auto: puffs at most half a σ_y (at 50 m) apart "
                            "(dispersion.puff.automatic_puff_interval)")
    sampling_step: float = Field(60.0, ge=1, le=3600, description="concentrations averaged over intervals of ... [s] "
                                                                  "(1 s to 1 h)")
    output_step: float = Field(600.0, gt=0, le=72 * 3600, description="grid snapshots every ... [s] (at most 72 h)")
    language: Literal["zh", "en"] = Field("zh", description="language of the emergency-plan draft")
    threat_zones: Literal["hj169", "aegl", "erpg"] = Field(
        "hj169", description="the named zones of the threat-zone map (red, orange, yellow): hj169 = HJ 169-2018 "
                             "Appendix H endpoint-1 / endpoint-2 (mg/m³); aegl = AEGL-3/2/1 (60 min); erpg = "
                             "ERPG-3/2/1; each labelled in mg/m³ and in ppm at 25 °C; the substance must have at "
                             "least one value of the family in twin/chemicals.csv")
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
