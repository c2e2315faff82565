"""Per-piece metrics of music in several parts: each a number per part or between parts.

Why these: MuseGAN's measures per track (empty bars, used pitch classes per bar, qualified notes,
tonal distance between tracks), MusPy's polyphony and polyphony rate, and the measures of
part-writing a listener hears at once (consonance of simultaneous notes, parallel fifths and
octaves, voice crossings, each part's range). Parts are a piece's tracks ranked from the highest
sounding to the lowest (drums last), so pieces from different files compare part by part. Time
is sampled on a 16th-note grid; where a part sounds a chord, its top note stands for it in the
between-parts measures.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from midigan.metrics.tune import bar_edges

if TYPE_CHECKING:
    from midigan.song import Song

#: A note "qualifies" when it lasts at least a 32nd note (MuseGAN's threshold).
QUALIFIED_BEATS = 0.125
GRID = 4  # steps per quarter note
CONSONANT = np.zeros(12, bool)
CONSONANT[[0, 3, 4, 5, 7, 8, 9]] = True  # unisons/octaves, thirds, fourths, fifths, sixths
PER_PART = ("empty", "pc/bar", "qualified", "range")
BETWEEN = ("polyphony", "poly-rate", "tonal-dist", "consonance", "parallels", "crossings")


def feature_names(n_parts: int) -> list[str]:
    """Names of `piece_features`' entries, per-part ones as "empty:2" (part 2 from the top)."""
    return [f"{name}:{part + 1}" for name in PER_PART for part in range(n_parts)] + list(BETWEEN)


def ranked_parts(song: Song) -> list[np.ndarray]:
    """The piece's tracks' notes, highest-sounding track first, drum tracks last."""
    tracks = []
    for track in np.unique(song.notes["track"]).tolist():
        notes = song.notes[song.notes["track"] == track]
        tracks.append((bool(notes["is_drum"].any()), -float(notes["pitch"].mean()), notes))
    return [notes for *_, notes in sorted(tracks, key=lambda item: item[:2])]


def piece_features(song: Song, n_parts: int) -> np.ndarray:
    """The metrics of `feature_names(n_parts)` for one piece (missing parts count as silent)."""
    parts = ranked_parts(song)[:n_parts]
    parts += [song.notes[:0]] * (n_parts - len(parts))
    edges = bar_edges(song)
    per_part = [[_empty_bar_rate(p, edges), _pitch_classes_per_bar(p, edges), _qualified(p, song.steps_per_beat),
                 _range(p)] for p in parts]
    pitched = [p for p in parts if len(p) and not p["is_drum"].any()]
    top = _top_lines(pitched, song)
    between = [*_polyphony(pitched, song), _tonal_distance(pitched, edges), _consonance(top), _parallels(top), _crossings(top)]
    return np.array([row[i] for i in range(len(PER_PART)) for row in per_part] + between, dtype=np.float64)


def _empty_bar_rate(notes: np.ndarray, edges: np.ndarray) -> float:
    if len(edges) < 2:
        return 1.0
    starts, ends = notes["onset"], notes["onset"] + notes["duration"]
    sounding = [np.any((starts < b) & (ends > a)) for a, b in zip(edges[:-1], edges[1:])]
    return 1.0 - float(np.mean(sounding))


def _pitch_classes_per_bar(notes: np.ndarray, edges: np.ndarray) -> float:
    if len(notes) == 0:
        return 0.0
    bars = np.searchsorted(edges, notes["onset"], side="right") - 1
    return float(np.mean([len(np.unique(notes["pitch"][bars == bar] % 12)) for bar in np.unique(bars)]))


def _qualified(notes: np.ndarray, steps_per_beat: int) -> float:
    return float(np.mean(notes["duration"] >= QUALIFIED_BEATS * steps_per_beat)) if len(notes) else 0.0


def _range(notes: np.ndarray) -> float:
    return float(notes["pitch"].max() - notes["pitch"].min()) if len(notes) else 0.0


