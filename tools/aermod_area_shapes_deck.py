"""Write the AERMOD deck of circular and line area sources (``tests/data/aermod/area-shapes``, README of
``tests/data/aermod``).

Two AREACIRC sources (a tank top of 15 m radius at 12 m with AERMOD's default 20 vertices and σ_z0 2 m; a pond of
40 m radius at the ground as an octagon) and two LINE sources (a road 400 m long and 12 m wide at 1 m, σ_z0 1.5 m,
turned 39° from north; a loading line 60 m × 3 m at 4 m, north–south) at the places of four Anchorage stacks; the
Anchorage deck's 466 receptors plus the tank's centre and rings of 8 at 30, 60, 120 and 250 m from the road's middle;
flat terrain, rural, SO2, the whole of 1999.

    .venv/bin/python tools/aermod_area_shapes_deck.py tests/data/aermod/area-shapes

writes ``aermod.inp`` and ``receptors.csv``; AERMOD itself is run outside the project (README of the folder).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.aermod_reference import add_rings, read_deck, reference_receptor_rows, write_flat_deck  # noqa: E402

# id, the stack whose place it takes (a circle's centre, a line's start), emission [g s-1 m-2], release height [m],
# σ_z0 [m], then AREACIRC: radius [m], vertices; LINE: the end relative to the start [m], width [m]
SOURCES = (("C01", "S005", 3.0e-5, 12.0, 2.0, ("AREACIRC", 15.0, 20)),
           ("C02", "S016", 5.0e-6, 0.0, 0.0, ("AREACIRC", 40.0, 8)),
           ("L01", "S015", 2.0e-5, 1.0, 1.5, ("LINE", (250.0, 310.0), 12.0)),
           ("L02", "S019", 4.0e-5, 4.0, 1.0, ("LINE", (0.0, 60.0), 3.0)))
RING_DISTANCES = (30.0, 60.0, 120.0, 250.0)  # [m] from L01's middle


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    folder = parser.parse_args().folder
    folder.mkdir(parents=True, exist_ok=True)
    deck = read_deck()
    place = {i: (float(deck.stacks.x[k]), float(deck.stacks.y[k])) for k, i in enumerate(deck.stacks.ids)}
    lines = ["CO STARTING", "   TITLEONE  ParkTwin comparison: 2 AREACIRC and 2 LINE sources, SO2, flat terrain, rural",
             "   TITLETWO  met ANCH-99_ADJU.SFC / ANCH-99_ADJU.PFL; written by tools/aermod_area_shapes_deck.py",
             "   MODELOPT  CONC FLAT", "   AVERTIME  1  24  PERIOD", "   POLLUTID  SO2", "   RUNORNOT  RUN",
             "   ERRORFIL  errors.out", "CO FINISHED", "", "SO STARTING"]
    params = []
    for sid, stack, q, hs, sz0, shape in SOURCES:
        x, y = place[stack]
        if shape[0] == "AREACIRC":
            lines.append(f"   LOCATION  {sid}  AREACIRC  {x:10.2f} {y:10.2f} {0.0:8.2f}")
            params.append(f"   SRCPARAM  {sid}  {q:12.5E} {hs:7.2f} {shape[1]:8.2f} {shape[2]:4d} {sz0:6.2f}")
        else:
            dx, dy = shape[1]
            lines.append(f"   LOCATION  {sid}  LINE  {x:10.2f} {y:10.2f} {x + dx:10.2f} {y + dy:10.2f} {0.0:8.2f}")
            params.append(f"   SRCPARAM  {sid}  {q:12.5E} {hs:7.2f} {shape[2]:8.2f} {sz0:6.2f}")
    lines += params + ["   SRCGROUP  ALL", "SO FINISHED", "", "RE STARTING"]
    rows = reference_receptor_rows()
    tank = place[SOURCES[0][1]]
    rows.append({"index": len(rows), "id": "C01-centre", "x_aermod": f"{tank[0]:.2f}", "y_aermod": f"{tank[1]:.2f}"})
    start, (dx, dy) = place[SOURCES[2][1]], SOURCES[2][5][1]
    add_rings(rows, "L01", (start[0] + 0.5 * dx, start[1] + 0.5 * dy), RING_DISTANCES)
    write_flat_deck(folder, lines, rows)
    print(f"wrote {folder}/aermod.inp and receptors.csv ({len(SOURCES)} sources, {len(rows)} receptors)")


if __name__ == "__main__":
    main()
