"""Adversarial steps per second of the melody model: the critic the defaults had (128 wide) against
today's (64 wide), on the same tunes, in one process, turn about, so the ratio holds whatever else
the machine is doing.

An adversarial step writes 64 tunes freely (64 LSTM steps each), scores them and real windows with
the critic (with its R1 penalty), and updates both networks; profiled on one thread, the 128-wide
critic took 0.45 s of a 1.2 s step (its R1 penalty's double backward the most), the free-running
generator's forward and backward 0.6 s.

    python benchmarks/melody_step_speed.py [--steps 30] [--rounds 2] [--threads 1]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import torch

from midigan.core.config import TrainConfig
from midigan.core.trainer import Trainer
from midigan.midi.dataset import prepare
from midigan.music.melody.plan import plan_melody
from midigan.music.planning import ModelSize

AIRDS = Path(__file__).resolve().parents[2] / "shared" / "data" / "airds"
CRITICS = {"before (critic 128 wide)": ModelSize(d_width=128, position_durations=False), "now (critic 64 wide)": ModelSize()}


def adversarial_steps_per_s(size: ModelSize, songs: list, steps: int) -> float:
    """Steps/s over `steps` adversarial steps after as many to warm up (the second metrics line)."""
    plan = plan_melody(songs, (4, 4), size)
    with tempfile.TemporaryDirectory() as run_dir:
        config = TrainConfig(run_dir=run_dir, max_steps=2 * steps, pretrain_steps=0, batch_size=64, device="cpu", progress=False,
                             log_every=steps, sample_every=10**9, checkpoint_every=10**9, r1_gamma=1.0, adversarial_g_lr=1e-4)
        Trainer(plan.family, plan.data, config, artifacts=plan.artifacts).fit()
        lines = [json.loads(line) for line in (Path(run_dir) / "metrics.jsonl").read_text().splitlines()]
    return [line["steps_per_s"] for line in lines if "steps_per_s" in line][1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    arguments = parser.parse_args()
    torch.set_num_threads(arguments.threads)
    songs = prepare(AIRDS, progress=False).songs
    rates: dict[str, list[float]] = {name: [] for name in CRITICS}
    for _ in range(arguments.rounds):
        for name, size in CRITICS.items():
            rates[name].append(adversarial_steps_per_s(size, songs, arguments.steps))
    print(f"adversarial steps/s, Aird's Airs in 4/4 (1x128 generator, batch 64, {arguments.threads} thread(s)):")
    for name, values in rates.items():
        print(f"  {name}: " + ", ".join(f"{value:.2f}" for value in values))
    ratios = [now / before for before, now in zip(*rates.values())]
    print("  ratio now/before per round: " + ", ".join(f"{ratio:.2f}" for ratio in ratios))


if __name__ == "__main__":
    main()
