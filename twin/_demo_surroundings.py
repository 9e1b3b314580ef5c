"""Receptors, monitors, water bodies, flood defences and off-site buildings of the demo park (see twin.demo)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from shapely.geometry import LineString

from twin._demo_industry import PARK_U, PARK_V, building
from twin.buildings import Building
from twin.park import FloodDefence, Monitor, Receptor, WaterBody

SEA_WALL_SETBACK = 150.0  # sea wall this far inland of the shoreline [m]
SEA_WALL_CREST = 7.5  # [m]
LEVEE_CREST = 5.0  # [m]


def coastline_u(v):
    """Easting offset of the shoreline from the park centre at northing offset ``v``. [m]"""
    return 4300.0 + 300.0 * np.sin(np.asarray(v, dtype=np.float64) / 3000.0)


def river_v(u):
    """Northing offset of the river centreline at easting offset ``u`` (south of the park). [m]"""
    return -2700.0 + 350.0 * np.sin(np.asarray(u, dtype=np.float64) / 1700.0)


@dataclass
class Surroundings:
    receptors: list[Receptor]
    monitors: list[Monitor]
    flood_defences: list[FloodDefence]
    water_bodies: list[WaterBody]
    buildings: list[Building]


def _shift(cx: float, cy: float, points) -> list[tuple[float, float]]:
    return [(round(cx + float(u), 1), round(cy + float(v), 1)) for u, v in points]


def _blob(rng: np.random.Generator, u: float, v: float, radius_u: float, radius_v: float) -> list[tuple[float, float]]:
    """An irregular convex-ish outline (12 vertices) around (u, v)."""
    angles = np.linspace(0.0, 2 * np.pi, 12, endpoint=False)
    scale = rng.uniform(0.85, 1.1, angles.size)
    return [(u + radius_u * s * np.cos(a), v + radius_v * s * np.sin(a)) for a, s in zip(angles, scale)]


_RESIDENTIAL = [  # (id, name, u, v, radius u, radius v, population)
    ("R-RES1", "东港村居民区", -2300.0, 2250.0, 380.0, 260.0, 3200),
    ("R-RES2", "南河镇居民区", 2000.0, -2150.0, 420.0, 250.0, 5400),
    ("R-RES3", "西岭新村居民区", -3700.0, -900.0, 350.0, 420.0, 2600),
]
_WATER_SOURCES = [  # (id, name, u, v, radius u, radius v)
    ("R-WS1", "南河水源保护区", -3700.0, float(-2700.0 + 350.0 * np.sin(-3700.0 / 1700.0)), 450.0, 260.0),
    ("R-WS2", "西岭水库水源保护区", -4000.0, 2300.0, 380.0, 450.0),
]


def _receptors(rng: np.random.Generator, cx: float, cy: float) -> tuple[list[Receptor], list[Building]]:
    receptors: list[Receptor] = []
    houses: list[Building] = []
    for rid, name, u, v, ru, rv, population in _RESIDENTIAL:
        receptors.append(Receptor(id=rid, name=name, kind="residential", population=population,
                                  polygon=_shift(cx, cy, _blob(rng, u, v, ru, rv))))
        for k in range(18):  # houses and apartment blocks on a jittered grid inside the area
            hu = u + (k % 6 - 2.5) * ru * 0.28 + rng.uniform(-15, 15)
            hv = v + (k // 6 - 1.0) * rv * 0.5 + rng.uniform(-10, 10)
            tall = rng.random() < 0.3
            houses.append(building(f"H-{rid[-1]}{k + 1:02d}", f"{name}{k + 1}号楼" if tall else "", cx + hu, cy + hv,
                                   rng.uniform(14, 30), rng.uniform(10, 16),
                                   rng.uniform(18, 33) if tall else rng.uniform(6, 10), rng.uniform(-4, 4)))
    for rid, name, u, v, ru, rv in _WATER_SOURCES:
        receptors.append(Receptor(id=rid, name=name, kind="water_source", population=0,
                                  polygon=_shift(cx, cy, _blob(rng, u, v, ru, rv))))
    receptors.append(Receptor(id="R-SCH1", name="东港小学", kind="school", population=860,
                              point=_shift(cx, cy, [(-2050.0, 2450.0)])[0]))
    receptors.append(Receptor(id="R-HOS1", name="南河镇卫生院", kind="hospital", population=240,
                              point=_shift(cx, cy, [(2250.0, -2000.0)])[0]))
    # fence-line receptors every ~800 m along the industrial-area boundary (HJ 2.2 厂界 points)
    (u0, u1), (v0, v1) = PARK_U, PARK_V
    boundary = LineString([(u0, v0), (u1, v0), (u1, v1), (u0, v1), (u0, v0)])
    for k, distance in enumerate(np.arange(0.0, boundary.length, 800.0)):
        point = boundary.interpolate(float(distance))
        receptors.append(Receptor(id=f"R-FEN{k + 1:02d}", name=f"厂界{k + 1}号点", kind="fence", population=0,
                                  point=_shift(cx, cy, [(point.x, point.y)])[0]))
    return receptors, houses


def _monitors(cx: float, cy: float) -> list[Monitor]:
    common = ["sulfur_dioxide", "nitrogen_dioxide", "pm10", "pm2_5"]
    stations = [
        ("M01", "园区管委会监测站", 0.0, 150.0, [*common, "vocs"]),
        ("M02", "东港村监测站", -2150.0, 2050.0, common),
        ("M03", "南河镇监测站", 1900.0, -1950.0, [*common, "ammonia"]),
        ("M04", "罐区边界监测站", -500.0, 700.0, ["chlorine", "ammonia", "hydrogen_chloride", "vocs"]),
        ("M05", "海堤监测站", 3600.0, 300.0, [*common, "hydrogen_sulfide"]),
    ]
    return [Monitor(id=mid, name=name, x=round(cx + u, 1), y=round(cy + v, 1), pollutants=pollutants)
            for mid, name, u, v, pollutants in stations]


def _water_and_defences(cx: float, cy: float, half_width: float) -> tuple[list[WaterBody], list[FloodDefence]]:
    v_axis = np.linspace(-half_width, half_width, 49)
    shore = [(float(coastline_u(v)), float(v)) for v in v_axis]
    sea = WaterBody(id="WB-SEA", name="黄海", kind="sea",
                    polygon=_shift(cx, cy, [*shore, (half_width, half_width), (half_width, -half_width)][::-1]))
    u_axis = np.linspace(-half_width, float(coastline_u(river_v(4300.0))) + 200.0, 61)
    centre = LineString([(float(u), float(river_v(u))) for u in u_axis])
    river_outline = centre.buffer(45.0, cap_style="flat").simplify(2.0)
    river = WaterBody(id="WB-RIV", name="南河", kind="river",
                      polygon=_shift(cx, cy, list(river_outline.exterior.coords)[:-1]))
    wall = FloodDefence(id="FD-SEAWALL", name="滨海海堤", kind="sea_wall", crest_elevation=SEA_WALL_CREST,
                        line=_shift(cx, cy, [(u - SEA_WALL_SETBACK, v) for u, v in shore]))
    levees = []
    for side, sign in (("北", 1.0), ("南", -1.0)):
        bank = centre.offset_curve(sign * 90.0)
        points = [(x, y) for x, y in bank.coords if -3000.0 <= x <= 4300.0]
        levees.append(FloodDefence(id=f"FD-LEV{'N' if sign > 0 else 'S'}", name=f"南河{side}岸堤防", kind="levee",
                                   crest_elevation=LEVEE_CREST, line=_shift(cx, cy, points[::3])))
    return [sea, river], [wall, *levees]


def surroundings(rng: np.random.Generator, cx: float, cy: float, half_width: float) -> Surroundings:
    """Everything around the industrial area, in park coordinates [m] (centre at (cx, cy))."""
    receptors, houses = _receptors(rng, cx, cy)
    water_bodies, defences = _water_and_defences(cx, cy, half_width)
    return Surroundings(receptors=receptors, monitors=_monitors(cx, cy), flood_defences=defences,
                        water_bodies=water_bodies, buildings=houses)
