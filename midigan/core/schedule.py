"""The run's phases as one object: pretraining, then adversarial training, and what validation decided.

Why an object: "are we still pretraining", "did this score improve", "is patience used up" and
"why did it stop" are one piece of state with one set of rules; spread over a loop they were
`adversarial_from is None` tests in a dozen places. Checkpoints save and restore it as one dict.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

#: Why a run or its pretraining stopped, for people.
STOP_REASONS = {
    "max_steps": "step limit reached",
    "max_minutes": "time budget used",
    "interrupted": "interrupted",
    "no_improvement": "validation stopped improving",
    "time_share": "its share of the time budget used",
}


@dataclass
class PhaseSchedule:
    """Where a run stands: the step its adversarial phase began (None while pretraining), and the
    current phase's best validation score, its step, and the validations since it."""

    adversarial_from: int | None = None
    best_score: float | None = None
    best_step: int | None = None
    checks_since_best: int = 0

    @classmethod
    def starting(cls, pretrain_steps: int) -> PhaseSchedule:
        """A new run: pretraining first, unless it has no pretraining steps."""
        return cls(adversarial_from=0 if pretrain_steps == 0 else None)

    @property
    def pretraining(self) -> bool:
        return self.adversarial_from is None

    @property
    def phase(self) -> str:
        return "pretrain" if self.pretraining else "adversarial"

    def steps_into_phase(self, step: int) -> int:
        """How many steps of the current phase `step` (a count of steps done) is."""
        return step if self.pretraining else step - self.adversarial_from

    def judge(self, score: float, step: int) -> bool:
        """Record a validation score (lower is better) at `step`; True when it is the phase's best."""
        improved = self.best_score is None or score < self.best_score
        if improved:
            self.best_score, self.best_step, self.checks_since_best = score, step, 0
        else:
            self.checks_since_best += 1
        return improved

    def patience_used(self, patience: int) -> bool:
        """Has the phase gone `patience` validations without a better score (0: never)?"""
        return bool(patience) and self.checks_since_best >= patience

    def pretraining_ended(self, step: int, pretrain_steps: int, patience: int, time_share_used) -> str | None:
        """Why pretraining is over after `step` steps (a STOP_REASONS key), None while it goes on.
        `time_share_used()` is asked last, and only when nothing else ended it."""
        if step >= pretrain_steps:
            return "max_steps"
        if self.patience_used(patience):
            return "no_improvement"
        if time_share_used():
            return "time_share"
        return None

    def begin_adversarial(self, step: int) -> None:
        """The adversarial phase starts after `step` steps, with no score to beat yet."""
        self.adversarial_from, self.best_score, self.checks_since_best = step, None, 0

    def state_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> PhaseSchedule:
        return cls(**state)


@dataclass
class PhaseSummary:
    """One phase of a finished `fit()` (of this process's part of the run, when resumed)."""

    name: str  # "pretrain" | "adversarial"
    steps: int
    seconds: float
    ended: str  # a STOP_REASONS key


@dataclass
class TrainResult:
    """How a `fit()` ended: the step its last checkpoint holds, why it stopped, where it wrote, the
    phases it went through and the step `best.pt` holds (None without validation)."""

    step: int
    stopped: str  # a STOP_REASONS key (but "time_share")
    run_dir: Path
    phases: list[PhaseSummary] = field(default_factory=list)
    best_step: int | None = None


class PhaseClock:
    """How many steps, and how long, each phase of this process's part of the run took."""

    def __init__(self, step: int):
        self.phases: list[PhaseSummary] = []
        self.since = (step, time.monotonic())

    def end(self, phase: str, step: int, reason: str) -> None:
        """The phase `phase` ended after `step` steps, for `reason` (a STOP_REASONS key)."""
        first, started = self.since
        if step > first or not self.phases:
            self.phases.append(PhaseSummary(phase, step - first, time.monotonic() - started, reason))
        self.since = (step, time.monotonic())
