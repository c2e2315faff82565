"""SDMetrics' quality report, written out: column shapes and column pair trends of typed values.

The definitions follow SDMetrics 0.32 (`QualityReport`), so figures compare with published ones
without the package: column shapes average the KS complement (numbers and dates, gaps dropped)
and the total-variation complement (categories and booleans, gaps dropped); column pair trends
average, over the pairs of modelled columns that are related in the real rows, the correlation
similarity 1 - |r_real - r_synth| / 2 (two numeric columns, Pearson, rows where both are present;
related: |r_real| > 0.5) or the contingency similarity 1 - TV of the joint distributions (any
other pair; numbers cut into 10 histogram bins, the real and the synthetic column each by its own
edges, as SDMetrics does; gaps a value of their own; related: Cramer's V of the real contingency
table > 0.3). Checked against SDMetrics itself by benchmarks/tables.py. With `related_only=False` every pair
counts (what training validation uses: a table without strong relationships still has a signal).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from midigan.table.kinds import NUMERIC, Column

BINS = 10
CORRELATION_THRESHOLD = 0.5  # SDMetrics' DEFAULT_REAL_CORRELATION_THRESHOLD
ASSOCIATION_THRESHOLD = 0.3  # SDMetrics' DEFAULT_REAL_ASSOCIATION_THRESHOLD (Cramer's V)


def column_shapes(real: dict[str, np.ndarray], synthetic: dict[str, np.ndarray], columns: list[Column]) -> dict[str, float]:
    """Per modelled column, its shape score (1 = the same distribution); NaN where a side is empty."""
    scores = {}
    for column in columns:
        if not column.modelled:
            continue
        a, b = real[column.name], synthetic[column.name]
        scores[column.name] = ks_complement(a, b) if column.kind in NUMERIC else tv_complement(a, b)
    return scores


def ks_complement(real: np.ndarray, synthetic: np.ndarray) -> float:
    real, synthetic = np.sort(real[~np.isnan(real)]), np.sort(synthetic[~np.isnan(synthetic)])
    if not len(real) or not len(synthetic):
        return float("nan")
    points = np.concatenate([real, synthetic])
    gap = np.abs(
        np.searchsorted(real, points, side="right") / len(real)
        - np.searchsorted(synthetic, points, side="right") / len(synthetic)
    )
    return 1.0 - float(gap.max())


def tv_complement(real: np.ndarray, synthetic: np.ndarray) -> float:
    real, synthetic = pd.Series(real, dtype=object).dropna(), pd.Series(synthetic, dtype=object).dropna()
    if not len(real) or not len(synthetic):
        return float("nan")
    p, q = real.value_counts(normalize=True), synthetic.value_counts(normalize=True)
    p, q = p.align(q, fill_value=0.0)
    return 1.0 - 0.5 * float(np.abs(p - q).sum())


def pair_trends(
    real: dict[str, np.ndarray], synthetic: dict[str, np.ndarray], columns: list[Column], related_only: bool = True
) -> dict[tuple[str, str], float]:
    """Per pair of modelled columns, its trend score (1 = the same relationship); NaN where
    undefined or, with `related_only`, where the real columns are not related."""
    modelled = [column for column in columns if column.modelled]
    codes = {column.name: _joint_codes(real[column.name], synthetic[column.name], column) for column in modelled}
    numeric = {column.name: place for place, column in enumerate(c for c in modelled if c.kind in NUMERIC)}
    real_r, synth_r = (pearson_matrix([side[name] for name in numeric]) if numeric else None for side in (real, synthetic))
    scores = {}
    for i, first in enumerate(modelled):
        for second in modelled[i + 1 :]:
            if first.name in numeric and second.name in numeric:
                r, s = (matrix[numeric[first.name], numeric[second.name]] for matrix in (real_r, synth_r))
                related = abs(r) > CORRELATION_THRESHOLD
                score = float("nan") if np.isnan(r) or np.isnan(s) else 1.0 - abs(r - s) / 2
            else:
                related = _cramers_v(codes[first.name], codes[second.name]) > ASSOCIATION_THRESHOLD
                score = _contingency_similarity(codes[first.name], codes[second.name])
            scores[(first.name, second.name)] = score if related or not related_only else float("nan")
    return scores


ROWS_AT_ONCE = 65_536  # rows `pearson_matrix` sums at a time: memory in proportion to the columns, not to the table


def pearson_matrix(columns: list[np.ndarray]) -> np.ndarray:
    """Pearson correlations of every pair of `columns`, each over the rows where both are present
    (NaN where fewer than two, or where either is constant on them), as `np.corrcoef` gives them
    pair by pair. Why all at once: pair by pair, the 19,900 pairs of a 200-column table took 6 to 11 s
    per validation, and the copula's check runs eight of them after training. Sums over blocks of
    rows, so a million rows cost no more memory than 65,536; a pair whose shared rows barely vary
    beside the column's whole spread (a date over years, the other column present one minute) loses
    the sums' precision and is computed on its own rows instead."""
    count = len(columns)
    present_counts = [int(np.count_nonzero(~np.isnan(column))) for column in columns]
    means = np.array([np.nanmean(column) if present else 0.0 for column, present in zip(columns, present_counts, strict=True)])
    both, sums, squares, products = (np.zeros((count, count)) for _ in range(4))
    for start in range(0, len(columns[0]) if count else 0, ROWS_AT_ONCE):
        values = np.stack([column[start:start + ROWS_AT_ONCE] for column in columns], axis=1).astype(float)
        present = ~np.isnan(values)
        centred = np.where(present, values - means, 0.0)  # centred first, so sums of squares keep their precision
        weights = present.astype(float)
        both += weights.T @ weights  # [i, j]: rows where i and j are present
        sums += centred.T @ weights  # [i, j]: the sum of i over those rows
        squares += (centred**2).T @ weights
        products += centred.T @ centred
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = squares - sums**2 / both  # [i, j]: i's sum of squared deviations over those rows
        covariance = products - sums * sums.T / both
        imprecise = (spread <= 1e-9 * squares) | (spread.T <= 1e-9 * squares.T)
        r = np.where(imprecise | (both < 2), np.nan, np.clip(covariance / np.sqrt(spread * spread.T), -1.0, 1.0))
    varying = np.array([present > 1 and np.nanstd(column) > 0 for column, present in zip(columns, present_counts, strict=True)])
    for i, j in zip(*np.nonzero(np.triu(imprecise & (both >= 2) & varying[:, None] & varying[None, :], 1)), strict=True):
        r[i, j] = r[j, i] = _pearson(columns[i], columns[j])
    return r


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    both = ~np.isnan(a) & ~np.isnan(b)
    a, b = a[both].astype(float), b[both].astype(float)
    if len(a) < 2 or a.std() == 0 or b.std() == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def _joint_codes(real: np.ndarray, synthetic: np.ndarray, column: Column) -> tuple[np.ndarray, np.ndarray, int]:
    """(real codes, synthetic codes, number of codes): numbers by 10 histogram bins, each side by
    its own bin edges as SDMetrics 0.32 does (gaps land past the last edge), categories by value
    with gaps as one."""
    if column.kind in NUMERIC:
        return _bins(real), _bins(synthetic), BINS + 2
    joined = pd.Series(np.concatenate([real, synthetic]), dtype=object).fillna("\x00gap")
    codes, uniques = pd.factorize(joined)
    return codes[: len(real)], codes[len(real) :], len(uniques)


