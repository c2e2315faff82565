"""Keys: estimating a song's key, moving it to the common key models learn in, and back to any key.

Why a common key: models learn scale degrees, not twelve copies of every tune, so every training
piece is moved to C major / A minor and every generated piece is moved to the key asked for.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np

from midigan.song import Song, transpose_key

COMMON_KEYS = ("C", "Am")  # the key every training tune is moved to (no sharps or flats)
# Krumhansl-Kessler key profiles (probe-tone ratings), index 0 = tonic
MAJOR_PROFILE = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
MINOR_PROFILE = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
PITCH_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
KEY_PATTERN = re.compile(r"^([A-Ga-g])([#b]?)(m?)$")


def estimate_key(notes: np.ndarray, candidates: Iterable[str] | None = None) -> str:
    """Krumhansl-Schmuckler key estimate ("G", "Em", ...) from duration-weighted pitch classes,
    among `candidates` (default: all 24 keys)."""
    histogram = np.bincount(notes["pitch"] % 12, weights=notes["duration"], minlength=12)
    keys = [(PITCH_NAMES[tonic] + suffix, np.roll(profile, tonic)) for tonic in range(12)
            for profile, suffix in ((MAJOR_PROFILE, ""), (MINOR_PROFILE, "m"))]
    if candidates is not None:
        keys = [(name, profile) for name, profile in keys if name in set(candidates)]
    if not histogram.any():
        return keys[0][0]
    return max(keys, key=lambda key: np.corrcoef(histogram, key[1])[0, 1])[0]


def shift_to_common_key(song: Song) -> int:
    """Semitones (-6..5) that move the song's key (written, else estimated) to C major / A minor."""
    key = song.key_signatures[0][1] if song.key_signatures else estimate_key(song.notes)
    for semitones in range(-6, 6):
        try:
            if transpose_key(key, semitones) in COMMON_KEYS:
                return semitones
        except (KeyError, IndexError):
            break
    key = estimate_key(song.notes)  # an unreadable key name: trust the notes instead
    return next(s for s in range(-6, 6) if transpose_key(key, s) in COMMON_KEYS)


def into_range(pitch: int, low: int, high: int) -> int:
    """`pitch` moved by octaves into [low, high] (clipped when the range is under an octave)."""
    while pitch < low and pitch + 12 <= high:
        pitch += 12
    while pitch > high and pitch - 12 >= low:
        pitch -= 12
    return min(max(pitch, low), high)


def parse_key(key: str) -> int:
    """Pitch class of the key's tonic: 'G' -> 7, 'Em' -> 4, 'Bb' -> 10."""
    match = KEY_PATTERN.match(key.strip())
    if not match:
        raise ValueError(f"unknown key {key!r}: write a note name with optional # or b, and m for minor (G, Em, Bb, F#m)")
    tonic = match.group(1).upper() + match.group(2)
    return -next(s for s in range(-6, 6) if transpose_key(tonic, s) == "C") % 12


def in_key(song: Song, key: str | None) -> Song:
    """The piece (written in C major / A minor) with its key signature, its tonic moved to `key`'s
    (the piece keeps its own mode: a minor tune asked for in G comes out in G minor)."""
    common = estimate_key(song.notes[~song.notes["is_drum"]], COMMON_KEYS)
    song = replace(song, key_signatures=[(0, common)])
    if key is None:
        return song
    home = 9 if common.endswith("m") else 0
    return song.transpose((parse_key(key) - home + 6) % 12 - 6)


HOME_KEYS = "home_key_shifts"  # the artifact: how many training pieces were moved by each shift -6..5


@dataclass(frozen=True)
class HomeKeys:
    """How far the training pieces were moved to reach the common key, as counts per shift -6..5.

    Why: a piece written in C major / A minor sits where the model learnt it, not where the folder's
    tunes do: fiddle tunes in D (moved down 2) and G (moved up 5) came out 1.4 semitones higher on
    average than the folder's own (measured on Aird's Airs). Moved back by a shift drawn from these
    counts, generated pieces have the folder's keys and register.
    """

    counts: np.ndarray

    @classmethod
    def from_songs(cls, songs: Iterable[Song]) -> HomeKeys:
        shifts = [shift_to_common_key(song) for song in songs]
        return cls(np.bincount(np.array(shifts, np.int64) + 6, minlength=12).astype(np.int64))

    def artifacts(self) -> dict:
        import torch

        return {HOME_KEYS: torch.from_numpy(self.counts)}

    @classmethod
    def from_artifacts(cls, artifacts: dict) -> HomeKeys | None:
        """The home keys a checkpoint stores; None for models trained before they were stored (written in C)."""
        return cls(artifacts[HOME_KEYS].numpy()) if HOME_KEYS in artifacts else None

    def draw(self, count: int, seed: int | None) -> list[int]:
        """Semitones to move `count` pieces from the common key to keys of the training pieces."""
        rng = np.random.default_rng(None if seed is None else [seed, 7])
        return (6 - rng.choice(12, size=count, p=self.counts / self.counts.sum())).tolist()
