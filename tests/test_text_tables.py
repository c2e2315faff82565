"""The dialect of a text table, read off its first bytes once for the table and the series readers."""

from __future__ import annotations

import codecs
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from midigan.text_tables import SNIFF_BYTES, WHITESPACE, TextDialect, sniff

ROW = "Unnamed: 0"  # R's row names, named as pandas names a blank header
SPECTOR = "'OBS' 'GPA' 'TUCE'\n" + "".join(f"{i} {2 + i / 20:.2f}  {10 + i}\n" for i in range(1, 12))


@pytest.mark.parametrize("name, text, dialect", [
    ("plain.csv", "a,b\n1.5,2\n3,4\n", TextDialect(",", '"', ".", "utf-8-sig", False)),
    ("europe.csv", "time;load\n1;171,3\n2;172,5\n", TextDialect(";", '"', ",", "utf-8-sig", False)),
    ("grouped.csv", "id;salary\n1;89.052,55\n2;1.200\n", TextDialect(";", '"', ",", "utf-8-sig", False)),
    ("points.csv", "id;salary\n1;89.5\n2;12\n", TextDialect(";", '"', ".", "utf-8-sig", False)),
    ("three.csv", "a;b\n169.25;84.625\n1;2\n", TextDialect(";", '"', ".", "utf-8-sig", False)),  # 84.625 among points
    ("thousands.csv", "id;salary\n1;1.200.000\n2;89.052\n", TextDialect(";", '"', ",", "utf-8-sig", False)),  # 1.200.000: points group
    ("points.tsv", "temp\thum\n32.211\t4.500\n", TextDialect("\t", '"', ".", "utf-8-sig", False)),  # 3 decimals, no 1.234.567
    ("pipes.txt", "a|b\n1.500|2.250\n3.125|1.000\n", TextDialect("|", '"', ".", "utf-8-sig", False)),
    ("mixed.csv", "a;b\n1.234.567;0.125\n", TextDialect(";", '"', ".", "utf-8-sig", False)),  # 0.125 groups no thousands
    ("saved.txt", "1.500 2.250\n3.125 4.000\n5.000 6.500\n", TextDialect(WHITESPACE, '"', ".", "utf-8-sig", True)),
    ("spector.csv", SPECTOR, TextDialect(WHITESPACE, "'", ".", "utf-8-sig", False)),
    ("r.txt", '"time" "load"\n1 171,3\n2 172,5\n', TextDialect(WHITESPACE, '"', ",", "utf-8-sig", False)),
    ("commas.tsv", "a,b\n" + "".join(f"{i},{i % 3}\n" for i in range(5)), TextDialect(",", '"', ".", "utf-8-sig", False)),
    ("tabs.tsv", "a\tb\n1\t2\n", TextDialect("\t", '"', ".", "utf-8-sig", False)),
    ("headless.csv", "171,3;-2,5\n172,1;-2,4\n173,0;-2,25\n", TextDialect(";", '"', ",", "utf-8-sig", True)),  # no header
    ("whole.csv", "1,2,3\n4,5,6\n7,8,9\n", TextDialect(",", '"', ".", "utf-8-sig", False)),
    ("r.txt", '"a" "b"\n"1" 1.5 2\n"2" 2.5 3\n', TextDialect(WHITESPACE, '"', ".", "utf-8-sig", False, (ROW, "a", "b"))),  # R's row names
    ("r.tsv", '"a"\t"b"\n"1"\t1.5\t2\n"2"\t2.5\t3\n', TextDialect("\t", '"', ".", "utf-8-sig", False, (ROW, "a", "b"))),
    ("cars.txt", '"mpg"\n"Mazda RX4" 21\n"Datsun 710" 22.8\n', TextDialect(WHITESPACE, '"', ".", "utf-8-sig", False, (ROW, "mpg"))),
    ("quoted.csv", '"t";"x"\n"1";"0,25"\n"2";"0,5"\n', TextDialect(";", '"', ",", "utf-8-sig", False)),  # every cell quoted
    ("trailing.csv", "a,b\n1,2,\n3,4,\n", TextDialect(",", '"', ".", "utf-8-sig", False, ("a", "b", "Unnamed: 2"))),  # a comma ending rows
    ("sales.tsv", "Sales\tPrice\n1,200\t10.00\n2,237\t11.07\n", TextDialect("\t", '"', ".", "utf-8-sig", False)),  # US thousands
    ("units.txt", "Sales|Units\n1,200|0\n2,237|1\n", TextDialect("|", '"', ".", "utf-8-sig", False)),  # 1,200 alone: in doubt
    ("mixed.tsv", "a\tb\n1,200\t0,5\n", TextDialect("\t", '"', ",", "utf-8-sig", False)),  # 0,5 is a decimal comma
    ("long.tsv", "a\tb\n1,2345\t2\n", TextDialect("\t", '"', ",", "utf-8-sig", False)),  # 4 decimals group no thousands
    ("zero.tsv", "a\tb\n0,250\t2\n", TextDialect("\t", '"', ",", "utf-8-sig", False)),  # no thousands start 0,
    ("umsatz.csv", "a;b\n950;0\n1.100;1\n", TextDialect(";", '"', ",", "utf-8-sig", False)),  # 950 beside 1.100: points group
    ("decimals.csv", "a;b\n0;1.100\n1;2.125\n", TextDialect(";", '"', ".", "utf-8-sig", False)),  # a point in every cell of b
    ("wert.csv", "Wert\n0,5\n1,37\n-2,74\n", TextDialect(";", '"', ",", "utf-8-sig", False)),  # one column: no ; to cut it
])
def test_delimiter_quote_and_decimal_mark_are_read_off_the_first_bytes(name: str, text: str, dialect: TextDialect) -> None:
    assert sniff(text.encode(), Path(name)) == dialect


