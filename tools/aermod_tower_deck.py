"""Write the AERMOD deck and the synthetic site tower of the multi-level profile comparison
(``tests/data/aermod/tower-profile``, README there).

The eight stacks of the terrain deck (``tools/aermod_terrain_deck.py``) and all receptors of the Anchorage reference
deck (``tests/data/aermod/anchorage-1999``: its 21 × 21 grid and 25 discrete receptors, flat terrain), the whole of
1999 (8760 hours: the convective summer as well as the stable winter), with the reference surface file
``ANCH-99_ADJU.SFC`` and a profile file ``TOWER.PFL`` of four levels per hour — 7, 30, 60 and 120 m — so AERMOD
interpolates between observed levels (its GRDWS, GRDWD, GRDSV, GRDSW, GRDPTG) and turns each plume with the wind
at mid-rise.

``TOWER.PFL`` (the whole year, 8760 hours × 4 lines) keeps the reference PFL's 7 m level as it is (wind, temperature
and their missing codes, checked character by character; the top flag becomes 0 and σθ follows the rule below) and
derives the levels above it from closed forms of the hour index k (0 = 1999-01-01 hour 1, the k-th record of the
files), so the file is reproducible without random numbers:

    ws(z) = ws7 ln(z/0.1)/ln(7/0.1) (1 + 0.15 sin(0.7k + z/40))                 [m/s]
    wd(z) = wd7 + 0.12 (z − 7)(1 + 0.5 cos(0.3k)), wrapped into (0, 360]       [degree]
    T(z)  = T7 + g (z − 7),  g = −0.0098 + 0.004 (1 + sin(0.2k))   convective   [°C, K/m]
                             g = +0.01 + 0.01 (1 + cos(0.4k))       otherwise
    σθ at 7 and 30 m = 8 + 4 sin(0.5k + z/20) when k % 3 == 0, else 99 (missing) [degree]
    σw at 30 and 120 m = 0.25 + 0.15 (1 + sin(0.9k)) when k % 4 == 1, else 99 (missing) [m/s]

An hour is convective when the SFC file's Obukhov length (column 12 of its records) is in (−99990, 0); its missing
code −99999 (calm and missing hours, which AERMOD skips) takes the stable gradient. Missing on purpose: the upper
winds when the 7 m wind is missing (Wd > 900 or Ws outside [0, 90]) or calm (Ws = 0), the upper temperatures when
T7 is missing (outside (−90, 90) °C), the 60 m wind when k % 7 == 2 and the 30 m temperature when k % 5 == 3
(999.0, which AERMOD PFLCNV reads as missing). Lines keep the reference file's fixed columns and CRLF endings.

The deck is ``MODELOPT CONC FLAT`` without ``DFAULT``: AERMOD stops with error 401 when measured turbulence (σθ,
σw) meets a surface file made with ADJ_U* under the regulatory default, and only warns (401, 402) otherwise. Its
``SURFFILE`` is ``../anchorage-1999/ANCH-99_ADJU.SFC`` (the 1.5 MB file is not copied), so the folder must sit
beside ``anchorage-1999`` (or have that folder linked beside it) when AERMOD runs.

    .venv/bin/python tools/aermod_tower_deck.py tests/data/aermod/tower-profile

writes ``aermod.inp``, ``TOWER.PFL`` and ``receptors.csv`` (the reference deck's, for ``tests.aermod_reference
.read_deck``); AERMOD itself is run outside the project (README of the folder).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.aermod_reference import REFERENCE  # noqa: E402

STACKS = ("S004", "S005", "S006", "S015", "S016", "S017", "S019", "S020")
SFC, PFL = "ANCH-99_ADJU.SFC", "ANCH-99_ADJU.PFL"
SURFFILE = f"../{REFERENCE.name}/{SFC}"  # relative to the deck's folder
TOWER = "TOWER.PFL"
LEVELS = (7.0, 30.0, 60.0, 120.0)  # [m]; the first is the reference PFL's level
Z0_LOG = 0.1  # [m], roughness length of the speed profile's logarithm
MISSING_WIND, MISSING_T, MISSING_TURB = 999.0, 999.0, 99.0


# --- the profile file --------------------------------------------------------------------------------------------

def read_reference_pfl(path: Path) -> tuple[list[str], np.ndarray]:
    """The reference PFL's lines (without line ends) and their numbers (one 7 m level per hour, top flag 1)."""
    lines = path.read_text().splitlines()
    values = np.array([line.split() for line in lines], dtype=float)
    if values.shape[1] != 11 or not np.all(values[:, 4] == LEVELS[0]) or not np.all(values[:, 5] == 1):
        raise SystemExit(f"{path}: expected one {LEVELS[0]} m level per hour with top flag 1")
    return lines, values


