"""New tunes of an exact number of bars from a trained generator.

Why bar-aware sampling: the generator was trained on windows and knows nothing about where a tune
should stop. While sampling, every duration that would cross the tune's last bar line, or leave a
remainder no combination of known durations can fill, is masked out, and a rest may never be the
last token; so the last note ends exactly on the final bar line for any number of bars and any
meter. Rests are also kept inside their bar, as in the training data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import torch
import torch.nn.functional as F

from midigan.music.form import FormFollower
from midigan.music.keys import into_range
from midigan.music.melody.encoding import REST_TOKEN, Vocabulary, fillable, melody_events
from midigan.music.nucleus import MELODY_TOP_P, sample_masked, seeded_generator
from midigan.music.primer import Primer

if TYPE_CHECKING:
    from torch import nn


@torch.no_grad()
def sample_tokens(
    generator: nn.Module,
    vocabulary: Vocabulary,
    bars: int,
    count: int,
    seed: int | None = None,
    temperature: float = 1.0,
    top_p: float = MELODY_TOP_P,
    plans: list[list[int]] | None = None,
    prefix: tuple[np.ndarray, np.ndarray, int] | None = None,
    duration_bias: torch.Tensor | None = None,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """`count` tunes of exactly `bars` bars as (pitch tokens, duration tokens) pairs.

    `plans[i][b]` (see `midigan.music.form`) names an earlier bar that bar b of tune i repeats:
    its tokens are fed instead of drawn, when they fit (same offset into the bar, room before
    the end); NEW bars are drawn. `prefix` (pitch tokens, duration tokens, grid steps they
    last) is fed first, to every tune: a primer the tunes carry on from at that step.
    `duration_bias` (one score per duration class) is added to the generator's duration scores."""
    if bars < 1:
        raise ValueError("the number of bars must be at least 1")
    total, bar_length = bars * vocabulary.bar_length, vocabulary.bar_length
    can_fill = torch.from_numpy(fillable(vocabulary, total))
    if not can_fill[total]:
        raise ValueError(f"the model's durations cannot fill {bars} bars of {vocabulary.meter[0]}/{vocabulary.meter[1]}")
    device = next(generator.parameters()).device
    can_fill = can_fill.to(device)
    rng = seeded_generator(seed, device)
    lengths = torch.tensor(vocabulary.durations, device=device)
    bias = duration_bias.to(device) if duration_bias is not None else 0.0
    follower = FormFollower(torch.tensor(plans, device=device), bar_length, lengths, total, can_fill) if plans else None
    rows = torch.arange(count, device=device)
    tune_bars = torch.full((count,), bars, device=device)
    previous_pitch, previous_duration = generator.start(count, device)
    elapsed = torch.zeros(count, dtype=torch.long, device=device)
    state, pitches, durations, written = None, [], [], []
    fed = [torch.as_tensor(tokens, device=device) for tokens in prefix[:2]] if prefix is not None else None
    while bool((elapsed < total).any()):
        position = elapsed % bar_length
        remaining = total - elapsed
        position_onehot = F.one_hot(position, bar_length).float()
        x = generator.inputs(previous_pitch, previous_duration, position_onehot,
                             torch.randn(count, generator.noise_dim, device=device, generator=rng), tune_bars)
        hidden, state = generator.step(x, state)
        # which durations a note / a rest may take here (anything, for tunes already complete)
        active = elapsed < total
        after = remaining[:, None] - lengths[None, :]
        note_ok = (after >= 0) & can_fill[after.clamp(min=0)] | ~active[:, None]
        rest_ok = note_ok & (after > 0) & (lengths[None, :] <= (bar_length - position)[:, None]) | ~active[:, None]
        pitch_mask = torch.ones(count, vocabulary.n_pitches, dtype=torch.bool, device=device)
        pitch_mask[:, REST_TOKEN] = rest_ok.any(-1)
        copy = follower.copy_from(elapsed) if follower else None
        pitch = sample_masked(generator.pitch_logits(hidden, previous_pitch), pitch_mask, temperature, top_p, rng)
        if copy is not None and pitches:
            pitch = torch.where(copy >= 0, torch.stack(pitches, 1)[rows, copy.clamp(min=0)], pitch)
        pitch_onehot = F.one_hot(pitch, vocabulary.n_pitches).float()
        duration_mask = torch.where((pitch == REST_TOKEN)[:, None], rest_ok, note_ok)
        duration = sample_masked(generator.duration_logits(hidden, pitch_onehot, position_onehot) + bias, duration_mask,
                                 temperature, top_p, rng)
        if copy is not None and durations:
            duration = torch.where(copy >= 0, torch.stack(durations, 1)[rows, copy.clamp(min=0)], duration)
        step = len(pitches)
        if fed is not None and step < len(fed[0]):  # the primer, as it is
            pitch, duration = fed[0][step].expand(count), fed[1][step].expand(count)
            pitch_onehot = F.one_hot(pitch, vocabulary.n_pitches).float()
        if follower:
            follower.record(step, elapsed, duration, pitch == REST_TOKEN)
        pitches.append(pitch)
        durations.append(duration)
        elapsed = elapsed + torch.where(active, lengths[duration], 0)
        if fed is not None and step + 1 == len(fed[0]):  # the primer's own durations may not be the model's
            elapsed = torch.full_like(elapsed, prefix[2])
        previous_pitch, previous_duration = F.pad(pitch_onehot, (0, 1)), F.one_hot(duration, vocabulary.n_durations).float()
        written.append(active)
    kept = torch.stack(written, 1).cpu().numpy()
    pitch_rows, duration_rows = torch.stack(pitches, 1).cpu().numpy(), torch.stack(durations, 1).cpu().numpy()
    return [(p[k], d[k]) for p, d, k in zip(pitch_rows, duration_rows, kept)]


def primer_tokens(primer: Primer, vocabulary: Vocabulary) -> tuple[np.ndarray, np.ndarray, int]:
    """The primer's melody (in the common key) as the model's tokens: each duration the nearest
    the model knows, each pitch moved by octaves into its range; and the steps it lasts."""
    events = melody_events(primer.in_common_key, vocabulary.bar_length)
    known = np.array(vocabulary.durations)
    durations = np.abs(events.duration[:, None] - known[None, :]).argmin(axis=1)
    pitches = np.array([REST_TOKEN if pitch < 0 else into_range(int(pitch), vocabulary.pitch_low, vocabulary.pitch_high)
                        - vocabulary.pitch_low + 1 for pitch in events.pitch.tolist()], np.int64)
    # the rest a primer starts with is fed as one; so is a primer of rests only (a lead-in), which fed
    # as nothing let the tune run on for --bars bars after it, a bar too long
    start = events.start if len(pitches) else primer.steps
    if start:
        rest = np.abs(known - start).argmin()
        pitches, durations = np.concatenate([[REST_TOKEN], pitches]), np.concatenate([[rest], durations])
    return pitches, durations, primer.steps
