"""Scoring a translated tune against its input: what stayed (rhythm, contour) and what moved
(the pitch language), plus the plainest translation there is, snapping pitches to a scale.

Every function takes melodies (one line of notes in time order) as `Song`s."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from midigan.song import Song

INTERVAL_RANGE = 12  # intervals beyond an octave count as an octave
PENTATONIC = (0, 2, 4, 7, 9)  # the major pentatonic scale's degrees; its rotations are the other modes
#: How a tune's tonal centre is read, for key-free figures and for the translators' encoding:
#: "final", its last note's pitch class (folk tunes and chorales end on their tonic); "common", its most
#: common pitch class by duration (of two as common, the last note's), what runs before stop 40 used,
#: which in German tunes and chorales is the fifth about as often as the tonic, so a collection's mean
#: histogram blurred two frames. Read from the final, real tunes of one collection go a third of the way
#: to another's in 12 of the translation benchmark's 14 directions (the common class: 10), and on the
#: tuned pairs translations into Han went further towards pentatonic (docs/translation.md, stop 40)
FRAMES = ("final", "common")
FRAME = "final"


def tonal_centre(melody: Song, frame: str = FRAME) -> int:
    """The pitch class a tune's pitch classes are counted from, as `frame` reads it (see FRAMES)."""
    notes = melody.notes
    if frame == "final":
        return int(notes["pitch"][-1]) % 12
    weights = np.bincount(notes["pitch"] % 12, weights=notes["duration"], minlength=12)
    weights[int(notes["pitch"][-1]) % 12] += 0.5  # durations are whole steps: this only breaks ties
    return int(np.argmax(weights))


def pitch_language(melody: Song, frame: str = FRAME, centre: int | None = None) -> np.ndarray:
    """Key-free statistics of a tune's pitches: its pitch-class histogram by duration, rotated so
    that its tonal centre (`tonal_centre`, or `centre` where given) comes first (12), and its
    histogram of melodic intervals (25). A translation is read from its input's centre (`centre`):
    it keeps its input's key, and a translator that moves the last note, or the most common one,
    must not turn the frame its other notes are read in."""
    notes = melody.notes
    centre = tonal_centre(melody, frame) if centre is None else centre
    classes = np.bincount((notes["pitch"] - centre) % 12, weights=notes["duration"], minlength=12)
    steps = np.clip(np.diff(notes["pitch"].astype(np.int64)), -INTERVAL_RANGE, INTERVAL_RANGE) + INTERVAL_RANGE
    intervals = np.bincount(steps, minlength=2 * INTERVAL_RANGE + 1).astype(np.float64)
    return np.concatenate([classes / max(classes.sum(), 1e-9), intervals / max(intervals.sum(), 1.0)])


def pentatonic_share(melody: Song) -> float:
    """Share of the tune's notes in its best-fitting pentatonic scale (the one of 12 transpositions
    that holds the most): a key-free figure of how pentatonic a tune is, whatever its tonal centre."""
    counts = np.bincount(melody.notes["pitch"] % 12, minlength=12)
    held = [counts[[(root + step) % 12 for step in PENTATONIC]].sum() for root in range(12)]
    return float(max(held) / max(counts.sum(), 1))


def scale_profile(melody: Song) -> np.ndarray:
    """(12,) the chance that two of the tune's notes, drawn by duration, lie k pitch classes apart
    (k = 0 to 11): the interval content of the scale the tune uses, the same in every key and with
    no tonal centre to find (a pentatonic tune has no pair a semitone or a tritone apart)."""
    notes = melody.notes
    classes = np.bincount(notes["pitch"] % 12, weights=notes["duration"], minlength=12)
    classes = classes / max(classes.sum(), 1e-9)
    return np.array([classes @ np.roll(classes, -k) for k in range(12)])


def scale_distance(melodies: list[Song], others: list[Song]) -> float:
    """Total variation distance (0 to 1) between two groups' mean scale profiles (`scale_profile`)."""
    return _mean_distance(melodies, others, scale_profile)


def onset_agreement(source: Song, translated: Song) -> float:
    """Share of the input's notes whose onset and duration the translation has at the same place."""
    before = set(zip(source.notes["onset"].tolist(), source.notes["duration"].tolist()))
    after = set(zip(translated.notes["onset"].tolist(), translated.notes["duration"].tolist()))
    return len(before & after) / max(len(before), 1)


def contour_correlation(source: Song, translated: Song) -> float:
    """Pearson correlation of the two pitch sequences, note for note (1 for the same contour);
    0 when either line does not move or the note counts differ."""
    a, b = source.notes["pitch"].astype(np.float64), translated.notes["pitch"].astype(np.float64)
    if len(a) != len(b) or len(a) < 2 or a.std() == 0 or b.std() == 0:
        return 0.0
    return float(np.corrcoef(a, b)[0, 1])


