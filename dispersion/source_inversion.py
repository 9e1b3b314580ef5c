"""Inverse source estimation: which candidate source, emitting at which rate, explains what the monitors saw.

Inputs are a transfer array ``responses[h, c, m]`` — the concentration at monitor m in hour h per 1 g/s from candidate
c [kg m-3 per g s-1], as :func:`dispersion.transfer.source_responses` builds it — and the observations as intervals
(:class:`Observations`). Two solvers, both on the same arrays:

**Bayesian, one source at a time (the ranking).** Hypothesis c: candidate c alone emits at a constant rate q. The
observation model is multiplicative log-normal error (the usual model for the ratio of observed to predicted
concentrations, whose scatter Chang & Hanna 2004 summarise by the geometric variance VG = exp⟨(ln Co − ln Cp)²⟩):

    ln y_hm = ln(q · a_hcm) + ε,   ε ~ N(0, σ²)                                     (σ = ``sigma_ln``, 0.3 for 30 %)

An exact value contributes the normal density of ln y; a censored one (below a detection limit DL: y ∈ (0, DL); an
exceedance-only report: y > T) the probability Φ((ln U − ln μ)/σ) − Φ((ln L − ln μ)/σ) of its interval (the Tobit
likelihood, Tobin 1958, *Econometrica* 26:24–36). An hour in which the candidate's plume misses the monitor (a = 0)
predicts y = 0: probability 1 for "below DL", 0 for a detection. So that one bad hour (an unlisted source, a model
miss) cannot veto the true source, each observation is a mixture, (1 − ε)·model + ε·outlier, the outlier part
uniform in ln y over the observed range (ε = ``outlier_fraction``; the mixture-of-errors model of Box & Tiao 1968,
*Biometrika* 55:119–129). The prior is uniform over the candidates and log-uniform in q over [rate_min, rate_max]
(scale-invariant: a rate is as likely to be 0.1–1 g/s as 10–100 g/s; Jeffreys 1961, *Theory of Probability* §3.1).

The posterior is computed *exactly* on a rate grid, not sampled and not Laplace-approximated: with one rate per
hypothesis the integral over q is one-dimensional, and a grid of a few hundred points in ln q gives the marginal
likelihood (evidence) Z_c = ∫ L(y | c, q) p(q) dq and the posterior of q to quadrature accuracy in well under a
millisecond per candidate. Sampling (MCMC) would add Monte-Carlo noise and tuning for nothing; a Laplace
approximation would be wrong exactly where it matters — a rate pressed against the detection limit by censored hours
has a skewed posterior. P(c | y) = Z_c / Σ Z; the rate's 90 % credible interval is the 5th–95th percentile of
p(q | c, y). The grid is two-staged: a coarse pass (Δ ln q = 0.05) finds where the posterior lives, a fine pass
(``fine_points`` over the region within ``exp(-30)`` of the coarse maximum) integrates it.

**Non-negative least squares, all candidates at once (the check).** min ‖W(A q − y)‖², q ≥ 0 (Lawson & Hanson 1974,
*Solving Least Squares Problems*, ch. 23, as ``scipy.optimize.nnls`` implements it), rows weighted by 1/max(y, DL)
so the residual is relative, as the multiplicative error is; below-DL hours enter as y = 0. It allows several sources
at once, which the single-source posterior does not; its rates are reported beside the posterior's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import nnls
from scipy.special import log_ndtr

from twin.errors import InputError

__all__ = ["Observations", "InversionOptions", "SourcePosterior", "single_source_posterior", "nnls_rates"]

_COARSE_STEP = 0.2  # [-] step of the coarse grid in ln q (it only brackets the mode: the likelihood is unimodal)
_REGION_DROP = 30.0  # [-] the fine grid covers the coarse log-posterior within this of its maximum
_NEGLIGIBLE = 50.0  # [-] a candidate whose evidence bound is this far (in ln) below the best evidence is not integrated
_FAR_BELOW = 7.0  # [-] (ln DL − ln μ)/σ beyond which ln Φ is taken as 0 (it is > −1.3e-12)
_LOG_SQRT_2PI = 0.5 * np.log(2.0 * np.pi)


@dataclass(frozen=True)
class Observations:
    """Hourly observations at monitors as intervals [kg m-3], arrays of shape (H, M).

    An exact value y: lower = upper = y > 0. Below a detection limit DL: lower = 0, upper = DL. An exceedance-only
    report "above T": lower = T, upper = inf. Missing: both NaN.
    """

    lower: np.ndarray
    upper: np.ndarray

    def __post_init__(self) -> None:
        lower = np.ascontiguousarray(self.lower, dtype=np.float64)
        upper = np.ascontiguousarray(self.upper, dtype=np.float64)
        if lower.ndim != 2 or lower.shape != upper.shape:
            raise InputError.field("observations", "lower/upper shape", (lower.shape, upper.shape),
                                   "two arrays of the same shape (hours, monitors)")
        missing = np.isnan(lower) | np.isnan(upper)
        lower = np.where(missing, np.nan, lower)
        upper = np.where(missing, np.nan, upper)
        seen = ~missing
        if np.any(lower[seen] < 0) or np.any(~np.isfinite(lower[seen])):
            raise InputError.field("observations", "lower", float(np.min(lower[seen])), "finite values >= 0 kg m-3")
        if np.any(upper[seen] < lower[seen]):
            raise InputError.field("observations", "upper", "an upper bound below its lower bound",
                                   "upper >= lower (an exact value has upper == lower)")
        if np.any((upper[seen] == lower[seen]) & (lower[seen] <= 0)):
            raise InputError.field("observations", "value", 0.0,
                                   "> 0 kg m-3 for an exact value (a zero reading is 'below the detection limit')")
        object.__setattr__(self, "lower", lower)
        object.__setattr__(self, "upper", upper)

    @classmethod
    def from_values(cls, values: np.ndarray, detection_limit: np.ndarray | float) -> "Observations":
        """Exact values (H, M) [kg m-3], NaN missing; a value below the monitor's ``detection_limit`` (scalar or
        (M,)) [kg m-3] becomes the interval (0, DL)."""
        values = np.asarray(values, dtype=np.float64)
        limit = np.broadcast_to(np.asarray(detection_limit, dtype=np.float64), values.shape[1:])
        if np.any(~(limit > 0)):
            raise InputError.field("observations", "detection_limit", float(np.min(limit)), "> 0 kg m-3")
        below = values < limit
        return cls(lower=np.where(below, 0.0, values), upper=np.where(below, limit, values))

    @property
    def shape(self) -> tuple[int, int]:
        return self.lower.shape


@dataclass(frozen=True)
class InversionOptions:
    """sigma_ln : standard deviation of ln(observed / modelled) [-] (0.3 ≈ 30 % multiplicative error);
    rate_min, rate_max : bounds of the log-uniform rate prior [g/s]; outlier_fraction : ε of the mixture [-];
    credible : mass of the central credible interval [-]; fine_points : points of the fine rate grid."""

    sigma_ln: float = 0.3
    rate_min: float = 1e-4
    rate_max: float = 1e4
    outlier_fraction: float = 0.01
    credible: float = 0.9
    fine_points: int = 160

    def __post_init__(self) -> None:
        checks = (("sigma_ln", self.sigma_ln > 0, "> 0"), ("rate_min", self.rate_min > 0, "> 0 g/s"),
                  ("rate_max", self.rate_max > self.rate_min, f"> rate_min ({self.rate_min} g/s)"),
                  ("outlier_fraction", 0 <= self.outlier_fraction < 1, "in [0, 1)"),
                  ("credible", 0 < self.credible < 1, "in (0, 1)"), ("fine_points", self.fine_points >= 16, ">= 16"))
        for name, ok, allowed in checks:
            if not ok:
                raise InputError.field("trace options", name, getattr(self, name), allowed)


@dataclass(frozen=True)
class SourcePosterior:
    """Per candidate (C,): log_evidence (ln Z_c, up to a constant shared by all), probability P(c | y), rate_median,
    rate_low, rate_high (the central ``credible`` interval), rate_map (the posterior mode) [g/s], and
    active_observations (observations the candidate's plume reached, a > 0)."""

    log_evidence: np.ndarray
    probability: np.ndarray
    rate_median: np.ndarray
    rate_low: np.ndarray
    rate_high: np.ndarray
    rate_map: np.ndarray
    active_observations: np.ndarray
    credible: float


def _check_responses(responses: np.ndarray, observations: Observations) -> np.ndarray:
    responses = np.asarray(responses, dtype=np.float64)
    if responses.ndim != 3:
        raise InputError.field("trace", "responses shape", responses.shape, "(hours, candidates, monitors)")
    n_hours, _, n_monitors = responses.shape
    if observations.shape != (n_hours, n_monitors):
        raise InputError.field("trace", "observations shape", observations.shape,
                               f"(hours, monitors) = ({n_hours}, {n_monitors}) as the transfer array")
    if not np.all(np.isfinite(responses)) or np.any(responses < 0):
        raise InputError.field("trace", "responses", "a negative or non-finite value", "finite values >= 0")
    return responses


def _candidate_log_likelihood(ln_a, lower, upper, exact, mixed, sigma: float, log_keep: float):
    """ln L(ln q) summed over one candidate's reached observations (a > 0), as a function of a grid of ln q.

    Exact values: ln N(ln y; ln a + ln q, σ) (density of ln y); intervals: ln[Φ((ln U − m)/σ) − Φ((ln L − m)/σ)];
    each mixed with the outlier term ``mixed`` (= ln ε + ln p_outlier). Per-observation constants are computed once
    here, so the grid loop does a few operations per entry.
    """
    with np.errstate(divide="ignore"):
        ln_lower, ln_upper = np.log(lower), np.log(upper)
    d_exact = ((ln_lower - ln_a)[exact] / sigma)[:, None]
    mixed_exact = (mixed[exact] - log_keep + np.log(sigma) + _LOG_SQRT_2PI)[:, None]
    interval = ~exact
    below = interval & (lower == 0)  # (0, U)
    above = interval & ~np.isfinite(upper)  # (L, inf)
    both = interval & ~below & ~above
    b_below = ((ln_upper - ln_a)[below] / sigma)[:, None]
    a_above = ((ln_lower - ln_a)[above] / sigma)[:, None]
    a_both, b_both = ((ln_lower - ln_a)[both] / sigma)[:, None], ((ln_upper - ln_a)[both] / sigma)[:, None]
    mixed_below, mixed_above, mixed_both = ((mixed[m] - log_keep)[:, None] for m in (below, above, both))
    n_exact = int(np.count_nonzero(exact))
    shift = n_exact * (log_keep - np.log(sigma) - _LOG_SQRT_2PI) + log_keep * int(interval.sum())

    def log_like(grid: np.ndarray) -> np.ndarray:
        g = grid[None, :] / sigma
        total = np.zeros(grid.size)
        if n_exact:
            model = -0.5 * (d_exact - g) ** 2
            total += np.logaddexp(model, mixed_exact).sum(axis=0)
        if b_below.size:  # "below DL" where even the grid's largest rate predicts far below DL: Φ = 1 − 1e-12
            far = b_below[:, 0] - g[0, -1] > _FAR_BELOW
            total += np.logaddexp(0.0, mixed_below[far]).sum()
            total += np.logaddexp(log_ndtr(b_below[~far] - g), mixed_below[~far]).sum(axis=0)
        if a_above.size:
            total += np.logaddexp(log_ndtr(g - a_above), mixed_above).sum(axis=0)
        if a_both.size:
            upper_cdf, lower_cdf = log_ndtr(b_both - g), log_ndtr(a_both - g)
            with np.errstate(divide="ignore"):
                model = upper_cdf + np.log1p(-np.exp(np.minimum(lower_cdf - upper_cdf, 0.0)))
            total += np.logaddexp(model, mixed_both).sum(axis=0)
        return total + shift

    return log_like


def single_source_posterior(responses: np.ndarray, observations: Observations,
                            options: InversionOptions = InversionOptions()) -> SourcePosterior:
    """Posterior probability of each candidate being the one source, and its rate (module docstring).

    Parameters
    ----------
    responses : (H, C, M) concentration per unit emission of each candidate at each monitor [kg m-3 per g s-1]
    observations : the (H, M) observations [kg m-3]
    options : noise, prior and grid

    Returns
    -------
    SourcePosterior, candidates in the order of ``responses``.
    """
    responses = _check_responses(responses, observations)
    seen = ~np.isnan(observations.lower)
    if not np.any(seen):
        raise InputError.field("trace", "observations", "no observed hour", "at least one observation")
    lower, upper = observations.lower[seen], observations.upper[seen]  # (N,)
    exact = upper == lower
    sigma, eps = options.sigma_ln, options.outlier_fraction
    # the outlier density: uniform in ln y over a decade beyond the observed range either side
    finite = np.concatenate([lower[lower > 0], upper[np.isfinite(upper)]])
    ln_span_low = np.log(finite.min()) - np.log(10.0) if finite.size else -50.0
    ln_span_high = np.log(finite.max()) + np.log(10.0) if finite.size else -40.0
    span = ln_span_high - ln_span_low
    with np.errstate(divide="ignore"):
        ln_low_c = np.clip(np.log(lower), ln_span_low, ln_span_high)
        ln_up_c = np.clip(np.log(upper), ln_span_low, ln_span_high)
    outlier = np.where(exact, -np.log(span), np.log(np.maximum((ln_up_c - ln_low_c) / span, 1e-300)))
    with np.errstate(divide="ignore"):
        log_eps = np.log(eps) if eps > 0 else -np.inf
        log_keep = np.log1p(-eps)
        zero_model = np.where(lower == 0, 0.0, -np.inf)  # a = 0: P = 1 for "below", 0 for a detection
        zero_term = np.logaddexp(log_keep + zero_model, log_eps + outlier)  # (N,)
    n_cand = responses.shape[1]
    ln_q_min, ln_q_max = np.log(options.rate_min), np.log(options.rate_max)
    coarse = np.linspace(ln_q_min, ln_q_max, max(int(np.ceil((ln_q_max - ln_q_min) / _COARSE_STEP)) + 1, 3))
    ln_prior = -np.log(ln_q_max - ln_q_min)  # log-uniform: uniform density in ln q
    responses_seen = responses.transpose(1, 0, 2)[:, seen]  # (C, N)
    out = {name: np.empty(n_cand) for name in ("log_evidence", "median", "low", "high", "map")}
    active_count = np.empty(n_cand, dtype=np.int64)
    tail = (1.0 - options.credible) / 2.0
    # An upper bound of each candidate's ln evidence: the a = 0 observations' constant plus the largest value an
    # observation its plume reaches can contribute (the density's peak for an exact value, 1 for an interval).
    active_all = responses_seen > 0
    active_count[:] = active_all.sum(axis=1)
    constants = np.where(active_all, 0.0, zero_term[None, :]).sum(axis=1)
    largest = np.logaddexp(log_keep + np.where(exact, -np.log(sigma) - _LOG_SQRT_2PI, 0.0), log_eps + outlier)
    bounds = constants + np.where(active_all, largest[None, :], 0.0).sum(axis=1) + ln_prior
    for name in out:
        out[name][:] = np.nan
    out["log_evidence"][:] = -np.inf
    best_evidence = -np.inf
    for c in np.argsort(-bounds, kind="stable"):
        if bounds[c] < best_evidence - _NEGLIGIBLE:
            out["log_evidence"][c] = bounds[c]  # an upper bound: its probability is below e^-50 of the best's
            continue
        a = responses_seen[c]
        active = active_all[c]
        constant = float(constants[c])
        log_like = _candidate_log_likelihood(np.log(a[active]), lower[active], upper[active], exact[active],
                                              log_eps + outlier[active], sigma, log_keep)
        coarse_values = log_like(coarse)
        best = int(np.argmax(coarse_values))
        inside = np.flatnonzero(coarse_values >= coarse_values[best] - _REGION_DROP)
        first, last = max(inside[0] - 1, 0), min(inside[-1] + 1, coarse.size - 1)
        fine = np.linspace(coarse[first], coarse[last], options.fine_points)
        values = log_like(fine)
        peak = values.max()
        density = np.exp(values - peak)
        cumulative = np.concatenate([[0.0], np.cumsum(0.5 * (density[1:] + density[:-1]) * np.diff(fine))])
        mass = cumulative[-1]
        out["log_evidence"][c] = constant + peak + np.log(mass) + ln_prior
        out["median"][c], out["low"][c], out["high"][c] = np.exp(np.interp([0.5 * mass, tail * mass,
                                                                            (1 - tail) * mass], cumulative, fine))
        out["map"][c] = np.exp(fine[int(np.argmax(values))])
        best_evidence = max(best_evidence, out["log_evidence"][c])
    log_evidence = out["log_evidence"]
    probability = np.exp(log_evidence - log_evidence.max())
    probability /= probability.sum()
    return SourcePosterior(log_evidence=log_evidence, probability=probability, rate_median=out["median"],
                           rate_low=out["low"], rate_high=out["high"], rate_map=out["map"],
                           active_observations=active_count, credible=options.credible)


def nnls_rates(responses: np.ndarray, observations: Observations) -> tuple[np.ndarray, float]:
    """Rates of all candidates at once by weighted non-negative least squares (module docstring) [g/s], and the
    weighted residual norm [-]. Exceedance-only reports (no finite upper bound) are left out; a censored interval
    (0, DL) enters as y = 0 with weight 1/DL; candidates no observation sees get rate 0."""
    responses = _check_responses(responses, observations)
    lower, upper = observations.lower, observations.upper
    use = ~np.isnan(lower) & np.isfinite(upper)
    value = np.where(lower == upper, lower, 0.0)[use]
    weight = 1.0 / np.maximum(value, upper[use])
    matrix = responses.transpose(0, 2, 1)[use] * weight[:, None]  # (N, C)
    scale = matrix.max(axis=0)
    seen = scale > 0
    rates = np.zeros(responses.shape[1])
    if np.any(seen):
        solution, residual = nnls(matrix[:, seen] / scale[seen], value * weight, maxiter=50 * int(seen.sum()))
        rates[seen] = solution / scale[seen]
        return rates, float(residual)
    return rates, float(np.linalg.norm(value * weight))
