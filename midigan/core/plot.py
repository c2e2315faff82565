"""The loss curves drawn straight into a numpy image (no matplotlib, no Pillow), saved as loss.png.

Losses share one vertical scale (solid lines, coloured blue, orange, green, red, ... in the order
they first appear); each validation figure (held-out likelihood, copy rate, ...) and each figure of
adaptive augmentation (its probability p and the measured r_t) is drawn dotted on a scale of its
own, from its smallest to its largest value, since its unit is not a loss's. Steps where the
discriminator had won (`midigan.core.dominance`) are shaded light red behind the curves.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from midigan.core.png import write_png

WON_SHADE = (255, 215, 215)
COLOURS = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75)]


def _series(records: list[dict[str, Any]], group: str) -> dict[str, np.ndarray]:
    """(step, value) rows of every finite number under `group` ("losses", "validation", "augment")."""
    names = list(dict.fromkeys(name for record in records for name in record.get(group, {}) if name != "score"))
    series = {name: np.array([(r["step"], r[group][name]) for r in records
                              if name in r.get(group, {}) and np.isfinite(r[group][name])]) for name in names}
    return {name: values for name, values in series.items() if len(values)}


def loss_curves_image(records: list[dict[str, Any]], width: int = 640, height: int = 320) -> np.ndarray:
    """RGB image: losses as solid lines on one scale, validation and augmentation figures dotted on
    scales of their own (see the module docstring); steps on the horizontal axis."""
    image = np.full((height, width, 3), 255, np.uint8)
    image[[0, -1], :] = image[:, [0, -1]] = 0  # frame
    losses = _series(records, "losses")
    augment = {f"augment {name}": values for name, values in _series(records, "augment").items()}
    validation = {**_series(records, "validation"), **augment}
    if not losses and not validation:
        return image
    every = np.concatenate(list(losses.values()) + list(validation.values()))
    x_low, x_high = every[:, 0].min(), every[:, 0].max()
    if losses:
        loss_values = np.concatenate(list(losses.values()))[:, 1]
        y_range = loss_values.min(), loss_values.max()
    _shade_won_steps(image, records, (x_low, x_high))
    for index, values in enumerate(losses.values()):
        _draw_series(image, values, (x_low, x_high), y_range, COLOURS[index % len(COLOURS)], dotted=False)
    for index, values in enumerate(validation.values(), start=len(losses)):
        own_range = values[:, 1].min(), values[:, 1].max()
        _draw_series(image, values, (x_low, x_high), own_range, COLOURS[index % len(COLOURS)], dotted=True)
    return image


def _draw_series(image: np.ndarray, values: np.ndarray, x_range: tuple, y_range: tuple, colour: tuple, dotted: bool) -> None:
    height, width, _ = image.shape
    margin = 4
    columns = np.arange(margin, width - margin)
    x = (values[:, 0] - x_range[0]) / max(x_range[1] - x_range[0], 1e-12) * (width - 1 - 2 * margin) + margin
    y = (values[:, 1] - y_range[0]) / max(y_range[1] - y_range[0], 1e-12) * (height - 1 - 2 * margin)
    rows = np.round(height - 1 - margin - np.interp(columns, x, y)).astype(int)
    inside = (columns >= x.min()) & (columns <= x.max())
    if dotted:
        inside &= (columns // 3) % 2 == 0
    _draw_polyline(image, columns[inside], rows[inside], colour)


def _shade_won_steps(image: np.ndarray, records: list[dict[str, Any]], x_range: tuple) -> None:
    """Light red behind the columns of every logged interval that ended with D having won."""
    width = image.shape[1]
    margin = 4
    logged = [record for record in records if "losses" in record]
    for previous, record in zip([None, *logged], logged):
        if not record.get("d_won"):
            continue
        start = previous["step"] if previous is not None else record["step"]
        columns = [(step - x_range[0]) / max(x_range[1] - x_range[0], 1e-12) * (width - 1 - 2 * margin) + margin
                   for step in (start, record["step"])]
        image[1:-1, max(int(columns[0]), 1):min(int(np.ceil(columns[1])) + 1, width - 1)] = WON_SHADE


def write_loss_plot(records: list[dict[str, Any]], path: Path) -> None:
    write_png(path, loss_curves_image(records))


def _draw_polyline(image: np.ndarray, columns: np.ndarray, rows: np.ndarray, colour: tuple[int, int, int]) -> None:
    """Join consecutive column samples with vertical runs, so steep segments stay connected."""
    for i, (column, row) in enumerate(zip(columns, rows)):
        previous = rows[i - 1] if i else row
        low, high = sorted((previous, row))
        image[low : high + 1, column] = colour
