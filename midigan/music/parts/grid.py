"""Multi-part pieces as voices on a 16th-note grid, and back.

Why this encoding: each part is split into as many monophonic voices as its chords need, and each
voice holds one token per 16th note: a rest, the continuation of the note before ("hold"), or the
onset of a pitch. A held note is one decision per step, not a run of identical frames to get
right, so notes come out whole (piano-roll GANs fragment them); a voice is never empty unless the
model chooses rests; and the grid makes any number of bars exact. Pieces are moved to C major / A
minor, as melodies are. The vocabulary (meter, parts, each voice's pitch range) travels in the
model's config, so a checkpoint alone can decode what its generator writes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from midigan.music.keys import into_range
from midigan.music.parts.layout import PartLayout
from midigan.song import NOTE_DTYPE, Song, sort_notes, steps_per_bar

GRID_REST, GRID_HOLD = 0, 1  # tokens; pitch p of voice v is token p - low[v] + 2
GRID_STEPS_PER_BEAT = 4  # 16th notes: the finest grid, and models' from before grids were chosen
GRIDS = (1, 2, 4)  # steps per quarter note a folder's grid may have: quarters, 8ths, 16ths
OFF_GRID = 0.01  # a grid is fine enough when at most this share of the notes' starts and ends fall off it
DEFAULT_VELOCITY = 80


@dataclass(frozen=True)
class GridVocabulary:
    """What a grid token means: meter, the parts and their voices, each voice's pitch range."""

    meter: tuple[int, int]
    layout: PartLayout
    low: tuple[int, ...]  # per voice
    high: tuple[int, ...]
    velocity: tuple[int, ...] = ()  # per part: the velocity its notes are written with
    grid: int = GRID_STEPS_PER_BEAT  # steps per quarter note

    @property
    def bar_steps(self) -> int:
        return steps_per_bar(self.grid, *self.meter)

    @property
    def voice_part(self) -> list[int]:
        """The part of each voice, voices of a part adjacent, highest first."""
        return [index for index, part in enumerate(self.layout.parts) for _ in range(part.voices)]

    @property
    def n_voices(self) -> int:
        return len(self.voice_part)

    @property
    def sizes(self) -> list[int]:
        """Tokens per voice: rest, hold and one per pitch of its range."""
        return [high - low + 3 for low, high in zip(self.low, self.high)]

    def to_dict(self) -> dict:
        return {"meter": list(self.meter), "layout": self.layout.to_dict(), "low": list(self.low), "high": list(self.high),
                "velocity": list(self.velocity), "grid": self.grid}

    @classmethod
    def from_dict(cls, values: dict) -> GridVocabulary:
        return cls(tuple(values["meter"]), PartLayout.from_dict(values["layout"]), tuple(values["low"]),
                   tuple(values["high"]), tuple(values.get("velocity", ())), values.get("grid", GRID_STEPS_PER_BEAT))


def choose_grid(songs: list[Song], meter: tuple[int, int]) -> int:
    """The coarsest grid (steps per quarter) of GRIDS that holds a whole bar of `meter` and all but
    OFF_GRID of the songs' note starts and ends.

    Why coarse when it can be: a model of parts spends its time step by step, and motets written in
    halves and quarters need no 16th notes; on an 8th-note grid a piece takes half the steps, so a
    run learns from twice the music in its budget (madrigals: 0.25% of note edges fall between
    8ths; chorales 2.9%, whose passing 16ths keep the 16th grid)."""
    for grid in GRIDS:
        if (grid * 4 * meter[0]) % meter[1]:
            continue
        off = edges = 0
        for song in songs:
            factor = song.steps_per_beat // grid
            notes = song.notes
            off += int(np.count_nonzero(notes["onset"] % factor) + np.count_nonzero((notes["onset"] + notes["duration"]) % factor))
            edges += 2 * len(notes)
        if off <= OFF_GRID * max(edges, 1):
            return grid
    return GRID_STEPS_PER_BEAT


def quantise(song: Song, grid: int = GRID_STEPS_PER_BEAT) -> Song:
    """The song with onsets and ends rounded to a grid of `grid` steps per quarter (in its own
    steps); a note shorter than a grid step keeps one."""
    factor = song.steps_per_beat // grid
    notes = song.notes.copy()
    onset = np.round(notes["onset"] / factor).astype(np.int64)
    end = np.maximum(np.round((notes["onset"] + notes["duration"]) / factor).astype(np.int64), onset + 1)
    notes["onset"], notes["duration"] = onset * factor, (end - onset) * factor
    return replace(song, notes=sort_notes(notes))


