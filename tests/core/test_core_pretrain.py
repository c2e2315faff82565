"""The pre-training phase trains G alone with the family's loss, then adversarial steps follow."""

from __future__ import annotations

import json

import torch
from core_toy import RingFamily, quick_config, ring_data

from midigan.core.checkpoint import load_checkpoint
from midigan.core.trainer import Trainer


class PretrainedRing(RingFamily):
    """Pre-trains G to hit the batch's points; counts generator_aux_loss calls."""

    aux_calls = 0

    def pretrain_loss(self, generator, batch):
        return (generator(self.sample_noise(len(batch), batch.device)) - batch).pow(2).mean()

    def generator_aux_loss(self, generator, discriminator, fake_input, batch):
        PretrainedRing.aux_calls += 1
        return (fake_input.mean(dim=0) - self.real_input(batch).mean(dim=0)).pow(2).sum()


def test_pretrain_then_adversarial(tmp_path):
    run_dir = tmp_path / "run"
    family = PretrainedRing(hidden=16)
    pretrain_only = quick_config(run_dir, max_steps=5, pretrain_steps=5, log_every=5)
    Trainer(family, ring_data(100), pretrain_only).fit()
    after_pretrain = load_checkpoint(run_dir / "checkpoints" / "last.pt")
    assert after_pretrain["d_optimizer"]["state"] == {}
    assert PretrainedRing.aux_calls == 0

    resumed = quick_config(run_dir, max_steps=10, pretrain_steps=5, log_every=5, resume=True)
    Trainer(family, ring_data(100), resumed).fit()
    records = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert [(r["step"], r["phase"], sorted(r["losses"])) for r in records] == [
        (5, "pretrain", ["pretrain"]),
        (10, "adversarial", ["d", "g"]),
    ]
    assert PretrainedRing.aux_calls == 5
    final = load_checkpoint(run_dir / "checkpoints" / "last.pt")
    assert not torch.equal(final["discriminator"]["0.weight"], after_pretrain["discriminator"]["0.weight"])
