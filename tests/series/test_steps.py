"""The step distribution's likelihood against torch.distributions, its samples against its likelihood,
and the generator's two ways of reaching it (free running, teacher forcing) against each other."""

from __future__ import annotations

import math

import torch
from torch.distributions import Categorical, LowRankMultivariateNormal, MixtureSameFamily

from midigan.series.plan import plan_training
from midigan.series.reading import read_series
from midigan.series.steps import StepDistribution

from .helpers import DATA


def reference_log_density(step: StepDistribution, raw: torch.Tensor, values: torch.Tensor, keep: list[int]) -> torch.Tensor:
    """log p of the channels in `keep` (the others marginalised), by torch.distributions."""
    log_weights, mean, log_sigma, factor = step.split(raw)
    keep = torch.tensor(keep)
    components = LowRankMultivariateNormal(mean[..., keep], factor[..., keep, :] if step.rank else
                                           mean.new_zeros(*mean[..., keep].shape, 1), (2 * log_sigma[..., keep]).exp())
    return MixtureSameFamily(Categorical(logits=log_weights), components).log_prob(values[..., keep])


def test_likelihood_is_the_mixture_of_low_rank_gaussians_with_gaps_marginalised():
    torch.manual_seed(0)
    for components, rank in ((1, 0), (1, 2), (3, 0), (3, 2)):
        step = StepDistribution(channels=4, components=components, rank=rank)
        raw = torch.randn(5, step.outputs, dtype=torch.float64)
        values = torch.randn(5, 4, dtype=torch.float64)
        observed = torch.tensor([1.0, 0.0, 1.0, 1.0], dtype=torch.float64).expand(5, 4)
        ours = -step.negative_log_likelihood(raw, values, observed)
        expected = reference_log_density(step, raw, values, [0, 2, 3]) + 1.5 * math.log(2 * math.pi)
        assert torch.allclose(ours, expected, atol=1e-9), (components, rank)


def test_a_step_without_observed_values_costs_nothing():
    step = StepDistribution(channels=3, components=2, rank=1)
    raw = torch.randn(4, step.outputs)
    assert step.negative_log_likelihood(raw, torch.randn(4, 3), torch.zeros(4, 3)).abs().max() < 1e-6


def test_samples_follow_the_distribution_and_carry_gradients():
    torch.manual_seed(1)
    step = StepDistribution(channels=2, components=2, rank=1)
    raw = torch.randn(step.outputs).expand(200_000, step.outputs).clone().requires_grad_(True)
    normal = torch.randn(200_000, step.channels + step.rank)
    values = step.sample(raw, torch.cat([normal, torch.rand(200_000, step.components)], dim=1))
    log_weights, mean, log_sigma, factor = step.split(raw[0].detach())
    weights = log_weights.exp()
    expected_mean = (weights[:, None] * mean).sum(0)
    covariances = torch.diag_embed((2 * log_sigma).exp()) + factor @ factor.transpose(-1, -2)
    second = (weights[:, None, None] * (covariances + mean[:, :, None] * mean[:, None, :])).sum(0)
    assert torch.allclose(values.mean(0), expected_mean, atol=0.02)
    assert torch.allclose(values.T.cov(), second - torch.outer(expected_mean, expected_mean), atol=0.05)
    values.sum().backward()
    logit_columns = [k * (1 + (2 + step.rank) * step.channels) for k in range(step.components)]
    assert raw.grad[:, logit_columns].abs().sum() > 0  # the mixing weights learn through the straight-through choice


def test_means_moved_by_an_offset_leave_every_other_parameter_alone():
    step = StepDistribution(channels=3, components=2, rank=2)
    raw, offset = torch.randn(5, step.outputs), torch.randn(5, 3)
    before, after = step.split(raw), step.split(step.with_means_moved(raw, offset))
    assert torch.allclose(after[1], before[1] + offset[:, None, :])
    for unchanged in (0, 2, 3):  # mixing weights, sigmas, factors
        assert torch.equal(after[unchanged], before[unchanged])


