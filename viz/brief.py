"""The nightly forecast's morning brief: one self-contained HTML page ranking risk sources by risk to receptors.

Rendered from a plain view model (the ``summary.json`` dict that ``scenarios.forecast.run`` fills in): viz knows what a
brief shows, not how its numbers were made. Jinja2 with autoescaping; maps embedded as base64 PNG.
"""

from __future__ import annotations

import os
from pathlib import Path

from viz.plan import _embed, write_html

__all__ = ["render_brief"]


def render_brief(view: dict, path: str | os.PathLike, *, images: dict[str, str | os.PathLike] | None = None) -> Path:
    """Write the brief for ``view`` to ``path`` (atomically); ``images`` maps a source id to its map PNG."""
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    environment = Environment(loader=PackageLoader("viz", "templates"), autoescape=select_autoescape(["html"]),
                              undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    html = environment.get_template("brief.html").render(
        v=view, images={name: _embed(p) for name, p in (images or {}).items()})
    return write_html(path, html)
