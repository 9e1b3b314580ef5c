"""A small synthetic park view shared by the viz tests (no park model, no scenario: only the view model)."""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("VTK_DEFAULT_OPENGL_WINDOW", "vtkEGLRenderWindow")

import numpy as np
import pytest

from viz.model import BuildingLayer, FieldLayer, MapView, ReceptorLayer, StackLayer, TerrainLayer

# A park near Shanghai in CGCS2000 / 3-degree Gauss–Krüger CM 120E (EPSG:4549): realistic 6- and 7-digit coordinates.
X0, Y0 = 540_000.0, 3_420_000.0


def synthetic_view(*, with_field: bool = True, wind: bool = True) -> MapView:
    """A 5 km × 4 km park: tilted terrain, 5 box buildings, 3 stacks, a residential polygon and a school point.

    The field is a Gaussian blob (peak 800 µg/m³) elongated towards the north-east, as a plume under a SW wind.
    """
    x = X0 + np.linspace(0.0, 5000.0, 100)
    y = Y0 + np.linspace(0.0, 4000.0, 80)
    xx, yy = np.meshgrid(x - X0, y - Y0)
    elevation = 2.0 + 0.012 * xx + 0.006 * yy + 8.0 * np.exp(-((xx - 4000) ** 2 + (yy - 3000) ** 2) / 6e5)
    terrain = TerrainLayer(x=x, y=y, elevation=elevation)

    along = ((xx - 1500) + (yy - 1200)) / np.sqrt(2)  # downwind distance from the source, wind from SW
    across = ((yy - 1200) - (xx - 1500)) / np.sqrt(2)
    sigma_along, sigma_across = 900.0, 260.0
    values = 800.0 * np.exp(-0.5 * ((along - 700) / sigma_along) ** 2 - 0.5 * (across / sigma_across) ** 2)
    field = FieldLayer(x=x, y=y, values=values, units="µg/m³", title="氯气地面浓度 chlorine, ground level")

    boxes = [(1200, 900, 120, 80), (1500, 1300, 90, 90), (1900, 1000, 150, 60), (800, 1600, 70, 110),
             (2300, 700, 100, 100)]
    footprints = [np.array([[X0 + bx, Y0 + by], [X0 + bx + w, Y0 + by], [X0 + bx + w, Y0 + by + h],
                            [X0 + bx, Y0 + by + h]]) for bx, by, w, h in boxes]
    buildings = BuildingLayer(footprints=footprints, heights=[18.0, 30.0, 12.0, 24.0, 40.0],
                              names=["罐区A", "合成车间", "仓库", "办公楼", "精馏塔"])
    stacks = StackLayer(x=X0 + np.array([1500.0, 1350.0, 2000.0]), y=Y0 + np.array([1200.0, 1000.0, 850.0]),
                        height=[60.0, 45.0, 80.0], names=["S01", "S02", "S03"])
    residential = np.array([[X0 + 3300, Y0 + 2500], [X0 + 4300, Y0 + 2500], [X0 + 4500, Y0 + 3300],
                            [X0 + 3600, Y0 + 3600], [X0 + 3200, Y0 + 3100]])
    receptors = ReceptorLayer(names=["居民区A", "学校"], kinds=["residential", "school"],
                              points=[None, (X0 + 2600.0, Y0 + 3000.0)], polygons=[residential, None])
    return MapView(
        title="氯气泄漏事故情景 Chlorine release scenario",
        epsg=4549,
        field=field if with_field else None,
        terrain=terrain,
        buildings=buildings,
        stacks=stacks,
        receptors=receptors,
        wind_from_direction=225.0 if wind else None,
        wind_speed=3.2 if wind else None,
        notes=["Synthetic test view: Gaussian blob, not a model result.", "时间 2026-07-01 02:00 +08:00"],
    )


@pytest.fixture
def view() -> MapView:
    return synthetic_view()
