"""The four ways a user hands over time series, read into one form: a list of float arrays.

Forms (see `read_series`):
- a CSV of one long series: a row per time step, a column per channel;
- a CSV in long form: a column naming the series (`id`), optionally one to order the rows by (`time`);
- a folder of CSV files, one series each (rows are steps, columns channels; optionally a `time` column in each);
- an `.npy` array `(series, steps, channels)` (a 2-D array is one long series, a 1-D one a series of one channel).

Why one form: series may differ in length and have gaps, so the common shape is a list of
`(steps, channels)` float64 arrays with NaN where a value is missing; windows, scaling and masks
are built from it (`midigan.series.windows`). Every problem a user can cause is a `SeriesDataError`
whose message is one line naming the file, the column and a value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from midigan.series.errors import SeriesDataError
from midigan.series.ordering import cell_text, day_first_notes, ordered, time_axis, time_key

if TYPE_CHECKING:
    from midigan.series.timeaxis import TimeAxis

LONG = "long"  # one long series, to be cut into windows
MANY = "many"  # several series, each used whole (or cut) as it is


@dataclass
class SeriesSet:
    """Series as `(steps, channels)` float64 arrays (NaN: missing), their channel names and shape."""

    series: list[np.ndarray]
    columns: list[str]
    form: str  # LONG or MANY
    names: list[str]  # one per series: file name, id value, or index
    skipped: list[str] = field(default_factory=list)  # files of a folder (rows of a long form) left out, each with its reason
    notes: list[str] = field(default_factory=list)  # how the input was read where it could have been read otherwise
    id_column: str | None = None  # the long-form column naming each row's series, which generated sets are named by
    time: TimeAxis | None = None  # the --time column, which generated sets are written with

    @property
    def channels(self) -> int:
        return len(self.columns)

    @property
    def lengths(self) -> list[int]:
        return [len(values) for values in self.series]

    def summary(self) -> str:
        lengths = self.lengths
        span = f"{min(lengths)}" if min(lengths) == max(lengths) else f"{min(lengths)}-{max(lengths)}"
        gaps = sum(int(np.isnan(values).sum()) for values in self.series)
        what = "one series" if len(self.series) == 1 else f"{len(self.series)} series"
        left_out = f"; left out: {'; '.join(self.skipped)}" if self.skipped else ""
        left_out += "".join(f"; {note}" for note in self.notes)
        return f"{what} of {span} steps x {self.channels} channel{'s' * (self.channels != 1)} ({', '.join(self.columns[:6])}"\
               f"{', ...' if self.channels > 6 else ''}){f', {gaps} missing values' if gaps else ''}{left_out}"


def read_series(path: str | Path, id_column: str | None = None, time_column: str | None = None) -> SeriesSet:
    """Read any of the four forms (see the module docstring); SeriesDataError for bad input."""
    path = Path(path)
    if path.is_dir():
        if id_column:
            raise SeriesDataError(f"--id applies to one long-form CSV, not to the folder {path}: each of its files is one series")
        return _read_folder(path, time_column)
    if not path.is_file():
        raise SeriesDataError(f"no such file or folder: {path}")
    if path.suffix.lower() == ".npy":
        if id_column or time_column:
            raise SeriesDataError(f"--id and --time apply to a CSV, not to {path.name}")
        return read_array(_load_npy(path), source=path.name)
    if path.suffix.lower() not in (".csv", ".tsv", ".txt"):
        raise SeriesDataError(f"{path.name}: expected a .csv file, a folder of them or an .npy array")
    return read_frame(_read_csv(path), id_column, time_column, source=path.name, name=path.stem)


def read_array(array: np.ndarray, source: str = "array", columns: list[str] | None = None) -> SeriesSet:
    """An array `(series, steps, channels)` (trailing all-NaN steps are padding: series may be
    shorter), `(steps, channels)` (one long series), `(steps,)` (one long series of one channel:
    the commonest input) or a list of `(steps, channels)` arrays or of 1-D arrays or pandas Series
    (one channel each, as a single array of that shape is; a list of rows is refused)."""
    from midigan.frames import as_float64

    notes = []
    if isinstance(array, (list, tuple)):
        series, form = _listed_series(array, source), MANY
    else:
        array = np.asarray(array)
        if not np.issubdtype(array.dtype, np.number) and array.dtype != bool:
            raise SeriesDataError(f"{source}: holds {array.dtype} values, not numbers")
        array = as_float64(array)
        if array.ndim == 1:
            array = array[:, None]
        if array.ndim == 2:
            series, form = [array], LONG
            if array.shape[1] > array.shape[0]:  # more likely (series, steps), as many archives store series of one channel
                notes.append(f"read as (steps, channels); {array.shape[0]} series of {array.shape[1]} steps are an array of shape"
                             f" ({array.shape[0]}, {array.shape[1]}, 1)")
        elif array.ndim == 3:
            series, form = [_strip_padding(item) for item in array], MANY
        else:
            raise SeriesDataError(f"{source}: expected (series, steps, channels), (steps, channels) or (steps,), got shape {array.shape}")
    series = [item for item in series if len(item)]
    if not series:
        raise SeriesDataError(f"{source}: holds no time steps")
    if np.isinf(np.concatenate(series)).any():
        raise SeriesDataError(f"{source}: holds infinite values")
    channels = series[0].shape[1]
    columns = columns or [f"channel_{index}" for index in range(channels)]
    if len(columns) != channels:
        raise SeriesDataError(f"{source}: {len(columns)} column names for {channels} channels")
    return SeriesSet(series, list(columns), form, [str(index) for index in range(len(series))], notes=notes)


def _listed_series(items: list | tuple, source: str) -> list[np.ndarray]:
    """Each item as `(steps, channels)`. A 1-D item is one channel only when it is an array or a
    pandas Series: a list of plain numbers is far likelier a row of a table ([[1, 2], [3, 4]])."""
    import pandas as pd

    from midigan.frames import as_float64

    series = [as_float64(np.asarray(item)) for item in items]
    if any(item.ndim == 1 and not isinstance(raw, (np.ndarray, pd.Series)) for item, raw in zip(series, items)):
        raise SeriesDataError(f"{source}: a list of rows is one series of (steps, channels): pass np.asarray(rows)")
    series = [item[:, None] if item.ndim == 1 else item for item in series]
    if not series or any(item.ndim != 2 for item in series):
        raise SeriesDataError(f"{source}: a list of series needs (steps, channels) or (steps,) arrays")
    if len({item.shape[1] for item in series}) > 1:
        raise SeriesDataError(f"{source}: the series have different channel counts {sorted({s.shape[1] for s in series})}")
    return series


def read_frame(frame, id_column: str | None = None, time_column: str | None = None, source: str = "data frame",
               name: str | None = None) -> SeriesSet:
    """A pandas DataFrame as a CSV of the same content would be read (`name`: one long series' name,
    else `source`); an index level named as `id_column` or `time_column` is read as that column."""
    if id_column is not None and id_column == time_column:  # else: no column 'year', of a file that has one
        raise SeriesDataError(f"{source}: --id and --time both name {id_column!r}: one column names each row's series, another orders them")
    if any(name is not None and name in frame.index.names and name not in frame.columns for name in (id_column, time_column)):
        frame = frame.reset_index()  # df.set_index("date"): where pandas users keep a series' times
    frame, skipped = _without_unnamed(frame, (id_column, time_column))
    if id_column is None:
        axis, notes = None, []
        if time_column is not None:
            columns = list(frame.columns)
            frame, ordering = ordered(frame, time_column, source)
            axis, notes = time_axis(time_column, columns, [ordering]), day_first_notes(time_column, [ordering])
        return SeriesSet([_numeric(frame, source)], [str(c) for c in frame.columns], LONG, [name or source], skipped, notes, time=axis)
    return _split_long_form(frame, id_column, time_column, source, skipped)


def _without_unnamed(frame, named: tuple[str | None, ...]):
    """The frame without the columns of blank header that hold no channel (a saved row index, and
    columns with no value at all: a delimiter ending every line, as spreadsheets save), and a line
    for each kind left out. Why: such an empty column stopped training as a channel with no value."""
    from midigan.frames import BLANK_HEADER

    empty = [name for name in frame.columns if BLANK_HEADER.match(str(name)) and name not in named and frame[name].isna().all()]
    if len(empty) == len(frame.columns):
        return frame, []
    frame, skipped = _without_saved_index(frame.drop(columns=empty), named)
    where = f"column{'s' * (len(empty) > 1)} {', '.join(map(repr, empty))} (blank header, no value: a delimiter ending every line)"
    return frame, [*([where] if empty else []), *skipped]


def _without_saved_index(frame, named: tuple[str | None, ...]):
    """The frame without a row index `frame.to_csv(path)` saved (`SAVED_INDEX`: a first column of
    blank header holding distinct whole numbers, not named as --id or --time), and a line saying so
    (none: nothing left out). Why: as a channel it would be a ramp. Not only from 0: a frame split by
    `groupby` keeps its rows' numbers, so only its first file would start at 0."""
    import pandas as pd

    from midigan.frames import SAVED_INDEX

    if not len(frame.columns) > 1 or str(frame.columns[0]) != SAVED_INDEX or SAVED_INDEX in named:
        return frame, []
    values = pd.to_numeric(frame.iloc[:, 0], errors="coerce").to_numpy(dtype=np.float64)
    whole = len(values) and not np.isnan(values).any() and np.array_equal(values, np.round(values)) and values.min() >= 0
    if not whole or len(np.unique(values)) != len(values):
        return frame, []
    return frame.drop(columns=frame.columns[0]), [f"column {SAVED_INDEX!r} (a saved row index: blank header, distinct whole numbers)"]


