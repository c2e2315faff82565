"""Gaps like the training data's, for generated series that should have them (`--gaps`).

Why a chain per channel: missing values in sensor data come in runs (a sensor offline for a while)
at a channel's own rate, so each channel's observed/missing flag is a two-state Markov chain:
the chance of a gap at a series' first step, of a gap starting after an observed value, and of a
gap going on. Three numbers per channel, fitted by counting on the training series, kept in the
model's config; the values the generator writes in a gap are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class GapChains:
    first: list[float]  # per channel: P(missing) at a series' first step
    start: list[float]  # P(missing | observed one step before)
    stay: list[float]  # P(missing | missing one step before)

    @classmethod
    def fit(cls, packed: torch.Tensor, channels: int) -> GapChains | None:
        """Counted on packed series (`midigan.series.windows.pack`); None when no value is missing."""
        observed, present = packed[..., channels:2 * channels].double(), packed[..., -1:].double()
        missing = (1 - observed) * present
        if not missing.any():
            return None
        both = present[:, 1:] * present[:, :-1]
        after_observed = (observed[:, :-1] * both).sum((0, 1))
        after_missing = (missing[:, :-1] * both).sum((0, 1))
        start = (missing[:, 1:] * observed[:, :-1] * both).sum((0, 1)) / after_observed.clamp(min=1)
        stay = (missing[:, 1:] * missing[:, :-1] * both).sum((0, 1)) / after_missing.clamp(min=1)
        first = missing[:, 0].sum(0) / present[:, 0].sum().clamp(min=1)
        return cls(first.tolist(), start.tolist(), stay.tolist())

    def draw(self, present: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """Observed flags `(n, steps, C)` for series whose steps are flagged in `present` `(n, steps)`."""
        n, steps = present.shape
        first, start, stay = (torch.tensor(p, dtype=torch.float32) for p in (self.first, self.start, self.stay))
        uniform = torch.rand(n, steps, len(self.first), generator=generator)
        missing = torch.empty(n, steps, len(self.first))
        missing[:, 0] = (uniform[:, 0] < first).float()
        for t in range(1, steps):
            chance = torch.where(missing[:, t - 1] > 0, stay, start)
            missing[:, t] = (uniform[:, t] < chance).float()
        return (1 - missing) * present[..., None]

    def to_dict(self) -> dict[str, list[float]]:
        return {"first": self.first, "start": self.start, "stay": self.stay}
