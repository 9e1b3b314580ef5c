"""Table reports (EIA statistics, caps): one self-contained HTML file an analyst can paste from, maps embedded.

The view is a plain dict filled by ``scenarios``::

    {"language": "zh", "title": ..., "subtitle": ..., "footer": ...,
     "sections": [{"heading": ..., "paragraphs": [{"text": ..., "warn": bool}], "columns": [...],
                   "rows": [{"cells": [...], "flag": "" | "exceed"}], "images": ["name", ...]}]}

Images are PNG files passed by name and embedded as base64. Jinja2 autoescaping keeps names from park files inert.
"""

from __future__ import annotations

import os
from pathlib import Path

from viz.templating import png_data_uri, render_template, write_html

__all__ = ["render_report"]


def render_report(view: dict, path: str | os.PathLike, *, images: dict[str, str | os.PathLike] | None = None) -> Path:
    """Write the report for ``view`` to ``path`` (atomically) and return the path."""
    sections = [{"paragraphs": [], "columns": [], "rows": [], "images": [], **section} for section in view["sections"]]
    html = render_template("report.html", v={**view, "sections": sections},
                           images={name: png_data_uri(p) for name, p in (images or {}).items()})
    return write_html(path, html)
