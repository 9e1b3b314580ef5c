"""ParkTwin layer 1: the park model (sources, risk sources, receptors, terrain, buildings, chemicals).

See docs/architecture.md. Import what you need from here; the submodules are the implementation.
"""

from twin.buildings import Building, read_buildings, write_buildings_geojson
from twin.chemicals import Chemical, ChemicalTable, load_chemicals, mg_m3_to_ppm, ppm_to_mg_m3
from twin.dem_io import read_dem, write_dem_geotiff
from twin.demo import DEMO_CENTRE_LONLAT, build_demo_park
from twin.errors import (
    InputError,
    MeteoCoverageError,
    MissingInputError,
    NumericalStabilityError,
    OutputError,
    ParkTwinError,
    UsageError,
)
from twin.io import load_park, write_park_bundle
from twin.park import Park, ParkSpec, park_json_schema
from twin.terrain import Terrain
from twin.validation import load_yaml, parse_model

__all__ = [
    "Park",
    "ParkSpec",
    "load_park",
    "write_park_bundle",
    "build_demo_park",
    "DEMO_CENTRE_LONLAT",
    "load_chemicals",
    "ChemicalTable",
    "Chemical",
    "ppm_to_mg_m3",
    "mg_m3_to_ppm",
    "Terrain",
    "read_dem",
    "write_dem_geotiff",
    "Building",
    "read_buildings",
    "write_buildings_geojson",
    "parse_model",
    "load_yaml",
    "park_json_schema",
    "ParkTwinError",
    "InputError",
    "MissingInputError",
    "MeteoCoverageError",
    "NumericalStabilityError",
    "UsageError",
    "OutputError",
]
