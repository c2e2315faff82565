"""Tables the project never saw, as a new user brings them (R's datasets, statsmodels', spreadsheets):
what each taught the reader, kind inference and the commands."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from midigan.table.errors import TableError
from midigan.table.evaluation import evaluate_tables
from midigan.table.kinds import infer_columns, to_typed
from midigan.table.reading import read_table, write_table
from midigan.table.sampling import generate_rows
from midigan.table.training import plan_table
from midigan.table.written import from_typed


def test_a_category_named_none_is_a_value_and_none_among_numbers_a_gap(tmp_path) -> None:
    """Cars93's AirBags (None, Driver only, Driver & Passenger) came back 37% missing, written empty."""
    path = tmp_path / "cars.csv"
    airbags = ["None", "Driver only", "Driver & Passenger", "NA"] * 5
    luggage = ["11", "None", "15", "14"] * 5  # numbers whose gaps a str() wrote
    path.write_text("airbags,luggage\n" + "".join(f'"{a}",{b}\n' for a, b in zip(airbags, luggage, strict=True)))
    frame = read_table(path)
    columns = {column.name: column for column in infer_columns(frame)}
    assert columns["airbags"].kind == "category" and columns["airbags"].missing == 0.25  # R's NA is still a gap
    assert columns["luggage"].kind == "integer" and columns["luggage"].missing_mark == "None"
    typed = to_typed(frame, list(columns.values()))
    assert typed["airbags"][0] == "None" and typed["airbags"][3] is None and np.isnan(typed["luggage"][1])
    written = from_typed(typed, list(columns.values()), len(frame))
    assert written["airbags"][0] == "None" and written["luggage"][1] == "None" and pd.isna(written["airbags"][3])


def test_day_first_dates_whose_first_day_is_at_most_12_are_dates() -> None:
    """A German export (03.04.2021, 25.04.2021, ...) was read month first from its first value, most
    of it failed to parse, and the column became a category of hundreds of values."""
    days = pd.Timestamp("2021-04-03") + pd.to_timedelta(np.arange(0, 400, 3), unit="D")
    for spelled in ("%d.%m.%Y", "%d/%m/%Y"):
        frame = pd.DataFrame({"booked": days.strftime(spelled)})
        column = infer_columns(frame)[0]
        assert column.kind == "datetime" and column.date_format == spelled
        assert from_typed(to_typed(frame, [column]), [column], len(frame))["booked"].tolist() == frame["booked"].tolist()
    iso = pd.DataFrame({"month": pd.date_range("2020-01-01", periods=24, freq="MS").strftime("%Y-%m-%d")})
    assert infer_columns(iso)[0].date_format == "%Y-%m-%d"  # reads both ways: the first guess stays


def test_a_space_separated_table_reads_by_column(tmp_path) -> None:
    """statsmodels' spector.csv ('OBS' 'GPA' ... then 1 2.66 20 0 0) was read as one column of text
    and refused: "no column to model: every column is an ID, free text or empty"."""
    path = tmp_path / "spector.csv"
    path.write_text("'OBS' 'GPA' 'TUCE' 'GRADE'\n" + "".join(f"{i} {2 + i / 20:.2f}  {10 + i} {i % 2}\n" for i in range(1, 33)))
    frame = read_table(path)
    assert list(frame.columns) == ["OBS", "GPA", "TUCE", "GRADE"] and frame["GPA"].iloc[0] == 2.05
    names = tmp_path / "names.csv"  # one column of text with spaces stays one column
    names.write_text("name\n" + "".join(f"Person {i} Smith\n" if i % 2 else f"Ann {i}\n" for i in range(20)))
    assert read_table(names).shape == (20, 1)
    unquoted = tmp_path / "unquoted.csv"  # a table without quotes: a column of numbers
    unquoted.write_text("name score\n" + "".join(f"P{i} {i / 4}\n" for i in range(20)))
    assert list(read_table(unquoted).columns) == ["name", "score"]


