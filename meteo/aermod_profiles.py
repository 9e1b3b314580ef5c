"""AERMOD's boundary-layer profiles from AERMET's scalars: wind speed, σv, σw, potential temperature and its gradient.

Sources: Cimorelli et al. (2004), *AERMOD: Description of Model Formulation*, EPA-454/R-03-004 ("MFD" below; §4.1,
equation numbers of that edition) and Cimorelli et al. (2005), *J. Appl. Meteor.* 44:682–693. Where the model
formulation leaves a detail open (the height grid, the ratio rule that anchors a profile to the observation, the
residual σw above zi, the stable θ* under AERMET's ADJ_U*), the rule is the one of the AERMOD program (public domain,
read in its windgrid/siggrid/tempgrid/metext routines, not copied) and is listed in ``docs/unverified.md``
("AERMOD formulation").

Every profile is built, as AERMOD does, on a fixed grid of heights (``AERMOD_GRID_HEIGHTS``, 0..5000 m) for each
hour; values between grid levels are linear interpolations and layer averages are integrals of that piecewise-linear
profile (:func:`interpolate_profile`, :func:`layer_average`). Arrays are (H,) per hour in, (H, Z) out.

* Wind speed [m s-1]: Monin–Obukhov similarity u(z) = (u*/κ)[ln(z/z0) − ψm(z/L) + ψm(z0/L)] (MFD Eq. 28 with ψm of
  Eq. 7 (L < 0) and Eq. 29 (L > 0, van Ulden & Holtslag 1985)); linear below 7 z0 (MFD Eq. 28); constant above zi.
  The profile is anchored to the observed wind: u_grid(z) = u_obs · u_sim(z) / u_sim(z_obs) (AERMOD XTRPWS).
* σv [m s-1]: σv² = σvc² + σvm² (MFD Eq. 38); σvm² linear from 3.6 u*² at the ground (Eq. 39) to
  min(3.6 u*², 0.25) at zim and constant above (Eq. 40); σvc² = 0.35 w*² up to zic, then linear in z to
  min(0.35 w*², 0.25) at 1.2 zic, constant above (MFD §4.1.6.2). Stable hours: σvm only.
* σw [m s-1]: σw² = σwc² + σwm² (MFD §4.1.5); σwc² = 1.6 (z/zic)^(2/3) w*² below 0.1 zic, 0.35 w*² up to zic,
  0.35 w*² exp(−6 (z − zic)/zic) above; σwm² = σwml² + σwmr², σwml = 1.3 u* (1 − z/zi)^½ below zi (0 above),
  σwmr = σwm,res · min(1, z/zi) with σwm,res = 0.02 u(zi) (MFD §4.1.5, with Eq. 36). Stable hours: σwm only.
* dθ/dz [K m-1]: stable hours (θ*/(κ z))(1 + 5 z/L) between 2 and 100 m (MFD §4.1.3, from Eqs. 8 and 20), the 2 m
  value below, exp(−(z − 100)/(0.44 max(100, zi))) decay above 100 m, ≥ 0.002; AERMET's ADJ_U* files use
  (0.74 + 4.7 z/L) and θ* = 0.08 K (AERMOD TGINIT, unverified). Convective hours: 0 below zi, the AERMET VPTG
  (≥ 0.005) up to zi + 500 m, 0.005 above, ≥ 0.002 above zi.
* θ [K]: θ(z_Tref) = T_ref + (g/cp) z_Tref, integrated through the gradient grid (MFD §4.1.4).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "AERMOD_GRID_HEIGHTS",
    "AERMOD_VON_KARMAN",
    "AERMOD_GRAVITY",
    "AERMOD_G_OVER_CP",
    "AermodProfiles",
    "psi_m_unstable",
    "psi_m_stable",
    "similarity_wind_speed",
    "similarity_theta_star",
    "theoretical_wind",
    "wind_speed_profile",
    "sigma_v_profile",
    "sigma_w_profile",
    "potential_temperature_gradient_profile",
    "potential_temperature_profile",
    "interpolate_profile",
    "layer_average",
    "rows_at",
    "aermod_profiles",
    "assemble_profiles",
]

# AERMOD's profile grid [m] (the program's GRIDHT; docs/unverified.md).
AERMOD_GRID_HEIGHTS = np.array(
    [0.0, 0.5, 1.0, 2.0, 4.0, 8.0, 14.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0, 100.0, 120.0, 140.0, 160.0,
     180.0, 200.0]
    + [250.0 + 50.0 * k for k in range(36)]      # 250 .. 2000 by 50
    + [2100.0 + 100.0 * k for k in range(30)])   # 2100 .. 5000 by 100
AERMOD_VON_KARMAN = 0.4  # κ (MFD)
AERMOD_GRAVITY = 9.80616  # g [m s-2] as the AERMOD program has it (docs/unverified.md)
AERMOD_G_OVER_CP = 0.00977  # g/cp [K m-1], dry adiabatic lapse rate as AERMOD has it (docs/unverified.md)
MINIMUM_GRID_WIND_SPEED = 0.01  # [m s-1] floor on the gridded wind (AERMOD UMINGR; docs/unverified.md)
MINIMUM_STABLE_GRADIENT = 0.002  # [K m-1] floor on dθ/dz in stable layers (AERMOD SPTGMN; docs/unverified.md)
MINIMUM_VPTG = 0.005  # [K m-1] floor on AERMET's VPTG (AERMOD METQA; MFD §4.1.3 takes 0.005 above zi + 500 m)
VPTG_LAYER_DEPTH = 500.0  # [m] layer above zi where the VPTG applies (MFD §4.1.3)
ADJ_USTAR_THETA_STAR = 0.08  # [K] θ* with ADJ_U* and no BULKRN nor measured gradient (AERMOD TGINIT; unverified)
SIGMA_W_RESIDUAL_FACTOR = 0.02  # σwm,res = 0.02 u(zi) when no σw is measured above zi (MFD §4.1.5)
_EXP_LIMIT = -50.0  # AERMOD's EXPLIM: exp(a) is taken as 0 for a ≤ −50


def psi_m_unstable(z, obukhov_length):
    """ψm for L < 0 (MFD Eq. 7; Paulson 1970): x = (1 − 16 z/L)^¼,
    ψm = 2 ln((1 + x)/2) + ln((1 + x²)/2) − 2 arctan x + π/2.  ``z``, ``obukhov_length`` [m] → [-]."""
    x = (1.0 - 16.0 * np.asarray(z) / obukhov_length) ** 0.25
    return 2.0 * np.log((1.0 + x) / 2.0) + np.log((1.0 + x * x) / 2.0) - 2.0 * np.arctan(x) + np.pi / 2.0


def psi_m_stable(z, obukhov_length):
    """ψm for L > 0 (MFD Eq. 29, van Ulden & Holtslag 1985): ψm = −17 (1 − exp(−0.29 z/L)).  [m] → [-]."""
    return -17.0 * (1.0 - np.exp(-0.29 * np.asarray(z) / obukhov_length))


def similarity_wind_speed(z, friction_velocity, obukhov_length, roughness_length):
    """u(z) = (u*/κ)[ln(z/z0) − ψm(z/L) + ψm(z0/L)] (MFD Eq. 28 with ψm of Eqs. 7/29).

    z, obukhov_length, roughness_length [m]; friction_velocity [m s-1] → [m s-1]. Broadcasts.
    """
    z = np.asarray(z, dtype=np.float64)
    length = np.asarray(obukhov_length, dtype=np.float64)
    unstable = length < 0.0
    with np.errstate(invalid="ignore"):
        psi_z = np.where(unstable, psi_m_unstable(z, np.where(unstable, length, -1.0)),
                         psi_m_stable(z, np.where(unstable, 1.0, length)))
        psi_0 = np.where(unstable, psi_m_unstable(roughness_length, np.where(unstable, length, -1.0)),
                         psi_m_stable(roughness_length, np.where(unstable, 1.0, length)))
    return (friction_velocity / AERMOD_VON_KARMAN) * (np.log(z / roughness_length) - psi_z + psi_0)


def theoretical_wind(z, reference_height, reference_speed, ustar, length, z0, zi):
    """AERMOD's "theoretical" wind at ``z`` used to scale the observation (MFD Eq. 28; the branches on the reference
    height are the program's REFWS rules): similarity between 7 z0 and zi, linear below 7 z0, constant above zi."""
    low = 7.0 * z0
    sim = lambda height: similarity_wind_speed(height, ustar, length, z0)  # noqa: E731
    with np.errstate(divide="ignore", invalid="ignore"):
        inside = sim(np.clip(z, low, zi))
        at_low = sim(low)
        at_zi = sim(zi)
        # reference inside (7 z0, zi]
        a = np.where(z <= low, at_low * z / low, np.where(z > zi, at_zi, inside))
        # reference above zi
        b = np.where(z <= low, at_low, np.where(z > zi, reference_speed, inside))
        # reference at or below 7 z0
        c = np.where(z <= low, reference_speed * (z / low) / (reference_height / low), np.where(z > zi, at_zi, inside))
    return np.where((reference_height > low) & (reference_height <= zi), a, np.where(reference_height > zi, b, c))


