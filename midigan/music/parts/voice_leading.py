"""A learnt sense of voice leading: how each pair of voices likes to move against each other.

Why: what the ear hears between parts is intervals (a third above the bass, a fifth moving to a
fifth), and a network that sees absolute pitches through embeddings learns such relations slowly
from a small folder: trained on the chorales, it wrote parallel fifths and octaves eight times as
often as Bach. So every voice's pitch scores get, from each voice above it, a learnt bias indexed
by the interval class the two voices had at the step before and the one the candidate pitch would
make now, and by whether each of them moves. The table learns whatever the folder does (chorales
avoid parallel fifths, power-chord rock loves them); it starts at zero, so it changes nothing
until the likelihood asks it to.
"""

from __future__ import annotations

import torch
from torch import nn

from midigan.music.parts.grid import GRID_HOLD, GRID_REST

SILENT = -1


class IntervalBias(nn.Module):
    """Bias on each voice's onset tokens from every pitched voice above it."""

    def __init__(self, lows: list[int], sizes: list[int], pitched: list[bool]):
        super().__init__()
        self.lows, self.sizes = list(lows), list(sizes)
        self.pairs = [(upper, lower) for lower in range(len(sizes)) for upper in range(lower)
                      if pitched[upper] and pitched[lower]]
        # per pair: [upper moves][lower moves][interval class before][interval class now]
        self.tables = nn.Parameter(torch.zeros(max(len(self.pairs), 1), 2, 2, 12, 12))
        for voice, size in enumerate(sizes):
            self.register_buffer(f"pitches_{voice}", torch.arange(lows[voice], lows[voice] + size - 2), persistent=False)
            uppers = [(index, upper) for index, (upper, lower) in enumerate(self.pairs) if lower == voice]
            self.register_buffer(f"pairs_{voice}", torch.tensor([index for index, _ in uppers], dtype=torch.long), persistent=False)
            self.register_buffer(f"uppers_{voice}", torch.tensor([upper for _, upper in uppers], dtype=torch.long), persistent=False)

    def forward(self, voice: int, before: torch.Tensor, now: torch.Tensor) -> torch.Tensor:
        """Bias (..., size of `voice`) given each voice's sounding pitch at the step before
        (`before`, (..., voices), SILENT where silent) and this step's pitches of the voices above
        (`now`, same shape; entries of `voice` and below are ignored). Every voice above is read
        in one gather from the tables."""
        bias = torch.zeros(*before.shape[:-1], self.sizes[voice], device=before.device, dtype=self.tables.dtype)
        pairs, uppers = getattr(self, f"pairs_{voice}"), getattr(self, f"uppers_{voice}")
        if not len(pairs):
            return bias
        pitches = getattr(self, f"pitches_{voice}")
        was_upper, is_upper, was_lower = before[..., uppers], now[..., uppers], before[..., voice:voice + 1]
        valid = (was_upper >= 0) & (was_lower >= 0) & (is_upper >= 0)  # (..., uppers)
        upper_moves = (is_upper != was_upper).long()[..., None]
        lower_moves = (pitches != was_lower[..., None]).long()  # (..., 1, pitches)
        before_class = torch.remainder(was_lower - was_upper, 12)[..., None]
        now_class = torch.remainder(pitches - is_upper[..., None], 12)
        cell = (((pairs[:, None] * 2 + upper_moves) * 2 + lower_moves) * 12 + before_class) * 12 + now_class
        table = self.tables.reshape(-1)[cell] * valid[..., None]
        bias[..., 2:] = table.sum(-2)
        return bias


