"""What every image family shares with the engine: uint8 batches, augmentation, PNG grids."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from midigan.core.family import GANFamily


class ImageFamily(GANFamily):
    """Real batches arrive as uint8 (N, C, H, W) and become [-1, 1]; the discriminator carries an
    augmentation policy (`augment`) whose probability adaptive augmentation moves; samples are
    written as one PNG grid. Noise is `noise_shape(n)` standard normal."""

    augment: tuple[str, ...] = ()
    nz: int = 100

    def noise_shape(self, n: int) -> tuple[int, ...]:
        return (n, self.nz)

    def sample_noise(self, n: int, device: torch.device, generator: torch.Generator | None = None) -> torch.Tensor:
        if generator is not None and generator.device.type != torch.device(device).type:
            # a CPU generator keeps fixed noise identical on every device
            return torch.randn(self.noise_shape(n), generator=generator).to(device)
        return torch.randn(self.noise_shape(n), device=device, generator=generator)

    @staticmethod
    def unit_range(batch: torch.Tensor) -> torch.Tensor:
        return batch.float().div(127.5).sub(1.0) if batch.dtype == torch.uint8 else batch.float()

    def set_augment_probability(self, discriminator: nn.Module, probability: float) -> None:
        if not self.augment:
            raise ValueError("adaptive augmentation needs an augmentation policy (--augment)")
        discriminator.augment_probability = probability

    def write_samples(self, fake: torch.Tensor, out_stem: Path) -> None:
        from imagegan.data import to_uint8
        from imagegan.grid import grid_shape, make_grid, save_png

        images = to_uint8(fake)
        save_png(make_grid(images, *grid_shape(len(images))), Path(f"{out_stem}.png"))
