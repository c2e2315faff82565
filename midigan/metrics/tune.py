"""Per-tune music metrics: each a small function of one Song; together, a tune's feature vector.

Why these: MuseGAN's training measures (empty bars, used pitch classes, qualified notes, scale
consistency), Wu & Yang's (pitch-class entropy, groove consistency), plus shape measures (range,
intervals, density, on-beat onsets, repetition, rests) that tell real tunes from generated ones in
the Fréchet distance and the two-sample test. Pitch measures use every non-drum note; interval
measures use the melody line. Bars come from the song's meter (`Song.bar_starts`), so a pickup is
its own short bar. A tune without notes scores 0 on every measure except the empty-bar rate (1),
so feature vectors stay finite.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from midigan.song import Song

#: A note "qualifies" when it lasts at least this many quarter notes (a 16th note).
QUALIFIED_BEATS = 0.25

_MAJOR = np.array([1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 1], dtype=bool)
_HARMONIC_MINOR = np.array([1, 0, 1, 1, 0, 1, 0, 1, 1, 0, 0, 1], dtype=bool)
#: The 24 candidate scales: major (whose notes are also the natural minor's) and harmonic minor.
SCALES = np.array([np.roll(mask, tonic) for mask in (_MAJOR, _HARMONIC_MINOR) for tonic in range(12)])


def pitched_notes(song: Song) -> np.ndarray:
    """The non-drum notes: drums have no pitch class."""
    return song.notes[~song.notes["is_drum"]]


def bar_edges(song: Song) -> np.ndarray:
    """Start step of every bar plus the end of the last bar (n_bars + 1 values)."""
    starts = np.asarray(song.bar_starts(), dtype=np.int64)
    if len(starts) == 0:
        return np.zeros(1, dtype=np.int64)
    return np.append(starts, starts[-1] + song.bar_length(int(starts[-1])))


def _bar_of(onsets: np.ndarray, edges: np.ndarray) -> np.ndarray:
    return np.searchsorted(edges, onsets, side="right") - 1


def empty_bar_rate(song: Song) -> float:
    """Share of bars in which no note sounds (a held note keeps a bar non-empty)."""
    edges = bar_edges(song)
    if len(edges) < 2:
        return 1.0
    notes = pitched_notes(song)
    starts, ends = notes["onset"], notes["onset"] + notes["duration"]
    sounding = [np.any((starts < b) & (ends > a)) for a, b in zip(edges[:-1], edges[1:])]
    return 1.0 - float(np.mean(sounding))


def pitch_classes_per_bar(song: Song) -> float:
    """Mean number of distinct pitch classes starting in a bar, over bars where notes start."""
    notes = pitched_notes(song)
    if len(notes) == 0:
        return 0.0
    bars = _bar_of(notes["onset"], bar_edges(song))
    used = {(int(bar), int(pitch) % 12) for bar, pitch in zip(bars, notes["pitch"])}
    return len(used) / len(set(bars.tolist()))


def qualified_note_rate(song: Song, min_beats: float = QUALIFIED_BEATS) -> float:
    """Share of notes lasting at least `min_beats` quarter notes (MuseGAN's fragmentation check)."""
    notes = pitched_notes(song)
    if len(notes) == 0:
        return 0.0
    return float(np.mean(notes["duration"] >= min_beats * song.steps_per_beat))


def pitch_class_histogram(song: Song) -> np.ndarray:
    """Note counts per pitch class C..B."""
    return np.bincount(pitched_notes(song)["pitch"] % 12, minlength=12).astype(float)


def scale_consistency(song: Song) -> float:
    """Share of notes inside the best-fitting major or harmonic-minor scale (MuseGAN)."""
    histogram = pitch_class_histogram(song)
    if histogram.sum() == 0:
        return 0.0
    return float((SCALES @ histogram).max() / histogram.sum())


def pitch_range(song: Song) -> float:
    """Highest minus lowest pitch, in semitones."""
    pitches = pitched_notes(song)["pitch"]
    return float(pitches.max() - pitches.min()) if len(pitches) else 0.0


def pitch_class_entropy(song: Song) -> float:
    """Shannon entropy (bits) of the pitch-class histogram: 0 = one pitch class, log2(12) = all equal."""
    histogram = pitch_class_histogram(song)
    if histogram.sum() == 0:
        return 0.0
    p = histogram[histogram > 0] / histogram.sum()
    return float(-(p * np.log2(p)).sum())


def _onset_patterns(song: Song) -> list[np.ndarray]:
    """Per bar, a boolean vector over the bar's grid steps: True where a note starts."""
    edges = bar_edges(song)
    notes = pitched_notes(song)
    patterns = []
    for start, stop in zip(edges[:-1], edges[1:]):
        pattern = np.zeros(stop - start, dtype=bool)
        onsets = notes["onset"][(notes["onset"] >= start) & (notes["onset"] < stop)]
        pattern[onsets - start] = True
        patterns.append(pattern)
    return patterns


def groove_consistency(song: Song) -> float:
    """1 - mean Hamming distance (per grid step) between onset patterns of neighbouring bars of equal
    length (Wu & Yang 2020); 1 = every bar has the same rhythm."""
    patterns = _onset_patterns(song)
    distances = [
        np.mean(a != b) for a, b in zip(patterns[:-1], patterns[1:]) if len(a) == len(b) and (a.any() or b.any())
    ]
    return 1.0 - float(np.mean(distances)) if distances else 0.0


def bar_repetition(song: Song) -> float:
    """Share of non-empty bars whose notes (position in bar, pitch, duration) repeat an earlier bar."""
    notes = pitched_notes(song)
    edges = bar_edges(song)
    bars = _bar_of(notes["onset"], edges)
    seen: set[tuple] = set()
    repeated = total = 0
    for bar in np.unique(bars):
        in_bar = notes[bars == bar]
        positions = (in_bar["onset"] - edges[bar]).tolist()
        content = tuple(zip(positions, in_bar["pitch"].tolist(), in_bar["duration"].tolist()))
        repeated += content in seen
        total += 1
        seen.add(content)
    return repeated / total if total else 0.0


def on_beat_share(song: Song) -> float:
    """Share of note onsets on a quarter-note beat, counted from the start of their bar."""
    notes = pitched_notes(song)
    if len(notes) == 0:
        return 0.0
    edges = bar_edges(song)
    position = notes["onset"] - edges[_bar_of(notes["onset"], edges)]
    return float(np.mean(position % song.steps_per_beat == 0))


def mean_interval(song: Song) -> float:
    """Mean absolute step between consecutive melody notes, in semitones."""
    pitches = song.melody().notes["pitch"].astype(int)
    return float(np.abs(np.diff(pitches)).mean()) if len(pitches) > 1 else 0.0


def notes_per_bar(song: Song) -> float:
    """Mean number of note onsets per bar."""
    bars = len(bar_edges(song)) - 1
    return len(pitched_notes(song)) / bars if bars else 0.0


def rest_share(song: Song) -> float:
    """Share of the tune's bars (grid steps) during which no note sounds."""
    edges = bar_edges(song)
    if len(edges) < 2:
        return 0.0
    sounding = np.zeros(edges[-1] - edges[0], dtype=bool)
    notes = pitched_notes(song)
    for onset, duration in zip(notes["onset"] - edges[0], notes["duration"]):
        sounding[onset : onset + duration] = True
    return 1.0 - float(sounding.mean())


#: Every metric by name, in feature-vector order.
METRICS: dict[str, Callable[[Song], float]] = {
    "empty_bar_rate": empty_bar_rate,
    "pitch_classes_per_bar": pitch_classes_per_bar,
    "qualified_note_rate": qualified_note_rate,
    "scale_consistency": scale_consistency,
    "pitch_range": pitch_range,
    "pitch_class_entropy": pitch_class_entropy,
    "groove_consistency": groove_consistency,
    "bar_repetition": bar_repetition,
    "on_beat_share": on_beat_share,
    "mean_interval": mean_interval,
    "notes_per_bar": notes_per_bar,
    "rest_share": rest_share,
}


def tune_metrics(song: Song) -> dict[str, float]:
    """Every metric of one tune, by name."""
    return {name: metric(song) for name, metric in METRICS.items()}


def tune_features(song: Song) -> np.ndarray:
    """The metrics as one vector (order of `METRICS`), for the Fréchet distance and the classifier."""
    return np.array([metric(song) for metric in METRICS.values()], dtype=float)
