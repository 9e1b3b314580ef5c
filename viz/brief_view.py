"""Typed view models of the nightly forecast's morning brief (and its ``summary.json``), as :mod:`viz.views` has them
for the plans and reports: every field required, ``to_dict``/``from_dict`` exact, texts in the brief's language and
every time a person reads given as local time with its offset beside the UTC instant the machine keeps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from viz.views import plain

__all__ = ["BriefReceptor", "BriefSource", "BriefView", "DistanceSpread", "NotAssessed", "ReleaseStart",
           "SourceFiles"]


@dataclass(frozen=True)
class ReleaseStart:
    """When the forecast's release starts and the weather then."""

    start_utc: str
    """Start of the release, ISO 8601 UTC."""
    start_local: str
    """The same instant as the brief shows it: local time with its offset, '2026-07-15 08:00 +08:00'."""
    stability: str
    """Pasquill stability class at the start (A-F)."""
    wind_speed_m_s: float
    """10 m wind speed at the start [m/s], 2 decimals."""
    wind_from_direction_deg: int
    """Direction the wind blows from at the start [degrees from north], whole degrees."""


@dataclass(frozen=True)
class DistanceSpread:
    """Farthest distance a threshold reaches, over the members."""

    p50: int
    """Median over members [m], whole metres."""
    max: int
    """Largest over members [m], whole metres."""


@dataclass(frozen=True)
class SourceFiles:
    """The files of one risk source in the cycle folder, relative to it."""

    netcdf: str
    """Probability and percentile fields (NetCDF)."""
    geojson: str
    """Endpoint zones and probability contours (GeoJSON)."""
    map: str | None
    """P(endpoint-2) map (PNG); None when maps are off."""
    scenario: str
    """The central member's leak scenario (YAML)."""


@dataclass(frozen=True)
class BriefReceptor:
    """One sensitive receptor under one risk source's forecast ensemble."""

    id: str
    """Receptor id from park.yaml."""
    name: str
    """Receptor name from park.yaml."""
    kind: str
    """park.yaml kind."""
    population: int
    """People at the receptor [persons]."""
    distance_m: int
    """Distance from the risk source [m], whole metres."""
    probability_endpoint2: float
    """Fraction of members reaching endpoint-2 [1], 4 decimals."""
    probability_endpoint1: float
    """Fraction of members reaching endpoint-1 [1], 4 decimals."""
    peak_60min_mg_m3_p90: float
    """90th percentile over members of the peak 60-min mean [mg/m³], 3 decimals."""
    earliest_arrival_minutes: int | None
    """Earliest endpoint-2 arrival over members [min after release]; None when no member reaches it."""


@dataclass(frozen=True)
class BriefSource:
    """One assessed risk source of the morning brief (a row of the ranking and its own section)."""

    id: str
    """Risk source id from park.yaml."""
    name: str
    """Risk source name."""
    kind: str
    """Risk source kind: 'tank', 'pipe' or 'warehouse'."""
    enterprise: str
    """Enterprise operating it."""
    substance: str
    """Substance name in English."""
    substance_zh: str
    """Substance name in Chinese."""
    cas: str
    """CAS registry number."""
    released_kg: float
    """Airborne mass of the credible-worst release [kg], 0.1 kg."""
    release_rate_kg_s: float
    """Largest airborne release rate [kg/s], 3 decimals."""
    release_minutes: float
    """Duration of the release [min], 0.1 min."""
    endpoint1_mg_m3: float | None
    """HJ 169 endpoint-1 [mg/m³], 6 significant digits; None when the table has none."""
    endpoint2_mg_m3: float
    """HJ 169 endpoint-2 (or the stand-in threshold) [mg/m³], 6 significant digits."""
    endpoint1_distance_m: DistanceSpread
    """Farthest distance of endpoint-1 over members."""
    endpoint2_distance_m: DistanceSpread
    """Farthest distance of endpoint-2 over members."""
    reaches_grid_edge: bool
    """True when endpoint-2 reaches the receptor grid's edge in some member (distances are lower bounds)."""
    risk_score: float
    """Expected people above endpoint-2 (Σ P × population at residential areas, schools, hospitals) [persons]."""
    max_probability_endpoint2: float
    """Largest P(endpoint-2) at a sensitive receptor [1], 4 decimals."""
    dense_gas_member_fraction: float
    """Share of members that ran the dense-gas model [1], 4 decimals."""
    receptors_reached: tuple[BriefReceptor, ...]
    """Receptors with P(endpoint-2) > 0, most probable first."""
    receptors: tuple[BriefReceptor, ...]
    """Every sensitive receptor, in park.yaml order."""
    files: SourceFiles
    """The source's files in the cycle folder."""
    rank: int
    """Rank in the brief (1: highest risk)."""


