"""Everything of a run that changes as it trains, as one dataclass that checkpoints save and restore.

Why one object: exact resume means putting back every piece of it (weights, optimizers, how far
the data and the phases have got); kept as loose attributes of the loop, one was easy to forget.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from midigan.core.schedule import PhaseSchedule


@dataclass
class RunState:
    """The networks, their optimizers, the steps done, the batches drawn and the phase schedule."""

    generator: nn.Module
    discriminator: nn.Module
    generator_ema: nn.Module
    g_optimizer: torch.optim.Optimizer
    d_optimizer: torch.optim.Optimizer
    schedule: PhaseSchedule = field(default_factory=PhaseSchedule)
    step: int = 0
    batches_drawn: int = 0

    MODULES = ("generator", "discriminator", "generator_ema", "g_optimizer", "d_optimizer")

    def to_checkpoint(self) -> dict:
        """The checkpoint entries of this state."""
        return {**{name: getattr(self, name).state_dict() for name in self.MODULES}, "step": self.step,
                "batches_drawn": self.batches_drawn, "schedule": self.schedule.state_dict()}

    def restore(self, checkpoint: dict) -> None:
        """Put back what `to_checkpoint` saved (weights and optimizers are copied onto their device)."""
        for name in self.MODULES:
            getattr(self, name).load_state_dict(checkpoint[name])
        self.step, self.batches_drawn = checkpoint["step"], checkpoint["batches_drawn"]
        self.schedule = PhaseSchedule.from_state(checkpoint["schedule"])

    def take_generators(self, checkpoint: dict) -> None:
        """The generator's and its average's weights of another checkpoint of the run (the best
        pretraining weights, where the adversarial phase starts)."""
        self.generator.load_state_dict(checkpoint["generator"])
        self.generator_ema.load_state_dict(checkpoint["generator_ema"])
