"""The near-copy guard: a generated row that lies abnormally close to a rare training row is drawn again.

Why: the exact copy guard (`guard`) misses a row that changes a training row's numbers by a
hair; on a small table a model can hand such rows back by the hundred (a VAE trained long on 150
rows did: 77% of its rows lay nearer a training row than training rows lie to each other).
"Close" is read on cells: a row's states as they are (category, frequent number, gap) and each
continuous value's rank among the training values (0 to 1) cut into `cells` equal slices, on
`GRIDS` grids shifted by a fraction of a slice each, so that two near values share a slice on
at least one grid. A generated row sharing a cell, on any grid, with 1 to K_ANONYMITY - 1
training rows is a near-copy; cells that many training rows share are common patterns and pass.

"Abnormally" is calibrated on the training rows themselves, left out one at a time: a real new
row shares a cell with a training row about as often as a training row shares one with the
*other* training rows. The guard takes the coarsest slices (2 per rank, then 4, 8, ... up to
`FINEST`) at which at most `FALSE_ALARMS` of the training rows would be refused that way (rows with an
exact duplicate aside: the exact guard's business), so it refuses about 1 real new row in 50 at
most, and far more of the rows a memorising model makes. (At 1 in 20, placements' last 65 rows,
held out, were refused 11% of the time: the estimate is rough on a small table, hence the margin.)
Not counted in that rate: a new row equal, cell for cell, to a rare training row, which is the exact
guard's business (it lets as many through as new real rows hold, see `guard`), so the near guard
leaves every row equal to a rare training row to it. Where even the finest slices refuse
more, or where the slices that do are all common patterns (a table of one or two numbers, where
real rows crowd each other), there is no near guard.

Like the exact guard it keeps 64-bit hashes of the rare cells, never the rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from midigan.table.guard import FALSE_ALARMS, K_ANONYMITY

GRIDS = 4
FINEST = 1024
MULTIPLIER = np.uint64(1_000_003)
HASHING = 2  # how cells are hashed (see `_combine`); a guard keeps the hashing it was fitted with


class NearCopyGuard:
    """Tells which generated rows share a rare cell with a training row (see the module docstring)."""

    def __init__(self, rare_hashes: np.ndarray, cells: int, false_alarms: float, hashing: int = HASHING):
        self.rare_hashes = np.sort(np.asarray(rare_hashes, dtype=np.int64))
        self.cells, self.false_alarms, self.hashing = int(cells), float(false_alarms), int(hashing)

    @classmethod
    def fit(cls, encoding, data: np.ndarray) -> NearCopyGuard | None:
        """The guard for encoded training rows (`TableEncoding.encode`'s matrix); None where no
        slicing keeps the false alarms of real rows under FALSE_ALARMS, or where the one that does
        leaves no rare cell (every cell a common pattern: nothing to refuse)."""
        states, ranks = _parts(encoding, np.asarray(data))
        fixed = _state_hash(states)
        exact = _rare_shared(_combine(fixed, _rank_keys(ranks, FINEST * 1024, 0.0)))
        cells = 2
        while cells <= FINEST:
            hashes = [_combine(fixed, _rank_keys(ranks, cells, grid / GRIDS), grid) for grid in range(GRIDS)]
            alarms = np.zeros(len(states), dtype=bool)
            for grid_hashes in hashes:
                alarms |= _rare_shared(grid_hashes)
            rate = float((alarms & ~exact).mean())
            if rate <= FALSE_ALARMS:
                break
            cells *= 2
        else:
            return None
        rare = np.concatenate([_rare_cells(grid_hashes) for grid_hashes in hashes])
        return cls(rare, cells, rate) if len(rare) else None

    def near_copies(self, encoding, states: np.ndarray, scores: np.ndarray) -> np.ndarray:
        """A boolean mask of generated rows (states and scores as `family.draw` gives them) the guard refuses."""
        matrix = np.concatenate([states, scores], axis=1)
        row_states, ranks = _parts(encoding, matrix)
        fixed = _state_hash(row_states)
        refused = np.zeros(len(states), dtype=bool)
        for grid in range(GRIDS):
            refused |= np.isin(_combine(fixed, _rank_keys(ranks, self.cells, grid / GRIDS), grid, self.hashing), self.rare_hashes)
        return refused

    def artifacts(self) -> dict[str, torch.Tensor]:
        return {
            "near_cell_hashes": torch.from_numpy(self.rare_hashes.copy()),
            "near_cells": torch.tensor([self.cells]),
            "near_false_alarms": torch.tensor([self.false_alarms], dtype=torch.float64),
            "near_hashing": torch.tensor([self.hashing]),
        }

    @classmethod
    def from_artifacts(cls, artifacts: dict[str, torch.Tensor]) -> NearCopyGuard | None:
        if "near_cell_hashes" not in artifacts:
            return None
        hashing = int(artifacts["near_hashing"][0]) if "near_hashing" in artifacts else 1  # guards from before kept theirs
        return cls(artifacts["near_cell_hashes"].numpy(), int(artifacts["near_cells"][0]), float(artifacts["near_false_alarms"][0]),
                   hashing)


def _parts(encoding, matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(state codes, ranks of continuous values; NaN off the continuous state)."""
    n_columns = len(encoding.codes)
    states = matrix[:, :n_columns].astype(np.int64)
    ranks = np.full((len(matrix), len(encoding.scalar_columns)), np.nan)
    for position, index in enumerate(encoding.scalar_columns):
        flowing = states[:, index] == encoding.codes[index].continuous_state
        scores = torch.from_numpy(matrix[flowing, n_columns + position].astype(np.float64))
        ranks[flowing, position] = torch.special.ndtr(scores).numpy()
    return states, ranks


def _state_hash(states: np.ndarray) -> np.ndarray:
    combined = np.zeros(len(states), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for column in states.T:
            combined = combined * MULTIPLIER ^ pd.util.hash_array(column)
    return combined


def _rank_keys(ranks: np.ndarray, cells: int, shift: float) -> np.ndarray:
    """Each rank's slice on a grid shifted by `shift` of a slice (-1 off the continuous state)."""
    keys = np.floor(ranks * cells + shift)
    return np.where(np.isnan(keys), -1, keys).astype(np.int64)


def _combine(fixed: np.ndarray, keys: np.ndarray, grid: int = 0, hashing: int = HASHING) -> np.ndarray:
    """One hash per row of its states, its rank slices and the grid. Hashing 1 (guards from before)
    XORed the grid straight onto the states' hash, so states a and b on grids b and a collided: a
    table whose last state column held 0 and 1 refused plain rows of it as near-copies."""
    grid_hash = pd.util.hash_array(np.full(len(fixed), grid, dtype=np.int64))
    with np.errstate(over="ignore"):
        combined = fixed ^ grid_hash if hashing == 1 else fixed * MULTIPLIER ^ grid_hash
        for column in keys.T:
            combined = combined * MULTIPLIER ^ pd.util.hash_array(column)
    return combined.view(np.int64)


def _rare_shared(hashes: np.ndarray) -> np.ndarray:
    """Rows whose cell holds 1 to K_ANONYMITY - 1 other rows: what leaving each out would refuse."""
    _, inverse, counts = np.unique(hashes, return_inverse=True, return_counts=True)
    shared = counts[inverse]
    return (shared >= 2) & (shared <= K_ANONYMITY)


def _rare_cells(hashes: np.ndarray) -> np.ndarray:
    cells, counts = np.unique(hashes, return_counts=True)
    return cells[counts < K_ANONYMITY]
