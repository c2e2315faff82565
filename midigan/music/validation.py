"""How a music model is judged on what it did not train on, for any music family.

- Pretraining: the likelihood of the held-out tunes (their mean loss per note). It falls while the
  model learns the style and rises once it learns the training tunes by heart: the classic signal
  for stopping, and for choosing the weights the adversarial phase starts from.
- Adversarial phase: the likelihood no longer measures what the phase is for, so fresh pieces are
  written as `midigan generate` writes them and scored by the Fréchet distance of their music
  metrics to the training pieces', plus a penalty for copying more than real music does (the
  held-out tunes' own share of phrases found in the training tunes, plus 0.02). A model that
  copies scores well on the distance alone, which is why the penalty is there.

Both phases log the copy rate of the fresh pieces, so a run's metrics show memorising as it starts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import numpy as np
import torch
from torch import nn

from midigan.core.validation import SCORE, Validation
from midigan.metrics.copying import Keys, copy_rate, phrase_keys
from midigan.metrics.distance import frechet_distance
from midigan.metrics.tune import tune_features

if TYPE_CHECKING:
    from midigan.music.form import Forms
    from midigan.song import Song

COPY_MARGIN = 0.02  # copying this much more than real music does is still fine
COPY_PENALTY = 20.0  # distance added per unit of copy rate beyond the margin
SAMPLES = 128
SEED = 12345


class MusicValidation(Validation):
    """Judges a music family's generator; see the module docstring."""

    def __init__(
        self,
        family,
        windows: torch.Tensor,
        training_phrases: set[bytes],
        real_copy_rate: float,
        reference: list[Song],
        bars: int,
        forms: Forms | None = None,
        samples: int = SAMPLES,
        batch_size: int = 256,
        keys: Keys = phrase_keys,
        features: Callable[[Song], np.ndarray] = tune_features,
    ):
        """`windows`: the held-out tunes encoded as training data; `reference`: real pieces of
        `bars` bars the fresh pieces are compared with; `real_copy_rate`: the held-out tunes'
        copy rate against `training_phrases`; `keys` and `features`: how phrases and a piece's
        metrics are read (melody phrases and tune metrics unless the family writes parts)."""
        self.family, self.windows = family, windows
        self.training_phrases, self.real_copy_rate = training_phrases, real_copy_rate
        self.keys, self.features = keys, features
        self.reference_features = np.array([features(song) for song in reference])
        self.bars, self.forms, self.samples, self.batch_size = bars, forms, samples, batch_size

    def __call__(self, generator: nn.Module, phase: str) -> dict[str, float]:
        torch.manual_seed(SEED)  # the likelihood's noise: the same at every check
        device = next(generator.parameters()).device
        losses = [
            self.family.pretrain_loss(generator, self.windows[start:start + self.batch_size].to(device)).item()
            * len(self.windows[start:start + self.batch_size])
            for start in range(0, len(self.windows), self.batch_size)
        ]
        nll = sum(losses) / len(self.windows)
        pieces = self.fresh_pieces(generator)
        copied = copy_rate(pieces, self.training_phrases, keys=self.keys)
        distance = self.distance(pieces)
        quality = distance + COPY_PENALTY * max(0.0, copied - self.real_copy_rate - COPY_MARGIN)
        return {"val_nll": nll, "copy": copied, "fd": distance, SCORE: nll if phase == "pretrain" else quality}

    def fresh_pieces(self, generator: nn.Module, **options: float) -> list[Song]:
        """The pieces every check writes (the same seed each time), with generation `options`."""
        return self.family.generate(generator, self.bars, self.samples, seed=SEED, forms=self.forms, **options)

    def distance(self, pieces: list[Song]) -> float:
        """Fréchet distance of the pieces' music metrics to the training pieces'."""
        return frechet_distance(np.array([self.features(piece) for piece in pieces]), self.reference_features)
