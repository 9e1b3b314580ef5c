"""Gaussian puff model for time-varying releases and winds: puff states here, the sums in ``_puff_kernels``.

Physics (the integrated-puff approach of CALPUFF, Scire et al. 2000, *A User's Guide for the CALPUFF Dispersion
Model*, §2.1, with the Gaussian puff of Turner 1970 / Seinfeld & Pandis 2016 Eq. 18.55):

    C(x, y, z, t) = Σ_p M_p / ((2π)^{3/2} σ_y² σ_z) · exp(−((x − x_p)² + (y − y_p)²) / 2σ_y²) · V(z)

* a release of rate Q(t) [kg/s] is cut into puffs every Δτ, each carrying M_p = ∫ Q dt over its interval [kg];
* each puff centre moves with the (hourly or finer, piecewise constant) wind: x_p(t) = x_s + ∫ u dt;
* σ_x = σ_y and σ_z grow with the puff's travel distance s = ∫ |u| dt along the chosen dispersion-coefficient
  curves (the plume's, so that a long steady release converges to the steady plume); when the stability class
  changes, growth continues from the *virtual distance* at which the new class's curve has the puff's current σ
  (Turner 1970 §3; CALPUFF §2.1.3), so σ never jumps;
* V(z) is the plume's ground-reflection and mixing-lid image sum, the well-mixed form once σ_z > 1.6 L, and the
  ISC3 simple-terrain truncation of the puff height above each receptor;
* the kernel samples the field every ``sampling_step`` and keeps running means over each averaging window, so a
  60-min AEGL is compared with 60-min means, not instantaneous peaks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from dispersion.coefficients import sigma
from dispersion.plume import SIGMA_MODEL_NAMES, ReceptorSet, _automatic_tile_size, _build_tiles
from twin.errors import InputError

__all__ = ["PuffRelease", "PuffMet", "PuffOptions", "PuffStates", "puff_states", "run_puff"]

_NO_LID = 1.0e30


@dataclass(frozen=True)
class PuffRelease:
    """A point release. x, y [m]; base_elevation [m]; height: release height above ground [m];
    rate_times [s] (increasing, from the start of the simulation) and rates [kg/s]: Q(t) = rates[k] on
    [rate_times[k], rate_times[k+1]) and 0 after the last time (the end of the release)."""

    x: float
    y: float
    base_elevation: float
    height: float
    rate_times: np.ndarray
    rates: np.ndarray

    def __post_init__(self) -> None:
        times = np.asarray(self.rate_times, dtype=np.float64)
        rates = np.asarray(self.rates, dtype=np.float64)
        if times.ndim != 1 or times.size < 2 or rates.shape != (times.size - 1,):
            raise InputError.field("puff release", "rate_times/rates", f"{times.shape}/{rates.shape}",
                                   "n + 1 increasing times [s] and n rates [kg/s]")
        if np.any(np.diff(times) <= 0) or np.any(rates < 0) or not np.all(np.isfinite(rates)):
            raise InputError.field("puff release", "rates", rates.tolist()[:5], "finite, >= 0 kg/s on increasing times")
        if self.height < 0:
            raise InputError.field("puff release", "height", self.height, ">= 0 m")
        object.__setattr__(self, "rate_times", times)
        object.__setattr__(self, "rates", rates)


@dataclass(frozen=True)
class PuffMet:
    """Piecewise-constant meteorology: each value holds from ``times[k]`` [s] to the next (the last one onwards).
    wind_speed [m/s] at the transport height; wind_from_direction [degree from true north]; stability [0..5];
    mixing_height [m] (ignored in E, F: no lid)."""

    times: np.ndarray
    wind_speed: np.ndarray
    wind_from_direction: np.ndarray
    stability: np.ndarray
    mixing_height: np.ndarray

    def at(self, t: np.ndarray) -> np.ndarray:
        """Index of the met period holding at times t [s]."""
        return np.clip(np.searchsorted(self.times, t, side="right") - 1, 0, self.times.size - 1)


@dataclass(frozen=True)
class PuffOptions:
    """sigma_model (as the plume's); puff_interval [s]; sampling_step [s]; duration [s] of the simulation;
    averaging_windows [s] (multiples of sampling_step); output_times [s] for grid snapshots (multiples of the
    sampling step); terrain "simple" or "flat"; true_north_grid_bearing [degree]; parallel; tile_size [m];
    averaging_time [h] for the GB/T 13201 σ correction."""

    sigma_model: str = "briggs_rural"
    puff_interval: float = 60.0
    sampling_step: float = 60.0
    duration: float = 3600.0
    averaging_windows: tuple[float, ...] = (600.0, 1800.0, 3600.0)
    output_times: tuple[float, ...] = ()
    terrain: str = "simple"
    true_north_grid_bearing: float = 0.0
    parallel: bool = True
    tile_size: float | None = None
    averaging_time: float = 1.0

    def __post_init__(self) -> None:
        if self.sigma_model not in SIGMA_MODEL_NAMES:
            raise InputError.field("puff options", "sigma_model", self.sigma_model, f"one of {SIGMA_MODEL_NAMES}")
        for name in ("puff_interval", "sampling_step", "duration"):
            if not getattr(self, name) > 0:
                raise InputError.field("puff options", name, getattr(self, name), "> 0 s")
        for window in self.averaging_windows:
            steps = window / self.sampling_step
            if window <= 0 or abs(steps - round(steps)) > 1e-9:
                raise InputError.field("puff options", "averaging_windows", window,
                                       f"a positive multiple of the sampling step {self.sampling_step} s")


@dataclass(frozen=True)
class PuffStates:
    """Every puff at every sampling step: (T, P) arrays x, y [m], sigma_y, sigma_z [m], height [m], mass [kg]
    (0 before release), and per step times [s] and mixing_height [m]."""

    times: np.ndarray
    x: np.ndarray
    y: np.ndarray
    sigma_y: np.ndarray
    sigma_z: np.ndarray
    height: np.ndarray
    mass: np.ndarray
    mixing_height: np.ndarray


def _puff_masses(release: PuffRelease, interval: float) -> tuple[np.ndarray, np.ndarray]:
    """Release times τ_p [s] and masses M_p = ∫ Q dt over [τ_p, τ_p + Δτ) [kg] (exact for piecewise-constant Q)."""
    start, end = release.rate_times[0], release.rate_times[-1]
    taus = np.arange(start, end, interval)
    cumulative = np.concatenate([[0.0], np.cumsum(release.rates * np.diff(release.rate_times))])

    def released(t):
        return np.interp(t, release.rate_times, cumulative)

    return taus, released(np.minimum(taus + interval, end)) - released(taus)


def _invert_sigma(model: str, target: np.ndarray, stability: int, axis: int, averaging_time: float) -> np.ndarray:
    """Distance x [m] at which class ``stability``'s σ (axis 0: y, 1: z) equals ``target`` (bisection in log x)."""
    low = np.full(target.shape, 1.0)
    high = np.full(target.shape, 1.0e6)
    for _ in range(60):
        middle = np.sqrt(low * high)
        value = sigma(model, middle, stability, averaging_time=averaging_time)[axis]
        below = value < target
        low = np.where(below, middle, low)
        high = np.where(below, high, middle)
    return np.sqrt(low * high)


def puff_states(release: PuffRelease, met: PuffMet, options: PuffOptions) -> PuffStates:
    """Advect and grow every puff to every sampling step t_k = k·Δt, k = 1..T."""
    taus, masses = _puff_masses(release, options.puff_interval)
    n_steps = int(round(options.duration / options.sampling_step))
    times = options.sampling_step * np.arange(1, n_steps + 1)
    # Exact integrals of the piecewise-constant wind between all breakpoints (met changes, releases, samples).
    marks = np.unique(np.concatenate([[0.0], met.times[met.times > 0], taus, times]))
    k = met.at(marks[:-1])
    bearing_to = np.deg2rad(met.wind_from_direction[k] + 180.0 + options.true_north_grid_bearing)
    dt = np.diff(marks)
    along = np.concatenate([[0.0], np.cumsum(met.wind_speed[k] * dt)])
    east = np.concatenate([[0.0], np.cumsum(met.wind_speed[k] * np.sin(bearing_to) * dt)])
    north = np.concatenate([[0.0], np.cumsum(met.wind_speed[k] * np.cos(bearing_to) * dt)])

    def at(series, t):
        return np.interp(t, marks, series)

    x = release.x + at(east, times)[:, None] - at(east, taus)[None, :]
    y = release.y + at(north, times)[:, None] - at(north, taus)[None, :]
    travel = np.maximum(at(along, times)[:, None] - at(along, taus)[None, :], 0.0)
    alive = times[:, None] > taus[None, :]

    sigma_y = np.empty_like(x)
    sigma_z = np.empty_like(x)
    virtual_y = np.ones(taus.size)  # virtual distances [m] on the current class's curves
    virtual_z = np.ones(taus.size)
    previous_travel = np.zeros(taus.size)
    previous_class = None
    for step, t in enumerate(times):
        cls = int(met.stability[met.at(np.array([t - 0.5 * options.sampling_step]))[0]])
        grown = travel[step] - previous_travel
        if previous_class is not None and cls != previous_class:
            started = previous_travel > 0
            if np.any(started):
                virtual_y[started] = _invert_sigma(options.sigma_model, sigma_y[step - 1, started], cls, 0,
                                                   options.averaging_time)
                virtual_z[started] = _invert_sigma(options.sigma_model, sigma_z[step - 1, started], cls, 1,
                                                   options.averaging_time)
        virtual_y = np.where(previous_travel > 0, virtual_y + grown, np.maximum(travel[step], 1.0))
        virtual_z = np.where(previous_travel > 0, virtual_z + grown, np.maximum(travel[step], 1.0))
        sigma_y[step] = sigma(options.sigma_model, np.maximum(virtual_y, 1.0), cls,
                              averaging_time=options.averaging_time)[0]
        sigma_z[step] = sigma(options.sigma_model, np.maximum(virtual_z, 1.0), cls,
                              averaging_time=options.averaging_time)[1]
        previous_travel = travel[step].copy()
        previous_class = cls
    k_steps = met.at(times - 0.5 * options.sampling_step)
    lid = np.where(met.stability[k_steps] >= 4, _NO_LID, met.mixing_height[k_steps]).astype(np.float64)
    return PuffStates(times=times, x=x, y=y, sigma_y=sigma_y, sigma_z=sigma_z,
                      height=np.full(x.shape, float(release.height)), mass=np.where(alive, masses[None, :], 0.0),
                      mixing_height=lid)


def run_puff(release: PuffRelease, receptors: ReceptorSet, met: PuffMet, options: PuffOptions,
             series_receptors: np.ndarray | None = None, states: PuffStates | None = None) -> xr.Dataset:
    """Concentration statistics of a puff release at the receptors.

    Returns a Dataset: ``peak`` (receptor) instantaneous maximum [kg m-3]; ``dose`` (receptor) time integral
    [kg s m-3]; ``max_mean_<window>s`` (receptor) maximum running mean over each averaging window [kg m-3];
    ``snapshot`` (output_time, receptor) [kg m-3]; ``series`` (series_receptor, time) [kg m-3] at the receptors
    listed in ``series_receptors`` (indices).
    """
    from dispersion._puff_kernels import puff_parallel, puff_serial

    states = states or puff_states(release, met, options)
    n_steps = states.times.size
    tiles = _build_tiles(receptors.x, receptors.y, options.tile_size or _automatic_tile_size(receptors))
    order = tiles.order
    back = np.empty_like(order)
    back[order] = np.arange(order.size)
    rx = np.ascontiguousarray(receptors.x[order])
    ry = np.ascontiguousarray(receptors.y[order])
    rz = np.ascontiguousarray(receptors.height[order])
    flat = options.terrain == "flat"
    rzt = np.zeros_like(rx) if flat else np.ascontiguousarray(receptors.ground_elevation[order])
    base = 0.0 if flat else float(release.base_elevation)
    series_receptors = np.arange(0) if series_receptors is None else np.asarray(series_receptors, dtype=np.int64)
    series_index = np.full(rx.size, -1, dtype=np.int64)
    series_index[back[series_receptors]] = np.arange(series_receptors.size)
    windows = np.array([int(round(w / options.sampling_step)) for w in options.averaging_windows], dtype=np.int64)
    snapshot_index = np.full(n_steps, -1, dtype=np.int64)
    for k, t in enumerate(options.output_times):
        step = int(round(t / options.sampling_step)) - 1
        if not 0 <= step < n_steps:
            raise InputError.field("puff options", "output_times", t, f"within (0, {options.duration}] s")
        snapshot_index[step] = k
    snapshots = np.zeros((len(options.output_times), rx.size))
    series = np.zeros((series_receptors.size, n_steps))
    peak = np.zeros(rx.size)
    dose = np.zeros(rx.size)
    window_max = np.zeros((windows.size, rx.size))
    kernel = puff_parallel if options.parallel else puff_serial
    kernel(tiles.group_ptr, tiles.tile_ptr, tiles.tile_cx, tiles.tile_cy, tiles.tile_rad, rx, ry, rz, rzt,
           float(rz.max(initial=0.0)), base, float(release.height),
           *(np.ascontiguousarray(a, dtype=np.float64) for a in (states.x, states.y, states.sigma_y, states.sigma_z,
                                                                 states.height, states.mass)),
           np.ascontiguousarray(states.mixing_height), float(options.sampling_step), windows, snapshot_index,
           series_index, snapshots, series, peak, dose, window_max)
    data = {
        "peak": (("receptor",), peak[back], {"units": "kg m-3"}),
        "dose": (("receptor",), dose[back], {"units": "kg s m-3"}),
        "snapshot": (("output_time", "receptor"), snapshots[:, back], {"units": "kg m-3"}),
        "series": (("series_receptor", "time"), series, {"units": "kg m-3"}),
    }
    for w, window in enumerate(options.averaging_windows):
        values = window_max[w, back]
        if windows[w] > n_steps:
            values = np.full_like(values, np.nan)  # the simulation is shorter than the window
        data[f"max_mean_{int(window)}s"] = (("receptor",), values, {"units": "kg m-3"})
    return xr.Dataset(data, coords={"time": states.times, "output_time": np.asarray(options.output_times, float),
                                    "series_receptor": series_receptors})
