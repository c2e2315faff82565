"""A judge that never learns: the Fréchet distance in the features of a network whose weights are
drawn once from a fixed seed and never trained.

Why: the feature network of `imagegan.fid` is retrained on the reference folder at every
evaluation, and settings chosen by it were chosen to please it: by an outside judge the recipe
it picked was worse than the defaults it replaced. Fixed random convolutional features need no
download and no labels, work for any folder, give the same number for the same images on every
run, and rank what they should: held-out real images, then real images missing half their
classes, collapsed ones, blurred ones, noisy ones, noise (tests/images/test_judge.py). Features
are centred on the reference images and divided by their overall spread, so the numbers read
alike across folders.
"""

from __future__ import annotations

import numpy as np
import torch

from imagegan.fid import FeatureNet, FeatureSpace, frechet_distance

JUDGE_SEED = 2020  # changing it changes every fixed-judge figure: never do


def fixed_feature_space(channels: int) -> FeatureSpace:
    """The fixed judge's network for images of `channels` channels (the global RNG is untouched)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(JUDGE_SEED)
        net = FeatureNet(channels, 1)
    return FeatureSpace(net=net.eval(), task="fixed")


class FixedJudge:
    """Distances of image sets to one reference set, in the fixed judge's standardised features."""

    def __init__(self, reference: torch.Tensor):
        self.space = fixed_feature_space(reference.shape[1])
        features = self.space.features(reference)
        self.mean, self.scale = features.mean(0), features.std() + 1e-12  # one scale: no feature is blown up
        self.reference = self._standardised(features)

    def _standardised(self, features: np.ndarray) -> np.ndarray:
        return (features - self.mean) / self.scale

    def distance(self, images: torch.Tensor) -> float:
        """Fréchet distance of uint8 (N, C, H, W) images to the reference (lower is better)."""
        return frechet_distance(self._standardised(self.space.features(images)), self.reference)
