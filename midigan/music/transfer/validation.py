"""What picks a translation run's `best.pt`: how well its translators translate tunes they never
trained on.

Three figures, both ways (A into B and B into A), on tunes held out of training:
- target-likeness: the mean probability that a classifier trained on the two collections' training
  tunes (logistic regression on key-free pitch-class and interval statistics, `pitch_language`)
  puts a translation on the target side;
- the round trip's note accuracy: the share of notes whose pitch comes back after A -> B -> A;
- the contour: the correlation of each translation's pitches with its input's, note for note
  (a round trip comes back as well from a tune turned upside down, which no listener would call
  the same tune).
The score is 1 - likeness x round trip x contour (the mean of the two directions; a negative
contour counts as 0; lower is better): a translation is worth keeping when it sounds like the
target collection and is still its tune. The identity map scores about 1 - 0.05, a translator that
forgot its input about 1. The last step is not the best one: the translators drift in the
adversarial game, and learning rates fall to zero by the end.

Logged beside them, not scored: `way_to_B` / `way_to_A`, the share of the held-out inputs' distance
to the target's training tunes (mean key-free pitch-class histograms) that their translations cover,
the figure issue 28 sets a target for (`benchmarks/folk_transfer.py`'s "way"). Held-out sets are
small, so it is noisy (between two diatonic collections the distance is about that of two samples
of one); it shows how a run moves, not which step is best.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from midigan.core.validation import SCORE, Validation
from midigan.metrics.transfer import (
    FRAME,
    contour_correlation,
    histogram_distance,
    pitch_language,
    side_classifier,
    tonal_centre,
    way_covered,
)
from midigan.music.transfer.encoding import PITCHES, EncodedTune, as_features, decode_pitches

SIDES = ("A", "B")


class TranslationValidation(Validation):
    """Judges a TranslatorPair on held-out tunes of both sides (see the module docstring)."""

    def __init__(self, held_out: dict[str, list[EncodedTune]], training: dict[str, list[EncodedTune]], frame: str = FRAME):
        self.held_out, self.frame = held_out, frame
        languages = {side: np.stack([pitch_language(t.melody, frame) for t in training[side]]) for side in SIDES}
        self.probability_b = side_classifier(languages["A"], languages["B"])
        self.classes = {side: languages[side][:, :12] for side in SIDES}
        # how far the held-out inputs lie from the other side's training tunes: the way's denominator, fixed for the run
        self.apart = {source: histogram_distance([pitch_language(t.melody, frame)[:12] for t in held_out[source]], self.classes[target])
                      for source, target in (("A", "B"), ("B", "A"))}

    def __call__(self, generator: nn.Module, phase: str) -> dict[str, float]:
        metrics: dict[str, float] = {}
        scores = []
        for source, target in (("A", "B"), ("B", "A")):
            likeness, kept, contour, classes = [], [], [], []
            for tune in self.held_out[source]:
                translated, returned = round_trip(generator, tune, target)
                melody = decode_pitches(translated, tune)
                language = pitch_language(melody, self.frame, tonal_centre(tune.melody, self.frame))  # in its input's key
                classes.append(language[:12])
                probability_b = float(self.probability_b(language[None])[0])
                likeness.append(probability_b if target == "B" else 1 - probability_b)
                kept.append(notes_kept(returned, tune))
                contour.append(contour_correlation(tune.melody, melody))
            metrics[f"to_{target}"], metrics[f"round_trip_{source}"] = float(np.mean(likeness)), float(np.mean(kept))
            metrics[f"contour_{source}"] = float(np.mean(contour))
            metrics[f"way_to_{target}"] = way_covered(self.apart[source], histogram_distance(classes, self.classes[target]))
            scores.append(metrics[f"to_{target}"] * metrics[f"round_trip_{source}"] * max(metrics[f"contour_{source}"], 0.0))
        metrics[SCORE] = 1.0 - float(np.mean(scores))
        return metrics


@torch.no_grad()
def round_trip(generator: nn.Module, tune: EncodedTune, target: str) -> tuple[torch.Tensor, torch.Tensor]:
    """(the tune's rows translated into `target` ("A" or "B"), the pitch row those translate back to), on the CPU."""
    there, back = (generator.a_to_b, generator.b_to_a) if target == "B" else (generator.b_to_a, generator.a_to_b)
    rows = tune.rows[None].to(next(generator.parameters()).device)
    moved = rows.clone()
    moved[0, 0] = there(as_features(rows))[0, :PITCHES].argmax(dim=0)
    returned = back(as_features(moved))[0, :PITCHES].argmax(dim=0)
    return moved[0].cpu(), returned.cpu()


def notes_kept(returned: torch.Tensor, tune: EncodedTune) -> float:
    """The share of a tune's notes whose pitch came back (`returned`: `round_trip`'s second answer)."""
    return float((returned == tune.rows[0]).float().mean())


def round_trip_accuracy(generator: nn.Module, tunes: list[EncodedTune], target: str) -> float:
    """The round trip's note accuracy as the validation reads it: `notes_kept` per tune, averaged
    over tunes (so a long tune counts as much as a short one)."""
    return float(np.mean([notes_kept(round_trip(generator, tune, target)[1], tune) for tune in tunes])) if tunes else 0.0


def held_out_split(tunes: list[EncodedTune]) -> tuple[list[EncodedTune], list[EncodedTune]]:
    """(training tunes, validation tunes): whole tunes and every version of one on one side, as the
    melody models hold out (`midigan.music.holdout`); none held out from fewer than five tunes."""
    from midigan.music.holdout import split_by_tune

    index = {id(tune.song): tune for tune in tunes}
    training, held = split_by_tune([tune.song for tune in tunes])
    return [index[id(song)] for song in training], [index[id(song)] for song in held]
