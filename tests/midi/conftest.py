"""Helpers that write MIDI fixtures with mido, the reference implementation we test against."""

from __future__ import annotations

from pathlib import Path

import mido
import pytest


def timed_track(events: list[tuple[int, mido.Message | mido.MetaMessage]]) -> mido.MidiTrack:
    """A track from (absolute tick, message) pairs, kept in the given order at equal ticks."""
    track = mido.MidiTrack()
    now = 0
    for tick, message in sorted(events, key=lambda e: e[0]):
        track.append(message.copy(time=tick - now))
        now = tick
    return track


def notes(*specs: tuple[int, int, int], channel: int = 0, velocity: int = 80) -> list[tuple[int, mido.Message]]:
    """Note-on/note-off events for (pitch, start tick, end tick) specs."""
    events = []
    for pitch, start, end in specs:
        events.append((start, mido.Message("note_on", note=pitch, velocity=velocity, channel=channel)))
        events.append((end, mido.Message("note_off", note=pitch, velocity=0, channel=channel)))
    return events


def save(path: Path, tracks: list[list[tuple[int, mido.Message]]], ticks_per_beat: int = 480, midi_type: int = 1) -> Path:
    """Write a MIDI file of `tracks` (each a list of timed events) with mido."""
    midi = mido.MidiFile(type=midi_type, ticks_per_beat=ticks_per_beat)
    midi.tracks.extend(timed_track(events) for events in tracks)
    midi.save(path)
    return path


@pytest.fixture
def write(tmp_path: Path):
    """`write(name, tracks, ticks_per_beat=480, midi_type=1)` -> path of a fixture file in tmp_path."""

    def _write(name: str, tracks, ticks_per_beat: int = 480, midi_type: int = 1) -> Path:
        return save(tmp_path / name, tracks, ticks_per_beat, midi_type)

    return _write
