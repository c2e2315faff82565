"""`midigan evaluate` as a library call: score generated tunes beside baselines and real music.

A number means nothing alone, so every set is scored against the same real reference: the
generated tunes, optional order-1 and order-3 Markov chains trained on the training tunes, and
held-out real music (the other half of the reference folder), which marks what "as good as real"
looks like, including how much real tunes share phrases with the training set. Pieces in several
parts are scored with the polyphonic metrics (`midigan.metrics.polyphony`), copying is counted
over chord-slice passages, and the baselines are chord-slice chains.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from midigan.metrics.copying import copy_rate, passage_keys, phrase_keys, phrase_set
from midigan.metrics.distance import frechet_distance, two_sample_accuracy
from midigan.metrics.polyphony import feature_names, piece_features
from midigan.metrics.tune import METRICS, tune_features
from midigan.midi.folders import midi_files

if TYPE_CHECKING:
    from midigan.song import Song

MARKOV_ORDERS = (1, 3)


def read_folder(path: str | Path, steps_per_beat: int = 12) -> tuple[list[Song], int]:
    """Every readable MIDI file under `path` as a Song, and how many files could not be read."""
    from midigan.midi import MidiReadError, read

    songs, unreadable = [], 0
    for file in midi_files(path):
        try:
            songs.append(read(file, steps_per_beat=steps_per_beat))
        except MidiReadError:
            unreadable += 1
    return songs, unreadable


def _meters_from(song: Song, step: int) -> set[tuple[int, int]]:
    """Every meter in force at or after `step`."""
    in_force = [(n, d) for s, n, d in song.time_signatures if s <= step][-1:]
    return set(in_force) | {(n, d) for s, n, d in song.time_signatures if s > step}


def select_tunes(songs: list[Song], bars: int | None = None, meter: tuple[int, int] | None = None) -> list[Song]:
    """Tunes of one meter, cut to their first `bars` full bars (a pickup bar is skipped).

    With `meter`, only tunes whose every bar after a pickup is in that meter stay; with `bars`,
    tunes shorter than that are dropped and notes ringing past the last bar line are cut there.
    """
    selected = []
    for song in songs:
        first = song.first_full_bar()
        start = int(song.bar_starts()[first]) if song.n_bars else 0
        if meter is not None and _meters_from(song, start) != {meter}:
            continue
        if bars is not None:
            if song.n_bars - first < bars:
                continue
            song = song.slice_bars(first, first + bars)
        selected.append(song)
    return selected


def split_halves(songs: list[Song]) -> tuple[list[Song], list[Song]]:
    """Deterministic halves of a real collection: alternate tunes in order of their source path."""
    ordered = sorted(songs, key=lambda song: song.source)
    return ordered[0::2], ordered[1::2]


@dataclass
class SetScores:
    """One row of the table: a set of tunes scored against the real reference."""

    name: str
    tunes: int
    metrics: dict[str, float]
    frechet: float | None = None
    two_sample_accuracy: float | None = None
    copy_rate: float | None = None


@dataclass
class Evaluation:
    """The table's rows and the settings that produced them (what --json writes)."""

    rows: list[SetScores]
    settings: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"settings": self.settings, "rows": [asdict(row) for row in self.rows]}


def _common_shape(songs: list[Song]) -> tuple[int, tuple[int, int]]:
    """Median bar count and most common meter of a set: the shape the baselines copy."""
    n_bars = int(np.median([song.n_bars for song in songs]))
    meter = Counter((n, d) for song in songs for _, n, d in song.time_signatures[-1:]).most_common(1)[0][0]
    return max(n_bars, 1), meter


def count_parts(songs: list[Song]) -> int:
    """The number of pitched tracks most of the pieces have (1 for melodies)."""
    counts = Counter(len(np.unique(song.notes["track"][~song.notes["is_drum"]])) for song in songs)
    return counts.most_common(1)[0][0] if counts else 1


def evaluate(
    generated: list[Song],
    reference: list[Song],
    train: list[Song] | None = None,
    baselines: bool = False,
    seed: int = 0,
    parts: int = 1,
) -> Evaluation:
    """Score `generated` (and baselines and held-out real music) against half of `reference`.

    `train` gives the copy rate (phrases found verbatim in it) and trains the Markov baselines
    (`baselines=True` needs it). Rows: generated, markov-1, markov-3, held-out real, reference.
    With `parts` above 1, pieces are scored part by part for that many parts (see the module
    docstring).
    """
    if len(generated) < 2:
        raise ValueError(f"need at least 2 generated tunes, got {len(generated)}")
    if len(reference) < 4:
        raise ValueError(f"need at least 4 reference tunes (half of them are held out), got {len(reference)}")
    if baselines and not train:
        raise ValueError("the Markov baselines need training tunes")
    if train:
        training_files = {os.path.realpath(song.source) for song in train if song.source}
        shared = sum(os.path.realpath(song.source) in training_files for song in reference if song.source)
        if shared:
            raise ValueError(f"{shared} reference tunes are also training tunes: real music scored as held out must not be")
    reference_half, held_out = split_halves(reference)
    names = feature_names(parts) if parts > 1 else list(METRICS)
    features_of = (lambda song: piece_features(song, parts)) if parts > 1 else tune_features
    keys = passage_keys if parts > 1 else phrase_keys
    sets = {"generated": generated}
    if baselines:
        from midigan.metrics.markov import MarkovChords, MarkovMelody

        n_bars, meter = _common_shape(reference_half)
        rng = np.random.default_rng(seed)
        for order in MARKOV_ORDERS:
            chain = (MarkovChords if parts > 1 else MarkovMelody)(order).fit(train)
            sets[f"markov-{order}"] = [chain.generate(n_bars, meter, rng) for _ in generated]
    sets["held-out real"] = held_out

    reference_features = np.array([features_of(song) for song in reference_half])
    training_phrases = phrase_set(train, keys=keys) if train else None
    rows = []
    for name, songs in sets.items():
        features = np.array([features_of(song) for song in songs])
        rows.append(
            SetScores(
                name=name,
                tunes=len(songs),
                metrics=dict(zip(names, features.mean(axis=0).tolist())),
                frechet=frechet_distance(features, reference_features),
                two_sample_accuracy=two_sample_accuracy(features, reference_features, seed=seed),
                copy_rate=copy_rate(songs, training_phrases, keys=keys) if training_phrases is not None else None,
            )
        )
    reference_means = dict(zip(names, reference_features.mean(axis=0).tolist()))
    rows.append(SetScores("reference", len(reference_half), reference_means))
    return Evaluation(rows, {"seed": seed, "train_tunes": len(train) if train else 0, "parts": parts})