@dataclass(frozen=True)
class NotAssessed:
    """A risk source the forecast does not assess, and why."""

    id: str
    """Risk source id from park.yaml."""
    name: str
    """Risk source name."""
    substance: str
    """Substance name in the brief's language."""
    reason: str
    """Why it is not assessed, in the brief's language."""


@dataclass(frozen=True)
class BriefView:
    """Everything the nightly forecast's morning brief shows (and ``summary.json`` holds)."""

    cycle: str
    """Forecast cycle, YYYYMMDDHH (UTC)."""
    cycle_time_utc: str
    """Reference time of the forecast, ISO 8601 UTC."""
    cycle_time_local: str
    """The same instant as the brief shows it: local time with its offset, '2026-07-15 08:00 +08:00'."""
    language: str
    """Language of the brief and of its texts (rules, reasons, flood verdict): 'zh' or 'en'."""
    park: str
    """Park name from park.yaml."""
    forecast_file: str
    """File name of the forecast NetCDF."""
    horizon_hours: int
    """Hours of forecast searched for the release start [h]."""
    members: int
    """Ensemble members per risk source."""
    release_rule: str
    """The credible-worst release assumed for every source (in the brief's language)."""
    start_rule: str
    """How the release start is chosen (in the brief's language)."""
    rank_rule: str
    """How sources are ranked (in the brief's language)."""
    release_start: ReleaseStart
    """The chosen release start and its weather."""
    simulation_hours: int
    """Hours each member follows the cloud [h]."""
    perturbations: dict[str, Any]
    """The members' perturbations (distribution of each perturbed parameter)."""
    sources: tuple[BriefSource, ...]
    """Assessed risk sources, highest risk first."""
    not_assessed: tuple[NotAssessed, ...]
    """Risk sources not assessed, with the reason."""
    flood: dict[str, Any]
    """The heavy-rain rule's verdict and, when triggered, the park flood (keys depend on the verdict: see
    ``scenarios.forecast.flood.flood_view``; texts in the brief's language, every ``*_utc`` with its ``*_local``)."""

    def to_dict(self) -> dict[str, Any]:
        """The view as the plain dict ``summary.json`` holds (keys in field order, sequences as lists)."""
        return plain(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BriefView:
        """The view of a dict such as ``summary.json``'s; TypeError when a field is missing or unknown."""
        def source(row: dict[str, Any]) -> BriefSource:
            nested = {"endpoint1_distance_m": lambda item: DistanceSpread(**item),
                      "endpoint2_distance_m": lambda item: DistanceSpread(**item),
                      "receptors_reached": lambda rows: tuple(BriefReceptor(**r) for r in rows),
                      "receptors": lambda rows: tuple(BriefReceptor(**r) for r in rows),
                      "files": lambda item: SourceFiles(**item)}
            return BriefSource(**{key: nested[key](value) if key in nested else value for key, value in row.items()})

        nested = {"release_start": lambda item: ReleaseStart(**item),
                  "sources": lambda rows: tuple(source(row) for row in rows),
                  "not_assessed": lambda rows: tuple(NotAssessed(**row) for row in rows)}
        return cls(**{key: nested[key](value) if key in nested else value for key, value in data.items()})
