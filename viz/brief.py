"""The nightly forecast's morning brief: one self-contained HTML page ranking risk sources by risk to receptors,
in the view's language (``brief_zh.html`` or ``brief_en.html``; every time in it is local time with its offset).

Rendered from the typed view :class:`viz.views.BriefView` that ``scenarios.forecast.run`` fills in (``summary.json``
holds its dict): viz knows what a brief shows, not how its numbers were made. Jinja2 with autoescaping; maps
embedded as base64 PNG.
"""

from __future__ import annotations

import os
from pathlib import Path

from viz.templating import png_data_uri, render_template, write_html
from viz.brief_view import BriefView
from viz.wording import LANGUAGES, terms

__all__ = ["render_brief"]


def render_brief(view: BriefView | dict, path: str | os.PathLike, *,
                 images: dict[str, str | os.PathLike] | None = None) -> Path:
    """Write the brief for ``view`` to ``path`` (atomically); ``images`` maps a source id to its map PNG.

    Parameters
    ----------
    view : the typed view, or a dict such as ``summary.json``'s (checked by :meth:`BriefView.from_dict`: a missing
        or unknown field is a TypeError)
    path : the HTML file to write
    images : PNG files by source id (and 'flood/map'); None or a missing file: left out

    Returns
    -------
    The path written.
    """
    if not isinstance(view, BriefView):
        view = BriefView.from_dict(view)
    if view.language not in LANGUAGES:
        raise ValueError(f"render_brief: language must be one of {', '.join(LANGUAGES)}, got {view.language!r}")
    language = view.language
    html = render_template(f"brief_{language}.html", v=view,
                           images={name: png_data_uri(p) for name, p in (images or {}).items()},
                           kinds=terms("receptor_kind", language), asset_kinds=terms("asset_kind", language),
                           hazards=terms("flood_hazard", language))
    return write_html(path, html)
