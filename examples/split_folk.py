"""Split the Essen folk tunes into a training folder and a held-out folder, the same way every time.

Held-out: one in five of the tunes in 4/4, chosen by a hash of a file name, with every version of a
tune (tunes sharing a fifth of their phrases, see `midigan.music.holdout`) on the same side, so no
held-out tune has a twin among the training tunes. Everything else is for training. Both folders
hold symbolic links to the original files.

    python examples/split_folk.py [../shared/data/folk] [runs/folk-split]
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

from midigan.midi.dataset import prepare
from midigan.music.holdout import version_groups
from midigan.music.meters import tune_meter

SHARED_FOLK = Path(__file__).resolve().parents[2] / "shared" / "data" / "folk"

HELD_OUT_SHARE = 5  # one in five 4/4 tunes


def held_out(name: str) -> bool:
    return int(hashlib.sha1(name.encode()).hexdigest(), 16) % HELD_OUT_SHARE == 0


def main(source: Path, out: Path) -> None:
    train, heldout = out / "train", out / "heldout"
    for folder in (train, heldout):
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.iterdir():
            old.unlink()
    prepared = prepare(source, progress=False)
    songs = prepared.songs
    groups = version_groups(songs)
    # a group is held out by the name of its first member, and only if all its members are in 4/4
    first_name, all_four_four = {}, {}
    for song, group in zip(songs, groups):
        first_name.setdefault(group, Path(song.source).name)
        all_four_four[group] = all_four_four.get(group, True) and tune_meter(song) == (4, 4)
    counts = {"train": 0, "heldout": 0}
    for song, group in zip(songs, groups):
        path = Path(song.source)
        target = heldout if all_four_four[group] and held_out(first_name[group]) else train
        (target / path.name).symlink_to(path.resolve())
        counts[target.name] += 1
    print(f"{counts['train']} training tunes in {train}, {counts['heldout']} held-out 4/4 tunes in {heldout}"
          f" ({len(prepared.errors)} unreadable)")


if __name__ == "__main__":
    arguments = sys.argv[1:]
    main(Path(arguments[0]) if arguments else SHARED_FOLK,
         Path(arguments[1]) if len(arguments) > 1 else Path("runs/folk-split"))
