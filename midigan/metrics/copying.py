"""Copy rate: how much of a set of tunes is lifted verbatim from the training tunes.

A phrase is 8 consecutive melody notes, written transposition-invariantly as their 7 pitch
intervals and 8 durations (in quarter notes). For pieces of several parts a passage is 8
consecutive chord slices (the pitches of every part starting at one moment, relative to the
passage's first lowest pitch) and the time between them. The copy rate is the share of a set's
phrases (or passages) that also occur in some training piece. Real music shares stock phrases
too, so the number means something only next to held-out real music's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
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


def passage_keys(song: Song, length: int = PHRASE_NOTES) -> list[bytes]:
    """Every `length`-slice passage of the song's pitched parts, as a hashable
    transposition-invariant key: each slice's pitches relative to the passage's first lowest
    pitch, and the durations between slices."""
    notes = song.notes[~song.notes["is_drum"]]
    onsets = np.unique(notes["onset"])
    if len(onsets) < length:
        return []
    order = np.argsort(notes["onset"], kind="stable")
    slices = np.split(notes["pitch"][order].astype(np.int64), np.searchsorted(notes["onset"][order], onsets[1:]))
    slices = [np.sort(chord) for chord in slices]
    gaps = np.round(np.diff(onsets, append=onsets[-1] + 1) * _DURATION_GRID / song.steps_per_beat).astype(np.int64)
    keys = []
    for i in range(len(onsets) - length + 1):
        base = slices[i][0]
        body = b"|".join((chord - base).tobytes() for chord in slices[i : i + length])
        keys.append(body + b"/" + gaps[i : i + length - 1].tobytes())
    return keys


Keys = Callable[..., list[bytes]]


def phrase_set(songs: Iterable[Song], length: int = PHRASE_NOTES, keys: Keys = phrase_keys) -> set[bytes]:
    """All phrases (or, with `keys=passage_keys`, passages) of a collection, typically the training set's."""
    phrases: set[bytes] = set()
    for song in songs:
        phrases.update(keys(song, length))
    return phrases


def copy_rate(songs: Iterable[Song], training_phrases: set[bytes], length: int = PHRASE_NOTES, keys: Keys = phrase_keys) -> float:
    """Share of the songs' phrases (or passages) found verbatim among `training_phrases` (0 when there are none)."""
    found = [key for song in songs for key in keys(song, length)]
    return sum(key in training_phrases for key in found) / len(found) if found else 0.0
