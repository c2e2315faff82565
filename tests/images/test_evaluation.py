"""The Fréchet report ranks real images above a collapsed generator, with or without class labels."""

from __future__ import annotations

from dataclasses import replace

from support import IMAGES as SAMPLE

from imagegan.data import load_images
from imagegan.evaluation import evaluate


def test_unlabelled_folder_uses_rotations_and_ranks_collapse_between_floor_and_ceiling() -> None:
    reference = replace(load_images(SAMPLE, size=32), labels=None, class_names=[])
    collapsed = evaluate(lambda n: reference.images[:1].repeat(n, 1, 1, 1), reference, count=40)
    assert collapsed.task == "rotations" and collapsed.class_shares is None
    assert "rotation predictor" in collapsed.format() and "Classes of" not in collapsed.format()
    assert collapsed.floor < collapsed.model < collapsed.ceiling
