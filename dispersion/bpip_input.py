"""Read a BPIP / BPIP-PRIME input file (EPA, *User's Guide to the Building Profile Input Program*,
EPA-454/R-93-038, §3; BPIPPRM's reader for what the guide leaves open), for ``parktwin bpip``.

Free format, one record per line (commas separate like blanks, names in quotes):

    'title'
    'P'                          run switch: P (PRIME), ST or NP (ISCST), LT (ISCLT) — the dimensions are the same
    'METERS' 1.0                 units and the factor that turns them into metres (not UTM coordinates: metres)
    'UTMN' 0.0                   UTMN (local x, y) or UTMY (UTM, in metres), plant north [°]
    NB                           number of buildings, then per building:
    'name' NTIERS BASE             its number of tiers and base elevation
    NCORNERS HEIGHT                per tier: its number of corners and height above the base
    x y                              the corners
    NS                           number of stacks, then per stack:
    'name' BASE HEIGHT x y

Coordinates in plant north are turned to true north as BPIP does (x' = x cos θ − y sin θ, y' = y cos θ + x sin θ,
θ = 360° − plant north). Every fault names the file, the line and the field.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dispersion.building_profile import Tier
from twin.errors import InputError, MissingInputError

__all__ = ["BpipInput", "read_bpip_input"]


@dataclass(frozen=True)
class BpipInput:
    """A BPIP input: ``title``, ``switch`` (P, ST, NP or LT), stack ``names``, ``stack_x``, ``stack_y``,
    ``stack_base``, ``stack_height`` (S,) [m, true north], building names and their ``tiers``."""

    title: str
    switch: str
    names: list[str]
    stack_x: np.ndarray
    stack_y: np.ndarray
    stack_base: np.ndarray
    stack_height: np.ndarray
    building_names: list[str]
    tiers: list[Tier]


class _Records:
    def __init__(self, path: Path):
        self.where = f"BPIP input {str(path)!r}"
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            text = path.read_text(encoding="latin-1")  # old inputs carry names in a DOS code page
        self.lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
        self.k = 0

    def next(self, what: str, count: int) -> tuple[int, list[str]]:
        if self.k >= len(self.lines):
            raise InputError.field(self.where, "end of file", "no more lines", f"a line with {what}")
        number, line = self.lines[self.k]
        self.k += 1
        try:
            words = [w.strip("'\"") for w in shlex.split(line.replace(",", " "), posix=False)]
        except ValueError:
            raise InputError.field(self.where, f"line {number}", line.strip()[:60], f"{what} (unbalanced quotes?)")
        if len(words) < count:
            raise InputError.field(self.where, f"line {number}", line.strip()[:60], f"{what} ({count} fields)")
        return number, words

    def number(self, line: int, word: str, field: str, *, integer=False, low=None, high=None) -> float:
        try:
            value = float(word)
        except ValueError:
            raise InputError.field(self.where, f"line {line}, {field}", word, "a number")
        if not np.isfinite(value) or (integer and value != int(value)) or (low is not None and value < low) or \
                (high is not None and value > high):
            allowed = ("an integer" if integer else "a number") + \
                (f" in [{low:g}, {high:g}]" if low is not None and high is not None else
                 f" ≥ {low:g}" if low is not None else "")
            raise InputError.field(self.where, f"line {line}, {field}", word, allowed)
        return int(value) if integer else value


def read_bpip_input(path) -> BpipInput:
    """The stacks and tiers of a BPIP input file (module docstring) in metres, true north."""
    path = Path(path)
    if not path.is_file():
        raise MissingInputError(f"BPIP input {str(path)!r}: file not found")
    rec = _Records(path)
    title = rec.next("the title", 1)[1][0]
    n, words = rec.next("the run switch", 1)
    switch = words[0].upper()
    if switch not in ("P", "ST", "NP", "LT", "S", "L", "N"):
        raise InputError.field(rec.where, f"line {n}, run switch", words[0], "P, ST, NP or LT")
    n, words = rec.next("the units and their factor to metres", 2)
    factor = rec.number(n, words[1], "units factor", low=1e-6)
    n, words = rec.next("UTMN or UTMY and plant north", 2)
    if words[0].upper() not in ("UTMN", "UTMY"):
        raise InputError.field(rec.where, f"line {n}, coordinate switch", words[0], "UTMN or UTMY")
    utm = words[0].upper() == "UTMY"
    xy_factor = 1.0 if utm else factor  # BPIP takes UTM coordinates as metres whatever the units (its reader)
    theta = np.radians(360.0 - rec.number(n, words[1], "plant north", low=-360.0, high=360.0))
    cos_t, sin_t = np.cos(theta), np.sin(theta)

    def true_north(x, y):
        return x * cos_t - y * sin_t, y * cos_t + x * sin_t

    n, words = rec.next("the number of buildings", 1)
    n_buildings = rec.number(n, words[0], "number of buildings", integer=True, low=0)
    building_names, tiers = [], []
    for b in range(n_buildings):
        n, words = rec.next(f"building {b + 1}: name, number of tiers, base elevation", 3)
        building_names.append(words[0])
        n_tiers = rec.number(n, words[1], f"building {words[0]!r} number of tiers", integer=True, low=1)
        base = rec.number(n, words[2], f"building {words[0]!r} base elevation") * factor
        for t in range(n_tiers):
            n, words = rec.next(f"building {building_names[-1]!r} tier {t + 1}: number of corners, height", 2)
            n_corners = rec.number(n, words[0], "number of corners", integer=True, low=3)
            height = rec.number(n, words[1], "tier height", low=0.0) * factor
            corners = np.empty((n_corners, 2))
            for k in range(n_corners):
                n, words = rec.next(f"corner {k + 1} of building {building_names[-1]!r} tier {t + 1}: x y", 2)
                corners[k] = (rec.number(n, words[0], "corner x") * xy_factor,
                              rec.number(n, words[1], "corner y") * xy_factor)
            corners = np.column_stack(true_north(corners[:, 0], corners[:, 1]))
            tiers.append(Tier(corners=corners, height=height, building=b, base=base))
    n, words = rec.next("the number of stacks", 1)
    n_stacks = rec.number(n, words[0], "number of stacks", integer=True, low=1)
    names, rows = [], []
    for s in range(n_stacks):
        n, words = rec.next(f"stack {s + 1}: name, base elevation, height, x, y", 5)
        if words[0] in names:
            raise InputError.field(rec.where, f"line {n}, stack name", words[0], "a name not used before")
        names.append(words[0])
        base = rec.number(n, words[1], f"stack {words[0]!r} base elevation")
        height = rec.number(n, words[2], f"stack {words[0]!r} height", low=0.0)
        x, y = (rec.number(n, w, f"stack {words[0]!r} {axis}") for w, axis in ((words[3], "x"), (words[4], "y")))
        rows.append((*true_north(x * xy_factor, y * xy_factor), base * factor, height * factor))
    table = np.array(rows, dtype=np.float64)
    return BpipInput(title=title, switch=switch, names=names, stack_x=table[:, 0], stack_y=table[:, 1],
                     stack_base=table[:, 2], stack_height=table[:, 3], building_names=building_names, tiers=tiers)
