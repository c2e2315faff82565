"""Which tonal centre reads a collection's pitch language best? Real tunes only, no model.

For each frame in `midigan.metrics.transfer.FRAMES` (a tune's last note, its most common pitch class)
and each pair of the translation benchmark's collections (benchmarks/folk_transfer.py: the same
sources and the same split by file name), key-free pitch-class histograms read in that frame:
- the distance between the two collections (one side's test tunes against the other's judge tunes)
  beside the floor a sample leaves (the target's own test tunes against its judge tunes), and the
  real tunes' own "way", 1 - floor / distance: where it is under a third, even real target music
  cannot meet the issue's "a third of the way", and the figure reads noise;
- how well a classifier on those 12 figures alone (logistic regression, trained on the judge and
  training tunes) tells the two collections' test tunes apart (balanced accuracy).
A frame that blurs several tonal centres in one collection raises its floor and lowers the accuracy.

    python benchmarks/tonal_frames.py
"""

from __future__ import annotations

import click
import numpy as np
from folk_transfer import REPORTED_ON, SHARED, SOURCES, TUNED_ON, read_tune, split_source

from midigan.metrics.transfer import FRAMES, histogram_distance, pitch_language, side_classifier


def _histograms(source: str, frame: str) -> dict[str, np.ndarray]:
    """Each part of a source's split (judge, test, train): its tunes' key-free pitch-class histograms."""
    parts = {}
    for part, paths in split_source(SHARED, source).items():
        melodies = [melody for melody in (read_tune(source, path).melody() for path in paths) if len(melody.notes)]
        parts[part] = np.stack([pitch_language(melody, frame)[:12] for melody in melodies])
    return parts


@click.command()
@click.option("--pairs", default=",".join(TUNED_ON + REPORTED_ON), show_default=True,
              help=f"A:B pairs of sources ({', '.join(SOURCES)}), comma-separated.")
def main(pairs: str) -> None:
    chosen = [tuple(pair.split(":")) for pair in pairs.split(",")]
    print(f"tuned on: {', '.join(TUNED_ON)}; reported on: {', '.join(REPORTED_ON)}\n")
    print("| pair | frame | direction: distance, floor, real way | direction: distance, floor, real way | accuracy |")
    print("| --- | --- | --- | --- | ---: |")
    for a, b in chosen:
        for frame in FRAMES:
            tunes = {source: _histograms(source, frame) for source in (a, b)}
            cells = []
            for source, target in ((a, b), (b, a)):
                distance = histogram_distance(tunes[source]["test"], tunes[target]["judge"])
                floor = histogram_distance(tunes[target]["test"], tunes[target]["judge"])
                cells.append(f"{source} -> {target}: {distance:.3f}, {floor:.3f}, {1 - floor / distance:.2f}")
            judge = side_classifier(*(np.concatenate([tunes[side]["judge"], tunes[side]["train"]]) for side in (a, b)), steps=500)
            accuracy = 0.5 * (np.mean(judge(tunes[a]["test"]) < 0.5) + np.mean(judge(tunes[b]["test"]) > 0.5))
            print(f"| {a}:{b} | {frame} | {' | '.join(cells)} | {accuracy:.3f} |")


if __name__ == "__main__":
    main()
