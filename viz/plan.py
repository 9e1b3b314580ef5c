"""The emergency-plan draft: one self-contained HTML file (maps embedded), Chinese or English template.

Rendered from a plain view model (a dict filled by ``scenarios``): viz knows what a plan draft shows, not how its
numbers were made. Jinja2 with autoescaping (names from park files are escaped), PNG maps embedded as base64 so
the file can be mailed or printed on its own, and the Chinese glyphs it uses embedded as a font subset
(``viz.templating.write_html``), so it reads the same on a machine without Chinese fonts.
"""

from __future__ import annotations

import os
from pathlib import Path

from twin.errors import InputError
from viz.templating import png_data_uri, render_template, write_html

__all__ = ["render_plan", "PLAN_LANGUAGES"]

PLAN_LANGUAGES = ("zh", "en")


def render_plan(view: dict, path: str | os.PathLike, *, map_png=None, scene_png=None) -> Path:
    """Write the plan draft for ``view`` (see ``scenarios.leak.run``) in ``view['language']`` to ``path``."""
    language = view.get("language", "zh")
    if language not in PLAN_LANGUAGES:
        raise InputError.field("plan", "language", language, f"one of {PLAN_LANGUAGES}")
    html = render_template(f"plan_{language}.html", v=view, map_png=png_data_uri(map_png),
                           scene_png=png_data_uri(scene_png))
    return write_html(path, html)
