"""How a text table is written, read off its first bytes: encoding, delimiter, quote character and
decimal mark, for the table and the series readers alike.

Why one place: tables and series arrive as the same files (comma-, semicolon-, tab-, pipe- or
space-separated, with decimal commas from Europe's spreadsheets, quoted headers from R and
statsmodels); two sniffers read them two ways, and each file form fixed in one stayed broken in
the other.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from midigan.frames import SAVED_INDEX

SNIFF_BYTES = 64 * 1024
DELIMITERS = ",;\t|"
WHITESPACE = r"\s+"  # columns apart by runs of spaces, as statsmodels' spector.csv and R's write.table(sep=" ") have them
EXCEL_HINT = re.compile(r'"?sep=(.)"?(?:\r\n|\r|\n)', re.IGNORECASE)  # a first line naming the delimiter, which Excel follows (quoted too)
GROUPED = r"-?[1-9]\d{0,2}(?:\.\d{3})+(?:,\d+)?"  # 89.052,55: thousands grouped by points, a decimal comma
DECIMAL_COMMA = r"-?(?:0|\d{4,}),\d+|-?\d+,(?:\d{1,2}|\d{4,})"  # 0,250 12,25 1,2345: a comma no thousands grouping writes


def _number(decimal: str) -> re.Pattern:
    mark = re.escape(decimal)
    grouped = f"|{GROUPED}" if decimal == "," else ""
    return re.compile(rf"[-+]?(?:\d+(?:{mark}\d*)?|{mark}\d+)(?:e[-+]?\d+)?|[-+]?inf|nan{grouped}", re.IGNORECASE)  # no \d+.?\d*: quadratic


#: a number as a cell writes it, by the file's decimal mark: 1, -0.5, .5, 3.0e+00, inf, nan (and 89.052,55 by a comma)
NUMBERS = {mark: _number(mark) for mark in ".,"}


class NotText(ValueError):
    """Bytes that are no text table: NUL bytes without UTF-16's byte-order mark (a workbook named .csv)."""


@dataclass(frozen=True)
class TextDialect:
    """How one text table is written; `read_options` are the `pd.read_csv` settings that read it so."""

    delimiter: str  # a character, or WHITESPACE
    quotechar: str
    decimal: str  # "." or ","
    encoding: str
    headless: bool  # its first row is values, not names (as np.savetxt writes): `_first_row_is_values`
    names: tuple[str, ...] = ()  # the columns' names where the header is one short of the rows: `_short_header`
    hinted: bool = False  # its first line is EXCEL_HINT, skipped

    def read_options(self) -> dict[str, object]:
        """With `names`, the header is skipped and the columns so named (pandas' own reading makes
        the first column an index, which usecols and header=None reads do not take)."""
        named = {"names": list(self.names)} if self.names else {}
        return {"sep": self.delimiter, "quotechar": self.quotechar, "decimal": self.decimal, "encoding": self.encoding,
                "skipinitialspace": True, "skiprows": int(self.hinted) + int(bool(self.names)), **named}


def read_head(path: Path) -> bytes:
    """The file's first SNIFF_BYTES bytes, what `sniff` reads (OSError where it cannot be read)."""
    with open(path, "rb") as handle:
        return handle.read(SNIFF_BYTES)


def sniff(head: bytes, path: Path) -> TextDialect:
    """The dialect of the file at `path` whose first bytes are `head`: UTF-16 where they start with its
    byte-order mark (Excel's "Unicode Text"), else UTF-8 (a byte-order mark dropped) unless the bytes
    are not, then as `_single_byte` tells; the delimiter as a first line sep=; names it for Excel
    (EXCEL_HINT), else it and the quote character as `_delimiter` finds them; a decimal comma as
    `_decimal_mark` finds one; whether the first row is values as `_first_row_is_values` tells; the
    columns' names where the header is one short of the rows as `_short_header` gives them. Why from
    a sample: a reader then opens the file once more, for `pd.read_csv`, not once for each question.
    NotText where the bytes are binary data."""
    utf16 = head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if b"\x00" in head and not utf16:
        raise NotText("it holds binary data")
    encoding = "utf-16" if utf16 else "utf-8-sig"
    try:
        sample = head.decode(encoding)
    except UnicodeDecodeError as error:
        if error.start < len(head) - 4:  # not just a character cut at the sample's end
            encoding = _single_byte(head)
        sample = head.decode(encoding, errors="ignore")
    hint = EXCEL_HINT.match(sample)  # Excel's sep=; names the delimiter
    sample = sample[hint.end():] if hint else sample
    delimiter, quotechar = (hint.group(1), '"') if hint else _delimiter(sample, path)
    decimal = _decimal_mark(sample, delimiter, quotechar)
    complete = "".join(sample.splitlines(keepends=True)[:-1]) or sample if len(head) == SNIFF_BYTES else sample  # no line cut
    rows = _first_rows(complete, delimiter, quotechar)
    headless = _first_row_is_values(rows, _first_rows(complete, delimiter, quotechar, csv.QUOTE_NONE), quotechar, decimal)
    return TextDialect(delimiter, quotechar, decimal, encoding, headless, () if headless else _short_header(rows), hint is not None)


