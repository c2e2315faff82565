"""Export collections of music21's corpus to MIDI files: report collections the defaults never saw.

The shared collections came from the same corpus; these are others in it (Palestrina's masses,
Ryan's Mammoth Collection of fiddle tunes, O'Neill's 1850 Irish tunes ...), exported the same way
(`converter.parse`, `score.write('midi')`; a file of several tunes gives one MIDI file per tune).
music21 is a peer of the benchmarks only, never of the package; give it a virtualenv of its own:

    python3 -m venv /tmp/music21 && /tmp/music21/bin/pip install music21
    /tmp/music21/bin/python benchmarks/music21_export.py palestrina runs/music21/palestrina [--part 1/2]

then `python benchmarks/polyphony_quality.py --collection runs/music21/palestrina --only palestrina`
or `python benchmarks/small_folders.py --exported runs/music21`. --part K/N exports every N-th file
from the K-th, so N processes can share the work; a file already exported is not exported again.
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

SUFFIXES = {".krn", ".abc", ".mxl", ".xml", ".musicxml"}


def export(collection: str, out: Path, part: int = 1, parts: int = 1) -> tuple[int, int]:
    """(written, failed): each score of the collection's files as `out/<file>[_<index>].mid`."""
    from music21 import converter, corpus, stream

    root = Path(corpus.__file__).parent / collection
    if not root.is_dir():
        raise SystemExit(f"music21's corpus has no collection {collection!r}")
    out.mkdir(parents=True, exist_ok=True)
    written = failed = 0
    for path in sorted(p for p in root.rglob("*") if p.suffix in SUFFIXES)[part - 1::parts]:
        if (out / f"{path.stem}.mid").exists() or any(out.glob(f"{path.stem}_[0-9][0-9][0-9].mid")):
            continue
        try:
            parsed = converter.parse(str(path))
        except Exception as error:  # music21 raises many kinds on sources it cannot read
            failed += 1
            print(f"{path.name}: not converted ({type(error).__name__})", flush=True)
            continue
        scores = list(parsed.scores) if isinstance(parsed, stream.Opus) else [parsed]
        for index, score in enumerate(scores):
            target = out / (f"{path.stem}_{index:03d}.mid" if len(scores) > 1 else f"{path.stem}.mid")
            try:
                score.write("midi", fp=str(target))
                written += 1
            except Exception as error:
                failed += 1
                print(f"{target.name}: not written ({type(error).__name__})", flush=True)
    return written, failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("collection", help="a folder of music21's corpus, e.g. palestrina, ryansMammoth, oneills1850")
    parser.add_argument("out", type=Path)
    parser.add_argument("--part", default="1/1", help="K/N: every N-th file from the K-th")
    arguments = parser.parse_args()
    part, parts = (int(number) for number in arguments.part.split("/"))
    warnings.filterwarnings("ignore")
    started = time.perf_counter()
    written, failed = export(arguments.collection, arguments.out, part, parts)
    print(f"{arguments.collection}: {written} MIDI files written, {failed} not, in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
