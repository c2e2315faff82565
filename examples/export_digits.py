"""Export scikit-learn's handwritten digits (1,797 images, 8x8, grey) to a folder of PNGs.

Why: a real image data set that needs no download, for trying imagegan on this machine.
The PNGs land in class subfolders (`OUT/0/...`, ..., `OUT/9/...`), so `imagegan evaluate`
can train its feature classifier on them. Needs scikit-learn (`pip install scikit-learn`),
which the package itself does not depend on.

    python examples/export_digits.py digits/
    python examples/export_digits.py data/images --per-class 20   # the sample in the repository
"""

from __future__ import annotations

from pathlib import Path

import click
import numpy as np
from PIL import Image


@click.command()
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--per-class", type=int, default=None, help="Keep only the first N images of each digit.")
def export_digits(out_dir: Path, per_class: int | None) -> None:
    """Write every digit as OUT_DIR/<digit>/<index>.png (8x8, white on black)."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    # sklearn stores ink as 0..16; scale to the full 0..255 grey range
    pixels = np.rint(digits.images * (255.0 / 16.0)).astype(np.uint8)
    written: dict[int, int] = {}
    for index, (image, label) in enumerate(zip(pixels, digits.target)):
        label = int(label)
        if per_class is not None and written.get(label, 0) >= per_class:
            continue
        folder = out_dir / str(label)
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(image, mode="L").save(folder / f"{index:04d}.png")
        written[label] = written.get(label, 0) + 1
    click.echo(f"wrote {sum(written.values())} digits to {out_dir}")


if __name__ == "__main__":
    export_digits()