def test_one_column_of_text_with_a_space_in_each_line_stays_one_column(tmp_path) -> None:
    """`created at` / `2021-01-05 10:40` became a date and an ID; `full name` / `Person3 Smith` an
    ID and a category: every line cut into two fields by its space was taken for a table."""
    stamps = tmp_path / "stamps.csv"
    stamps.write_text("created at\n" + "".join(f"2021-01-{i + 1:02d} 10:{i + 10}\n" for i in range(20)))
    frame = read_table(stamps)
    assert list(frame.columns) == ["created at"] and infer_columns(frame)[0].kind == "datetime"
    names = tmp_path / "names.csv"
    names.write_text("full name\n" + "".join(f"Person{i} Smith\n" for i in range(20)))
    assert list(read_table(names).columns) == ["full name"]


def test_evaluate_names_the_table_that_lacks_a_column() -> None:
    """evaluate said "the table lacks column 'city'" of three tables it read, not which one."""
    rng = np.random.default_rng(0)
    train = pd.DataFrame({"city": rng.choice(["Köln", "Paris"], 60), "price": rng.normal(size=60).round(2)})
    held_out, synthetic = train.iloc[:30], train.iloc[30:]
    with pytest.raises(TableError, match="^out.csv lacks column 'city'"):
        evaluate_tables(synthetic.drop(columns="city"), held_out, train, name="out.csv")
    with pytest.raises(TableError, match=r"^the held-out table \(--reference\) lacks column 'price'"):
        evaluate_tables(synthetic, held_out.drop(columns="price"), train, name="out.csv")


def test_a_frame_of_a_few_rows_is_refused_before_training() -> None:
    """TableGAN().fit on 3 rows trained, then sample() failed: every row drawn copied one of the three.
    The CLI refuses such a file in one line; the notebook API now says the same before training."""
    with pytest.raises(TableError, match="holds 3 rows; a model needs at least 10"):
        plan_table(pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "x"]}))


def test_the_log_names_the_first_fresh_id_as_it_is_written() -> None:
    """Customer numbers K00100..K00249 were logged "written as fresh IDs from K250 on"; K00250 was written."""
    frame = pd.DataFrame({"customer": [f"K{number:05d}" for number in range(100, 250)], "amount": np.arange(150.0)})
    column = infer_columns(frame)[0]
    assert "fresh IDs from K00250 on" in column.describe()
    assert from_typed(to_typed(frame, [column]), [column], 1)["customer"][0] == "K00250"


def test_where_a_rare_category_of_thousands_is_met() -> None:
    """--where code=k2999 (a code of 3,000, two training rows) failed: "only 0 of 5 rows met code=k2999
    ... the model rarely makes such rows", though the value was in the training table: it shares the
    "other" state with thousands of codes, which is decoded by drawing one of them by frequency."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"code": [f"c{index % 2000}" for index in range(2500)], "x": rng.normal(size=2500).round(3)})
    family = plan_table(frame).family
    torch.manual_seed(0)
    generator = family.build_generator().eval()
    rows = generate_rows(family, generator, 5, where={"code": "c1999"}).frame
    assert (rows["code"] == "c1999").all() and len(rows) == 5


def test_gaps_an_r_file_wrote_na_are_written_na(tmp_path) -> None:
    """R's Chile.csv writes its gaps NA; generate wrote them empty, which R's read.csv takes for a
    value "" in a text column (vote: Y, N, U, A and ""), not for a gap."""
    path = tmp_path / "chile.csv"
    rows = [f'"{i}","{"NA" if i % 7 == 0 else "Y"}",{"NA" if i % 5 == 0 else 20 + i}\n' for i in range(1, 150)]
    path.write_text('"","vote","age"\n' + "".join(rows).replace('"NA"', "NA"))
    frame = read_table(path)
    columns = infer_columns(frame)
    assert {column.name: column.gap_text for column in columns} == {"Unnamed: 0": "NA", "vote": "NA", "age": "NA"}
    written = from_typed(to_typed(frame, columns), columns, len(frame))
    write_table(written, tmp_path / "out.csv", columns)
    again = pd.read_csv(tmp_path / "out.csv", dtype=str, keep_default_na=False)
    assert again["vote"][6] == "NA" and again["age"][4] == "NA" and again["age"][0] == "21"
    write_table(written, tmp_path / "out.parquet", columns)
    assert pd.read_parquet(tmp_path / "out.parquet")["age"].isna().sum() == frame["age"].isna().sum()  # Parquet keeps nulls
    plain = tmp_path / "plain.csv"
    plain.write_text("a,b\n" + "".join(f"{i},{'' if i % 3 else 'x'}\n" for i in range(20)))
    assert all(column.gap_text == "" for column in infer_columns(read_table(plain)))


def test_a_column_with_one_gap_in_thousands_is_not_logged_0_percent_missing() -> None:
    """Chile's age (one gap in 2,700 rows) was logged "integer from 18 to 70, 0.0% missing"."""
    ages = pd.DataFrame({"age": [float(18 + index % 50) for index in range(2699)] + [np.nan]})
    assert infer_columns(ages)[0].describe() == "integer from 18 to 67, under 0.1% missing"


