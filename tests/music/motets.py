"""Small motets written note by note: named voices walking their registers, in any meter, with
rests where asked; and a folder of them as MIDI files, as a user's folder comes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from support import make_song

from midigan.midi import write
from midigan.song import Song

#: (name, lowest pitch of its line) of each voice of a six-voice motet, high to low
SIX_VOICES = [("Cantus", 67), ("Altus", 62), ("Tenor", 57), ("Tenor", 53), ("Quintus", 50), ("Bassus", 45)]
LINE = [0, 2, 4, 5, 4, 2, 0, -1]  # scale steps a voice walks, a half note each


def motet(voices: list[tuple[str, int]], bars: int = 8, resting: dict[int, range] | None = None, seed: int = 0,
          meter: tuple[int, int] = (4, 4)) -> Song:
    """A piece of half notes (12 steps a quarter), one named track per voice walking its register;
    `resting`: voice -> the bars it rests."""
    rng = np.random.default_rng(seed)
    halves = bars * meter[0] * 2 // meter[1]
    rows, names = [], {}
    for track, (name, low) in enumerate(voices):
        names[track] = name
        shift = int(rng.integers(0, 3))
        for half in range(halves):
            if resting and half * 2 * meter[1] // (4 * meter[0]) in resting.get(track, range(0)):
                continue
            rows.append((low + LINE[(half + shift) % len(LINE)] + 2, half * 24, 24, track))
    return make_song(rows, meter, track_names=names)


def folder_of(path: Path, pieces: list[Song]) -> Path:
    path.mkdir()
    for index, piece in enumerate(pieces):
        write(piece, path / f"motet{index}.mid")
    return path
