"""Write the AERMOD deck of a site tower over elevated terrain (``tests/data/aermod/tower-hill``, README there).

The terrain deck's eight stacks around a 120 m hill and its 441 receptors with AERMAP hill heights and flagpoles
(``tests/data/aermod/terrain-hill``, ``tools/aermod_terrain_deck.py``) with the four-level site tower of the
tower deck (``TOWER.PFL``: 7, 30, 60 and 120 m with gaps and measured σθ/σw, ``tools/aermod_tower_deck.py``), so
AERMOD's dividing-streamline height H_c and the terrain-following plume are computed on a tower's gridded profiles.
July 1999 only (``STARTEND``: convective days and stable nights; 744 hours keep the test short).

The deck is ``MODELOPT CONC`` without ``DFAULT`` (measured turbulence with ADJ_U*, as the tower deck) and without
``FLAT`` (elevated terrain). Its ``SURFFILE`` is ``../anchorage-1999/ANCH-99_ADJU.SFC`` and its ``PROFFILE``
``TOWER.PFL``, which this tool writes into the folder for the AERMOD run (2.3 MB, not kept in git; the test writes
it again into a temporary folder).

    .venv/bin/python tools/aermod_tower_hill_deck.py tests/data/aermod/tower-hill

writes ``aermod.inp``, ``TOWER.PFL`` and ``receptors.csv`` (the terrain deck's); AERMOD itself is run outside the
project (README of the folder).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tools.aermod_tower_deck import SURFFILE, TOWER, write_tower  # noqa: E402

TERRAIN = ROOT / "tests" / "data" / "aermod" / "terrain-hill"
STARTEND = "1999 07 01 01 1999 07 31 24"  # AERMOD's ME STARTEND: local standard time, hour-ending
JULY = slice("1999-07-01T09:00", "1999-08-01T08:00")  # the same hours on ParkTwin's time axis (UTC, hour start; UTC−9)


def deck_lines(terrain: list[str]) -> list[str]:
    """The terrain deck with new titles, the tower's profile file and July only."""
    out = []
    for line in terrain:
        words = line.split()
        key = words[0] if words else ""
        if key == "TITLEONE":
            line = ("   TITLEONE  ParkTwin comparison: 8 stacks on a 120 m hill, SO2, elevated, rural; "
                    "4-level site tower")
        elif key == "TITLETWO":
            line = f"   TITLETWO  met ANCH-99_ADJU.SFC / {TOWER}, July 1999; written by tools/aermod_tower_hill_deck.py"
        elif key == "MODELOPT" and words[1:] != ["CONC"]:
            raise SystemExit(f"terrain deck: MODELOPT {' '.join(words[1:])}, expected CONC")
        elif key == "SURFFILE":
            line = f"   SURFFILE  {SURFFILE}"
        elif key == "PROFFILE":
            out.append(f"   PROFFILE  {TOWER}")
            line = f"   STARTEND  {STARTEND}"
        out.append(line)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    folder = parser.parse_args().folder
    folder.mkdir(parents=True, exist_ok=True)
    text = "\n".join(deck_lines((TERRAIN / "aermod.inp").read_text().splitlines())) + "\n"
    (folder / "aermod.inp").write_text(text)
    shutil.copyfile(TERRAIN / "receptors.csv", folder / "receptors.csv")
    hours, lines = write_tower(folder)
    print(f"wrote {folder}/aermod.inp (STARTEND {STARTEND}), {TOWER} ({hours} hours, {lines} lines) and "
          f"receptors.csv (SURFFILE {SURFFILE})")


if __name__ == "__main__":
    main()
