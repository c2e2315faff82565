"""Tunes as the translators see them, and translations back as tunes.

Encoding: a tune's melody (its highest line) as `CHANNELS` integer rows per note: pitch index
(centred pitch - LOWEST, clipped into PITCHES), duration, onset (from the window's start),
position in its bar, bar length, all in grid steps. Tunes are centred before they are encoded:
moved so that their tonal centre (`midigan.metrics.transfer.tonal_centre`: by default the last
note's pitch class) is C, within half an octave, and moved back afterwards, so that keys do not
matter. Training windows hold WINDOW consecutive notes; the networks are convolutional, so a whole
tune of any length translates at once.

Decoding (`translated_song`) changes pitches and nothing else: every note of the input, the
melody's and the others' (a second voice, double stops, a held chord at the end), keeps its
onset, duration, track, velocity and instrument, so the translation has the input's bars, meter
and rhythm exactly. Earlier versions wrote the melody alone, with the durations `Song.melody`
cuts where notes overlap, so a tune whose lower voice rang past the melody's last note lost its
last bar (2 of 131 fiddle tunes did, in the report of issue 28).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace

import numpy as np
import torch
import torch.nn.functional as F

from midigan.metrics.transfer import FRAME, tonal_centre
from midigan.song import Song, sort_notes

LOWEST, PITCHES = 48, 48  # centred pitches C3..B6
WINDOW, STRIDE = 24, 8  # notes per training window (most folk tunes hold 30 to 60), and between window starts
CHANNELS = 5  # pitch index, duration, onset, position in bar, bar length
RHYTHM_FEATURES = 4
#: where a note goes when its new pitch would sound into another's on its track: an octave or two
#: away first (the same pitch class), else the nearest free pitch
MOVES = (0, -12, 12, -24, 24, -36, 36, *(sign * step for step in range(1, 128) for sign in (-1, 1)))


def tonal_shift(melody: Song, frame: str = FRAME) -> int:
    """Semitones (-6..5) that move the melody's tonal centre (as `frame` reads it) to C."""
    return (-tonal_centre(melody, frame) + 6) % 12 - 6


@dataclass
class EncodedTune:
    """One tune ready for the translators: its melody's rows (CHANNELS, n), how to undo the
    centring, the whole song, and where each melody note is among the song's notes."""

    rows: torch.Tensor
    shift: int
    melody: Song
    song: Song
    melody_index: np.ndarray


def encode_tune(song: Song, frame: str = FRAME) -> EncodedTune | None:
    """The melody of `song` as rows, centred as `frame` reads its tonal centre; None when it has no
    pitched notes."""
    melody = song.melody()
    notes = melody.notes
    if len(notes) == 0:
        return None
    shift = tonal_shift(melody, frame)
    onsets = notes["onset"].astype(np.int64)
    starts = melody.bar_starts()
    bar = np.searchsorted(starts, onsets, side="right") - 1
    bar_lengths = np.array([melody.bar_length(int(start)) for start in starts])[bar]
    rows = np.stack([
        np.clip(notes["pitch"] + shift - LOWEST, 0, PITCHES - 1),
        notes["duration"],
        onsets - onsets[0],
        onsets - starts[bar],
        bar_lengths,
    ]).astype(np.int64)
    return EncodedTune(torch.from_numpy(rows), shift, melody, song, _melody_index(song, melody))


def _melody_index(song: Song, melody: Song) -> np.ndarray:
    """For each melody note, the index of the song's note it came from (same onset and pitch)."""
    pitched = np.flatnonzero(~song.notes["is_drum"])
    waiting: dict[tuple[int, int], list[int]] = defaultdict(list)
    for index in pitched[::-1]:
        waiting[(int(song.notes["onset"][index]), int(song.notes["pitch"][index]))].append(int(index))
    return np.array([waiting[(int(onset), int(pitch))].pop() for onset, pitch in zip(melody.notes["onset"], melody.notes["pitch"])],
                    dtype=np.int64)


def windows(tunes: list[EncodedTune]) -> torch.Tensor:
    """(N, CHANNELS, WINDOW) int32 training windows; onsets count from each window's start."""
    found = []
    for tune in tunes:
        n = tune.rows.shape[1]
        for start in range(0, max(n - WINDOW, 0) + 1, STRIDE):
            if start + WINDOW > n:
                break
            window = tune.rows[:, start:start + WINDOW].clone()
            window[2] -= window[2, 0].clone()
            found.append(window)
    if not found:
        raise ValueError(f"no tune has {WINDOW} notes or more")
    return torch.stack(found).to(torch.int32)


