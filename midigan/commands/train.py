"""`midigan train SONGS_DIR`: learn to write tunes like the ones in a folder."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from click.core import ParameterSource

from midigan.core.config import LOSS_NAMES

DEFAULT_MINUTES = 30.0
PRETRAIN_TIME_SHARE = 0.6
FALLBACK_PRETRAIN_STEPS = 2000  # without validation nor a time budget, pretraining needs an end


def _meter(value: str | None) -> tuple[int, int] | None:
    from midigan.song import parse_meter

    try:
        return None if value is None else parse_meter(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


@click.command()
@click.argument("songs_dir", type=click.Path(file_okay=False, path_type=str))
@click.option("--run-dir", help="Run folder to write (default: runs/<folder name>-<n>).")
@click.option("--max-minutes", type=click.FloatRange(min=0, min_open=True), default=DEFAULT_MINUTES, show_default=True,
              help="Time budget: pretraining takes at most 60% of it, adversarial training the rest.")
@click.option("--max-steps", type=click.IntRange(min=1), help="Stop after this many generator steps.")
@click.option("--pretrain-steps", type=click.IntRange(min=0),
              help="At most this many maximum-likelihood steps before the adversarial ones "
                   "(default: until held-out tunes stop improving, or 60% of the time budget).")
@click.option("--patience", type=click.IntRange(min=0), default=5, show_default=True,
              help="A phase ends after this many validations without improvement (0: never).")
@click.option("--eval-every", type=click.IntRange(min=1), default=100, show_default=True,
              help="Steps between validations on the held-out tunes.")
@click.option("--adversarial/--likelihood-only", default=True, show_default=True,
              help="--likelihood-only ends the run with pretraining (a baseline without adversarial steps).")
@click.option("--resume", is_flag=True, help="Continue the run in --run-dir (default: the newest run of this folder).")
@click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda, cuda:N or mps.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--batch-size", type=click.IntRange(min=1), default=64, show_default=True)
@click.option("--loss", type=click.Choice(LOSS_NAMES), default="ns", show_default=True, help="Adversarial loss.")
@click.option("--d-steps", type=click.IntRange(min=1), default=1, show_default=True, help="Discriminator updates per generator update.")
@click.option("--g-lr", type=float, default=1e-3, show_default=True, help="Generator learning rate while pretraining.")
@click.option("--adversarial-g-lr", type=float, default=1e-4, show_default=True,
              help="Generator learning rate in the adversarial phase.")
@click.option("--d-lr", type=float, default=2e-4, show_default=True, help="Discriminator learning rate.")
@click.option("--r1-gamma", type=click.FloatRange(min=0), default=0.0, show_default=True,
              help="R1 penalty on the discriminator's gradient at real tunes (0: none).")
@click.option("--weight-decay", type=click.FloatRange(min=0), default=0.01, show_default=True,
              help="Decoupled weight decay of the generator.")
@click.option("--meter", help="Train on tunes in this meter or one with the same bars, e.g. 6/8 (default: the folder's most common).")
@click.option("--window", type=click.IntRange(min=4), default=64, show_default=True, help="Notes per training example.")
@click.option("--hidden", type=click.IntRange(min=8), help="LSTM size of the generator (default: by the number of notes).")
@click.option("--dropout", type=click.FloatRange(0, 1, max_open=True), help="Generator dropout (default: by the number of notes).")
@click.option("--sample-every", type=click.IntRange(min=1), default=500, show_default=True, help="Steps between sample tunes.")
@click.option("--checkpoint-every", type=click.IntRange(min=1), default=500, show_default=True, help="Steps between checkpoints.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def train(songs_dir: str, run_dir: str | None, meter: str | None, window: int, hidden: int | None, dropout: float | None,
          quiet: bool, **settings) -> None:
    """Train a tune GAN on the MIDI files in SONGS_DIR (searched recursively).

    Tunes in meters with equal bars (4/4 and 2/2) train together; a tenth of the tunes is held
    out to judge the run. Each melody is moved to C major / A minor and cut into windows of notes.
    The generator learns by maximum likelihood until the held-out tunes stop improving, then
    against a discriminator from its best weights. The run folder gets checkpoints (best.pt,
    chosen on the held-out tunes, and last.pt), metrics.jsonl, sample tunes and a loss plot.
    """
    import torch

    from midigan.core.config import TrainConfig
    from midigan.core.device import resolve_device
    from midigan.core.distributed import detect_world
    from midigan.core.errors import CheckpointError, TrainingError
    from midigan.core.rundir import newest_run, next_run_dir
    from midigan.core.trainer import RUN_DEFINING, STOP_REASONS, Trainer
    from midigan.dataset import DatasetError, prepare
    from midigan.music.capacity import capacity_for
    from midigan.music.encoding import EncodingError, describe, encode_songs
    from midigan.music.form import Forms
    from midigan.music.model import MusicSeqFamily
    from midigan.music.training import generation_artifacts, music_validation, select_tunes_for_training

    # under torchrun every process runs this command; one of them speaks
    main_process = detect_world().is_main
    say = _printer() if main_process else lambda message: None
    folder = Path(songs_dir)
    if not folder.is_dir():
        raise click.ClickException(f"{songs_dir} is not a folder")
    try:
        resolve_device(settings["device"])  # a missing GPU fails now, not after reading the songs
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    prefix = folder.resolve().name or "songs"
    if run_dir is None:
        found = newest_run("runs", prefix) if settings["resume"] else None
        if settings["resume"] and found is None:
            raise click.ClickException(f"nothing to resume: no runs/{prefix}-<n> folder")
        run_dir = str(found if found is not None else next_run_dir("runs", prefix))
    family_settings = None
    if settings["resume"]:
        if not (Path(run_dir) / "checkpoints" / "last.pt").is_file():
            raise click.ClickException(f"nothing to resume in {run_dir}: it has no checkpoints/last.pt")
        # what the command line leaves unsaid, the run being continued already decided
        context = click.get_current_context()
        given = {name for name in context.params if context.get_parameter_source(name) is not ParameterSource.DEFAULT}
        trained = _stored_run(Path(run_dir))
        settings.update({name: trained["train"][name] for name in RUN_DEFINING if name in settings and name not in given})
        family_settings = trained["family"]["config"]
        window = window if "window" in given else family_settings["window"]
        meter = meter if "meter" in given else "/".join(map(str, family_settings["vocabulary"]["meter"]))
    try:
        prepared = prepare(folder, progress=not quiet and main_process)
        selection = select_tunes_for_training(prepared.songs, _meter(meter))
        encoded = encode_songs(selection.train, window=window, meter=selection.pool.meter)
        held_out = encode_songs(selection.validation, window=window, vocabulary=encoded.vocabulary) if selection.validation else None
    except (DatasetError, EncodingError) as error:
        raise click.ClickException(str(error)) from None
    except ValueError as error:
        raise click.ClickException(f"no usable tune in {songs_dir}: {error}") from None
    except OSError as error:
        raise click.ClickException(f"cannot write the dataset cache {error.filename}: {error.strerror}") from None
    vocabulary = encoded.vocabulary
    say(selection.describe())
    say(f"{encoded.n_tunes} training tunes -> {len(encoded.windows)} windows of {window} notes"
        f" (left out: {describe({k: v for k, v in encoded.skipped.items() if not k.startswith('in ')})})")

    notes = sum(len(song.melody().notes) for song in selection.train)
    size = capacity_for(notes)
    hidden = hidden or size.hidden
    dropout = size.dropout if dropout is None else dropout
    if family_settings is not None:  # the resumed run's model, whatever the folder says now
        hidden, dropout, layers = family_settings["hidden"], family_settings.get("dropout", 0.0), family_settings["layers"]
    else:
        layers = size.layers
    family = MusicSeqFamily(vocabulary, window=window, hidden=hidden, layers=layers, dropout=dropout)
    say(f"model: LSTM {layers}x{hidden}, dropout {dropout:g}, for {notes} training notes")

    melodies = [song.melody() for song in selection.train]
    artifacts = generation_artifacts(melodies)
    family.forms = Forms.from_artifacts(artifacts)
    validation = None
    if held_out is not None:
        validation = music_validation(family, torch.from_numpy(held_out.windows), melodies,
                                      [song.melody() for song in selection.validation], family.forms)
        say(f"held-out tunes copy {validation.real_copy_rate:.1%} of their 8-note phrases from the training tunes")
    if settings["pretrain_steps"] is None:
        settings["pretrain_steps"] = 10**9 if validation is not None or settings["max_minutes"] else FALLBACK_PRETRAIN_STEPS
    config = TrainConfig(
        run_dir=run_dir,
        progress=not quiet,
        log_every=min(50, settings["sample_every"]),
        pretrain_time_share=PRETRAIN_TIME_SHARE if settings["adversarial"] else None,
        **{**settings, "eval_every": settings["eval_every"] if validation is not None else 0},
    )
    say(f"training into {run_dir}")
    try:
        result = Trainer(family, torch.from_numpy(encoded.windows), config, validation, artifacts, say).fit()
    except (TrainingError, CheckpointError) as error:
        raise click.ClickException(str(error)) from None
    except OSError as error:
        raise click.ClickException(f"cannot write {error.filename}: {error.strerror}") from None
    for phase in result.phases:
        say(f"{phase.name}: {phase.steps} steps in {phase.seconds / 60:.1f} min, ended: {STOP_REASONS[phase.ended]}")
    say(f"stopped after {result.step} steps ({STOP_REASONS[result.stopped]}); run folder {result.run_dir}")
    if result.best_step is not None:
        say(f"best checkpoint: step {result.best_step} (checkpoints/best.pt, what generate uses)")
    say(f"new tunes: midigan generate --model {result.run_dir} --bars 16 tune.mid")
    if result.stopped == "interrupted":
        sys.exit(130)  # as a shell reports a Ctrl-C, so scripts can tell an interrupted run from a finished one


def _printer():
    """Print above a running progress bar instead of through it."""
    from tqdm.auto import tqdm

    return lambda message: tqdm.write(message)


def _stored_run(run_dir: Path) -> dict:
    """The config.json of a run folder, as the engine wrote it."""
    from midigan.core.rundir import read_run_config

    stored = read_run_config(run_dir)
    if stored is None:
        raise click.ClickException(f"cannot resume {run_dir}: no readable config.json there")
    return stored
