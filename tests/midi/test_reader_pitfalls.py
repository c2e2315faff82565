"""Every pitfall of real-world MIDI files: each is read correctly or refused with its reason."""

from __future__ import annotations

import os
from pathlib import Path

import mido
import numpy as np
import pytest
from support import MIDI as SAMPLE_DATA

from midigan.midi import MidiReadError, parse, read
from midigan.midi import write as write_song
from midigan.midi.reader import DOUBLED, HANGING, TOO_SHORT, ZERO_LENGTH

from .conftest import notes

TEMPO_100 = mido.MetaMessage("set_tempo", tempo=600_000)  # 100 quarter notes per minute


def columns(song, *names):
    return [tuple(int(v) for v in row) for row in zip(*(song.notes[name] for name in names))]


def refused(data: bytes) -> MidiReadError:
    with pytest.raises(MidiReadError) as caught:
        parse(data)
    return caught.value


@pytest.mark.parametrize("midi_type", [0, 1, 2])
def test_formats_0_1_2_give_the_same_notes(write, midi_type):
    melody = notes((60, 0, 480), (64, 480, 960), channel=0)
    bass = notes((36, 0, 960), channel=1)
    tracks = [melody + bass] if midi_type == 0 else [melody, bass]
    song = read(write("f.mid", tracks, midi_type=midi_type))
    # format 0 is split by channel, formats 1 and 2 by track: both give two tracks
    assert columns(song, "pitch", "onset", "duration", "track") == [(36, 0, 24, 1), (60, 0, 12, 0), (64, 12, 12, 0)]


def test_tempo_and_meter_on_a_later_track_are_read(write):
    conductor = [(0, mido.MetaMessage("track_name", name="conductor"))]
    music = notes((60, 0, 480), (62, 1920, 2400)) + [
        (960, TEMPO_100),
        (1920, mido.MetaMessage("time_signature", numerator=3, denominator=4)),
    ]
    song = read(write("t.mid", [conductor, music]))
    assert song.tempos == [(0, 120.0), (24, 100.0)]
    assert song.time_signatures == [(0, 4, 4), (48, 3, 4)]


def test_meter_changes_and_pickup_make_bars(write):
    meters = [
        (0, mido.MetaMessage("time_signature", numerator=1, denominator=4)),  # pickup: a 1/4 bar
        (480, mido.MetaMessage("time_signature", numerator=3, denominator=4)),
        (480 + 2 * 1440, mido.MetaMessage("time_signature", numerator=6, denominator=8)),
    ]
    music = notes((67, 0, 480), (72, 480, 1920), (71, 3360, 3360 + 1440 * 2))
    song = read(write("m.mid", [meters, music]))
    assert song.bar_starts().tolist() == [0, 12, 48, 84, 120]
    assert song.n_bars == 5
    assert [song.bar_length(step) for step in (0, 12, 84)] == [12, 36, 36]
    second = song.slice_bars(1, 3)
    assert columns(second, "pitch", "onset", "duration") == [(72, 0, 36)]
    assert second.time_signatures == [(0, 3, 4)]


def test_a_key_struck_again_ends_the_sounding_note(write):
    events = [
        (0, mido.Message("note_on", note=60, velocity=70)),
        (480, mido.Message("note_on", note=60, velocity=90)),
        (960, mido.Message("note_off", note=60)),
        (1440, mido.Message("note_off", note=60)),
    ]
    song = read(write("o.mid", [events]))
    assert columns(song, "pitch", "onset", "duration", "velocity") == [(60, 0, 12, 70), (60, 12, 12, 90)]


@pytest.mark.parametrize("off_first", [True, False])
def test_a_repeated_note_reads_the_same_whichever_event_comes_first_at_its_tick(write, off_first):
    at_480 = [mido.Message("note_off", note=60), mido.Message("note_on", note=60, velocity=90)]
    events = [(0, mido.Message("note_on", note=60, velocity=70))]
    events += [(480, message) for message in (at_480 if off_first else at_480[::-1])]
    events += [(960, mido.Message("note_off", note=60))]
    song = read(write("r.mid", [events]))
    assert columns(song, "pitch", "onset", "duration", "velocity") == [(60, 0, 12, 70), (60, 12, 12, 90)]
    assert song.dropped == {}


def test_notes_brought_together_by_the_grid_still_read_back_as_written(write, tmp_path):
    """A note shorter than half a step is kept at one step, which can reach the next strike of its key."""
    path = write("g.mid", [notes((60, 0, 10), (60, 10, 100), (62, 0, 200))])
    song = read(path, steps_per_beat=4)  # 120 ticks a step: both C's start on step 0
    assert columns(song, "pitch", "onset", "duration") == [(60, 0, 1), (62, 0, 2)]
    assert song.dropped == {DOUBLED: 1}
    write_song(song, tmp_path / "again.mid")
    assert np.array_equal(read(tmp_path / "again.mid", steps_per_beat=4).notes, song.notes)


