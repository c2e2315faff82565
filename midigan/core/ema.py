"""Exponential moving average of the generator's weights, used for samples and generation.

Averaging smooths out the generator's oscillation around the equilibrium, which gives visibly
better samples at no training cost.
"""

from __future__ import annotations

import copy

import torch
from torch import nn


def make_ema(generator: nn.Module) -> nn.Module:
    """A frozen copy of the generator to hold the average."""
    ema = copy.deepcopy(generator)
    ema.requires_grad_(False)
    ema.eval()
    return ema


def ema_decay_at(step: int, decay: float) -> float:
    """The decay for the EMA update after G step `step` (1-based), warmed up as (1+t)/(10+t).

    Why the warm-up: with a fixed 0.999 the average would be dominated by the random initial weights
    for the first few thousand steps, which ruins short runs and early samples.
    """
    return min(decay, (1.0 + step) / (10.0 + step))


@torch.no_grad()
def update_ema(ema: nn.Module, generator: nn.Module, decay: float) -> None:
    """ema <- decay * ema + (1 - decay) * generator; buffers (e.g. BatchNorm statistics) are copied."""
    ema_params = [p for p in ema.parameters()]
    params = [p.detach() for p in generator.parameters()]
    if ema_params:
        torch._foreach_lerp_(ema_params, params, 1.0 - decay)
    for ema_buffer, buffer in zip(ema.buffers(), generator.buffers()):
        ema_buffer.copy_(buffer)
