"""Write the AERMOD deck of the fugitive sources in elevated terrain (``tests/data/aermod/fugitive-hill``, README
of ``tests/data/aermod``).

Three volume sources and three area sources of the volume and area decks (a ground-level tank farm, a 10 m and a
40 m volume; the turned rectangular tank farm, the pentagonal pond at the ground and the roof at 15 m) set on the
landscape of the terrain deck (``tools/aermod_terrain_deck.py``: a 120 m Gaussian hill and a 1 % slope), each
source's base at the landscape's height under its place; the terrain deck's 21 × 21 receptor grid plus the area
deck's receptors in and around the tank farm, with the landscape's elevations, ParkTwin's AERMAP hill heights on a
25 m DEM and every third receptor on a 1.5 m flagpole; ``MODELOPT CONC`` (elevated terrain), rural, SO2, the whole
of 1999.

    .venv/bin/python tools/aermod_fugitive_hill_deck.py tests/data/aermod/fugitive-hill

writes ``aermod.inp`` and ``receptors.csv``; AERMOD itself is run outside the project (README of the folder).
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dispersion.hill_height import receptor_hill_heights  # noqa: E402
from tests.aermod_reference import deck_end, read_deck  # noqa: E402
from tools.aermod_area_deck import AREAS, RING_DISTANCES, vertices  # noqa: E402
from tools.aermod_terrain_deck import DEM_SPACING, FLAGPOLE, elevation  # noqa: E402

VOLUMES = ("V01", "V03", "V05")  # of tools/aermod_volume_deck.py's deck
AREA_IDS = ("A01", "A03", "A04")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    folder = parser.parse_args().folder
    folder.mkdir(parents=True, exist_ok=True)
    volume_cards = {}
    for line in (ROOT / "tests" / "data" / "aermod" / "volume" / "aermod.inp").read_text().splitlines():
        words = line.split()
        if len(words) > 2 and words[0] in ("LOCATION", "SRCPARAM") and words[1] in VOLUMES:
            volume_cards.setdefault(words[1], {})[words[0]] = words
    deck = read_deck()
    place = {i: (float(deck.stacks.x[k]), float(deck.stacks.y[k])) for k, i in enumerate(deck.stacks.ids)}
    lines = ["CO STARTING",
             "   TITLEONE  ParkTwin comparison: 3 volume and 3 area sources on a 120 m hill, SO2, elevated terrain",
             "   TITLETWO  met ANCH-99_ADJU.SFC / ANCH-99_ADJU.PFL; written by tools/aermod_fugitive_hill_deck.py",
             "   MODELOPT  CONC", "   AVERTIME  1  24  PERIOD", "   FLAGPOLE  0.0", "   POLLUTID  SO2",
             "   RUNORNOT  RUN", "   ERRORFIL  errors.out", "CO FINISHED", "", "SO STARTING", "   ELEVUNIT  METERS"]
    params = []
    for vid in VOLUMES:
        x, y = (float(v) for v in volume_cards[vid]["LOCATION"][3:5])
        lines.append(f"   LOCATION  {vid}  {'VOLUME':>8}  {x:10.2f} {y:10.2f} {float(elevation(x, y)):8.2f}")
        params.append("   SRCPARAM  " + "  ".join(volume_cards[vid]["SRCPARAM"][1:]))
    for aid, stack, q, hs, sz0, shape in AREAS:
        if aid not in AREA_IDS:
            continue
        x, y = place[stack]
        lines.append(f"   LOCATION  {aid}  {shape[0]:>8}  {x:10.2f} {y:10.2f} {float(elevation(x, y)):8.2f}")
        if shape[0] == "AREA":
            params.append(f"   SRCPARAM  {aid}  {q:12.5E} {hs:7.2f} {shape[1]:8.2f} {shape[2]:8.2f} {shape[3]:7.2f}"
                          f" {sz0:6.2f}")
        else:
            params.append(f"   SRCPARAM  {aid}  {q:12.5E} {hs:7.2f} {len(shape[1]):4d} {sz0:6.2f}")
            params.append(f"   AREAVERT  {aid}  " + "  ".join(f"{a:.2f} {b:.2f}" for a, b in vertices((x, y), shape)))
    lines += params + ["   SRCGROUP  ALL", "SO FINISHED", "", "RE STARTING", "   ELEVUNIT  METERS"]
    axis = np.arange(-2500.0, 2500.0 + 1.0, 250.0)
    rx, ry = (list(a.ravel()) for a in np.meshgrid(axis, axis))
    ids = [f"G{k:04d}" for k in range(len(rx))]
    corners = vertices(place[AREAS[0][1]], AREAS[0][5])
    cx, cy = sum(c[0] for c in corners) / 4.0, sum(c[1] for c in corners) / 4.0
    rx.append(round(cx, 2))
    ry.append(round(cy, 2))
    ids.append("A01-centre")
    for d in RING_DISTANCES:
        for b in range(8):
            angle = math.radians(45.0 * b + 10.0)
            rx.append(round(cx + d * math.sin(angle), 2))
            ry.append(round(cy + d * math.cos(angle), 2))
            ids.append(f"A01-{d:.0f}-{b}")
    rx, ry = np.array(rx), np.array(ry)
    rz = np.round(elevation(rx, ry), 2)
    dem_axis = np.arange(-4000.0, 4000.0 + 1.0, DEM_SPACING)
    dem = elevation(*np.meshgrid(dem_axis, dem_axis))
    hill = np.round(np.maximum(receptor_hill_heights(rx, ry, rz, dem_axis, dem_axis, dem), rz), 2)
    flag = np.where(np.arange(rx.size) % 3 == 2, FLAGPOLE, 0.0)
    for j in range(rx.size):
        lines.append(f"   DISCCART  {rx[j]:9.2f} {ry[j]:9.2f} {rz[j]:8.2f} {hill[j]:8.2f} {flag[j]:5.2f}")
    lines += deck_end()
    (folder / "aermod.inp").write_text("\n".join(lines))
    with open(folder / "receptors.csv", "w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["index", "id", "x_aermod", "y_aermod", "elevation", "hill_height", "flagpole"])
        for j in range(rx.size):
            out.writerow([j, ids[j], f"{rx[j]:.2f}", f"{ry[j]:.2f}", f"{rz[j]:.2f}", f"{hill[j]:.2f}",
                          f"{flag[j]:.2f}"])
    print(f"wrote {folder}/aermod.inp and receptors.csv ({len(VOLUMES)} volume and {len(AREA_IDS)} area sources, "
          f"{rx.size} receptors)")


if __name__ == "__main__":
    main()
