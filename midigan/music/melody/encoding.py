"""Songs as note tokens for the sequence GAN, and tokens back to songs.

Why this encoding: a folk tune is one line of notes, so each note (or rest) becomes one token of
(pitch or rest, duration class) plus its position in the bar. Pitches are moved to a common key
(C major / A minor) so the model learns scale degrees instead of twelve copies of every tune, and
every tune is in one meter so that "position in the bar" means the same thing everywhere.
Training windows start on bar lines and run on into the tune's repeats (folk tunes are played
through more than once), so a tune shorter than a window still fills one, and every tune gives a
window per two bars whatever its note count: a folder's dense tunes do not outweigh its sparse
ones (with windows cut from the tune played twice, the 40-tune folder the defaults are tuned on
trained on 4.5 notes a bar where its tunes average 4.2). Each row also carries its tune's length
in bars, which the generator reads: a folder's long tunes differ from its short ones. The
vocabulary (pitch range, duration classes, meter, grid) travels in the model's config, so a
checkpoint alone can decode what its generator writes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from midigan.music.errors import EncodingError
from midigan.music.keys import shift_to_common_key
from midigan.music.meters import Meter, meter_text, pool_by_meter
from midigan.song import NOTE_DTYPE, Song, steps_per_bar

REST_TOKEN = 0  # pitch token of a rest; pitch p is token p - pitch_low + 1


@dataclass(frozen=True)
class Vocabulary:
    """What a token means: grid, meter, pitch range and the duration classes."""

    steps_per_beat: int
    meter: tuple[int, int]
    pitch_low: int
    pitch_high: int
    durations: tuple[int, ...]  # grid steps of each duration class, ascending

    @property
    def bar_length(self) -> int:
        return steps_per_bar(self.steps_per_beat, *self.meter)

    @property
    def n_pitches(self) -> int:
        """Pitch tokens including the rest token."""
        return self.pitch_high - self.pitch_low + 2

    @property
    def n_durations(self) -> int:
        return len(self.durations)

    def to_dict(self) -> dict[str, Any]:
        values = asdict(self)
        values["meter"], values["durations"] = list(self.meter), list(self.durations)
        return values

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Vocabulary:
        return cls(
            steps_per_beat=int(values["steps_per_beat"]),
            meter=tuple(values["meter"]),
            pitch_low=int(values["pitch_low"]),
            pitch_high=int(values["pitch_high"]),
            durations=tuple(int(d) for d in values["durations"]),
        )


@dataclass
class Events:
    """A melody as consecutive notes and rests: MIDI pitch (-1 = rest), duration, position in bar."""

    pitch: np.ndarray
    duration: np.ndarray
    position: np.ndarray
    start: int  # grid step of the first event in the song


@dataclass
class EncodedTunes:
    """Training windows and how they were made.

    `windows[i, 0]` is the token before the window (START for a tune's opening bar), rows 1.. are
    the window's tokens; columns are (pitch token, duration class, position in bar, tune length
    in bars).
    """

    windows: np.ndarray
    vocabulary: Vocabulary
    n_tunes: int  # tunes that gave at least one window
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> tunes left out


# ---- songs to events ----------------------------------------------------------------------------
def melody_events(song: Song, bar_length: int) -> Events:
    """The song's melody as notes and rests; rests are cut at bar lines so every bar line that
    does not fall inside a held note starts a token. A short first bar (pickup) counts as the end
    of a full bar."""
    notes = song.melody().notes
    starts = song.bar_starts()
    origin = int(starts[1]) - bar_length if len(starts) > 1 and starts[1] - starts[0] < bar_length else 0
    pitch, duration, position = [], [], []

    def emit(p: int, length: int, at: int) -> None:
        pitch.append(p)
        duration.append(length)
        position.append((at - origin) % bar_length)

    cursor = int(notes["onset"][0]) if len(notes) else 0
    for note in notes:
        onset, length = int(note["onset"]), int(note["duration"])
        while cursor < onset:  # the rest before this note, one piece per bar
            piece = min(onset - cursor, bar_length - (cursor - origin) % bar_length)
            emit(-1, piece, cursor)
            cursor += piece
        emit(int(note["pitch"]), length, onset)
        cursor = onset + length
    return Events(np.array(pitch, np.int64), np.array(duration, np.int64), np.array(position, np.int64),
                  int(notes["onset"][0]) if len(notes) else 0)


def build_vocabulary(
    tunes: list[Events], steps_per_beat: int, meter: tuple[int, int], coverage: float = 0.998, max_durations: int = 24
) -> Vocabulary:
    """The most frequent durations covering `coverage` of all tokens, and the full pitch range."""
    counts = Counter(np.concatenate([t.duration for t in tunes]).tolist())
    total, kept, covered = sum(counts.values()), [], 0
    for length, count in counts.most_common(max_durations):
        kept.append(length)
        covered += count
        if covered >= coverage * total:
            break
    pitches = np.concatenate([t.pitch[t.pitch >= 0] for t in tunes])
    return Vocabulary(steps_per_beat, tuple(meter), int(pitches.min()), int(pitches.max()), tuple(sorted(kept)))


def fillable(vocabulary: Vocabulary, total: int) -> np.ndarray:
    """fillable[r]: can r grid steps be filled exactly with the vocabulary's durations?"""
    table = np.zeros(total + 1, bool)
    table[0] = True
    for r in range(1, total + 1):
        table[r] = any(d <= r and table[r - d] for d in vocabulary.durations)
    return table


