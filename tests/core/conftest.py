from __future__ import annotations

import pytest
from core_toy import RingFamily, quick_config, ring_data

from midigan.core.trainer import Trainer


@pytest.fixture(scope="session")
def trained_ring_run(tmp_path_factory):
    """Run folder of a finished 20-step run of a small ring GAN."""
    run_dir = tmp_path_factory.mktemp("ring") / "run"
    Trainer(RingFamily(hidden=16), ring_data(200), quick_config(run_dir)).fit()
    return run_dir
