"""The AERMOD reference run of the demo park (``tests/data/aermod/anchorage-1999``, README there): its deck's stacks
and receptors, its per-receptor outputs, and the comparison statistics of a ParkTwin run against them.

Statistics (Chang & Hanna 2004, *Meteorol. Atmos. Phys.* 87:167–196, §3): with observed = AERMOD (Co) and
predicted = ParkTwin (Cp) over the receptors,

    FAC2 = fraction of receptors with 0.5 ≤ Cp/Co ≤ 2
    FB   = (mean Co − mean Cp) / (0.5 (mean Co + mean Cp))      (negative: ParkTwin higher)
    r    = Pearson correlation of Co and Cp

plus the ratio of the domain maxima and the distance between the receptors where they fall.
"""

from __future__ import annotations

import csv
import math
import shutil
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from dispersion.plume import ReceptorSet, StackSet
from twin.park import AreaCircle, AreaLine
from meteo import read_aermet

REFERENCE = Path(__file__).resolve().parent / "data" / "aermod" / "anchorage-1999"
PLOT_FILES = {"period": "plot_period.plt", "1h": "plot_1h.plt", "24h": "plot_24h.plt"}
WDROTATE = 0.6964  # the deck's WDROTATE [degree]: true-north directions turned onto the park's grid north
# AERMOD source types → dispersion.plume.RELEASE_CODES
RELEASES = {"POINT": 0, "POINTCAP": 1, "POINTHOR": 2, "VOLUME": 3, "AREA": 4, "AREAPOLY": 4, "AREACIRC": 4,
            "LINE": 4}
AREAS = {"AREA", "AREAPOLY", "AREACIRC", "LINE"}  # AERMOD's source types of the area algorithm


@dataclass(frozen=True)
class Deck:
    """The deck's stacks (AERMOD coordinates: park CRS minus the origin), SO2 rates [g/s] and receptors; the
    receptors' hill-height scales [m] when the deck is in elevated terrain."""

    stacks: StackSet
    rates_g_s: np.ndarray
    receptors: ReceptorSet
    receptor_ids: tuple[str, ...]
    hill_heights: np.ndarray | None = None


