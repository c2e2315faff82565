"""`imagegan transfer train|apply`: translate images between two collections (CycleGAN), on
midigan's shared engine."""

from __future__ import annotations

from pathlib import Path

import click

from imagegan.commands._shared import RUNS_ROOT
from midigan.core.options import device_option, max_minutes_option, max_steps_option, quiet_option, run_settings

FAMILY = "cyclegan"
#: CycleGAN's objective and optimiser (least squares, Adam 2e-4 with beta1 0.5, a pool of about 50
#: past fakes, learning rates falling to 0 over the second half), with batches of 8, not 1, so
#: that a CPU gets through enough images
DEFAULTS = {"size": 64, "max_steps": 10_000, "batch_size": 8, "loss": "lsgan", "lr": 2e-4, "betas": (0.5, 0.999),
            "pool_images": 50, "lr_decay_start": 0.5, "seed": 0}
SMALL_FOLDER = 5_000  # images per side; below it the networks are narrow (16 feature maps), from it 64
FAMILY_KEYS = ("cycle_weight", "identity_weight", "resize")  # passed on when given or stored; else the family's defaults
MODEL_SETTINGS = ("size", "channels", "width", "cycle_weight", "identity_weight")  # a resumed run keeps them


@click.group()
def transfer() -> None:
    """Translate images between two folders without paired examples (CycleGAN): train, then apply."""


@transfer.command("train", short_help="Learn to translate between two folders of images.")
@click.argument("a_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("b_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--size", type=click.Choice(["32", "64", "128", "256"]), default=str(DEFAULTS["size"]), show_default=True,
              help="Image side in pixels.")
@click.option("--channels", type=click.Choice(["1", "3"]), default=None,
              help="1 grey, 3 colour. Default: the folders' own, when they agree.")
@click.option("--width", type=click.IntRange(min=4), default=None, show_default="16 for folders of under 5,000 images, else 64",
              help="Feature maps of the translators' first layer.")
@click.option("--run-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where the run is written. Default: runs/<A>-to-<B>-N.")
@max_steps_option(DEFAULTS["max_steps"])
@max_minutes_option()
@click.option("--resume", is_flag=True, help="Continue the run in --run-dir (default: the newest transfer run) exactly.")
@device_option
@click.option("--seed", type=int, default=DEFAULTS["seed"], show_default=True, help="Random seed.")
@click.option("--batch-size", type=click.IntRange(min=1), default=DEFAULTS["batch_size"], show_default=True,
              help="Images of each folder per step.")
@click.option("--lr", type=click.FloatRange(min=0, min_open=True), default=DEFAULTS["lr"], show_default=True,
              help="Adam learning rate, falling linearly to 0 over the second half of the run.")
@click.option("--cycle-weight", type=click.FloatRange(min=0), default=None, show_default="20",
              help="Weight of the cycle loss (A -> B -> A gives A back).")
@click.option("--identity-weight", type=click.FloatRange(min=0), default=None, show_default="10",
              help="Weight of the identity loss (an image of B stays as it is when moved into B).")
