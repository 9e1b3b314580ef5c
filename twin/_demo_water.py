"""The demo park's receiving water (see twin.demo): 南河, the river of the demo terrain, from the western hills to the
sea, with the park's two outfalls and three control sections — the upstream water-source zone (class II), the
park's downstream control section (class III) and the drinking-water intake of 南河镇 downstream in its first-grade
protection zone (class II).

Values are fictional but of the size a lowland river of the Jiangsu coast has in its driest month; decay and
reaeration rates are typical of the ranges Chapra (1997), *Surface Water-Quality Modeling*, Lectures 19–21, gives
for slow, deep lowland rivers, not measured.
"""

from __future__ import annotations

import numpy as np

from twin.water import ControlSection, Outfall, Reach, River

_U_LINE = np.linspace(-6000.0, 4000.0, 41)  # upstream (west) to the river mouth at the sea wall [m]


def _on_river(river_v, cx: float, cy: float, u: float) -> tuple[float, float]:
    return round(cx + u, 1), round(cy + float(river_v(u)), 1)


def demo_river(river_v, cx: float, cy: float) -> River:
    """南河 as a ``park.yaml`` river, in park coordinates [m] (centre (cx, cy); ``river_v`` its centreline)."""
    line = [_on_river(river_v, cx, cy, float(u)) for u in _U_LINE]
    chainage = {u: float(np.sum(np.hypot(np.diff([cx + x for x in _U_LINE[_U_LINE <= u]]),
                                         np.diff([cy + float(river_v(x)) for x in _U_LINE[_U_LINE <= u]]))))
                for u in (-2500.0, 1500.0)}
    kinetics = {"decay": {"cod": "0.20 1/d", "ammonia_nitrogen": "0.15 1/d", "bod5": "0.25 1/d"},
                "reaeration": "0.35 1/d"}
    reaches = [
        Reach(id="NH-1", name="南河上游段", end=round(chainage[-2500.0], 1), width=55.0, depth=2.0,
              design_flow="7.5 m**3/s", slope=0.00008, **kinetics,
              background={"cod": "12 mg/L", "ammonia_nitrogen": "0.30 mg/L", "bod5": "2.4 mg/L",
                          "dissolved_oxygen": "7.2 mg/L"}),
        Reach(id="NH-2", name="南河园区段", end=round(chainage[1500.0], 1), width=60.0,
              stage_discharge={"coefficient": 0.62, "exponent": 0.55}, design_flow="8.0 m**3/s", slope=0.00006,
              **kinetics, background={"cod": "13 mg/L", "ammonia_nitrogen": "0.35 mg/L", "bod5": "2.6 mg/L",
                                      "dissolved_oxygen": "7.0 mg/L"}),
        Reach(id="NH-3", name="南河下游段", width=70.0, depth=2.4, design_flow="8.5 m**3/s", slope=0.00005,
              **kinetics, background={"cod": "13 mg/L", "ammonia_nitrogen": "0.35 mg/L", "bod5": "2.6 mg/L",
                                      "dissolved_oxygen": "7.0 mg/L"}),
    ]
    outfalls = [
        Outfall(id="OF-WWTP", name="园区污水处理厂排口", enterprise="滨海化工园区污水处理厂",
                **dict(zip("xy", _on_river(river_v, cx, cy, -800.0))), flow="20000 m**3/d",
                effluent={"cod": "50 mg/L", "ammonia_nitrogen": "5 mg/L", "bod5": "10 mg/L",
                          "dissolved_oxygen": "4 mg/L"}),
        Outfall(id="OF-E12", name="滨海精细化工排口", enterprise="滨海精细化工有限公司",
                **dict(zip("xy", _on_river(river_v, cx, cy, 600.0))), flow="5000 m**3/d", distance_from_bank=5.0,
                effluent={"cod": "60 mg/L", "ammonia_nitrogen": "8 mg/L", "bod5": "12 mg/L",
                          "dissolved_oxygen": "3 mg/L"}),
    ]
    sections = [
        ControlSection(id="CS-WS1", name="南河水源保护区断面", kind="zone_boundary", water_class="II",
                       **dict(zip("xy", _on_river(river_v, cx, cy, -3700.0)))),
        ControlSection(id="CS-PARK", name="园区下游控制断面", kind="control", water_class="III",
                       **dict(zip("xy", _on_river(river_v, cx, cy, 1500.0)))),
        ControlSection(id="CS-INTAKE", name="南河镇取水口（一级保护区）", kind="intake", water_class="II",
                       **dict(zip("xy", _on_river(river_v, cx, cy, 3000.0)))),
    ]
    return River(id="RV-NANHE", name="南河", line=line, reaches=reaches, outfalls=outfalls,
                 control_sections=sections, oxygen_demand="bod5", oxygen_saturation="9.09 mg/L")
