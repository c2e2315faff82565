"""The DCGAN of Radford et al. (2016) at 32x32 and 64x64, and its plug for the shared engine.

Architecture as in the paper and the PyTorch DCGAN example: z of 100, strided transposed
convolutions with batch norm and ReLU in G, strided convolutions with batch norm and LeakyReLU 0.2
in D (none on D's first layer), tanh output, weights drawn from N(0, 0.02). D returns a raw logit:
the engine's losses apply the sigmoid themselves, which stays safe under bf16 autocast.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from imagegan.augment import augment
from imagegan.family import ImageFamily
from midigan.core.device import channels_last_on

SIZES = (32, 64)


def _check_size(size: int) -> int:
    if size not in SIZES:
        raise ValueError(f"image size must be one of {SIZES}, not {size}")
    return size


def init_dcgan_weights(module: nn.Module) -> None:
    """The paper's initialisation: convolutions N(0, 0.02), batch-norm scales N(1, 0.02)."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(module.weight, 0.0, 0.02)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


class Generator(nn.Sequential):
    """(N, nz, 1, 1) noise -> (N, channels, size, size) images in [-1, 1]."""

    def __init__(self, size: int = 64, channels: int = 3, nz: int = 100, width: int = 64):
        mult = _check_size(size) // 8  # 64x64: 8*width feature maps at 4x4; 32x32: 4*width
        layers: list[nn.Module] = [
            nn.ConvTranspose2d(nz, width * mult, 4, 1, 0, bias=False),
            nn.BatchNorm2d(width * mult),
            nn.ReLU(True),
        ]
        while mult > 1:
            layers += [
                nn.ConvTranspose2d(width * mult, width * mult // 2, 4, 2, 1, bias=False),
                nn.BatchNorm2d(width * mult // 2),
                nn.ReLU(True),
            ]
            mult //= 2
        layers += [nn.ConvTranspose2d(width, channels, 4, 2, 1, bias=False), nn.Tanh()]
        super().__init__(*layers)
        self.apply(init_dcgan_weights)


class Discriminator(nn.Module):
    """(N, channels, size, size) images -> (N,) logits; in training mode it first applies the
    differentiable augmentations named in `augment` (see imagegan.augment), each to each image
    with `augment_probability` (1 unless adaptive augmentation sets it)."""

    def __init__(self, size: int = 64, channels: int = 3, width: int = 64, augment: tuple[str, ...] = ()):
        super().__init__()
        self.augment = tuple(augment)
        self.augment_probability = 1.0
        layers: list[nn.Module] = [nn.Conv2d(channels, width, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True)]
        mult, side = 1, _check_size(size) // 2
        while side > 4:
            layers += [
                nn.Conv2d(width * mult, width * mult * 2, 4, 2, 1, bias=False),
                nn.BatchNorm2d(width * mult * 2),
                nn.LeakyReLU(0.2, True),
            ]
            mult, side = mult * 2, side // 2
        layers.append(nn.Conv2d(width * mult, 1, 4, 1, 0, bias=False))
        self.main = nn.Sequential(*layers)
        self.apply(init_dcgan_weights)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        if self.training and self.augment:
            images = augment(images, self.augment, self.augment_probability)
        return self.main(images).flatten()


class DCGANFamily(ImageFamily):
    """DCGAN images for the engine.

    `channels_last` asks the engine to lay modules out channels-last on CUDA and CPU; real
    batches follow, so that the convolutions need no layout conversions.
    """

    name = "dcgan"
    channels_last = True

    def __init__(
        self, size: int = 64, channels: int = 3, nz: int = 100, width: int = 64, augment: tuple[str, ...] = ()
    ):
        self.size = _check_size(size)
        if channels not in (1, 3):
            raise ValueError(f"channels must be 1 (grey) or 3 (colour), not {channels}")
        self.channels, self.nz, self.width, self.augment = channels, nz, width, tuple(augment)

    def build_generator(self) -> nn.Module:
        return Generator(self.size, self.channels, self.nz, self.width)

    def build_discriminator(self) -> nn.Module:
        return Discriminator(self.size, self.channels, self.width, self.augment)

    def noise_shape(self, n: int) -> tuple[int, ...]:
        return (n, self.nz, 1, 1)

    def real_input(self, batch: torch.Tensor) -> torch.Tensor:
        images = self.unit_range(batch)
        return images.contiguous(memory_format=torch.channels_last) if channels_last_on(images.device) else images

    def config(self) -> dict[str, Any]:
        return {
            "size": self.size, "channels": self.channels, "nz": self.nz, "width": self.width, "augment": list(self.augment)
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> DCGANFamily:
        return cls(**{key: config[key] for key in ("size", "channels", "nz", "width", "augment") if key in config})
