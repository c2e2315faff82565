"""How a music model is judged on what it did not train on, for any music family.

- Fresh pieces, written as `midigan generate` writes them, scored by the Fréchet distance of their
  music metrics to the training pieces', plus a penalty for copying more than real music does (the
  held-out tunes' own share of phrases found in the training tunes, plus 0.02). A model that
  copies scores well on the distance alone, which is why the penalty is there. This judges the
  adversarial phase, for which the likelihood does not measure what the phase is for, and a
  melody model's pretraining too (`pieces_judge_pretraining`).
- The likelihood of the held-out tunes (their mean loss per note), the classic signal for stopping:
  it falls while the model learns the style and rises once it learns the training tunes by heart.
  It judges the pretraining of models of parts. On the two 40-tune folders the defaults are tuned
  on, whose 4 held-out tunes are all it has to go on, it was best after 300 and 600 steps, when the
  model still wrote leaping, wandering lines; the pieces' score chose steps 1,100 and 700, whose
  tunes were told from held-out real ones less often (two-sample 0.78 against 0.87, 0.77 against
  0.81; the same on the 150-tune folders).

Both are logged wherever the pieces judge, with the copy rate of the fresh pieces, so a run's
metrics show memorising as it starts. A model of parts writes no pieces while the likelihood judges
it: a check writing 128 pieces of six parts cost as much as dozens of training steps, and the
held-out likelihood shows memorising by rising.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import nn

from midigan.core.validation import SCORE, Validation
from midigan.metrics.copying import Keys, copy_rate, phrase_keys
from midigan.metrics.distance import frechet_distance
from midigan.metrics.tune import tune_features

if TYPE_CHECKING:
    from midigan.music.form import Forms
    from midigan.music.keys import HomeKeys
    from midigan.song import Song

COPY_MARGIN = 0.02  # copying this much more than real music does is still fine
#: Distance added per unit of copy rate beyond the margin: a limit, not a price. At 20, a run on
#: a 40-tune folder the defaults are tuned on chose weights copying 4.1% of their phrases (the
#: held-out tunes: 0.0%) for a distance 0.65 lower.
COPY_PENALTY = 1000.0
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
        pieces_judge_pretraining: bool = False,
        home_keys: HomeKeys | None = None,
    ):
        """`windows`: the held-out tunes encoded as training data; `reference`: real pieces of
        `bars` bars the fresh pieces are compared with; `real_copy_rate`: the held-out tunes'
        copy rate against `training_phrases`; `keys` and `features`: how phrases and a piece's
        metrics are read (melody phrases and tune metrics unless the family writes parts);
        `pieces_judge_pretraining`: the fresh pieces' score, not the likelihood, judges pretraining;
        `home_keys`: the keys fresh pieces are written in (as `midigan generate` writes them)."""
        self.family, self.windows = family, windows
        self.training_phrases, self.real_copy_rate = training_phrases, real_copy_rate
        self.keys, self.features = keys, features
        self.reference = reference
        self.reference_features = np.array([features(song) for song in reference])
        self.bars, self.forms, self.samples, self.batch_size = bars, forms, samples, batch_size
        self.pieces_judge_pretraining, self.home_keys = pieces_judge_pretraining, home_keys

    def __call__(self, generator: nn.Module, phase: str) -> dict[str, float]:
        torch.manual_seed(SEED)  # the likelihood's noise: the same at every check
        device = next(generator.parameters()).device
        losses = [
            self.family.pretrain_loss(generator, self.windows[start:start + self.batch_size].to(device)).item()
            * len(self.windows[start:start + self.batch_size])
            for start in range(0, len(self.windows), self.batch_size)
        ]
        nll = sum(losses) / len(self.windows)
        if phase == "pretrain" and not self.pieces_judge_pretraining:
            return {"val_nll": nll, SCORE: nll}
        pieces = self.fresh_pieces(generator)
        copied = copy_rate(pieces, self.training_phrases, keys=self.keys)
        distance = self.distance(pieces)
        quality = distance + COPY_PENALTY * max(0.0, copied - self.real_copy_rate - COPY_MARGIN)
        judged_by_pieces = phase != "pretrain" or self.pieces_judge_pretraining
        return {"val_nll": nll, "copy": copied, "fd": distance, SCORE: quality if judged_by_pieces else nll}

    def fresh_pieces(self, generator: nn.Module, seed: int = SEED, samples: int | None = None,
                     **options: float | torch.Tensor) -> list[Song]:
        """The pieces every check writes (the same seed each time; `samples` of them, by default the
        check's own number), with generation `options`."""
        return self.family.generate(generator, self.bars, samples or self.samples, seed=seed, forms=self.forms,
                                    home_keys=self.home_keys, **options)

    def distance(self, pieces: list[Song]) -> float:
        """Fréchet distance of the pieces' music metrics to the training pieces'."""
        return frechet_distance(np.array([self.features(piece) for piece in pieces]), self.reference_features)
