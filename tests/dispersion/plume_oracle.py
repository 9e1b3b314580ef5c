"""Slow, obviously-correct NumPy oracle of the steady Gaussian plume (the kernel's reference).

Written straight from the formulas in ``dispersion/plume.py`` (ISC3 Eq. 1-1, 1-50, 1-52), one hour at a time,
broadcasting (S, R) arrays, with ``numpy.exp`` and the published sigma functions of ``dispersion.coefficients``
(not the kernel's packed segment tables). No tiles, no culling, no fast exp. Also the NumPy baseline of
``benchmarks/plume.py``.
"""

from __future__ import annotations

import math

import numpy as np

from dispersion.coefficients import sigma
from dispersion.plume import PlumeOptions, ReceptorSet, SourceHours, StackSet


def unit_plume_hour(stacks: StackSet, receptors: ReceptorSet, hours: SourceHours, t: int, options: PlumeOptions,
                    decay: float = 0.0) -> np.ndarray:
    """Concentration [kg m-3] per unit emission [kg/s] of each stack at each receptor in hour t: shape (S, R)."""
    cls = int(hours.stability[t])
    lid = float(hours.mixing_height[t])
    ex, ey = hours.wind_to_x[t], hours.wind_to_y[t]
    dx = receptors.x[None, :] - stacks.x[:, None]
    dy = receptors.y[None, :] - stacks.y[:, None]
    x = dx * ex + dy * ey
    y = dy * ex - dx * ey
    xp = np.maximum(x, 1.0)
    sigma_y, sigma_z = sigma(options.sigma_model, xp, cls, averaging_time=options.averaging_time)
    bid = hours.bid_variance[t][:, None]
    sigma_y = np.sqrt(sigma_y**2 + bid)
    sigma_z = np.sqrt(sigma_z**2 + bid)
    u = hours.stack_wind_speed[t][:, None]
    h_e = hours.effective_height[t][:, None]
    if options.terrain == "simple":
        terrain_above_base = receptors.ground_elevation[None, :] - stacks.base_elevation[:, None]
        h = np.maximum(h_e - np.minimum(terrain_above_base, stacks.height[:, None]), 0.0)
    else:
        h = np.broadcast_to(h_e, x.shape)
    z = receptors.height[None, :]
    lateral = np.exp(-0.5 * (y / sigma_y) ** 2 - decay * xp / u)

    vertical = np.exp(-0.5 * ((z - h) / sigma_z) ** 2) + np.exp(-0.5 * ((z + h) / sigma_z) ** 2)
    if lid < 1e29:
        n = 1
        while True:
            terms = sum(np.exp(-0.5 * ((z + sign_h * h + sign_n * 2 * n * lid) / sigma_z) ** 2)
                        for sign_h in (-1, 1) for sign_n in (-1, 1))
            vertical = vertical + terms
            if terms.max(initial=0.0) < 1e-18 or n >= 50:
                break
            n += 1
    concentration = lateral * vertical / (2.0 * math.pi * u * sigma_y * sigma_z)
    well_mixed = lateral / (math.sqrt(2.0 * math.pi) * u * sigma_y * lid)
    concentration = np.where(sigma_z > 1.6 * lid, well_mixed, concentration)
    concentration = np.where(x > 1.0, concentration, 0.0)
    if cls < 4:
        concentration = np.where(h_e > lid, 0.0, concentration)
    return concentration


def plume_oracle(stacks: StackSet, rates: np.ndarray, receptors: ReceptorSet, hours: SourceHours,
                 options: PlumeOptions, decay: float = 0.0, min_hours_per_day: int = 20):
    """Hourly fields (H, P, R) and statistics (max 1-h, max daily mean, period mean; each (P, R)) [kg m-3].

    Hour rules as ``dispersion.plume`` states them: an hour with ``hours.valid`` False is zero and left out of the
    averages; under ``options.hour_rules == "aermod"`` every day has a mean, its sum over max(valid hours, 18),
    else a day needs ``min_hours_per_day`` valid hours and divides by them."""
    n_sub, n_hours, _ = rates.shape
    valid = np.asarray(hours.valid, dtype=bool)
    aermod = options.hour_rules == "aermod"
    hourly = np.zeros((n_hours, n_sub, receptors.x.size))
    for t in range(n_hours):
        if valid[t]:
            unit = unit_plume_hour(stacks, receptors, hours, t, options, decay)
            hourly[t] = rates[:, t, :] @ unit
    max_1h = hourly.max(axis=0)
    mean = hourly.sum(axis=0) / valid.sum() if valid.any() else np.zeros_like(max_1h)
    max_24h = np.full_like(max_1h, np.nan)
    for day in np.unique(hours.day):
        in_day = hours.day == day
        n_valid = int(np.sum(valid & in_day))
        if aermod:
            daily = hourly[in_day].sum(axis=0) / max(n_valid, 18)
        elif n_valid >= min_hours_per_day and n_valid > 0:
            daily = hourly[in_day].sum(axis=0) / n_valid
        else:
            continue
        max_24h = np.fmax(max_24h, daily)
    return hourly, max_1h, max_24h, mean
