"""Augmentation that adapts by itself: StyleGAN2-ADA's overfitting heuristic (Karras et al. 2020).

Why in the engine: how hard a discriminator overfits is read from its logits on real data alone,
r_t = E[sign(D(real))]; a discriminator that has memorised its training set is sure of every
real example (r_t near 1), one that generalises is not. The engine measures r_t and moves the
probability p with which the family augments what D sees (real and fake alike) so that r_t stays
at a target: up when D is too sure, down when it is not. Which augmentations, and how they are
applied with probability p, is the family's business (`GANFamily.set_augment_probability`).
"""

from __future__ import annotations

import torch

DEFAULT_TARGET = 0.6  # the paper's target for r_t
DEFAULT_IMAGES_TO_FULL = 20_000  # p can move from 0 to 1 in this many real examples shown to D
DEFAULT_INTERVAL = 4  # D updates between adjustments


class AdaptiveAugment:
    """The probability p and the running measurement of r_t that moves it.

    Every `interval` D updates, p moves by sign(r_t - target) * examples / images_to_full, kept
    within [0, 1], where examples is the number of real examples D saw in those updates. The paper
    lets p cross its full range in 500k images for runs of 25M; runs here are far shorter: on the
    digits in 10 CPU minutes (about 600k images), 20k put the fixed judge's distance at 2.2x the
    floor where 100k left it at 5.6x (benchmarks/digits_defaults.py).
    """

    def __init__(self, target: float = DEFAULT_TARGET, images_to_full: int = DEFAULT_IMAGES_TO_FULL,
                 interval: int = DEFAULT_INTERVAL):
        if not 0.0 < target < 1.0:
            raise ValueError(f"the augmentation target for E[sign(D(real))] must be between 0 and 1, not {target}")
        self.target, self.images_to_full, self.interval = target, images_to_full, interval
        self.p = 0.0
        self.r_t = 0.0  # the last measured value, for the log
        self._signs: list[torch.Tensor] = []  # kept as tensors: one device sync per adjustment, not per step
        self._examples = 0

    def observe(self, real_sign: torch.Tensor, examples: int) -> bool:
        """Record one D update's mean sign of D(real) over `examples` real examples; True when p moved."""
        self._signs.append(real_sign.detach().float())
        self._examples += examples
        if len(self._signs) < self.interval:
            return False
        device = self._signs[-1].device  # a resumed run's pending values come back on the CPU
        self.r_t = float(torch.stack([sign.to(device) for sign in self._signs]).mean())
        step = self._examples / self.images_to_full
        self.p = min(1.0, max(0.0, self.p + step * (1.0 if self.r_t > self.target else -1.0)))
        self._signs, self._examples = [], 0
        return True

    def state_dict(self) -> dict:
        """Everything a resumed run needs to continue exactly, pending measurements included."""
        return {"p": self.p, "r_t": self.r_t, "signs": [float(sign) for sign in self._signs], "examples": self._examples}

    def load_state_dict(self, state: dict) -> None:
        self.p, self.r_t, self._examples = float(state["p"]), float(state["r_t"]), int(state["examples"])
        self._signs = [torch.tensor(sign) for sign in state["signs"]]
