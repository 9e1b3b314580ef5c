"""Read and write a park bundle: ``park.yaml`` + ``buildings.geojson`` + ``dem.tif`` (or ``dem.nc``).

Every check that needs more than one file lives here: the EPSG code must be a projected CRS, the DEM and buildings
files must exist, substances must be in the chemicals table, and stacks and risk sources must lie on the DEM.
A missing file named by park.yaml is a bad bundle (InputError, exit 65), not a missing input (66): the user must fix
park.yaml or the bundle, retrying will not help.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pyproj
import yaml

from twin.buildings import Building, read_buildings, write_buildings_geojson
from twin.chemicals import load_chemicals
from twin.dem_io import read_dem, write_dem_geotiff
from twin.errors import InputError
from twin.inputs import record_output_identity
from twin.park import Park, ParkSpec
from twin.atomic import atomic_output
from twin.terrain import Terrain
from twin.validation import load_yaml, parse_model

_LOG = logging.getLogger("parktwin")

__all__ = ["load_park", "write_park_bundle", "park_crs", "PARK_YAML_HEADER"]

PARK_YAML_HEADER = (
    "# ParkTwin park bundle (schema_version 1).\n"
    "# Coordinates: metres in the park CRS named by `epsg` (x = easting, y = northing).\n"
    "# Units: heights/elevations m, velocities m/s, temperatures K, pressures Pa (absolute), inventories kg,\n"
    "# emission rates g/s. `dem` and `buildings` are paths relative to this file.\n"
)

_EPSG_HELP = "an EPSG code of a projected CRS (e.g. 4549 for CGCS2000 / 3-degree Gauss-Kruger CM 120E)"


def park_crs(epsg: int, where: str = "park.yaml") -> pyproj.CRS:
    """The park CRS for ``epsg``; InputError unless it is a projected CRS known to PROJ."""
    try:
        crs = pyproj.CRS.from_epsg(epsg)
    except pyproj.exceptions.CRSError:
        raise InputError(f"{where}: epsg must be {_EPSG_HELP}, got {epsg}") from None
    if not crs.is_projected:
        raise InputError(f"{where}: epsg must be {_EPSG_HELP}, got {epsg} ({crs.name}, a "
                         f"{'geographic' if crs.is_geographic else 'non-projected'} CRS)")
    return crs


ALLOW_OUTSIDE_BUNDLE = "PARKTWIN_ALLOW_OUTSIDE_BUNDLE"


def _bundle_file(root: Path, relative: str, field: str, where: str) -> Path:
    """The bundle file ``relative`` names; it must lie inside the bundle's folder (links resolved), so a park.yaml
    cannot make the run read any file of the machine (``dem: /etc/passwd``), unless the operator sets the
    environment variable ``PARKTWIN_ALLOW_OUTSIDE_BUNDLE=1``."""
    path = (root / relative).resolve()
    if not path.is_relative_to(root.resolve()) and os.environ.get(ALLOW_OUTSIDE_BUNDLE) != "1":
        raise InputError.field(where, field, relative, f"a file inside the park bundle's folder {str(root)!r} "
                               f"(set {ALLOW_OUTSIDE_BUNDLE}=1 to allow files elsewhere)")
    if not path.is_file():
        raise InputError(f"{where}: {field} file not found: {relative!r} (resolved to {path}); the park bundle "
                         "must contain it")
    return path


def _check_substances(spec: ParkSpec, keys: list[str], where: str) -> None:
    valid = ", ".join(keys)
    for list_name, sources in (("stacks", spec.stacks), ("volume_sources", spec.volume_sources),
                               ("area_sources", spec.area_sources)):
        for index, stack in enumerate(sources):
            for substance in stack.emissions:
                if substance not in keys:
                    raise InputError(f"{where}: {list_name}[{index}].emissions: substance must be one of the keys of "
                                     f"twin/chemicals.csv ({valid}), got {substance!r} ({list_name[:-1].replace('_', ' ')} "
                                     f"{stack.id!r})")
    for index, source in enumerate(spec.risk_sources):
        if source.substance not in keys:
            raise InputError(f"{where}: risk_sources[{index}].substance must be one of the keys of "
                             f"twin/chemicals.csv ({valid}), got {source.substance!r} (risk source {source.id!r})")
    for index, monitor in enumerate(spec.monitors):
        for substance in monitor.pollutants:
            if substance not in keys:
                raise InputError(f"{where}: monitors[{index}].pollutants: substance must be one of ({valid}), "
                                 f"got {substance!r} (monitor {monitor.id!r})")


def _check_on_dem(spec: ParkSpec, terrain: Terrain, where: str) -> None:
    xmin, ymin, xmax, ymax = terrain.bounds
    extent = f"x {xmin:.1f}..{xmax:.1f} m, y {ymin:.1f}..{ymax:.1f} m"
    for list_name, items in (("stacks", spec.stacks), ("volume_sources", spec.volume_sources),
                             ("area_sources", spec.area_sources), ("risk_sources", spec.risk_sources)):
        for index, item in enumerate(items):
            if not terrain.contains(item.x, item.y):
                raise InputError(f"{where}: {list_name}[{index}] ({item.id!r}): position must lie on the DEM "
                                 f"({extent}), got ({item.x:.1f}, {item.y:.1f})")


def _check_buildings_on_dem(buildings: list[Building], spec: ParkSpec, terrain: Terrain, where: str) -> None:
    """Building footprints must lie on the DEM: none on it is an error (footprints read in the wrong CRS —
    ``buildings_crs: park`` on a lon/lat file puts them all within 180 m of the CRS origin — would otherwise drop
    out of every model silently); some off it is a logged warning with their number (a city file wider than the
    park's DEM)."""
    xmin, ymin, xmax, ymax = terrain.bounds
    outside = [b for b in buildings if b.footprint.bounds[2] < xmin or b.footprint.bounds[0] > xmax
               or b.footprint.bounds[3] < ymin or b.footprint.bounds[1] > ymax]
    if not outside:
        return
    if len(outside) < len(buildings):
        _LOG.warning("%s: buildings %r: %d of %d footprints lie off the DEM", where, spec.buildings,
                     len(outside), len(buildings))
        return
    first = outside[0].footprint.centroid
    hint = ""
    if spec.buildings_crs == "park" and all(abs(c) <= 180.0 for b in outside for c in b.footprint.bounds):
        hint = "; the coordinates look like longitude/latitude: set buildings_crs: EPSG:4326"
    raise InputError(f"{where}: buildings {spec.buildings!r}: all {len(buildings)} footprints lie "
                     f"off the DEM (x {xmin:.1f}..{xmax:.1f} m, y {ymin:.1f}..{ymax:.1f} m in EPSG:{spec.epsg}), "
                     f"e.g. {outside[0].id!r} at ({first.x:.1f}, {first.y:.1f}) read with buildings_crs: "
                     f"{spec.buildings_crs}{hint}")


def load_park(path: str | Path) -> Park:
    """Load and check a park bundle from its ``park.yaml``.

    Raises
    ------
    MissingInputError
        park.yaml itself does not exist.
    InputError
        Anything in the bundle is invalid or inconsistent; the message names the field, the value and what is
        allowed.
    """
    path = Path(path)
    where = path.name
    spec = parse_model(ParkSpec, load_yaml(path, where), where)
    if spec.metadata is not None:  # institution, creator_*, license of every NetCDF file this run writes
        record_output_identity(spec.metadata.model_dump(exclude_none=True))
    crs = park_crs(spec.epsg, where)
    chemicals = load_chemicals()
    _check_substances(spec, chemicals.keys(), where)
    root = path.resolve().parent
    dem_path = _bundle_file(root, spec.dem, "dem", where)
    buildings_path = _bundle_file(root, spec.buildings, "buildings", where)
    terrain = read_dem(dem_path, crs, where=f"{where}: dem {spec.dem!r}")
    _check_on_dem(spec, terrain, where)
    buildings = read_buildings(buildings_path, crs, spec.buildings_crs, where=f"{where}: buildings {spec.buildings!r}")
    _check_buildings_on_dem(buildings, spec, terrain, where)
    return Park(spec=spec, root=root, crs=crs, terrain=terrain, buildings=buildings, chemicals=chemicals)


def dump_park_yaml(spec: ParkSpec) -> str:
    """``park.yaml`` text for ``spec``: header comment + block YAML, UTF-8 characters kept, field order kept."""
    data = spec.model_dump(mode="json", exclude_none=True)
    body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=None, width=120)
    return PARK_YAML_HEADER + body


