"""Small PNG checks shared by the map and scene tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image


def read_png(path: Path) -> np.ndarray:
    """The image as an (height, width, 3) uint8 array; fails unless the file really is a PNG."""
    with Image.open(path) as image:
        assert image.format == "PNG"
        return np.asarray(image.convert("RGB"))


def distinct_colours(pixels: np.ndarray) -> int:
    packed = (pixels[..., 0].astype(np.uint32) << 16) | (pixels[..., 1].astype(np.uint32) << 8) | pixels[..., 2]
    return int(np.unique(packed).size)


def plume_red_pixels(pixels: np.ndarray) -> int:
    """Pixels in the red/orange part of the field colour map (strong red, weak blue), absent from terrain and sky."""
    red, green, blue = (pixels[..., i].astype(int) for i in range(3))
    return int(np.sum((red > 150) & (red - blue > 90) & (green < 150)))
