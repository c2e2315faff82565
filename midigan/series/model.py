"""The "series" GAN family: a GRU that writes a series step by step, judged by a dilated 1-D conv net.

Why this shape (the music model's recipe, chosen by measurement, see docs/series.md): the
generator is autoregressive, emitting a Gaussian per channel and step (and, for a channel that
repeats its values, the chance of keeping the last one: `StepDistribution`), conditioned on the
values it wrote before, the step's position and a latent vector drawn once per series. It first
learns by likelihood (teacher forcing, `pretrain_loss`), which on a CPU budget does most of the
work; then it runs free and a discriminator judges whole series, which corrects what teacher
forcing cannot see (drift of long free-running series, joint shape). Sampling a step is
`mean + sigma * noise`, so the adversarial gradient flows through every sampled value.

Both networks work on packed series (`midigan.series.windows`): values, observed flags and step
flags. The generator is handed the flags of the real batch it is compared with
(`generator_input`), so fakes have the real series' lengths and gaps; for generation it draws
lengths from those of the training series (`sample_noise`). The discriminator is convolutional,
not recurrent, because cuDNN RNNs cannot be differentiated twice (R1).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from midigan.core.family import GANFamily
from midigan.series.channels import ChannelForms
from midigan.series.gaps import GapChains
from midigan.series.scaling import ChannelScaler, QuantileScaler, scaler_from_dict
from midigan.series.steps import StepDistribution
from midigan.series.timeaxis import TimeAxis
from midigan.series.writing import ID_COLUMN

CHANGE_LIMIT = 10.0  # a change input is held within this many spreads (a free-running series may jump)


class SeriesGenerator(nn.Module):
    """Noise `(n, steps, latent + draws + C + 1)` -> packed series `(n, steps, 2C + 1)`.

    The noise holds, per step: the series' latent vector (the same at every step), the draws that
    sample the step's values (`StepDistribution.draws`), and the observed and step flags the
    output must carry.

    With `autoregression`, a step's means are a linear map of the previous step's values (learnt,
    starting at 0) plus what the GRU adds. Why: without it, on the 28 channels of TimeGAN's Energy
    set the GRU's one-step predictions of smooth channels (temperatures) erred six times as much
    as "the same as before" would, the shared shocks absorbed the error, and written series were
    five times as rough as real ones (docs/series.md).

    With `change_scale`, the GRU also reads the previous step's change (its value less the one
    before), divided by the training changes' spread. Why: a slowly bending series (a country's
    fertility over the years) moves by a hundredth of its spread a year, and a GRU that reads
    only levels learns "about the same as before" and misses which way the series is heading:
    its steps came out twice as wide as its errors and memoryless, the series jagged (docs/series.md).
    """

    def __init__(self, step: StepDistribution, hidden: int, layers: int, latent: int, position_scale: float,
                 autoregression: bool = False, change_scale: list[float] | None = None):
        """`position_scale`: the last step of the longest training series (0: no positions);
        `change_scale`: each channel's spread of step changes (None: changes not read)."""
        super().__init__()
        self.step, self.channels, self.hidden, self.layers, self.latent = step, step.channels, hidden, layers, latent
        self.position_scale = float(position_scale)
        self.initial = nn.Linear(latent, layers * hidden)
        self.register_buffer("change_scale", None if change_scale is None else torch.tensor(change_scale, dtype=torch.float32))
        changes = 0 if change_scale is None else self.channels
        self.gru = nn.GRU(2 * self.channels + 1 + latent + changes, hidden, num_layers=layers, batch_first=True)
        if changes:  # read from nothing at first, as the model without them; likelihood opens the path as far as it helps
            nn.init.zeros_(self.gru.weight_ih_l0[:, -changes:])
        self.head = nn.Linear(hidden, step.outputs)
        self.autoregression = nn.Linear(self.channels, self.channels, bias=False) if autoregression else None
        if self.autoregression is not None:
            nn.init.zeros_(self.autoregression.weight)

    def _step_parameters(self, hidden: torch.Tensor, previous_values: torch.Tensor) -> torch.Tensor:
        """The step distribution's parameters from the GRU's output and the previous step's values (0 where missing)."""
        raw = self.head(hidden)
        if self.autoregression is None:
            return raw
        return self.step.with_means_moved(raw, self.autoregression(previous_values))

    def _inputs(self, previous: torch.Tensor, before: torch.Tensor, positions: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """The GRU's inputs from packed values and flags one and two steps back, the positions and
        the latent vector; the change inputs (0 where either step is missing) only with `change_scale`,
        so that a model without them builds no empty slice at every free-running step."""
        parts = [previous, positions, z]
        if self.change_scale is not None:
            c = self.channels
            change = (previous[..., :c] - before[..., :c]) * previous[..., c:] * before[..., c:]
            parts.append((change / self.change_scale).clamp(-CHANGE_LIMIT, CHANGE_LIMIT))
        return torch.cat(parts, dim=-1)

    def _state(self, z: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.initial(z)).view(len(z), self.layers, self.hidden).transpose(0, 1).contiguous()

    def _positions(self, steps: int, like: torch.Tensor) -> torch.Tensor:
        """Where each step is in its series, 0 to 1 (held at 1 past the longest training series); all
        0 for a model of windows, whose first step is anywhere in a longer series."""
        steps = torch.arange(steps, device=like.device, dtype=like.dtype)
        if not self.position_scale:
            return torch.zeros_like(steps)[None, :, None]
        return (steps / self.position_scale).clamp(max=1.0)[None, :, None]

    def teacher_forced(self, batch: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """The head's output (the step distribution's parameters) at every step of packed real
        `batch`, given its true previous values."""
        c = self.channels
        n, steps, _ = batch.shape
        previous = F.pad(batch[:, :-1, : 2 * c], (0, 0, 1, 0))  # values and observed flags one step back
        before = F.pad(batch[:, :-2, : 2 * c], (0, 0, 2, 0))  # ... and two
        positions = self._positions(steps, batch).expand(n, steps, 1)
        inputs = self._inputs(previous, before, positions, z[:, None, :].expand(n, steps, self.latent))
        hidden, _ = self.gru(inputs, self._state(z))
        return self._step_parameters(hidden, previous[..., :c])

    def forward(self, noise: torch.Tensor) -> torch.Tensor:
        c, latent = self.channels, self.latent
        n, steps, _ = noise.shape
        z = noise[:, 0, :latent]
        draws, flags = noise[..., latent:latent + self.step.draws], noise[..., -(c + 1):]
        states = list(self._state(z))
        previous = before = noise.new_zeros(n, 2 * c)
        positions = self._positions(steps, noise)[0, :, 0]
        values = []
        for t in range(steps):
            hidden = self._inputs(previous, before, positions[t].expand(n, 1), z)
            for layer in range(self.layers):  # the GRU's own weights, a step at a time (half the time of calling it per step)
                states[layer] = hidden = torch.gru_cell(hidden, states[layer], *self.gru.all_weights[layer])
            value = self.step.sample(self._step_parameters(hidden, previous[:, :c]), draws[:, t], previous[:, :c], previous[:, c:])
            values.append(value)
            previous, before = torch.cat([value, torch.ones_like(value)], dim=-1), previous
        values = torch.stack(values, dim=1)
        return torch.cat([values * flags[..., :c], flags], dim=-1)


class SeriesDiscriminator(nn.Module):
    """Packed series -> one logit each: dilated convolutions over time (receptive field 31 steps),
    then the mean and maximum of their features over the steps the series has."""

    def __init__(self, channels: int, width: int, dilations: tuple[int, ...] = (1, 2, 4, 8)):
        super().__init__()
        layers: list[nn.Module] = []
        inputs = 2 * channels + 1
        for dilation in dilations:
            layers += [nn.Conv1d(inputs, width, 3, padding=dilation, dilation=dilation), nn.LeakyReLU(0.2)]
            inputs = width
        self.body = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.Linear(2 * width, width), nn.LeakyReLU(0.2), nn.Linear(width, 1))

    def forward(self, packed: torch.Tensor) -> torch.Tensor:
        present = packed[..., -1:].transpose(1, 2)  # (n, 1, steps)
        features = self.body(packed.transpose(1, 2)) * present
        mean = features.sum(dim=2) / present.sum(dim=2).clamp(min=1)
        peak = features.masked_fill(present == 0, -1e4).amax(dim=2)
        return self.head(torch.cat([mean, peak], dim=1)).squeeze(1)


class SeriesFamily(GANFamily):
    """Multichannel series of any length with gaps; see the module docstring."""

    name = "series"

    def __init__(self, columns: list[str], scaler: ChannelScaler | QuantileScaler, lengths: dict[int, int], hidden: int = 64,
                 layers: int = 2, latent: int = 16, width: int = 64, anchor: float = 0.0, windows: bool = False,
                 components: int = 1, rank: int = 0, gaps: GapChains | None = None, forms: ChannelForms | None = None,
                 autoregression: bool = False, holds: tuple[int, ...] = (), id_column: str = ID_COLUMN,
                 time: TimeAxis | None = None, change_scale: list[float] | None = None):
        """`lengths`: how many training series have each length (generation draws from it);
        `components`, `rank`, `holds`: the shape of a step's distribution (`StepDistribution`);
        `gaps`: the training series' gaps, for generated series that should have them (None: none);
        `forms`: what each channel's values may be (levels, a grid, a copy, a floor), kept in what is written;
        `anchor`: weight of the likelihood of the real batch kept beside the adversarial loss;
        `autoregression`: a linear path from a step's values to the next step's means (`SeriesGenerator`);
        `windows`: the training examples were cut from longer series (so any length may be written);
        `id_column`: the column naming each series in a long-form CSV written (the training data's);
        `time`: the training data's --time column, written beside the channels (None: it had none);
        `change_scale`: each channel's spread of step changes, which the generator reads (`SeriesGenerator`; None: it does not)."""
        self.columns, self.scaler = list(columns), scaler
        self.lengths = {int(length): int(count) for length, count in lengths.items()}
        self.hidden, self.layers, self.latent, self.width = hidden, layers, latent, width
        self.anchor, self.windows, self.autoregression = anchor, windows, autoregression
        self.step = StepDistribution(len(self.columns), components, rank, tuple(holds))
        self.gaps = gaps
        self.forms = forms
        self.id_column, self.time = id_column, time
        self.change_scale = None if change_scale is None else [float(scale) for scale in change_scale]
        self.reference: list[np.ndarray] | None = None  # real series drawn beside the samples (training only)
        self.step_noise: Callable[[torch.Tensor], torch.Tensor] | None = None  # the step noise's calibration (`step_noise`)

    @property
    def channels(self) -> int:
        return len(self.columns)

    @property
    def max_length(self) -> int:
        return max(self.lengths)

    def build_generator(self) -> nn.Module:
        scale = 0.0 if self.windows else max(self.max_length - 1, 1)
        return SeriesGenerator(self.step, self.hidden, self.layers, self.latent, position_scale=scale,
                               autoregression=self.autoregression, change_scale=self.change_scale)

    def build_discriminator(self) -> nn.Module:
        return SeriesDiscriminator(self.channels, self.width)

    def config(self) -> dict[str, Any]:
        return {"columns": self.columns, "scaler": self.scaler.to_dict(), "lengths": {str(k): v for k, v in self.lengths.items()},
                "hidden": self.hidden, "layers": self.layers, "latent": self.latent, "width": self.width,
                "anchor": self.anchor, "windows": self.windows, "components": self.step.components, "rank": self.step.rank,
                "autoregression": self.autoregression, "holds": list(self.step.holds),
                "gaps": self.gaps.to_dict() if self.gaps else None, "id_column": self.id_column,
                **({"forms": self.forms.to_dict()} if self.forms is not None else {}),  # runs from before forms have none
                **({"time": self.time.to_dict()} if self.time is not None else {}),
                **({"change_scale": self.change_scale} if self.change_scale is not None else {})}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> SeriesFamily:
        lengths = {int(k): v for k, v in config["lengths"].items()}
        return cls(config["columns"], scaler_from_dict(config["scaler"]), lengths, config["hidden"], config["layers"],
                   config["latent"], config["width"], config["anchor"], config["windows"], config.get("components", 1),
                   config.get("rank", 0), GapChains(**config["gaps"]) if config.get("gaps") else None,
                   ChannelForms.from_dict(config["forms"]) if "forms" in config else None,
                   config.get("autoregression", False), tuple(config.get("holds", ())),
                   config.get("id_column", ID_COLUMN), TimeAxis.from_dict(config.get("time")),
                   config.get("change_scale"))  # runs from before them have none

    # -- noise
    def draw_lengths(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """`n` lengths drawn from the training series' lengths."""
        lengths = torch.tensor(sorted(self.lengths), dtype=torch.long)
        weights = torch.tensor([self.lengths[int(k)] for k in lengths], dtype=torch.float)
        return lengths[torch.multinomial(weights, n, replacement=True, generator=generator)]

    def noise_with_flags(self, flags: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """Generator input for series carrying `flags` `(n, steps, C + 1)` (observed, step)."""
        n, steps, _ = flags.shape
        device = flags.device
        z = torch.randn(n, 1, self.latent, device=device, generator=generator).expand(n, steps, self.latent)
        normal = torch.randn(n, steps, self.channels + self.step.rank, device=device, generator=generator)
        if self.step_noise is not None:
            normal = torch.cat([self.step_noise(normal[..., :self.channels]), normal[..., self.channels:]], dim=-1)
        uniform = torch.rand(n, steps, self.step.draws - normal.shape[-1], device=device, generator=generator)
        return torch.cat([z, normal, uniform, flags], dim=-1)

    def noise_for_lengths(self, lengths: torch.Tensor, device: torch.device, generator: torch.Generator | None = None,
                          steps: int | None = None) -> torch.Tensor:
        """Generator input for complete series of these lengths, padded to `steps` (the longest)."""
        steps = steps or int(lengths.max())
        present = (torch.arange(steps)[None, :] < lengths[:, None]).float()
        flags = present[..., None].expand(len(lengths), steps, self.channels + 1).to(device)
        return self.noise_with_flags(flags, generator)

    def sample_noise(self, n: int, device: torch.device, generator: torch.Generator | None = None) -> torch.Tensor:
        cpu_generator = None
        if generator is not None:  # lengths are drawn on the CPU, from the same seeded stream
            cpu_generator = torch.Generator().manual_seed(int(torch.randint(2**62, (1,), device=generator.device,
                                                                            generator=generator)))
        return self.noise_for_lengths(self.draw_lengths(n, cpu_generator), device, generator, steps=self.max_length)

    def generator_input(self, batch: torch.Tensor, n: int, device: torch.device,
                        generator: torch.Generator | None = None) -> torch.Tensor:
        """Noise carrying the real batch's own lengths and gaps, so D compares like with like."""
        return self.noise_with_flags(batch[:n, :, self.channels:].to(device), generator)

    # -- losses
    def pretrain_loss(self, generator: nn.Module, batch: torch.Tensor) -> torch.Tensor:
        return self.likelihood_loss(generator, batch)

    def likelihood_loss(self, generator: nn.Module, batch: torch.Tensor) -> torch.Tensor:
        """Negative log-likelihood (without the constant) of `batch`'s observed values, per value."""
        c = self.channels
        z = torch.randn(len(batch), self.latent, device=batch.device)
        raw = generator.teacher_forced(batch, z).float()
        values, observed = batch[..., :c], batch[..., c:2 * c]
        loss = self.step.negative_log_likelihood(raw, values, observed, *self.previous_steps(batch))
        return loss.sum() / observed.sum().clamp(min=1)

    def previous_steps(self, batch: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(values, observed flags) of the step before each step of packed `batch`; none before the first."""
        previous = F.pad(batch[:, :-1, :2 * self.channels], (0, 0, 1, 0))
        return previous[..., :self.channels], previous[..., self.channels:]

    def generator_aux_loss(self, generator: nn.Module, discriminator: nn.Module, fake_input: torch.Tensor,
                           batch: torch.Tensor) -> torch.Tensor | None:
        return self.anchor * self.likelihood_loss(generator, batch) if self.anchor else None

    # -- output
    def to_original_units(self, packed: torch.Tensor) -> list[np.ndarray]:
        """Packed scaled series as float64 arrays in the training data's units and channel forms (NaN: missing)."""
        from midigan.series.windows import unpack

        series = [self.scaler.inverse(values) for values in unpack(packed, self.channels)]
        return series if self.forms is None else [self.forms.apply(values) for values in series]

    def write_samples(self, fake: torch.Tensor, out_stem: Path) -> None:
        """A long-form CSV of the sample series and a PNG of the first few beside real ones."""
        from midigan.series.plot import write_series_plot
        from midigan.series.writing import write_long_csv

        series = self.to_original_units(fake)
        write_long_csv(series, self.columns, out_stem.with_suffix(".csv"), self.id_column, self.time)
        write_series_plot(series[:4], self.reference[:4] if self.reference else [], out_stem.with_suffix(".png"))

