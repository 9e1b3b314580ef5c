"""Elementary functions that LLVM can vectorise inside Numba loops.

Numba ≥ 0.62 has no SVML, so ``math.exp`` in a Numba loop is a scalar libm call and keeps the whole loop scalar
(measured on this project's benchmark machine, one core, data in cache: 2.8 ns a libm call against 0.31 ns an
element for the polynomial below in a vectorised loop). ``exp_fast`` is
pure arithmetic — Cody–Waite range reduction, a degree-12 Taylor polynomial and 2^n built from exponent bits — so a
loop that calls it compiles to packed multiply and add instructions.

Every operation is IEEE-exact as written (no fastmath, see ``KERNEL_OPTIONS``): the range reduction needs no fused
multiply-add, because n·ln2_hi is exact (ln2_hi has 21 significant bits and |n| < 2^10 here) and x − n·ln2_hi then
cancels exactly (Cody & Waite 1980; the split of fdlibm's e_exp.c); only n·ln2_lo and the polynomial round, the
same way on every compile path and without JIT.

Accuracy: relative error ≤ 2e-15 on [-50, 0] and ≤ 3e-14 on [-500, 0] against ``numpy.exp``
(``tests/dispersion/test_plume_kernel.py::test_exp_fast_accuracy`` checks it). Arguments below -500 return exactly 0
(e^-500 ≈ 7e-218, some 200 decades below any concentration of interest): a product of such tiny factors would
otherwise become subnormal, and subnormal arithmetic costs about a hundred cycles an operation on x86 — far
off-axis receptors made the whole kernel several times slower before this cut-off.

With ``NUMBA_DISABLE_JIT=1`` the same algorithm runs in plain Python (the bit cast falls back to ``struct``), so the
tests exercise one algorithm, compiled or not.
"""

from __future__ import annotations

import math
import os
import struct

# OpenMP (Numba's 'omp' threading layer here) lets idle workers spin-wait between parallel regions. On a 2-core
# machine that anything else also uses — a Dask thread, a browser, the next job — a spinning worker holds the core
# the other one needs, and every barrier waits a scheduler quantum: the flood step on 200² cells took 4.5 ms with
# spinning and 0.48 ms passive, under the same load (benchmarks/flood.py, 2026-12-03). A user's own setting wins;
# it must be set before the first parallel region starts the OpenMP runtime, hence here, where every kernel
# module imports from.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from numba import config, njit  # noqa: E402
from numba.core import types  # noqa: E402
from numba.extending import intrinsic  # noqa: E402

__all__ = ["exp_fast", "inv_pow_7_3", "bits_to_float64", "float64_to_bits", "KERNEL_OPTIONS"]

# One place for the compile options of the hot kernels (numbagg style).
# No fastmath: the same inputs give the same bits whether a kernel was just compiled or loaded from Numba's cache,
# on any thread count. With fastmath = {nsz, arcp, contract, afn, reassoc} LLVM was free to fuse multiply-adds and
# reorder sums differently on the two paths: a flood run compiled afresh and the same run from the cache differed by
# up to 9.5 cm (271 against 270 steps), the plume by 1e-16 (issue 13; tests/dispersion/test_compile_path.py).
# The loops still vectorise (packed multiplies and adds; the flood's row maximum is an integer reduction, and no
# kernel has a float reduction across a vectorised loop). Cost measured when the flags were removed: see the commit.
# error_model='numpy': a float division carries no ZeroDivisionError branch, which would keep loops scalar.
KERNEL_OPTIONS = dict(nogil=True, cache=True, error_model="numpy")

_LOG2E = 1.4426950408889634
_FLUSH_BELOW = -500.0  # e**x is returned as exactly 0 below this (see the module docstring)
_LN2_HI = 6.93147180369123816490e-01  # ln 2 split in two so that n·ln2_hi is exact (Cody & Waite 1980)
_LN2_LO = 1.90821492927058770002e-10

if config.DISABLE_JIT:

    def bits_to_float64(bits):
        return struct.unpack("<d", struct.pack("<q", int(bits)))[0]

    def float64_to_bits(value):
        return struct.unpack("<q", struct.pack("<d", float(value)))[0]

else:

    @intrinsic
    def bits_to_float64(typingctx, bits):
        """Reinterpret the 64 bits of an int64 as a float64 (no conversion)."""
        signature = types.float64(types.int64)

        def codegen(context, builder, sig, args):
            return builder.bitcast(args[0], context.get_value_type(types.float64))

        return signature, codegen

    @intrinsic
    def float64_to_bits(typingctx, value):
        """Reinterpret the 64 bits of a float64 as an int64 (no conversion)."""
        signature = types.int64(types.float64)

        def codegen(context, builder, sig, args):
            return builder.bitcast(args[0], context.get_value_type(types.int64))

        return signature, codegen


# Initial guess of x^(-1/3) from the bits of x (the inverse-cube-root analogue of the fast inverse square root):
# bits(y0) = K − bits(x)/3, K tuned on this project near (4/3)·bits(1.0); inv_pow_7_3 states the resulting accuracy.
_INV_CBRT_MAGIC = 0x553EF0FF289DD796


@njit(inline="always", **KERNEL_OPTIONS)
def inv_pow_7_3(x):
    """x**(-7/3) for x > 0 (a depth in m, result in m^-7/3), vectorisable: no libm pow/cbrt.

    y ≈ x^(-1/3) from the exponent bits, then four Newton steps on f(y) = y^-3 − x, y ← y (4 − x y³) / 3 (each
    roughly triples the correct bits: relative error below 4e-15 on [1e-6, 1e6]); x^(-7/3) = y^7. Manning friction
    in the local inertial scheme needs h_f^(-7/3) at every face every step, and libm pow costs about six times the
    rest of the step (measured on this project's benchmark machine; benchmarks/flood.py times the kernel).
    """
    # bits/3 through a float64 (exact to ~2^-44 of the bits, far below what Newton corrects): packed int64 division
    # does not exist on x86, a float multiply and two conversions do.
    y = bits_to_float64(_INV_CBRT_MAGIC - int(float(float64_to_bits(x)) * (1.0 / 3.0)))
    for _ in range(4):
        y = y * (4.0 - x * y * y * y) * (1.0 / 3.0)
    y2 = y * y
    return y2 * y2 * y2 * y


@njit(inline="always", **KERNEL_OPTIONS)
def exp_fast(x):
    """e**x for x ≤ 0 (and moderate x > 0), vectorisable. [x: dimensionless]"""
    underflow = x < _FLUSH_BELOW
    x = max(x, _FLUSH_BELOW)
    n = math.floor(x * _LOG2E + 0.5)
    r = x - n * _LN2_HI - n * _LN2_LO  # |r| ≤ ln2/2
    # Taylor series of e**r to degree 12 in Horner form; truncation error < 2e-16 for |r| ≤ 0.347.
    p = 1.0 / 479001600.0
    p = p * r + 1.0 / 39916800.0
    p = p * r + 1.0 / 3628800.0
    p = p * r + 1.0 / 362880.0
    p = p * r + 1.0 / 40320.0
    p = p * r + 1.0 / 5040.0
    p = p * r + 1.0 / 720.0
    p = p * r + 1.0 / 120.0
    p = p * r + 1.0 / 24.0
    p = p * r + 1.0 / 6.0
    p = p * r + 0.5
    p = p * r + 1.0
    p = p * r + 1.0
    return 0.0 if underflow else p * bits_to_float64((int(n) + 1023) << 52)
