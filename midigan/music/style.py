"""Style resampling: draw several pieces for each one asked for, keep those a classifier of the
training music's style finds likeliest to be real.

Why: a model trained for ten minutes on a CPU writes pieces whose parts leap and move in parallels
more than the folder's do (mean melodic interval 3.9 semitones in a part of a generated quartet,
2.6 in the quartets), and the few adversarial steps such a budget allows do not fix it. Drawing
more and keeping the pieces that look most like the training music is the classic remedy
(sampling-importance-resampling; the discriminator rejection sampling of Azadi et al., 2019): a
logistic classifier of style features tells the training music's windows from the fresh draws, its
odds p / (1 - p) estimate how much likelier a draw's features are under the real music than under
the model, and pieces are kept at random in proportion to those odds, without replacement. That
corrects the model's distribution where it and the real music overlap; it cannot invent what the
model never writes, and it keeps a draw's randomness (no piece is chosen twice, none by rank alone).

The features are what the issue names as giving pieces away (each part's melodic intervals, leaps,
repeated notes, notes a bar, rests and rhythm; the spacing between neighbouring parts; parallel
fifths and octaves). They are read on the training pieces when a run is planned and stored with
the checkpoint (numbers, not music). Of the evaluation's figures (`midigan.metrics.polyphony`)
they share parallels; the rest it scores (ranges, pitch classes, consonance, polyphony, crossings)
the resampler does not look at.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from midigan.metrics.distance import fit_logistic, reference_scale
from midigan.metrics.polyphony import ranked_parts
from midigan.metrics.tune import bar_edges

if TYPE_CHECKING:
    import torch

    from midigan.song import Song

#: pieces drawn for every one kept, by default (`midigan generate --draws`)
DRAWS = 8
#: the fewest draws the classifier learns the model's side from (a single piece asked for still
#: comes from this many: sampling runs them side by side, at little more cost than one)
MIN_POOL = 64
PART_FEATURES = 7  # mean interval, leaps, repeated notes, notes a bar, sounding share, mean and spread of log durations
LEAP = 5  # semitones: a fourth or more
L2 = 1.0  # the classifier's ridge on standardised features, as the evaluation's
ARTIFACT = "style_reference"
MAX_WINDOWS = 2000  # training windows read at most (a few seconds of planning on a folder of a thousand sections)
GRID_PER_BEAT = 4  # timelines of each part's sounding pitch are read on 16ths


def style_features(song: Song, parts: int) -> np.ndarray:
    """One piece's style: `PART_FEATURES` per part (ranked highest first; missing parts silent),
    the mean spacing of each pair of neighbouring parts, and the share of parallel perfect intervals."""
    notes = [part[~part["is_drum"]] for part in ranked_parts(song)[:parts]]
    notes += [song.notes[:0]] * (parts - len(notes))
    edges = bar_edges(song)
    bars = max(len(edges) - 1, 1)
    hop = max(song.steps_per_beat // GRID_PER_BEAT, 1)
    start, steps = int(edges[0]), max(int(edges[-1] - edges[0]) // hop, 1)
    lines = [_top_line(part) for part in notes]
    timelines = np.array([_timeline(line, start, steps, hop) for line in lines])
    values = [value for line, timeline in zip(lines, timelines) for value in _part_style(line, timeline, bars, song.steps_per_beat)]
    values += [_spacing(upper, lower) for upper, lower in zip(timelines[:-1], timelines[1:])]
    values.append(_parallel_share(timelines))
    return np.array(values, dtype=np.float64)


def _top_line(notes: np.ndarray) -> np.ndarray:
    """The part's highest note at each onset, in time order (a chord in one part counts as its top)."""
    notes = notes[np.lexsort((-notes["pitch"], notes["onset"]))]
    first = np.ones(len(notes), dtype=bool)
    first[1:] = notes["onset"][1:] != notes["onset"][:-1]
    return notes[first]


