"""NO2 from modelled NOx in the AERMOD mode: AERMOD's Ambient Ratio Method 2 (ARM2, Tier 2) and Ozone Limiting
Method (OLM, Tier 3, all sources as one plume).

A park declares its NOx emissions as NO2 (氮氧化物以 NO2 计, the key ``nitrogen_dioxide``); a dispersion model
carries them as an inert NOx. Without an NO2 option every µg of that NOx is NO2 at the receptor ("full
conversion", AERMOD without an NO2 option, Tier 1 of the US Guideline). ARM2 scales each receptor's **hourly total
NOx from every source** [µg/m³] by an empirical NO2/NOx ratio fitted to the hourly NO2 and NOx of the US ambient
network (Podrez 2015, *Atmos. Environ.* 103:163–170, doi:10.1016/j.atmosenv.2014.12.021; EPA's Technical support
document for NO2-related AERMOD modifications, EPA-454/B-15-004, July 2015, §2.3 and §4.1; 40 CFR 51 App. W (2017)
§4.2.3.4, Tier 2):

    R(C) = −1.1723e−17 C⁶ + 4.2795e−14 C⁵ − 5.8345e−11 C⁴ + 3.4555e−08 C³ − 5.6062e−06 C² − 2.7383e−03 C + 1.2441

with C the hourly NOx [µg/m³], bounded to [R_min, R_max] (AERMOD's ARMRATIO; defaults 0.5 and 0.9, EPA-454/B-15-004
§4.1), and NO2 = R(C) · C, every hour, before any average (the 1-h maxima, the 24-h means and the period mean are
of the hourly NO2). With the default bounds R is 0.9 below 114 µg/m³ of NOx and 0.5 above 283 µg/m³. The
polynomial falls monotonically over [0, 1250] µg/m³ and is negative beyond, where the lower bound holds it; NO2 =
R·C grows with C up to 1080 µg/m³, where R = 0.176, so with a minimum ratio of at least 0.18 more NOx never gives
less NO2. AERMOD accepts any bounds with 0 < minimum ≤ maximum ≤ 1 (and warns unless the minimum is 0.5 and the
maximum at least 0.9); so does this module, and the EIA report states the bounds it ran with. As AERMOD does (its
ARM2_CALC routine), C is the sum over every modelled source, and a background NO2 is added after the conversion
(HJ 2.2-2018 §8.8 adds the measured background NO2 to the contribution).

The coefficients and the rule "sum of every source, then the ratio" are as AERMOD v21112 applies them; the paper's
own equation could not be read here (``docs/unverified.md``, "NO2 chemistry").

**OLM** (Cole & Summerhays 1979, *J. Air Pollut. Control Assoc.* 29:812–817; EPA-454/B-15-004 §2.4 and §4.2;
40 CFR 51 App. W (2017) §4.2.3.4, Tier 3): the emitted NO2 (the in-stack ratio ISR_s of each source's NOx) is NO2;
the emitted NO becomes NO2 by NO + O3 → NO2 + O2 as far as the ambient ozone reaches, and NO2 never exceeds the
equilibrium fraction R_eq of the NOx (AERMOD's NO2EQUIL, default 0.9). With every source in one plume (AERMOD's
``OLMGROUP ALL``; each source on its own, the same with its own C_s and ISR_s C_s, summed — AERMOD's OLM without
OLMGROUP), per receptor and hour, C = Σ_s C_s the NOx and N = Σ_s ISR_s C_s the emitted NO2 [µg/m³]:

    NO2 = min(N + (46/48) O3, C, R_eq C)   where (46/48) O3 < C − N (ozone-limited: O3/48 mol < NO/30 mol),
    NO2 = min(C, R_eq C)                    otherwise, and where the hour's ozone is missing (full conversion),

46/48 the grams of NO2 one gram of O3 makes. The hourly ozone O3 [µg/m³] is a monitor's series (ppb × 1.960, AERMOD's
O3_PPB); in a stable hour (L > 0) it is raised to at least O3_min = min(78.4 µg/m³ (40 ppb), the largest valid O3 of
the 24 hours before) × {1 for L ≤ 50 m; (250 − L)/200 for 50 < L ≤ 250 m; 0 beyond} (AERMOD's O3EXT routine; no
publication is cited for it there); a missing hour takes a constant fill when one is given
(AERMOD's OZONEVAL, not raised), else it is fully converted. These rules, too, are read from AERMOD v21112
(``docs/unverified.md``). PVMRM, GRSM and TTRM are not offered.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.errors import InputError

__all__ = ["ARM2_COEFFICIENTS", "ARM2_DEFAULT_MAXIMUM", "ARM2_DEFAULT_MINIMUM", "NO2_CONVERSIONS", "NOX_KEYS",
           "OLM_EQUILIBRIUM", "OZONE_UG_PER_PPB", "Arm2", "Olm", "arm2_ratio", "is_nox", "olm_ozone"]

# R(C) = Σ_k a_k C^k, C [µg/m³], highest power first (Podrez 2015; as AERMOD v21112 applies them, calc1.f ARM2_CALC)
ARM2_COEFFICIENTS = (-1.1723e-17, 4.2795e-14, -5.8345e-11, 3.4555e-08, -5.6062e-06, -2.7383e-03, 1.2441)
ARM2_DEFAULT_MINIMUM = 0.5  # [-] AERMOD's default ARMRATIO (EPA-454/B-15-004 §4.1)
ARM2_DEFAULT_MAXIMUM = 0.9
NO2_CONVERSIONS = ("full", "arm2", "olm")  # full: every µg of NOx is NO2 (AERMOD without an NO2 option)
OLM_EQUILIBRIUM = 0.9  # [-] R_eq, AERMOD's default NO2EQUIL (EPA-454/B-15-004 §4.2)
OZONE_UG_PER_PPB = 1.960  # [µg m-3 ppb-1] AERMOD's O3_PPB (48 g/mol over 24.5 L/mol, 25 °C and 1 atm)
NO2_PER_OZONE = 46.0 / 48.0  # [g g-1] NO2 made per gram of O3 (NO + O3 → NO2 + O2; molar masses 46 and 48 g/mol)
STABLE_OZONE_CAP = 40.0 * OZONE_UG_PER_PPB  # [µg m-3] 40 ppb, the cap of the stable hours' floor (AERMOD O3EXT)
OZONE_MISSING_AT = 900.0  # a value at or above this (in the file's units) or below 0 is missing (AERMOD O3EXT)
# [µg m-3] a year's median hourly ozone below this is a unit slip (mg/m³ or ppm for µg/m³ or ppb): ground-level
# ozone's hourly median is tens of µg/m³ even in the cleanest or most titrated places (ParkTwin's plausibility rule)
OZONE_IMPLAUSIBLE_MEDIAN = 1.0
# Substance keys whose emissions are NOx as NO2 (the park's key, and the names an AERMOD deck or a user may give)
NOX_KEYS = ("nitrogen_dioxide", "no2", "nox", "nitrogen_oxides", "10102-44-0")
_UG_PER_KG = 1e9  # kg m-3 → µg m-3


def is_nox(substance: str) -> bool:
    """Whether ``substance``'s emissions are NOx as NO2 (``NOX_KEYS``, case-insensitive)."""
    return substance.strip().lower() in NOX_KEYS


