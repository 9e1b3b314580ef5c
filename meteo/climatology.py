"""Climatological summaries of a prepared hourly weather series (``meteo.prepare_dispersion_met`` output).

``most_common_conditions`` condenses at least a year of local hourly weather into the single "most common
meteorological conditions" (最常见气象条件) a level-1 risk assessment predicts with, next to the worst case.
HJ 169-2018 §9.1 (the clause number and the wording below are quoted from memory and were NOT seen in the
standard here, so they are flagged unverified wherever they are reported): the most common conditions are derived
from at least one consecutive year of local observations within the last three years, and comprise the stability
class of highest frequency, the mean wind speed of that class excluding calms (非静风), the mean daily maximum
air temperature (日最高平均气温) and the annual mean humidity.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from meteo.stability import CLASS_LABELS
from twin.constants import ZERO_CELSIUS
from twin.errors import InputError

__all__ = ["MostCommonConditions", "most_common_conditions", "HJ2_2_CALM_BELOW", "HOURS_PER_YEAR",
           "MeteorologySummary", "meteorology_summary", "SECTOR_NAMES", "WIND_ROSE_SPEED_EDGES"]

HJ2_2_CALM_BELOW = 0.5
"""A calm (静风) hour has a 10 m mean wind below this [m/s] (HJ 2.2-2018 term definition; quoted, unverified)."""

HOURS_PER_YEAR = 8760


class MostCommonConditions(NamedTuple):
    """The most common conditions of a weather series, with how often they occur.

    stability: Pasquill–Gifford code 0..5 (A..F); stability_frequency: share of all hours in that class [-];
    wind_speed: mean 10 m wind of the class's non-calm hours [m/s]; wind_from_direction: the most frequent of 16
    sectors among those hours, its centre [degree from north]; direction_frequency: that sector's share of them [-];
    air_temperature: mean of the local daily maxima [K]; mixing_height: median of the class's non-calm hours [m];
    hours: hours in the series; calm_hours: calm hours (wind < calm_below) in the series.
    """

    stability: int
    stability_frequency: float
    wind_speed: float
    wind_from_direction: float
    direction_frequency: float
    air_temperature: float
    mixing_height: float
    hours: int
    calm_hours: int

    def describe(self) -> str:
        """One line for reports: the values and the share of the year they stand for."""
        return (f"stability {CLASS_LABELS[self.stability]} ({100 * self.stability_frequency:.1f} % of "
                f"{self.hours} h), mean non-calm wind {self.wind_speed:.2f} m/s, mean daily maximum "
                f"{self.air_temperature - ZERO_CELSIUS:.1f} °C, "
                f"most frequent direction {self.wind_from_direction:.1f}° "
                f"({100 * self.direction_frequency:.1f} % of the class's non-calm hours)")

    def describe_zh(self) -> str:
        """:meth:`describe` in Chinese (大气稳定度, 非静风), with the same numbers."""
        return (f"大气稳定度 {CLASS_LABELS[self.stability]} 类（占 {self.hours} h 的 {100 * self.stability_frequency:.1f} %），"
                f"非静风平均风速 {self.wind_speed:.2f} m/s，日最高气温平均值 {self.air_temperature - ZERO_CELSIUS:.1f} °C，"
                f"最多风向 {self.wind_from_direction:.1f}°（占该稳定度非静风小时数的 {100 * self.direction_frequency:.1f} %）")


def _sector(direction: np.ndarray) -> np.ndarray:
    """Index 0..15 of the 22.5° sector (N first, clockwise, centred on N) of directions [degree from north]."""
    return np.floor(((direction + 11.25) % 360.0) / 22.5).astype(np.int64)


def most_common_conditions(met, *, utc_offset_hours: float, calm_below: float = HJ2_2_CALM_BELOW,
                           minimum_hours: int = HOURS_PER_YEAR, where: str = "weather") -> MostCommonConditions:
    """The HJ 169-2018 most common meteorological conditions of ``met`` (see the module docstring for the rule).

    Parameters
    ----------
    met : xarray.Dataset
        Prepared hourly weather (``prepare_dispersion_met`` or ``read_aermet``): ``time`` (UTC), ``wind_speed``
        [m/s] at 10 m, ``wind_from_direction`` [degree], ``air_temperature`` [K], ``stability_class`` (0..5),
        ``atmosphere_boundary_layer_thickness`` [m].
    utc_offset_hours : float
        Local time = UTC + this [h]; the daily maxima are taken over local calendar days.
    calm_below : float
        Calm threshold of the 10 m wind [m/s] (default: HJ 2.2-2018's 0.5 m/s).
    minimum_hours : int
        Fewest hours accepted (default one year, 8,760 h, as HJ 169 asks for at least one year).
    where : str
        Named in error messages.

    Returns
    -------
    MostCommonConditions
    """
    hours = int(met.sizes["time"])
    if hours < minimum_hours:
        raise InputError.field(where, "hours", hours, f">= {minimum_hours} hourly records (at least one year of "
                                                      f"local weather for the most common conditions)")
    stability = met["stability_class"].values.astype(np.int64)
    wind = met["wind_speed"].values.astype(float)
    direction = met["wind_from_direction"].values.astype(float)
    temperature = met["air_temperature"].values.astype(float)
    mixing = met["atmosphere_boundary_layer_thickness"].values.astype(float)
    counts = np.bincount(stability, minlength=6)
    mode = int(np.argmax(counts))  # ties go to the more unstable class (the first maximum)
    calm = wind < calm_below
    chosen = (stability == mode) & ~calm
    if not chosen.any():
        raise InputError.field(where, "wind_speed", f"all {int(counts[mode])} hours of class {CLASS_LABELS[mode]} "
                                                    f"calm", f">= {calm_below} m/s in some hours of the most "
                                                            f"frequent class")
    sectors = _sector(direction[chosen])
    sector_counts = np.bincount(sectors, minlength=16)
    sector = int(np.argmax(sector_counts))
    local = met["time"].values + np.timedelta64(int(round(utc_offset_hours * 3600)), "s")
    days = local.astype("datetime64[D]")
    _, day_index, day_hours = np.unique(days, return_inverse=True, return_counts=True)
    daily_max = np.full(day_hours.size, -np.inf)
    np.maximum.at(daily_max, day_index, temperature)
    whole = day_hours == 24  # a series cut at other than local midnight starts and ends with partial days
    daily_max = daily_max[whole] if whole.any() else daily_max
    return MostCommonConditions(
        stability=mode, stability_frequency=float(counts[mode] / hours), wind_speed=float(wind[chosen].mean()),
        wind_from_direction=22.5 * sector, direction_frequency=float(sector_counts[sector] / chosen.sum()),
        air_temperature=float(daily_max.mean()), mixing_height=float(np.median(mixing[chosen])), hours=hours,
        calm_hours=int(calm.sum()))


SECTOR_NAMES = ("N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE", "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW")
"""The 16 wind-direction sectors of 22.5°, centred on N (0°), clockwise (HJ 2.2-2018's 16 方位 wind rose)."""
WIND_ROSE_SPEED_EDGES = (0.5, 2.0, 3.0, 5.0, 8.0)
"""Lower edges of the wind rose's speed classes [m/s]: 0.5–2, 2–3, 3–5, 5–8, ≥ 8 (below 0.5: calm). ParkTwin's
choice of classes; HJ 2.2-2018 asks for the rose and the frequencies, not for these edges."""


class MeteorologySummary(NamedTuple):
    """What an HJ 2.2-2018 report states of the year's weather: the wind rose, the calm share, the stability-class
    frequencies and the mixing heights.

    rose : (16, len(WIND_ROSE_SPEED_EDGES)) share of all hours from each sector (rows, SECTOR_NAMES order) in each
    speed class (columns) [-]; calm : share of calm hours (10 m wind < calm_below) [-]; mean_wind_speed : of the
    non-calm hours [m/s]; stability : (6,) share of all hours in each class A..F [-]; stability_wind_speed : (6,)
    mean 10 m wind of each class [m/s] (NaN for an absent class); mixing_height : (6, 3) the 10th, 50th and 90th
    percentile of each class's mixing height [m] (NaN for an absent class); hours : hours summarised.
    """

    rose: np.ndarray
    calm: float
    mean_wind_speed: float
    stability: np.ndarray
    stability_wind_speed: np.ndarray
    mixing_height: np.ndarray
    hours: int


def meteorology_summary(met, *, calm_below: float = HJ2_2_CALM_BELOW) -> MeteorologySummary:
    """The wind rose, calm share, stability-class frequencies and mixing heights of a prepared hourly series
    (``wind_speed`` [m/s] at 10 m before any calm reset, ``wind_from_direction`` [degree from true north],
    ``stability_class`` 0..5, ``atmosphere_boundary_layer_thickness`` [m]); see :class:`MeteorologySummary`."""
    hours = int(met.sizes["time"])
    if hours == 0:
        raise InputError.field("weather", "hours", 0, "at least one hour to summarise")
    wind = np.asarray(met["wind_speed"].values, dtype=float)
    direction = np.asarray(met["wind_from_direction"].values, dtype=float)
    stability = np.asarray(met["stability_class"].values).astype(np.int64)
    mixing = np.asarray(met["atmosphere_boundary_layer_thickness"].values, dtype=float)
    calm = wind < calm_below
    sector = _sector(direction)
    speed_class = np.searchsorted(np.asarray(WIND_ROSE_SPEED_EDGES), wind, side="right") - 1
    rose = np.zeros((16, len(WIND_ROSE_SPEED_EDGES)))
    np.add.at(rose, (sector[~calm], speed_class[~calm]), 1.0)
    class_share = np.bincount(stability, minlength=6)[:6] / hours
    class_wind = np.full(6, np.nan)
    class_mixing = np.full((6, 3), np.nan)
    for code in range(6):
        members = stability == code
        if members.any():
            class_wind[code] = wind[members].mean()
            class_mixing[code] = np.percentile(mixing[members], [10, 50, 90])
    return MeteorologySummary(rose=rose / hours, calm=float(calm.mean()),
                              mean_wind_speed=float(wind[~calm].mean()) if (~calm).any() else float("nan"),
                              stability=class_share, stability_wind_speed=class_wind, mixing_height=class_mixing,
                              hours=hours)
