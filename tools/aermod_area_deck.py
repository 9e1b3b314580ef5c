"""Write the AERMOD deck of the area-source comparison (``tests/data/aermod/area``, README there).

Four area sources at the places of four stacks of the Anchorage reference deck: a rotated rectangular tank farm
(AERMOD ``AREA``, 100 × 60 m turned 30°, 2 m, σ_z0 1 m), a long narrow loading rack (``AREA`` 20 × 200 m, 5 m,
σ_z0 2 m), a pentagonal pond at the ground (``AREAPOLY``) and a small square elevated roof (``AREA`` 30 × 30 m at
15 m); the Anchorage deck's 466 receptors plus receptors inside and around the tank farm (its centre, and rings of
8 at 40, 80, 150 and 300 m from it); flat terrain, rural, SO2, the whole of 1999.

    .venv/bin/python tools/aermod_area_deck.py tests/data/aermod/area

writes ``aermod.inp`` and ``receptors.csv``; AERMOD itself is run outside the project (README of the folder).
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.aermod_reference import add_rings, read_deck, reference_receptor_rows, write_flat_deck  # noqa: E402

# id, the stack whose place it takes (its south-west corner for AREA, the first vertex for AREAPOLY), emission
# [g s-1 m-2], release height [m], then AREA: x side, y side, angle [°]; AREAPOLY: vertices relative to the place
AREAS = (("A01", "S004", 2.0e-5, 2.0, 1.0, ("AREA", 100.0, 60.0, 30.0)),
         ("A02", "S006", 1.0e-5, 5.0, 2.0, ("AREA", 20.0, 200.0, 0.0)),
         ("A03", "S017", 4.0e-6, 0.0, 0.0, ("AREAPOLY", ((0.0, 0.0), (80.0, 20.0), (110.0, 90.0), (40.0, 140.0),
                                                        (-20.0, 70.0)))),
         ("A04", "S020", 5.0e-5, 15.0, 3.0, ("AREA", 30.0, 30.0, 0.0)))
RING_DISTANCES = (40.0, 80.0, 150.0, 300.0)  # [m] from A01's centre


def vertices(place, shape) -> list[tuple[float, float]]:
    """The polygon of an AREA (AERMOD SOSET ARVERT: from the south-west corner, clockwise, turned by the angle) or
    AREAPOLY source, in deck coordinates."""
    x0, y0 = place
    if shape[0] == "AREAPOLY":
        return [(x0 + dx, y0 + dy) for dx, dy in shape[1]]
    _, xinit, yinit, angle = shape
    a = math.radians(angle)
    p1 = (x0, y0)
    p2 = (p1[0] + yinit * math.sin(a), p1[1] + yinit * math.cos(a))
    p3 = (p2[0] + xinit * math.cos(a), p2[1] - xinit * math.sin(a))
    p4 = (p3[0] - yinit * math.sin(a), p3[1] - yinit * math.cos(a))
    return [p1, p2, p3, p4]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    args = parser.parse_args()
    folder = args.folder
    folder.mkdir(parents=True, exist_ok=True)
    deck = read_deck()
    s = deck.stacks
    place = {i: (float(s.x[k]), float(s.y[k])) for k, i in enumerate(s.ids)}
    lines = ["CO STARTING", "   TITLEONE  ParkTwin comparison: 4 area sources, SO2, flat terrain, rural",
             "   TITLETWO  met ANCH-99_ADJU.SFC / ANCH-99_ADJU.PFL; written by tools/aermod_area_deck.py",
             "   MODELOPT  CONC FLAT", "   AVERTIME  1  24  PERIOD", "   POLLUTID  SO2", "   RUNORNOT  RUN",
             "   ERRORFIL  errors.out", "CO FINISHED", "", "SO STARTING"]
    for aid, stack, _, _, _, shape in AREAS:
        x, y = place[stack]
        lines.append(f"   LOCATION  {aid}  {shape[0]:>8}  {x:10.2f} {y:10.2f} {0.0:8.2f}")
    for aid, stack, q, hs, sz0, shape in AREAS:
        if shape[0] == "AREA":
            lines.append(f"   SRCPARAM  {aid}  {q:12.5E} {hs:7.2f} {shape[1]:8.2f} {shape[2]:8.2f} {shape[3]:7.2f}"
                         f" {sz0:6.2f}")
        else:
            lines.append(f"   SRCPARAM  {aid}  {q:12.5E} {hs:7.2f} {len(shape[1]):4d} {sz0:6.2f}")
            corners = vertices(place[stack], shape)
            lines.append(f"   AREAVERT  {aid}  " + "  ".join(f"{x:.2f} {y:.2f}" for x, y in corners))
    lines += ["   SRCGROUP  ALL", "SO FINISHED", "", "RE STARTING"]
    rows = reference_receptor_rows()
    corners = vertices(place[AREAS[0][1]], AREAS[0][5])
    cx = sum(c[0] for c in corners) / 4.0
    cy = sum(c[1] for c in corners) / 4.0
    rows.append({"index": len(rows), "id": "A01-centre", "x_aermod": f"{cx:.2f}", "y_aermod": f"{cy:.2f}"})
    add_rings(rows, "A01", (cx, cy), RING_DISTANCES)
    write_flat_deck(folder, lines, rows)
    print(f"wrote {folder}/aermod.inp and receptors.csv ({len(AREAS)} area sources, {len(rows)} receptors)")


if __name__ == "__main__":
    main()
