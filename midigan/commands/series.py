"""`midigan series train | generate | evaluate`: any series of numbers over time, on the same engine."""

from __future__ import annotations

from pathlib import Path

import click

from midigan.core.command import held_out_apart
from midigan.core.options import device_option, json_option, max_minutes_option, max_steps_option, quiet_option, run_settings, typed

RUNS_ROOT = Path("runs")
FAMILY = "series"
MAX_COUNT = 1_000_000
MAX_LENGTH = 1_000_000

length_option = click.option("--length", type=click.IntRange(min=2),
                             help="Cut series into windows of this many steps (default: 24 for one long series; other sets"
                                  " train on whole series).")
id_option = click.option("--id", "id_column", help="A CSV in long form: the column naming each row's series.")
time_option = click.option("--time", "time_column", help="A column to order the rows by (numbers or dates); it is not a channel.")


@click.group()
def series() -> None:
    """Synthetic time series: sensor traces, meters, prices, motion, any numbers over time."""


def _read(path: str, id_column: str | None, time_column: str | None):
    from midigan.series.reading import SeriesDataError, read_series

    try:
        return read_series(path, id_column, time_column)
    except SeriesDataError as error:
        raise click.ClickException(str(error)) from None


def _evaluation_input(path: str, id_column: str | None, time_column: str | None) -> tuple[str, str | None, str | None]:
    """How `evaluate` reads one of its inputs: --id applies to CSV files only, --time to those and to
    a folder whose files have that column (an array, or a folder `generate` wrote, is read as it is).
    A CSV whose first column names its series, as `generate` writes them (the training data's --id
    column, `id` where the CSV lacks the --id column, `series` ... where a channel is called id
    (`writing.series_column`), or any first column numbering its series 1, 1, ..., 2, ... where no
    --id is given), is read by that column, and by --time only where it has that column (`generate`
    writes the training data's --time column where it had one; runs from before did not). Why: a
    set written by `generate` is judged against held-out folders, or held-out CSVs with their own id
    and time columns, which no one option fits."""
    from midigan.series.reading import csv_columns, folder_columns
    from midigan.series.writing import series_column

    if Path(path).suffix.lower() == ".npy":
        return path, None, None
    if Path(path).is_dir():
        return path, None, time_column if time_column in folder_columns(path) else None
    columns = csv_columns(path)
    series_named_by = id_column if id_column in columns else series_column(columns[1:])  # as generate names it
    if columns[:1] == [series_named_by] or (id_column is None and columns and _numbers_series(path)):
        return path, columns[0], time_column if time_column in columns else None
    return path, id_column, time_column


def _trained_with(data: str, family: dict) -> dict:
    """The --id and --time a resumed run was trained with, where DATA has those columns beside the
    run's channels. Why: they are no engine setting, so the run's config keeps them only as its
    model's id column and time axis, and a resume without them read the id column as a channel."""
    from midigan.series.reading import csv_columns, folder_columns

    path = Path(data)
    if path.suffix.lower() == ".npy":
        return {}
    spare = [column for column in (folder_columns(path) if path.is_dir() else csv_columns(path)) if column not in family["columns"]]
    found = {"time_column": (family.get("time") or {}).get("name"), "id_column": None if path.is_dir() else family.get("id_column")}
    return {name: column for name, column in found.items() if column is not None and column in spare}


def _extra_channels(data: str, family: dict, settings: dict, columns: list[str]) -> str:
    """What a resume refused for other channels says of the columns DATA has beyond the run's: that
    they are none of its channels, and to give the --id or --time only where the run could not have
    restored it. Why: a resume takes both from the run, and a column that is truly new is neither."""
    extra = [column for column in columns if column not in family["columns"]]
    if not extra:
        return ""
    said = f"; {_listed(extra)} {'is no channel' if len(extra) == 1 else 'are no channels'} of the run"
    if not (unrecorded := _unrecorded(data, family, settings)):
        return said
    them = "them" if len(unrecorded) > 1 else "it"
    return f"{said} (give the {' and '.join(unrecorded)} it was trained with, if any: the run does not record {them})"


