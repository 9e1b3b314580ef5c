"""Write the AERMOD deck of the volume-source comparison (``tests/data/aermod/volume``, README there).

Six volume sources (AERMOD ``VOLUME``: release height, initial σ_y0 and σ_z0 as the AERMOD User's Guide, EPA-454/B-03-001,
Table 3-1, derives them from a source's size) at the places of six stacks of the Anchorage reference deck, from a
ground-level tank-farm volume (2 m, σ_y0 = 23.3 m) to a 40 m elevated one; the Anchorage deck's 466 receptors plus
rings of 8 receptors at 10, 30, 60, 100 and 150 m around the first two sources (receptors inside AERMOD's exclusion
radius 2.15 σ_y0 + 1 m get nothing); flat terrain, SO2, the whole of 1999.

    .venv/bin/python tools/aermod_volume_deck.py tests/data/aermod/volume
    .venv/bin/python tools/aermod_volume_deck.py --urban tests/data/aermod/volume-urban

writes ``aermod.inp`` and ``receptors.csv``; AERMOD itself is run outside the project (README of the folder).
``--urban``: the same deck with ``URBANOPT 800000`` and ``URBANSRC ALL`` (the urban stable layer, and AERMOD's
4-hour half-life of urban SO2).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.aermod_reference import add_rings, read_deck, reference_receptor_rows, write_flat_deck  # noqa: E402

# id, the Anchorage stack whose place it takes, rate [g/s], release height [m], σ_y0 [m], σ_z0 [m] — and what it
# stands for (AERMOD User's Guide Table 3-1: σ_y0 = side/4.3 for a single volume; σ_z0 = vertical extent/2.15 for a
# surface-based source, building height/2.15 for one on or next to a building)
VOLUMES = (("V01", "S004", 2.0, 2.0, 23.26, 1.86),   # tank farm 100 m square, 4 m high, at the ground
           ("V02", "S006", 0.5, 5.0, 4.65, 4.65),    # process unit 20 m square, 10 m high
           ("V03", "S015", 1.0, 10.0, 11.63, 9.30),  # loading bay on a 20 m building, 50 m wide
           ("V04", "S017", 0.8, 20.0, 6.98, 9.30),   # roof vents of a 20 m building, 30 m wide
           ("V05", "S019", 0.3, 40.0, 2.33, 2.33),   # elevated release 10 m across
           ("V06", "S020", 1.5, 1.0, 1.0, 0.5))      # a small ground-level source
RINGS = (0, 1)  # ring receptors around these sources
RING_DISTANCES = (10.0, 30.0, 60.0, 100.0, 150.0)  # [m]
POPULATION = 800_000  # --urban [persons]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--urban", action="store_true", help="URBANOPT 800000 for every source")
    args = parser.parse_args()
    folder = args.folder
    folder.mkdir(parents=True, exist_ok=True)
    deck = read_deck()
    s = deck.stacks
    place = {i: (s.x[k], s.y[k]) for k, i in enumerate(s.ids)}
    lines = ["CO STARTING",
             "   TITLEONE  ParkTwin comparison: 6 volume sources, SO2, flat terrain, "
             + ("urban (population 800000)" if args.urban else "rural"),
             "   TITLETWO  met ANCH-99_ADJU.SFC / ANCH-99_ADJU.PFL; written by tools/aermod_volume_deck.py",
             "   MODELOPT  CONC FLAT", "   AVERTIME  1  24  PERIOD",
             *([f"   URBANOPT  {POPULATION}"] if args.urban else []),
             "   POLLUTID  SO2", "   RUNORNOT  RUN", "   ERRORFIL  errors.out", "CO FINISHED", "", "SO STARTING"]
    for vid, stack, *_ in VOLUMES:
        x, y = place[stack]
        lines.append(f"   LOCATION  {vid}  {'VOLUME':>8}  {x:10.2f} {y:10.2f} {0.0:8.2f}")
    for vid, _, q, hs, sy0, sz0 in VOLUMES:
        lines.append(f"   SRCPARAM  {vid}  {q:12.4f} {hs:7.2f} {sy0:7.2f} {sz0:7.2f}")
    lines += [*(["   URBANSRC  ALL"] if args.urban else []), "   SRCGROUP  ALL", "SO FINISHED", "", "RE STARTING"]
    rows = reference_receptor_rows()
    for v in RINGS:
        add_rings(rows, VOLUMES[v][0], place[VOLUMES[v][1]], RING_DISTANCES)
    write_flat_deck(folder, lines, rows)
    print(f"wrote {folder}/aermod.inp and receptors.csv ({len(VOLUMES)} volume sources, {len(rows)} receptors)")


if __name__ == "__main__":
    main()
