"""The loop's hooks and the bugs the old layout hid: a family without noise whose generator has
BatchNorm, a family that refuses augmentation with ValueError, progress in a pipe."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch
from core_toy import RingFamily, quick_config, ring_data
from torch import nn

from midigan.core.checkpoint import load_checkpoint
from midigan.core.errors import TrainingError
from midigan.core.trainer import Trainer


class TranslatingRing(RingFamily):
    """Like CycleGAN: the generator is given real points, never noise, and has BatchNorm."""

    def build_generator(self) -> nn.Module:
        return nn.Sequential(nn.Linear(2, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 2))

    def sample_noise(self, n, device, generator=None):
        raise NotImplementedError("a translation family draws no noise")

    def generator_input(self, batch, n, device, generator=None):
        return batch


def test_a_family_without_noise_gets_its_average_statistics_from_what_its_generator_is_given(tmp_path) -> None:
    run = tmp_path / "run"
    Trainer(TranslatingRing(hidden=16), ring_data(256), quick_config(run, max_steps=6)).fit()
    state = load_checkpoint(run / "checkpoints" / "last.pt")
    averaged, trained = state["generator_ema"]["1.running_mean"], state["generator"]["1.running_mean"]
    assert not torch.equal(averaged, trained)  # re-estimated for the average's own weights, not copied


class NoPolicyRing(RingFamily):
    def set_augment_probability(self, discriminator, probability):
        raise ValueError("adaptive augmentation needs an augmentation policy (--augment)")


@pytest.mark.parametrize("family", [RingFamily(hidden=16), NoPolicyRing(hidden=16)])
def test_augmentation_a_family_cannot_apply_is_one_training_error(family, tmp_path) -> None:
    with pytest.raises(TrainingError, match="^adaptive augmentation is on, but "):
        Trainer(family, ring_data(64), quick_config(tmp_path / "run", augment_target=0.6)).fit()


PIPED_RUN = """
import sys
from pathlib import Path
sys.path.insert(0, {tests!r})
from core_toy import RingFamily, quick_config, ring_data
from midigan.core.trainer import Trainer
Trainer(RingFamily(hidden=16), ring_data(64), quick_config({run!r}, max_steps=30, progress=True)).fit()
"""


def test_progress_into_a_pipe_is_plain_lines_not_a_redrawn_bar(tmp_path) -> None:
    script = PIPED_RUN.format(tests=str(Path(__file__).parent),
                              run=str(tmp_path / "run"))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "\r" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("step 30/30, ")