def _single_byte(head: bytes) -> str:
    """Windows' cp1252 where the bytes are written in it (Excel's CSV in western Europe and the
    Americas: its € is byte 0x80, its curly quotes 0x93 and 0x94), else latin-1, which reads any byte.
    Why not latin-1 alone: it reads those bytes as control characters."""
    try:
        head.decode("cp1252")
    except UnicodeDecodeError:
        return "latin-1"
    return "cp1252"


def _first_rows(sample: str, delimiter: str, quotechar: str, quoting: int = csv.QUOTE_MINIMAL, count: int | None = 20) -> list[list[str]]:
    """The cells of the sample's first `count` lines (None: all) that are not blank, as `pd.read_csv`
    reads them (lines ended by \\r alone too, as Excel for Mac saves them); with csv.QUOTE_NONE, their
    quotes kept. Why one reading: `_delimiter` tries runs of spaces on the rows the others read."""
    options = {"quotechar": quotechar, "skipinitialspace": True, "quoting": quoting}
    if delimiter == WHITESPACE:
        lines = [line.strip() for line in sample.splitlines() if line.strip()]
        rows = csv.reader(lines[:count], delimiter=" ", **options)
    else:
        rows = csv.reader(io.StringIO(sample, newline=None), delimiter=delimiter, **options)
    return list(itertools.islice((row for row in rows if any(cell.strip() for cell in row)), count))


def _short_header(rows: list[list[str]]) -> tuple[str, ...]:
    """The columns' names where the header is one name short of every row below: the header's and a
    blank one, named as pandas names a blank header. First, as R's write.csv writes row names, where
    R's write.table (spaces or tabs) names the rows but not their column; last where a delimiter ends
    each row but not the header (the rows' last cells all blank), as one ending every line is read.
    Else none, as where the names repeat (pandas refuses repeated names)."""
    header, below = (rows[0], rows[1:]) if rows else ([], [])
    if not below or any(len(row) != len(header) + 1 for row in below):
        return ()
    names = tuple(name.strip() for name in header)
    named = (*names, f"Unnamed: {len(names)}") if not any(row[-1].strip() for row in below) else (SAVED_INDEX, *names)
    return named if len(set(named)) == len(named) else ()


def _first_row_is_values(rows: list[list[str]], written: list[list[str]], quotechar: str, decimal: str) -> bool:
    """Is the first of `rows` data, not names? It is when a cell is a number other than a whole one
    (digits only: 0,1,2 and years 1990,1991) and not quoted over bare numbers (`written`, the rows
    with their quotes: R's write.csv writes "0.05" over 0.00), and every other cell that is not blank
    is a number or equals a value below it (1.5,a over 2.5,a).
    Why by form, read as written (no renaming of a repeated 0.0): np.savetxt writes 0.000,1.5 or
    3.0e+00, to_csv(header=False) 1.5,2.3,a or 0,0.0, never a header. Why equal, not written alike:
    pivot_table's country,2019.0 over Austria,4.92 was read as values. Why 2019.0 is not whole: a
    series' first value 0.0 then made its first row the header. The price: a header of decimal numbers
    (quantiles 0.1,0.5,0.9) beside none or names equal to values below is read as a first row of
    values; name them q0.1. A headless file whose first text values recur in none of the rows sniffed
    below is read as headed."""
    number = NUMBERS[decimal]
    whole = re.compile(r"\d+")  # digits only: 0.0 is values (to_csv's 0,0.0); pivot_table's 2019.0 stays names by `country`
    cells = [(position, cell.strip()) for position, cell in enumerate(rows[0] if rows else []) if cell.strip()]

    def below(table: list[list[str]], position: int) -> list[str]:
        return [row[position].strip() for row in table[1:] if position < len(row)]

    def quoted_name(position: int) -> bool:
        cell = written[0][position].strip() if position < len(written[0]) else ""
        return cell.startswith(quotechar) and not any(value.startswith(quotechar) for value in below(written, position))

    return any(number.fullmatch(cell) and not whole.fullmatch(cell) and not quoted_name(position) for position, cell in cells) and all(
        number.fullmatch(cell) or cell in below(rows, position) for position, cell in cells)


