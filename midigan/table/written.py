"""Typed values written back as the training table had them: the form generated and training rows
are compared in (`canonical`: what two rows would be once written) and the frame written out
(`from_typed`: every training column in order, each in the form it was read in). Apart from
`midigan.table.kinds`, which says what the columns are and reads them, because every writer and
comparer needs this and nothing of the inference."""

from __future__ import annotations

import numpy as np
import pandas as pd

from midigan.table.dates import EPOCH, on_grid
from midigan.table.kinds import NUMERIC, Column


def canonical(typed: dict[str, np.ndarray], columns: list[Column]) -> dict[str, np.ndarray]:
    """Typed values as they will be written: numbers rounded to their decimals and clipped to the
    training range, dates moved onto their grid (a day, a weekday, month starts). Generated and
    training rows compare equal in this form exactly when their written rows would."""
    result = {}
    for column in columns:
        if column.name not in typed:
            continue
        values = typed[column.name]
        if column.kind in NUMERIC:
            values = np.clip(values, column.low, column.high)
            if column.kind == "datetime":
                values = on_grid(values, column.date_grid)
            elif column.decimals is not None:
                values = np.round(values, column.decimals)
            values = values + 0.0  # no negative zero
        result[column.name] = values
    return result


def from_typed(typed: dict[str, np.ndarray], columns: list[Column], rows: int) -> pd.DataFrame:
    """The table to write: every training column in order, modelled ones from `typed` (canonical),
    IDs fresh, free text and empty columns as gaps, each in the form it was read in."""
    typed = canonical(typed, columns)
    out = {}
    for column in columns:
        if column.kind == "id":
            out[column.name] = _fresh_ids(column, rows)
        elif not column.modelled:
            out[column.name] = pd.Series([None] * rows, dtype=object) if column.kind == "text" else np.full(rows, np.nan)
        else:
            out[column.name] = _written(typed[column.name], column)
    return pd.DataFrame(out)


def _fresh_ids(column: Column, rows: int):
    numbers = np.arange(column.id_next or 1, (column.id_next or 1) + rows, dtype=np.int64)
    if not column.id_prefix and not column.id_width:
        return numbers
    return pd.Series([f"{column.id_prefix}{number:0{column.id_width}d}" for number in numbers], dtype=object)


def _written(values: np.ndarray, column: Column):
    if column.kind == "category":
        if column.source == "number":
            return pd.to_numeric(pd.Series(values, dtype=object), errors="coerce")
        return pd.Series(values, dtype=object)
    if column.kind == "boolean":
        if column.source == "bool":
            truth = {column.spellings.get(word): word in ("true", "t", "yes", "y") for word in column.spellings}
            flags = [None if value is None else truth[value] for value in values]
            return pd.Series(flags, dtype="boolean" if _nullable(column, pd.isna(values)) else bool)
        return pd.Series(values, dtype=object)
    missing = np.isnan(values)
    if column.kind == "datetime":
        stamps = pd.Series(EPOCH + pd.to_timedelta(np.where(missing, 0, values), unit="s"))
        stamps[missing] = pd.NaT
        if column.source == "datetime64":  # on its zone's clock again (an hour a spring night skips moves on)
            return stamps.dt.tz_localize(column.zone, ambiguous="NaT", nonexistent="shift_forward") if column.zone else stamps
        written = column.date_format and column.date_format.replace("%z", column.zone.replace("%", "%%"))
        text = stamps.dt.strftime(written) if written else stamps.astype(str)
        return text.where(~missing, None)
    if column.source == "timedelta64":
        return pd.Series(pd.to_timedelta(values, unit="s"))  # gaps (NaN) become NaT
    if column.thousands or column.unit:
        spec, (before, _, after) = f"{',' if column.thousands else ''}.{max(column.decimals or 0, 0)}f", column.unit.partition("{}")
        return pd.Series(
            [None if gap else f"{before}{value:{spec}}{after}" for value, gap in zip(values, missing, strict=True)], dtype=object
        )
    if column.missing_mark:
        numbers = np.where(missing, 0, values).astype(np.int64) if column.kind == "integer" else values
        return pd.Series([column.missing_mark if gap else value for value, gap in zip(numbers.tolist(), missing, strict=True)],
                         dtype=object)
    if column.kind == "integer" and column.source != "float":
        whole = np.where(missing, 0, values).astype(np.int64)
        return pd.Series(pd.arrays.IntegerArray(whole, missing)) if _nullable(column, missing) else whole
    return values


def _nullable(column: Column, missing: np.ndarray) -> bool:
    """Whether an integer or boolean column is written in pandas' nullable dtype (Int64, boolean):
    where the training column had gaps (so every draw of it has one dtype), or a gap was drawn.
    Why not always: a frame of int64 and bool columns without gaps came back as Int64 and boolean."""
    return bool(column.missing) or bool(missing.any())
