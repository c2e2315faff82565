"""Series into training examples: splits that never leak, windows, and the packed tensor form.

A packed batch is `(series, steps, 2 * channels + 1)` float32: the values (0 where missing), a 1/0
per value saying it was observed, and a 1/0 per step saying the series has that step (shorter
series are padded). Generator and discriminator both work on this form, so variable lengths and
gaps need no special case anywhere else.
"""

from __future__ import annotations

import numpy as np
import torch

#: At most this many windows are cut from a set; longer series are cut with a larger stride.
MAX_WINDOWS = 100_000


def time_split(series: list[np.ndarray], held_out_share: float) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Each series cut in two at (1 - share) of its steps: (heads, tails). Windows cut from the heads
    and from the tails separately never hold a step of the other part."""
    heads, tails = [], []
    for values in series:
        cut = len(values) - int(round(len(values) * held_out_share))
        heads.append(values[:cut])
        tails.append(values[cut:])
    return [v for v in heads if len(v)], [v for v in tails if len(v)]


def series_split(count: int, held_out_share: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(kept, held-out) indices of `count` series, the held-out ones drawn at random (at least one)."""
    order = np.random.default_rng(seed).permutation(count)
    held = max(1, int(round(count * held_out_share)))
    return np.sort(order[held:]), np.sort(order[:held])


def window_starts(series: list[np.ndarray], length: int, max_windows: int = MAX_WINDOWS) -> list[tuple[int, int]]:
    """(series index, first step) of every window `cut_windows` cuts, in its order: stride 1, or
    the smallest stride keeping the count under `max_windows`; a series shorter than `length` is
    one window from step 0."""
    count = sum(max(1, len(values) - length + 1) for values in series)
    stride = max(1, -(-count // max_windows))
    starts = []
    for index, values in enumerate(series):
        starts.extend((index, start) for start in range(0, max(1, len(values) - length + 1), stride))
    return starts


def sharing_steps(queries: np.ndarray, candidates: np.ndarray, length: int) -> np.ndarray:
    """(queries x candidates) True where two windows of `length` steps, given as (series, first
    step) as `window_starts` gives them, share a step."""
    same_series = queries[:, None, 0] == candidates[None, :, 0]
    return same_series & (np.abs(queries[:, None, 1] - candidates[None, :, 1]) < length)


def cut_windows(series: list[np.ndarray], length: int, max_windows: int = MAX_WINDOWS) -> list[np.ndarray]:
    """Every window of `length` consecutive steps inside each series (see `window_starts`); a series
    shorter than `length` stays whole."""
    return [series[index][start:start + length] for index, start in window_starts(series, length, max_windows)]


def pack(series: list[np.ndarray], length: int | None = None) -> torch.Tensor:
    """Scaled series as one `(n, length, 2C + 1)` tensor (see the module docstring); `length`
    defaults to the longest series (longer ones are refused)."""
    length = length or max(len(values) for values in series)
    channels = series[0].shape[1]
    packed = np.zeros((len(series), length, 2 * channels + 1), dtype=np.float32)
    for index, values in enumerate(series):
        if len(values) > length:
            raise ValueError(f"a series of {len(values)} steps does not fit {length}")
        observed = ~np.isnan(values)
        packed[index, : len(values), :channels] = np.where(observed, values, 0.0)
        packed[index, : len(values), channels:2 * channels] = observed
        packed[index, : len(values), -1] = 1.0
    return torch.from_numpy(packed)


def unpack(packed: torch.Tensor | np.ndarray, channels: int) -> list[np.ndarray]:
    """The series in a packed tensor, each trimmed to its steps, NaN where a value is missing."""
    packed = packed.detach().cpu().numpy() if isinstance(packed, torch.Tensor) else np.asarray(packed)
    out = []
    for row in packed.astype(np.float64):
        steps = int(row[:, -1].sum())
        values = row[:steps, :channels].copy()
        values[row[:steps, channels:2 * channels] < 0.5] = np.nan
        out.append(values)
    return out
