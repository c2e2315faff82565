"""Style resampling: the features read each part of real chorales, and resampling keeps the pieces
written in the training music's style and drops those that are not."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from support import BACH, CHORALES_HELD_OUT

from midigan.cli import main
from midigan.midi import read
from midigan.music.catalogue import load_music_model
from midigan.music.generation import Request, generate_music
from midigan.music.style import DRAWS, PART_FEATURES, POOL_CHUNK, StyleReference, style_features
from midigan.song import Song

from .band import band_folder

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


def test_a_model_of_parts_resamples_by_the_style_it_trained_on_and_draws_once_when_told(tmp_path: Path,
                                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    band_folder(tmp_path / "band")
    trained = CliRunner().invoke(main, ["train", "band", "--run-dir", "run", "--max-steps", "4", "--pretrain-steps", "2", "--window", "32",
                                        "--hidden", "16", "--quiet"])
    assert trained.exit_code == 0, trained.output
    model = load_music_model(tmp_path / "run")
    style = StyleReference.from_artifacts(model.artifacts)
    assert style is not None and style.parts == 4 and style.bars == 8  # the band's 8-bar pieces, part by part

    def pieces(artifacts: dict, **request) -> tuple[list[bytes], int]:
        made = generate_music(dataclasses.replace(model, artifacts=artifacts), Request(bars=8, count=5, seed=3, **request))
        return [song.notes.tobytes() for song in made.songs], made.draws

    resampled, draws = pieces(model.artifacts)
    every, once = pieces(model.artifacts, draws=1)
    without = {name: value for name, value in model.artifacts.items() if not name.startswith("style_")}
    assert draws == DRAWS and once == 1 and pieces(without) == (every, 1)  # --draws 1 is a run from before
    assert resampled != every and pieces(model.artifacts) == (resampled, DRAWS)  # reproducible by seed

    seeds = []
    real_generate = model.family.generate

    def recording(generator, bars, count, seed=None, **options):
        seeds.append(seed)
        return real_generate(generator, bars, count, seed, **options)

    monkeypatch.setattr(model.family, "generate", recording)
    for seed in (0, POOL_CHUNK):  # a pool of two chunks: the second must not be the next seed's first
        generate_music(model, Request(bars=1, count=POOL_CHUNK // DRAWS + 1, seed=seed))
    assert len(seeds) == 4 and seeds[0] == 0 and seeds[2] == POOL_CHUNK and len(set(seeds)) == 4


def test_draws_asked_of_a_melody_model_say_each_piece_was_drawn_once(tmp_path: Path) -> None:
    out = str(tmp_path / "out.mid")
    made = CliRunner().invoke(main, ["generate", "--model", "folk", "--bars", "4", "--seed", "1", "--draws", "4", out])
    assert made.exit_code == 0 and "drew each piece once: --draws needs a model of parts" in made.output, made.output