def read_deck(folder: Path = REFERENCE) -> Deck:
    """Sources from the deck's SO LOCATION / SRCPARAM (/ AREAVERT) cards — POINT, POINTCAP, POINTHOR, VOLUME, AREA,
    AREAPOLY, AREACIRC and LINE (the last two as park.yaml's ``circle`` and ``line`` make them; an area source's rate
    in ``rates_g_s`` is the whole area's, AERMOD's per-m² rate times its area; its ``x``, ``y`` the mean of its
    vertices) — and receptors from ``receptors.csv`` (AERMOD x, y; with ``elevation``, ``hill_height`` and
    ``flagpole`` columns for an elevated-terrain deck)."""
    location, kinds, words_of, corners, ends = {}, {}, {}, {}, {}
    for line in (folder / "aermod.inp").read_text().splitlines():
        words = line.split()
        if len(words) >= 5 and words[0] == "LOCATION" and words[2] == "LINE":  # x1 y1 x2 y2 z
            x1, y1, x2, y2, z = (float(v) for v in words[3:8])
            location[words[1]], ends[words[1]] = (x1, y1, z), ((x1, y1), (x2, y2))
            kinds[words[1]] = words[2]
        elif len(words) >= 5 and words[0] == "LOCATION" and words[2] in RELEASES:
            location[words[1]] = tuple(float(v) for v in words[3:6])
            kinds[words[1]] = words[2]
        elif len(words) >= 4 and words[0] == "SRCPARAM":
            words_of[words[1]] = [float(v) for v in words[2:]]
        elif len(words) >= 4 and words[0] == "AREAVERT":
            values = [float(v) for v in words[2:]]
            corners.setdefault(words[1], []).extend(zip(values[::2], values[1::2]))
    ids = tuple(location)
    circles = [int(round(words_of[i][3])) if len(words_of[i]) > 3 else 20 for i in ids if kinds[i] == "AREACIRC"]
    most = max([4] + [len(v) for v in corners.values()] + circles)
    rows, polygons = [], np.full((len(ids), most, 2), np.nan)
    for k, i in enumerate(ids):
        p, kind = words_of[i], kinds[i]
        x, y, z = location[i]
        if kind == "VOLUME":  # Q, release height, σ_y0, σ_z0
            rows.append((x, y, z, p[0], p[1], np.nan, np.nan, np.nan, p[2], p[3]))
        elif kind in ("AREA", "AREAPOLY", "AREACIRC", "LINE"):
            # AREA: q, h, Xinit, Yinit, angle, σ_z0; AREAPOLY: q, h, n, σ_z0; AREACIRC: q, h, radius, n, σ_z0;
            # LINE: q, h, width, σ_z0 — AREACIRC and LINE by park.yaml's shapes (twin.park), so the deck checks them
            if kind == "AREACIRC":
                circle = AreaCircle(x=x, y=y, radius=p[2], vertices=int(round(p[3])) if len(p) > 3 else 20)
                polygon, sz0 = np.array(circle.corners()), p[4] if len(p) > 4 else 0.0
            elif kind == "LINE":
                polygon = np.array(AreaLine(start=ends[i][0], end=ends[i][1], width=p[2]).corners())
                sz0 = p[3] if len(p) > 3 else 0.0
            elif kind == "AREA":
                xinit, yinit, angle = p[2], p[3], math.radians(p[4])
                p1 = (x, y)
                p2 = (p1[0] + yinit * math.sin(angle), p1[1] + yinit * math.cos(angle))
                p3 = (p2[0] + xinit * math.cos(angle), p2[1] - xinit * math.sin(angle))
                p4 = (p3[0] - yinit * math.sin(angle), p3[1] - yinit * math.cos(angle))
                polygon, sz0 = np.array([p1, p2, p3, p4]), p[5] if len(p) > 5 else 0.0
            else:
                polygon, sz0 = np.array(corners[i]), p[3] if len(p) > 3 else 0.0
            polygons[k, :len(polygon)] = polygon
            px, py = polygon[:, 0], polygon[:, 1]
            size = 0.5 * abs(np.dot(px, np.roll(py, -1)) - np.dot(np.roll(px, -1), py))
            rows.append((px.mean(), py.mean(), z, p[0] * size, p[1], np.nan, np.nan, np.nan, 0.0, sz0))
        else:  # Q, stack height, exit temperature, velocity, diameter
            rows.append((x, y, z, p[0], p[1], p[2], p[3], p[4], 0.0, 0.0))
    x, y, z, q, height, temperature, velocity, diameter, sigma_y0, sigma_z0 = np.array(rows).T
    stacks = StackSet(ids=ids, x=x, y=y, base_elevation=z, height=height, inner_diameter=diameter,
                      exit_velocity=velocity, exit_temperature=temperature,
                      release=np.array([RELEASES[kinds[i]] for i in ids]), initial_sigma_y=sigma_y0,
                      initial_sigma_z=sigma_z0, area_vertices=polygons if (set(kinds.values()) & AREAS) else None)
    with open(folder / "receptors.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    x = np.array([float(r["x_aermod"]) for r in rows])
    y = np.array([float(r["y_aermod"]) for r in rows])
    column = lambda name: np.array([float(r.get(name) or 0.0) for r in rows])  # noqa: E731
    receptors = ReceptorSet(x=x, y=y, height=column("flagpole"), ground_elevation=column("elevation"))
    hill = column("hill_height") if "hill_height" in rows[0] else None
    ids = tuple(r.get("id") or f"R{int(r['index']):04d}" for r in rows)
    return Deck(stacks=stacks, rates_g_s=q, receptors=receptors, receptor_ids=ids, hill_heights=hill)


def deck_end(met_folder: str = "../anchorage-1999/") -> list[str]:
    """The last cards of a comparison deck the tools write (``tools/aermod_*_deck.py``): the end of the RE pathway,
    the ME pathway reading the Anchorage 1999 AERMET files from ``met_folder`` (relative to the deck's folder) with
    the reference deck's WDROTATE, and the OU pathway writing the three plot files ``read_plot`` reads."""
    return ["RE FINISHED", "", "ME STARTING", f"   SURFFILE  {met_folder}ANCH-99_ADJU.SFC",
            f"   PROFFILE  {met_folder}ANCH-99_ADJU.PFL", "   SURFDATA  26451  1999", "   UAIRDATA  26409  1999",
            "   PROFBASE  0.0  METERS", f"   WDROTATE  {WDROTATE}", "ME FINISHED", "", "OU STARTING",
            "   RECTABLE  ALLAVE  1ST", "   PLOTFILE  1  ALL  1ST  plot_1h.plt", "   PLOTFILE  24  ALL  FIRST  plot_24h.plt",
            "   PLOTFILE  PERIOD  ALL  plot_period.plt", "   SUMMFILE  summary.sum", "OU FINISHED", ""]


RECEPTOR_COLUMNS = ["index", "id", "x_aermod", "y_aermod"]  # a flat comparison deck's receptors.csv


def reference_receptor_rows() -> list[dict]:
    """The reference deck's receptors as the rows of a flat comparison deck's ``receptors.csv`` (``RECEPTOR_COLUMNS``;
    coordinates as the text they are written with), for the deck tools to add receptors of their own to."""
    with open(REFERENCE / "receptors.csv", newline="") as handle:
        return [{"index": k, "id": row["id"], "x_aermod": row["x_aermod"], "y_aermod": row["y_aermod"]}
                for k, row in enumerate(csv.DictReader(handle))]


def add_rings(rows: list[dict], name: str, centre, distances) -> None:
    """Append rings of eight receptors around ``centre`` (x, y) [m], at bearings 10° + 45° k, at each of
    ``distances`` [m], named ``{name}-{distance}-{k}``."""
    for d in distances:
        for b in range(8):
            angle = math.radians(45.0 * b + 10.0)
            rows.append({"index": len(rows), "id": f"{name}-{d:.0f}-{b}",
                         "x_aermod": f"{centre[0] + d * math.sin(angle):.2f}",
                         "y_aermod": f"{centre[1] + d * math.cos(angle):.2f}"})


def write_flat_deck(folder: Path, lines: list[str], rows: list[dict], end: list[str] | None = None) -> None:
    """A flat comparison deck from its cards up to ``RE STARTING``: a DISCCART per row of ``rows``, the closing
    cards ``end`` (default ``deck_end()``, the Anchorage meteorology), into ``folder``/aermod.inp, and the rows into
    its ``receptors.csv``."""
    lines = lines + [f"   DISCCART  {float(row['x_aermod']):10.2f} {float(row['y_aermod']):10.2f}" for row in rows]
    (folder / "aermod.inp").write_text("\n".join(lines + (deck_end() if end is None else end)))
    with open(folder / "receptors.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=RECEPTOR_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def point_cards(deck: Deck, names, rate_scale: float = 1.0, kinds=None) -> list[str]:
    """The LOCATION and SRCPARAM cards of the reference deck's stacks ``names`` (at its places, base 0 m), their rates
    times ``rate_scale``; ``kinds`` {name: AERMOD source type} for others than POINT (POINTCAP, POINTHOR)."""
    s = deck.stacks
    index = [s.ids.index(name) for name in names]
    kinds = kinds or {}
    return ([f"   LOCATION  {name}  {kinds.get(name, 'POINT'):>8}  {s.x[i]:10.2f} {s.y[i]:10.2f} {0.0:8.2f}"
             for name, i in zip(names, index)]
            + [f"   SRCPARAM  {name}  {deck.rates_g_s[i] * rate_scale:12.4f} {s.height[i]:7.2f} "
               f"{s.exit_temperature[i]:7.2f} {s.exit_velocity[i]:6.2f} {s.inner_diameter[i]:6.3f}"
               for name, i in zip(names, index)])


def write_reference_receptor_deck(folder: Path, lines: list[str], deck: Deck) -> None:
    """A flat comparison deck on the reference deck's receptors: ``lines`` up to ``RE STARTING``, a DISCCART per
    receptor, the closing cards, and the reference ``receptors.csv`` beside it."""
    r = deck.receptors
    lines = lines + [f"   DISCCART  {r.x[j]:10.2f} {r.y[j]:10.2f}" for j in range(r.x.size)]
    (folder / "aermod.inp").write_text("\n".join(lines + deck_end()))
    shutil.copyfile(REFERENCE / "receptors.csv", folder / "receptors.csv")


def read_building_cards(deck: Deck, folder: Path = REFERENCE):
    """The deck's BPIP-PRIME cards (``SO BUILDHGT / BUILDWID / BUILDLEN / XBADJ / YBADJ``) as the (S, 36) arrays
    ``height``, ``width``, ``length``, ``xbadj``, ``ybadj`` of ``dispersion.aermod.run_aermod``'s ``buildings``, in the
    deck's stack order (zeros for a stack without cards)."""
    cards: dict = {}
    for line in (folder / "aermod.inp").read_text().splitlines():
        words = line.split()
        if len(words) > 3 and words[0] == "SO" and words[1] in ("BUILDHGT", "BUILDWID", "BUILDLEN", "XBADJ", "YBADJ"):
            cards.setdefault((words[1], words[2]), []).extend(float(v) for v in words[3:])
    column = lambda card: np.array([cards.get((card, i), [0.0] * 36) for i in deck.stacks.ids])  # noqa: E731
    return SimpleNamespace(height=column("BUILDHGT"), width=column("BUILDWID"), length=column("BUILDLEN"),
                           xbadj=column("XBADJ"), ybadj=column("YBADJ"))


def read_plot(averaging: str, deck: Deck, folder: Path = REFERENCE) -> np.ndarray:
    """AERMOD's value at each deck receptor [µg/m³] from the plot file of ``averaging`` ("period", "1h", "24h")."""
    values = {}
    for line in (folder / PLOT_FILES[averaging]).read_text().splitlines():
        if line.startswith("*") or not line.strip():
            continue
        words = line.split()
        values[(round(float(words[0]), 2), round(float(words[1]), 2))] = float(words[2])
    keys = zip(np.round(deck.receptors.x, 2), np.round(deck.receptors.y, 2))
    return np.array([values[(float(x), float(y))] for x, y in keys])


def compare(observed: np.ndarray, predicted: np.ndarray, x: np.ndarray, y: np.ndarray) -> dict:
    """FAC2, FB, r (module docstring), max predicted / max observed and the distance between the maxima [m]."""
    positive = observed > 0
    ratio = predicted[positive] / observed[positive]
    mean_o, mean_p = observed.mean(), predicted.mean()
    i, j = int(np.argmax(observed)), int(np.argmax(predicted))
    return {
        "fac2": float(np.mean((ratio >= 0.5) & (ratio <= 2.0))),
        "fb": float((mean_o - mean_p) / (0.5 * (mean_o + mean_p))),
        "r": float(np.corrcoef(observed, predicted)[0, 1]),
        "max_ratio": float(predicted.max() / observed.max()),
        "max_distance_m": float(np.hypot(x[i] - x[j], y[i] - y[j])),
    }


def agreement(result, deck: Deck, folder: Path = REFERENCE) -> dict:
    """:func:`compare` of a run's period mean, highest 1-h and highest 24-h values [kg m-3] (``period_mean``,
    ``max_1h``, ``max_24h`` of a ``dispersion.aermod.AermodResult``) with AERMOD's plot files in ``folder``, each
    with the worst receptor's |Cp/Co − 1| as ``worst``: {"period" | "1h" | "24h": statistics}."""
    out = {}
    for name, values in (("period", result.period_mean), ("1h", result.max_1h), ("24h", result.max_24h)):
        observed, predicted = read_plot(name, deck, folder), values * 1e9  # kg m-3 → µg m-3, the plot files' unit
        stats = compare(observed, predicted, deck.receptors.x, deck.receptors.y)
        positive = observed > 0.0
        stats["worst"] = float(np.abs(predicted[positive] / observed[positive] - 1.0).max())
        out[name] = stats
    return out


def reference_met(pfl: Path | None = None):
    """The Anchorage 1999 AERMET files every deck here reads (``REFERENCE``; local standard time, UTC−9; AERMET's
    missing hours kept and counted), with another profile file ``pfl`` (a site tower's) when given."""
    return read_aermet(REFERENCE / "ANCH-99_ADJU.SFC", pfl or REFERENCE / "ANCH-99_ADJU.PFL", utc_offset_hours=-9.0,
                       fill_missing=True)


def assert_agrees(name: str, ours: dict, *, fb: float = 0.05, r: float = 0.98, max_ratio: float = 0.05,
                  worst: float | None = None) -> None:
    """The targets of a deck comparison for one statistic ``name`` (:func:`agreement`): FAC2 ≥ 0.95, |FB| ≤ ``fb``,
    r ≥ ``r``, the domain maxima within ``max_ratio`` on the same receptor or a neighbour (≤ 354 m, a diagonal of
    the 250 m grid), and the worst receptor's |Cp/Co − 1| ≤ ``worst`` when given."""
    assert ours["fac2"] >= 0.95 and abs(ours["fb"]) <= fb and ours["r"] >= r, (name, ours)
    assert abs(ours["max_ratio"] - 1.0) <= max_ratio and ours["max_distance_m"] <= 354.0, (name, ours)
    if worst is not None:
        assert ours["worst"] <= worst, (name, ours)
