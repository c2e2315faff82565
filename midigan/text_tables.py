"""How a text table is written, read off its first bytes: encoding, delimiter, quote character and
decimal mark, for the table and the series readers alike.

Why one place: tables and series arrive as the same files (comma-, semicolon-, tab-, pipe- or
space-separated, with decimal commas from Europe's spreadsheets, quoted headers from R and
statsmodels); two sniffers read them two ways, and each file form fixed in one stayed broken in
the other.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

SNIFF_BYTES = 64 * 1024
DELIMITERS = ",;\t|"
WHITESPACE = r"\s+"  # columns apart by runs of spaces, as statsmodels' spector.csv and R's write.table(sep=" ") have them
#: a number as a cell writes it, with a decimal point (1, -0.5, .5, 3.0e+00, inf, nan)
NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?|[-+]?inf|nan", re.IGNORECASE)
GROUPED = r"-?[1-9]\d{0,2}(?:\.\d{3})+(?:,\d+)?"  # 89.052,55: thousands grouped by points, a decimal comma


@dataclass(frozen=True)
class TextDialect:
    """How one text table is written; `read_options` are the `pd.read_csv` settings that read it so."""

    delimiter: str  # a character, or WHITESPACE
    quotechar: str
    decimal: str  # "." or ","
    encoding: str

    def read_options(self) -> dict[str, object]:
        return {"sep": self.delimiter, "quotechar": self.quotechar, "decimal": self.decimal, "encoding": self.encoding,
                "skipinitialspace": True}


def read_head(path: Path) -> bytes:
    """The file's first SNIFF_BYTES bytes, what `sniff` reads (OSError where it cannot be read)."""
    with open(path, "rb") as handle:
        return handle.read(SNIFF_BYTES)


def sniff(head: bytes, path: Path) -> TextDialect:
    """The dialect of the file at `path` whose first bytes are `head`: UTF-8 (a byte-order mark
    dropped) unless the bytes are not, then latin-1; the delimiter and quote character as
    `_delimiter` finds them; a decimal comma as `_decimal_mark` finds one."""
    encoding = "utf-8-sig"
    try:
        sample = head.decode(encoding)
    except UnicodeDecodeError as error:
        if error.start < len(head) - 4:  # not just a character cut at the sample's end
            encoding = "latin-1"
        sample = head.decode(encoding, errors="ignore")
    delimiter, quotechar = _delimiter(sample, path)
    return TextDialect(delimiter, quotechar, _decimal_mark(sample, delimiter), encoding)


def _delimiter(sample: str, path: Path) -> tuple[str, str]:
    """(delimiter, quote character): tab for .tsv whose header holds one, else what csv.Sniffer finds
    (for .tsv, only where it cuts the header: else one column, its values holding ; or ,), else runs
    of spaces where they cut every line into as many fields (more than one), else a comma.
    Why not a tab for every .tsv: one saved with commas was read as one column, and refused as
    "no column to model"."""
    lines = sample.splitlines() or [""]
    tab_file = path.suffix.lower() == ".tsv"
    if tab_file and "\t" in lines[0]:
        return "\t", '"'
    complete = "\n".join(lines[:-1] if len(lines) > 1 else lines)  # the sample may cut its last line
    try:
        dialect = csv.Sniffer().sniff(complete, delimiters=DELIMITERS)
    except csv.Error:
        dialect = None
    if tab_file and (dialect is None or len(next(csv.reader(lines[:1], dialect), [])) < 2):
        return "\t", '"'
    if dialect is not None:
        return dialect.delimiter, dialect.quotechar or '"'
    try:
        quotechar = csv.Sniffer().sniff(complete, delimiters=" ").quotechar or '"'
    except csv.Error:
        return ",", '"'
    rows = [line.strip() for line in complete.splitlines() if line.strip()]
    cells = list(csv.reader(rows, delimiter=" ", quotechar=quotechar, skipinitialspace=True))
    widths = {len(fields) for fields in cells}
    spaced = len(widths) == 1 and widths.pop() > 1 and _spaced_table(rows[0], cells, quotechar)
    return (WHITESPACE, quotechar) if spaced else (",", '"')


def _spaced_table(header: str, cells: list[list[str]], quotechar: str) -> bool:
    """Whether lines that spaces cut into as many fields are a table: its header quoted (statsmodels'
    spector.csv) or a column all numbers. Why: one column of text with a space in every line
    (full name / Person3 Smith, created at / 2021-01-05 10:40) was cut into two."""
    return header.startswith(quotechar) or any(
        all(NUMBER.fullmatch(value) for value in column) for column in zip(*cells[1:], strict=True))


def _decimal_mark(sample: str, delimiter: str) -> str:
    """A comma where a file separated otherwise writes numbers as 171,3 or 89.052,55 (spreadsheets
    in much of Europe), else a point. Columns that are not all numbers stay text either way."""
    if delimiter == ",":
        return "."
    cell = WHITESPACE if delimiter == WHITESPACE else re.escape(delimiter)
    decimal_comma = re.compile(rf"(?:^|{cell})\s*(?:-?\d+,\d+|{GROUPED})\s*(?={cell}|$)", re.MULTILINE)
    return "," if decimal_comma.search(sample) else "."
