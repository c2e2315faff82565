"""`midigan transfer train|apply`: move tunes from one collection's pitch language into another's
(CycleGAN on note sequences), on the shared engine."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from midigan.core.options import device_option, loss_option, max_minutes_option, max_steps_option, quiet_option, run_settings

if TYPE_CHECKING:
    from midigan.core.schedule import TrainResult
    from midigan.music.transfer.model import MusicTransferFamily

RUNS_ROOT = Path("runs")
FAMILY = "music-transfer"
#: CycleGAN's objective and optimiser (least squares, Adam 2e-4 with beta1 0.5, a pool of about 50
#: past translations, learning rates falling to 0 over the second half); translations of held-out
#: tunes judged every 250 steps for best.pt
DEFAULTS = {"max_steps": 5_000, "batch_size": 16, "loss": "lsgan", "lr": 2e-4, "betas": (0.5, 0.999), "pool_windows": 50,
            "lr_decay_start": 0.5, "seed": 0, "hidden": 128, "eval_every": 250}
#: passed on when given or stored; else the family's defaults
FAMILY_KEYS = ("cycle_weight", "identity_weight", "judge_rhythm", "judge_noise", "feature_matching", "closeness",
               "pitch_class_matching", "interval_matching", "scale_matching", "frame", "pull_target")


@click.group()
def transfer() -> None:
    """Move tunes between two collections without paired examples (CycleGAN): train, then apply."""


@transfer.command("train", short_help="Learn to translate between two folders of tunes.")
@click.argument("a_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("b_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--run-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where the run is written. Default: runs/<A>-to-<B>-N.")
@max_steps_option(DEFAULTS["max_steps"])
@max_minutes_option()
@click.option("--resume", is_flag=True, help="Continue the run in --run-dir (default: the newest transfer run) exactly.")
@device_option
@click.option("--seed", type=int, default=DEFAULTS["seed"], show_default=True, help="Random seed.")
@click.option("--batch-size", type=click.IntRange(min=1), default=DEFAULTS["batch_size"], show_default=True,
              help="Windows of each collection per step.")
@click.option("--hidden", type=click.IntRange(min=8), default=DEFAULTS["hidden"], show_default=True,
              help="Feature maps of every network.")
@click.option("--cycle-weight", type=click.FloatRange(min=0), default=None, show_default="1",
              help="Weight of the cycle loss (A -> B -> A gives A back) against the adversarial one.")
@click.option("--identity-weight", type=click.FloatRange(min=0), default=None, show_default="0",
              help="Weight of the identity loss (a tune of B stays as it is when moved into B).")
@click.option("--judge-noise", type=click.FloatRange(min=0), default=None, show_default="0.2",
              help="Standard deviation of the noise added to the pitches the discriminators see while training.")
@click.option("--feature-matching", type=click.FloatRange(min=0), default=None, show_default="0",
              help="Weight of feature matching: translations' mean discriminator features against real tunes'.")
@click.option("--closeness", type=click.FloatRange(min=0), default=None, show_default="0.2",
              help="Weight of the pull towards small moves: the mean semitones between each note and its translation.")
@click.option("--pitch-class-matching", type=click.FloatRange(min=0), default=None, show_default="4",
              help="Weight of the pull of the translations' pitch-class histogram towards the target collection's.")
@click.option("--interval-matching", type=click.FloatRange(min=0), default=None, show_default="4",
              help="Weight of the pull of the translations' histogram of melodic intervals towards the target collection's.")
@click.option("--scale-matching", type=click.FloatRange(min=0), default=None, show_default="4",
              help="Weight of the pull of the scale the translations use (how far apart their notes' pitch classes lie, "
                   "in any key) towards the target collection's.")
@click.option("--pull-target", type=click.Choice(["difference", "batch"]), default=None, show_default="difference",
              help="What the three pulls pull towards: the histograms of the windows being translated moved by the "
                   "difference between the two collections', or those of the target collection's windows in each batch "
                   "(runs before stop 47).")
@loss_option(DEFAULTS["loss"])
@click.option("--augment-target", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=None,
              help="Adaptive augmentation: random pitches shown to the discriminators, as often as keeps E[sign D(real)] here "
                   "(with --loss ns).")
@click.option("--r1-gamma", type=click.FloatRange(min=0), default=0.0, show_default=True,
              help="Weight of the R1 penalty on the discriminators' gradient at real tunes; 0 is off.")
@click.option("--lr", type=click.FloatRange(min=0, min_open=True), default=DEFAULTS["lr"], show_default=True,
              help="Adam learning rate, falling linearly to 0 over the second half of the run.")
@click.option("--d-lr", type=click.FloatRange(min=0, min_open=True), default=None, show_default="--lr",
              help="The discriminators' own learning rate.")
@click.option("--eval-every", type=click.IntRange(min=0), default=DEFAULTS["eval_every"], show_default=True,
              help="Steps between validations on held-out tunes (what picks checkpoints/best.pt); 0: never.")
@quiet_option
def train(a_dir: Path, b_dir: Path, run_dir: Path | None, resume: bool, device: str, quiet: bool, **options) -> None:
    """Learn to move tunes of A_DIR into the pitch language of B_DIR's and back (.mid files, any
    depth). Each tune's melody (its highest line) is translated note for note: rhythm, bars and
    meter stay, pitches change. Two convolutional translators and two discriminators over stretches of pitches; cycle
    consistency (A -> B -> A gives A back; no identity term by default, since rhythm is kept by
    construction); a pool of past translations; Adam 2e-4 falling to 0 over the second half. A
    tenth of each folder's tunes is held out: every --eval-every steps their translations are
    judged (how sure a classifier of the two collections is that they belong to the other one, and
    how many notes come back after the round trip), and the best checkpoint is what `apply` uses.
    """
    from midigan.core.command import fit_for_command, run_to_resume
    from midigan.core.distributed import detect_world
    from midigan.core.rundir import next_run_dir
    from midigan.music.transfer.model import MusicTransferFamily

    if a_dir.resolve() == b_dir.resolve():
        raise click.ClickException(f"A and B are both {a_dir}: translation learns between two different collections")
    context = click.get_current_context()
    if resume:
        run_dir, stored = run_to_resume(run_dir, RUNS_ROOT, FAMILY, "midigan transfer run")
        # through from_config, which knows what runs from before a newer key meant
        trained = {**stored["train"], **MusicTransferFamily.from_config(stored["family"]["config"]).config(),
                   "lr": stored["train"]["g_lr"]}
        settings = run_settings(context, stored=trained, kept=("hidden", "lr", *FAMILY_KEYS), run=run_dir)
    else:
        settings = run_settings(context, recipe=DEFAULTS)
        run_dir = run_dir or next_run_dir(RUNS_ROOT, f"{a_dir.resolve().name}-to-{b_dir.resolve().name}")
        settings["fake_pool"] = -(-settings.pop("pool_windows") // int(settings["batch_size"]))
        lr = settings.pop("lr")
        settings["g_lr"], settings["d_lr"] = lr, settings.pop("d_lr") or lr
    if settings.get("augment_target") is not None and settings["loss"] != "ns":
        raise click.ClickException(f"--augment-target reads the discriminators' verdicts as --loss ns gives them, "
                                   f"not --loss {settings['loss']}")
    # under torchrun every process runs this command; one of them speaks
    tell = click.echo if detect_world().is_main else lambda message: None
    weights = {name: settings[name] for name in FAMILY_KEYS if settings.get(name) is not None}
    family = MusicTransferFamily(int(settings["hidden"]), **weights)
    data, validation = _training_data({"A": a_dir, "B": b_dir}, family, quiet, tell, hold_out=settings["eval_every"] > 0)
    family.know_collections(data)
    fit_for_command(family, data, {**settings, "run_dir": str(run_dir), "device": device, "resume": resume, "n_samples": 4,
                                   "progress": not quiet, "eval_every": settings["eval_every"] if validation else 0},
                    "translate with: midigan transfer apply --model {run_dir} --to B in.mid out.mid", validation,
                    _findings, best_for="apply")


def _findings(result: TrainResult) -> list[str]:
    """Whether the discriminators had won by the end."""
    from midigan.core.dominance import won_since
    from midigan.core.runlog import read_metrics

    won = won_since(read_metrics(Path(result.run_dir) / "metrics.jsonl"))
    if won is None:
        return []
    return [f"the discriminators had won from step {won} to the end: a longer run would not help; see loss.png"]


def _training_data(folders: dict[str, Path], family: MusicTransferFamily, quiet: bool, tell: Callable[[str], None],
                   hold_out: bool):
    """((A windows, B windows), the validation on held-out tunes or None when a folder is too small
    to spare any, or nothing is to be validated: then every tune trains), with a line per folder
    saying what was read."""
    from midigan.music.transfer.model import WINDOW, windows
    from midigan.music.transfer.validation import TranslationValidation, held_out_split

    training, held, data = {}, {}, []
    for name, folder in folders.items():
        tunes = _tunes_of(folder, family, quiet)
        training[name], held[name] = held_out_split(tunes) if hold_out else (tunes, [])
        try:
            data.append(windows(training[name]))
        except ValueError:
            raise click.ClickException(f"{folder}: no tune with {WINDOW} notes or more to learn from") from None
        spared = f", {len(held[name])} held out to validate" if held[name] else ""
        tell(f"{name}: {len(training[name])} tunes from {folder} -> {len(data[-1])} windows of {WINDOW} notes{spared}")
    return tuple(data), TranslationValidation(held, training, family.frame) if all(held.values()) else None


def _tunes_of(folder: Path, family: MusicTransferFamily, quiet: bool) -> list:
    """Every tune in `folder` that has notes, encoded as `family` reads tunes."""
    from midigan.midi.dataset import DatasetError, prepare

    try:
        songs = prepare(folder, progress=not quiet).songs
    except DatasetError as error:
        raise click.ClickException(str(error)) from None
    return [tune for tune in map(family.encode, songs) if tune is not None]


@transfer.command("apply", short_help="Translate tunes with a trained model.")
@click.option("--model", "model_path", type=click.Path(exists=True, path_type=Path), required=True,
              help="A transfer run folder or checkpoint.")
@click.option("--to", "target", type=click.Choice(["A", "B"]), required=True, help="The collection to translate into.")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--png", is_flag=True, help="Also write each input's piano roll above its translation's, as a .png beside it.")
def apply(model_path: Path, target: str, source: Path, out: Path, png: bool) -> None:
    """Translate SOURCE (a .mid file, or a folder of them) into the --to collection's pitch language,
    written to OUT (a .mid file, or a folder: a folder's tunes keep their file names, and a file
    given a folder is written inside it). Only pitches change: every note
    keeps its onset, duration, track and instrument, so bars, meter and rhythm stay exactly; the
    melody (the highest line) is translated note by note, and other voices move as the melody's
    notes of their pitch class moved."""
    import torch

    from midigan.core.checkpoint import load_generator
    from midigan.core.command import file_pairs, writing
    from midigan.core.errors import CheckpointError
    from midigan.core.png import write_png
    from midigan.midi import MidiReadError, read, write
    from midigan.midi.folders import MIDI_SUFFIXES, midi_files
    from midigan.music.transfer.model import MusicTransferFamily, translation_picture

    torch.set_num_threads(1)
    try:
        family, generator = load_generator(model_path, MusicTransferFamily)
    except CheckpointError as error:
        raise click.ClickException(str(error)) from None
    pairs = file_pairs(source, out, midi_files, MIDI_SUFFIXES, "the translation is MIDI: name OUT .mid or .midi, not ")
    if not pairs:
        raise click.ClickException(f"no .mid or .midi files under {source}")
    skipped = []
    for path, target_path in pairs:
        try:
            tune = family.encode(read(path))
        except MidiReadError as error:
            tune, reason = None, str(error)
        else:
            reason = "no notes"
        if tune is None:
            if source.is_file():
                raise click.ClickException(f"cannot translate {path}: {reason}")
            skipped.append(f"{path}: {reason}")
            continue
        translated = family.translate(generator, tune, target)
        with writing(target_path):
            write(translated, target_path)
        if png:
            write_png(target_path.with_suffix(".png"), translation_picture(tune, translated))
    for line in skipped:
        click.echo(f"skipped {line}")
    if len(skipped) == len(pairs):
        raise click.ClickException(f"no tune under {source} could be translated")
    click.echo(f"translated {len(pairs) - len(skipped)} tune(s) into {target}: {out}")
