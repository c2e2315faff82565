"""Held-out checks during training: what picks `best.pt` and ends a phase that stopped improving.

Why an interface: only a model family's own domain knows what "better on data it never trained
on" means (held-out likelihood, copying of the training set, a quality distance), while the rule
that acts on it (keep the best, stop after `patience` checks without progress, start the next
phase from the best weights) is the same for every family and lives in the engine.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from torch import nn

SCORE = "score"


class Validation(ABC):
    """Called every `TrainConfig.eval_every` steps, and once when the adversarial phase starts."""

    @abstractmethod
    def __call__(self, generator: nn.Module, phase: str) -> dict[str, float]:
        """Metrics of `generator` (the EMA generator, in eval mode, gradients off) for `phase`
        ("pretrain" or "adversarial"). They must include `score`: lower is better, and scores are
        compared within one phase only, so each phase may judge by its own measure.

        Runs on every process of a distributed run and must give the same numbers on each (the
        generators are identical): draw only from generators seeded here."""
