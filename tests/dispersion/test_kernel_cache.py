"""Numba's cache is keyed by the kernels' sources (dispersion._kernel_cache): a change of a module a cached kernel
calls recompiles the kernel instead of loading stale machine code."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from numba import config

from dispersion import _kernel_cache  # importing the package keys the cache
from dispersion._kernel_cache import OUTSIDE_SOURCES, kernel_sources, sources_key

ROOT = Path(__file__).resolve().parents[2]


# Imported by a hashed module but compiled into no kernel: exception classes, raised by Python wrappers only.
NOT_COMPILED = {"twin/errors.py"}


def test_every_module_a_kernel_imports_is_hashed():
    """A hashed module importing a value from a module outside the list would compile it in unkeyed (checked over
    the list itself, so the closure is complete)."""
    hashed = {p.relative_to(ROOT).as_posix() for p in kernel_sources()} | NOT_COMPILED
    for path in kernel_sources():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                top = node.module.split(".")[0]
                if top in ("dispersion", "meteo", "twin"):
                    module = node.module.replace(".", "/") + ".py"
                    assert module in hashed, f"{path.name} imports {node.module}: add it to OUTSIDE_SOURCES"
    assert all((ROOT / name).is_file() for name in OUTSIDE_SOURCES)


def test_cache_directory_is_keyed_by_the_sources():
    assert Path(config.CACHE_DIR).name == sources_key()
    if os.environ.get("NUMBA_CACHE_DIR"):
        assert Path(config.CACHE_DIR).parent == Path(os.environ["NUMBA_CACHE_DIR"])


def test_stale_versions_are_pruned(tmp_path):
    now = 1.8e9
    for name, age_days in (("0123456789abcdef", 40), ("fedcba9876543210", 5), ("aaaaaaaaaaaaaaaa", 400),
                           ("not-a-key", 400), ("0123456789abcde", 400)):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "x.nbi").write_text("")
        os.utime(folder, (now - age_days * 86400.0, now - age_days * 86400.0))
    removed = _kernel_cache.prune_stale(str(tmp_path), keep="aaaaaaaaaaaaaaaa", now=now)
    assert removed == ["0123456789abcdef"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["0123456789abcde", "aaaaaaaaaaaaaaaa", "fedcba9876543210",
                                                          "not-a-key"]


def test_is_cached_says_yes_when_it_cannot_tell():
    assert _kernel_cache.is_cached(object()) is True


def test_key_follows_content(tmp_path, monkeypatch):
    real = sources_key()
    for path in kernel_sources():
        target = tmp_path / path.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    monkeypatch.setattr(_kernel_cache, "ROOT", tmp_path)
    assert sources_key() == real  # the same contents elsewhere: the same key
    physics = tmp_path / "dispersion" / "_aermod_physics.py"
    physics.write_text(physics.read_text() + "\n# an edit\n")
    assert sources_key() != real
    edited = sources_key()
    (tmp_path / "twin" / "constants.py").write_text("changed")
    assert sources_key() not in (real, edited)


PROBE = """
from dispersion._aermod_plume import meander_weight
from dispersion._kernel_cache import is_cached
cached = is_cached(meander_weight)
print(repr(meander_weight(3.0, 0.5, 20000.0)), cached)
"""


@pytest.mark.slow
def test_a_callee_change_recompiles_the_caller(tmp_path):
    """meander_weight (in _aermod_plume.py, cached) compiles in T_r from _aermod_physics.py: changing only the
    latter must change its value in the next interpreter sharing the cache (Numba alone would load the old code)."""
    tree = tmp_path / "tree"
    for package in ("dispersion", "meteo", "twin"):
        shutil.copytree(ROOT / package, tree / package, ignore=shutil.ignore_patterns("__pycache__"))
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(tree)}
    env.pop("NUMBA_DISABLE_JIT", None)

    def probe(cached):
        run = subprocess.run([sys.executable, "-c", PROBE], cwd=tree, env=env, capture_output=True, text=True,
                             timeout=600)
        assert run.returncode == 0, run.stderr
        value, was_cached = run.stdout.split()
        assert was_cached == str(cached)  # dispersion._kernel_cache.is_cached, for the first-compile notice
        return float(value)

    before = probe(cached=False)
    assert probe(cached=True) == before
    physics = tree / "dispersion" / "_aermod_physics.py"
    text = physics.read_text()
    assert "RANDOM_PLUME_TIME_SCALE = 24.0 * 3600.0" in text
    physics.write_text(text.replace("RANDOM_PLUME_TIME_SCALE = 24.0 * 3600.0", "RANDOM_PLUME_TIME_SCALE = 600.0"))
    after = probe(cached=False)
    assert after != before  # T_r of 10 min instead of a day: the random plume's weight at 20 km grows
    assert len(list((tmp_path / "cache").iterdir())) == 2  # one directory per source version
