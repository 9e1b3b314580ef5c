"""Output files: atomic writes, and the CF-1.11 + ACDD-1.3 NetCDF store with provenance.

Atomic output: a crash never leaves a truncated file that looks complete. Every output (NetCDF, PNG, GeoJSON, JSON,
text) is written to a fresh ``.<name>.<random>.part`` file in the same folder (:mod:`twin.atomic`) and renamed over
the final name only once it is complete (``os.replace`` is atomic on POSIX within one file system).

NetCDF store: :func:`write_netcdf` writes a dataset built by :mod:`twin.schema` with compression, day-sized chunks,
the ACDD discovery attributes and the provenance of the run (scenario JSON and its SHA-256, versions, seed, history);
:func:`finished_output_matches` lets a batch skip members whose finished file matches the scenario hash.
"""

from __future__ import annotations

import functools

import hashlib
import json
import os
import shlex
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import numpy as np
import pyproj
import shapely
import xarray as xr
from shapely.geometry.polygon import orient

from twin import schema
from twin.atomic import atomic_output, write_text_atomic  # re-exported: the store's public API

# The HDF5 library under netCDF4 is not thread-safe: two threads writing files at once fail with "NetCDF: Can't open
# HDF5 attribute" (seen with ensemble members on Dask threads). Every NetCDF write or attribute read of this module
# holds this lock; members still compute in parallel, only the few milliseconds of file writing are serialised.
NETCDF_LOCK = threading.RLock()
from twin.errors import InputError, MissingInputError
from twin.inputs import input_notes, inputs_read, output_identity

__all__ = [
    "atomic_output",
    "write_text_atomic",
    "Provenance",
    "canonical_json",
    "write_netcdf",
    "read_netcdf",
    "finished_output_matches",
]


# --------------------------------------------------------------------------------------------------- NetCDF store

CONVENTIONS = "CF-1.11, ACDD-1.3"
STANDARD_NAME_VOCABULARY = "CF Standard Name Table v93"  # the table bundled with compliance-checker 6.1 (2026-03-17)
FILL_VALUE = np.float32(-9999.0)
DAY_CHUNK = 24  # hours: one day of hourly maps per chunk (ecosystem notes §1.4: best write/read balance measured)

# Discovery attributes a park operator should set (through the dataset's attrs); written as "unspecified" otherwise.
DEFAULT_GLOBAL_ATTRS = {
    "naming_authority": "parktwin",
    "creator_name": "unspecified",
    "creator_type": "institution",
    "institution": "unspecified",
    "license": "unspecified",
    "processing_level": "model output (atmospheric dispersion simulation)",
    "keywords_vocabulary": "none (free-text keywords)",
}

# What a flood file is (it takes the place of the dispersion default above).
FLOOD_PROCESSING_LEVEL = "model output (local-inertial shallow-water flood simulation)"

_VERSIONED_PACKAGES = {"parktwin": "parktwin", "numpy": "numpy", "numba": "numba", "xarray": "xarray", "netcdf4": "netCDF4"}


def parktwin_version() -> str:
    """The installed ParkTwin version (package metadata), as written into every output."""
    return _version("parktwin")


