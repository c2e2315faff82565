"""Tensor views: the values they hold, and their inverses."""

from __future__ import annotations

import numpy as np
import torch
from support import make_song

from midigan.midi.tensors import (
    DURATION,
    FRAME,
    ONSET,
    PITCH,
    TIME_SHIFT,
    from_note_sequence,
    from_piano_roll,
    to_note_sequence,
    to_piano_roll,
)

from .test_song import chorale


def test_note_sequence_holds_pitch_duration_and_time_shift():
    song = make_song([(60, 6, 12, 0, False), (64, 18, 6, 0, False), (67, 18, 12, 0, False), (36, 20, 1, 1, True)])
    sequence = to_note_sequence(song)
    assert sequence.tolist() == [[60, 12, 6], [64, 6, 12], [67, 12, 0]]
    assert [PITCH, DURATION, TIME_SHIFT] == [0, 1, 2]


def test_note_sequence_inverse_accepts_torch_and_skips_padding():
    sequence = torch.tensor([[60, 12, 0], [200, 6, 12], [0, 0, 5], [62, 3, 6]])
    song = from_note_sequence(sequence, steps_per_beat=4, tempo=90.0, time_signature=(3, 4))
    assert list(zip(song.notes["pitch"].tolist(), song.notes["onset"].tolist(), song.notes["duration"].tolist())) == [
        (60, 0, 12),
        (127, 12, 6),
        (62, 18, 3),
    ]
    assert song.steps_per_beat == 4 and song.tempos == [(0, 90.0)] and song.time_signatures == [(0, 3, 4)]


def test_piano_roll_keeps_repeated_notes_apart():
    song = make_song([(60, 0, 6, 0, False), (60, 6, 6, 0, False), (64, 3, 3, 0, False)])
    roll = to_piano_roll(song, n_steps=16)
    assert roll.shape == (2, 16, 128) and roll.dtype == np.uint8
    assert roll[FRAME, :, 60].tolist() == [1] * 12 + [0] * 4
    assert np.flatnonzero(roll[ONSET, :, 60]).tolist() == [0, 6]
    back = from_piano_roll(torch.from_numpy(roll).float())
    assert list(zip(back.notes["pitch"].tolist(), back.notes["onset"].tolist(), back.notes["duration"].tolist())) == [
        (60, 0, 6),
        (64, 3, 3),
        (60, 6, 6),
    ]


def test_frame_only_roll_merges_repeats_and_short_rolls_cut_notes():
    song = make_song([(60, 0, 6, 0, False), (60, 6, 6, 0, False)])
    frames = to_piano_roll(song)[FRAME]
    assert from_piano_roll(frames).notes["duration"].tolist() == [12]
    assert from_piano_roll(to_piano_roll(song, n_steps=8)).notes["duration"].tolist() == [6, 2]


def test_round_trip_song_roll_song_keeps_a_chorale():
    song = chorale()
    back = from_piano_roll(to_piano_roll(song))
    unique = sorted(set(zip(song.notes["pitch"].tolist(), song.notes["onset"].tolist())))
    assert sorted(zip(back.notes["pitch"].tolist(), back.notes["onset"].tolist())) == unique