@dataclass(frozen=True)
class Arm2:
    """AERMOD's ARM2 with its ratio bounds [-] (ARMRATIO; AERMOD accepts 0 < minimum ≤ maximum ≤ 1, and calls
    bounds other than 0.5 and 0.9 non-default)."""

    minimum: float = ARM2_DEFAULT_MINIMUM
    maximum: float = ARM2_DEFAULT_MAXIMUM

    def __post_init__(self) -> None:
        for name, value in (("minimum", self.minimum), ("maximum", self.maximum)):
            if not (np.isfinite(value) and 0.0 < value <= 1.0):
                raise InputError.field("ARM2 ratio bounds", name, value, "an NO2/NOx ratio in (0, 1]")
        if self.maximum < self.minimum:
            raise InputError.field("ARM2 ratio bounds", "maximum", self.maximum,
                                   f"≥ the minimum ratio {self.minimum}")

    @property
    def regulatory(self) -> bool:
        """AERMOD's default bounds, 0.5 and 0.9 (other bounds need a justification in a US application)."""
        return self.minimum == ARM2_DEFAULT_MINIMUM and self.maximum == ARM2_DEFAULT_MAXIMUM

    def ratio(self, nox_ug_m3) -> np.ndarray:
        """R(C) bounded (module docstring), C the hourly total NOx [µg/m³]."""
        return arm2_ratio(nox_ug_m3, self.minimum, self.maximum)

    def convert(self, nox_kg_m3) -> np.ndarray:
        """Hourly NO2 [kg m-3] from the hourly total NOx [kg m-3] (as NO2) of every source, any shape."""
        nox = np.asarray(nox_kg_m3, dtype=np.float64)
        return self.ratio(nox * _UG_PER_KG) * nox