def canonical_json(text: str) -> str:
    """The canonical form of a JSON document: keys sorted, no insignificant white space, UTF-8 kept as is.

    Two scenario files that mean the same thing give the same string, hence the same SHA-256.
    """

    def reject_constant(name: str):
        raise ValueError(f"{name} is not JSON")

    try:
        value = json.loads(text, parse_constant=reject_constant)
    except (TypeError, ValueError) as error:
        raise InputError.field("provenance", "scenario_config", str(text)[:60], f"a JSON document ({error})") from None
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class Provenance:
    """Where a file comes from: written as global attributes by :func:`write_netcdf`.

    scenario_config : the validated scenario as JSON (e.g. ``Scenario.model_dump_json()``); stored canonical.
    command_line : the command that produced the file (a string, or argv as a list).
    random_seed : the seed of a stochastic member, if any.
    extra_attrs : further global attributes (``scenario_id``, ``met_source``, ``ensemble_size``, ...).
    scenario_config_sha256 : computed here: SHA-256 (hex) of the UTF-8 canonical JSON.
    """

    scenario_config: str
    command_line: str | Sequence[str]
    random_seed: int | None = None
    extra_attrs: Mapping[str, str | int | float] = field(default_factory=dict)
    scenario_config_sha256: str = field(init=False)

    def __post_init__(self) -> None:
        config = canonical_json(self.scenario_config)
        object.__setattr__(self, "scenario_config", config)
        object.__setattr__(self, "scenario_config_sha256", hashlib.sha256(config.encode("utf-8")).hexdigest())
        if not isinstance(self.command_line, str):
            object.__setattr__(self, "command_line", shlex.join(str(a) for a in self.command_line))
        seed = self.random_seed
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
            raise InputError.field("provenance", "random_seed", seed, "None or an integer >= 0")
        for name, value in self.extra_attrs.items():
            if isinstance(value, bool) or not isinstance(value, (str, int, float, np.integer, np.floating)):
                raise InputError.field("provenance", f"extra_attrs[{name!r}]", value, "a string or a number")
        object.__setattr__(self, "extra_attrs", dict(self.extra_attrs))

    def attrs(self) -> dict:
        """The provenance global attributes."""
        attrs = {"scenario_config": self.scenario_config, "scenario_config_sha256": self.scenario_config_sha256}
        attrs.update({f"{key}_version": _version(dist) for key, dist in _VERSIONED_PACKAGES.items()})
        if self.random_seed is not None:
            attrs["random_seed"] = np.int64(self.random_seed)
        inputs = inputs_read()
        if inputs:  # the input files of the run (twin.inputs), as in run.json
            attrs["input_files_sha256"] = json.dumps(inputs, ensure_ascii=False)
        notes = input_notes()
        if notes:  # what was done to inputs to use them (a DEM reprojected, missing hours filled), as in run.json
            attrs["input_notes"] = json.dumps(notes, ensure_ascii=False)
        return attrs


def write_netcdf(
    ds: xr.Dataset,
    path: str | os.PathLike,
    provenance: Provenance,
    *,
    title: str,
    summary: str,
    keywords: str | Sequence[str],
    complevel: int = 4,
    float64: Sequence[str] = (),
) -> Path:
    """Write ``ds`` (built by :mod:`twin.schema`) as CF-1.11 + ACDD-1.3 NetCDF-4, atomically; return the path.

    Data variables are float32 with ``_FillValue`` -9999, zlib + shuffle at ``complevel``, chunked one realization,
    one level and one day (24 steps, or all if fewer) by the full horizontal extent; variables named in ``float64``
    keep double precision (transfer matrices, whose users solve linear programs with them). Coordinates get no fill value
    (CF §5: coordinate values must not be missing). Times are written as float64 "hours since <first day>",
    proleptic Gregorian calendar. Discovery attributes (ACDD-1.3) are computed from the data; identity attributes
    (institution, creator_*, license, id, ...) come from ``ds.attrs`` when set there, else from the park's
    ``metadata:`` (``twin.inputs.output_identity``), else "unspecified".
    """
    if not 0 <= int(complevel) <= 9:
        raise InputError.field(f"output {os.fspath(path)!r}", "complevel", complevel, "an integer 0..9")
    out = ds.copy(deep=False)
    out.attrs = _global_attrs(ds, path, provenance, title=title, summary=summary, keywords=keywords)
    encoding = _encoding(out, int(complevel))
    for name in float64:
        encoding[name]["dtype"] = "float64"
    with atomic_output(path) as temporary, NETCDF_LOCK:
        out.to_netcdf(temporary, engine="netcdf4", format="NETCDF4", encoding=encoding)
    return Path(path)


def read_netcdf(path: str | os.PathLike) -> xr.Dataset:
    """Open a ParkTwin NetCDF file (lazily; close it or use ``with``). Always the netCDF4 engine: letting xarray guess
    the engine can load a GRIB backend whose bundled PROJ breaks pyproj (ecosystem notes §0.3)."""
    if not Path(path).is_file():
        raise MissingInputError(f"NetCDF file {os.fspath(path)!r} does not exist")
    return xr.open_dataset(path, engine="netcdf4")


