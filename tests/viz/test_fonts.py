"""Chinese text must render with real glyphs (no tofu boxes) in matplotlib."""

from __future__ import annotations

import io
import warnings

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from PIL import Image

from viz.fonts import CJK_FAMILY, cjk_font_path, cjk_rc_params, use_cjk_font


def _render_text(text: str, family: str) -> tuple[np.ndarray, list[str]]:
    """Draw ``text`` alone on a tiny figure; return the pixels and the warnings matplotlib raised while drawing."""
    with matplotlib.rc_context(cjk_rc_params()):
        fig = Figure(figsize=(2.0, 0.8), dpi=100)
        fig.text(0.05, 0.3, text, family=family, fontsize=20)
        buffer = io.BytesIO()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fig.savefig(buffer, format="png")
    buffer.seek(0)
    return np.asarray(Image.open(buffer).convert("L")), [str(w.message) for w in caught]


def test_font_file_is_the_noto_collection():
    path = cjk_font_path()
    assert path.is_file() and path.suffix == ".ttc" and "NotoSansCJK" in path.name


def test_chinese_renders_with_cjk_font_and_not_with_dejavu():
    cjk_pixels, cjk_warnings = _render_text("居民区", CJK_FAMILY)
    dejavu_pixels, dejavu_warnings = _render_text("居民区", "DejaVu Sans")
    assert not [w for w in cjk_warnings if "missing from font" in w]
    # the control: DejaVu Sans has no Han glyphs, and matplotlib says so (so the check above can fail)
    assert [w for w in dejavu_warnings if "missing from font" in w]
    assert not np.array_equal(cjk_pixels, dejavu_pixels)
    assert (cjk_pixels < 128).sum() > 100  # real strokes were drawn


def test_use_cjk_font_is_idempotent_and_puts_cjk_first():
    with matplotlib.rc_context():
        use_cjk_font()
        use_cjk_font()
        families = matplotlib.rcParams["font.sans-serif"]
        assert families[0] == CJK_FAMILY and families.count(CJK_FAMILY) == 1
        assert matplotlib.rcParams["axes.unicode_minus"] is False
