"""The EMA generator's BatchNorm statistics are re-estimated for its own weights."""

from __future__ import annotations

import torch
from core_toy import RingFamily, quick_config, ring_data
from torch import nn

from midigan.core.checkpoint import load_checkpoint
from midigan.core.ema import recompute_norm_statistics
from midigan.core.trainer import Trainer


class NormedRingFamily(RingFamily):
    """The ring GAN with a BatchNorm layer in its generator, as DCGAN has."""

    def build_generator(self) -> nn.Module:
        return nn.Sequential(nn.Linear(self.latent, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 2))


def _draw(rng: torch.Generator) -> torch.Tensor:
    return torch.randn(64, 8, generator=rng)


def test_statistics_are_the_averages_own_activations() -> None:
    model = nn.Sequential(nn.Linear(8, 16), nn.BatchNorm1d(16, momentum=0.3))
    norm = model[1]
    norm.running_mean.fill_(5.0)  # what another generator's activations would leave
    norm.running_var.fill_(9.0)
    weight = model[0].weight.clone()

    recompute_norm_statistics(model, _draw, torch.device("cpu"), batches=10)

    rng = torch.Generator().manual_seed(0)
    with torch.no_grad():
        activations = torch.cat([model[0](_draw(rng)) for _ in range(10)])
    torch.testing.assert_close(norm.running_mean, activations.mean(0))
    torch.testing.assert_close(norm.running_var, activations.var(0), rtol=0.1, atol=0.0)
    assert norm.momentum == 0.3 and not model.training and torch.equal(model[0].weight, weight)


def test_a_generator_without_running_statistics_is_left_alone() -> None:
    model = nn.Sequential(nn.Linear(8, 4), nn.InstanceNorm1d(4))

    def refuse(rng: torch.Generator) -> torch.Tensor:
        raise AssertionError("nothing to re-estimate, so nothing should be drawn")

    recompute_norm_statistics(model, refuse, torch.device("cpu"))


def test_checkpoints_carry_the_ema_generators_own_statistics(tmp_path) -> None:
    family = NormedRingFamily(hidden=16)
    Trainer(family, ring_data(200), quick_config(tmp_path / "run")).fit()
    checkpoint = load_checkpoint(tmp_path / "run" / "checkpoints" / "last.pt")
    saved = checkpoint["generator_ema"]

    own = family.build_generator()
    own.load_state_dict(saved)
    own.get_submodule("1").reset_running_stats()
    recompute_norm_statistics(own, lambda rng: family.sample_noise(32, torch.device("cpu"), rng), torch.device("cpu"))
    torch.testing.assert_close(own.state_dict()["1.running_mean"], saved["1.running_mean"])
    torch.testing.assert_close(own.state_dict()["1.running_var"], saved["1.running_var"])
    assert not torch.allclose(saved["1.running_mean"], checkpoint["generator"]["1.running_mean"])
