"""What each column of a table is, and its values as the model reads them (`midigan.table.written`
writes them back).

Kinds: number, integer, category, boolean, datetime (modelled); id (regenerated as fresh IDs),
text (free text: left out, written as gaps) and empty (all missing: written as gaps). Why so many:
a CSV holds everything as text, and modelling an ID or a free-text column as a category both
wastes the model on thousands of one-off values and hands training rows' identifiers back out.

The typed form of a modelled column, shared by the encoder, the copy guard and the evaluation:
numbers and dates as float64 (dates as seconds since 1970; NaN = missing), categories and
booleans as an object array of their text (None = missing).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd

from midigan.frames import SAVED_INDEX, column_numbers, fewest_decimals, number_text
from midigan.table.dates import (
    EPOCH,
    UTC_TEXTS,
    WEEK,
    DateGrid,
    date_grid,
    guess_date_format,
    offset_text,
    parsed_dates,
    seconds_since_epoch,
    utc_text,
)
from midigan.table.errors import TableError
from midigan.table.ids import looks_like_id, named_like_id, named_like_period

MODELLED = ("number", "integer", "category", "boolean", "datetime")
NUMERIC = ("number", "integer", "datetime")
BOOLEAN_PAIRS = ({"true", "false"}, {"yes", "no"}, {"y", "n"}, {"t", "f"})
THOUSANDS = r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?"
UNIT = r"^([$€£¥₹]\s?)?([-+]?\d[\d.,]*)(\s?[%$€£¥₹])?$"  # a currency sign before, a percent or currency sign after
MISSING_MARKS = ("?", "None")  # gaps as UCI's tables and Python's str() write them (read as such but among text)
SAMPLE = 20_000  # values a kind is first tried on
DATE_SHARE = 0.95  # this share of a column's values must read as dates for it to be a date column
MAX_DECIMALS = 8
DECIMALS_SAMPLE = 20_000  # values the decimals are read off
ROUND_DISTINCT = 5  # whole numbers keep a round step (all multiples of 10, 100, ...) from this many distinct values
GAP_TEXTS_ATTR = "gap_texts"  # frame.attrs key a text table is read with: {column: how its gaps were written}


@dataclass
class Column:
    """One column: its kind and what it takes to write generated values as the training table has them."""

    name: str
    kind: str
    missing: float = 0.0  # share of gaps
    source: str = "text"  # how values arrived: text | number | float | bool | datetime64 | timedelta64 (output keeps it)
    decimals: int | None = None  # numbers are written rounded to this (-3: to thousands); None = as computed
    thousands: bool = False  # numbers were written with thousands separators (1,234)
    low: float | None = None  # training range of numbers and dates (generated values are clipped to it)
    high: float | None = None
    date_format: str | None = None  # strftime format of dates read as text
    date_unit: float = 1.0  # seconds a date is rounded to (a day for dates without times, a week for one weekday)
    date_months: int = 0  # dates on the first of every this many months (0: no such grid)
    date_phase: float = 0.0  # where that grid starts: seconds into the week, or the month (months from January 1970)
    spellings: dict[str, str] = field(default_factory=dict)  # booleans: lower case -> as written
    id_next: int | None = None  # IDs: the first fresh number (one past the training maximum)
    id_prefix: str = ""  # IDs: the text before the number, e.g. "C-" in C-0042
    id_width: int = 0  # IDs: digits the number is padded to
    unparsed: int = 0  # values that did not read as the column's kind and count as gaps
    missing_mark: str = ""  # how a gap was written among numbers, booleans or dates: "?" (UCI's tables), "None"
    unit: str = ""  # numbers written with a sign around them: "${}" ($1,234.50), "{}%" (63.7%)
    zone: str = ""  # dates with an offset or zone: text's first offset as written (+01:00), a dtype's zone name
    gap_text: str = ""  # how the text file wrote this column's gaps where not empty (NA); text outputs write them so

    @property
    def date_grid(self) -> DateGrid:
        return DateGrid(self.date_unit, self.date_months, self.date_phase)

    @property
    def gap_mark(self) -> str:
        """How a text file out writes this column's gaps ("" for empty cells): as the training file did."""
        return self.missing_mark or self.gap_text

    @property
    def modelled(self) -> bool:
        return self.kind in MODELLED

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Column:
        known = {f.name for f in fields(cls)}
        return cls(**{name: value for name, value in values.items() if name in known})

    def describe(self) -> str:
        """One line for the training log: the kind, what is kept, and what is left out."""
        gaps = "" if not self.missing else f", {self.missing:.1%} missing" if self.missing >= 0.0005 else ", under 0.1% missing"
        gaps = f", gaps written {self.missing_mark}{gaps}" if self.missing_mark else gaps
        unparsed = f", {self.unparsed} values unreadable as {self.kind} taken as gaps" if self.unparsed else ""
        if self.kind == "id":
            return f"id: not modelled; written as fresh IDs from {self.id_prefix}{self.id_next or 1:0{self.id_width}d} on{gaps}"
        if self.kind == "text":
            return f"free text: left out (written as gaps: {self.gap_mark or 'empty'}){gaps}"
        if self.kind == "empty":
            return f"all missing: left out (written as gaps: {self.gap_mark or 'empty'})"
        if self.kind == "datetime":
            spread = f"from {_date_text(self.low)} to {_date_text(self.high)}{_grid_text(self.date_grid)}"
            return f"date/time {self.date_format or 'ISO'} {spread}{gaps}{unparsed}"
        if self.kind in ("number", "integer"):
            spelled = ", thousands separators" if self.thousands else ""
            spelled += f", written {self.unit.replace('{}', 'N')}" if self.unit else ""
            digits = f", {self.decimals} decimals" if self.kind == "number" and self.decimals is not None else ""
            digits += f", in steps of {10 ** -self.decimals:,}" if (self.decimals or 0) < 0 else ""
            return f"{self.kind} from {_number_text(self.low)} to {_number_text(self.high)}{digits}{spelled}{gaps}{unparsed}"
        if self.kind == "boolean":
            return f"boolean ({' / '.join(sorted(self.spellings.values()))}){gaps}"
        return f"category{gaps}"


