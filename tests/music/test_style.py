"""Style resampling: the features read each part of real chorales, and resampling keeps the pieces
written in the training music's style and drops those that are not."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from click.testing import CliRunner
from support import BACH, CHORALES_HELD_OUT

from midigan.cli import main
from midigan.midi import read
from midigan.music.style import DRAWS, PART_FEATURES, StyleReference, style_features
from midigan.song import Song

PARTS = 4


def chorales(folder) -> list[Song]:
    return [read(path) for path in sorted(folder.glob("*.mid"))]


def windows(songs: list[Song], bars: int) -> list[Song]:
    return [song.slice_bars(first, first + bars) for song in songs for first in range(song.first_full_bar(), song.n_bars - bars + 1, bars)]


def leaping(song: Song, rng: np.random.Generator) -> Song:
    """The same piece with every note moved an octave up or down at random: the same pitch classes,
    harmony and rhythm, but parts that leap as a weakly trained model's do."""
    notes = song.notes.copy()
    notes["pitch"] += rng.choice([-12, 12], size=len(notes)).astype(notes["pitch"].dtype)
    return dataclasses.replace(song, notes=notes)


def test_the_features_read_each_part_of_a_chorale_as_bach_wrote_it() -> None:
    for song in chorales(BACH) + chorales(CHORALES_HELD_OUT):
        parts = len(np.unique(song.notes["track"]))  # four voices, and a horn doubling the soprano in one
        features = style_features(song, parts)
        assert features.shape == (PART_FEATURES * parts + (parts - 1) + 1,)
        intervals = features[0 : PART_FEATURES * parts : PART_FEATURES]
        assert np.all((intervals > 1.0) & (intervals < 4.0)), intervals  # chorale lines move mostly by step
        assert intervals[-1] > intervals[0], intervals  # the bass leaps more than the soprano
        assert features[-1] < 0.03  # parallel fifths and octaves are rare
        assert np.all(features[PART_FEATURES * parts : -1] >= 0)  # each part lies above the next (or doubles it)


@pytest.mark.parametrize("seed", [0, 1])
def test_resampling_keeps_the_pieces_in_the_training_style(seed: int) -> None:
    reference = StyleReference.from_songs(chorales(BACH), PARTS, 2)
    real = windows(chorales(CHORALES_HELD_OUT), 2)
    rng = np.random.default_rng(seed)
    drawn = real + [leaping(song, rng) for song in real]
    kept = reference.choose(drawn, len(real), seed=seed)
    assert len(kept) == len(real) and len({id(song) for song in kept}) == len(real)
    in_style = sum(any(song is piece for piece in real) for song in kept)
    assert in_style >= 0.8 * len(real), (in_style, len(real))


def test_resampling_draws_at_random_and_keeps_every_piece_when_asked_for_all() -> None:
    reference = StyleReference.from_songs(chorales(BACH), PARTS, 2)
    drawn = windows(chorales(CHORALES_HELD_OUT), 2)
    first, again, other = (reference.choose(drawn, 10, seed=seed) for seed in (3, 3, 4))
    assert [id(song) for song in first] == [id(song) for song in again]
    assert [id(song) for song in first] != [id(song) for song in other]
    assert reference.choose(drawn, len(drawn)) == drawn


def test_generate_says_how_many_pieces_it_draws_for_each_one_kept() -> None:
    shown = " ".join(CliRunner().invoke(main, ["generate", "--help"]).output.split())
    assert f"--draws INTEGER RANGE Pieces drawn for each one kept (default: {DRAWS} for a model of parts)" in shown, shown
