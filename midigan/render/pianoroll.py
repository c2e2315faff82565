"""A song as a piano-roll picture: pitch upwards, time rightwards, with bar and beat lines.

Why a picture: a glance at a roll shows what a GAN's tunes do (empty bars, stuck notes, no
rhythm) faster than listening. Written with the engine's dependency-free PNG writer.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from midigan.core.png import write_png

if TYPE_CHECKING:
    from midigan.song import Song

PIXELS_PER_BEAT = 24
ROW_PIXELS = 6
MIN_SEMITONES = 25
MAX_WIDTH = 8000
_BACKGROUND = (255, 255, 255)
_C_ROW = (236, 236, 236)  # every C, so octaves can be counted
_BEAT_LINE = (215, 215, 215)
_BAR_LINE = (110, 110, 110)
_TRACK_COLOURS = ((31, 119, 180), (214, 39, 40), (44, 160, 44), (148, 103, 189), (255, 127, 14), (140, 86, 75))
_DRUM_COLOUR = (60, 60, 60)


def _pitch_span(song: Song) -> tuple[int, int]:
    """Lowest and highest pitch row shown: the notes' range plus a margin, at least two octaves."""
    pitches = song.notes["pitch"]
    low, high = (int(pitches.min()) - 2, int(pitches.max()) + 2) if len(pitches) else (60, 60)
    missing = max(0, MIN_SEMITONES - (high - low + 1))
    low, high = low - missing // 2, high + missing - missing // 2
    return max(0, low), min(127, high)


def pianoroll_image(song: Song) -> np.ndarray:
    """An RGB uint8 image (height x width x 3) of the song; bar lines follow its meter."""
    starts = song.bar_starts()
    total = int(starts[-1] + song.bar_length(int(starts[-1]))) if len(starts) else song.steps_per_beat * 4
    width = int(np.clip(total * PIXELS_PER_BEAT // song.steps_per_beat, 1, MAX_WIDTH))
    low, high = _pitch_span(song)
    image = np.empty(((high - low + 1) * ROW_PIXELS, width, 3), dtype=np.uint8)
    image[:] = _BACKGROUND

    def row_of(pitch: int) -> int:
        return (high - pitch) * ROW_PIXELS

    def column_of(step: int) -> int:
        return min(width - 1, step * width // total)

    for pitch in range(low, high + 1):
        if pitch % 12 == 0:
            image[row_of(pitch) : row_of(pitch) + ROW_PIXELS] = _C_ROW
    for beat in range(0, total, song.steps_per_beat):
        image[:, column_of(beat)] = _BEAT_LINE
    for bar in starts:
        image[:, column_of(int(bar))] = _BAR_LINE
    for note in song.notes:
        pitch = int(note["pitch"])
        if not low <= pitch <= high:
            continue
        first = column_of(int(note["onset"]))
        last = max(first + 1, column_of(int(note["onset"] + note["duration"])) - 1)  # a gap after each note
        colour = _DRUM_COLOUR if note["is_drum"] else _TRACK_COLOURS[int(note["track"]) % len(_TRACK_COLOURS)]
        image[row_of(pitch) : row_of(pitch) + ROW_PIXELS - 1, first:last] = colour
    return image


def write_pianoroll_png(song: Song, path: str | Path) -> None:
    """Write the song's piano roll as a PNG file."""
    write_png(path, pianoroll_image(song))


def stacked_rolls(songs: list[Song]) -> np.ndarray:
    """Piano rolls of several songs one above the other, separated by a grey line."""
    images = [pianoroll_image(song) for song in songs]
    width = max(image.shape[1] for image in images)
    rows = []
    for image in images:
        padded = np.full((image.shape[0] + 2, width, 3), 255, np.uint8)
        padded[: image.shape[0], : image.shape[1]] = image
        padded[-2:] = 160
        rows.append(padded)
    return np.concatenate(rows)
