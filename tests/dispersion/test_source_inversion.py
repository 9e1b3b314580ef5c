"""dispersion.source_inversion against a brute-force oracle, an analytic posterior and exact NNLS recoveries."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

from dispersion.source_inversion import InversionOptions, Observations, nnls_rates, single_source_posterior
from twin.errors import InputError


def _oracle(responses, observations, options, points=200_001):
    """ln evidence, median and interval of every candidate by direct summation on one very fine grid over the whole
    prior range: each observation's mixture likelihood written out with scipy.stats.norm, no shortcuts."""
    grid = np.linspace(np.log(options.rate_min), np.log(options.rate_max), points)
    seen = ~np.isnan(observations.lower)
    lower, upper = observations.lower[seen], observations.upper[seen]
    finite = np.concatenate([lower[lower > 0], upper[np.isfinite(upper)]])
    lo_span, hi_span = np.log(finite.min()) - np.log(10), np.log(finite.max()) + np.log(10)
    eps, sigma = options.outlier_fraction, options.sigma_ln
    results = []
    for c in range(responses.shape[1]):
        a = responses[:, c, :][seen]
        total = np.zeros(points)
        for k in range(a.size):
            if lower[k] == upper[k]:
                outlier = 1.0 / (hi_span - lo_span)
                model = norm.pdf(np.log(lower[k]), loc=np.log(a[k]) + grid, scale=sigma) if a[k] > 0 else 0.0 * grid
            else:
                l_c = np.clip(np.log(lower[k]) if lower[k] > 0 else -np.inf, lo_span, hi_span)
                u_c = np.clip(np.log(upper[k]), lo_span, hi_span)
                outlier = (u_c - l_c) / (hi_span - lo_span)
                if a[k] > 0:
                    mu = np.log(a[k]) + grid
                    top = norm.cdf(np.log(upper[k]), mu, sigma) if np.isfinite(upper[k]) else 1.0
                    bottom = norm.cdf(np.log(lower[k]), mu, sigma) if lower[k] > 0 else 0.0
                    model = top - bottom
                else:
                    model = np.full(points, 1.0 if lower[k] == 0 else 0.0)
            total += np.log((1 - eps) * model + eps * outlier)
        peak = total.max()
        density = np.exp(total - peak)
        cumulative = np.concatenate([[0], np.cumsum((density[1:] + density[:-1]) / 2 * np.diff(grid))])
        evidence = peak + np.log(cumulative[-1]) - np.log(grid[-1] - grid[0])
        quantiles = np.exp(np.interp(np.array([0.5, 0.05, 0.95]) * cumulative[-1], cumulative, grid))
        results.append((evidence, *quantiles))
    return np.array(results)


def _problem(seed):
    """3 candidates, 30 hours, 3 monitors; candidate 1 emits 2 g/s; a few hours with a = 0, censored, exceedance-only
    and missing observations."""
    rng = np.random.default_rng(seed)
    responses = rng.lognormal(-16, 1.0, size=(30, 3, 3)) * (rng.random((30, 3, 3)) < 0.6)
    truth = 2.0 * responses[:, 1, :] * np.exp(0.3 * rng.standard_normal((30, 3)))
    obs = Observations.from_values(truth, 1e-8)
    lower, upper = obs.lower.copy(), obs.upper.copy()
    lower[3, 0], upper[3, 0] = np.nan, np.nan  # missing
    detected = np.argwhere(lower > 0)
    h, m = detected[0]
    lower[h, m], upper[h, m] = 0.5 * lower[h, m], np.inf  # an exceedance report only
    h, m = detected[1]
    lower[h, m], upper[h, m] = 0.5 * lower[h, m], 2.0 * lower[h, m]  # a bounded interval
    return responses, Observations(lower=lower, upper=upper)


@pytest.mark.parametrize("seed", [0, 1])
def test_posterior_matches_the_brute_force_oracle(seed):
    responses, observations = _problem(seed)
    options = InversionOptions(sigma_ln=0.3, rate_min=1e-3, rate_max=1e3, outlier_fraction=0.02)
    result = single_source_posterior(responses, observations, options)
    oracle = _oracle(responses, observations, options)
    integrated = np.isfinite(result.rate_median)
    assert integrated[1]  # the true source is always integrated
    # ln evidence differences (probabilities) and the rate quantiles, where the fast path integrated the candidate
    reference = oracle[integrated, 0] - oracle[1, 0]
    np.testing.assert_allclose(result.log_evidence[integrated] - result.log_evidence[1], reference, atol=2e-3)
    np.testing.assert_allclose(result.rate_median[integrated], oracle[integrated, 1], rtol=2e-3)
    np.testing.assert_allclose(result.rate_low[integrated], oracle[integrated, 2], rtol=2e-3)
    np.testing.assert_allclose(result.rate_high[integrated], oracle[integrated, 3], rtol=2e-3)
    # a pruned candidate's probability is negligible in the oracle too
    for c in np.flatnonzero(~integrated):
        assert oracle[c, 0] < oracle[:, 0].max() - 40


