"""Copy what generation needs from a run's checkpoint into a small file (the shipped model).

A full checkpoint also holds the discriminator, both optimizers' state and RNG states for exact
resume; generation needs only the family config, the EMA generator and the artifacts (forms and the
novelty guard's phrase hashes), a third of the size. A run folder gives its best checkpoint.

    python examples/ship_model.py runs/folk-shipped midigan/assets/folk.pt
"""

from __future__ import annotations

import sys
from pathlib import Path

from midigan.core.checkpoint import load_checkpoint, resolve_checkpoint, save_checkpoint

KEPT = ("format", "version", "family", "generator_ema", "step", "train_config", "artifacts")


def main(run: str, out: str) -> None:
    checkpoint = load_checkpoint(resolve_checkpoint(run))
    save_checkpoint({key: checkpoint[key] for key in KEPT}, out)
    print(f"{out}: {Path(out).stat().st_size / 1e6:.1f} MB, {checkpoint['family']['name']} after {checkpoint['step']} steps")


if __name__ == "__main__":
    main(*sys.argv[1:3])
