"""The peers of `benchmarks/tables.py`, run in their own virtual environment (never needed by midigan):

python3 -m venv /work/peers/tables
/work/peers/tables/bin/pip install torch==2.13.0 && /work/peers/tables/bin/pip install ctgan sdmetrics pandas

PEER ctgan TRAIN.csv OUT.csv --discrete a,b --minutes M --rows N --seed S
    CTGAN (the `ctgan` package, default settings) given M minutes of one CPU thread: its data
    transformer is fitted and timed, a 5-epoch fit times an epoch, and the real fit runs as
    many epochs as fill the rest of the budget. Prints one JSON line of timings.
PEER quality REAL.csv SYNTH.csv METADATA.json
    SDMetrics' QualityReport: prints {"shapes": ..., "pairs": ...} (the cross-check of
    midigan.table.quality).
"""

from __future__ import annotations

import argparse
import json
import time

import pandas as pd
import torch


class _Budget:
    """Stands in for the tqdm that CTGAN wraps its epochs in: the epochs run for `seconds` from the
    first one (the epoch under way finishes), as midigan's --max-minutes counts its training loop."""

    seconds = 0.0
    epochs = 0
    spent = 0.0  # seconds the epochs took

    def __init__(self, iterable, disable: bool = True):
        self.iterable = iterable

    def __iter__(self):
        started = time.perf_counter()
        for epoch in self.iterable:
            _Budget.spent = time.perf_counter() - started
            if _Budget.spent >= _Budget.seconds:
                return
            _Budget.epochs += 1
            yield epoch

    def set_description(self, *args, **kwargs) -> None:
        pass


def fit_ctgan(args) -> None:
    import ctgan.synthesizers.ctgan as module
    from ctgan import CTGAN
    from ctgan.data_transformer import DataTransformer

    torch.set_num_threads(1)
    train = pd.read_csv(args.train, keep_default_na=False, na_values=[""])
    discrete = [name for name in args.discrete.split(",") if name]
    for name in discrete:
        train[name] = train[name].astype(str)
    started = time.perf_counter()
    DataTransformer().fit(train, discrete)
    transform_seconds = time.perf_counter() - started
    if args.epochs:  # a budget of generator steps, not of time
        _Budget.seconds = float("inf")
    else:
        _Budget.seconds = 60 * args.minutes
    module.tqdm = _Budget  # the fit runs epochs for the budget, after its own transformer fit
    model = CTGAN(epochs=args.epochs or 10**6)
    model.set_random_state(args.seed)
    started = time.perf_counter()
    model.fit(train, discrete)
    fit_seconds = time.perf_counter() - started
    started = time.perf_counter()
    rows = model.sample(args.rows)
    sample_seconds = time.perf_counter() - started
    rows.to_csv(args.out, index=False)
    steps = _Budget.epochs * max(len(train) // model._batch_size, 1)
    print(
        json.dumps(
            {
                "epochs": _Budget.epochs,
                "fit_seconds": fit_seconds,
                "transform_seconds": transform_seconds,
                "epoch_seconds": _Budget.spent,
                "train_rows_per_s": steps * model._batch_size / max(_Budget.spent, 1e-9),
                "sample_rows_per_s": args.rows / sample_seconds,
            }
        )
    )


def transform(args) -> None:
    from ctgan.data_transformer import DataTransformer

    torch.set_num_threads(1)
    table = pd.read_csv(args.table, keep_default_na=False, na_values=[""])
    discrete = [name for name in args.discrete.split(",") if name]
    started = time.perf_counter()
    transformer = DataTransformer()
    transformer.fit(table, discrete)
    transformer.transform(table)
    print(json.dumps({"rows": len(table), "seconds": time.perf_counter() - started}))


def quality(args) -> None:
    from sdmetrics.reports.single_table import QualityReport

    metadata = json.loads(open(args.metadata).read())
    real, synthetic = (pd.read_csv(path, keep_default_na=False, na_values=[""]) for path in (args.real, args.synthetic))
    for name, column in metadata["columns"].items():
        if column["sdtype"] == "categorical":
            real[name], synthetic[name] = (
                real[name].astype(str).where(real[name].notna()),
                synthetic[name].astype(str).where(synthetic[name].notna()),
            )
    report = QualityReport()
    report.generate(real, synthetic, metadata, verbose=False)
    properties = report.get_properties().set_index("Property")["Score"]
    print(json.dumps({"shapes": float(properties["Column Shapes"]), "pairs": float(properties["Column Pair Trends"])}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    ctgan = commands.add_parser("ctgan")
    ctgan.add_argument("train")
    ctgan.add_argument("out")
    ctgan.add_argument("--discrete", default="")
    ctgan.add_argument("--minutes", type=float, default=None)
    ctgan.add_argument("--epochs", type=int, default=None, help="train this many epochs instead of --minutes")
    ctgan.add_argument("--rows", type=int, required=True)
    ctgan.add_argument("--seed", type=int, default=0)
    preprocess = commands.add_parser("transform")
    preprocess.add_argument("table")
    preprocess.add_argument("--discrete", default="")
    check = commands.add_parser("quality")
    check.add_argument("real")
    check.add_argument("synthetic")
    check.add_argument("metadata")
    args = parser.parse_args()
    {"ctgan": fit_ctgan, "transform": transform, "quality": quality}[args.command](args)


if __name__ == "__main__":
    main()
