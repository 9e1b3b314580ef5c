"""Typed view models of the HTML reports: what a page shows, field by field, with its meaning and unit.

``scenarios`` builds these frozen dataclasses from its results; ``viz`` renders them. Every field is required, so a
view missing a field, or built with a misspelt one, fails where it is built (``TypeError`` from the dataclass
constructor) instead of leaving a blank in the page. The templates receive the dataclass itself (``v``): Jinja reads
its attributes by the same names, and ``StrictUndefined`` turns a misspelt name in a template into an error too.

The same views are written as JSON (``impacts.json``, ``ensemble.json``, the forecast's ``summary.json``);
``to_dict`` gives exactly the dict those files have always held (same keys, same order, lists for sequences) and
``from_dict`` reads one back, so a view loaded from a file is checked the same way. Where the keys depend on the
scenario (an ensemble's perturbed parameters, the forecast's flood block), the field stays a dict. The morning
brief's views are in :mod:`viz.brief_view`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

__all__ = ["EnsembleContour", "EnsemblePlanView", "EnsembleReceptor", "EnsembleThreshold", "LeakPlanView",
           "PlanReceptor", "PlanZone", "ReleasedRange", "ReportParagraph", "ReportRow", "ReportSection", "ReportView",
           "plain"]


def plain(value: Any) -> Any:
    """``value`` as JSON-ready plain data: dataclasses as dicts in field order, tuples and lists as lists.

    Parameters
    ----------
    value : a view dataclass, or any value one holds

    Returns
    -------
    The same content with dataclasses, tuples and lists replaced by dicts and lists (recursively).
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: plain(getattr(value, field.name)) for field in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    return value


@dataclass(frozen=True)
class PlanZone:
    """One threat zone of the plan: where a 60-min mean concentration threshold is exceeded."""

    name: str
    """Threshold name as the chemicals table gives it (e.g. 'HJ 169 endpoint-1', 'AEGL-2 (60 min)')."""
    name_zh: str
    """The threshold's name in the Chinese plan (毒性终点浓度-1/-2; AEGL/ERPG names unchanged)."""
    level_mg_m3: float
    """Threshold concentration [mg/m³], rounded to 3 decimals."""
    area_km2: float
    """Area inside the zone [km²], rounded to 3 decimals."""
    farthest_m: int
    """Farthest distance of the zone from the source [m], rounded to whole metres."""
    reaches_grid_edge: bool
    """True when the zone touches the modelled grid's border (it extends further than shown)."""
    max_width_m: float
    """Widest crosswind extent of the zone along the transect [m], rounded to 0.1 m."""
    from_transect: bool
    """True when distance and area come from the fine transect rather than the map grid (narrow zone)."""
    limited_at_m: float | None
    """Distance [m] at which the zone was stopped under constant weather; None when not stopped."""
    note: str
    """How the zone was measured or limited, in English ('' when nothing to say)."""
    note_zh: str
    """The same note in Chinese ('' when nothing to say)."""
    level_ppm: float | None = None
    """The threshold as a mixing ratio at 25 °C, 101.325 kPa [ppm] (``twin.chemicals.ppm_at_25c``), 3 significant
    figures; None without a molar mass."""


