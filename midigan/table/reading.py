"""Reading and writing tables: CSV with a sniffed delimiter, TSV and Parquet, in and out.

Why sniffing: tables arrive comma-, semicolon-, tab- or pipe-separated, sometimes with quoted
headers (statsmodels' anes96 is tab-separated with single-quoted names); a data scientist expects
`midigan table train file.csv` to read what a spreadsheet would, and to be told in one line when a
file is not a table at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from midigan.core.files import written_whole
from midigan.frames import BLANK_HEADER, EXACT_FLOATS
from midigan.table.errors import TableError
from midigan.table.kinds import GAP_TEXTS_ATTR, MISSING_MARKS, Column
from midigan.text_tables import NotText, grouped_numbers, read_head, sniff, without_empty_end

MIN_ROWS = 10  # fewer rows than this teach a model nothing
SPELLING_ROWS = 100  # rows read as written to see how the file spells its booleans
HEADLESS_ATTR = "headless"  # frame.attrs key set where a text table had no header row (its first row was data) ...
HEADLESS_PREFIX = "column_"  # ... and its columns are named column_0, column_1, ...
#: cells read as gaps: pandas' defaults (NA, NULL, N/A, nan, ...) but "None", which in a table of
#: text is a value (Cars93's AirBags: None, Driver only, ...); `kinds` reads it as a gap among numbers
GAP_TEXTS = ("", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>",
             "N/A", "NA", "NULL", "NaN", "n/a", "nan", "null")


def read_table(
    path: str | Path, text_columns: tuple[str, ...] = (), spelled_booleans: bool = False, needed_by: str = "a model"
) -> pd.DataFrame:
    """The table at `path` (.csv, .tsv, .txt or .parquet) as read, columns in file order;
    `text_columns` are read as text as written (e.g. codes with leading zeros); with
    `spelled_booleans`, a text file's boolean columns spelled otherwise than True / False (TRUE, true)
    as it spells them, so that the commands write them back so (pandas gives True and False).
    TableError for anything that is not a readable table of at least MIN_ROWS rows (the message
    says what needs them: `needed_by`)."""
    path = Path(path)
    if not path.is_file():
        raise TableError(f"no file at {path}")
    if path.suffix.lower() == ".parquet":
        frame = _read_parquet(path)
    else:
        frame = _read_text(path, text_columns, spelled_booleans)
    if frame.shape[1] == 0:
        raise TableError(f"{path} holds no columns")
    if len(frame) < MIN_ROWS:
        raise TableError(f"{path} holds {len(frame)} rows; {needed_by} needs at least {MIN_ROWS}")
    duplicated = frame.columns[frame.columns.duplicated()].tolist()
    if duplicated:
        raise TableError(f"{path} names column {duplicated[0]!r} more than once")
    return frame


def _booleans_as_spelled(frame: pd.DataFrame, head: pd.DataFrame) -> pd.DataFrame:
    """Boolean columns spelled otherwise than True / False (TRUE, true) as the file spells them
    (`head`: its first rows as text; the most common spelling there): pandas reads all of them as
    True. Columns by position: a repeated header is refused later, in one line."""
    for position in range(frame.shape[1]):
        column = frame.iloc[:, position]
        if not pd.api.types.is_bool_dtype(column):  # with gaps pandas keeps True, False and NaN as objects
            values = column.dropna()
            if column.dtype != object or len(values) == 0 or not all(isinstance(value, bool) for value in values):
                continue
        spelled = head.iloc[:, position].dropna().str.strip() if position < head.shape[1] else pd.Series(dtype=str)
        word = spelled.mode().iloc[0] if len(spelled) else "True"
        case = str.upper if word.isupper() else str.lower if word.islower() else str.capitalize
        if case("true") != "True":
            frame.isetitem(position, column.map({True: case("true"), False: case("false")}))
    return frame


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except ImportError:
        raise TableError("reading Parquet needs pyarrow: pip install pyarrow") from None
    except Exception as error:  # pyarrow raises its own types for damaged files
        raise TableError(f"{path} is not a readable Parquet file ({type(error).__name__})") from None


def _read_text(path: Path, text_columns: tuple[str, ...], spelled_booleans: bool) -> pd.DataFrame:
    try:
        head = read_head(path)
    except OSError as error:
        raise TableError(f"cannot read {path}: {error.strerror}") from None
    if not head.strip():
        raise TableError(f"{path} is empty")
    try:
        sniffed = sniff(head, path)
    except NotText as error:
        raise TableError(f"{path} is not a text table ({error})") from None
    dialect = {**sniffed.read_options(), "keep_default_na": False, "na_values": GAP_TEXTS}
    header = None if sniffed.headless else "infer"
    try:
        head = pd.read_csv(path, header=None, nrows=1 + SPELLING_ROWS, dtype=str, **dialect)  # the header and first rows as written
        if sniffed.headless:
            dialect["names"] = [f"{HEADLESS_PREFIX}{index}" for index in range(head.shape[1])]
        frame = without_empty_end(pd.read_csv(path, header=header, dtype={name: str for name in text_columns} or None, low_memory=False,
                                              **dialect, **EXACT_FLOATS))
        if sniffed.headless:
            frame.attrs[HEADLESS_ATTR] = True
        elif not sniffed.names:  # pandas renames a repeated header (a, a -> a, a.1): the names as written, so read_table can refuse it
            written, head = head.iloc[0].tolist(), head.iloc[1:]
            if len(written) == frame.shape[1]:
                frame.columns = [name if isinstance(name, str) else read for name, read in zip(written, frame.columns)]
        if dialect["decimal"] == ",":
            frame = grouped_numbers(frame, text_columns, MISSING_MARKS)
        frame.attrs[GAP_TEXTS_ATTR] = _gap_texts(frame, pd.read_csv(path, header=header, nrows=SPELLING_ROWS, dtype=str, **{
            **dialect, "na_values": None}))
        return _booleans_as_spelled(frame, head) if spelled_booleans else frame
    except pd.errors.EmptyDataError:
        raise TableError(f"{path} is empty") from None
    except pd.errors.ParserError as error:
        first_line = str(error).strip().splitlines()[-1]
        raise TableError(f"{path} is not a well-formed table: {first_line}") from None
    except (UnicodeDecodeError, ValueError) as error:
        raise TableError(f"cannot read {path} as a table ({type(error).__name__})") from None


def _gap_texts(frame: pd.DataFrame, head: pd.DataFrame) -> dict[str, str]:
    """How each column of a text table wrote its gaps where not as empty cells (R writes NA), read
    off `head` (its first SPELLING_ROWS rows as written): the column's most common spelling there
    (empty cells included), else, for a column without a gap there, the file's. Why: generate wrote
    every gap empty, and R's read.csv takes an empty cell of a text column for a value, not a gap."""
    spelled, head = {}, head.iloc[: len(frame)]  # not the empty rows that ended the file (`without_empty_end`)
    for position, name in enumerate(frame.columns[: head.shape[1]]):
        gaps = frame.iloc[: len(head), position].isna().to_numpy()
        spelled[name] = head.iloc[:, position][gaps].fillna("").str.strip()
    marks = pd.concat(list(spelled.values())) if spelled else pd.Series(dtype=str)
    marks = marks[marks != ""]
    if marks.empty:
        return {}
    common = str(marks.mode().iloc[0])
    return {name: str(texts.mode().iloc[0]) if len(texts) else common for name, texts in spelled.items()}


