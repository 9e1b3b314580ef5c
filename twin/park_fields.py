"""Field types shared by park.yaml's models (:mod:`twin.park`, :mod:`twin.emission_sources`): the strict model
configuration, ids, coordinates in the park CRS, the plausible range of an elevation and the check of an outline.

Coordinates are projected metres in the park CRS, x = easting, y = northing; elevations metres above the DEM's
vertical datum.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field
from shapely.geometry import Polygon

from twin.units import Plausible

__all__ = ["STRICT", "Identifier", "Easting", "Northing", "Point", "ELEVATION", "check_ring"]

STRICT = ConfigDict(extra="forbid", allow_inf_nan=False, str_strip_whitespace=True)

Identifier = Annotated[str, Field(min_length=1, description="Unique id within its list (e.g. 'S001').")]
Easting = Annotated[float, Field(description="Easting in the park CRS. [m]")]
Northing = Annotated[float, Field(description="Northing in the park CRS. [m]")]
Point = tuple[Easting, Northing]

# Plausible ranges of the park's physical quantities (twin.units): wide enough for any real plant, narrow enough
# to catch a slip of units — a temperature in °C read as K, a pressure in MPa or bar read as Pa, a diameter in mm
# read as m — and the 1e300 a probe writes. Bare numbers are SI; a string may carry its unit ('25 degC').
ELEVATION = Plausible("m", -500.0, 9000.0, "ground elevation")


def check_ring(points: list[tuple[float, float]], what: str) -> list[tuple[float, float]]:
    """≥ 3 distinct vertices, non-zero area, no self-intersection; the closing vertex is optional."""
    distinct = {tuple(p) for p in points}
    if len(distinct) < 3:
        raise ValueError(f"{what} needs at least 3 distinct vertices [[x, y], ...] in m, got {len(distinct)}: "
                         f"{points}")
    polygon = Polygon(points)
    if not polygon.is_valid or polygon.area <= 0:
        raise ValueError(f"{what} must be a simple ring with non-zero area (no self-intersection), got {points}")
    return points
