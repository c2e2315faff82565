"""The `--time` column, written back by `midigan series generate` as the training data had it.

Why: a series trained from a CSV ordered by a date or step column is read with that column, and a
generated set without it cannot be read the same way (`--time date`), plotted against dates, or
joined to anything. A generated series is no forecast, so its steps are given the times a typical
training series has: from the commonest first time of the training series, the commonest interval
apart (the median one where not every interval is a multiple of the commonest; whole calendar
months where the dates are monthly, quarterly or yearly), written in the form the training file
wrote them (`2020-01-31`, `01/02/2020 14:00`, `1749.5`). Where that form cannot be read back from
the first value (month names alone, `JAN`), the column is not written and the training log says so.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from midigan.frames import fewest_decimals, number_text

#: calendar months a step of dates may be (monthly, every two months, quarterly, half-yearly, yearly)
MONTH_STEPS = (1, 2, 3, 6, 12)
DAY = 86_400.0
MAX_DECIMALS = 6
#: dates written as whole numbers, each form with the numbers it can spell (years 1000 to 2999 for
#: months: 800102, a day of 1980 written YYMMDD, is no month of the year 8001)
COMPACT_DATES = (("%Y%m%d", 1000_01_01, 9999_12_31), ("%Y%m", 1000_01, 2999_12))
WRITTEN_DECIMALS = 15  # numbers in more decimals than MAX_DECIMALS are written in as many as they were read in, up to these
STEP_TOLERANCE = 1e-6  # ... and their step is the mean of the steps this close to the commonest,
FRACTION_TOLERANCE = 1e-9  # ... or the fraction of denominator up to MAX_DENOMINATOR this close to it (1/12)
MAX_DENOMINATOR = 1000


@dataclass(frozen=True)
class TimeAxis:
    """Where the time column stood, and the times of a typical training series' steps."""

    name: str
    position: int  # its index among the data's columns, the --id column left out
    start: float  # a number, or seconds since 1970 (UTC) for dates
    step: float  # a number or seconds; 0 where `months` says the step
    months: int = 0  # dates a whole number of calendar months apart
    month_end: bool = False  # ... each on the last day of its month (31/01, 29/02, 31/03)
    date_form: str | None = None  # strftime form of the dates as written (None: numbers)
    decimals: int | None = None  # numbers: written in these (None: as computed)

    @classmethod
    def fit(cls, name: str, position: int, times: list[np.ndarray], dates: bool, written: list[tuple[object, float]]) -> TimeAxis | None:
        """From each series' sorted times (numbers, or seconds since 1970 for dates) and some of the
        column's values as written, each with its time; None where dates are written in a form
        that cannot be read back."""
        # 1700.1 - 1700.0 is 0.0999...: steps in the times' decimals (dates: to the millisecond they are read in)
        decimals = 3 if dates else fewest_decimals(np.concatenate(times), MAX_DECIMALS)
        steps = np.concatenate([np.diff(values) for values in times])
        if decimals is not None:
            steps = np.round(steps, decimals)
        start = float(_commonest(np.array([values[0] for values in times])))
        step = float(_typical_step(steps)) if len(steps) else 1.0
        if not dates:
            if decimals is None and len(steps):  # more decimals than steps are rounded in (1949.08333333333: R's monthly years)
                step = _fraction(float(steps[np.isclose(steps, step, rtol=STEP_TOLERANCE, atol=0)].mean()))
                decimals = fewest_decimals(np.concatenate(times), WRITTEN_DECIMALS)
            return cls(name, position, start, step, decimals=decimals)
        form = _date_form(written)
        if form is None:
            return None
        months, month_end = _calendar_step(times)
        return cls(name, position, round(start, 3), 0.0 if months else step, months, month_end, form)

    def values(self, steps: int) -> list[str]:
        """The column's text for a series of `steps` steps."""
        if self.date_form is None:
            numbers = self.start + self.step * np.arange(steps)
            if self.decimals is not None:
                numbers = np.round(numbers, self.decimals)
            return [number_text(value) for value in numbers]
        import pandas as pd

        first = pd.Timestamp(self.start, unit="s", tz="UTC")
        if self.month_end:
            stamps = [first + pd.offsets.MonthEnd(self.months * index) for index in range(steps)]
        elif self.months:
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


