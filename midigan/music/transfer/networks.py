"""The translator and the judge (discriminator) of tunes, both convolutional over notes."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from midigan.music.transfer.encoding import PITCHES, RHYTHM_FEATURES, rhythm_features, split_features


class Translator(nn.Module):
    """Features -> features: new pitch probabilities for every note, the rhythm rows unchanged."""

    def __init__(self, hidden: int):
        super().__init__()
        self.stem = nn.Conv1d(PITCHES + RHYTHM_FEATURES, hidden, 5, padding=2)
        self.blocks = nn.ModuleList(nn.Conv1d(hidden, hidden, 3, padding=d, dilation=d) for d in (1, 2, 4, 1))
        self.head = nn.Conv1d(hidden, PITCHES, 1)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        pitches, rows = split_features(features)
        x = F.leaky_relu(self.stem(torch.cat([pitches, rhythm_features(rows)], dim=1)), 0.2)
        for block in self.blocks:
            x = x + F.leaky_relu(block(x), 0.2)
        return torch.cat([self.head(x).softmax(dim=1), features[:, PITCHES:]], dim=1)


class Judge(nn.Module):
    """Features -> one logit per stretch of about eight notes, from the pitches (and the rhythm
    features, when `sees_rhythm`). While training, what it is shown, real and translated alike, is
    blurred two ways, so that sure verdicts on details no translation can match become
    unreachable: `noise` (a standard deviation) added to the pitch one-hots (instance noise), and
    each note's pitch replaced by a random one with probability `augment_p` (the engine's adaptive
    augmentation moves it; a random pitch here and there leaves the collection's pitch statistics
    recoverable, so translations are not pushed towards random notes)."""

    def __init__(self, hidden: int, sees_rhythm: bool = False, noise: float = 0.0):
        super().__init__()
        self.sees_rhythm, self.noise, self.augment_p = sees_rhythm, noise, 0.0
        self.body = nn.Sequential(
            nn.Conv1d(PITCHES + RHYTHM_FEATURES * sees_rhythm, hidden, 5, padding=2), nn.LeakyReLU(0.2, True),
            nn.Conv1d(hidden, hidden, 5, stride=2, padding=2), nn.LeakyReLU(0.2, True),
            nn.Conv1d(hidden, hidden, 5, stride=2, padding=2), nn.LeakyReLU(0.2, True),
            nn.Conv1d(hidden, 1, 3, padding=1),
        )

    def features(self, features: torch.Tensor) -> torch.Tensor:
        """(N, hidden, L/4): what the last layer judges from (feature matching compares their means)."""
        pitches, rows = split_features(features)
        if self.training and self.augment_p:
            replaced = torch.rand(pitches.shape[0], 1, pitches.shape[2], device=pitches.device) < self.augment_p
            random = F.one_hot(torch.randint(PITCHES, replaced.shape[::2], device=pitches.device), PITCHES).permute(0, 2, 1)
            pitches = torch.where(replaced, random.to(pitches.dtype), pitches)
        if self.training and self.noise:
            pitches = pitches + self.noise * torch.randn_like(pitches)
        return self.body[:-1](torch.cat([pitches, rhythm_features(rows)], dim=1) if self.sees_rhythm else pitches)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.body[-1](self.features(features))
