"""The copy guard: a generated row equal to a rare training row is drawn again.

Why "rare": a row shared by `K_ANONYMITY` or more training rows (in a table of a few ordinal
answers, a common pattern) identifies nobody and appears among fresh real rows as often, so
refusing it would only bend the distribution; a row that few training rows share may be one
person's. The guard keeps 64-bit hashes of those rows' written values (IDs and free text aside),
never the rows themselves. Rows are compared as they are written (numbers rounded to their
decimals, dates to their unit), so a copy is what a reader of the output would call one.

Where a table's rows repeat (a survey of a few ordinal answers), new real rows equal rare training
rows too: on fair.csv 19% of held-out rows do, and refusing every such generated row bent the
columns (shapes 0.955 against 0.979 without the guard, on the same weights). The guard therefore
lets such rows through as often as new real rows hold them, read on the training rows each left
out (a row whose pattern 1 to K_ANONYMITY - 1 other training rows share), and draws only the
excess again; where that share is under FALSE_ALARMS, as in a table of distinct rows, every one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from midigan.table.kinds import NUMERIC, Column
from midigan.table.written import canonical

K_ANONYMITY = 5
FALSE_ALARMS = 0.02  # a guard may refuse this share of new real rows; past it, a table's rows repeat
ALLOWANCE_STREAM = 7919  # the random stream that picks which copies go through (the rows' own stream stays as it was)
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
    """Tells which generated rows equal a training row that fewer than K_ANONYMITY training rows
    share, and which of them to draw again (see the module docstring)."""

    def __init__(self, rare_hashes: np.ndarray, allowed_share: float = 0.0):
        self.rare_hashes = np.sort(np.asarray(rare_hashes, dtype=np.int64))
        self.allowed_share = float(allowed_share)  # of the rows kept, those that may equal a rare training row

    @classmethod
    def from_rows(cls, typed: dict[str, np.ndarray], columns: list[Column]) -> CopyGuard:
        hashes, inverse, counts = np.unique(row_hashes(typed, columns), return_inverse=True, return_counts=True)
        shared = counts[inverse]  # each training row's pattern: how many training rows hold it
        real_share = float(np.mean((shared >= 2) & (shared <= K_ANONYMITY)))  # left out, it equals 1 to K - 1 others
        return cls(hashes[counts < K_ANONYMITY], real_share if real_share > FALSE_ALARMS else 0.0)

    def copies(self, typed: dict[str, np.ndarray], columns: list[Column]) -> np.ndarray:
        """A boolean mask of the rows equal to a rare training row."""
        return np.isin(row_hashes(typed, columns), self.rare_hashes)

    def refused(self, equal: np.ndarray, candidates: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Which rows of `equal` (rows equal to a rare training row, among the `candidates` a batch
        would keep) to draw again: all of them, but for as many, picked at random, as make
        `allowed_share` of the rows kept."""
        if not self.allowed_share or not equal.any():
            return equal
        plain = int((candidates & ~equal).sum())
        allowance = self.allowed_share / (1 - self.allowed_share) * plain
        through = rng.choice(np.flatnonzero(equal), min(int(equal.sum()), int(allowance + rng.random())), replace=False)
        refused = equal.copy()
        refused[through] = False
        return refused

    def artifacts(self) -> dict[str, torch.Tensor]:
        return {
            "rare_row_hashes": torch.from_numpy(self.rare_hashes.copy()),
            "rare_row_share": torch.tensor([self.allowed_share], dtype=torch.float64),
        }

    @classmethod
    def from_artifacts(cls, artifacts: dict[str, torch.Tensor]) -> CopyGuard | None:
        hashes = artifacts.get("rare_row_hashes")
        if hashes is None:
            return None
        share = artifacts.get("rare_row_share")  # runs from before refuse every copy
        return cls(hashes.numpy(), 0.0 if share is None else float(share[0]))
