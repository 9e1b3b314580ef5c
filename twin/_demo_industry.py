"""Enterprises, stacks, buildings and risk sources of the demo park (see twin.demo)."""

from __future__ import annotations

import numpy as np
from shapely.affinity import rotate
from shapely.geometry import Polygon, box

from twin.buildings import Building
from twin.constants import STANDARD_PRESSURE
from twin.park import RiskSource, Stack

N_ENTERPRISES = 82
MAX_POWER_PLANTS = 2  # thermal power enterprises with 100-120 m stacks; other 热电 enterprises run boilers
ATMOSPHERIC = STANDARD_PRESSURE  # [Pa]
T25 = 298.15  # 25 °C [K]
# Industrial area in local coordinates (u = east, v = north of the park centre) [m]
PARK_U = (-1800.0, 1800.0)
PARK_V = (-1600.0, 1800.0)
WAREHOUSE_UV = (1300.0, -1250.0)  # centre of the DEM depression holding the hazardous-waste warehouse

_SYLLABLES = [("华", "Hua"), ("瑞", "Rui"), ("鑫", "Xin"), ("恒", "Heng"), ("盛", "Sheng"), ("海", "Hai"),
              ("东", "Dong"), ("江", "Jiang"), ("远", "Yuan"), ("中", "Zhong"), ("宏", "Hong"), ("嘉", "Jia"),
              ("联", "Lian"), ("泰", "Tai"), ("丰", "Feng"), ("通", "Tong"), ("永", "Yong"), ("安", "An"),
              ("润", "Run"), ("德", "De")]
_INDUSTRIES = [("化工", "Chemical"), ("新材料", "New Materials"), ("精细化工", "Fine Chemicals"),
               ("石化", "Petrochemical"), ("医药化工", "Pharmaceutical Chemicals"), ("农化", "Agrochemicals"),
               ("氯碱", "Chlor-Alkali"), ("涂料", "Coatings"), ("染料", "Dyestuffs"), ("气体", "Industrial Gases"),
               ("热电", "Thermal Power")]
_POLLUTANTS = ("sulfur_dioxide", "nitrogen_dioxide", "pm10", "vocs")


def _enterprise_names(rng: np.random.Generator) -> list[tuple[str, str, int]]:
    """82 distinct (Chinese name, English name, industry index)."""
    names: list[tuple[str, str, int]] = []
    seen: set[str] = set()
    while len(names) < N_ENTERPRISES:
        a, b = rng.choice(len(_SYLLABLES), size=2, replace=False)
        industry = int(rng.integers(len(_INDUSTRIES)))
        zh = f"{_SYLLABLES[a][0]}{_SYLLABLES[b][0]}{_INDUSTRIES[industry][0]}有限公司"
        if zh in seen:
            continue
        seen.add(zh)
        en = f"{_SYLLABLES[a][1]}{_SYLLABLES[b][1].lower()} {_INDUSTRIES[industry][1]} Co., Ltd."
        names.append((zh, en, industry))
    return names


# Plots reserved for tank farms, park facilities and the warehouse: (u, v) [m]
TANK_FARMS = [  # (id prefix, substance, tank name, count, inventory kg, pressure Pa, temperature K, diameter m, u, v,
    #            industry of the operating enterprise)
    ("T-CL", "chlorine", "液氯储罐", 3, 60000.0, 7.8e5, T25, 4.0, -600.0, 400.0, "氯碱"),
    ("T-NH", "ammonia", "液氨球罐", 2, 150000.0, 1.0e6, T25, 12.0, 600.0, 1200.0, "化工"),
    ("T-HS", "hydrogen_sulfide", "液态硫化氢储罐", 1, 2000.0, 2.07e6, T25, 2.0, -1400.0, -800.0, "精细化工"),
    ("T-HCL", "hydrogen_chloride", "盐酸储罐（31%）", 2, 60000.0, ATMOSPHERIC, T25, 8.0, 200.0, -600.0, "氯碱"),
    ("T-BZ", "benzene", "苯储罐", 2, 800000.0, ATMOSPHERIC, T25, 12.0, 1400.0, 200.0, "石化"),
]
# Bunds (防火堤) of the atmospheric liquid tank farms, area inside [m²]: a bund must hold the largest tank of its
# group (GB 50351-2014 §3.2, quoted, not re-checked): benzene 916 m³ (800 t at 873 kg/m³) behind a 1.2 m wall
# needs about 760 m² plus the tanks' footprints; 1,200 m² holds it with margin. The pressurised liquefied-gas tanks
# are left unbunded (their spill model is the flashing jet and its boiling pool).
BUND_AREAS = {"T-BZ": 1200.0, "T-HCL": 800.0}
NOTABLE_BUILDINGS = [  # (id, name, u, v, width m, depth m, height m)
    ("N-01", "园区管委会大楼", 0.0, 0.0, 70.0, 30.0, 38.0),
    ("N-02", "园区消防站", -300.0, -250.0, 60.0, 35.0, 12.0),
    ("N-03", "园区污水处理厂综合楼", 1000.0, -1550.0, 50.0, 25.0, 15.0),
    ("N-04", "应急救援指挥中心", 250.0, 350.0, 45.0, 30.0, 24.0),
]
_RESERVED = [(f[8], f[9]) for f in TANK_FARMS] + [(n[2], n[3]) for n in NOTABLE_BUILDINGS] + [WAREHOUSE_UV]
PLOT_WIDTH, PLOT_DEPTH = 360.0, 320.0  # [m]