def _strip_padding(values: np.ndarray) -> np.ndarray:
    present = ~np.isnan(values).all(axis=1)
    return values[: (np.flatnonzero(present)[-1] + 1) if present.any() else 0]


def _load_npy(path: Path) -> np.ndarray:
    try:
        return np.load(path, allow_pickle=False)
    except (ValueError, OSError) as error:
        raise SeriesDataError(f"{path.name}: not a readable .npy array of numbers ({error})") from None


def csv_columns(path: str | Path) -> list[str]:
    """The columns of a CSV file as `read_series` names them, without reading its rows (none where it
    cannot be read: `read_series` then says why)."""
    import pandas as pd

    try:
        return [str(c) for c in _read_table(Path(path), nrows=0).columns]
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, SeriesDataError):
        return []


def csv_first_column(path: str | Path):
    """The first column of a CSV file as `read_series` reads it (its first row too where that is data)."""
    return _read_table(Path(path), usecols=[0]).iloc[:, 0]


def _read_csv(path: Path):
    import pandas as pd

    from midigan.frames import EXACT_FLOATS

    try:
        frame = _read_table(path, **EXACT_FLOATS)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise SeriesDataError(f"{path.name}: not a readable CSV ({str(error).splitlines()[0]})") from None
    if frame.shape[1] == 0 or len(frame) == 0:
        raise SeriesDataError(f"{path.name}: holds no rows")
    return frame


