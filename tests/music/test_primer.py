"""Continuing a primer: its bars kept as they are, a seamless join at the bar line, a
continuation that depends on it, for melody and polyphonic models; and the refusals."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from support import FOLK
from support import midigan as run

from midigan.midi import read, write
from midigan.music.catalogue import load_music_model, shipped_model
from midigan.music.errors import EncodingError
from midigan.music.meters import tune_meter
from midigan.music.parts.sampler import primer_parts
from midigan.music.primer import prepare_primer

from .band import band_folder

pytestmark = pytest.mark.usefixtures("in_scratch_folder")


def four_four_tunes(count: int) -> list[Path]:
    """Tunes in 4/4 without a pickup, at least 4 bars long."""
    found = []
    for path in sorted(FOLK.glob("*.mid")):
        song = read(path)
        starts = song.bar_starts()
        if tune_meter(song) == (4, 4) and song.n_bars >= 4 and starts[1] - starts[0] == song.bar_length():
            found.append(path)
    return found[:count]


def assert_continues(out: Path, primer: Path, primer_bars: int, bars: int, tracks: list[int] | None = None) -> np.ndarray:
    """The output keeps the primer's first bars note for note and joins at the bar line; returns
    the continuation's notes."""
    song, given = read(out), read(primer).slice_bars(0, primer_bars)
    join = primer_bars * song.bar_length()
    assert song.end == bars * song.bar_length()
    opening = song.notes[song.notes["onset"] < join]
    expected = given.notes if tracks is None else given.notes[np.isin(given.notes["track"], tracks)]
    assert sorted(opening[["pitch", "onset", "duration"]].tolist()) == sorted(expected[["pitch", "onset", "duration"]].tolist())
    assert (opening["onset"] + opening["duration"]).max() <= join  # nothing of the primer rings past the join
    return song.notes[song.notes["onset"] >= join]


def test_a_melody_model_keeps_the_primer_and_carries_on_from_it(tmp_path: Path) -> None:
    first, second = four_four_tunes(2)
    continuations = []
    for primer in (first, second):
        made = run("generate", "--primer", primer, "--primer-bars", 2, "--bars", 6, "--seed", 4, f"{primer.stem}.mid")
        assert made.exit_code == 0, made.output
        continuations.append(assert_continues(tmp_path / f"{primer.stem}.mid", primer, 2, 6))
    assert continuations[0][["pitch", "onset"]].tolist() != continuations[1][["pitch", "onset"]].tolist()
    # the whole primer when it is as long as asked: nothing is generated
    whole = run("generate", "--primer", first, "--bars", 3, "--seed", 4, "whole.mid")
    assert whole.exit_code == 0, whole.output
    assert_continues(tmp_path / "whole.mid", first, 3, 3)


def test_a_model_of_parts_continues_every_part(tmp_path: Path) -> None:
    band = band_folder(tmp_path / "band")
    assert run("train", band, "--run-dir", "poly", "--max-steps", 3, "--pretrain-steps", 2, "--window", 32, "--hidden", 16,
               "--quiet").exit_code == 0
    primer = sorted(band.glob("*.mid"))[1]
    made = run("generate", "--model", "poly", "--primer", primer, "--primer-bars", 2, "--bars", 4, "--seed", 1, "cont.mid")
    assert made.exit_code == 0, made.output
    after = assert_continues(tmp_path / "cont.mid", primer, 2, 4)
    assert len(after) and len(np.unique(after["track"])) >= 2
    assert run("generate", "--model", "poly", "--bars", 2, "plain.mid").exit_code == 0
    written = read(tmp_path / "cont.mid")  # the parts' names, as a piece without a primer has them (they were lost)
    assert written.track_names and written.track_names == read(tmp_path / "plain.mid").track_names
    for track in np.unique(written.notes["track"]):  # the primer's notes play their part's instrument
        assert len(np.unique(written.notes["program"][written.notes["track"] == track])) == 1


