"""The distribution the generator gives one step's values: a mixture of `components` Gaussians over
all channels at once, each with a diagonal plus rank-`rank` covariance.

Why not a Gaussian per channel (`components=1, rank=0`, the simplest case of this one): given the
past, it draws every channel of a step independently, so channels that move together within a
step (a day's open, high, low and close; the temperatures of one house) come out as independent
noise around their means. The rank-`rank` factor gives them shared shocks; the mixture gives
steps with several likely outcomes (a meter that is either off or on, a series that may turn).

Values are `mean_k + sigma_k * eps + factor_k @ eta` for the chosen component k, with `eps` and
`eta` standard normal draws, so the adversarial gradient flows through every sampled value; the
component is chosen by Gumbel-max with a straight-through gradient to the mixing weights.
Missing values are marginalised out exactly (their rows of the covariance dropped).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

LOG_SIGMA_RANGE = (-7.0, 2.0)  # a value's own standard deviation stays within e^-7 to e^2 scaled units


@dataclass(frozen=True)
class StepDistribution:
    channels: int
    components: int = 1
    rank: int = 0

    @property
    def per_component(self) -> int:
        """Numbers one component takes of the head's output: its logit, means, log sigmas and factors."""
        return 1 + (2 + self.rank) * self.channels

    @property
    def outputs(self) -> int:
        """Numbers the generator's head emits per step."""
        return self.components * self.per_component

    @property
    def draws(self) -> int:
        """Noise numbers one step consumes: eps, eta and (with a mixture) a uniform per component."""
        return self.channels + self.rank + (self.components if self.components > 1 else 0)

    def split(self, raw: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """Head output `(..., outputs)` -> log mixing weights `(..., K)`, means and log sigmas
        `(..., K, C)`, factors `(..., K, C, rank)`."""
        k, c, r = self.components, self.channels, self.rank
        raw = raw.unflatten(-1, (k, self.per_component))
        logits, mean, log_sigma, factor = raw.split([1, c, c, r * c], dim=-1)
        return (F.log_softmax(logits.squeeze(-1), dim=-1), mean, log_sigma.clamp(*LOG_SIGMA_RANGE),
                factor.unflatten(-1, (c, r)))

    def with_means_moved(self, raw: torch.Tensor, offset: torch.Tensor) -> torch.Tensor:
        """Head output `raw` with `offset` `(..., C)` added to every component's means."""
        padded = F.pad(offset[..., None, :], (1, self.per_component - 1 - self.channels))
        return (raw.unflatten(-1, (self.components, self.per_component)) + padded).flatten(-2)

    def negative_log_likelihood(self, raw: torch.Tensor, values: torch.Tensor, observed: torch.Tensor) -> torch.Tensor:
        """-log density (without the 0.5 log 2 pi per value) of each step's observed values, `(...)`."""
        log_weights, mean, log_sigma, factor = self.split(raw)
        mask = observed[..., None, :]  # (..., 1, C)
        residual = (values[..., None, :] - mean) * mask
        inverse_variance = torch.exp(-2 * log_sigma) * mask
        quadratic = (residual ** 2 * inverse_variance).sum(-1)
        log_det = 2 * (log_sigma * mask).sum(-1)
        if self.rank:  # Woodbury: (D + F F^T)^-1 and its determinant through the rank x rank capacitance
            scaled_factor = factor * inverse_variance[..., None]  # D^-1 F, 0 on missing rows
            capacitance = torch.eye(self.rank, device=raw.device, dtype=raw.dtype) + factor.transpose(-1, -2) @ scaled_factor
            cholesky = torch.linalg.cholesky(capacitance)
            projected = (scaled_factor * residual[..., None]).sum(-2)[..., None]  # F^T D^-1 r
            solved = torch.linalg.solve_triangular(cholesky, projected, upper=False)
            quadratic = quadratic - (solved ** 2).sum((-1, -2))
            log_det = log_det + 2 * torch.log(torch.diagonal(cholesky, dim1=-2, dim2=-1)).sum(-1)
        per_component = 0.5 * (quadratic + log_det)
        if self.components == 1:
            return per_component[..., 0]
        return -torch.logsumexp(log_weights - per_component, dim=-1)

    def sample(self, raw: torch.Tensor, draws: torch.Tensor) -> torch.Tensor:
        """Values `(..., C)` from head output `(..., outputs)` and `draws` `(..., self.draws)`."""
        c, r = self.channels, self.rank
        log_weights, mean, log_sigma, factor = self.split(raw)
        eps, eta = draws[..., None, :c], draws[..., c:c + r]
        values = mean + log_sigma.exp() * eps
        if r:
            values = values + (factor @ eta[..., None, :, None]).squeeze(-1)
        if self.components == 1:
            return values[..., 0, :]
        uniform = draws[..., c + r:].clamp(1e-6, 1 - 1e-6)
        scores = log_weights - torch.log(-torch.log(uniform))
        soft = torch.softmax(scores, dim=-1)
        chosen = F.one_hot(scores.argmax(-1), self.components).to(soft.dtype)
        weights = chosen + soft - soft.detach()  # the chosen component forward, the soft choice's gradient back
        return (weights[..., None] * values).sum(-2)
