"""The notebook API, in the style of scikit-learn and SDV: `TableGAN(...).fit(df).sample(n)`,
`save` / `load`, pandas in and out.

>>> from midigan.table import TableGAN
>>> model = TableGAN(max_minutes=5).fit(df)
>>> synthetic = model.sample(1000, where={"placed": "True"})
>>> model.save("placements.pt"); model = TableGAN.load("placements.pt")

It trains through the same engine and run folder as `midigan table train` (a temporary folder
unless `run_dir` is given), so a model saved here generates with `midigan table generate`.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch import nn

from midigan.table.copula import ResidualCopula
from midigan.table.errors import TableError
from midigan.table.family import TableFamily
from midigan.table.guard import CopyGuard
from midigan.table.nearness import NearCopyGuard
from midigan.table.sampling import Generated, generate_rows


@dataclass
class TableModel:
    """A trained table model ready to generate: family (with its encoding), EMA generator, guards."""

    family: TableFamily
    generator: nn.Module
    guard: CopyGuard | None
    near_guard: NearCopyGuard | None
    device: torch.device
    path: Path
    copula: ResidualCopula | None = None

    def generate(self, rows: int, seed: int = 0, where=(), guard: bool = True) -> Generated:
        """`guard`: the exact and the near-copy guards, both on by default."""
        guards = (self.guard, self.near_guard) if guard else (None, None)
        return generate_rows(self.family, self.generator, rows, seed, where, guards[0], self.device, guards[1], self.copula)


def load_run(path: str | Path, device: str = "cpu") -> TableModel:
    """The model in a run folder (its best.pt) or checkpoint file; CheckpointError if it is none."""
    from midigan.core.checkpoint import load_model
    from midigan.core.device import resolve_device

    torch_device = resolve_device(device)
    loaded = load_model(path, TableFamily, torch_device)
    artifacts = loaded.artifacts
    guards = CopyGuard.from_artifacts(artifacts), NearCopyGuard.from_artifacts(artifacts)
    return TableModel(loaded.family, loaded.generator, *guards, torch_device, loaded.path, ResidualCopula.from_artifacts(artifacts))


class TableGAN:
    """A GAN for one table. Settings: the time (`max_minutes`, default 10) or step budget, `seed`,
    `categorical` columns to force, `run_dir` to keep the run folder, `batch_size`, `device`,
    `verbose` for the progress bar; any other keyword sets the network (see
    `midigan.table.family.SETTINGS`)."""

    def __init__(
        self,
        max_minutes: float | None = None,
        max_steps: int | None = None,
        seed: int = 0,
        categorical: tuple[str, ...] | list[str] = (),
        run_dir: str | Path | None = None,
        batch_size: int = 500,
        device: str = "auto",
        verbose: bool = False,
        **model,
    ):
        self.max_minutes, self.max_steps, self.seed = max_minutes, max_steps, seed
        self.categorical, self.run_dir, self.batch_size = tuple(categorical), run_dir, batch_size
        self.device, self.verbose, self.model = device, verbose, model
        self._model: TableModel | None = None
        self._scratch: tempfile.TemporaryDirectory | None = None
        self._names: dict[str, object] = {}  # the fitted frame's column names (e.g. integers) by their text
        self._dtypes: dict[object, object] = {}  # ... and their pandas dtypes, which rows come back in where they can

    def fit(self, frame: pd.DataFrame) -> TableGAN:
        """Learn `frame` (kinds inferred as `midigan table train` does); returns self."""
        from midigan.core.config import TrainConfig
        from midigan.core.trainer import Trainer
        from midigan.table.copula import calibrate_finished_run
        from midigan.table.training import check_batch, plan_table, train_settings

        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"fit takes a pandas DataFrame, not {type(frame).__name__}")
        names = [str(name) for name in frame.columns]  # the kinds and the checkpoint know columns by text
        if len(set(names)) < len(names):
            raise TableError("the frame names a column more than once")
        self._names = {text: name for text, name in zip(names, frame.columns)}
        self._dtypes = dict(zip(frame.columns, frame.dtypes))
        frame = frame.set_axis(names, axis=1).reset_index(drop=True)
        plan = plan_table(frame, tuple(str(name) for name in self.categorical), self.seed, self.model)
        check_batch(self.batch_size, plan.family)
        if self.run_dir is None:
            self._scratch = tempfile.TemporaryDirectory(prefix="tablegan-")
            run_dir = Path(self._scratch.name) / "run"
        else:
            run_dir = Path(self.run_dir)
        settings = train_settings(self.max_minutes, self.max_steps, batch_size=self.batch_size)
        config = TrainConfig.from_dict(
            {**settings, "run_dir": str(run_dir), "seed": self.seed, "device": self.device, "progress": self.verbose}
        )
        say = print if self.verbose else (lambda message: None)
        for line in plan.report:
            say(line)
        result = Trainer(plan.family, plan.data, config, plan.validation, plan.artifacts, say).fit()
        calibrate_finished_run(result, plan.validation, say)
        self._model = load_run(run_dir, self.device)
        return self

    def sample(self, n: int, seed: int = 0, where: dict | None = None, guard: bool = True) -> pd.DataFrame:
        """`n` new rows as a DataFrame with the training frame's columns; `where` = {column: value}.
        `guard` (on by default) draws again rows equal, or abnormally close, to a rare training row
        (where rows repeat, only those beyond the share new real rows hold); TableError when too few rows pass it or `where`."""
        where = {str(name): value for name, value in (where or {}).items()}
        frame = self._trained().generate(n, seed=seed, where=where, guard=guard).frame
        return _as_fitted(frame.rename(columns=self._names), self._dtypes) if self._names else frame

    def save(self, path: str | Path) -> None:
        """Write the model as one checkpoint file (also readable by `midigan table generate --model`)."""
        shutil.copyfile(self._trained().path, path)

    @classmethod
    def load(cls, path: str | Path, device: str = "cpu") -> TableGAN:
        """A model saved by `save` (or a `midigan table train` run or checkpoint); its columns are named
        as text, and come back in the dtypes generation gives (categories as text, numbers as float64
        or int64, booleans as bool; Int64 and boolean where the training column had gaps)."""
        model = cls(device=device)
        model._model = load_run(path, device)
        return model

    @property
    def columns(self):
        """What was inferred about each column (kinds, ranges, formats)."""
        return self._trained().family.encoding.columns

    def _trained(self) -> TableModel:
        if self._model is None:
            raise RuntimeError("this TableGAN is not fitted yet: call fit(df) first")
        return self._model


def _as_fitted(frame: pd.DataFrame, dtypes: dict) -> pd.DataFrame:
    """`frame` with a column the fitted frame held as a category or a narrow number (float32, uint8
    ...) in that dtype again, where its values fit it (an integer column with gaps stays Int64).
    Other dtypes are the ones generation gives, for a loaded model too."""
    for name, dtype in dtypes.items():
        narrow = isinstance(dtype, np.dtype) and dtype.kind in "iuf" and dtype not in (np.float64, np.int64)
        if frame[name].dtype == dtype or not (narrow or isinstance(dtype, pd.CategoricalDtype)):
            continue
        try:
            frame[name] = frame[name].astype(dtype)
        except (ValueError, TypeError):
            continue
    return frame
