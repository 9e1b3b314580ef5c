"""The slow NumPy oracle of ParkTwin's AERMOD kernels (dispersion/_aermod_physics.py, _aermod_kernels.py): the same
equations vectorised over (stack, receptor) pairs, one hour at all receptors from all stacks, and a loop over
hours with AERMOD's rules. The formulation and its sources are documented in dispersion/aermod.py.

Sources: Cimorelli et al. (2004), *AERMOD: Description of Model Formulation*, EPA-454/R-03-004 ("MFD", equation
numbers of that edition) and Cimorelli et al. (2005), *J. Appl. Meteor.* 44:682–693. Where the MFD leaves a detail
open the rule is the AERMOD program's (read in its calc1/calc2/sigmas/prise/iblval routines, not copied) and is
listed in ``docs/unverified.md`` ("AERMOD formulation"), which also says which MFD equation numbers were seen
(7, 28–29, 36, 38–40, 57, 68, 77, 95–100) and which are inferred from the MFD's order (the others here). Profiles: :mod:`meteo.aermod_profiles`; rise:
``tests/dispersion/aermod_rise_oracle.py``.

Flat terrain: the plume-state weight f of MFD Eq. 1 multiplies two identical states, so C = C_horizontal. Receptors
are at z = 0. Concentrations per source (Q [kg s⁻¹] → C [kg m⁻³]):

* **Stable hours** (L > 0), and convective hours for stacks at or above z_i (MFD §5.1 "injected" source):
  C_s = Q/ũ · F_y · F_z with F_z = Σ_n [g(z − h_es − 2n z_ieff) + g(z + h_es + 2n z_ieff)]/(√(2π) σ_zs)
  (MFD Eq. 54–56), h_es = h_s' + Δh_s, z_ieff = max(z_i, h_es + 2.15 σ_zs{h_es}) (MFD Eq. 68, the reflecting lid).
* **Convective hours** (L < 0, stack below z_i): the direct, indirect and penetrated sources (MFD Eqs. 58–86):
  C_c = (1 − f_p)(C_d + C_r) + f_p C_p, with the bi-Gaussian vertical PDF of w: λ_{1,2}, a_{1,2}, b_{1,2} from
  the skewness S = w̄³/σ_w³ (w̄³ = 0.125 w*³, or 1.25 w*³ z/z_i near the ground) and R = 2 (MFD Eqs. 61–66, 69–72);
  h_dj = h_s' + Δh_d + a_j w* x/ũ (MFD Eq. 63), h_rj = h_dj − Δh_i (MFD Eq. 75), σ_zj = α_b b_j w* x/ũ combined
  with the surface term and σ_b (MFD Eqs. 85–86); reflections at the ground and at z_i (direct: images +2n z_i,
  indirect: −2n z_i); the penetrated source is a stable-type Gaussian at h_ep with its own lid (MFD Eq. 76).
* **σ_y**: ambient σ_ya = (σ_v/u) x/(1 + x/(2 u T_Lys))^0.3 with T_Lys = z_im/(156 σ_v) · max(h, 0.46)/0.46 for
  stable-type plumes and σ_ya = (σ_v/u) x/(1 + 78 (0.46/max(h_s, 0.46)) σ_v x/(u z_i))^0.3 (the constant ≥ 0.7) in
  the CBL (MFD Eqs. 77–79); buoyancy-induced σ_b = β2 Δh/√2 (MFD §5.5.3); σ² = σ_a² + σ_b².
* **σ_z, stable**: σ_zes = σ_w t/(1 + σ_w t (1/(0.72 z) + N/(0.54 σ_w)))^½ (MFD Eq. 83, z = max(h_s, h_es)),
  σ_zgs = √(2/π) u* x/ũ (1 + 0.7 x/L)^{−1/3} (MFD Eq. 84), blended by h_es/z_i below z_i (MFD §5.5.1.2).
* **Meander** (MFD Eqs. 102–105 as revised in Cimorelli et al. 2005 §4): C = f_r C_R + (1 − f_r) C_C, random plume
  F_y = 1/(2π r) at radial distance r, f_r = σ_r²/(σ_r² + σ_h²) written as
  (2σ_v² + ū²(1 − exp(−r/(ũ T_r))))/ũ², ū² = ũ² − 2σ_v², T_r = 24 h (the program's BIGT; docs/unverified.md).
* **Effective parameters** ũ, σ̃_v, σ̃_w, dθ/dz̃ (MFD §5.2, Eqs. 43–44): first the values at the plume height, then
  their averages over [h − 2.15 σ_z, h] (stable) or [max(h_c − 2.15 σ̄_z, 0), min(h_c, z_i)] (CBL, h_c the height of
  the plume's centroid, which moves from the final-rise height to z_i/2 between x_f and the mixing distance
  x_m = z_i ū/σ̄_w). Stable plume rise iterates u and N between stack top and mid-rise (MFD §5.6.2).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from tests.dispersion import aermod_rise_oracle as rise
from dispersion.plume import AERMOD_DAILY_DIVISOR_FLOOR, ReceptorSet, StackSet, valid_hours
from meteo.aermod_profiles import AERMOD_G_OVER_CP, AERMOD_GRAVITY, AermodProfiles, aermod_profiles
from twin.errors import InputError

__all__ = ["AermodHour", "aermod_hour", "hour_concentration", "run_aermod", "AermodResult"]

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
        wind_from_direction_grid=value("wind_from_direction") + true_north_grid_bearing)


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


def _stack_state(stacks: StackSet, met: AermodHour) -> dict:
    """Everything AERMOD computes once per stack and hour (all (S,) arrays)."""
    hs = stacks.height
    zi = met.mixing_height
    raw_u, raw_sv, raw_sw, tg_s, pt_s = met.at(hs)
    u_s, sv_s, sw_s = _floors(raw_u, raw_sv, raw_sw)
    ta = pt_s - AERMOD_G_OVER_CP * hs  # temperature at stack top from θ (MFD §4.1.4)
    elevated = np.full(hs.shape, met.stable) | (hs >= zi)  # stable-type plume: stable hour or stack above z_i
    fb = rise.buoyancy_flux(stacks.exit_velocity, stacks.inner_diameter, stacks.exit_temperature, ta)
    fm = rise.momentum_flux(stacks.exit_velocity, stacks.inner_diameter, stacks.exit_temperature, ta)
    hsp = rise.release_height_after_downwash(hs, stacks.inner_diameter, stacks.exit_velocity, u_s)
    n_s = np.where(elevated & (tg_s > 0.0), _brunt_vaisala(tg_s, pt_s), 1e-10)
    ustar = met.friction_velocity

    # Final rise: stable type (MFD Eqs. 96-99, u and N iterated between stack top and mid-rise, ≤ 5 passes, 1 %)
    final = rise.stable_final_rise(fb, fm, u_s, n_s, release_height=hsp, friction_velocity=ustar)
    xmax = rise.stable_final_distance(fb, fm, u_s, n_s)
    if np.any(elevated):
        done = ~elevated
        for k in range(5):
            mid = hsp + 0.5 * final
            u_m, sv_m, _, tg_m, pt_m = met.at(mid)
            u_m, _, _ = _floors(u_m, sv_m, 0.0)
            u_p = 0.5 * (u_s + u_m)
            n_p = _brunt_vaisala(0.5 * (tg_s + tg_m), 0.5 * (pt_s + pt_m))
            new = rise.stable_final_rise(fb, fm, u_p, n_p, release_height=hsp, friction_velocity=ustar)
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
    # Penetration (MFD Eqs. 88-90), CBL stacks only
    depth = np.maximum(zi - hsp, 1e-6)
    penetrated, ratio = rise.penetration(fb, u_s, mixing_height=zi, release_height=np.minimum(hsp, zi - 1e-6),
                                         potential_temperature_at_zi=met.theta_at_zi,
                                         gradient_above_zi=met.gradient_above_zi)
    penetrated = np.where(elevated, 0.0, penetrated)
    he3 = hsp + rise.penetrated_rise(penetrated, ratio, mixing_height=zi, release_height=zi - depth)
    # Centroid of the CBL plume: from the final-rise height at x_f to z_i/2 at x_m = z_i ū/σ̄_w (MFD §5.2)
    x_mixed = zi * met.mean_wind_speed / met.mean_sigma_w
    x_final = np.where(x_mixed < 1.25 * xmax, 0.8 * x_mixed, xmax)
    critical_rise = np.where(x_mixed < 1.25 * xmax, rise.convective_rise_direct(x_final, fb, fm, u_s), final)
    return dict(hs=hs, hsp=hsp, u_s=u_s, sv_s=sv_s, sw_s=sw_s, tg_s=tg_s, pt_s=pt_s, n_s=n_s, fb=fb, fm=fm,
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
    z = np.maximum(np.maximum(st["hs"], he), 1e-4)
    elevated = sw * t / np.sqrt(1.0 + sw * t * (1.0 / (0.72 * z) + n / (0.54 * sw)))
    if met.stable:
        surface = np.sqrt(2.0 / np.pi) * met.friction_velocity * (x / u) * (1.0 + 0.7 * x / met.obukhov_length) ** (-1.0 / 3.0)
    else:
        surface = 0.0
    weight = np.minimum(he / met.mixing_height, 1.0)
    return np.where(he < met.mixing_height, (1.0 - weight) * surface + weight * elevated, elevated)


def _sigma_y_stable(x, he, u, sv, met: AermodHour):
    """Ambient σ_y of the stable-type plume (MFD Eqs. 77-79 with T_Lys). [m]"""
    ratio = np.maximum(MINIMUM_SIGMA_V_OVER_U, sv / u)
    time_scale = (met.mechanical_mixing_height / (156.0 * sv)) * (np.maximum(he, 0.46) / 0.46)
    return ratio * x / (1.0 + x / (2.0 * u * time_scale)) ** 0.3


def _stable_sigmas(x, he, dh, u, sv, sw, tg, theta, st, met):
    syb = rise.BETA_2 * dh / np.sqrt(2.0)
    sy = np.hypot(syb, _sigma_y_stable(x, he, u, sv, met))
    sz = np.hypot(syb, _sigma_z_stable(x, he, u, sw, tg, theta, st, met))
    return sy, sz, syb


def _reflection_height(he, x, szb, st, met):
    """z_ieff = max(z_i, h + 2.15 σ_z{h}) with σ_z from the values at h (MFD Eq. 68). [m]"""
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
    return np.maximum(met.mixing_height, he + HALF_WIDTH_SIGMAS * np.hypot(szb, sz))


def _vertical_stable(sz, he, lid):
    """F_z at the ground of a plume at ``he`` reflected at the ground and at ``lid`` (MFD Eq. 56). [m⁻¹]"""
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
    lid = _reflection_height(he, x, szb, st, met)
    zero = np.zeros(x.shape)
    return dict(vertical=_vertical_stable(sz, he, lid) / u, sigma_y=sy, vertical_3=zero, sigma_y_3=np.ones(x.shape),
                wind=u, sigma_v=sv, wind_3=u, sigma_v_3=sv, penetrated=zero)


def _crosswind(y, sy):
    """Coherent-plume F_y = exp(−y²/2σ_y²)/(√(2π) σ_y) (MFD Eq. 103). [m⁻¹]"""
    return _gauss(-(y * y) / (2.0 * sy * sy)) / (_SQRT_2PI * sy)


def _parts(x, st, met, elevated: bool):
    return _stable_parts(x, st, met) if elevated else _convective_parts(x, st, met)


def _coherent(parts, y):
    """Coherent plume C/Q [s m⁻³] from the y-independent parts."""
    return _crosswind(y, parts["sigma_y"]) * parts["vertical"] + _crosswind(y, parts["sigma_y_3"]) * parts["vertical_3"]


def _random(parts, radial):
    """Random (pancake) plume C/Q [s m⁻³] at radial distance r, F_y = 1/(2π r) (MFD Eq. 104)."""
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
    """Bi-Gaussian PDF of w (MFD Eqs. 61-66, 69-72): λ1, λ2, a1, a2, b1, b2 (a, b in units of w*)."""
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
    return (np.hypot(szb, sya), np.hypot(szb, sz1), np.hypot(szb, sz2), np.hypot(szb3, sya3), np.hypot(szb3, sza3),
            szb3)


def _vertical_convective(he1, he2, sz1, sz2, lam1, lam2, zi, sign):
    """F_z at the ground of the bi-Gaussian source with images every 2 z_i (``sign`` +1: direct, images 2n z_i,
    n ≥ 0; −1: indirect, images −2n z_i, n ≥ 1) (MFD Eqs. 59-60, 73-74). [m⁻¹]"""
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
    # centroid height (MFD §5.2)
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


def _geometry(stacks: StackSet, receptors: ReceptorSet, direction_from_grid: float):
    """Downwind x, crosswind y and radial r distances (S, R) [m] for wind from ``direction_from_grid`` [degree]."""
    s, c = np.sin(np.deg2rad(direction_from_grid)), np.cos(np.deg2rad(direction_from_grid))
    dx = receptors.x[None, :] - stacks.x[:, None]
    dy = receptors.y[None, :] - stacks.y[:, None]
    x = -(dx * s + dy * c)
    y = dx * c - dy * s
    return x, y, np.hypot(x, y)


def hour_concentration(stacks: StackSet, receptors: ReceptorSet, met: AermodHour, emission_rate=None, *,
                       tabulate: bool = False):
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

    Returns
    -------
    numpy.ndarray
        (R,) concentration [kg m-3], or (S, R) [s m-3] per unit emission when ``emission_rate`` is None.
    """
    st = _stack_state(stacks, met)
    x, y, radial = _geometry(stacks, receptors, met.wind_from_direction_grid)
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
    profiles = aermod_profiles(met)
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
