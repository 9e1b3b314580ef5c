"""The HTML pages share one Jinja environment (viz.templating): checked on the sources and on a rendered report."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from jinja2 import UndefinedError

import viz
from viz.report import render_report
from viz.templating import png_data_uri, render_template, template_environment

VIZ_DIR = Path(viz.__file__).parent


def _builds_jinja_environment(source: str) -> bool:
    """True if the module imports from jinja2 or calls something named ``Environment``."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "jinja2":
            return True
        if isinstance(node, ast.Import) and any(alias.name.split(".")[0] == "jinja2" for alias in node.names):
            return True
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name == "Environment":
                return True
    return False


def test_only_viz_templating_builds_a_jinja_environment():
    builders = sorted(path.name for path in VIZ_DIR.glob("*.py")
                      if _builds_jinja_environment(path.read_text(encoding="utf-8")))
    assert builders == ["templating.py"]
    assert template_environment() is template_environment()  # built once, then shared


def test_missing_field_fails_and_park_names_are_escaped(tmp_path):
    with pytest.raises(UndefinedError):  # StrictUndefined: a view without a field fails instead of printing nothing
        render_template("report.html", v={"language": "en"}, images={})
    png = tmp_path / "map.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n")  # only embedded, never decoded
    view = {"language": "zh", "title": "<script>x</script> 园区", "subtitle": "", "footer": "",
            "sections": [{"heading": "A & B", "images": ["map", "absent"]}]}
    html = render_report(view, tmp_path / "report.html",
                         images={"map": png, "absent": tmp_path / "absent.png"}).read_text(encoding="utf-8")
    assert "&lt;script&gt;x&lt;/script&gt; 园区" in html and "<script>x" not in html and "A &amp; B" in html
    assert html.count(png_data_uri(png)) == 1 and png_data_uri(tmp_path / "absent.png") is None
    assert "data:font/woff;base64," in html  # the Chinese glyphs travel with the page
