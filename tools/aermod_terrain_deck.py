"""Write the AERMOD deck of the elevated-terrain comparison (``tests/data/aermod/terrain-hill``, README there).

Eight stacks of the Anchorage reference deck (``tests/data/aermod/anchorage-1999``) set on an analytic landscape — a
120 m Gaussian hill 1.5 km east-north-east of the stacks and a gentle slope — with the reference deck's 21 × 21
receptor grid at 250 m. The receptors' and stacks' elevations are the landscape's; the receptors' hill-height scales
are ParkTwin's AERMAP rule (``dispersion.hill_height.receptor_hill_heights``) on a 25 m DEM of the same landscape,
so AERMOD (``MODELOPT CONC``, elevated terrain, AERMOD's default) and ParkTwin see the same numbers. Every third
receptor has a 1.5 m flagpole. The run covers the whole of 1999 (8760 hours).

    .venv/bin/python tools/aermod_terrain_deck.py tests/data/aermod/terrain-hill

writes ``aermod.inp`` and ``receptors.csv``; AERMOD itself is run outside the project (README of the folder).
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dispersion.hill_height import receptor_hill_heights  # noqa: E402
from tests.aermod_reference import REFERENCE, deck_end, read_deck  # noqa: E402

STACKS = ("S004", "S005", "S006", "S015", "S016", "S017", "S019", "S020")
HILL = dict(x=1500.0, y=500.0, height=120.0, width=600.0)  # [m]
SLOPE = 0.01  # [m/m] rise towards +y
DEM_SPACING = 25.0  # [m]
FLAGPOLE = 1.5  # [m], every third receptor


def elevation(x, y):
    """The landscape [m]: a Gaussian hill plus a plane."""
    r2 = (np.asarray(x) - HILL["x"]) ** 2 + (np.asarray(y) - HILL["y"]) ** 2
    return HILL["height"] * np.exp(-r2 / (2.0 * HILL["width"] ** 2)) + SLOPE * (np.asarray(y) + 3000.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    folder = parser.parse_args().folder
    folder.mkdir(parents=True, exist_ok=True)
    deck = read_deck()
    index = [deck.stacks.ids.index(i) for i in STACKS]
    sx, sy = deck.stacks.x[index], deck.stacks.y[index]
    sz = np.round(elevation(sx, sy), 2)
    axis = np.arange(-2500.0, 2500.0 + 1.0, 250.0)
    rx, ry = (a.ravel() for a in np.meshgrid(axis, axis))
    rz = np.round(elevation(rx, ry), 2)
    dem_axis = np.arange(-4000.0, 4000.0 + 1.0, DEM_SPACING)
    dem = elevation(*np.meshgrid(dem_axis, dem_axis))
    hill = np.round(np.maximum(receptor_hill_heights(rx, ry, rz, dem_axis, dem_axis, dem), rz), 2)
    flag = np.where(np.arange(rx.size) % 3 == 2, FLAGPOLE, 0.0)
    lines = ["CO STARTING",
             "   TITLEONE  ParkTwin comparison: 8 stacks on a 120 m hill, SO2, elevated terrain, rural, no downwash",
             "   TITLETWO  met ANCH-99_ADJU.SFC / ANCH-99_ADJU.PFL; written by tools/aermod_terrain_deck.py",
             "   MODELOPT  CONC", "   AVERTIME  1  24  PERIOD", "   FLAGPOLE  0.0", "   POLLUTID  SO2",
             "   RUNORNOT  RUN", "   ERRORFIL  errors.out", "CO FINISHED", "", "SO STARTING",
             "   ELEVUNIT  METERS"]
    for k, i in enumerate(index):
        lines.append(f"   LOCATION  {STACKS[k]}     POINT  {sx[k]:10.2f} {sy[k]:10.2f} {sz[k]:8.2f}")
    for k, i in enumerate(index):
        s = deck.stacks
        lines.append(f"   SRCPARAM  {STACKS[k]}  {deck.rates_g_s[i]:12.4f} {s.height[i]:7.2f} {s.exit_temperature[i]:7.2f}"
                     f" {s.exit_velocity[i]:6.2f} {s.inner_diameter[i]:6.3f}")
    lines += ["   SRCGROUP  ALL", "SO FINISHED", "", "RE STARTING", "   ELEVUNIT  METERS"]
    for j in range(rx.size):
        lines.append(f"   DISCCART  {rx[j]:9.2f} {ry[j]:9.2f} {rz[j]:8.2f} {hill[j]:8.2f} {flag[j]:5.2f}")
    lines += deck_end("")
    (folder / "aermod.inp").write_text("\n".join(lines))
    with open(folder / "receptors.csv", "w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["index", "x_aermod", "y_aermod", "elevation", "hill_height", "flagpole"])
        for j in range(rx.size):
            out.writerow([j, f"{rx[j]:.2f}", f"{ry[j]:.2f}", f"{rz[j]:.2f}", f"{hill[j]:.2f}", f"{flag[j]:.2f}"])
    print(f"wrote {folder}/aermod.inp and receptors.csv ({len(STACKS)} stacks, {rx.size} receptors; met from "
          f"{REFERENCE})")


if __name__ == "__main__":
    main()