def infer_columns(frame: pd.DataFrame, categorical: tuple[str, ...] = ()) -> list[Column]:
    """Each column's kind, read from its values (and its name, for IDs); `categorical` forces
    columns to be categories (numeric codes such as ZIP codes or ratings)."""
    unknown = [name for name in categorical if name not in frame.columns]
    if unknown:
        raise TableError(f"no column {unknown[0]!r} to treat as a category; the columns are {', '.join(map(str, frame.columns))}")
    columns = [_infer(str(name), frame[name], str(name) in categorical) for name in frame.columns]
    for column, name in zip(columns, frame.columns, strict=True):
        column.gap_text = frame.attrs.get(GAP_TEXTS_ATTR, {}).get(name, "")
    return columns


def _infer(name: str, series: pd.Series, forced_category: bool) -> Column:
    """The kind read without the missing marks ("?", "None"), gaps (written back as read) unless the rest
    is text. Why: "None" is a value among text (Cars93's AirBags) but a gap among numbers, dates, ..."""
    marks = _missing_marks(series)
    if marks.any():
        column = _infer_kind(name, series.mask(marks), forced_category)
        if column.kind not in ("category", "text"):
            column.missing_mark = str(series[marks].astype(str).str.strip().mode().iloc[0])
            return column
    return _infer_kind(name, series, forced_category)


def _missing_marks(series: pd.Series) -> pd.Series:
    """Where a column of text holds one of MISSING_MARKS."""
    if not (pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series)):
        return pd.Series(False, index=series.index)
    return series.notna() & series.astype(str).str.strip().isin(MISSING_MARKS)