def test_a_file_that_is_not_utf8_is_read_as_windows_or_latin1_and_a_byte_order_mark_is_dropped(tmp_path) -> None:
    """Excel's CSV on Windows writes cp1252, where latin-1 read its € (byte 0x80) as a control character."""
    from midigan.table.reading import read_table

    windows = sniff("stadt;grad\nKöln;12,5\nMünchen;3,25\n".encode("cp1252"), Path("x.csv"))
    assert (windows.encoding, windows.delimiter, windows.decimal) == ("cp1252", ";", ",")
    (tmp_path / "prices.csv").write_bytes("".join(f"Köln {i};{i},50 €\n" for i in range(20)).join(["stadt;preis\n", ""]).encode("cp1252"))
    assert read_table(tmp_path / "prices.csv")["preis"][1] == "1,50 €"
    assert sniff("a;b\nKöln;\x81\n".encode("latin-1"), Path("x.csv")).encoding == "latin-1"  # a byte cp1252 lacks
    cut = "a,b\nö,1\n".encode()[:-4]  # a character cut at the sample's end is no sign of latin-1
    assert sniff(cut, Path("x.csv")).encoding == "utf-8-sig"
    assert sniff(b"\xef\xbb\xbfa,b\n1,2\n", Path("x.csv")).read_options()["encoding"] == "utf-8-sig"


