"""The NumPy oracle of the AERMOD kernels, its drivers: one hour at every receptor from every stack
(:func:`hour_concentration`, every pair or tabulated in ln x) and a run of hours with AERMOD's rules
(:func:`run_aermod`). The plume at one distance is ``tests/dispersion/aermod_oracle.py``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from dispersion.plume import AERMOD_DAILY_DIVISOR_FLOOR, ReceptorSet, StackSet, valid_hours
from meteo.aermet import is_tower_profile
from meteo.aermod_profiles import aermod_profiles
from meteo.aermod_tower import tower_profiles
from tests.dispersion.aermod_oracle import (
    HALF_WIDTH_SIGMAS,
    AermodHour,
    _coherent,
    _parts,
    _random,
    _random_weight,
    _stack_state,
    aermod_hour,
)
from twin.errors import InputError

__all__ = ["hour_concentration", "run_aermod", "AermodResult"]

TABLE_POINTS = 256  # distances per stack and hour in the tabulated path (1 m .. farthest receptor, log-spaced)
_TINY = 1e-300


class _Table:
    """The y-independent plume parts of each stack of a group on log-spaced distances x_k, interpolated linearly
    in ln x: ln(F_z/ũ) of the plume and of its penetrated part, ln σ_y of both, and the meander weight f_r(x_k)."""

    def __init__(self, sub: dict, met: AermodHour, elevated: bool, farthest: float):
        n_src = sub["hs"].size
        self.step = np.log(farthest) / (TABLE_POINTS - 1)  # from ln 1 m
        distances = np.exp(self.step * np.arange(TABLE_POINTS))
        x = np.tile(distances, n_src)
        rows = np.repeat(np.arange(n_src), TABLE_POINTS)
        parts = _parts(x, {k: v[rows] for k, v in sub.items()}, met, elevated)
        columns = [np.log(np.maximum(parts[k], _TINY)) for k in ("vertical", "vertical_3", "sigma_y", "sigma_y_3")]
        columns.append(_random_weight(parts, x))
        self.values = np.stack(columns, axis=-1).reshape(n_src, TABLE_POINTS, 5)

    def at(self, source, distance) -> dict:
        position = np.clip(np.log(distance) / self.step, 0.0, TABLE_POINTS - 1 - 1e-9)
        index = position.astype(np.int64)
        weight = (position - index)[:, None]
        low = self.values[source, index]
        high = self.values[source, index + 1]
        value = low + weight * (high - low)
        # a part that underflows at either node is 0 between them
        vertical = np.where(np.minimum(low[:, :2], high[:, :2]) <= np.log(_TINY) + 1.0, 0.0, np.exp(value[:, :2]))
        sigma = np.exp(value[:, 2:4])
        return dict(vertical=vertical[:, 0], vertical_3=vertical[:, 1], sigma_y=sigma[:, 0], sigma_y_3=sigma[:, 1],
                    random_weight=value[:, 4])


def _stack_directions(st: dict, met: AermodHour):
    """The direction the wind blows from at each stack [degree from grid north] (S,): the hour's, or a site tower's
    direction profile at z_mid = min(4000 m, h_s + Δh_f/2), linear between grid levels through the smaller angle
    (AERMOD PCALC)."""
    if met.wind_from_direction_profile is None:
        return np.full(st["hs"].shape, met.wind_from_direction_grid)
    z = np.minimum(4000.0, st["hs"] + 0.5 * st["final"])
    k = np.clip(np.searchsorted(met.heights, z, side="right") - 1, 0, met.heights.size - 2)
    below, above = met.wind_from_direction_profile[k], met.wind_from_direction_profile[k + 1]
    above = np.where(above - below < -180.0, above + 360.0, np.where(above - below > 180.0, above - 360.0, above))
    return below + (z - met.heights[k]) * (above - below) / (met.heights[k + 1] - met.heights[k])


def _geometry(stacks: StackSet, receptors: ReceptorSet, direction_from_grid):
    """Downwind x, crosswind y and radial r distances (S, R) [m] for wind from ``direction_from_grid`` [degree],
    one for all stacks or (S,) one each."""
    direction = np.broadcast_to(np.asarray(direction_from_grid, dtype=np.float64), stacks.x.shape)[:, None]
    s, c = np.sin(np.deg2rad(direction)), np.cos(np.deg2rad(direction))
    dx = receptors.x[None, :] - stacks.x[:, None]
    dy = receptors.y[None, :] - stacks.y[:, None]
    x = -(dx * s + dy * c)
    y = dx * c - dy * s
    return x, y, np.hypot(x, y)


def hour_concentration(stacks: StackSet, receptors: ReceptorSet, met: AermodHour, emission_rate=None, *,
                       tabulate: bool = False, stack_tip_downwash: bool = True):
    """Ground-level concentration of one hour at every receptor from every stack (module docstring).

    Parameters
    ----------
    stacks : StackSet
        Point sources (height, inner diameter [m], exit velocity [m s-1], exit temperature [K], x, y [m]).
    receptors : ReceptorSet
        Receptors (x, y [m]); flat terrain, at the ground.
    met : AermodHour
        The hour's profiles and scalars (:func:`aermod_hour`).
    emission_rate : array_like, optional
        (S,) emission rates [kg s-1]. None: unit emission, and the (S, R) matrix is returned.
    tabulate : bool
        False: every (stack, receptor) pair is evaluated. True: the y-independent parts of each stack's plume
        (F_z/ũ, σ_y, ũ, σ̃_v) are evaluated on ``TABLE_POINTS`` distances log-spaced from 1 m to the farthest receptor
        and interpolated linearly in ln x (ln F_z, ln σ_y) — the same model, several times faster; the difference
        is below 1 % of the hour's maximum in the tests (``tests/dispersion/test_aermod.py``).
    stack_tip_downwash : bool
        False: the release height is the stack height (AERMOD's NOSTD).

    Returns
    -------
    numpy.ndarray
        (R,) concentration [kg m-3], or (S, R) [s m-3] per unit emission when ``emission_rate`` is None.
    """
    st = _stack_state(stacks, met, stack_tip_downwash)
    x, y, radial = _geometry(stacks, receptors, _stack_directions(st, met))
    n_src, n_rec = x.shape
    coherent = np.zeros((n_src, n_rec))
    random = np.zeros((n_src, n_rec))
    weight = np.zeros((n_src, n_rec))
    for elevated in (True, False):
        rows = np.flatnonzero(st["elevated"] == elevated)
        if rows.size == 0:
            continue
        sub = {k: v[rows] for k, v in st.items()}
        xr_, yr_, rr_ = x[rows], y[rows], radial[rows]
        if tabulate:
            table = _Table(sub, met, elevated, max(float(rr_.max()), 2.0))
        # coherent plume: receptors at least 1 m downwind
        si, ri = np.nonzero(xr_ >= 1.0)
        if tabulate:
            parts = table.at(si, xr_[si, ri])
        else:
            parts = _parts(xr_[si, ri], {k: v[si] for k, v in sub.items()}, met, elevated)
        coherent[rows[si], ri] = _coherent(parts, yr_[si, ri])
        # random plume and meander weight: receptors at least 1 m away in any direction, evaluated at x = r
        si, ri = np.nonzero(rr_ >= 1.0)
        r = rr_[si, ri]
        if tabulate:
            parts = table.at(si, r)
        else:
            parts = _parts(r, {k: v[si] for k, v in sub.items()}, met, elevated)
        random[rows[si], ri] = _random(parts, r)
        weight[rows[si], ri] = parts["random_weight"] if tabulate else _random_weight(parts, r)
    unit = weight * random + (1.0 - weight) * coherent
    # nothing within 2.15 σ_y0 + 0.99 m of a volume source (AERMOD VCALC's XRAD)
    unit[radial < np.where(st["sy0"] > 0.0, HALF_WIDTH_SIGMAS * st["sy0"] + 0.99, 0.0)[:, None]] = 0.0
    if emission_rate is None:
        return unit
    return np.asarray(emission_rate, dtype=np.float64) @ unit


# ----------------------------------------------------------------------------------------------------------------
# A run of hours
# ----------------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AermodResult:
    """Statistics of a run (R,) [kg m-3]: highest 1-h, highest 24-h, period mean; daily means (D, R); valid hours."""

    max_1h: np.ndarray
    max_24h: np.ndarray
    period_mean: np.ndarray
    daily: np.ndarray
    valid_hours: int


def run_aermod(stacks: StackSet, emission_rates, receptors: ReceptorSet, met: xr.Dataset, *,
               true_north_grid_bearing: float = 0.0, utc_offset_hours: float = 0.0, tabulate: bool = True,
               progress=None) -> AermodResult:
    """Every hour of the AERMET dataset ``met`` (``meteo.read_aermet``) through :func:`hour_concentration`, with
    AERMOD's hour rules (``dispersion.plume`` module docstring): calm and missing hours are zero and left out; a
    day's 24-h mean is its sum over max(valid hours, 18); the period mean is over the valid hours.

    emission_rates : (S,) or (H, S) [kg s-1]; true_north_grid_bearing [degree] added to AERMET's directions;
    utc_offset_hours [h] cuts local calendar days; tabulate : the tabulated path of :func:`hour_concentration`
    (default) or every pair; progress : optional callable(hour, n_hours).
    """
    n_hours = met.sizes["time"]
    rates = np.asarray(emission_rates, dtype=np.float64)
    if rates.ndim == 1:
        rates = np.broadcast_to(rates, (n_hours, rates.size))
    if rates.shape != (n_hours, stacks.x.size):
        raise InputError.field("run_aermod", "emission_rates", rates.shape,
                               f"(S,) or (H, S) = ({n_hours}, {stacks.x.size}) kg/s")
    for name in ("convective_mixing_height", "mechanical_mixing_height", "reference_air_temperature"):
        if name not in met:
            raise InputError.field("run_aermod", name, "missing", "an AERMET dataset from meteo.read_aermet")
    valid = valid_hours(met, "aermod")
    profiles = tower_profiles(met) if is_tower_profile(met.attrs) else aermod_profiles(met)
    local = met["time"].values.astype("datetime64[ns]") + np.timedelta64(int(utc_offset_hours * 3600), "s")
    day = local.astype("datetime64[D]").astype(np.int64)
    day = day - day[0]
    n_days = int(day[-1]) + 1
    n_rec = receptors.x.size
    daily_sum = np.zeros((n_days, n_rec))
    daily_count = np.zeros(n_days)
    total = np.zeros(n_rec)
    best = np.zeros(n_rec)
    for h in range(n_hours):
        if progress is not None:
            progress(h, n_hours)
        if not valid[h]:
            continue
        hour = aermod_hour(profiles, met, h, true_north_grid_bearing=true_north_grid_bearing)
        conc = hour_concentration(stacks, receptors, hour, emission_rate=rates[h], tabulate=tabulate)
        daily_sum[day[h]] += conc
        daily_count[day[h]] += 1
        total += conc
        np.maximum(best, conc, out=best)
    daily = daily_sum / np.maximum(daily_count, AERMOD_DAILY_DIVISOR_FLOOR)[:, None]
    n_valid = int(valid.sum())
    return AermodResult(max_1h=best, max_24h=daily.max(axis=0), period_mean=total / max(n_valid, 1), daily=daily,
                        valid_hours=n_valid)