def test_a_note_on_without_its_note_off_does_not_lengthen_later_notes(write):
    """As music21 writes a unison of two voices: two note-ons, one note-off, then the tune goes on."""
    events = [
        (0, mido.Message("note_on", note=64, velocity=70)),
        (0, mido.Message("note_on", note=64, velocity=70)),
        (480, mido.Message("note_off", note=64)),
        (960, mido.Message("note_on", note=64, velocity=80)),
        (1200, mido.Message("note_off", note=64)),
        (1440, mido.Message("note_on", note=64, velocity=80)),
        (1680, mido.Message("note_off", note=64)),
    ]
    song = read(write("u.mid", [events]))
    assert columns(song, "pitch", "onset", "duration") == [(64, 0, 12), (64, 24, 6), (64, 36, 6)]
    assert song.dropped == {DOUBLED: 1}


def test_velocity_zero_note_on_ends_a_note(write):
    events = [(0, mido.Message("note_on", note=62, velocity=64)), (240, mido.Message("note_on", note=62, velocity=0))]
    song = read(write("v.mid", [events]))
    assert columns(song, "pitch", "onset", "duration", "velocity") == [(62, 0, 6, 64)]


def test_hanging_notes_close_at_the_end_of_their_track(write):
    short_track = [(0, mido.Message("note_on", note=60, velocity=80)), (960, mido.MetaMessage("text", text="end"))]
    long_track = notes((48, 0, 4800))
    song = read(write("h.mid", [short_track, long_track]))
    assert columns(song, "pitch", "onset", "duration") == [(48, 0, 120), (60, 0, 24)]
    assert song.repaired == {HANGING: 1}


def test_a_note_without_its_note_off_ends_where_its_part_plays_on(write):
    """As in a shared madrigal: a chord's note-offs missing mid-piece, the part going on later."""
    events = [
        (0, mido.Message("note_on", note=45, velocity=90)),
        (0, mido.Message("note_on", note=52, velocity=90)),
        (480, mido.Message("note_off", note=52)),
        (1920, mido.Message("note_on", note=55, velocity=90)),
        (2400, mido.Message("note_off", note=55)),
        (9600, mido.MetaMessage("text", text="end")),
    ]
    song = read(write("m.mid", [events]))
    assert columns(song, "pitch", "onset", "duration") == [(45, 0, 48), (52, 0, 12), (55, 48, 12)]
    assert song.repaired == {HANGING: 1}


def test_zero_length_notes_are_dropped_and_counted_short_ones_kept(write):
    song = read(write("z.mid", [notes((60, 0, 0), (61, 100, 100), (62, 480, 960), (63, 960, 970))]))
    assert columns(song, "pitch", "onset", "duration") == [(62, 12, 12), (63, 24, 1)]
    assert song.dropped == {ZERO_LENGTH: 2}
    assert song.repaired == {TOO_SHORT: 1}


def test_drums_are_marked_and_a_drums_only_file_is_refused(write):
    mixed = read(write("d.mid", [notes((60, 0, 480)), notes((36, 0, 240), channel=9)]))
    assert columns(mixed, "pitch", "is_drum") == [(36, 1), (60, 0)]
    with pytest.raises(MidiReadError, match="drums only"):
        read(write("drums.mid", [notes((36, 0, 240), (38, 240, 480), channel=9)]))


def test_files_without_notes_or_tracks_are_refused(write, tmp_path):
    with pytest.raises(MidiReadError, match="^no notes$"):
        read(write("empty-track.mid", [[(0, mido.MetaMessage("track_name", name="x"))]]))
    with pytest.raises(MidiReadError, match="no notes: 1 zero-length"):
        read(write("only-zero.mid", [notes((60, 5, 5))]))
    with pytest.raises(MidiReadError, match="no tracks"):
        read(write("no-tracks.mid", []))


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "empty file"),
        (np.random.default_rng(0).bytes(3000), "not a MIDI file"),
        (b"X: 1\nT: not music\nK: G\n" * 20, "not a MIDI file"),
        (b"MThd\x00\x00\x00\x06\x00\x01\x00\x01\xe7\x28" + b"MTrk\x00\x00\x00\x04\x00\xff\x2f\x00", "SMPTE"),
        (b"MThd\x00\x00\x00\x06\x00\x01\x00\x01\x00\x00", "corrupt header"),
        (b"MThd\x00\x00\x00\x06\x00\x01", "truncated"),
    ],
    ids=["empty", "random-bytes", "text", "smpte", "zero-division", "short-header"],
)
def test_non_midi_bytes_are_refused_with_their_reason(data, reason):
    assert refused(data).reason.startswith(reason)


def test_every_truncation_of_a_real_file_is_refused_cleanly():
    data = (SAMPLE_DATA / "bach" / sorted(os.listdir(SAMPLE_DATA / "bach"))[0]).read_bytes()
    reasons = {refused(data[:cut]).reason for cut in [*range(0, 30), *range(30, len(data) - 1, 7)]}
    assert reasons == {"empty file", "truncated"}