def utc_seconds(instants) -> np.ndarray:
    """UTC instants (a pandas Series of them) as seconds since 1970, through milliseconds: any
    resolution pandas chose (seconds, for year 1) fits, and times are read to the millisecond."""
    return instants.dt.tz_convert(None).to_numpy().astype("datetime64[ms]").astype(np.int64) / 1e3


def _calendar_step(times: list[np.ndarray]) -> tuple[int, bool]:
    """(months, month end) where every step of every series is the same number of calendar months
    (MONTH_STEPS) onto the same day and time of the month, or from one month's end to another's;
    (0, False) otherwise: data every 28 or 91 days is no monthly or quarterly data."""
    import pandas as pd

    apart, same_day, month_end = set(), True, True
    for values in times:
        if len(values) < 2:
            continue
        stamps = pd.to_datetime(np.round(values * 1000).astype(np.int64), unit="ms")
        apart.update(np.diff(stamps.year * 12 + stamps.month).tolist())
        same_time = len(set(stamps - stamps.normalize())) == 1
        same_day &= same_time and len(set(stamps.day)) == 1
        month_end &= same_time and bool(stamps.is_month_end.all())
    if len(apart) != 1 or next(iter(apart)) not in MONTH_STEPS or not (same_day or month_end):
        return 0, False
    return next(iter(apart)), not same_day


def _fraction(step: float) -> float:
    """The fraction a step is where it is one (1/12 for 0.0833333333333...): a mean of steps read in
    rounded decimals is off in its last digits, and 64 such steps on, a time written in them is too."""
    from fractions import Fraction

    fraction = float(Fraction(step).limit_denominator(MAX_DENOMINATOR))
    return fraction if abs(fraction - step) <= FRACTION_TOLERANCE * abs(step) else step


def _typical_step(steps: np.ndarray) -> float:
    """The commonest step where it recurs and every step is a whole multiple of it (a grid with
    gaps: trading days, a day kept in three), else the median step, one the data takes. Why: in
    times taken at irregular moments no step repeats, and the commonest (the smallest of those that
    occur once) wrote 200 readings some 5,000 seconds apart as 376 seconds apart; a plain median
    falls between the steps of gappy days (2.5 days of steps 1, 1, 1, 2, 3, 3, 4, 5)."""
    distinct, counts = np.unique(steps, return_counts=True)
    commonest = distinct[np.argmax(counts)]
    if counts.max() > 1 and commonest > 0:
        multiples = steps / commonest
        if np.allclose(multiples, np.round(multiples), rtol=STEP_TOLERANCE, atol=0):
            return commonest
    return np.quantile(steps, 0.5, method="lower")


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

    numbers = isinstance(written[0][0], (int, float, np.number))  # dates as numbers (19580329, see `ordering.time_key`)
    if numbers:
        written = [(str(int(number)), seconds) for number, seconds in written]
    first = written[0][0]
    if not isinstance(first, str):  # a datetime column of a data frame: ISO, with the time where there is one
        return "%Y-%m-%d" if all(seconds % DAY == 0 for _, seconds in written) else "%Y-%m-%d %H:%M:%S"
    texts, seconds = pd.Series([text for text, _ in written]).str.strip(), np.array([time for _, time in written])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        guessed = [guess_datetime_format(first.strip(), dayfirst=day_first) for day_first in (False, True)]
    for form in [*guessed, *(form for form, _, _ in COMPACT_DATES if numbers)]:  # pandas guesses no %Y%m
        if form is None:
            continue
        read = pd.to_datetime(texts, format=form, errors="coerce", utc=True)
        if read.notna().all() and np.allclose(utc_seconds(read), seconds, rtol=0, atol=1):
            return form
    return None
