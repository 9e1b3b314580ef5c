"""The CJK font for Chinese names in maps, scenes and reports.

The base image has no CJK font (ecosystem.md §0.8): without one, matplotlib and VTK draw empty boxes ("tofu") for
居民区 and 学校. The PyPI package ``noto-cjk-sans-otc`` ships Noto Sans CJK Regular as one OpenType collection
(``noto_cjk_sans_otc/NotoSansCJK-Regular.ttc``); matplotlib registers every face of the collection, of which we put
the Simplified-Chinese face first. VTK (``font_file=``) reads the first face of the collection (Japanese glyph
forms); for the Han characters of place names the difference is small.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

from twin.errors import MissingInputError

__all__ = ["CJK_FAMILY", "cjk_font_path", "use_cjk_font", "cjk_rc_params"]

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
