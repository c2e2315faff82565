"""Each of the four input forms is read, with lengths and gaps kept; bad input is one line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from midigan.frames import as_float64
from midigan.series.reading import LONG, MANY, SeriesDataError, read_array, read_frame, read_series

from .helpers import DATA, one_line_error, run


def test_one_long_series_csv():
    read = read_series(DATA / "stocks_head.csv")
    assert read.form == LONG and len(read.series) == 1
    assert read.columns == ["Open", "High", "Low", "Close", "Adj_Close", "Volume"]
    assert read.series[0].shape == (300, 6)
    assert read.series[0][0, 0] == pytest.approx(49.676899)


def test_long_form_csv_split_by_id_and_ordered_by_time():
    raw = pd.read_csv(DATA / "italy_power_long.csv")
    read = read_series(DATA / "italy_power_long.csv", id_column="day", time_column="hour")
    assert read.form == MANY and read.columns == ["load"] and len(read.series) == 30
    assert all(values.shape == (24, 1) for values in read.series)
    day = read.names.index("italypowerdemand_0007_1")
    expected = raw[raw.day == "italypowerdemand_0007_1"].sort_values("hour")["load"].to_numpy()
    assert not np.array_equal(raw[raw.day == "italypowerdemand_0007_1"]["load"].to_numpy(), expected)  # rows were shuffled
    np.testing.assert_array_equal(read.series[day][:, 0], expected)


def test_a_time_column_that_repeats_is_refused_not_sorted_into_a_scramble(tmp_path):
    raw = pd.read_csv(DATA / "italy_power_long.csv")  # 30 days of 24 hours: each hour 30 times
    raw.to_csv(tmp_path / "days.csv", index=False)
    with pytest.raises(SeriesDataError, match=r"time column 'hour' repeats .*--id"):
        read_series(tmp_path / "days.csv", time_column="hour")
    assert len(read_series(tmp_path / "days.csv", id_column="day", time_column="hour").series) == 30  # once a day, fine


@pytest.mark.parametrize("offset_style", [r"\1\2", r"\1:\2"])  # -0700 and -07:00
def test_dates_with_utc_offsets_that_change_are_ordered_as_instants(tmp_path, offset_style):
    hours = pd.Series(pd.date_range("2010-11-07 07:00", periods=4, freq="h", tz="UTC")).dt.tz_convert("America/Los_Angeles")
    dates = hours.dt.strftime("%Y-%m-%dT%H:%M:%S%z").str.replace(r"(\d\d)(\d\d)$", offset_style, regex=True)
    assert dates.str[-5:].nunique() == 2 and dates.str[:19].duplicated().any()  # daylight saving ends: 01:00 comes twice
    frame = pd.DataFrame({"temp": [50.1, 49.8, 49.5, 49.0], "date": dates})
    frame.iloc[[2, 0, 3, 1]].to_csv(tmp_path / "temps.csv", index=False)
    read = read_series(tmp_path / "temps.csv", time_column="date")
    np.testing.assert_array_equal(read.series[0][:, 0], [50.1, 49.8, 49.5, 49.0])


def test_folder_of_csvs():
    read = read_series(DATA / "BasicMotions")
    assert read.form == MANY and len(read.series) == 8
    assert read.columns == ["acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z"]
    assert all(values.shape == (100, 6) for values in read.series)


def test_a_folder_as_recordings_come_subfolders_notes_an_empty_file_and_columns_in_another_order(tmp_path):
    motions = read_series(DATA / "BasicMotions")
    (tmp_path / "subject2").mkdir()
    for index, values in enumerate(motions.series[:4]):
        frame = pd.DataFrame(values, columns=motions.columns)
        if index == 3:
            frame = frame[frame.columns[::-1]]  # the same channels, written in another order
        frame.to_csv(tmp_path / ("subject2" if index % 2 else ".") / f"s{index}.csv", index=False)
    (tmp_path / "notes.txt").write_text("recorded on 3 May\n")
    (tmp_path / "s9.csv").write_text("")
    read = read_series(tmp_path)
    assert read.columns == motions.columns and read.names == ["s0", "s2", "subject2/s1", "subject2/s3"]
    for values, index in zip(read.series, (0, 2, 1, 3), strict=True):
        np.testing.assert_array_equal(values, motions.series[index])
    assert read.skipped == ["s9.csv: not a readable CSV (No columns to parse from file)"] and "left out: s9.csv" in read.summary()


def test_a_folder_of_dated_csvs_is_ordered_by_time_in_each_file(tmp_path):
    prices = pd.read_csv(DATA / "stocks_head.csv")
    for index, start in enumerate(("2020-01-01", "2021-06-01")):
        part = prices.iloc[index * 50:(index + 1) * 50].assign(date=pd.date_range(start, periods=50).strftime("%Y-%m-%d"))
        part.sample(frac=1, random_state=index).to_csv(tmp_path / f"stock{index}.csv", index=False)
    with pytest.raises(SeriesDataError, match=r"'date' is not numeric .* name it with --time if it orders each file's rows, or drop it$"):
        read_series(tmp_path)  # --time, not --id: a folder's files are one series each
    read = read_series(tmp_path, time_column="date")
    assert read.columns == list(prices.columns) and read.lengths == [50, 50]
    np.testing.assert_array_equal(read.series[1], prices.iloc[50:100].to_numpy())
    with pytest.raises(SeriesDataError, match="--id applies to one long-form CSV, not to the folder"):
        read_series(tmp_path, id_column="date")


def test_npy_with_padding_keeps_lengths_and_gaps(tmp_path):
    motions = read_series(DATA / "BasicMotions").series
    array = np.stack(motions[:3])
    array[1, 70:] = np.nan  # padding: a series of 70 steps
    array[2, 10, 3] = np.nan  # a gap inside a series
    np.save(tmp_path / "set.npy", array)
    read = read_series(tmp_path / "set.npy")
    assert read.lengths == [100, 70, 100]
    assert np.isnan(read.series[2][10, 3]) and np.isnan(read.series[2]).sum() == 1
    np.testing.assert_array_equal(read.series[1], motions[1][:70])


def test_folder_of_different_lengths_with_gaps(tmp_path):
    motions = read_series(DATA / "BasicMotions")
    for index, steps in enumerate((100, 60, 37)):
        frame = pd.DataFrame(motions.series[index][:steps], columns=motions.columns)
        frame.iloc[5 + index, index] = np.nan  # written as an empty cell
        frame.to_csv(tmp_path / f"s{index}.csv", index=False)
    read = read_series(tmp_path)
    assert read.lengths == [100, 60, 37]
    assert [int(np.isnan(values).sum()) for values in read.series] == [1, 1, 1]
    assert np.isnan(read.series[2][7, 2])


@pytest.mark.parametrize("text, columns", [("load\n-0.71\n-1.18\n", ["load"]), ("a;b\n1;2\n3;4\n", ["a", "b"]),
                                           ("a\tb\n1\t2\n", ["a", "b"])])
def test_delimiters_and_a_single_column(tmp_path, text, columns):
    (tmp_path / "one.csv").write_text(text)
    read = read_series(tmp_path / "one.csv")
    assert read.columns == columns and read.series[0].shape[1] == len(columns)


def test_data_frame_and_arrays_read_as_files_are():
    frame = pd.read_csv(DATA / "italy_power_long.csv")
    from_frame = read_frame(frame, "day", "hour")
    from_file = read_series(DATA / "italy_power_long.csv", "day", "hour")
    assert from_frame.names == from_file.names
    assert all(np.array_equal(a, b) for a, b in zip(from_frame.series, from_file.series, strict=True))
    listed = read_array([values for values in from_file.series[:2]])
    assert listed.form == MANY and listed.lengths == [24, 24]


def test_non_numeric_column_is_one_line(tmp_path):
    frame = pd.read_csv(DATA / "stocks_head.csv").head(50)
    frame.insert(0, "note", ["ok"] * 50)
    frame.to_csv(tmp_path / "with_text.csv", index=False)
    with pytest.raises(SeriesDataError, match="column 'note' is not numeric"):
        read_series(tmp_path / "with_text.csv")
    line = one_line_error(run("series", "train", tmp_path / "with_text.csv", "--max-steps", 1))
    assert "'note' is not numeric" in line


def test_folder_of_mixed_channel_counts_is_one_line(tmp_path):
    motions = read_series(DATA / "BasicMotions")
    pd.DataFrame(motions.series[0], columns=motions.columns).to_csv(tmp_path / "a.csv", index=False)
    pd.DataFrame(motions.series[1][:, :3], columns=motions.columns[:3]).to_csv(tmp_path / "b.csv", index=False)
    line = one_line_error(run("series", "train", tmp_path, "--max-steps", 1))
    assert "b.csv has 3 columns, a.csv has 6" in line


@pytest.mark.parametrize("content, message", [("a,b\n1,2\n", "a .csv file"), (None, "not a readable .npy")])
def test_unreadable_inputs_are_one_line(tmp_path, content, message):
    path = tmp_path / ("x.json" if content else "x.npy")
    path.write_text(content or "not an array")
    line = one_line_error(run("series", "train", path, "--max-steps", 1))
    assert message in line


def test_float32_arrays_are_read_in_the_decimals_they_hold(in_scratch_folder):
    """A float32 .npy of tenths was said to be 'in steps of 0.1' and written as 6.899999618530273."""
    rng = np.random.default_rng(2)
    tenths, cents = np.round(rng.uniform(5, 15, 300), 1), np.round(rng.uniform(5, 15, 300), 2)
    np.save("narrow.npy", np.stack([tenths, cents], axis=1).astype(np.float32))
    read = read_series("narrow.npy").series[0]
    assert read[:3, 0].tolist() == tenths[:3].tolist() and read[:3, 1].tolist() == cents[:3].tolist()
    assert read_array([np.float32([[6.9], [6.83]])]).series[0].ravel().tolist() == [6.9, 6.83]
    spread = np.concatenate([rng.normal(0, 1, 20000), rng.lognormal(5, 6, 20000), [0, np.nan, 1e-40, 3.4e38]]).astype(np.float32)
    np.testing.assert_array_equal(as_float64(spread), spread.astype(str).astype(np.float64))  # numpy's shortest text, read back
    trained = run("series", "train", "narrow.npy", "--max-steps", 2, "--run-dir", "run")
    assert trained.exit_code == 0, trained.output
    assert "written on their grid: channel_0 (steps of 0.1), channel_1 (steps of 0.01)" in trained.output
    assert run("series", "generate", "out.csv", "--model", "run", "--count", 3).exit_code == 0
    rows = [row.split(",")[1:] for row in Path("out.csv").read_text().split()[1:]]
    assert len(rows) > 3 and all(len(cell.partition(".")[2]) <= places for row in rows for cell, places in zip(row, (1, 2)))


@pytest.mark.filterwarnings("error")
def test_time_columns_are_read_without_warnings_from_pandas():
    """pandas warned once a series ('Could not infer format', 61 copies for a year of month names) and of day-first dates."""
    months = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    frame = pd.DataFrame({"year": np.repeat([1950, 1951, 1952], 12), "month": months * 3, "temp": np.arange(36.0)})
    read = read_frame(frame.sample(frac=1, random_state=0), id_column="year", time_column="month")
    assert sorted(values.ravel().tolist() for values in read.series) == [list(range(12 * n, 12 * n + 12)) for n in range(3)]
    days = pd.DataFrame({"date": [f"{day:02d}/01/2020" for day in range(1, 21)], "v": np.arange(20.0)})
    assert read_frame(days.iloc[::-1], time_column="date").series[0].ravel().tolist() == list(range(20))  # 20/01/2020 first


def test_day_first_dates_in_order_are_read_day_first():
    """01/01/2020 ... 13/01/2020 was refused: pandas took the first date month first and then could not read the 13th."""
    days = pd.DataFrame({"date": [f"{day:02d}/01/2020" for day in range(1, 21)], "v": np.arange(20.0)})
    assert read_frame(days.sample(frac=1, random_state=1), time_column="date").series[0].ravel().tolist() == list(range(20))
    read = read_frame(days, time_column="date")
    assert read.series[0].ravel().tolist() == list(range(20))
    assert "dates of 'date' read day first (month first leaves some unread)" in read.summary()
    assert "day first" not in read_frame(days.assign(date=pd.date_range("2020-01-01", periods=20).strftime("%Y-%m-%d")),
                                         time_column="date").summary()
    mixed = days.assign(date=[*days["date"][:19], "not a date"])
    with pytest.raises(SeriesDataError, match="'not a date' in data row 20, neither a number nor a date"):
        read_frame(mixed, time_column="date")


def test_rows_with_no_id_are_left_out_and_counted():
    """A row with an empty --id cell became a series of its own, one step long, without a word."""
    frame = pd.DataFrame({"day": ["a"] * 5 + [None] + ["b"] * 5 + [" "], "load": np.arange(12.0)})
    read = read_frame(frame, id_column="day")
    assert read.names == ["a", "b"] and read.lengths == [5, 5]
    assert "left out: 2 rows with no 'day' (no series to belong to)" in read.summary()
    with pytest.raises(SeriesDataError, match="column 'day' is empty in every row"):
        read_frame(frame.assign(day=None), id_column="day")


def test_a_saved_row_index_is_left_out_and_a_blank_headed_date_column_is_named_for_time(tmp_path):
    """frame.to_csv(path) saves the row numbers under a blank header: they became a channel 'Unnamed: 0', a ramp."""
    prices = pd.read_csv(DATA / "stocks_head.csv")[["Open", "Close"]]
    prices.to_csv(tmp_path / "indexed.csv")
    read = read_series(tmp_path / "indexed.csv")
    assert read.columns == ["Open", "Close"] and np.array_equal(read.series[0], prices.to_numpy())
    assert "left out: column 'Unnamed: 0' (a saved row index: blank header, distinct whole numbers)" in read.summary()
    (tmp_path / "folder").mkdir()
    for part, rows in prices.groupby(np.arange(len(prices)) % 2):  # each file keeps its rows' numbers: 0, 2, 4 ...; 1, 3, 5 ...
        rows.iloc[::-1 if part else 1].to_csv(tmp_path / "folder" / f"{part}.csv")  # the second newest first
    assert read_series(tmp_path / "folder").columns == ["Open", "Close"]
    repeated = pd.concat([prices.iloc[:50], prices.iloc[:50]])  # 0 ... 49 twice: not one index, kept as a column
    repeated.to_csv(tmp_path / "repeated.csv")
    assert read_series(tmp_path / "repeated.csv").columns == ["Unnamed: 0", "Open", "Close"]
    assert read_series(tmp_path / "indexed.csv", time_column="Unnamed: 0").columns == ["Open", "Close"]  # named: the order
    dated = prices.set_axis(pd.date_range("2020-01-01", periods=len(prices)).strftime("%Y-%m-%d"))
    dated.to_csv(tmp_path / "dated.csv")
    with pytest.raises(SeriesDataError, match=r"column 'Unnamed: 0' \(blank in the header: pandas names it so, and so do --id"):
        read_series(tmp_path / "dated.csv")
    assert read_series(tmp_path / "dated.csv", time_column="Unnamed: 0").columns == ["Open", "Close"]


def test_messages_show_values_as_the_file_has_them_and_name_an_empty_channel():
    """Messages said 'has np.float64(nan) in data row 6', 'repeats np.int64(1)' and 'channel 1 has no value at all'."""
    from midigan.series.plan import plan_training

    years = pd.DataFrame({"year": [1700.0, 1701.0, np.nan, 1703.0], "v": [1.0, 2.0, 3.0, 4.0]})
    with pytest.raises(SeriesDataError, match=r"time column 'year' has an empty cell in data row 3, neither"):
        read_frame(years, time_column="year")
    with pytest.raises(SeriesDataError, match=r"time column 'year' repeats 1 \(data rows 1 and 2\)"):
        read_frame(pd.DataFrame({"year": [1, 1, 2], "v": [1.0, 2.0, 3.0]}), time_column="year")
    empty = read_frame(pd.DataFrame({"v": np.arange(60.0), "allnan": np.nan}))
    with pytest.raises(ValueError, match="^channel 'allnan' has no value at all$"):
        plan_training(empty)


@pytest.mark.parametrize("written, expected", [
    (["31/01/2020", "29/02/2020", "31/03/2020", "30/04/2020"], ["31/01/2020", "29/02/2020", "31/03/2020", "30/04/2020", "31/05/2020"]),
    (["1959-01-01", "1959-04-01", "1959-07-01"], ["1959-01-01", "1959-04-01", "1959-07-01", "1959-10-01", "1960-01-01"]),
    (["2024-03-01T00:00:00+01:00", "2024-03-01T01:00:00+01:00"],  # written in UTC
     ["2024-02-29T23:00:00+0000", *(f"2024-03-01T0{hour}:00:00+0000" for hour in range(4))]),
])
def test_generated_series_carry_the_time_column_in_its_form(written, expected):
    """generate wrote no --time column: a set trained on dated rows came back without dates."""
    frame = pd.DataFrame({"when": written, "v": np.arange(len(written), dtype=float)})
    axis = read_frame(frame.iloc[::-1], time_column="when").time
    assert axis.values(5) == expected and axis.position == 0


def test_time_columns_of_numbers_and_of_month_names():
    years = pd.DataFrame({"v": np.arange(40.0), "YEAR": 1749.5 + 0.1 * np.arange(40)})  # steps of 0.1 read as 0.0999...
    axis = read_frame(years, time_column="YEAR").time
    assert axis.values(3) == ["1749.5", "1749.6", "1749.7"] and axis.position == 1
    long = pd.DataFrame({"id": np.repeat(["a", "b"], 12), "month": [f"{m:02d}" for m in range(1, 13)] * 2, "v": np.arange(24.0)})
    assert read_frame(long, "id", "month").time.values(12) == [str(m) for m in range(1, 13)]  # read as the numbers they are
    names = long.assign(month=["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"] * 2)
    assert read_frame(names, "id", "month").time is None  # ordered, but no form writes JAN back: not written


def test_time_axes_of_data_frames_month_ends_four_weeks_and_tenths_of_a_second():
    """What a review found: a data frame's datetime column was written as nanoseconds, an integer
    label could not name it, month ends drifted to the 30th, 28-day steps became months, and 10 Hz
    times drifted by microseconds."""
    values = np.arange(30.0)
    berlin = pd.DataFrame({"when": pd.date_range("2024-01-01", periods=30, tz="Europe/Berlin"), "v": values})
    assert read_frame(berlin, time_column="when").time.values(2) == ["2023-12-31 23:00:00", "2024-01-01 23:00:00"]  # in UTC
    numbered = pd.DataFrame(np.column_stack([np.arange(30.0), values]))  # columns 0 and 1
    assert read_frame(numbered, time_column=0).time.values(2) == ["0", "1"]
    ends = pd.DataFrame({"t": pd.date_range("2020-04-30", periods=6, freq="ME").strftime("%Y-%m-%d"), "v": values[:6]})
    assert read_frame(ends, time_column="t").time.values(4) == ["2020-04-30", "2020-05-31", "2020-06-30", "2020-07-31"]
    weeks = pd.DataFrame({"t": pd.date_range("2020-01-03", periods=6, freq="28D").strftime("%Y-%m-%d"), "v": values[:6]})
    assert read_frame(weeks, time_column="t").time.values(3) == ["2020-01-03", "2020-01-31", "2020-02-28"]
    tenths = pd.date_range("2024-01-01", periods=2000, freq="100ms").strftime("%Y-%m-%d %H:%M:%S.%f")
    axis = read_frame(pd.DataFrame({"t": tenths, "v": np.arange(2000.0)}), time_column="t").time
    assert axis.values(2000) == list(tenths)


def test_a_long_form_reads_its_dates_one_way_for_every_series():
    """Day first or month first was chosen series by series: a series of days up to the 12th read
    month first (02/01/2020 as 1 February) beside others read day first."""
    early = [f"{day:02d}/{month:02d}/2020" for month in (1, 2) for day in range(1, 13)]  # 01/01 ... 12/02, day first
    late = [f"{day:02d}/01/2020" for day in range(1, 32)]  # 01/01 ... 31/01: only day first reads it
    frame = pd.DataFrame({"id": ["early"] * len(early) + ["late"] * len(late), "when": early + late,
                          "v": np.arange(len(early) + len(late), dtype=float)})
    read = read_frame(frame.sample(frac=1, random_state=0), "id", "when")
    assert sorted(values.ravel().tolist() for values in read.series) == [list(range(24)), list(range(24, 55))]
    assert read.time.date_form == "%d/%m/%Y"


def test_the_summary_counts_one_channel_as_one():
    assert read_array(np.zeros((3, 5, 1))).summary() == "3 series of 5 steps x 1 channel (channel_0)"
    assert read_array(np.zeros((3, 5, 2))).summary() == "3 series of 5 steps x 2 channels (channel_0, channel_1)"


def test_years_in_twelfths_as_r_writes_monthly_series_come_back_as_written():
    """AirPassengers as R exports it (1949, 1949.08333333333, ...): generated times drifted from the
    commonest rounded step, 1949.999999999961 where the data has 1950."""
    written = [float(f"{1949 + month / 12:.15g}") for month in range(144)]
    axis = read_frame(pd.DataFrame({"time": written, "v": np.arange(144.0)}), time_column="time").time
    assert axis.values(144) == [f"{value:.15g}" for value in written]


def test_days_written_as_numbers_come_back_as_days():
    """statsmodels' co2 dates its weeks 19580329, 19580405, ...: read as numbers, generated weeks
    went 19580329, 19580336, 19580343, days no calendar has."""
    weeks = pd.date_range("1958-03-29", periods=30, freq="7D").strftime("%Y%m%d").astype(int)
    axis = read_frame(pd.DataFrame({"date": weeks[::-1], "co2": np.arange(30.0)}), time_column="date").time
    assert axis.values(4) == ["19580329", "19580405", "19580412", "19580419"]
    counts = pd.DataFrame({"step": np.arange(20_200_101, 20_200_140), "v": np.arange(39.0)})  # 20200132 is no day
    assert read_frame(counts, time_column="step").time.values(2) == ["20200101", "20200102"]


def test_months_written_as_numbers_come_back_as_months():
    """Monthly data dated 201901 ... 201912 was generated on to 201913, 201914."""
    months = [year * 100 + month for year in (2019, 2020) for month in range(1, 13)]
    axis = read_frame(pd.DataFrame({"ym": months, "v": np.arange(24.0)}), time_column="ym").time
    assert axis.values(14)[11:] == ["201912", "202001", "202002"]
    days_of_1980 = pd.DataFrame({"date": [800101 + day for day in range(20)], "v": np.arange(20.0)})  # YYMMDD: no month of 8001
    assert read_frame(days_of_1980, time_column="date").time.values(2) == ["800101", "800102"]


def test_a_list_of_one_channel_series_is_read_as_one_array_of_that_shape_is():
    """SeriesGAN().fit([np.array of 30 steps, ... of 40]) was refused: a list needed (steps, channels) items."""
    read = read_array([np.arange(30.0), np.arange(40.0)])
    assert read.form == MANY and read.lengths == [30, 40] and read.channels == 1
    with pytest.raises(SeriesDataError, match=r"needs \(steps, channels\) or \(steps,\) arrays"):
        read_array([np.zeros((2, 3, 1))])


def test_a_list_of_rows_is_refused_with_how_to_read_it():
    """read_array([[1, 2], [3, 4], [5, 6]]) trained on 3 series of 2 steps of 1 channel: on main it was refused."""
    with pytest.raises(SeriesDataError, match=r"a list of rows .*pass np.asarray\(rows\)") as raised:
        read_array([[1, 2], [3, 4], [5, 6]])
    assert "\n" not in str(raised.value)
    assert read_array([pd.Series(np.arange(5.0)), np.arange(7.0)]).lengths == [5, 7]
    assert read_array([[[1.0], [2.0]], [[3.0], [4.0], [5.0]]]).lengths == [2, 3]  # (steps, channels) lists, as on main


def test_a_delimiter_ending_every_line_adds_no_channel(tmp_path):
    """A CSV saved with a comma at each line's end read as a channel 'Unnamed: 2' with no value, and training stopped on it."""
    (tmp_path / "trailing.csv").write_text("a,b,\n" + "".join(f"{step},{step * 2},\n" for step in range(30)))
    read = read_series(tmp_path / "trailing.csv")
    assert read.columns == ["a", "b"] and "column 'Unnamed: 2' (blank header, no value" in read.summary()
    (tmp_path / "rows.csv").write_text("a,b\n" + "".join(f"{step},{step * 2},\n" for step in range(30)))  # a header without it
    rows = read_series(tmp_path / "rows.csv")  # was read a -> index, b -> a, b empty
    assert rows.summary() == read.summary().replace("trailing", "rows") and np.array_equal(rows.series[0], read.series[0])
    (tmp_path / "folder").mkdir()
    (tmp_path / "trailing.csv").rename(tmp_path / "folder" / "one.csv")
    assert read_series(tmp_path / "folder").columns == ["a", "b"]