def arm2_ratio(nox_ug_m3, minimum: float = ARM2_DEFAULT_MINIMUM, maximum: float = ARM2_DEFAULT_MAXIMUM) -> np.ndarray:
    """ARM2's NO2/NOx ratio [-] at hourly NOx ``nox_ug_m3`` [µg/m³] (Horner's rule on ``ARM2_COEFFICIENTS``), bounded
    to [minimum, maximum]."""
    c = np.asarray(nox_ug_m3, dtype=np.float64)
    ratio = np.zeros_like(c)
    for a in ARM2_COEFFICIENTS:
        ratio = ratio * c + a
    return np.clip(ratio, minimum, maximum)


@dataclass(frozen=True)
class Olm:
    """AERMOD's OLM (module docstring): ``ozone`` (H,) the hours' O3 [µg m-3] as :func:`olm_ozone` makes it,
    ``missing`` (H,) bool hours without ozone (fully converted), ``in_stack`` (S,) each source's in-stack NO2/NOx
    ratio [-], ``equilibrium`` R_eq [-]; ``grouped`` every source in one plume (AERMOD's OLMGROUP ALL), or each source
    on its own, its NO2 by the same rule from its own C_s and ISR_s C_s and the whole ozone, summed over the sources
    (AERMOD's OLM without OLMGROUP)."""

    ozone: np.ndarray
    missing: np.ndarray
    in_stack: np.ndarray
    equilibrium: float = OLM_EQUILIBRIUM
    grouped: bool = True  # every source in one plume (OLMGROUP ALL); False: each source alone with all the ozone

    def __post_init__(self) -> None:
        isr = np.asarray(self.in_stack, dtype=np.float64)
        if isr.ndim != 1 or not np.all((isr >= 0.0) & (isr <= 1.0)):
            raise InputError.field("OLM", "in-stack NO2/NOx ratio", isr[~((isr >= 0.0) & (isr <= 1.0))][:3].tolist()
                                   if isr.ndim == 1 else isr.shape, "one ratio in [0, 1] per source")
        if not (np.isfinite(self.equilibrium) and 0.0 < self.equilibrium <= 1.0):
            raise InputError.field("OLM", "equilibrium NO2/NOx ratio", self.equilibrium, "a ratio in (0, 1]")
        ozone = np.asarray(self.ozone, dtype=np.float64)
        if ozone.shape != np.shape(self.missing) or np.any(~np.isfinite(ozone)) or np.any(ozone < 0.0):
            raise InputError.field("OLM", "ozone", "not (H,) finite values ≥ 0 with a missing mask of the same shape",
                                   "olm_ozone's series")

    def convert(self, nox_kg_m3, primary_kg_m3, hours) -> np.ndarray:
        """NO2 [kg m-3] of hours ``hours`` (a slice or indices into ``ozone``) from their NOx C (h, R) and emitted NO2
        N = Σ ISR_s C_s (h, R) [kg m-3], every source in one plume."""
        total = np.asarray(nox_kg_m3, dtype=np.float64)
        primary = np.asarray(primary_kg_m3, dtype=np.float64)
        reach = (NO2_PER_OZONE * self.ozone[hours] / _UG_PER_KG)[:, None]  # NO2 the hour's ozone can make
        limited = ~np.asarray(self.missing)[hours][:, None] & (reach < total - primary)
        return np.minimum(np.where(limited, primary + reach, total), self.equilibrium * total)


