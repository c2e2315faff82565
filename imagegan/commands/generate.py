"""`imagegan generate`: new images from a trained model, as one grid or as separate files."""

from __future__ import annotations

from pathlib import Path

import click

from imagegan.commands._shared import load_model, model_option
from midigan.core.options import device_option


@click.command()
@model_option
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--count", type=click.IntRange(min=1), default=None, help="Number of images. Default: 64, or what --grid holds.")
@click.option("--grid", "grid_text", default=None, metavar="ROWSxCOLS", help="Grid layout, e.g. 8x8. Default: nearly square.")
@click.option("--separate", is_flag=True, help="Write OUT as a folder of single PNGs instead of one grid.")
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed, same images.")
@device_option
def generate(model_path: Path | None, out: Path, count: int | None, grid_text: str | None, separate: bool, seed: int, device: str) -> None:
    """Generate images with a trained model and save them to OUT (a PNG grid, or a folder with --separate)."""
    from imagegan.grid import grid_shape, make_grid, parse_grid, save_png
    from imagegan.sampling import generate_images

    if not separate and out.suffix.lower() != ".png":
        raise click.ClickException(f"{out} must end in .png (or pass --separate to write a folder)")
    rows_cols = None
    if grid_text is not None:
        if separate:
            raise click.ClickException("--grid and --separate exclude each other")
        try:
            rows_cols = parse_grid(grid_text)
        except ValueError as error:
            raise click.ClickException(str(error)) from None
        count = count or rows_cols[0] * rows_cols[1]
        if count > rows_cols[0] * rows_cols[1]:
            raise click.ClickException(f"{count} images do not fit a {grid_text} grid")
    count = count or 64
    family, generator, torch_device = load_model(model_path, device)
    images = generate_images(family, generator, count, seed=seed, device=torch_device)
    try:
        if separate:
            out.mkdir(parents=True, exist_ok=True)
            for index, image in enumerate(images, start=1):
                save_png(image, out / f"{index:04d}.png")
            click.echo(f"wrote {count} images to {out}/")
        else:
            rows, cols = rows_cols or grid_shape(count)
            save_png(make_grid(images, rows, cols), out)
            click.echo(f"wrote {count} images as a {rows}x{cols} grid to {out}")
    except OSError as error:  # a file where a folder must be, or no permission
        raise click.ClickException(f"cannot write to {out}: {error.strerror or type(error).__name__}") from None
