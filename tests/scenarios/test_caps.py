"""Total-emission caps: hand-solved optima, row generation equals the full LP, feasibility when re-evaluated."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from scenarios.eia.caps import a_value_cap, equal_proportion_cap, matrix_family, solve_cap, tonnes_per_year
from twin.errors import InputError


def two_by_two(capacity=(10.0, 15.0)):
    # One period, receptors r0, r1; A[r0] = (1, 2), A[r1] = (3, 1) (matrix given as (T=1, S=2, R=2)).
    matrix = np.array([[[1.0, 3.0], [2.0, 1.0]]])
    return matrix_family("annual", matrix, np.array([capacity]), ["year"])


def test_hand_solved_two_source_optimum():
    # max q1 + q2 s.t. q1 + 2 q2 <= 10, 3 q1 + q2 <= 15, q >= 0. Vertices (5,0), (0,5), (4,3): optimum 7 at (4, 3).
    result = solve_cap([two_by_two()], np.ones(2))
    np.testing.assert_allclose(result.rates, [4.0, 3.0], atol=1e-9)
    assert result.total_tonnes == pytest.approx(7.0)
    assert {b[2] for b in result.binding} == {0, 1}  # both receptors bind
    # With q1 <= 3 (its permit): q2 <= min((10 - 3)/2, 15 - 9) = 3.5, total 6.5.
    capped = solve_cap([two_by_two()], np.ones(2), upper=np.array([3.0, np.inf]))
    np.testing.assert_allclose(capped.rates, [3.0, 3.5], atol=1e-9)
    assert [b[2] for b in capped.binding] == [0]


def test_equal_proportion_hand_solved():
    # q = α (1, 1): rows give α·3 <= 10 and α·4 <= 15 → α = min(10/3, 15/4) = 10/3.
    result = equal_proportion_cap([two_by_two()], np.ones(2), np.ones(2))
    np.testing.assert_allclose(result.rates, [10 / 3, 10 / 3])
    with pytest.raises(InputError, match="technical minimum"):
        equal_proportion_cap([two_by_two()], np.ones(2), np.ones(2), lower=np.array([3.4, 0.0]))


def test_background_over_the_limit_is_infeasible_with_a_clear_message():
    with pytest.raises(InputError, match="infeasible.*receptor 1"):
        solve_cap([two_by_two(capacity=(10.0, -1.0))], np.ones(2))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1), st.integers(1, 12), st.booleans())
def test_row_generation_equals_the_full_lp(seed, n_src, with_upper):
    rng = np.random.default_rng(seed)
    n_t, n_rec = 40, 15
    # Sparse-ish plume-like coefficients: most sources miss most receptors in most periods.
    matrix = rng.exponential(1.0, (n_t, n_src, n_rec)) * (rng.random((n_t, n_src, n_rec)) < 0.3)
    matrix[0] += 0.01  # every source reaches every receptor a little once: the full LP is bounded
    capacity = rng.uniform(5, 20, (n_t, n_rec))
    tau = rng.uniform(0.5, 2.0, n_src)
    upper = rng.uniform(1, 10, n_src) if with_upper else None
    family = matrix_family("24h", matrix, capacity, [f"day {t}" for t in range(n_t)])
    got = solve_cap([family], tau, upper=upper, rows_per_iteration=5)
    a_full = matrix.transpose(0, 2, 1).reshape(-1, n_src)
    bounds = [(0, None if upper is None else u) for u in (upper if upper is not None else [None] * n_src)]
    full = linprog(-tau, A_ub=a_full, b_ub=capacity.reshape(-1), bounds=bounds, method="highs")
    assert got.total_tonnes == pytest.approx(-full.fun, rel=1e-7)
    # Feasible when every row is re-evaluated at the answer (the "re-run" of the solution).
    assert np.all(a_full @ got.rates <= capacity.reshape(-1) * (1 + 1e-6) + 1e-9)


def test_invalid_days_are_not_constraints():
    matrix = np.array([[[1.0], [1.0]], [[np.nan], [np.nan]]])  # (T=2, S=2, R=1); day 1 invalid
    family = matrix_family("24h", matrix, np.array([[4.0], [-100.0]]), ["d0", "d1"])
    assert solve_cap([family], np.ones(2)).total_tonnes == pytest.approx(4.0)


def test_tonnes_per_year():
    # 1 g/s all year: 365 × 86400 s × 1e-6 t/g = 31.536 t/yr; running half the time: 15.768.
    assert tonnes_per_year(1.0, 1.0) == pytest.approx(31.536)
    assert tonnes_per_year(1.0, 0.5) == pytest.approx(15.768)


def test_a_value_hand_computed():
    # Q = A (C - Cb) S_i / sqrt(S) = 4.2 × 0.06 × 25 / 5 = 1.26 (10^4 t/yr) = 12,600 t/yr.
    assert a_value_cap(4.2, 0.06, [25.0]) == pytest.approx(12600.0)
    # Two zones of 16 and 9 km²: S = 25, Σ S_i / √S = 5, the same total.
    assert a_value_cap(4.2, 0.06, [16.0, 9.0]) == pytest.approx(12600.0)
    assert a_value_cap(4.2, 0.06, [25.0], annual_background=0.03) == pytest.approx(6300.0)
    with pytest.raises(InputError, match="a_value"):
        a_value_cap(0.0, 0.06, [25.0])
