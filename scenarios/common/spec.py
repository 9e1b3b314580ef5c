"""What every scenario kind shares in its file: the strict base model, where the weather comes from, the receptor grid,
typhoon tracks, and the canonical JSON that is hashed and stored in every output's provenance.

A scenario file is YAML validated by pydantic (``extra="forbid"``: a misspelt key is an error, not a silent default).
Each kind's own blocks live in ``scenarios/<kind>/spec.py``; ``scenarios.spec`` joins them into one file format.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_serializer, model_validator

from dispersion.coefficients import SIGMA_MODEL_NAMES

__all__ = ["StrictModel", "DesignTrackSpec", "TrackFileSpec", "WeatherSpec", "GridSpec", "ModelSpec", "canonical_json",
           "scenario_hash", "MAX_WEATHER_HOURS"]


MAX_WEATHER_HOURS = 8784  # [h] the longest run a ``weather:`` block may ask for (a leap year)


class StrictModel(BaseModel):
    """Every scenario block: unknown keys are errors, values are frozen once validated."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class DesignTrackSpec(StrictModel):
    """A straight design typhoon ("a super typhoon making landfall 20 km south of the park")."""

    landfall_offset_km: tuple[float, float] = Field(description="landfall point relative to the park centre "
                                                                "(east, north) [km]")
    landfall_time: datetime = Field(description="ISO 8601 with an explicit UTC offset")
    heading_deg: float = Field(ge=0, lt=360, description="direction of motion, clockwise from north [degree]")
    forward_speed: float = Field(gt=0, le=30, description="translation speed [m/s]")
    central_pressure_hpa: float = Field(gt=850, lt=1010, description="central pressure [hPa]")
    rmax_km: float = Field(gt=0, le=200, description="radius of maximum wind [km]")
    max_wind_speed: float | None = Field(None, gt=0, le=100, description="10-min mean maximum 10 m wind [m/s] "
                                                                         "(default: from the pressure deficit; at "
                                                                         "most 100 m/s, above every measured "
                                                                         "tropical cyclone)")

    @field_serializer("landfall_time")
    def _utc(self, value: datetime) -> str:
        return value.astimezone(timezone.utc).isoformat() if value.tzinfo is not None else value.isoformat()


class TrackFileSpec(StrictModel):
    """An observed or forecast track from a file (CMA best track or IBTrACS-style CSV)."""

    file: str = Field(description="track file, relative to the scenario file")
    format: Literal["cma", "ibtracs"] = Field(description="cma: CHYYYYBST.txt; ibtracs: IBTrACS-style CSV")
    storm: str | None = Field(None, description="storm name or number in the file (default: the only storm)")
    averaging_period: int | None = Field(None, gt=0, description="averaging period of the file's winds [s] "
                                                                  "(CMA: 120; IBTrACS: required)")