def read_obukhov_lengths(path: Path, dates: np.ndarray) -> np.ndarray:
    """The SFC records' Obukhov length L [m] (column 12 counting from 1), checked hour by hour against ``dates``
    (year, month, day, hour of the PFL)."""
    records = np.array([line.split()[:12] for line in path.read_text().splitlines()[1:]], dtype=float)
    if not np.array_equal(records[:, [0, 1, 2, 4]], dates):
        raise SystemExit(f"{path}: its hours differ from the profile file's")
    return records[:, 11]


def profile_levels(k: np.ndarray, wd7, ws7, t7, length) -> dict[float, np.ndarray]:
    """Per level, columns Wd [degree], Ws [m/s], T [°C], σθ [degree], σw [m/s] by the module docstring's closed
    forms; the 7 m wind and temperature are the reference's, missing codes included."""
    convective = (length < 0.0) & (length > -99990.0)
    gradient = np.where(convective, -0.0098 + 0.004 * (1.0 + np.sin(0.2 * k)), 0.01 + 0.01 * (1.0 + np.cos(0.4 * k)))
    wind_ok = (wd7 <= 900.0) & (wd7 >= 0.0) & (ws7 > 0.0) & (ws7 < 90.0)
    t_ok = (t7 > -90.0) & (t7 < 90.0)
    levels = {}
    for z in LEVELS:
        if z == LEVELS[0]:
            wd, ws, t = wd7, ws7, t7
        else:
            ws = ws7 * np.log(z / Z0_LOG) / np.log(LEVELS[0] / Z0_LOG) * (1.0 + 0.15 * np.sin(0.7 * k + z / 40.0))
            wd = wrap_direction(wd7 + 0.12 * (z - LEVELS[0]) * (1.0 + 0.5 * np.cos(0.3 * k)))
            ok = wind_ok & ~((z == 60.0) & (k % 7 == 2))
            wd, ws = np.where(ok, wd, MISSING_WIND), np.where(ok, ws, MISSING_WIND)
            t = np.where(t_ok & ~((z == 30.0) & (k % 5 == 3)), t7 + gradient * (z - LEVELS[0]), MISSING_T)
        sa = np.where(k % 3 == 0, 8.0 + 4.0 * np.sin(0.5 * k + z / 20.0), MISSING_TURB) if z in (7.0, 30.0) \
            else np.full(k.size, MISSING_TURB)
        sw = np.where(k % 4 == 1, 0.25 + 0.15 * (1.0 + np.sin(0.9 * k)), MISSING_TURB) if z in (30.0, 120.0) \
            else np.full(k.size, MISSING_TURB)
        levels[z] = np.column_stack([wd, ws, t, sa, sw])
    return levels


def wrap_direction(wd: np.ndarray) -> np.ndarray:
    """Directions [degree] rounded to 0.1 and wrapped into (0, 360]."""
    wd = np.round(np.mod(wd, 360.0), 1)
    return np.where(wd <= 0.0, 360.0, wd)


