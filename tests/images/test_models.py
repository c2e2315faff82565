"""The DCGAN architecture and the Fréchet distance maths."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from imagegan.fid import frechet_distance
from imagegan.models import DCGANFamily
from midigan.core.device import prepare_module


@pytest.mark.parametrize("size, channels, blocks", [(32, 1, 2), (64, 3, 3)])
def test_dcgan_shapes_layers_and_initialisation(size: int, channels: int, blocks: int) -> None:
    torch.manual_seed(0)
    family = DCGANFamily(size=size, channels=channels)
    generator, discriminator = family.build_generator(), family.build_discriminator()
    noise = family.sample_noise(4, torch.device("cpu"))
    assert noise.shape == (4, 100, 1, 1)
    fake = generator(noise)
    assert fake.shape == (4, channels, size, size) and fake.abs().max() <= 1  # tanh output
    assert discriminator(family.real_input(torch.zeros(4, channels, size, size, dtype=torch.uint8))).shape == (4,)
    g_convs = [m for m in generator.modules() if isinstance(m, nn.ConvTranspose2d)]
    d_convs = [m for m in discriminator.modules() if isinstance(m, nn.Conv2d)]
    assert len(g_convs) == len(d_convs) == blocks + 2
    assert sum(isinstance(m, nn.ReLU) for m in generator.modules()) == blocks + 1
    assert all(m.negative_slope == 0.2 for m in discriminator.modules() if isinstance(m, nn.LeakyReLU))
    weights = torch.cat([m.weight.flatten() for m in g_convs + d_convs])
    assert abs(weights.std().item() - 0.02) < 0.001 and abs(weights.mean().item()) < 0.001
    assert DCGANFamily.from_config(family.config()).config() == family.config()


def test_real_input_maps_pixels_to_the_tanh_range() -> None:
    pixels = torch.tensor([0, 255, 128], dtype=torch.uint8).view(1, 3, 1, 1)
    assert torch.allclose(DCGANFamily(32, 3).real_input(pixels).flatten(), torch.tensor([-1.0, 1.0, 0.0039]), atol=1e-4)


def test_dcgan_trains_channels_last_on_cpu_too() -> None:
    family = DCGANFamily(size=32, channels=3, width=8)
    layout = torch.channels_last
    for module in (family.build_generator(), family.build_discriminator()):
        prepared = prepare_module(module, torch.device("cpu"), family.channels_last)
        weights = [m.weight for m in prepared.modules() if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))]
        assert all(weight.is_contiguous(memory_format=layout) for weight in weights)
        assert not all(weight.is_contiguous() for weight in weights)  # the layout is not the default's
    images = family.real_input(torch.zeros(4, 3, 32, 32, dtype=torch.uint8))
    assert images.is_contiguous(memory_format=layout) and not images.is_contiguous()


def test_frechet_distance_matches_closed_forms() -> None:
    a = np.random.default_rng(0).normal(size=(500, 6)) @ np.diag([1, 2, 3, 0.5, 1, 1])
    shift = np.arange(6.0)
    assert frechet_distance(a, a) == pytest.approx(0, abs=1e-6)
    assert frechet_distance(a, a + shift) == pytest.approx((shift**2).sum())  # same covariance
    # b = 2a: |mu|^2 + tr(S) + 4 tr(S) - 2 * 2 tr(S)
    expected = (a.mean(0) ** 2).sum() + np.trace(np.cov(a, rowvar=False))
    assert frechet_distance(a, 2 * a) == pytest.approx(expected)
