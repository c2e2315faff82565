"""Channels that move together within a step: the correlation of the model's own step noise.

Why: with fewer than `plan.MANY_CHANNELS` channels a step's distribution is a Gaussian per
channel (`StepDistribution` with rank 0), so given the past the generator draws each channel's
noise on its own. Where channels move together from one step to the next (a day's open, high, low
and close; a quarter's output, consumption and investment), what the means do not carry comes out
as independent noise: a day's high drawn under its low. Shared shocks learnt by likelihood (rank
> 0) made few-channel sets worse (docs/series.md); this is the closed-form alternative, the table
copula's analogue (`midigan.table.copula`): once training ends, the model reads the training
series by teacher forcing, its standardised residuals `(value - mean) / sigma` give a C x C
correlation matrix, and generation draws the step noise from it (each channel's own distribution
given the past is unchanged). Kept only where the validation that chose best.pt scores series drawn
with it no worse.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from torch import nn

from midigan.core.schedule import TrainResult
from midigan.series.model import SeriesFamily

ARTIFACT = "step_correlation"
FIT_SERIES = 2048  # training series read to fit the matrix
MIN_STEPS = 50  # fully observed steps needed to fit it
FLOOR = 1e-3  # smallest eigenvalue kept, so channels that move as one still have a Cholesky factor
SEED = 4242
CHECK_DRAWS = 4  # validation draws averaged with and without it


@torch.no_grad()
def residual_correlation(family: SeriesFamily, generator: nn.Module, packed: torch.Tensor) -> np.ndarray | None:
    """The correlation between channels of the standardised residuals of `generator` on packed
    scaled training series; None where the step distribution is not a Gaussian per channel (a
    mixture, or shared shocks of its own), for one channel, or for too few fully observed steps."""
    step, c = family.step, family.channels
    if c < 2 or step.components != 1 or step.rank:
        return None
    rng = torch.Generator().manual_seed(SEED)
    batch = packed[torch.randperm(len(packed), generator=rng)[:FIT_SERIES]]
    device = next(generator.parameters()).device
    z = torch.randn(len(batch), family.latent, generator=rng).to(device)
    _, mean, log_sigma, _ = step.split(generator.teacher_forced(batch.to(device), z).float().cpu())
    residuals = ((batch[..., :c] - mean[..., 0, :]) / log_sigma[..., 0, :].exp())[:, 1:]
    observed = (batch[:, 1:, c:2 * c] > 0.5).all(dim=-1)
    rows = residuals[observed].double().numpy()
    if len(rows) < MIN_STEPS:
        return None
    return nearest_correlation(np.nan_to_num(np.corrcoef(rows.T)))


def nearest_correlation(matrix: np.ndarray) -> np.ndarray:
    """A correlation matrix near `matrix`: symmetric, eigenvalues at least FLOOR, unit diagonal."""
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    fixed = vectors @ np.diag(np.clip(values, FLOOR, None)) @ vectors.T
    scale = np.sqrt(np.diag(fixed))
    return fixed / scale[:, None] / scale[None, :]


def coupling_factor(correlation: np.ndarray) -> torch.Tensor:
    """What `SeriesFamily.noise_with_flags` multiplies independent draws by (lower Cholesky factor)."""
    return torch.linalg.cholesky(torch.from_numpy(correlation).float())


def load_series(path: str | Path, device: torch.device | str = "cpu") -> tuple[SeriesFamily, nn.Module]:
    """(family, EMA generator) of a series checkpoint or run folder, drawing its step noise as the
    run's stored correlation says (independent where it has none: runs from before, refused fits)."""
    from midigan.core.checkpoint import load_model

    loaded = load_model(path, SeriesFamily, device)
    if ARTIFACT in loaded.artifacts:
        loaded.family.coupling = coupling_factor(loaded.artifacts[ARTIFACT].double().numpy())
    return loaded.family, loaded.generator


def calibrate_checkpoint(path: str | Path, packed: torch.Tensor, validation) -> str:
    """Fit the correlation for the generator in checkpoint `path` on packed training series and
    store it there unless the validation scores series drawn with it worse than without (no
    validation: stored); say what happened in one line."""
    from midigan.core.checkpoint import add_artifacts
    from midigan.core.validation import SCORE

    family, generator = load_series(path)
    correlation = residual_correlation(family, generator, packed)
    if correlation is None:
        add_artifacts(path, {}, drop=(ARTIFACT,))
        return "step coupling: none (one channel, too few whole steps, or a step distribution with shared shocks of its own)"
    strongest = float(np.abs(correlation - np.eye(len(correlation))).max())
    fit = f"residual correlations up to {strongest:.2f}"
    if validation is not None:
        family.coupling = None
        seeds = range(SEED, SEED + CHECK_DRAWS)
        without = float(np.mean([validation.measure(generator, family, seed)[SCORE] for seed in seeds]))
        family.coupling = coupling_factor(correlation)
        coupled = float(np.mean([validation.measure(generator, family, seed)[SCORE] for seed in seeds]))
        if coupled > without:
            add_artifacts(path, {}, drop=(ARTIFACT,))
            return f"step coupling: not kept ({fit}, but validation {coupled:.3f} with it against {without:.3f} without)"
        fit += f"; validation {without:.3f} -> {coupled:.3f}"
    add_artifacts(path, {ARTIFACT: torch.from_numpy(correlation)})
    return f"step coupling: {family.channels} channels' step noise drawn together ({fit})"


def calibrate_finished_run(result: TrainResult, packed: torch.Tensor, validation, say: Callable[[str], None]) -> None:
    """What `midigan series train` and `SeriesGAN.fit` do once training ends: fit the coupling on
    the checkpoint generation uses and `say` how it went; nothing for a run stopped by Ctrl-C (its
    resume will)."""
    from midigan.core.checkpoint import resolve_checkpoint

    if result.stopped != "interrupted":
        say(calibrate_checkpoint(resolve_checkpoint(result.run_dir), packed, validation))