def finished_output_matches(path: str | os.PathLike, sha256: str) -> bool:
    """True if ``path`` is a finished file whose ``scenario_config_sha256`` equals ``sha256`` (resumable batches).

    Files still being written (``.<name>.<random>.part.nc``) never match; an unreadable file does not match either.
    """
    import netCDF4  # only the attribute is needed: no xarray decoding

    if not Path(path).is_file():
        return False
    try:
        with NETCDF_LOCK, netCDF4.Dataset(path) as nc:
            return getattr(nc, "scenario_config_sha256", None) == sha256
    except OSError:
        return False


# --------------------------------------------------------------------------------------------------- helpers


@functools.lru_cache(maxsize=None)
def _version(distribution: str) -> str:
    """Installed version (parsed from the package metadata once per process: 0.8 ms a call, 10 per file)."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def _iso(t: np.datetime64) -> str:
    return f"{np.datetime_as_string(t, unit='s')}Z"


def _iso_duration(delta: np.timedelta64) -> str:
    """ISO 8601 duration: 3 h -> "PT3H", 1 day -> "P1D", 90 min -> "PT1H30M"."""
    seconds = delta / np.timedelta64(1, "s")
    if seconds > 0 and seconds % 86400 == 0:
        return f"P{int(seconds // 86400)}D"
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{int(hours)}H" if hours else "", f"{int(minutes)}M" if minutes else ""]
    parts.append(f"{seconds:g}S" if seconds or not any(parts) else "")
    return "PT" + "".join(parts)


def _global_attrs(ds: xr.Dataset, path, provenance: Provenance, *, title, summary, keywords) -> dict:
    if not isinstance(keywords, str):
        keywords = ", ".join(keywords)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    version = provenance.attrs()["parktwin_version"]
    source = f"parktwin {version}"
    given_source = str(ds.attrs.get("source", ""))
    if given_source and not given_source.startswith("parktwin"):
        source = f"{source} ({given_source})"
    history = f"{stamp} {provenance.command_line}"
    if ds.attrs.get("history"):
        history = f"{history}\n{ds.attrs['history']}"  # newest first
    computed = {
        "Conventions": CONVENTIONS,
        "title": title,
        "summary": summary,
        "keywords": keywords,
        "history": history,
        "date_created": stamp,
        "project": "ParkTwin",
        "source": source,
        "standard_name_vocabulary": STANDARD_NAME_VOCABULARY,
        **_geospatial_attrs(ds),
        **_time_coverage_attrs(ds),
        **provenance.attrs(),
    }
    clash = sorted(set(provenance.extra_attrs) & set(computed))
    if clash:
        raise InputError.field("provenance", "extra_attrs", clash, "names other than the computed attributes")
    attrs = {**DEFAULT_GLOBAL_ATTRS, **output_identity(), "product_version": schema.SCHEMA_VERSION}
    attrs.setdefault("id", f"parktwin_{provenance.scenario_config_sha256[:16]}_{Path(path).stem}")
    attrs.update(ds.attrs)
    attrs.update(provenance.extra_attrs)
    attrs.update(computed)
    return attrs


def _geospatial_attrs(ds: xr.Dataset) -> dict:
    attrs: dict = {}
    if "lat" in ds.variables and "lon" in ds.variables:
        lat, lon = ds["lat"].values, ds["lon"].values
        attrs.update(
            geospatial_lat_min=float(np.nanmin(lat)),
            geospatial_lat_max=float(np.nanmax(lat)),
            geospatial_lat_units="degrees_north",
            geospatial_lon_min=float(np.nanmin(lon)),
            geospatial_lon_max=float(np.nanmax(lon)),
            geospatial_lon_units="degrees_east",
        )
        if lat.ndim == 2:  # the outline of the grid is enough for its convex hull
            lat = np.concatenate([lat[[0, -1], :].ravel(), lat[:, [0, -1]].ravel()])
            lon = np.concatenate([lon[[0, -1], :].ravel(), lon[:, [0, -1]].ravel()])
        hull = shapely.MultiPoint(np.column_stack([lon.ravel(), lat.ravel()])).convex_hull
        if isinstance(hull, shapely.Polygon):
            hull = orient(hull, sign=1.0)  # anticlockwise seen from above
        # lat/lon are on the datum of the grid's CRS (CGCS2000, EPSG:4490, for the Chinese Gauss-Kruger CRSs).
        wkt = ds[schema.GRID_MAPPING].attrs.get("crs_wkt") if schema.GRID_MAPPING in ds.variables else None
        geodetic = pyproj.CRS.from_wkt(wkt).geodetic_crs if wkt else pyproj.CRS.from_epsg(4326)
        if geodetic.axis_info[0].direction == "north":  # ACDD: points in the axis order of geospatial_bounds_crs
            hull = shapely.transform(hull, lambda xy: xy[:, ::-1])
        attrs["geospatial_bounds"] = shapely.to_wkt(hull, rounding_precision=6)
        epsg = geodetic.to_epsg()
        attrs["geospatial_bounds_crs"] = f"EPSG:{epsg}" if epsg else geodetic.to_wkt()
    heights = [v for v in ds.coords.values() if v.attrs.get("standard_name") == "height"]
    if heights:
        attrs.update(
            geospatial_vertical_min=float(np.nanmin(heights[0].values)),
            geospatial_vertical_max=float(np.nanmax(heights[0].values)),
            geospatial_vertical_units="m",
            geospatial_vertical_positive="up",
        )
    return attrs


def _time_coverage_attrs(ds: xr.Dataset) -> dict:
    if schema.TIME not in ds.coords:
        return {}
    time = ds[schema.TIME].values
    if schema.TIME_BOUNDS in ds.variables:
        bounds = ds[schema.TIME_BOUNDS].values
        start, end, steps = bounds[0, 0], bounds[-1, 1], np.unique(bounds[:, 1] - bounds[:, 0])
    else:
        start, end, steps = time[0], time[-1], np.unique(np.diff(time))
    attrs = {
        "time_coverage_start": _iso(start),
        "time_coverage_end": _iso(end),
        "time_coverage_duration": _iso_duration(end - start),
    }
    if steps.size == 1:  # irregular steps have no single resolution: the attribute is left out
        attrs["time_coverage_resolution"] = _iso_duration(steps[0])
    return attrs


def _encoding(out: xr.Dataset, complevel: int) -> dict:
    """Per-variable encoding; also sets each data variable's ``coordinates`` (on ``out``, a shallow copy)."""
    related = {v.attrs[a] for v in out.variables.values() for a in ("bounds", "climatology", "grid_mapping") if a in v.attrs}
    times = [v.values.min() for v in out.variables.values() if np.issubdtype(v.dtype, np.datetime64)]
    time_units = f"hours since {np.datetime_as_string(min(times), unit='D')} 00:00:00" if times else None
    encoding: dict = {}
    for name, variable in out.variables.items():
        variable.attrs.pop("coordinates", None)
        variable.encoding = {"coordinates": None if name in out.coords or name in related else _coordinates(out, name)}
        if np.issubdtype(variable.dtype, np.datetime64):
            encoding[name] = {"units": time_units, "calendar": "proleptic_gregorian", "dtype": "float64", "_FillValue": None}
        elif name in out.coords or name in related:
            encoding[name] = {"_FillValue": None} if np.issubdtype(variable.dtype, np.floating) else {}
        elif np.issubdtype(variable.dtype, np.floating) and variable.ndim > 0:
            chunks = tuple(_chunk(dim, size) for dim, size in variable.sizes.items())
            encoding[name] = {
                "dtype": "float32",
                "_FillValue": FILL_VALUE,
                "zlib": complevel > 0,
                "complevel": complevel,
                "shuffle": True,
                "chunksizes": chunks,
            }
        else:
            encoding[name] = {}
    return encoding


def _coordinates(out: xr.Dataset, name: str) -> str | None:
    """Auxiliary coordinates of a data variable: those spanning a subset of its dimensions, and the scalar
    coordinates its cell_methods names (a scalar period applies to the statistics, not to the hourly fields)."""
    variable = out.variables[name]
    named = {word[:-1] for word in variable.attrs.get("cell_methods", "").split() if word.endswith(":")}
    names = [
        coord
        for coord, values in out.coords.items()
        if coord not in out.dims
        and ((values.ndim > 0 and set(values.dims) <= set(variable.dims)) or (values.ndim == 0 and coord in named))
    ]
    return " ".join(str(n) for n in names) or None


def _chunk(dim: str, size: int) -> int:
    if dim in (schema.REALIZATION, schema.Z):
        return 1
    if dim == schema.TIME:
        return min(DAY_CHUNK, size)
    return size
