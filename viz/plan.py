"""The emergency-plan draft: one self-contained HTML file (maps embedded), Chinese or English template.

Rendered from a plain view model (a dict filled by ``scenarios``): viz knows what a plan draft shows, not how its
numbers were made. Jinja2 with autoescaping (names from park files are escaped), PNG maps embedded as base64 so
the file can be mailed or printed on its own, and the Chinese glyphs it uses embedded as a font subset
(``viz.fonts.embed_cjk_font``), so it reads the same on a machine without Chinese fonts.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

from twin.atomic import write_text_atomic
from twin.errors import InputError

__all__ = ["render_plan", "write_html", "PLAN_LANGUAGES"]

PLAN_LANGUAGES = ("zh", "en")


def _embed(path: str | os.PathLike | None) -> str | None:
    if path is None or not Path(path).is_file():
        return None
    return "data:image/png;base64," + base64.b64encode(Path(path).read_bytes()).decode("ascii")


def write_html(path: str | os.PathLike, html: str) -> Path:
    """Embed the CJK font subset the page needs and write it atomically."""
    from viz.fonts import embed_cjk_font

    return write_text_atomic(path, embed_cjk_font(html))


def render_plan(view: dict, path: str | os.PathLike, *, map_png=None, scene_png=None) -> Path:
    """Write the plan draft for ``view`` (see ``scenarios.leak.run``) in ``view['language']`` to ``path``."""
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    language = view.get("language", "zh")
    if language not in PLAN_LANGUAGES:
        raise InputError.field("plan", "language", language, f"one of {PLAN_LANGUAGES}")
    environment = Environment(loader=PackageLoader("viz", "templates"), autoescape=select_autoescape(["html"]),
                              undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    html = environment.get_template(f"plan_{language}.html").render(
        v=view, map_png=_embed(map_png), scene_png=_embed(scene_png))
    return write_html(path, html)
