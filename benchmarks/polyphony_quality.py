"""Pieces in several parts: does `midigan train` learn every part of a polyphonic folder?

For each collection in ../shared/data (Bach chorales, Monteverdi madrigals, string quartets),
holds out a fixed share of the pieces (whole version groups, by a hash of a file name), trains on
the rest with default settings for --minutes, writes --count pieces of --bars bars, and prints
`midigan evaluate --baselines` against the held-out pieces: part-by-part metrics, the Fréchet
distance and two-sample test, the copy rate over chord-slice passages, and the chord-slice Markov
baselines. Held-out and reference pieces are written with the learned parts only (a chorale's
doubling horn is not a part the model writes), split where their meter changes.

    python benchmarks/polyphony_quality.py [--minutes 10] [--only chorales] [--bars 8] [--report-only]
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import time
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
WORK = Path("runs/polyphony")
COLLECTIONS = {"chorales": "bach", "madrigals": "madrigals", "quartets": "chamber"}
HELD_OUT_SHARE = 5  # one piece in five


def _hash(name: str) -> int:
    return int(hashlib.sha1(name.encode()).hexdigest(), 16)


def _held_out(name: str) -> bool:
    return _hash(name) % HELD_OUT_SHARE == 0


def build(name: str, lengths: tuple[int, ...]) -> tuple[Path, Path, dict[int, Path]]:
    """train/ (the original files), train-parts/ (learned parts only, one file per section in the
    folder's main meter pool) and, per length in `lengths`, heldout-<bars>/ (learned parts only,
    every whole stretch of that many bars of the held-out sections as a piece of its own, so the
    comparison has enough real pieces)."""
    from midigan.midi import write
    from midigan.midi.dataset import prepare
    from midigan.music.holdout import version_groups
    from midigan.music.parts.encoding import sections_in_meter
    from midigan.music.parts.layout import find_parts, parts_only

    songs = prepare(SHARED / COLLECTIONS[name], progress=False).songs
    groups = version_groups(songs)
    first = {}
    for song, group in zip(songs, groups):
        first.setdefault(group, Path(song.source).name)
    search = find_parts(songs)
    sections, _, _ = sections_in_meter(search)
    in_pool = {Path(section.song.source).name for section in sections}
    pooled = {first[group] for song, group in zip(songs, groups) if Path(song.source).name in in_pool}
    held_groups = {group for group in first.values() if _held_out(group)}
    if not held_groups & pooled:  # a small collection whose held-out share missed the main meter: the two
        held_groups |= set(sorted(pooled, key=_hash)[:2])  # pieces in it with the lowest hashes instead
    held = {Path(song.source).name for song, group in zip(songs, groups) if first[group] in held_groups}
    base = WORK / name
    folders = {part: base / part for part in ("train", "train-parts", *(f"heldout-{bars}" for bars in lengths))}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.iterdir():
            old.unlink()
    for song in songs:
        if Path(song.source).name not in held:
            (folders["train"] / Path(song.source).name).symlink_to(Path(song.source).resolve())
    for index, section in enumerate(sections):
        source = Path(section.song.source).name
        piece = parts_only(section.song, section.mapping)
        if source not in held:
            write(piece, folders["train-parts"] / f"{Path(source).stem}-{index:03d}.mid")
            continue
        for bars in lengths:
            for start in range(piece.first_full_bar(), piece.n_bars - bars + 1, bars):
                name = f"{Path(source).stem}-{index:03d}-{start:03d}.mid"
                write(piece.slice_bars(start, start + bars), folders[f"heldout-{bars}"] / name)
    return folders["train"], folders["train-parts"], {bars: folders[f"heldout-{bars}"] for bars in lengths}



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--only", help="comma-separated collections: " + ", ".join(COLLECTIONS))
    parser.add_argument("--bars", type=int, default=8, help="bars per generated piece; they are scored at this length and at half")
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--report-only", action="store_true", help="score the run already in runs/polyphony, without training")
    arguments = parser.parse_args()
    from midigan.metrics.evaluation import evaluate_folders, format_table

    chosen = [name for name in COLLECTIONS if not arguments.only or name in arguments.only.split(",")]
    for name in chosen:
        lengths = (arguments.bars, arguments.bars // 2)
        train, train_parts, heldout = build(name, lengths)
        run_dir, out = WORK / name / "run", WORK / name / "generated"
        log = WORK / name / "train.log"
        if not arguments.report_only:
            subprocess.run(["rm", "-rf", str(run_dir)], check=True)
            started = time.perf_counter()
            trained = subprocess.run(["midigan", "train", str(train), "--run-dir", str(run_dir), "--max-minutes",
                                      str(arguments.minutes), "--quiet"], capture_output=True, text=True)
            if trained.returncode:
                sys.exit(f"{name}: training failed\n{trained.stdout}{trained.stderr}")
            log.write_text(f"trained {(time.perf_counter() - started) / 60:.1f} min\n{trained.stdout}")
        subprocess.run(["rm", "-rf", str(out)], check=True)
        made = subprocess.run(["midigan", "generate", "--model", str(run_dir), "--bars", str(arguments.bars), "--count",
                               str(arguments.count), "--seed", "1", str(out)], capture_output=True, text=True)
        if made.returncode:
            sys.exit(f"{name}: generation failed\n{made.stdout}{made.stderr}")
        print(f"\n## {name}")
        print("\n".join(line for line in log.read_text().splitlines() if not line.startswith("new music")))
        print(made.stderr.strip())
        for bars in lengths:
            result = evaluate_folders(out, heldout[bars], train_parts, baselines=True, bars=bars)
            print(f"\nscored on {bars}-bar pieces (held-out: every {bars}-bar stretch of the held-out sections)")
            print(format_table(result))
            _print_part_checks(result)


def _print_part_checks(result) -> None:
    """The issue's per-part bars: qualified-note and empty-bar rates within 0.05 of real music's."""
    rows = {row.name: row for row in result.rows}
    generated, real = rows["generated"], rows["held-out real"]
    for metric in ("qualified", "empty"):
        gaps = [abs(generated.metrics[name] - real.metrics[name]) for name in generated.metrics if name.startswith(metric + ":")]
        print(f"{metric} rate per part, largest gap to held-out real music: {max(gaps):.3f}")


if __name__ == "__main__":
    main()
