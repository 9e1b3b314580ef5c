"""Read BPIP-PRIME input and output files (EPA's BPIPPRM, version 04274) for the tests that compare
``dispersion.building_profile`` with it (``tests/data/bpip/README.md`` says how the files were made).

Input (free format, one record per line; EPA-454/R-93-038 §3 and BPIPPRM's reader): title; 'P'; units and their
factor to metres; 'UTMN' or 'UTMY' and plant north [°]; the number of buildings, and per building its name, number of
tiers and base elevation, per tier its number of corners and height, then the corners (x y); the number of stacks,
and per stack its name, base elevation, height, x, y. Plant north must be 0 or 360 here.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import numpy as np

from dispersion.building_profile import Tier

__all__ = ["read_bpip_input", "read_bpip_output", "write_bpip_input", "DIMENSIONS"]

DIMENSIONS = ("BUILDHGT", "BUILDWID", "BUILDLEN", "XBADJ", "YBADJ")


def _records(path: Path):
    for line in Path(path).read_text(encoding="latin-1").splitlines():
        if line.strip():
            yield [w.strip("'\"") for w in shlex.split(line.replace(",", " "), posix=False)]


def read_bpip_input(path) -> tuple[list[str], np.ndarray, list[Tier]]:
    """(stack names, (S, 3) stack x, y, base elevation [m], tiers) of a BPIP input file."""
    rec = _records(path)
    next(rec)
    next(rec)
    factor = float(next(rec)[1])
    utm, plant_north = next(rec)[:2]
    theta = np.radians(360.0 - float(plant_north))

    def true_north(x, y):
        return x * np.cos(theta) - y * np.sin(theta), y * np.cos(theta) + x * np.sin(theta)
    tiers = []
    for b in range(int(next(rec)[0])):
        _, n_tier, base = next(rec)[:3]
        for _ in range(int(n_tier)):
            n_corner, height = next(rec)[:2]
            corners = np.array([[float(v) for v in next(rec)[:2]] for _ in range(int(n_corner))]) * factor
            corners = np.column_stack(true_north(corners[:, 0], corners[:, 1]))
            tiers.append(Tier(corners=corners, height=float(height) * factor, building=b,
                              base=float(base) * factor))
    names, stacks = [], []
    for _ in range(int(next(rec)[0])):
        name, base, _height, x, y = next(rec)[:5]
        names.append(name)
        stacks.append((*true_north(float(x) * factor, float(y) * factor), float(base) * factor))
    del utm  # UTMY only moves BPIP's origin to the first corner
    return names, np.array(stacks), tiers


def write_bpip_input(path, title: str, stacks: list[tuple[str, float, float, float, float]],
                     buildings: list[tuple[str, float, list[tuple[float, np.ndarray]]]]) -> None:
    """Write a BPIP-PRIME input in metres, local coordinates: stacks (name, base, height, x, y); buildings (name,
    base, [(tier height, (N, 2) corners)])."""
    lines = [f"'{title}'", "'P'", "'METERS' 1.0", "'UTMN' 0.00", str(len(buildings))]
    for name, base, tiers in buildings:
        lines.append(f"'{name}' {len(tiers)} {base:.2f}")
        for height, corners in tiers:
            lines.append(f"{len(corners)} {height:.2f}")
            lines += [f"{x:.2f} {y:.2f}" for x, y in corners]
    lines.append(str(len(stacks)))
    lines += [f"'{name}' {base:.2f} {height:.2f} {x:.2f} {y:.2f}" for name, base, height, x, y in stacks]
    Path(path).write_text("\n".join(lines) + "\n")


def read_bpip_output(path) -> tuple[dict[str, dict[str, np.ndarray]], dict[str, float]]:
    """({stack: {dimension: (36,) [m]}}, {stack: GEP EQN1 [m]}) from a BPIP-PRIME output file."""
    dims: dict[str, dict[str, list[float]]] = {}
    gep: dict[str, float] = {}
    in_gep = False
    for line in Path(path).read_text(encoding="latin-1").splitlines():
        words = line.split()
        if "Preliminary*" in line:
            in_gep = True
            continue
        if in_gep and len(words) == 5 and words[0] not in ("Name",):
            try:
                gep[words[0]] = float(words[3])
            except ValueError:
                pass
            continue
        if in_gep and line.strip().startswith("*"):
            in_gep = False
        if len(words) >= 3 and words[0] == "SO" and words[1] in DIMENSIONS:
            dims.setdefault(words[2], {}).setdefault(words[1], []).extend(float(v) for v in words[3:])
    return {s: {k: np.array(v) for k, v in d.items()} for s, d in dims.items()}, gep
