"""Lay a batch of images out as one picture, and save pictures as PNG (the engine's encoder)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch

from midigan.core.png import write_png


def grid_shape(count: int) -> tuple[int, int]:
    """(rows, cols) of the most nearly square grid holding `count` images."""
    cols = max(1, math.ceil(math.sqrt(count)))
    return max(1, math.ceil(count / cols)), cols


def parse_grid(text: str) -> tuple[int, int]:
    """"8x8" -> (8, 8); ValueError with a readable message otherwise."""
    try:
        rows, cols = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise ValueError(f"grid must look like ROWSxCOLS, e.g. 8x8, not {text!r}") from None
    if rows < 1 or cols < 1:
        raise ValueError(f"grid must have at least one row and column, not {text!r}")
    return rows, cols


def make_grid(images: torch.Tensor, rows: int, cols: int, padding: int = 2) -> np.ndarray:
    """uint8 (N, C, H, W) -> one uint8 HxW (grey) or HxWx3 array; cells past N stay black."""
    n, c, h, w = images.shape
    if n > rows * cols:
        raise ValueError(f"{n} images do not fit a {rows}x{cols} grid")
    canvas = np.zeros((padding + rows * (h + padding), padding + cols * (w + padding), c), dtype=np.uint8)
    pixels = images.permute(0, 2, 3, 1).numpy()
    for i in range(n):
        top, left = padding + (i // cols) * (h + padding), padding + (i % cols) * (w + padding)
        canvas[top : top + h, left : left + w] = pixels[i]
    return canvas[..., 0] if c == 1 else canvas


def save_png(pixels: np.ndarray, path: Path) -> None:
    """Save a uint8 HxW or HxWx3 array (or a (C, H, W) tensor for one image) as a PNG."""
    if isinstance(pixels, torch.Tensor):
        pixels = pixels.permute(1, 2, 0).numpy()
    if pixels.ndim == 3 and pixels.shape[2] == 1:
        pixels = pixels[..., 0]
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    write_png(path, np.ascontiguousarray(pixels))
