"""SLAB dense-gas dispersion (public API): releases heavier than air — evaporating pools, horizontal and vertical
jets (two-phase with aerosol), instantaneous releases — after D. L. Ermak, *User's Manual for SLAB: An Atmospheric
Dispersion Model for Denser-than-Air Releases*, UCRL-MA-105607, Lawrence Livermore National Laboratory, 1990.

SLAB integrates layer-averaged conservation equations of mass, momentum, energy and species for one cloud: a steady
plume for a continuous release (in the downwind distance), a transient puff for an instantaneous release or once a
finite-duration plume has fully left the source (in time). Gravity slumping, entrainment at the top and sides, ground
friction and heat transfer, aerosol evaporation with humidity, and the hand-over to passive dispersion all follow
from the same equations. The kernels are ParkTwin's own Numba code (``_dense_gas_*`` modules); this module holds the
validated inputs, the deck reader and the concentration queries.

Units: SI ([m], [s], [kg], [K], [Pa]); concentrations are **volume fractions** (multiply by 1e6 for ppm) averaged
over ``SlabOptions.averaging_time``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dispersion._dense_gas_driver import run_slab_kernel
from dispersion._dense_gas_output import A_COUNT, concentration_points, time_averaged_table
from dispersion._dense_gas_output import A_BBC, A_BETAC, A_BETAX, A_BX, A_CC, A_CMAX, A_SIG, A_TCLD, A_TIMP
from dispersion._dense_gas_output import A_XCC, A_ZM, A_TCC
from dispersion._dense_gas_state import (
    I_ALA, I_AREA, I_CMED0, I_COUNT, I_CPS, I_CPSL, I_DHE, I_HS, I_IDSPL, I_NCALC, I_PA, I_QS, I_QTIS, I_RH,
    I_RHOSL, I_SPB, I_SPC, I_STAB, I_TA, I_TBP, I_TS, I_TSD, I_UA, I_WMS, I_XFFM, I_Z0, I_ZA, N_STATIONS,
    O_ALA, O_COUNT, O_HMX, O_IDSPL, O_NXTR, O_RHOA, O_RHOS, O_STAB, O_STATUS, O_USTAR, P_COUNT,
    R_B, R_BB, R_BBX, R_BETA, R_BX, R_CM, R_COUNT, R_CV, R_H, R_RHO, R_T, R_U, R_UA, R_V, R_VG, R_W, R_X, R_ZC,
    S_COUNT,
)
from twin.constants import STANDARD_PRESSURE
from twin.errors import InputError

__all__ = ["SlabRelease", "SlabMet", "SlabOptions", "SlabResult", "run_slab", "slab_concentration",
           "slab_peak_concentration", "read_slab_input", "slab_listing_tables", "SOURCE_TYPES"]

SOURCE_TYPES = {"evaporating_pool": 1, "horizontal_jet": 2, "vertical_jet": 3, "instantaneous": 4}
_WHERE = "SLAB release"


def _check(where: str, name: str, value: float, ok: bool, allowed: str) -> None:
    if not ok:
        raise InputError.field(where, name, value, allowed)


@dataclass(frozen=True)
class SlabRelease:
    """Released material and source (SLAB deck lines 1–17). molecular_weight [kg/mol]; heat capacities
    [J/(kg K)]; boiling_temperature, source_temperature [K]; liquid_mass_fraction [-] (aerosol at the source);
    heat_of_vaporization [J/kg]; liquid_density [kg/m³]; saturation_pressure_b/c [K] (p_sat/p_a =
    exp(A − B/(T + C)); None → B = L·M/R, C = 0); rate [kg/s]; source_area [m²] (pool, jet exit, or the area of an
    instantaneous cloud); duration [s]; instantaneous_mass [kg] (type "instantaneous"); height [m]."""

    source_type: str
    molecular_weight: float
    vapour_heat_capacity: float
    boiling_temperature: float
    liquid_mass_fraction: float
    heat_of_vaporization: float
    liquid_heat_capacity: float
    liquid_density: float
    saturation_pressure_b: float | None
    saturation_pressure_c: float
    source_temperature: float
    rate: float
    source_area: float
    duration: float
    instantaneous_mass: float = 0.0
    height: float = 0.0

    def __post_init__(self) -> None:
        _check(_WHERE, "source_type", self.source_type, self.source_type in SOURCE_TYPES,
               f"one of {sorted(SOURCE_TYPES)}")
        wm = self.molecular_weight
        if 2.0 <= wm <= 1000.0:
            raise InputError.field(_WHERE, "molecular_weight", wm,
                                   f"in kg/mol (0.002–1), not g/mol: did you mean {wm / 1000.0:g}?")
        _check(_WHERE, "molecular_weight", wm, 0.002 <= wm <= 1.0, "in kg/mol, 0.002–1")
        for name in ("vapour_heat_capacity", "liquid_heat_capacity"):
            value = getattr(self, name)
            _check(_WHERE, name, value, 100.0 <= value <= 20000.0, "in J/(kg K), 100–20000 (not kJ/(kg K))")
        _check(_WHERE, "heat_of_vaporization", self.heat_of_vaporization,
               1.0e4 <= self.heat_of_vaporization <= 1.0e7, "in J/kg, 1e4–1e7 (not kJ/kg)")
        for name in ("boiling_temperature", "source_temperature"):
            value = getattr(self, name)
            _check(_WHERE, name, value, 20.0 <= value <= 1500.0, "in K, 20–1500 (not °C)")
        _check(_WHERE, "liquid_mass_fraction", self.liquid_mass_fraction, 0.0 <= self.liquid_mass_fraction < 1.0,
               "a mass fraction in [0, 1), not percent")
        _check(_WHERE, "liquid_density", self.liquid_density, 100.0 <= self.liquid_density <= 25000.0,
               "in kg/m3, 100–25000")
        if self.saturation_pressure_b is not None:
            _check(_WHERE, "saturation_pressure_b", self.saturation_pressure_b, self.saturation_pressure_b > 0.0,
                   "> 0 K, or None for the Clausius–Clapeyron default")
            _check(_WHERE, "saturation_pressure_c", self.saturation_pressure_c,
                   self.boiling_temperature + self.saturation_pressure_c > 0.0, "with boiling_temperature + C > 0 K")
        instantaneous = self.source_type == "instantaneous"
        _check(_WHERE, "rate", self.rate, math.isfinite(self.rate) and self.rate >= 0.0 and
               (instantaneous or self.rate > 0.0), "finite, > 0 kg/s (>= 0 for an instantaneous release)")
        _check(_WHERE, "source_area", self.source_area, math.isfinite(self.source_area) and self.source_area > 0.0,
               "finite, > 0 m2")
        _check(_WHERE, "duration", self.duration, math.isfinite(self.duration) and self.duration >= 0.0 and
               (instantaneous or self.duration > 0.0),
               "finite, > 0 s (SLAB needs a finite duration: give the release's real or a long one)")
        _check(_WHERE, "instantaneous_mass", self.instantaneous_mass,
               self.instantaneous_mass >= 0.0 and (not instantaneous or self.instantaneous_mass > 0.0
                                                   or self.rate * self.duration > 0.0),
               ">= 0 kg, and > 0 kg (or rate·duration > 0) for an instantaneous release")
        _check(_WHERE, "height", self.height, 0.0 <= self.height < 1000.0, "in m, 0–1000")


@dataclass(frozen=True)
class SlabMet:
    """Ambient conditions (SLAB deck lines 24–30): roughness z0 [m], wind_height [m], wind_speed [m/s] at that
    height, air_temperature [K], relative_humidity [%], and either the stability class as a number 1–6 (A–F,
    fractions allowed) or the inverse Obukhov length [1/m]; ambient_pressure [Pa]."""

    roughness: float
    wind_height: float
    wind_speed: float
    air_temperature: float
    relative_humidity: float
    stability_class: float | None = None
    inverse_obukhov_length: float | None = None
    ambient_pressure: float = STANDARD_PRESSURE

    def __post_init__(self) -> None:
        where = "SLAB met"
        _check(where, "roughness", self.roughness, 1e-5 <= self.roughness <= 3.0, "in m, 1e-5–3")
        _check(where, "wind_height", self.wind_height, 0.5 <= self.wind_height <= 200.0, "in m, 0.5–200")
        _check(where, "wind_speed", self.wind_speed, 0.3 <= self.wind_speed <= 40.0, "in m/s, 0.3–40")
        _check(where, "air_temperature", self.air_temperature, 200.0 <= self.air_temperature <= 340.0,
               "in K, 200–340 (not °C)")
        _check(where, "relative_humidity", self.relative_humidity, 0.0 <= self.relative_humidity <= 100.0,
               "in percent, 0–100")
        if (self.stability_class is None) == (self.inverse_obukhov_length is None):
            raise InputError.field(where, "stability_class/inverse_obukhov_length",
                                   (self.stability_class, self.inverse_obukhov_length), "exactly one of the two given")
        if self.stability_class is not None:
            _check(where, "stability_class", self.stability_class, 1.0 <= self.stability_class <= 6.0,
                   "a number 1–6 (A–F)")
        else:
            _check(where, "inverse_obukhov_length", self.inverse_obukhov_length,
                   -1.0 <= self.inverse_obukhov_length <= 1.0
                   and (self.inverse_obukhov_length == 0.0 or abs(self.inverse_obukhov_length) >= 1e-6),
                   "in 1/m, 0 (neutral) or 1e-6 <= |1/L| <= 1")
        _check(where, "ambient_pressure", self.ambient_pressure, 5.0e4 <= self.ambient_pressure <= 1.2e5,
               "in Pa, 5e4–1.2e5")


@dataclass(frozen=True)
class SlabOptions:
    """averaging_time t_av [s]; max_distance x_ffm [m]; heights [m] of the concentration planes (SLAB's zp);
    sub_step_multiplier ncalc (3·ncalc integration steps per stored station)."""

    averaging_time: float = 600.0
    max_distance: float = 10000.0
    heights: tuple[float, ...] = (0.0,)
    sub_step_multiplier: int = 1

    def __post_init__(self) -> None:
        where = "SLAB options"
        _check(where, "averaging_time", self.averaging_time, 0.0 < self.averaging_time <= 86400.0, "in s, 0–86400")
        _check(where, "max_distance", self.max_distance, 10.0 <= self.max_distance <= 1.0e5, "in m, 10–1e5")
        _check(where, "sub_step_multiplier", self.sub_step_multiplier,
               isinstance(self.sub_step_multiplier, int) and 1 <= self.sub_step_multiplier <= 20, "an integer 1–20")
        _check(where, "heights", self.heights, len(self.heights) >= 1 and all(0.0 <= h < 1000.0 for h in self.heights),
               "one or more heights in m, 0–1000")


@dataclass(frozen=True)
class SlabResult:
    """SLAB output at the 61 stored stations. ``cloud``: the instantaneous spatially averaged cloud (x, zc, h, bb,
    b, bbx, bx, cv, rho, t, u, ua, cm, beta, v, w, vg) [m, -, kg/m³, K, m/s]; ``averaged``: the time-averaged
    profile parameters (x, cc, b, betac, zc, sig, t, xc, bx, betax, bbc, time_of_max, cloud_duration,
    z_max, c_max [volume fraction]). Scalars: friction_velocity [m/s], mixing_height [m], source_density and
    air_density [kg/m³], stability_class, inverse_obukhov_length [1/m], first puff station (0-based, 61 = none)."""

    cloud: dict[str, np.ndarray]
    averaged: dict[str, np.ndarray]
    plane_heights: tuple[float, ...]
    plane_concentration: np.ndarray  # [plane, station, y/bbc = 0, 0.5, …, 2.5], volume fraction
    friction_velocity: float
    mixing_height: float
    source_density: float
    air_density: float
    stability_class: float
    inverse_obukhov_length: float
    first_puff_station: int
    averaging_time: float
    source_type: int
    table: np.ndarray = field(repr=False)  # the raw time-averaged table (columns A_* of _dense_gas_output)


def _input_vector(release: SlabRelease, met: SlabMet, options: SlabOptions) -> np.ndarray:
    inp = np.zeros(I_COUNT)
    inp[I_IDSPL] = SOURCE_TYPES[release.source_type]
    inp[I_NCALC] = options.sub_step_multiplier
    inp[I_WMS] = release.molecular_weight
    inp[I_CPS] = release.vapour_heat_capacity
    inp[I_TBP] = release.boiling_temperature
    inp[I_CMED0] = release.liquid_mass_fraction
    inp[I_DHE] = release.heat_of_vaporization
    inp[I_CPSL] = release.liquid_heat_capacity
    inp[I_RHOSL] = release.liquid_density
    inp[I_SPB] = -1.0 if release.saturation_pressure_b is None else release.saturation_pressure_b
    inp[I_SPC] = 0.0 if release.saturation_pressure_b is None else release.saturation_pressure_c
    inp[I_TS] = release.source_temperature
    inp[I_QS] = release.rate
    inp[I_AREA] = release.source_area
    inp[I_TSD] = release.duration
    inp[I_QTIS] = release.instantaneous_mass
    inp[I_HS] = release.height
    inp[I_XFFM] = options.max_distance
    inp[I_Z0] = met.roughness
    inp[I_ZA] = met.wind_height
    inp[I_UA] = met.wind_speed
    inp[I_TA] = met.air_temperature
    inp[I_RH] = met.relative_humidity
    inp[I_STAB] = 0.0 if met.stability_class is None else met.stability_class
    inp[I_ALA] = 0.0 if met.inverse_obukhov_length is None else met.inverse_obukhov_length
    inp[I_PA] = met.ambient_pressure
    return inp


def run_slab(release: SlabRelease, met: SlabMet, options: SlabOptions | None = None) -> SlabResult:
    """Run SLAB for one release and one met case. Raises InputError when the source lies above the mixing layer
    or the release is outside the model's range (the original program returns NaN there)."""
    options = options or SlabOptions()
    inp = _input_vector(release, met, options)
    p, s = np.zeros(P_COUNT), np.zeros(S_COUNT)
    rec, out = np.zeros((N_STATIONS, R_COUNT)), np.zeros(O_COUNT)
    run_slab_kernel(inp, p, s, rec, out)
    if out[O_STATUS] == 1.0:
        raise InputError.field(_WHERE, "height", release.height,
                               f"below the mixing height minus the source half-width ({out[O_HMX]:.0f} m − "
                               f"{0.5 * math.sqrt(release.source_area):.1f} m) for this stability")
    if out[O_STATUS] != 0.0:
        raise InputError.field(_WHERE, "rate/source_area", (release.rate, release.source_area),
                               "a source SLAB can integrate in this weather (the cloud state became non-finite, "
                               "where the original SLAB prints NaN; e.g. a small pool with a high rate under "
                               "rough, stable conditions: enlarge the area, or model the release as a jet)")
    nxtr = int(out[O_NXTR])
    ta = np.zeros((N_STATIONS, A_COUNT))
    time_averaged_table(p, rec, nxtr, options.averaging_time, ta)
    if not np.all(np.isfinite(ta)):
        raise InputError.field(_WHERE, "rate/source_area", (release.rate, release.source_area),
                               "a source SLAB can integrate (non-finite concentration parameters)")
    names = dict(x=R_X, zc=R_ZC, h=R_H, bb=R_BB, b=R_B, bbx=R_BBX, bx=R_BX, cv=R_CV, rho=R_RHO, t=R_T, u=R_U,
                 ua=R_UA, cm=R_CM, beta=R_BETA, v=R_V, w=R_W, vg=R_VG)
    cloud = {k: rec[:, j].copy() for k, j in names.items()}
    averaged = dict(x=rec[:, R_X].copy(), cc=ta[:, A_CC], b=rec[:, R_B].copy(), betac=ta[:, A_BETAC],
                    zc=rec[:, R_ZC].copy(), sig=ta[:, A_SIG], t=ta[:, A_TCC], xc=ta[:, A_XCC], bx=ta[:, A_BX],
                    betax=ta[:, A_BETAX], bbc=ta[:, A_BBC], time_of_max=ta[:, A_TIMP], cloud_duration=ta[:, A_TCLD],
                    z_max=ta[:, A_ZM], c_max=ta[:, A_CMAX])
    heights = tuple(float(h) for h in options.heights)
    planes = np.zeros((len(heights), N_STATIONS, 6))
    for j, z in enumerate(heights):
        for k in range(6):
            y = 0.5 * k * ta[:, A_BBC]
            planes[j, :, k] = _points(ta, options.averaging_time, rec[:, R_X], y, np.full(N_STATIONS, z), None)
    return SlabResult(cloud=cloud, averaged=averaged, plane_heights=heights, plane_concentration=planes,
                      friction_velocity=float(out[O_USTAR]), mixing_height=float(out[O_HMX]),
                      source_density=float(out[O_RHOS]), air_density=float(out[O_RHOA]),
                      stability_class=float(out[O_STAB]), inverse_obukhov_length=float(out[O_ALA]),
                      first_puff_station=nxtr - 1, averaging_time=options.averaging_time,
                      source_type=int(out[O_IDSPL]), table=ta)


def _points(ta, tav, x, y, z, t):
    x = np.ascontiguousarray(x, dtype=np.float64).ravel()
    y = np.ascontiguousarray(y, dtype=np.float64).ravel()
    z = np.ascontiguousarray(z, dtype=np.float64).ravel()
    use_time = t is not None
    t = np.zeros_like(x) if t is None else np.ascontiguousarray(t, dtype=np.float64).ravel()
    out = np.empty_like(x)
    concentration_points(ta, float(tav), x, y, z, t, use_time, out)
    return out


def _broadcast_query(result: SlabResult, *arrays):
    arrays = np.broadcast_arrays(*[np.asarray(a, dtype=np.float64) for a in arrays])
    x = arrays[0]
    if not np.all(np.isfinite(np.concatenate([a.ravel() for a in arrays]))):
        raise InputError.field("SLAB query", "x/y/z/t", "non-finite", "finite numbers")
    last = float(result.averaged["x"][-1])
    if np.any(x > last * (1.0 + 1e-9)):
        raise InputError.field("SLAB query", "x", float(np.max(x)),
                               f"<= {last:.0f} m, the last SLAB station (raise SlabOptions.max_distance)")
    if np.any(arrays[2] < 0.0):
        raise InputError.field("SLAB query", "z", float(np.min(arrays[2])), ">= 0 m")
    return arrays


def slab_concentration(result: SlabResult, x, y, z, t) -> np.ndarray:
    """Time-averaged (over result.averaging_time) volume fraction at downwind distance x [m], crosswind offset y
    [m], height z [m] and time t [s] since the release started; arrays broadcast. Points upwind of the first
    station give 0; x beyond the last station raises InputError. For a steady plume the value is constant while
    the plume covers the point (the release's duration around the time of the maximum)."""
    x, y, z, t = _broadcast_query(result, x, y, z, t)
    values = _points(result.table, result.averaging_time, x, y, z, t)
    return values.reshape(x.shape)


def slab_peak_concentration(result: SlabResult, x, y, z) -> np.ndarray:
    """Maximum over time of the time-averaged volume fraction at (x, y, z) [m]; arrays broadcast."""
    x, y, z = _broadcast_query(result, x, y, z)
    values = _points(result.table, result.averaging_time, x, y, z, None)
    return values.reshape(x.shape)


# ---------------------------------------------------------------------------------------------------------------
# SLAB input decks
# ---------------------------------------------------------------------------------------------------------------
def _deck_real(line: str) -> float:
    """Fortran f10.3 from columns 1–10: without a decimal point the last three digits are decimals."""
    text = line[:10].strip()
    if not text:
        return 0.0
    if "." in text or "e" in text.lower():
        return float(text)
    return int(text) / 1000.0


def read_slab_input(path) -> list[tuple[SlabRelease, SlabMet, SlabOptions]]:
    """Read a SLAB input deck (format in the SLAB user's manual and shared/reference/slab/README.md): one
    (release, met, options) per met case."""
    lines = Path(path).read_text().splitlines()
    if len(lines) < 24:
        raise InputError.field(f"SLAB deck {path}", "length", len(lines), "at least 24 lines")
    try:
        idspl, ncalc = int(lines[0][:5]), int(lines[1][:5])
        values = [_deck_real(line) for line in lines[2:]]
    except ValueError as error:
        raise InputError(f"SLAB deck {path}: unreadable number ({error})") from error
    kinds = {v: k for k, v in SOURCE_TYPES.items()}
    if idspl not in kinds:
        raise InputError.field(f"SLAB deck {path}", "idspl", idspl, "1, 2, 3 or 4")
    (wms, cps, tbp, cmed0, dhe, cpsl, rhosl, spb, spc, ts, qs, area, tsd, qtis, hs, tav, xffm) = values[:17]
    zp = values[17:21]
    heights = [zp[0]]  # the plane list ends at the first 0 after the first plane
    for z in zp[1:]:
        if z == 0.0:
            break
        heights.append(z)
    release = SlabRelease(
        source_type=kinds[idspl], molecular_weight=wms, vapour_heat_capacity=cps, boiling_temperature=tbp,
        liquid_mass_fraction=cmed0, heat_of_vaporization=dhe, liquid_heat_capacity=cpsl, liquid_density=rhosl,
        saturation_pressure_b=None if spb < 0.0 else spb, saturation_pressure_c=spc, source_temperature=ts,
        rate=qs, source_area=area, duration=tsd, instantaneous_mass=qtis, height=hs)
    options = SlabOptions(averaging_time=tav if tav > 0.0 else 1.0, max_distance=xffm, heights=tuple(heights),
                          sub_step_multiplier=ncalc)
    cases = []
    rest = values[21:]
    i = 0
    while i < len(rest) and rest[i] >= 0.0:
        z0, za, ua, ta, rh, stab = rest[i:i + 6]
        i += 6
        ala = None
        if stab == 0.0:
            ala = rest[i]
            i += 1
        met = SlabMet(roughness=z0, wind_height=za, wind_speed=ua, air_temperature=ta, relative_humidity=rh,
                      stability_class=None if stab == 0.0 else stab, inverse_obukhov_length=ala)
        cases.append((release, met, options))
    return cases


def slab_listing_tables(path) -> list[dict[str, np.ndarray]]:
    """Parse a SLAB output listing: per met case a dict of the 61-row columns of the instantaneous cloud table
    ('x', 'zc', 'h', 'bb', 'b', 'bbx', 'bx', 'cv', 'rho', 't', 'u', 'ua'), the contour table ('cc', 'betac',
    'sig', and 'b_avg', 'zc_avg'), the centreline maximum ('z_max', 'c_max', 'time_of_max', 'cloud_duration')
    and, per plane height z, 'plane_<z>' (61 × 6 at y/bbc = 0 … 2.5) and 'bbc'."""
    text = Path(path).read_text()
    cases = []
    for block in text.split("problem input")[1:]:
        lines = block.splitlines()
        table: dict[str, np.ndarray] = {}

        def rows_after(marker_index: int, skip: int, count: int = N_STATIONS) -> np.ndarray:
            rows = [line.split() for line in lines[marker_index + skip:marker_index + skip + count]]
            return np.array([[float(v) for v in row] for row in rows])

        for i, line in enumerate(lines):
            if line.startswith("instantaneous spatially averaged cloud parameters"):
                cloud = rows_after(i, 4)
                for j, name in enumerate(("x", "zc", "h", "bb", "b", "bbx", "bx", "cv", "rho", "t", "u", "ua")):
                    table[name] = cloud[:, j]
            elif line.strip().startswith("x        cc(x)") or line.strip().startswith("t        cc(t)"):
                contour = rows_after(i, 1)
                table["cc"], table["b_avg"], table["betac"] = contour[:, 1], contour[:, 2], contour[:, 3]
                table["zc_avg"], table["sig"] = contour[:, 4], contour[:, 5]
            elif "concentration in the z =" in line:
                z = float(line.split("z =")[1].split()[0])
                plane = rows_after(i, 6)
                table[f"plane_{z:g}"] = plane[:, 4:10]
                table["bbc"] = plane[:, 3]
            elif "maximum concentration (volume fraction) along centerline" in line:
                centre = rows_after(i, 6)
                table["z_max"], table["c_max"] = centre[:, 1], centre[:, 2]
                table["time_of_max"], table["cloud_duration"] = centre[:, 3], centre[:, 4]
        cases.append(table)
    return cases