def _delimiter(sample: str, path: Path) -> tuple[str, str]:
    """(delimiter, quote character): tab for .tsv whose header holds one, else what csv.Sniffer finds
    (for .tsv, only where it cuts the header: else one column, its values holding ; or ,; a semicolon
    where `_semicolons` finds one in place of its comma), else runs of spaces where they cut every
    line below the header into as many fields (more than one), and the header into as many or one
    fewer (R's row names), else a comma.
    Why not a tab for every .tsv: one saved with commas was read as one column, and refused as
    "no column to model"."""
    lines = sample.splitlines() or [""]
    tab_file = path.suffix.lower() == ".tsv"
    if tab_file and "\t" in lines[0]:
        return "\t", '"'
    complete = "\n".join(lines[:-1] if len(lines) > 1 else lines)  # the sample may cut its last line
    if _one_column_of_decimal_commas(complete.splitlines()):
        return ";", '"'  # no ; in the file: one column
    try:
        dialect = csv.Sniffer().sniff(complete, delimiters=DELIMITERS)
    except csv.Error:
        dialect = None
    if tab_file and (dialect is None or len(next(csv.reader(lines[:1], dialect), [])) < 2):
        return "\t", '"'
    if (dialect is None or dialect.delimiter == ",") and _semicolons(complete, dialect.quotechar if dialect else '"'):
        return ";", dialect.quotechar if dialect else '"'
    if dialect is not None:
        return dialect.delimiter, dialect.quotechar or '"'
    try:
        quotechar = csv.Sniffer().sniff(complete, delimiters=" ").quotechar or '"'
    except csv.Error:  # columns aligned by runs of spaces (DataFrame.to_string(), np.savetxt("%10.4f")) are no dialect to it
        quotechar = '"'
    cells = _first_rows(complete, WHITESPACE, quotechar, count=None)
    widths = {len(fields) for fields in cells[1:] or cells}
    width = widths.pop() if len(widths) == 1 else 0
    quoted_header = complete.lstrip().startswith(quotechar)
    spaced = width > 1 and len(cells[0]) in (width, width - 1) and _spaced_table(quoted_header, cells)  # one short: row names
    return (WHITESPACE, quotechar) if spaced else (",", '"')


def _one_column_of_decimal_commas(lines: list[str]) -> bool:
    """Whether the header is one name and every line below one number, whole or with a decimal comma,
    some written so no thousands grouping writes (DECIMAL_COMMA), as German Excel saves one column (no
    semicolon to cut it). Why: the comma cut it, a first column of whole numbers and the decimals
    a second, which the table reader named as R's row names and the series reader read as 37."""
    values = [line.strip().strip('"') for line in lines[1:] if line.strip()]
    one_name = bool(lines) and not any(mark in lines[0] for mark in DELIMITERS)
    return one_name and bool(values) and all(re.fullmatch(r"-?\d+(?:,\d+)?", value) for value in values) and any(
        re.fullmatch(DECIMAL_COMMA, value) for value in values)


def _semicolons(sample: str, quotechar: str) -> bool:
    """Whether `;` cuts every line into as many fields (more than one), every field holding a comma
    a number written with a decimal comma (171,3;-2,5). Why: without a header csv.Sniffer finds the
    comma as consistent as the semicolon, prefers it, and cut such a file into whole numbers and
    text; `1,2,3` files keep their comma, as `;` does not cut them."""
    rows = list(csv.reader([line for line in sample.splitlines() if line.strip()], delimiter=";", quotechar=quotechar,
                           skipinitialspace=True))
    cells = [cell.strip() for row in rows for cell in row]
    return len({len(row) for row in rows}) == 1 and len(rows[0]) > 1 and all(NUMBERS[","].fullmatch(cell) for cell in cells if "," in cell)


def _spaced_table(quoted_header: bool, cells: list[list[str]]) -> bool:
    """Whether lines that spaces cut into as many fields are a table: its header quoted (statsmodels'
    spector.csv) or a column all numbers. Why: one column of text with a space in every line
    (full name / Person3 Smith, created at / 2021-01-05 10:40) was cut into two."""
    return quoted_header or any(
        all(NUMBERS["."].fullmatch(value) for value in column) for column in zip(*cells[1:], strict=True))


