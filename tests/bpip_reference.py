"""BPIP-PRIME reference files (EPA's BPIPPRM, version 04274) for the tests that compare
``dispersion.building_profile`` with it (``tests/data/bpip/README.md`` says how the files were made): the input
through the project's reader (``dispersion.bpip_input``), BPIPPRM's output, and a writer of inputs for
``tools/bpip_deck.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dispersion.bpip_input import read_bpip_input as read_bpip
from dispersion.building_profile import Tier

__all__ = ["read_bpip_input", "read_bpip_output", "write_bpip_input", "DIMENSIONS"]

DIMENSIONS = ("BUILDHGT", "BUILDWID", "BUILDLEN", "XBADJ", "YBADJ")


def read_bpip_input(path) -> tuple[list[str], np.ndarray, list[Tier]]:
    """(stack names, (S, 3) stack x, y, base elevation [m], tiers) of a BPIP input file
    (``dispersion.bpip_input``)."""
    bpip = read_bpip(path)
    return bpip.names, np.column_stack([bpip.stack_x, bpip.stack_y, bpip.stack_base]), bpip.tiers


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
