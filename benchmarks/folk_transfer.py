"""German tunes into Chinese Han tunes and back: does the pitch language move while rhythm and
contour stay?

From ../shared/data/folk: A = the Erk collection's German tunes (essen_erk*), B = the Han tunes
(essen_han*, largely pentatonic). A fifth of each side is held out by a hash of the file name;
half of the held-out tunes train the judge, the other half are translated. Trains `midigan
transfer train A B --max-minutes M` with default flags, translates the test tunes both ways and
prints, beside the identity map and a snap of every pitch to the target's most common scale:
the share a classifier (logistic regression on key-free pitch-class and interval statistics,
trained on the judges' real tunes of both sides) puts on the target side, the onset agreement and
the contour correlation with the input.

    python benchmarks/folk_transfer.py [--minutes 10] [--report-only] [--flags "--identity-weight 0"]
    python benchmarks/folk_transfer.py --sides essen_ballad,essen_han   # another pair: ballads and Han
"""

from __future__ import annotations

import hashlib
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import click
import numpy as np
import torch

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "folk"
SIDES = ("A", "B")


def _share(name: str) -> int:
    """0 (held out, judges), 1 (held out, translated) or 2-9 (training), by a hash of the name."""
    return int(hashlib.sha1(name.encode()).hexdigest(), 16) % 10


def _fit_classifier(features: np.ndarray, labels: np.ndarray, steps: int = 2000):
    """Logistic regression (standardised inputs, light L2), returned as a function -> P(B)."""
    x = torch.tensor(features, dtype=torch.float32)
    mean, std = x.mean(0), x.std(0) + 1e-6
    x = (x - mean) / std
    y = torch.tensor(labels, dtype=torch.float32)
    weights, bias = torch.zeros(x.shape[1], requires_grad=True), torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.Adam([weights, bias], lr=0.05)
    for _ in range(steps):
        optimizer.zero_grad()
        logits = x @ weights + bias
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, y) + 1e-3 * weights.pow(2).sum()
        loss.backward()
        optimizer.step()
    return lambda f: torch.sigmoid(((torch.tensor(f, dtype=torch.float32) - mean) / std) @ weights.detach() + bias.detach()).numpy()


@click.command()
@click.option("--minutes", type=float, default=10.0, show_default=True)
@click.option("--work", type=click.Path(path_type=Path), default=Path("runs/folk-transfer"), show_default=True)
@click.option("--report-only", is_flag=True, help="Score the run already in --work.")
@click.option("--flags", default="", help="More `midigan transfer train` flags (while tuning), e.g. '--identity-weight 0'.")
@click.option("--sides", default="essen_erk,essen_han", show_default=True, help="File name prefixes of A and B.")
def main(minutes: float, work: Path, report_only: bool, flags: str, sides: str) -> None:
    from midigan.core.checkpoint import load_generator
    from midigan.metrics.transfer import common_scale, contour_correlation, onset_agreement, pitch_language, snap_to_scale
    from midigan.midi import read
    from midigan.music.transfer.model import MusicTransferFamily, encode_tune

    files = {side: sorted(SHARED.glob(f"{prefix}*.mid")) for side, prefix in zip(SIDES, sides.split(","))}
    split = {side: {"judges": [], "test": [], "train": []} for side in SIDES}
    for side, paths in files.items():
        for path in paths:
            share = _share(path.name)
            split[side]["judges" if share == 0 else "test" if share == 1 else "train"].append(path)
    run = work / "run"
    if not report_only:
        for side in SIDES:
            shutil.rmtree(work / side, ignore_errors=True)
            (work / side).mkdir(parents=True)
            for path in split[side]["train"]:
                (work / side / path.name).symlink_to(path.resolve())
        shutil.rmtree(run, ignore_errors=True)
        done = subprocess.run(["midigan", "transfer", "train", str(work / "A"), str(work / "B"), "--max-minutes", str(minutes),
                               "--quiet", "--run-dir", str(run), *shlex.split(flags)], capture_output=True, text=True)
        if done.returncode:
            sys.exit(f"training failed:\n{done.stdout}{done.stderr}")
        (work / "train.log").write_text(done.stdout)

    torch.set_num_threads(1)
    tunes = {side: {part: [t for t in (encode_tune(read(p)) for p in paths) if t is not None] for part, paths in parts.items()}
             for side, parts in split.items()}
    judges = [(tune.melody, label) for label, side in enumerate(SIDES) for tune in tunes[side]["judges"]]
    probability_b = _fit_classifier(np.stack([pitch_language(m) for m, _ in judges]), np.array([label for _, label in judges]))
    scales = {side: common_scale([tune.melody for tune in tunes[side]["train"]]) for side in SIDES}
    family, generator = load_generator(run, MusicTransferFamily)
    print((work / "train.log").read_text().strip())
    print(f"\njudge: {len(judges)} held-out real tunes; test: {len(tunes['A']['test'])} A and {len(tunes['B']['test'])} B tunes;"
          f" the target's most common scale (pitch classes over the tune's centre): A {scales['A']}, B {scales['B']}\n")
    print("| test tunes | map | on the target side | onset agreement | contour correlation |")
    print("| --- | --- | ---: | ---: | ---: |")
    for source, target in (("A", "B"), ("B", "A")):
        inputs = tunes[source]["test"]
        maps = {
            "real tunes of the target side": [tune.melody for tune in tunes[target]["test"]],
            "identity (no change)": [tune.melody for tune in inputs],
            "snap to the target's scale": [snap_to_scale(tune.melody, scales[target]) for tune in inputs],
            "midigan transfer": [family.translate(generator, tune, target) for tune in inputs],
        }
        for name, outputs in maps.items():
            p_b = probability_b(np.stack([pitch_language(m) for m in outputs]))
            on_target = float(np.mean(p_b > 0.5) if target == "B" else np.mean(p_b <= 0.5))
            if name.startswith("real"):
                print(f"| {len(outputs)} {target} | {name} | {on_target:.1%} | – | – |")
                continue
            onsets = np.mean([onset_agreement(t.melody, m) for t, m in zip(inputs, outputs)])
            contour = np.mean([contour_correlation(t.melody, m) for t, m in zip(inputs, outputs)])
            print(f"| {len(inputs)} {source} -> {target} | {name} | {on_target:.1%} | {onsets:.3f} | {contour:.3f} |")


if __name__ == "__main__":
    main()
