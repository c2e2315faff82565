"""`midigan train FOLDER --from NAME|RUN`: a new run starts from another model's generator, its
tokens mapped to the folder's vocabulary and meter; what cannot map is said in one line; the run
resumes exactly."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import torch
from support import BACH, FOLK, one_line_error, trains_in_halves_as_straight
from support import midigan as run

from midigan.midi import read
from midigan.music.catalogue import load_music_model, shipped_model
from midigan.music.melody.plan import plan_melody
from midigan.music.planning import ModelSize

pytestmark = pytest.mark.usefixtures("in_scratch_folder")

SHORT = ["--window", 16, "--batch-size", 8, "--eval-every", 2, "--quiet"]


def _adapted(meter: tuple[int, int]):
    source = load_music_model(shipped_model("folk"))
    songs = [read(path) for path in sorted(FOLK.glob("*.mid"))]
    plan = plan_melody(songs, meter, replace(ModelSize.of_run(source.family.config()), window=16, dropout=None))
    return source, plan.family, plan.family.adapt_from(source)


def test_a_folder_in_three_four_takes_every_token_the_source_knows() -> None:
    source, family, note = _adapted((3, 4))
    old, new = source.family.vocabulary, family.vocabulary
    assert new.meter == (3, 4) and old.meter == (4, 4) and (new.pitch_low, new.pitch_high) != (old.pitch_low, old.pitch_high)
    weights, start = source.generator.state_dict(), family.start_weights
    for pitch in range(max(old.pitch_low, new.pitch_low), min(old.pitch_high, new.pitch_high) + 1):
        assert torch.equal(start["pitch_embedding"][pitch - new.pitch_low + 1], weights["pitch_embedding"][pitch - old.pitch_low + 1])
        assert torch.equal(start["pitch_head.weight"][pitch - new.pitch_low + 1], weights["pitch_head.weight"][pitch - old.pitch_low + 1])
    for i, length in enumerate(new.durations):
        if length in old.durations:
            assert torch.equal(start["duration_head.2.bias"][i], weights["duration_head.2.bias"][old.durations.index(length)])
    assert torch.equal(start["position_embedding"], weights["position_embedding"][: new.bar_length])  # three beats of four
    assert torch.equal(start["lstm.weight_hh_l0"], weights["lstm.weight_hh_l0"])
    assert "places" not in note
    generator = family.build_generator()
    assert all(torch.equal(generator.state_dict()[name], value) for name, value in start.items())


def test_a_folder_in_six_eight_learns_the_places_in_its_bar_afresh() -> None:
    source, family, note = _adapted((6, 8))
    assert "the places in a 6/8 bar (the model knows 4/4)" in note
    assert not torch.equal(family.start_weights["position_embedding"][:1], source.generator.state_dict()["position_embedding"][:1])


def test_from_the_shipped_model_trains_a_new_run_that_resumes_exactly(tmp_path: Path) -> None:
    common = ["--from", "folk", "--meter", "6/8", "--pretrain-steps", 2, *SHORT]
    straight, a = trains_in_halves_as_straight(FOLK, common, tmp_path)
    assert "starting from folk: learnt afresh:" in straight.output and "the places in a 6/8 bar" in straight.output
    assert a["family"]["config"]["hidden"] == 192

    again = run("train", FOLK, "--run-dir", "halves", "--resume", "--from", "folk", "--quiet")
    one_line_error(again, "continues from its own checkpoint")


def test_what_cannot_give_a_start_is_one_line() -> None:
    one_line_error(run("train", FOLK, "--from", "nowhere", *SHORT), "--from nowhere: no such run")
    one_line_error(run("train", FOLK, "--from", "chorales", *SHORT), "cannot start from a piece model")
    one_line_error(run("train", FOLK, "--from", "folk", "--hidden", 32, *SHORT), "leave out --hidden")


def test_a_small_melody_folder_starts_from_the_shipped_base_model_unless_told_otherwise() -> None:
    base = run("train", FOLK, "--run-dir", "auto", "--max-steps", 1, "--pretrain-steps", 1, *SHORT)
    assert base.exit_code == 0 and "starting from melodies: every token mapped" in base.output and "LSTM 1x192" in base.output, base.output
    for own in (["--from", "none"], ["--hidden", 16]):
        scratch = run("train", FOLK, "--run-dir", f"own-{own[1]}", "--max-steps", 1, "--pretrain-steps", 1, *own, *SHORT)
        assert scratch.exit_code == 0 and "starting from" not in scratch.output and "LSTM 1x192" not in scratch.output


def test_a_small_folder_of_parts_starts_from_the_shipped_parts_model_unless_told_otherwise() -> None:
    parts = ["--max-steps", 1, "--pretrain-steps", 1, "--window", 32, "--batch-size", 8, "--eval-every", 2, "--quiet"]
    base = run("train", BACH, "--run-dir", "auto", *parts)
    assert base.exit_code == 0 and "starting from parts: parts taken from the trained model: Soprano from" in base.output, base.output
    scratch = run("train", BACH, "--run-dir", "own", "--from", "none", *parts)
    assert scratch.exit_code == 0 and "starting from" not in scratch.output
