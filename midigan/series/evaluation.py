"""A synthetic set judged against held-out real series, with the real training series (the ceiling:
what new real data scores) and a VAR(2) baseline beside it. Used by `midigan series evaluate`
and the benchmark.

`centred` is the level-free view: every series minus its own mean per channel. Why: a long series
split by time (the issue's protocol) holds out an era whose levels the training era never saw
(a share price that has doubled), so the post-hoc classifier tells any training-era window, real
or synthetic, from a held-out one by its level alone and every row scores about 0.5; centred, the
classifier must judge the shape and the size of the movements, which the training era can teach.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from midigan.series.baseline import VectorAutoregression
from midigan.series.metrics import (
    DISCRIMINATIVE_STEPS,
    PREDICTIVE_STEPS,
    REPEATS,
    MinMax,
    autocorrelation_difference,
    discriminative_scores,
    nearest_distance_ratio,
    predictive_scores,
)

CEILING = "real training series (ceiling)"
BASELINE = "VAR(2) baseline"
COLUMNS = ("discriminative", "predictive", "acf difference", "nearest ratio")


@dataclass
class Settings:
    repeats: int = REPEATS
    discriminative_steps: int = DISCRIMINATIVE_STEPS
    predictive_steps: int = PREDICTIVE_STEPS
    seed: int = 0


def centred(series: list[np.ndarray]) -> list[np.ndarray]:
    """Each series minus its own mean per channel (gaps ignored): the level-free view."""
    return [values - np.nanmean(values, axis=0, keepdims=True) if np.isfinite(values).any() else values for values in series]


def evaluate_sets(candidates: dict[str, list[np.ndarray]], reference: list[np.ndarray], training: list[np.ndarray],
                  settings: Settings, baseline: bool = True, ceiling: bool = True, copy_check: bool = True,
                  view: Callable[[list[np.ndarray]], list[np.ndarray]] | None = None) -> dict[str, dict[str, float]]:
    """Figures of every candidate set (name -> series) against `reference` (held-out real series),
    after the ceiling (training series scored as if synthetic) and the VAR(2) baseline fitted on
    `training`. Each set is cut to as many series as `reference` has (TimeGAN compares equal counts)
    for every figure but the nearest ratio, which reads every series of a candidate. Why: its median
    over as few generated series as the held-out ones moved by a quarter from one draw to the next
    (fertility's 48: 0.75 to 1.05 on one run's 200 series), across the copying limit of 0.9.
    `view` (e.g. `centred`) transforms every set, the real ones included, before it is judged;
    without `copy_check` the nearest ratio is left out (NaN)."""
    rng = np.random.default_rng(settings.seed)
    sets: dict[str, list[np.ndarray]] = {}
    if ceiling:
        sets[CEILING] = [training[i] for i in np.sort(rng.permutation(len(training))[: len(reference)])]
    if baseline:
        var = VectorAutoregression().fit(training)
        lengths = {len(values) for values in reference}
        sets[BASELINE] = var.sample(len(reference), seed=settings.seed, length=lengths.pop() if len(lengths) == 1 else None)
    for name, series in candidates.items():
        sets[name] = [series[i] for i in np.sort(rng.permutation(len(series))[: len(reference)])]
    whole = {**sets, **candidates}  # what the nearest ratio reads
    if view is not None:
        reference, training, sets = view(reference), view(training), {name: view(series) for name, series in sets.items()}
        whole = {name: view(series) for name, series in whole.items()}
    scaler = MinMax(reference + training)
    real, train = scaler.prepare(reference), scaler.prepare(training)
    prepared = {name: scaler.prepare(series) for name, series in sets.items()}
    synthetic_sets = list(prepared.values())
    discriminative = discriminative_scores(real, synthetic_sets, settings.discriminative_steps, settings.repeats, settings.seed)
    predictive = predictive_scores(real, synthetic_sets, settings.predictive_steps, settings.seed)
    figures = {}
    for (name, synthetic), (disc, spread), pred in zip(prepared.items(), discriminative, predictive, strict=True):
        figures[name] = {
            "discriminative": disc,
            "discriminative_sd": spread,
            "predictive": pred,
            "acf difference": autocorrelation_difference(real, synthetic),
            "nearest ratio": nearest_distance_ratio(scaler.prepare(whole[name]), real, train) if copy_check and name != CEILING
            else math.nan,
        }
    return figures


def format_table(figures: dict[str, dict[str, float]], title: str = "") -> str:
    """A plain-text table, one row per set."""
    width = max([len(name) for name in figures] + [12])
    lines = [title] if title else []
    lines.append(f"{'set':<{width}}  {'discrim.':>13}  {'predictive':>10}  {'acf diff':>8}  {'nearest':>7}")
    for name, row in figures.items():
        nearest = "-" if math.isnan(row["nearest ratio"]) else f"{row['nearest ratio']:.2f}"
        lines.append(f"{name:<{width}}  {row['discriminative']:>6.3f} ±{row['discriminative_sd']:.3f}  "
                     f"{row['predictive']:>10.4f}  {row['acf difference']:>8.3f}  {nearest:>7}")
    lines.append("discrim.: |accuracy - 0.5| of a post-hoc GRU, mean ± sd over runs (TimeGAN's; 0 is best); predictive:")
    lines.append("MAE of a GRU trained on the set, tested on held-out real (lower is better); acf diff: first 10")
    lines.append("autocorrelations; nearest: median distance to the nearest training series over held-out real's")
    lines.append("(below 0.9: copying)")
    return "\n".join(lines)
