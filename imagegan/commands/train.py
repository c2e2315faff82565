"""`imagegan train`: a DCGAN, or progressive growing, on any folder of images, trained by midigan's
shared engine."""

from __future__ import annotations

from pathlib import Path

import click

from imagegan.catalogue import ARCHITECTURES
from imagegan.commands._shared import RUNS_ROOT, newest_image_run
from midigan.core.options import device_option, loss_option, max_minutes_option, max_steps_option, quiet_option, run_settings

ADAPTIVE = "adaptive"
ADAPTIVE_POLICY = ("translation", "cutout")  # what adaptive augmentation applies (see imagegan.augment)
DEFAULTS = {"max_steps": 10_000, "batch_size": 64, "seed": 0, "augment_target": 0.6}
#: dcgan: chosen on the digits by the fixed judge (docs/images.md); progan: the paper's
#: objective and optimiser (WGAN-GP with drift, Adam 1e-3 with betas 0 and 0.99), no augmentation
ARCH_DEFAULTS = {
    "dcgan": {"size": 64, "loss": "ns", "lr": 3e-4, "augment": ADAPTIVE, "r1_gamma": 0.03, "r1_interval": 16,
              "lr_decay_start": 0.5},
    "progan": {"size": 128, "loss": "wgan-gp", "lr": 1e-3, "betas": (0.0, 0.99), "drift_weight": 1e-3, "augment": "none",
               "r1_gamma": 0.0},
}
SMALL_FOLDER = 5_000  # images; below it a DCGAN is narrow (16 feature maps), from it the paper's 64
PROGAN_WIDTHS = (8, 16)  # feature maps at the final resolution (under, from SMALL_FOLDER images), doubling per halving


def _augment_name(augment: str | tuple[str, ...]) -> str:
    """How --augment spells an augmentation: adaptive, a fixed policy, or none."""
    return augment if augment == ADAPTIVE else ",".join(augment) or "none"


RECIPES = {arch: {**DEFAULTS, **ARCH_DEFAULTS[arch]} for arch in ARCH_DEFAULTS}
#: what defines a trained image model: a resumed run keeps them
MODEL_SETTINGS = ("arch", "size", "channels", "width", "phase_images", "augment")


def _by_arch(name: str) -> str:
    """The recipes' default of `name` for --help: one value, or one per architecture."""
    values = {arch: recipe.get(name) for arch, recipe in RECIPES.items()}
    if len(set(map(str, values.values()))) == 1:
        return str(next(iter(values.values())))
    return "; ".join(f"{arch} {value}" for arch, value in values.items())


@click.command()
@click.argument("images_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--arch", type=click.Choice(list(ARCHITECTURES)), default="dcgan", show_default=True,
              help="dcgan: the DCGAN paper's networks; progan: progressive growing from 4x4 to --size.")
@click.option("--size", type=click.Choice(["32", "64", "128", "256"]), default=None, show_default=_by_arch("size"),
              help="Image side in pixels; 128 and 256 need --arch progan.")
@click.option("--channels", type=click.Choice(["1", "3"]), default=None, help="1 grey, 3 colour. Default: 3 if any image has colour.")
@click.option("--width", type=click.IntRange(min=8), default=None,
              show_default="16 for a folder of under 5,000 images, else 64; progan 8, else 16, at the final size",
              help="Feature maps of G's last and D's first layer (ngf/ndf; halve it for 4x less compute).")
@click.option("--run-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where the run is written. Default: runs/<IMAGES_DIR name>-N.")
@max_steps_option(DEFAULTS["max_steps"], "generator steps")
@max_minutes_option()
@click.option("--resume", is_flag=True, help="Continue the run in --run-dir (default: the newest imagegan run) exactly.")
@device_option
@click.option("--seed", type=int, default=DEFAULTS["seed"], show_default=True, help="Random seed.")
@click.option("--batch-size", type=click.IntRange(min=1), default=DEFAULTS["batch_size"], show_default=True, help="Images per batch.")
@loss_option(None, _by_arch("loss"))
@click.option("--d-steps", type=click.IntRange(min=1), default=1, show_default=True, help="Discriminator updates per generator update.")
@click.option("--ema-decay", type=click.FloatRange(min=0, max=1, max_open=True), default=0.999, show_default=True,
              help="Decay of the generator's weight average, which makes every sample.")
@click.option("--label-smoothing", type=click.FloatRange(min=0, max=1, max_open=True), default=0.0, show_default=True,
              help="Real targets of D become 1 - this (ns, lsgan).")
@click.option("--lr", type=click.FloatRange(min=0, min_open=True), default=None, show_default=_by_arch("lr"),
              help="Adam learning rate of G and D; the DCGAN paper's is 2e-4.")
@click.option("--lr-decay-start", type=click.FloatRange(min=0, max=1), default=None, show_default="dcgan 0.5; progan 1",
              callback=lambda ctx, param, share: None if share == 1 else share,  # decay from the budget's end: none
              help="Share of the budget (--max-steps or --max-minutes) after which both learning rates fall"
                   " linearly to 0 at its end; 1 keeps them constant.")
@click.option("--augment", default=None, metavar="POLICY", callback=lambda ctx, param, text: _policy(text),
              show_default=_by_arch("augment"),
              help="Augment what D sees, real and fake alike: adaptive (translation and cutout, as often as D's"
                   " overfitting calls for), a fixed policy (translation, cutout, both comma-separated: always), or"
                   " none.")
@click.option("--augment-target", type=click.FloatRange(min=0, max=1, min_open=True, max_open=True),
              default=DEFAULTS["augment_target"], show_default=True,
              help="Adaptive augmentation keeps E[sign(D(real))] at this; lower augments more.")
