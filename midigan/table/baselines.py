"""The two baselines every synthetic table is printed beside: each column drawn independently
from its training values (right shapes, no relationships), and a Gaussian copula (right shapes
and the linear part of every relationship), both on typed values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from midigan.table.kinds import NUMERIC, Column


def independent_columns(typed: dict[str, np.ndarray], rows: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Each column's values drawn with replacement from its training values, independently."""
    return {name: values[rng.integers(0, len(values), rows)] for name, values in typed.items()}


def gaussian_copula(
    typed: dict[str, np.ndarray], columns: list[Column], rows: int, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """A Gaussian copula (SDV's GaussianCopulaSynthesizer in outline): every column becomes a
    uniform variable (numbers by rank; categories, and gaps, by frequency intervals), then a normal
    score; new rows are drawn from the normal scores' correlation and mapped back through each
    column's own distribution."""
    modelled = [column for column in columns if column.name in typed]
    marginals = [_Marginal(typed[column.name], column.kind in NUMERIC, rng) for column in modelled]
    scores = np.stack([_normal_quantile(marginal.uniforms) for marginal in marginals], axis=1)
    correlation = np.nan_to_num(np.corrcoef(scores, rowvar=False), nan=0.0) if len(modelled) > 1 else np.ones((1, 1))
    np.fill_diagonal(correlation, 1.0)
    factor = np.linalg.cholesky(correlation + 1e-6 * np.eye(len(modelled)))
    drawn = _normal_cdf(rng.standard_normal((rows, len(modelled))) @ factor.T)
    return {
        column.name: marginal.values_at(drawn[:, index], rng)
        for index, (column, marginal) in enumerate(zip(modelled, marginals, strict=True))
    }


class _Marginal:
    """One column's distribution as a map to and from uniform variables."""

    def __init__(self, values: np.ndarray, numeric: bool, rng: np.random.Generator):
        self.numeric = numeric
        if numeric:
            gaps = np.isnan(values)
            self.gap_share = gaps.mean()
            self.present = np.sort(values[~gaps])
            ranks = np.empty(len(values))
            order = np.lexsort((rng.random((~gaps).sum()), values[~gaps]))  # ties broken at random
            present_ranks = np.empty(len(order))
            present_ranks[order] = np.arange(len(order))
            ranks[~gaps] = self.gap_share + (1 - self.gap_share) * (present_ranks + 0.5) / max(len(order), 1)
            ranks[gaps] = rng.random(gaps.sum()) * self.gap_share
            self.uniforms = ranks
        else:
            counts = pd.Series(values, dtype=object).fillna("\x00gap").value_counts(normalize=True)
            self.categories = np.array([None if value == "\x00gap" else value for value in counts.index], dtype=object)
            self.edges = np.concatenate([[0.0], np.cumsum(counts.to_numpy())])
            codes = counts.index.get_indexer(pd.Series(values, dtype=object).fillna("\x00gap"))
            self.uniforms = self.edges[codes] + rng.random(len(values)) * (self.edges[codes + 1] - self.edges[codes])

    def values_at(self, uniforms: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        if self.numeric:
            values = np.full(len(uniforms), np.nan)
            present = uniforms >= self.gap_share
            if len(self.present):
                share = (uniforms[present] - self.gap_share) / max(1 - self.gap_share, 1e-12)
                values[present] = np.quantile(self.present, np.clip(share, 0, 1))
            return values
        index = np.clip(np.searchsorted(self.edges, uniforms, side="right") - 1, 0, len(self.categories) - 1)
        return self.categories[index]


def _normal_quantile(levels: np.ndarray) -> np.ndarray:
    return torch.special.ndtri(torch.from_numpy(np.clip(levels, 1e-9, 1 - 1e-9))).numpy()


def _normal_cdf(scores: np.ndarray) -> np.ndarray:
    return torch.special.ndtr(torch.from_numpy(scores)).numpy()
