"""Monitor observations inside ParkTwin: one ``xarray.Dataset`` of hourly means at the park's stations, in SI.

Every reader of :mod:`twin.observations_io` (station CSV files, CF NetCDF) returns this layout, and every consumer
(model evaluation, source tracing) reads it:

* dims ``(station, time)``; ``time`` is the **start** of each averaging hour in UTC (datetime64[ns]) — the time stamp
  ParkTwin's own hourly outputs use (``scenarios.common.cf.hourly_time_bounds``: a value covers [t, t + 1 h));
* coordinates on ``station``: ``station_id`` (the monitor's ``id`` in park.yaml), ``station_name``, ``x``, ``y``
  (park CRS, [m]; NaN when no park was given and the file does not say), ``height`` (inlet height above ground, [m];
  NaN when not stated);
* one variable per substance, named by its key of ``twin/chemicals.csv`` (``sulfur_dioxide``): the hourly mean mass
  concentration [kg m-3]; NaN where the hour is missing, flagged not valid, or has too few valid minutes.

The conversions done once at the boundary (and only here):

* mass units: µg/m³ × 1e-9, mg/m³ × 1e-6 → kg/m³;
* mixing ratios (ppb, ppm) → mass concentration with the ideal-gas law c = χ·p·M/(R·T) at the *reference state*
  T = 298.15 K, p = 101.325 kPa (:data:`REFERENCE_TEMPERATURE`, :data:`REFERENCE_PRESSURE`): the reference state of
  the gaseous pollutants of GB 3095-2012 as amended in 2018 (Amendment No. 1, MEE announcement 2018 No. 29; listed
  in docs/unverified.md), the conditions at which Chinese analysers' ppb readings are reported as µg/m³. M comes from
  ``twin/chemicals.csv``; a substance without a molar mass (PM, lumped VOCs) cannot be given in ppb.
* 1-min values → hourly means: the mean of the valid minutes of the hour, kept only when at least
  :data:`MINIMUM_MINUTES_PER_HOUR` = 45 minutes are valid (GB 3095-2012 Table 4, "1-hour mean: at least 45 minutes
  of sampling in each hour"; listed in docs/unverified.md as its text was not read here).

Instrument flags (one ``flag`` column per file, for the whole row; :data:`FLAG_CODES`): ``V`` (or ``valid``, or an
empty cell) valid; ``C`` (``calibration``), ``M`` (``maintenance``), ``I`` (``invalid``) — the row is dropped.
Missing values: an empty cell, ``NaN`` / ``nan`` / ``NA``, or ``-999`` (:data:`MISSING_TOKENS`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import xarray as xr

from twin.chemicals import Chemical, ChemicalTable
from twin.errors import InputError

__all__ = [
    "STATION",
    "TIME",
    "FLAG_CODES",
    "VALID_FLAGS",
    "MISSING_TOKENS",
    "UNIT_SUFFIXES",
    "SUBSTANCE_ALIASES",
    "REFERENCE_TEMPERATURE",
    "REFERENCE_PRESSURE",
    "MINIMUM_MINUTES_PER_HOUR",
    "parse_column",
    "to_kg_m3",
    "hourly_means",
    "observation_dataset",
    "merge_stations",
    "observed_substances",
]

STATION, TIME = "station", "time"

# Instrument flag codes (ParkTwin's, documented in docs/observations.md): code -> meaning. Upper- or lower-case codes
# and the full words are accepted; an empty flag cell is valid.
FLAG_CODES = {"V": "valid", "C": "calibration", "M": "maintenance", "I": "invalid"}
VALID_FLAGS = frozenset({"V"})
_FLAG_WORDS = {**{code: code for code in FLAG_CODES}, **{word.upper(): code for code, word in FLAG_CODES.items()}}

MISSING_TOKENS = frozenset({"", "nan", "na", "-999", "-999.0", "-999.00", "-999.000"})

# Column-name unit suffix -> (kind, factor): "mass" factors convert to kg m-3, "mixing" ones to a mole fraction.
UNIT_SUFFIXES = {
    "ug_m3": ("mass", 1.0e-9),  # µg m-3 -> kg m-3
    "mg_m3": ("mass", 1.0e-6),  # mg m-3 -> kg m-3
    "kg_m3": ("mass", 1.0),
    "ppb": ("mixing", 1.0e-9),  # nmol/mol -> mol/mol
    "ppm": ("mixing", 1.0e-6),  # µmol/mol -> mol/mol
}

# Usual short names on analysers' exports -> key of twin/chemicals.csv (the keys themselves are accepted too).
SUBSTANCE_ALIASES = {
    "so2": "sulfur_dioxide", "no2": "nitrogen_dioxide", "co": "carbon_monoxide", "nh3": "ammonia",
    "h2s": "hydrogen_sulfide", "hcl": "hydrogen_chloride", "cl2": "chlorine", "pm25": "pm2_5", "pm2.5": "pm2_5",
    "c6h6": "benzene", "voc": "vocs", "tvoc": "vocs",
}

# Reference state of mixing-ratio conversions [K], [Pa] (module docstring).
REFERENCE_TEMPERATURE = 298.15
REFERENCE_PRESSURE = 101325.0

# Least number of valid 1-min values for an hourly mean (GB 3095-2012 Table 4; module docstring). [min]
MINIMUM_MINUTES_PER_HOUR = 45


def parse_column(header: str, chemicals: ChemicalTable, where: str) -> tuple[str, str]:
    """(substance key, unit suffix) of a concentration column named ``<substance>_<unit>`` (``so2_ug_m3``,
    ``sulfur_dioxide_ppb``, ``pm2_5_mg_m3``); InputError naming the column and the allowed forms otherwise."""
    name = header.strip().lower()
    for suffix in sorted(UNIT_SUFFIXES, key=len, reverse=True):
        if name.endswith("_" + suffix):
            token = name[: -len(suffix) - 1]
            key = SUBSTANCE_ALIASES.get(token, token)
            if key not in chemicals:
                raise InputError.field(where, f"column {header!r}", token,
                                       f"a substance key of twin/chemicals.csv ({', '.join(chemicals.keys())}) or "
                                       f"a short name ({', '.join(sorted(SUBSTANCE_ALIASES))})")
            return key, suffix
    raise InputError.field(where, "column", header,
                           f"'time_start' or 'time_end' (optionally '_utc'), 'flag', or '<substance>_<unit>' with "
                           f"unit one of {', '.join(UNIT_SUFFIXES)} (e.g. 'so2_ug_m3', 'nh3_ppb')")


def to_kg_m3(values: np.ndarray, unit: str, chemical: Chemical, where: str) -> np.ndarray:
    """Values in the column's ``unit`` (:data:`UNIT_SUFFIXES`) as mass concentration [kg m-3].

    Mixing ratios use c = χ·p·M/(R·T) (ideal-gas law; ``twin.chemicals.ppm_to_mg_m3``) at the reference state
    :data:`REFERENCE_TEMPERATURE`, :data:`REFERENCE_PRESSURE`.
    """
    kind, factor = UNIT_SUFFIXES[unit]
    values = np.asarray(values, dtype=np.float64)
    if kind == "mass":
        return values * factor
    if chemical.molar_mass is None:
        raise InputError.field(where, f"unit of {chemical.key!r}", unit,
                               "a mass unit (ug_m3, mg_m3): it has no molar mass in twin/chemicals.csv, so a mixing "
                               "ratio cannot be converted")
    ppm = values * factor * 1.0e6
    return np.asarray(chemical.ppm_to_kg_m3(ppm, REFERENCE_TEMPERATURE, REFERENCE_PRESSURE), dtype=np.float64)


def hourly_means(minute_start: np.ndarray, values: np.ndarray,
                 minimum: int = MINIMUM_MINUTES_PER_HOUR) -> tuple[np.ndarray, np.ndarray]:
    """Hourly means of 1-min values.

    Parameters
    ----------
    minute_start : array of datetime64
        Start of each minute (UTC), strictly increasing.
    values : array, shape (N,) or (N, K)
        The minute values; NaN = missing or not valid. [any unit]
    minimum : int
        Least number of valid minutes for an hour's mean (else NaN). [min]

    Returns
    -------
    (hour_start, means) : the start of every hour that holds at least one minute (datetime64[ns]), and the means
    (H,) or (H, K), NaN where fewer than ``minimum`` minutes are valid.
    """
    minute_start = np.asarray(minute_start, dtype="datetime64[ns]")
    values = np.asarray(values, dtype=np.float64)
    flat = values.reshape(values.shape[0], -1)
    hours = minute_start.astype("datetime64[h]")
    unique, index = np.unique(hours, return_inverse=True)
    valid = ~np.isnan(flat)
    counts = np.zeros((unique.size, flat.shape[1]))
    sums = np.zeros((unique.size, flat.shape[1]))
    np.add.at(counts, index, valid)
    np.add.at(sums, index, np.where(valid, flat, 0.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(counts >= minimum, sums / counts, np.nan)
    return unique.astype("datetime64[ns]"), means.reshape((unique.size, *values.shape[1:]))


def observation_dataset(*, station_id: Sequence[str], station_name: Sequence[str], x, y, height, time,
                        fields: Mapping[str, np.ndarray], chemicals: ChemicalTable,
                        sources: Sequence[str] = ()) -> xr.Dataset:
    """The observation dataset (module docstring) from arrays: ``fields`` key -> (station, time) [kg m-3]."""
    n = len(station_id)
    if len(set(station_id)) != n:
        raise InputError.field("observations", "station_id", list(station_id), "unique station ids")
    time = np.asarray(time, dtype="datetime64[ns]")
    if time.ndim != 1 or (time.size > 1 and (np.diff(time) <= np.timedelta64(0)).any()):
        raise InputError.field("observations", "time", time[:3].tolist(), "strictly increasing hour starts (UTC)")
    coords = {
        TIME: (TIME, time, {"standard_name": "time", "long_name": "start of the averaging hour (UTC)"}),
        "station_id": (STATION, np.array(list(station_id), dtype=object),
                       {"long_name": "monitor identifier", "cf_role": "timeseries_id"}),
        "station_name": (STATION, np.array(list(station_name), dtype=object), {"long_name": "monitor name"}),
        "x": (STATION, np.asarray(x, dtype=np.float64), {"long_name": "easting", "units": "m"}),
        "y": (STATION, np.asarray(y, dtype=np.float64), {"long_name": "northing", "units": "m"}),
        "height": (STATION, np.asarray(height, dtype=np.float64),
                   {"long_name": "inlet height above ground", "units": "m"}),
    }
    data_vars = {}
    for key, values in fields.items():
        values = np.asarray(values, dtype=np.float64)
        if values.shape != (n, time.size):
            raise InputError.field("observations", f"shape of {key!r}", values.shape, f"({n}, {time.size})")
        chemical = chemicals[key]
        data_vars[key] = ((STATION, TIME), values, {
            "long_name": f"hourly mean mass concentration of {chemical.name_en} in air (observed)",
            "units": "kg m-3", "substance": key, "coverage_content_type": "physicalMeasurement"})
    attrs = {"featureType": "timeSeries", "source_files": "; ".join(sources),
             "reference_temperature_K": REFERENCE_TEMPERATURE, "reference_pressure_Pa": REFERENCE_PRESSURE,
             "minimum_minutes_per_hour": MINIMUM_MINUTES_PER_HOUR}
    return xr.Dataset(data_vars, coords, attrs=attrs)


def merge_stations(datasets: Sequence[xr.Dataset]) -> xr.Dataset:
    """One observation dataset from per-station ones: the union of their hours and substances (NaN elsewhere)."""
    if not datasets:
        raise InputError.field("observations", "files", [], "at least one observation file")
    ids = [str(v) for ds in datasets for v in ds["station_id"].values]
    if len(set(ids)) != len(ids):
        duplicate = next(i for i in ids if ids.count(i) > 1)
        raise InputError.field("observations", "station_id", duplicate, "each station in one file only")
    time = np.unique(np.concatenate([ds[TIME].values for ds in datasets]))
    keys = sorted({k for ds in datasets for k in ds.data_vars})
    fields = {}
    for key in keys:
        rows = []
        for ds in datasets:
            aligned = ds.reindex({TIME: time})
            rows.append(aligned[key].values if key in ds else np.full((ds.sizes[STATION], time.size), np.nan))
        fields[key] = np.concatenate(rows, axis=0)
    merged = xr.Dataset(
        {key: ((STATION, TIME), values, next(ds[key].attrs for ds in datasets if key in ds))
         for key, values in fields.items()},
        coords={TIME: (TIME, time, datasets[0][TIME].attrs),
                **{name: (STATION, np.concatenate([ds[name].values for ds in datasets]), datasets[0][name].attrs)
                   for name in ("station_id", "station_name", "x", "y", "height")}},
        attrs={**datasets[0].attrs, "source_files": "; ".join(ds.attrs.get("source_files", "") for ds in datasets)})
    return merged


def observed_substances(observations: xr.Dataset) -> list[str]:
    """Substance keys present in an observation dataset."""
    return [str(name) for name in observations.data_vars if observations[name].dims == (STATION, TIME)]
