"""Cut the two colour photographs that ship with scikit-learn (a temple in China, a flower; 640x427)
into square crops, as a colour image folder that needs no download.

Why: progressive growing wants a colour folder at 128x128 or more to show that it grows, fades
in and resumes; this is the real one that exists on every machine with scikit-learn. Crops are
taken on a grid at several scales and mirrored, so the folder holds a few hundred different views.

    python examples/export_crops.py crops/ [--size 128]
"""

from __future__ import annotations

from pathlib import Path

import click
from PIL import Image

SCALES = (1.0, 0.75, 0.5)  # crop side as a share of the photograph's height


@click.command()
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--size", type=int, default=128, show_default=True, help="Side of the saved crops in pixels.")
@click.option("--stride", type=float, default=0.125, show_default=True, help="Step between crops, as a share of a crop's side.")
def export_crops(out_dir: Path, size: int, stride: float) -> None:
    """Write OUT_DIR/<photo>/<n>.png, every crop resized to SIZE x SIZE."""
    from sklearn.datasets import load_sample_images

    photos = load_sample_images()
    written = 0
    for filename, pixels in zip(photos.filenames, photos.images):
        photo = Image.fromarray(pixels)
        folder = out_dir / Path(filename).stem
        folder.mkdir(parents=True, exist_ok=True)
        for scale in SCALES:
            side = int(photo.height * scale)
            step = max(1, int(side * stride))
            for top in range(0, photo.height - side + 1, step):
                for left in range(0, photo.width - side + 1, step):
                    crop = photo.crop((left, top, left + side, top + side)).resize((size, size), Image.LANCZOS)
                    for view in (crop, crop.transpose(Image.FLIP_LEFT_RIGHT)):
                        view.save(folder / f"{written:05d}.png")
                        written += 1
    click.echo(f"wrote {written} crops of {size}x{size} to {out_dir}/")


if __name__ == "__main__":
    export_crops()
