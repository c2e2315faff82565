"""Seeded runs are reproducible, and a resumed run continues exactly where it stopped."""

from __future__ import annotations

import pytest
import torch
from core_toy import RingFamily, quick_config, ring_data

from midigan.core.checkpoint import load_checkpoint
from midigan.core.errors import CheckpointError, TrainingError
from midigan.core.trainer import Trainer

STATE_KEYS = ("generator", "discriminator", "generator_ema", "g_optimizer", "d_optimizer")


def assert_same_tensors(left, right, where=""):
    """Recursively compare state dicts: tensors bit for bit, everything else by value."""
    if isinstance(left, torch.Tensor):
        assert torch.equal(left, right), f"tensors differ at {where}"
    elif isinstance(left, dict):
        assert left.keys() == right.keys(), where
        for key in left:
            assert_same_tensors(left[key], right[key], f"{where}/{key}")
    elif isinstance(left, (list, tuple)):
        assert len(left) == len(right), where
        for index, (a, b) in enumerate(zip(left, right)):
            assert_same_tensors(a, b, f"{where}/{index}")
    else:
        assert left == right, where


def final_state(run_dir):
    checkpoint = load_checkpoint(run_dir / "checkpoints" / "last.pt")
    return {key: checkpoint[key] for key in STATE_KEYS + ("step", "batches_drawn")}


# wgan-gp with 2 D steps also draws interpolation noise; 70 examples / batch 32 makes batches span
# epochs; a pool of past fakes is filled by step 3 and swaps rows by random draws from then on
@pytest.mark.parametrize("settings", [dict(loss="ns", r1_gamma=0.1), dict(loss="wgan-gp", d_steps=2),
                                      dict(loss="lsgan", fake_pool=3)])
def test_resume_continues_bit_exactly(tmp_path, settings):
    data = ring_data(70)
    straight = quick_config(tmp_path / "straight", max_steps=24, **settings)
    Trainer(RingFamily(hidden=16), data, straight).fit()

    first_half = quick_config(tmp_path / "halves", max_steps=12, **settings)
    assert Trainer(RingFamily(hidden=16), data, first_half).fit().step == 12
    second_half = quick_config(tmp_path / "halves", max_steps=24, resume=True, **settings)
    result = Trainer(RingFamily(hidden=16), data, second_half).fit()

    assert (result.step, result.stopped) == (24, "max_steps")
    assert_same_tensors(final_state(tmp_path / "straight"), final_state(tmp_path / "halves"))


def test_same_seed_same_weights_other_seed_other_weights(tmp_path):
    data = ring_data(100)
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        Trainer(RingFamily(hidden=16), data, quick_config(tmp_path / name, max_steps=5, seed=seed)).fit()
    a, b, c = (final_state(tmp_path / name)["generator"] for name in "abc")
    assert_same_tensors(a, b)
    assert not torch.equal(a["0.weight"], c["0.weight"])


def test_resume_refuses_a_different_model_and_fresh_runs_refuse_to_overwrite(trained_ring_run):
    with pytest.raises(CheckpointError, match="other settings"):
        Trainer(RingFamily(hidden=32), ring_data(50), quick_config(trained_ring_run, resume=True)).fit()
    with pytest.raises(TrainingError, match="already holds a trained run"):
        Trainer(RingFamily(hidden=16), ring_data(50), quick_config(trained_ring_run)).fit()


def test_resume_refuses_settings_that_would_change_the_run(tmp_path):
    run_dir = tmp_path / "run"
    Trainer(RingFamily(hidden=16), ring_data(64), quick_config(run_dir, max_steps=3)).fit()
    changed = quick_config(run_dir, max_steps=6, batch_size=8, resume=True)
    with pytest.raises(TrainingError, match="batch_size 32 \\(not 8\\)"):
        Trainer(RingFamily(hidden=16), ring_data(64), changed).fit()
    assert load_checkpoint(run_dir / "checkpoints" / "last.pt")["step"] == 3
