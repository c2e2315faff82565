"""Fréchet distance in the feature space of a small network trained on the reference images.

Why not Inception: no weights may be downloaded, and ImageNet features say little about 8x8 digits
anyway. A small CNN is trained on the reference set itself: to predict the class when the folder
has class subfolders, otherwise to predict which of four rotations was applied (a self-supervised
task that needs no labels). Its penultimate layer is the feature space.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from imagegan.data import to_float
from midigan.core.ema import recompute_norm_statistics

FEATURES = 64


class FeatureNet(nn.Module):
    """Three conv blocks and global pooling to FEATURES numbers, then a linear head."""

    def __init__(self, channels: int, n_outputs: int):
        super().__init__()
        blocks: list[nn.Module] = []
        for c_in, c_out in ((channels, 32), (32, 64), (64, FEATURES)):
            blocks += [nn.Conv2d(c_in, c_out, 3, padding=1), nn.BatchNorm2d(c_out), nn.ReLU(True), nn.MaxPool2d(2)]
        self.body = nn.Sequential(*blocks[:-1], nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.head = nn.Linear(FEATURES, n_outputs)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(images))


@dataclass
class FeatureSpace:
    """A trained FeatureNet and what it was trained to predict."""

    net: FeatureNet
    task: str  # "classes" or "rotations"

    @torch.no_grad()
    def features(self, images: torch.Tensor, batch_size: int = 256) -> np.ndarray:
        """uint8 (N, C, H, W) -> float64 (N, FEATURES)."""
        self.net.eval()
        parts = [self.net.body(to_float(images[i : i + batch_size])) for i in range(0, len(images), batch_size)]
        return torch.cat(parts).double().numpy()

    @torch.no_grad()
    def probabilities(self, images: torch.Tensor, batch_size: int = 256) -> torch.Tensor:
        """(N, classes) softmax per image (only meaningful for task "classes")."""
        self.net.eval()
        parts = [self.net(to_float(images[i : i + batch_size])).softmax(1) for i in range(0, len(images), batch_size)]
        return torch.cat(parts)

    def predict(self, images: torch.Tensor, batch_size: int = 256) -> torch.Tensor:
        """Class index per image (only meaningful for task "classes")."""
        return self.probabilities(images, batch_size).argmax(1)


def _rotation_task(images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    turns = torch.randint(0, 4, (len(images),))
    rotated = torch.stack([torch.rot90(image, int(k), dims=(1, 2)) for image, k in zip(images, turns)])
    return rotated, turns


def train_feature_space(
    images: torch.Tensor, labels: torch.Tensor | None, n_classes: int = 0, steps: int | None = None, seed: int = 0,
    pixel_noise: float = 0.0,
) -> FeatureSpace:
    """Train a FeatureNet on uint8 images: on their classes if given, else on rotations.

    Default length: about 30 passes over the images, between 50 and 600 batches of 128.
    `pixel_noise` > 0 adds Gaussian noise to half the training images, its standard deviation drawn
    uniformly up to that (images in [-1, 1]), the other half staying clean: a class reader trained
    on clean digits alone calls most slightly noisy digits one class ("8"), so a reader of generated
    images' classes needs it. Batches of mixed noise leave BatchNorm's running statistics describing
    the last few batches' noise (one such reader read 26% of clean held-out digits right in eval
    mode, 99% in training mode), so they are then measured again on the clean images.
    """
    torch.manual_seed(seed)
    steps = steps or min(600, max(50, 30 * len(images) // 128))
    task = "classes" if labels is not None else "rotations"
    net = FeatureNet(images.shape[1], n_classes if labels is not None else 4)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    net.train()
    for _ in range(steps):
        batch = torch.randint(0, len(images), (min(128, len(images)),))
        if labels is None:
            inputs, targets = _rotation_task(images[batch])
        else:
            inputs, targets = images[batch], labels[batch]
        inputs = to_float(inputs)
        if pixel_noise:
            scale = pixel_noise * torch.rand(len(inputs), 1, 1, 1) * (torch.rand(len(inputs), 1, 1, 1) < 0.5)
            inputs = (inputs + scale * torch.randn_like(inputs)).clamp(-1, 1)
        loss = F.cross_entropy(net(inputs), targets)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    if pixel_noise:
        recompute_norm_statistics(net, lambda rng: to_float(images[torch.randint(0, len(images), (128,), generator=rng)]),
                                  torch.device("cpu"))
    return FeatureSpace(net=net, task=task)


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to two (N, D) feature sets.

    The trace of sqrt(S_a S_b) is computed as the sum of square roots of the eigenvalues of the
    symmetric matrix sqrt(S_a) S_b sqrt(S_a): stable, real, and needs no scipy.
    """
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    values, vectors = np.linalg.eigh(cov_a)
    sqrt_a = (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T
    cross = np.sqrt(np.clip(np.linalg.eigvalsh(sqrt_a @ cov_b @ sqrt_a), 0, None)).sum()
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a) + np.trace(cov_b) - 2.0 * cross)
