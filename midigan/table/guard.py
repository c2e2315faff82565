"""The copy guard: a generated row equal to a rare training row is drawn again.

Why "rare": a row shared by `K_ANONYMITY` or more training rows (in a table of a few ordinal
answers, a common pattern) identifies nobody and appears among fresh real rows as often, so
refusing it would only bend the distribution; a row that few training rows share may be one
person's. The guard keeps 64-bit hashes of those rows' written values (IDs and free text aside),
never the rows themselves. Rows are compared as they are written (numbers rounded to their
decimals, dates to their unit), so a copy is what a reader of the output would call one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from midigan.table.kinds import NUMERIC, Column
from midigan.table.written import canonical

K_ANONYMITY = 5
GAP = -1.2345678901234567e300  # stands for a missing number in a hash


def row_hashes(typed: dict[str, np.ndarray], columns: list[Column]) -> np.ndarray:
    """One 64-bit hash (int64) per row of the modelled columns' written values."""
    values = canonical(typed, columns)
    combined = None
    for column in columns:
        if column.name not in values:
            continue
        data = values[column.name]
        if column.kind in NUMERIC:
            hashed = pd.util.hash_array(np.where(np.isnan(data), GAP, data))
        else:
            hashed = pd.util.hash_array(pd.Series(data, dtype=object).fillna("\x00gap").to_numpy(dtype=object))
        with np.errstate(over="ignore"):
            combined = hashed if combined is None else combined * np.uint64(1_000_003) ^ hashed
    return combined.view(np.int64)


class CopyGuard:
    """Tells which generated rows equal a training row that fewer than K_ANONYMITY training rows share."""

    def __init__(self, rare_hashes: np.ndarray):
        self.rare_hashes = np.sort(np.asarray(rare_hashes, dtype=np.int64))

    @classmethod
    def from_rows(cls, typed: dict[str, np.ndarray], columns: list[Column]) -> CopyGuard:
        hashes, counts = np.unique(row_hashes(typed, columns), return_counts=True)
        return cls(hashes[counts < K_ANONYMITY])

    def copies(self, typed: dict[str, np.ndarray], columns: list[Column]) -> np.ndarray:
        """A boolean mask of the rows the guard refuses."""
        return np.isin(row_hashes(typed, columns), self.rare_hashes)

    def artifacts(self) -> dict[str, torch.Tensor]:
        return {"rare_row_hashes": torch.from_numpy(self.rare_hashes.copy())}

    @classmethod
    def from_artifacts(cls, artifacts: dict[str, torch.Tensor]) -> CopyGuard | None:
        hashes = artifacts.get("rare_row_hashes")
        return None if hashes is None else cls(hashes.numpy())
