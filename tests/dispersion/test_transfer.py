"""Transfer matrices are linear: A·q equals a direct run at emissions q (to 1e-9 relative, issue 6)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dispersion.plume import PlumeOptions, evaluate_plume
from dispersion.transfer import source_responses, subset_hours
from tests.dispersion.test_plume_kernel import make_hours, make_receptors, make_stacks

pytestmark = pytest.mark.kernel


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1), st.integers(1, 20), st.sampled_from([3, 16]))
def test_transfer_matrix_times_q_equals_a_direct_run(seed, n_src, chunk):
    rng = np.random.default_rng(seed)
    n_hours, n_rec = 30, 25
    stacks = make_stacks(rng.uniform(-500, 500, n_src), rng.uniform(-500, 500, n_src),
                         height=rng.uniform(10, 80, n_src))
    receptors = make_receptors(rng.uniform(-3000, 3000, n_rec), rng.uniform(-3000, 3000, n_rec))
    hours = make_hours(rng.uniform(0, 360, n_hours), rng.integers(0, 6, n_hours),
                       rng.uniform(1, 8, (n_hours, n_src)), rng.uniform(10, 300, (n_hours, n_src)),
                       rng.uniform(200, 1500, n_hours), day=np.arange(n_hours) // 10)
    options = PlumeOptions(store_hourly=True, store_daily=True, min_hours_per_day=8, cull=False)
    factors = rng.uniform(0, 2, (n_hours, n_src))
    q = rng.uniform(0, 50, n_src)  # [g/s]
    matrices = source_responses(stacks, receptors, hours, options, factors, chunk=chunk)
    direct = evaluate_plume(stacks, (factors * q * 1e-3)[None], receptors, hours, options, substances=["x"])
    scale = direct["x"][1].max()
    np.testing.assert_allclose(np.einsum("hsr,s->hr", matrices.hourly, q),
                               direct["x"][1], rtol=1e-9, atol=1e-12 * scale)
    np.testing.assert_allclose(np.einsum("dsr,s->dr", matrices.daily, q), direct["x_daily"][1],
                               rtol=1e-9, atol=1e-12 * scale)
    np.testing.assert_allclose(matrices.period_mean.T @ q, direct["x_period_mean"][1], rtol=1e-9,
                               atol=1e-12 * scale)


def test_hour_subset_gives_the_same_rows():
    rng = np.random.default_rng(7)
    stacks = make_stacks([0.0, 200.0], [0.0, -100.0])
    receptors = make_receptors(rng.uniform(-2000, 2000, 12), rng.uniform(-2000, 2000, 12))
    hours = make_hours(rng.uniform(0, 360, 10), 3, np.full((10, 2), 4.0), np.full((10, 2), 60.0), 1000.0)
    options = PlumeOptions(store_hourly=True, cull=False)
    full = source_responses(stacks, receptors, hours, options)
    pick = np.array([1, 4, 9])
    part = source_responses(stacks, receptors, subset_hours(hours, pick), options)
    np.testing.assert_array_equal(part.hourly, full.hourly[pick])

