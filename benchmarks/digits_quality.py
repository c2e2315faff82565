"""The digits claim: a DCGAN trained for at most 10 minutes on this CPU, then scored.

Prints the Fréchet distance of generated digits beside held-out real digits (floor) and noise
(ceiling), and the classes a digit classifier (trained on the real digits) finds among 500
generated digits. The GAN trains only on the evaluator's training split, so the held-out digits
are unseen by both the GAN and the feature network.

    python examples/export_digits.py digits/
    python benchmarks/digits_quality.py digits/ --max-minutes 10

The defaults are the measured recipe: the paper's architecture at width 16, Adam 4e-4, DiffAugment
(translation, cutout) and lazy R1 (0.1, every 16th D update), real targets 0.9; every flag
switches one of them for a comparison.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import click
import torch

from imagegan.augment import parse_policy
from imagegan.data import load_images
from imagegan.evaluation import evaluate, split_held_out
from imagegan.grid import make_grid, save_png
from imagegan.models import DCGANFamily
from imagegan.sampling import generate_images
from midigan.core.checkpoint import load_generator
from midigan.core.config import TrainConfig
from midigan.core.trainer import Trainer


@click.command()
@click.argument("digits_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--max-minutes", type=float, default=10.0, show_default=True)
@click.option("--size", type=int, default=32, show_default=True)
@click.option("--width", type=int, default=16, show_default=True, help="ngf/ndf of the DCGAN (the paper's is 64).")
@click.option("--run-dir", type=click.Path(path_type=Path), default=Path("runs/digits-quality"), show_default=True)
@click.option("--threads", type=int, default=torch.get_num_threads(), show_default=True)
@click.option("--batch-size", type=int, default=64, show_default=True)
@click.option("--loss", type=click.Choice(["ns", "hinge", "lsgan"]), default="ns", show_default=True)
@click.option("--d-steps", type=int, default=1, show_default=True, help="D updates per G update.")
@click.option("--ema-decay", type=float, default=0.999, show_default=True, help="EMA of G's weights (samples come from it).")
@click.option("--label-smoothing", type=float, default=0.1, show_default=True, help="Real targets become 1 - this (ns, lsgan).")
@click.option("--lr", type=float, default=4e-4, show_default=True, help="Adam learning rate of G and D (the paper's is 2e-4).")
@click.option("--augment", default="translation,cutout", show_default=True,
              help="What D sees is augmented: translation, cutout, both, or none.")
@click.option("--r1-gamma", type=float, default=0.1, show_default=True, help="R1 penalty weight; 0 is off.")
@click.option("--r1-interval", type=int, default=16, show_default=True, help="R1 on every this-many-th D update (lazy).")
@click.option("--seed", type=int, default=0, show_default=True)
def main(
    digits_dir: Path, max_minutes: float, size: int, width: int, run_dir: Path, threads: int, batch_size: int,
    loss: str, d_steps: int, ema_decay: float, label_smoothing: float, lr: float, augment: str, r1_gamma: float,
    r1_interval: int, seed: int,
) -> None:
    torch.set_num_threads(threads)
    reference = load_images(digits_dir, size, channels=1)
    train_indices, _ = split_held_out(reference)
    shutil.rmtree(run_dir, ignore_errors=True)
    config = TrainConfig(
        run_dir=str(run_dir), max_steps=None, max_minutes=max_minutes, device="cpu",
        sample_every=500, checkpoint_every=500, n_samples=64, progress=False, batch_size=batch_size, loss=loss,
        d_steps=d_steps, ema_decay=ema_decay, label_smoothing=label_smoothing, g_lr=lr, d_lr=lr, seed=seed,
        r1_gamma=r1_gamma, r1_interval=r1_interval,
    )
    family = DCGANFamily(size=size, channels=1, width=width, augment=parse_policy(augment))
    result = Trainer(family, reference.images[train_indices], config).fit()
    family, generator = load_generator(run_dir, DCGANFamily)
    report = evaluate(lambda n: generate_images(family, generator, n, seed=1), reference, count=500)
    grid = run_dir / "digits-grid.png"
    save_png(make_grid(generate_images(family, generator, 64, seed=2), 8, 8), grid)

    shares = report.class_shares
    print(
        f"trained {result.step} steps of batch {batch_size} in {max_minutes:g} min on {len(train_indices)} digits"
        f" ({threads} threads), {size}x{size}, width {width}, loss {loss}, d_steps {d_steps}, ema {ema_decay:g},"
        f" label smoothing {label_smoothing:g}, lr {lr:g}, augment {augment}, r1 {r1_gamma:g}/{r1_interval}"
    )
    print(report.format())
    print("| claim | measured | target | met |")
    print("| --- | --- | --- | --- |")
    ratio = report.model / report.floor
    print(f"| FD model / FD held-out real | {ratio:.2f}x | <= 3x | {'yes' if ratio <= 3 else 'no'} |")
    far_above = "yes" if report.ceiling > 10 * report.model else "no"
    print(f"| FD noise / FD model | {report.ceiling / report.model:.0f}x | far above | {far_above} |")
    found = sum(share > 0 for share in shares)
    print(f"| classes found among 500 | {found}/10 | 10/10 | {'yes' if found == 10 else 'no'} |")
    print(f"| largest class share | {max(shares):.1%} | <= 25% | {'yes' if max(shares) <= 0.25 else 'no'} |")
    print(f"grid of 64 generated digits: {grid}")


if __name__ == "__main__":
    main()