def _plots() -> list[tuple[float, float]]:
    """Centres (u, v) of the 82 enterprise plots on the industrial-area grid, reserved plots left out."""
    us = np.arange(PARK_U[0] + PLOT_WIDTH / 2, PARK_U[1], PLOT_WIDTH)
    vs = np.arange(PARK_V[0] + PLOT_DEPTH / 2, PARK_V[1], PLOT_DEPTH)
    cells = [(float(pu), float(pv)) for pv in vs for pu in us
             if min(np.hypot(pu - ru, pv - rv) for ru, rv in _RESERVED) > 220.0]
    if len(cells) < N_ENTERPRISES:
        raise RuntimeError(f"demo layout has {len(cells)} plots for {N_ENTERPRISES} enterprises")
    return cells[:N_ENTERPRISES]


def _stack(rng: np.random.Generator, stack_id: str, name: str, enterprise: str, enterprise_en: str, x: float,
           y: float, power_plant: bool, grade: str) -> Stack:
    """A stack whose size, exit conditions and emission rates are mutually plausible (bigger stacks emit more).

    Emission rate = exit-gas concentration x actual exit flow; the concentrations below are illustrative
    post-abatement values chosen for the demo, not limits from any standard.
    """
    if power_plant:
        height, diameter = rng.uniform(100, 120), rng.uniform(3.5, 5.5)
        velocity, temperature = rng.uniform(16, 22), rng.uniform(318, 335)  # wet-desulphurised flue gas
        concentration = {"sulfur_dioxide": 30, "nitrogen_dioxide": 45, "pm10": 8, "vocs": 2}  # [mg/m3]
    elif rng.random() < 0.35:
        height, diameter = rng.uniform(40, 80), rng.uniform(1.2, 2.6)  # boilers and furnaces
        velocity, temperature = rng.uniform(10, 18), rng.uniform(340, 420)
        concentration = {"sulfur_dioxide": 40, "nitrogen_dioxide": 80, "pm10": 10, "vocs": 8}
    else:
        height, diameter = rng.uniform(15, 40), rng.uniform(0.4, 1.4)  # process vents
        velocity, temperature = rng.uniform(8, 16), rng.uniform(298, 340)
        concentration = {"sulfur_dioxide": 15, "nitrogen_dioxide": 30, "pm10": 6, "vocs": 45}
    flow = np.pi * diameter ** 2 / 4.0 * velocity  # actual exit flow [m3/s]
    emissions = {key: round(float(concentration[key] * rng.uniform(0.5, 1.5) * flow / 1000.0), 4)
                 for key in _POLLUTANTS}  # mg/m3 * m3/s / 1000 = g/s
    return Stack(id=stack_id, name=name, enterprise=enterprise, enterprise_en=enterprise_en,
                 x=round(x, 1), y=round(y, 1),
                 height=round(float(height), 1), inner_diameter=round(float(diameter), 2),
                 exit_velocity=round(float(velocity), 1), exit_temperature=round(float(temperature), 1),
                 emissions=emissions, enterprise_grade=grade)


def building(building_id: str, name: str, cx: float, cy: float, width: float, depth: float, height: float,
             angle: float) -> Building:
    """A rectangular building of ``width`` x ``depth`` [m] centred on (cx, cy), rotated by ``angle`` degrees."""
    footprint = rotate(box(cx - width / 2, cy - depth / 2, cx + width / 2, cy + depth / 2), angle, origin="center")
    footprint = Polygon([(round(x, 2), round(y, 2)) for x, y in footprint.exterior.coords])
    return Building(id=building_id, name=name, footprint=footprint, height=round(float(height), 1))