class MelodicBias(nn.Module):
    """Bias on each voice's onset tokens by the interval from its own latest pitch, and by whether
    the voice sounds up to the new note or enters after a rest.

    Why: a part moves mostly by step, and a model that sees absolute pitches through embeddings
    learns that slowly; trained for a budget, it wrote parts leaping twice as far as real ones
    (mean melodic interval 4.7 semitones against 2.2). A table of intervals learns it in a few
    hundred steps; it starts at zero, so it changes nothing until the likelihood asks it to.
    """

    SPAN = 24  # intervals up to two octaves have entries of their own; wider ones share the last

    def __init__(self, lows: list[int], sizes: list[int]):
        super().__init__()
        self.sizes = list(sizes)
        self.tables = nn.Parameter(torch.zeros(len(sizes), 2, 2 * self.SPAN + 1))  # [voice][enters after a rest][interval]
        for voice, size in enumerate(sizes):
            self.register_buffer(f"pitches_{voice}", torch.arange(lows[voice], lows[voice] + size - 2), persistent=False)

    def forward(self, voice: int, before: torch.Tensor, latest: torch.Tensor) -> torch.Tensor:
        """Bias (..., size of `voice`) given what each voice sounds at the step before (`before`)
        and each voice's latest pitch, sounding or not (`latest`), both (..., voices), SILENT for
        none; no bias before a voice's first note."""
        pitches = getattr(self, f"pitches_{voice}")
        last = latest[..., voice:voice + 1]
        interval = (pitches - last).clamp(-self.SPAN, self.SPAN) + self.SPAN
        enters = (before[..., voice:voice + 1] < 0).long()
        table = self.tables[voice][enters, interval] * (last >= 0)
        bias = torch.zeros(*before.shape[:-1], self.sizes[voice], device=before.device, dtype=self.tables.dtype)
        bias[..., 2:] = table
        return bias


def sounding(tokens: torch.Tensor, lows: list[int], carried: torch.Tensor | None = None) -> torch.Tensor:
    """Each voice's sounding pitch at every step of grid `tokens` (..., steps, voices): an onset's
    pitch, held on through GRID_HOLD tokens, SILENT after a rest (and before the first onset, unless
    `carried` (..., voices) says what sounded before the first step)."""
    low = torch.as_tensor(lows, device=tokens.device)
    onset = tokens >= 2
    pitch = torch.where(onset, tokens - 2 + low, SILENT)
    steps = tokens.shape[-2]
    index = torch.arange(steps, device=tokens.device).view(*([1] * (tokens.dim() - 2)), steps, 1)
    marks = torch.where(onset | (tokens == GRID_REST), index, -1)
    last = torch.cummax(marks, dim=-2).values  # the latest step that set the voice's pitch
    found = torch.gather(pitch, -2, last.clamp(min=0))
    start = carried[..., None, :].expand_as(found) if carried is not None else torch.full_like(found, SILENT)
    return torch.where(last >= 0, found, start)


def latest_pitches(tokens: torch.Tensor, lows: list[int], carried: torch.Tensor | None = None) -> torch.Tensor:
    """Each voice's latest onset pitch up to every step of `tokens` (..., steps, voices), sounding
    or not (SILENT before its first onset, unless `carried` says what came before)."""
    low = torch.as_tensor(lows, device=tokens.device)
    onset = tokens >= 2
    pitch = torch.where(onset, tokens - 2 + low, SILENT)
    steps = tokens.shape[-2]
    index = torch.arange(steps, device=tokens.device).view(*([1] * (tokens.dim() - 2)), steps, 1)
    last = torch.cummax(torch.where(onset, index, -1), dim=-2).values
    found = torch.gather(pitch, -2, last.clamp(min=0))
    start = carried[..., None, :].expand_as(found) if carried is not None else torch.full_like(found, SILENT)
    return torch.where(last >= 0, found, start)


def step_latest(previous: torch.Tensor, token: torch.Tensor, low: int) -> torch.Tensor:
    """One voice's latest pitch after `token`, given the one before."""
    return torch.where(token >= 2, token - 2 + low, previous)


def step_sounding(previous: torch.Tensor, token: torch.Tensor, low: int) -> torch.Tensor:
    """One voice's sounding pitch after `token`, given the one before."""
    return torch.where(token >= 2, token - 2 + low, torch.where(token == GRID_HOLD, previous, SILENT))
