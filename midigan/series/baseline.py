"""The baseline every model figure is printed beside: a vector autoregression of order 2.

x_t = c + A1 x_{t-1} + A2 x_{t-2} + e_t, e_t ~ N(0, Sigma), fitted by least squares on every
training series at once (steps with a gap in them or in their two predecessors left out), on
standardised values. Sampling starts each series from the first two steps of a training series
drawn at random (gaps filled) and runs the recursion; lengths are drawn from the training series'.
"""

from __future__ import annotations

import numpy as np

from midigan.series.metrics import fill_gaps
from midigan.series.scaling import ChannelScaler

ORDER = 2


class VectorAutoregression:
    def __init__(self, order: int = ORDER):
        self.order = order

    def fit(self, series: list[np.ndarray]) -> VectorAutoregression:
        self.scaler = ChannelScaler.fit(series)
        scaled = [self.scaler.transform(values) for values in series]
        rows, targets = [], []
        for values in scaled:
            for t in range(self.order, len(values)):
                rows.append(np.concatenate([[1.0], *(values[t - lag] for lag in range(1, self.order + 1))]))
                targets.append(values[t])
        rows, targets = np.array(rows), np.array(targets)
        complete = np.isfinite(rows).all(axis=1) & np.isfinite(targets).all(axis=1)
        if complete.sum() <= rows.shape[1]:
            raise ValueError(f"too few complete steps ({int(complete.sum())}) to fit a VAR({self.order})")
        rows, targets = rows[complete], targets[complete]
        self.coefficients = np.linalg.lstsq(rows, targets, rcond=None)[0]  # (1 + order * C, C)
        residuals = targets - rows @ self.coefficients
        channels = targets.shape[1]
        self.noise = np.linalg.cholesky(np.cov(residuals.T).reshape(channels, channels) + 1e-9 * np.eye(channels))
        self.starts = [fill_gaps(values[: self.order]) for values in scaled if len(values) >= self.order]
        self.lengths = np.array([len(values) for values in series])
        return self

    def sample(self, n: int, seed: int = 0, length: int | None = None) -> list[np.ndarray]:
        """`n` series in the training data's units."""
        rng = np.random.default_rng(seed)
        channels = self.coefficients.shape[1]
        out = []
        for _ in range(n):
            steps = length or int(rng.choice(self.lengths))
            values = np.zeros((max(steps, self.order), channels))
            values[: self.order] = self.starts[rng.integers(len(self.starts))]
            for t in range(self.order, steps):
                lagged = np.concatenate([[1.0], *(values[t - lag] for lag in range(1, self.order + 1))])
                values[t] = lagged @ self.coefficients + self.noise @ rng.standard_normal(channels)
            out.append(self.scaler.inverse(values[:steps]))
        return out
