"""A small, strict Standard MIDI File reader working directly on bytes.

Why our own parser: pretty_midi goes through mido, which builds a Python object per message;
reading only what a `Song` needs (notes, program changes, tempo, meter, key, track names) straight
from the bytes is several times faster, reads tempo and meter from every track, has no tick limit,
and turns every defect into a `MidiReadError` with a plain reason.

Conventions:
- onset in beats = tick / ticks_per_beat, rounded to the nearest grid step (halves round up);
- a note-on with velocity 0 is a note-off; a note-on for a pitch already sounding on its channel
  ends the sounding note there (a key struck again; a note-off at that same tick, written before or
  after the strike, belongs to the ended note), and a second note-on at the sounding note's own
  tick is dropped (counted in `Song.dropped`: the first strike stands). Why not pairing notes
  first-in-first-out: files exported from notation (music21 writes a double stop or a unison of
  two voices as two note-ons and one note-off) leave a note-on without its note-off, and pairing
  in order then hands every later note of that pitch the next one's note-off: a string quartet
  read that way had 12 notes sounding at once on average (4.4 as pretty_midi reads it). This
  reading never overlaps two notes of one pitch on one channel, which is also what a synthesizer
  plays, and the rule holds again after rounding to the grid (`_one_note_per_key`), so a file
  written from a Song reads back as the same Song;
- a note still sounding when its track ends (its note-off missing) is closed where the same
  channel of the same track strikes its next note, or at the track's end if none follows (counted
  in `Song.repaired`): in the shared madrigals a chord left sounding mid-piece would otherwise last
  229 beats. The price: a held bass note whose note-off is missing stops at the next melody note;
- zero-tick notes are dropped (counted in `Song.dropped`); a note shorter than half a step is
  kept at one step (counted in `Song.repaired`), because grace notes are part of the tune;
- each (track chunk, channel) pair that carries notes becomes one `track` of the Song, numbered
  in file order, so format 0 files are split by channel; channel 10 (index 9) is drums.
"""

from __future__ import annotations

import bisect
from pathlib import Path

import numpy as np

from midigan.midi.errors import MidiReadError
from midigan.song import DEFAULT_METER, DEFAULT_TEMPO, NOTE_DTYPE, Song, sort_notes

DRUM_CHANNEL = 9
ZERO_LENGTH = "zero length"
HANGING = "note without a note-off closed at its channel's next note or its track's end"
DOUBLED = "struck twice at once, kept once"
TOO_SHORT = "shorter than half a step, kept at one step"
#: a file where no note sounds for longer than this is damaged (one had a delta time of 2^28 ticks): read as
#: it is, its one silence of 139,818 rests made every other tune of its folder's durations rare, and
#: rendering it wrote 3.7 GB of silence. Real music with a tacet stretch this long (8 minutes at 120 bpm)
#: is a file of several pieces.
MAX_SILENCE_BEATS = 1_000

_MAJOR_BY_SHARPS = ["Cb", "Gb", "Db", "Ab", "Eb", "Bb", "F", "C", "G", "D", "A", "E", "B", "F#", "C#"]
_MINOR_BY_SHARPS = ["Ab", "Eb", "Bb", "F", "C", "G", "D", "A", "E", "B", "F#", "C#", "G#", "D#", "A#"]


class _Events:
    """What the track parser collects from all tracks, in ticks."""

    def __init__(self) -> None:
        self.notes: list[tuple[int, int, int, int, int, int, int]] = []  # on, off, pitch, vel, chunk, channel, program
        self.tempos: list[tuple[int, int]] = []  # tick, microseconds per beat
        self.meters: list[tuple[int, int, int]] = []  # tick, numerator, denominator
        self.keys: list[tuple[int, str]] = []
        self.names: dict[int, str] = {}  # chunk -> track name
        self.hanging = 0
        self.doubled = 0


def read(path: str | Path, steps_per_beat: int = 12) -> Song:
    """Read a Standard MIDI File into a Song on a grid of `steps_per_beat` steps per beat.

    Raises MidiReadError, and nothing else, for any file that cannot be read as music."""
    try:
        data = Path(path).read_bytes()
    except IsADirectoryError:
        raise MidiReadError("not a file", str(path)) from None
    except OSError as error:
        raise MidiReadError("cannot open file", error.strerror or str(error)) from None
    return parse(data, steps_per_beat, source=str(path))


