"""Exponential moving average of the generator's weights, used for samples and generation.

Averaging smooths out the generator's oscillation around the equilibrium, which gives visibly
better samples at no training cost.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import torch
from torch import nn


def make_ema(generator: nn.Module) -> nn.Module:
    """A frozen copy of the generator to hold the average."""
    ema = copy.deepcopy(generator)
    for module in ema.modules():
        if isinstance(module, nn.RNNBase):  # a copy's recurrent weights are loose tensors, which cuDNN compacts at every call
            module.flatten_parameters()
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


#: Batches of generator input from which the average's normalisation statistics are re-estimated.
NORM_BATCHES = 50


@torch.no_grad()
def recompute_norm_statistics(
    ema: nn.Module, draw_input: Callable[[torch.Generator], torch.Tensor], device: torch.device, batches: int = NORM_BATCHES
) -> None:
    """Re-estimate the running statistics of `ema`'s normalisation layers (BatchNorm) for its own
    weights, from `batches` inputs drawn by `draw_input(rng)` with a fixed seed; nothing if it has none.

    Why: `update_ema` copies the statistics of the generator being trained, which describe that
    generator's activations, not the average's, and the mismatch shows: by the digits' fixed judge
    the EMA generators of two 10-minute runs scored 1.90x and 4.89x the real digits' distance as
    saved, 1.43x and 2.21x with their statistics re-estimated (as SWA's `update_bn` does). A seeded
    draw of its own leaves the training's random streams alone, so resume stays exact.
    """
    norms = [module for module in ema.modules() if getattr(module, "track_running_stats", False)]
    if not norms:
        return
    momenta = [module.momentum for module in norms]
    for module in norms:
        module.reset_running_stats()
        module.momentum = None  # a plain average over the batches
    rng = torch.Generator(device=device)
    rng.manual_seed(0)
    ema.train()
    for _ in range(batches):
        ema(draw_input(rng))
    ema.eval()
    for module, momentum in zip(norms, momenta):
        module.momentum = momentum
