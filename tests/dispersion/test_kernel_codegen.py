"""The hot loops really are vectorised: packed multiply and add instructions and no scalar libm exp/pow calls.

A silent loss of vectorisation (e.g. a library ``math.exp`` slipping into a loop, or the default error model's
ZeroDivisionError branches) would cost 3-10x without failing any numerical test (measured on this project's
benchmark machine with prototypes of the plume kernel).
This test compiles the kernel afresh (cached code cannot be inspected) and reads its assembly.
"""

from __future__ import annotations

import re

import numpy as np
from numba import njit

from dispersion._math_kernels import KERNEL_OPTIONS
from dispersion._plume_kernels import (Emissions, HourlyMet, Outputs, Sigmas, StackHours, Stacks, Switches,
                                       _plume_group)
from dispersion.tiles import TiledReceptors, Tiles


def test_plume_group_is_vectorised_without_libm_calls():
    fresh = njit(**{**KERNEL_OPTIONS, "cache": False})(_plume_group.py_func)
    i8 = np.int64
    ptr = np.array([0, 1], i8)
    one = np.ones(1)
    hour_stack = one.reshape(1, 1)
    sig = np.zeros((6, 1, 6))
    fresh(0, Tiles(ptr, ptr, one, one, one), TiledReceptors(one, one, one, one, 0.0), Stacks(one, one, one, one),
          HourlyMet(one, one, one, np.zeros(1, i8), np.zeros(1, i8), np.ones(1, np.bool_)),
          StackHours(hour_stack, hour_stack, hour_stack, hour_stack), Emissions(one.reshape(1, 1, 1), 0.0),
          Sigmas(sig, np.ones(6, i8), np.zeros(6, i8), sig, np.ones(6, i8), np.zeros(6, i8), np.ones(6)),
          Switches(True, True, 0, 0),
          Outputs(np.zeros((1, 1, 1)), np.zeros((1, 1)), np.zeros((1, 1, 1)), np.zeros((1, 1))))
    asm = fresh.inspect_asm(fresh.signatures[0])
    # No fastmath (KERNEL_OPTIONS): no fused multiply-adds, separate packed multiplies and adds on 256/512-bit
    # registers (the exp_fast polynomial alone is 12 of each per vectorised receptor loop).
    packed = re.findall(r"v(?:mul|add|sub)pd\s+.*%[yz]mm", asm)
    assert len(packed) >= 40, "the receptor loops no longer compile to packed multiply/add instructions"
    # The general sigma model may call pow/log/tan; nothing may call a library exponential (exp_fast is inlined).
    llvm_ir = fresh.inspect_llvm(fresh.signatures[0])
    assert not re.search(r"@(llvm\.)?exp(\.\w+)?\(", llvm_ir), "a library exp call is back in the kernel"


def test_flood_momentum_has_no_libm_pow_or_cbrt():
    # Manning friction needs h_f^(-7/3) at every face every step; libm pow costs ~6x the whole step
    # (measured on this project's benchmark machine), so the kernel uses the bit-trick + Newton inv_pow_7_3.
    from dispersion._flood_kernels import momentum

    fresh = njit(**{**KERNEL_OPTIONS, "cache": False})(momentum.py_func)
    f8 = np.float64
    h = np.ones((3, 4))
    fresh(h, h, h, np.zeros((3, 5)), np.zeros((4, 4)), np.zeros((3, 5)), np.zeros((4, 4)), f8(1.0), f8(1.0),
          f8(0.8), f8(1e-3), np.ones((3, 5), np.uint8), np.ones((4, 4), np.uint8))
    llvm_ir = fresh.inspect_llvm(fresh.signatures[0])
    assert not re.search(r"@(llvm\.)?(pow|cbrt)(\.\w+)?\(", llvm_ir), "a library pow/cbrt is in the flood kernel"