def _infer_kind(name: str, series: pd.Series, forced_category: bool) -> Column:
    values = _non_missing(series)
    missing = 1.0 - len(values) / max(len(series), 1)
    if len(values) == 0:
        return Column(name, "empty", missing=1.0)
    categories = series.dtype.categories if isinstance(series.dtype, pd.CategoricalDtype) else None
    # pandas counts booleans as numbers: a category of True / False, written as numbers, came back all NaN
    coded = categories is not None and pd.api.types.is_numeric_dtype(categories) and not pd.api.types.is_bool_dtype(categories)
    if forced_category or coded:  # a pandas category of numeric codes (ZIP codes) too: modelled as numbers, most came back as gaps
        return Column(name, "category", missing, source="number" if coded or pd.api.types.is_numeric_dtype(series) else "text")
    if pd.api.types.is_bool_dtype(series) or _is_bool_object(values):
        return _boolean(name, values, missing, "bool" if pd.api.types.is_bool_dtype(series) else "text")
    if pd.api.types.is_datetime64_any_dtype(series):
        seconds = seconds_since_epoch(values)
        column = _datetime(name, seconds, missing, "datetime64", None)
        column.zone = str(getattr(series.dt, "tz", None) or "")
        return column
    if pd.api.types.is_timedelta64_dtype(series):  # durations: numbers of seconds, written back as durations
        return _number(name, values.dt.total_seconds().to_numpy(dtype=float), missing, "timedelta64", thousands=False)
    if pd.api.types.is_numeric_dtype(series):
        # whole numbers held as floats without a gap were written so (130.0 in a CSV, a float64 Parquet
        # column): written back as floats; with gaps pandas holds any whole numbers as floats
        floats = pd.api.types.is_float_dtype(series) and missing == 0
        return _number(name, column_numbers(values), missing, "float" if floats else "number", thousands=False)
    text = values.astype(str).str.strip()
    sample = text.iloc[:: max(1, len(text) // SAMPLE)]  # a kind is tried on the whole column only if its sample fits
    sample_numbers = pd.to_numeric(sample, errors="coerce").notna()
    if sample_numbers.all():
        numbers = pd.to_numeric(text, errors="coerce")
        if numbers.notna().all():
            return _number(name, numbers.to_numpy(dtype=float), missing, "text", thousands=False)
    if (sample.str.fullmatch(THOUSANDS) | sample_numbers).all():
        parsed = _grouped(text)
        if parsed is not None:
            return _number(name, parsed, missing, "text", thousands=True)
    unit = _unit(sample)
    if unit:  # money and shares ($2,002.60, 63.7%) were an ID and a category of hundreds of values
        core = without_unit(text, unit)
        parsed = _grouped(core)
        if parsed is not None:
            column = _number(name, parsed, missing, "text", thousands=bool(core.str.contains(",").any()))
            column.unit = unit
            return column
    date_format = guess_date_format(text.iloc[0], sample)
    if date_format is not None and parsed_dates(sample, date_format).notna().mean() >= DATE_SHARE:
        parsed = parsed_dates(text, date_format)
        if parsed.notna().mean() >= DATE_SHARE:
            column = _datetime(name, seconds_since_epoch(parsed.dropna()), missing, "text", date_format)
            if "%z" in date_format:
                offset = offset_text(text.iloc[0])
                column.zone = utc_text(offset) if str(parsed.dt.tz) == "UTC" else offset
            column.unparsed = int(parsed.isna().sum())
            column.missing = 1.0 - (len(values) - column.unparsed) / len(series)
            return column
    distinct = text.nunique()
    if looks_like_id(name, text, distinct):
        return _string_id(name, text, missing)
    if distinct >= 20 and distinct >= 0.5 * len(text):
        words = text.str.count(r"\s+") + 1
        labels = distinct >= 0.9 * len(text) and not named_like_period(name)  # one-off short texts, but not FY85, FY86, ...
        if text.str.len().mean() >= 25 or words.median() >= 4 or labels:
            return Column(name, "text", missing)
    return Column(name, "category", missing)


def _non_missing(series: pd.Series) -> pd.Series:
    values = series.dropna()
    if pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values):
        stripped = values.astype(str).str.strip()
        values = values[stripped != ""]
    return values


def _is_bool_object(values: pd.Series) -> bool:
    if not (pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)):
        return False
    uniques = pd.unique(values)
    if len(uniques) > 8:  # at most two words in a few spellings and paddings
        return False
    distinct = {str(value).strip().lower() for value in uniques}
    return 1 <= len(distinct) <= 2 and any(distinct <= pair for pair in BOOLEAN_PAIRS) and distinct != {"y"} and distinct != {"n"}


