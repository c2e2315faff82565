"""`Song` to a Standard MIDI File (format 1), encoded directly to bytes.

Layout: track 0 is the conductor (tempo, meter, key); then one MTrk per Song `track` (0, 1, ...),
so reading the file back gives the same track numbers. The file has `steps_per_beat * k` ticks
per beat (about 480), so every grid step is a whole number of ticks and a re-read is exact.
Channel per track: drums on channel 10, other tracks on 1-9, 11-16 in turn; a program change
is written wherever a track's program changes. Velocities are clipped to 1..127 and durations to
at least one step, since a velocity-0 note-on or a zero-length note would read back as nothing.
Two notes of one pitch that overlap in one track are written as played; the reader reads the later
strike as ending the earlier note (`midigan.midi.reader`), as a synthesizer plays them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from midigan.song import Song

_MELODIC_CHANNELS = [c for c in range(16) if c != 9]
_SHARPS_BY_MAJOR = {"Cb": -7, "Gb": -6, "Db": -5, "Ab": -4, "Eb": -3, "Bb": -2, "F": -1, "C": 0,
                    "G": 1, "D": 2, "A": 3, "E": 4, "B": 5, "F#": 6, "C#": 7}
_SHARPS_BY_MINOR = {"Ab": -7, "Eb": -6, "Bb": -5, "F": -4, "C": -3, "G": -2, "D": -1, "A": 0,
                    "E": 1, "B": 2, "F#": 3, "C#": 4, "G#": 5, "D#": 6, "A#": 7}
_PRIORITY_OFF, _PRIORITY_PROGRAM, _PRIORITY_ON = 0, 1, 2


def write(song: Song, path: str | Path) -> None:
    """Write `song` as a Standard MIDI File (format 1) at `path`."""
    Path(path).write_bytes(encode(song))


def encode(song: Song) -> bytes:
    """The bytes of the Standard MIDI File for `song`."""
    scale = max(1, 480 // song.steps_per_beat)
    ticks_per_beat = song.steps_per_beat * scale
    if ticks_per_beat > 0x7FFF:
        raise ValueError(f"steps_per_beat {song.steps_per_beat} is too fine for a MIDI file")
    sounding = int(song.notes["track"].max()) + 1 if len(song.notes) else 0
    n_tracks = max([sounding, *(track + 1 for track in song.track_names)])  # a named part that rests throughout is kept
    chunks = [_conductor_track(song, scale)]
    chunks += [_note_track(song, track, scale) for track in range(n_tracks)]
    header = b"MThd" + (6).to_bytes(4, "big") + (1).to_bytes(2, "big")
    header += len(chunks).to_bytes(2, "big") + ticks_per_beat.to_bytes(2, "big")
    return header + b"".join(chunks)


def _varlen(value: int) -> bytes:
    """A MIDI variable-length quantity."""
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))


def _chunk(events: list[tuple[int, int, bytes]]) -> bytes:
    """An MTrk chunk from (tick, priority, message bytes) events, ended by end-of-track."""
    events.sort(key=lambda e: (e[0], e[1]))
    body = bytearray()
    last = 0
    for tick, _, message in events:
        body += _varlen(tick - last)
        body += message
        last = tick
    body += b"\x00\xff\x2f\x00"
    return b"MTrk" + len(body).to_bytes(4, "big") + bytes(body)


def _meta(meta_type: int, payload: bytes) -> bytes:
    return bytes([0xFF, meta_type]) + _varlen(len(payload)) + payload


def _conductor_track(song: Song, scale: int) -> bytes:
    events = []
    for step, bpm in song.tempos:
        microseconds = min(0xFFFFFF, max(1, round(60_000_000 / bpm)))
        events.append((step * scale, 0, _meta(0x51, microseconds.to_bytes(3, "big"))))
    for step, numerator, denominator in song.time_signatures:
        power = denominator.bit_length() - 1
        if denominator != 1 << power:
            raise ValueError(f"time signature {numerator}/{denominator}: the denominator must be a power of 2")
        events.append((step * scale, 0, _meta(0x58, bytes([numerator, power, 24, 8]))))
    for step, key in song.key_signatures:
        minor = key.endswith("m")
        sharps = (_SHARPS_BY_MINOR if minor else _SHARPS_BY_MAJOR)[key[:-1] if minor else key]
        events.append((step * scale, 0, _meta(0x59, bytes([sharps & 0xFF, int(minor)]))))
    return _chunk(events)


def _name_bytes(name: str) -> bytes:
    """Latin-1, which mido and pretty_midi read by default, where it holds the name; else UTF-8, which
    the reader takes first (a Latin-1 name is not valid UTF-8 unless it looks like mangled UTF-8)."""
    try:
        return name.encode("latin-1")
    except UnicodeEncodeError:
        return name.encode("utf-8")


def _note_track(song: Song, track: int, scale: int) -> bytes:
    notes = song.notes[song.notes["track"] == track]
    melodic_channel = _MELODIC_CHANNELS[track % len(_MELODIC_CHANNELS)]
    channels = np.where(notes["is_drum"], 9, melodic_channel)
    pitches = np.clip(notes["pitch"], 0, 127)
    velocities = np.clip(notes["velocity"], 1, 127)
    starts = notes["onset"] * scale
    ends = (notes["onset"] + np.maximum(notes["duration"], 1)) * scale
    events = []
    name = song.track_names.get(track, "")
    if name:
        events.append((0, _PRIORITY_PROGRAM, _meta(0x03, _name_bytes(name))))
    program_now: dict[int, int] = {}
    for start, end, channel, pitch, velocity, program in zip(
        starts.tolist(), ends.tolist(), channels.tolist(), pitches.tolist(), velocities.tolist(),
        notes["program"].tolist(),
    ):
        if program_now.get(channel) != program:
            program_now[channel] = program
            events.append((start, _PRIORITY_PROGRAM, bytes([0xC0 | channel, program & 0x7F])))
        events.append((start, _PRIORITY_ON, bytes([0x90 | channel, pitch, velocity])))
        events.append((end, _PRIORITY_OFF, bytes([0x80 | channel, pitch, 0])))
    return _chunk(events)
