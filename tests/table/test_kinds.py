"""Kind inference on awkward real columns, and reading tables as a spreadsheet would."""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest
from support import ANES_HEAD, MPG, PLACEMENTS

from midigan.table.errors import TableError
from midigan.table.kinds import infer_columns, to_typed
from midigan.table.reading import read_table
from midigan.table.written import from_typed


def kinds_of(frame: pd.DataFrame, categorical=()) -> dict[str, str]:
    return {column.name: column.kind for column in infer_columns(frame, categorical)}


def test_placements_ids_dates_text_booleans_and_gaps_are_recognised() -> None:
    frame = read_table(PLACEMENTS)
    columns = {column.name: column for column in infer_columns(frame)}
    assert columns["student_id"].kind == "id" and columns["student_id"].id_next == frame["student_id"].max() + 1
    assert columns["start_date"].kind == "datetime" and columns["start_date"].date_format == "%Y-%m-%d"
    assert columns["placed"].kind == "boolean" and set(columns["placed"].spellings.values()) == {"True", "False"}
    assert columns["gender"].kind == "category"
    assert columns["second_perc"].kind == "number" and columns["second_perc"].decimals == 2
    assert columns["experience_years"].kind == "integer"
    assert columns["salary"].kind == "integer"  # written 27000.0, with gaps
    assert columns["salary"].missing == pytest.approx(frame["salary"].isna().mean())


def test_thousands_separators_free_text_an_empty_column_and_a_text_id() -> None:
    cars = read_table(MPG)
    frame = pd.DataFrame(
        {
            "displ_cc": [f"{int(litres * 1000):,}" for litres in cars["displ"]],  # "1,800"
            "review": [
                f"The {m} {model} with {t} gearbox does {c} mpg in town and {h} on the road"
                for m, model, t, c, h in zip(cars.manufacturer, cars.model, cars.trans, cars.cty, cars.hwy, strict=True)
            ],
            "nothing": [np.nan] * len(cars),
            "plate": [f"CAR-{index:05d}" for index in range(len(cars))],
            "class": cars["class"],
        }
    )
    columns = {column.name: column for column in infer_columns(frame)}
    assert columns["displ_cc"].kind == "integer" and columns["displ_cc"].thousands
    assert columns["displ_cc"].high == 7000
    assert columns["review"].kind == "text"
    assert columns["nothing"].kind == "empty"
    assert columns["plate"].kind == "id" and columns["plate"].id_prefix == "CAR-" and columns["plate"].id_next == len(cars)
    typed = to_typed(frame, list(columns.values()))
    assert typed["displ_cc"][0] == 1800.0
    written = from_typed(typed, list(columns.values()), len(cars))
    assert written["displ_cc"][0] == "1,800" and written["plate"][0] == f"CAR-{len(cars):05d}"
    assert written["review"].isna().all() and written["nothing"].isna().all()


def test_categorical_forces_numeric_codes_and_unknown_names_fail() -> None:
    cars = read_table(MPG, text_columns=("cyl",))
    assert kinds_of(cars, ("cyl",))["cyl"] == "category"
    with pytest.raises(TableError, match="no column 'cylinders'"):
        infer_columns(cars, ("cylinders",))


def test_booleans_written_yes_no_keep_their_spelling() -> None:
    frame = read_table(PLACEMENTS)
    frame["placed"] = frame["placed"].map({True: "yes", False: "no"})
    columns = infer_columns(frame)
    placed = next(column for column in columns if column.name == "placed")
    assert placed.kind == "boolean"
    assert set(from_typed(to_typed(frame, columns), columns, len(frame))["placed"]) == {"yes", "no"}


def test_tab_separated_table_with_quoted_headers_reads_by_name() -> None:
    frame = read_table(ANES_HEAD)
    assert list(frame.columns[:3]) == ["popul", "TVnews", "selfLR"] and len(frame) == 200
    assert all(kind == "integer" for kind in kinds_of(frame).values())


def test_a_semicolon_table_with_decimal_commas_reads_numbers_and_infinity_is_refused(tmp_path) -> None:
    mpg = read_table(MPG)
    mpg.to_csv(tmp_path / "semicolons.csv", sep=";", decimal=",", index=False)  # a spreadsheet's export in much of Europe
    assert "," in (tmp_path / "semicolons.csv").read_text().splitlines()[1]
    read = read_table(tmp_path / "semicolons.csv")
    assert kinds_of(read) == kinds_of(mpg)
    pd.testing.assert_frame_equal(read, mpg, check_dtype=False)
    infinite = mpg.assign(displ=mpg["displ"].where(mpg.index != 3, np.inf))
    with pytest.raises(TableError, match="column 'displ' holds 1 infinite values"):
        infer_columns(infinite)


