"""How far the two-sample figure moves with the evaluation's own randomness alone.

`midigan evaluate` draws the two-sample test's subsample and folds, and the Markov chains' tunes,
from one seed. With a small held-out set (the chorales' reference half holds 28 pieces) that one
draw moves the accuracy by several hundredths, enough to decide "beats the order-3 chain" either
way. This scores the same folders under --seeds seeds and prints each set's mean, spread and
range, so a comparison can be read against that spread.

    python benchmarks/two_sample_spread.py runs/polyphony/bach/generated-scratch \\
        runs/polyphony/bach/heldout-8 runs/polyphony/bach/train-parts --bars 8
"""

from __future__ import annotations

import argparse

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("generated")
    parser.add_argument("reference", help="held-out real music (half becomes the reference, half the held-out row)")
    parser.add_argument("train", help="the training pieces (copy rate and Markov chains)")
    parser.add_argument("--bars", type=int, default=None, help="cut generated and reference pieces to this many bars")
    parser.add_argument("--seeds", type=int, default=10)
    arguments = parser.parse_args()
    from midigan.metrics.evaluation import evaluate_folders

    accuracies: dict[str, list[float]] = {}
    for seed in range(arguments.seeds):
        result = evaluate_folders(arguments.generated, arguments.reference, arguments.train, baselines=True,
                                  bars=arguments.bars, seed=seed)
        for row in result.rows:
            if row.two_sample_accuracy is not None:
                accuracies.setdefault(row.name, []).append(row.two_sample_accuracy)
    print(f"two-sample accuracy over {arguments.seeds} evaluation seeds ({arguments.generated})")
    print("| set | seed 0 | mean | spread (sd) | range |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, values in accuracies.items():
        print(f"| {name} | {values[0]:.3f} | {np.mean(values):.3f} | {np.std(values):.3f} | {min(values):.3f}-{max(values):.3f} |")


if __name__ == "__main__":
    main()
