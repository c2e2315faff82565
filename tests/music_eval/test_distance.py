"""Fréchet distance and the classifier two-sample test on feature sets with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from midigan.metrics import frechet_distance, two_sample_accuracy


def gaussian(n: int, mean: list[float], std: list[float], seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(mean, std, size=(n, len(mean)))


def test_same_distribution_is_near_zero_and_a_shift_costs_its_square():
    reference = gaussian(4000, [0, 0, 0], [1, 1, 1], seed=0)
    same = gaussian(4000, [0, 0, 0], [1, 1, 1], seed=1)
    shifted = gaussian(4000, [2, 0, 0], [1, 1, 1], seed=2)
    wider = gaussian(4000, [0, 0, 0], [3, 1, 1], seed=3)
    assert frechet_distance(reference, reference) == pytest.approx(0, abs=1e-9)
    assert frechet_distance(same, reference) < 0.02
    # diagonal Gaussians: |mean difference|^2 + sum (std1 - std2)^2
    assert frechet_distance(shifted, reference) == pytest.approx(4, rel=0.05)
    assert frechet_distance(wider, reference) == pytest.approx(4, rel=0.05)


def test_units_do_not_matter_after_standardising_by_the_reference():
    reference = gaussian(2000, [0, 0], [1, 1], seed=0)
    generated = gaussian(2000, [1, 1], [1, 1], seed=1)
    scale = np.array([1.0, 1000.0])  # second feature in other units
    assert frechet_distance(generated * scale, reference * scale) == pytest.approx(
        frechet_distance(generated, reference), rel=1e-6
    )


def test_fewer_tunes_than_features_and_constant_features_stay_finite():
    reference = gaussian(5, [0] * 12, [1] * 12, seed=0)
    reference[:, 3] = 1.0  # a metric every reference tune shares
    generated = gaussian(4, [0.5] * 12, [1] * 12, seed=1)
    distance = frechet_distance(generated, reference)
    assert np.isfinite(distance) and distance > 0


def test_classifier_cannot_tell_one_distribution_from_itself_but_spots_a_shift():
    reference = gaussian(200, [0] * 6, [1] * 6, seed=0)
    assert 0.35 < two_sample_accuracy(gaussian(200, [0] * 6, [1] * 6, seed=1), reference) < 0.65
    assert two_sample_accuracy(gaussian(200, [3] + [0] * 5, [1] * 6, seed=2), reference) > 0.9


def test_classifier_balances_unequal_sets_and_needs_two_of_each():
    reference = gaussian(500, [0, 0], [1, 1], seed=0)
    # 20 against 500: without balancing, "always reference" would score 0.96
    assert two_sample_accuracy(gaussian(20, [0, 0], [1, 1], seed=1), reference) < 0.8
    with pytest.raises(ValueError, match="at least 2"):
        two_sample_accuracy(reference[:1], reference)
