"""The CUDA path (bf16 autocast, fused Adam) trains, resumes and checkpoints like the CPU one."""

from __future__ import annotations

import warnings

import pytest
import torch
from core_toy import RingFamily, quick_config, ring_data

from midigan.core.checkpoint import load_checkpoint, load_generator
from midigan.core.ema import make_ema
from midigan.core.trainer import Trainer

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


def test_ring_run_on_cuda_with_bf16_autocast_resumes_and_loads_on_cpu(tmp_path):
    run_dir = tmp_path / "run"
    Trainer(RingFamily(hidden=32), ring_data(256), quick_config(run_dir, max_steps=10, device="cuda")).fit()
    Trainer(RingFamily(hidden=32), ring_data(256), quick_config(run_dir, max_steps=20, device="cuda", resume=True)).fit()
    assert load_checkpoint(run_dir / "checkpoints" / "last.pt")["step"] == 20
    family, generator = load_generator(run_dir, RingFamily, device="cpu")
    points = generator(family.sample_noise(64, torch.device("cpu")))
    assert torch.isfinite(points).all()


def test_the_average_of_a_recurrent_generator_runs_without_compacting_its_weights():
    """A deep copy's LSTM weights are loose tensors; cuDNN warns and compacts them at every call
    unless the copy is flattened (seen on an H100 in the melody family's samples)."""
    ema = make_ema(torch.nn.LSTM(4, 8, num_layers=2, batch_first=True).cuda())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ema(torch.randn(2, 3, 4, device="cuda"))
