from __future__ import annotations

import pytest
import torch
from core_toy import RingFamily, ring_data

from midigan.core.config import TrainConfig
from midigan.core.trainer import Trainer

torch.set_num_threads(1)


def quick_config(run_dir, **overrides) -> TrainConfig:
    """A few-step CPU run that logs, samples and checkpoints often."""
    settings = dict(run_dir=str(run_dir), max_steps=20, batch_size=32, device="cpu", progress=False,
                    log_every=5, sample_every=10, checkpoint_every=10, n_samples=8)
    settings.update(overrides)
    return TrainConfig(**settings)


@pytest.fixture(scope="session")
def trained_ring_run(tmp_path_factory):
    """Run folder of a finished 20-step run of a small ring GAN."""
    run_dir = tmp_path_factory.mktemp("ring") / "run"
    Trainer(RingFamily(hidden=16), ring_data(200), quick_config(run_dir)).fit()
    return run_dir
