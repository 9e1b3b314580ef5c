"""The HTML pages' shared machinery: one Jinja environment, PNG embedding, and the atomic write with the CJK font.

Every page viz writes (the plan draft, its ensemble section, the morning brief, the table reports) is one
self-contained file: rendered from ``viz/templates`` by the single environment below (autoescaping, so names from
park files stay inert; ``StrictUndefined``, so a view missing a field fails instead of printing nothing), with its
PNG maps embedded as base64 ``data:`` URIs and the subset of the CJK font its Chinese text uses embedded by
``viz.fonts.embed_cjk_font``, so it reads the same on a machine without Chinese fonts (docs/architecture.md, "Outputs").

Jinja2 is imported on first use, so ``import viz`` stays light.
"""

from __future__ import annotations

import base64
import functools
import os
from pathlib import Path

from twin.atomic import write_text_atomic

__all__ = ["png_data_uri", "render_template", "template_environment", "write_html"]


@functools.cache
def template_environment():
    """The ``jinja2.Environment`` over ``viz/templates``, built once per process and shared by every page."""
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    return Environment(loader=PackageLoader("viz", "templates"), autoescape=select_autoescape(["html"]),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render_template(name: str, **context) -> str:
    """Render the template ``name`` (a file in ``viz/templates``) with ``context``."""
    return template_environment().get_template(name).render(**context)


def png_data_uri(path: str | os.PathLike | None) -> str | None:
    """The PNG file at ``path`` as a base64 ``data:image/png`` URI; None if no path is given or no such file exists
    (the templates then leave the image out)."""
    if path is None or not Path(path).is_file():
        return None
    return "data:image/png;base64," + base64.b64encode(Path(path).read_bytes()).decode("ascii")


def write_html(path: str | os.PathLike, html: str) -> Path:
    """Embed the CJK font subset the page needs and write it atomically."""
    from viz.fonts import embed_cjk_font

    return write_text_atomic(path, embed_cjk_font(html))
