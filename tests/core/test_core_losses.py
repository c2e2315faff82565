"""Loss values against their textbook formulas on hand-checkable inputs."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from midigan.core.losses import AdversarialLoss, gradient_penalty


class Constant(nn.Module):
    """A 'discriminator' answering `value` for every example (shape (batch, 1))."""

    def __init__(self, value: float):
        super().__init__()
        self.value = value

    def forward(self, x):
        return torch.full((x.shape[0], 1), self.value) + 0 * x.sum(dim=1, keepdim=True)


def linear_critic(weight: list[float]) -> nn.Linear:
    critic = nn.Linear(len(weight), 1, bias=False)
    with torch.no_grad():
        critic.weight.copy_(torch.tensor([weight]))
    return critic


@pytest.mark.parametrize(
    "name, smoothing, d_expected, g_expected",
    [
        ("ns", 0.0, 2 * math.log(2), math.log(2)),
        ("ns", 0.2, 2 * math.log(2), math.log(2)),  # at logit 0 BCE is log 2 whatever the target
        ("hinge", 0.0, 2.0, 0.0),
        ("lsgan", 0.0, 0.5, 0.5),
        ("lsgan", 0.1, 0.5 * 0.81, 0.5),
    ],
)
def test_losses_at_zero_logits(name, smoothing, d_expected, g_expected):
    loss = AdversarialLoss(name, label_smoothing=smoothing)
    x = torch.randn(4, 3)
    d_loss, stats = loss.discriminator_loss(Constant(0.0), x, x)
    assert d_loss.item() == pytest.approx(d_expected)
    assert loss.generator_loss(torch.zeros(4, 1)).item() == pytest.approx(g_expected, abs=1e-7)
    # D(real) is a probability where the loss reads outputs as logits (ns), else the raw output
    assert stats["d_real"].item() == pytest.approx(0.5 if name == "ns" else 0.0)


def test_label_smoothing_lowers_the_real_target():
    x = torch.randn(4, 3)
    sharp, _ = AdversarialLoss("ns").discriminator_loss(Constant(3.0), x, x)
    smooth, _ = AdversarialLoss("ns", label_smoothing=0.1).discriminator_loss(Constant(3.0), x, x)
    # BCE(3, t) = softplus(3) - 3 t: a lower target costs 3 * 0.1 more
    assert smooth.item() - sharp.item() == pytest.approx(0.3, rel=1e-5)


def test_gradient_penalty_vanishes_for_unit_slope_and_counts_otherwise():
    real, fake = torch.randn(8, 2), torch.randn(8, 2)
    assert gradient_penalty(linear_critic([0.6, 0.8]), real, fake).item() == pytest.approx(0.0, abs=1e-10)
    assert gradient_penalty(linear_critic([3.0, 4.0]), real, fake).item() == pytest.approx(16.0)


def test_wgan_and_r1_terms():
    critic = linear_critic([3.0, 4.0])
    real, fake = torch.ones(8, 2), torch.zeros(8, 2)
    d_loss, stats = AdversarialLoss("wgan-gp", gp_weight=10.0, r1_gamma=2.0).discriminator_loss(critic, real, fake)
    # critic(real) = 7, critic(fake) = 0; GP = (5 - 1)^2; R1 = |w|^2 = 25, weighted by gamma / 2
    assert stats["d_real"].item() == pytest.approx(7.0) and stats["d_fake"].item() == pytest.approx(0.0)
    assert (stats["gp"].item(), stats["r1"].item()) == pytest.approx((16.0, 25.0))
    assert d_loss.item() == pytest.approx(-7.0 + 160.0 + 25.0)
    d_loss.backward()
    assert critic.weight.grad is not None


def test_the_drift_term_adds_its_weight_times_the_squared_critic_value_on_reals():
    critic = linear_critic([3.0, 4.0])
    real, fake = torch.ones(8, 2), torch.zeros(8, 2)
    plain, _ = AdversarialLoss("wgan-gp").discriminator_loss(critic, real, fake)
    drifting, _ = AdversarialLoss("wgan-gp", drift_weight=1e-3).discriminator_loss(critic, real, fake)
    assert drifting.item() - plain.item() == pytest.approx(1e-3 * 49.0, rel=1e-3)  # critic(real) = 7; float32 sums


def test_lazy_r1_runs_on_every_interval_th_update_scaled_by_the_interval():
    critic = linear_critic([3.0, 4.0])
    real, fake = torch.ones(8, 2), torch.zeros(8, 2)
    loss = AdversarialLoss("wgan-gp", gp_weight=0.0, r1_gamma=2.0, r1_interval=4)
    on, on_stats = loss.discriminator_loss(critic, real, fake, d_update=8)
    off, off_stats = loss.discriminator_loss(critic, real, fake, d_update=9)
    # R1 = |w|^2 = 25, weighted by gamma / 2 and by the interval on regularised updates only
    assert on_stats["r1"].item() == pytest.approx(25.0) and "r1" not in off_stats
    assert (on.item(), off.item()) == pytest.approx((-7.0 + 4 * 25.0, -7.0))