def parse(data: bytes, steps_per_beat: int = 12, source: str = "") -> Song:
    """A Song from the bytes of a Standard MIDI File (see `read`)."""
    if steps_per_beat < 1:
        raise ValueError("steps_per_beat must be at least 1")
    ticks_per_beat, n_tracks = _parse_header(data)
    events = _Events()
    chunk = 0
    position = 8 + int.from_bytes(data[4:8], "big")
    while position + 8 <= len(data) and chunk < n_tracks:
        chunk_id = data[position : position + 4]
        length = int.from_bytes(data[position + 4 : position + 8], "big")
        start, end = position + 8, position + 8 + length
        if chunk_id == b"MTrk":
            if end > len(data):
                raise MidiReadError("truncated", f"track {chunk + 1} ends after {len(data) - start} of {length} bytes")
            _parse_track(data[start:end], chunk, events)
            chunk += 1
        elif not chunk_id.isalnum():
            raise MidiReadError("corrupt file", f"no track chunk at byte {position} (found {chunk_id!r})")
        position = end
    if chunk < n_tracks:
        raise MidiReadError("truncated", f"header announces {n_tracks} tracks, file has {chunk}")
    return _to_song(events, ticks_per_beat, steps_per_beat, source)


def _parse_header(data: bytes) -> tuple[int, int]:
    """(ticks per beat, number of tracks) from the MThd chunk."""
    if not data:
        raise MidiReadError("empty file")
    if len(data) < 4 and b"MThd".startswith(data):
        raise MidiReadError("truncated", f"file ends after {len(data)} bytes")
    if data[:4] != b"MThd":
        raise MidiReadError("not a MIDI file", f"starts with {data[:4]!r}")
    if len(data) < 14:
        raise MidiReadError("truncated", f"header ends after {len(data)} of 14 bytes")
    header_length = int.from_bytes(data[4:8], "big")
    if header_length < 6:
        raise MidiReadError("corrupt header", f"header length {header_length} is below 6")
    midi_format = int.from_bytes(data[8:10], "big")
    n_tracks = int.from_bytes(data[10:12], "big")
    division = int.from_bytes(data[12:14], "big")
    if midi_format > 2:
        raise MidiReadError("corrupt header", f"unknown MIDI format {midi_format}")
    if division & 0x8000:
        raise MidiReadError("SMPTE time division is not supported")
    if division == 0:
        raise MidiReadError("corrupt header", "0 ticks per beat")
    if n_tracks == 0:
        raise MidiReadError("no tracks")
    return division, n_tracks


def _parse_track(track: bytes, chunk: int, events: _Events) -> None:
    """Collect notes and meta events of one MTrk chunk (its bytes only) into `events`."""
    notes = events.notes
    open_notes: dict[int, tuple[int, int, int]] = {}  # channel << 7 | pitch -> (tick, vel, program)
    programs = [0] * 16
    strikes: list[list[int]] = [[] for _ in range(16)]  # each channel's note-on ticks, in order
    struck_again: dict[int, int] = {}  # key -> the latest tick a strike ended its sounding note
    tick = 0
    status = 0
    i = 0
    size = len(track)
    try:
        while i < size:
            byte = track[i]
            i += 1
            delta = byte & 0x7F
            while byte & 0x80:
                byte = track[i]
                i += 1
                delta = (delta << 7) | (byte & 0x7F)
            tick += delta
            byte = track[i]
            if byte & 0x80:
                i += 1
                if byte >= 0xF0:
                    if byte == 0xFF:
                        i, end_of_track = _meta_event(track, i, tick, chunk, events)
                        if end_of_track:
                            break
                    elif byte in (0xF0, 0xF7):
                        length, i = _varlen(track, i)
                        i += length
                        status = 0
                    else:
                        raise MidiReadError("corrupt track", f"track {chunk + 1}: unexpected status byte 0x{byte:02X}")
                    continue
                status = byte
            elif status == 0:
                raise MidiReadError("corrupt track", f"track {chunk + 1}: data byte 0x{byte:02X} without a status byte")
            kind = status & 0xF0
            channel = status & 0x0F
            if kind == 0x90 or kind == 0x80:
                pitch = track[i]
                velocity = track[i + 1]
                i += 2
                if (pitch | velocity) & 0x80:
                    raise MidiReadError("corrupt track", f"track {chunk + 1}: data byte above 127 at tick {tick}")
                key = channel << 7 | pitch
                sounding = open_notes.get(key)
                if kind == 0x90 and velocity:
                    if sounding is not None and sounding[0] == tick:
                        events.doubled += 1  # the same key struck twice at once: the first strike stands
                        continue
                    if sounding is not None:
                        notes.append((sounding[0], tick, pitch, sounding[1], chunk, channel, sounding[2]))
                        struck_again[key] = tick
                    open_notes[key] = (tick, velocity, programs[channel])
                    strikes[channel].append(tick)
                elif sounding is not None and not (sounding[0] == tick == struck_again.get(key)):
                    # (a note-off at the very tick a strike ended its note belongs to that note, whichever
                    # of the two events the file wrote first)
                    del open_notes[key]
                    notes.append((sounding[0], tick, pitch, sounding[1], chunk, channel, sounding[2]))
            else:
                n_data = 1 if kind == 0xC0 or kind == 0xD0 else 2
                data = track[i : i + n_data]
                i += n_data
                if len(data) < n_data:
                    raise IndexError
                if max(data) & 0x80:
                    raise MidiReadError("corrupt track", f"track {chunk + 1}: data byte above 127 at tick {tick}")
                if kind == 0xC0:
                    programs[channel] = data[0]
        if i > size:
            raise IndexError
    except IndexError:
        raise MidiReadError("truncated", f"track {chunk + 1} stops in the middle of an event") from None
    for key, (on_tick, on_velocity, program) in open_notes.items():
        later = strikes[key >> 7]
        following = bisect.bisect_right(later, on_tick)
        end = later[following] if following < len(later) else tick
        notes.append((on_tick, end, key & 0x7F, on_velocity, chunk, key >> 7, program))
        events.hanging += end > on_tick  # (a note struck as its track ends is dropped as zero length)


