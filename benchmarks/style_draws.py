"""How many draws style resampling should keep one of: each count scored on trained parts runs.

For each chosen collection's run under runs/polyphony (trained by `benchmarks/polyphony_quality.py`),
writes PIECES (200) pieces of 8 bars with every --draws count and prints their Fréchet distance and
two-sample accuracy against the held-out pieces (half of every 8-bar stretch, as `midigan evaluate`
splits them), the accuracy as the mean and spread over five seeds of the test's own split: on sets
this small one split says little. Choose on the tuning collections (bach, trecento). With --single
each piece is asked for alone (`midigan generate out.mid`: one piece, chosen from 64 draws), 200 times.

    python benchmarks/style_draws.py [--only bach,trecento] [--draws 1,2,4,8,16] [--run run-scratch] [--single]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

WORK = Path("runs/polyphony")
SPLITS = 5
PIECES = 200


def main() -> None:
    from midigan.metrics.distance import frechet_distance, two_sample_accuracy
    from midigan.metrics.evaluation import read_folder, select_tunes, split_halves
    from midigan.metrics.polyphony import piece_features
    from midigan.music.catalogue import load_music_model
    from midigan.music.generation import Request, generate_music

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="bach,trecento", help="comma-separated collections (default: the tuning ones)")
    parser.add_argument("--draws", default="1,2,4,8,16", help="comma-separated --draws counts")
    parser.add_argument("--run", default="run-scratch", help="the run folder inside each collection's")
    parser.add_argument("--single", action="store_true", help="ask for each piece alone (--count 1), not 200 at once")
    arguments = parser.parse_args()
    for name in arguments.only.split(","):
        base = WORK / name
        model = load_music_model(base / arguments.run)
        parts = len(model.family.part_names)
        reference, _ = split_halves(select_tunes(read_folder(base / "heldout-8")[0], 8))
        real = np.array([piece_features(song, parts) for song in reference])
        for draws in map(int, arguments.draws.split(",")):
            started = time.perf_counter()
            if arguments.single:
                songs = [generate_music(model, Request(bars=8, count=1, seed=seed, draws=draws)).songs[0] for seed in range(PIECES)]
            else:
                songs = generate_music(model, Request(bars=8, count=PIECES, seed=1, draws=draws)).songs
            seconds = time.perf_counter() - started
            drawn = np.array([piece_features(song, parts) for song in songs])
            accuracy = [two_sample_accuracy(drawn, real, seed=seed) for seed in range(SPLITS)]
            print(f"{name} {arguments.run} draws {draws:2d} ({seconds:.0f} s): Fréchet {frechet_distance(drawn, real):.1f}, "
                  f"two-sample {np.mean(accuracy):.3f} ± {np.std(accuracy):.3f}", flush=True)


if __name__ == "__main__":
    main()
