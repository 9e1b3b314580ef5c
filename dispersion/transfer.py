"""Source–receptor transfer matrices: the concentration each source gives at each receptor per unit emission.

Every statistic that is linear in the emissions — hourly values, running means, daily means, annual means — is
``A·q`` for a transfer matrix ``A`` (receptor × source, per hour or day) and the vector ``q`` of source emission
rates. The total-emission-cap optimiser (``scenarios.eia.caps``) works on these matrices.

How: in the screening mode the plume kernel accumulates P "substances" over one geometry pass; giving a chunk of c
sources to the kernel as c substances, substance k emitting only from source k (an identity rate matrix), returns
each source's own field in one call. In the AERMOD mode the kernel keeps each source's own C/Q at the receptors
asked for while it runs (:func:`dispersion.aermod.aermod_hours_and_responses`), so one run builds each stack-hour's
tables (plume rise, σ's, PRIME's wake) once for every source — and :func:`fields_and_responses` takes them from the
run of the whole field itself. Per-hour emission factors (a schedule) multiply the unit rate, so ``A[h, s, r]`` is
the concentration at receptor r in hour h when source s emits ``factor[h, s]`` × 1 g/s.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from dispersion.aermod import decay_coefficient, subset_weather
from dispersion.plume import PlumeOptions, ReceptorSet, SourceHours, StackSet
from dispersion.point_sources import aermod_fields, aermod_point_statistics, evaluate_point_sources
from twin.errors import InputError

__all__ = ["TransferMatrices", "fields_and_responses", "source_responses", "subset_hours", "subset_stacks"]


@dataclass(frozen=True)
class TransferMatrices:
    """Per unit emission (1 g/s × schedule factor) of each source, in kg m-3 per g s-1.

    hourly : (H, S, R) or None; daily : (D, S, R) daily means (NaN on days with too few hours) or None;
    period_mean : (S, R) mean of the hourly values; max_1h : (S, R) each source's own largest hourly value.
    """

    hourly: np.ndarray | None
    daily: np.ndarray | None
    period_mean: np.ndarray
    max_1h: np.ndarray


def subset_stacks(stacks: StackSet, index: np.ndarray) -> StackSet:
    """The sources of ``stacks`` at ``index`` (:meth:`dispersion.plume.StackSet.subset`)."""
    return stacks.subset(index)


def subset_hours(hours: SourceHours, hour_index=None, source_index=None) -> SourceHours:
    """The hoisted inputs restricted to some hours (in time order) and/or some sources."""
    t = slice(None) if hour_index is None else np.asarray(hour_index, dtype=np.int64)
    s = slice(None) if source_index is None else np.asarray(source_index, dtype=np.int64)
    if hour_index is not None and np.any(np.diff(t) <= 0):
        raise InputError.field("transfer matrix", "hour_index", "not strictly increasing", "hours in time order")

    def per_source(array):
        return np.ascontiguousarray(array[t][:, s])

    return SourceHours(
        wind_to_x=np.ascontiguousarray(hours.wind_to_x[t]), wind_to_y=np.ascontiguousarray(hours.wind_to_y[t]),
        mixing_height=np.ascontiguousarray(hours.mixing_height[t]),
        stability=np.ascontiguousarray(hours.stability[t]), day=np.ascontiguousarray(hours.day[t]),
        stack_wind_speed=per_source(hours.stack_wind_speed), effective_height=per_source(hours.effective_height),
        rise=per_source(hours.rise), bid_variance=per_source(hours.bid_variance),
        valid=np.ascontiguousarray(hours.valid[t]),
        aermod=None if hours.aermod is None else subset_weather(hours.aermod, t),
        ozone=None if hours.ozone is None else np.ascontiguousarray(hours.ozone[t]),
        ozone_missing=None if hours.ozone_missing is None else np.ascontiguousarray(hours.ozone_missing[t]),
    )


def source_responses(stacks: StackSet, receptors: ReceptorSet, hours: SourceHours, options: PlumeOptions,
                     factors: np.ndarray | None = None, *, chunk: int = 16) -> TransferMatrices:
    """Transfer matrices of every source at every receptor.

    Parameters
    ----------
    stacks, receptors, hours, options
        As for :func:`dispersion.point_sources.evaluate_point_sources` (either dispersion mode) (``options.store_hourly`` / ``store_daily`` choose which
        matrices are returned; hourly matrices cost H·S·R·8 bytes, so keep R small for a year).
    factors : array_like, shape (H, S) or (S,), optional
        Emission factor of each source in each hour [-] (its schedule); default 1.
    chunk : int
        Sources per kernel call in the screening mode (the identity rate array is chunk² × H); the AERMOD mode runs
        every source in one call.

    Returns
    -------
    TransferMatrices in kg m-3 per g s-1 (run with decay: ``options.half_life`` under the key "unit").
    """
    n_hours, n_src = hours.effective_height.shape
    factors = _checked_factors(factors, n_hours, n_src)
    n_rec = receptors.x.size
    if options.dispersion == "aermod":  # one run, every source's response kept by the kernel
        stats = aermod_point_statistics(stacks, np.zeros((0, n_hours, n_src)), receptors, hours, options, [],
                                        **_response_request(np.arange(n_rec), factors, options))
        return _matrices(stats.responses, options)
    hourly = np.empty((n_hours, n_src, n_rec)) if options.store_hourly else None
    daily = None
    period_mean = np.empty((n_src, n_rec))
    max_1h = np.empty((n_src, n_rec))
    names = None
    for first in range(0, n_src, chunk):
        index = np.arange(first, min(first + chunk, n_src))
        c = index.size
        rates = np.zeros((c, n_hours, c))
        for k, s in enumerate(index):
            rates[k, :, k] = factors[:, s] * 1e-3  # 1 g/s × factor, in kg/s
        names = [f"unit{k}" for k in range(c)]
        chunk_options = replace(options, half_life={name: options.half_life["unit"] for name in names}
                                if "unit" in options.half_life else {})
        fields = evaluate_point_sources(subset_stacks(stacks, index), rates, receptors,
                                subset_hours(hours, source_index=index), chunk_options, substances=names)
        for k, s in enumerate(index):
            if hourly is not None:
                hourly[:, s, :] = fields[names[k]][1]
            if options.store_daily:
                values = fields[f"{names[k]}_daily"][1]
                if daily is None:
                    daily = np.empty((values.shape[0], n_src, n_rec))
                daily[:, s, :] = values
            period_mean[s] = fields[f"{names[k]}_period_mean"][1]
            max_1h[s] = fields[f"{names[k]}_max_1h"][1]
    return TransferMatrices(hourly=hourly, daily=daily, period_mean=period_mean, max_1h=max_1h)


def fields_and_responses(stacks: StackSet, rates: np.ndarray, receptors: ReceptorSet, hours: SourceHours,
                         options: PlumeOptions, substances: list[str], at, factors, sources,
                         response_options: PlumeOptions) -> tuple[dict, dict, TransferMatrices]:
    """The fields of ``rates`` (P, H, S) at every receptor (:func:`dispersion.point_sources.evaluate_point_sources`),
    each substance's hours at the receptors ``at`` (indices) {key: (H, T) [kg m-3]}, and the transfer matrices of
    the sources ``sources`` (indices, S') at the receptors ``at`` with the emission ``factors`` (H, S) of every source
    and ``response_options`` (their ``store_hourly``, ``store_daily`` and the decay of the substance "unit", as
    :func:`source_responses` takes them): in the AERMOD mode from one run (module docstring), otherwise from three."""
    at = np.asarray(at, dtype=np.int64)
    sources = np.asarray(sources, dtype=np.int64)
    n_hours, n_src = hours.effective_height.shape
    factors = _checked_factors(factors, n_hours, n_src)
    hourly_at = None if options.store_hourly else at  # every receptor's hours kept anyway: the sensitive ones there
    if options.dispersion != "aermod":
        fields = evaluate_point_sources(stacks, rates, receptors, hours, options, substances, hourly_at=hourly_at)
        transfer = source_responses(subset_stacks(stacks, sources), receptors.subset(at),
                                    subset_hours(hours, source_index=sources), response_options,
                                    factors[:, sources])
    else:
        weights = np.zeros((n_hours, n_src))
        weights[:, sources] = factors[:, sources]
        stats = aermod_point_statistics(stacks, rates, receptors, hours, options, substances, keep_hourly=True,
                                        hourly_at=hourly_at, **_response_request(at, weights, response_options))
        fields = aermod_fields(stats, substances, receptors.x.size, options.store_daily)
        transfer = _matrices(stats.responses, response_options, sources)
    # the fields keep every receptor's hours only when asked for; else their hours are the sensitive ones alone
    hourly = {key: fields[key][1][:, at] if options.store_hourly else fields.pop(key)[1] for key in substances}
    return fields, hourly, transfer


def _checked_factors(factors, n_hours: int, n_src: int) -> np.ndarray:
    """Emission factors (H, S) from (H, S), (S,) or None (1)."""
    factors = np.ones((n_hours, n_src)) if factors is None else np.asarray(factors, dtype=np.float64)
    if factors.shape == (n_src,):
        factors = np.broadcast_to(factors, (n_hours, n_src))
    if factors.shape != (n_hours, n_src) or np.any(~np.isfinite(factors)) or np.any(factors < 0):
        raise InputError.field("transfer matrix", "factors", f"shape {factors.shape}",
                               f"finite values >= 0 of shape ({n_hours}, {n_src}) or ({n_src},)")
    return factors


def _response_request(at: np.ndarray, factors: np.ndarray, options: PlumeOptions) -> dict:
    """The keyword arguments of :func:`dispersion.aermod.aermod_statistics` for each source's response at the
    receptors ``at`` per 1 g/s × ``factors`` (H, S) [kg s-1], decaying as the substance "unit" of ``options``."""
    decay = decay_coefficient("unit", options.half_life.get("unit"), options.land_use == "urban")
    return dict(responses_at=at, response_weights=factors * 1e-3, response_decay=decay,
                keep_response_hours=bool(options.store_hourly))


def _matrices(responses, options: PlumeOptions, sources=None) -> TransferMatrices:
    """TransferMatrices from an AERMOD run's source responses (statistics with S sources for substances and the
    tracked receptors for receptors), of the sources ``sources`` (all: None)."""
    every = sources is None or np.array_equal(sources, np.arange(responses.max_1h.shape[0]))
    pick = slice(None) if every else sources  # every source: the arrays as they are, not copies (the hours are large)
    return TransferMatrices(
        hourly=None if responses.hourly is None else np.ascontiguousarray(responses.hourly[:, pick]),
        daily=np.ascontiguousarray(np.swapaxes(responses.daily[pick], 0, 1)) if options.store_daily else None,
        period_mean=responses.period_mean[pick], max_1h=responses.max_1h[pick])
