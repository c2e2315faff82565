"""Speed of `midigan prepare` against a plain pretty_midi loop, and of a cached re-run.

    python benchmarks/prepare.py [--folder ../shared/data/folk] [--workers 1] [--limit N]

Prints files/s for a plain `pretty_midi.PrettyMIDI` loop and for a first `prepare` (a fresh
dataset folder) over the same files, their ratio from this one run, and the time of a re-run
with nothing changed, the best of three since the machine may be shared.
Targets: >= 5x the pretty_midi loop on one worker; a cached re-run >= 50x faster than the first.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pretty_midi

from midigan.midi.dataset import prepare

REPO = Path(__file__).resolve().parents[1]


def _timed_prepare(folder: Path, out: Path, workers: int) -> float:
    start = time.perf_counter()
    prepare(folder, out, workers=workers, progress=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=REPO.parent / "shared" / "data" / "folk")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--limit", type=int, default=None, help="use only the first N files")
    args = parser.parse_args()
    pretty_midi.pretty_midi.MAX_TICK = 10**10  # music21 exports pass pretty_midi's 10M-tick limit

    with tempfile.TemporaryDirectory() as scratch:
        files = sorted(args.folder.rglob("*.mid"))[: args.limit]
        folder = args.folder
        if args.limit is not None:  # a folder of links to the first N files
            folder = Path(scratch) / "songs"
            folder.mkdir()
            for path in files:
                (folder / path.name).symlink_to(path.resolve())

        start = time.perf_counter()
        for path in files:
            try:
                pretty_midi.PrettyMIDI(str(path))
            except Exception:  # pretty_midi raises many kinds; a failure still cost its time
                pass
        pretty_seconds = time.perf_counter() - start

        out = Path(scratch) / "dataset"
        start = time.perf_counter()
        first = prepare(folder, out, workers=args.workers, progress=False)
        first_seconds = time.perf_counter() - start
        cached_seconds = min(_timed_prepare(folder, out, args.workers) for _ in range(3))  # least disturbed of 3

    n = len(files)
    print(f"files: {n} from {args.folder} ({first.summary.files_read} usable), workers: {args.workers}")
    print(f"pretty_midi loop      {n / pretty_seconds:9.0f} files/s  ({pretty_seconds:.2f} s)")
    print(f"midigan prepare       {n / first_seconds:9.0f} files/s  ({first_seconds:.2f} s)")
    print(f"speed-up              {pretty_seconds / first_seconds:9.1f}x  (target >= 5x on one worker)")
    print(f"cached re-run         {cached_seconds * 1000:9.1f} ms      "
          f"({first_seconds / cached_seconds:.0f}x faster than the first run; target >= 50x)")


if __name__ == "__main__":
    main()
