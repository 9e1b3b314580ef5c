"""Table reports (EIA statistics, caps): one self-contained HTML file an analyst can paste from, maps embedded.

The view is the typed :class:`viz.views.ReportView` (sections, paragraphs, rows: dataclasses; a section's paragraphs,
table and images are optional), or the same as a plain dict filled by ``scenarios``, checked into it::

    {"language": "zh", "title": ..., "subtitle": ..., "footer": ...,
     "sections": [{"heading": ..., "paragraphs": [{"text": ..., "warn": bool}], "columns": [...],
                   "rows": [{"cells": [...], "flag": "" | "exceed"}], "images": ["name", ...]}]}

Images are PNG files passed by name and embedded as base64. Jinja2 autoescaping keeps names from park files inert.
"""

from __future__ import annotations

import os
from pathlib import Path

from viz.templating import png_data_uri, render_template, write_html
from viz.views import ReportView

__all__ = ["render_report"]


def render_report(view: ReportView | dict, path: str | os.PathLike, *,
                  images: dict[str, str | os.PathLike] | None = None) -> Path:
    """Write the report for ``view`` to ``path`` (atomically) and return the path.

    Parameters
    ----------
    view : the typed view, or its plain dict (checked by :meth:`ReportView.from_dict`: a missing or unknown field is
        a TypeError)
    path : the HTML file to write
    images : PNG files by the names the sections use (None or a missing file: left out)

    Returns
    -------
    The path written.
    """
    if not isinstance(view, ReportView):
        view = ReportView.from_dict(view)
    html = render_template("report.html", v=view,
                           images={name: png_data_uri(p) for name, p in (images or {}).items()})
    return write_html(path, html)
