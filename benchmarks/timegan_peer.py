"""TimeGAN itself, run by `benchmarks/series.py` in TimeGAN's own environment (never by midigan).

The code is the `timegan` package from PyPI (a fork of jsyoon0823/TimeGAN that keeps its
`train_timegan`: embedding, supervised and joint phases of equal iterations, hidden 24, 3 GRU
layers, batch 128, as main_timegan.py's defaults). The original runs 50,000 iterations; at equal
time it runs as many as fit the budget: a calibration run of 40 iterations (not
counted) gives the seconds per iteration (from the times of TimeGAN's own progress prints) and
the fixed cost (building the graph), and the main run gets (budget - fixed cost) / seconds per
iteration. Training windows/s count the batches drawn; generation series/s time the generation
with which train_timegan ends.

Set up (outside the repository):
    python3 -m venv /work/peers/timegan
    /work/peers/timegan/bin/pip install --no-deps timegan==0.1.12
    /work/peers/timegan/bin/pip install tensorflow-cpu tf-slim tf-keras scikit-learn
(the package pins tensorflow 2.11, which has no wheel for Python 3.11; its graph-mode code runs on
TensorFlow 2.21 with the legacy Keras, TF_USE_LEGACY_KERAS=1.)

    python timegan_peer.py train.npy out.npy --seconds 600 [--count N]
writes N generated windows (default: as many as training windows) and prints "calibrated" when the
main run starts, then one JSON line of timings.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import tempfile
import time

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

PARAMETERS = {"module": "gru", "hidden_dim": 24, "num_layer": 3, "batch_size": 128}
BATCHES_PER_ITERATION = 5  # windows drawn per iteration: one batch each in phases 1 and 2, three in the joint phase
CALIBRATION = 40  # iterations of the calibration run


class Clock(io.TextIOBase):
    """Stands in for stdout: notes when each line TimeGAN prints was written (it prints every 10th
    iteration of each phase, and when each phase starts and finishes)."""

    def __init__(self):
        self.lines: list[tuple[float, str]] = []

    def write(self, text: str) -> int:
        now = time.perf_counter()
        self.lines.extend((now, line) for line in text.splitlines() if line.strip())
        return len(text)

    def at(self, start: str, index: int = 0) -> float:
        """When the `index`-th line starting with `start` was printed."""
        return [when for when, line in self.lines if line.startswith(start)][index]


def timed_train(data: np.ndarray, iterations: int, filename: str) -> tuple[np.ndarray, Clock, float, float]:
    """TimeGAN's train_timegan, silenced; (generated, its printed lines with times, start, end)."""
    from timegan.timegan import train_timegan

    clock = Clock()
    started = time.perf_counter()
    with contextlib.redirect_stdout(clock):
        generated = train_timegan(list(data), {**PARAMETERS, "iterations": iterations}, filename=filename)
    return np.asarray(generated), clock, started, time.perf_counter()


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
    data = np.load(args.train).astype(np.float64)
    folder = tempfile.mkdtemp(prefix="timegan-")
    # seconds per iteration: between the prints of iterations 10 and 30 of each phase; the rest is fixed cost
    _, clock, started, _ = timed_train(data, CALIBRATION, f"{folder}/calibrate")
    per_iteration = sum(clock.at("step: 30", phase) - clock.at("step: 10", phase) for phase in range(3)) / 20
    fixed = clock.at("Finish Joint Training") - started - CALIBRATION * per_iteration
    iterations = max(1, int((args.seconds - fixed) / per_iteration))
    print("calibrated", flush=True)  # the benchmark starts midigan's training beside the main run now
    generated, clock, started, ended = timed_train(data, iterations, f"{folder}/model")
    train_seconds = clock.at("Finish Joint Training") - started
    count = args.count or len(generated)
    np.save(args.out, generated[np.arange(count) % len(generated)])
    print(json.dumps({"iterations": iterations, "train_seconds": train_seconds, "seconds_per_iteration": per_iteration,
                      "windows_per_second": iterations * BATCHES_PER_ITERATION * PARAMETERS["batch_size"] / train_seconds,
                      # train_timegan ends by writing as many series as it trained on (and saving the model)
                      "generation_series_per_second": len(generated) / (ended - clock.at("Finish Joint Training")),
                      "tensorflow": tf.__version__}))


if __name__ == "__main__":
    main()
