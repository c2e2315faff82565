"""The options every training command shares, and the one rule that turns a command's options into a
run's settings.

Why one rule: four commands each merged defaults, stored settings and typed options their own way,
and differed on what a resumed run may change (one refused a changed --size, another merged a
changed --hidden without a word). Now every command does this: a new run takes what the user
typed, else the family's recipe; a resumed run takes what the user typed, else what it was trained
with, and refuses, in one line, a typed change to a setting that defines the model or the course
of training. Budgets, logging, the device and the progress display may change on resume.
Only click is imported here, so `--help` stays fast.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from midigan.core.config import LOSS_NAMES, RUN_DEFINING

#: what describes this invocation, not the run: a resumed run never takes these from its stored settings
INVOCATION = ("device", "quiet", "progress", "resume", "run_dir")

device_option = click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda, cuda:N or mps.")
quiet_option = click.option("--quiet", is_flag=True, help="No progress bar (a log file or pipe gets plain lines anyway).")


def max_minutes_option(default: float | None = None, help: str = "Stop after this much training time (alone, it is the whole budget)."):
    """--max-minutes: a time budget, with this command's default."""
    return click.option("--max-minutes", type=click.FloatRange(min=0, min_open=True), default=default,
                        show_default=default is not None, help=help)


def max_steps_option(default: int | None = None, unit: str = "steps"):
    """--max-steps with this command's default (a time budget alone replaces it)."""
    shown = f"{default}; none with --max-minutes" if default is not None else False
    return click.option("--max-steps", type=click.IntRange(min=1), default=default, show_default=shown,
                        help=f"Stop after this many {unit}.")


def loss_option(default: str | None, shown: str | bool = True):
    """--loss with this command's default (`shown` for one that depends on the family)."""
    return click.option("--loss", type=click.Choice(LOSS_NAMES), default=default, show_default=shown, help="Adversarial loss.")


def json_option(help: str = "Also write the figures here as JSON."):
    """--json FILE: its folder is made, and a path no file can take is refused before any work is
    done (the evaluations it follows take minutes)."""
    return click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), callback=_file_to_write,
                        help=help)


def _file_to_write(context: click.Context, parameter: click.Parameter, path: Path | None) -> Path | None:
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError:  # a file where a folder must be
            raise click.ClickException(f"cannot write {path}: {path.parent} is not a folder") from None
    return path


def typed(context: click.Context) -> set[str]:
    """The options the user gave (on the command line or in the environment), not left at their defaults."""
    return {name for name in context.params
            if context.get_parameter_source(name) not in (ParameterSource.DEFAULT, ParameterSource.DEFAULT_MAP)}


def run_settings(context: click.Context, recipe: dict[str, Any] | None = None, stored: dict[str, Any] | None = None,
                 kept: Iterable[str] = (), run: Path | str | None = None) -> dict[str, Any]:
    """The settings a run trains with, from the command's options (`context.params`).

    A new run (`stored` None): what the user typed, else `recipe` (defaults that depend on the
    family or the data), else the option's own default; a time budget typed alone is the whole
    budget. A resumed run: what the user typed, else `stored` (what `run` was trained with; never
    its INVOCATION settings); a typed value of a setting in `kept` or RUN_DEFINING that differs
    from the stored one is refused with a one-line error."""
    params, given = dict(context.params), typed(context)
    if stored is None:
        settings = {**params, **{name: value for name, value in (recipe or {}).items() if name not in given}}
        if "max_minutes" in given and "max_steps" not in given:
            settings["max_steps"] = None
        return settings
    for name in (*kept, *RUN_DEFINING):
        if name in given and name in stored and not _same(params[name], stored[name]):
            raise click.ClickException(f"{run} was trained with --{name.replace('_', '-')} {_shown(stored[name])}; "
                                       "a resumed run keeps it")
    return {**params, **{name: value for name, value in stored.items() if name not in given and name not in INVOCATION}}


def _same(typed_value: Any, stored_value: Any) -> bool:
    """Equal as the command line would spell them ("32" and 32 are the same size; (a, b) and [a, b] the same pair)."""
    if isinstance(typed_value, (list, tuple)) and isinstance(stored_value, (list, tuple)):
        return [str(v) for v in typed_value] == [str(v) for v in stored_value]
    if isinstance(typed_value, (int, float)) and isinstance(stored_value, (int, float)) and not isinstance(typed_value, bool):
        return float(typed_value) == float(stored_value)
    return str(typed_value) == str(stored_value)


def _shown(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
