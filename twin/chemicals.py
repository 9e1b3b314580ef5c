"""Substance properties and toxic endpoints, from the packaged ``twin/chemicals.csv``.

Legal Chinese endpoints (HJ 169-2018 Appendix H, mg/m³) and US emergency guidelines (AEGL 60-min and ERPG, ppm;
ERPGs are defined for up to 1 h) are kept in separate attributes named by their averaging time; every value family has
its own source column. A blank cell means the value was not verified and is not used.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, fields
from importlib import resources

import numpy as np

from twin.constants import GAS_CONSTANT, STANDARD_PRESSURE  # re-exported: [J mol-1 K-1], [Pa]
from twin.errors import InputError

__all__ = [
    "Chemical",
    "ChemicalTable",
    "load_chemicals",
    "ppm_to_mg_m3",
    "vapour_pressure",
    "boiling_temperature",
    "mg_m3_to_ppm",
    "ppm_at_25c",
    "MOLAR_VOLUME_25C",
    "GAS_CONSTANT",
    "STANDARD_TEMPERATURE",
    "STANDARD_PRESSURE",
]

STANDARD_TEMPERATURE = 298.15  # 25 °C, the reference of HJ 169 Table H.1 and of AEGL/ERPG mg/m³ values [K]
# Molar volume of an ideal gas at 25 °C and 101.325 kPa as the occupational and emergency tables round it: 24.45 L/mol
# (US EPA air-toxics fact sheets, "Conversion Factors"; NIOSH Pocket Guide to Chemical Hazards, "ppm = mg/m³ ×
# 24.45 / M"). R·T/p gives 24.465 L/mol; the rounded value is the one the published ppm ↔ mg/m³ pairs use. [L/mol]
MOLAR_VOLUME_25C = 24.45


def ppm_to_mg_m3(ppm, molar_mass, temperature=STANDARD_TEMPERATURE, pressure=STANDARD_PRESSURE):
    """Convert a volume mixing ratio to a mass concentration with the ideal-gas law.

    Notes
    -----
    c = χ · p · M / (R · T), with χ = ppm · 1e-6 and M in g/mol giving g/m³ (× 1000 for mg/m³). At 25 °C and 1 atm
    this is the familiar mg/m³ = ppm · M / 24.45 (molar volume 24.45 L/mol; US EPA air-toxics fact sheets,
    "Conversion Factors"), e.g. benzene 1 ppm = 3.194 mg/m³ (WHO Guidelines for Indoor Air Quality, 2010, ch. 1).

    Parameters
    ----------
    ppm : array_like
        Volume (mole) mixing ratio. [ppm, 1e-6]
    molar_mass : float
        Molar mass. [g/mol]
    temperature : array_like
        Air temperature. [K]
    pressure : array_like
        Air pressure. [Pa]

    Returns
    -------
    Mass concentration. [mg/m³]
    """
    return np.asarray(ppm) * 1e-6 * pressure * molar_mass / (GAS_CONSTANT * temperature) * 1e3


def mg_m3_to_ppm(mg_m3, molar_mass, temperature=STANDARD_TEMPERATURE, pressure=STANDARD_PRESSURE):
    """Inverse of :func:`ppm_to_mg_m3`: χ = c · R · T / (p · M) (ideal-gas law).

    Parameters
    ----------
    mg_m3 : array_like
        Mass concentration. [mg/m³]
    molar_mass : float
        Molar mass. [g/mol]
    temperature : array_like
        Air temperature. [K]
    pressure : array_like
        Air pressure. [Pa]

    Returns
    -------
    Volume mixing ratio. [ppm]
    """
    return np.asarray(mg_m3) * 1e-3 * GAS_CONSTANT * temperature / (pressure * molar_mass) * 1e6


def ppm_at_25c(mg_m3, molar_mass):
    """Mixing ratio [ppm] of a mass concentration [mg/m³] at 25 °C and 101.325 kPa, the conditions of the ppm values
    emergency planners read (AEGL, ERPG, ALOHA's threat zones): ppm = mg/m³ × 24.45 / M (:data:`MOLAR_VOLUME_25C`).

    mg_m3 : mass concentration. [mg/m³]   molar_mass : M. [g/mol]   Returns: [ppm]
    """
    if molar_mass is None or not molar_mass > 0:
        raise InputError.field("ppm conversion", "molar_mass", molar_mass, "> 0 g/mol (twin/chemicals.csv)")
    return np.asarray(mg_m3, dtype=np.float64) * MOLAR_VOLUME_25C / molar_mass


@dataclass(frozen=True)
class Chemical:
    """One row of ``twin/chemicals.csv``. ``None`` marks a value that is unknown or was not verified.

    Attributes
    ----------
    key : str
        Short lowercase key used everywhere (``"chlorine"``).
    molar_mass : float | None
        [g/mol]; None for lumped totals (VOCs, particulate matter).
    boiling_point : float | None
        Normal boiling point at 101.325 kPa. [K]
    cf_standard_name : str | None
        ``mass_concentration_of_<X>_in_air`` if CF standard-name table v93 has it.
    hj169_endpoint1_mg_m3, hj169_endpoint2_mg_m3 : float | None
        Legal atmospheric toxic endpoint concentrations 1 and 2 of HJ 169-2018 Table H.1. [mg/m³]
    aegl1_60min_ppm, aegl2_60min_ppm, aegl3_60min_ppm : float | None
        US AEGL-1/2/3 for 60-min exposure. [ppm]
    erpg1_ppm, erpg2_ppm, erpg3_ppm : float | None
        AIHA ERPG-1/2/3 (up to 1-h exposure). [ppm]
    liquid_density_kg_m3 : float | None
        Saturated-liquid density at 298.15 K (source terms: tank head, pool spreading). [kg/m³]
    liquid_heat_capacity_j_kg_k : float | None
        Saturated-liquid specific heat at the normal boiling point (flash fraction, HJ 169-2018 Eq. F.9). [J/(kg K)]
    heat_of_vaporization_j_kg : float | None
        Latent heat of vaporization at the normal boiling point. [J/kg]
    heat_capacity_ratio : float | None
        κ = C_p/C_v of the ideal gas at 298.15 K (gas outflow, HJ 169-2018 Eqs. F.2-F.5). [-]
    vapour_pressure_dippr101 : tuple[float, ...] | None
        (C1, C2, C3, C4, C5, T_min, T_max) of DIPPR Eq. 101, ln p = C1 + C2/T + C3 ln T + C4 T^C5, p in Pa, T in K,
        valid for T_min <= T <= T_max (see :func:`vapour_pressure`).
    probit_a, probit_b, probit_n : float | None
        Lethality probit Y = a + b ln(Σ Cⁿ Δt), C in mg/m³ and Δt in min (see ``scenarios.common.impact``). [-]
    source_* : str
        Where each group of values comes from; ``source_probit_zh`` is ``source_probit`` in Chinese (the
        bibliographic title kept as published) for the Chinese plan, blank when not translated.
    """

    key: str
    name_en: str
    name_zh: str
    cas: str | None
    molar_mass: float | None
    boiling_point: float | None
    cf_standard_name: str | None
    hj169_endpoint1_mg_m3: float | None
    hj169_endpoint2_mg_m3: float | None
    aegl1_60min_ppm: float | None
    aegl2_60min_ppm: float | None
    aegl3_60min_ppm: float | None
    erpg1_ppm: float | None
    erpg2_ppm: float | None
    erpg3_ppm: float | None
    liquid_density_kg_m3: float | None
    liquid_heat_capacity_j_kg_k: float | None
    heat_of_vaporization_j_kg: float | None
    heat_capacity_ratio: float | None
    vapour_pressure_dippr101: tuple[float, ...] | None
    probit_a: float | None
    probit_b: float | None
    probit_n: float | None
    source_source_term: str
    source_probit: str
    source_properties: str
    source_hj169: str
    source_aegl: str
    source_erpg: str
    source_probit_zh: str = ""  # source_probit in Chinese for the Chinese plan (blank: the plan shows source_probit)

    @property
    def long_name(self) -> str:
        """A precise name for NetCDF ``long_name`` when no CF standard name exists."""
        cas = f", CAS {self.cas}" if self.cas else ""
        return f"mass concentration of {self.name_en.lower()} in air{cas}"

    def ppm_to_kg_m3(self, ppm, temperature=STANDARD_TEMPERATURE, pressure=STANDARD_PRESSURE):
        """Mixing ratio [ppm] → mass concentration [kg/m³] at ``temperature`` [K], ``pressure`` [Pa] (ideal gas)."""
        return ppm_to_mg_m3(ppm, self._require_molar_mass(), temperature, pressure) * 1e-6

    def kg_m3_to_ppm(self, kg_m3, temperature=STANDARD_TEMPERATURE, pressure=STANDARD_PRESSURE):
        """Mass concentration [kg/m³] → mixing ratio [ppm] at ``temperature`` [K], ``pressure`` [Pa] (ideal gas)."""
        return mg_m3_to_ppm(np.asarray(kg_m3) * 1e6, self._require_molar_mass(), temperature, pressure)

    def _require_molar_mass(self) -> float:
        if self.molar_mass is None:
            raise InputError(f"substance {self.key!r}: molar_mass is blank (a lumped total); ppm conversion needs a "
                             "molar mass in g/mol")
        return self.molar_mass


_FLOAT_FIELDS = {f.name for f in fields(Chemical) if f.type == "float | None"}
_SIGNED_FLOAT_FIELDS = {"probit_a"}  # a probit intercept is usually negative
_OPTIONAL_TEXT = {"cas", "cf_standard_name"}
_DIPPR101_COUNT = 7  # C1..C5, T_min, T_max


def _parse_row(row: dict[str, str], line: int) -> Chemical:
    values: dict[str, object] = {}
    for name in (f.name for f in fields(Chemical)):
        text = (row.get(name) or "").strip()
        if name in _FLOAT_FIELDS:
            if text:
                try:
                    number = float(text)
                except ValueError:
                    raise InputError(f"chemicals.csv line {line}: {name} must be a number, got {text!r}") from None
                if not math.isfinite(number) or (number <= 0 and name not in _SIGNED_FLOAT_FIELDS):
                    raise InputError(f"chemicals.csv line {line}: {name} must be > 0, got {text!r}")
                values[name] = number
            else:
                values[name] = None
        elif name == "vapour_pressure_dippr101":
            values[name] = _parse_dippr101(text, line) if text else None
        elif name in _OPTIONAL_TEXT:
            values[name] = text or None
        else:
            values[name] = text
    return Chemical(**values)  # type: ignore[arg-type]


def _parse_dippr101(text: str, line: int) -> tuple[float, ...]:
    try:
        numbers = tuple(float(part) for part in text.split(";"))
    except ValueError:
        numbers = ()
    if len(numbers) != _DIPPR101_COUNT or not all(math.isfinite(x) for x in numbers) or not numbers[5] < numbers[6]:
        raise InputError(f"chemicals.csv line {line}: vapour_pressure_dippr101 must be 7 numbers 'C1;C2;C3;C4;C5;"
                         f"Tmin;Tmax' with Tmin < Tmax, got {text!r}")
    return numbers


def vapour_pressure(chemical: Chemical, temperature: float) -> float:
    r"""Saturation vapour pressure from DIPPR Eq. 101 (Perry's Chemical Engineers' Handbook 8th ed., Table 2-8).

    .. math:: \ln p = C_1 + C_2/T + C_3 \ln T + C_4 T^{C_5}

    Parameters
    ----------
    chemical : Chemical
        A row with ``vapour_pressure_dippr101``.
    temperature : float
        T, within the correlation's [T_min, T_max]. [K]

    Returns
    -------
    float
        p. [Pa]
    """
    coefficients = chemical.vapour_pressure_dippr101
    if coefficients is None:
        raise InputError(f"substance {chemical.key!r}: vapour_pressure_dippr101 is blank in twin/chemicals.csv; "
                         "give the vapour pressure in the scenario")
    c1, c2, c3, c4, c5, t_min, t_max = coefficients
    if not t_min <= temperature <= t_max:
        raise InputError(f"substance {chemical.key!r}: temperature must be within the vapour-pressure correlation's "
                         f"range {t_min:g}..{t_max:g} K, got {temperature:g}")
    return float(np.exp(c1 + c2 / temperature + c3 * np.log(temperature) + c4 * temperature**c5))


def boiling_temperature(chemical: Chemical, pressure: float) -> float:
    """Temperature [K] at which the DIPPR Eq. 101 vapour pressure equals ``pressure`` [Pa] (root by brentq; the
    correlation increases monotonically with T over its range)."""
    from scipy.optimize import brentq

    coefficients = chemical.vapour_pressure_dippr101
    if coefficients is None:
        raise InputError(f"substance {chemical.key!r}: vapour_pressure_dippr101 is blank in twin/chemicals.csv; "
                         "give the boiling temperature in the scenario")
    t_min, t_max = coefficients[5], coefficients[6]
    low, high = vapour_pressure(chemical, t_min), vapour_pressure(chemical, t_max)
    if not low <= pressure <= high:
        raise InputError(f"substance {chemical.key!r}: pressure must be within the vapour-pressure correlation's "
                         f"range {low:.4g}..{high:.4g} Pa, got {pressure:g}")
    return float(brentq(lambda t: vapour_pressure(chemical, t) - pressure, t_min, t_max, xtol=1e-9))


class ChemicalTable:
    """The substances known to ParkTwin, looked up by key: ``table["chlorine"]``."""

    def __init__(self, chemicals: list[Chemical]):
        self._by_key = {c.key: c for c in chemicals}

    def __getitem__(self, key: str) -> Chemical:
        try:
            return self._by_key[key]
        except KeyError:
            raise InputError(f"substance {key!r} is not in twin/chemicals.csv; valid keys: "
                             f"{', '.join(self.keys())}") from None

    def __contains__(self, key: object) -> bool:
        return key in self._by_key

    def __iter__(self):
        return iter(self._by_key.values())

    def __len__(self) -> int:
        return len(self._by_key)

    def keys(self) -> list[str]:
        """Substance keys in file order."""
        return list(self._by_key)


def load_chemicals() -> ChemicalTable:
    """Read the packaged ``twin/chemicals.csv`` (via importlib.resources, so it works from an installed wheel)."""
    text = resources.files("twin").joinpath("chemicals.csv").read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text))
    chemicals = [_parse_row(row, line) for line, row in enumerate(reader, start=2)]
    keys = [c.key for c in chemicals]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise InputError(f"chemicals.csv: keys must be unique, got duplicates {duplicates}")
    return ChemicalTable(chemicals)
