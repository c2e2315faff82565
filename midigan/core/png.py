"""A minimal PNG writer (zlib + struct), so the engine never needs Pillow."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np


def encode_png(image: np.ndarray) -> bytes:
    """PNG bytes of a uint8 image, HxW (grey) or HxWx3 (RGB)."""
    image = np.asarray(image)
    if image.dtype != np.uint8:
        raise ValueError(f"PNG pixels must be uint8, got {image.dtype}")
    if image.ndim == 2:
        colour_type = 0
    elif image.ndim == 3 and image.shape[2] == 3:
        colour_type = 2
    else:
        raise ValueError(f"PNG image must be HxW or HxWx3, got shape {image.shape}")
    height, width = image.shape[:2]
    rows = np.ascontiguousarray(image).reshape(height, -1)
    # each scanline starts with filter type 0 (none)
    raw = np.concatenate([np.zeros((height, 1), np.uint8), rows], axis=1).tobytes()
    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw, 6)) + _chunk(b"IEND", b"")


def write_png(path: str | Path, image: np.ndarray) -> None:
    """Write a uint8 HxW or HxWx3 array as a PNG file."""
    Path(path).write_bytes(encode_png(image))


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
