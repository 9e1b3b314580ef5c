"""Ambient air-quality standards, from the packaged ``twin/air_quality_standards.csv``.

GB 3095-2012 Table 1 limits (grade I for class-1 areas such as nature reserves, grade II for residential, commercial
and industrial areas), in µg/m³ at reference conditions, for the averaging times 1 h, 8 h, 24 h and annual; plus
HJ 2.2-2018 Appendix D reference values for substances GB 3095 does not cover (TVOC: 8 h). The ``percentile`` column
is the HJ 663-2013 percentile of the daily means that is compared with the 24-h limit (98th for SO2 and NO2, 95th
for PM10, PM2.5 and CO); empty means the maximum is compared (short-term 1-h and 8-h values per HJ 2.2-2018, and
annual means). Each row names its source.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Literal

from twin.errors import InputError

__all__ = ["Standard", "AVERAGING_HOURS", "standards_for", "all_standards", "screening_hourly_limit"]

Averaging = Literal["1h", "8h", "24h", "annual"]
AVERAGING_HOURS = {"1h": 1, "8h": 8, "24h": 24, "annual": 8760}


@dataclass(frozen=True)
class Standard:
    """One limit: ``pollutant`` key of twin/chemicals.csv, ``averaging`` time, the grade I/II values [kg m-3]
    (converted from the table's µg/m³ once, here), the HJ 663 percentile of daily means (None: the maximum)."""

    pollutant: str
    averaging: Averaging
    grade_1: float
    grade_2: float
    percentile: float | None
    source: str

    def limit(self, grade: Literal[1, 2]) -> float:
        """The limit of ``grade`` (1 or 2). [kg m-3]"""
        if grade not in (1, 2):
            raise InputError.field("air-quality standard", "grade", grade, "1 (grade I) or 2 (grade II)")
        return self.grade_1 if grade == 1 else self.grade_2


@lru_cache(maxsize=1)
def all_standards() -> tuple[Standard, ...]:
    """Every row of the packaged table, limits in kg m-3."""
    text = resources.files("twin").joinpath("air_quality_standards.csv").read_text(encoding="utf-8")
    rows = []
    for line, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        if row["units"] != "ug/m3" or row["averaging"] not in AVERAGING_HOURS:
            raise InputError(f"air_quality_standards.csv line {line}: units must be ug/m3 and averaging one of "
                             f"{list(AVERAGING_HOURS)}, got {row['units']!r}, {row['averaging']!r}")
        rows.append(Standard(
            pollutant=row["pollutant"], averaging=row["averaging"],  # type: ignore[arg-type]
            grade_1=float(row["grade_1"]) * 1e-9, grade_2=float(row["grade_2"]) * 1e-9,
            percentile=float(row["percentile"]) if row["percentile"] else None, source=row["source"]))
    return tuple(rows)


def standards_for(pollutant: str) -> list[Standard]:
    """The limits of ``pollutant`` (1h, 8h, 24h, annual order); InputError if the table has none."""
    found = [s for s in all_standards() if s.pollutant == pollutant]
    if not found:
        known = sorted({s.pollutant for s in all_standards()})
        raise InputError.field("air-quality standards", "pollutant", pollutant,
                               f"one with a GB 3095-2012 / HJ 2.2-2018 limit ({', '.join(known)})")
    return sorted(found, key=lambda s: AVERAGING_HOURS[s.averaging])


def screening_hourly_limit(pollutant: str, grade: Literal[1, 2] = 2) -> tuple[float, str]:
    """C0 of the HJ 2.2-2018 screening percentage Pmax: the 1-h limit, or 2× the 8-h, 3× the 24-h or 6× the annual
    limit when no 1-h limit exists (HJ 2.2-2018 §5.3.2.1, note to Eq. 1). Returns (C0 [kg m-3], how it was got)."""
    by_time = {s.averaging: s for s in standards_for(pollutant)}
    for averaging, factor in (("1h", 1.0), ("8h", 2.0), ("24h", 3.0), ("annual", 6.0)):
        if averaging in by_time:
            how = f"{averaging} limit" if factor == 1.0 else f"{factor:g} × {averaging} limit"
            return by_time[averaging].limit(grade) * factor, how
    raise AssertionError("unreachable: standards_for returns at least one row")
