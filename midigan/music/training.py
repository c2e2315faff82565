"""What every music family's training gets besides its model: the tunes chosen and held out, the
validation that judges the run, and what generation later needs (form plans, novelty guard).

Why in one place: a melody model and a polyphonic one differ in how they encode notes, not in how
a small folder must be handled; the CLI and the benchmarks call these for every family.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from midigan.metrics.copying import copy_rate, phrase_set
from midigan.metrics.evaluation import select_tunes
from midigan.music.form import form_artifacts
from midigan.music.holdout import split_by_tune
from midigan.music.meters import Meter, MeterPool, pool_by_meter
from midigan.music.novelty import NoveltyGuard
from midigan.music.validation import MusicValidation
from midigan.song import Song

MAX_VALIDATION_BARS = 16


@dataclass
class Selection:
    """The tunes a run trains on and those it holds out, from one pool of equal-bar meters."""

    pool: MeterPool
    train: list[Song]
    validation: list[Song]

    def describe(self) -> str:
        held = f"{len(self.validation)} held out for validation" if self.validation else "none held out (too few tunes)"
        return f"{self.pool.describe()}\n{len(self.train)} tunes to train on, {held}"


def select_tunes_for_training(songs: list[Song], meter: Meter | None = None) -> Selection:
    """The folder's largest pool of equal-bar meters (or `meter`'s), split by tune; ValueError
    (one line) when no tune fits."""
    pool = pool_by_meter(songs, meter)
    train, validation = split_by_tune(pool.songs)
    return Selection(pool, train, validation)


def generation_artifacts(train_pieces: list[Song]) -> dict[str, torch.Tensor]:
    """Form plans and novelty-guard hashes of the training pieces, as the model writes them
    (melodies for a melody model), for every checkpoint."""
    return {**form_artifacts(train_pieces), **NoveltyGuard.from_songs(train_pieces).artifacts()}


def music_validation(family, windows: torch.Tensor, train_pieces: list[Song], validation_pieces: list[Song],
                     forms=None) -> MusicValidation:
    """The validation of a run whose held-out tunes are encoded as `windows`; pieces are what the
    model writes (melodies for a melody model)."""
    phrases = phrase_set(train_pieces)
    lengths = [piece.n_bars for piece in train_pieces]
    bars = int(max(1, min(MAX_VALIDATION_BARS, np.median(lengths) if lengths else MAX_VALIDATION_BARS)))
    reference = select_tunes(train_pieces, bars) or train_pieces
    return MusicValidation(family, windows, phrases, copy_rate(validation_pieces, phrases), reference, bars, forms)