def test_a_primer_in_another_meter_or_without_notes_is_refused(tmp_path: Path) -> None:
    tune = four_four_tunes(1)[0]
    write(dataclasses.replace(read(tune), time_signatures=[(0, 6, 8)]), tmp_path / "jig.mid")
    for name, fragment in (("jig.mid", "the primer is in 6/8, the model writes 4/4"), ("nothing.mid", "cannot read the primer")):
        result = run("generate", "--primer", name, "out.mid")
        lines = [line for line in result.output.splitlines() if line.startswith("Error:")]
        assert result.exit_code == 1 and len(lines) == 1 and fragment in lines[0], result.output
    alone = run("generate", "--primer-bars", 2, "out.mid")  # was ignored without a word
    assert alone.exit_code == 1 and alone.output.strip().endswith("give the primer with --primer"), alone.output
    keyed = run("generate", "--primer", "jig.mid", "--key", "Dm", "out.mid")  # the piece stayed in the primer's key, unsaid
    assert keyed.exit_code == 1 and "with --primer the piece stays in its file's key" in keyed.output, keyed.output
    timed = run("generate", "--primer", tune, "--tempo", 150, "out.mid")  # the piece kept the primer's tempo, unsaid
    assert timed.exit_code == 1 and "with --primer the piece keeps its file's tempo" in timed.output, timed.output
    long = run("generate", "--model", "chorales", "--melody", tune, "--bars", 2, "out.mid")  # wrote all the melody's bars
    assert long.exit_code == 1 and "a harmonised melody has as many bars as its file" in long.output, long.output
    played = run("generate", "--primer", tune, "--program", 40, "out.mid")  # it played the continuation alone
    assert played.exit_code == 1 and "with --primer the tune keeps its file's instrument" in played.output, played.output


def test_a_melody_model_carries_on_in_the_primers_instrument(tmp_path: Path) -> None:
    tune = read(four_four_tunes(1)[0])  # a violin tune went on as a piano after the primer's bars
    violin = tune.notes.copy()
    violin["program"] = 40
    write(dataclasses.replace(tune, notes=violin), tmp_path / "violin.mid")
    made = run("generate", "--primer", "violin.mid", "--primer-bars", 2, "--bars", 4, "--seed", 1, "cont.mid")
    assert made.exit_code == 0, made.output
    after = assert_continues(tmp_path / "cont.mid", tmp_path / "violin.mid", 2, 4)
    assert len(after) and set(read(tmp_path / "cont.mid").notes["program"].tolist()) == {40}


def test_the_shipped_chorales_model_continues_a_primer_of_unnamed_tracks(tmp_path: Path) -> None:
    # its parts are matched by name and it stored no registers: a piano tune was refused with "no
    # track of the primer plays one of the model's parts", though --melody took the same file
    tune = four_four_tunes(1)[0]
    assert not read(tune).track_names
    made = run("generate", "--model", "chorales", "--primer", tune, "--primer-bars", 2, "--bars", 3, "--seed", 1, "cont.mid")
    assert made.exit_code == 0, made.output
    written = read(tmp_path / "cont.mid")
    assert written.end == 3 * written.bar_length() and len(np.unique(written.notes["track"])) == 4
    soprano, given = written.notes[written.notes["track"] == 0], read(tune).slice_bars(0, 2).notes
    kept = soprano[soprano["onset"] < 2 * written.bar_length()]
    assert sorted(kept[["pitch", "onset", "duration"]].tolist()) == sorted(given[["pitch", "onset", "duration"]].tolist())
    song = read(tune)  # a tune and its bass, both unnamed: the bass line is the Bass's, by register
    bass = song.notes.copy()
    bass["pitch"] -= 24
    bass["track"] = 1
    write(dataclasses.replace(song, notes=np.sort(np.concatenate([song.notes, bass]), order="onset")), tmp_path / "duet.mid")
    made = run("generate", "--model", "chorales", "--primer", "duet.mid", "--primer-bars", 2, "--bars", 3, "--seed", 1, "duet-out.mid")
    assert made.exit_code == 0, made.output
    written = read(tmp_path / "duet-out.mid")
    low = written.notes[(written.notes["track"] == 3) & (written.notes["onset"] < 2 * written.bar_length())]
    given = read(tmp_path / "duet.mid").slice_bars(0, 2).notes
    assert sorted(low["pitch"].tolist()) == sorted(given["pitch"][given["track"] == 1].tolist())  # was the Alto's, or left out


