"""DiffAugment transforms: what they do to pixels, that gradients pass, and when D applies them."""

from __future__ import annotations

import pytest
import torch
from torch.nn import functional as F

from imagegan.augment import augment, cutout, parse_policy, translate
from imagegan.models import DCGANFamily


def test_translation_shifts_whole_images_and_fills_with_background() -> None:
    torch.manual_seed(0)
    images = torch.rand(64, 2, 16, 16) * 2 - 1
    shifted = translate(images, ratio=0.125)  # up to 2 pixels each way
    padded = F.pad(images, (2, 2, 2, 2), value=-1.0)
    offsets = set()
    for original, result in zip(padded, shifted):
        # exactly one window of the background-padded image is the result
        matches = [(dy, dx) for dy in range(5) for dx in range(5) if torch.equal(original[:, dy : dy + 16, dx : dx + 16], result)]
        assert len(matches) == 1
        offsets.add(matches[0])
    assert len(offsets) > 12  # offsets are drawn per image, not once per batch


def test_cutout_blanks_one_square_per_image() -> None:
    torch.manual_seed(0)
    images = torch.rand(200, 1, 16, 16) + 1.0  # no pixel is 0 before
    blanked = (cutout(images, ratio=0.5) == 0).squeeze(1)
    rows, cols = blanked.any(dim=2), blanked.any(dim=1)
    # a rectangle: the zeros are exactly the product of the rows and columns they touch
    assert torch.equal(blanked, rows.unsqueeze(2) & cols.unsqueeze(1))
    assert rows.sum(1).max() == cols.sum(1).max() == 8  # full 8x8 squares where they fit
    assert (blanked.sum((1, 2)) > 0).all() and (blanked.sum((1, 2)) < 64).any()  # and clipped at the edges


def test_gradients_reach_every_kept_pixel() -> None:
    torch.manual_seed(0)
    images = torch.rand(8, 1, 16, 16, requires_grad=True)
    kept = cutout(images)
    kept.sum().backward()
    assert torch.equal(images.grad, (kept != 0).float())


def test_policy_names_are_checked() -> None:
    assert parse_policy("translation, cutout") == ("translation", "cutout")
    assert parse_policy("none") == parse_policy("") == ()
    with pytest.raises(ValueError, match="unknown augmentation 'colour'"):
        parse_policy("translation,colour")


def test_discriminator_augments_only_while_training() -> None:
    torch.manual_seed(0)
    family = DCGANFamily(size=32, channels=1, width=8, augment=("translation", "cutout"))
    discriminator = family.build_discriminator()
    images = torch.rand(16, 1, 32, 32) * 2 - 1
    discriminator.eval()
    assert torch.equal(discriminator(images), discriminator(images))
    discriminator.train()
    assert not torch.equal(discriminator(images), discriminator(images))
    assert DCGANFamily.from_config(family.config()).augment == ("translation", "cutout")


def test_a_probability_doses_the_transforms_per_image() -> None:
    torch.manual_seed(0)
    images = torch.rand(400, 1, 16, 16) * 2 - 1
    assert torch.equal(augment(images, ("cutout",), 0.0), images)
    changed = (augment(images, ("cutout",), 0.25) != images).flatten(1).any(1).float().mean().item()
    assert 0.18 < changed < 0.32  # about a quarter of the images, each whole or not at all
    assert (augment(images, ("cutout",), 1.0) != images).flatten(1).any(1).all()
