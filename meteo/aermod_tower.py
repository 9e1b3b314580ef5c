"""AERMOD's profiles through a site tower's observations: wind speed and direction, σv, σw and dθ/dz on AERMOD's
grid when the AERMET profile file has several levels or measured turbulence.

Sources: Cimorelli et al. (2004), *AERMOD: Description of Model Formulation*, EPA-454/R-03-004 ("MFD"), §4.1 —
observed values are used where they exist and the similarity profiles of :mod:`meteo.aermod_profiles` fill the
gaps, shaped to pass through the observations. The rules below are those of the AERMOD program (public domain,
read in its windgrid, siggrid and tempgrid routines and in METEXT, not copied) and are listed in
``docs/unverified.md`` ("AERMOD formulation").

For a variable v with observations v_k at heights z_k (missing ones skipped) and its similarity ("reference")
profile v_ref(z), the value at a grid height z is, per hour:

* the observation itself where |z − z_k| ≤ 0.1 m;
* between the nearest observations below (z_b) and above (z_a): v = I(v_b, v_a) · v_ref(z) / I(v_ref(z_b),
  v_ref(z_a)), I the linear interpolation in z (GRDWS/NTRPWS; the same for σv, σw and dθ/dz);
* below the lowest or above the highest observation: v = v_k · v_ref(z) / v_ref(z_k) from that observation;
* with no observation in the hour: the wind speed scaled from the SFC record's reference wind, the direction the
  SFC record's, σv, σw and dθ/dz their similarity profiles.

The wind direction interpolates linearly between levels (turning through the smaller angle) and holds the nearest
observation beyond them. σw's residual above zi (MFD §4.1.5) is the mean of the measured σw at or above zi when
there is one. The temperature gradient is observed between consecutive valid temperature levels,
(T_a − T_b)/(z_a − z_b) + g/cp at their mid-height (≥ 0.002 K/m in stable hours); it enters stable hours only:
the first such level above z0 and at most 100 m gives θ* = (dθ/dz) κ z / (1 + 5 z/L), below the lowest level the
stable similarity form (no floor, no decay), above the highest the ratio to similarity up to 100 m and
exp(−(z − z_k)/(0.44 max(100, zi))) above. The grids are floored as AERMOD floors them: wind ≥ 0.01 m/s,
dθ/dz ≥ 0.002 K/m in stable hours and above zi.

Arrays are per hour (H,) or per hour and level (H, L), NaN where a level is missing; grids come out (H, Z).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from meteo.aermod_profiles import (
    AERMOD_G_OVER_CP,
    AERMOD_GRID_HEIGHTS,
    AERMOD_VON_KARMAN,
    MINIMUM_GRID_WIND_SPEED,
    MINIMUM_STABLE_GRADIENT,
    SIGMA_W_RESIDUAL_FACTOR,
    AermodProfiles,
    assemble_profiles,
    potential_temperature_gradient_profile,
    rows_at,
    sigma_v_profile,
    sigma_w_profile,
    similarity_theta_star,
    theoretical_wind,
)

__all__ = ["EXACT_LEVEL_TOLERANCE", "Brackets", "brackets", "grid_through_levels", "grid_direction",
           "observed_gradients", "tower_theta_star", "tower_grids", "tower_profiles"]

EXACT_LEVEL_TOLERANCE = 0.1  # [m] a grid height this close to an observation takes it (AERMOD GRDWS)
GRADIENT_REFERENCE_TOP = 100.0  # [m] highest observed gradient that sets θ* (AERMOD TGINIT)


class Brackets(NamedTuple):
    """For each hour and grid height (H, Z), level indices (−1 where there is none): the level taken as is, and the
    nearest valid levels below and above."""

    exact: np.ndarray
    below: np.ndarray
    above: np.ndarray


def brackets(heights: np.ndarray, level_heights: np.ndarray, valid: np.ndarray) -> Brackets:
    """:class:`Brackets` of grid ``heights`` (Z,) [m] among the valid levels (``valid`` (H, L)) at
    ``level_heights`` (H, L) [m], levels from the lowest up."""
    z = np.asarray(heights, dtype=np.float64)[None, :, None]
    level = np.where(valid, level_heights, np.nan)[:, None, :]
    n_levels = level.shape[-1]
    with np.errstate(invalid="ignore"):
        exact = np.abs(level - z) <= EXACT_LEVEL_TOLERANCE
        below = level < z - EXACT_LEVEL_TOLERANCE
        above = level > z + EXACT_LEVEL_TOLERANCE
    first = lambda mask: np.where(mask.any(-1), np.argmax(mask, axis=-1), -1)  # noqa: E731
    last = np.where(below.any(-1), n_levels - 1 - np.argmax(below[..., ::-1], axis=-1), -1)
    return Brackets(first(exact), last, first(above))


def _take(values: np.ndarray, index: np.ndarray) -> np.ndarray:
    """values (H, L) at index (H, Z) (−1 → NaN)."""
    rows = np.arange(values.shape[0])[:, None]
    return np.where(index >= 0, values[rows, np.maximum(index, 0)], np.nan)


def _lerp(z0, v0, z1, v1, z):
    """AERMOD GINTRP: v0 + (z − z0)(v1 − v0)/(z1 − z0)."""
    return v0 + (z - z0) * (v1 - v0) / (z1 - z0)


def grid_through_levels(heights, level_heights, level_values, reference, fallback, *, ratio_floor=None):
    """``level_values`` (H, L) (NaN missing) on the grid ``heights`` (Z,) through ``reference(z)`` — a function of
    per-hour heights (H, K) [m] returning the similarity values (H, K) — as the module docstring says;
    ``fallback`` (H, Z) where an hour has no valid level. ``ratio_floor``: when |v_ref| at the interpolation
    nodes differs by no more than it, the plain interpolation (AERMOD NTRPTG's 1e-4). → (H, Z)."""
    z = np.asarray(heights, dtype=np.float64)
    valid = np.isfinite(level_values) & np.isfinite(level_heights)
    b = brackets(z, level_heights, valid)
    grid = np.broadcast_to(z[None, :], b.exact.shape)
    ref_grid = reference(grid)
    ref_levels = reference(np.where(np.isfinite(level_heights), level_heights, 1.0))
    zb, vb, rb = (_take(a, b.below) for a in (level_heights, level_values, ref_levels))
    za, va, ra = (_take(a, b.above) for a in (level_heights, level_values, ref_levels))
    with np.errstate(invalid="ignore", divide="ignore"):
        between = _lerp(zb, vb, za, va, grid)
        ref_between = _lerp(zb, rb, za, ra, grid)
        inside = between * ref_grid / ref_between
        if ratio_floor is not None:
            inside = np.where(np.abs(ra - rb) > ratio_floor, inside, between)
        from_below = vb * ref_grid / rb
        from_above = va * ref_grid / ra
    value = np.where(b.below >= 0, np.where(b.above >= 0, inside, from_below), from_above)
    value = np.where(b.exact >= 0, _take(level_values, b.exact), value)
    none = (b.exact < 0) & (b.below < 0) & (b.above < 0)
    return np.where(none, fallback, value)


def _wrap(direction):
    """Into (0, 360] as AERMOD keeps directions."""
    direction = np.where(direction > 360.0, direction - 360.0, direction)
    return np.where(direction <= 0.0, direction + 360.0, direction)


def grid_direction(heights, level_heights, level_directions, reference_direction) -> np.ndarray:
    """The wind direction [degree] (H, Z): observations as they are, linear between levels through the smaller
    angle, the nearest observation beyond them, the SFC record's ``reference_direction`` (H,) in an hour without
    one (AERMOD GRDWD; its similarity direction is constant, so the ratios are 1)."""
    z = np.asarray(heights, dtype=np.float64)
    valid = np.isfinite(level_directions) & np.isfinite(level_heights)
    b = brackets(z, level_heights, valid)
    grid = np.broadcast_to(z[None, :], b.exact.shape)
    zb, vb = _take(level_heights, b.below), _take(level_directions, b.below)
    za, va = _take(level_heights, b.above), _take(level_directions, b.above)
    with np.errstate(invalid="ignore"):
        va = np.where(va - vb < -180.0, va + 360.0, np.where(va - vb > 180.0, va - 360.0, va))
        inside = _wrap(_lerp(zb, vb, za, va, grid))
    value = np.where(b.below >= 0, np.where(b.above >= 0, inside, _wrap(vb)), _wrap(_take(level_directions, b.above)))
    value = np.where(b.exact >= 0, _wrap(_take(level_directions, b.exact)), value)
    none = (b.exact < 0) & (b.below < 0) & (b.above < 0)
    return np.where(none, _wrap(np.asarray(reference_direction, dtype=np.float64))[:, None], value)


def observed_gradients(level_heights, level_temperatures, stable):
    """dθ/dz between consecutive valid temperature levels [K m-1] at their mid-heights [m], (H, L − 1) each, NaN
    where there is none (AERMOD COMPTG); ≥ 0.002 K/m in ``stable`` (H,) hours."""
    n_hours, n_levels = level_temperatures.shape
    gradient = np.full((n_hours, max(n_levels - 1, 1)), np.nan)
    middle = np.full_like(gradient, np.nan)
    valid = np.isfinite(level_temperatures) & np.isfinite(level_heights)
    for h in np.flatnonzero(valid.sum(axis=1) >= 2):
        k = np.flatnonzero(valid[h])
        z, t = level_heights[h, k], level_temperatures[h, k]
        gradient[h, :k.size - 1] = np.diff(t) / np.diff(z) + AERMOD_G_OVER_CP
        middle[h, :k.size - 1] = 0.5 * (z[1:] + z[:-1])
    gradient = np.where(np.asarray(stable)[:, None], np.maximum(gradient, MINIMUM_STABLE_GRADIENT), gradient)
    return middle, gradient


def tower_theta_star(middle, gradient, *, roughness_length, obukhov_length, stable):
    """θ* [K] (H,) from the first observed gradient above z0 when it is at most 100 m up, in stable hours
    (AERMOD TGINIT: θ* = (dθ/dz) κ z/(1 + 5 z/L)); NaN where the similarity θ* applies."""
    above = np.isfinite(gradient) & (middle > np.asarray(roughness_length)[:, None])
    k = np.argmax(above, axis=1)
    rows = np.arange(middle.shape[0])
    z, g = middle[rows, k], gradient[rows, k]
    usable = above.any(axis=1) & (z <= GRADIENT_REFERENCE_TOP) & np.asarray(stable)
    length = np.asarray(obukhov_length, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(usable, g * AERMOD_VON_KARMAN * z / (1.0 + 5.0 * z / np.where(usable, length, 1.0)), np.nan)


def _stable_below_lowest(z, theta_star, length, adjusted):
    """AERMOD XTRPDN in stable hours: the similarity form (θ*/(κ z))(a + b z/L) at ``z`` [m] (at 2 m below 2 m), no
    floor and no decay (MFD §4.1.3; ``theta_star`` [K], ``length`` L [m], (H,) each) → dθ/dz [K m-1] (H, Z)."""
    a, b = (0.74, 4.7) if adjusted else (1.0, 5.0)
    height = np.maximum(z, 2.0)
    return (theta_star[:, None] / (AERMOD_VON_KARMAN * height)) * (a + b * height / length[:, None])


def tower_grids(heights, *, levels: dict, sfc_wind: tuple, scalars: dict, adjusted_ustar: bool) -> dict:
    """The grids of every hour through the tower's ``levels`` (``height``, ``wind_speed``,
    ``wind_from_direction``, ``air_temperature``, ``sigma_v``, ``sigma_w``: (H, L), NaN missing), ``sfc_wind``
    (speed [m s-1], height [m], direction [degree]) the SFC record's (H,), ``scalars`` the AERMET ones (H,):
    friction_velocity [m s-1], obukhov_length [m], roughness_length [m], convective_velocity_scale [m s-1],
    convective_mixing_height, mechanical_mixing_height, mixing_height [m], air_temperature [K],
    gradient_above_mixing_height [K m-1]; ``heights`` (Z,) [m].

    Returns wind_speed [m s-1], wind_from_direction [degree], sigma_v, sigma_w [m s-1],
    potential_temperature_gradient [K m-1] (H, Z) and wind_speed_at_zi [m s-1] (H,)."""
    s = scalars
    ustar, length, z0, zi = s["friction_velocity"], s["obukhov_length"], s["roughness_length"], s["mixing_height"]
    convective = length < 0.0
    col = lambda v: np.asarray(v, dtype=np.float64)[:, None]  # noqa: E731
    ref_speed, ref_height, ref_direction = (np.asarray(v, dtype=np.float64) for v in sfc_wind)
    ref_speed = np.maximum(ref_speed, MINIMUM_GRID_WIND_SPEED)
    z = np.asarray(heights, dtype=np.float64)
    wind_args = (col(ref_height), col(ref_speed), col(ustar), col(length), col(z0), col(zi))
    wind_ref = lambda zz: theoretical_wind(zz, *wind_args)  # noqa: E731
    no_level = ref_speed[:, None] * wind_ref(z[None, :]) / wind_ref(col(ref_height))
    wind = np.maximum(grid_through_levels(z, levels["height"], levels["wind_speed"], wind_ref, no_level),
                      MINIMUM_GRID_WIND_SPEED)
    direction = grid_direction(z, levels["height"], levels["wind_from_direction"], ref_direction)
    u_zi = rows_at(z, wind, zi)

    sv_ref = lambda zz: sigma_v_profile(  # noqa: E731
        zz, friction_velocity=ustar, convective_velocity_scale=s["convective_velocity_scale"],
        convective_mixing_height=s["convective_mixing_height"],
        mechanical_mixing_height=s["mechanical_mixing_height"], convective=convective)
    sigma_v = grid_through_levels(z, levels["height"], levels["sigma_v"], sv_ref, sv_ref(z))

    measured_above = np.where(levels["height"] >= col(zi), levels["sigma_w"], np.nan)
    count = np.isfinite(measured_above).sum(axis=1)
    with np.errstate(invalid="ignore"):
        residual = np.where(count > 0, np.nansum(measured_above, axis=1) / np.maximum(count, 1),
                            SIGMA_W_RESIDUAL_FACTOR * u_zi)
    sw_ref = lambda zz: sigma_w_profile(  # noqa: E731
        zz, friction_velocity=ustar, convective_velocity_scale=s["convective_velocity_scale"],
        convective_mixing_height=s["convective_mixing_height"], mixing_height=zi,
        wind_speed_at_mixing_height=u_zi, convective=convective, residual_sigma_w=residual)
    sigma_w = grid_through_levels(z, levels["height"], levels["sigma_w"], sw_ref, sw_ref(z))

    stable = ~convective
    middle, gradient = observed_gradients(levels["height"], levels["air_temperature"], stable)
    measured_theta_star = tower_theta_star(middle, gradient, roughness_length=z0, obukhov_length=length,
                                           stable=stable)
    similarity = potential_temperature_gradient_profile(
        z, friction_velocity=ustar, obukhov_length=length, air_temperature=s["air_temperature"], mixing_height=zi,
        gradient_above_mixing_height=s["gradient_above_mixing_height"], adjusted_ustar=adjusted_ustar)
    theta_star = similarity_theta_star(friction_velocity=ustar, obukhov_length=length,
                                       air_temperature=s["air_temperature"], adjusted_ustar=adjusted_ustar)
    theta_star = np.where(np.isfinite(measured_theta_star), measured_theta_star, theta_star)
    tg_ref = lambda zz: potential_temperature_gradient_profile(  # noqa: E731
        zz, friction_velocity=ustar, obukhov_length=length, air_temperature=s["air_temperature"], mixing_height=zi,
        gradient_above_mixing_height=s["gradient_above_mixing_height"], adjusted_ustar=adjusted_ustar,
        theta_star=theta_star)
    reference_gradient = tg_ref(z)
    observed = _grid_gradient(z, middle, gradient, tg_ref, reference_gradient, zi,
                              _stable_below_lowest(z[None, :], theta_star, length, adjusted_ustar))
    grid_gradient = np.where(stable[:, None], observed, similarity)
    floor = stable[:, None] | (z[None, :] > col(zi))
    grid_gradient = np.where(floor, np.maximum(grid_gradient, MINIMUM_STABLE_GRADIENT), grid_gradient)
    return {"wind_speed": wind, "wind_from_direction": direction, "sigma_v": sigma_v, "sigma_w": sigma_w,
            "potential_temperature_gradient": grid_gradient, "wind_speed_at_zi": u_zi}


def _grid_gradient(z, middle, gradient, reference, fallback, zi, below_lowest):
    """dθ/dz through the observed gradients (AERMOD GRDPTG, stable hours): exact, NTRPTG between (plain
    interpolation where the reference differs by ≤ 1e-4), XTRPDN below the lowest, XTRPTG above the highest (the
    ratio when that level is at most 100 m up, else exponential decay); ``fallback`` without observations."""
    valid = np.isfinite(gradient)
    b = brackets(z, middle, valid)
    grid = np.broadcast_to(z[None, :], b.exact.shape)
    between_all = grid_through_levels(z, middle, gradient, reference, fallback, ratio_floor=1e-4)
    zb, vb = _take(middle, b.below), _take(gradient, b.below)
    ref_levels = reference(np.where(np.isfinite(middle), middle, 1.0))
    rb = _take(ref_levels, b.below)
    ref_grid = reference(grid)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        ratio = np.where(np.abs(rb) < 1e-4, 1.0, ref_grid / rb)
        decay = np.exp(-(grid - zb) / (0.44 * np.maximum(100.0, np.asarray(zi)[:, None])))
        from_below = np.where(zb <= GRADIENT_REFERENCE_TOP, ratio * vb, vb * decay)
    value = np.where(b.below >= 0, np.where(b.above >= 0, between_all, from_below), below_lowest)
    value = np.where(b.exact >= 0, _take(gradient, b.exact), value)
    none = (b.exact < 0) & (b.below < 0) & (b.above < 0)
    return np.where(none, fallback, value)


def tower_profiles(met, heights=AERMOD_GRID_HEIGHTS) -> AermodProfiles:
    """:class:`meteo.aermod_profiles.AermodProfiles` of every hour of an AERMET dataset whose profile file is a site
    tower (``meteo.read_aermet`` keeps its levels as ``profile_*`` variables on (time, profile_level)), with the
    wind direction grid. Needs what ``aermod_profiles`` needs and the SFC record's reference wind."""
    get = lambda name: np.asarray(met[name].values, dtype=np.float64)  # noqa: E731
    names = ("height", "wind_speed", "wind_from_direction", "air_temperature", "sigma_v", "sigma_w")
    levels = {name: get(f"profile_{name}") for name in names}
    scalars = {
        "friction_velocity": get("friction_velocity"), "obukhov_length": get("obukhov_length"),
        "roughness_length": get("surface_roughness_length"),
        "convective_velocity_scale": get("convective_velocity_scale"),
        "convective_mixing_height": get("convective_mixing_height"),
        "mechanical_mixing_height": get("mechanical_mixing_height"),
        "mixing_height": get("atmosphere_boundary_layer_thickness"),
        "air_temperature": get("reference_air_temperature"),
        "gradient_above_mixing_height": get("potential_temperature_gradient_above_mixing_height"),
    }
    sfc_wind = (get("aermet_sfc_wind_speed"), get("aermet_sfc_wind_height"), get("aermet_sfc_wind_from_direction"))
    grids = tower_grids(heights, levels=levels, sfc_wind=sfc_wind, scalars=scalars,
                        adjusted_ustar="ADJ_U*" in str(met.attrs.get("aermet_options", "")))
    return assemble_profiles(heights, met, wind=grids["wind_speed"], sigma_v=grids["sigma_v"],
                             sigma_w=grids["sigma_w"], gradient=grids["potential_temperature_gradient"],
                             wind_speed_at_zi=grids["wind_speed_at_zi"],
                             wind_from_direction=grids["wind_from_direction"])