@dataclass(frozen=True)
class PlanReceptor:
    """One sensitive receptor of the park and what the release does to it."""

    id: str
    """Receptor id from park.yaml."""
    name: str
    """Receptor name from park.yaml."""
    kind: str
    """park.yaml kind: residential, school, hospital, water_source, fence or other."""
    kind_zh: str
    """The kind in the Chinese plan (居民区, 学校, ...)."""
    population: int
    """People at the receptor [persons] (park.yaml)."""
    distance_m: int
    """Distance from the risk source [m], whole metres."""
    arrival: str | None
    """Local clock time (HH:MM) endpoint-2 arrives; None when never reached."""
    arrival_minutes: int | None
    """Minutes after the release starts that endpoint-2 arrives [min]; None when never reached."""
    peak_mg_m3: float
    """Peak 60-min running mean concentration [mg/m³], rounded to 3 decimals."""
    minutes_above_endpoint2: int
    """Time the 60-min mean stays above endpoint-2 [min], whole minutes."""
    level: str
    """The most severe HJ 169 endpoint reached ('HJ 169 endpoint-1', ...) or '—'."""
    level_zh: str
    """The same endpoint in the Chinese plan (毒性终点浓度-1, ...) or '—'."""
    action: str
    """Protective action: 'evacuate', 'shelter' or 'none'."""
    probit: float | str | None
    """Lethality probit Y [1], 2 decimals; None when not exposed, 'not available' without probit constants."""
    probability_of_death: float | str
    """P = Φ(Y − 5) [1], 4 decimals; 'not available' without probit constants."""


