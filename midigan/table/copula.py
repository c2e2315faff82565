"""A Gaussian copula on the choices the table model makes independently, fitted once training ends.

Why: given its latent code, the generator draws each column's state, and each continuous score's
noise, independently of the other columns; and the code carries only part of a row (the VAE's KL
term keeps it short). What the code leaves out of two related numbers is then drawn as if they were
unrelated, so generated rows hold weaker correlations than the data: on fair.csv age and years
married correlate 0.90, generated 0.79; on mpg.csv city and highway miles 0.96, generated 0.67.
The copula draws those left-over choices from correlated normals instead: a numeric column of
states takes its state by inverse CDF over its values in order, a continuous column its score's
noise. Each column's distribution given the code stays what the model says.

Its correlation matrix is fitted after training, on the training rows only: start independent,
generate, compare the normal-score correlations of the numeric columns with the training rows',
move the matrix by the difference, and keep the best of a few such steps. Two guards, both learnt
from wine's 124 rows, where a copula fitted to every pair made rows easier to tell from held-out ones
and nearer the training rows: only pairs the model misses by more than twice a training
correlation's standard error are fitted (closing a smaller gap copies the training rows' chance
pattern), and the copula is kept only where the validation that chose best.pt scores rows drawn with
it better than rows drawn without. Only a k x k matrix is stored (k numeric columns), so no training
row can leak through it; a run without one (trained before it existed, stopped before the fit, or
refused by the check) draws as it always did.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch import nn

from midigan.core.schedule import TrainResult
from midigan.table.kinds import NUMERIC

ARTIFACT_COLUMNS = "copula_columns"
ARTIFACT_MATRIX = "copula_matrix"
FIT_ROWS = 4000  # rows generated per fitting step: a correlation's standard error about 0.016
FIT_STEPS = 6
SEED = 2468
CHECK_DRAWS = 4  # validation draws of rows with and without the copula, averaged (one draw's score moves by ~0.01)
NOISE_WIDTHS = 2.0  # standard errors of a training correlation that the fit leaves alone


@dataclass
class ResidualCopula:
    columns: list[int]  # indices (among the modelled columns) of the numeric columns it couples
    matrix: np.ndarray  # their correlation matrix

    @staticmethod
    def coupled_columns(family) -> list[int]:
        """The numeric columns with a choice to couple: a continuous score, or two values or more."""
        return [
            index
            for index, code in enumerate(family.encoding.codes)
            if code.kind in NUMERIC and (code.continuous or len(code.values) >= 2)
        ]

    def normals(self, n: int, generator: torch.Generator | None) -> torch.Tensor:
        """(n, k) standard normals with this copula's correlations."""
        factor = torch.from_numpy(np.linalg.cholesky(self.matrix)).float()
        return torch.randn(n, len(self.columns), generator=generator) @ factor.T

    def couple(self, family, inputs: torch.Tensor, generator: torch.Generator | None) -> dict[int, torch.Tensor]:
        """Draw the correlated normals for `inputs` (the generator's input, changed in place: a
        continuous column's score noise) and return the rest as uniforms by column, which
        `family.draw` turns into states by inverse CDF."""
        normals = self.normals(len(inputs), generator)
        scalar = family.encoding.scalar_columns
        uniforms = {}
        for place, column in enumerate(self.columns):
            if column in scalar:
                inputs[:, family.settings["noise_dim"] + scalar.index(column)] = normals[:, place].to(inputs.device)
            else:
                uniforms[column] = torch.special.ndtr(normals[:, place])
        return uniforms

    def artifacts(self) -> dict[str, torch.Tensor]:
        return {ARTIFACT_COLUMNS: torch.tensor(self.columns), ARTIFACT_MATRIX: torch.from_numpy(self.matrix)}

    @classmethod
    def from_artifacts(cls, artifacts: dict[str, torch.Tensor]) -> ResidualCopula | None:
        if ARTIFACT_MATRIX not in artifacts:
            return None
        return cls(artifacts[ARTIFACT_COLUMNS].tolist(), artifacts[ARTIFACT_MATRIX].double().numpy())