def test_a_semicolon_table_grouping_thousands_with_points_reads_them_as_numbers(tmp_path) -> None:
    """89.052,55 in a semicolon file (Europe's spreadsheets) was a text column, then fresh IDs;
    a point there still means a point where the file writes no decimal commas."""
    placements = read_table(PLACEMENTS)
    european = placements["salary"].map(lambda value: "" if np.isnan(value) else f"{value:,.2f}".translate(str.maketrans(",.", ".,")))
    assert european.str.contains(r"^\d{2,3}\.\d{3},\d{2}$").any()
    placements.assign(salary=european).to_csv(tmp_path / "grouped.csv", sep=";", decimal=",", index=False)
    read = read_table(tmp_path / "grouped.csv")
    pd.testing.assert_series_equal(read["salary"], placements["salary"])
    assert kinds_of(read) == kinds_of(placements)
    placements.to_csv(tmp_path / "points.csv", sep=";", index=False)
    pd.testing.assert_frame_equal(read_table(tmp_path / "points.csv"), placements)
    # beside them, dates and codes written with points stay text (pandas' own `thousands` made them numbers)
    dotted = placements.assign(salary=european, start=pd.to_datetime(placements["start_date"]).dt.strftime("%d.%m.%Y"),
                               code=[f"0.{index % 1000:03d}" for index in range(len(placements))])
    dotted.to_csv(tmp_path / "dotted.csv", sep=";", decimal=",", index=False)
    read = read_table(tmp_path / "dotted.csv")
    assert (read["start"].dropna() == dotted["start"].dropna()).all() and (read["code"] == dotted["code"]).all()
    pd.testing.assert_series_equal(read["salary"], placements["salary"])


def test_numbers_with_gaps_written_as_a_question_mark_stay_numbers_and_write_their_gaps_so(tmp_path) -> None:
    mpg = read_table(MPG)
    marked = mpg.astype({"displ": object})
    marked.loc[[2, 5, 9], "displ"] = "?"  # as UCI's tables write a gap
    marked.to_csv(tmp_path / "marked.csv", index=False)
    columns = {column.name: column for column in infer_columns(read_table(tmp_path / "marked.csv"))}
    displ = columns["displ"]
    assert displ.kind == kinds_of(mpg)["displ"] and displ.missing_mark == "?" and displ.missing == pytest.approx(3 / len(mpg))
    assert "gaps written ?" in displ.describe() and type(displ.missing) is float  # a checkpoint holds plain numbers only
    typed = to_typed(read_table(tmp_path / "marked.csv"), list(columns.values()))
    assert np.isnan(typed["displ"][[2, 5, 9]]).all() and not np.isnan(typed["displ"][[0, 1, 3]]).any()
    written = from_typed(typed, list(columns.values()), len(mpg))["displ"]
    assert written[2] == "?" and float(written[0]) == mpg["displ"][0]


@pytest.mark.filterwarnings("error")
def test_day_first_dates_are_read_without_a_warning_from_pandas() -> None:
    """pandas warned of parsing "19/02/2021" day first (two lines on stderr of every command)."""
    placements = read_table(PLACEMENTS)
    day_first = placements.assign(start_date=pd.to_datetime(placements["start_date"]).dt.strftime("%d/%m/%Y"))
    column = {column.name: column for column in infer_columns(day_first)}["start_date"]
    assert column.kind == "datetime" and column.date_format == "%d/%m/%Y"


def test_dates_with_an_offset_or_a_zone_come_back_on_their_own_clock() -> None:
    written = pd.DataFrame({"at": [f"2021-03-{day:02d} 08:{day:02d}:00+01:00" for day in range(1, 29)]})
    columns = infer_columns(written)
    assert columns[0].zone == "+01:00"  # read before as 07:xx UTC and written back without the offset
    assert from_typed(to_typed(written, columns), columns, 28)["at"].tolist() == written["at"].tolist()
    zoned = pd.DataFrame({"at": pd.date_range("2021-01-01", periods=30, freq="h", tz="Europe/Berlin")})
    columns = infer_columns(zoned)
    pd.testing.assert_series_equal(from_typed(to_typed(zoned, columns), columns, 30)["at"], zoned["at"])