def _boolean(name: str, values: pd.Series, missing: float, source: str) -> Column:
    text = values.astype(str).str.strip()
    spellings = {lower: group.value_counts().index[0] for lower, group in text.groupby(text.str.lower())}
    return Column(name, "boolean", missing, source=source, spellings=spellings)


def _number(name: str, numbers: np.ndarray, missing: float, source: str, thousands: bool) -> Column:
    infinite = np.isinf(numbers)
    if infinite.any():  # no range, scale or mode holds them: the first step's loss would be NaN
        raise TableError(f"column {name!r} holds {int(infinite.sum())} infinite values ({numbers[infinite][0]:g}):"
                         " write them as gaps (empty cells) or as numbers")
    finite = numbers[np.isfinite(numbers)]
    if len(finite) == 0:
        return Column(name, "empty", missing=1.0)
    decimals = fewest_decimals(finite[:DECIMALS_SAMPLE], MAX_DECIMALS)
    distinct = len(np.unique(finite))
    named_id = named_like_id(name) and distinct >= 20
    saved_index = name == SAVED_INDEX and finite.min() >= 0
    if decimals == 0 and distinct == len(finite) and (named_id or saved_index):
        return Column(name, "id", missing, source=source, id_next=int(finite.max()) + 1)
    if decimals == 0 and distinct >= ROUND_DISTINCT and source != "timedelta64":  # incomes in thousands were written as 12347
        whole = np.round(finite[:DECIMALS_SAMPLE])  # as `fewest_decimals` read them: 1998.9999999999998 is 1999
        decimals = -max((step for step in range(1, 16) if not np.fmod(whole, 10.0**step).any()), default=0)  # -3: in thousands
    kind = "integer" if decimals is not None and decimals <= 0 else "number"
    return Column(
        name,
        kind,
        missing,
        source=source,
        decimals=decimals,
        thousands=thousands,
        low=float(finite.min()),
        high=float(finite.max()),
    )


def _datetime(name: str, seconds: np.ndarray, missing: float, source: str, date_format: str | None) -> Column:
    grid = date_grid(seconds)
    return Column(
        name,
        "datetime",
        missing,
        source=source,
        low=float(seconds.min()),
        high=float(seconds.max()),
        date_format=date_format,
        date_unit=grid.unit,
        date_months=grid.months,
        date_phase=grid.phase,
    )


def _unit(sample: pd.Series) -> str:
    """The sign every value of `sample` is written with ("${}", "{}%"), or "" where there is none."""
    parts = sample.str.extract(UNIT)
    before, after = parts[0].fillna("").unique(), parts[2].fillna("").unique()
    if parts[1].isna().any() or len(before) != 1 or len(after) != 1 or not before[0] + after[0]:
        return ""
    return f"{before[0]}{{}}{after[0]}"


def _grouped(text: pd.Series) -> np.ndarray | None:
    """The numbers `text` writes, some or all with thousands separators (1,234.5), or None where a
    value is no such number (1,23 is not one: a list, or a decimal comma)."""
    parsed = pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce")
    if parsed.notna().all() and (text.str.fullmatch(THOUSANDS) | pd.to_numeric(text, errors="coerce").notna()).all():
        return parsed.to_numpy(dtype=float)
    return None


