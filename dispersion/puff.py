"""Gaussian puff model for time-varying releases and winds: puff states here, the sums in ``_puff_kernels``.

What is computed
----------------
The mean concentration over each sampling interval (t_k − Δt, t_k], k = 1..T, Δt = ``sampling_step``:

    C̄_k(r) = (1/Δt) ∫ Σ_p M_p G_p(r, t) dt,
    G_p = exp(−((x − x_p)² + (y − y_p)²) / 2σ_y²) V(z) / ((2π)^{3/2} σ_y² σ_z)       (Seinfeld & Pandis 2016, Eq. 18.55)

* a release of rate Q(t) [kg/s] is cut into puffs: puff p carries M_p = ∫ Q dt over [τ_p, τ_p + Δτ) [kg] and
  leaves the source at the middle of that interval. Δτ (``puff_interval``) is automatic unless forced: the spacing
  u_max Δτ is at most ½ σ_y at ``nearest_distance`` (50 m) in the most stable class of the release's weather, and
  Δτ divides the sampling step; in one unchanging weather (an HJ 169 preset) Δτ = Δt/4, because the integrated puffs
  then tile the plume whatever their spacing (:func:`automatic_puff_interval`);
* each puff centre moves with the piecewise-constant wind; between two breakpoints (sampling times, weather changes)
  its path is a straight segment A → B;
* **integrated puff** (Scire et al. 2000, *A User's Guide for the CALPUFF Dispersion Model*, §2.1.2): on each
  segment the puff's concentration is integrated analytically over time, σ held at its value at the receptor's
  closest approach to the segment (the point where CALPUFF's slug, §2.1.3, also evaluates σ). With
  d = |B − A|, a = (r − A)·ê the distance along the segment and c the distance across it:

      (1/δt) ∫ exp(−|r − x_p(t)|² / 2σ_y²) dt = exp(−c²/2σ_y²) · √(π/2) (σ_y/d) [erf(a/√2σ_y) − erf((a − d)/√2σ_y)]

  (the "integrated puff" sampling function, CALPUFF §2.1.2; the exact integral of the Gaussian along a straight
  path at constant speed). Each segment contributes M_p (δt/Δt) times this times V(z)/((2π)^{3/2} σ_y² σ_z);
* σ_x = σ_y and σ_z grow with the puff's travel distance along the chosen dispersion-coefficient curves (the
  plume's, so that a long steady release converges to the steady plume); when the stability class changes,
  growth continues from the *virtual distance* at which the new class's curve has the puff's current σ (Turner
  1970 §3; CALPUFF §2.1.3), so σ never jumps. Within a segment σ_y, σ_z and the height are interpolated linearly
  between its ends; a segment is **sub-stepped** (halved) until that interpolation is within
  ``interpolation_tolerance`` of the curves at its midpoint — near the source, where σ changes quickly;
* **buoyant rise**: a puff's height is the release height plus the Briggs rise for its travel distance
  (:func:`dispersion.plume_rise.plume_rise_briggs_buoyant`: 1.6 F^{1/3} s^{2/3}/u up to the class's final rise)
  when ``PuffRelease.buoyancy_flux`` > 0; a dense or neutral release (F ≤ 0) stays at its release height;
* V(z) is the plume's ground-reflection and mixing-lid image sum, the well-mixed form once σ_z > 1.6 L, and the
  ISC3 simple-terrain truncation of the puff height above each receptor;
* **merging**: two neighbouring puffs (in release order) whose centres are closer than ``_MERGE_FRACTION`` σ_y
  (and heights closer than that fraction of σ_z) become one puff with their summed mass at their centre of mass,
  so far from the source the spacing follows the puff size (≤ ½ σ_y) instead of the near-source interval.

Why: sampling instantaneous puffs every Δt aliases — a receptor between two puff positions sees nothing (issue 11).
Integrated over the sampling interval, a steady release with Δt a multiple of Δτ reproduces the continuous release
exactly whatever the puff spacing, and the spacing rule keeps the field smooth where the wind turns.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import xarray as xr

from dispersion.coefficients import sigma
from dispersion.plume import SIGMA_MODEL_NAMES, ReceptorSet
from dispersion.plume_rise import plume_rise_briggs_buoyant
from dispersion.tiles import automatic_tile_size, build_tiles, tiled_receptors
from twin.errors import InputError

__all__ = ["PuffRelease", "PuffMet", "PuffOptions", "PuffStates", "automatic_puff_interval", "puff_states",
           "run_puff"]

_NO_LID = 1.0e30
_MIN_DISTANCE = 1.0  # [m] virtual distances are floored here (the σ curves start at x > 0)
_MERGE_FRACTION = 0.25  # neighbours merge when ≤ ¼ σ_y apart: a merged train keeps a spacing ≤ ½ σ_y (0.5 left a
# 1 % ripple in a steady plume at 5 km, 0.25 leaves 0.2 %)
_TABLE_POINTS = 4097  # σ curve table: ln-spacing 0.0035 over 1 m .. 1000 km
_MIN_RISE_WIND_SPEED = 1.0  # [m/s] ISC3 floors the wind in the Briggs rise formulas at 1 m/s
_MAX_SPLITS = 24  # bisection passes of the sub-stepping (a segment is split into at most 2^24 pieces)
_CUTOFF_SIGMAS = 6.5  # as the kernel: terms beyond 6.5 σ_y of a segment are dropped


@dataclass(frozen=True)
class PuffRelease:
    """A point release. x, y [m]; base_elevation [m]; height: release height above ground [m];
    rate_times [s] (increasing, from the start of the simulation) and rates [kg/s]: Q(t) = rates[k] on
    [rate_times[k], rate_times[k+1]) and 0 after the last time (the end of the release);
    buoyancy_flux F_b [m⁴/s³] of the released gas, > 0 for a light or warm gas that rises
    (F_b = g V̇ (1 − ρ/ρ_a)/π, Briggs 1975), ≤ 0 for no rise (default 0);
    ambient_temperature [K] for the stable-air rise (stability parameter s = g/T_a ∂θ/∂z)."""

    x: float
    y: float
    base_elevation: float
    height: float
    rate_times: np.ndarray
    rates: np.ndarray
    buoyancy_flux: float = 0.0
    ambient_temperature: float = 293.15

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
        if not math.isfinite(self.buoyancy_flux):
            raise InputError.field("puff release", "buoyancy_flux", self.buoyancy_flux, "a finite number [m4/s3]")
        if not self.ambient_temperature > 0:
            raise InputError.field("puff release", "ambient_temperature", self.ambient_temperature, "> 0 K")
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
    """sigma_model (as the plume's); puff_interval [s]: None or "auto" = :func:`automatic_puff_interval`, a number
    forces it; sampling_step Δt [s] (every output is a mean over sampling intervals); duration [s] of the
    simulation; averaging_windows [s] (multiples of sampling_step); output_times [s] for grid snapshots (multiples
    of the sampling step); terrain "simple" or "flat"; true_north_grid_bearing [degree]; parallel; tile_size [m];
    averaging_time [h] for the GB/T 13201 σ correction; nearest_distance [m]: the nearest distance from the source
    where results must be converged (sets the automatic puff interval); interpolation_tolerance: relative error
    allowed in the linear interpolation of σ within a segment (sets the sub-steps); merge: merge neighbouring
    puffs far from the source (``_MERGE_FRACTION``)."""

    sigma_model: str = "briggs_rural"
    puff_interval: float | None = None
    sampling_step: float = 60.0
    duration: float = 3600.0
    averaging_windows: tuple[float, ...] = (600.0, 1800.0, 3600.0)
    output_times: tuple[float, ...] = ()
    terrain: str = "simple"
    true_north_grid_bearing: float = 0.0
    parallel: bool = True
    tile_size: float | None = None
    averaging_time: float = 1.0
    nearest_distance: float = 50.0
    interpolation_tolerance: float = 0.005
    merge: bool = True

    def __post_init__(self) -> None:
        if self.sigma_model not in SIGMA_MODEL_NAMES:
            raise InputError.field("puff options", "sigma_model", self.sigma_model, f"one of {SIGMA_MODEL_NAMES}")
        if self.puff_interval == "auto":
            object.__setattr__(self, "puff_interval", None)
        if self.puff_interval is not None and not (isinstance(self.puff_interval, (int, float))
                                                   and self.puff_interval > 0):
            raise InputError.field("puff options", "puff_interval", self.puff_interval, "> 0 s, or None/'auto'")
        for name in ("sampling_step", "duration", "nearest_distance", "interpolation_tolerance"):
            if not getattr(self, name) > 0:
                raise InputError.field("puff options", name, getattr(self, name), "> 0")
        for window in self.averaging_windows:
            steps = window / self.sampling_step
            if window <= 0 or abs(steps - round(steps)) > 1e-9:
                raise InputError.field("puff options", "averaging_windows", window,
                                       f"a positive multiple of the sampling step {self.sampling_step} s")


@dataclass(frozen=True)
class PuffStates:
    """The puffs' path segments, grouped by sampling interval: the segments of interval k (ending at ``times[k]``
    [s]) are ``step_ptr[k]:step_ptr[k + 1]``. Per segment (S,): start x0, y0 and end x1, y1 [m]; sigma_y0/1,
    sigma_z0/1 [m] and height0/1 (effective height above the release base) [m] at its ends (linear in between);
    mass [kg] of the puff; weight = the segment's duration / the sampling step [-]; mixing_height [m] (1e30: none).
    ``puff_interval`` [s] is the release interval used; ``puffs`` the number of puffs released."""

    times: np.ndarray
    step_ptr: np.ndarray
    x0: np.ndarray
    y0: np.ndarray
    x1: np.ndarray
    y1: np.ndarray
    sigma_y0: np.ndarray
    sigma_y1: np.ndarray
    sigma_z0: np.ndarray
    sigma_z1: np.ndarray
    height0: np.ndarray
    height1: np.ndarray
    mass: np.ndarray
    weight: np.ndarray
    mixing_height: np.ndarray
    puff_interval: float = math.nan
    puffs: int = 0


def automatic_puff_interval(release: PuffRelease, met: PuffMet, options: PuffOptions) -> float:
    """Δτ [s] such that u_max Δτ ≤ ½ σ_y(nearest_distance) and Δt/Δτ is a whole number; Δτ = Δt/4 when the
    weather does not change from the release start to the end of the simulation (the spacing then hardly matters).

    u_max [m/s] is the largest wind speed and σ_y [m] the smallest (most stable class) over the weather periods
    during the release; Δt = sampling_step [s]. Half a σ_y between puffs is the spacing CALPUFF's guidance gives for
    a smooth puff train (Scire et al. 2000 §2.1.1); a whole number of puffs per sampling step makes the integrated
    puffs of a steady release tile the plume exactly.
    """
    start, end = release.rate_times[0], min(release.rate_times[-1], options.duration)
    following = np.arange(met.at(np.array([start]))[0], met.at(np.array([max(start, options.duration)]))[0] + 1)
    if all(np.unique(values[following]).size == 1 for values in (met.wind_speed, met.wind_from_direction,
                                                                 met.stability, met.mixing_height)):
        # One weather from the release on (an HJ 169 preset): every puff follows the same straight path with the
        # same growth, so the integrated puffs tile the plume exactly whatever their spacing (module docstring);
        # what is left is the lumping of each Δτ of release into one puff at the cloud's front and tail and the
        # σ interpolation within segments, which four puffs per sampling interval keep within 2 % of the
        # converged answer for classes A–F and 0.5–40 m/s (tests/dispersion/test_puff.py).
        return float(options.sampling_step) / 4.0
    periods = np.arange(met.at(np.array([start]))[0], met.at(np.array([max(start, end)]))[0] + 1)
    u_max = max(float(np.max(met.wind_speed[periods])), 0.1)
    sigma_y = min(float(sigma(options.sigma_model, options.nearest_distance, int(c),
                              averaging_time=options.averaging_time)[0]) for c in np.unique(met.stability[periods]))
    raw = 0.5 * sigma_y / u_max
    return options.sampling_step / math.ceil(options.sampling_step / raw - 1e-9)


def _releases(release: PuffRelease, interval: float) -> tuple[np.ndarray, np.ndarray]:
    """Release times (interval middles) [s] and masses M_p = ∫ Q dt over each interval [kg] (exact for the
    piecewise-constant Q: the intervals are cut at the rate changes too); puffs without mass are dropped."""
    start, end = release.rate_times[0], release.rate_times[-1]
    edges = np.unique(np.concatenate([np.arange(start, end, interval), release.rate_times]))
    edges = edges[(edges >= start) & (edges <= end)]
    edges = edges[np.r_[True, np.diff(edges) > 1e-9 * interval]]
    cumulative = np.concatenate([[0.0], np.cumsum(release.rates * np.diff(release.rate_times))])
    masses = np.diff(np.interp(edges, release.rate_times, cumulative))
    middles = 0.5 * (edges[1:] + edges[:-1])
    keep = masses > 0.0
    return middles[keep], masses[keep]


def _invert_sigma(model: str, target: np.ndarray, stability: int, axis: int, averaging_time: float) -> np.ndarray:
    """Distance x [m] at which class ``stability``'s σ (axis 0: y, 1: z) equals ``target`` (bisection in log x)."""
    low = np.full(target.shape, _MIN_DISTANCE)
    high = np.full(target.shape, 1.0e6)
    for _ in range(60):
        middle = np.sqrt(low * high)
        value = sigma(model, middle, stability, averaging_time=averaging_time)[axis]
        below = value < target
        low = np.where(below, middle, low)
        high = np.where(below, high, middle)
    return np.sqrt(low * high)


