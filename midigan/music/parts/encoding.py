"""Multi-part pieces as training windows for the polyphonic model.

Pieces are matched to parts (`midigan.music.parts.layout`), cut where their meter changes, pooled by
meters with equal bars as melodies are, moved to C major / A minor, put on the coarsest grid their notes allow (16ths, 8ths or quarters;
`midigan.music.parts.grid`) and cut into windows of whole bars. Each window's row 0 is a START row.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from midigan.music.melody.encoding import EncodingError, shift_to_common_key
from midigan.music.meters import Meter, meter_sections, pool_by_meter
from midigan.music.parts.grid import GRID_STEPS_PER_BEAT, GridVocabulary, choose_grid, quantise, to_grid
from midigan.music.parts.layout import PartLayout, PartSearch
from midigan.song import Song

WINDOW_BARS = 8
STRIDE_BARS = 2
FULL_RANGE = (0, 127)


@dataclass
class Section:
    """A stretch of one piece in one meter, moved to the common key, with its track -> part map."""

    song: Song
    mapping: dict[int, int]


@dataclass
class EncodedPieces:
    """Training windows (n, 1 + window steps, voices) and how they were made."""

    windows: np.ndarray
    vocabulary: GridVocabulary
    n_pieces: int
    skipped: dict[str, int] = field(default_factory=dict)


def sections_in_meter(search: PartSearch, meter: Meter | None = None) -> tuple[list[Section], Meter, dict[str, int]]:
    """Every piece's sections in `meter`'s pool (default: the pool with the most sections), each
    in the common key and on the grid; and what was left out (reason -> sections)."""
    cut = [(section, mapping) for song, mapping in search.pieces for section in meter_sections(song)]
    if not cut:
        raise EncodingError("no usable piece: none has two bars in one meter")
    try:
        pool = pool_by_meter([section for section, _ in cut], meter)
    except ValueError as error:
        raise EncodingError(f"no usable piece: {error}") from None
    kept_ids = {id(song) for song in pool.songs}
    sections = []
    for song, mapping in cut:
        if id(song) in kept_ids:
            sections.append(Section(quantise(song.transpose(shift_to_common_key(song))), mapping))
    return sections, pool.meter, pool.left_out


def on_coarsest_grid(sections: list[Section], meter: Meter) -> tuple[list[Section], int]:
    """The sections on the coarsest grid their notes allow (`choose_grid`), and that grid."""
    grid = choose_grid([section.song for section in sections], meter)
    if grid == GRID_STEPS_PER_BEAT:
        return sections, grid
    return [Section(quantise(section.song, grid), section.mapping) for section in sections], grid


def build_vocabulary(sections: list[Section], layout: PartLayout, meter: Meter, grid: int = GRID_STEPS_PER_BEAT) -> GridVocabulary:
    """Each voice's pitch range and each part's velocity, from the training sections (on a grid of
    `grid` steps per quarter)."""
    n_voices = sum(part.voices for part in layout.parts)
    wide = GridVocabulary(meter, layout, (FULL_RANGE[0],) * n_voices, (FULL_RANGE[1],) * n_voices, grid=grid)
    low, high = np.full(n_voices, 127), np.zeros(n_voices, np.int64)
    velocities: dict[int, list[int]] = {}
    for section in sections:
        tokens = to_grid(section.song, section.mapping, wide)
        for voice in range(n_voices):
            pitches = tokens[:, voice][tokens[:, voice] >= 2] - 2
            if len(pitches):
                low[voice], high[voice] = min(low[voice], pitches.min()), max(high[voice], pitches.max())
        for track, part in section.mapping.items():
            velocities.setdefault(part, []).extend(section.song.notes["velocity"][section.song.notes["track"] == track].tolist())
    high = np.maximum(high, low)  # a voice that never sounds gets a one-pitch range
    velocity = tuple(int(np.median(velocities.get(part, [80]))) for part in range(len(layout.parts)))
    return GridVocabulary(meter, layout, tuple(int(x) for x in low), tuple(int(x) for x in high), velocity, grid)


def start_row(vocabulary: GridVocabulary) -> np.ndarray:
    """The row before a piece's first step: one past each voice's last token."""
    return np.array(vocabulary.sizes, np.int64)


def section_grid(section: Section, vocabulary: GridVocabulary) -> np.ndarray:
    """The section's tokens from its first full bar (a pickup bar is skipped)."""
    song = section.song
    first = int(song.bar_starts()[song.first_full_bar()])
    factor = song.steps_per_beat // vocabulary.grid
    return to_grid(song, section.mapping, vocabulary)[first // factor:]


def encode_pieces(sections: list[Section], vocabulary: GridVocabulary, window_bars: int = WINDOW_BARS,
                  stride_bars: int = STRIDE_BARS) -> EncodedPieces:
    """Windows of `window_bars` bars starting every `stride_bars` bars; a section shorter than one
    window gives one, filled up with rests."""
    bar, length = vocabulary.bar_steps, window_bars * vocabulary.bar_steps
    windows, skipped, used = [], Counter(), 0
    for section in sections:
        grid = section_grid(section, vocabulary)
        if len(grid) < bar:
            skipped["shorter than a bar"] += 1
            continue
        if len(grid) < length:
            grid = np.concatenate([grid, np.zeros((length - len(grid), grid.shape[1]), np.int64)])
        for start in range(0, len(grid) - length + 1, stride_bars * bar):
            before = grid[start - 1] if start else start_row(vocabulary)
            windows.append(np.concatenate([before[None], grid[start:start + length]]))
        used += 1
    if not windows:
        raise EncodingError(f"no usable piece: {', '.join(f'{n} {r}' for r, n in skipped.items())}")
    return EncodedPieces(np.stack(windows), vocabulary, used, dict(skipped))
