"""New tunes from small folders: does `midigan train` learn the style without copying the tunes,
from scratch and from the shipped base melody model (`--from melodies`)?

Builds small folders from the shared data (tunes of one source and meter, drawn by a fixed hash),
each with held-out tunes of the same source that share no version with the training tunes (see
`midigan.music.holdout`). Every folder's tunes, training and held out, come from what the base
model never trained on (examples/split_melodies.py): the report folders from the Essen Chinese tunes
(han) and German ballads (ballad) and the Bach chorales' soprano lines; the tuning folders (--tuning)
from the held-out third of Aird's Airs. Trains each folder with default settings for --minutes from
scratch (`--from none`) and from the base model, writes 200 tunes with each, and prints
`midigan evaluate --baselines` tables against the held-out tunes (the order-3 Markov chain, held-out
real tunes, copy rates), the tells that gave generated tunes away before (mean pitch, duration
entropy, leaps, on-beat onsets), and the novelty guard's rates. With --unbalanced, each run's tunes are
also drawn without the duration scores training stored (`midigan.music.rhythm`), from the same weights.

    python benchmarks/small_folders.py [--minutes 10] [--jobs 2] [--only han-24-40,bach-soprano-100] [--tuning]
    python benchmarks/small_folders.py --exported runs/music21 --only ryans-reels-131,ryans-reels-40

--exported DIR: where `benchmarks/music21_export.py` wrote collections of music21's corpus the shared data
lacks (DIR/ryansMammoth: reels and hornpipes in 4/4 and 2/2, the fiddle tunes of the issue's 131- and
40-tune folders; DIR/oneills1850: O'Neill's Irish jigs in 6/8 and airs, waltzes and set dances in 3/4;
neither the defaults nor the base model saw them); their folders are reported on. The `default` variant
passes no option, as a new user would (`--from auto`).

With --jobs 2 two trainings run side by side, each on one thread (both models are small sequential
nets that one thread serves best).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
from split_melodies import base_held_out  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
WORK = Path("runs/small-folders")
EXTRA: list[str] = []  # options passed on to `midigan train`
HELD_OUT_TUNES = 1000
MIN_SCORED = 60  # held-out tunes of at least 16 bars needed to score at 16 bars; else at 8
GENERATED = 200
#: variant -> the `midigan train` options that make it
VARIANTS = {"default": [], "scratch": ["--from", "none"], "from-base": ["--from", "melodies"],
            "likelihood": ["--from", "none", "--likelihood-only"]}


@dataclass(frozen=True)
class Folder:
    name: str
    source: str  # folder under ../shared/data, or under --exported for collections exported from music21
    meters: tuple[tuple[int, int], ...]
    size: int
    soprano: bool = False  # keep only the top part of each file (the chorales' soprano line)
    prefix: str = ""  # only files whose names start so (an Essen region)
    tuning: bool = False  # tuned on (Aird's Airs), not reported on
    named: tuple[str, ...] = ()  # only files whose names hold one of these (reels, hornpipes)


FOLDERS = (
    Folder("airds-44-40", "airds", ((4, 4), (2, 2)), 40, tuning=True),
    Folder("airds-68-40", "airds", ((6, 8),), 40, tuning=True),
    Folder("han-24-40", "folk", ((2, 4),), 40, prefix="essen_han"),
    Folder("han-24-150", "folk", ((2, 4),), 150, prefix="essen_han"),
    Folder("ballad-68-40", "folk", ((6, 8),), 40, prefix="essen_ballad"),
    Folder("bach-soprano-100", "bach", ((4, 4),), 100, soprano=True),
)
EXPORTED = (  # chosen only with --exported
    Folder("ryans-reels-131", "ryansMammoth", ((4, 4), (2, 2)), 131, named=("Reel", "Hornpipe")),
    Folder("ryans-reels-40", "ryansMammoth", ((4, 4), (2, 2)), 40, named=("Reel", "Hornpipe")),
    Folder("oneills-jigs-40", "oneills1850", ((6, 8),), 40),
    Folder("oneills-34-131", "oneills1850", ((3, 4),), 131),
)
SOURCES = {name: SHARED / name for name in ("airds", "folk", "bach")}  # --exported adds its collections


def _hash(text: str) -> int:
    return int(hashlib.sha1(text.encode()).hexdigest(), 16)


def build(folder: Folder) -> tuple[Path, Path]:
    """Write the training folder (symlinks, or soprano-line MIDI files) and the held-out folder."""
    from midigan.midi import write
    from midigan.midi.dataset import prepare
    from midigan.music.holdout import version_groups
    from midigan.music.meters import tune_meter

    songs = prepare(SOURCES[folder.source], progress=False).songs
    unseen = base_held_out(songs) if folder.source in ("airds", "folk") else [True] * len(songs)
    songs = [s for s, fresh in zip(songs, unseen)
             if fresh and Path(s.source).name.startswith(folder.prefix) and tune_meter(s) in folder.meters
             and (not folder.named or any(word in Path(s.source).stem for word in folder.named))]
    if folder.soprano:
        songs = [song.first_track() for song in songs]
    groups = version_groups(songs)
    order = sorted(range(len(songs)), key=lambda i: _hash(Path(songs[groups[i]].source).name))
    train, held, train_groups = [], [], set()
    for i in order:  # whole version groups (adjacent in this order) fill training, later ones are held out
        if len(train) < folder.size or groups[i] in train_groups:
            train.append(songs[i])
            train_groups.add(groups[i])
        elif len(held) < HELD_OUT_TUNES:
            held.append(songs[i])
    base = WORK / folder.name
    for part, members in (("train", train), ("heldout", held)):
        out = base / part
        out.mkdir(parents=True, exist_ok=True)
        for old in out.iterdir():
            old.unlink()
        for song in members:
            target = out / Path(song.source).name
            if folder.soprano:
                write(song, target)
            else:
                target.symlink_to(Path(song.source).resolve())
    return base / "train", base / "heldout"


def train(folder: Folder, train_dir: Path, minutes: float, variant: str, threads: int | None) -> None:
    """Train with default settings, from scratch or from the base model; the log goes next to the run."""
    run_dir = WORK / folder.name / f"run-{variant}"
    subprocess.run(["rm", "-rf", str(run_dir)], check=True)
    environment = dict(os.environ, **({"OMP_NUM_THREADS": str(threads)} if threads else {}))
    command = ["midigan", "train", str(train_dir), "--run-dir", str(run_dir), "--max-minutes", str(minutes), "--quiet",
               *VARIANTS[variant], *EXTRA]
    started = time.perf_counter()
    trained = subprocess.run(command, env=environment, capture_output=True, text=True)
    if trained.returncode:
        sys.exit(f"{folder.name}: training failed\n{trained.stdout}{trained.stderr}")
    log = f"trained {(time.perf_counter() - started) / 60:.1f} min\n{trained.stdout}"
    (WORK / folder.name / f"train-{variant}.log").write_text(log)


def generate(folder: Folder, variant: str, model: Path | None = None, name: str | None = None) -> dict:
    """GENERATED 16-bar tunes from a trained run (or `model`, a checkpoint of it, as `name`), and how
    many the novelty guard drew again."""
    name = name or variant
    run_dir, out = model or WORK / folder.name / f"run-{variant}", WORK / folder.name / f"generated-{name}"
    subprocess.run(["rm", "-rf", str(out)], check=True)
    made = subprocess.run(["midigan", "generate", "--model", str(run_dir), "--bars", "16", "--count", str(GENERATED),
                           "--seed", "1", str(out)], capture_output=True, text=True)
    if made.returncode:
        sys.exit(f"{folder.name}: generation failed\n{made.stdout}{made.stderr}")
    redrawn = re.search(r"drew (\d+) again", made.stdout + made.stderr)
    log = WORK / folder.name / f"train-{variant}.log"
    return {"variant": name, "log": log.read_text() if log.is_file() else "", "generated": out,
            "redrawn": int(redrawn.group(1)) if redrawn else 0}


def unbalanced(folder: Folder, variant: str) -> dict | None:
    """The same run's tunes drawn without the duration scores training stored (`midigan.music.rhythm`):
    what balancing the durations changes, training noise aside. None, said in one line, for a run
    without best.pt (stopped before its first validation: no scores were stored)."""
    from midigan.core.checkpoint import add_artifacts
    from midigan.music.rhythm import ARTIFACT

    best = WORK / folder.name / f"run-{variant}" / "checkpoints" / "best.pt"
    if not best.is_file():
        print(f"{folder.name}, {variant}: no checkpoints/best.pt (stopped before its first validation), no unbalanced tunes")
        return None
    copy = WORK / folder.name / f"unbalanced-{variant}.pt"
    shutil.copy(best, copy)
    add_artifacts(copy, {}, drop=(ARTIFACT,))
    return generate(folder, variant, copy, f"{variant}-unbalanced")


def guard_trip_rate(train: Path, heldout: Path) -> float:
    """Share of held-out tunes that hold a phrase the guard would refuse."""
    from midigan.metrics.evaluation import read_folder
    from midigan.music.novelty import NoveltyGuard

    guard = NoveltyGuard.from_songs(read_folder(train)[0])
    held = read_folder(heldout)[0]
    return sum(guard.copies(song) for song in held) / len(held)


def scored_bars(heldout: Path) -> int:
    """16 when enough held-out tunes are that long, else 8: a table needs real tunes to compare with."""
    from midigan.metrics.evaluation import read_folder, select_tunes

    return 16 if len(select_tunes(read_folder(heldout)[0], 16)) >= MIN_SCORED else 8


def tells(folder: Path, bars: int) -> str:
    """What gave generated tunes away before: mean pitch, duration entropy (nats, per tune), leaps
    (share of intervals wider than a fifth), on-beat onsets; means over the folder's tunes."""
    import numpy as np
    from tells_judge import tells as tune_tells
    from tells_judge import told_tunes

    from midigan.metrics.tune import on_beat_share

    rows = [[*tune_tells(song), on_beat_share(song)] for song in told_tunes(folder, bars)]
    pitch, entropy, leaps, on_beat = np.mean(rows, axis=0)
    return f"pitch {pitch:5.1f}  duration entropy {entropy:.3f}  leaps {leaps:.3f}  on-beat {on_beat:.3f}"


