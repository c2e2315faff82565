"""midigan table against CTGAN at equal time, beside two baselines and real rows, on every table
of ../shared/data/tables/ and scikit-learn's bundled breast_cancer and wine.

    flock /work/timed.lock python benchmarks/tables.py --minutes 10 --peer-python /work/peers/tables/bin/python

For each table: a fixed 70/30 split (seed 0); `midigan table train` with default flags and
`--max-minutes M`, then `midigan table generate` of as many rows as the training split; CTGAN
(benchmarks/tables_peer.py: default settings, as many epochs as fill the same M minutes); each
column drawn independently from the training rows; a Gaussian copula; and the training rows
themselves as the ceiling. midigan and CTGAN train side by side, one CPU thread each
(OMP_NUM_THREADS=1), so both see whatever else the machine does at that time. All are scored
against the held-out rows by midigan.table.evaluation (see its docstring): SDMetrics' column
shapes and pair trends, two-sample accuracy, train-on-synthetic-test-on-real for the target
column, nearer-to-training share, exact copies. CTGAN gets SDV's defaults around it: gaps of a
numeric column as an indicator column, integers rounded and numbers clipped to the training range.
SDMetrics itself (in the peer venv) re-scores midigan's rows as a cross-check.
A row "midigan, no copula" scores rows of the same weights drawn without the copula (midigan/table/copula.py).
`--rescore` trains nothing: it fits the copula again, then draws and scores from the runs a `--work`
folder holds (CTGAN's rows as written then), for a change to what follows training alone.

The defaults were tuned on fair and mpg only; the others are reported on.
`--csv FILE:TARGET` (repeatable) adds a table from elsewhere; `--tables` with no name runs only
those (stop 53's: statsmodels' randhie, ISLP's Caravan and OJ; see table_guard.py for where they come from).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from midigan.table.evaluation import Judge, SetScores
from midigan.table.kinds import NUMERIC, Column, infer_columns, to_typed
from midigan.table.reading import read_table

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "tables"
#: table -> (source, target column)
TABLES = {
    "fair": ("fair.csv", "affairs"),
    "mpg": ("mpg.csv", "hwy"),
    "anes96": ("anes96.csv", "vote"),
    "student_placements": ("student_placements.csv", "placed"),
    "txhousing": ("txhousing.csv", "median"),
    "breast_cancer": ("sklearn", "target"),
    "wine": ("sklearn", "target"),
}
TUNED_ON = ("fair", "mpg")
GAP = "__gap__"
ONE_THREAD = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def load(name: str, shared: Path) -> pd.DataFrame:
    source = TABLES[name][0]
    if source != "sklearn":
        return read_table(shared / source)
    from sklearn import datasets

    bunch = getattr(datasets, f"load_{name}")(as_frame=True)
    frame = bunch.frame.copy()
    frame["target"] = [str(bunch.target_names[value]) for value in bunch.target]  # a category, by name
    return frame


def split(frame: pd.DataFrame, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    order = np.random.default_rng(seed).permutation(len(frame))
    cut = int(round(0.7 * len(frame)))
    return frame.iloc[order[:cut]].reset_index(drop=True), frame.iloc[order[cut:]].reset_index(drop=True)


def start_midigan(train_csv: Path, work: Path, minutes: float, seed: int, steps: int | None = None) -> subprocess.Popen:
    budget = ["--max-steps", str(steps)] if steps else ["--max-minutes", str(minutes)]
    command = [
        sys.executable,
        "-m",
        "midigan",
        "table",
        "train",
        str(train_csv),
        "--run-dir",
        str(work / "midigan"),
        *budget,
        "--seed",
        str(seed),
        "--quiet",
    ]
    return subprocess.Popen(command, env=ONE_THREAD, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def finish_midigan(
    process: subprocess.Popen | None, work: Path, rows: int, seed: int, earlier: dict | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Wait for training (none with `--rescore`: the run in `work` and its `earlier` log); generate
    `rows` rows (timed in this process, one thread), and as many from the same weights with each
    column's left-over choice drawn on its own (no copula: what the copula adds); the training
    log's summary and rows per second of training (adversarial steps) and of generation."""
    import torch

    from midigan.core.runlog import read_metrics
    from midigan.table.api import load_run

    output = "\n".join(earlier["log"]) if earlier else process.communicate()[0]
    if process is not None and process.returncode != 0:
        raise RuntimeError(f"midigan table train failed: {output.strip().splitlines()[-1:]}")
    torch.set_num_threads(1)
    if earlier:  # what `midigan table train` does once training ends, done again by today's code
        from midigan.core.checkpoint import BEST, checkpoint_path
        from midigan.table.copula import calibrate_checkpoint
        from midigan.table.training import plan_table

        validation = plan_table(read_table(work / "train.csv"), seed=seed).validation
        print(f"  again: {calibrate_checkpoint(checkpoint_path(work / 'midigan', BEST), validation)}", flush=True)
    model = load_run(work / "midigan")
    started = time.perf_counter()
    generated = model.generate(rows, seed=seed)
    sample_seconds = time.perf_counter() - started
    out = work / "midigan.csv"
    generated.frame.to_csv(out, index=False)
    independent = replace(model, copula=None).generate(rows, seed=seed).frame  # the same weights, no copula
    rates = [
        r["steps_per_s"]
        for r in read_metrics(work / "midigan" / "metrics.jsonl")
        if r.get("phase") == "adversarial" and "steps_per_s" in r
    ]
    summary = [line for line in output.splitlines() if line.startswith(("pretrain:", "adversarial:", "best checkpoint"))]
    return read_table(out), independent, {
        "log": summary,
        "train_rows_per_s": float(np.median(rates)) * 500 if rates else None,
        "sample_rows_per_s": rows / sample_seconds,
    }


