"""A class reader trained with pixel noise still reads slightly noisy digits; one trained on clean
digits alone does not (it calls most of them one class), which is why the digits benchmark reads
generated digits' classes with the first."""

from __future__ import annotations

import numpy as np
import torch
from support import IMAGES as SAMPLE

from imagegan.data import load_images, to_float, to_uint8
from imagegan.evaluation import split_held_out
from imagegan.fid import train_feature_space


def test_pixel_noise_in_training_keeps_noisy_digits_readable() -> None:
    digits = load_images(SAMPLE, 32, 1)
    train, held_out = split_held_out(digits)
    images, labels = digits.images[held_out], digits.labels[held_out]
    noise = torch.randn(images.shape, generator=torch.Generator().manual_seed(0))
    noisy = to_uint8((to_float(images) + 0.15 * noise).clamp(-1, 1))

    def accuracy(reader, inputs: torch.Tensor) -> float:
        return float((reader.predict(inputs) == labels).float().mean())

    clean_only = train_feature_space(digits.images[train], digits.labels[train], 10, steps=100)
    with_noise = train_feature_space(digits.images[train], digits.labels[train], 10, steps=100, pixel_noise=0.3)
    assert accuracy(with_noise, images) >= accuracy(clean_only, images) - 0.1
    assert accuracy(with_noise, noisy) >= accuracy(clean_only, noisy) + 0.3
    assert np.bincount(clean_only.predict(noisy).numpy()).max() > 0.4 * len(labels)  # one class takes many