def test_exact_values_give_the_gaussian_posterior_in_ln_q():
    """Analytic: exact values only, no outlier term, a wide prior: ln q | y ~ N(mean(ln y − ln a), σ²/n), so the
    median is exp(mean) and the 90 % interval exp(mean ± 1.6449 σ/√n) (Gelman et al. 2013, Bayesian Data Analysis
    3rd ed. §2.5, normal mean with known variance and a flat prior)."""
    rng = np.random.default_rng(3)
    a = rng.lognormal(-15, 0.5, size=(40, 1, 2))
    y = 7.0 * a[:, 0, :] * np.exp(0.3 * rng.standard_normal((40, 2)))
    obs = Observations(lower=y, upper=y)
    result = single_source_posterior(a, obs, InversionOptions(sigma_ln=0.3, outlier_fraction=0.0))
    d = np.log(y) - np.log(a[:, 0, :])
    half = norm.ppf(0.95) * 0.3 / np.sqrt(d.size)
    assert result.rate_median[0] == pytest.approx(np.exp(d.mean()), rel=1e-4)
    # the fine grid (160 points over ±7.7 posterior sd) integrates to ~1e-4 relative: 0.3 % of the posterior sd
    assert result.rate_low[0] == pytest.approx(np.exp(d.mean() - half), rel=5e-4)
    assert result.rate_high[0] == pytest.approx(np.exp(d.mean() + half), rel=5e-4)


def test_a_detection_where_the_plume_never_goes_rules_a_candidate_out():
    responses = np.zeros((4, 2, 1))
    responses[:, 0, 0] = 1e-9
    responses[:2, 1, 0] = 1e-9  # candidate 1 never reaches the monitor in hours 2, 3
    y = np.full((4, 1), 5e-9)
    result = single_source_posterior(responses, Observations(lower=y, upper=y))
    assert result.probability[0] > 0.999
    assert result.rate_median[0] == pytest.approx(5.0, rel=1e-3)


def test_nnls_recovers_two_sources_without_noise():
    rng = np.random.default_rng(5)
    responses = rng.lognormal(-16, 1.0, size=(50, 6, 4)) * (rng.random((50, 6, 4)) < 0.5)
    rates = np.array([0.0, 3.0, 0.0, 0.0, 0.5, 0.0])
    y = np.einsum("hcm,c->hm", responses, rates)
    obs = Observations.from_values(np.where(y > 0, y, 0.0), 1e-12)
    found, residual = nnls_rates(responses, obs)
    np.testing.assert_allclose(found, rates, atol=1e-9)
    assert residual < 1e-9


@pytest.mark.parametrize("lower, upper, field", [
    ([[1.0]], [[0.5]], "upper"), ([[-1.0]], [[1.0]], "lower"), ([[0.0]], [[0.0]], "value")])
def test_bad_observations_are_named(lower, upper, field):
    with pytest.raises(InputError, match=f"observations: {field}"):
        Observations(lower=np.array(lower), upper=np.array(upper))


def test_mismatched_shapes_and_options_are_named():
    obs = Observations(lower=np.ones((3, 2)), upper=np.ones((3, 2)))
    with pytest.raises(InputError, match="observations shape"):
        single_source_posterior(np.ones((3, 4, 5)), obs)
    with pytest.raises(InputError, match="rate_max"):
        InversionOptions(rate_min=10.0, rate_max=1.0)


@settings(max_examples=15, deadline=None)
@given(scale=st.floats(1e-2, 1e2), seed=st.integers(0, 10_000))
def test_the_unit_of_the_transfer_array_does_not_matter(scale, seed):
    """Responses k times larger: the same probabilities, rates k times smaller (the log-uniform prior is scale-free,
    and its bounds are far from the posterior here)."""
    responses, observations = _problem(seed)
    options = InversionOptions(rate_min=1e-6, rate_max=1e6)
    base = single_source_posterior(responses, observations, options)
    scaled = single_source_posterior(responses * scale, observations, options)
    np.testing.assert_allclose(scaled.probability, base.probability, atol=1e-4)
    integrated = np.isfinite(base.rate_median) & (base.probability > 1e-12)
    for name in ("rate_median", "rate_low", "rate_high"):
        np.testing.assert_allclose(getattr(scaled, name)[integrated] * scale, getattr(base, name)[integrated],
                                   rtol=2e-3)
