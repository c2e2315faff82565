"""A melody generator started from another one's weights: the vocabulary, the meter and the length mapped.

Why a map and not a copy: a folder's vocabulary is its own (pitch range, durations, meter), so the
rows of every table indexed by a token (embeddings, output heads, interval scores) are carried over
token by token: the same pitch, the same duration, the same interval, the same place in the bar.
Tokens the source never wrote start as a fresh model's do, and the run says how many. The LSTM and
the layers between (what the source learnt about tunes) are copied whole.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from midigan.music.errors import EncodingError
from midigan.music.meters import meter_text

if TYPE_CHECKING:
    from midigan.music.family import MusicFamily
    from midigan.music.melody.encoding import Vocabulary

#: what must agree between the source's model and the new one for the weights to fit
SHAPE_SETTINGS = ("hidden", "layers", "embed", "noise_dim", "interval_scores", "position_durations")


def adapt_weights(source: MusicFamily, weights: dict[str, torch.Tensor], target: MusicFamily,
                  fresh: dict[str, torch.Tensor]) -> tuple[dict[str, torch.Tensor], str]:
    """The target generator's weights: `fresh` (a new generator's) with every row the source's
    `weights` hold for the same token, and one line on what could not be carried over."""
    differing = [name for name in SHAPE_SETTINGS if getattr(source, name) != getattr(target, name)]
    if differing:
        raise EncodingError(f"the starting model's {', '.join(differing)} differ from this run's: start it without --from")
    old, new = source.vocabulary, target.vocabulary
    pitch_map = _pitch_map(old, new)
    duration_map = _duration_map(old, new)
    position_map, meter_note = _position_map(old, new)
    adapted = dict(fresh)
    for name, value in weights.items():
        if name.startswith("pitch_embedding"):
            adapted[name] = _rows(value, fresh[name], [*pitch_map, old.n_pitches])  # START stays START
        elif name.startswith("pitch_head"):
            adapted[name] = _rows(value, fresh[name], pitch_map)
        elif name == "duration_embedding" or name.startswith("duration_head.2"):
            adapted[name] = _rows(value, fresh[name], duration_map)
        elif name == "position_embedding":
            adapted[name] = _rows(value, fresh[name], position_map)
        elif name == "interval_score":
            adapted[name] = _rows(value, fresh[name], _interval_map(old, new))
        else:
            if value.shape != fresh[name].shape:
                raise EncodingError(f"the starting model's {name} does not fit this run's model: start it without --from")
            adapted[name] = value.clone()
    new_pitches = sum(index < 0 for index in pitch_map)
    new_durations = sum(index < 0 for index in duration_map)
    learnt = [f"{new_pitches} pitch{'es' if new_pitches != 1 else ''}" if new_pitches else "",
              f"{new_durations} duration{'s' if new_durations != 1 else ''}" if new_durations else "", meter_note]
    afresh = [part for part in learnt if part]
    return adapted, "learnt afresh: " + ", ".join(afresh) if afresh else "every token mapped"


def _rows(source: torch.Tensor, fresh: torch.Tensor, index: list[int]) -> torch.Tensor:
    """`fresh` with row i replaced by the source's row index[i] wherever that is not -1."""
    out = fresh.clone()
    for row, found in enumerate(index):
        if found >= 0:
            out[row] = source[found]
    return out


def _pitch_map(old: Vocabulary, new: Vocabulary) -> list[int]:
    """For each of the new pitch tokens (rest first), the old token of the same pitch, or -1."""
    tokens = [0]
    for pitch in range(new.pitch_low, new.pitch_high + 1):
        tokens.append(pitch - old.pitch_low + 1 if old.pitch_low <= pitch <= old.pitch_high else -1)
    return tokens


def _duration_map(old: Vocabulary, new: Vocabulary) -> list[int]:
    """For each new duration class, the old class of the same length in beats, or -1."""
    beats = {length / old.steps_per_beat: i for i, length in enumerate(old.durations)}
    return [beats.get(length / new.steps_per_beat, -1) for length in new.durations]


def _interval_map(old: Vocabulary, new: Vocabulary) -> list[int]:
    """For each new interval score (interval -span+1 .. span-1), the old one for the same interval;
    intervals wider than any the source knew take its widest one's score in that direction."""
    old_span, new_span = old.n_pitches - 1, new.n_pitches - 1
    return [min(max(i - (new_span - 1), -(old_span - 1)), old_span - 1) + old_span - 1 for i in range(2 * new_span - 1)]


def _position_map(old: Vocabulary, new: Vocabulary) -> tuple[list[int], str]:
    """For each step of the new bar, the old bar's step it stands for, and a note when there is none.

    Bars of the same length (4/4 and 2/2), and bars of the same simple beats (2/4 and 3/4 are the
    opening two and three beats of a 4/4 bar) map step for step; a bar of other beats (6/8 from 4/4)
    learns its positions afresh."""
    same_beats = old.meter[1] == new.meter[1] and not _compound(old) and not _compound(new)
    if old.steps_per_beat != new.steps_per_beat or not (old.bar_length == new.bar_length or same_beats):
        return [-1] * new.bar_length, f"the places in a {meter_text(new.meter)} bar (the model knows {meter_text(old.meter)})"
    steps = [step if step < old.bar_length else -1 for step in range(new.bar_length)]
    fresh = f"the places after beat {old.bar_length // old.steps_per_beat} of a {meter_text(new.meter)} bar" if -1 in steps else ""
    return steps, fresh


def _compound(vocabulary: Vocabulary) -> bool:
    """6/8, 9/8, 12/8: beats of three eighths."""
    beats, unit = vocabulary.meter
    return unit == 8 and beats % 3 == 0
