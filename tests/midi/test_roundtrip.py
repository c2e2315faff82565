"""read -> write -> read on every shared file, checked by our reader, by mido and by pretty_midi."""

from __future__ import annotations

import dataclasses
import io
from multiprocessing import Pool
from pathlib import Path

import mido
import numpy as np
import pretty_midi
import pytest
from support import SHARED_DATA

from midigan.midi import encode, parse, read, write
from midigan.midi.tensors import from_note_sequence, from_piano_roll, to_note_sequence, to_piano_roll

FIELDS = ["pitch", "onset", "duration", "velocity", "track", "program", "is_drum"]


def shared_files(corpus: str) -> list[Path]:
    files = sorted((SHARED_DATA / corpus).glob("*.mid"))
    if not files:
        pytest.skip(f"shared data {corpus} not present")
    return files


def check_file(path: Path) -> str | None:
    """Round-trip one file; None if all is well, else what differs."""
    song = read(path)
    data = encode(song)
    again = parse(data)
    for name in FIELDS:
        if not np.array_equal(song.notes[name], again.notes[name]):
            return f"{path.name}: {name} differs after read -> write -> read"
    for name in ("tempos", "time_signatures", "key_signatures", "track_names"):
        if getattr(song, name) != getattr(again, name):
            return f"{path.name}: {name} differs after read -> write -> read"
    return check_with_mido_and_pretty_midi(song, data, path.name)


def check_with_mido_and_pretty_midi(song, data: bytes, name: str) -> str | None:
    midi = mido.MidiFile(file=io.BytesIO(data))
    ticks_per_step = midi.ticks_per_beat // song.steps_per_beat
    expected = sorted(
        zip(song.notes["track"] + 1, song.notes["onset"] * ticks_per_step, song.notes["pitch"]),
    )
    seen = []
    for index, track in enumerate(midi.tracks):
        now = 0
        for message in track:
            now += message.time
            if message.type == "note_on" and message.velocity > 0:
                seen.append((index, now, message.note))
    if sorted(seen) != [tuple(int(v) for v in row) for row in expected]:
        return f"{name}: mido sees other note-ons"
    score = pretty_midi.PrettyMIDI(mido_object=midi)
    theirs = [
        (note.pitch, score.time_to_tick(note.start) // ticks_per_step, score.time_to_tick(note.end) // ticks_per_step, note.velocity)
        for instrument in score.instruments
        for note in instrument.notes
    ]
    notes = song.notes
    ends = notes["onset"] + notes["duration"]
    ours = list(zip(notes["pitch"].tolist(), notes["onset"].tolist(), ends.tolist(), notes["velocity"].tolist()))
    if sorted(theirs) != sorted(ours):
        return f"{name}: pretty_midi sees other notes"
    return None


@pytest.mark.parametrize("corpus", ["bach", "folk", "chamber", "madrigals"])
def test_every_shared_file_survives_a_round_trip(corpus):
    pretty_midi.pretty_midi.MAX_TICK = 10**10
    with Pool(2) as pool:
        problems = [problem for problem in pool.imap(check_file, shared_files(corpus), chunksize=64) if problem]
    assert problems == []


def test_write_makes_a_file_that_reads_back(tmp_path):
    song = read(shared_files("bach")[0])
    write(song, tmp_path / "copy.mid")
    assert np.array_equal(read(tmp_path / "copy.mid").notes, song.notes)


@pytest.mark.parametrize("corpus", ["bach", "folk", "chamber", "madrigals"])
def test_tensor_views_are_idempotent_on_real_music(corpus):
    for path in shared_files(corpus)[::20]:
        song = read(path)
        sequence = to_note_sequence(song)
        assert np.array_equal(to_note_sequence(from_note_sequence(sequence)), sequence), path.name
        roll = to_piano_roll(song)
        assert np.array_equal(to_piano_roll(from_piano_roll(roll), len(roll[0])), roll), path.name


def test_a_named_part_that_rests_throughout_is_still_a_track() -> None:
    """A generated piece whose last part rests for the whole piece was written without that track,
    so the files of one model had different track layouts (a DAW template could not take them)."""
    chorale = read(Path(__file__).resolve().parents[2] / "data" / "midi" / "bach" / "bach_bwv1.6.mid")
    names = {track: chorale.track_names.get(track, f"part {track}") for track in range(int(chorale.notes["track"].max()) + 1)}
    last = max(names)
    silent_bass = dataclasses.replace(chorale, notes=chorale.notes[chorale.notes["track"] != last], track_names=names)
    tracks = mido.MidiFile(file=io.BytesIO(encode(silent_bass))).tracks
    assert len(tracks) == last + 2 and [m.name for m in tracks[-1] if m.type == "track_name"] == [names[last]]