def test_series_of_one_step_are_said_to_be_left_out():
    """A long form with a sensor of one row trained on one series fewer than it read, and no line said so."""
    ids = ["lone"] + ["a"] * 20 + ["b"] * 20 + ["c"] * 20
    read = read_frame(pd.DataFrame({"sensor": ids, "v": np.arange(61.0)}), id_column="sensor")
    from midigan.series.plan import plan_training

    assert plan_training(read).report[0].endswith("(no validation: generation uses the last checkpoint); 1 series of one step left out")


def test_a_data_frame_indexed_by_its_time_or_id_column_is_read_by_it():
    """SeriesGAN(time_column="date").fit(frame.set_index("date")) said: no column 'date' (columns: v)."""
    days = pd.date_range("2020-01-01", periods=30, freq="D")
    frame = pd.DataFrame({"date": days, "sensor": ["a", "b"] * 15, "v": np.arange(30.0)})
    indexed = read_frame(frame.drop(columns="sensor").set_index("date").iloc[::-1], time_column="date")
    assert indexed.series[0].ravel().tolist() == list(range(30)) and indexed.time.values(2) == ["2020-01-01", "2020-01-02"]
    both = read_frame(frame.set_index(["sensor", "date"]).iloc[::-1], "sensor", "date")
    assert both.names == ["b", "a"] and both.series[1].ravel().tolist() == list(range(0, 30, 2))