def wind_speed_profile(heights, *, reference_wind_speed, reference_height, friction_velocity, obukhov_length,
                       roughness_length, mixing_height):
    """Wind speed on ``heights`` [m] (Z,) for each hour (H,): the observation ``reference_wind_speed`` [m s-1] at
    ``reference_height`` [m] scaled by the similarity profile (module docstring), ≥ 0.01 m/s. → (H, Z) [m s-1]."""
    col = lambda v: np.asarray(v, dtype=np.float64)[:, None]  # noqa: E731
    args = (col(reference_height), col(reference_wind_speed), col(friction_velocity), col(obukhov_length),
            col(roughness_length), col(mixing_height))
    ratio = theoretical_wind(np.asarray(heights)[None, :], *args) / theoretical_wind(col(reference_height), *args)
    return np.maximum(col(reference_wind_speed) * ratio, MINIMUM_GRID_WIND_SPEED)


def _as_rows(heights) -> np.ndarray:
    """Heights [m] as a row shared by every hour, (1, Z), or as given when already one row per hour, (H, K)."""
    heights = np.asarray(heights, dtype=np.float64)
    return heights[None, :] if heights.ndim == 1 else heights


def sigma_v_profile(heights, *, friction_velocity, convective_velocity_scale, convective_mixing_height,
                    mechanical_mixing_height, convective):
    """σv on ``heights`` [m] (Z,) per hour (H,) (MFD Eqs. 38–40, §4.1.6.2). u*, w* [m s-1]; zic, zim [m];
    ``convective`` (H,) bool (L < 0; w* and zic are ignored otherwise). → (H, Z) [m s-1]."""
    z = _as_rows(heights)
    ustar = np.asarray(friction_velocity, dtype=np.float64)[:, None]
    zim = np.asarray(mechanical_mixing_height, dtype=np.float64)[:, None]
    conv = np.asarray(convective, dtype=bool)[:, None]
    surface = 3.6 * ustar ** 2
    top = np.minimum(surface, 0.25)
    mechanical = np.where(z <= zim, surface + (z / zim) * (top - surface), top)
    wstar = np.where(conv, np.nan_to_num(np.asarray(convective_velocity_scale, dtype=np.float64)[:, None]), 0.0)
    zic = np.where(conv, np.nan_to_num(np.asarray(convective_mixing_height, dtype=np.float64)[:, None], nan=1.0), 1.0)
    mixed = 0.35 * wstar ** 2
    residual = np.minimum(mixed, 0.25)
    above = 1.2 * zic
    convective_part = np.where(z <= zic, mixed,
                               np.where(z <= above, mixed + (z - zic) / (above - zic) * (residual - mixed), residual))
    return np.sqrt(mechanical + np.where(conv, convective_part, 0.0))