def test_money_and_percentages_are_numbers_written_with_their_sign() -> None:
    """A spreadsheet's "$2,002.60" column was taken for an ID (written back as usd-000001, ...) and
    "63.7%" for a category of hundreds of values."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"usd": [f"${value:,.2f}" for value in rng.gamma(2, 800, 300)],
                          "share": [f"{value:.1f}%" for value in rng.uniform(0, 100, 300)],
                          "code": [f"C-{index:04d}" for index in range(300)]})  # an ID with a prefix stays an ID
    columns = {column.name: column for column in infer_columns(frame)}
    assert columns["usd"].kind == "number" and columns["usd"].unit == "${}" and columns["usd"].thousands
    assert columns["share"].kind == "number" and columns["share"].unit == "{}%" and columns["share"].decimals == 1
    assert columns["code"].kind == "id"
    written = from_typed(to_typed(frame, list(columns.values())), list(columns.values()), len(frame))
    assert written["usd"].tolist() == frame["usd"].tolist() and written["share"].tolist() == frame["share"].tolist()


def test_a_tsv_saved_with_commas_is_read_by_column(tmp_path) -> None:
    """A file named .tsv but written with commas was split on tabs into one column and refused:
    "no column to model: every column is an ID, free text or empty"."""
    (tmp_path / "mislabelled.tsv").write_text("a,b\n" + "".join(f"{i},{i % 3}\n" for i in range(20)))
    assert list(read_table(tmp_path / "mislabelled.tsv").columns) == ["a", "b"]
    (tmp_path / "one.tsv").write_text("name\n" + "".join(f"Smith, John {i}\n" for i in range(20)))  # one column stays one
    assert read_table(tmp_path / "one.tsv").shape == (20, 1)
    (tmp_path / "notes.tsv").write_text("note\n" + "".join(f"seen {i}; fine\n" for i in range(40)))  # a ; in every value
    assert read_table(tmp_path / "notes.tsv")["note"][3] == "seen 3; fine"


def test_a_pandas_category_of_numeric_codes_is_a_category() -> None:
    """TableGAN().fit(df) with ZIP codes as a pandas category: they were modelled as a number, and
    sample() cast the numbers drawn back to the category dtype: 92% of the rows came back as gaps."""
    codes = np.arange(10_000, 99_999, 137)[:100]
    frame = pd.DataFrame({"zip": pd.Categorical(np.random.default_rng(0).choice(codes, 400)), "x": np.arange(400.0)})
    column = infer_columns(frame)[0]
    assert column.kind == "category" and column.source == "number"
    written = from_typed(to_typed(frame, [column]), [column], len(frame))["zip"]
    assert written.tolist() == frame["zip"].astype(int).tolist()


def test_a_synthetic_set_of_a_few_rows_is_said_to_give_rough_figures() -> None:
    """evaluate of 12 synthetic rows against 100 held-out ones printed its two-sample figure (on 12
    rows of each) without the note a small held-out set gets."""
    rng = np.random.default_rng(0)
    train = pd.DataFrame({"city": rng.choice(["Köln", "Paris"], 300), "price": rng.normal(size=300).round(2)})
    report = evaluate_tables(train.iloc[:12], train.iloc[200:], train.iloc[:200], name="few.csv")
    assert any(note.startswith("only 12 synthetic rows: the two-sample and efficacy figures are rough") for note in report.notes)


def test_evaluate_says_which_values_it_could_not_read() -> None:
    """A synthetic file with "x" in an integer column and "maybe" in a yes/no one was scored with
    those values as gaps, without a word."""
    rng = np.random.default_rng(0)
    train = pd.DataFrame({"flag": rng.choice(["yes", "no"], 300), "count": rng.integers(0, 50, 300)})
    synthetic = train.iloc[:100].astype(object).copy()
    synthetic.loc[:4, "count"], synthetic.loc[:2, "flag"] = "x", "maybe"
    notes = evaluate_tables(synthetic, train.iloc[200:], train.iloc[:200], name="odd.csv").notes
    assert "odd.csv: 5 values of count do not read as integer: scored as gaps" in notes
    assert "odd.csv: 3 values of flag do not read as boolean: scored as gaps" in notes
    assert not evaluate_tables(train.iloc[:100], train.iloc[200:], train.iloc[:200]).notes


def test_a_pandas_category_of_booleans_is_a_boolean() -> None:
    """A pandas category of True / False was taken for numeric codes (pandas counts booleans as
    numbers): a category written as numbers, every "True" came back NaN."""
    frame = pd.DataFrame({"paid": pd.Categorical([True, False, True] * 10), "x": np.arange(30.0)})
    column = infer_columns(frame)[0]
    assert column.kind == "boolean"
    written = from_typed(to_typed(frame, [column]), [column], len(frame))["paid"]
    assert written.notna().all() and written.astype(str).tolist() == frame["paid"].astype(str).tolist()


def test_none_is_a_gap_in_any_column_but_text(tmp_path) -> None:
    """Once "None" was a value among text, booleans, dates, thousands and decimal commas with a
    None gap became categories, and a column of None a category of one value."""
    rows = range(30)
    paid = ["None" if i % 5 == 0 else str(bool(i % 2)) for i in rows]
    day = ["None" if i % 6 == 0 else f"2021-01-{i % 28 + 1:02d}" for i in rows]
    amount = ["None" if i % 7 == 0 else f'"{1000 + 37 * i:,}"' for i in rows]
    airbags = ["None" if i % 3 else "Driver only" for i in rows]
    path = tmp_path / "nones.csv"
    path.write_text("paid,day,amount,nothing,airbags\n" + "".join(f"{a},{b},{c},None,{d}\n" for a, b, c, d in zip(
        paid, day, amount, airbags, strict=True)))
    columns = {column.name: column for column in infer_columns(read_table(path))}
    assert {name: column.kind for name, column in columns.items()} == {
        "paid": "boolean", "day": "datetime", "amount": "integer", "nothing": "empty", "airbags": "category"}
    assert columns["paid"].missing == pytest.approx(6 / 30) and columns["paid"].gap_mark == "None"
    assert columns["day"].missing_mark == "None" and columns["amount"].thousands and columns["amount"].gap_mark == "None"
    assert columns["airbags"].missing == 0 and columns["airbags"].gap_mark == ""
    european = tmp_path / "european.csv"
    european.write_text("weight;name\n" + "".join(f"{'None' if i % 4 == 0 else f'{i},5'};n{i % 3}\n" for i in rows))
    weight = infer_columns(read_table(european))[0]
    assert weight.kind == "number" and weight.decimals == 1 and weight.gap_mark == "None"


def test_samples_written_in_training_write_gaps_as_the_file_did(tmp_path) -> None:
    """generate wrote an R file's gaps NA and a UCI file's ?, but the samples written during
    training wrote them empty (the gap marks were applied by the command, not by write_table)."""
    path = tmp_path / "marks.csv"
    path.write_text("vote,age,paid\n" + "".join(
        f"{'NA' if i % 2 else 'Y'},{'?' if i % 2 else 20 + i % 40},{'None' if i % 2 else i % 3 == 0}\n" for i in range(200)))
    family = plan_table(read_table(path)).family
    torch.manual_seed(0)
    fake = family.build_generator().eval()(family.sample_noise(300, torch.device("cpu")))
    family.write_samples(fake, tmp_path / "samples")
    written = pd.read_csv(tmp_path / "samples.csv", dtype=str, keep_default_na=False)
    assert {"NA", "Y"} == set(written["vote"]) and "?" in set(written["age"]) and "None" in set(written["paid"])


def test_a_column_whose_gaps_were_empty_is_not_given_another_columns_mark(tmp_path) -> None:
    """Column a wrote its gaps empty and b wrote them N/A: generate wrote a's gaps N/A too."""
    path = tmp_path / "mixed.csv"
    path.write_text("a,b,c\n" + "".join(f"{'' if i % 3 else i},{'N/A' if i % 4 else 'x'},{i}\n" for i in range(30)))
    assert {column.name: column.gap_mark for column in infer_columns(read_table(path))} == {"a": "", "b": "N/A", "c": "N/A"}
    notes = tmp_path / "notes.csv"  # the log says how left-out columns are written
    notes.write_text("note,none,x\n" + "".join(f"{'NA' if i % 5 == 0 else f'said {i} things of note'},,{i}\n" for i in range(30)))
    assert [column.describe() for column in infer_columns(read_table(notes))][:2] == [
        "free text: left out (written as gaps: NA), 20.0% missing", "all missing: left out (written as gaps: empty)"]


