"""CycleGAN (Zhu et al. 2017) for images: two translators, two discriminators, one engine.

The engine sees one generator and one discriminator, each a pair (midigan.core.translation): a
real batch is domain A's images followed by domain B's, the generator maps it to B->A followed by
A->B translations, and the discriminator judges each half with its own PatchGAN, one logit per
patch. The cycle-consistency and identity losses are the family's generator auxiliary loss; the
pool of past fakes and the learning-rate decay are the engine's.

Networks as in the paper, narrowed for small images: a ResNet translator (7x7 stem, two strided
convolutions down, residual blocks, two upsamplings, 7x7 to the image; instance norm, reflection
padding) and a PatchGAN discriminator (4x4 convolutions, LeakyReLU 0.2, instance norm but on the
first). The upsamplings resize and convolve rather than use the paper's transposed convolutions:
on the digits those left thin-to-thick translations speckled, and half their digits unreadable.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from imagegan.family import ImageFamily
from midigan.core.translation import DiscriminatorPair, TranslatorPair
from midigan.core.translation import cycle_and_identity_loss as translation_losses

SIZES = (32, 64, 128, 256)
# Four times the paper's balance (its lambda = 10 and identity lambda / 2 against a least-squares
# loss twice the engine's): on a few hundred images per side and a few thousand steps, the paper's
# weights let the translators trade a digit for another (78-80% kept against 89-92% at these;
# docs/images.md), while the style still moves every time
CYCLE_WEIGHT = 20.0
IDENTITY_WEIGHT = 0.5 * CYCLE_WEIGHT


def residual_blocks_for(size: int) -> int:
    """The paper's 6 blocks at 128 and 9 at 256; 3 for the small images a CPU trains on."""
    return {32: 3, 64: 4, 128: 6, 256: 9}[size]


class ResidualBlock(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.body = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3), nn.InstanceNorm2d(channels), nn.ReLU(True),
            nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3), nn.InstanceNorm2d(channels),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


def _upsampling(channels: int, out_channels: int, resize: bool) -> nn.Module:
    """Twice the side: the paper's transposed convolution, or nearest resizing then a convolution
    (Odena et al. 2016: no uneven overlaps, so no checkerboard of high-frequency artefacts)."""
    if resize:
        return nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), nn.ReflectionPad2d(1), nn.Conv2d(channels, out_channels, 3))
    return nn.ConvTranspose2d(channels, out_channels, 3, 2, 1, output_padding=1)


def translator(channels: int, width: int, blocks: int, resize: bool) -> nn.Sequential:
    """Images in [-1, 1] -> images in [-1, 1] of the same size; `resize` chooses the upsampling
    (no default: the family's and an older run's differ)."""
    layers: list[nn.Module] = [nn.ReflectionPad2d(3), nn.Conv2d(channels, width, 7), nn.InstanceNorm2d(width), nn.ReLU(True)]
    for factor in (1, 2):
        layers += [nn.Conv2d(width * factor, width * factor * 2, 3, 2, 1), nn.InstanceNorm2d(width * factor * 2), nn.ReLU(True)]
    layers += [ResidualBlock(width * 4) for _ in range(blocks)]
    for factor in (4, 2):
        layers += [_upsampling(width * factor, width * factor // 2, resize), nn.InstanceNorm2d(width * factor // 2), nn.ReLU(True)]
    layers += [nn.ReflectionPad2d(3), nn.Conv2d(width, channels, 7), nn.Tanh()]
    return nn.Sequential(*layers)


def patch_discriminator(channels: int, width: int) -> nn.Sequential:
    """Images -> (N, 1, h, w) logits, one per overlapping patch."""
    layers: list[nn.Module] = [nn.Conv2d(channels, width, 4, 2, 1), nn.LeakyReLU(0.2, True)]
    for factor, stride in ((1, 2), (2, 2), (4, 1)):
        layers += [nn.Conv2d(width * factor, width * factor * 2, 4, stride, 1), nn.InstanceNorm2d(width * factor * 2),
                   nn.LeakyReLU(0.2, True)]
    layers.append(nn.Conv2d(width * 8, 1, 4, 1, 1))
    return nn.Sequential(*layers)


class CycleGANFamily(ImageFamily):
    """Unpaired translation between two image folders; batches are (A images, B images) in uint8."""

    name = "cyclegan"

    def __init__(self, size: int = 64, channels: int = 3, width: int = 32, cycle_weight: float = CYCLE_WEIGHT,
                 identity_weight: float = IDENTITY_WEIGHT, resize: bool = True):
        if size not in SIZES:
            raise ValueError(f"translation needs an image size of {', '.join(map(str, SIZES))}, not {size}")
        if channels not in (1, 3):
            raise ValueError(f"channels must be 1 (grey) or 3 (colour), not {channels}")
        self.size, self.channels, self.width = size, channels, width
        self.cycle_weight, self.identity_weight, self.resize = cycle_weight, identity_weight, resize

    def build_generator(self) -> nn.Module:
        blocks = residual_blocks_for(self.size)
        return TranslatorPair(*(translator(self.channels, self.width, blocks, self.resize) for _ in range(2)))

    def build_discriminator(self) -> nn.Module:
        return DiscriminatorPair(*(patch_discriminator(self.channels, self.width) for _ in range(2)))

    def real_input(self, batch: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        return torch.cat([self.unit_range(images) for images in batch])

    def generator_input(self, batch, n: int, device: torch.device, generator: torch.Generator | None = None) -> torch.Tensor:
        return self.real_input(batch)

    def sample_noise(self, n: int, device: torch.device, generator: torch.Generator | None = None) -> torch.Tensor:
        raise NotImplementedError("a translator takes images, not noise")

    def generator_aux_loss(self, generator, discriminator, fake_input, batch) -> torch.Tensor:
        """The cycle and identity terms with L1 distances (see midigan.core.translation)."""
        return translation_losses(generator, self.real_input(batch), fake_input, F.l1_loss, self.cycle_weight,
                                  self.identity_weight)

    @torch.no_grad()
    def samples(self, generator: nn.Module, fixed_input: torch.Tensor) -> torch.Tensor:
        """Rows of a sample grid: A's inputs, their translations, the round trips; then B's."""
        a, b = fixed_input.chunk(2)
        to_b, to_a = generator.a_to_b(a), generator.b_to_a(b)
        return torch.cat([a, to_b, generator.b_to_a(to_b), b, to_a, generator.a_to_b(to_a)])

    def write_samples(self, fake: torch.Tensor, out_stem: Path) -> None:
        from imagegan.data import to_uint8
        from imagegan.grid import make_grid, save_png

        save_png(make_grid(to_uint8(fake), 6, len(fake) // 6), Path(f"{out_stem}.png"))

    def translate(self, generator: nn.Module, images: torch.Tensor, to: str) -> torch.Tensor:
        """uint8 images of the other domain -> uint8 images of domain `to` ("A" or "B")."""
        from imagegan.data import to_uint8

        net = {"B": generator.a_to_b, "A": generator.b_to_a}[to]
        return to_uint8(net(self.unit_range(images)))

    def config(self) -> dict[str, Any]:
        return {"size": self.size, "channels": self.channels, "width": self.width, "cycle_weight": self.cycle_weight,
                "identity_weight": self.identity_weight, "resize": self.resize}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> CycleGANFamily:
        return cls(**{"resize": False, **config})  # runs from before the key upsampled by transposed convolutions
