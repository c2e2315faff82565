"""What the copy guard costs where a table's rows repeat: the same weights, rows drawn three ways.

    python benchmarks/table_guard.py fair mpg [--seed 1]
    python benchmarks/table_guard.py --csv randhie.csv --target mdvis [--seed 1]

For each table: the benchmark's fixed 70/30 split (`tables.split`), `midigan table train` with
default flags (a run folder under --work, reused when it holds a best.pt), then as many rows as
the training split drawn with generation seeds 0 and 1 three ways: the guard refusing every row
equal to a rare training row (as before stop 53), the guard letting through the share of such rows
that the training rows, each left out, hold (`CopyGuard.from_rows`, the default since), and no
guard. Scored against the held-out rows by `midigan.table.evaluation` (means of the two seeds),
with the held-out rows' own copy rate beside the copies. Report tables used at stop 53 (none in
../shared/data): statsmodels' randhie (`statsmodels.datasets.randhie.load_pandas().data`, target
mdvis) and ISLP's Caravan and OJ (`pip download --no-deps ISLP`, ISLP/data/*.csv in the wheel,
target Purchase).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from tables import SHARED, TABLES, load, split, start_midigan

from midigan.table.api import load_run
from midigan.table.evaluation import Judge
from midigan.table.guard import CopyGuard
from midigan.table.kinds import to_typed
from midigan.table.reading import read_table
from midigan.table.training import DEFAULT_MINUTES

FIGURES = ("shapes", "pairs", "two_sample", "efficacy", "nearer", "copies")


def trained(train, work: Path, seed: int):
    """The model in `work`, trained first (default flags, one thread, as tables.py trains it) where
    it holds no best.pt."""
    run = work / "midigan"
    if not (run / "checkpoints" / "best.pt").exists():
        work.mkdir(parents=True, exist_ok=True)
        train.to_csv(work / "train.csv", index=False)
        training = start_midigan(work / "train.csv", work, DEFAULT_MINUTES, seed)
        log, _ = training.communicate()
        if training.returncode:
            raise SystemExit(f"midigan table train failed:\n{log}")
    return load_run(run)


def compare(name: str, frame, target: str, seed: int, work: Path) -> list[str]:
    train, held_out = split(frame, seed)
    model = trained(train, work / f"{name}-seed{seed}", seed)
    columns = model.family.encoding.columns
    now = CopyGuard.from_rows(to_typed(train, columns), columns)
    judge = Judge(train, held_out, target)
    real = judge.real()
    lines = []
    for label, guard in (("every copy refused", CopyGuard(now.rare_hashes)), ("copies let through", now), ("no guard", None)):
        model.guard = guard
        drawn = [model.generate(len(train), seed=draw, guard=guard is not None) for draw in (0, 1)]
        scores = [judge.score_frame(label, generated.frame) for generated in drawn]
        mean = {figure: np.mean([getattr(score, figure) for score in scores]) for figure in FIGURES}
        refused = np.mean([generated.refused_copies for generated in drawn])
        lines.append(
            f"| {name}, {seed} | {now.allowed_share:.3f} | {label} | {mean['shapes']:.3f} | {mean['pairs']:.3f} |"
            f" {mean['two_sample']:.3f} | {mean['efficacy']:.3f} | {mean['nearer']:.3f} |"
            f" {mean['copies']:.3f} ({real.copies:.3f}) | {refused:.0f} |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tables", nargs="*", help=f"benchmark tables: {', '.join(TABLES)}")
    parser.add_argument("--csv", type=Path, help="another table, split and scored the same way")
    parser.add_argument("--target", help="the --csv table's target column (train on synthetic, test on real)")
    parser.add_argument("--seed", type=int, default=0, help="the split's and the training's seed")
    parser.add_argument("--work", type=Path, default=Path("runs/table-guard"))
    args = parser.parse_args()
    unknown = [name for name in args.tables if name not in TABLES]
    if unknown or not (args.tables or args.csv):
        parser.error(f"no benchmark table {unknown[0]!r}" if unknown else "name a benchmark table or give --csv")
    jobs = [(name, load(name, SHARED), TABLES[name][1]) for name in args.tables]
    if args.csv:
        jobs.append((args.csv.stem, read_table(args.csv), args.target))
    print("| table, seed | share let through | guard | shapes | pairs | two-sample | train on synthetic |"
          " nearer training | copies (held-out real) | rows refused |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, frame, target in jobs:
        for line in compare(name, frame, target, args.seed, args.work):
            print(line, flush=True)


if __name__ == "__main__":
    main()