def _unrecorded(data: str, family: dict, settings: dict) -> list[str]:
    """The --id and --time a resume neither was given nor found in the run (runs from before they
    were recorded, or dates in a form not written back) that DATA could take."""
    path = Path(data)
    if path.suffix.lower() == ".npy":
        return []
    options = ([] if path.is_dir() else [("--id", "id_column", "id_column")]) + [("--time", "time", "time_column")]
    return [option for option, key, setting in options if key not in family and settings[setting] is None]


def _listed(names: list[str], most: int = 8) -> str:
    """Channel names for a one-line message: the first `most`, then how many more."""
    more = f", ... ({len(names) - most} more)" if len(names) > most else ""
    return ", ".join(map(str, names[:most])) + more


def _numbers_series(path: str) -> bool:
    """Does the CSV's first column number its rows' series 1, 1, ..., 2, 2, ... as `generate` writes
    them (under the training data's --id name, which `evaluate` may not have been given)?"""
    import numpy as np
    import pandas as pd

    from midigan.series.reading import csv_first_column

    numbers = pd.to_numeric(csv_first_column(path), errors="coerce").to_numpy(dtype=float)
    steps = np.diff(numbers)
    counted = len(numbers) > 1 and numbers[0] == 1 and bool(np.isin(steps, (0, 1)).all()) and steps.any()
    return counted and not np.any((steps[:-1] == 1) & (steps[1:] == 1))  # a series of one step is no series: 1, 2, 3 counts steps


@series.command()
@click.argument("data", type=click.Path(exists=True, path_type=str))
@length_option
@id_option
@time_option
@click.option("--run-dir", help="Run folder to write (default: runs/<DATA name>-<n>).")
@max_minutes_option(10.0, "Time budget: likelihood pretraining takes at most half of it, adversarial training the rest.")
@max_steps_option(unit="generator steps (alone: no time budget)")
@click.option("--pretrain-steps", type=click.IntRange(min=0),
              help="At most this many likelihood steps before the adversarial ones (default: until validation stops"
                   " improving, within half the budget).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--resume", is_flag=True, help="Continue the run in --run-dir (default: the newest run of DATA) exactly.")
