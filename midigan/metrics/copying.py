"""Copy rate: how much of a set of tunes is lifted verbatim from the training tunes.

A phrase is 8 consecutive melody notes, written transposition-invariantly as their 7 pitch
intervals and 8 durations (in quarter notes). The copy rate is the share of a set's phrases that
also occur in some training tune. Real tunes share stock phrases too, so the number means
something only next to held-out real music's.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from midigan.song import Song

PHRASE_NOTES = 8
#: Durations are compared on a grid of this many steps per quarter note (holds 16ths and triplets
#: of any grid that divides it), so tunes read at different grids still compare.
_DURATION_GRID = 48


def phrase_keys(song: Song, length: int = PHRASE_NOTES) -> list[bytes]:
    """Every `length`-note phrase of the song's melody, as a hashable transposition-invariant key."""
    notes = song.melody().notes
    if len(notes) < length:
        return []
    intervals = np.diff(notes["pitch"].astype(np.int64))
    durations = np.round(notes["duration"] * _DURATION_GRID / song.steps_per_beat).astype(np.int64)
    return [
        intervals[i : i + length - 1].tobytes() + durations[i : i + length].tobytes()
        for i in range(len(notes) - length + 1)
    ]


def phrase_set(songs: Iterable[Song], length: int = PHRASE_NOTES) -> set[bytes]:
    """All phrases of a collection (the training set's, typically)."""
    phrases: set[bytes] = set()
    for song in songs:
        phrases.update(phrase_keys(song, length))
    return phrases


def copy_rate(songs: Iterable[Song], training_phrases: set[bytes], length: int = PHRASE_NOTES) -> float:
    """Share of the songs' phrases found verbatim among `training_phrases` (0 when there are none)."""
    keys = [key for song in songs for key in phrase_keys(song, length)]
    return sum(key in training_phrases for key in keys) / len(keys) if keys else 0.0
