"""Generated gaps follow the training series' gaps: their rate and their run lengths per channel."""

from __future__ import annotations

import numpy as np
import torch

from midigan.series.gaps import GapChains
from midigan.series.windows import pack


def chain_series(count: int, steps: int, start: float, stay: float, seed: int) -> list[np.ndarray]:
    """Two channels: the first never missing, the second missing as a two-state chain."""
    rng = np.random.default_rng(seed)
    series = []
    for _ in range(count):
        values = rng.normal(size=(steps, 2))
        missing = False
        for t in range(steps):
            missing = rng.random() < (stay if missing else start)
            if missing:
                values[t, 1] = np.nan
        series.append(values)
    return series


def test_chains_are_counted_from_training_gaps_and_drawn_back_alike():
    packed = pack(chain_series(300, 60, start=0.05, stay=0.8, seed=0))
    chains = GapChains.fit(packed, 2)
    assert chains.start[0] == chains.stay[0] == chains.first[0] == 0.0
    assert abs(chains.start[1] - 0.05) < 0.01 and abs(chains.stay[1] - 0.8) < 0.03
    present = torch.ones(2000, 60)
    present[:1000, 30:] = 0  # half the series are 30 steps long
    observed = chains.draw(present, torch.Generator().manual_seed(1))
    assert observed[:, :, 0].sum() == present.sum() and torch.equal(observed[:1000, 30:], torch.zeros(1000, 30, 2))
    redrawn = GapChains.fit(pack([np.where(kept.numpy() > 0, 0.0, np.nan) for kept in observed[1000:]]), 2)
    assert abs(redrawn.start[1] - chains.start[1]) < 0.005 and abs(redrawn.stay[1] - chains.stay[1]) < 0.02


def test_no_gaps_no_chains():
    assert GapChains.fit(pack([np.zeros((10, 3))] * 4), 3) is None
