"""Generating rows: unconditioned or `--where COL=VALUE`, through the copy guards (exact and
near, see `guard` and `nearness`), written as the training table was.

A condition drives the generator's conditional input (the rarest condition asked, when several)
and every condition is then checked on the rows drawn, which are kept only when they meet them
all: rows honour `--where` exactly, whatever the model learnt.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from torch import nn

from midigan.table.copula import ResidualCopula
from midigan.table.encoding import TableEncoding
from midigan.table.errors import TableError
from midigan.table.guard import ALLOWANCE_STREAM, CopyGuard
from midigan.table.kinds import NUMERIC
from midigan.table.nearness import NearCopyGuard
from midigan.table.written import from_typed

BATCH = 8192
MAX_DRAWS = 200  # draws per requested row before a condition counts as one the model cannot meet


@dataclass
class Generated:
    frame: pd.DataFrame
    drawn: int  # rows the generator made
    refused_copies: int  # rows equal to a rare training row, drawn again
    refused_near: int  # rows sharing a rare training row's cell (see nearness), drawn again
    unmet: int  # rows that missed a --where condition


@dataclass
class Condition:
    column: int  # index among the modelled columns
    value: object  # typed value
    state: int

    def met(self, typed: np.ndarray) -> np.ndarray:
        if isinstance(self.value, float):
            return np.isclose(typed.astype(float), self.value)
        return typed == self.value


def parse_conditions(family, where: tuple[str, ...] | list[str] | dict) -> list[Condition]:
    """`COL=VALUE` texts (or a {column: value} dict) as conditions; TableError naming what is wrong.
    Names and values are read with the spaces around them trimmed, as the reader trims a table's
    cells (`--where "city = Paris"`, pasted, asked for a column "city " and a value " Paris")."""
    items = where.items() if isinstance(where, dict) else [_split(text) for text in where]
    encoding = family.encoding
    names = [code.name for code in encoding.codes]
    conditions = []
    by_name = {column.name: column for column in encoding.columns}
    for asked, asked_value in items:
        name, value = str(asked).strip(), str(asked_value).strip()
        column = by_name.get(asked) or by_name.get(name)  # a name with spaces in it as written, or trimmed
        if column is None:
            raise TableError(
                f"--where {name}=...: no column {name!r}; the columns are {', '.join(c.name for c in encoding.columns)}"
            )
        name = column.name
        if not column.modelled:
            raise TableError(f"--where {name}=...: {name} is not modelled ({column.kind}), so rows cannot be conditioned on it")
        index = names.index(name)
        code = encoding.codes[index]
        if column.kind == "datetime":
            raise TableError(f"--where {column.name}=...: conditions on dates are not supported")
        if code.continuous:
            raise TableError(
                f"--where {name}=...: {name} is a continuous number; conditions apply to categories, booleans"
                " and numbers with few distinct values"
            )
        typed = _typed_value(column, code, value)
        state = code.state_of(typed)
        if state is None:
            known = ", ".join(str(v) for v in code.values[:12]) + (", ..." if len(code.values) > 12 else "")
            raise TableError(f"--where {name}={value}: the training table has no such value in {name} (it has {known})")
        earlier = next((c for c in conditions if c.column == index), None)
        if earlier is not None and earlier.state != state:
            raise TableError(f"--where names {name} twice ({earlier.value} and {value}): a row holds one value")
        conditions.append(Condition(index, typed, state))
    return conditions


def _split(text: str) -> tuple[str, str]:
    name, equals, value = text.partition("=")
    if not equals or not name.strip():
        raise TableError(f"--where takes COLUMN=VALUE, not {text!r}")
    return name, value


def _typed_value(column, code, text: str):
    if column.kind == "boolean":
        spelled = column.spellings.get(text.strip().lower())
        if spelled is None:
            raise TableError(f"--where {column.name}={text}: {column.name} is {' or '.join(sorted(column.spellings.values()))}")
        return spelled
    if column.kind in NUMERIC:
        try:
            return float(text.replace(",", ""))
        except ValueError:
            raise TableError(f"--where {column.name}={text}: {column.name} holds numbers") from None
    return text


@torch.no_grad()
def generate_rows(
    family,
    generator: nn.Module,
    rows: int,
    seed: int = 0,
    where=(),
    guard: CopyGuard | None = None,
    device: torch.device | str = "cpu",
    near_guard: NearCopyGuard | None = None,
    copula: ResidualCopula | None = None,
) -> Generated:
    """`rows` new rows of the training table's columns (see the module docstring), the columns'
    left-over choices coupled by `copula` where the run has one."""
    if isinstance(rows, bool) or not isinstance(rows, (int, np.integer)) or rows < 0:
        raise TableError(f"the number of rows is a whole number from 0 up, not {rows!r}")
    conditions = parse_conditions(family, where)
    draws = torch.Generator().manual_seed(seed)
    rng = np.random.default_rng(seed)
    allowance = np.random.default_rng([seed, ALLOWANCE_STREAM])
    torch.manual_seed(seed)
    columns = family.encoding.columns
    driver = min(conditions, key=lambda c: family.encoding.codes[c.column].frequencies[c.state]) if conditions else None
    kept: list[dict[str, np.ndarray]] = []
    have = drawn = refused = near = unmet = 0
    while have < max(rows, 1):  # zero rows are drawn as one, for the columns' dtypes
        if drawn >= MAX_DRAWS * rows + BATCH:
            if conditions:
                asked = " and ".join(f"{columns_name(family, c)}={c.value}" for c in conditions)
                raise TableError(
                    f"only {have} of {rows} rows met {asked} without copying a training row after {drawn} draws;"
                    " the model rarely makes such rows"
                )
            raise TableError(
                f"only {have} of {rows} rows came out unlike the rare training rows after {drawn} draws: the copy guards"
                " refused the rest (--no-guard, or guard=False, writes rows without them)"
            )
        size = min(BATCH, max(256, int((rows - have) * 1.2)))
        inputs = family.sample_noise(size, torch.device("cpu"), generator=draws)
        if driver is not None:
            inputs[:, family.condition_start :] = 0.0
            position = int(family.condition_offsets[family.encoding.condition_columns.index(driver.column)]) + driver.state
            inputs[:, family.condition_start + position] = 1.0
        uniforms = copula.couple(family, inputs, draws) if copula else None
        states, scores = family.draw(generator(inputs.to(device)), draws, uniforms)
        drawn += size
        typed = family.encoding.decode(states, scores, rng)
        _rare_values_as_asked(conditions, family.encoding, states, typed)
        met = np.ones(size, dtype=bool)
        for condition in conditions:
            met &= condition.met(typed[family.encoding.codes[condition.column].name])
        none = np.zeros(size, dtype=bool)
        equal = guard.copies(typed, columns) & met if guard is not None else none
        close = near_guard.near_copies(family.encoding, states, scores) & met & ~equal if near_guard is not None else none
        copies = guard.refused(equal, met & ~close, allowance) if guard is not None else none
        keep = met & ~copies & ~close
        used = _rows_used(keep, max(rows, 1) - have)  # rows past the last one written were not drawn again for it
        unmet, refused, near = unmet + int((~met[:used]).sum()), refused + int(copies[:used].sum()), near + int(close[:used].sum())
        kept.append({name: values[keep] for name, values in typed.items()})
        have += int(keep.sum())
    typed = {name: np.concatenate([part[name] for part in kept])[:rows] for name in kept[0]}
    return Generated(from_typed(typed, columns, rows), drawn, refused, near, unmet)


def _rare_values_as_asked(
    conditions: list[Condition], encoding: TableEncoding, states: np.ndarray, typed: dict[str, np.ndarray]
) -> None:
    """A condition on a rare category (one of those sharing the "other" state) gets its value in
    every row drawn in that state. Why: "other" is decoded by drawing one of thousands of values by
    frequency, whatever the row, so rows drawn in it hold the asked value no likelier than by chance
    (--where code=k2999 of 3,000 codes failed after 9,216 draws); and, that draw being independent
    of the row, rows in "other" are exactly those the condition picks."""
    for condition in conditions:
        code = encoding.codes[condition.column]
        if code.other and condition.state == code.other_state:
            typed[code.name][states[:, condition.column] == condition.state] = condition.value


def _rows_used(keep: np.ndarray, needed: int) -> int:
    """How many of a batch's rows, in order, it takes to keep `needed` (all of them where it keeps fewer)."""
    kept_at = np.flatnonzero(keep)
    return int(kept_at[needed - 1]) + 1 if len(kept_at) >= needed else len(keep)


def columns_name(family, condition: Condition) -> str:
    return family.encoding.codes[condition.column].name
