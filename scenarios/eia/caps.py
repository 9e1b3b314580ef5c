"""Total-emission caps: the largest emissions for which the ambient standard holds at every receptor and hour.

The problem (the "regional air-dispersion-model method" of park total-emission control) is a linear program::

    maximise    Σ_s w_s τ_s q_s                       (total allowable emission [t/yr], optionally weighted)
    subject to  b_i + Σ_s A_is q_s ≤ f · L_i           for every receptor and averaging period i
                lower_s ≤ q_s ≤ upper_s                (technical minimum, current permit × growth)

with q_s the emission rate of source s [g/s] (scaled by its hourly schedule inside A), τ_s the tonnes a year that
1 g/s of source s emits under its schedule [t yr-1 per g s-1], A_is the transfer coefficient (``dispersion.transfer``)
of the period's statistic — an hourly value, an 8-h running mean, a daily mean or the annual mean, all linear in q
— b_i the background, L_i the limit of that averaging time (GB 3095-2012) and f ≤ 1 a safety factor. It is solved
with HiGHS (``scipy.optimize.linprog(method="highs")``; Huangfu & Hall 2018, Math. Prog. Comp. 10:119–142).

A year has H × R hourly rows — 8,760 × 500 = 4.4 million for a modest receptor set — so the rows are generated
rather than listed (a cutting-plane method; Bertsimas & Tsitsiklis 1997, *Introduction to Linear Optimization*,
§6.3): solve with a small set of rows, evaluate *every* row at the solution with one model run, add the most
violated ones, repeat. The result of a relaxation that violates no row of the full problem is optimal for the full
problem, so the answer is exact, not a sample. Each constraint family supplies ``evaluate(q)`` (all its row values
at q) and ``rows(indices)`` (the coefficients of a few rows); families backed by stored matrices and families backed
by the plume kernel look the same here.

Also here: the equal-proportion rule (every source cut or grown by the same factor α: a one-variable LP whose
optimum is the smallest ratio (f·L_i − b_i)/(A_i·q⁰) over all rows), and the GB/T 3840-91 A-value method for the
area total as a cross-check.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
from scipy.optimize import linprog

from twin.errors import InputError, NumericalStabilityError

__all__ = ["ConstraintFamily", "matrix_family", "CapResult", "solve_cap", "equal_proportion_cap",
           "a_value_cap", "SECONDS_PER_YEAR", "tonnes_per_year"]

log = logging.getLogger("parktwin")

SECONDS_PER_YEAR = 365.0 * 86400.0  # [s]; tonnage is reported per 365-day year


def tonnes_per_year(rate_g_s: np.ndarray, mean_factor: np.ndarray) -> np.ndarray:
    """Annual mass [t/yr] of sources emitting ``rate_g_s`` [g/s] × their schedule, whose mean factor is given [-]."""
    return np.asarray(rate_g_s, dtype=np.float64) * np.asarray(mean_factor, dtype=np.float64) * SECONDS_PER_YEAR * 1e-6


@dataclass
class ConstraintFamily:
    """All rows of one averaging time: values ``evaluate(q)`` (n_rows,) [kg m-3], coefficients ``rows(idx)``
    (len(idx), S) [kg m-3 per g s-1], right-hand side ``capacity`` = f·L − b per row (n_rows,) [kg m-3], and
    ``describe(i)`` → (period label, receptor index) for reports."""

    name: str
    n_rows: int
    capacity: np.ndarray
    evaluate: Callable[[np.ndarray], np.ndarray]
    rows: Callable[[np.ndarray], np.ndarray]
    describe: Callable[[int], tuple[str, int]]
    seed_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


def matrix_family(name: str, matrix: np.ndarray, capacity: np.ndarray, labels: Sequence[str]) -> ConstraintFamily:
    """A family from a stored transfer matrix ``matrix`` (T, S, R) — T periods (days, or 1 for the annual mean) —
    with ``capacity`` (T, R); rows are numbered t·R + r. NaN rows (invalid days) are dropped (capacity +inf)."""
    matrix = np.asarray(matrix, dtype=np.float64)
    n_t, n_src, n_rec = matrix.shape
    capacity = np.broadcast_to(np.asarray(capacity, dtype=np.float64), (n_t, n_rec)).copy()
    invalid = np.isnan(matrix).any(axis=1)
    capacity[invalid] = np.inf
    clean = np.where(np.isnan(matrix), 0.0, matrix)
    flat = np.ascontiguousarray(clean.transpose(0, 2, 1).reshape(n_t * n_rec, n_src))  # row i = t·R + r
    # Seed: for every source the row where it alone presses hardest on the capacity (so no variable is unbounded).
    with np.errstate(divide="ignore", invalid="ignore"):
        pressure = flat / np.maximum(capacity.reshape(-1, 1), 1e-300)
    seeds = np.unique(np.argmax(np.where(np.isfinite(capacity.reshape(-1, 1)), pressure, -1.0), axis=0))
    return ConstraintFamily(
        name=name, n_rows=n_t * n_rec, capacity=capacity.reshape(-1),
        evaluate=lambda q: flat @ q, rows=lambda idx: flat[np.asarray(idx, dtype=np.int64)],
        describe=lambda i: (labels[i // n_rec], i % n_rec), seed_rows=seeds.astype(np.int64))


@dataclass
class CapResult:
    """Solution of a cap problem. ``rates`` [g/s] per source; ``tonnes`` [t/yr] per source and ``total_tonnes``;
    ``binding``: (family, period label, receptor index, dual value [t/yr per kg m-3]) of rows at their limit,
    strongest first; ``iterations`` of row generation and ``rows_used`` in the final LP; ``method``."""

    rates: np.ndarray
    tonnes: np.ndarray
    total_tonnes: float
    binding: list[tuple[str, str, int, float]]
    iterations: int
    rows_used: int
    method: str
    max_violation: float = 0.0


def _check_bounds(lower, upper, n_src):
    lower = np.zeros(n_src) if lower is None else np.asarray(lower, dtype=np.float64)
    upper = np.full(n_src, np.inf) if upper is None else np.asarray(upper, dtype=np.float64)
    if lower.shape != (n_src,) or upper.shape != (n_src,):
        raise InputError.field("cap", "bounds", (lower.shape, upper.shape), f"arrays of shape ({n_src},)")
    if np.any(lower < 0) or np.any(upper < lower):
        bad = int(np.flatnonzero((lower < 0) | (upper < lower))[0])
        raise InputError.field("cap", f"bounds of source {bad}", (float(lower[bad]), float(upper[bad])),
                               "0 <= technical minimum <= upper bound [g/s]")
    return lower, upper


def solve_cap(families: Sequence[ConstraintFamily], tonnes_per_rate: np.ndarray, *, lower=None, upper=None,
              weights=None, source_ids: Sequence[str] | None = None, rows_per_iteration: int = 200,
              max_iterations: int = 60, tolerance: float = 1e-7) -> CapResult:
    """Maximise the (weighted) total annual emission subject to every row of every family, by row generation.

    Parameters
    ----------
    families : ConstraintFamily list (see module docstring).
    tonnes_per_rate : (S,) τ_s [t/yr per g/s] (see :func:`tonnes_per_year`).
    lower, upper : (S,) bounds [g/s] (default 0 and unbounded).
    weights : (S,) w_s [-] (default 1: the plain total in t/yr).
    rows_per_iteration : most-violated rows added per family per iteration.
    tolerance : a row counts as violated when it exceeds its capacity by more than ``tolerance`` × the largest
        capacity of its family (relative, so the stopping test does not depend on units).
    """
    tau = np.asarray(tonnes_per_rate, dtype=np.float64)
    n_src = tau.size
    lower, upper = _check_bounds(lower, upper, n_src)
    weights = np.ones(n_src) if weights is None else np.asarray(weights, dtype=np.float64)
    ids = list(source_ids) if source_ids is not None else [f"source {s}" for s in range(n_src)]
    objective = -(weights * tau)  # linprog minimises
    scale = {f.name: float(np.max(np.abs(f.capacity[np.isfinite(f.capacity)]), initial=1e-300)) for f in families}

    _check_minimum_is_feasible(families, lower, tolerance, scale)
    active = {f.name: set(int(i) for i in f.seed_rows if np.isfinite(f.capacity[i])) for f in families}
    rows = _RowCache(families, n_src)
    q = upper.copy()
    for iteration in range(1, max_iterations + 1):
        blocks, rhs, owners = [], [], []
        for family in families:
            indices = sorted(active[family.name])
            if indices:
                # Rows scaled by their family's capacity scale: HiGHS sees O(1) numbers, not 1e-9 kg m-3.
                blocks.append(rows.coefficients(family, indices) / scale[family.name])
                rhs.append(family.capacity[indices] / scale[family.name])
                owners += [(family, i) for i in indices]
        a_ub = np.vstack(blocks) if blocks else None
        b_ub = np.concatenate(rhs) if rhs else None
        bounds = [(float(lo), None if not np.isfinite(hi) else float(hi)) for lo, hi in zip(lower, upper)]
        solution = linprog(objective, A_ub=a_ub, b_ub=b_ub, bounds=bounds, method="highs")
        if solution.status == 3:
            free = [ids[s] for s in range(n_src) if not np.isfinite(upper[s])]
            raise InputError(f"cap: unbounded — some sources ({', '.join(free[:5])}) touch no receptor at any "
                             "limit in the rows so far; give them an upper bound (upper_bound_factor)")
        if solution.status != 0:
            raise NumericalStabilityError(f"cap: HiGHS stopped with status {solution.status}: {solution.message}")
        q = np.clip(solution.x, lower, upper)
        added, worst_violation = _add_violated_rows(families, q, active, tolerance, scale, rows_per_iteration)
        log.debug("cap: iteration %d, %d rows, %d added, total %.6g t/yr", iteration, len(owners), added,
                  float(tau @ q))
        if added == 0:
            marginals = np.asarray(solution.ineqlin.marginals) if a_ub is not None else np.zeros(0)
            binding = _binding_rows(owners, marginals, scale)
            tonnes = tau * q
            return CapResult(rates=q, tonnes=tonnes, total_tonnes=float(tonnes.sum()), binding=binding,
                             iterations=iteration, rows_used=len(owners), method="linear program (HiGHS)")
    raise NumericalStabilityError(f"cap: row generation did not converge in {max_iterations} iterations "
                                  f"(largest remaining violation {worst_violation:.3g} of the limit scale)")


def _check_minimum_is_feasible(families, lower: np.ndarray, tolerance: float, scale: dict) -> None:
    """Background alone over the limit somewhere, with every source at its minimum ``lower`` [g/s]: nothing can be
    allowed — an InputError naming the family, receptor, period and excess [µg/m³]."""
    for family in families:
        excess = family.evaluate(lower) - family.capacity
        worst = int(np.argmax(excess))
        if excess[worst] > tolerance * scale[family.name]:
            period, receptor = family.describe(worst)
            raise InputError(f"cap: infeasible — with every source at its technical minimum the {family.name} "
                             f"limit is already exceeded at receptor {receptor} ({period}) by "
                             f"{excess[worst] * 1e9:.3g} µg/m³ (background + minimum emissions); lower the "
                             f"technical minima or the background, or raise the safety factor")


class _RowCache:
    """Constraint rows [kg m-3 per g/s] of each family, computed once per (family, row) and kept."""

    def __init__(self, families, n_sources: int) -> None:
        self._rows: dict[str, dict[int, np.ndarray]] = {f.name: {} for f in families}
        self._n = n_sources

    def coefficients(self, family: ConstraintFamily, indices: list[int]) -> np.ndarray:
        cache = self._rows[family.name]
        missing = [i for i in indices if i not in cache]
        if missing:
            for i, row in zip(missing, family.rows(np.asarray(missing, dtype=np.int64))):
                cache[i] = np.asarray(row, dtype=np.float64)
        return np.array([cache[i] for i in indices]).reshape(len(indices), self._n)


def _add_violated_rows(families, q: np.ndarray, active: dict, tolerance: float, scale: dict,
                       rows_per_iteration: int) -> tuple[int, float]:
    """Add to ``active`` the (at most ``rows_per_iteration``) most-violated rows of each family at rates ``q``
    [g/s]; return how many were added and the largest violation (relative to the family's capacity scale)."""
    added, worst_violation = 0, 0.0
    for family in families:
        excess = family.evaluate(q) - family.capacity
        candidates = np.flatnonzero(excess > tolerance * scale[family.name])
        candidates = np.array([i for i in candidates if int(i) not in active[family.name]], dtype=np.int64)
        if candidates.size:
            worst_violation = max(worst_violation, float(excess[candidates].max() / scale[family.name]))
            top = candidates[np.argsort(excess[candidates])[::-1][:rows_per_iteration]]
            active[family.name].update(int(i) for i in top)
            added += top.size
    return added, worst_violation


def _binding_rows(owners, marginals: np.ndarray, scale: dict) -> list[tuple[str, str, int, float]]:
    """The binding limits (family, period label, receptor index, dual value [t/yr per kg m-3]) from the LP's
    duals, most binding first."""
    binding = []
    for (family, i), dual in zip(owners, marginals):
        if dual < 0:
            period, receptor = family.describe(i)
            binding.append((family.name, period, receptor, float(-dual / scale[family.name])))
    binding.sort(key=lambda item: -item[3])
    return binding


def equal_proportion_cap(families: Sequence[ConstraintFamily], tonnes_per_rate: np.ndarray, nominal: np.ndarray,
                         *, lower=None, max_factor: float = np.inf,
                         source_ids: Sequence[str] | None = None) -> CapResult:
    """Every source at the same fraction α of its nominal rate q⁰ (equal-proportion reduction or growth).

    The LP max α·Σ τ_s q⁰_s s.t. α·(A_i·q⁰) ≤ c_i has the closed-form optimum α* = min_i c_i / (A_i·q⁰) over rows
    with A_i·q⁰ > 0 (c_i = f·L_i − b_i), capped at ``max_factor``; every row is evaluated once at q⁰, so this is
    exact. InputError when α*·q⁰ falls below a source's technical minimum ``lower`` [g/s].
    """
    nominal = np.asarray(nominal, dtype=np.float64)
    tau = np.asarray(tonnes_per_rate, dtype=np.float64)
    ids = list(source_ids) if source_ids is not None else [f"source {s}" for s in range(nominal.size)]
    alpha, binding = float(max_factor), []
    for family in families:
        values = family.evaluate(nominal)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(values > 0, family.capacity / values, np.inf)
        i = int(np.argmin(ratio))
        if ratio[i] < alpha:
            alpha = float(ratio[i])
            period, receptor = family.describe(i)
            binding = [(family.name, period, receptor, float("nan"))]
    if not np.isfinite(alpha):
        raise InputError("cap: the equal-proportion rule is unbounded (no receptor is reached); set "
                         "upper_bound_factor")
    if alpha < 0:
        raise InputError(f"cap: infeasible under the equal-proportion rule — the background alone exceeds the limit "
                         f"({binding[0][0]} at receptor {binding[0][2]}, {binding[0][1]})")
    rates = alpha * nominal
    if lower is not None and np.any(rates < np.asarray(lower) - 1e-12):
        bad = int(np.flatnonzero(rates < np.asarray(lower) - 1e-12)[0])
        raise InputError(f"cap: the equal-proportion factor α = {alpha:.4g} puts {ids[bad]} at {rates[bad]:.4g} g/s, "
                         f"below its technical minimum {float(np.asarray(lower)[bad]):.4g} g/s")
    tonnes = tau * rates
    return CapResult(rates=rates, tonnes=tonnes, total_tonnes=float(tonnes.sum()), binding=binding, iterations=1,
                     rows_used=sum(f.n_rows for f in families), method=f"equal proportion (α = {alpha:.6g})")


def a_value_cap(a_value: float, annual_limit: float, zone_areas_km2: Sequence[float],
                annual_background: float = 0.0) -> float:
    """Area total allowable emission by the GB/T 3840-91 A-value method (制定地方大气污染物排放标准的技术方法, total
    control of an area; equations for Q_ak, Q_aki and A_ki — section and Table 1 values **[verify against the text]**):

        Q_a = Σ_i A_i · S_i / √S,   A_i = A · (C_i − C_b),   S = Σ_i S_i

    Parameters
    ----------
    a_value : float
        A, the regional total-control coefficient of GB/T 3840-91 Table 1 for the province. [10⁴ km² yr-1]
        (The table gives a range per region, e.g. 3.5–4.9 for the East-China coastal provinces **[verify against the
        standard's text]**; the user chooses within it — it is a required input, never a silent default.)
    annual_limit : float
        C_i, the annual-mean limit of the zone's grade (GB 3095-2012). [mg m-3]
    zone_areas_km2 : sequence of float
        S_i, the areas of the zones of the control area. [km²]
    annual_background : float
        C_b, the annual-mean background, subtracted from the limit (the "A–P value" practice; 0 gives the bare
        A·C_i of the standard). [mg m-3]

    Returns
    -------
    Q_a [t yr-1] (the standard's Q is in 10⁴ t/a; converted here).
    """
    areas = np.asarray(zone_areas_km2, dtype=np.float64)
    if not a_value > 0:
        raise InputError.field("A-value method", "a_value", a_value, "> 0 (10^4 km2/yr, GB/T 3840-91 Table 1)")
    if areas.size == 0 or np.any(areas <= 0):
        raise InputError.field("A-value method", "zone_areas_km2", list(areas), "positive areas [km2]")
    if not annual_limit > annual_background >= 0:
        raise InputError.field("A-value method", "annual_background", annual_background,
                               f">= 0 and below the annual limit {annual_limit} mg/m3")
    total = float(areas.sum())
    coefficient = a_value * (annual_limit - annual_background)  # [10^4 km²/yr · mg/m³] → 10⁴ t/yr per km
    return float(np.sum(coefficient * areas / np.sqrt(total))) * 1e4