@device_option
@quiet_option
def train(data: str, **options) -> None:
    """Train a GAN on the series in DATA: a CSV of one long series (a row per step, a column per
    channel; cut into windows of --length), a long-form CSV with an --id column (and an optional
    --time column), a folder of CSVs (one series each; --time orders each file's rows) or an .npy
    array (series, steps, channels).

    Series may differ in length and have gaps (empty cells, NaN). Channels are scaled for
    training and written back in their own units. A tenth is held out to judge the run (whole
    series, or the last tenth of a long one's steps); the run folder gets checkpoints (best.pt,
    chosen on it, and last.pt), metrics.jsonl, samples (CSV and PNG beside real series) and a loss plot.
    """
    from midigan.core.command import exit_if_interrupted, fit, say_how_it_ended
    from midigan.core.config import TrainConfig
    from midigan.core.distributed import detect_world
    from midigan.core.progress import print_news
    from midigan.core.rundir import newest_run, next_run_dir, read_run_config
    from midigan.series.plan import TRAIN_DEFAULTS, budgeted, plan_training, stored_model
    from midigan.series.step_noise import calibrate_finished_run

    main_process = detect_world().is_main
    say = print_news if main_process else lambda message: None
    context = click.get_current_context()
    prefix = Path(data).resolve().stem or "series"
    run_dir = options["run_dir"]
    if run_dir is None:
        found = newest_run(RUNS_ROOT, prefix) if options["resume"] else None
        if options["resume"] and found is None:
            raise click.ClickException(f"nothing to resume: no {RUNS_ROOT}/{prefix}-<n> folder")
        run_dir = str(found if found is not None else next_run_dir(RUNS_ROOT, prefix))
    if options["resume"]:
        stored = read_run_config(run_dir)
        if stored is None or stored.get("family", {}).get("name") != FAMILY or not (Path(run_dir) / "checkpoints" / "last.pt").is_file():
            raise click.ClickException(f"nothing to resume in {run_dir}: no series run with checkpoints/last.pt there")
        family = stored["family"]["config"]
        trained_length = max(int(k) for k in family["lengths"]) if family["windows"] else None
        # settings a run from an older midigan did not record were their defaults then
        settings = run_settings(context, stored={**TrainConfig().to_dict(), **stored["train"], "length": trained_length},
                                kept=("length",), run=run_dir)
        settings.update({name: value for name, value in _trained_with(data, family).items() if name not in typed(context)})
    else:
        settings = run_settings(context, recipe=TRAIN_DEFAULTS)
        if "max_steps" in typed(context) and "max_minutes" not in typed(context):
            settings["max_minutes"] = None  # a step budget alone is the whole budget
        settings = budgeted(settings, "pretrain_steps" in typed(context))
    series_set = _read(data, settings["id_column"], settings["time_column"])
    say(f"read {series_set.summary()} from {data}")
    if settings["time_column"] is not None and series_set.time is None:
        say(f"the time column {settings['time_column']!r} orders the steps but is not written by generate: its dates'"
            " form cannot be read back from its values")
    elif settings["time_column"] is not None and options["resume"] and "time" not in family:
        say(f"the time column {settings['time_column']!r} is not written by generate: this run was trained before midigan"
            " wrote it back, and a resumed run keeps what it was trained with")
    if options["resume"] and family["columns"] != series_set.columns:  # the stored settings name channels by index
        raise click.ClickException(f"cannot resume {Path(run_dir) / 'checkpoints' / 'last.pt'}: it holds a series model with other"
                                   f" settings than this run's (channels {_listed(family['columns'])}; {data} has"
                                   f" {_listed(series_set.columns)}){_extra_channels(data, family, settings, series_set.columns)}")
    try:
        plan = plan_training(series_set, settings["length"], settings["seed"], **(stored_model(family) if options["resume"] else {}))
    except ValueError as error:
        raise click.ClickException(f"{data}: {error}") from None
    for line in plan.report:
        say(line)
    if plan.validation is None:
        settings["eval_every"] = 0
    config = TrainConfig.from_dict({**settings, "run_dir": run_dir, "progress": not settings["quiet"]})
    say(f"training into {run_dir}")
    result = fit(plan.family, plan.data, config, plan.validation, say=say)
    if main_process:
        calibrate_finished_run(result, plan.data, plan.validation, say)
    say_how_it_ended(result, say)
    say(f"new series: midigan series generate --model {result.run_dir} --count 100 out.csv")
    exit_if_interrupted(result)


@series.command()
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--model", "model_path", type=click.Path(exists=True, path_type=Path),
              help="Run folder or checkpoint file (default: the newest series run under runs/).")
@click.option("--count", type=click.IntRange(1, MAX_COUNT), default=100, show_default=True, help="Number of series.")
@click.option("--length", type=click.IntRange(2, MAX_LENGTH),
              help="Steps per series (default: lengths drawn from the training series'). A model of windows of one long"
                   " series can write one long series, e.g. --count 1 --length 10000.")
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed, same series.")
@click.option("--gaps", is_flag=True,
              help="Leave values missing as the training series did (each channel's gaps at its own rate and run"
                   " lengths); without it every value is written.")