def ctgan_input(train: pd.DataFrame, columns: list[Column]) -> tuple[pd.DataFrame, list[str]]:
    """The training rows as CTGAN takes them: typed numbers (dates as seconds), gaps of a number as
    an indicator column (RDT's 'from_column'), categories with gaps as a value of their own."""
    typed = to_typed(train, columns)
    table, discrete = {}, []
    for column in columns:
        if not column.modelled:
            continue
        values = typed[column.name]
        if column.kind in NUMERIC:
            gaps = np.isnan(values)
            table[column.name] = np.where(gaps, np.nanmedian(values) if (~gaps).any() else 0.0, values)
            if gaps.any():
                table[f"{column.name}{GAP}"] = np.where(gaps, "yes", "no")
                discrete.append(f"{column.name}{GAP}")
        else:
            table[column.name] = pd.Series(values, dtype=object).fillna(GAP).astype(str)
            discrete.append(column.name)
    return pd.DataFrame(table), discrete


def ctgan_output(rows: pd.DataFrame, columns: list[Column]) -> dict[str, np.ndarray]:
    typed = {}
    for column in columns:
        if not column.modelled:
            continue
        if column.kind in NUMERIC:
            values = rows[column.name].to_numpy(dtype=float)
            if f"{column.name}{GAP}" in rows:
                values = np.where(rows[f"{column.name}{GAP}"].astype(str) == "yes", np.nan, values)
            typed[column.name] = values
        else:
            values = rows[column.name].astype(str).to_numpy(dtype=object)
            values[values == GAP] = None
            typed[column.name] = values
    return typed


def start_ctgan(
    peer: str,
    train: pd.DataFrame,
    columns: list[Column],
    work: Path,
    minutes: float,
    rows: int,
    seed: int,
    steps: int | None = None,
) -> subprocess.Popen:
    """CTGAN for `minutes`, or with `steps`, as many epochs as `steps` batches of 500 rows make."""
    table, discrete = ctgan_input(train, columns)
    source = work / "ctgan_train.csv"
    table.to_csv(source, index=False)
    command = [
        peer,
        str(Path(__file__).with_name("tables_peer.py")),
        "ctgan",
        str(source),
        str(work / "ctgan.csv"),
        "--discrete",
        ",".join(discrete),
        *(["--epochs", str(max(1, round(steps * 500 / len(train))))] if steps else ["--minutes", str(minutes)]),
        "--rows",
        str(rows),
        "--seed",
        str(seed),
    ]
    return subprocess.Popen(command, env=ONE_THREAD, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish_ctgan(
    process: subprocess.Popen | None, work: Path, columns: list[Column], earlier: dict | None = None
) -> tuple[dict | None, dict]:
    """CTGAN's rows and its timing: from the process, or (`--rescore`) from `work` and `earlier`."""
    if earlier is not None:
        info = earlier
        if "error" in info:
            return None, info
    else:
        output, errors = process.communicate()
        if process.returncode != 0:
            return None, {"error": errors.strip().splitlines()[-1] if errors.strip() else "failed"}
        info = json.loads(output.strip().splitlines()[-1])
    return ctgan_output(pd.read_csv(work / "ctgan.csv", keep_default_na=False, na_values=[""]), columns), info


def sdmetrics_check(peer: str, held_out: pd.DataFrame, synthetic: pd.DataFrame, columns: list[Column], work: Path) -> dict | None:
    """SDMetrics' own QualityReport of a set (the cross-check of midigan.table.quality)."""
    modelled = [column for column in columns if column.modelled]
    sdtypes = {
        "number": "numerical",
        "integer": "numerical",
        "category": "categorical",
        "boolean": "categorical",
        "datetime": "datetime",
    }
    metadata = {
        "columns": {
            c.name: {"sdtype": sdtypes[c.kind], **({"datetime_format": c.date_format} if c.date_format else {})} for c in modelled
        }
    }
    names = [column.name for column in modelled]
    paths = work / "check_real.csv", work / "check_synthetic.csv", work / "check_metadata.json"
    held_out[names].to_csv(paths[0], index=False)
    synthetic[names].to_csv(paths[1], index=False)
    paths[2].write_text(json.dumps(metadata))
    done = subprocess.run(
        [peer, str(Path(__file__).with_name("tables_peer.py")), "quality", *map(str, paths)], capture_output=True, text=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1]) if done.returncode == 0 else None


