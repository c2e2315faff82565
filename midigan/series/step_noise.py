"""The step noise calibrated on the training series once training ends: a window's first step and
how channels move together.

Why: with fewer than `plan.MANY_CHANNELS` channels a step's distribution is a Gaussian per
channel (`StepDistribution` with rank 0), so given the past the generator draws each channel's
noise on its own. Where channels move together from one step to the next (a day's open, high, low
and close), what the means do not carry comes out as independent noise: a day's high drawn under
its low. And a window's first step has no past: likelihood learns its Gaussian from a 24th of the
steps (on Stocks, a likelihood model's was nearly twice as wide as the first steps' spread and
independent across channels, so windows jumped from their first step to their second with eleven
times the real spread). Shared shocks learnt by likelihood (rank > 0) made few-channel sets worse
(docs/series.md); this is the closed-form alternative, the table copula's analogue
(`midigan.table.copula`): the model reads the training series by teacher forcing, and its
standardised residuals `(value - mean) / sigma` give the first step's mean and covariance and
the later steps' correlation between channels; generation draws the noise from those (a later
step's channel distribution given the past is unchanged). Kept only where the validation that
chose best.pt scores series drawn with it no worse: an adversarial checkpoint may carry a
window's level in its latent vector, which teacher forcing (with a random one) cannot read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from midigan.core.schedule import TrainResult
from midigan.series.metrics import correlations
from midigan.series.model import SeriesFamily

FIRST_SHIFT, FIRST_COVARIANCE, LATER_CORRELATION = "first_step_shift", "first_step_covariance", "step_correlation"
ARTIFACTS = (FIRST_SHIFT, FIRST_COVARIANCE, LATER_CORRELATION)
FIT_SERIES = 2048  # training series read to fit it
MIN_STEPS = 50  # fully observed later steps needed to fit the correlation
MIN_FIRST = 20  # fully observed first steps needed to fit their shift and covariance (else left as drawn)
FLOOR = 1e-3  # smallest eigenvalue kept (a share of the largest), so channels that move as one still have a Cholesky factor
SEED = 4242
CHECK_DRAWS = 4  # validation draws averaged with and without it


@dataclass
class StepNoise:
    """The step noise as drawn once calibrated: the first step's from N(shift, covariance), every
    later step's from N(0, correlation), each given as its lower Cholesky factor."""

    first_shift: torch.Tensor  # (C,)
    first_factor: torch.Tensor  # (C, C)
    later_factor: torch.Tensor  # (C, C)

    def __call__(self, normal: torch.Tensor) -> torch.Tensor:
        """Independent standard normal draws `(n, steps, C)` -> calibrated ones."""
        first = normal[:, :1] @ self.first_factor.to(normal.device).T + self.first_shift.to(normal.device)
        return torch.cat([first, normal[:, 1:] @ self.later_factor.to(normal.device).T], dim=1)

    @classmethod
    def from_moments(cls, shift: np.ndarray, covariance: np.ndarray, correlation: np.ndarray) -> StepNoise:
        return cls(torch.from_numpy(shift).float(), *(torch.linalg.cholesky(torch.from_numpy(matrix).float())
                                                      for matrix in (covariance, correlation)))


