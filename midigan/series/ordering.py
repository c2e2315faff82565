"""Ordering a series' rows by its --time column, and what that column was, for writing it back.

Why apart from reading: the time column is read in every form that has rows (one long CSV, a long
form per series, a folder per file), and what is learnt of it (`Ordering`: the sorted times, some
values as written, whether dates read day first) becomes the axis `generate` writes
(`midigan.series.timeaxis`) and the notes the training log gives.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from midigan.series.errors import SeriesDataError

if TYPE_CHECKING:
    from midigan.series.timeaxis import TimeAxis


def time_key(column):
    """The column's values as what orders them (numbers, or UTC instants for anything pandas reads as
    dates; NaN or NaT where neither), and whether dates were read day first. Dates are compared as
    UTC instants: a column that crosses a daylight-saving change holds two UTC offsets, and when the
    clocks go back the same local hour comes twice."""
    import pandas as pd

    # a datetime column reads as numbers too (its nanoseconds): dates first where the column holds them
    if pd.api.types.is_datetime64_any_dtype(column):
        return pd.to_datetime(column, utc=True), False
    key = pd.to_numeric(column, errors="coerce")
    if key.isna().any():
        return _dates(column)
    days = _compact_dates(key)
    return (key if days is None else days), False


def _compact_dates(numbers):
    """Whole numbers such as 19580329 or 202001 as the dates they spell (`COMPACT_DATES`: YYYYMMDD,
    YYYYMM, as many exports write days and months), None where any is no such date. Why: as
    numbers, a week after 19580329 is 19580336, and a month after 201912 is 201913."""
    import pandas as pd

    from midigan.series.timeaxis import COMPACT_DATES

    values = numbers.to_numpy(np.float64)
    if not len(values) or not np.all(values == np.round(values)):
        return None
    for form, least, most in COMPACT_DATES:
        if least <= values.min() and values.max() <= most:
            dates = pd.to_datetime(pd.Series(values.astype(np.int64).astype(str), index=numbers.index), format=form,
                                   errors="coerce", utc=True)
            return None if dates.isna().any() else dates
    return None


def ordered(frame, time_column: str, source: str, read=None):
    """Rows in the order of `time_column`, which is then dropped, and the `Ordering` it read; `read`:
    `time_key` of the whole column of a long form, so that every series reads its dates alike (one
    series of days up to the 12th would otherwise be read month first beside others read day first)."""
    import pandas as pd

    from midigan.series.timeaxis import utc_seconds

    if time_column not in frame.columns:
        raise SeriesDataError(f"{source}: no column {time_column!r} (columns: {', '.join(map(str, frame.columns))})")
    key, day_first = time_key(frame[time_column]) if read is None else (read[0].loc[frame.index], read[1])
    if key.isna().any():
        row = int(np.flatnonzero(key.isna().to_numpy())[0])
        raise SeriesDataError(f"{source}: time column {time_column!r} has {cell_text(frame[time_column].iloc[row])} in data row"
                              f" {row + 1}, neither a number nor a date")
    repeated = key.duplicated(keep=False).to_numpy()
    if repeated.any():  # sorting would interleave several series (each year's first quarters, then its seconds ...)
        first, second = np.flatnonzero(repeated & (key == key[repeated].iloc[0]).to_numpy())[:2]
        raise SeriesDataError(f"{source}: time column {time_column!r} repeats {cell_text(frame[time_column].iloc[first])} (data rows"
                              f" {first + 1} and {second + 1}): give a column that orders every row, or --id for the"
                              " column naming each row's series")
    order = np.argsort(key.to_numpy(), kind="stable")
    dates = pd.api.types.is_datetime64_any_dtype(key)
    seconds = utc_seconds(key) if dates else key.to_numpy(np.float64)
    spread = np.linspace(0, len(seconds) - 1, min(len(seconds), SAMPLED_TIMES)).astype(int)
    written = [(frame[time_column].iloc[row], float(seconds[row])) for row in spread]
    return frame.iloc[order].drop(columns=[time_column]).reset_index(drop=True), Ordering(seconds[order], dates, written, day_first)


SAMPLED_TIMES = 20  # values of a series' time column as written, whose form dates are written back in


@dataclass
class Ordering:
    """What ordering by the --time column read: the sorted times (numbers, or seconds since 1970 for
    dates), and some of the column's values as written, each with its time."""

    times: np.ndarray
    dates: bool
    written: list[tuple[object, float]]
    day_first: bool = False  # the dates read day first (see `_dates`)


def day_first_notes(name: str | None, orderings: list[Ordering]) -> list[str]:
    """A note where dates were read day first (none where no series was)."""
    count = sum(ordering.day_first for ordering in orderings)
    if not count:
        return []
    which = "" if len(orderings) == 1 else f" in {count} of {len(orderings)} series"
    return [f"dates of {name!r} read day first{which} (month first leaves some unread)"]


def time_axis(name: str | None, columns: list, orderings: list[Ordering]) -> TimeAxis | None:
    """The time column as `generate` writes it back (`midigan.series.timeaxis`), from every series'
    ordering; `columns`: the data's columns, the --id column left out."""
    from midigan.series.timeaxis import TimeAxis

    if name is None or not orderings:
        return None
    return TimeAxis.fit(str(name), list(columns).index(name), [o.times for o in orderings], orderings[0].dates,
                        [pair for o in orderings[:SAMPLED_TIMES] for pair in o.written])


def cell_text(value) -> str:
    """A cell's value for a message, as the file has it: 1 and 'text', not np.int64(1); a gap as an empty cell."""
    import pandas as pd

    if isinstance(value, np.generic):
        value = value.item()
    if value is None or (not isinstance(value, str) and pd.api.types.is_scalar(value) and pd.isna(value)):
        return "an empty cell"
    return repr(value) if isinstance(value, str) else str(value)


def _dates(values):
    """`values` as UTC instants (NaT: not a date), and whether they were read day first, without
    pandas' warnings: that it parses each value on its own (month names, mixed forms) or day first
    (13/01/2020) would reach the user once a series. pandas reads the form off the first value, so
    01/01/2020 ... 13/01/2020 is month first and its 13th unparsed: where month first leaves values
    unparsed and day first parses more, day first (the log says so: a month-first column with one
    mistyped date would be read so too)."""
    import warnings

    import pandas as pd

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        key = pd.to_datetime(values, errors="coerce", utc=True)
        if key.isna().any():
            day_first = pd.to_datetime(values, errors="coerce", utc=True, dayfirst=True)
            if day_first.notna().sum() > key.notna().sum():  # all of them, or the error names a value neither reads
                return day_first, True
        return key, False
