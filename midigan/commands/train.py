"""`midigan train SONGS_DIR`: learn to write tunes like the ones in a folder."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from click.core import ParameterSource

from midigan.core.config import LOSS_NAMES


def _meter(value: str | None) -> tuple[int, int] | None:
    from midigan.song import parse_meter

    try:
        return None if value is None else parse_meter(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


@click.command()
@click.argument("songs_dir", type=click.Path(file_okay=False, path_type=str))
@click.option("--run-dir", help="Run folder to write (default: runs/<folder name>-<n>).")
@click.option("--max-steps", type=click.IntRange(min=1), default=3000, show_default=True, help="Stop after this many generator steps.")
@click.option("--max-minutes", type=click.FloatRange(min=0, min_open=True), help="Stop after this many minutes (whichever rule comes first).")
@click.option("--pretrain-steps", type=click.IntRange(min=0), default=2500, show_default=True,
              help="Maximum-likelihood steps before the adversarial ones.")
@click.option("--resume", is_flag=True, help="Continue the run in --run-dir (default: the newest run of this folder).")
@click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda, cuda:N or mps.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--batch-size", type=click.IntRange(min=1), default=64, show_default=True)
@click.option("--loss", type=click.Choice(LOSS_NAMES), default="ns", show_default=True, help="Adversarial loss.")
@click.option("--d-steps", type=click.IntRange(min=1), default=1, show_default=True, help="Discriminator updates per generator update.")
@click.option("--g-lr", type=float, default=2e-3, show_default=True, help="Generator learning rate (pre-training and adversarial).")
@click.option("--d-lr", type=float, default=2e-4, show_default=True, help="Discriminator learning rate.")
@click.option("--meter", help="Train on tunes in this meter, e.g. 6/8 (default: the folder's most common).")
@click.option("--window", type=click.IntRange(min=4), default=64, show_default=True, help="Notes per training example.")
@click.option("--hidden", type=click.IntRange(min=8), default=256, show_default=True, help="LSTM size of the generator.")
@click.option("--sample-every", type=click.IntRange(min=1), default=500, show_default=True, help="Steps between sample tunes.")
@click.option("--checkpoint-every", type=click.IntRange(min=1), default=500, show_default=True, help="Steps between checkpoints.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def train(songs_dir: str, run_dir: str | None, meter: str | None, window: int, hidden: int, quiet: bool, **settings) -> None:
    """Train a tune GAN on the MIDI files in SONGS_DIR (searched recursively).

    Each tune's melody is moved to C major / A minor and cut into windows of notes; the generator
    learns by maximum likelihood first, then against a discriminator. The run folder gets
    checkpoints, metrics.jsonl, sample tunes (MIDI and piano-roll PNG) and a loss plot.
    """
    import torch

    from midigan.core.config import TrainConfig
    from midigan.core.device import resolve_device
    from midigan.core.distributed import detect_world
    from midigan.core.errors import CheckpointError, TrainingError
    from midigan.core.rundir import newest_run, next_run_dir
    from midigan.core.trainer import RUN_DEFINING, Trainer
    from midigan.dataset import DatasetError, prepare
    from midigan.music.encoding import EncodingError, describe, encode_songs
    from midigan.music.model import MusicSeqFamily

    # under torchrun every process runs this command; one of them speaks
    main_process = detect_world().is_main
    say = click.echo if main_process else lambda message: None
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
        hidden = hidden if "hidden" in given else family_settings["hidden"]
        meter = meter if "meter" in given else "/".join(map(str, family_settings["vocabulary"]["meter"]))
    elif settings["pretrain_steps"] > settings["max_steps"]:
        settings["pretrain_steps"] = settings["max_steps"]
    try:
        prepared = prepare(folder, progress=not quiet and main_process)
        encoded = encode_songs(prepared.songs, window=window, meter=_meter(meter))
    except (DatasetError, EncodingError) as error:
        raise click.ClickException(str(error)) from None
    except OSError as error:
        raise click.ClickException(f"cannot write the dataset cache {error.filename}: {error.strerror}") from None
    vocabulary = encoded.vocabulary
    say(
        f"{encoded.n_tunes} tunes in {vocabulary.meter[0]}/{vocabulary.meter[1]} -> {len(encoded.windows)} windows of {window} notes"
        f" (left out: {describe(encoded.skipped)})"
    )
    config = TrainConfig(
        run_dir=run_dir,
        progress=not quiet,
        log_every=min(50, settings["sample_every"]),
        **settings,
    )
    family = MusicSeqFamily(vocabulary, window=window, hidden=hidden)
    say(f"training into {run_dir}")
    try:
        result = Trainer(family, torch.from_numpy(encoded.windows), config).fit()
    except (TrainingError, CheckpointError) as error:
        raise click.ClickException(str(error)) from None
    except OSError as error:
        raise click.ClickException(f"cannot write {error.filename}: {error.strerror}") from None
    say(f"stopped after {result.step} steps ({result.stopped.replace('_', ' ')}); run folder {result.run_dir}")
    say(f"new tunes: midigan generate --model {result.run_dir} --bars 16 tune.mid")
    if result.stopped == "interrupted":
        sys.exit(130)  # as a shell reports a Ctrl-C, so scripts can tell an interrupted run from a finished one


def _stored_run(run_dir: Path) -> dict:
    """The config.json of a run folder, as the engine wrote it."""
    from midigan.core.rundir import read_run_config

    stored = read_run_config(run_dir)
    if stored is None:
        raise click.ClickException(f"cannot resume {run_dir}: no readable config.json there")
    return stored
