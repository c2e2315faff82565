"""Choosing midigan series' defaults by measurement: variants of the model at equal CPU time on the
tuning sets, judged by TimeGAN's discriminative score against held-out real series.

    flock /work/timed.lock python benchmarks/series_tuning.py --minutes 4 --sets sines,basicmotions \
        --variants '{"gaussian": {}, "mixture": {"components": 4}}' --json docs/series-tuning.json

Each variant is `SeriesGAN(**settings)` (model sizes and any TrainConfig field) trained for
--minutes on one CPU thread. Variants train --parallel at a time, side by side, so they share the
machine's load alike; each one's CPU seconds and steps are printed, so unequal shares show. Every
variant's `best.pt` is judged (what generation uses, chosen by validation); with --last also its
last weights, marked "@last", which says whether validation chose well. --view training judges
against half the training windows (TimeGAN's protocol), where a set split by time leaves room
above the floor that the held-out windows, from a later stretch, do not. Sets: see
benchmarks/series_sets.py; tune on sines and basicmotions (and the synthetic checks sensors28 and
varying), never on stocks, macrodata, italypower or energy, which report.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import torch
from series import VIEWS, generated_count, judge
from series_sets import TUNING_SETS, load

PRESETS = {"gaussian": {}, "low-rank": {"rank": 4}, "mixture": {"components": 4},
           "mixture+low-rank": {"components": 4, "rank": 4}}


def train_variant(set_name: str, name: str, settings: dict, minutes: float, seed: int, folder: str, last: bool) -> dict:
    """Train one variant (in its own process, one thread); returns its timings and the generated
    series of its best (and last) weights. A variant trained before in `folder` is read back."""
    import pickle

    import torch

    from midigan.core.checkpoint import LAST, checkpoint_path, load_checkpoint
    from midigan.series import SeriesGAN

    done = Path(folder) / f"{name.replace(' ', '_')}.pickle"
    if done.exists():
        return pickle.loads(done.read_bytes())
    torch.set_num_threads(1)
    split = load(set_name, seed)
    run_dir = Path(folder) / name.replace(" ", "_")
    started, cpu_started = time.perf_counter(), time.process_time()
    model = SeriesGAN(max_minutes=minutes, seed=seed, run_dir=run_dir, **settings).fit(split.training_input)
    timings = {"wall_seconds": time.perf_counter() - started, "cpu_seconds": time.process_time() - cpu_started}
    final = load_checkpoint(checkpoint_path(run_dir))
    timings.update(steps=final["step"], adversarial_from=final["schedule"].get("adversarial_from"),
                   best_step=load_checkpoint(model.checkpoint)["step"])
    count = generated_count(split)  # enough for the largest real side of any view
    generated = {name: model.sample(count, seed=seed + 1)}
    if last:
        generated[f"{name}@last"] = SeriesGAN.load(checkpoint_path(run_dir, LAST)).sample(count, seed=seed + 1)
    trimmed = {key: [values[~np.isnan(values).all(axis=1)] for values in series] for key, series in generated.items()}
    result = {"timings": timings, "generated": trimmed}
    done.write_bytes(pickle.dumps(result))
    return result


def tune_set(set_name: str, variants: dict[str, dict], args) -> dict:
    from midigan.series.evaluation import Settings, format_table

    split = load(set_name, args.seed)
    print(f"\n== {set_name}: {len(split.training)} training and {len(split.held_out)} held-out {split.unit}", flush=True)
    work = args.work / f"{set_name}-{args.minutes:g}min-seed{args.seed}"
    work.mkdir(parents=True, exist_ok=True)
    with ProcessPoolExecutor(args.parallel, mp_context=get_context("spawn")) as pool:
        futures = {name: pool.submit(train_variant, set_name, name, settings, args.minutes, args.seed, str(work), args.last)
                   for name, settings in variants.items()}
        results = {name: future.result() for name, future in futures.items()}
    candidates = {key: series for result in results.values() for key, series in result["generated"].items()}
    figures = judge(split, candidates, Settings(args.repeats, args.discriminative_steps, args.predictive_steps, args.seed), args.view)
    print(format_table(figures, f"{set_name}, {args.minutes:g} minutes of training each, {args.repeats} discriminative runs;"
                                f" {VIEWS[args.view]}"))
    for name, result in results.items():
        t = result["timings"]
        print(f"{name}: {t['steps']} steps, {t['cpu_seconds']:.0f} CPU s in {t['wall_seconds']:.0f} s, adversarial from "
              f"{t['adversarial_from']}, best step {t['best_step']}")
    return {"figures": figures, "timings": {name: result["timings"] for name, result in results.items()},
            "settings": variants}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default=",".join(TUNING_SETS), help="Comma-separated tuning sets.")
    parser.add_argument("--variants", default=json.dumps(PRESETS), help="JSON: name -> SeriesGAN settings.")
    parser.add_argument("--minutes", type=float, default=4.0, help="Training time of each variant on each set.")
    parser.add_argument("--parallel", type=int, default=2, help="Variants trained at once (one thread each).")
    parser.add_argument("--repeats", type=int, default=3, help="Discriminative-score runs averaged.")
    parser.add_argument("--discriminative-steps", type=int, default=2000)
    parser.add_argument("--predictive-steps", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--view", choices=VIEWS, default="held-out",
                        help="The real side (benchmarks/series.py's views): 'training' leaves more room above the floor on a"
                             " set split by time, where held-out windows differ from training ones.")
    parser.add_argument("--last", action="store_true", help="Also judge every variant's last weights.")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "series-tuning",
                        help="Runs and generated series, kept: a variant trained before (same set, minutes, seed, name)"
                             " is judged again without training.")
    parser.add_argument("--json", type=Path, help="Append every figure here (one JSON object per set and invocation).")
    args = parser.parse_args()
    torch.set_num_threads(1)  # the judging; on a shared machine more threads spin rather than work
    variants = json.loads(args.variants)
    for set_name in args.sets.split(","):
        if set_name not in TUNING_SETS:
            sys.exit(f"{set_name} is a report set: tune on {', '.join(TUNING_SETS)}")
        result = tune_set(set_name, variants, args)
        if args.json:
            with args.json.open("a", encoding="utf-8") as out:
                out.write(json.dumps({"set": set_name, "minutes": args.minutes, "seed": args.seed, "view": args.view, **result}) + "\n")


if __name__ == "__main__":
    main()