def fit_copula(validation, generator: nn.Module) -> tuple[ResidualCopula | None, float, float]:
    """(the copula, or None where fewer than two numeric columns have a choice or the model misses
    no pair beyond chance; the mean gap between the normal-score correlations of rows drawn as the
    validation draws them and of its training rows, without it; the same with it)."""
    family, typed = validation.family, validation.reference
    columns = ResidualCopula.coupled_columns(family)
    if len(columns) < 2:
        return None, 0.0, 0.0
    names = [family.encoding.codes[index].name for index in columns]
    target = normal_score_correlations(typed, names)
    # a correlation of n rows is known to about (1 - r^2) / sqrt(n), the training rows' and the drawn
    # rows' alike: a gap within twice that is noise, and closing it would copy the training rows'
    # chance pattern (wine's 124 rows: 13 columns)
    rows = len(next(iter(typed.values())))
    known_to = NOISE_WIDTHS * (1 - target**2) * np.sqrt(1 / rows + 1 / FIT_ROWS)
    off_diagonal = ~np.eye(len(columns), dtype=bool)
    matrix = np.eye(len(columns))
    gaps = []
    best = (np.inf, matrix)
    for step in range(FIT_STEPS + 1):
        copula = ResidualCopula(columns, matrix) if step else None
        drawn = normal_score_correlations(validation.fresh_rows(generator, copula, SEED + step, FIT_ROWS)[2], names)
        gap = float(np.abs(target - drawn)[off_diagonal].mean())
        gaps.append(gap)
        if gap < best[0]:
            best = (gap, matrix)
        if not step:
            missed = np.abs(target - drawn) > known_to  # the pairs the model gets wrong beyond chance
            if not missed.any():
                return None, gap, gap
        matrix = nearest_correlation(matrix + (target - drawn) * missed)
    return (ResidualCopula(columns, best[1]) if best[0] < gaps[0] else None), gaps[0], best[0]


def normal_score_correlations(typed: dict[str, np.ndarray], names: list[str]) -> np.ndarray:
    """Pearson correlations of the columns' normal scores (ranks through the normal quantile, ties
    at their mean rank, gaps at the median): what a Gaussian copula's matrix describes."""
    scores = []
    for name in names:
        values = typed[name].astype(float)
        present = ~np.isnan(values)
        ranks = np.zeros(len(values))
        if present.sum() > 1:
            ordered = pd.Series(values[present]).rank().to_numpy()  # ties at their mean rank
            ranks[present] = torch.special.ndtri(torch.from_numpy((ordered - 0.5) / present.sum())).numpy()
        scores.append(ranks)
    matrix = np.corrcoef(np.stack(scores))
    return np.nan_to_num(matrix, nan=0.0) + np.diag(np.isnan(np.diag(matrix)).astype(float))


def nearest_correlation(matrix: np.ndarray, floor: float = 1e-3) -> np.ndarray:
    """A correlation matrix near `matrix`: symmetric, eigenvalues at least `floor`, unit diagonal."""
    symmetric = (matrix + matrix.T) / 2
    values, vectors = np.linalg.eigh(symmetric)
    fixed = vectors @ np.diag(np.clip(values, floor, None)) @ vectors.T
    scale = np.sqrt(np.diag(fixed))
    return fixed / scale[:, None] / scale[None, :]


def calibrate_checkpoint(path: str | Path, validation) -> str:
    """Fit the copula for the generator in checkpoint `path` on the validation's training rows and
    store it there if the validation (what chose best.pt) scores rows drawn with it better than
    rows drawn without; say what happened in one line. Why the second test: on a small table whose
    columns relate one way in each group of rows (wine's three cultivars), one matrix for every row
    can make rows easier to tell from the training rows while their correlations come nearer."""
    from midigan.core.checkpoint import add_artifacts, load_model
    from midigan.core.validation import SCORE
    from midigan.table.family import TableFamily

    generator = load_model(path, TableFamily, torch.device("cpu")).generator
    copula, independent, coupled = fit_copula(validation, generator)
    if copula is None:
        add_artifacts(path, {}, drop=(ARTIFACT_COLUMNS, ARTIFACT_MATRIX))
        return "copula: none (fewer than two numeric columns, or no correlation missed beyond chance that coupling brings nearer)"
    seeds = range(SEED, SEED + CHECK_DRAWS)
    without = float(np.mean([validation.measure(generator, seed=seed)[SCORE] for seed in seeds]))
    with_copula = float(np.mean([validation.measure(generator, copula, seed)[SCORE] for seed in seeds]))
    fit = f"correlations {coupled:.3f} from the training rows' on average ({independent:.3f} drawn independently)"
    if with_copula >= without:
        add_artifacts(path, {}, drop=(ARTIFACT_COLUMNS, ARTIFACT_MATRIX))
        return f"copula: not kept ({fit}, but validation {with_copula:.3f} with it against {without:.3f} without)"
    add_artifacts(path, copula.artifacts())
    return f"copula: {len(copula.columns)} numeric columns coupled ({fit}; validation {without:.3f} -> {with_copula:.3f})"


def calibrate_finished_run(result: TrainResult, validation, say: Callable[[str], None]) -> None:
    """What `midigan table train` and `TableGAN.fit` do once training ends: fit the copula on the
    run's best.pt and `say` how it went; nothing for a run stopped by Ctrl-C (its resume will) or
    one without a best checkpoint."""
    from midigan.core.checkpoint import BEST, checkpoint_path

    if result.stopped != "interrupted" and result.best_step is not None:
        say(calibrate_checkpoint(checkpoint_path(result.run_dir, BEST), validation))
