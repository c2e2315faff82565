"""The `--time` column, written back by `midigan series generate` as the training data had it.

Why: a series trained from a CSV ordered by a date or step column is read with that column, and a
generated set without it cannot be read the same way (`--time date`), plotted against dates, or
joined to anything. A generated series is no forecast, so its steps are given the times a typical
training series has: from the commonest first time of the training series, the commonest interval
apart (whole calendar months where the dates are monthly, quarterly or yearly), written in the
form the training file wrote them (`2020-01-31`, `01/02/2020 14:00`, `1749.5`). Where that form
cannot be read back from the first value (month names alone, `JAN`), the column is not written and
the training log says so.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from midigan.frames import fewest_decimals, number_text

#: days apart that are whole calendar months apart: (shortest, longest) -> months
MONTH_STEPS = {(28, 31): 1, (59, 62): 2, (89, 92): 3, (181, 184): 6, (365, 366): 12}
DAY = 86_400.0
MAX_DECIMALS = 6


@dataclass(frozen=True)
class TimeAxis:
    """Where the time column stood, and the times of a typical training series' steps."""

    name: str
    position: int  # its index among the data's columns, the --id column left out
    start: float  # a number, or seconds since 1970 (UTC) for dates
    step: float  # a number or seconds; 0 where `months` says the step
    months: int = 0  # dates a whole number of calendar months apart
    date_form: str | None = None  # strftime form of the dates as written (None: numbers)
    decimals: int | None = None  # numbers: written in these (None: as computed)

    @classmethod
    def fit(cls, name: str, position: int, times: list[np.ndarray], dates: bool, written: list[tuple[object, float]]) -> TimeAxis | None:
        """From each series' sorted times (numbers, or seconds since 1970 for dates) and some of the
        column's values as written, each with its time; None where dates are written in a form
        that cannot be read back."""
        decimals = None if dates else fewest_decimals(np.concatenate(times), MAX_DECIMALS)
        steps = np.concatenate([np.diff(values) for values in times])
        if decimals is not None:  # 1700.1 - 1700.0 is 0.0999...: the steps as the times' decimals write them
            steps = np.round(steps, decimals)
        start = float(_commonest(np.array([values[0] for values in times])))
        step = float(_commonest(steps)) if len(steps) else 1.0
        if not dates:
            return cls(name, position, start, step, decimals=decimals)
        form = _date_form(written)
        if form is None:
            return None
        months = next((count for (low, high), count in MONTH_STEPS.items() if low * DAY <= step <= high * DAY), 0)
        return cls(name, position, start, 0.0 if months else step, months, form)

    def values(self, steps: int) -> list[str]:
        """The column's text for a series of `steps` steps."""
        if self.date_form is None:
            numbers = self.start + self.step * np.arange(steps)
            if self.decimals is not None:
                numbers = np.round(numbers, self.decimals)
            return [number_text(value) for value in numbers]
        import pandas as pd

        first = pd.Timestamp(self.start, unit="s", tz="UTC")
        if self.months:
            stamps = [first + pd.DateOffset(months=self.months * index) for index in range(steps)]
        else:
            stamps = list(first + pd.to_timedelta(self.step * np.arange(steps), unit="s"))
        return [stamp.strftime(self.date_form) for stamp in stamps]

    def describe(self) -> str:
        """For the training log: 'date, from 2020-01-31 a month apart'."""
        first = self.values(1)[0]
        if self.months:
            apart = {1: "a month", 12: "a year"}.get(self.months, f"{self.months} months")
        elif self.date_form is not None:
            days = self.step / DAY
            apart = ("a day" if days == 1 else f"{number_text(days)} days") if self.step % DAY == 0 else f"{number_text(self.step)} seconds"
        else:
            apart = number_text(round(self.step, self.decimals) if self.decimals is not None else self.step)
        return f"{self.name}, from {first}, {apart} apart"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any] | None) -> TimeAxis | None:
        return cls(**values) if values else None


def _commonest(values: np.ndarray) -> float:
    """The most frequent value (the smallest of the most frequent)."""
    distinct, counts = np.unique(values, return_counts=True)
    return distinct[np.argmax(counts)]


def _date_form(written: list[tuple[object, float]]) -> str | None:
    """The strftime form that reads every one of the column's `written` values as the time it was
    read as (month first, else day first: 13/01/2020 tells them apart); None where none does."""
    import warnings

    import pandas as pd
    from pandas.tseries.api import guess_datetime_format

    first = written[0][0]
    if not isinstance(first, str):  # a datetime column of a data frame: ISO, with the time where there is one
        return "%Y-%m-%d" if all(seconds % DAY == 0 for _, seconds in written) else "%Y-%m-%d %H:%M:%S"
    texts, seconds = pd.Series([text for text, _ in written]).str.strip(), np.array([time for _, time in written])
    for day_first in (False, True):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            form = guess_datetime_format(first.strip(), dayfirst=day_first)
        if form is None:
            continue
        read = pd.to_datetime(texts, format=form, errors="coerce", utc=True)
        if read.notna().all() and np.allclose(read.dt.tz_convert(None).to_numpy().astype("datetime64[ms]").astype(np.int64) / 1e3,
                                              seconds, rtol=0, atol=1):
            return form
    return None