@pytest.mark.parametrize("text, headless", [
    ("0.126,-0.132\n0.640,0.105\n", True),  # np.savetxt(fmt="%.3f")
    ("0.000,0.000\n0.100,0.200\n", True),  # np.savetxt(fmt="%.3f") of zeros, not pandas' 2019.0
    ("3.000000000000000000e+00,1.0e+00\n2,4\n", True),  # np.savetxt's default
    ("0.0,0.0,1.5\n1,2,3\n", True),  # a repeated value pandas would rename 0.0.1
    ("1.5 nan\n2.5 3\n3.5 4\n", True),  # np.savetxt(delimiter=" ") of a gap
    ("1,2\n0.5,0.25\n", False),  # plain whole numbers name columns (0, 1, 2 and years)
    ("load;temp\n171,3;-2,5\n", False),
    ("a,1.5\n2,3.5\n", False),
    ("1.5,2.3,a\n2.5,0.5,b\n3.5,1.0,a\n", True),  # to_csv(header=False) of a table with text: a over b
    ("date,0.1,0.5\n2020-01-01,1.2,1.5\n2020-01-02,1.3,1.6\n", False),  # date is not written as 2020-01-01
    ("country,2019.0,2020.0\nAustria,4.92,3.74\nBelgium,3.1,2.2\n", False),  # pivot_table's float labels: country equals no value below
    ("name,1.5\nParis,2.5\nLyon,3.5\n", False),  # name is written as Paris is, but equals no value below
    ('"","0.05","0.5"\n"0",0.00,0.10\n"1",0.20,0.30\n', False),  # R's write.csv: quoted over bare numbers, names
    ('"1.5","2.5"\n"3.5","4.5"\n', True),  # every cell quoted: values
    ("0,0.0\n1,0.4794\n2,0.8415\n", True),  # Series.to_csv(header=False) of a sine: index 0, value 0.0
    ("0.0,0.0,0.0\n0.5,1.0,1.5\n", True),  # np.savetxt(fmt="%.1f") of a first row of zeros
])
def test_a_first_row_of_numbers_not_all_whole_is_values_not_a_header(text: str, headless: bool) -> None:
    assert sniff(text.encode(), Path("x.csv")).headless is headless


def test_a_pivot_tables_header_of_float_labels_is_names_to_both_readers(tmp_path) -> None:
    """pandas' pivot_table(columns="year").to_csv writes country,2019.0,2020.0: it was read as a first
    row of values, "country" a value of the first column and the years values of the others."""
    from midigan.series.reading import csv_columns
    from midigan.table.reading import read_table

    countries = [f"Country{letter}" for letter in "ABCDEFGHIJKL"]
    long = pd.DataFrame({"country": countries * 2, "year": [2019.0] * 12 + [2020.0] * 12, "gdp": np.linspace(1, 5, 24).round(2)})
    long.pivot_table(index="country", columns="year", values="gdp").to_csv(tmp_path / "wide.csv")
    frame = read_table(tmp_path / "wide.csv")
    assert list(frame.columns) == ["country", "2019.0", "2020.0"] and frame["country"].tolist() == countries
    assert csv_columns(tmp_path / "wide.csv") == ["country", "2019.0", "2020.0"]


def test_a_headless_series_whose_first_value_is_a_whole_float_keeps_its_first_step(tmp_path) -> None:
    """Series.to_csv(header=False) of a sine writes 0,0.0 first: 0.0 was taken for a float label
    (pandas' 2019.0), the row for the header, the series one step short with channels named 0, 0.0."""
    from midigan.series.reading import read_series

    values = np.sin(np.arange(20) / 2).round(4)
    pd.Series(values).to_csv(tmp_path / "sine.csv", header=False)
    read = read_series(tmp_path / "sine.csv")
    assert read.lengths == [20] and np.allclose(read.series[0][:, -1], values)


def test_a_file_padded_by_long_runs_of_spaces_is_sniffed_in_well_under_a_second() -> None:
    """A fixed-width file padded by 80 spaces took 4.8 s to sniff (300 spaces: 57 s): the decimal
    mark's pattern backtracked through every run of spaces, cubic in its width."""
    pad = " " * 80
    text = pad.join(f'"c{column}"' for column in range(6)) + "\n" + "".join(
        pad.join(f"{row}.{column}" for column in range(6)) + "\n" for row in range(2000))
    head = text.encode()[:SNIFF_BYTES]
    started = time.perf_counter()
    dialect = sniff(head, Path("fixed.txt"))
    assert time.perf_counter() - started < 2 and (dialect.delimiter, dialect.decimal) == (WHITESPACE, ".")
    commas = head[:head.rindex(b"\n", 0, -1) + 1] + pad.join(["1,5"] * 6).encode() + b"\n"  # one line of decimal commas, last
    assert sniff(commas, Path("fixed.txt")).decimal == ","


def test_a_long_run_of_digits_is_sniffed_in_well_under_a_second() -> None:
    """A cell of 20,000 digits ending in a letter took seconds to sniff: a number's pattern split
    the digits between its integer and its fraction every way (\\d+.?\\d*), quadratic in their count."""
    text = "a b\n" + "1" * 20_000 + "x 1\n2 3\n4 5\n"
    started = time.perf_counter()
    sniff(text.encode(), Path("digits.txt"))
    assert time.perf_counter() - started < 1