@torch.no_grad()
def residual_moments(family: SeriesFamily, generator: nn.Module, packed: torch.Tensor
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(first step's mean, first step's covariance, later steps' correlation) of the standardised
    residuals of `generator` on packed scaled training series; None where the step distribution is
    not a Gaussian per channel (a mixture, or shared shocks of its own) or too few steps are fully
    observed. With too few first steps, those are left as drawn (mean 0, covariance I)."""
    step, c = family.step, family.channels
    if step.components != 1 or step.rank:
        return None
    rng = torch.Generator().manual_seed(SEED)
    batch = packed[torch.randperm(len(packed), generator=rng)[:FIT_SERIES]]
    device = next(generator.parameters()).device
    z = torch.randn(len(batch), family.latent, generator=rng).to(device)
    _, mean, log_sigma, _ = step.split(generator.teacher_forced(batch.to(device), z).float().cpu())
    residuals = (batch[..., :c] - mean[..., 0, :]) / log_sigma[..., 0, :].exp()
    held = step.held(batch[..., :c], batch[..., c:2 * c], *family.previous_steps(batch))
    residuals = (residuals * (1 - held)).double().numpy()  # a kept value drew no noise: it adds none to the fit
    observed = (batch[..., c:2 * c] > 0.5).all(dim=-1).numpy()
    first, later = residuals[:, 0][observed[:, 0]], residuals[:, 1:][observed[:, 1:]]
    if len(later) < MIN_STEPS:
        return None
    correlation = _well_conditioned(correlations(later), unit_diagonal=True)
    if len(first) < MIN_FIRST:
        return np.zeros(c), np.eye(c), correlation
    return first.mean(axis=0), _well_conditioned(np.cov(first.T).reshape(c, c), unit_diagonal=False), correlation


def _well_conditioned(matrix: np.ndarray, unit_diagonal: bool) -> np.ndarray:
    """`matrix` made symmetric with eigenvalues at least FLOOR of its largest (and, for a
    correlation, its diagonal rescaled back to 1)."""
    values, vectors = np.linalg.eigh(np.nan_to_num((matrix + matrix.T) / 2))
    fixed = vectors @ np.diag(np.clip(values, FLOOR * max(values.max(), FLOOR), None)) @ vectors.T
    if not unit_diagonal:
        return fixed
    scale = np.sqrt(np.diag(fixed))
    return fixed / scale[:, None] / scale[None, :]


def load_series(path: str | Path, device: torch.device | str = "cpu") -> tuple[SeriesFamily, nn.Module]:
    """(family, EMA generator) of a series checkpoint or run folder, drawing its step noise as the
    run's stored calibration says (independent standard normals where it has none: runs from
    before, refused fits)."""
    from midigan.core.checkpoint import load_model

    loaded = load_model(path, SeriesFamily, device)
    if all(name in loaded.artifacts for name in ARTIFACTS):
        loaded.family.step_noise = StepNoise.from_moments(*(loaded.artifacts[name].double().numpy() for name in ARTIFACTS))
    return loaded.family, loaded.generator


def calibrate_checkpoint(path: str | Path, packed: torch.Tensor, validation) -> str:
    """Fit the step noise for the generator in checkpoint `path` on packed training series and
    store it there unless the validation scores series drawn with it worse than without (no
    validation: stored); say what happened in one line."""
    from midigan.core.checkpoint import add_artifacts
    from midigan.core.validation import SCORE

    family, generator = load_series(path)
    moments = residual_moments(family, generator, packed)
    if moments is None:
        add_artifacts(path, {}, drop=ARTIFACTS)
        own = family.step.rank or family.step.components != 1
        why = "a step distribution with shared shocks or components of its own" if own else "too few whole steps to read"
        return f"step noise: as drawn ({why})"
    shift, covariance, correlation = moments
    strongest = float(np.abs(correlation - np.eye(len(correlation))).max())
    fit = (f"first step's residuals spread {np.sqrt(np.diag(covariance)).mean():.2f} of the model's, "
           f"later steps' correlated up to {strongest:.2f}")
    if validation is not None:
        family.step_noise = None
        seeds = range(SEED, SEED + CHECK_DRAWS)
        without = float(np.mean([validation.measure(generator, family, seed)[SCORE] for seed in seeds]))
        family.step_noise = StepNoise.from_moments(*moments)
        calibrated = float(np.mean([validation.measure(generator, family, seed)[SCORE] for seed in seeds]))
        if calibrated > without:
            add_artifacts(path, {}, drop=ARTIFACTS)
            return f"step noise: as drawn ({fit}; validation {calibrated:.3f} calibrated against {without:.3f} as drawn)"
        fit += f"; validation {without:.3f} -> {calibrated:.3f}"
    add_artifacts(path, {name: torch.from_numpy(value) for name, value in zip(ARTIFACTS, moments)})
    return f"step noise: calibrated ({fit})"


def calibrate_finished_run(result: TrainResult, packed: torch.Tensor, validation, say: Callable[[str], None]) -> None:
    """What `midigan series train` and `SeriesGAN.fit` do once training ends: calibrate the step
    noise of the checkpoint generation uses and `say` how it went; nothing for a run stopped by
    Ctrl-C (its resume will)."""
    from midigan.core.checkpoint import resolve_checkpoint

    if result.stopped != "interrupted":
        say(calibrate_checkpoint(resolve_checkpoint(result.run_dir), packed, validation))
