"""Tensor views of a `Song` and their inverses.

Two forms:
- note sequence, for sequence GANs: an int64 array `(n_notes, 3)` whose columns are
  PITCH, DURATION (steps) and TIME_SHIFT (steps from the previous note's onset; the first note's
  from step 0). Chords are notes with time shift 0. Call `song.melody()` first for one line.
- piano roll, for convolutional GANs: a uint8 array `(2, n_steps, 128)` of 0/1; channel FRAME says
  a pitch sounds at a step, channel ONSET that a note starts there, so repeated notes stay apart.

The inverses accept NumPy arrays or torch tensors (on any device) and return a Song on the
default meter and tempo unless told otherwise. Encoding a decoded tensor gives the same tensor.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from midigan.song import DEFAULT_METER, DEFAULT_TEMPO, NOTE_DTYPE, Song, sort_notes

PITCH, DURATION, TIME_SHIFT = 0, 1, 2
FRAME, ONSET = 0, 1
N_PITCHES = 128


def _as_numpy(tensor: Any) -> np.ndarray:
    """A NumPy copy of an array or a torch tensor (detached, on the CPU)."""
    if hasattr(tensor, "detach"):
        tensor = tensor.detach().cpu().numpy()
    return np.asarray(tensor)


def _song_from_notes(
    pitch: np.ndarray, onset: np.ndarray, duration: np.ndarray, steps_per_beat: int,
    tempo: float, time_signature: tuple[int, int], velocity: int, program: int,
) -> Song:
    notes = np.zeros(len(pitch), dtype=NOTE_DTYPE)
    notes["pitch"] = pitch
    notes["onset"] = onset
    notes["duration"] = duration
    notes["velocity"] = velocity
    notes["program"] = program
    return Song(
        notes=sort_notes(notes),
        steps_per_beat=steps_per_beat,
        tempos=[(0, float(tempo))],
        time_signatures=[(0, *time_signature)],
    )


def to_note_sequence(song: Song) -> np.ndarray:
    """The song's non-drum notes as an int64 array `(n, 3)` of (pitch, duration, time shift)."""
    notes = song.notes[~song.notes["is_drum"]]
    notes = notes[np.lexsort((notes["duration"], notes["pitch"], notes["onset"]))]  # tracks do not count
    sequence = np.empty((len(notes), 3), dtype=np.int64)
    sequence[:, PITCH] = notes["pitch"]
    sequence[:, DURATION] = notes["duration"]
    sequence[:, TIME_SHIFT] = np.diff(notes["onset"], prepend=0)
    return sequence


def from_note_sequence(
    sequence: Any, steps_per_beat: int = 12, tempo: float = DEFAULT_TEMPO,
    time_signature: tuple[int, int] = DEFAULT_METER, velocity: int = 90, program: int = 0,
) -> Song:
    """A Song from a `(n, 3)` note sequence. Pitches are clipped to 0..127 and time shifts to 0
    and above; rows with a duration below 1 are padding and are left out (their time shift too)."""
    sequence = _as_numpy(sequence).astype(np.int64).reshape(-1, 3)
    sequence = sequence[sequence[:, DURATION] >= 1]
    onset = np.cumsum(np.maximum(sequence[:, TIME_SHIFT], 0))
    pitch = np.clip(sequence[:, PITCH], 0, N_PITCHES - 1)
    return _song_from_notes(pitch, onset, sequence[:, DURATION], steps_per_beat, tempo, time_signature, velocity, program)


def to_piano_roll(song: Song, n_steps: int | None = None) -> np.ndarray:
    """The song's non-drum notes as a uint8 roll `(2, n_steps, 128)`; `n_steps` defaults to the
    song's end; notes past it are cut, a shorter song is padded with silence."""
    n_steps = song.end if n_steps is None else n_steps
    roll = np.zeros((2, n_steps, N_PITCHES), dtype=np.uint8)
    notes = song.notes[~song.notes["is_drum"] & (song.notes["onset"] < n_steps)]
    onsets = notes["onset"]
    ends = np.minimum(onsets + notes["duration"], n_steps)
    lengths = ends - onsets
    steps = np.repeat(onsets, lengths) + (np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths))
    roll[FRAME, steps, np.repeat(notes["pitch"], lengths)] = 1
    roll[ONSET, onsets, notes["pitch"]] = 1
    return roll


def from_piano_roll(
    roll: Any, steps_per_beat: int = 12, threshold: float = 0.5, tempo: float = DEFAULT_TEMPO,
    time_signature: tuple[int, int] = DEFAULT_METER, velocity: int = 90, program: int = 0,
) -> Song:
    """A Song from a roll `(2, n_steps, 128)` (or a frame-only `(n_steps, 128)`), values above
    `threshold` counting as on. A note starts where a pitch begins to sound or where its onset
    channel is set while it sounds, and lasts until the pitch stops or starts again."""
    roll = _as_numpy(roll)
    frame = roll[FRAME] > threshold if roll.ndim == 3 else roll > threshold
    n_steps = frame.shape[0]
    sounding = np.zeros((N_PITCHES, n_steps + 1), dtype=bool)  # a silent step closes every row
    sounding[:, :n_steps] = frame.T
    previous = np.zeros_like(sounding)
    previous[:, 1:] = sounding[:, :-1]
    starts = sounding & ~previous
    if roll.ndim == 3:
        starts[:, :n_steps] |= sounding[:, :n_steps] & (roll[ONSET] > threshold).T
    boundaries = np.flatnonzero(starts | ~sounding)
    start_index = np.flatnonzero(starts)
    end_index = boundaries[np.searchsorted(boundaries, start_index, side="right")]
    pitch, onset = np.divmod(start_index, n_steps + 1)
    return _song_from_notes(pitch, onset, end_index - start_index, steps_per_beat, tempo, time_signature, velocity, program)