def test_an_array_of_more_channels_than_steps_says_how_series_of_one_channel_are_given():
    """np.save of (10 series, 40 steps) trained on one series of 10 steps x 40 channels, and the log said only that."""
    read = read_array(np.zeros((10, 40)))
    assert read.lengths == [10] and read.channels == 40  # as documented: (steps, channels)
    assert "10 series of 40 steps are an array of shape (10, 40, 1)" in read.summary()
    assert "array of shape" not in read_array(np.zeros((40, 10))).summary()


def test_one_column_named_as_both_id_and_time_is_said_so():
    """--id year --time year said: no column 'year' (columns: invest, firm), of a file with a year column."""
    frame = pd.DataFrame({"firm": ["a", "b"] * 5, "year": np.arange(10), "invest": np.arange(10.0)})
    with pytest.raises(SeriesDataError, match="--id and --time both name 'year'"):
        read_frame(frame, "year", "year")


def test_a_folder_trained_in_place_is_read_without_its_run_folders(tmp_path):
    """`midigan series train .` twice: the second read the first run's samples/step-N.csv as series and stopped."""
    for index in range(3):
        pd.DataFrame({"a": np.arange(10.0) + index}).to_csv(tmp_path / f"s{index}.csv", index=False)
    run_dir = tmp_path / "runs" / "data-1"
    (run_dir / "samples").mkdir(parents=True)
    (run_dir / "config.json").write_text('{"family": {"name": "series"}}')
    pd.DataFrame({"id": [1, 1], "a": [0.0, 1.0]}).to_csv(run_dir / "samples" / "step-000010.csv", index=False)
    read = read_series(tmp_path)
    assert read.names == ["s0", "s1", "s2"] and read.columns == ["a"]


