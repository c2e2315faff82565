"""Network pieces every music family uses: straight-through choices, Gumbel noise, the step of a
recurrent generator, and the convolutional critic.

Why these: a generator of discrete tokens must hand the discriminator exactly what music is made of
(hard one-hots) while still passing gradients (softmax backward); its randomness is drawn up front
as Gumbel noise so fixed noise gives fixed music. The critic is convolutional, not recurrent,
because cuDNN RNNs cannot be differentiated twice (WGAN-GP, R1).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def straight_through(logits: torch.Tensor) -> torch.Tensor:
    """Hard one-hot of the argmax forward, softmax gradient backward (logits already hold Gumbel noise)."""
    soft = logits.float().softmax(-1)
    hard = F.one_hot(soft.argmax(-1), soft.shape[-1]).to(soft.dtype)
    return hard + soft - soft.detach()


def gumbel_noise(n: int, length: int, choices: int, device: torch.device, generator: torch.Generator | None = None) -> torch.Tensor:
    """Gumbel(0, 1) noise (n, length, choices): added to scores, its argmax is a draw from their softmax."""
    uniform = torch.rand(n, length, choices, device=device, generator=generator)
    return -torch.log(-torch.log(uniform.clamp(1e-9, 1 - 1e-9)))


class StepwiseLSTM(nn.Module):
    """A generator that runs its LSTM (`self.lstm`, with `self.dropout` after it) one step at a time
    when it writes freely or samples, each step's input built from what it chose before."""

    lstm: nn.LSTM
    dropout: nn.Dropout

    def step(self, x: torch.Tensor, state: tuple | None) -> tuple[torch.Tensor, tuple]:
        out, state = self.lstm(x.unsqueeze(1), state)
        return self.dropout(out.squeeze(1)), state


class SequenceCritic(nn.Module):
    """Dilated 1-D convolutions over token one-hots, pooled over time into one logit."""

    def __init__(self, features: int, width: int):
        super().__init__()
        layers, channels = [], features
        for dilation in (1, 2, 4, 8):
            layers += [nn.Conv1d(channels, width, kernel_size=3, padding=dilation, dilation=dilation), nn.LeakyReLU(0.2)]
            channels = width
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(2 * width, 1)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Mean and max over time of the last conv layer: what feature matching compares."""
        h = self.body(x.transpose(1, 2))
        return torch.cat([h.mean(-1), h.amax(-1)], dim=-1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x)).squeeze(-1)
