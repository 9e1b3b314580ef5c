"""Water environmental capacity (水环境容量) of a river for the park's outfalls: the largest loads that keep every
control section within its GB 3838-2002 class at the design flow.

For one pollutant the sections respond affinely to the outfalls' loads W [kg/s] at fixed flows
(``dispersion.river.RiverModel.section_response``): C_s = b_s + Σ_j A_sj W_j. The cap is the linear program::

    maximise    Σ_j w_j W_j
    subject to  b_s + A_s · W ≤ f · L_s            every section s judging the pollutant (a maximum)
                b_s + A_s · W ≥ L_s / f            dissolved oxygen (a minimum), rows of the oxygen-demand pollutant
                lower_j ≤ W_j ≤ upper_j

solved with HiGHS (``scipy.optimize.linprog(method="highs")``; Huangfu & Hall 2018, Math. Prog. Comp.
10:119–142) — the solver of the air caps (``scenarios.eia.caps``). A river has a handful of sections, so every row
is listed at once. Sections the outfalls do not reach (upstream, or all-zero rows) do not constrain the loads; if
their background already breaks the class, the report says so.

The equal-proportion rule (every outfall at the same multiple α of its current load) is the alternative:
α* = min_s (f L_s − b_s) / (A_s · W⁰). The segment method (段尾控制, :func:`segment_cross_check`) computes each
outfall's capacity alone in closed form as an independent check of the program's rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog

from dispersion.river import RiverModel
from twin.errors import InputError, NumericalStabilityError
from twin.water import OXYGEN
from twin.water_standards import water_standard

__all__ = ["CapRow", "WaterCap", "cap_rows", "solve_water_cap", "equal_proportion_water_cap", "segment_cross_check",
           "SECONDS_PER_YEAR", "tonnes_per_year"]

SECONDS_PER_YEAR = 365.0 * 86400.0  # [s]; tonnage per 365-day year, as the air caps


def tonnes_per_year(load_kg_s) -> np.ndarray:
    """A load [kg/s] as tonnes per 365-day year. [t/yr]"""
    return np.asarray(load_kg_s, dtype=np.float64) * SECONDS_PER_YEAR * 1e-3


@dataclass
class CapRow:
    """One constraint: ``section`` index, the ``quantity`` judged (pollutant or dissolved_oxygen), ``sense``
    ('maximum' or 'minimum'), the section's limit after the safety factor [kg m-3], its value at zero load of the
    capped pollutant [kg m-3] and its response per outfall [kg m-3 per kg/s]."""

    section: int
    quantity: str
    sense: str
    limit: float
    base: float
    response: np.ndarray

    def room(self) -> float:
        """Right-hand side of the row written as (sign · response) · W ≤ room. [kg m-3]"""
        return self.limit - self.base if self.sense == "maximum" else self.base - self.limit

    def sign(self) -> float:
        return 1.0 if self.sense == "maximum" else -1.0


@dataclass
class WaterCap:
    """A cap of one pollutant: ``loads`` [kg/s] per outfall, ``binding`` = [(row index, dual [kg/s of total per
    kg m-3 of room])], strongest first, ``values`` of every row at the caps [kg m-3], ``method``."""

    pollutant: str
    loads: np.ndarray
    binding: list[tuple[int, float]]
    values: np.ndarray
    method: str

    @property
    def total(self) -> float:
        return float(self.loads.sum())


def cap_rows(model: RiverModel, pollutant: str, safety_factor: float = 1.0) -> tuple[list[CapRow], list[str]]:
    """The rows of ``pollutant``'s program, and notes on sections the outfalls cannot affect whose background
    already breaks their class."""
    if not 0 < safety_factor <= 1:
        raise InputError.field(model.where, "safety_factor", safety_factor, "in (0, 1]")
    base, response = model.section_response(pollutant)
    rows, notes = [], []
    for s, section in enumerate(model.river.control_sections):
        judged = section.pollutants or [*model.pollutants, OXYGEN]
        for quantity in base:
            if quantity not in judged:
                continue
            standard = water_standard(quantity)
            limit = standard.limit(section.water_class)
            limit = limit * safety_factor if standard.sense == "maximum" else limit / safety_factor
            row = CapRow(s, quantity, standard.sense, limit, float(base[quantity][s]),
                         response[quantity][s].copy())
            if not np.any(np.abs(row.response) > 0):
                if row.room() < 0:
                    notes.append(f"section {section.id!r} ({section.name}): {quantity} is "
                                 f"{row.base * 1e3:.4g} mg/L without the park's {pollutant}, beyond its class "
                                 f"{section.water_class} limit {limit * 1e3:.4g} mg/L; the outfalls do not reach it")
                continue
            rows.append(row)
    return rows, notes


def _check_feasible(model: RiverModel, rows: list[CapRow], lower: np.ndarray) -> None:
    for row in rows:
        value = row.sign() * (row.response @ lower)
        if value > row.room() + 1e-12 * max(row.limit, 1e-12):
            section = model.river.control_sections[row.section]
            raise InputError(
                f"{model.where}: no capacity for the outfalls at section {section.id!r} ({section.name}, class "
                f"{section.water_class}): {row.quantity} is {row.base * 1e3:.4g} mg/L from the background and the "
                f"other pollutants' loads alone, against a {row.sense} of {row.limit * 1e3:.4g} mg/L (safety factor "
                "included); lower the technical minima, or check the background and design flow")


def solve_water_cap(model: RiverModel, pollutant: str, rows: list[CapRow], *, lower=None, upper=None,
                    weights=None) -> WaterCap:
    """Maximise the (weighted) total load of ``pollutant`` subject to ``rows`` (see the module docstring).

    Parameters
    ----------
    lower, upper : (J,) bounds per outfall [kg/s] (default 0 and unbounded).
    weights : (J,) objective weights [-] (default 1).
    """
    n = len(model.river.outfalls)
    lower = np.zeros(n) if lower is None else np.asarray(lower, dtype=np.float64)
    upper = np.full(n, np.inf) if upper is None else np.asarray(upper, dtype=np.float64)
    weights = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    _check_feasible(model, rows, lower)
    reached = np.zeros(n, dtype=bool)
    for row in rows:
        reached |= row.sign() * row.response > 0
    free = [o.id for j, o in enumerate(model.river.outfalls) if not reached[j] and not np.isfinite(upper[j])]
    if free:
        raise InputError.field(model.where, "outfalls", free, f"outfalls with a control section judging {pollutant} "
                                                              "downstream, or an upper bound (upper_bound_factor)")
    if not rows:
        loads = np.where(np.isfinite(upper), upper, lower)
        return WaterCap(pollutant, loads, [], np.zeros(0), "upper bounds (no section constrains the loads)")
    # rows scaled by their limit so HiGHS sees O(1) numbers, not 1e-3 kg m-3
    scale = np.array([max(abs(r.limit), 1e-12) for r in rows])
    a_ub = np.array([r.sign() * r.response for r in rows]) / scale[:, None]
    b_ub = np.array([r.room() for r in rows]) / scale
    bounds = [(float(lo), None if not np.isfinite(hi) else float(hi)) for lo, hi in zip(lower, upper)]
    solution = linprog(-weights, A_ub=a_ub, b_ub=b_ub, bounds=bounds, method="highs")
    if solution.status != 0:
        raise NumericalStabilityError(f"{model.where}: HiGHS stopped with status {solution.status} on the "
                                      f"{pollutant} cap: {solution.message}")
    loads = np.clip(solution.x, lower, upper)
    duals = np.asarray(solution.ineqlin.marginals)
    binding = sorted(((i, float(-d / scale[i])) for i, d in enumerate(duals) if d < 0), key=lambda item: -item[1])
    values = np.array([r.base + r.response @ loads for r in rows])
    return WaterCap(pollutant, loads, binding, values, "linear program (HiGHS)")


def equal_proportion_water_cap(model: RiverModel, pollutant: str, rows: list[CapRow], current: np.ndarray, *,
                               max_factor: float = np.inf) -> WaterCap:
    """Every outfall at α · its current load; α* = min over rows of room / (sign · A_s · W⁰), at most
    ``max_factor``."""
    current = np.asarray(current, dtype=np.float64)
    alpha, binding = float(max_factor), []
    for i, row in enumerate(rows):
        pressure = row.sign() * (row.response @ current)
        if pressure > 0 and row.room() / pressure < alpha:
            alpha, binding = row.room() / pressure, [(i, float("nan"))]
    if not np.isfinite(alpha):
        raise InputError.field(model.where, "upper_bound_factor", None, f"a number: no section limits the "
                                                                        f"equal-proportion growth of {pollutant}")
    if alpha < 0:
        raise InputError(f"{model.where}: no equal-proportion capacity for {pollutant}: the background alone breaks "
                         "a section's class")
    loads = alpha * current
    values = np.array([r.base + r.response @ loads for r in rows])
    return WaterCap(pollutant, loads, binding, values, f"equal proportion (α = {alpha:.6g})")


def segment_cross_check(model: RiverModel, pollutant: str, safety_factor: float = 1.0) -> list[dict]:
    """Each outfall's capacity alone (every outfall's load of ``pollutant`` zero but its own) by the segment method,
    against the linear program restricted to that outfall.

    Segment method: for a section s below outfall j, W_js = [f L_s − C_s⁰] Q_s exp(Σ_i K_i Δx_i / u_i), with C_s⁰ the
    section's concentration with no park load, Q_s its flow and the sum over the stretches from j to s — the
    single-segment formula W = C_s (Q + q) e^(K x/u) − C_0 Q (``dispersion.river_formulas.segment_capacity``)
    carried over reach boundaries and other outfalls (whose water dilutes but adds no load). The outfall's
    capacity is min_s W_js. Rows where the river withdraws water between j and s are not closed-form here
    and are skipped.
    """
    standard = water_standard(pollutant)
    n = len(model.river.outfalls)
    zero = {**model.current_loads(), pollutant: np.zeros(n)}
    background = model.section_values(zero)[pollutant]
    events = np.unique(np.concatenate([model.outfall_chainage, model.section_chainage, model.geometry.reach_ends,
                                       [0.0]]))
    profile = model.run(zero, distances=events)
    steps = []
    for i in range(events.size - 1):  # the stretch (events[i], events[i+1]] carries the flow just below events[i]
        reach = model.reach_of(events[i + 1])
        velocity = model.hydraulics(reach, profile.flow[i])[1]
        steps.append(model.rate(reach, pollutant) * (events[i + 1] - events[i]) / velocity)
    exponent_to = np.concatenate([[0.0], np.cumsum(steps)])
    withdraws = np.array([r.design_flow for r in model.river.reaches])
    rows_lp, _ = cap_rows(model, pollutant, safety_factor)
    results = []
    for j, outfall in enumerate(model.river.outfalls):
        x_j = model.outfall_chainage[j]
        best_segment, best_lp, at = np.inf, np.inf, None
        for s, section in enumerate(model.river.control_sections):
            x_s = model.section_chainage[s]
            if x_s < x_j or (section.pollutants is not None and pollutant not in section.pollutants):
                continue
            ends_between = (model.geometry.reach_ends[:-1] >= x_j) & (model.geometry.reach_ends[:-1] < x_s)
            if np.any(np.diff(withdraws)[ends_between] < 0):
                continue
            i_j, i_s = np.searchsorted(events, x_j), np.searchsorted(events, x_s)
            limit = standard.limit(section.water_class) * safety_factor
            flow_s = profile.flow[i_s]
            w = (limit - background[s]) * flow_s * np.exp(exponent_to[i_s] - exponent_to[i_j])
            if w < best_segment:
                best_segment, at = float(w), section.id
        for row in rows_lp:
            if row.quantity == pollutant and row.response[j] > 0:
                best_lp = min(best_lp, row.room() / row.response[j])
        results.append({"outfall": outfall.id, "section": at, "segment_kg_s": best_segment,
                        "lp_alone_kg_s": float(best_lp),
                        "relative_difference": float(abs(best_segment - best_lp) / max(abs(best_lp), 1e-300))
                        if np.isfinite(best_lp) and np.isfinite(best_segment) else None})
    return results
