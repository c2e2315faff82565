"""Songs built note by note, so each metric can be checked against a value worked out by hand."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from midigan.song import NOTE_DTYPE, Song

REPO = Path(__file__).resolve().parents[2]
FOLK = REPO / "data" / "midi" / "folk"
BACH = REPO / "data" / "midi" / "bach"


def make_song(notes: list[tuple[int, int, int]], meter: tuple[int, int] = (4, 4), steps_per_beat: int = 12,
              tempos: list[tuple[int, float]] | None = None, track: int = 0) -> Song:
    """A song from (pitch, onset, duration) triples in grid steps."""
    table = np.array([(p, 100, onset, duration, track, 0, False) for p, onset, duration in notes], dtype=NOTE_DTYPE)
    table = table[np.lexsort((table["pitch"], table["onset"]))]
    return Song(notes=table, steps_per_beat=steps_per_beat, tempos=tempos or [(0, 120.0)],
                time_signatures=[(0, *meter)], source="made-up")


def quarters(pitches: list[int], start: int = 0) -> list[tuple[int, int, int]]:
    """One quarter note (12 steps) per pitch, back to back."""
    return [(pitch, start + 12 * i, 12) for i, pitch in enumerate(pitches)]