def split_voices(notes: np.ndarray, voices: int) -> tuple[list[np.ndarray], int]:
    """A part's notes (grid steps) dealt to `voices` monophonic voices, high notes to low voice
    numbers; a note still sounding when its voice is needed again is cut there. Returns the
    voices and how many notes found no voice (more at one onset than the part has voices)."""
    order = np.lexsort((-notes["pitch"], notes["onset"]))
    notes = notes[order].copy()
    dealt: list[list[int]] = [[] for _ in range(voices)]
    ends = np.zeros(voices, np.int64)
    dropped = 0
    for onset in np.unique(notes["onset"]).tolist():
        starting = np.flatnonzero(notes["onset"] == onset)
        free = [v for v in range(voices) if ends[v] <= onset]
        busy = sorted((v for v in range(voices) if ends[v] > onset), key=lambda v: ends[v])
        chosen = sorted((free + busy)[: len(starting)])
        dropped += len(starting) - len(chosen)
        for index, voice in zip(starting, chosen):
            if dealt[voice]:  # cut the voice's sounding note where this one starts
                last = dealt[voice][-1]
                notes["duration"][last] = min(notes["duration"][last], onset - notes["onset"][last])
            dealt[voice].append(int(index))
            ends[voice] = onset + notes["duration"][index]
    return [notes[indices] for indices in dealt], dropped


def to_grid(song: Song, mapping: dict[int, int], vocabulary: GridVocabulary, steps: int | None = None) -> np.ndarray:
    """(steps, voices) tokens of a quantised song whose track t plays part mapping[t]; pitches
    outside a voice's range move by octaves into it."""
    factor = song.steps_per_beat // vocabulary.grid
    steps = steps if steps is not None else -(-song.end // factor)
    grid = np.full((steps, vocabulary.n_voices), GRID_REST, np.int64)
    first_voice = np.cumsum([0] + [part.voices for part in vocabulary.layout.parts])
    for track, part in mapping.items():
        notes = song.notes[song.notes["track"] == track].copy()
        notes["onset"] //= factor
        notes["duration"] = np.maximum(notes["duration"] // factor, 1)
        voices, _ = split_voices(notes, vocabulary.layout.parts[part].voices)
        for offset, voice_notes in enumerate(voices):
            voice = first_voice[part] + offset
            for note in voice_notes:
                start, end = int(note["onset"]), min(int(note["onset"] + note["duration"]), steps)
                if start >= steps or end <= start:
                    continue
                pitch = into_range(int(note["pitch"]), vocabulary.low[voice], vocabulary.high[voice])
                grid[start, voice] = pitch - vocabulary.low[voice] + 2
                grid[start + 1:end, voice] = GRID_HOLD
    return grid


def from_grid(grid: np.ndarray, vocabulary: GridVocabulary, steps_per_beat: int = 12, tempo: float = 120.0,
              key: str | None = "C") -> Song:
    """A song with one track per part (its program, drums on channel 10) from (steps, voices)
    tokens; a hold after a rest is a rest."""
    factor = steps_per_beat // vocabulary.grid
    rows = []
    for voice, part_index in enumerate(vocabulary.voice_part):
        part = vocabulary.layout.parts[part_index]
        velocity = vocabulary.velocity[part_index] if vocabulary.velocity else DEFAULT_VELOCITY
        tokens = np.asarray(grid[:, voice])
        onsets = np.flatnonzero(tokens >= 2)
        for start in onsets.tolist():
            end = start + 1
            while end < len(tokens) and tokens[end] == GRID_HOLD:
                end += 1
            rows.append((int(tokens[start]) - 2 + vocabulary.low[voice], velocity, start * factor, (end - start) * factor,
                         part_index, part.program, part.is_drum))
    notes = np.array(rows, dtype=NOTE_DTYPE) if rows else np.zeros(0, NOTE_DTYPE)
    return Song(
        notes=sort_notes(notes),
        steps_per_beat=steps_per_beat,
        tempos=[(0, float(tempo))],
        time_signatures=[(0, *vocabulary.meter)],
        key_signatures=[(0, key)] if key else [],
        track_names={index: part.name for index, part in enumerate(vocabulary.layout.parts)},
    )