#: what `write_table` writes, by the name's suffix
WRITTEN_SUFFIXES = (".csv", ".tsv", ".parquet")


def check_writable(path: str | Path) -> None:
    """A TableError unless `path` names a form `write_table` writes: said before the work, not after
    (an out.xlsx used to receive CSV)."""
    if Path(path).suffix.lower() not in WRITTEN_SUFFIXES:
        raise TableError(f"{path}: name the output .csv, .tsv or .parquet")


def write_table(frame: pd.DataFrame, path: str | Path, columns: Sequence[Column] = ()) -> None:
    """Write `frame` as Parquet (.parquet), tab-separated (.tsv) or comma-separated (.csv); in a
    text file, a column pandas named for a blank header ("Unnamed: 0") gets a blank header again
    (Parquet keeps the name: its columns are named), and the gaps of each of `columns` (the
    training table's) are written as that file wrote them (`Column.gap_mark`: NA, ?), else empty.
    Why here: generate and the samples written during training write the same rows."""
    path = Path(path)
    marks = {column.name: column.gap_mark for column in columns if column.gap_mark and column.name in frame.columns}
    if marks and path.suffix.lower() != ".parquet":
        frame = frame.assign(**{name: frame[name].astype(object).where(frame[name].notna(), mark) for name, mark in marks.items()})
    check_writable(path)
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with written_whole(path) as temporary:
            if path.suffix.lower() == ".parquet":
                frame.to_parquet(temporary, index=False)
            else:
                header = ["" if BLANK_HEADER.match(str(name)) else name for name in frame.columns]  # blank as it was read
                frame.to_csv(temporary, index=False, header=header, sep="\t" if path.suffix.lower() == ".tsv" else ",")
    except ImportError:
        raise TableError("writing Parquet needs pyarrow: pip install pyarrow") from None
    except OSError as error:
        raise TableError(f"cannot write {path}: {error.strerror}") from None