def common_scale(melodies: list[Song], coverage: float = 0.9, frame: str = FRAME) -> list[int]:
    """The pitch classes, relative to each tune's centre, that the fewest suffice to hold
    `coverage` of all the melodies' note durations (a pentatonic collection gives about five)."""
    total = np.zeros(12)
    for melody in melodies:
        notes = melody.notes
        total += np.bincount((notes["pitch"] - tonal_centre(melody, frame)) % 12, weights=notes["duration"], minlength=12)
    order = np.argsort(-total)
    share = np.cumsum(total[order]) / total.sum()
    return sorted(int(pc) for pc in order[: int(np.searchsorted(share, coverage)) + 1])


def snap_to_scale(melody: Song, scale: list[int], frame: str = FRAME) -> Song:
    """Every pitch moved to the nearest pitch whose class (relative to the tune's centre) is in
    `scale`, the lower one on a tie: the baseline translation that knows only the target's scale."""
    centre = tonal_centre(melody, frame)
    allowed = np.array([pitch for pitch in range(128) if (pitch - centre) % 12 in scale])
    notes = melody.notes.copy()
    pitches = notes["pitch"].astype(np.int64)
    distance = np.abs(allowed[None, :] - pitches[:, None])
    notes["pitch"] = allowed[np.argmin(distance, axis=1)]
    return replace(melody, notes=notes)


def pitch_class_distance(melodies: list[Song], others: list[Song], frame: str = FRAME,
                         centres: list[int] | None = None) -> float:
    """Total variation distance (0 to 1) between two groups' mean key-free pitch-class histograms
    (the first 12 figures of `pitch_language`): how far apart their pitch languages are. `centres`:
    where to read each of `melodies` from (translations: their inputs' centres), else their own."""
    centres = [None] * len(melodies) if centres is None else centres
    return histogram_distance([pitch_language(melody, frame, centre)[:12] for melody, centre in zip(melodies, centres, strict=True)],
                     [pitch_language(melody, frame)[:12] for melody in others])


def interval_distance(melodies: list[Song], others: list[Song]) -> float:
    """Total variation distance (0 to 1) between two groups' mean histograms of melodic intervals
    (the last figures of `pitch_language`): how differently their tunes move from note to note."""
    return _mean_distance(melodies, others, lambda melody: pitch_language(melody)[12:])


def _mean_distance(melodies: list[Song], others: list[Song], statistic: Callable[[Song], np.ndarray]) -> float:
    """Total variation distance between the two groups' means of a histogram `statistic`."""
    return histogram_distance([statistic(melody) for melody in melodies], [statistic(melody) for melody in others])


def way_covered(before: float, after: float) -> float:
    """The share of a distance covered, 1 - after / before (0 where there was none to cover): how far
    translations went from their inputs' pitch language towards the target's (issue 28's "way")."""
    return 1 - after / before if before else 0.0


def histogram_distance(histograms: list[np.ndarray] | np.ndarray, others: list[np.ndarray] | np.ndarray) -> float:
    """Total variation distance between the means of two groups of histograms."""
    return float(0.5 * np.abs(np.mean(histograms, axis=0) - np.mean(others, axis=0)).sum())


def side_classifier(features_a: np.ndarray, features_b: np.ndarray, steps: int = 2000) -> Callable[[np.ndarray], np.ndarray]:
    """Logistic regression (standardised inputs, light L2, each side weighted as much as the other
    whatever their sizes) telling collection B's rows from A's, returned as a function of feature
    rows -> P(B). Deterministic: no random draws."""
    import torch

    x = torch.tensor(np.concatenate([features_a, features_b]), dtype=torch.float32)
    y = torch.cat([torch.zeros(len(features_a)), torch.ones(len(features_b))])
    balance = torch.cat([torch.full((len(features_a),), 0.5 / len(features_a)), torch.full((len(features_b),), 0.5 / len(features_b))])
    mean, std = x.mean(0), x.std(0) + 1e-6
    x = (x - mean) / std
    weights, bias = torch.zeros(x.shape[1], requires_grad=True), torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.Adam([weights, bias], lr=0.05)
    with torch.enable_grad():
        for _ in range(steps):
            optimizer.zero_grad()
            logits = x @ weights + bias
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, y, weight=balance, reduction="sum")
            loss = loss + 1e-3 * weights.pow(2).sum()
            loss.backward()
            optimizer.step()
    weights, bias = weights.detach(), bias.detach()

    def probability_b(features: np.ndarray) -> np.ndarray:
        rows = (torch.as_tensor(np.asarray(features), dtype=torch.float32) - mean) / std
        return torch.sigmoid(rows @ weights + bias).numpy()

    return probability_b