def test_written_rows_read_back_as_the_same_table(tmp_path) -> None:
    frame = read_table(PLACEMENTS)
    columns = infer_columns(frame)
    written = from_typed(to_typed(frame, columns), columns, len(frame))
    path = tmp_path / "again.csv"
    written.to_csv(path, index=False)
    before, after = to_typed(frame, columns), to_typed(read_table(path), columns)
    for name, values in before.items():
        if values.dtype == object:
            assert list(after[name]) == list(values), name
        else:
            np.testing.assert_array_equal(after[name], values, err_msg=name)


@pytest.mark.parametrize(
    "content, message",
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "not a text table"),
        (b"", "is empty"),
        (b"a,b\n1,2\n3,4\n", "needs at least"),
        (b'a,b\n"1,2\n' + b"3,4\n" * 20, "not a well-formed table"),
    ],
)
def test_unreadable_files_give_one_line(tmp_path, content: bytes, message: str) -> None:
    path = tmp_path / "table.csv"
    path.write_bytes(content)
    with pytest.raises(TableError, match=message) as error:
        read_table(path)
    assert "\n" not in str(error.value)


def test_a_missing_file_and_a_damaged_parquet_give_one_line(tmp_path) -> None:
    with pytest.raises(TableError, match="no file"):
        read_table(tmp_path / "absent.csv")
    damaged = tmp_path / "table.parquet"
    damaged.write_bytes(b"PAR1 not really")
    with pytest.raises(TableError, match="not a readable Parquet file"):
        read_table(damaged)


def test_durations_are_numbers_of_seconds_and_come_back_as_durations() -> None:
    """A duration column (pandas timedelta64, as Parquet and data frames hold them) was read as a category."""
    frame = read_table(MPG)[["displ", "hwy"]]
    frame["lap"] = pd.to_timedelta(frame["hwy"] * 7.5, unit="s")  # whole and half seconds
    frame.loc[::10, "lap"] = pd.NaT
    columns = infer_columns(frame)
    lap = columns[2]
    assert (lap.kind, lap.source, lap.decimals, lap.low, lap.high) == ("number", "timedelta64", 1, 90.0, 330.0)
    typed = to_typed(frame, columns)
    assert np.isnan(typed["lap"][::10]).all() and typed["lap"][1] == frame["hwy"][1] * 7.5
    written = from_typed(typed, columns, len(frame))
    assert pd.api.types.is_timedelta64_dtype(written["lap"])
    pd.testing.assert_series_equal(written["lap"], frame["lap"], check_names=False)


def test_a_header_naming_a_column_twice_gives_one_line_and_a_real_dotted_name_is_kept(tmp_path) -> None:
    """pandas reads a header of a, a as a, a.1: rows would come back under a name the file never had."""
    lines = MPG.read_text().splitlines()
    header = next(csv.reader(lines[:1]))
    twice = tmp_path / "twice.csv"
    twice.write_text("\n".join([",".join(header[:-1] + [header[1]]), *lines[1:]]) + "\n")
    with pytest.raises(TableError, match=rf"^{twice} names column '{header[1]}' more than once$"):
        read_table(twice)
    flags = tmp_path / "flags.csv"  # as the commands read it, booleans spelled as written (a crash before the check)
    flags.write_text("ok,ok,n\n" + "".join(f"TRUE,{index},{index}\n" for index in range(12)))
    with pytest.raises(TableError, match="names column 'ok' more than once"):
        read_table(flags, spelled_booleans=True)
    dotted = tmp_path / "dotted.csv"
    dotted.write_text("\n".join([",".join(header[:-1] + [f"{header[1]}.1"]), *lines[1:]]) + "\n")
    assert read_table(dotted).columns.tolist() == header[:-1] + [f"{header[1]}.1"]


