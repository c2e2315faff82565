"""The step coupling: channels that move together in real series move together in generated ones."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from midigan.core.checkpoint import load_checkpoint
from midigan.core.validation import SCORE
from midigan.series import SeriesGAN
from midigan.series.coupling import ARTIFACT, calibrate_checkpoint, coupling_factor, load_series, residual_correlation
from midigan.series.plan import plan_training
from midigan.series.reading import read_array, read_series

from .helpers import DATA

PRICES = slice(0, 4)  # a day's open, high, low and close


class RandomWalk(nn.Module):
    """A generator whose step distribution is N(previous value, 1) per channel, drawn as the
    series model draws (`StepDistribution.sample`): a model that knows each channel's level but
    not how channels move together."""

    def __init__(self, family):
        super().__init__()
        self.step, self.channels, self.weight = family.step, family.channels, nn.Parameter(torch.zeros(1))

    def _head(self, previous: torch.Tensor) -> torch.Tensor:
        return torch.cat([torch.zeros_like(previous[..., :1]), previous, torch.zeros_like(previous)], dim=-1)

    def teacher_forced(self, batch: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """Each step's mean is the value before (the first step's its own), so residuals are changes."""
        values = batch[..., : self.channels]
        return self._head(torch.cat([values[:, :1], values[:, :-1]], dim=1))

    def forward(self, noise: torch.Tensor) -> torch.Tensor:
        c, latent = self.channels, noise.shape[-1] - self.step.draws - self.channels - 1
        value, values = noise.new_zeros(len(noise), c), []
        for t in range(noise.shape[1]):
            value = self.step.sample(self._head(value), noise[:, t, latent:latent + self.step.draws])
            values.append(value)
        flags = noise[..., -(c + 1):]
        return torch.cat([torch.stack(values, dim=1) * flags[..., :c], flags], dim=-1)


def _changes(packed: torch.Tensor, channels: int) -> np.ndarray:
    """Step-to-step changes of every channel, one row per step."""
    values = packed[..., :channels].double().numpy()
    return (values[:, 1:] - values[:, :-1]).reshape(-1, channels)


def _prices_plan():
    return plan_training(read_array(read_series(DATA / "stocks_head.csv").series[0][:, PRICES]), seed=0)


def test_the_fitted_coupling_gives_draws_the_real_changes_correlations():
    plan = _prices_plan()
    walk = RandomWalk(plan.family)
    real = np.corrcoef(_changes(plan.data, 4).T)
    assert real[np.triu_indices(4, 1)].mean() > 0.5  # real prices move together

    fitted = residual_correlation(plan.family, walk, plan.data)
    assert np.abs(fitted - real).max() < 0.1

    flags = torch.ones(2000, 24, 5)
    independent = np.corrcoef(_changes(walk(plan.family.noise_with_flags(flags, torch.Generator().manual_seed(0))), 4).T)
    assert np.abs(independent[np.triu_indices(4, 1)]).max() < 0.05
    plan.family.coupling = coupling_factor(fitted)
    coupled = _changes(walk(plan.family.noise_with_flags(flags, torch.Generator().manual_seed(0))), 4)
    assert np.abs(np.corrcoef(coupled.T) - real).max() < 0.1
    assert np.allclose(coupled.std(axis=0), 1.0, atol=0.03)  # each channel's own step distribution unchanged


def test_no_coupling_for_one_channel_or_a_distribution_with_shocks_of_its_own():
    series = read_series(DATA / "stocks_head.csv").series[0]
    one = plan_training(read_array(series[:, :1]), seed=0)
    assert residual_correlation(one.family, RandomWalk(one.family), one.data) is None
    shocks = plan_training(read_array(series[:, PRICES]), seed=0, rank=2)
    assert residual_correlation(shocks.family, shocks.family.build_generator(), shocks.data) is None


def test_calibration_stores_it_and_a_refusal_drops_an_earlier_one(tmp_path):
    plan = _prices_plan()
    prices = read_series(DATA / "stocks_head.csv").series[0][:, PRICES]
    SeriesGAN(max_minutes=None, max_steps=20, run_dir=tmp_path / "run").fit(prices)
    best = tmp_path / "run" / "checkpoints" / "best.pt"
    line = calibrate_checkpoint(best, plan.data, None)  # no validation to ask: stored
    assert line.startswith("step coupling: 4 channels"), line
    family, _ = load_series(best)
    stored = load_checkpoint(best)["artifacts"][ARTIFACT].numpy()
    assert family.coupling is not None and np.allclose((family.coupling @ family.coupling.T).numpy(), stored, atol=1e-5)

    class Refuses:  # a validation that scores coupled series worse
        def measure(self, generator, family, seed):
            return {SCORE: 1.0 if family.coupling is not None else 0.0}

    assert "not kept" in calibrate_checkpoint(best, plan.data, Refuses())
    assert ARTIFACT not in load_checkpoint(best)["artifacts"] and load_series(best)[0].coupling is None