def _ring(cx: float, cy: float, points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    return [(round(cx + du, 1), round(cy + dv, 1)) for du, dv in points]


def _rect(cx: float, cy: float, u: float, v: float, width: float, depth: float) -> list[tuple[float, float]]:
    return _ring(cx + u, cy + v, [(-width / 2, -depth / 2), (width / 2, -depth / 2), (width / 2, depth / 2),
                                  (-width / 2, depth / 2)])


Enterprise = tuple[str, str, int]  # (Chinese name, English name, industry index)


def industry(rng: np.random.Generator, cx: float, cy: float) -> tuple[list[Enterprise], list[Stack], list[Building]]:
    """The 82 enterprises with their stacks (1-2 each) and buildings (3-4 each), plus the park's notable buildings."""
    stacks: list[Stack] = []
    buildings = [building(bid, name, cx + u, cy + v, w, d, h, 0.0) for bid, name, u, v, w, d, h in NOTABLE_BUILDINGS]
    grades = rng.choice(["A", "B", "C", "D"], size=N_ENTERPRISES, p=[0.15, 0.45, 0.3, 0.1])
    enterprises = _enterprise_names(rng)
    power_plants = 0
    for number, ((zh, en, sector), (pu, pv)) in enumerate(zip(enterprises, _plots()), start=1):
        power_plant = _INDUSTRIES[sector][0] == "热电" and power_plants < MAX_POWER_PLANTS
        power_plants += power_plant
        # a 2 x 3 layout of building cells (180 m x 105 m) inside the 360 m x 320 m plot
        cells = [(pu - 90.0 + 180.0 * i, pv - 105.0 + 105.0 * j) for j in range(3) for i in range(2)]
        order = rng.permutation(len(cells))
        for k in range(1 + int(rng.random() < 0.45)):
            su, sv = cells[order[k]]
            stacks.append(_stack(rng, f"S{len(stacks) + 1:03d}", f"{k + 1}#排气筒", zh, en,
                                 cx + su + rng.uniform(-40, 40), cy + sv + rng.uniform(-20, 20),
                                 power_plant, str(grades[number - 1])))
        for k, cell in enumerate(order[2:2 + int(rng.integers(3, 5))]):
            bu, bv = cells[cell]
            label = f"{zh}办公楼" if k == 0 else ""
            height = rng.uniform(12, 24) if k == 0 else rng.uniform(6, 40)
            buildings.append(building(f"B{len(buildings) + 1:04d}", label, cx + bu, cy + bv, rng.uniform(40, 140),
                                      rng.uniform(25, 80), height, rng.uniform(-6, 6)))
    return enterprises, stacks, buildings


def risk_sources(enterprises: list[Enterprise], cx: float, cy: float) -> list[RiskSource]:
    """Tank farms (chlorine, ammonia, hydrogen sulfide, hydrochloric acid, benzene), pipes and the warehouse.

    Chlorine, ammonia and hydrogen sulfide are pressurised liquefied gases at 25 °C held at about their saturation
    pressure (about 7.8, 10.0 and 20.7 bar absolute at 25 °C, extrapolated from the 680, 855 and 1780 kPa at 20 °C
    of Perry's Chemical Engineers' Handbook 8th ed. Table 2-8). Hydrochloric acid (31 %, inventory = HCl content)
    and benzene are atmospheric tanks. Each farm is operated by one of the 82 enterprises of a matching industry.
    Every tank carries level warnings (``parktwin watch``): yellow above 80 % of its safe level — the seed case's
    rule — and orange at 90 %, red at 95 %, which are this demo's own illustrative choices, not a standard's.
    """
    sources: list[RiskSource] = []
    for prefix, substance, name, count, inventory, pressure, temperature, diameter, u, v, sector in TANK_FARMS:
        operator = next((e for e in enterprises if _INDUSTRIES[e[2]][0] == sector), enterprises[0])
        for k in range(count):
            tx, ty = round(cx + u + (diameter + 15.0) * k, 1), round(cy + v, 1)
            sources.append(RiskSource(
                id=f"{prefix}{k + 1:02d}", name=f"{name} {prefix}{k + 1:02d}", enterprise=operator[0],
                enterprise_en=operator[1], kind="tank", substance=substance, inventory=inventory, pressure=pressure,
                temperature=temperature, x=tx, y=ty, sill_height=1.2, diameter=diameter,
                bund_area=BUND_AREAS.get(prefix), footprint=_rect(tx, ty, 0.0, 0.0, diameter + 6.0, diameter + 6.0),
                thresholds={"level": {"yellow": 80.0, "orange": 90.0, "red": 95.0}}))
    pipes = [("P-CL01", "chlorine", "液氯输送管道", 400.0, 7.8e5, -350.0, 400.0),
             ("P-NH01", "ammonia", "液氨输送管道", 600.0, 1.0e6, 450.0, 1000.0)]
    for pid, substance, name, inventory, pressure, u, v in pipes:
        sources.append(RiskSource(id=pid, name=name, enterprise="滨海化工园区公用管廊", kind="pipe",
                                  substance=substance, inventory=inventory, pressure=pressure, temperature=T25,
                                  x=round(cx + u, 1), y=round(cy + v, 1), diameter=0.1))
    wx, wy = round(cx + WAREHOUSE_UV[0], 1), round(cy + WAREHOUSE_UV[1], 1)
    sources.append(RiskSource(
        id="W-HW01", name="危废仓库", enterprise="滨海化工园区危废集中贮存中心", kind="warehouse",
        substance="toluene", inventory=20000.0, pressure=ATMOSPHERIC, temperature=T25, x=wx, y=wy,
        sill_height=0.15, footprint=_rect(wx, wy, 0.0, 0.0, 60.0, 30.0)))
    return sources
