"""The field's figures for synthetic series, computed as TimeGAN's code computes them.

- Discriminative score (TimeGAN `metrics/discriminative_metrics.py`): a post-hoc 1-layer GRU
  (Keras GRUCell: reset gate after the recurrent product, Glorot kernels, orthogonal recurrent
  kernel, zero biases) with hidden size channels // 2, its last state through one dense unit,
  trained with Adam (1e-3) on binary cross-entropy for 2000 steps, each on 128 real and 128
  synthetic series drawn without replacement from an 80% share of each; |accuracy - 0.5| on the
  other 20% (threshold 0.5 on the sigmoid); the mean of 10 runs. Lower is better. The accuracy
  is balanced, the mean of the two sides' own: TimeGAN's plain accuracy where the sides are the
  same size, as its code draws them, and no free score where they are not (held-out windows
  fewer than the real side: 1,000 sines against 100 indistinguishable ones scored 0.22 plain).
- Predictive score (`metrics/predictive_metrics.py`): a TF1 GRUCell (reset gate before the
  recurrent product, gate biases 1) with hidden size channels // 2 reads all channels but the
  last, steps 0..T-2, and predicts the last channel at steps 1..T-1 through a dense unit and a
  sigmoid; trained on synthetic series (5000 steps of 128, Adam 1e-3, mean absolute error), then
  scored on all real series: the mean over series of their mean absolute error.
- Both on series min-max scaled per channel to [0, 1] (TimeGAN scales its real data so); the
  real data's minimum and maximum scale every set compared.

Where TimeGAN's code has no answer: one channel (its hidden size would be 0 and its predictor
would read no input) uses hidden size 1 and predicts the channel from its own previous values;
series of different lengths are read up to their own ends (TimeGAN's sets never differ); gaps
are filled with the last observed value of the channel (the first observed one at the start).

Beside them: the mean absolute difference of the first 10 autocorrelations of every channel,
and the copy guard's figure, the median distance of generated series to their nearest training
series relative to held-out real series' (below 1: closer to the training set than new real data).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

DISCRIMINATIVE_STEPS = 2000
PREDICTIVE_STEPS = 5000
REPEATS = 10
BATCH = 128
ACF_LAGS = 10
#: the fewest series a set scored needs: the discriminative score's 80% share to train on and the rest to test on
#: each hold one (`_split`)
MIN_SERIES = 2


@dataclass
class Prepared:
    """Series as TimeGAN's metrics take them: `(n, steps, channels)` float32 in [0, 1], padded with 0, and lengths."""

    values: np.ndarray
    lengths: np.ndarray

    def __len__(self) -> int:
        return len(self.values)


class MinMax:
    """Per-channel min-max scaling fitted on real series (gaps ignored)."""

    def __init__(self, series: list[np.ndarray]):
        values = np.concatenate(series)
        self.low = np.nanmin(values, axis=0)
        span = np.nanmax(values, axis=0) - self.low
        self.span = np.where(span > 0, span, 1.0)

    def prepare(self, series: list[np.ndarray]) -> Prepared:
        steps = max(len(values) for values in series)
        out = np.zeros((len(series), steps, len(self.low)), dtype=np.float32)
        for index, values in enumerate(series):
            out[index, : len(values)] = fill_gaps((values - self.low) / self.span)
        return Prepared(out, np.array([len(values) for values in series]))


def fill_gaps(values: np.ndarray) -> np.ndarray:
    """Each missing value replaced by the channel's last observed one (the first observed one at the
    start; 0 for a channel never observed)."""
    values = values.copy()
    for channel in range(values.shape[1]):
        column = values[:, channel]
        missing = np.isnan(column)
        if not missing.any():
            continue
        if missing.all():
            column[:] = 0.0
            continue
        index = np.where(~missing, np.arange(len(column)), 0)
        np.maximum.accumulate(index, out=index)
        first = np.flatnonzero(~missing)[0]
        index[:first] = first
        values[:, channel] = column[index]
    return values