def test_dates_across_a_clock_change_are_read_as_utc_instants() -> None:
    """Offsets that change inside a column (-0800 in winter, -0700 in summer) crashed the reader
    (pandas' "Mixed timezones detected"); they are read and written back as the same instants in UTC,
    and so is a later file of such a column that holds one offset only."""
    local = pd.Series(pd.date_range("2010-03-13", periods=40, freq="h", tz="America/Los_Angeles"))
    plain = local.dt.strftime("%Y-%m-%dT%H:%M:%S%z")
    for text, utc in ((plain, "+0000"), (plain.str[:-2] + ":" + plain.str[-2:], "+00:00")):
        written = pd.DataFrame({"at": text, "reading": np.arange(40.0)})
        assert written["at"].str[-6:].nunique() == 2
        columns = infer_columns(written)
        assert columns[0].kind == "datetime" and columns[0].zone == utc
        back = from_typed(to_typed(written, columns), columns, 40)["at"]
        assert (pd.to_datetime(back, utc=True) == local.dt.tz_convert("UTC")).all()
        summer = to_typed(written.tail(10), columns)["at"]  # a held-out file of one offset: the same instants, not its wall clock
        np.testing.assert_array_equal(summer, to_typed(written, columns)["at"][-10:])


def test_monthly_and_weekly_dates_come_back_on_their_grid() -> None:
    """Dates drawn as seconds were only rounded to the day: monthly figures dated on the 1st came
    back on any day, weekly ones dated Saturdays on any weekday."""
    placements = read_table(PLACEMENTS)
    steps = np.arange(len(placements)) % 40
    monthly = pd.Series([pd.Timestamp("2015-01-01") + pd.DateOffset(months=int(k)) for k in steps]).dt.strftime("%Y-%m-%d")
    weekly = (pd.Timestamp("2019-01-05") + pd.to_timedelta(steps * 7, unit="D")).strftime("%Y-%m-%d")
    frame = placements.assign(month=monthly, week=weekly)
    columns = {column.name: column for column in infer_columns(frame)}
    assert columns["month"].describe().startswith("date/time %Y-%m-%d from 2015-01-01 to 2018-04-01, on the 1st of each month")
    assert columns["week"].describe().endswith(", on Saturdays") and "on " not in columns["start_date"].describe()
    typed = to_typed(frame, list(columns.values()))
    nudged = {name: values + 9.7 * 86_400 if columns[name].kind == "datetime" else values for name, values in typed.items()}
    back = from_typed(nudged, list(columns.values()), len(frame))
    assert (pd.to_datetime(back["month"]).dt.day == 1).all() and (back["month"] == frame["month"]).mean() > 0.5
    assert (pd.to_datetime(back["week"]).dt.day_name() == "Saturday").all()
    assert pd.to_datetime(back["start_date"]).dt.day.nunique() > 20  # dates of no grid but the day keep any day


def test_whole_numbers_held_as_floats_come_back_as_floats(tmp_path) -> None:
    """A float column of whole numbers (mpg's cylinders as 4.0, a float64 Parquet column, 130.0 in a
    CSV) came back as integers (Int64, 130); one with gaps, as pandas holds any whole numbers with
    gaps, comes back whole; a column of integers stays integers."""
    frame = read_table(MPG)[["cyl", "hwy", "displ"]]
    frame["cyl_float"] = frame["cyl"].astype(float)
    frame["hwy_gaps"] = frame["hwy"].astype(float).where(frame.index % 7 != 0)
    frame.to_csv(tmp_path / "floats.csv", index=False)
    read = read_table(tmp_path / "floats.csv")
    columns = {column.name: column for column in infer_columns(read)}
    assert all(columns[name].kind == "integer" for name in ("cyl", "cyl_float", "hwy_gaps"))
    written = from_typed(to_typed(read, list(columns.values())), list(columns.values()), len(read))
    assert pd.api.types.is_float_dtype(written["cyl_float"]) and pd.api.types.is_integer_dtype(written["cyl"])
    assert pd.api.types.is_integer_dtype(written["hwy_gaps"])
    written.to_csv(tmp_path / "again.csv", index=False)
    lines = (tmp_path / "again.csv").read_text().splitlines()
    assert lines[1].split(",")[:2] == (tmp_path / "floats.csv").read_text().splitlines()[1].split(",")[:2]
    assert lines[1].split(",")[3] == "4.0"


def test_tiny_numbers_are_no_integers_and_huge_ones_keep_their_cents() -> None:
    """A column of currents around 3e-7 was an integer column (every value written 0): whole to 1e-6."""
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"current": rng.uniform(2.9e-7, 3.5e-7, 200), "ledger": np.round(rng.uniform(1e12, 2e12, 200), 2)})
    columns = {column.name: column for column in infer_columns(frame)}
    assert (columns["current"].kind, columns["current"].decimals) == ("number", None)
    assert (columns["ledger"].kind, columns["ledger"].decimals) == ("number", 2)


