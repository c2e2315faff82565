"""A melody or primer whose bars the model's regroup is re-barred, not refused: two 4/4 bars make a
4/2 bar, a 4/4 bar two 2/4 bars; beats grouped otherwise (3/4 against 4/4) are still refused."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from support import make_song, quarters
from support import midigan as run

from midigan.midi import read, write
from midigan.music.errors import EncodingError
from midigan.music.meters import bars_per_bar
from midigan.music.primer import prepare_primer

from .motets import SIX_VOICES, folder_of, motet

pytestmark = pytest.mark.usefixtures("in_scratch_folder")

SCALE = [60, 62, 64, 65, 67, 69, 71, 72, 71, 69, 67, 65, 64, 62, 60, 59, 60, 64, 67, 72]


@pytest.mark.parametrize(("a", "b", "ratio"), [((4, 4), (4, 2), 2), ((2, 2), (4, 2), 2), ((2, 4), (4, 4), 2),
                                               ((4, 4), (2, 4), Fraction(1, 2)), ((6, 8), (12, 8), 2), ((3, 8), (6, 8), 2),
                                               ((4, 4), (2, 2), 1), ((3, 4), (6, 4), 2)])
def test_bars_that_regroup(a, b, ratio) -> None:
    assert bars_per_bar(a, b) == ratio


@pytest.mark.parametrize(("a", "b"), [((3, 4), (4, 4)), ((6, 8), (3, 4)), ((3, 4), (3, 2)), ((6, 8), (2, 4)), ((4, 4), (3, 2))])
def test_beats_grouped_otherwise_do_not_regroup(a, b) -> None:
    assert bars_per_bar(a, b) is None


def test_a_four_four_primer_is_rebarred_for_a_model_in_four_two_and_in_two_four() -> None:
    pickup = [(55, 0, 12)]  # a quarter-note pickup, then five bars of 4/4
    song = make_song(pickup + quarters(SCALE, start=12), time_signatures=[(0, 1, 4), (12, 4, 4)])
    wide = prepare_primer(song, (4, 2))
    assert wide.bars == 3 and wide.song.time_signatures == [(0, 4, 2)] and wide.song.bar_length() == 96
    assert wide.song.notes["onset"].tolist() == [12 * i for i in range(20)]  # the pickup left out, nothing moved
    assert prepare_primer(song, (4, 2), primer_bars=2).song.end == 2 * 96
    narrow = prepare_primer(song, (2, 4), bars=6)
    assert narrow.bars == 6 and narrow.song.end == 6 * 24
    with pytest.raises(EncodingError, match="the primer is in 4/4, the model writes 3/4"):
        prepare_primer(song, (3, 4))


@pytest.mark.slow
def test_a_four_four_melody_is_harmonised_by_a_model_in_four_two(tmp_path: Path) -> None:
    five = [voice for voice in SIX_VOICES if voice[0] != "Quintus"]
    folder_of(tmp_path / "motets", [motet(five, bars=4, seed=i, meter=(4, 2)) for i in range(6)])
    trained = run("train", "motets", "--run-dir", "poly", "--max-steps", 2, "--pretrain-steps", 1, "--window", 32, "--hidden", 16,
                  "--quiet")
    assert trained.exit_code == 0 and "in 4/2" in trained.output, trained.output
    tune = tmp_path / "tune.mid"
    write(make_song(quarters(SCALE), velocity=90), tune)  # five bars of 4/4
    made = run("generate", "--model", "poly", "--melody", tune, "--seed", 3, "out.mid")
    assert made.exit_code == 0, made.output
    song = read(tmp_path / "out.mid")
    assert song.time_signatures[0][1:] == (4, 2) and song.n_bars == 3
    top = song.notes[song.notes["track"] == 0]
    assert top["pitch"].tolist() == [read(tune).notes["pitch"][0] + (p - SCALE[0]) for p in SCALE]
    assert np.diff(top["onset"]).tolist() == [np.diff(read(tune).notes["onset"])[0]] * (len(SCALE) - 1)
    assert len(song.notes[song.notes["track"] > 0])  # the model wrote the other parts under it

    waltz = tmp_path / "waltz.mid"
    write(make_song(quarters(SCALE[:12]), meter=(3, 4)), waltz)
    refused = run("generate", "--model", "poly", "--melody", waltz, "x.mid")
    assert refused.exit_code == 1 and "the melody is in 3/4, the model writes 4/2" in refused.output
