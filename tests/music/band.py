"""A small band arrangement written with mido, in the shapes real files come in: format 0 and 1,
a drum track, an empty track, a track that changes program."""

from __future__ import annotations

from pathlib import Path

import mido

# (channel, program, pitches of each quarter of a bar) for a small band: flute, piano chords, bass, drums
BAND = [(0, 73, [[72], [74], [76], [77]]), (1, 0, [[60, 64, 67], [], [60, 64, 67], []]), (2, 33, [[36], [43], [36], [43]]),
        (9, 0, [[36, 42], [42], [38, 42], [42]])]


def band_file(path: Path, bars: int = 8, format_0: bool = False, shift: int = 0, program_change: bool = False,
              empty_track: bool = False) -> Path:
    """A band arrangement written with mido: one track per part, or all on one track (format 0)."""
    tracks = []
    for channel, program, beats in BAND:
        events = [(0, mido.Message("program_change", channel=channel, program=program))]
        for bar in range(bars):
            if program_change and channel == 0 and bar == bars - 1:
                events.append(((bar * 4) * 480, mido.Message("program_change", channel=channel, program=74)))
            for beat, pitches in enumerate(beats):
                for pitch in pitches:
                    start = (bar * 4 + beat) * 480
                    moved = pitch if channel == 9 else pitch + shift + (bar % 2) * 2 * (channel == 0)
                    events.append((start, mido.Message("note_on", channel=channel, note=moved, velocity=90)))
                    events.append((start + 400, mido.Message("note_off", channel=channel, note=moved, velocity=0)))
        tracks.append(events)
    midi = mido.MidiFile(type=0 if format_0 else 1, ticks_per_beat=480)
    groups = [sum(tracks, [])] if format_0 else tracks
    if empty_track and not format_0:
        groups.append([(0, mido.MetaMessage("track_name", name="empty"))])
    for events in groups:
        track = mido.MidiTrack()
        now = 0
        for tick, message in sorted(events, key=lambda item: (item[0], item[1].type == "note_on")):
            track.append(message.copy(time=tick - now))
            now = tick
        midi.tracks.append(track)
    midi.save(path)
    return path


def band_folder(folder: Path, files: int = 6) -> Path:
    folder.mkdir()
    for i in range(files):
        band_file(folder / f"song{i}.mid", format_0=i % 2 == 0, shift=i % 3, program_change=i == 1, empty_track=i == 3)
    return folder