@device_option
def generate(out: Path, model_path: Path | None, count: int, length: int | None, seed: int, gaps: bool, device: str) -> None:
    """Write --count new series to OUT, in the training data's units and column names: a folder
    (one CSV per series, series_0001.csv ...; such files from an earlier run there are removed), a
    .csv (long form, the series named in a first column called as the training data's --id column,
    or id, or series where a channel is called id) or an .npy array (series, steps, channels; NaN
    pads shorter series). CSVs carry the training data's --time column, with a typical training
    series' times."""
    from midigan.core.device import resolve_device
    from midigan.core.errors import CheckpointError
    from midigan.core.rundir import newest_run
    from midigan.series.generate import generate_series
    from midigan.series.step_noise import load_series
    from midigan.series.writing import output_problem, write_series

    if problem := output_problem(out):
        raise click.ClickException(problem)
    if model_path is None:
        model_path = newest_run(RUNS_ROOT, family=FAMILY)
        if model_path is None:
            raise click.ClickException(f"no series run under {RUNS_ROOT}/; train one or pass --model")
    try:
        torch_device = resolve_device(device)
        family, generator = load_series(model_path, torch_device)
    except (CheckpointError, ValueError) as error:
        raise click.ClickException(str(error)) from None
    if gaps and family.gaps is None:
        click.echo("the training series had no gaps: every value is written", err=True)
    written = generate_series(family, generator, count, seed=seed, length=length, device=torch_device, gaps=gaps)
    try:
        click.echo(write_series(written, family.columns, out, family.id_column, family.time))
    except OSError as error:
        raise click.ClickException(f"cannot write {error.filename or out}: {error.strerror}") from None


@series.command()
@click.argument("set_path", metavar="SET", type=click.Path(exists=True, path_type=str))
@click.option("--reference", required=True, type=click.Path(exists=True, path_type=str),
              help="Held-out real series (never trained on): the real side of every figure.")
@click.option("--train", "train_path", required=True, type=click.Path(exists=True, path_type=str),
              help="The real series the model was trained on: the ceiling, the baseline's data and the copy check.")
@click.option("--length", type=click.IntRange(min=2), default=24, show_default=True,
              help="Window length for inputs that are one long series.")
@id_option
@time_option
@click.option("--repeats", type=click.IntRange(min=1), default=10, show_default=True,
              help="Runs of the discriminative score averaged (TimeGAN: 10).")
@click.option("--discriminative-steps", type=click.IntRange(min=1), default=2000, show_default=True,
              help="Training steps of the post-hoc classifier (TimeGAN: 2000).")
@click.option("--predictive-steps", type=click.IntRange(min=1), default=5000, show_default=True,
              help="Training steps of the post-hoc predictor (TimeGAN: 5000).")
