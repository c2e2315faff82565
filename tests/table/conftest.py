"""One small trained run of the placements table, shared by the tests that only generate from it."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import PLACEMENTS

from midigan.table.training import plan_table, train_settings


def quick_settings(run_dir: Path, steps: int, **overrides) -> dict:
    """A short CPU run that validates, logs and checkpoints often."""
    settings = train_settings(None, steps, batch_size=100, eval_every=20)
    settings.update(run_dir=str(run_dir), device="cpu", progress=False, log_every=10, checkpoint_every=20, sample_every=50)
    settings.update(overrides)
    return settings


@pytest.fixture(scope="session")
def placements_run(tmp_path_factory) -> Path:
    """A run folder of the placements table: a VAE warm start and a few adversarial steps."""
    from midigan.core.config import TrainConfig
    from midigan.core.trainer import Trainer
    from midigan.table.reading import read_table

    run_dir = tmp_path_factory.mktemp("placements") / "run"
    plan = plan_table(read_table(PLACEMENTS))
    config = TrainConfig.from_dict(quick_settings(run_dir, 500, pretrain_steps=400))
    Trainer(plan.family, plan.data, config, plan.validation, plan.artifacts).fit()
    return run_dir
