"""TimeGAN itself, run by `benchmarks/series.py` in TimeGAN's own environment (never by midigan).

The code is the `timegan` package from PyPI (a fork of jsyoon0823/TimeGAN that keeps its
`train_timegan`: embedding, supervised and joint phases of equal iterations, hidden 24, 3 GRU
layers, batch 128, as main_timegan.py's defaults). The original runs 50,000 iterations; at equal
time it runs as many as fit the budget: two short calibration runs (5 and 25 iterations, not
counted) give the seconds per iteration and the fixed cost, and the main run gets
(budget - fixed cost) / seconds per iteration.

Set up (outside the repository):
    python3 -m venv /work/peers/timegan
    /work/peers/timegan/bin/pip install --no-deps timegan==0.1.12
    /work/peers/timegan/bin/pip install tensorflow-cpu tf-slim tf-keras scikit-learn
(the package pins tensorflow 2.11, which has no wheel for Python 3.11; its graph-mode code runs on
TensorFlow 2.21 with the legacy Keras, TF_USE_LEGACY_KERAS=1.)

    python timegan_peer.py train.npy out.npy --seconds 600 [--count N]
writes N generated windows (default: as many as training windows) and prints one JSON line of timings.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

PARAMETERS = {"module": "gru", "hidden_dim": 24, "num_layer": 3, "batch_size": 128}
BATCHES_PER_ITERATION = 5  # windows drawn per iteration: one batch each in phases 1 and 2, three in the joint phase


def quiet_train(data: np.ndarray, iterations: int, filename: str):
    """TimeGAN's train_timegan with its progress prints silenced; (generated, seconds)."""
    import contextlib
    import io

    from timegan.timegan import train_timegan

    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        generated = train_timegan(list(data), {**PARAMETERS, "iterations": iterations}, filename=filename)
    return np.asarray(generated), time.perf_counter() - started


def generation_rate(data: np.ndarray, filename: str) -> float:
    """Series per second of TimeGAN's generator (load_timegan writes as many as it is given):
    the difference of two loads of 256 and 2,304 series, so building the graph cancels out."""
    import contextlib
    import io

    from timegan.timegan import load_timegan

    timings = []
    for count in (256, 2304):
        rows = data[np.arange(count) % len(data)]
        started = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            load_timegan(list(rows), {**PARAMETERS, "iterations": 1}, filename)
        timings.append(time.perf_counter() - started)
    return 2048 / max(timings[1] - timings[0], 1e-9)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("train")
    parser.add_argument("out")
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--count", type=int)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    import tensorflow as tf

    np.random.seed(args.seed)
    tf.compat.v1.set_random_seed(args.seed)
    data = np.load(args.train).astype(np.float64)
    folder = tempfile.mkdtemp(prefix="timegan-")
    _, short = quiet_train(data, 5, f"{folder}/calibrate")
    _, long = quiet_train(data, 25, f"{folder}/calibrate")
    per_iteration = max((long - short) / 20, 1e-6)
    fixed = max(short - 5 * per_iteration, 0.0)
    iterations = max(1, int((args.seconds - fixed) / per_iteration))
    generated, seconds = quiet_train(data, iterations, f"{folder}/model")
    count = args.count or len(generated)
    np.save(args.out, generated[np.arange(count) % len(generated)])
    rate = generation_rate(data, f"{folder}/model-0")
    print(json.dumps({"iterations": iterations, "train_seconds": seconds, "seconds_per_iteration": per_iteration,
                      "windows_per_second": iterations * BATCHES_PER_ITERATION * PARAMETERS["batch_size"] / seconds,
                      "generation_series_per_second": rate, "tensorflow": tf.__version__}))


if __name__ == "__main__":
    main()
