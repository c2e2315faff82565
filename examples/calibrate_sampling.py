"""Calibrate how a model trained before `midigan train` did it itself draws: a model of parts'
sampling share (`midigan.music.calibration`), a melody model's duration balance (`midigan.music.rhythm`).

Rebuilds the training plan from the folder the model was trained on (the same pieces, split and
validation as `midigan train`), then stores the calibration in the checkpoint, as a run trained
today has it in checkpoints/best.pt.

    python examples/calibrate_sampling.py runs/polyphony/bach/run-scratch runs/polyphony/bach/train
    python examples/calibrate_sampling.py midigan/assets/chorales.pt runs/polyphony/bach/train
    python examples/calibrate_sampling.py midigan/assets/folk.pt runs/folk-split/train
"""

from __future__ import annotations

import sys


def replanned(model: str, songs_dir: str):
    """(the model's checkpoint file, the training plan `midigan train` makes of `songs_dir` for it:
    the same pieces, split, meter and model size)."""
    from midigan.core.checkpoint import load_checkpoint, resolve_checkpoint
    from midigan.midi.dataset import prepare
    from midigan.music.melody.plan import plan_melody
    from midigan.music.parts.model import PolyFamily
    from midigan.music.parts.plan import plan_polyphony
    from midigan.music.planning import ModelSize

    path = resolve_checkpoint(model)
    family = load_checkpoint(path)["family"]
    stored = family["config"]
    meter = tuple(stored["vocabulary"]["meter"])
    planner = plan_polyphony if family["name"] == PolyFamily.name else plan_melody
    return path, planner(prepare(songs_dir, progress=False).songs, meter, ModelSize.of_run(stored))


def main(model: str, songs_dir: str) -> None:
    from midigan.music.calibration import calibrate_sampling
    from midigan.music.catalogue import load_music_model

    path, plan = replanned(model, songs_dir)
    if plan.validation is None:
        sys.exit(f"{songs_dir} leaves no held-out pieces to build the validation from")
    stored = load_music_model(path).family.vocabulary
    if plan.family.vocabulary != stored:  # another folder: scores would be fitted to other durations or parts
        sys.exit(f"{songs_dir} is not the folder {path} was trained on: its vocabulary differs")
    print(f"{path}: {calibrate_sampling(path, plan.validation)}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
