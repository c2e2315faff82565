"""A melody model draws each duration about as often as its training tunes hold it, once training
has balanced the durations (`midigan.music.rhythm`), and generation draws with what was stored."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from support import FOLK, make_song
from support import midigan as run

from midigan.core.checkpoint import add_artifacts, load_checkpoint
from midigan.midi import read
from midigan.music.catalogue import load_music_model
from midigan.music.melody.encoding import Vocabulary
from midigan.music.melody.plan import plan_melody
from midigan.music.planning import ModelSize
from midigan.music.rhythm import ARTIFACT, LIMIT, TuneDurations, balance_durations, duration_shares

pytestmark = pytest.mark.usefixtures("in_scratch_folder")


def test_balancing_brings_an_untrained_models_durations_to_the_training_tunes_shares() -> None:
    plan = plan_melody([read(path) for path in sorted(FOLK.glob("*.mid"))], None, ModelSize(hidden=16))
    assert plan.validation is not None
    plan.validation.samples = 32  # a quicker check than training's 128 tunes; the same rule
    torch.manual_seed(0)
    generator = plan.family.build_generator().eval()  # draws every duration about alike
    balanced = balance_durations(plan.validation, generator)
    target, before, after = balanced.target, balanced.before, balanced.after
    eighth = plan.family.vocabulary.durations.index(plan.family.vocabulary.steps_per_beat // 2)
    assert target[eighth] > 0.3 and before[eighth] < 0.2  # the folk tunes' commonest length; drawn as rarely as any
    assert np.abs(after - target).sum() < 0.5 * np.abs(before - target).sum()
    assert after[eighth] > 2 * before[eighth]
    wanted, varied, kept = balanced.variety  # every duration alike: each tune's rhythm too varied
    assert varied > wanted + 0.3 and abs(kept - wanted) < 0.5 * abs(varied - wanted)
    assert balanced.scale > 0 and float(balanced.scores.abs().max()) <= LIMIT


def test_rhythm_variety_is_each_tunes_duration_entropy() -> None:
    vocabulary = Vocabulary(steps_per_beat=4, meter=(4, 4), pitch_low=60, pitch_high=72, durations=(2, 4))
    varied = make_song([(60, 0, 2), (62, 2, 2), (64, 4, 4), (65, 8, 2), (67, 10, 2), (69, 12, 4)])  # 4 8ths, 2 quarters
    even = make_song([(60 + step, 2 * step, 2) for step in range(8)])
    assert TuneDurations.of([even], vocabulary).variety() == 0.0
    assert TuneDurations.of([varied], vocabulary).variety() == pytest.approx(-(2 / 3 * np.log(2 / 3) + 1 / 3 * np.log(1 / 3)))
    assert TuneDurations.of([varied, even], vocabulary).variety() == pytest.approx(TuneDurations.of([varied], vocabulary).variety() / 2)


def test_training_stores_the_balance_and_generate_draws_with_it(tmp_path: Path) -> None:
    trained = run("train", FOLK, "--run-dir", "r", "--max-steps", 2, "--pretrain-steps", 1, "--window", 16, "--hidden", 16,
                  "--batch-size", 8)
    assert trained.exit_code == 0, trained.output
    assert "durations drawn nearer the training tunes' shares" in trained.output
    best = tmp_path / "r" / "checkpoints" / "best.pt"
    vocabulary = load_music_model(best).family.vocabulary
    stored = load_checkpoint(best)["artifacts"][ARTIFACT]
    assert stored.shape == (vocabulary.n_durations,) and stored.abs().sum() > 0

    def drawn_shares(name: str) -> np.ndarray:
        made = run("generate", "--model", "r", "--bars", 8, "--count", 20, "--seed", 4, "--allow-copies", name)
        assert made.exit_code == 0, made.output
        return duration_shares([read(path) for path in sorted((tmp_path / name).glob("*.mid"))], vocabulary)

    balanced = drawn_shares("balanced")
    quarter = vocabulary.durations.index(vocabulary.steps_per_beat)
    add_artifacts(best, {ARTIFACT: torch.where(torch.arange(len(stored)) == quarter, 20.0, 0.0)})
    quarters = drawn_shares("quarters")
    assert quarters[quarter] > 0.8 > balanced[quarter]  # what the checkpoint stores is what generation adds


def test_a_folder_too_small_to_hold_tunes_out_is_not_balanced_and_the_log_says_so(tmp_path: Path) -> None:
    (tmp_path / "few").mkdir()
    for path in sorted(FOLK.glob("*.mid"))[:3]:
        (tmp_path / "few" / path.name).write_bytes(path.read_bytes())
    trained = run("train", "few", "--run-dir", "r", "--max-steps", 2, "--pretrain-steps", 1, "--window", 16, "--hidden", 16)
    assert trained.exit_code == 0, trained.output
    assert "durations not balanced against the training tunes" in trained.output
    assert ARTIFACT not in load_checkpoint(tmp_path / "r" / "checkpoints" / "last.pt")["artifacts"]


def test_the_time_kept_for_calibrating_after_training_is_at_most_a_tenth_of_the_budget() -> None:
    from midigan.commands.train import END_MARGIN, MAX_RESERVED_SHARE, _training_minutes

    assert _training_minutes(10.0, 0.0, 20.0) == pytest.approx((600 * (1 - END_MARGIN) - 20) / 60)
    # a draw timed while the machine was busy asked for more than the whole budget
    assert _training_minutes(3.0, 0.0, 10_000.0) == pytest.approx(3.0 * (1 - END_MARGIN - MAX_RESERVED_SHARE))
