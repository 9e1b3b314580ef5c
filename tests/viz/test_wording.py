"""The wording catalogue: every entry in both languages, with the same placeholders, and no silent blanks."""

from __future__ import annotations

import string

import pytest

from viz.wording import CATALOGUE, LANGUAGES, sentence, term, terms


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


# Entries whose languages fill different text (never a number) by design: the English quotes the scenario's setting
# and the substance's table key where the Chinese names the model and says 该物质.
TEXT_PLACEHOLDERS_DIFFER = {"dispersion_rule.forced": ({"forced"}, {"model"}),
                            "dispersion_rule.missing": ({"substance_key"}, set())}


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_every_entry_has_both_languages_and_the_same_placeholders(key):
    texts = CATALOGUE[key]
    assert set(texts) == set(LANGUAGES)
    assert all(isinstance(text, str) and text for text in texts.values())
    only_en, only_zh = TEXT_PLACEHOLDERS_DIFFER.get(key, (set(), set()))
    assert _placeholders(texts["en"]) - only_en == _placeholders(texts["zh"]) - only_zh


def test_groups_and_sentences():
    assert terms("receptor_kind", "zh")["school"] == "学校"
    assert terms("receptor_kind", "en")["school"] == "school"
    assert list(terms("response_rule", "zh")) == ["I", "II", "III", "IV"]
    assert sentence("weather.wind_from", "en", text="calm", direction=137.4) == "calm, wind from 137°"
    assert sentence("weather.wind_from", "zh", text="静风", direction=137.4) == "静风，风向 137°（来向）"


def test_a_misspelt_key_language_or_placeholder_is_an_error():
    with pytest.raises(KeyError):
        term("receptor_kind.schol", "zh")
    with pytest.raises(KeyError):
        term("receptor_kind.school", "fr")
    with pytest.raises(KeyError):
        terms("receptor_kinds", "zh")
    with pytest.raises(KeyError):
        sentence("weather.wind_from", "en", text="calm", bearing=137.4)