def sigma_w_profile(heights, *, friction_velocity, convective_velocity_scale, convective_mixing_height,
                    mixing_height, wind_speed_at_mixing_height, convective, residual_sigma_w=None):
    """σw on ``heights`` [m] (Z,) per hour (H,) (MFD §4.1.5, Eqs. 35–37); each part ≥ 1e-4 m/s as in AERMOD.
    u*, w*, u(zi) [m s-1]; zic, zi [m]; ``convective`` (H,) bool; ``residual_sigma_w`` (H,) [m s-1] replaces
    σwm,res = 0.02 u(zi) (a site's measured σw above zi, AERMOD METEXT). ``heights`` may be (H, K). → (H, Z)."""
    z = _as_rows(heights)
    ustar = np.asarray(friction_velocity, dtype=np.float64)[:, None]
    zi = np.asarray(mixing_height, dtype=np.float64)[:, None]
    conv = np.asarray(convective, dtype=bool)[:, None]
    residual = SIGMA_W_RESIDUAL_FACTOR * np.asarray(wind_speed_at_mixing_height, dtype=np.float64)[:, None] \
        if residual_sigma_w is None else np.asarray(residual_sigma_w, dtype=np.float64)[:, None]
    swr = residual * np.minimum(1.0, z / zi)
    swl = np.where(z < zi, 1.3 * ustar * np.sqrt(np.clip(1.0 - z / zi, 0.0, None)), 0.0)
    mechanical = np.maximum(np.sqrt(swr ** 2 + swl ** 2), 1e-4)
    wstar = np.where(conv, np.nan_to_num(np.asarray(convective_velocity_scale, dtype=np.float64)[:, None]), 0.0)
    zic = np.where(conv, np.nan_to_num(np.asarray(convective_mixing_height, dtype=np.float64)[:, None], nan=1.0), 1.0)
    arg = -6.0 * (z - zic) / zic
    with np.errstate(over="ignore"):
        variance = np.where(z <= 0.1 * zic, 1.6 * (z / zic) ** (2.0 / 3.0) * wstar ** 2,
                            np.where(z <= zic, 0.35 * wstar ** 2,
                                     np.where(arg > _EXP_LIMIT, 0.35 * wstar ** 2 * np.exp(np.minimum(arg, 0.0)), 0.0)))
    convective_part = np.maximum(np.sqrt(variance), 1e-4)
    return np.where(conv, np.sqrt(convective_part ** 2 + mechanical ** 2), mechanical)