def olm_ozone(ozone, obukhov_length, *, units: str = "ug_m3", fill_ug_m3: float | None = None):
    """The hours' ozone as AERMOD's OLM takes it (module docstring): ``ozone`` (H,) a monitor's hourly series in
    ``units`` ("ug_m3" or "ppb"; NaN, negative or ≥ 900 is missing), consecutive hours; ``obukhov_length`` (H,) L [m]
    of the same hours; ``fill_ug_m3`` the constant a missing hour takes (None: the hour is fully converted). Returns
    (ozone [µg m-3] (H,), missing (H,) bool, counts {"missing": hours without a value, "filled": of them filled,
    "raised": stable hours raised to their floor})."""
    if units not in ("ug_m3", "ppb"):
        raise InputError.field("OLM", "ozone units", units, "ug_m3 or ppb")
    if fill_ug_m3 is not None and not (np.isfinite(fill_ug_m3) and 0.0 <= fill_ug_m3 < 2000.0):
        raise InputError.field("OLM", "ozone fill", fill_ug_m3, "a constant ozone in [0, 2000) µg/m³")
    raw = np.asarray(ozone, dtype=np.float64)
    length = np.asarray(obukhov_length, dtype=np.float64)
    if raw.shape != length.shape or raw.ndim != 1:
        raise InputError.field("OLM", "ozone", f"shape {raw.shape}", f"one value per hour, {length.shape}")
    scale = OZONE_UG_PER_PPB if units == "ppb" else 1.0
    present = raw[np.isfinite(raw) & (raw >= 0.0) & (raw < OZONE_MISSING_AT)] * scale
    if present.size and np.median(present) < OZONE_IMPLAUSIBLE_MEDIAN:
        raise InputError.field("OLM", f"ozone [{units}]", f"median {np.median(present) / scale:.3g}",
                               f"a monitor's hourly ozone in {units} (a median below "
                               f"{OZONE_IMPLAUSIBLE_MEDIAN / scale:.2g} {units} is a unit slip: mg/m³ or ppm?)")
    out = np.zeros(raw.size)
    missing = np.zeros(raw.size, dtype=bool)
    previous = np.zeros(24)  # the last 24 hours' valid values [µg m-3] (0 where missing or filled)
    counts = {"missing": 0, "filled": 0, "raised": 0}
    for t in range(raw.size):
        value = raw[t]
        slot = t % 24
        if np.isfinite(value) and 0.0 <= value < OZONE_MISSING_AT:
            value *= scale
            floor = 0.0
            if length[t] > 0.0:  # a stable hour: at least the night's ozone of the day before
                top = min(STABLE_OZONE_CAP, previous.max())
                floor = top if length[t] <= 50.0 else 0.0 if length[t] > 250.0 else top * (250.0 - length[t]) / 200.0
            previous[slot] = value
            counts["raised"] += int(floor > value)
            out[t] = max(value, floor)
            continue
        previous[slot] = 0.0
        counts["missing"] += 1
        if fill_ug_m3 is not None:
            out[t] = fill_ug_m3
            counts["filled"] += 1
        else:
            missing[t] = True
    return out, missing, counts