def report(folder: Folder, train: Path, heldout: Path, runs: list[dict]) -> None:
    from midigan.metrics.evaluation import evaluate_folders, format_table

    bars = scored_bars(heldout)
    print(f"\n## {folder.name}: {len(list(train.iterdir()))} training tunes, {len(list(heldout.iterdir()))} held-out tunes,"
          f" scored on their first {bars} bars")
    for run in runs:
        phases = [line for line in run["log"].splitlines() if line.startswith(("trained", "pretrain:", "adversarial:", "best checkpoint"))]
        print(f"- {run['variant']}: " + "; ".join(phases))
        print(f"  generated tunes drawn again by the novelty guard: {run['redrawn']} of {GENERATED}"
              f" ({run['redrawn'] / GENERATED:.1%})")
    print(f"- held-out tunes that would trip the guard: {guard_trip_rate(train, heldout):.1%}")
    for run in runs:
        result = evaluate_folders(run["generated"], heldout, train, baselines=run is runs[0], bars=bars)
        rows = result.rows if run is runs[0] else [row for row in result.rows if row.name == "generated"]
        for row in rows:
            if row.name == "generated":
                row.name = f"midigan ({run['variant']})"
        result.rows = rows
        table = format_table(result).split("\n\n")[0]
        print(table if run is runs[0] else "\n".join(table.splitlines()[1:]))
    print(f"- tells, held-out real: {tells(heldout, bars)}")
    for run in runs:
        print(f"- tells, {run['variant']}: {tells(run['generated'], bars)}")


