"""Song helpers: bars, transposition, melody, first track, slicing."""

from __future__ import annotations

import numpy as np
from support import MIDI as SAMPLE_DATA
from support import make_song

from midigan.midi import read
from midigan.song import Song


def chorale() -> Song:
    return read(sorted((SAMPLE_DATA / "bach").glob("*.mid"))[0])


def test_bars_follow_the_meter_of_a_real_chorale():
    song = chorale()
    assert song.time_signatures == [(0, 4, 4)] and song.bar_length() == 48
    assert song.n_bars == -(-song.end // 48)
    assert np.array_equal(song.bar_starts(), np.arange(song.n_bars) * 48)


def test_a_song_without_notes_has_no_bars():
    song = make_song([])
    assert song.end == 0 and song.n_bars == 0 and len(song.bar_starts()) == 0


def test_transpose_moves_pitches_and_key_but_not_drums():
    song = make_song([(60, 0, 12, 0, False), (120, 0, 12, 0, False), (36, 0, 12, 1, True)], key_signatures=[(0, "Em")])
    up = song.transpose(10)
    assert sorted(zip(up.notes["pitch"].tolist(), up.notes["is_drum"].tolist())) == [(36, True), (70, False), (127, False)]
    assert up.key_signatures == [(0, "Dm")]
    assert song.notes["pitch"].tolist() == [36, 60, 120]  # the original is untouched


def test_melody_of_a_chorale_is_the_monophonic_top_voice():
    song = chorale()
    soprano = [track for track, name in song.track_names.items() if name == "Soprano"][0]
    line = song.melody()
    onsets, ends = line.notes["onset"], line.notes["onset"] + line.notes["duration"]
    assert np.all(ends[:-1] <= onsets[1:]) and np.all(np.diff(onsets) > 0)
    # every soprano note that is the highest sounding pitch where it starts is in the melody
    notes = song.notes
    kept = set(zip(line.notes["onset"].tolist(), line.notes["pitch"].tolist()))
    on_top = [
        (onset, pitch)
        for onset, pitch in zip(notes["onset"][notes["track"] == soprano].tolist(), notes["pitch"][notes["track"] == soprano].tolist())
        if pitch == notes["pitch"][(notes["onset"] <= onset) & (notes["onset"] + notes["duration"] > onset)].max()
    ]
    assert len(on_top) > len(line.notes) // 2 and set(on_top) <= kept


def test_melody_skips_notes_under_a_sounding_higher_note_and_cuts_at_the_next():
    song = make_song([(72, 0, 24, 0, False), (60, 0, 48, 1, False), (64, 12, 12, 1, False), (67, 36, 12, 1, False), (80, 0, 6, 2, True)])
    line = song.melody()
    assert list(zip(line.notes["pitch"].tolist(), line.notes["onset"].tolist(), line.notes["duration"].tolist())) == [
        (72, 0, 24),
        (67, 36, 12),
    ]
    assert line.notes["track"].tolist() == [0, 0]


def test_first_track_keeps_the_soprano_where_the_melody_would_take_a_higher_alto():
    song = make_song([(67, 0, 12, 2, False), (72, 0, 12, 3, False), (64, 12, 12, 2, False), (60, 12, 12, 3, False)])
    assert song.first_track().notes["pitch"].tolist() == [67, 64]
    assert song.melody().notes["pitch"].tolist() == [72, 64]


def test_slice_bars_shifts_and_cuts_and_keeps_the_meter_in_force():
    song = make_song(
        [(60, 0, 36, 0, False), (62, 36, 30, 0, False), (64, 72, 12, 0, False)],
        time_signatures=[(0, 3, 4), (36, 2, 4)],
        tempos=[(0, 90.0), (40, 60.0)],
    )
    assert song.bar_starts().tolist() == [0, 36, 60]
    middle = song.slice_bars(1, 2)
    assert list(zip(middle.notes["pitch"].tolist(), middle.notes["onset"].tolist(), middle.notes["duration"].tolist())) == [(62, 0, 24)]
    assert middle.time_signatures == [(0, 2, 4)] and middle.tempos == [(0, 90.0), (4, 60.0)]
    assert len(song.slice_bars(5, 7).notes) == 0 and song.slice_bars(0, 3).notes.tolist() == song.notes.tolist()
