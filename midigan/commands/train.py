"""`midigan train SONGS_DIR`: learn to write tunes like the ones in a folder."""

from __future__ import annotations

import shlex
import sys
import time
from pathlib import Path

import click

from midigan.core.options import device_option, loss_option, max_minutes_option, max_steps_option, quiet_option, run_settings, typed

PARTS_CHOICES = ("auto", "melody", "all")
MODEL_SETTINGS = ("parts", "meter", "window", "hidden", "layers", "dropout")  # what defines the model: a resumed run keeps them
DEFAULT_MINUTES = 30.0
FALLBACK_PRETRAIN_STEPS = 2000  # without validation nor a time budget, pretraining needs an end
END_MARGIN = 0.02  # share of the time budget kept for the last step, samples and checkpoint
#: the most of the budget kept for calibrating the sampling after training: its time is read from one draw
#: before training, times as many draws as it makes (96 for a melody's balance), and a machine busy with
#: other work at that moment once took a 3-minute run's whole budget but its floor (0.3 minutes, 6 steps)
MAX_RESERVED_SHARE = 0.1


def _skipped_files(errors: dict[str, str], reasons: dict[str, int], shown: int = 5) -> list[str]:
    """A line for each file left out, with its reason (the first `shown`; then the count by reason)."""
    lines = [f"skipped {path}: {reason}" for path, reason in list(errors.items())[:shown]]
    if len(errors) > shown:
        counted = ", ".join(f"{count} {reason}" for reason, count in sorted(reasons.items(), key=lambda item: -item[1]))
        lines.append(f"skipped {len(errors) - shown} more files (of all skipped: {counted})")
    return lines


