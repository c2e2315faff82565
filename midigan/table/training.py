"""From a table to what the engine trains: the family (with its encoding), the data, the
validation and the copy guards (exact and near); and the training settings tables start from."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch

from midigan.table.encoding import TableEncoding
from midigan.table.errors import TableError
from midigan.table.family import TableFamily
from midigan.table.guard import K_ANONYMITY, CopyGuard
from midigan.table.kinds import MISSING_MARKS, Column, infer_columns, to_typed
from midigan.table.nearness import NearCopyGuard
from midigan.table.reading import HEADLESS_ATTR, HEADLESS_PREFIX, MIN_ROWS
from midigan.table.validation import TableValidation

#: TrainConfig settings of `midigan table train` and `TableGAN` (see docs/tables.md for how they were chosen)
DEFAULTS = {
    "batch_size": 500,
    "loss": "wgan-gp",
    "g_lr": 1e-3,  # the VAE warm start
    "adversarial_g_lr": 2e-4,
    "d_lr": 2e-4,
    "betas": (0.5, 0.9),
    "eval_every": 100,
    "patience": 10,
    "pretrain_time_share": 0.6,
    "ema_decay": 0.99,
    "log_every": 50,
    "sample_every": 1000,
    "checkpoint_every": 500,
    "n_samples": 20,
}
PRETRAIN_SHARE = 0.6  # of --max-steps, when there is no time budget
DEFAULT_MINUTES = 10.0


@dataclass
class TablePlan:
    family: TableFamily
    data: torch.Tensor
    validation: TableValidation
    guard: CopyGuard
    near_guard: NearCopyGuard | None
    report: list[str] = field(default_factory=list)

    @property
    def artifacts(self) -> dict[str, torch.Tensor]:
        return {**self.guard.artifacts(), **(self.near_guard.artifacts() if self.near_guard else {})}


def plan_table(
    frame: pd.DataFrame,
    categorical: tuple[str, ...] = (),
    seed: int = 0,
    model: dict | None = None,
    family_config: dict | None = None,
) -> TablePlan:
    """Everything training needs from `frame`: kinds inferred (`categorical` forced) and an
    encoding fitted, or, with `family_config` (a resumed run), the stored ones applied as they are.
    `model` overrides the family's network settings. TableError under MIN_ROWS rows, as
    `read_table` says of a file (a frame of 3 rows fitted, then every row drawn was a copy)."""
    if len(frame) < MIN_ROWS:
        raise TableError(f"the table holds {len(frame)} rows; a model needs at least {MIN_ROWS}")
    if family_config is not None:
        family = TableFamily.from_config(family_config)
        columns = family.encoding.columns
        typed = _unknown_marks_as_gaps(to_typed(frame, columns), family.encoding)
    else:
        columns = infer_columns(frame, tuple(categorical))
        typed = to_typed(frame, columns)
        try:
            encoding = TableEncoding.fit(typed, columns, seed)
        except ValueError as error:
            raise TableError(str(error)) from None
        family = TableFamily(encoding, **(model or {}))
    encoded = family.encoding.encode(typed)
    data = torch.from_numpy(encoded)
    near_guard = NearCopyGuard.fit(family.encoding, encoded)
    guard = CopyGuard.from_rows(typed, columns)
    report = describe(frame, columns) + [describe_copy_guard(guard), describe_near_guard(near_guard)]
    validation = TableValidation(family, data, typed)
    return TablePlan(family, data, validation, guard, near_guard, report)


def _unknown_marks_as_gaps(typed: dict[str, np.ndarray], encoding: TableEncoding) -> dict[str, np.ndarray]:
    """`typed` with a category's missing marks ("None") that the stored encoding holds no value for
    as gaps. Why: a run trained before "None" was a value among text read it as a gap; resumed, its
    rows held a value it never saw, which its copy guard and validation took for one."""
    for code in encoding.codes:
        if not code.numeric:
            marks = [mark for mark in MISSING_MARKS if mark not in code.values and mark not in code.tail_values]
            typed[code.name][pd.Series(typed[code.name], dtype=object).isin(marks).to_numpy()] = None
    return typed


def describe(frame: pd.DataFrame, columns: list[Column]) -> list[str]:
    """The training log's account of the table: each column's kind, and what is left out."""
    width = max(len(column.name) for column in columns)
    headless = f" (no header row: the first row is data, columns named {HEADLESS_PREFIX}0, ...)" if frame.attrs.get(HEADLESS_ATTR) else ""
    lines = [f"{len(frame)} rows x {len(columns)} columns{headless}"]
    lines += [f"  {column.name:<{width}}  {column.describe()}" for column in columns]
    left_out = [column.name for column in columns if not column.modelled]
    if left_out:
        lines.append(f"not modelled: {', '.join(left_out)} (IDs are written fresh, free text and empty columns as gaps)")
    return lines


def describe_copy_guard(guard: CopyGuard) -> str:
    rule = f"copy guard: rows equal to a training row that fewer than {K_ANONYMITY} training rows share are drawn again"
    if not guard.allowed_share:
        return rule
    return (
        f"{rule} beyond {100 * guard.allowed_share:.1f}% of the rows written (this table's rows repeat: so many of"
        " the training rows, each left out, equal such a row)"
    )


def describe_near_guard(guard: NearCopyGuard | None) -> str:
    if guard is None:
        return "near-copy guard: off (real rows of this table lie too close to each other to tell a near-copy)"
    return (
        f"near-copy guard: rows sharing every state and the same 1/{guard.cells} slice (by rank) of every number with a"
        f" rare training row are drawn again (it would refuse {100 * guard.false_alarms:.1f}% of the training rows, each left out)"
    )


def train_settings(max_minutes: float | None, max_steps: int | None, **overrides) -> dict:
    """TrainConfig fields for a table run: the defaults, the budget and `overrides`; pretraining
    gets PRETRAIN_SHARE of a step budget when there is no time budget."""
    settings = {**DEFAULTS, **{name: value for name, value in overrides.items() if value is not None}}
    settings["max_minutes"], settings["max_steps"] = max_minutes, max_steps
    if max_minutes is None and max_steps is None:
        settings["max_minutes"] = DEFAULT_MINUTES
    settings["pretrain_steps"] = 10**9 if settings["max_minutes"] is not None else max(1, int(PRETRAIN_SHARE * max_steps))
    if settings["max_minutes"] is None:
        settings["pretrain_time_share"] = None
    return settings


def check_batch(batch_size: int, family: TableFamily) -> None:
    pac = family.settings["pac"]
    if batch_size % pac:
        raise TableError(f"the batch size ({batch_size}) must be a multiple of the pack size ({pac})")
