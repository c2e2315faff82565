"""A tiny 2-D GAN family for engine tests: points on a ring of Gaussians."""

from __future__ import annotations

import math

import torch
from torch import nn

from midigan.core.config import TrainConfig
from midigan.core.family import GANFamily

N_MODES = 8
RADIUS = 2.0
STD = 0.05  # 0.02 (the unrolled-GAN setting) needs far more steps than a CPU test can spend


def ring_centres() -> torch.Tensor:
    angles = torch.arange(N_MODES) * (2 * math.pi / N_MODES)
    return RADIUS * torch.stack([angles.cos(), angles.sin()], dim=1)


def ring_data(n: int, seed: int = 0) -> torch.Tensor:
    """`n` points from the 8-Gaussian ring (radius 2, std 0.05)."""
    rng = torch.Generator().manual_seed(seed)
    modes = torch.randint(N_MODES, (n,), generator=rng)
    return ring_centres()[modes] + STD * torch.randn(n, 2, generator=rng)


def mode_report(points: torch.Tensor) -> tuple[int, float]:
    """(modes holding at least 1% of the points within 3 std, fraction of points within 3 std)."""
    distances = torch.cdist(points, ring_centres())
    nearest, mode = distances.min(dim=1)
    close = nearest < 3 * STD
    counts = torch.bincount(mode[close], minlength=N_MODES)
    return int((counts >= 0.01 * len(points)).sum()), float(close.float().mean())


def mlp(inputs: int, hidden: int, outputs: int, layers: int) -> nn.Sequential:
    modules: list[nn.Module] = []
    width = inputs
    for _ in range(layers):
        linear = nn.Linear(width, hidden)
        # He init keeps the signal alive through deep stacks (PyTorch's default shrinks it per layer,
        # so a deep generator starts as a near-constant map, i.e. fully mode-collapsed)
        nn.init.kaiming_uniform_(linear.weight, a=0.2, nonlinearity="leaky_relu")
        nn.init.zeros_(linear.bias)
        modules += [linear, nn.LeakyReLU(0.2)]
        width = hidden
    modules.append(nn.Linear(width, outputs))
    return nn.Sequential(*modules)


class RingFamily(GANFamily):
    """MLP generator and discriminator on 2-D points."""

    name = "ring"

    def __init__(self, latent: int = 8, hidden: int = 128, layers: int = 3, g_hidden: int | None = None,
                 g_layers: int | None = None):
        self.latent, self.hidden, self.layers = latent, hidden, layers
        # the generator may be wider/deeper than the discriminator (None: same as D)
        self.g_hidden = hidden if g_hidden is None else g_hidden
        self.g_layers = layers if g_layers is None else g_layers

    def build_generator(self) -> nn.Module:
        return mlp(self.latent, self.g_hidden, 2, self.g_layers)

    def build_discriminator(self) -> nn.Module:
        return mlp(2, self.hidden, 1, self.layers)

    def sample_noise(self, n, device, generator=None):
        return torch.randn(n, self.latent, device=device, generator=generator)

    def config(self):
        config = {"latent": self.latent, "hidden": self.hidden, "layers": self.layers}
        if self.g_hidden != self.hidden:
            config["g_hidden"] = self.g_hidden
        if self.g_layers != self.layers:
            config["g_layers"] = self.g_layers
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def write_samples(self, fake, out_stem):
        torch.save(fake.detach().cpu(), f"{out_stem}.pt")


def quick_config(run_dir, **overrides) -> TrainConfig:
    """A few-step CPU run that logs, samples and checkpoints often."""
    settings = dict(run_dir=str(run_dir), max_steps=20, batch_size=32, device="cpu", progress=False,
                    log_every=5, sample_every=10, checkpoint_every=10, n_samples=8)
    settings.update(overrides)
    return TrainConfig(**settings)