@click.option("--seed", type=int, default=0, show_default=True)
@json_option()
def evaluate(set_path: str, reference: str, train_path: str, length: int, id_column: str | None, time_column: str | None,
             repeats: int, discriminative_steps: int, predictive_steps: int, seed: int, json_path: Path | None) -> None:
    """Judge the synthetic series in SET against held-out real series: TimeGAN's discriminative
    and predictive scores, the autocorrelation difference and the copy check, with the real
    training series (the ceiling) and a VAR(2) baseline beside SET. Each input may take any form
    `midigan series train` reads; one long series is cut into windows of --length. --id applies to
    the CSV files among them, --time to those and to folders whose files have that column; a CSV
    `generate` wrote is read by its id column."""
    from midigan.frames import json_text
    from midigan.series.evaluation import Settings, evaluate_sets, format_table
    from midigan.series.reading import LONG
    from midigan.series.windows import cut_windows

    held_out_apart(reference, train_path)

    named = {}  # label -> the input's channel names, where it has them (an .npy array has none)
    windowed = set()  # the labels of inputs that are one long series, cut into windows of --length

    def windows(path: str, label: str) -> list:
        read = _read(*_evaluation_input(path, id_column, time_column))
        one_long = read.form == LONG or len(read.series) == 1  # one series, as `generate --count 1 --length 500` writes: windows
        cut = cut_windows(read.series, length) if one_long else read.series
        _refuse_too_few_to_score(label, path, len(cut), length, read.lengths[0] if one_long else None)
        if one_long:
            windowed.add(label)
        if Path(path).suffix.lower() != ".npy":
            named[label] = read.columns
        return cut

    candidate, held_out, training = windows(set_path, "SET"), windows(reference, "--reference"), windows(train_path, "--train")
    counts = {"SET": candidate[0].shape[1], "--reference": held_out[0].shape[1], "--train": training[0].shape[1]}
    if len(set(counts.values())) > 1:  # each input's count and names: "[2, 9]" left the user to guess which had which
        hint = "; --time names a column that orders the rows" if time_column is None else ""
        have = ", ".join(f"{label} has {count}" + (f" ({_listed(named[label])})" if label in named else "")
                         for label, count in counts.items())
        raise click.ClickException(f"SET, --reference and --train must have the same channels: {have}{hint}")
    labels = list(named)
    for label in labels[1:]:  # channels are compared by position: a rate scored against counts says nothing
        first, columns, other = labels[0], named[labels[0]], named[label]
        if other != columns:
            raise click.ClickException(f"SET, --reference and --train must have the same channels: {first} has"
                                       f" {_listed(columns)}, {label} has {_listed(other)}")
    _refuse_held_out_trained_on(reference, held_out, train_path, training)
    _say_if_lengths_differ(candidate, held_out, cut_to_length=length if "--reference" in windowed else None)
    figures = evaluate_sets({Path(set_path).name: candidate}, held_out, training,
                            Settings(repeats, discriminative_steps, predictive_steps, seed))
    click.echo(format_table(figures, f"{len(held_out)} held-out real series; each set cut to as many"))
    if json_path is not None:
        json_path.write_text(json_text(figures), encoding="utf-8")


def _say_if_lengths_differ(candidate: list, held_out: list, cut_to_length: int | None) -> None:
    """A line on stderr where every series of SET has one length and every held-out one another
    (`cut_to_length`: the --length the held-out series were cut to). Why: the classifier then tells
    them apart by length alone, and a --length other than the model's windows scored it as poor."""
    ours, theirs = {len(values) for values in candidate}, {len(values) for values in held_out}
    if len(ours) == 1 == len(theirs) and ours != theirs:
        hint = f" (--length {cut_to_length}); --length {next(iter(ours))} cuts them as long" if cut_to_length else ""
        click.echo(f"SET's series have {next(iter(ours))} steps and --reference's {next(iter(theirs))}{hint}: the"
                   " discriminative score tells them apart by length alone", err=True)


def _refuse_held_out_trained_on(reference: str, held_out: list, train_path: str, training: list) -> None:
    """A one-line error where most of --reference's series are --train's too (the same rows in
    another file or order): held-out figures would then read the training data, and the nearest
    ratio, a distance to the nearest training series, divides by 0."""
    trained = {values.tobytes() for values in training}
    shared = sum(values.tobytes() in trained for values in held_out)
    if shared > len(held_out) / 2:
        raise click.ClickException(f"{shared} of the {len(held_out)} series of --reference {reference} are series of --train"
                                   f" {train_path}: the reference must be held-out data, never trained on")


def _refuse_too_few_to_score(label: str, path: str, count: int, length: int, steps: int | None) -> None:
    """A one-line error where an evaluation input gives fewer than `MIN_SERIES` series or windows
    (`steps`: the one series' length where it was cut into windows of `length`): the discriminative
    score trains on part of them and tests on the rest, so one leaves a part empty."""
    from midigan.series.metrics import MIN_SERIES

    if count >= MIN_SERIES:
        return
    if steps is not None:
        given = f"{count} window{'s' * (count != 1)} (one series of {steps} steps, windows of {length})"
        remedy = f"; give a --length under {steps}" if steps > 2 else ""
    else:
        given, remedy = f"{count} series", ""
    raise click.ClickException(f"{label} {path} gives {given}: the discriminative score needs at least {MIN_SERIES}"
                               f" (its classifier trains on 80% of them and is tested on the rest){remedy}")
