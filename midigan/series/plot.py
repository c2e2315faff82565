"""A picture of a few series: real ones on the left, generated ones on the right, one panel per
series with every channel drawn in its own colour, each channel scaled to the range it spans in
the whole picture (so real and generated panels share a scale)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from midigan.core.png import write_png

PANEL = (120, 320)  # height, width in pixels
COLOURS = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75), (227, 119, 194)]


def series_plot_image(generated: list[np.ndarray], real: list[np.ndarray]) -> np.ndarray:
    rows = max(len(generated), len(real), 1)
    height, width = PANEL
    image = np.full((rows * height, 2 * width, 3), 255, np.uint8)
    everything = [values for values in real + generated if len(values)]
    if not everything:
        return image
    stacked = np.concatenate(everything)
    low, high = np.nanmin(stacked, axis=0), np.nanmax(stacked, axis=0)
    span = np.where(np.isfinite(high - low) & (high > low), high - low, 1.0)
    longest = max(len(values) for values in everything)
    for column, group in enumerate((real, generated)):
        for row, values in enumerate(group):
            top, left = row * height, column * width
            image[top, left:left + width] = image[top + height - 1, left:left + width] = 200
            image[top:top + height, left] = image[top:top + height, left + width - 1] = 200
            x = left + 3 + np.arange(len(values)) * (width - 7) / max(longest - 1, 1)
            for channel in range(values.shape[1]):
                y = (values[:, channel] - low[channel]) / span[channel]
                kept = np.isfinite(y)
                if kept.sum() < 2:
                    continue
                columns = np.arange(int(np.ceil(x[kept][0])), int(x[kept][-1]) + 1)
                rows_at = np.round(top + height - 4 - np.interp(columns, x[kept], y[kept]) * (height - 8)).astype(int)
                _draw_line(image, columns, rows_at, COLOURS[channel % len(COLOURS)])
    return image


def write_series_plot(generated: list[np.ndarray], real: list[np.ndarray], path: Path) -> None:
    """Real series (left) beside generated ones (right) as a PNG; channels coloured in the order of COLOURS."""
    write_png(path, series_plot_image(generated, real))


def _draw_line(image: np.ndarray, columns: np.ndarray, rows: np.ndarray, colour: tuple[int, int, int]) -> None:
    """One pixel per column, joined to the previous column's by a vertical run so steep parts stay connected."""
    previous = rows[:1]
    for column, row, before in zip(columns, rows, np.concatenate([previous, rows[:-1]]), strict=True):
        low, high = sorted((int(before), int(row)))
        image[low:high + 1, column] = colour