def _meter(value: str | None) -> tuple[int, int] | None:
    from midigan.song import parse_meter

    try:
        return None if value is None else parse_meter(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


@click.command()
@click.argument("songs_dir", type=click.Path(file_okay=False, path_type=str))
@click.option("--run-dir", help="Run folder to write (default: runs/<folder name>-<n>).")
@max_minutes_option(DEFAULT_MINUTES, "Time budget: pretraining takes at most 60% of it (80% for parts), adversarial training the rest.")
@max_steps_option(unit="generator steps")
@click.option("--pretrain-steps", type=click.IntRange(min=0),
              help="At most this many maximum-likelihood steps before the adversarial ones "
                   "(default: until the validation stops improving, or 60% of the time budget).")
@click.option("--patience", type=click.IntRange(min=0), default=5, show_default=True,
              help="A phase ends after this many validations without improvement (0: never).")
@click.option("--eval-every", type=click.IntRange(min=1), default=100, show_default=True,
              help="Steps between validations on the held-out tunes (25 for parts).")
@click.option("--adversarial/--likelihood-only", default=True, show_default=True,
              help="--likelihood-only ends the run with pretraining (a baseline without adversarial steps).")
@click.option("--resume", is_flag=True, help="Continue the run in --run-dir (default: the newest run of this folder).")
@click.option("--from", "start_from", metavar="NAME|RUN", default="auto", show_default=True,
              help="Start from a shipped model (e.g. melodies) or an earlier run's best checkpoint, adapted to this folder "
                   "(its pitches, durations and meter mapped, a model of parts its parts by name or register; its size kept); "
                   "none: from scratch; auto: from the shipped melodies model for a melody folder of under 20,000 "
                   "training notes (about 300 tunes), from the shipped parts model for a folder of parts of under 35,000, "
                   "else none.")
@device_option
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--batch-size", type=click.IntRange(min=1), default=64, show_default=True, help="Examples per step (32 for parts).")
@loss_option("ns")
@click.option("--d-steps", type=click.IntRange(min=1), default=1, show_default=True, help="Discriminator updates per generator update.")
@click.option("--g-lr", type=float, default=1e-3, show_default=True, help="Generator learning rate while pretraining.")
@click.option("--adversarial-g-lr", type=float, default=1e-4, show_default=True,
              help="Generator learning rate in the adversarial phase.")
@click.option("--d-lr", type=float, default=2e-4, show_default=True, help="Discriminator learning rate.")
@click.option("--r1-gamma", type=click.FloatRange(min=0), default=1.0, show_default=True,
              help="R1 penalty on the discriminator's gradient at real tunes (0: none).")
@click.option("--weight-decay", type=click.FloatRange(min=0), default=0.01, show_default=True,
              help="Decoupled weight decay of the generator.")
@click.option("--parts", type=click.Choice(PARTS_CHOICES), default="auto", show_default=True,
              help="Learn each piece's melody, or all its parts (auto: all when most pieces share two or more parts).")
@click.option("--meter", help="Train on tunes in this meter or one with the same bars, e.g. 6/8 (default: the folder's most common).")
@click.option("--window", type=click.IntRange(min=4),
              help="Length of a training example: notes of a melody (default 64), 16th notes of parts (default 8 bars).")
@click.option("--hidden", type=click.IntRange(min=8), help="LSTM size of the generator (default: by the number of notes).")
@click.option("--layers", type=click.IntRange(min=1, max=4), help="LSTM layers of the generator (default: by the number of notes).")
@click.option("--dropout", type=click.FloatRange(0, 1, max_open=True), help="Generator dropout (default: by the number of notes).")
@click.option("--sample-every", type=click.IntRange(min=1), default=500, show_default=True, help="Steps between sample tunes.")
@click.option("--checkpoint-every", type=click.IntRange(min=1), default=500, show_default=True, help="Steps between checkpoints.")
@quiet_option
def train(songs_dir: str, **options) -> None:
    """Train a GAN on the MIDI files in SONGS_DIR (searched recursively): on their melodies, or on
    all their parts when most pieces share several (chorales, quartets, band arrangements).

    Tunes in meters with equal bars (4/4 and 2/2) train together; a tenth of the tunes is held
    out to judge the run. Music is moved to C major / A minor. The generator learns by maximum
    likelihood until the validation stops improving (fresh tunes against the training tunes for
    melodies, the held-out pieces' likelihood for parts), then against a discriminator from its
    best weights. The run folder gets checkpoints (best.pt, chosen on the held-out tunes, and
    last.pt), metrics.jsonl, sample tunes and a loss plot. A model of parts then chooses how much
    of its probability to sample from, by how close its pieces come to the training pieces; a
    melody model balances how often it draws each duration against the training tunes.
    """
    started = time.monotonic()
    from midigan.core.command import exit_if_interrupted, fit, say_how_it_ended
    from midigan.core.config import TrainConfig
    from midigan.core.device import resolve_device
    from midigan.core.distributed import detect_world
    from midigan.core.progress import print_news
    from midigan.core.rundir import newest_run, next_run_dir
    from midigan.midi.dataset import DatasetError, prepare
    from midigan.music.errors import EncodingError
    from midigan.music.headstart import NONE, plan_run
    from midigan.music.planning import ModelSize, choose_parts

    # under torchrun every process runs this command; one of them speaks
    main_process = detect_world().is_main
    say = print_news if main_process else lambda message: None
    folder = Path(songs_dir)
    if not folder.is_dir():
        raise click.ClickException(f"{songs_dir} is not a folder")
    try:
        resolve_device(options["device"])  # a missing GPU fails now, not after reading the songs
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    prefix = folder.resolve().name or "songs"
    run_dir, resume = options["run_dir"], options["resume"]
    if run_dir is None:
        found = newest_run("runs", prefix) if resume else None
        if resume and found is None:
            raise click.ClickException(f"nothing to resume: no runs/{prefix}-<n> folder")
        run_dir = str(found if found is not None else next_run_dir("runs", prefix))
    context = click.get_current_context()
    if resume:
        if not (Path(run_dir) / "checkpoints" / "last.pt").is_file():
            raise click.ClickException(f"nothing to resume in {run_dir}: it has no checkpoints/last.pt")
        stored = _stored_run(Path(run_dir))
        family = stored["family"]
        size = ModelSize.of_run(family["config"])  # the resumed run's model, whatever the folder says now
        # settings a run from an older midigan did not record were their defaults then
        trained = {**TrainConfig().to_dict(), **stored["train"], "parts": "melody" if family["name"] == "music-seq" else "all",
                   "meter": "/".join(map(str, family["config"]["vocabulary"]["meter"])), "window": size.window,
                   "hidden": size.hidden, "layers": size.layers, "dropout": size.dropout}
        # a run whose folder held no piece out trained with --eval-every 0 whatever was typed, so the
        # same command must resume it; whether the folder holds pieces out is known once it is planned
        unsettled_validation = trained["eval_every"] == 0 and "eval_every" in typed(context)
        if unsettled_validation:
            trained["eval_every"] = context.params["eval_every"]
        settings = run_settings(context, stored=trained, kept=MODEL_SETTINGS, run=run_dir)
        if "start_from" in typed(context) and context.params["start_from"] != NONE:  # none starts from nothing: the same command resumes
            raise click.ClickException(f"{run_dir} continues from its own checkpoint: --from starts a new run")
        settings["start_from"] = NONE  # its weights are in its checkpoint
    else:
        settings = run_settings(context)
        unsettled_validation = False
        size = ModelSize(settings["window"], settings["hidden"], settings["dropout"], settings["layers"])
    try:
        prepared = prepare(folder, progress=not settings["quiet"] and main_process)
        songs = prepared.songs
        parts = choose_parts(songs) if settings["parts"] == "auto" else settings["parts"]
        if parts == "all" and not resume:  # a resumed run keeps what it was trained with
            from midigan.music.parts.model import PolyFamily

            settings.update({name: value for name, value in PolyFamily.recipe.items() if name not in typed(context)})
        plan = plan_run(songs, parts, _meter(settings["meter"]), size, settings["start_from"])
    except (DatasetError, EncodingError) as error:
        raise click.ClickException(str(error)) from None
    except ValueError as error:
        raise click.ClickException(f"no usable tune in {songs_dir}: {error}") from None
    except OSError as error:
        raise click.ClickException(f"cannot write the dataset cache {error.filename}: {error.strerror}") from None
    for line in [*_skipped_files(prepared.errors, prepared.summary.skipped), *plan.report]:
        say(line)
    validation = plan.validation
    if resume and unsettled_validation and validation is not None and settings["eval_every"]:
        raise click.ClickException(f"{run_dir} was trained with --eval-every 0; a resumed run keeps it")
    if settings["pretrain_steps"] is None:
        settings["pretrain_steps"] = 10**9 if validation is not None or settings["max_minutes"] else FALLBACK_PRETRAIN_STEPS
    if settings["max_minutes"] is not None and validation is not None and main_process:
        from midigan.music.calibration import calibration_seconds

        reserved = calibration_seconds(validation)
    else:
        reserved = 0.0
    config = TrainConfig.from_dict({
        **settings,
        "max_minutes": _training_minutes(settings["max_minutes"], time.monotonic() - started, reserved),
        "run_dir": run_dir,
        "progress": not settings["quiet"],
        "log_every": min(50, settings["sample_every"]),
        "pretrain_time_share": plan.family.pretrain_time_share if settings["adversarial"] else None,
        "eval_every": settings["eval_every"] if validation is not None else 0,
    })
    say(f"training into {run_dir}")
    result = fit(plan.family, plan.data, config, validation, plan.artifacts, say)
    say_how_it_ended(result, say)
    from midigan.core.checkpoint import BEST, checkpoint_path
    from midigan.music.calibration import calibrate_sampling, calibrated

    best = checkpoint_path(result.run_dir, BEST)  # a run resumed from the first format may have none
    interrupted = result.stopped == "interrupted"
    # a run stopped by Ctrl-C calibrates too, unless its best.pt already is: a best.pt it wrote holds
    # the plan's artifacts only, and a resumed run's new one lost what its finished run had stored
    if best.exists() and validation is not None and main_process and not (interrupted and calibrated(best)):  # one process writes it
        if interrupted:
            say("calibrating the sampling of the best checkpoint before stopping (Ctrl-C again stops at once)")
        try:
            say(calibrate_sampling(best, validation))
        except KeyboardInterrupt:  # was click's bare "Aborted!" (exit 1), the checkpoints silently uncalibrated
            # resumed at the step it reached, the run trains no further and goes straight to calibrating
            again = shlex.join(["midigan", "train", songs_dir, "--resume", "--run-dir", str(result.run_dir),
                                "--max-steps", str(result.step)])
            say(f"interrupted while calibrating the sampling: the checkpoints are saved without it ({again} calibrates them)")
            sys.exit(130)
    elif validation is None and parts != "all" and not interrupted and main_process:
        say("durations not balanced against the training tunes: that needs held-out tunes to judge the run")
    say(f"new music: midigan generate --model {result.run_dir} --bars 16 out.mid")
    exit_if_interrupted(result)


def _training_minutes(budget: float | None, spent: float, reserved: float) -> float | None:
    """The trainer's share of the budget: what reading the folder and planning have left, less
    what calibrating the sampling (a share, a duration balance) will take after training
    (`reserved` seconds, at most MAX_RESERVED_SHARE of the budget), less a margin for the last
    checkpoint; at least a tenth of the budget."""
    if budget is None:
        return None
    left = 60 * budget * (1 - END_MARGIN) - spent - min(reserved, MAX_RESERVED_SHARE * 60 * budget)
    return max(left, 6 * budget) / 60


def _stored_run(run_dir: Path) -> dict:
    """The config.json of a run folder, as the engine wrote it."""
    from midigan.core.rundir import read_run_config

    stored = read_run_config(run_dir)
    if stored is None:
        raise click.ClickException(f"cannot resume {run_dir}: no readable config.json there")
    return stored
