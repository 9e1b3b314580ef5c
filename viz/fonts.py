"""The CJK font for Chinese names in maps, scenes and reports.

The base image has no CJK font: without one, matplotlib and VTK draw empty boxes ("tofu") for
居民区 and 学校 — and so does a browser showing the HTML plan draft on a machine without Chinese fonts (seen in
headless Chromium here: every Chinese heading and table cell was a row of boxes while the embedded maps were fine).
The HTML outputs therefore carry their own font: the Simplified-Chinese face subset to the characters the page uses,
as a WOFF data URI in an ``@font-face`` rule (``embed_cjk_font``; about 100 KB for a plan draft). Noto fonts are
under the SIL Open Font License 1.1, which allows embedding and subsetting. The PyPI package ``noto-cjk-sans-otc`` ships Noto Sans CJK Regular as one OpenType collection
(``noto_cjk_sans_otc/NotoSansCJK-Regular.ttc``); matplotlib registers every face of the collection, of which we put
the Simplified-Chinese face first. VTK (``font_file=``) reads the first face of the collection (Japanese glyph
forms); for the Han characters of place names the difference is small.
"""

from __future__ import annotations

import base64
import functools
import importlib.resources
import hashlib
import io
import os
from collections.abc import Iterable
from pathlib import Path

from twin.atomic import write_text_atomic
from twin.errors import MissingInputError, OutputError

__all__ = ["CJK_FAMILY", "CJK_WEB_FAMILY", "FONT_FACE_MARKER", "cjk_font_path", "use_cjk_font", "cjk_rc_params",
           "cjk_font_face_css", "embed_cjk_font"]

#: matplotlib family name of the Simplified-Chinese face of the collection.
CJK_FAMILY = "Noto Sans CJK SC"
_PACKAGE = "noto_cjk_sans_otc"
_FONT_FILE = "NotoSansCJK-Regular.ttc"
_registered: set[Path] = set()


def cjk_font_path() -> Path:
    """Path of the Noto Sans CJK collection (.ttc) installed by the PyPI package ``noto-cjk-sans-otc``.

    Raises MissingInputError (exit code 66) naming the package to install when it is absent.
    """
    hint = "install the PyPI package 'noto-cjk-sans-otc' (a ParkTwin dependency: pip install -e .)"
    try:
        folder = importlib.resources.files(_PACKAGE)
    except ModuleNotFoundError as error:
        raise MissingInputError(f"CJK font: package {_PACKAGE!r} is not installed; {hint}") from error
    path = Path(str(folder.joinpath(_FONT_FILE)))
    if not path.is_file():
        raise MissingInputError(f"CJK font: {_FONT_FILE} not found in {Path(str(folder))}; {hint}")
    return path


def _register() -> None:
    """Add the collection to matplotlib's font manager once per process."""
    from matplotlib import font_manager

    path = cjk_font_path()
    if path not in _registered:
        font_manager.fontManager.addfont(str(path))
        _registered.add(path)


def cjk_rc_params() -> dict[str, object]:
    """rcParams that put the CJK face first; for ``matplotlib.rc_context`` (no global change). Registers the font."""
    import matplotlib

    _register()
    families = [CJK_FAMILY] + [f for f in matplotlib.rcParams["font.sans-serif"] if f != CJK_FAMILY]
    return {"font.family": "sans-serif", "font.sans-serif": families, "axes.unicode_minus": False}


def use_cjk_font() -> Path:
    """Register the CJK font with matplotlib and make it the first sans-serif family, globally. Idempotent.

    ``axes.unicode_minus`` is switched off (the usual setting for CJK fonts, many of which lack U+2212; Noto Sans
    CJK has it, but a plain hyphen keeps tick labels identical whichever CJK font a user substitutes).
    Returns the font path. The renderers in ``viz`` use :func:`cjk_rc_params` in a context instead.
    """
    import matplotlib

    matplotlib.rcParams.update(cjk_rc_params())
    return cjk_font_path()


#: CSS family name of the embedded subset (first in the templates' font-family list).
CJK_WEB_FAMILY = "ParkTwin CJK"
#: Where the templates (``viz/templates/_style.html``) want the ``@font-face`` rule.
FONT_FACE_MARKER = "/* parktwin:cjk-font-face */"


@functools.lru_cache(maxsize=1)
def _simplified_chinese_face() -> int:
    """Index of the "Noto Sans CJK SC" face in the collection."""
    from fontTools.ttLib import TTCollection

    collection = TTCollection(str(cjk_font_path()), lazy=True)
    for index, face in enumerate(collection.fonts):
        if face["name"].getDebugName(1) == CJK_FAMILY:
            return index
    raise MissingInputError(f"CJK font: no face named {CJK_FAMILY!r} in {cjk_font_path()}")


def _cache_folder() -> Path:
    """Where subset fonts are kept between runs: ``$XDG_CACHE_HOME/parktwin/fonts`` (default ``~/.cache``)."""
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "parktwin" / "fonts"


def cjk_font_face_css(characters: Iterable[str]) -> str:
    """An ``@font-face`` rule for :data:`CJK_WEB_FAMILY` holding the glyphs of ``characters`` only (WOFF, base64).

    fontTools does the subsetting (the glyph closure, CFF outlines, cmap); characters the font lacks are left to
    the browser's fallback fonts. Subsetting the 20 MB collection takes seconds, and a park's reports use the same
    characters run after run: the rule is kept in :func:`_cache_folder` under the SHA-256 of the character set and
    the font file's size and time, and reused (a folder that cannot be written only costs the time)."""
    wanted = "".join(sorted(set(characters)))
    font = cjk_font_path()
    stat = font.stat()
    key = hashlib.sha256(f"{wanted}|{font}|{stat.st_size}|{stat.st_mtime_ns}".encode("utf-8")).hexdigest()
    cached = _cache_folder() / f"{key}.css"
    try:
        return cached.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError):
        pass
    css = _subset_css(wanted)
    try:
        write_text_atomic(cached, css)
    except (OSError, OutputError):
        pass
    return css


def _subset_css(characters: str) -> str:
    """The ``@font-face`` rule of :func:`cjk_font_face_css`, subset now (fontTools)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(str(cjk_font_path()), fontNumber=_simplified_chinese_face())
    options = subset.Options()
    options.hinting = False  # screen and print at any size; hints only add bytes
    options.flavor = "woff"  # zlib; WOFF2 would need the brotli module
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted({ord(c) for c in characters}))
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.flavor = "woff"
    font.save(buffer)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (f'@font-face {{ font-family: "{CJK_WEB_FAMILY}"; font-weight: normal bold; '
            f'src: url(data:font/woff;base64,{data}) format("woff"); }}')


def embed_cjk_font(html: str) -> str:
    """``html`` with :data:`FONT_FACE_MARKER` replaced by the rule for the non-ASCII characters it contains."""
    characters = {c for c in set(html) if ord(c) > 0x7F}  # set() first: a report with its maps is megabytes
    css = cjk_font_face_css(characters) if characters else ""
    return html.replace(FONT_FACE_MARKER, css, 1)
