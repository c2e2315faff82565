"""A run's record: metrics.jsonl, one JSON object per logged step or validation, appended as training
goes, and the figures beside the progress display.

Each training line: {"step", "phase", "losses": {name: value}, "d_real", "d_fake", "augment",
"stage", "lr", "d_won", "steps_per_s", "elapsed_s"} (the adversarial figures only in that phase, the
others only where they apply; "d_won" while the discriminator has won, see `midigan.core.dominance`);
each validation line: {"step", "phase", "validation": {name: value}, "best"}.
Append-only text survives crashes and is easy to read with any tool.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from midigan.core.dominance import watch_for


class RunningMeans:
    """Sums of per-step statistics kept on the device, so logging syncs only at log steps; and the
    steps added since the last `pop`, for the rate."""

    def __init__(self) -> None:
        self._sums: dict[str, torch.Tensor] = {}
        self._counts: dict[str, int] = {}
        self.steps, self.since = 0, time.monotonic()

    def add(self, values: dict[str, torch.Tensor]) -> None:
        """One step's statistics."""
        for name, value in values.items():
            value = value.detach().float()
            self._sums[name] = self._sums[name] + value if name in self._sums else value
            self._counts[name] = self._counts.get(name, 0) + 1
        self.steps += 1

    def pop(self) -> tuple[dict[str, float], float]:
        """(the mean of each statistic, steps per second) since the last pop; then start again."""
        means = {name: (total / self._counts[name]).item() for name, total in self._sums.items()}
        now = time.monotonic()
        rate = self.steps / max(now - self.since, 1e-9)
        self._sums.clear()
        self._counts.clear()
        self.steps, self.since = 0, now
        return means, rate


class RunLog:
    """Where a run's figures go: metrics.jsonl (`writes`: only rank 0 writes files) and the progress
    display (`progress`, set by the loop), which shows the latest losses and validation figures.
    `watch` (the run's loss and d_won_steps) follows the discriminator's verdicts: lines while D has
    won carry "d_won", and `say` hears when D wins and when it stops (`midigan.core.dominance`)."""

    def __init__(self, path: Path, writes: bool, say: Callable[[str], None] = lambda message: None,
                 watch: tuple[str, int] = ("", 0)):
        self.path, self.writes, self.say = path, writes, say
        self.watch = watch_for(*watch)
        self.progress: Any = None
        self.shown: dict[str, str] = {}

    def show(self, values: dict[str, str]) -> None:
        """Figures beside the progress display, kept until replaced."""
        self.shown = {**self.shown, **values}
        if self.progress is not None:
            self.progress.set_postfix(self.shown, refresh=False)

    def forget_shown(self) -> None:
        """A new phase: the figures of the last one no longer apply."""
        self.shown = {}

    def training(self, step: int, phase: str, means: dict[str, float], extra: dict[str, Any], steps_per_s: float,
                 elapsed: float) -> None:
        """One line of the mean training statistics since the last one; `extra` are the hooks' fields."""
        if not self.writes:
            return
        augment = {name.removeprefix("augment_"): means.pop(name) for name in ("augment_p", "augment_r_t") if name in means}
        record = {
            "step": step,
            "phase": phase,
            "losses": {name: value for name, value in means.items() if name not in ("d_real", "d_fake")},
            **{name: means[name] for name in ("d_real", "d_fake") if name in means},
            **({"augment": augment} if augment else {}),
            **extra,
            "steps_per_s": round(steps_per_s, 3),
            "elapsed_s": round(elapsed, 3),
        }
        news = self.watch.observe(step, means.get("d_fake")) if self.watch is not None else None
        if self.watch is not None and self.watch.won:
            record["d_won"] = True
        append_metrics(self.path, record)
        if news:
            self.say(news)
        shown = {name: f"{value:.3f}" for name, value in record["losses"].items()}
        if augment:
            shown["p"] = f"{augment['p']:.2f}"
        self.show(shown)

    def truncate(self, last_step: int) -> None:
        """A resumed run: forget the lines past `last_step`, and take up the watch where the rest leave it."""
        truncate_metrics(self.path, last_step)
        if self.watch is not None:
            self.watch.replay(read_metrics(self.path))

    def validation(self, step: int, phase: str, metrics: dict[str, float], improved: bool, score_name: str) -> None:
        """One line of a validation's figures, and whether they made `best.pt`."""
        append_metrics(self.path, {"step": step, "phase": phase, "validation": metrics, "best": improved})
        self.show({name: f"{value:.3g}" for name, value in metrics.items() if name != score_name})


def append_metrics(path: Path, record: dict[str, Any]) -> None:
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(record) + "\n")


def read_metrics(path: Path) -> list[dict[str, Any]]:
    """All complete records (a line torn by a crash is skipped)."""
    if not path.is_file():
        return []
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return records


def truncate_metrics(path: Path, last_step: int) -> None:
    """Drop records past `last_step`: on resume they describe steps that will be trained again."""
    kept = [record for record in read_metrics(path) if record.get("step", 0) <= last_step]
    if path.is_file():
        path.write_text("".join(json.dumps(record) + "\n" for record in kept), encoding="utf-8")
