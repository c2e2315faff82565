"""New series from a trained generator, in the training data's units."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from midigan.series.model import SeriesFamily

CHUNK = 1024  # series written per generator call
GAP_STREAM = 7_919  # the gaps' random stream is seeded with the seed plus this


@torch.no_grad()
def generate_series(family: SeriesFamily, generator: nn.Module, count: int, seed: int = 0, length: int | None = None,
                    device: torch.device | str = "cpu", gaps: bool = False) -> list[np.ndarray]:
    """`count` series of `length` steps each, or of lengths drawn from the training series' when
    `length` is None; the same seed gives the same series. With `gaps`, values go missing as they
    did in the training series (`GapChains`; the same series, masked: gaps come from a stream of
    their own); without, or when the training series had none, every value is there."""
    device = torch.device(device)
    rng, gap_rng = torch.Generator().manual_seed(seed), torch.Generator().manual_seed(seed + GAP_STREAM)
    lengths = torch.full((count,), length) if length else family.draw_lengths(count, rng)
    series = []
    for start in range(0, count, CHUNK):
        part = lengths[start:start + CHUNK]
        noise = family.noise_for_lengths(part, torch.device("cpu"), rng).to(device)
        series.extend(family.to_original_units(generator(noise).float()))
    if gaps and family.gaps is not None:
        present = (torch.arange(int(lengths.max()))[None, :] < lengths[:, None]).float()
        observed = family.gaps.draw(present, gap_rng).numpy() > 0.5
        for values, kept in zip(series, observed, strict=True):
            values[~kept[: len(values)]] = np.nan
    return series
