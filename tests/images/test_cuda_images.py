"""On CUDA the DCGAN trains channels_last under bf16 autocast."""

from __future__ import annotations

import pytest
import torch

from imagegan.models import DCGANFamily
from midigan.core.config import TrainConfig
from midigan.core.trainer import Trainer


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_dcgan_trains_channels_last_on_cuda(tmp_path):
    images = torch.randint(0, 256, (32, 1, 32, 32), dtype=torch.uint8)
    config = TrainConfig(run_dir=str(tmp_path / "run"), max_steps=3, batch_size=8, device="cuda", progress=False, n_samples=4)
    result = Trainer(DCGANFamily(size=32, channels=1, width=8), images, config).fit()
    assert result.step == 3
    assert (tmp_path / "run" / "samples" / "step-000003.png").is_file()