def _varlen(data: bytes, i: int) -> tuple[int, int]:
    """A variable-length quantity starting at `i`, and the index after it."""
    value = 0
    while True:
        byte = data[i]
        i += 1
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            return value, i


def _meta_event(track: bytes, i: int, tick: int, chunk: int, events: _Events) -> tuple[int, bool]:
    """Read the meta event whose type byte is at `i`: (index after it, whether it ends the track)."""
    meta_type = track[i]
    length, start = _varlen(track, i + 1)
    end = start + length
    if end > len(track):
        raise IndexError
    payload = track[start:end]
    if meta_type == 0x2F:
        return end, True
    if meta_type == 0x51 and length == 3:
        microseconds = int.from_bytes(payload, "big")
        if microseconds > 0:
            events.tempos.append((tick, microseconds))
    elif meta_type == 0x58 and length >= 2:
        numerator, power = payload[0], payload[1]
        if numerator > 0 and power <= 6:
            events.meters.append((tick, numerator, 1 << power))
    elif meta_type == 0x59 and length == 2:
        sharps = payload[0] - 256 if payload[0] > 127 else payload[0]
        if -7 <= sharps <= 7 and payload[1] in (0, 1):
            names = _MINOR_BY_SHARPS if payload[1] else _MAJOR_BY_SHARPS
            events.keys.append((tick, names[sharps + 7] + ("m" if payload[1] else "")))
    elif meta_type == 0x03 and chunk not in events.names:
        events.names[chunk] = _text(payload).strip()
    return end, False


def _text(payload: bytes) -> str:
    """A track name as written: UTF-8 where its bytes read as UTF-8 (notation programs and DAWs of
    today write it; read as Latin-1, "Flöte" was "FlÃ¶te" and never matched a Latin-1 "Flöte"),
    else Latin-1 (older files)."""
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        return payload.decode("latin-1")


def _to_step(ticks: np.ndarray, ticks_per_beat: int, steps_per_beat: int) -> np.ndarray:
    """Ticks rounded to grid steps (halves round up), in exact integer arithmetic."""
    return (2 * ticks * steps_per_beat + ticks_per_beat) // (2 * ticks_per_beat)


def _event_map(events: list[tuple], default: tuple | None) -> list[tuple]:
    """Events sorted by step, one per step (the last wins), starting at step 0 with `default`."""
    result: list[tuple] = []
    for event in sorted(events, key=lambda e: e[0]):
        if result and result[-1][0] == event[0]:
            result[-1] = event
        else:
            result.append(event)
    if default is not None and (not result or result[0][0] > 0):
        result.insert(0, (0, *default))
    return result