def similarity_theta_star(*, friction_velocity, obukhov_length, air_temperature, adjusted_ustar) -> np.ndarray:
    """θ* [K] per hour (H,) of the stable gradient without a measured one: u*² T/(g κ L) (from MFD Eqs. 8 and 20;
    u* [m s-1], L [m] (its sign ignored in convective hours, where θ* is unused), T [K]), or 0.08 K when AERMET's
    ADJ_U* was applied (AERMOD TGINIT; docs/unverified.md)."""
    length = np.asarray(obukhov_length, dtype=np.float64)
    if adjusted_ustar:
        return np.full(length.shape, ADJ_USTAR_THETA_STAR)
    ustar = np.asarray(friction_velocity, dtype=np.float64)
    return ustar ** 2 * np.asarray(air_temperature, dtype=np.float64) / (
        AERMOD_GRAVITY * AERMOD_VON_KARMAN * np.where(length > 0.0, length, 1.0))


def potential_temperature_gradient_profile(heights, *, friction_velocity, obukhov_length, air_temperature,
                                           mixing_height, gradient_above_mixing_height, adjusted_ustar,
                                           theta_star=None):
    """dθ/dz on ``heights`` [m] (Z,) per hour (H,) (MFD §4.1.3; module docstring). u* [m s-1]; L, zi [m];
    ``air_temperature`` [K] (reference temperature, for θ* = u*² T/(g κ L)); ``gradient_above_mixing_height``
    [K m-1] (AERMET VPTG, used in convective hours); ``adjusted_ustar``: AERMET's ADJ_U* was applied (then the
    stable form 0.74 + 4.7 z/L and θ* = 0.08 K); ``theta_star`` (H,) [K] replaces θ* (a site's measured gradient,
    ``meteo.aermod_tower``). ``heights`` may be (H, K). → (H, Z) [K m-1]."""
    z = _as_rows(heights)
    length = np.asarray(obukhov_length, dtype=np.float64)[:, None]
    zi = np.asarray(mixing_height, dtype=np.float64)[:, None]
    stable = length > 0.0
    if theta_star is None:
        theta_star = similarity_theta_star(friction_velocity=friction_velocity, obukhov_length=obukhov_length,
                                           air_temperature=air_temperature, adjusted_ustar=adjusted_ustar)
    theta_star = np.asarray(theta_star, dtype=np.float64)[:, None]
    a, b = (0.74, 4.7) if adjusted_ustar else (1.0, 5.0)
    positive_length = np.where(stable, length, 1.0)
    form = lambda height: (theta_star / (AERMOD_VON_KARMAN * height)) * (a + b * height / positive_length)  # noqa: E731
    arg = -(z - 100.0) / (0.44 * np.maximum(100.0, zi))
    stable_gradient = np.where(z <= 2.0, form(2.0),
                               np.where(z <= 100.0, form(np.maximum(z, 2.0)),
                                        np.where(arg > _EXP_LIMIT, form(100.0) * np.exp(np.minimum(arg, 0.0)), 0.0)))
    stable_gradient = np.maximum(stable_gradient, MINIMUM_STABLE_GRADIENT)
    vptg = np.maximum(np.nan_to_num(np.asarray(gradient_above_mixing_height, dtype=np.float64)[:, None],
                                    nan=MINIMUM_VPTG), MINIMUM_VPTG)
    convective_gradient = np.where(z <= zi, 0.0, np.where(z <= zi + VPTG_LAYER_DEPTH, vptg, 0.005))
    convective_gradient = np.where(z > zi, np.maximum(convective_gradient, MINIMUM_STABLE_GRADIENT),
                                   convective_gradient)
    return np.where(stable, stable_gradient, convective_gradient)


