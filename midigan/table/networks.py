"""The table GAN's networks: a residual MLP generator that is also a VAE decoder, and a
discriminator that judges packs of rows (PacGAN).

Why a VAE inside the generator: a decoder trained by reconstruction (TVAE's objective) learns
every column's marginal and the common dependencies within seconds, which the adversarial phase
then sharpens; the encoder is only used by that pretraining. Why packs: a discriminator that sees
ten rows at once sees their spread, so a generator that repeats one good row is caught (mode
collapse, PacGAN). Each row is embedded by one shared linear layer before the pack is joined, so
a row of wide one-hot categories costs one matrix product, not ten.
"""

from __future__ import annotations

import torch
from torch import nn


class ResidualBlock(nn.Module):
    def __init__(self, width: int):
        super().__init__()
        self.net = nn.Sequential(
            nn.BatchNorm1d(width), nn.ReLU(), nn.Linear(width, width), nn.BatchNorm1d(width), nn.ReLU(), nn.Linear(width, width)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.net(x)


class TableGenerator(nn.Module):
    """(noise, score noise, condition) -> state logits for every column, then continuous scores
    (mean plus a learnt spread times the score noise, so a decoder trained by likelihood keeps its
    variance when sampling). All randomness arrives in the input: a forward pass draws nothing."""

    def __init__(self, noise_dim: int, condition_width: int, row_width: int, scalar_count: int, hidden: int, depth: int):
        super().__init__()
        self.noise_dim, self.row_width, self.scalar_count = noise_dim, row_width, scalar_count
        self.body = nn.Sequential(
            nn.Linear(noise_dim + condition_width, hidden),
            *[ResidualBlock(hidden) for _ in range(depth)],
            nn.BatchNorm1d(hidden),
            nn.ReLU(),
        )
        self.head = nn.Linear(hidden, row_width + scalar_count)
        self.log_sigma = nn.Parameter(torch.full((scalar_count,), -1.0))
        self.encoder = nn.Sequential(
            nn.Linear(row_width + scalar_count, hidden),
            nn.ReLU(),
            nn.Linear(hidden, hidden),
            nn.ReLU(),
            nn.Linear(hidden, 2 * noise_dim),
        )

    def parts(self, noise: torch.Tensor, condition: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(state logits, score means)."""
        out = self.head(self.body(torch.cat([noise, condition], dim=1)))
        return out[:, : self.row_width], out[:, self.row_width :]

    def encode(self, rows: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(mean, log-variance) of the latent code of real rows (pretraining only)."""
        mean, log_var = self.encoder(rows).chunk(2, dim=1)
        return mean, log_var.clamp(-10, 10)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        spread_from = self.noise_dim + self.scalar_count
        logits, means = self.parts(inputs[:, : self.noise_dim], inputs[:, spread_from:])
        scores = means + self.log_sigma.exp() * inputs[:, self.noise_dim : spread_from]
        return torch.cat([logits, scores], dim=1)


class TableDiscriminator(nn.Module):
    """(packs, pac, row width) -> one logit per pack."""

    def __init__(self, row_width: int, pac: int, hidden: int, embed: int, dropout: float = 0.5):
        super().__init__()
        self.embed = nn.Linear(row_width, embed)
        self.net = nn.Sequential(
            nn.LeakyReLU(0.2),
            nn.Flatten(),
            nn.Linear(pac * embed, hidden),
            nn.LeakyReLU(0.2),
            nn.Dropout(dropout),
            nn.Linear(hidden, hidden),
            nn.LeakyReLU(0.2),
            nn.Dropout(dropout),
            nn.Linear(hidden, 1),
        )

    def forward(self, packs: torch.Tensor) -> torch.Tensor:
        return self.net(self.embed(packs))
