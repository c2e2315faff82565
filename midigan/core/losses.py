"""Adversarial objectives chosen by name: ns, hinge, wgan-gp, lsgan; optional R1, ProGAN's drift
term and label smoothing.

One object owns every discriminator and generator loss term (as in StyleGAN2-ADA's Loss), so the
trainer never branches on the loss name. Logits are cast to float32 before any loss arithmetic,
which keeps the maths exact under bf16 autocast; the non-saturating loss uses BCE *with logits*
(softplus), the form that is numerically safe under autocast.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from midigan.core.config import LOSS_NAMES
from midigan.core.distributed import World, average_values
from midigan.core.errors import NonFiniteLossError


def _logits(output: torch.Tensor) -> torch.Tensor:
    """(batch,) or (batch, 1) discriminator output as float32 (batch,)."""
    return output.float().reshape(output.shape[0], -1).mean(dim=1)


def _input_gradient(outputs: torch.Tensor, inputs: torch.Tensor) -> torch.Tensor:
    (gradient,) = torch.autograd.grad(outputs.sum(), inputs, create_graph=True)
    return gradient.float().reshape(gradient.shape[0], -1)


class AdversarialLoss:
    """Discriminator and generator losses for one named objective.

    `discriminator_loss` returns the loss plus detached statistics for logging; `D(real)`/`D(fake)`
    are mean sigmoid probabilities, or mean raw critic values for wgan-gp (no probability there).
    """

    def __init__(
        self,
        name: str,
        gp_weight: float = 10.0,
        r1_gamma: float = 0.0,
        label_smoothing: float = 0.0,
        r1_interval: int = 1,
        drift_weight: float = 0.0,
    ):
        if name not in LOSS_NAMES:
            raise ValueError(f"unknown loss {name!r}; choose one of {', '.join(LOSS_NAMES)}")
        if r1_interval < 1:
            raise ValueError(f"r1_interval must be at least 1, got {r1_interval}")
        self.name = name
        self.gp_weight = gp_weight
        self.r1_gamma = r1_gamma
        self.r1_interval = r1_interval
        self.drift_weight = drift_weight
        self.real_target = 1.0 - label_smoothing

    def discriminator_loss(
        self, discriminator: nn.Module, real: torch.Tensor, fake: torch.Tensor, d_update: int = 0
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """Loss on one real and one (detached) fake batch, penalties included.

        R1 is lazy (StyleGAN2): it is applied on every `r1_interval`-th D update (`d_update` counts
        them from 0), weighted by the interval, which keeps its effect and divides its cost, the
        input-gradient pass, by the interval.
        """
        regularize = self.r1_gamma > 0 and d_update % self.r1_interval == 0
        real = real.detach().requires_grad_(regularize)
        fake = fake.detach()
        real_logits = _logits(discriminator(real))
        fake_logits = _logits(discriminator(fake))
        loss = self._discriminator_terms(real_logits, fake_logits)
        stats: dict[str, torch.Tensor] = {}
        if self.name == "wgan-gp":
            penalty = gradient_penalty(discriminator, real.detach(), fake)
            loss = loss + self.gp_weight * penalty
            stats["gp"] = penalty.detach()
        if self.drift_weight:  # ProGAN: without it a critic's outputs may drift far from zero
            loss = loss + self.drift_weight * real_logits.pow(2).mean()
        if regularize:
            penalty = _input_gradient(real_logits, real).pow(2).sum(dim=1).mean()
            loss = loss + 0.5 * self.r1_gamma * self.r1_interval * penalty
            stats["r1"] = penalty.detach()
        # a probability where the loss reads D's output as a logit (ns); the raw output otherwise
        score = torch.sigmoid if self.name == "ns" else (lambda x: x)
        stats["d_real"] = score(real_logits.detach()).mean()
        stats["d_fake"] = score(fake_logits.detach()).mean()
        stats["real_sign"] = torch.sign(real_logits.detach()).float().mean()  # how sure D is of reals: adaptive augmentation
        return loss, stats

    def generator_loss(self, fake_output: torch.Tensor) -> torch.Tensor:
        """Generator loss from the discriminator's output on fresh fakes."""
        fake_logits = _logits(fake_output)
        if self.name == "ns":
            return F.softplus(-fake_logits).mean()
        if self.name == "lsgan":
            return 0.5 * (fake_logits - 1.0).pow(2).mean()
        return -fake_logits.mean()  # hinge and wgan-gp

    def _discriminator_terms(self, real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
        terms: dict[str, Callable[[], torch.Tensor]] = {
            "ns": lambda: F.binary_cross_entropy_with_logits(real_logits, torch.full_like(real_logits, self.real_target))
            + F.softplus(fake_logits).mean(),
            "hinge": lambda: F.relu(1.0 - real_logits).mean() + F.relu(1.0 + fake_logits).mean(),
            "wgan-gp": lambda: fake_logits.mean() - real_logits.mean(),
            "lsgan": lambda: 0.5 * (real_logits - self.real_target).pow(2).mean() + 0.5 * fake_logits.pow(2).mean(),
        }
        return terms[self.name]()


def gradient_penalty(discriminator: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """WGAN-GP: (|grad D(x)| - 1)^2 at random points between real and fake examples."""
    mix = torch.rand((real.shape[0],) + (1,) * (real.dim() - 1), device=real.device, dtype=real.dtype)
    between = (mix * real + (1 - mix) * fake).requires_grad_(True)
    gradient = _input_gradient(_logits(discriminator(between)), between)
    return (gradient.norm(2, dim=1) - 1.0).pow(2).mean()


def check_finite(stats: dict[str, torch.Tensor], world: World, step: int, kept: Path) -> None:
    """Stop on a NaN/inf loss (on any replica) at `step` before anything of it is written; the
    message names the last good checkpoint, `kept`."""
    names = list(stats)
    values = average_values(torch.stack([stats[name].float() for name in names]), world)
    finite = torch.isfinite(values)
    if not bool(finite.all()):
        name = names[int((~finite).nonzero()[0])]
        raise NonFiniteLossError(f"loss {name!r} became {values[names.index(name)].item()} at step {step}; "
                                 f"stopped, last good checkpoint kept at {kept}")
