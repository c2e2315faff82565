"""metrics.jsonl: one JSON object per logged step, appended as training goes.

Each line: {"step", "phase", "losses": {name: value}, "d_real", "d_fake", "steps_per_s", "elapsed_s"}
("d_real"/"d_fake" only in the adversarial phase). Append-only text survives crashes and is easy
to read with any tool.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch


class RunningMeans:
    """Sums of per-step statistics kept on the device, so logging syncs only at log steps."""

    def __init__(self) -> None:
        self._sums: dict[str, torch.Tensor] = {}
        self._counts: dict[str, int] = {}

    def add(self, values: dict[str, torch.Tensor]) -> None:
        for name, value in values.items():
            value = value.detach().float()
            self._sums[name] = self._sums[name] + value if name in self._sums else value
            self._counts[name] = self._counts.get(name, 0) + 1

    def pop(self) -> dict[str, float]:
        means = {name: (total / self._counts[name]).item() for name, total in self._sums.items()}
        self._sums.clear()
        self._counts.clear()
        return means


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
