"""New series from a trained generator, in the training data's units."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from midigan.series.model import SeriesFamily

CHUNK = 1024  # series written per generator call


@torch.no_grad()
def generate_series(family: SeriesFamily, generator: nn.Module, count: int, seed: int = 0, length: int | None = None,
                    device: torch.device | str = "cpu") -> list[np.ndarray]:
    """`count` series of `length` steps each, or of lengths drawn from the training series' when
    `length` is None; the same seed gives the same series."""
    device = torch.device(device)
    rng = torch.Generator().manual_seed(seed)
    lengths = torch.full((count,), length) if length else family.draw_lengths(count, rng)
    series = []
    for start in range(0, count, CHUNK):
        part = lengths[start:start + CHUNK]
        noise = family.noise_for_lengths(part, torch.device("cpu"), rng).to(device)
        series.extend(family.to_original_units(generator(noise).float()))
    return series
