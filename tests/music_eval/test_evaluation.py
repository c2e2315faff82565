"""The whole evaluation: tune selection, held-out split, baselines, table, JSON and the CLI."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
from click.testing import CliRunner
from support import BACH, FOLK, make_song, quarters

from midigan.cli import main
from midigan.metrics import evaluate, format_table, read_folder, select_tunes
from midigan.metrics.evaluation import split_halves
from midigan.song import parse_meter

ROWS = ["generated", "markov-1", "markov-3", "held-out real", "reference"]


@pytest.fixture(scope="module")
def folk():
    songs, unreadable = read_folder(FOLK)
    assert unreadable == 0 and len(songs) == len(list(FOLK.glob("*.mid")))
    return songs


def test_select_skips_a_pickup_keeps_one_meter_and_cuts_whole_bars():
    body = quarters([60, 62, 64, 65] * 3, start=12)  # a one-beat pickup, then 3 bars of 4/4
    song = replace(make_song([(55, 0, 12), *body]), time_signatures=[(0, 1, 4), (12, 4, 4)])
    waltz = make_song(quarters([60] * 12), meter=(3, 4))
    (cut,) = select_tunes([song, waltz], bars=2, meter=(4, 4))
    assert cut.n_bars == 2 and cut.end == 96
    assert cut.notes["pitch"][0] == 60  # the pickup note is gone
    assert select_tunes([song], bars=4) == []  # only 3 full bars
    assert len(select_tunes([song, waltz], meter=(3, 4))) == 1


def test_meter_text_is_checked():
    assert parse_meter("6/8") == (6, 8)
    for bad in ("4", "4/3", "a/4", "0/4", "4/64"):
        with pytest.raises(ValueError, match="4/4"):
            parse_meter(bad)


def test_halves_are_deterministic_and_disjoint(folk):
    first, second = split_halves(folk)
    again, _ = split_halves(folk[::-1])
    assert [s.source for s in first] == [s.source for s in again]
    assert not {s.source for s in first} & {s.source for s in second}
    assert abs(len(first) - len(second)) <= 1


def test_bach_chorales_are_far_from_folk_and_held_out_folk_is_close(folk):
    bach, _ = read_folder(BACH)
    reference, train = folk[:32], folk[32:]
    result = evaluate(bach, reference, train, baselines=True, seed=0)
    rows = {row.name: row for row in result.rows}
    assert list(rows) == ROWS
    assert rows["markov-1"].tunes == rows["markov-3"].tunes == len(bach)
    assert rows["held-out real"].tunes == rows["reference"].tunes == 16
    assert rows["generated"].frechet > 10 * rows["held-out real"].frechet
    assert rows["generated"].two_sample_accuracy == 1.0
    assert rows["reference"].frechet is None and rows["reference"].copy_rate is None
    assert rows["generated"].metrics["pitch_range"] > 2 * rows["reference"].metrics["pitch_range"]
    table = format_table(result)
    assert all(name in table for name in ROWS) and "0.5 = cannot tell" in table


def test_copy_rate_sees_training_tunes_among_the_generated(folk):
    copied = evaluate(folk[:8], folk[16:32], train=folk[:16])
    assert copied.rows[0].copy_rate == 1.0  # generated tunes are training tunes
    assert copied.rows[1].copy_rate < 0.5  # held-out real tunes share only common phrases


def test_reference_tunes_that_are_training_tunes_are_refused(folk):
    with pytest.raises(ValueError, match="4 reference tunes are also training tunes"):
        evaluate(folk[:8], folk[12:24], train=folk[:16])


def test_too_few_tunes_and_missing_training_set_are_refused(folk):
    with pytest.raises(ValueError, match="generated"):
        evaluate(folk[:1], folk)
    with pytest.raises(ValueError, match="reference"):
        evaluate(folk, folk[:3])
    with pytest.raises(ValueError, match="Markov"):
        evaluate(folk, folk, baselines=True)


def test_cli_prints_the_table_and_writes_json(tmp_path):
    out = tmp_path / "scores.json"
    tunes = sorted(FOLK.glob("*.mid"))
    for name, share in (("train", tunes[::2]), ("reference", tunes[1::2])):
        (tmp_path / name).mkdir()
        for path in share:
            (tmp_path / name / path.name).symlink_to(path)
    result = CliRunner().invoke(
        main, ["evaluate", str(BACH), "--reference", str(tmp_path / "reference"), "--train", str(tmp_path / "train"),
               "--baselines", "--bars", "8", "--json", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert "markov-3" in result.output and "held-out real" in result.output
    saved = json.loads(out.read_text())
    assert [row["name"] for row in saved["rows"]] == ROWS
    assert saved["settings"]["bars"] == 8
    tunes = saved["settings"]["tunes"]
    assert tunes["generated"]["read"] == len(list(BACH.glob("*.mid")))
    assert tunes["reference"]["kept"] < tunes["reference"]["read"] == tunes["train"]["kept"]  # --bars spares train
    assert f"reference: {tunes['reference']['kept']} of {tunes['reference']['read']} tunes" in result.output
    assert all(np.isfinite(row["frechet"]) for row in saved["rows"][:-1])


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--baselines"], "--baselines needs --train"),
        (["--meter", "four"], "meter must look like 4/4"),
        (["--meter", "7/4"], "need at least 2 generated tunes"),
        (["--bars", "500"], "need at least 2 generated tunes, got 0"),
    ],
)
def test_cli_turns_bad_input_into_one_line_errors(arguments, message):
    result = CliRunner().invoke(main, ["evaluate", str(FOLK), "--reference", str(FOLK), *arguments])
    assert result.exit_code == 1
    assert f"Error: {message}" in result.output
    assert "--bars" not in arguments or "tunes shorter than 500 full bars are left out" in result.output
    assert "Traceback" not in result.output


def test_a_generated_file_that_is_not_midi_is_said_so(tmp_path):
    (tmp_path / "fake.mid").write_text("not a MIDI file")
    result = CliRunner().invoke(main, ["evaluate", str(tmp_path / "fake.mid"), "--reference", str(FOLK)])
    assert result.exit_code == 1 and "generated: 0 of 0 tunes kept, 1 not readable as MIDI" in result.output, result.output


def test_json_under_a_file_is_refused_before_any_work(tmp_path):
    (tmp_path / "notes").write_text("a file, not a folder")
    figures = tmp_path / "notes" / "figures.json"
    result = CliRunner().invoke(main, ["evaluate", str(FOLK), "--reference", str(FOLK), "--json", str(figures)])
    assert result.exit_code == 1 and result.output == f"Error: cannot write {figures}: {figures.parent} is not a folder\n"


def test_parts_are_counted_on_whole_pieces_before_bars_cut_them(tmp_path):
    """Pieces that open with three of their five voices were scored at --bars 2 on three parts
    (their first three tracks), as if the others did not exist."""
    from music.motets import SIX_VOICES, motet

    from midigan.metrics.evaluation import evaluate_folders
    from midigan.midi import write

    for name in ("generated", "reference"):
        (tmp_path / name).mkdir()
        for seed in range(12):
            piece = motet(SIX_VOICES[:5], resting={3: range(2), 4: range(2)}, seed=seed + (100 if name == "reference" else 0))
            write(piece, tmp_path / name / f"{seed}.mid")
    result = evaluate_folders(tmp_path / "generated", tmp_path / "reference", bars=2)
    assert result.settings["parts"] == 5
