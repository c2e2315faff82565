"""`Song`: the one in-memory form of a piece of music that every part of midigan reads and writes.

Why a grid of steps and not seconds: onsets are exact fractions of a beat in the file (tick /
ticks_per_beat), so counting in grid steps keeps rhythm exact and independent of tempo; the tempo
map rides along as metadata. 12 steps per beat holds sixteenths and eighth-note triplets.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

NOTE_DTYPE = np.dtype(
    [
        ("pitch", np.int16),
        ("velocity", np.int16),
        ("onset", np.int64),
        ("duration", np.int64),
        ("track", np.int16),
        ("program", np.int16),
        ("is_drum", np.bool_),
    ]
)

DEFAULT_TEMPO = 120.0
DEFAULT_METER = (4, 4)

_MAJOR_KEYS = ["C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"]
_MINOR_KEYS = ["C", "C#", "D", "Eb", "E", "F", "F#", "G", "G#", "A", "Bb", "B"]
_PITCH_CLASS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


def parse_meter(text: str) -> tuple[int, int]:
    """"6/8" -> (6, 8); ValueError for anything else (denominators 1 to 32, powers of two)."""
    try:
        numerator, denominator = (int(part) for part in text.split("/"))
    except ValueError:
        raise ValueError(f"meter must look like 4/4 or 6/8, not {text!r}") from None
    if numerator < 1 or denominator not in (1, 2, 4, 8, 16, 32):
        raise ValueError(f"meter must look like 4/4 or 6/8, not {text!r}")
    return numerator, denominator


def steps_per_bar(steps_per_beat: int, numerator: int, denominator: int) -> int:
    """Grid steps in a bar of numerator/denominator when a quarter note has `steps_per_beat` (at least 1)."""
    return max(1, round(steps_per_beat * 4 * numerator / denominator))


def sort_notes(notes: np.ndarray) -> np.ndarray:
    """Notes in the canonical order (onset, pitch, then track and duration for a total order)."""
    order = np.lexsort((notes["duration"], notes["track"], notes["pitch"], notes["onset"]))
    return notes[order]


def transpose_key(key: str, semitones: int) -> str:
    """Name of `key` ("G", "Em", "F#m") moved by `semitones`, spelled the common way."""
    minor = key.endswith("m")
    tonic = key[:-1] if minor else key
    pitch_class = _PITCH_CLASS[tonic[0].upper()] + tonic[1:].count("#") - tonic[1:].count("b")
    names = _MINOR_KEYS if minor else _MAJOR_KEYS
    return names[(pitch_class + semitones) % 12] + ("m" if minor else "")


def _event_in_force(events: list, step: int) -> int:
    """Index of the last event at or before `step` (events sorted by step, first at step 0)."""
    index = 0
    for i, event in enumerate(events):
        if event[0] <= step:
            index = i
        else:
            break
    return index


@dataclass(eq=False)  # notes are an array: compare fields explicitly
class Song:
    """Notes on a grid of `steps_per_beat` steps per quarter note, plus tempo, meter and key.

    `notes` is a NOTE_DTYPE array sorted by (onset, pitch); `onset` and `duration` count grid
    steps. `tempos` and `time_signatures` always start with an event at step 0.
    """

    notes: np.ndarray
    steps_per_beat: int = 12
    tempos: list[tuple[int, float]] = field(default_factory=lambda: [(0, DEFAULT_TEMPO)])
    time_signatures: list[tuple[int, int, int]] = field(default_factory=lambda: [(0, *DEFAULT_METER)])
    key_signatures: list[tuple[int, str]] = field(default_factory=list)
    dropped: dict[str, int] = field(default_factory=dict)
    source: str = ""
    #: track number -> name found in the file (empty for unnamed tracks)
    track_names: dict[int, str] = field(default_factory=dict)
    #: reason -> number of notes the reader had to mend but kept (e.g. hanging notes closed)
    repaired: dict[str, int] = field(default_factory=dict)

    # ---- bars -------------------------------------------------------------------------------
    def bar_length(self, step: int = 0) -> int:
        """Grid steps per bar of the meter in force at `step` (at least 1)."""
        _, numerator, denominator = self.time_signatures[_event_in_force(self.time_signatures, step)]
        return steps_per_bar(self.steps_per_beat, numerator, denominator)

    def _bar_starts_through(self, limit: int, min_bars: int = 0) -> np.ndarray:
        """Start steps of every bar that starts before `limit`, and at least `min_bars` + 1 starts."""
        starts: list[int] = []
        meters = self.time_signatures
        for i, (step, numerator, denominator) in enumerate(meters):
            segment_end = meters[i + 1][0] if i + 1 < len(meters) else None
            length = steps_per_bar(self.steps_per_beat, numerator, denominator)
            stop = segment_end
            if stop is None:
                needed = max(limit, step) - step
                count = max(-(-needed // length), min_bars + 1 - len(starts))
                stop = step + max(count, 0) * length
            starts.extend(range(step, stop, length))
        return np.asarray(starts, dtype=np.int64)

    def bar_starts(self) -> np.ndarray:
        """Start step of every bar up to the end of the last note. Each time-signature event
        starts a bar, so a pickup written as a short meter is a short bar 0."""
        starts = self._bar_starts_through(self.end)
        return starts[starts < self.end]

    def first_full_bar(self) -> int:
        """1 when bar 0 is a pickup (shorter than the bar after it), else 0."""
        starts = self.bar_starts()
        return 1 if len(starts) > 1 and starts[1] - starts[0] < self.bar_length(int(starts[1])) else 0

    @property
    def n_bars(self) -> int:
        """Number of bars up to the end of the last note (0 for a song without notes)."""
        return len(self.bar_starts())

    @property
    def end(self) -> int:
        """Step where the last note ends (0 without notes)."""
        if len(self.notes) == 0:
            return 0
        return int((self.notes["onset"] + self.notes["duration"]).max())

    # ---- transformations --------------------------------------------------------------------
    def transpose(self, semitones: int) -> Song:
        """The song moved by `semitones`; drums stay, pitches are clipped into 0..127."""
        notes = self.notes.copy()
        pitched = ~notes["is_drum"]
        notes["pitch"][pitched] = np.clip(notes["pitch"][pitched] + semitones, 0, 127)
        keys = [(step, transpose_key(key, semitones)) for step, key in self.key_signatures]
        return replace(self, notes=sort_notes(notes), key_signatures=keys)

    def melody(self) -> Song:
        """One monophonic line on track 0: the highest sounding non-drum note wins; a note that
        starts under a higher sounding note is left out, and one is cut where the next kept starts."""
        notes = self.notes[~self.notes["is_drum"]]
        # highest pitch first at each onset, so the first note seen at an onset is the one kept
        notes = notes[np.lexsort((-notes["pitch"], notes["onset"]))]
        onsets, pitches = notes["onset"].tolist(), notes["pitch"].tolist()
        ends = (notes["onset"] + notes["duration"]).tolist()
        kept: list[int] = []
        for i, onset in enumerate(onsets):
            if kept:
                last = kept[-1]
                if onsets[last] == onset or (ends[last] > onset and pitches[last] > pitches[i]):
                    continue
            kept.append(i)
        line = notes[kept].copy()
        if len(line) > 1:
            gaps = line["onset"][1:] - line["onset"][:-1]
            line["duration"][:-1] = np.minimum(line["duration"][:-1], gaps)
        line["track"] = 0
        return replace(self, notes=line, track_names={})

    def first_track(self) -> Song:
        """The notes of the lowest-numbered track alone: a chorale's soprano line, where
        `melody()` would take whichever voice is highest at each onset."""
        return replace(self, notes=self.notes[self.notes["track"] == self.notes["track"].min()])

    def slice_bars(self, start: int, stop: int) -> Song:
        """Bars [start, stop) as a song of their own, onsets shifted to 0; notes that start inside
        and ring past the last bar are cut at its end."""
        if not 0 <= start <= stop:
            raise ValueError(f"bad bar range [{start}, {stop})")
        starts = self._bar_starts_through(self.end, min_bars=stop)
        first, last = int(starts[start]), int(starts[stop])
        notes = self.notes[(self.notes["onset"] >= first) & (self.notes["onset"] < last)].copy()
        notes["duration"] = np.minimum(notes["duration"], last - notes["onset"])
        notes["onset"] -= first
        return replace(
            self,
            notes=notes,
            tempos=_events_between(self.tempos, first, last),
            time_signatures=_events_between(self.time_signatures, first, last),
            key_signatures=_events_between(self.key_signatures, first, last) if self.key_signatures else [],
        )


def _events_between(events: list, first: int, last: int) -> list:
    """Events in [first, last) shifted by -first, with the one in force at `first` moved to 0."""
    before = [e for e in events if e[0] <= first]
    inside = [(e[0] - first, *e[1:]) for e in events if first < e[0] < last]
    head = [(0, *before[-1][1:])] if before else []
    return head + inside