def _top_lines(parts: list[np.ndarray], song: Song) -> np.ndarray:
    """(parts, grid steps) of each part's highest sounding pitch, -1 where it is silent, and
    whether a note starts there (as a second plane): shape (2, parts, steps)."""
    factor = max(song.steps_per_beat // GRID, 1)
    steps = max(-(-song.end // factor), 1)
    lines = np.full((2, len(parts), steps), -1, np.int64)
    for row, notes in enumerate(parts):
        for note in notes[np.argsort(notes["pitch"], kind="stable")]:  # higher pitches written last win
            start = int(note["onset"]) // factor
            end = max(start + 1, -(-int(note["onset"] + note["duration"]) // factor))
            lines[0, row, start:end] = note["pitch"]
            lines[1, row, start] = 1
    return lines


def _polyphony(parts: list[np.ndarray], song: Song) -> tuple[float, float]:
    """(mean pitches sounding where any sounds, share of those steps with more than one)."""
    factor = max(song.steps_per_beat // GRID, 1)
    steps = max(-(-song.end // factor), 1)
    count = np.zeros(steps, np.int64)
    for notes in parts:
        for note in notes:
            start = int(note["onset"]) // factor
            count[start:max(start + 1, -(-int(note["onset"] + note["duration"]) // factor))] += 1
    sounding = count[count > 0]
    return (float(sounding.mean()), float(np.mean(sounding > 1))) if len(sounding) else (0.0, 0.0)


def _tonal_centroid(pitch_classes: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Harte et al.'s 6-D tonal centroid of a weighted pitch-class set (fifths, minor and major thirds)."""
    angles = np.stack([pitch_classes * 7 * np.pi / 6, pitch_classes * 3 * np.pi / 2, pitch_classes * 2 * np.pi / 3])
    radii = np.array([1.0, 1.0, 0.5])[:, None]
    points = np.concatenate([radii * np.sin(angles), radii * np.cos(angles)])
    return points @ weights / max(weights.sum(), 1e-9)


def _tonal_distance(parts: list[np.ndarray], edges: np.ndarray) -> float:
    """Mean distance between adjacent parts' tonal centroids, bar by bar (bars where both sound)."""
    distances = []
    for upper, lower in zip(parts, parts[1:]):
        bars_upper = np.searchsorted(edges, upper["onset"], side="right") - 1
        bars_lower = np.searchsorted(edges, lower["onset"], side="right") - 1
        for bar in np.intersect1d(bars_upper, bars_lower):
            a, b = upper[bars_upper == bar], lower[bars_lower == bar]
            centroid_a = _tonal_centroid(a["pitch"] % 12, a["duration"].astype(float))
            centroid_b = _tonal_centroid(b["pitch"] % 12, b["duration"].astype(float))
            distances.append(float(np.linalg.norm(centroid_a - centroid_b)))
    return float(np.mean(distances)) if distances else 0.0


def consonance_with_melody(song: Song) -> float:
    """Share of consonant intervals between the top part and each other part wherever one of them
    starts: how well parts written around a given melody fit it."""
    pitched = [p for p in ranked_parts(song) if len(p) and not p["is_drum"].any()]
    return _consonance(_top_lines(pitched, song), against_first=True)


def _consonance(lines: np.ndarray, against_first: bool = False) -> float:
    """Share of consonant intervals between parts' top notes (every pair, or the first part with
    each other) wherever one of them starts."""
    pitches, starts = lines
    consonant = total = 0
    for i in range(1 if against_first else len(pitches)):
        for j in range(i + 1, len(pitches)):
            both = (pitches[i] >= 0) & (pitches[j] >= 0) & ((starts[i] > 0) | (starts[j] > 0))
            intervals = np.abs(pitches[i][both] - pitches[j][both]) % 12
            consonant += int(CONSONANT[intervals].sum())
            total += len(intervals)
    return consonant / total if total else 0.0


def _parallels(lines: np.ndarray) -> float:
    """Share of moves where two parts both move to a new note and keep a perfect fifth or octave."""
    pitches, starts = lines
    parallel = moves = 0
    for i in range(len(pitches)):
        for j in range(i + 1, len(pitches)):
            steps = np.flatnonzero((starts[i] > 0) & (starts[j] > 0) & (pitches[i] >= 0) & (pitches[j] >= 0))
            for before, after in zip(steps, steps[1:]):
                if pitches[i][after] == pitches[i][before] or pitches[j][after] == pitches[j][before]:
                    continue
                moves += 1
                old, new = abs(pitches[i][before] - pitches[j][before]) % 12, abs(pitches[i][after] - pitches[j][after]) % 12
                parallel += old == new and new in (0, 7)
    return parallel / moves if moves else 0.0


def _crossings(lines: np.ndarray) -> float:
    """Share of steps with two adjacent parts sounding where the lower part is above the upper."""
    pitches, _ = lines
    crossed = total = 0
    for upper, lower in zip(pitches, pitches[1:]):
        both = (upper >= 0) & (lower >= 0)
        crossed += int((lower[both] > upper[both]).sum())
        total += int(both.sum())
    return crossed / total if total else 0.0
