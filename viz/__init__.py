"""ParkTwin layer 4: maps and 3D scenes drawn from a plain view model (see docs/architecture.md).

``viz`` never imports ``scenarios``: the caller fills in :class:`MapView` and its layers, and the renderers draw it.
The renderers are imported on first use, so ``import viz`` (for the view model) stays light.
"""

from viz.fonts import cjk_font_path, use_cjk_font
from viz.model import (
    RECEPTOR_KINDS,
    BuildingLayer,
    FieldLayer,
    MapView,
    ReceptorLayer,
    StackLayer,
    TerrainLayer,
)

__all__ = [
    "RECEPTOR_KINDS",
    "BuildingLayer",
    "FieldLayer",
    "MapView",
    "ReceptorLayer",
    "StackLayer",
    "TerrainLayer",
    "cjk_font_path",
    "use_cjk_font",
    "render_map",
    "render_scene",
    "export_scene",
]

_LAZY = {"render_map": "viz.maps", "render_scene": "viz.scene", "export_scene": "viz.scene"}


def __getattr__(name: str):
    """Import matplotlib / PyVista only when a renderer is first asked for."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'viz' has no attribute {name!r}")
