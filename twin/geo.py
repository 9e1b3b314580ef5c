"""Cached pyproj transformers (always x = easting/longitude first)."""

from __future__ import annotations

import functools

import pyproj

__all__ = ["transformer"]


@functools.lru_cache(maxsize=32)
def transformer(source: pyproj.CRS | str, target: pyproj.CRS | str) -> pyproj.Transformer:
    """``Transformer.from_crs(source, target, always_xy=True)``, built once per CRS pair.

    Building a transformer costs ~0.1 s here (PROJ database look-up). Since pyproj 3.1.0 a Transformer is safe to
    share between threads ("Multithread safe CRS, Proj, & Transformer", pyproj issue #782), so one instance is kept.
    """
    return pyproj.Transformer.from_crs(source, target, always_xy=True)
