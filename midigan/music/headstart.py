"""A head start: a new run's generator begins as another model's (`midigan train --from`), adapted to the folder.

Why: a folder of 40 tunes teaches a model from nothing what every tune shares (steps are likelier
than leaps, phrases end on long notes, the scale) before it can learn what is the folder's own. A
model trained on thousands of public-domain tunes already knows the first; adapted to the folder's
vocabulary and meter (each family's `adapt_from`), it spends the folder's minutes on the second.
By default (`auto`) a folder too small to train more than a small model starts from the shipped
base model of its kind (melodies, or parts); `none` starts from scratch; a shipped model's name or
a run folder starts from that.
"""

from __future__ import annotations

from dataclasses import replace

from midigan.music.catalogue import shipped_model
from midigan.music.errors import EncodingError
from midigan.music.melody.plan import plan_melody, training_notes
from midigan.music.meters import Meter
from midigan.music.parts.plan import plan_polyphony
from midigan.music.planning import ModelSize, TrainingPlan
from midigan.song import Song

AUTO, NONE = "auto", "none"
BASE_MELODIES = "melodies"  # the shipped base melody model (examples/train_melodies.sh)
#: `auto` starts a melody folder from the base model below this many training notes (the folders
#: whose own model would be the smallest, see `midigan.music.capacity`)
BASE_BELOW_NOTES = 20_000
BASE_PARTS = "parts"  # the shipped base model of parts (examples/train_parts.sh)
#: `auto` starts a folder of parts from the base model below this many training notes: measured on
#: folders of 16,900 to 32,800 (docs/parts.md, "A head start for parts"), not above
BASE_PARTS_BELOW_NOTES = 35_000


def plan_run(songs: list[Song], parts: str, meter: Meter | None, size: ModelSize, start: str | None) -> TrainingPlan:
    """The training plan for `parts` ("all" or "melody"), its generator started as `start` says
    (AUTO, NONE, a shipped model's name, a run folder or a checkpoint). EncodingError (one line)
    for a start that cannot be used."""
    planner = plan_polyphony if parts == "all" else plan_melody
    if start in (None, NONE):
        return planner(songs, meter, size)
    if start == AUTO:
        base = BASE_PARTS if parts == "all" else BASE_MELODIES
        if size.hidden is not None or size.layers is not None or not shipped_model(base).is_file():
            return planner(songs, meter, size)
        if parts == "all":  # a folder of parts is counted by planning it: a small one is planned twice
            plan = planner(songs, meter, size)
            if plan.training_notes >= BASE_PARTS_BELOW_NOTES:
                return plan
        elif training_notes(songs, meter) >= BASE_BELOW_NOTES:
            return planner(songs, meter, size)
        start = base
    if size.hidden is not None or size.layers is not None:
        raise EncodingError(f"--from {start} keeps the size of the model it starts from: leave out --hidden and --layers")
    source = starting_model(start)
    # the source's model (size, what its generator reads) with this run's window and dropout, and a fresh critic
    # (a model of parts: with this run's melodic bias, which starts at zero, and critic)
    model = replace(ModelSize.of_run(source.family.config()), window=size.window, dropout=size.dropout, d_width=None,
                    melodic=size.melodic, critic_features=size.critic_features)
    plan = planner(songs, meter, model)
    plan.report.append(f"starting from {start}: {plan.family.adapt_from(source)}")
    return plan


def starting_model(spec: str):
    """The `LoadedModel` a run starts from: a shipped model's name, a run folder or a checkpoint file."""
    from midigan.core.errors import CheckpointError
    from midigan.music.catalogue import SHIPPED, load_music_model, resolve_model

    path, _ = resolve_model(spec)
    if not path.exists():
        raise EncodingError(f"--from {spec}: no such run or checkpoint, nor a shipped model ({', '.join(SHIPPED)})")
    try:
        return load_music_model(path)
    except CheckpointError as error:
        raise EncodingError(f"--from {spec}: {error}") from None