def potential_temperature_profile(heights, gradient, *, air_temperature, temperature_height):
    """θ on ``heights`` [m] (Z,) per hour from ``gradient`` (H, Z) [K m-1]: θ(z_T) = T + (g/cp) z_T at the
    temperature height z_T [m] (MFD §4.1.4), then trapezoids of the gradient grid level by level (as AERMOD GRDPT:
    the first level below z_T takes θ(z_T) minus the mean gradient of its interval times the distance). → [K]."""
    z = np.asarray(heights, dtype=np.float64)
    temperature = np.asarray(air_temperature, dtype=np.float64)
    zt = np.asarray(temperature_height, dtype=np.float64)
    theta_ref = temperature + AERMOD_G_OVER_CP * zt
    below = np.clip(np.searchsorted(z, zt, side="right") - 1, 0, z.size - 2)
    rows = np.arange(gradient.shape[0])
    mean_gradient = 0.5 * (gradient[:, 1:] + gradient[:, :-1])  # (H, Z-1)
    steps = np.concatenate([np.zeros((gradient.shape[0], 1)), np.cumsum(mean_gradient * np.diff(z), axis=1)], axis=1)
    anchor = theta_ref - mean_gradient[rows, below] * (zt - z[below])
    return anchor[:, None] + steps - steps[rows, below][:, None]


def interpolate_profile(heights, profile, z):
    """Linear interpolation of ``profile`` (Z,) on ``heights`` (Z,) [m] at ``z`` [m] (any shape), extrapolating the
    last interval linearly above the top (as AERMOD's LOCATE/GINTRP) and holding the first level below 0."""
    z = np.asarray(z, dtype=np.float64)
    index = np.clip(np.searchsorted(heights, z, side="right") - 1, 0, heights.size - 2)
    h0 = heights[index]
    h1 = heights[index + 1]
    v0 = profile[index]
    return v0 + (z - h0) / (h1 - h0) * (profile[index + 1] - v0)