@click.option("--augment-images", "augment_images_to_full", type=click.IntRange(min=1), default=20_000, show_default=True,
              help="Real images over which the augmentation probability can move from 0 to 1 (its speed).")
@click.option("--r1-gamma", type=click.FloatRange(min=0), default=None, show_default=_by_arch("r1_gamma"),
              help="Weight of the R1 penalty on D's gradient at real images (lazy, every 16th D step); 0 is off.")
@click.option("--phase-images", type=click.IntRange(min=1), default=None,
              show_default="16 passes over the folder, within 10,000 to 800,000",
              help="progan: images shown at 4x4, then while each next resolution fades in, and again while it"
                   " trains alone (the paper's is 800,000).")
@quiet_option
def train(images_dir: Path, run_dir: Path | None, resume: bool, device: str, quiet: bool, **options) -> None:
    """Train a GAN on every image under IMAGES_DIR (PNG, JPEG, GIF, BMP, WebP; any size).

    dcgan (the default): the DCGAN paper's networks, 16 feature maps wide for a folder of under
    5,000 images; augmentation adapts by itself (StyleGAN2-ADA's heuristic): D sees shifted and
    partly masked images, real and generated alike, as often as its confidence on real images calls
    for; plus lazy R1 and Adam 3e-4, both learning rates falling to 0 over the second half of
    the budget. Chosen on the digits by a judge that is never trained (docs/images.md).

    progan: progressive growing (Karras et al. 2018): from 4x4 up to --size, each resolution faded
    in over --phase-images images; WGAN-GP with drift, equalised learning rate, pixel norm,
    minibatch standard deviation, Adam restarted at each resolution.
    """
    from imagegan.catalogue import image_families
    from imagegan.data import ImageFolderError, load_images
    from imagegan.models import DCGANFamily
    from imagegan.progan import ProGANFamily, default_phase_images
    from midigan.core.checkpoint import family_from_checkpoint
    from midigan.core.command import fit_for_command
    from midigan.core.rundir import next_run_dir

    context = click.get_current_context()
    if resume:
        run_dir = run_dir or newest_image_run()
        if run_dir is None:
            raise click.ClickException(f"nothing to resume: no imagegan run under {RUNS_ROOT}/")
        stored = _stored_run(run_dir)
        stored_family = family_from_checkpoint(stored, image_families(), run_dir)
        trained = {**stored["train"], **stored_family.config(), "arch": stored["family"]["name"]}
        policy = tuple(trained["augment"])
        trained["augment"] = _augment_name(ADAPTIVE if policy and trained.get("augment_target") is not None else policy)
        settings = run_settings(context, stored=trained, kept=MODEL_SETTINGS, run=run_dir)
        settings["augment"] = policy
    else:
        arch = options["arch"]
        if arch != "progan" and options["phase_images"] is not None:
            raise click.ClickException("--phase-images applies to --arch progan only")
        if arch == "dcgan" and int(options["size"] or 64) > 64:
            raise click.ClickException(f"a DCGAN draws 32x32 or 64x64 images; --arch progan grows to {options['size']}x{options['size']}")
        settings = run_settings(context, recipe=RECIPES[arch])
        run_dir = run_dir or next_run_dir(RUNS_ROOT, images_dir.resolve().name)
        if settings["augment"] == ADAPTIVE:
            settings["augment"] = ADAPTIVE_POLICY
        else:  # a fixed policy, or none: always, or never
            settings["augment"] = _policy_tuple(settings["augment"])
            settings["augment_target"] = None
    arch = settings["arch"]
    lr = settings.pop("lr", None)
    if lr is not None:
        settings["g_lr"] = settings["d_lr"] = lr
    try:
        images = load_images(images_dir, int(settings["size"]), None if settings.get("channels") is None else int(settings["channels"]))
    except ImageFolderError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"read {images.summary()} from {images_dir}")
    if arch == "progan":
        width = settings.get("width") or PROGAN_WIDTHS[len(images.images) >= SMALL_FOLDER]
        family = ProGANFamily(size=int(settings["size"]), channels=images.channels, width=width,
                              phase_images=settings.get("phase_images") or default_phase_images(len(images.images)),
                              augment=settings["augment"])
    else:
        width = settings.get("width") or (16 if len(images.images) < SMALL_FOLDER else 64)
        family = DCGANFamily(size=int(settings["size"]), channels=images.channels, width=width, augment=settings["augment"])
    fit_for_command(family, images.images,
                    {**settings, "run_dir": str(run_dir), "device": device, "resume": resume, "n_samples": 64,
                     "progress": not quiet},
                    "generate with: imagegan generate --model {run_dir} grid.png")


def _policy(text: str | None) -> str | None:
    """--augment text as "adaptive" or a fixed policy spelt as --augment spells it (None when not
    given); a usage error if misspelt."""
    if text is None:
        return None
    if text.strip() == ADAPTIVE:
        return ADAPTIVE
    return _augment_name(_policy_tuple(text))


def _policy_tuple(text: str) -> tuple[str, ...]:
    from imagegan.augment import parse_policy

    try:
        return parse_policy(text)
    except ValueError as error:  # adaptive stands alone: the engine doses translation and cutout itself
        raise click.BadParameter(f"{error}, or {ADAPTIVE} alone") from None


def _stored_run(run_dir: Path) -> dict:
    from midigan.core.rundir import read_run_config

    stored = read_run_config(run_dir)
    if stored is None:
        raise click.ClickException(f"cannot resume {run_dir}: no readable config.json there")
    if stored.get("family", {}).get("name") not in ARCHITECTURES.values():
        raise click.ClickException(f"cannot resume {run_dir}: it is not an imagegan run")
    return stored
