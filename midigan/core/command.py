"""What every training command does around the engine: find the run to resume, fit with library errors
as one-line messages, say how it ended and what to run next, and exit as a Ctrl-C does when
interrupted; what every command that writes a file for each it reads does (`file_pairs`, `writing`);
and what table and series evaluate check of their inputs (`held_out_apart`). Only click and the standard
library are imported at module level."""

from __future__ import annotations

import sys
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    import torch

    from midigan.core.config import TrainConfig
    from midigan.core.family import GANFamily
    from midigan.core.schedule import TrainResult
    from midigan.core.validation import Validation


def held_out_apart(reference: str | Path, train: str | Path) -> None:
    """A one-line error where an evaluation's --reference names its --train: held-out data scored
    against the data the model learnt would read as a perfect model."""
    if Path(reference).resolve() == Path(train).resolve():
        raise click.ClickException(f"--reference and --train are both {reference}: the reference must be held-out data,"
                                   " never trained on")


def run_to_resume(run_dir: Path | None, root: Path, family: str, what: str) -> tuple[Path, dict]:
    """(`run_dir`, or the newest run of `family` under `root`; its config.json), or a one-line
    error naming `what` was looked for."""
    from midigan.core.rundir import newest_run, read_run_config

    run_dir = run_dir or newest_run(root, family=family)
    stored = read_run_config(run_dir) if run_dir is not None else None
    if stored is None or stored.get("family", {}).get("name") != family:
        raise click.ClickException(f"nothing to resume: {run_dir or root} holds no {what}")
    return run_dir, stored


def fit_for_command(family, data, settings: dict[str, Any], next_step: str, validation: Validation | None = None,
                    findings: Callable[[TrainResult], list[str]] | None = None, best_for: str = "generate") -> None:
    """Train `family` on `data` with `settings` (a TrainConfig's fields; others are ignored); then
    say how it ended as every training command does (`best_for`: the command that reads best.pt),
    what `findings` reads from the result (a family's own news: a warning) and `next_step`
    (formatted with `run_dir`). Under torchrun one process speaks."""
    from midigan.core.config import TrainConfig
    from midigan.core.distributed import detect_world
    from midigan.core.progress import print_news

    try:
        config = TrainConfig.from_dict(settings)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    main_process = detect_world().is_main
    result = fit(family, data, config, validation, say=print_news if main_process else lambda message: None)
    if main_process:
        say_how_it_ended(result, click.echo, best_for)
        for line in findings(result) if findings else []:
            click.echo(line)
        click.echo(next_step.format(run_dir=result.run_dir))
    exit_if_interrupted(result)


def fit(family: GANFamily, data: torch.Tensor | tuple[torch.Tensor, ...], config: TrainConfig,
        validation: Validation | None = None, artifacts: dict[str, torch.Tensor] | None = None,
        say: Callable[[str], None] | None = None) -> TrainResult:
    """`Trainer(...).fit()`, with what a user's run can meet (a training error, an unreadable
    checkpoint, a disk that refuses a write) as a one-line error."""
    from midigan.core.errors import CheckpointError, TrainingError
    from midigan.core.trainer import Trainer

    try:
        return Trainer(family, data, config, validation, artifacts, say).fit()
    except (TrainingError, CheckpointError, ValueError) as error:
        raise click.ClickException(str(error)) from None
    except OSError as error:
        raise click.ClickException(f"cannot write {error.filename}: {error.strerror}") from None


def say_how_it_ended(result: TrainResult, say: Callable[[str], None], best_for: str = "generate") -> None:
    """Each phase's steps, time and why it ended, why the run stopped, and its best checkpoint (the
    one `best_for` reads): the lines every training command ends with."""
    from midigan.core.schedule import STOP_REASONS

    for phase in result.phases:
        say(f"{phase.name}: {phase.steps} steps in {phase.seconds / 60:.1f} min, ended: {STOP_REASONS[phase.ended]}")
    say(f"stopped after {result.step} steps ({STOP_REASONS[result.stopped]}); run folder {result.run_dir}")
    if result.best_step is not None:
        say(f"best checkpoint: step {result.best_step} (checkpoints/best.pt, what {best_for} uses)")


def exit_if_interrupted(result: TrainResult) -> None:
    """Exit as a shell reports a Ctrl-C, so scripts can tell an interrupted run from a finished one."""
    if result.stopped == "interrupted":
        sys.exit(130)


def file_pairs(source: Path, out: Path, files_in: Callable[[Path], Iterable[Path]], suffixes: Collection[str],
               wrong_name: str) -> list[tuple[Path, Path]]:
    """(input, output) files for a command that writes one file for each it reads: SOURCE a file to
    OUT, or inside OUT where OUT is a folder, a name ending in one of `suffixes` (else a one-line
    error, `wrong_name` followed by OUT's name); SOURCE a folder: `files_in(SOURCE)` to the same
    paths under OUT, which must not be a file, nor a new name ending in one of `suffixes`."""
    if source.is_file():
        written = out / source.name if out.is_dir() else out
        if written.suffix.lower() not in suffixes:
            raise click.ClickException(f"{wrong_name}{out.name}")
        return [(source, written)]
    if out.is_file() or (not out.is_dir() and out.suffix.lower() in suffixes):  # (a folder named one.mid was made)
        raise click.ClickException(f"{source} is a folder, so OUT must be one too, and {out} {'is' if out.is_file() else 'names'} a file")
    return [(path, out / path.relative_to(source)) for path in files_in(source)]


@contextmanager
def writing(path: Path) -> Iterator[None]:
    """Make `path`'s folder for the file the block writes there; an OSError (a file where a folder
    must be, no permission) becomes one line."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        yield
    except OSError as error:
        raise click.ClickException(f"cannot write {path}: {error.strerror or type(error).__name__}") from None
