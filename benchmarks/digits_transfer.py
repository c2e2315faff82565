"""Translation between thin and thick digits: is the digit kept, and is the style moved?

Splits the digits (exported by examples/export_digits.py, read at 32x32) by a fixed permutation
into the judges' half and two disjoint quarters: domain A (the digits as they are) and domain B
(other digits, their strokes dilated by a 3x3 maximum filter), so that no pair exists. A fifth of
each domain is held out. Trains `imagegan transfer train A B --size 32 --max-minutes M` with
default flags, translates the held-out images both ways and scores them with two classifiers
trained on the judges' half only: a digit classifier trained on real images of the target
domain (is the translated digit still the input's digit?) and a domain classifier trained on thin
against thick (is the translation in the target domain?). The identity map (no change) is the
baseline beside it, and the true translation (the input dilated, or a thick digit's own thin
original) is what a perfect translator would score: the classifiers misread some of those too.

    python examples/export_digits.py digits/
    python benchmarks/digits_transfer.py digits/ [--minutes 10] [--flags "--identity-weight 0"] [--split-seed 1]
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import click
import numpy as np
import torch
from PIL import Image, ImageFilter

SIZE = 32
#: Training batches for each judge (`train_feature_space`'s default, 30 passes, is about 200 here).
#: Chosen by accuracy on real images alone, a fifth of the judges' half held out, never on
#: translations: thick-digit judges of two seeds read 98.9% and 94.4% of those real thick digits at
#: the default length, 99.4% and 98.9% at 1,200 batches; thin-digit judges 97.2% twice, then 99.4%
#: and 98.3%.
JUDGE_STEPS = 1200


def _thicken(images: torch.Tensor) -> torch.Tensor:
    """A 3x3 maximum filter on each (1, H, W) uint8 image: strokes two pixels wider."""
    thick = [torch.from_numpy(np.array(Image.fromarray(image[0].numpy()).filter(ImageFilter.MaxFilter(3)))) for image in images]
    return torch.stack(thick)[:, None]


def _write(images: torch.Tensor, labels: torch.Tensor, folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    for index, (image, label) in enumerate(zip(images, labels)):
        path = folder / str(int(label)) / f"{index:04d}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(image[0].numpy()).save(path)


@click.command()
@click.argument("digits_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--minutes", type=float, default=10.0, show_default=True)
@click.option("--work", type=click.Path(path_type=Path), default=Path("runs/digits-transfer"), show_default=True)
@click.option("--report-only", is_flag=True, help="Score the run already in --work.")
@click.option("--flags", default="", help="More `imagegan transfer train` flags (while tuning), e.g. '--identity-weight 0'.")
@click.option("--split-seed", type=int, default=0, show_default=True,
              help="Seed of the permutation that splits the digits: another seed checks settings chosen on seed 0.")
def main(digits_dir: Path, minutes: float, work: Path, report_only: bool, flags: str, split_seed: int) -> None:
    from imagegan.cyclegan import CycleGANFamily
    from imagegan.data import load_images
    from imagegan.fid import train_feature_space
    from midigan.core.checkpoint import load_generator

    digits = load_images(digits_dir, SIZE, 1)
    order = torch.randperm(len(digits.images), generator=torch.Generator().manual_seed(split_seed))
    half, quarter = len(order) // 2, len(order) // 4
    parts = {"judges": order[:half], "A": order[half:half + quarter], "B": order[half + quarter:]}
    images = {name: digits.images[index] for name, index in parts.items()}
    labels = {name: digits.labels[index] for name, index in parts.items()}
    # what a perfect translator would give for each side's held-out images: B's own thin originals,
    # and A's digits dilated as B's were
    true_translation = {"A": _thicken(images["A"]), "B": images["B"]}
    images["B"] = _thicken(images["B"])
    held = {name: len(images[name]) // 5 for name in ("A", "B")}
    for name in ("A", "B"):
        _write(images[name][held[name]:], labels[name][held[name]:], work / name)
    run = work / "run"
    if not report_only:
        shutil.rmtree(run, ignore_errors=True)
        done = subprocess.run(["imagegan", "transfer", "train", str(work / "A"), str(work / "B"), "--size", str(SIZE),
                               "--max-minutes", str(minutes), "--quiet", "--run-dir", str(run), *shlex.split(flags)],
                              capture_output=True, text=True)
        if done.returncode:
            sys.exit(f"training failed:\n{done.stdout}{done.stderr}")
        (work / "train.log").write_text(done.stdout)

    torch.set_num_threads(2)
    judges, judge_labels = images["judges"], labels["judges"]
    thick_judges = _thicken(judges)
    digit_judge = {"A": train_feature_space(judges, judge_labels, 10, JUDGE_STEPS),
                   "B": train_feature_space(thick_judges, judge_labels, 10, JUDGE_STEPS)}
    domain_judge = train_feature_space(torch.cat([judges, thick_judges]),
                                       torch.cat([torch.zeros(len(judges)), torch.ones(len(judges))]).long(), 2, JUDGE_STEPS)
    family, generator = load_generator(run, CycleGANFamily)
    steps = int(json.loads((run / "metrics.jsonl").read_text().splitlines()[-1])["step"])
    print(f"judges' half: {len(judges)} digits; A: {len(images['A'])} digits, B: {len(images['B'])} thickened other digits,"
          f" a fifth of each held out (split seed {split_seed}); {steps} steps in {minutes:g} min\n")
    print("| held-out images | map | digit kept (target-domain classifier) | in the target domain (domain classifier) |")
    print("| --- | --- | ---: | ---: |")
    for source, target in (("A", "B"), ("B", "A")):
        inputs, truth = images[source][: held[source]], labels[source][: held[source]]
        with torch.no_grad():
            translated = family.translate(generator, inputs, target)
        for name, result in (("identity (no change)", inputs), ("the true translation", true_translation[source][: held[source]]),
                             ("imagegan transfer", translated)):
            kept = float((digit_judge[target].predict(result) == truth).float().mean())
            moved = float((domain_judge.predict(result) == (1 if target == "B" else 0)).float().mean())
            print(f"| {len(inputs)} {source} -> {target} | {name} | {kept:.1%} | {moved:.1%} |")
    real_kept = {name: float((digit_judge[name].predict(images[name][: held[name]]) == labels[name][: held[name]]).float().mean())
                 for name in ("A", "B")}
    print(f"\nthe digit classifiers on held-out real images of their own domain: A {real_kept['A']:.1%}, B {real_kept['B']:.1%}")


if __name__ == "__main__":
    main()
