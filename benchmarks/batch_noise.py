"""How far a training batch's pitch statistics lie from its own collection's, beside how far two
collections lie apart. Real tunes only, no model.

Why: the translators' pulls on the pitch language (pitch-class and interval histograms, scale profile)
once compared each batch's translations with the target collection's windows in the same batch. Where
a batch lies about as far from its collection as two collections lie apart, such a pull points nearly
as often away from the target as towards it; since stop 47 the pulls move each batch by the
collections' difference instead (`midigan.music.transfer.model.PULL_TARGET`). For each pair of the
translation benchmark's collections (benchmarks/folk_transfer.py: the same sources, the training part
of the same split), in total variation: the two collections' histograms over their training windows
(`collection_histograms`), and the mean distance of a batch of `--batch` windows of B, drawn
`--draws` times, from B's.

    python benchmarks/batch_noise.py
"""

from __future__ import annotations

import click
import torch
from folk_transfer import REPORTED_ON, SHARED, SOURCES, TUNED_ON, encoded, split_source

from midigan.music.transfer.model import MusicTransferFamily, collection_histograms, windows

STATISTICS = ("class", "interval", "scale")


def _training_windows(source: str) -> torch.Tensor:
    """The windows `midigan transfer train` would train on from a source's training part."""
    return windows(encoded(MusicTransferFamily(), source, split_source(SHARED, source)["train"]))


def _apart(histogram: torch.Tensor, other: torch.Tensor) -> float:
    return float(0.5 * (histogram - other).abs().sum())


@click.command()
@click.option("--pairs", default=",".join(TUNED_ON + REPORTED_ON), show_default=True,
              help=f"A:B pairs of sources ({', '.join(SOURCES)}), comma-separated.")
@click.option("--batch", type=int, default=16, show_default=True, help="Windows in a batch (`midigan transfer train`'s default).")
@click.option("--draws", type=int, default=200, show_default=True, help="Batches drawn per pair.")
@click.option("--seed", type=int, default=0, show_default=True)
def main(pairs: str, batch: int, draws: int, seed: int) -> None:
    print(f"tuned on: {', '.join(TUNED_ON)}; reported on: {', '.join(REPORTED_ON)}\n")
    print(f"| pair | {' | '.join(f'{name}: collections apart / a batch of B from B' for name in STATISTICS)} | windows A, B |")
    print(f"| --- | {' | '.join('---:' for _ in STATISTICS)} | ---: |")
    draw = torch.Generator().manual_seed(seed)
    for a, b in (pair.split(":") for pair in pairs.split(",")):
        rows = {side: _training_windows(side) for side in (a, b)}
        whole = {side: collection_histograms(rows[side]) for side in (a, b)}
        batches = [collection_histograms(rows[b][torch.randint(len(rows[b]), (batch,), generator=draw)]) for _ in range(draws)]
        cells = [f"{_apart(whole[a][name], whole[b][name]):.3f} / {sum(_apart(h[name], whole[b][name]) for h in batches) / draws:.3f}"
                 for name in STATISTICS]
        print(f"| {a} : {b} | {' | '.join(cells)} | {len(rows[a])}, {len(rows[b])} |", flush=True)


if __name__ == "__main__":
    main()
