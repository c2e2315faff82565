"""`SeriesGAN`: the Python way in, doing what `midigan series train` / `generate` do.

    from midigan.series import SeriesGAN
    model = SeriesGAN(max_minutes=5).fit(array_or_dataframe)   # (series, steps, channels), a list, a DataFrame, a Series, a path
    fake = model.sample(100)                                    # (100, steps, channels) in the data's units, NaN-padded
    model.save("model.pt"); SeriesGAN.load("model.pt").sample(10)
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from midigan.series.reading import SeriesSet, read_array, read_frame, read_series


class SeriesGAN:
    def __init__(self, length: int | None = None, max_minutes: float | None = 10.0, max_steps: int | None = None, seed: int = 0,
                 run_dir: str | Path | None = None, id_column: str | None = None, time_column: str | None = None,
                 device: str = "auto", progress: bool = False, **settings: Any):
        """`length`: windows of this many steps (default: 24 for one long series, else whole series);
        `run_dir`: where the run folder goes (default: a temporary folder); `settings`: the model's
        (`plan.MODEL_DEFAULTS`: hidden, layers, latent, width, anchor, components, rank, scaling,
        autoregression, holds, changes) and the engine's (`plan.TRAIN_DEFAULTS`, any TrainConfig field) in place of
        the defaults."""
        _check("length", length, True, 2)  # as the CLI's options are checked: 0 read as no length, 2.5 as a TypeError deep in training
        _check("max_steps", max_steps, True, 1)
        _check("max_minutes", max_minutes, False, 0, above=True)
        self.length, self.max_minutes, self.max_steps, self.seed = length, max_minutes, max_steps, seed
        self.run_dir, self.id_column, self.time_column = run_dir, id_column, time_column
        self.device, self.progress, self.settings = device, progress, settings
        self.family = self.generator = None
        self.report: list[str] = []  # what the last fit said: what it read and planned, what it fitted after training
        self._scratch: tempfile.TemporaryDirectory | None = None

    def fit(self, data) -> SeriesGAN:
        """Train on `data`: an array (series, steps, channels), (steps, channels) or (steps,), a list
        of (steps, channels) arrays or of 1-D arrays / pandas Series, a pandas DataFrame (one long series, or long form with
        `id_column`), a pandas Series (one long series of one channel, named by its name), or a path
        `midigan series train` reads. Errors are ValueError (bad data) or
        the engine's TrainingError."""
        from midigan.core.checkpoint import resolve_checkpoint
        from midigan.core.config import TrainConfig
        from midigan.core.trainer import Trainer
        from midigan.series.plan import MODEL_DEFAULTS, TRAIN_DEFAULTS, budgeted, plan_training
        from midigan.series.step_noise import calibrate_finished_run

        unknown = set(self.settings) - set(MODEL_DEFAULTS) - set(TrainConfig.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown settings: {', '.join(sorted(unknown))}")
        model = {name: value for name, value in self.settings.items() if name in MODEL_DEFAULTS}
        training = {name: value for name, value in self.settings.items() if name not in MODEL_DEFAULTS}
        plan = plan_training(self._read(data), self.length, self.seed, **model)
        if self.run_dir:
            run_dir = Path(self.run_dir)
        else:  # removed with the model (save() copies its checkpoint out)
            self._scratch = tempfile.TemporaryDirectory(prefix="midigan-series-")
            run_dir = Path(self._scratch.name) / "run"
        if self.max_minutes is None and self.max_steps is None:
            raise ValueError("give a budget: max_minutes or max_steps")
        settings = budgeted({**TRAIN_DEFAULTS, "max_minutes": self.max_minutes, "max_steps": self.max_steps, "seed": self.seed},
                            "pretrain_steps" in training)
        settings.update(training)
        if plan.validation is None:
            settings["eval_every"] = 0
        config = TrainConfig.from_dict({**settings, "run_dir": str(run_dir), "device": self.device, "progress": self.progress})
        self.report = []
        for line in plan.report:
            self._say(line)
        result = Trainer(plan.family, plan.data, config, plan.validation).fit()
        calibrate_finished_run(result, plan.data, plan.validation, self._say)
        self.checkpoint = resolve_checkpoint(run_dir)
        self._load(self.checkpoint)
        return self

    def sample(self, n: int, length: int | None = None, seed: int = 0, gaps: bool = False) -> np.ndarray:
        """`n` new series, `(n, steps, channels)` float64 in the data's units; shorter series
        padded with NaN (lengths as the training series' unless `length` is given); with `gaps`,
        NaN where values go missing as in the training series."""
        from midigan.series.generate import generate_series
        from midigan.series.writing import padded

        if self.generator is None:
            raise RuntimeError("fit or load the model first")
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise ValueError(f"n is a whole number from 0 up, not {n!r}")
        if length is not None and length < 1:
            raise ValueError(f"length is at least 1 step, not {length!r}")
        if n == 0:  # none asked for: the shape's other sides still say steps and channels, the same for every seed
            return np.zeros((0, length or self.family.max_length, self.family.channels))
        device = next(self.generator.parameters()).device
        return padded(generate_series(self.family, self.generator, n, seed=seed, length=length, device=device, gaps=gaps))

    @property
    def columns(self) -> list[str]:
        if self.family is None:
            raise RuntimeError("fit or load the model first")
        return list(self.family.columns)

    def save(self, path: str | Path) -> None:
        """Write the trained model (its best checkpoint) to `path`."""
        if self.generator is None:
            raise RuntimeError("fit or load the model first")
        shutil.copyfile(self.checkpoint, path)

    @classmethod
    def load(cls, path: str | Path, device: str = "auto") -> SeriesGAN:
        """A model written by `save`, or a run folder of `midigan series train`."""
        from midigan.core.checkpoint import resolve_checkpoint

        model = cls(device=device)
        model.checkpoint = resolve_checkpoint(path)
        model._load(model.checkpoint)
        return model

    def _load(self, checkpoint: Path) -> None:
        from midigan.core.device import resolve_device
        from midigan.series.step_noise import load_series

        self.family, self.generator = load_series(checkpoint, resolve_device(self.device))

    def _say(self, line: str) -> None:
        self.report.append(line)
        if self.progress:
            print(line)

    def _read(self, data) -> SeriesSet:
        if isinstance(data, (str, Path)):
            return read_series(data, self.id_column, self.time_column)
        if hasattr(data, "to_frame") and not hasattr(data, "columns"):  # a pandas Series: its name names the channel
            data = data.to_frame(name="channel_0" if data.name is None else data.name)
        if hasattr(data, "columns") and hasattr(data, "iloc"):  # a pandas DataFrame
            return read_frame(data, self.id_column, self.time_column)
        return read_array(data)


def _check(name: str, value, whole: bool, least: float, above: bool = False) -> None:
    """A ValueError unless `value` is None or a (`whole`) number from `least` up (`above`: more than it)."""
    if value is None:
        return
    kinds = (int, np.integer) if whole else (int, float, np.integer, np.floating)
    if isinstance(value, bool) or not isinstance(value, kinds) or value < least or (above and value == least):
        bound = f"more than {least}" if above else f"at least {least}"
        raise ValueError(f"{name} is None or a {'whole ' * whole}number {bound}, not {value!r}")