def test_free_running_and_teacher_forcing_take_the_same_autoregressive_path():
    """Series written with every draw 0 are their own means; teacher forcing on them, given the same
    latent vector, must give those means back, the linear path from the previous values and the change inputs included."""
    torch.manual_seed(2)
    family = plan_training(read_series(DATA / "BasicMotions"), seed=0, rank=2, autoregression=True, changes=True).family
    generator = family.build_generator()
    assert generator.change_scale is not None  # the GRU reads the previous change too, both ways alike
    torch.nn.init.normal_(generator.autoregression.weight, std=0.3)  # as if trained: it starts at 0
    with torch.no_grad():
        assert not generator.gru.weight_ih_l0[:, -family.channels:].any()  # ... and so do the change inputs
        generator.gru.weight_ih_l0[:, -family.channels:].normal_(std=0.3)
    noise = family.noise_for_lengths(torch.full((8,), 24), torch.device("cpu"))
    noise[..., family.latent:family.latent + family.step.draws] = 0.0
    if family.step.holds:  # its channels repeat readings: hold gates, here never opened
        noise[..., family.latent + family.step.draws - len(family.step.holds):family.latent + family.step.draws] = 1.0
    with torch.no_grad():
        written = generator(noise)
        means = family.step.split(generator.teacher_forced(written, noise[:, 0, :family.latent]))[1][..., 0, :]
    assert torch.allclose(means, written[..., :family.channels], atol=1e-5)


def test_a_held_value_costs_its_gate_and_any_other_the_gate_and_the_gaussian_without_it():
    torch.manual_seed(3)
    step = StepDistribution(channels=3, components=2, rank=1, holds=(1,))
    raw = torch.randn(4, step.outputs, dtype=torch.float64)
    previous = torch.randn(4, 3, dtype=torch.float64)
    values = torch.randn(4, 3, dtype=torch.float64)
    values[:2, 1] = previous[:2, 1]  # the first two steps keep channel 1's value
    observed = torch.ones(4, 3, dtype=torch.float64)
    previous_observed = torch.tensor([[1.0, 1, 1]] * 3 + [[1.0, 0, 1]], dtype=torch.float64)  # the last had no value to keep
    ours = -step.negative_log_likelihood(raw, values, observed, previous, previous_observed)
    keep = torch.sigmoid(raw[:, -1])
    every = reference_log_density(step, raw, values, [0, 1, 2]) + 1.5 * math.log(2 * math.pi)
    without = reference_log_density(step, raw, values, [0, 2]) + math.log(2 * math.pi)
    expected = torch.cat([keep[:2].log() + without[:2], (1 - keep[2:3]).log() + every[2:3], every[3:]])
    assert torch.allclose(ours, expected)
    assert torch.allclose(-step.negative_log_likelihood(raw, values, observed), every)  # no past: no gate


def test_hold_gates_keep_the_previous_value_exactly_as_often_as_they_say_and_learn_through_it():
    torch.manual_seed(4)
    step = StepDistribution(channels=2, holds=(0,))
    n = 100_000
    raw = torch.tensor([0.0] * 5 + [math.log(0.3 / 0.7)]).expand(n, step.outputs).clone().requires_grad_(True)
    previous = torch.full((n, 2), 5.0)
    previous_observed = torch.ones(n, 2)
    previous_observed[: n // 2, 0] = 0  # half have no value to keep
    values = step.sample(raw, torch.cat([torch.randn(n, 2), torch.rand(n, 1)], dim=1), previous, previous_observed)
    kept = values[:, 0] == 5.0
    assert not kept[: n // 2].any()
    assert abs(kept[n // 2:].float().mean().item() - 0.3) < 0.01
    assert not (values[:, 1] == 5.0).any()  # a channel without a gate never repeats
    values[:, 0].sum().backward()
    assert raw.grad[n // 2:, -1].abs().sum() > 0
