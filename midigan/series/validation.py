"""How a series model is judged while it trains: fresh series against real ones, and a copy guard.

Every check writes `SAMPLES` series from fixed noise, with the lengths and gaps of training
series drawn once, and compares them with those training series (scaled units):
- `marginal`: the distance (Wasserstein-1, per channel, averaged) between the values' distributions;
- `steps`: the same for the changes from one step to the next (smoothness, volatility);
- `acf`: the mean absolute difference of the first 10 autocorrelations of every channel;
- `cross`: the mean absolute difference of the channels' correlation matrices;
- `copy`: the median distance of the fresh series to their nearest training series over that of
  real series new to them (below 1: closer to the training set than new real data is): the
  training series themselves, each against the others (for windows, against the training windows
  that share no step with it). Why not held-out windows: cut from the last tenth of a long series,
  they sit at levels the training part never reached (Stocks: median distance 0.36, against 0.14
  between training windows that share no step), so series as near the training windows as real
  windows of that era are scored as copies. Why not held-out whole series: a tenth of a small set
  is few (fertility's 15 of 153), and their median put the same runs' figure 0.094 to 0.140 by the
  split where the training series' own gave 0.130 to 0.133: generated series nearer the training
  series than held-out ones (0.85-0.90 in `evaluate`) were scored 1.30 and kept.
The score is their sum, plus `COPY_PENALTY` per unit that `copy` falls below 1: a model that
reproduces its training series scores well on the first four, which is why the guard is there.
Both phases are judged alike, so pretraining ends when free-running series stop improving, not
when the teacher-forced likelihood does (it keeps improving while free-running series drift).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from midigan.core.validation import SCORE, Validation
from midigan.series.metrics import Prepared, autocorrelation_difference, correlations, nearest_distances
from midigan.series.model import SeriesFamily
from midigan.series.windows import sharing_steps

SAMPLES = 512
SEED = 12345
COPY_PENALTY = 10.0
QUANTILES = np.linspace(0.005, 0.995, 100)


class SeriesValidation(Validation):
    def __init__(self, family, training: torch.Tensor, held_out: torch.Tensor, samples: int = SAMPLES,
                 starts: np.ndarray | None = None):
        """`training` and `held_out`: packed scaled series (`midigan.series.windows.pack`);
        `starts`: for windows, each training window's (series, first step) (`window_starts`)."""
        self.family = family
        rng = np.random.default_rng(SEED)
        chosen = np.sort(rng.choice(len(training), size=min(samples, len(training)), replace=False))
        self.reference = training[torch.from_numpy(chosen)]
        self.reference_prepared = _prepared(self.reference, family.channels)
        self.reference_stats = _statistics(self.reference, family.channels)
        neighbours = rng.permutation(len(training))[: 4 * samples]
        self.training_prepared = _prepared(training[torch.from_numpy(neighbours)], family.channels)
        if starts is not None:  # a window is new to the windows that share no step with it
            excluded = torch.from_numpy(sharing_steps(starts[chosen], starts[neighbours], training.shape[1]))
        else:  # a whole series is new to the others
            excluded = torch.from_numpy(chosen[:, None] == neighbours[None, :])
        new_real = nearest_distances(self.reference_prepared, self.training_prepared, excluded=excluded)
        new_real = new_real[np.isfinite(new_real)]
        if not len(new_real):  # one training series, or windows that all share steps with each other
            new_real = nearest_distances(_prepared(held_out, family.channels), self.training_prepared)
        self.new_real_distance = float(np.median(new_real))

    def __call__(self, generator: nn.Module, phase: str) -> dict[str, float]:
        return self.measure(generator)

    @torch.no_grad()
    def measure(self, generator: nn.Module, family: SeriesFamily | None = None, seed: int = SEED) -> dict[str, float]:
        """The figures of series drawn with `seed`'s noise as `family` draws it (default: the
        training family; a loaded one may draw calibrated step noise, see `step_noise`)."""
        family = family or self.family
        device = next(generator.parameters()).device
        noise_rng = torch.Generator(device=device).manual_seed(seed)
        flags = self.reference[..., family.channels:].to(device)
        fake = generator(family.noise_with_flags(flags, noise_rng)).float().cpu()
        c = family.channels
        stats = _statistics(fake, c)
        metrics = {name: float(np.mean(np.abs(stats[name] - self.reference_stats[name])))
                   for name in ("marginal", "steps", "cross")}
        fake_prepared = _prepared(fake, c)
        metrics["acf"] = autocorrelation_difference(self.reference_prepared, fake_prepared)
        nearest = float(np.median(nearest_distances(fake_prepared, self.training_prepared)))
        metrics["copy"] = nearest / max(self.new_real_distance, 1e-12)
        quality = sum(value for name, value in metrics.items() if name != "copy" and np.isfinite(value))
        metrics[SCORE] = quality + COPY_PENALTY * max(0.0, 1.0 - metrics["copy"])
        return metrics


def _prepared(packed: torch.Tensor, channels: int) -> Prepared:
    """Packed scaled series as the metrics take them (gaps as 0: the same rule for real and fake)."""
    values = packed[..., :channels].numpy().astype(np.float32)
    return Prepared(values, packed[..., -1].sum(dim=1).long().numpy())


def _statistics(packed: torch.Tensor, channels: int) -> dict[str, np.ndarray]:
    """Quantiles of values and of step-to-step changes per channel, and the channels' correlations."""
    values = packed[..., :channels].double().numpy()
    observed = packed[..., channels:2 * channels].numpy() > 0.5
    both = observed[:, 1:] & observed[:, :-1]
    changes = values[:, 1:] - values[:, :-1]
    marginal = np.stack([np.quantile(values[..., k][observed[..., k]], QUANTILES) for k in range(channels)])
    steps = np.stack([np.quantile(changes[..., k][both[..., k]], QUANTILES) if both[..., k].any() else np.zeros(len(QUANTILES))
                      for k in range(channels)])
    rows = observed.all(axis=2)
    cross = correlations(values[rows]) if channels > 1 and rows.sum() > 2 else np.zeros((1, 1))
    return {"marginal": marginal, "steps": steps, "cross": cross}