def decode_pitches(rows: torch.Tensor, tune: EncodedTune) -> Song:
    """The tune's melody alone with the pitches of `rows` (centred), moved back to its key."""
    notes = tune.melody.notes.copy()
    notes["pitch"] = rows[0].cpu().numpy() + LOWEST - tune.shift
    return replace(tune.melody, notes=sort_notes(notes), key_signatures=[])


def translated_song(tune: EncodedTune, pitch_rows: torch.Tensor) -> Song:
    """The whole input song with its melody on the pitches of `pitch_rows` (centred pitch indices)
    and every other pitched note moved as the melody's notes of its pitch class moved most often
    (by duration; to the nearest pitch of the new class), so a second voice or a double stop
    follows the translation; drums stay. A note whose new pitch would sound into another's of the
    same pitch on its track (MIDI could not tell the two apart) moves by an octave, or to the
    nearest free pitch where every octave is taken."""
    notes = tune.song.notes.copy()
    original = notes["pitch"].astype(np.int64)
    melody_pitches = pitch_rows.cpu().numpy().astype(np.int64) + LOWEST - tune.shift
    mapping = _class_mapping(original[tune.melody_index], melody_pitches, tune.melody.notes["duration"])
    moved = original + (mapping[original % 12] - original % 12 + 6) % 12 - 6
    moved[tune.melody_index] = melody_pitches
    moved = np.where(notes["is_drum"], original, moved)
    notes["pitch"] = _without_new_unisons(notes, original, moved)
    return replace(tune.song, notes=sort_notes(notes), key_signatures=[])


def _class_mapping(before: np.ndarray, after: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """(12,) the pitch class each class became most often (weighted); unchanged where it never occurs."""
    moves = np.zeros((12, 12))
    np.add.at(moves, (before % 12, after % 12), weights)
    return np.where(moves.sum(axis=1) > 0, moves.argmax(axis=1), np.arange(12))


def _without_new_unisons(notes: np.ndarray, original: np.ndarray, moved: np.ndarray) -> np.ndarray:
    """`moved`, with a note moved (MOVES, in turn) where it would overlap a note of the same track at
    the same new pitch that it did not overlap at that pitch in the input."""
    result = moved.copy()
    sounding: dict[tuple[int, int], list[tuple[int, int, int]]] = defaultdict(list)  # (track, pitch) -> (onset, end, original)
    for index in np.lexsort((notes["pitch"], notes["onset"])):
        if notes["is_drum"][index]:
            continue
        onset, end, track = int(notes["onset"][index]), int(notes["onset"][index] + notes["duration"][index]), int(notes["track"][index])
        for shift in MOVES:
            pitch = int(moved[index]) + shift
            clash = any(start < end and onset < stop and source != original[index]
                        for start, stop, source in sounding[(track, pitch)])
            if 0 <= pitch <= 127 and not clash:
                break
        else:
            pitch = int(original[index])
        result[index] = pitch
        sounding[(track, pitch)].append((onset, end, int(original[index])))
    return result


def rhythm_features(rows: torch.Tensor, steps_per_beat: int = 12) -> torch.Tensor:
    """(N, RHYTHM_FEATURES, L) floats from rows: log duration in beats, on a downbeat, on a beat,
    place in the bar (0 to 1)."""
    duration, position, bar = rows[:, 1].float(), rows[:, 3].float(), rows[:, 4].float().clamp_min(1)
    return torch.stack([
        torch.log2(duration.clamp_min(1) / steps_per_beat) / 3,
        (position == 0).float(),
        (torch.remainder(position, steps_per_beat) == 0).float(),
        position / bar,
    ], dim=1)


def as_features(rows: torch.Tensor) -> torch.Tensor:
    """Integer rows -> what the networks see and give: pitch one-hots (PITCHES) then the rows'
    rhythm rows (duration, onset, position, bar length) as floats."""
    pitches = F.one_hot(rows[:, 0].long(), PITCHES).permute(0, 2, 1).float()
    return torch.cat([pitches, rows[:, 1:].float()], dim=1)


def split_features(features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(pitch part, rhythm rows as integers (N, CHANNELS, L) with the pitch row at 0)."""
    pitches, rhythm = features[:, :PITCHES], features[:, PITCHES:]
    rows = torch.cat([torch.zeros_like(rhythm[:, :1]), rhythm], dim=1).round().long()
    return pitches, rows
