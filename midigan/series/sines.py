"""TimeGAN's Sines set, generated as its code does (`data_loading.sine_data_generation`): every
channel sin(f * t + p) with f and p uniform in [0, 0.1], t = 0..length-1, mapped to [0, 1]."""

from __future__ import annotations

import numpy as np


def sine_data(count: int = 10_000, length: int = 24, channels: int = 5, seed: int = 0) -> np.ndarray:
    """`(count, length, channels)` float64."""
    rng = np.random.default_rng(seed)
    frequency = rng.uniform(0, 0.1, size=(count, 1, channels))
    phase = rng.uniform(0, 0.1, size=(count, 1, channels))
    return (np.sin(frequency * np.arange(length)[None, :, None] + phase) + 1) * 0.5
