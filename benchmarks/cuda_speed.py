"""Every family on CPU and on CUDA: training steps per second (AMP on and off; channels_last is on
wherever a family is convolutional, on both devices), and a run resumed across devices.

The engine claims CUDA and had never been measured on it: whoever first has a GPU runs this and puts
the table in docs/engine.md. Without a GPU it says so and exits 0.

    python benchmarks/cuda_speed.py                  # 50 timed steps per cell, after 50 warm-up steps
    python benchmarks/cuda_speed.py --steps 200 --family melody --family dcgan
    python benchmarks/cuda_speed.py --cpu-only --steps 30       # a machine without a GPU: the CPU column alone
    python benchmarks/cuda_speed.py --steps 30 --family melody --batch 256   # what a larger batch buys on CUDA
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import click
import torch

from midigan.core.config import TrainConfig
from midigan.core.trainer import Trainer

DATA = Path(__file__).resolve().parents[1] / "data"


def melody():
    from midigan.midi.dataset import prepare
    from midigan.music.melody.plan import plan_melody
    from midigan.music.planning import ModelSize

    plan = plan_melody(prepare(DATA / "midi" / "folk", progress=False).songs, None, ModelSize())
    return plan.family, plan.data, {"pretrain_steps": 0}


def parts():
    from midigan.midi.dataset import prepare
    from midigan.music.parts.plan import plan_polyphony
    from midigan.music.planning import ModelSize

    plan = plan_polyphony(prepare(DATA / "midi" / "bach", progress=False).songs, None, ModelSize())
    return plan.family, plan.data, {"pretrain_steps": 0}


def dcgan():
    from imagegan.data import load_images
    from imagegan.models import DCGANFamily

    return DCGANFamily(size=64, channels=1, width=64), load_images(DATA / "images", 64, 1).images, {}


def progan():
    from imagegan.data import load_images
    from imagegan.progan import ProGANFamily

    family = ProGANFamily(size=32, channels=1, width=16, phase_images=10**9)  # stays at its first stage: a fixed network
    return family, load_images(DATA / "images", 32, 1).images, {"loss": "wgan-gp"}


def tune_transfer():
    from midigan.midi.dataset import prepare
    from midigan.music.transfer.model import MusicTransferFamily, encode_tune, windows

    tunes = [tune for tune in map(encode_tune, prepare(DATA / "midi" / "folk", progress=False).songs) if tune is not None]
    half = len(tunes) // 2
    family, data = MusicTransferFamily(128), (windows(tunes[:half]), windows(tunes[half:]))
    family.know_collections(data)
    return family, data, {"loss": "lsgan", "fake_pool": 4}


def table():
    from midigan.table.reading import read_table
    from midigan.table.training import DEFAULTS, plan_table

    plan = plan_table(read_table(DATA / "tables" / "mpg.csv"))
    return plan.family, plan.data, {"pretrain_steps": 0, "batch_size": DEFAULTS["batch_size"]}


def series():
    from midigan.series.plan import TRAIN_DEFAULTS, plan_training
    from midigan.series.reading import read_series

    plan = plan_training(read_series(DATA / "series" / "stocks_head.csv"))
    return plan.family, plan.data, {"pretrain_steps": 0, "batch_size": TRAIN_DEFAULTS["batch_size"], "loss": TRAIN_DEFAULTS["loss"]}


FAMILIES: dict[str, Callable] = {"melody": melody, "parts": parts, "dcgan": dcgan, "progan": progan, "tune-transfer": tune_transfer,
                                 "table": table, "series": series}


def with_batch(build: Callable, batch: int | None) -> Callable:
    """`build` with every run's batch size replaced (None: the family's own)."""
    if batch is None:
        return build

    def rebuilt():
        family, data, settings = build()
        return family, data, {**settings, "batch_size": batch}

    return rebuilt


def steps_per_s(build: Callable, device: str, amp: bool, steps: int, run_dir: Path, resume: bool = False,
                max_steps: int | None = None) -> tuple[float, int]:
    """The rate of the second logging interval (the first holds warm-up: cuDNN autotuning, allocations),
    and the batch size (each family's own default where it has one, else 32)."""
    family, data, settings = build()
    settings = {"batch_size": 32, **settings}
    config = TrainConfig(**settings, run_dir=str(run_dir), max_steps=max_steps or 2 * steps, device=device,
                         amp=amp, progress=False, log_every=steps, sample_every=10**9, checkpoint_every=steps, resume=resume)
    Trainer(family, data, config).fit()
    lines = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    return [line for line in lines if "steps_per_s" in line][-1]["steps_per_s"], settings["batch_size"]


@click.command()
@click.option("--steps", type=int, default=50, show_default=True, help="Timed steps per cell, after as many warm-up steps.")
@click.option("--family", "families", multiple=True, type=click.Choice(list(FAMILIES)), help="Default: all.")
@click.option("--threads", type=int, default=torch.get_num_threads(), show_default=True, help="CPU threads.")
@click.option("--accelerator", default="cuda", show_default=True, help="The device to compare with the CPU (cpu checks the script itself).")
@click.option("--cpu-only", is_flag=True, help="Only the CPU column: a machine without a GPU, beside a table measured on one.")
@click.option("--batch", type=int, help="Every family's batch size (default: its own, else 32). Where a step is kernel launches"
              " (melody), CUDA should gain with the batch.")
def main(steps: int, families: tuple[str, ...], threads: int, accelerator: str, cpu_only: bool, batch: int | None) -> None:
    torch.set_num_threads(threads)
    if cpu_only:
        print(f"{threads} CPU threads, torch {torch.__version__}, {steps} timed steps")
        print("| family | batch | CPU (steps/s) |\n| --- | ---: | ---: |")
        for name in families or FAMILIES:
            with tempfile.TemporaryDirectory() as scratch:
                cpu, used = steps_per_s(with_batch(FAMILIES[name], batch), "cpu", False, steps, Path(scratch) / "cpu")
            print(f"| {name} | {used} | {cpu:.1f} |", flush=True)
        return
    if accelerator.startswith("cuda") and not torch.cuda.is_available():
        print("no CUDA device here: nothing to measure (run this on a machine with a GPU)")
        sys.exit(0)
    name = torch.cuda.get_device_name(0) if accelerator.startswith("cuda") else accelerator
    print(f"{name} against {threads} CPU threads, torch {torch.__version__}, {steps} timed steps")
    print("| family | batch | CPU (steps/s) | CUDA, AMP off | CUDA, AMP on (bf16) | CUDA/CPU (AMP on) | resume CUDA -> CPU -> CUDA |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
    for name in families or FAMILIES:
        build = with_batch(FAMILIES[name], batch)
        with tempfile.TemporaryDirectory() as scratch:
            scratch = Path(scratch)
            cpu, used = steps_per_s(build, "cpu", False, steps, scratch / "cpu")
            fp32, _ = steps_per_s(build, accelerator, False, steps, scratch / "fp32")
            bf16, _ = steps_per_s(build, accelerator, True, steps, scratch / "bf16")
            moved = scratch / "moved"  # 2 x steps on the accelerator, then on the CPU, then on the accelerator again
            steps_per_s(build, accelerator, True, steps, moved)
            steps_per_s(build, "cpu", True, steps, moved, resume=True, max_steps=3 * steps)
            steps_per_s(build, accelerator, True, steps, moved, resume=True, max_steps=4 * steps)
            last = json.loads((moved / "metrics.jsonl").read_text().splitlines()[-1])
            resumed = f"ok, step {last['step']}" if last["step"] == 4 * steps else f"stopped at step {last['step']}"
        print(f"| {name} | {used} | {cpu:.1f} | {fp32:.1f} | {bf16:.1f} | {bf16 / cpu:.1f}x | {resumed} |", flush=True)


if __name__ == "__main__":
    main()