def evaluate_folders(
    generated: str | Path,
    reference: str | Path,
    train: str | Path | None = None,
    baselines: bool = False,
    bars: int | None = None,
    meter: tuple[int, int] | None = None,
    seed: int = 0,
    parts: int | None = None,
) -> Evaluation:
    """`evaluate` on MIDI folders, as `midigan evaluate` runs it.

    `bars` cuts generated and reference tunes (not the training tunes, whose every phrase counts
    for the copy rate); `meter` filters all three; `parts` (default: as many as most reference
    pieces have) chooses melody or part-by-part metrics. `settings["tunes"]` records, per folder,
    the files read, those unreadable and the tunes kept.
    """
    folders = {"generated": generated, "reference": reference, "train": train}
    songs: dict[str, list[Song] | None] = {"train": None}
    counts = {}
    for name, folder in folders.items():
        if folder is None:
            continue
        read, unreadable = read_folder(folder)
        songs[name] = select_tunes(read, None if name == "train" else bars, meter)
        counts[name] = {"folder": str(folder), "read": len(read), "unreadable": unreadable, "kept": len(songs[name])}
        if name == "reference" and parts is None:  # counted on whole pieces: many open with fewer voices than they have
            parts = count_parts(songs[name] if bars is None else select_tunes(read, None, meter))
    try:
        result = evaluate(songs["generated"], songs["reference"], songs["train"], baselines=baselines, seed=seed, parts=parts)
    except ValueError as error:
        kept = "; ".join(f"{name}: {c['kept']} of {c['read']} tunes kept"
                         + (f", {c['unreadable']} not readable as MIDI" if c["unreadable"] else "") for name, c in counts.items())
        why = f"; tunes shorter than {bars} full bars are left out" if bars else ""
        raise ValueError(f"{error} ({kept}{why})") from None
    meter_text = f"{meter[0]}/{meter[1]}" if meter else None
    result.settings.update(bars=bars, meter=meter_text, baselines=baselines, tunes=counts)
    return result


#: Column headings of the printed table, by metric name.
SHORT_NAMES = {
    "empty_bar_rate": "empty",
    "pitch_classes_per_bar": "pc/bar",
    "qualified_note_rate": "qual>=16th",
    "scale_consistency": "scale",
    "pitch_range": "range",
    "pitch_class_entropy": "pc-ent",
    "groove_consistency": "groove",
    "bar_repetition": "bar-rep",
    "on_beat_share": "on-beat",
    "mean_interval": "interval",
    "notes_per_bar": "notes/bar",
    "rest_share": "rest",
}


def format_table(evaluation: Evaluation) -> str:
    """The rows as an aligned text table; '-' where a number does not apply."""
    names = list(evaluation.rows[0].metrics)
    headings = ["set", "tunes", *(SHORT_NAMES.get(name, name) for name in names), "FD", "2-sample", "copy"]
    lines = []
    for row in evaluation.rows:
        numbers = [*(row.metrics[name] for name in names), row.frechet, row.two_sample_accuracy, row.copy_rate]
        lines.append([row.name, str(row.tunes), *("-" if x is None else f"{x:.3f}" for x in numbers)])
    widths = [max(len(cell) for cell in column) for column in zip(headings, *lines)]

    def render(cells: list[str]) -> str:  # set names flush left, numbers flush right
        return "  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(cells, widths)))

    polyphonic = evaluation.settings.get("parts", 1) > 1
    legend = [
        "metric:N = the metric of part N from the top; qualified: share of notes lasting at least a 32nd note"
        if polyphonic else "qual>=16th: share of notes lasting at least a 16th note",
        "FD: Fréchet distance over the metrics, standardised by the reference's spread",
        "2-sample: held-out accuracy of a classifier telling the set from the reference (0.5 = cannot tell)",
        "copy: share of 8-chord passages (pitches relative to their first bass, and timing) found verbatim in the training pieces"
        if polyphonic else "copy: share of 8-note phrases (intervals + durations) found verbatim in the training tunes",
    ]
    return "\n".join([render(headings), *(render(line) for line in lines), "", *legend])
