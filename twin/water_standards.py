"""Surface-water quality limits by water-quality class, from the packaged ``twin/water_quality_standards.csv``.

GB 3838-2002 *Environmental quality standards for surface water* (地表水环境质量标准), Table 1 (basic items), classes
I–V: class II applies to the first-grade protection zones of centralised drinking-water sources, class III to the
second-grade zones, class IV to industrial water use, class V to agricultural use (GB 3838-2002 §4). Dissolved
oxygen is a minimum, every other item a maximum. The table holds mg/L; this module converts once to kg m-3 (SI
inside: 1 mg/L = 1e-3 kg m-3). Each row names its source.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Literal

from twin.errors import InputError

__all__ = ["WaterStandard", "WATER_CLASSES", "all_water_standards", "water_standard", "water_limit",
           "water_pollutants", "MG_L"]

WATER_CLASSES = ("I", "II", "III", "IV", "V")  # GB 3838-2002 §4 functional classes
MG_L = 1e-3  # 1 mg/L in kg m-3


@dataclass(frozen=True)
class WaterStandard:
    """One item of GB 3838-2002 Table 1: ``pollutant`` key, whether the limit is a ``minimum`` (dissolved oxygen) or a
    ``maximum``, the limit of each class [kg m-3], and its ``source``."""

    pollutant: str
    sense: Literal["minimum", "maximum"]
    limits: dict[str, float]
    source: str

    def limit(self, water_class: str) -> float:
        """The limit of ``water_class`` ('I' … 'V'). [kg m-3]"""
        if water_class not in self.limits:
            raise InputError.field("GB 3838-2002 limits", "class", water_class,
                                   f"one of {', '.join(self.limits)}")
        return self.limits[water_class]


@lru_cache(maxsize=1)
def all_water_standards() -> dict[str, WaterStandard]:
    """Every row of the packaged table by pollutant key, limits in kg m-3."""
    text = resources.files("twin").joinpath("water_quality_standards.csv").read_text(encoding="utf-8")
    rows: dict[str, WaterStandard] = {}
    for line, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        if row["units"] != "mg/L" or row["sense"] not in ("minimum", "maximum"):
            raise InputError(f"water_quality_standards.csv line {line}: units must be mg/L and sense minimum or "
                             f"maximum, got {row['units']!r}, {row['sense']!r}")
        limits = {c: float(row[f"class_{c}"]) * MG_L for c in WATER_CLASSES}
        rows[row["pollutant"]] = WaterStandard(pollutant=row["pollutant"], sense=row["sense"],  # type: ignore
                                               limits=limits, source=row["source"])
    return rows


def water_pollutants() -> list[str]:
    """Pollutant keys of the table, in table order."""
    return list(all_water_standards())


def water_standard(pollutant: str, where: str = "GB 3838-2002 limits") -> WaterStandard:
    """The row of ``pollutant``; InputError listing the keys the table holds."""
    table = all_water_standards()
    if pollutant not in table:
        raise InputError.field(where, "pollutant", pollutant,
                               f"a key of the GB 3838-2002 table ({', '.join(table)})")
    return table[pollutant]


def water_limit(pollutant: str, water_class: str) -> float:
    """GB 3838-2002 limit of ``pollutant`` in ``water_class``. [kg m-3]"""
    return water_standard(pollutant).limit(water_class)
