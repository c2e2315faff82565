"""`imagegan evaluate`: how close a model's images are to a reference folder, with floor and ceiling."""

from __future__ import annotations

from pathlib import Path

import click

from imagegan.commands._shared import load_model, model_option
from midigan.core.options import device_option


@click.command()
@model_option
@click.option("--reference", "reference_dir", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder of real images (class subfolders, if any, train a classifier as the feature network).")
@click.option("--count", type=click.IntRange(min=1), default=500, show_default=True, help="Generated images to classify.")
@click.option("--seed", type=int, default=0, show_default=True)
@device_option
def evaluate(model_path: Path | None, reference_dir: Path, count: int, seed: int, device: str) -> None:
    """Fréchet distance of generated images to the reference, beside held-out real images and noise."""
    from imagegan.data import ImageFolderError, load_images
    from imagegan.evaluation import evaluate as score
    from imagegan.sampling import generate_images

    family, generator, torch_device = load_model(model_path, device)
    try:
        reference = load_images(reference_dir, family.size, family.channels)
    except ImageFolderError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"reference: {reference.summary()}")
    try:
        report = score(lambda n: generate_images(family, generator, n, seed=seed, device=torch_device), reference, count, seed)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    click.echo(report.format())
