"""How often a melody model draws each duration, matched to its training tunes once training ends.

Why: run free, a melody model trained for minutes on a small folder drifts towards the rhythm it
knows best. Fiddle reels came out with too many eighths (0.72-0.74 of their notes against 0.65-0.67
in the training tunes) and too few sixteenths and triplets, so each tune's rhythm was too even (duration
entropy 0.46-0.52 against 0.63-0.65 real); Aird's jigs in 6/8 had too many quarters instead (0.16
against 0.14). The model's rhythms are right in kind and wrong in proportion, which a score per
duration mends where no temperature can (one folder needs more variety, the other less).

So once training ends, the validation's fresh tunes are drawn and each duration's share of their
notes and rests is compared with its share in the training tunes; half the log of the ratio is
added to that duration's score, and the tunes are drawn again; `ROUNDS` times. Half, because the
shares move together (a sixteenth after a dotted eighth) and the full ratio overshot. Matching the
shares of all notes can still miss each tune's own rhythm: where the training tunes keep their
sixteenths to a few tunes, the scores spread them over all, so only as much of the scores is kept
(`SEEDS`) as brings each tune's duration entropy nearest the training tunes'. The training tunes are
the validation's reference: tunes at least as long as the fresh ones, cut to their length, as the
evaluation reads held-out tunes. The scores are stored with the best checkpoint; `midigan generate`
and the studio add them to the model's own, so `--temperature` scales them too. What it measured, on
the tuning folders and the report folders: docs/melodies.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from midigan.music.melody.encoding import Vocabulary, melody_events, within_vocabulary
from midigan.music.validation import SEED

if TYPE_CHECKING:
    from midigan.music.validation import MusicValidation
    from midigan.song import Song

ROUNDS = 5
#: tunes drawn in each round, four times a validation check's: 128 tunes of 16 bars moved the eighths'
#: share by 0.03 from one draw to the next on the 4/4 tuning folder, as much as the balance was to mend
TUNES_PER_CHECK = 4
#: how much of the fitted scores is kept: as much as brings each tune's rhythm variety nearest the
#: training tunes'. Bach's soprano lines hold their 16ths in a few chorales; the whole scores spread
#: them over every tune (duration entropy per tune 0.79 -> 0.94, training 0.79, held-out 0.71). The
#: variety with none and with all of the scores is read on SEEDS draws each (one draw of 512 tunes
#: moved it by up to 0.03, as much as the scores did on some folders) and the share in between taken
#: where the line through them meets the training tunes', to the nearest quarter
SEEDS = 3
#: validation checks' worth of tunes balancing draws, twice over in the time `midigan train` keeps for it:
#: the untrained generator it is timed on writes about half the notes of a trained one (folk: 40 a tune
#: against 70)
CHECKS_DRAWN = (ROUNDS + 2 * SEEDS + 1) * TUNES_PER_CHECK
CHECKS_TIMED = 2 * CHECKS_DRAWN
DAMPING = 0.5  # the share of each round's log ratio added to the scores
LIMIT = 2.0  # no duration's score moves further than this: a duration the model never draws stays rare
#: the least share a duration is given on either side: the same floor for the training tunes' few hundred
#: notes and the fresh tunes' many thousand (adding one to each count raised a rare duration's target more)
FLOOR = 1e-3
ARTIFACT = "duration_bias"


@dataclass
class Balanced:
    """What balancing found: the scores stored, and the figures the log line gives."""

    scores: torch.Tensor
    scale: float  # the share of the fitted scores kept, in quarters
    target: np.ndarray  # each duration's share in the training tunes
    before: np.ndarray  # in the fresh tunes, without scores
    after: np.ndarray  # with the scores kept
    variety: tuple[float, float, float]  # each tune's duration entropy, mean: training, before, after


def duration_classes(song: Song, vocabulary: Vocabulary) -> np.ndarray:
    """The duration class of each of the song's melody notes and rests, rare lengths written as
    the training windows write them; a tune whose lengths cannot be (a length no known durations
    fill) keeps only those in the vocabulary."""
    classes = {length: index for index, length in enumerate(vocabulary.durations)}
    events = melody_events(song, vocabulary.bar_length)
    lengths = (within_vocabulary(events, vocabulary) or events).duration.tolist()
    return np.array([classes[length] for length in lengths if length in classes], np.int64)


@dataclass
class TuneDurations:
    """Each tune's duration classes, read once: the shares and the variety are both counted from them
    (reading a tune's melody is what costs)."""

    classes: list[np.ndarray]
    n_durations: int

    @classmethod
    def of(cls, songs: list[Song], vocabulary: Vocabulary) -> TuneDurations:
        return cls([duration_classes(song, vocabulary) for song in songs], vocabulary.n_durations)

    def shares(self) -> np.ndarray:
        """Each duration class's share of the tunes' melody notes and rests, at least about FLOOR (so
        that no share is zero, whatever the number of notes)."""
        counts = np.zeros(self.n_durations)
        for classes in self.classes:
            np.add.at(counts, classes, 1)
        return (counts / max(counts.sum(), 1) + FLOOR) / (1 + FLOOR * len(counts))

    def variety(self) -> float:
        """Each tune's duration entropy (nats, over its notes and rests), mean over the tunes."""
        entropies = []
        for classes in self.classes:
            counts = np.bincount(classes, minlength=self.n_durations)
            shares = counts[counts > 0] / max(counts.sum(), 1)
            entropies.append(float(-(shares * np.log(shares)).sum()))
        return float(np.mean(entropies)) if entropies else 0.0


def duration_shares(songs: list[Song], vocabulary: Vocabulary) -> np.ndarray:
    """Each duration class's share of the songs' melody notes and rests (`TuneDurations.shares`)."""
    return TuneDurations.of(songs, vocabulary).shares()


def balance_durations(validation: MusicValidation, generator: torch.nn.Module) -> Balanced:
    """Fit the scores on the shares of all notes, then keep as much of them as brings each tune's
    rhythm variety nearest the training tunes' (see SEEDS). Each round draws other tunes (scores
    fitted to one draw would fit its chance too)."""
    vocabulary = validation.family.vocabulary
    reference = TuneDurations.of(validation.reference, vocabulary)
    target, wanted = reference.shares(), reference.variety()
    scores, tunes = torch.zeros(vocabulary.n_durations), TUNES_PER_CHECK * validation.samples

    def drawn(seed: int, share: float) -> list[Song]:
        return validation.fresh_pieces(generator, seed, tunes, duration_bias=share * scores)

    with torch.no_grad():
        for round_ in range(ROUNDS):
            scores = (scores + DAMPING * torch.from_numpy(np.log(target / duration_shares(drawn(SEED + round_, 1.0), vocabulary))).float()
                      ).clamp(-LIMIT, LIMIT)
        seeds = range(SEED + ROUNDS, SEED + ROUNDS + SEEDS)
        none, whole = (TuneDurations.of([piece for seed in seeds for piece in drawn(seed, share)], vocabulary) for share in (0.0, 1.0))
        low, high = none.variety(), whole.variety()
        scale = float(np.clip(np.round(4 * (wanted - low) / (high - low)) / 4, 0, 1)) if high != low else 0.0
        kept = none if scale == 0 else whole if scale == 1 else TuneDurations.of(drawn(SEED + ROUNDS + SEEDS, scale), vocabulary)
    return Balanced(scale * scores, scale, target, none.shares(), kept.shares(), (wanted, low, kept.variety()))


def calibrate_durations(path: str | Path, validation: MusicValidation) -> str:
    """Balance the durations of the generator in checkpoint `path`, store the scores there, and say
    so in one line (the three durations whose share moved most)."""
    from midigan.core.checkpoint import add_artifacts
    from midigan.music.catalogue import load_music_model

    balanced = balance_durations(validation, load_music_model(path).generator)
    add_artifacts(path, {ARTIFACT: balanced.scores})
    wanted, before, after = balanced.variety
    if balanced.scale == 0:
        return (f"durations left as the model draws them: each tune's duration entropy ({before:.2f}) lies nearest the"
                f" training tunes' ({wanted:.2f}) so")
    vocabulary = validation.family.vocabulary
    moved = sorted(np.argsort(-np.abs(balanced.after - balanced.before))[:3])
    shares = ", ".join(f"{duration_name(vocabulary.durations[i], vocabulary.steps_per_beat)} {balanced.before[i]:.2f}"
                       f" -> {balanced.after[i]:.2f} (training {balanced.target[i]:.2f})" for i in moved)
    return (f"durations drawn nearer the training tunes' shares ({balanced.scale:.0%} of the way): {shares};"
            f" each tune's duration entropy {before:.2f} -> {after:.2f} (training {wanted:.2f})")


def duration_name(steps: int, steps_per_quarter: int) -> str:
    """"8th", "dotted quarter", "triplet 8th" ...; else the length in quarter notes."""
    quarters = Fraction(steps, steps_per_quarter)
    return _NAMES.get(quarters, f"{float(quarters):.3g} quarters")


_NAMES = {Fraction(1, 4): "16th", Fraction(1, 3): "triplet 8th", Fraction(3, 8): "dotted 16th", Fraction(1, 2): "8th",
          Fraction(2, 3): "triplet quarter", Fraction(3, 4): "dotted 8th", Fraction(1): "quarter", Fraction(3, 2): "dotted quarter",
          Fraction(2): "half", Fraction(3): "dotted half", Fraction(4): "whole"}