def format_rows(table: str, scores: list[SetScores], metric: str) -> list[str]:
    lines = []
    for s in scores:
        two = "n/a" if s.two_sample is None else f"{s.two_sample:.3f}"
        eff = "n/a" if s.efficacy is None else f"{s.efficacy:.3f}"
        lines.append(
            f"| {table} | {s.name} | {s.shapes:.3f} | {s.pairs:.3f} | {two} | {eff} ({metric}) | {s.nearer:.3f}"
            f" | {s.copies:.3f} |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="training time of each model on each table")
    parser.add_argument(
        "--steps",
        type=int,
        default=None,
        help="instead of minutes: this many generator steps of 500 rows each (CTGAN: as many epochs)",
    )
    parser.add_argument("--tables", nargs="*", default=list(TABLES), choices=list(TABLES))
    parser.add_argument(
        "--csv",
        action="append",
        default=[],
        metavar="FILE:TARGET",
        help="another table and its target column, split, trained and scored the same way (repeat for several)",
    )
    parser.add_argument(
        "--peer-python", default="/work/peers/tables/bin/python", help="python of the venv with ctgan and sdmetrics"
    )
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--work", type=Path, default=Path("runs/benchmark-tables"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--rescore",
        action="store_true",
        help="train nothing: fit the copula again, draw and score from the runs already in --work",
    )
    args = parser.parse_args()
    peer = args.peer_python if Path(args.peer_python).is_file() else None
    earlier = json.loads((args.work / "results.json").read_text())["tables"] if args.rescore else {}
    results, lines = {}, []
    header = [
        "| table | set | shapes | pairs | two-sample | train-on-set, test-on-real | nearer-train | copies |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    jobs = [(name, load(name, args.shared), TABLES[name][1]) for name in args.tables]
    for extra in args.csv:
        path, _, target = extra.rpartition(":")
        jobs.append((Path(path).stem, read_table(Path(path)), target))
    for name, frame, target in jobs:
        train, held_out = split(frame, args.seed)
        work = args.work / name
        work.mkdir(parents=True, exist_ok=True)
        train.to_csv(work / "train.csv", index=False)
        columns = infer_columns(train)
        judge = Judge(train, held_out, target, seed=args.seed, columns=columns)
        before = earlier[name]["info"] if args.rescore else {}
        # both train at once, one thread each, so they share whatever else the machine is doing
        training = None if args.rescore else start_midigan(work / "train.csv", work, args.minutes, args.seed, args.steps)
        starts_ctgan = peer and not args.rescore
        ctgan = start_ctgan(peer, train, columns, work, args.minutes, len(train), args.seed, args.steps) if starts_ctgan else None
        synthetic, independent, midigan_info = finish_midigan(training, work, len(train), args.seed, before.get("midigan"))
        scores = [judge.score_frame("midigan", synthetic), judge.score_frame("midigan, no copula", independent)]
        info = {"midigan": midigan_info}
        if peer:
            typed, info["ctgan"] = finish_ctgan(ctgan, work, columns, before.get("ctgan"))
            scores.append(judge.score("CTGAN", typed) if typed is not None else None)
            check = sdmetrics_check(peer, held_out, synthetic, columns, work)
            info["sdmetrics_midigan"] = check
        scores = [s for s in scores if s is not None] + judge.baselines(len(train)) + [judge.real()]
        tuned = " (tuned on)" if name in TUNED_ON else ""
        print(
            f"\n{name}{tuned}: {len(train)} training rows, {len(held_out)} held out, target {target}"
            f" ({judge.efficacy_metric}); CTGAN {'not installed' if not peer else info.get('ctgan')}",
            flush=True,
        )
        print(f"  midigan: {midigan_info['log']}; SDMetrics itself on midigan's rows: {info.get('sdmetrics_midigan')}")
        rows = format_rows(name + tuned, scores, judge.efficacy_metric)
        print("\n".join(header + rows), flush=True)
        lines += rows
        results[name] = {
            "scores": [s.__dict__ for s in scores],
            "info": info,
            "train_rows": len(train),
            "held_out_rows": len(held_out),
        }
        (args.work / "results.json").write_text(
            json.dumps({"minutes": args.minutes, "steps": args.steps, "tables": results}, indent=2, default=str)
        )
    budget = f"{args.steps} generator steps of 500 rows" if args.steps else f"{args.minutes:g} minutes"
    print(f"\nAll tables, {budget} per model (one CPU thread each):")
    print("\n".join(header + lines))


if __name__ == "__main__":
    main()
