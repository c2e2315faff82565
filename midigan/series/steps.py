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

Channels in `holds` may also keep their previous value exactly: a hold gate, a Bernoulli per
channel and step whose probability the head gives, is drawn first, and only where it opens is the
value the Gaussian's. Why: a light switch stays at a level for hours and then jumps, and a sensor
repeats its last reading; a Gaussian step can do neither (on the 28-channel tuning set generated
lights were dark on 77% of steps against 61%, and whole windows dark on 17% against 28%,
docs/series.md). In the likelihood a held value costs -log p, any other the gate's -log(1 - p)
plus the Gaussian's density with the held channels marginalised out, as gaps are; in sampling the
gate is hard, with a straight-through gradient to p.
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
    holds: tuple[int, ...] = ()  # channels that may keep their previous value (a hold gate each)

    @property
    def per_component(self) -> int:
        """Numbers one component takes of the head's output: its logit, means, log sigmas and factors."""
        return 1 + (2 + self.rank) * self.channels

    @property
    def mixture_outputs(self) -> int:
        """Numbers the head emits for the components; the hold logits follow them."""
        return self.components * self.per_component

    @property
    def outputs(self) -> int:
        """Numbers the generator's head emits per step: the components', then a hold logit per held channel."""
        return self.mixture_outputs + len(self.holds)

    @property
    def draws(self) -> int:
        """Noise numbers one step consumes: eps, eta, (with a mixture) a uniform per component and a
        uniform per hold gate."""
        return self.channels + self.rank + (self.components if self.components > 1 else 0) + len(self.holds)

    def split(self, raw: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """Head output `(..., outputs)` -> log mixing weights `(..., K)`, means and log sigmas
        `(..., K, C)`, factors `(..., K, C, rank)`."""
        k, c, r = self.components, self.channels, self.rank
        raw = raw[..., :self.mixture_outputs].unflatten(-1, (k, self.per_component))
        logits, mean, log_sigma, factor = raw.split([1, c, c, r * c], dim=-1)
        return (F.log_softmax(logits.squeeze(-1), dim=-1), mean, log_sigma.clamp(*LOG_SIGMA_RANGE),
                factor.unflatten(-1, (c, r)))

    def with_means_moved(self, raw: torch.Tensor, offset: torch.Tensor) -> torch.Tensor:
        """Head output `raw` with `offset` `(..., C)` added to every component's means."""
        padded = F.pad(offset[..., None, :], (1, self.per_component - 1 - self.channels))
        mixture = raw[..., :self.mixture_outputs].unflatten(-1, (self.components, self.per_component))
        return torch.cat([(mixture + padded).flatten(-2), raw[..., self.mixture_outputs:]], dim=-1)

    def held(self, values: torch.Tensor, observed: torch.Tensor, previous: torch.Tensor,
             previous_observed: torch.Tensor) -> torch.Tensor:
        """1 where a held channel's observed value equals its observed previous one, else 0, `(..., C)`."""
        mask = torch.zeros_like(values)
        if self.holds:
            index = list(self.holds)
            same = values[..., index] == previous[..., index]
            mask[..., index] = (same & self._could_keep(observed, previous_observed)).to(values.dtype)
        return mask

    def _could_keep(self, observed: torch.Tensor, previous_observed: torch.Tensor) -> torch.Tensor:
        """Per hold gate `(..., len(holds))`: the step has a value and the step before had one to keep."""
        index = list(self.holds)
        return (observed[..., index] > 0) & (previous_observed[..., index] > 0)

    def negative_log_likelihood(self, raw: torch.Tensor, values: torch.Tensor, observed: torch.Tensor,
                                previous: torch.Tensor | None = None, previous_observed: torch.Tensor | None = None
                                ) -> torch.Tensor:
        """-log density (without the 0.5 log 2 pi per value) of each step's observed values, `(...)`;
        with hold gates, given the previous step's values and observed flags (None: none observed)."""
        if self.holds and previous is not None:
            held = self.held(values, observed, previous, previous_observed)
            gates = F.binary_cross_entropy_with_logits(raw[..., self.mixture_outputs:], held[..., list(self.holds)],
                                                       reduction="none")  # -log of each gate's outcome
            gates = (gates * self._could_keep(observed, previous_observed)).sum(-1)
            return gates + self.negative_log_likelihood(raw, values, observed * (1 - held))
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

    def sample(self, raw: torch.Tensor, draws: torch.Tensor, previous: torch.Tensor | None = None,
               previous_observed: torch.Tensor | None = None) -> torch.Tensor:
        """Values `(..., C)` from head output `(..., outputs)` and `draws` `(..., self.draws)`; with hold
        gates, given the previous step's values and observed flags (None: nothing to keep)."""
        values = self._sample_mixture(raw, draws)
        if not self.holds or previous is None:
            return values
        index = list(self.holds)
        keep = torch.sigmoid(raw[..., self.mixture_outputs:]) * previous_observed[..., index]
        hard = (draws[..., -len(index):] < keep).to(keep.dtype)
        gate = torch.zeros_like(values)
        gate[..., index] = hard + (keep - keep.detach())  # exactly held forward (the bracket is 0), the gradient to p back
        return gate * previous + (1 - gate) * values

    def _sample_mixture(self, raw: torch.Tensor, draws: torch.Tensor) -> torch.Tensor:
        c, r = self.channels, self.rank
        log_weights, mean, log_sigma, factor = self.split(raw)
        eps, eta = draws[..., None, :c], draws[..., c:c + r]
        values = mean + log_sigma.exp() * eps
        if r:
            values = values + (factor @ eta[..., None, :, None]).squeeze(-1)
        if self.components == 1:
            return values[..., 0, :]
        uniform = draws[..., c + r:c + r + self.components].clamp(1e-6, 1 - 1e-6)
        scores = log_weights - torch.log(-torch.log(uniform))
        soft = torch.softmax(scores, dim=-1)
        chosen = F.one_hot(scores.argmax(-1), self.components).to(soft.dtype)
        weights = chosen + soft - soft.detach()  # the chosen component forward, the soft choice's gradient back
        return (weights[..., None] * values).sum(-2)
