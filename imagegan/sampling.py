"""Draw images from a trained generator, reproducibly from a seed."""

from __future__ import annotations

import torch
from torch import nn

from imagegan.data import to_uint8
from imagegan.family import ImageFamily


@torch.no_grad()
def generate_images(
    family: ImageFamily, generator: nn.Module, count: int, seed: int = 0, device: str | torch.device = "cpu", batch_size: int = 256
) -> torch.Tensor:
    """`count` images as uint8 (N, C, H, W) on the CPU; the same seed gives the same images on any device."""
    rng = torch.Generator().manual_seed(seed)
    generator.eval()
    parts = []
    for start in range(0, count, batch_size):
        noise = family.sample_noise(min(batch_size, count - start), torch.device(device), generator=rng)
        parts.append(to_uint8(generator(noise)))
    return torch.cat(parts)
