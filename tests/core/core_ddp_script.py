"""Run by torchrun from test_core_distributed.py: a few distributed steps, then each rank writes
a fingerprint of its generator weights to RUN_DIR-rank<N>.txt (a file each: two processes
sharing one stdout pipe can interleave their lines)."""

import sys

import torch
from core_toy import RingFamily, ring_data

from midigan.core.config import TrainConfig
from midigan.core.distributed import detect_world
from midigan.core.trainer import Trainer

torch.set_num_threads(1)
config = TrainConfig(run_dir=sys.argv[1], max_steps=6, batch_size=16, device="cpu", progress=False,
                     loss="wgan-gp", log_every=3, sample_every=3, checkpoint_every=3, n_samples=4)
trainer = Trainer(RingFamily(hidden=16), ring_data(64), config)
result = trainer.fit()
fingerprint = torch.cat([p.detach().reshape(-1) for p in trainer.state.generator.parameters()]).double().sum().item()
with open(f"{sys.argv[1]}-rank{detect_world().rank}.txt", "w") as report:
    report.write(f"step {result.step} fingerprint {fingerprint:.12f}\n")
