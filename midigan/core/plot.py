"""The loss curves drawn straight into a numpy image (no matplotlib, no Pillow), saved as loss.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from midigan.core.png import write_png

COLOURS = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75)]


def loss_curves_image(records: list[dict[str, Any]], width: int = 640, height: int = 320) -> np.ndarray:
    """RGB image with one coloured line per loss (first seen: blue, orange, green, red, ...), all on
    one vertical scale from the smallest to the largest logged value, steps on the horizontal axis."""
    image = np.full((height, width, 3), 255, np.uint8)
    image[[0, -1], :] = image[:, [0, -1]] = 0  # frame
    names = list(dict.fromkeys(name for record in records for name in record.get("losses", {})))
    series = {
        name: np.array([(r["step"], r["losses"][name]) for r in records if name in r.get("losses", {}) and np.isfinite(r["losses"][name])])
        for name in names
    }
    points = [values for values in series.values() if len(values)]
    if not points:
        return image
    every = np.concatenate(points)
    (x_low, y_low), (x_high, y_high) = every.min(axis=0), every.max(axis=0)
    margin = 4
    columns = np.arange(margin, width - margin)
    for index, name in enumerate(names):
        values = series[name]
        if len(values) == 0:
            continue
        x = (values[:, 0] - x_low) / max(x_high - x_low, 1e-12) * (width - 1 - 2 * margin) + margin
        y = (values[:, 1] - y_low) / max(y_high - y_low, 1e-12) * (height - 1 - 2 * margin)
        rows = np.round(height - 1 - margin - np.interp(columns, x, y)).astype(int)
        inside = (columns >= x.min()) & (columns <= x.max())
        _draw_polyline(image, columns[inside], rows[inside], COLOURS[index % len(COLOURS)])
    return image


def write_loss_plot(records: list[dict[str, Any]], path: Path) -> None:
    write_png(path, loss_curves_image(records))


def _draw_polyline(image: np.ndarray, columns: np.ndarray, rows: np.ndarray, colour: tuple[int, int, int]) -> None:
    """Join consecutive column samples with vertical runs, so steep segments stay connected."""
    for i, (column, row) in enumerate(zip(columns, rows)):
        previous = rows[i - 1] if i else row
        low, high = sorted((previous, row))
        image[low : high + 1, column] = colour
