"""Receptor tiles shared by the plume and puff kernels: receptors sorted into square tiles, tiles into groups.

A kernel thread takes one group at a time (``prange`` over groups) and skips a whole tile when its bounding circle
lies beyond the cut-off of a source or segment, without touching the tile's receptors. ``build_tiles`` returns the
permutation that puts the receptors in tile order (kernel index → caller index) and the :class:`Tiles` arrays the
kernels read; :class:`TiledReceptors` carries the receptors themselves in that order.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

__all__ = ["Tiles", "TiledReceptors", "automatic_tile_size", "build_tiles", "tiled_receptors"]


class Tiles(NamedTuple):
    """Receptor tiles and groups of tiles, as the kernels read them (int64 and float64, C-contiguous)."""

    group_ptr: np.ndarray  # (G + 1,) int64: the tiles of group g are group_ptr[g]:group_ptr[g + 1]
    tile_ptr: np.ndarray  # (T + 1,) int64: the receptors (kernel order) of tile t are tile_ptr[t]:tile_ptr[t + 1]
    center_x: np.ndarray  # (T,) x of the centre of the tile's bounding box [m]
    center_y: np.ndarray  # (T,) y of the centre of the tile's bounding box [m]
    radius: np.ndarray  # (T,) radius of the circle around that centre holding every receptor of the tile [m]


class TiledReceptors(NamedTuple):
    """Receptors in tile order, as the kernels read them (float64, C-contiguous)."""

    x: np.ndarray  # (R,) projected x [m]
    y: np.ndarray  # (R,) projected y [m]
    height: np.ndarray  # (R,) height above local ground ("flagpole") [m]
    ground_elevation: np.ndarray  # (R,) terrain elevation at the receptor [m] (zeros for flat terrain)
    max_height: float  # largest flagpole height [m] (0: every receptor at the ground, the kernels' fast path)


def automatic_tile_size(receptors, per_tile: int = 100) -> float:
    """Tile side [m] holding about ``per_tile`` receptors at the receptors' mean density (at least 1 m).

    ``receptors`` has 1-D ``x`` and ``y`` arrays [m] (a :class:`dispersion.plume.ReceptorSet`).
    """
    extent_x = float(np.ptp(receptors.x)) if receptors.x.size else 0.0
    extent_y = float(np.ptp(receptors.y)) if receptors.y.size else 0.0
    area = max(extent_x, 1.0) * max(extent_y, 1.0)
    return max(math.sqrt(area * per_tile / max(receptors.x.size, 1)), 1.0)


def build_tiles(x: np.ndarray, y: np.ndarray, tile_size: float,
                tiles_per_group_side: int = 2) -> tuple[np.ndarray, Tiles]:
    """Sort receptors at (x, y) [m] into square tiles of side ``tile_size`` [m], tiles into compact groups of
    ``tiles_per_group_side``² tiles, groups into a scrambled order. Returns (order, tiles): ``order`` the receptor
    permutation (kernel index → caller index), ``tiles`` the :class:`Tiles` of the receptors taken in that order.

    The fixed scramble deals groups from all over the domain to each thread, so a skewed wind rose does not leave
    one thread with all the downwind tiles (Numba's prange splits the group range into equal contiguous blocks).
    """
    col = np.floor((x - x.min()) / tile_size).astype(np.int64)
    row = np.floor((y - y.min()) / tile_size).astype(np.int64)
    tile_key = row * (col.max() + 1) + col
    group_key = (row // tiles_per_group_side) * (col.max() // tiles_per_group_side + 1) + col // tiles_per_group_side
    unique_groups = np.unique(group_key)
    scramble = np.random.default_rng(20261124).permutation(unique_groups.size)
    group_rank = np.empty(unique_groups.size, dtype=np.int64)
    group_rank[scramble] = np.arange(unique_groups.size)
    rank = group_rank[np.searchsorted(unique_groups, group_key)]
    order = np.lexsort((np.arange(x.size), tile_key, rank))
    sorted_tile = tile_key[order]
    sorted_rank = rank[order]
    starts = np.flatnonzero(np.r_[True, sorted_tile[1:] != sorted_tile[:-1]])
    tile_ptr = np.r_[starts, x.size].astype(np.int64)
    xs, ys = x[order], y[order]
    x_lo = np.minimum.reduceat(xs, starts)
    x_hi = np.maximum.reduceat(xs, starts)
    y_lo = np.minimum.reduceat(ys, starts)
    y_hi = np.maximum.reduceat(ys, starts)
    tile_rank = sorted_rank[starts]
    group_starts = np.flatnonzero(np.r_[True, tile_rank[1:] != tile_rank[:-1]])
    group_ptr = np.r_[group_starts, starts.size].astype(np.int64)
    return order, Tiles(
        group_ptr=np.ascontiguousarray(group_ptr),
        tile_ptr=np.ascontiguousarray(tile_ptr),
        center_x=np.ascontiguousarray(0.5 * (x_lo + x_hi)),
        center_y=np.ascontiguousarray(0.5 * (y_lo + y_hi)),
        radius=np.ascontiguousarray(0.5 * np.hypot(x_hi - x_lo, y_hi - y_lo)),
    )


def tiled_receptors(receptors, order: np.ndarray, terrain: bool) -> TiledReceptors:
    """``receptors`` (a :class:`dispersion.plume.ReceptorSet`) in kernel order; ``terrain`` False zeroes the ground
    elevation (flat terrain)."""
    x = np.ascontiguousarray(receptors.x[order], dtype=np.float64)
    height = np.ascontiguousarray(receptors.height[order], dtype=np.float64)
    ground = (np.ascontiguousarray(receptors.ground_elevation[order], dtype=np.float64) if terrain
              else np.zeros_like(x))
    return TiledReceptors(x=x, y=np.ascontiguousarray(receptors.y[order], dtype=np.float64), height=height,
                          ground_elevation=ground, max_height=float(height.max(initial=0.0)))