def _decimal_mark(sample: str, delimiter: str, quotechar: str) -> str:
    """A comma where a file separated otherwise writes numbers as 171,3, 0,250 or 89.052,55
    (spreadsheets in much of Europe), or groups thousands by points more than once in a number
    (1.234.567) or beside whole numbers in a column (950 over 1.100: `_grouped_beside_whole`) where
    no cell is a number with a point no grouping writes (171.3, 0.125) and its columns are not apart
    by spaces (np.savetxt's 1.500 2.250); else a point. Numbers are read quoted too ("171,3").
    Columns that are not all numbers stay text either way.
    Why not 89.052 alone: a file of 3-decimal numbers (np.savetxt's 32.211 with tabs, 1.500|2.250)
    was read x1000, silently; a point kept in doubt reads 1.234 as 1.234, as written. Why not 1,200
    alone: it groups thousands as well (Excel's US tab-separated text of sales beside prices 10.00),
    and was read 1000x too small, silently; a comma kept in doubt leaves 1,200 as text, which the
    table kinds read as 1200 and the series reader refuses."""
    if delimiter == ",":
        return "."
    split = None if delimiter == WHITESPACE else delimiter  # str.split(None) cuts at runs of spaces
    written = {cell.strip() for line in sample.splitlines() for cell in line.split(split)}
    cells = {cell[1:-1] if len(cell) > 1 and cell[0] == cell[-1] == quotechar else cell for cell in written}

    def held(number: str) -> bool:  # cell by cell: one pattern over the sample backtracked through runs of spaces
        pattern = re.compile(number)
        return any(pattern.fullmatch(cell) for cell in cells)

    if held(rf"{DECIMAL_COMMA}|-?[1-9]\d{{0,2}}(?:\.\d{{3}})+,\d+"):  # 0,250 12,25 1,2345 89.052,55
        return ","
    grouped = delimiter != WHITESPACE and (held(r"-?[1-9]\d{0,2}(?:\.\d{3}){2,}") or any(
        _grouped_beside_whole(column) for column in itertools.zip_longest(*_first_rows(sample, delimiter, quotechar, count=None)[1:])))
    return "," if grouped and not held(r"-?(?:\d*\.(?:\d{1,2}|\d{4,})|(?:0|\d{4,})\.\d+)") else "."


def _grouped_beside_whole(column: tuple[str | None, ...]) -> bool:
    """Whether a column's cells are whole numbers, some grouped by points (1.100), some not (950).
    Why: a writer of 3 decimals puts a point in every cell of a column (1.500, 0.000)."""
    values = [cell.strip() for cell in column if cell and cell.strip()]
    grouped = [bool(re.fullmatch(r"-?[1-9]\d{0,2}(?:\.\d{3})+", value)) for value in values]
    return any(grouped) and not all(grouped) and all(mark or re.fullmatch(r"-?\d+", value) for mark, value in zip(grouped, values))


def without_empty_end(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame without its last rows that hold no value (lines of delimiters alone: rows a
    spreadsheet saves once formatted, then emptied), as pandas drops blank lines. Why only at the
    end: between others, a row of gaps is a time step of a series."""
    filled = np.flatnonzero(frame.notna().any(axis=1).to_numpy())
    return frame.iloc[: filled[-1] + 1 if len(filled) else 0]


def grouped_numbers(frame: pd.DataFrame, kept: tuple[str, ...] = (), marks: tuple[str, ...] = ()) -> pd.DataFrame:
    """Text columns of a decimal-comma file (but those `kept` as text) whose every value is a
    number, some grouped by points (89.052,55) or some with a decimal comma among gaps written as
    `marks` (the table reader's "None", which pandas leaves as text), as numbers.
    Why column by column, not pandas' `thousands`: that drops every point in the file, turning
    19.02.2021 into 19022021 and 1.5 into 15."""
    for position in range(frame.shape[1]):
        column = frame.iloc[:, position]
        if frame.columns[position] in kept or not (pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column)):
            continue
        text = column.dropna().astype(str).str.strip()
        marked = text.isin(marks)
        text = text[(text != "") & ~marked]
        grouped = text.str.fullmatch(GROUPED)
        commas = grouped.any() or (marked.any() and text.str.contains(",").any())  # else pandas read it, or it holds no commas
        if len(text) and commas and (grouped | text.str.fullmatch(r"-?\d+(?:,\d+)?")).all():
            numbers = column.astype(str).str.strip().str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
            frame.isetitem(position, pd.to_numeric(numbers.where(column.notna() & (numbers != "")), errors="coerce"))
    return frame