# --------------------------------------------------------------------------- discriminative
# Every run (a set and a repeat) has its own network, split, batches and Adam; they are trained side
# by side as one batched network (Adam works element by element and each run's loss reaches only
# its own weights, so this is exactly independent runs, in a tenth of the time).
class _KerasGRUs(nn.Module):
    """`runs` independent Keras GRUCells (reset_after=True: PyTorch's formulation) with a dense unit
    on the last state: TimeGAN's post-hoc discriminator."""

    def __init__(self, generators: list[torch.Generator], inputs: int, hidden: int):
        super().__init__()
        runs = len(generators)
        self.w_input = nn.Parameter(torch.stack([_glorot((inputs, 3 * hidden), g) for g in generators]))
        self.w_state = nn.Parameter(torch.stack([_orthogonal((hidden, 3 * hidden), g) for g in generators]))
        self.b_input = nn.Parameter(torch.zeros(runs, 1, 3 * hidden))
        self.b_state = nn.Parameter(torch.zeros(runs, 1, 3 * hidden))
        self.w_dense = nn.Parameter(torch.stack([_glorot((hidden, 1), g) for g in generators]))
        self.b_dense = nn.Parameter(torch.zeros(runs, 1, 1))

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """x `(runs, batch, steps, inputs)`, lengths `(runs, batch)` -> logits `(runs, batch)`."""
        runs, batch, steps, inputs = x.shape
        hidden = self.w_state.shape[1]
        projected = (torch.bmm(x.reshape(runs, batch * steps, inputs), self.w_input) + self.b_input).view(runs, batch, steps, -1)
        state = x.new_zeros(runs, batch, hidden)
        states = []
        for from_input in projected.unbind(2):  # unbind, not [:, :, t]: a slice's gradient fills a whole (steps) tensor
            from_state = torch.baddbmm(self.b_state, state, self.w_state)
            gates = torch.sigmoid(from_input[..., : 2 * hidden] + from_state[..., : 2 * hidden])
            reset, update = gates[..., :hidden], gates[..., hidden:]
            candidate = torch.tanh(from_input[..., 2 * hidden:] + reset * from_state[..., 2 * hidden:])
            state = candidate + update * (state - candidate)
            states.append(state)
        last = torch.stack(states, dim=2).gather(2, (lengths - 1)[..., None, None].expand(runs, batch, 1, hidden)).squeeze(2)
        return (torch.bmm(last, self.w_dense) + self.b_dense).squeeze(-1)