def test_a_lone_tune_is_the_chorales_top_part_and_two_tracks_go_by_their_registers() -> None:
    # placed by register, 9 of the 48 folk tunes went to the Alto, Tenor or even the Bass, and the
    # model wrote its parts above the user's tune
    chorales = load_music_model(shipped_model("chorales")).family.vocabulary
    for path in sorted(FOLK.glob("*.mid")):
        assert set(primer_parts(read(path), chorales).notes["track"].tolist()) == {0}, path.name
    song = read(four_four_tunes(1)[0])
    low = song.transpose(-12)  # a tune an octave down, alone, is still the tune
    assert set(primer_parts(low, chorales).notes["track"].tolist()) == {0}
    bass = low.notes.copy()
    bass["pitch"] -= 12
    bass["track"] = 1
    duet = dataclasses.replace(song, notes=np.sort(np.concatenate([song.notes, bass]), order="onset"))
    placed = primer_parts(duet, chorales).notes
    assert set(placed["track"][placed["pitch"] == song.notes["pitch"].max()].tolist()) == {0}
    assert set(placed["track"][placed["pitch"] == bass["pitch"].min()].tolist()) == {3}


def test_a_primer_whose_meter_changes_after_the_bars_kept_is_continued(tmp_path: Path) -> None:
    # a 4/4 tune that turns to 3/4 after its fourth bar was refused whole ("the primer is in changing
    # meters"), though --primer-bars asked only for bars in 4/4
    tune = read(four_four_tunes(1)[0])
    assert tune.n_bars >= 6
    turns = tune.bar_starts()[4]
    write(dataclasses.replace(tune, time_signatures=[(0, 4, 4), (int(turns), 3, 4)]), tmp_path / "turns.mid")
    made = run("generate", "--primer", "turns.mid", "--primer-bars", 3, "--bars", 5, "--seed", 2, "cont.mid")
    assert made.exit_code == 0, made.output
    assert_continues(tmp_path / "cont.mid", tmp_path / "turns.mid", 3, 5)
    for asked in (["--bars", 6], ["--bars", 8, "--primer-bars", 5]):  # bars past the change: refused, saying how many fit
        crossing = run("generate", "--primer", "turns.mid", *asked, "out.mid")
        assert crossing.exit_code == 1, crossing.output
        assert crossing.output.strip().endswith("changes meter after 4 bars in the model's 4/4: keep at most 4 of its bars")


def test_the_bars_before_a_change_of_meter_are_counted_in_whole_model_bars_silent_ones_too() -> None:
    tune = read(four_four_tunes(1)[0])
    bar = tune.bar_length()
    # three 4/4 bars then 3/4, under a 4/2 model: 1.5 model bars lie before the change, and 2 were offered
    turns = dataclasses.replace(tune, time_signatures=[(0, 4, 4), (3 * bar, 3, 4)])
    with pytest.raises(EncodingError, match="changes meter after 1 bar in the model's 4/2"):
        prepare_primer(turns, (4, 2), primer_bars=2)
    assert prepare_primer(turns, (4, 2), primer_bars=1).bars == 1
    # the last 4/4 bar before the change is silent: it is still one of the three bars before it
    notes = tune.notes[(tune.notes["onset"] < 2 * bar) | (tune.notes["onset"] >= 3 * bar)].copy()
    notes["duration"] = np.where(notes["onset"] < 2 * bar, np.minimum(notes["duration"], 2 * bar - notes["onset"]),
                                 notes["duration"])
    resting = dataclasses.replace(turns, notes=notes)
    kept = prepare_primer(resting, (4, 4), bars=3)  # was refused: "changes meter after 2 bars"
    assert kept.bars == 3 and kept.steps == 3 * bar and kept.song.n_bars == 2


def test_a_primer_whose_kept_bars_are_silent_still_gives_exactly_the_bars_asked_for(tmp_path: Path) -> None:
    tune = read(four_four_tunes(1)[0])  # two bars of lead-in: with --primer-bars 1 a 4-bar tune came out in 5
    notes = tune.notes.copy()
    notes["onset"] += 2 * tune.bar_length()
    write(dataclasses.replace(tune, notes=notes), tmp_path / "lead-in.mid")
    for kept in (1, 2):
        made = run("generate", "--primer", "lead-in.mid", "--primer-bars", kept, "--bars", 4, "--seed", 1, "cont.mid")
        assert made.exit_code == 0, made.output
        song = read(tmp_path / "cont.mid")
        assert song.end == 4 * song.bar_length() and song.notes["onset"].min() >= kept * song.bar_length()
