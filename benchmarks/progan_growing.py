"""Progressive growing to 128x128 in colour: does a run grow, fade in, stop and resume across a
resolution change, and how fast is each resolution?

Trains `imagegan train FOLDER --arch progan --size 128` for half of --minutes, stops (as a time
budget or Ctrl-C would), resumes it with `--resume` for the other half, and prints, from the run's
metrics.jsonl, the step and images/s at which each stage began, where the first half stopped and
how far the resumed half went. --phase-images is small by default so that a CPU reaches 128x128
in minutes: this measures the machinery and its speed, not image quality. On a GPU pass
--compare-dcgan to time the plain DCGAN loop at 64x64 on the same folder beside it.

    python examples/export_crops.py crops/
    python benchmarks/progan_growing.py crops/ [--minutes 8] [--phase-images 3000] [--device cuda]
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import click


@click.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--minutes", type=float, default=8.0, show_default=True, help="Both halves together.")
@click.option("--phase-images", type=int, default=3000, show_default=True)
@click.option("--size", type=click.Choice(["64", "128", "256"]), default="128", show_default=True)
@click.option("--device", default="cpu", show_default=True)
@click.option("--work", type=click.Path(path_type=Path), default=Path("runs/progan-growing"), show_default=True)
@click.option("--compare-dcgan", is_flag=True, help="Also time the plain DCGAN loop (64x64) for the same minutes.")
def main(folder: Path, minutes: float, phase_images: int, size: str, device: str, work: Path, compare_dcgan: bool) -> None:
    run = work / "progan"
    shutil.rmtree(work, ignore_errors=True)
    common = ["--device", device, "--quiet", "--run-dir", str(run), "--max-minutes", str(minutes / 2)]
    _imagegan("train", str(folder), "--arch", "progan", "--size", size, "--phase-images", str(phase_images), *common)
    first_half = _records(run)
    _imagegan("train", str(folder), "--resume", *common)
    records = _records(run)
    print(f"{folder}: {size}x{size}, {phase_images} images per phase, {minutes:g} min in two halves on {device}\n")
    print("| stage | from step | images/s |")
    print("| --- | ---: | ---: |")
    for name, (step, rate) in _stages(records).items():
        print(f"| {name} | {step} | {rate:,.0f} |")
    stopped, last = first_half[-1], records[-1]
    print(f"\nfirst half stopped at step {stopped['step']} in {stopped['stage']['name']}; the resumed half went on to step"
          f" {last['step']} in {last['stage']['name']}")
    grid = work / "grid.png"
    _imagegan("generate", "--model", str(run), str(grid), "--count", "16", "--device", device)
    print(f"16 images at {size}x{size}: {grid}")
    if compare_dcgan:
        dcgan = work / "dcgan"
        _imagegan("train", str(folder), "--size", "64", "--width", "64", "--lr", "2e-4", "--r1-gamma", "0", "--augment", "none",
                  "--device", device, "--quiet", "--run-dir", str(dcgan), "--max-minutes", str(minutes / 2))
        rates = [record["steps_per_s"] for record in _records(dcgan)[1:]]
        print(f"plain DCGAN loop, 64x64: {64 * sum(rates) / len(rates):,.0f} images/s")


def _imagegan(*args: str) -> None:
    done = subprocess.run(["imagegan", *args], capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"imagegan {' '.join(args)} failed:\n{done.stdout}{done.stderr}")


def _records(run: Path) -> list[dict]:
    lines = (run / "metrics.jsonl").read_text().splitlines()
    return [record for record in map(json.loads, lines) if "losses" in record]


def _stages(records: list[dict]) -> dict[str, tuple[int, float]]:
    """The first logged step of each stage and its mean images/s (batches of 64)."""
    stages: dict[str, list] = {}
    for record in records:
        entry = stages.setdefault(record["stage"]["name"], [record["step"], []])
        entry[1].append(record["steps_per_s"] * 64)
    return {name: (step, sum(rates) / len(rates)) for name, (step, rates) in stages.items()}


if __name__ == "__main__":
    main()
