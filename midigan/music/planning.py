"""From a folder's songs to what the engine trains: the family, its data, the validation that
judges the run, and what generation later needs (forms, novelty guard), for melodies or for
pieces in several parts.

Why in one place: the melody and the polyphonic families differ in how they encode notes, not in
how a folder must be handled (equal-bar meters pooled, tunes held out by version, a model sized
to the folder, validation, forms and guard); the CLI and the benchmarks call these.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable

import numpy as np
import torch

from midigan.core.family import GANFamily
from midigan.metrics.copying import copy_rate, passage_keys, phrase_keys, phrase_set
from midigan.metrics.evaluation import select_tunes
from midigan.metrics.polyphony import piece_features
from midigan.metrics.tune import tune_features
from midigan.music.capacity import capacity_for
from midigan.music.form import Forms, form_artifacts
from midigan.music.holdout import split_by_tune
from midigan.music.meters import Meter, pool_by_meter
from midigan.music.novelty import NoveltyGuard
from midigan.music.validation import MusicValidation
from midigan.song import Song

MAX_VALIDATION_BARS = 16


#: With a time budget, pretraining ends by this share of it. A polyphonic adversarial step costs
#: about thirty likelihood steps on a CPU (every voice of every 16th, run free), and the chorales'
#: held-out likelihood still improved at 60% of ten minutes; a melody model on a small folder
#: stops improving within a minute or two either way.
PRETRAIN_TIME_SHARE = {"music-seq": 0.6, "music-poly": 0.8}


@dataclass
class TrainingPlan:
    """Everything `Trainer` needs for one music run, and what to tell the user about it."""

    family: GANFamily
    data: torch.Tensor
    validation: MusicValidation | None
    artifacts: dict[str, torch.Tensor]
    report: list[str] = field(default_factory=list)

    @property
    def pretrain_time_share(self) -> float:
        return PRETRAIN_TIME_SHARE[self.family.name]


@dataclass
class ModelSize:
    """What the user (or a resumed run) fixed; None leaves it to the folder's size."""

    window: int | None = None
    hidden: int | None = None
    dropout: float | None = None
    layers: int | None = None
    # a melody generator told each tune's length, and scoring intervals (runs from before had neither)
    length_aware: bool = True
    interval_scores: bool = True

    @classmethod
    def of_run(cls, family_config: dict[str, Any]) -> "ModelSize":
        return cls(family_config["window"], family_config["hidden"], family_config.get("dropout", 0.0), family_config["layers"],
                   family_config.get("tune_bars") is not None, family_config.get("interval_scores", False))


def choose_parts(songs: list[Song]) -> str:
    """"all" when most pieces share two or more parts (or one part plays chords), else "melody"."""
    from midigan.music.parts.layout import find_parts

    try:
        search = find_parts(songs)
    except ValueError:
        return "melody"
    layout = search.layout.parts
    several = len(layout) > 1 or any(part.voices > 1 for part in layout)
    return "all" if several and len(search.pieces) >= 0.5 * len(songs) else "melody"


def plan_melody(songs: list[Song], meter: Meter | None, size: ModelSize) -> TrainingPlan:
    """The melody family on the largest pool of equal-bar meters (or `meter`'s), tunes held out
    by version. Raises EncodingError / ValueError with one-line messages."""
    from midigan.music.melody.encoding import describe, encode_songs
    from midigan.music.melody.model import MusicSeqFamily

    window = size.window or 64
    pool = pool_by_meter(songs, meter)
    train, held = split_by_tune(pool.songs)
    encoded = encode_songs(train, window=window, meter=pool.meter)
    held_out = _held_out_or_none(lambda: encode_songs(held, window=window, vocabulary=encoded.vocabulary), held)
    melodies = [song.melody() for song in train]
    notes = sum(len(melody.notes) for melody in melodies)
    lengths = encoded.windows[:, 0, 3]
    tune_bars = (int(lengths.min()), int(lengths.max())) if size.length_aware else None
    family = MusicSeqFamily(encoded.vocabulary, window=window, tune_bars=tune_bars, interval_scores=size.interval_scores,
                            **_sized(size, notes))
    report = [pool.describe(), _held_line(train, held),
              f"{encoded.n_tunes} training tunes -> {len(encoded.windows)} windows of {window} notes"
              f" (left out: {describe({k: v for k, v in encoded.skipped.items() if not k.startswith('in ')})})",
              f"model: melody LSTM {family.layers}x{family.hidden}, dropout {family.dropout:g}, for {notes} training notes"]
    validation_pieces = [song.melody() for song in held]
    return _finish(family, torch.from_numpy(encoded.windows), held_out.windows if held_out is not None else None, melodies,
                   validation_pieces, "phrases", report)


