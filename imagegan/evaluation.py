"""How good are generated images? Fréchet distance beside its floor and ceiling, and class spread.

A distance means nothing alone, so every report holds three rows computed on equally many images:
held-out real images (the floor: what a perfect generator would score), the model, and uniform
noise (the ceiling), in two feature spaces: a network trained on the reference folder (a
classifier when the folder has class subfolders, and the report then also says which classes the
generated images fall into) and the fixed judge of `imagegan.judge`, which is never trained and
so cannot be tuned to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from imagegan.data import ImageSet
from imagegan.fid import FeatureSpace, frechet_distance, train_feature_space
from imagegan.judge import FixedJudge

HELD_OUT_FRACTION = 0.2


@dataclass
class Report:
    n_reference: int  # images the feature network and the reference statistics come from
    n_compared: int  # images in each compared set (held-out, model, noise)
    task: str
    floor: float
    model: float
    ceiling: float
    fixed_floor: float  # the same three rows by the fixed judge
    fixed_model: float
    fixed_ceiling: float
    held_out_accuracy: float | None = None  # classifier accuracy on held-out real images
    class_names: list[str] | None = None
    class_shares: list[float] | None = None  # share of generated images per class
    n_classified: int = 0

    def format(self) -> str:
        what = "a classifier" if self.task == "classes" else "a rotation predictor"
        lines = [
            f"Fréchet distance in the features of {what} trained on {self.n_reference} reference images,"
            f" {self.n_compared} images per row (lower is better):",
            f"  held-out real (floor)    {self.floor:10.2f}",
            f"  model                    {self.model:10.2f}   ({self.model / max(self.floor, 1e-12):.2f}x floor)",
            f"  uniform noise (ceiling)  {self.ceiling:10.2f}",
            "Fréchet distance by the fixed judge (random features, never trained, the same on every run):",
            f"  held-out real (floor)    {self.fixed_floor:10.4f}",
            f"  model                    {self.fixed_model:10.4f}   ({self.fixed_model / max(self.fixed_floor, 1e-12):.2f}x floor)",
            f"  uniform noise (ceiling)  {self.fixed_ceiling:10.4f}",
        ]
        if self.class_shares is not None:
            lines.append(
                f"Classes of {self.n_classified} generated images (classifier accuracy on held-out real"
                f" images {self.held_out_accuracy:.1%}):"
            )
            lines.append("  " + "  ".join(f"{name}: {share:.1%}" for name, share in zip(self.class_names, self.class_shares)))
        return "\n".join(lines)


def split_held_out(reference: ImageSet, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """(training indices, held-out indices), a fixed random split."""
    order = torch.randperm(len(reference.images), generator=torch.Generator().manual_seed(seed))
    n_held_out = max(2, round(HELD_OUT_FRACTION * len(order)))
    if len(order) - n_held_out < 2:
        raise ValueError(f"the reference folder needs at least 4 images, it has {len(order)}")
    return order[n_held_out:], order[:n_held_out]


def evaluate(sample: Callable[[int], torch.Tensor], reference: ImageSet, count: int = 500, seed: int = 0) -> Report:
    """Score `sample(n) -> uint8 (n, C, H, W)` images against a reference folder loaded at their size."""
    train, held_out = split_held_out(reference, seed)
    labels = reference.labels
    space: FeatureSpace = train_feature_space(
        reference.images[train], None if labels is None else labels[train], len(reference.class_names), seed=seed
    )
    n = len(held_out)
    generated = sample(max(count, n))
    noise = torch.randint(0, 256, (n, *reference.images.shape[1:]), dtype=torch.uint8, generator=torch.Generator().manual_seed(seed))
    reference_features = space.features(reference.images[train])

    judge = FixedJudge(reference.images[train])

    def distance(images: torch.Tensor) -> float:
        return frechet_distance(space.features(images), reference_features)

    report = Report(
        n_reference=len(train),
        n_compared=n,
        task=space.task,
        floor=distance(reference.images[held_out]),
        model=distance(generated[:n]),
        ceiling=distance(noise),
        fixed_floor=judge.distance(reference.images[held_out]),
        fixed_model=judge.distance(generated[:n]),
        fixed_ceiling=judge.distance(noise),
    )
    if labels is not None:
        report.held_out_accuracy = float((space.predict(reference.images[held_out]) == labels[held_out]).float().mean())
        classified = generated[:count]
        counts = np.bincount(space.predict(classified).numpy(), minlength=len(reference.class_names))
        report.class_names = reference.class_names
        report.class_shares = (counts / len(classified)).tolist()
        report.n_classified = len(classified)
    return report
