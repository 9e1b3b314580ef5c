"""The subset CJK font of the HTML reports is cached between runs (viz.fonts.cjk_font_face_css)."""

from __future__ import annotations

import pytest

import viz.fonts as fonts


def test_the_subset_is_made_once_and_reused(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    first = fonts.cjk_font_face_css("居民区学校")
    assert "@font-face" in first and len(list((tmp_path / "cache/parktwin/fonts").glob("*.css"))) == 1

    def must_not_subset(characters):
        raise AssertionError("subset again although the cache holds it")

    monkeypatch.setattr(fonts, "_subset_css", must_not_subset)
    assert fonts.cjk_font_face_css("学校居民区区") == first  # same characters, any order or repetition
    with pytest.raises(AssertionError, match="subset again"):
        fonts.cjk_font_face_css("化工园区")  # other characters: another subset


def test_an_unwritable_cache_only_costs_time(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert "@font-face" in fonts.cjk_font_face_css("居民区")