def test_times_taken_at_irregular_moments_are_written_their_median_step_apart():
    """200 readings at random seconds over 11 days were written 376 seconds apart: the commonest of steps that occur once each."""
    seconds = np.sort(np.random.default_rng(0).choice(1_000_000, size=200, replace=False))
    stamps = (pd.Timestamp("2020-01-01") + pd.to_timedelta(seconds, unit="s")).strftime("%Y-%m-%d %H:%M:%S")
    axis = read_frame(pd.DataFrame({"ts": stamps, "v": np.arange(200.0)}), time_column="ts").time
    assert axis.step == np.median(np.diff(seconds))
    weekdays = pd.bdate_range("2024-01-01", periods=60).strftime("%Y-%m-%d")  # steps of 1 day and of 3 (weekends): a day
    assert read_frame(pd.DataFrame({"d": weekdays, "v": np.arange(60.0)}), time_column="d").time.step == 86_400


def test_days_with_gaps_keep_their_day_and_irregular_times_a_step_they_take():
    """Days of steps 1, 1, 1, 2, 3, 3, 4, 5 were written 2.5 days apart, and a day kept in three 2 days apart."""
    def step(days) -> float:
        dates = (pd.Timestamp("2020-01-01") + pd.to_timedelta(days, unit="D")).strftime("%Y-%m-%d")
        return read_frame(pd.DataFrame({"d": dates, "v": np.arange(len(days), dtype=float)}), time_column="d").time.step

    assert step(np.cumsum([0, 1, 1, 1, 2, 3, 3, 4, 5])) == 86_400
    kept = np.flatnonzero(np.random.default_rng(1).random(400) < 0.37)
    assert step(kept) == 86_400
    irregular = np.array([0, 1, 3, 7, 14])  # steps 1, 2, 4, 7: no grid; the median 3 is no step the data takes
    assert read_frame(pd.DataFrame({"t": irregular, "v": np.arange(5.0)}), time_column="t").time.step == 2


