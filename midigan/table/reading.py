"""Reading and writing tables: CSV with a sniffed delimiter, TSV and Parquet, in and out.

Why sniffing: tables arrive comma-, semicolon-, tab- or pipe-separated, sometimes with quoted
headers (statsmodels' anes96 is tab-separated with single-quoted names); a data scientist expects
`midigan table train file.csv` to read what a spreadsheet would, and to be told in one line when a
file is not a table at all.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd

from midigan.core.files import written_whole
from midigan.frames import BLANK_HEADER, EXACT_FLOATS
from midigan.table.errors import TableError

SNIFF_BYTES = 64 * 1024
DELIMITERS = ",;\t|"
MIN_ROWS = 10  # fewer rows than this teach a model nothing
SPELLING_ROWS = 100  # rows read as written to see how the file spells its booleans


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
        with open(path, "rb") as handle:
            head = handle.read(SNIFF_BYTES)
    except OSError as error:
        raise TableError(f"cannot read {path}: {error.strerror}") from None
    if not head.strip():
        raise TableError(f"{path} is empty")
    if b"\x00" in head:
        raise TableError(f"{path} is not a text table (it holds binary data)")
    encoding = "utf-8-sig"
    try:
        sample = head.decode(encoding)
    except UnicodeDecodeError as error:
        if error.start < len(head) - 4:  # not just a character cut at the sample's end
            encoding = "latin-1"
        sample = head.decode(encoding, errors="ignore")
    delimiter, quotechar = _dialect(sample, path)
    dialect = {"sep": delimiter, "quotechar": quotechar, "encoding": encoding, "skipinitialspace": True}
    try:
        frame = pd.read_csv(
            path,
            decimal=(decimal := _decimal_mark(sample, delimiter)),
            dtype={name: str for name in text_columns} or None,
            low_memory=False,
            **dialect,
            **EXACT_FLOATS,
        )
        head = pd.read_csv(path, header=None, nrows=1 + SPELLING_ROWS, dtype=str, **dialect)  # the header and first rows as written
        # pandas renames a repeated header (a, a -> a, a.1): the names as written, so read_table can refuse it
        written = head.iloc[0].tolist()
        if len(written) == frame.shape[1]:
            frame.columns = [name if isinstance(name, str) else read for name, read in zip(written, frame.columns)]
        if decimal == ",":
            frame = _grouped_numbers(frame)
        return _booleans_as_spelled(frame, head.iloc[1:]) if spelled_booleans else frame
    except pd.errors.EmptyDataError:
        raise TableError(f"{path} is empty") from None
    except pd.errors.ParserError as error:
        first_line = str(error).strip().splitlines()[-1]
        raise TableError(f"{path} is not a well-formed table: {first_line}") from None
    except (UnicodeDecodeError, ValueError) as error:
        raise TableError(f"cannot read {path} as a table ({type(error).__name__})") from None


def _dialect(sample: str, path: Path) -> tuple[str, str]:
    """(delimiter, quote character): tab for .tsv, else what csv.Sniffer finds, else a comma."""
    if path.suffix.lower() == ".tsv":
        return "\t", '"'
    lines = sample.splitlines()
    complete = "\n".join(lines[:-1] if len(lines) > 1 else lines)  # the sample may cut its last line
    try:
        dialect = csv.Sniffer().sniff(complete, delimiters=DELIMITERS)
        return dialect.delimiter, dialect.quotechar or '"'
    except csv.Error:
        return ",", '"'


GROUPED = r"-?[1-9]\d{0,2}(?:\.\d{3})+(?:,\d+)?"  # 89.052,55: thousands grouped by points, a decimal comma


def _decimal_mark(sample: str, delimiter: str) -> str:
    """A comma where a file separated otherwise writes numbers as 171,3 or 89.052,55 (spreadsheets
    in much of Europe), else a point. Columns that are not all numbers stay text either way."""
    if delimiter == ",":
        return "."
    cell = re.escape(delimiter)
    decimal_comma = re.compile(rf"(?:^|{cell})\s*(?:-?\d+,\d+|{GROUPED})\s*(?={cell}|$)", re.MULTILINE)
    return "," if decimal_comma.search(sample) else "."


def _grouped_numbers(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns of a decimal-comma file whose every value is a number, some grouped by points
    (89.052,55), as numbers. Why column by column, not pandas' `thousands`: that drops every point
    in the file, turning 19.02.2021 into 19022021 and 1.5 into 15."""
    for position in range(frame.shape[1]):
        column = frame.iloc[:, position]
        if not (pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column)):
            continue
        text = column.dropna().astype(str).str.strip()
        text = text[text != ""]
        grouped = text.str.fullmatch(GROUPED)
        if len(text) and grouped.any() and (grouped | text.str.fullmatch(r"-?\d+(?:,\d+)?")).all():
            numbers = column.astype(str).str.strip().str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
            frame.isetitem(position, pd.to_numeric(numbers.where(column.notna() & (numbers != "")), errors="coerce"))
    return frame


#: what `write_table` writes, by the name's suffix
WRITTEN_SUFFIXES = (".csv", ".tsv", ".parquet")


def check_writable(path: str | Path) -> None:
    """A TableError unless `path` names a form `write_table` writes: said before the work, not after
    (an out.xlsx used to receive CSV)."""
    if Path(path).suffix.lower() not in WRITTEN_SUFFIXES:
        raise TableError(f"{path}: name the output .csv, .tsv or .parquet")


def write_table(frame: pd.DataFrame, path: str | Path) -> None:
    """Write `frame` as Parquet (.parquet), tab-separated (.tsv) or comma-separated (.csv); in a
    text file, a column pandas named for a blank header ("Unnamed: 0") gets a blank header again
    (Parquet keeps the name: its columns are named)."""
    path = Path(path)
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
