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
    def predict(self, images: torch.Tensor, batch_size: int = 256) -> torch.Tensor:
        """Class index per image (only meaningful for task "classes")."""
        self.net.eval()
        parts = [self.net(to_float(images[i : i + batch_size])).argmax(1) for i in range(0, len(images), batch_size)]
        return torch.cat(parts)


def _rotation_task(images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    turns = torch.randint(0, 4, (len(images),))
    rotated = torch.stack([torch.rot90(image, int(k), dims=(1, 2)) for image, k in zip(images, turns)])
    return rotated, turns


def train_feature_space(
    images: torch.Tensor, labels: torch.Tensor | None, n_classes: int = 0, steps: int | None = None, seed: int = 0
) -> FeatureSpace:
    """Train a FeatureNet on uint8 images: on their classes if given, else on rotations.

    Default length: about 30 passes over the images, between 50 and 600 batches of 128.
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
        loss = F.cross_entropy(net(to_float(inputs)), targets)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
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