def test_row_names_are_seen_in_a_sample_that_cuts_its_last_line() -> None:
    """A wide file fills the sample in a few lines, the last cut short: it hid R's row names."""
    row = " ".join(f"{column / 7:.6f}" for column in range(900))
    text = " ".join(f'"c{column}"' for column in range(900)) + "\n" + "".join(f'"{step}" {row}\n' for step in range(1, 20))
    assert len(text) > SNIFF_BYTES and len(sniff(text.encode()[:SNIFF_BYTES], Path("wide.txt")).names) == 901


@pytest.mark.parametrize("delimiter", ["\t", ";", "|"])
def test_numbers_of_three_decimals_are_read_as_written_by_both_readers(tmp_path, delimiter: str) -> None:
    """np.savetxt(fmt="%.3f") of sensor readings, tab-, semicolon- or pipe-separated, was read x1000
    (32.211 as 32211.0): one 3-decimal number was taken for thousands grouped by points."""
    from midigan.series.reading import read_series
    from midigan.table.reading import read_table

    values = np.random.default_rng(0).uniform(1, 50, size=(20, 2))
    path = tmp_path / "sensors.txt"
    np.savetxt(path, values, fmt="%.3f", delimiter=delimiter, header=f"temp{delimiter}humidity", comments="")
    assert np.allclose(read_table(path).to_numpy(), values.round(3))
    assert np.allclose(read_series(path).series[0], values.round(3))


def test_thousands_grouped_by_commas_in_a_tab_or_pipe_file_are_not_read_as_decimals(tmp_path) -> None:
    """Excel's tab-separated text of sales (1,200 over 2,237, prices 10.00) read Sales 1000x too
    small, 1.2, silently: a comma between digits was taken for a decimal comma."""
    from midigan.series.errors import SeriesDataError
    from midigan.series.reading import read_series
    from midigan.table.kinds import infer_columns
    from midigan.table.reading import read_table

    (tmp_path / "sales.txt").write_text("Region\tSales\tPrice\n" + "".join(
        f"R{i}\t{1 + i},{200 + 37 * i}\t{10 + 1.07 * i:.2f}\n" for i in range(12)))
    frame = read_table(tmp_path / "sales.txt")
    assert frame["Sales"].iloc[1] == "2,237" and frame["Price"].iloc[1] == 11.07  # text, for the table kinds
    sales = next(column for column in infer_columns(frame) if column.name == "Sales")
    assert sales.thousands and sales.kind == "integer"
    (tmp_path / "sales.txt").write_text("Sales|Units\n" + "".join(f"{1 + i},{200 + 37 * i}|{i}\n" for i in range(12)))
    with pytest.raises(SeriesDataError, match="'Sales' is not numeric"):  # refused in one line, not read as 1.2
        read_series(tmp_path / "sales.txt")


def test_whole_numbers_grouped_by_points_beside_ungrouped_ones_are_read_as_thousands_by_both_readers(tmp_path) -> None:
    """German Excel's whole numbers (950 over 1.100 over 2.137, no decimals) were read as 1.1 and
    2.137: a point in doubt stayed a decimal point. A writer of 3 decimals puts a point in every cell."""
    from midigan.series.reading import read_series
    from midigan.table.reading import read_table

    sales = [950, 1100, 2137, 3174, 875, 12507, 4211, 999, 5248, 6285, 100, 7322]
    (tmp_path / "umsatz.csv").write_text("Umsatz;Menge\n" + "".join(
        f"{value:,}".replace(",", ".") + f";{count}\n" for count, value in enumerate(sales)))
    assert read_table(tmp_path / "umsatz.csv")["Umsatz"].tolist() == sales
    assert read_series(tmp_path / "umsatz.csv").series[0][:, 0].tolist() == sales


