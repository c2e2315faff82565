"""What gives a model's windows of the 28-channel tuning set away: the discriminative score's GRU run
on groups of channels, and two shapes the set is built with (the light switch's dark stretches, and
rooms that warm as they dry over a day).

Why: on 28 channels the run validation and the discriminative score disagreed for several variants
(docs/series.md), so a variant is better chosen by what the score's classifier sees. Reads what
`benchmarks/series_tuning.py --sets sensors28 --work W` kept of each variant:

    python benchmarks/series_giveaways.py W/sensors28-4min-seed0/now.pickle W/sensors28-4min-seed0/other.pickle

Judged in TimeGAN's protocol (the real side: half the training windows, drawn with seed 0); a tuning
set, never a report set.
"""

from __future__ import annotations

import argparse
import pickle
from pathlib import Path

import numpy as np
import torch
from series import training_halves
from series_sets import load

from midigan.series.metrics import MinMax, discriminative_score

LIGHTS, METER = 1, 0
TEMPERATURES, HUMIDITIES = list(range(2, 11)), list(range(11, 20))  # the nine rooms' (series_sets.sensor_data)
GROUPS = {"lights": [LIGHTS], "meter": [METER], "temperatures": TEMPERATURES, "humidities": HUMIDITIES,
          "temperatures and humidities": TEMPERATURES + HUMIDITIES, "all but meter and lights": list(range(2, 28)),
          "all": list(range(28))}
STEPS = np.arange(24) - 11.5


def group_scores(real: list[np.ndarray], windows: list[np.ndarray], repeats: int) -> dict[str, tuple[float, float]]:
    scores = {}
    for name, channels in GROUPS.items():
        kept_real, kept = [w[:, channels] for w in real], [w[:, channels] for w in windows]
        scale = MinMax(kept_real)
        scores[name] = discriminative_score(scale.prepare(kept_real), scale.prepare(kept), repeats=repeats)
    return scores


def shapes(windows: np.ndarray) -> dict[str, float]:
    """The lights' dark steps and wholly dark windows; the spread of the rooms' mean temperature slope
    and its correlation with the mean humidity slope, per window."""
    dark = windows[..., LIGHTS] == 0
    temperature, humidity = (((windows[..., group].mean(-1) * STEPS).sum(1) / (STEPS ** 2).sum())
                             for group in (TEMPERATURES, HUMIDITIES))
    return {"dark steps": float(dark.mean()), "dark windows": float(dark.all(1).mean()),
            "temperature slope sd": float(temperature.std()),
            "slope correlation": float(np.corrcoef(temperature, humidity)[0, 1])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("variants", nargs="+", type=Path, help="pickles series_tuning.py kept (WORK/sensors28-*/NAME.pickle)")
    parser.add_argument("--repeats", type=int, default=4, help="Discriminative runs per group.")
    args = parser.parse_args()
    torch.set_num_threads(1)
    split = load("sensors28", 0)
    real, _ = training_halves(split, 0)
    rows = {"held-out real windows": (None, shapes(np.stack(split.held_out)))}
    for path in args.variants:
        generated = pickle.loads(path.read_bytes())["generated"]
        seed = path.parent.name.rsplit("-", 1)[-1]  # the tuning folder's seed: one variant may come from several
        for name, series in generated.items():
            if "@" in name:
                continue
            windows = [values for values in series if len(values) == 24][: len(real)]
            rows[f"{name} {seed}"] = (group_scores(real, windows, args.repeats), shapes(np.stack(windows)))
    print(f"discriminative score by group of channels (mean ± sd of {args.repeats} runs, TimeGAN's protocol)")
    print(f"{'variant':24s}" + "".join(f"{name[:16]:>18s}" for name in GROUPS))
    for name, (scores, _) in rows.items():
        if scores:
            print(f"{name[:24]:24s}" + "".join(f"{f'{mean:.3f} ±{sd:.3f}':>18s}" for mean, sd in scores.values()))
    print("\nshapes")
    print(f"{'variant':24s}" + "".join(f"{name:>22s}" for name in next(iter(rows.values()))[1]))
    for name, (_, figures) in rows.items():
        print(f"{name[:24]:24s}" + "".join(f"{value:>22.3f}" for value in figures.values()))


if __name__ == "__main__":
    main()