def _read_table(path: Path, **options):
    """pd.read_csv of the file in the dialect `text_tables.sniff` reads off its first bytes (as the
    table reader reads it: delimiter, runs of spaces, quotes, decimal commas and points grouping
    thousands, encoding); a first row of values (no header, as np.savetxt writes) is read as data,
    the channels named channel_0, ... as an array's are. SeriesDataError where it cannot be read, or is no text."""
    import pandas as pd

    from midigan.text_tables import NotText, grouped_numbers, read_head, sniff, without_empty_end

    try:
        dialect = sniff(read_head(path), path)
    except OSError as error:
        raise SeriesDataError(f"cannot read {path.name}: {error.strerror or error}") from None
    except NotText as error:
        raise SeriesDataError(f"{path.name}: not a readable CSV ({error})") from None
    frame = without_empty_end(pd.read_csv(path, header=None if dialect.headless else "infer", **dialect.read_options(), **options))
    if dialect.headless:
        frame.columns = [f"channel_{index}" for index in range(frame.shape[1])]
    return grouped_numbers(frame) if dialect.decimal == "," else frame


#: what a non-numeric column of a CSV can be, said in the error naming it (a folder's files are one series each: no --id)
_CSV_COLUMN_ROLES = "name it with --id if it says which series a row belongs to, --time if it orders them, or drop it"
_FOLDER_COLUMN_ROLES = "name it with --time if it orders each file's rows, or drop it"


def _numeric(frame, source: str, roles: str = _CSV_COLUMN_ROLES) -> np.ndarray:
    """The frame's values as float64; a one-line error naming the first non-numeric cell and `roles`."""
    import pandas as pd

    from midigan.frames import BLANK_HEADER, column_numbers

    columns = []
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_datetime64_any_dtype(column) or pd.api.types.is_timedelta64_dtype(column):
            raise SeriesDataError(f"{source}: column {name!r} holds dates or times, not values: give it as the time column"
                                  " (--time, time_column) or drop it")  # as numbers they would be nanoseconds
        if column.dtype == bool:
            column = column.astype(float)
        converted = pd.to_numeric(column, errors="coerce")
        bad = converted.isna() & column.notna() & (column.astype(str).str.strip() != "")
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            blank = " (blank in the header: pandas names it so, and so do --id and --time)" if BLANK_HEADER.match(str(name)) else ""
            raise SeriesDataError(f"{source}: column {name!r}{blank} is not numeric ({cell_text(column.iloc[row])} in data row {row + 1});"
                                  f" {roles}")
        columns.append(column_numbers(converted))
    values = np.stack(columns, axis=1)
    if np.isinf(values).any():
        raise SeriesDataError(f"{source}: holds infinite values")
    return values