def discriminative_scores(real: Prepared, synthetic: list[Prepared], steps: int = DISCRIMINATIVE_STEPS, repeats: int = REPEATS,
                          seed: int = 0) -> list[tuple[float, float]]:
    """(mean, standard deviation) over `repeats` runs of |accuracy - 0.5| for every synthetic set;
    see the module docstring. Repeat k of every set uses seed + k, as a lone run would."""
    runs = [(data, seed + repeat) for data in synthetic for repeat in range(repeats)]
    rngs = [np.random.default_rng(run_seed) for _, run_seed in runs]
    generators = [torch.Generator().manual_seed(run_seed) for _, run_seed in runs]
    channels = real.values.shape[2]
    model = _KerasGRUs(generators, channels, max(1, channels // 2))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    splits = [(_split(len(real), rng), _split(len(data), rng)) for (data, _), rng in zip(runs, rngs, strict=True)]
    sides = [(real, (real_train, real_test), data, (fake_train, fake_test))
             for (data, _), ((real_train, real_test), (fake_train, fake_test)) in zip(runs, splits, strict=True)]
    for _ in range(steps):
        real_rows = [train[rng.permutation(len(train))[:BATCH]] for (_, (train, _), _, _), rng in zip(sides, rngs, strict=True)]
        fake_rows = [train[rng.permutation(len(train))[:BATCH]] for (_, _, _, (train, _)), rng in zip(sides, rngs, strict=True)]
        x_real, t_real, w_real = _gather([real] * len(runs), real_rows)
        x_fake, t_fake, w_fake = _gather([data for data, _ in runs], fake_rows)
        logits = model(*_side_by_side(x_real, x_fake, t_real, t_fake))  # one pass for both sides: half the operations
        real_loss = F.binary_cross_entropy_with_logits(logits[:, : w_real.shape[1]], torch.ones_like(w_real), reduction="none")
        fake_loss = F.binary_cross_entropy_with_logits(logits[:, w_real.shape[1]:], torch.zeros_like(w_fake), reduction="none")
        loss = _mean_per_run(real_loss, w_real) + _mean_per_run(fake_loss, w_fake)
        optimizer.zero_grad()
        loss.sum().backward()
        optimizer.step()
    with torch.no_grad():
        x_real, t_real, w_real = _gather([real] * len(runs), [test for (_, (_, test), _, _) in sides])
        x_fake, t_fake, w_fake = _gather([data for data, _ in runs], [test for (_, _, _, (_, test)) in sides])
        real_right = ((torch.sigmoid(model(x_real, t_real)) > 0.5) * w_real).sum(1) / w_real.sum(1)
        fake_right = ((torch.sigmoid(model(x_fake, t_fake)) <= 0.5) * w_fake).sum(1) / w_fake.sum(1)
        accuracy = (real_right + fake_right) / 2  # balanced: see the module docstring
    scores = (accuracy - 0.5).abs().view(len(synthetic), repeats).numpy().astype(np.float64)
    return [(float(row.mean()), float(row.std())) for row in scores]


def discriminative_score(real: Prepared, synthetic: Prepared, steps: int = DISCRIMINATIVE_STEPS, repeats: int = REPEATS,
                         seed: int = 0) -> tuple[float, float]:
    """(mean, standard deviation) over `repeats` runs of |accuracy - 0.5| for one synthetic set."""
    return discriminative_scores(real, [synthetic], steps, repeats, seed)[0]


def _split(count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """TimeGAN's train_test_divide: a random 80% to train on, the rest to test on."""
    order = rng.permutation(count)
    return order[: int(count * 0.8)], order[int(count * 0.8):]


def _gather(sets: list[Prepared], rows: list[np.ndarray]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(values `(runs, most rows, steps, channels)`, lengths, weights: 1 for a row, 0 for padding),
    every run's rows of its own set, padded to the longest list of rows and steps."""
    width, steps = max(len(r) for r in rows), max(data.values.shape[1] for data in sets)
    values = np.zeros((len(sets), width, steps, sets[0].values.shape[2]), dtype=np.float32)
    lengths = np.ones((len(sets), width), dtype=np.int64)
    weights = np.zeros((len(sets), width), dtype=np.float32)
    for index, (data, chosen) in enumerate(zip(sets, rows, strict=True)):
        values[index, : len(chosen), : data.values.shape[1]] = data.values[chosen]
        lengths[index, : len(chosen)] = data.lengths[chosen]
        weights[index, : len(chosen)] = 1.0
    return torch.from_numpy(values), torch.from_numpy(lengths), torch.from_numpy(weights)


def _side_by_side(x_real: torch.Tensor, x_fake: torch.Tensor, t_real: torch.Tensor, t_fake: torch.Tensor):
    """Real and synthetic rows of every run as one batch (steps padded to the longer side)."""
    steps = max(x_real.shape[2], x_fake.shape[2])
    pad = [F.pad(x, (0, 0, 0, steps - x.shape[2])) for x in (x_real, x_fake)]
    return torch.cat(pad, dim=1), torch.cat([t_real, t_fake], dim=1)


def _mean_per_run(losses: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    return (losses * weights).sum(1) / weights.sum(1).clamp(min=1)


# --------------------------------------------------------------------------- predictive
class _TF1GRUs(nn.Module):
    """`runs` independent tf.compat.v1.nn.rnn_cell.GRUCells under dynamic_rnn (reset gate applied to
    the state before the candidate's product, gate biases 1, outputs 0 past a series' length),
    each with a dense unit and a sigmoid on every output: TimeGAN's post-hoc predictor."""

    def __init__(self, generators: list[torch.Generator], inputs: int, hidden: int):
        super().__init__()
        runs = len(generators)
        self.inputs = inputs
        self.w_gates = nn.Parameter(torch.stack([_glorot((inputs + hidden, 2 * hidden), g) for g in generators]))
        self.b_gates = nn.Parameter(torch.ones(runs, 1, 2 * hidden))
        self.w_candidate = nn.Parameter(torch.stack([_glorot((inputs + hidden, hidden), g) for g in generators]))
        self.b_candidate = nn.Parameter(torch.zeros(runs, 1, hidden))
        self.w_dense = nn.Parameter(torch.stack([_glorot((hidden, 1), g) for g in generators]))
        self.b_dense = nn.Parameter(torch.zeros(runs, 1, 1))

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """x `(runs, batch, steps, inputs)` -> predictions `(runs, batch, steps)`."""
        runs, batch, steps, _ = x.shape
        n = self.inputs
        gates_x = torch.einsum("rbti,rig->rbtg", x, self.w_gates[:, :n]) + self.b_gates[:, :, None]
        candidate_x = torch.einsum("rbti,rig->rbtg", x, self.w_candidate[:, :n]) + self.b_candidate[:, :, None]
        state = x.new_zeros(runs, batch, self.w_candidate.shape[2])
        outputs = []
        for t, (gates_t, candidate_t) in enumerate(zip(gates_x.unbind(2), candidate_x.unbind(2), strict=True)):
            reset, update = torch.sigmoid(gates_t + torch.bmm(state, self.w_gates[:, n:])).chunk(2, dim=-1)
            candidate = torch.tanh(candidate_t + torch.bmm(reset * state, self.w_candidate[:, n:]))
            alive = (t < lengths)[..., None].to(x.dtype)
            new_state = update * state + (1 - update) * candidate
            state = alive * new_state + (1 - alive) * state
            outputs.append(alive * new_state)
        hidden = torch.stack(outputs, dim=2)  # (runs, batch, steps, hidden)
        dense = torch.einsum("rbth,rho->rbto", hidden, self.w_dense) + self.b_dense[:, :, None]
        return torch.sigmoid(dense.squeeze(-1))


def _prediction_task(values: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(inputs at steps 0..T-2, targets at steps 1..T-1, lengths T-1) of packed `(runs, batch, steps, C)` series."""
    channels = values.shape[-1]
    inputs = values[..., :-1, : channels - 1] if channels > 1 else values[..., :-1, :]
    return inputs, values[..., 1:, channels - 1], lengths - 1


def predictive_scores(real: Prepared, synthetic: list[Prepared], steps: int = PREDICTIVE_STEPS, seed: int = 0) -> list[float]:
    """Mean absolute error on real series of a predictor trained on each synthetic set; see the module docstring."""
    rngs = [np.random.default_rng(seed) for _ in synthetic]
    generators = [torch.Generator().manual_seed(seed) for _ in synthetic]
    channels = real.values.shape[2]
    model = _TF1GRUs(generators, max(1, channels - 1), max(1, channels // 2))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    for _ in range(steps):
        rows = [rng.permutation(len(data))[:BATCH] for data, rng in zip(synthetic, rngs, strict=True)]
        values, lengths, weights = _gather(synthetic, rows)
        inputs, targets, lengths = _prediction_task(values, lengths)
        mask = _step_mask(lengths, targets.shape[2]) * weights[..., None]
        errors = (model(inputs, lengths) - targets).abs() * mask
        loss = errors.sum(dim=(1, 2)) / mask.sum(dim=(1, 2)).clamp(min=1)
        optimizer.zero_grad()
        loss.sum().backward()
        optimizer.step()
    with torch.no_grad():
        values, lengths, _ = _gather([real] * len(synthetic), [np.arange(len(real))] * len(synthetic))
        inputs, targets, lengths = _prediction_task(values, lengths)
        mask = _step_mask(lengths, targets.shape[2])
        per_series = ((model(inputs, lengths) - targets).abs() * mask).sum(dim=2) / mask.sum(dim=2).clamp(min=1)
    return [float(value) for value in per_series.mean(dim=1)]


def predictive_score(real: Prepared, synthetic: Prepared, steps: int = PREDICTIVE_STEPS, seed: int = 0) -> float:
    """Mean absolute error on real series of a predictor trained on one synthetic set."""
    return predictive_scores(real, [synthetic], steps, seed)[0]


def _step_mask(lengths: torch.Tensor, steps: int) -> torch.Tensor:
    return (torch.arange(steps) < lengths[..., None]).float()


# --------------------------------------------------------------------------- beside them
def autocorrelations(data: Prepared, lags: int = ACF_LAGS) -> np.ndarray:
    """`(lags, channels)`: each channel's autocorrelation at lags 1..`lags`, of every series about
    its own mean, averaged over the series long enough for the lag (NaN where none is)."""
    values, lengths = data.values.astype(np.float64), data.lengths
    out = np.full((lags, values.shape[2]), np.nan)
    present = (np.arange(values.shape[1])[None, :] < lengths[:, None])[..., None]
    mean = (values * present).sum(axis=1, keepdims=True) / lengths[:, None, None]
    centred = (values - mean) * present
    variance = (centred ** 2).sum(axis=1)  # (n, channels)
    for lag in range(1, lags + 1):
        usable = (lengths > lag)[:, None] & (variance > 1e-12)
        if not usable.any():
            break
        products = (centred[:, lag:] * centred[:, :-lag]).sum(axis=1)
        ratio = np.where(usable, products / np.where(usable, variance, 1.0), 0.0)
        out[lag - 1] = np.where(usable.any(axis=0), ratio.sum(axis=0) / np.maximum(usable.sum(axis=0), 1), np.nan)
    return out


def autocorrelation_difference(real: Prepared, synthetic: Prepared, lags: int = ACF_LAGS) -> float:
    """Mean absolute difference of the first `lags` autocorrelations of every channel."""
    difference = np.abs(autocorrelations(real, lags) - autocorrelations(synthetic, lags))
    return float(np.nanmean(difference)) if np.isfinite(difference).any() else math.nan


def correlations(rows: np.ndarray) -> np.ndarray:
    """`(channels, channels)` correlations of the columns of `rows` `(n, channels)`, np.corrcoef's,
    but a constant channel correlates with nothing: its row and column are 0 (np.corrcoef divides by
    its zero spread, warns and gives NaN)."""
    found = np.zeros((rows.shape[1], rows.shape[1]))
    varying = np.flatnonzero(np.ptp(rows, axis=0) > 0)
    if len(varying):
        found[np.ix_(varying, varying)] = np.corrcoef(rows[:, varying], rowvar=False)
    return found


def nearest_distances(queries: Prepared, training: Prepared, chunk: int = 512, excluded: torch.Tensor | None = None) -> np.ndarray:
    """Each query series' root-mean-square distance to its nearest training series, over the
    steps both have (series compared from their first step); `excluded` (queries x training,
    True: not a candidate) leaves pairs out."""
    q, t = torch.from_numpy(queries.values).double(), torch.from_numpy(training.values).double()
    steps = min(q.shape[1], t.shape[1])
    q, t = q[:, :steps], t[:, :steps]
    channels = q.shape[2]
    q_mask = (torch.arange(steps)[None, :] < torch.from_numpy(queries.lengths)[:, None]).double()
    t_mask = (torch.arange(steps)[None, :] < torch.from_numpy(training.lengths)[:, None]).double()
    t_flat = (t * t_mask[..., None]).flatten(1)
    t_squares = ((t ** 2).sum(dim=2) * t_mask)  # (m, steps)
    best = []
    for start in range(0, len(q), chunk):
        qc, mc = q[start:start + chunk], q_mask[start:start + chunk]
        shared = mc @ t_mask.T  # steps both have
        squared = ((qc ** 2).sum(dim=2) * mc) @ t_mask.T + mc @ t_squares.T - 2 * (qc * mc[..., None]).flatten(1) @ t_flat.T
        rms = (squared.clamp(min=0) / (shared * channels).clamp(min=1)).sqrt()
        left_out = shared == 0
        if excluded is not None:
            left_out |= excluded[start:start + chunk]
        best.append(rms.masked_fill(left_out, math.inf).min(dim=1).values)
    return torch.cat(best).numpy()


def nearest_distance_ratio(synthetic: Prepared, held_out: Prepared, training: Prepared) -> float:
    """Median nearest-training distance of synthetic series over that of held-out real ones."""
    return float(np.median(nearest_distances(synthetic, training)) / max(np.median(nearest_distances(held_out, training)), 1e-12))


# --------------------------------------------------------------------------- initialisers (Keras')
def _glorot(shape: tuple[int, int], generator: torch.Generator) -> torch.Tensor:
    """Glorot-uniform `(fan_in, fan_out)` matrix."""
    limit = math.sqrt(6.0 / sum(shape))
    return torch.rand(shape, generator=generator) * 2 * limit - limit


def _orthogonal(shape: tuple[int, int], generator: torch.Generator) -> torch.Tensor:
    """A matrix with orthonormal rows or columns (whichever are fewer), as Keras' Orthogonal draws it."""
    rows, cols = shape
    q, r = torch.linalg.qr(torch.randn(max(rows, cols), min(rows, cols), generator=generator))
    q = q * torch.sign(torch.diagonal(r))[None, :]
    return q if rows >= cols else q.T
