"""The step noise calibration: channels that move together in real series move together in generated
ones, and a window's first step starts where real windows start."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from midigan.core.checkpoint import load_checkpoint
from midigan.core.validation import SCORE
from midigan.series import SeriesGAN
from midigan.series.plan import plan_training
from midigan.series.reading import read_array, read_series
from midigan.series.step_noise import ARTIFACTS, StepNoise, calibrate_checkpoint, load_series, residual_moments
from midigan.series.validation import SAMPLES, SEED

from .helpers import DATA

PRICES = slice(0, 4)  # a day's open, high, low and close


class RandomWalk(nn.Module):
    """A generator whose step distribution is N(previous value, 1) per channel (N(0, 1) at the
    first step, which has no previous value), drawn as the series model draws
    (`StepDistribution.sample`): a model that knows each channel's level but not how channels move
    together, nor where windows start."""

    def __init__(self, family):
        super().__init__()
        self.step, self.channels, self.weight = family.step, family.channels, nn.Parameter(torch.zeros(1))

    def _head(self, previous: torch.Tensor) -> torch.Tensor:
        return torch.cat([torch.zeros_like(previous[..., :1]), previous, torch.zeros_like(previous)], dim=-1)

    def teacher_forced(self, batch: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        values = batch[..., : self.channels]
        return self._head(torch.cat([torch.zeros_like(values[:, :1]), values[:, :-1]], dim=1))

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


def _draw(plan, walk, count: int = 2000, seed: int = 0) -> torch.Tensor:
    return walk(plan.family.noise_with_flags(torch.ones(count, 24, 5), torch.Generator().manual_seed(seed)))


def test_calibrated_noise_gives_draws_the_real_moves_and_starts():
    plan = _prices_plan()
    walk = RandomWalk(plan.family)
    real_moves = np.corrcoef(_changes(plan.data, 4).T)
    assert real_moves[np.triu_indices(4, 1)].mean() > 0.5  # real prices move together
    real_starts = plan.data[:, 0, :4].double().numpy()

    shift, covariance, correlation = residual_moments(plan.family, walk, plan.data)
    assert np.abs(correlation - real_moves).max() < 0.1
    assert np.allclose(shift, real_starts.mean(axis=0), atol=0.05)
    assert np.allclose(covariance, np.cov(real_starts.T), atol=0.05)

    independent = _draw(plan, walk)
    assert np.abs(np.corrcoef(_changes(independent, 4).T)[np.triu_indices(4, 1)]).max() < 0.05
    assert np.allclose(independent[:, 0, :4].std(dim=0).numpy(), 1.0, atol=0.05)  # starts anywhere

    plan.family.step_noise = StepNoise.from_moments(shift, covariance, correlation)
    calibrated = _draw(plan, walk)
    moves = _changes(calibrated, 4)
    assert np.abs(np.corrcoef(moves.T) - real_moves).max() < 0.1
    assert np.allclose(moves.std(axis=0), 1.0, atol=0.03)  # each channel's own step distribution unchanged
    starts = calibrated[:, 0, :4].double().numpy()
    assert np.allclose(starts.mean(axis=0), real_starts.mean(axis=0), atol=0.1)
    assert np.allclose(np.cov(starts.T), np.cov(real_starts.T), atol=0.1)


def test_nothing_to_calibrate_for_a_distribution_with_shocks_of_its_own(tmp_path):
    series = read_series(DATA / "stocks_head.csv").series[0]
    one = plan_training(read_array(series[:, :1]), seed=0)
    assert residual_moments(one.family, RandomWalk(one.family), one.data)[2].tolist() == [[1.0]]
    shocks = plan_training(read_array(series[:, PRICES]), seed=0, rank=2)
    assert residual_moments(shocks.family, shocks.family.build_generator(), shocks.data) is None
    model = SeriesGAN(max_minutes=None, max_steps=4, rank=2, run_dir=tmp_path / "run").fit(series[:, PRICES])
    assert model.report[-1] == "step noise: as drawn (a step distribution with shared shocks or components of its own)"


def test_calibration_stores_it_and_a_refusal_drops_an_earlier_one(tmp_path):
    plan = _prices_plan()
    prices = read_series(DATA / "stocks_head.csv").series[0][:, PRICES]
    SeriesGAN(max_minutes=None, max_steps=20, run_dir=tmp_path / "run").fit(prices)
    best = tmp_path / "run" / "checkpoints" / "best.pt"
    line = calibrate_checkpoint(best, plan.data, None)  # no validation to ask: stored
    assert line.startswith("step noise: calibrated"), line
    family, _ = load_series(best)
    stored = load_checkpoint(best)["artifacts"]
    later = family.step_noise.later_factor
    assert np.allclose((later @ later.T).numpy(), stored[ARTIFACTS[2]].numpy(), atol=1e-5)

    class Refuses:  # a validation that scores calibrated series worse
        def measure(self, generator, family, seed):
            return {SCORE: 1.0 if family.step_noise is not None else 0.0}

    assert calibrate_checkpoint(best, plan.data, Refuses()).startswith("step noise: as drawn")
    assert not set(ARTIFACTS) & set(load_checkpoint(best)["artifacts"]) and load_series(best)[0].step_noise is None


def test_windows_judge_copying_against_training_windows_that_share_no_step():
    """Windows of one long series: the copy guard's yardstick is the distance between training
    windows that share no step, not to held-out windows from a later stretch of the series."""
    plan = _prices_plan()
    validation, steps = plan.validation, plan.data.shape[1]
    rng = np.random.default_rng(SEED)  # the validation's own choice of windows
    chosen = np.sort(rng.choice(len(plan.data), size=min(SAMPLES, len(plan.data)), replace=False))
    neighbours = rng.permutation(len(plan.data))[: 4 * SAMPLES]
    distances = torch.cdist(plan.data[chosen, :, :4].flatten(1).double(), plan.data[neighbours, :, :4].flatten(1).double())
    distances[torch.from_numpy(np.abs(chosen[:, None] - neighbours[None, :]) < steps)] = float("inf")  # one series, stride 1
    expected = np.median(distances.min(dim=1).values.numpy()) / np.sqrt(steps * 4)
    assert np.isclose(validation.new_real_distance, expected, rtol=1e-5)

    class Copier(nn.Module):  # writes training windows as they are
        def __init__(self):
            super().__init__()
            self.weight = nn.Parameter(torch.zeros(1))

        def forward(self, noise):
            return plan.data[: len(noise)]

    assert validation.measure(Copier())["copy"] < 0.1


def test_whole_series_judge_copying_against_the_other_training_series_not_a_few_held_out():
    """A tenth of a small set held out is few (fertility's 15): their median distance to the training
    series moved the copy yardstick by half from split to split, and generated series nearer the
    training series than new real ones were scored 1.30 and kept. The yardstick is now each training
    series' distance to the others, whatever the held-out series are."""
    from midigan.series.sines import sine_data
    from midigan.series.validation import SeriesValidation

    plan = plan_training(read_array(sine_data(80, seed=3)))
    far = plan.validation.family, plan.data, plan.data[:8].clone()
    far[2][..., :5] += 5.0  # held-out series nowhere near the training ones
    validation = SeriesValidation(*far)
    rng = np.random.default_rng(SEED)  # the validation's own choice of series
    chosen = np.sort(rng.choice(len(plan.data), size=min(SAMPLES, len(plan.data)), replace=False))
    neighbours = rng.permutation(len(plan.data))[: 4 * SAMPLES]
    distances = torch.cdist(plan.data[chosen, :, :5].flatten(1).double(), plan.data[neighbours, :, :5].flatten(1).double())
    distances[torch.from_numpy(chosen[:, None] == neighbours[None, :])] = float("inf")
    expected = np.median(distances.min(dim=1).values.numpy()) / np.sqrt(plan.data.shape[1] * 5)
    assert np.isclose(validation.new_real_distance, expected, rtol=1e-5)
