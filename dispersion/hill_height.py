"""Receptor hill-height scales from the park's DEM, the way AERMAP computes them for AERMOD's terrain treatment.

AERMOD's dividing-streamline height H_c (Cimorelli et al. 2005, *J. Appl. Meteor.* 44:682–693, §3; EPA-454/R-03-004
§5.1) needs, for each receptor, a hill-height scale h_c: the elevation of the terrain that most controls the flow
near it. AERMAP (EPA, *User's Guide for the AERMOD Terrain Preprocessor (AERMAP)*, EPA-454/B-03-003, 2004) takes
every DEM node whose elevation rises above a 10 % slope from the receptor,

    z_n − z_r ≥ 0.1 · d(r, n)                                              (z [m] above the datum, d [m] horizontal)

and sets h_c = the highest such z_n, and never below the receptor's own elevation z_r. The 10 % slope and the
floor are read in AERMAP's CALCHC routine as coded (public-domain source, read for the rule only; the user's guide's
section number is in docs/unverified.md). Here every node of the park's DEM (cell centres, in the park's projected
CRS) is searched; AERMAP also searches neighbouring DEM files, which a park bundle does not have.
"""

from __future__ import annotations

import numpy as np

from twin.errors import InputError

__all__ = ["receptor_hill_heights", "AERMAP_SLOPE"]

AERMAP_SLOPE = 0.1  # [-] rise over horizontal distance that makes a node count (AERMAP CALCHC)


def receptor_hill_heights(receptor_x, receptor_y, receptor_elevation, terrain_x, terrain_y, terrain_elevation, *,
                          slope: float = AERMAP_SLOPE) -> np.ndarray:
    """AERMAP's hill-height scale h_c of each receptor [m] (module docstring).

    Parameters
    ----------
    receptor_x, receptor_y : (R,) receptor positions in the DEM's projected CRS. [m]
    receptor_elevation : (R,) the receptors' ground elevation z_r (e.g. ``Terrain.elevation_at``). [m]
    terrain_x, terrain_y : (nx,), (ny,) the DEM's cell-centre axes. [m]
    terrain_elevation : (ny, nx) the DEM; NaN cells (sea, voids) are not nodes. [m]
    slope : the rise over run a node must reach (AERMAP: 0.1). [-]
    """
    from dispersion._terrain_kernels import hill_heights_parallel  # deferred: compile/load cost

    rx, ry, rz = (np.ascontiguousarray(np.atleast_1d(v), dtype=np.float64)
                  for v in (receptor_x, receptor_y, receptor_elevation))
    if not rx.shape == ry.shape == rz.shape or rx.ndim != 1:
        raise InputError.field("hill heights", "receptors", f"shapes {rx.shape}, {ry.shape}, {rz.shape}",
                               "three 1-D arrays of one length")
    if not (np.all(np.isfinite(rx)) and np.all(np.isfinite(ry)) and np.all(np.isfinite(rz))):
        raise InputError.field("hill heights", "receptors", "a non-finite coordinate or elevation", "finite values")
    elevation = np.asarray(terrain_elevation, dtype=np.float64)
    tx, ty = np.asarray(terrain_x, dtype=np.float64), np.asarray(terrain_y, dtype=np.float64)
    if elevation.shape != (ty.size, tx.size):
        raise InputError.field("hill heights", "terrain elevation", f"shape {elevation.shape}",
                               f"(ny, nx) = ({ty.size}, {tx.size})")
    if not slope > 0:
        raise InputError.field("hill heights", "slope", slope, "> 0")
    mesh_x, mesh_y = np.meshgrid(tx, ty)
    valid = np.isfinite(elevation)
    order = np.argsort(-elevation[valid], kind="stable")  # highest first (the kernel stops at the first pass)
    nodes = [np.ascontiguousarray(a[valid][order]) for a in (mesh_x, mesh_y, elevation)]
    out = np.empty(rx.size)
    hill_heights_parallel(rx, ry, rz, *nodes, float(slope), out)
    return out
