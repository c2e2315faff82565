"""A melody model draws each duration about as often as its training tunes hold it, once training
has balanced the durations (`midigan.music.rhythm`), and generation draws with what was stored."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from support import FOLK
from support import midigan as run

from midigan.core.checkpoint import add_artifacts, load_checkpoint
from midigan.midi import read
from midigan.music.catalogue import load_music_model
from midigan.music.melody.plan import plan_melody
from midigan.music.planning import ModelSize
from midigan.music.rhythm import ARTIFACT, LIMIT, balance_durations, duration_shares

pytestmark = pytest.mark.usefixtures("in_scratch_folder")


def test_balancing_brings_an_untrained_models_durations_to_the_training_tunes_shares() -> None:
    plan = plan_melody([read(path) for path in sorted(FOLK.glob("*.mid"))], None, ModelSize(hidden=16))
    assert plan.validation is not None
    plan.validation.samples = 32  # a quicker check than training's 128 tunes; the same rule
    torch.manual_seed(0)
    generator = plan.family.build_generator().eval()  # draws every duration about alike
    bias, target, before, after = balance_durations(plan.validation, generator)
    eighth = plan.family.vocabulary.durations.index(plan.family.vocabulary.steps_per_beat // 2)
    assert target[eighth] > 0.3 and before[eighth] < 0.2  # the folk tunes' commonest length; drawn as rarely as any
    assert np.abs(after - target).sum() < 0.5 * np.abs(before - target).sum()
    assert after[eighth] > 2 * before[eighth]
    assert float(bias.abs().max()) <= LIMIT


def test_training_stores_the_balance_and_generate_draws_with_it(tmp_path: Path) -> None:
    trained = run("train", FOLK, "--run-dir", "r", "--max-steps", 2, "--pretrain-steps", 1, "--window", 16, "--hidden", 16,
                  "--batch-size", 8)
    assert trained.exit_code == 0, trained.output
    assert "durations drawn as often as in the training tunes" in trained.output
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
