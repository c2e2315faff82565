"""Give a model of parts trained before runs kept their training music's style the style reference
`midigan generate` resamples by (`midigan.music.style`).

Rebuilds the training plan from the folder the model was trained on (the same pieces and split as
`midigan train`) and stores the plan's style reference in the checkpoint, as a run trained today has
it in checkpoints/best.pt. How the shipped chorales model got its reference:

    python examples/add_style_reference.py midigan/assets/chorales.pt runs/polyphony/bach/train
"""

from __future__ import annotations

import sys


def main(model: str, songs_dir: str) -> None:
    from midigan.core.checkpoint import add_artifacts, load_checkpoint, resolve_checkpoint
    from midigan.midi.dataset import prepare
    from midigan.music.parts.plan import plan_polyphony
    from midigan.music.planning import ModelSize
    from midigan.music.style import ARTIFACT, BARS_ARTIFACT

    path = resolve_checkpoint(model)
    stored = load_checkpoint(path)["family"]["config"]
    plan = plan_polyphony(prepare(songs_dir, progress=False).songs, tuple(stored["vocabulary"]["meter"]), ModelSize.of_run(stored))
    if ARTIFACT not in plan.artifacts:
        sys.exit(f"{songs_dir} has no whole window of its pieces to read a style from")
    add_artifacts(path, {key: plan.artifacts[key] for key in (ARTIFACT, BARS_ARTIFACT)})
    print(f"{path}: style reference of {len(plan.artifacts[ARTIFACT])} windows of the training pieces")


if __name__ == "__main__":
    main(*sys.argv[1:3])
