"""The nightly forecast's morning brief: one self-contained HTML page ranking risk sources by risk to receptors.

Rendered from a plain view model (the ``summary.json`` dict that ``scenarios.forecast.run`` fills in): viz knows what a
brief shows, not how its numbers were made. Jinja2 with autoescaping; maps embedded as base64 PNG.
"""

from __future__ import annotations

import os
from pathlib import Path

from viz.templating import png_data_uri, render_template, write_html

__all__ = ["render_brief"]


def render_brief(view: dict, path: str | os.PathLike, *, images: dict[str, str | os.PathLike] | None = None) -> Path:
    """Write the brief for ``view`` to ``path`` (atomically); ``images`` maps a source id to its map PNG."""
    html = render_template("brief.html", v=view, images={name: png_data_uri(p) for name, p in (images or {}).items()})
    return write_html(path, html)
