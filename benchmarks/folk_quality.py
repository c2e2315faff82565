"""How good are the tune model's tunes? Generates 16-bar tunes and scores them with
`midigan evaluate --baselines` against held-out 4/4 folk tunes (see examples/split_folk.py).

    python examples/split_folk.py                       # once: runs/folk-split/{train,heldout}
    python benchmarks/folk_quality.py [--model RUN_DIR_OR_CHECKPOINT] [--count 200] [--temperature 1.0]

Without --model it scores the model shipped in midigan/assets/. Also prints the share of distinct
4-bar openings (mode collapse check) and the wall time of one `midigan generate --bars 16`.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SPLIT = Path("runs/folk-split")


def distinct_openings(folder: Path, bars: int = 4) -> tuple[int, int]:
    """(distinct first-`bars`-bar note sequences, tunes) among the MIDI files in `folder`."""
    from midigan.midi import read

    openings = set()
    files = sorted(folder.glob("*.mid"))
    for path in files:
        song = read(path).slice_bars(0, bars)
        openings.add(tuple(map(tuple, song.notes[["pitch", "onset", "duration"]].tolist())))
    return len(openings), len(files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="run folder or checkpoint (default: the shipped model)")
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--temperature", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    arguments = parser.parse_args()
    if not (SPLIT / "heldout").is_dir():
        sys.exit("run examples/split_folk.py first")
    from midigan.music.catalogue import shipped_model

    model = arguments.model or str(shipped_model())
    with tempfile.TemporaryDirectory() as scratch:
        started = time.perf_counter()
        subprocess.run(["midigan", "generate", "--model", model, "--bars", "16", str(Path(scratch) / "one.mid")], check=True)
        one_tune_seconds = time.perf_counter() - started
        tunes = Path(scratch) / "tunes"
        subprocess.run(["midigan", "generate", "--model", model, "--bars", "16", "--count", str(arguments.count),
                        "--seed", str(arguments.seed), "--temperature", str(arguments.temperature), str(tunes)], check=True)
        command = ["midigan", "evaluate", str(tunes), "--reference", str(SPLIT / "heldout"), "--train", str(SPLIT / "train"),
                   "--baselines", "--bars", "16", "--meter", "4/4"]
        print("$", " ".join(command[:2]), "<tunes>", " ".join(command[3:]))
        subprocess.run(command, check=True)
        distinct, total = distinct_openings(tunes)
    print(f"distinct 4-bar openings: {distinct} of {total}")
    print(f"one `midigan generate --bars 16`: {one_tune_seconds:.2f} s wall")


if __name__ == "__main__":
    main()
