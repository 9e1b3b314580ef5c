"""twin.validation.load_yaml: unique keys and bounded alias expansion (issue 13 C and I)."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from twin.errors import InputError
from twin.validation import MAX_YAML_NODES, load_yaml


def test_a_repeated_key_is_refused_with_both_lines(tmp_path):
    """A second ``stacks: []`` used to replace the first list silently (the last key wins in PyYAML)."""
    path = tmp_path / "park.yaml"
    path.write_text("name: x\nstacks:\n  - id: S1\n    height: 60\nreceptors: []\nstacks: []\n", encoding="utf-8")
    with pytest.raises(InputError) as error:
        load_yaml(path)
    message = str(error.value)
    assert "park.yaml" in message and "duplicate key 'stacks'" in message
    assert "line 6" in message and "first given at line 2" in message


def test_a_repeated_key_inside_a_nested_mapping_is_refused(tmp_path):
    path = tmp_path / "scenario.yaml"
    path.write_text("kind: plume\nrates:\n  sulfur_dioxide: 1.0\n  nitrogen_oxides: 2.0\n  sulfur_dioxide: 3.0\n",
                    encoding="utf-8")
    with pytest.raises(InputError, match="duplicate key 'sulfur_dioxide'"):
        load_yaml(path)


def test_the_same_key_in_different_mappings_and_merge_keys_are_fine(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text("base: &base {height: 60, diameter: 2}\nstacks:\n  - {id: A, height: 50}\n  - {id: B, height: 70}\n"
                    "other:\n  <<: *base\n  id: C\n", encoding="utf-8")
    data = load_yaml(path)
    assert [s["id"] for s in data["stacks"]] == ["A", "B"]
    assert data["other"] == {"height": 60, "diameter": 2, "id": "C"}


def test_billion_laughs_is_refused_at_once(tmp_path):
    """510 bytes, 9 levels of 9 aliases: 4.9e8 values once expanded; it used to take 699 s and 2.9 GB."""
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 9):
        lines.append(f"a{level}: &a{level} [" + ",".join([f"*a{level - 1}"] * 9) + "]")
    path = tmp_path / "lol.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    start = time.perf_counter()
    with pytest.raises(InputError, match="aliases"):
        load_yaml(path)
    assert time.perf_counter() - start < 2.0


@settings(max_examples=30, deadline=None)
@given(width=st.integers(2, 12), depth=st.integers(1, 7))
def test_alias_expansion_is_counted_exactly(tmp_path_factory, width, depth):
    """The expanded size is counted exactly: accepted up to the limit, refused above it with the count."""
    lines = ["a0: &a0 [" + ",".join(["1"] * width) + "]"]
    for level in range(1, depth):
        lines.append(f"a{level}: &a{level} [" + ",".join([f"*a{level - 1}"] * width) + "]")
    path = tmp_path_factory.mktemp("yaml") / "tree.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    # Expanded size: the top mapping, its keys, and tree k (k = 0..depth-1) of sum_{j<=k+1} width^j nodes.
    size = 1 + depth + sum(sum(width ** j for j in range(k + 2)) for k in range(depth))
    if size <= MAX_YAML_NODES:
        assert len(load_yaml(path)) == depth
    else:
        with pytest.raises(InputError, match=re.escape(f"expands to {size:.3g} values")):
            load_yaml(path)


def test_a_gbk_park_yaml_reads_like_its_utf8_twin(tmp_path):
    """Notepad on a Chinese Windows saves ANSI (GBK): the YAML loader refused it as 'must be UTF-8'."""
    from twin.validation import load_yaml

    text = "name: 化工园区\nstacks: []\n"
    (tmp_path / "gbk.yaml").write_bytes(text.encode("gbk"))
    (tmp_path / "utf8.yaml").write_text(text, encoding="utf-8")
    assert load_yaml(tmp_path / "gbk.yaml") == load_yaml(tmp_path / "utf8.yaml") == {"name": "化工园区", "stacks": []}