def without_unit(text: pd.Series, unit: str) -> pd.Series:
    """`text` without the sign `unit` places around each number ("${}": $1,234.50 -> 1,234.50),
    so that it reads as a number; shared by inference and by `_typed`, which reads it back."""
    before, _, after = unit.partition("{}")
    return text.str.removeprefix(before).str.removesuffix(after).str.strip()


def _string_id(name: str, text: pd.Series, missing: float) -> Column:
    """An ID column of text: fresh IDs keep the common prefix and digit count, numbered past the largest."""
    parts = text.str.extract(r"^(.*?)(\d+)$")
    prefixes = parts[0].dropna().unique()
    if len(prefixes) == 1 and parts[1].notna().all():
        width = int(parts[1].str.len().max())
        return Column(
            name, "id", missing, id_prefix=str(prefixes[0]), id_width=width, id_next=int(parts[1].astype(int).max()) + 1
        )
    return Column(name, "id", missing, id_prefix=f"{name}-", id_width=6, id_next=1)


def _date_text(seconds: float | None) -> str:
    return "?" if seconds is None else str((EPOCH + pd.Timedelta(seconds=seconds)).date())


def _grid_text(grid: DateGrid) -> str:
    if grid.months:
        return ", on the 1st of each month" if grid.months == 1 else f", on the 1st of every {grid.months} months"
    if grid.unit == WEEK:
        return f", on {(EPOCH + pd.Timedelta(seconds=grid.phase)).day_name()}s"
    return ""


def _number_text(value: float | None) -> str:
    return "?" if value is None else f"{value:g}"


# --------------------------------------------------------------------------- typed values
def to_typed(frame: pd.DataFrame, columns: list[Column], what: str = "the table") -> dict[str, np.ndarray]:
    """The typed form (see the module docstring) of every modelled column of `frame`, read as
    `columns` say (values that do not fit become gaps). TableError when a column is absent, naming
    `what` lacks it (evaluate reads three tables)."""
    absent = [column.name for column in columns if column.modelled and column.name not in frame.columns]
    if absent:
        raise TableError(f"{what} lacks column {absent[0]!r} (the training table's columns: {', '.join(c.name for c in columns)})")
    return {column.name: _typed(frame[column.name], column) for column in columns if column.modelled}


def _typed(series: pd.Series, column: Column) -> np.ndarray:
    if column.kind in ("category", "boolean"):
        return _typed_text(series, column)
    if pd.api.types.is_datetime64_any_dtype(series):
        values = np.full(len(series), np.nan)
        present = series.notna().to_numpy()
        values[present] = seconds_since_epoch(series[present])
        return values
    if column.kind == "datetime":
        text = series.astype("string").str.strip()
        parsed = parsed_dates(text, column.date_format, utc=column.zone in UTC_TEXTS)  # UTC read as UTC, whatever a file's offsets
        values = np.full(len(series), np.nan)
        present = parsed.notna().to_numpy()
        values[present] = seconds_since_epoch(parsed[present])
        return values
    if pd.api.types.is_timedelta64_dtype(series):
        return series.dt.total_seconds().to_numpy(dtype=float, na_value=np.nan)
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return column_numbers(series)  # float32 as its shortest decimals (4.3, not 4.300000190734863)
    text = series.astype("string").str.strip()
    if column.unit:
        text = without_unit(text, column.unit)
    if column.thousands:
        text = text.str.replace(",", "", regex=False)
    return pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _typed_text(series: pd.Series, column: Column) -> np.ndarray:
    present = series.notna().to_numpy()
    if pd.api.types.is_float_dtype(series):  # a numeric code forced to be a category: 4.0 reads as "4"
        text = pd.Series([_code_text(value) for value in series.to_numpy()], dtype=object)
    else:
        text = series.astype(str).str.strip()
    if column.kind == "boolean":
        lowered = text.str.lower()
        text = lowered.map(column.spellings)
    values = text.to_numpy(dtype=object)
    values[~present | (text.to_numpy(dtype=object) == "") | pd.isna(values)] = None
    return values


def _code_text(value: float) -> str:
    return number_text(value) if np.isfinite(value) else ""