def test_evaluate_takes_gaps_written_as_the_training_file_did_for_gaps() -> None:
    """A table whose gaps are written ? gets ? in generate's output, which evaluate counted:
    "17 values of age do not read as integer"."""
    rng = np.random.default_rng(0)
    train = pd.DataFrame({"age": [str(value) if value < 60 else "?" for value in rng.integers(18, 70, 300)],
                          "city": rng.choice(["Köln", "Paris"], 300)})
    assert not evaluate_tables(train.iloc[:100], train.iloc[200:], train.iloc[:200], name="out.csv").notes


def test_a_run_from_before_none_was_a_value_resumes_with_none_as_a_gap() -> None:
    """A run trained when every "None" was a gap, resumed once "None" among text was a value, read
    its category's None cells as a value it had no state for: its copy guard hashed other rows."""
    rng = np.random.default_rng(0)
    airbags = pd.Series(rng.choice(["Driver only", "Driver & Passenger", None], 200), dtype=object)
    frame = pd.DataFrame({"airbags": airbags, "price": rng.normal(20, 5, 200).round(1)})
    trained = plan_table(frame)  # as the older midigan read the file
    resumed = plan_table(frame.assign(airbags=airbags.fillna("None")), family_config=trained.family.config())
    assert all(torch.equal(resumed.artifacts[name], tensor) for name, tensor in trained.artifacts.items())


