"""How big a generator a folder can feed: model size and dropout by the number of training notes.

Why: a model with far more weights than its folder has notes learns the tunes by heart within a
few hundred steps (measured: 135 tunes, an LSTM of 2x256, held-out likelihood at its best after
200 steps and copying half of its phrases after 1,200). Smaller and more regularised for small
folders, larger for large ones; the thresholds were measured on folders of 40 to 6,000 tunes.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Capacity:
    hidden: int
    layers: int
    dropout: float


#: (fewest training notes, capacity), largest first
SIZES = (
    (100_000, Capacity(hidden=256, layers=2, dropout=0.1)),
    (20_000, Capacity(hidden=192, layers=1, dropout=0.2)),
    (0, Capacity(hidden=128, layers=1, dropout=0.3)),
)


def capacity_for(notes: int) -> Capacity:
    """The generator size for a folder whose training melodies hold `notes` notes."""
    return next(capacity for fewest, capacity in SIZES if notes >= fewest)
