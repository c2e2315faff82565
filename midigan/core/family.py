"""The interface through which a model family plugs into the engine.

Why an interface: the engine (losses, update schedule, EMA, AMP, checkpoints, logging) must train
tunes and pictures with the same code, so it only ever sees what a family hands it: two modules, a
way to draw noise, and the tensors the discriminator compares. It never inspects them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn


@dataclass(frozen=True)
class Stage:
    """Where a family whose networks change during training (progressive growing) stands.

    `index` counts network configurations (e.g. resolutions); the engine restarts both optimizers
    when it changes. `blend` (0 to 1) is how far the newest part is faded in; `name` is for people.
    """

    index: int
    blend: float = 1.0
    name: str = ""


class GANFamily(ABC):
    """A generator/discriminator pair and the data conventions between them.

    Contract with the engine:
    - `real_input(batch)` and `fake_input(generator(generator_input(batch, ...)))` give tensors of
      the same shape and dtype; the discriminator maps such a tensor to one logit per example,
      shape `(batch,)` or `(batch, 1)` (or to a flat tensor of several per example, e.g. one per
      image patch: the losses average over whatever it returns). WGAN-GP and R1 differentiate
      through these tensors. A batch is a tensor of examples, or a tuple of them when the trainer
      was given a tuple of data tensors (e.g. two collections for translation).
    - `config()` is JSON-able and is enough, with `from_config`, to rebuild the family (including
      its data encoding) from a checkpoint: generation needs nothing else.
    """

    #: Stable identifier stored in checkpoints; loaders refuse checkpoints of another family.
    name: str = "family"
    #: Convolutional families train faster in channels_last memory format on CUDA and CPU.
    channels_last: bool = False

    @abstractmethod
    def build_generator(self) -> nn.Module:
        """A fresh generator; `generator(noise)` returns a batch of fakes."""

    @abstractmethod
    def build_discriminator(self) -> nn.Module:
        """A fresh discriminator returning one logit per example."""

    @abstractmethod
    def sample_noise(self, n: int, device: torch.device, generator: torch.Generator | None = None) -> torch.Tensor:
        """`n` latent vectors; `generator` makes the draw reproducible (fixed sample noise)."""

    @abstractmethod
    def config(self) -> dict[str, Any]:
        """JSON-able settings that rebuild this family with `from_config`."""

    @classmethod
    @abstractmethod
    def from_config(cls, config: dict[str, Any]) -> GANFamily:
        """Rebuild the family saved by `config()`."""

    def generator_input(
        self, batch: Any, n: int, device: torch.device, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """What the generator is given at a step with this real batch: `n` noise vectors by default;
        a translation family (CycleGAN) gives the real batch itself."""
        return self.sample_noise(n, device, generator=generator)

    def samples(self, generator: nn.Module, fixed_input: torch.Tensor) -> torch.Tensor:
        """What the sample files show for the fixed input: the generator's output by default (a
        translation family adds the inputs and their round trips)."""
        return generator(fixed_input)

    def real_input(self, batch: torch.Tensor) -> torch.Tensor:
        """A batch of training data (already on the device) as the discriminator sees it."""
        return batch

    def fake_input(self, fake: torch.Tensor) -> torch.Tensor:
        """The generator's output as the discriminator sees it (e.g. relaxed one-hot)."""
        return fake

    def pretrain_loss(self, generator: nn.Module, batch: torch.Tensor) -> torch.Tensor:
        """Supervised warm-up loss for the generator (e.g. maximum likelihood), used for the
        first `TrainConfig.pretrain_steps` steps. Families without one leave pretrain_steps at 0."""
        raise NotImplementedError(f"{self.name} has no generator pre-training")

    def generator_aux_loss(
        self, generator: nn.Module, discriminator: nn.Module, fake_input: torch.Tensor, batch: torch.Tensor
    ) -> torch.Tensor | None:
        """An extra generator loss added to the adversarial one, None for none. `fake_input` is what
        the discriminator just judged; `batch` the raw real batch of the same step, so a family can
        match discriminator features or keep a likelihood anchor on real data."""
        return None

    def set_augment_probability(self, discriminator: nn.Module, probability: float) -> None:
        """Augment what `discriminator` sees, real and fake alike, with this probability per example
        (the engine's adaptive augmentation moves it; see midigan.core.adaptive)."""
        raise NotImplementedError(f"{self.name} has no augmentation to adapt")

    def stage_at(self, examples_shown: int) -> Stage | None:
        """The networks' stage once this many real examples have been shown to the discriminator;
        None (the default) for networks that never change. A function of the count alone, so a
        resumed run passes every stage change at the same step as an uninterrupted one."""
        return None

    def enter_stage(self, stage: Stage, *modules: nn.Module) -> None:
        """Put the generator, discriminator and EMA generator in `stage` (called before every step
        while `stage_at` gives stages); `real_input` follows it too."""
        raise NotImplementedError(f"{self.name} has no stages")

    def write_samples(self, fake: torch.Tensor, out_stem: Path) -> None:  # noqa: B027 (optional: writing nothing is the default)
        """Write samples made from the fixed noise (generator in eval mode) as files named
        `out_stem` + suffix, e.g. a PNG grid or MIDI files. Default: write nothing."""
