"""Pieces in several parts: does `midigan train` learn every part of a polyphonic folder?

For each collection in ../shared/data (Bach chorales, Monteverdi madrigals, string quartets,
Trecento polyphony), holds out a fixed share of the pieces (whole version groups, by a hash of a
file name; more where that leaves fewer than MIN_HELD_BARS bars in the main meter), trains on the
rest with default settings for --minutes, writes --count pieces of --bars bars and prints `midigan
evaluate --baselines` against the held-out pieces: part-by-part metrics, the Fréchet distance and
two-sample test, the copy rate over chord-slice passages, and the chord-slice Markov baselines; then
the figures that gave pieces in parts away before (parts that sound, the mean melodic interval
inside a part, each part's range, consonance, parallel fifths and octaves, notes a bar per part) for
every set, and a summary of all collections. Held-out and reference pieces are written with the
learned parts only (a chorale's doubling horn is not a part the model writes), split where their
meter changes.

Which collections tuned the defaults: the Trecento pieces and the chorales (TUNED_ON: the critic's
features, the melodic bias, the batch); the quartets and the madrigals are reported on, though the
madrigals' training and held-out loss chose the model's size, grid and batch of 32 before (PARTLY_TUNED).

    python benchmarks/polyphony_quality.py [--minutes 10] [--only bach,chamber] [--jobs 2] [--from chorales --from-on madrigals]
    python benchmarks/polyphony_quality.py --collection DIR [--only DIR's name]

--collection DIR adds a folder of MIDI files from outside ../shared/data (named by its folder's name,
reported on), so that a collection the defaults never saw is measured the same way.

The order-2 chord-slice chain is scored as a set of its own beside the evaluation's order-1 and
order-3 chains, and so are the run's pieces with every draw kept (`--draws 1`: no style resampling);
--from NAME also trains each chosen collection from that model (run-from-NAME; with --keep-scratch, beside
the scratch runs already trained rather than training them again). --flags "..." --tag NAME trains every
run with more `midigan train` flags, into folders of their own (run-scratch-NAME).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shlex
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
WORK = Path("runs/polyphony")
COLLECTIONS = ("bach", "madrigals", "chamber", "trecento")
SOURCES = {name: SHARED / name for name in COLLECTIONS}  # --collection adds folders from elsewhere
TUNED_ON = ("trecento", "bach")
PARTLY_TUNED = ("madrigals",)
HELD_OUT_SHARE = 5  # one piece in five
MIN_HELD_BARS = 200  # ... and, where that holds out fewer bars of the main meter, more (at most a third of them)
PIECE_FIGURES = ("parts", "interval", "range", "consonance", "parallels", "notes/bar")
CHAIN_ORDER = 2  # the chord-slice chain the model must beat (besides the evaluation's orders 1 and 3)
EVERY_DRAW = "every draw"  # the same run's pieces without style resampling (`midigan generate --draws 1`)


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

    songs = prepare(SOURCES[name], progress=False).songs
    groups = version_groups(songs)
    first = {}
    for song, group in zip(songs, groups):
        first.setdefault(group, Path(song.source).name)
    search = find_parts(songs)
    sections, _, _ = sections_in_meter(search)
    in_pool = {Path(section.song.source).name for section in sections}
    pooled = {first[group] for song, group in zip(songs, groups) if Path(song.source).name in in_pool}
    held_groups = {group for group in first.values() if _held_out(group)}
    group_of = {Path(song.source).name: first[group] for song, group in zip(songs, groups)}
    pool_bars: dict[str, int] = {}
    for section in sections:
        group = group_of[Path(section.song.source).name]
        pool_bars[group] = pool_bars.get(group, 0) + section.song.n_bars
    for group in sorted(pooled - held_groups, key=_hash):  # a small pool: more groups, by hash, until the
        held_bars = sum(bars for name, bars in pool_bars.items() if name in held_groups)  # comparison has real pieces
        if held_bars >= MIN_HELD_BARS or held_bars + pool_bars[group] > sum(pool_bars.values()) / 3:
            break
        held_groups.add(group)
    held = {Path(song.source).name for song, group in zip(songs, groups) if first[group] in held_groups}
    trained_meter = sections_in_meter(find_parts([song for song in songs if Path(song.source).name not in held]))[1]
    if trained_meter != tuple(sections[0].song.time_signatures[0][1:]):  # scored in the meter the model learns
        sections, _, _ = sections_in_meter(search, trained_meter)
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


def train(name: str, minutes: float, threads: int | None, start: str = "none", extra: tuple[str, ...] = ()) -> None:
    """`midigan train` with default settings (besides `--from start` and `extra`) on the collection's
    training pieces; the log records the wall time of the whole command."""
    run_dir, log = run_folder(name, start), WORK / name / f"train-{run_label(start)}.log"
    subprocess.run(["rm", "-rf", str(run_dir)], check=True)
    environment = dict(os.environ, **({"OMP_NUM_THREADS": str(threads)} if threads else {}))
    started = time.perf_counter()
    command = ["midigan", "train", str(WORK / name / "train"), "--run-dir", str(run_dir), "--max-minutes", str(minutes), "--from", start,
               "--seed", str(SEED), "--quiet", *FLAGS, *extra]
    trained = subprocess.run(command, capture_output=True, text=True, env=environment)
    if trained.returncode:
        sys.exit(f"{name}: training failed\n{trained.stdout}{trained.stderr}")
    log.write_text(f"the command took {(time.perf_counter() - started) / 60:.2f} min of its {minutes:g}\n{trained.stdout}")


SEED = 0  # midigan train's --seed (--seed sets it; runs of another seed get folders of their own)
FLAGS: tuple[str, ...] = ()  # --flags: more `midigan train` flags for every run; such runs get folders named by --tag
TAG = ""


def run_label(start: str) -> str:
    return ("scratch" if start == "none" else f"from-{Path(start).name}") + (f"-{TAG}" if TAG else "") + (f"-seed{SEED}" if SEED else "")


def run_folder(name: str, start: str) -> Path:
    return WORK / name / f"run-{run_label(start)}"


def piece_figures(song) -> list[float]:
    """The figures that told generated pieces from real ones: parts that sound, and the means over
    parts of the mean melodic interval (top note of a chord), the range, and notes a bar; with the
    consonance and parallels of `midigan.metrics.polyphony`."""
    from midigan.metrics.polyphony import feature_names, piece_features

    parts = [song.notes[song.notes["track"] == track] for track in np.unique(song.notes["track"])]
    intervals, ranges, per_bar = [], [], []
    for notes in parts:
        tops = notes[np.lexsort((-notes["pitch"], notes["onset"]))]
        tops = tops[np.unique(tops["onset"], return_index=True)[1]]
        if len(tops) > 1:
            intervals.append(np.abs(np.diff(tops["pitch"].astype(np.int64))).mean())
        ranges.append(int(notes["pitch"].max()) - int(notes["pitch"].min()))
        per_bar.append(len(tops) / max(song.n_bars, 1))
    between = dict(zip(feature_names(len(parts)), piece_features(song, len(parts))))
    return [len(parts), float(np.mean(intervals)) if intervals else 0.0, float(np.mean(ranges)), between["consonance"],
            between["parallels"], float(np.mean(per_bar))]


def figures_table(sets: dict[str, list]) -> tuple[str, dict[str, list[float]]]:
    """Mean piece figures of every set, as a table and as numbers."""
    means = {name: np.mean([piece_figures(song) for song in songs], axis=0).tolist() for name, songs in sets.items()}
    width = max(len(name) for name in means)
    lines = [f"{'set'.ljust(width)}  " + "  ".join(f"{figure:>10}" for figure in PIECE_FIGURES)]
    lines += [f"{name.ljust(width)}  " + "  ".join(f"{value:10.3f}" for value in values) for name, values in means.items()]
    return "\n".join(lines), means


def chain_pieces(name: str, bars: int, count: int, order: int = CHAIN_ORDER) -> Path:
    """--count pieces of the order-`order` chord-slice chain trained on the training pieces, in a folder
    of their own (scored as a set beside the model's)."""
    from midigan.metrics.evaluation import read_folder
    from midigan.metrics.markov import MarkovChords
    from midigan.midi import write

    out = WORK / name / f"markov-{order}"
    subprocess.run(["rm", "-rf", str(out)], check=True)
    out.mkdir(parents=True)
    train_pieces = read_folder(WORK / name / "train-parts")[0]
    meter = tuple(train_pieces[0].time_signatures[0][1:])
    chain = MarkovChords(order).fit(train_pieces)
    rng = np.random.default_rng(1)
    for index in range(count):
        write(chain.generate(bars, meter, rng), out / f"piece-{index:03d}.mid")
    return out


def report(name: str, start: str, bars: int, count: int) -> dict:
    """Generate with the trained run and print its tables; returns the figures for the summary."""
    from midigan.metrics.evaluation import evaluate_folders, format_table, read_folder, select_tunes

    base, label = WORK / name, run_label(start)
    out, every = base / f"generated-{label}", base / f"generated-{label}-every-draw"
    made = generate(name, start, bars, count, out)
    generate(name, start, bars, count, every, "--draws", "1")
    print(f"\n## {name}, {label} ({role(name)})")
    log = (base / f"train-{label}.log").read_text().splitlines()
    print("\n".join(line for line in log if not line.startswith("new music")))
    print(made.strip())
    found = {"collection": name, "run": label, "tuned_on": name in TUNED_ON, "minutes": float(log[0].split()[3])}
    chain = chain_pieces(name, bars, count)
    for length in (bars, bars // 2):
        result = evaluate_folders(out, base / f"heldout-{length}", base / "train-parts", baselines=True, bars=length)
        apart = {f"markov-{CHAIN_ORDER}": chain, EVERY_DRAW: every}
        scored = {set_name: next(row for row in evaluate_folders(folder, base / f"heldout-{length}", base / "train-parts",
                                                                 bars=length).rows if row.name == "generated")
                  for set_name, folder in apart.items()}
        print(f"\nscored on {length}-bar pieces (held-out: every {length}-bar stretch of the held-out sections; "
              f"{', '.join(apart)} scored as sets of their own)")
        print(format_table(result))
        for set_name, row in scored.items():
            print(f"{set_name}: Fréchet {row.frechet:.2f}, two-sample {row.two_sample_accuracy:.3f}, copy {row.copy_rate:.3f}")
        rows = {row.name: row for row in result.rows if row.frechet is not None} | scored
        found["rows" if length == bars else "rows_half"] = {
            row_name: {"fd": row.frechet, "two_sample": row.two_sample_accuracy, "copy": row.copy_rate} for row_name, row in rows.items()}
    sets = {"generated": out, EVERY_DRAW: every, f"markov-{CHAIN_ORDER}": chain, "held-out real": base / f"heldout-{bars}"}
    table, means = figures_table({set_name: select_tunes(read_folder(folder)[0], bars) for set_name, folder in sets.items()})
    print(f"\nwhat gave pieces away, means per {bars}-bar piece (parts: that sound; interval: mean melodic interval in a part)")
    print(table)
    found["figures"] = means
    return found


def generate(name: str, start: str, bars: int, count: int, out: Path, *options: str) -> str:
    """`midigan generate` from the collection's run into `out` (emptied first); returns what it said."""
    subprocess.run(["rm", "-rf", str(out)], check=True)
    made = subprocess.run(["midigan", "generate", "--model", str(run_folder(name, start)), "--bars", str(bars), "--count", str(count),
                           "--seed", "1", *options, str(out)], capture_output=True, text=True)
    if made.returncode:
        sys.exit(f"{name}: generation failed\n{made.stdout}{made.stderr}")
    return made.stderr


def role(name: str) -> str:
    return "tuned on" if name in TUNED_ON else "reported on" + ("; its loss chose size, grid, batch" if name in PARTLY_TUNED else "")


def summary(found: list[dict]) -> str:
    """One line per run and set: FD, two-sample accuracy, copy rate, parts that sound, melodic interval, parallels."""
    lines = ["| collection | set | Fréchet distance | two-sample | copy | parts | interval | parallels |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for result in found:
        label = f"{result['collection']} ({role(result['collection'])})"
        for row, scores in result["rows"].items():
            name = f"midigan {result['run']}, {result['minutes']:.1f} min" if row == "generated" else row
            copy = "-" if scores["copy"] is None else f"{scores['copy']:.3f}"
            figures = result["figures"].get(row)
            shown = [f"{figures[index]:.2f}" if figures else "-" for index in (0, 1)] + [f"{figures[4]:.3f}" if figures else "-"]
            lines.append(f"| {label} | {name} | {scores['fd']:.1f} | {scores['two_sample']:.3f} | {copy} | {' | '.join(shown)} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--only", help="comma-separated collections: " + ", ".join(COLLECTIONS))
    parser.add_argument("--collection", type=Path, action="append", default=[],
                        help="a folder of MIDI files from elsewhere to measure too (repeatable; named by the folder's name)")
    parser.add_argument("--from", dest="start", default="none",
                        help="also train chosen collections --from this model (a shipped model's name or a run)")
    parser.add_argument("--from-on", help="comma-separated collections the --from runs are for (default: every chosen one)")
    parser.add_argument("--bars", type=int, default=8, help="bars per generated piece; they are scored at this length and at half")
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=1, help="trainings side by side (each on one thread when above 1)")
    parser.add_argument("--json", type=Path, help="write the summary's figures here")
    parser.add_argument("--report-only", action="store_true", help="score the runs already in runs/polyphony, without training")
    parser.add_argument("--build-only", action="store_true",
                        help="write the collections' training and held-out folders and stop (examples/train_parts.sh trains on them)")
    parser.add_argument("--keep-scratch", action="store_true",
                        help="train only the --from runs and score them beside the scratch runs already trained (same code and seed)")
    parser.add_argument("--seed", type=int, default=0, help="midigan train's --seed (a repeat of a figure with another seed)")
    parser.add_argument("--flags", default="", help='more midigan train flags for every run, e.g. "--patience 20" (needs --tag)')
    parser.add_argument("--tag", default="", help="a name for runs trained with --flags (their folders: run-scratch-TAG ...)")
    arguments = parser.parse_args()
    if bool(arguments.flags) != bool(arguments.tag):
        parser.error("--flags and --tag go together")
    global SEED, FLAGS, TAG
    SEED, FLAGS, TAG = arguments.seed, tuple(shlex.split(arguments.flags)), arguments.tag
    SOURCES.update({folder.name: folder for folder in arguments.collection})
    chosen = [name for name in SOURCES if not arguments.only or name in arguments.only.split(",")]
    for name in chosen:
        build(name, (arguments.bars, arguments.bars // 2))
    if arguments.build_only:
        return
    runs = [(name, "none") for name in chosen]
    if arguments.start != "none":
        runs += [(name, arguments.start) for name in chosen if not arguments.from_on or name in arguments.from_on.split(",")]
    if not arguments.report_only:
        threads = 1 if arguments.jobs > 1 else None
        trained = [run for run in runs if not (arguments.keep_scratch and run[1] == "none")]
        with ThreadPoolExecutor(arguments.jobs) as pool:
            list(pool.map(lambda run: train(run[0], arguments.minutes, threads, run[1]), trained))
    found = [report(name, start, arguments.bars, arguments.count) for name, start in runs]
    print(f"\n## summary ({arguments.bars}-bar pieces, {arguments.minutes:g}-minute runs, {arguments.jobs} at a time)")
    print(summary(found))
    if arguments.json:
        arguments.json.write_text(json.dumps(found, indent=1))


if __name__ == "__main__":
    main()