def test_a_csv_of_numbers_with_no_header_keeps_its_first_row(tmp_path):
    """np.savetxt's CSV lost its first row to the header: two channels named 0.126 and -0.132."""
    np.savetxt(tmp_path / "plain.csv", np.array([[0.126, -0.132], [0.64, 0.105], [0.2, 0.3]]), delimiter=",", fmt="%.3f")
    read = read_series(tmp_path / "plain.csv")
    assert read.columns == ["channel_0", "channel_1"] and read.series[0][0].tolist() == [0.126, -0.132]
    (tmp_path / "sensors.csv").write_text("1,2\n0.5,0.25\n0.75,1\n")  # whole numbers from 0 up name channels
    assert read_series(tmp_path / "sensors.csv").columns == ["1", "2"]


def test_a_headerless_first_row_with_a_repeated_value_or_an_exponent_is_data(tmp_path):
    """0.0,0.0,1.5 was eaten as names (pandas renamed the second 0.0 to 0.0.1) and np.savetxt's default
    3.000000000000000000e+00,... was kept as names; the command's column look-ups must see the same."""
    from midigan.series.reading import csv_columns, csv_first_column

    np.savetxt(tmp_path / "repeated.csv", np.array([[0.0, 0.0, 1.5], [1.0, 2.0, 3.0]]), delimiter=",", fmt="%.1f")
    np.savetxt(tmp_path / "exponent.csv", np.array([[3.0, 1.0], [2.0, 4.0]]), delimiter=",")
    for name, first in (("repeated.csv", [0.0, 0.0, 1.5]), ("exponent.csv", [3.0, 1.0])):
        read = read_series(tmp_path / name)
        assert read.lengths == [2] and read.series[0][0].tolist() == first
        assert csv_columns(tmp_path / name) == read.columns == [f"channel_{index}" for index in range(len(first))]
        assert csv_first_column(tmp_path / name).tolist() == [first[0], read.series[0][1][0]]
    (tmp_path / "years.csv").write_text("1990,1991\n0.5,0.25\n")  # plain whole numbers still name columns
    assert csv_columns(tmp_path / "years.csv") == read_series(tmp_path / "years.csv").columns == ["1990", "1991"]


