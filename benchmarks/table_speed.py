"""How fast midigan table is where CTGAN is slow: preprocessing a 1M-row, 50-column table, and rows
per second of training and of sampling beside CTGAN's.

    flock /work/timed.lock python benchmarks/table_speed.py --peer-python /work/peers/tables/bin/python

- Preprocessing: a seeded 1,000,000 x 50 table (25 decimal columns, 5 of them with 10% gaps, some
  skewed or bimodal; 10 integer columns; 12 categories of 5, 50 and 5,000 values, the large ones
  Zipf-distributed; 2 yes/no columns; a date column as text) built in memory, then everything
  `midigan table train` does between reading the file and the first step: kind inference, typed
  values, the encoding's fit and transform, the copy guards' hashes, the validation's reference.
  CTGAN's data transformer (a Bayesian Gaussian mixture per numeric column) is timed on the first
  --ctgan-rows rows of the same table (all of it would take hours).
- Training and sampling rows per second on txhousing (8,602 rows), one CPU thread each: midigan's
  adversarial steps (batch 500) and `generate_rows` of 100,000 rows (decoding, guard and output
  included); CTGAN's epochs and `sample`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "tables"


def wide_table(rows: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    columns = {}
    for index in range(25):
        shape = index % 5
        if shape == 0:
            values = rng.lognormal(3, 1, rows)
        elif shape == 1:
            values = np.where(rng.random(rows) < 0.3, rng.normal(-2, 0.5, rows), rng.normal(3, 1, rows))
        elif shape == 2:
            values = np.where(rng.random(rows) < 0.4, 0.0, rng.exponential(5, rows))
        else:
            values = rng.normal(index, 1 + index / 10, rows)
        values = np.round(values, 2)
        if index < 5:
            values[rng.random(rows) < 0.1] = np.nan
        columns[f"x{index}"] = values
    for index in range(10):
        columns[f"n{index}"] = rng.poisson(3 + 10 * index, rows) if index % 2 else rng.integers(0, 6, rows)
    for index, size in enumerate([5] * 4 + [50] * 4 + [5000] * 4):
        codes = (rng.zipf(1.3, rows) - 1) % size if size == 5000 else rng.integers(0, size, rows)
        columns[f"c{index}"] = pd.Series(np.array([f"v{code}" for code in range(size)], dtype=object)[codes])
    for index in range(2):
        columns[f"b{index}"] = np.where(rng.random(rows) < 0.3, "yes", "no")
    days = pd.Timestamp("2015-01-01") + pd.to_timedelta(rng.integers(0, 3000, rows), unit="D")
    columns["date"] = pd.Series(days).dt.strftime("%Y-%m-%d")
    return pd.DataFrame(columns)


def preprocessing_seconds(frame: pd.DataFrame) -> dict[str, float]:
    from midigan.table.encoding import TableEncoding
    from midigan.table.guard import CopyGuard
    from midigan.table.kinds import infer_columns, to_typed
    from midigan.table.nearness import NearCopyGuard
    from midigan.table.training import plan_table

    parts, started = {}, time.perf_counter()
    columns = infer_columns(frame)
    parts["kinds"] = time.perf_counter() - started
    started = time.perf_counter()
    typed = to_typed(frame, columns)
    parts["typed values"] = time.perf_counter() - started
    started = time.perf_counter()
    encoding = TableEncoding.fit(typed, columns)
    parts["encoding fit"] = time.perf_counter() - started
    started = time.perf_counter()
    encoded = encoding.encode(typed)
    parts["encoding transform"] = time.perf_counter() - started
    started = time.perf_counter()
    CopyGuard.from_rows(typed, columns)
    parts["copy guard"] = time.perf_counter() - started
    started = time.perf_counter()
    NearCopyGuard.fit(encoding, encoded)
    parts["near-copy guard"] = time.perf_counter() - started
    started = time.perf_counter()
    plan_table(frame)
    parts["all of it (plan_table)"] = time.perf_counter() - started
    return parts


def midigan_rates(table: pd.DataFrame, steps: int) -> dict[str, float]:
    from midigan.core.config import TrainConfig
    from midigan.core.trainer import Trainer
    from midigan.table.api import load_run
    from midigan.table.training import plan_table, train_settings

    plan = plan_table(table)
    with tempfile.TemporaryDirectory() as folder:
        settings = train_settings(None, steps, eval_every=10**9)
        settings.update(run_dir=folder + "/run", progress=False, device="cpu", pretrain_steps=50, eval_every=0, patience=0)
        result = Trainer(plan.family, plan.data, TrainConfig.from_dict(settings), None, plan.artifacts).fit()
        adversarial = next(phase for phase in result.phases if phase.name == "adversarial")
        model = load_run(folder + "/run")
        started = time.perf_counter()
        model.generate(100_000, seed=0)
        sample_seconds = time.perf_counter() - started
    return {
        "train_rows_per_s": adversarial.steps * settings["batch_size"] / adversarial.seconds,
        "sample_rows_per_s": 100_000 / sample_seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--ctgan-rows", type=int, default=20_000)
    parser.add_argument("--steps", type=int, default=400, help="midigan steps timed for training rows per second")
    parser.add_argument("--peer-python", default="/work/peers/tables/bin/python")
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--skip-rates", action="store_true", help="only the preprocessing figures")
    args = parser.parse_args()
    torch.set_num_threads(1)
    frame = wide_table(args.rows)
    print(f"preprocessing a {len(frame):,} x {frame.shape[1]} table (one thread):")
    for name, seconds in preprocessing_seconds(frame).items():
        print(f"  {name}: {seconds:.1f} s")
    peer = args.peer_python if Path(args.peer_python).is_file() else None
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    script = str(Path(__file__).with_name("tables_peer.py"))
    with tempfile.TemporaryDirectory() as folder:
        if peer:
            part = frame.iloc[: args.ctgan_rows]
            part.fillna({name: part[name].median() for name in part.columns[:5]}).to_csv(f"{folder}/part.csv", index=False)
            discrete = [name for name in frame.columns if name[0] in "cb" or name == "date"]
            done = subprocess.run(
                [peer, script, "transform", f"{folder}/part.csv", "--discrete", ",".join(discrete)],
                capture_output=True,
                text=True,
                env=env,
                check=True,
            )
            print(
                f"  CTGAN's data transformer on the first {args.ctgan_rows:,} rows (gaps filled, the date as a category): "
                f"{json.loads(done.stdout.splitlines()[-1])['seconds']:.1f} s"
            )
        else:
            print("  CTGAN: not installed")
        if args.skip_rates:
            return
        from midigan.table.reading import read_table

        housing = read_table(args.shared / "txhousing.csv")
        rates = midigan_rates(housing, args.steps)
        print(
            f"txhousing ({len(housing):,} rows), one thread: midigan trains on {rates['train_rows_per_s']:,.0f} rows/s"
            f" (adversarial steps of 500), samples {rates['sample_rows_per_s']:,.0f} rows/s"
            " (100,000 rows, guard and output included)"
        )
        if peer:
            from midigan.table.kinds import infer_columns

            sys_path = Path(__file__).resolve().parent
            import sys

            sys.path.insert(0, str(sys_path))
            from tables import ctgan_input

            table, discrete = ctgan_input(housing, infer_columns(housing))
            table.to_csv(f"{folder}/housing.csv", index=False)
            done = subprocess.run(
                [
                    peer,
                    script,
                    "ctgan",
                    f"{folder}/housing.csv",
                    f"{folder}/out.csv",
                    "--discrete",
                    ",".join(discrete),
                    "--minutes",
                    "0.5",
                    "--rows",
                    "100000",
                ],
                capture_output=True,
                text=True,
                env=env,
                check=True,
            )
            info = json.loads(done.stdout.splitlines()[-1])
            print(
                f"  CTGAN trains on {info['train_rows_per_s']:,.0f} rows/s (epochs of batch 500), samples"
                f" {info['sample_rows_per_s']:,.0f} rows/s (100,000 rows); its transformer took {info['transform_seconds']:.1f} s"
            )


if __name__ == "__main__":
    main()
