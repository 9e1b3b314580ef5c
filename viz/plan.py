"""The emergency-plan draft: one self-contained HTML file (maps embedded), Chinese or English template.

Rendered from the typed view model :class:`viz.views.LeakPlanView` (filled by ``scenarios.leak.outputs``): viz knows
what a plan draft shows, not how its numbers were made. The template receives the dataclass, so a field the view
lacks or a misspelt name in the template is an error (``StrictUndefined``), never a blank. Jinja2 with
autoescaping (names from park files are escaped), PNG maps embedded as base64 so the file can be mailed or printed
on its own, and the Chinese glyphs it uses embedded as a font subset (``viz.templating.write_html``), so it reads the
same on a machine without Chinese fonts.
"""

from __future__ import annotations

import os
from pathlib import Path

from twin.errors import InputError
from viz.templating import png_data_uri, render_template, write_html
from viz.views import LeakPlanView

__all__ = ["render_plan", "PLAN_LANGUAGES"]

PLAN_LANGUAGES = ("zh", "en")


def render_plan(view: LeakPlanView | dict, path: str | os.PathLike, *, map_png=None, scene_png=None) -> Path:
    """Write the plan draft for ``view`` in ``view.language`` to ``path``.

    Parameters
    ----------
    view : the typed view, or a dict such as ``impacts.json``'s (checked by :meth:`LeakPlanView.from_dict`: a
        missing or unknown field is a TypeError)
    path : the HTML file to write
    map_png, scene_png : PNG files to embed (None or a missing file: left out)

    Returns
    -------
    The path written.
    """
    if not isinstance(view, LeakPlanView):
        view = LeakPlanView.from_dict(view)
    language = view.language
    if language not in PLAN_LANGUAGES:
        raise InputError.field("plan", "language", language, f"one of {PLAN_LANGUAGES}")
    html = render_template(f"plan_{language}.html", v=view, map_png=png_data_uri(map_png),
                           scene_png=png_data_uri(scene_png))
    return write_html(path, html)