@quiet_option
def train(a_dir: Path, b_dir: Path, run_dir: Path | None, resume: bool, device: str, quiet: bool, **options) -> None:
    """Learn to turn images of A_DIR into images like B_DIR's and back, without pairs.

    Two ResNet translators and two PatchGAN discriminators (CycleGAN, Zhu et al. 2017): least
    squares adversarial losses, cycle consistency (A -> B -> A gives A back) and identity terms,
    a pool of past translations for the discriminators. Samples show inputs, translations and
    round trips side by side.
    """
    from imagegan.cyclegan import CycleGANFamily
    from imagegan.data import ImageFolderError, load_images
    from midigan.core.command import fit_for_command, run_to_resume
    from midigan.core.rundir import next_run_dir

    context = click.get_current_context()
    if resume:
        run_dir, stored = run_to_resume(run_dir, RUNS_ROOT, FAMILY, "imagegan transfer run")
        # through from_config, which knows what runs from before a newer key meant
        trained = {**stored["train"], **CycleGANFamily.from_config(stored["family"]["config"]).config()}
        settings = run_settings(context, stored=trained, kept=MODEL_SETTINGS, run=run_dir)
    else:
        settings = run_settings(context, recipe=DEFAULTS)
        run_dir = run_dir or next_run_dir(RUNS_ROOT, f"{a_dir.resolve().name}-to-{b_dir.resolve().name}")
    lr = settings.pop("lr", None)
    if lr is not None:
        settings["g_lr"] = settings["d_lr"] = lr
    size, channels = int(settings["size"]), None if settings.get("channels") is None else int(settings["channels"])
    try:
        a_images, b_images = (load_images(folder, size, channels) for folder in (a_dir, b_dir))
    except ImageFolderError as error:
        raise click.ClickException(str(error)) from None
    if a_images.channels != b_images.channels:
        kinds = {1: "grey", 3: "colour"}
        raise click.ClickException(f"{a_dir} holds {kinds[a_images.channels]} images and {b_dir} {kinds[b_images.channels]}"
                                   " ones; pass --channels 1 or --channels 3")
    click.echo(f"A: {a_images.summary()} from {a_dir}\nB: {b_images.summary()} from {b_dir}")
    smaller = min(len(a_images.images), len(b_images.images))
    family = CycleGANFamily(size, a_images.channels, settings.get("width") or (16 if smaller < SMALL_FOLDER else 64),
                            **{name: settings[name] for name in FAMILY_KEYS if settings.get(name) is not None})
    if "fake_pool" not in settings:  # a new run: about 50 past translations, in whole batches
        settings["fake_pool"] = -(-settings.pop("pool_images") // int(settings["batch_size"]))
    fit_for_command(family, (a_images.images, b_images.images),
                    {**settings, "run_dir": str(run_dir), "device": device, "resume": resume, "n_samples": 8,
                     "progress": not quiet},
                    "translate with: imagegan transfer apply --model {run_dir} --to B in.png out.png")


@transfer.command("apply", short_help="Translate images with a trained model.")
@click.option("--model", "model_path", type=click.Path(exists=True, path_type=Path), required=True,
              help="A transfer run folder or checkpoint.")
@click.option("--to", "target", type=click.Choice(["A", "B"]), required=True, help="The collection to translate into.")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.argument("out", type=click.Path(path_type=Path))
@device_option
def apply(model_path: Path, target: str, source: Path, out: Path, device: str) -> None:
    """Translate SOURCE (an image, or a folder of them) into the --to collection's style, written to
    OUT (an image, or a folder with the same file names), at the model's size."""
    import torch
    from PIL import Image

    from imagegan.cyclegan import CycleGANFamily
    from imagegan.data import ImageFolderError, read_image, scan_images
    from midigan.core.checkpoint import load_generator
    from midigan.core.command import file_pairs, writing
    from midigan.core.device import resolve_device
    from midigan.core.errors import CheckpointError

    try:
        torch_device = resolve_device(device)
        family, generator = load_generator(model_path, CycleGANFamily, device=torch_device)
    except (CheckpointError, ValueError) as error:
        raise click.ClickException(str(error)) from None
    pairs = file_pairs(source, out, scan_images, Image.registered_extensions(), "OUT's name says no image format Pillow writes: ")
    if not pairs:
        raise click.ClickException(f"no images found under {source}")
    skipped = []
    with torch.no_grad():
        for path, target_path in pairs:
            try:
                image = read_image(path, family.size, family.channels)
            except ImageFolderError as error:
                if source.is_file():
                    raise click.ClickException(str(error)) from None
                skipped.append(str(error))
                continue
            translated = family.translate(generator, image[None].to(torch_device), target)[0]
            pixels = translated.permute(1, 2, 0).squeeze(2).numpy()
            with writing(target_path):
                Image.fromarray(pixels).save(target_path)  # the format its name says, as the input's was
    click.echo(f"translated {len(pairs) - len(skipped)} image(s) into {target} at {family.size}x{family.size}: {out}")
    for reason in skipped:
        click.echo(f"skipped: {reason}")