def test_float32_columns_keep_the_decimals_they_hold() -> None:
    """A float32 column (a frame from numpy, pandas' Float32) had no decimals and limits like
    4.300000190734863, so its rows were written with float32's binary error."""
    displ = read_table(MPG)["displ"]
    frame = pd.DataFrame({"displ": displ.astype(np.float32), "gappy": pd.array(displ.where(displ.index % 5 > 0), dtype="Float32")})
    columns = infer_columns(frame)
    assert [(column.decimals, column.low, column.high) for column in columns] == [(1, displ.min(), displ.max())] * 2
    written = from_typed(to_typed(frame, columns), columns, len(frame))
    np.testing.assert_array_equal(written["displ"], displ)


def test_a_yearly_tables_period_labels_are_values_and_ids_stay_ids() -> None:
    """Year labels, one a row as a yearly table writes them, were taken for IDs and written back
    fresh: seasons 1985-86, ... as season-000001, ...; FY85, FY86, ... as FY100, FY101, ..."""
    years = range(1975, 2005)
    frame = pd.DataFrame({
        "season": [f"{year}-{(year + 1) % 100:02d}" for year in years],
        "FY": [f"FY{year % 100:02d}" for year in years],
        "fiscalYear": [f"'{year % 100:02d}" for year in years],
        "year": [year % 100 for year in years],  # 75, ..., 99, 0, ... 4: numbers, never an ID without an ID's name
        "code": [f"C{year}" for year in years],
        "season_id": [f"S{year}" for year in years],
        "row_id": range(1, 31),
        "gdp": np.linspace(100.0, 250.0, 30),
    })
    kinds = {column.name: column.kind for column in infer_columns(frame)}
    assert kinds == {"season": "category", "FY": "category", "fiscalYear": "category", "year": "integer",
                     "code": "id", "season_id": "id", "row_id": "id", "gdp": "number"}


def test_whole_numbers_in_a_round_step_are_written_in_it() -> None:
    """Incomes written in thousands (12000, 35000) came back as 12347: generated numbers were rounded
    to whole units only. A step holds where every value is a multiple of it and enough values differ."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({
        "income": rng.integers(10, 90, 200) * 1000,
        "rent": [f"${value:,}" for value in rng.integers(40, 300, 200) * 10],  # written with a sign and separators
        "price": np.append(rng.integers(1, 50, 199) * 10, 25),  # one 25: no step of ten
        "grade": rng.choice([1000, 2000, 3000], 200),  # three values: too few to say
    })
    columns = infer_columns(frame)
    assert {column.name: column.decimals for column in columns} == {"income": -3, "rent": -1, "price": 0, "grade": 0}
    assert "integer from 10000 to 89000, in steps of 1,000" in columns[0].describe()
    nudged = {name: values + rng.normal(0, 400, 200) for name, values in to_typed(frame, columns).items()}
    written = from_typed(nudged, columns, 200)
    assert (written["income"] % 1000 == 0).all() and written["income"].dtype == np.int64
    assert (pd.to_numeric(written["rent"].str.replace(r"[$,]", "", regex=True)) % 10 == 0).all()
    assert (written["price"] % 10 != 0).any()
    pd.testing.assert_frame_equal(from_typed(to_typed(frame, columns), columns, 200), frame, check_dtype=False)  # rows as read


def test_whole_numbers_with_a_float_error_or_a_late_decimal_infer_without_a_traceback() -> None:
    """The round step was read exactly (np.fmod) where the decimals allow a float's error and read a
    sample: prices in cents computed as 19.99 * 100 (1998.9999999999998) and 20,000 whole numbers then
    a 2.5 left no step at all, and inference stopped on max() of nothing (a traceback in table train)."""
    cents = pd.DataFrame({"price": np.array([19.99, 5.49, 3.10, 12.00, 7.25] * 6) * 100})
    late = pd.DataFrame({"amount": np.r_[np.arange(20000) % 50 * 10, 2.5]})
    price, = infer_columns(cents)
    amount, = infer_columns(late)
    assert (price.kind, price.decimals) == ("integer", 0) and (amount.kind, amount.decimals) == ("integer", -1)