class WeatherSpec(StrictModel):
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
                                                   "relative to the scenario file (optional); a site tower's "
                                                   "levels and measured σθ/σw are gridded as AERMOD grids them "
                                                   "with dispersion aermod (meteo.aermod_tower)")
    aermet_fill_missing: bool = Field(False, description="source aermet: persist the previous complete hour into "
                                                         "hours AERMET marks missing (otherwise they are an error)")
    fill_missing_hours: int = Field(0, ge=0, le=24, description="source station_csv: fill runs of at most this many "
                                    "missing hours per column (absent rows, empty cells) by linear interpolation "
                                    "or persistence, stated in the outputs (EPA-454/R-99-005 §6.8; 1 h is the "
                                    "objective rule, more is your judgement); 0: a missing hour is an error [h]")
    start: datetime | None = Field(None, description="first hour, ISO 8601 with an explicit UTC offset, e.g. "
                                                     "2026-07-15T00:00:00+08:00; required, except with source "
                                                     "aermet, where it defaults to the file's first hour")
    hours: int | None = Field(None, gt=0, le=MAX_WEATHER_HOURS,
                              description="number of hourly steps [h]; default 24, except with source aermet and no "
                                          f"start: the file's hours from its first (all of them, at most "
                                          f"{MAX_WEATHER_HOURS})")
    seed: int = Field(20261124, ge=0, description="random seed of the synthetic generator")
    stability_method: Literal["gb3840", "turner"] = Field(
        "gb3840", description="Pasquill–Gifford class method: GB/T 3840-91 (default for Chinese parks) or "
                              "Turner (1964) net-radiation index")

    @field_serializer("start")
    def _start_in_utc(self, start: datetime | None) -> str | None:
        """Serialised in UTC, so the same instant written with another offset hashes the same."""
        if start is None:
            return None
        return start.astimezone(timezone.utc).isoformat() if start.tzinfo is not None else start.isoformat()

    @model_validator(mode="before")
    @classmethod
    def _default_hours(cls, data):
        """24 hours by default; an AERMET file without ``start`` is read for its own period (``hours`` None until
        the file is read, ``scenarios.common.weather.load_weather``)."""
        if isinstance(data, dict) and data.get("hours") is None and not _takes_file_period(data):
            data = {**data, "hours": 24}
        return data

    @model_validator(mode="after")
    def _check(self) -> "WeatherSpec":
        if self.start is None and self.source != "aermet":
            raise ValueError(f"start is required when source is {self.source!r} (only an AERMET file's own period is "
                             "taken by default)")
        if self.start is not None and self.start.tzinfo is None:
            raise ValueError(f"start must carry an explicit UTC offset (e.g. +08:00), got {self.start.isoformat()}")
        if self.source in ("station_csv", "forecast_netcdf", "aermet") and not self.path:
            raise ValueError(f"path is required when source is {self.source!r}")
        if self.source != "aermet" and (self.pfl_path is not None or self.aermet_fill_missing):
            raise ValueError(f"pfl_path and aermet_fill_missing apply to source 'aermet' only, not {self.source!r}")
        if self.source != "station_csv" and self.fill_missing_hours:
            raise ValueError(f"fill_missing_hours applies to source 'station_csv' only, not {self.source!r} (an "
                             "AERMET file uses aermet_fill_missing)")
        if (self.source == "typhoon") != (self.typhoon_track is not None):
            raise ValueError("typhoon_track is required when source is 'typhoon', and only then")
        return self


def _takes_file_period(weather: dict) -> bool:
    """Whether a ``weather:`` block (as written in the file) takes its AERMET file's own period: source aermet and
    no ``start``."""
    return weather.get("source") == "aermet" and weather.get("start") is None


class GridSpec(StrictModel):
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


class OlmSpec(StrictModel):
    """AERMOD's Ozone Limiting Method (``model.no2_conversion: olm``), every source in one plume (OLMGROUP ALL) or
    each on its own; the hourly ozone comes from the scenario's ``background`` (an ``ozone_ug_m3`` or ``ozone_ppb``
    column of its hourly CSV; ``background.constant.ozone`` [µg/m³] fills its gaps, or is the ozone of every
    hour)."""

    in_stack_ratio: float | None = Field(None, ge=0.0, le=1.0, description="in-stack NO2/NOx ratio of every source "
                                                                           "[-] (AERMOD's NO2STACK)")
    in_stack_ratios: dict[str, float] = Field(default_factory=dict, description="in-stack NO2/NOx ratio per source "
                                                                                "id [-] (AERMOD's NO2RATIO); "
                                                                                "overrides in_stack_ratio")
    equilibrium_ratio: float = Field(0.9, gt=0.0, le=1.0, description="largest NO2/NOx ratio [-] (AERMOD's NO2EQUIL, "
                                                                      "default 0.9)")
    group: Literal["all", "none"] = Field(
        "all", description="all: every source in one plume sharing the ozone (AERMOD's OLMGROUP ALL); none: each "
                           "source on its own with all the ozone (AERMOD's OLM without OLMGROUP; more NO2 where plumes "
                           "overlap)")

    @model_validator(mode="after")
    def _check(self) -> "OlmSpec":
        for key, value in self.in_stack_ratios.items():
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"in_stack_ratios[{key!r}] must be an NO2/NOx ratio in [0, 1], got {value}")
        if self.in_stack_ratio is None and not self.in_stack_ratios:
            raise ValueError("olm needs the sources' in-stack NO2/NOx ratio: in_stack_ratio (every source) and/or "
                             "in_stack_ratios (per source id), from stack measurements")
        return self


