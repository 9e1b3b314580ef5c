"""The slow NumPy oracle of ParkTwin's AERMOD kernels (dispersion/_aermod_physics.py, _aermod_kernels.py): the same
equations vectorised over (stack, receptor) pairs, one hour at all receptors from all stacks, and a loop over
hours with AERMOD's rules. The formulation and its sources are documented in dispersion/aermod.py.

Equations, their sources (Cimorelli et al. 2004, EPA-454/R-03-004, "MFD"; Cimorelli et al. 2005) and which details
follow the AERMOD program are in the docstring of ``dispersion/aermod.py`` and in ``docs/unverified.md``; plume rise:
``tests/dispersion/aermod_rise_oracle.py``. The hour-at-all-receptors driver and the loop over hours are in
``tests/dispersion/aermod_oracle_hours.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import xarray as xr

from dispersion.plume import StackSet
from meteo.aermod_profiles import AERMOD_G_OVER_CP, AERMOD_GRAVITY, AermodProfiles
from tests.dispersion import aermod_rise_oracle as rise

__all__ = ["AermodHour", "aermod_hour"]

MINIMUM_SIGMA_V = 0.2  # [m s-1] σv floor (MFD §4.1.6.2: "AERMOD adopts the lower limit of 0.2 m/s")
MINIMUM_SIGMA_V_OVER_U = 0.05  # σv/u floor (AERMOD SVUMIN; docs/unverified.md)
MINIMUM_SIGMA_W = 0.02  # [m s-1] σw floor (AERMOD SWMIN; docs/unverified.md)
MINIMUM_WIND_SPEED = 0.2828  # [m s-1] effective-wind floor √2·0.2 (AERMOD WSMIN; docs/unverified.md)
HALF_WIDTH_SIGMAS = 2.15  # plume half-depth in σ_z for the effective-parameter layer and z_ieff (MFD Eqs. 43, 68)
RANDOM_PLUME_TIME_SCALE = 24.0 * 3600.0  # [s] T_r of the meander weight (AERMOD BIGT; docs/unverified.md)
MAXIMUM_IMAGES_STABLE = 100
MAXIMUM_IMAGES_CONVECTIVE = 1000
_EXP_LIMIT = -50.0
_SQRT_2PI = np.sqrt(2.0 * np.pi)


def _gauss(a):
    """exp(a) for a > −50, else 0 (AERMOD's EXPLIM)."""
    return np.where(a > _EXP_LIMIT, np.exp(np.maximum(a, _EXP_LIMIT)), 0.0)


@dataclass(frozen=True)
class AermodHour:
    """One hour's met for :func:`hour_concentration`: profile rows on ``heights`` (Z,) and scalars.

    wind_speed, sigma_v, sigma_w [m s-1]; gradient [K m-1]; theta [K]; friction_velocity, convective_velocity_scale
    [m s-1] (0 when stable); obukhov_length, mixing_height, mechanical_mixing_height [m]; gradient_above_zi
    [K m-1]; theta_at_zi [K]; mean_wind_speed, mean_sigma_w [m s-1] (0..z_i); wind_from_direction_grid [degree,
    clockwise from grid north].
    """

    heights: np.ndarray
    wind_speed: np.ndarray
    sigma_v: np.ndarray
    sigma_w: np.ndarray
    gradient: np.ndarray
    theta: np.ndarray
    friction_velocity: float
    convective_velocity_scale: float
    obukhov_length: float
    mixing_height: float
    mechanical_mixing_height: float
    gradient_above_zi: float
    theta_at_zi: float
    mean_wind_speed: float
    mean_sigma_w: float
    wind_from_direction_grid: float
    wind_from_direction_profile: np.ndarray | None = None  # (Z,) [degree from grid north], a site tower's
    urban: bool = False  # the urban stable layer of an URBANOPT source (profiles and scalars are then the urban ones)
    decay: float = 0.0  # first-order decay coefficient ψ [s-1]

    @property
    def stable(self) -> bool:
        return self.obukhov_length > 0.0

    def __post_init__(self) -> None:
        table = np.stack([self.wind_speed, self.sigma_v, self.sigma_w, self.gradient, self.theta])
        steps = 0.5 * (table[:, 1:] + table[:, :-1]) * np.diff(self.heights)
        # Row-major (Z, 5) copies: gathering whole rows is several times faster than 5 strided gathers.
        object.__setattr__(self, "_rows", np.ascontiguousarray(table.T))
        object.__setattr__(self, "_slopes", np.ascontiguousarray((np.diff(table, axis=1) / np.diff(self.heights)).T))
        cumulative = np.concatenate([np.zeros((5, 1)), np.cumsum(steps, axis=1)], axis=1)
        object.__setattr__(self, "_cumulative_rows", np.ascontiguousarray(cumulative.T))

    def _locate(self, z):
        index = np.clip(np.searchsorted(self.heights, z, side="right") - 1, 0, self.heights.size - 2)
        return index, z - self.heights[index]

    def at(self, z):
        """The five profiles (wind speed, σv, σw, dθ/dz, θ) linearly interpolated at heights ``z`` [m] (N,), as a
        (5, N) array (AERMOD's LOCATE/GINTRP: the last interval extrapolated above the grid)."""
        z = np.asarray(z, dtype=np.float64)
        index, dz = self._locate(z)
        return (self._rows[index] + self._slopes[index] * dz[:, None]).T

    def _integral(self, z):
        index, dz = self._locate(z)
        base = self._rows[index]
        slope = self._slopes[index]
        return (self._cumulative_rows[index] + dz[:, None] * (base + 0.5 * slope * dz[:, None])).T

    def average(self, bottom, top):
        """The five profiles averaged over [bottom, top] [m] (N,) → (5, N): bottom ≥ 0.5 m, top ≥ 0.51 m, the value
        at the middle of an empty layer (AERMOD ANYAVG; ``meteo.aermod_profiles.layer_average``)."""
        bottom = np.maximum(np.asarray(bottom, dtype=np.float64), 0.5)
        top = np.maximum(np.asarray(top, dtype=np.float64), 0.51)
        depth = top - bottom
        full = depth > 1e-9
        mean = (self._integral(top) - self._integral(bottom)) / np.where(full, depth, 1.0)
        return np.where(full, mean, self.at(0.5 * (bottom + top)))


def aermod_hour(profiles: AermodProfiles, met: xr.Dataset, hour: int, *, true_north_grid_bearing: float) -> AermodHour:
    """Hour ``hour`` of ``profiles`` (from ``aermod_profiles(met)``) and of the AERMET dataset ``met``; wind
    directions are turned from true north onto grid north by ``true_north_grid_bearing`` [degree]."""
    value = lambda name: float(met[name].values[hour])  # noqa: E731
    wstar = value("convective_velocity_scale")
    return AermodHour(
        heights=profiles.heights, wind_speed=profiles.wind_speed[hour], sigma_v=profiles.sigma_v[hour],
        sigma_w=profiles.sigma_w[hour], gradient=profiles.potential_temperature_gradient[hour],
        theta=profiles.potential_temperature[hour], friction_velocity=value("friction_velocity"),
        convective_velocity_scale=0.0 if not np.isfinite(wstar) else wstar, obukhov_length=value("obukhov_length"),
        mixing_height=value("atmosphere_boundary_layer_thickness"),
        mechanical_mixing_height=value("mechanical_mixing_height"),
        gradient_above_zi=max(np.nan_to_num(value("potential_temperature_gradient_above_mixing_height"), nan=0.005),
                              0.005),
        theta_at_zi=float(profiles.potential_temperature_at_zi[hour]),
        mean_wind_speed=float(profiles.mean_wind_speed[hour]), mean_sigma_w=float(profiles.mean_sigma_w[hour]),
        wind_from_direction_grid=value("wind_from_direction") + true_north_grid_bearing,
        wind_from_direction_profile=None if profiles.wind_from_direction is None
        else profiles.wind_from_direction[hour] + true_north_grid_bearing)


# ----------------------------------------------------------------------------------------------------------------
# Per stack (S,): values at stack top, fluxes, final rise, penetration, centroid distances
# ----------------------------------------------------------------------------------------------------------------

def _floors(u, sv, sw):
    """The program's floors on effective values: σw ≥ 0.02, σv ≥ max(0.2, 0.05 u), u ≥ 0.2828 m/s."""
    return np.maximum(u, MINIMUM_WIND_SPEED), np.maximum(np.maximum(sv, MINIMUM_SIGMA_V), MINIMUM_SIGMA_V_OVER_U * u), \
        np.maximum(sw, MINIMUM_SIGMA_W)


def _brunt_vaisala(gradient, theta):
    """N = (g/θ dθ/dz)^½, ≥ 1e-10 s⁻¹ (MFD Eq. 58)."""
    return np.maximum(np.sqrt(np.maximum(AERMOD_GRAVITY * gradient / theta, 0.0)), 1e-10)


def _urban(final, fb, u, hs, hsp, met: AermodHour):
    """The stable final rise in the urban layer z_i (URBANOPT): unchanged below z_i or for a stack at or above it,
    else the CBL penetration rule with N² = g/θ(z_i) · 0.005 K/m (MFD Eqs. 55–56; AERMOD DISTF since v15181, the
    stack-height condition since v22112). (S,) → [m]."""
    if not met.urban:
        return final
    zi = met.mixing_height
    depth = zi - hsp
    reaches = (hsp + final >= zi) & (hs < zi)
    safe = np.where(reaches, depth, 1.0)
    ratio = np.cbrt(17.576 * fb / (u * AERMOD_GRAVITY / met.theta_at_zi * 0.005 * safe ** 3) + 0.296296)
    penetrating = np.where(ratio >= 2.0, ratio * safe, 0.75 * safe * ratio + 0.5 * safe)
    return np.where(reaches & (ratio >= 2.0 / 3.0), penetrating, final)


def _stack_state(stacks: StackSet, met: AermodHour, stack_tip_downwash: bool = True) -> dict:
    """Everything AERMOD computes once per stack and hour (all (S,) arrays); ``stack_tip_downwash`` False: the
    release height is the stack height (AERMOD's NOSTD). A volume source (release 3, AERMOD VOLUME) has no flux, rise
    or tip downwash and its initial σ_y0, σ_z0 (``sy0``, ``sz0``; zero for a stack)."""
    original = stacks
    volume = stacks.release == 3
    if volume.any():  # placeholders where a volume source has no exit conditions; its state is set below
        stacks = replace(stacks, inner_diameter=np.where(volume, 1.0, stacks.inner_diameter),
                         exit_velocity=np.where(volume, 1.0, stacks.exit_velocity),
                         exit_temperature=np.where(volume, 293.15, stacks.exit_temperature), release=np.zeros_like(
                             stacks.release), initial_sigma_y=None, initial_sigma_z=None)
    hs = stacks.height
    zi = met.mixing_height
    raw_u, raw_sv, raw_sw, tg_s, pt_s = met.at(hs)
    u_s, sv_s, sw_s = _floors(raw_u, raw_sv, raw_sw)
    ta = pt_s - AERMOD_G_OVER_CP * hs  # temperature at stack top from θ (MFD §4.1.4)
    elevated = np.full(hs.shape, met.stable) | (hs >= zi)  # stable-type plume: stable hour or stack above z_i
    fb = rise.buoyancy_flux(stacks.exit_velocity, stacks.inner_diameter, stacks.exit_temperature, ta)
    # capped (1) and horizontal (2) releases: F_m at 0.001 m/s and the same flow, F_b kept; a capped stack's tip
    # downwash at 0.001 m/s even without stack_tip_downwash, none for a horizontal one (AERMOD POINTCAP/POINTHOR)
    slow = np.where(stacks.release == 0, stacks.exit_velocity, 0.001)
    fm = rise.momentum_flux(np.sqrt(stacks.exit_velocity * slow), stacks.inner_diameter, stacks.exit_temperature, ta)
    downwashed = rise.release_height_after_downwash(hs, stacks.inner_diameter,
                                                    np.where(stacks.release == 1, 0.001, stacks.exit_velocity), u_s)
    hsp = np.where((stacks.release == 1) | ((stacks.release == 0) & stack_tip_downwash), downwashed,
                   np.maximum(hs, 0.0))
    n_s = np.where(elevated & (tg_s > 0.0), _brunt_vaisala(tg_s, pt_s), 1e-10)
    ustar = met.friction_velocity

    # Final rise: stable type (MFD Eqs. 96-99, u and N iterated between stack top and mid-rise, ≤ 5 passes, 1 %)
    final = _urban(rise.stable_final_rise(fb, fm, u_s, n_s, release_height=hsp, friction_velocity=ustar), fb, u_s,
                   hs, hsp, met)
    xmax = rise.stable_final_distance(fb, fm, u_s, n_s)
    if np.any(elevated):
        done = ~elevated
        for k in range(5):
            mid = hsp + 0.5 * final
            u_m, sv_m, _, tg_m, pt_m = met.at(mid)
            u_m, _, _ = _floors(u_m, sv_m, 0.0)
            u_p = 0.5 * (u_s + u_m)
            n_p = _brunt_vaisala(0.5 * (tg_s + tg_m), 0.5 * (pt_s + pt_m))
            new = _urban(rise.stable_final_rise(fb, fm, u_p, n_p, release_height=hsp, friction_velocity=ustar), fb, u_p,
                         hs, hsp, met)
            xmax = np.where(done, xmax, rise.stable_final_distance(fb, fm, u_p, n_p))
            converged = np.abs((final - new) / new) < 0.01
            if k == 4:
                new = np.where(converged, new, 0.5 * (new + final))
            final = np.where(done, final, new)
            done = done | converged
            if done.all():
                break
    # CBL (stack below z_i): final rise at the ISC3 distance (MFD §5.6.1)
    x_conv = rise.convective_final_distance(fb)
    final = np.where(elevated, final, rise.convective_rise_direct(x_conv, fb, fm, u_s))
    xmax = np.where(elevated, xmax, x_conv)
    # Penetration (MFD Eqs. 55–56), CBL stacks only
    depth = np.maximum(zi - hsp, 1e-6)
    penetrated, ratio = rise.penetration(fb, u_s, mixing_height=zi, release_height=np.minimum(hsp, zi - 1e-6),
                                         potential_temperature_at_zi=met.theta_at_zi,
                                         gradient_above_zi=met.gradient_above_zi)
    penetrated = np.where(elevated, 0.0, penetrated)
    he3 = hsp + rise.penetrated_rise(penetrated, ratio, mixing_height=zi, release_height=zi - depth)
    # Centroid of the CBL plume: from the final-rise height at x_f to z_i/2 at x_m = z_i ū/σ̄_w (MFD, after Eq. 43)
    x_mixed = zi * met.mean_wind_speed / met.mean_sigma_w
    x_final = np.where(x_mixed < 1.25 * xmax, 0.8 * x_mixed, xmax)
    critical_rise = np.where(x_mixed < 1.25 * xmax, rise.convective_rise_direct(x_final, fb, fm, u_s), final)
    if volume.any():  # AERMOD VCALC: FB = FM = PPF = 0, HSP = HS, no rise, XFINAL = 0
        zero = np.where(volume, 0.0, 1.0)
        fb, fm, final, xmax, penetrated = fb * zero, fm * zero, final * zero, xmax * zero, penetrated * zero
        hsp = np.where(volume, hs, hsp)
        he3 = np.where(volume, hs, he3)
        x_final, critical_rise = x_final * zero, critical_rise * zero
    return dict(sy0=np.where(volume, original.initial_sigma_y, 0.0), sz0=np.where(volume, original.initial_sigma_z, 0.0),
                hs=hs, hsp=hsp, u_s=u_s, sv_s=sv_s, sw_s=sw_s, tg_s=tg_s, pt_s=pt_s, n_s=n_s, fb=fb, fm=fm,
                final=final, xmax=xmax, elevated=elevated, penetrated=penetrated, he3=he3, x_mixed=np.full(hs.shape,
                x_mixed), x_final=x_final, critical_rise=critical_rise, ratio=ratio)


# ----------------------------------------------------------------------------------------------------------------
# Per pair (N,): stable-type plume
# ----------------------------------------------------------------------------------------------------------------

def _stable_gradual_rise(x, st: dict, met: AermodHour):
    """Δh_s at x (MFD Eq. 95) with u, N iterated between stack top and mid-rise (5..10 passes, 0.1 %), capped by
    the direct CBL rise at x and the final rise (MFD §5.6.2). (N,) → [m]."""
    dh = st["final"].copy()
    rising = x < st["xmax"]
    if not rising.any():
        return dh
    sub = {k: v[rising] for k, v in st.items()}
    xs = x[rising]
    u_s, fb, fm, hsp = sub["u_s"], sub["fb"], sub["fm"], sub["hsp"]
    ustar = met.friction_velocity

    def gradual(u, n):
        x_rise = np.minimum(xs, rise.stable_final_distance(fb, fm, u, n))
        return rise.stable_rise(x_rise, fb, fm, u, n, release_height=hsp, friction_velocity=ustar,
                                final_rise=sub["final"])

    d = gradual(u_s, sub["n_s"])
    done = np.zeros(xs.shape, dtype=bool)
    for k in range(1, 11):
        mid = hsp + 0.5 * d
        u_m, sv_m, _, tg_m, pt_m = met.at(mid)
        u_m, _, _ = _floors(u_m, sv_m, 0.0)
        n_p = _brunt_vaisala(0.5 * (sub["tg_s"] + tg_m), 0.5 * (sub["pt_s"] + pt_m))
        new = gradual(0.5 * (u_s + u_m), n_p)
        converged = (new > 0.0) & (np.abs((d - new) / np.where(new > 0.0, new, 1.0)) < 0.001) & (k >= 5)
        if k == 10:
            new = np.where(converged, new, 0.5 * (new + d))
        d = np.where(done, d, np.where(converged, np.maximum(new, 1e-5), new))
        done = done | converged
        if done.all():
            break
    d = np.minimum(np.minimum(d, rise.convective_rise_direct(xs, fb, fm, u_s)), sub["final"])
    dh[rising] = d
    return dh


def _sigma_z_stable(x, he, u, sw, tg, theta, st: dict, met: AermodHour):
    """Ambient σ_z of the stable-type plume (MFD Eqs. 83-84 and the blend below z_i); ``theta`` θ(h_es). [m]"""
    t = x / u
    n = np.where(tg > 0.0, _brunt_vaisala(tg, theta), 1e-10)
    if met.urban:  # the urban stable layer is neutral for σ_z (MFD §5.8); the lid keeps N (_reflection_height)
        n = np.zeros(np.shape(n))
    z = np.maximum(np.maximum(st["hs"], he), 1e-4)
    elevated = sw * t / np.sqrt(1.0 + sw * t * (1.0 / (0.72 * z) + n / (0.54 * sw)))
    if met.stable:
        surface = np.sqrt(2.0 / np.pi) * met.friction_velocity * (x / u) * (1.0 + 0.7 * x / met.obukhov_length) ** (-1.0 / 3.0)
    else:
        surface = 0.0
    weight = np.minimum(he / met.mixing_height, 1.0)
    return np.where(he < met.mixing_height, (1.0 - weight) * surface + weight * elevated, elevated)


def _sigma_y_stable(x, he, u, sv, met: AermodHour):
    """Ambient σ_y of the stable-type plume (MFD Eqs. 77–78 with T_Lys). [m]"""
    ratio = np.maximum(MINIMUM_SIGMA_V_OVER_U, sv / u)
    time_scale = (met.mechanical_mixing_height / (156.0 * sv)) * (np.maximum(he, 0.46) / 0.46)
    return ratio * x / (1.0 + x / (2.0 * u * time_scale)) ** 0.3


def _stable_sigmas(x, he, dh, u, sv, sw, tg, theta, st, met):
    syb = rise.BETA_2 * dh / np.sqrt(2.0)
    sy = np.sqrt(syb ** 2 + _sigma_y_stable(x, he, u, sv, met) ** 2 + st["sy0"] ** 2)
    sz = np.sqrt(syb ** 2 + _sigma_z_stable(x, he, u, sw, tg, theta, st, met) ** 2 + st["sz0"] ** 2)
    return sy, sz, syb


def _reflection_height(he, x, szb, st, met, initial=0.0):
    """z_ieff = max(z_i, h + 2.15 σ_z{h}) with σ_z from the values at h and the initial σ_z0 ``initial`` (MFD Eq. 68;
    AERMOD REFL_HT). [m]"""
    u, sv, sw, tg, theta = met.at(he)
    u, sv, sw = _floors(u, sv, sw)
    n = _brunt_vaisala(tg, theta)
    t = x / u
    z = np.maximum(np.maximum(st["hs"], he), 1e-4)
    elevated = sw * t / np.sqrt(1.0 + sw * t * (1.0 / (0.72 * z) + n / (0.54 * sw)))
    if met.stable:
        surface = np.sqrt(2.0 / np.pi) * met.friction_velocity * t * (1.0 + 0.7 * x / met.obukhov_length) ** (-1.0 / 3.0)
    else:
        surface = 0.0
    weight = np.minimum(he / met.mixing_height, 1.0)
    sz = np.where(he >= met.mixing_height, elevated, (1.0 - weight) * surface + weight * elevated)
    return np.maximum(met.mixing_height, he + HALF_WIDTH_SIGMAS * np.sqrt(szb ** 2 + sz ** 2 + initial ** 2))


def _vertical_stable(sz, he, lid):
    """F_z at the ground of a plume at ``he`` reflected at the ground and at ``lid`` (MFD §5.3). [m⁻¹]"""
    inv = -0.5 / (sz * sz)
    direct = _gauss(inv * he * he)
    total = np.zeros_like(sz)
    active = np.ones(sz.shape, dtype=bool)
    for i in range(1, MAXIMUM_IMAGES_STABLE + 1):
        two = 2.0 * i * lid
        term = _gauss(inv * (two - he) ** 2) + _gauss(inv * (two + he) ** 2)
        total = np.where(active, total + term, total)
        active = active & ~(np.abs(term) <= 5e-7 * np.abs(total))
        if not active.any():
            break
    return 2.0 * (direct + total) / (_SQRT_2PI * sz)


def _stable_parts(x, st, met):
    """Stable-type plume at downwind distances ``x`` (N,): the parts of C that do not depend on y —
    ``vertical`` F_z/ũ [s m⁻²], ``sigma_y`` [m], and ũ, σ̃_v [m s⁻¹] for the meander weight."""
    dh = _stable_gradual_rise(x, st, met)
    he = np.maximum(st["hsp"] + dh, 0.0)
    u, sv, sw, tg, theta = met.at(he)
    u, sv, sw = _floors(u, sv, sw)
    _, sz0, _ = _stable_sigmas(x, he, dh, u, sv, sw, tg, theta, st, met)
    low = he <= 5.0
    top = np.where(low, min(5.0, met.mixing_height), he)
    bottom = np.where(low, 0.0, np.maximum(he - HALF_WIDTH_SIGMAS * sz0, 0.0))
    u, sv, sw, tg, _ = met.average(bottom, top)
    u, sv, sw = _floors(u, sv, sw)
    sy, sz, szb = _stable_sigmas(x, he, dh, u, sv, sw, tg, theta, st, met)
    lid = _reflection_height(he, x, szb, st, met, st["sz0"])
    zero = np.zeros(x.shape)
    return dict(vertical=_vertical_stable(sz, he, lid) / u, sigma_y=sy, vertical_3=zero, sigma_y_3=np.ones(x.shape),
                wind=u, sigma_v=sv, wind_3=u, sigma_v_3=sv, penetrated=zero)


def _crosswind(y, sy):
    """Coherent-plume F_y = exp(−y²/2σ_y²)/(√(2π) σ_y) (MFD §5.4). [m⁻¹]"""
    return _gauss(-(y * y) / (2.0 * sy * sy)) / (_SQRT_2PI * sy)


def _parts(x, st, met, elevated: bool):
    """The y-independent parts, F_z decayed by exp(−ψ x/ũ) with ũ of the stable or the direct plume (ISC3 Eq. 1-8;
    AERMOD DECAY), ≥ e⁻⁵⁰."""
    parts = _stable_parts(x, st, met) if elevated else _convective_parts(x, st, met)
    if met.decay > 0.0:
        d = np.exp(np.maximum(-met.decay * x / parts["wind"], -50.0))
        parts = dict(parts, vertical=parts["vertical"] * d, vertical_3=parts["vertical_3"] * d)
    return parts


def _coherent(parts, y):
    """Coherent plume C/Q [s m⁻³] from the y-independent parts."""
    return _crosswind(y, parts["sigma_y"]) * parts["vertical"] + _crosswind(y, parts["sigma_y_3"]) * parts["vertical_3"]


def _random(parts, radial):
    """Random (pancake) plume C/Q [s m⁻³] at radial distance r, F_y = 1/(2π r) (MFD §5.4)."""
    return (parts["vertical"] + parts["vertical_3"]) / (2.0 * np.pi * radial)


def _random_weight(parts, radial):
    """Meander weight f_r; for a penetrated plume (1 − f_p) f_r,d + f_p f_r,p (AERMOD PCALC)."""
    p = parts["penetrated"]
    direct = _meander_weight(parts["wind"], parts["sigma_v"], radial)
    return np.where(p > 0.0, (1.0 - p) * direct + p * _meander_weight(parts["wind_3"], parts["sigma_v_3"], radial),
                    direct)


# ----------------------------------------------------------------------------------------------------------------
# Per pair (N,): convective plume (stack below z_i)
# ----------------------------------------------------------------------------------------------------------------

def _pdf(center, surface, sw, met):
    """Bi-Gaussian PDF of w (MFD Eqs. 53, 61–62 and the text after them): λ1, λ2, a1, a2, b1, b2 (a, b in units
    of w*)."""
    wstar = met.convective_velocity_scale
    w3 = np.where(surface, 1.25 * wstar ** 3 * center / met.mixing_height, 0.125 * wstar ** 3)
    skew = w3 / sw ** 3
    r = 2.0
    alpha = (1.0 + r * r) / (1.0 + 3.0 * r * r)
    beta = 1.0 + r * r
    root = np.sqrt(alpha * alpha * skew * skew + 4.0 / beta)
    a1 = (sw / wstar) * 0.5 * (alpha * skew + root)
    a2 = (sw / wstar) * 0.5 * (alpha * skew - root)
    lam1 = a2 / (a2 - a1)
    return lam1, 1.0 - lam1, a1, a2, r * a1, -r * a2


def _convective_sigmas(x, dh1, center, surface, u_d, sv_d, b1, b2, he3, u3, sv3, sw3, penetrated, dh3, st, met):
    """σ_y, σ_z1, σ_z2 of the direct/indirect sources and σ_y3, σ_z3 of the penetrated one (MFD Eqs. 77, 85-86)."""
    zi, wstar = met.mixing_height, met.convective_velocity_scale
    ratio = np.maximum(MINIMUM_SIGMA_V_OVER_U, sv_d / u_d)
    alpha_y = np.maximum(78.0 * (0.46 / np.maximum(st["hs"], 0.46)), 0.7)
    sya = ratio * x / (1.0 + alpha_y * ratio * x / zi) ** 0.3
    alpha_b = np.where(surface, 0.6 + 0.4 * center / (0.1 * zi), 1.0)
    surf = np.where(surface, 0.5 * (1.0 - 10.0 * center / zi) * (met.friction_velocity / u_d) ** 2 * x * x
                    / abs(met.obukhov_length), 0.0)
    sz1 = np.where(penetrated < 1.0, np.hypot(alpha_b * b1 * wstar * x / u_d, surf), 1.0)
    sz2 = np.where(penetrated < 1.0, np.hypot(alpha_b * b2 * wstar * x / u_d, surf), 1.0)
    szb = rise.BETA_2 * dh1 / np.sqrt(2.0)
    ratio3 = np.maximum(MINIMUM_SIGMA_V_OVER_U, sv3 / u3)
    tl3 = (met.mechanical_mixing_height / (156.0 * sv3)) * (np.maximum(he3, 0.46) / 0.46)
    sya3 = ratio3 * x / (1.0 + x / (2.0 * u3 * tl3)) ** 0.3
    t3 = x / u3
    sza3 = sw3 * t3 / np.sqrt(1.0 + sw3 * t3 / (0.72 * np.maximum(he3, 1e-4)))
    szb3 = rise.BETA_2 * penetrated * dh3 / np.sqrt(2.0)
    sy0, sz0 = st["sy0"], st["sz0"]  # a volume source's initial σ's (AERMOD VDIS), not the penetrated source's
    return (np.sqrt(szb ** 2 + sya ** 2 + sy0 ** 2), np.sqrt(szb ** 2 + sz1 ** 2 + sz0 ** 2),
            np.sqrt(szb ** 2 + sz2 ** 2 + sz0 ** 2), np.hypot(szb3, sya3), np.hypot(szb3, sza3), szb3)


def _vertical_convective(he1, he2, sz1, sz2, lam1, lam2, zi, sign):
    """F_z at the ground of the bi-Gaussian source with images every 2 z_i (``sign`` +1: direct, images 2n z_i,
    n ≥ 0; −1: indirect, images −2n z_i, n ≥ 1) (MFD Eqs. 59–60, §5.2.2). [m⁻¹]"""
    inv1, inv2 = -0.5 / (sz1 * sz1), -0.5 / (sz2 * sz2)
    total = np.zeros_like(sz1)
    active = np.ones(sz1.shape, dtype=bool)
    for i in range(0 if sign > 0 else 1, MAXIMUM_IMAGES_CONVECTIVE + 1):
        two = 2.0 * i * zi * sign
        term = (lam1 / sz1) * _gauss(inv1 * (two + he1) ** 2) + (lam2 / sz2) * _gauss(inv2 * (two + he2) ** 2)
        total = np.where(active, total + term, total)
        active = active & ~(np.abs(term) <= 5e-7 * np.abs(total))
        if not active.any():
            break
    return 2.0 * total / _SQRT_2PI


def _convective_parts(x, st, met):
    """Convective plume at downwind distances ``x`` (N,): the parts of C that do not depend on y — ``vertical``
    (1 − f_p)(F_zd + F_zr)/ũ_d and ``vertical_3`` f_p F_zp/ũ_p [s m⁻²], ``sigma_y``, ``sigma_y_3`` [m], and ũ, σ̃_v of
    the direct and penetrated sources [m s⁻¹] for the meander weight."""
    zi, wstar = met.mixing_height, met.convective_velocity_scale
    hsp, fb, fm, u_s = st["hsp"], st["fb"], st["fm"], st["u_s"]
    penetrated = st["penetrated"]
    # centroid height (MFD, the text after Eq. 43)
    xt = np.maximum(x, 1.0)
    near = np.minimum(hsp + rise.convective_rise_direct(xt, fb, fm, u_s), zi)
    start = np.minimum(hsp + st["critical_rise"], zi)
    span = st["x_mixed"] - st["x_final"]
    center = np.where(xt < st["x_final"], near,
                      np.where(xt >= st["x_mixed"], 0.5 * zi,
                               start + (xt - st["x_final"]) / np.where(span > 0, span, 1.0) * (0.5 * zi - start)))
    surface = center < 0.1 * zi
    # rise
    dh1 = rise.convective_rise_direct(x, fb, fm, u_s)
    dh2 = rise.convective_rise_indirect(x, fb, u_s, mixing_height=zi, release_height=hsp,
                                        convective_velocity_scale=wstar)
    he3 = st["he3"]
    dh3 = np.where(penetrated > 0.0, he3 - hsp, 0.0)
    # effective parameters, first guess at the centroid / penetrated height, then layer averages
    lam1, lam2, a1, a2, b1, b2 = _pdf(center, surface, st["sw_s"], met)
    u_d, sv_d, sw_d, _, _ = met.at(center)
    u_d, sv_d, sw_d = _floors(u_d, sv_d, sw_d)
    u_d = np.where(penetrated < 1.0, u_d, u_s)
    sv_d = np.where(penetrated < 1.0, sv_d, st["sv_s"])
    sw_d = np.where(penetrated < 1.0, sw_d, st["sw_s"])
    u3, sv3, sw3, _, _ = met.at(he3)
    u3, sv3, sw3 = _floors(u3, sv3, sw3)
    _, sz1, sz2, _, sz3, _ = _convective_sigmas(x, dh1, center, surface, u_d, sv_d, b1, b2, he3, u3, sv3, sw3,
                                                penetrated, dh3, st, met)
    # penetrated source: average over [he3 - 2.15 sz3, he3]
    bottom3 = np.maximum(he3 - HALF_WIDTH_SIGMAS * sz3, 0.0)
    u3a, sv3a, sw3a, _, _ = met.average(bottom3, he3)
    u3a, sv3a, sw3a = _floors(u3a, sv3a, sw3a)
    has3 = penetrated > 0.0
    u3, sv3, sw3 = np.where(has3, u3a, u_s), np.where(has3, sv3a, st["sv_s"]), np.where(has3, sw3a, st["sw_s"])
    # direct source: average over [max(hc - 2.15 mean(sz1, sz2), 0), min(hc, zi)]
    szd = 0.5 * (sz1 + sz2)
    low = center <= 5.0
    top = np.where(low, min(5.0, zi), np.minimum(center, zi))
    bottom = np.where(low, 0.0, np.maximum(center - HALF_WIDTH_SIGMAS * szd, 0.0))
    avg = top > bottom
    layer = np.where(avg, met.average(bottom, top), met.at(np.full(x.shape, zi)))
    ua, sva, swa = _floors(layer[0], layer[1], layer[2])
    direct = penetrated < 1.0
    u_d, sv_d, sw_d = np.where(direct, ua, u_d), np.where(direct, sva, sv_d), np.where(direct, swa, sw_d)
    # PDF and heights again with the averaged values
    lam1, lam2, a1, a2, b1, b2 = _pdf(center, surface, sw_d, met)
    hd1 = hsp + dh1 + a1 * wstar * x / u_d
    hd2 = hsp + dh1 + a2 * wstar * x / u_d
    sy, sz1, sz2, sy3, sz3, szb3 = _convective_sigmas(x, dh1, center, surface, u_d, sv_d, b1, b2, he3, u3, sv3, sw3,
                                                      penetrated, dh3, st, met)
    vertical = np.zeros(x.shape)
    vertical_3 = np.zeros(x.shape)
    if direct.any():
        fz_d = _vertical_convective(hd1, hd2, sz1, sz2, lam1, lam2, zi, +1.0)
        fz_r = _vertical_convective(hd1 - dh2, hd2 - dh2, sz1, sz2, lam1, lam2, zi, -1.0)
        vertical = (1.0 - penetrated) * (fz_d + fz_r) / u_d
    if has3.any():
        lid3 = _reflection_height(he3, x, szb3, st, met)
        vertical_3 = np.where(has3, penetrated * _vertical_stable(sz3, np.maximum(he3, 0.0), lid3) / u3, 0.0)
    return dict(vertical=vertical, sigma_y=sy, vertical_3=vertical_3, sigma_y_3=np.where(has3, sy3, 1.0),
                wind=u_d, sigma_v=sv_d, wind_3=u3, sigma_v_3=sv3, penetrated=penetrated)


# ----------------------------------------------------------------------------------------------------------------
# One hour
# ----------------------------------------------------------------------------------------------------------------

def _meander_weight(u, sv, radial):
    """Random-plume weight f_r (module docstring; Cimorelli et al. 2005 §4), ≤ 1."""
    mean2 = u * u - 2.0 * sv * sv
    mean = np.where(mean2 >= 0.01, np.sqrt(np.maximum(mean2, 0.0)), 0.1)
    random = 2.0 * sv * sv + mean * mean * (1.0 - np.exp(-(radial / u) / RANDOM_PLUME_TIME_SCALE))
    return np.minimum(random / (u * u), 1.0)