def write_park_bundle(folder: str | Path, spec: ParkSpec, terrain: Terrain, buildings: list[Building]) -> Path:
    """Write ``park.yaml``, the buildings GeoJSON and the DEM GeoTIFF into ``folder``; return the park.yaml path.

    File names come from ``spec.dem`` and ``spec.buildings`` (relative to the folder). The DEM must be a
    ``.tif``; buildings are written as RFC 7946 WGS84, so ``spec.buildings_crs`` must be ``"EPSG:4326"``.
    Every file is written atomically (``twin.atomic.atomic_output``).
    """
    folder = Path(folder)
    if Path(spec.dem).suffix.lower() not in (".tif", ".tiff"):
        raise InputError.field("write_park_bundle", "spec.dem", spec.dem, "a GeoTIFF file name ending in .tif")
    if spec.buildings_crs != "EPSG:4326":
        raise InputError.field("write_park_bundle", "spec.buildings_crs", spec.buildings_crs,
                               "'EPSG:4326' (buildings are written as RFC 7946 GeoJSON)")
    crs = park_crs(spec.epsg, "write_park_bundle")
    folder.mkdir(parents=True, exist_ok=True)
    write_dem_geotiff(folder / spec.dem, terrain, spec.epsg)
    write_buildings_geojson(folder / spec.buildings, buildings, crs)
    yaml_path = folder / "park.yaml"
    with atomic_output(yaml_path) as temporary:
        temporary.write_text(dump_park_yaml(spec), encoding="utf-8")
    return yaml_path
