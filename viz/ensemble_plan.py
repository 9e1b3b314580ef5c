"""The ensemble section of an emergency-plan draft: one self-contained HTML file (map embedded), zh or en.

Rendered from the typed view :class:`viz.views.EnsemblePlanView` that ``scenarios.leak.ensemble_outputs`` fills
(viz knows what the section shows, not how its numbers were made; the template receives the dataclass), with the
map and the Chinese glyphs it uses embedded (``viz.templating.write_html``): the P(endpoint-2) map with its
10/50/90 % contours, the receptor table of probabilities, arrival-time percentiles and expected people affected,
and the member parameter table.
"""

from __future__ import annotations

import os
from pathlib import Path

from twin.errors import InputError
from viz.plan import PLAN_LANGUAGES
from viz.templating import png_data_uri, render_template, write_html
from viz.views import EnsemblePlanView

__all__ = ["render_ensemble_plan"]


def render_ensemble_plan(summary: EnsemblePlanView | dict, path: str | os.PathLike, *, map_png=None) -> Path:
    """Write the ensemble plan section for ``summary`` in ``summary.language`` (zh or en) to ``path``.

    Parameters
    ----------
    summary : the typed view, or a dict such as ``ensemble.json``'s (checked by :meth:`EnsemblePlanView.from_dict`:
        a missing or unknown field is a TypeError)
    path : the HTML file to write
    map_png : the probability map to embed (None or a missing file: left out)

    Returns
    -------
    The path written.
    """
    if not isinstance(summary, EnsemblePlanView):
        summary = EnsemblePlanView.from_dict(summary)
    language = summary.language
    if language not in PLAN_LANGUAGES:
        raise InputError.field("ensemble plan", "language", language, f"one of {PLAN_LANGUAGES}")
    html = render_template(f"plan_ensemble_{language}.html", v=summary, map_png=png_data_uri(map_png))
    return write_html(path, html)  # with the subset of the CJK font its Chinese text uses