@functools.lru_cache(maxsize=64)
def _sigma_table(model: str, stability: int, averaging_time: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ln x, ln σ_y, ln σ_z on _TABLE_POINTS distances from _MIN_DISTANCE to 1e6 m: the curves of
    :func:`dispersion.coefficients.sigma`, interpolated log-log in between (relative error ~1e-5, checked in
    tests/dispersion/test_puff.py), because the puff states need millions of evaluations."""
    log_x = np.linspace(math.log(_MIN_DISTANCE), math.log(1.0e6), _TABLE_POINTS)
    sy, sz = sigma(model, np.exp(log_x), stability, averaging_time=averaging_time)
    return log_x, np.log(sy), np.log(sz)


class _Curves:
    """σ_y(v_y), σ_z(v_z) [m] and the height h(s) [m] above the release base in one weather period."""

    def __init__(self, release: PuffRelease, options: PuffOptions, stability: int, wind_speed: float):
        self.model, self.cls, self.averaging_time = options.sigma_model, int(stability), options.averaging_time
        self.release_height = float(release.height)
        self.buoyancy_flux = float(release.buoyancy_flux)
        self.ambient_temperature = float(release.ambient_temperature)
        self.rise_wind = max(float(wind_speed), _MIN_RISE_WIND_SPEED)

    def sigmas(self, vy: np.ndarray, vz: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        log_x, log_sy, log_sz = _sigma_table(self.model, self.cls, float(self.averaging_time))
        return (np.exp(np.interp(np.log(np.maximum(vy, _MIN_DISTANCE)), log_x, log_sy)),
                np.exp(np.interp(np.log(np.maximum(vz, _MIN_DISTANCE)), log_x, log_sz)))

    def height(self, travel: np.ndarray) -> np.ndarray:
        if self.buoyancy_flux <= 0.0:
            return np.full(np.shape(travel), self.release_height)
        return self.release_height + np.asarray(plume_rise_briggs_buoyant(
            np.maximum(travel, 0.0), self.buoyancy_flux, self.rise_wind, self.cls, self.ambient_temperature))


def _sub_steps(curves: _Curves, vy0, vy1, vz0, vz1, s0, s1, tolerance: float, floor: float):
    """Split each straight piece (virtual distances vy, vz and travel s going linearly from ``*0`` to ``*1``) into
    sub-segments [f0, f1] ⊂ [0, 1] by bisection until σ_y, σ_z at each sub-segment's middle are within
    ``tolerance`` (relative) of the linear interpolation of their ends, and the height within ``tolerance`` σ_z;
    pieces ending before ``floor`` [m] of travel are not split (their puffs are far smaller than the distance to any
    receptor of interest). Returns (piece index, f0, f1, σ_y, σ_z, h at f0, the same at f1)."""
    piece = np.arange(vy0.size)
    f0 = np.zeros(vy0.size)
    f1 = np.ones(vy0.size)

    def at(f, i):
        sy, sz = curves.sigmas(vy0[i] + f * (vy1[i] - vy0[i]), vz0[i] + f * (vz1[i] - vz0[i]))
        return sy, sz, curves.height(s0[i] + f * (s1[i] - s0[i]))

    start = at(f0, piece)
    end = at(f1, piece)
    done = []
    for _ in range(_MAX_SPLITS):
        if piece.size == 0:
            break
        fm = 0.5 * (f0 + f1)
        middle = at(fm, piece)
        error = np.maximum.reduce([
            np.abs(middle[0] - 0.5 * (start[0] + end[0])) / middle[0],
            np.abs(middle[1] - 0.5 * (start[1] + end[1])) / middle[1],
            np.abs(middle[2] - 0.5 * (start[2] + end[2])) / middle[1]])
        split = (error > tolerance) & (s0[piece] + f1 * (s1[piece] - s0[piece]) > floor)
        keep = ~split
        done.append((piece[keep], f0[keep], f1[keep], *(a[keep] for a in start), *(a[keep] for a in end)))
        piece = np.repeat(piece[split], 2)
        f0, f1 = np.stack([f0[split], fm[split]], 1).ravel(), np.stack([fm[split], f1[split]], 1).ravel()
        start = tuple(np.stack([a[split], m[split]], 1).ravel() for a, m in zip(start, middle))
        end = tuple(np.stack([m[split], b[split]], 1).ravel() for m, b in zip(middle, end))
    if piece.size:
        done.append((piece, f0, f1, *start, *end))
    parts = [np.concatenate(column) for column in zip(*done)]
    order = np.lexsort((parts[1], parts[0]))  # by piece, then along it: a deterministic order
    return [p[order] for p in parts]


def _merge(state: dict, sigma_y: np.ndarray, sigma_z: np.ndarray, height: np.ndarray) -> dict:
    """Merge neighbouring puffs (release order) closer than _MERGE_FRACTION σ_y horizontally and _MERGE_FRACTION σ_z
    in height: mass summed, position, virtual distances and travel mass-weighted (mass and centre of mass kept)."""
    for _ in range(8):
        n = state["mass"].size
        if n < 2:
            break
        first = np.arange(0, n - 1, 2)
        second = first + 1
        distance = np.hypot(state["x"][second] - state["x"][first], state["y"][second] - state["y"][first])
        ok = ((distance <= _MERGE_FRACTION * np.minimum(sigma_y[first], sigma_y[second]))
              & (np.abs(height[second] - height[first]) <= _MERGE_FRACTION * np.minimum(sigma_z[first],
                                                                                         sigma_z[second])))
        if not np.any(ok):
            break
        a, b = first[ok], second[ok]
        ma, mb = state["mass"][a], state["mass"][b]
        total = ma + mb
        for key in ("x", "y", "vy", "vz", "travel"):
            state[key][a] = (ma * state[key][a] + mb * state[key][b]) / total
        for extra in (sigma_y, sigma_z, height):
            extra[a] = (ma * extra[a] + mb * extra[b]) / total
        state["mass"][a] = total
        keep = np.ones(n, dtype=bool)
        keep[b] = False
        state = {key: value[keep] for key, value in state.items()}
        sigma_y, sigma_z, height = sigma_y[keep], sigma_z[keep], height[keep]
    return state


def puff_states(release: PuffRelease, met: PuffMet, options: PuffOptions) -> PuffStates:
    """Release, advect, grow, sub-step and merge every puff over every sampling interval: the segments the kernel
    integrates (see the module docstring)."""
    dt = options.sampling_step
    n_steps = int(round(options.duration / dt))
    times = dt * np.arange(1, n_steps + 1)
    interval = float(options.puff_interval or automatic_puff_interval(release, met, options))
    emit, masses = _releases(release, interval)
    floor = 0.2 * options.nearest_distance
    keys = ("x", "y", "vy", "vz", "travel", "mass", "start")
    state = {key: np.zeros(0) for key in keys}
    segments: list[list[np.ndarray]] = []
    step_counts = np.zeros(n_steps, dtype=np.int64)
    released = 0
    current_class = None
    for step, t_end in enumerate(times):
        t_start = t_end - dt
        inside = met.times[(met.times > t_start) & (met.times < t_end)]
        bounds = np.concatenate([[t_start], inside, [t_end]])
        for a, b in zip(bounds[:-1], bounds[1:]):
            k = int(met.at(np.array([a]))[0])
            cls = int(met.stability[k])
            u = float(met.wind_speed[k])
            curves = _Curves(release, options, cls, u)
            if current_class is not None and cls != current_class and state["mass"].size:
                grown = state["travel"] > 0
                if np.any(grown):
                    old = _Curves(release, options, current_class, u)
                    sy, sz = old.sigmas(state["vy"][grown], state["vz"][grown])
                    state["vy"][grown] = _invert_sigma(options.sigma_model, sy, cls, 0, options.averaging_time)
                    state["vz"][grown] = _invert_sigma(options.sigma_model, sz, cls, 1, options.averaging_time)
            current_class = cls
            # Puffs released in [a, b) join at the source.
            new = (emit >= a) & (emit < b)
            count = int(np.count_nonzero(new))
            if count:
                state = {key: np.concatenate([state[key], value]) for key, value in zip(keys, (
                    np.full(count, release.x), np.full(count, release.y), np.zeros(count), np.zeros(count),
                    np.zeros(count), masses[new], emit[new]))}
                released += count
            if state["mass"].size == 0:
                continue
            start = np.maximum(state["start"], a)
            travel = u * (b - start)
            bearing = math.radians(float(met.wind_from_direction[k]) + 180.0 + options.true_north_grid_bearing)
            east, north = math.sin(bearing), math.cos(bearing)
            vy0, vz0, s0 = state["vy"], state["vz"], state["travel"]
            piece, f0, f1, sy0, sz0, h0, sy1, sz1, h1 = _sub_steps(
                curves, vy0, vy0 + travel, vz0, vz0 + travel, s0, s0 + travel, options.interpolation_tolerance, floor)
            dx, dy = east * travel[piece], north * travel[piece]
            lid = _NO_LID if cls >= 4 else float(met.mixing_height[k])
            segments.append([state["x"][piece] + f0 * dx, state["y"][piece] + f0 * dy,
                             state["x"][piece] + f1 * dx, state["y"][piece] + f1 * dy, sy0, sy1, sz0, sz1, h0, h1,
                             state["mass"][piece], (f1 - f0) * (b - start[piece]) / dt, np.full(piece.size, lid)])
            step_counts[step] += piece.size
            state["x"] = state["x"] + east * travel
            state["y"] = state["y"] + north * travel
            state["vy"], state["vz"], state["travel"] = vy0 + travel, vz0 + travel, s0 + travel
            state["start"] = np.maximum(state["start"], b)
        if options.merge and state["mass"].size > 1:
            sy, sz = curves.sigmas(state["vy"], state["vz"])
            state = _merge(state, sy, sz, curves.height(state["travel"]))
    columns = [np.concatenate(c) if segments else np.zeros(0) for c in zip(*segments)] if segments else \
        [np.zeros(0) for _ in range(13)]
    return PuffStates(times, np.concatenate([[0], np.cumsum(step_counts)]).astype(np.int64), *columns,
                      puff_interval=interval, puffs=released)


def _inside(states: PuffStates, receptors: ReceptorSet) -> np.ndarray:
    """Segments that can reach a receptor: within 6.5 σ_y of the receptors' bounding box."""
    if receptors.x.size == 0:
        return np.zeros(states.x0.size, dtype=bool)
    reach = _CUTOFF_SIGMAS * np.maximum(states.sigma_y0, states.sigma_y1)
    return ((np.maximum(states.x0, states.x1) + reach >= receptors.x.min())
            & (np.minimum(states.x0, states.x1) - reach <= receptors.x.max())
            & (np.maximum(states.y0, states.y1) + reach >= receptors.y.min())
            & (np.minimum(states.y0, states.y1) - reach <= receptors.y.max()))


def run_puff(release: PuffRelease, receptors: ReceptorSet, met: PuffMet, options: PuffOptions,
             series_receptors: np.ndarray | None = None, states: PuffStates | None = None) -> xr.Dataset:
    """Concentration statistics of a puff release at the receptors, all built from the mean concentration over each
    sampling interval (t_k − Δt, t_k] (module docstring; Δt = ``options.sampling_step``).

    Returns a Dataset:

    * ``peak`` (receptor) [kg m-3]: the largest sampling-interval mean (the shortest average the model resolves);
    * ``dose`` (receptor) [kg s m-3]: the time integral of the concentration over the simulation;
    * ``max_mean_<window>s`` (receptor) [kg m-3]: the largest mean over ``window`` seconds, windows ending at
      the sampling times, the concentration taken as 0 before the start and after the end of the simulation — a
      simulation shorter than the window gives its dose / window (never NaN);
    * ``snapshot`` (output_time, receptor) [kg m-3]: the mean over the sampling interval ending at each output time;
    * ``series`` (series_receptor, time) [kg m-3]: the mean over each sampling interval, ``time`` its end [s],
      at the receptors listed in ``series_receptors`` (indices).

    Attributes: ``puff_interval`` [s] used, ``puffs`` released, ``segments`` integrated.
    """
    from dispersion import _puff_kernels as kernels

    states = states or puff_states(release, met, options)
    n_steps = states.times.size
    order, tiles = build_tiles(receptors.x, receptors.y, options.tile_size or automatic_tile_size(receptors))
    back = np.empty_like(order)
    back[order] = np.arange(order.size)
    flat = options.terrain == "flat"
    tiled = tiled_receptors(receptors, order, terrain=not flat)
    n_rec = tiled.x.size
    release_point = kernels.Release(base_elevation=0.0 if flat else float(release.base_elevation),
                                    height=float(release.height))
    series_receptors = np.arange(0) if series_receptors is None else np.asarray(series_receptors, dtype=np.int64)
    series_index = np.full(n_rec, -1, dtype=np.int64)
    series_index[back[series_receptors]] = np.arange(series_receptors.size)
    windows = np.array([int(round(w / options.sampling_step)) for w in options.averaging_windows], dtype=np.int64)
    snapshot_index = np.full(n_steps, -1, dtype=np.int64)
    for k, t in enumerate(options.output_times):
        step = int(round(t / options.sampling_step)) - 1
        if not 0 <= step < n_steps:
            raise InputError.field("puff options", "output_times", t, f"within (0, {options.duration}] s")
        snapshot_index[step] = k
    sampling = kernels.Sampling(step=float(options.sampling_step), windows=windows, snapshot_index=snapshot_index,
                                series_index=series_index)
    # Segments that cannot reach any receptor are dropped here (order kept, so the sums are unchanged).
    keep = _inside(states, receptors)
    step_of = np.repeat(np.arange(n_steps), np.diff(states.step_ptr))
    step_ptr = np.concatenate([[0], np.cumsum(np.bincount(step_of[keep], minlength=n_steps))]).astype(np.int64)

    def column(values):
        return np.ascontiguousarray(values[keep], dtype=np.float64)

    segments = kernels.Segments(
        step_ptr=step_ptr, x0=column(states.x0), y0=column(states.y0), x1=column(states.x1), y1=column(states.y1),
        sigma_y0=column(states.sigma_y0), sigma_y1=column(states.sigma_y1), sigma_z0=column(states.sigma_z0),
        sigma_z1=column(states.sigma_z1), height0=column(states.height0), height1=column(states.height1),
        mass=column(states.mass * states.weight), mixing_height=column(states.mixing_height))
    out = kernels.Outputs(snapshots=np.zeros((len(options.output_times), n_rec)),
                          series=np.zeros((series_receptors.size, n_steps)), peak=np.zeros(n_rec),
                          dose=np.zeros(n_rec), window_max=np.zeros((windows.size, n_rec)))
    kernel = kernels.puff_parallel if options.parallel else kernels.puff_serial
    kernel(tiles, tiled, release_point, segments, sampling, out)
    snapshots, series, peak, dose, window_max = out
    data = {
        "peak": (("receptor",), peak[back], {"units": "kg m-3"}),
        "dose": (("receptor",), dose[back], {"units": "kg s m-3"}),
        "snapshot": (("output_time", "receptor"), snapshots[:, back], {"units": "kg m-3"}),
        "series": (("series_receptor", "time"), series, {"units": "kg m-3"}),
    }
    for w, window in enumerate(options.averaging_windows):
        data[f"max_mean_{int(window)}s"] = (("receptor",), window_max[w, back], {"units": "kg m-3"})
    return xr.Dataset(data, coords={"time": states.times, "output_time": np.asarray(options.output_times, float),
                                    "series_receptor": series_receptors},
                      attrs={"puff_interval": states.puff_interval, "puffs": states.puffs,
                             "segments": int(states.x0.size)})
