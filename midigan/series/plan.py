"""From read series to what the engine trains: the examples, the held-out part, the family, the
validation and the training settings. One path shared by `midigan series train` and `SeriesGAN`.

- One long series (or any set given `length`) is cut into windows of `length` steps (24 by
  default, as TimeGAN); other sets train on whole series, padded to the longest.
- A tenth is held out to judge the run: whole series when there are at least `SERIES_SPLIT` (or
  `FEW_SERIES` whole series), else the last tenth of every series' steps for windows, and
  nothing for fewer whole series (their tails would shorten what the model learns to write).
  Windows are cut from each part separately, so no held-out step is in a training window.
- Scaling is fitted on the training part only.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import torch

from midigan.series.channels import ChannelForms, repeating_channels
from midigan.series.gaps import GapChains
from midigan.series.model import SeriesFamily
from midigan.series.reading import LONG, SeriesSet
from midigan.series.scaling import SCALERS, ChannelScaler, QuantileScaler
from midigan.series.timeaxis import TimeAxis
from midigan.series.validation import SeriesValidation
from midigan.series.windows import cut_windows, pack, series_split, time_split, window_starts
from midigan.series.writing import ID_COLUMN

DEFAULT_LENGTH = 24
HELD_OUT_SHARE = 0.1
SERIES_SPLIT = 10  # from this many series on, whole series are held out
FEW_SERIES = 5  # ... and from this many when the model learns whole series
REFERENCE_SERIES = 4  # real series drawn beside the samples

#: The model's size (see SeriesFamily); scaling, rank and autoregression None: as `for_channels` says (docs/series.md);
#: holds None: the channels that repeat their values (`channels.repeating_channels`), [] none; changes: the GRU reads the
#: previous step's change (`SeriesGenerator`; an option until measured on a report set, docs/series.md).
MODEL_DEFAULTS = {"hidden": 64, "layers": 2, "latent": 16, "width": 64, "anchor": 0.0, "components": 1, "rank": None,
                  "scaling": None, "autoregression": None, "holds": None, "changes": False}
MANY_CHANNELS = 16
MAX_RANK = 8
#: The engine's settings for a series run (TrainConfig fields), chosen on the tuning sets (docs/series.md).
TRAIN_DEFAULTS = {
    "max_minutes": 10.0, "max_steps": None, "batch_size": 64, "loss": "ns", "g_lr": 1e-3, "adversarial_g_lr": 1e-4,
    "d_lr": 2e-4, "r1_gamma": 1.0, "eval_every": 200, "patience": 5, "pretrain_steps": 10**9, "pretrain_time_share": 0.5,
    "ema_decay": 0.999, "sample_every": 1000, "checkpoint_every": 500, "log_every": 50, "n_samples": 16,
}


def budgeted(settings: dict, pretrain_steps_given: bool) -> dict:
    """`settings` (TrainConfig fields) with pretraining held to half of each budget given: half the
    steps of a step budget (unless `pretrain_steps_given`), and no time share without a time budget.
    Why: pretraining otherwise ends on half the time or on validation, and a step budget beside a time
    budget (or alone in SeriesGAN, whose time budget has a default) went to pretraining whole."""
    settings = dict(settings)
    if settings.get("max_minutes") is None:
        settings["pretrain_time_share"] = None
    if settings.get("max_steps") is not None and not pretrain_steps_given:
        settings["pretrain_steps"] = settings["max_steps"] // 2
    return settings


@dataclass
class SeriesPlan:
    family: SeriesFamily
    data: torch.Tensor
    validation: SeriesValidation | None
    report: list[str] = field(default_factory=list)


def plan_training(data: SeriesSet, length: int | None = None, seed: int = 0, forms: bool = True, **model) -> SeriesPlan:
    """See the module docstring; `model` overrides MODEL_DEFAULTS; without `forms` channels are
    written as the generator gives them (runs from before channel forms). ValueError for unusable data."""
    windows = data.form == LONG or length is not None
    length = length or (DEFAULT_LENGTH if windows else None)
    if len(data.series) >= (SERIES_SPLIT if windows else FEW_SERIES):
        kept, held = series_split(len(data.series), HELD_OUT_SHARE, seed)
        training, held_out = [data.series[i] for i in kept], [data.series[i] for i in held]
        split = f"{len(held_out)} of {len(data.series)} series held out to judge the run"
    elif windows:
        training, held_out = time_split(data.series, HELD_OUT_SHARE)
        split = f"the last {HELD_OUT_SHARE:.0%} of every series' steps held out to judge the run"
    else:
        training, held_out, split = list(data.series), [], "too few series to hold any out"
    starts = None  # each training window's (series, first step), which the copy guard needs
    if windows:
        starts = np.array(window_starts(training, length)).reshape(-1, 2)
        training, held_out = cut_windows(training, length), cut_windows(held_out, length) if held_out else []
    long_enough = [index for index, values in enumerate(training) if len(values) >= 2]
    too_short = len(training) - len(long_enough)  # said: a series the user gave is not learnt from
    what = f"window{'s' * (too_short > 1)}" if windows else "series"
    left_out = f"; {too_short} {what} of one step left out" if too_short else ""
    training = [training[index] for index in long_enough]
    starts = starts[long_enough] if starts is not None else None
    held_out = [values for values in held_out if len(values) >= 2]
    if not training:
        raise ValueError("no series of two steps or more to train on")
    present = ~np.isnan(np.concatenate(training, axis=0)).all(axis=0)
    if not present.all():  # nothing to scale it by; said here, where the channels have names
        where = " in the training part" if held_out and np.isfinite(np.concatenate(held_out, axis=0)[:, ~present]).any() else ""
        raise ValueError(f"channel {data.columns[int(np.flatnonzero(~present)[0])]!r} has no value at all{where}")
    time = TimeAxis.from_dict(model.pop("time")) if "time" in model else data.time  # a resumed run keeps its own
    chosen = {name: value for name, value in model.items() if value is not None}
    model = {**MODEL_DEFAULTS, **for_channels(data.channels), **chosen}
    if model["holds"] is None:  # not given (a resumed run gives its own)
        model["holds"] = repeating_channels(training)
    if model["scaling"] not in SCALERS:
        raise ValueError(f"scaling must be one of {', '.join(SCALERS)}, not {model['scaling']!r}")
    scaler = SCALERS[model.pop("scaling")].fit(training)
    steps = max(len(values) for values in training)
    scaled = _scaled(scaler, training)
    packed = pack(scaled, steps)
    change_scale = change_spread(scaled) if model.pop("changes") else None
    family = SeriesFamily(data.columns, scaler, Counter(len(values) for values in training), windows=windows,
                          change_scale=change_scale,
                          gaps=GapChains.fit(packed, data.channels), forms=ChannelForms.fit(training) if forms else None,
                          id_column=data.id_column or ID_COLUMN, time=time, **model)
    spread = np.linspace(0, len(training) - 1, min(REFERENCE_SERIES, len(training))).astype(int)
    family.reference = [training[i] for i in spread]
    validation = None
    if held_out:
        held_packed = pack([values[:steps] for values in _scaled(scaler, held_out)], steps)
        validation = SeriesValidation(family, packed, held_packed, starts=starts)
    if windows:  # a series shorter than the window is one window of its own length, and so is every series generated
        shape = f"window{'s' if len(training) != 1 else ''} of {steps} steps"
        shape += f" (the training series are shorter than the {length} asked for)" if steps < length else ""
    else:
        shape = f"whole series of up to {steps} steps"
    if validation is None:
        split += " (no validation: generation uses the last checkpoint)"
    report = [f"training on {len(training)} {shape}; {split}{left_out}", *(family.forms.describe(family.columns) if forms else [])]
    if family.step.holds:
        report.append("may hold their last value: " + ", ".join(family.columns[c] for c in family.step.holds))
    if family.time is not None:
        report.append(f"generated series are written with the time column {family.time.describe()} (a typical training series' times)")
    return SeriesPlan(family, packed, validation, report)


def for_channels(channels: int) -> dict:
    """Scaling, shared shocks and the autoregressive path for a set of `channels`. Many channels (a
    house of sensors): normal scores and half as many shared factors as channels, at most
    MAX_RANK (on the 28-channel tuning set they took the discriminative score from 0.50 to 0.25),
    and a linear path from a step's values to the next step's means (there, at 4 minutes, 0.49 to
    0.24; on TimeGAN's Energy set, a report set that showed the need, see docs/series.md). Few
    channels: standardised values and none of them, as before; with normal scores and shared
    shocks Stocks' windows (6 channels) were told from training windows at 0.50 instead of 0.10,
    and the autoregressive path took Sines from 0.043 to 0.065 (docs/series.md)."""
    if channels >= MANY_CHANNELS:
        return {"scaling": "quantile", "rank": min(MAX_RANK, channels // 2), "autoregression": True}
    return {"scaling": "standard", "rank": 0, "autoregression": False}


def change_spread(series: list[np.ndarray]) -> list[float]:
    """Each channel's standard deviation of step changes in `series` (scaled units; 1 where it has none)."""
    changes = np.concatenate([np.diff(values, axis=0) for values in series], axis=0)
    observed = [column[np.isfinite(column)] for column in changes.T]
    return [float(column.std()) if len(column) and column.std() > 0 else 1.0 for column in observed]


def _scaled(scaler: ChannelScaler | QuantileScaler, series: list[np.ndarray]) -> list[np.ndarray]:
    """Every series scaled in one call: the quantile map costs per call, and a long series makes many windows."""
    return np.split(scaler.transform(np.concatenate(series, axis=0)), np.cumsum([len(values) for values in series])[:-1])


def stored_model(config: dict) -> dict:
    """The model settings of a run's stored family config, so a resumed run plans as it was trained
    (runs from before the quantile scaling were standardised, with no shared shocks)."""
    return {**{name: config[name] for name in MODEL_DEFAULTS if name in config}, "rank": config.get("rank", 0),
            "autoregression": config.get("autoregression", False), "holds": config.get("holds", []),
            "scaling": config["scaler"].get("kind", "standard"), "forms": "forms" in config, "time": config.get("time"),
            "changes": "change_scale" in config}
