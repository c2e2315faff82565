"""How often a melody model draws each duration, matched to its training tunes once training ends.

Why: run free, a melody model trained for minutes on a small folder drifts towards the rhythm it
knows best. Fiddle reels came out with too many eighths (0.72 of their notes against 0.64 in the
training tunes) and too few sixteenths and triplets, so each tune's rhythm was too even (duration
entropy 0.46-0.52 against 0.63-0.65 real); Aird's jigs in 6/8 had too many quarters instead (0.16
against 0.14). The model's rhythms are right in kind and wrong in proportion, which a score per
duration mends where no temperature can (one folder needs more variety, the other less).

So once training ends, the validation's fresh tunes are drawn and each duration's share of their
notes and rests is compared with its share in the training tunes; half the log of the ratio is
added to that duration's score, and the tunes are drawn again; `ROUNDS` times. Half, because the
shares move together (a sixteenth after a dotted eighth) and the full ratio overshot. The scores
are stored with the best checkpoint; `midigan generate` and the studio add them. Chosen on Aird's
Airs (the tuning folders): 4/4 duration entropy 0.85 -> 0.97 (real 0.97), Fréchet distance 3.69
-> 2.89, two-sample accuracy 0.625 -> 0.558, one trained run scored once (docs/melodies.md).
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from midigan.music.melody.encoding import Vocabulary, melody_events
from midigan.music.validation import SEED

if TYPE_CHECKING:
    from midigan.music.validation import MusicValidation
    from midigan.song import Song

ROUNDS = 5
#: tunes drawn in each round, four times a validation check's: 128 tunes of 16 bars moved the eighths'
#: share by 0.03 from one draw to the next on the 4/4 tuning folder, as much as the balance was to mend
TUNES_PER_CHECK = 4
CHECKS_DRAWN = (ROUNDS + 1) * TUNES_PER_CHECK  # how many validation checks' worth of tunes balancing draws
DAMPING = 0.5  # the share of each round's log ratio added to the scores
LIMIT = 2.0  # no duration's score moves further than this: a duration the model never draws stays rare
ARTIFACT = "duration_bias"


def duration_shares(songs: list[Song], vocabulary: Vocabulary) -> np.ndarray:
    """Each duration class's share of the songs' melody notes and rests (add-one smoothed, so that
    no share is zero); lengths outside the vocabulary (a tune cut mid-note) are not counted."""
    classes = {length: index for index, length in enumerate(vocabulary.durations)}
    counts = np.ones(vocabulary.n_durations)
    for song in songs:
        for length in melody_events(song, vocabulary.bar_length).duration.tolist():
            if length in classes:
                counts[classes[length]] += 1
    return counts / counts.sum()


def balance_durations(validation: MusicValidation, generator: torch.nn.Module) -> tuple[torch.Tensor, np.ndarray, np.ndarray, np.ndarray]:
    """(the duration scores; the shares of the training tunes, of the fresh tunes before, and of
    the fresh tunes drawn with the scores). Each round draws other tunes (scores fitted to one
    draw would fit its chance too)."""
    vocabulary = validation.family.vocabulary
    target = duration_shares(validation.reference, vocabulary)
    bias = torch.zeros(vocabulary.n_durations)
    drawn = []
    with torch.no_grad():
        for round_ in range(ROUNDS + 1):
            pieces = validation.fresh_pieces(generator, SEED + round_, TUNES_PER_CHECK * validation.samples, duration_bias=bias)
            drawn.append(duration_shares(pieces, vocabulary))
            if round_ < ROUNDS:
                bias = (bias + DAMPING * torch.from_numpy(np.log(target / drawn[-1])).float()).clamp(-LIMIT, LIMIT)
    return bias, target, drawn[0], drawn[-1]


def calibrate_durations(path: str | Path, validation: MusicValidation) -> str:
    """Balance the durations of the generator in checkpoint `path`, store the scores there, and say
    so in one line (the three durations whose share moved most)."""
    from midigan.core.checkpoint import add_artifacts
    from midigan.music.catalogue import load_music_model

    bias, target, before, after = balance_durations(validation, load_music_model(path).generator)
    add_artifacts(path, {ARTIFACT: bias})
    vocabulary = validation.family.vocabulary
    moved = sorted(np.argsort(-np.abs(after - before))[:3])
    shares = ", ".join(f"{duration_name(vocabulary.durations[i], vocabulary.steps_per_beat)} {before[i]:.2f} -> {after[i]:.2f}"
                       f" (training {target[i]:.2f})" for i in moved)
    return f"durations drawn as often as in the training tunes, share of notes and rests: {shares}"


def duration_name(steps: int, steps_per_quarter: int) -> str:
    """"8th", "dotted quarter", "triplet 8th" ...; else the length in quarter notes."""
    quarters = Fraction(steps, steps_per_quarter)
    return _NAMES.get(quarters, f"{float(quarters):.3g} quarters")


_NAMES = {Fraction(1, 4): "16th", Fraction(1, 3): "triplet 8th", Fraction(3, 8): "dotted 16th", Fraction(1, 2): "8th",
          Fraction(2, 3): "triplet quarter", Fraction(3, 4): "dotted 8th", Fraction(1): "quarter", Fraction(3, 2): "dotted quarter",
          Fraction(2): "half", Fraction(3): "dotted half", Fraction(4): "whole"}
