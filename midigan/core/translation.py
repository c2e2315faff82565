"""What unpaired translation (CycleGAN) adds to a family: two generators and two discriminators
presented to the engine as one of each, and the cycle-consistency and identity losses.

The layout contract: a real batch is domain A's examples followed by domain B's; the generator
pair maps it to B->A translations followed by A->B translations (row i of a fake batch belongs to
the domain of row i of a real batch); the discriminator pair judges the first half with D_A and the
second with D_B. The engine trains the pair as it trains any generator and discriminator.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

#: distance(translator output, the input it should give back) -> a scalar loss
Distance = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


class TranslatorPair(nn.Module):
    """[A; B] -> [B->A; A->B]: each half becomes the other domain, rows keep their domain slot."""

    def __init__(self, a_to_b: nn.Module, b_to_a: nn.Module):
        super().__init__()
        self.a_to_b, self.b_to_a = a_to_b, b_to_a

    def forward(self, pair: torch.Tensor) -> torch.Tensor:
        a, b = pair.chunk(2)
        return torch.cat([self.b_to_a(b), self.a_to_b(a)])


class DiscriminatorPair(nn.Module):
    """[A-like; B-like] -> D_A's logits then D_B's, flattened (the losses average over them, so a
    discriminator may answer once per example or once per patch)."""

    def __init__(self, judge_a: nn.Module, judge_b: nn.Module):
        super().__init__()
        self.judge_a, self.judge_b = judge_a, judge_b

    def forward(self, pair: torch.Tensor) -> torch.Tensor:
        a, b = pair.chunk(2)
        return torch.cat([self.judge_a(a).flatten(), self.judge_b(b).flatten()])


def cycle_and_identity_loss(
    generator: TranslatorPair, real: torch.Tensor, fake: torch.Tensor, distance: Distance,
    cycle_weight: float, identity_weight: float,
) -> torch.Tensor:
    """cycle_weight * (d(G_BA(G_AB(a)), a) + d(G_AB(G_BA(b)), b)) + identity_weight * (d(G_AB(b), b)
    + d(G_BA(a), a)). `real` is [a; b] and `fake` the generator's [G_BA(b); G_AB(a)]."""
    a, b = real.chunk(2)
    fake_a, fake_b = fake.chunk(2)
    cycle = distance(generator.b_to_a(fake_b), a) + distance(generator.a_to_b(fake_a), b)
    if not identity_weight:
        return cycle_weight * cycle
    identity = distance(generator.a_to_b(b), b) + distance(generator.b_to_a(a), a)
    return cycle_weight * cycle + identity_weight * identity
