"""Give a model of parts trained before runs kept their training music's style the style reference
`midigan generate` resamples by (`midigan.music.style`).

Rebuilds the training plan from the folder the model was trained on (the same pieces and split as
`midigan train`) and stores the plan's style reference in the checkpoint, as a run trained today has
it in checkpoints/best.pt. How the shipped chorales model got its reference:

    python examples/add_style_reference.py midigan/assets/chorales.pt runs/polyphony/bach/train
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from calibrate_sampling import replanned  # noqa: E402


def main(model: str, songs_dir: str) -> None:
    from midigan.core.checkpoint import add_artifacts
    from midigan.music.style import ARTIFACT, BARS_ARTIFACT

    path, plan = replanned(model, songs_dir)
    if ARTIFACT not in plan.artifacts:
        sys.exit(f"{songs_dir} has no whole window of its pieces to read a style from")
    add_artifacts(path, {key: plan.artifacts[key] for key in (ARTIFACT, BARS_ARTIFACT)})
    print(f"{path}: style reference of {len(plan.artifacts[ARTIFACT])} windows of the training pieces")


if __name__ == "__main__":
    main(*sys.argv[1:3])