def _bins(values: np.ndarray) -> np.ndarray:
    present = values[~np.isnan(values)]
    edges = np.histogram_bin_edges(present, bins=BINS) if len(present) else np.arange(BINS + 1, dtype=float)
    return np.digitize(values, edges)


def _contingency_similarity(first: tuple, second: tuple) -> float:
    (real_a, synth_a, width_a), (real_b, synth_b, width_b) = first, second
    cells = width_a * width_b
    p = np.bincount(real_a * width_b + real_b, minlength=cells) / len(real_a)
    q = np.bincount(synth_a * width_b + synth_b, minlength=cells) / len(synth_a)
    return 1.0 - 0.5 * float(np.abs(p - q).sum())


def _cramers_v(first: tuple, second: tuple) -> float:
    """Cramer's V of the real rows' contingency table (no continuity correction), as SDMetrics reads it."""
    (real_a, _, width_a), (real_b, _, width_b) = first, second
    table = np.bincount(real_a * width_b + real_b, minlength=width_a * width_b).reshape(width_a, width_b).astype(float)
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    if min(table.shape) < 2:
        return float("nan")
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / table.sum()
    chi2 = float(((table - expected) ** 2 / expected).sum())
    return float(np.sqrt(chi2 / (table.sum() * (min(table.shape) - 1))))


def quality(
    real: dict[str, np.ndarray], synthetic: dict[str, np.ndarray], columns: list[Column], related_only: bool = True
) -> tuple[float, float]:
    """(column shapes, column pair trends): the means SDMetrics' quality report gives (NaNs left out)."""
    shapes = list(column_shapes(real, synthetic, columns).values())
    pairs = list(pair_trends(real, synthetic, columns, related_only).values())
    return _mean(shapes), _mean(pairs)


def _mean(values: list[float]) -> float:
    values = [value for value in values if not np.isnan(value)]
    return float(np.mean(values)) if values else float("nan")
