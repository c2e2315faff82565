"""A NaN stops the run without touching the last good checkpoint; Ctrl-C and time limits save."""

from __future__ import annotations

import os
import signal

import pytest
from core_toy import RingFamily, quick_config, ring_data

from midigan.core.checkpoint import load_checkpoint
from midigan.core.errors import NonFiniteLossError
from midigan.core.trainer import Trainer


class PoisonedRing(RingFamily):
    """Same name and config as RingFamily (so it resumes its runs), but D answers NaN."""

    def build_discriminator(self):
        discriminator = super().build_discriminator()
        discriminator.register_forward_hook(lambda module, inputs, output: output * float("nan"))
        return discriminator


def test_nan_loss_stops_and_keeps_last_good_checkpoint(tmp_path):
    run_dir = tmp_path / "run"
    Trainer(RingFamily(hidden=16), ring_data(100), quick_config(run_dir, max_steps=5)).fit()
    last = run_dir / "checkpoints" / "last.pt"
    good_bytes = last.read_bytes()

    poisoned = PoisonedRing(hidden=16)
    poisoned_config = quick_config(run_dir, max_steps=20, checkpoint_every=1, resume=True)
    with pytest.raises(NonFiniteLossError, match=r"loss 'd' became nan at step 6") as error:
        Trainer(poisoned, ring_data(100), poisoned_config).fit()
    assert "\n" not in str(error.value)
    assert last.read_bytes() == good_bytes


class InterruptingRing(RingFamily):
    """Sends this process SIGINT (a Ctrl-C) on the n-th noise draw."""

    def __init__(self, interrupt_at: int, **kwargs):
        super().__init__(**kwargs)
        self.draws, self.interrupt_at = 0, interrupt_at

    def sample_noise(self, n, device, generator=None):
        self.draws += 1
        if self.draws == self.interrupt_at:
            os.kill(os.getpid(), signal.SIGINT)
        return super().sample_noise(n, device, generator)


def test_ctrl_c_saves_and_returns_interrupted(tmp_path):
    # draw 1 is the fixed sample noise; each step draws once, so draw 8 falls in step 7
    family = InterruptingRing(interrupt_at=8, hidden=16)
    before = signal.getsignal(signal.SIGINT)  # Python's default, or "ignore" in a shell's background job
    result = Trainer(family, ring_data(100), quick_config(tmp_path / "run", max_steps=1000)).fit()
    assert (result.stopped, result.step) == ("interrupted", 7)
    assert load_checkpoint(tmp_path / "run" / "checkpoints" / "last.pt")["step"] == 7
    assert signal.getsignal(signal.SIGINT) is before  # the handler in place before fit() is back


def test_max_minutes_stops_and_saves(tmp_path):
    config = quick_config(tmp_path / "run", max_steps=None, max_minutes=0.002)
    result = Trainer(RingFamily(hidden=16), ring_data(100), config).fit()
    assert result.stopped == "max_minutes" and result.step > 0
    assert load_checkpoint(tmp_path / "run" / "checkpoints" / "last.pt")["step"] == result.step
