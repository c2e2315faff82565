"""Split the Essen folk tunes into a training folder and a held-out folder, the same way every time.

Held-out: one in five of the tunes in 4/4 (chosen by a hash of the file name, so the split does not
depend on file order or on the machine); everything else is for training. Both folders hold
symbolic links to the original files.

    python examples/split_folk.py [../shared/data/folk] [runs/folk-split]
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

from midigan.midi import MidiReadError, read
from midigan.music.encoding import tune_meter

SHARED_FOLK = Path(__file__).resolve().parents[2] / "shared" / "data" / "folk"

HELD_OUT_SHARE = 5  # one in five 4/4 tunes


def held_out(path: Path) -> bool:
    return int(hashlib.sha1(path.name.encode()).hexdigest(), 16) % HELD_OUT_SHARE == 0


def main(source: Path, out: Path) -> None:
    train, heldout = out / "train", out / "heldout"
    for folder in (train, heldout):
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.iterdir():
            old.unlink()
    counts = {"train": 0, "heldout": 0, "unreadable": 0}
    for path in sorted(source.glob("*.mid")):
        try:
            in_four_four = tune_meter(read(path)) == (4, 4)
        except MidiReadError:
            counts["unreadable"] += 1
            continue
        target = heldout if in_four_four and held_out(path) else train
        (target / path.name).symlink_to(path.resolve())
        counts[target.name] += 1
    print(f"{counts['train']} training tunes in {train}, {counts['heldout']} held-out 4/4 tunes in {heldout}"
          f" ({counts['unreadable']} unreadable)")


if __name__ == "__main__":
    arguments = sys.argv[1:]
    main(Path(arguments[0]) if arguments else SHARED_FOLK,
         Path(arguments[1]) if len(arguments) > 1 else Path("runs/folk-split"))