@dataclass(frozen=True)
class LeakPlanView:
    """Everything the emergency-plan draft of a toxic leak shows (and ``impacts.json`` holds)."""

    scenario: str
    """Scenario name from the scenario file."""
    park: str
    """Park name from park.yaml."""
    language: str
    """Plan language: 'zh' or 'en'."""
    substance: str
    """Substance name in the plan's language."""
    substance_key: str
    """Key of the substance in twin/chemicals.csv."""
    cas: str
    """CAS registry number of the substance."""
    risk_source: str
    """Risk source as 'name (id)'."""
    enterprise: str
    """Enterprise operating the risk source."""
    start: str
    """Local start of the release, 'YYYY-MM-DD HH:MM +zzzz'."""
    weather: str
    """The weather used, described in English."""
    weather_zh: str
    """The weather used, described in Chinese."""
    source_term: str
    """The source term (hole, phase, equations) in English."""
    source_model: str
    """Source-term model id (e.g. 'tank_liquid_hole')."""
    source_rule: str
    """The rule the source model applied (pool, flash, ...), in English; '' when none."""
    source_term_zh: str
    """The source term in Chinese."""
    source_model_zh: str
    """The source-term model's name in Chinese."""
    source_rule_zh: str
    """The source model's rule in Chinese; '' when none."""
    airborne_split_kg: dict[str, float]
    """Airborne mass by part (flash, pool_evaporation, ...) [kg], 0.1 kg."""
    outflow_kg: float
    """Mass that left the container [kg], 0.1 kg."""
    remaining_pool_kg: float
    """Liquid left in the pool at the end [kg], 0.1 kg."""
    remaining_tank_kg: float
    """Inventory not released (tank left; pipe: not released after isolation) [kg], 0.1 kg."""
    container_kind: str
    """Kind of the risk source: 'tank', 'pipe' or 'warehouse'."""
    probit_source: str
    """Citation of the probit constants, or 'not available'."""
    probit_equation: str
    """The probit equation with its constants in English, or 'not available'."""
    probit_source_zh: str
    """Citation of the probit constants for the Chinese plan, or 'not available'."""
    probit_equation_zh: str
    """The probit equation in Chinese, or 'not available'."""
    released_kg: float
    """Total airborne mass [kg], 0.1 kg."""
    release_minutes: float
    """Duration of the airborne release [min], 0.1 min."""
    peak_rate_kg_s: float
    """Largest airborne release rate [kg/s], 3 decimals."""
    zones: tuple[PlanZone, ...]
    """Threat zones, one per threshold of the substance."""
    grid_extent_m: tuple[float, float]
    """Width and height of the modelled grid [m]."""
    receptors: tuple[PlanReceptor, ...]
    """Sensitive receptors, earliest endpoint-2 arrival first."""
    response_level: str
    """Graded response level: 'I', 'II', 'III' or 'IV'."""
    response_rule: str
    """The rule that gave the level, in English."""
    response_rules: tuple[tuple[str, str], ...]
    """Every (level, rule) of the default grading, in English."""
    response_rule_zh: str
    """The rule that gave the level, in Chinese."""
    response_rules_zh: tuple[tuple[str, str], ...]
    """Every (level, rule) of the default grading, in Chinese."""
    evacuation_distance_m: int
    """Farthest extent of endpoint-2 from the source [m], whole metres."""
    dense_gas: bool
    """True when the dense-gas (SLAB) model ran."""
    dense_gas_message: str
    """The model choice explained, in English (same text as dispersion_rule)."""
    dense_gas_message_zh: str
    """The model choice explained, in Chinese (same text as dispersion_rule_zh)."""
    dispersion_model: str
    """Dispersion model id: 'slab' or 'gaussian_puff'."""
    dispersion_model_zh: str
    """The dispersion model's name in Chinese."""
    dispersion_model_en: str
    """The dispersion model's name in English."""
    dispersion_model_forced: bool
    """True when the scenario forced the model instead of the HJ 169-2018 G.2.1 choice."""
    richardson_number: float
    """Richardson number of the release [1], 4 decimals."""
    richardson_threshold: float
    """Richardson number above which the release is dense [1], 4 decimals."""
    release_kind: str
    """'continuous' or 'instantaneous' (HJ 169-2018 G.2.1)."""
    release_density_kg_m3: float
    """Density of what leaves the hole, aerosol included [kg/m³], 4 decimals."""
    ambient_density_kg_m3: float
    """Density of the ambient air [kg/m³], 4 decimals."""
    aerosol_fraction: float
    """Liquid (aerosol) mass fraction of the release [1], 4 decimals."""
    buoyancy_flux_m4_s3: float
    """Briggs buoyancy flux of a light release [m⁴/s³], 4 decimals (0 when not buoyant)."""
    dispersion_rule: str
    """The model choice and its criterion, in English."""
    dispersion_rule_zh: str
    """The model choice and its criterion, in Chinese."""
    validity: str
    """How far and how long the answer holds, in English."""
    validity_zh: str
    """How far and how long the answer holds, in Chinese."""
    shelter_rule_minutes: float
    """Arrival time up to which sheltering beats evacuating [min]."""
    population_reached: dict[str, int]
    """People at receptors reached, per threshold name [persons]."""
    averaging: str
    """Averaging time thresholds are compared with (e.g. '60 min')."""

    def to_dict(self) -> dict[str, Any]:
        """The view as the plain dict ``impacts.json`` holds (keys in field order, sequences as lists)."""
        return plain(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LeakPlanView:
        """The view of a dict such as ``impacts.json``'s; TypeError when a field is missing or unknown."""
        nested = {"zones": lambda zones: tuple(PlanZone(**zone) for zone in zones),
                  "receptors": lambda rows: tuple(PlanReceptor(**row) for row in rows),
                  "grid_extent_m": tuple,
                  "response_rules": lambda rules: tuple(tuple(rule) for rule in rules),
                  "response_rules_zh": lambda rules: tuple(tuple(rule) for rule in rules)}
        return cls(**{key: nested[key](value) if key in nested else value for key, value in data.items()})


@dataclass(frozen=True)
class EnsembleThreshold:
    """One 60-min threshold the ensemble counts exceedances of."""

    name: str
    """Threshold name as the chemicals table gives it."""
    name_zh: str
    """The threshold's name in the Chinese plan."""
    mg_m3: float
    """Threshold concentration [mg/m³], 4 decimals."""


@dataclass(frozen=True)
class ReleasedRange:
    """The spread of the airborne mass over the members."""

    min: float
    """Smallest airborne mass of a member [kg], 0.1 kg."""
    median: float
    """Median airborne mass over the members [kg], 0.1 kg."""
    max: float
    """Largest airborne mass of a member [kg], 0.1 kg."""


@dataclass(frozen=True)
class EnsembleContour:
    """One contour of the probability that endpoint-2 is reached (10, 50 or 90 %)."""

    name: str
    """Contour name, e.g. 'P(HJ 169 endpoint-2) >= 10%'."""
    name_zh: str
    """Contour name in the Chinese plan."""
    level: float
    """Probability level [1]."""
    area_km2: float
    """Area where the probability reaches the level [km²], 3 decimals."""
    farthest_m: int
    """Farthest distance of that area from the source [m], whole metres."""


@dataclass(frozen=True)
class EnsembleReceptor:
    """One sensitive receptor (residential, school, hospital, water source) and its probabilities over members."""

    id: str
    """Receptor id from park.yaml."""
    name: str
    """Receptor name from park.yaml."""
    kind: str
    """park.yaml kind."""
    kind_zh: str
    """The kind in the Chinese plan."""
    population: int
    """People at the receptor [persons]."""
    distance_m: int
    """Distance from the risk source [m], whole metres."""
    probability_endpoint1: float | None
    """Fraction of members reaching endpoint-1 [1], 4 decimals; None when the substance has no endpoint-1."""
    probability_endpoint2: float
    """Fraction of members reaching endpoint-2 [1], 4 decimals."""
    probabilities: dict[str, float]
    """Fraction of members reaching each threshold, by threshold name [1], 4 decimals."""
    members_reached_endpoint2: int
    """Number of members reaching endpoint-2 [members]."""
    arrival_minutes_p10: float | None
    """10th percentile of the endpoint-2 arrival among members reaching it [min]; None when none does."""
    arrival_minutes_p50: float | None
    """Median endpoint-2 arrival among members reaching it [min]; None when none does."""
    arrival_minutes_p90: float | None
    """90th percentile of the endpoint-2 arrival among members reaching it [min]; None when none does."""
    expected_people_endpoint2: float
    """P(endpoint-2) × population at residential areas, schools and hospitals [persons], 0.1."""

    def to_dict(self) -> dict[str, Any]:
        """The row as ``receptor_probabilities.json`` holds it."""
        return plain(self)


@dataclass(frozen=True)
class EnsemblePlanView:
    """Everything the ensemble section of the plan draft shows (and ``ensemble.json`` holds)."""

    scenario: str
    """Scenario name from the scenario file."""
    park: str
    """Park name from park.yaml."""
    language: str
    """Plan language: 'zh' or 'en'."""
    substance: str
    """Substance name in the plan's language."""
    cas: str
    """CAS registry number of the substance."""
    risk_source: str
    """Risk source as 'name (id)'."""
    enterprise: str
    """Enterprise operating the risk source."""
    start: str
    """Local start of the release, 'YYYY-MM-DD HH:MM +zzzz'."""
    weather: str
    """The central weather, described in English."""
    weather_zh: str
    """The central weather, described in Chinese."""
    members: int
    """Number of ensemble members."""
    seed: int
    """Seed of the Latin-hypercube sampling."""
    scenario_sha256: str
    """SHA-256 of the canonical scenario (members are reproducible from it and their index)."""
    perturbations: dict[str, dict[str, Any]]
    """The scenario file's distribution of each perturbed parameter, by parameter name."""
    parameter_names: tuple[str, ...]
    """Perturbed parameters, sorted by name."""
    parameter_units: dict[str, str]
    """Unit of each perturbed parameter ('degree', 'class' or '1')."""
    parameter_names_zh: dict[str, str]
    """Each perturbed parameter's name in the Chinese plan."""
    parameter_units_zh: dict[str, str]
    """Each perturbed parameter's unit in the Chinese plan."""
    perturbations_zh: dict[str, str]
    """Each parameter's distribution in the Chinese plan's words."""
    thresholds: tuple[EnsembleThreshold, ...]
    """The thresholds exceedances are counted for."""
    endpoint2: str
    """Name of the threshold the probabilities and arrivals refer to (endpoint-2)."""
    endpoint2_zh: str
    """Its name in the Chinese plan."""
    averaging: str
    """Averaging time thresholds are compared with (e.g. '60 min')."""
    released_kg: ReleasedRange
    """Airborne mass over the members (min / median / max)."""
    probability_levels: tuple[float, ...]
    """Probability levels of the contours [1]."""
    contours: tuple[EnsembleContour, ...]
    """P(endpoint-2) contours, one per probability level."""
    expected_people_endpoint2: float
    """Expected people above endpoint-2 at residential areas, schools and hospitals [persons], 0.1."""
    standard_error_note: str
    """The Monte Carlo standard error bound, in English."""
    standard_error_note_zh: str
    """The Monte Carlo standard error bound, in Chinese."""
    receptors: tuple[EnsembleReceptor, ...]
    """Sensitive receptors, most probable first."""
    member_table: tuple[dict[str, Any], ...]
    """Per member: index, seed, each perturbed parameter's value (keys vary with the scenario), released_kg [kg] and
    receptors_reached_endpoint2."""

    def to_dict(self) -> dict[str, Any]:
        """The view as the plain dict ``ensemble.json`` holds (keys in field order, sequences as lists)."""
        return plain(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EnsemblePlanView:
        """The view of a dict such as ``ensemble.json``'s; TypeError when a field is missing or unknown."""
        nested = {"thresholds": lambda items: tuple(EnsembleThreshold(**item) for item in items),
                  "released_kg": lambda item: ReleasedRange(**item),
                  "contours": lambda items: tuple(EnsembleContour(**item) for item in items),
                  "receptors": lambda rows: tuple(EnsembleReceptor(**row) for row in rows),
                  "parameter_names": tuple, "probability_levels": tuple, "member_table": tuple}
        return cls(**{key: nested[key](value) if key in nested else value for key, value in data.items()})


@dataclass(frozen=True)
class ReportParagraph:
    """One paragraph of a table report."""

    text: str
    """The paragraph's text."""
    warn: bool = False
    """True to show it as a warning."""


@dataclass(frozen=True)
class ReportRow:
    """One table row of a table report."""

    cells: tuple[Any, ...]
    """The cells' values, one per column, shown as text."""
    flag: str = ""
    """CSS class of the row: '' or 'exceed' (highlighted)."""


@dataclass(frozen=True)
class ReportSection:
    """One section of a table report: heading, paragraphs, an optional table and images."""

    heading: str
    """Section heading."""
    paragraphs: tuple[ReportParagraph, ...] = ()
    """Paragraphs under the heading."""
    columns: tuple[str, ...] = ()
    """Table column headings (no table when empty)."""
    rows: tuple[ReportRow, ...] = ()
    """Table rows."""
    images: tuple[str, ...] = ()
    """Names of the PNG images (passed to the renderer) shown after the table."""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReportSection:
        """The section of a plain dict; TypeError when the heading is missing or a key is unknown."""
        nested = {"paragraphs": lambda items: tuple(ReportParagraph(**item) for item in items),
                  "columns": tuple, "images": tuple,
                  "rows": lambda items: tuple(ReportRow(**{**item, "cells": tuple(item["cells"])}) for item in items)}
        return cls(**{key: nested[key](value) if key in nested else value for key, value in data.items()})


@dataclass(frozen=True)
class ReportView:
    """A table report (typhoon plan section, EIA statistics, caps): one self-contained HTML page."""

    language: str
    """Page language: 'zh' or 'en' (the html lang attribute)."""
    title: str
    """Page title and first heading."""
    subtitle: str
    """Small line under the title."""
    sections: tuple[ReportSection, ...]
    """The report's sections, in order."""
    footer: str
    """Small line at the end of the page."""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReportView:
        """The view of a plain dict (see ``viz.report``); TypeError when a field is missing or unknown."""
        return cls(**{key: tuple(ReportSection.from_dict(section) for section in value) if key == "sections"
                      else value for key, value in data.items()})