def test_decimal_commas_and_space_separated_files_are_read_as_the_table_reader_reads_them(tmp_path):
    """time;load / 1;171,3 (a European spreadsheet's export) was refused as "'load' is not numeric",
    and R's write.table(sep=" ") or statsmodels' spector.csv read as one column of text."""
    load = [171.3, 172.5, 169.25, 170.0] * 5
    (tmp_path / "europe.csv").write_text("time;load;temp\n" + "".join(
        f"{step};{value:.2f};{-step / 4:.2f}\n".replace(".", ",") for step, value in enumerate(load)))
    (tmp_path / "r.txt").write_text('"time" "load"\n' + "".join(f"{step} {value}\n" for step, value in enumerate(load)))
    (tmp_path / "spector.csv").write_text("'OBS' 'GPA'  'TUCE'\n" + "".join(f"{i} {value}  {20 + i}\n" for i, value in enumerate(load)))
    europe = read_series(tmp_path / "europe.csv", time_column="time")
    assert europe.columns == ["load", "temp"] and europe.series[0][:, 0].tolist() == load
    assert europe.series[0][:3, 1].tolist() == [0.0, -0.25, -0.5]
    assert read_series(tmp_path / "r.txt", time_column="time").series[0][:, 0].tolist() == load
    spector = read_series(tmp_path / "spector.csv")
    assert spector.columns == ["OBS", "GPA", "TUCE"] and spector.series[0][:, 1].tolist() == load
    (tmp_path / "headless.txt").write_text("".join(f"{value} {value / 2}\n" for value in load))  # np.savetxt's, no header
    headless = read_series(tmp_path / "headless.txt")
    assert headless.columns == ["channel_0", "channel_1"] and headless.series[0][:, 0].tolist() == load
    line = run("series", "train", tmp_path / "europe.csv", "--time", "time", "--max-steps", 1, "--run-dir", tmp_path / "run").output
    assert "one series of 20 steps x 2 channels (load, temp)" in line