def _cumulative(heights, profile):
    return np.concatenate([[0.0], np.cumsum(0.5 * (profile[1:] + profile[:-1]) * np.diff(heights))])


def _integral_to(heights, profile, cumulative, z):
    index = np.clip(np.searchsorted(heights, z, side="right") - 1, 0, heights.size - 2)
    value = interpolate_profile(heights, profile, z)
    return cumulative[index] + (z - heights[index]) * 0.5 * (profile[index] + value)


def rows_at(heights, table, z):
    """``interpolate_profile`` of each row of ``table`` (H, Z) at its own height ``z`` (H,) [m], in one pass (AERMOD
    LOCATE/GINTRP)."""
    z = np.asarray(z, dtype=np.float64)
    index = np.clip(np.searchsorted(heights, z, side="right") - 1, 0, heights.size - 2)
    rows = np.arange(table.shape[0])
    v0 = table[rows, index]
    return v0 + (z - heights[index]) / (heights[index + 1] - heights[index]) * (table[rows, index + 1] - v0)


def _rows_mean_from_ground(heights, table, top):
    """``_mean_from_ground`` of each row of ``table`` (H, Z) up to its own ``top`` (H,), in one pass."""
    top = np.asarray(top, dtype=np.float64)
    cumulative = np.concatenate([np.zeros((table.shape[0], 1)),
                                 np.cumsum(0.5 * (table[:, 1:] + table[:, :-1]) * np.diff(heights), axis=1)], axis=1)
    index = np.clip(np.searchsorted(heights, top, side="right") - 1, 0, heights.size - 2)
    rows = np.arange(table.shape[0])
    value = rows_at(heights, table, top)
    return (cumulative[rows, index] + (top - heights[index]) * 0.5 * (table[rows, index] + value)) / top


def _mean_from_ground(heights, profile, top):
    """Mean of the piecewise-linear profile from the ground to ``top`` [m] (AERMOD ZIAVER, the mixed-layer means)."""
    return _integral_to(heights, profile, _cumulative(heights, profile), top) / top


def layer_average(heights, profile, bottom, top):
    """Mean of the piecewise-linear ``profile`` (Z,) on ``heights`` [m] between ``bottom`` and ``top`` [m] (arrays),
    with bottom ≥ 0.5 m and top ≥ 0.51 m (AERMOD ANYAVG); the value at the middle when the layer is empty."""
    bottom = np.maximum(np.asarray(bottom, dtype=np.float64), 0.5)
    top = np.maximum(np.asarray(top, dtype=np.float64), 0.51)
    cumulative = _cumulative(heights, profile)
    depth = top - bottom
    safe = np.where(depth > 1e-9, depth, 1.0)
    mean = (_integral_to(heights, profile, cumulative, top) - _integral_to(heights, profile, cumulative, bottom)) / safe
    return np.where(depth > 1e-9, mean, interpolate_profile(heights, profile, 0.5 * (bottom + top)))


@dataclass(frozen=True)
class AermodProfiles:
    """Per-hour profiles on ``heights`` (Z,) [m]: wind_speed, sigma_v, sigma_w [m s-1], potential_temperature_gradient
    [K m-1], potential_temperature [K], all (H, Z); and the layer values of the mixed layer (H,): wind_speed_at_zi,
    potential_temperature_at_zi, mean_wind_speed, mean_sigma_w (0..zi averages, AERMOD ZIAVER)."""

    heights: np.ndarray
    wind_speed: np.ndarray
    sigma_v: np.ndarray
    sigma_w: np.ndarray
    potential_temperature_gradient: np.ndarray
    potential_temperature: np.ndarray
    wind_speed_at_zi: np.ndarray
    potential_temperature_at_zi: np.ndarray
    mean_wind_speed: np.ndarray
    mean_sigma_w: np.ndarray
    wind_from_direction: np.ndarray | None = None  # (H, Z) [degree] from a site tower's levels; None: the hour's own