def level_line(date, z: float, top: int, values) -> str:
    """One PFL line in the reference file's fixed columns (I2 3I3 F8.1 I2 F8.1 4F9.2)."""
    yy, mm, dd, hh = (int(v) for v in date)
    wd, ws, t, sa, sw = values
    return f"{yy:2d}{mm:3d}{dd:3d}{hh:3d}{z:8.1f}{top:2d}{wd:8.1f}{ws:9.2f}{t:9.2f}{sa:9.2f}{sw:9.2f}"


def write_tower(folder: Path) -> tuple[int, int]:
    """``TOWER.PFL`` from the reference PFL and SFC; returns (hours, lines)."""
    reference, values = read_reference_pfl(REFERENCE / PFL)
    dates = values[:, :4]
    length = read_obukhov_lengths(REFERENCE / SFC, dates)
    k = np.arange(values.shape[0])
    levels = profile_levels(k, values[:, 6], values[:, 7], values[:, 8], length)
    lines = []
    for i in range(k.size):
        for j, z in enumerate(LEVELS):
            lines.append(level_line(dates[i], z, int(j == len(LEVELS) - 1), levels[z][i]))
        seven = lines[-len(LEVELS)]
        if seven[:19] + " 1" + seven[21:47] != reference[i][:47]:  # date, level, wind and T as the reference writes
            raise SystemExit(f"{PFL} line {i + 1}: {reference[i]!r} is not rewritten as itself: {seven!r}")
    with open(folder / TOWER, "w", newline="") as handle:
        handle.write("\r\n".join(lines) + "\r\n")
    return k.size, len(lines)


# --- the deck ----------------------------------------------------------------------------------------------------

def deck_lines(reference: list[str]) -> list[str]:
    """The reference deck with only ``STACKS``, new titles and the tower profile, the whole year."""
    out = []
    for line in reference:
        words = line.split()
        key = words[0] if words else ""
        if key in ("LOCATION", "SRCPARAM") and words[1] not in STACKS:
            continue
        if key == "TITLEONE":
            line = "   TITLEONE  ParkTwin comparison: 8 stacks, SO2, flat, rural, no downwash; 4-level site tower"
        elif key == "TITLETWO":
            line = f"   TITLETWO  met {SFC} / {TOWER} (7, 30, 60, 120 m); written by tools/aermod_tower_deck.py"
        elif key == "MODELOPT" and words[1:] != ["CONC", "FLAT"]:
            raise SystemExit(f"reference deck: MODELOPT {' '.join(words[1:])}, expected CONC FLAT")
        elif key == "AVERTIME" and words[1:] != ["1", "24", "PERIOD"]:
            raise SystemExit(f"reference deck: AVERTIME {' '.join(words[1:])}, expected 1 24 PERIOD")
        elif key == "SURFFILE":
            line = f"   SURFFILE  {SURFFILE}"
        elif key == "PROFFILE":
            line = f"   PROFFILE  {TOWER}"
        out.append(line)
    return out


def write_deck(folder: Path) -> None:
    """``aermod.inp`` (checks that every stack of ``STACKS`` is there) and the reference ``receptors.csv``."""
    text = "\n".join(deck_lines((REFERENCE / "aermod.inp").read_text().splitlines())) + "\n"
    kept = [line.split()[1] for line in text.splitlines() if line.split()[:1] == ["LOCATION"]]
    if tuple(kept) != STACKS:
        raise SystemExit(f"stacks kept {kept}, expected {STACKS}")
    (folder / "aermod.inp").write_text(text)
    shutil.copyfile(REFERENCE / "receptors.csv", folder / "receptors.csv")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    folder = parser.parse_args().folder
    folder.mkdir(parents=True, exist_ok=True)
    write_deck(folder)
    hours, lines = write_tower(folder)
    print(f"wrote {folder}/aermod.inp, {TOWER} ({hours} hours, {lines} lines, {len(LEVELS)} levels) and "
          f"receptors.csv ({len(STACKS)} stacks; SURFFILE {SURFFILE})")


if __name__ == "__main__":
    main()
