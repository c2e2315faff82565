"""The digits with default flags only, scored by judges that were not tuned on.

Splits the digits (exported by examples/export_digits.py) in two halves by a fixed permutation:
the judges' half, and the GAN's half, of which a fifth is held out as the floor. Trains
`imagegan train GAN_HALF --size 32 --max-minutes M` with default flags, and each --variant
(default: the plain DCGAN loop, the paper's settings) for the same time, side by side, one thread
each; then scores the digits of each run in two feature spaces that never saw the GAN's half: a
digit classifier trained once on the judges' half and the fixed random features of `imagegan.judge`.
Each distance is the mean over DRAWS sets of as many generated digits as there are held-out ones:
one set's distance moves with the draw alone by a standard deviation of about a quarter of itself.
The class of each generated digit is read by a second classifier, trained on the judges' half with
pixel noise: the first calls most slightly noisy real digits "8". A noise-proof reader also names a
class for a scrawl, so the share it reads with confidence (legible) is printed too.

    python examples/export_digits.py digits/
    python benchmarks/digits_defaults.py digits/ [--minutes 10] [--split-seed 1] [--variant "recipe=--width 16 --lr 4e-4"]
    python benchmarks/digits_defaults.py digits/ --variants-only --variant "progressive growing=--arch progan" \
        --variant "plain DCGAN loop=--width 64 --lr 2e-4 --r1-gamma 0 --augment none --lr-decay-start 1"
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import click
import numpy as np
import torch

DRAWS = 10  # sets of generated digits scored per run; the figures are their mean (and spread)
#: The class reader: chosen on real digits alone (the held-out ones, clean and with noise), never on
#: generated ones; docs/images.md gives the figures.
READER_STEPS, READER_NOISE = 1200, 0.3
TEST_NOISE = 0.1  # the noise of the held-out digits on which both classifiers' accuracy is printed
LEGIBLE = 0.9  # a digit is legible when the class reader gives its class at least this probability
PAPER = "--width 64 --lr 2e-4 --r1-gamma 0 --augment none --lr-decay-start 1"  # the DCGAN paper's settings


def _split(digits_dir: Path, work: Path, split_seed: int) -> tuple[Path, Path, Path]:
    """judges/, gan/ and heldout/ under `work`, as class subfolders of links to the PNGs."""
    files = sorted(digits_dir.glob("*/*.png"))
    order = torch.randperm(len(files), generator=torch.Generator().manual_seed(split_seed)).tolist()
    judges, rest = order[: len(order) // 2], order[len(order) // 2:]
    held = rest[: len(rest) // 5]
    folders = {"judges": judges, "gan": rest[len(rest) // 5:], "heldout": held}
    for name, indices in folders.items():
        shutil.rmtree(work / name, ignore_errors=True)
        for index in indices:
            target = work / name / files[index].parent.name / files[index].name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(files[index].resolve())
    return work / "judges", work / "gan", work / "heldout"


@click.command()
@click.argument("digits_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--minutes", type=float, default=10.0, show_default=True)
@click.option("--work", type=click.Path(path_type=Path), default=Path("runs/digits-defaults"), show_default=True)
@click.option("--variant", "variants", multiple=True, metavar="NAME=FLAGS",
              help="Another run beside the defaults, e.g. 'no augmentation=--augment none'.")
@click.option("--split-seed", type=int, default=0, show_default=True,
              help="Seed of the split into halves; the defaults were chosen on split 0.")
@click.option("--report-only", is_flag=True, help="Score the runs already in --work.")
@click.option("--variants-only", is_flag=True, help="Train and score the --variant runs alone (while tuning).")
def main(digits_dir: Path, minutes: float, work: Path, variants: tuple[str, ...], split_seed: int, report_only: bool,
         variants_only: bool) -> None:
    from imagegan.catalogue import image_families
    from imagegan.data import load_images, to_float, to_uint8
    from imagegan.fid import frechet_distance, train_feature_space
    from imagegan.judge import FixedJudge
    from imagegan.sampling import generate_images
    from midigan.core.checkpoint import load_generator

    runs = {} if variants_only else {"imagegan, default flags": []}
    runs.update(_variant(text) for text in variants or (f"plain DCGAN loop={PAPER}",))
    work.mkdir(parents=True, exist_ok=True)
    judges_dir, gan_dir, heldout_dir = _split(digits_dir, work, split_seed)
    if not report_only:
        _train_side_by_side(runs, gan_dir, work, minutes)

    torch.set_num_threads(2)
    judged, held_out = load_images(judges_dir, 32, 1), load_images(heldout_dir, 32, 1)
    classifier = train_feature_space(judged.images, judged.labels, len(judged.class_names), seed=0)
    reader = train_feature_space(judged.images, judged.labels, len(judged.class_names), READER_STEPS, seed=0,
                                 pixel_noise=READER_NOISE)
    noisy = to_float(held_out.images)
    noisy = to_uint8((noisy + TEST_NOISE * torch.randn(noisy.shape, generator=torch.Generator().manual_seed(0))).clamp(-1, 1))

    def read(images: torch.Tensor) -> tuple[float, np.ndarray]:
        """(the share the reader reads with confidence, the share it puts in each class)."""
        confidence, classes = reader.probabilities(images).max(1)
        return float((confidence >= LEGIBLE).float().mean()), np.bincount(classes.numpy(), minlength=10) / len(images)

    def accuracy(judge, images: torch.Tensor) -> str:
        return f"{float((judge.predict(images) == held_out.labels).float().mean()):.1%}"
    fixed = FixedJudge(judged.images)
    reference = classifier.features(judged.images)
    n = len(held_out.images)

    def scores(images: torch.Tensor) -> np.ndarray:
        """(classifier judge, fixed judge) distances of each set of n images in `images`, one row per set."""
        return np.array([(frechet_distance(classifier.features(draw), reference), fixed.distance(draw))
                         for draw in images.split(n)])

    floor = scores(held_out.images)[0]
    print(f"judges' half: {len(judged.images)} digits; GAN's half: {len(load_images(gan_dir, 32, 1).images)} to train on,"
          f" {n} held out (the floor); accuracy on the held-out digits, clean / with noise {TEST_NOISE}: classifier"
          f" judge {accuracy(classifier, held_out.images)} / {accuracy(classifier, noisy)}, class reader"
          f" {accuracy(reader, held_out.images)} / {accuracy(reader, noisy)}")
    print(f"\nFréchet distances as multiples of the floor's; for each run the mean ± standard deviation over {DRAWS} sets of"
          f" {n} generated digits")
    print(f"\n| run, {minutes:g} min | steps | classifier judge, x floor | fixed judge, x floor | legible | classes"
          " | largest class | largest class, by the classifier judge |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    print(f"| held-out real digits (floor) | – | 1.00 ({floor[0]:.3f}) | 1.00 ({floor[1]:.4f}) | {read(held_out.images)[0]:.1%}"
          " | 10 | – | – |")
    for name in runs:
        run_dir = work / _slug(name)
        family, generator = load_generator(run_dir, image_families())
        images = generate_images(family, generator, DRAWS * n, seed=1)
        legible, shares = read(images)
        judge_shares = np.bincount(classifier.predict(images).numpy(), minlength=10) / len(images)
        ratios = scores(images) / floor
        mean, spread = ratios.mean(0), ratios.std(0)
        steps = _steps(run_dir)
        print(f"| {name} | {steps} | {mean[0]:.2f} ± {spread[0]:.2f} | {mean[1]:.2f} ± {spread[1]:.2f} | {legible:.1%}"
              f" | {int((shares > 0).sum())}"
              f" | {shares.max():.1%} ('{int(shares.argmax())}') | {judge_shares.max():.1%} ('{int(judge_shares.argmax())}') |")


def _variant(text: str) -> tuple[str, list[str]]:
    name, _, flags = text.partition("=")
    return name.strip(), shlex.split(flags)


def _slug(name: str) -> str:
    return "".join(character if character.isalnum() else "-" for character in name.lower()).strip("-")


def _train_side_by_side(runs: dict[str, list[str]], gan_dir: Path, work: Path, minutes: float) -> None:
    """Every run at once, one thread each (this machine has two cores: two runs share it fairly)."""
    environment = {**os.environ, "OMP_NUM_THREADS": "1"}
    started = []
    for name, flags in runs.items():
        run_dir = work / _slug(name)
        shutil.rmtree(run_dir, ignore_errors=True)
        command = ["imagegan", "train", str(gan_dir), "--size", "32", "--max-minutes", str(minutes),
                   "--quiet", "--device", "cpu", "--run-dir", str(run_dir), *flags]
        log = open(work / f"{_slug(name)}.log", "w")
        started.append((name, subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=environment), log))
    for name, process, log in started:
        if process.wait():
            sys.exit(f"{name}: training failed, see {log.name}")
        log.close()


def _steps(run_dir: Path) -> int:
    from midigan.core.checkpoint import load_checkpoint

    return int(load_checkpoint(run_dir / "checkpoints" / "last.pt")["step"])


if __name__ == "__main__":
    main()
