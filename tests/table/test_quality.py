"""The quality figures that choose best.pt: correlations of every numeric pair at once, as pair by pair."""

from __future__ import annotations

import numpy as np
import pytest

from midigan.table.kinds import Column
from midigan.table.quality import pair_trends, pearson_matrix


def _pairwise(a: np.ndarray, b: np.ndarray) -> float:
    both = ~np.isnan(a) & ~np.isnan(b)
    a, b = a[both], b[both]
    if len(a) < 2 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def _columns(rows: int = 300) -> dict[str, np.ndarray]:
    """Related numbers with gaps in different rows, years (a large mean, a small spread), a column
    constant where another is present, and one almost empty."""
    rng = np.random.default_rng(3)
    base = rng.normal(size=rows)
    columns = {
        "a": base + 0.3 * rng.normal(size=rows),
        "b": -2 * base + rng.normal(size=rows),
        "year": np.round(2000 + 5 * base + rng.normal(size=rows)),
        "c": rng.exponential(size=rows) * 1e6,
        "flat": np.where(np.arange(rows) < rows // 2, 7.0, np.nan),
        "step": np.where(np.arange(rows) < rows // 2, np.nan, 1.0 * np.arange(rows)),
        "lone": np.full(rows, np.nan),
    }
    columns["lone"][5] = 1.0
    for name in ("a", "b", "year"):
        columns[name][rng.random(rows) < 0.2] = np.nan
    return columns


def test_pearson_matrix_gives_each_pair_its_own_correlation_over_the_rows_both_hold() -> None:
    columns = _columns()
    names = list(columns)
    matrix = pearson_matrix(list(columns.values()))
    for i, first in enumerate(names):
        for j, second in enumerate(names):
            if i != j:
                np.testing.assert_allclose(
                    matrix[i, j], _pairwise(columns[first], columns[second]), atol=1e-9, err_msg=f"{first}, {second}"
                )
    assert np.isnan(matrix[names.index("flat"), names.index("a")])  # constant on the rows it holds
    assert np.isnan(matrix[names.index("flat"), names.index("step")])  # no row holds both


def test_numeric_pair_trends_score_each_pair_by_its_correlations() -> None:
    real, synthetic = _columns(), {name: values[::-1].copy() for name, values in _columns(300).items()}
    synthetic["b"] = synthetic["a"] * 0.5 + np.random.default_rng(1).normal(size=300)
    columns = [Column(name, "number") for name in real]
    scores = pair_trends(real, synthetic, columns, related_only=False)
    for (first, second), score in scores.items():
        r, s = _pairwise(real[first], real[second]), _pairwise(synthetic[first], synthetic[second])
        np.testing.assert_allclose(score, 1 - abs(r - s) / 2, atol=1e-9, err_msg=f"{first}, {second}")
    related = pair_trends(real, synthetic, columns)
    assert {pair for pair, score in related.items() if not np.isnan(score)} == {("a", "b"), ("a", "year"), ("b", "year")}


def test_pearson_matrix_keeps_a_pair_whose_shared_rows_barely_vary_beside_the_whole_column(monkeypatch) -> None:
    """A date over years beside a column present for one minute: the sums centred on the date's
    mean cancelled to nothing on that minute, and a correlation of 0.95 came out NaN. Rows summed a
    block at a time give what one block gives."""
    rng = np.random.default_rng(0)
    minute = 1.6e9 + np.sort(rng.uniform(0, 60, 60))
    stamps = np.r_[1.5e9 + np.sort(rng.uniform(0, 3e8, 2000)), minute]
    reading = np.r_[np.full(2000, np.nan), (minute - minute[0]) + rng.normal(0, 6, 60)]
    matrix = pearson_matrix([stamps, reading])
    assert matrix[0, 1] == pytest.approx(_pairwise(stamps, reading), abs=1e-9) and matrix[0, 1] > 0.9
    whole = pearson_matrix(list(_columns().values()))
    monkeypatch.setattr("midigan.table.quality.ROWS_AT_ONCE", 7)
    np.testing.assert_allclose(pearson_matrix(list(_columns().values())), whole, atol=1e-12)
