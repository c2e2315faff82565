"""Choose the sampling share for a model of parts trained before `midigan train` chose it itself.

Rebuilds the training plan from the folder the model was trained on (the same pieces, split and
validation as `midigan train`), then stores the chosen share in the checkpoint, as a run trained
today has it in checkpoints/best.pt (see `midigan.music.calibration`).

    python examples/calibrate_sampling.py runs/polyphony/bach/run-scratch runs/polyphony/bach/train
    python examples/calibrate_sampling.py midigan/assets/chorales.pt runs/polyphony/bach/train
"""

from __future__ import annotations

import sys


def replanned(model: str, songs_dir: str):
    """(the model's checkpoint file, the training plan `midigan train` makes of `songs_dir` for it:
    the same pieces, split, meter and model size)."""
    from midigan.core.checkpoint import load_checkpoint, resolve_checkpoint
    from midigan.midi.dataset import prepare
    from midigan.music.parts.plan import plan_polyphony
    from midigan.music.planning import ModelSize

    path = resolve_checkpoint(model)
    stored = load_checkpoint(path)["family"]["config"]
    meter = tuple(stored["vocabulary"]["meter"])
    return path, plan_polyphony(prepare(songs_dir, progress=False).songs, meter, ModelSize.of_run(stored))


def main(model: str, songs_dir: str) -> None:
    from midigan.music.calibration import calibrate_checkpoint

    path, plan = replanned(model, songs_dir)
    if plan.validation is None:
        sys.exit(f"{songs_dir} leaves no held-out pieces to build the validation from")
    print(f"{path}: {calibrate_checkpoint(path, plan.validation)}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
