"""`midigan table`: synthetic tables (CSV, TSV, Parquet) from the same adversarial engine.

`train` learns a table, `generate` writes new rows (optionally `--where COL=VALUE`), `evaluate`
scores a synthetic table against held-out real rows with baselines beside it. Only click and the
standard library are imported here; pandas and torch load when a command runs.
"""

from __future__ import annotations

from pathlib import Path

import click

from midigan.core.command import held_out_apart
from midigan.core.options import device_option, json_option, quiet_option, run_settings

RUNS_ROOT = Path("runs")
FAMILY = "table-gan"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def table() -> None:
    """Synthetic tables: train on a CSV, generate rows like it, evaluate them against real ones."""


@table.command()
@click.argument("table_path", metavar="TABLE", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--run-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where the run is written. Default: runs/<table name>-N.",
)
@click.option(
    "--max-minutes",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Training time: 60% for the VAE warm start (less if it stops improving), the rest adversarial."
    "  [default: 10, none with --max-steps alone]",
)
@click.option("--max-steps", type=click.IntRange(min=1), default=None, help="Stop after this many generator steps.")
@click.option(
    "--pretrain-steps",
    type=click.IntRange(min=0),
    default=None,
    help="At most this many VAE warm-start steps.  [default: until validation stops improving or 60% of the"
    " time; 60% of --max-steps without a time budget]",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed, same table, same model.")
@click.option(
    "--categorical",
    multiple=True,
    metavar="COL",
    help="Treat this column as a category even if its values are numbers (repeat for more).",
)
@click.option("--resume", is_flag=True, help="Continue the run in --run-dir (default: the newest run of this table) exactly.")
@click.option(
    "--batch-size",
    type=click.IntRange(min=10),
    default=500,
    show_default=True,
    help="Rows per batch (a multiple of 10: the discriminator judges packs of 10 rows).",
)
@click.option(
    "--eval-every",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="Steps between validations (fresh rows against the training rows) that choose best.pt.",
)
@device_option
@quiet_option
def train(
    table_path: Path,
    run_dir: Path | None,
    max_minutes: float | None,
    max_steps: int | None,
    pretrain_steps: int | None,
    seed: int,
    categorical: tuple[str, ...],
    resume: bool,
    batch_size: int,
    eval_every: int,
    device: str,
    quiet: bool,
) -> None:
    """Learn the table in TABLE (.csv with any common delimiter, .tsv or .parquet).

    Each column's kind is inferred (number, integer, category, boolean, date/time; IDs are not
    modelled and are written fresh, free text and all-missing columns are left out) and said in
    the log. A VAE warm start, then a conditional WGAN-GP with packed rows; checkpoints/best.pt is
    the step whose fresh rows came closest to the training rows' column shapes and pair trends
    without lying closer to them than real rows do.
    """
    from midigan.core.command import exit_if_interrupted, fit, say_how_it_ended
    from midigan.core.config import TrainConfig
    from midigan.core.device import resolve_device
    from midigan.core.distributed import detect_world
    from midigan.core.progress import print_news
    from midigan.core.rundir import newest_run, next_run_dir, read_run_config
    from midigan.table.copula import calibrate_finished_run
    from midigan.table.errors import TableError
    from midigan.table.reading import read_table
    from midigan.table.training import check_batch, plan_table, train_settings

    main_process = detect_world().is_main
    say = print_news if main_process else (lambda message: None)
    try:
        resolve_device(device)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    prefix = table_path.stem or "table"
    if run_dir is None:
        run_dir = newest_run(RUNS_ROOT, prefix) if resume else next_run_dir(RUNS_ROOT, prefix)
        if run_dir is None:
            raise click.ClickException(f"nothing to resume: no {RUNS_ROOT}/{prefix}-<n> folder")
    stored = None
    if resume:
        stored = read_run_config(run_dir)
        if (
            stored is None
            or stored.get("family", {}).get("name") != FAMILY
            or not (run_dir / "checkpoints" / "last.pt").is_file()
        ):
            raise click.ClickException(f"nothing to resume in {run_dir}: it holds no midigan table run")
        if categorical:
            raise click.ClickException("a resumed run keeps the kinds it was trained with; leave out --categorical")
    context = click.get_current_context()
    if stored is not None:  # settings a run from an older midigan did not record were their defaults then
        settings = run_settings(context, stored={**TrainConfig().to_dict(), **stored["train"]}, run=run_dir)
    else:
        typed = run_settings(context)
        settings = {**train_settings(typed["max_minutes"], typed["max_steps"], batch_size=batch_size, eval_every=eval_every),
                    "seed": seed}
        if pretrain_steps is not None:
            settings["pretrain_steps"] = pretrain_steps
    try:
        frame = read_table(table_path, text_columns=categorical, spelled_booleans=True)
        plan = plan_table(frame, categorical, seed, family_config=stored["family"]["config"] if stored else None)
        check_batch(settings["batch_size"], plan.family)
    except TableError as error:
        raise click.ClickException(str(error)) from None
    say(f"read {table_path}:")
    for line in plan.report:
        say(line)
    config = TrainConfig.from_dict(
        {
            **settings,
            "run_dir": str(run_dir),
            "device": device,
            "resume": resume,
            "progress": not quiet,
        }
    )
    say(f"training into {run_dir}")
    result = fit(plan.family, plan.data, config, plan.validation, plan.artifacts, say)
    if main_process:
        calibrate_finished_run(result, plan.validation, say)
    say_how_it_ended(result, say)
    say(f"new rows: midigan table generate --model {result.run_dir} --rows {len(frame)} synthetic.csv")
    exit_if_interrupted(result)


@table.command()
@click.option(
    "--model",
    "model_path",
    type=click.Path(exists=True, path_type=Path),
    default=None,
    help="Run folder or checkpoint file. Default: the newest table run under runs/.",
)
@click.option("--rows", type=click.IntRange(min=1), required=True, help="Number of rows to write.")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed, same rows.")
@click.option(
    "--where",
    multiple=True,
    metavar="COL=VALUE",
    help="Only rows with this category (or boolean, or few-valued number); repeat for several.",
)
@click.option(
    "--no-guard",
    is_flag=True,
    help="Keep rows equal or abnormally close to a rare training row (the copy guards draw them again).",
)
@click.option("--device", default="cpu", show_default=True, help="auto, cpu, cuda, cuda:N or mps.")
def generate(
    model_path: Path | None, rows: int, out: Path, seed: int, where: tuple[str, ...], no_guard: bool, device: str
) -> None:
    """Write ROWS new rows to OUT (.csv, .tsv or .parquet) with the training table's columns,
    kinds, value ranges and gaps.

    The copy guards (on by default) draw again any row equal to a training row that fewer than 5
    training rows share (where the table's rows repeat, all but as many as new real rows hold: the
    training log says how many), and any row abnormally close to one (the same states and the same
    slice of every number's training ranks, slices as fine as real rows need to rarely trip it; the
    training log says which); --where rows are conditioned on and checked, so every row meets them.
    """
    from midigan.table.api import load_run
    from midigan.table.errors import TableError
    from midigan.table.reading import check_writable, write_table

    try:
        check_writable(out)
    except TableError as error:
        raise click.ClickException(str(error)) from None
    model = _load(model_path, device, load_run)
    try:
        generated = model.generate(rows, seed=seed, where=where, guard=not no_guard)
        write_table(generated.frame, out, model.family.encoding.columns)
    except TableError as error:
        raise click.ClickException(str(error)) from None
    guard = (
        "copy guards off"
        if no_guard
        else f"{generated.refused_copies} rows equal and {generated.refused_near} abnormally close to a rare training row"
        " drawn again"
    )
    asked = f"; {generated.unmet} drawn rows missed --where" if where else ""
    click.echo(f"wrote {rows} rows to {out} ({guard}{asked})")


@table.command()
@click.argument("synthetic", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--reference",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="Held-out real rows the model never saw: what every set is scored against.",
)
@click.option(
    "--train",
    "train_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="The training rows: kinds, baselines, copies and nearness are read from them.",
)
@click.option("--target", default=None, metavar="COL", help="Column to predict for train-on-synthetic, test-on-real.")
@click.option("--categorical", multiple=True, metavar="COL", help="Treat this column as a category (as in training).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the baselines, subsamples and classifiers.")
@json_option()
def evaluate(
    synthetic: Path,
    reference: Path,
    train_path: Path,
    target: str | None,
    categorical: tuple[str, ...],
    seed: int,
    json_path: Path | None,
) -> None:
    """Score the SYNTHETIC table against held-out real rows, with baselines and real rows beside it.

    Columns: SDMetrics' column shapes and column pair trends (1 is best); two-sample accuracy of a
    gradient-boosted classifier telling the set from held-out rows (0.5 is indistinguishable);
    train-on-this, test-on-held-out accuracy or R2 for --target; the share of rows nearer a training
    row than any held-out row (0.5: no memorising) and the share that copy a training row exactly.
    Rows: the synthetic set, each column drawn independently from the training rows, a Gaussian
    copula, and real rows: the training rows' quality against the held-out ones, and the held-out
    rows' own nearness and copies (the ceiling).
    """
    from midigan.frames import json_text
    from midigan.table.errors import TableError
    from midigan.table.evaluation import evaluate_tables, format_report
    from midigan.table.reading import read_table

    held_out_apart(reference, train_path)
    try:
        frames = [read_table(path, text_columns=categorical, spelled_booleans=True, needed_by="an evaluation")
                  for path in (synthetic, reference, train_path)]
        report = evaluate_tables(*frames, target=target, categorical=categorical, seed=seed, name=synthetic.name)
    except TableError as error:
        raise click.ClickException(str(error)) from None
    for line in report.notes:
        click.echo(line, err=True)
    click.echo(format_report(report))
    if json_path:
        json_path.write_text(json_text(report.to_dict()), encoding="utf-8")


def _load(model_path: Path | None, device: str, load_run):
    from midigan.core.errors import CheckpointError
    from midigan.core.rundir import newest_run

    if model_path is None:
        model_path = newest_run(RUNS_ROOT, family=FAMILY)
        if model_path is None:
            raise click.ClickException(f"no table run under {RUNS_ROOT}/; train one or pass --model")
    try:
        return load_run(model_path, device)
    except (CheckpointError, ValueError) as error:
        raise click.ClickException(str(error)) from None
