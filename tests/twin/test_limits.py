"""Requests too large for the machine are refused up front with their estimate and the limit (issue 13 J)."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from twin.errors import InputError
from twin.limits import GIB, check_memory, memory_limit_bytes


def test_the_limit_is_three_quarters_of_memory_or_the_environment(monkeypatch):
    monkeypatch.delenv("PARKTWIN_MAX_MEMORY_GIB", raising=False)
    import os

    physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    assert memory_limit_bytes() == pytest.approx(0.75 * physical, rel=1e-9)
    monkeypatch.setenv("PARKTWIN_MAX_MEMORY_GIB", "2.5")
    assert memory_limit_bytes() == int(2.5 * GIB)
    for bad in ("lots", "-1", "0", "inf", "nan"):
        monkeypatch.setenv("PARKTWIN_MAX_MEMORY_GIB", bad)
        with pytest.raises(InputError, match="PARKTWIN_MAX_MEMORY_GIB must be a number of GiB > 0"):
            memory_limit_bytes()


def test_a_request_over_the_limit_names_its_estimate_the_limit_and_the_fix(monkeypatch):
    monkeypatch.setenv("PARKTWIN_MAX_MEMORY_GIB", "16")
    check_memory(15.9 * GIB, "fields", "eia.yaml: grid")  # fits
    with pytest.raises(InputError) as caught:
        check_memory(4_000_000 * 8784 * 3 * 8.0, "hourly fields of 4,000,000 receptors × 8,784 h × 3 pollutants",
                     "eia.yaml: grid, weather.hours", "use hourly_fields: false")
    message = str(caught.value)
    assert "need about 785 GiB, more than the 16 GiB allowed" in message and "use hourly_fields: false" in message
    assert caught.value.exit_code == 65


def _tiff_with_header_size(path, width: int, height: int) -> None:
    """A real 4 x 4 GeoTIFF whose ImageWidth/ImageLength tags are rewritten to ``width`` x ``height``."""
    import tifffile

    tifffile.imwrite(path, np.zeros((4, 4), np.float32),
                     extratags=[(33550, 12, 3, (10.0, 10.0, 0.0), False), (33922, 12, 6, (0, 0, 0, 0, 0, 0), False)])
    data = bytearray(path.read_bytes())
    assert data[:4] == b"II*\x00"
    ifd = struct.unpack_from("<I", data, 4)[0]
    for k in range(struct.unpack_from("<H", data, ifd)[0]):
        entry = ifd + 2 + 12 * k
        tag = struct.unpack_from("<H", data, entry)[0]
        if tag in (256, 257):
            struct.pack_into("<HHII", data, entry, tag, 4, 1, width if tag == 256 else height)
    path.write_bytes(bytes(data))


def test_a_geotiff_header_of_a_million_squared_cells_is_refused_before_reading(tmp_path):
    """A 10^6 x 10^6 header asked for 7.3 TiB; it must be refused from the header alone."""
    from twin.dem_io import read_dem

    path = tmp_path / "huge.tif"
    _tiff_with_header_size(path, 1_000_000, 1_000_000)
    with pytest.raises(InputError, match=r"1000000 × 1000000 cells \(from its header\) need about 7,451 GiB"):
        read_dem(path)


def test_a_truncated_geotiff_is_bad_input(tmp_path):
    from twin.dem_io import read_dem

    path = tmp_path / "cut.tif"
    _tiff_with_header_size(path, 4, 4)
    path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(InputError) as caught:
        read_dem(path)
    assert caught.value.exit_code == 65