def within_vocabulary(events: Events, vocabulary: Vocabulary) -> Events | None:
    """The events with each rare duration written in the vocabulary's: a rare note struck again in
    known durations for as long as it sounds (the first up to the bar line where that is a known
    duration, as a tie over it would be written), a rare rest as known rests cut at bar lines, as
    `melody_events` cuts them; longest first, of those that leave a length known durations fill.
    None where a length cannot be filled so.
    Why: the vocabulary covers 99.8% of a folder's notes; most of the rest are notes held over a
    bar line (5 to 32 beats in Aird's airs), and leaving out every tune with one lost 2-17% of a
    folder's tunes (1 of 40 Essen ballads, 67 of Aird's 514 tunes in 4/4, 34 of O'Neill's 203 in
    3/4). Holding the note's first piece with rests after it instead taught empty bars
    (docs/melodies.md)."""
    if all(d in vocabulary.durations for d in events.duration.tolist()):
        return events
    bar = vocabulary.bar_length
    can_fill = fillable(vocabulary, max(int(events.duration.max()), bar))
    known = sorted(vocabulary.durations, reverse=True)
    pitch, duration, position = [], [], []
    for p, length, at in zip(events.pitch.tolist(), events.duration.tolist(), events.position.tolist()):
        if length in vocabulary.durations:
            pitch.append(p), duration.append(length), position.append(at)
            continue
        while length > 0:  # a piece at a time: where each piece ends, the next may start at a bar line
            to_bar_line = bar - at % bar
            at_bar_line = p < 0 or (to_bar_line in vocabulary.durations and can_fill[max(length - to_bar_line, 0)])
            room = min(length, to_bar_line) if at_bar_line else length
            piece = next((d for d in known if d <= room and can_fill[room - d]), None)
            if piece is None:
                return None
            pitch.append(p), duration.append(piece), position.append(at % bar)
            length, at = length - piece, at + piece
    return Events(np.array(pitch, np.int64), np.array(duration, np.int64), np.array(position, np.int64), events.start)


def tokens(events: Events, vocabulary: Vocabulary) -> np.ndarray | None:
    """(n, 3) token rows for the events (rare durations written as `within_vocabulary` writes
    them), or None if one cannot be written or a pitch falls outside the vocabulary."""
    classes = {length: i for i, length in enumerate(vocabulary.durations)}
    events = within_vocabulary(events, vocabulary)
    if events is None:
        return None
    sounding = events.pitch >= 0
    if sounding.any() and (events.pitch[sounding].min() < vocabulary.pitch_low or events.pitch[sounding].max() > vocabulary.pitch_high):
        return None
    pitch_tokens = np.where(sounding, events.pitch - vocabulary.pitch_low + 1, REST_TOKEN)
    duration_tokens = np.array([classes[d] for d in events.duration.tolist()], np.int64)
    return np.stack([pitch_tokens, duration_tokens, events.position], axis=1).astype(np.int64)


def start_token(vocabulary: Vocabulary) -> np.ndarray:
    """The row that precedes a tune's first bar (a pitch token one past the last)."""
    return np.array([vocabulary.n_pitches, 0, 0], np.int64)


def tune_bars(rows: np.ndarray, vocabulary: Vocabulary) -> int:
    """The tune's length in bars (its notes' and rests' total duration, to the nearest bar)."""
    steps = int(np.array(vocabulary.durations, np.int64)[rows[:, 1]].sum())
    return max(1, round(steps / vocabulary.bar_length))


def played_through(rows: np.ndarray, vocabulary: Vocabulary, passes: int) -> np.ndarray:
    """The tune played `passes` times in a row, positions continuing in the bar."""
    lengths = np.array(vocabulary.durations, np.int64)[rows[:, 1]]
    before = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    repeats = [rows]
    for again in range(1, passes):
        repeat = rows.copy()
        repeat[:, 2] = (rows[0, 2] + again * lengths.sum() + before) % vocabulary.bar_length
        repeats.append(repeat)
    return np.concatenate(repeats)