def main() -> None:
    global WORK, EXTRA
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="training budget per run")
    parser.add_argument("--jobs", type=int, default=1, help="trainings side by side (each on one thread when above 1)")
    parser.add_argument("--only", help="comma-separated folder names")
    parser.add_argument("--variants", default="scratch,from-base", help=f"comma-separated, of {', '.join(VARIANTS)}")
    parser.add_argument("--tuning", action="store_true", help="the folders the defaults are tuned on (Aird's Airs), not the report folders")
    parser.add_argument("--work", default=str(WORK), help="where folders, runs and tunes go")
    parser.add_argument("--report-only", action="store_true", help="score the runs already in --work, without training")
    parser.add_argument("--exported", type=Path, help="where benchmarks/music21_export.py wrote collections (adds their folders)")
    parser.add_argument("--unbalanced", action="store_true",
                        help="also score each run's tunes drawn without its duration scores (midigan.music.rhythm)")
    parser.add_argument("train_options", nargs="*", help="extra `midigan train` options (after --)")
    arguments = parser.parse_args()
    WORK, EXTRA = Path(arguments.work), arguments.train_options
    folders = FOLDERS
    if arguments.exported:
        SOURCES.update({folder.source: arguments.exported / folder.source for folder in EXPORTED})
        folders += EXPORTED
    chosen = [f for f in folders if (f.name in arguments.only.split(",") if arguments.only else f.tuning == arguments.tuning)]
    built = {folder.name: build(folder) if not arguments.report_only else (WORK / folder.name / "train", WORK / folder.name / "heldout")
             for folder in chosen}
    variants = arguments.variants.split(",")
    jobs = [(folder, variant) for folder in chosen for variant in variants]
    threads = 1 if arguments.jobs > 1 else None
    if not arguments.report_only:
        with ThreadPoolExecutor(arguments.jobs) as pool:
            list(pool.map(lambda job: train(job[0], built[job[0].name][0], arguments.minutes, job[1], threads), jobs))
    print(f"# small folders, {arguments.minutes:g} minutes of training each, {arguments.jobs} at a time")
    for folder in chosen:
        runs = [generate(folder, variant) for variant in variants]
        runs += [run for variant in variants if (run := unbalanced(folder, variant))] if arguments.unbalanced else []
        report(folder, *built[folder.name], runs)


if __name__ == "__main__":
    main()
