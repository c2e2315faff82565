"""The studio's images tab: a grid from any imagegan run, with seed and count.

Why here and not in `midigan.studio`: the music half never imports the image half; the studio
looks this module up when it builds its page and leaves the tab out if it is missing.
"""

from __future__ import annotations

import functools
import os
import tempfile
from pathlib import Path

import gradio as gr

from imagegan.catalogue import FAMILY_NAMES, image_families

MAX_IMAGES = 256


def image_runs(runs: Path) -> list[str]:
    """Run folders under `runs` that hold an imagegan model."""
    from midigan.core.rundir import read_run_config

    if not Path(runs).is_dir():
        return []
    return sorted(str(child) for child in Path(runs).iterdir()
                  if (read_run_config(child) or {}).get("family", {}).get("name") in FAMILY_NAMES
                  and (child / "checkpoints" / "last.pt").is_file())


def grid_of(run: str, seed: int, count: int, scratch: Path) -> str:
    """A PNG grid of `count` images from the run's EMA generator, in `scratch`; the file's path."""
    from imagegan.grid import grid_shape, make_grid, save_png
    from imagegan.sampling import generate_images
    from midigan.core.checkpoint import load_generator
    from midigan.core.errors import CheckpointError

    if not 1 <= int(count) <= MAX_IMAGES:
        raise gr.Error(f"count must be between 1 and {MAX_IMAGES}")
    try:
        family, generator = load_generator(run, image_families())
    except CheckpointError as error:
        raise gr.Error(str(error)) from None
    images = generate_images(family, generator, int(count), seed=int(seed), device="cpu")
    handle, out = tempfile.mkstemp(prefix="grid-", suffix=".png", dir=scratch)
    os.close(handle)
    save_png(make_grid(images, *grid_shape(int(count))), Path(out))
    return out


def images_tab(runs: Path, scratch: Path) -> None:
    """The tab; its grids are written to `scratch` (the studio's own folder)."""
    with gr.Tab("Images"):
        found = image_runs(runs)
        run = gr.Dropdown(found, value=found[0] if found else None, label="imagegan run", allow_custom_value=True)
        with gr.Row():
            seed = gr.Number(value=0, precision=0, label="Seed")
            count = gr.Slider(1, MAX_IMAGES, value=64, step=1, label="Images")
        show = gr.Button("Show")
        grid = gr.Image(label="Grid", type="filepath", interactive=False)
        show.click(functools.partial(grid_of, scratch=scratch), inputs=[run, seed, count], outputs=grid, api_name="images")
