"""midigan transfer: tunes encoded without their key, translations that keep every onset and bar,
train / resume / apply from the command line, and the scores of a translation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from support import FOLK
from support import midigan as run

from midigan.core.checkpoint import load_checkpoint
from midigan.metrics.transfer import (
    common_scale,
    contour_correlation,
    onset_agreement,
    pitch_language,
    snap_to_scale,
    tonal_centre,
)
from midigan.midi import read
from midigan.music.transfer.model import LOWEST, WINDOW, MusicTransferFamily, as_features, decode_pitches, encode_tune

pytestmark = pytest.mark.usefixtures("in_scratch_folder")


def test_a_tune_encodes_the_same_in_any_key_and_decodes_back_to_itself() -> None:
    song = read(FOLK / "essen_erk10_132.mid")
    tune = encode_tune(song)
    assert tune.rows.shape == (5, len(song.melody().notes))
    assert (tune.rows[0] + LOWEST - tune.shift).tolist() == tune.melody.notes["pitch"].tolist()
    back = decode_pitches(tune.rows, tune)
    assert back.notes["onset"].tolist() == tune.melody.notes["onset"].tolist() and back.n_bars == song.n_bars
    for semitones in (1, 5, 7):
        moved = encode_tune(song.transpose(semitones))
        assert torch.equal(moved.rows[1:], tune.rows[1:])  # rhythm, positions and bars
        assert torch.remainder(moved.rows[0] - tune.rows[0], 12).eq(0).all()  # the same pitches over the centre


def test_scores_of_a_translation_on_hand_checked_cases() -> None:
    melody = encode_tune(read(FOLK / "essen_erk10_132.mid")).melody
    assert onset_agreement(melody, melody) == 1.0 and contour_correlation(melody, melody) == pytest.approx(1.0)
    pentatonic = snap_to_scale(melody, [0, 2, 4, 7, 9])
    centre = tonal_centre(melody)
    assert set(((pentatonic.notes["pitch"] - centre) % 12).tolist()) <= {0, 2, 4, 7, 9}
    assert np.abs(pentatonic.notes["pitch"].astype(int) - melody.notes["pitch"]).max() <= 1
    assert onset_agreement(melody, pentatonic) == 1.0
    language = pitch_language(melody)
    assert language.shape == (37,) and language[:12].sum() == pytest.approx(1.0) and language[12:].sum() == pytest.approx(1.0)
    han = [encode_tune(read(path)).melody for path in sorted(FOLK.glob("essen_han*.mid"))]
    assert len(common_scale(han)) <= 6  # largely pentatonic


def test_the_discriminators_judge_pitches_only_and_older_runs_keep_theirs() -> None:
    torch.manual_seed(0)
    family = MusicTransferFamily(hidden=16)
    tune = encode_tune(read(FOLK / "essen_erk10_132.mid"))
    rows = tune.rows[None, :, :WINDOW]
    other_rhythm = rows.clone()
    other_rhythm[:, 1] *= 2  # every note twice as long, so every onset and position moves
    other_rhythm[:, 2:4] *= 2
    judge = family.build_discriminator()
    torch.testing.assert_close(judge(as_features(rows).repeat(2, 1, 1)), judge(as_features(other_rhythm).repeat(2, 1, 1)))
    first = MusicTransferFamily.from_config({"hidden": 16})  # the first runs: the paper's weights, halved
    assert (first.cycle_weight, first.identity_weight, first.judge_rhythm) == (5.0, 2.5, True)
    older = MusicTransferFamily.from_config({"hidden": 16, "cycle_weight": 1.0, "identity_weight": 0.0})
    rhythm_aware = older.build_discriminator()
    assert rhythm_aware.judge_a.sees_rhythm
    assert not torch.allclose(rhythm_aware(as_features(rows).repeat(2, 1, 1)), rhythm_aware(as_features(other_rhythm).repeat(2, 1, 1)))


def _collections(root: Path) -> tuple[Path, Path]:
    for name, prefix in (("erk", "essen_erk"), ("han", "essen_han")):
        (root / name).mkdir()
        for path in FOLK.glob(f"{prefix}*.mid"):
            (root / name / path.name).symlink_to(path)
    return root / "erk", root / "han"


def test_train_resume_apply_and_one_line_errors(in_scratch_folder: Path) -> None:
    erk, han = _collections(in_scratch_folder)
    common = ("--hidden", 16, "--batch-size", 4, "--device", "cpu", "--quiet")
    whole = run("transfer", "train", erk, han, "--max-steps", 4, "--run-dir", "runs/whole", *common)
    assert whole.exit_code == 0, whole.output
    assert "A: 10 tunes from" in whole.output and "B: 6 tunes from" in whole.output
    assert sorted(p.name for p in Path("runs/whole/samples").iterdir()) == ["step-000004-A-to-B.mid", "step-000004-B-to-A.mid"]
    sample = read("runs/whole/samples/step-000004-A-to-B.mid")
    assert sorted(set(sample.notes["track"].tolist())) == [0, 1, 2]  # input, translation, round trip

    # stopped at step 2 of a first budget of 2: its learning rates had not begun to fall (from half the budget)
    assert run("transfer", "train", erk, han, "--max-steps", 2, "--run-dir", "runs/halves", *common).exit_code == 0
    resumed = run("transfer", "train", erk, han, "--max-steps", 4, "--run-dir", "runs/halves", "--resume", "--quiet")
    assert resumed.exit_code == 0, resumed.output
    straight, halves = (load_checkpoint(f"runs/{name}/checkpoints/last.pt") for name in ("whole", "halves"))
    for name, tensor in straight["generator"].items():
        assert torch.equal(halves["generator"][name], tensor), name

    applied = run("transfer", "apply", "--model", "runs/whole", "--to", "B", erk, "out")
    assert applied.exit_code == 0, applied.output
    assert sorted(p.name for p in Path("out").iterdir()) == sorted(p.name for p in erk.iterdir())
    pictured = run("transfer", "apply", "--model", "runs/whole", "--to", "A", han / "essen_han1_087.mid", "one.mid", "--png")
    assert pictured.exit_code == 0 and Path("one.mid").is_file() and Path("one.png").read_bytes()[:4] == b"\x89PNG"
    for path in erk.iterdir():
        source, translated = read(path), read(Path("out") / path.name)
        melody = source.melody()
        assert translated.notes["onset"].tolist() == melody.notes["onset"].tolist()
        assert translated.notes["duration"].tolist() == melody.notes["duration"].tolist()
        assert translated.n_bars == source.n_bars and translated.time_signatures == source.time_signatures

    refused = run("generate", "--model", "runs/whole", "x.mid")
    assert refused.exit_code == 1
    assert refused.output == ("Error: runs/whole translates tunes and writes none of its own:"
                              " midigan transfer apply --model runs/whole --to B in.mid out.mid\n")
    Path("empty").mkdir()
    empty = run("transfer", "train", erk, "empty", "--run-dir", "runs/empty", "--quiet")
    assert empty.exit_code == 1 and empty.output.endswith("Error: no .mid or .midi files under empty\n")