def assemble_profiles(heights, met, *, wind, sigma_v, sigma_w, gradient, wind_speed_at_zi,
                      wind_from_direction=None) -> AermodProfiles:
    """:class:`AermodProfiles` from the grids (H, Z): θ from the gradient anchored at the SFC temperature (AERMOD
    GRDPT), θ and the wind at zi, the 0..zi means of the wind and σw (AERMOD ZIAVER)."""
    get = lambda name: np.asarray(met[name].values, dtype=np.float64)  # noqa: E731
    zi = get("atmosphere_boundary_layer_thickness")
    theta = potential_temperature_profile(heights, gradient, air_temperature=get("reference_air_temperature"),
                                          temperature_height=get("reference_air_temperature_height"))
    return AermodProfiles(heights=np.asarray(heights, dtype=np.float64), wind_speed=wind, sigma_v=sigma_v,
                          sigma_w=sigma_w, potential_temperature_gradient=gradient, potential_temperature=theta,
                          wind_speed_at_zi=wind_speed_at_zi, potential_temperature_at_zi=rows_at(heights, theta, zi),
                          mean_wind_speed=_rows_mean_from_ground(heights, wind, zi),
                          mean_sigma_w=_rows_mean_from_ground(heights, sigma_w, zi),
                          wind_from_direction=wind_from_direction)


def aermod_profiles(met, heights=AERMOD_GRID_HEIGHTS) -> AermodProfiles:
    """The profiles of every hour of an AERMET dataset (``meteo.read_aermet``): needs friction_velocity,
    obukhov_length, surface_roughness_length, convective_velocity_scale, convective_mixing_height,
    mechanical_mixing_height, atmosphere_boundary_layer_thickness (zi), reference_wind_speed/height,
    reference_air_temperature/height, potential_temperature_gradient_above_mixing_height; the attribute
    ``aermet_options`` says whether ADJ_U* was applied. Calm hours give profiles too (the model skips them)."""
    get = lambda name: np.asarray(met[name].values, dtype=np.float64)  # noqa: E731
    ustar, length, z0 = get("friction_velocity"), get("obukhov_length"), get("surface_roughness_length")
    zi = get("atmosphere_boundary_layer_thickness")
    convective = length < 0.0
    speed = np.maximum(get("reference_wind_speed"), MINIMUM_GRID_WIND_SPEED)  # calm hours: any positive speed
    wind = wind_speed_profile(heights, reference_wind_speed=speed, reference_height=get("reference_wind_height"),
                              friction_velocity=ustar, obukhov_length=length, roughness_length=z0, mixing_height=zi)
    u_zi = rows_at(heights, wind, zi)
    sv = sigma_v_profile(heights, friction_velocity=ustar, convective_velocity_scale=get("convective_velocity_scale"),
                         convective_mixing_height=get("convective_mixing_height"),
                         mechanical_mixing_height=get("mechanical_mixing_height"), convective=convective)
    sw = sigma_w_profile(heights, friction_velocity=ustar, convective_velocity_scale=get("convective_velocity_scale"),
                         convective_mixing_height=get("convective_mixing_height"), mixing_height=zi,
                         wind_speed_at_mixing_height=u_zi, convective=convective)
    adjusted = "ADJ_U*" in str(met.attrs.get("aermet_options", ""))
    gradient = potential_temperature_gradient_profile(
        heights, friction_velocity=ustar, obukhov_length=length, air_temperature=get("reference_air_temperature"),
        mixing_height=zi, gradient_above_mixing_height=get("potential_temperature_gradient_above_mixing_height"),
        adjusted_ustar=adjusted)
    return assemble_profiles(heights, met, wind=wind, sigma_v=sv, sigma_w=sw, gradient=gradient,
                             wind_speed_at_zi=u_zi)
