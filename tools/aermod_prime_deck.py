"""Write the AERMOD deck of the building-downwash cases (``tests/data/aermod/prime-cases``, README of
``tests/data/aermod``): stacks set where PRIME's branches are exercised, next to buildings of different shapes.

- Buildings: a wide low block (60 × 20 m, 15 m), a slender tower (12 × 12 m, 45 m: H > 2 W), a two-tier block
  (40 × 25 m at 10 m with a 20 × 15 m tier at 22 m) and a round tank (16 corners, r 12 m, 18 m).
- Stacks: on the block's roof (hot, 20 m), just behind it in its cavity (cold, 12 m), beside the tower (30 m),
  a capped stack (POINTCAP) by the two-tier block, a horizontal one (POINTHOR) by the tank, a tall hot stack upwind
  of the block (35 m), one far from every building (no wake) and one above every wake (60 m).
- Receptors: 11 rings (25 m … 2 km) of 36 around the block, every fourth on a 1.5 m flagpole.
- The BPIP-PRIME cards are ParkTwin's (``dispersion.building_profile``, equal to EPA's BPIPPRM on its test cases);
  ``MODELOPT CONC FLAT``, rural, the whole Anchorage 1999 year (``tests/data/aermod/anchorage-1999``'s met).

    .venv/bin/python tools/aermod_prime_deck.py tests/data/aermod/prime-cases
    .venv/bin/python tools/aermod_prime_deck.py --urban 800000 tests/data/aermod/prime-urban

writes ``aermod.inp`` and ``receptors.csv``; AERMOD itself is run outside the project (README of the folder).
``--urban P`` makes every stack urban (AERMOD's URBANOPT with population P; SO2 then decays with AERMOD's 4-h
half-life). ``--terrain`` sets everything on a landscape (a 40 m hill 300 m wide at (400, 300) m and a 2 % slope to
the north) and runs AERMOD's elevated terrain: stack, building and receptor elevations from it, the receptors' hill
heights from ParkTwin's AERMAP rule on a 10 m DEM of it (``dispersion.hill_height``). ``--tower`` reads the profile
file ``TOWER.PFL`` of ``tools/aermod_tower_deck.py`` (a four-level site tower whose wind veers with height; written
beside the deck by that tool's ``write_tower``, not kept in git) instead of the airport's one level.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dispersion.building_profile import Tier, building_profiles  # noqa: E402
from dispersion.hill_height import receptor_hill_heights  # noqa: E402
from tests.aermod_reference import WDROTATE  # noqa: E402


def _box(cx, cy, half_x, half_y):
    return np.array([(cx - half_x, cy - half_y), (cx + half_x, cy - half_y), (cx + half_x, cy + half_y),
                     (cx - half_x, cy + half_y)])


def _round(cx, cy, radius, n=16):
    a = 2.0 * np.pi * np.arange(n) / n
    return np.column_stack([cx + radius * np.cos(a), cy + radius * np.sin(a)])


TIERS = [Tier(_box(0.0, 0.0, 30.0, 10.0), 15.0, 0),
         Tier(_box(150.0, 0.0, 6.0, 6.0), 45.0, 1),
         Tier(_box(-150.0, 120.0, 20.0, 12.5), 10.0, 2),
         Tier(_box(-155.0, 120.0, 10.0, 7.5), 22.0, 2),
         Tier(_round(0.0, -150.0, 12.0), 18.0, 3)]
# id, kind, x, y, height, exit temperature [K], velocity [m/s], diameter [m], rate [g/s]
STACKS = [("ROOF", "POINT", 0.0, 0.0, 20.0, 420.0, 12.0, 1.5, 10.0),
          ("CAVITY", "POINT", 40.0, 0.0, 12.0, 300.0, 5.0, 0.5, 1.0),
          ("TOWER", "POINT", 150.0, 12.0, 30.0, 350.0, 8.0, 1.0, 5.0),
          ("CAPPED", "POINTCAP", -150.0, 145.0, 25.0, 380.0, 10.0, 1.2, 5.0),
          ("HORIZ", "POINTHOR", 20.0, -150.0, 20.0, 330.0, 9.0, 0.8, 2.0),
          ("UPWIND", "POINT", -60.0, 0.0, 35.0, 450.0, 15.0, 2.0, 20.0),
          ("FAR", "POINT", 300.0, 300.0, 10.0, 320.0, 6.0, 0.6, 1.0),
          ("TALL", "POINT", 0.0, 30.0, 60.0, 400.0, 14.0, 2.5, 30.0)]
RINGS = (25.0, 50.0, 75.0, 100.0, 150.0, 200.0, 300.0, 500.0, 800.0, 1200.0, 2000.0)  # [m]
FLAGPOLE = 1.5  # [m], every fourth receptor


def receptors() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    angles = np.deg2rad(np.arange(0.0, 360.0, 10.0))
    x = np.concatenate([r * np.sin(angles) for r in RINGS])
    y = np.concatenate([r * np.cos(angles) for r in RINGS])
    flag = np.where(np.arange(x.size) % 4 == 3, FLAGPOLE, 0.0)
    return np.round(x, 2), np.round(y, 2), flag


def elevation(x, y):
    """The ``--terrain`` landscape [m]: a 40 m Gaussian hill of 300 m width at (400, 300) m and a 2 % slope."""
    r2 = (np.asarray(x) - 400.0) ** 2 + (np.asarray(y) - 300.0) ** 2
    return 40.0 * np.exp(-r2 / (2.0 * 300.0 ** 2)) + 0.02 * (np.asarray(y) + 2500.0)


def profiles(terrain: bool = False):
    sx = np.array([s[2] for s in STACKS])
    sy = np.array([s[3] for s in STACKS])
    if not terrain:
        return building_profiles(sx, sy, np.zeros(sx.size), TIERS, where="prime-cases deck")
    tiers = [Tier(t.corners, t.height, t.building, float(np.round(elevation(*t.corners.mean(axis=0)), 2)))
             for t in TIERS]
    return building_profiles(sx, sy, np.round(elevation(sx, sy), 2), tiers, where="prime-cases deck")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--urban", type=float, default=None, help="population of AERMOD's urban option")
    parser.add_argument("--terrain", action="store_true", help="elevated terrain on an analytic landscape")
    parser.add_argument("--tower", action="store_true", help="the site tower TOWER.PFL of tools/aermod_tower_deck.py")
    args = parser.parse_args()
    folder = args.folder
    folder.mkdir(parents=True, exist_ok=True)
    prof = profiles(args.terrain)
    lines = ["CO STARTING",
             "   TITLEONE  ParkTwin comparison: PRIME building downwash cases, SO2, flat, "
             + ("urban" if args.urban else "rural"),
             "   TITLETWO  met ANCH-99_ADJU.SFC / ANCH-99_ADJU.PFL (tests/data/aermod/anchorage-1999)",
             "   MODELOPT  CONC" + ("" if args.terrain else "  FLAT"),
             *([f"   URBANOPT  {args.urban:.0f}"] if args.urban else []),
             "   AVERTIME  1  24  PERIOD", "   FLAGPOLE  0.0", "   POLLUTID  SO2", "   RUNORNOT  RUN",
             "   ERRORFIL  errors.out", "CO FINISHED", "", "SO STARTING"]
    for sid, kind, x, y, *_ in STACKS:
        z = f"{float(np.round(elevation(x, y), 2)):7.2f}" if args.terrain else "  0.0"
        lines.append(f"   LOCATION  {sid:<8} {kind:<8} {x:10.2f} {y:10.2f} {z}")
    for sid, _, _, _, h, t, v, d, q in STACKS:
        lines.append(f"   SRCPARAM  {sid:<8} {q:8.3f} {h:8.2f} {t:8.2f} {v:8.2f} {d:8.2f}")
    for card, values in (("BUILDHGT", prof.height), ("BUILDWID", prof.width), ("BUILDLEN", prof.length),
                         ("XBADJ", prof.xbadj), ("YBADJ", prof.ybadj)):
        for i, stack in enumerate(STACKS):
            for k in range(0, 36, 6):
                lines.append(f"SO {card:<8} {stack[0]:<8} " + " ".join(f"{v:8.2f}" for v in values[i, k:k + 6]))
    if args.urban:
        lines.append("   URBANSRC  ALL")
    lines += ["   SRCGROUP  ALL", "SO FINISHED", "", "RE STARTING"]
    rx, ry, flag = receptors()
    rz = hill = np.zeros(rx.size)
    if args.terrain:
        rz = np.round(elevation(rx, ry), 2)
        axis = np.arange(-3000.0, 3000.0 + 1.0, 10.0)
        dem = elevation(*np.meshgrid(axis, axis))
        hill = np.round(np.maximum(receptor_hill_heights(rx, ry, rz, axis, axis, dem), rz), 2)
        lines += [f"   DISCCART  {x:10.2f} {y:10.2f} {z:8.2f} {c:8.2f} {f:.2f}"
                  for x, y, z, c, f in zip(rx, ry, rz, hill, flag)]
    else:
        lines += [f"   DISCCART  {x:10.2f} {y:10.2f}  {f:.2f}" for x, y, f in zip(rx, ry, flag)]
    lines += ["RE FINISHED", "", "ME STARTING", "   SURFFILE  ../anchorage-1999/ANCH-99_ADJU.SFC",
              "   PROFFILE  " + ("TOWER.PFL" if args.tower else "../anchorage-1999/ANCH-99_ADJU.PFL"), "   SURFDATA  26451  1999",
              "   UAIRDATA  26409  1999", "   PROFBASE  0.0  METERS", f"   WDROTATE  {WDROTATE}",
              "ME FINISHED", "", "OU STARTING", "   RECTABLE  ALLAVE  FIRST", "   PLOTFILE  1  ALL  FIRST  plot_1h.plt",
              "   PLOTFILE  24  ALL  FIRST  plot_24h.plt", "   PLOTFILE  PERIOD  ALL  plot_period.plt",
              "   SUMMFILE  summary.sum", "OU FINISHED", ""]
    (folder / "aermod.inp").write_text("\n".join(lines))
    with open(folder / "receptors.csv", "w", newline="") as handle:
        out = csv.writer(handle)
        if args.terrain:
            out.writerow(["index", "x_aermod", "y_aermod", "elevation", "hill_height", "flagpole"])
            for i, (x, y, z, c, f) in enumerate(zip(rx, ry, rz, hill, flag)):
                out.writerow([i, f"{x:.2f}", f"{y:.2f}", f"{z:.2f}", f"{c:.2f}", f"{f:.2f}"])
        else:
            out.writerow(["index", "x_aermod", "y_aermod", "flagpole"])
            for i, (x, y, f) in enumerate(zip(rx, ry, flag)):
                out.writerow([i, f"{x:.2f}", f"{y:.2f}", f"{f:.2f}"])
    print(f"{folder}: {len(STACKS)} stacks, {len(TIERS)} tiers, {rx.size} receptors; GEP formula heights "
          + ", ".join(f"{s[0]} {g:.1f}" for s, g in zip(STACKS, prof.gep_formula)))


if __name__ == "__main__":
    main()
