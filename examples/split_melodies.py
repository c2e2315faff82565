"""Split the shared melody collections into what the base melody model trains on and what it never sees.

Never seen by the base model (kept for judging `--from` on small folders):
- whole Essen regions: the Chinese tunes (han) and the German ballads (ballad), reported on;
- a third of Aird's Airs, chosen by a hash of the first file name of each group of versions of a
  tune (tunes sharing a fifth of their phrases, see `midigan.music.holdout`), tuned on.
Everything else of the Essen collection and Aird's Airs trains the base model. The Bach chorales
are not melody collections and stay out entirely (their soprano lines are reported on).

    python examples/split_melodies.py [../shared/data] [runs/melody-split]
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
COLLECTIONS = ("folk", "airds")
REPORT_REGIONS = ("essen_han", "essen_ballad")  # never trained on, never tuned on
HELD_OUT_SHARE = 3  # one in three groups of Aird's Airs


def base_held_out(songs: list) -> list[bool]:
    """For each song (of one collection), whether the base model must not train on it."""
    from midigan.music.holdout import version_groups

    groups = version_groups(songs)
    first: dict[int, str] = {}
    for song, group in zip(songs, groups):
        first.setdefault(group, Path(song.source).name)
    return [Path(song.source).name.startswith(REPORT_REGIONS)
            or (Path(song.source).name.startswith("airds") and _hash(first[group]) % HELD_OUT_SHARE == 0)
            for song, group in zip(songs, groups)]


def _hash(name: str) -> int:
    return int(hashlib.sha1(name.encode()).hexdigest(), 16)


def main(source: Path, out: Path) -> None:
    from midigan.midi.dataset import prepare

    counts = {"train": 0, "heldout": 0}
    for folder in (out / "train", out / "heldout"):
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.iterdir():
            old.unlink()
    for collection in COLLECTIONS:
        songs = prepare(source / collection, progress=False).songs
        for song, held in zip(songs, base_held_out(songs)):
            side = "heldout" if held else "train"
            (out / side / Path(song.source).name).symlink_to(Path(song.source).resolve())
            counts[side] += 1
    print(f"{counts['train']} tunes for the base model in {out / 'train'}, {counts['heldout']} it never sees in {out / 'heldout'}")


if __name__ == "__main__":
    arguments = sys.argv[1:]
    main(Path(arguments[0]) if arguments else SHARED, Path(arguments[1]) if len(arguments) > 1 else Path("runs/melody-split"))
