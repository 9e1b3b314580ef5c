"""Write the AERMOD deck of the site-tower comparison on measured data (``tests/data/aermod/albany-tower``, README
there).

The meteorology is EPA's own: ``AERMET2.SFC`` / ``AERMET2.PFL`` of the AERMOD test cases (Albany, NY, 1–4 March
1988, 96 hours; AERMET's header says version 26135), a site tower with wind, temperature, σθ and σw at 10, 50 and
100 m — the 50 m temperature and σw missing as AERMET writes them (−99.00 and 99.00), one hour (1 March, hour 11)
with the airport's 6.1 m wind substituted and a one-level profile, no calm or missing hour. The sources are six
stacks around the origin, from EPA's AERTEST stack (65 m, 5 m, 15 m/s, 425 K, 500 g/s) to a 10 m stack barely
above the air's temperature and a 150 m one; the receptors are 11 rings of 36 (every 10°) from 100 m to 5 km;
flat terrain, rural, no building downwash, SO2, 1-h / 24-h / period averages.

    .venv/bin/python tools/aermod_albany_deck.py tests/data/aermod/albany-tower

writes ``aermod.inp`` and ``receptors.csv`` (the AERMET files are data of the folder, not written by the tool);
AERMOD itself is run outside the project (README of the folder).
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.aermod_reference import write_flat_deck  # noqa: E402

# id, x [m], y [m], height [m], exit temperature [K], exit velocity [m/s], inner diameter [m], rate [g/s]
STACKS = (("STACK1", 0.0, 0.0, 65.0, 425.0, 15.0, 5.0, 500.0),  # EPA's AERTEST stack
          ("TALL", 300.0, 150.0, 150.0, 400.0, 20.0, 6.0, 800.0),
          ("LOWHOT", -250.0, 100.0, 20.0, 450.0, 8.0, 2.0, 30.0),
          ("LOWCOLD", 100.0, -300.0, 10.0, 300.0, 5.0, 0.5, 5.0),
          ("MID", -150.0, -200.0, 40.0, 380.0, 12.0, 1.5, 60.0),
          ("BIGBUOY", 500.0, -400.0, 100.0, 500.0, 25.0, 4.0, 300.0))
RING_DISTANCES = (100, 175, 250, 350, 500, 750, 1000, 1500, 2000, 3000, 5000)  # [m], 36 receptors each


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    folder = parser.parse_args().folder
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["CO STARTING", "   TITLEONE  Albany 1988 tower (AERMET2 met), six stacks",
             "   MODELOPT  CONC  FLAT", "   AVERTIME  1  24  PERIOD", "   POLLUTID  SO2", "   RUNORNOT  RUN",
             "CO FINISHED", "", "SO STARTING"]
    lines += [f"   LOCATION  {s[0]}  POINT  {s[1]}  {s[2]}  0.0" for s in STACKS]
    lines += [f"   SRCPARAM  {s[0]}  {s[7]}  {s[3]}  {s[4]}  {s[5]}  {s[6]}" for s in STACKS]
    lines += ["   SRCGROUP  ALL", "SO FINISHED", "", "RE STARTING"]
    rows = []
    for distance in RING_DISTANCES:
        for k in range(36):
            bearing = math.radians(10 * (k + 1))
            rows.append({"index": len(rows), "id": f"R{len(rows):04d}",
                         "x_aermod": f"{distance * math.sin(bearing):.2f}",
                         "y_aermod": f"{distance * math.cos(bearing):.2f}"})
    end = ["RE FINISHED", "", "ME STARTING", "   SURFFILE  AERMET2.SFC", "   PROFFILE  AERMET2.PFL",
           "   SURFDATA  14735  1988", "   UAIRDATA  14735  1988", "   SITEDATA  99999  1988",
           "   PROFBASE  0.0  METERS", "ME FINISHED", "", "OU STARTING", "   RECTABLE  ALLAVE  1ST",
           "   PLOTFILE  1  ALL  1ST  plot_1h.plt", "   PLOTFILE  24  ALL  FIRST  plot_24h.plt",
           "   PLOTFILE  PERIOD  ALL  plot_period.plt", "OU FINISHED", ""]
    write_flat_deck(folder, lines, rows, end)

if __name__ == "__main__":
    main()
