"""Series out, in the forms `midigan series generate` promises: a folder of CSVs (one per series,
series_0001.csv ...; earlier ones so named, four digits or more, left there are removed),
a long-form CSV with an id column first (named as the training data's, `id` where it had none and
no channel is called so, see `series_column`), or
an `.npy` array `(series, steps, channels)`. CSVs carry the training data's --time column where it
had one, at its place (`midigan.series.timeaxis`).

Values are written at full precision (`midigan.frames.number_text`: a whole number as one, any
other in Python's shortest round-tripping form), missing values as empty cells (CSV) or NaN (npy,
which also pads shorter series), so reading a written set back gives exactly the numbers the model
produced.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from midigan.core.files import written_whole
from midigan.frames import number_text

if TYPE_CHECKING:
    from midigan.series.timeaxis import TimeAxis

#: the files `write_series` writes; any other OUT is a folder
FILE_SUFFIXES = (".csv", ".npy")
#: the names of the files `write_folder` writes (any other file in the folder is not its own)
SERIES_FILE = re.compile(r"series_\d{4,}\.csv")  # at least four digits, as `write_folder` numbers them
#: the column naming each series in a long form written for training data with none (`midigan series evaluate` reads it by it)
ID_COLUMN = "id"


def series_column(columns: list[str], wanted: str = ID_COLUMN) -> str:
    """The name of a long form's column naming each series: `wanted` unless a channel has that name
    (a data column called id), then the first of `series`, `series_id`, `id_1`, ... that none has."""
    taken = set(map(str, columns))
    candidates = [wanted, "series", "series_id"]
    return next((name for name in candidates if name not in taken), None) or next(
        f"id_{n}" for n in range(1, len(taken) + 2) if f"id_{n}" not in taken)


def output_problem(out: str | Path) -> str | None:
    """Why `out` names no form `write_series` writes (None when it does): a new name with another
    suffix (out.tsv, out.xlsx) would become a folder of that name, which is rarely what was meant."""
    out = Path(out)
    if out.suffix and out.suffix.lower() not in FILE_SUFFIXES and not out.is_dir():
        return f"OUT is a folder, a .csv or a .npy, and {out} is none of them (a new folder's name has no suffix)"
    return None


def write_series(series: list[np.ndarray], columns: list[str], out: str | Path, id_column: str = ID_COLUMN,
                 time: TimeAxis | None = None) -> str:
    """Write to `out` by its form (see the module docstring), a long-form CSV's series named in
    `id_column`, CSVs with the `time` column where the training data had one (an array has none);
    returns a line saying what was written."""
    out = Path(out)
    if out.suffix.lower() == ".npy":
        write_npy(series, out)
        return f"wrote {len(series)} series as {out} {padded(series).shape}"
    with_time = f", with the time column {time.name}" if time is not None else ""
    if out.suffix.lower() == ".csv":
        id_column = write_long_csv(series, columns, out, id_column, time)
        return f"wrote {len(series)} series to {out} (long form, the series named in its {id_column} column{with_time})"
    write_folder(series, columns, out, time)
    return f"wrote {len(series)} series to {out}/ (one CSV each{with_time})"


def _header(columns: list[str], time: TimeAxis | None) -> list[str]:
    """The channels' names with the time column's where the training data had it."""
    return list(columns) if time is None else [*columns[:time.position], time.name, *columns[time.position:]]


def _rows(values: np.ndarray, time: TimeAxis | None, times: dict[int, list[str]]) -> list[list[str]]:
    """A series' rows as text, with its times at the time column's place (`times`: the column's
    text by series length, filled as lengths come: most series share a few lengths)."""
    rows = [_cells(row) for row in values]
    if time is not None:
        if len(values) not in times:
            times[len(values)] = time.values(len(values))
        rows = [[*row[:time.position], stamp, *row[time.position:]] for row, stamp in zip(rows, times[len(values)])]
    return rows


def padded(series: list[np.ndarray]) -> np.ndarray:
    """`(series, longest, channels)` float64, NaN after each series' end."""
    steps = max(len(values) for values in series)
    out = np.full((len(series), steps, series[0].shape[1]), np.nan)
    for index, values in enumerate(series):
        out[index, : len(values)] = values
    return out


def write_npy(series: list[np.ndarray], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with written_whole(path) as temporary, open(temporary, "wb") as handle:  # a name np.save would add .npy to (X.NPY)
        np.save(handle, padded(series))


def _cells(row: np.ndarray) -> list[str]:
    return ["" if np.isnan(value) else number_text(value) for value in row]


def write_long_csv(series: list[np.ndarray], columns: list[str], path: Path, id_column: str = ID_COLUMN,
                   time: TimeAxis | None = None) -> str:
    """A long form, each row's series numbered from 1 in `id_column` (`series_column`: never a
    channel's name), the `time` column where the training data had one; returns the series column's name."""
    header = _header(columns, time)
    id_column = series_column(header, id_column)
    path.parent.mkdir(parents=True, exist_ok=True)
    with written_whole(path) as temporary, open(temporary, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")  # as pandas and the table writer end lines
        writer.writerow([id_column, *header])
        times: dict[int, list[str]] = {}
        for index, values in enumerate(series, start=1):
            writer.writerows([index, *row] for row in _rows(values, time, times))
    return id_column


def write_folder(series: list[np.ndarray], columns: list[str], folder: Path, time: TimeAxis | None = None) -> None:
    """One `series_NNNN.csv` per series (with the `time` column where the training data had one);
    such files already in `folder` and not written now (an earlier, larger --count) are removed, so
    the folder holds this set only. Other files stay."""
    folder.mkdir(parents=True, exist_ok=True)
    digits = max(4, len(str(len(series))))
    written, times = set(), {}
    for index, values in enumerate(series, start=1):
        path = folder / f"series_{index:0{digits}d}.csv"
        with written_whole(path) as temporary, open(temporary, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")  # as pandas and the table writer end lines
            writer.writerow(_header(columns, time))
            writer.writerows(_rows(values, time, times))
        written.add(path.name)
    for earlier in folder.iterdir():
        if SERIES_FILE.fullmatch(earlier.name) and earlier.name not in written and earlier.is_file():
            earlier.unlink()
