"""The ensemble section of an emergency-plan draft: one self-contained HTML file (map embedded), zh or en.

Rendered from the plain summary dict that ``scenarios.leak.ensemble_outputs`` fills (viz knows what the section
shows, not how its numbers were made), with the map and the Chinese glyphs it uses embedded
(``viz.templating.write_html``): the P(endpoint-2) map with its 10/50/90 % contours, the receptor table of
probabilities, arrival-time percentiles and expected people affected, and the member parameter table.
"""

from __future__ import annotations

import os
from pathlib import Path

from twin.errors import InputError
from viz.plan import PLAN_LANGUAGES
from viz.templating import png_data_uri, render_template, write_html

__all__ = ["render_ensemble_plan"]


def render_ensemble_plan(summary: dict, path: str | os.PathLike, *, map_png=None) -> Path:
    """Write the ensemble plan section for ``summary`` in ``summary['language']`` (zh or en) to ``path``."""
    language = summary.get("language", "zh")
    if language not in PLAN_LANGUAGES:
        raise InputError.field("ensemble plan", "language", language, f"one of {PLAN_LANGUAGES}")
    html = render_template(f"plan_ensemble_{language}.html", v=summary, map_png=png_data_uri(map_png))
    return write_html(path, html)  # with the subset of the CJK font its Chinese text uses
