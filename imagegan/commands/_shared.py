"""What the imagegan commands share: finding a trained model and turning library errors into
one-line CLI errors. Only click and the standard library are imported at module level."""

from __future__ import annotations

from pathlib import Path

import click

RUNS_ROOT = Path("runs")

model_option = click.option(
    "--model",
    "model_path",
    type=click.Path(exists=True, path_type=Path),
    default=None,
    help="Run folder or checkpoint file. Default: the newest imagegan run under runs/.",
)


def newest_image_run(root: Path = RUNS_ROOT) -> Path | None:
    """The imagegan run under `root` whose checkpoint was written last."""
    from imagegan.catalogue import FAMILY_NAMES
    from midigan.core.rundir import newest_run

    return newest_run(root, family=FAMILY_NAMES)


def load_model(model_path: Path | None, device: str):
    """(family, EMA generator, torch device) for generation; ClickException on any problem."""
    from imagegan.catalogue import image_families
    from midigan.core.checkpoint import load_generator
    from midigan.core.device import resolve_device
    from midigan.core.errors import CheckpointError

    if model_path is None:
        model_path = newest_image_run()
        if model_path is None:
            raise click.ClickException(f"no imagegan run under {RUNS_ROOT}/; train one or pass --model")
    from midigan.core.rundir import read_run_config

    if (read_run_config(model_path) or {}).get("family", {}).get("name") == "cyclegan":
        raise click.ClickException(f"{model_path} translates images and draws none of its own:"
                                   f" imagegan transfer apply --model {model_path} --to B in.png out.png")
    try:
        torch_device = resolve_device(device)
        family, generator = load_generator(model_path, image_families(), device=torch_device)
    except (CheckpointError, ValueError) as error:
        raise click.ClickException(str(error)) from None
    return family, generator, torch_device