def _split_long_form(frame, id_column: str, time_column: str | None, source: str, skipped: list[str] = ()) -> SeriesSet:
    if id_column not in frame.columns:
        raise SeriesDataError(f"{source}: no column {id_column!r} (columns: {', '.join(map(str, frame.columns))})")
    unnamed = (frame[id_column].isna() | (frame[id_column].astype(str).str.strip() == "")).to_numpy()
    missing = int(unnamed.sum())
    skipped = [*skipped, *([f"{missing} row{'s' * (missing != 1)} with no {id_column!r} (no series to belong to)"] if missing else [])]
    if unnamed.all():
        raise SeriesDataError(f"{source}: column {id_column!r} is empty in every row: no row says which series it belongs to")
    frame = frame[~unnamed]
    series, names, orderings = [], [], []
    read = time_key(frame[time_column]) if time_column in frame.columns else None  # the whole column, read one way
    for key, rows in frame.groupby(id_column, sort=False):
        rows = rows.drop(columns=[id_column])
        if time_column is not None:
            rows, ordering = ordered(rows, time_column, source, read)
            orderings.append(ordering)
        series.append(_numeric(rows, f"{source} (series {key})"))
        names.append(str(key))
    columns = [str(c) for c in frame.columns if c not in (id_column, time_column)]
    if not columns:
        raise SeriesDataError(f"{source}: no value column besides the id and time columns")
    axis = time_axis(time_column, [c for c in frame.columns if c != id_column], orderings)
    return SeriesSet(series, columns, MANY, names, skipped, day_first_notes(time_column, orderings), id_column=id_column, time=axis)


def series_files(folder: Path) -> list[Path]:
    """The files of a folder read as series: every .csv and .tsv file under it, subfolders included
    (.txt files only where there are none: a folder of recordings often holds a notes.txt), but not
    in a run folder of midigan's (`midigan series train .` puts runs/ there, with sample CSVs)."""
    from midigan.core.rundir import run_family

    runs = [config.parent for config in folder.rglob("config.json") if run_family(config.parent) is not None]
    found = sorted(p for p in folder.rglob("*") if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
                   and not any(run in p.parents for run in runs))
    return [p for p in found if p.suffix.lower() in (".csv", ".tsv")] or [p for p in found if p.suffix.lower() == ".txt"]


def folder_columns(folder: str | Path) -> list[str]:
    """The header of the first file of `folder` that has one (the columns every series file shares)."""
    return next((columns for path in series_files(Path(folder)) if (columns := csv_columns(path))), [])


def _read_folder(folder: Path, time_column: str | None) -> SeriesSet:
    """Every file `series_files` finds, each one series (its rows ordered by `time_column`, which
    is then dropped, where given); an empty file is left out with its reason, a file with the same
    channels in another order is read in the first one's order."""
    files = series_files(folder)
    if not files:
        raise SeriesDataError(f"{folder}: no .csv files in it")
    series, names, skipped, columns, orderings = [], [], [], None, []
    for path in files:
        name = path.relative_to(folder).as_posix()
        try:
            frame = _read_csv(path)
        except SeriesDataError as error:
            skipped.append(str(error).replace(path.name, name, 1))
            continue
        frame, dropped = _without_unnamed(frame, (time_column,))
        skipped.extend(note for note in dropped if note not in skipped)
        header = [str(c) for c in frame.columns]
        if columns is None:
            columns, first = header, name
        elif len(header) != len(columns):
            raise SeriesDataError(f"{name} has {len(header)} columns, {first} has {len(columns)}:"
                                  " every series needs the same channels")
        elif header != columns:
            if sorted(header) != sorted(columns):
                raise SeriesDataError(f"{name}'s columns ({', '.join(header)}) differ from {first}'s ({', '.join(columns)})")
            frame = frame[[frame.columns[header.index(column)] for column in columns]]
        if time_column is not None:
            frame, ordering = ordered(frame, time_column, name)
            orderings.append(ordering)
        series.append(_numeric(frame, name, _FOLDER_COLUMN_ROLES))
        names.append(name.rsplit(".", 1)[0])
    if not series:
        raise SeriesDataError(f"{folder}: no file holds a series ({'; '.join(skipped)})")
    return SeriesSet(series, [column for column in columns if column != time_column], MANY, names, skipped,
                     day_first_notes(time_column, orderings), time=time_axis(time_column, columns, orderings))
