"""Drawing one choice per row from a model's scores: masked, tempered, nucleus-cut, seeded.

Why shared: melodies and parts both draw every token this way, and the same seed must give the same
music wherever it is drawn (the command line, the studio, validation).
"""

from __future__ import annotations

import torch

#: Nucleus sampling's share for melodies. Cutting the least likely 5% made tunes too cautious (fewer
#: pitch classes per bar, narrower ranges than real tunes); on the folders the defaults are tuned on
#: (`benchmarks/small_folders.py --tuning`) 0.98 told generated from real tunes least often, ahead of
#: 0.95 and of no cut at all (1.0), whose rare wrong notes cost more than they gave.
MELODY_TOP_P = 0.98
#: The share for pieces in parts when the model stores none of its own: `midigan train` chooses one
#: for each run on its training pieces (`midigan.music.calibration`), since no single share served
#: the chorales, madrigals and quartets alike.
PIECE_TOP_P = 0.95


def seeded_generator(seed: int | None, device: torch.device) -> torch.Generator:
    """A random stream on `device` from `seed` (a fresh one when None)."""
    rng = torch.Generator(device=device)
    rng.manual_seed(seed if seed is not None else int(torch.seed() % 2**63))
    return rng


def sample_masked(logits: torch.Tensor, allowed: torch.Tensor, temperature: float, top_p: float, rng: torch.Generator) -> torch.Tensor:
    """One draw per row from softmax(logits / temperature), restricted to `allowed` and to the
    smallest set of choices holding `top_p` of the probability (nucleus sampling)."""
    logits = logits.float().masked_fill(~allowed, float("-inf")) / max(temperature, 1e-6)
    probs = logits.softmax(-1)
    sorted_probs, order = probs.sort(-1, descending=True)
    outside = sorted_probs.cumsum(-1) - sorted_probs >= top_p
    sorted_probs = sorted_probs.masked_fill(outside, 0)
    choice = torch.multinomial(sorted_probs, 1, generator=rng)
    return order.gather(-1, choice).squeeze(-1)
