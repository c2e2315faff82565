"""How far a set of tunes lies from real music, as a whole: Fréchet distance and a two-sample test.

Both work on per-tune feature vectors (`tune_features`). Features are standardised by the
reference's spread first, so that no metric dominates because of its unit (pitch range in
semitones next to shares between 0 and 1).
"""

from __future__ import annotations

import numpy as np


def reference_scale(reference: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and spread of the reference features; a feature constant in the reference keeps its unit."""
    mean = reference.mean(axis=0)
    spread = reference.std(axis=0)
    return mean, np.where(spread > 1e-9, spread, 1.0)


def _symmetric_sqrt(matrix: np.ndarray) -> np.ndarray:
    """Square root of a symmetric positive semi-definite matrix; rounding-error negatives become 0."""
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    return (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T


def _covariance(features: np.ndarray) -> np.ndarray:
    if len(features) < 2:
        return np.zeros((features.shape[1], features.shape[1]))
    return np.atleast_2d(np.cov(features, rowvar=False))


def frechet_distance(features: np.ndarray, reference: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets (rows = tunes).

    Uses Tr(sqrt(S1 S2)) = Tr(sqrt(A S2 A)) with A = sqrt(S1): every square root is then of a
    symmetric PSD matrix, which eigh takes stably even when the covariances are singular.
    """
    mean, scale = reference_scale(reference)
    a, b = (features - mean) / scale, (reference - mean) / scale
    cov_a, cov_b = _covariance(a), _covariance(b)
    root_a = _symmetric_sqrt(cov_a)
    cross = np.trace(_symmetric_sqrt(root_a @ cov_b @ root_a))
    distance = np.sum((a.mean(axis=0) - b.mean(axis=0)) ** 2) + np.trace(cov_a) + np.trace(cov_b) - 2 * cross
    return float(max(distance, 0.0))


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0, iterations: int = 25) -> np.ndarray:
    """L2-regularised logistic regression by Newton's method; returns weights with the bias last."""
    x = np.hstack([x, np.ones((len(x), 1))])
    penalty = l2 * np.eye(x.shape[1])
    penalty[-1, -1] = 0.0
    w = np.zeros(x.shape[1])
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ w, -30, 30)))
        gradient = x.T @ (p - y) + penalty @ w
        hessian = (x * (p * (1 - p))[:, None]).T @ x + penalty
        w -= np.linalg.solve(hessian + 1e-9 * np.eye(len(w)), gradient)
    return w


def two_sample_accuracy(features: np.ndarray, reference: np.ndarray, folds: int = 5, seed: int = 0) -> float:
    """Held-out accuracy of a logistic-regression classifier telling `features` from `reference`.

    The larger set is subsampled so both classes are equally many (chance = 0.5), then k-fold
    cross-validated, each fold standardised by its own training part. 0.5 means the classifier
    cannot tell the sets apart; 1.0 means every tune is recognised.
    """
    rng = np.random.default_rng(seed)
    n = min(len(features), len(reference))
    if n < 2:
        raise ValueError("the two-sample test needs at least 2 tunes in each set")
    x = np.vstack([features[rng.permutation(len(features))[:n]], reference[rng.permutation(len(reference))[:n]]])
    y = np.r_[np.ones(n), np.zeros(n)]
    order = rng.permutation(2 * n)
    fold_of = np.empty(2 * n, dtype=int)
    # interleave the classes over the folds so that every fold holds both
    for label in (0, 1):
        members = order[y[order] == label]
        fold_of[members] = np.arange(n) % min(folds, n)
    correct = 0
    for fold in range(min(folds, n)):
        test = fold_of == fold
        mean, scale = reference_scale(x[~test])
        w = fit_logistic((x[~test] - mean) / scale, y[~test])
        logits = ((x[test] - mean) / scale) @ w[:-1] + w[-1]
        correct += int(np.sum((logits > 0) == (y[test] == 1)))
    return correct / (2 * n)
