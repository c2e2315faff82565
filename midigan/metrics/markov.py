"""Markov chains: the baselines every generated piece must beat.

For melodies, tokens are (pitch, duration) pairs, with rests as tokens of pitch `REST_PITCH`; for
pieces in several parts, tokens are chord slices: the pitches starting at one moment (in the
common key) and the time to the next slice. An order-k chain draws the next token from what
followed the last k tokens in the training pieces; when a context was never seen it backs off to
the last k-1 tokens, and so on down to plain token frequencies. Pieces start from a start
context, so they begin the way real ones begin.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from midigan.song import Song

REST_PITCH = -1
_START = (-2, 0)
Token = tuple[int, int]


def melody_tokens(song: Song) -> list[Token]:
    """The song's melody as (pitch, duration) tokens, gaps between notes as (REST_PITCH, length)."""
    tokens: list[Token] = []
    position = 0
    for note in song.melody().notes:
        onset, duration = int(note["onset"]), int(note["duration"])
        if onset > position and tokens:
            tokens.append((REST_PITCH, onset - position))
        tokens.append((int(note["pitch"]), duration))
        position = onset + duration
    return tokens


def chord_tokens(song: Song) -> list[tuple[tuple[int, ...], int]]:
    """The song's pitched notes as chord slices: at every onset, the pitches sounding (low to
    high, moved to the common key) and the steps to the next onset (the last slice lasts as its
    longest note)."""
    from midigan.music.melody.encoding import shift_to_common_key

    notes = song.transpose(shift_to_common_key(song)).notes
    notes = notes[~notes["is_drum"]]
    onsets, ends = np.unique(notes["onset"]), notes["onset"] + notes["duration"]
    tokens = []
    for i, onset in enumerate(onsets.tolist()):
        sounding = notes[(notes["onset"] <= onset) & (ends > onset)]
        gap = int(onsets[i + 1]) - onset if i + 1 < len(onsets) else int((ends[notes["onset"] == onset] - onset).max())
        tokens.append((tuple(sorted(set(sounding["pitch"].tolist()))), gap))
    return tokens


class _Chain:
    """An order-`order` Markov chain over hashable tokens, with backoff to lower orders."""

    start: object = _START

    def __init__(self, order: int):
        if order < 1:
            raise ValueError("a Markov chain needs order 1 or more")
        self.order = order
        self.steps_per_beat: int | None = None
        # per order k: context of k tokens -> (next tokens, cumulative probabilities)
        self._tables: list[dict[tuple, tuple[list, np.ndarray]]] = []

    def tokens(self, song: Song) -> list:
        raise NotImplementedError

    def fit(self, songs: Iterable[Song]):
        """Count the token transitions of every song (all songs on one grid)."""
        counts: list[defaultdict[tuple, Counter]] = [defaultdict(Counter) for _ in range(self.order + 1)]
        for song in songs:
            if self.steps_per_beat is None:
                self.steps_per_beat = song.steps_per_beat
            elif song.steps_per_beat != self.steps_per_beat:
                raise ValueError("all training songs must share one steps_per_beat")
            sequence = [self.start] * self.order + self.tokens(song)
            for i in range(self.order, len(sequence)):
                for k in range(self.order + 1):
                    counts[k][tuple(sequence[i - k : i])][sequence[i]] += 1
        if not counts[0]:
            raise ValueError("no notes to learn a Markov chain from")
        self._tables = [
            {
                context: (list(following), np.cumsum(list(following.values())) / following.total())
                for context, following in table.items()
            }
            for table in counts
        ]
        return self

    def _next(self, history: list, rng: np.random.Generator):
        for k in range(self.order, -1, -1):
            entry = self._tables[k].get(tuple(history[len(history) - k :]) if k else ())
            if entry is not None:
                tokens, cumulative = entry
                return tokens[min(int(np.searchsorted(cumulative, rng.random(), side="right")), len(tokens) - 1)]
        raise AssertionError("order 0 always has an entry")

    def _total(self, n_bars: int, meter: tuple[int, int]) -> int:
        if not self._tables:
            raise ValueError("fit the chain before generating")
        return n_bars * meter[0] * self.steps_per_beat * 4 // meter[1]

    def _song(self, notes: list, meter: tuple[int, int]) -> Song:
        from midigan.song import NOTE_DTYPE, Song, sort_notes

        return Song(
            notes=sort_notes(np.array(notes, dtype=NOTE_DTYPE)),
            steps_per_beat=self.steps_per_beat,
            tempos=[(0, 120.0)],
            time_signatures=[(0, *meter)],
            key_signatures=[],
            dropped={},
            source=f"markov-{self.order}",
        )


class MarkovMelody(_Chain):
    """An order-`order` Markov chain over melody tokens."""

    def tokens(self, song: Song) -> list[Token]:
        return melody_tokens(song)

    def generate(self, n_bars: int, meter: tuple[int, int], rng: np.random.Generator) -> Song:
        """One tune of exactly `n_bars` bars of `meter`: the last note ends at the final bar line."""
        total = self._total(n_bars, meter)
        history = [_START] * self.order
        notes, position = [], 0
        while position < total:
            pitch, duration = self._next(history, rng)
            if pitch != REST_PITCH:
                notes.append((pitch, 80, position, min(duration, total - position), 0, 0, False))
            elif position + duration >= total and notes:
                # a closing rest would leave the tune short of its last bar line: hold the last note
                notes[-1] = (*notes[-1][:3], total - notes[-1][2], *notes[-1][4:])
            history.append((pitch, duration))
            position += duration
        return self._song(notes, meter)


class MarkovChords(_Chain):
    """An order-`order` Markov chain over chord slices: the polyphonic baseline."""

    start = ((), 0)

    def tokens(self, song: Song) -> list:
        return chord_tokens(song)

    def generate(self, n_bars: int, meter: tuple[int, int], rng: np.random.Generator) -> Song:
        """One piece of exactly `n_bars` bars of `meter`; the i-th highest pitch of every slice is
        written to track i, so the piece has parts to compare."""
        total = self._total(n_bars, meter)
        history = [self.start] * self.order
        notes, position = [], 0
        while position < total:
            chord, gap = self._next(history, rng)
            gap = max(1, min(gap, total - position))
            for track, pitch in enumerate(sorted(chord, reverse=True)):
                notes.append((pitch, 80, position, gap, track, 0, False))
            history.append((chord, gap))
            position += gap
        return self._song(notes, meter)