def test_thousands_grouped_by_points_in_a_decimal_comma_file_are_numbers(tmp_path):
    """1.234,5 in a semicolon file (Europe's spreadsheets) was refused as "'load' is not numeric":
    the table reader's reading of them serves series too."""
    (tmp_path / "grouped.csv").write_text("time;load\n" + "".join(f"{step};{1 + step}.{step:03d},5\n" for step in range(12)))
    assert read_series(tmp_path / "grouped.csv", time_column="time").series[0][:3, 0].tolist() == [1000.5, 2001.5, 3002.5]


@pytest.mark.parametrize("sep", [" ", "\t"])
def test_r_write_table_row_names_are_read_as_write_csv_row_names(tmp_path, sep):
    """R's write.table(x) names each row but not their column, its header one name short of the
    rows: with spaces the file was one column, refused as not numeric; with tabs the names vanished
    without a word where write.csv's were said to be left out, or refused when not numbers."""
    rows = [(step, step / 4, step % 3) for step in range(1, 31)]
    (tmp_path / "numbered.txt").write_text(f'"a"{sep}"b"\n' + "".join(f'"{step}"{sep}{a}{sep}{b}\n' for step, a, b in rows))
    (tmp_path / "write.csv").write_text('"","a","b"\n' + "".join(f'"{step}",{a},{b}\n' for step, a, b in rows))
    read, written = read_series(tmp_path / "numbered.txt"), read_series(tmp_path / "write.csv")
    assert read.columns == ["a", "b"] and np.array_equal(read.series[0], written.series[0])
    assert "left out: column 'Unnamed: 0' (a saved row index" in read.summary()
    (tmp_path / "named.txt").write_text(f'"a"{sep}"b"\n' + "".join(f'"2020-01-{step:02d}"{sep}{a}{sep}{b}\n' for step, a, b in rows))
    with pytest.raises(SeriesDataError, match=r"column 'Unnamed: 0' \(blank in the header"):
        read_series(tmp_path / "named.txt")
    assert read_series(tmp_path / "named.txt", time_column="Unnamed: 0").columns == ["a", "b"]


def test_a_headerless_file_of_semicolons_and_decimal_commas_is_read_by_semicolon(tmp_path):
    """171,3;-2,5 ... without a header was cut at its commas: three columns of whole numbers and text."""
    (tmp_path / "loads.csv").write_text("".join(f"{170 + step},{step % 10};-{step % 3},5\n" for step in range(30)))
    read = read_series(tmp_path / "loads.csv")
    assert read.columns == ["channel_0", "channel_1"] and read.series[0][:2].tolist() == [[170.0, -0.5], [171.1, -1.5]]


def test_a_binary_file_named_csv_is_said_to_be_one(tmp_path):
    """A workbook saved as .xlsx and named .csv was read as text, and refused for a column named PK followed by control characters."""
    (tmp_path / "book.csv").write_bytes(b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)) * 10)
    with pytest.raises(SeriesDataError, match=r"^book.csv: not a readable CSV \(it holds binary data\)$"):
        read_series(tmp_path / "book.csv")
