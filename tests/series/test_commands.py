"""`midigan series train / generate / evaluate` and `SeriesGAN` end to end on real sample data."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from midigan.core.checkpoint import load_checkpoint
from midigan.series import SeriesGAN
from midigan.series.reading import read_series
from midigan.series.writing import write_folder, write_long_csv

from .helpers import DATA, one_line_error, run

STATE_KEYS = ("generator", "discriminator", "generator_ema", "g_optimizer", "d_optimizer", "step", "batches_drawn")


def same_state(left, right) -> bool:
    if isinstance(left, torch.Tensor):
        return torch.equal(left, right)
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(same_state(left[k], right[k]) for k in left)
    if isinstance(left, (list, tuple)):
        return len(left) == len(right) and all(same_state(a, b) for a, b in zip(left, right, strict=True))
    return left == right


@pytest.mark.slow
def test_long_series_train_generate_in_three_forms(in_scratch_folder):
    result = run("series", "train", DATA / "stocks_head.csv", "--max-steps", 30, "--quiet")
    assert result.exit_code == 0, result.output
    assert "step noise: " in result.output
    run_dir = in_scratch_folder / "runs" / "stocks_head-1"
    for name in ("config.json", "metrics.jsonl", "loss.png", "checkpoints/last.pt", "checkpoints/best.pt",
                 "samples/step-000030.csv", "samples/step-000030.png"):
        assert (run_dir / name).is_file(), name
    assert any("validation" in json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines())

    assert run("series", "generate", "--model", run_dir, "--count", 7, "out.npy").exit_code == 0
    array = np.load("out.npy")
    assert array.shape == (7, 24, 6) and np.isfinite(array).all()
    volume = read_series(DATA / "stocks_head.csv").series[0][:, 5]
    assert volume.min() / 10 < np.median(array[..., 5]) < volume.max() * 10  # the data's units, not scaled ones
    np.testing.assert_array_equal(array[..., 4], array[..., 3])  # Adj_Close equals Close in every training row
    assert (array[..., 5] >= 0).all()

    assert run("series", "generate", "--count", 3, "--seed", 1, "out.csv").exit_code == 0
    frame = pd.read_csv("out.csv")
    assert list(frame.columns) == ["id", "Open", "High", "Low", "Close", "Adj_Close", "Volume"] and len(frame) == 72

    assert run("series", "generate", "--count", 1, "--length", 500, "long").exit_code == 0
    assert pd.read_csv("long/series_0001.csv").shape == (500, 6)
    again = run("series", "generate", "--count", 3, "--seed", 1, "again.csv")
    assert again.exit_code == 0 and pd.read_csv("again.csv").equals(frame)
    # a file of another kind is refused before any work, not written as a folder of that name
    assert "OUT is a folder, a .csv or a .npy" in one_line_error(run("series", "generate", "--count", 3, "out.tsv"))
    assert not Path("out.tsv").exists()
    Path("runs.v2").mkdir()  # an existing folder is a folder, whatever its name
    assert run("series", "generate", "--count", 2, "runs.v2").exit_code == 0 and len(list(Path("runs.v2").iterdir())) == 2


@pytest.mark.slow
def test_variable_lengths_with_gaps_train_and_lengths_follow(in_scratch_folder):
    motions = read_series(DATA / "BasicMotions")
    lengths = (100, 80, 60, 40, 100, 80, 60, 40)
    (in_scratch_folder / "uneven").mkdir()
    for index, (values, steps) in enumerate(zip(motions.series, lengths, strict=True)):
        frame = pd.DataFrame(values[:steps], columns=motions.columns)
        frame.iloc[3, index % 6] = np.nan
        frame.to_csv(in_scratch_folder / "uneven" / f"{index}.csv", index=False)
    result = run("series", "train", "uneven", "--max-steps", 6, "--quiet", "--run-dir", "run")
    assert result.exit_code == 0, result.output
    assert run("series", "generate", "--model", "run", "--count", 40, "out.npy").exit_code == 0
    written = read_series("out.npy")
    assert set(written.lengths) <= set(lengths) and len(set(written.lengths)) > 1
    assert not any(np.isnan(values).any() for values in written.series)  # complete unless asked for gaps
    assert run("series", "generate", "--model", "run", "--count", 40, "--gaps", "gappy.npy").exit_code == 0
    gappy = read_series("gappy.npy")
    assert gappy.lengths == written.lengths and sum(np.isnan(values).sum() for values in gappy.series) > 0
    for complete, masked in zip(written.series, gappy.series, strict=True):  # the same series, some values dropped
        kept = ~np.isnan(masked)
        np.testing.assert_array_equal(masked[kept], complete[kept])


@pytest.mark.slow
def test_resume_continues_exactly(in_scratch_folder):
    common = ("--pretrain-steps", 10, "--quiet", "--seed", 3)
    assert run("series", "train", DATA / "BasicMotions", "--max-steps", 20, "--run-dir", "straight", *common).exit_code == 0
    assert run("series", "train", DATA / "BasicMotions", "--max-steps", 14, "--run-dir", "halves", *common).exit_code == 0
    resumed = run("series", "train", DATA / "BasicMotions", "--max-steps", 20, "--run-dir", "halves", "--resume", "--quiet")
    assert resumed.exit_code == 0, resumed.output
    straight, halves = (load_checkpoint(f"{name}/checkpoints/last.pt") for name in ("straight", "halves"))
    assert straight["step"] == 20
    assert all(same_state(straight[key], halves[key]) for key in STATE_KEYS)
    changed = run("series", "train", DATA / "BasicMotions", "--run-dir", "halves", "--resume", "--seed", 4)
    assert "trained with --seed 3; a resumed run keeps it" in one_line_error(changed)


def test_resume_of_nothing_is_one_line(in_scratch_folder):
    assert "nothing to resume" in one_line_error(run("series", "train", DATA / "BasicMotions", "--resume"))


@pytest.mark.slow
def test_evaluate_prints_the_set_beside_ceiling_and_baseline(in_scratch_folder):
    motions = read_series(DATA / "BasicMotions").series
    np.save("train.npy", np.stack(motions[:6]))
    np.save("held.npy", np.stack(motions[6:]))
    np.save("fake.npy", np.stack(motions[:6]) + np.random.default_rng(0).normal(0, 0.5, (6, 100, 6)))
    result = run("series", "evaluate", "fake.npy", "--reference", "held.npy", "--train", "train.npy", "--repeats", 1,
                 "--discriminative-steps", 5, "--predictive-steps", 5, "--json", "figures.json")
    assert result.exit_code == 0, result.output
    assert "real training series (ceiling)" in result.output and "VAR(2) baseline" in result.output
    text = (in_scratch_folder / "figures.json").read_text()
    figures = json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} is no JSON"))  # strict parsers refuse NaN
    assert set(figures) == {"real training series (ceiling)", "VAR(2) baseline", "fake.npy"}
    assert any(value is None for row in figures.values() for value in row.values())  # the ceiling's nearest ratio: null, not NaN
    assert all(0 <= row["discriminative"] <= 0.5 for row in figures.values())
    # what `series generate` writes (a long-form CSV) against held-out series in a folder, without --id
    write_long_csv(list(np.load("fake.npy")), [f"c{i}" for i in range(6)], in_scratch_folder / "fake.csv")
    write_folder(motions[6:], [f"c{i}" for i in range(6)], in_scratch_folder / "held")
    result = run("series", "evaluate", "fake.csv", "--reference", "held", "--train", "train.npy", "--repeats", 1,
                 "--discriminative-steps", 5, "--predictive-steps", 5, "--json", "new/folder/figures.json")
    assert result.exit_code == 0, result.output
    assert set(json.loads((in_scratch_folder / "new/folder/figures.json").read_text())) == set(figures) - {"fake.npy"} | {"fake.csv"}
    # and against held-out and training CSVs of their own id and time columns, rows shuffled
    for name, part in (("held_long.csv", motions[6:]), ("train_long.csv", motions[:6])):
        rows = pd.concat([pd.DataFrame(values, columns=[f"c{i}" for i in range(6)]).assign(rec=f"r{n}", t=np.arange(len(values)))
                          for n, values in enumerate(part)])
        rows.sample(frac=1, random_state=0)[["rec", "t", *[f"c{i}" for i in range(6)]]].to_csv(name, index=False)
    result = run("series", "evaluate", "fake.csv", "--reference", "held_long.csv", "--train", "train_long.csv", "--id", "rec",
                 "--time", "t", "--repeats", 1, "--discriminative-steps", 5, "--predictive-steps", 5, "--json", "long.json")
    assert result.exit_code == 0, result.output
    assert set(json.loads((in_scratch_folder / "long.json").read_text())) == set(figures) - {"fake.npy"} | {"fake.csv"}
    held = pd.read_csv("held_long.csv").rename(columns={"rec": "id"})  # a user's own CSV whose first column is id
    held.to_csv("held_id.csv", index=False)
    by_id = run("series", "evaluate", "fake.csv", "--reference", "held_id.csv", "--train", "train.npy", "--time", "t", "--repeats", 1,
                "--discriminative-steps", 5, "--predictive-steps", 5)
    assert by_id.exit_code == 0, by_id.output  # its rows ordered by --time, not t read as a channel
    same = run("series", "evaluate", "fake.csv", "--reference", "train.npy", "--train", in_scratch_folder / "train.npy")
    assert "the reference must be held-out data" in one_line_error(same)
    under_a_file = run("series", "evaluate", "fake.csv", "--reference", "held", "--train", "train.npy", "--json", "fake.npy/x.json")
    assert "is not a folder" in one_line_error(under_a_file)


def test_evaluate_refuses_inputs_too_few_to_split_in_one_line(in_scratch_folder):
    days = pd.read_csv(DATA / "italy_power_long.csv")
    first_day = days["day"] == days["day"].iloc[0]
    days[first_day].to_csv("one_day.csv", index=False)
    days[~first_day].to_csv("other_days.csv", index=False)
    one_series = run("series", "evaluate", "other_days.csv", "--reference", "one_day.csv", "--train", "other_days.csv",
                     "--id", "day", "--time", "hour")
    assert "--reference one_day.csv gives 1 window (one series of 24 steps, windows of 24)" in one_line_error(one_series)
    prices = pd.read_csv(DATA / "stocks_head.csv")
    prices.head(20).to_csv("short.csv", index=False)
    prices.tail(200).to_csv("long.csv", index=False)
    too_short = run("series", "evaluate", "long.csv", "--reference", "short.csv", "--train", "long.csv", "--length", 24)
    assert "--reference short.csv gives 1 window (one series of 20 steps, windows of 24)" in one_line_error(too_short)
    assert "give a --length under 20" in one_line_error(too_short)


def test_folders_of_dated_csvs_train_and_are_judged_by_time(in_scratch_folder):
    prices = pd.read_csv(DATA / "stocks_head.csv")
    for folder, first in (("train", 0), ("held", 4)):
        for index in range(first, first + 4):
            part = prices.iloc[index * 30:(index + 1) * 30].assign(date=pd.date_range("2020-01-01", periods=30).strftime("%Y-%m-%d"))
            Path(folder).mkdir(exist_ok=True)
            part.sample(frac=1, random_state=index).to_csv(f"{folder}/stock{index}.csv", index=False)
    trained = run("series", "train", "train", "--time", "date", "--max-steps", 2, "--quiet")
    assert trained.exit_code == 0, trained.output
    assert "read 4 series of 30 steps x 6 channels (Open, High, Low, Close, Adj_Close, Volume)" in trained.output
    assert "written with the time column date, from 2020-01-01, a day apart" in trained.output
    run_dir = trained.output.split("training into ")[1].split()[0]
    resumed = run("series", "train", "train", "--time", "date", "--max-steps", 4, "--run-dir", run_dir, "--resume", "--quiet")
    assert resumed.exit_code == 0, resumed.output  # the stored time axis is the one planned again
    assert run("series", "generate", "generated", "--count", 3).exit_code == 0
    generated = pd.read_csv("generated/series_0001.csv")
    assert list(generated.columns) == [*prices.columns, "date"]  # the time column where the training files had it
    assert generated["date"].tolist() == pd.date_range("2020-01-01", periods=30).strftime("%Y-%m-%d").tolist()
    write_folder([prices.iloc[:30].to_numpy()] * 4, list(prices.columns), in_scratch_folder / "fake")  # a set without the date column
    judged = run("series", "evaluate", "fake", "--reference", "held", "--train", "train", "--time", "date", "--repeats", 1,
                 "--discriminative-steps", 2, "--predictive-steps", 2)
    assert judged.exit_code == 0, judged.output


def test_generate_names_series_by_the_training_id_column_and_evaluate_reads_them_back(in_scratch_folder):
    days = pd.read_csv(DATA / "italy_power_long.csv")
    held = days["day"].isin(days["day"].unique()[:6])
    days[held].to_csv("held.csv", index=False)
    days[~held].to_csv("train.csv", index=False)
    assert run("series", "train", "train.csv", "--id", "day", "--time", "hour", "--max-steps", 2, "--quiet").exit_code == 0
    assert run("series", "generate", "fake.csv", "--count", 6).exit_code == 0
    fake = pd.read_csv("fake.csv")
    assert list(fake.columns) == ["day", "hour", "load"]  # the --time column too, each series through a day's hours
    assert all(part["hour"].tolist() == list(range(24)) for _, part in fake.groupby("day"))
    judged = run("series", "evaluate", "fake.csv", "--reference", "held.csv", "--train", "train.csv", "--id", "day", "--time", "hour",
                 "--repeats", 1, "--discriminative-steps", 2, "--predictive-steps", 2)
    assert judged.exit_code == 0, judged.output
    for name, part in (("held.npy", days[held]), ("train.npy", days[~held])):  # no --id to name fake.csv's series by
        np.save(name, np.stack([group.sort_values("hour")[["load"]].to_numpy() for _, group in part.groupby("day")]))
    arrays = run("series", "evaluate", "fake.csv", "--reference", "held.npy", "--train", "train.npy", "--time", "hour",
                 "--repeats", 1, "--discriminative-steps", 2, "--predictive-steps", 2)
    assert arrays.exit_code == 0, arrays.output  # read by its numbered first column, not as a channel
    untimed = run("series", "evaluate", "fake.csv", "--reference", "held.npy", "--train", "train.npy")
    assert ("must have the same channels: SET has 2 (hour, load), --reference has 1, --train has 1; --time names a column that"
            " orders the rows") in one_line_error(untimed)


def test_api_fits_one_channel_given_as_a_pandas_series_or_a_1d_array(tmp_path):
    close = pd.read_csv(DATA / "stocks_head.csv")["Close"]
    from_series = SeriesGAN(max_minutes=None, max_steps=2, run_dir=tmp_path / "series").fit(close)
    assert from_series.columns == ["Close"] and from_series.sample(3).shape == (3, 24, 1)
    from_array = SeriesGAN(max_minutes=None, max_steps=2, run_dir=tmp_path / "array").fit(close.to_numpy())
    assert from_array.columns == ["channel_0"] and from_array.report[0] == from_series.report[0]  # the same one long series


def test_a_constant_channel_trains_without_numpy_warnings(in_scratch_folder):
    prices = pd.read_csv(DATA / "stocks_head.csv")[["Open", "Close"]].to_numpy()
    np.save("flat.npy", np.column_stack([prices, np.full(len(prices), 3.0)]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trained = run("series", "train", "flat.npy", "--max-steps", 4, "--quiet")
    assert trained.exit_code == 0, repr(trained.exception)


@pytest.mark.slow
def test_api_fit_sample_save_load(tmp_path):
    frame = pd.read_csv(DATA / "italy_power_long.csv")
    model = SeriesGAN(max_minutes=None, max_steps=8, id_column="day", time_column="hour", run_dir=tmp_path / "run").fit(frame)
    sample = model.sample(5, seed=2)
    assert sample.shape == (5, 24, 1) and model.columns == ["load"]
    model.save(tmp_path / "model.pt")
    np.testing.assert_array_equal(SeriesGAN.load(tmp_path / "model.pt").sample(5, seed=2), sample)
    with pytest.raises(ValueError, match="different channel counts"):
        SeriesGAN(max_steps=2).fit([np.zeros((10, 2)), np.zeros((10, 3))])
    assert model.sample(0).shape == (0, 24, 1)
    ragged = SeriesGAN(max_minutes=None, max_steps=2, run_dir=tmp_path / "ragged").fit(
        [np.random.default_rng(length).normal(size=(length, 2)) for length in (20, 30, 45, 33, 27, 41)])
    assert {ragged.sample(0, seed=seed).shape for seed in range(4)} == {(0, 45, 2)}  # was one drawn series' length
    with pytest.raises(ValueError, match="whole number"):
        model.sample(-1)
    dated = pd.DataFrame({"date": pd.date_range("2021-01-01", periods=50), "load": np.arange(50.0)})
    with pytest.raises(ValueError, match="'date' holds dates or times, not values: give it as the time column"):
        SeriesGAN(max_steps=2).fit(dated)
    assert SeriesGAN(max_steps=2, time_column="date").fit(dated).columns == ["load"]


def test_resuming_on_data_with_other_channels_is_one_line(in_scratch_folder):
    steps = np.arange(120)
    pd.DataFrame({"level": np.sin(steps / 5), "switch": (steps // 10) % 3}).to_csv("two.csv", index=False)
    pd.DataFrame({"level": np.cos(steps / 5)}).to_csv("one.csv", index=False)
    trained = run("series", "train", "two.csv", "--max-steps", 2, "--run-dir", "run", "--quiet")
    assert trained.exit_code == 0, trained.output
    resumed = run("series", "train", "one.csv", "--max-steps", 4, "--run-dir", "run", "--resume", "--quiet")
    assert "it holds a series model with other settings than this run's (channels level, switch; one.csv has level)" \
        in one_line_error(resumed)


def test_a_folder_written_again_with_fewer_series_holds_only_the_new_ones(tmp_path):
    """generate --count 5 into a folder of an earlier --count 8 left series_0006.csv ... series_0008.csv beside the new set."""
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "series_001.csv").write_text("x\n1\n")  # a user's own file: generate never names one with three digits
    write_folder([np.zeros((3, 1))] * 8, ["x"], tmp_path)
    write_folder([np.ones((3, 1))] * 5, ["x"], tmp_path)
    kept = ["notes.txt", "series_001.csv", *(f"series_000{i}.csv" for i in range(1, 6))]
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(kept)
    (tmp_path / "series_001.csv").unlink()
    assert read_series(tmp_path).lengths == [3] * 5


def test_evaluate_refuses_sets_whose_channels_are_named_otherwise(in_scratch_folder):
    """Sunspot counts were scored against fertility rates without a word: only the channel counts were compared."""
    rng = np.random.default_rng(0)
    for name, column in (("train.csv", "rate"), ("held.csv", "rate"), ("fake.csv", "count")):
        pd.DataFrame({column: rng.normal(size=120)}).to_csv(name, index=False)
    np.save("fake.npy", rng.normal(size=(30, 5, 1)))
    fast = ("--length", 5, "--repeats", 1, "--discriminative-steps", 2, "--predictive-steps", 2)
    named = run("series", "evaluate", "fake.csv", "--reference", "held.csv", "--train", "train.csv", *fast)
    assert "same channels: SET has count, --reference has rate" in one_line_error(named)
    unnamed = run("series", "evaluate", "fake.npy", "--reference", "held.csv", "--train", "train.csv", *fast)
    assert unnamed.exit_code == 0, unnamed.output
    pd.DataFrame({"rate": rng.normal(size=120), "year": np.arange(120)}).to_csv("dated.csv", index=False)
    counted = run("series", "evaluate", "dated.csv", "--reference", "held.csv", "--train", "train.csv", *fast)
    assert "same channels: SET has 2 (rate, year), --reference has 1 (rate), --train has 1 (rate);" in one_line_error(counted)


def test_a_channel_called_id_keeps_its_name_and_generated_series_are_named_in_another_column(in_scratch_folder):
    """A channel named id gave a long form headed id,id,... (the series' numbers and the channel under one name)."""
    steps = np.arange(300)
    frame = pd.DataFrame({"value": np.sin(steps / 6), "id": np.round(np.cos(steps / 9), 3)})
    frame.iloc[:200].to_csv("train.csv", index=False)
    frame.iloc[200:].to_csv("held.csv", index=False)
    assert run("series", "train", "train.csv", "--max-steps", 2, "--quiet").exit_code == 0
    assert run("series", "generate", "fake.csv", "--count", 6).exit_code == 0
    assert list(pd.read_csv("fake.csv").columns) == ["series", "value", "id"]
    judged = run("series", "evaluate", "fake.csv", "--reference", "held.csv", "--train", "train.csv", "--length", 10,
                 "--repeats", 1, "--discriminative-steps", 2, "--predictive-steps", 2)
    assert judged.exit_code == 0, judged.output


def test_suffixes_in_capitals_are_written_and_nothing_is_left_beside_them(tmp_path):
    """out/X.NPY failed ("cannot write out/.X.partial.NPY") and left .X.partial.NPY.npy behind: np.save added .npy."""
    from midigan.series.writing import write_series

    series = [np.arange(6.0).reshape(3, 2)] * 2
    for name in ("X.NPY", "Y.CSV"):
        write_series(series, ["a", "b"], tmp_path / "out" / name)
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == ["X.NPY", "Y.CSV"]
    assert np.array_equal(np.load(tmp_path / "out" / "X.NPY"), np.stack(series))
    assert read_series(tmp_path / "out" / "Y.CSV", id_column="id").lengths == [3, 3]


def test_one_long_generated_series_is_judged_in_windows(in_scratch_folder):
    """generate --count 1 --length 500 (a long series from a model of windows) could not be judged:
    "SET gives 1 series: the discriminative score needs at least 2"; one series is cut into windows."""
    prices = pd.read_csv(DATA / "stocks_head.csv")
    prices.head(240).to_csv("train.csv", index=False)
    prices.tail(60).to_csv("held.csv", index=False)
    assert run("series", "train", "train.csv", "--max-steps", 2, "--quiet").exit_code == 0
    assert run("series", "generate", "long.csv", "--count", 1, "--length", 200).exit_code == 0
    assert run("series", "generate", "long_folder", "--count", 1, "--length", 200).exit_code == 0
    for generated in ("long.csv", "long_folder"):
        judged = run("series", "evaluate", generated, "--reference", "held.csv", "--train", "train.csv", "--repeats", 1,
                     "--discriminative-steps", 2, "--predictive-steps", 2)
        assert judged.exit_code == 0, judged.output


def test_a_reference_holding_the_training_series_is_one_line(in_scratch_folder):
    """--reference a reordered copy of --train gave a nearest ratio of 169497054481.81 and figures of nothing held out."""
    days = pd.read_csv(DATA / "italy_power_long.csv")
    days.to_csv("train.csv", index=False)
    days.sample(frac=1, random_state=0).to_csv("shuffled.csv", index=False)
    copied = run("series", "evaluate", "train.csv", "--reference", "shuffled.csv", "--train", "train.csv", "--id", "day", "--time", "hour")
    assert "30 of the 30 series of --reference shuffled.csv are series of --train train.csv" in one_line_error(copied)


def phases(run_dir: Path) -> set[str]:
    lines = (run_dir / "metrics.jsonl").read_text().splitlines()
    return {record["phase"] for record in map(json.loads, lines) if "phase" in record}


def test_a_step_budget_beside_a_time_budget_leaves_half_the_steps_to_adversarial_training(in_scratch_folder):
    series = np.random.default_rng(0).normal(size=(12, 8, 1))
    SeriesGAN(max_steps=4, run_dir="api", log_every=1).fit(series)  # max_minutes keeps its default
    assert phases(in_scratch_folder / "api") == {"pretrain", "adversarial"}
    np.save("series.npy", series)
    result = run("series", "train", "series.npy", "--max-minutes", 5, "--max-steps", 4, "--run-dir", "cli", "--quiet")
    assert result.exit_code == 0, result.output
    assert "pretraining ended at step 2 (step limit reached)" in result.output


def test_a_resumed_run_reads_its_data_by_the_id_and_time_it_was_trained_with(in_scratch_folder):
    """--resume without --id and --time: 'column 'state' is not numeric', though the run was trained with them."""
    rng = np.random.default_rng(0)
    pd.DataFrame({"state": np.repeat([f"s{n}" for n in range(6)], 10), "year": np.tile(np.arange(1970, 1980), 6),
                  "v": rng.normal(size=60)}).sample(frac=1, random_state=0).to_csv("panel.csv", index=False)
    assert run("series", "train", "panel.csv", "--id", "state", "--time", "year", "--max-steps", 2, "--quiet").exit_code == 0
    resumed = run("series", "train", "panel.csv", "--resume", "--max-steps", 4, "--quiet")
    assert resumed.exit_code == 0, resumed.output
    assert "read 6 series of 10 steps x 1 channel (v)" in resumed.output


def test_evaluate_says_when_the_set_and_the_reference_differ_in_length_alone(in_scratch_folder):
    """A set of the model's 24-step windows judged with --length 10 scored as poor, and nothing said why."""
    rng = np.random.default_rng(0)
    for name in ("train.csv", "held.csv"):
        pd.DataFrame({"rate": rng.normal(size=120)}).to_csv(name, index=False)
    np.save("fake.npy", rng.normal(size=(30, 8, 1)))
    fast = ("--repeats", 1, "--discriminative-steps", 2, "--predictive-steps", 2)
    judged = run("series", "evaluate", "fake.npy", "--reference", "held.csv", "--train", "train.csv", "--length", 5, *fast)
    assert judged.exit_code == 0, judged.output
    assert "SET's series have 8 steps and --reference's 5 (--length 5); --length 8 cuts them as long" in judged.output
    matched = run("series", "evaluate", "fake.npy", "--reference", "held.csv", "--train", "train.csv", "--length", 8, *fast)
    assert matched.exit_code == 0 and "steps and --reference's" not in matched.output


@pytest.mark.parametrize("settings, message", [
    ({"length": 0}, "length is None or a whole number at least 2, not 0"),
    ({"length": 2.5}, "length is None or a whole number at least 2, not 2.5"),
    ({"max_steps": 0}, "max_steps is None or a whole number at least 1, not 0"),
    ({"max_minutes": -1}, "max_minutes is None or a number more than 0, not -1"),
])
def test_api_settings_out_of_range_are_refused_as_the_cli_refuses_them(settings, message):
    """SeriesGAN(length=0) trained windows of 24, length=2.5 failed with a TypeError inside training, max_minutes=-1 trained."""
    with pytest.raises(ValueError, match=message.replace(".", r"\.")):
        SeriesGAN(**settings)


def test_a_resume_on_a_truly_new_column_names_it_and_asks_for_no_id_or_time(in_scratch_folder):
    """Resuming a --time year run on data with a new column x said 'give the --id and --time it was trained
    with', though the resume had taken --time from the run; a run that does not record its --time still asks."""
    years = np.arange(1900, 2000)
    pd.DataFrame({"year": years, "v": np.sin(years / 5)}).to_csv("yearly.csv", index=False)
    pd.DataFrame({"year": years, "v": np.sin(years / 5), "x": np.cos(years / 5)}).to_csv("wider.csv", index=False)
    assert run("series", "train", "yearly.csv", "--time", "year", "--max-steps", 2, "--run-dir", "run", "--quiet").exit_code == 0
    line = one_line_error(run("series", "train", "wider.csv", "--max-steps", 4, "--run-dir", "run", "--resume", "--quiet"))
    assert line.endswith("(channels v; wider.csv has v, x); x is no channel of the run") and "--id" not in line
    config = json.loads(Path("run/config.json").read_text())
    del config["family"]["config"]["time"]  # as a run from before the time axis was recorded
    Path("run/config.json").write_text(json.dumps(config))
    line = one_line_error(run("series", "train", "yearly.csv", "--max-steps", 4, "--run-dir", "run", "--resume", "--quiet"))
    assert line.endswith("year is no channel of the run (give the --time it was trained with, if any: the run does not record it)")


def test_an_unreadable_file_is_one_line(in_scratch_folder, monkeypatch):
    """A file the user may not read stopped train and evaluate with a raw PermissionError and its traceback."""
    import midigan.text_tables

    for name in ("locked.csv", "reference.csv", "train.csv"):
        pd.DataFrame({"a": np.arange(40.0)}).to_csv(name, index=False)

    def denied(path):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(midigan.text_tables, "read_head", denied)
    assert one_line_error(run("series", "train", "locked.csv"), "cannot read locked.csv: Permission denied")
    judged = run("series", "evaluate", "locked.csv", "--reference", "reference.csv", "--train", "train.csv")
    assert one_line_error(judged, "cannot read ", ".csv: Permission denied")