def _one_note_per_key(track: np.ndarray, pitch: np.ndarray, onset: np.ndarray, duration: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """The tick rule again on the grid, where rounding (a note shorter than half a step kept at one)
    can bring two notes of one key together: a note ends where the key is struck again, and of two
    strikes on one step the first stands. Returns (which notes stay, their durations, how many
    were dropped); so a Song read from a file writes a file that reads back as the same Song."""
    order = np.lexsort((onset, pitch, track))
    same_key = (track[order][1:] == track[order][:-1]) & (pitch[order][1:] == pitch[order][:-1])
    again = np.zeros(len(order), dtype=bool)
    again[1:] = same_key & (onset[order][1:] == onset[order][:-1])
    order = order[~again]
    same_key = (track[order][1:] == track[order][:-1]) & (pitch[order][1:] == pitch[order][:-1])
    ends = onset[order] + duration[order]
    ends[:-1] = np.where(same_key, np.minimum(ends[:-1], onset[order][1:]), ends[:-1])
    kept = np.sort(order)
    durations = np.empty_like(duration)
    durations[order] = ends - onset[order]
    return kept, durations[kept], int(again.sum())


def _longest_silence(onset: np.ndarray, duration: np.ndarray) -> tuple[int, int]:
    """(steps, the step it starts) of the longest stretch between two notes where none sounds."""
    order = np.argsort(onset, kind="stable")
    starts, ends = onset[order], np.maximum.accumulate((onset + duration)[order])
    gaps = starts[1:] - ends[:-1]
    if len(gaps) == 0 or gaps.max() <= 0:
        return 0, 0
    longest = int(np.argmax(gaps))
    return int(gaps[longest]), int(ends[longest])


def _to_song(events: _Events, ticks_per_beat: int, steps_per_beat: int, source: str) -> Song:
    """Quantise the collected tick events onto the grid and assemble the Song."""
    raw = np.array(events.notes, dtype=np.int64).reshape(-1, 7)
    dropped: dict[str, int] = {}
    repaired: dict[str, int] = {}
    if events.hanging:
        repaired[HANGING] = events.hanging
    if events.doubled:
        dropped[DOUBLED] = events.doubled
    zero = raw[:, 0] == raw[:, 1]
    if zero.any():
        dropped[ZERO_LENGTH] = int(zero.sum())
        raw = raw[~zero]
    if len(raw) == 0:
        detail = f"{dropped[ZERO_LENGTH]} zero-length notes dropped" if ZERO_LENGTH in dropped else ""
        raise MidiReadError("no notes", detail)
    is_drum = raw[:, 5] == DRUM_CHANNEL
    if is_drum.all():
        raise MidiReadError("drums only")
    onset = _to_step(raw[:, 0], ticks_per_beat, steps_per_beat)
    duration = _to_step(raw[:, 1], ticks_per_beat, steps_per_beat) - onset
    too_short = duration == 0
    if too_short.any():
        repaired[TOO_SHORT] = int(too_short.sum())
        duration[too_short] = 1
    track_keys, track = np.unique(raw[:, 4] * 16 + raw[:, 5], return_inverse=True)
    track = track.reshape(-1)
    kept, duration, doubled = _one_note_per_key(track, raw[:, 2], onset, duration)
    if doubled:
        dropped[DOUBLED] = dropped.get(DOUBLED, 0) + doubled
    raw, onset, track, is_drum = raw[kept], onset[kept], track[kept], is_drum[kept]
    silence, since = _longest_silence(onset, duration)
    if silence > MAX_SILENCE_BEATS * steps_per_beat:
        raise MidiReadError("a long silence", f"no note sounds for {silence // steps_per_beat} beats from beat {since // steps_per_beat}")
    notes = np.empty(len(raw), dtype=NOTE_DTYPE)
    notes["pitch"] = raw[:, 2]
    notes["velocity"] = raw[:, 3]
    notes["onset"] = onset
    notes["duration"] = duration
    notes["track"] = track
    notes["program"] = raw[:, 6]
    notes["is_drum"] = is_drum

    def step(tick: int) -> int:
        return int(_to_step(np.int64(tick), ticks_per_beat, steps_per_beat))

    names = {i: events.names.get(int(key) // 16, "") for i, key in enumerate(track_keys)}
    return Song(
        notes=sort_notes(notes),
        steps_per_beat=steps_per_beat,
        tempos=_event_map([(step(t), 60_000_000 / us) for t, us in events.tempos], (DEFAULT_TEMPO,)),
        time_signatures=_event_map([(step(t), n, d) for t, n, d in events.meters], DEFAULT_METER),
        key_signatures=_event_map([(step(t), k) for t, k in events.keys], None),
        dropped=dropped,
        source=source,
        track_names={i: name for i, name in names.items() if name},
        repaired=repaired,
    )