def test_a_table_without_a_header_row_keeps_its_first_row_and_the_log_says_so(tmp_path) -> None:
    """np.savetxt's CSV (no header) lost its first row to the header, its columns named 0.126 and
    -0.132, and so did a headerless table with a text column (1.5,2.3,a)."""
    from midigan.table.training import describe

    values = np.round(np.random.default_rng(0).normal(size=(20, 2)), 3)
    np.savetxt(tmp_path / "saved.csv", values, delimiter=",", fmt="%.3f")
    saved = read_table(tmp_path / "saved.csv")
    assert list(saved.columns) == ["column_0", "column_1"] and np.array_equal(saved.to_numpy(), values)
    (tmp_path / "mixed.csv").write_text("".join(f"{1.5 + i},{2.3 * i:.1f},{'ab'[i % 2]}\n" for i in range(20)))
    mixed = read_table(tmp_path / "mixed.csv")
    assert list(mixed.columns) == ["column_0", "column_1", "column_2"] and mixed.iloc[0].tolist() == [1.5, 0.0, "a"]
    assert len(mixed) == 20 and "no header row" in describe(mixed, infer_columns(mixed))[0]
    (tmp_path / "named.csv").write_text("date,0.1,0.5\n" + "".join(f"2020-01-{i + 1:02d},{i / 10},{i / 5}\n" for i in range(20)))
    named = read_table(tmp_path / "named.csv")  # names beside a quantile's, over values written otherwise: a header
    assert list(named.columns) == ["date", "0.1", "0.5"] and "no header row" not in describe(named, infer_columns(named))[0]


