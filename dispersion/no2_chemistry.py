"""NO2 from modelled NOx: AERMOD's Ambient Ratio Method 2 (ARM2), the Tier 2 NO2 option of the AERMOD mode.

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
own equation could not be read here (``docs/unverified.md``, "NO2 chemistry"). Ozone-limited methods (OLM, PVMRM,
GRSM) need hourly ozone and in-stack ratios and are not offered.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.errors import InputError

__all__ = ["ARM2_COEFFICIENTS", "ARM2_DEFAULT_MAXIMUM", "ARM2_DEFAULT_MINIMUM", "NO2_CONVERSIONS", "NOX_KEYS", "Arm2",
           "arm2_ratio", "is_nox"]

# R(C) = Σ_k a_k C^k, C [µg/m³], highest power first (Podrez 2015; as AERMOD v21112 applies them, calc1.f ARM2_CALC)
ARM2_COEFFICIENTS = (-1.1723e-17, 4.2795e-14, -5.8345e-11, 3.4555e-08, -5.6062e-06, -2.7383e-03, 1.2441)
ARM2_DEFAULT_MINIMUM = 0.5  # [-] AERMOD's default ARMRATIO (EPA-454/B-15-004 §4.1)
ARM2_DEFAULT_MAXIMUM = 0.9
NO2_CONVERSIONS = ("full", "arm2")  # full: every µg of NOx is NO2 (AERMOD without an NO2 option)
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