def plan_polyphony(songs: list[Song], meter: Meter | None, size: ModelSize) -> TrainingPlan:
    """The polyphonic family on the folder's shared parts, in the largest pool of equal-bar
    meters (or `meter`'s), pieces held out by version."""
    from midigan.music.parts.layout import find_parts
    from midigan.music.parts.encoding import WINDOW_BARS, build_vocabulary, encode_pieces, sections_in_meter
    from midigan.music.parts.model import PolyFamily

    search = find_parts(songs)
    sections, meter, left_out = sections_in_meter(search, meter)
    pieces = [parts_only(section.song, section.mapping) for section in sections]
    train_pieces, held_pieces = split_by_tune(pieces)
    held_ids = {id(piece) for piece in held_pieces}
    train = [s for s, p in zip(sections, pieces) if id(p) not in held_ids]
    held = [s for s, p in zip(sections, pieces) if id(p) in held_ids]
    vocabulary = build_vocabulary(train, search.layout, meter)
    window_bars = max(1, size.window // vocabulary.bar_steps) if size.window else WINDOW_BARS
    encoded = encode_pieces(train, vocabulary, window_bars)
    held_out = _held_out_or_none(lambda: encode_pieces(held, vocabulary, window_bars), held)
    notes = sum(len(piece.notes) for piece in train_pieces)
    family = PolyFamily(vocabulary, window=window_bars * vocabulary.bar_steps, **_sized(size, notes))
    left = ", ".join(f"{count} {reason}" for reason, count in left_out.items()) or "none"
    report = [search.describe(), f"{len(sections)} sections in {meter[0]}/{meter[1]} (left out: {left})",
              _held_line(train, held),
              f"{len(encoded.windows)} windows of {window_bars} bars",
              f"model: {vocabulary.n_voices} voices, LSTM {family.layers}x{family.hidden}, dropout {family.dropout:g},"
              f" for {notes} training notes"]
    return _finish(family, torch.from_numpy(encoded.windows), held_out.windows if held_out is not None else None,
                   train_pieces, held_pieces, "passages", report)


def _held_out_or_none(encode: Callable[[], Any], held: list):
    """The held-out tunes encoded, or None when there are none or none fits the training
    vocabulary (the run then trains without validation, and says so)."""
    from midigan.music.melody.encoding import EncodingError

    if not held:
        return None
    try:
        return encode()
    except EncodingError:
        return None


def _finish(family, data: torch.Tensor, held_windows: np.ndarray | None, train_pieces: list[Song],
            held_pieces: list[Song], kind: str, report: list[str]) -> TrainingPlan:
    """Artifacts (forms, guard) from the training pieces, and the validation on held-out ones."""
    artifacts = {**form_artifacts(train_pieces), **NoveltyGuard.from_songs(train_pieces, kind=kind).artifacts()}
    family.forms = Forms.from_artifacts(artifacts)
    validation = None
    unit = "8-note phrases" if kind == "phrases" else "8-chord passages"
    if held_windows is not None and len(held_windows):
        validation = _validation(family, torch.from_numpy(held_windows), train_pieces, held_pieces, kind)
        report.append(f"held-out pieces copy {validation.real_copy_rate:.1%} of their {unit} from the training pieces")
    elif held_pieces:
        report.append("no held-out piece fits what the training pieces teach (durations, range): training without validation")
    return TrainingPlan(family, data, validation, artifacts, report)


def _validation(family, windows: torch.Tensor, train_pieces: list[Song], held_pieces: list[Song], kind: str) -> MusicValidation:
    keys = phrase_keys if kind == "phrases" else passage_keys
    parts = len(family.vocabulary.layout.parts) if kind == "passages" else 1
    features: Callable[[Song], np.ndarray] = tune_features if kind == "phrases" else lambda song: piece_features(song, parts)
    phrases = phrase_set(train_pieces, keys=keys)
    lengths = [piece.n_bars for piece in train_pieces]
    bars = int(max(1, min(MAX_VALIDATION_BARS, np.median(lengths) if lengths else MAX_VALIDATION_BARS)))
    reference = select_tunes(train_pieces, bars) or train_pieces
    return MusicValidation(family, windows, phrases, copy_rate(held_pieces, phrases, keys=keys), reference, bars,
                           family.forms, keys=keys, features=features, pieces_judge_pretraining=kind == "phrases")


def _sized(size: ModelSize, notes: int) -> dict[str, Any]:
    capacity = capacity_for(notes)
    return {"hidden": size.hidden or capacity.hidden, "layers": size.layers or capacity.layers,
            "dropout": capacity.dropout if size.dropout is None else size.dropout}


def _held_line(train: list, held: list) -> str:
    kept = f"{len(held)} held out for validation" if held else "none held out (too few)"
    return f"{len(train)} to train on, {kept}"


def parts_only(song: Song, mapping: dict[int, int]) -> Song:
    """The section with only its mapped tracks, each numbered by its part."""
    notes = song.notes[np.isin(song.notes["track"], list(mapping))].copy()
    notes["track"] = [mapping[int(track)] for track in notes["track"]]
    return replace(song, notes=notes, track_names={})