def test_where_trims_the_spaces_a_pasted_condition_brings() -> None:
    """--where " city = Paris " asked for a column "city " (none) and a value " Paris" (none: the
    reader trims cells); unknown columns and values still fail in one line."""
    frame = pd.DataFrame({"city": ["Paris", "Lyon", "Nice"] * 10, "open": [True, False] * 15, "x": np.arange(30.0)})
    family = plan_table(frame).family
    torch.manual_seed(0)
    generator = family.build_generator().eval()
    rows = generate_rows(family, generator, 5, where=[" city = Paris ", "open= true "]).frame
    assert (rows["city"] == "Paris").all() and rows["open"].all()
    assert (generate_rows(family, generator, 3, where={" city": "Nice "}).frame["city"] == "Nice").all()
    with pytest.raises(TableError, match="no column 'town'"):
        generate_rows(family, generator, 3, where=[" town = Paris"])
    with pytest.raises(TableError, match="no such value in city"):
        generate_rows(family, generator, 3, where=["city = Rome "])


@pytest.mark.parametrize("sep", [" ", "\t"])
def test_r_write_table_row_names_are_a_first_column_as_write_csv_writes_them(tmp_path, sep: str) -> None:
    """R's write.table(mtcars) names each row but not their column, its header one name short of
    the rows: the space-separated file was read as one column, the tab-separated one refused."""
    cars = [("Mazda RX4", 21.0, 6), ("Datsun 710", 22.8, 4), ("Hornet 4 Drive", 21.4, 6)] * 5
    rows = [(f"{name} {index}", mpg, cyl) for index, (name, mpg, cyl) in enumerate(cars)]
    (tmp_path / "write.csv").write_text('"","mpg","cyl"\n' + "".join(f'"{name}",{mpg},{cyl}\n' for name, mpg, cyl in rows))
    (tmp_path / "table.txt").write_text(f'"mpg"{sep}"cyl"\n' + "".join(f'"{name}"{sep}{mpg}{sep}{cyl}\n' for name, mpg, cyl in rows))
    frame = read_table(tmp_path / "table.txt")
    assert list(frame.columns) == ["Unnamed: 0", "mpg", "cyl"] and frame.iloc[1].tolist() == ["Datsun 710 1", 22.8, 4]
    pd.testing.assert_frame_equal(frame, read_table(tmp_path / "write.csv"))


def test_a_delimiter_ending_every_row_but_the_header_is_read_as_one_ending_every_line(tmp_path) -> None:
    """a,b then 1,2, (a comma ending each row, not the header) was refused: "Expected 2 fields in line 2, saw 3"."""
    (tmp_path / "rows.csv").write_text("a,b\n" + "".join(f"{step},{step / 4},\n" for step in range(20)))
    (tmp_path / "lines.csv").write_text("a,b,\n" + "".join(f"{step},{step / 4},\n" for step in range(20)))
    frame = read_table(tmp_path / "rows.csv")
    assert list(frame.columns) == ["a", "b", "Unnamed: 2"] and frame["b"].iloc[1] == 0.25
    pd.testing.assert_frame_equal(frame, read_table(tmp_path / "lines.csv"))
