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

The features are what gave generated parts away in the benchmarks (each part's melodic intervals,
leaps, repeated notes, notes a bar, rests and rhythm; the spacing between neighbouring parts;
parallel fifths and octaves). They are read on windows of the training pieces (already on the
model's grid) when a run is planned, and stored with the checkpoint (numbers, not music); a drawn
piece is read in windows of the same length. Bars are counted up to a piece's last note, so silence
at the end of a window is not seen (generated pieces hold their last note to the end). Of the
evaluation's figures (`midigan.metrics.polyphony`) the resampler reads the parallels too; the others
(ranges, pitch classes, consonance, polyphony, crossings, empty bars) it does not read, though some go
with what it reads (empty bars with the sounding share, inside a piece; crossings with the spacing).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import torch

from midigan.metrics.distance import fit_logistic, reference_scale
from midigan.metrics.polyphony import ranked_parts
from midigan.metrics.tune import bar_edges

if TYPE_CHECKING:
    from midigan.song import Song

#: pieces drawn for every one kept, by default (`midigan generate --draws`)
DRAWS = 8
#: the fewest draws the classifier learns the model's side from (a single piece asked for still
#: comes from this many: sampling runs them side by side, at little more cost than one)
MIN_POOL = 64
#: pieces the generator draws at once at most (or as many as asked for, if more): its working memory
#: for a pool of 8 x 1000 long pieces in one go would be eight times that of the pieces asked for
POOL_CHUNK = 256
PART_FEATURES = 7  # mean interval, leaps, repeated notes, notes a bar, sounding share, mean and spread of log durations
LEAP = 5  # semitones: a fourth or more
L2 = 1.0  # the classifier's ridge on standardised features, as the evaluation's
ARTIFACT = "style_reference"
BARS_ARTIFACT = "style_bars"
#: how far past the training windows' range (in spreads) a drawn window's figure may lie and still be
#: judged by the classifier: held-out real windows lay past 3 spreads 0-5% of the time on the four
#: collections of docs/parts.md (past 1 spread, up to 31% on the quartets), drawn ones 0.5-8.5%
OUTSIDE_SPREADS = 3.0
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
    """The part's PART_FEATURES; the interval figures need two notes, the rest one (a silent part: zeros)."""
    if len(line) == 0:
        return [0.0] * PART_FEATURES
    sizes = np.abs(np.diff(line["pitch"].astype(np.int64)))
    moves = [float(sizes.mean()), float((sizes >= LEAP).mean()), float((sizes == 0).mean())] if len(sizes) else [0.0] * 3
    beats = np.log2(np.maximum(line["duration"], 1) / steps_per_beat)
    return [*moves, len(line) / bars, float((timeline >= 0).mean()), float(beats.mean()), float(beats.std())]


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
    """The training music's style features, one row per `bars`-bar window of the training pieces."""

    def __init__(self, features: np.ndarray, bars: int):
        self.features, self.bars = np.asarray(features, dtype=np.float64), int(bars)

    @property
    def parts(self) -> int:
        """Parts the features describe: each has PART_FEATURES, a spacing to the next and, once, the parallels."""
        return self.features.shape[1] // (PART_FEATURES + 1)

    @classmethod
    def from_songs(cls, songs: list[Song], parts: int, bars: int) -> StyleReference | None:
        """Features of every whole `bars`-bar window of `songs`, or of `MAX_WINDOWS` spread evenly
        over them (None when there are fewer than two)."""
        starts = [(song, first) for song in songs for first in _window_starts(song, bars)]
        if len(starts) < 2:
            return None
        starts = starts[:: -(-len(starts) // MAX_WINDOWS)]
        return cls(np.array([style_features(song.slice_bars(first, first + bars), parts) for song, first in starts]), bars)

    def artifacts(self) -> dict[str, torch.Tensor]:
        return {ARTIFACT: torch.from_numpy(self.features), BARS_ARTIFACT: torch.tensor([self.bars])}

    @classmethod
    def from_artifacts(cls, artifacts: dict[str, torch.Tensor]) -> StyleReference | None:
        if ARTIFACT not in artifacts:
            return None
        return cls(artifacts[ARTIFACT].numpy(), int(artifacts[BARS_ARTIFACT][0]))

    def choose(self, songs: list[Song], count: int, seed: int | None = None) -> list[Song]:
        """`count` of `songs`, drawn without replacement in proportion to the odds that a piece's
        style is the training music's rather than the model's (see the module docstring). A piece
        is read in windows as long as the reference's, and its log-odds are its windows' mean."""
        if count >= len(songs):
            return list(songs)
        windows = [self._windows(song) for song in songs]
        drawn = np.array([style_features(window, self.parts) for piece in windows for window in piece])
        mean, scale = reference_scale(self.features)
        weights = fit_logistic(np.vstack([(self.features - mean) / scale, (drawn - mean) / scale]),
                               np.r_[np.ones(len(self.features)), np.zeros(len(drawn))], l2=L2)
        window_odds = np.where(self._outside(drawn), -np.inf, ((drawn - mean) / scale) @ weights[:-1])
        piece_of = np.repeat(np.arange(len(songs)), [len(piece) for piece in windows])
        log_odds = np.bincount(piece_of, window_odds) / np.bincount(piece_of)
        # Gumbel top-k: the `count` largest log-odds plus Gumbel noise draw without replacement in
        # proportion to the odds; a stream of its own, apart from the one that drew the pieces' forms
        uniform = np.random.default_rng(None if seed is None else [seed, 11]).random(len(songs))
        keys = log_odds - np.log(-np.log(np.clip(uniform, 1e-300, 1.0 - 1e-16)))
        return [songs[index] for index in sorted(np.argsort(-keys)[:count])]

    def _outside(self, drawn: np.ndarray) -> np.ndarray:
        """Which drawn windows have a figure beyond anything in the training windows by more than
        OUTSIDE_SPREADS of its spread: a linear classifier would extrapolate their odds, however
        unlike real music they are (an empty piece drawn among 256 chorales got the best), so they
        are kept last."""
        margin = OUTSIDE_SPREADS * reference_scale(self.features)[1]  # a figure constant in training: its own unit
        return ((drawn < self.features.min(axis=0) - margin) | (drawn > self.features.max(axis=0) + margin)).any(axis=1)

    def _windows(self, song: Song) -> list[Song]:
        """The piece's whole windows of the reference's length (a shorter piece is one window)."""
        return [song.slice_bars(first, first + self.bars) for first in _window_starts(song, self.bars)] or [song]


def _window_starts(song: Song, bars: int) -> range:
    """The first bar of each whole `bars`-bar window of the song, from its first full bar (a pickup is left out)."""
    return range(song.first_full_bar(), song.n_bars - bars + 1, bars)