def _timeline(line: np.ndarray, start: int, steps: int, hop: int) -> np.ndarray:
    """The pitch sounding at each grid point (-1 where the part rests)."""
    timeline = np.full(steps, -1, dtype=np.int64)
    for onset, end, pitch in zip((line["onset"] - start) // hop, -(-(line["onset"] + line["duration"] - start) // hop), line["pitch"]):
        timeline[max(onset, 0):max(min(end, steps), 0)] = pitch
    return timeline


def _part_style(line: np.ndarray, timeline: np.ndarray, bars: int, steps_per_beat: int) -> list[float]:
    if len(line) < 2:
        return [0.0] * PART_FEATURES
    sizes = np.abs(np.diff(line["pitch"].astype(np.int64)))
    beats = np.log2(np.maximum(line["duration"], 1) / steps_per_beat)
    return [float(sizes.mean()), float((sizes >= LEAP).mean()), float((sizes == 0).mean()), len(line) / bars,
            float((timeline >= 0).mean()), float(beats.mean()), float(beats.std())]


def _spacing(upper: np.ndarray, lower: np.ndarray) -> float:
    """Mean distance in octaves between two parts where both sound."""
    both = (upper >= 0) & (lower >= 0)
    return float((upper[both] - lower[both]).mean() / 12) if both.any() else 0.0


def _parallel_share(timelines: np.ndarray) -> float:
    """Of the moments where two parts both move to a new note, the share keeping the same perfect
    interval (unison, octave or fifth, by pitch class): parallel fifths and octaves."""
    sounding = (timelines[:, :-1] >= 0) & (timelines[:, 1:] >= 0) & (timelines[:, 1:] != timelines[:, :-1])
    moves = parallels = 0
    for upper in range(len(timelines)):
        for lower in range(upper + 1, len(timelines)):
            both = sounding[upper] & sounding[lower]
            before = (timelines[upper, :-1] - timelines[lower, :-1]) % 12
            after = (timelines[upper, 1:] - timelines[lower, 1:]) % 12
            moves += int(both.sum())
            parallels += int((both & ((before == 0) | (before == 7)) & (before == after)).sum())
    return parallels / max(moves, 1)


class StyleReference:
    """The training music's style features (one row per window of the training pieces)."""

    def __init__(self, features: np.ndarray):
        self.features = np.asarray(features, dtype=np.float64)

    @property
    def parts(self) -> int:
        """Parts the features describe: each has PART_FEATURES, a spacing to the next and, once, the parallels."""
        return self.features.shape[1] // (PART_FEATURES + 1)

    @classmethod
    def from_songs(cls, songs: list[Song], parts: int, bars: int) -> StyleReference | None:
        """Features of every whole `bars`-bar window of `songs`, or of `MAX_WINDOWS` spread evenly
        over them (None when there are fewer than two)."""
        starts = [(song, first) for song in songs for first in range(song.first_full_bar(), song.n_bars - bars + 1, bars)]
        if len(starts) < 2:
            return None
        starts = starts[:: -(-len(starts) // MAX_WINDOWS)]
        return cls(np.array([style_features(song.slice_bars(first, first + bars), parts) for song, first in starts]))

    def artifacts(self) -> dict[str, torch.Tensor]:
        import torch  # here, not above: `midigan generate --help` reads DRAWS without loading torch

        return {ARTIFACT: torch.from_numpy(self.features)}

    @classmethod
    def from_artifacts(cls, artifacts: dict[str, torch.Tensor]) -> StyleReference | None:
        return cls(artifacts[ARTIFACT].numpy()) if ARTIFACT in artifacts else None

    def choose(self, songs: list[Song], count: int, seed: int | None = None) -> list[Song]:
        """`count` of `songs`, drawn without replacement in proportion to the odds that a piece's
        style is the training music's rather than the model's (see the module docstring)."""
        if count >= len(songs):
            return list(songs)
        drawn = np.array([style_features(song, self.parts) for song in songs])
        mean, scale = reference_scale(self.features)
        weights = fit_logistic(np.vstack([(self.features - mean) / scale, (drawn - mean) / scale]),
                               np.r_[np.ones(len(self.features)), np.zeros(len(drawn))], l2=L2)
        log_odds = ((drawn - mean) / scale) @ weights[:-1]
        # Efraimidis-Spirakis: the `count` largest log(u) / odds draw without replacement by the odds
        odds = np.exp(log_odds - log_odds.max())
        keys = np.log(np.random.default_rng(seed).random(len(songs))) / np.maximum(odds, 1e-300)
        return [songs[index] for index in sorted(np.argsort(-keys)[:count])]
