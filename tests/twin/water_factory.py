"""A small river for the water tests: a straight line due east, two reaches, one or two outfalls, sections."""

from __future__ import annotations

import copy

from tests.twin.park_factory import X0, Y0


def small_river() -> dict:
    """``park.yaml`` ``rivers[0]`` as a dict (a fresh deep copy): 10 km due east along y = Y0 + 400."""
    river = {
        "id": "RV1", "name": "测试河", "line": [[X0 - 2000.0, Y0 + 400.0], [X0 + 8000.0, Y0 + 400.0]],
        "reaches": [
            {"id": "A", "end": 4000.0, "width": 50.0, "depth": 2.0, "design_flow": 10.0, "slope": 1e-4,
             "decay": {"cod": "0.2 1/d", "ammonia_nitrogen": "0.1 1/d", "bod5": "0.3 1/d"},
             "reaeration": "0.6 1/d",
             "background": {"cod": "10 mg/L", "ammonia_nitrogen": "0.2 mg/L", "bod5": "2 mg/L",
                            "dissolved_oxygen": "7.5 mg/L"}},
            {"id": "B", "width": 50.0, "depth": 2.0, "design_flow": 10.0,
             "decay": {"cod": "0.2 1/d", "ammonia_nitrogen": "0.1 1/d", "bod5": "0.3 1/d"},
             "reaeration": "0.6 1/d", "background": {"cod": "10 mg/L"}},
        ],
        "outfalls": [
            {"id": "OF1", "name": "污水厂排口", "x": X0, "y": Y0 + 420.0, "flow": 0.5,
             "effluent": {"cod": "50 mg/L", "ammonia_nitrogen": "5 mg/L", "bod5": "10 mg/L"}},
        ],
        "control_sections": [
            {"id": "CS1", "name": "下游断面", "x": X0 + 3000.0, "y": Y0 + 400.0, "water_class": "III"},
        ],
        "oxygen_saturation": "9.09 mg/L",
    }
    return copy.deepcopy(river)
