"""When the discriminator has won: its mean D(fake) under WON_BELOW on every logged line of a
stretch of at least `TrainConfig.d_won_steps` steps.

Why say so: a discriminator sure of every fake leaves the generator a gradient that teaches
little, and nothing else in the log shows it: the losses keep moving, the run keeps going. The
news goes to the run's `say` when D wins and when it stops winning, each logged line of the
stretch carries "d_won": true in metrics.jsonl, and loss.png shades those steps. Only for the
losses whose D(fake) reads as a probability-like verdict (0: sure it is fake): ns and lsgan.
"""

from __future__ import annotations

from typing import Any

WON_BELOW = 0.05
VERDICT_LOSSES = ("ns", "lsgan")


class DiscriminatorWatch:
    """Follows the logged mean D(fake); `observe` returns a line of news when D wins or stops winning."""

    def __init__(self, sustained_steps: int):
        self.sustained_steps = sustained_steps
        self.below_since: int | None = None  # the first logged step of the current stretch under WON_BELOW
        self.won = False

    def observe(self, step: int, d_fake: float | None) -> str | None:
        if d_fake is None:  # no adversarial figures on this line (pretraining)
            return None
        if d_fake >= WON_BELOW:
            was_won, self.won, self.below_since = self.won, False, None
            return f"step {step}: D no longer wins (D(fake) {d_fake:.3f})" if was_won else None
        if self.below_since is None:
            self.below_since = step
        if not self.won and step - self.below_since >= self.sustained_steps:
            self.won = True
            return (f"step {step}: D has won: D(fake) under {WON_BELOW} since step {self.below_since}; "
                    "the generator learns little from its verdicts now")
        return None

    def replay(self, records: list[dict[str, Any]]) -> None:
        """Take up the state a resumed run's logged lines leave (no news)."""
        for record in records:
            if "losses" in record:
                self.observe(record["step"], record.get("d_fake"))


def watch_for(loss: str, sustained_steps: int) -> DiscriminatorWatch | None:
    """A watch for a run with this loss, or None where D(fake) is no verdict or the watch is off (0 steps)."""
    return DiscriminatorWatch(sustained_steps) if loss in VERDICT_LOSSES and sustained_steps > 0 else None


def won_since(records: list[dict[str, Any]]) -> int | None:
    """The first step of the stretch D had won at a run's last logged line; None if it had not."""
    lines = [record for record in records if "losses" in record]
    if not lines or not lines[-1].get("d_won"):
        return None
    start = lines[-1]["step"]
    for record in reversed(lines):
        if record.get("d_fake", 1.0) >= WON_BELOW:
            break
        start = record["step"]
    return start
