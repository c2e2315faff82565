"""Per-channel scaling, done before training and undone on every series the model writes.

Why standardising (mean 0, standard deviation 1 per channel, gaps ignored): the generator emits a
Gaussian per step, which fits standardised values; channels in different units (prices next to
volumes) then weigh alike in its likelihood. The statistics are kept in float64 in the model's
config, so `inverse(transform(x))` returns `x` to float64 rounding.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class ChannelScaler:
    center: np.ndarray  # (channels,) float64
    scale: np.ndarray  # (channels,) float64, never 0

    @classmethod
    def fit(cls, series: list[np.ndarray]) -> ChannelScaler:
        values = np.concatenate(series, axis=0)
        observed = ~np.isnan(values)
        if not observed.any(axis=0).all():
            empty = int(np.flatnonzero(~observed.any(axis=0))[0])
            raise ValueError(f"channel {empty} has no value at all")
        center = np.nanmean(values, axis=0)
        scale = np.nanstd(values, axis=0)
        scale = np.where(np.isfinite(scale) & (scale > 0), scale, 1.0)
        return cls(center.astype(np.float64), scale.astype(np.float64))

    def transform(self, values: np.ndarray) -> np.ndarray:
        return (values - self.center) / self.scale

    def inverse(self, values: np.ndarray) -> np.ndarray:
        return np.asarray(values, dtype=np.float64) * self.scale + self.center

    def to_dict(self) -> dict[str, list[float]]:
        return {"center": self.center.tolist(), "scale": self.scale.tolist()}

    @classmethod
    def from_dict(cls, values: dict[str, list[float]]) -> ChannelScaler:
        return cls(np.array(values["center"], dtype=np.float64), np.array(values["scale"], dtype=np.float64))