def windows_of(rows: np.ndarray, vocabulary: Vocabulary, length: int, stride_bars: int) -> list[np.ndarray]:
    """Windows of `length` tokens starting on the tune's bar lines (every `stride_bars`-th), each
    with the token before it (START before the first bar line) as row 0 and the tune's length in
    bars as a fourth column. Windows run on into the tune's repeats; a tune of fewer than
    `length` // 4 tokens gives none (a fragment, not a tune)."""
    if len(rows) < length // 4:
        return []
    bar_lines = np.flatnonzero(rows[:, 2] == 0)[::stride_bars]
    played = played_through(rows, vocabulary, passes=1 + -(-length // len(rows)))
    bars = np.full((length + 1, 1), tune_bars(rows, vocabulary), np.int64)
    out = []
    for begin in bar_lines:
        before = played[begin - 1] if begin != bar_lines[0] else start_token(vocabulary)
        out.append(np.concatenate([np.concatenate([before[None], played[begin:begin + length]]), bars], axis=1))
    return out


def encode_songs(
    songs: list[Song],
    window: int = 64,
    meter: Meter | None = None,
    stride_bars: int = 2,
    vocabulary: Vocabulary | None = None,
) -> EncodedTunes:
    """Training windows from every tune in `meter`'s pool of equal-bar meters (default: the
    folder's largest pool), in `vocabulary` when given (validation tunes use the training
    tunes' vocabulary; a tune outside it is left out)."""
    if not songs:
        raise EncodingError("no songs to train on")
    if vocabulary is not None:
        meter = vocabulary.meter
    try:
        pool = pool_by_meter(songs, tuple(meter) if meter else None)
    except ValueError as error:
        raise EncodingError(f"no usable tune: {error}") from None
    meter = pool.meter
    steps_per_beat = songs[0].steps_per_beat
    bar_length = steps_per_bar(steps_per_beat, *meter)
    skipped: Counter = Counter(pool.left_out)
    tunes = []
    for song in pool.songs:
        if not (~song.notes["is_drum"]).any():
            skipped["with no pitched notes"] += 1
        else:
            tunes.append(melody_events(song.transpose(shift_to_common_key(song)), bar_length))
    if not tunes:
        raise EncodingError(f"no usable tune: none of the {len(songs)} songs in {meter_text(meter)} has pitched notes")
    vocabulary = vocabulary or build_vocabulary(tunes, steps_per_beat, meter)
    windows, n_tunes = [], 0
    for events in tunes:
        rows = tokens(events, vocabulary)
        if rows is None:
            skipped["with rare durations or pitches"] += 1
            continue
        found = windows_of(rows, vocabulary, window, stride_bars)
        if not found:
            skipped[f"shorter than {window // 4} notes"] += 1
            continue
        windows.extend(found)
        n_tunes += 1
    if not windows:
        raise EncodingError(f"no usable tune: {describe(skipped)}")
    return EncodedTunes(np.stack(windows), vocabulary, n_tunes, dict(skipped))


def describe(skipped: dict[str, int]) -> str:
    """'12 in 3/4, 3 with rare durations or pitches' for messages."""
    return ", ".join(f"{count} {reason}" for reason, count in sorted(skipped.items())) or "none skipped"


# ---- tokens to songs ----------------------------------------------------------------------------
def decode(
    pitch_tokens: np.ndarray,
    duration_tokens: np.ndarray,
    vocabulary: Vocabulary,
    start: int = 0,
    tempo: float = 120.0,
    program: int = 0,
    key: str | None = "C",
    velocity: int = 90,
) -> Song:
    """A one-track song from tokens; rests advance time, the START token is skipped."""
    pitch_tokens, duration_tokens = np.asarray(pitch_tokens), np.asarray(duration_tokens)
    lengths = np.array(vocabulary.durations, np.int64)[duration_tokens]
    is_token = pitch_tokens < vocabulary.n_pitches
    lengths = np.where(is_token, lengths, 0)
    onsets = start + np.concatenate([[0], np.cumsum(lengths)[:-1]])
    sounding = is_token & (pitch_tokens != REST_TOKEN)
    notes = np.zeros(int(sounding.sum()), NOTE_DTYPE)
    notes["pitch"] = pitch_tokens[sounding] - 1 + vocabulary.pitch_low
    notes["velocity"] = velocity
    notes["onset"] = onsets[sounding]
    notes["duration"] = lengths[sounding]
    notes["program"] = program
    return Song(
        notes=notes,
        steps_per_beat=vocabulary.steps_per_beat,
        tempos=[(0, float(tempo))],
        time_signatures=[(0, *vocabulary.meter)],
        key_signatures=[(0, key)] if key else [],
    )