def test_one_column_of_decimal_commas_is_one_column_to_both_readers(tmp_path) -> None:
    """German Excel writes one column as Wert over 0,5 over 1,37, no semicolon: the comma cut it,
    the table reader's columns Unnamed: 0 and Wert (R's row names), the series reader's 0 and 37."""
    from midigan.series.reading import read_series
    from midigan.table.reading import read_table

    values = [0.5, 1.37, 2.74, 3.5, 4.0, 5.25, 6.1, 7.0, 8.75, 9.5, 10.05, 11.2]
    (tmp_path / "wert.csv").write_text("Wert\n" + "".join(f"{value:g}\n".replace(".", ",") for value in values))
    frame = read_table(tmp_path / "wert.csv")
    assert list(frame.columns) == ["Wert"] and frame["Wert"].tolist() == values
    assert read_series(tmp_path / "wert.csv").series[0][:, 0].tolist() == values


def test_columns_aligned_by_spaces_are_read_apart_by_both_readers(tmp_path) -> None:
    """DataFrame.to_string() saved as .txt and np.savetxt(fmt="%10.4f") were read as one column of
    text: csv.Sniffer found no quote character in them, and its error ended the search for spaces."""
    from midigan.series.reading import read_series
    from midigan.table.reading import read_table

    values = np.random.default_rng(0).normal(size=(12, 3)).round(4)
    (tmp_path / "printed.txt").write_text(pd.DataFrame(values, columns=["a", "b", "c"]).to_string())
    frame = read_table(tmp_path / "printed.txt")
    assert list(frame.columns) == [ROW, "a", "b", "c"] and np.allclose(frame[["a", "b", "c"]].to_numpy(), values)
    np.savetxt(tmp_path / "aligned.txt", values, fmt="%10.4f")
    assert sniff((tmp_path / "aligned.txt").read_bytes(), tmp_path / "aligned.txt").delimiter == WHITESPACE
    assert np.allclose(read_series(tmp_path / "aligned.txt").series[0], values)


TX = "t,x\n" + "".join(f"{i},{i / 4}\n" for i in range(20))  # x = t / 4


@pytest.mark.parametrize("written", [
    ("sep=;\r\n" + TX.replace(",", ";").replace(".", ",").replace("\n", "\r\n")).encode(),  # Excel's line naming the delimiter
    ("sep=,\n" + TX).encode(),
    ("sep=;\r" + TX.replace(",", ";").replace(".", ",").replace("\n", "\r")).encode(),  # Excel for Mac's \r alone
    ('"sep=,"\n' + TX).encode(),  # the line quoted, as a spreadsheet saves it
    TX.replace("\n", "\r").encode(),  # Excel for Mac's "CSV (Macintosh)": lines ended by \r alone
    "".join('"' + line.replace(",", '";"').replace(".", ",") + '"\n' for line in TX.splitlines()).encode(),  # every cell quoted
    codecs.BOM_UTF16_LE + TX.replace(",", "\t").replace("\n", "\r\n").encode("utf-16-le"),  # Excel's "Unicode Text"
    (TX + ",\n,\n").encode(),  # rows once formatted in a spreadsheet, then emptied
])
def test_files_spreadsheets_save_are_read_by_both_readers(tmp_path, written: bytes) -> None:
    """Excel's sep=; line (written so that Excel opens the file by that delimiter) was read as the
    header: sep= and a blank name over every row, the real header a row of text. Lines ended by \\r
    alone stopped both readers with csv's "new-line character seen in unquoted field". UTF-16 was
    refused as binary data. Quoted decimal commas ("0,25") were text, the table reader's an ID column.
    Rows of delimiters alone at the end were rows of gaps, 9% of each column missing."""
    from midigan.series.reading import read_series
    from midigan.table.reading import read_table

    (tmp_path / "saved.csv").write_bytes(written)
    frame = read_table(tmp_path / "saved.csv")
    assert list(frame.columns) == ["t", "x"] and frame["x"].iloc[1] == 0.25 and len(frame.dropna()) == 20
    read = read_series(tmp_path / "saved.csv")
    assert read.series[0][1].tolist() == [1.0, 0.25] and read.lengths == [20] and "missing" not in read.summary()
