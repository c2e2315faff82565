"""From a folder's songs to what the engine trains: the family, its data, the validation that
judges the run, and what generation later needs (forms, novelty guard). Each family plans its own
encoding (`midigan.music.melody.plan`, `midigan.music.parts.plan`); this is what they share.

Why shared: the melody and the polyphonic families differ in how they encode notes, not in how a
folder must be handled (equal-bar meters pooled, tunes held out by version, a model sized to the
folder, validation, forms and guard).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from midigan.metrics.copying import copy_rate, passage_keys, phrase_keys, phrase_set
from midigan.metrics.evaluation import select_tunes
from midigan.metrics.polyphony import piece_features
from midigan.metrics.tune import tune_features
from midigan.music.capacity import capacity_for
from midigan.music.errors import EncodingError
from midigan.music.family import MusicFamily
from midigan.music.form import Forms, form_artifacts
from midigan.music.keys import HomeKeys
from midigan.music.novelty import NoveltyGuard
from midigan.music.parts.grid import GRID_STEPS_PER_BEAT
from midigan.music.parts.layout import find_parts
from midigan.music.style import StyleReference
from midigan.music.validation import MusicValidation
from midigan.song import Song

MAX_VALIDATION_BARS = 16
STYLE_BARS = 8  # windows of the training pieces whose style generation keeps to (`midigan.music.style`)


@dataclass
class TrainingPlan:
    """Everything `Trainer` needs for one music run, and what to tell the user about it."""

    family: MusicFamily
    data: torch.Tensor
    validation: MusicValidation | None
    artifacts: dict[str, torch.Tensor]
    training_notes: int  # notes of the pieces it trains on (a folder of parts: what `--from auto` decides by)
    report: list[str] = field(default_factory=list)


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
    position_durations: bool = True  # melody durations chosen from the place in the bar too
    d_width: int | None = None  # the discriminator's width (None: the family's default)
    # a model of parts: each voice's head width (None: the family's default), a melodic-interval
    # bias, a critic that reads the music's features (runs from before had heads as wide as the
    # LSTM and neither)
    head: int | None = None
    melodic: bool = True
    critic_features: bool = True

    @classmethod
    def of_run(cls, family_config: dict[str, Any]) -> ModelSize:
        # a model of parts stores its window in steps of its grid, where --window counts 16ths (a run
        # on an 8th-note grid resumed with half its bars, and its checkpoint no longer fitted)
        grid = family_config.get("vocabulary", {}).get("grid", GRID_STEPS_PER_BEAT)
        return cls(family_config["window"] * GRID_STEPS_PER_BEAT // grid, family_config["hidden"], family_config.get("dropout", 0.0),
                   family_config["layers"],
                   family_config.get("tune_bars") is not None, family_config.get("interval_scores", False),
                   family_config.get("position_durations", False), family_config.get("d_width"),
                   family_config.get("head", family_config["hidden"]), family_config.get("melodic", False),
                   family_config.get("critic_features", False))


def choose_parts(songs: list[Song]) -> str:
    """"all" when most pieces share two or more parts (or one part plays chords), else "melody"."""
    try:
        search = find_parts(songs)
    except ValueError:
        return "melody"
    layout = search.layout.parts
    several = len(layout) > 1 or any(part.voices > 1 for part in layout)
    return "all" if several and len(search.pieces) >= 0.5 * len(songs) else "melody"


def held_out_or_none(encode: Callable[[], Any], held: list):
    """The held-out tunes encoded, or None when there are none or none fits the training
    vocabulary (the run then trains without validation, and says so)."""
    if not held:
        return None
    try:
        return encode()
    except EncodingError:
        return None


def finish_plan(family, data: torch.Tensor, held_windows: np.ndarray | None, train_pieces: list[Song],
            held_pieces: list[Song], kind: str, report: list[str], training_notes: int) -> TrainingPlan:
    """Artifacts (forms, guard; for melodies the home keys, for parts the style reference) from
    the training pieces, and the validation on held-out ones."""
    artifacts = {**form_artifacts(train_pieces), **NoveltyGuard.from_songs(train_pieces, kind=kind).artifacts()}
    if kind == "phrases":
        artifacts.update(HomeKeys.from_songs(train_pieces).artifacts())
    else:
        style = StyleReference.from_songs(train_pieces, len(family.vocabulary.layout.parts), _piece_bars(train_pieces, STYLE_BARS))
        artifacts.update(style.artifacts() if style is not None else {})
    family.forms = Forms.from_artifacts(artifacts)
    validation = None
    unit = "8-note phrases" if kind == "phrases" else "8-chord passages"
    if held_windows is not None and len(held_windows):
        validation = _validation(family, torch.from_numpy(held_windows), train_pieces, held_pieces, kind)
        report.append(f"held-out pieces copy {validation.real_copy_rate:.1%} of their {unit} from the training pieces")
    elif held_pieces:
        report.append("no held-out piece fits what the training pieces teach (durations, range): training without validation")
    return TrainingPlan(family, data, validation, artifacts, training_notes, report)


def _validation(family, windows: torch.Tensor, train_pieces: list[Song], held_pieces: list[Song], kind: str) -> MusicValidation:
    keys = phrase_keys if kind == "phrases" else passage_keys
    parts = len(family.vocabulary.layout.parts) if kind == "passages" else 1
    features: Callable[[Song], np.ndarray] = tune_features if kind == "phrases" else lambda song: piece_features(song, parts)
    phrases = phrase_set(train_pieces, keys=keys)
    bars = _piece_bars(train_pieces, MAX_VALIDATION_BARS)
    reference = select_tunes(train_pieces, bars) or train_pieces
    home_keys = HomeKeys.from_songs(train_pieces) if kind == "phrases" else None
    return MusicValidation(family, windows, phrases, copy_rate(held_pieces, phrases, keys=keys), reference, bars,
                           family.forms, keys=keys, features=features, pieces_judge_pretraining=kind == "phrases",
                           home_keys=home_keys)


def _piece_bars(pieces: list[Song], longest: int) -> int:
    """Bars of the pieces a plan compares with: the training pieces' median length, at most `longest`."""
    lengths = [piece.n_bars for piece in pieces]
    return int(max(1, min(longest, np.median(lengths) if lengths else longest)))


def sized(size: ModelSize, notes: int) -> dict[str, Any]:
    capacity = capacity_for(notes)
    return {"hidden": size.hidden or capacity.hidden, "layers": size.layers or capacity.layers,
            "dropout": capacity.dropout if size.dropout is None else size.dropout}


def held_line(train: list, held: list) -> str:
    kept = f"{len(held)} held out for validation" if held else "none held out (too few)"
    return f"{len(train)} to train on, {kept}"
