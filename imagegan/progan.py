"""Progressive growing of GANs (Karras et al. 2018), and its plug for the shared engine.

The networks start at 4x4 and double the resolution on a schedule counted in images shown: each
new resolution is faded in (its output blended with the previous resolution's, upsampled, as the
blend weight rises from 0 to 1), then trained alone for as long again. As in the paper: pixel
norm after every generator convolution, equalised learning rate (weights drawn from N(0, 1) and
scaled by He's constant at run time, so Adam moves every layer at the same pace), minibatch
standard deviation before the discriminator's last block, WGAN-GP with the drift term (set by the
CLI), EMA, and Adam restarted at each resolution (the engine does that when the stage changes).

Every layer exists from the start, so a checkpoint has the same shape at every resolution; the
inactive ones receive no gradients. In training mode the generator draws at the current
resolution; in eval mode (samples, generation) it brings its images to the final size.
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from imagegan.augment import augment
from imagegan.family import ImageFamily
from midigan.core.family import Stage

SIZES = (32, 64, 128, 256)
FIRST_SIDE = 4
MAX_WIDTH_FACTOR = 8  # feature maps double per halving of the side, up to this times `width`


def levels_for(size: int) -> int:
    """Resolutions from 4x4 to `size`: 4 for 32x32, 6 for 128x128."""
    if size not in SIZES:
        raise ValueError(f"progressive growing needs an image size of {', '.join(map(str, SIZES))}, not {size}")
    return int(math.log2(size // FIRST_SIDE)) + 1


def default_phase_images(folder_images: int) -> int:
    """16 passes over the folder per phase, at least 10,000 images and at most the paper's 800,000
    (CelebA-HQ's 30,000 images got 27 passes there): a small folder reaches 32x32 within half of
    ten minutes on a 2-core CPU."""
    return min(max(16 * folder_images, 10_000), 800_000)


def growth_stage(examples_shown: int, levels: int, phase_images: int) -> Stage:
    """The schedule: `phase_images` at 4x4, then for each next resolution `phase_images` fading it
    in and `phase_images` with it alone; the last resolution stays for good."""
    level, within = 0, examples_shown - phase_images
    if within >= 0:
        level = min(1 + within // (2 * phase_images), levels - 1)
        within -= (level - 1) * 2 * phase_images
    blend = 1.0 if level == 0 else min(within / phase_images, 1.0)
    side = FIRST_SIDE << level
    return Stage(level, blend, f"{side}x{side}" + (", fading in" if blend < 1 else ""))


class EqualizedConv2d(nn.Module):
    """A convolution whose weights are N(0, 1) at rest and scaled by sqrt(gain / fan_in) per call."""

    def __init__(self, in_channels: int, out_channels: int, kernel: int, gain: float = 2.0):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel, kernel))
        self.bias = nn.Parameter(torch.zeros(out_channels))
        self.scale = math.sqrt(gain / (in_channels * kernel * kernel))
        self.padding = kernel // 2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.weight * self.scale, self.bias, padding=self.padding)


class EqualizedLinear(nn.Module):
    """A dense layer with the equalised learning rate of `EqualizedConv2d`."""

    def __init__(self, in_features: int, out_features: int, gain: float = 2.0):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, in_features))
        self.bias = nn.Parameter(torch.zeros(out_features))
        self.scale = math.sqrt(gain / in_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight * self.scale, self.bias)


def pixel_norm(x: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """Each pixel's feature vector scaled to unit mean square: keeps G's magnitudes from escalating."""
    return x * torch.rsqrt(x.pow(2).mean(dim=1, keepdim=True) + eps)


def minibatch_stddev(x: torch.Tensor, group: int = 4) -> torch.Tensor:
    """One more feature map: the standard deviation of the features across groups of `group`
    images (the whole batch when it does not divide), averaged to one number per group. D can
    then see a batch without variety, which discourages mode collapse."""
    n, c, h, w = x.shape
    group = group if n % group == 0 else n
    grouped = x.float().reshape(group, -1, c, h, w)
    spread = grouped.var(dim=0, unbiased=False).add(1e-8).sqrt().mean(dim=(1, 2, 3))  # (n // group,)
    spread = spread.to(x.dtype).reshape(-1, 1, 1, 1).repeat(group, 1, h, w)
    return torch.cat([x, spread], dim=1)


def _lrelu(x: torch.Tensor) -> torch.Tensor:
    return F.leaky_relu(x, 0.2)


def widths(size: int, width: int) -> list[int]:
    """Feature maps at each resolution from 4x4 up: `width` at `size`, doubling per halving."""
    levels = levels_for(size)
    return [min(width << (levels - 1 - level), width * MAX_WIDTH_FACTOR) for level in range(levels)]


class _Staged(nn.Module):
    """The current level and blend, set by the family, kept in the module's state dict (as extra
    state) so that a loaded generator knows which of its layers are trained."""

    def __init__(self) -> None:
        super().__init__()
        self.level, self.blend = 0, 1.0

    def set_stage(self, level: int, blend: float) -> None:
        self.level, self.blend = level, blend

    def get_extra_state(self) -> dict[str, float]:
        return {"level": self.level, "blend": self.blend}

    def set_extra_state(self, state: dict[str, float]) -> None:
        self.set_stage(int(state["level"]), float(state["blend"]))


class ProGenerator(_Staged):
    """(N, nz) noise -> images in about [-1, 1]: at the current side in training, `size` in eval."""

    def __init__(self, size: int, channels: int, nz: int, width: int):
        super().__init__()
        self.size = size
        maps = widths(size, width)
        self.first = EqualizedLinear(nz, maps[0] * FIRST_SIDE * FIRST_SIDE, gain=2.0 / 16)  # the paper's 4x4 "deconvolution"
        self.first_conv = EqualizedConv2d(maps[0], maps[0], 3)
        self.blocks = nn.ModuleList(
            nn.ModuleList([EqualizedConv2d(maps[level - 1], maps[level], 3), EqualizedConv2d(maps[level], maps[level], 3)])
            for level in range(1, len(maps))
        )
        self.to_rgb = nn.ModuleList(EqualizedConv2d(m, channels, 1, gain=1.0) for m in maps)

    def forward(self, noise: torch.Tensor) -> torch.Tensor:
        x = self.first(pixel_norm(noise)).reshape(noise.shape[0], -1, FIRST_SIDE, FIRST_SIDE)
        x = pixel_norm(_lrelu(self.first_conv(pixel_norm(_lrelu(x)))))
        previous = x
        for conv_a, conv_b in self.blocks[: self.level]:
            previous = x
            x = F.interpolate(x, scale_factor=2, mode="nearest")
            x = pixel_norm(_lrelu(conv_b(pixel_norm(_lrelu(conv_a(x))))))
        image = self.to_rgb[self.level](x)
        if self.blend < 1:
            earlier = F.interpolate(self.to_rgb[self.level - 1](previous), scale_factor=2, mode="nearest")
            image = torch.lerp(earlier, image, self.blend)
        if not self.training and image.shape[-1] != self.size:
            image = F.interpolate(image, size=(self.size, self.size), mode="nearest")
        return image


class ProDiscriminator(_Staged):
    """(N, channels, side, side) images at the current side -> (N,) critic values; in training
    mode it first applies the augmentation policy, as the DCGAN discriminator does."""

    def __init__(self, size: int, channels: int, width: int, augment: tuple[str, ...] = ()):
        super().__init__()
        self.augment = tuple(augment)
        self.augment_probability = 1.0
        maps = widths(size, width)
        self.from_rgb = nn.ModuleList(EqualizedConv2d(channels, m, 1) for m in maps)
        self.blocks = nn.ModuleList(  # blocks[level - 1] takes level's side down to the one before
            nn.ModuleList([EqualizedConv2d(maps[level], maps[level], 3), EqualizedConv2d(maps[level], maps[level - 1], 3)])
            for level in range(1, len(maps))
        )
        self.last_conv = EqualizedConv2d(maps[0] + 1, maps[0], 3)
        self.dense = EqualizedLinear(maps[0] * FIRST_SIDE * FIRST_SIDE, maps[0])
        self.out = EqualizedLinear(maps[0], 1, gain=1.0)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        if self.training and self.augment:
            images = augment(images, self.augment, self.augment_probability)
        x = _lrelu(self.from_rgb[self.level](images))
        for level in range(self.level, 0, -1):
            conv_a, conv_b = self.blocks[level - 1]
            x = F.avg_pool2d(_lrelu(conv_b(_lrelu(conv_a(x)))), 2)
            if level == self.level and self.blend < 1:
                earlier = _lrelu(self.from_rgb[level - 1](F.avg_pool2d(images, 2)))
                x = torch.lerp(earlier, x, self.blend)
        x = _lrelu(self.last_conv(minibatch_stddev(x)))
        return self.out(_lrelu(self.dense(x.flatten(1)))).flatten()


def real_at_stage(images: torch.Tensor, level: int, blend: float) -> torch.Tensor:
    """Real images as the discriminator sees them at a stage: averaged down to the level's side
    and, while that side fades in, blended with the previous side's (upsampled), as the
    generator's output is."""
    side = FIRST_SIDE << level
    if images.shape[-1] != side:
        images = F.avg_pool2d(images, images.shape[-1] // side)
    if blend < 1:
        earlier = F.interpolate(F.avg_pool2d(images, 2), scale_factor=2, mode="nearest")
        images = torch.lerp(earlier, images, blend)
    return images


class ProGANFamily(ImageFamily):
    """Progressive growing for the engine: real batches arrive as uint8 (N, C, size, size)."""

    name = "progan"

    def __init__(
        self, size: int = 128, channels: int = 3, nz: int = 128, width: int = 16, phase_images: int = 100_000,
        augment: tuple[str, ...] = (),
    ):
        self.levels = levels_for(size)
        if channels not in (1, 3):
            raise ValueError(f"channels must be 1 (grey) or 3 (colour), not {channels}")
        if phase_images < 1:
            raise ValueError("phase_images must be at least 1")
        self.size, self.channels, self.nz, self.width = size, channels, nz, width
        self.phase_images, self.augment = phase_images, tuple(augment)
        self.stage = Stage(0, 1.0)

    def build_generator(self) -> nn.Module:
        return ProGenerator(self.size, self.channels, self.nz, self.width)

    def build_discriminator(self) -> nn.Module:
        return ProDiscriminator(self.size, self.channels, self.width, self.augment)

    def stage_at(self, examples_shown: int) -> Stage:
        return growth_stage(examples_shown, self.levels, self.phase_images)

    def enter_stage(self, stage: Stage, *modules: nn.Module) -> None:
        self.stage = stage
        for module in modules:
            module.set_stage(stage.index, stage.blend)

    def real_input(self, batch: torch.Tensor) -> torch.Tensor:
        return real_at_stage(self.unit_range(batch), self.stage.index, self.stage.blend)

    def config(self) -> dict[str, Any]:
        return {"size": self.size, "channels": self.channels, "nz": self.nz, "width": self.width,
                "phase_images": self.phase_images, "augment": list(self.augment)}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> ProGANFamily:
        return cls(**config)
