"""Markov-chain melodies: the baseline every generated tune must beat.

Tokens are (pitch, duration) pairs of a melody, with rests as tokens of pitch `REST`. An order-k
chain draws the next token from what followed the last k tokens in the training melodies; when a
context was never seen it backs off to the last k-1 tokens, and so on down to plain token
frequencies. Tunes start from a start-of-tune context, so they begin the way real tunes begin.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from midigan.song import Song

REST = -1
_START = (-2, 0)
Token = tuple[int, int]


def melody_tokens(song: Song) -> list[Token]:
    """The song's melody as (pitch, duration) tokens, gaps between notes as (REST, length)."""
    tokens: list[Token] = []
    position = 0
    for note in song.melody().notes:
        onset, duration = int(note["onset"]), int(note["duration"])
        if onset > position and tokens:
            tokens.append((REST, onset - position))
        tokens.append((int(note["pitch"]), duration))
        position = onset + duration
    return tokens


class MarkovMelody:
    """An order-`order` Markov chain over melody tokens, with backoff to lower orders."""

    def __init__(self, order: int):
        if order < 1:
            raise ValueError("a Markov chain needs order 1 or more")
        self.order = order
        self.steps_per_beat: int | None = None
        # per order k: context of k tokens -> (next tokens, cumulative probabilities)
        self._tables: list[dict[tuple[Token, ...], tuple[list[Token], np.ndarray]]] = []

    def fit(self, songs: Iterable[Song]) -> MarkovMelody:
        """Count the token transitions of every song's melody (all songs on one grid)."""
        counts: list[defaultdict[tuple[Token, ...], Counter]] = [defaultdict(Counter) for _ in range(self.order + 1)]
        for song in songs:
            if self.steps_per_beat is None:
                self.steps_per_beat = song.steps_per_beat
            elif song.steps_per_beat != self.steps_per_beat:
                raise ValueError("all training songs must share one steps_per_beat")
            sequence = [_START] * self.order + melody_tokens(song)
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

    def _next(self, history: list[Token], rng: np.random.Generator) -> Token:
        for k in range(self.order, -1, -1):
            entry = self._tables[k].get(tuple(history[len(history) - k :]) if k else ())
            if entry is not None:
                tokens, cumulative = entry
                return tokens[min(int(np.searchsorted(cumulative, rng.random(), side="right")), len(tokens) - 1)]
        raise AssertionError("order 0 always has an entry")

    def generate(self, n_bars: int, meter: tuple[int, int], rng: np.random.Generator) -> Song:
        """One tune of exactly `n_bars` bars of `meter`: the last note ends at the final bar line."""
        from midigan.song import NOTE_DTYPE, Song

        if not self._tables:
            raise ValueError("fit the chain before generating")
        steps_per_beat = self.steps_per_beat
        numerator, denominator = meter
        total = n_bars * numerator * steps_per_beat * 4 // denominator
        history = [_START] * self.order
        notes, position = [], 0
        while position < total:
            pitch, duration = self._next(history, rng)
            if pitch != REST:
                notes.append((pitch, 80, position, min(duration, total - position), 0, 0, False))
            elif position + duration >= total and notes:
                # a closing rest would leave the tune short of its last bar line: hold the last note
                notes[-1] = (*notes[-1][:3], total - notes[-1][2], *notes[-1][4:])
            history.append((pitch, duration))
            position += duration
        return Song(
            notes=np.array(notes, dtype=NOTE_DTYPE),
            steps_per_beat=steps_per_beat,
            tempos=[(0, 120.0)],
            time_signatures=[(0, numerator, denominator)],
            key_signatures=[],
            dropped={},
            source=f"markov-{self.order}",
        )