def test_track_length_past_the_end_of_the_file_is_refused(write):
    data = bytearray(write("long.mid", [notes((60, 0, 480))]).read_bytes())
    data[18:22] = (len(data) * 2).to_bytes(4, "big")  # the MTrk length field
    assert str(refused(bytes(data))).startswith("truncated: track 1 ends after")


def test_data_byte_above_127_is_refused():
    track = b"\x00\x90\x3c\xc8\x60\x80\x3c\x00\x00\xff\x2f\x00"  # velocity 0xC8
    data = b"MThd\x00\x00\x00\x06\x00\x00\x00\x01\x01\xe0" + b"MTrk" + len(track).to_bytes(4, "big") + track
    assert refused(data).reason == "corrupt track"
    assert "above 127" in str(refused(data))


def test_running_status_sysex_and_unknown_chunks_are_handled():
    track = (
        b"\x00\xf0\x03\x7e\x7f\xf7"  # sysex
        b"\x00\x90\x3c\x40" b"\x83\x60\x3c\x00"  # note-on, then running-status velocity-0 note-off after 480 ticks
        b"\x00\x3e\x40" b"\x81\x70\x3e\x00"  # running status again: 62 for 240 ticks
        b"\x00\xff\x2f\x00"
    )
    alien = b"XFIH\x00\x00\x00\x02ab"
    data = b"MThd\x00\x00\x00\x06\x00\x00\x00\x01\x01\xe0" + alien + b"MTrk" + len(track).to_bytes(4, "big") + track
    assert columns(parse(data), "pitch", "onset", "duration") == [(60, 0, 12), (62, 12, 6)]


@pytest.mark.parametrize("ticks_per_beat", [1, 32767])
def test_extreme_resolutions(write, ticks_per_beat):
    beat = ticks_per_beat
    song = read(write("r.mid", [notes((60, 0, beat), (62, beat, 3 * beat))], ticks_per_beat=ticks_per_beat))
    assert columns(song, "pitch", "onset", "duration") == [(60, 0, 12), (62, 12, 24)]


def test_two_hundred_thousand_notes(tmp_path):
    n = 200_000
    pitches = [60, 64, 67, 72]
    pairs = [(mido.Message("note_on", note=p, velocity=64), mido.Message("note_off", note=p, time=120)) for p in pitches]
    track = mido.MidiTrack(message for i in range(n) for message in pairs[i % 4])
    midi = mido.MidiFile(ticks_per_beat=480)
    midi.tracks.append(track)
    midi.save(tmp_path / "big.mid")
    song = read(tmp_path / "big.mid")
    assert len(song.notes) == n
    assert song.notes["onset"][-1] == (n - 1) * 3 and set(song.notes["duration"].tolist()) == {3}
    assert song.notes["pitch"][:8].tolist() == pitches * 2


def test_hours_of_music_past_pretty_midis_tick_limit(write):
    hours = 3 * 60 * 120 * 480  # three hours at 120 quarter notes per minute, in ticks (> 10M)
    song = read(write("drone.mid", [notes((60, 0, hours), (67, hours, hours + 480))]))
    assert columns(song, "pitch", "onset", "duration") == [(60, 0, hours // 40), (67, hours // 40, 12)]
    assert song.n_bars == hours // 1920 + 1


def test_paths_that_are_not_files_are_refused(tmp_path: Path):
    with pytest.raises(MidiReadError, match="cannot open file"):
        read(tmp_path / "missing.mid")
    with pytest.raises(MidiReadError, match="not a file"):
        read(tmp_path)


def test_a_silence_of_over_a_thousand_beats_is_a_damaged_file(write):
    # one damaged file in the sweep had a delta time of 2^28 ticks: 559,240 beats where nothing sounds
    long_rest = notes((60, 0, 480), (62, 480 * 1002, 480 * 1003))
    error = pytest.raises(MidiReadError, read, write("gap.mid", [long_rest])).value
    assert error.reason == "a long silence" and "no note sounds for 1001 beats from beat 1" in str(error)
    tacet = read(write("tacet.mid", [notes((60, 0, 480), (62, 480 * 999, 480 * 1000))]))  # 998 beats: music still
    assert columns(tacet, "pitch", "onset") == [(60, 0), (62, 999 * 12)]


def test_track_names_in_utf8_or_latin1_read_as_written_and_survive_a_write(write, tmp_path):
    # a UTF-8 "Flöte" read as Latin-1 was "FlÃ¶te" (in info, in the training log, in part matching)
    flute, melody, old = "Flöte".encode(), "旋律 — Sopran".encode(), "Flöte".encode("latin-1")
    tracks = [[(0, mido.MetaMessage("track_name", name=raw.decode("latin-1"))), *notes((60 + i, 0, 480))]
              for i, raw in enumerate((flute, melody, old))]
    song = read(write("names.mid", tracks))
    assert song.track_names == {0: "Flöte", 1: "旋律 — Sopran", 2: "Flöte"}
    write_song(song, tmp_path / "again.mid")
    assert read(tmp_path / "again.mid").track_names == song.track_names
    assert mido.MidiFile(tmp_path / "again.mid").tracks[1].name == "Flöte"  # Latin-1 where it fits, as mido reads it
