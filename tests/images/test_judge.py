"""The fixed judge: the same number twice, the global RNG untouched, and the right order for real
images and the ways generated ones go wrong."""

from __future__ import annotations

import torch
from support import IMAGES as SAMPLE
from torch.nn import functional as F

from imagegan.data import load_images
from imagegan.evaluation import split_held_out
from imagegan.judge import FixedJudge


def test_the_judge_ranks_real_fewer_classes_collapsed_blurred_noisy_and_noise_in_that_order() -> None:
    digits = load_images(SAMPLE, 32, 1)
    train, held_out = split_held_out(digits)
    judge = FixedJudge(digits.images[train])
    real, labels = digits.images[held_out], digits.labels[held_out]
    noisy = (real.float() + 40 * torch.randn(real.shape, generator=torch.Generator().manual_seed(0))).round().clamp(0, 255)
    ordered = {
        "held-out real": real,
        "half the classes": real[labels < 5],
        "ten images over and over": real[torch.arange(len(real)) % 10],
        "one image": real[torch.zeros(len(real), dtype=torch.long)],
        "blurred": F.avg_pool2d(real.float(), 5, 1, 2, count_include_pad=False).round().to(torch.uint8),
        "noisy": noisy.to(torch.uint8),
        "uniform noise": torch.randint(0, 256, real.shape, dtype=torch.uint8, generator=torch.Generator().manual_seed(0)),
    }
    distances = {name: judge.distance(images) for name, images in ordered.items()}
    assert list(distances.values()) == sorted(distances.values()), distances


def test_the_judge_gives_the_same_number_twice_and_leaves_the_rng_alone() -> None:
    digits = load_images(SAMPLE, 32, 1)
    train, held_out = split_held_out(digits)
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    first = FixedJudge(digits.images[train]).distance(digits.images[held_out])
    assert torch.equal(torch.rand(3), expected)
    second = FixedJudge(digits.images[train]).distance(digits.images[held_out])
    assert first == second and first > 0
