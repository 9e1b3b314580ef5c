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

from viz.plan import _embed, write_html

__all__ = ["render_report"]


def render_report(view: dict, path: str | os.PathLike, *, images: dict[str, str | os.PathLike] | None = None) -> Path:
    """Write the report for ``view`` to ``path`` (atomically) and return the path."""
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    environment = Environment(loader=PackageLoader("viz", "templates"), autoescape=select_autoescape(["html"]),
                              undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    sections = [{"paragraphs": [], "columns": [], "rows": [], "images": [], **section} for section in view["sections"]]
    html = environment.get_template("report.html").render(
        v={**view, "sections": sections}, images={name: _embed(p) for name, p in (images or {}).items()})
    return write_html(path, html)