class ModelSpec(StrictModel):
    """Explicit model choices (nothing is inferred from the data)."""

    sigma: Literal[SIGMA_MODEL_NAMES] | None = Field(
        None, description="dispersion coefficients; default briggs_rural or briggs_urban from the park's land_use")
    terrain: Literal["simple", "flat", "elevated"] = Field(
        "simple", description="simple: ISC3 simple-terrain truncation; flat; elevated (dispersion: aermod only): "
                              "AERMOD's terrain treatment — receptors at their height above each stack's base, the "
                              "horizontal and terrain-following plume states weighted by the dividing streamline "
                              "from each receptor's hill height, computed from the park's DEM as AERMAP does")
    stack_tip_downwash: bool = True
    building_downwash: bool = Field(
        True, description="dispersion aermod: AERMOD's PRIME building downwash from the park's buildings (their "
                          "BPIP-PRIME profiles, as AERMOD runs it with the BPIP cards); false: none (AERMOD without "
                          "building cards). The screening plume has no building downwash")
    buoyancy_induced_dispersion: bool = True
    half_life: dict[str, float] = Field(default_factory=dict,
                                        description="first-order decay half-life per substance [s]")
    dispersion: Literal["screening", "aermod"] = Field(
        "screening", description="screening: the steady Gaussian plume with the sigma family above (fast, "
                                 "conservative; HJ 2.2-2018 screening and emergencies); aermod: AERMOD's formulation "
                                 "(similarity profiles, convective bi-Gaussian and stable plume, meander; the model "
                                 "HJ 2.2-2018 names for further prediction) — needs weather.source: aermet; an "
                                 "urban park needs urban_population (AERMOD's urban option); terrain flat (default) or elevated; its hour_rules default to aermod; "
                                 "see "
                                 "dispersion.point_sources")
    urban_population: float | None = Field(
        None, ge=100, le=5.0e7, description="dispersion aermod with an urban park (land_use: urban): the population of "
                                          "the urban area [persons] for AERMOD's urban option (URBANOPT), which "
                                          "every stack then takes; SO2 then decays with AERMOD's 4-h half-life "
                                          "unless half_life gives one")
    urban_roughness: float = Field(1.0, ge=0.001, le=5.0, description="urban roughness length [m] of AERMOD's "
                                                                       "urban option (AERMOD's default 1 m)")
    no2_conversion: Literal["full", "arm2", "olm"] = Field(
        "full", description="how the NOx a park emits as NO2 (key nitrogen_dioxide) becomes NO2 at the receptors: "
                            "full (every µg is NO2; AERMOD without an NO2 option; conservative), arm2 (dispersion "
                            "aermod: AERMOD's Ambient Ratio Method 2, the hourly NO2/NOx ratio of each receptor's "
                            "total NOx from every source, Podrez 2015) or olm (dispersion aermod: AERMOD's Ozone "
                            "Limiting Method, every source in one plume or each on its own, with the background's "
                            "hourly ozone and the olm block's in-stack ratios); see dispersion.no2_chemistry")
    olm: OlmSpec | None = Field(None, description="no2_conversion olm: the in-stack and equilibrium NO2/NOx ratios")
    arm2_ratios: tuple[float, float] = Field(
        (0.5, 0.9), description="no2_conversion arm2: the minimum and maximum NO2/NOx ratio [-] (AERMOD's ARMRATIO; "
                                "its defaults 0.5 and 0.9; 0 < minimum <= maximum <= 1)")
    hour_rules: Literal["screening", "aermod"] = Field(
        "screening", description="how calm and missing hours enter the statistics: screening (every hour modelled, "
                                 "calms at the 1 m/s floor, daily means need 20 hours) or aermod (calm and missing "
                                 "hours are zero and left out of every average, a 24-h mean divides by max(valid "
                                 "hours, 18), the period mean by the valid hours; AERMET missing hours are then "
                                 "accepted and counted); see dispersion.plume. Default: aermod when dispersion is "
                                 "aermod, else screening")

    @model_validator(mode="before")
    @classmethod
    def _aermod_defaults(cls, data):
        """dispersion: aermod sets AERMOD's hour rules and flat terrain unless they are given (and then checked)."""
        if isinstance(data, dict) and data.get("terrain") == "elevated" and data.get("dispersion") != "aermod":
            raise ValueError("terrain: 'elevated' is AERMOD's terrain treatment; it needs dispersion: aermod (the "
                             "screening plume has 'simple' or 'flat')")
        if isinstance(data, dict) and data.get("dispersion") == "aermod":
            data = {"hour_rules": "aermod", "terrain": "flat", **data}
            for name, allowed in (("hour_rules", ("aermod",)), ("terrain", ("flat", "elevated"))):
                if data[name] not in allowed:
                    raise ValueError(f"{name}: {data[name]!r} is not available with dispersion: aermod (allowed: "
                                     f"{' or '.join(map(repr, allowed))}; 'simple' is ISC3's truncation, not "
                                     "AERMOD's)")
            if data.get("buoyancy_induced_dispersion") is False:
                raise ValueError("buoyancy_induced_dispersion: false is not available with dispersion: aermod "
                                 "(AERMOD's σ_b = β2 Δh/√2 is part of its formulation); stack_tip_downwash: false "
                                 "is AERMOD's NOSTD")
            if data.get("sigma") is not None:
                raise ValueError("sigma: AERMOD computes its own dispersion from turbulence; leave sigma out with "
                                 "dispersion: aermod")
        if isinstance(data, dict) and data.get("no2_conversion") in ("arm2", "olm") \
                and data.get("dispersion") != "aermod":
            raise ValueError(f"no2_conversion: {data['no2_conversion']!r} is AERMOD's NO2 option; it needs dispersion: "
                             "aermod (the screening plume takes every NOx as NO2: 'full')")
        if isinstance(data, dict) and (data.get("no2_conversion") == "olm") != (data.get("olm") is not None):
            raise ValueError("olm: the block of AERMOD's Ozone Limiting Method (in_stack_ratio, in_stack_ratios, "
                             "equilibrium_ratio, group) goes with no2_conversion: olm, and no2_conversion: olm needs "
                             "it")
        if isinstance(data, dict) and "arm2_ratios" in data and data.get("no2_conversion") != "arm2":
            raise ValueError("arm2_ratios: the bounds of ARM2's ratio; they need no2_conversion: arm2")
        if isinstance(data, dict) and data.get("urban_population") is not None and data.get("dispersion") != "aermod":
            raise ValueError("urban_population: AERMOD's urban option; it needs dispersion: aermod (the screening "
                             "plume takes the urban Briggs σ's from the park's land_use)")
        return data

    @model_validator(mode="after")
    def _check_arm2_ratios(self) -> "ModelSpec":
        low, high = self.arm2_ratios
        if not (0.0 < low <= high <= 1.0):
            raise ValueError(f"arm2_ratios: [{low}, {high}] must be NO2/NOx ratios with 0 < minimum <= maximum <= 1 "
                             "(AERMOD's defaults: [0.5, 0.9])")
        return self


def canonical_json(scenario: BaseModel) -> str:
    """The scenario as canonical JSON (sorted keys): what is hashed and stored in the outputs' provenance."""
    return json.dumps(scenario.model_dump(mode="json"), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def scenario_hash(scenario: BaseModel) -> str:
    return hashlib.sha256(canonical_json(scenario).encode("utf-8")).hexdigest()
