"""Dates on the grid the training dates keep: whole days, one weekday, the first of a month.

Why: a column of monthly figures dated on the 1st, or of weekly ones dated every Saturday, came
back on any day of any month; the model draws a date as a number of seconds, and only rounding
to the day was kept. A grid is taken only where every one of at least GRID_DATES distinct
training dates lies on it, so chance cannot make one.

Also dates as text: their strftime format, read both ways where a first value allows it, and
their UTC offsets (`kinds` infers and reads date columns with these).
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

EPOCH = pd.Timestamp("1970-01-01")
DAY = 86_400.0
WEEK = 7 * DAY
GRID_DATES = 10
OFFSET = r"(Z|[+-]\d{2}:?\d{2})$"  # a date's UTC offset, as written at its end
UTC_TEXTS = ("Z", "+00:00", "+0000")  # UTC's offset as a column's zone is written (`utc_text`)


@dataclass(frozen=True)
class DateGrid:
    """Dates are rounded to `unit` seconds from `phase` seconds, or where `months` is set, to the
    first of every `months`-th month from month `phase` (months counted from January 1970)."""

    unit: float = 1.0
    months: int = 0
    phase: float = 0.0


def date_grid(seconds: np.ndarray) -> DateGrid:
    """The coarsest grid every training date (seconds since EPOCH, no gaps) lies on."""
    if not np.all(np.mod(seconds, DAY) == 0):
        return DateGrid()
    distinct = np.unique(seconds)
    if len(distinct) < GRID_DATES:
        return DateGrid(DAY)
    stamps = pd.DatetimeIndex(EPOCH + pd.to_timedelta(distinct, unit="s"))
    if (stamps.day == 1).all():
        index = _month_index(stamps)
        step = int(np.gcd.reduce(np.diff(index)))
        return DateGrid(DAY, step, float(index[0] % step))
    days = distinct // DAY
    if np.all((days - days[0]) % 7 == 0):
        return DateGrid(WEEK, 0, float(days[0] % 7) * DAY)
    return DateGrid(DAY)


def on_grid(values: np.ndarray, grid: DateGrid) -> np.ndarray:
    """Each date (seconds; NaN a gap) moved to the nearest point of the grid."""
    if not grid.months:
        return np.round((values - grid.phase) / grid.unit) * grid.unit + grid.phase
    out = values.copy()
    present = ~np.isnan(values)
    stamps = pd.DatetimeIndex(EPOCH + pd.to_timedelta(values[present], unit="s"))
    below = grid.phase + np.floor((_month_index(stamps) - grid.phase) / grid.months) * grid.months
    earlier, later = _seconds_of_month(below), _seconds_of_month(below + grid.months)
    present_values = values[present]
    out[present] = np.where(present_values - earlier <= later - present_values, earlier, later)
    return out


def seconds_since_epoch(stamps: pd.Series | pd.DatetimeIndex) -> np.ndarray:
    """Seconds since EPOCH on the clock the dates were written by (an offset or zone is dropped,
    not converted: 08:00+01:00 stays 08:00, and is written back with its offset)."""
    stamps = pd.to_datetime(stamps)
    if getattr(stamps.dt if isinstance(stamps, pd.Series) else stamps, "tz", None) is not None:
        stamps = stamps.dt.tz_localize(None) if isinstance(stamps, pd.Series) else stamps.tz_localize(None)
    return np.asarray((stamps - EPOCH) / pd.Timedelta(seconds=1), dtype=float)


def _month_index(stamps: pd.DatetimeIndex) -> np.ndarray:
    return np.asarray((stamps.year - 1970) * 12 + stamps.month - 1, dtype=np.int64)


def _seconds_of_month(index: np.ndarray) -> np.ndarray:
    """Seconds since EPOCH of the first of each month (months counted from January 1970)."""
    index = np.asarray(index, dtype=np.int64)
    return seconds_since_epoch(pd.to_datetime(pd.DataFrame({"year": 1970 + index // 12, "month": index % 12 + 1, "day": 1})))


# --------------------------------------------------------------------------- dates as text
def guess_date_format(first: str, sample: pd.Series) -> str | None:
    """The strftime format of a column's `first` value when it looks like a date (never for plain
    numbers). Where it reads both ways (03/04/2021), the order that reads more of `sample`:
    day-first dates whose first day is at most 12 were read month first, refused and taken as a
    category."""
    from pandas.tseries.api import guess_datetime_format

    if not re.search(r"\d", first) or not re.search(r"[-/:.\s]|[A-Za-z]", first):
        return None
    guesses = []
    for day_first in (False, True):
        try:
            with warnings.catch_warnings():  # "19/02/2021" is read day first, the one way it parses: pandas warns of it
                warnings.simplefilter("ignore", UserWarning)
                guesses.append(guess_datetime_format(first, dayfirst=day_first))
        except (ValueError, TypeError):
            continue
    formats = list(dict.fromkeys(guess for guess in guesses if guess is not None))
    if len(formats) < 2:
        return formats[0] if formats else None
    return max(formats, key=lambda date_format: parsed_dates(sample, date_format).notna().mean())


def parsed_dates(text: pd.Series, date_format: str | None, utc: bool = False) -> pd.Series:
    """Dates as written, each on its own clock; as UTC instants with `utc`, or where the offsets
    differ (a clock change inside the column: -0800 in winter, -0700 in summer), since no one wall
    clock holds them all. Why read the offsets rather than wait for pandas to refuse: pandas 3
    raises on mixed offsets, pandas 2 warns and hands back objects."""
    mixed = text.str.extract(OFFSET, expand=False).dropna().nunique() > 1
    return pd.to_datetime(text, format=date_format, errors="coerce", utc=utc or mixed)


def utc_text(offset: str) -> str:
    """UTC's offset written as `offset` is (Z, +00:00 or +0000)."""
    return offset if offset == "Z" else "+00:00" if ":" in offset else "+0000"


def offset_text(first: str) -> str:
    """The UTC offset a date is written with (+01:00, -0500 or Z), as written."""
    found = re.search(OFFSET, first.strip())
    return found.group(1) if found else ""
